/* test_connreg.c -- the per-thread connection registry both SQL backends
 * share (store/connreg.c): a thread finds the connection it added, another
 * thread finds none of its own until it adds one, and close closes every
 * connection added, including those of threads that have ended. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>

#include "store/connreg.h"

typedef struct {
    int id;
    int *closed;           /* incremented by close_one */
} fake_conn_t;

static void close_one(void *c)
{
    fake_conn_t *f = c;
    (*f->closed)++;
    free(f);
}

static fake_conn_t *fake_new(int id, int *closed)
{
    fake_conn_t *f = calloc(1, sizeof *f);
    f->id = id;
    f->closed = closed;
    return f;
}

typedef struct {
    connreg_t *r;
    int *closed;
    void *seen_before;     /* what the thread found before adding its own */
    void *seen_after;
    fake_conn_t *mine;
} thread_arg_t;

static void *thread_main(void *p)
{
    thread_arg_t *a = p;
    a->seen_before = connreg_get(a->r);
    a->mine = fake_new(2, a->closed);
    connreg_add(a->r, a->mine);
    a->seen_after = connreg_get(a->r);
    return NULL;
}

static void test_per_thread_and_close(void **state)
{
    (void)state;
    int closed = 0;
    connreg_t r;
    connreg_init(&r);
    assert_null(connreg_get(&r));
    fake_conn_t *main_conn = fake_new(1, &closed);
    connreg_add(&r, main_conn);
    assert_ptr_equal(connreg_get(&r), main_conn);

    thread_arg_t a = {.r = &r, .closed = &closed};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, thread_main, &a), 0);
    pthread_join(t, NULL);
    assert_null(a.seen_before);            /* not the main thread's */
    assert_ptr_equal(a.seen_after, a.mine);
    assert_ptr_equal(connreg_get(&r), main_conn);

    /* the ended thread's connection is closed too */
    connreg_close(&r, close_one);
    assert_int_equal(closed, 2);
}

static void test_close_empty(void **state)
{
    (void)state;
    int closed = 0;
    connreg_t r;
    connreg_init(&r);
    connreg_close(&r, close_one);
    assert_int_equal(closed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_per_thread_and_close),
        cmocka_unit_test(test_close_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
