/* subaccounts.c -- subaccounts: list, update (any account), delete (moving
 * its numbers, applications and carriers to the parent first). */
#include "store/postgres/pgInt.h"

#include "util/clock.h"

const char *const pg_sql_subaccounts[Q__COUNT] = {
    [Q_SUB_LIST] = PAGE("FROM accounts WHERE parent_id = $1",
                        "SELECT " SQLS_ACCOUNT_COLS " FROM accounts WHERE parent_id = $1 "
                        "ORDER BY id LIMIT $2 OFFSET $3"),
};

/* ---- subaccounts -------------------------------------------------------- */

int pg_sub_list(store_t *st, int64_t parent_id, int limit, int offset, account_t *rows,
                size_t *nrows, int64_t *total)
{
    return pg_page(pg_conn(st), Q_SUB_LIST, PG_V(v_int(parent_id), v_int(limit), v_int(offset)),
                   limit, sqls_rd_account, rows, nrows, total);
}

int pg_account_update(store_t *st, const account_t *a)
{
    return pg_write1(pg_conn(st), Q_ACCOUNT_UPDATE,
                     PG_V(v_int(a->id), v_text(a->name), v_bool(a->enabled),
                          v_int(a->modified_at)));
}

int pg_sub_delete(store_t *st, int64_t parent_id, int64_t sub_id)
{
    conn_t *c = pg_conn(st);
    int64_t now = clock_now();
    /* what the subaccount had goes to its parent, then it goes.  Its
     * applications and carriers first, then its numbers: the order of
     * locks a number's update takes (subaccount, application, number:
     * core/owned.c, lock_refs) and an application's delete (application,
     * then its numbers); numbers first met an assignment the other way. */
    static const int moves[] = {Q_SUB_MOVE_APPS, Q_SUB_MOVE_CARRIERS, Q_SUB_MOVE_NUMBERS};
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        /* ST_CONFLICT: a name the parent's own objects have (per-owner
         * names, migration 0006); the transaction is aborted, the caller
         * rolls back */
        int rc = pg_exec(c, moves[i], PG_V(v_int(sub_id), v_int(now)), NULL, NULL);
        if (rc != ST_OK) return rc == ST_CONFLICT ? ST_CONFLICT : ST_ERR;
    }
    if (pg_exec(c, Q_SUB_DELETE_IDEM, PG_V(v_int(sub_id)), NULL, NULL) != ST_OK) return ST_ERR;
    int rc = pg_write1(c, Q_SUB_DELETE, PG_V(v_int(sub_id), v_int(parent_id)));
    return rc == ST_CONFLICT ? ST_ERR : rc;
}
