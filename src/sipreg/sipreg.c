/* sipreg.c -- the registration client (sipreg.h, SIP.md §5).
 *
 * One thread does everything: it polls the store for the `reg` carriers,
 * keeps one registration per carrier it holds the lock of, sends REGISTERs
 * over UDP (one socket) or TCP (a connection per registrar, sipreg_tcp.c)
 * and reads the answers.  A thread of its own and not
 * the HTTP workers: a registration is a timer-driven state machine that
 * lives for days, and one thread with poll() serves 10,000 of them with no
 * locking at all (only this thread touches reg_t).
 *
 * A registration (RFC 3261 §10.2):
 *   - one Call-ID and From tag for its life; CSeq + 1 for every request;
 *   - a 401/407 is answered once with Digest (a second one, unless the
 *     nonce was stale, means the credentials are wrong: `failed`);
 *   - 423 takes the registrar's Min-Expires and asks again;
 *   - 200: the expiry granted for our Contact (or Expires), refreshed at
 *     45% of it (SIP.md: before half);
 *   - anything else, or no answer (Timer F, 64*T1): backoff 30 s doubling
 *     to 30 min, +-20% jitter, at least Retry-After; rejected credentials
 *     wait at least 5 minutes ("retried slowly").
 * Timers are CLOCK_MONOTONIC; stored times (expires_at, ...) wall clock.
 *
 * The files of the client: sipregInt.h.
 * Non-goals here (docs/SIP-REGISTRATION.md): DNS SRV/NAPTR, TLS. */
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

/* ---- metrics (any thread reads them) ---------------------------------------- */

sipreg_globals_t sipreg_g;

static void *sipreg_main(void *arg)
{
    sipreg_t *r = arg;
    cerr_t e;
    r->next_sig = 0;
    r->next_full = 0;
    while (!atomic_load(&r->stop)) {
        double now = sipreg_mono();
        uint64_t k = reg_kick_seq();
        bool full = now >= r->next_full || k != r->kick;
        if (!full && now >= r->next_sig) {
            int64_t sig[3];
            if (reg_carriers_sig(r->core, sig, &e) == C_OK && memcmp(sig, r->sig, sizeof sig) != 0)
                full = true;
            r->next_sig = now + SIG_POLL_S;
        }
        if (full) {
            r->kick = k;
            int64_t sig[3];
            if (reg_carriers_sig(r->core, sig, &e) == C_OK) memcpy(r->sig, sig, sizeof sig);
            sipreg_reload(r);
            sipreg_probes_reload(r);
            r->next_full = now + FULL_RELOAD_S;
            r->next_sig = now + SIG_POLL_S;
        }
        sipreg_drop_gone(r);
        /* one transaction per turn for the states it stores; the
         * registrars due are readied before it, with the same now, so that
         * the timers start exactly the attempts readied.  Nothing here
         * waits for DNS (sipreg_dns.c): a name is looked up on the
         * resolver's threads and polled on the next turns, while this
         * thread goes on serving every other registration (and the batch,
         * which holds the store's write lock, never waits for it) */
        double turn = sipreg_mono();
        sipreg_resolve_due(r, turn);
        double next = turn + 1.0;
        sipreg_saves_retry(r, turn, &next);
        reg_batch_begin(r->core);
        double tnext = sipreg_run_timers(r, turn);
        if (tnext < next) next = tnext;
        sipreg_probe_timers(r, turn, &next);
        sipreg_saves_settle(r, reg_batch_end(r->core) == C_OK);
        int ms = (int)((next - sipreg_mono()) * 1000);
        if (ms < 1) ms = 1;
        if (ms > 200) ms = 200; /* a kick is seen within 200 ms */
        if (sipreg_poll(r, ms)) {
            reg_batch_begin(r->core);
            sipreg_service(r);
            sipreg_saves_settle(r, reg_batch_end(r->core) == C_OK);
        }
    }
    /* shutdown: Expires: 0 for what is registered here, answers awaited
     * briefly (a challenge is answered) */
    size_t pending = 0;
    for (size_t i = 0; i < r->nregs; i++) {
        reg_t *g = r->regs[i];
        /* a REGISTER in flight may still create a binding: removed too */
        if (g->held && (sipreg_binding_live(g) || g->tx) && !g->unreg) {
            g->tx = false;
            sipreg_attempt(r, g, true);
            pending++;
            if (pending % STARTS_PER_TURN == 0) {
                /* paced as at start: read answers before the buffer fills */
                if (sipreg_poll(r, 5)) sipreg_service(r);
            }
        }
    }
    double until = sipreg_mono() + SHUTDOWN_WAIT_S;
    while (pending && sipreg_mono() < until) {
        if (sipreg_poll(r, 50)) sipreg_service(r);
        double now = sipreg_mono();
        pending = 0;
        for (size_t i = 0; i < r->nregs; i++) {
            reg_t *g = r->regs[i];
            if (!g->unreg || !g->tx) continue;
            if (now >= g->retx_at) {
                sipreg_resend(r, g, true);
                g->retx_iv = g->retx_iv * 2 > 4.0 ? 4.0 : g->retx_iv * 2;
                g->retx_at = now + g->retx_iv;
            }
            pending++;
        }
    }
    reg_batch_begin(r->core); /* one commit for every final state */
    for (size_t i = 0; i < r->nregs; i++) {
        reg_t *g = r->regs[i];
        if (g->held && g->gone) {
            /* unregistered: say so, for the other nodes and the operator */
            g->st.expires_at = 0;
            g->st.next_attempt_at = 0;
            snprintf(g->st.reason, sizeof g->st.reason, "unregistered at shutdown");
            sipreg_set_state(g, REG_UNREGISTERED);
            sipreg_save(r, g);
        }
    }
    (void)reg_batch_end(r->core); /* shutting down: no turn to try again */
    /* locks go after the commit: the next node must find the final state */
    for (int b = 0; b < REG_LOCK_BUCKETS; b++)
        if (r->bucket_held[b]) reg_unlock(r->core, b);
    for (size_t i = 0; i < r->nregs; i++) sipreg_reg_free(r->regs[i]);
    r->nregs = 0;
    for (size_t i = 0; i < r->nghosts; i++) sipreg_reg_free(r->ghosts[i]);
    free(r->ghosts);
    r->ghosts = NULL;
    r->nghosts = 0;
    for (size_t i = 0; i < r->nprobes; i++) sipreg_probe_free(r->probes[i]);
    free(r->probes);
    r->probes = NULL;
    r->nprobes = 0;
    return NULL;
}

int sipreg_start(const sipreg_cfg_t *cfg, sipreg_t **out, char **err)
{
    sipreg_t *r = xcalloc(1, sizeof *r);
    char host[MODEL_HOST_SZ];
    unsigned port;
    r->fd = -1;
    r->tfd = -1;
    r->core = cfg->core;
    if (sipreg_parse_hostport(cfg->listen, 5060, host, sizeof host, &port) != C_OK) {
        *err = xasprintf("invalid --sip-listen %s: want HOST:PORT", cfg->listen);
        goto fail;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        *err = xasprintf("invalid --sip-listen %s: want an IPv4 address and a port", cfg->listen);
        goto fail;
    }
    /* UDP and TCP on the same address and port (SIP.md §5).  Port 0: the
     * port the UDP socket got, for TCP too; taken there (rare): another */
    r->tfd = -1;
    for (int tries = 0;; tries++) {
        struct sockaddr_in got = sa;
        r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&got, sizeof got) != 0) {
            *err = xasprintf("--sip-listen %s: %s", cfg->listen, strerror(errno));
            goto fail;
        }
        socklen_t sl = sizeof got;
        getsockname(r->fd, (struct sockaddr *)&got, &sl);
        if (sipreg_tcp_listen(r, &got) == C_OK) {
            sa = got;
            break;
        }
        int why = errno;
        close(r->fd);
        r->fd = -1;
        if (port != 0 || tries >= 20) {
            *err = xasprintf("--sip-listen %s (TCP): %s", cfg->listen, strerror(why));
            goto fail;
        }
    }
    r->port = ntohs(sa.sin_port);
    if (cfg->contact && *cfg->contact) {
        if (sipreg_parse_hostport(cfg->contact, r->port, r->contact_host, sizeof r->contact_host,
                                  &r->contact_port) != C_OK) {
            *err = xasprintf("invalid --sip-contact %s: want HOST[:PORT]", cfg->contact);
            goto fail;
        }
    } else {
        if (sa.sin_addr.s_addr == htonl(INADDR_ANY)) {
            *err = xasprintf("--sip-listen %s is a wildcard address: give --sip-contact, the "
                             "address registrars send calls to (the SBC)",
                             cfg->listen);
            goto fail;
        }
        snprintf(r->contact_host, sizeof r->contact_host, "%s", host);
        r->contact_port = r->port;
    }
    if (cfg->outbound_proxy && *cfg->outbound_proxy) {
        char ph[MODEL_HOST_SZ];
        unsigned pp;
        if (sipreg_parse_hostport(cfg->outbound_proxy, 5060, ph, sizeof ph, &pp) != C_OK ||
            sipreg_resolve(ph, pp, &r->proxy, &r->proxylen) != C_OK) {
            *err = xasprintf("invalid --sip-outbound-proxy %s: want HOST[:PORT] that resolves",
                             cfg->outbound_proxy);
            goto fail;
        }
        r->have_proxy = true;
        snprintf(r->proxy_uri, sizeof r->proxy_uri, "<sip:%s:%u;lr>", ph, pp);
    }
    r->allow_private = cfg->allow_private;
    char hn[40] = "";
    gethostname(hn, sizeof hn - 1);
    snprintf(r->node, sizeof r->node, "%s:%d", hn, (int)getpid());
    r->t1 = 0.5;
    const char *t1 = getenv("NUMBERD_SIP_T1_MS"); /* tests: a short Timer F */
    if (t1 && atoi(t1) >= 10 && atoi(t1) <= 5000) r->t1 = atoi(t1) / 1000.0;
    r->kick = reg_kick_seq();
    atomic_init(&r->stop, false);
    if (pthread_create(&r->thread, NULL, sipreg_main, r) != 0) {
        *err = xasprintf("cannot start the registration thread");
        goto fail;
    }
    *out = r;
    return C_OK;
fail:
    if (r->fd >= 0) close(r->fd);
    sipreg_tcp_close_all(r);
    free(r);
    return C_ERR;
}

unsigned sipreg_port(const sipreg_t *r)
{
    return r->port;
}

void sipreg_stop(sipreg_t *r)
{
    if (!r) return;
    atomic_store(&r->stop, true);
    pthread_join(r->thread, NULL);
    close(r->fd);
    sipreg_tcp_close_all(r);
    free(r->pfd);
    free(r->regs);
    free(r);
}

void sipreg_metrics_render(buf_t *out)
{
    buf_puts(out, "# HELP numberd_sip_registrations Registrations this node holds, by state.\n"
                  "# TYPE numberd_sip_registrations gauge\n");
    for (int s = 0; s < 4; s++)
        buf_printf(out, "numberd_sip_registrations{state=\"%s\"} %lld\n",
                   reg_state_name((reg_state_t)s), (long long)atomic_load(&sipreg_g.by_state[s]));
    buf_printf(out, "# HELP numberd_sip_register_attempts_total REGISTER attempts (not counting "
                    "retransmissions and challenge answers).\n"
                    "# TYPE numberd_sip_register_attempts_total counter\n"
                    "numberd_sip_register_attempts_total %llu\n",
               (unsigned long long)atomic_load(&sipreg_g.attempts));
    buf_puts(out, "# HELP numberd_sip_register_failures_total Failed REGISTER attempts by final "
                  "SIP status (0: no answer).\n"
                  "# TYPE numberd_sip_register_failures_total counter\n");
    bool any = false;
    for (int c = 0; c < CODE_SLOTS; c++) {
        uint64_t v = atomic_load(&sipreg_g.fail_by_code[c]);
        if (!v) continue;
        any = true;
        buf_printf(out, "numberd_sip_register_failures_total{code=\"%d\"} %llu\n", c,
                   (unsigned long long)v);
    }
    if (!any) buf_puts(out, "numberd_sip_register_failures_total{code=\"0\"} 0\n");
    buf_puts(out, "# HELP numberd_sip_gateways Outbound gateways this node probes with OPTIONS, by "
                  "health.\n# TYPE numberd_sip_gateways gauge\n");
    for (int s = 0; s < 3; s++)
        buf_printf(out, "numberd_sip_gateways{state=\"%s\"} %lld\n", gw_state_name((gw_state_t)s),
                   (long long)atomic_load(&sipreg_g.gw_by_state[s]));
    buf_printf(out, "# HELP numberd_sip_options_probes_total OPTIONS probes sent.\n"
                    "# TYPE numberd_sip_options_probes_total counter\n"
                    "numberd_sip_options_probes_total %llu\n"
                    "# HELP numberd_sip_options_failures_total OPTIONS probes with no answer or a "
                    "5xx/6xx.\n# TYPE numberd_sip_options_failures_total counter\n"
                    "numberd_sip_options_failures_total %llu\n",
               (unsigned long long)atomic_load(&sipreg_g.probes),
               (unsigned long long)atomic_load(&sipreg_g.probe_fails));
}
