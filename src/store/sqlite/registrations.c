/* registrations.c -- the registration client's stored state (SIP.md §5):
 * one row per `reg` carrier, written by the node that registers it. */
#include "store/sqlite/sqliteInt.h"

#define REG_SELECT "SELECT " SQLS_REG_COLS " " SQLS_REG_FROM
#define REG_WHERE "WHERE (?1 < 0 OR r.state = ?1) AND (?2 = 0 OR c.account_id = ?2)"

static const char *const sql_text[Q__COUNT] = {
    [Q_REG_PUT] =
        "INSERT OR REPLACE INTO registrations(carrier_id, state, last_code, reason, expires_at, "
        "last_attempt_at, next_attempt_at, failures, node, updated_at) "
        "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 WHERE EXISTS "
        "(SELECT 1 FROM carriers WHERE id = ?1)",
    [Q_REG_GET] = REG_SELECT "WHERE r.carrier_id = ?1",
    /* ?1 state (-1: any), ?2 account (0: any) */
    [Q_REG_LIST] = REG_SELECT REG_WHERE " ORDER BY r.carrier_id LIMIT ?3 OFFSET ?4",
    [Q_REG_COUNT] = "SELECT count(*) " SQLS_REG_FROM REG_WHERE,
};

int sq_reg_status_put(store_t *st, const reg_status_t *r)
{
    int changes = 0;
    int rc = SQ_RUN(st, Q_REG_PUT, &changes, SQ_I(r->carrier_id), SQ_I(r->state),
                    SQ_I(r->last_code), SQ_T(r->reason), SQ_I(r->expires_at),
                    SQ_I(r->last_attempt_at), SQ_I(r->next_attempt_at), SQ_I(r->failures),
                    SQ_T(r->node), SQ_I(r->updated_at));
    if (rc == ST_OK && changes == 0) rc = ST_NOTFOUND;
    return rc;
}

int sq_reg_status_get(store_t *st, int64_t carrier_id, reg_status_t *out)
{
    return SQ_ONE(st, Q_REG_GET, sqls_rd_reg, out, SQ_I(carrier_id));
}

int sq_reg_status_list(store_t *st, const reg_q_t *q, reg_status_t *rows, size_t *nrows,
                       int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *l = STMT(c, Q_REG_LIST), *n = STMT(c, Q_REG_COUNT);
    if (!l || !n) return ST_ERR;
    sq_bind_args(l, SQ_ARGS(SQ_I(q->state), SQ_I(q->account_id), SQ_I(q->limit), SQ_I(q->offset)));
    sq_bind_args(n, SQ_ARGS(SQ_I(q->state), SQ_I(q->account_id)));
    return sq_page_and_count(st, c, l, n, q->limit, sqls_rd_reg, rows, nrows, total,
                             "registration list");
}

/* One SQLite file is one node's: nobody else can hold the lock. */
int sq_reg_lock_try(store_t *st, int64_t carrier_id, bool *got)
{
    (void)st;
    (void)carrier_id;
    *got = true;
    return ST_OK;
}

int sq_reg_unlock(store_t *st, int64_t carrier_id)
{
    (void)st;
    (void)carrier_id;
    return ST_OK;
}
