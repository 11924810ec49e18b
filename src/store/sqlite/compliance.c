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
    [Q_COMPLIANCE_LIST] =
        "SELECT " SQLS_COMPLIANCE_COLS " FROM compliance WHERE account_id = ?1 ORDER BY seq",
    [Q_COMPLIANCE_NUMBERS] =
        "SELECT " SQLS_INV_COLS " FROM numbers WHERE owner_id = ?1 AND compliance_id = ?2 "
        "AND state IN (1, 2) ORDER BY number",
};

int sq_compliance_insert(store_t *st, const compliance_t *cp)
{
    return SQ_RUN(st, Q_COMPLIANCE_INSERT, NULL, SQ_T(cp->id), SQ_I(cp->account_id),
                  SQ_T(cp->country_iso), SQ_T(cp->number_type), SQ_I(cp->approved),
                  SQ_I(clock_now()));
}

int sq_compliance_get(store_t *st, int64_t account_id, const char *id, compliance_t *out)
{
    return SQ_ONE(st, Q_COMPLIANCE_GET, sqls_rd_compliance, out, SQ_I(account_id), SQ_T(id));
}

int sq_compliance_latest(store_t *st, int64_t account_id, const char *country_iso,
                         const char *type, const char *sub_type, compliance_t *out)
{
    return SQ_ONE(st, Q_COMPLIANCE_LATEST, sqls_rd_compliance, out, SQ_I(account_id),
                  SQ_T(country_iso), SQ_T(type), SQ_T(sub_type));
}

typedef struct {
    store_compliance_cb cb;
    void *ud;
} cp_walk_t;

static int cp_row(sqlite3_stmt *q, void *ud)
{
    cp_walk_t *w = ud;
    compliance_t cp;
    sqls_row_t r = sq_row(q);
    sqls_read_compliance(&r, &cp);
    return w->cb(&cp, w->ud);
}

int sq_compliance_list(store_t *st, int64_t account_id, store_compliance_cb cb, void *ud)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_COMPLIANCE_LIST) : NULL;
    if (!q) return ST_ERR;
    sq_bind_args(q, SQ_ARGS(SQ_I(account_id)));
    cp_walk_t w = {cb, ud};
    return sq_each(c, q, cp_row, &w, "compliance list");
}

typedef struct {
    store_inv_cb cb;
    void *ud;
} num_walk_t;

static int num_row(sqlite3_stmt *q, void *ud)
{
    num_walk_t *w = ud;
    inv_number_t n;
    sqls_row_t r = sq_row(q);
    sqls_read_inv(&r, &n);
    return w->cb(&n, w->ud);
}

int sq_compliance_numbers(store_t *st, int64_t account_id, const char *id, store_inv_cb cb,
                          void *ud)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_COMPLIANCE_NUMBERS) : NULL;
    if (!q) return ST_ERR;
    sq_bind_args(q, SQ_ARGS(SQ_I(account_id), SQ_T(id)));
    num_walk_t w = {cb, ud};
    return sq_each(c, q, num_row, &w, "compliance numbers");
}
