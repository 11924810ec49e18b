/* wh.c -- the webhook workers (wh.h): fan-out, claim, send with libcurl
 * behind the SSRF guard, outcome. */
#include "webhook/wh.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "core/events.h"
#include "core/ids.h"
#include "core/webhooks.h"
#include "util/clock.h"
#include "util/common.h"
#include "util/log.h"

#define WH_CONNECT_MS 5000
#define WH_TOTAL_MS 15000         /* an attempt's whole time, name resolution included */
#define WH_LEASE_MARGIN_MS 5000   /* a lease outlives a whole attempt by this much */
#define WH_BODY_CAP (64 * 1024)
#define WH_POLL_MS 250        /* the fan-out, and sender 0 for due retries: how often they look */
#define WH_IDLE_MS 1000       /* the other senders, unless woken by the fan-out */
#define WH_KICK_NAP_US 1000   /* the fan-out, woken by a commit: lets the commits with it land (wait_ms) */
#define WH_ERR_SZ 256
#define WH_LOOKUPS_MAX 64     /* name lookups still running (their attempts gave up on them) */
#define WH_STOP_SLICE_MS 200  /* a wait for a lookup looks at the stop flag this often */

static atomic_ullong g_delivered, g_failed, g_refused, g_disabled;
static atomic_llong g_inflight;

/* Where idle workers wait: static, because the event log's commit hook
 * (any thread, right after a commit that appended events) signals it and
 * must never meet a freed one. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cond = PTHREAD_COND_INITIALIZER;      /* the senders */
static pthread_cond_t g_fan_cond = PTHREAD_COND_INITIALIZER;  /* the fan-out */
static pthread_cond_t g_stop_cond = PTHREAD_COND_INITIALIZER; /* naps after a fault */
/* Moved (under g_lock) each time the fan-out made deliveries: a sender
 * that read it before its claim found nothing does not sleep over rows
 * made meanwhile (sender_wait). */
static unsigned long long g_made_gen;
/* Events committed since the fan-out last looked.  Set under g_lock (with
 * the signal), cleared by the fan-out before it looks (fanout_wait); read
 * without the lock by the commit hook, which has nothing to do while it
 * is set. */
static atomic_bool g_kicked;

struct wh {
    wh_cfg_t cfg;
    pthread_t th[WH_WORKERS_MAX + 1];   /* [0] the fan-out, then the senders */
    unsigned n;                         /* threads started */
    atomic_bool stop;
    int64_t total_ms;             /* an attempt's whole time, from its claim */
    int64_t margin_ms;            /* lease = total_ms + margin_ms */
    int64_t resolve_delay_ms;     /* test only: every resolution takes this long first */
    int owner_share;              /* deliveries one account may have in flight (claim) */
};

typedef struct {
    wh_t *w;
    unsigned index;               /* a sender's, from 0 */
} worker_arg_t;

static worker_arg_t g_args[WH_WORKERS_MAX];

static int64_t mono_ms(void)
{
    return (int64_t)(clock_mono_ns() / 1000000u);
}

/* ---- the SSRF guard -------------------------------------------------------------------- */

/* Every socket curl opens passes here: the last word on where a delivery
 * may connect, whatever the resolver said before. */
static curl_socket_t open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    net_ip_t ip;
    if (purpose != CURLSOCKTYPE_IPCXN || !net_ip_from_sockaddr(&a->addr, &ip)) return CURL_SOCKET_BAD;
    if (!hook_allow_private() && net_ip_internal(&ip)) {
        *(bool *)ud = true;   /* refused here: say so, not "cannot connect" */
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* ---- name resolution within the attempt's time ----------------------------------------- */

/* One getaddrinfo on a thread of its own, so that its wait is bounded:
 * getaddrinfo has no timeout of its own (a DNS server that does not
 * answer holds it for the resolver's timeouts times its attempts times
 * the servers), and an attempt must end before its lease does, or
 * another worker claims the row and sends it again while this one's
 * outcome is dropped (found by a helper's audit, session 37).  The
 * waiter and the lookup thread share the record; the last to let go
 * frees it, so a waiter that gave up never waits for the thread. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;            /* CLOCK_MONOTONIC */
    int refs;                     /* 2: the lookup thread and its waiter */
    bool done;
    int gai;
    struct addrinfo *res;         /* the waiter's once done, unless it gave up */
    char host[NET_HOST_SZ];
} lookup_t;

static atomic_int g_lookups;      /* lookup threads running */

static void lookup_unref(lookup_t *l)
{
    pthread_mutex_lock(&l->mu);
    bool last = --l->refs == 0;
    pthread_mutex_unlock(&l->mu);
    if (!last) return;
    if (l->res) freeaddrinfo(l->res);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    free(l);
}

static void *lookup_main(void *arg)
{
    lookup_t *l = arg;
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(l->host, NULL, &hints, &res);
    pthread_mutex_lock(&l->mu);
    l->gai = gai;
    l->res = gai == 0 ? res : NULL;
    l->done = true;
    pthread_cond_signal(&l->cv);
    pthread_mutex_unlock(&l->mu);
    lookup_unref(l);
    atomic_fetch_sub(&g_lookups, 1);
    return NULL;
}

/* getaddrinfo(host) for at most until deadline (mono_ms): C_OK with *res
 * (the caller freeaddrinfo()s it); C_ERR with why (the time ran out, the
 * lookup failed, too many lookups still running); *aborted when the
 * server began stopping meanwhile. */
static int lookup_bounded(wh_t *w, const char *host, int64_t deadline, struct addrinfo **res,
                          char *why, size_t whysz, bool *aborted)
{
    *res = NULL;
    if (atomic_fetch_add(&g_lookups, 1) >= WH_LOOKUPS_MAX) {
        atomic_fetch_sub(&g_lookups, 1);
        snprintf(why, whysz, "cannot resolve %.120s: %d earlier lookups still wait for DNS", host,
                 WH_LOOKUPS_MAX);
        return C_ERR;
    }
    lookup_t *l = xcalloc(1, sizeof *l);
    clock_cond_init_mono(&l->cv);
    pthread_mutex_init(&l->mu, NULL);
    l->refs = 2;
    snprintf(l->host, sizeof l->host, "%s", host);
    pthread_attr_t ta;
    pthread_t th;
    pthread_attr_init(&ta);
    pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
    int made = pthread_create(&th, &ta, lookup_main, l);
    pthread_attr_destroy(&ta);
    if (made != 0) {
        atomic_fetch_sub(&g_lookups, 1);
        l->refs = 1;
        lookup_unref(l);
        snprintf(why, whysz, "cannot resolve %.120s: no thread for the lookup", host);
        return C_ERR;
    }
    int rc = C_ERR;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        if (l->done) break;
        int64_t left = deadline - mono_ms();
        if (left <= 0 || atomic_load(&w->stop)) break;
        struct timespec ts = clock_mono_deadline_ms(left < WH_STOP_SLICE_MS ? left : WH_STOP_SLICE_MS);
        pthread_cond_timedwait(&l->cv, &l->mu, &ts);
    }
    if (l->done && l->gai == 0) {
        *res = l->res;
        l->res = NULL;
        rc = C_OK;
    } else if (l->done) {
        snprintf(why, whysz, "cannot resolve %.120s: %s", host, gai_strerror(l->gai));
    } else if (atomic_load(&w->stop)) {
        *aborted = true;
        snprintf(why, whysz, "the server stopped during the delivery");
    } else {
        snprintf(why, whysz, "cannot resolve %.120s: no answer within the attempt's %lld ms",
                 host, (long long)w->total_ms);
    }
    pthread_mutex_unlock(&l->mu);
    lookup_unref(l);
    return rc;
}

/* NUMBERD_WEBHOOK_RESOLVE_DELAY_MS (test only): the resolution step waits
 * this long first, whatever the host (a slow DNS server, without one);
 * bounded by the attempt's deadline like a real lookup.  C_ERR with why
 * when the deadline came first. */
static int test_delay(wh_t *w, const char *host, int64_t deadline, char *why, size_t whysz,
                      bool *aborted)
{
    if (w->resolve_delay_ms <= 0) return C_OK;
    int64_t until = mono_ms() + w->resolve_delay_ms;
    for (;;) {
        int64_t now = mono_ms(), end = until < deadline ? until : deadline;
        if (atomic_load(&w->stop)) {
            *aborted = true;
            snprintf(why, whysz, "the server stopped during the delivery");
            return C_ERR;
        }
        if (now >= end) break;
        int64_t nap = end - now < WH_STOP_SLICE_MS ? end - now : WH_STOP_SLICE_MS;
        struct timespec ts = {(time_t)(nap / 1000), (long)(nap % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (until > deadline) {
        snprintf(why, whysz, "cannot resolve %.120s: no answer within the attempt's %lld ms",
                 host, (long long)w->total_ms);
        return C_ERR;
    }
    return C_OK;
}

/* Resolves u's host (by deadline, mono_ms) and checks every address; *pin
 * gets curl's RESOLVE entry for the first ("" for an address literal).
 * C_ERR with why; *aborted: the server is stopping. */
static int resolve_checked(wh_t *w, const hook_url_t *u, int64_t deadline, char *pin, size_t pinsz,
                           char *why, size_t whysz, bool *aborted)
{
    pin[0] = '\0';
    bool allow = hook_allow_private();
    if (test_delay(w, u->host, deadline, why, whysz, aborted) != C_OK) return C_ERR;
    if (u->host_is_ip) {
        const char *bad = allow ? NULL : net_ip_internal(&u->ip);
        if (bad) {
            snprintf(why, whysz, "refused: %.120s is %s (private targets are not allowed)", u->host, bad);
            return C_ERR;
        }
        return C_OK;
    }
    struct addrinfo *res = NULL;
    if (lookup_bounded(w, u->host, deadline, &res, why, whysz, aborted) != C_OK) return C_ERR;
    int rc = C_ERR;
    char first[NET_ADDR_SZ] = "";
    bool first_v6 = false;
    for (struct addrinfo *p = res; p; p = p->ai_next) {
        net_ip_t ip;
        if (!net_ip_from_sockaddr(p->ai_addr, &ip)) continue;
        char text[NET_ADDR_SZ];
        net_format(&ip, text);
        const char *bad = allow ? NULL : net_ip_internal(&ip);
        if (bad) {
            /* one refused address refuses the name: a name that points
             * both outside and inside is not one to follow */
            snprintf(why, whysz, "refused: %.120s resolves to %s, %s (private targets are not allowed)",
                     u->host, text, bad);
            rc = C_ERR;
            first[0] = '\0';
            break;
        }
        if (!first[0]) {
            snprintf(first, sizeof first, "%s", text);
            first_v6 = ip.family == 6;
        }
        rc = C_OK;
    }
    freeaddrinfo(res);
    if (rc == C_OK && first[0])
        snprintf(pin, pinsz, "%s:%u:%s%s%s", u->host, u->port, first_v6 ? "[" : "", first,
                 first_v6 ? "]" : "");
    else if (rc == C_OK || !why[0])
        snprintf(why, whysz, "cannot resolve %.120s: no address", u->host), rc = C_ERR;
    return rc;
}

/* ---- one POST ------------------------------------------------------------------------------- */

static size_t body_sink(char *p, size_t size, size_t n, void *ud)
{
    ND_UNUSED(p);
    size_t *got = ud;
    *got += size * n;
    return *got > WH_BODY_CAP ? 0 : size * n; /* past the cap: stop reading */
}

static int progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    ND_UNUSED(a);
    ND_UNUSED(b);
    ND_UNUSED(c);
    ND_UNUSED(d);
    return atomic_load(&((wh_t *)ud)->stop) ? 1 : 0; /* a stopping server does not wait 15 s */
}

/* Sends job by deadline (mono_ms): name resolution and the request
 * share that one budget, so the attempt ends before its lease does.
 * *status the HTTP status (0: none), why the reason of a failure.
 * *refused: the SSRF guard stopped it.  *aborted: the server is stopping
 * (the outcome is not recorded: the row is given back and sent again). */
static void send_one(wh_t *w, CURL *h, hook_job_t *job, int64_t deadline, int *status, char *why,
                     size_t whysz, bool *refused, bool *aborted)
{
    hook_url_t u;
    cerr_t e;
    char pin[NET_HOST_SZ + NET_ADDR_SZ + 16], hdr[HOOK_SIGS_SZ + 64], errbuf[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL, *resolve = NULL;
    size_t got = 0;
    long code = 0;
    *status = 0;
    *refused = false;
    *aborted = false;
    why[0] = '\0';
    if (hook_url_parse(job->url, &u, &e) != C_OK) {
        snprintf(why, whysz, "%.200s", e.msg);
        return;
    }
    if (resolve_checked(w, &u, deadline, pin, sizeof pin, why, whysz, aborted) != C_OK) {
        *refused = strncmp(why, "refused", 7) == 0;
        return;
    }
    /* curl gets what the resolution left of the attempt (0 would mean no
     * timeout at all to curl: a resolution that used it all is a failed
     * attempt, not a request) */
    int64_t left = deadline - mono_ms();
    if (left < 1) {
        snprintf(why, whysz, "cannot resolve %.120s: no answer within the attempt's %lld ms",
                 u.host, (long long)w->total_ms);
        return;
    }
    curl_easy_reset(h);
    if (pin[0]) {
        resolve = curl_slist_append(NULL, pin);
        curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
    }
    headers = curl_slist_append(headers, "Content-Type: application/json");
    snprintf(hdr, sizeof hdr, "webhook-id: %s", job->msg_id);
    headers = curl_slist_append(headers, hdr);
    snprintf(hdr, sizeof hdr, "webhook-timestamp: %lld", (long long)job->ts);
    headers = curl_slist_append(headers, hdr);
    snprintf(hdr, sizeof hdr, "webhook-signature: %s", job->signature);
    headers = curl_slist_append(headers, hdr);
    headers = curl_slist_append(headers, "Expect:");  /* no 100-continue round trip */
    curl_easy_setopt(h, CURLOPT_URL, job->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, job->body.data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)job->body.len);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "numberd-webhooks/" ND_VERSION);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_PROXY, "");          /* never a proxy from the environment */
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)(left < WH_CONNECT_MS ? left : WH_CONNECT_MS));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)left);
    bool sock_refused = false;
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &sock_refused);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_sink);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &got);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, w);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    *status = (int)code;
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
        *aborted = true;
        snprintf(why, whysz, "the server stopped during the delivery");
    } else if (sock_refused) {
        *refused = true;
        *status = 0;
        snprintf(why, whysz, "refused: %.120s led to a private address at connection time "
                             "(private targets are not allowed)", u.host);
    } else if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && code >= 200 && code <= 299)) {
        /* (a 2xx whose body passed the cap is still a 2xx) */
        snprintf(why, whysz, "%.200s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        if (rc != CURLE_WRITE_ERROR) *status = 0;
    } else if (code >= 300 && code <= 399) {
        snprintf(why, whysz, "HTTP %ld: redirects are not followed", code);
    } else if (code < 200 || code > 299) {
        snprintf(why, whysz, "HTTP %ld", code);
    }
    curl_slist_free_all(headers);
    curl_slist_free_all(resolve);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
}

/* ---- the threads ------------------------------------------------------------------------- */

/* The fan-out's sleep: up to ms or until woken; true when woken by events
 * committed here rather than by its poll's timeout.  Woken so, it first
 * naps WH_KICK_NAP_US with the flag still set: the writes committed with
 * the one that woke it (a group commit answers up to 16 at once) find it
 * set and do not signal, and one look then reads them all.  The flag is
 * cleared after the nap, before the look: a commit that finds it clear
 * signals again, and its events are read by the next look. */
static bool fanout_wait(wh_t *w, int ms)
{
    struct timespec ts = clock_deadline_ms(ms);
    pthread_mutex_lock(&g_lock);
    /* the fan-out does not sleep over events committed here */
    if (!atomic_load(&w->stop) && !atomic_load(&g_kicked))
        pthread_cond_timedwait(&g_fan_cond, &g_lock, &ts);
    bool kicked = atomic_load(&g_kicked);
    pthread_mutex_unlock(&g_lock);
    if (kicked) {
        struct timespec nap = {0, WH_KICK_NAP_US * 1000L};
        if (!atomic_load(&w->stop)) nanosleep(&nap, NULL);
        atomic_store(&g_kicked, false);
    }
    return kicked;
}

static unsigned long long made_gen(void)
{
    pthread_mutex_lock(&g_lock);
    unsigned long long g = g_made_gen;
    pthread_mutex_unlock(&g_lock);
    return g;
}

/* A sender's sleep: up to ms, or until the fan-out makes deliveries --
 * not at all when it made some since seen (read before the claim that
 * found nothing). */
static void sender_wait(wh_t *w, int ms, unsigned long long seen)
{
    struct timespec ts = clock_deadline_ms(ms);
    pthread_mutex_lock(&g_lock);
    if (!atomic_load(&w->stop) && g_made_gen == seen) pthread_cond_timedwait(&g_cond, &g_lock, &ts);
    pthread_mutex_unlock(&g_lock);
}

/* Sleeps ms unless the threads stop meanwhile (a fault: try again later). */
static void nap_ms(wh_t *w, int ms)
{
    struct timespec ts = clock_deadline_ms(ms);
    pthread_mutex_lock(&g_lock);
    if (!atomic_load(&w->stop)) pthread_cond_timedwait(&g_stop_cond, &g_lock, &ts);
    pthread_mutex_unlock(&g_lock);
}

/* The fan-out made deliveries: every sender looks. */
static void wake_senders(void)
{
    pthread_mutex_lock(&g_lock);
    g_made_gen++;
    pthread_cond_broadcast(&g_cond);
    pthread_mutex_unlock(&g_lock);
}

/* A sender took a row: one idle sender looks too, for the next one
 * (which sleeps again if there is none). */
static void wake_one(void)
{
    pthread_mutex_lock(&g_lock);
    pthread_cond_signal(&g_cond);
    pthread_mutex_unlock(&g_lock);
}

/* The threads stop. */
static void wake_all(void)
{
    pthread_mutex_lock(&g_lock);
    pthread_cond_broadcast(&g_cond);
    pthread_cond_broadcast(&g_fan_cond);
    pthread_cond_broadcast(&g_stop_cond);
    pthread_mutex_unlock(&g_lock);
}

/* ev_set_commit_hook: this node's own events go out at once, not at the
 * next poll (other nodes' are found by the poll).  Only the fan-out
 * wakes: events become deliveries by it, and it wakes the senders when
 * there are some.  Waking them all on every commit had each read the
 * delivery table once per purchase, with no endpoint configured (four
 * reads of the six a purchase cost the database). */
static void on_events_committed(void)
{
    /* already kicked: the fan-out has not looked yet, and when it does (it
     * clears the flag first) it reads this commit's events too.  Without
     * this (and fanout_wait's nap), the writers of a group signalled one
     * after another and the fan-out read the log ~3,000 times a second
     * (perf, adds with no endpoint: a third of the server's futex calls). */
    if (atomic_load(&g_kicked)) return;
    /* no endpoint active: the look would find nothing to make (an endpoint
     * made here moves hook_fanout_idle after its commit; the next commit
     * or the poll looks) */
    if (hook_fanout_idle()) return;
    pthread_mutex_lock(&g_lock);
    atomic_store(&g_kicked, true);
    pthread_cond_signal(&g_fan_cond);
    pthread_mutex_unlock(&g_lock);
}

/* libcurl is started by the first delivery, not by serve: its start
 * starts OpenSSL, which leaves 3.4 MiB of libcrypto and libssl resident
 * in a server that may never send a webhook (issue 20's memory target).
 * Under g_curl_mu: curl_global_init is thread-safe only in some builds. */
static pthread_mutex_t g_curl_mu = PTHREAD_MUTEX_INITIALIZER;  /* not g_lock: commits take it */
static bool g_curl_up;

static CURL *curl_handle(void)
{
    pthread_mutex_lock(&g_curl_mu);
    if (!g_curl_up) g_curl_up = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    bool up = g_curl_up;
    pthread_mutex_unlock(&g_curl_mu);
    return up ? curl_easy_init() : NULL;
}

/* The database is away: say so now and then (the caller tries again shortly). */
static void fault_log(int64_t *last_err, const cerr_t *e)
{
    if (*last_err + 30 < (int64_t)time(NULL)) {
        log_msg(LOG_WARN, "webhooks: %s (retrying)", e->msg);
        *last_err = (int64_t)time(NULL);
    }
}

/* The fan-out: the event log into deliveries, and nothing else.  Its own
 * thread, because one that also sent waited on a slow receiver while
 * nobody turned new events into deliveries -- every endpoint's events
 * waited for that one answer while the other senders sat idle (found by a
 * helper's audit, session 37). */
static void *fanout_main(void *arg)
{
    wh_t *w = arg;
    core_t *c = w->cfg.core;
    int64_t last_err = 0;
    bool kicked = false;   /* woken by events committed here */
    while (!atomic_load(&w->stop)) {
        cerr_t e;
        bool more = false;
        int made = 0;
        /* woken by a commit while no endpoint is active: nothing to make
         * (on PostgreSQL a look is a round trip, and every purchase's
         * commit wakes it); the poll still looks */
        if (!(kicked && hook_fanout_idle())) {
            if (hook_fanout(c, &made, &more, &e) != C_OK) {
                fault_log(&last_err, &e);
                nap_ms(w, 1000);
                kicked = false;
                continue;
            }
            if (made > 0) wake_senders();
        }
        kicked = more ? false : fanout_wait(w, WH_POLL_MS);
    }
    return NULL;
}

static void *sender_main(void *arg)
{
    worker_arg_t *a = arg;
    wh_t *w = a->w;
    core_t *c = w->cfg.core;
    CURL *h = NULL;       /* made for the first delivery (curl_handle) */
    hook_job_t job;
    int64_t lease = w->total_ms + w->margin_ms;   /* outlives any attempt */
    int64_t last_err = 0;
    memset(&job, 0, sizeof job);
    job.body = (buf_t)BUF_INIT;
    while (!atomic_load(&w->stop)) {
        cerr_t e;
        bool got = false;
        unsigned long long gen = made_gen();
        if (hook_claim(c, lease, w->owner_share, &job, &got, &e) != C_OK) {
            fault_log(&last_err, &e);
            nap_ms(w, 1000);
            continue;
        }
        if (!got) {
            /* sender 0 finds due retries within a poll period; the others
             * wait for the fan-out's wake */
            sender_wait(w, a->index == 0 ? WH_POLL_MS : WH_IDLE_MS, gen);
            continue;
        }
        /* The attempt's one deadline, from the claim: its lease is
         * total_ms + margin_ms from the claim's clock reading, so the
         * attempt (resolution and request) has what is left of total_ms,
         * and its outcome is written before another worker may take the
         * row. */
        int64_t deadline = mono_ms() + (job.d.leased_until_ms - w->margin_ms - hook_now_ms());
        if (w->cfg.workers > 1) wake_one();
        if (!h && !(h = curl_handle())) {
            /* not an attempt (the fault is ours, not the endpoint's): due
             * again at once, for another worker or node */
            ids_wipe(job.signature, sizeof job.signature);
            if (hook_release(c, &job, &e) != C_OK)
                log_msg(LOG_WARN, "webhooks: %s (the delivery waits for its lease)", e.msg);
            log_msg(LOG_ERROR, "webhooks: worker %u: libcurl cannot start", a->index);
            nap_ms(w, 1000);
            continue;
        }
        int status = 0;
        bool refused = false, aborted = false, disabled = false;
        char why[WH_ERR_SZ];
        atomic_fetch_add(&g_inflight, 1);
        send_one(w, h, &job, deadline, &status, why, sizeof why, &refused, &aborted);
        atomic_fetch_sub(&g_inflight, 1);
        ids_wipe(job.signature, sizeof job.signature);
        if (aborted) {
            /* not an attempt: due again now, for the next node or start */
            hook_release(c, &job, &e);
            break;
        }
        bool ok = why[0] == '\0';
        atomic_fetch_add(ok ? &g_delivered : refused ? &g_refused : &g_failed, 1);
        if (!ok)
            log_msg(LOG_INFO, "webhook delivery %lld (event %s) to %s failed: %s",
                    (long long)job.d.id, job.msg_id, job.ep_uid, why);
        if (hook_finish(c, &job, status, ok ? NULL : why, &disabled, &e) != C_OK) {
            fault_log(&last_err, &e);
            nap_ms(w, 1000);
            continue;
        }
        if (disabled) atomic_fetch_add(&g_disabled, 1);
    }
    ids_wipe(job.signature, sizeof job.signature);
    buf_free(&job.body);
    if (h) curl_easy_cleanup(h);
    return NULL;
}

int wh_start(const wh_cfg_t *cfg, wh_t **out, char **err)
{
    *out = NULL;
    *err = NULL;
    if (cfg->workers < 1 || cfg->workers > WH_WORKERS_MAX) {
        *err = xstrdup("webhook workers: want 1-64");
        return C_ERR;
    }
    wh_t *w = xcalloc(1, sizeof *w);
    w->cfg = *cfg;
    w->total_ms = WH_TOTAL_MS;
    /* test only: a slow receiver and a short lease without waiting 20 s */
    const char *t = getenv("NUMBERD_WEBHOOK_TIMEOUT");
    if (t && *t) {
        long v = strtol(t, NULL, 10);
        if (v >= 1 && v <= 15) w->total_ms = v * 1000;
    }
    /* test only: a node killed mid-delivery leaves its row leased; the
     * tests of that wait for the lease, so they shorten its margin (the
     * attempt itself still has total_ms) */
    w->margin_ms = WH_LEASE_MARGIN_MS;
    const char *m = getenv("NUMBERD_WEBHOOK_LEASE_MARGIN_MS");
    if (m && *m) {
        long v = strtol(m, NULL, 10);
        if (v >= 500 && v <= WH_LEASE_MARGIN_MS) w->margin_ms = v;
    }
    /* test only: a slow name resolution without a slow DNS server */
    const char *r = getenv("NUMBERD_WEBHOOK_RESOLVE_DELAY_MS");
    if (r && *r) {
        long v = strtol(r, NULL, 10);
        if (v >= 0 && v <= 60000) w->resolve_delay_ms = v;
    }
    /* One account's endpoints may hold half this node's senders at most,
     * and so may all failing endpoints together (the claim counts their
     * deliveries in flight on every node: SQLS_WH_FREE): the others keep
     * sending while receivers hang. */
    w->owner_share = cfg->workers / 2 > 1 ? (int)(cfg->workers / 2) : 1;
    atomic_init(&w->stop, false);
    ev_set_commit_hook(on_events_committed);
    if (pthread_create(&w->th[0], NULL, fanout_main, w) != 0) {
        *err = xstrdup("cannot start the webhook fan-out thread");
        wh_stop(w);
        return C_ERR;
    }
    w->n = 1;
    for (unsigned i = 0; i < cfg->workers; i++) {
        g_args[i] = (worker_arg_t){w, i};
        if (pthread_create(&w->th[i + 1], NULL, sender_main, &g_args[i]) != 0) {
            *err = xstrdup("cannot start a webhook worker thread");
            wh_stop(w);
            return C_ERR;
        }
        w->n = i + 2;
    }
    *out = w;
    return C_OK;
}

void wh_stop(wh_t *w)
{
    if (!w) return;
    ev_set_commit_hook(NULL);
    atomic_store(&w->stop, true);
    wake_all();
    for (unsigned i = 0; i < w->n; i++) pthread_join(w->th[i], NULL);
    free(w);
    pthread_mutex_lock(&g_curl_mu);
    if (g_curl_up) curl_global_cleanup();
    g_curl_up = false;
    pthread_mutex_unlock(&g_curl_mu);
}

void wh_metrics_render(buf_t *out)
{
    buf_printf(out,
               "# HELP numberd_webhook_attempts_total Webhook delivery attempts by result "
               "(delivered: 2xx; failed: no answer, timeout or another status; refused: the "
               "target is a private address).\n"
               "# TYPE numberd_webhook_attempts_total counter\n"
               "numberd_webhook_attempts_total{result=\"delivered\"} %llu\n"
               "numberd_webhook_attempts_total{result=\"failed\"} %llu\n"
               "numberd_webhook_attempts_total{result=\"refused\"} %llu\n"
               "# HELP numberd_webhook_endpoints_disabled_total Endpoints this node disabled after "
               "persistent failure.\n"
               "# TYPE numberd_webhook_endpoints_disabled_total counter\n"
               "numberd_webhook_endpoints_disabled_total %llu\n"
               "# HELP numberd_webhook_inflight Deliveries this node is sending now.\n"
               "# TYPE numberd_webhook_inflight gauge\n"
               "numberd_webhook_inflight %lld\n",
               (unsigned long long)atomic_load(&g_delivered),
               (unsigned long long)atomic_load(&g_failed),
               (unsigned long long)atomic_load(&g_refused),
               (unsigned long long)atomic_load(&g_disabled), (long long)atomic_load(&g_inflight));
}
