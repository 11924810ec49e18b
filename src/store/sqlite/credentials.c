/* credentials.c -- the credential lifecycle in SQLite: API keys (create,
 * look up by hash, list, revoke, last use), an account's status and token
 * rotation, the release of every number of a closed account, and the
 * credential epoch (migration 0005 says what each column means). */
#include "store/sqlite/sqliteInt.h"

#include "util/clock.h"

static const char *const sql_text[Q__COUNT] = {
    [Q_APIKEY_CREATE] =
        "INSERT INTO api_keys(account_id, key_hash, scopes, created_at, prefix, label, "
        "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_APIKEY_LIST] = "SELECT " SQLS_APIKEY_COLS " FROM api_keys WHERE account_id = ?1 "
                      "ORDER BY id DESC LIMIT ?2 OFFSET ?3",
    [Q_APIKEY_COUNT] = "SELECT count(*) FROM api_keys WHERE account_id = ?1",
};

int sq_apikey_create(store_t *st, apikey_t *k)
{
    return SQ_INSERT(st, Q_APIKEY_CREATE, &k->id, SQ_I(k->account_id), SQ_B(k->hash, IDS_HASH_SZ),
                     SQ_I(k->scopes), SQ_I(k->created_at), SQ_T(k->prefix), SQ_T(k->label),
                     SQ_I(k->expires_at));
}

int sq_apikey_by_hash(store_t *st, const uint8_t hash[IDS_HASH_SZ], apikey_t *out)
{
    return SQ_ONE_CRED(st, Q_APIKEY_BY_HASH, sqls_rd_apikey, out, SQ_B(hash, IDS_HASH_SZ));
}

int sq_apikey_list(store_t *st, int64_t account_id, int limit, int offset, apikey_t *rows,
                   size_t *nrows, int64_t *total)
{
    return SQ_PAGE(st, Q_APIKEY_LIST, Q_APIKEY_COUNT, limit, sqls_rd_apikey, rows, nrows, total,
                   "api key list", SQ_I(account_id), SQ_I(limit), SQ_I(offset));
}

int sq_apikey_revoke(store_t *st, int64_t account_id, int64_t key_id, int64_t now,
                     apikey_t *out)
{
    return SQ_ONE(st, Q_APIKEY_REVOKE, sqls_rd_apikey, out, SQ_I(account_id), SQ_I(key_id),
                  SQ_I(now));
}

int sq_apikey_revoke_all(store_t *st, int64_t account_id, int64_t now)
{
    return SQ_RUN(st, Q_APIKEY_REVOKE_ALL, NULL, SQ_I(account_id), SQ_I(now));
}

int sq_apikey_touch(store_t *st, int64_t key_id, int64_t now)
{
    return SQ_RUN(st, Q_APIKEY_TOUCH, NULL, SQ_I(key_id), SQ_I(now));
}

int sq_account_set_status(store_t *st, int64_t id, int status, int64_t now)
{
    int changes = 0;
    int rc = SQ_RUN(st, Q_ACCOUNT_SET_STATUS, &changes, SQ_I(id), SQ_I(status), SQ_I(now));
    return rc == ST_OK && changes == 0 ? ST_NOTFOUND : rc;
}

int sq_account_set_token(store_t *st, int64_t id, const uint8_t hash[IDS_HASH_SZ],
                         const uint8_t *old_hash, int64_t old_until, int64_t now)
{
    return SQ_RUN1(st, Q_ACCOUNT_SET_TOKEN, SQ_I(id), SQ_B(hash, IDS_HASH_SZ),
                   SQ_B(old_hash, old_hash ? IDS_HASH_SZ : 0), SQ_I(old_hash ? old_until : 0),
                   SQ_I(now));
}

int sq_number_release_all(store_t *st, int64_t owner_id, bool to_available, int64_t *released)
{
    int a = 0, b = 0;
    *released = 0;
    int rc = SQ_RUN(st, Q_RELEASE_ALL_INVENTORY, &a, SQ_I(owner_id),
                    SQ_I(to_available ? NUM_AVAILABLE : NUM_AGING), SQ_I(clock_now()));
    if (rc == ST_OK) rc = SQ_RUN(st, Q_RELEASE_ALL_CUSTOMER, &b, SQ_I(owner_id));
    if (rc == ST_OK) *released = (int64_t)a + b;
    return rc;
}

static void rd_i64(sqls_row_t *r, void *rows, size_t i)
{
    ((int64_t *)rows)[i] = r->ops->i64(r, 0);
}

int sq_cred_epoch_get(store_t *st, int64_t *epoch)
{
    return sq_one_cred(st, Q_CRED_EPOCH_GET, SQ_SQL(Q_CRED_EPOCH_GET), rd_i64, epoch, NULL, 0);
}

int sq_cred_epoch_bump(store_t *st)
{
    return sq_run1_args(st, Q_CRED_EPOCH_BUMP, SQ_SQL(Q_CRED_EPOCH_BUMP), NULL, 0);
}
