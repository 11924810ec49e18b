/* test_round.c -- util/round: every caller gets the result of a round that
 * began after it asked, rounds run one at a time, and callers that wait
 * together share one. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "util/round.h"

#define THREADS 8
#define CALLS 300

static round_t g_r = ROUND_INIT;
static uint64_t g_arrivals;   /* callers so far (under g_r.mu) */
static uint64_t g_result;     /* the last round's: the arrivals when it began */
static uint64_t g_rounds;     /* rounds run (under g_r.mu) */
static atomic_int g_running;  /* rounds running now, outside the lock */
static atomic_int g_bad;      /* callers given a round from before they asked */

static void work(void)
{
    /* two rounds at once would be a broken turn */
    if (atomic_fetch_add(&g_running, 1) != 0) atomic_fetch_add(&g_bad, 1000);
    struct timespec ts = {0, 50 * 1000};
    nanosleep(&ts, NULL);
    atomic_fetch_sub(&g_running, 1);
}

static void *caller(void *arg)
{
    (void)arg;
    for (int i = 0; i < CALLS; i++) {
        pthread_mutex_lock(&g_r.mu);
        uint64_t ticket = ++g_arrivals;
        uint64_t need = round_need(&g_r);
        while (round_turn(&g_r, need)) {
            uint64_t began = g_arrivals; /* every caller that asked so far */
            g_rounds++;
            pthread_mutex_unlock(&g_r.mu);
            work();
            pthread_mutex_lock(&g_r.mu);
            g_result = began;
            round_end(&g_r);
        }
        if (g_result < ticket) atomic_fetch_add(&g_bad, 1);
        pthread_mutex_unlock(&g_r.mu);
    }
    return NULL;
}

static void test_rounds_after_asking_shared(void **state)
{
    (void)state;
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_create(&t[i], NULL, caller, NULL), 0);
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    assert_int_equal(atomic_load(&g_bad), 0);
    assert_int_equal(g_arrivals, THREADS * CALLS);
    /* callers that waited together shared a round: fewer rounds than calls */
    assert_true(g_rounds < (uint64_t)THREADS * CALLS);
    assert_true(g_rounds >= CALLS); /* a caller's calls never share one */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rounds_after_asking_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
