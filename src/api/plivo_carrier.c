/* plivo_carrier.c -- /v1/Account/{auth_id}/IncomingCarrier/ (API.md §2.4,
 * seed 000).  An incoming carrier is the Plivo dialect's view of a carrier:
 * its inbound gateways are the ip_set. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/carriers.h"

static const char *const k_fields[] = {"name", "ip_set", "voice", "sms", NULL};

static void render_carrier(jw_t *w, const char *auth_id, const carrier_t *cr)
{
    char uri[128];
    char *ips = carrier_ip_set(cr);
    jw_kstr(w, "carrier_id", cr->carrier_id);
    jw_kstr(w, "name", cr->name);
    jw_kstr(w, "ip_set", ips);
    jw_kbool(w, "voice", cr->voice);
    jw_kbool(w, "sms", cr->sms);
    snprintf(uri, sizeof uri, "/v1/Account/%s/IncomingCarrier/%s/", auth_id, cr->carrier_id);
    jw_kstr(w, "resource_uri", uri);
    free(ips);
}

static int read_in(http_req_t *req, http_resp_t *resp, json_t *b, carrier_plivo_in_t *in)
{
    if (api_str(req, resp, b, "name", &in->name) != C_OK) return C_ERR;
    if (api_str(req, resp, b, "ip_set", &in->ip_set) != C_OK) return C_ERR;
    if (api_bool(req, resp, b, "voice", &in->voice) != C_OK) return C_ERR;
    if (api_bool(req, resp, b, "sms", &in->sms) != C_OK) return C_ERR;
    return C_OK;
}

int h_carrier_create(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    carrier_plivo_in_t in = {0};
    carrier_t cr;
    cerr_t e;
    memset(&cr, 0, sizeof cr);
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, k_fields, &b) != C_OK) goto done;
    if (read_in(req, resp, b, &in) != C_OK) goto done;
    if (carrier_plivo_create(&ctx->core, &who, &in, &cr, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_obj_begin(resp, &w, 201);
    jw_kstr(&w, "carrier_id", cr.carrier_id);
    jw_kstr(&w, "message", "created");
    jw_obj_end(&w);
done:
    carrier_clear(&cr);
    json_decref(b);
    return C_OK;
}

int h_carrier_list(http_req_t *req, http_resp_t *resp)
{
    static const char *const known[] = {"name", "limit", "offset", NULL};
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    const char *name;
    int limit, offset;
    carrier_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, known, &q) != C_OK) goto done;
    if (api_paging(req, resp, q, API_PLIVO_MAX_LIMIT, API_PLIVO_MAX_LIMIT, &limit, &offset) != C_OK)
        goto done;
    if (api_str(req, resp, q, "name", &name) != C_OK) goto done;
    rows = xcalloc((size_t)limit, sizeof *rows);
    if (carrier_list(&ctx->core, &who, name, limit, offset, rows, &n, &total, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_list_begin(resp, &w, who.auth_id, "IncomingCarrier", q, limit, offset, total);
    for (size_t i = 0; i < n; i++) {
        jw_obj(&w);
        render_carrier(&w, who.auth_id, &rows[i]);
        jw_obj_end(&w);
    }
    api_plivo_list_end(&w);
done:
    if (rows) carrier_clear_rows(rows, n);
    free(rows);
    json_decref(q);
    return C_OK;
}

int h_carrier_get(http_req_t *req, http_resp_t *resp)
{
    static const char *const known[] = {NULL};
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    carrier_t cr;
    cerr_t e;
    memset(&cr, 0, sizeof cr);
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, known, &q) != C_OK) goto done;
    if (carrier_get(&ctx->core, &who, req->params[1], &cr, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_obj_begin(resp, &w, 200);
    render_carrier(&w, who.auth_id, &cr);
    jw_obj_end(&w);
done:
    carrier_clear(&cr);
    json_decref(q);
    return C_OK;
}

int h_carrier_update(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    carrier_plivo_in_t in = {0};
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, k_fields, &b) != C_OK) goto done;
    if (read_in(req, resp, b, &in) != C_OK) goto done;
    if (carrier_plivo_update(&ctx->core, &who, req->params[1], &in, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    api_plivo_changed(resp);
done:
    json_decref(b);
    return C_OK;
}

int h_carrier_delete(http_req_t *req, http_resp_t *resp)
{
    api_plivo_delete(req, resp, carrier_delete);
    return C_OK;
}
