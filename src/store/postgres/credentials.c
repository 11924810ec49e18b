/* credentials.c -- the credential lifecycle in PostgreSQL: API keys (create,
 * look up by hash, list, revoke, last use), an account's status and token
 * rotation, the release of every number of a closed account, and the
 * credential epoch (migration 0004 says what each column means).
 *
 * Concurrency: a revocation is one conditional UPDATE (revoked_at = 0), so
 * two nodes revoking the same key report it once; the epoch bump is an
 * UPDATE of one row, so concurrent bumps queue on that row lock for the
 * length of their transactions (rare operator actions, never per request). */
#include "store/postgres/pgInt.h"

#include "util/clock.h"

const char *const pg_sql_credentials[Q__COUNT] = {
    [Q_APIKEY_CREATE] =
        "INSERT INTO api_keys(account_id, key_hash, scopes, created_at, prefix, label, "
        "expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
    [Q_APIKEY_LIST] = PAGE("FROM api_keys WHERE account_id = $1",
                           "SELECT " SQLS_APIKEY_COLS " FROM api_keys WHERE account_id = $1 "
                           "ORDER BY id DESC LIMIT $2 OFFSET $3"),
};

int pg_apikey_create(store_t *st, apikey_t *k)
{
    int rc = pg_one_row(pg_conn(st), Q_APIKEY_CREATE,
                        PG_V(v_int(k->account_id), v_blob(k->hash, IDS_HASH_SZ), v_int(k->scopes),
                             v_int(k->created_at), v_text(k->prefix), v_text(k->label),
                             v_int(k->expires_at)),
                        pg_rd_i64, &k->id);
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
}

int pg_apikey_by_hash(store_t *st, const uint8_t hash[IDS_HASH_SZ], apikey_t *out)
{
    return pg_one_row(pg_conn(st), Q_APIKEY_BY_HASH, PG_V(v_blob(hash, IDS_HASH_SZ)),
                      sqls_rd_apikey, out);
}

int pg_apikey_list(store_t *st, int64_t account_id, int limit, int offset, apikey_t *rows,
                   size_t *nrows, int64_t *total)
{
    return pg_page(pg_conn(st), Q_APIKEY_LIST,
                   PG_V(v_int(account_id), v_int(limit), v_int(offset)), limit, sqls_rd_apikey,
                   rows, nrows, total);
}

int pg_apikey_revoke(store_t *st, int64_t account_id, int64_t key_id, int64_t now,
                     apikey_t *out)
{
    return pg_one_row(pg_conn(st), Q_APIKEY_REVOKE,
                      PG_V(v_int(account_id), v_int(key_id), v_int(now)), sqls_rd_apikey, out);
}

int pg_apikey_revoke_all(store_t *st, int64_t account_id, int64_t now)
{
    return pg_exec(pg_conn(st), Q_APIKEY_REVOKE_ALL, PG_V(v_int(account_id), v_int(now)), NULL,
                   NULL);
}

int pg_apikey_touch(store_t *st, int64_t key_id, int64_t now)
{
    return pg_exec(pg_conn(st), Q_APIKEY_TOUCH, PG_V(v_int(key_id), v_int(now)), NULL, NULL);
}

int pg_account_set_status(store_t *st, int64_t id, int status, int64_t now)
{
    int64_t changes = 0;
    int rc = pg_exec(pg_conn(st), Q_ACCOUNT_SET_STATUS, PG_V(v_int(id), v_int(status), v_int(now)),
                     NULL, &changes);
    return rc == ST_OK && changes == 0 ? ST_NOTFOUND : rc;
}

int pg_account_set_token(store_t *st, int64_t id, const uint8_t hash[IDS_HASH_SZ],
                         const uint8_t *old_hash, int64_t old_until, int64_t now)
{
    return pg_write1(pg_conn(st), Q_ACCOUNT_SET_TOKEN,
                     PG_V(v_int(id), v_blob(hash, IDS_HASH_SZ),
                          v_blob(old_hash, old_hash ? IDS_HASH_SZ : 0),
                          v_int(old_hash ? old_until : 0), v_int(now)));
}

int pg_number_release_all(store_t *st, int64_t owner_id, bool to_available, int64_t *released)
{
    conn_t *c = pg_conn(st);
    int64_t a = 0, b = 0;
    *released = 0;
    /* in a write transaction: behind any import batch, as number_release */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_exec(c, Q_RELEASE_ALL_INVENTORY,
                     PG_V(v_int(owner_id), v_int(to_available ? NUM_AVAILABLE : NUM_AGING),
                          v_int(clock_now())),
                     NULL, &a);
    if (rc == ST_OK) rc = pg_exec(c, Q_RELEASE_ALL_CUSTOMER, PG_V(v_int(owner_id)), NULL, &b);
    if (rc == ST_OK) *released = a + b;
    return pg_tx_end(st, rc, true);
}

int pg_cred_epoch_get(store_t *st, int64_t *epoch)
{
    return pg_one_row(pg_conn(st), Q_CRED_EPOCH_GET, PG_NONE, pg_rd_i64, epoch);
}

int pg_cred_epoch_bump(store_t *st)
{
    return pg_write1(pg_conn(st), Q_CRED_EPOCH_BUMP, PG_NONE);
}
