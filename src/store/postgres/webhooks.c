/* webhooks.c -- webhook endpoints, their deliveries and the fan-out's
 * cursor in PostgreSQL (migration 0008 says what each column means).
 *
 * Several nodes share the tables:
 * - the fan-out reads the cursor FOR UPDATE inside its write transaction,
 *   so two nodes never make deliveries of the same events at once (and a
 *   second pass makes none twice: ON CONFLICT DO NOTHING on (endpoint,
 *   event));
 * - a claim is one UPDATE of the first due row chosen FOR UPDATE SKIP
 *   LOCKED, after taking the claims' turn (an advisory lock held to the
 *   end of the claim's transaction): the claim's own WHERE reads other
 *   rows (no other delivery of the endpoint in flight, the owner's
 *   deliveries in flight), which READ COMMITTED does not re-check, so
 *   two claims at once each found an endpoint free and sent two of its
 *   rows; in turns, each claim's statement sees the leases committed
 *   before it.  The lease is a time: a node killed while sending leaves
 *   one that expires, and the row is claimed again (at-least-once);
 * - the order per object is the claim's NOT EXISTS: a delivery of an
 *   object's later event is not claimable while an earlier one of the same
 *   object to the same endpoint is pending.  Both were made by fan-outs in
 *   event order, so any snapshot that sees the later row sees the earlier;
 * - an endpoint's failure run is one UPDATE ... RETURNING, and disabling it
 *   is conditional on enabled, so of several nodes one reports it. */
#include "store/postgres/pgInt.h"

#include <string.h>

const char *const pg_sql_webhooks[Q__COUNT] = {
    [Q_WH_EP_INSERT] =
        "INSERT INTO webhook_endpoints(uid, owner_id, account_id, url, description, event_types, "
        "enabled, disabled_reason, secret, old_secret, old_secret_until, fail_count, fail_since, "
        "created_at, updated_at, fan_enabled, fan_types, fan_account) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $7, $6, "
        SQLS_WH_FAN_ACCOUNT("$3") ") ON CONFLICT DO NOTHING RETURNING id",
    [Q_WH_EP_LIST] = PAGE("FROM webhook_endpoints WHERE $1 < 0 OR owner_id = $1",
                          "SELECT " SQLS_WH_ENDPOINT_COLS " FROM webhook_endpoints "
                          "WHERE $1 < 0 OR owner_id = $1 ORDER BY id LIMIT $2 OFFSET $3"),
    [Q_WH_CURSOR_LOCK] = "SELECT event_id FROM webhook_cursor WHERE id = 1 FOR UPDATE",
    /* settled ones, and a disabled endpoint's pending ones, oldest first
     * along webhook_deliveries_age (0019); a row a worker or another
     * node's sweep holds is skipped, not waited for (a redelivery that
     * made it pending again is not taken) */
    [Q_WH_DL_PURGE] = "DELETE FROM webhook_deliveries WHERE id IN (SELECT d.id FROM webhook_deliveries d "
                      "WHERE d.created_at < $1 AND (d.state <> 0 OR NOT EXISTS (SELECT 1 FROM "
                      "webhook_endpoints e WHERE e.id = d.endpoint_id AND e.enabled = 1)) "
                      "ORDER BY d.created_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED)",
    /* an endpoint read to be written back whole (update, rotate): locked,
     * so that a worker's disabling it meanwhile is seen, not overwritten */
    [Q_WH_EP_GET_LOCK] = "SELECT " SQLS_WH_ENDPOINT_COLS " FROM webhook_endpoints "
                         "WHERE uid = $2 AND ($1 < 0 OR owner_id = $1) FOR UPDATE",
    [Q_WH_DL_CLAIM] =
        "UPDATE webhook_deliveries SET leased_until = $2 WHERE id = ("
        "SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id "
        "WHERE d.state = 0 AND d.next_at <= $1 AND d.leased_until <= $1 AND e.enabled = 1 "
        "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id "
        "AND p.object_key = d.object_key AND p.state = 0 AND p.event_id < d.event_id) "
        SQLS_WH_FREE("$1", "$3") "ORDER BY d.next_at, d.id LIMIT 1 FOR UPDATE OF d SKIP LOCKED) "
        "AND state = 0 AND leased_until <= $1 RETURNING " SQLS_WH_DELIVERY_COLS,
    /* the claims' turn (see the head of this file) */
    [Q_WH_DL_CLAIM_TURN] = "SELECT pg_advisory_xact_lock(" LOCK_NS_WH ", 0)",
    /* an owner's endpoint creations' turn: the owner's id, its low 31 bits */
    [Q_WH_EP_OWNED_TURN] = "SELECT pg_advisory_xact_lock(" LOCK_NS_WH_OWNER ", "
                           "($1::bigint & 2147483647)::int)",
    [Q_WH_DL_LIST] = PAGE("FROM webhook_deliveries WHERE endpoint_id = $1 AND ($2 < 0 OR state = $2)",
                          "SELECT " SQLS_WH_DELIVERY_COLS " FROM webhook_deliveries "
                          "WHERE endpoint_id = $1 AND ($2 < 0 OR state = $2) "
                          "ORDER BY id DESC LIMIT $3 OFFSET $4"),
};

int pg_wh_endpoint_insert(store_t *st, wh_endpoint_t *ep)
{
    int rc = pg_one_row(
        pg_conn(st), Q_WH_EP_INSERT,
        PG_V(v_text(ep->uid), v_int(ep->owner_id), v_id(ep->account_id), v_text(ep->url),
             v_text(ep->description), v_text(ep->event_types), v_int(ep->enabled ? 1 : 0),
             v_text(ep->disabled_reason), v_blob(ep->secret, ep->secret_len),
             v_blob(ep->old_secret, ep->old_secret_len), v_int(ep->old_secret_until),
             v_int(ep->fail_count), v_int(ep->fail_since), v_int(ep->created_at),
             v_int(ep->updated_at)),
        pg_rd_i64, &ep->id);
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
}

int pg_wh_endpoint_get(store_t *st, int64_t owner_id, const char *uid, wh_endpoint_t *out)
{
    return pg_one_locking(st, Q_WH_EP_GET, Q_WH_EP_GET_LOCK, PG_V(v_int(owner_id), v_text(uid)),
                          sqls_rd_wh_endpoint, out);
}

int pg_wh_endpoint_by_id(store_t *st, int64_t id, wh_endpoint_t *out)
{
    return pg_one_row(pg_conn(st), Q_WH_EP_BY_ID, PG_V(v_int(id)), sqls_rd_wh_endpoint, out);
}

int pg_wh_endpoint_list(store_t *st, int64_t owner_id, int limit, int offset, wh_endpoint_t *rows,
                        size_t *nrows, int64_t *total)
{
    return pg_page(pg_conn(st), Q_WH_EP_LIST, PG_V(v_int(owner_id), v_int(limit), v_int(offset)),
                   limit, sqls_rd_wh_endpoint, rows, nrows, total);
}

int pg_wh_endpoint_page(store_t *st, int64_t after_id, int limit, wh_endpoint_t *rows,
                        size_t *nrows)
{
    sqls_fill_t f = {sqls_rd_wh_endpoint, rows, 0, limit > 0 ? (size_t)limit : 0};
    int rc = pg_each(pg_conn(st), Q_WH_EP_PAGE, PG_V(v_int(after_id), v_int(limit)), sqls_fill, &f);
    *nrows = f.n;
    return rc;
}

int pg_wh_endpoint_update(store_t *st, const wh_endpoint_t *ep)
{
    return pg_write1(pg_conn(st), Q_WH_EP_UPDATE,
                     PG_V(v_int(ep->id), v_text(ep->url), v_text(ep->description),
                          v_text(ep->event_types), v_id(ep->account_id),
                          v_int(ep->enabled ? 1 : 0), v_text(ep->disabled_reason),
                          v_blob(ep->secret, ep->secret_len),
                          v_blob(ep->old_secret, ep->old_secret_len), v_int(ep->old_secret_until),
                          v_int(ep->fail_count), v_int(ep->fail_since), v_int(ep->updated_at)));
}

int pg_wh_endpoint_delete(store_t *st, int64_t id)
{
    return pg_write1(pg_conn(st), Q_WH_EP_DELETE, PG_V(v_int(id)));
}

int pg_wh_endpoint_count(store_t *st, int64_t owner_id, int64_t *n)
{
    conn_t *c = pg_conn(st);
    *n = 0;
    /* in a write transaction: the owner's turn first (READ COMMITTED: the
     * count, a statement after it, sees every creation committed before) */
    if (c && c->depth > 0 && c->tx_write) {
        int rc = pg_exec(c, Q_WH_EP_OWNED_TURN, PG_V(v_int(owner_id)), NULL, NULL);
        if (rc != ST_OK) return rc;
    }
    return pg_one_row(c, Q_WH_EP_OWNED, PG_V(v_int(owner_id)), pg_rd_i64, n);
}

int pg_wh_endpoint_outcome(store_t *st, int64_t id, bool ok, int64_t now, int *fail_count,
                           int64_t *fail_since)
{
    sqls_wh_run_t o = {0, 0};
    int rc = pg_one_row(pg_conn(st), Q_WH_EP_OUTCOME, PG_V(v_int(id), v_bool(ok), v_int(now)),
                        sqls_rd_wh_run, &o);
    *fail_count = o.count;
    *fail_since = o.since;
    return rc;
}

int pg_wh_endpoint_start(store_t *st, int64_t id, int64_t event_id)
{
    return pg_write1(pg_conn(st), Q_WH_EP_START, PG_V(v_int(id), v_int(event_id)));
}

int pg_wh_endpoint_fanned(store_t *st, int64_t id, bool enabled, const char *types,
                          const char *account)
{
    return pg_write1(pg_conn(st), Q_WH_EP_FANNED,
                     PG_V(v_int(id), v_int(enabled ? 1 : 0), v_text(types), v_text(account)));
}

int pg_wh_endpoint_disable(store_t *st, int64_t id, const char *reason, int64_t now)
{
    return pg_write1(pg_conn(st), Q_WH_EP_DISABLE, PG_V(v_int(id), v_text(reason), v_int(now)));
}

int pg_wh_cursor_get(store_t *st, int64_t *event_id)
{
    conn_t *c = pg_conn(st);
    return pg_one_row(c, pg_lockq(c, Q_WH_CURSOR_GET, Q_WH_CURSOR_LOCK), PG_NONE, pg_rd_i64,
                      event_id);
}

int pg_wh_cursor_put(store_t *st, int64_t event_id)
{
    return pg_write1(pg_conn(st), Q_WH_CURSOR_PUT, PG_V(v_int(event_id)));
}

int pg_wh_delivery_insert(store_t *st, const wh_delivery_t *d)
{
    return pg_exec(pg_conn(st), Q_WH_DL_INSERT,
                   PG_V(v_int(d->endpoint_id), v_int(d->event_id), v_text(d->event_type),
                        v_text(d->object_key), v_int(d->next_at_ms), v_int(d->created_at)),
                   NULL, NULL);
}

int pg_wh_delivery_claim(store_t *st, int64_t now_ms, int64_t lease_until_ms, int owner_share,
                         wh_delivery_t *out)
{
    conn_t *c = pg_conn(st);
    int rc = pg_exec(c, Q_WH_DL_CLAIM_TURN, PG_NONE, NULL, NULL);
    if (rc != ST_OK) return rc;
    return pg_one_row(c, Q_WH_DL_CLAIM, PG_V(v_int(now_ms), v_int(lease_until_ms), v_int(owner_share)),
                      sqls_rd_wh_delivery, out);
}

int pg_wh_delivery_due(store_t *st, int64_t now_ms, int owner_share, bool *any)
{
    int64_t n = 0;
    int rc = pg_one_row(pg_conn(st), Q_WH_DL_DUE, PG_V(v_int(now_ms), v_int(owner_share)), pg_rd_i64,
                        &n);
    *any = rc == ST_OK && n > 0;
    return rc;
}

int pg_wh_delivery_finish(store_t *st, const wh_delivery_t *d)
{
    return pg_write1(pg_conn(st), Q_WH_DL_FINISH,
                     PG_V(v_int(d->id), v_int(d->state), v_int(d->attempts), v_int(d->next_at_ms),
                          v_int(d->last_status), v_text(d->last_error), v_int(d->last_at),
                          v_int(d->delivered_at), v_int(d->leased_until_ms)));
}

int pg_wh_delivery_get(store_t *st, int64_t endpoint_id, int64_t id, wh_delivery_t *out)
{
    return pg_one_row(pg_conn(st), Q_WH_DL_GET, PG_V(v_int(endpoint_id), v_int(id)),
                      sqls_rd_wh_delivery, out);
}

int pg_wh_delivery_list(store_t *st, int64_t endpoint_id, int state, int limit, int offset,
                        wh_delivery_t *rows, size_t *nrows, int64_t *total)
{
    return pg_page(pg_conn(st), Q_WH_DL_LIST,
                   PG_V(v_int(endpoint_id), v_int(state), v_int(limit), v_int(offset)), limit,
                   sqls_rd_wh_delivery, rows, nrows, total);
}

int pg_wh_delivery_retry(store_t *st, int64_t endpoint_id, int64_t id, int64_t now_ms)
{
    return pg_write1(pg_conn(st), Q_WH_DL_RETRY, PG_V(v_int(endpoint_id), v_int(id), v_int(now_ms)));
}

int pg_wh_delivery_purge(store_t *st, int64_t before_ts, int max, int64_t *n)
{
    *n = 0;
    return pg_exec(pg_conn(st), Q_WH_DL_PURGE, PG_V(v_int(before_ts), v_int(max)), NULL, n);
}
