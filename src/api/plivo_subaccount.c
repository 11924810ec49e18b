/* plivo_subaccount.c -- /v1/Account/{auth_id}/Subaccount/ (API.md §2.5). */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/clock.h"
#include "core/subaccounts.h"

static void render_sub(jw_t *w, const char *parent, const account_t *a)
{
    char uri[128], d[CLOCK_DATE_SZ];
    snprintf(uri, sizeof uri, "/v1/Account/%s/", parent);
    jw_kstr(w, "account", uri);
    jw_kstr(w, "auth_id", a->auth_id);
    clock_date(a->created_at, d);
    jw_kstr(w, "created", d);
    jw_kbool(w, "enabled", a->enabled);
    clock_date(a->modified_at, d);
    jw_kstr(w, "modified", d);
    jw_kstr(w, "name", a->name);
    /* Plivo shows the token here; numberd stores only its hash (the token
     * is shown once, at create), so both are null: the SDKs read them as
     * optional. */
    jw_knull(w, "auth_token");
    jw_knull(w, "new_auth_token");
    snprintf(uri, sizeof uri, "/v1/Account/%s/Subaccount/%s/", parent, a->auth_id);
    jw_kstr(w, "resource_uri", uri);
}

/* What POST Subaccount/ and POST Subaccount/{sub_id}/ read. */
typedef struct {
    const char *name;
    int enabled;
    const char *auth_id;   /* update: the path's id repeated (Python) */
} sub_in_t;

static const api_field_t k_fields[] = {
    API_FIELD(sub_in_t, name, API_STR),
    API_FIELD(sub_in_t, enabled, API_BOOL),
    API_FIELDS_END,
};

static const api_field_t k_update_fields[] = {
    API_FIELD(sub_in_t, name, API_STR),
    API_FIELD(sub_in_t, enabled, API_BOOL),
    API_FIELD(sub_in_t, auth_id, API_STR),
    API_FIELDS_END,
};

void h_subaccount_create(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    sub_in_t in = {0};
    sub_created_t out;
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, k_fields, &in, &b) != C_OK) goto done;
    if (sub_create(&ctx->core, &who, in.name, in.enabled == 1, &out, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_obj_begin(resp, &w, 201);
    jw_kstr(&w, "auth_id", out.auth_id);
    jw_kstr(&w, "auth_token", out.auth_token);
    jw_kstr(&w, "message", "created");
    jw_obj_end(&w);
    ids_wipe(&out, sizeof out);
done:
    json_decref(b);
}

void h_subaccount_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_PAGING, API_FIELDS_END};
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    int limit, offset;
    account_t rows[API_PLIVO_MAX_LIMIT];
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;
    if (api_plivo_list_query(req, resp, fields, NULL, &who, &q, &limit, &offset) != C_OK) goto done;
    if (sub_list(&ctx->core, &who, limit, offset, rows, &n, &total, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_list_begin(resp, &w, who.auth_id, "Subaccount", q, limit, offset, total);
    for (size_t i = 0; i < n; i++) {
        jw_obj(&w);
        render_sub(&w, who.auth_id, &rows[i]);
        jw_obj_end(&w);
    }
    api_plivo_list_end(&w);
done:
    json_decref(q);
}

void h_subaccount_get(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who, sub;
    json_t *q = NULL;
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    if (sub_get(&ctx->core, &who, http_param(req, "sub_id"), &sub, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_obj_begin(resp, &w, 200);
    render_sub(&w, who.auth_id, &sub);
    jw_obj_end(&w);
done:
    json_decref(q);
}

void h_subaccount_update(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    sub_in_t in = {0};
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, k_update_fields, &in, &b) != C_OK) goto done;
    if (api_same_id(req, resp, "auth_id", in.auth_id, http_param(req, "sub_id"), false) != C_OK) goto done;
    if (sub_update(&ctx->core, &who, http_param(req, "sub_id"), in.name, in.enabled, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    api_plivo_changed(resp);
done:
    json_decref(b);
}

/* cascade from a DELETE body, where every SDK but PHP puts it (JSON:
 * Node sends {"cascade":"true"}), and the path's id that Python (auth_id)
 * and Java (id) repeat there, which must then be the same.  A DELETE body
 * is otherwise ignored (API.md §0): a body that is not a JSON object, or
 * its other members, change nothing. */
static int body_cascade(http_req_t *req, http_resp_t *resp, const char *sub_id, int *cascade)
{
    *cascade = -1;
    const char *ct = req->content_type;
    if (req->body.len == 0 || (ct && strncasecmp(ct, "application/json", 16) != 0)) return C_OK;
    json_t *j = json_loadb(req->body.data, req->body.len, JSON_REJECT_DUPLICATES, NULL);
    int rc = C_OK;
    if (json_is_object(j)) {
        static const char *const repeats[] = {"auth_id", "id"};
        for (size_t i = 0; rc == C_OK && i < ND_ARRAY_LEN(repeats); i++) {
            json_t *v = json_object_get(j, repeats[i]);
            if (json_is_string(v)) rc = api_same_id(req, resp, repeats[i], json_string_value(v), sub_id, false);
        }
        if (rc == C_OK) rc = api_bool(req, resp, j, "cascade", cascade);
    }
    json_decref(j);
    return rc;
}

typedef struct {
    int cascade;
} del_in_t;

void h_subaccount_delete(http_req_t *req, http_resp_t *resp)
{
    /* PHP puts cascade in the query (1/0) as well as in the body */
    static const api_field_t fields[] = {
        API_FIELD(del_in_t, cascade, API_BOOL),
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    del_in_t in = {0};
    int body;
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    if (body_cascade(req, resp, http_param(req, "sub_id"), &body) != C_OK) goto done;
    if (in.cascade >= 0 && body >= 0 && in.cascade != body) {
        api_error(req, resp, 400, "cascade in the query and in the body disagree: give one of them");
        goto done;
    }
    bool cascade = in.cascade == 1 || body == 1;
    if (sub_delete_ex(&ctx->core, &who, http_param(req, "sub_id"), cascade, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    resp->status = 204;
done:
    json_decref(q);
}
