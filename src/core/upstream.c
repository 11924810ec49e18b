/* upstream.c -- upstream carriers (see upstream.h).  They share the carrier
 * model and store operations with customers' carriers (account_id 0 is the
 * operator's scope), and carrier_check's whole-carrier rules for their
 * gateways; what differs: no account, names from the CSV, possibly no
 * gateway at all (created by an import), outbound credentials. */
#include "core/upstream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/carriers.h"
#include "core/core_int.h"
#include "core/events.h"
#include "core/ids.h"
#include "core/net.h"
#include "core/registrations.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/clock.h"

bool upstream_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > UPSTREAM_NAME_MAX) return false;
    return core_text_ok(s, UPSTREAM_NAME_MAX);
}

static int load(core_t *c, const char *ref, carrier_t *out, cerr_t *e)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(ref);
    int rc;
    if (ids_is_uuid(ref, n)) {
        rc = c->st->ops->carrier_get(c->st, 0, 0, ref, out);
    } else if (upstream_name_ok(ref)) {
        size_t got = 0;
        int64_t total = 0;
        rc = c->st->ops->carrier_list(c->st, 0, 0, ref, 1, 0, out, &got, &total);
        if (rc == ST_OK && got == 0) rc = ST_NOTFOUND;
        if (rc == ST_OK) {
            /* read again by id: inside a write transaction carrier_get
             * locks the row (PostgreSQL) before it reads, the list does not */
            char uuid[sizeof out->uuid];
            memcpy(uuid, out->uuid, sizeof uuid);
            carrier_clear(out);
            memset(out, 0, sizeof *out);
            rc = c->st->ops->carrier_get(c->st, 0, 0, uuid, out);
        }
    } else {
        rc = ST_NOTFOUND;
    }
    if (rc == ST_NOTFOUND) return cerr(e, CE_NOTFOUND, "upstream carrier not found");
    return core_st(e, rc, NULL);
}

int upstream_get(core_t *c, const char *ref, carrier_t *out, carrier_sip_t *sip, cerr_t *e)
{
    if (sip) memset(sip, 0, sizeof *sip);
    if (load(c, ref, out, e) != C_OK) return C_ERR;
    if (sip && carrier_sip_of(c, out, sip, e) != C_OK) {
        carrier_clear(out);
        return C_ERR;
    }
    return C_OK;
}

int upstream_list(core_t *c, const char *name, int limit, int offset, carrier_t *rows,
                  size_t *nrows, int64_t *total, carrier_sip_t *sip, cerr_t *e)
{
    if (core_st(e, c->st->ops->carrier_list(c->st, 0, 0, name, limit, offset, rows, nrows, total),
                NULL) != C_OK)
        return C_ERR;
    return sip ? carrier_sip_rows(c, rows, *nrows, sip, e) : C_OK;
}

/* carrier_check speaks the BYOC dialect's fields: "sip_gateway.ipv4" for
 * one gateway, "sip_gateways[i].ipv4" for several.  The admin API's are
 * "sip_gateways[i].address": rewrite the paths from check_from on. */
static void admin_paths(faults_t *f, size_t check_from)
{
    for (size_t i = check_from; i < f->n && i < FAULTS_MAX; i++) {
        char *p = f->f[i].path, out[sizeof f->f[i].path];
        const char *rest = p;
        if (strncmp(p, "sip_gateway.", 12) == 0) {
            rest = p + 12;
            snprintf(out, sizeof out, "sip_gateways[0].%s", strcmp(rest, "ipv4") ? rest : "address");
        } else if (strncmp(p, "sip_gateways[", 13) == 0 && (rest = strchr(p, ']')) && rest[1] == '.') {
            snprintf(out, sizeof out, "%.*s%s", (int)(rest + 2 - p), p,
                     strcmp(rest + 2, "ipv4") ? rest + 2 : "address");
        } else if (strcmp(p, "carrier_name") == 0) {
            snprintf(out, sizeof out, "name");
        } else if (strcmp(p, "sip_gateway") == 0) {
            snprintf(out, sizeof out, "sip_gateways");
        } else {
            continue;
        }
        memcpy(p, out, sizeof out);
        /* one fault per field: the caller may have named it already */
        for (size_t j = 0; j < i; j++) {
            if (strcmp(f->f[j].path, p) == 0) {
                size_t kept = f->n < FAULTS_MAX ? f->n : FAULTS_MAX;
                memmove(&f->f[i], &f->f[i + 1], (kept - i - 1) * sizeof f->f[0]);
                f->n--;
                i--;
                break;
            }
        }
    }
}

/* One gateway from its input into g (faults under sip_gateways[i]). */
static void gw_from(const upstream_gw_in_t *in, size_t i, gateway_t *g, faults_t *f)
{
    char path[64];
    memset(g, 0, sizeof *g);
    snprintf(path, sizeof path, "sip_gateways[%zu].address", i);
    const char *a = in->address ? in->address : "";
    size_t n = strlen(a);
    net_ip_t ip;
    int prefix = 0;
    bool had_prefix = false;
    const char *why = NULL;
    bool range = false, host = false;
    if (!in->address) {
        fault_add(f, path, "required");
    } else if (net_parse_cidr(a, n, &ip, &prefix, &had_prefix, &why) == C_OK) {
        net_format(&ip, g->address);
        g->netmask = prefix;
        range = had_prefix && prefix != (ip.family == 6 ? 128 : 32);
        if (had_prefix && prefix == 0)
            fault_add(f, path, "a /0 prefix would accept calls from every address");
    } else if (!strchr(a, '/') && net_hostname_ok(a, n, NULL) && !(nd_isdigit(a[0]) && strchr(a, '.') && !strpbrk(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))) {
        for (size_t k = 0; k <= n && k < sizeof g->address; k++) g->address[k] = (char)nd_tolower(a[k]);
        g->address[sizeof g->address - 1] = '\0';
        g->netmask = 32;
        host = true;
    } else if (why && strcmp(why, "host bits set") == 0 &&
               net_parse_cidr(a, (size_t)(strchr(a, '/') - a), &ip, NULL, NULL, NULL) == C_OK) {
        char fix[NET_ADDR_SZ + 4];
        int pfx = atoi(strchr(a, '/') + 1);
        net_mask(&ip, pfx);
        net_format_cidr(&ip, pfx, fix);
        fault_add(f, path, "%.64s has host bits set: use %s", a, fix);
        g->netmask = pfx;
        /* a range all the same: not outbound by default, so one fault for
         * this gateway, not a second about its netmask */
        range = pfx != (ip.family == 6 ? 128 : 32);
    } else {
        fault_add(f, path, "want an IP address, a CIDR range (203.0.113.0/24) or a host name: %s",
                  why ? why : "invalid");
        g->netmask = 32;  /* one fault for this gateway, not a second about its netmask */
    }
    g->port = in->port >= 0 ? in->port : 5060;
    g->inbound = in->inbound >= 0 ? in->inbound != 0 : !host;
    g->outbound = in->outbound >= 0 ? in->outbound != 0 : !range;
    g->transport = GW_TP_UDP;
    if (in->transport && strcmp(in->transport, "tcp") == 0) {
        g->transport = GW_TP_TCP;
    } else if (in->transport && strcmp(in->transport, "udp") != 0) {
        char tp[64];
        snprintf(tp, sizeof tp, "sip_gateways[%zu].transport", i);
        fault_add(f, tp, "must be udp or tcp");
    }
}

/* Merges in into cr (create: cr holds the defaults), checks the whole
 * carrier, C_ERR with CE_INVALID when f holds any fault. */
static int apply(core_t *c, carrier_t *cr, const upstream_in_t *in, bool create, faults_t *f,
                 cerr_t *e)
{
    if (in->name) {
        if (!upstream_name_ok(in->name)) fault_add(f, "name", "1-%d bytes, no control characters", UPSTREAM_NAME_MAX);
        else snprintf(cr->name, sizeof cr->name, "%s", in->name);
    } else if (create) {
        fault_add(f, "name", "required");
    }
    if (in->gws_given == 1) {
        if (in->ngw > CARRIER_MAX_GATEWAYS) {
            fault_add(f, "sip_gateways", "at most %d gateways", CARRIER_MAX_GATEWAYS);
        } else {
            free(cr->gw);
            cr->gw = in->ngw ? xcalloc(in->ngw, sizeof *cr->gw) : NULL;
            cr->ngw = in->ngw;
            for (size_t i = 0; i < in->ngw; i++) gw_from(&in->gw[i], i, &cr->gw[i], f);
        }
    }
    if (in->out_auth == 0) {
        cr->out_user[0] = cr->out_realm[0] = '\0';
        cr->out_box_len = 0;
    } else if (in->out_auth == 1) {
        if (in->out_user) {
            if (!core_text_ok(in->out_user, 64) || strpbrk(in->out_user, " \t\r\n:"))
                fault_add(f, "outbound_auth.username", "1-64 characters, no whitespace or ':'");
            else snprintf(cr->out_user, sizeof cr->out_user, "%s", in->out_user);
        } else if (!cr->out_user[0]) {
            fault_add(f, "outbound_auth.username", "required");
        }
        if (in->out_pass) {
            size_t n = strlen(in->out_pass);
            bool ctl = false;
            for (size_t i = 0; i < n; i++) ctl |= (unsigned char)in->out_pass[i] < 0x20 || in->out_pass[i] == 0x7f;
            cerr_t se;
            if (n < 8 || n > 128 || ctl)
                fault_add(f, "outbound_auth.password", "8-128 bytes, no control characters");
            else if (carrier_seal(c, in->out_pass, cr->out_box, &cr->out_box_len, &se) != C_OK)
                fault_add(f, "outbound_auth.password", "%s", se.msg);
        } else if (!cr->out_box_len) {
            fault_add(f, "outbound_auth.password", "required");
        }
        if (in->out_realm) {
            if (in->out_realm[0] && !net_hostname_ok(in->out_realm, strlen(in->out_realm), NULL))
                fault_add(f, "outbound_auth.realm", "want a host name (the digest realm), or \"\"");
            else snprintf(cr->out_realm, sizeof cr->out_realm, "%s", in->out_realm);
        }
    }
    /* the whole-carrier rules (gateways, trunk), unless it has no gateway:
     * an upstream carrier may (made by an import, calls not yet routed) */
    if (cr->ngw) {
        size_t from = f->n;
        carrier_check(cr, f);
        admin_paths(f, from);
    }
    if (f->n == 0) return C_OK;
    if (f->n == 1) return cerr(e, CE_INVALID, "%s: %s", f->f[0].path, f->f[0].msg);
    return cerr(e, CE_INVALID, "the carrier has %zu problems: see errors", f->n);
}

/* Inserts with fresh ids; retries an id collision, fails on a taken name. */
static int insert_new(core_t *c, carrier_t *cr, cerr_t *e)
{
    for (int tries = 0; tries < 5; tries++) {
        ids_uuid_v4(cr->uuid);
        ids_uuid_v4(cr->voip_sid);
        ids_digits(cr->carrier_id, 14);
        for (size_t i = 0; i < cr->ngw; i++) ids_uuid_v4(cr->gw[i].sid);
        int rc = c->st->ops->carrier_insert(c->st, cr);
        if (rc == ST_OK) return C_OK;
        if (rc != ST_CONFLICT) return core_st(e, rc, NULL);
        carrier_t other;
        size_t n = 0;
        int64_t total = 0;
        if (c->st->ops->carrier_list(c->st, 0, 0, cr->name, 1, 0, &other, &n, &total) != ST_OK)
            return core_st(e, ST_ERR, NULL);
        carrier_clear_rows(&other, n);
        if (n) return cerr(e, CE_CONFLICT, "an upstream carrier named %s already exists", cr->name);
    }
    return cerr(e, CE_INTERNAL, "could not allocate a carrier id");
}

static void defaults(carrier_t *cr)
{
    memset(cr, 0, sizeof *cr);
    cr->account_id = 0;
    cr->trunk = TRUNK_STATIC_IP;
    cr->voice = cr->sms = true;
    cr->created_at = cr->updated_at = clock_now();
}

int upstream_create(core_t *c, const upstream_in_t *in, faults_t *f, carrier_t *out, cerr_t *e)
{
    defaults(out);
    if (apply(c, out, in, true, f, e) != C_OK) {
        carrier_clear(out);
        return C_ERR;
    }
    if (core_begin(c, e) != C_OK) {
        carrier_clear(out);
        return C_ERR;
    }
    int r = insert_new(c, out, e);
    if (r == C_OK) r = carrier_events(c, NULL, out, e);
    if (core_end(c, r, e) != C_OK) {
        carrier_clear(out);
        return C_ERR;
    }
    return C_OK;
}

static int update_in_tx(core_t *c, const char *ref, const upstream_in_t *in, faults_t *f,
                        carrier_t *out, cerr_t *e);

/* read, change and write (and log) in one transaction */
int upstream_update(core_t *c, const char *ref, const upstream_in_t *in, faults_t *f,
                    carrier_t *out, carrier_sip_t *sip, cerr_t *e)
{
    if (sip) memset(sip, 0, sizeof *sip);
    if (core_begin(c, e) != C_OK) return C_ERR;
    int r = update_in_tx(c, ref, in, f, out, e);
    if (r == C_OK && sip && carrier_sip_of(c, out, sip, e) != C_OK) {
        carrier_clear(out);
        r = C_ERR;
    }
    if (core_end(c, r, e) != C_OK) {
        if (r == C_OK) { /* the commit failed */
            carrier_clear(out);
            if (sip) carrier_sip_clear(sip);
        }
        return C_ERR;
    }
    return C_OK;
}

static int update_in_tx(core_t *c, const char *ref, const upstream_in_t *in, faults_t *f,
                        carrier_t *out, cerr_t *e)
{
    carrier_t was;
    memset(&was, 0, sizeof was);
    if (load(c, ref, out, e) != C_OK) return C_ERR;
    carrier_copy(&was, out);
    carrier_ranges_receive(out);
    char old[sizeof out->name];
    memcpy(old, out->name, sizeof old);
    if (apply(c, out, in, false, f, e) != C_OK) goto fail;
    if (strcmp(old, out->name) != 0) {
        /* inventory rows name their carrier by this name (the CSV's
         * column): renaming would orphan them, so only an unused carrier
         * may be renamed.  Counted inside this transaction: no writer
         * (an import included) can name it until the commit. */
        int64_t in_use = 0;
        int rc = c->st->ops->carrier_in_use(c->st, out->id, &in_use);
        if (rc != ST_OK) {
            core_st(e, rc, NULL);
            goto fail;
        }
        if (in_use > 0) {
            cerr(e, CE_CONFLICT, "%lld inventory number%s name%s carrier %s: it cannot be renamed",
                 (long long)in_use, in_use == 1 ? "" : "s", in_use == 1 ? "s" : "", old);
            goto fail;
        }
    }
    /* nothing changed: nothing written, updated_at kept (carriers.c) */
    if (!carrier_differs(&was, out)) {
        carrier_clear(&was);
        return C_OK;
    }
    for (size_t i = 0; i < out->ngw; i++)
        if (!out->gw[i].sid[0]) ids_uuid_v4(out->gw[i].sid);
    out->updated_at = clock_now();
    int rc = c->st->ops->carrier_update(c->st, out);
    if (rc == ST_CONFLICT) {
        cerr(e, CE_CONFLICT, "an upstream carrier named %s already exists", out->name);
        goto fail;
    }
    if (rc == ST_NOTFOUND) {
        cerr(e, CE_NOTFOUND, "upstream carrier not found");
        goto fail;
    }
    if (core_st(e, rc, NULL) != C_OK) goto fail;
    if (carrier_events(c, &was, out, e) != C_OK) goto fail;
    carrier_clear(&was);
    return C_OK;
fail:
    carrier_clear(&was);
    carrier_clear(out);
    return C_ERR;
}

int upstream_delete(core_t *c, const char *ref, cerr_t *e)
{
    carrier_t cr;
    if (core_begin(c, e) != C_OK) return C_ERR;
    if (load(c, ref, &cr, e) != C_OK) return core_end(c, C_ERR, e);
    int64_t in_use = 0;
    int rc = c->st->ops->carrier_delete(c->st, 0, cr.id, &in_use);
    int ret;
    if (rc == ST_CONFLICT)
        ret = cerr(e, CE_CONFLICT, "%lld inventory number%s name%s carrier %s: remove %s from the "
                   "inventory first", (long long)in_use, in_use == 1 ? "" : "s",
                   in_use == 1 ? "s" : "", cr.name, in_use == 1 ? "it" : "them");
    else if (rc == ST_NOTFOUND)
        ret = cerr(e, CE_NOTFOUND, "upstream carrier not found");
    else
        ret = core_st(e, rc, NULL);
    if (ret == C_OK) ret = carrier_events(c, &cr, NULL, e);
    ret = core_end(c, ret, e);
    carrier_clear(&cr);
    return ret;
}

int upstream_ensure(core_t *c, const char *name, bool *created, cerr_t *e)
{
    if (created) *created = false;
    carrier_t cr;
    size_t n = 0;
    int64_t total = 0;
    int rc = c->st->ops->carrier_list(c->st, 0, 0, name, 1, 0, &cr, &n, &total);
    if (rc != ST_OK) return core_st(e, rc, NULL);
    carrier_clear_rows(&cr, n);
    if (n) return C_OK;
    if (!upstream_name_ok(name)) return cerr(e, CE_INVALID, "invalid carrier name");
    defaults(&cr);
    snprintf(cr.name, sizeof cr.name, "%s", name);
    /* its own transaction (never the caller's: a lost race rolls back) */
    if (core_begin(c, e) != C_OK) return C_ERR;
    int r = insert_new(c, &cr, e);
    if (r == C_OK) {
        r = core_end(c, carrier_events(c, NULL, &cr, e), e);
        if (r == C_OK && created) *created = true;
    } else {
        core_rollback(c);
        /* another import (or node) made it meanwhile: that is success */
        if (e->code == CE_CONFLICT) r = C_OK;
    }
    carrier_clear(&cr);
    return r;
}
