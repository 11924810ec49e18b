/* carriers.c -- SIP carriers: one model under both dialects (API.md §2.4,
 * §3.1).
 *
 * A dialect turns its own input into a carrier_t; carrier_check() then
 * applies every rule to the carrier as a whole, so a Plivo update of a
 * carrier the BYOC dialect made (or the reverse) can never leave it in a
 * state either dialect would refuse to create.
 */
#include "core/carriers.h"
#include "core/core_int.h"
#include "core/events.h"
#include "core/ids.h"
#include "core/secrets.h"
#include <sodium.h>

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

#define IP_SET_MAX_RAW 1000   /* entries read before dedup; bounds the work */

/* Is one path the other, or inside it ("a" and "a.b", "a" and "a[2].b")? */
static bool path_related(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    const char *shorter = la <= lb ? a : b, *longer = la <= lb ? b : a;
    size_t n = la <= lb ? la : lb;
    return strncmp(shorter, longer, n) == 0 &&
           (longer[n] == '\0' || longer[n] == '.' || longer[n] == '[');
}

void fault_add(faults_t *f, const char *path, const char *fmt, ...)
{
    /* One fault per field: a member of the wrong type is not also
     * "required", and a bad inbound_auth.password does not also make
     * inbound_auth "required".  The first, most specific word wins. */
    for (size_t i = 0; i < f->n && i < FAULTS_MAX; i++)
        if (path_related(f->f[i].path, path)) return;
    if (f->n < FAULTS_MAX) {
        fault_t *x = &f->f[f->n];
        snprintf(x->path, sizeof x->path, "%s", path);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(x->msg, sizeof x->msg, fmt, ap);
        va_end(ap);
    }
    f->n++;
}

/* ---- rules of a whole carrier ------------------------------------------ */

static int full_len(const char *addr)
{
    return strchr(addr, ':') ? 128 : 32;
}

bool carrier_gw_range(const gateway_t *g)
{
    return g->netmask >= 1 && g->netmask < full_len(g->address);
}

static void gw_path(char *out, size_t sz, size_t ngw, size_t i, const char *field)
{
    if (ngw == 1) snprintf(out, sz, "sip_gateway.%s", field);
    else snprintf(out, sz, "sip_gateways[%zu].%s", i, field);
}

static void check_gateway(const carrier_t *cr, size_t i, faults_t *f)
{
    const gateway_t *g = &cr->gw[i];
    char path[64];
    net_ip_t ip;
    const char *why = NULL;
    size_t alen = strlen(g->address);
    bool is_ip = net_parse_ip(g->address, alen, &ip, &why) == C_OK;

    gw_path(path, sizeof path, cr->ngw, i, "ipv4");
    if (alen == 0) {
        /* no address: the dialect's parser has already said why */
    } else if (!is_ip && !net_hostname_ok(g->address, alen, NULL)) {
        fault_add(f, path, "%.64s is neither an IP address (%s) nor a host name", g->address, why);
    } else if (!is_ip && g->inbound) {
        fault_add(f, path,
                  "an inbound gateway must be an IP address, not the host name %.64s: calls "
                  "are matched by their source address; set inbound to false to use the host "
                  "name for outbound calls only",
                  g->address);
    }
    if (is_ip && g->inbound && g->netmask >= 1 && g->netmask <= full_len(g->address)) {
        /* the same rule as Plivo's ip_set, so that what one dialect shows
         * the other accepts back */
        net_ip_t masked = ip;
        net_mask(&masked, g->netmask);
        if (memcmp(masked.addr, ip.addr, sizeof ip.addr) != 0) {
            char fix[NET_ADDR_SZ];
            net_format(&masked, fix);
            fault_add(f, path, "%s has host bits set for netmask %d: use %s", g->address,
                      g->netmask, fix);
        }
    }
    if (is_ip && g->inbound && ip.family == 6 && g->netmask == 96) {
        /* ::ffff:0.0.0.0/96 is every IPv4 address (the SBC files a mapped
         * prefix of 96 bits or more as the IPv4 one it covers): the /0 the
         * dialects refuse.  A shorter prefix stays an IPv6 one there, which
         * no IPv4 source meets */
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        net_ip_t net = ip;
        net_mask(&net, g->netmask);
        net_ip_t m = {.family = 6};
        memcpy(m.addr, mapped, sizeof mapped);
        net_mask(&m, g->netmask);
        if (memcmp(net.addr, m.addr, sizeof m.addr) == 0)
            fault_add(f, path, "%s/%d holds every IPv4-mapped address: it would accept calls from "
                               "every IPv4 address", g->address, g->netmask);
    }
    gw_path(path, sizeof path, cr->ngw, i, "port");
    if (g->port < 1 || g->port > 65535) fault_add(f, path, "must be 1-65535");
    gw_path(path, sizeof path, cr->ngw, i, "netmask");
    int full = is_ip ? full_len(g->address) : 32;
    if (alen == 0) {
        /* judged against an address: the one refused (an IPv6 one's /64
         * kept) is the fault, not its netmask */
    } else if (g->netmask < 1 || g->netmask > full) fault_add(f, path, "must be 1-%d", full);
    else if (!g->inbound && g->netmask != full)
        fault_add(f, path, "must be %d when inbound is false: calls are sent to one address", full);
    else if (g->outbound && g->netmask != full)
        /* a range is where calls may come from, never where one goes: the
         * SBC was handed sip:...@203.0.113.0, the network's own address */
        fault_add(f, path,
                  "must be %d when outbound is true: calls are sent to one address (set outbound "
                  "to false for a range that only sends calls)",
                  full);
    if (!g->inbound && !g->outbound) {
        gw_path(path, sizeof path, cr->ngw, i, "inbound");
        fault_add(f, path, "a gateway must be inbound, outbound or both");
    }
    for (size_t j = 0; j < i; j++) {
        if (strcmp(cr->gw[j].address, g->address) == 0 && cr->gw[j].netmask == g->netmask &&
            cr->gw[j].port == g->port) {
            gw_path(path, sizeof path, cr->ngw, i, "ipv4");
            fault_add(f, path, "the same gateway is listed twice");
            break;
        }
    }
}

void carrier_check(const carrier_t *cr, faults_t *f)
{
    if (!core_text_fits(cr->name, 100, MODEL_CARRIER_NAME_SZ))
        fault_add(f, "carrier_name", "1-100 characters, no control characters");
    if (cr->ngw == 0) fault_add(f, "sip_gateway", "required: a carrier needs a gateway");
    if (cr->ngw > CARRIER_MAX_GATEWAYS)
        fault_add(f, "sip_gateway", "at most %d gateways", CARRIER_MAX_GATEWAYS);
    bool outbound = false;
    for (size_t i = 0; i < cr->ngw && i < CARRIER_MAX_GATEWAYS; i++) {
        check_gateway(cr, i, f);
        outbound |= cr->gw[i].outbound;
    }
    bool has_in = cr->in_user[0] || cr->in_box_len;
    bool has_reg = cr->reg_user[0] || cr->reg_box_len || cr->reg_realm[0];
    switch (cr->trunk) {
    case TRUNK_AUTH:
        if (!cr->in_user[0] || !cr->in_box_len)
            fault_add(f, "inbound_auth", "required when trunk_type is auth (username and password)");
        if (has_reg) fault_add(f, "registration", "only allowed when trunk_type is reg (send \"registration\": null to remove it)");
        break;
    case TRUNK_REG:
        if (!cr->reg_user[0] || !cr->reg_box_len || !cr->reg_realm[0])
            fault_add(f, "registration",
                      "required when trunk_type is reg (username, password, sip_realm)");
        else if (cr->reg_expires < 60 || cr->reg_expires > 86400)
            fault_add(f, "registration.expires", "must be 60-86400");
        if (!outbound && cr->ngw)
            fault_add(f, cr->ngw == 1 ? "sip_gateway.outbound" : "sip_gateways",
                      "trunk_type reg registers to the carrier: the gateway must be outbound");
        if (has_in) fault_add(f, "inbound_auth", "only allowed when trunk_type is auth (send \"inbound_auth\": null to remove it)");
        break;
    case TRUNK_STATIC_IP:
        if (has_in) fault_add(f, "inbound_auth", "only allowed when trunk_type is auth (send \"inbound_auth\": null to remove it)");
        if (has_reg) fault_add(f, "registration", "only allowed when trunk_type is reg (send \"registration\": null to remove it)");
        break;
    default:
        fault_add(f, "trunk_type", "must be static_ip, auth or reg");
    }
}

int carrier_seal(core_t *c, const char *plain, uint8_t *box, size_t *boxlen, cerr_t *e)
{
    size_t n = strlen(plain);
    if (!c->key) return cerr(e, CE_INTERNAL, "no server key: SIP passwords cannot be stored");
    /* the password the box already holds keeps its box: a box is sealed
     * under a fresh nonce, so sealing it again would differ from the old
     * one although nothing changed -- an event saying the password
     * changed, a registration started over */
    if (*boxlen > 0 && n <= SEC_PLAIN_MAX) {
        char old[SEC_PLAIN_MAX + 1];
        size_t on = 0;
        bool same = sec_open(c->key, box, *boxlen, old, &on) == C_OK && on == n &&
                    sodium_memcmp(old, plain, n) == 0;
        ids_wipe(old, sizeof old);
        if (same) return C_OK;
    }
    if (n > SEC_PLAIN_MAX || MODEL_BOX_SZ < SEC_BOX_MAX ||
        sec_seal(c->key, plain, n, box, boxlen) != C_OK)
        return cerr(e, CE_INVALID, "password too long");
    return C_OK;
}

/* ---- Plivo ip_set -------------------------------------------------------- */

int carrier_parse_ip_set(const char *s, gateway_t **gw, size_t *n, cerr_t *e)
{
    gateway_t *out = NULL;
    size_t cnt = 0, raw = 0, cap = 0;
    const char *p = s;
    *gw = NULL;
    *n = 0;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *q = p;
        while (len && (*q == ' ' || *q == '\t')) { q++; len--; }
        while (len && (q[len - 1] == ' ' || q[len - 1] == '\t')) len--;
        if (++raw > IP_SET_MAX_RAW) {
            cerr(e, CE_INVALID, "invalid ip_set: at most %d entries", CARRIER_MAX_GATEWAYS);
            goto fail;
        }
        if (len == 0) {
            cerr(e, CE_INVALID, "invalid ip_set: entry %zu is empty (want comma-separated IP addresses)", raw);
            goto fail;
        }
        net_ip_t ip;
        int prefix = 0;
        const char *why = NULL;
        int prc = net_parse_cidr(q, len, &ip, &prefix, NULL, &why);
        bool host_bits = prc != C_OK && why && strcmp(why, "host bits set") == 0;
        if ((prc == C_OK || host_bits) && prefix == 0) {
            /* before the host-bits hint, which would suggest another /0 */
            cerr(e, CE_INVALID, "invalid ip_set entry %.*s: a /0 prefix would accept every address",
                 (int)(len > 64 ? 64 : len), q);
            goto fail;
        }
        if (prc != C_OK) {
            if (host_bits) {
                char fix[NET_ADDR_SZ + 4];
                net_format_cidr(&ip, prefix, fix);
                cerr(e, CE_INVALID, "invalid ip_set entry %.*s: host bits set (did you mean %s?)",
                     (int)(len > 64 ? 64 : len), q, fix);
            } else {
                cerr(e, CE_INVALID, "invalid ip_set entry %.*s: %s", (int)(len > 64 ? 64 : len), q,
                     why ? why : "not an IP address");
            }
            goto fail;
        }
        gateway_t g;
        memset(&g, 0, sizeof g);
        net_format(&ip, g.address);
        g.netmask = prefix;
        g.port = 5060;
        g.inbound = true;
        bool dup = false;
        for (size_t i = 0; i < cnt && !dup; i++)
            dup = strcmp(out[i].address, g.address) == 0 && out[i].netmask == g.netmask;
        if (!dup) {
            if (cnt == CARRIER_MAX_GATEWAYS) {
                cerr(e, CE_INVALID, "invalid ip_set: at most %d entries", CARRIER_MAX_GATEWAYS);
                goto fail;
            }
            if (cnt == cap) {
                cap = cap ? cap * 2 : 4;
                out = xrealloc(out, cap * sizeof *out);
            }
            out[cnt++] = g;
        }
        if (!end) break;
        p = end + 1;
    }
    *gw = out;
    *n = cnt;
    return C_OK;
fail:
    free(out);
    return C_ERR;
}

char *carrier_ip_set(const carrier_t *cr)
{
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < cr->ngw; i++) {
        const gateway_t *g = &cr->gw[i];
        if (!g->inbound) continue;
        if (b.len) buf_puts(&b, ",");
        buf_puts(&b, g->address);
        if (g->netmask != full_len(g->address)) buf_printf(&b, "/%d", g->netmask);
    }
    return buf_steal(&b);
}

/* ---- lookups -------------------------------------------------------------- */

/* head: the carrier's own fields only (store carrier_head) */
static int load_as(core_t *c, const account_t *caller, const char *ref, bool head, carrier_t *out,
                   cerr_t *e)
{
    size_t n = strlen(ref);
    bool shape = (n == 14 && nd_all_digits(ref, n)) || ids_is_uuid(ref, n);
    int rc = ST_NOTFOUND;
    if (shape)
        rc = (head ? c->st->ops->carrier_head : c->st->ops->carrier_get)(c->st, core_owner_id(caller),
                                                                         core_sub_id(caller), ref, out);
    if (rc == ST_NOTFOUND) return cerr(e, CE_NOTFOUND, "carrier not found");
    return core_st(e, rc, NULL);
}

static int load(core_t *c, const account_t *caller, const char *ref, carrier_t *out, cerr_t *e)
{
    return load_as(c, caller, ref, false, out, e);
}

int carrier_get(core_t *c, const account_t *caller, const char *ref, carrier_t *out,
                carrier_sip_t *sip, cerr_t *e)
{
    memset(out, 0, sizeof *out);
    if (sip) memset(sip, 0, sizeof *sip);
    if (load(c, caller, ref, out, e) != C_OK) return C_ERR;
    if (sip && carrier_sip_of(c, out, sip, e) != C_OK) {
        carrier_clear(out);
        return C_ERR;
    }
    return C_OK;
}

int carrier_get_head(core_t *c, const account_t *caller, const char *ref, carrier_t *out, cerr_t *e)
{
    memset(out, 0, sizeof *out);
    return load_as(c, caller, ref, true, out, e);
}

int carrier_list(core_t *c, const account_t *caller, const char *name, int limit, int offset,
                 carrier_t *rows, size_t *nrows, int64_t *total, carrier_sip_t *sip, cerr_t *e)
{
    if (core_st(e, c->st->ops->carrier_list(c->st, core_owner_id(caller), core_sub_id(caller),
                                            name, limit, offset, rows, nrows, total),
                NULL) != C_OK)
        return C_ERR;
    return sip ? carrier_sip_rows(c, rows, *nrows, sip, e) : C_OK;
}

int carrier_delete(core_t *c, const account_t *caller, const char *ref, cerr_t *e)
{
    carrier_t cr;
    memset(&cr, 0, sizeof cr);
    if (core_begin(c, e) != C_OK) return C_ERR;
    if (load(c, caller, ref, &cr, e) != C_OK) return core_end(c, C_ERR, e);
    int64_t in_use = 0;
    int rc = c->st->ops->carrier_delete(c->st, cr.account_id, cr.id, &in_use);
    int ret = C_OK;
    if (rc == ST_CONFLICT)
        ret = cerr(e, CE_CONFLICT, "carrier %s still has %lld number%s: unrent %s first", cr.name,
                   (long long)in_use, in_use == 1 ? "" : "s", in_use == 1 ? "it" : "them");
    else if (rc == ST_NOTFOUND)
        ret = cerr(e, CE_NOTFOUND, "carrier not found");
    else
        ret = core_st(e, rc, NULL);
    if (ret == C_OK) ret = carrier_events(c, &cr, NULL, e);
    ret = core_end(c, ret, e);
    if (ret == C_OK) reg_kick(); /* a reg carrier unregisters now, not at the next poll */
    carrier_clear(&cr);
    return ret;
}


/* ---- writing ---------------------------------------------------------------- */

/* Checks cr as a whole; C_ERR with the faults joined into one message. */
static int check_all(const carrier_t *cr, cerr_t *e)
{
    faults_t f;
    f.n = 0;
    carrier_check(cr, &f);
    if (f.n == 0) return C_OK;
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < f.n && i < FAULTS_MAX; i++)
        buf_printf(&b, "%s%s: %s", i ? "; " : "", f.f[i].path, f.f[i].msg);
    cerr(e, CE_INVALID, "invalid carrier: %s", b.data);
    buf_free(&b);
    return C_ERR;
}

/* A name taken by another carrier of the same owner (the main account's
 * own carriers, or one subaccount's: names are unique per owner, so that a
 * subaccount never learns its parent's or siblings' names -- issue 15,
 * migrations 0007/0006)? */
static int name_taken(core_t *c, const carrier_t *cr, bool *taken)
{
    carrier_t other[8];
    size_t n = 0;
    int64_t total = 0;
    *taken = false;
    /* sub filter: the subaccount's carriers; 0 lists the account's all, of
     * which only the main account's own (sub_id 0) share its names */
    if (c->st->ops->carrier_list(c->st, cr->account_id, cr->sub_id, cr->name, 8, 0, other, &n, &total) != ST_OK)
        return C_ERR;
    for (size_t i = 0; i < n; i++)
        if (other[i].id != cr->id && other[i].sub_id == cr->sub_id) *taken = true;
    carrier_clear_rows(other, n);
    return C_OK;
}

/* Inserts a new carrier with fresh ids; retries on an id collision
 * (astronomically rare), fails on a taken name. */
static int insert_new(core_t *c, carrier_t *cr, cerr_t *e)
{
    for (int tries = 0; tries < 5; tries++) {
        ids_uuid_v4(cr->uuid);
        ids_uuid_v4(cr->voip_sid);
        ids_digits(cr->carrier_id, 14);
        for (size_t i = 0; i < cr->ngw; i++) ids_uuid_v4(cr->gw[i].sid);
        int rc = c->st->ops->carrier_insert(c->st, cr);
        if (rc == ST_OK) return C_OK;
        if (rc != ST_CONFLICT) return core_st(e, ST_ERR, NULL);
        bool taken;
        if (name_taken(c, cr, &taken) != C_OK) return core_st(e, ST_ERR, NULL);
        if (taken) return cerr(e, CE_CONFLICT, "a carrier named %s already exists", cr->name);
    }
    return cerr(e, CE_INTERNAL, "could not allocate a carrier id");
}

/* insert_new and its event carrier.created, in one transaction */
static int insert_created(core_t *c, carrier_t *cr, cerr_t *e)
{
    if (core_begin(c, e) != C_OK) return C_ERR;
    int r = insert_new(c, cr, e);
    if (r == C_OK) r = carrier_events(c, NULL, cr, e);
    r = core_end(c, r, e);
    if (r == C_OK) reg_kick(); /* a new reg carrier registers now (once it is committed) */
    return r;
}

void carrier_ranges_receive(carrier_t *cr)
{
    for (size_t i = 0; i < cr->ngw; i++) {
        gateway_t *g = &cr->gw[i];
        if (g->inbound && g->outbound && carrier_gw_range(g)) g->outbound = false;
    }
}

static int save_update(core_t *c, carrier_t *cr, cerr_t *e)
{
    for (size_t i = 0; i < cr->ngw; i++)
        if (!cr->gw[i].sid[0]) ids_uuid_v4(cr->gw[i].sid);
    cr->updated_at = clock_now();
    int rc = c->st->ops->carrier_update(c->st, cr);
    if (rc == ST_CONFLICT) return cerr(e, CE_CONFLICT, "a carrier named %s already exists", cr->name);
    if (rc == ST_NOTFOUND) return cerr(e, CE_NOTFOUND, "carrier not found");
    if (rc == ST_OK) reg_kick(); /* new credentials or registrar: re-register now */
    return core_st(e, rc, NULL);
}

/* Plivo names: 1-64 of [A-Za-z0-9_-] (seed 000). */
static bool plivo_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 64) return false;
    for (size_t i = 0; i < n; i++)
        if (!nd_isalnum(s[i]) && s[i] != '_' && s[i] != '-') return false;
    return true;
}

int carrier_plivo_create(core_t *c, const account_t *caller, const carrier_plivo_in_t *in,
                         carrier_t *out, cerr_t *e)
{
    memset(out, 0, sizeof *out);
    if (!in->name) return cerr(e, CE_INVALID, "missing required parameter: name");
    if (!in->ip_set) return cerr(e, CE_INVALID, "missing required parameter: ip_set");
    if (!plivo_name_ok(in->name))
        return cerr(e, CE_INVALID, "invalid name: 1-64 of letters, digits, '-' and '_'");
    out->account_id = core_owner_id(caller);
    out->sub_id = core_sub_id(caller);
    snprintf(out->sub_auth_id, sizeof out->sub_auth_id, "%s", caller->parent_id ? caller->auth_id : "");
    snprintf(out->name, sizeof out->name, "%s", in->name);
    out->trunk = TRUNK_STATIC_IP;
    out->incoming = true; /* SIP.md §1: the SBC reports kind "incoming" */
    out->voice = in->voice != 0;   /* -1 (not given): true */
    out->sms = in->sms != 0;
    out->created_at = out->updated_at = clock_now();
    if (carrier_parse_ip_set(in->ip_set, &out->gw, &out->ngw, e) != C_OK) return C_ERR;
    if (check_all(out, e) != C_OK || insert_created(c, out, e) != C_OK) {
        carrier_clear(out);
        return C_ERR;
    }
    return C_OK;
}

/* Replaces the inbound addresses of cr with set[0..n): an address already
 * there keeps its gateway (sid, port, outbound flag); a gateway that is
 * also outbound survives as outbound only; the rest are new, inbound only.
 * The new inbound order is the order given. */
static void replace_inbound(carrier_t *cr, const gateway_t *set, size_t n)
{
    gateway_t *gw = xcalloc(n + cr->ngw, sizeof *gw);
    bool *used = xcalloc(cr->ngw + 1, sizeof *used);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        gw[k] = set[i];
        for (size_t j = 0; j < cr->ngw; j++) {
            const gateway_t *old = &cr->gw[j];
            if (!used[j] && old->inbound && old->netmask == set[i].netmask &&
                strcmp(old->address, set[i].address) == 0) {
                gw[k] = *old;
                used[j] = true;
                break;
            }
        }
        k++;
    }
    for (size_t j = 0; j < cr->ngw; j++) {
        /* a range left out of ip_set goes: as an outbound /32 it would be
         * its network's own address (a review, session 39) */
        if (used[j] || !cr->gw[j].outbound || carrier_gw_range(&cr->gw[j])) continue;
        gw[k] = cr->gw[j];
        gw[k].inbound = false;
        gw[k].netmask = full_len(gw[k].address);
        k++;
    }
    free(used);
    free(cr->gw);
    cr->gw = gw;
    cr->ngw = k;
}

int carrier_plivo_update(core_t *c, const account_t *caller, const char *ref,
                         const carrier_plivo_in_t *in, cerr_t *e)
{
    carrier_t cr, was;
    gateway_t *set = NULL;
    size_t nset = 0;
    int ret = C_ERR;
    memset(&cr, 0, sizeof cr);
    memset(&was, 0, sizeof was);
    if (in->name && !plivo_name_ok(in->name))
        return cerr(e, CE_INVALID, "invalid name: 1-64 of letters, digits, '-' and '_'");
    if (in->ip_set && carrier_parse_ip_set(in->ip_set, &set, &nset, e) != C_OK) return C_ERR;
    /* read, change and write under the write lock: two updates cannot
     * interleave and lose one of them */
    if (core_begin(c, e) != C_OK) goto done;
    if (load(c, caller, ref, &cr, e) != C_OK) goto rollback;
    carrier_copy(&was, &cr);
    carrier_ranges_receive(&cr);
    if (in->name) snprintf(cr.name, sizeof cr.name, "%s", in->name);
    if (in->voice >= 0) cr.voice = in->voice != 0;
    if (in->sms >= 0) cr.sms = in->sms != 0;
    if (set) replace_inbound(&cr, set, nset);
    if (check_all(&cr, e) != C_OK) goto rollback;
    /* an update that changes nothing writes nothing: its updated_at stays
     * (it moved while no event said why) */
    if (carrier_differs(&was, &cr) &&
        (save_update(c, &cr, e) != C_OK || carrier_events(c, &was, &cr, e) != C_OK))
        goto rollback;
    if (core_commit(c, e) != C_OK) goto done;
    ret = C_OK;
    goto done;
rollback:
    core_rollback(c);
done:
    free(set);
    carrier_clear(&cr);
    carrier_clear(&was);
    return ret;
}

/* ---- BYOC dialect ---------------------------------------------------------- */

static bool has_space(const char *s)
{
    for (; *s; s++)
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') return true;
    return false;
}

static void set_user(const char *v, const char *path, char *dst, size_t sz, faults_t *f)
{
    if (!core_text_fits(v, 64, sz) || has_space(v))
        fault_add(f, path, "1-64 characters, no whitespace");
    else snprintf(dst, sz, "%s", v);
}

static void set_password(core_t *c, const char *v, const char *path, uint8_t *box, size_t *len,
                         faults_t *f)
{
    size_t n = strlen(v);
    cerr_t e;
    bool ctl = false;
    for (size_t i = 0; i < n; i++) ctl |= (unsigned char)v[i] < 0x20 || v[i] == 0x7f;
    if (n < 8 || n > 128 || ctl) fault_add(f, path, "8-128 bytes, no control characters");
    else if (carrier_seal(c, v, box, len, &e) != C_OK) fault_add(f, path, "%s", e.msg);
}

/* A host for SIP: a host name or an IPv4 address, canonical in dst. */
static void set_host(const char *v, const char *path, char *dst, size_t sz, faults_t *f)
{
    net_ip_t ip;
    size_t n = strlen(v);
    if (strncasecmp(v, "sip:", 4) == 0 || strncasecmp(v, "sips:", 5) == 0) {
        fault_add(f, path, "give the host only, without the sip: prefix (e.g. %.64s)",
                  v + (v[3] == ':' ? 4 : 5));
    } else if (has_space(v)) {
        fault_add(f, path, "no whitespace allowed");
    } else if (net_parse_ipv4(v, n, &ip, NULL) == C_OK) {
        net_format(&ip, dst);
    } else if (net_hostname_ok(v, n, NULL)) {
        for (size_t i = 0; i <= n && i < sz; i++) dst[i] = (char)nd_tolower(v[i]);
        dst[sz - 1] = '\0';
    } else {
        fault_add(f, path, "want a host name or an IPv4 address");
    }
}

/* The BYOC dialect's sip_gateway.ipv4 (API.md: an IPv4 address, or a host
 * name for an outbound-only gateway).  One IPv6 address is taken: the
 * gateway's own, unchanged -- a carrier made in the Plivo dialect may have
 * one (ip_set takes IPv6), BYOC shows it, and what a client read must go
 * back as it was (a PATCH of the whole sip_gateway, its port changed, was
 * refused).  keep: the stored address, "" on create. */
static void set_gateway_address(const char *v, const char *keep, gateway_t *g, faults_t *f)
{
    net_ip_t ip;
    const char *why = NULL;
    size_t n = strlen(v);
    char canon[NET_ADDR_SZ];
    g->address[0] = '\0';
    if (strncasecmp(v, "sip:", 4) == 0) {
        fault_add(f, "sip_gateway.ipv4", "give the address only, without the sip: prefix (e.g. %.64s)", v + 4);
    } else if (net_parse_ipv4(v, n, &ip, &why) == C_OK) {
        net_format(&ip, g->address);
    } else if (keep[0] && net_parse_ip(v, n, &ip, NULL) == C_OK && ip.family == 6 &&
               (net_format(&ip, canon), strcmp(canon, keep) == 0)) {
        snprintf(g->address, sizeof g->address, "%s", canon);
    } else if (strchr(v, ':')) {
        fault_add(f, "sip_gateway.ipv4", "%.64s is not an IPv4 address (an IPv6 address or a port "
                  "does not belong here: give the port in sip_gateway.port)", v);
    } else if (net_hostname_ok(v, n, NULL)) {
        for (size_t i = 0; i <= n && i < sizeof g->address; i++) g->address[i] = (char)nd_tolower(v[i]);
    } else if (nd_isdigit(v[0]) && strchr(v, '.')) {
        fault_add(f, "sip_gateway.ipv4", "%.64s is not a valid IPv4 address: %s", v, why ? why : "invalid");
    } else {
        fault_add(f, "sip_gateway.ipv4", "want an IPv4 address (or, for an outbound-only gateway, a host name)");
    }
}

static int parse_trunk(const char *s, trunk_type_t *out)
{
    if (strcmp(s, "static_ip") == 0) *out = TRUNK_STATIC_IP;
    else if (strcmp(s, "auth") == 0) *out = TRUNK_AUTH;
    else if (strcmp(s, "reg") == 0) *out = TRUNK_REG;
    else return C_ERR;
    return C_OK;
}

/* Merges in into cr (create: cr holds the defaults), recording faults. */
static void apply_byoc(core_t *c, carrier_t *cr, const carrier_byoc_in_t *in, bool create, faults_t *f)
{
    if (in->name) {
        const char *s = in->name;
        size_t n = strlen(s);
        while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
        if (n >= sizeof cr->name) {
            /* too long for the buffer: refused, never cut (a cut kept the
             * first 100 characters of a longer name, or split one) */
            fault_add(f, "carrier_name", "1-100 characters, no control characters");
        } else {
            memcpy(cr->name, s, n);
            cr->name[n] = '\0';
        }
        /* carrier_check() judges the trimmed name */
    } else if (create) {
        fault_add(f, "carrier_name", "required");
    }
    if (in->trunk && parse_trunk(in->trunk, &cr->trunk) != C_OK)
        fault_add(f, "trunk_type", "must be static_ip, auth or reg");

    if (in->gw_given == 1) {
        gateway_t *g = &cr->gw[0];
        char keep[sizeof g->address];
        snprintf(keep, sizeof keep, "%s", create ? "" : g->address);
        if (in->gw.address) set_gateway_address(in->gw.address, keep, g, f);
        else if (create) fault_add(f, "sip_gateway.ipv4", "required");
        if (in->gw.port >= 0) g->port = in->gw.port;
        /* the dialect reads 1-128; past 32 only for an IPv6 gateway */
        /* (a refused address too: only the gateway's own IPv6 one takes more) */
        if (in->gw.netmask > 32 && !strchr(g->address, ':'))
            fault_add(f, "sip_gateway.netmask", "must be an integer from 1 to 32");
        else if (in->gw.netmask >= 0) g->netmask = in->gw.netmask;
        if (in->gw.inbound >= 0) g->inbound = in->gw.inbound != 0;
        if (in->gw.outbound >= 0) g->outbound = in->gw.outbound != 0;
        /* a new range (netmask under the address's length) with outbound
         * not given receives only: calls are sent to one address, never to
         * a range (as the admin dialect's upstream gateways default) */
        else if (create && g->inbound && carrier_gw_range(g)) g->outbound = false;
        if (in->gw.transport) {
            if (strcmp(in->gw.transport, "udp") == 0) g->transport = GW_TP_UDP;
            else if (strcmp(in->gw.transport, "tcp") == 0) g->transport = GW_TP_TCP;
            else fault_add(f, "sip_gateway.transport", "must be udp or tcp");
        }
    } else if (create) {
        fault_add(f, "sip_gateway", "required");
    }

    if (in->in_auth == 0) {
        cr->in_user[0] = '\0';
        cr->in_box_len = 0;
    } else if (in->in_auth == 1) {
        if (in->in_user) set_user(in->in_user, "inbound_auth.username", cr->in_user, sizeof cr->in_user, f);
        else if (!cr->in_user[0]) fault_add(f, "inbound_auth.username", "required");
        if (in->in_pass) set_password(c, in->in_pass, "inbound_auth.password", cr->in_box, &cr->in_box_len, f);
        else if (!cr->in_box_len) fault_add(f, "inbound_auth.password", "required");
    }

    if (in->reg == 0) {
        cr->reg_user[0] = cr->reg_realm[0] = cr->reg_from_user[0] = cr->reg_from_domain[0] = '\0';
        cr->reg_box_len = 0;
        cr->reg_expires = 0;
    } else if (in->reg == 1) {
        if (in->reg_user) set_user(in->reg_user, "registration.username", cr->reg_user, sizeof cr->reg_user, f);
        else if (!cr->reg_user[0]) fault_add(f, "registration.username", "required");
        if (in->reg_pass) set_password(c, in->reg_pass, "registration.password", cr->reg_box, &cr->reg_box_len, f);
        else if (!cr->reg_box_len) fault_add(f, "registration.password", "required");
        if (in->reg_realm) set_host(in->reg_realm, "registration.sip_realm", cr->reg_realm, sizeof cr->reg_realm, f);
        else if (!cr->reg_realm[0]) fault_add(f, "registration.sip_realm", "required");
        if (in->reg_from_user) {
            if (in->reg_from_user[0]) set_user(in->reg_from_user, "registration.from_user", cr->reg_from_user, sizeof cr->reg_from_user, f);
            else cr->reg_from_user[0] = '\0';
        }
        if (in->reg_from_domain) {
            if (in->reg_from_domain[0]) set_host(in->reg_from_domain, "registration.from_domain", cr->reg_from_domain, sizeof cr->reg_from_domain, f);
            else cr->reg_from_domain[0] = '\0';
        }
        if (in->reg_expires >= 0) cr->reg_expires = in->reg_expires;
        else if (!cr->reg_expires) cr->reg_expires = 3600;
    }
}

/* CE_INVALID naming how many faults f holds (C_ERR), or C_OK if none. */
static int faults_result(const faults_t *f, cerr_t *e)
{
    if (f->n == 0) return C_OK;
    if (f->n == 1) return cerr(e, CE_INVALID, "%s: %s", f->f[0].path, f->f[0].msg);
    return cerr(e, CE_INVALID, "the carrier has %zu problems: see errors", f->n);
}

int carrier_byoc_create(core_t *c, const account_t *caller, const carrier_byoc_in_t *in,
                        faults_t *f, carrier_t *out, cerr_t *e)
{
    memset(out, 0, sizeof *out);
    out->account_id = core_owner_id(caller);
    out->sub_id = core_sub_id(caller);
    /* with sub_id: the event (carrier.created) names the subaccount */
    if (caller->parent_id) snprintf(out->sub_auth_id, sizeof out->sub_auth_id, "%s", caller->auth_id);
    out->trunk = TRUNK_STATIC_IP;
    out->voice = out->sms = true;
    out->gw = xcalloc(1, sizeof *out->gw);
    out->ngw = 1;
    out->gw[0].port = 5060;
    out->gw[0].netmask = 32;
    out->gw[0].inbound = out->gw[0].outbound = true;
    out->created_at = out->updated_at = clock_now();
    apply_byoc(c, out, in, true, f);
    carrier_check(out, f);
    if (faults_result(f, e) != C_OK || insert_created(c, out, e) != C_OK) {
        carrier_clear(out);
        return C_ERR;
    }
    return C_OK;
}

int carrier_byoc_update(core_t *c, const account_t *caller, const char *ref,
                        const carrier_byoc_in_t *in, faults_t *f, carrier_t *out,
                        carrier_sip_t *sip, cerr_t *e)
{
    memset(out, 0, sizeof *out);
    if (sip) memset(sip, 0, sizeof *sip);
    /* read, merge and write under the write lock: two updates cannot
     * interleave and lose one of them */
    if (core_begin(c, e) != C_OK) return C_ERR;
    carrier_t was;
    memset(&was, 0, sizeof was);
    if (load(c, caller, ref, out, e) != C_OK) goto fail;
    carrier_copy(&was, out);
    carrier_ranges_receive(out);
    apply_byoc(c, out, in, false, f);
    carrier_check(out, f);
    if (faults_result(f, e) != C_OK) goto fail;
    /* nothing changed: nothing written (carrier_plivo_update) */
    if (carrier_differs(&was, out) &&
        (save_update(c, out, e) != C_OK || carrier_events(c, &was, out, e) != C_OK))
        goto fail;
    if (sip && carrier_sip_of(c, out, sip, e) != C_OK) goto fail;
    carrier_clear(&was);
    if (core_commit(c, e) != C_OK) {
        if (sip) carrier_sip_clear(sip);
        carrier_clear(out);
        return C_ERR;
    }
    return C_OK;
fail:
    core_rollback(c);
    carrier_clear(&was);
    carrier_clear(out);
    return C_ERR;
}
