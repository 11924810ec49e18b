/* byoc_carrier.c -- /v1/phone-numbers/carriers (API.md §3.1, seed 002): the
 * BYOC dialect's view of a carrier.  Every fault of a request is reported
 * at once, each with its JSON path: wrong JSON types here, the rules in the
 * core, one RFC 7807 answer. */
#include "api/api.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/carriers.h"
#include "core/registrations.h"
#include "util/clock.h"

/* One member of a BYOC carrier object: its name, how it is read, where it
 * goes (an offset in carrier_byoc_in_t) and, for an object, its members.
 * Strings are NULL when absent; numbers, booleans and objects -1. */
typedef enum {
    M_STR,        /* a string; null is a fault */
    M_STR_CLEAR,  /* a string; null gives "" (clears it on update) */
    M_INT,        /* an integer from lo to hi */
    M_BOOL,       /* true/false or "true"/"false" */
    M_OBJ,        /* an object: 1 when given; its members are read */
    M_OBJ_NULL,   /* the same, and null (0) removes it */
} mkind_t;

typedef struct member {
    const char *name;
    mkind_t kind;
    size_t off;
    int lo, hi;
    const struct member *sub;
    int said_hi; /* the hi a fault names, when not hi (0: hi) */
} member_t;

#define M(name, kind, field) {name, kind, offsetof(carrier_byoc_in_t, field), 0, 0, NULL, 0}
#define M_RANGE(name, field, lo, hi) {name, M_INT, offsetof(carrier_byoc_in_t, field), lo, hi, NULL, 0}
#define M_OBJECT(name, kind, flag, sub) {name, kind, offsetof(carrier_byoc_in_t, flag), 0, 0, sub, 0}
#define M_END {NULL, M_STR, 0, 0, 0, NULL, 0}

static const member_t k_gw[] = {
    M("ipv4", M_STR, gw.address),
    M_RANGE("port", gw.port, 1, 65535),
    /* 1-32, as API.md says; up to 128 is read for the one IPv6 address the
     * dialect takes back (core/carriers.c set_gateway_address), and the
     * core refuses past 32 for any other, with this same fault */
    {"netmask", M_INT, offsetof(carrier_byoc_in_t, gw.netmask), 1, 128, NULL, 32},
    M("inbound", M_BOOL, gw.inbound),
    M("outbound", M_BOOL, gw.outbound),
    M("transport", M_STR, gw.transport),
    M_END,
};
static const member_t k_auth[] = {
    M("username", M_STR, in_user),
    M("password", M_STR, in_pass),
    M_END,
};
static const member_t k_reg[] = {
    M("username", M_STR, reg_user),
    M("password", M_STR, reg_pass),
    M("sip_realm", M_STR, reg_realm),
    M("from_user", M_STR_CLEAR, reg_from_user),   /* optional: null clears it */
    M("from_domain", M_STR_CLEAR, reg_from_domain),
    M_RANGE("expires", reg_expires, 60, 86400),
    M_END,
};
static const member_t k_top[] = {
    M("carrier_name", M_STR, name),
    M("trunk_type", M_STR, trunk),
    M_OBJECT("sip_gateway", M_OBJ, gw_given, k_gw),
    M_OBJECT("inbound_auth", M_OBJ_NULL, in_auth, k_auth),
    M_OBJECT("registration", M_OBJ_NULL, reg, k_reg),
    M_END,
};

/* ---- reading: JSON types, with a fault per wrong member ---------------- */

static void path_of(char *out, size_t sz, const char *obj, const char *key)
{
    if (obj) snprintf(out, sz, "%s.%s", obj, key);
    else snprintf(out, sz, "%s", key);
}

static void unknown_members(json_t *o, const member_t *known, const char *obj, faults_t *f)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        const member_t *m = known;
        while (m->name && strcmp(m->name, key) != 0) m++;
        if (!m->name) {
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

/* An integer member: -1 when absent; lo..hi else a fault (naming said_hi
 * as the top when it is not 0). */
static int get_int(json_t *o, const char *key, const char *obj, int lo, int hi, int said_hi, faults_t *f)
{
    json_t *v = json_object_get(o, key);
    char p[64];
    if (!v) return -1;
    path_of(p, sizeof p, obj, key);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        fault_add(f, p, "must be an integer from %d to %d", lo, said_hi ? said_hi : hi);
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
static int get_obj(json_t *b, const char *key, const char *obj, bool null_ok, json_t **out,
                   faults_t *f)
{
    json_t *v = json_object_get(b, key);
    char p[64];
    *out = NULL;
    if (!v) return -1;
    if (json_is_null(v) && null_ok) return 0;
    if (!json_is_object(v)) {
        path_of(p, sizeof p, obj, key);
        fault_add(f, p, json_is_null(v) ? "must not be null" : "must be an object");
        return -1;
    }
    *out = v;
    return 1;
}

/* Every member of the table "not given", objects' members included. */
static void not_given(const member_t *m, carrier_byoc_in_t *in)
{
    for (; m->name; m++) {
        void *dst = (char *)in + m->off;
        if (m->kind == M_STR || m->kind == M_STR_CLEAR) *(const char **)dst = NULL;
        else *(int *)dst = -1;
        if (m->sub) not_given(m->sub, in);
    }
}

/* Reads the members of o (the object named obj; NULL: the body) into in,
 * in table order, after naming its unknown members. */
static void read_obj(json_t *o, const member_t *m, const char *obj, carrier_byoc_in_t *in,
                     faults_t *f)
{
    unknown_members(o, m, obj, f);
    for (; m->name; m++) {
        void *dst = (char *)in + m->off;
        json_t *sub;
        switch (m->kind) {
        case M_STR: *(const char **)dst = get_str(o, m->name, obj, false, f); break;
        case M_STR_CLEAR:
            *(const char **)dst = json_is_null(json_object_get(o, m->name))
                                      ? "" : get_str(o, m->name, obj, true, f);
            break;
        case M_INT: *(int *)dst = get_int(o, m->name, obj, m->lo, m->hi, m->said_hi, f); break;
        case M_BOOL: *(int *)dst = get_bool(o, m->name, obj, f); break;
        case M_OBJ:
        case M_OBJ_NULL:
            *(int *)dst = get_obj(o, m->name, obj, m->kind == M_OBJ_NULL, &sub, f);
            if (sub) read_obj(sub, m->sub, m->name, in, f);
            break;
        }
    }
}

static void read_in(json_t *b, carrier_byoc_in_t *in, faults_t *f)
{
    memset(in, 0, sizeof *in);
    not_given(k_top, in);
    read_obj(b, k_top, NULL, in, f);
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
    /* shown when not the default: the gateway's keys are the seed's (002)
     * for every carrier that does not use TCP */
    if (g->transport == GW_TP_TCP) jw_kstr(w, "transport", "tcp");
    jw_obj_end(w);
}

/* The members of the create answer (seed 002); full adds what get shows. */
/* SIP.md §5: the registration client's stored state (any node's), or, for
 * a reg carrier nobody has tried yet, "unregistered" with nulls; null for
 * other trunks.  s: carrier_sip_of's, read before anything is rendered. */
static void render_reg_status(jw_t *w, const carrier_t *cr, const carrier_sip_t *s)
{
    jw_key(w, "registration_status");
    if (cr->trunk != TRUNK_REG || !s) {
        jw_null(w);
        return;
    }
    const reg_status_t *rs = &s->reg;
    bool found = s->reg_found;
    char ts[CLOCK_TS_SZ];
    jw_obj(w);
    jw_kstr(w, "state", found ? reg_state_name(rs->state) : "unregistered");
    jw_key(w, "last_code");
    if (found && rs->last_code) jw_int(w, rs->last_code);
    else jw_null(w);
    jw_kstr_or_null(w, "reason", found ? rs->reason : "");
#define TS(name, v)                       \
    jw_key(w, name);                      \
    if (found && (v) > 0) {               \
        clock_ts((v), ts);                \
        jw_str(w, ts);                    \
    } else {                              \
        jw_null(w);                       \
    }
    TS("expires_at", rs->expires_at)
    TS("last_attempt_at", rs->last_attempt_at)
    TS("next_attempt_at", rs->next_attempt_at)
#undef TS
    jw_kint(w, "failures", found ? rs->failures : 0);
    jw_obj_end(w);
}

/* s: the carrier's SIP state (full answers only) */
static void render_carrier(jw_t *w, const char *account, const carrier_t *cr, bool full,
                           const carrier_sip_t *s)
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
    render_reg_status(w, cr, s);
    api_render_health(w, cr, s);
}

static void render_body(buf_t *body, const char *account, const carrier_t *cr, bool full,
                        const carrier_sip_t *s)
{
    jw_t w;
    buf_reset(body);
    jw_init(&w, body);
    jw_obj(&w);
    render_carrier(&w, account, cr, full, s);
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
    render_body(ans->body, cc->who->auth_id, &cr, false, NULL);
    ans->code = 201;
    ans->replayable = true;
    carrier_clear(&cr);
    return C_OK;
}

void h_byoc_carrier_create(http_req_t *req, http_resp_t *resp)
{
    account_t who;
    json_t *b = NULL;
    const char *key;
    carrier_byoc_in_t in;
    faults_t *f = xcalloc(1, sizeof *f);
    cerr_t e;
    if (api_auth_byoc(req, resp, SCOPE_WRITE, &who) != C_OK) goto done;
    if (api_body(req, resp, NULL, NULL, &b) != C_OK) goto done;
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
}

void h_byoc_carrier_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_PAGING, API_FIELDS_END};
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    int limit, offset;
    carrier_t *rows = NULL;
    carrier_sip_t *sip = NULL; /* zeroed: cleared whatever happened */
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;
    if (api_auth_byoc(req, resp, SCOPE_READ, &who) != C_OK) goto done;
    if (api_query(req, resp, fields, NULL, &q) != C_OK) goto done;
    if (api_paging(req, resp, q, API_BYOC_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &limit, &offset) != C_OK)
        goto done;
    rows = xcalloc((size_t)limit, sizeof *rows);
    sip = xcalloc((size_t)limit, sizeof *sip);
    if (carrier_list(&ctx->core, &who, NULL, limit, offset, rows, &n, &total, sip, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_byoc_list_begin(resp, &w);
    for (size_t i = 0; i < n; i++) {
        jw_obj(&w);
        render_carrier(&w, who.auth_id, &rows[i], true, &sip[i]);
        jw_obj_end(&w);
    }
    api_byoc_list_end(&w, total, limit, offset);
done:
    if (sip) carrier_sip_clear_rows(sip, n);
    free(sip);
    if (rows) carrier_clear_rows(rows, n);
    free(rows);
    json_decref(q);
}

void h_byoc_carrier_get(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    carrier_t cr;
    carrier_sip_t sip;
    cerr_t e;
    memset(&cr, 0, sizeof cr);
    memset(&sip, 0, sizeof sip);
    if (api_auth_byoc(req, resp, SCOPE_READ, &who) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    if (carrier_get(&ctx->core, &who, http_param(req, "id"), &cr, &sip, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    resp->status = 200;
    render_body(&resp->body, who.auth_id, &cr, true, &sip);
done:
    carrier_sip_clear(&sip);
    carrier_clear(&cr);
    json_decref(q);
}

void h_byoc_carrier_update(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *b = NULL;
    carrier_byoc_in_t in;
    carrier_t cr;
    carrier_sip_t sip;
    faults_t *f = xcalloc(1, sizeof *f);
    cerr_t e;
    memset(&cr, 0, sizeof cr);
    memset(&sip, 0, sizeof sip);
    if (api_auth_byoc(req, resp, SCOPE_WRITE, &who) != C_OK) goto done;
    if (api_body(req, resp, NULL, NULL, &b) != C_OK) goto done;
    read_in(b, &in, f);
    if (carrier_byoc_update(&ctx->core, &who, http_param(req, "id"), &in, f, &cr, &sip, &e) !=
        C_OK) {
        if (e.code == CE_INVALID) api_problem(req, resp, 400, e.msg, f);
        else api_core_error(req, resp, &e);
        goto done;
    }
    resp->status = 200;
    render_body(&resp->body, who.auth_id, &cr, true, &sip);
done:
    carrier_sip_clear(&sip);
    carrier_clear(&cr);
    free(f);
    json_decref(b);
}

void h_byoc_carrier_delete(http_req_t *req, http_resp_t *resp)
{
    api_delete(req, resp, "id", carrier_delete);
}
