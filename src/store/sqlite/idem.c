/* idem.c -- idempotency records in SQLite (scope: account id + key). */
#include "store/sqlite/sqliteInt.h"

#include <string.h>

static const char *const sql_text[Q__COUNT] = {
    [Q_IDEM_GET] =
        "SELECT status, req_hash, body, created_at FROM idempotency "
        "WHERE account_id = ?1 AND key = ?2",
    [Q_IDEM_PUT] =
        "INSERT OR REPLACE INTO idempotency(account_id, key, req_hash, status, body, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
};

/* ?1 and ?2 as (account_id, key) */
static sqlite3_stmt *idem_key(conn_t *c, int which, int64_t account_id, const char *key)
{
    sqlite3_stmt *q = STMT(c, which);
    if (!q) return NULL;
    sqlite3_bind_int64(q, 1, account_id);
    sq_bind_text(q, 2, key);
    return q;
}

int sq_idem_get(store_t *st, int64_t account_id, const char *key, idem_row_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? idem_key(c, Q_IDEM_GET, account_id, key) : NULL;
    if (!q) return ST_ERR;
    int rc = sq_step_row(c, q, "idempotency get");
    if (rc == ST_OK) {
        out->status = sqlite3_column_int(q, 0);
        memset(out->req_hash, 0, IDS_HASH_SZ);
        if (sqlite3_column_bytes(q, 1) == IDS_HASH_SZ)
            memcpy(out->req_hash, sqlite3_column_blob(q, 1), IDS_HASH_SZ);
        const unsigned char *b = sqlite3_column_text(q, 2);
        out->body = xstrndup(b ? (const char *)b : "", (size_t)sqlite3_column_bytes(q, 2));
        out->created_at = sqlite3_column_int64(q, 3);
    }
    sq_done(q);
    return rc;
}

int sq_idem_put(store_t *st, int64_t account_id, const char *key, const idem_row_t *row)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? idem_key(c, Q_IDEM_PUT, account_id, key) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_blob(q, 3, row->req_hash, IDS_HASH_SZ, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, row->status);
    sq_bind_text(q, 5, row->body);
    sqlite3_bind_int64(q, 6, row->created_at);
    return sq_run(c, q, "idempotency put", NULL);
}
