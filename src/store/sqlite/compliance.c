/* compliance.c -- compliance records in SQLite. */
#include "store/sqlite/sqliteInt.h"

#include "util/clock.h"

static const char *const sql_text[Q__COUNT] = {
    [Q_COMPLIANCE_INSERT] =
        "INSERT INTO compliance(id, seq, account_id, country_iso, number_type, approved, "
        "created_at) VALUES (?1, (SELECT COALESCE(max(seq), 0) + 1 FROM compliance), ?2, ?3, "
        "?4, ?5, ?6)",
    [Q_COMPLIANCE_GET] =
        "SELECT " SQLS_COMPLIANCE_COLS " FROM compliance WHERE account_id = ?1 AND id = ?2",
    [Q_COMPLIANCE_LATEST] =
        "SELECT " SQLS_COMPLIANCE_COLS " FROM compliance "
        "WHERE account_id = ?1 AND country_iso = ?2 AND number_type IN (?3, ?4) AND approved = 1 "
        "ORDER BY seq DESC LIMIT 1",
};

int sq_compliance_insert(store_t *st, const compliance_t *cp)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_COMPLIANCE_INSERT) : NULL;
    if (!q) return ST_ERR;
    sq_bind_text(q, 1, cp->id);
    sqlite3_bind_int64(q, 2, cp->account_id);
    sq_bind_text(q, 3, cp->country_iso);
    sq_bind_text(q, 4, cp->number_type);
    sqlite3_bind_int(q, 5, cp->approved);
    sqlite3_bind_int64(q, 6, clock_now());
    return sq_run(c, q, "compliance insert", NULL);
}

int sq_compliance_get(store_t *st, int64_t account_id, const char *id, compliance_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_COMPLIANCE_GET) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    sq_bind_text(q, 2, id);
    return sq_one_row(c, q, sqls_rd_compliance, out, "compliance get");
}

int sq_compliance_latest(store_t *st, int64_t account_id, const char *country_iso,
                         const char *type, const char *sub_type, compliance_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_COMPLIANCE_LATEST) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    sq_bind_text(q, 2, country_iso);
    sq_bind_text(q, 3, type);
    sq_bind_text(q, 4, sub_type);
    return sq_one_row(c, q, sqls_rd_compliance, out, "compliance latest");
}
