/* idem.c -- idempotency keys: an advisory lock per (account, key), then
 * the stored answer. */
#include "store/postgres/pgInt.h"

const char *const pg_sql_idem[Q__COUNT] = {
    /* the seed is the account, the hashed text the key */
    [Q_IDEM_LOCK] = "SELECT pg_advisory_xact_lock(hashtextextended($2::text, $1::bigint))",
    [Q_IDEM_GET] =
        "SELECT status, req_hash, body, created_at FROM idempotency "
        "WHERE account_id = $1 AND key = $2",
    [Q_IDEM_PUT] =
        "INSERT INTO idempotency(account_id, key, req_hash, status, body, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, key) DO UPDATE SET "
        "req_hash = EXCLUDED.req_hash, status = EXCLUDED.status, body = EXCLUDED.body, "
        "created_at = EXCLUDED.created_at",
};

int pg_idem_get(store_t *st, int64_t account_id, const char *key, idem_row_t *out)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_text(&p, key);
    /* Inside the caller's transaction, wait for whoever holds this key on
     * any node; the read below is a new statement, so it sees what that
     * request committed.  (Outside a transaction the lock would be
     * released at once: pointless.) */
    if (c->depth > 0 && pg_exec(c, Q_IDEM_LOCK, &p, NULL, NULL) != ST_OK) return ST_ERR;
    PGresult *r = NULL;
    int rc = pg_exec(c, Q_IDEM_GET, &p, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) > 0) {
        rd_t d = {r, 0, 0};
        size_t n = 0;
        out->status = rd_int(&d);
        memset(out->req_hash, 0, IDS_HASH_SZ);
        uint8_t h[IDS_HASH_SZ];
        pg_rd_blob(&d, h, sizeof h, &n);
        if (n == IDS_HASH_SZ) memcpy(out->req_hash, h, IDS_HASH_SZ);
        const char *b = rd_val(&d);
        out->body = xstrdup(b ? b : "");
        out->created_at = rd_i64(&d);
    } else {
        rc = ST_NOTFOUND;
    }
    PQclear(r);
    return rc;
}

int pg_idem_put(store_t *st, int64_t account_id, const char *key, const idem_row_t *row)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_text(&p, key);
    p_blob(&p, row->req_hash, IDS_HASH_SZ);
    p_i64(&p, row->status);
    p_text(&p, row->body);
    p_i64(&p, row->created_at);
    return pg_exec(c, Q_IDEM_PUT, &p, NULL, NULL);
}
