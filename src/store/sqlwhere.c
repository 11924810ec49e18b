/* sqlwhere.c -- see sqlwhere.h. */
#include "store/sqlwhere.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlshared.h"

static void glob_as_is(const char *g, buf_t *out)
{
    buf_puts(out, g);
}

/* city, region, rate_center are COLLATE NOCASE in the SQLite schema */
const sqlw_dialect_t sqlw_sqlite = {'?', "%s = %s", "%s GLOB %s", glob_as_is};

/* lower() under the C collation folds A-Z only, as NOCASE does, and is
 * what the lower() indexes of the PostgreSQL schema are built on */
const sqlw_dialect_t sqlw_postgres = {'$', "lower(%s) = lower(%s::text COLLATE \"C\")",
                                      "%s ~ %s", sqlw_glob_regex};

void sqlw_init(sqlw_t *w, const sqlw_dialect_t *d)
{
    memset(w, 0, sizeof *w);
    w->d = d;
    buf_puts(&w->sql, ""); /* data is never NULL, even with no condition */
}

void sqlw_free(sqlw_t *w)
{
    for (size_t i = 0; i < w->n; i++)
        if (w->v[i].kind == SQLW_TEXT) free((char *)w->v[i].text);
    buf_free(&w->sql);
    w->n = 0;
}

/* Records a value; returns its parameter number. */
static int put_val(sqlw_t *w, sqlw_kind_t kind, const char *text, int64_t i)
{
    if (w->n >= SQLW_MAX_VALS) nd_panic("sqlwhere: more than %d values", SQLW_MAX_VALS);
    sqlw_val_t *v = &w->v[w->n++];
    v->kind = kind;
    v->text = kind == SQLW_TEXT ? xstrdup(text ? text : "") : NULL;
    v->i = i;
    return (int)w->n;
}

/* The placeholder of parameter n, e.g. "?3" or "$3". */
static void ph(const sqlw_t *w, int n, char out[16])
{
    out[0] = w->d->ph;
    snprintf(out + 1, 15, "%d", n);
}

static void conn_word(sqlw_t *w)
{
    buf_puts(&w->sql, w->any ? " AND " : "WHERE ");
    w->any = true;
}

void sqlw_raw(sqlw_t *w, const char *sql)
{
    conn_word(w);
    buf_puts(&w->sql, sql);
}

void sqlw_text(sqlw_t *w, const char *col, const char *op, const char *v)
{
    char p[16];
    ph(w, put_val(w, SQLW_TEXT, v, 0), p);
    conn_word(w);
    buf_printf(&w->sql, "%s %s %s", col, op, p);
}

void sqlw_int(sqlw_t *w, const char *col, const char *op, int64_t v)
{
    char p[16];
    ph(w, put_val(w, SQLW_INT, NULL, v), p);
    conn_word(w);
    buf_printf(&w->sql, "%s %s %s", col, op, p);
}

void sqlw_text_ci(sqlw_t *w, const char *col, const char *v)
{
    char p[16];
    ph(w, put_val(w, SQLW_TEXT, v, 0), p);
    conn_word(w);
    buf_printf(&w->sql, w->d->ci_eq, col, p);
}

void sqlw_glob(sqlw_t *w, const char *col, const char *g)
{
    char p[16];
    buf_t v = BUF_INIT;
    w->d->glob_value(g, &v);
    ph(w, put_val(w, SQLW_TEXT, v.data, 0), p);
    buf_free(&v);
    conn_word(w);
    buf_printf(&w->sql, w->d->glob, col, p);
}

void sqlw_prefix(sqlw_t *w, const char *col, const char *p)
{
    char hi[SQLS_PREFIX_HI_SZ], lo_ph[16], hi_ph[16];
    sqls_prefix_hi(p, hi, sizeof hi);
    ph(w, put_val(w, SQLW_TEXT, p, 0), lo_ph);
    ph(w, put_val(w, SQLW_TEXT, hi, 0), hi_ph);
    conn_word(w);
    buf_printf(&w->sql, "%s >= %s AND %s < %s", col, lo_ph, col, hi_ph);
}

void sqlw_int_or_null(sqlw_t *w, const char *col, int64_t v)
{
    if (v >= 0) {
        sqlw_int(w, col, "=", v);
    } else {
        conn_word(w);
        buf_printf(&w->sql, "%s IS NULL", col);
    }
}

static bool plain_word(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 16) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < 'a' || s[i] > 'z') return false;
    return true;
}

void sqlw_either(sqlw_t *w, const char *col1, const char *col2, const char *word)
{
    if (plain_word(word)) {
        conn_word(w);
        BUF_CAT(&w->sql, "(", col1, " = '", word, "' OR ", col2, " = '", word, "')");
        return;
    }
    /* never reached with the core's types; safe if it ever is */
    char p1[16], p2[16];
    ph(w, put_val(w, SQLW_TEXT, word, 0), p1);
    ph(w, put_val(w, SQLW_TEXT, word, 0), p2);
    conn_word(w);
    buf_printf(&w->sql, "(%s = %s OR %s = %s)", col1, p1, col2, p2);
}

void sqlw_caps(sqlw_t *w, const char *col, int caps)
{
    conn_word(w);
    buf_printf(&w->sql, "(%s & %d) = %d", col, caps, caps);
}

/* col = v with v written as a literal: only for the closed sets and row
 * ids of the header's "Literals" (state and source codes, a carrier's
 * id), which keep the statement text to a few shapes per filter. */
static void int_lit(sqlw_t *w, const char *col, int64_t v)
{
    conn_word(w);
    buf_printf(&w->sql, "%s = %lld", col, (long long)v);
}

int sqlw_param(sqlw_t *w, buf_t *out, int64_t v)
{
    char p[16];
    int n = put_val(w, SQLW_INT, NULL, v);
    ph(w, n, p);
    buf_puts(out, p);
    return n;
}

void sqlw_limit_offset(sqlw_t *w, buf_t *out, int64_t limit, int64_t offset)
{
    buf_puts(out, " LIMIT ");
    sqlw_param(w, out, limit);
    buf_puts(out, " OFFSET ");
    sqlw_param(w, out, offset);
}

void sqlw_limit_offset_lit0(sqlw_t *w, buf_t *out, int64_t limit, int64_t offset)
{
    if (offset == 0) buf_printf(out, " LIMIT %lld", (long long)limit);
    else sqlw_limit_offset(w, out, limit, offset);
}

/* ---- whole clauses ---------------------------------------------------------- */

void sqlw_search(sqlw_t *w, const search_q_t *q, const sqlw_lca_t *lca)
{
    sqlw_raw(w, "state = 0");
    sqlw_text(w, "country_iso", "=", q->country_iso);
    if (q->prefix[0]) sqlw_prefix(w, "number", q->prefix);
    if (q->glob[0]) sqlw_glob(w, "number", q->glob);
    /* q->type is one of the five canonical names (core checked it): a
     * literal, so that the planner can use that type's partial index
     * (PostgreSQL's; SQLite's searches are the search index's) */
    if (q->type) sqlw_either(w, "type", "sub_type", q->type);
    if (q->region) sqlw_text_ci(w, "region", q->region);
    if (q->city) sqlw_text_ci(w, "city", q->city);
    if (q->rate_center) sqlw_text_ci(w, "rate_center", q->rate_center);
    if (q->lata >= 0) sqlw_int(w, "lata", "=", q->lata);
    if (lca && lca->have) {
        sqlw_text_ci(w, "rate_center", lca->rc);
        sqlw_int_or_null(w, "lata", lca->lata);
    }
    if (q->caps) sqlw_caps(w, "caps", q->caps);
}

void sqlw_numlist(sqlw_t *w, const numlist_q_t *q)
{
    sqlw_numlist_as(w, q, "n.state IN (1, 2)");
}

void sqlw_numlist_as(sqlw_t *w, const numlist_q_t *q, const char *listed)
{
    static const char *const ops[5] = {"=", ">", ">=", "<", "<="}; /* RENEW_* */
    sqlw_int(w, "n.owner_id", "=", q->owner_id);
    sqlw_raw(w, listed);
    if (q->sub_id > 0) sqlw_int(w, "n.sub_id", "=", q->sub_id);
    /* canonical type from the core's fixed list: a literal, like search */
    if (q->type) sqlw_either(w, "n.type", "n.sub_type", q->type);
    if (q->prefix) sqlw_prefix(w, "n.number", q->prefix);
    if (q->alias) sqlw_text(w, "n.alias", "=", q->alias);
    if (q->caps) sqlw_caps(w, "n.caps", q->caps);
    /* the values as the object shows them (core/owned.c num_shown_*): an
     * unset CNAM lookup is "disabled", a US local number without a 10DLC
     * status is "UNREGISTERED" */
    if (q->cnam_lookup)
        sqlw_text(w, "COALESCE(NULLIF(n.cnam_lookup, ''), 'disabled')", "=", q->cnam_lookup);
    for (int k = 0; k < 5; k++)
        if (q->renewal[k]) sqlw_text(w, "n.renewal_date", ops[k], q->renewal[k]);
    if (q->tendlc_status)
        sqlw_text(w,
                  "COALESCE(NULLIF(n.tendlc_registration_status, ''), CASE WHEN n.country_iso = 'US' "
                  "AND n.sub_type = 'local' THEN 'UNREGISTERED' END)",
                  "=", q->tendlc_status);
    if (q->tendlc_campaign) sqlw_text(w, "n.tendlc_campaign_id", "=", q->tendlc_campaign);
    if (q->tf_verification)
        sqlw_text(w, "n.toll_free_sms_verification", "=", q->tf_verification);
    /* small closed sets and row ids: literals, like the type */
    if (q->carrier_id > 0) int_lit(w, "n.carrier_id", q->carrier_id);
    if (q->by_source) int_lit(w, "n.source", q->source);
    if (q->by_state) int_lit(w, "n.state", q->state);
}

/* The counters serve every filter but these (they count by subaccount,
 * type, sub_type, source, state and caps only). */
bool sqlw_numlist_counted(const numlist_q_t *q)
{
    if (q->prefix || q->alias || q->cnam_lookup || q->tendlc_status ||
        q->tendlc_campaign || q->tf_verification || q->carrier_id > 0)
        return false;
    for (int k = 0; k < 5; k++)
        if (q->renewal[k]) return false;
    return true;
}

/* The counter rows' conditions beyond the range (owner, subaccount). */
static void numlist_counter_filters(sqlw_t *w, const numlist_q_t *q)
{
    if (q->type) sqlw_either(w, "c.type", "c.sub_type", q->type);
    if (q->by_source) int_lit(w, "c.source", q->source);
    if (q->by_state) int_lit(w, "c.state", q->state);
    /* services: the counter rows whose caps hold those bits (migrations
     * sqlite/0013, postgres/0012) */
    if (q->caps) sqlw_caps(w, "c.caps", q->caps);
}

/* Appends the counters' statement to out, through w (its values recorded
 * after those already there, its page clause left as it was): "SELECT
 * <sum> FROM owner_counts c WHERE <range> AND <filters>", or with range,
 * "SELECT <sum FILTER (WHERE <filters>)>, <sum> ... WHERE <range>".  The
 * counters hold only listed rows (state 1 or 2), as the list's own
 * condition. */
static void numlist_counters(sqlw_t *w, const numlist_q_t *q, bool range, buf_t *out)
{
    buf_t page_sql = w->sql, filt = BUF_INIT;
    bool page_any = w->any;
    buf_puts(&filt, "");
    w->sql = (buf_t)BUF_INIT;
    buf_puts(&w->sql, "");
    w->any = false;
    if (range) {
        numlist_counter_filters(w, q); /* "WHERE a AND b", or nothing */
        buf_puts(&filt, w->sql.data);
        buf_free(&w->sql);
        buf_puts(&w->sql, "");
        w->any = false;
    }
    sqlw_int(w, "c.owner_id", "=", q->owner_id);
    if (q->sub_id > 0) sqlw_int(w, "c.sub_id", "=", q->sub_id);
    if (!range) {
        numlist_counter_filters(w, q);
        BUF_CAT(out, "SELECT CAST(coalesce(sum(c.n), 0) AS BIGINT) FROM owner_counts c ",
                w->sql.data);
    } else if (!filt.data[0])
        BUF_CAT(out, "SELECT CAST(coalesce(sum(c.n), 0) AS BIGINT), CAST(coalesce(sum(c.n), 0) "
                     "AS BIGINT) FROM owner_counts c ", w->sql.data);
    else
        BUF_CAT(out, "SELECT CAST(coalesce(sum(c.n) FILTER (", filt.data, "), 0) AS BIGINT), "
                     "CAST(coalesce(sum(c.n), 0) AS BIGINT) FROM owner_counts c ", w->sql.data);
    buf_free(&filt);
    buf_free(&w->sql);
    w->sql = page_sql;
    w->any = page_any;
}

bool sqlw_numlist_count(sqlw_t *w, const numlist_q_t *q, buf_t *out)
{
    if (!sqlw_numlist_counted(q)) return false;
    numlist_counters(w, q, false, out);
    return true;
}

bool sqlw_numlist_count_range(sqlw_t *w, const numlist_q_t *q, buf_t *out)
{
    if (!sqlw_numlist_counted(q)) return false;
    numlist_counters(w, q, true, out);
    return true;
}

void sqlw_lca_lookup(sqlw_t *w, const search_q_t *q)
{
    /* any inventory number of the NPA-NXX names its rate center; one is
     * enough (they all share it) */
    buf_puts(&w->sql, "SELECT rate_center, lata FROM numbers ");
    sqlw_text(w, "country_iso", "=", q->country_iso);
    sqlw_prefix(w, "number", q->lca_prefix);
    sqlw_raw(w, "rate_center <> ''");
    buf_puts(&w->sql, " LIMIT 1");
}

/* ---- number_search ------------------------------------------------------------ */

/* A sqls_reader_fn of sqlw_lca_lookup's row into a sqlw_lca_t. */
static void rd_lca(sqls_row_t *r, void *rows, size_t i)
{
    sqlw_lca_t *l = (sqlw_lca_t *)rows + i;
    r->ops->text(r, l->rc, sizeof l->rc);
    l->lata = (int32_t)r->ops->i64(r, -1); /* NULL: no LATA */
    l->have = true;
}

int sqlw_search_begin(sqlw_t *w, const sqlw_dialect_t *d, const search_q_t *q, sqlw_one_fn one,
                      void *conn)
{
    sqlw_lca_t lca = {.have = false};
    sqlw_init(w, d);
    if (q->lca_prefix[0]) {
        sqlw_t lw;
        sqlw_init(&lw, d);
        sqlw_lca_lookup(&lw, q);
        int rc = one(conn, &lw, rd_lca, &lca);
        sqlw_free(&lw);
        if (rc != ST_OK && rc != ST_NOTFOUND) return ST_ERR;
        if (!lca.have) return ST_NOTFOUND; /* unknown NPA-NXX: nothing in its area */
    }
    w->lca = lca;
    sqlw_search(w, q, &lca);
    return ST_OK;
}

int sqlw_search_run(const sqlw_dialect_t *d, const search_q_t *q, sqlw_one_fn one,
                    sqlw_page_fn page, void *conn, inv_number_t *rows, size_t *nrows,
                    int64_t *total)
{
    *nrows = 0;
    *total = 0;
    sqlw_t w;
    int ret = sqlw_search_begin(&w, d, q, one, conn);
    if (ret == ST_OK) ret = page(conn, &w, q, rows, nrows, total);
    else if (ret == ST_NOTFOUND) ret = ST_OK; /* unknown NPA-NXX: an empty page */
    sqlw_free(&w);
    return ret;
}

int64_t sqlw_count_cap(const search_q_t *q)
{
    int64_t cap = (int64_t)q->offset + q->limit + 1;
    return cap < SEARCH_COUNT_CAP ? SEARCH_COUNT_CAP : cap;
}

/* ---- helpers ------------------------------------------------------------------ */

/* The ']' that closes the class opened at p ('['), or NULL: a '!' or '^'
 * and then a ']' right after the '[' belong to the class. */
static const char *class_end(const char *p)
{
    const char *q = p + 1;
    if (*q == '!' || *q == '^') q++;
    if (*q == ']') q++;
    return strchr(q, ']');
}

void sqlw_glob_regex(const char *g, buf_t *out)
{
    buf_putc(out, '^');
    for (const char *p = g; *p; p++) {
        if (*p == '*') {
            buf_puts(out, ".*");
        } else if (*p == '?') {
            buf_putc(out, '.');
        } else if (*p == '[' && class_end(p) != NULL) {
            const char *q = p + 1, *end = class_end(p);
            buf_putc(out, '[');
            if (*q == '!' || *q == '^') {
                buf_putc(out, '^');
                q++;
            }
            if (*q == ']') { /* a leading ']' is literal */
                buf_puts(out, "\\]");
                q++;
            }
            for (; q < end; q++) {
                if (*q == '\\' || *q == '[') buf_putc(out, '\\');
                buf_putc(out, *q);
            }
            buf_putc(out, ']');
            p = end;
        } else {
            if (strchr("\\.^$|()[]{}+?*", *p)) buf_putc(out, '\\');
            buf_putc(out, *p);
        }
    }
    buf_putc(out, '$');
}

void sqlw_events(sqlw_t *w, const event_filter_t *f)
{
    /* always a condition on id: the cursor, and on PostgreSQL it also
     * leaves out the rows whose id is not given yet (NULL until the round
     * after their transaction's COMMIT) */
    sqlw_int(w, "e.id", ">", f->after_id > 0 ? f->after_id : 0);
    if (f->object_type[0]) sqlw_text(w, "e.object_type", "=", f->object_type);
    if (f->object_id[0]) sqlw_text(w, "e.object_id", "=", f->object_id);
    if (f->account_id > 0) sqlw_int(w, "e.account_id", "=", f->account_id);
    else if (f->account_id < 0) sqlw_raw(w, "e.account_id IS NULL");
    if (f->actor_kind[0]) sqlw_text(w, "e.actor_kind", "=", f->actor_kind);
    if (f->actor_id[0]) sqlw_text(w, "e.actor_id", "=", f->actor_id);
    size_t tn = strlen(f->type);
    if (tn > 0 && f->type[tn - 1] == '.') {
        /* "number." : every type from "number." up to "number/" ('.' + 1),
         * an index range in byte order (both backends compare bytes) */
        char hi[MODEL_EVENT_TYPE_SZ];
        snprintf(hi, sizeof hi, "%s", f->type);
        hi[tn - 1] = '/';
        sqlw_text(w, "e.type", ">=", f->type);
        sqlw_text(w, "e.type", "<", hi);
    } else if (tn > 0) {
        sqlw_text(w, "e.type", "=", f->type);
    }
    if (f->has_since) sqlw_int(w, "e.ts", ">=", f->since);
    if (f->has_until) sqlw_int(w, "e.ts", "<", f->until);
}

void sqlw_event_list(sqlw_t *w, const event_filter_t *f, buf_t *out)
{
    sqlw_events(w, f);
    buf_printf(out, "SELECT " SQLS_EVENT_COLS " " SQLS_EVENT_FROM "%s ORDER BY e.id LIMIT ",
               w->sql.data);
    sqlw_param(w, out, f->limit > 0 ? f->limit : 100);
}

int sqlw_event_list_run(const sqlw_dialect_t *d, const event_filter_t *f, sqlw_each_fn each,
                        void *conn, store_event_cb cb, void *ud)
{
    if (!conn) return ST_ERR;
    sqlw_t w;
    sqlw_init(&w, d);
    buf_t sql = BUF_INIT;
    sqlw_event_list(&w, f, &sql);
    sqls_walk_event_t walk = {cb, ud};
    int rc = each(conn, &w, sql.data, sqls_walk_event, &walk);
    buf_free(&sql);
    sqlw_free(&w);
    return rc;
}
