/* owned.c -- the numbers accounts own, in SQLite: the list (its WHERE
 * clause from sqlwhere.h), reads, updates, release and aging, and the
 * numbers customers bring. */
#include "store/sqlite/sqliteInt.h"

#include "util/clock.h"

#include <stdlib.h>
#include <string.h>

/* Every statement of owned numbers is the one both backends run
 * (sqltext.c): this backend has no text of its own here. */
static const char *const sql_text[Q__COUNT] = {NULL};

static int by_number(const void *a, const void *b)
{
    return strcmp(((const owned_number_t *)a)->inv.number, ((const owned_number_t *)b)->inv.number);
}

/* The page in number order.  The query's plan yields it so (the ordered
 * subquery as the outer loop, primary-key joins inside it); this check
 * costs a comparison a row, and sorts only if a future SQLite plans it
 * otherwise. */
static void page_in_order(owned_number_t *rows, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (strcmp(rows[i - 1].inv.number, rows[i].inv.number) > 0) {
            qsort(rows, n, sizeof *rows, by_number);
            return;
        }
    }
}

int sq_number_list(store_t *st, const numlist_q_t *q, owned_number_t *rows, size_t *nrows,
                   int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_numlist(&w, q);
    buf_t rs = BUF_INIT, cs = BUF_INIT;
    /* The page is cut from numbers alone (rowids from the covering owner
     * index where the filters allow), and only its rows are read and
     * joined: an OFFSET into an account of 1,000,000 numbers skips index
     * entries, not rows with their joins (offset 900,000: 0.9 s -> 0.06 s). */
    /* a brief page (the Plivo list) reads 35 columns and one join, not
     * 48 and three subqueries */
    const char *cols = q->brief ? SQLS_OWNED_BRIEF_COLS : SQLS_OWNED_COLS;
    const char *joins = q->brief ? SQLS_OWNED_BRIEF_JOINS : "";
    sqls_reader_fn rd = q->brief ? sqls_rd_owned_brief : sqls_rd_owned;
    BUF_CAT(&rs, "SELECT ", cols, "FROM (SELECT n.rowid AS r FROM numbers n ", w.sql.data,
            " ORDER BY n.number");
    sqlw_limit_offset(&w, &rs, q->limit, q->offset);
    /* No outer ORDER BY: its sort copied every column of every row and
     * cost a third of a first page.  CROSS JOIN keeps p the outer loop, so
     * rows come out in p's order; page_in_order() below makes sure. */
    BUF_CAT(&rs, ") p CROSS JOIN numbers n ON n.rowid = p.r ", joins);
    /* the total from the kept counters where they serve the filters (a
     * sum over a few rows), else a count of the matching rows */
    if (!sqlw_numlist_count(&w, q, &cs)) BUF_CAT(&cs, "SELECT count(*) FROM numbers n ", w.sql.data);
    int ret = sq_page_dyn(st, c, &w, rs.data, cs.data, q->limit, rd, rows, nrows, total,
                          "number list");
    if (ret == ST_OK) page_in_order(rows, *nrows);
    buf_free(&rs);
    buf_free(&cs);
    sqlw_free(&w);
    return ret;
}

int sq_number_get_owned(store_t *st, int64_t owner_id, int64_t sub_id, const char *number,
                        owned_number_t *out)
{
    return SQ_ONE(st, Q_OWNED_GET, sqls_rd_owned, out, SQ_T(number), SQ_I(owner_id),
                  SQ_I(sub_id));
}

int sq_number_get_byoc(store_t *st, int64_t owner_id, const char *byoc_id, owned_number_t *out)
{
    return SQ_ONE(st, Q_OWNED_GET_BYOC, sqls_rd_owned, out, SQ_T(byoc_id), SQ_I(owner_id));
}

int sq_number_get_any(store_t *st, const char *number, owned_number_t *out)
{
    return SQ_ONE(st, Q_OWNED_GET_ANY, sqls_rd_owned, out, SQ_T(number));
}

int sq_number_list_state(store_t *st, const admnum_q_t *q, admin_number_t *rows, size_t *nrows)
{
    sqls_fill_t w = {sqls_rd_admin_number, rows, 0, q->limit > 0 ? (size_t)q->limit : 0};
    int rc = SQ_EACH_V(st, Q_OWNED_LIST_STATE, sqls_fill, &w, SQ_I(q->state), SQ_T(q->after),
                       SQ_I(q->owner_id), SQ_I(q->limit));
    *nrows = rc == ST_OK ? w.n : 0;
    return rc;
}

int sq_number_update_owned(store_t *st, const owned_number_t *n)
{
    /* "" is stored as NULL */
    return SQ_RUN1(st, Q_OWNED_UPDATE, SQ_T(n->inv.number), SQ_I(n->owner_id), SQ_ID(n->sub_id),
                   SQ_TN(n->app_id), SQ_TN(n->alias), SQ_TN(n->compliance_id),
                   SQ_TN(n->cnam_lookup), SQ_TN(n->cnam), SQ_TN(n->cnam_callback_url),
                   SQ_TN(n->cnam_callback_method), SQ_TN(n->caller_reputation_status),
                   SQ_TN(n->profile_uuid), SQ_TN(n->cr_callback_url),
                   SQ_TN(n->cr_callback_method), SQ_TN(n->tendlc_registration_status),
                   SQ_TN(n->tendlc_campaign_id), SQ_TN(n->toll_free_sms_verification),
                   SQ_I(clock_now()));
}

int sq_number_release(store_t *st, int64_t owner_id, const char *number, bool to_available)
{
    int rc = SQ_RUN1(st, Q_RELEASE_INVENTORY, SQ_T(number), SQ_I(owner_id),
                     SQ_I(to_available ? NUM_AVAILABLE : NUM_AGING), SQ_I(clock_now()));
    if (rc != ST_NOTFOUND) return rc;
    /* not an inventory number: a customer's own number is removed */
    return SQ_RUN1(st, Q_RELEASE_CUSTOMER, SQ_T(number), SQ_I(owner_id));
}

int sq_number_insert_owned(store_t *st, const owned_number_t *n)
{
    const inv_number_t *v = &n->inv;
    int rc = SQ_RUN1(st, Q_NUMBER_INSERT_OWNED, SQ_T(v->number), SQ_T(v->country_iso),
                     SQ_T(v->type), SQ_T(v->sub_type), SQ_T(v->region), SQ_I(v->voice),
                     SQ_I(v->sms), SQ_I(v->mms), SQ_I(sqls_caps(v)), SQ_T(v->carrier),
                     SQ_I(n->source), SQ_I(n->owner_id), SQ_ID(n->sub_id), SQ_TN(n->app_id),
                     SQ_TN(n->added_on), SQ_ID(n->carrier_id), SQ_TN(n->byoc_id),
                     SQ_TN(n->label), SQ_I(n->created_at));
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc; /* the number (or its BYOC id) exists */
}

int sq_aging_sweep(store_t *st, int64_t cutoff, int max, store_text_cb cb, void *ud,
                   int64_t *returned)
{
    /* RETURNING: the numbers come back from the UPDATE itself (SQLite
     * 3.35+), all of them before the first row is handed out */
    sqls_number_walk_t w = {cb, ud, 0, true};
    int rc = SQ_EACH_V(st, Q_AGING_SWEEP, sqls_each_number, &w, SQ_I(cutoff), SQ_I(clock_now()),
                       SQ_I(max));
    if (returned) *returned = rc == ST_OK ? w.n : 0;
    return rc;
}
