/* test_e164.c -- unit tests for phone number validation (core/e164.c),
 * the rules of API.md §0 "Phone numbers". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/e164.h"

/* Asserts that in parses, that out holds want (bare digits) and cc is cc. */
static void accept(const char *in, const char *want, unsigned want_cc)
{
    char out[E164_BUFSZ];
    unsigned cc = 0xdead;
    memset(out, 'x', sizeof out);
    if (e164_parse(in, out, &cc) != C_OK) fail_msg("rejected a valid number: \"%s\"", in);
    assert_string_equal(out, want);
    assert_int_equal(strlen(out), strlen(want));
    assert_int_equal(cc, want_cc);

    /* the same with a '+' in front, and without a cc pointer */
    char plus[64];
    if (in[0] != '+') {
        plus[0] = '+';
        strcpy(plus + 1, in);
        cc = 0;
        memset(out, 'x', sizeof out);
        assert_int_equal(e164_parse(plus, out, &cc), C_OK);
        assert_string_equal(out, want);
        assert_int_equal(cc, want_cc);
    }
    memset(out, 'x', sizeof out);
    assert_int_equal(e164_parse(in, out, NULL), C_OK);
    assert_string_equal(out, want);
}

static void reject(const char *in)
{
    char out[E164_BUFSZ];
    unsigned cc = 0;
    if (e164_parse(in, out, &cc) != C_ERR) fail_msg("accepted an invalid number: \"%s\"", in);
}

/* ---- NANP --------------------------------------------------------------- */

static void test_nanp_valid(void **state)
{
    (void)state;
    accept("14155550100", "14155550100", 1);  /* US, San Francisco */
    accept("12125550100", "12125550100", 1);  /* US, New York */
    accept("18005550100", "18005550100", 1);  /* US toll-free */
    accept("16135550123", "16135550123", 1);  /* CA, Ottawa */
    accept("14165550123", "14165550123", 1);  /* CA, Toronto */
    accept("12222222222", "12222222222", 1);  /* lowest NPA/NXX first digits (2) */
    accept("19999999999", "19999999999", 1);  /* highest (9) */
    accept("+14155550100", "14155550100", 1);
}

static void test_nanp_invalid(void **state)
{
    (void)state;
    reject("10155550100");   /* 1 0xx: NPA starts with 0 */
    reject("11155550100");   /* 1 1xx: NPA starts with 1 */
    reject("14150550100");   /* 1 NPA 0xx: NXX starts with 0 */
    reject("14151550100");   /* 1 NPA 1xx: NXX starts with 1 */
    reject("+10155550100");
    reject("+14151550100");
    reject("1415555010");    /* 10 digits */
    reject("141555501000");  /* 12 digits */
    reject("1415555010000"); /* 13 digits */
    reject("141555501");     /* 9 digits */
    /* without the 1, 4155550100 is a Swiss (41) number: valid, cc 41 */
    accept("4155550100", "4155550100", 41);
}

/* ---- other countries ---------------------------------------------------- */

static void test_countries_valid(void **state)
{
    (void)state;
    accept("447911123456", "447911123456", 44);     /* GB mobile */
    accept("442071234567", "442071234567", 44);     /* GB London */
    accept("4930123456", "4930123456", 49);         /* DE Berlin */
    accept("4915123456789", "4915123456789", 49);   /* DE mobile */
    accept("33123456789", "33123456789", 33);       /* FR */
    accept("31201234567", "31201234567", 31);       /* NL */
    accept("61291234567", "61291234567", 61);       /* AU Sydney */
    accept("61412345678", "61412345678", 61);       /* AU mobile */
    accept("919876543210", "919876543210", 91);     /* IN */
    accept("8613812345678", "8613812345678", 86);   /* CN */
    accept("81312345678", "81312345678", 81);       /* JP Tokyo */
    accept("5511912345678", "5511912345678", 55);   /* BR */
    accept("27211234567", "27211234567", 27);       /* ZA */
    accept("2348012345678", "2348012345678", 234);  /* NG */
    accept("971501234567", "971501234567", 971);    /* AE */
    accept("85221234567", "85221234567", 852);      /* HK */
    accept("74951234567", "74951234567", 7);        /* RU Moscow */
    accept("77012345678", "77012345678", 7);        /* KZ mobile */
    accept("3531234567", "3531234567", 353);        /* IE */
    accept("6591234567", "6591234567", 65);         /* SG */
    accept("525512345678", "525512345678", 52);     /* MX */
    accept("201001234567", "201001234567", 20);     /* EG */
    accept("390612345678", "390612345678", 39);     /* IT (national 0 kept) */
}

static void test_non_geographic(void **state)
{
    (void)state;
    accept("80012345678", "80012345678", 800);      /* international freephone */
    accept("80812345678", "80812345678", 808);      /* shared cost */
    accept("870123456789", "870123456789", 870);    /* Inmarsat */
    accept("882123456789", "882123456789", 882);    /* international networks */
    accept("883123456789", "883123456789", 883);
    accept("881612345678", "881612345678", 881);    /* GMSS */
}

static void test_unassigned_codes(void **state)
{
    (void)state;
    reject("2801234567");   /* 28x spare */
    reject("2891234567");
    reject("2101234567");   /* 210 spare */
    reject("2591234567");   /* 259 spare */
    reject("8011234567");   /* 80x other than 800, 808 */
    reject("8021234567");
    reject("8071234567");
    reject("8091234567");
    reject("8311234567");   /* 83x spare */
    reject("8351234567");
    reject("8911234567");   /* 89x spare */
    reject("8991234567");
    reject("4221234567");   /* 422 spare */
    reject("6711234567");   /* 671 spare (former Guam) */
    reject("9991234567");   /* 999 spare */
    reject("0441234567");   /* no code starts with 0 */
    reject("00441234567");  /* international prefix is not part of E.164 */
    reject("+0441234567");
    reject("0000000000");
}

/* ---- syntax and length -------------------------------------------------- */

static void test_syntax(void **state)
{
    (void)state;
    char out[E164_BUFSZ];
    reject("++14155550100");
    reject("+");
    reject("++");
    reject("");
    reject("1 4155550100");
    reject("1 415 555 0100");
    reject(" 14155550100");
    reject("14155550100 ");
    reject("14155550100\n");
    reject("1-415-555-0100");
    reject("1.415.555.0100");
    reject("(415)5550100");
    reject("1415555O100");   /* letter O */
    reject("1415555abcd");
    reject("14155550100+");
    reject("1415+5550100");
    reject("-14155550100");
    reject("447911123456x");
    assert_int_equal(e164_parse(NULL, out, NULL), C_ERR);
}

static void test_length_bounds(void **state)
{
    (void)state;
    reject("4412345");                                        /* 7 digits */
    reject("+4412345");
    accept("44123456", "44123456", 44);                       /* 8: the minimum */
    accept("441234567890123", "441234567890123", 44);         /* 15: the maximum */
    accept("+441234567890123", "441234567890123", 44);
    reject("4412345678901234");                               /* 16 */
    reject("+4412345678901234");
    reject("44123456789012345678901234567890");               /* far too long */
    accept("2348012345", "2348012345", 234);                  /* a 3-digit code at 10 */
}

/* ---- e164_parsen ----------------------------------------------------------- */

static void test_parsen_not_terminated(void **state)
{
    (void)state;
    char out[E164_BUFSZ];
    unsigned cc = 0;

    /* the number is followed by more bytes, and no NUL at all */
    const char raw[] = {'1', '4', '1', '5', '5', '5', '5', '0', '1', '0', '0', '9', '9', 'x'};
    assert_int_equal(e164_parsen(raw, 11, out, &cc), C_OK);
    assert_string_equal(out, "14155550100");
    assert_int_equal(cc, 1);
    assert_int_equal(e164_parsen(raw, 12, out, &cc), C_ERR);   /* 12 NANP digits */
    assert_int_equal(e164_parsen(raw, 10, out, &cc), C_ERR);   /* 10 */
    assert_int_equal(e164_parsen(raw, sizeof raw, out, &cc), C_ERR); /* ends with 'x' */

    const char plus[] = {'+', '4', '4', '7', '9', '1', '1', '1', '2', '3', '4', '5', '6', '/', 'a'};
    cc = 0;
    assert_int_equal(e164_parsen(plus, 13, out, &cc), C_OK);
    assert_string_equal(out, "447911123456");
    assert_int_equal(cc, 44);
    assert_int_equal(e164_parsen(plus, 14, out, &cc), C_ERR);
    assert_int_equal(e164_parsen(plus + 1, 12, out, &cc), C_OK);
    assert_string_equal(out, "447911123456");

    /* a path segment: "+447911123456/" cut before the slash */
    const char *path = "/Number/+447911123456/";
    assert_int_equal(e164_parsen(path + 8, 13, out, NULL), C_OK);
    assert_string_equal(out, "447911123456");

    /* embedded NUL inside the length is not a digit */
    const char nul[] = {'4', '4', '7', '9', '1', '1', '\0', '2', '3', '4', '5', '6'};
    assert_int_equal(e164_parsen(nul, sizeof nul, out, NULL), C_ERR);

    assert_int_equal(e164_parsen("+", 1, out, NULL), C_ERR);
    assert_int_equal(e164_parsen("14155550100", 0, out, NULL), C_ERR);
    assert_int_equal(e164_parsen(NULL, 11, out, NULL), C_ERR);
    assert_int_equal(e164_parsen("++14155550100", 13, out, NULL), C_ERR);
    /* 16 digits, though the first 15 would be valid */
    assert_int_equal(e164_parsen("4412345678901234", 16, out, NULL), C_ERR);
    assert_int_equal(e164_parsen("4412345678901234", 15, out, NULL), C_OK);
    assert_string_equal(out, "441234567890123");
}

/* Output is exactly the digits, NUL-terminated, whatever was in out before. */
static void test_out_buffer(void **state)
{
    (void)state;
    char out[E164_BUFSZ];
    memset(out, '7', sizeof out);
    assert_int_equal(e164_parse("+44123456", out, NULL), C_OK);
    assert_int_equal(out[8], '\0');
    assert_memory_equal(out, "44123456", 9);
    memset(out, '7', sizeof out);
    assert_int_equal(e164_parse("441234567890123", out, NULL), C_OK);
    assert_int_equal(out[15], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nanp_valid),
        cmocka_unit_test(test_nanp_invalid),
        cmocka_unit_test(test_countries_valid),
        cmocka_unit_test(test_non_geographic),
        cmocka_unit_test(test_unassigned_codes),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_length_bounds),
        cmocka_unit_test(test_parsen_not_terminated),
        cmocka_unit_test(test_out_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
