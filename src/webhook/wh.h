/* wh.h -- webhook delivery of `numberd serve` (issue 18 item 4;
 * docs/WEBHOOKS.md): one thread that turns the event log into deliveries
 * (core hook_fanout) and sends nothing, and a few sender threads that
 * claim due ones under a lease (hook_claim: one in flight per endpoint, a
 * customer's endpoints half the senders at most), POST them with libcurl
 * and record the outcome (hook_finish).  The rules
 * (retry schedule, order per object, persistent failure, signatures) are
 * the core's, core/webhooks.h; this folder is the network side:
 *
 * - SSRF: the target's host is resolved here, every address it resolves
 *   to is checked (net_ip_internal) unless the operator allows private
 *   targets, and the connection is pinned to the checked address
 *   (CURLOPT_RESOLVE) and checked again as the socket opens
 *   (CURLOPT_OPENSOCKETFUNCTION), so a DNS answer that changes between the
 *   check and the connection (rebinding) cannot reach a refused address.
 * - No redirects (a 3xx is a failed attempt), no proxy from the
 *   environment, http and https only, connect timeout 5 s, the answer's
 *   body read up to 64 KiB and discarded.
 * - One deadline an attempt: 15 s from its claim (NUMBERD_WEBHOOK_TIMEOUT,
 *   test only, lowers it), the name's resolution (on a thread of its own,
 *   waited for until then; NUMBERD_WEBHOOK_RESOLVE_DELAY_MS, test only,
 *   slows it) and the request together.  A claimed row's lease is those
 *   15 s plus 5 s (NUMBERD_WEBHOOK_LEASE_MARGIN_MS, test only, lowers the
 *   5 s), so an attempt's outcome is written before another may take it.
 *
 * Threads: wh_start spawns the fan-out and cfg->workers senders, each
 * with its own store connection (the store's per-thread connections), the
 * senders each with a curl handle; a name lookup runs on a detached thread
 * of its own (at most 64 at once: one its attempt gave up on finishes by
 * itself).  Other threads call only wh_stop (the server's main thread)
 * and wh_metrics_render (any thread: atomics).
 *
 * Ownership: wh_start copies cfg; wh_stop joins the threads and frees. */
#ifndef ND_WH_H
#define ND_WH_H

#include "core/core.h"
#include "util/buf.h"

#define WH_WORKERS_DEFAULT 4
#define WH_WORKERS_MAX 64

typedef struct {
    core_t *core;
    unsigned workers;             /* senders, 1..WH_WORKERS_MAX (and one fan-out thread) */
} wh_cfg_t;

typedef struct wh wh_t;

/* Starts the workers (libcurl starts with the first delivery).  C_ERR
 * with *err (the caller frees) when the worker count is out of range or a
 * thread cannot be made. */
int wh_start(const wh_cfg_t *cfg, wh_t **out, char **err);
/* Stops the workers (a delivery in flight finishes or times out first);
 * NULL: nothing. */
void wh_stop(wh_t *w);

/* /metrics: attempts by result (delivered, failed, refused), endpoints
 * disabled, deliveries in flight. */
void wh_metrics_render(buf_t *out);

#endif
