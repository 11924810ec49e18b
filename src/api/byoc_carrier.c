/* byoc_carrier.c -- /v1/phone-numbers/carriers (API.md §3.1, seed 002): the
 * BYOC dialect's view of a carrier.  Every fault of a request is reported
 * at once, each with its JSON path: wrong JSON types here, the rules in the
 * core, one RFC 7807 answer. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/carriers.h"
#include "core/clock.h"

static const char *const k_top[] = {"carrier_name", "trunk_type", "sip_gateway", "inbound_auth",
                                    "registration", NULL};
static const char *const k_gw[] = {"ipv4", "port", "netmask", "inbound", "outbound", NULL};
static const char *const k_auth[] = {"username", "password", NULL};
static const char *const k_reg[] = {"username", "password", "sip_realm", "from_user",
                                    "from_domain", "expires", NULL};

/* ---- reading: JSON types, with a fault per wrong member ---------------- */

static void path_of(char *out, size_t sz, const char *obj, const char *key)
{
    if (obj) snprintf(out, sz, "%s.%s", obj, key);
    else snprintf(out, sz, "%s", key);
}

static void unknown_members(json_t *o, const char *const *known, const char *obj, faults_t *f)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        const char *const *k = known;
        while (*k && strcmp(*k, key) != 0) k++;
        if (!*k) {
            char p[64];
            path_of(p, sizeof p, obj, key);
            fault_add(f, p, "unknown field");
        }
    }
}

/* A string member: NULL when absent (and when null, if null_ok). */
static const char *get_str(json_t *o, const char *key, const char *obj, bool null_ok, faults_t *f)
{
    json_t *v = json_object_get(o, key);
    char p[64];
    if (!v || (null_ok && json_is_null(v))) return NULL;
    if (json_is_string(v)) return json_string_value(v);
    path_of(p, sizeof p, obj, key);
    fault_add(f, p, json_is_null(v) ? "must not be null" : "must be a string");
    return NULL;
}

/* An integer member: -1 when absent; lo..hi else a fault. */
static int get_int(json_t *o, const char *key, const char *obj, int lo, int hi, faults_t *f)
{
    json_t *v = json_object_get(o, key);
    char p[64];
    if (!v) return -1;
    path_of(p, sizeof p, obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        fault_add(f, p, "must be an integer from %d to %d", lo, hi);
        return -1;
    }
    return (int)json_integer_value(v);
}

/* A boolean member (true/false or "true"/"false"): -1 when absent. */
static int get_bool(json_t *o, const char *key, const char *obj, faults_t *f)
{
    json_t *v = json_object_get(o, key);
    char p[64];
    if (!v) return -1;
    if (json_is_boolean(v)) return json_is_true(v);
    if (json_is_string(v) && strcmp(json_string_value(v), "true") == 0) return 1;
    if (json_is_string(v) && strcmp(json_string_value(v), "false") == 0) return 0;
    path_of(p, sizeof p, obj, key);
    fault_add(f, p, "must be true or false");
    return -1;
}

/* An object member: -1 absent, 0 null (null_ok), 1 object (in *out). */
static int get_obj(json_t *b, const char *key, bool null_ok, json_t **out, faults_t *f)
{
    json_t *v = json_object_get(b, key);
    *out = NULL;
    if (!v) return -1;
    if (json_is_null(v) && null_ok) return 0;
    if (!json_is_object(v)) {
        fault_add(f, key, json_is_null(v) ? "must not be null" : "must be an object");
        return -1;
    }
    *out = v;
    return 1;
}

static void read_in(json_t *b, carrier_byoc_in_t *in, faults_t *f)
{
    json_t *o;
    memset(in, 0, sizeof *in);
    in->gw_given = in->in_auth = in->reg = in->reg_expires = -1;
    unknown_members(b, k_top, NULL, f);
    in->name = get_str(b, "carrier_name", NULL, false, f);
    in->trunk = get_str(b, "trunk_type", NULL, false, f);
    in->gw.port = in->gw.netmask = in->gw.inbound = in->gw.outbound = -1;
    if (get_obj(b, "sip_gateway", false, &o, f) == 1) {
        in->gw_given = 1;
        unknown_members(o, k_gw, "sip_gateway", f);
        in->gw.address = get_str(o, "ipv4", "sip_gateway", false, f);
        in->gw.port = get_int(o, "port", "sip_gateway", 1, 65535, f);
        in->gw.netmask = get_int(o, "netmask", "sip_gateway", 1, 32, f);
        in->gw.inbound = get_bool(o, "inbound", "sip_gateway", f);
        in->gw.outbound = get_bool(o, "outbound", "sip_gateway", f);
    }
    in->in_auth = get_obj(b, "inbound_auth", true, &o, f);
    if (in->in_auth == 1) {
        unknown_members(o, k_auth, "inbound_auth", f);
        in->in_user = get_str(o, "username", "inbound_auth", false, f);
        in->in_pass = get_str(o, "password", "inbound_auth", false, f);
    }
    in->reg = get_obj(b, "registration", true, &o, f);
    if (in->reg == 1) {
        unknown_members(o, k_reg, "registration", f);
        in->reg_user = get_str(o, "username", "registration", false, f);
        in->reg_pass = get_str(o, "password", "registration", false, f);
        in->reg_realm = get_str(o, "sip_realm", "registration", false, f);
        /* optional: null clears them on update */
        json_t *fu = json_object_get(o, "from_user"), *fd = json_object_get(o, "from_domain");
        in->reg_from_user = json_is_null(fu) ? "" : get_str(o, "from_user", "registration", true, f);
        in->reg_from_domain = json_is_null(fd) ? "" : get_str(o, "from_domain", "registration", true, f);
        in->reg_expires = get_int(o, "expires", "registration", 60, 86400, f);
    }
}

/* ---- rendering ---------------------------------------------------------- */

static const char *trunk_name(trunk_type_t t)
{
    switch (t) {
    case TRUNK_AUTH: return "auth";
    case TRUNK_REG: return "reg";
    default: return "static_ip";
    }
}

static void render_gateway(jw_t *w, const gateway_t *g, bool with_sid)
{
    jw_obj(w);
    if (with_sid) jw_kstr(w, "sip_gateway_sid", g->sid);
    jw_kstr(w, "ipv4", g->address);
    jw_kint(w, "port", g->port);
    jw_kint(w, "netmask", g->netmask);
    jw_kbool(w, "inbound", g->inbound);
    jw_kbool(w, "outbound", g->outbound);
    jw_obj_end(w);
}

/* The members of the create answer (seed 002); full adds what get shows. */
static void render_carrier(jw_t *w, const char *account, const carrier_t *cr, bool full)
{
    char ts[CLOCK_TS_SZ];
    jw_kstr(w, "id", cr->uuid);
    jw_kstr(w, "account_id", account);
    jw_kstr(w, "voip_carrier_sid", cr->voip_sid);
    jw_kstr_or_null(w, "sip_gateway_sid", cr->ngw ? cr->gw[0].sid : "");
    jw_kstr(w, "carrier_name", cr->name);
    jw_kstr(w, "trunk_type", trunk_name(cr->trunk));
    clock_ts(cr->created_at, ts);
    jw_kstr(w, "created_at", ts);
    if (!full) return;
    clock_ts(cr->updated_at, ts);
    jw_kstr(w, "updated_at", ts);
    jw_key(w, "sip_gateway");
    if (cr->ngw) render_gateway(w, &cr->gw[0], false);
    else jw_null(w);
    /* an incoming carrier made in the Plivo dialect may have several */
    jw_key(w, "sip_gateways");
    jw_arr(w);
    for (size_t i = 0; i < cr->ngw; i++) render_gateway(w, &cr->gw[i], true);
    jw_arr_end(w);
    jw_key(w, "inbound_auth");
    if (cr->trunk == TRUNK_AUTH && cr->in_user[0]) {
        jw_obj(w);
        jw_kstr(w, "username", cr->in_user);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_key(w, "registration");
    if (cr->trunk == TRUNK_REG && cr->reg_user[0]) {
        jw_obj(w);
        jw_kstr(w, "username", cr->reg_user);
        jw_kstr(w, "sip_realm", cr->reg_realm);
        jw_kstr_or_null(w, "from_user", cr->reg_from_user);
        jw_kstr_or_null(w, "from_domain", cr->reg_from_domain);
        jw_kint(w, "expires", cr->reg_expires);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    jw_kbool(w, "voice", cr->voice);
    jw_kbool(w, "sms", cr->sms);
    jw_kint(w, "number_count", cr->nnumbers);
}

static void render_body(buf_t *body, const char *account, const carrier_t *cr, bool full)
{
    jw_t w;
    buf_reset(body);
    jw_init(&w, body);
    jw_obj(&w);
    render_carrier(&w, account, cr, full);
    jw_obj_end(&w);
}

/* ---- handlers ------------------------------------------------------------ */

typedef struct {
    const account_t *who;
    const carrier_byoc_in_t *in;
    faults_t *f;
} create_ctx_t;

/* Runs inside the idempotency transaction: a retry gets these bytes. */
static int create_action(core_t *c, void *ud, idem_answer_t *ans, cerr_t *e)
{
    create_ctx_t *cc = ud;
    carrier_t cr;
    if (carrier_byoc_create(c, cc->who, cc->in, cc->f, &cr, e) != C_OK) return C_ERR;
    render_body(ans->body, cc->who->auth_id, &cr, false);
    ans->code = 201;
    ans->replayable = true;
    carrier_clear(&cr);
    return C_OK;
}

int h_byoc_carrier_create(http_req_t *req, http_resp_t *resp)
{
    account_t who;
    json_t *b = NULL;
    const char *key;
    carrier_byoc_in_t in;
    faults_t *f = xcalloc(1, sizeof *f);
    cerr_t e;
    if (api_auth_byoc(req, resp, SCOPE_WRITE, &who) != C_OK) goto done;
    if (api_body(req, resp, NULL, &b) != C_OK) goto done;
    if (api_idem_key(req, resp, &key) != C_OK) goto done;
    read_in(b, &in, f);

    create_ctx_t cc = {.who = &who, .in = &in, .f = f};
    bool replayed;
    if (api_idem_run(req, resp, &who, key, "POST carriers", "", b, create_action, &cc, &replayed,
                     &e) != C_OK) {
        if (e.code == CE_INVALID) api_problem(req, resp, 400, e.msg, f);
        else api_core_error(req, resp, &e);
    }
done:
    free(f);
    json_decref(b);
    return C_OK;
}

int h_byoc_carrier_list(http_req_t *req, http_resp_t *resp)
{
    static const char *const known[] = {"limit", "offset", NULL};
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    int limit, offset;
    carrier_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;
    if (api_auth_byoc(req, resp, SCOPE_READ, &who) != C_OK) goto done;
    if (api_query(req, resp, known, &q) != C_OK) goto done;
    if (api_paging(req, resp, q, API_BYOC_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &limit, &offset) != C_OK)
        goto done;
    rows = xcalloc((size_t)limit, sizeof *rows);
    if (carrier_list(&ctx->core, &who, NULL, limit, offset, rows, &n, &total, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_byoc_list_begin(resp, &w);
    for (size_t i = 0; i < n; i++) {
        jw_obj(&w);
        render_carrier(&w, who.auth_id, &rows[i], true);
        jw_obj_end(&w);
    }
    api_byoc_list_end(&w, total, limit, offset);
done:
    if (rows) carrier_clear_rows(rows, n);
    free(rows);
    json_decref(q);
    return C_OK;
}

int h_byoc_carrier_get(http_req_t *req, http_resp_t *resp)
{
    static const char *const known[] = {NULL};
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    carrier_t cr;
    cerr_t e;
    memset(&cr, 0, sizeof cr);
    if (api_auth_byoc(req, resp, SCOPE_READ, &who) != C_OK) goto done;
    if (api_query(req, resp, known, &q) != C_OK) goto done;
    if (carrier_get(&ctx->core, &who, req->params[0], &cr, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    resp->status = 200;
    render_body(&resp->body, who.auth_id, &cr, true);
done:
    carrier_clear(&cr);
    json_decref(q);
    return C_OK;
}

int h_byoc_carrier_update(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    carrier_byoc_in_t in;
    carrier_t cr;
    faults_t *f = xcalloc(1, sizeof *f);
    cerr_t e;
    memset(&cr, 0, sizeof cr);
    if (api_auth_byoc(req, resp, SCOPE_WRITE, &who) != C_OK) goto done;
    if (api_body(req, resp, NULL, &b) != C_OK) goto done;
    read_in(b, &in, f);
    if (carrier_byoc_update(&ctx->core, &who, req->params[0], &in, f, &cr, &e) != C_OK) {
        if (e.code == CE_INVALID) api_problem(req, resp, 400, e.msg, f);
        else api_core_error(req, resp, &e);
        goto done;
    }
    resp->status = 200;
    render_body(&resp->body, who.auth_id, &cr, true);
done:
    carrier_clear(&cr);
    free(f);
    json_decref(b);
    return C_OK;
}

int h_byoc_carrier_delete(http_req_t *req, http_resp_t *resp)
{
    static const char *const known[] = {NULL};
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    cerr_t e;
    if (api_auth_byoc(req, resp, SCOPE_WRITE, &who) != C_OK) goto done;
    if (api_query(req, resp, known, &q) != C_OK) goto done;
    if (carrier_delete(&ctx->core, &who, req->params[0], &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    resp->status = 204;
done:
    json_decref(q);
    return C_OK;
}
