/* conn.c -- the PostgreSQL backend's connections (one per thread), its
 * statements (prepared once per connection: fixed ones by enum, the
 * filter-dependent ones in a cache by text), the mapping of results to
 * store statuses, open/close, ping, and the ops table (the statements'
 * texts and which may be retried: stmts.c; the bounds on waiting for the
 * server: wait.c; transactions: tx.c).
 * The reasoning behind the backend's locking heads pgInt.h. */
#include "store/postgres/pgInt.h"
#include "util/redact.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "util/log.h"
#include "util/metrics.h"

static const store_ops_t pg_ops;

const char *const pg_sql_conn[Q__COUNT] = {
    /* reads the catalog: fails on a database without numberd's schema,
     * unlike "SELECT 1" */
    [Q_PING] = "SELECT to_regclass('numbers') IS NOT NULL",
    /* the snapshot a statement would take now: "xmin:xmax:xip,..." */
    [Q_READ_VERSION] = "SELECT pg_current_snapshot()",
};

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* A bytea in text form ("\x0a1b..."); *n = 0 when NULL or too long. */
void pg_rd_blob(sqls_row_t *d, uint8_t *out, size_t sz, size_t *n)
{
    const char *v = rd_val(d);
    *n = 0;
    if (!v || v[0] != '\\' || v[1] != 'x') return;
    size_t len = strlen(v + 2) / 2;
    if (len > sz) return;
    for (size_t i = 0; i < len; i++) {
        int hi = hexval((unsigned char)v[2 + 2 * i]), lo = hexval((unsigned char)v[3 + 2 * i]);
        if (hi < 0 || lo < 0) return;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *n = len;
}

/* ---- parameters ---------------------------------------------------------- */

/* as many as the WHERE builder may record (sqlwhere.h) */
#define PMAX SQLW_MAX_VALS

/* Statement parameters, in order ($1, $2, ...).  Text, except byte
 * strings, which go as binary so that no escaping is involved.  Numbers
 * are formatted into the struct itself: it must outlive the call. */
typedef struct {
    int n;
    const char *v[PMAX];
    int len[PMAX];
    int fmt[PMAX];
    char num[PMAX][24];
} params_t;

/* Appends v as the next parameter. */
static void p_add(params_t *p, pg_val_t v)
{
    if (p->n >= PMAX) nd_panic("postgres: more than %d parameters", PMAX);
    int i = p->n++;
    p->v[i] = NULL; /* PV_NULL */
    p->len[i] = 0;
    p->fmt[i] = 0;
    switch (v.kind) {
    case PV_NULL: break;
    case PV_TEXT: p->v[i] = v.s; break;
    case PV_BOOL: p->v[i] = v.i ? "t" : "f"; break;
    case PV_INT:
        snprintf(p->num[i], sizeof p->num[i], "%lld", (long long)v.i);
        p->v[i] = p->num[i];
        break;
    case PV_BLOB: /* binary: no escaping involved */
        p->v[i] = v.s;
        p->len[i] = (int)v.i;
        p->fmt[i] = 1;
        break;
    }
}

/* The values of a fixed statement. */
static void params_of(params_t *p, const pg_val_t *v, int nv)
{
    for (int i = 0; i < nv; i++) p_add(p, v[i]);
}

/* The values a WHERE builder recorded, in its order: value i is $i+1. */
static void params_of_w(params_t *p, const sqlw_t *w)
{
    for (size_t i = 0; w && i < w->n; i++)
        p_add(p, w->v[i].kind == SQLW_TEXT ? v_text(w->v[i].text) : v_int(w->v[i].i));
}

/* sqlshared's column readers over a PGresult (text format) */
static void row_text(sqls_row_t *r, char *out, size_t sz)
{
    const char *v = rd_val(r);
    size_t n = v ? strlen(v) : 0;
    if (n >= sz) n = sz - 1;
    if (n) memcpy(out, v, n);
    out[n] = '\0';
}

static int64_t row_i64(sqls_row_t *r, int64_t if_null)
{
    const char *v = rd_val(r);
    return v ? strtoll(v, NULL, 10) : if_null;
}

static bool row_bool(sqls_row_t *r)
{
    const char *v = rd_val(r);
    return v && v[0] == 't';
}

static const sqls_row_ops_t row_ops = {row_text, row_i64, row_bool, pg_rd_blob};

sqls_row_t pg_row(const PGresult *r, int row, int col)
{
    return (sqls_row_t){&row_ops, r, row, col};
}

void pg_rd_hash(sqls_row_t *d, uint8_t out[IDS_HASH_SZ])
{
    uint8_t h[IDS_HASH_SZ];
    size_t n = 0;
    memset(out, 0, IDS_HASH_SZ);
    pg_rd_blob(d, h, sizeof h, &n);
    if (n == IDS_HASH_SZ) memcpy(out, h, IDS_HASH_SZ);
}

/* ---- connections -------------------------------------------------------- */

/* Server notices ("relation already exists, skipping") are not errors:
 * debug log, not stderr. */
static void on_notice(void *arg, const char *msg)
{
    (void)arg;
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') n--;
    log_msg(LOG_DEBUG, "postgres: %.*s", (int)n, msg);
}

static PGresult *prep_bounded(conn_t *c, const char *name, const char *sql)
{
    if (!PQsendPrepare(c->pg, name, sql, 0, NULL)) return NULL;
    return pg_collect(c);
}

static PGresult *execp_bounded(conn_t *c, const char *name, const params_t *p)
{
    if (!PQsendQueryPrepared(c->pg, name, p->n, p->v, p->len, p->fmt, 0)) return NULL;
    return pg_collect(c);
}

/* A batch's savepoint with the statement it precedes, in one round trip
 * (tx.c, savepoint_end, says why): the npre statements due
 * (pg_batch_sp_take), then the prepared statement, in a pipeline.
 * Returns the first failure, else the statement's result; NULL when
 * nothing could be sent.  A savepoint that failed loses the batch (as
 * batch_savepoint's would have); a pipeline left unfinished drops the
 * connection. */
#define PIPE_MAX_RESULTS 16 /* three queries, their ends and the sync: far fewer */
static PGresult *execp_after_savepoint(conn_t *c, const char *const *pre, int npre,
                                       const char *name, const params_t *p)
{
    PGconn *pg = c->pg;
    PGresult *out = NULL; /* the first failure, else the statement's own result */
    int failed_at = -1, q = 0; /* q: the query whose results come; npre is the statement */
    bool sent = PQenterPipelineMode(pg) == 1;
    for (int i = 0; i < npre && sent; i++)
        sent = PQsendQueryParams(pg, pre[i], 0, NULL, NULL, NULL, NULL, 0) == 1;
    sent = sent && PQsendQueryPrepared(pg, name, p->n, p->v, p->len, p->fmt, 0) == 1 &&
           PQpipelineSync(pg) == 1;
    for (int n = 0; sent && n < PIPE_MAX_RESULTS; n++) {
        PGresult *r = pg_next_result(c);
        if (!r) { /* one query's results are over */
            if (PQstatus(pg) != CONNECTION_OK) break;
            q++;
            continue;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        /* the first failure is the one to tell; else the statement's (never
         * a savepoint's success, should the statement's result not come) */
        if ((out && !pg_res_ok(out)) || (pg_res_ok(r) && q != npre)) {
            PQclear(r);
            continue;
        }
        if (!pg_res_ok(r)) failed_at = q;
        PQclear(out);
        out = r;
    }
    if (PQpipelineStatus(pg) != PQ_PIPELINE_OFF && !PQexitPipelineMode(pg)) {
        /* results left unread: the connection's state is unknown */
        log_msg(LOG_ERROR, "postgres: a pipeline did not finish: connection dropped");
        shutdown(PQsocket(pg), SHUT_RDWR);
        c->batch_lost = true;
        if (out && pg_res_ok(out)) {
            PQclear(out);
            out = NULL;
        }
    }
    /* the savepoint may not exist: a ROLLBACK TO t would undo the write
     * before, kept -- nothing more of the batch may run */
    if (!sent || (failed_at >= 0 && failed_at < npre) || PQstatus(pg) != CONNECTION_OK)
        c->batch_lost = true;
    return out;
}


/* The session's settings, on a new or reset connection.  NULL, or why not
 * (libpq's message, owned by pg). */
static const char *session_setup(PGconn *pg, int *reply_ms, int *stmt_ms)
{
    const char *why = NULL;
    /* bounded by the default until the session's own is known */
    int bound = pg_reply_of(PG_STMT_TIMEOUT_MS);
    /* what sets statement_timeout: 'default' when nobody did */
    PGresult *r = pg_exec_bounded(pg, bound,
                                  "SELECT setting, source, current_setting('synchronous_commit') "
                                  "FROM pg_settings WHERE name = 'statement_timeout'");
    int stmt = PG_STMT_TIMEOUT_MS;
    bool ours = true, async = false;
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        why = PQerrorMessage(pg);
    } else {
        if (strcmp(PQgetvalue(r, 0, 1), "default") != 0) {
            stmt = atoi(PQgetvalue(r, 0, 0)); /* ms */
            ours = false;
        }
        /* A 2xx means the write is on disk (RELIABILITY.md): with
         * synchronous_commit off (a common tuning, set for the server, the
         * database or the role) a COMMIT returns before its WAL is flushed,
         * and a crash of the database then loses writes numberd answered
         * (a helper's audit: a purchase answered 201 was for sale again).
         * So this session turns it on; any stronger setting (remote_apply,
         * remote_write, local) is left as the operator chose it. */
        async = strcmp(PQgetvalue(r, 0, 2), "off") == 0;
    }
    PQclear(r);
    if (async) {
        static atomic_bool warned;
        if (!atomic_exchange(&warned, true))
            log_msg(LOG_DEBUG, "postgres: synchronous_commit is off for numberd's role or database: "
                              "numberd's sessions set it on (an answered write must survive a crash "
                              "of the database)");
    }
    if (why == NULL) {
        /* as SQLite's busy timeout: a writer queued behind an import batch
         * (or any lock) gives up instead of hanging; statement_timeout,
         * when shorter, ends the wait first.  numberd.rounds: this session
         * gives the logs' ids in rounds after its commits, or its batches'
         * before theirs (tx.c), so the triggers that give them at COMMIT
         * skip its rows (0014) */
        char sql[192];
        if (ours)
            snprintf(sql, sizeof sql,
                     "SET lock_timeout = '15s'; SET statement_timeout = %d; SET numberd.rounds = on%s",
                     stmt, async ? "; SET synchronous_commit = on" : "");
        else
            snprintf(sql, sizeof sql, "SET lock_timeout = '15s'; SET numberd.rounds = on%s",
                     async ? "; SET synchronous_commit = on" : "");
        r = pg_exec_bounded(pg, bound, sql);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) why = PQerrorMessage(pg);
        PQclear(r);
    }
    if (stmt < 0) stmt = 0;
    /* statement_timeout 0 (the operator's "no limit") lifts the server's
     * limit, not numberd's wait for a server that went silent: a request
     * then waits for its reply as long as a lock may hold it (lock_timeout)
     * and the grace, and no longer.  Before, it waited for ever, and so did
     * its client: no 503 (a helper's audit, session 38). */
    if (reply_ms) *reply_ms = pg_reply_of(stmt > 0 ? stmt : PG_LOCK_TIMEOUT_MS);
    if (stmt_ms) *stmt_ms = stmt;
    return why;
}

/* Sessions this process began (connections and reconnects): part of the
 * read version (pg_read_version), so that no answer kept before a
 * session was lost is given after -- a failover to a standby that had not
 * received the last commits gives the same xids again. */
static _Atomic uint64_t g_sessions;

PGconn *pg_connect(const char *url, int *reply_ms, int *stmt_ms, char **err)
{
    /* The URL is expanded in place of dbname: what it sets overrides the
     * keywords before it (the bounds above) and is overridden by those
     * after it (numberd speaks UTF-8).  The application name is only a
     * fallback. */
    const char *const kw[] = {"connect_timeout",   "keepalives",         "keepalives_idle",
                              "keepalives_interval", "keepalives_count", "tcp_user_timeout",
                              "dbname",            "fallback_application_name",
                              "client_encoding",   NULL};
    const char *const val[] = {"3", "1", "5", "2", "3", "10000", url, "numberd", "UTF8", NULL};
    PGconn *pg = PQconnectdbParams(kw, val, 1);
    const char *why = NULL;
    if (pg == NULL) {
        why = "out of memory";
    } else if (PQstatus(pg) != CONNECTION_OK) {
        why = PQerrorMessage(pg);
    } else if (PQserverVersion(pg) < 130000) {
        /* xid8, pg_current_xact_id (0014) and pg_current_snapshot (the
         * kept answers' version) came with 13 */
        why = "PostgreSQL 13 or later is required";
    }
    if (why == NULL) {
        PQsetNoticeProcessor(pg, on_notice, NULL);
        why = session_setup(pg, reply_ms, stmt_ms);
        g_sessions++;
    }
    if (why) {
        /* libpq may quote the URL, or its password bare ('invalid
         * percent-encoded token: "..."'): the message leaves without it */
        char *msg = redact_dup_url(why, url);
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = '\0';
        if (err) *err = msg;
        else free(msg);
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

static void dyn_forget(conn_t *c)
{
    for (int i = 0; i < DYN_CACHE; i++) {
        free(c->dyn[i].sql);
        c->dyn[i].sql = NULL;
        c->dyn[i].used = 0;
    }
}

void pg_conn_close(void *conn)
{
    conn_t *c = conn;
    PQfinish(c->pg);
    dyn_forget(c);
    free(c);
}

/* The database unreachable, refusing sessions, out of disk: a fault every
 * statement meets until it ends, one line (log.h log_fault), not one a
 * request; a statement that succeeds ends it (pg_status). */
static log_fault_t g_fault = LOG_FAULT_INIT;

/* SQLSTATEs of an outage, not of a statement: class 08 connection, 53
 * insufficient resources (disk full, too many connections), 57P operator
 * intervention (shutdown, cannot connect now; not 57014, a statement
 * cancelled by its statement_timeout), 58 system error. */
static bool outage_state(const char *state)
{
    return state && (strncmp(state, "08", 2) == 0 || strncmp(state, "53", 2) == 0 ||
                     strncmp(state, "57P", 3) == 0 || strncmp(state, "58", 2) == 0);
}

conn_t *pg_conn_open(const char *url, char **err)
{
    char *why = NULL;
    /* the session's bounds go straight into the connection, where a
     * reconnect (conn_ensure) sets them again */
    conn_t *c = xcalloc(1, sizeof *c);
    c->pg = pg_connect(url, &c->reply_ms, &c->stmt_ms, &why);
    if (c->pg) return c;
    free(c);
    if (err) {
        *err = why;
    } else {
        log_fault(&g_fault, LOG_ERROR, "postgres: cannot connect: %s", why);
        free(why);
    }
    return NULL;
}

static conn_t *conn_get(pg_store_t *s)
{
    conn_t *c = connreg_get(&s->sql.conns);
    if (c) return c;
    c = pg_conn_open(s->sql.target, NULL);
    if (c) connreg_add(&s->sql.conns, c);
    return c;
}

conn_t *pg_conn(store_t *st)
{
    return conn_get((pg_store_t *)st);
}

void pg_thread_release(store_t *st)
{
    pg_store_t *s = (pg_store_t *)st;
    conn_t *c = connreg_get(&s->sql.conns);
    if (c && c->depth == 0) connreg_release(&s->sql.conns, pg_conn_close);
}

conn_t *pg_conn_if_open(store_t *st)
{
    return connreg_get(&((pg_store_t *)st)->sql.conns);
}

/* A dead connection is reset outside a transaction; inside one, the
 * transaction is lost and stays failed until the caller ends it. */
static int conn_ensure(conn_t *c)
{
    if (PQstatus(c->pg) == CONNECTION_OK) return ST_OK;
    /* a batch's transaction died with the connection too: a statement
     * after it must not run by itself on a new one (tx.c) */
    if (c->depth > 0 || c->batch_open) {
        if (c->depth > 0) c->tx_failed = true;
        if (c->batch_open) c->batch_lost = true;
        return ST_ERR;
    }
    /* a reconnect that just failed is not tried again at once: during an
     * outage every request would wait out its own connect timeout */
    int64_t now = pg_mono_ms();
    if (c->reconnect_failed_ms && now - c->reconnect_failed_ms < PG_RECONNECT_BACKOFF_MS)
        return ST_ERR;
    /* error, not warn: it is often an outage's first line, and the fault's
     * later ones are held (log_fault) */
    log_fault(&g_fault, LOG_ERROR, "postgres: connection lost, reconnecting");
    PQreset(c->pg);
    /* the server forgot the prepared statements with the old session */
    memset(c->prepared, 0, sizeof c->prepared);
    c->slot_asked = c->slot_own = false; /* the slot went with the old session */
    dyn_forget(c);
    const char *why = PQstatus(c->pg) == CONNECTION_OK
                          ? session_setup(c->pg, &c->reply_ms, &c->stmt_ms)
                          : PQerrorMessage(c->pg);
    if (why) {
        c->reconnect_failed_ms = pg_mono_ms();
        log_fault(&g_fault, LOG_ERROR, "postgres: reconnect failed: %s", why);
        /* a session half set up is no session */
        if (PQstatus(c->pg) == CONNECTION_OK) shutdown(PQsocket(c->pg), SHUT_RDWR);
        return ST_ERR;
    }
    c->reconnect_failed_ms = 0;
    g_sessions++;
    return ST_OK;
}

bool pg_res_ok(const PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Names in *name fixed statement `which` on c, preparing it the first
 * time.  Returns NULL, or the failed PQprepare's result. */
static PGresult *prepare_fixed(conn_t *c, int which, char name[16])
{
    snprintf(name, 16, "q%d", which);
    if (c->prepared[which]) return NULL;
    /* a failed Parse aborts the transaction: a batch's savepoint first
     * (failing, it lost the batch, which send_q_once checks: NULL here
     * means nothing to report, not prepared) */
    if (pg_batch_sp_flush(c) != ST_OK) return NULL;
    PGresult *r = prep_bounded(c, name, pg_sql(which));
    if (!pg_res_ok(r)) return r;
    PQclear(r);
    c->prepared[which] = true;
    return NULL;
}

/* Names in *name the prepared statement for sql on c, preparing it when
 * new (the least recently used one makes room).  Returns NULL, or the
 * failed PQprepare's result. */
static PGresult *dyn_prepare(conn_t *c, const char *sql, char name[16])
{
    int lru = 0;
    for (int i = 0; i < DYN_CACHE; i++) {
        if (c->dyn[i].sql && strcmp(c->dyn[i].sql, sql) == 0) {
            c->dyn[i].used = ++c->tick;
            snprintf(name, 16, "d%u", c->dyn[i].id);
            return NULL;
        }
        if (c->dyn[i].used < c->dyn[lru].used) lru = i;
    }
    if (pg_batch_sp_flush(c) != ST_OK) return NULL; /* as prepare_fixed */
    if (c->dyn[lru].sql) {
        char q[32];
        snprintf(q, sizeof q, "DEALLOCATE d%u", c->dyn[lru].id);
        PGresult *r = pg_exec_raw(c, q);
        PQclear(r);
        free(c->dyn[lru].sql);
        c->dyn[lru].sql = NULL;
    }
    unsigned id = ++c->dyn_seq;
    snprintf(name, 16, "d%u", id);
    PGresult *r = prep_bounded(c, name, sql);
    if (!pg_res_ok(r)) return r;
    PQclear(r);
    c->dyn[lru].sql = xstrdup(sql);
    c->dyn[lru].id = id;
    c->dyn[lru].used = ++c->tick;
    return NULL;
}

/* Sends fixed statement `which` (or, with which < 0, the statement whose
 * text is sql), prepared once per connection.  A statement that fails
 * because the connection died is sent once more on a fresh connection
 * only when it is safe to run twice (retry_safe) and no transaction was
 * open, neither by the store's count nor by the server's (inside one, the
 * transaction died with the connection).  Returns the result, NULL when
 * nothing could be sent. */
static PGresult *send_q_once(conn_t *c, int which, const char *sql, const params_t *p);

/* In a batch's transaction a statement outside a transaction is a
 * savepoint of its own (tx.c): failing, it must not abort the batch. */
static PGresult *send_q(conn_t *c, int which, const char *sql, const params_t *p)
{
    bool wrapped = pg_batch_wrap(c);
    /* a lost batch runs nothing more: not in it, nor by itself; nor does
     * a statement whose batch could not begin (its BEGIN timed out on the
     * inventory lock behind an import batch): run by itself, a write would
     * commit alone, and the round of ids after it would begin the batch's
     * transaction and hold the rounds' lock until the batch ended (a
     * helper's review, session 33) */
    if (c->batch && (c->batch_lost || (!wrapped && c->depth == 0))) return NULL;
    PGresult *r = send_q_once(c, which, sql, p);
    if (wrapped) pg_batch_unwrap(c, r);
    return r;
}

static PGresult *send_q_once(conn_t *c, int which, const char *sql, const params_t *p)
{
    static const params_t none = {0};
    if (!p) p = &none;
    for (int attempt = 0;; attempt++) {
        if (c->depth > 0 && c->tx_failed) return NULL;
        if (conn_ensure(c) != ST_OK) return NULL;
        bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
        c->timed_out = false;
        PGresult *r = NULL;
        char name[16];
        const char *due[2];
        r = which >= 0 ? prepare_fixed(c, which, name) : dyn_prepare(c, sql, name);
        if (r == NULL && !(c->batch && c->batch_lost)) {
            int ndue = pg_batch_sp_take(c, due);
            r = ndue ? execp_after_savepoint(c, due, ndue, name, p) : execp_bounded(c, name, p);
        }
        if (pg_res_ok(r)) return r;
        /* not after a reply that never came: the server (or the way to
         * it) is not answering, and another try would double the wait */
        if (attempt == 0 && c->depth == 0 && idle && PQstatus(c->pg) == CONNECTION_BAD &&
            !c->timed_out && pg_retry_safe(which, which >= 0 ? NULL : sql)) {
            PQclear(r);
            continue;
        }
        return r;
    }
}

/* Maps a result to ST_OK / ST_CONFLICT (integrity constraint, SQLSTATE
 * class 23) / ST_ERR (logged).  Any failure inside a transaction marks it
 * failed: PostgreSQL accepts nothing more in it but ROLLBACK. */
int pg_status(conn_t *c, const PGresult *r, const char *what)
{
    if (r && pg_res_ok(r)) {
        log_fault_over(&g_fault, "postgres: the database answers again");
        return ST_OK;
    }
    if (c->depth > 0) c->tx_failed = true;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && strncmp(state, "23", 2) == 0) return ST_CONFLICT;
    if (c->depth > 0 && state && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0))
        c->tx_retry = true;
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg) msg = PQstatus(c->pg) == CONNECTION_OK ? "the transaction has already failed"
                                                      : PQerrorMessage(c->pg);
    metrics_count(MET_DB_ERRORS);
    log_fault(PQstatus(c->pg) != CONNECTION_OK || outage_state(state) ? &g_fault : NULL, LOG_ERROR,
              "postgres: %.80s: %s%s%s%s", what, msg, state ? " (SQLSTATE " : "", state ? state : "",
              state ? ")" : "");
    return ST_ERR;
}

/* A statement (fixed `which`, or with which < 0 the text sql) with its
 * values; see pg_exec. */
static int run(conn_t *c, int which, const char *sql, const params_t *p, PGresult **out,
               int64_t *changes)
{
    if (!c) return ST_ERR;
    PGresult *r = send_q(c, which, sql, p);
    int rc = pg_status(c, r, which >= 0 ? pg_sql(which) : sql);
    if (rc == ST_OK && changes) *changes = strtoll(PQcmdTuples(r), NULL, 10);
    /* a write outside any transaction committed on its own (not in a
     * batch: there it is a savepoint, kept with the batch): counted, as a
     * COMMIT is (pg_commit_checked), so that a lookup applies it before it
     * answers (sbcfeed_sync).  Here, not in each writer: a write that
     * forgot to count (an upstream carrier's health check deleted, until
     * 2026-12-06) reached the SBC index only with the feed's NOTIFY.  No
     * statement writes through a SELECT but numberd_sequence's rounds
     * (tx.c), which give ids and count nothing. */
    if (rc == ST_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE &&
        strncmp(PQcmdStatus(r), "SELECT", 6) != 0)
        pg_committed(c, strtoll(PQcmdTuples(r), NULL, 10) != 0); /* no row: no trigger logged */
    if (rc == ST_OK && out) *out = r;
    else PQclear(r);
    return rc;
}

int pg_exec(conn_t *c, int which, const pg_val_t *v, int nv, PGresult **out, int64_t *changes)
{
    params_t p = {0};
    params_of(&p, v, nv);
    return run(c, which, NULL, &p, out, changes);
}

int pg_exec_dyn(conn_t *c, const char *sql, const sqlw_t *w, PGresult **out)
{
    params_t p = {0};
    params_of_w(&p, w);
    return run(c, -1, sql, &p, out, NULL);
}

/* A parameterless command as a simple query (it may hold several
 * statements); retry: it is safe to send again on a fresh connection when
 * the first one died (see send_q). */
static int simple(conn_t *c, const char *sql, bool retry)
{
    PGresult *r = NULL;
    if (!c) return ST_ERR;
    /* a batch's savepoint not sent yet goes first (the one that can
     * wait for a statement is send_q's) */
    if (pg_batch_sp_flush(c) != ST_OK) return ST_ERR;
    for (int attempt = 0;; attempt++) {
        if (conn_ensure(c) != ST_OK) return pg_status(c, NULL, sql);
        bool idle = PQtransactionStatus(c->pg) == PQTRANS_IDLE;
        c->timed_out = false;
        r = pg_exec_raw(c, sql);
        /* a connection that died while idle is only noticed here: outside
         * a transaction (BEGIN itself), send again on a new one -- unless
         * no reply came at all (see send_q) */
        if (pg_res_ok(r) || !retry || attempt > 0 || c->depth > 0 || !idle || c->timed_out ||
            PQstatus(c->pg) != CONNECTION_BAD)
            break;
        PQclear(r);
    }
    int rc = pg_status(c, r, sql);
    PQclear(r);
    return rc;
}

int pg_simple(conn_t *c, const char *sql)
{
    return simple(c, sql, false);
}

int pg_simple_retry(conn_t *c, const char *sql)
{
    return simple(c, sql, true);
}

int pg_write1(conn_t *c, int which, const pg_val_t *v, int nv)
{
    int64_t n = 0;
    int rc = pg_exec(c, which, v, nv, NULL, &n);
    if (rc != ST_OK) return rc;
    return n >= 1 ? ST_OK : ST_NOTFOUND;
}

int pg_one_row(conn_t *c, int which, const pg_val_t *v, int nv, sqls_reader_fn rd, void *out)
{
    PGresult *r = NULL;
    int rc = pg_exec(c, which, v, nv, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) > 0) {
        sqls_row_t d = pg_row(r, 0, 0);
        rd(&d, out, 0);
    } else {
        rc = ST_NOTFOUND;
    }
    PQclear(r);
    return rc;
}

void pg_rd_i64(sqls_row_t *d, void *rows, size_t i)
{
    ((int64_t *)rows)[i] = rd_i64(d);
}

void pg_rd_text(sqls_row_t *d, void *rows, size_t i)
{
    pg_text_out_t *o = &((pg_text_out_t *)rows)[i];
    rd_copy(d, o->s, o->sz);
}

int pg_each(conn_t *c, int which, const pg_val_t *v, int nv, row_each_fn fn, void *arg)
{
    PGresult *r = NULL;
    if (pg_exec(c, which, v, nv, &r, NULL) != ST_OK) return ST_ERR;
    for (int i = 0; i < PQntuples(r); i++) {
        sqls_row_t d = pg_row(r, i, 0);
        if (fn(&d, arg) != C_OK) break;
    }
    PQclear(r);
    return ST_OK;
}

int pg_each_dyn(conn_t *c, const char *sql, const sqlw_t *w, row_each_fn fn, void *arg)
{
    PGresult *r = NULL;
    int rc = pg_exec_dyn(c, sql, w, &r);
    if (rc != ST_OK) return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        sqls_row_t d = pg_row(r, i, 0);
        if (fn(&d, arg) != C_OK) break;
    }
    PQclear(r);
    return ST_OK;
}

/* Runs a PAGE() statement and reads it: column 0 the total, then up to
 * limit rows. */
static int page_of(conn_t *c, int which, const char *sql, const params_t *p, int limit,
                   sqls_reader_fn rd, void *rows, size_t *nrows, int64_t *total, int64_t *last)
{
    PGresult *r = NULL;
    *nrows = 0;
    *total = 0;
    if (last) *last = 0;
    int rc = run(c, which, sql, p, &r, NULL);
    if (rc != ST_OK) return rc;
    int n = PQntuples(r);
    if (n > 0) *total = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    if (n > 0 && last) *last = strtoll(PQgetvalue(r, 0, PQnfields(r) - 1), NULL, 10);
    for (int i = 0; i < n && *nrows < (size_t)limit; i++) {
        if (PQgetisnull(r, i, 1)) break; /* the empty page's NULL row */
        sqls_row_t d = pg_row(r, i, 1);
        rd(&d, rows, (*nrows)++);
    }
    PQclear(r);
    return ST_OK;
}

int pg_page(conn_t *c, int which, const pg_val_t *v, int nv, int limit, sqls_reader_fn rd,
            void *rows, size_t *nrows, int64_t *total)
{
    params_t p = {0};
    params_of(&p, v, nv);
    return page_of(c, which, NULL, &p, limit, rd, rows, nrows, total, NULL);
}

int pg_page_dyn(conn_t *c, const char *sql, const sqlw_t *w, int limit, sqls_reader_fn rd,
                void *rows, size_t *nrows, int64_t *total)
{
    return pg_page_dyn_last(c, sql, w, limit, rd, rows, nrows, total, NULL);
}

int pg_page_dyn_last(conn_t *c, const char *sql, const sqlw_t *w, int limit, sqls_reader_fn rd,
                     void *rows, size_t *nrows, int64_t *total, int64_t *last)
{
    params_t p = {0};
    params_of_w(&p, w);
    return page_of(c, -1, sql, &p, limit, rd, rows, nrows, total, last);
}

static int send_rows(conn_t *c, int which, const pg_val_t *v, int nv)
{
    params_t p = {0};
    char name[16];
    PGresult *r = NULL;
    if (!c) return ST_ERR;
    params_of(&p, v, nv);
    /* a stream outside a transaction runs after what a batch kept so far
     * is committed (its rows come later, past any savepoint's end) */
    pg_batch_settle(c);
    if (pg_batch_sp_flush(c) != ST_OK) return ST_ERR;
    if ((c->depth > 0 && c->tx_failed) || (c->batch && c->batch_lost) || conn_ensure(c) != ST_OK)
        return pg_status(c, NULL, pg_sql(which));
    /* a stream may last long (5,000,000 numbers for the SBC index, an
     * export): no statement timeout for it, and a long reply bound (the
     * rows come steadily once the first does); restored after its last
     * result (pg_next_result) */
    if (!c->unbound) {
        if (pg_unbound(c, PG_LONG_REPLY_MS) != ST_OK) return pg_status(c, NULL, pg_sql(which));
        c->rebind_at_end = true;
    }
    if ((r = prepare_fixed(c, which, name)) != NULL) {
        int rc = pg_status(c, r, pg_sql(which));
        PQclear(r);
        if (c->rebind_at_end) {
            c->rebind_at_end = false;
            pg_rebound(c);
        }
        return rc == ST_OK ? ST_ERR : rc;
    }
    if (!PQsendQueryPrepared(c->pg, name, p.n, p.v, p.len, p.fmt, 0) ||
        !PQsetSingleRowMode(c->pg)) {
        int rc = pg_status(c, NULL, pg_sql(which));
        /* a query may be under way (single-row mode refused): its results
         * end with the caller's loop, which never runs; drain them */
        PGresult *left;
        while ((left = pg_next_result(c)) != NULL) PQclear(left);
        if (c->rebind_at_end) {
            c->rebind_at_end = false;
            pg_rebound(c);
        }
        return rc;
    }
    return ST_OK;
}

int pg_rows(conn_t *c, int which, const pg_val_t *v, int nv, int max, sqls_reader_fn rd,
            void *rows, size_t *n)
{
    PGresult *r = NULL;
    *n = 0;
    int rc = pg_exec(c, which, v, nv, &r, NULL);
    if (rc != ST_OK) return rc;
    int nt = PQntuples(r);
    for (int i = 0; i < nt && i < max; i++) {
        sqls_row_t d = pg_row(r, i, 0);
        rd(&d, rows, (size_t)i);
        (*n)++;
    }
    PQclear(r);
    return ST_OK;
}

int pg_stream(conn_t *c, int which, const pg_val_t *v, int nv, row_each_fn fn, void *arg,
              const char *what, bool *stopped)
{
    int ret = send_rows(c, which, v, nv);
    bool stop = false;
    PGresult *r;
    while (ret == ST_OK && (r = pg_next_result(c)) != NULL) {
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_SINGLE_TUPLE && !stop) {
            sqls_row_t d = pg_row(r, 0, 0);
            if (fn(&d, arg) != C_OK) {
                /* the caller knows why; the server need not send the rest */
                stop = true;
                PGcancel *k = PQgetCancel(c->pg);
                char why[64];
                if (k) PQcancel(k, why, sizeof why);
                PQfreeCancel(k);
            }
        } else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && !stop) {
            ret = pg_status(c, r, what);
        }
        PQclear(r);
        /* after a failure the rest of the results are still read (and freed) */
        if (ret != ST_OK) {
            while ((r = pg_next_result(c)) != NULL) PQclear(r);
        }
    }
    if (stopped) *stopped = stop;
    return ret;
}

/* ---- open / close ------------------------------------------------------ */

void pg_close(store_t *st)
{
    connreg_store_close(st, pg_sbc_close, pg_conn_close);
}

int store_pg_open(const char *url, store_t **out, char **err)
{
    pg_stmts_init();
    pg_store_t *s = xcalloc(1, sizeof *s);
    connreg_store_init(&s->sql, &pg_ops, url);
    s->ver_round = (round_t)ROUND_INIT;
    s->batch_on = getenv("NUMBERD_NO_BATCHES") == NULL;
    /* connect now, so that a wrong URL fails at start with libpq's reason */
    char *why = NULL;
    conn_t *c = pg_conn_open(url, &why);
    if (c == NULL) {
        *err = xasprintf("cannot connect to PostgreSQL: %s", why);
        free(why);
        pg_close(&s->sql.base);
        return C_ERR;
    }
    connreg_add(&s->sql.conns, c);
    *out = &s->sql.base;
    return C_OK;
}

/* ---- operations -------------------------------------------------------- */

/* The version is the snapshot a statement would take: its xmax (one past
 * the last transaction that ended) and the transactions below it still in
 * progress (xip).  Two equal snapshots see the same committed
 * transactions, so nothing committed in between (a transaction that ends
 * leaves xip, or moves xmax past itself) -- on any node, since xids are
 * the cluster's.  An answer computed after one and before an equal other
 * saw what both see.  Exact, not hashed: with more than two transactions
 * in progress there is no version (nothing is kept), which is rare at
 * rest and, under writes, costs nothing (every commit makes every kept
 * answer a miss anyway).  The count of sessions this process began is
 * part of it (g_sessions).
 *
 * Read by rounds (util/round.h): a request needs a snapshot taken after it
 * arrived, and one query serves every request waiting when it began, so
 * that with N threads reading kept answers PostgreSQL answers one query
 * per round instead of N -- a read that hits costs a share of one round
 * trip, not a statement and its rows.
 *
 * snapshot_version: "xmin:xmax:xip,..." (xid8s in decimal) as a version; false: not one */
static bool snapshot_version(const char *s, uint64_t sessions, db_version_t *out)
{
    char *end;
    memset(out, 0, sizeof *out);
    (void)strtoull(s, &end, 10);
    if (*end != ':') return false;
    out->data = strtoull(end + 1, &end, 10);
    if (*end != ':') return false;
    uint64_t xip[2] = {0, 0}; /* xid 0 is never given: "none" */
    for (int n = 0; end[1] != '\0'; n++) {
        if (n == 2) return false;
        xip[n] = strtoull(end + 1, &end, 10);
        if (*end != ',' && *end != '\0') return false;
        if (*end == '\0') break;
    }
    out->gen = xip[0];
    out->sum = xip[1];
    out->conn = 3 + 4 * sessions; /* PostgreSQL's kind (SQLite's are 1 and 2) */
    return out->data != 0;
}

static bool version_query(conn_t *c, db_version_t *out)
{
    PGresult *r = NULL;
    /* a session begun while the query ran (this connection's reconnect,
     * or another thread's, perhaps to another server after a failover)
     * leaves no telling which server's snapshot this is: no version */
    uint64_t sessions = g_sessions;
    bool ok = pg_exec(c, Q_READ_VERSION, PG_NONE, &r, NULL) == ST_OK && PQntuples(r) == 1 &&
              snapshot_version(PQgetvalue(r, 0, 0), sessions, out) && g_sessions == sessions;
    PQclear(r);
    return ok;
}

int pg_read_version(store_t *st, db_version_t *out)
{
    memset(out, 0, sizeof *out);
    pg_store_t *s = (pg_store_t *)st;
    conn_t *c = pg_conn(st);
    /* inside a transaction what it read may not be committed (and the
     * snapshot of a REPEATABLE READ one would not move) */
    if (!c || c->depth > 0 || PQtransactionStatus(c->pg) != PQTRANS_IDLE) return ST_NOTFOUND;
    pthread_mutex_lock(&s->ver_round.mu);
    uint64_t need = round_need(&s->ver_round);
    while (round_turn(&s->ver_round, need)) {
        pthread_mutex_unlock(&s->ver_round.mu);
        db_version_t v = {0};
        bool ok = version_query(c, &v);
        pthread_mutex_lock(&s->ver_round.mu);
        s->ver = v;
        s->ver_ok = ok;
        round_end(&s->ver_round);
    }
    bool ok = s->ver_ok;
    if (ok) *out = s->ver;
    pthread_mutex_unlock(&s->ver_round.mu);
    return ok ? ST_OK : ST_NOTFOUND;
}

int pg_ping(store_t *st)
{
    conn_t *c = pg_conn(st);
    PGresult *r = NULL;
    if (!c || pg_exec(c, Q_PING, PG_NONE, &r, NULL) != ST_OK) return ST_ERR;
    int rc = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't' ? ST_OK : ST_ERR;
    if (rc != ST_OK) {
        metrics_count(MET_DB_ERRORS);
        log_msg(LOG_ERROR, "postgres: ping: the database has no numberd schema");
    }
    PQclear(r);
    return rc;
}

static const store_ops_t pg_ops = {.name = "postgres",
                                   .caps = STORE_CAP_VERSION_QUERY | STORE_CAP_ROW_WRITERS,
                                   SQL_STORE_OPS(SQL_OP_SLOT, pg_)};
