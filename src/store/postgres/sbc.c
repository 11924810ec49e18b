/* sbc.c -- the SBC index's feed on PostgreSQL: the full load, the change
 * log (triggers of migration 0002_sbc; seq in commit order) and single-row
 * re-reads.  The load reads the log's last seq first and the rows after
 * it, each statement in its own snapshot: whatever commits meanwhile has a
 * higher seq and is applied again after the load. */
#include "store/postgres/pgInt.h"

#include <poll.h>
#include <string.h>

#include "util/log.h"

#define NUM_COLS                                                                              \
    "SELECT n.number, n.owner_id, COALESCE(n.sub_id, 0), COALESCE(n.carrier_id, u.id, 0), "   \
    "COALESCE(n.app_id, ''), COALESCE(n.byoc_id, '') FROM numbers n LEFT JOIN carriers u "    \
    "ON n.source = 0 AND COALESCE(u.account_id, 0) = 0 AND u.name = n.carrier "

const char *const pg_sql_sbc[Q__COUNT] = {
    [Q_SBC_SEQ] = "SELECT COALESCE(max(seq), 0) FROM sbc_changes",
    [Q_SBC_ACCOUNTS] = "SELECT " SQLS_ACCOUNT_COLS " FROM accounts ORDER BY id",
    [Q_SBC_APPS] = SQLS_APP_SELECT "ORDER BY a.app_id",
    [Q_SBC_CARRIERS] = PG_CARRIER_SELECT "ORDER BY c.id",
    [Q_SBC_NUMBERS] = NUM_COLS "WHERE n.state = 1",
    [Q_SBC_CHANGES] =
        "SELECT seq, kind, key FROM sbc_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
    [Q_SBC_PRUNED] = "SELECT value::bigint FROM settings WHERE name = 'sbc_pruned_upto'",
    [Q_SBC_NUMBER] = NUM_COLS "WHERE n.number = $1 AND n.state = 1",
    [Q_SBC_CARRIER] = PG_CARRIER_SELECT "WHERE c.id = $1",
    [Q_SBC_APP] = SQLS_APP_SELECT "WHERE a.app_id = $1",
    [Q_SBC_UPSTREAM_NUMBERS] = NUM_COLS "WHERE n.source = 0 AND n.state = 1 AND n.carrier = $1",
    [Q_SBC_PRUNE_MARK] =
        "INSERT INTO settings(name, value) SELECT 'sbc_pruned_upto', max(seq)::text "
        "FROM sbc_changes WHERE at < $1 AND seq IS NOT NULL HAVING max(seq) IS NOT NULL "
        "ON CONFLICT (name) DO UPDATE SET value = GREATEST(settings.value::bigint, "
        "excluded.value::bigint)::text",
    [Q_SBC_PRUNE] = "DELETE FROM sbc_changes WHERE at < $1 AND seq IS NOT NULL",
};

static void read_num(sqls_row_t *d, sbc_numrow_t *n)
{
    memset(n, 0, sizeof *n);
    rd_copy(d, n->number, sizeof n->number);
    n->owner_id = rd_i64(d);
    n->sub_id = rd_i64(d);
    n->carrier_id = rd_i64(d);
    rd_copy(d, n->app_id, sizeof n->app_id);
    rd_copy(d, n->byoc_id, sizeof n->byoc_id);
}

static void rd_num(sqls_row_t *d, void *rows, size_t i)
{
    read_num(d, &((sbc_numrow_t *)rows)[i]);
}

static void read_change(sqls_row_t *d, sbc_change_t *ch)
{
    char kind[4];
    memset(ch, 0, sizeof *ch);
    ch->seq = rd_i64(d);
    rd_copy(d, kind, sizeof kind);
    ch->kind = kind[0] ? kind[0] : '?';
    rd_copy(d, ch->key, sizeof ch->key);
}

typedef int (*account_fn)(const account_t *, void *);
typedef int (*app_fn)(const app_t *, void *);
SQLS_WALKER(walk_account, account_t, account_fn, sqls_read_account)
SQLS_WALKER(walk_app, app_t, app_fn, sqls_read_app)
SQLS_WALKER(walk_change, sbc_change_t, store_sbc_change_cb, read_change)

/* A carrier's row owns its gateways: cleared after the callback. */
typedef struct {
    int (*cb)(const carrier_t *, void *);
    void *ud;
    int rc;
} walk_carrier_t;
static int walk_carrier(sqls_row_t *d, void *arg)
{
    walk_carrier_t *w = arg;
    carrier_t cr;
    pg_rd_carrier(d, &cr, 0);
    w->rc = w->cb(&cr, w->ud);
    carrier_clear(&cr);
    return w->rc;
}

/* Streams a statement's rows (single-row mode: 5,000,000 numbers are never
 * one result in memory) to cb. */
static int stream_numbers(conn_t *c, int which, const pg_val_t *v, int nv, store_sbc_num_cb cb,
                          void *ud)
{
    int ret = pg_send_rows(c, which, v, nv);
    if (ret != ST_OK) return ret;
    PGresult *r;
    bool stopped = false;
    while ((r = pg_next_result(c)) != NULL) {
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_SINGLE_TUPLE && !stopped) {
            sbc_numrow_t n;
            sqls_row_t d = pg_row(r, 0, 0);
            read_num(&d, &n);
            if (cb(&n, ud) != C_OK) {
                stopped = true;
                ret = ST_ERR;
                PGcancel *k = PQgetCancel(c->pg);
                char why[64];
                if (k) PQcancel(k, why, sizeof why);
                PQfreeCancel(k);
            }
        } else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && !stopped) {
            ret = pg_status(c, r, "sbc numbers");
        }
        PQclear(r);
    }
    return ret;
}

int pg_sbc_load(store_t *st, const store_sbc_load_t *cb, int64_t *seq)
{
    conn_t *c = pg_conn(st);
    int rc = pg_one_row(c, Q_SBC_SEQ, PG_NONE, pg_rd_i64, seq);
    if (rc == ST_OK) {
        walk_account_t w = {cb->account, cb->ud};
        rc = pg_each(c, Q_SBC_ACCOUNTS, PG_NONE, walk_account, &w);
    }
    if (rc == ST_OK) {
        walk_app_t w = {cb->app, cb->ud};
        rc = pg_each(c, Q_SBC_APPS, PG_NONE, walk_app, &w);
    }
    if (rc == ST_OK) {
        walk_carrier_t w = {cb->carrier, cb->ud, C_OK};
        rc = pg_each(c, Q_SBC_CARRIERS, PG_NONE, walk_carrier, &w);
        if (rc == ST_OK && w.rc != C_OK) rc = ST_ERR;
    }
    if (rc == ST_OK) rc = stream_numbers(c, Q_SBC_NUMBERS, PG_NONE, cb->number, cb->ud);
    return rc == ST_NOTFOUND ? ST_ERR : rc;
}

typedef struct {
    store_sbc_change_cb cb;
    void *ud;
    int rc;
} ch_t;
static int ch_each(const sbc_change_t *ch, void *ud)
{
    ch_t *u = ud;
    u->rc = u->cb(ch, u->ud);
    return u->rc;
}

int pg_sbc_changes(store_t *st, int64_t after, int limit, store_sbc_change_cb cb, void *ud)
{
    conn_t *c = pg_conn(st);
    int64_t pruned = 0;
    int rc = pg_one_row(c, Q_SBC_PRUNED, PG_NONE, pg_rd_i64, &pruned);
    if (rc == ST_NOTFOUND) rc = ST_OK;
    if (rc != ST_OK) return rc;
    if (after < pruned) return ST_NOTFOUND;
    ch_t u = {cb, ud, C_OK};
    walk_change_t w = {ch_each, &u};
    rc = pg_each(c, Q_SBC_CHANGES, PG_V(v_int(after), v_int(limit)), walk_change, &w);
    if (rc == ST_OK && u.rc != C_OK) rc = ST_ERR;
    return rc;
}

int pg_sbc_number(store_t *st, const char *number, sbc_numrow_t *out)
{
    return pg_one_row(pg_conn(st), Q_SBC_NUMBER, PG_V(v_text(number)), rd_num, out);
}

int pg_sbc_carrier(store_t *st, int64_t id, carrier_t *out)
{
    return pg_one_row(pg_conn(st), Q_SBC_CARRIER, PG_V(v_int(id)), pg_rd_carrier, out);
}

int pg_sbc_app(store_t *st, const char *app_id, app_t *out)
{
    return pg_one_row(pg_conn(st), Q_SBC_APP, PG_V(v_text(app_id)), sqls_rd_app, out);
}

int pg_sbc_upstream_numbers(store_t *st, const char *name, store_sbc_num_cb cb, void *ud)
{
    return stream_numbers(pg_conn(st), Q_SBC_UPSTREAM_NUMBERS, PG_V(v_text(name)), cb, ud);
}

int pg_sbc_prune(store_t *st, int64_t before)
{
    conn_t *c = pg_conn(st);
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_exec(c, Q_SBC_PRUNE_MARK, PG_V(v_int(before)), NULL, NULL);
    if (rc == ST_OK) rc = pg_exec(c, Q_SBC_PRUNE, PG_V(v_int(before)), NULL, NULL);
    return pg_tx_end(st, rc, false);
}

int pg_sbc_version(store_t *st, uint64_t *out)
{
    (void)st;
    *out = pg_commit_count();
    return ST_OK;
}

int pg_sbc_wait(store_t *st, int timeout_ms, bool *changed)
{
    pg_store_t *s = (pg_store_t *)st;
    *changed = false;
    if (s->listen && PQstatus(s->listen) != CONNECTION_OK) {
        PQfinish(s->listen);
        s->listen = NULL;
    }
    if (!s->listen) {
        /* numberd's connection bounds (a blackholed server must not hold
         * the feed's thread): see conn.c */
        int reply_ms = 0;
        char *why = NULL;
        PGconn *pg = pg_connect(s->url, &reply_ms, NULL, &why);
        PGresult *r = pg ? pg_exec_bounded(pg, reply_ms, "LISTEN numberd_sbc") : NULL;
        bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            log_msg(LOG_WARN, "postgres: sbc change feed: cannot listen: %s",
                    why ? why : PQerrorMessage(pg));
            free(why);
            PQfinish(pg);
            struct pollfd none;
            poll(&none, 0, timeout_ms);
            return ST_ERR;
        }
        s->listen = pg;
        *changed = true; /* what was missed while not listening */
        return ST_OK;
    }
    struct pollfd p = {.fd = PQsocket(s->listen), .events = POLLIN};
    int n = poll(&p, 1, timeout_ms);
    if (n < 0) return ST_OK; /* EINTR: the caller calls again */
    if (n > 0 && !PQconsumeInput(s->listen)) {
        log_msg(LOG_WARN, "postgres: sbc change feed lost: %s", PQerrorMessage(s->listen));
        PQfinish(s->listen);
        s->listen = NULL;
        return ST_ERR;
    }
    PGnotify *nt;
    while ((nt = PQnotifies(s->listen)) != NULL) {
        *changed = true;
        PQfreemem(nt);
    }
    return ST_OK;
}

void pg_sbc_close(pg_store_t *s)
{
    if (s->listen) PQfinish(s->listen);
    s->listen = NULL;
}
