/* numbers.c -- numbers for sale: search (WHERE built from the filters
 * given), get_available, buy, approve, and number_lookup (any row). */
#include "store/postgres/pgInt.h"

#include "core/clock.h"

const char *const pg_sql_numbers[Q__COUNT] = {
    [Q_LCA] =
        "SELECT rate_center, lata FROM numbers WHERE country_iso = $1 AND number >= $2 "
        "AND number < $3 AND rate_center <> '' LIMIT 1",
    [Q_NUMBER_GET_AVAILABLE] =
        "SELECT " INV_COLS " FROM numbers WHERE number = $1 AND state = 0 AND source = 0",
    [Q_NUMBER_GET_AVAILABLE_LOCK] =
        "SELECT " INV_COLS " FROM numbers WHERE number = $1 AND state = 0 AND source = 0 "
        "FOR UPDATE",
    [Q_NUMBER_BUY] =
        "UPDATE numbers SET state = $2, owner_id = $3, sub_id = $4, app_id = $5, "
        "cnam_lookup = $6, compliance_id = $7, added_on = $8, renewal_date = $9, "
        "released_at = NULL, updated_at = $10, created_at = $10, byoc_id = $11 "
        "WHERE number = $1 AND state = 0 AND source = 0",
    [Q_NUMBER_STATE] = "SELECT state FROM numbers WHERE number = $1 AND owner_id IS NOT NULL",
    [Q_NUMBER_APPROVE] =
        "UPDATE numbers SET state = 1, updated_at = $2 WHERE number = $1 AND state = 2",
    [Q_NUMBER_LOOKUP] =
        "SELECT state, source, COALESCE(owner_id, 0) FROM numbers WHERE number = $1",
};

/* ---- search and purchase ----------------------------------------------- */

/* SQLite's GLOB as an anchored POSIX regular expression: '*' any run, '?'
 * one character, [...] a class ([!...] or [^...] negated), anything else
 * literal. */
static void glob_to_regex(const char *g, buf_t *out)
{
    buf_putc(out, '^');
    for (const char *p = g; *p; p++) {
        if (*p == '*') {
            buf_puts(out, ".*");
        } else if (*p == '?') {
            buf_putc(out, '.');
        } else if (*p == '[' && strchr(p + 1, ']')) {
            const char *q = p + 1;
            buf_putc(out, '[');
            if (*q == '!' || *q == '^') {
                buf_putc(out, '^');
                q++;
            }
            if (*q == ']') { /* a leading ']' is literal */
                buf_puts(out, "\\]");
                q++;
            }
            for (; *q && *q != ']'; q++) {
                if (*q == '\\' || *q == '[') buf_putc(out, '\\');
                buf_putc(out, *q);
            }
            buf_putc(out, ']');
            p = q;
        } else {
            if (strchr("\\.^$|()[]{}+?*", *p)) buf_putc(out, '\\');
            buf_putc(out, *p);
        }
    }
    buf_putc(out, '$');
}

typedef struct {
    char rc[MODEL_RATE_CENTER_SZ];
    int32_t lata;
    bool have;
} lca_t;

static int resolve_lca(conn_t *c, const search_q_t *q, lca_t *out)
{
    char hi[64];
    prefix_hi(q->lca_prefix, hi, sizeof hi);
    params_t p = {0};
    p_text(&p, q->country_iso);
    p_text(&p, q->lca_prefix);
    p_text(&p, hi);
    PGresult *r = NULL;
    out->have = false;
    if (pg_exec(c, Q_LCA, &p, &r, NULL) != ST_OK) return ST_ERR;
    if (PQntuples(r) > 0) {
        rd_t d = {r, 0, 0};
        rd_copy(&d, out->rc, sizeof out->rc);
        out->lata = (int32_t)rd_money(&d);
        out->have = true;
    }
    PQclear(r);
    return ST_OK;
}

int pg_number_search(store_t *st, const search_q_t *q, inv_number_t *rows,
                     size_t *nrows, int64_t *total)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    *nrows = 0;
    *total = 0;

    lca_t lca = {.have = false};
    if (q->lca_prefix[0]) {
        if (resolve_lca(c, q, &lca) != ST_OK) return ST_ERR;
        if (!lca.have) return ST_OK; /* unknown NPA-NXX: nothing in its area */
    }

    /* WHERE clause from fixed fragments; values bound in order.  City,
     * region and rate center compare case-insensitively as SQLite's NOCASE:
     * lower() under the C collation folds ASCII only, and matches the
     * lower() indexes of 0001_init.sql. */
    params_t p = {0};
    buf_t w = BUF_INIT, re = BUF_INIT;
    char hi[64];
    p_text(&p, q->country_iso);
    buf_puts(&w, "FROM numbers WHERE state = 0 AND country_iso = $1");
    if (q->prefix[0]) {
        prefix_hi(q->prefix, hi, sizeof hi);
        p_text(&p, q->prefix);
        p_text(&p, hi);
        buf_printf(&w, " AND number >= $%d AND number < $%d", p.n - 1, p.n);
    }
    if (q->glob[0]) {
        glob_to_regex(q->glob, &re);
        p_text(&p, re.data);
        buf_printf(&w, " AND number ~ $%d", p.n);
    }
    /* q->type is one of the five canonical names (core checked it): a
     * literal, so that the planner can use its partial index */
    if (q->type) buf_printf(&w, " AND (type = '%s' OR sub_type = '%s')", q->type, q->type);
    if (q->region) {
        p_text(&p, q->region);
        buf_printf(&w, " AND lower(region) = lower($%d::text COLLATE \"C\")", p.n);
    }
    if (q->city) {
        p_text(&p, q->city);
        buf_printf(&w, " AND lower(city) = lower($%d::text COLLATE \"C\")", p.n);
    }
    if (q->rate_center) {
        p_text(&p, q->rate_center);
        buf_printf(&w, " AND lower(rate_center) = lower($%d::text COLLATE \"C\")", p.n);
    }
    if (q->lata >= 0) {
        p_i64(&p, q->lata);
        buf_printf(&w, " AND lata = $%d::int", p.n);
    }
    if (lca.have) {
        p_text(&p, lca.rc);
        buf_printf(&w, " AND lower(rate_center) = lower($%d::text COLLATE \"C\")", p.n);
        if (lca.lata >= 0) {
            p_i64(&p, lca.lata);
            buf_printf(&w, " AND lata = $%d::int", p.n);
        } else {
            buf_puts(&w, " AND lata IS NULL");
        }
    }
    if (q->caps) buf_printf(&w, " AND (caps & %d) = %d", q->caps, q->caps);
    /* The count stops at a cap (store.h): counting every match of a broad
     * search is O(matches), and search must cost the same at 10,000 and
     * at 5,000,000 numbers. */
    int64_t cap = (int64_t)q->offset + q->limit + 1;
    if (cap < SEARCH_COUNT_CAP) cap = SEARCH_COUNT_CAP;
    p_i64(&p, cap);
    p_i64(&p, q->limit);
    p_i64(&p, q->offset);
    char *sql = xasprintf("SELECT t.n, p.* FROM (SELECT count(*) AS n FROM (SELECT 1 %s LIMIT $%d) m) t "
                          "LEFT JOIN LATERAL (SELECT " INV_COLS " %s ORDER BY number LIMIT $%d "
                          "OFFSET $%d) p ON true",
                          w.data, p.n - 2, w.data, p.n - 1, p.n);
    buf_free(&w);
    int ret = pg_page_dyn(c, sql, &p, q->limit, pg_rd_inv, rows, nrows, total);
    buf_free(&re);
    free(sql);
    return ret;
}

int pg_number_get_available(store_t *st, const char *number, inv_number_t *out)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, number);
    return pg_one_row(c, pg_locking(c) ? Q_NUMBER_GET_AVAILABLE_LOCK : Q_NUMBER_GET_AVAILABLE, &p,
                      pg_rd_inv, out);
}

int pg_number_buy(store_t *st, const buy_row_t *b)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, b->number);
    p_i64(&p, (int64_t)b->state);
    p_i64(&p, b->account_id);
    p_id(&p, b->sub_id);
    p_text(&p, b->app_id);
    p_text(&p, b->cnam_lookup);
    p_text(&p, b->compliance_id);
    p_text(&p, b->added_on);
    p_text(&p, b->renewal_date);
    p_i64(&p, clock_now());
    p_text(&p, b->byoc_id);
    /* in a write transaction: behind any import batch */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_write1(c, Q_NUMBER_BUY, &p);
    if (rc == ST_ERR || rc == ST_CONFLICT) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st) == ST_OK ? rc : ST_ERR;
}

int pg_number_approve(store_t *st, const char *number)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, number);
    p_i64(&p, clock_now());
    int rc = pg_write1(c, Q_NUMBER_APPROVE, &p);
    if (rc != ST_NOTFOUND) return rc;
    params_t s = {0};
    p_text(&s, number);
    PGresult *r = NULL;
    if (pg_exec(c, Q_NUMBER_STATE, &s, &r, NULL) != ST_OK) return ST_ERR;
    rc = PQntuples(r) > 0 ? ST_CONFLICT : ST_NOTFOUND;
    PQclear(r);
    return rc;
}

int pg_number_lookup(store_t *st, const char *number, num_state_t *state,
                     num_source_t *source, int64_t *owner_id)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, number);
    PGresult *r = NULL;
    int rc = pg_exec(c, Q_NUMBER_LOOKUP, &p, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) > 0) {
        rd_t d = {r, 0, 0};
        *state = (num_state_t)rd_int(&d);
        *source = (num_source_t)rd_int(&d);
        *owner_id = rd_i64(&d);
    } else {
        rc = ST_NOTFOUND;
    }
    PQclear(r);
    return rc;
}
