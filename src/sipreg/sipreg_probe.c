/* sipreg_probe.c -- gateway health (SIP.md §6): OPTIONS probes of the
 * outbound gateways of carriers that opted in, up/down after misses. */
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
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/ids.h"
#include "sip/digest.h"
#include "util/clock.h"
#include "util/log.h"

/* ---- gateway health: OPTIONS probes ------------------------------------------- */

static void probe_count(const probe_t *p, int delta)
{
    atomic_fetch_add(&sipreg_g.gw_by_state[p->h.state], delta);
}

static void probe_send(sipreg_t *r, probe_t *p, bool retx)
{
    sipreg_send(r, &p->dst, p->dstlen, p->t.transport == GW_TP_TCP, p->req.data, p->req.len, retx);
}

/* Whether p's next probe starts at now (sipreg_probe_timers starts it;
 * sipreg_probe_resolve_due looks its address up first). */
static bool probe_due(const probe_t *p, double now)
{
    return !p->tx && p->due > 0 && now >= p->due;
}

static void probe_start(sipreg_t *r, probe_t *p)
{
    char uri[MODEL_HOST_SZ + 32], from[MODEL_HOST_SZ + 32], contact[MODEL_HOST_SZ + 48], via[MODEL_HOST_SZ + 16];
    p->due = 0;
    /* sipreg_probe_resolve_due looked it up before (and the timers wait
     * while the lookup runs): no address now is a name that does not
     * resolve */
    if (!p->dstlen) {
        p->tx = true; /* counted as a miss by the timeout below */
        p->tx_start = sipreg_mono() - 64 * r->t1;
        return;
    }
    char why[160];
    if (sipreg_refused(r, p->t.account_id, &p->dst, why, sizeof why)) {
        /* not probed (its state stays as it is: unknown), said once */
        if (!p->refused_said)
            log_msg(LOG_WARN, "sipreg: gateway %s not probed: %s", p->t.sid, why);
        p->refused_said = true;
        p->due = sipreg_mono() + p->t.interval;
        return;
    }
    snprintf(uri, sizeof uri, "sip:%s:%d%s", p->t.address, p->t.port,
             p->t.transport == GW_TP_TCP ? ";transport=tcp" : "");
    snprintf(from, sizeof from, "<sip:numberd@%s>", r->contact_host);
    snprintf(contact, sizeof contact, "<sip:numberd@%s:%u>", r->contact_host, r->contact_port);
    snprintf(via, sizeof via, "%s:%u", r->contact_host, r->contact_port);
    char tag[12], to[MODEL_HOST_SZ + 40];
    snprintf(to, sizeof to, "<%s>", uri);
    sipreg_token(tag, sizeof tag);
    sipreg_token(p->branch, sizeof p->branch);
    /* each probe a request of its own (RFC 3261 §11): a fresh Call-ID */
    sipreg_token(p->call_id, 33);
    strcat(p->call_id, "@numberd");
    p->cseq++;
    sip_req_t q = {.method = "OPTIONS", .uri = uri,
                   .transport = p->t.transport == GW_TP_TCP ? "TCP" : "UDP", .via_host = via,
                   .branch = p->branch, .from = from, .from_tag = tag, .to = to,
                   .call_id = p->call_id, .cseq = p->cseq, .contact = contact, .expires = -1,
                   .user_agent = "numberd/" ND_VERSION};
    buf_reset(&p->req);
    if (sip_build_request(&q, &p->req) != C_OK) return;
    atomic_fetch_add(&sipreg_g.probes, 1);
    p->tx = true;
    p->tx_start = sipreg_mono();
    p->retx_iv = r->t1;
    p->retx_at = p->tx_start + p->retx_iv;
    probe_send(r, p, false);
}

/* A probe's outcome: code 0 = no answer. */
static void probe_done(sipreg_t *r, probe_t *p, int code)
{
    bool ok = code >= 100 && code < 500; /* any answer but 5xx/6xx: the gateway is there */
    gw_state_t before = p->h.state;
    p->tx = false;
    p->due = sipreg_mono() + p->t.interval;
    p->h.last_code = code;
    p->h.last_probe_at = clock_now();
    if (ok) {
        p->h.misses = 0;
        if (p->h.state != GW_UP) {
            probe_count(p, -1);
            p->h.state = GW_UP;
            probe_count(p, 1);
        }
    } else {
        atomic_fetch_add(&sipreg_g.probe_fails, 1);
        p->h.misses++;
        if (p->h.misses >= HEALTH_DOWN_AFTER && p->h.state != GW_DOWN) {
            probe_count(p, -1);
            p->h.state = GW_DOWN;
            probe_count(p, 1);
        }
    }
    p->h.updated_at = clock_now();
    cerr_t e;
    if (health_save(r->core, &p->h, &e) != C_OK && e.code != CE_NOTFOUND)
        log_msg(LOG_WARN, "sipreg: gateway %s: storing its health: %s", p->t.sid, e.msg);
    if (before != p->h.state && (before != GW_UNKNOWN || p->h.state == GW_DOWN)) {
        log_msg(LOG_INFO, "sipreg: gateway %s (%s:%d) is %s", p->t.sid, p->t.address, p->t.port,
                gw_state_name(p->h.state));
    }
    /* the SBC index learns of a flip from what health_save stored: a
     * trigger logs the carrier in the change log (0011_sip_edge), which
     * every node's index applies */
}

static probe_t *find_probe_call(sipreg_t *r, sip_str_t call_id)
{
    for (size_t i = 0; i < r->nprobes; i++)
        if (sip_str_ieq(call_id, r->probes[i]->call_id)) return r->probes[i];
    return NULL;
}

void sipreg_on_probe_response(sipreg_t *r, const sip_msg_t *m)
{
    probe_t *p = find_probe_call(r, m->call_id);
    if (!p || !p->tx || m->cseq != p->cseq) return;
    if (m->status < 200) {
        p->retx_iv = 4.0;
        p->retx_at = sipreg_mono() + p->retx_iv;
        return;
    }
    probe_done(r, p, m->status);
}

void sipreg_probe_free(probe_t *p)
{
    sipreg_lookup_free(p->lk);
    probe_count(p, -1);
    buf_free(&p->req);
    free(p);
}

/* Re-reads the targets: new gateways probed at once, removed ones dropped,
 * changed address or interval taken. */
void sipreg_probes_reload(sipreg_t *r)
{
    probe_target_t *t = xcalloc(PROBE_MAX, sizeof *t);
    size_t n = 0;
    cerr_t e;
    /* one node probes (the lock's holder); the others have no targets.
     * A node that cannot ask keeps what it had. */
    bool prober = r->prober;
    if (health_lock_try(r->core, &prober, &e) != C_OK) {
        log_msg(LOG_WARN, "sipreg: the probing lock: %s (kept as it was)", e.msg);
        prober = r->prober;
    }
    if (prober != r->prober)
        log_msg(LOG_INFO, "sipreg: %s", prober ? "this node probes the gateways"
                                               : "another node probes the gateways now");
    r->prober = prober;
    if (!prober) {
        /* nothing to probe here: every probe of this node dropped below */
    } else if (health_targets(r->core, PROBE_MAX, t, &n, &e) != C_OK) {
        log_msg(LOG_WARN, "sipreg: reading the gateways to probe: %s", e.msg);
        free(t);
        return;
    }
    for (size_t i = 0; i < r->nprobes; i++) r->probes[i]->seen = false;
    probe_t **next = xcalloc(n ? n : 1, sizeof *next);
    for (size_t k = 0; k < n; k++) {
        probe_t *p = NULL;
        for (size_t i = 0; i < r->nprobes && !p; i++)
            if (r->probes[i] && strcmp(r->probes[i]->t.sid, t[k].sid) == 0) p = r->probes[i];
        if (p && (strcmp(p->t.address, t[k].address) != 0 || p->t.port != t[k].port)) {
            p->dstlen = 0; /* resolve the new address */
            sipreg_lookup_free(p->lk); /* (the old one's lookup) */
            p->lk = NULL;
            p->lookup_failed = false;
            /* the old address's misses say nothing of the new one: probed
             * at once, not at the next interval (up to an hour), which
             * left a gateway moved to a live address 'down' and out of
             * every route until then -- also when a probe of the old one
             * was in flight, whose timeout scheduled the next an interval
             * later (a helper's audit) */
            p->h.misses = 0;
            p->tx = false; /* the old address's probe in flight: dropped (its late answer
                            * has a CSeq the next probe moves past) */
            p->due = sipreg_mono();
        }
        if (!p) {
            p = xcalloc(1, sizeof *p);
            sipreg_token(p->call_id, 33);
            strcat(p->call_id, "@numberd");
            p->h.state = GW_UNKNOWN;
            probe_count(p, 1);
            p->due = sipreg_mono();
        } else {
            for (size_t i = 0; i < r->nprobes; i++)
                if (r->probes[i] == p) r->probes[i] = NULL;
        }
        if (p->t.interval != t[k].interval && p->due > 0) p->due = sipreg_mono();
        p->t = t[k];
        snprintf(p->h.sid, sizeof p->h.sid, "%s", t[k].sid);
        p->h.carrier_id = t[k].carrier_id;
        p->seen = true;
        next[k] = p;
    }
    for (size_t i = 0; i < r->nprobes; i++)
        if (r->probes[i]) sipreg_probe_free(r->probes[i]);
    free(r->probes);
    r->probes = next;
    r->nprobes = n;
    free(t);
}

void sipreg_probe_timers(sipreg_t *r, double now, double *next)
{
    for (size_t i = 0; i < r->nprobes; i++) {
        probe_t *p = r->probes[i];
        if (p->tx) {
            double limit = 64 * r->t1;
            if (limit > p->t.interval - 0.5) limit = p->t.interval - 0.5;
            if (now - p->tx_start >= limit) {
                /* TCP: no answer on a connection: the next probe connects
                 * afresh (sipreg_set.c says why) */
                if (p->t.transport == GW_TP_TCP && p->dstlen) sipreg_tcp_drop(r, &p->dst, p->dstlen);
                probe_done(r, p, 0);
            } else if (now >= p->retx_at) {
                probe_send(r, p, true);
                p->retx_iv = p->retx_iv * 2 > 4.0 ? 4.0 : p->retx_iv * 2;
                p->retx_at = now + p->retx_iv;
            }
            if (p->tx && p->retx_at < *next) *next = p->retx_at;
        } else if (probe_due(p, now)) {
            if (!p->dstlen && !p->lookup_failed) {
                /* its name is being looked up (or waits for room to be) */
                if (now + 0.05 < *next) *next = now + 0.05;
            } else {
                p->lookup_failed = false; /* a miss now, and a new lookup next time */
                probe_start(r, p);
            }
        } else if (p->due > 0 && p->due < *next) {
            *next = p->due;
        }
    }
}

void sipreg_probe_resolve_due(sipreg_t *r, double now)
{
    for (size_t i = 0; i < r->nprobes; i++) {
        probe_t *p = r->probes[i];
        if (!probe_due(p, now) || p->dstlen || p->lookup_failed) continue;
        struct sockaddr_storage dst;
        socklen_t len = 0;
        sipreg_lookup_rc_t rc = sipreg_addr_step(p->t.address, (unsigned)p->t.port, &p->lk, &dst, &len);
        if (rc == SIPREG_LOOKUP_DONE) {
            p->dst = dst;
            p->dstlen = len;
        } else if (rc == SIPREG_LOOKUP_FAILED) {
            p->lookup_failed = true; /* the probe counts a miss, then looks up again */
        }
    }
}
