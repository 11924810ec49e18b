#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/ratelimit.h"

static void test_disabled_allows_everything(void **state)
{
    (void)state;
    assert_null(rl_new(0, 5));
    unsigned ra = 0;
    for (int i = 0; i < 1000; i++) assert_true(rl_check(NULL, 1, 100, &ra));
}

static void test_budget_per_window(void **state)
{
    (void)state;
    ratelimit_t *rl = rl_new(3, 5);
    unsigned ra = 0;
    /* window [100, 105): three allowed, the fourth refused */
    assert_true(rl_check(rl, 7, 101, &ra));
    assert_true(rl_check(rl, 7, 102, &ra));
    assert_true(rl_check(rl, 7, 103, &ra));
    assert_false(rl_check(rl, 7, 103, &ra));
    assert_int_equal(ra, 2); /* 105 - 103 */
    assert_false(rl_check(rl, 7, 104, &ra));
    assert_int_equal(ra, 1);
    /* next window: a fresh budget */
    assert_true(rl_check(rl, 7, 105, &ra));
    rl_free(rl);
}

static void test_accounts_are_independent(void **state)
{
    (void)state;
    ratelimit_t *rl = rl_new(2, 10);
    unsigned ra = 0;
    assert_true(rl_check(rl, 1, 50, &ra));
    assert_true(rl_check(rl, 1, 50, &ra));
    assert_false(rl_check(rl, 1, 50, &ra));
    /* another account is not charged for the first one's requests */
    assert_true(rl_check(rl, 2, 50, &ra));
    assert_true(rl_check(rl, 2, 50, &ra));
    assert_false(rl_check(rl, 2, 50, &ra));
    rl_free(rl);
}

static void test_many_accounts(void **state)
{
    (void)state;
    ratelimit_t *rl = rl_new(1, 60);
    unsigned ra = 0;
    for (int64_t k = 1; k <= 20000; k++) assert_true(rl_check(rl, k, 600, &ra));
    int refused = 0;
    for (int64_t k = 1; k <= 20000; k++) refused += !rl_check(rl, k, 600, &ra);
    assert_int_equal(refused, 20000);
    rl_free(rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disabled_allows_everything),
        cmocka_unit_test(test_budget_per_window),
        cmocka_unit_test(test_accounts_are_independent),
        cmocka_unit_test(test_many_accounts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
