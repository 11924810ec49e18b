/* errors.c -- the error shapes of the dialects: Plivo's {"api_id", "error"}
 * and RFC 7807 problem+json (BYOC and admin), and the status each core
 * error maps to. */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

/* Only for a path no route matched (404, 405): a matched request's
 * dialect is its route's tag. */
static dialect_t dialect_of_path(const char *path)
{
    if (strncmp(path, "/v1/phone-numbers", 17) == 0 && (path[17] == '\0' || path[17] == '/'))
        return DIALECT_BYOC;
    if (strncmp(path, "/admin", 6) == 0 && (path[6] == '\0' || path[6] == '/'))
        return DIALECT_ADMIN;
    /* the SBC's paths (SIP.md §2) answer RFC 7807, as the admin API */
    if (strncmp(path, "/sbc", 4) == 0 && (path[4] == '\0' || path[4] == '/'))
        return DIALECT_ADMIN;
    return DIALECT_PLIVO;
}

dialect_t api_dialect(const http_req_t *req)
{
    if (req->route) return (dialect_t)(req->route->tag & API_DIALECT_MASK);
    return dialect_of_path(req->path ? req->path : "");
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
    case 503: return "Service Unavailable";
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
    if (api_dialect(req) == DIALECT_PLIVO) {
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
    case CE_UNAVAILABLE: return 503;
    }
    return 500;
}

void api_core_error(http_req_t *req, http_resp_t *resp, const cerr_t *e)
{
    api_error(req, resp, api_status_of(e->code, api_dialect(req)), e->msg);
    if (e->code == CE_UNAVAILABLE) http_resp_header(resp, "Retry-After", API_RETRY_AFTER_DB);
}
