/* plivo_carrier.c -- /v1/Account/{auth_id}/IncomingCarrier/ (API.md §2.4,
 * seed 000).  An incoming carrier is the Plivo dialect's view of a carrier:
 * its inbound gateways are the ip_set. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/carriers.h"

static const api_field_t k_fields[] = {
    API_FIELD(carrier_plivo_in_t, name, API_STR),
    API_FIELD(carrier_plivo_in_t, ip_set, API_STR),
    API_FIELD(carrier_plivo_in_t, voice, API_BOOL),
    API_FIELD(carrier_plivo_in_t, sms, API_BOOL),
    API_FIELDS_END,
};

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
    /* no gateway health here: the object's keys are seed 000's, and the
     * Plivo dialect shows no outbound gateway (ip_set is inbound); the BYOC
     * view of the same carrier shows it (SIP-REGISTRATION.md) */
    free(ips);
}

void h_carrier_create(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    carrier_plivo_in_t in = {0};
    carrier_t cr;
    cerr_t e;
    memset(&cr, 0, sizeof cr);
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, k_fields, &in, &b) != C_OK) goto done;
    if (carrier_plivo_create(&ctx->core, &who, &in, &cr, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    api_plivo_created(resp, "carrier_id", cr.carrier_id);
done:
    carrier_clear(&cr);
    json_decref(b);
}

typedef struct {
    const char *name;
} list_in_t;

void h_carrier_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD(list_in_t, name, API_STR),
        API_PAGING,
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    list_in_t in = {0};
    int limit, offset;
    carrier_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;
    if (api_plivo_list_query(req, resp, fields, &in, &who, &q, &limit, &offset) != C_OK) goto done;
    rows = xcalloc((size_t)limit, sizeof *rows);
    if (carrier_list(&ctx->core, &who, in.name, limit, offset, rows, &n, &total, NULL, &e) != C_OK) {
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
}

void h_carrier_get(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    carrier_t cr;
    const char *id = http_param(req, "carrier_id");
    buf_t key = BUF_INIT;
    db_version_t v;
    cerr_t e;
    memset(&cr, 0, sizeof cr);
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    /* asked again with nothing committed since: the same answer (anscache.c;
     * render_carrier shows the database's fields alone, no gateway health) */
    api_cache_key(&key, "IncomingCarrier", id, &who, q);
    if (api_cache_answer(ctx, API_CACHE_OBJECT, resp, &key, &v)) goto done;
    if (carrier_get(&ctx->core, &who, id, &cr, NULL, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_obj_begin(resp, &w, 200);
    render_carrier(&w, who.auth_id, &cr);
    jw_obj_end(&w);
    api_cache_keep(ctx, API_CACHE_OBJECT, resp, &key, &v);
done:
    buf_free(&key);
    carrier_clear(&cr);
    json_decref(q);
}

void h_carrier_update(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    carrier_plivo_in_t in = {0};
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, k_fields, &in, &b) != C_OK) goto done;
    if (carrier_plivo_update(&ctx->core, &who, http_param(req, "carrier_id"), &in, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    api_plivo_changed(resp);
done:
    json_decref(b);
}

void h_carrier_delete(http_req_t *req, http_resp_t *resp)
{
    api_delete(req, resp, "carrier_id", carrier_delete);
}
