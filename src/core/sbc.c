/* sbc.c (core) -- SIP.md §3-4: the inbound and outbound lookups.  Every
 * decision is made inside one read section of the index (one consistent
 * state); what the answer needs is copied out, the section ends, and only
 * then are sealed passwords opened and digested (no lock held while
 * hashing). */
#include "core/sbc.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/core_int.h"
#include "core/net.h"
#include "core/secrets.h"
#include "store/store.h"

/* ---- parameters ----------------------------------------------------------- */

int sbcl_number(const char *s, char out[E164_BUFSZ])
{
    if (!s) return C_ERR;
    size_t n = strlen(s);
    if (n > 256) return C_ERR;
    const char *p = s, *end = s + n;
    if (!strncasecmp(p, "sips:", 5)) p += 5;
    else if (!strncasecmp(p, "sip:", 4) || !strncasecmp(p, "tel:", 4)) p += 4;
    /* the user part of a URI: up to '@' (host) or ';' (parameters) */
    for (const char *q = p; q < end; q++) {
        if (*q == '@' || *q == ';' || *q == '?' || *q == '>') {
            end = q;
            break;
        }
    }
    char d[E164_BUFSZ + 1];
    size_t nd = 0;
    bool plus = false;
    for (const char *q = p; q < end; q++) {
        if (*q >= '0' && *q <= '9') {
            if (nd == sizeof d - 1) return C_ERR;
            d[nd++] = *q;
        } else if (*q == '+' && nd == 0 && !plus) {
            plus = true;
        } else if (*q == ' ' || *q == '-' || *q == '.' || *q == '(' || *q == ')' || *q == '/') {
            /* visual separators (RFC 3966 allows - . ( )) */
        } else {
            return C_ERR;
        }
    }
    d[nd] = '\0';
    const char *digits = d;
    if (!plus && nd > 2 && d[0] == '0' && d[1] == '0') digits = d + 2;
    return e164_parse(digits, out, NULL) == C_OK ? C_OK : C_ERR;
}

static const char *kind_name(uint8_t k)
{
    return k == SBC_KIND_UPSTREAM ? "upstream" : k == SBC_KIND_INCOMING ? "incoming" : "byoc";
}

static const char *trunk_name(uint8_t t)
{
    return t == SBC_TRUNK_AUTH ? "auth" : t == SBC_TRUNK_REG ? "reg" : "static_ip";
}

static void copy_carrier(sbcl_carrier_t *o, const sbc_carrier_t *c)
{
    snprintf(o->kind, sizeof o->kind, "%s", kind_name(c->kind));
    snprintf(o->id, sizeof o->id, "%s", c->pub_id ? c->pub_id : "");
    snprintf(o->name, sizeof o->name, "%s", c->name ? c->name : "");
    snprintf(o->trunk, sizeof o->trunk, "%s", trunk_name(c->trunk));
}

static int reject(sbcl_answer_t *a, int code, const char *reason)
{
    a->action = SBCL_REJECT;
    a->sip_code = code;
    a->reason = reason;
    return C_OK;
}

/* HA1s of (user, realm, the password in box): MD5 and, when sha is not
 * NULL, SHA-256.  The plaintext is wiped here. */
static int make_ha1(core_t *c, const char *user, const char *realm, const uint8_t *box, size_t boxlen,
                    char md5[DIGEST_HEX_SZ], char *sha, cerr_t *e)
{
    if (!c->key) return cerr(e, CE_INTERNAL, "no server key: SIP passwords cannot be opened");
    char plain[SEC_PLAIN_MAX + 1];
    size_t n = 0;
    if (sec_open(c->key, box, boxlen, plain, &n) != C_OK)
        return cerr(e, CE_INTERNAL, "a carrier's sealed password does not open with the server key");
    digest_ha1(DIGEST_MD5, user, realm, plain, md5);
    if (sha) digest_ha1(DIGEST_SHA256, user, realm, plain, sha);
    ids_wipe(plain, sizeof plain);
    return C_OK;
}

/* A realm as the SBC passes it: a host-ish token without quotes. */
static bool realm_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253) return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= ' ' || s[i] == '"' || s[i] == '\\' || (unsigned char)s[i] >= 0x7f) return false;
    return true;
}

/* Zeroes everything but the route slots (each zeroed when it is used). */
static void answer_reset(sbcl_answer_t *a)
{
    memset(a, 0, offsetof(sbcl_answer_t, routes));
    a->nroutes = 0;
}

void sbcl_answer_wipe(sbcl_answer_t *a)
{
    size_t n = a->nroutes <= SBCL_MAX_ROUTES ? a->nroutes : SBCL_MAX_ROUTES;
    ids_wipe(a->routes, n * sizeof a->routes[0]);
    ids_wipe(a, offsetof(sbcl_answer_t, routes));
}

/* ---- inbound (SIP.md §3) ---------------------------------------------------- */

int sbcl_inbound(core_t *c, sbcfeed_t *f, const sbcl_in_t *in, int cache_ttl, sbcl_answer_t *a,
                 cerr_t *e)
{
    answer_reset(a);
    net_ip_t ip;
    if (!in->src_ip || net_parse_ip(in->src_ip, strlen(in->src_ip), &ip, NULL) != C_OK)
        return cerr(e, CE_INVALID, in->src_ip ? "src_ip: want an IPv4 or IPv6 address"
                                              : "missing required parameter: src_ip");
    if (!in->to) return cerr(e, CE_INVALID, "missing required parameter: to");
    if (strlen(in->to) > 256) return cerr(e, CE_INVALID, "to: at most 256 bytes");
    if (in->transport && strcmp(in->transport, "udp") && strcmp(in->transport, "tcp") &&
        strcmp(in->transport, "tls"))
        return cerr(e, CE_INVALID, "transport: want udp, tcp or tls");
    if (in->src_port) {
        char *endp;
        long p = strtol(in->src_port, &endp, 10);
        if (!*in->src_port || *endp || p < 1 || p > 65535)
            return cerr(e, CE_INVALID, "src_port: want 1-65535");
    }
    if (in->realm && !realm_ok(in->realm)) return cerr(e, CE_INVALID, "realm: want a host name");
    if (in->auth_user && (!*in->auth_user || strlen(in->auth_user) > 256))
        return cerr(e, CE_INVALID, "auth_user: 1-256 bytes");
    if ((in->from && strlen(in->from) > 1024) || (in->call_id && strlen(in->call_id) > 1024))
        return cerr(e, CE_INVALID, "from and call_id: at most 1024 bytes");

    char number[E164_BUFSZ];
    bool num_ok = sbcl_number(in->to, number) == C_OK;
    uint64_t key = 0;
    if (num_ok && sbc_number_key(number, strlen(number), &key) != C_OK) num_ok = false;

    if (sbcfeed_sync(f) != C_OK) return cerr(e, CE_INTERNAL, "the SBC index is not current");
    sbc_addr_t src;
    memset(&src, 0, sizeof src);
    src.family = ip.family;
    memcpy(src.addr, ip.addr, sizeof src.addr);

    sbc_read_t r;
    if (sbc_read_begin(sbcfeed_index(f), &r) != C_OK)
        return cerr(e, CE_INTERNAL, "the SBC index is not current");
    /* what must be digested after the section */
    uint8_t box[SBC_BOX_MAX];
    size_t boxlen = 0;
    const sbc_gwref_t *refs;
    size_t nrefs;
    int plen;
    sbc_number_t num;
    sbc_gwref_t ref;
    const sbc_carrier_t *cr;
    const sbc_account_t *owner, *sub = NULL;
    if (!sbc_r_source(&r, &src, &refs, &nrefs, &plen)) {
        reject(a, 403, "unknown source");
    } else if (!num_ok || !sbc_r_number(&r, key, &num) || num.state != 1) {
        reject(a, 404, "number not provisioned");
    } else if (!num.carrier || !(cr = sbc_r_carrier(&r, num.carrier)) ||
               !sbc_r_source_of(&r, &src, num.carrier, &ref, &plen)) {
        reject(a, 403, "source not allowed for this number");
    } else if (!(owner = sbc_r_account(&r, num.owner)) || owner->status != SBC_ACCT_ACTIVE ||
               (num.sub && (!(sub = sbc_r_account(&r, num.sub)) || sub->status != SBC_ACCT_ACTIVE))) {
        reject(a, 403, "account suspended");
    } else if (cr->no_voice) {
        /* the carrier's voice is off (Plivo voice=false): its calls are
         * not taken, as its numbers' are not sent out through it */
        reject(a, 403, "carrier voice disabled");
    } else if (num.no_voice) {
        reject(a, 403, "number voice disabled"); /* an SMS-only number (voice_enabled false) */
    } else {
        copy_carrier(&a->carrier, cr);
        bool auth_trunk = cr->trunk == SBC_TRUNK_AUTH;
        if (auth_trunk && (!in->auth_user || !cr->in_user || strcmp(in->auth_user, cr->in_user) != 0)) {
            if (!in->auth_user) {
                a->action = SBCL_CHALLENGE;
                a->auth = true;
            } else {
                reject(a, 403, "bad credentials");
            }
        } else {
            a->action = SBCL_ACCEPT;
            a->auth = auth_trunk;
            snprintf(a->auth_id, sizeof a->auth_id, "%s", owner->auth_id);
            if (sub) snprintf(a->sub_auth_id, sizeof a->sub_auth_id, "%s", sub->auth_id);
            snprintf(a->number, sizeof a->number, "%s", number);
            bool zero = true;
            for (int i = 0; i < 16; i++) zero &= num.sid[i] == 0;
            if (!zero) sbc_uuid_text(num.sid, a->number_sid);
            const sbc_gw_in_t *g = &cr->in[ref.gw];
            snprintf(a->gw_sid, sizeof a->gw_sid, "%s", g->sid);
            net_ip_t gip;
            gip.family = g->addr.family;
            memcpy(gip.addr, g->addr.addr, sizeof gip.addr);
            net_format_cidr(&gip, g->plen, a->gw_address);
            const sbc_app_t *app = num.app ? sbc_r_app(&r, num.app) : NULL;
            if (app) {
                a->has_app = true;
                snprintf(a->app_id, sizeof a->app_id, "%s", app->app_id_text);
                snprintf(a->answer_url, sizeof a->answer_url, "%s", app->answer_url ? app->answer_url : "");
                snprintf(a->answer_method, sizeof a->answer_method, "%s", app->answer_method);
            }
            a->cache_ttl = cache_ttl;
        }
        if (a->auth) {
            snprintf(a->username, sizeof a->username, "%s", cr->in_user ? cr->in_user : "");
            boxlen = cr->in_box_len <= sizeof box ? cr->in_box_len : 0;
            if (boxlen) memcpy(box, cr->in_box, boxlen);
        }
    }
    sbc_read_end(&r);
    if (a->auth) {
        if (!in->realm) {
            ids_wipe(box, sizeof box);
            return cerr(e, CE_INVALID, "missing parameter: realm (needed for the auth trunk's digest)");
        }
        snprintf(a->realm, sizeof a->realm, "%s", in->realm);
        int rc = make_ha1(c, a->username, a->realm, box, boxlen, a->ha1, a->ha1_sha256, e);
        ids_wipe(box, sizeof box);
        if (rc != C_OK) return C_ERR;
    }
    return C_OK;
}

/* ---- outbound (SIP.md §4) --------------------------------------------------- */

typedef struct {
    uint32_t ids[64];
    size_t n;
} cand_t;

static void cand_add(cand_t *cd, uint32_t id)
{
    if (!id) return;
    for (size_t i = 0; i < cd->n; i++)
        if (cd->ids[i] == id) return;
    if (cd->n < ND_ARRAY_LEN(cd->ids)) cd->ids[cd->n++] = id;
}

/* Does ref name carrier cr by any id a dialect shows for it (the BYOC id
 * or voip_carrier_sid, the Plivo carrier_id)? */
static bool names_carrier(const sbc_carrier_t *cr, const char *ref)
{
    const char *const ids[] = {cr->pub_id, cr->pub_sid, cr->pub_num};
    for (size_t i = 0; i < 3; i++)
        if (ids[i] && ids[i][0] && strcmp(ids[i], ref) == 0) return true;
    return false;
}

/* What a caller of subaccount sub_id (0: a main account) may use: its
 * main account's own (owner_sub 0) or its own, never a sibling's. */
static bool sub_sees(uint32_t sub_id, uint32_t owner_sub)
{
    return sub_id == 0 || owner_sub == 0 || owner_sub == sub_id;
}

static bool has_out(const sbc_carrier_t *c)
{
    if (!c || c->no_voice) return false; /* a carrier whose voice is off takes no calls */
    for (uint16_t i = 0; i < c->n_out; i++)
        if (!c->out[i].down) return true;
    return false;
}

/* What a route needs from its carrier, copied inside the read section. */
typedef struct {
    uint8_t box[SBC_BOX_MAX];
    size_t boxlen;
} route_box_t;

int sbcl_outbound(core_t *c, sbcfeed_t *f, const sbcl_out_t *in, sbcl_answer_t *a, cerr_t *e)
{
    answer_reset(a);
    if (!in->account) return cerr(e, CE_INVALID, "missing required parameter: account");
    if (!in->to) return cerr(e, CE_INVALID, "missing required parameter: to");
    if (!in->from) return cerr(e, CE_INVALID, "missing required parameter: from");
    char to[E164_BUFSZ], from[E164_BUFSZ];
    if (strlen(in->to) > 256) return cerr(e, CE_INVALID, "to: at most 256 bytes");
    /* A destination that is no E.164 number (911, a short code, a national
     * number without its country code) is a call numberd cannot route, not
     * a malformed lookup: a reject the SBC passes to the caller (484, after
     * the account's and the caller id's checks), as inbound's is a 404.  A
     * 400 made the reference SBC answer 503, which UAs retry and alert on. */
    bool to_ok = sbcl_number(in->to, to) == C_OK;
    bool from_ok = sbcl_number(in->from, from) == C_OK;
    if (in->carrier && strlen(in->carrier) > 64) return cerr(e, CE_INVALID, "carrier: at most 64 bytes");
    if (strlen(in->account) > 40) return cerr(e, CE_INVALID, "account: want an auth_id");

    if (sbcfeed_sync(f) != C_OK) return cerr(e, CE_INTERNAL, "the SBC index is not current");
    sbc_read_t r;
    if (sbc_read_begin(sbcfeed_index(f), &r) != C_OK)
        return cerr(e, CE_INTERNAL, "the SBC index is not current");
    /* the auth_id from the index, not a store query per lookup; an auth_id
     * the index does not know goes to the store, which decides (no such
     * account: 400) */
    uint32_t main_id, sub_id;
    const sbc_account_t *ia = sbc_r_account_by_auth(&r, in->account);
    if (ia) {
        main_id = ia->parent ? ia->parent : ia->id;
        sub_id = ia->parent ? ia->id : 0;
    } else {
        sbc_read_end(&r);
        account_t acct;
        int st = c->st->ops->account_by_auth_id(c->st, in->account, &acct);
        if (st == ST_NOTFOUND) return cerr(e, CE_INVALID, "account: no such auth_id");
        if (st != ST_OK) return core_st(e, st, NULL);
        main_id = (uint32_t)(acct.parent_id ? acct.parent_id : acct.id);
        sub_id = acct.parent_id ? (uint32_t)acct.id : 0;
        if (sbc_read_begin(sbcfeed_index(f), &r) != C_OK)
            return cerr(e, CE_INTERNAL, "the SBC index is not current");
    }
    route_box_t *boxes = xcalloc(SBCL_MAX_ROUTES, sizeof *boxes);
    bool unknown_carrier = false;
    sbc_number_t num;
    uint64_t key = 0;
    const sbc_account_t *m = sbc_r_account(&r, main_id), *s = sub_id ? sbc_r_account(&r, sub_id) : NULL;
    if (!m || m->status != SBC_ACCT_ACTIVE || (sub_id && (!s || s->status != SBC_ACCT_ACTIVE))) {
        reject(a, 403, "account suspended");
    } else if (!from_ok || sbc_number_key(from, strlen(from), &key) != C_OK || !sbc_r_number(&r, key, &num) ||
               num.owner != main_id || !sub_sees(sub_id, num.sub)) {
        /* SIP.md §4: a number of the account or of its main account -- a
         * subaccount's caller id is never a sibling subaccount's number */
        reject(a, 403, "caller id not owned");
    } else if (num.no_voice) {
        reject(a, 403, "caller id voice disabled"); /* an SMS-only number places no calls */
    } else if (!to_ok) {
        reject(a, 484, "to not an E.164 number");
    } else {
        cand_t cd = {.n = 0};
        if (in->carrier) {
            /* forced: one of the account's carriers (a subaccount: its own
             * or its main account's, never a sibling's), or an upstream one.
             * It comes first and the others follow (SIP.md §4: a forced
             * carrier whose gateways are down, or with voice off, leaves the
             * rest); an id naming none of them is the caller's mistake, not
             * a silent unforced route */
            const uint32_t *ids;
            size_t n;
            bool named = false;
            for (int pass = 0; pass < 2; pass++) {
                if (pass == 0) sbc_r_account_carriers(&r, main_id, &ids, &n);
                else sbc_r_upstream_carriers(&r, &ids, &n);
                for (size_t i = 0; i < n; i++) {
                    const sbc_carrier_t *cr = sbc_r_carrier(&r, ids[i]);
                    if (!cr || !names_carrier(cr, in->carrier) ||
                        !(pass == 1 || sub_sees(sub_id, cr->sub)))
                        continue;
                    named = true;
                    if (!cr->no_voice) cand_add(&cd, ids[i]);
                }
            }
            if (!named) {
                unknown_carrier = true;
                goto read_done;
            }
        }
        const sbc_carrier_t *fc = sbc_r_carrier(&r, num.carrier);
        if (has_out(fc) && (fc->account == 0 || sub_sees(sub_id, fc->sub))) cand_add(&cd, num.carrier);
        const uint32_t *ids;
        size_t n;
        /* every candidate has a gateway up, so gives at least one route:
         * past SBCL_MAX_ROUTES candidates none would be used.  Stopping
         * there keeps a lookup's cost independent of how many carriers
         * exist (with 1,000 upstream carriers, walking them all and
         * de-duplicating each made the outbound lookup 2x slower). */
        sbc_r_account_carriers(&r, main_id, &ids, &n);
        for (size_t i = 0; i < n && cd.n < SBCL_MAX_ROUTES; i++) {
            const sbc_carrier_t *cr = sbc_r_carrier(&r, ids[i]);
            if (cr && has_out(cr) && sub_sees(sub_id, cr->sub)) cand_add(&cd, ids[i]);
        }
        sbc_r_upstream_carriers(&r, &ids, &n);
        for (size_t i = 0; i < n && cd.n < SBCL_MAX_ROUTES; i++)
            if (has_out(sbc_r_carrier(&r, ids[i]))) cand_add(&cd, ids[i]);
        for (size_t i = 0; i < cd.n && a->nroutes < SBCL_MAX_ROUTES; i++) {
            const sbc_carrier_t *cr = sbc_r_carrier(&r, cd.ids[i]);
            for (uint16_t g = 0; cr && g < cr->n_out && a->nroutes < SBCL_MAX_ROUTES; g++) {
                const sbc_gw_out_t *o = &cr->out[g];
                if (o->down) continue;
                sbcl_route_t *rt = &a->routes[a->nroutes];
                memset(rt, 0, sizeof *rt);
                static const char *const tp[] = {"udp", "tcp", "tls"};
                bool v6 = strchr(o->host, ':') != NULL;
                snprintf(rt->uri, sizeof rt->uri, "sip:+%s@%s%s%s:%u;transport=%s", to, v6 ? "[" : "",
                         o->host, v6 ? "]" : "", o->port, tp[o->transport < 3 ? o->transport : 0]);
                copy_carrier(&rt->carrier, cr);
                snprintf(rt->gw_sid, sizeof rt->gw_sid, "%s", o->sid);
                if (cr->out_user && cr->out_user[0] && cr->out_box_len && cr->out_box_len <= SBC_BOX_MAX) {
                    rt->auth = true;
                    snprintf(rt->auth_user, sizeof rt->auth_user, "%s", cr->out_user);
                    snprintf(rt->auth_realm, sizeof rt->auth_realm, "%s", cr->out_realm ? cr->out_realm : "");
                    memcpy(boxes[a->nroutes].box, cr->out_box, cr->out_box_len);
                    boxes[a->nroutes].boxlen = cr->out_box_len;
                }
                a->nroutes++;
            }
        }
        if (a->nroutes == 0) reject(a, 503, "no route");
        else a->action = SBCL_ROUTE;
    }
read_done:
    sbc_read_end(&r);
    if (unknown_carrier) {
        free(boxes); /* nothing copied into them yet */
        return cerr(e, CE_INVALID, "carrier: no carrier %.64s this account may use", in->carrier);
    }
    int ret = C_OK;
    for (size_t i = 0; i < a->nroutes && ret == C_OK; i++) {
        sbcl_route_t *rt = &a->routes[i];
        if (rt->auth)
            ret = make_ha1(c, rt->auth_user, rt->auth_realm, boxes[i].box, boxes[i].boxlen, rt->ha1, NULL, e);
    }
    ids_wipe(boxes, SBCL_MAX_ROUTES * sizeof *boxes);
    free(boxes);
    return ret;
}
