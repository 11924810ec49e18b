/* test_idem.c -- the Idempotency-Key request hash (idem_hash): keyed with
 * a key derived from the server key, pinned against an independent
 * computation (Python's hashlib.blake2b), because stored hashes must
 * still match after an upgrade; and idem_run against a real SQLite store:
 * what is stored is what the action calls replayable, whatever its code. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "core/idem.h"
#include "core/ids.h"
#include "core/secrets.h"
#include "store/store.h"
#include "util/metrics.h"

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
/* hashlib.blake2b(b'numberd idempotency v1', key=bytes(range(32)), digest_size=32) */
#define SUBKEY_A "33f1317efbe703a482ca2accd8c3a1aa6ea932982a10bfb07b930c81d45dcc54"
/* hashlib.blake2b(b'POST carriers\n\n{"a":1}', key=<SUBKEY_A bytes>, digest_size=32) */
#define KEYED_A "78a9826f64c58069155e317d631155194beb81045aca71566106be09ef5d05a6"
/* the same message without a key */
#define UNKEYED "4f38ea2259d3047036483332fb83853a72d938dc0383bb25d820c99e1c442039"

static int setup(void **state)
{
    (void)state;
    return ids_init() == C_OK ? 0 : -1;
}

static sec_key_t *key_of(const char *hex)
{
    sec_key_t *k = NULL;
    bool created = false;
    char *err = NULL;
    if (sec_key_load(hex, NULL, &k, &created, &err) != C_OK) fail_msg("%s", err);
    return k;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void test_derive(void **state)
{
    (void)state;
    sec_key_t *a = key_of(HEX_A), *b = key_of(HEX_B);
    uint8_t s1[SEC_SUBKEY_SZ], s2[SEC_SUBKEY_SZ], s3[SEC_SUBKEY_SZ];
    char txt[2 * SEC_SUBKEY_SZ + 1];
    sec_key_derive(a, "numberd idempotency v1", s1);
    hex(s1, sizeof s1, txt);
    assert_string_equal(txt, SUBKEY_A);
    sec_key_derive(a, "another use", s2);
    sec_key_derive(b, "numberd idempotency v1", s3);
    assert_memory_not_equal(s1, s2, sizeof s1);
    assert_memory_not_equal(s1, s3, sizeof s1);
    sec_key_free(a);
    sec_key_free(b);
}

static void test_keyed_hash(void **state)
{
    (void)state;
    core_t ca = {0}, cb = {0};
    ca.key = key_of(HEX_A);
    cb.key = key_of(HEX_B);
    const char *params = "{\"a\":1}";
    uint8_t h[IDS_HASH_SZ], h2[IDS_HASH_SZ];
    char txt[2 * IDS_HASH_SZ + 1];
    idem_hash(&ca, "POST carriers", "", params, strlen(params), h);
    hex(h, sizeof h, txt);
    assert_string_equal(txt, KEYED_A);
    idem_hash(NULL, "POST carriers", "", params, strlen(params), h2);
    hex(h2, sizeof h2, txt);
    assert_string_equal(txt, UNKEYED);
    /* another server key, another hash: the database alone cannot be used
     * to test guesses of what the parameters held */
    idem_hash(&cb, "POST carriers", "", params, strlen(params), h2);
    assert_memory_not_equal(h, h2, sizeof h);
    sec_key_free((sec_key_t *)ca.key);
    sec_key_free((sec_key_t *)cb.key);
}

/* An action that counts its runs and answers what it is told to. */
typedef struct {
    int runs;
    int code;
    bool replayable, fail;
} act_t;

static int act(core_t *c, void *ud, idem_answer_t *ans, cerr_t *e)
{
    (void)c;
    act_t *a = ud;
    a->runs++;
    if (a->fail) return cerr(e, CE_INVALID, "refused");
    buf_reset(ans->body);
    buf_printf(ans->body, "{\"run\":%d}", a->runs);
    ans->code = a->code;
    ans->replayable = a->replayable;
    return C_OK;
}

/* A core on a fresh SQLite file in a directory of its own (dir[64],
 * path[128]); db_close closes it and removes both. */
static void db_open(core_t *c, char *dir, char *path)
{
    cerr_t e;
    snprintf(dir, 64, "/tmp/nd_idem_XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, 128, "%s/test.db", dir);
    assert_int_equal(core_open(c, path, NULL, &e), C_OK);
}

static void db_close(core_t *c, const char *dir, const char *path)
{
    char p[160];
    core_close(c);
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", path, sfx[i]);
        unlink(p);
    }
    rmdir(dir);
}

static void test_run(void **state)
{
    (void)state;
    char dir[64], path[128];
    core_t c;
    cerr_t e;
    db_open(&c, dir, path);
    buf_t body = BUF_INIT;
    idem_answer_t ans = {.body = &body};
    bool replayed;
    uint8_t h1[IDS_HASH_SZ], h2[IDS_HASH_SZ];
    idem_hash(NULL, "POST x", "", "{}", 2, h1);
    idem_hash(NULL, "POST x", "", "{\"a\":1}", 7, h2);

    /* not replayable (a code that is a success to HTTP, 201, or not):
     * nothing stored, the next call acts again */
    act_t a = {.code = 201, .replayable = false};
    assert_int_equal(idem_run(&c, 1, "key-one-1", h1, act, &a, &ans, &replayed, &e), C_OK);
    assert_false(replayed);
    assert_int_equal(idem_run(&c, 1, "key-one-1", h1, act, &a, &ans, &replayed, &e), C_OK);
    assert_false(replayed);
    assert_int_equal(a.runs, 2);

    /* replayable, whatever the code: stored with its code, and replayed */
    act_t b = {.code = 299, .replayable = true};
    assert_int_equal(idem_run(&c, 1, "key-two-2", h1, act, &b, &ans, &replayed, &e), C_OK);
    assert_false(replayed);
    ans.code = 0;
    buf_reset(&body);
    assert_int_equal(idem_run(&c, 1, "key-two-2", h1, act, &b, &ans, &replayed, &e), C_OK);
    assert_true(replayed);
    assert_int_equal(b.runs, 1);
    assert_int_equal(ans.code, 299);
    assert_string_equal(body.data, "{\"run\":1}");
    /* the same key with another request: refused, not acted on */
    assert_int_equal(idem_run(&c, 1, "key-two-2", h2, act, &b, &ans, &replayed, &e), C_ERR);
    assert_int_equal(e.code, CE_KEY_REUSED);
    assert_int_equal(b.runs, 1);
    /* keys are per account */
    assert_int_equal(idem_run(&c, 2, "key-two-2", h2, act, &b, &ans, &replayed, &e), C_OK);
    assert_false(replayed);
    assert_int_equal(b.runs, 2);

    /* a failed action stores nothing: the retry acts */
    act_t f = {.code = 201, .replayable = true, .fail = true};
    assert_int_equal(idem_run(&c, 1, "key-three", h1, act, &f, &ans, &replayed, &e), C_ERR);
    assert_int_equal(e.code, CE_INVALID);
    f.fail = false;
    assert_int_equal(idem_run(&c, 1, "key-three", h1, act, &f, &ans, &replayed, &e), C_OK);
    assert_false(replayed);
    assert_int_equal(f.runs, 2);

    /* no key: the action just runs */
    assert_int_equal(idem_run(&c, 1, NULL, h1, act, &b, &ans, &replayed, &e), C_OK);
    assert_false(replayed);
    assert_int_equal(b.runs, 3);

    buf_free(&body);
    db_close(&c, dir, path);
}

/* The store's answer to "was that transaction aborted to break a
 * deadlock?", as the action below sets it: the real store's PostgreSQL
 * answer needs two connections meeting in opposite orders (counters.test.js
 * makes them meet), this one says what the test wants. */
static bool g_aborted;
static bool fake_retryable(store_t *st)
{
    (void)st;
    return g_aborted;
}

typedef struct {
    int runs;
    int deadlocks;   /* runs that are aborted as deadlocks */
    bool retryable;  /* and whether the store says so */
} dl_t;

static int act_dl(core_t *c, void *ud, idem_answer_t *ans, cerr_t *e)
{
    (void)c;
    dl_t *a = ud;
    a->runs++;
    if (a->deadlocks > 0) {
        a->deadlocks--;
        g_aborted = a->retryable;
        return cerr(e, CE_UNAVAILABLE, "database unavailable");
    }
    g_aborted = false;
    buf_reset(ans->body);
    buf_printf(ans->body, "{\"run\":%d}", a->runs);
    ans->code = 201;
    ans->replayable = true;
    return C_OK;
}

/* A write aborted to break a deadlock runs again, up to three runs in all,
 * with and without a key; any other failure of the database does not, and
 * what the last run stored is what a replay answers. */
static void test_retry(void **state)
{
    (void)state;
    char dir[64], path[128];
    core_t c;
    cerr_t e;
    db_open(&c, dir, path);
    const store_ops_t *real = c.st->ops;
    store_ops_t fake = *real;
    fake.tx_retryable = fake_retryable;
    c.st->ops = &fake;
    buf_t body = BUF_INIT;
    idem_answer_t ans = {.body = &body};
    bool replayed;
    uint8_t h[IDS_HASH_SZ];
    idem_hash(NULL, "POST x", "", "{}", 2, h);

    /* every run again is counted (numberd_db_transaction_retries_total) */
    uint64_t retries0 = metrics_value(MET_DB_TX_RETRIES);
    dl_t once = {.deadlocks = 1, .retryable = true};
    assert_int_equal(idem_run(&c, 1, "key-dl-1", h, act_dl, &once, &ans, &replayed, &e), C_OK);
    assert_int_equal(once.runs, 2);
    assert_int_equal(metrics_value(MET_DB_TX_RETRIES) - retries0, 1);
    assert_string_equal(body.data, "{\"run\":2}");
    buf_reset(&body);
    assert_int_equal(idem_run(&c, 1, "key-dl-1", h, act_dl, &once, &ans, &replayed, &e), C_OK);
    assert_true(replayed);
    assert_int_equal(once.runs, 2);
    assert_string_equal(body.data, "{\"run\":2}");

    dl_t always = {.deadlocks = 100, .retryable = true};
    assert_int_equal(idem_run(&c, 1, "key-dl-2", h, act_dl, &always, &ans, &replayed, &e), C_ERR);
    assert_int_equal(e.code, CE_UNAVAILABLE);
    assert_int_equal(always.runs, 3);
    assert_int_equal(metrics_value(MET_DB_TX_RETRIES) - retries0, 3);

    dl_t outage = {.deadlocks = 1, .retryable = false};
    assert_int_equal(idem_run(&c, 1, "key-dl-3", h, act_dl, &outage, &ans, &replayed, &e), C_ERR);
    assert_int_equal(e.code, CE_UNAVAILABLE);
    assert_int_equal(outage.runs, 1);
    assert_int_equal(metrics_value(MET_DB_TX_RETRIES) - retries0, 3);

    dl_t nokey = {.deadlocks = 2, .retryable = true};
    assert_int_equal(idem_run(&c, 1, NULL, h, act_dl, &nokey, &ans, &replayed, &e), C_OK);
    assert_int_equal(nokey.runs, 3);

    g_aborted = false;
    buf_free(&body);
    c.st->ops = real;
    db_close(&c, dir, path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derive),
        cmocka_unit_test(test_keyed_hash),
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_retry),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
