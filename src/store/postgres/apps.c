/* apps.c -- applications. */
#include "store/postgres/pgInt.h"

#include "util/clock.h"

#define APP_WHERE \
    "WHERE a.account_id = $1 AND ($2::bigint = 0 OR a.sub_id = $2) AND ($3::text IS NULL OR a.app_name = $3)"

const char *const pg_sql_apps[Q__COUNT] = {
    [Q_APP_INSERT] =
        "INSERT INTO applications(app_id, account_id, sub_id, app_name, answer_url, "
        "answer_method, hangup_url, hangup_method, fallback_answer_url, fallback_method, "
        "message_url, message_method, default_number_app, default_endpoint_app, public_uri, "
        "log_incoming_messages, is_voice_request, created_at, modified_at) VALUES ($1, $2, $3, "
        "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) "
        "ON CONFLICT DO NOTHING",
    [Q_APP_GET] = SQLS_APP_SELECT
        "WHERE a.account_id = $1 AND a.app_id = $2 AND ($3::bigint = 0 OR a.sub_id = $3)",
    [Q_APP_GET_LOCK] = SQLS_APP_SELECT
        "WHERE a.account_id = $1 AND a.app_id = $2 AND ($3::bigint = 0 OR a.sub_id = $3) "
        "FOR UPDATE OF a",
    [Q_APP_LIST] = PAGE("FROM applications a " APP_WHERE,
                        SQLS_APP_SELECT APP_WHERE " ORDER BY a.app_id LIMIT $4 OFFSET $5"),
    [Q_APP_UPDATE] =
        "UPDATE applications SET sub_id = $3, app_name = $4, answer_url = $5, "
        "answer_method = $6, hangup_url = $7, hangup_method = $8, fallback_answer_url = $9, "
        "fallback_method = $10, message_url = $11, message_method = $12, "
        "default_number_app = $13, default_endpoint_app = $14, public_uri = $15, "
        "log_incoming_messages = $16, is_voice_request = $17, modified_at = $18 "
        "WHERE account_id = $1 AND app_id = $2",
    [Q_APP_EXISTS_LOCK] =
        "SELECT 1 FROM applications WHERE account_id = $1 AND app_id = $2 FOR SHARE",
    [Q_APP_DEFAULT] =
        "SELECT app_id FROM applications WHERE account_id = $1 AND default_number_app",
    [Q_APP_DEFAULT_LOCK] =
        "SELECT app_id FROM applications WHERE account_id = $1 AND default_number_app FOR SHARE",
    [Q_APP_CLEAR_DEFAULT] =
        "UPDATE applications SET default_number_app = false "
        "WHERE account_id = $1 AND default_number_app",
    [Q_APP_LOCK] =
        "SELECT 1 FROM applications WHERE account_id = $1 AND app_id = $2 FOR UPDATE",
};

/* $4..$17 of Q_APP_INSERT and Q_APP_UPDATE */
#define APP_FIELDS(a)                                                                         \
    v_text((a)->app_name), v_text((a)->answer_url), v_text((a)->answer_method),               \
        v_textn((a)->hangup_url), v_text((a)->hangup_method), v_textn((a)->fallback_answer_url), \
        v_text((a)->fallback_method), v_textn((a)->message_url), v_text((a)->message_method), \
        v_bool((a)->default_number_app), v_bool((a)->default_endpoint_app),                   \
        v_bool((a)->public_uri), v_bool((a)->log_incoming_messages),                          \
        v_bool((a)->is_voice_request)

int pg_app_insert(store_t *st, const app_t *a)
{
    int rc = pg_write1(pg_conn(st), Q_APP_INSERT,
                       PG_V(v_text(a->app_id), v_int(a->account_id), v_id(a->sub_id),
                            APP_FIELDS(a), v_int(a->created_at)));
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
}

int pg_app_get(store_t *st, int64_t account_id, int64_t sub_id, const char *app_id, app_t *out)
{
    return pg_one_locking(st, Q_APP_GET, Q_APP_GET_LOCK,
                          PG_V(v_int(account_id), v_text(app_id), v_int(sub_id)), sqls_rd_app, out);
}

int pg_app_list(store_t *st, int64_t account_id, int64_t sub_id, const char *app_name, int limit,
                int offset, app_t *rows, size_t *nrows, int64_t *total)
{
    return pg_page_scoped(pg_conn(st), Q_APP_LIST, account_id, sub_id, app_name, limit, offset,
                          sqls_rd_app, rows, nrows, total);
}

int pg_app_update(store_t *st, const app_t *a)
{
    return pg_write1(pg_conn(st), Q_APP_UPDATE,
                     PG_V(v_int(a->account_id), v_text(a->app_id), v_id(a->sub_id), APP_FIELDS(a),
                          v_int(a->modified_at)));
}

int pg_app_delete(store_t *st, int64_t account_id, const char *app_id, store_text_cb cb, void *ud)
{
    sqls_number_walk_t u = {cb, ud, 0, false};
    conn_t *c = pg_conn(st);
    int64_t one = 0;
    /* lock, unlink, delete: a number that starts pointing at the
     * application meanwhile (its writer holds the row FOR SHARE) is
     * committed before the unlink reads */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_one_row(c, Q_APP_LOCK, PG_V(v_int(account_id), v_text(app_id)), pg_rd_i64, &one);
    if (rc == ST_OK)
        rc = pg_each(c, Q_APP_UNLINK, PG_V(v_int(account_id), v_text(app_id), v_int(clock_now())),
                     sqls_each_number, &u);
    if (rc == ST_OK) rc = pg_write1(c, Q_APP_DELETE, PG_V(v_int(account_id), v_text(app_id)));
    return pg_tx_end(st, rc, false);
}

int pg_app_clear_default(store_t *st, int64_t account_id)
{
    return pg_exec(pg_conn(st), Q_APP_CLEAR_DEFAULT, PG_V(v_int(account_id)), NULL, NULL);
}

int pg_app_exists(store_t *st, int64_t account_id, const char *app_id)
{
    int64_t one = 0;
    return pg_one_locking(st, Q_APP_EXISTS, Q_APP_EXISTS_LOCK,
                          PG_V(v_int(account_id), v_text(app_id)), pg_rd_i64, &one);
}

int pg_app_default(store_t *st, int64_t account_id, char out[MODEL_APP_ID_SZ])
{
    pg_text_out_t o = {out, MODEL_APP_ID_SZ};
    return pg_one_locking(st, Q_APP_DEFAULT, Q_APP_DEFAULT_LOCK, PG_V(v_int(account_id)),
                          pg_rd_text, &o);
}
