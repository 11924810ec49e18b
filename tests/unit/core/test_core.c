/* test_core.c -- what every service shares (core.c): a store status read
 * as a core error (a database fault is never the client's mistake), the
 * store's lifetime, and counters held back until the outermost commit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/accounts.h"
#include "core/core_int.h"
#include "util/log.h"

static struct {
    char dir[64];
    char path[128];
    core_t c;
} G;

static int setup(void **state)
{
    (void)state;
    cerr_t e;
    int applied = -1;
    log_set_level(LOG_OFF);
    if (ids_init() != C_OK) return -1;
    snprintf(G.dir, sizeof G.dir, "/tmp/nd_core_XXXXXX");
    if (mkdtemp(G.dir) == NULL) return -1;
    snprintf(G.path, sizeof G.path, "%s/test.db", G.dir);
    if (core_open(&G.c, G.path, &applied, &e) != C_OK) return -1;
    return applied >= 1 && G.c.aging_days == 45 && G.c.key == NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char p[160];
    core_close(&G.c);
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", G.path, sfx[i]);
        unlink(p);
    }
    rmdir(G.dir);
    return 0;
}

static void test_core_st(void **state)
{
    (void)state;
    cerr_t e = {.code = CE_OK};
    assert_int_equal(core_st(&e, ST_OK, NULL), C_OK);
    assert_int_equal(e.code, CE_OK);
    assert_int_equal(core_st(&e, ST_NOTFOUND, NULL), C_ERR);
    assert_int_equal(e.code, CE_NOTFOUND);
    assert_string_equal(e.msg, "not found");
    assert_int_equal(core_st(&e, ST_CONFLICT, NULL), C_ERR);
    assert_int_equal(e.code, CE_CONFLICT);
    /* a database failure is the server's: 503 (retry), never a 4xx */
    assert_int_equal(core_st(&e, ST_ERR, NULL), C_ERR);
    assert_int_equal(e.code, CE_UNAVAILABLE);
    assert_string_equal(e.msg, "database unavailable");
    assert_int_equal(core_st(&e, ST_ERR, "commit"), C_ERR);
    assert_int_equal(e.code, CE_UNAVAILABLE);
    assert_string_equal(e.msg, "database unavailable (commit)");
    /* a status the core does not know is a fault too */
    assert_int_equal(core_st(&e, -99, NULL), C_ERR);
    assert_int_equal(e.code, CE_UNAVAILABLE);
    /* e may be NULL: the status alone is wanted */
    assert_int_equal(core_st(NULL, ST_ERR, NULL), C_ERR);
}

static void test_open_ready(void **state)
{
    (void)state;
    cerr_t e;
    core_t bad;
    assert_true(core_ready(&G.c));
    assert_string_equal(core_backend(&G.c), "sqlite");
    int64_t n = -1;
    assert_int_equal(acct_count(&G.c, &n, &e), C_OK);
    assert_int_equal(n, 0);
    /* a path that cannot be created: a fault, with the reason */
    assert_int_equal(core_open(&bad, "/nonexistent-dir/x/y.db", NULL, &e), C_ERR);
    assert_int_equal(e.code, CE_INTERNAL);
    assert_true(e.msg[0] != '\0');
    assert_null(bad.st);
}

static void test_count_on_commit(void **state)
{
    (void)state;
    cerr_t e;
    uint64_t v = metrics_value(MET_PURCHASES);

    /* outside a transaction: at once */
    core_count_on_commit(MET_PURCHASES);
    assert_int_equal(metrics_value(MET_PURCHASES), v + 1);

    /* held until the outermost commit */
    assert_int_equal(core_begin(&G.c, &e), C_OK);
    assert_int_equal(core_begin(&G.c, &e), C_OK);
    core_count_on_commit(MET_PURCHASES);
    assert_int_equal(core_commit(&G.c, &e), C_OK);
    assert_int_equal(metrics_value(MET_PURCHASES), v + 1);
    assert_int_equal(core_commit(&G.c, &e), C_OK);
    assert_int_equal(metrics_value(MET_PURCHASES), v + 2);

    /* dropped by a rollback */
    assert_int_equal(core_begin(&G.c, &e), C_OK);
    core_count_on_commit(MET_PURCHASES);
    core_rollback(&G.c);
    assert_int_equal(metrics_value(MET_PURCHASES), v + 2);

    /* an inner commit, then the outer transaction rolls back: dropped */
    assert_int_equal(core_begin(&G.c, &e), C_OK);
    assert_int_equal(core_begin(&G.c, &e), C_OK);
    core_count_on_commit(MET_PURCHASES);
    assert_int_equal(core_commit(&G.c, &e), C_OK);
    core_rollback(&G.c);
    assert_int_equal(metrics_value(MET_PURCHASES), v + 2);

    /* an inner rollback makes the outer commit fail: dropped, and the
     * failure is a fault */
    assert_int_equal(core_begin(&G.c, &e), C_OK);
    core_count_on_commit(MET_PURCHASES);
    assert_int_equal(core_begin(&G.c, &e), C_OK);
    core_rollback(&G.c);
    assert_int_equal(core_commit(&G.c, &e), C_ERR);
    assert_int_equal(e.code, CE_UNAVAILABLE);
    assert_int_equal(metrics_value(MET_PURCHASES), v + 2);

    /* and the next transaction starts clean */
    assert_int_equal(core_begin(&G.c, &e), C_OK);
    assert_int_equal(core_commit(&G.c, &e), C_OK);
    assert_int_equal(metrics_value(MET_PURCHASES), v + 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_core_st),
        cmocka_unit_test(test_open_ready),
        cmocka_unit_test(test_count_on_commit),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
