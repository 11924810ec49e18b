/* numbers.c -- the inventory's numbers in SQLite: search (its WHERE clause
 * from sqlwhere.h), purchase, approval, lookup. */
#include "store/sqlite/sqliteInt.h"

#include <string.h>

#include "avail/avail.h"
#include "util/clock.h"

static const char *const sql_text[Q__COUNT] = {
    [Q_NUMBER_STATE] =
        "SELECT state, source, owner_id FROM numbers WHERE number = ?1 AND owner_id IS NOT NULL",
};

int sq_renewal_due(store_t *st, const char *today, const char *after, size_t max,
                   renewal_row_t *rows, size_t *n)
{
    sqls_rows_walk_t w = {rows, 0, max, sqls_rd_renewal};
    int rc = SQ_EACH_V(st, Q_RENEWAL_DUE, sqls_each_row, &w, SQ_T(today), SQ_I((int64_t)max),
                       SQ_T(after));
    *n = rc == ST_OK ? w.n : 0;
    return rc;
}

int sq_renewal_set(store_t *st, const char *number, const char *was, const char *next)
{
    return SQ_RUN1(st, Q_RENEWAL_SET, SQ_T(number), SQ_T(was), SQ_T(next));
}

/* The store and the connection a search runs on (sqlwhere's conn). */
typedef struct {
    store_t *st;
    conn_t *c;
} search_ctx_t;

/* sqlwhere's one-row runner: the lookup of the local calling area. */
static int one_dyn(void *conn, const sqlw_t *w, sqls_reader_fn rd, void *out)
{
    conn_t *c = ((search_ctx_t *)conn)->c;
    sqlite3_stmt *s = sq_stmt_dyn(c, w->sql.data);
    if (!s) return ST_ERR;
    sq_bind_vals(s, w);
    return sq_one_row(c, s, rd, out, "local calling area");
}

/* The search index's page: its numbers' rows, read by row id (one table
 * seek each; by number it was an index seek too, 10 % of a search).  A
 * number bought since the index was read is left out (state = 0): the page
 * is one row short, as a page read just before the purchase would not be.
 * The ids come as a VALUES list walked in the page's order (a co-routine),
 * each row sought by its id: "id IN (?1, ...)" had SQLite build a table of
 * the ids (a page zeroed, each id inserted) and hand the rows back in id
 * order, to be put in the page's again -- 50,000 of a search's 374,000
 * instructions (bench/instr).  Unbound ids are NULL and match nothing. */
#define PAGE_IN_SQL "WITH p(k) AS (VALUES " \
    "(?1), (?2), (?3), (?4), (?5), (?6), (?7), (?8), (?9), (?10), (?11), (?12), (?13), (?14), (?15), (?16), (?17), (?18), (?19), (?20), " \
    "(?21), (?22), (?23), (?24), (?25), (?26), (?27), (?28), (?29), (?30), (?31), (?32)) " \
    "SELECT " SQLS_INV_COLS " FROM p CROSS JOIN numbers WHERE numbers.id = p.k AND state = 0"

static int index_page(search_ctx_t *x, const search_q_t *q, char (*page)[16], const uint32_t *ids,
                      size_t npage, inv_number_t *rows, size_t *nrows)
{
    *nrows = 0;
    if (npage == 0) return ST_OK;
    sqlite3_stmt *s = sq_stmt_dyn(x->c, PAGE_IN_SQL);
    if (!s) return ST_ERR;
    for (size_t i = 0; i < npage; i++) sqlite3_bind_int64(s, (int)i + 1, ids[i]);
    int64_t unused;
    int ret = sq_page_and_count(x->st, x->c, s, NULL, q->limit, sqls_rd_inv, rows, nrows, &unused,
                                "search");
    /* rows come in the page's (number) order, as the ids were given; a
     * row of the page left out (bought since) shifts the rest, and a plan
     * that gave them in another order would be put right here, not by an
     * ORDER BY (a sorter for 20 rows: 5 % of a search) */
    size_t out = 0;
    for (size_t k = 0; k < npage && out < *nrows; k++) {
        for (size_t j = out; j < *nrows; j++) {
            if (strcmp(rows[j].number, page[k]) != 0) continue;
            if (j != out) {
                inv_number_t t = rows[out];
                rows[out] = rows[j];
                rows[j] = t;
            }
            out++;
            break;
        }
    }
    *nrows = out;   /* a row that is none of the page's numbers is not shown */
    return ret;
}

/* sqlwhere's page runner: from the search index when it can answer
 * (avail.c), else SQL's, whose count stops at a cap (sqlw_count_cap). */
static int search_page(void *conn, sqlw_t *w, const search_q_t *q, inv_number_t *rows,
                       size_t *nrows, int64_t *total)
{
    search_ctx_t *x = conn;
    char page[AVAIL_PAGE_MAX][16];
    uint32_t ids[AVAIL_PAGE_MAX];
    size_t npage = 0;
    if (sq_avail_search((sqlite_store_t *)x->st, x->c, q, &w->lca, sqlw_count_cap(q), total, page,
                        ids, &npage)) {
        int64_t counted = *total;
        int ret = index_page(x, q, page, ids, npage, rows, nrows);
        *total = counted;
        return ret;
    }
    buf_t rs = BUF_INIT, cs = BUF_INIT;
    buf_printf(&cs, "SELECT count(*) FROM (SELECT 1 FROM numbers %s LIMIT ", w->sql.data);
    sqlw_param(w, &cs, sqlw_count_cap(q));
    buf_putc(&cs, ')');
    buf_printf(&rs, "SELECT " SQLS_INV_COLS " FROM numbers %s ORDER BY number", w->sql.data);
    sqlw_limit_offset(w, &rs, q->limit, q->offset);
    int ret = sq_page_dyn(x->st, x->c, w, rs.data, cs.data, q->limit, sqls_rd_inv, rows, nrows,
                          total, "search");
    buf_free(&rs);
    buf_free(&cs);
    return ret;
}

int sq_number_search(store_t *st, const search_q_t *q, inv_number_t *rows, size_t *nrows,
                     int64_t *total)
{
    search_ctx_t x = {st, CONN(st)};
    if (!x.c) return ST_ERR;
    /* One read transaction for all the search reads: the calling area,
     * the search index's generation, the page's rows.  Each took one of
     * its own (a lock, an fstat and an unlock of the log each: 10 % of a
     * search, perf).  The index may be newer than this snapshot (it is
     * used when the snapshot's generation is not newer than the index's):
     * a number that became available since is in the index's count but
     * not among the rows read (index_page keeps only available rows), as
     * a number bought since was already. */
    if (sq_tx_begin(st, false) != ST_OK) return ST_ERR;
    int ret = sqlw_search_run(&sqlw_sqlite, q, one_dyn, search_page, &x, rows, nrows, total);
    if (ret == ST_OK) ret = sq_tx_commit(st);
    else sq_tx_rollback(st);
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
