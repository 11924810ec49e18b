/* owned.c -- the numbers accounts own, in SQLite: the list (its WHERE
 * clause from sqlwhere.h), reads, updates, release and aging, and the
 * numbers customers bring. */
#include "store/sqlite/sqliteInt.h"

#include "util/clock.h"

static const char *const sql_text[Q__COUNT] = {
    [Q_OWNED_GET] = SQLS_OWNED_SELECT
        "WHERE n.number = ?1 AND n.owner_id = ?2 AND n.state IN (1, 2) "
        "AND (?3 = 0 OR n.sub_id = ?3)",
    [Q_OWNED_GET_BYOC] = SQLS_OWNED_SELECT
        "WHERE n.byoc_id = ?1 AND n.owner_id = ?2 AND n.state IN (1, 2)",
    [Q_OWNED_GET_ANY] = SQLS_OWNED_SELECT "WHERE n.number = ?1 AND n.state IN (1, 2)",
    [Q_OWNED_UPDATE] =
        "UPDATE numbers SET sub_id=?3, app_id=?4, alias=?5, compliance_id=?6, cnam_lookup=?7, "
        "cnam=?8, cnam_callback_url=?9, cnam_callback_method=?10, caller_reputation_status=?11, "
        "profile_uuid=?12, cr_callback_url=?13, cr_callback_method=?14, "
        "tendlc_registration_status=?15, tendlc_campaign_id=?16, toll_free_sms_verification=?17, "
        "updated_at=?18 WHERE number=?1 AND owner_id=?2 AND state IN (1, 2)",
    [Q_RELEASE_INVENTORY] =
        "UPDATE numbers SET state=?3, owner_id=NULL, sub_id=NULL, app_id=NULL, alias=NULL, "
        "added_on=NULL, renewal_date=NULL, compliance_id=NULL, cnam_lookup=NULL, cnam=NULL, "
        "cnam_callback_url=NULL, cnam_callback_method=NULL, caller_reputation_status=NULL, "
        "profile_uuid=NULL, cr_callback_url=NULL, cr_callback_method=NULL, "
        "tendlc_registration_status=NULL, tendlc_campaign_id=NULL, "
        "toll_free_sms_verification=NULL, byoc_id=NULL, label=NULL, released_at=?4, updated_at=?4 "
        "WHERE number=?1 AND owner_id=?2 AND state IN (1, 2) AND source=0",
    [Q_RELEASE_CUSTOMER] =
        "DELETE FROM numbers WHERE number=?1 AND owner_id=?2 AND source IN (1, 2)",
    [Q_NUMBER_INSERT_OWNED] =
        "INSERT INTO numbers(number, country_iso, type, sub_type, region, voice_enabled, "
        "sms_enabled, mms_enabled, caps, carrier, source, state, owner_id, sub_id, app_id, "
        "added_on, carrier_id, byoc_id, label, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, "
        "?6, ?7, ?8, ?9, ?10, ?11, 1, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19)",
    [Q_AGING_SWEEP] =
        "UPDATE numbers SET state=0, released_at=NULL, updated_at=?2 "
        "WHERE state=3 AND released_at <= ?1",
};

int sq_number_list(store_t *st, const numlist_q_t *q, owned_number_t *rows, size_t *nrows,
                   int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_numlist(&w, q);
    buf_t rs = BUF_INIT, cs = BUF_INIT;
    buf_printf(&cs, "SELECT count(*) FROM numbers n %s", w.sql.data);
    buf_printf(&rs, SQLS_OWNED_SELECT "%s ORDER BY n.number LIMIT ", w.sql.data);
    sqlw_param(&w, &rs, q->limit);
    buf_puts(&rs, " OFFSET ");
    sqlw_param(&w, &rs, q->offset);
    int ret = sq_page_dyn(st, c, &w, rs.data, cs.data, q->limit, sqls_rd_owned, rows, nrows,
                          total, "number list");
    buf_free(&rs);
    buf_free(&cs);
    sqlw_free(&w);
    return ret;
}

/* One owned number: which is Q_OWNED_GET* with its text key bound first,
 * then (ids > 0) owner and sub ids. */
static int owned_one(store_t *st, int which, const char *key, int ids, int64_t owner_id,
                     int64_t sub_id, owned_number_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, which) : NULL;
    if (!q) return ST_ERR;
    sq_bind_text(q, 1, key);
    if (ids > 0) sqlite3_bind_int64(q, 2, owner_id);
    if (ids > 1) sqlite3_bind_int64(q, 3, sub_id);
    return sq_one_row(c, q, sqls_rd_owned, out, "owned number get");
}

int sq_number_get_owned(store_t *st, int64_t owner_id, int64_t sub_id, const char *number,
                        owned_number_t *out)
{
    return owned_one(st, Q_OWNED_GET, number, 2, owner_id, sub_id, out);
}

int sq_number_get_byoc(store_t *st, int64_t owner_id, const char *byoc_id, owned_number_t *out)
{
    return owned_one(st, Q_OWNED_GET_BYOC, byoc_id, 1, owner_id, 0, out);
}

int sq_number_get_any(store_t *st, const char *number, owned_number_t *out)
{
    return owned_one(st, Q_OWNED_GET_ANY, number, 0, 0, 0, out);
}

int sq_number_update_owned(store_t *st, const owned_number_t *n)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_OWNED_UPDATE) : NULL;
    if (!q) return ST_ERR;
    sq_bind_text(q, 1, n->inv.number);
    sqlite3_bind_int64(q, 2, n->owner_id);
    sq_bind_id(q, 3, n->sub_id);
    /* positions 4-17, in the statement's order; "" is stored as NULL */
    const char *const text[] = {
        n->app_id, n->alias, n->compliance_id, n->cnam_lookup, n->cnam, n->cnam_callback_url,
        n->cnam_callback_method, n->caller_reputation_status, n->profile_uuid,
        n->cr_callback_url, n->cr_callback_method, n->tendlc_registration_status,
        n->tendlc_campaign_id, n->toll_free_sms_verification,
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(text); i++) sq_bind_text_or_null(q, 4 + (int)i, text[i]);
    sqlite3_bind_int64(q, 18, clock_now());
    return sq_run1(c, q, "owned number update");
}

int sq_number_release(store_t *st, int64_t owner_id, const char *number, bool to_available)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_RELEASE_INVENTORY) : NULL;
    if (!q) return ST_ERR;
    sq_bind_text(q, 1, number);
    sqlite3_bind_int64(q, 2, owner_id);
    sqlite3_bind_int(q, 3, to_available ? NUM_AVAILABLE : NUM_AGING);
    sqlite3_bind_int64(q, 4, clock_now());
    int rc = sq_run1(c, q, "release");
    if (rc != ST_NOTFOUND) return rc;
    /* not an inventory number: a customer's own number is removed */
    q = STMT(c, Q_RELEASE_CUSTOMER);
    if (!q) return ST_ERR;
    sq_bind_text(q, 1, number);
    sqlite3_bind_int64(q, 2, owner_id);
    return sq_run1(c, q, "release (delete)");
}

int sq_number_insert_owned(store_t *st, const owned_number_t *n)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_NUMBER_INSERT_OWNED) : NULL;
    if (!q) return ST_ERR;
    const inv_number_t *v = &n->inv;
    sq_bind_text(q, 1, v->number);
    sq_bind_text(q, 2, v->country_iso);
    sq_bind_text(q, 3, v->type);
    sq_bind_text(q, 4, v->sub_type);
    sq_bind_text(q, 5, v->region);
    sqlite3_bind_int(q, 6, v->voice);
    sqlite3_bind_int(q, 7, v->sms);
    sqlite3_bind_int(q, 8, v->mms);
    sqlite3_bind_int(q, 9, sqls_caps(v));
    sq_bind_text(q, 10, v->carrier);
    sqlite3_bind_int(q, 11, (int)n->source);
    sqlite3_bind_int64(q, 12, n->owner_id);
    sq_bind_id(q, 13, n->sub_id);
    sq_bind_text_or_null(q, 14, n->app_id);
    sq_bind_text_or_null(q, 15, n->added_on);
    sq_bind_id(q, 16, n->carrier_id);
    sq_bind_text_or_null(q, 17, n->byoc_id);
    sq_bind_text_or_null(q, 18, n->label);
    sqlite3_bind_int64(q, 19, n->created_at);
    return sq_run(c, q, "number insert", NULL);
}

int sq_aging_sweep(store_t *st, int64_t cutoff, int64_t *returned)
{
    conn_t *c = CONN(st);
    int n = 0;
    int rc = c ? sq_run_ii(c, STMT(c, Q_AGING_SWEEP), cutoff, clock_now(), "aging sweep", &n)
               : ST_ERR;
    if (returned) *returned = n;
    return rc;
}
