/* sipreg_set.c -- the set of registrations and its scheduler: the store
 * sync (which reg carriers exist, which this node holds the lock of) and
 * the timers that start, retransmit and time out requests. */
#include "sipreg/sipregInt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/ids.h"
#include "sip/digest.h"
#include "util/clock.h"
#include "util/log.h"

/* ---- the set of registrations ---------------------------------------------- */

static void fingerprint(const carrier_t *c, uint8_t out[32])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
#define H(f) crypto_generichash_update(&h, (const uint8_t *)(f), sizeof(f))
    H(c->reg_user);
    crypto_generichash_update(&h, c->reg_box, c->reg_box_len);
    H(c->reg_realm);
    H(c->reg_from_user);
    H(c->reg_from_domain);
    crypto_generichash_update(&h, (const uint8_t *)&c->reg_expires, sizeof c->reg_expires);
#undef H
    for (size_t i = 0; i < c->ngw; i++)
        if (c->gw[i].outbound) {
            crypto_generichash_update(&h, (const uint8_t *)c->gw[i].address, sizeof c->gw[i].address);
            crypto_generichash_update(&h, (const uint8_t *)&c->gw[i].port, sizeof c->gw[i].port);
            crypto_generichash_update(&h, (const uint8_t *)&c->gw[i].transport,
                                      sizeof c->gw[i].transport);
            break;
        }
    crypto_generichash_final(&h, out, 32);
}

void sipreg_reg_free(reg_t *g)
{
    sipreg_lookup_free(g->lk);
    sipreg_count_state(g, false);
    buf_free(&g->req);
    sipreg_chal_clear(g);
    carrier_clear(&g->cr);
    free(g);
}

/* Whether a and b bind the same Contact to the same AOR at the same
 * registrar: then b's REGISTER replaces a's binding (RFC 3261 §10.3, a new
 * Call-ID updates it), and an Expires: 0 for a -- sent at the same time,
 * or retransmitted after b's REGISTER got there -- would remove b's.  The
 * Contact's user is the AOR's (build_send), its host the node's own. */
static bool same_binding(const reg_t *a, const reg_t *b)
{
    const carrier_t *x = &a->cr, *y = &b->cr;
    const char *xu = x->reg_from_user[0] ? x->reg_from_user : x->reg_user,
               *yu = y->reg_from_user[0] ? y->reg_from_user : y->reg_user,
               *xd = x->reg_from_domain[0] ? x->reg_from_domain : x->reg_realm,
               *yd = y->reg_from_domain[0] ? y->reg_from_domain : y->reg_realm;
    return strcmp(xu, yu) == 0 && strcasecmp(xd, yd) == 0 && strcasecmp(a->host, b->host) == 0 &&
           a->port == b->port && a->tcp == b->tcp;
}

/* Takes cr's fields (moving its gateways) into a fresh registration. */
static reg_t *reg_new(carrier_t *cr, const uint8_t fp[32])
{
    reg_t *g = xcalloc(1, sizeof *g);
    g->id = cr->id;
    memcpy(g->fp, fp, 32);
    g->cr = *cr;
    memset(cr, 0, sizeof *cr);
    for (size_t i = 0; i < g->cr.ngw; i++)
        if (g->cr.gw[i].outbound) {
            snprintf(g->host, sizeof g->host, "%s", g->cr.gw[i].address);
            g->port = (unsigned)g->cr.gw[i].port;
            g->tcp = g->cr.gw[i].transport == GW_TP_TCP;
            break;
        }
    if (!g->host[0]) snprintf(g->host, sizeof g->host, "%s", g->cr.reg_realm);
    if (!g->port) g->port = 5060;
    /* the carrier id in the Call-ID finds an answer's registration by
     * binary search (find_call) */
    char tok[25];
    sipreg_token(tok, sizeof tok);
    snprintf(g->call_id, sizeof g->call_id, "%s-%lld@numberd", tok, (long long)g->id);
    sipreg_token(g->from_tag, sizeof g->from_tag);
    g->want_expires = g->cr.reg_expires > 0 ? g->cr.reg_expires : DEFAULT_EXPIRES;
    g->st.carrier_id = g->id;
    g->st.state = REG_REGISTERING;
    g->due = sipreg_mono();
    return g;
}

reg_t *sipreg_find_id(sipreg_t *r, int64_t id)
{
    /* regs is kept in id order (reloads walk carriers by id) */
    size_t lo = 0, hi = r->nregs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->regs[mid]->id < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < r->nregs && r->regs[lo]->id == id ? r->regs[lo] : NULL;
}

static void insert_sorted(sipreg_t *r, reg_t *g)
{
    if (r->nregs == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->regs = xrealloc(r->regs, r->cap * sizeof *r->regs);
    }
    size_t i = r->nregs;
    while (i > 0 && r->regs[i - 1]->id > g->id) {
        r->regs[i] = r->regs[i - 1];
        i--;
    }
    r->regs[i] = g;
    r->nregs++;
}

/* Reads every reg carrier; adds new ones, re-registers changed ones, marks
 * deleted ones gone; tries the lock of those this node does not hold. */
void sipreg_reload(sipreg_t *r)
{
    carrier_t *rows = xcalloc(PAGE, sizeof *rows);
    int64_t after = 0;
    cerr_t e;
    /* the buckets' locks, asked once a reload (REG_LOCK_BUCKETS queries,
     * however many carriers): -1 not asked yet, 0 another node's, 1 ours */
    signed char bucket[REG_LOCK_BUCKETS];
    memset(bucket, -1, sizeof bucket);
    for (size_t i = 0; i < r->nregs; i++) r->regs[i]->seen = false;
    for (;;) {
        size_t n = 0;
        if (reg_carriers_page(r->core, after, PAGE, rows, &n, &e) != C_OK) {
            log_msg(LOG_WARN, "sipreg: reading the reg carriers: %s (kept as they were)", e.msg);
            for (size_t i = 0; i < r->nregs; i++) r->regs[i]->seen = true;
            break;
        }
        for (size_t k = 0; k < n; k++) {
            carrier_t *cr = &rows[k];
            after = cr->id;
            uint8_t fp[32];
            fingerprint(cr, fp);
            reg_t *g = sipreg_find_id(r, cr->id);
            if (g && memcmp(g->fp, fp, 32) != 0) {
                /* new credentials or registrar: a new registration, and
                 * the old binding removed (Expires: 0 with the old
                 * credentials) unless the new REGISTER replaces it */
                log_msg(LOG_INFO, "sipreg: carrier %s (%s) changed: registering again", cr->uuid,
                        cr->name);
                bool held = g->held;
                reg_t *fresh = reg_new(cr, fp);
                fresh->held = held;
                fresh->seen = true;
                for (size_t i = 0; i < r->nregs; i++)
                    if (r->regs[i] == g) r->regs[i] = fresh;
                /* (a REGISTER in flight may still create one) */
                if (held && (sipreg_binding_live(g) || g->tx) && !g->gone && !same_binding(g, fresh)) {
                    /* the old binding: Expires: 0 with the old credentials,
                     * to the old registrar, on its own Call-ID */
                    sipreg_count_state(g, false);
                    g->held = false;
                    g->ghost = true;
                    g->tx = false;
                    sipreg_attempt(r, g, true);
                    if (r->nghosts == r->gcap) {
                        r->gcap = r->gcap ? r->gcap * 2 : 8;
                        r->ghosts = xrealloc(r->ghosts, r->gcap * sizeof *r->ghosts);
                    }
                    r->ghosts[r->nghosts++] = g;
                } else {
                    sipreg_reg_free(g);
                }
                g = fresh;
                if (held) {
                    /* at once, once its registrar is looked up (the timers) */
                    sipreg_count_state(g, true);
                    g->due = sipreg_mono();
                }
            } else if (g) {
                g->seen = true;
                carrier_clear(cr);
            } else {
                g = reg_new(cr, fp);
                g->seen = true;
                insert_sorted(r, g);
            }
            /* the carrier's bucket's lock (core/registrations.h says why
             * buckets), asked at every reload: a held one is kept (the
             * try is idempotent), a free one taken */
            int b = reg_lock_bucket(g->id);
            if (bucket[b] < 0) {
                bool mine = r->bucket_held[b];
                if (reg_lock_try(r->core, b, &mine, &e) != C_OK) mine = r->bucket_held[b]; /* as it was */
                r->bucket_held[b] = mine;
                bucket[b] = mine ? 1 : 0;
            }
            bool got = bucket[b] == 1;
            if (got && !g->held) {
                g->held = true;
                sipreg_count_state(g, true);
                g->due = sipreg_mono();
                log_msg(LOG_INFO, "sipreg: carrier %s (%s): this node registers it", g->cr.uuid,
                        g->cr.name);
            } else if (!got && g->held) {
                /* another node has it now (our session was reset) */
                log_msg(LOG_WARN, "sipreg: carrier %s: lock lost to another node", g->cr.uuid);
                g->held = false;
                g->tx = false;
                sipreg_count_state(g, false);
            }
        }
        if (n < PAGE) break;
    }
    for (size_t i = 0; i < r->nregs; i++) {
        reg_t *g = r->regs[i];
        if (g->seen || g->gone || g->unreg) continue;
        /* deleted (or no longer reg): unregister if it was registered here */
        /* a REGISTER in flight may still create a binding: remove it too */
        if (g->held && (sipreg_binding_live(g) || g->tx)) {
            log_msg(LOG_INFO, "sipreg: carrier %s (%s) deleted: unregistering", g->cr.uuid,
                    g->cr.name);
            sipreg_attempt(r, g, true);
        } else {
            g->gone = true;
        }
    }
    free(rows);
    r->reloads++;
}

void sipreg_drop_gone(sipreg_t *r)
{
    size_t w = 0;
    for (size_t i = 0; i < r->nghosts; i++) {
        reg_t *g = r->ghosts[i];
        if (!g->tx) sipreg_reg_free(g);
        else r->ghosts[w++] = g;
    }
    r->nghosts = w;
    w = 0;
    for (size_t i = 0; i < r->nregs; i++) {
        reg_t *g = r->regs[i];
        if (g->gone && !g->tx) {
            /* (its bucket's lock stays: other carriers share it) */
            sipreg_reg_free(g);
        } else {
            r->regs[w++] = g;
        }
    }
    r->nregs = w;
}

/* Whether g's next attempt is due at now: sipreg_run_timers starts it
 * (up to STARTS_PER_TURN a turn), and sipreg_resolve_due looks its
 * registrar up first -- the same ones, in the same order. */
static bool attempt_due(const reg_t *g, double now)
{
    return (g->held || g->unreg) && !g->tx && !g->gone && g->due > 0 && now >= g->due;
}

void sipreg_resolve_due(sipreg_t *r, double now)
{
    /* only those made ready count toward the turn's starts: a lookup that
     * waits on a silent DNS server holds up its own carrier, not the
     * carriers due after it */
    int n = 0;
    sipreg_lookup_reap();
    r->resolve_capped = false;
    for (size_t i = 0; i < r->nregs; i++) {
        reg_t *g = r->regs[i];
        if (!attempt_due(g, now)) {
            /* no longer due (the lock lost, the carrier gone): its lookup
             * and readiness go too, or a lookup held here for good would
             * keep its slot (and a later attempt an old address) */
            sipreg_lookup_free(g->lk);
            g->lk = NULL;
            g->addr_ready = false;
            continue;
        }
        if (n >= STARTS_PER_TURN) {
            r->resolve_capped = true;
            continue;
        }
        if (!g->addr_ready) g->addr_ready = sipreg_reg_ready(g, now);
        if (g->addr_ready) n++;
    }
    sipreg_probe_resolve_due(r, now);
}

/* Timers: start due attempts, retransmit, time out.  At most
 * STARTS_PER_TURN new attempts per turn: 10,000 carriers due at once (a
 * start) would otherwise send 10,000 REGISTERs before reading one answer,
 * and the answers would overflow the socket's receive buffer. */
double sipreg_run_timers(sipreg_t *r, double now)
{
    double next = now + 0.5;
    int starts = 0;
    for (size_t i = 0; i < r->nghosts; i++) {
        reg_t *g = r->ghosts[i];
        if (!g->tx) continue;
        if (now - g->tx_start >= 64 * r->t1) {
            g->tx = false;
        } else if (now >= g->retx_at) {
            sipreg_resend(r, g, true);
            g->retx_iv = g->retx_iv * 2 > 4.0 ? 4.0 : g->retx_iv * 2;
            g->retx_at = now + g->retx_iv;
        }
        if (g->tx && g->retx_at < next) next = g->retx_at;
    }
    for (size_t i = 0; i < r->nregs; i++) {
        reg_t *g = r->regs[i];
        if (!g->held && !g->unreg) continue;
        if (!g->unreg && g->st.state == REG_REGISTERED && g->st.expires_at &&
            clock_now() >= g->st.expires_at) {
            /* the binding lapsed while retries back off */
            sipreg_set_state(g, g->st.failures >= 3 ? REG_FAILED : REG_REGISTERING);
            sipreg_save(r, g);
        }
        if (g->tx) {
            if (now - g->tx_start >= 64 * r->t1) {
                if (g->unreg) {
                    g->tx = false;
                    g->unreg = false;
                    g->gone = true;
                } else {
                    sipreg_failed(r, g, 0, "no answer", 0, false);
                }
                /* TCP: a connection that carried a request and no answer
                 * may be a dead one (a peer gone without closing): the
                 * next attempt connects afresh */
                if (g->tcp) sipreg_reg_conn_drop(r, g);
            } else if (now >= g->retx_at) {
                sipreg_resend(r, g, true);
                g->retx_iv = g->retx_iv * 2 > 4.0 ? 4.0 : g->retx_iv * 2;
                g->retx_at = now + g->retx_iv;
            }
            if (g->tx && g->retx_at < next) next = g->retx_at;
        } else if (attempt_due(g, now)) {
            if (!g->addr_ready) {
                /* its registrar's name is being looked up (or waits for
                 * room to be): polled again soon; past the turn's cap of
                 * starts, readied on another turn at once */
                if (r->resolve_capped && !g->lk) next = now;
                else if (now + 0.05 < next) next = now + 0.05;
            } else if (starts < STARTS_PER_TURN) {
                starts++;
                sipreg_attempt(r, g, false);
            } else {
                next = now; /* more are due: another turn at once */
            }
        } else if (g->due > 0 && !g->gone && g->due < next) {
            next = g->due;
        }
    }
    return next;
}
