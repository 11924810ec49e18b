/* apps.c -- Plivo applications in SQLite. */
#include "store/sqlite/sqliteInt.h"

#include "util/clock.h"

static const char *const sql_text[Q__COUNT] = {
    [Q_APP_EXISTS] = "SELECT 1 FROM applications WHERE account_id = ?1 AND app_id = ?2",
    [Q_APP_DEFAULT] =
        "SELECT app_id FROM applications WHERE account_id = ?1 AND default_number_app = 1",
    [Q_APP_INSERT] =
        "INSERT INTO applications(app_id, account_id, sub_id, app_name, answer_url, answer_method, "
        "hangup_url, hangup_method, fallback_answer_url, fallback_method, message_url, "
        "message_method, default_number_app, default_endpoint_app, public_uri, "
        "log_incoming_messages, is_voice_request, created_at, modified_at) VALUES (?1, ?2, ?3, ?4, "
        "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?18, ?17, ?17)",
    [Q_APP_GET] = SQLS_APP_SELECT
        "WHERE a.account_id = ?1 AND a.app_id = ?2 AND (?3 = 0 OR a.sub_id = ?3)",
    [Q_APP_LIST] = SQLS_APP_SELECT
        "WHERE a.account_id = ?1 AND (?2 = 0 OR a.sub_id = ?2) AND (?3 IS NULL OR a.app_name = ?3) "
        "ORDER BY a.app_id LIMIT ?4 OFFSET ?5",
    [Q_APP_COUNT] =
        "SELECT count(*) FROM applications a WHERE a.account_id = ?1 AND (?2 = 0 OR a.sub_id = ?2) "
        "AND (?3 IS NULL OR a.app_name = ?3)",
    [Q_APP_UPDATE] =
        "UPDATE applications SET sub_id = ?3, app_name = ?4, answer_url = ?5, answer_method = ?6, "
        "hangup_url = ?7, hangup_method = ?8, fallback_answer_url = ?9, fallback_method = ?10, "
        "message_url = ?11, message_method = ?12, default_number_app = ?13, "
        "default_endpoint_app = ?14, public_uri = ?15, log_incoming_messages = ?16, "
        "modified_at = ?17, is_voice_request = ?18 WHERE account_id = ?1 AND app_id = ?2",
    [Q_APP_UNLINK] =
        "UPDATE numbers SET app_id = NULL, updated_at = ?3 WHERE owner_id = ?1 AND app_id = ?2",
    [Q_APP_DELETE] = "DELETE FROM applications WHERE account_id = ?1 AND app_id = ?2",
    [Q_APP_CLEAR_DEFAULT] =
        "UPDATE applications SET default_number_app = 0 WHERE account_id = ?1 AND default_number_app = 1",
};

/* ?1 and ?2 as (account_id, app_id) */
static sqlite3_stmt *app_key(conn_t *c, int which, int64_t account_id, const char *app_id)
{
    sqlite3_stmt *q = STMT(c, which);
    if (!q) return NULL;
    sqlite3_bind_int64(q, 1, account_id);
    sq_bind_text(q, 2, app_id);
    return q;
}

int sq_app_exists(store_t *st, int64_t account_id, const char *app_id)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? app_key(c, Q_APP_EXISTS, account_id, app_id) : NULL;
    if (!q) return ST_ERR;
    int rc = sq_step_row(c, q, "application exists");
    sq_done(q);
    return rc;
}

int sq_app_default(store_t *st, int64_t account_id, char out[MODEL_APP_ID_SZ])
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_APP_DEFAULT) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    int rc = sq_step_row(c, q, "application default");
    if (rc == ST_OK) sq_col_text(q, 0, out, MODEL_APP_ID_SZ);
    sq_done(q);
    return rc;
}

/* Positions 4-16 and 18 of Q_APP_INSERT and Q_APP_UPDATE. */
static void bind_app_fields(sqlite3_stmt *q, const app_t *a)
{
    int i = 4;
    sq_bind_text(q, i++, a->app_name);
    sq_bind_text(q, i++, a->answer_url);
    sq_bind_text(q, i++, a->answer_method);
    sq_bind_text_or_null(q, i++, a->hangup_url);
    sq_bind_text(q, i++, a->hangup_method);
    sq_bind_text_or_null(q, i++, a->fallback_answer_url);
    sq_bind_text(q, i++, a->fallback_method);
    sq_bind_text_or_null(q, i++, a->message_url);
    sq_bind_text(q, i++, a->message_method);
    sqlite3_bind_int(q, i++, a->default_number_app);
    sqlite3_bind_int(q, i++, a->default_endpoint_app);
    sqlite3_bind_int(q, i++, a->public_uri);
    sqlite3_bind_int(q, i++, a->log_incoming_messages);
    sqlite3_bind_int(q, 18, a->is_voice_request);
}

int sq_app_insert(store_t *st, const app_t *a)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_APP_INSERT) : NULL;
    if (!q) return ST_ERR;
    sq_bind_text(q, 1, a->app_id);
    sqlite3_bind_int64(q, 2, a->account_id);
    sq_bind_id(q, 3, a->sub_id);
    bind_app_fields(q, a);
    sqlite3_bind_int64(q, 17, a->created_at);
    return sq_run(c, q, "application insert", NULL);
}

int sq_app_get(store_t *st, int64_t account_id, int64_t sub_id, const char *app_id, app_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? app_key(c, Q_APP_GET, account_id, app_id) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 3, sub_id);
    return sq_one_row(c, q, sqls_rd_app, out, "application get");
}

int sq_app_list(store_t *st, int64_t account_id, int64_t sub_id, const char *app_name, int limit,
                int offset, app_t *rows, size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *q = STMT(c, Q_APP_LIST), *n = STMT(c, Q_APP_COUNT);
    if (!q || !n) return ST_ERR;
    return sq_page_scoped(st, c, q, n, account_id, sub_id, app_name, limit, offset, sqls_rd_app,
                          rows, nrows, total, "application list");
}

int sq_app_update(store_t *st, const app_t *a)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? app_key(c, Q_APP_UPDATE, a->account_id, a->app_id) : NULL;
    if (!q) return ST_ERR;
    sq_bind_id(q, 3, a->sub_id);
    bind_app_fields(q, a);
    sqlite3_bind_int64(q, 17, a->modified_at);
    return sq_run1(c, q, "application update");
}

int sq_app_delete(store_t *st, int64_t account_id, const char *app_id)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *u = c ? app_key(c, Q_APP_UNLINK, account_id, app_id) : NULL;
    if (!u) return ST_ERR;
    sqlite3_bind_int64(u, 3, clock_now());
    int rc = sq_run(c, u, "application unlink", NULL);
    if (rc != ST_OK) return rc;
    sqlite3_stmt *d = app_key(c, Q_APP_DELETE, account_id, app_id);
    return d ? sq_run1(c, d, "application delete") : ST_ERR;
}

int sq_app_clear_default(store_t *st, int64_t account_id)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_APP_CLEAR_DEFAULT) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    return sq_run(c, q, "application clear default", NULL);
}
