/* test_numtab.c -- the active-number table of the sbc index (sbc/numtab.h).
 *
 * Random puts, replaces and deletes checked against a plain array oracle,
 * on a table small enough that runs wrap around its end, so that the
 * backward-shift deletion is exercised across the wrap; growth keeps every
 * entry; state and the 64-bit app id survive the packing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sbc/numtab.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static sbc_number_t mk(uint64_t num, uint64_t v)
{
    sbc_number_t n = {0};
    n.number = num;
    n.state = (uint8_t)(v % 4);
    n.no_voice = v % 5 == 0;
    n.owner = (uint32_t)(v % 1000) + 1;
    n.sub = (uint32_t)(v % 7);
    n.carrier = (uint32_t)(v % 13);
    n.app = v % 3 ? 10000000000000000ull + v % 89999999999999999ull : 0;
    for (int i = 0; i < 16; i++) n.sid[i] = (uint8_t)(v >> (i % 8 * 8));
    return n;
}

static void same(const sbc_number_t *a, const sbc_number_t *b)
{
    assert_int_equal(a->number, b->number);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->no_voice, b->no_voice);
    assert_int_equal(a->owner, b->owner);
    assert_int_equal(a->sub, b->sub);
    assert_int_equal(a->carrier, b->carrier);
    assert_int_equal(a->app, b->app);
    assert_memory_equal(a->sid, b->sid, 16);
}

static void t_oracle(void **state)
{
    (void)state;
    enum { UNIVERSE = 300 };
    sbc_number_t oracle[UNIVERSE];
    bool have[UNIVERSE] = {false};
    size_t count = 0;
    sbc_ntab_t *t = sbc_ntab_new(8, 12345);
    for (int round = 0; round < 200000; round++) {
        size_t k = (size_t)(next() % UNIVERSE);
        /* numbers in a narrow range, as real blocks of numbers are */
        uint64_t num = 14155550000ull + k;
        unsigned op = (unsigned)(next() % 3);
        if (op == 0) {
            sbc_number_t n = mk(num, next());
            if (!have[k]) {
                if (!sbc_ntab_fits(t, 1)) {
                    sbc_ntab_t *g = sbc_ntab_grown(t, 1);
                    assert_int_equal(sbc_ntab_count(g), sbc_ntab_count(t));
                    sbc_ntab_free(t);
                    t = g;
                }
                count++;
            }
            sbc_ntab_put(t, &n);
            oracle[k] = n;
            have[k] = true;
        } else if (op == 1) {
            assert_int_equal(sbc_ntab_del(t, num), have[k]);
            if (have[k]) count--;
            have[k] = false;
        } else {
            sbc_number_t got;
            assert_int_equal(sbc_ntab_get(t, num, &got), have[k]);
            if (have[k]) same(&got, &oracle[k]);
        }
        assert_int_equal(sbc_ntab_count(t), count);
        if (round % 5000 == 0) {
            for (size_t i = 0; i < UNIVERSE; i++) {
                sbc_number_t got;
                assert_int_equal(sbc_ntab_get(t, 14155550000ull + i, &got), have[i]);
                if (have[i]) same(&got, &oracle[i]);
            }
        }
    }
    /* never grew past what its peak needed */
    assert_true(sbc_ntab_capacity(t) < 2000);
    sbc_ntab_free(t);
}

static void t_bulk_and_bounds(void **state)
{
    (void)state;
    sbc_ntab_t *t = sbc_ntab_new(100000, 7);
    size_t cap = sbc_ntab_capacity(t);
    assert_true(sbc_ntab_fits(t, 100000));
    for (uint64_t i = 0; i < 100000; i++) {
        sbc_number_t n = mk(100000000000000ull + i * 7919, i);
        sbc_ntab_put(t, &n);
    }
    assert_int_equal(sbc_ntab_capacity(t), cap); /* sized right: no growth */
    assert_int_equal(sbc_ntab_count(t), 100000);
    /* 44 bytes a slot at 80 % */
    assert_true(sbc_ntab_bytes(t) / 100000 <= 56);
    sbc_number_t got;
    assert_true(sbc_ntab_get(t, 100000000000000ull + 5 * 7919, &got));
    assert_int_equal(got.owner, mk(0, 5).owner);
    assert_false(sbc_ntab_get(t, 0, &got));
    assert_false(sbc_ntab_get(t, 1ull << 60, &got));
    assert_false(sbc_ntab_get(t, 999999999999999ull, &got));
    /* the largest number and the smallest survive with every state (0..127:
     * the key's top bit is no_voice) and either no_voice */
    sbc_number_t big = mk(999999999999999ull, 3), small = mk(1, 2);
    big.state = 127;
    big.no_voice = true;
    small.no_voice = false;
    sbc_ntab_put(t, &big);
    sbc_ntab_put(t, &small);
    assert_true(sbc_ntab_get(t, 999999999999999ull, &got));
    same(&got, &big);
    assert_true(sbc_ntab_get(t, 1, &got));
    same(&got, &small);
    sbc_ntab_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_oracle),
        cmocka_unit_test(t_bulk_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
