/* carrier_events.c -- what a carrier write tells the event log: the
 * fields that changed between the carrier before and after (secrets as
 * "changed", never their value), and one event per gateway added, changed
 * or removed.  The writes themselves are carriers.c's. */
#include "core/carriers.h"
#include "core/core_int.h"
#include "core/events.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/clock.h"
#include "core/net.h"
#include "core/registrations.h"
#include "core/secrets.h"
#include "util/buf.h"

void carrier_copy(carrier_t *dst, const carrier_t *src)
{
    *dst = *src;
    dst->gw = src->ngw ? xcalloc(src->ngw, sizeof *dst->gw) : NULL;
    if (src->ngw) memcpy(dst->gw, src->gw, src->ngw * sizeof *dst->gw);
}

static const char *trunk_name(trunk_type_t t)
{
    return t == TRUNK_AUTH ? "auth" : t == TRUNK_REG ? "reg" : "static_ip";
}

static void gw_json(const gateway_t *g, buf_t *b)
{
    buf_printf(b, "{\"sid\":\"%s\",\"address\":", g->sid);
    buf_json_str(b, g->address, strlen(g->address));
    buf_printf(b, ",\"port\":%d,\"netmask\":%d,\"inbound\":%s,\"outbound\":%s,\"transport\":\"%s\"}",
               g->port, g->netmask, g->inbound ? "true" : "false", g->outbound ? "true" : "false",
               g->transport == GW_TP_TCP ? "tcp" : "udp");
}

static bool same_box(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na) == 0);
}

/* The carrier's own fields that changed (passwords only as "[changed]") */
static void carrier_diff(ev_data_t *d, const carrier_t *a, const carrier_t *b)
{
    ev_data_str(d, "name", a->name, b->name);
    ev_data_str(d, "trunk_type", a->name[0] ? trunk_name(a->trunk) : NULL, trunk_name(b->trunk));
    ev_data_bool(d, "voice", a->voice, b->voice);
    ev_data_bool(d, "sms", a->sms, b->sms);
    ev_data_str(d, "subaccount", a->sub_auth_id, b->sub_auth_id);
    ev_data_str(d, "inbound_username", a->in_user, b->in_user);
    if (!same_box(a->in_box, a->in_box_len, b->in_box, b->in_box_len))
        ev_data_secret(d, "inbound_password");
    ev_data_str(d, "registration_username", a->reg_user, b->reg_user);
    ev_data_str(d, "registration_realm", a->reg_realm, b->reg_realm);
    ev_data_str(d, "registration_from_user", a->reg_from_user, b->reg_from_user);
    ev_data_str(d, "registration_from_domain", a->reg_from_domain, b->reg_from_domain);
    ev_data_int(d, "registration_expires", a->reg_expires, b->reg_expires);
    if (!same_box(a->reg_box, a->reg_box_len, b->reg_box, b->reg_box_len))
        ev_data_secret(d, "registration_password");
    ev_data_str(d, "outbound_username", a->out_user, b->out_user);
    ev_data_str(d, "outbound_realm", a->out_realm, b->out_realm);
    if (!same_box(a->out_box, a->out_box_len, b->out_box, b->out_box_len))
        ev_data_secret(d, "outbound_password");
}

static const gateway_t *gw_by_sid(const carrier_t *cr, const char *sid)
{
    for (size_t i = 0; cr && i < cr->ngw; i++)
        if (strcmp(cr->gw[i].sid, sid) == 0) return &cr->gw[i];
    return NULL;
}

static int gw_event(core_t *c, const char *type, const carrier_t *cr, const gateway_t *was,
                    const gateway_t *now, cerr_t *e)
{
    ev_data_t d;
    ev_data_init(&d);
    ev_data_after_str(&d, "carrier", cr->uuid);
    if (was) {
        buf_t b = BUF_INIT;
        gw_json(was, &b);
        ev_data_raw(&d, 'b', "gateway", b.data);
        buf_free(&b);
    }
    if (now) {
        buf_t b = BUF_INIT;
        gw_json(now, &b);
        ev_data_raw(&d, 'a', "gateway", b.data);
        buf_free(&b);
    }
    return ev_emit(c, type, cr->account_id, "gateway", (now ? now : was)->sid, &d, e);
}

bool carrier_differs(const carrier_t *was, const carrier_t *now)
{
    ev_data_t d;
    ev_data_init(&d);
    carrier_diff(&d, was, now);
    bool differs = d.na || d.nb || was->ngw != now->ngw;
    ev_data_free(&d);
    /* in order: a gateway's place is its route order */
    for (size_t i = 0; !differs && i < now->ngw; i++) {
        const gateway_t *a = &was->gw[i], *b = &now->gw[i];
        differs = strcmp(a->sid, b->sid) != 0 || strcmp(a->address, b->address) != 0 ||
                  a->port != b->port || a->netmask != b->netmask || a->inbound != b->inbound ||
                  a->outbound != b->outbound || a->transport != b->transport;
    }
    return differs;
}

int carrier_events(core_t *c, const carrier_t *was, const carrier_t *now, cerr_t *e)
{
    static const carrier_t none;
    const carrier_t *cr = now ? now : was;
    ev_data_t d;
    ev_data_init(&d);
    if (!was || !now) {
        /* created or deleted: the whole carrier, gateways included */
        if (now) {
            carrier_diff(&d, &none, now);
            ev_data_drop_before(&d);
            ev_data_after_str(&d, "carrier_id", now->carrier_id);
        } else {
            ev_data_before_str(&d, "name", was->name);
            ev_data_before_str(&d, "carrier_id", was->carrier_id);
        }
        buf_t b = BUF_INIT;
        buf_putc(&b, '[');
        for (size_t i = 0; i < cr->ngw; i++) {
            if (i) buf_putc(&b, ',');
            gw_json(&cr->gw[i], &b);
        }
        buf_putc(&b, ']');
        ev_data_raw(&d, now ? 'a' : 'b', "gateways", b.data);
        buf_free(&b);
        return ev_emit(c, now ? "carrier.created" : "carrier.deleted", cr->account_id, "carrier",
                       cr->uuid, &d, e);
    }
    /* updated: the carrier's fields, then one event per gateway added,
     * changed or removed (gateways are objects of their own: sid) */
    carrier_diff(&d, was, now);
    int r = C_OK;
    if (d.na || d.nb) r = ev_emit(c, "carrier.updated", cr->account_id, "carrier", cr->uuid, &d, e);
    else ev_data_free(&d);
    for (size_t i = 0; r == C_OK && i < now->ngw; i++) {
        const gateway_t *g = &now->gw[i], *old = gw_by_sid(was, g->sid);
        if (!old) r = gw_event(c, "gateway.created", now, NULL, g, e);
        else if (strcmp(old->address, g->address) != 0 || old->port != g->port ||
                 old->netmask != g->netmask || old->inbound != g->inbound ||
                 old->outbound != g->outbound || old->transport != g->transport)
            r = gw_event(c, "gateway.updated", now, old, g, e);
    }
    for (size_t i = 0; r == C_OK && i < was->ngw; i++)
        if (!gw_by_sid(now, was->gw[i].sid)) r = gw_event(c, "gateway.deleted", now, &was->gw[i], NULL, e);
    return r;
}
