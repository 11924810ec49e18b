/* compliance.c -- compliance records. */
#include "store/postgres/pgInt.h"

#include "util/clock.h"

const char *const pg_sql_compliance[Q__COUNT] = {
    [Q_COMPLIANCE_INSERT] =
        "INSERT INTO compliance(id, account_id, country_iso, number_type, approved, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
};

/* ---- compliance ----------------------------------------------------------- */

int pg_compliance_insert(store_t *st, const compliance_t *cp)
{
    int rc = pg_write1(pg_conn(st), Q_COMPLIANCE_INSERT,
                       PG_V(v_text(cp->id), v_int(cp->account_id), v_text(cp->country_iso),
                            v_text(cp->number_type), v_bool(cp->approved), v_int(clock_now())));
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
}

int pg_compliance_get(store_t *st, int64_t account_id, const char *id, compliance_t *out)
{
    return pg_one_row(pg_conn(st), Q_COMPLIANCE_GET, PG_V(v_int(account_id), v_text(id)),
                      sqls_rd_compliance, out);
}

int pg_compliance_latest(store_t *st, int64_t account_id, const char *country_iso,
                         const char *type, const char *sub_type, compliance_t *out)
{
    return pg_one_row(pg_conn(st), Q_COMPLIANCE_LATEST,
                      PG_V(v_int(account_id), v_text(country_iso), v_text(type), v_text(sub_type)),
                      sqls_rd_compliance, out);
}

int pg_compliance_list(store_t *st, int64_t account_id, store_compliance_cb cb, void *ud)
{
    sqls_walk_compliance_t w = {cb, ud};
    return pg_each(pg_conn(st), Q_COMPLIANCE_LIST, PG_V(v_int(account_id)), sqls_walk_compliance,
                   &w);
}

int pg_compliance_numbers(store_t *st, int64_t account_id, const char *id, store_inv_cb cb,
                          void *ud)
{
    sqls_walk_inv_t w = {cb, ud};
    return pg_each(pg_conn(st), Q_COMPLIANCE_NUMBERS, PG_V(v_int(account_id), v_text(id)),
                   sqls_walk_inv, &w);
}
