/* accounts.c -- main accounts, subaccounts read by id or auth_id, and API keys. */
#include "store/postgres/pgInt.h"

#include "core/clock.h"

const char *const pg_sql_accounts[Q__COUNT] = {
    [Q_ACCOUNT_INSERT] =
        "INSERT INTO accounts(auth_id, parent_id, name, token_hash, enabled, created_at, "
        "modified_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING RETURNING id",
    [Q_ACCOUNT_BY_AUTH_ID] = "SELECT " ACCOUNT_COLS " FROM accounts WHERE auth_id = $1",
    [Q_ACCOUNT_BY_AUTH_ID_LOCK] =
        "SELECT " ACCOUNT_COLS " FROM accounts WHERE auth_id = $1 FOR UPDATE",
    [Q_ACCOUNT_BY_ID] = "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = $1",
    [Q_ACCOUNT_LIST] =
        "SELECT " ACCOUNT_COLS " FROM accounts WHERE parent_id IS NULL ORDER BY id",
    [Q_ACCOUNT_COUNT] = "SELECT count(*) FROM accounts",
    [Q_APIKEY_INSERT] =
        "INSERT INTO api_keys(account_id, key_hash, scopes, created_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
    [Q_APIKEY_LOOKUP] = "SELECT account_id, scopes FROM api_keys WHERE key_hash = $1",
};

/* ---- accounts ---------------------------------------------------------- */

void pg_read_account(rd_t *d, account_t *a)
{
    memset(a, 0, sizeof *a);
    a->id = rd_i64(d);
    rd_copy(d, a->auth_id, sizeof a->auth_id);
    a->parent_id = rd_i64(d);
    rd_copy(d, a->name, sizeof a->name);
    a->enabled = rd_bool(d);
    size_t n = 0;
    uint8_t h[IDS_HASH_SZ];
    pg_rd_blob(d, h, sizeof h, &n);
    if (n == IDS_HASH_SZ) memcpy(a->token_hash, h, IDS_HASH_SZ);
    a->created_at = rd_i64(d);
    a->modified_at = rd_i64(d);
}

void pg_rd_account(rd_t *d, void *rows, size_t i)
{
    pg_read_account(d, &((account_t *)rows)[i]);
}

int pg_account_insert(store_t *st, account_t *a)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, a->auth_id);
    p_id(&p, a->parent_id);
    p_text(&p, a->name);
    p_blob(&p, a->token_hash, IDS_HASH_SZ);
    p_bool(&p, a->enabled);
    p_i64(&p, a->created_at);
    PGresult *r = NULL;
    int rc = pg_exec(c, Q_ACCOUNT_INSERT, &p, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) == 1) a->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    else rc = ST_CONFLICT;
    PQclear(r);
    return rc;
}

int pg_account_by_auth_id(store_t *st, const char *auth_id, account_t *out)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, auth_id);
    return pg_one_row(c, pg_locking(c) ? Q_ACCOUNT_BY_AUTH_ID_LOCK : Q_ACCOUNT_BY_AUTH_ID, &p,
                      pg_rd_account, out);
}

int pg_account_by_id(store_t *st, int64_t id, account_t *out)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, id);
    return pg_one_row(c, Q_ACCOUNT_BY_ID, &p, pg_rd_account, out);
}

int pg_account_list(store_t *st, store_account_cb cb, void *ud)
{
    conn_t *c = pg_conn(st);
    PGresult *r = NULL;
    if (!c || pg_exec(c, Q_ACCOUNT_LIST, NULL, &r, NULL) != ST_OK) return ST_ERR;
    for (int i = 0; i < PQntuples(r); i++) {
        account_t a;
        rd_t d = {r, i, 0};
        pg_read_account(&d, &a);
        if (cb(&a, ud) != C_OK) break;
    }
    PQclear(r);
    return ST_OK;
}

int64_t pg_account_count(store_t *st)
{
    conn_t *c = pg_conn(st);
    PGresult *r = NULL;
    if (!c || pg_exec(c, Q_ACCOUNT_COUNT, NULL, &r, NULL) != ST_OK) return -1;
    int64_t n = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return n;
}

int pg_apikey_insert(store_t *st, int64_t account_id, const uint8_t hash[IDS_HASH_SZ],
                     unsigned scopes)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_blob(&p, hash, IDS_HASH_SZ);
    p_i64(&p, (int64_t)scopes);
    p_i64(&p, clock_now());
    int rc = pg_write1(c, Q_APIKEY_INSERT, &p);
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
}

int pg_apikey_lookup(store_t *st, const uint8_t hash[IDS_HASH_SZ], int64_t *account_id,
                     unsigned *scopes)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_blob(&p, hash, IDS_HASH_SZ);
    PGresult *r = NULL;
    int rc = pg_exec(c, Q_APIKEY_LOOKUP, &p, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) > 0) {
        rd_t d = {r, 0, 0};
        *account_id = rd_i64(&d);
        *scopes = (unsigned)rd_i64(&d);
    } else {
        rc = ST_NOTFOUND;
    }
    PQclear(r);
    return rc;
}
