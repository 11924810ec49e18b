/* sbc.c -- the SBC index's feed on PostgreSQL: the full load, the change
 * log (triggers of migration 0002_sbc; seqs given after COMMIT in rounds
 * that take turns, or by a batch just before its COMMIT, 0014_sequencer
 * and tx.c) and single-row
 * re-reads.  The load reads the log's last seq first and the rows after
 * it, each statement in its own snapshot: whatever commits meanwhile has a
 * higher seq and is applied again after the load. */
#include "store/postgres/pgInt.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"

const char *const pg_sql_sbc[Q__COUNT] = {
    [Q_SBC_CARRIERS] = PG_CARRIER_SELECT "ORDER BY c.id",
    [Q_SBC_PRUNED] = "SELECT value::bigint FROM settings WHERE name = 'sbc_pruned_upto'",
    [Q_SBC_CARRIER] = PG_CARRIER_SELECT "WHERE c.id = $1",
    [Q_SBC_NUMBERS_IN] = SQLS_SBC_NUM_SELECT "WHERE n.number = ANY($1::text[]) AND n.state = 1",
    [Q_SBC_PRUNE_MARK] =
        "INSERT INTO settings(name, value) SELECT 'sbc_pruned_upto', max(seq)::text "
        "FROM sbc_changes WHERE at < $1 AND seq IS NOT NULL HAVING max(seq) IS NOT NULL "
        "ON CONFLICT (name) DO UPDATE SET value = GREATEST(settings.value::bigint, "
        "excluded.value::bigint)::text",
    /* no row above the mark just written (same transaction): a row given
     * its seq between the two statements stays for the next pruning */
    [Q_SBC_PRUNE] = "DELETE FROM sbc_changes WHERE at < $1 AND seq <= "
                    "(SELECT value::bigint FROM settings WHERE name = 'sbc_pruned_upto')",
    /* the oldest committed change still without its seq (an index scan of
     * sbc_changes_unsequenced; a writer's own rows are seen only once it
     * committed) */
    [Q_SBC_UNSEQUENCED] = "SELECT xid::text FROM sbc_changes WHERE seq IS NULL ORDER BY xid LIMIT 1",
};

/* Streams a statement's rows (single-row mode: 5,000,000 numbers are never
 * one result in memory) to cb; a callback that refuses one is ST_ERR. */
static int stream_numbers(conn_t *c, int which, const pg_val_t *v, int nv, store_sbc_num_cb cb,
                          void *ud)
{
    sqls_walk_sbc_num_t w = {cb, ud};
    bool stopped = false;
    int rc = pg_stream(c, which, v, nv, sqls_walk_sbc_num, &w, "sbc numbers", &stopped);
    return rc == ST_OK && stopped ? ST_ERR : rc;
}

/* pg_each for the feed, whose every walk must be whole: a row the
 * callback refuses is ST_ERR (pg_each stops there and says ST_OK), as
 * SQLite's each_row says -- a run of changes or numbers cut short would
 * be applied as if complete, and a load would go on past a failed write
 * of the index. */
typedef struct {
    row_each_fn fn;
    void *arg;
    bool refused;
} whole_t;
static int whole_each(sqls_row_t *d, void *arg)
{
    whole_t *w = arg;
    int rc = w->fn(d, w->arg);
    if (rc != C_OK) w->refused = true;
    return rc;
}
static int each_whole(conn_t *c, int which, const pg_val_t *v, int nv, row_each_fn fn, void *arg)
{
    whole_t w = {fn, arg, false};
    int rc = pg_each(c, which, v, nv, whole_each, &w);
    return rc == ST_OK && w.refused ? ST_ERR : rc;
}

int pg_sbc_load(store_t *st, const store_sbc_load_t *cb, int64_t *seq)
{
    conn_t *c = pg_conn(st);
    int rc = pg_one_row(c, Q_SBC_SEQ, PG_NONE, pg_rd_i64, seq);
    if (rc == ST_OK) {
        sqls_walk_account_t w = {cb->account, cb->ud};
        rc = each_whole(c, Q_SBC_ACCOUNTS, PG_NONE, sqls_walk_account, &w);
    }
    if (rc == ST_OK) {
        sqls_walk_app_t w = {cb->app, cb->ud};
        rc = each_whole(c, Q_SBC_APPS, PG_NONE, sqls_walk_app, &w);
    }
    if (rc == ST_OK) {
        sqls_carrier_walk_t w = {cb->carrier, cb->ud, pg_rd_carrier, NULL, NULL, C_OK};
        rc = each_whole(c, Q_SBC_CARRIERS, PG_NONE, sqls_each_carrier, &w);
    }
    if (rc == ST_OK) rc = stream_numbers(c, Q_SBC_NUMBERS, PG_NONE, cb->number, cb->ud);
    return rc == ST_NOTFOUND ? ST_ERR : rc;
}

int pg_sbc_changes(store_t *st, int64_t after, int limit, store_sbc_change_cb cb, void *ud)
{
    conn_t *c = pg_conn(st);
    /* The changes, then the prune mark: two statements, two snapshots.
     * Read the other way round, a prune committed between them deleted
     * rows past `after` that the second read then silently lacked; read
     * this way, such a prune has raised the mark the second read sees, and
     * the caller reloads (the rows handed to cb are only collected).  A
     * prune raises its mark in the transaction that deletes (pg_sbc_prune). */
    sqls_walk_sbc_change_t w = {cb, ud};
    int rc = each_whole(c, Q_SBC_CHANGES, PG_V(v_int(after), v_int(limit)), sqls_walk_sbc_change, &w);
    if (rc != ST_OK) return rc;
    int64_t pruned = 0;
    rc = pg_one_row(c, Q_SBC_PRUNED, PG_NONE, pg_rd_i64, &pruned);
    if (rc == ST_NOTFOUND) rc = ST_OK;
    if (rc != ST_OK) return rc;
    return after < pruned ? ST_NOTFOUND : ST_OK;
}

int pg_sbc_numbers(store_t *st, const char *const *numbers, size_t n, store_sbc_num_cb cb,
                   void *ud)
{
    if (n == 0) return ST_OK;
    if (n > STORE_SBC_NUMBERS_MAX) return ST_ERR;
    /* a text[] literal, each element quoted: "{\"1415...\",...}" */
    buf_t a = BUF_INIT;
    buf_putc(&a, '{');
    for (size_t i = 0; i < n; i++) {
        if (i) buf_putc(&a, ',');
        buf_putc(&a, '"');
        for (const char *p = numbers[i]; *p; p++) {
            if (*p == '"' || *p == '\\') buf_putc(&a, '\\');
            buf_putc(&a, *p);
        }
        buf_putc(&a, '"');
    }
    buf_putc(&a, '}');
    sqls_walk_sbc_num_t w = {cb, ud};
    int rc = each_whole(pg_conn(st), Q_SBC_NUMBERS_IN, PG_V(v_text(a.data)), sqls_walk_sbc_num, &w);
    buf_free(&a);
    return rc; /* a refused row is ST_ERR, never taken for "not active" */
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
    /* every minute on every serving node: rows a writer cut off after its
     * COMMIT left without ids get them here at the latest (tx.c) */
    pg_sequence(c);
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_exec(c, Q_SBC_PRUNE_MARK, PG_V(v_int(before)), NULL, NULL);
    if (rc == ST_OK) rc = pg_exec(c, Q_SBC_PRUNE, PG_V(v_int(before)), NULL, NULL);
    return pg_tx_end(st, rc, false);
}

int pg_sbc_version(store_t *st, uint64_t *out)
{
    (void)st;
    *out = pg_commit_count();
    /* a change committed without its seq is in no read of the log: the
     * index is not current until a sweep gives it one (tx.c) */
    return pg_sequence_owed() ? ST_ERR : ST_OK;
}

int pg_sbc_wait(store_t *st, int timeout_ms, bool *changed)
{
    pg_store_t *s = (pg_store_t *)st;
    *changed = false;
    /* owed ids (a round failed): swept now, not at the minute's pruning;
     * the sweep's NOTIFY wakes every node's feed, this one's too */
    if (pg_sequence_owed() && pg_sequence(pg_conn(st))) *changed = true;
    /* Another process's failed round (a CLI command's, another node's) owes
     * nothing here, and its change reaches no node until a sweep.  Once a
     * second, the oldest committed change without its seq is looked at: the
     * same one still there a second later is stuck (a writer's round takes
     * milliseconds), and is swept now rather than at the minute's pruning. */
    int64_t now_ms = (int64_t)(clock_mono_ns() / 1000000);
    if (now_ms - s->unseq_at >= 1000) {
        s->unseq_at = now_ms;
        PGresult *r = NULL;
        char oldest[sizeof s->unseq_xid] = "";
        if (pg_exec(pg_conn(st), Q_SBC_UNSEQUENCED, PG_NONE, &r, NULL) == ST_OK) {
            if (PQntuples(r) == 1) snprintf(oldest, sizeof oldest, "%s", PQgetvalue(r, 0, 0));
            PQclear(r);
        }
        if (oldest[0] && strcmp(oldest, s->unseq_xid) == 0) {
            log_msg(LOG_INFO, "postgres: a change committed without its seq (transaction %s): "
                              "sweeping", oldest);
            if (pg_sequence(pg_conn(st))) *changed = true;
            oldest[0] = '\0';
        }
        snprintf(s->unseq_xid, sizeof s->unseq_xid, "%s", oldest);
    }
    if (s->listen && PQstatus(s->listen) != CONNECTION_OK) {
        PQfinish(s->listen);
        s->listen = NULL;
    }
    if (!s->listen) {
        /* numberd's connection bounds (a blackholed server must not hold
         * the feed's thread): see conn.c */
        int reply_ms = 0;
        char *why = NULL;
        PGconn *pg = pg_connect(s->sql.target, &reply_ms, NULL, &why);
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

void pg_sbc_close(store_t *st)
{
    pg_store_t *s = (pg_store_t *)st;
    if (s->listen) PQfinish(s->listen);
    s->listen = NULL;
}
