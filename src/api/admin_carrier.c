/* admin_carrier.c -- /admin/v1/carriers (SIP.md §1): the operator's
 * upstream carriers.  RFC 7807 errors with every fault named at once, as
 * in the BYOC dialect: JSON types here, the rules in core/upstream.c. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/registrations.h"
#include "core/upstream.h"
#include "util/clock.h"

/* ---- reading ------------------------------------------------------------ */

static void unknown(json_t *o, const char *const *known, const char *obj, faults_t *f)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        size_t i = 0;
        while (known[i] && strcmp(known[i], key) != 0) i++;
        if (!known[i]) {
            char p[64];
            if (obj) snprintf(p, sizeof p, "%s.%.40s", obj, key);
            else snprintf(p, sizeof p, "%.60s", key);
            fault_add(f, p, "unknown field");
        }
    }
}

static const char *str_of(json_t *o, const char *key, const char *path, faults_t *f)
{
    json_t *v = json_object_get(o, key);
    if (!v) return NULL;
    if (json_is_string(v)) return json_string_value(v);
    fault_add(f, path, json_is_null(v) ? "must not be null" : "must be a string");
    return NULL;
}

static int int_of(json_t *o, const char *key, const char *path, int lo, int hi, faults_t *f)
{
    json_t *v = json_object_get(o, key);
    if (!v) return -1;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        fault_add(f, path, "must be an integer from %d to %d", lo, hi);
        return -1;
    }
    return (int)json_integer_value(v);
}

static int bool_of(json_t *o, const char *key, const char *path, faults_t *f)
{
    json_t *v = json_object_get(o, key);
    if (!v) return -1;
    if (json_is_boolean(v)) return json_is_true(v);
    fault_add(f, path, "must be true or false");
    return -1;
}

/* The body into in; gws (caller frees) holds the gateways in->gw points at. */
static void read_in(json_t *b, upstream_in_t *in, upstream_gw_in_t **gws, faults_t *f)
{
    static const char *const top[] = {"name", "sip_gateways", "outbound_auth", NULL};
    static const char *const gwk[] = {"address", "port", "inbound", "outbound", "transport", NULL};
    static const char *const auk[] = {"username", "password", "realm", NULL};
    memset(in, 0, sizeof *in);
    in->gws_given = in->out_auth = -1;
    *gws = NULL;
    unknown(b, top, NULL, f);
    in->name = str_of(b, "name", "name", f);
    json_t *g = json_object_get(b, "sip_gateways");
    if (g && !json_is_array(g)) {
        fault_add(f, "sip_gateways", "must be an array of gateway objects");
    } else if (g) {
        size_t n = json_array_size(g);
        if (n > CARRIER_MAX_GATEWAYS) {
            fault_add(f, "sip_gateways", "at most %d gateways", CARRIER_MAX_GATEWAYS);
        } else {
            in->gws_given = 1;
            in->ngw = n;
            *gws = xcalloc(n ? n : 1, sizeof **gws);
            in->gw = *gws;
            for (size_t i = 0; i < n; i++) {
                json_t *o = json_array_get(g, i);
                char obj[32], p[64];
                snprintf(obj, sizeof obj, "sip_gateways[%zu]", i);
                upstream_gw_in_t *w = &(*gws)[i];
                w->port = w->inbound = w->outbound = -1;
                if (!json_is_object(o)) {
                    fault_add(f, obj, "must be an object");
                    continue;
                }
                unknown(o, gwk, obj, f);
                snprintf(p, sizeof p, "%s.address", obj);
                w->address = str_of(o, "address", p, f);
                snprintf(p, sizeof p, "%s.port", obj);
                w->port = int_of(o, "port", p, 1, 65535, f);
                snprintf(p, sizeof p, "%s.inbound", obj);
                w->inbound = bool_of(o, "inbound", p, f);
                snprintf(p, sizeof p, "%s.outbound", obj);
                w->outbound = bool_of(o, "outbound", p, f);
                snprintf(p, sizeof p, "%s.transport", obj);
                w->transport = str_of(o, "transport", p, f);
            }
        }
    }
    json_t *a = json_object_get(b, "outbound_auth");
    if (a && json_is_null(a)) {
        in->out_auth = 0;
    } else if (a && !json_is_object(a)) {
        fault_add(f, "outbound_auth", "must be an object or null");
    } else if (a) {
        in->out_auth = 1;
        unknown(a, auk, "outbound_auth", f);
        in->out_user = str_of(a, "username", "outbound_auth.username", f);
        in->out_pass = str_of(a, "password", "outbound_auth.password", f);
        in->out_realm = str_of(a, "realm", "outbound_auth.realm", f);
    }
}

/* ---- rendering ---------------------------------------------------------- */

static void answer(http_resp_t *resp, int status, const carrier_t *cr, const carrier_sip_t *s)
{
    jw_t w;
    api_json_begin(resp, &w, status);
    api_render_upstream(&w, cr, s);
}

/* ---- handlers ------------------------------------------------------------ */

/* Create (id NULL: 201) or update (the carrier's id or name: 200): the
 * same body, the same faults, one core call each. */
static void carrier_write(http_req_t *req, http_resp_t *resp, const char *id)
{
    api_ctx_t *ctx = req->app;
    json_t *b = NULL;
    upstream_in_t in;
    upstream_gw_in_t *gws = NULL;
    carrier_t cr;
    /* a new carrier is probed by nobody yet: its zero state is the truth */
    carrier_sip_t sip;
    faults_t *f = xcalloc(1, sizeof *f);
    cerr_t e;
    memset(&cr, 0, sizeof cr);
    memset(&sip, 0, sizeof sip);
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_body(req, resp, NULL, NULL, &b) != C_OK) goto done;
    read_in(b, &in, &gws, f);
    int rc = id ? upstream_update(&ctx->core, id, &in, f, &cr, &sip, &e)
                : upstream_create(&ctx->core, &in, f, &cr, &e);
    if (rc != C_OK) {
        if (e.code == CE_INVALID) api_problem(req, resp, 400, e.msg, f);
        else api_core_error(req, resp, &e);
        goto done;
    }
    answer(resp, id ? 200 : 201, &cr, &sip);
done:
    carrier_sip_clear(&sip);
    carrier_clear(&cr);
    free(gws);
    free(f);
    json_decref(b);
}

void h_admin_carrier_create(http_req_t *req, http_resp_t *resp)
{
    carrier_write(req, resp, NULL);
}

typedef struct {
    const char *name;
} list_in_t;

void h_admin_carrier_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_FIELD(list_in_t, name, API_STR), API_PAGING,
                                         API_FIELDS_END};
    api_ctx_t *ctx = req->app;
    json_t *q = NULL;
    list_in_t in = {0};
    int limit, offset;
    carrier_t *rows = NULL;
    carrier_sip_t *sip = NULL; /* zeroed: cleared whatever happened */
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    if (api_paging(req, resp, q, API_BYOC_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &limit, &offset) != C_OK)
        goto done;
    rows = xcalloc((size_t)limit, sizeof *rows);
    sip = xcalloc((size_t)limit, sizeof *sip);
    if (upstream_list(&ctx->core, in.name, limit, offset, rows, &n, &total, sip, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_byoc_list_begin(resp, &w);
    for (size_t i = 0; i < n; i++) api_render_upstream(&w, &rows[i], &sip[i]);
    api_byoc_list_end(&w, total, limit, offset);
done:
    if (sip) carrier_sip_clear_rows(sip, n);
    free(sip);
    if (rows) carrier_clear_rows(rows, n);
    free(rows);
    json_decref(q);
}

void h_admin_carrier_get(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    json_t *q = NULL;
    carrier_t cr;
    carrier_sip_t sip;
    cerr_t e;
    memset(&cr, 0, sizeof cr);
    memset(&sip, 0, sizeof sip);
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    if (upstream_get(&ctx->core, http_param(req, "id"), &cr, &sip, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    answer(resp, 200, &cr, &sip);
done:
    carrier_sip_clear(&sip);
    carrier_clear(&cr);
    json_decref(q);
}

void h_admin_carrier_update(http_req_t *req, http_resp_t *resp)
{
    carrier_write(req, resp, http_param(req, "id"));
}

void h_admin_carrier_delete(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    json_t *q = NULL;
    cerr_t e;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    if (upstream_delete(&ctx->core, http_param(req, "id"), &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    resp->status = 204;
done:
    json_decref(q);
}
