/* plivo_number.c -- /v1/Account/{auth_id}/Number/ (seed 001): the numbers
 * an account owns: list, get, update, unrent. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/country.h"
#include "core/numadd.h"
#include "core/owned.h"

/* "<CITY>, <COUNTRY NAME>", or the row's region where it has no city;
 * ct: n's country (NULL: unknown). */
static void render_region(jw_t *w, const inv_number_t *n, const country_t *ct)
{
    if (n->city[0]) {
        char r[MODEL_CITY_SZ + 80];
        size_t rn = ND_JOIN(r, n->city, ", ", ct ? ct->name : n->country_iso);
        jw_key(w, "region");
        jw_strn(w, r, rn);
    } else {
        jw_kstr_or_null(w, "region", n->region[0] ? n->region : (ct ? ct->name : NULL));
    }
}

/* Reads only the fields of SQLS_OWNED_BRIEF_COLS (numlist_q_t.brief): a
 * field shown here must be read there too. */
void api_render_account_number(jw_t *w, const char *auth_id, const owned_number_t *n)
{
    char uri[160];
    const country_t *ct = NULL;
    country_by_iso(n->inv.country_iso, &ct);
    jw_kstr(w, "number", n->inv.number);
    jw_kstr_or_null(w, "alias", n->alias);
    jw_kstr_or_null(w, "sub_account", n->sub_auth_id);
    jw_kstr_or_null(w, "sub_account_name", n->sub_name);
    jw_kbool(w, "active", n->state == NUM_ACTIVE);
    jw_kstr_or_null(w, "city", n->inv.city);
    jw_kstr(w, "country", ct ? ct->name : n->inv.country_iso);
    jw_kstr_or_null(w, "added_on", n->added_on);
    if (n->app_id[0]) {
        /* a subaccount's number may point at an application its path
         * does not show (its main account's, linked by the main account):
         * named then under the main account's path */
        const char *app_auth = n->app_auth_id[0] ? n->app_auth_id : auth_id;
        size_t un = ND_JOIN(uri, "/v1/Account/", app_auth, "/Application/", n->app_id, "/");
        jw_key(w, "application");
        jw_strn(w, uri, un);
    } else {
        jw_knull(w, "application");
    }
    jw_kstr(w, "carrier", n->inv.carrier);
    render_region(w, &n->inv, ct);
    jw_kstr(w, "number_type", n->inv.sub_type);
    api_kmoney(w, "monthly_rental_rate", n->inv.monthly_rental_rate);
    jw_kstr_or_null(w, "renewal_date", n->renewal_date);
    jw_kbool(w, "sms_enabled", n->inv.sms);
    api_kmoney(w, "sms_rate", n->inv.sms_rate);
    jw_kbool(w, "mms_enabled", n->inv.mms);
    api_kmoney(w, "mms_rate", n->inv.mms_rate);
    jw_kbool(w, "voice_enabled", n->inv.voice);
    api_kmoney(w, "voice_rate", n->inv.voice_rate);
    jw_kstr(w, "cnam_lookup", num_shown_cnam_lookup(n));
    jw_kstr_or_null(w, "cnam", n->cnam);
    const char *tendlc = num_shown_tendlc(n);
    if (tendlc) jw_kstr(w, "tendlc_registration_status", tendlc);
    else jw_knull(w, "tendlc_registration_status");
    jw_kstr_or_null(w, "tendlc_campaign_id", n->tendlc_campaign_id);
    jw_kstr_or_null(w, "toll_free_sms_verification", n->toll_free_sms_verification);
    /* numberd keeps no verification orders (the operator sets the outcome) */
    jw_knull(w, "toll_free_sms_verification_id");
    jw_knull(w, "toll_free_sms_verification_order_status");
    jw_kstr_or_null(w, "profile_uuid", n->profile_uuid);
    jw_kstr_or_null(w, "caller_reputation_status", n->caller_reputation_status);
    jw_kstr(w, "status", n->state == NUM_PENDING ? "pending" : "active");
    jw_kstr_or_null(w, "compliance_id", n->compliance_id);
    jw_kstr_or_null(w, "compliance_application_id", n->compliance_id);
    const char *cs = num_shown_compliance_status(n);
    if (cs) jw_kstr(w, "compliance_status", cs);
    else jw_knull(w, "compliance_status");
    size_t un = ND_JOIN(uri, "/v1/Account/", auth_id, "/Number/", n->inv.number, "/");
    jw_key(w, "resource_uri");
    jw_strn(w, uri, un);
}

/* What GET Number/ reads: the core's filters, and number_type, another
 * name of type. */
typedef struct {
    numlist_in_t in;
    const char *number_type;
} list_in_t;

void h_number_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD_AS("type", list_in_t, in.type, API_STR),
        API_FIELD(list_in_t, number_type, API_STR),
        API_FIELD_AS("number_startswith", list_in_t, in.number_startswith, API_STR),
        API_FIELD_AS("subaccount", list_in_t, in.subaccount, API_STR),
        API_FIELD_AS("alias", list_in_t, in.alias, API_STR),
        API_FIELD_AS("services", list_in_t, in.services, API_STR),
        API_FIELD_AS("cnam_lookup", list_in_t, in.cnam_lookup, API_STR),
        API_FIELD_AS("renewal_date", list_in_t, in.renewal[RENEW_EQ], API_STR),
        API_FIELD_AS("renewal_date__gt", list_in_t, in.renewal[RENEW_GT], API_STR),
        API_FIELD_AS("renewal_date__gte", list_in_t, in.renewal[RENEW_GTE], API_STR),
        API_FIELD_AS("renewal_date__lt", list_in_t, in.renewal[RENEW_LT], API_STR),
        API_FIELD_AS("renewal_date__lte", list_in_t, in.renewal[RENEW_LTE], API_STR),
        API_FIELD_AS("tendlc_registration_status", list_in_t, in.tendlc_registration_status, API_STR),
        API_FIELD_AS("tendlc_campaign_id", list_in_t, in.tendlc_campaign_id, API_STR),
        API_FIELD_AS("toll_free_sms_verification", list_in_t, in.toll_free_sms_verification, API_STR),
        API_FIELD_AS("toll_free_sms_verification_order_status", list_in_t, in.tf_order_status, API_STR),
        API_PAGING,
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    list_in_t li = {0};
    numlist_in_t *in = &li.in;
    owned_number_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    buf_t key = BUF_INIT;
    db_version_t v;
    cerr_t e;

    if (api_plivo_list_query(req, resp, fields, &li, &who, &q, &in->limit, &in->offset) != C_OK)
        goto done;
    if (li.number_type) {
        if (in->type && nd_strcasecmp(in->type, li.number_type) != 0) {
            api_error(req, resp, 400, "type and number_type disagree: give one of them");
            goto done;
        }
        in->type = li.number_type;
    }
    in->brief = true;   /* api_render_account_number shows only those fields */
    /* asked again with nothing committed since: the same answer (anscache.c) */
    api_cache_key(&key, "Number", NULL, &who, q);
    if (api_cache_answer(ctx, API_CACHE_PAGE, resp, &key, &v)) goto done;
    /* not zeroed: the store's reader sets every field of each row it
     * fills, and only those n are read (3.3 KB a row: a page of 20 was
     * 67 KB zeroed twice a request) */
    rows = xmalloc((size_t)in->limit * sizeof *rows);
    if (num_list(&ctx->core, &who, in, rows, &n, &total, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }

    jw_t w;
    api_plivo_list_begin(resp, &w, who.auth_id, "Number", q, in->limit, in->offset, total);
    for (size_t i = 0; i < n; i++) {
        jw_obj(&w);
        api_render_account_number(&w, who.auth_id, &rows[i]);
        jw_obj_end(&w);
    }
    api_plivo_list_end(&w);
    api_cache_keep(ctx, API_CACHE_PAGE, resp, &key, &v);
done:
    buf_free(&key);
    free(rows);
    json_decref(q);
}

void h_number_get(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    owned_number_t *n = NULL;
    const char *number = http_param(req, "number");
    buf_t key = BUF_INIT;
    db_version_t v;
    cerr_t e;

    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    /* asked again with nothing committed since: the same answer (anscache.c;
     * the object is the database's alone) */
    api_cache_key(&key, "Number", number, &who, q);
    if (api_cache_answer(ctx, API_CACHE_OBJECT, resp, &key, &v)) goto done;
    n = xmalloc(sizeof *n);
    if (num_get(&ctx->core, &who, number, n, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_obj_begin(resp, &w, 200);
    api_render_account_number(&w, who.auth_id, n);
    jw_obj_end(&w);
    api_cache_keep(ctx, API_CACHE_OBJECT, resp, &key, &v);
done:
    buf_free(&key);
    free(n);
    json_decref(q);
}

/* What POST Number/{number}/ reads: the core's fields, and
 * compliance_application_id, the name the Plivo SDK gives the compliance
 * link (its name at purchase): another name of compliance_id. */
typedef struct {
    numupd_in_t in;
    const char *compliance_application_id;
    const char *number;          /* the path's number repeated (Python) */
} update_in_t;

void h_number_update(http_req_t *req, http_resp_t *resp)
{
    /* null clears a field like "" does */
    static const api_field_t fields[] = {
        API_FIELD_AS("app_id", update_in_t, in.app_id, API_STR_CLEAR),
        API_FIELD_AS("subaccount", update_in_t, in.subaccount, API_STR_CLEAR),
        API_FIELD_AS("alias", update_in_t, in.alias, API_STR_CLEAR),
        API_FIELD_AS("compliance_id", update_in_t, in.compliance_id, API_STR_CLEAR),
        API_FIELD_AS("cnam_lookup", update_in_t, in.cnam_lookup, API_STR_CLEAR),
        API_FIELD_AS("cnam", update_in_t, in.cnam, API_STR_CLEAR),
        API_FIELD_AS("cnam_callback_url", update_in_t, in.cnam_callback_url, API_STR_CLEAR),
        API_FIELD_AS("cnam_callback_method", update_in_t, in.cnam_callback_method, API_STR_CLEAR),
        API_FIELD_AS("caller_reputation", update_in_t, in.caller_reputation, API_STR_CLEAR),
        API_FIELD_AS("profile_uuid", update_in_t, in.profile_uuid, API_STR_CLEAR),
        API_FIELD_AS("caller_reputation_callback_url", update_in_t, in.cr_callback_url, API_STR_CLEAR),
        API_FIELD_AS("caller_reputation_callback_method", update_in_t, in.cr_callback_method,
                     API_STR_CLEAR),
        API_FIELD(update_in_t, compliance_application_id, API_STR_CLEAR),
        API_FIELD(update_in_t, number, API_STR),
        API_NOOP("verification_info"),
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    update_in_t ui = {0};
    cerr_t e;

    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, fields, &ui, &b) != C_OK) goto done;
    if (api_same_id(req, resp, "number", ui.number, http_param(req, "number"), true) != C_OK) goto done;
    if (ui.compliance_application_id) {
        if (ui.in.compliance_id && strcmp(ui.in.compliance_id, ui.compliance_application_id) != 0) {
            api_error(req, resp, 400, "compliance_id and compliance_application_id disagree: give one of them");
            goto done;
        }
        ui.in.compliance_id = ui.compliance_application_id;
    }
    if (num_update(&ctx->core, &who, http_param(req, "number"), &ui.in, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    api_plivo_changed(resp);
done:
    json_decref(b);
}

void h_number_unrent(http_req_t *req, http_resp_t *resp)
{
    api_delete(req, resp, "number", num_unrent);
}

/* The numbers to add: a comma-separated string ("a, b,c") or a JSON list
 * of strings.  At most NUMADD_MAX + 1 are kept, so that a list that is too
 * long is still reported as too long. */
typedef struct {
    const char *list[NUMADD_MAX + 1];
    size_t n;
    char *copy;                  /* the split string's storage: the handler frees it */
} numbers_t;

typedef struct {
    numadd_in_t in;
    numbers_t numbers;
} add_in_t;

/* Splits s into trimmed pieces (pointers into a copy). */
static void split_numbers(const char *s, numbers_t *out)
{
    char *p = out->copy = xstrdup(s);
    for (;;) {
        char *end = strchr(p, ',');
        if (end) *end = '\0';
        while (*p == ' ' || *p == '\t') p++;
        size_t len = strlen(p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t')) p[--len] = '\0';
        if (out->n <= NUMADD_MAX) out->list[out->n] = p;
        out->n++;
        if (!end) break;
        p = end + 1;
    }
}

static int read_numbers(http_req_t *req, http_resp_t *resp, json_t *obj, const char *name,
                        void *dst)
{
    numbers_t *out = dst;
    json_t *v = json_object_get(obj, name);
    const char *s;
    if (json_is_array(v)) {
        /* a JSON list is the same thing as the comma-separated string */
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) {
            if (!json_is_string(x)) {
                api_error(req, resp, 400, "invalid numbers: want a comma-separated string or a list of strings");
                return C_ERR;
            }
            if (i <= NUMADD_MAX) out->list[i] = json_string_value(x);
        }
        out->n = json_array_size(v);
        return C_OK;
    }
    if (api_str(req, resp, obj, name, &s) != C_OK) return C_ERR;
    if (s && s[0]) split_numbers(s, out);
    return C_OK;
}

void h_number_add(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD_READ("numbers", add_in_t, numbers, read_numbers),
        API_FIELD_AS("carrier", add_in_t, in.carrier, API_STR),
        API_FIELD_AS("region", add_in_t, in.region, API_STR),
        API_FIELD_AS("number_type", add_in_t, in.number_type, API_STR),
        API_FIELD_AS("app_id", add_in_t, in.app_id, API_STR),
        API_FIELD_AS("subaccount", add_in_t, in.subaccount, API_STR),
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    add_in_t *ai = xcalloc(1, sizeof *ai);
    numadd_in_t *in = &ai->in;
    numadd_fault_t *faults = NULL;
    size_t nfaults = 0;
    cerr_t e;

    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, fields, ai, &b) != C_OK) goto done;
    in->numbers = ai->numbers.list;
    in->n = ai->numbers.n;
    static const char *const required[] = {"numbers", "carrier", "region"};
    const char *given[] = {in->n ? "x" : NULL, in->carrier, in->region};
    for (size_t i = 0; i < ND_ARRAY_LEN(required); i++) {
        if (!given[i] || !given[i][0]) {
            char msg[64];
            snprintf(msg, sizeof msg, "missing required parameter: %s", required[i]);
            api_error(req, resp, 400, msg);
            goto done;
        }
    }
    faults = xcalloc(in->n < NUMADD_MAX ? in->n : NUMADD_MAX, sizeof *faults);
    if (num_add(&ctx->core, &who, in, faults, &nfaults, NULL, &e) != C_OK) {
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
    free(ai->numbers.copy);
    free(ai);
    json_decref(b);
}
