/* plivo_application.c -- /v1/Account/{auth_id}/Application/ (API.md §2.6). */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/apps.h"

/* What POST Application/ and POST Application/{app_id}/ read: every
 * application field (null clears an optional string like "" does), and
 * what the SDKs add: Go's params struct (default_app, another name of
 * default_number_app; app_id, the path's id on update; its read-only
 * fields), Python's callback_url/callback_method, production_app. */
typedef struct {
    app_in_t in;
    int default_app;
    const char *app_id;
} app_body_t;

#define APP_FIELD(member, kind) API_FIELD_AS(#member, app_body_t, in.member, kind)
static const api_field_t k_fields[] = {
    APP_FIELD(app_name, API_STR_CLEAR),
    APP_FIELD(answer_url, API_STR_CLEAR),
    APP_FIELD(answer_method, API_STR_CLEAR),
    APP_FIELD(hangup_url, API_STR_CLEAR),
    APP_FIELD(hangup_method, API_STR_CLEAR),
    APP_FIELD(fallback_answer_url, API_STR_CLEAR),
    APP_FIELD(fallback_method, API_STR_CLEAR),
    APP_FIELD(message_url, API_STR_CLEAR),
    APP_FIELD(message_method, API_STR_CLEAR),
    APP_FIELD(subaccount, API_STR_CLEAR),
    APP_FIELD(default_number_app, API_BOOL),
    APP_FIELD(default_endpoint_app, API_BOOL),
    APP_FIELD(public_uri, API_BOOL),
    APP_FIELD(log_incoming_messages, API_BOOL),
    APP_FIELD(is_voice_request, API_BOOL),
    API_FIELD(app_body_t, default_app, API_BOOL),
    API_FIELD(app_body_t, app_id, API_STR),
    API_NOOP("production_app"),
    API_NOOP("callback_url"),
    API_NOOP("callback_method"),
    API_NOOP("resource_uri"),
    API_NOOP("api_id"),
    API_FIELDS_END,
};

/* default_app is default_number_app by another name: both given must agree. */
static int merge_default(http_req_t *req, http_resp_t *resp, app_body_t *b)
{
    if (b->default_app < 0) return C_OK;
    if (b->in.default_number_app >= 0 && b->in.default_number_app != b->default_app) {
        api_error(req, resp, 400, "default_app and default_number_app disagree: give one of them");
        return C_ERR;
    }
    b->in.default_number_app = b->default_app;
    return C_OK;
}

/* Query parameters of GET Application/{app_id}/ (Python's get sends them). */
static const api_field_t k_get_fields[] = {
    API_NOOP("callback_url"),
    API_NOOP("callback_method"),
    API_FIELDS_END,
};

/* auth_id: the caller's (resource_uri is in its path space); main: the
 * main account's (subaccount URIs live under it). */
static void render_app(jw_t *w, const char *auth_id, const char *main, const app_t *a)
{
    char uri[128];
    jw_kstr(w, "app_id", a->app_id);
    jw_kstr(w, "app_name", a->app_name);
    jw_kstr(w, "answer_url", a->answer_url);
    jw_kstr(w, "answer_method", a->answer_method);
    /* an unset URL is "" as Plivo shows it (the SDKs read strings) */
    jw_kstr(w, "hangup_url", a->hangup_url);
    jw_kstr(w, "hangup_method", a->hangup_method);
    jw_kstr(w, "fallback_answer_url", a->fallback_answer_url);
    jw_kstr(w, "fallback_method", a->fallback_method);
    jw_kstr(w, "message_url", a->message_url);
    jw_kstr(w, "message_method", a->message_method);
    jw_kbool(w, "default_number_app", a->default_number_app);
    jw_kbool(w, "default_app", a->default_number_app);
    /* numberd has no disabled applications */
    jw_kbool(w, "enabled", true);
    /* the application's SIP URI as Plivo names it: SIP routing of calls to
     * applications is Plivo's, so the name is informative only */
    snprintf(uri, sizeof uri, "sip:%s@app.plivo.com", a->app_id);
    jw_kstr(w, "sip_uri", uri);
    jw_kbool(w, "default_endpoint_app", a->default_endpoint_app);
    jw_kbool(w, "public_uri", a->public_uri);
    jw_kbool(w, "log_incoming_messages", a->log_incoming_messages);
    /* what Plivo's objects also carry, and the PHP SDK's Application reads
     * without a guard (a warning each, an exception under frameworks that
     * raise them): the type of every application numberd keeps (an answer
     * URL returning XML), and the flag under its singular name */
    jw_kstr(w, "application_type", "XML");
    jw_kbool(w, "log_incoming_message", a->log_incoming_messages);
    jw_kbool(w, "is_voice_request", a->is_voice_request);
    if (a->sub_auth_id[0]) {
        snprintf(uri, sizeof uri, "/v1/Account/%s/Subaccount/%s/", main, a->sub_auth_id);
        jw_kstr(w, "sub_account", uri);
    } else {
        jw_knull(w, "sub_account");
    }
    snprintf(uri, sizeof uri, "/v1/Account/%s/Application/%s/", auth_id, a->app_id);
    jw_kstr(w, "resource_uri", uri);
}

void h_application_create(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    app_body_t in = {0};
    app_t *a = xmalloc(sizeof *a);
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, k_fields, &in, &b) != C_OK) goto done;
    /* app_id on create: Go's params struct may carry it; numberd makes the id */
    if (merge_default(req, resp, &in) != C_OK) goto done;
    if (app_create(&ctx->core, &who, &in.in, a, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    api_plivo_created(resp, "app_id", a->app_id);
done:
    free(a);
    json_decref(b);
}

typedef struct {
    const char *app_name, *subaccount;
} list_in_t;

void h_application_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD(list_in_t, app_name, API_STR),
        API_FIELD(list_in_t, subaccount, API_STR),
        API_NOOP("callback_url"),
        API_NOOP("callback_method"),
        API_PAGING,
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    list_in_t in = {0};
    int limit, offset;
    app_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;
    if (api_plivo_list_query(req, resp, fields, &in, &who, &q, &limit, &offset) != C_OK) goto done;
    char main[IDS_AUTH_ID_SZ];
    if (api_main_auth_id(req, resp, &who, main) != C_OK) goto done;
    rows = xcalloc((size_t)limit, sizeof *rows);
    if (app_list(&ctx->core, &who, in.app_name, in.subaccount, limit, offset, rows, &n, &total, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_list_begin(resp, &w, who.auth_id, "Application", q, limit, offset, total);
    for (size_t i = 0; i < n; i++) {
        jw_obj(&w);
        render_app(&w, who.auth_id, main, &rows[i]);
        jw_obj_end(&w);
    }
    api_plivo_list_end(&w);
done:
    free(rows);
    json_decref(q);
}

void h_application_get(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    app_t *a = xmalloc(sizeof *a);
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, k_get_fields, NULL, &q) != C_OK) goto done;
    char main[IDS_AUTH_ID_SZ];
    if (api_main_auth_id(req, resp, &who, main) != C_OK) goto done;
    if (app_get(&ctx->core, &who, http_param(req, "app_id"), a, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_obj_begin(resp, &w, 200);
    render_app(&w, who.auth_id, main, a);
    jw_obj_end(&w);
done:
    free(a);
    json_decref(q);
}

void h_application_update(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    app_body_t in = {0};
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, k_fields, &in, &b) != C_OK) goto done;
    if (api_same_id(req, resp, "app_id", in.app_id, http_param(req, "app_id"), false) != C_OK) goto done;
    if (merge_default(req, resp, &in) != C_OK) goto done;
    if (app_update(&ctx->core, &who, http_param(req, "app_id"), &in.in, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    api_plivo_changed(resp);
done:
    json_decref(b);
}

void h_application_delete(http_req_t *req, http_resp_t *resp)
{
    /* PHP puts the DELETE's parameters in the query: cascade (Plivo
     * deletes the application's endpoints; numberd has none) and
     * new_endpoint_application (where those endpoints would go): no-ops */
    static const api_field_t fields[] = {
        API_NOOP("cascade"),
        API_NOOP("new_endpoint_application"),
        API_FIELDS_END,
    };
    api_delete_q(req, resp, "app_id", fields, app_delete);
}
