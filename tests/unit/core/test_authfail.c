#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "core/authfail.h"
#include "core/ids.h"

static int setup(void **state)
{
    (void)state;
    return ids_init() == C_OK ? 0 : -1;
}

static void test_disabled(void **state)
{
    (void)state;
    assert_null(af_new(0, 60));
    unsigned ra = 0;
    for (int i = 0; i < 100; i++) af_failure(NULL, "10.0.0.1", 100);
    assert_false(af_blocked(NULL, "10.0.0.1", 100, &ra));
}

static void test_blocks_after_max_for_the_period(void **state)
{
    (void)state;
    authfail_t *af = af_new(3, 60);
    unsigned ra = 0;
    af_failure(af, "10.0.0.1", 1000);
    af_failure(af, "10.0.0.1", 1010);
    assert_false(af_blocked(af, "10.0.0.1", 1010, &ra));
    af_failure(af, "10.0.0.1", 1020); /* the third: blocked for 60 s from now */
    assert_true(af_blocked(af, "10.0.0.1", 1020, &ra));
    assert_int_equal(ra, 60);
    assert_true(af_blocked(af, "10.0.0.1", 1079, &ra));
    assert_int_equal(ra, 1);
    assert_false(af_blocked(af, "10.0.0.1", 1080, &ra));
    /* a new period: one failure does not block again */
    af_failure(af, "10.0.0.1", 1081);
    assert_false(af_blocked(af, "10.0.0.1", 1081, &ra));
    af_free(af);
}

static void test_slow_failures_never_block(void **state)
{
    (void)state;
    authfail_t *af = af_new(3, 10);
    unsigned ra = 0;
    /* two per period, for a long time */
    for (int64_t t = 0; t < 1000; t += 6) {
        af_failure(af, "192.0.2.7", t);
        assert_false(af_blocked(af, "192.0.2.7", t, &ra));
    }
    af_free(af);
}

static void test_addresses_are_independent(void **state)
{
    (void)state;
    authfail_t *af = af_new(2, 60);
    unsigned ra = 0;
    af_failure(af, "10.0.0.1", 5);
    af_failure(af, "10.0.0.1", 5);
    assert_true(af_blocked(af, "10.0.0.1", 5, &ra));
    assert_false(af_blocked(af, "10.0.0.2", 5, &ra));
    /* an IPv4-mapped IPv6 peer is the same client as its IPv4 address */
    assert_true(af_blocked(af, "::ffff:10.0.0.1", 5, &ra));
    af_free(af);
}

static void test_ipv6_counts_by_64(void **state)
{
    (void)state;
    authfail_t *af = af_new(2, 60);
    unsigned ra = 0;
    af_failure(af, "2001:db8:1:2::1", 5);
    af_failure(af, "2001:db8:1:2:ffff::9", 5);
    assert_true(af_blocked(af, "2001:db8:1:2::77", 5, &ra));
    assert_false(af_blocked(af, "2001:db8:1:3::1", 5, &ra));
    af_free(af);
}

static void test_garbage_address_is_ignored(void **state)
{
    (void)state;
    authfail_t *af = af_new(1, 60);
    unsigned ra = 0;
    af_failure(af, "", 5);
    af_failure(af, NULL, 5);
    af_failure(af, "not an address", 5);
    assert_false(af_blocked(af, "", 5, &ra));
    assert_false(af_blocked(af, NULL, 5, &ra));
    af_free(af);
}

/* Far more addresses than slots: the table stays bounded, blocked
 * addresses that are still blocked stay blocked, and a fresh attacker is
 * still counted. */
static void test_many_addresses(void **state)
{
    (void)state;
    authfail_t *af = af_new(2, 60);
    unsigned ra = 0;
    af_failure(af, "198.51.100.1", 0);
    af_failure(af, "198.51.100.1", 0);
    char a[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(a, sizeof a, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        af_failure(af, a, 1);
    }
    assert_true(af_blocked(af, "198.51.100.1", 2, &ra));
    af_failure(af, "203.0.113.9", 3);
    af_failure(af, "203.0.113.9", 3);
    assert_true(af_blocked(af, "203.0.113.9", 3, &ra));
    af_free(af);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disabled),
        cmocka_unit_test(test_blocks_after_max_for_the_period),
        cmocka_unit_test(test_slow_failures_never_block),
        cmocka_unit_test(test_addresses_are_independent),
        cmocka_unit_test(test_ipv6_counts_by_64),
        cmocka_unit_test(test_garbage_address_is_ignored),
        cmocka_unit_test(test_many_addresses),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
