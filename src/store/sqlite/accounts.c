/* accounts.c -- accounts and API keys in SQLite. */
#include "store/sqlite/sqliteInt.h"

#include "util/clock.h"

static const char *const sql_text[Q__COUNT] = {
    [Q_ACCOUNT_INSERT] =
        "INSERT INTO accounts(auth_id, parent_id, name, token_hash, enabled, created_at, "
        "modified_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    [Q_APIKEY_INSERT] =
        "INSERT INTO api_keys(account_id, key_hash, scopes, created_at) VALUES (?1, ?2, ?3, ?4)",
    /* on the writing connection (SQ_ONE): a close in the same group is
     * seen, and the write lock holds it */
    [Q_ACCOUNT_STATUS_HELD] = "SELECT status FROM accounts WHERE id = ?1",
};

int sq_account_insert(store_t *st, account_t *a)
{
    return SQ_INSERT(st, Q_ACCOUNT_INSERT, &a->id, SQ_T(a->auth_id), SQ_ID(a->parent_id),
                     SQ_T(a->name), SQ_B(a->token_hash, IDS_HASH_SZ), SQ_I(a->enabled),
                     SQ_I(a->created_at));
}

int sq_account_status_held(store_t *st, int64_t id, int *status)
{
    *status = 0;
    return SQ_ONE(st, Q_ACCOUNT_STATUS_HELD, sqls_rd_int, status, SQ_I(id));
}

int sq_account_by_auth_id(store_t *st, const char *auth_id, account_t *out)
{
    return SQ_ONE_CRED(st, Q_ACCOUNT_BY_AUTH_ID, sqls_rd_account, out, SQ_T(auth_id));
}

int sq_account_by_id(store_t *st, int64_t id, account_t *out)
{
    return SQ_ONE_CRED(st, Q_ACCOUNT_BY_ID, sqls_rd_account, out, SQ_I(id));
}

int sq_account_list(store_t *st, store_account_cb cb, void *ud)
{
    sqls_walk_account_t w = {cb, ud};
    return SQ_EACH(st, Q_ACCOUNT_LIST, sqls_walk_account, &w);
}

int64_t sq_account_count(store_t *st)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_ACCOUNT_COUNT) : NULL;
    if (!q) return -1;
    int64_t n = sq_step_row(c, q, "account count") == ST_OK ? sqlite3_column_int64(q, 0) : -1;
    sq_done(q);
    return n;
}

int sq_apikey_insert(store_t *st, int64_t account_id, const uint8_t hash[IDS_HASH_SZ],
                     unsigned scopes)
{
    return SQ_RUN(st, Q_APIKEY_INSERT, NULL, SQ_I(account_id), SQ_B(hash, IDS_HASH_SZ),
                  SQ_I(scopes), SQ_I(clock_now()));
}

typedef struct {
    int64_t account_id;
    unsigned scopes;
} apikey_row_t;

static void rd_apikey(sqls_row_t *r, void *rows, size_t i)
{
    apikey_row_t *k = (apikey_row_t *)rows + i;
    k->account_id = r->ops->i64(r, 0);
    k->scopes = (unsigned)r->ops->i64(r, 0);
}

int sq_apikey_lookup(store_t *st, const uint8_t hash[IDS_HASH_SZ], int64_t *account_id,
                     unsigned *scopes)
{
    apikey_row_t k = {0, 0};
    int rc = SQ_ONE(st, Q_APIKEY_LOOKUP, rd_apikey, &k, SQ_B(hash, IDS_HASH_SZ));
    if (rc == ST_OK) {
        *account_id = k.account_id;
        *scopes = k.scopes;
    }
    return rc;
}
