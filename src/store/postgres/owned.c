/* owned.c -- the numbers an account owns: list, get (by number, BYOC id,
 * any account), update, release, insert (a customer's own number), and the
 * aging sweep. */
#include "store/postgres/pgInt.h"

#include <stdio.h>
#include <string.h>

#include "util/clock.h"

const char *const pg_sql_owned[Q__COUNT] = {
    [Q_OWNED_GET_LOCK] = SQLS_OWNED_SELECT
        "WHERE n.number = $1 AND n.owner_id = $2 AND n.state IN (1, 2) "
        "AND ($3::bigint = 0 OR n.sub_id = $3) FOR UPDATE OF n",
    [Q_OWNED_GET_BYOC_LOCK] = SQLS_OWNED_SELECT
        "WHERE n.byoc_id = $1 AND n.owner_id = $2 AND n.state IN (1, 2) FOR UPDATE OF n",
    [Q_OWNED_GET_ANY_LOCK] =
        SQLS_OWNED_SELECT "WHERE n.number = $1 AND n.state IN (1, 2) FOR UPDATE OF n",
    /* adders of account $1 on this connection's counter slot take turns
     * (pg_number_insert_owned; never on a batch writer's own slot, 0017,
     * so the slot here is always pid mod 16) */
    [Q_NUMBER_ADD_TURN] = "SELECT pg_advisory_xact_lock(" LOCK_NS_ADD ", "
        "(($1::bigint * 16 + pg_backend_pid() % 16) & 2147483647)::int)",
};

/* Up to this many rows (offset + limit) a page may be read straight
 * from the owner index (pg_number_list). */
#define LIST_DIRECT_ROWS 40

/* Whether a filter of q needs the row itself, not only the owner index's
 * columns (number, state, type, sub_type, caps, sub_id). */
static bool list_reads_rows(const numlist_q_t *q)
{
    bool renewal = false;
    for (int k = 0; k < 5; k++) renewal |= q->renewal[k] != NULL;
    return q->by_source || q->alias || q->cnam_lookup || renewal || q->tendlc_status ||
           q->tendlc_campaign || q->tf_verification || q->carrier_id > 0;
}

/* The connection's hint for q's owner, subaccount, type and services. */
static size_t list_hint_slot(const numlist_q_t *q)
{
    uint64_t h = (uint64_t)q->owner_id * 0x9E3779B97F4A7C15ull ^ (uint64_t)q->sub_id * 31u ^
                 (uint64_t)q->caps * 7u ^ (q->type ? (uint64_t)(unsigned char)q->type[0] : 0);
    return (size_t)(h >> 32) % PG_LIST_HINTS;
}

static bool list_hint_is(const conn_t *c, size_t k, const numlist_q_t *q)
{
    return c->list_hint[k].used && c->list_hint[k].owner_id == q->owner_id &&
           c->list_hint[k].sub_id == q->sub_id && c->list_hint[k].caps == q->caps &&
           strcmp(c->list_hint[k].type, q->type ? q->type : "") == 0;
}

/*
 * A page is either cut from numbers' owner index and joined back by
 * number (session 19's design), or read straight from that index.
 *  - The cut reads only the owner index while it walks (an index-only
 *    scan when the filters are its columns), so a deep OFFSET, or a type
 *    or services filter that drops most of the walk, costs ~0.1 us an
 *    entry, not a heap read (~0.37 us: a type none of 10,000 numbers has,
 *    923 against 267 statements/s, pgbench); then each of the page's rows
 *    is read again by number, a walk down the unique index.
 *  - Read straight, each row is read once: a page of 20 of 10,000
 *    numbers, 8,300-8,700 -> 12,200 statements/s.
 * So a page within the first LIST_DIRECT_ROWS rows is read straight
 * unless a type or services filter is set (an OR of two columns, a bit
 * mask: only the cut drops those rows inside the index) -- and even then
 * when another filter needs the row itself, since the cut then reads
 * every row it walks too, or when most rows pass: the statement also
 * returns whether at least half the rows the scan walks pass (the kept
 * counters, migration 0009), which the connection keeps as the hint for
 * that owner, subaccount, type and services.  Both forms give the same
 * page; the hint only ever costs time.  (Tried first: both forms in one
 * statement, each behind a one-time filter on the counters -- as slow as
 * the cut alone: PostgreSQL starts the scans of the form it skips.)
 */
int pg_number_list(store_t *st, const numlist_q_t *q, owned_number_t *rows, size_t *nrows,
                   int64_t *total)
{
    conn_t *c = pg_conn(st);
    *nrows = 0;
    *total = 0;
    bool shallow = q->offset + q->limit <= LIST_DIRECT_ROWS;
    bool direct = shallow && (!(q->type || q->caps) || list_reads_rows(q));
    /* learn: a shallow page filtered by the index's columns alone, whose
     * counters are kept (no prefix) */
    bool learn = c && shallow && !direct && sqlw_numlist_counted(q);
    size_t k = learn ? list_hint_slot(q) : 0;
    if (learn) direct = list_hint_is(c, k, q) && c->list_hint[k].direct;
    /* the listed states: read straight, a range, which the owner index
     * checks inside the scan and in its order (an IN list there is a
     * ScalarArrayOp, which loses the order: a sort of the account's
     * numbers); in the cut, an IN list, which PostgreSQL checks on the
     * index entry ~15 % faster than a range (pgbench: 10,000 entries
     * walked, 742-760 -> 857-900 statements/s) */
    sqlw_t w;
    sqlw_init(&w, &sqlw_postgres);
    sqlw_numlist_as(&w, q, direct ? "n.state BETWEEN 1 AND 2" : "n.state IN (1, 2)");
    /* page and count in one statement (PAGE()); a brief page (the Plivo
     * list) reads 35 columns, not 48 */
    const char *cols = q->brief ? SQLS_OWNED_BRIEF_COLS_SUBQ : SQLS_OWNED_COLS;
    sqls_reader_fn rd = q->brief ? sqls_rd_owned_brief : sqls_rd_owned;
    buf_t sql = BUF_INIT, page = BUF_INIT, count = BUF_INIT;
    if (direct) {
        buf_printf(&page, "SELECT %sFROM numbers n %s ORDER BY n.number", cols, w.sql.data);
        sqlw_limit_offset_lit0(&w, &page, q->limit, q->offset);
    } else {
        buf_printf(&page, "SELECT %sFROM (SELECT n.number FROM numbers n %s ORDER BY n.number",
                   cols, w.sql.data);
        sqlw_limit_offset_lit0(&w, &page, q->limit, q->offset);
        buf_puts(&page, ") p JOIN numbers n ON n.number = p.number ORDER BY n.number");
    }
    int ret;
    if (learn) {
        sqlw_numlist_count_range(&w, q, &count);
        buf_printf(&sql, "SELECT t.n, p.*, CASE WHEN t.n * 2 >= t.a THEN 1 ELSE 0 END FROM (%s) "
                         "t(n, a) LEFT JOIN LATERAL (%s) p ON true",
                   count.data, page.data);
        int64_t most = 0;
        ret = pg_page_dyn_last(c, sql.data, &w, q->limit, rd, rows, nrows, total, &most);
        if (ret == ST_OK) {
            c->list_hint[k].used = true;
            c->list_hint[k].owner_id = q->owner_id;
            c->list_hint[k].sub_id = q->sub_id;
            c->list_hint[k].caps = q->caps;
            snprintf(c->list_hint[k].type, sizeof c->list_hint[k].type, "%s",
                     q->type ? q->type : "");
            c->list_hint[k].direct = most == 1;
        }
    } else {
        /* the total from the kept counters where they serve the filters
         * (a sum over a few rows), else a count of the matching rows */
        if (!sqlw_numlist_count(&w, q, &count))
            buf_printf(&count, "SELECT count(*) FROM numbers n %s", w.sql.data);
        buf_printf(&sql, "SELECT t.n, p.* FROM (%s) t(n) LEFT JOIN LATERAL (%s) p ON true",
                   count.data, page.data);
        ret = pg_page_dyn(c, sql.data, &w, q->limit, rd, rows, nrows, total);
    }
    buf_free(&page);
    buf_free(&count);
    buf_free(&sql);
    sqlw_free(&w);
    return ret;
}

int pg_number_get_owned(store_t *st, int64_t owner_id, int64_t sub_id, const char *number,
                        owned_number_t *out)
{
    return pg_one_locking(st, Q_OWNED_GET, Q_OWNED_GET_LOCK,
                          PG_V(v_text(number), v_int(owner_id), v_int(sub_id)), sqls_rd_owned, out);
}

int pg_number_get_byoc(store_t *st, int64_t owner_id, const char *byoc_id, owned_number_t *out)
{
    return pg_one_locking(st, Q_OWNED_GET_BYOC, Q_OWNED_GET_BYOC_LOCK,
                          PG_V(v_text(byoc_id), v_int(owner_id)), sqls_rd_owned, out);
}

int pg_number_get_any(store_t *st, const char *number, owned_number_t *out)
{
    return pg_one_locking(st, Q_OWNED_GET_ANY, Q_OWNED_GET_ANY_LOCK, PG_V(v_text(number)),
                          sqls_rd_owned, out);
}

int pg_number_list_state(store_t *st, const admnum_q_t *q, admin_number_t *rows, size_t *nrows)
{
    sqls_fill_t w = {sqls_rd_admin_number, rows, 0, q->limit > 0 ? (size_t)q->limit : 0};
    int rc = pg_each(pg_conn(st), Q_OWNED_LIST_STATE,
                     PG_V(v_int(q->state), v_text(q->after), v_int(q->owner_id), v_int(q->limit)),
                     sqls_fill, &w);
    *nrows = rc == ST_OK ? w.n : 0;
    return rc;
}

int pg_number_update_owned(store_t *st, const owned_number_t *n)
{
    return pg_write1(
        pg_conn(st), Q_OWNED_UPDATE,
        PG_V(v_text(n->inv.number), v_int(n->owner_id), v_id(n->sub_id), v_textn(n->app_id),
             v_textn(n->alias), v_textn(n->compliance_id), v_textn(n->cnam_lookup),
             v_textn(n->cnam), v_textn(n->cnam_callback_url), v_textn(n->cnam_callback_method),
             v_textn(n->caller_reputation_status), v_textn(n->profile_uuid),
             v_textn(n->cr_callback_url), v_textn(n->cr_callback_method),
             v_textn(n->tendlc_registration_status), v_textn(n->tendlc_campaign_id),
             v_textn(n->toll_free_sms_verification), v_int(clock_now())));
}

int pg_number_release(store_t *st, int64_t owner_id, const char *number, bool to_available)
{
    conn_t *c = pg_conn(st);
    /* in a write transaction: behind any import batch */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_write1(c, Q_RELEASE_INVENTORY,
                       PG_V(v_text(number), v_int(owner_id),
                            v_int(to_available ? NUM_AVAILABLE : NUM_AGING), v_int(clock_now())));
    /* not an inventory number: a customer's own number is removed */
    if (rc == ST_NOTFOUND)
        rc = pg_write1(c, Q_RELEASE_CUSTOMER, PG_V(v_text(number), v_int(owner_id)));
    return pg_tx_end(st, rc, true);
}

/* The outer "state = 3" is checked again on the row as committed: a
 * number another node swept meanwhile is not returned twice (READ
 * COMMITTED re-evaluates the WHERE clause of a row it waited for). */
int pg_aging_sweep(store_t *st, int64_t cutoff, int max, store_text_cb cb, void *ud,
                   int64_t *returned)
{
    sqls_number_walk_t w = {cb, ud, 0, true};
    if (returned) *returned = 0;
    /* in a write transaction: behind any import batch */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_each(pg_conn(st), Q_AGING_SWEEP,
                     PG_V(v_int(cutoff), v_int(clock_now()), v_int(max)), sqls_each_number, &w);
    rc = pg_tx_end(st, rc, false);
    if (rc == ST_OK && returned) *returned = w.n;
    return rc;
}

int pg_number_insert_owned(store_t *st, const owned_number_t *n)
{
    conn_t *c = pg_conn(st);
    const inv_number_t *v = &n->inv;
    /* In a write transaction (behind any import batch).  Two requests
     * adding the same numbers meet on the first of them: the second's
     * insert waits for the first's uncommitted row, then finds it (ON
     * CONFLICT DO NOTHING: ST_CONFLICT).  The core inserts a request's
     * numbers in ascending order (core/numadd.c), so that of two requests
     * neither holds a number the other waits for.  But each insert's
     * triggers also lock counter rows until COMMIT -- the carrier's and
     * the account's, in the slot of the connection (0013, 0016) -- in the
     * order of the numbers, not of the rows: two adders of one account on
     * one slot could each hold a row the other needs (or a number and a
     * row).  So those two take turns, from the first insert to COMMIT, on
     * an advisory lock of (account, slot); adders on other slots, or of
     * other accounts, share no counter row and run at once (but adders
     * that name an application still take turns on its row: the core
     * reads it with app_get, FOR UPDATE).  (Until
     * session 28 every adder took turns, LOCK_NUMADD: one flush at a
     * time.) */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = ST_OK;
    /* a batch writer's own slot (0017) is no other session's: nobody to
     * take turns with */
    if (!c->add_locked && !c->slot_own) {
        rc = pg_exec(c, Q_NUMBER_ADD_TURN, PG_V(v_int(n->owner_id)), NULL, NULL);
        c->add_locked = rc == ST_OK;
    }
    if (rc == ST_OK)
        rc = pg_write1(c, Q_NUMBER_INSERT_OWNED,
                       PG_V(v_text(v->number), v_text(v->country_iso), v_text(v->type),
                            v_text(v->sub_type), v_text(v->region), v_bool(v->voice),
                            v_bool(v->sms), v_bool(v->mms), v_int(sqls_caps(v)),
                            v_text(v->carrier), v_int(n->source), v_int(n->owner_id),
                            v_id(n->sub_id), v_textn(n->app_id), v_textn(n->added_on),
                            v_id(n->carrier_id), v_textn(n->byoc_id), v_textn(n->label),
                            v_int(n->created_at)));
    if (rc == ST_NOTFOUND) rc = ST_CONFLICT; /* the number (or its BYOC id) exists */
    return pg_tx_end(st, rc, false);
}
