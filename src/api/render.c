/* render.c -- what answers share: the api_id, money, the Plivo object and
 * list envelopes (with their paging links), the BYOC list envelope. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/money.h"
#include "core/registrations.h"
#include "util/clock.h"

void api_new_api_id(const http_resp_t *resp, char out[IDS_UUID_SZ])
{
    _Static_assert(HTTP_REQ_ID_SZ == IDS_UUID_SZ, "a request id is a UUID");
    if (resp && resp->request_id && resp->request_id[0]) memcpy(out, resp->request_id, IDS_UUID_SZ);
    else ids_uuid_v4(out);
}

void api_json_begin(http_resp_t *resp, jw_t *w, int status)
{
    resp->status = status;
    buf_reset(&resp->body);
    /* room for a whole object at once: grown from nothing by doubling, a
     * 1 KiB answer was 5 reallocations (each a copy), a list page 9 */
    buf_reserve(&resp->body, API_BODY_FIRST - 1); /* - 1: its NUL */
    jw_init(w, &resp->body);
}

void api_kts(jw_t *w, const char *key, int64_t t)
{
    char ts[CLOCK_TS_SZ];
    if (t == 0) {
        jw_knull(w, key);
        return;
    }
    clock_ts(t, ts);
    jw_kstr(w, key, ts);
}

void api_plivo_obj_begin(http_resp_t *resp, jw_t *w, int status)
{
    char api_id[IDS_UUID_SZ];
    api_new_api_id(resp, api_id);
    api_json_begin(resp, w, status);
    jw_obj(w);
    jw_kstr(w, "api_id", api_id);
}

void api_plivo_created(http_resp_t *resp, const char *key, const char *id)
{
    jw_t w;
    api_plivo_obj_begin(resp, &w, 201);
    jw_kstr(&w, key, id);
    jw_kstr(&w, "message", "created");
    jw_obj_end(&w);
}

void api_plivo_changed(http_resp_t *resp)
{
    jw_t w;
    api_plivo_obj_begin(resp, &w, 202);
    jw_kstr(&w, "message", "changed");
    jw_obj_end(&w);
}

static void page_link(jw_t *w, const char *key, const char *base, json_t *query, int limit,
                      int offset)
{
    buf_t u = BUF_INIT;
    buf_printf(&u, "%s?limit=%d&offset=%d", base, limit, offset);
    const char *k;
    json_t *v;
    json_object_foreach(query, k, v) {
        if (strcmp(k, "limit") == 0 || strcmp(k, "offset") == 0 || !json_is_string(v)) continue;
        buf_putc(&u, '&');
        buf_urlenc(&u, k);
        buf_putc(&u, '=');
        buf_urlenc(&u, json_string_value(v));
    }
    jw_kstr(w, key, u.data);
    buf_free(&u);
}

/* A gateway's stored health (found: NULL when never probed) as members
 * of the object being written: state, misses, last_code, last_probe_at. */
static void render_health_members(jw_t *w, const gw_health_t *found)
{
    char ts[CLOCK_TS_SZ];
    jw_kstr(w, "state", gw_state_name(found ? found->state : GW_UNKNOWN));
    jw_kint(w, "misses", found ? found->misses : 0);
    jw_key(w, "last_code");
    if (found && found->last_code) jw_int(w, found->last_code);
    else jw_null(w);
    jw_key(w, "last_probe_at");
    if (found && found->last_probe_at) {
        clock_ts(found->last_probe_at, ts);
        jw_str(w, ts);
    } else {
        jw_null(w);
    }
}

static void plivo_meta(jw_t *w, const char *base_path, json_t *query, int limit, int offset,
                       int64_t total)
{
    jw_key(w, "meta");
    jw_obj(w);
    jw_kint(w, "limit", limit);
    if ((int64_t)offset + limit < total) page_link(w, "next", base_path, query, limit, offset + limit);
    else jw_knull(w, "next");
    jw_kint(w, "offset", offset);
    if (offset > 0) page_link(w, "previous", base_path, query, limit, offset > limit ? offset - limit : 0);
    else jw_knull(w, "previous");
    jw_kint(w, "total_count", total);
    jw_obj_end(w);
}

void api_plivo_list_begin(http_resp_t *resp, jw_t *w, const char *auth_id, const char *resource,
                          json_t *query, int limit, int offset, int64_t total)
{
    api_plivo_list_begin_key(resp, w, auth_id, resource, "objects", query, limit, offset, total);
}

void api_plivo_list_begin_key(http_resp_t *resp, jw_t *w, const char *auth_id, const char *resource,
                              const char *key, json_t *query, int limit, int offset, int64_t total)
{
    char base[96];
    snprintf(base, sizeof base, "/v1/Account/%s/%s/", auth_id, resource);
    api_plivo_obj_begin(resp, w, 200);
    /* and room for the page: an object is ~1 KiB, and the page holds
     * what is left after offset, at most limit (a last or empty page
     * must not reserve what it never writes); capped at 64 KiB, since a
     * page of smaller objects would not fill it */
    int64_t left = total - offset;
    if (left > limit) left = limit;
    if (left > 64) left = 64;
    if (left > 0) buf_reserve(&resp->body, (size_t)left * 1024);
    plivo_meta(w, base, query, limit, offset, total);
    jw_key(w, key);
    jw_arr(w);
}

void api_plivo_list_end(jw_t *w)
{
    jw_arr_end(w);
    jw_obj_end(w);
}

void api_byoc_list_begin(http_resp_t *resp, jw_t *w)
{
    api_json_begin(resp, w, 200);
    buf_reserve(&resp->body, 16 * 1024); /* room for a page (api_plivo_list_begin_key) */
    jw_obj(w);
    jw_key(w, "data");
    jw_arr(w);
}

void api_byoc_list_end(jw_t *w, int64_t total, int limit, int offset)
{
    jw_arr_end(w);
    jw_kint(w, "total", total);
    jw_kint(w, "limit", limit);
    jw_kint(w, "offset", offset);
    jw_obj_end(w);
}

/* ---- gateway health (SIP.md §6), every dialect ---- */

/* "health_check": {"interval"} while the carrier is probed, else null. */
static void render_health_check(jw_t *w, int interval)
{
    jw_key(w, "health_check");
    if (interval > 0) {
        jw_obj(w);
        jw_kint(w, "interval", interval);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
}

/* SIP.md §6: "health_check" and "gateway_health": each outbound
 * gateway's state ("unknown" until probed; [] when off). */
void api_render_health(jw_t *w, const carrier_t *cr, const carrier_sip_t *s)
{
    int interval = s ? s->interval : 0;
    render_health_check(w, interval);
    jw_key(w, "gateway_health");
    jw_arr(w);
    for (size_t i = 0; interval > 0 && i < cr->ngw; i++) {
        const gateway_t *g = &cr->gw[i];
        if (!g->outbound) continue;
        jw_obj(w);
        jw_kstr(w, "sip_gateway_sid", g->sid);
        render_health_members(w, carrier_sip_health(s, g));
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

/* The admin dialect's per-gateway "health": the stored state of outbound
 * gateway g when its carrier is probed, else null. */
static void render_gw_health(jw_t *w, const gateway_t *g, const carrier_sip_t *s)
{
    jw_key(w, "health");
    if (!s || s->interval <= 0 || !g->outbound) {
        jw_null(w);
        return;
    }
    jw_obj(w);
    render_health_members(w, carrier_sip_health(s, g));
    jw_obj_end(w);
}

void api_render_upstream(jw_t *w, const carrier_t *cr, const carrier_sip_t *s)
{
    char ts[CLOCK_TS_SZ];
    jw_obj(w);
    jw_kstr(w, "id", cr->uuid);
    jw_kstr(w, "name", cr->name);
    jw_kstr(w, "kind", "upstream");
    jw_kstr(w, "trunk_type", "static_ip");
    jw_key(w, "sip_gateways");
    jw_arr(w);
    for (size_t i = 0; i < cr->ngw; i++) {
        const gateway_t *g = &cr->gw[i];
        char addr[MODEL_HOST_SZ + 8];
        bool full = g->netmask == (strchr(g->address, ':') ? 128 : 32);
        if (full) snprintf(addr, sizeof addr, "%s", g->address);
        else snprintf(addr, sizeof addr, "%s/%d", g->address, g->netmask);
        jw_obj(w);
        jw_kstr(w, "sip_gateway_sid", g->sid);
        jw_kstr(w, "address", addr);
        jw_kint(w, "port", g->port);
        jw_kint(w, "netmask", g->netmask);
        jw_kbool(w, "inbound", g->inbound);
        jw_kbool(w, "outbound", g->outbound);
        if (g->transport == GW_TP_TCP) jw_kstr(w, "transport", "tcp"); /* absent: udp */
        render_gw_health(w, g, s);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    render_health_check(w, s ? s->interval : 0);
    jw_key(w, "outbound_auth");
    if (cr->out_user[0]) {
        /* the password is never shown */
        jw_obj(w);
        jw_kstr(w, "username", cr->out_user);
        jw_kstr_or_null(w, "realm", cr->out_realm);
        jw_obj_end(w);
    } else {
        jw_null(w);
    }
    clock_ts(cr->created_at, ts);
    jw_kstr(w, "created_at", ts);
    clock_ts(cr->updated_at, ts);
    jw_kstr(w, "updated_at", ts);
    jw_obj_end(w);
}
