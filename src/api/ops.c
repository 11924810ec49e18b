/* ops.c -- what operators and their tools call: GET /healthz (the process
 * answers), GET /readyz (the database answers), GET /metrics (Prometheus).
 *
 * These belong to no dialect: plain JSON (or the Prometheus text format),
 * no account, no rate limit, no secret in any answer.  Query parameters
 * are ignored: probes and scrapers add their own and must not get a 400.
 */
#include "api/api.h"

#include <string.h>
#include <strings.h>

#include "core/inventory.h"
#include "core/numbers.h"
#include "sipreg/sipreg.h"
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
    if (core_ready(&ctx->core)) plain_json(resp, 200, "{\"status\":\"ok\",\"database\":\"ok\"}");
    else plain_json(resp, 503, "{\"status\":\"unavailable\",\"database\":\"error\"}");
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

static void render_inventory(api_ctx_t *ctx, buf_t *out)
{
    inv_gauge_t *g = xcalloc(1, sizeof *g);
    cerr_t e;
    if (inv_stats(&ctx->core, gauge_row, g, &e) != C_OK) {
        /* counted in numberd_db_errors_total; the other metrics still go out */
        free(g);
        return;
    }
    buf_puts(out, "# HELP numberd_inventory_numbers Inventory numbers by country and state "
                  "(read from the database at scrape time).\n"
                  "# TYPE numberd_inventory_numbers gauge\n");
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
}

void h_ops_metrics(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
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
    buf_printf(&resp->body,
               "# HELP numberd_build_info The running version and database backend.\n"
               "# TYPE numberd_build_info gauge\n"
               "numberd_build_info{version=\"%s\",backend=\"%s\"} 1\n",
               ND_VERSION, core_backend(&ctx->core));
    render_inventory(ctx, &resp->body);
    api_sbc_metrics(ctx, &resp->body);
    http_resp_header(resp, "Cache-Control", "no-store");
}
