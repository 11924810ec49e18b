/* sbcfeed.h -- keeps the SBC index (sbc/sbc.h) exactly current with the
 * database (SIP.md §3; sbcfeed.c).
 *
 * The database logs every change of what the index holds in its change
 * log, in the writing transaction (triggers: store.h, "the SBC index's
 * feed").  The feed loads the index in full, then applies the log past its
 * mark: before a lookup when this process wrote (read-your-writes: the
 * write answered after its commit, the next lookup re-reads what it
 * changed: its commit count moved), and from its own thread when another
 * process or node did: other nodes' NOTIFYs (PostgreSQL, within
 * milliseconds), or PRAGMA data_version polled every 50 ms (SQLite); a
 * catch-up that a change started is followed by a 5 ms wait, so that a
 * stream of changes is one catch-up, not one each.  Whenever it cannot be
 * sure the index is current (the
 * LISTEN connection is lost, a re-read fails, the log was pruned past its
 * mark) the index is marked not current and every lookup answers 503 until
 * a catch-up or a full reload succeeds: never a stale accept.
 *
 * sbcfeed_start returns a feed the caller stops with sbcfeed_stop; the
 * index belongs to the feed. */
#ifndef ND_SBCFEED_H
#define ND_SBCFEED_H

#include "core/core.h"
#include "sbc/sbc.h"

typedef struct sbcfeed sbcfeed_t;

typedef struct {
    uint64_t reloads, catchups, changes;   /* counters since start */
    int64_t mark;                          /* the last change applied */
    double last_reload_seconds;
    int64_t last_reload_at;                /* unix time */
} sbcfeed_stats_t;

/* Starts the feed's thread, which loads the index in full first (retried
 * every second while the database fails) and then follows the log: serve
 * listens meanwhile; a lookup before the first load waits up to 2 s for
 * it, then answers 503.  C_ERR (CE_INTERNAL) only when the thread cannot
 * be made. */
int sbcfeed_start(core_t *c, sbcfeed_t **out, cerr_t *e);
void sbcfeed_stop(sbcfeed_t *f);
/* Before a lookup: waits for the first load (bounded), then applies what
 * this process wrote since the last call.  C_ERR: the index cannot be made
 * current now (it is marked so, or not loaded yet; answer 503). */
int sbcfeed_sync(sbcfeed_t *f);
sbc_index_t *sbcfeed_index(sbcfeed_t *f);
/* Has the first full load finished?  (GET /readyz: not ready before.) */
bool sbcfeed_loaded(const sbcfeed_t *f);
void sbcfeed_stats(sbcfeed_t *f, sbcfeed_stats_t *out);
/* Deletes change-log rows older than an hour.  The feed does it itself;
 * serve's periodic sweep calls it too, so that a server without an SBC
 * token (no feed) does not keep the log forever. */
int sbcfeed_prune(core_t *c, cerr_t *e);
/* Whether a customer's outbound gateway may be at a loopback, private,
 * link-local or other internal address (serve --sip-allow-private; off by
 * default: such a gateway is no route).  Set before sbcfeed_start. */
void sbcfeed_set_allow_private(bool allow);

#endif
