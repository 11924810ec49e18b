/* owned.c -- the numbers an account owns: list, get (by number, BYOC id,
 * any account), update, release, insert (a customer's own number), and the
 * aging sweep. */
#include "store/postgres/pgInt.h"

#include "core/clock.h"

/* An owned number: the inventory columns, then ownership, with the
 * subaccount's auth_id joined in.  Column order is read_owned()'s. */
#define OWNED_COLS                                                                            \
    "n.number, n.country_iso, n.type, n.sub_type, n.prefix, n.city, n.region, "      \
    "n.rate_center, n.lata, n.voice_enabled, n.sms_enabled, n.mms_enabled, n.setup_rate, "  \
    "n.monthly_rental_rate, n.voice_rate, n.sms_rate, n.mms_rate, n.restriction, "          \
    "n.restriction_text, n.carrier, n.state, n.source, n.owner_id, COALESCE(n.sub_id, 0), " \
    "COALESCE(s.auth_id, ''), n.app_id, n.alias, n.added_on, n.renewal_date, "              \
    "n.compliance_id, n.cnam_lookup, n.cnam, n.cnam_callback_url, n.cnam_callback_method, " \
    "n.caller_reputation_status, n.profile_uuid, n.cr_callback_url, n.cr_callback_method, " \
    "n.tendlc_registration_status, n.tendlc_campaign_id, n.toll_free_sms_verification, "    \
    "COALESCE(n.carrier_id, 0), n.created_at, n.updated_at, n.byoc_id, n.label, "           \
    "COALESCE(cr.voip_sid, '') "
#define OWNED_JOINS \
    "LEFT JOIN accounts s ON s.id = n.sub_id LEFT JOIN carriers cr ON cr.id = n.carrier_id "
#define OWNED_SELECT "SELECT " OWNED_COLS "FROM numbers n " OWNED_JOINS

const char *const pg_sql_owned[Q__COUNT] = {
    [Q_OWNED_GET] = OWNED_SELECT
        "WHERE n.number = $1 AND n.owner_id = $2 AND n.state IN (1, 2) "
        "AND ($3::bigint = 0 OR n.sub_id = $3)",
    [Q_OWNED_GET_LOCK] = OWNED_SELECT
        "WHERE n.number = $1 AND n.owner_id = $2 AND n.state IN (1, 2) "
        "AND ($3::bigint = 0 OR n.sub_id = $3) FOR UPDATE OF n",
    [Q_OWNED_GET_BYOC] = OWNED_SELECT
        "WHERE n.byoc_id = $1 AND n.owner_id = $2 AND n.state IN (1, 2)",
    [Q_OWNED_GET_BYOC_LOCK] = OWNED_SELECT
        "WHERE n.byoc_id = $1 AND n.owner_id = $2 AND n.state IN (1, 2) FOR UPDATE OF n",
    [Q_OWNED_GET_ANY] = OWNED_SELECT "WHERE n.number = $1 AND n.state IN (1, 2)",
    [Q_OWNED_GET_ANY_LOCK] =
        OWNED_SELECT "WHERE n.number = $1 AND n.state IN (1, 2) FOR UPDATE OF n",
    [Q_OWNED_UPDATE] =
        "UPDATE numbers SET sub_id = $3, app_id = $4, alias = $5, compliance_id = $6, "
        "cnam_lookup = $7, cnam = $8, cnam_callback_url = $9, cnam_callback_method = $10, "
        "caller_reputation_status = $11, profile_uuid = $12, cr_callback_url = $13, "
        "cr_callback_method = $14, tendlc_registration_status = $15, tendlc_campaign_id = $16, "
        "toll_free_sms_verification = $17, updated_at = $18 "
        "WHERE number = $1 AND owner_id = $2 AND state IN (1, 2)",
    [Q_RELEASE_INVENTORY] =
        "UPDATE numbers SET state = $3, owner_id = NULL, sub_id = NULL, app_id = NULL, "
        "alias = NULL, added_on = NULL, renewal_date = NULL, compliance_id = NULL, "
        "cnam_lookup = NULL, cnam = NULL, cnam_callback_url = NULL, cnam_callback_method = NULL, "
        "caller_reputation_status = NULL, profile_uuid = NULL, cr_callback_url = NULL, "
        "cr_callback_method = NULL, tendlc_registration_status = NULL, tendlc_campaign_id = NULL, "
        "toll_free_sms_verification = NULL, byoc_id = NULL, label = NULL, released_at = $4, "
        "updated_at = $4 WHERE number = $1 AND owner_id = $2 AND state IN (1, 2) AND source = 0",
    [Q_RELEASE_CUSTOMER] =
        "DELETE FROM numbers WHERE number = $1 AND owner_id = $2 AND source IN (1, 2)",
    [Q_NUMBER_INSERT_OWNED] =
        "INSERT INTO numbers(number, country_iso, type, sub_type, region, voice_enabled, "
        "sms_enabled, mms_enabled, caps, carrier, source, state, owner_id, sub_id, app_id, "
        "added_on, carrier_id, byoc_id, label, created_at, updated_at) VALUES ($1, $2, $3, $4, "
        "$5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $14, $15, $16, $17, $18, $19, $19) "
        "ON CONFLICT DO NOTHING",
    [Q_AGING_SWEEP] =
        "UPDATE numbers SET state = 0, released_at = NULL, updated_at = $2 "
        "WHERE state = 3 AND released_at <= $1",
};

/* ---- owned numbers ------------------------------------------------------ */

static void read_owned(rd_t *d, owned_number_t *o)
{
    memset(o, 0, sizeof *o);
    pg_read_inv(d, &o->inv);
    o->state = (num_state_t)rd_int(d);
    o->source = (num_source_t)rd_int(d);
    o->owner_id = rd_i64(d);
    o->sub_id = rd_i64(d);
    rd_copy(d, o->sub_auth_id, sizeof o->sub_auth_id);
    rd_copy(d, o->app_id, sizeof o->app_id);
    rd_copy(d, o->alias, sizeof o->alias);
    rd_copy(d, o->added_on, sizeof o->added_on);
    rd_copy(d, o->renewal_date, sizeof o->renewal_date);
    rd_copy(d, o->compliance_id, sizeof o->compliance_id);
    rd_copy(d, o->cnam_lookup, sizeof o->cnam_lookup);
    rd_copy(d, o->cnam, sizeof o->cnam);
    rd_copy(d, o->cnam_callback_url, sizeof o->cnam_callback_url);
    rd_copy(d, o->cnam_callback_method, sizeof o->cnam_callback_method);
    rd_copy(d, o->caller_reputation_status, sizeof o->caller_reputation_status);
    rd_copy(d, o->profile_uuid, sizeof o->profile_uuid);
    rd_copy(d, o->cr_callback_url, sizeof o->cr_callback_url);
    rd_copy(d, o->cr_callback_method, sizeof o->cr_callback_method);
    rd_copy(d, o->tendlc_registration_status, sizeof o->tendlc_registration_status);
    rd_copy(d, o->tendlc_campaign_id, sizeof o->tendlc_campaign_id);
    rd_copy(d, o->toll_free_sms_verification, sizeof o->toll_free_sms_verification);
    o->carrier_id = rd_i64(d);
    o->created_at = rd_i64(d);
    o->updated_at = rd_i64(d);
    rd_copy(d, o->byoc_id, sizeof o->byoc_id);
    rd_copy(d, o->label, sizeof o->label);
    rd_copy(d, o->carrier_sid, sizeof o->carrier_sid);
}

static void rd_owned(rd_t *d, void *rows, size_t i)
{
    read_owned(d, &((owned_number_t *)rows)[i]);
}

int pg_number_list(store_t *st, const numlist_q_t *q, owned_number_t *rows,
                   size_t *nrows, int64_t *total)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    *nrows = 0;
    *total = 0;
    static const char *const ops[5] = {"=", ">", ">=", "<", "<="};

    params_t p = {0};
    buf_t w = BUF_INIT;
    char hi[64];
    p_i64(&p, q->owner_id);
    buf_puts(&w, "WHERE n.owner_id = $1 AND n.state IN (1, 2)");
    if (q->sub_id > 0) {
        p_i64(&p, q->sub_id);
        buf_printf(&w, " AND n.sub_id = $%d", p.n);
    }
    /* canonical type from the core's fixed list: a literal, like search */
    if (q->type) buf_printf(&w, " AND (n.type = '%s' OR n.sub_type = '%s')", q->type, q->type);
    if (q->prefix) {
        prefix_hi(q->prefix, hi, sizeof hi);
        p_text(&p, q->prefix);
        p_text(&p, hi);
        buf_printf(&w, " AND n.number >= $%d AND n.number < $%d", p.n - 1, p.n);
    }
    if (q->alias) {
        p_text(&p, q->alias);
        buf_printf(&w, " AND n.alias = $%d", p.n);
    }
    if (q->caps) buf_printf(&w, " AND (n.caps & %d) = %d", q->caps, q->caps);
    if (q->cnam_lookup) {
        p_text(&p, q->cnam_lookup);
        buf_printf(&w, " AND n.cnam_lookup = $%d", p.n);
    }
    for (int k = 0; k < 5; k++) {
        if (!q->renewal[k]) continue;
        p_text(&p, q->renewal[k]);
        buf_printf(&w, " AND n.renewal_date %s $%d", ops[k], p.n);
    }
    if (q->tendlc_status) {
        p_text(&p, q->tendlc_status);
        buf_printf(&w, " AND n.tendlc_registration_status = $%d", p.n);
    }
    if (q->tendlc_campaign) {
        p_text(&p, q->tendlc_campaign);
        buf_printf(&w, " AND n.tendlc_campaign_id = $%d", p.n);
    }
    if (q->tf_verification) {
        p_text(&p, q->tf_verification);
        buf_printf(&w, " AND n.toll_free_sms_verification = $%d", p.n);
    }
    /* small closed sets and row ids: literals, like the type */
    if (q->carrier_id > 0) buf_printf(&w, " AND n.carrier_id = %lld", (long long)q->carrier_id);
    if (q->by_source) buf_printf(&w, " AND n.source = %d", (int)q->source);
    if (q->by_state) buf_printf(&w, " AND n.state = %d", (int)q->state);
    p_i64(&p, q->limit);
    p_i64(&p, q->offset);

    /* the page is cut from numbers alone; only its rows are joined */
    char *sql = xasprintf("SELECT t.n, p.* FROM (SELECT count(*) AS n FROM numbers n %s) t "
                          "LEFT JOIN LATERAL (SELECT " OWNED_COLS "FROM (SELECT * FROM numbers n %s "
                          "ORDER BY n.number LIMIT $%d OFFSET $%d) n " OWNED_JOINS
                          "ORDER BY n.number) p ON true",
                          w.data, w.data, p.n - 1, p.n);
    buf_free(&w);
    int ret = pg_page_dyn(c, sql, &p, q->limit, rd_owned, rows, nrows, total);
    free(sql);
    return ret;
}

int pg_number_get_owned(store_t *st, int64_t owner_id, int64_t sub_id, const char *number,
                        owned_number_t *out)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, number);
    p_i64(&p, owner_id);
    p_i64(&p, sub_id);
    return pg_one_row(c, pg_locking(c) ? Q_OWNED_GET_LOCK : Q_OWNED_GET, &p, rd_owned, out);
}

int pg_number_get_byoc(store_t *st, int64_t owner_id, const char *byoc_id,
                       owned_number_t *out)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, byoc_id);
    p_i64(&p, owner_id);
    return pg_one_row(c, pg_locking(c) ? Q_OWNED_GET_BYOC_LOCK : Q_OWNED_GET_BYOC, &p, rd_owned,
                      out);
}

int pg_number_get_any(store_t *st, const char *number, owned_number_t *out)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, number);
    return pg_one_row(c, pg_locking(c) ? Q_OWNED_GET_ANY_LOCK : Q_OWNED_GET_ANY, &p, rd_owned, out);
}

int pg_number_update_owned(store_t *st, const owned_number_t *n)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, n->inv.number);
    p_i64(&p, n->owner_id);
    p_id(&p, n->sub_id);
    p_text_or_null(&p, n->app_id);
    p_text_or_null(&p, n->alias);
    p_text_or_null(&p, n->compliance_id);
    p_text_or_null(&p, n->cnam_lookup);
    p_text_or_null(&p, n->cnam);
    p_text_or_null(&p, n->cnam_callback_url);
    p_text_or_null(&p, n->cnam_callback_method);
    p_text_or_null(&p, n->caller_reputation_status);
    p_text_or_null(&p, n->profile_uuid);
    p_text_or_null(&p, n->cr_callback_url);
    p_text_or_null(&p, n->cr_callback_method);
    p_text_or_null(&p, n->tendlc_registration_status);
    p_text_or_null(&p, n->tendlc_campaign_id);
    p_text_or_null(&p, n->toll_free_sms_verification);
    p_i64(&p, clock_now());
    return pg_write1(c, Q_OWNED_UPDATE, &p);
}

int pg_number_release(store_t *st, int64_t owner_id, const char *number, bool to_available)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, number);
    p_i64(&p, owner_id);
    p_i64(&p, to_available ? NUM_AVAILABLE : NUM_AGING);
    p_i64(&p, clock_now());
    /* in a write transaction: behind any import batch */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_write1(c, Q_RELEASE_INVENTORY, &p);
    if (rc == ST_NOTFOUND) {
        /* not an inventory number: a customer's own number is removed */
        params_t d = {0};
        p_text(&d, number);
        p_i64(&d, owner_id);
        rc = pg_write1(c, Q_RELEASE_CUSTOMER, &d);
    }
    if (rc == ST_ERR || rc == ST_CONFLICT) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st) == ST_OK ? rc : ST_ERR;
}

int pg_aging_sweep(store_t *st, int64_t cutoff, int64_t *returned)
{
    conn_t *c = pg_conn(st);
    if (returned) *returned = 0;
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, cutoff);
    p_i64(&p, clock_now());
    int64_t n = 0;
    /* in a write transaction: behind any import batch */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_exec(c, Q_AGING_SWEEP, &p, NULL, &n);
    if (rc != ST_OK) {
        pg_tx_rollback(st);
        return rc;
    }
    if (pg_tx_commit(st) != ST_OK) return ST_ERR;
    if (returned) *returned = n;
    return ST_OK;
}

int pg_number_insert_owned(store_t *st, const owned_number_t *n)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    const inv_number_t *v = &n->inv;
    params_t p = {0};
    p_text(&p, v->number);
    p_text(&p, v->country_iso);
    p_text(&p, v->type);
    p_text(&p, v->sub_type);
    p_text(&p, v->region);
    p_bool(&p, v->voice);
    p_bool(&p, v->sms);
    p_bool(&p, v->mms);
    p_i64(&p, pg_caps_of(v));
    p_text(&p, v->carrier);
    p_i64(&p, (int64_t)n->source);
    p_i64(&p, n->owner_id);
    p_id(&p, n->sub_id);
    p_text_or_null(&p, n->app_id);
    p_text_or_null(&p, n->added_on);
    p_id(&p, n->carrier_id);
    p_text_or_null(&p, n->byoc_id);
    p_text_or_null(&p, n->label);
    p_i64(&p, n->created_at);
    /* In a write transaction (behind any import batch), and one adder at
     * a time from the first insert to the commit.  Two requests adding the
     * same numbers in different orders would otherwise each wait for the
     * other's uncommitted row: a deadlock, and both fail, where one of
     * them must win.  Serialised, the second finds the first's rows
     * (ON CONFLICT DO NOTHING: ST_CONFLICT).  Adding numbers is rare;
     * the lock costs nothing else. */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = ST_OK;
    if (!c->numadd_locked) {
        rc = pg_simple(c, "SELECT pg_advisory_xact_lock(" LOCK_NS ", " LOCK_NUMADD ")");
        c->numadd_locked = rc == ST_OK;
    }
    if (rc == ST_OK) rc = pg_write1(c, Q_NUMBER_INSERT_OWNED, &p);
    if (rc == ST_NOTFOUND) rc = ST_CONFLICT; /* the number (or its BYOC id) exists */
    if (rc != ST_OK) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st);
}
