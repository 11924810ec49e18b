/* plivo_account.c -- /v1/Account/{auth_id}/ (the account itself, which
 * the SDKs read as a credentials check) and /v1/Account/{auth_id}/Pricing/
 * (the phone-number part of Plivo's pricing, from the inventory). */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "core/pricing.h"

/* Plivo's account object.  numberd keeps no billing, address or timezone
 * data: the values are fixed ones the SDKs accept (Java reads
 * account_type and billing_mode into enums: standard, postpaid), and say
 * nothing false about money (no credit is kept: 0). */
void h_account_get(http_req_t *req, http_resp_t *resp)
{
    account_t who;
    json_t *q = NULL;
    char uri[64];
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    jw_t w;
    api_plivo_obj_begin(resp, &w, 200);
    jw_kstr(&w, "account_type", "standard");
    jw_kstr(&w, "address", "");
    jw_kstr(&w, "auth_id", who.auth_id);
    jw_kbool(&w, "auto_recharge", false);
    jw_kstr(&w, "billing_mode", "postpaid");
    jw_kstr(&w, "cash_credits", "0.00000");
    jw_kstr(&w, "city", "");
    jw_kbool(&w, "enabled", who.enabled);
    jw_kstr(&w, "name", who.name);
    snprintf(uri, sizeof uri, "/v1/Account/%s/", who.auth_id);
    jw_kstr(&w, "resource_uri", uri);
    jw_kstr(&w, "state", "");
    jw_kstr(&w, "timezone", "UTC");
    jw_obj_end(&w);
done:
    json_decref(q);
}

typedef struct {
    const char *country_iso;
} pricing_in_t;

/* "key": {"rate": null} -- a price numberd does not have */
static void null_rate(jw_t *w, const char *key)
{
    jw_key(w, key);
    jw_obj(w);
    jw_knull(w, "rate");
    jw_obj_end(w);
}

void h_pricing_get(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD(pricing_in_t, country_iso, API_STR),
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    pricing_in_t in = {0};
    price_t p;
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    if (price_get(&ctx->core, in.country_iso, &p, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_obj_begin(resp, &w, 200);
    jw_kstr(&w, "country", p.country->name);
    jw_kint(&w, "country_code", p.country->calling_code);
    jw_kstr(&w, "country_iso", p.country->iso);
    /* numberd sells numbers: no voice or message prices.  Plivo's object
     * has them, and the SDKs build their classes from them unguarded (PHP:
     * a warning per missing key and a foreach over null; .NET: Message's
     * ToString joins a null list), so the shape is there with null rates */
    jw_key(&w, "message");
    jw_obj(&w);
    null_rate(&w, "inbound");
    null_rate(&w, "outbound");
    jw_key(&w, "outbound_networks_list");
    jw_arr(&w);
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_key(&w, "voice");
    jw_obj(&w);
    static const char *const dirs[] = {"inbound", "outbound"}, *const kinds[] = {"ip", "local", "tollfree"};
    for (size_t d = 0; d < 2; d++) {
        jw_key(&w, dirs[d]);
        jw_obj(&w);
        for (size_t k = 0; k < 3; k++) null_rate(&w, kinds[k]);
        if (d == 1) {
            jw_key(&w, "rates");
            jw_arr(&w);
            jw_arr_end(&w);
        }
        jw_obj_end(&w);
    }
    jw_obj_end(&w);
    jw_key(&w, "phone_numbers");
    jw_obj(&w);
    for (size_t i = 0; i < p.n; i++) {
        jw_key(&w, p.rows[i].type);
        jw_obj(&w);
        api_kmoney(&w, "rate", p.rows[i].rate);
        jw_obj_end(&w);
    }
    jw_obj_end(&w);
    jw_obj_end(&w);
done:
    json_decref(q);
}
