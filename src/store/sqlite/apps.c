/* apps.c -- Plivo applications in SQLite. */
#include "store/sqlite/sqliteInt.h"

#include "util/clock.h"

static const char *const sql_text[Q__COUNT] = {
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
        "modified_at = ?17, is_voice_request = ?18 WHERE app_id = ?1 AND account_id = ?2",
    [Q_APP_CLEAR_DEFAULT] =
        "UPDATE applications SET default_number_app = 0 WHERE account_id = ?1 AND default_number_app = 1",
};

/* Reads nothing: a row is all app_exists asks for. */
static void rd_nothing(sqls_row_t *r, void *rows, size_t i)
{
    (void)r, (void)rows, (void)i;
}

int sq_app_exists(store_t *st, int64_t account_id, const char *app_id)
{
    return SQ_ONE(st, Q_APP_EXISTS, rd_nothing, NULL, SQ_I(account_id), SQ_T(app_id));
}

int sq_app_default(store_t *st, int64_t account_id, char out[MODEL_APP_ID_SZ])
{
    sq_text_out_t o = {out, MODEL_APP_ID_SZ};
    return SQ_ONE(st, Q_APP_DEFAULT, sq_rd_text, &o, SQ_I(account_id));
}

/* Both statements take the fields of an application in one order: ?1
 * app_id, ?2 account_id, ?3 sub_id, ?4-?16 the fields below, ?17 the
 * time, ?18 is_voice_request. */
static int app_write(store_t *st, int which, const char *sql, const app_t *a, int64_t at,
                     int *changes)
{
    return sq_run_args(
        st, which, sql, changes,
        SQ_ARGS(SQ_T(a->app_id), SQ_I(a->account_id), SQ_ID(a->sub_id), SQ_T(a->app_name),
                SQ_T(a->answer_url), SQ_T(a->answer_method), SQ_TN(a->hangup_url),
                SQ_T(a->hangup_method), SQ_TN(a->fallback_answer_url), SQ_T(a->fallback_method),
                SQ_TN(a->message_url), SQ_T(a->message_method), SQ_I(a->default_number_app),
                SQ_I(a->default_endpoint_app), SQ_I(a->public_uri),
                SQ_I(a->log_incoming_messages), SQ_I(at), SQ_I(a->is_voice_request)));
}

int sq_app_insert(store_t *st, const app_t *a)
{
    return app_write(st, Q_APP_INSERT, SQ_SQL(Q_APP_INSERT), a, a->created_at, NULL);
}

int sq_app_get(store_t *st, int64_t account_id, int64_t sub_id, const char *app_id, app_t *out)
{
    return SQ_ONE(st, Q_APP_GET, sqls_rd_app, out, SQ_I(account_id), SQ_T(app_id), SQ_I(sub_id));
}

int sq_app_list(store_t *st, int64_t account_id, int64_t sub_id, const char *app_name, int limit,
                int offset, app_t *rows, size_t *nrows, int64_t *total)
{
    return SQ_PAGE_SCOPED(st, Q_APP_LIST, Q_APP_COUNT, account_id, sub_id, app_name, limit,
                          offset, sqls_rd_app, rows, nrows, total, "application list");
}

int sq_app_update(store_t *st, const app_t *a)
{
    int n = 0;
    int rc = app_write(st, Q_APP_UPDATE, SQ_SQL(Q_APP_UPDATE), a, a->modified_at, &n);
    if (rc != ST_OK) return rc;
    return n == 1 ? ST_OK : ST_NOTFOUND;
}

int sq_app_delete(store_t *st, int64_t account_id, const char *app_id, store_text_cb cb, void *ud)
{
    /* RETURNING: every unlinked number comes back from the UPDATE itself */
    sqls_number_walk_t u = {cb, ud, 0, false};
    int rc = SQ_EACH_V(st, Q_APP_UNLINK, sqls_each_number, &u, SQ_I(account_id), SQ_T(app_id),
                       SQ_I(clock_now()));
    if (rc != ST_OK) return rc;
    return SQ_RUN1(st, Q_APP_DELETE, SQ_I(account_id), SQ_T(app_id));
}

int sq_app_clear_default(store_t *st, int64_t account_id)
{
    return SQ_RUN(st, Q_APP_CLEAR_DEFAULT, NULL, SQ_I(account_id));
}
