/* byoc_number.c -- /v1/phone-numbers (API.md §3.2): the numbers of an
 * account in the BYOC dialect.  The same numbers as the Plivo dialect's
 * Number/ (one table), shown with '+' and their BYOC ids. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "core/numadd.h"
#include "core/owned.h"

static const char *source_name(num_source_t s)
{
    switch (s) {
    case SRC_BYOC: return "byoc";
    case SRC_MANUAL: return "manual";
    default: return "inventory";
    }
}

static void render_number(jw_t *w, const char *account, const owned_number_t *n)
{
    char plus[E164_BUFSZ + 1], ts[CLOCK_TS_SZ];
    snprintf(plus, sizeof plus, "+%s", n->inv.number);
    jw_kstr(w, "id", n->byoc_id);
    jw_kstr(w, "number", plus);
    jw_kstr_or_null(w, "voip_carrier_sid", n->carrier_sid);
    jw_kstr_or_null(w, "carrier_name", n->source == SRC_BYOC ? n->inv.carrier : "");
    jw_kstr(w, "source", source_name(n->source));
    jw_kstr(w, "phone_number_sid", n->byoc_id);
    jw_kstr(w, "status", n->state == NUM_PENDING ? "pending" : "active");
    jw_kstr_or_null(w, "label", n->label);
    jw_kstr(w, "account_id", account);
    jw_kstr_or_null(w, "sub_account", n->sub_auth_id);
    jw_kstr(w, "country_iso", n->inv.country_iso);
    jw_kstr(w, "number_type", n->inv.sub_type);
    clock_ts(n->created_at, ts);
    jw_kstr(w, "created_at", ts);
}

static void render_body(buf_t *body, const char *account, const owned_number_t *n)
{
    jw_t w;
    buf_reset(body);
    jw_init(&w, body);
    jw_obj(&w);
    render_number(&w, account, n);
    jw_obj_end(&w);
}

typedef struct {
    const account_t *who;
    const char *number;          /* the one number of the request */
    numadd_in_t in;
    numadd_fault_t fault;
    size_t nfaults;
} create_ctx_t;

/* Runs inside the idempotency transaction: a retry gets these bytes. */
static int create_action(core_t *c, void *ud, idem_answer_t *ans, cerr_t *e)
{
    create_ctx_t *cc = ud;
    owned_number_t *n = xmalloc(sizeof *n);
    int rc = num_add(c, cc->who, &cc->in, &cc->fault, &cc->nfaults, n, e);
    if (rc == C_OK) {
        render_body(ans->body, cc->who->auth_id, n);
        ans->code = 201;
        ans->replayable = true;
    }
    free(n);
    return rc;
}

/* BYOC bodies are typed JSON (API.md §3): each fault names its member in
 * errors[], as the carriers' do (byoc_carrier.c); the detail stays the
 * one-line message it was.  Before, a wrong carrier or label, a missing
 * number or an unknown member came without errors[], and an integer label
 * was taken as its text (the Plivo dialect's convention for form bodies). */
static const char *const k_add_members[] = {"number", "voip_carrier_sid", "label"};

/* A string member: NULL when absent or null (a fault when required). */
static const char *add_str(json_t *b, const char *key, bool required, char *detail, size_t dsz,
                           faults_t *f)
{
    json_t *v = json_object_get(b, key);
    if (!v || json_is_null(v) || (required && json_is_string(v) && !json_string_value(v)[0])) {
        if (required) {
            if (!f->n) snprintf(detail, dsz, "missing required field: %s", key);
            fault_add(f, key, "required");
        }
        return NULL;
    }
    if (!json_is_string(v)) {
        if (!f->n) snprintf(detail, dsz, "invalid %s: want a string", key);
        fault_add(f, key, "must be a string");
        return NULL;
    }
    return json_string_value(v);
}

static void read_add(json_t *b, create_ctx_t *cc, char *detail, size_t dsz, faults_t *f)
{
    const char *key;
    json_t *v;
    json_object_foreach(b, key, v) {
        bool known = false;
        for (size_t i = 0; i < ND_ARRAY_LEN(k_add_members); i++) known |= strcmp(key, k_add_members[i]) == 0;
        if (!known) {
            if (!f->n) snprintf(detail, dsz, "unknown parameter: %.64s", key);
            fault_add(f, key, "unknown field");
        }
    }
    cc->number = add_str(b, "number", true, detail, dsz, f);
    cc->in.carrier = add_str(b, "voip_carrier_sid", false, detail, dsz, f);
    cc->in.label = add_str(b, "label", false, detail, dsz, f);
}

/* The core's refusal of one member, at its BYOC path: its messages name
 * the Plivo parameter ("invalid carrier: ..."). */
static bool core_fault(const cerr_t *e, faults_t *f)
{
    static const struct {
        const char *prefix, *path;
    } k_map[] = {{"invalid carrier: ", "voip_carrier_sid"}, {"invalid label: ", "label"}};
    for (size_t i = 0; i < ND_ARRAY_LEN(k_map); i++) {
        size_t n = strlen(k_map[i].prefix);
        if (strncmp(e->msg, k_map[i].prefix, n) == 0) {
            fault_add(f, k_map[i].path, "%s", e->msg + n);
            return true;
        }
    }
    return false;
}

void h_byoc_number_create(http_req_t *req, http_resp_t *resp)
{
    account_t who;
    json_t *b = NULL;
    const char *key;
    create_ctx_t cc;
    cerr_t e;
    faults_t f = {.n = 0};
    char detail[160] = "";
    memset(&cc, 0, sizeof cc);
    if (api_auth_byoc(req, resp, SCOPE_WRITE, &who) != C_OK) goto done;
    if (api_body(req, resp, NULL, &cc, &b) != C_OK) goto done;
    read_add(b, &cc, detail, sizeof detail, &f);
    if (f.n) {
        if (f.n > 1) snprintf(detail, sizeof detail, "the phone number has %zu problems: see errors", f.n);
        api_problem(req, resp, 400, detail, &f);
        goto done;
    }
    if (api_idem_key(req, resp, &key) != C_OK) goto done;
    if (cc.in.carrier && !cc.in.carrier[0]) cc.in.carrier = NULL; /* "": no carrier */
    cc.who = &who;
    cc.in.numbers = &cc.number;
    cc.in.n = 1;

    bool replayed;
    if (api_idem_run(req, resp, &who, key, "POST phone-numbers", "", b, create_action, &cc,
                     &replayed, &e) != C_OK) {
        if (e.code == CE_INVALID && cc.nfaults) {
            char msg[128];
            snprintf(msg, sizeof msg, "%s: %s", cc.fault.number, cc.fault.why);
            fault_add(&f, "number", "%s", cc.fault.why);
            api_problem(req, resp, 400, msg, &f);
        } else if (e.code == CE_INVALID && core_fault(&e, &f)) {
            api_problem(req, resp, 400, e.msg, &f);
        } else {
            api_core_error(req, resp, &e);
        }
    }
done:
    json_decref(b);
}

void h_byoc_number_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD_AS("voip_carrier_sid", numlist_in_t, carrier, API_STR),
        API_FIELD(numlist_in_t, status, API_STR),
        API_FIELD(numlist_in_t, source, API_STR),
        API_PAGING,
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    numlist_in_t in = {0};
    owned_number_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;
    if (api_auth_byoc(req, resp, SCOPE_READ, &who) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    if (api_paging(req, resp, q, API_BYOC_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &in.limit, &in.offset) != C_OK)
        goto done;
    rows = xcalloc((size_t)in.limit, sizeof *rows);
    if (num_list(&ctx->core, &who, &in, rows, &n, &total, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_byoc_list_begin(resp, &w);
    for (size_t i = 0; i < n; i++) {
        jw_obj(&w);
        render_number(&w, who.auth_id, &rows[i]);
        jw_obj_end(&w);
    }
    api_byoc_list_end(&w, total, in.limit, in.offset);
done:
    free(rows);
    json_decref(q);
}

void h_byoc_number_get(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    owned_number_t *n = xmalloc(sizeof *n);
    char number[E164_BUFSZ];
    cerr_t e;
    if (api_auth_byoc(req, resp, SCOPE_READ, &who) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    if (num_resolve_ref(&ctx->core, &who, http_param(req, "id"), number, &e) != C_OK ||
        num_get(&ctx->core, &who, number, n, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    resp->status = 200;
    render_body(&resp->body, who.auth_id, n);
done:
    free(n);
    json_decref(q);
}

void h_byoc_number_delete(http_req_t *req, http_resp_t *resp)
{
    api_delete(req, resp, "id", num_unrent_ref);
}
