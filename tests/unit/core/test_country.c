/* test_country.c -- unit tests for core/country.c */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/country.h"

/* ---- helpers ----------------------------------------------------------- */

static void expect_country(const char *iso, const char *want_iso,
                           const char *want_name, unsigned want_cc)
{
    const country_t *c = NULL;
    assert_int_equal(country_by_iso(iso, &c), C_OK);
    assert_non_null(c);
    assert_string_equal(c->iso, want_iso);
    assert_string_equal(c->name, want_name);
    assert_int_equal(c->calling_code, want_cc);
}

static void expect_cc(const char *digits, unsigned want_cc, size_t want_len)
{
    unsigned cc = 12345;
    size_t len = 12345;
    assert_int_equal(country_calling_code(digits, strlen(digits), &cc, &len), C_OK);
    assert_int_equal(cc, want_cc);
    assert_int_equal(len, want_len);
}

static void expect_no_cc(const char *digits)
{
    unsigned cc = 12345;
    size_t len = 12345;
    assert_int_equal(country_calling_code(digits, strlen(digits), &cc, &len), C_ERR);
    /* Outputs are left alone on failure. */
    assert_int_equal(cc, 12345);
    assert_int_equal(len, 12345);
}

/* ---- country_by_iso ---------------------------------------------------- */

static void test_lookup_major_countries(void **state)
{
    (void)state;
    expect_country("US", "US", "UNITED STATES", 1);
    expect_country("GB", "GB", "UNITED KINGDOM", 44);
    expect_country("DE", "DE", "GERMANY", 49);
    expect_country("NL", "NL", "NETHERLANDS", 31);
    expect_country("AU", "AU", "AUSTRALIA", 61);
    expect_country("CA", "CA", "CANADA", 1);
    expect_country("FR", "FR", "FRANCE", 33);
    expect_country("KR", "KR", "KOREA, REPUBLIC OF", 82);
    expect_country("CN", "CN", "CHINA", 86);
    expect_country("IN", "IN", "INDIA", 91);
    expect_country("JP", "JP", "JAPAN", 81);
    expect_country("BR", "BR", "BRAZIL", 55);
}

static void test_lookup_lower_and_mixed_case(void **state)
{
    (void)state;
    expect_country("us", "US", "UNITED STATES", 1);
    expect_country("Us", "US", "UNITED STATES", 1);
    expect_country("uS", "US", "UNITED STATES", 1);
    expect_country("gb", "GB", "UNITED KINGDOM", 44);
    expect_country("de", "DE", "GERMANY", 49);
    expect_country("zw", "ZW", "ZIMBABWE", 263);
    expect_country("ad", "AD", "ANDORRA", 376);
}

static void test_lookup_table_edges(void **state)
{
    (void)state;
    /* First and last entries of the sorted table. */
    expect_country("AD", "AD", "ANDORRA", 376);
    expect_country("ZW", "ZW", "ZIMBABWE", 263);
    assert_string_equal(country_at(0)->iso, "AD");
    assert_string_equal(country_at(country_count() - 1)->iso, "ZW");
}

static void test_lookup_nanp_members_use_1(void **state)
{
    (void)state;
    static const char *const nanp[] = {
        "US", "CA", "PR", "JM", "BS", "BB", "AG", "AI", "AS", "BM", "DM",
        "DO", "GD", "GU", "KN", "KY", "LC", "MP", "MS", "SX", "TC", "TT",
        "VC", "VG", "VI", "UM",
    };
    for (size_t i = 0; i < sizeof nanp / sizeof nanp[0]; i++) {
        const country_t *c = NULL;
        assert_int_equal(country_by_iso(nanp[i], &c), C_OK);
        assert_int_equal(c->calling_code, 1);
    }
}

static void test_lookup_shared_codes(void **state)
{
    (void)state;
    expect_country("RU", "RU", "RUSSIAN FEDERATION", 7);
    expect_country("KZ", "KZ", "KAZAKHSTAN", 7);
    expect_country("GG", "GG", "GUERNSEY", 44);
    expect_country("JE", "JE", "JERSEY", 44);
    expect_country("IM", "IM", "ISLE OF MAN", 44);
    expect_country("FI", "FI", "FINLAND", 358);
    expect_country("AX", "AX", "ALAND ISLANDS", 358);
    expect_country("RE", "RE", "REUNION", 262);
    expect_country("YT", "YT", "MAYOTTE", 262);
    expect_country("CW", "CW", "CURACAO", 599);
    expect_country("BQ", "BQ", "BONAIRE, SINT EUSTATIUS AND SABA", 599);
    expect_country("MA", "MA", "MOROCCO", 212);
    expect_country("EH", "EH", "WESTERN SAHARA", 212);
}

static void test_lookup_territories_with_own_code(void **state)
{
    (void)state;
    expect_country("GI", "GI", "GIBRALTAR", 350);
    expect_country("FO", "FO", "FAROE ISLANDS", 298);
    expect_country("GL", "GL", "GREENLAND", 299);
    expect_country("AW", "AW", "ARUBA", 297);
    expect_country("SH", "SH", "SAINT HELENA, ASCENSION AND TRISTAN DA CUNHA", 290);
    expect_country("FK", "FK", "FALKLAND ISLANDS (MALVINAS)", 500);
    expect_country("HK", "HK", "HONG KONG", 852);
    expect_country("MO", "MO", "MACAO", 853);
    expect_country("TW", "TW", "TAIWAN", 886);
    expect_country("SS", "SS", "SOUTH SUDAN", 211);
    expect_country("CI", "CI", "COTE D'IVOIRE", 225);
}

static void test_lookup_codeless_territories(void **state)
{
    (void)state;
    const country_t *c = NULL;
    static const char *const codeless[] = { "BV", "HM", "TF" };
    for (size_t i = 0; i < sizeof codeless / sizeof codeless[0]; i++) {
        assert_int_equal(country_by_iso(codeless[i], &c), C_OK);
        assert_int_equal(c->calling_code, 0);
    }
}

static void test_lookup_rejects_bad_input(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "U", "USA", "XX", "ZZ", "1A", "A1", "11", "U ", " U", "AA",
        "XK" /* user-assigned, not official */, "UK" /* reserved, not GB */,
        "EU", "U\xc3", "us\n",
    };
    static const country_t sentinel = { "??", "SENTINEL", 0 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const country_t *c = &sentinel;
        assert_int_equal(country_by_iso(bad[i], &c), C_ERR);
        assert_ptr_equal(c, &sentinel); /* untouched on failure */
    }
}

static void test_lookup_null_safe(void **state)
{
    (void)state;
    const country_t *c = NULL;
    assert_int_equal(country_by_iso(NULL, &c), C_ERR);
    assert_null(c);
    /* A NULL out-pointer still lets callers test membership. */
    assert_int_equal(country_by_iso("FR", NULL), C_OK);
    assert_int_equal(country_by_iso("QQ", NULL), C_ERR);
}

/* ---- table invariants ------------------------------------------------- */

static void test_table_size_is_249(void **state)
{
    (void)state;
    assert_int_equal(country_count(), 249);
    assert_null(country_at(249));
    assert_null(country_at((size_t)-1));
}

static void test_table_sorted_and_unique(void **state)
{
    (void)state;
    for (size_t i = 1; i < country_count(); i++)
        assert_true(strcmp(country_at(i - 1)->iso, country_at(i)->iso) < 0);
}

static void test_table_entries_well_formed(void **state)
{
    (void)state;
    for (size_t i = 0; i < country_count(); i++) {
        const country_t *c = country_at(i);
        assert_non_null(c);
        assert_int_equal(strlen(c->iso), 2);
        assert_true(c->iso[0] >= 'A' && c->iso[0] <= 'Z');
        assert_true(c->iso[1] >= 'A' && c->iso[1] <= 'Z');
        assert_non_null(c->name);
        assert_true(c->name[0] != '\0');
        for (const char *p = c->name; *p; p++) {
            /* Upper-case printable ASCII only: no lower case, no accents. */
            assert_true(*p >= 0x20 && *p < 0x7f);
            assert_false(*p >= 'a' && *p <= 'z');
        }
        assert_true(c->calling_code < 1000);
    }
}

static void test_table_every_entry_found_by_lookup(void **state)
{
    (void)state;
    for (size_t i = 0; i < country_count(); i++) {
        const country_t *want = country_at(i);
        const country_t *got = NULL;
        char lower[3] = { (char)(want->iso[0] + 32), (char)(want->iso[1] + 32), '\0' };
        assert_int_equal(country_by_iso(want->iso, &got), C_OK);
        assert_ptr_equal(got, want);
        got = NULL;
        assert_int_equal(country_by_iso(lower, &got), C_OK);
        assert_ptr_equal(got, want);
    }
}

static void test_table_codes_recognised(void **state)
{
    (void)state;
    size_t zero = 0;
    for (size_t i = 0; i < country_count(); i++) {
        const country_t *c = country_at(i);
        if (c->calling_code == 0) {
            zero++;
            continue;
        }
        char buf[16];
        int len = snprintf(buf, sizeof buf, "%u5551234", c->calling_code);
        assert_true(len > 0);
        unsigned cc = 0;
        size_t cc_len = 0;
        assert_int_equal(country_calling_code(buf, (size_t)len, &cc, &cc_len), C_OK);
        assert_int_equal(cc, c->calling_code);
        assert_int_equal(cc_len, (size_t)snprintf(NULL, 0, "%u", c->calling_code));
    }
    assert_int_equal(zero, 3); /* BV, HM, TF */
}

/* ---- country_calling_code --------------------------------------------- */

static void test_cc_one_digit(void **state)
{
    (void)state;
    expect_cc("14155552671", 1, 1);
    expect_cc("12125550100", 1, 1);
    expect_cc("18765550100", 1, 1); /* Jamaica: NANP */
    expect_cc("74951234567", 7, 1);
    expect_cc("77012345678", 7, 1); /* Kazakhstan mobile */
    expect_cc("1", 1, 1);
    expect_cc("7", 7, 1);
}

static void test_cc_two_digit(void **state)
{
    (void)state;
    expect_cc("447911123456", 44, 2);
    expect_cc("4930123456", 49, 2);
    expect_cc("33612345678", 33, 2);
    expect_cc("31201234567", 31, 2);
    expect_cc("61212345678", 61, 2);
    expect_cc("8613812345678", 86, 2);
    expect_cc("919812345678", 91, 2);
    expect_cc("201001234567", 20, 2);
    expect_cc("27821234567", 27, 2);
    expect_cc("390612345678", 39, 2);
    expect_cc("819012345678", 81, 2);
    expect_cc("821012345678", 82, 2);
    expect_cc("84912345678", 84, 2);
    expect_cc("905321234567", 90, 2);
    expect_cc("989121234567", 98, 2);
    expect_cc("5511987654321", 55, 2);
    expect_cc("44", 44, 2); /* exactly the code, nothing after */
}

static void test_cc_three_digit(void **state)
{
    (void)state;
    expect_cc("971501234567", 971, 3);
    expect_cc("380501234567", 380, 3);
    expect_cc("2348031234567", 234, 3);
    expect_cc("85291234567", 852, 3);
    expect_cc("886912345678", 886, 3);
    expect_cc("212612345678", 212, 3);
    expect_cc("211912345678", 211, 3);
    expect_cc("2906000", 290, 3);
    expect_cc("2971234567", 297, 3);
    expect_cc("298123456", 298, 3);
    expect_cc("299123456", 299, 3);
    expect_cc("35020012345", 350, 3);
    expect_cc("351912345678", 351, 3);
    expect_cc("359881234567", 359, 3);
    expect_cc("37061234567", 370, 3);
    expect_cc("38344123456", 383, 3);
    expect_cc("38970123456", 389, 3);
    expect_cc("420601123456", 420, 3);
    expect_cc("42379012345", 423, 3);
    expect_cc("50012345", 500, 3);
    expect_cc("50934123456", 509, 3);
    expect_cc("5901234", 590, 3);
    expect_cc("59991234567", 599, 3);
    expect_cc("67077123456", 670, 3);
    expect_cc("6723212345", 672, 3);
    expect_cc("6929991234", 692, 3);
    expect_cc("85012345678", 850, 3);
    expect_cc("85612345678", 856, 3);
    expect_cc("8801712345678", 880, 3);
    expect_cc("9601234567", 960, 3);
    expect_cc("96812345678", 968, 3);
    expect_cc("97012345678", 970, 3);
    expect_cc("97712345678", 977, 3);
    expect_cc("992123456789", 992, 3);
    expect_cc("998901234567", 998, 3);
}

static void test_cc_non_geographic(void **state)
{
    (void)state;
    static const unsigned codes[] = { 800, 808, 870, 878, 881, 882, 883, 888, 979, 991 };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        char buf[16];
        int len = snprintf(buf, sizeof buf, "%u12345678", codes[i]);
        unsigned cc = 0;
        size_t cc_len = 0;
        assert_int_equal(country_calling_code(buf, (size_t)len, &cc, &cc_len), C_OK);
        assert_int_equal(cc, codes[i]);
        assert_int_equal(cc_len, 3);
    }
}

static void test_cc_spare_codes_rejected(void **state)
{
    (void)state;
    static const char *const spare[] = {
        "0", "00441234", "28", "2812345678", "80", "801123456", "807123456",
        "809123456", "83", "835123456", "89", "8912345678", "210123456",
        "214123456", "215123456", "217123456", "219123456", "259123456",
        "292123456", "296123456", "384123456", "388123456", "422123456",
        "424123456", "429123456", "671123456", "684123456", "693123456",
        "699123456", "851123456", "854123456", "857123456", "871123456",
        "875123456", "884123456", "887123456", "969123456", "978123456",
        "990123456", "999123456",
    };
    for (size_t i = 0; i < sizeof spare / sizeof spare[0]; i++)
        expect_no_cc(spare[i]);
}

static void test_cc_respects_length(void **state)
{
    (void)state;
    unsigned cc = 0;
    size_t len = 0;
    /* Only the first n characters count, even if more follow. */
    assert_int_equal(country_calling_code("4930123", 2, &cc, &len), C_OK);
    assert_int_equal(cc, 49);
    assert_int_equal(len, 2);
    assert_int_equal(country_calling_code("971501234", 2, &cc, &len), C_ERR);
    assert_int_equal(country_calling_code("971501234", 3, &cc, &len), C_OK);
    assert_int_equal(cc, 971);
    assert_int_equal(len, 3);
    /* Too short to hold a complete 3-digit code. */
    expect_no_cc("35");
    expect_no_cc("97");
    expect_no_cc("8");
    expect_no_cc("");
    assert_int_equal(country_calling_code("1415", 0, &cc, &len), C_ERR);
    /* No NUL terminator needed: a buffer of exactly n bytes. */
    const char raw[3] = { '8', '8', '6' };
    assert_int_equal(country_calling_code(raw, sizeof raw, &cc, &len), C_OK);
    assert_int_equal(cc, 886);
}

static void test_cc_rejects_non_digits(void **state)
{
    (void)state;
    expect_no_cc("+14155552671");
    expect_no_cc("a44");
    expect_no_cc("4a4");
    expect_no_cc("35x123");
    expect_no_cc(" 44");
    expect_no_cc("-1");
    unsigned cc = 0;
    size_t len = 0;
    assert_int_equal(country_calling_code(NULL, 5, &cc, &len), C_ERR);
}

static void test_cc_prefix_free_exhaustive(void **state)
{
    (void)state;
    /* Every 3-digit string maps to at most one code, which is a prefix of
     * it; the total number of assigned codes is stable. */
    size_t n1 = 0, n2 = 0, n3 = 0;
    for (unsigned v = 0; v < 1000; v++) {
        char buf[4];
        snprintf(buf, sizeof buf, "%03u", v);
        unsigned cc = 0;
        size_t len = 0;
        if (country_calling_code(buf, 3, &cc, &len) != C_OK)
            continue;
        char ccs[8];
        int w = snprintf(ccs, sizeof ccs, "%u", cc);
        assert_int_equal((size_t)w, len);
        assert_memory_equal(ccs, buf, len);
        /* Count each code once: at its first (lowest) 3-digit extension. */
        if (len == 1 && buf[1] == '0' && buf[2] == '0')
            n1++;
        else if (len == 2 && buf[2] == '0')
            n2++;
        else if (len == 3)
            n3++;
    }
    assert_int_equal(n1, 2);  /* 1, 7 */
    assert_int_equal(n2, 44);
    assert_int_equal(n3, 172);
}

/* ---- country_of_number ------------------------------------------------ */

static void expect_of(const char *digits, const char *want_iso)
{
    const country_t *c = NULL;
    if (country_of_number(digits, &c) != C_OK)
        fail_msg("country_of_number(\"%s\") failed, want %s", digits, want_iso);
    assert_non_null(c);
    if (strcmp(c->iso, want_iso) != 0)
        fail_msg("country_of_number(\"%s\") = %s, want %s", digits, c->iso, want_iso);
}

static void expect_of_none(const char *digits)
{
    static const country_t sentinel = { "??", "SENTINEL", 0 };
    const country_t *c = &sentinel;
    if (country_of_number(digits, &c) != C_ERR)
        fail_msg("country_of_number(\"%s\") = %s, want C_ERR",
                 digits ? digits : "(null)", c ? c->iso : "(null)");
    assert_ptr_equal(c, &sentinel); /* untouched on failure */
}

/* "1" + NPA + "5550100" */
static void nanp_number(char buf[16], unsigned npa)
{
    snprintf(buf, 16, "1%03u5550100", npa);
}

/* Every Canadian NPA: geographic (in service or set aside) and
 * non-geographic (600, 6YY). */
static const unsigned canada_npas[] = {
    204, 226, 236, 249, 250, 257, 263, 273, 289, 306, 343, 354, 365, 367,
    368, 382, 387, 403, 416, 418, 428, 431, 437, 438, 450, 460, 468, 474,
    506, 514, 519, 548, 579, 581, 584, 587, 604, 613, 639, 647, 672, 683,
    705, 709, 742, 753, 778, 780, 782, 807, 819, 825, 867, 873, 879, 902,
    905, 942,
    600, 622, 633, 644, 655, 677, 688,
};

/* Every NPA of every other non-US NANP member. */
static const struct {
    unsigned npa;
    const char *iso;
} nanp_members[] = {
    { 268, "AG" }, { 264, "AI" }, { 684, "AS" }, { 246, "BB" }, { 441, "BM" },
    { 242, "BS" }, { 767, "DM" }, { 809, "DO" }, { 829, "DO" }, { 849, "DO" },
    { 473, "GD" }, { 671, "GU" }, { 876, "JM" }, { 658, "JM" }, { 869, "KN" },
    { 345, "KY" }, { 758, "LC" }, { 670, "MP" }, { 664, "MS" }, { 787, "PR" },
    { 939, "PR" }, { 721, "SX" }, { 649, "TC" }, { 868, "TT" }, { 784, "VC" },
    { 284, "VG" }, { 340, "VI" },
};

static void test_of_number_us(void **state)
{
    (void)state;
    expect_of("14155550100", "US");
    expect_of("12125550100", "US");
    expect_of("13105550100", "US");
    expect_of("18085550100", "US"); /* Hawaii (and Wake/Midway, UM) */
    expect_of("19075550100", "US"); /* Alaska */
    expect_of("12065550100", "US"); /* Seattle, next to BC */
    expect_of("12075550100", "US"); /* Maine, next to NB */
    expect_of("17165550100", "US"); /* Buffalo, next to Ontario */
    expect_of("16465550100", "US"); /* 646 NYC, not 647 Toronto */
}

static void test_of_number_canada(void **state)
{
    (void)state;
    expect_of("14165550100", "CA");
    expect_of("16045550100", "CA");
    expect_of("15145550100", "CA");
    expect_of("16005550100", "CA"); /* non-geographic */
    for (size_t i = 0; i < sizeof canada_npas / sizeof canada_npas[0]; i++) {
        char buf[16];
        nanp_number(buf, canada_npas[i]);
        expect_of(buf, "CA");
    }
}

static void test_of_number_nanp_members(void **state)
{
    (void)state;
    expect_of("18765550100", "JM");
    expect_of("17875550100", "PR");
    expect_of("18095550100", "DO");
    for (size_t i = 0; i < sizeof nanp_members / sizeof nanp_members[0]; i++) {
        char buf[16];
        nanp_number(buf, nanp_members[i].npa);
        expect_of(buf, nanp_members[i].iso);
        const country_t *c = NULL;
        assert_int_equal(country_of_number(buf, &c), C_OK);
        assert_int_equal(c->calling_code, 1);
    }
}

static void test_of_number_nanp_non_geographic_is_us(void **state)
{
    (void)state;
    static const unsigned us[] = {
        800, 833, 844, 855, 866, 877, 888, /* toll-free */
        900, 500, 521, 533, 544, 566, 577, 588, 710, 880, 822,
    };
    for (size_t i = 0; i < sizeof us / sizeof us[0]; i++) {
        char buf[16];
        nanp_number(buf, us[i]);
        expect_of(buf, "US");
    }
}

static void test_of_number_nanp_exhaustive(void **state)
{
    (void)state;
    /* Every NPA 200-999: Canada exactly for canada_npas[], the member for
     * nanp_members[], the US for everything else. */
    size_t n_ca = 0, n_member = 0, n_us = 0;
    for (unsigned npa = 200; npa <= 999; npa++) {
        const char *want = "US";
        for (size_t i = 0; i < sizeof canada_npas / sizeof canada_npas[0]; i++)
            if (canada_npas[i] == npa)
                want = "CA";
        for (size_t i = 0; i < sizeof nanp_members / sizeof nanp_members[0]; i++)
            if (nanp_members[i].npa == npa)
                want = nanp_members[i].iso;
        char buf[16];
        nanp_number(buf, npa);
        expect_of(buf, want);
        if (strcmp(want, "CA") == 0)
            n_ca++;
        else if (strcmp(want, "US") == 0)
            n_us++;
        else
            n_member++;
    }
    assert_int_equal(n_ca, 65); /* 58 geographic + 600 + six 6YY */
    assert_int_equal(n_member, 27);
    assert_int_equal(n_us, 800 - 65 - 27);
}

static void test_of_number_code_7(void **state)
{
    (void)state;
    expect_of("74951234567", "RU"); /* Moscow */
    expect_of("78121234567", "RU"); /* St Petersburg */
    expect_of("79161234567", "RU"); /* mobile */
    expect_of("73432123456", "RU"); /* Yekaterinburg */
    expect_of("78001234567", "RU"); /* Russian freephone */
    expect_of("77012345678", "KZ"); /* mobile */
    expect_of("77172123456", "KZ"); /* Astana */
    expect_of("77272123456", "KZ"); /* Almaty */
    expect_of("76123456789", "KZ");
    expect_of("75123456789", "RU");
    expect_of("78123456789", "RU");
}

static void test_of_number_shared_codes(void **state)
{
    (void)state;
    expect_of("447911123456", "GB");
    expect_of("441481123456", "GB"); /* Guernsey geographic: still GB */
    expect_of("441534123456", "GB"); /* Jersey */
    expect_of("441624123456", "GB"); /* Isle of Man */
    expect_of("4722123456", "NO");
    expect_of("4779123456", "NO"); /* Svalbard */
    expect_of("61212345678", "AU");
    expect_of("61891621234", "AU"); /* Cocos */
    expect_of("390612345678", "IT");
    expect_of("390669812345", "IT"); /* Vatican */
    expect_of("64912345678", "NZ");
    expect_of("212612345678", "MA");
    expect_of("262262123456", "RE");
    expect_of("262269612345", "RE"); /* Mayotte */
    expect_of("590590123456", "GP");
    expect_of("59997123456", "CW");
    expect_of("5997171234", "CW"); /* Bonaire */
    expect_of("358912345678", "FI");
    expect_of("3581812345", "FI"); /* Aland */
    expect_of("29022345", "SH");
    expect_of("6723212345", "NF");
    expect_of("50012345", "FK");
}

static void test_of_number_single_codes(void **state)
{
    (void)state;
    expect_of("33612345678", "FR");
    expect_of("4930123456", "DE");
    expect_of("919812345678", "IN");
    expect_of("8613812345678", "CN");
    expect_of("819012345678", "JP");
    expect_of("5511987654321", "BR");
    expect_of("27821234567", "ZA");
    expect_of("201001234567", "EG");
    expect_of("971501234567", "AE");
    expect_of("380501234567", "UA");
    expect_of("85291234567", "HK");
    expect_of("886912345678", "TW");
    expect_of("67077123456", "TL"); /* +670, not NANP 670 (MP) */
    expect_of("35020012345", "GI");
    expect_of("2971234567", "AW");
    expect_of("998901234567", "UZ");
}

static void test_of_number_orphan_codes(void **state)
{
    (void)state;
    expect_of("2476123", "SH"); /* Ascension */
    expect_of("37912345678", "VA"); /* reserved */
    expect_of("99712345678", "KZ"); /* reserved */
    expect_of_none("38344123456"); /* Kosovo: no official ISO entry */
}

static void test_of_number_non_geographic(void **state)
{
    (void)state;
    expect_of_none("80012345678");
    expect_of_none("882161234567");
    expect_of_none("88351001234567");
    static const unsigned codes[] = { 800, 808, 870, 878, 881, 882, 883, 888, 979, 991 };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        char buf[16];
        snprintf(buf, sizeof buf, "%u12345678", codes[i]);
        expect_of_none(buf);
    }
}

static void test_of_number_bad_input(void **state)
{
    (void)state;
    expect_of_none(NULL);
    expect_of_none("");
    expect_of_none("0");
    expect_of_none("0044123456");
    expect_of_none("2812345678"); /* spare code */
    expect_of_none("1");          /* NANP without a complete NPA */
    expect_of_none("141");
    expect_of_none("14x5550100");
    expect_of_none("+14155550100");
    /* A NULL out-pointer still answers. */
    assert_int_equal(country_of_number("14155550100", NULL), C_OK);
    assert_int_equal(country_of_number("80012345678", NULL), C_ERR);
}

static void test_of_number_every_unshared_code(void **state)
{
    (void)state;
    /* Property: a made-up number starting with the code of a country that
     * has it to itself maps back to that very entry. */
    size_t checked = 0;
    for (size_t i = 0; i < country_count(); i++) {
        const country_t *want = country_at(i);
        if (want->calling_code == 0)
            continue;
        size_t sharing = 0;
        for (size_t j = 0; j < country_count(); j++)
            if (country_at(j)->calling_code == want->calling_code)
                sharing++;
        if (sharing != 1)
            continue;
        char buf[16];
        snprintf(buf, sizeof buf, "%u5551234", want->calling_code);
        const country_t *got = NULL;
        assert_int_equal(country_of_number(buf, &got), C_OK);
        assert_ptr_equal(got, want);
        checked++;
    }
    assert_int_equal(checked, 190);
}

static void test_of_number_every_code_consistent(void **state)
{
    (void)state;
    /* Every assigned code (1-3 digits, via each 3-digit prefix): either no
     * country, or a country carrying that very code -- except the three
     * orphans, which go to the entry the area belongs to. */
    static const unsigned none[] = { 383, 800, 808, 870, 878, 881, 882, 883, 888, 979, 991 };
    size_t n_none = 0;
    for (unsigned v = 100; v < 1000; v++) {
        char buf[16];
        snprintf(buf, sizeof buf, "%u2345678", v);
        unsigned cc = 0;
        size_t len = 0;
        if (country_calling_code(buf, strlen(buf), &cc, &len) != C_OK) {
            expect_of_none(buf);
            continue;
        }
        bool want_none = false;
        for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
            if (none[i] == cc)
                want_none = true;
        const country_t *c = NULL;
        int rc = country_of_number(buf, &c);
        if (want_none) {
            assert_int_equal(rc, C_ERR);
            if (len == 3)
                n_none++;
            continue;
        }
        assert_int_equal(rc, C_OK);
        unsigned want_cc = cc == 247 ? 290 : cc == 379 ? 39 : cc == 997 ? 7 : cc;
        if (c->calling_code != want_cc)
            fail_msg("%s: code %u -> %s (%u)", buf, cc, c->iso, c->calling_code);
    }
    assert_int_equal(n_none, 11);
}

/* ---- country_nanp_tollfree -------------------------------------------- */

static void test_nanp_tollfree(void **state)
{
    (void)state;
    assert_true(country_nanp_tollfree("18005550100"));
    assert_false(country_nanp_tollfree("14155550100"));
    assert_false(country_nanp_tollfree("448001234567"));
    static const unsigned tf[] = { 800, 833, 844, 855, 866, 877, 888 };
    for (size_t i = 0; i < sizeof tf / sizeof tf[0]; i++) {
        char buf[16];
        nanp_number(buf, tf[i]);
        assert_true(country_nanp_tollfree(buf));
    }
    /* Exactly those seven among all NPAs. */
    size_t n = 0;
    for (unsigned npa = 200; npa <= 999; npa++) {
        char buf[16];
        nanp_number(buf, npa);
        if (country_nanp_tollfree(buf))
            n++;
    }
    assert_int_equal(n, 7);
    assert_false(country_nanp_tollfree("19005550100"));
    assert_false(country_nanp_tollfree("16005550100"));
    assert_false(country_nanp_tollfree("80012345678"));  /* international freephone */
    assert_false(country_nanp_tollfree("78001234567"));  /* Russian freephone */
    assert_false(country_nanp_tollfree("8001234567"));   /* no country code */
    assert_false(country_nanp_tollfree("+18005550100"));
    assert_false(country_nanp_tollfree(NULL));
    assert_false(country_nanp_tollfree(""));
    assert_false(country_nanp_tollfree("1"));
    assert_false(country_nanp_tollfree("180"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_major_countries),
        cmocka_unit_test(test_lookup_lower_and_mixed_case),
        cmocka_unit_test(test_lookup_table_edges),
        cmocka_unit_test(test_lookup_nanp_members_use_1),
        cmocka_unit_test(test_lookup_shared_codes),
        cmocka_unit_test(test_lookup_territories_with_own_code),
        cmocka_unit_test(test_lookup_codeless_territories),
        cmocka_unit_test(test_lookup_rejects_bad_input),
        cmocka_unit_test(test_lookup_null_safe),
        cmocka_unit_test(test_table_size_is_249),
        cmocka_unit_test(test_table_sorted_and_unique),
        cmocka_unit_test(test_table_entries_well_formed),
        cmocka_unit_test(test_table_every_entry_found_by_lookup),
        cmocka_unit_test(test_table_codes_recognised),
        cmocka_unit_test(test_cc_one_digit),
        cmocka_unit_test(test_cc_two_digit),
        cmocka_unit_test(test_cc_three_digit),
        cmocka_unit_test(test_cc_non_geographic),
        cmocka_unit_test(test_cc_spare_codes_rejected),
        cmocka_unit_test(test_cc_respects_length),
        cmocka_unit_test(test_cc_rejects_non_digits),
        cmocka_unit_test(test_cc_prefix_free_exhaustive),
        cmocka_unit_test(test_of_number_us),
        cmocka_unit_test(test_of_number_canada),
        cmocka_unit_test(test_of_number_nanp_members),
        cmocka_unit_test(test_of_number_nanp_non_geographic_is_us),
        cmocka_unit_test(test_of_number_nanp_exhaustive),
        cmocka_unit_test(test_of_number_code_7),
        cmocka_unit_test(test_of_number_shared_codes),
        cmocka_unit_test(test_of_number_single_codes),
        cmocka_unit_test(test_of_number_orphan_codes),
        cmocka_unit_test(test_of_number_non_geographic),
        cmocka_unit_test(test_of_number_bad_input),
        cmocka_unit_test(test_of_number_every_unshared_code),
        cmocka_unit_test(test_of_number_every_code_consistent),
        cmocka_unit_test(test_nanp_tollfree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
