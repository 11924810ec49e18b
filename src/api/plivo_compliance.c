/* plivo_compliance.c -- /v1/Account/{auth_id}/PhoneNumber/Compliance/:
 * Plivo's phone-number compliance reads over numberd's compliance records
 * (so a user sees why a restricted number is pending and what it needs),
 * and the bulk link of numbers to records.  Records are made and approved
 * by the operator (admin API, CLI): creating, changing or deleting them
 * here answers 405 (no route). */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "core/compliance.h"

#define RES "PhoneNumber/Compliance"

/* A record as Plivo's compliance application; linked: its numbers. */
static void render_record(jw_t *w, const compliance_t *cp, const cpl_linked_t *linked, size_t nl)
{
    char ts[CLOCK_TS_SZ];
    jw_obj(w);
    jw_kstr(w, "compliance_id", cp->id);
    jw_knull(w, "alias");
    jw_kstr(w, "status", cpl_status_name(cp));
    jw_kstr(w, "country_iso", cp->country_iso);
    jw_kstr(w, "number_type", cp->number_type);
    jw_kstr(w, "user_type", "business");
    clock_ts(cp->created_at, ts);
    jw_kstr(w, "created_at", ts);
    jw_kstr(w, "updated_at", ts);
    if (linked) {
        jw_key(w, "linked_numbers");
        jw_arr(w);
        for (size_t i = 0; i < nl; i++) {
            jw_obj(w);
            jw_kstr(w, "number", linked[i].number);
            jw_kstr(w, "number_type", linked[i].number_type);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

void h_compliance_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD(cpl_list_in_t, status, API_STR),
        API_FIELD(cpl_list_in_t, country_iso, API_STR),
        API_FIELD(cpl_list_in_t, number_type, API_STR),
        API_FIELD(cpl_list_in_t, user_type, API_STR),
        API_FIELD(cpl_list_in_t, alias, API_STR),
        API_NOOP("expand"),
        API_PAGING,
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    cpl_list_in_t in = {0};
    compliance_t rows[API_PLIVO_MAX_LIMIT];
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;
    if (api_plivo_list_query(req, resp, fields, &in, &who, &q, &in.limit, &in.offset) != C_OK)
        goto done;
    if (cpl_list(&ctx->core, &who, &in, rows, &n, &total, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_list_begin_key(resp, &w, who.auth_id, RES, "compliances", q, in.limit, in.offset, total);
    for (size_t i = 0; i < n; i++) render_record(&w, &rows[i], NULL, 0);
    api_plivo_list_end(&w);
done:
    json_decref(q);
}

typedef struct {
    const char *id;      /* the path's id repeated (Java's Getter) */
} get_in_t;

void h_compliance_get(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD(get_in_t, id, API_STR),
        API_NOOP("expand"),
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    get_in_t in = {0};
    compliance_t cp;
    cpl_linked_t *linked = xcalloc(CPL_MAX_LINKED, sizeof *linked);
    size_t nl = 0;
    int64_t more = 0;
    const char *id = http_param(req, "compliance_id");
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    if (api_same_id(req, resp, "id", in.id, id, false) != C_OK) goto done;
    if (cpl_get(&ctx->core, &who, id, &cp, &e) != C_OK ||
        cpl_linked(&ctx->core, &who, cp.id, linked, &nl, &more, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_obj_begin(resp, &w, 200);
    jw_key(&w, "compliance");
    render_record(&w, &cp, linked, nl);
    jw_obj_end(&w);
done:
    free(linked);
    json_decref(q);
}

typedef struct {
    const char *country_iso, *number_type, *user_type;
} req_in_t;

void h_compliance_requirements(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD(req_in_t, country_iso, API_STR),
        API_FIELD(req_in_t, number_type, API_STR),
        API_FIELD(req_in_t, user_type, API_STR),
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    req_in_t in = {0};
    cpl_req_t *r = xmalloc(sizeof *r);
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    if (cpl_requirements(&ctx->core, in.country_iso, in.number_type, in.user_type, r, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_plivo_obj_begin(resp, &w, 200);
    jw_kstr(&w, "requirement_id", r->requirement_id);
    jw_kstr(&w, "country_iso", r->country_iso);
    jw_kstr(&w, "number_type", r->number_type);
    jw_kstr(&w, "user_type", r->user_type);
    /* one document type per restriction of the inventory: what an
     * operator needs before approving a number that has it */
    jw_key(&w, "document_types");
    jw_arr(&w);
    for (size_t i = 0; i < r->ndocs; i++) {
        jw_obj(&w);
        jw_kstr(&w, "document_type_id", r->docs[i].restriction);
        jw_kstr(&w, "name", r->docs[i].restriction);
        jw_kstr(&w, "description", r->docs[i].text);
        jw_kbool(&w, "proof_required", true);
        jw_key(&w, "required_fields");
        jw_arr(&w);
        jw_arr_end(&w);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
done:
    free(r);
    json_decref(q);
}

/* The numbers to link: [{"number", "compliance_application_id"}], at most
 * LINK_MAX (the body cap would stop more anyway). */
#define LINK_MAX 100
typedef struct {
    json_t *numbers;     /* borrowed from the body */
} link_in_t;

static int read_links(http_req_t *req, http_resp_t *resp, json_t *obj, const char *name, void *dst)
{
    json_t *v = json_object_get(obj, name);
    size_t i;
    json_t *x;
    if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > LINK_MAX) {
        api_error(req, resp, 400, "invalid numbers: want a list of 1-100 {\"number\", \"compliance_application_id\"}");
        return C_ERR;
    }
    json_array_foreach(v, i, x) {
        json_t *n = json_object_get(x, "number"), *c = json_object_get(x, "compliance_application_id");
        if (!json_is_object(x) || json_object_size(x) != 2 || !json_is_string(n) || !json_is_string(c)) {
            char msg[128];
            snprintf(msg, sizeof msg, "invalid numbers[%zu]: want {\"number\", \"compliance_application_id\"} strings", i);
            api_error(req, resp, 400, msg);
            return C_ERR;
        }
    }
    *(json_t **)dst = v;
    return C_OK;
}

void h_compliance_link(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD_READ("numbers", link_in_t, numbers, read_links),
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    link_in_t in = {0};
    buf_t out = BUF_INIT;
    cerr_t e;
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_body(req, resp, fields, &in, &b) != C_OK) goto done;
    if (!in.numbers) {
        api_error(req, resp, 400, "missing required parameter: numbers");
        goto done;
    }
    /* Each number is linked by itself (the Number update rule), and the
     * report says which were; a database fault stops the whole request. */
    jw_t w;
    jw_init(&w, &out);
    jw_arr(&w);
    size_t i, ok = 0;
    json_t *x;
    json_array_foreach(in.numbers, i, x) {
        const char *num = json_string_value(json_object_get(x, "number"));
        const char *cid = json_string_value(json_object_get(x, "compliance_application_id"));
        int rc = cpl_link(&ctx->core, &who, num, cid, &e);
        if (rc != C_OK && (e.code == CE_INTERNAL || e.code == CE_UNAVAILABLE)) {
            api_core_error(req, resp, &e);
            goto done;
        }
        jw_obj(&w);
        jw_kstr(&w, "number", num);
        jw_kstr(&w, "status", rc == C_OK ? "success" : "failed");
        jw_kstr(&w, "remarks", rc == C_OK ? "linked" : e.msg);
        jw_obj_end(&w);
        if (rc == C_OK) ok++;
    }
    jw_arr_end(&w);
    jw_t r;
    api_plivo_obj_begin(resp, &r, 200);
    jw_kint(&r, "total_count", (int64_t)json_array_size(in.numbers));
    jw_kint(&r, "updated_count", (int64_t)ok);
    jw_key(&r, "report");
    jw_raw(&r, out.data, out.len);
    jw_obj_end(&r);
done:
    buf_free(&out);
    json_decref(b);
}
