/* metrics.c -- counters for GET /metrics (see metrics.h for the design). */
#include "util/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- event counters ----------------------------------------------------- */

/* Rare events (a purchase, a replay, a refusal): one shared atomic each is
 * cheap enough, and each sits on its own cache line so that a burst of one
 * kind does not slow another. */
static struct {
    _Alignas(64) atomic_uint_least64_t v;
} g_events[MET__COUNT];

static const struct {
    const char *name, *help;
} k_events[MET__COUNT] = {
    [MET_DB_ERRORS] = {"numberd_db_errors_total", "Database calls that failed."},
    [MET_PURCHASES] = {"numberd_purchases_total",
                       "Numbers bought from the inventory (idempotent replays not counted)."},
    [MET_IDEM_REPLAYS] = {"numberd_idempotent_replays_total",
                          "Requests answered by replaying the stored answer of their Idempotency-Key."},
    [MET_RATE_LIMITED] = {"numberd_rate_limited_total",
                          "Requests refused with 429 by the per-account rate limit."},
    [MET_DB_WRITE_TX] = {"numberd_db_write_transactions_total", "Write transactions committed."},
    [MET_DB_COMMITS] = {"numberd_db_commits_total",
                        "Commits those write transactions took. On SQLite, write transactions "
                        "that wait together share one commit and one fsync (group commit): "
                        "write transactions / commits is the mean group. On PostgreSQL, one "
                        "each (the server groups its own WAL flushes)."},
    [MET_DB_TX_RETRIES] = {"numberd_db_transaction_retries_total",
                           "Write transactions the database aborted to break a deadlock (or a "
                           "serialization conflict) and numberd ran again. PostgreSQL only; "
                           "a steady rise means two writes take their locks in opposite orders."},
    [MET_DB_SYNCS] = {"numberd_db_syncs_total",
                      "SQLite: syncs of the write-ahead log made after commits, each making "
                      "every commit before it durable (commits / syncs is the mean a sync "
                      "covers). PostgreSQL: 0 (its server syncs its own WAL)."},
};

void metrics_add(metric_t m, uint64_t n)
{
    if ((unsigned)m < MET__COUNT) atomic_fetch_add_explicit(&g_events[m].v, n, memory_order_relaxed);
}

void metrics_count(metric_t m)
{
    metrics_add(m, 1);
}

uint64_t metrics_value(metric_t m)
{
    if ((unsigned)m >= MET__COUNT) return 0;
    return atomic_load_explicit(&g_events[m].v, memory_order_relaxed);
}

/* ---- the HTTP table ----------------------------------------------------- */

/* Status codes get exact slots; anything else is counted under its class
 * ("4xx"), so the table has a fixed size and a client cannot make up new
 * series by inventing codes. */
static const int k_codes[] = {200, 201, 202, 204, 206, 301, 302, 304, 307, 308, 400, 401, 403,
                              404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417,
                              422, 429, 431, 500, 501, 502, 503, 504, 505};
#define NCODES ND_ARRAY_LEN(k_codes)
#define NSLOTS (NCODES + 6) /* exact codes, then 1xx..5xx, then "other" */
static const char *const k_class[6] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

/* Histogram bucket bounds: the same values in nanoseconds (for the request
 * path: integer compares only), as doubles and as label text. */
static const uint64_t k_bucket_ns[] = {500000,    1000000,   2500000,   5000000,
                                       10000000,  25000000,  50000000,  100000000,
                                       250000000, 500000000, 1000000000, 2500000000};
static const double k_bucket_s[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                    0.05,   0.1,   0.25,   0.5,   1,    2.5};
static const char *const k_bucket_le[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
                                          "0.05",   "0.1",   "0.25",   "0.5",   "1",    "2.5"};
#define NBUCKETS ND_ARRAY_LEN(k_bucket_ns)

/* Enough shards for one per worker thread on common machines; threads past
 * that share a shard, which stays correct (the adds are atomic). */
#define NSHARDS 16

typedef struct {
    atomic_uint_least64_t *req;    /* [(nroutes + 1) * METRICS_METHODS][NSLOTS] */
    atomic_uint_least64_t *bucket; /* [nroutes + 1][NBUCKETS + 1]: per bucket, not cumulative */
    atomic_uint_least64_t *sum_ns; /* [nroutes + 1] */
    void *block;                   /* the one allocation behind the three */
} shard_t;

static struct {
    shard_t shard[NSHARDS];
    const char *const *route_names;
    const char *const *method_names;
    size_t nroutes;                /* 0 before metrics_http_init */
    struct timespec started;
    uint8_t slot_of[600];          /* status -> slot, for 100..599 */
} G;

static atomic_uint g_next_shard;
static _Thread_local unsigned t_shard; /* 1 + this thread's shard; 0: not chosen yet */

static void free_shards(void)
{
    for (size_t i = 0; i < NSHARDS; i++) free(G.shard[i].block);
    memset(G.shard, 0, sizeof G.shard);
}

int metrics_http_init(const char *const *route_names, size_t nroutes,
                      const char *const *method_names)
{
    free_shards();
    size_t nrows = (nroutes + 1) * METRICS_METHODS;
    size_t nreq = nrows * NSLOTS, nbucket = (nroutes + 1) * (NBUCKETS + 1), nsum = nroutes + 1;
    size_t bytes = (nreq + nbucket + nsum) * sizeof(atomic_uint_least64_t);
    for (size_t i = 0; i < NSHARDS; i++) {
        /* Zeroed by calloc, which for blocks this size (~250 KB) maps fresh
         * pages and writes none of them: only the rows a thread counts in
         * are ever touched.  A memset of all sixteen (4 MB) was ~1,000 page
         * faults, a fifth of the server's start-up.  64-byte aligned by
         * hand (calloc gives 16): two shards never share a cache line. */
        void *raw = xcalloc(1, bytes + 64);
        atomic_uint_least64_t *b =
            (atomic_uint_least64_t *)(((uintptr_t)raw + 63) & ~(uintptr_t)63);
        shard_t *s = &G.shard[i];
        s->block = raw;
        s->req = b;
        s->bucket = s->req + nreq;
        s->sum_ns = s->bucket + nbucket;
    }
    for (size_t c = 0; c < ND_ARRAY_LEN(G.slot_of); c++) {
        G.slot_of[c] = (uint8_t)(c >= 100 ? NCODES + c / 100 - 1 : NCODES + 5);
        for (size_t k = 0; k < NCODES; k++)
            if ((int)c == k_codes[k]) G.slot_of[c] = (uint8_t)k;
    }
    G.route_names = route_names;
    G.method_names = method_names;
    G.nroutes = nroutes;
    clock_gettime(CLOCK_REALTIME, &G.started);
    return C_OK;
}

static shard_t *my_shard(void)
{
    if (t_shard == 0)
        t_shard = 1 + atomic_fetch_add_explicit(&g_next_shard, 1, memory_order_relaxed) % NSHARDS;
    return &G.shard[t_shard - 1];
}

void metrics_http_observe(size_t route, unsigned method_slot, int status, uint64_t duration_ns)
{
    if (G.shard[0].block == NULL) return;
    if (route > G.nroutes) route = G.nroutes;
    if (method_slot >= METRICS_METHODS) method_slot = METRICS_METHODS - 1;
    unsigned slot = (status >= 100 && status < 600) ? G.slot_of[status] : NCODES + 5;
    size_t b = 0;
    while (b < NBUCKETS && duration_ns > k_bucket_ns[b]) b++;
    shard_t *s = my_shard();
    size_t row = route * METRICS_METHODS + method_slot;
    atomic_fetch_add_explicit(&s->req[row * NSLOTS + slot], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->bucket[route * (NBUCKETS + 1) + b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_ns[route], duration_ns, memory_order_relaxed);
}

const double *metrics_buckets(size_t *n)
{
    *n = NBUCKETS;
    return k_bucket_s;
}

/* ---- rendering ---------------------------------------------------------- */

/* A label value: backslash, double quote and newline escaped (format 0.0.4). */
static void label(buf_t *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\') buf_puts(out, "\\\\");
        else if (*v == '"') buf_puts(out, "\\\"");
        else if (*v == '\n') buf_puts(out, "\\n");
        else buf_putc(out, *v);
    }
}

static const char *route_name(size_t r)
{
    return r < G.nroutes && G.route_names ? G.route_names[r] : "unmatched";
}

static uint64_t sum_shards(size_t which, size_t idx)
{
    uint64_t t = 0;
    for (size_t i = 0; i < NSHARDS; i++) {
        const shard_t *s = &G.shard[i];
        const atomic_uint_least64_t *a = which == 0 ? s->req : which == 1 ? s->bucket : s->sum_ns;
        t += atomic_load_explicit(&a[idx], memory_order_relaxed);
    }
    return t;
}

static void render_requests(buf_t *out)
{
    buf_puts(out, "# HELP numberd_http_requests_total HTTP requests answered, by route template, "
                  "method and status.\n# TYPE numberd_http_requests_total counter\n");
    for (size_t r = 0; r <= G.nroutes; r++) {
        for (unsigned m = 0; m < METRICS_METHODS; m++) {
            size_t row = r * METRICS_METHODS + m;
            for (size_t sl = 0; sl < NSLOTS; sl++) {
                uint64_t v = sum_shards(0, row * NSLOTS + sl);
                if (v == 0) continue;
                buf_puts(out, "numberd_http_requests_total{route=\"");
                label(out, route_name(r));
                buf_puts(out, "\",method=\"");
                label(out, G.method_names ? G.method_names[m] : "OTHER");
                if (sl < NCODES) buf_printf(out, "\",status=\"%d\"} ", k_codes[sl]);
                else buf_printf(out, "\",status=\"%s\"} ", k_class[sl - NCODES]);
                buf_printf(out, "%llu\n", (unsigned long long)v);
            }
        }
    }
}

static void render_durations(buf_t *out)
{
    buf_puts(out, "# HELP numberd_http_request_duration_seconds Time from a request's headers "
                  "to its answer being queued, by route template.\n"
                  "# TYPE numberd_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r <= G.nroutes; r++) {
        uint64_t per[NBUCKETS + 1], count = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            per[b] = sum_shards(1, r * (NBUCKETS + 1) + b);
            count += per[b];
        }
        if (count == 0) continue;
        uint64_t cum = 0;
        for (size_t b = 0; b <= NBUCKETS; b++) {
            cum += per[b];
            buf_puts(out, "numberd_http_request_duration_seconds_bucket{route=\"");
            label(out, route_name(r));
            buf_printf(out, "\",le=\"%s\"} %llu\n", b < NBUCKETS ? k_bucket_le[b] : "+Inf",
                       (unsigned long long)cum);
        }
        uint64_t ns = sum_shards(2, r);
        buf_puts(out, "numberd_http_request_duration_seconds_sum{route=\"");
        label(out, route_name(r));
        buf_printf(out, "\"} %llu.%09llu\n", (unsigned long long)(ns / 1000000000u),
                   (unsigned long long)(ns % 1000000000u));
        buf_puts(out, "numberd_http_request_duration_seconds_count{route=\"");
        label(out, route_name(r));
        buf_printf(out, "\"} %llu\n", (unsigned long long)count);
    }
}

void metrics_render(buf_t *out)
{
    if (G.shard[0].block) {
        render_requests(out);
        render_durations(out);
    }
    for (int m = 0; m < MET__COUNT; m++) {
        buf_printf(out, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", k_events[m].name,
                   k_events[m].help, k_events[m].name, k_events[m].name,
                   (unsigned long long)metrics_value((metric_t)m));
    }
    if (G.started.tv_sec) {
        buf_printf(out, "# HELP numberd_process_start_time_seconds Start time of the server since "
                        "the Unix epoch, in seconds.\n"
                        "# TYPE numberd_process_start_time_seconds gauge\n"
                        "numberd_process_start_time_seconds %lld.%03ld\n",
                   (long long)G.started.tv_sec, G.started.tv_nsec / 1000000);
    }
}
