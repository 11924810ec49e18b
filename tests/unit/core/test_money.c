/* test_money.c -- unit tests for money amounts (core/money.c), API.md §0
 * "Money": integer counts of 1/100000, shown with exactly 5 decimals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/money.h"

static int64_t parse_ok(const char *s)
{
    int64_t v = -12345;
    if (money_parse(s, strlen(s), &v) != C_OK) fail_msg("rejected a valid amount: \"%s\"", s);
    return v;
}

static void parse_bad(const char *s)
{
    int64_t v = -12345;
    if (money_parse(s, strlen(s), &v) != C_ERR) fail_msg("accepted an invalid amount: \"%s\"", s);
    assert_int_equal(v, -12345); /* untouched on failure */
}

static void test_parse_valid(void **state)
{
    (void)state;
    assert_int_equal(MONEY_SCALE, 100000);
    assert_int_equal(parse_ok("0"), 0);
    assert_int_equal(parse_ok("0.0"), 0);
    assert_int_equal(parse_ok("0.00000"), 0);
    assert_int_equal(parse_ok("0.8"), 80000);
    assert_int_equal(parse_ok("0.80"), 80000);
    assert_int_equal(parse_ok("0.80000"), 80000);
    assert_int_equal(parse_ok("12.34567"), 1234567);
    assert_int_equal(parse_ok("12"), 1200000);
    assert_int_equal(parse_ok("1"), 100000);
    assert_int_equal(parse_ok("0.00500"), 500);
    assert_int_equal(parse_ok("0.005"), 500);
    assert_int_equal(parse_ok("0.00001"), 1);
    assert_int_equal(parse_ok("0.1"), 10000);
    assert_int_equal(parse_ok("0.12"), 12000);
    assert_int_equal(parse_ok("0.123"), 12300);
    assert_int_equal(parse_ok("0.1234"), 12340);
    assert_int_equal(parse_ok("0.12345"), 12345);
    assert_int_equal(parse_ok("1000000"), INT64_C(100000000000));
    assert_int_equal(parse_ok("0.99999"), 99999);
}

static void test_parse_invalid(void **state)
{
    (void)state;
    parse_bad("");
    parse_bad("1.");
    parse_bad(".5");
    parse_bad(".");
    parse_bad("-1");
    parse_bad("-0");
    parse_bad("+1");
    parse_bad("1e3");
    parse_bad("1E3");
    parse_bad(" 1");
    parse_bad("1 ");
    parse_bad("1 .5");
    parse_bad("1.123456");   /* 6 decimals */
    parse_bad("0.000001");
    parse_bad("1,5");
    parse_bad("1..5");
    parse_bad("1.2.3");
    parse_bad("0x10");
    parse_bad("abc");
    parse_bad("1.5a");
    parse_bad("NaN");
    parse_bad("inf");
    parse_bad("١"); /* a non-ASCII digit (Arabic-Indic one) */
}

static void test_parse_limits(void **state)
{
    (void)state;
    assert_int_equal(MONEY_MAX, INT64_C(999999999999999));
    assert_int_equal(parse_ok("9999999999.99999"), MONEY_MAX);          /* exactly the max */
    assert_int_equal(parse_ok("9999999999.99998"), MONEY_MAX - 1);
    assert_int_equal(parse_ok("9999999999"), MONEY_MAX - 99999);
    parse_bad("10000000000");                                           /* max + 0.00001 */
    parse_bad("10000000000.00000");
    parse_bad("99999999999");
    parse_bad("9999999999.999999");                                     /* 6 decimals */
    /* far beyond int64: rejected, not wrapped */
    parse_bad("99999999999999999999999999999999");
    parse_bad("18446744073709551616");
    parse_bad("9223372036854775807");
    parse_bad("92233720368547.75807");
}

/* The length is n, not strlen: the bytes after it are never read. */
static void test_parse_length(void **state)
{
    (void)state;
    int64_t v = 0;
    assert_int_equal(money_parse("0.8xyz", 3, &v), C_OK);
    assert_int_equal(v, 80000);
    assert_int_equal(money_parse("12.34567999", 8, &v), C_OK);
    assert_int_equal(v, 1234567);
    assert_int_equal(money_parse("12.345679", 9, &v), C_ERR);
    assert_int_equal(money_parse("1.5", 2, &v), C_ERR);                /* "1." */
    const char raw[] = {'4', '2'};                                     /* no NUL */
    assert_int_equal(money_parse(raw, 2, &v), C_OK);
    assert_int_equal(v, 4200000);
    assert_int_equal(money_parse("5", 0, &v), C_ERR);
}

static void fmt_is(int64_t v, const char *want)
{
    char out[MONEY_STRSZ];
    memset(out, 'z', sizeof out);
    size_t n = money_format(v, out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_format(void **state)
{
    (void)state;
    fmt_is(0, "0.00000");
    fmt_is(1, "0.00001");
    fmt_is(500, "0.00500");
    fmt_is(80000, "0.80000");
    fmt_is(99999, "0.99999");
    fmt_is(100000, "1.00000");
    fmt_is(100001, "1.00001");
    fmt_is(1234567, "12.34567");
    fmt_is(1200000, "12.00000");
    fmt_is(INT64_C(123456789012345), "1234567890.12345");
    fmt_is(MONEY_MAX, "9999999999.99999");
    fmt_is(INT64_MAX, "92233720368547.75807");  /* fits MONEY_STRSZ */
    fmt_is(-1, "0.00000");                      /* never negative */
    fmt_is(INT64_MIN, "0.00000");
}

static void test_round_trip(void **state)
{
    (void)state;
    static const int64_t values[] = {0, 1, 9, 10, 99, 100, 500, 12345, 80000, 99999, 100000,
                                     100001, 1234567, INT64_C(999999999), INT64_C(100000000000),
                                     MONEY_MAX - 1, MONEY_MAX};
    char out[MONEY_STRSZ];
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        size_t n = money_format(values[i], out);
        int64_t back = -1;
        assert_int_equal(money_parse(out, n, &back), C_OK);
        assert_int_equal(back, values[i]);
    }
    /* every amount from 0 to 2.00000 */
    for (int64_t v = 0; v <= 200000; v++) {
        size_t n = money_format(v, out);
        int64_t back = -1;
        assert_int_equal(money_parse(out, n, &back), C_OK);
        assert_int_equal(back, v);
    }
    /* short forms come back in canonical form */
    static const struct { const char *in, *canon; } forms[] = {
        {"0.8", "0.80000"}, {"12", "12.00000"}, {"0.005", "0.00500"}, {"3.1", "3.10000"},
        {"0.80000", "0.80000"},
    };
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        int64_t v;
        assert_int_equal(money_parse(forms[i].in, strlen(forms[i].in), &v), C_OK);
        money_format(v, out);
        assert_string_equal(out, forms[i].canon);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_parse_limits),
        cmocka_unit_test(test_parse_length),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
