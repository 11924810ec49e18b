/* numbers.c -- the inventory's numbers in SQLite: search (its WHERE clause
 * from sqlwhere.h), purchase, approval, lookup. */
#include "store/sqlite/sqliteInt.h"

#include "util/clock.h"

static const char *const sql_text[Q__COUNT] = {
    [Q_NUMBER_GET_AVAILABLE] =
        "SELECT " SQLS_INV_COLS " FROM numbers WHERE number = ?1 AND state = 0 AND source = 0",
    [Q_NUMBER_BUY] =
        "UPDATE numbers SET state=?2, owner_id=?3, sub_id=?4, app_id=?5, cnam_lookup=?6, "
        "compliance_id=?7, added_on=?8, renewal_date=?9, released_at=NULL, updated_at=?10, "
        "created_at=?10, byoc_id=?11 "
        "WHERE number=?1 AND state=0 AND source=0",
    [Q_NUMBER_STATE] = "SELECT state FROM numbers WHERE number = ?1 AND owner_id IS NOT NULL",
    [Q_NUMBER_APPROVE] =
        "UPDATE numbers SET state=1, updated_at=?2 WHERE number=?1 AND state=2",
    [Q_NUMBER_LOOKUP] = "SELECT state, source, COALESCE(owner_id, 0) FROM numbers WHERE number = ?1",
};

/* The rate center and LATA of q->lca_prefix (sqlw_lca_lookup). */
static int resolve_lca(conn_t *c, const search_q_t *q, sqlw_lca_t *out)
{
    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_lca_lookup(&w, q);
    out->have = false;
    int rc = ST_ERR;
    sqlite3_stmt *s = sq_stmt_dyn(c, w.sql.data);
    if (s) {
        sq_bind_vals(s, &w);
        rc = sq_step_row(c, s, "local calling area");
        if (rc == ST_OK) {
            sq_col_text(s, 0, out->rc, sizeof out->rc);
            out->lata = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 1);
            out->have = true;
        }
        sq_done(s);
    }
    sqlw_free(&w);
    return rc == ST_ERR ? ST_ERR : ST_OK;
}

int sq_number_search(store_t *st, const search_q_t *q, inv_number_t *rows, size_t *nrows,
                     int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    *nrows = 0;
    *total = 0;

    sqlw_lca_t lca = {.have = false};
    if (q->lca_prefix[0]) {
        if (resolve_lca(c, q, &lca) != ST_OK) return ST_ERR;
        if (!lca.have) return ST_OK; /* unknown NPA-NXX: nothing in its area */
    }

    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_search(&w, q, &lca);
    buf_t rs = BUF_INIT, cs = BUF_INIT;
    /* The count stops at a cap (store.h): counting every match of a broad
     * search is O(matches), and search must cost the same at 10,000 and
     * at 5,000,000 numbers. */
    int64_t cap = (int64_t)q->offset + q->limit + 1;
    if (cap < SEARCH_COUNT_CAP) cap = SEARCH_COUNT_CAP;
    buf_printf(&cs, "SELECT count(*) FROM (SELECT 1 FROM numbers %s LIMIT ", w.sql.data);
    sqlw_param(&w, &cs, cap);
    buf_putc(&cs, ')');
    buf_printf(&rs, "SELECT " SQLS_INV_COLS " FROM numbers %s ORDER BY number LIMIT ",
               w.sql.data);
    sqlw_param(&w, &rs, q->limit);
    buf_puts(&rs, " OFFSET ");
    sqlw_param(&w, &rs, q->offset);
    int ret = sq_page_dyn(st, c, &w, rs.data, cs.data, q->limit, sqls_rd_inv, rows, nrows, total,
                          "search");
    buf_free(&rs);
    buf_free(&cs);
    sqlw_free(&w);
    return ret;
}

int sq_number_get_available(store_t *st, const char *number, inv_number_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_NUMBER_GET_AVAILABLE) : NULL;
    if (!q) return ST_ERR;
    sq_bind_text(q, 1, number);
    return sq_one_row(c, q, sqls_rd_inv, out, "number get");
}

int sq_number_buy(store_t *st, const buy_row_t *b)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_NUMBER_BUY) : NULL;
    if (!q) return ST_ERR;
    sq_bind_text(q, 1, b->number);
    sqlite3_bind_int(q, 2, (int)b->state);
    sqlite3_bind_int64(q, 3, b->account_id);
    sq_bind_id(q, 4, b->sub_id);
    sq_bind_text(q, 5, b->app_id);
    sq_bind_text(q, 6, b->cnam_lookup);
    sq_bind_text(q, 7, b->compliance_id);
    sq_bind_text(q, 8, b->added_on);
    sq_bind_text(q, 9, b->renewal_date);
    sqlite3_bind_int64(q, 10, clock_now());
    sq_bind_text(q, 11, b->byoc_id);
    return sq_run1(c, q, "buy");
}

int sq_number_approve(store_t *st, const char *number)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_NUMBER_APPROVE) : NULL;
    if (!q) return ST_ERR;
    sq_bind_text(q, 1, number);
    sqlite3_bind_int64(q, 2, clock_now());
    int rc = sq_run1(c, q, "approve");
    if (rc != ST_NOTFOUND) return rc;
    /* not pending: owned in another state (a conflict), or not owned */
    sqlite3_stmt *s = STMT(c, Q_NUMBER_STATE);
    if (!s) return ST_ERR;
    sq_bind_text(s, 1, number);
    rc = sq_step_row(c, s, "approve state");
    sq_done(s);
    return rc == ST_OK ? ST_CONFLICT : rc;
}

int sq_number_lookup(store_t *st, const char *number, num_state_t *state, num_source_t *source,
                     int64_t *owner_id)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_NUMBER_LOOKUP) : NULL;
    if (!q) return ST_ERR;
    sq_bind_text(q, 1, number);
    int rc = sq_step_row(c, q, "number lookup");
    if (rc == ST_OK) {
        *state = (num_state_t)sqlite3_column_int(q, 0);
        *source = (num_source_t)sqlite3_column_int(q, 1);
        *owner_id = sqlite3_column_int64(q, 2);
    }
    sq_done(q);
    return rc;
}
