/* plivo_number.c -- /v1/Account/{auth_id}/Number/ (seed 001): the numbers
 * an account owns: list, get, update, unrent. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/country.h"
#include "core/numadd.h"
#include "core/owned.h"

/* "<CITY>, <COUNTRY NAME>", or the row's region where it has no city. */
static void render_region(jw_t *w, const inv_number_t *n)
{
    const country_t *ct = NULL;
    country_by_iso(n->country_iso, &ct);
    if (n->city[0]) {
        char r[MODEL_CITY_SZ + 80];
        snprintf(r, sizeof r, "%s, %s", n->city, ct ? ct->name : n->country_iso);
        jw_kstr(w, "region", r);
    } else {
        jw_kstr_or_null(w, "region", n->region[0] ? n->region : (ct ? ct->name : NULL));
    }
}

void api_render_account_number(jw_t *w, const char *auth_id, const owned_number_t *n)
{
    char uri[160];
    jw_kstr(w, "number", n->inv.number);
    jw_kstr_or_null(w, "alias", n->alias);
    jw_kstr_or_null(w, "sub_account", n->sub_auth_id);
    jw_kstr_or_null(w, "added_on", n->added_on);
    if (n->app_id[0]) {
        snprintf(uri, sizeof uri, "/v1/Account/%s/Application/%s/", auth_id, n->app_id);
        jw_kstr(w, "application", uri);
    } else {
        jw_knull(w, "application");
    }
    jw_kstr(w, "carrier", n->inv.carrier);
    render_region(w, &n->inv);
    jw_kstr(w, "number_type", n->inv.sub_type);
    api_kmoney(w, "monthly_rental_rate", n->inv.monthly_rental_rate);
    jw_kstr_or_null(w, "renewal_date", n->renewal_date);
    jw_kbool(w, "sms_enabled", n->inv.sms);
    api_kmoney(w, "sms_rate", n->inv.sms_rate);
    jw_kbool(w, "mms_enabled", n->inv.mms);
    api_kmoney(w, "mms_rate", n->inv.mms_rate);
    jw_kbool(w, "voice_enabled", n->inv.voice);
    api_kmoney(w, "voice_rate", n->inv.voice_rate);
    jw_kstr_or_null(w, "cnam_lookup", n->cnam_lookup);
    jw_kstr_or_null(w, "cnam", n->cnam);
    jw_kstr_or_null(w, "tendlc_registration_status", n->tendlc_registration_status);
    jw_kstr_or_null(w, "tendlc_campaign_id", n->tendlc_campaign_id);
    jw_kstr_or_null(w, "toll_free_sms_verification", n->toll_free_sms_verification);
    jw_kstr_or_null(w, "profile_uuid", n->profile_uuid);
    jw_kstr_or_null(w, "caller_reputation_status", n->caller_reputation_status);
    jw_kstr(w, "status", n->state == NUM_PENDING ? "pending" : "active");
    jw_kstr_or_null(w, "compliance_id", n->compliance_id);
    snprintf(uri, sizeof uri, "/v1/Account/%s/Number/%s/", auth_id, n->inv.number);
    jw_kstr(w, "resource_uri", uri);
}

int h_number_list(http_req_t *req, http_resp_t *resp)
{
    static const char *const known[] = {
        "type", "number_type", "number_startswith", "subaccount", "alias", "services",
        "cnam_lookup", "renewal_date", "renewal_date__gt", "renewal_date__gte", "renewal_date__lt",
        "renewal_date__lte", "tendlc_registration_status", "tendlc_campaign_id",
        "toll_free_sms_verification", "limit", "offset", NULL};
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    numlist_in_t in = {0};
    owned_number_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;

    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, known, &q) != C_OK) goto done;
    if (api_paging(req, resp, q, API_PLIVO_MAX_LIMIT, API_PLIVO_MAX_LIMIT, &in.limit, &in.offset) != C_OK)
        goto done;
    const char *type_alias = NULL;
    struct { const char *key; const char **dst; } map[] = {
        {"type", &in.type}, {"number_type", &type_alias},
        {"number_startswith", &in.number_startswith}, {"subaccount", &in.subaccount},
        {"alias", &in.alias}, {"services", &in.services}, {"cnam_lookup", &in.cnam_lookup},
        {"renewal_date", &in.renewal[RENEW_EQ]}, {"renewal_date__gt", &in.renewal[RENEW_GT]},
        {"renewal_date__gte", &in.renewal[RENEW_GTE]}, {"renewal_date__lt", &in.renewal[RENEW_LT]},
        {"renewal_date__lte", &in.renewal[RENEW_LTE]},
        {"tendlc_registration_status", &in.tendlc_registration_status},
        {"tendlc_campaign_id", &in.tendlc_campaign_id},
        {"toll_free_sms_verification", &in.toll_free_sms_verification},
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(map); i++)
        if (api_str(req, resp, q, map[i].key, map[i].dst) != C_OK) goto done;
    if (type_alias) {
        if (in.type && nd_strcasecmp(in.type, type_alias) != 0) {
            api_error(req, resp, 400, "type and number_type disagree: give one of them");
            goto done;
        }
        in.type = type_alias;
    }
    rows = xcalloc((size_t)in.limit, sizeof *rows);
    if (num_list(&ctx->core, &who, &in, rows, &n, &total, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }

    jw_t w;
    api_plivo_list_begin(resp, &w, who.auth_id, "Number", q, in.limit, in.offset, total);
    for (size_t i = 0; i < n; i++) {
        jw_obj(&w);
        api_render_account_number(&w, who.auth_id, &rows[i]);
        jw_obj_end(&w);
    }
    api_plivo_list_end(&w);
done:
    free(rows);
    json_decref(q);
    return C_OK;
}

int h_number_get(http_req_t *req, http_resp_t *resp)
{
    static const char *const known[] = {NULL};
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    owned_number_t *n = xmalloc(sizeof *n);
    cerr_t e;

    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, known, &q) != C_OK) goto done;
    if (num_get(&ctx->core, &who, req->params[1], n, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_obj_begin(resp, &w, 200);
    api_render_account_number(&w, who.auth_id, n);
    jw_obj_end(&w);
done:
    free(n);
    json_decref(q);
    return C_OK;
}

int h_number_update(http_req_t *req, http_resp_t *resp)
{
    static const char *const known[] = {
        "app_id", "subaccount", "alias", "compliance_id", "cnam_lookup", "cnam",
        "cnam_callback_url", "cnam_callback_method", "caller_reputation", "profile_uuid",
        "caller_reputation_callback_url", "caller_reputation_callback_method",
        "compliance_application_id", NULL};
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    numupd_in_t in = {0};
    cerr_t e;

    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, known, &b) != C_OK) goto done;
    struct { const char *key; const char **dst; } map[] = {
        {"app_id", &in.app_id}, {"subaccount", &in.subaccount}, {"alias", &in.alias},
        {"compliance_id", &in.compliance_id}, {"cnam_lookup", &in.cnam_lookup}, {"cnam", &in.cnam},
        {"cnam_callback_url", &in.cnam_callback_url},
        {"cnam_callback_method", &in.cnam_callback_method},
        {"caller_reputation", &in.caller_reputation}, {"profile_uuid", &in.profile_uuid},
        {"caller_reputation_callback_url", &in.cr_callback_url},
        {"caller_reputation_callback_method", &in.cr_callback_method},
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(map); i++)
        if (api_str_or_clear(req, resp, b, map[i].key, map[i].dst) != C_OK) goto done;
    /* The Plivo SDK sends the compliance link as compliance_application_id
     * (its name at purchase); it is an alias of compliance_id here. */
    const char *cid_alias;
    if (api_str_or_clear(req, resp, b, "compliance_application_id", &cid_alias) != C_OK) goto done;
    if (cid_alias) {
        if (in.compliance_id && strcmp(in.compliance_id, cid_alias) != 0) {
            api_error(req, resp, 400, "compliance_id and compliance_application_id disagree: give one of them");
            goto done;
        }
        in.compliance_id = cid_alias;
    }
    if (num_update(&ctx->core, &who, req->params[1], &in, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    api_plivo_changed(resp);
done:
    json_decref(b);
    return C_OK;
}

int h_number_unrent(http_req_t *req, http_resp_t *resp)
{
    api_plivo_delete(req, resp, num_unrent);
    return C_OK;
}

/* Splits "a, b,c" into trimmed pieces (pointers into a copy the caller
 * frees through *store).  At most max + 1 pieces are kept, so that a list
 * that is too long is still reported as too long. */
static size_t split_numbers(const char *s, char **store, const char **out, size_t max)
{
    char *copy = xstrdup(s), *p = copy;
    size_t n = 0;
    *store = copy;
    for (;;) {
        char *end = strchr(p, ',');
        if (end) *end = '\0';
        while (*p == ' ' || *p == '\t') p++;
        size_t len = strlen(p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) p[--len] = '\0';
        if (n <= max) out[n] = p;
        n++;
        if (!end) break;
        p = end + 1;
    }
    return n;
}

int h_number_add(http_req_t *req, http_resp_t *resp)
{
    static const char *const known[] = {"numbers", "carrier", "region", "number_type", "app_id",
                                        "subaccount", NULL};
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    numadd_in_t in = {0};
    const char *list[NUMADD_MAX + 1];
    char *store = NULL;
    numadd_fault_t *faults = NULL;
    size_t nfaults = 0;
    cerr_t e;

    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, known, &b) != C_OK) goto done;
    const char *numbers = NULL;
    json_t *arr = json_object_get(b, "numbers");
    if (json_is_array(arr)) {
        /* a JSON list is the same thing as the comma-separated string */
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v) {
            if (!json_is_string(v)) {
                api_error(req, resp, 400, "invalid numbers: want a comma-separated string or a list of strings");
                goto done;
            }
            if (i <= NUMADD_MAX) list[i] = json_string_value(v);
        }
        in.n = json_array_size(arr);
    } else {
        if (api_str(req, resp, b, "numbers", &numbers) != C_OK) goto done;
        if (numbers && numbers[0]) in.n = split_numbers(numbers, &store, list, NUMADD_MAX);
    }
    struct { const char *key; const char **dst; } map[] = {
        {"carrier", &in.carrier}, {"region", &in.region}, {"number_type", &in.number_type},
        {"app_id", &in.app_id}, {"subaccount", &in.subaccount},
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(map); i++)
        if (api_str(req, resp, b, map[i].key, map[i].dst) != C_OK) goto done;
    static const char *const required[] = {"numbers", "carrier", "region"};
    const char *given[] = {in.n ? "x" : NULL, in.carrier, in.region};
    for (size_t i = 0; i < ND_ARRAY_LEN(required); i++) {
        if (!given[i] || !given[i][0]) {
            char msg[64];
            snprintf(msg, sizeof msg, "missing required parameter: %s", required[i]);
            api_error(req, resp, 400, msg);
            goto done;
        }
    }
    in.numbers = list;
    faults = xcalloc(in.n < NUMADD_MAX ? in.n : NUMADD_MAX, sizeof *faults);
    if (num_add(&ctx->core, &who, &in, faults, &nfaults, NULL, &e) != C_OK) {
        if (e.code != CE_INVALID || nfaults == 0) {
            api_core_error(req, resp, &e);
            goto done;
        }
        /* name every number that cannot be added, and why */
        buf_t m = BUF_INIT;
        buf_printf(&m, "cannot add numbers, nothing was added:");
        for (size_t i = 0; i < nfaults; i++)
            buf_printf(&m, "%s %s (%s)", i ? "," : "", faults[i].number[0] ? faults[i].number : "\"\"",
                       faults[i].why);
        api_error(req, resp, 400, m.data);
        buf_free(&m);
        goto done;
    }
    api_plivo_changed(resp);
done:
    free(faults);
    free(store);
    json_decref(b);
    return C_OK;
}
