/* registrations.c -- the registration client's stored state (SIP.md §5):
 * one row per `reg` carrier, written by the node that registers it. */
#include "store/sqlite/sqliteInt.h"

/* the state as shown (core/registrations.c reg_status_settle): registered
 * with its binding expired at ?5 is unregistered */
#define REG_WHERE                                                                            \
    "WHERE (?1 < 0 OR (CASE WHEN r.state = 1 AND r.expires_at <= ?5 THEN 3 ELSE r.state END) = ?1) " \
    "AND (?2 = 0 OR c.account_id = ?2)"

static const char *const sql_text[Q__COUNT] = {
    [Q_REG_PUT] =
        /* an upsert, not INSERT OR REPLACE: the change-log triggers of
         * 0011_sip_edge fire on an UPDATE only when registrar_ip changes
         * (a REPLACE is an INSERT every time) */
        "INSERT INTO registrations(carrier_id, state, last_code, reason, expires_at, "
        "last_attempt_at, next_attempt_at, failures, node, updated_at, registrar_ip) "
        "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 WHERE EXISTS "
        "(SELECT 1 FROM carriers WHERE id = ?1) "
        "ON CONFLICT(carrier_id) DO UPDATE SET state = excluded.state, "
        "last_code = excluded.last_code, reason = excluded.reason, "
        "expires_at = excluded.expires_at, last_attempt_at = excluded.last_attempt_at, "
        "next_attempt_at = excluded.next_attempt_at, failures = excluded.failures, "
        "node = excluded.node, updated_at = excluded.updated_at, registrar_ip = excluded.registrar_ip",
    /* ?1 state (-1: any), ?2 account (0: any) */
    [Q_REG_LIST] = SQLS_REG_SELECT REG_WHERE " ORDER BY r.carrier_id LIMIT ?3 OFFSET ?4",
    [Q_REG_COUNT] = "SELECT count(*) " SQLS_REG_FROM REG_WHERE,
    [Q_PROBE_SET] =
        "INSERT OR REPLACE INTO carrier_probes(carrier_id, interval_s) SELECT ?1, ?2 "
        "WHERE EXISTS (SELECT 1 FROM carriers WHERE id = ?1)",
    [Q_PROBE_TARGETS] =
        "SELECT p.carrier_id, p.interval_s, g.sid, g.address, g.port, g.transport, "
        "COALESCE((SELECT c.account_id FROM carriers c WHERE c.id = p.carrier_id), 0) "
        "FROM carrier_probes p JOIN carrier_gateways g ON g.carrier = p.carrier_id AND g.outbound = 1 "
        "ORDER BY p.carrier_id, g.pos LIMIT ?1",
    [Q_HEALTH_PUT] =
        /* an upsert (see Q_REG_PUT): the state change is what is logged */
        "INSERT INTO gateway_health(sid, carrier_id, state, misses, last_code, "
        "last_probe_at, updated_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 "
        "WHERE EXISTS (SELECT 1 FROM carriers WHERE id = ?2) "
        "ON CONFLICT(sid) DO UPDATE SET carrier_id = excluded.carrier_id, state = excluded.state, "
        "misses = excluded.misses, last_code = excluded.last_code, "
        "last_probe_at = excluded.last_probe_at, updated_at = excluded.updated_at",
    /* ?1 now, ?2 HEALTH_STALE_PROBES, ?3 HEALTH_STALE_SLACK_S; a carrier
     * no longer probed has no interval (its downs count for nothing:
     * SQLS_GW_DOWN) and keeps its rows as they are */
    [Q_HEALTH_EXPIRE] =
        "UPDATE gateway_health SET state = 0, misses = 0, updated_at = ?1 WHERE state = 2 AND "
        "last_probe_at < ?1 - ?3 - ?2 * (SELECT p.interval_s FROM carrier_probes p "
        "WHERE p.carrier_id = gateway_health.carrier_id)",
};

int sq_reg_status_put(store_t *st, const reg_status_t *r)
{
    int changes = 0;
    int rc = SQ_RUN(st, Q_REG_PUT, &changes, SQ_I(r->carrier_id), SQ_I(r->state),
                    SQ_I(r->last_code), SQ_T(r->reason), SQ_I(r->expires_at),
                    SQ_I(r->last_attempt_at), SQ_I(r->next_attempt_at), SQ_I(r->failures),
                    SQ_T(r->node), SQ_I(r->updated_at), SQ_T(r->registrar_ip));
    if (rc == ST_OK && changes == 0) rc = ST_NOTFOUND;
    return rc;
}

int sq_reg_status_get(store_t *st, int64_t carrier_id, reg_status_t *out)
{
    return SQ_ONE(st, Q_REG_GET, sqls_rd_reg, out, SQ_I(carrier_id));
}

int sq_reg_status_list(store_t *st, const reg_q_t *q, reg_status_t *rows, size_t *nrows,
                       int64_t *total)
{
    return SQ_PAGE(st, Q_REG_LIST, Q_REG_COUNT, q->limit, sqls_rd_reg, rows, nrows, total,
                   "registration list", SQ_I(q->state), SQ_I(q->account_id), SQ_I(q->limit),
                   SQ_I(q->offset), SQ_I(q->now));
}

/* One SQLite file is one node's: nobody else can hold the lock. */
int sq_reg_lock_try(store_t *st, int64_t bucket, bool *got)
{
    (void)st;
    (void)bucket;
    *got = true;
    return ST_OK;
}

int sq_probe_lock_try(store_t *st, bool *got)
{
    (void)st;
    *got = true; /* one node: always this one (sq_reg_lock_try) */
    return ST_OK;
}

int sq_reg_unlock(store_t *st, int64_t bucket)
{
    (void)st;
    (void)bucket;
    return ST_OK;
}

/* ---- gateway health (SIP.md §6) --------------------------------------------- */

int sq_probe_set(store_t *st, int64_t carrier_id, int interval)
{
    if (interval <= 0) return SQ_RUN(st, Q_PROBE_DEL, NULL, SQ_I(carrier_id));
    int changes = 0;
    int rc = SQ_RUN(st, Q_PROBE_SET, &changes, SQ_I(carrier_id), SQ_I(interval));
    return rc == ST_OK && changes == 0 ? ST_NOTFOUND : rc;
}

int sq_probe_get(store_t *st, int64_t carrier_id, int *interval)
{
    return SQ_ONE(st, Q_PROBE_GET, sqls_rd_int, interval, SQ_I(carrier_id));
}

/* Up to max rows of q (bound) read by rd. */
static int read_rows(conn_t *c, sqlite3_stmt *q, int max, sqls_reader_fn rd, void *rows, size_t *n,
                     const char *what)
{
    int s = SQLITE_DONE;
    *n = 0;
    while ((int)*n < max && (s = sqlite3_step(q)) == SQLITE_ROW) {
        sqls_row_t r = sq_row(q);
        rd(&r, rows, *n);
        (*n)++;
    }
    int rc = ST_OK;
    if (s != SQLITE_ROW && s != SQLITE_DONE) {
        sq_log_error(c->db, what);
        rc = ST_ERR;
    }
    sq_done(q);
    return rc;
}

int sq_probe_targets(store_t *st, int max, probe_target_t *rows, size_t *nrows)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_PROBE_TARGETS) : NULL;
    if (!q) return ST_ERR;
    sq_bind_args(q, SQ_ARGS(SQ_I(max)));
    return read_rows(c, q, max, sqls_rd_probe_target, rows, nrows, "probe targets");
}

int sq_health_put(store_t *st, const gw_health_t *h)
{
    int changes = 0;
    int rc = SQ_RUN(st, Q_HEALTH_PUT, &changes, SQ_T(h->sid), SQ_I(h->carrier_id), SQ_I(h->state),
                    SQ_I(h->misses), SQ_I(h->last_code), SQ_I(h->last_probe_at), SQ_I(h->updated_at));
    return rc == ST_OK && changes == 0 ? ST_NOTFOUND : rc;
}

int sq_reg_expire_due(store_t *st, int64_t now, bool *any)
{
    int n = 0;
    int rc = SQ_ONE(st, Q_REG_EXPIRE_DUE, sqls_rd_int, &n, SQ_I(now));
    *any = rc == ST_OK && n > 0;
    return rc;
}

int sq_reg_expire(store_t *st, int64_t now, const char *reason, size_t max, int64_t *ids,
                  size_t *n)
{
    sqls_ids_walk_t w = {ids, 0, max};
    int rc = SQ_EACH_V(st, Q_REG_EXPIRE, sqls_each_id, &w, SQ_I(now), SQ_T(reason),
                       SQ_I((int64_t)max));
    *n = rc == ST_OK ? w.n : 0;
    return rc;
}

int sq_health_expire(store_t *st, int64_t now, int64_t *n)
{
    int changes = 0;
    int rc = SQ_RUN(st, Q_HEALTH_EXPIRE, &changes, SQ_I(now), SQ_I(HEALTH_STALE_PROBES),
                    SQ_I(HEALTH_STALE_SLACK_S));
    *n = rc == ST_OK ? changes : 0;
    return rc;
}

int sq_health_list(store_t *st, int64_t carrier_id, int max, gw_health_t *rows, size_t *nrows)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_HEALTH_LIST) : NULL;
    if (!q) return ST_ERR;
    sq_bind_args(q, SQ_ARGS(SQ_I(carrier_id), SQ_I(max)));
    return read_rows(c, q, max, sqls_rd_health, rows, nrows, "health list");
}
