/* sqliteInt.h -- private to the SQLite backend (the files of src/store/sqlite/ only).
 *
 * The backend is one file per resource (accounts.c, inventory.c, numbers.c,
 * owned.c, subaccounts.c, apps.c, compliance.c, carriers.c, idem.c,
 * settings.c) on top of conn.c, which holds what they share and this
 * header declares: the store and its per-thread connections, the statement
 * caches, bind and column helpers, transactions, error mapping, and the
 * ops table (which is why every op is declared here); and walbuf.c, the
 * VFS every connection opens with (a commit's log writes gathered).
 *
 * Connections: one per thread (the registry of connreg.h), opened on the
 * thread's first call, in WAL mode so that readers never wait for the
 * writer.
 *
 * Statements: every statement is prepared once per connection and kept.
 * A fixed statement has a slot in the enum of store/sqltext.h (one list
 * for both backends, grouped by the file that owns it); its SQL text is
 * the shared one (sqltext.c) or, where the SQLite dialect differs, the
 * file's own, in a file-static table named sql_text indexed by that enum.
 * STMT(c, Q_X) prepares (once) and returns it.
 * Statements whose text varies (search and list filters, sqlwhere.h) sit in
 * a small per-connection cache keyed by their text (sq_stmt_dyn).  Values
 * are always bound, never spliced into SQL.
 *
 * Status: functions return ST_OK / ST_ERR / ST_NOTFOUND / ST_CONFLICT
 * (store.h); ST_ERR is always logged (and counted) where it happens.
 */
#ifndef ND_SQLITE_INT_H
#define ND_SQLITE_INT_H

#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <sqlite3.h>

#include "store/connreg.h"
#include "store/sqlshared.h"
#include "store/sqlops.h"
#include "store/sqltext.h"
#include "store/sqlwhere.h"
#include "store/store.h"


#define SQ_DYN_CACHE 32

/* The transaction-control statements every transaction runs, prepared
 * once per connection (sq_ctl): through sqlite3_exec each was parsed
 * again on every call, and the parser's allocations took SQLite's global
 * memory mutex -- a contended lock between the request threads. */
typedef enum {
    SQ_BEGIN,
    SQ_BEGIN_IMMEDIATE,
    SQ_COMMIT,
    SQ_ROLLBACK,
    SQ_SAVEPOINT,       /* SAVEPOINT nd_member */
    SQ_RELEASE,         /* RELEASE nd_member */
    SQ_ROLLBACK_TO,     /* ROLLBACK TO nd_member */
    SQ_CTL__COUNT
} sq_ctl_t;

typedef struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *q[Q__COUNT];
    sqlite3_stmt *ctl[SQ_CTL__COUNT];
    struct {
        char *sql;
        sqlite3_stmt *st;
        uint64_t used;
    } dyn[SQ_DYN_CACHE];
    uint64_t tick;
    int depth;            /* transaction nesting */
    bool rollback_only;
    bool writing;         /* holds the store's write_lock */
} conn_t;

/* A writer waiting for its group's commit (sq_tx_commit): one per thread,
 * linked into the open group's list while it waits. */
typedef struct sq_gmember {
    struct sq_gmember *next;
    bool ok;              /* the group committed (set before sem is posted) */
    uint64_t ticket;      /* its commit's, for sq_durable_wait (0: durable) */
    sem_t sem;            /* posted once when the group is settled */
    bool sem_ready;       /* sem initialized (on the thread's first write) */
} sq_gmember_t;

/* At most this many writers share one transaction (and one fsync): bounds
 * what the first of them waits for. */
#define SQ_GROUP_MAX 32

/* At most this many fdatasync calls of the log at once (sq_durable_wait):
 * a commit made just after one began need not wait for its end to begin
 * its own (one at a time was slower: 3,104-3,182 against 3,537-3,907
 * purchases/s, 16 buyers, fsync 1 ms slower). */
#define SQ_SYNCS_MAX 2

typedef struct sqlite_store {
    connreg_store_t sql;  /* the store, its file (sql.target), its connections */
    /* Writers of this process queue here, not in SQLite: a BEGIN IMMEDIATE
     * that finds the database locked waits in SQLite's busy handler, which
     * sleeps in steps of up to 100 ms -- a purchase that waited behind
     * another would take a whole step.  A mutex wakes the next writer the
     * moment the previous one commits.  (Other processes still meet the
     * busy handler; busy_timeout stays as their bound.) */
    pthread_mutex_t write_lock;
    /* Group commit (issue 20 item 4).  Every write transaction of this
     * process runs on ONE connection, wconn, under write_lock, each inside
     * a SAVEPOINT of its own (so each is atomic by itself).  A writer that
     * finishes while others wait for write_lock leaves the transaction open
     * and hands the lock on; the writer that finds nobody waiting (or the
     * SQ_GROUP_MAX-th) commits -- one fsync for the whole group -- and
     * wakes the others.  Nobody returns before its group is settled: a
     * write is answered only once it is durable, and a failed COMMIT fails
     * every member.  "Never sold twice" is unchanged: members run one after
     * another on one connection, each seeing the ones before it.
     * group_on is false for ":memory:" (each connection is a database of
     * its own): there every writer uses its own connection, as before. */
    bool group_on;
    /* batches (conn.c, sq_batch_begin): with group commit, unless
     * NUMBERD_NO_BATCHES=1 (for measuring: the writers then answer one
     * write each, in group commit) */
    bool batch_on;
    /* The log's sync, after the commit (conn.c, sq_durable_wait): wconn
     * commits at synchronous=NORMAL and its commits are made durable by
     * one fdatasync of the log each, off write_lock; unless
     * NUMBERD_SYNC_IN_COMMIT=1 (for measuring: synchronous=FULL, SQLite
     * syncs inside COMMIT, holding write_lock). */
    bool sync_later;
    uint64_t commit_seq;     /* wconn's commits so far (written under write_lock; atomic) */
    pthread_mutex_t sync_mu; /* the rest, and the sync itself */
    pthread_cond_t sync_cv;  /* a sync ended */
    uint64_t synced_seq;     /* every commit up to this one is on disk */
    uint64_t sync_upto;      /* the last commit a sync under way (or done) covers */
    int wal_fd[SQ_SYNCS_MAX];    /* the log, a descriptor a sync slot (opened with wconn) */
    bool wal_busy[SQ_SYNCS_MAX]; /* a sync runs on the slot's descriptor */
    bool sync_dead;          /* a sync failed: the process is stopping */
    /* the database file and its -shm, watched with the log after each
     * sync (files_watch: one deleted while in use) */
    int watch_fd[2];
    bool files_gone;         /* one was: nothing is acknowledged any more */
    conn_t *wconn;           /* opened on the first write; under write_lock */
    bool group_open;         /* a transaction is open on wconn */
    int group_n;             /* members waiting on the open transaction */
    int group_kept;          /* of them, those whose changes the commit keeps */
    sq_gmember_t *group;     /* their list */
    int wanting;             /* writers queued on write_lock (atomic) */
    /* The checkpointer (conn.c): a thread of its own, started on the
     * first commit that leaves ckpt_pages pages in the log, copies the log into
     * the database (a passive checkpoint: writers go on meanwhile) on its
     * own connection.  Run inside the commit, as SQLite's automatic
     * checkpoint does, it held the write lock for the copy and the
     * database file's fsync -- 15 ms and more, every ~60 purchases, with
     * every writer queued behind. */
    pthread_mutex_t ckpt_mu;
    pthread_cond_t ckpt_cv;
    pthread_t ckpt_thread;
    bool ckpt_running;       /* the thread was started (joined at close) */
    bool ckpt_wanted;        /* a commit asked for a checkpoint */
    bool ckpt_stop;          /* the store is closing */
    int ckpt_pages;          /* log pages at which a checkpoint is asked for (conn.c) */
    int dbfd;                /* sq_dbfd's descriptor of the database file (-1:
                              * not open), under ckpt_mu; closed after every
                              * connection (sq_close) */
    bool dbfd_closing;       /* sq_close has taken dbfd: sq_dbfd opens none */
    /* sbc.c: PRAGMA data_version's own connection (it reports other
     * connections' commits), opened on first use */
    pthread_mutex_t ver_lock;
    sqlite3 *ver_db;
    sqlite3_stmt *ver_q;     /* PRAGMA data_version, prepared once */
    /* the log's index header in ver_db's shared memory (sq_shm_version),
     * mapped once under ver_lock and read without it; NULL: not (yet) */
    const void *_Atomic ver_shm;
    /* it could not be mapped: not tried again.  Atomic: read without
     * ver_lock (sq_shm_version), written under it (ThreadSanitizer, two
     * nodes on one file, session 40) */
    _Atomic bool ver_shm_failed;
    uint64_t wait_version;   /* sq_sbc_wait's last data_version */
    /* The connection credential reads use on threads that have none of
     * their own (sq_one_cred), under cred_lock; opened on first use. */
    pthread_mutex_t cred_lock;
    conn_t *cred_conn;
    /* avail.c: the search index (NULL: off -- not serve, ":memory:") */
    struct sq_avail *avail;
    /* anchor.c: the read transaction held for the readers' slot locks
     * (NULL: off -- not serve, ":memory:") */
    _Atomic(struct sq_anchor *) anchor;
} sqlite_store_t;

/* ---- avail.c: the search index kept equal to the table -------------------- */

typedef struct sq_avail sq_avail_t;
/* group commit's calls (conn.c), under write_lock: wconn was opened; its
 * group's transaction began; is about to commit; was settled (committed or
 * not) -- applied before any member is answered */
void sq_avail_wconn(sqlite_store_t *s, sqlite3 *db);
void sq_avail_opened(sqlite_store_t *s, sqlite3 *db);
void sq_avail_precommit(sqlite_store_t *s, sqlite3 *db);
void sq_avail_settled(sqlite_store_t *s, bool committed);
/* A search from the index: its count (up to cap) and its page's numbers
 * and row ids (q->limit of them at most, 16 bytes each, in order); false when
 * it cannot answer now (off, loading, stale, or a filter it refuses): the
 * caller searches in SQL. */
bool sq_avail_search(sqlite_store_t *s, conn_t *c, const search_q_t *q, const sqlw_lca_t *lca,
                     int64_t cap, int64_t *total, char (*page)[16], uint32_t *ids, size_t *npage);
void sq_avail_close(sqlite_store_t *s);

/* ---- anchor.c: a read transaction held for the readers' slot locks -------- */

typedef struct sq_anchor sq_anchor_t;
/* This process's checkpoints call pause before they start (it returns once
 * the anchor holds no read transaction, which would bound what they copy
 * and keep the log from starting over) and resume, with what pause
 * returned, after; nested calls count.  pause returns NULL, and resume
 * does nothing, when the anchor is off (or not started yet). */
sq_anchor_t *sq_anchor_pause(sqlite_store_t *s);
void sq_anchor_resume(sq_anchor_t *a);
/* A commit of this process (the WAL hook): wakes the anchor if it is in a
 * quiet spell's long wait, so that it moves to the log's new end now. */
void sq_anchor_committed(sqlite_store_t *s);
/* Stops its thread and closes its connection (the store is closing). */
void sq_anchor_close(sqlite_store_t *s);

/* ---- walbuf.c: a commit's log frames written at once ------------------------ */

/* Registers the VFS that gathers each connection's log writes until its
 * commit frame (never the default VFS); its name, static, or NULL if it
 * cannot be.  Once. */
const char *sq_walbuf_register(void);
/* mem.c: SQLite's default allocator, with the sub-journal's 1 KiB chunks
 * kept for reuse.  Before SQLite's first use; ST_ERR (nothing changed)
 * after it. */
int sq_mem_install(void);

/* ---- conn.c: connections and statements ---------------------------------- */

/* Logs (and counts in metrics) a database failure of what. */
void sq_log_error(sqlite3 *db, const char *what);
/* The result rc of a checkpoint on db (sqlite3_wal_checkpoint_v2): a
 * failed sync stops the process (exit 70, as a failed sync of the log
 * does); another error is logged; SQLITE_OK and SQLITE_BUSY are nothing. */
void sq_checkpoint_result(sqlite3 *db, int rc);
/* A passive checkpoint of db (schema name, NULL: all) on the caller's
 * connection, the read anchor paused for its whole run, its result then
 * as sq_checkpoint_result takes it: every checkpoint of this process but
 * the checkpointer's (which pauses the anchor for both its passes). */
void sq_checkpoint_passive(sqlite_store_t *s, sqlite3 *db, const char *name);
/* Runs SQL without results (may hold several statements). */
int sq_exec(sqlite3 *db, const char *sql);
/* Runs transaction-control statement which on c (prepared on first use);
 * ST_OK, or ST_ERR logged as sq_exec does. */
int sq_ctl(conn_t *c, sq_ctl_t which);
/* A new connection to the store's file with the backend's pragmas and the
 * commit hook (which counts commits and asks the checkpointer for a
 * checkpoint); ST_ERR logged.  Never run PRAGMA wal_autocheckpoint on it:
 * that replaces the hook. */
int sq_open_db(sqlite_store_t *s, sqlite3 **out);
/* pthread_create(t, NULL, fn, arg) with every signal blocked in the new
 * thread (its result): serve's main thread takes them with sigwait, and
 * the store's threads (the checkpointer, the search index's loader, the
 * read anchor) may start before it has blocked them -- a SIGTERM
 * delivered to one of them would kill the process instead of stopping it
 * gracefully. */
int sq_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);
/* The store's own read-only descriptor of the database file, opened on
 * first use (-1: none -- ":memory:", it cannot be opened, or sq_close has
 * begun); the store owns it and closes it after every connection, since
 * closing any descriptor of the file drops every POSIX lock this process
 * holds on it.  For ckpt_write_back's sync_file_range and the anchor's
 * F_GETLK.  It takes ckpt_mu itself: never call it with ckpt_mu held.
 * The path is the one the store was opened with (serve never changes its
 * working directory). */
int sq_dbfd(sqlite_store_t *s);
/* Commits this process made on any of its connections (each counted once
 * it has taken place): the SBC feed's local clock, as pg_commit_count(). */
uint64_t sq_commit_count(void);
/* Finalizes a connection's (a conn_t's) statements, closes and frees it
 * (void *: the registry's close function too). */
/* PRAGMA data_version on the store's own connection that never writes
 * (ver_db, under ver_lock): moves with every commit of any connection,
 * this process's or another's (sbc.c). */
int sq_data_version(sqlite_store_t *s, uint64_t *out);
/* The log's state from its index header in shared memory, read without a
 * lock or a statement: *data (the last commit frame and the change
 * counter) and *sum change with every commit of any connection of any
 * process, *gen (the salts) with every restart of the log (sbc.c).
 * ST_NOTFOUND: not available (no shared memory mapped, no header yet,
 * another format, a header as recovery leaves it, one being written or
 * with a wrong checksum for too long); the caller falls back to
 * sq_data_version. */
int sq_shm_version(sqlite_store_t *s, uint64_t *data, uint64_t *gen, uint64_t *sum);
void sq_conn_close(void *conn);
/* The calling thread's connection (opened on first use), or NULL. */
conn_t *sq_conn(store_t *st);
#define CONN(st) sq_conn(st)

/* Fixed statement slot which, prepared from sql on first use; NULL on
 * failure (logged), or when sql is NULL (a statement with no SQLite text).  Resource files call it through STMT. */
sqlite3_stmt *sq_stmt(conn_t *c, int which, const char *sql);
/* The text of the calling file's statement which: its own table's
 * (sql_text, the SQLite dialect), else the one both backends share. */
#define SQ_SQL(which) (sql_text[(which)] ? sql_text[(which)] : sqlt_text[(which)])
#define STMT(c, which) sq_stmt((c), (which), SQ_SQL(which))
/* A statement whose text varies, from the connection's cache. */
sqlite3_stmt *sq_stmt_dyn(conn_t *c, const char *sql);
/* Resets a statement and clears its bindings (NULL: nothing). */
void sq_done(sqlite3_stmt *st);

/* ---- conn.c: binding and reading ------------------------------------------- */

void sq_bind_text(sqlite3_stmt *st, int i, const char *s);          /* NULL: NULL */
/* Binds a builder's values (sqlwhere.h), value i to parameter i + 1, up
 * to the statement's highest parameter. */
void sq_bind_vals(sqlite3_stmt *st, const sqlw_t *w);
/* A cursor over the current row of st from column 0 (sqlshared.h). */
sqls_row_t sq_row(sqlite3_stmt *st);
void sq_col_text(sqlite3_stmt *st, int i, char *out, size_t sz);

/* ---- conn.c: statements with their values in one call ------------------------- */

/* One value of a statement, bound to the parameter of its position in the
 * list (the first to ?1).  Made by the SQ_ macros, never by hand. */
typedef struct {
    enum { SQ_A_NULL, SQ_A_TEXT, SQ_A_INT, SQ_A_BLOB } kind;
    const char *s;              /* SQ_A_TEXT (bound without a copy) */
    int64_t i;                  /* SQ_A_INT */
    const void *b;              /* SQ_A_BLOB, n bytes (bound without a copy) */
    size_t n;
} sq_arg_t;

sq_arg_t sq_a_text(const char *s);              /* NULL: NULL */
sq_arg_t sq_a_text_or_null(const char *s);      /* NULL or "": NULL */
sq_arg_t sq_a_id(int64_t id);                   /* 0: NULL */
sq_arg_t sq_a_money(int64_t v);                 /* < 0: NULL (money not set, no LATA) */
sq_arg_t sq_a_blob(const void *b, size_t n);    /* n == 0: NULL */
#define SQ_T(s) sq_a_text(s)
#define SQ_TN(s) sq_a_text_or_null(s)
#define SQ_I(v) ((sq_arg_t){.kind = SQ_A_INT, .i = (int64_t)(v)})
#define SQ_ID(v) sq_a_id(v)
#define SQ_M(v) sq_a_money(v)
#define SQ_B(p, n) sq_a_blob((p), (n))
#define SQ_ARGS(...) \
    (const sq_arg_t[]){__VA_ARGS__}, ND_ARRAY_LEN(((const sq_arg_t[]){__VA_ARGS__}))

/* Binds a[0..n) to ?1..?n. */
void sq_bind_args(sqlite3_stmt *q, const sq_arg_t *a, size_t n);
/* Binds a[0..n) to ?first..?(first+n-1): one row of a multi-row statement. */
void sq_bind_args_at(sqlite3_stmt *q, int first, const sq_arg_t *a, size_t n);
/* Prepares (once) the calling file's statement which, binds the values and
 * runs it (sq_run); *changes (when not NULL) is the rows it changed. */
int sq_run_args(store_t *st, int which, const char *sql, int *changes, const sq_arg_t *a,
                size_t n);
/* The same, expecting exactly one changed row: ST_NOTFOUND otherwise. */
int sq_run1_args(store_t *st, int which, const char *sql, const sq_arg_t *a, size_t n);
/* The same for a read of one row (sq_one_row). */
int sq_one_args(store_t *st, int which, const char *sql, sqls_reader_fn rd, void *out,
                const sq_arg_t *a, size_t n);
#define SQ_RUN(st, which, changes, ...) \
    sq_run_args((st), (which), SQ_SQL(which), (changes), SQ_ARGS(__VA_ARGS__))
#define SQ_RUN1(st, which, ...) sq_run1_args((st), (which), SQ_SQL(which), SQ_ARGS(__VA_ARGS__))
/* The same for an INSERT: *id gets the new row's rowid when it succeeded
 * (left alone otherwise). */
int sq_insert_args(store_t *st, int which, const char *sql, int64_t *id, const sq_arg_t *a,
                   size_t n);
#define SQ_INSERT(st, which, id, ...) \
    sq_insert_args((st), (which), SQ_SQL(which), (id), SQ_ARGS(__VA_ARGS__))
#define SQ_ONE(st, which, rd, out, ...) \
    sq_one_args((st), (which), SQ_SQL(which), (rd), (out), SQ_ARGS(__VA_ARGS__))
/* sq_one_args for the reads that authenticate a request (an account by
 * auth_id or id, an API key, the credential epoch).  A thread that has no
 * connection of its own and is in no transaction -- a writer thread
 * (--write-threads), whose writes all run on wconn -- reads on the
 * store's one credential connection (cred_conn, under a mutex) instead
 * of opening one: a connection is ~200 KB (schema, cache, statements),
 * and sixteen writer threads each opened one for their first
 * authentication (bench/run: 72 MiB resident against 62 without them).
 * Such reads are rare: the credential cache answers the rest. */
int sq_one_cred(store_t *st, int which, const char *sql, sqls_reader_fn rd, void *out,
                const sq_arg_t *a, size_t n);
#define SQ_ONE_CRED(st, which, rd, out, ...) \
    sq_one_cred((st), (which), SQ_SQL(which), (rd), (out), SQ_ARGS(__VA_ARGS__))

/* A reader (sqls_reader_fn) of one text column into out[sz]: rows is a
 * sq_text_out_t. */
typedef struct {
    char *out;
    size_t sz;
} sq_text_out_t;
void sq_rd_text(sqls_row_t *r, void *rows, size_t i);

/* ---- conn.c: running statements ---------------------------------------------- */

/* Steps a write once: ST_OK, ST_CONFLICT on a constraint, ST_ERR (logged
 * as what).  Does not reset. */
int sq_step(conn_t *c, sqlite3_stmt *q, const char *what);
/* Steps a query once: ST_OK on a row (read it, then sq_done), ST_NOTFOUND
 * when there is none, ST_ERR (logged as what).  Does not reset. */
int sq_step_row(conn_t *c, sqlite3_stmt *q, const char *what);
/* sq_step, then reset; with changes != NULL, *changes is the rows it
 * changed. */
int sq_run(conn_t *c, sqlite3_stmt *q, const char *what, int *changes);
/* sq_run expecting exactly one changed row: ST_NOTFOUND otherwise. */
int sq_run1(conn_t *c, sqlite3_stmt *q, const char *what);
/* Steps q once: ST_OK with row 0 read by rd into out, ST_NOTFOUND when
 * there is none, ST_ERR on failure.  Resets q. */
int sq_one_row(conn_t *c, sqlite3_stmt *q, sqls_reader_fn rd, void *out, const char *what);
/* Calls fn on each row of q until fn returns other than C_OK (the walk
 * then stops, and that is no failure); ST_ERR (logged) on a database
 * failure.  Resets q. */
int sq_each(conn_t *c, sqlite3_stmt *q, int (*fn)(sqls_row_t *r, void *ud), void *ud,
            const char *what);
/* sq_each over the calling file's fixed statement which (prepared once)
 * with the values a[0..n); resource files call it through SQ_EACH (no
 * values) or SQ_EACH_V (values as in SQ_RUN). */
int sq_each_args(store_t *st, int which, const char *sql, int (*fn)(sqls_row_t *r, void *ud),
                 void *ud, const sq_arg_t *a, size_t n);
#define SQ_EACH(st, which, fn, ud) \
    sq_each_args((st), (which), SQ_SQL(which), (fn), (ud), NULL, 0)
#define SQ_EACH_V(st, which, fn, ud, ...) \
    sq_each_args((st), (which), SQ_SQL(which), (fn), (ud), SQ_ARGS(__VA_ARGS__))
/* Steps rows_q for up to limit rows (read by rd into rows) and count_q
 * for the total, inside one read transaction so both see the same data.
 * Both statements are bound by the caller and reset here. */
int sq_page_and_count(store_t *st, conn_t *c, sqlite3_stmt *rows_q, sqlite3_stmt *count_q,
                      int limit, sqls_reader_fn rd, void *rows, size_t *nrows, int64_t *total,
                      const char *what);
/* sq_page_and_count over the calling file's fixed statements rows_which
 * and count_which (prepared once), with the values a[0..n): the rows
 * statement takes them all (its filters, then limit and offset), the count
 * statement the leading ones its parameters name (the filters).  Resource
 * files call it through SQ_PAGE (values as in SQ_RUN) or, for a list of an
 * account's records (applications, carriers: ?1 account_id, ?2 sub_id (0:
 * any), ?3 name (NULL: any), ?4 limit, ?5 offset), SQ_PAGE_SCOPED. */
int sq_page_args(store_t *st, int rows_which, const char *rows_sql, int count_which,
                 const char *count_sql, int limit, sqls_reader_fn rd, void *rows, size_t *nrows,
                 int64_t *total, const char *what, const sq_arg_t *a, size_t n);
#define SQ_PAGE(st, rows_which, count_which, limit, rd, rows, nrows, total, what, ...)        \
    sq_page_args((st), (rows_which), SQ_SQL(rows_which), (count_which), SQ_SQL(count_which), \
                 (limit), (rd), (rows), (nrows), (total), (what), SQ_ARGS(__VA_ARGS__))
#define SQ_PAGE_SCOPED(st, rows_which, count_which, account_id, sub_id, name, limit, offset, rd, \
                       rows, nrows, total, what)                                             \
    SQ_PAGE(st, rows_which, count_which, limit, rd, rows, nrows, total, what, SQ_I(account_id), \
            SQ_I(sub_id), SQ_T(name), SQ_I(limit), SQ_I(offset))
/* The same for two statements whose text varies, both bound from w. */
int sq_page_dyn(store_t *st, conn_t *c, const sqlw_t *w, const char *sql_rows,
                const char *sql_count, int limit, sqls_reader_fn rd, void *rows,
                size_t *nrows, int64_t *total, const char *what);

/* ---- the ops --------------------------------------------------------------- */

/* sq_close, sq_migrate, ... sq_ping: one per op of store_ops_t, each in the
 * file its group in sqlops.h names; conn.c assembles the table. */
SQL_STORE_OPS(SQL_OP_DECL, sq_)
/* carriers.c: reads cr's gateways (cr->id) into cr->gw, on conn (a conn_t) */
int sq_carrier_gateways(void *conn, carrier_t *cr);
/* carriers.c: one carrier (the calling file's statement which, with the
 * values a[0..n), its row read by sqls_rd_carrier) and its gateways, in
 * one snapshot; out is filled (carrier_clear) only on ST_OK.  Called
 * through SQ_CARRIER_ONE (values as in SQ_RUN). */
int sq_carrier_one(store_t *st, int which, const char *sql, carrier_t *out, const char *what,
                   const sq_arg_t *a, size_t n);
#define SQ_CARRIER_ONE(st, which, out, what, ...) \
    sq_carrier_one((st), (which), SQ_SQL(which), (out), (what), SQ_ARGS(__VA_ARGS__))
/* sbc.c: closes PRAGMA data_version's connection */
void sq_sbc_close(sqlite_store_t *s);

#endif
