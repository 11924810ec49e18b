/* subaccounts.c -- subaccounts in SQLite: list, update, delete (which
 * hands the subaccount's numbers, applications and carriers to its
 * parent). */
#include "store/sqlite/sqliteInt.h"

#include "util/clock.h"

static const char *const sql_text[Q__COUNT] = {
    [Q_SUB_LIST] =
        "SELECT " SQLS_ACCOUNT_COLS " FROM accounts WHERE parent_id = ?1 ORDER BY id "
        "LIMIT ?2 OFFSET ?3",
    [Q_SUB_COUNT] = "SELECT count(*) FROM accounts WHERE parent_id = ?1",
};

int sq_sub_list(store_t *st, int64_t parent_id, int limit, int offset, account_t *rows,
                size_t *nrows, int64_t *total)
{
    return SQ_PAGE(st, Q_SUB_LIST, Q_SUB_COUNT, limit, sqls_rd_account, rows, nrows, total,
                   "subaccount list", SQ_I(parent_id), SQ_I(limit), SQ_I(offset));
}

int sq_account_update(store_t *st, const account_t *a)
{
    return SQ_RUN1(st, Q_ACCOUNT_UPDATE, SQ_I(a->id), SQ_T(a->name), SQ_I(a->enabled),
                   SQ_I(a->modified_at));
}

int sq_sub_delete(store_t *st, int64_t parent_id, int64_t sub_id)
{
    int64_t now = clock_now();
    /* what it owns goes to the parent; its idempotency records go */
    static const int moves[] = {Q_SUB_MOVE_NUMBERS, Q_SUB_MOVE_APPS, Q_SUB_MOVE_CARRIERS};
    for (size_t i = 0; i < ND_ARRAY_LEN(moves); i++) {
        /* ST_CONFLICT: a name the parent's own objects have (per-owner
         * names, migration 0007) */
        int rc = SQ_RUN(st, moves[i], NULL, SQ_I(sub_id), SQ_I(now));
        if (rc != ST_OK) return rc;
    }
    int rc = SQ_RUN(st, Q_SUB_DELETE_IDEM, NULL, SQ_I(sub_id));
    if (rc != ST_OK) return rc == ST_CONFLICT ? ST_ERR : rc;
    rc = SQ_RUN1(st, Q_SUB_DELETE, SQ_I(sub_id), SQ_I(parent_id));
    return rc == ST_CONFLICT ? ST_ERR : rc;
}
