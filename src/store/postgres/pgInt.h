/* pgInt.h -- private to the PostgreSQL backend of store.h (src/store/postgres/),
 * for several numberd nodes on one database: the store and its per-thread
 * connections, the statement table, parameters and result cursors,
 * transactions, and the prototypes of every file of the backend.  Included
 * only by the .c files of src/store/postgres/.
 *
 * Connections (conn.c).  One libpq connection per thread (the registry
 * of connreg.h, as in the SQLite backend), opened on the thread's first call.
 * Every statement is prepared once per connection (PQprepare) and kept:
 * the fixed ones named "q<n>" by enum (their SQL text lives in sqltext.c
 * when both backends share it, else in the file of their resource, in a
 * table pg_sql_<file>[]), those whose WHERE clause depends on which filters are
 * given (search, the owned-number list) in a 32-entry cache keyed by SQL
 * text, named "d<n>".  PostgreSQL plans a prepared statement for its
 * values the first five times and then keeps a generic plan only if it is
 * no costlier, so a filter whose selectivity matters keeps custom plans.
 * Values are always bound, never spliced into SQL.  A connection found
 * dead is reset (PQreset) and its statements prepared again; a statement
 * that failed because the connection died is sent once more on the new
 * connection only when it is safe to run twice (a read, BEGIN, an
 * idempotent write: stmts.c's retry_safe_reads and retry_safe_writes) and
 * only outside a transaction: inside one, the transaction died with its
 * connection and the caller's commit fails; a write whose reply was lost
 * may have been committed, and fails (503) rather than run twice.
 *
 * Transactions nest by counting, as in the SQLite backend.  A read
 * transaction is REPEATABLE READ: one snapshot for all it reads (in a
 * batch, tx.c, it is a savepoint of the batch's READ COMMITTED one).  (The store's own reads
 * need none: a list's page and count, a carrier and its gateways, are each
 * one statement, hence one snapshot even inside a write transaction.)  A write
 * transaction is READ COMMITTED plus the inventory lock (below) taken in
 * shared mode at BEGIN.  It does NOT serialise writers the way SQLite's
 * BEGIN IMMEDIATE does; instead every state change that two nodes may race
 * on is made safe by itself:
 *
 *  - Purchase: one conditional UPDATE ... WHERE state = 0.  Under READ
 *    COMMITTED a second buyer blocks on the row, then PostgreSQL re-checks
 *    the WHERE clause on the committed row and finds it sold: 0 rows,
 *    ST_NOTFOUND.  Inside a write transaction number_get_available also
 *    locks the row (FOR UPDATE), so the loser waits there and then reads
 *    "not available" before doing any other work.
 *  - Read-check-write sequences of the core (update a number, an
 *    application, a carrier; unrent; operator status) read their row
 *    through the *_get ops, which inside a write transaction lock it (FOR
 *    UPDATE): a second writer waits, then reads the first one's result, so
 *    no update is lost.  Rows that are only referred to (the default
 *    application a number will point at; a carrier numbers are added
 *    through, carrier_head) are locked FOR SHARE,
 *    so that deleting them waits for the reference to commit and then sees
 *    it (app_delete locks its row first, then unlinks numbers, then
 *    deletes).  A subaccount read by auth_id inside a write transaction is
 *    locked FOR UPDATE, which also blocks the foreign-key checks of rows
 *    being added to it, so sub_delete's "move everything, then delete"
 *    cannot miss a row added meanwhile.
 *  - Idempotency keys: idem_get takes pg_advisory_xact_lock on a hash of
 *    (account, key) before reading, in its own statement (so the read that
 *    follows has a snapshot taken after the wait): a second request with
 *    the same key, on any node, waits for the first one's commit and then
 *    reads its stored answer.
 *  - Adding numbers: INSERT ... ON CONFLICT DO NOTHING; no row inserted is
 *    ST_CONFLICT (the unique number, or any other unique key).  Inserts
 *    never raise unique violations, because an error aborts a PostgreSQL
 *    transaction and the core retries some inserts inside one (a fresh id
 *    after a collision).  Adders insert a request's numbers in ascending
 *    order (core/numadd.c): two requests adding the same numbers in
 *    opposite orders would otherwise deadlock, where one must win.
 *    (An UPDATE that hits a unique key -- renaming an application or a
 *    carrier to a taken name -- does abort the transaction: ST_CONFLICT,
 *    and the core rolls back.)
 *  - Carrier delete vs. numbers added on another node: carrier_delete
 *    locks the carrier row FOR UPDATE, then counts its numbers, then
 *    deletes.  numadd reads the carrier through carrier_head inside its
 *    write transaction, which locks it FOR SHARE (adders do not wait for
 *    each other), so the delete waits for the adders, or they for it, and
 *    then sees its result; and numbers.carrier_id is a foreign key, so a
 *    carrier with numbers cannot disappear in any case.  A carrier's
 *    update (FOR UPDATE) waits for them the same way.
 *  - Aging sweep: one UPDATE ... WHERE state = 3 AND released_at <= cutoff;
 *    every node runs it, and a row returned by one node no longer matches
 *    the other's WHERE clause.
 *  - Inventory import: import_row must answer inserted / updated / refused
 *    at once, yet rows are written in batches (COPY + one upsert), so the
 *    import decides from a local picture of the rows it reads ahead.  That
 *    picture must not change under it: each batch holds the inventory lock
 *    (advisory, exclusive) from its first read to its commit, and every
 *    write transaction holds the same lock in shared mode from BEGIN, as
 *    SQLite's import holds the database's write lock per batch.  The lock
 *    is taken at BEGIN, before any row lock, so it cannot deadlock with
 *    row locks (a batch of writes, tx.c, takes it once at its BEGIN).  lock_timeout is 15 s, as SQLite's busy timeout, but a
 *    request's statement_timeout (5 s by default, conn.c) ends a wait first.
 *
 * Deleting an application or a subaccount locks it, then its numbers.
 * Updating a number takes the same order: the subaccount and application
 * it is being assigned to are locked before the number (core/owned.c,
 * lock_refs).  It used to take the number first; when both met on the
 * same rows PostgreSQL detected the deadlock and aborted one of them, a
 * 503 (tests/api/counters.test.js reproduces it).  SQLite runs one writer
 * at a time and never met it.
 *
 * Batches (tx.c, since session 29): a node's HTTP writer runs the writes
 * that arrive together as savepoints of one transaction, which holds
 * every row lock they took until its COMMIT.  The orders above hold
 * within each write, not across the writes of a batch: two nodes' batches
 * writing the same rows in opposite orders can deadlock where two single
 * writes could not.  The loser's savepoint is rolled back, its batch
 * commits what it kept, and the core runs the write again (core_retry).
 * Counter rows, which every purchase and add touches, are kept out of it:
 * a batch writer counts in a slot no other session uses (0017).
 */
#ifndef ND_STORE_PGINT_H
#define ND_STORE_PGINT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/connreg.h"
#include "store/sqlshared.h"
#include "store/sqlops.h"
#include "store/sqltext.h"
#include "store/sqlwhere.h"
#include "store/store.h"
#include "util/round.h"

/* Advisory lock keys: (namespace, id) pairs of int4, a space of their own
 * (one-bigint keys, used for idempotency, never collide with them). */
#define LOCK_NS "1853189474" /* 'numb' */
#define LOCK_MIGRATE "1"
#define LOCK_INVENTORY "2"
/* 3: the adders' turns until session 28 (an older node may take it still) */
/* a carrier's turns (carriers.c): its adders shared, its writers
 * exclusive; the second key is the carrier's id (its low 31 bits) */
#define LOCK_NS_CARRIER "1851880050" /* 'nacr' */
/* adders of one account on one counter slot (owned.c); the second key is
 * the owner's id times 16 plus the slot, pid mod 16 (low 31 bits); a
 * batch writer on a slot of its own (0017) takes none */
#define LOCK_NS_ADD "1851876452" /* 'nadd' */
/* 4: the rounds of numberd_sequence() (migration 0014_sequencer, in SQL),
 * which give the SBC change log's seqs and the event log's ids after the
 * writers' COMMITs (tx.c's pg_committed) */
/* a batch writer's own counter slot, 16..31, held by its session
 * (migration 0017, numberd_claim_slot; tx.c's pg_batch_begin) */
#define LOCK_NS_SLOT "1853058164" /* 'nslt' */
/* registrations: the second key is the carrier id (registrations.c);
 * until session 37, when its key became a bucket of carriers */
#define LOCK_NS_REG "1852990823" /* 'nreg' */
#define LOCK_NS_REG_BUCKET "1852991330" /* 'nrgb': the second key a bucket, 0-63 */
/* gateway probing: one node probes every gateway (registrations.c) */
#define LOCK_PROBE "5"
/* webhooks (webhooks.c): the delivery claims' turn, second key 0; an
 * owner's endpoint creations' turn, second key the owner's id */
#define LOCK_NS_WH "1853319275" /* 'nwhk' */
#define LOCK_NS_WH_OWNER "1853319279" /* 'nwho' */

/* The fixed statements are named in store/sqltext.h (one list for both
 * backends).  Their text: the shared one (sqltext.c, ?N read as $N), or
 * this backend's own in one table per file, pg_sql_<file>[], which names
 * only its own statements (the others are NULL).  pg_sql() finds a
 * statement's text; the texts are loaded once, at the first open, which
 * checks that no statement has two. */
extern const char *const pg_sql_conn[Q__COUNT];
extern const char *const pg_sql_settings[Q__COUNT];
extern const char *const pg_sql_accounts[Q__COUNT];
extern const char *const pg_sql_inventory[Q__COUNT];
extern const char *const pg_sql_numbers[Q__COUNT];
extern const char *const pg_sql_owned[Q__COUNT];
extern const char *const pg_sql_subaccounts[Q__COUNT];
extern const char *const pg_sql_apps[Q__COUNT];
extern const char *const pg_sql_compliance[Q__COUNT];
extern const char *const pg_sql_carriers[Q__COUNT];
extern const char *const pg_sql_idem[Q__COUNT];
extern const char *const pg_sql_sbc[Q__COUNT];
extern const char *const pg_sql_registrations[Q__COUNT];
extern const char *const pg_sql_credentials[Q__COUNT];
extern const char *const pg_sql_webhooks[Q__COUNT];
extern const char *const pg_sql_events[Q__COUNT];

/* stmts.c: loads the statements' texts (once per process) and checks the
 * retry list; called by every open. */
void pg_stmts_init(void);
/* The SQL text of fixed statement `which` (static storage). */
const char *pg_sql(int which);
/* May this statement (fixed `which`, or with which < 0 the text sql) be
 * sent again after its connection died? */
bool pg_retry_safe(int which, const char *sql);

/* A page and its exact total in ONE statement, hence one snapshot even
 * inside a READ COMMITTED transaction: the count is the outer row, the
 * page is joined to it (LEFT JOIN LATERAL keeps the count when the page is
 * empty).  Column 0 is the total; the page's columns follow, NULL when
 * there is no row. */
#define PAGE(count_from_where, rows_select) \
    "SELECT t.n, p.* FROM (SELECT count(*) AS n " count_from_where ") t " \
    "LEFT JOIN LATERAL (" rows_select ") p ON true"

/* ---- the store and its connections (conn.c) ------------------------------ */

#define DYN_CACHE 32

#define PG_LIST_HINTS 16

typedef struct conn {
    PGconn *pg;
    bool prepared[Q__COUNT];
    /* statements whose text varies (search and list filters), prepared
     * when first seen and kept, least recently used out */
    struct {
        char *sql;
        unsigned id;      /* server-side name "d<id>" */
        uint64_t used;
    } dyn[DYN_CACHE];
    uint64_t tick;
    unsigned dyn_seq;
    int depth;            /* transaction nesting */
    bool tx_write;        /* the outermost transaction is a write transaction */
    bool rollback_only;   /* an inner level rolled back */
    bool tx_failed;       /* a statement failed: PostgreSQL aborted the transaction */
    bool add_locked;      /* this transaction has its adders' turn (owned.c) */
    /* the server aborted this transaction to break a deadlock or a
     * serialization conflict (40P01, 40001): another run may succeed.
     * Kept past the rollback, for the core to ask (tx_retryable), and
     * cleared by the next outermost BEGIN. */
    bool tx_retry;
    /* a batch (tx.c, pg_batch_begin): the thread's outermost transactions
     * are savepoints of one transaction, committed at batch_end */
    bool batch;           /* a batch is running on this connection */
    bool batch_open;      /* its transaction has begun (BEGIN sent) */
    bool batch_wrote;     /* it wrote something that was kept */
    bool batch_lost;      /* it failed: nothing of it will be kept */
    int batch_kept;       /* its write transactions kept so far */
    /* a batch's savepoints cost no round trip of their own (tx.c): one
     * begun is sent with its first statement, one kept is released with
     * the next savepoint (or committed with the batch) */
    bool sp_due;          /* the open savepoint t is not sent yet */
    bool rel_due;         /* the savepoint t before it was kept, not yet released */
    bool slot_asked;      /* numberd_claim_slot() ran in this session (0017) */
    bool slot_own;        /* and gave it a counter slot no other session uses */
    /* How long to wait for a reply before the connection is taken for
     * dead (ms; 0: forever): the session's statement_timeout plus a
     * grace, since a server that is alive answers by then (an error at
     * worst).  A blackholed connection -- a hung server, a proxy that
     * forwards nothing -- would otherwise hold its thread for ever. */
    int reply_ms;
    int stmt_ms;          /* the session's statement_timeout (ms; 0: none) */
    bool timed_out;       /* the last wait gave up: no blind resend */
    bool unbound;         /* pg_unbound: statement_timeout lifted */
    bool rebind_at_end;   /* pg_send_rows lifted it: restored after its rows */
    int64_t reconnect_failed_ms; /* monotonic time of the last failed reconnect (0: none) */
    /* owned.c's choice of plan for a list filtered by type or services,
     * learned from the counters of the last such list (a hint: a stale
     * one costs time, never a wrong answer) */
    struct {
        int64_t owner_id, sub_id;
        char type[16];
        int caps;
        bool used, direct;
    } list_hint[PG_LIST_HINTS];
} conn_t;

typedef struct {
    connreg_store_t sql;  /* the store, its URL (sql.target), its connections */
    PGconn *listen;       /* sbc.c: LISTEN numberd_sbc (the feed thread's) */
    /* sbc.c: the oldest committed change without its seq the feed's thread
     * last saw ("" none), and when it looked (monotonic ms) */
    char unseq_xid[24];
    int64_t unseq_at;
    /* conn.c's pg_read_version: its rounds, and the last one's version */
    round_t ver_round;
    db_version_t ver;     /* under ver_round.mu */
    bool ver_ok;
    bool batch_on;        /* tx.c's batches (off: NUMBERD_NO_BATCHES set) */
} pg_store_t;

/* tx.c: a batch's statements outside a transaction.  pg_batch_wrap:
 * true when c is in a batch's transaction and no transaction of the
 * thread is open: the statement is then sent inside a savepoint of its
 * own, which pg_batch_unwrap ends with its result (r: NULL when nothing
 * was sent).  pg_batch_settle commits what the batch kept so far when no
 * transaction of the thread is open (before a stream of rows). */
bool pg_batch_wrap(conn_t *c);
void pg_batch_unwrap(conn_t *c, const PGresult *r);
void pg_batch_settle(conn_t *c);
/* tx.c: a batch's savepoint not sent yet (sp_due).  pg_batch_sp_take:
 * how many statements are due (0, 1 or 2: a release of the kept one
 * before it, then the savepoint), their texts in sql (static), and clears
 * them: the caller sends them, one statement each, in the round trip of
 * the statement they precede (conn.c, a pipeline).  pg_batch_sp_flush
 * sends them by themselves, before a statement that cannot go with them;
 * ST_ERR: the batch is lost. */
int pg_batch_sp_take(conn_t *c, const char *sql[2]);
int pg_batch_sp_flush(conn_t *c);

/* ---- statement values ------------------------------------------------------ */

/* One value of a fixed statement ($1, $2, ... in order), made by the v_*
 * functions and passed as PG_V(v_int(id), v_text(name), ...): a typed
 * list, so a statement's values read as one line and none is bound by
 * hand.  Text and blobs are borrowed: they must outlive the call. */
typedef enum { PV_NULL, PV_TEXT, PV_INT, PV_BOOL, PV_BLOB } pg_vkind_t;
typedef struct {
    pg_vkind_t kind;
    const char *s;        /* PV_TEXT, PV_BLOB */
    int64_t i;            /* PV_INT, PV_BOOL; PV_BLOB: its length */
} pg_val_t;

/* NULL is NULL */
static inline pg_val_t v_text(const char *s)
{
    return (pg_val_t){s ? PV_TEXT : PV_NULL, s, 0};
}

/* "" is stored as NULL too, as the SQLite backend's bind_text_or_null */
static inline pg_val_t v_textn(const char *s)
{
    return v_text((s && *s) ? s : NULL);
}

static inline pg_val_t v_int(int64_t v)
{
    return (pg_val_t){PV_INT, NULL, v};
}

/* a row id: 0 is "none", NULL */
static inline pg_val_t v_id(int64_t v)
{
    return v ? v_int(v) : v_text(NULL);
}

static inline pg_val_t v_bool(bool b)
{
    return (pg_val_t){PV_BOOL, NULL, b};
}

/* sent as binary, so that no escaping is involved; n == 0: NULL */
static inline pg_val_t v_blob(const uint8_t *b, size_t n)
{
    return n ? (pg_val_t){PV_BLOB, (const char *)b, (int64_t)n} : v_text(NULL);
}

/* The two arguments (array, count) of a statement's values. */
#define PG_V(...)                                       \
    (const pg_val_t[]){__VA_ARGS__},                    \
        (int)(sizeof((const pg_val_t[]){__VA_ARGS__}) / sizeof(pg_val_t))
#define PG_NONE NULL, 0

/* ---- reading results ------------------------------------------------------ */

/* A cursor over one row's columns, read left to right (sqlshared.h's
 * sqls_row_t, so that the shared sqls_read_* readers fill the records):
 * row `row` of the PGresult r, from column col. */
sqls_row_t pg_row(const PGresult *r, int row, int col);

/* The next column's text, NULL for NULL; it belongs to the PGresult. */
static inline const char *rd_val(sqls_row_t *d)
{
    const PGresult *r = d->res;
    int col = d->col++;
    return PQgetisnull(r, d->row, col) ? NULL : PQgetvalue(r, d->row, col);
}

/* The backend's own small readers go through the same column readers as
 * the shared ones (conn.c's row ops). */
static inline void rd_copy(sqls_row_t *d, char *out, size_t sz)
{
    d->ops->text(d, out, sz);
}

static inline int64_t rd_i64(sqls_row_t *d)
{
    return d->ops->i64(d, 0);
}

static inline int rd_int(sqls_row_t *d)
{
    return (int)rd_i64(d);
}

/* NULL is "not set": -1 (money, a LATA) */
static inline int64_t rd_money(sqls_row_t *d)
{
    return d->ops->i64(d, -1);
}

/* A bytea in text form ("\x0a1b...") into out; *n = 0 when NULL or too long. */
void pg_rd_blob(sqls_row_t *d, uint8_t *out, size_t sz, size_t *n);
/* A hash (IDS_HASH_SZ bytes) into out; all zero when NULL or another size. */
void pg_rd_hash(sqls_row_t *d, uint8_t out[IDS_HASH_SZ]);

/* A sqls_reader_fn for one bigint column (a count, a RETURNING id) into
 * ((int64_t *)rows)[i]. */
void pg_rd_i64(sqls_row_t *d, void *rows, size_t i);
/* A sqls_reader_fn for one text column into a caller's buffer. */
typedef struct {
    char *s;
    size_t sz;
} pg_text_out_t;
void pg_rd_text(sqls_row_t *d, void *rows, size_t i);
/* Called for each row of a walk (pg_each); C_OK: go on. */
typedef int (*row_each_fn)(sqls_row_t *d, void *arg);

/* ---- connections and statements (conn.c) --------------------------------- */

/* The calling thread's connection (opened on first use; owned by the
 * store), or NULL when it cannot connect (logged). */
conn_t *pg_conn(store_t *st);
/* The calling thread's connection if it has one; never opens one. */
conn_t *pg_conn_if_open(store_t *st);
/* A connection of its own (the import's); the caller pg_conn_close()s it.
 * NULL when it cannot connect, with the reason in *err (the caller frees
 * it), or logged when err is NULL. */
conn_t *pg_conn_open(const char *url, char **err);
/* A libpq connection to url with numberd's connection defaults (connect
 * timeout, TCP keepalives, tcp_user_timeout; the URL's own parameters win)
 * and session settings (lock_timeout, statement_timeout unless the URL,
 * role or server sets one); *reply_ms (may be NULL) gets the reply bound
 * to use on it (conn_t.reply_ms).  NULL on failure, *err (malloc'd,
 * redacted) saying why.  The caller owns the connection (PQfinish). */
PGconn *pg_connect(const char *url, int *reply_ms, int *stmt_ms, char **err);
/* wait.c: the bounds on waiting for the server (the reasoning heads
 * wait.c).  The session's statement_timeout unless configured otherwise;
 * after a failed reconnect, fail at once for PG_RECONNECT_BACKOFF_MS
 * instead of waiting out another connect timeout per request. */
#define PG_STMT_TIMEOUT_MS 5000
/* the sessions' lock_timeout ('15s' in their SET); also the reply bound's
 * base where statement_timeout is 0 */
#define PG_LOCK_TIMEOUT_MS 15000
#define PG_RECONNECT_BACKOFF_MS 1000
/* CLOCK_MONOTONIC in milliseconds */
int64_t pg_mono_ms(void);
/* the reply bound for a statement_timeout of stmt_ms (0: none) */
int pg_reply_of(int stmt_ms);
/* the results of what was just sent on c, as PQexec gives them, within
 * c's reply bound; a timeout is noted for conn_ensure's backoff.  Caller
 * PQclears the result. */
PGresult *pg_collect(conn_t *c);
/* true when r (may be NULL) is a success */
bool pg_res_ok(const PGresult *r);
/* PQexec with c's reply bound: the last result (the first error when one
 * failed); NULL when nothing could be sent.  Caller PQclears it. */
PGresult *pg_exec_raw(conn_t *c, const char *sql);
/* The same for several statements in one string; *rows (may stay NULL)
 * receives the first earlier one's rows.  Caller PQclears both. */
PGresult *pg_exec_raw_rows(conn_t *c, const char *sql, PGresult **rows);
/* PQexec on a bare connection with a reply bound of ms (0: none). */
PGresult *pg_exec_bounded(PGconn *pg, int ms, const char *sql);
/* PQgetResult with c's reply bound (single-row and COPY loops); after
 * the last result of pg_send_rows' statement, the bounds it lifted are
 * restored. */
PGresult *pg_next_result(conn_t *c);
/* Long work on c (an import, a stream of millions of rows): no
 * statement_timeout, and replies awaited up to reply_ms (0: for ever).
 * pg_rebound restores the session's bounds. */
#define PG_LONG_REPLY_MS 120000
int pg_unbound(conn_t *c, int reply_ms);
void pg_rebound(conn_t *c);
/* Closes and frees a conn_t (void *: the registry's close function too). */
void pg_conn_close(void *conn);
/* Maps a result (NULL: nothing could be sent) to ST_OK / ST_CONFLICT
 * (SQLSTATE class 23) / ST_ERR (logged, counted in the db error metric);
 * any failure inside a transaction marks it failed. */
int pg_status(conn_t *c, const PGresult *r, const char *what);
/* The statement functions below take c == NULL (pg_conn failed: logged)
 * and then answer ST_ERR, so that an op may pass pg_conn(st) straight on.
 * v, nv: the statement's values, PG_V(...) or PG_NONE. */

/* Runs fixed statement `which`.  On ST_OK, *out (if out) receives the
 * result, which the caller PQclear()s, and *changes (if changes) the
 * number of rows the statement wrote or returned. */
int pg_exec(conn_t *c, int which, const pg_val_t *v, int nv, PGresult **out, int64_t *changes);
/* Runs fixed statement `which` and reports ST_NOTFOUND when it wrote no row. */
int pg_write1(conn_t *c, int which, const pg_val_t *v, int nv);
/* ST_OK with the first row read by rd into out, ST_NOTFOUND when there is
 * none, ST_ERR on failure. */
int pg_one_row(conn_t *c, int which, const pg_val_t *v, int nv, sqls_reader_fn rd, void *out);
/* Calls fn for each row, in order, until it answers other than C_OK (the
 * call is still ST_OK: the caller knows why it stopped). */
int pg_each(conn_t *c, int which, const pg_val_t *v, int nv, row_each_fn fn, void *arg);
/* A PAGE() statement: column 0 the total, then up to limit rows. */
int pg_page(conn_t *c, int which, const pg_val_t *v, int nv, int limit, sqls_reader_fn rd,
            void *rows, size_t *nrows, int64_t *total);
/* pg_page of a list of an account's records (applications, carriers): the
 * statement takes $1 account_id, $2 sub_id (0: any), $3 name (NULL: any),
 * $4 limit, $5 offset (the SQLite backend's sq_page_scoped). */
static inline int pg_page_scoped(conn_t *c, int which, int64_t account_id, int64_t sub_id,
                                 const char *name, int limit, int offset, sqls_reader_fn rd,
                                 void *rows, size_t *nrows, int64_t *total)
{
    return pg_page(c, which,
                   PG_V(v_int(account_id), v_int(sub_id), v_text(name), v_int(limit),
                        v_int(offset)),
                   limit, rd, rows, nrows, total);
}
/* Up to max rows of fixed statement `which`, read by rd into rows[0..*n). */
int pg_rows(conn_t *c, int which, const pg_val_t *v, int nv, int max, sqls_reader_fn rd,
            void *rows, size_t *n);
/* Runs fixed statement `which` with its rows fetched one at a time
 * (libpq's single-row mode: a million rows never sit in memory), calling
 * fn for each until it answers other than C_OK; then the server is told
 * to stop sending (the call is still ST_OK; *stopped, when not NULL, says
 * whether fn stopped it).  A failure is logged as what. */
int pg_stream(conn_t *c, int which, const pg_val_t *v, int nv, row_each_fn fn, void *arg,
              const char *what, bool *stopped);

/* Statements whose text varies (search and list filters), with the values
 * the WHERE builder w recorded (w may be NULL: none); prepared once per
 * connection in a cache keyed by their text. */
int pg_exec_dyn(conn_t *c, const char *sql, const sqlw_t *w, PGresult **out);
/* pg_each for a statement the WHERE builder wrote (sql, its values in w). */
int pg_each_dyn(conn_t *c, const char *sql, const sqlw_t *w, row_each_fn fn, void *arg);
int pg_page_dyn(conn_t *c, const char *sql, const sqlw_t *w, int limit, sqls_reader_fn rd,
                void *rows, size_t *nrows, int64_t *total);
/* pg_page_dyn whose statement ends each row with one more integer column,
 * read (from the first row) into *last (NULL: none, pg_page_dyn); the
 * rows' reader stops before it. */
int pg_page_dyn_last(conn_t *c, const char *sql, const sqlw_t *w, int limit, sqls_reader_fn rd,
                     void *rows, size_t *nrows, int64_t *total, int64_t *last);

/* A parameterless command (BEGIN, COMMIT, ...), as a simple query: it may
 * hold several statements.  Never sent twice: a command whose connection
 * died fails (its outcome is unknown). */
int pg_simple(conn_t *c, const char *sql);
/* The same for a command that is safe to run twice (BEGIN, a read, a SET):
 * when the connection was found dead outside a transaction, sent once
 * more on a fresh one. */
int pg_simple_retry(conn_t *c, const char *sql);

/* Inside a write transaction, lookups use their locking variant: plain
 * or locked, whichever applies on c. */
static inline int pg_lockq(const conn_t *c, int plain, int locked)
{
    return (c && c->depth > 0 && c->tx_write) ? locked : plain;
}

/* pg_one_row on the calling thread's connection of plain, or of its
 * locking variant locked inside a write transaction (pg_lockq): the read
 * of every row a read-check-write sequence of the core may change. */
static inline int pg_one_locking(store_t *st, int plain, int locked, const pg_val_t *v, int nv,
                                 sqls_reader_fn rd, void *out)
{
    conn_t *c = pg_conn(st);
    return pg_one_row(c, pg_lockq(c, plain, locked), v, nv, rd, out);
}

/* ---- transactions (tx.c) ------------------------------------------------ */

void pg_tx_reset(conn_t *c);
/* COMMIT, checked (an aborted transaction's COMMIT answers ROLLBACK);
 * never sent twice.  wrote: the transaction may have logged rows, whose
 * ids a round gives after the COMMIT (pg_committed below; a batch's
 * COMMIT gives them before, inside it: tx.c). */
int pg_commit_checked(conn_t *c, const char *what, bool wrote);
int pg_tx_begin(store_t *st, bool write);
int pg_tx_commit(store_t *st);
void pg_tx_rollback(store_t *st);
/* Ends the write transaction an op opened around its statements: commit
 * when rc is ST_OK (or ST_NOTFOUND with notfound_commits: nothing was
 * written, and an enclosing transaction must not be made to roll back),
 * else roll back.  Returns rc, or ST_ERR when the commit fails. */
int pg_tx_end(store_t *st, int rc, bool notfound_commits);

/* ---- rows shared between files -------------------------------------------- */


/* carriers.c: a carrier with its gateways, for SELECT pg_carrier_select()
 * (the carrier columns, then its gateways as JSON); the reader of its rows */
#define PG_CARRIER_SELECT                                                                     \
    "SELECT " SQLS_CARRIER_COLS ", "                                                          \
    "(SELECT json_agg(json_build_array(g.sid, g.address, g.port, g.netmask, g.inbound, "      \
    "g.outbound, " SQLS_GW_DOWN ", g.transport) ORDER BY g.pos) FROM carrier_gateways g WHERE g.carrier = c.id) "            \
    SQLS_CARRIER_FROM
void pg_rd_carrier(sqls_row_t *d, void *rows, size_t i);
/* tx.c: successful COMMITs of this process (the SBC feed's local clock);
 * pg_commit_note counts one.  pg_committed(c, wrote): after a write
 * outside a transaction (conn.c's run), when it wrote, a sweep of
 * numberd_sequence (the event log's ids and the SBC log's seqs, migration
 * 0014) before the count, so that a lookup that sees the count also finds
 * the change in the log; pg_commit_checked does the same for a COMMIT,
 * with a round for its transaction's rows only.  pg_sequence: a sweep. */
uint64_t pg_commit_count(void);
void pg_commit_note(void);
bool pg_sequence(conn_t *c);
void pg_committed(conn_t *c, bool wrote);
/* A round failed and no sweep has completed since: committed rows wait
 * without ids (tx.c; the SBC feed is not current meanwhile). */
bool pg_sequence_owed(void);

/* ---- the ops --------------------------------------------------------------- */

/* pg_close, pg_migrate, ... pg_ping: one per op of store_ops_t, each in the
 * file its group in sqlops.h names; conn.c assembles the table. */
SQL_STORE_OPS(SQL_OP_DECL, pg_)
/* sbc.c: closes the LISTEN connection */
void pg_sbc_close(store_t *st);

#endif
