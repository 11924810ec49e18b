/* metrics.h -- process-wide counters, rendered for GET /metrics in the
 * Prometheus text exposition format 0.0.4.
 *
 * Two kinds of numbers live here:
 *  - a few event counters (database errors, purchases, idempotent replays,
 *    rate-limited requests) that any layer bumps with metrics_count();
 *  - per-route HTTP counters and latency histograms that the HTTP server
 *    records once per answered request with metrics_http_observe().
 *
 * Cost on the request path: no lock and no allocation.  The HTTP table is
 * sharded: each thread writes to its own shard (chosen on its first call)
 * with relaxed atomic adds, so threads never bounce a cache line between
 * cores; a scrape sums the shards.  A scrape may see a request counted and
 * its duration not yet (relaxed order); Prometheus tolerates that.
 *
 * Ownership: all state is static in metrics.c.  metrics_http_init() copies
 * the name pointers it is given, which must stay valid (string literals or
 * the route table) until the next metrics_http_init() or the process ends.
 */
#ifndef ND_METRICS_H
#define ND_METRICS_H

#include "util/buf.h"

typedef enum {
    MET_DB_ERRORS,        /* a database call failed (logged by the backend) */
    MET_PURCHASES,        /* a number was bought (replays not counted) */
    MET_IDEM_REPLAYS,     /* a stored answer was replayed for an Idempotency-Key */
    MET_RATE_LIMITED,     /* a request was refused with 429 */
    MET_DB_WRITE_TX,      /* a write transaction was committed */
    MET_DB_COMMITS,       /* a commit was made (SQLite: a group's, shared; durable once a sync covers it) */
    MET_DB_TX_RETRIES,    /* a write the database aborted (deadlock) was run again */
    MET_DB_SYNCS,         /* SQLite: an fdatasync of the log made commits durable */
    MET__COUNT
} metric_t;

/* Adds one (metrics_count) or n to an event counter (thread-safe,
 * lock-free). */
void metrics_count(metric_t m);
void metrics_add(metric_t m, uint64_t n);
uint64_t metrics_value(metric_t m);

/* Method slots of the HTTP table: the request's method, as the router
 * classifies it (http_method_t bit i is slot i; anything else is OTHER). */
#define METRICS_METHODS 8

/* Sets up the HTTP table for nroutes routes.  route_names[i] is the route
 * template's name ("plivo.number.get"); requests that match no route are
 * recorded as route nroutes and shown as "unmatched".  method_names has
 * METRICS_METHODS entries.  Also records the process start time.  Calling
 * it again resets every HTTP counter (unit tests). */
int metrics_http_init(const char *const *route_names, size_t nroutes,
                      const char *const *method_names);

/* One answered request: route index (nroutes for "unmatched"), method slot
 * (0..METRICS_METHODS-1), HTTP status, and its duration in nanoseconds.
 * Does nothing before metrics_http_init(). */
void metrics_http_observe(size_t route, unsigned method_slot, int status, uint64_t duration_ns);

/* Appends every metric (HTTP table, event counters, process start time) in
 * the text format 0.0.4, with # HELP and # TYPE lines.  Series of the HTTP
 * table appear once they have been observed. */
void metrics_render(buf_t *out);

/* The upper bounds of the latency histogram buckets, in seconds (for
 * documentation and tests); *n gets their count. */
const double *metrics_buckets(size_t *n);

#endif
