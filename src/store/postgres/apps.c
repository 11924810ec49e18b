/* apps.c -- applications. */
#include "store/postgres/pgInt.h"

#include "core/clock.h"

#define APP_SELECT                                                                            \
    "SELECT a.app_id, a.account_id, COALESCE(a.sub_id, 0), COALESCE(s.auth_id, ''), "        \
    "a.app_name, a.answer_url, a.answer_method, a.hangup_url, a.hangup_method, "              \
    "a.fallback_answer_url, a.fallback_method, a.message_url, a.message_method, "             \
    "a.default_number_app, a.default_endpoint_app, a.public_uri, a.log_incoming_messages, "   \
    "a.created_at, a.modified_at, a.is_voice_request "                                        \
    "FROM applications a LEFT JOIN accounts s ON s.id = a.sub_id "

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
    [Q_APP_GET] = APP_SELECT
        "WHERE a.account_id = $1 AND a.app_id = $2 AND ($3::bigint = 0 OR a.sub_id = $3)",
    [Q_APP_GET_LOCK] = APP_SELECT
        "WHERE a.account_id = $1 AND a.app_id = $2 AND ($3::bigint = 0 OR a.sub_id = $3) "
        "FOR UPDATE OF a",
    [Q_APP_LIST] = PAGE("FROM applications a " APP_WHERE,
                        APP_SELECT APP_WHERE " ORDER BY a.app_id LIMIT $4 OFFSET $5"),
    [Q_APP_UPDATE] =
        "UPDATE applications SET sub_id = $3, app_name = $4, answer_url = $5, "
        "answer_method = $6, hangup_url = $7, hangup_method = $8, fallback_answer_url = $9, "
        "fallback_method = $10, message_url = $11, message_method = $12, "
        "default_number_app = $13, default_endpoint_app = $14, public_uri = $15, "
        "log_incoming_messages = $16, is_voice_request = $17, modified_at = $18 "
        "WHERE account_id = $1 AND app_id = $2",
    [Q_APP_EXISTS] = "SELECT 1 FROM applications WHERE account_id = $1 AND app_id = $2",
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
    [Q_APP_UNLINK] =
        "UPDATE numbers SET app_id = NULL, updated_at = $3 WHERE owner_id = $1 AND app_id = $2",
    [Q_APP_DELETE] = "DELETE FROM applications WHERE account_id = $1 AND app_id = $2",
};

/* ---- applications ------------------------------------------------------- */

static void read_app(rd_t *d, app_t *a)
{
    memset(a, 0, sizeof *a);
    rd_copy(d, a->app_id, sizeof a->app_id);
    a->account_id = rd_i64(d);
    a->sub_id = rd_i64(d);
    rd_copy(d, a->sub_auth_id, sizeof a->sub_auth_id);
    rd_copy(d, a->app_name, sizeof a->app_name);
    rd_copy(d, a->answer_url, sizeof a->answer_url);
    rd_copy(d, a->answer_method, sizeof a->answer_method);
    rd_copy(d, a->hangup_url, sizeof a->hangup_url);
    rd_copy(d, a->hangup_method, sizeof a->hangup_method);
    rd_copy(d, a->fallback_answer_url, sizeof a->fallback_answer_url);
    rd_copy(d, a->fallback_method, sizeof a->fallback_method);
    rd_copy(d, a->message_url, sizeof a->message_url);
    rd_copy(d, a->message_method, sizeof a->message_method);
    a->default_number_app = rd_bool(d);
    a->default_endpoint_app = rd_bool(d);
    a->public_uri = rd_bool(d);
    a->log_incoming_messages = rd_bool(d);
    a->created_at = rd_i64(d);
    a->modified_at = rd_i64(d);
    a->is_voice_request = rd_bool(d);
}

static void rd_app(rd_t *d, void *rows, size_t i)
{
    read_app(d, &((app_t *)rows)[i]);
}

/* $4..$17 of Q_APP_INSERT and Q_APP_UPDATE */
static void p_app_fields(params_t *p, const app_t *a)
{
    p_text(p, a->app_name);
    p_text(p, a->answer_url);
    p_text(p, a->answer_method);
    p_text_or_null(p, a->hangup_url);
    p_text(p, a->hangup_method);
    p_text_or_null(p, a->fallback_answer_url);
    p_text(p, a->fallback_method);
    p_text_or_null(p, a->message_url);
    p_text(p, a->message_method);
    p_bool(p, a->default_number_app);
    p_bool(p, a->default_endpoint_app);
    p_bool(p, a->public_uri);
    p_bool(p, a->log_incoming_messages);
    p_bool(p, a->is_voice_request);
}

int pg_app_insert(store_t *st, const app_t *a)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, a->app_id);
    p_i64(&p, a->account_id);
    p_id(&p, a->sub_id);
    p_app_fields(&p, a);
    p_i64(&p, a->created_at);
    int rc = pg_write1(c, Q_APP_INSERT, &p);
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
}

int pg_app_get(store_t *st, int64_t account_id, int64_t sub_id, const char *app_id,
               app_t *out)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_text(&p, app_id);
    p_i64(&p, sub_id);
    return pg_one_row(c, pg_locking(c) ? Q_APP_GET_LOCK : Q_APP_GET, &p, rd_app, out);
}

int pg_app_list(store_t *st, int64_t account_id, int64_t sub_id, const char *app_name,
                int limit, int offset, app_t *rows, size_t *nrows, int64_t *total)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_i64(&p, sub_id);
    p_text(&p, app_name);
    p_i64(&p, limit);
    p_i64(&p, offset);
    return pg_page(c, Q_APP_LIST, &p, limit, rd_app, rows, nrows, total);
}

int pg_app_update(store_t *st, const app_t *a)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, a->account_id);
    p_text(&p, a->app_id);
    p_id(&p, a->sub_id);
    p_app_fields(&p, a);
    p_i64(&p, a->modified_at);
    return pg_write1(c, Q_APP_UPDATE, &p);
}

int pg_app_delete(store_t *st, int64_t account_id, const char *app_id)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t k = {0}, u = {0};
    p_i64(&k, account_id);
    p_text(&k, app_id);
    p_i64(&u, account_id);
    p_text(&u, app_id);
    p_i64(&u, clock_now());
    /* lock, unlink, delete: a number that starts pointing at the
     * application meanwhile (its writer holds the row FOR SHARE) is
     * committed before the unlink reads */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int64_t n = 0;
    int rc = pg_exec(c, Q_APP_LOCK, &k, NULL, &n);
    if (rc == ST_OK && n == 0) rc = ST_NOTFOUND;
    if (rc == ST_OK) rc = pg_exec(c, Q_APP_UNLINK, &u, NULL, NULL);
    if (rc == ST_OK) rc = pg_write1(c, Q_APP_DELETE, &k);
    if (rc != ST_OK) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st);
}

int pg_app_clear_default(store_t *st, int64_t account_id)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    return pg_exec(c, Q_APP_CLEAR_DEFAULT, &p, NULL, NULL);
}

int pg_app_exists(store_t *st, int64_t account_id, const char *app_id)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_text(&p, app_id);
    int64_t n = 0;
    int rc = pg_exec(c, pg_locking(c) ? Q_APP_EXISTS_LOCK : Q_APP_EXISTS, &p, NULL, &n);
    if (rc != ST_OK) return rc;
    return n > 0 ? ST_OK : ST_NOTFOUND;
}

int pg_app_default(store_t *st, int64_t account_id, char out[MODEL_APP_ID_SZ])
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    PGresult *r = NULL;
    int rc = pg_exec(c, pg_locking(c) ? Q_APP_DEFAULT_LOCK : Q_APP_DEFAULT, &p, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) > 0) {
        rd_t d = {r, 0, 0};
        rd_copy(&d, out, MODEL_APP_ID_SZ);
    } else {
        rc = ST_NOTFOUND;
    }
    PQclear(r);
    return rc;
}
