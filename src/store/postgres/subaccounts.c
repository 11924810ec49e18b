/* subaccounts.c -- subaccounts: list, update (any account), delete (moving
 * its numbers, applications and carriers to the parent first). */
#include "store/postgres/pgInt.h"

#include "core/clock.h"

const char *const pg_sql_subaccounts[Q__COUNT] = {
    [Q_SUB_LIST] = PAGE("FROM accounts WHERE parent_id = $1",
                        "SELECT " ACCOUNT_COLS " FROM accounts WHERE parent_id = $1 "
                        "ORDER BY id LIMIT $2 OFFSET $3"),
    [Q_ACCOUNT_UPDATE] =
        "UPDATE accounts SET name = $2, enabled = $3, modified_at = $4 WHERE id = $1",
    [Q_SUB_MOVE_NUMBERS] = "UPDATE numbers SET sub_id = NULL, updated_at = $2 WHERE sub_id = $1",
    [Q_SUB_MOVE_APPS] =
        "UPDATE applications SET sub_id = NULL, modified_at = $2 WHERE sub_id = $1",
    [Q_SUB_MOVE_CARRIERS] =
        "UPDATE carriers SET sub_id = NULL, updated_at = $2 WHERE sub_id = $1",
    [Q_SUB_DELETE_IDEM] = "DELETE FROM idempotency WHERE account_id = $1",
    [Q_SUB_DELETE] = "DELETE FROM accounts WHERE id = $1 AND parent_id = $2",
};

/* ---- subaccounts -------------------------------------------------------- */

int pg_sub_list(store_t *st, int64_t parent_id, int limit, int offset, account_t *rows,
                size_t *nrows, int64_t *total)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, parent_id);
    p_i64(&p, limit);
    p_i64(&p, offset);
    return pg_page(c, Q_SUB_LIST, &p, limit, pg_rd_account, rows, nrows, total);
}

int pg_account_update(store_t *st, const account_t *a)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, a->id);
    p_text(&p, a->name);
    p_bool(&p, a->enabled);
    p_i64(&p, a->modified_at);
    return pg_write1(c, Q_ACCOUNT_UPDATE, &p);
}

/* Runs one fixed statement binding (a, b); b < 0 means "bind now()". */
static int exec_2(conn_t *c, int which, int64_t a, int64_t b, int64_t *changes)
{
    params_t p = {0};
    p_i64(&p, a);
    p_i64(&p, b < 0 ? clock_now() : b);
    return pg_exec(c, which, &p, NULL, changes);
}

int pg_sub_delete(store_t *st, int64_t parent_id, int64_t sub_id)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    if (exec_2(c, Q_SUB_MOVE_NUMBERS, sub_id, -1, NULL) != ST_OK) return ST_ERR;
    if (exec_2(c, Q_SUB_MOVE_APPS, sub_id, -1, NULL) != ST_OK) return ST_ERR;
    if (exec_2(c, Q_SUB_MOVE_CARRIERS, sub_id, -1, NULL) != ST_OK) return ST_ERR;
    params_t p = {0};
    p_i64(&p, sub_id);
    if (pg_exec(c, Q_SUB_DELETE_IDEM, &p, NULL, NULL) != ST_OK) return ST_ERR;
    int64_t n = 0;
    if (exec_2(c, Q_SUB_DELETE, sub_id, parent_id, &n) != ST_OK) return ST_ERR;
    return n == 1 ? ST_OK : ST_NOTFOUND;
}
