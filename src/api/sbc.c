/* sbc.c (api) -- GET /sbc/v1/inbound and /sbc/v1/outbound (SIP.md §2-4):
 * the SBC's token, the parameters, one core call (core/sbc.c holds the
 * rules), the answer.  Verdicts are always 200; HTTP errors are the SBC's
 * own mistakes (400, 401) or numberd's inability to answer correctly (503,
 * never a stale accept).  Never rate limited by account budgets, never
 * counted by failed-authentication throttling: the SBC is one address
 * carrying everyone's calls, and a flood of bad tokens from it is a
 * misconfiguration to alert on, not a client to lock out. */
#include "api/api.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/sbc.h"
#include "util/log.h"

/* lookups answered, by endpoint and verdict (GET /metrics) */
enum { V_ACCEPT, V_CHALLENGE, V_REJECT, V_ROUTE, V_BAD, V_UNAVAILABLE, V__N };
static const char *const k_verdict[V__N] = {"accept", "challenge", "reject", "route",
                                            "bad_request", "unavailable"};
static _Atomic uint64_t g_lookups[2][V__N];

static int auth_sbc(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    const char *tok;
    if (api_parse_bearer(http_header(req, "Authorization"), &tok) == C_OK) {
        uint8_t hash[IDS_HASH_SZ];
        ids_hash_secret(tok, strlen(tok), hash);
        if (ids_hash_equal(hash, ctx->sbc_hash)) return C_OK;
    }
    api_error(req, resp, 401, "authentication failed: want Authorization: Bearer <sbc token>");
    http_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"numberd sbc\"");
    return C_ERR;
}

static void render_carrier(jw_t *w, const char *key, const sbcl_carrier_t *c, bool trunk)
{
    jw_key(w, key);
    jw_obj(w);
    jw_kstr(w, "kind", c->kind);
    jw_kstr(w, "id", c->id);
    jw_kstr(w, "name", c->name);
    if (trunk) jw_kstr(w, "trunk_type", c->trunk);
    jw_obj_end(w);
}

static void render(http_resp_t *resp, const sbcl_answer_t *a)
{
    jw_t w;
    api_json_begin(resp, &w, 200);
    jw_obj(&w);
    switch (a->action) {
    case SBCL_REJECT:
        jw_kstr(&w, "action", "reject");
        jw_kint(&w, "sip_code", a->sip_code);
        jw_kstr(&w, "reason", a->reason);
        break;
    case SBCL_CHALLENGE:
        jw_kstr(&w, "action", "challenge");
        jw_kstr(&w, "realm", a->realm);
        jw_kstr(&w, "username", a->username);
        jw_kstr(&w, "ha1", a->ha1);
        jw_kstr(&w, "ha1_sha256", a->ha1_sha256);
        render_carrier(&w, "carrier", &a->carrier, true);
        jw_kint(&w, "cache_ttl", 0);
        break;
    case SBCL_ACCEPT:
        jw_kstr(&w, "action", "accept");
        jw_key(&w, "account");
        jw_obj(&w);
        jw_kstr(&w, "auth_id", a->auth_id);
        jw_kstr_or_null(&w, "subaccount", a->sub_auth_id);
        jw_obj_end(&w);
        jw_key(&w, "number");
        jw_obj(&w);
        jw_kstr(&w, "number", a->number);
        jw_kstr_or_null(&w, "phone_number_sid", a->number_sid);
        jw_obj_end(&w);
        render_carrier(&w, "carrier", &a->carrier, true);
        jw_key(&w, "gateway");
        jw_obj(&w);
        jw_kstr_or_null(&w, "sip_gateway_sid", a->gw_sid);
        jw_kstr(&w, "address", a->gw_address);
        jw_obj_end(&w);
        jw_key(&w, "application");
        if (a->has_app) {
            jw_obj(&w);
            jw_kstr(&w, "app_id", a->app_id);
            jw_kstr(&w, "answer_url", a->answer_url);
            jw_kstr(&w, "answer_method", a->answer_method);
            jw_key(&w, "sip_uri");
            jw_null(&w);
            jw_obj_end(&w);
        } else {
            jw_null(&w);
        }
        if (a->auth) {
            /* an auth trunk's INVITE with the right username: the SBC still
             * verifies the digest response against this HA1 */
            jw_key(&w, "auth");
            jw_obj(&w);
            jw_kstr(&w, "realm", a->realm);
            jw_kstr(&w, "username", a->username);
            jw_kstr(&w, "ha1", a->ha1);
            jw_kstr(&w, "ha1_sha256", a->ha1_sha256);
            jw_obj_end(&w);
        }
        jw_kint(&w, "cache_ttl", a->cache_ttl);
        break;
    case SBCL_ROUTE:
        jw_kstr(&w, "action", "route");
        jw_key(&w, "routes");
        jw_arr(&w);
        for (size_t i = 0; i < a->nroutes; i++) {
            const sbcl_route_t *r = &a->routes[i];
            jw_obj(&w);
            jw_kstr(&w, "uri", r->uri);
            render_carrier(&w, "carrier", &r->carrier, false);
            jw_key(&w, "gateway");
            jw_obj(&w);
            jw_kstr_or_null(&w, "sip_gateway_sid", r->gw_sid);
            jw_obj_end(&w);
            if (r->auth) {
                jw_key(&w, "auth");
                jw_obj(&w);
                jw_kstr(&w, "username", r->auth_user);
                jw_kstr(&w, "realm", r->auth_realm);
                jw_kstr(&w, "ha1", r->ha1);
                jw_obj_end(&w);
            }
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
        jw_kint(&w, "cache_ttl", 0);
        break;
    }
    jw_obj_end(&w);
    http_resp_header(resp, "Cache-Control", "no-store");
}

static int verdict_of(const sbcl_answer_t *a)
{
    switch (a->action) {
    case SBCL_ACCEPT: return V_ACCEPT;
    case SBCL_CHALLENGE: return V_CHALLENGE;
    case SBCL_ROUTE: return V_ROUTE;
    default: return V_REJECT;
    }
}

/* The lookup's own fields of its log line (SIP.md §3: `from` and
 * `call_id` are "echoed in logs"): the verdict, and what the SBC sent to
 * trace the call by -- never the answer's HA1s or URLs.  Each value cut to
 * 128 bytes (the note's room); only when the line is written at all.  Not
 * in the event log: a lookup changes nothing, and a call's every lookup
 * there would be the log's bulk. */
static void note_lookup(http_req_t *req, const sbcl_answer_t *a, const char *to, const char *from,
                        const char *call_id)
{
    if (!log_enabled(LOG_INFO)) return;
    buf_t b = BUF_INIT;
    if (a) {
        buf_printf(&b, ",\"verdict\":\"%s\"", k_verdict[verdict_of(a)]);
        if (a->action == SBCL_REJECT) {
            buf_printf(&b, ",\"sip_code\":%d,\"reason\":", a->sip_code);
            buf_json_str(&b, a->reason, strlen(a->reason));
        }
    }
    /* each field whole or not at all: escaped, a value may grow six-fold
     * (a caller's quotes in from), and the verdict must not be the one
     * left out */
    size_t fits = b.len < sizeof req->note ? b.len : 0;
    const char *const key[] = {"to", "from", "call_id"};
    const char *const val[] = {to, from, call_id};
    for (int i = 0; i < 3; i++) {
        if (!val[i]) continue;
        buf_printf(&b, ",\"%s\":", key[i]);
        buf_json_str(&b, val[i], strnlen(val[i], 128));
        if (b.len < sizeof req->note) fits = b.len;
        else b.len = fits;
    }
    if (fits) {
        memcpy(req->note, b.data, fits);
        req->note[fits] = '\0';
    }
    buf_free(&b);
}

/* One lookup: ep 0 inbound, 1 outbound. */
static void lookup(http_req_t *req, http_resp_t *resp, int ep, json_t *q, const void *in)
{
    api_ctx_t *ctx = req->app;
    sbcl_answer_t *a = xmalloc(sizeof *a);
    cerr_t e;
    int rc = ep == 0 ? sbcl_inbound(&ctx->core, ctx->sbc, in, ctx->sbc_cache_ttl, a, &e)
                     : sbcl_outbound(&ctx->core, ctx->sbc, in, a, &e);
    const sbcl_in_t *ii = ep == 0 ? in : NULL;
    const sbcl_out_t *oo = ep == 1 ? in : NULL;
    note_lookup(req, rc == C_OK ? a : NULL, ii ? ii->to : oo->to, ii ? ii->from : oo->from,
                ii ? ii->call_id : NULL);
    (void)q;
    if (rc == C_OK) {
        render(resp, a);
        g_lookups[ep][verdict_of(a)]++;
    } else if (e.code == CE_INVALID) {
        api_error(req, resp, 400, e.msg);
        g_lookups[ep][V_BAD]++;
    } else {
        /* numberd cannot answer correctly: the SBC fails the call closed */
        api_error(req, resp, 503, e.code == CE_INTERNAL ? e.msg : "cannot answer now");
        http_resp_header(resp, "Retry-After", "1");
        g_lookups[ep][V_UNAVAILABLE]++;
    }
    sbcl_answer_wipe(a);
    free(a);
}

void h_sbc_inbound(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD(sbcl_in_t, src_ip, API_STR), API_FIELD(sbcl_in_t, src_port, API_STR),
        API_FIELD(sbcl_in_t, transport, API_STR), API_FIELD(sbcl_in_t, to, API_STR),
        API_FIELD(sbcl_in_t, from, API_STR), API_FIELD(sbcl_in_t, realm, API_STR),
        API_FIELD(sbcl_in_t, auth_user, API_STR), API_FIELD(sbcl_in_t, call_id, API_STR),
        API_FIELDS_END};
    json_t *q = NULL;
    sbcl_in_t in = {0};
    if (auth_sbc(req, resp) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) {
        g_lookups[0][V_BAD]++;
        goto done;
    }
    lookup(req, resp, 0, q, &in);
done:
    json_decref(q);
}

void h_sbc_outbound(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD(sbcl_out_t, account, API_STR), API_FIELD(sbcl_out_t, to, API_STR),
        API_FIELD(sbcl_out_t, from, API_STR), API_FIELD(sbcl_out_t, carrier, API_STR),
        API_FIELDS_END};
    json_t *q = NULL;
    sbcl_out_t in = {0};
    if (auth_sbc(req, resp) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) {
        g_lookups[1][V_BAD]++;
        goto done;
    }
    lookup(req, resp, 1, q, &in);
done:
    json_decref(q);
}

void api_sbc_metrics(api_ctx_t *ctx, buf_t *out)
{
    if (!ctx->sbc_enabled || !ctx->sbc) return;
    buf_printf(out, "# HELP numberd_sbc_lookups_total SBC lookups answered, by endpoint and verdict.\n"
                    "# TYPE numberd_sbc_lookups_total counter\n");
    for (int ep = 0; ep < 2; ep++)
        for (int v = 0; v < V__N; v++)
            buf_printf(out, "numberd_sbc_lookups_total{endpoint=\"%s\",verdict=\"%s\"} %llu\n",
                       ep ? "outbound" : "inbound", k_verdict[v], (unsigned long long)g_lookups[ep][v]);
    sbc_stats_t st;
    sbc_index_t *idx = sbcfeed_index(ctx->sbc);
    sbc_index_stats(idx, &st);
    sbcfeed_stats_t fs;
    sbcfeed_stats(ctx->sbc, &fs);
    buf_printf(out,
               "# HELP numberd_sbc_index_current 1 when the SBC index is exactly current (else lookups answer 503).\n"
               "# TYPE numberd_sbc_index_current gauge\n"
               "numberd_sbc_index_current %d\n"
               "# HELP numberd_sbc_index_entries What the SBC index holds.\n"
               "# TYPE numberd_sbc_index_entries gauge\n"
               "numberd_sbc_index_entries{kind=\"numbers\"} %zu\n"
               "numberd_sbc_index_entries{kind=\"carriers\"} %zu\n"
               "numberd_sbc_index_entries{kind=\"prefixes\"} %zu\n"
               "numberd_sbc_index_entries{kind=\"accounts\"} %zu\n"
               "numberd_sbc_index_entries{kind=\"apps\"} %zu\n"
               "numberd_sbc_index_entries{kind=\"outbound_gateways\"} %zu\n"
               "# HELP numberd_sbc_outbound_gateways_down Outbound gateways left out of routes: probed and down (SIP.md 6), as this node's index holds them.\n"
               "# TYPE numberd_sbc_outbound_gateways_down gauge\n"
               "numberd_sbc_outbound_gateways_down %zu\n"
               "# HELP numberd_sbc_index_bytes Memory the SBC index allocated.\n"
               "# TYPE numberd_sbc_index_bytes gauge\n"
               "numberd_sbc_index_bytes %zu\n"
               "# HELP numberd_sbc_index_reloads_total Full loads of the SBC index.\n"
               "# TYPE numberd_sbc_index_reloads_total counter\n"
               "numberd_sbc_index_reloads_total %llu\n"
               "# HELP numberd_sbc_index_last_reload_seconds Duration of the last full load.\n"
               "# TYPE numberd_sbc_index_last_reload_seconds gauge\n"
               "numberd_sbc_index_last_reload_seconds %.3f\n"
               "# HELP numberd_sbc_changes_applied_total Change-log rows applied to the SBC index.\n"
               "# TYPE numberd_sbc_changes_applied_total counter\n"
               "numberd_sbc_changes_applied_total %llu\n"
               "# HELP numberd_sbc_change_mark The last change-log seq applied.\n"
               "# TYPE numberd_sbc_change_mark gauge\n"
               "numberd_sbc_change_mark %lld\n",
               sbc_index_current(idx) ? 1 : 0, st.numbers, st.carriers, st.prefixes, st.accounts,
               st.apps, st.gateways_out, st.gateways_down, st.bytes_total, (unsigned long long)fs.reloads, fs.last_reload_seconds,
               (unsigned long long)fs.changes, (long long)fs.mark);
}
