/* byoc_health.c -- gateway health (SIP.md §6) in the BYOC dialect: turning
 * OPTIONS probing of a carrier's outbound gateways on and off.
 *   PUT    /v1/phone-numbers/carriers/{id}/health_check  {"interval": 30}
 *   DELETE /v1/phone-numbers/carriers/{id}/health_check
 * The carrier (GET) shows "health_check" and each probed gateway's state
 * ("gateway_health"); byoc_carrier.c renders them. */
#include "api/api.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/registrations.h"

void h_byoc_health_put(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    cerr_t e;
    if (api_auth_byoc(req, resp, SCOPE_WRITE, &who) != C_OK) goto done;
    if (api_body(req, resp, NULL, NULL, &b) != C_OK) goto done;
    int interval = HEALTH_INTERVAL_DEFAULT;
    const char *k;
    json_t *v;
    json_object_foreach(b, k, v) {
        if (strcmp(k, "interval") != 0) {
            char *m = xasprintf("unknown field: %s", k);
            api_problem(req, resp, 400, m, NULL);
            free(m);
            goto done;
        }
        if (!json_is_integer(v) || json_integer_value(v) < HEALTH_INTERVAL_MIN ||
            json_integer_value(v) > HEALTH_INTERVAL_MAX) {
            api_problem(req, resp, 400, "interval must be an integer of 1-3600 seconds", NULL);
            goto done;
        }
        interval = (int)json_integer_value(v);
    }
    if (health_set(&ctx->core, &who, http_param(req, "id"), interval, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_json_begin(resp, &w, 200);
    jw_obj(&w);
    jw_kint(&w, "interval", interval);
    jw_obj_end(&w);
done:
    json_decref(b);
}

static int health_off(core_t *c, const account_t *caller, const char *id, cerr_t *e)
{
    return health_set(c, caller, id, 0, e);
}

void h_byoc_health_delete(http_req_t *req, http_resp_t *resp)
{
    api_delete(req, resp, "id", health_off);
}
