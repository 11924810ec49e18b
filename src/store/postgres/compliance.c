/* compliance.c -- compliance records. */
#include "store/postgres/pgInt.h"

#include "core/clock.h"

const char *const pg_sql_compliance[Q__COUNT] = {
    [Q_COMPLIANCE_INSERT] =
        "INSERT INTO compliance(id, account_id, country_iso, number_type, approved, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    [Q_COMPLIANCE_GET] =
        "SELECT id, account_id, country_iso, number_type, approved FROM compliance "
        "WHERE account_id = $1 AND id = $2",
    [Q_COMPLIANCE_LATEST] =
        "SELECT id, account_id, country_iso, number_type, approved FROM compliance "
        "WHERE account_id = $1 AND country_iso = $2 AND number_type IN ($3, $4) AND approved "
        "ORDER BY seq DESC LIMIT 1",
};

/* ---- compliance ----------------------------------------------------------- */

int pg_compliance_insert(store_t *st, const compliance_t *cp)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, cp->id);
    p_i64(&p, cp->account_id);
    p_text(&p, cp->country_iso);
    p_text(&p, cp->number_type);
    p_bool(&p, cp->approved);
    p_i64(&p, clock_now());
    int rc = pg_write1(c, Q_COMPLIANCE_INSERT, &p);
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
}

static void rd_compliance(rd_t *d, void *rows, size_t i)
{
    compliance_t *o = &((compliance_t *)rows)[i];
    rd_copy(d, o->id, sizeof o->id);
    o->account_id = rd_i64(d);
    rd_copy(d, o->country_iso, sizeof o->country_iso);
    rd_copy(d, o->number_type, sizeof o->number_type);
    o->approved = rd_bool(d);
}

int pg_compliance_get(store_t *st, int64_t account_id, const char *id, compliance_t *out)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_text(&p, id);
    return pg_one_row(c, Q_COMPLIANCE_GET, &p, rd_compliance, out);
}

int pg_compliance_latest(store_t *st, int64_t account_id, const char *country_iso,
                         const char *type, const char *sub_type, compliance_t *out)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_text(&p, country_iso);
    p_text(&p, type);
    p_text(&p, sub_type);
    return pg_one_row(c, Q_COMPLIANCE_LATEST, &p, rd_compliance, out);
}
