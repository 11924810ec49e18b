/* accounts.c -- main accounts, subaccounts read by id or auth_id, and API keys. */
#include "store/postgres/pgInt.h"

#include "util/clock.h"

const char *const pg_sql_accounts[Q__COUNT] = {
    [Q_ACCOUNT_INSERT] =
        "INSERT INTO accounts(auth_id, parent_id, name, token_hash, enabled, created_at, "
        "modified_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING RETURNING id",
    [Q_ACCOUNT_BY_AUTH_ID_LOCK] =
        "SELECT " SQLS_ACCOUNT_COLS " FROM accounts WHERE auth_id = $1 FOR UPDATE",
    /* FOR SHARE: purchases of one account do not wait for each other, a
     * close's UPDATE waits for them (and they for it) */
    [Q_ACCOUNT_STATUS_HELD] = "SELECT status FROM accounts WHERE id = $1 FOR SHARE",
    [Q_APIKEY_INSERT] =
        "INSERT INTO api_keys(account_id, key_hash, scopes, created_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
};

int pg_account_insert(store_t *st, account_t *a)
{
    /* ON CONFLICT DO NOTHING RETURNING id: no row is a taken auth_id */
    int rc = pg_one_row(pg_conn(st), Q_ACCOUNT_INSERT,
                        PG_V(v_text(a->auth_id), v_id(a->parent_id), v_text(a->name),
                             v_blob(a->token_hash, IDS_HASH_SZ), v_bool(a->enabled),
                             v_int(a->created_at)),
                        pg_rd_i64, &a->id);
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
}

int pg_account_by_auth_id(store_t *st, const char *auth_id, account_t *out)
{
    return pg_one_locking(st, Q_ACCOUNT_BY_AUTH_ID, Q_ACCOUNT_BY_AUTH_ID_LOCK,
                          PG_V(v_text(auth_id)), sqls_rd_account, out);
}

int pg_account_status_held(store_t *st, int64_t id, int *status)
{
    int64_t v = 0;
    int rc = pg_one_row(pg_conn(st), Q_ACCOUNT_STATUS_HELD, PG_V(v_int(id)), pg_rd_i64, &v);
    *status = (int)v;
    return rc;
}

int pg_account_by_id(store_t *st, int64_t id, account_t *out)
{
    return pg_one_row(pg_conn(st), Q_ACCOUNT_BY_ID, PG_V(v_int(id)), sqls_rd_account, out);
}

int pg_account_list(store_t *st, store_account_cb cb, void *ud)
{
    sqls_walk_account_t w = {cb, ud};
    return pg_each(pg_conn(st), Q_ACCOUNT_LIST, PG_NONE, sqls_walk_account, &w);
}

int64_t pg_account_count(store_t *st)
{
    int64_t n = -1;
    return pg_one_row(pg_conn(st), Q_ACCOUNT_COUNT, PG_NONE, pg_rd_i64, &n) == ST_OK ? n : -1;
}

int pg_apikey_insert(store_t *st, int64_t account_id, const uint8_t hash[IDS_HASH_SZ],
                     unsigned scopes)
{
    int rc = pg_write1(pg_conn(st), Q_APIKEY_INSERT,
                       PG_V(v_int(account_id), v_blob(hash, IDS_HASH_SZ), v_int(scopes),
                            v_int(clock_now())));
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
}

typedef struct {
    int64_t *account_id;
    unsigned *scopes;
} apikey_out_t;

static void rd_apikey(sqls_row_t *d, void *out, size_t i)
{
    apikey_out_t *o = &((apikey_out_t *)out)[i];
    *o->account_id = rd_i64(d);
    *o->scopes = (unsigned)rd_i64(d);
}

int pg_apikey_lookup(store_t *st, const uint8_t hash[IDS_HASH_SZ], int64_t *account_id,
                     unsigned *scopes)
{
    apikey_out_t o = {account_id, scopes};
    return pg_one_row(pg_conn(st), Q_APIKEY_LOOKUP, PG_V(v_blob(hash, IDS_HASH_SZ)), rd_apikey,
                      &o);
}
