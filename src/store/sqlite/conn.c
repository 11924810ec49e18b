/* conn.c -- the SQLite backend's connections, statement caches, helpers,
 * transactions, open/close and the ops table (sqliteInt.h). */
#include "store/sqlite/sqliteInt.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <semaphore.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/log.h"
#include "util/metrics.h"

static const char *const sql_text[Q__COUNT] = {
    /* reads page 1 and the schema: fails on a missing, locked-out or
     * foreign file, unlike "SELECT 1" */
    [Q_PING] = "SELECT count(*) FROM sqlite_master WHERE name = 'numbers'",
};

static const store_ops_t sqlite_ops;

/* The VFS every connection opens with (walbuf.c), set once by sqlite_once. */
static const char *g_vfs;

/* ---- connections ------------------------------------------------------- */

/* The last error this thread logged, for an error message that must say
 * why (the open's: "cannot open SQLite database x.db: file is not a
 * database", where it said only that it could not -- a helper's audit,
 * session 38). */
static __thread char t_last_err[192];

/* A full disk, an I/O error: a fault every write meets until it ends,
 * one line (log.h log_fault), not one a request; a COMMIT that succeeds
 * ends it (sq_ctl).  Not a lock another process held past the busy
 * timeout: that is one request's, and logged as it comes (a review,
 * session 40: it would have held back a full disk's first line). */
static log_fault_t g_fault = LOG_FAULT_INIT;

static bool outage_code(int code)
{
    switch (code & 0xff) {
    case SQLITE_FULL: case SQLITE_IOERR: case SQLITE_CANTOPEN: case SQLITE_READONLY:
    case SQLITE_NOMEM: return true;
    default: return false;
    }
}

void sq_log_error(sqlite3 *db, const char *what)
{
    metrics_count(MET_DB_ERRORS);
    const char *why = db ? sqlite3_errmsg(db) : "no connection";
    snprintf(t_last_err, sizeof t_last_err, "%s (%s)", why, what);
    log_fault(!db || outage_code(sqlite3_extended_errcode(db)) ? &g_fault : NULL, LOG_ERROR,
              "sqlite: %s: %s", what, why);
}

int sq_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        metrics_count(MET_DB_ERRORS);
        snprintf(t_last_err, sizeof t_last_err, "%s", msg ? msg : sqlite3_errmsg(db));
        log_fault(outage_code(sqlite3_extended_errcode(db)) ? &g_fault : NULL, LOG_ERROR, "sqlite: %s",
                  msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return ST_ERR;
    }
    return ST_OK;
}

/* *slot, prepared from sql on c the first time (kept for the
 * connection's life); NULL on failure, logged. */
static sqlite3_stmt *prepare_once(conn_t *c, sqlite3_stmt **slot, const char *sql)
{
    if (*slot == NULL &&
        sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK) {
        sq_log_error(c->db, sql);
        return NULL;
    }
    return *slot;
}

int sq_ctl(conn_t *c, sq_ctl_t which)
{
    static const char *const text[SQ_CTL__COUNT] = {
        [SQ_BEGIN] = "BEGIN",
        [SQ_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
        [SQ_COMMIT] = "COMMIT",
        [SQ_ROLLBACK] = "ROLLBACK",
        [SQ_SAVEPOINT] = "SAVEPOINT nd_member",
        [SQ_RELEASE] = "RELEASE nd_member",
        [SQ_ROLLBACK_TO] = "ROLLBACK TO nd_member",
    };
    sqlite3_stmt *q = prepare_once(c, &c->ctl[which], text[which]);
    if (!q) return ST_ERR;
    int rc = sqlite3_step(q);
    int ret = rc == SQLITE_DONE ? ST_OK : ST_ERR;
    if (ret != ST_OK) sq_log_error(c->db, text[which]);
    else if (which == SQ_COMMIT) log_fault_over(&g_fault, "sqlite: writes commit again");
    sqlite3_reset(q);
    return ret;
}

void sq_conn_close(void *conn)
{
    conn_t *c = conn;
    for (int i = 0; i < Q__COUNT; i++) sqlite3_finalize(c->q[i]);
    for (int i = 0; i < SQ_CTL__COUNT; i++) sqlite3_finalize(c->ctl[i]);
    for (int i = 0; i < SQ_DYN_CACHE; i++) {
        sqlite3_finalize(c->dyn[i].st);
        free(c->dyn[i].sql);
    }
    sqlite3_close_v2(c->db);
    free(c);
}

/* Successful commits of this process.  SQLite calls a connection's WAL
 * hook after each of its commits has taken place (write lock released):
 * transactions and single statements alike, group commit's included.  The
 * SBC feed compares the count before a lookup (read-your-writes) instead
 * of PRAGMA data_version, which opens a read transaction (shared-memory
 * locks, fcntl and fstat calls): ~13 % of a lookup's cost.  Other
 * processes' commits are still seen through data_version, polled by the
 * feed's own thread (sq_sbc_wait: within 50 ms). */
static _Atomic uint64_t g_commits;

uint64_t sq_commit_count(void)
{
    return g_commits;
}

/* The log size at which a checkpoint is asked for: 16,000 pages, a log
 * of ~64 MiB (NUMBERD_CHECKPOINT_PAGES: 1,000 to 250,000 pages, ~1 GiB).
 * A checkpoint copies each page of the log once, however often it was
 * written, and a page a purchase dirties (the number's row, its index
 * entries) is a random write to the database file: the fewer
 * checkpoints, the more purchases share each of those writes, and the
 * fewer times the writers are held off for the second pass.  SQLite's
 * own default, 1,000, cost 240 us of CPU a purchase against 199 at 4,000
 * (session 11); 16,000 made 1.17 x the purchases of 4,000 (16 buyers,
 * 1,000,000 rows, 20 s runs, the median of 7 alternating pairs; faster in
 * all 25 pairs of every length and size tried, though not in bench/run's
 * single runs: docs/PERFORMANCE.md, session 23), at
 * the price of a larger log, on disk and to read back after a crash.
 * At CKPT_INLINE_X times that the checkpointer is
 * behind (or could not start): the commit that finds so many checkpoints
 * by itself, as SQLite's automatic checkpoint would, so that the log
 * stays bounded. */
#define CKPT_PAGES 16000
#define CKPT_PAGES_MIN 1000
#define CKPT_PAGES_MAX 250000
#define CKPT_INLINE_X 4

int sq_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

int sq_dbfd(sqlite_store_t *s)
{
    int err = EBADF; /* none, and none to be opened */
    pthread_mutex_lock(&s->ckpt_mu);
    if (s->dbfd < 0 && !s->dbfd_closing && strcmp(s->sql.target, ":memory:") != 0) {
        s->dbfd = open(s->sql.target, O_RDONLY | O_CLOEXEC);
        err = errno;
    }
    int fd = s->dbfd;
    pthread_mutex_unlock(&s->ckpt_mu);
    if (fd < 0) errno = err;
    return fd;
}

static void *ckpt_main(void *arg);

/* Asks the checkpointer for a checkpoint, starting it on first use; false
 * if it could not be started. */
static bool ckpt_ask(sqlite_store_t *s)
{
    bool ok = true;
    pthread_mutex_lock(&s->ckpt_mu);
    if (!s->ckpt_running && !s->ckpt_stop) {
        /* a commit of serve's migrations may start it before serve's main
         * thread has blocked the signals it waits for */
        if (sq_thread_start(&s->ckpt_thread, ckpt_main, s) == 0) s->ckpt_running = true;
        else ok = false;
    }
    if (s->ckpt_running) {
        s->ckpt_wanted = true;
        pthread_cond_signal(&s->ckpt_cv);
    }
    pthread_mutex_unlock(&s->ckpt_mu);
    return ok;
}

/* Stops the process after a failed sync (what, its errno err): lost,
 * already seen or acknowledged by someone, may not be on disk, and only a
 * restart finds out what is.  _exit: no exit handlers, no answer to anyone
 * waiting.  (sync_failed, sq_checkpoint_result, ckpt_write_back.) */
static _Noreturn void sync_stop(const char *what, int err, const char *lost)
{
    log_msg(LOG_ERROR,
            "sqlite: %s failed (%s): %s may not be on disk; stopping -- a restart recovers what the disk holds",
            what, strerror(err), lost);
    _exit(70); /* EX_SOFTWARE */
}

/* A checkpoint that failed to sync (the log, which it syncs first, or the
 * database file, before the log may start over) stops the process, as a
 * commit's failed sync of the log does (sync_failed): after a write-back
 * error the kernel may report the next sync of the same pages as a
 * success, and a log started over on that success would lose the pages
 * that never reached the disk -- writes acknowledged long before.  Until
 * 2026-12-05 it was only logged (PostgreSQL panics there too). */
void sq_checkpoint_result(sqlite3 *db, int rc)
{
    /* busy: another checkpoint (another process's) is running; locked: a
     * statement of this connection is still open -- a later one copies */
    if (rc == SQLITE_OK || (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) return;
    int ext = sqlite3_extended_errcode(db);
    if (ext == SQLITE_IOERR_FSYNC || ext == SQLITE_IOERR_DIR_FSYNC) {
        sync_stop("a checkpoint's sync", sqlite3_system_errno(db), "what it copied");
    }
    sq_log_error(db, "checkpoint");
}

void sq_checkpoint_passive(sqlite_store_t *s, sqlite3 *db, const char *name)
{
    /* the anchor's read transaction would bound the copy and keep the log
     * from starting over (anchor.c) */
    sq_anchor_t *anchor = sq_anchor_pause(s);
    int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    sq_anchor_resume(anchor);
    sq_checkpoint_result(db, rc);
}

/* Writes back the database file's dirty pages and waits for them, without
 * the device's cache flush (sync_file_range): what a checkpoint's first
 * pass copied, so that the sync in its second pass, with the writers held
 * off, has little left to write (ckpt_main).  The descriptor is the
 * store's own (sq_dbfd).  Only a saving of time
 * when it cannot be done (no descriptor, a file system without it).  But
 * a write-back error it sees stops the process, as a failed sync does
 * (sq_checkpoint_result): the kernel then counts the error as seen, and a
 * descriptor opened after it (an import's connection, whose checkpoint may
 * be the one that lets the log start over) would never be told. */
static void ckpt_write_back(sqlite_store_t *s)
{
    int fd = sq_dbfd(s);
    if (fd < 0) return;
    int rc;
    do {
        rc = sync_file_range(fd, 0, 0,
                             SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
    } while (rc != 0 && errno == EINTR);
    if (rc == 0 || errno == EINVAL || errno == ESPIPE || errno == ENOSYS) return;
    sync_stop("a checkpoint's write-back", errno, "what it copied");
}

/* The checkpointer: a checkpoint on its own connection each time a commit
 * asks for one, in two passes.  The first copies the log into the
 * database while writers go on (passive: it never waits for a lock) --
 * the bulk of the copying.  But a log is only started over from its
 * beginning by a writer that finds it wholly copied, which never happens
 * while writers keep adding to it (with checkpoints at 4,000 pages, 16 MB,
 * it grew past 60 MB in a few seconds of purchases, and on without
 * bound); so the second pass copies the little they added meanwhile
 * with this process's writers held off (write_lock).  A later commit asks
 * again for what a reader kept it from copying.
 *
 * SQLite syncs the database file only in a pass that copies the whole
 * log -- here the second -- so that sync, with the writers held, would
 * write back every page both passes copied: 56-173 ms of writers held at
 * 16,000 pages and 1,000,000 rows.  So after the first pass the pages it
 * copied are written back here (ckpt_write_back), writers going on, and
 * the second pass's sync has only its own few left: held 13-28 ms, and a
 * purchase's p99 at 16 buyers 31-45 ms instead of 74-87 (as many
 * purchases a second).  A whole sync there instead (fdatasync, the
 * device's cache flushed too) held them 15 ms but made purchases slower
 * (3,564-3,860/s against 4,064-4,448): a flush that the log's syncs, which
 * every answer waits for, then queued behind.  Durability is SQLite's
 * sync's, still made before the log can start over. */
static void *ckpt_main(void *arg)
{
    sqlite_store_t *s = arg;
    sqlite3 *db = NULL;
    pthread_mutex_lock(&s->ckpt_mu);
    for (;;) {
        while (!s->ckpt_wanted && !s->ckpt_stop) pthread_cond_wait(&s->ckpt_cv, &s->ckpt_mu);
        if (s->ckpt_stop) break;
        s->ckpt_wanted = false;
        pthread_mutex_unlock(&s->ckpt_mu);
        if (!db && sq_open_db(s, &db) != ST_OK) db = NULL;
        /* the held read transaction would bound the copy and keep the log
         * from starting over (anchor.c) */
        sq_anchor_t *anchor = sq_anchor_pause(s);
        /* SQLITE_BUSY: another checkpoint (another process's) is running */
        int rc = db ? sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL)
                    : SQLITE_ERROR;
        if (rc == SQLITE_OK) {
            ckpt_write_back(s);
            pthread_mutex_lock(&s->write_lock);
            /* not inside a group's open transaction (handed between its
             * members): it holds the database's write lock, and other
             * processes' writers would wait out the copy and its fsync;
             * the next commit asks again */
            if (!s->group_open)
                rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
            pthread_mutex_unlock(&s->write_lock);
        }
        sq_anchor_resume(anchor);
        if (db) sq_checkpoint_result(db, rc);
        else sq_log_error(db, "checkpoint");
        pthread_mutex_lock(&s->ckpt_mu);
    }
    pthread_mutex_unlock(&s->ckpt_mu);
    sqlite3_close_v2(db);
    return NULL;
}

/* Stops the checkpointer (the store is closing; no writer is left). */
static void ckpt_stop(sqlite_store_t *s)
{
    pthread_mutex_lock(&s->ckpt_mu);
    s->ckpt_stop = true;
    bool running = s->ckpt_running;
    pthread_cond_signal(&s->ckpt_cv);
    pthread_mutex_unlock(&s->ckpt_mu);
    if (running) pthread_join(s->ckpt_thread, NULL);
}

/* Installing a WAL hook replaces SQLite's automatic checkpoint: this
 * counts the commit and hands the checkpoint to the checkpointer. */
static int wal_hook(void *ud, sqlite3 *db, const char *name, int frames)
{
    sqlite_store_t *s = ud;
    g_commits++;
    sq_anchor_committed(s);
    if (frames >= s->ckpt_pages && (frames / CKPT_INLINE_X >= s->ckpt_pages || !ckpt_ask(s)))
        sq_checkpoint_passive(s, db, name);
    return SQLITE_OK;
}

int sq_open_db(sqlite_store_t *s, sqlite3 **out)
{
    const char *path = s->sql.target;
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db, flags, g_vfs) != SQLITE_OK) {
        sq_log_error(db, "open");
        sqlite3_close_v2(db);
        return ST_ERR;
    }
    /* how long a statement waits for another process's lock on the
     * database before SQLITE_BUSY (a write then answers 503) */
    sqlite3_busy_timeout(db, store_lock_wait_ms());
    sqlite3_extended_result_codes(db, 1);
    /* WAL keeps readers off the writer's lock.  Switching a new file to
     * WAL takes its exclusive lock; two processes doing it at once (two
     * nodes started together on a fresh file) may both hold a shared lock
     * and want to upgrade, and SQLite then answers SQLITE_BUSY at once,
     * without its busy handler (it would deadlock).  The mode persists in
     * the file, so the loser's next try finds WAL set: try again, for up
     * to the busy timeout. */
    for (int tries = 0;; tries++) {
        int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if (rc == SQLITE_OK) break;
        if ((rc & 0xff) != SQLITE_BUSY || tries >= 300) {
            /* WAL needs the -wal and -shm files beside the database: a
             * directory numberd cannot write to is what "readonly" means
             * here, not the file (a helper's audit, session 40) */
            sq_log_error(db, (rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN
                                 ? "journal_mode=WAL; the database's directory must be writable too, "
                                   "for its -wal and -shm files"
                                 : "journal_mode=WAL");
            sqlite3_close_v2(db);
            return ST_ERR;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    /* synchronous=FULL: an acknowledged write survives power loss, not only
     * a process crash.  cache_size: 6 MB a connection (16 MB until the
     * search index, which holds in 20 MB what searches walked in the
     * caches: bench/run measured RSS 80.9 MiB with 16 MB, 66.7 with 8, the
     * same throughput; the file's pages stay in the kernel's cache, a miss
     * is a pread). */
    if (sq_exec(db, "PRAGMA synchronous=FULL; "
                    "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
                    "PRAGMA cache_size=-6000;") != ST_OK) {
        sqlite3_close_v2(db);
        return ST_ERR;
    }
    sqlite3_wal_hook(db, wal_hook, s);
    *out = db;
    return ST_OK;
}

static conn_t *conn_get(sqlite_store_t *s)
{
    conn_t *c = connreg_get(&s->sql.conns);
    if (c) return c;
    c = xcalloc(1, sizeof *c);
    if (sq_open_db(s, &c->db) != ST_OK) {
        free(c);
        return NULL;
    }
    connreg_add(&s->sql.conns, c);
    return c;
}

/* The store whose group write transaction this thread is inside (its
 * statements then run on the store's wconn), or NULL. */
static __thread sqlite_store_t *tls_wstore;
/* This thread's entry in a group while it waits for the commit. */
static __thread sq_gmember_t tls_member;
/* The store whose batch this thread runs (sq_batch_begin), or NULL. */
static __thread sqlite_store_t *tls_batch;
static __thread bool tls_batch_lost;  /* SQLite rolled the transaction back by itself */
static __thread bool tls_batch_write; /* the open savepoint is a write transaction's */

conn_t *sq_conn(store_t *st)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    if (tls_wstore != s) return conn_get(s);
    /* a batch whose transaction SQLite rolled back by itself (an I/O
     * error, a full disk): nothing more runs in it -- its statements
     * would each commit by themselves, in a batch answered as failed */
    if (tls_batch == s && (tls_batch_lost || sqlite3_get_autocommit(s->wconn->db))) {
        tls_batch_lost = true;
        return NULL;
    }
    return s->wconn;
}

sqlite3_stmt *sq_stmt(conn_t *c, int which, const char *sql)
{
    if (c->q[which] == NULL && !sql) {
        log_msg(LOG_ERROR, "sqlite: statement %d has no SQLite text", which);
        return NULL;
    }
    return prepare_once(c, &c->q[which], sql);
}

sqlite3_stmt *sq_stmt_dyn(conn_t *c, const char *sql)
{
    int lru = 0;
    for (int i = 0; i < SQ_DYN_CACHE; i++) {
        if (c->dyn[i].sql && strcmp(c->dyn[i].sql, sql) == 0) {
            c->dyn[i].used = ++c->tick;
            return c->dyn[i].st;
        }
        if (c->dyn[i].used < c->dyn[lru].used) lru = i;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        sq_log_error(c->db, sql);
        return NULL;
    }
    sqlite3_finalize(c->dyn[lru].st);
    free(c->dyn[lru].sql);
    c->dyn[lru].sql = xstrdup(sql);
    c->dyn[lru].st = st;
    c->dyn[lru].used = ++c->tick;
    return st;
}

void sq_done(sqlite3_stmt *st)
{
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

/* ---- binding and reading ------------------------------------------------ */

void sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, i);
}

void sq_bind_vals(sqlite3_stmt *st, const sqlw_t *w)
{
    int n = sqlite3_bind_parameter_count(st);
    for (int i = 0; i < n && (size_t)i < w->n; i++) {
        const sqlw_val_t *v = &w->v[i];
        if (v->kind == SQLW_TEXT) sqlite3_bind_text(st, i + 1, v->text, -1, SQLITE_STATIC);
        else sqlite3_bind_int64(st, i + 1, v->i);
    }
}

void sq_col_text(sqlite3_stmt *st, int i, char *out, size_t sz)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (n >= sz) n = sz - 1;
    if (n) memcpy(out, t, n);
    out[n] = '\0';
}

/* sqls_row_t over a statement's current row: res is the statement. */
static sqlite3_stmt *row_stmt(const sqls_row_t *r)
{
    return (sqlite3_stmt *)r->res;
}

static void row_text(sqls_row_t *r, char *out, size_t sz)
{
    sq_col_text(row_stmt(r), r->col++, out, sz);
}

static int64_t row_i64(sqls_row_t *r, int64_t if_null)
{
    int i = r->col++;
    sqlite3_stmt *st = row_stmt(r);
    /* NULL reads as 0: the type is asked only when 0 may be a NULL that
     * reads otherwise (one call a column, not two: a list page reads
     * ~300 integers) */
    int64_t v = sqlite3_column_int64(st, i);
    if (v == 0 && if_null != 0 && sqlite3_column_type(st, i) == SQLITE_NULL) return if_null;
    return v;
}

static bool row_bool(sqls_row_t *r)
{
    return sqlite3_column_int(row_stmt(r), r->col++) != 0;
}

static void row_blob(sqls_row_t *r, uint8_t *out, size_t sz, size_t *n)
{
    int i = r->col++;
    sqlite3_stmt *st = row_stmt(r);
    const void *b = sqlite3_column_blob(st, i);
    size_t len = (size_t)sqlite3_column_bytes(st, i);
    *n = 0;
    if (b && len <= sz) {
        memcpy(out, b, len);
        *n = len;
    }
}

static const sqls_row_ops_t row_ops = {row_text, row_i64, row_bool, row_blob};

sqls_row_t sq_row(sqlite3_stmt *st)
{
    return (sqls_row_t){&row_ops, st, 0, 0};
}

/* ---- running statements -------------------------------------------------- */

int sq_step(conn_t *c, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return ST_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return ST_CONFLICT;
    sq_log_error(c->db, what);
    return ST_ERR;
}

int sq_step_row(conn_t *c, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) return ST_OK;
    if (rc == SQLITE_DONE) return ST_NOTFOUND;
    sq_log_error(c->db, what);
    return ST_ERR;
}

int sq_run(conn_t *c, sqlite3_stmt *q, const char *what, int *changes)
{
    if (changes) *changes = 0;
    if (!q) return ST_ERR;
    int rc = sq_step(c, q, what);
    if (rc == ST_OK && changes) *changes = sqlite3_changes(c->db);
    sq_done(q);
    return rc;
}

int sq_run1(conn_t *c, sqlite3_stmt *q, const char *what)
{
    int n = 0, rc = sq_run(c, q, what, &n);
    if (rc != ST_OK) return rc;
    return n == 1 ? ST_OK : ST_NOTFOUND;
}

int sq_one_row(conn_t *c, sqlite3_stmt *q, sqls_reader_fn rd, void *out, const char *what)
{
    int rc = sq_step_row(c, q, what);
    if (rc == ST_OK) {
        sqls_row_t r = sq_row(q);
        rd(&r, out, 0);
    }
    sq_done(q);
    return rc;
}

int sq_each(conn_t *c, sqlite3_stmt *q, int (*fn)(sqls_row_t *r, void *ud), void *ud,
            const char *what)
{
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        sqls_row_t r = sq_row(q);
        if (fn(&r, ud) != C_OK) break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sq_log_error(c->db, what);
        ret = ST_ERR;
    }
    sq_done(q);
    return ret;
}

int sq_each_args(store_t *st, int which, const char *sql, int (*fn)(sqls_row_t *r, void *ud),
                 void *ud, const sq_arg_t *a, size_t n)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? sq_stmt(c, which, sql) : NULL;
    if (!q) return ST_ERR;
    sq_bind_args(q, a, n);
    return sq_each(c, q, fn, ud, sql);
}

int sq_page_and_count(store_t *st, conn_t *c, sqlite3_stmt *rows_q, sqlite3_stmt *count_q,
                      int limit, sqls_reader_fn rd, void *rows, size_t *nrows, int64_t *total,
                      const char *what)
{
    int ret = ST_ERR, rc;
    *nrows = 0;
    *total = 0;
    if (sq_tx_begin(st, false) == ST_OK) {
        sqls_row_t r = sq_row(rows_q);
        while ((rc = sqlite3_step(rows_q)) == SQLITE_ROW && *nrows < (size_t)limit) {
            r.col = 0;
            rd(&r, rows, (*nrows)++);
        }
        /* no count_q: the caller has the count (the search index) */
        if ((rc == SQLITE_ROW || rc == SQLITE_DONE) &&
            (!count_q || sqlite3_step(count_q) == SQLITE_ROW)) {
            if (count_q) *total = sqlite3_column_int64(count_q, 0);
            ret = ST_OK;
        }
        if (ret == ST_OK) {
            ret = sq_tx_commit(st);
        } else {
            sq_log_error(c->db, what);
            sq_tx_rollback(st);
        }
    }
    sq_done(rows_q);
    sq_done(count_q);
    return ret;
}

int sq_page_args(store_t *st, int rows_which, const char *rows_sql, int count_which,
                 const char *count_sql, int limit, sqls_reader_fn rd, void *rows, size_t *nrows,
                 int64_t *total, const char *what, const sq_arg_t *a, size_t n)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *rows_q = c ? sq_stmt(c, rows_which, rows_sql) : NULL;
    sqlite3_stmt *count_q = rows_q ? sq_stmt(c, count_which, count_sql) : NULL;
    *nrows = 0;
    *total = 0;
    if (!count_q) return ST_ERR;
    sq_bind_args(rows_q, a, n);
    /* the count takes the filters only: the leading values */
    size_t nc = (size_t)sqlite3_bind_parameter_count(count_q);
    sq_bind_args(count_q, a, nc < n ? nc : n);
    return sq_page_and_count(st, c, rows_q, count_q, limit, rd, rows, nrows, total, what);
}

int sq_page_dyn(store_t *st, conn_t *c, const sqlw_t *w, const char *sql_rows,
                const char *sql_count, int limit, sqls_reader_fn rd, void *rows,
                size_t *nrows, int64_t *total, const char *what)
{
    *nrows = 0;
    *total = 0;
    /* the rows statement is the cache's most recent entry: preparing the
     * count cannot evict it */
    sqlite3_stmt *r = sq_stmt_dyn(c, sql_rows);
    sqlite3_stmt *n = r && sql_count ? sq_stmt_dyn(c, sql_count) : NULL;
    if (!r || (sql_count && !n)) return ST_ERR;
    sq_bind_vals(r, w);
    if (n) sq_bind_vals(n, w);
    return sq_page_and_count(st, c, r, n, limit, rd, rows, nrows, total, what);
}

/* ---- statements with their values ---------------------------------------- */

sq_arg_t sq_a_text(const char *s)
{
    return s ? (sq_arg_t){.kind = SQ_A_TEXT, .s = s} : (sq_arg_t){.kind = SQ_A_NULL};
}

sq_arg_t sq_a_text_or_null(const char *s)
{
    return sq_a_text((s && *s) ? s : NULL);
}

sq_arg_t sq_a_id(int64_t id)
{
    return id ? (sq_arg_t){.kind = SQ_A_INT, .i = id} : (sq_arg_t){.kind = SQ_A_NULL};
}

sq_arg_t sq_a_money(int64_t v)
{
    return v >= 0 ? (sq_arg_t){.kind = SQ_A_INT, .i = v} : (sq_arg_t){.kind = SQ_A_NULL};
}

sq_arg_t sq_a_blob(const void *b, size_t n)
{
    return n ? (sq_arg_t){.kind = SQ_A_BLOB, .b = b, .n = n} : (sq_arg_t){.kind = SQ_A_NULL};
}

void sq_bind_args(sqlite3_stmt *q, const sq_arg_t *a, size_t n)
{
    sq_bind_args_at(q, 1, a, n);
}

void sq_bind_args_at(sqlite3_stmt *q, int first, const sq_arg_t *a, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        int i = (int)k + first;
        switch (a[k].kind) {
        case SQ_A_TEXT: sqlite3_bind_text(q, i, a[k].s, -1, SQLITE_STATIC); break;
        case SQ_A_INT: sqlite3_bind_int64(q, i, a[k].i); break;
        case SQ_A_BLOB: sqlite3_bind_blob(q, i, a[k].b, (int)a[k].n, SQLITE_STATIC); break;
        default: sqlite3_bind_null(q, i); break;
        }
    }
}

/* The statement, prepared and bound, or NULL (*cp NULL too when there is
 * no connection). */
static sqlite3_stmt *prep_args(store_t *st, int which, const char *sql, const sq_arg_t *a,
                               size_t n, conn_t **cp)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? sq_stmt(c, which, sql) : NULL;
    if (q) sq_bind_args(q, a, n);
    *cp = c;
    return q;
}

int sq_run_args(store_t *st, int which, const char *sql, int *changes, const sq_arg_t *a,
                size_t n)
{
    conn_t *c;
    sqlite3_stmt *q = prep_args(st, which, sql, a, n, &c);
    if (changes) *changes = 0;
    return q ? sq_run(c, q, sql, changes) : ST_ERR;
}

int sq_run1_args(store_t *st, int which, const char *sql, const sq_arg_t *a, size_t n)
{
    conn_t *c;
    sqlite3_stmt *q = prep_args(st, which, sql, a, n, &c);
    return q ? sq_run1(c, q, sql) : ST_ERR;
}

int sq_insert_args(store_t *st, int which, const char *sql, int64_t *id, const sq_arg_t *a,
                   size_t n)
{
    conn_t *c;
    sqlite3_stmt *q = prep_args(st, which, sql, a, n, &c);
    if (!q) return ST_ERR;
    int rc = sq_step(c, q, sql);
    if (rc == ST_OK) *id = sqlite3_last_insert_rowid(c->db);
    sq_done(q);
    return rc;
}

/* sq_one_args on connection c (NULL: ST_ERR). */
static int one_on(conn_t *c, int which, const char *sql, sqls_reader_fn rd, void *out,
                  const sq_arg_t *a, size_t n)
{
    sqlite3_stmt *q = c ? sq_stmt(c, which, sql) : NULL;
    if (!q) return ST_ERR;
    sq_bind_args(q, a, n);
    return sq_one_row(c, q, rd, out, sql);
}

int sq_one_args(store_t *st, int which, const char *sql, sqls_reader_fn rd, void *out,
                const sq_arg_t *a, size_t n)
{
    return one_on(CONN(st), which, sql, rd, out, a, n);
}

int sq_one_cred(store_t *st, int which, const char *sql, sqls_reader_fn rd, void *out,
                const sq_arg_t *a, size_t n)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    /* a thread with a connection of its own (or inside a transaction,
     * whose changes it must see) reads as any read does */
    if (tls_wstore == s || connreg_get(&s->sql.conns) || strcmp(s->sql.target, ":memory:") == 0)
        return sq_one_args(st, which, sql, rd, out, a, n);
    pthread_mutex_lock(&s->cred_lock);
    if (!s->cred_conn) {
        conn_t *c = xcalloc(1, sizeof *c);
        if (sq_open_db(s, &c->db) == ST_OK) s->cred_conn = c;
        else free(c);
    }
    int rc = one_on(s->cred_conn, which, sql, rd, out, a, n);
    pthread_mutex_unlock(&s->cred_lock);
    return rc;
}

void sq_rd_text(sqls_row_t *r, void *rows, size_t i)
{
    sq_text_out_t *o = (sq_text_out_t *)rows + i;
    r->ops->text(r, o->out, o->sz);
}

/* ---- transactions ------------------------------------------------------ */

/* store.h tx_nowait: this thread's writes wait for no lock */
static __thread bool tls_nowait;
#define NOWAIT_LOCK_MS 200

void sq_thread_release(store_t *st)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    conn_t *c = connreg_get(&s->sql.conns);
    if (c && c->depth == 0) connreg_release(&s->sql.conns, sq_conn_close);
}

void sq_tx_nowait(store_t *st, bool on)
{
    (void)st;
    tls_nowait = on;
}

/* The process's write lock: at once, or (tls_nowait) within
 * NOWAIT_LOCK_MS; ST_ERR when not. */
static int write_lock_take(sqlite_store_t *s)
{
    if (!tls_nowait) {
        pthread_mutex_lock(&s->write_lock);
        return ST_OK;
    }
    struct timespec ts = clock_deadline_ms(NOWAIT_LOCK_MS);
    return pthread_mutex_timedlock(&s->write_lock, &ts) == 0 ? ST_OK : ST_ERR;
}

/* BEGIN IMMEDIATE on db, which waits out the busy timeout for another
 * process's lock -- unless tls_nowait. */
static int begin_immediate(conn_t *c)
{
    if (!tls_nowait) return sq_ctl(c, SQ_BEGIN_IMMEDIATE);
    sqlite3_busy_timeout(c->db, 0);
    int rc = sq_ctl(c, SQ_BEGIN_IMMEDIATE);
    sqlite3_busy_timeout(c->db, store_lock_wait_ms());
    return rc;
}

static void write_unlock(sqlite_store_t *s, conn_t *c)
{
    if (c->writing) {
        c->writing = false;
        pthread_mutex_unlock(&s->write_lock);
    }
}

static int wal_fds_open(sqlite_store_t *s, sqlite3 *db);

/* Commits the open group (alive: its transaction is still open) -- one
 * fsync for all of it, now or after (sync_later: *ticket, for
 * sq_durable_wait) -- or rolls it back, and wakes every member waiting
 * on it.  Called with write_lock held; returns without it.  true: committed. */
static bool group_settle(sqlite_store_t *s, bool alive, uint64_t *ticket)
{
    conn_t *w = s->wconn;
    if (alive) sq_avail_precommit(s, w->db);
    bool ok = alive && sq_ctl(w, SQ_COMMIT) == ST_OK;
    if (!ok && !sqlite3_get_autocommit(w->db)) sq_ctl(w, SQ_ROLLBACK);
    /* the commit's frames are in the log's file (walbuf flushes them at
     * the commit frame): a sync begun from now on covers them */
    *ticket = ok && s->sync_later ? __atomic_add_fetch(&s->commit_seq, 1, __ATOMIC_ACQ_REL) : 0;
    /* the search index takes the group's changes before anyone is answered */
    sq_avail_settled(s, ok);
    if (ok && s->group_kept > 0) {
        metrics_count(MET_DB_COMMITS);
        metrics_add(MET_DB_WRITE_TX, (uint64_t)s->group_kept);
    }
    s->group_kept = 0;
    sq_gmember_t *list = s->group;
    s->group = NULL;
    s->group_n = 0;
    s->group_open = false;
    pthread_mutex_unlock(&s->write_lock);
    /* each member is woken by a post of its own semaphore: a broadcast
     * on one condition variable woke them all at once to fight over
     * its mutex, one after another, on a core or two */
    while (list) {
        sq_gmember_t *next = list->next; /* read before it may be reused */
        list->ok = ok;
        list->ticket = *ticket;
        sem_post(&list->sem);
        list = next;
    }
    return ok;
}

/* Ends this thread's savepoint on wconn: released (keep) or rolled back,
 * the writers' changes before it left as they are.  true: kept. */
static bool savepoint_end(conn_t *w, bool keep)
{
    bool mine = keep;
    if (keep && sq_ctl(w, SQ_RELEASE) != ST_OK) mine = false;
    if (!mine && !sqlite3_get_autocommit(w->db)) {
        sq_ctl(w, SQ_ROLLBACK_TO);
        sq_ctl(w, SQ_RELEASE);
    }
    w->depth = 0;
    return mine;
}

/* Ends this thread's part of the open group: its savepoint released
 * (keep) or rolled back; then commits the group, or leaves it open for the
 * writers queued behind; then waits until the group is settled.  Called
 * with write_lock held; returns without it.  ST_OK: kept and durable. */
static int group_end(sqlite_store_t *s, bool keep)
{
    conn_t *w = s->wconn;
    bool mine = savepoint_end(w, keep);
    tls_wstore = NULL;
    sq_gmember_t *m = &tls_member;
    if (!m->sem_ready) {
        sem_init(&m->sem, 0, 0);
        m->sem_ready = true;
    }
    m->ok = false;
    m->next = s->group;
    s->group = m;
    s->group_n++;
    if (mine) s->group_kept++;
    /* a transaction SQLite rolled back by itself (an I/O error, a full
     * disk) cannot be handed on: it is settled, as failed, now */
    bool alive = !sqlite3_get_autocommit(w->db);
    /* nobody queued yet: give the threads that are runnable (a request
     * that just arrived) one turn to reach the queue before paying the
     * fsync alone; costs nothing when no other thread is runnable */
    if (alive && s->group_n < SQ_GROUP_MAX && __atomic_load_n(&s->wanting, __ATOMIC_ACQUIRE) == 0)
        sched_yield();
    uint64_t ticket;
    if (alive && s->group_n < SQ_GROUP_MAX && __atomic_load_n(&s->wanting, __ATOMIC_ACQUIRE) > 0)
        pthread_mutex_unlock(&s->write_lock);
    else
        group_settle(s, alive, &ticket);
    while (sem_wait(&m->sem) != 0) {
        /* EINTR: a signal; wait on */
    }
    /* committed; on disk once the log is synced (the next group may be
     * running meanwhile).  A group that failed still waits for the commits
     * before it: what its members read from them (a number already sold)
     * decides their answers. */
    int durable = sq_durable_wait(&s->sql.base, m->ok ? m->ticket : __atomic_load_n(&s->commit_seq, __ATOMIC_ACQUIRE));
    return m->ok && mine && durable == ST_OK ? ST_OK : ST_ERR;
}

/* Takes write_lock and joins the open group, or opens one on wconn (its
 * BEGIN IMMEDIATE).  ST_OK with write_lock held, else without it. */
static int group_join(sqlite_store_t *s)
{
    __atomic_add_fetch(&s->wanting, 1, __ATOMIC_ACQ_REL);
    int locked = write_lock_take(s);
    __atomic_sub_fetch(&s->wanting, 1, __ATOMIC_ACQ_REL);
    if (locked != ST_OK) return ST_ERR;
    if (!s->wconn) {
        conn_t *w = xcalloc(1, sizeof *w);
        if (sq_open_db(s, &w->db) != ST_OK) {
            free(w);
            pthread_mutex_unlock(&s->write_lock);
            return ST_ERR;
        }
        /* its commits are synced after them (sq_durable_wait) */
        if (s->sync_later && sq_exec(w->db, "PRAGMA synchronous=NORMAL") != ST_OK) {
            sq_conn_close(w);
            pthread_mutex_unlock(&s->write_lock);
            return ST_ERR;
        }
        /* the log's descriptors, for the syncs: opened now, before any
         * commit they are to sync (wal_fds_open) */
        if (s->sync_later && wal_fds_open(s, w->db) != 0) {
            sq_conn_close(w);
            pthread_mutex_unlock(&s->write_lock);
            return ST_ERR;
        }
        s->wconn = w;
        sq_avail_wconn(s, w->db);
    }
    conn_t *w = s->wconn;
    if (!s->group_open) {
        if (begin_immediate(w) != ST_OK) {
            pthread_mutex_unlock(&s->write_lock);
            return ST_ERR;
        }
        s->group_open = true;
        sq_avail_opened(s, w->db);
    }
    return ST_OK;
}

/* Joins (or opens) the group transaction on wconn: write_lock, then a
 * savepoint of this writer's own. */
static int group_begin(sqlite_store_t *s)
{
    if (group_join(s) != ST_OK) return ST_ERR;
    conn_t *w = s->wconn;
    w->depth = 1;
    w->rollback_only = false;
    if (sq_ctl(w, SQ_SAVEPOINT) != ST_OK) {
        group_end(s, false);
        return ST_ERR;
    }
    tls_wstore = s;
    return ST_OK;
}

/* ---- batches (store.h: batch_begin) ---------------------------------------
 *
 * A batch is the group's transaction held by one thread, the server's
 * writer, for a run of requests: each of its transactions is a savepoint
 * on wconn, released (or rolled back) when it ends, and tx_commit returns
 * at once -- nothing is durable until batch_end commits them all.  The
 * writer answers none of them before that (http/server.c).  What it saves:
 * the hand-offs of group commit -- the write lock passed from thread to
 * thread, each member put to sleep and woken for its answer.
 *
 * The batch holds write_lock throughout, so every statement of the thread
 * runs on wconn (CONN) and sees what the batch did so far -- reads
 * outside a transaction too: what a handler reads after its commit is
 * what it wrote.  Writers of other threads (the SIP registrar, webhook
 * delivery) queue on write_lock and form the next group; those already
 * waiting on the open group when the batch joined it are settled with it. */

bool sq_batches(store_t *st) { return ((sqlite_store_t *)st)->batch_on; }

int sq_batch_begin(store_t *st)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    if (!s->batch_on) return ST_NOTFOUND;
    conn_t *own = connreg_get(&s->sql.conns);
    if (tls_batch || tls_wstore == s || (own && own->depth > 0)) return ST_ERR;
    if (group_join(s) != ST_OK) return ST_ERR;
    s->wconn->depth = 0;
    tls_wstore = s;
    tls_batch = s;
    tls_batch_lost = false;
    return ST_OK;
}

/* An outermost transaction of the batch: a savepoint.  (A batch whose
 * transaction SQLite rolled back never gets here: sq_tx_begin found no
 * connection -- sq_conn.) */
static int batch_savepoint(sqlite_store_t *s, bool write)
{
    conn_t *w = s->wconn;
    w->rollback_only = false;
    if (sq_ctl(w, SQ_SAVEPOINT) != ST_OK) return ST_ERR;
    w->depth = 1;
    tls_batch_write = write;
    return ST_OK;
}

/* Ends the batch's open savepoint.  ST_OK: kept (not yet durable). */
static int batch_leave(sqlite_store_t *s, bool keep)
{
    conn_t *w = s->wconn;
    bool mine = savepoint_end(w, keep);
    if (mine && tls_batch_write) s->group_kept++;
    if (sqlite3_get_autocommit(w->db)) tls_batch_lost = true;
    return mine && !tls_batch_lost ? ST_OK : ST_ERR;
}

int sq_batch_end(store_t *st, uint64_t *ticket)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    *ticket = 0;
    if (tls_batch != s) return ST_ERR;
    conn_t *w = s->wconn;
    bool leaked = w->depth > 0;
    if (leaked) {
        /* a transaction left open by a request (a bug): the requests
         * after it ran inside it, their commits inner ones -- none of
         * them can be told kept, so nothing of the batch is */
        log_msg(LOG_ERROR, "sqlite: a transaction was left open in a batch; the batch is rolled back");
        w->depth = 0;
    }
    tls_batch = NULL;
    tls_wstore = NULL;
    bool alive = !leaked && !tls_batch_lost && !sqlite3_get_autocommit(w->db);
    return group_settle(s, alive, ticket) ? ST_OK : ST_ERR;
}

/* ---- the log's sync, after the commit --------------------------------------
 *
 * At synchronous=FULL SQLite syncs the log inside COMMIT, holding the
 * database's write lock (and we write_lock) through it: the writer that
 * committed a batch then waited ~1.4 ms with its core idle before it could
 * run the next one, and on one core a batch's cycle was its handlers'
 * CPU plus that sync, never the larger of the two (PERFORMANCE, session
 * 21).  So wconn commits at synchronous=NORMAL -- the frames are written
 * to the log's file, nothing is synced -- and a commit is made durable
 * after it, off every lock, by an fdatasync of the log: while it runs the
 * next batch runs.  Nobody is answered before the sync that covers his
 * commit has returned (group_end here; the HTTP server's syncer for a
 * batch), so no acknowledged write can be lost; what changes is what
 * READERS may see: a commit is visible to other connections from its
 * COMMIT, up to one sync before it is on disk (as in Redis with
 * appendfsync always).  A crash then may lose a write that a reader saw
 * but its writer was never told done -- never one that was acknowledged.
 *
 * One sync covers every commit made before it began: commit_seq counts
 * wconn's commits, and a sync started when it read n makes 1..n durable
 * (synced_seq).  Up to SQ_SYNCS_MAX threads sync at once, each on a
 * descriptor of its own (a slot); a commit that a sync under way covers
 * waits for that sync, the others for a free slot.
 *
 * A failed sync stops the process.  The commit is already visible, and
 * after a failed fsync the kernel may have dropped the dirty pages it
 * could not write and report the next fsync as a success (PostgreSQL
 * panics there for the same reason): nothing in memory can be trusted to
 * match the disk, and a restart recovers from what the disk holds.  Its
 * writers are never answered. */

/* The log's descriptors, one a sync slot, opened when wconn is (the log
 * exists then: journal_mode=WAL has read the database), before any commit
 * they are to sync.  One descriptor a slot, not one shared, and none
 * opened later: Linux reports a write-back error once to each open file
 * that was open when it happened -- of two fdatasync calls on one
 * descriptor only one would see it, and a descriptor opened after it
 * would see nothing, so either could tell its waiters their commits are
 * on disk.  The path is SQLite's own (sqlite3_filename_wal: it follows a
 * symbolic link to the database, as SQLite does).  The directory is synced
 * once too, as SQLite's first sync of a log it created does -- a new log's
 * name must survive power loss for its frames to; like SQLite, a directory
 * that cannot be synced is not an error (some file systems refuse it).
 * 0 or errno (logged; nothing kept open). */
static int wal_fds_open(sqlite_store_t *s, sqlite3 *db)
{
    const char *wal = sqlite3_filename_wal(sqlite3_db_filename(db, "main"));
    if (!wal || !*wal) {
        log_msg(LOG_ERROR, "sqlite: the database has no log to sync");
        return ENOENT;
    }
    int fds[SQ_SYNCS_MAX];
    for (int k = 0; k < SQ_SYNCS_MAX; k++) {
        fds[k] = open(wal, O_WRONLY | O_CLOEXEC);
        if (fds[k] < 0) {
            int err = errno;
            log_msg(LOG_ERROR, "sqlite: cannot open the log %s for its syncs: %s", wal, strerror(err));
            while (k-- > 0) close(fds[k]);
            return err;
        }
    }
    char *dir = xstrdup(wal);
    char *slash = strrchr(dir, '/');
    if (slash == dir) slash[1] = '\0';
    else if (slash) *slash = '\0';
    int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0)
        log_msg(LOG_WARN, "sqlite: the log's directory %s was not synced: %s", dir, strerror(errno));
    if (dfd >= 0) close(dfd);
    free(dir);
    /* the database file and its index, watched after each sync; the
     * index exists once a connection opened the database in WAL mode */
    const char *main_path = sqlite3_db_filename(db, "main");
    char shm[PATH_MAX];
    int watch[2] = {open(main_path, O_RDONLY | O_CLOEXEC), -1};
    if (snprintf(shm, sizeof shm, "%s-shm", main_path) < (int)sizeof shm)
        watch[1] = open(shm, O_RDONLY | O_CLOEXEC);
    pthread_mutex_lock(&s->sync_mu);
    memcpy(s->wal_fd, fds, sizeof fds);
    memcpy(s->watch_fd, watch, sizeof watch);
    pthread_mutex_unlock(&s->sync_mu);
    return 0;
}

/* After a sync: the log, the database file and its index must still be
 * the files their names give.  One deleted while in use (a "restore" that
 * removed the -wal or -shm under a running server) leaves this process
 * writing where no process will read -- the log's commits gone at the
 * next start, another process's writes (the CLI, with a new index) lost
 * -- while it went on answering 2xx (a helper's audit, session 37).  Then
 * nothing is acknowledged any more (sq_durable_wait: ST_ERR, answered
 * 503), and the server is asked to stop (SIGTERM): closing the last
 * connection checkpoints the log this process still holds into the
 * database file, when that one is still there. */
static void files_watch(sqlite_store_t *s, int wal_fd)
{
    static const char *const what[] = {"the log (-wal)", "the database file", "its index (-shm)"};
    int fds[3] = {wal_fd, s->watch_fd[0], s->watch_fd[1]};
    for (int i = 0; i < 3; i++) {
        struct stat sb;
        if (fds[i] < 0 || fstat(fds[i], &sb) != 0 || sb.st_nlink > 0) continue;
        pthread_mutex_lock(&s->sync_mu);
        bool first = !s->files_gone;
        s->files_gone = true;
        pthread_mutex_unlock(&s->sync_mu);
        if (first) {
            log_msg(LOG_ERROR, "sqlite: %s was deleted while the server used it: nothing is "
                    "acknowledged any more, and the server stops (never delete a database's "
                    "files under a running server: DEPLOYMENT.md)", what[i]);
            nd_exit_code_set(70); /* stops in order, but as the fault it is */
            kill(getpid(), SIGTERM);
        }
        return;
    }
}

/* A sync failed: no sync after it may advance synced_seq (another slot's
 * could return 0 for pages this one saw lost), and the process stops. */
static void sync_failed(sqlite_store_t *s, int err)
{
    pthread_mutex_lock(&s->sync_mu);
    s->sync_dead = true;
    pthread_mutex_unlock(&s->sync_mu);
    sync_stop("syncing the log", err, "commits already visible");
}

int sq_durable_wait(store_t *st, uint64_t ticket)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    if (ticket == 0) return ST_OK;
    pthread_mutex_lock(&s->sync_mu);
    while (s->synced_seq < ticket) {
        /* a sync under way that began after this commit covers it; else
         * one more may begin in a free slot beside those under way: a
         * commit that came just after a sync began need not wait for it
         * to end first */
        int k = 0;
        while (k < SQ_SYNCS_MAX && s->wal_busy[k]) k++;
        if (s->sync_upto >= ticket || k == SQ_SYNCS_MAX) {
            pthread_cond_wait(&s->sync_cv, &s->sync_mu);
            continue;
        }
        s->wal_busy[k] = true;
        uint64_t upto = __atomic_load_n(&s->commit_seq, __ATOMIC_ACQUIRE);
        if (upto > s->sync_upto) s->sync_upto = upto;
        pthread_mutex_unlock(&s->sync_mu);
        int rc;
        while ((rc = fdatasync(s->wal_fd[k])) != 0 && errno == EINTR) {
        }
        if (rc != 0) sync_failed(s, errno);
        metrics_count(MET_DB_SYNCS);
        files_watch(s, s->wal_fd[k]);
        pthread_mutex_lock(&s->sync_mu);
        while (s->sync_dead) /* the other slot's failed: the process is stopping */
            pthread_cond_wait(&s->sync_cv, &s->sync_mu);
        s->wal_busy[k] = false;
        if (upto > s->synced_seq) s->synced_seq = upto;
        pthread_cond_broadcast(&s->sync_cv);
    }
    int ret = s->files_gone ? ST_ERR : ST_OK;
    pthread_mutex_unlock(&s->sync_mu);
    return ret;
}

int sq_tx_begin(store_t *st, bool write)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    /* a group write runs on wconn: it needs no connection of the thread's
     * own, and none is opened for it (see sq_one_cred) */
    if (write && s->group_on && tls_wstore != s) {
        conn_t *own = connreg_get(&s->sql.conns);
        if (!own || own->depth == 0) return group_begin(s);
    }
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    if (c->depth > 0) {
        c->depth++;
        return ST_OK;
    }
    if (tls_batch == s) return batch_savepoint(s, write);
    if (write && s->group_on) return group_begin(s);
    c->depth++;
    c->rollback_only = false;
    if (write) {
        if (write_lock_take(s) != ST_OK) {
            c->depth = 0;
            return ST_ERR;
        }
        c->writing = true;
    }
    if ((write ? begin_immediate(c) : sq_ctl(c, SQ_BEGIN)) != ST_OK) {
        c->depth = 0;
        write_unlock(s, c);
        return ST_ERR;
    }
    return ST_OK;
}

int sq_tx_commit(store_t *st)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    conn_t *c = tls_batch == s ? s->wconn : CONN(st);
    sqls_tx_level_t lv = c ? sqls_tx_leave(&c->depth, &c->rollback_only, false) : SQLS_TX_NONE;
    if (lv != SQLS_TX_OUTER) return lv == SQLS_TX_INNER ? ST_OK : ST_ERR;
    if (tls_batch == s) return batch_leave(s, !c->rollback_only);
    if (tls_wstore == s) return group_end(s, !c->rollback_only);
    int rc = ST_OK;
    if (c->rollback_only) {
        sq_ctl(c, SQ_ROLLBACK);
        rc = ST_ERR;
    } else if (sq_ctl(c, SQ_COMMIT) != ST_OK) {
        sq_ctl(c, SQ_ROLLBACK);
        rc = ST_ERR;
    } else if (c->writing) {
        metrics_count(MET_DB_COMMITS);
        metrics_count(MET_DB_WRITE_TX);
    }
    write_unlock((sqlite_store_t *)st, c);
    return rc;
}

void sq_tx_rollback(store_t *st)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    conn_t *c = tls_batch == s ? s->wconn : CONN(st);
    if (!c || sqls_tx_leave(&c->depth, &c->rollback_only, true) != SQLS_TX_OUTER) return;
    if (tls_batch == s) {
        batch_leave(s, false);
        return;
    }
    if (tls_wstore == s) {
        /* also waits for the group: what this writer saw of the writers
         * before it is durable before its answer goes out */
        group_end(s, false);
        return;
    }
    sq_ctl(c, SQ_ROLLBACK);
    write_unlock((sqlite_store_t *)st, c);
}

/* One writer at a time: a write transaction never meets another's locks
 * in the opposite order, so none is ever aborted to break a deadlock. */
bool sq_tx_retryable(store_t *st)
{
    (void)st;
    return false;
}

/* ---- operations -------------------------------------------------------- */

int sq_read_version(store_t *st, db_version_t *out)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    memset(out, 0, sizeof *out);
    /* ":memory:" is not in WAL mode and not shared between connections;
     * inside a group's transaction nothing is to be cached */
    if (tls_wstore == s || strcmp(s->sql.target, ":memory:") == 0) return ST_NOTFOUND;
    conn_t *c = connreg_get(&s->sql.conns);
    if (c && c->depth > 0) return ST_NOTFOUND;  /* what it read may not be committed */
    /* one value for every thread: the log's header in shared memory
     * (kind 2), else the data_version of the connection that never writes,
     * which every other connection's commit moves (kind 1); the two kinds
     * never compare equal */
    if (sq_shm_version(s, &out->data, &out->gen, &out->sum) == ST_OK) {
        out->conn = 2;
        return ST_OK;
    }
    if (sq_data_version(s, &out->data) != ST_OK) return ST_ERR;
    out->gen = out->sum = 0;
    out->conn = 1;
    return ST_OK;
}

int sq_ping(store_t *st)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_PING) : NULL;
    if (!q) return ST_ERR;
    int rc = sqlite3_step(q);
    int ret = (rc == SQLITE_ROW && sqlite3_column_int(q, 0) == 1) ? ST_OK : ST_ERR;
    if (rc != SQLITE_ROW) sq_log_error(c->db, "ping");
    sq_done(q);
    return ret;
}

/* ---- open / close ------------------------------------------------------ */

/* What the SQLite store has besides its connections. */
static void close_own(store_t *st)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    sq_sbc_close(s);
    sq_avail_close(s); /* its loader takes write_lock; its statements are on wconn */
    ckpt_stop(s);
    /* after the checkpointer: its pause and resume use the anchor */
    sq_anchor_close(s);
    /* no writer is left: the store is being closed */
    if (s->wconn) sq_conn_close(s->wconn);
    if (s->cred_conn) sq_conn_close(s->cred_conn);
    pthread_mutex_destroy(&s->cred_lock);
    pthread_mutex_destroy(&s->write_lock);
    pthread_mutex_destroy(&s->ckpt_mu);
    pthread_cond_destroy(&s->ckpt_cv);
    for (int k = 0; k < SQ_SYNCS_MAX; k++)
        if (s->wal_fd[k] >= 0) close(s->wal_fd[k]);
    for (int k = 0; k < 2; k++)
        if (s->watch_fd[k] >= 0) close(s->watch_fd[k]);
    pthread_mutex_destroy(&s->sync_mu);
    pthread_cond_destroy(&s->sync_cv);
}

void sq_close(store_t *st)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    int fd = -1;
    if (s) {
        /* from here sq_dbfd opens none: one opened by a checkpoint still
         * running would never be closed */
        pthread_mutex_lock(&s->ckpt_mu);
        s->dbfd_closing = true;
        fd = s->dbfd;
        pthread_mutex_unlock(&s->ckpt_mu);
    }
    connreg_store_close(st, close_own, sq_conn_close);
    /* only now: closing any descriptor of the database file drops every
     * POSIX lock this process holds on it, its connections' included */
    if (fd >= 0) close(fd);
}

/* Process-wide SQLite settings, before its first use.  Memory statistics
 * off: with them on, every allocation SQLite makes takes one global
 * mutex, which the request threads then queue on (futex calls in a
 * third of all reads); numberd never reads those statistics. */
static void sqlite_once(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    /* the sub-journal's chunks kept for reuse (mem.c); without it, slower */
    if (sq_mem_install() != ST_OK) log_msg(LOG_WARN, "sqlite: allocator not installed (SQLite already in use)");
    /* NULL (the default VFS) if it cannot be registered: slower, not wrong */
    g_vfs = getenv("NUMBERD_NO_WALBUF") ? NULL : sq_walbuf_register();
}

/* NUMBERD_CHECKPOINT_PAGES, or CKPT_PAGES when unset: C_ERR, with *err
 * set (the caller frees it), when it is not digits only, in range. */
static int ckpt_pages_from_env(int *out, char **err)
{
    const char *v = getenv("NUMBERD_CHECKPOINT_PAGES");
    *out = CKPT_PAGES;
    if (v == NULL || *v == '\0') return C_OK;
    long n = 0;
    size_t i = 0;
    /* digits only (strtol would take a sign and spaces); past 7 of them
     * it is out of range anyway, so n cannot overflow */
    for (; v[i] >= '0' && v[i] <= '9' && i < 8; i++) n = n * 10 + (v[i] - '0');
    if (i == 0 || v[i] != '\0' || n < CKPT_PAGES_MIN || n > CKPT_PAGES_MAX) {
        *err = xasprintf("invalid NUMBERD_CHECKPOINT_PAGES %.32s: want %d-%d", v, CKPT_PAGES_MIN,
                         CKPT_PAGES_MAX);
        return C_ERR;
    }
    *out = (int)n;
    return C_OK;
}

int store_sqlite_open(const char *path, store_t **out, char **err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, sqlite_once);
    int ckpt_pages;
    if (ckpt_pages_from_env(&ckpt_pages, err) != C_OK) return C_ERR;
    /* Create the file ourselves so that it is 0600 from its first byte;
     * SQLite gives the -wal and -shm files the same mode. */
    if (strcmp(path, ":memory:") != 0) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            *err = xasprintf("cannot open %s: %s", path, strerror(errno));
            return C_ERR;
        }
        close(fd);
    }
    sqlite_store_t *s = xcalloc(1, sizeof *s);
    connreg_store_init(&s->sql, &sqlite_ops, path);
    pthread_mutex_init(&s->write_lock, NULL);
    pthread_mutex_init(&s->ver_lock, NULL);
    pthread_mutex_init(&s->cred_lock, NULL);
    pthread_mutex_init(&s->ckpt_mu, NULL);
    pthread_cond_init(&s->ckpt_cv, NULL);
    s->ckpt_pages = ckpt_pages;
    s->dbfd = -1;
    s->group_on = strcmp(path, ":memory:") != 0 && getenv("NUMBERD_NO_GROUP_COMMIT") == NULL;
    s->batch_on = s->group_on && getenv("NUMBERD_NO_BATCHES") == NULL;
    s->sync_later = s->group_on && getenv("NUMBERD_SYNC_IN_COMMIT") == NULL;
    pthread_mutex_init(&s->sync_mu, NULL);
    pthread_cond_init(&s->sync_cv, NULL);
    for (int k = 0; k < SQ_SYNCS_MAX; k++) s->wal_fd[k] = -1;
    s->watch_fd[0] = s->watch_fd[1] = -1;
    t_last_err[0] = '\0';
    conn_t *c = conn_get(s);
    if (c == NULL) {
        *err = t_last_err[0] ? xasprintf("cannot open SQLite database %s: %s", path, t_last_err)
                             : xasprintf("cannot open SQLite database %s", path);
        sq_close(&s->sql.base);
        return C_ERR;
    }
    *out = &s->sql.base;
    return C_OK;
}

/* ---- the ops table (sqlops.h) ------------------------------------------ */

static const store_ops_t sqlite_ops = {.name = "sqlite", SQL_STORE_OPS(SQL_OP_SLOT, sq_)};
