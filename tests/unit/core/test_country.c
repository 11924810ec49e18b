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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
