/* compliance.c -- compliance records in SQLite. */
#include "store/sqlite/sqliteInt.h"

#include "util/clock.h"

static const char *const sql_text[Q__COUNT] = {
    [Q_COMPLIANCE_INSERT] =
        "INSERT INTO compliance(id, seq, account_id, country_iso, number_type, approved, "
        "created_at) VALUES (?1, (SELECT COALESCE(max(seq), 0) + 1 FROM compliance), ?2, ?3, "
        "?4, ?5, ?6)",
};

int sq_compliance_insert(store_t *st, const compliance_t *cp)
{
    return SQ_RUN(st, Q_COMPLIANCE_INSERT, NULL, SQ_T(cp->id), SQ_I(cp->account_id),
                  SQ_T(cp->country_iso), SQ_T(cp->number_type), SQ_I(cp->approved),
                  SQ_I(clock_now()));
}

int sq_compliance_get(store_t *st, int64_t account_id, const char *id, compliance_t *out)
{
    return SQ_ONE(st, Q_COMPLIANCE_GET, sqls_rd_compliance, out, SQ_I(account_id), SQ_T(id));
}

int sq_compliance_latest(store_t *st, int64_t account_id, const char *country_iso,
                         const char *type, const char *sub_type, compliance_t *out)
{
    return SQ_ONE(st, Q_COMPLIANCE_LATEST, sqls_rd_compliance, out, SQ_I(account_id),
                  SQ_T(country_iso), SQ_T(type), SQ_T(sub_type));
}

int sq_compliance_list(store_t *st, int64_t account_id, store_compliance_cb cb, void *ud)
{
    sqls_walk_compliance_t w = {cb, ud};
    return SQ_EACH_V(st, Q_COMPLIANCE_LIST, sqls_walk_compliance, &w, SQ_I(account_id));
}

int sq_compliance_numbers(store_t *st, int64_t account_id, const char *id, store_inv_cb cb,
                          void *ud)
{
    sqls_walk_inv_t w = {cb, ud};
    return SQ_EACH_V(st, Q_COMPLIANCE_NUMBERS, sqls_walk_inv, &w, SQ_I(account_id), SQ_T(id));
}
