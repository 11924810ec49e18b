/* numbers.c -- numbers for sale: search (its WHERE clause from the shared
 * builder, sqlwhere.h), get_available, buy, approve, and number_lookup (any row). */
#include "store/postgres/pgInt.h"

#include "util/clock.h"

const char *const pg_sql_numbers[Q__COUNT] = {
    [Q_NUMBER_GET_AVAILABLE_LOCK] =
        "SELECT " SQLS_INV_COLS " FROM numbers WHERE number = $1 AND state = 0 AND source = 0 "
        "FOR UPDATE",
    [Q_NUMBER_STATE] = "SELECT state FROM numbers WHERE number = $1 AND owner_id IS NOT NULL",
};

int pg_renewal_due(store_t *st, const char *today, const char *after, size_t max,
                   renewal_row_t *rows, size_t *n)
{
    sqls_rows_walk_t w = {rows, 0, max, sqls_rd_renewal};
    int rc = pg_each(pg_conn(st), Q_RENEWAL_DUE,
                     PG_V(v_text(today), v_int((int64_t)max), v_text(after)), sqls_each_row, &w);
    *n = rc == ST_OK ? w.n : 0;
    return rc;
}

int pg_renewal_set(store_t *st, const char *number, const char *was, const char *next)
{
    return pg_write1(pg_conn(st), Q_RENEWAL_SET, PG_V(v_text(number), v_text(was), v_text(next)));
}

/* ---- search and purchase ----------------------------------------------- */

/* sqlwhere's one-row runner: the lookup of the local calling area. */
static int one_dyn(void *conn, const sqlw_t *w, sqls_reader_fn rd, void *out)
{
    PGresult *r = NULL;
    int rc = pg_exec_dyn(conn, w->sql.data, w, &r);
    if (rc == ST_OK && PQntuples(r) == 0) rc = ST_NOTFOUND;
    if (rc == ST_OK) {
        sqls_row_t d = pg_row(r, 0, 0);
        rd(&d, out, 0);
    }
    PQclear(r);
    return rc;
}

/* sqlwhere's page runner: the count stops at a cap (sqlw_count_cap); page
 * and count are one statement (PAGE()). */
static int search_page(void *conn, sqlw_t *w, const search_q_t *q, inv_number_t *rows,
                       size_t *nrows, int64_t *total)
{
    buf_t sql = BUF_INIT;
    /* a first page's count cap and limit are literals
     * (sqlw_limit_offset_lit0: the generic plan is then kept) */
    buf_printf(&sql, "SELECT t.n, p.* FROM (SELECT count(*) AS n FROM (SELECT 1 FROM "
                     "numbers %s LIMIT ", w->sql.data);
    if (q->offset == 0) buf_printf(&sql, "%lld", (long long)sqlw_count_cap(q));
    else sqlw_param(w, &sql, sqlw_count_cap(q));
    buf_printf(&sql, ") m) t LEFT JOIN LATERAL (SELECT " SQLS_INV_COLS " FROM numbers %s "
                     "ORDER BY number", w->sql.data);
    sqlw_limit_offset_lit0(w, &sql, q->limit, q->offset);
    buf_puts(&sql, ") p ON true");
    int ret = pg_page_dyn(conn, sql.data, w, q->limit, sqls_rd_inv, rows, nrows, total);
    buf_free(&sql);
    return ret;
}

int pg_number_search(store_t *st, const search_q_t *q, inv_number_t *rows, size_t *nrows,
                     int64_t *total)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    return sqlw_search_run(&sqlw_postgres, q, one_dyn, search_page, c, rows, nrows, total);
}

int pg_number_get_available(store_t *st, const char *number, inv_number_t *out)
{
    return pg_one_locking(st, Q_NUMBER_GET_AVAILABLE, Q_NUMBER_GET_AVAILABLE_LOCK,
                          PG_V(v_text(number)), sqls_rd_inv, out);
}

int pg_number_buy(store_t *st, const buy_row_t *b)
{
    /* in a write transaction: behind any import batch */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_write1(pg_conn(st), Q_NUMBER_BUY,
                       PG_V(v_text(b->number), v_int(b->state), v_int(b->account_id),
                            v_id(b->sub_id), v_text(b->app_id), v_text(b->cnam_lookup),
                            v_text(b->compliance_id), v_text(b->added_on),
                            v_text(b->renewal_date), v_int(clock_now()), v_text(b->byoc_id)));
    return pg_tx_end(st, rc, true);
}

int pg_number_approve(store_t *st, const char *number)
{
    conn_t *c = pg_conn(st);
    int rc = pg_write1(c, Q_NUMBER_APPROVE, PG_V(v_text(number), v_int(clock_now())));
    if (rc != ST_NOTFOUND) return rc;
    /* not pending: owned in another state (a conflict), or not owned */
    int64_t state = 0;
    rc = pg_one_row(c, Q_NUMBER_STATE, PG_V(v_text(number)), pg_rd_i64, &state);
    return rc == ST_OK ? ST_CONFLICT : rc;
}

typedef struct {
    num_state_t *state;
    num_source_t *source;
    int64_t *owner_id;
} lookup_out_t;

static void rd_lookup(sqls_row_t *d, void *out, size_t i)
{
    lookup_out_t *o = &((lookup_out_t *)out)[i];
    *o->state = (num_state_t)rd_int(d);
    *o->source = (num_source_t)rd_int(d);
    *o->owner_id = rd_i64(d);
}

int pg_number_lookup(store_t *st, const char *number, num_state_t *state, num_source_t *source,
                     int64_t *owner_id)
{
    lookup_out_t o = {state, source, owner_id};
    return pg_one_row(pg_conn(st), Q_NUMBER_LOOKUP, PG_V(v_text(number)), rd_lookup, &o);
}

/* No search index on PostgreSQL: its count runs in SQL (with the literal
 * first-page cap, sqlwhere.c), and several nodes would each need theirs
 * kept by LISTEN/NOTIFY -- not built. */
int pg_search_index_start(store_t *st)
{
    (void)st;
    return ST_OK;
}

int pg_read_anchor_start(store_t *st)
{
    (void)st;
    return ST_OK;
}

int pg_search_index_stats(store_t *st, search_index_stats_t *out)
{
    (void)st;
    memset(out, 0, sizeof *out);
    return ST_OK;
}
