/* plivo_phonenumber.c -- /v1/Account/{auth_id}/PhoneNumber/ (seed 003):
 * search the inventory, buy a number. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/country.h"
#include "core/numbers.h"

static void render_phone_number(jw_t *w, const char *auth_id, const inv_number_t *n)
{
    const country_t *ct = NULL;
    char uri[128];
    country_by_iso(n->country_iso, &ct);
    jw_obj(w);
    jw_kstr(w, "number", n->number);
    jw_kstr(w, "prefix", n->prefix);
    jw_kstr_or_null(w, "city", n->city);
    jw_kstr(w, "country", ct ? ct->name : n->country_iso);
    jw_kstr_or_null(w, "region", n->region);
    jw_kstr_or_null(w, "rate_center", n->rate_center);
    if (n->lata >= 0) jw_kint(w, "lata", n->lata);
    else jw_knull(w, "lata");
    jw_kstr(w, "type", n->type);
    jw_kstr(w, "sub_type", n->sub_type);
    api_kmoney(w, "setup_rate", n->setup_rate);
    api_kmoney(w, "monthly_rental_rate", n->monthly_rental_rate);
    jw_kbool(w, "sms_enabled", n->sms);
    api_kmoney(w, "sms_rate", n->sms_rate);
    jw_kbool(w, "mms_enabled", n->mms);
    api_kmoney(w, "mms_rate", n->mms_rate);
    jw_kbool(w, "voice_enabled", n->voice);
    api_kmoney(w, "voice_rate", n->voice_rate);
    jw_kstr_or_null(w, "restriction", n->restriction);
    jw_kstr_or_null(w, "restriction_text", n->restriction_text);
    size_t un = ND_JOIN(uri, "/v1/Account/", auth_id, "/PhoneNumber/", n->number, "/");
    jw_key(w, "resource_uri");
    jw_strn(w, uri, un);
    jw_obj_end(w);
}

void h_phonenumber_search(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD(search_in_t, country_iso, API_STR),
        API_FIELD(search_in_t, type, API_STR),
        API_FIELD(search_in_t, pattern, API_STR),
        API_FIELD(search_in_t, npanxx, API_STR),
        API_FIELD(search_in_t, local_calling_area, API_STR),
        API_FIELD(search_in_t, region, API_STR),
        API_FIELD(search_in_t, city, API_STR),
        API_FIELD(search_in_t, services, API_STR),
        API_FIELD(search_in_t, lata, API_STR),
        API_FIELD(search_in_t, rate_center, API_STR),
        API_NOOP("eligible"),
        API_PAGING,
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    search_in_t in = {0};
    inv_number_t rows[API_PLIVO_MAX_LIMIT];
    size_t n = 0;
    int64_t total = 0;
    buf_t key = BUF_INIT;
    db_version_t v;
    cerr_t e;

    if (api_plivo_list_query(req, resp, fields, &in, &who, &q, &in.limit, &in.offset) != C_OK)
        goto done;
    /* asked again with nothing committed since: the same answer (anscache.c) */
    api_cache_key(&key, "PhoneNumber", NULL, &who, q);
    if (api_cache_answer(ctx, API_CACHE_PAGE, resp, &key, &v)) goto done;
    if (num_search(&ctx->core, &in, rows, &n, &total, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }

    jw_t w;
    api_plivo_list_begin(resp, &w, who.auth_id, "PhoneNumber", q, in.limit, in.offset, total);
    for (size_t i = 0; i < n; i++) render_phone_number(&w, who.auth_id, &rows[i]);
    api_plivo_list_end(&w);
    api_cache_keep(ctx, API_CACHE_PAGE, resp, &key, &v);
done:
    buf_free(&key);
    json_decref(q);
}

typedef struct {
    buy_in_t in;
    const char *number;        /* the path's number repeated (Python, Java) */
    const http_resp_t *resp;   /* for the api_id: the request's id */
} buy_ctx_t;

/* Runs inside the idempotency transaction: buy, then render the answer
 * that a retry with the same key will get byte for byte. */
static int buy_action(core_t *c, void *ud, idem_answer_t *ans, cerr_t *e)
{
    buy_ctx_t *bc = ud;
    buy_out_t out;
    if (num_buy(c, &bc->in, &out, e) != C_OK) return C_ERR;
    bool pending = out.state == NUM_PENDING;
    char api_id[IDS_UUID_SZ];
    api_new_api_id(bc->resp, api_id);
    jw_t w;
    buf_reset(ans->body);
    jw_init(&w, ans->body);
    jw_obj(&w);
    jw_kstr(&w, "api_id", api_id);
    jw_kstr(&w, "message", "created");
    jw_key(&w, "numbers");
    jw_arr(&w);
    jw_obj(&w);
    jw_kstr(&w, "number", out.number);
    jw_kstr(&w, "status", pending ? "Pending" : "Success");
    jw_obj_end(&w);
    jw_arr_end(&w);
    jw_kstr(&w, "status", pending ? "pending" : "fulfilled");
    jw_obj_end(&w);
    ans->code = 201;
    ans->replayable = true;  /* the number is sold: a retry must not buy again */
    return C_OK;
}

void h_phonenumber_buy(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD_AS("app_id", buy_ctx_t, in.app_id, API_STR),
        API_FIELD_AS("cnam_lookup", buy_ctx_t, in.cnam_lookup, API_STR),
        API_FIELD_AS("compliance_application_id", buy_ctx_t, in.compliance_id, API_STR),
        API_FIELD_AS("subaccount", buy_ctx_t, in.subaccount, API_STR),
        API_FIELD(buy_ctx_t, number, API_STR),
        API_NOOP("ha_enable"),
        API_NOOP("ha_enabled"),
        API_NOOP("verification_info"),
        API_FIELDS_END,
    };
    account_t who;
    json_t *b = NULL;
    const char *key;
    buy_ctx_t bc = {0};
    cerr_t e;

    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, fields, &bc, &b) != C_OK) goto done;
    if (api_same_id(req, resp, "number", bc.number, http_param(req, "number"), true) != C_OK) goto done;
    /* The same number, so not part of the request's identity: a retry
     * with and without it is one request. */
    json_object_del(b, "number");
    bc.number = NULL;
    if (api_idem_key(req, resp, &key) != C_OK) goto done;
    bc.in.caller = &who;
    bc.in.number = http_param(req, "number");
    bc.resp = resp;

    /* The request's identity for Idempotency-Key: the number in canonical
     * form (so /N, /N/, /+N and /%2BN are one request) and the parameters
     * as canonical JSON (so form and JSON bodies, key order and spacing do
     * not matter). */
    char canon[E164_BUFSZ];
    const char *resource = e164_parse(bc.in.number, canon, NULL) == C_OK ? canon : bc.in.number;
    bool replayed;
    if (api_idem_run(req, resp, &who, key, "POST PhoneNumber", resource, b, buy_action, &bc,
                     &replayed, &e) != C_OK)
        api_core_error(req, resp, &e);
done:
    json_decref(b);
}
