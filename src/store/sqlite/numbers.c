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
    [Q_NUMBER_STATE] =
        "SELECT state, source, owner_id FROM numbers WHERE number = ?1 AND owner_id IS NOT NULL",
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
    return SQ_ONE(st, Q_NUMBER_GET_AVAILABLE, sqls_rd_inv, out, SQ_T(number));
}

int sq_number_buy(store_t *st, const buy_row_t *b)
{
    return SQ_RUN1(st, Q_NUMBER_BUY, SQ_T(b->number), SQ_I(b->state), SQ_I(b->account_id),
                   SQ_ID(b->sub_id), SQ_T(b->app_id), SQ_T(b->cnam_lookup),
                   SQ_T(b->compliance_id), SQ_T(b->added_on), SQ_T(b->renewal_date),
                   SQ_I(clock_now()), SQ_T(b->byoc_id));
}

/* A number's state, source and owner (0: none): the columns of
 * Q_NUMBER_LOOKUP and Q_NUMBER_STATE. */
typedef struct {
    num_state_t state;
    num_source_t source;
    int64_t owner_id;
} lookup_t;

static void rd_lookup(sqls_row_t *r, void *rows, size_t i)
{
    lookup_t *l = (lookup_t *)rows + i;
    l->state = (num_state_t)r->ops->i64(r, 0);
    l->source = (num_source_t)r->ops->i64(r, 0);
    l->owner_id = r->ops->i64(r, 0);
}

int sq_number_approve(store_t *st, const char *number)
{
    int rc = SQ_RUN1(st, Q_NUMBER_APPROVE, SQ_T(number), SQ_I(clock_now()));
    if (rc != ST_NOTFOUND) return rc;
    /* not pending: owned in another state (a conflict), or not owned */
    lookup_t l;
    rc = SQ_ONE(st, Q_NUMBER_STATE, rd_lookup, &l, SQ_T(number));
    return rc == ST_OK ? ST_CONFLICT : rc;
}

int sq_number_lookup(store_t *st, const char *number, num_state_t *state, num_source_t *source,
                     int64_t *owner_id)
{
    lookup_t l;
    int rc = SQ_ONE(st, Q_NUMBER_LOOKUP, rd_lookup, &l, SQ_T(number));
    if (rc == ST_OK) {
        *state = l.state;
        *source = l.source;
        *owner_id = l.owner_id;
    }
    return rc;
}
