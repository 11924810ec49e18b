/* common.c -- what every dialect handler shares: error shapes, auth,
 * parameter access, paging, list metadata. */
#include "api/api.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/accounts.h"
#include "core/clock.h"
#include "core/money.h"
#include "util/metrics.h"

dialect_t api_dialect(const char *path)
{
    if (strncmp(path, "/v1/phone-numbers", 17) == 0 && (path[17] == '\0' || path[17] == '/'))
        return DIALECT_BYOC;
    if (strncmp(path, "/admin", 6) == 0 && (path[6] == '\0' || path[6] == '/'))
        return DIALECT_ADMIN;
    return DIALECT_PLIVO;
}

void api_new_api_id(const http_resp_t *resp, char out[IDS_UUID_SZ])
{
    _Static_assert(HTTP_REQ_ID_SZ == IDS_UUID_SZ, "a request id is a UUID");
    if (resp && resp->request_id && resp->request_id[0]) memcpy(out, resp->request_id, IDS_UUID_SZ);
    else ids_uuid_v4(out);
}

static const char *reason(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    default: return status >= 500 ? "Internal Server Error" : "Error";
    }
}

void api_error(http_req_t *req, http_resp_t *resp, int status, const char *msg)
{
    api_problem(req, resp, status, msg, NULL);
}

void api_problem(http_req_t *req, http_resp_t *resp, int status, const char *msg,
                 const faults_t *f)
{
    jw_t w;
    buf_reset(&resp->body);
    jw_init(&w, &resp->body);
    resp->status = status;
    if (api_dialect(req->path) == DIALECT_PLIVO) {
        char api_id[IDS_UUID_SZ];
        api_new_api_id(resp, api_id);
        resp->content_type = "application/json";
        jw_obj(&w);
        jw_kstr(&w, "api_id", api_id);
        jw_kstr(&w, "error", msg);
        jw_obj_end(&w);
        if (status == 401) http_resp_header(resp, "WWW-Authenticate", "Basic realm=\"numberd\"");
    } else {
        /* RFC 7807 */
        char type[96];
        snprintf(type, sizeof type, "https://numberd.dev/problems/%d", status);
        resp->content_type = "application/problem+json";
        jw_obj(&w);
        jw_kstr(&w, "type", type);
        jw_kstr(&w, "title", reason(status));
        jw_kint(&w, "status", status);
        jw_kstr(&w, "detail", msg);
        if (f && f->n) {
            jw_key(&w, "errors");
            jw_arr(&w);
            for (size_t i = 0; i < f->n && i < FAULTS_MAX; i++) {
                jw_obj(&w);
                jw_kstr(&w, "path", f->f[i].path);
                jw_kstr(&w, "message", f->f[i].msg);
                jw_obj_end(&w);
            }
            jw_arr_end(&w);
        }
        jw_obj_end(&w);
        if (status == 401) http_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"numberd\"");
    }
}

int api_status_of(ce_t code, dialect_t d)
{
    switch (code) {
    case CE_OK: return 200;
    case CE_INVALID: return 400;
    case CE_AUTH: return 401;
    case CE_FORBIDDEN: return 403;
    case CE_NOTFOUND: return 404;
    case CE_CONFLICT: return 409;
    case CE_KEY_REUSED: return d == DIALECT_PLIVO ? 409 : 422;
    case CE_INTERNAL: return 500;
    }
    return 500;
}

void api_core_error(http_req_t *req, http_resp_t *resp, const cerr_t *e)
{
    api_error(req, resp, api_status_of(e->code, api_dialect(req->path)), e->msg);
}

/* ---- auth ---- */

int api_parse_basic(const char *h, char buf[API_BASIC_BUFSZ], const char **id, const char **secret)
{
    size_t dlen = 0;
    *id = *secret = NULL;
    if (h == NULL || strncasecmp(h, "Basic ", 6) != 0 || strlen(h) >= 300) return C_ERR;
    const char *b64 = h + 6;
    while (*b64 == ' ') b64++;
    if (sodium_base642bin((unsigned char *)buf, API_BASIC_BUFSZ - 1, b64, strlen(b64), NULL, &dlen,
                          NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
        return C_ERR;
    buf[dlen] = '\0';
    char *colon = memchr(buf, ':', dlen);
    /* a NUL inside the decoded text would cut the id or the secret short */
    if (colon == NULL || strlen(buf) != dlen) return C_ERR;
    *colon = '\0';
    *id = buf;
    *secret = colon + 1;
    return C_OK;
}

int api_parse_bearer(const char *h, const char **token)
{
    *token = NULL;
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || strlen(h) > 300) return C_ERR;
    const char *t = h + 7 + strspn(h + 7, " ");
    if (*t == '\0') return C_ERR;
    *token = t;
    return C_OK;
}

/* Throttling of authentication failures per client address (authfail.h):
 * a blocked address gets 429 before its credentials are even looked at,
 * so that a correct guess made while blocked is worth nothing. */
static int authfail_blocked(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    unsigned retry = 0;
    if (!af_blocked(ctx->af, req->client, clock_now(), &retry)) return C_OK;
    char ra[16];
    snprintf(ra, sizeof ra, "%u", retry);
    api_error(req, resp, 429, "too many failed authentications from your address: try again later");
    http_resp_header(resp, "Retry-After", ra);
    return C_ERR;
}

static void authfail_note(http_req_t *req)
{
    api_ctx_t *ctx = req->app;
    af_failure(ctx->af, req->client, clock_now());
}

static int rate_check(http_req_t *req, http_resp_t *resp, int64_t account_id);

int api_auth_plivo(http_req_t *req, http_resp_t *resp, account_t *out)
{
    api_ctx_t *ctx = req->app;
    char decoded[API_BASIC_BUFSZ];
    const char *id, *secret;
    int ok = C_ERR;

    if (authfail_blocked(req, resp) != C_OK) return C_ERR;
    if (api_parse_basic(http_header(req, "Authorization"), decoded, &id, &secret) == C_OK &&
        acct_auth_basic(&ctx->core, id, secret, out) == C_OK &&
        /* The path's account must be the caller's own. */
        req->params[0] && strcmp(req->params[0], out->auth_id) == 0) {
        ok = C_OK;
        snprintf(req->account, sizeof req->account, "%s", out->auth_id);
    }
    ids_wipe(decoded, sizeof decoded);
    if (ok != C_OK) {
        authfail_note(req);
        api_error(req, resp, 401, "authentication failed");
        return C_ERR;
    }
    return rate_check(req, resp, out->id);
}

int api_auth_byoc(http_req_t *req, http_resp_t *resp, unsigned scope, account_t *out)
{
    api_ctx_t *ctx = req->app;
    const char *key;
    unsigned scopes = 0;
    if (authfail_blocked(req, resp) != C_OK) return C_ERR;
    if (api_parse_bearer(http_header(req, "Authorization"), &key) != C_OK ||
        acct_auth_bearer(&ctx->core, key, out, &scopes) != C_OK) {
        authfail_note(req);
        api_error(req, resp, 401, "authentication failed: want Authorization: Bearer <API key>");
        return C_ERR;
    }
    snprintf(req->account, sizeof req->account, "%s", out->auth_id);
    if ((scopes & scope) != scope) {
        api_error(req, resp, 403, scope == SCOPE_READ
                                      ? "this API key lacks the phone_numbers:read scope"
                                      : "this API key lacks the phone_numbers:write scope");
        return C_ERR;
    }
    return rate_check(req, resp, out->id);
}

/* The per-account request budget (429 with Retry-After when spent). */
static int rate_check(http_req_t *req, http_resp_t *resp, int64_t account_id)
{
    api_ctx_t *ctx = req->app;
    unsigned retry;
    if (!rl_check(ctx->rl, account_id, clock_now(), &retry)) {
        metrics_count(MET_RATE_LIMITED);
        char ra[16];
        snprintf(ra, sizeof ra, "%u", retry);
        api_error(req, resp, 429, "too many requests: rate limit exceeded");
        http_resp_header(resp, "Retry-After", ra);
        return C_ERR;
    }
    return C_OK;
}

int api_auth_admin(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    const char *tok;
    if (authfail_blocked(req, resp) != C_OK) return C_ERR;
    if (ctx->admin_enabled && api_parse_bearer(http_header(req, "Authorization"), &tok) == C_OK) {
        uint8_t hash[IDS_HASH_SZ];
        ids_hash_secret(tok, strlen(tok), hash);
        if (ids_hash_equal(hash, ctx->admin_hash)) return C_OK;
    }
    authfail_note(req);
    api_error(req, resp, 401, "authentication failed: want Authorization: Bearer <admin token>");
    return C_ERR;
}

/* ---- input ---- */

static int check_known(http_req_t *req, http_resp_t *resp, json_t *obj, const char *const *known)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        bool ok = false;
        for (const char *const *k = known; *k; k++) {
            if (strcmp(*k, key) == 0) {
                ok = true;
                break;
            }
        }
        if (!ok) {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown parameter: %.64s", key);
            api_error(req, resp, 400, msg);
            return C_ERR;
        }
    }
    return C_OK;
}

int api_query(http_req_t *req, http_resp_t *resp, const char *const *known, json_t **out)
{
    char msg[160];
    *out = NULL;
    if (http_query_params(req, out, msg, sizeof msg) != C_OK) {
        api_error(req, resp, 400, msg);
        return C_ERR;
    }
    if (check_known(req, resp, *out, known) != C_OK) {
        json_decref(*out);
        *out = NULL;
        return C_ERR;
    }
    return C_OK;
}

int api_body(http_req_t *req, http_resp_t *resp, const char *const *known, json_t **out)
{
    char msg[256];
    int status;
    *out = NULL;
    bool form = api_dialect(req->path) == DIALECT_PLIVO;
    /* Parameters of a POST go in its body; one in the query string would be
     * silently ignored, so it is an error like any unknown parameter. */
    json_t *q = NULL;
    static const char *const none[] = {NULL};
    if (api_query(req, resp, none, &q) != C_OK) return C_ERR;
    json_decref(q);
    if (http_body_params(req, form, out, &status, msg, sizeof msg) != C_OK) {
        api_error(req, resp, status, msg);
        return C_ERR;
    }
    if (known && check_known(req, resp, *out, known) != C_OK) {
        json_decref(*out);
        *out = NULL;
        return C_ERR;
    }
    return C_OK;
}

int api_str(http_req_t *req, http_resp_t *resp, json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v)) return C_OK;
    if (json_is_integer(v)) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
        json_object_set_new(obj, key, json_string(tmp));
        v = json_object_get(obj, key);
    }
    if (!json_is_string(v)) {
        char msg[128];
        snprintf(msg, sizeof msg, "invalid %.64s: want a string", key);
        api_error(req, resp, 400, msg);
        return C_ERR;
    }
    *out = json_string_value(v);
    return C_OK;
}

int api_str_or_clear(http_req_t *req, http_resp_t *resp, json_t *obj, const char *key,
                     const char **out)
{
    json_t *v = json_object_get(obj, key);
    if (v && json_is_null(v)) {
        *out = "";
        return C_OK;
    }
    return api_str(req, resp, obj, key, out);
}

int api_main_auth_id(http_req_t *req, http_resp_t *resp, const account_t *who,
                     char out[IDS_AUTH_ID_SZ])
{
    api_ctx_t *ctx = req->app;
    cerr_t e;
    if (acct_main_auth_id(&ctx->core, who, out, &e) != C_OK) {
        api_core_error(req, resp, &e);
        return C_ERR;
    }
    return C_OK;
}

int api_bool(http_req_t *req, http_resp_t *resp, json_t *obj, const char *key, int *out)
{
    json_t *v = json_object_get(obj, key);
    *out = -1;
    if (v == NULL || json_is_null(v)) return C_OK;
    if (json_is_boolean(v)) {
        *out = json_is_true(v) ? 1 : 0;
        return C_OK;
    }
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (nd_strcasecmp(s, "true") == 0) *out = 1;
        else if (nd_strcasecmp(s, "false") == 0) *out = 0;
    }
    if (*out < 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "invalid %.64s: want true or false", key);
        api_error(req, resp, 400, msg);
        return C_ERR;
    }
    return C_OK;
}

static int parse_uint(const char *s, int max, int *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 9 || !nd_all_digits(s, n)) return C_ERR;
    long v = strtol(s, NULL, 10);
    if (v > max) return C_ERR;
    *out = (int)v;
    return C_OK;
}

int api_paging(http_req_t *req, http_resp_t *resp, json_t *q, int max, int dflt, int *limit,
               int *offset)
{
    const char *l, *o;
    char msg[96];
    *limit = dflt;
    *offset = 0;
    if (api_str(req, resp, q, "limit", &l) != C_OK || api_str(req, resp, q, "offset", &o) != C_OK)
        return C_ERR;
    if (l && (parse_uint(l, max, limit) != C_OK || *limit < 1)) {
        snprintf(msg, sizeof msg, "invalid limit: want an integer from 1 to %d", max);
        api_error(req, resp, 400, msg);
        return C_ERR;
    }
    if (o && parse_uint(o, 1000000000, offset) != C_OK) {
        api_error(req, resp, 400, "invalid offset: want an integer >= 0");
        return C_ERR;
    }
    return C_OK;
}

int api_idem_key(http_req_t *req, http_resp_t *resp, const char **key)
{
    *key = http_header(req, "Idempotency-Key");
    if (*key && !idem_key_valid(*key)) {
        api_error(req, resp, 400, "invalid Idempotency-Key: want 8-255 of [A-Za-z0-9_-]");
        return C_ERR;
    }
    return C_OK;
}

/* ---- output ---- */

void api_kmoney(jw_t *w, const char *key, int64_t v)
{
    jw_key(w, key);
    if (v < 0) {
        jw_null(w);
        return;
    }
    char m[MONEY_STRSZ];
    size_t n = money_format(v, m);
    jw_strn(w, m, n);
}

void api_plivo_obj_begin(http_resp_t *resp, jw_t *w, int status)
{
    char api_id[IDS_UUID_SZ];
    api_new_api_id(resp, api_id);
    buf_reset(&resp->body);
    jw_init(w, &resp->body);
    resp->status = status;
    jw_obj(w);
    jw_kstr(w, "api_id", api_id);
}

void api_plivo_changed(http_resp_t *resp)
{
    jw_t w;
    api_plivo_obj_begin(resp, &w, 202);
    jw_kstr(&w, "message", "changed");
    jw_obj_end(&w);
}

static void page_link(jw_t *w, const char *key, const char *base, json_t *query, int limit,
                      int offset)
{
    buf_t u = BUF_INIT;
    buf_printf(&u, "%s?limit=%d&offset=%d", base, limit, offset);
    const char *k;
    json_t *v;
    json_object_foreach(query, k, v) {
        if (strcmp(k, "limit") == 0 || strcmp(k, "offset") == 0 || !json_is_string(v)) continue;
        buf_putc(&u, '&');
        buf_urlenc(&u, k);
        buf_putc(&u, '=');
        buf_urlenc(&u, json_string_value(v));
    }
    jw_kstr(w, key, u.data);
    buf_free(&u);
}

static void plivo_meta(jw_t *w, const char *base_path, json_t *query, int limit, int offset,
                       int64_t total)
{
    jw_key(w, "meta");
    jw_obj(w);
    jw_kint(w, "limit", limit);
    if ((int64_t)offset + limit < total) page_link(w, "next", base_path, query, limit, offset + limit);
    else jw_knull(w, "next");
    jw_kint(w, "offset", offset);
    if (offset > 0) page_link(w, "previous", base_path, query, limit, offset > limit ? offset - limit : 0);
    else jw_knull(w, "previous");
    jw_kint(w, "total_count", total);
    jw_obj_end(w);
}

void api_plivo_list_begin(http_resp_t *resp, jw_t *w, const char *auth_id, const char *resource,
                          json_t *query, int limit, int offset, int64_t total)
{
    char base[96];
    snprintf(base, sizeof base, "/v1/Account/%s/%s/", auth_id, resource);
    api_plivo_obj_begin(resp, w, 200);
    plivo_meta(w, base, query, limit, offset, total);
    jw_key(w, "objects");
    jw_arr(w);
}

void api_plivo_list_end(jw_t *w)
{
    jw_arr_end(w);
    jw_obj_end(w);
}

void api_plivo_delete(http_req_t *req, http_resp_t *resp, api_delete_fn fn)
{
    static const char *const known[] = {NULL};
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, known, &q) != C_OK) goto done;
    if (fn(&ctx->core, &who, req->params[1], &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    resp->status = 204;
done:
    json_decref(q);
}

void api_byoc_list_begin(http_resp_t *resp, jw_t *w)
{
    buf_reset(&resp->body);
    jw_init(w, &resp->body);
    resp->status = 200;
    jw_obj(w);
    jw_key(w, "data");
    jw_arr(w);
}

void api_byoc_list_end(jw_t *w, int64_t total, int limit, int offset)
{
    jw_arr_end(w);
    jw_kint(w, "total", total);
    jw_kint(w, "limit", limit);
    jw_kint(w, "offset", offset);
    jw_obj_end(w);
}

int api_idem_run(http_req_t *req, http_resp_t *resp, const account_t *who, const char *key,
                 const char *action, const char *resource, json_t *body, idem_action_fn fn,
                 void *ud, bool *replayed, cerr_t *e)
{
    api_ctx_t *ctx = req->app;
    uint8_t hash[IDS_HASH_SZ];
    char *params = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
    size_t n = params ? strlen(params) : 0;
    idem_hash(&ctx->core, action, resource, params, n, hash);
    ids_wipe(params, n);
    free(params);
    idem_answer_t ans = {.body = &resp->body};
    *replayed = false;
    if (idem_run(&ctx->core, who->id, key, hash, fn, ud, &ans, replayed, e) != C_OK) return C_ERR;
    resp->status = ans.code;
    if (*replayed) http_resp_header(resp, "Idempotent-Replayed", "true");
    return C_OK;
}
