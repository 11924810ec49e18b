/* sbc.c -- the SBC index's feed in SQLite: the full load, the change log
 * (written by the triggers of migration 0003_sbc) and single-row re-reads.
 * A number's carrier: its customer carrier (carrier_id), or for an
 * inventory number the upstream carrier its `carrier` column names,
 * resolved through the carriers_name index (sqlshared.h's
 * SQLS_SBC_NUM_SELECT). */
#include "store/sqlite/sqliteInt.h"

#include <string.h>
#include <time.h>

static const char *const sql_text[Q__COUNT] = {
    [Q_SBC_CARRIERS] = "SELECT " SQLS_CARRIER_COLS " " SQLS_CARRIER_FROM "ORDER BY c.id",
    [Q_SBC_PRUNED] = "SELECT CAST(value AS INTEGER) FROM settings WHERE name = 'sbc_pruned_upto'",
    [Q_SBC_CARRIER] = "SELECT " SQLS_CARRIER_COLS " " SQLS_CARRIER_FROM "WHERE c.id = ?1",
    /* Pruning takes the log's head up to its first row not older than ?1
     * (seq order is commit order; `at` has no index): "WHERE at < ?1" read
     * every row, every sweep and before every start-up (0.04 s at 500,000
     * rows).  A row written out of time order only delays the pruning of
     * the rows after it.  SBC_HEAD: the first seq to keep. */
#define SBC_HEAD "coalesce((SELECT seq FROM sbc_changes WHERE at >= ?1 ORDER BY seq LIMIT 1), " \
                 "(SELECT max(seq) + 1 FROM sbc_changes))"
    /* the highest seq pruned: a reader whose mark is below it lost rows */
    [Q_SBC_PRUNE_MARK] =
        "INSERT INTO settings(name, value) SELECT 'sbc_pruned_upto', CAST(max(seq) AS TEXT) "
        "FROM sbc_changes WHERE seq < " SBC_HEAD " HAVING max(seq) IS NOT NULL "
        "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
    [Q_SBC_PRUNE] = "DELETE FROM sbc_changes WHERE seq < " SBC_HEAD,
#undef SBC_HEAD
};

/* Steps q to its end, handing each row to fn(row, ud): ST_ERR when a
 * callback refuses or the step fails.  Resets q. */
typedef int (*row_fn)(sqls_row_t *r, void *ud);
static int each_row(conn_t *c, sqlite3_stmt *q, row_fn fn, void *ud, const char *what)
{
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        sqls_row_t r = sq_row(q);
        if (fn(&r, ud) != C_OK) {
            ret = ST_ERR;
            break;
        }
    }
    if (ret == ST_OK && rc != SQLITE_DONE) {
        sq_log_error(c->db, what);
        ret = ST_ERR;
    }
    sq_done(q);
    return ret;
}

int sq_sbc_load(store_t *st, const store_sbc_load_t *cb, int64_t *seq)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *qs = STMT(c, Q_SBC_SEQ), *qa = STMT(c, Q_SBC_ACCOUNTS), *qp = STMT(c, Q_SBC_APPS),
                 *qc = STMT(c, Q_SBC_CARRIERS), *qn = STMT(c, Q_SBC_NUMBERS);
    if (!qs || !qa || !qp || !qc || !qn) return ST_ERR;
    /* one read transaction: one snapshot for the seq and every row */
    if (sq_tx_begin(st, false) != ST_OK) return ST_ERR;
    int rc = sq_step_row(c, qs, "sbc seq");
    if (rc == ST_OK) *seq = sqlite3_column_int64(qs, 0);
    sq_done(qs);
    sqls_walk_account_t wa = {cb->account, cb->ud};
    sqls_walk_app_t wp = {cb->app, cb->ud};
    /* a carrier's gateways: another statement, same snapshot */
    sqls_carrier_walk_t wc = {cb->carrier, cb->ud, sqls_rd_carrier, sq_carrier_gateways, c, C_OK};
    sqls_walk_sbc_num_t wn = {cb->number, cb->ud};
    if (rc == ST_OK) rc = each_row(c, qa, sqls_walk_account, &wa, "sbc load accounts");
    if (rc == ST_OK) rc = each_row(c, qp, sqls_walk_app, &wp, "sbc load apps");
    if (rc == ST_OK) rc = each_row(c, qc, sqls_each_carrier, &wc, "sbc load carriers");
    if (rc == ST_OK) rc = each_row(c, qn, sqls_walk_sbc_num, &wn, "sbc load numbers");
    if (sq_tx_commit(st) != ST_OK) rc = ST_ERR;
    return rc == ST_NOTFOUND ? ST_ERR : rc;
}

int sq_sbc_changes(store_t *st, int64_t after, int limit, store_sbc_change_cb cb, void *ud)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *qp = STMT(c, Q_SBC_PRUNED), *q = STMT(c, Q_SBC_CHANGES);
    if (!qp || !q) return ST_ERR;
    if (sq_tx_begin(st, false) != ST_OK) return ST_ERR;
    int64_t pruned = 0;
    int rc = sq_step_row(c, qp, "sbc pruned");
    if (rc == ST_OK) pruned = sqlite3_column_int64(qp, 0);
    sq_done(qp);
    if (rc == ST_NOTFOUND) rc = ST_OK;
    if (rc == ST_OK && after < pruned) rc = ST_NOTFOUND;
    sqls_walk_sbc_change_t u = {cb, ud};
    if (rc == ST_OK) {
        sq_bind_args(q, SQ_ARGS(SQ_I(after), SQ_I(limit)));
        rc = each_row(c, q, sqls_walk_sbc_change, &u, "sbc changes");
    }
    if (sq_tx_commit(st) != ST_OK && rc == ST_OK) rc = ST_ERR;
    return rc;
}

/* one statement a number: in the process, a step costs no round trip */
int sq_sbc_numbers(store_t *st, const char *const *numbers, size_t n, store_sbc_num_cb cb,
                   void *ud)
{
    if (n > STORE_SBC_NUMBERS_MAX) return ST_ERR;
    for (size_t i = 0; i < n; i++) {
        sbc_numrow_t r;
        int rc = SQ_ONE(st, Q_SBC_NUMBER, sqls_rd_sbc_num, &r, SQ_T(numbers[i]));
        if (rc == ST_NOTFOUND) continue;
        if (rc != ST_OK) return rc;
        if (cb(&r, ud) != C_OK) return ST_ERR;
    }
    return ST_OK;
}

int sq_sbc_carrier(store_t *st, int64_t id, carrier_t *out)
{
    return SQ_CARRIER_ONE(st, Q_SBC_CARRIER, out, "sbc carrier", SQ_I(id));
}

int sq_sbc_app(store_t *st, const char *app_id, app_t *out)
{
    return SQ_ONE(st, Q_SBC_APP, sqls_rd_app, out, SQ_T(app_id));
}

int sq_sbc_upstream_numbers(store_t *st, const char *name, store_sbc_num_cb cb, void *ud)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_SBC_UPSTREAM_NUMBERS) : NULL;
    if (!q) return ST_ERR;
    sqls_walk_sbc_num_t u = {cb, ud};
    sq_bind_args(q, SQ_ARGS(SQ_T(name)));
    return each_row(c, q, sqls_walk_sbc_num, &u, "sbc upstream numbers");
}

int sq_sbc_prune(store_t *st, int64_t before)
{
    if (sq_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = SQ_RUN(st, Q_SBC_PRUNE_MARK, NULL, SQ_I(before));
    if (rc == ST_OK) rc = SQ_RUN(st, Q_SBC_PRUNE, NULL, SQ_I(before));
    if (rc != ST_OK) {
        sq_tx_rollback(st);
        return rc;
    }
    return sq_tx_commit(st);
}

/* Any connection's commits, this process's or another's (data_version on
 * a connection that never writes).  Opens a read transaction: the feed's
 * thread every 50 ms, and the answer cache's reads when the log's header
 * cannot be read (sq_read_version). */
int sq_data_version(sqlite_store_t *s, uint64_t *out)
{
    int rc = ST_ERR;
    pthread_mutex_lock(&s->ver_lock);
    if (!s->ver_db && sq_open_db(s, &s->ver_db) != ST_OK) s->ver_db = NULL;
    if (s->ver_db && !s->ver_q &&
        sqlite3_prepare_v3(s->ver_db, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT, &s->ver_q,
                           NULL) != SQLITE_OK)
        s->ver_q = NULL;
    if (s->ver_q && sqlite3_step(s->ver_q) == SQLITE_ROW) {
        *out = (uint64_t)sqlite3_column_int64(s->ver_q, 0);
        rc = ST_OK;
    } else if (s->ver_db) {
        sq_log_error(s->ver_db, "data_version");
    }
    if (s->ver_q) sqlite3_reset(s->ver_q);
    pthread_mutex_unlock(&s->ver_lock);
    return rc;
}

/* The log's index header: SQLite's file format ("WAL-Index Format"): two
 * copies of 48 bytes at the start of the -shm file's first 32 KiB region,
 * in native byte order.  A writer writes the second copy, then the first
 * (walIndexWriteHdr); a reader that reads the first, then the second, and
 * finds them equal and their checksum right has one header.  Words: 0 the
 * format (3007000), 2 the change counter (every commit adds one), 3's
 * first byte isInit, 4 mxFrame (the last commit's frame), 6-7 the running
 * checksum of the frames, 8-9 the salts (new with every restart of the
 * log), 10-11 the checksum of words 0-9 (always in native order: the
 * header's own, whatever order the log's frames are summed in).
 *
 * Why not PRAGMA data_version: it is a statement that opens and ends a
 * read transaction, under a process-wide lock -- 3.4 % of a GET
 * Number/{n}/ that was not a kept answer, and every thread's kept answers
 * queued on the lock.  This is two 48-byte reads.
 *
 * Why it is exact: within one log (the same salts) mxFrame only grows, by
 * at least a frame a commit, so (salts, mxFrame) names the committed state;
 * the change counter and the frames' checksum are there too.  A recovery
 * (SQLite rebuilding a header a writer left half written) starts the
 * counter again at 0 and, on an empty log, leaves the salts 0: those
 * headers could repeat an earlier value with other data, so a counter of 0
 * or salts of 0 are not used (the PRAGMA is, until the next commit).  The
 * header is published by the commit before the commit returns, and a
 * reader's transaction starts from it: a version read before an answer's
 * reads is never newer than what they see.  A heap-memory index (exclusive
 * locking mode, which numberd never sets) would leave the file's header
 * uninitialised: isInit 0, the PRAGMA again. */
#define SHM_HDR_WORDS 12
#define SHM_REGION (32 * 1024)

/* Maps the header once, through ver_db's file, whose shared memory is
 * open once it has read (sq_data_version, just before).  Under ver_lock. */
static void shm_map(sqlite_store_t *s)
{
    sqlite3_file *f = NULL;
    void volatile *p = NULL;
    if (atomic_load_explicit(&s->ver_shm, memory_order_acquire) ||
        atomic_load_explicit(&s->ver_shm_failed, memory_order_relaxed) || !s->ver_db)
        return;
    atomic_store_explicit(&s->ver_shm_failed, true, memory_order_relaxed); /* until it is mapped below */
    if (sqlite3_file_control(s->ver_db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f ||
        !f->pMethods || f->pMethods->iVersion < 2 || !f->pMethods->xShmMap)
        return;
    /* extend 0: the region SQLite mapped, never a new one */
    if (f->pMethods->xShmMap(f, 0, SHM_REGION, 0, &p) != SQLITE_OK || !p) return;
    atomic_store_explicit(&s->ver_shm_failed, false, memory_order_relaxed);
    atomic_store_explicit(&s->ver_shm, (const void *)p, memory_order_release);
}

/* SQLite's log checksum (wal.c, walChecksumBytes) of n words in native
 * order: the header's. */
static void shm_cksum(const uint32_t *w, int n, uint32_t out[2])
{
    uint32_t s1 = 0, s2 = 0;
    for (int i = 0; i + 1 < n; i += 2) {
        s1 += w[i] + s2;
        s2 += w[i + 1] + s1;
    }
    out[0] = s1;
    out[1] = s2;
}

int sq_shm_version(sqlite_store_t *s, uint64_t *data, uint64_t *gen, uint64_t *sum_out)
{
    const void *p = atomic_load_explicit(&s->ver_shm, memory_order_acquire);
    if (!p) {
        uint64_t v;
        /* read unlocked: at worst one more try */
        if (atomic_load_explicit(&s->ver_shm_failed, memory_order_relaxed)) return ST_NOTFOUND;
        if (sq_data_version(s, &v) != ST_OK) return ST_NOTFOUND; /* opens ver_db and its log */
        pthread_mutex_lock(&s->ver_lock);
        shm_map(s);
        pthread_mutex_unlock(&s->ver_lock);
        p = atomic_load_explicit(&s->ver_shm, memory_order_acquire);
        if (!p) return ST_NOTFOUND;
    }
    const uint32_t *w = p;
    for (int tries = 0; tries < 8; tries++) {
        uint32_t a[SHM_HDR_WORDS], b[SHM_HDR_WORDS], sum[2];
        for (int i = 0; i < SHM_HDR_WORDS; i++) a[i] = __atomic_load_n(&w[i], __ATOMIC_RELAXED);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        for (int i = 0; i < SHM_HDR_WORDS; i++)
            b[i] = __atomic_load_n(&w[SHM_HDR_WORDS + i], __ATOMIC_RELAXED);
        /* the answer's own reads come after this one */
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (memcmp(a, b, sizeof a) != 0) continue; /* being written */
        const unsigned char *flags = (const unsigned char *)&a[3];
        /* no header yet, another format: the PRAGMA */
        if (flags[0] == 0 || a[0] != 3007000) return ST_NOTFOUND;
        shm_cksum(a, 10, sum);
        if (sum[0] != a[10] || sum[1] != a[11]) continue; /* a mix of two headers */
        /* a recovered header (above) */
        if (a[2] == 0 || (a[8] == 0 && a[9] == 0)) return ST_NOTFOUND;
        *data = ((uint64_t)a[2] << 32) | a[4];
        *gen = ((uint64_t)a[8] << 32) | a[9];
        *sum_out = ((uint64_t)a[6] << 32) | a[7];
        return ST_OK;
    }
    return ST_NOTFOUND;
}

/* Before each lookup: this process's commits (conn.c's WAL hook), an
 * atomic read.  Other processes' commits reach the index through
 * sq_sbc_wait below, as other nodes' NOTIFYs do on PostgreSQL. */
int sq_sbc_version(store_t *st, uint64_t *out)
{
    (void)st;
    *out = sq_commit_count();
    return ST_OK;
}

int sq_sbc_wait(store_t *st, int timeout_ms, bool *changed)
{
    /* SQLite has no notifications: poll data_version (a read of the
     * shared-memory header, no I/O) every 50 ms within the timeout. */
    sqlite_store_t *s = (sqlite_store_t *)st;
    *changed = false;
    for (int waited = 0; waited <= timeout_ms; waited += 50) {
        uint64_t v;
        if (sq_data_version(s, &v) != ST_OK) return ST_ERR;
        if (v != s->wait_version) {
            s->wait_version = v;
            *changed = true;
            return ST_OK;
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return ST_OK;
}

void sq_sbc_close(sqlite_store_t *s)
{
    /* ver_db's shared memory goes with it */
    atomic_store_explicit(&s->ver_shm, NULL, memory_order_release);
    sqlite3_finalize(s->ver_q);
    s->ver_q = NULL;
    if (s->ver_db) sqlite3_close_v2(s->ver_db);
    s->ver_db = NULL;
    pthread_mutex_destroy(&s->ver_lock);
}
