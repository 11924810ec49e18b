/* idem.c -- idempotency keys: an advisory lock per (account, key), then
 * the stored answer. */
#include "store/postgres/pgInt.h"

const char *const pg_sql_idem[Q__COUNT] = {
    /* the seed is the account, the hashed text the key */
    [Q_IDEM_LOCK] = "SELECT pg_advisory_xact_lock(hashtextextended($2::text, $1::bigint))",
    [Q_IDEM_PUT] =
        "INSERT INTO idempotency(account_id, key, req_hash, status, body, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, key) DO UPDATE SET "
        "req_hash = EXCLUDED.req_hash, status = EXCLUDED.status, body = EXCLUDED.body, "
        "created_at = EXCLUDED.created_at",
    /* oldest first along idempotency_age; a record another node's sweep
     * is deleting is skipped, not waited for */
    [Q_IDEM_PURGE] = "DELETE FROM idempotency WHERE (account_id, key) IN (SELECT account_id, key "
                     "FROM idempotency "
                     "WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
};

static void rd_idem(sqls_row_t *d, void *rows, size_t i)
{
    idem_row_t *o = &((idem_row_t *)rows)[i];
    o->status = rd_int(d);
    pg_rd_hash(d, o->req_hash);
    const char *b = rd_val(d);
    o->body = xstrdup(b ? b : "");
    o->created_at = rd_i64(d);
}

int pg_idem_get(store_t *st, int64_t account_id, const char *key, idem_row_t *out)
{
    conn_t *c = pg_conn(st);
    /* Inside the caller's transaction, wait for whoever holds this key on
     * any node; the read below is a new statement, so it sees what that
     * request committed.  (Outside a transaction the lock would be
     * released at once: pointless.) */
    if (c && c->depth > 0 &&
        pg_exec(c, Q_IDEM_LOCK, PG_V(v_int(account_id), v_text(key)), NULL, NULL) != ST_OK)
        return ST_ERR;
    return pg_one_row(c, Q_IDEM_GET, PG_V(v_int(account_id), v_text(key)), rd_idem, out);
}

int pg_idem_put(store_t *st, int64_t account_id, const char *key, const idem_row_t *row)
{
    return pg_exec(pg_conn(st), Q_IDEM_PUT,
                   PG_V(v_int(account_id), v_text(key), v_blob(row->req_hash, IDS_HASH_SZ),
                        v_int(row->status), v_text(row->body), v_int(row->created_at)),
                   NULL, NULL);
}

int pg_idem_purge(store_t *st, int64_t before_ts, int max, int64_t *n)
{
    *n = 0;
    return pg_exec(pg_conn(st), Q_IDEM_PURGE, PG_V(v_int(before_ts), v_int(max)), NULL, n);
}
