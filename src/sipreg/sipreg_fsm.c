/* sipreg_fsm.c -- one registration's state machine (RFC 3261 §10.2; the
 * rules are at the top of sipregInt.h): requests, answers, challenges,
 * backoff and the stored state. */
#include "sipreg/sipregInt.h"
#include "core/net.h"

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
#include "util/utf8.h"

/* ---- status bookkeeping ---------------------------------------------------- */

void sipreg_count_state(reg_t *g, bool add)
{
    if (add && !g->counted) {
        atomic_fetch_add(&sipreg_g.by_state[g->st.state], 1);
        g->counted = true;
    } else if (!add && g->counted) {
        atomic_fetch_sub(&sipreg_g.by_state[g->st.state], 1);
        g->counted = false;
    }
}

void sipreg_set_state(reg_t *g, reg_state_t s)
{
    bool was = g->counted;
    sipreg_count_state(g, false);
    g->st.state = s;
    if (was || g->held) sipreg_count_state(g, true);
}

/* The next try of a save that failed: 1 s, doubling to 30 s. */
static void save_later(reg_t *g, double now)
{
    double d = SAVE_RETRY_S;
    for (int i = 1; i < g->save_fails && d < SAVE_RETRY_MAX_S; i++) d *= 2;
    g->save_retry_at = now + (d < SAVE_RETRY_MAX_S ? d : SAVE_RETRY_MAX_S);
}

/* A save of g's that was not kept: tried again later (sipreg_saves_retry). */
static void save_failed(sipreg_t *r, reg_t *g, double now)
{
    g->save_fails++;
    save_later(g, now);
    r->saves_failed = true;
}

/* A save of g's that was kept: nothing more to store. */
static void save_kept(reg_t *g)
{
    g->save_due = false;
    g->save_fails = 0;
}

/* One reg_status_save of g's state now; C_OK: written (or the carrier is
 * gone), kept once the transaction it ran in commits. */
static int save_now(sipreg_t *r, reg_t *g)
{
    cerr_t e;
    g->st.updated_at = clock_now();
    snprintf(g->st.node, sizeof g->st.node, "%s", r->node);
    if (reg_status_save(r->core, &g->st, &e) == C_OK || e.code == CE_NOTFOUND) return C_OK;
    /* said once, not at every retry */
    log_msg(g->save_fails ? LOG_DEBUG : LOG_WARN, "sipreg: carrier %s: storing its state: %s (tried again)",
            g->cr.uuid, e.msg);
    save_failed(r, g, sipreg_mono());
    return C_ERR;
}

/* Stores the state (every node shows it).  A carrier deleted meanwhile is
 * no error: the reload drops it.  A save that fails (or whose batch does
 * not commit) is made again, with the state as it is then, until one is
 * kept: before, it was logged and dropped, and the stored state stayed
 * the old one until the next change -- up to a backoff's 30 minutes. */
void sipreg_save(sipreg_t *r, reg_t *g)
{
    if (g->ghost) return; /* the carrier's state is its new registration's */
    g->save_due = true;
    g->save_sent = save_now(r, g) == C_OK;
}

void sipreg_saves_settle(sipreg_t *r, bool committed)
{
    double now = sipreg_mono();
    for (size_t i = 0; i < r->nregs; i++) {
        reg_t *g = r->regs[i];
        if (!g->save_sent) continue;
        g->save_sent = false;
        if (committed) save_kept(g);
        else save_failed(r, g, now);
    }
}

void sipreg_saves_retry(sipreg_t *r, double now, double *next)
{
    /* outside the turn's batch, each in a transaction of its own: one
     * state the database refuses (whatever the reason) fails alone, and
     * does not roll back every other save of a turn, again and again.
     * (No walk of every registration while no save has failed.) */
    if (!r->saves_failed) return;
    r->saves_failed = false;
    for (size_t i = 0; i < r->nregs; i++) {
        reg_t *g = r->regs[i];
        if (!g->save_due || g->save_sent) continue;
        if (g->gone || g->unreg || !g->held) {
            g->save_due = false; /* no longer this node's to store */
            continue;
        }
        if (now < g->save_retry_at) {
            if (g->save_retry_at < *next) *next = g->save_retry_at;
            r->saves_failed = true; /* still to do */
            continue;
        }
        if (save_now(r, g) == C_OK) {
            save_kept(g);
        } else if (g->save_retry_at < *next) {
            *next = g->save_retry_at;
        }
    }
}

static double jitter(double s)
{
    /* +-20%, so that carriers failing together do not retry together */
    return s * (0.8 + 0.4 * (double)randombytes_uniform(10001) / 10000.0);
}

/* A failed attempt: backoff, state, stored. */
void sipreg_failed(sipreg_t *r, reg_t *g, int code, const char *reason, int64_t retry_after,
                   bool credentials)
{
    double now = sipreg_mono();
    g->tx = false;
    g->st.failures++;
    g->st.last_code = code;
    snprintf(g->st.reason, sizeof g->st.reason, "%s", reason);
    double b = BACKOFF_MIN_S * pow(2.0, g->st.failures > 1 ? g->st.failures - 1 : 0);
    if (b > BACKOFF_MAX_S) b = BACKOFF_MAX_S;
    b = jitter(b);
    /* at least 5 min, as SIP-REGISTRATION.md says: spread upwards only
     * (the +-20 % gave 240 s, a helper's audit, session 40) */
    if (credentials && b < AUTH_FAIL_MIN_S) b = AUTH_FAIL_MIN_S + (jitter(AUTH_FAIL_MIN_S) - 0.8 * AUTH_FAIL_MIN_S) / 2;
    if (retry_after > 0 && (double)retry_after > b) b = fmin((double)retry_after, BACKOFF_MAX_S);
    g->due = now + b;
    g->st.next_attempt_at = clock_now() + (int64_t)ceil(b);
    /* a registration that was granted stays valid until it expires */
    if (credentials || g->st.state != REG_REGISTERED || clock_now() >= g->st.expires_at) {
        sipreg_set_state(g, credentials ? REG_FAILED : (g->st.state == REG_FAILED ? REG_FAILED
                                                                           : REG_REGISTERING));
        if (!credentials && g->st.failures >= 3) sipreg_set_state(g, REG_FAILED);
    }
    atomic_fetch_add(&sipreg_g.fail_by_code[code >= 100 && code < CODE_SLOTS ? code : 0], 1);
    log_msg(LOG_INFO, "sipreg: carrier %s (%s): REGISTER failed: %d %s; next try in %.0f s",
            g->cr.uuid, g->cr.name, code, reason, b);
    sipreg_save(r, g);
}

/* ---- requests ------------------------------------------------------------ */

void sipreg_resend(sipreg_t *r, reg_t *g, bool retx)
{
    if (r->have_proxy) sipreg_send(r, &r->proxy, r->proxylen, g->tcp, g->req.data, g->req.len, retx);
    else sipreg_send(r, &g->dst, g->dstlen, g->tcp, g->req.data, g->req.len, retx);
}

void sipreg_reg_conn_drop(sipreg_t *r, reg_t *g)
{
    if (r->have_proxy) sipreg_tcp_drop(r, &r->proxy, r->proxylen);
    else sipreg_tcp_drop(r, &g->dst, g->dstlen);
}

/* in as a SIP URI's user part (RFC 3261 §25.1: unreserved and
 * user-unreserved characters as they are, every other byte %XX): a
 * customer's username of "12345@carrier" or with <, >, " made the From,
 * To and Contact headers malformed (a review, session 39).  out: 3 x
 * MODEL_SIP_USER_SZ bytes. */
static void user_esc(const char *in, char *out)
{
    static const char keep[] = "-_.!~*'()&=+$,;?/";
    size_t k = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && k + 4 <= 3 * MODEL_SIP_USER_SZ; p++) {
        if (nd_isalnum((char)*p) || strchr(keep, *p)) {
            out[k++] = (char)*p;
        } else {
            snprintf(out + k, 4, "%%%02X", *p);
            k += 3;
        }
    }
    out[k] = '\0';
}

/* Builds and sends REGISTER number cseq (already incremented).  auth: an
 * Authorization / Proxy-Authorization line or NULL. */
static int build_send(sipreg_t *r, reg_t *g, const char *auth, const char *auth2)
{
    const carrier_t *c = &g->cr;
    const char *domain = c->reg_from_domain[0] ? c->reg_from_domain : c->reg_realm;
    char user[3 * MODEL_SIP_USER_SZ];
    user_esc(c->reg_from_user[0] ? c->reg_from_user : c->reg_user, user);
    char uri[MODEL_HOST_SZ + 8], aor[3 * MODEL_SIP_USER_SZ + MODEL_HOST_SZ + 16],
        contact[3 * MODEL_SIP_USER_SZ + MODEL_HOST_SZ + 48], via[MODEL_HOST_SZ + 16];
    snprintf(uri, sizeof uri, "sip:%s", c->reg_realm[0] ? c->reg_realm : g->host);
    snprintf(aor, sizeof aor, "<sip:%s@%s>", user, domain);
    snprintf(contact, sizeof contact, "<sip:%s@%s:%u;transport=%s>", user, r->contact_host,
             r->contact_port, g->tcp ? "tcp" : "udp");
    snprintf(via, sizeof via, "%s:%u", r->contact_host, r->contact_port);
    sipreg_token(g->branch, sizeof g->branch);
    sip_req_t q = {.method = "REGISTER", .uri = uri, .transport = g->tcp ? "TCP" : "UDP", .via_host = via,
                   .branch = g->branch, .from = aor, .from_tag = g->from_tag, .to = aor,
                   .call_id = g->call_id, .cseq = g->cseq, .contact = contact,
                   .expires = g->unreg ? 0 : g->want_expires,
                   .route = r->have_proxy ? r->proxy_uri : NULL, .auth = auth, .auth2 = auth2,
                   .user_agent = "numberd/" ND_VERSION};
    buf_reset(&g->req);
    if (sip_build_request(&q, &g->req) != C_OK) return C_ERR;
    g->tx = true;
    g->tx_start = sipreg_mono();
    g->retx_iv = r->t1;
    g->retx_at = g->tx_start + g->retx_iv;
    sipreg_resend(r, g, false);
    return C_OK;
}

static void set_dst(reg_t *g, const struct sockaddr_storage *dst, socklen_t len)
{
    if (len == 0) return;
    g->dst = *dst;
    g->dstlen = len;
    const struct sockaddr_in *a = (const struct sockaddr_in *)&g->dst;
    inet_ntop(AF_INET, &a->sin_addr, g->st.registrar_ip, sizeof g->st.registrar_ip);
}

bool sipreg_reg_ready(reg_t *g, double now)
{
    /* a failed lookup keeps the address g had: a DNS outage must not
     * stop the refreshes of a registrar that answers (only a registrar
     * never resolved has none).  A name is looked up again at every
     * attempt: it may point elsewhere now. */
    struct sockaddr_storage dst;
    socklen_t len = 0;
    switch (sipreg_addr_step(g->host, g->port, &g->lk, &dst, &len)) {
    case SIPREG_LOOKUP_DONE: set_dst(g, &dst, len); return true;
    case SIPREG_LOOKUP_FAILED: return true;
    case SIPREG_LOOKUP_PENDING: break;
    }
    if (!g->lk) return g->dstlen > 0; /* no room now: the old address, or a later turn */
    /* a slow resolver delays a refresh by LOOKUP_WAIT_S at most: then the
     * address g has serves, and the lookup is dropped */
    if (!g->dstlen || sipreg_lookup_age(g->lk, now) < LOOKUP_WAIT_S) return false;
    sipreg_lookup_free(g->lk);
    g->lk = NULL;
    return true;
}

/* A new attempt (first registration, refresh, retry or unregister). */
void sipreg_attempt(sipreg_t *r, reg_t *g, bool unreg)
{
    g->unreg = unreg;
    g->auth_tries = 0;
    g->proxy_tries = 0;
    sipreg_chal_clear(g);
    g->brief_tries = 0;
    g->due = 0;
    g->cseq++;
    if (!unreg) {
        atomic_fetch_add(&sipreg_g.attempts, 1);
        g->st.last_attempt_at = clock_now();
        if (g->st.state != REG_REGISTERED && g->st.state != REG_FAILED) sipreg_set_state(g, REG_REGISTERING);
    }
    g->addr_ready = false; /* the next attempt looks its registrar up again */
    if (!g->dstlen) { /* begun here, not by the timers: an address literal only */
        struct sockaddr_storage dst;
        socklen_t len = 0;
        if (sipreg_resolve_numeric(g->host, g->port, &dst, &len) == C_OK) set_dst(g, &dst, len);
    }
    if (!g->dstlen) {
        if (unreg) {
            g->gone = true;
            g->unreg = false;
            return;
        }
        sipreg_failed(r, g, 0, "registrar address does not resolve", 0, false);
        return;
    }
    /* a customer's registrar at a private address: numberd would send
     * REGISTERs wherever a customer pointed them, the operator's own
     * network included (a helper's review, session 37) */
    char why[MODEL_REG_REASON_SZ];
    if (!unreg && sipreg_refused(r, g->cr.account_id, &g->dst, why, sizeof why)) {
        sipreg_failed(r, g, 0, why, 0, true);
        return;
    }
    if (build_send(r, g, NULL, NULL) != C_OK) {
        if (!unreg) sipreg_failed(r, g, 0, "the carrier's SIP fields cannot be sent", 0, true);
        return;
    }
    /* the outcome is stored when it comes; only a first attempt is stored
     * now, so that a carrier shows "registering" at once */
    if (!unreg && g->st.failures == 0 && g->st.last_code == 0) sipreg_save(r, g);
}

/* ---- answers ------------------------------------------------------------- */


/* "<token>-<carrier id>@numberd" (reg_new) */
static reg_t *find_call(sipreg_t *r, sip_str_t call_id)
{
    const char *at = memchr(call_id.p, '@', call_id.n);
    if (!at) return NULL;
    const char *d = at;
    int64_t id = 0, mul = 1;
    while (d > call_id.p && nd_isdigit((unsigned char)d[-1]) && mul < 1000000000000000LL) {
        d--;
        id += (int64_t)(*d - '0') * mul;
        mul *= 10;
    }
    if (d == at || d == call_id.p || d[-1] != '-') return NULL;
    reg_t *g = sipreg_find_id(r, id);
    if (g && sip_str_ieq(call_id, g->call_id)) return g;
    for (size_t i = 0; i < r->nghosts; i++)
        if (sip_str_ieq(call_id, r->ghosts[i]->call_id)) return r->ghosts[i];
    return NULL;
}

void sipreg_chal_clear(reg_t *g)
{
    for (int k = 0; k < 2; k++) {
        free(g->chal[k]);
        g->chal[k] = NULL;
    }
}

bool sipreg_refused(const sipreg_t *r, int64_t account_id, const struct sockaddr_storage *dst,
                    char *why, size_t whysz)
{
    if (r->allow_private || account_id == 0) return false; /* the operator's own carriers */
    net_ip_t ip;
    if (!net_ip_from_sockaddr((const struct sockaddr *)dst, &ip)) return false;
    const char *bad = net_ip_internal(&ip);
    if (!bad) return false;
    char text[NET_ADDR_SZ];
    net_format(&ip, text);
    snprintf(why, whysz, "refused: %s is %s (the operator allows it with --sip-allow-private)", text, bad);
    return true;
}

bool sipreg_binding_live(const reg_t *g)
{
    return g->st.state == REG_REGISTERED || g->st.expires_at > clock_now();
}

/* Copies ch into g's slot k (0 WWW, 1 Proxy), its nonce count reset: C_ERR
 * when a field does not fit (a registrar's nonce of over 255 bytes). */
static int chal_keep(reg_t *g, int k, const dig_chal_t *ch)
{
    kept_chal_t t = {.alg = ch->alg, .qop_auth = ch->qop_auth, .nc = 0};
    if (ch->realm.n >= sizeof t.realm || ch->nonce.n >= sizeof t.nonce ||
        ch->opaque.n >= sizeof t.opaque)
        return C_ERR;
    memcpy(t.realm, ch->realm.p, ch->realm.n);
    memcpy(t.nonce, ch->nonce.p, ch->nonce.n);
    if (ch->opaque.p) memcpy(t.opaque, ch->opaque.p, ch->opaque.n);
    if (!g->chal[k]) g->chal[k] = xmalloc(sizeof *g->chal[k]);
    *g->chal[k] = t;
    return C_OK;
}

/* The answer to kept challenge k as a header line in out, with its next
 * nonce count and a fresh cnonce. */
static int chal_answer(reg_t *g, int k, const char *pass, const char *uri, buf_t *out)
{
    kept_chal_t *kc = g->chal[k];
    dig_chal_t ch = {.realm = {kc->realm, strlen(kc->realm)},
                     .nonce = {kc->nonce, strlen(kc->nonce)},
                     .opaque = {kc->opaque[0] ? kc->opaque : NULL, strlen(kc->opaque)},
                     .alg = kc->alg, .qop_auth = kc->qop_auth};
    char cnonce[17];
    sipreg_token(cnonce, sizeof cnonce);
    buf_puts(out, k ? "Proxy-Authorization: " : "Authorization: ");
    return dig_answer(&ch, g->cr.reg_user, pass, "REGISTER", uri, ++kc->nc, cnonce, out);
}

static void answer_challenge(sipreg_t *r, reg_t *g, const sip_msg_t *m)
{
    const bool proxy = m->status == 407;
    dig_chal_t ch;
    const sip_str_t *v = proxy ? m->proxy_auth : m->www_auth;
    size_t nv = proxy ? m->nproxy : m->nwww;
    if (dig_chal_pick(v, nv, &ch) != C_OK) {
        sipreg_failed(r, g, m->status, "challenge with no usable Digest (MD5 or SHA-256, qop auth)", 0,
               true);
        return;
    }
    /* a second challenge after our answer: wrong credentials, unless the
     * registrar only says our nonce was stale */
    int *tries = proxy ? &g->proxy_tries : &g->auth_tries;
    if (*tries >= 2 || (*tries >= 1 && !ch.stale)) {
        sipreg_failed(r, g, m->status == 407 ? 407 : 401, "credentials rejected", 0, true);
        return;
    }
    (*tries)++;
    if (chal_keep(g, proxy ? 1 : 0, &ch) != C_OK) {
        sipreg_failed(r, g, m->status, "challenge with a realm, nonce or opaque too long", 0, true);
        return;
    }
    char pass[SEC_PLAIN_MAX + 1], uri[MODEL_HOST_SZ + 8];
    cerr_t e;
    if (reg_password(r->core, &g->cr, pass, &e) != C_OK) {
        sipreg_failed(r, g, m->status, e.msg, 0, true);
        return;
    }
    snprintf(uri, sizeof uri, "sip:%s", g->cr.reg_realm[0] ? g->cr.reg_realm : g->host);
    /* both challenges answered (the one just kept and any other of this
     * transaction): a proxy strips its own answer, the registrar reads its */
    buf_t a[2] = {BUF_INIT, BUF_INIT};
    int rc = C_OK;
    for (int k = 0; k < 2 && rc == C_OK; k++)
        if (g->chal[k]) rc = chal_answer(g, k, pass, uri, &a[k]);
    sodium_memzero(pass, sizeof pass);
    if (rc == C_OK) {
        g->cseq++;
        rc = build_send(r, g, g->chal[0] ? a[0].data : NULL, g->chal[1] ? a[1].data : NULL);
    }
    buf_free(&a[0]);
    buf_free(&a[1]);
    if (rc != C_OK) sipreg_failed(r, g, m->status, "the credentials cannot be sent in a Digest answer", 0, true);
}

void sipreg_on_response(sipreg_t *r, const sip_msg_t *m)
{
    reg_t *g = find_call(r, m->call_id);
    if (!g || !g->tx || m->cseq != g->cseq || !sip_str_ieq(m->cseq_method, "REGISTER")) return;
    sip_str_t br;
    if (!sip_param(m->via, "branch", &br) || br.n < 7 || br.n - 7 != strlen(g->branch) ||
        memcmp(br.p + 7, g->branch, br.n - 7) != 0)
        return; /* not our transaction's answer (an old retransmission) */
    if (m->status < 200) {
        g->retx_iv = 4.0; /* RFC 3261 §17.1.2.2: after a provisional answer, T2 */
        g->retx_at = sipreg_mono() + g->retx_iv;
        return;
    }
    if (g->unreg) {
        if (m->status == 401 || m->status == 407) {
            answer_challenge(r, g, m);
            if (g->tx) return;
        }
        /* whatever the answer: we asked, the binding goes */
        g->tx = false;
        g->unreg = false;
        g->gone = true;
        return;
    }
    int code = m->status;
    char reason[MODEL_REG_REASON_SZ];
    snprintf(reason, sizeof reason, "%.*s", (int)(m->reason.n < 100 ? m->reason.n : 100),
             m->reason.p);
    for (char *p = reason; *p; p++)
        if ((unsigned char)*p < 0x20) *p = ' ';
    /* stored and shown as text: a registrar's Latin-1, or a character the
     * cut above split, must not make the state unstorable (PostgreSQL
     * refuses invalid UTF-8) */
    size_t bad = 0;
    while (!utf8_valid(reason, strlen(reason), &bad)) reason[bad] = '?';
    if (code == 401 || code == 407) {
        answer_challenge(r, g, m);
        return;
    }
    if (code == 423 && m->min_expires > g->want_expires && m->min_expires <= MAX_EXPIRES &&
        g->brief_tries < 2) {
        g->brief_tries++;
        g->want_expires = m->min_expires;
        g->auth_tries = 0;
        g->proxy_tries = 0;
        g->cseq++;
        if (build_send(r, g, NULL, NULL) != C_OK) sipreg_failed(r, g, code, reason, 0, true);
        return;
    }
    if (code >= 200 && code < 300) {
        char cu[2 * MODEL_HOST_SZ + 16];
        snprintf(cu, sizeof cu, "@%s:%u", r->contact_host, r->contact_port);
        int64_t granted = sip_granted_expires(m, cu);
        if (granted == 0) {
            /* RFC 3261 §10.2.4: the binding's expiry is the Contact's
             * (or the Expires header's); 0 is no binding at all -- a
             * registrar that accepted and kept nothing.  Not registered:
             * tried again as after a failure.  (Absent: -1, what we asked.) */
            g->st.expires_at = clock_now();
            sipreg_failed(r, g, code, "the registrar kept no binding (expires=0)", 0, false);
            return;
        }
        if (granted < 0) granted = g->want_expires;
        if (granted > MAX_EXPIRES) granted = MAX_EXPIRES;
        double refresh = (double)granted * 0.45;
        if (refresh < 1) refresh = 1;
        g->tx = false;
        g->due = sipreg_mono() + refresh;
        g->st.last_code = code;
        snprintf(g->st.reason, sizeof g->st.reason, "%s", reason);
        g->st.failures = 0;
        g->st.expires_at = clock_now() + granted;
        g->st.next_attempt_at = clock_now() + (int64_t)refresh;
        bool was = g->st.state == REG_REGISTERED;
        sipreg_set_state(g, REG_REGISTERED);
        if (!was)
            log_msg(LOG_INFO, "sipreg: carrier %s (%s): registered for %lld s", g->cr.uuid,
                    g->cr.name, (long long)granted);
        sipreg_save(r, g);
        return;
    }
    sipreg_failed(r, g, code, reason, m->retry_after, code == 403);
}
