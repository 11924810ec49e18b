/* test_clock.c -- unit tests for dates and timestamps (util/clock.c),
 * API.md §0 "Dates".  Epoch values were computed with GNU date(1) and
 * Python's calendar.timegm, independently of the code under test. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"

static void date_is(int64_t t, const char *want)
{
    char out[CLOCK_DATE_SZ];
    memset(out, 'z', sizeof out);
    clock_date(t, out);
    assert_string_equal(out, want);
}

static void ts_is(int64_t t, const char *want)
{
    char out[CLOCK_TS_SZ];
    memset(out, 'z', sizeof out);
    clock_ts(t, out);
    assert_string_equal(out, want);
    assert_int_equal(strlen(out), CLOCK_TS_SZ - 1);
}

static void plus_month_is(int64_t t, const char *want)
{
    char out[CLOCK_DATE_SZ];
    memset(out, 'z', sizeof out);
    clock_date_plus_month(t, out);
    assert_string_equal(out, want);
}

/* NUMBERD_FAKE_NOW is read on the first call of clock_now(): this test
 * runs first in the process. */
static void test_fake_now(void **state)
{
    (void)state;
    assert_int_equal(setenv("NUMBERD_FAKE_NOW", "1795339916", 1), 0);
    assert_int_equal(clock_now(), INT64_C(1795339916));
    assert_int_equal(clock_now(), INT64_C(1795339916));
    unsetenv("NUMBERD_FAKE_NOW");
}

static void test_epoch(void **state)
{
    (void)state;
    date_is(0, "1970-01-01");
    ts_is(0, "1970-01-01T00:00:00Z");
    ts_is(59, "1970-01-01T00:00:59Z");
    ts_is(86399, "1970-01-01T23:59:59Z");
    ts_is(86400, "1970-01-02T00:00:00Z");
}

static void test_known_instants(void **state)
{
    (void)state;
    /* the example of API.md §0 */
    ts_is(INT64_C(1795339916), "2026-11-22T09:31:56Z");
    date_is(INT64_C(1795339916), "2026-11-22");
    /* leap day */
    ts_is(INT64_C(1709164800), "2024-02-29T00:00:00Z");
    ts_is(INT64_C(1709251199), "2024-02-29T23:59:59Z");
    date_is(INT64_C(1709251199), "2024-02-29");
    date_is(INT64_C(1709251200), "2024-03-01");
    date_is(INT64_C(1709164799), "2024-02-28");
    /* the leap century */
    ts_is(INT64_C(951912000), "2000-03-01T12:00:00Z");
    date_is(INT64_C(951912000) - 86400, "2000-02-29");
    /* past the 32-bit rollover */
    ts_is(INT64_C(2147483648), "2038-01-19T03:14:08Z");
    /* the non-leap century */
    date_is(INT64_C(4107456000), "2100-02-28");
    date_is(INT64_C(4107456000) + 86400, "2100-03-01");
    /* year end */
    ts_is(INT64_C(1798761599), "2026-12-31T23:59:59Z");
    ts_is(INT64_C(1798761600), "2027-01-01T00:00:00Z");
}

/* clock_ts agrees with the C library over a spread of instants. */
static void test_matches_gmtime(void **state)
{
    (void)state;
    for (int64_t t = 0; t < INT64_C(4102444800); t += INT64_C(7919) * 3607) {
        time_t tt = (time_t)t;
        struct tm tm;
        char want[64], got[CLOCK_TS_SZ], gotd[CLOCK_DATE_SZ];
        gmtime_r(&tt, &tm);
        strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
        clock_ts(t, got);
        assert_string_equal(got, want);
        clock_date(t, gotd);
        assert_memory_equal(gotd, want, 10);
        assert_int_equal(gotd[10], '\0');
    }
}

static void test_plus_month(void **state)
{
    (void)state;
    plus_month_is(INT64_C(1769853600), "2026-02-28");   /* 2026-01-31 -> Feb 28 */
    plus_month_is(INT64_C(1706659200), "2024-02-29");   /* 2024-01-31 -> Feb 29 (leap) */
    plus_month_is(INT64_C(949320000), "2000-02-29");    /* 2000-01-31 -> Feb 29 (leap century) */
    plus_month_is(INT64_C(4105080000), "2100-02-28");   /* 2100-01-31 -> Feb 28 (not leap) */
    plus_month_is(INT64_C(1797292800), "2027-01-15");   /* 2026-12-15 -> next year */
    plus_month_is(INT64_C(1774915200), "2026-04-30");   /* 2026-03-31 -> Apr 30 */
    plus_month_is(INT64_C(1788177600), "2026-09-30");   /* 2026-08-31 -> Sep 30 */
    plus_month_is(INT64_C(1761912000), "2025-11-30");   /* 2025-10-31 -> Nov 30 */
    plus_month_is(INT64_C(1795339916), "2026-12-22");   /* 2026-11-22 */
    plus_month_is(INT64_C(1801224000), "2027-02-28");   /* 2027-01-29 -> Feb 28 */
    plus_month_is(INT64_C(1832846400), "2028-02-29");   /* 2028-01-30 -> Feb 29 */
    plus_month_is(INT64_C(1709164800), "2024-03-29");   /* 2024-02-29 -> Mar 29 */
    plus_month_is(INT64_C(1798761599), "2027-01-31");   /* 2026-12-31 -> Jan 31 */
    plus_month_is(0, "1970-02-01");
}

static bool valid(const char *s) { return clock_valid_date(s, strlen(s)); }

/* The next renewal: anchor + k months (k >= 1), clamped, on or after
 * today; checked against a walk month by month. */
static void test_next_renewal(void **state)
{
    (void)state;
    static const struct {
        const char *anchor, *today, *want;
    } cases[] = {
        {"2027-01-31", "2027-01-31", "2027-02-28"}, /* the purchase day: a month on */
        {"2027-01-31", "2027-03-01", "2027-03-31"},
        {"2027-01-31", "2027-04-30", "2027-04-30"}, /* today is the day */
        {"2027-01-31", "2028-02-01", "2028-02-29"}, /* leap year */
        {"2027-03-10", "2028-01-31", "2028-02-10"},
        {"2027-12-15", "2028-01-31", "2028-02-15"},
        {"2027-12-15", "2027-12-16", "2028-01-15"},
        {"2020-05-20", "2030-05-21", "2030-06-20"}, /* years later */
    };
    char out[CLOCK_DATE_SZ];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(clock_next_renewal(cases[i].anchor, cases[i].today, out), C_OK);
        assert_string_equal(out, cases[i].want);
    }
    assert_int_equal(clock_next_renewal("2027-02-30", "2027-03-01", out), C_ERR);
    assert_int_equal(clock_next_renewal("2027-02-01", "today", out), C_ERR);
}

static void test_valid_date(void **state)
{
    (void)state;
    assert_true(valid("2024-02-29"));
    assert_true(valid("2000-02-29"));
    assert_true(valid("2026-01-01"));
    assert_true(valid("2026-12-31"));
    assert_true(valid("2026-04-30"));
    assert_true(valid("0001-01-01"));
    assert_true(valid("9999-12-31"));

    assert_false(valid("2023-02-29"));    /* not a leap year */
    assert_false(valid("1900-02-29"));    /* century, not leap */
    assert_false(valid("2024-02-30"));
    assert_false(valid("2026-04-31"));
    assert_false(valid("2026-13-01"));
    assert_false(valid("2026-00-10"));
    assert_false(valid("2026-01-00"));
    assert_false(valid("2026-01-32"));
    assert_false(valid("0000-01-01"));
    assert_false(valid("2026-1-01"));
    assert_false(valid("2026-01-1"));
    assert_false(valid("26-01-01"));
    assert_false(valid("2026-01-01x"));
    assert_false(valid("2026-01-01 "));
    assert_false(valid(" 2026-01-01"));
    assert_false(valid("2026-01-01T00:00:00Z"));
    assert_false(valid("2026/01/01"));
    assert_false(valid("2026.01.01"));
    assert_false(valid("20260101"));
    assert_false(valid("2026-0a-01"));
    assert_false(valid("2026-01-0a"));
    assert_false(valid("+026-01-01"));
    assert_false(valid("2026--1-01"));
    assert_false(valid(""));

    /* n bounds the string: a valid prefix of something longer */
    assert_true(clock_valid_date("2024-02-29T10:00:00Z", 10));
    assert_false(clock_valid_date("2024-02-29", 9));
    assert_false(clock_valid_date("2024-02-29", 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fake_now),
        cmocka_unit_test(test_epoch),
        cmocka_unit_test(test_known_instants),
        cmocka_unit_test(test_matches_gmtime),
        cmocka_unit_test(test_plus_month),
        cmocka_unit_test(test_valid_date),
        cmocka_unit_test(test_next_renewal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
