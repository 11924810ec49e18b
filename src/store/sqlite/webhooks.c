/* webhooks.c -- webhook endpoints, their deliveries and the fan-out's
 * cursor in SQLite (migration 0009 says what each column means).
 *
 * Concurrency: SQLite has one writer at a time, so the claim (one UPDATE
 * ... RETURNING of the first due row) cannot hand a row to two workers,
 * nor two rows of one endpoint (SQLS_WH_FREE sees the other's lease);
 * the order per object is the NOT EXISTS of the claim: a pending delivery
 * of the same object with a smaller event id, leased or waiting for its
 * retry, holds the later ones back. */
#include "store/sqlite/sqliteInt.h"

#include <string.h>

static const char *const sql_text[Q__COUNT] = {
    [Q_WH_EP_INSERT] =
        "INSERT INTO webhook_endpoints(uid, owner_id, account_id, url, description, event_types, "
        "enabled, disabled_reason, secret, old_secret, old_secret_until, fail_count, fail_since, "
        "created_at, updated_at, fan_enabled, fan_types, fan_account) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?7, ?6, "
        SQLS_WH_FAN_ACCOUNT("?3") ")",
    [Q_WH_EP_LIST] = "SELECT " SQLS_WH_ENDPOINT_COLS " FROM webhook_endpoints "
                     "WHERE ?1 < 0 OR owner_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
    [Q_WH_EP_COUNT] = "SELECT count(*) FROM webhook_endpoints WHERE ?1 < 0 OR owner_id = ?1",
    [Q_WH_EP_DELETE_DELIVERIES] = "DELETE FROM webhook_deliveries WHERE endpoint_id = ?1",
    /* settled ones, and a disabled endpoint's pending ones, oldest first
     * along webhook_deliveries_age (0018) */
    [Q_WH_DL_PURGE] = "DELETE FROM webhook_deliveries WHERE id IN (SELECT d.id FROM webhook_deliveries d "
                      "WHERE d.created_at < ?1 AND (d.state <> 0 OR NOT EXISTS (SELECT 1 FROM "
                      "webhook_endpoints e WHERE e.id = d.endpoint_id AND e.enabled = 1)) "
                      "ORDER BY d.created_at LIMIT ?2)",
    [Q_WH_DL_CLAIM] =
        "UPDATE webhook_deliveries SET leased_until = ?2 WHERE id = ("
        "SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id "
        "WHERE d.state = 0 AND d.next_at <= ?1 AND d.leased_until <= ?1 AND e.enabled = 1 "
        "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id "
        "AND p.object_key = d.object_key AND p.state = 0 AND p.event_id < d.event_id) "
        SQLS_WH_FREE("?1", "?3") "ORDER BY d.next_at, d.id LIMIT 1) RETURNING " SQLS_WH_DELIVERY_COLS,
    [Q_WH_DL_LIST] = "SELECT " SQLS_WH_DELIVERY_COLS " FROM webhook_deliveries "
                     "WHERE endpoint_id = ?1 AND (?2 < 0 OR state = ?2) "
                     "ORDER BY id DESC LIMIT ?3 OFFSET ?4",
    [Q_WH_DL_COUNT] = "SELECT count(*) FROM webhook_deliveries "
                      "WHERE endpoint_id = ?1 AND (?2 < 0 OR state = ?2)",
};

static void rd_i64(sqls_row_t *r, void *rows, size_t i)
{
    ((int64_t *)rows)[i] = r->ops->i64(r, 0);
}

int sq_wh_endpoint_insert(store_t *st, wh_endpoint_t *ep)
{
    return SQ_INSERT(st, Q_WH_EP_INSERT, &ep->id, SQ_T(ep->uid), SQ_I(ep->owner_id),
                     SQ_ID(ep->account_id), SQ_T(ep->url), SQ_T(ep->description),
                     SQ_T(ep->event_types), SQ_I(ep->enabled ? 1 : 0), SQ_T(ep->disabled_reason),
                     SQ_B(ep->secret, ep->secret_len), SQ_B(ep->old_secret, ep->old_secret_len),
                     SQ_I(ep->old_secret_until), SQ_I(ep->fail_count), SQ_I(ep->fail_since),
                     SQ_I(ep->created_at), SQ_I(ep->updated_at));
}

int sq_wh_endpoint_get(store_t *st, int64_t owner_id, const char *uid, wh_endpoint_t *out)
{
    return SQ_ONE(st, Q_WH_EP_GET, sqls_rd_wh_endpoint, out, SQ_I(owner_id), SQ_T(uid));
}

int sq_wh_endpoint_by_id(store_t *st, int64_t id, wh_endpoint_t *out)
{
    return SQ_ONE(st, Q_WH_EP_BY_ID, sqls_rd_wh_endpoint, out, SQ_I(id));
}

int sq_wh_endpoint_list(store_t *st, int64_t owner_id, int limit, int offset, wh_endpoint_t *rows,
                        size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *q = STMT(c, Q_WH_EP_LIST), *n = STMT(c, Q_WH_EP_COUNT);
    if (!q || !n) return ST_ERR;
    sq_bind_args(q, SQ_ARGS(SQ_I(owner_id), SQ_I(limit), SQ_I(offset)));
    sq_bind_args(n, SQ_ARGS(SQ_I(owner_id)));
    return sq_page_and_count(st, c, q, n, limit, sqls_rd_wh_endpoint, rows, nrows, total,
                             "webhook endpoint list");
}

int sq_wh_endpoint_page(store_t *st, int64_t after_id, int limit, wh_endpoint_t *rows,
                        size_t *nrows)
{
    sqls_fill_t f = {sqls_rd_wh_endpoint, rows, 0, limit > 0 ? (size_t)limit : 0};
    int rc = SQ_EACH_V(st, Q_WH_EP_PAGE, sqls_fill, &f, SQ_I(after_id), SQ_I(limit));
    *nrows = f.n;
    return rc;
}

int sq_wh_endpoint_update(store_t *st, const wh_endpoint_t *ep)
{
    return SQ_RUN1(st, Q_WH_EP_UPDATE, SQ_I(ep->id), SQ_T(ep->url), SQ_T(ep->description),
                   SQ_T(ep->event_types), SQ_ID(ep->account_id), SQ_I(ep->enabled ? 1 : 0),
                   SQ_T(ep->disabled_reason), SQ_B(ep->secret, ep->secret_len),
                   SQ_B(ep->old_secret, ep->old_secret_len), SQ_I(ep->old_secret_until),
                   SQ_I(ep->fail_count), SQ_I(ep->fail_since), SQ_I(ep->updated_at));
}

int sq_wh_endpoint_delete(store_t *st, int64_t id)
{
    int rc = SQ_RUN(st, Q_WH_EP_DELETE_DELIVERIES, NULL, SQ_I(id));
    return rc == ST_OK ? SQ_RUN1(st, Q_WH_EP_DELETE, SQ_I(id)) : rc;
}

int sq_wh_endpoint_count(store_t *st, int64_t owner_id, int64_t *n)
{
    /* one writer at a time: the count holds until the transaction ends */
    *n = 0;
    return SQ_ONE(st, Q_WH_EP_OWNED, rd_i64, n, SQ_I(owner_id));
}

int sq_wh_endpoint_outcome(store_t *st, int64_t id, bool ok, int64_t now, int *fail_count,
                           int64_t *fail_since)
{
    sqls_wh_run_t o = {0, 0};
    int rc = SQ_ONE(st, Q_WH_EP_OUTCOME, sqls_rd_wh_run, &o, SQ_I(id), SQ_I(ok ? 1 : 0),
                    SQ_I(now));
    *fail_count = o.count;
    *fail_since = o.since;
    return rc;
}

int sq_wh_endpoint_start(store_t *st, int64_t id, int64_t event_id)
{
    return SQ_RUN1(st, Q_WH_EP_START, SQ_I(id), SQ_I(event_id));
}

int sq_wh_endpoint_fanned(store_t *st, int64_t id, bool enabled, const char *types,
                          const char *account)
{
    return SQ_RUN1(st, Q_WH_EP_FANNED, SQ_I(id), SQ_I(enabled ? 1 : 0), SQ_T(types), SQ_T(account));
}

int sq_wh_endpoint_disable(store_t *st, int64_t id, const char *reason, int64_t now)
{
    return SQ_RUN1(st, Q_WH_EP_DISABLE, SQ_I(id), SQ_T(reason), SQ_I(now));
}

int sq_wh_cursor_get(store_t *st, int64_t *event_id)
{
    return sq_one_args(st, Q_WH_CURSOR_GET, SQ_SQL(Q_WH_CURSOR_GET), rd_i64, event_id, NULL, 0);
}

int sq_wh_cursor_put(store_t *st, int64_t event_id)
{
    return SQ_RUN1(st, Q_WH_CURSOR_PUT, SQ_I(event_id));
}

int sq_wh_delivery_insert(store_t *st, const wh_delivery_t *d)
{
    return SQ_RUN(st, Q_WH_DL_INSERT, NULL, SQ_I(d->endpoint_id), SQ_I(d->event_id),
                  SQ_T(d->event_type), SQ_T(d->object_key), SQ_I(d->next_at_ms),
                  SQ_I(d->created_at));
}

int sq_wh_delivery_claim(store_t *st, int64_t now_ms, int64_t lease_until_ms, int owner_share,
                         wh_delivery_t *out)
{
    return SQ_ONE(st, Q_WH_DL_CLAIM, sqls_rd_wh_delivery, out, SQ_I(now_ms), SQ_I(lease_until_ms),
                  SQ_I(owner_share));
}

int sq_wh_delivery_due(store_t *st, int64_t now_ms, int owner_share, bool *any)
{
    int64_t n = 0;
    int rc = SQ_ONE(st, Q_WH_DL_DUE, rd_i64, &n, SQ_I(now_ms), SQ_I(owner_share));
    *any = rc == ST_OK && n > 0;
    return rc;
}

int sq_wh_delivery_finish(store_t *st, const wh_delivery_t *d)
{
    return SQ_RUN1(st, Q_WH_DL_FINISH, SQ_I(d->id), SQ_I(d->state), SQ_I(d->attempts),
                   SQ_I(d->next_at_ms), SQ_I(d->last_status), SQ_T(d->last_error),
                   SQ_I(d->last_at), SQ_I(d->delivered_at), SQ_I(d->leased_until_ms));
}

int sq_wh_delivery_get(store_t *st, int64_t endpoint_id, int64_t id, wh_delivery_t *out)
{
    return SQ_ONE(st, Q_WH_DL_GET, sqls_rd_wh_delivery, out, SQ_I(endpoint_id), SQ_I(id));
}

int sq_wh_delivery_list(store_t *st, int64_t endpoint_id, int state, int limit, int offset,
                        wh_delivery_t *rows, size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *q = STMT(c, Q_WH_DL_LIST), *n = STMT(c, Q_WH_DL_COUNT);
    if (!q || !n) return ST_ERR;
    sq_bind_args(q, SQ_ARGS(SQ_I(endpoint_id), SQ_I(state), SQ_I(limit), SQ_I(offset)));
    sq_bind_args(n, SQ_ARGS(SQ_I(endpoint_id), SQ_I(state)));
    return sq_page_and_count(st, c, q, n, limit, sqls_rd_wh_delivery, rows, nrows, total,
                             "webhook delivery list");
}

int sq_wh_delivery_retry(store_t *st, int64_t endpoint_id, int64_t id, int64_t now_ms)
{
    return SQ_RUN1(st, Q_WH_DL_RETRY, SQ_I(endpoint_id), SQ_I(id), SQ_I(now_ms));
}

int sq_wh_delivery_purge(store_t *st, int64_t before_ts, int max, int64_t *n)
{
    int changes = 0;
    int rc = SQ_RUN(st, Q_WH_DL_PURGE, &changes, SQ_I(before_ts), SQ_I(max));
    *n = rc == ST_OK ? changes : 0;
    return rc;
}
