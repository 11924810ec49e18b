/* sipreg.c -- the registration client (sipreg.h, SIP.md §5).
 *
 * One thread does everything: it polls the store for the `reg` carriers,
 * keeps one registration per carrier it holds the lock of, sends REGISTERs
 * on one UDP socket and reads the answers.  A thread of its own and not
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
 * Non-goals here (docs/SIP-REGISTRATION.md): TCP, DNS SRV/NAPTR, TLS. */
#include "sipreg/sipreg.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/ids.h"
#include "core/registrations.h"
#include "sip/digest.h"
#include "sip/sipmsg.h"
#include "util/clock.h"
#include "util/log.h"

#define PAGE 256                 /* carriers read per store call */
#define SIG_POLL_S 2.0           /* "did any reg carrier change?" */
#define FULL_RELOAD_S 10.0       /* re-read all, re-check locks (takeover) */
#define BACKOFF_MIN_S 30.0
#define BACKOFF_MAX_S 1800.0
#define AUTH_FAIL_MIN_S 300.0
#define DEFAULT_EXPIRES 3600
#define MAX_EXPIRES 86400
#define SHUTDOWN_WAIT_S 3.0

/* ---- metrics (any thread reads them) --------------------------------------- */

static atomic_int_fast64_t g_by_state[4];
#define CODE_SLOTS 700             /* 0 = no answer, 100-699 */
static atomic_uint_fast64_t g_attempts, g_fail_by_code[CODE_SLOTS];
static atomic_int_fast64_t g_gw_by_state[3];
static atomic_uint_fast64_t g_probes, g_probe_fails;

/* The outbound lookup's hook (sipreg_on_health): set before start. */
static sipreg_health_fn g_health_fn;
static void *g_health_ud;

void sipreg_on_health(sipreg_health_fn fn, void *ud)
{
    g_health_fn = fn;
    g_health_ud = ud;
}

#define PROBE_MAX 10000          /* gateways probed by one node */

/* One probed gateway (SIP.md §6). */
typedef struct {
    probe_target_t t;
    struct sockaddr_storage dst;
    socklen_t dstlen;
    char call_id[48], branch[24];
    uint32_t cseq;
    bool tx, seen;
    double tx_start, retx_at, retx_iv, due;
    buf_t req;
    gw_health_t h;
} probe_t;

/* ---- one registration --------------------------------------------------- */

typedef struct reg {
    int64_t id;
    uint8_t fp[32];              /* what of the carrier a registration depends on */
    carrier_t cr;                /* owned copy: credentials (sealed), realm, gateways */
    char host[MODEL_HOST_SZ];    /* the registrar: the outbound gateway */
    unsigned port;
    struct sockaddr_storage dst;
    socklen_t dstlen;
    char call_id[48], from_tag[24], branch[24];
    uint32_t cseq;
    int64_t want_expires;        /* what we ask for (423 raises it) */
    /* the transaction in flight */
    bool tx;
    buf_t req;
    double tx_start, retx_at, retx_iv;
    int auth_tries, brief_tries;
    bool unreg;                  /* the request in flight is an Expires: 0 */
    /* state */
    bool held;                   /* this node holds the carrier's lock */
    bool seen;                   /* found by the current reload */
    bool gone;                   /* deleted or lost: unregister, then free */
    bool ghost;                  /* the old binding of a changed carrier, unregistering */
    double due;                  /* next REGISTER (monotonic); 0 = none planned */
    reg_status_t st;
    bool counted;                /* st.state counted in g_by_state */
} reg_t;

struct sipreg {
    core_t *core;
    int fd;
    unsigned port;
    char contact_host[MODEL_HOST_SZ + 2]; /* bracketed for IPv6 */
    unsigned contact_port;
    bool have_proxy;
    struct sockaddr_storage proxy;
    socklen_t proxylen;
    char proxy_uri[MODEL_HOST_SZ + 32];
    char node[MODEL_REG_NODE_SZ];
    double t1;                   /* seconds */
    pthread_t thread;
    atomic_bool stop;
    reg_t **regs;
    size_t nregs, cap;
    int64_t sig[3];
    uint64_t kick;
    probe_t **probes;
    size_t nprobes;
    uint64_t reloads;
    reg_t **ghosts;              /* old bindings being removed (Expires: 0) */
    size_t nghosts, gcap;
    double next_sig, next_full;
};

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rand_token(char *out, size_t n)
{
    static const char k[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t i = 0; i + 1 < n; i++) out[i] = k[randombytes_uniform(sizeof k - 1)];
    out[n - 1] = '\0';
}

int sipreg_parse_hostport(const char *s, unsigned def_port, char *host, size_t hsz, unsigned *port)
{
    const char *colon;
    size_t hl;
    *port = def_port;
    if (!s || !*s) return C_ERR;
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e) return C_ERR;
        hl = (size_t)(e - s - 1);
        if (hl == 0 || hl >= hsz) return C_ERR;
        memcpy(host, s + 1, hl);
        host[hl] = '\0';
        colon = e[1] == ':' ? e + 1 : NULL;
        if (e[1] && !colon) return C_ERR;
    } else {
        colon = strrchr(s, ':');
        if (colon && strchr(s, ':') != colon) colon = NULL, hl = strlen(s); /* bare IPv6 */
        else hl = colon ? (size_t)(colon - s) : strlen(s);
        if (hl == 0 || hl >= hsz) return C_ERR;
        memcpy(host, s, hl);
        host[hl] = '\0';
    }
    for (size_t i = 0; host[i]; i++)
        if (!(nd_isalnum((unsigned char)host[i]) || host[i] == '.' || host[i] == '-' || host[i] == ':'))
            return C_ERR;
    if (colon) {
        char *end;
        errno = 0;
        unsigned long p = strtoul(colon + 1, &end, 10);
        if (errno || *end || end == colon + 1 || p > 65535) return C_ERR;
        *port = (unsigned)p;
    }
    return C_OK;
}

static int resolve(const char *host, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_family = AF_INET; /* the socket is IPv4 (docs/SIP-REGISTRATION.md) */
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    if (getaddrinfo(host, ps, &hints, &res) != 0 || !res) return C_ERR;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return C_OK;
}

/* ---- status bookkeeping ---------------------------------------------------- */

static void count_state(reg_t *g, bool add)
{
    if (add && !g->counted) {
        atomic_fetch_add(&g_by_state[g->st.state], 1);
        g->counted = true;
    } else if (!add && g->counted) {
        atomic_fetch_sub(&g_by_state[g->st.state], 1);
        g->counted = false;
    }
}

static void set_state(reg_t *g, reg_state_t s)
{
    bool was = g->counted;
    count_state(g, false);
    g->st.state = s;
    if (was || g->held) count_state(g, true);
}

/* Stores the state (every node shows it).  A carrier deleted meanwhile is
 * no error: the reload drops it. */
static void save(sipreg_t *r, reg_t *g)
{
    cerr_t e;
    if (g->ghost) return; /* the carrier's state is its new registration's */
    g->st.updated_at = clock_now();
    snprintf(g->st.node, sizeof g->st.node, "%s", r->node);
    if (reg_status_save(r->core, &g->st, &e) != C_OK && e.code != CE_NOTFOUND)
        log_msg(LOG_WARN, "sipreg: carrier %s: storing its state: %s", g->cr.uuid, e.msg);
}

static double jitter(double s)
{
    /* +-20%, so that carriers failing together do not retry together */
    return s * (0.8 + 0.4 * (double)randombytes_uniform(10001) / 10000.0);
}

/* A failed attempt: backoff, state, stored. */
static void failed(sipreg_t *r, reg_t *g, int code, const char *reason, int64_t retry_after,
                   bool credentials)
{
    double now = mono();
    g->tx = false;
    g->st.failures++;
    g->st.last_code = code;
    snprintf(g->st.reason, sizeof g->st.reason, "%s", reason);
    double b = BACKOFF_MIN_S * pow(2.0, g->st.failures > 1 ? g->st.failures - 1 : 0);
    if (b > BACKOFF_MAX_S) b = BACKOFF_MAX_S;
    b = jitter(b);
    if (credentials && b < AUTH_FAIL_MIN_S) b = jitter(AUTH_FAIL_MIN_S);
    if (retry_after > 0 && (double)retry_after > b) b = (double)retry_after;
    g->due = now + b;
    g->st.next_attempt_at = clock_now() + (int64_t)ceil(b);
    /* a registration that was granted stays valid until it expires */
    if (credentials || g->st.state != REG_REGISTERED || clock_now() >= g->st.expires_at) {
        set_state(g, credentials ? REG_FAILED : (g->st.state == REG_FAILED ? REG_FAILED
                                                                           : REG_REGISTERING));
        if (!credentials && g->st.failures >= 3) set_state(g, REG_FAILED);
    }
    atomic_fetch_add(&g_fail_by_code[code >= 100 && code < CODE_SLOTS ? code : 0], 1);
    log_msg(LOG_INFO, "sipreg: carrier %s (%s): REGISTER failed: %d %s; next try in %.0f s",
            g->cr.uuid, g->cr.name, code, reason, b);
    save(r, g);
}

/* ---- requests ------------------------------------------------------------ */

static void send_req(sipreg_t *r, reg_t *g)
{
    const struct sockaddr *to = r->have_proxy ? (const struct sockaddr *)&r->proxy
                                              : (const struct sockaddr *)&g->dst;
    socklen_t tl = r->have_proxy ? r->proxylen : g->dstlen;
    if (sendto(r->fd, g->req.data, g->req.len, 0, to, tl) < 0)
        log_msg(LOG_DEBUG, "sipreg: sendto %s: %s", g->host, strerror(errno));
}

/* Builds and sends REGISTER number cseq (already incremented).  auth: an
 * Authorization / Proxy-Authorization line or NULL. */
static int build_send(sipreg_t *r, reg_t *g, const char *auth)
{
    const carrier_t *c = &g->cr;
    const char *domain = c->reg_from_domain[0] ? c->reg_from_domain : c->reg_realm;
    const char *user = c->reg_from_user[0] ? c->reg_from_user : c->reg_user;
    char uri[MODEL_HOST_SZ + 8], aor[2 * MODEL_HOST_SZ + 16], contact[2 * MODEL_HOST_SZ + 48],
        via[MODEL_HOST_SZ + 16];
    snprintf(uri, sizeof uri, "sip:%s", c->reg_realm[0] ? c->reg_realm : g->host);
    snprintf(aor, sizeof aor, "<sip:%s@%s>", user, domain);
    snprintf(contact, sizeof contact, "<sip:%s@%s:%u;transport=udp>", user, r->contact_host,
             r->contact_port);
    snprintf(via, sizeof via, "%s:%u", r->contact_host, r->contact_port);
    rand_token(g->branch, sizeof g->branch);
    sip_req_t q = {.method = "REGISTER", .uri = uri, .transport = "UDP", .via_host = via,
                   .branch = g->branch, .from = aor, .from_tag = g->from_tag, .to = aor,
                   .call_id = g->call_id, .cseq = g->cseq, .contact = contact,
                   .expires = g->unreg ? 0 : g->want_expires,
                   .route = r->have_proxy ? r->proxy_uri : NULL, .auth = auth,
                   .user_agent = "numberd/" ND_VERSION};
    buf_reset(&g->req);
    if (sip_build_request(&q, &g->req) != C_OK) return C_ERR;
    g->tx = true;
    g->tx_start = mono();
    g->retx_iv = r->t1;
    g->retx_at = g->tx_start + g->retx_iv;
    send_req(r, g);
    return C_OK;
}

/* A new attempt (first registration, refresh, retry or unregister). */
static void attempt(sipreg_t *r, reg_t *g, bool unreg)
{
    g->unreg = unreg;
    g->auth_tries = 0;
    g->brief_tries = 0;
    g->due = 0;
    g->cseq++;
    if (!unreg) {
        atomic_fetch_add(&g_attempts, 1);
        g->st.last_attempt_at = clock_now();
        if (g->st.state != REG_REGISTERED && g->st.state != REG_FAILED) set_state(g, REG_REGISTERING);
    }
    if (!g->dstlen && resolve(g->host, g->port, &g->dst, &g->dstlen) == C_OK) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&g->dst;
        inet_ntop(AF_INET, &a->sin_addr, g->st.registrar_ip, sizeof g->st.registrar_ip);
    }
    if (!g->dstlen) {
        if (unreg) {
            g->gone = true;
            g->unreg = false;
            return;
        }
        failed(r, g, 0, "registrar address does not resolve", 0, false);
        return;
    }
    if (build_send(r, g, NULL) != C_OK) {
        if (!unreg) failed(r, g, 0, "the carrier's SIP fields cannot be sent", 0, true);
        return;
    }
    /* the outcome is stored when it comes; only a first attempt is stored
     * now, so that a carrier shows "registering" at once */
    if (!unreg && g->st.failures == 0 && g->st.last_code == 0) save(r, g);
}

/* ---- answers ------------------------------------------------------------- */

static reg_t *find_id(sipreg_t *r, int64_t id);

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
    reg_t *g = find_id(r, id);
    if (g && sip_str_ieq(call_id, g->call_id)) return g;
    for (size_t i = 0; i < r->nghosts; i++)
        if (sip_str_ieq(call_id, r->ghosts[i]->call_id)) return r->ghosts[i];
    return NULL;
}

static void answer_challenge(sipreg_t *r, reg_t *g, const sip_msg_t *m)
{
    const bool proxy = m->status == 407;
    dig_chal_t ch;
    const sip_str_t *v = proxy ? m->proxy_auth : m->www_auth;
    size_t nv = proxy ? m->nproxy : m->nwww;
    if (dig_chal_pick(v, nv, &ch) != C_OK) {
        failed(r, g, m->status, "challenge with no usable Digest (MD5 or SHA-256, qop auth)", 0,
               true);
        return;
    }
    /* a second challenge after our answer: wrong credentials, unless the
     * registrar only says our nonce was stale */
    if (g->auth_tries >= 2 || (g->auth_tries >= 1 && !ch.stale)) {
        failed(r, g, m->status == 407 ? 407 : 401, "credentials rejected", 0, true);
        return;
    }
    g->auth_tries++;
    char pass[SEC_PLAIN_MAX + 1], cnonce[17], uri[MODEL_HOST_SZ + 8];
    cerr_t e;
    if (reg_password(r->core, &g->cr, pass, &e) != C_OK) {
        failed(r, g, m->status, e.msg, 0, true);
        return;
    }
    rand_token(cnonce, sizeof cnonce);
    snprintf(uri, sizeof uri, "sip:%s", g->cr.reg_realm[0] ? g->cr.reg_realm : g->host);
    buf_t a = BUF_INIT;
    buf_puts(&a, proxy ? "Proxy-Authorization: " : "Authorization: ");
    int rc = dig_answer(&ch, g->cr.reg_user, pass, "REGISTER", uri, 1, cnonce, &a);
    sodium_memzero(pass, sizeof pass);
    if (rc == C_OK) {
        g->cseq++;
        rc = build_send(r, g, a.data);
    }
    buf_free(&a);
    if (rc != C_OK) failed(r, g, m->status, "the credentials cannot be sent in a Digest answer", 0, true);
}

static void on_response(sipreg_t *r, const sip_msg_t *m)
{
    reg_t *g = find_call(r, m->call_id);
    if (!g || !g->tx || m->cseq != g->cseq || !sip_str_ieq(m->cseq_method, "REGISTER")) return;
    sip_str_t br;
    if (!sip_param(m->via, "branch", &br) || br.n < 7 || br.n - 7 != strlen(g->branch) ||
        memcmp(br.p + 7, g->branch, br.n - 7) != 0)
        return; /* not our transaction's answer (an old retransmission) */
    if (m->status < 200) {
        g->retx_iv = 4.0; /* RFC 3261 §17.1.2.2: after a provisional answer, T2 */
        g->retx_at = mono() + g->retx_iv;
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
    if (code == 401 || code == 407) {
        answer_challenge(r, g, m);
        return;
    }
    if (code == 423 && m->min_expires > g->want_expires && m->min_expires <= MAX_EXPIRES &&
        g->brief_tries < 2) {
        g->brief_tries++;
        g->want_expires = m->min_expires;
        g->auth_tries = 0;
        g->cseq++;
        if (build_send(r, g, NULL) != C_OK) failed(r, g, code, reason, 0, true);
        return;
    }
    if (code >= 200 && code < 300) {
        char cu[2 * MODEL_HOST_SZ + 16];
        snprintf(cu, sizeof cu, "@%s:%u", r->contact_host, r->contact_port);
        int64_t granted = sip_granted_expires(m, cu);
        if (granted <= 0) granted = g->want_expires;
        if (granted > MAX_EXPIRES) granted = MAX_EXPIRES;
        double refresh = (double)granted * 0.45;
        if (refresh < 1) refresh = 1;
        g->tx = false;
        g->due = mono() + refresh;
        g->st.last_code = code;
        snprintf(g->st.reason, sizeof g->st.reason, "%s", reason);
        g->st.failures = 0;
        g->st.expires_at = clock_now() + granted;
        g->st.next_attempt_at = clock_now() + (int64_t)refresh;
        bool was = g->st.state == REG_REGISTERED;
        set_state(g, REG_REGISTERED);
        if (!was)
            log_msg(LOG_INFO, "sipreg: carrier %s (%s): registered for %lld s", g->cr.uuid,
                    g->cr.name, (long long)granted);
        save(r, g);
        return;
    }
    failed(r, g, code, reason, m->retry_after, code == 403);
}

static void on_probe_response(sipreg_t *r, const sip_msg_t *m);

static void read_socket(sipreg_t *r)
{
    static char buf[SIP_MSG_MAX + 1];
    for (int i = 0; i < 256; i++) {
        ssize_t n = recv(r->fd, buf, sizeof buf - 1, MSG_DONTWAIT);
        if (n <= 0) return;
        sip_msg_t m;
        const char *why;
        if (sip_msg_parse(buf, (size_t)n, &m, &why) != C_OK) {
            log_msg(LOG_DEBUG, "sipreg: dropped a datagram: %s", why);
            continue;
        }
        if (m.response && sip_str_ieq(m.cseq_method, "OPTIONS")) on_probe_response(r, &m);
        else if (m.response) on_response(r, &m);
        /* requests (OPTIONS keepalives from a registrar, NOTIFY): numberd
         * is not their destination; the SBC is (--sip-contact) */
    }
}

/* ---- gateway health: OPTIONS probes ------------------------------------------- */

static void probe_count(const probe_t *p, int delta)
{
    atomic_fetch_add(&g_gw_by_state[p->h.state], delta);
}

static void probe_send(sipreg_t *r, probe_t *p)
{
    if (sendto(r->fd, p->req.data, p->req.len, 0, (const struct sockaddr *)&p->dst, p->dstlen) < 0)
        log_msg(LOG_DEBUG, "sipreg: OPTIONS to %s: %s", p->t.address, strerror(errno));
}

static void probe_start(sipreg_t *r, probe_t *p)
{
    char uri[MODEL_HOST_SZ + 16], from[MODEL_HOST_SZ + 32], contact[MODEL_HOST_SZ + 48], via[MODEL_HOST_SZ + 16];
    p->due = 0;
    if (!p->dstlen && resolve(p->t.address, (unsigned)p->t.port, &p->dst, &p->dstlen) != C_OK) {
        p->tx = true; /* counted as a miss by the timeout below */
        p->tx_start = mono() - 64 * r->t1;
        return;
    }
    snprintf(uri, sizeof uri, "sip:%s:%d", p->t.address, p->t.port);
    snprintf(from, sizeof from, "<sip:numberd@%s>", r->contact_host);
    snprintf(contact, sizeof contact, "<sip:numberd@%s:%u>", r->contact_host, r->contact_port);
    snprintf(via, sizeof via, "%s:%u", r->contact_host, r->contact_port);
    char tag[12], to[MODEL_HOST_SZ + 24];
    snprintf(to, sizeof to, "<%s>", uri);
    rand_token(tag, sizeof tag);
    rand_token(p->branch, sizeof p->branch);
    /* each probe a request of its own (RFC 3261 §11): a fresh Call-ID */
    rand_token(p->call_id, 33);
    strcat(p->call_id, "@numberd");
    p->cseq++;
    sip_req_t q = {.method = "OPTIONS", .uri = uri, .transport = "UDP", .via_host = via,
                   .branch = p->branch, .from = from, .from_tag = tag, .to = to,
                   .call_id = p->call_id, .cseq = p->cseq, .contact = contact, .expires = -1,
                   .user_agent = "numberd/" ND_VERSION};
    buf_reset(&p->req);
    if (sip_build_request(&q, &p->req) != C_OK) return;
    atomic_fetch_add(&g_probes, 1);
    p->tx = true;
    p->tx_start = mono();
    p->retx_iv = r->t1;
    p->retx_at = p->tx_start + p->retx_iv;
    probe_send(r, p);
}

/* A probe's outcome: code 0 = no answer. */
static void probe_done(sipreg_t *r, probe_t *p, int code)
{
    bool ok = code >= 100 && code < 500; /* any answer but 5xx/6xx: the gateway is there */
    gw_state_t before = p->h.state;
    p->tx = false;
    p->due = mono() + p->t.interval;
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
        atomic_fetch_add(&g_probe_fails, 1);
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
    if (before != p->h.state && g_health_fn)
        g_health_fn(p->t.carrier_id, p->t.sid, p->h.state == GW_DOWN, g_health_ud);
}

static probe_t *find_probe_call(sipreg_t *r, sip_str_t call_id)
{
    for (size_t i = 0; i < r->nprobes; i++)
        if (sip_str_ieq(call_id, r->probes[i]->call_id)) return r->probes[i];
    return NULL;
}

static void on_probe_response(sipreg_t *r, const sip_msg_t *m)
{
    probe_t *p = find_probe_call(r, m->call_id);
    if (!p || !p->tx || m->cseq != p->cseq) return;
    if (m->status < 200) {
        p->retx_iv = 4.0;
        p->retx_at = mono() + p->retx_iv;
        return;
    }
    probe_done(r, p, m->status);
}

static void probe_free(probe_t *p)
{
    probe_count(p, -1);
    buf_free(&p->req);
    free(p);
}

/* Re-reads the targets: new gateways probed at once, removed ones dropped,
 * changed address or interval taken. */
static void reload_probes(sipreg_t *r)
{
    probe_target_t *t = xcalloc(PROBE_MAX, sizeof *t);
    size_t n = 0;
    cerr_t e;
    if (health_targets(r->core, PROBE_MAX, t, &n, &e) != C_OK) {
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
        }
        if (!p) {
            p = xcalloc(1, sizeof *p);
            rand_token(p->call_id, 33);
            strcat(p->call_id, "@numberd");
            p->h.state = GW_UNKNOWN;
            probe_count(p, 1);
            p->due = mono();
        } else {
            for (size_t i = 0; i < r->nprobes; i++)
                if (r->probes[i] == p) r->probes[i] = NULL;
        }
        if (p->t.interval != t[k].interval && p->due > 0) p->due = mono();
        p->t = t[k];
        snprintf(p->h.sid, sizeof p->h.sid, "%s", t[k].sid);
        p->h.carrier_id = t[k].carrier_id;
        p->seen = true;
        next[k] = p;
    }
    for (size_t i = 0; i < r->nprobes; i++)
        if (r->probes[i]) probe_free(r->probes[i]);
    free(r->probes);
    r->probes = next;
    r->nprobes = n;
    free(t);
}

static void probe_timers(sipreg_t *r, double now, double *next)
{
    for (size_t i = 0; i < r->nprobes; i++) {
        probe_t *p = r->probes[i];
        if (p->tx) {
            double limit = 64 * r->t1;
            if (limit > p->t.interval - 0.5) limit = p->t.interval - 0.5;
            if (now - p->tx_start >= limit) {
                probe_done(r, p, 0);
            } else if (now >= p->retx_at) {
                probe_send(r, p);
                p->retx_iv = p->retx_iv * 2 > 4.0 ? 4.0 : p->retx_iv * 2;
                p->retx_at = now + p->retx_iv;
            }
            if (p->tx && p->retx_at < *next) *next = p->retx_at;
        } else if (p->due > 0) {
            if (now >= p->due) probe_start(r, p);
            else if (p->due < *next) *next = p->due;
        }
    }
}

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
            break;
        }
    crypto_generichash_final(&h, out, 32);
}

static void reg_free(reg_t *g)
{
    count_state(g, false);
    buf_free(&g->req);
    carrier_clear(&g->cr);
    free(g);
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
            break;
        }
    if (!g->host[0]) snprintf(g->host, sizeof g->host, "%s", g->cr.reg_realm);
    if (!g->port) g->port = 5060;
    /* the carrier id in the Call-ID finds an answer's registration by
     * binary search (find_call) */
    char tok[25];
    rand_token(tok, sizeof tok);
    snprintf(g->call_id, sizeof g->call_id, "%s-%lld@numberd", tok, (long long)g->id);
    rand_token(g->from_tag, sizeof g->from_tag);
    g->want_expires = g->cr.reg_expires > 0 ? g->cr.reg_expires : DEFAULT_EXPIRES;
    g->st.carrier_id = g->id;
    g->st.state = REG_REGISTERING;
    g->due = mono();
    return g;
}

static reg_t *find_id(sipreg_t *r, int64_t id)
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
static void reload(sipreg_t *r)
{
    carrier_t *rows = xcalloc(PAGE, sizeof *rows);
    int64_t after = 0;
    cerr_t e;
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
            reg_t *g = find_id(r, cr->id);
            if (g && memcmp(g->fp, fp, 32) != 0) {
                /* new credentials or registrar: a new registration (the
                 * old binding is left to expire at the old registrar) */
                log_msg(LOG_INFO, "sipreg: carrier %s (%s) changed: registering again", cr->uuid,
                        cr->name);
                bool held = g->held;
                reg_t *fresh = reg_new(cr, fp);
                fresh->held = held;
                fresh->seen = true;
                for (size_t i = 0; i < r->nregs; i++)
                    if (r->regs[i] == g) r->regs[i] = fresh;
                if (held && g->st.state == REG_REGISTERED && !g->gone) {
                    /* the old binding: Expires: 0 with the old credentials,
                     * to the old registrar, on its own Call-ID */
                    count_state(g, false);
                    g->held = false;
                    g->ghost = true;
                    g->tx = false;
                    attempt(r, g, true);
                    if (r->nghosts == r->gcap) {
                        r->gcap = r->gcap ? r->gcap * 2 : 8;
                        r->ghosts = xrealloc(r->ghosts, r->gcap * sizeof *r->ghosts);
                    }
                    r->ghosts[r->nghosts++] = g;
                } else {
                    reg_free(g);
                }
                g = fresh;
                if (held) {
                    count_state(g, true);
                    attempt(r, g, false);
                }
            } else if (g) {
                g->seen = true;
                carrier_clear(cr);
            } else {
                g = reg_new(cr, fp);
                g->seen = true;
                insert_sorted(r, g);
            }
            /* a held lock is re-checked every 6th reload only (a lost one
             * is a reset session: rare), a free one at every reload: with
             * 10,000 carriers on PostgreSQL that is one query per carrier
             * per minute, not per 10 s */
            bool got = g->held;
            if ((!g->held || r->reloads % 6 == 0) && reg_lock_try(r->core, g->id, &got, &e) != C_OK)
                got = g->held; /* keep as is */
            if (got && !g->held) {
                g->held = true;
                count_state(g, true);
                g->due = mono();
                log_msg(LOG_INFO, "sipreg: carrier %s (%s): this node registers it", g->cr.uuid,
                        g->cr.name);
            } else if (!got && g->held) {
                /* another node has it now (our session was reset) */
                log_msg(LOG_WARN, "sipreg: carrier %s: lock lost to another node", g->cr.uuid);
                g->held = false;
                g->tx = false;
                count_state(g, false);
            }
        }
        if (n < PAGE) break;
    }
    for (size_t i = 0; i < r->nregs; i++) {
        reg_t *g = r->regs[i];
        if (g->seen || g->gone || g->unreg) continue;
        /* deleted (or no longer reg): unregister if it was registered here */
        if (g->held && g->st.state == REG_REGISTERED) {
            log_msg(LOG_INFO, "sipreg: carrier %s (%s) deleted: unregistering", g->cr.uuid,
                    g->cr.name);
            attempt(r, g, true);
        } else {
            g->gone = true;
        }
    }
    free(rows);
    r->reloads++;
}

static void drop_gone(sipreg_t *r)
{
    size_t w = 0;
    for (size_t i = 0; i < r->nghosts; i++) {
        reg_t *g = r->ghosts[i];
        if (!g->tx) reg_free(g);
        else r->ghosts[w++] = g;
    }
    r->nghosts = w;
    w = 0;
    for (size_t i = 0; i < r->nregs; i++) {
        reg_t *g = r->regs[i];
        if (g->gone && !g->tx) {
            if (g->held) reg_unlock(r->core, g->id);
            reg_free(g);
        } else {
            r->regs[w++] = g;
        }
    }
    r->nregs = w;
}

/* Timers: start due attempts, retransmit, time out.  At most
 * STARTS_PER_TURN new attempts per turn: 10,000 carriers due at once (a
 * start) would otherwise send 10,000 REGISTERs before reading one answer,
 * and the answers would overflow the socket's receive buffer. */
#define STARTS_PER_TURN 200
static double run_timers(sipreg_t *r, double now)
{
    double next = now + 0.5;
    int starts = 0;
    for (size_t i = 0; i < r->nghosts; i++) {
        reg_t *g = r->ghosts[i];
        if (!g->tx) continue;
        if (now - g->tx_start >= 64 * r->t1) {
            g->tx = false;
        } else if (now >= g->retx_at) {
            send_req(r, g);
            g->retx_iv = g->retx_iv * 2 > 4.0 ? 4.0 : g->retx_iv * 2;
            g->retx_at = now + g->retx_iv;
        }
        if (g->tx && g->retx_at < next) next = g->retx_at;
    }
    for (size_t i = 0; i < r->nregs; i++) {
        reg_t *g = r->regs[i];
        if (!g->held && !g->unreg) continue;
        if (g->tx) {
            if (now - g->tx_start >= 64 * r->t1) {
                if (g->unreg) {
                    g->tx = false;
                    g->unreg = false;
                    g->gone = true;
                } else {
                    failed(r, g, 0, "no answer", 0, false);
                }
            } else if (now >= g->retx_at) {
                send_req(r, g);
                g->retx_iv = g->retx_iv * 2 > 4.0 ? 4.0 : g->retx_iv * 2;
                g->retx_at = now + g->retx_iv;
            }
            if (g->tx && g->retx_at < next) next = g->retx_at;
        } else if (g->due > 0 && !g->gone) {
            if (now >= g->due && starts < STARTS_PER_TURN) {
                starts++;
                attempt(r, g, false);
            } else if (now >= g->due) {
                next = now; /* more are due: another turn at once */
            } else if (g->due < next) {
                next = g->due;
            }
        }
    }
    return next;
}

static void *sipreg_main(void *arg)
{
    sipreg_t *r = arg;
    cerr_t e;
    r->next_sig = 0;
    r->next_full = 0;
    while (!atomic_load(&r->stop)) {
        double now = mono();
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
            reload(r);
            reload_probes(r);
            r->next_full = now + FULL_RELOAD_S;
            r->next_sig = now + SIG_POLL_S;
        }
        drop_gone(r);
        /* one transaction per turn for the states it stores */
        reg_batch_begin(r->core);
        double next = run_timers(r, mono());
        probe_timers(r, mono(), &next);
        reg_batch_end(r->core);
        int ms = (int)((next - mono()) * 1000);
        if (ms < 1) ms = 1;
        if (ms > 200) ms = 200; /* a kick is seen within 200 ms */
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        if (poll(&p, 1, ms) > 0) {
            reg_batch_begin(r->core);
            read_socket(r);
            reg_batch_end(r->core);
        }
    }
    /* shutdown: Expires: 0 for what is registered here, answers awaited
     * briefly (a challenge is answered) */
    size_t pending = 0;
    for (size_t i = 0; i < r->nregs; i++) {
        reg_t *g = r->regs[i];
        if (g->held && g->st.state == REG_REGISTERED && !g->unreg) {
            g->tx = false;
            attempt(r, g, true);
            pending++;
            if (pending % STARTS_PER_TURN == 0) {
                /* paced as at start: read answers before the buffer fills */
                struct pollfd p = {.fd = r->fd, .events = POLLIN};
                if (poll(&p, 1, 5) > 0) read_socket(r);
            }
        }
    }
    double until = mono() + SHUTDOWN_WAIT_S;
    while (pending && mono() < until) {
        struct pollfd p = {.fd = r->fd, .events = POLLIN};
        if (poll(&p, 1, 50) > 0) read_socket(r);
        double now = mono();
        pending = 0;
        for (size_t i = 0; i < r->nregs; i++) {
            reg_t *g = r->regs[i];
            if (!g->unreg || !g->tx) continue;
            if (now >= g->retx_at) {
                send_req(r, g);
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
            set_state(g, REG_UNREGISTERED);
            save(r, g);
        }
    }
    reg_batch_end(r->core);
    /* locks go after the commit: the next node must find the final state */
    for (size_t i = 0; i < r->nregs; i++) {
        if (r->regs[i]->held) reg_unlock(r->core, r->regs[i]->id);
        reg_free(r->regs[i]);
    }
    r->nregs = 0;
    for (size_t i = 0; i < r->nghosts; i++) reg_free(r->ghosts[i]);
    free(r->ghosts);
    r->ghosts = NULL;
    r->nghosts = 0;
    for (size_t i = 0; i < r->nprobes; i++) probe_free(r->probes[i]);
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
    r->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        *err = xasprintf("--sip-listen %s: %s", cfg->listen, strerror(errno));
        goto fail;
    }
    socklen_t sl = sizeof sa;
    getsockname(r->fd, (struct sockaddr *)&sa, &sl);
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
            resolve(ph, pp, &r->proxy, &r->proxylen) != C_OK) {
            *err = xasprintf("invalid --sip-outbound-proxy %s: want HOST[:PORT] that resolves",
                             cfg->outbound_proxy);
            goto fail;
        }
        r->have_proxy = true;
        snprintf(r->proxy_uri, sizeof r->proxy_uri, "<sip:%s:%u;lr>", ph, pp);
    }
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
    free(r->regs);
    free(r);
}

void sipreg_metrics_render(buf_t *out)
{
    buf_puts(out, "# HELP numberd_sip_registrations Registrations this node holds, by state.\n"
                  "# TYPE numberd_sip_registrations gauge\n");
    for (int s = 0; s < 4; s++)
        buf_printf(out, "numberd_sip_registrations{state=\"%s\"} %lld\n",
                   reg_state_name((reg_state_t)s), (long long)atomic_load(&g_by_state[s]));
    buf_printf(out, "# HELP numberd_sip_register_attempts_total REGISTER attempts (not counting "
                    "retransmissions and challenge answers).\n"
                    "# TYPE numberd_sip_register_attempts_total counter\n"
                    "numberd_sip_register_attempts_total %llu\n",
               (unsigned long long)atomic_load(&g_attempts));
    buf_puts(out, "# HELP numberd_sip_register_failures_total Failed REGISTER attempts by final "
                  "SIP status (0: no answer).\n"
                  "# TYPE numberd_sip_register_failures_total counter\n");
    bool any = false;
    for (int c = 0; c < CODE_SLOTS; c++) {
        uint64_t v = atomic_load(&g_fail_by_code[c]);
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
                   (long long)atomic_load(&g_gw_by_state[s]));
    buf_printf(out, "# HELP numberd_sip_options_probes_total OPTIONS probes sent.\n"
                    "# TYPE numberd_sip_options_probes_total counter\n"
                    "numberd_sip_options_probes_total %llu\n"
                    "# HELP numberd_sip_options_failures_total OPTIONS probes with no answer or a "
                    "5xx/6xx.\n# TYPE numberd_sip_options_failures_total counter\n"
                    "numberd_sip_options_failures_total %llu\n",
               (unsigned long long)atomic_load(&g_probes),
               (unsigned long long)atomic_load(&g_probe_fails));
}
