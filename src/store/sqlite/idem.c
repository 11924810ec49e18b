/* idem.c -- idempotency records in SQLite (scope: account id + key). */
#include "store/sqlite/sqliteInt.h"

#include <string.h>

static const char *const sql_text[Q__COUNT] = {
    [Q_IDEM_PUT] =
        "INSERT OR REPLACE INTO idempotency(account_id, key, req_hash, status, body, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    /* oldest first along idempotency_age: the range stops at the first
     * record still young, whatever the table's size */
    [Q_IDEM_PURGE] = "DELETE FROM idempotency WHERE (account_id, key) IN "
                     "(SELECT account_id, key FROM idempotency WHERE created_at < ?1 "
                     "ORDER BY created_at LIMIT ?2)",
};

/* The body has no size bound a fixed buffer could hold: read it whole,
 * straight from the statement (res of a SQLite row is the statement). */
static void rd_idem(sqls_row_t *r, void *rows, size_t i)
{
    idem_row_t *out = (idem_row_t *)rows + i;
    sqlite3_stmt *q = (sqlite3_stmt *)r->res;
    size_t n = 0;
    out->status = (int)r->ops->i64(r, 0);
    r->ops->blob(r, out->req_hash, IDS_HASH_SZ, &n);
    if (n != IDS_HASH_SZ) memset(out->req_hash, 0, IDS_HASH_SZ);
    const unsigned char *b = sqlite3_column_text(q, r->col);
    out->body = xstrndup(b ? (const char *)b : "", (size_t)sqlite3_column_bytes(q, r->col));
    r->col++;
    out->created_at = r->ops->i64(r, 0);
}

int sq_idem_get(store_t *st, int64_t account_id, const char *key, idem_row_t *out)
{
    return SQ_ONE(st, Q_IDEM_GET, rd_idem, out, SQ_I(account_id), SQ_T(key));
}

int sq_idem_put(store_t *st, int64_t account_id, const char *key, const idem_row_t *row)
{
    return SQ_RUN(st, Q_IDEM_PUT, NULL, SQ_I(account_id), SQ_T(key),
                  SQ_B(row->req_hash, IDS_HASH_SZ), SQ_I(row->status), SQ_T(row->body),
                  SQ_I(row->created_at));
}

int sq_idem_purge(store_t *st, int64_t before_ts, int max, int64_t *n)
{
    int changes = 0;
    int rc = SQ_RUN(st, Q_IDEM_PURGE, &changes, SQ_I(before_ts), SQ_I(max));
    *n = rc == ST_OK ? changes : 0;
    return rc;
}
