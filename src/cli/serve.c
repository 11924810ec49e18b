/* serve.c -- `numberd serve`: flags and environment, the demo data, the
 * HTTP server's lifetime and signals. */
#include "cli/cli.h"

#include <errno.h>
#include <malloc.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api/api.h"
#include "core/sbcfeed.h"
#include "core/accounts.h"
#include "core/inventory.h"
#include "core/invgen.h"
#include "core/events.h"
#include "core/idem.h"
#include "core/numbers.h"
#include "core/owned.h"
#include "core/registrations.h"
#include "util/log.h"
#include "util/clock.h"
#include "sipreg/sipreg.h"
#include "core/webhooks.h"
#include "webhook/wh.h"
#include "util/sdnotify.h"

/* --threads' default, 1 to 256 (its bound).  On SQLite the CPUs this
 * process may run on: its affinity mask (taskset, a container's cpuset),
 * not the machine's count.  There a write leaves its HTTP thread for the
 * writer threads (its connection suspended) and a read waits on nothing
 * but the CPU, so more HTTP threads than CPUs only take turns: two threads
 * pinned to one core answered GET Number/{n}/ at ~90,000 or ~125,000 r/s
 * depending on how the connections fell between them, one thread at
 * 116,000-132,000 every time (session 26).  On PostgreSQL a request
 * holds its thread through its round trips to the server (writes on the
 * writer threads, reads on these), which may be on another machine: the
 * machine's count, as before. */
static unsigned default_threads(bool postgres)
{
    cpu_set_t set;
    long n = 0;
    if (!postgres && sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
    if (n <= 0) n = sysconf(_SC_NPROCESSORS_ONLN);
    return n <= 0 ? 1 : n > 256 ? 256 : (unsigned)n;
}

static const char *k_serve_usage =
    "usage: numberd serve [options]\n"
    "\n"
    "Runs the HTTP server (Plivo dialect under /v1/Account/, BYOC dialect under\n"
    "/v1/phone-numbers/, admin API under /admin/v1/ when an admin token is set).\n"
    "\n"
    "options (each also settable by the environment variable shown):\n"
    "  --db URL                 SQLite file or postgresql:// URL      NUMBERD_DB (numberd.db)\n"
    "  --listen HOST:PORT       address to listen on                  NUMBERD_LISTEN (127.0.0.1:8080)\n"
    "                           (PORT 0 picks a free port; IPv6 as [::1]:8080)\n"
    "  --threads N              HTTP worker threads                   NUMBERD_THREADS (SQLite:\n"
    "                           the CPUs serve may run on, as taskset or a container's cpuset\n"
    "                           leave them; PostgreSQL: the machine's cores)\n"
    "  --write-threads N        threads that answer writes, so that   NUMBERD_WRITE_THREADS\n"
    "                           concurrent durable writes share a commit (group commit);\n"
    "                           0 = writes on the HTTP threads.  Default 16.  Any N > 0\n"
    "                           means one writer, answering in batches: the writes that\n"
    "                           arrive together in one transaction, each undone alone if\n"
    "                           it fails, each answered once their commit is durable (SQLite\n"
    "                           \":memory:\" has none: N writers).  On SQLite, with\n"
    "                           writer threads or without, a failed fsync of the log\n"
    "                           stops serve with exit status 70\n"
    "  --aging-days D           days an unrented number ages          NUMBERD_AGING_DAYS (45)\n"
    "  --event-retention D      days the event log keeps an event     NUMBERD_EVENT_RETENTION (365; 0 = forever)\n"
    "                           (older events are deleted by the background sweep, in batches)\n"
    "  --rate-limit N/S         requests per S seconds per account    NUMBERD_RATE_LIMIT (300/5; 0 = off)\n"
    "                           (a main account's, its subaccounts' included)\n"
    "  --auth-fail-limit N/S    after N failed authentications in S   NUMBERD_AUTH_FAIL_LIMIT (20/60; 0 = off)\n"
    "                           seconds from one address (IPv6: its /64), answer 429 with\n"
    "                           Retry-After to that address for S seconds\n"
    "  --max-conns-per-ip N     open connections per client address   NUMBERD_MAX_CONNS_PER_IP (64; 0 = no limit)\n"
    "                           (it counts TCP peers: behind a reverse proxy, the proxy's\n"
    "                           connections; --trusted-proxies gives the other limits the\n"
    "                           client's address)\n"
    "  --conn-timeout S         close a connection idle for S seconds NUMBERD_CONN_TIMEOUT (30)\n"
    "  --admin-token-file F     file holding the admin token          NUMBERD_ADMIN_TOKEN_FILE\n"
    "                           (or the token itself in NUMBERD_ADMIN_TOKEN; at least 16 characters)\n"
    "  --sbc-token-file F       file holding the SBC's token (/sbc/)  NUMBERD_SBC_TOKEN_FILE\n"
    "                           (or NUMBERD_SBC_TOKEN; at least 16 characters; none: /sbc/ is 404)\n"
    "  --sbc-cache-ttl S        how long an SBC may cache an accept   NUMBERD_SBC_CACHE_TTL (30)\n"
    "  --sbc-listen HOST:PORT   a second listener for /sbc/ only,     NUMBERD_SBC_LISTEN\n"
    "                           lean and fast (the SBC's lookups; needs an SBC token;\n"
    "                           /sbc/ stays on --listen too)\n"
    "  --secret-key-file F      server key sealing SIP passwords      NUMBERD_SECRET_KEY_FILE (<db>.key)\n"
    "                           (or the key itself, 64 hex characters, in NUMBERD_SECRET_KEY;\n"
    "                           generated with mode 0600 on first start if the file is missing)\n"
    "  --log-level LEVEL        debug, info, warn, error, off         NUMBERD_LOG_LEVEL (info)\n"
    "                           (info logs one JSON line per request)\n"
    "  --log-file PATH          append the log to PATH                NUMBERD_LOG_FILE (stderr)\n"
    "                           (SIGHUP reopens it, for log rotation)\n"
    "  --metrics-token-file F   GET /metrics wants the token in F     NUMBERD_METRICS_TOKEN_FILE\n"
    "                           as Authorization: Bearer (or the token itself in\n"
    "                           NUMBERD_METRICS_TOKEN; at least 16 characters)\n"
    "  --metrics-open           GET /metrics open, without a token    NUMBERD_METRICS_OPEN (1 = on)\n"
    "                           (for Prometheus setups that want it; by\n"
    "                           default, without a token, it answers 401)\n"
    "  --trusted-proxies CIDRS  reverse proxies whose X-Forwarded-For NUMBERD_TRUSTED_PROXIES\n"
    "                           and X-Request-Id are believed: a comma list of CIDR blocks\n"
    "                           (10.0.0.0/8,::1); the client address (rate limits, failed\n"
    "                           authentications, the log) is then the one the proxy saw\n"
    "  --shutdown-timeout S     seconds requests in flight may take   NUMBERD_SHUTDOWN_TIMEOUT (10)\n"
    "                           to finish at SIGTERM/SIGINT\n"
    "  --sip-listen IPV4:PORT   UDP + TCP of the registration client  NUMBERD_SIP_LISTEN\n"
    "                           (without it no reg carrier is registered)\n"
    "  --sip-contact HOST[:PORT] Contact given to registrars           NUMBERD_SIP_CONTACT (the SBC's address;\n"
    "                           default: the --sip-listen address)\n"
    "  --sip-outbound-proxy HOST[:PORT] REGISTERs go through it        NUMBERD_SIP_OUTBOUND_PROXY\n"
    "  --sip-allow-private      customers' registrars, probed and      NUMBERD_SIP_ALLOW_PRIVATE (1 = on)\n"
    "                           routed gateways may be loopback,\n"
    "                           private or link-local addresses\n"
    "                           (default: refused)\n"
    "  --webhook-workers N      webhook delivery threads (0: this     NUMBERD_WEBHOOK_WORKERS (4)\n"
    "                           node sends none; docs/WEBHOOKS.md)\n"
    "  --webhook-allow-private  webhooks may target loopback, private NUMBERD_WEBHOOK_ALLOW_PRIVATE (1 = on)\n"
    "                           and link-local addresses (refused by\n"
    "                           default: SSRF)\n"
    "  --demo                   on an empty database, create a demo   NUMBERD_DEMO (1 = on)\n"
    "                           account and inventory and print its\n"
    "                           credentials and a curl command\n"
    "\n"
    "endpoints for operators (no account credentials):\n"
    "  GET /healthz             200 while the process answers\n"
    "  GET /readyz              200 while the database answers (and, with an SBC token, once\n"
    "                           the SBC index is loaded), else (or when stopping) 503\n"
    "  GET /metrics             Prometheus text format (a token unless --metrics-open)\n"
    "\n"
    "signals:\n"
    "  SIGINT, SIGTERM          stop accepting, finish requests in flight (--shutdown-timeout),\n"
    "                           close the database, exit 0\n"
    "  SIGHUP                   reopen the --log-file\n";

static int parse_listen(const char *s, char *host, size_t hsz, unsigned *port)
{
    const char *colon;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':') return C_ERR;
        hl = (size_t)(close - s - 1);
        if (hl == 0 || hl >= hsz) return C_ERR;
        memcpy(host, s + 1, hl);
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon) return C_ERR;
        hl = (size_t)(colon - s);
        if (hl == 0 || hl >= hsz) return C_ERR;
        memcpy(host, s, hl);
    }
    host[hl] = '\0';
    if (strcmp(host, "localhost") == 0) snprintf(host, hsz, "127.0.0.1");
    const char *p = colon + 1;
    size_t pl = strlen(p);
    if (pl == 0 || pl > 5 || !nd_all_digits(p, pl)) return C_ERR;
    long v = strtol(p, NULL, 10);
    if (v > 65535) return C_ERR;
    *port = (unsigned)v;
    return C_OK;
}

static int parse_uint_opt(const char *s, unsigned min, unsigned max, unsigned *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 6 || !nd_all_digits(s, n)) return C_ERR;
    unsigned long v = strtoul(s, NULL, 10);
    if (v < min || v > max) return C_ERR;
    *out = (unsigned)v;
    return C_OK;
}

/* "N/S" (N 1-1000000, S 1-3600) or "0" (off: *n = *s = 0). */
static int parse_rate(const char *v, unsigned *n, unsigned *s)
{
    char a[16], b[16], extra;
    *n = *s = 0;
    if (strcmp(v, "0") == 0) return C_OK;
    if (sscanf(v, "%15[0-9]/%15[0-9]%c", a, b, &extra) != 2 || parse_uint_opt(a, 1, 1000000, n) != C_OK ||
        parse_uint_opt(b, 1, 3600, s) != C_OK)
        return C_ERR;
    return C_OK;
}

static int read_token_file(const char *path, char *out, size_t sz)
{
    FILE *f = fopen(path, "r");
    if (!f) return C_ERR;
    size_t n = fread(out, 1, sz - 1, f);
    fclose(f);
    out[n] = '\0';
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' ')) out[--n] = '\0';
    return C_OK;
}

/* A token from its file or, without one, from the environment variable
 * env: "" when neither is set.  C_ERR (errno set) if the file is
 * unreadable, or (errno ENODATA) empty: a file named for a token that holds
 * none is a mistake, and it turned the feature off without a word (an
 * admin API that answered 404, metrics refused; a helper's audit). */
static int read_token(const char *file, const char *env, char *out, size_t sz)
{
    out[0] = '\0';
    if (file) {
        if (read_token_file(file, out, sz) != C_OK) return C_ERR;
        if (out[0] == '\0') {
            errno = ENODATA;
            return C_ERR;
        }
        return C_OK;
    }
    const char *v = getenv(env);
    if (v) snprintf(out, sz, "%s", v);
    return C_OK;
}

/* --demo on an empty database: an account, an inventory, and what to type. */
static int demo_setup(core_t *core, const char *host, unsigned port)
{
    int64_t n;
    cerr_t e;
    if (acct_count(core, &n, &e) != C_OK) {
        cli_err("demo", "%s", e.msg);
        return C_ERR;
    }
    if (n > 0) {
        log_msg(LOG_INFO, "--demo: the database already has accounts; demo data is created only "
                          "on an empty database (use a new --db to start over)");
        return C_OK;
    }
    acct_created_t a;
    if (acct_create(core, "demo", &a, &e) != C_OK) {
        cli_err("demo", "%s", e.msg);
        return C_ERR;
    }
    char *csv = NULL;
    size_t csv_len = 0;
    FILE *mem = open_memstream(&csv, &csv_len);
    const char *gerr;
    if (!mem || invgen_write(mem, NULL, 5000, 2026, &gerr) != C_OK) {
        if (mem) fclose(mem);
        free(csv);
        cli_err("demo", "cannot generate the demo inventory");
        return C_ERR;
    }
    fclose(mem);
    FILE *in = fmemopen(csv, csv_len, "r");
    inv_result_t res = {0};
    int rc = cli_import_stream(core, in, csv_len, false, false, NULL, &res, &e);
    fclose(in);
    free(csv);
    if (rc != C_OK) {
        cli_err("demo", "%s", e.msg);
        return C_ERR;
    }
    const char *chost = (strcmp(host, "0.0.0.0") == 0) ? "127.0.0.1" : (strcmp(host, "::") == 0 ? "::1" : host);
    bool v6 = strchr(chost, ':') != NULL;
    printf("\nnumberd demo: created account \"demo\" and %llu numbers for sale.\n\n"
           "  auth_id     %s\n"
           "  auth_token  %s\n"
           "  api_key     %s\n\n"
           "These secrets are shown only now. Try:\n\n"
           "  curl -s -u '%s:%s' \\\n"
           "    'http://%s%s%s:%u/v1/Account/%s/PhoneNumber/?country_iso=US&limit=3'\n\n",
           (unsigned long long)res.imported, a.auth_id, a.auth_token, a.api_key, a.auth_id,
           a.auth_token, v6 ? "[" : "", chost, v6 ? "]" : "", port, a.auth_id);
    printf("Or open the web console, http://%s%s%s:%u/console/, and sign in with them.\n\n",
           v6 ? "[" : "", chost, v6 ? "]" : "", port);
    fflush(stdout);
    inv_result_free(&res);
    ids_wipe(&a, sizeof a);
    return C_OK;
}

/* Each connection is a descriptor.  systemd and most shells start
 * services with a soft limit of 1024 and a far higher hard limit, which
 * would cap the server at about a thousand connections; the soft limit is
 * raised to the hard one (at most 1<<20). */
static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
    rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > (1u << 20) ? (1u << 20) : rl.rlim_max;
    if (rl.rlim_cur >= want) return;
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        log_msg(LOG_WARN, "cannot raise the open file limit: %s", strerror(errno));
}

/* The aging sweep: numbers whose aging period is over go back on sale
 * without anyone running a command.  Runs at start and every
 * SWEEP_SECONDS; a condition variable lets shutdown stop it at once. */
#define SWEEP_SECONDS 60

/* A thread's period: ticker_wait sleeps it, ticker_stop ends it at once
 * (the sweeper, and the start-up's systemd extensions). */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stop;
} ticker_t;
#define TICKER_INIT {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false}

/* Sleeps ms, or until ticker_stop: true when the time passed. */
static bool ticker_wait(ticker_t *t, long ms)
{
    struct timespec until = clock_deadline_ms(ms);
    pthread_mutex_lock(&t->lock);
    while (!t->stop && pthread_cond_timedwait(&t->cond, &t->lock, &until) != ETIMEDOUT) {}
    bool go = !t->stop;
    pthread_mutex_unlock(&t->lock);
    return go;
}

/* Stops the thread th that waits on t, and joins it. */
static void ticker_stop(ticker_t *t, pthread_t th)
{
    pthread_mutex_lock(&t->lock);
    t->stop = true;
    pthread_cond_signal(&t->cond);
    pthread_mutex_unlock(&t->lock);
    pthread_join(th, NULL);
}

typedef struct {
    core_t *core;
    ticker_t tick;
} sweeper_t;

/* --event-retention (days; 0: keep every event) */
static int g_event_retention = EV_RETENTION_DEFAULT;
/* A sweep deletes at most this many batches of old events (EV_PURGE_BATCH
 * each): a backlog (the first start with a retention, or a long outage)
 * is worked off over several sweeps instead of one long one. */
#define RETENTION_BATCHES 20
/* Stored idempotent answers deleted per sweep, in IDEM_PURGE_BATCH
 * records a transaction: up to 200,000 a minute (3,333 keyed writes a
 * second, day and night, before a backlog can grow; a backlog left by a
 * stopped server is worked off 200,000 a minute). */
#define IDEM_RETENTION_BATCHES 200

/* While the database opens (its migrations): every START_WAIT_S seconds,
 * systemd is asked for START_WAIT_S * 3 more (EXTEND_TIMEOUT_USEC, Type=
 * notify); nothing without NOTIFY_SOCKET. */
#define START_WAIT_S 20

static void *start_wait_main(void *arg)
{
    ticker_t *t = arg;
    /* tests: a shorter period (NUMBERD_START_WAIT_MS) */
    const char *v = getenv("NUMBERD_START_WAIT_MS");
    long ms = v && atol(v) > 0 && atol(v) <= START_WAIT_S * 1000 ? atol(v) : START_WAIT_S * 1000;
    while (ticker_wait(t, ms)) {
        char state[96];
        snprintf(state, sizeof state, "EXTEND_TIMEOUT_USEC=%llu\nSTATUS=applying schema migrations",
                 (unsigned long long)ms * 3 * 1000ull);
        sdnotify_state(state, NULL);
    }
    return NULL;
}

/* The aging sweep: before the server listens, and every sweep. */
static void sweep_aging(core_t *core)
{
    int64_t n = 0;
    cerr_t e;
    /* background work: the events it logs (number.aged) name "system" */
    ev_actor_set("system", "aging-sweep", NULL);
    if (num_aging_sweep(core, &n, &e) != C_OK)
        log_msg(LOG_WARN, "aging sweep: %s", e.msg);
    else if (n > 0)
        log_msg(LOG_INFO, "aging sweep: %lld number(s) returned to sale", (long long)n);
    ev_actor_clear();
}

/* The rest of a sweep (old events, the SBC change log's pruning): on the
 * sweeper thread only. */
static void sweep_rest(core_t *core)
{
    int64_t n = 0;
    cerr_t e;
    ev_actor_set("system", "aging-sweep", NULL);
    if (ev_retention_run(core, g_event_retention, RETENTION_BATCHES, &n, &e) != C_OK)
        log_msg(LOG_WARN, "event retention: %s", e.msg);
    else if (n > 0)
        log_msg(LOG_INFO, "event retention: %lld event(s) older than %d days deleted", (long long)n,
                g_event_retention);
    ev_actor_clear();
    if (hook_retention_run(core, g_event_retention, RETENTION_BATCHES, &n, &e) != C_OK)
        log_msg(LOG_WARN, "webhook delivery retention: %s", e.msg);
    else if (n > 0)
        log_msg(LOG_INFO, "webhook delivery retention: %lld settled deliver%s older than %d days "
                "deleted", (long long)n, n == 1 ? "y" : "ies", g_event_retention);
    if (sbcfeed_prune(core, &e) != C_OK) log_msg(LOG_WARN, "%s", e.msg);
    /* renewal dates: once a day (a scan of the owned numbers) */
    static char rolled_on[CLOCK_DATE_SZ];
    char today[CLOCK_DATE_SZ];
    clock_date(clock_now(), today);
    if (strcmp(today, rolled_on) != 0) {
        ev_actor_set("system", "renewal", NULL); /* its number.updated events */
        int rolled = num_renewal_roll(core, &n, &e);
        ev_actor_clear();
        if (rolled != C_OK) {
            log_msg(LOG_WARN, "renewal dates: %s", e.msg);
        } else {
            memcpy(rolled_on, today, sizeof rolled_on);
            if (n > 0) log_msg(LOG_INFO, "renewal dates: %lld number(s) moved to their next renewal", (long long)n);
        }
    }
    if (reg_expire_run(core, &n, &e) != C_OK) /* its events' actor: system sip-registration */
        log_msg(LOG_WARN, "%s", e.msg);
    else if (n > 0)
        log_msg(LOG_WARN, "sip registration: %lld binding(s) expired with no node renewing them "
                "(is any node running with --sip-listen?)", (long long)n);
    if (health_expire_run(core, &n, &e) != C_OK)
        log_msg(LOG_WARN, "%s", e.msg);
    else if (n > 0)
        log_msg(LOG_WARN, "gateway health: %lld gateway(s) stored down by a prober that stopped "
                "probing them are unknown again (is any node running with --sip-listen?)",
                (long long)n);
    if (idem_retention_run(core, IDEM_RETENTION_BATCHES, &n, &e) != C_OK)
        log_msg(LOG_WARN, "idempotency retention: %s", e.msg);
    else if (n > 0)
        log_msg(LOG_INFO, "idempotency retention: %lld stored answer(s) older than %d hours deleted",
                (long long)n, (IDEM_TTL_SECONDS + IDEM_PURGE_GRACE_SECONDS) / 3600);
}

/* The first aging sweep runs before the server listens (cli_serve); this
 * thread runs the rest of the first sweep at once, then every sweep.  The
 * rest waits for nothing a request needs, and was on the start's path: on
 * PostgreSQL, after 100,000 numbers were added, the SBC log's pruning
 * alone took 40 ms of it. */
static void *sweep_main(void *arg)
{
    sweeper_t *sw = arg;
    sweep_rest(sw->core);
    while (ticker_wait(&sw->tick, SWEEP_SECONDS * 1000L)) {
        sweep_aging(sw->core);
        sweep_rest(sw->core);
    }
    return NULL;
}

/* Why a token file was not taken. */
static const char *token_why(void)
{
    return errno == ENODATA ? "the file is empty" : strerror(errno);
}

/* No core dump: one holds the server key, SIP passwords opened for the
 * SBC's HA1s, and request bodies nothing wipes (SECURITY.md).  Not
 * dumpable also keeps another process of the service's user from reading
 * this one's memory.  NUMBERD_CORE_DUMPS=1 keeps them, for debugging a
 * crash on a machine whose dumps are kept safe. */
static void no_core_dumps(void)
{
    const char *keep = getenv("NUMBERD_CORE_DUMPS");
    if (keep && strcmp(keep, "1") == 0) return;
    struct rlimit none = {0, 0};
    int rc = setrlimit(RLIMIT_CORE, &none);
#if !defined(__SANITIZE_ADDRESS__)
    /* (LeakSanitizer stops the process with ptrace, which not dumpable
     * refuses: the sanitizer builds keep the limit only) */
    if (rc == 0) rc = prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
    if (rc != 0) log_msg(LOG_WARN, "core dumps could not be turned off: %s", strerror(errno));
}

int cli_serve(int argc, char **argv)
{
    const char *usage = k_serve_usage;
    no_core_dumps();
    /* a HUP before the handler's thread waits for it (opening the database,
     * a long migration) is kept for it, not the default's exit */
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &hup, NULL);
    const char *db = NULL, *listen = NULL, *threads_s = NULL, *aging_s = NULL, *rate_s = NULL,
               *token_file = NULL, *level_s = NULL, *key_file = NULL, *log_file = NULL,
               *mtoken_file = NULL, *drain_s = NULL, *authfail_s = NULL, *perip_s = NULL,
               *timeout_s = NULL, *proxies_s = NULL, *sip_listen = NULL, *sip_contact = NULL,
               *sip_proxy = NULL, *sbc_token_file = NULL, *sbc_ttl_s = NULL, *sbc_listen = NULL,
               *retention_s = NULL, *wh_workers_s = NULL, *wthreads_s = NULL;
    bool demo = false, metrics_open = false, wh_private = false, sip_private = false;
    /* each option once, with its variable and default (k_serve_usage documents them) */
    opt_t opts[] = {
        CLI_OPT("listen", &listen, "NUMBERD_LISTEN", "127.0.0.1:8080"),
        CLI_OPT("threads", &threads_s, "NUMBERD_THREADS", NULL), /* NULL: default_threads() */
        CLI_OPT("write-threads", &wthreads_s, "NUMBERD_WRITE_THREADS", NULL),
        CLI_OPT("aging-days", &aging_s, "NUMBERD_AGING_DAYS", "45"),
        CLI_OPT("event-retention", &retention_s, "NUMBERD_EVENT_RETENTION", "365"),
        CLI_OPT("rate-limit", &rate_s, "NUMBERD_RATE_LIMIT", "300/5"),
        CLI_OPT("auth-fail-limit", &authfail_s, "NUMBERD_AUTH_FAIL_LIMIT", "20/60"),
        CLI_OPT("max-conns-per-ip", &perip_s, "NUMBERD_MAX_CONNS_PER_IP", "64"),
        CLI_OPT("conn-timeout", &timeout_s, "NUMBERD_CONN_TIMEOUT", "30"),
        CLI_OPT("admin-token-file", &token_file, "NUMBERD_ADMIN_TOKEN_FILE", NULL),
        CLI_OPT("log-level", &level_s, "NUMBERD_LOG_LEVEL", "info"),
        CLI_OPT("secret-key-file", &key_file, "NUMBERD_SECRET_KEY_FILE", NULL),
        CLI_OPT("log-file", &log_file, "NUMBERD_LOG_FILE", NULL),
        CLI_OPT("metrics-token-file", &mtoken_file, "NUMBERD_METRICS_TOKEN_FILE", NULL),
        CLI_OPT("shutdown-timeout", &drain_s, "NUMBERD_SHUTDOWN_TIMEOUT", "10"),
        CLI_OPT("sip-listen", &sip_listen, "NUMBERD_SIP_LISTEN", NULL),
        CLI_OPT("sip-contact", &sip_contact, "NUMBERD_SIP_CONTACT", NULL),
        CLI_OPT("sip-outbound-proxy", &sip_proxy, "NUMBERD_SIP_OUTBOUND_PROXY", NULL),
        CLI_OPT("trusted-proxies", &proxies_s, "NUMBERD_TRUSTED_PROXIES", NULL),
        CLI_FLAG("demo", &demo, "NUMBERD_DEMO"),
        CLI_OPT("sbc-token-file", &sbc_token_file, "NUMBERD_SBC_TOKEN_FILE", NULL),
        CLI_OPT("sbc-cache-ttl", &sbc_ttl_s, "NUMBERD_SBC_CACHE_TTL", "30"),
        CLI_OPT("sbc-listen", &sbc_listen, "NUMBERD_SBC_LISTEN", NULL),
        CLI_FLAG("metrics-open", &metrics_open, "NUMBERD_METRICS_OPEN"),
        CLI_OPT("webhook-workers", &wh_workers_s, "NUMBERD_WEBHOOK_WORKERS", "4"),
        CLI_FLAG("webhook-allow-private", &wh_private, "NUMBERD_WEBHOOK_ALLOW_PRIVATE"),
        CLI_FLAG("sip-allow-private", &sip_private, "NUMBERD_SIP_ALLOW_PRIVATE"),
    };
    int idx = cli_parse_opts(argc, argv, usage, opts, ND_ARRAY_LEN(opts), &db);
    if (idx == -1) return 0;
    if (idx == -2) return EXIT_USAGE;
    if (idx != argc) return usage_error(usage, "unexpected argument: %s", argv[idx]);

    /* One malloc arena for the whole process, before any thread starts.
     * glibc gives threads arenas of their own (up to 8 per core), and each
     * keeps what its thread freed: with sixteen writer threads
     * (--write-threads 16), after adding 100,000 numbers the server held
     * 88 MiB instead of 50 (1 arena) or 55 (2).  The lock the threads then
     * share cost nothing measurable on reads (bench: GET and list alike,
     * within the noise).  The environment's MALLOC_ARENA_MAX still wins. */
    if (!getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 1);

    char host[64];
    unsigned port, threads, aging, rl_n = 0, rl_s = 0, drain, af_n = 0, af_s = 0, perip = 0,
             conn_timeout = 30;
    log_level_t level;
    if (parse_listen(listen, host, sizeof host, &port) != C_OK)
        return usage_error(usage, "invalid --listen %s: want HOST:PORT", listen);
    char sbc_host[64] = "";
    unsigned sbc_port = 0;
    if (sbc_listen && *sbc_listen && parse_listen(sbc_listen, sbc_host, sizeof sbc_host, &sbc_port) != C_OK)
        return usage_error(usage, "invalid --sbc-listen %s: want HOST:PORT", sbc_listen);
    threads = default_threads(core_url_is_postgres(db));
    if (threads_s && parse_uint_opt(threads_s, 1, 256, &threads) != C_OK)
        return usage_error(usage, "invalid --threads %s: want 1-256", threads_s);
    /* 16 on SQLite by default: only writes that wait together share a
     * commit, and on the HTTP threads at most --threads of them can wait
     * (348 purchases/s with a 2 ms fsync on the HTTP threads, 2,297 with
     * 16 writers: docs/PERFORMANCE.md session 11).  They cost ~2 MiB
     * resident (their stacks and what they hold of the heap: 49.4 against
     * 47.3 MiB after the same 30,000 purchases, session 12).  16 on
     * PostgreSQL too, each with a connection of its own: there the server
     * groups the WAL flushes of commits that wait at once, and since the
     * logs' ids are given after COMMIT (migration 0014_sequencer) writers
     * no longer commit one flush at a time, so more writers in flight
     * share more: with a 2 ms fsync 338-357 purchases/s before, 960-985
     * after with 16 writers, against ~190 with none (session 27); more
     * HTTP threads instead cost reads a third.  None for ":memory:", which
     * has no file to sync. */
    unsigned wthreads = 16;
    if (strcmp(db, ":memory:") == 0) wthreads = 0;
    if (wthreads_s && parse_uint_opt(wthreads_s, 0, 256, &wthreads) != C_OK)
        return usage_error(usage, "invalid --write-threads %s: want 0-256", wthreads_s);
    if (parse_uint_opt(aging_s, 0, 3650, &aging) != C_OK)
        return usage_error(usage, "invalid --aging-days %s: want 0-3650", aging_s);
    unsigned retention = 0;
    if (parse_uint_opt(retention_s, 0, 36500, &retention) != C_OK)
        return usage_error(usage, "invalid --event-retention %s: want 0-36500 days", retention_s);
    g_event_retention = (int)retention;
    if (parse_rate(rate_s, &rl_n, &rl_s) != C_OK)
        return usage_error(usage, "invalid --rate-limit %s: want N/S (e.g. 300/5) or 0", rate_s);
    if (parse_rate(authfail_s, &af_n, &af_s) != C_OK)
        return usage_error(usage, "invalid --auth-fail-limit %s: want N/S (e.g. 20/60) or 0", authfail_s);
    if (parse_uint_opt(perip_s, 0, 100000, &perip) != C_OK)
        return usage_error(usage, "invalid --max-conns-per-ip %s: want 0-100000", perip_s);
    if (parse_uint_opt(timeout_s, 1, 3600, &conn_timeout) != C_OK)
        return usage_error(usage, "invalid --conn-timeout %s: want 1-3600", timeout_s);
    if (parse_uint_opt(drain_s, 1, 3600, &drain) != C_OK)
        return usage_error(usage, "invalid --shutdown-timeout %s: want 1-3600 seconds", drain_s);
    if (log_parse_level(level_s, &level) != C_OK)
        return usage_error(usage, "invalid --log-level %s: want debug, info, warn, error or off",
                           level_s);
    if (log_file && !*log_file) return usage_error(usage, "--log-file needs a path");
    unsigned wh_workers = WH_WORKERS_DEFAULT;
    if (parse_uint_opt(wh_workers_s, 0, WH_WORKERS_MAX, &wh_workers) != C_OK)
        return usage_error(usage, "invalid --webhook-workers %s: want 0-%d", wh_workers_s,
                           WH_WORKERS_MAX);
    unsigned sbc_ttl = 30;
    if (parse_uint_opt(sbc_ttl_s, 0, 86400, &sbc_ttl) != C_OK)
        return usage_error(usage, "invalid --sbc-cache-ttl %s: want 0-86400 seconds", sbc_ttl_s);
    /* the registration client's addresses: checked before anything starts */
    {
        char sh[256];
        unsigned sp;
        struct in_addr a4;
        bool on = sip_listen && *sip_listen;
        if (on && (sipreg_parse_hostport(sip_listen, 5060, sh, sizeof sh, &sp) != C_OK ||
                   inet_pton(AF_INET, sh, &a4) != 1))
            return usage_error(usage, "invalid --sip-listen %s: want IPV4:PORT", sip_listen);
        /* sipreg_start says the same, but after the HTTP listener has
         * started (and exits 1): a usage error is found before anything */
        if (on && a4.s_addr == htonl(INADDR_ANY) && !(sip_contact && *sip_contact))
            return usage_error(usage, "--sip-listen %s is a wildcard address: give --sip-contact, the "
                                      "address registrars send calls to (the SBC)", sip_listen);
        if (!on && ((sip_contact && *sip_contact) || (sip_proxy && *sip_proxy)))
            return usage_error(usage, "--sip-contact and --sip-outbound-proxy need --sip-listen");
        if (sip_contact && *sip_contact &&
            sipreg_parse_hostport(sip_contact, 5060, sh, sizeof sh, &sp) != C_OK)
            return usage_error(usage, "invalid --sip-contact %s: want HOST[:PORT]", sip_contact);
        if (sip_proxy && *sip_proxy && sipreg_parse_hostport(sip_proxy, 5060, sh, sizeof sh, &sp) != C_OK)
            return usage_error(usage, "invalid --sip-outbound-proxy %s: want HOST[:PORT]", sip_proxy);
    }
    http_proxies_t *proxies = NULL;
    char *perr = NULL;
    /* checked now (a usage error before anything opens), made again below */
    if (proxies_s && http_proxies_parse(proxies_s, &proxies, &perr) != C_OK) {
        int rc = usage_error(usage, "invalid --trusted-proxies: %s", perr);
        free(perr);
        return rc;
    }
    http_proxies_free(proxies);
    proxies = NULL;
    log_set_level(level);

    char token[512] = "", mtoken[512] = "", stoken[512] = "";
    if (read_token(sbc_token_file, "NUMBERD_SBC_TOKEN", stoken, sizeof stoken) != C_OK) {
        cli_err("serve", "cannot read --sbc-token-file %s: %s", sbc_token_file, token_why());
        return 1;
    }
    if (sbc_host[0] && !stoken[0])
        return usage_error(usage, "--sbc-listen needs the SBC token (--sbc-token-file or NUMBERD_SBC_TOKEN)");
    if (stoken[0] && strlen(stoken) < 16) {
        ids_wipe(stoken, sizeof stoken);
        return usage_error(usage, "the SBC token must be at least 16 characters");
    }
    if (read_token(token_file, "NUMBERD_ADMIN_TOKEN", token, sizeof token) != C_OK) {
        cli_err("serve", "cannot read --admin-token-file %s: %s", token_file, token_why());
        return 1;
    }
    if (token[0] && strlen(token) < 16)
        return usage_error(usage, "the admin token must be at least 16 characters");
    if (read_token(mtoken_file, "NUMBERD_METRICS_TOKEN", mtoken, sizeof mtoken) != C_OK) {
        cli_err("serve", "cannot read --metrics-token-file %s: %s", mtoken_file, token_why());
        ids_wipe(token, sizeof token);
        return 1;
    }
    if (mtoken[0] && strlen(mtoken) < 16) {
        ids_wipe(token, sizeof token);
        return usage_error(usage, "the metrics token must be at least 16 characters");
    }
    /* the SBC's and the scraper's tokens are given to other machines and
     * open one thing each (SECURITY.md): the admin token's value there
     * would open every /admin/ path too */
    if (token[0] && (strcmp(token, stoken) == 0 || strcmp(token, mtoken) == 0)) {
        bool sbc = strcmp(token, stoken) == 0;
        ids_wipe(token, sizeof token);
        ids_wipe(mtoken, sizeof mtoken);
        ids_wipe(stoken, sizeof stoken);
        return usage_error(usage, "the %s token must differ from the admin token: it is given to %s",
                           sbc ? "SBC" : "metrics", sbc ? "the SBC" : "the scraper");
    }
    /* Before anything is logged, so that every line of this run is in the
     * file. */
    if (log_file) {
        char *err = NULL;
        if (log_open_file(log_file, &err) != C_OK) {
            cli_err("serve", "%s", err);
            free(err);
            ids_wipe(token, sizeof token);
            ids_wipe(mtoken, sizeof mtoken);
            return 1;
        }
    }

    static api_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    /* the schema's migrations run inside this open: on a large database
     * longer than systemd's start timeout (90 s by default), which then
     * killed the start and the next, for ever (a package upgrade restarts
     * the service by itself); told to wait while they run */
    ticker_t mig_tick = TICKER_INIT;
    pthread_t mig_thread;
    bool mig_waiting = pthread_create(&mig_thread, NULL, start_wait_main, &mig_tick) == 0;
    int opened = cli_open_core(db, &ctx.core);
    if (mig_waiting) ticker_stop(&mig_tick, mig_thread);
    if (opened != C_OK) {
        ids_wipe(token, sizeof token);
        ids_wipe(mtoken, sizeof mtoken);
        return 1;
    }
    if (cli_load_key(db, key_file, &ctx.core) != C_OK) {
        ids_wipe(token, sizeof token);
        ids_wipe(mtoken, sizeof mtoken);
        cli_close_core(&ctx.core);
        return 1;
    }
    /* On SQLite a request's statement waits at most 3 s for another
     * process's write lock (a CLI import, a second node on the file), then
     * its request answers 503 with Retry-After, nothing written.  The
     * default 15 s outlasted the official Plivo SDKs' timeouts (5 s in
     * Python, Ruby, PHP and for applications in Node and .NET; 10 s in Go
     * and Java): the client had given up, and the write still committed,
     * so its retry met 409 "already exists" -- a fault of ours shown as
     * the client's mistake.  The connections opened so far (the
     * migration's) keep 15 s; the CLI's commands keep it too (store.h).
     * PostgreSQL: a request's statement_timeout (5 s) bounds its waits. */
    core_lock_wait_set(3000);
    /* Signals are taken synchronously by this thread (sigwait below):
     * block them before the first thread of this run starts (the search
     * index's and the SBC feed's load start next), so that every thread
     * inherits the mask.  A thread started before it took a SIGHUP or a
     * second SIGTERM whenever this thread was not in sigwait (start-up, a
     * drain) and died of it: exit 129 with an SBC token set.  Opening the
     * database comes before: a signal there still ends the process at once. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    /* (SIGHUP alone is blocked from the start of cli_serve: a logrotate's
     * HUP during a long migration killed the server, exit 129) */
    ctx.core.aging_days = (int)aging;
    /* searches count from memory (SQLite; loaded in the background, SQL
     * until then).  NUMBERD_NO_SEARCH_INDEX: always SQL, the reference the
     * tests compare it with. */
    if (!getenv("NUMBERD_NO_SEARCH_INDEX")) {
        cerr_t ie;
        if (num_search_index_start(&ctx.core, &ie) != C_OK)
            log_msg(LOG_WARN, "search index not started (%s): searches count in SQL", ie.msg);
    }
    {
        cerr_t ae;
        if (core_read_anchor_start(&ctx.core, &ae) != C_OK)
            log_msg(LOG_WARN, "read anchor not started (%s): reads lock as before", ae.msg);
    }
    /* From here on every exit goes through done: (the threads started so
     * far stop before the database they use is closed). */
    int ret = 1;
    wh_t *webhooks = NULL;
    http_server_t *srv = NULL;
    http_lean_t *lean = NULL;
    sipreg_t *sipreg = NULL;
    ctx.rl = rl_new(rl_n, rl_s);
    ctx.af = af_new(af_n, af_s);
    if (token[0]) {
        ctx.admin_enabled = true;
        ids_hash_secret(token, strlen(token), ctx.admin_hash);
        ids_wipe(token, sizeof token);
    }
    /* before the feed's first load, which reads it (a review: set after
     * sbcfeed_start, the load could run first and leave every customer's
     * private gateway out of the routes until that carrier changed) */
    sbcfeed_set_allow_private(sip_private);
    if (stoken[0]) {
        ctx.sbc_enabled = true;
        ids_hash_secret(stoken, strlen(stoken), ctx.sbc_hash);
        ids_wipe(stoken, sizeof stoken);
        ctx.sbc_cache_ttl = (int)sbc_ttl;
        /* the index answers every lookup: loaded before the server listens */
        cerr_t se;
        if (sbcfeed_start(&ctx.core, &ctx.sbc, &se) != C_OK) {
            cli_err("serve", "%s", se.msg);
            goto done;
        }
    }
    ctx.metrics_open = metrics_open;
    if (mtoken[0]) {
        ctx.metrics_auth = true;
        ids_hash_secret(mtoken, strlen(mtoken), ctx.metrics_hash);
        ids_wipe(mtoken, sizeof mtoken);
    }
    atomic_init(&ctx.stopping, false);
    /* reads answered again while nothing changed (src/api/anscache.c);
     * NUMBERD_NO_ANSWER_CACHE: always computed, the reference the tests
     * compare it with */
    ctx.answer_cache = !getenv("NUMBERD_NO_ANSWER_CACHE");

    signal(SIGPIPE, SIG_IGN);

    raise_nofile();
    /* Return aged numbers before the first request can search. */
    sweep_aging(&ctx.core);
    http_app_t app;
    api_app(&ctx, &app);
    if (proxies_s && http_proxies_parse(proxies_s, &proxies, &perr) != C_OK)
        nd_panic("trusted proxies: %s", perr);   /* parsed above: cannot fail */
    http_config_t cfg = {.host = host, .port = port, .threads = threads,
                         .write_threads = wthreads, .conn_timeout = conn_timeout,
                         .drain_seconds = drain, .per_ip_limit = perip, .proxies = proxies};
    /* Webhook delivery, on every node that has workers: before the server
     * starts, so that the event log's commit hook is in place before any
     * request can commit (and removed after the last one, below). */
    hook_set_allow_private(wh_private);
    if (wh_workers > 0) {
        wh_cfg_t wcfg = {.core = &ctx.core, .workers = wh_workers};
        char *werr = NULL;
        if (wh_start(&wcfg, &webhooks, &werr) != C_OK) {
            cli_err("serve", "%s", werr);
            free(werr);
            goto done;
        }
        log_msg(LOG_INFO, "webhook delivery: %u workers%s", wh_workers,
                wh_private ? ", private targets allowed" : "");
    }
    char *err = NULL;
    if (http_server_start(&cfg, &app, &srv, &err) != C_OK) {
        cli_err("serve", "%s", err);
        free(err);
        goto done;
    }
    unsigned bound = http_server_port(srv);
    bool v6 = strchr(host, ':') != NULL;
    /* what runs, not what was asked: with batches --write-threads N > 0
     * means one writer (http_server_start) */
    unsigned nwriters = http_server_writers(srv);
    char writers[80];
    if (nwriters == 0) snprintf(writers, sizeof writers, "writes on the HTTP threads");
    else if (app.batch_begin)
        snprintf(writers, sizeof writers, "%u writer, in batches (--write-threads %u)", nwriters,
                 wthreads);
    else snprintf(writers, sizeof writers, "%u writer threads", nwriters);
    log_msg(LOG_INFO, "numberd %s listening on http://%s%s%s:%u (%s, %u threads, %s, admin API %s, "
            "metrics %s)",
            ND_VERSION, v6 ? "[" : "", host, v6 ? "]" : "", bound, core_backend(&ctx.core),
            threads, writers, ctx.admin_enabled ? "on" : "off",
            ctx.metrics_auth ? "with token" : ctx.metrics_open ? "open" : "off (no token)");
    if (demo && demo_setup(&ctx.core, host, bound) != C_OK) goto done;
    /* The SBC's own listener: after the main one (whose failure to bind
     * is the more likely), before READY */
    if (sbc_host[0]) {
        http_config_t lcfg = {.host = sbc_host, .port = sbc_port, .threads = threads,
                              .conn_timeout = conn_timeout};
        if (http_lean_start(&lcfg, &app, "/sbc/", &lean, &err) != C_OK) {
            cli_err("serve", "%s", err);
            free(err);
            goto done;
        }
        bool l6 = strchr(sbc_host, ':') != NULL;
        log_msg(LOG_INFO, "SBC listener on http://%s%s%s:%u (/sbc/ only, %u threads)", l6 ? "[" : "",
                sbc_host, l6 ? "]" : "", http_lean_port(lean), threads);
    }
    /* The registration client: after the demo data (a demo reg carrier
     * registers at once), before READY (a bad --sip-listen stops the start). */
    if (sip_listen && *sip_listen) {
        sipreg_cfg_t scfg = {.core = &ctx.core, .listen = sip_listen, .contact = sip_contact,
                             .outbound_proxy = sip_proxy, .allow_private = sip_private};
        char *serr = NULL;
        if (sipreg_start(&scfg, &sipreg, &serr) != C_OK) {
            cli_err("serve", "%s", serr);
            free(serr);
            goto done; /* a socket that cannot be bound: a runtime failure */
        }
        log_msg(LOG_INFO, "registration client on udp %s (port %u)", sip_listen, sipreg_port(sipreg));
    }
    sdnotify_state("READY=1", NULL); /* systemd Type=notify: listening, demo data made */
    static sweeper_t sw = {.tick = TICKER_INIT};
    sw.core = &ctx.core;
    pthread_t sweeper;
    bool sweeping = pthread_create(&sweeper, NULL, sweep_main, &sw) == 0;

    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0) continue;
        if (sig == SIGHUP) {
            /* logrotate has moved the file: start a new one by the same name */
            char *rerr = NULL;
            if (log_reopen(&rerr) != C_OK) {
                log_msg(LOG_ERROR, "SIGHUP: %s (still writing to the old file)", rerr);
                free(rerr);
            } else if (log_file_path()) {
                log_msg(LOG_INFO, "SIGHUP: reopened the log file %s", log_file_path());
            }
            continue;
        }
        log_msg(LOG_INFO, "signal %d (%s): stopping: no new connections, finishing requests in "
                          "flight (at most %u s)",
                sig, sig == SIGTERM ? "SIGTERM" : "SIGINT", drain);
        break;
    }
    sdnotify_state("STOPPING=1", NULL);
    atomic_store(&ctx.stopping, true);
    if (sweeping) ticker_stop(&sw.tick, sweeper);
    ret = 0;
done:
    /* unregisters (Expires: 0) while the database is still open */
    sipreg_stop(sipreg);
    http_lean_stop(lean);
    http_server_stop(srv);
    /* a delivery in flight is cut off and given back, due at once */
    wh_stop(webhooks);
    sbcfeed_stop(ctx.sbc);
    http_proxies_free(proxies);
    cli_close_core(&ctx.core);
    rl_free(ctx.rl);
    af_free(ctx.af);
    if (ret == 0) log_msg(LOG_INFO, "stopped: database closed");
    if (ret == 0 && nd_exit_code() != 0) {
        ret = nd_exit_code();
        log_msg(LOG_ERROR, "stopped after a fault: exit status %d", ret);
    }
    return ret;
}
