/* byoc_health.c -- gateway health (SIP.md §6): turning OPTIONS probing of
 * a carrier's outbound gateways on and off, in the BYOC dialect (a
 * customer's carriers, Plivo incoming ones included) and the admin one
 * (the operator's upstream carriers).
 *   PUT    /v1/phone-numbers/carriers/{id}/health_check  {"interval": 30}
 *   DELETE /v1/phone-numbers/carriers/{id}/health_check
 *   PUT    /admin/v1/carriers/{id}/health_check          {"interval": 30}
 *   DELETE /admin/v1/carriers/{id}/health_check
 * The carrier (GET) shows "health_check" and each probed gateway's state
 * ("gateway_health"); byoc_carrier.c renders them. */
#include "api/api.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/registrations.h"

/* {"interval": N} (1-3600; absent: the default).  C_ERR: answered 400. */
static int read_interval(http_req_t *req, http_resp_t *resp, json_t *b, int *interval)
{
    *interval = HEALTH_INTERVAL_DEFAULT;
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) {
        if (strcmp(k, "interval") != 0) {
            char *m = xasprintf("unknown field: %s", k);
            api_problem(req, resp, 400, m, NULL);
            free(m);
            return C_ERR;
        }
        if (!json_is_integer(v) || json_integer_value(v) < HEALTH_INTERVAL_MIN ||
            json_integer_value(v) > HEALTH_INTERVAL_MAX) {
            api_problem(req, resp, 400, "interval must be an integer of 1-3600 seconds", NULL);
            return C_ERR;
        }
        *interval = (int)json_integer_value(v);
    }
    return C_OK;
}

static void answer_interval(http_resp_t *resp, int interval)
{
    jw_t w;
    api_json_begin(resp, &w, 200);
    jw_obj(&w);
    jw_kint(&w, "interval", interval);
    jw_obj_end(&w);
}

void h_byoc_health_put(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    cerr_t e;
    int interval;
    if (api_auth_byoc(req, resp, SCOPE_WRITE, &who) != C_OK) goto done;
    if (api_body(req, resp, NULL, NULL, &b) != C_OK) goto done;
    if (read_interval(req, resp, b, &interval) != C_OK) goto done;
    if (health_set(&ctx->core, &who, http_param(req, "id"), interval, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    answer_interval(resp, interval);
done:
    json_decref(b);
}

void h_admin_health_put(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    json_t *b = NULL;
    cerr_t e;
    int interval;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_body(req, resp, NULL, NULL, &b) != C_OK) goto done;
    if (read_interval(req, resp, b, &interval) != C_OK) goto done;
    if (health_set_upstream(&ctx->core, http_param(req, "id"), interval, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    answer_interval(resp, interval);
done:
    json_decref(b);
}

void h_admin_health_delete(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    json_t *q = NULL;
    cerr_t e;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    if (health_set_upstream(&ctx->core, http_param(req, "id"), 0, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    resp->status = 204;
done:
    json_decref(q);
}

static int health_off(core_t *c, const account_t *caller, const char *id, cerr_t *e)
{
    return health_set(c, caller, id, 0, e);
}

void h_byoc_health_delete(http_req_t *req, http_resp_t *resp)
{
    api_delete(req, resp, "id", health_off);
}
