/* ops.c -- what operators and their tools call: GET /healthz (the process
 * answers), GET /readyz (the database answers, and the SBC index is loaded),
 * GET /metrics (Prometheus).
 *
 * These belong to no dialect: plain JSON (or the Prometheus text format),
 * no account, no rate limit, no secret in any answer.  Query parameters
 * are ignored: probes and scrapers add their own and must not get a 400.
 */
#include "api/api.h"

#include <pthread.h>
#include <time.h>
#include <string.h>
#include <strings.h>

#include "core/inventory.h"
#include "core/numbers.h"
#include "core/sbcfeed.h"
#include "sipreg/sipreg.h"
#include "webhook/wh.h"
#include "util/clock.h"
#include "util/metrics.h"

static void plain_json(http_resp_t *resp, int status, const char *json)
{
    resp->status = status;
    resp->content_type = "application/json";
    buf_reset(&resp->body);
    buf_puts(&resp->body, json);
    /* a cached "ok" would hide an outage */
    http_resp_header(resp, "Cache-Control", "no-store");
}

void h_ops_healthz(http_req_t *req, http_resp_t *resp)
{
    ND_UNUSED(req);
    plain_json(resp, 200, "{\"status\":\"ok\"}");
}

void h_ops_readyz(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    /* Draining: tell the load balancer to stop sending traffic here. */
    if (atomic_load_explicit(&ctx->stopping, memory_order_relaxed)) {
        plain_json(resp, 503, "{\"status\":\"stopping\"}");
        return;
    }
    if (!core_ready(&ctx->core)) {
        plain_json(resp, 503, "{\"status\":\"unavailable\",\"database\":\"error\"}");
        return;
    }
    /* With an SBC token, ready means lookups can be answered: the index's
     * first full load (on the feed's thread, after serve listens) is in. */
    if (ctx->sbc_enabled && ctx->sbc && !sbcfeed_loaded(ctx->sbc)) {
        plain_json(resp, 503, "{\"status\":\"unavailable\",\"database\":\"ok\",\"sbc_index\":\"loading\"}");
        return;
    }
    plain_json(resp, 200, "{\"status\":\"ok\",\"database\":\"ok\"}");
}

/* ---- /metrics ---- */

/* Inventory counts by country and state, summed over types: a fixed table
 * indexed by the two letters of the country code. */
typedef struct {
    int64_t n[26 * 26][4];
    bool seen[26 * 26];
} inv_gauge_t;

static int gauge_row(const stats_row_t *r, void *ud)
{
    inv_gauge_t *g = ud;
    int a = r->country_iso[0] - 'A', b = r->country_iso[1] - 'A';
    if (a < 0 || a >= 26 || b < 0 || b >= 26 || (unsigned)r->state > NUM_AGING) return C_OK;
    g->n[a * 26 + b][r->state] += r->count;
    g->seen[a * 26 + b] = true;
    return C_OK;
}

/* Reads the inventory counts and renders them into out; C_ERR when the
 * database fails (counted in numberd_db_errors_total). */
static int read_inventory(api_ctx_t *ctx, buf_t *out)
{
    inv_gauge_t *g = xcalloc(1, sizeof *g);
    cerr_t e;
    if (inv_stats(&ctx->core, gauge_row, g, &e) != C_OK) {
        free(g);
        return C_ERR;
    }
    for (int i = 0; i < 26 * 26; i++) {
        if (!g->seen[i]) continue;
        /* every state of a country that has numbers, zeros included, so a
         * state that empties shows 0 instead of vanishing */
        for (int s = NUM_AVAILABLE; s <= NUM_AGING; s++)
            buf_printf(out, "numberd_inventory_numbers{country=\"%c%c\",state=\"%s\"} %lld\n",
                       'A' + i / 26, 'A' + i % 26, num_state_name((num_state_t)s),
                       (long long)g->n[i][s]);
    }
    free(g);
    return C_OK;
}

/* The inventory gauges are a bounded-age cache (issue 15): counting them
 * reads every row of the numbers table (0.1-0.3 s at 200,000 rows, more at
 * a million), and a scrape, which anyone could send as often as they
 * liked, must not cost that.  A scrape reuses the last count unless it is
 * older than OPS_INVENTORY_MAX_AGE seconds (another node's writes), or
 * this process wrote since and the count is at least a second old; one
 * scraper at a time recounts -- others meanwhile get the previous count --
 * so the database does at most one count per second under writes and one
 * per OPS_INVENTORY_MAX_AGE when idle, whatever the scrape rate.
 * numberd_inventory_age_seconds says how old the figures are. */
#define OPS_INVENTORY_MAX_AGE 30 /* seconds; the HELP text below says it too */

static struct {
    pthread_mutex_t mu;
    const void *owner;   /* the api_ctx_t the text was counted for */
    buf_t text;          /* the rendered samples */
    int64_t at;          /* clock_now() of the count */
    int64_t at_ms;       /* mono_ms() of the count */
    uint64_t gen;        /* core_write_generation() the count saw */
    bool valid, counting;
} g_inv = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int64_t mono_ms(void)
{
    return (int64_t)(clock_mono_ns() / 1000000u);
}

/* The search index (src/store/sqlite/avail.c): nothing when it is off. */
static void render_search_index(api_ctx_t *ctx, buf_t *out)
{
    search_index_stats_t s;
    num_search_index_stats(&ctx->core, &s);
    if (!s.on) return;
    buf_printf(out,
               "# HELP numberd_search_index_live 1 while the search index equals the table.\n"
               "# TYPE numberd_search_index_live gauge\n"
               "numberd_search_index_live %d\n"
               "# HELP numberd_search_index_numbers Available numbers held by the search index.\n"
               "# TYPE numberd_search_index_numbers gauge\n"
               "numberd_search_index_numbers %lld\n"
               "# HELP numberd_search_index_bytes Memory held by the search index.\n"
               "# TYPE numberd_search_index_bytes gauge\n"
               "numberd_search_index_bytes %lld\n"
               "# HELP numberd_search_index_loads_total Full loads of the search index.\n"
               "# TYPE numberd_search_index_loads_total counter\n"
               "numberd_search_index_loads_total %llu\n"
               "# HELP numberd_search_index_counts_total Search counts answered by the index.\n"
               "# TYPE numberd_search_index_counts_total counter\n"
               "numberd_search_index_counts_total %llu\n"
               "# HELP numberd_search_index_fallbacks_total Search counts run in SQL instead.\n"
               "# TYPE numberd_search_index_fallbacks_total counter\n"
               "numberd_search_index_fallbacks_total %llu\n",
               s.live ? 1 : 0, (long long)s.numbers, (long long)s.bytes,
               (unsigned long long)s.loads, (unsigned long long)s.answers,
               (unsigned long long)s.fallbacks);
}

/* Kept answers (anscache.c): nothing when they are off. */
static void render_answer_cache(api_ctx_t *ctx, buf_t *out)
{
    if (!ctx->answer_cache) return;
    uint64_t hits, misses;
    api_cache_counts(&hits, &misses);
    buf_printf(out,
               "# HELP numberd_answer_cache_hits_total Reads answered from an answer kept since "
               "nothing changed.\n"
               "# TYPE numberd_answer_cache_hits_total counter\n"
               "numberd_answer_cache_hits_total %llu\n"
               "# HELP numberd_answer_cache_misses_total Cacheable reads computed afresh.\n"
               "# TYPE numberd_answer_cache_misses_total counter\n"
               "numberd_answer_cache_misses_total %llu\n",
               (unsigned long long)hits, (unsigned long long)misses);
}

static void render_inventory(api_ctx_t *ctx, buf_t *out)
{
    int64_t now = clock_now();
    buf_t fresh = BUF_INIT;
    bool count = false;
    pthread_mutex_lock(&g_inv.mu);
    if (g_inv.owner != ctx) { /* another server in this process (tests) */
        g_inv.valid = false;
        g_inv.owner = ctx;
    }
    uint64_t gen = core_write_generation();
    int64_t ms = mono_ms();
    bool stale = !g_inv.valid || now - g_inv.at >= OPS_INVENTORY_MAX_AGE || now < g_inv.at ||
                 (gen != g_inv.gen && ms - g_inv.at_ms >= 1000);
    if (stale && !g_inv.counting) {
        g_inv.counting = true;
        count = true;
    }
    pthread_mutex_unlock(&g_inv.mu);
    if (count) {
        /* outside the lock: a slow count holds back no other scraper */
        int rc = read_inventory(ctx, &fresh);
        pthread_mutex_lock(&g_inv.mu);
        g_inv.counting = false;
        if (rc == C_OK && g_inv.owner == ctx) {
            buf_free(&g_inv.text);
            g_inv.text = fresh;
            fresh = (buf_t)BUF_INIT;
            g_inv.at = now;
            g_inv.at_ms = ms;
            g_inv.gen = gen;
            g_inv.valid = true;
        }
        pthread_mutex_unlock(&g_inv.mu);
        buf_free(&fresh);
    }
    pthread_mutex_lock(&g_inv.mu);
    if (g_inv.valid) { /* else the database failed and nothing was ever counted */
        buf_puts(out, "# HELP numberd_inventory_numbers Inventory numbers by country and state "
                      "(counted at most every 30 s; see "
                      "numberd_inventory_age_seconds).\n"
                      "# TYPE numberd_inventory_numbers gauge\n");
        buf_append(out, g_inv.text.data ? g_inv.text.data : "", g_inv.text.len);
        buf_printf(out, "# HELP numberd_inventory_age_seconds Age of the inventory counts.\n"
                        "# TYPE numberd_inventory_age_seconds gauge\n"
                        "numberd_inventory_age_seconds %lld\n",
                   (long long)(now > g_inv.at ? now - g_inv.at : 0));
    }
    pthread_mutex_unlock(&g_inv.mu);
}

void h_ops_metrics(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    if (!ctx->metrics_auth && !ctx->metrics_open) {
        /* no token configured and not opened on purpose: closed by default
         * (the counters tell an outsider traffic, accounts' activity and
         * the inventory's size) */
        plain_json(resp, 401, "{\"error\":\"metrics need a token: start numberd with "
                              "--metrics-token-file (or --metrics-open)\"}");
        http_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"numberd metrics\"");
        return;
    }
    if (ctx->metrics_auth) {
        const char *h = http_header(req, "Authorization");
        bool ok = false;
        if (h && strncasecmp(h, "Bearer ", 7) == 0) {
            const char *tok = h + 7 + strspn(h + 7, " ");
            uint8_t hash[IDS_HASH_SZ];
            ids_hash_secret(tok, strlen(tok), hash);
            ok = ids_hash_equal(hash, ctx->metrics_hash);
        }
        if (!ok) {
            plain_json(resp, 401, "{\"error\":\"authentication failed: want Authorization: "
                                  "Bearer <metrics token>\"}");
            http_resp_header(resp, "WWW-Authenticate", "Bearer realm=\"numberd metrics\"");
            return;
        }
    }
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
    buf_reset(&resp->body);
    metrics_render(&resp->body);
    sipreg_metrics_render(&resp->body);
    wh_metrics_render(&resp->body);
    buf_printf(&resp->body,
               "# HELP numberd_build_info The running version and database backend.\n"
               "# TYPE numberd_build_info gauge\n"
               "numberd_build_info{version=\"%s\",backend=\"%s\"} 1\n",
               ND_VERSION, core_backend(&ctx->core));
    render_inventory(ctx, &resp->body);
    render_search_index(ctx, &resp->body);
    render_answer_cache(ctx, &resp->body);
    api_sbc_metrics(ctx, &resp->body);
    http_resp_header(resp, "Cache-Control", "no-store");
}
