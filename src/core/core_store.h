/* core_store.h -- the core's side of the store seam: private to src/core.
 *
 * The core owns the store: only the .c files of src/core include this
 * header (and through it store/store.h); the api and cli layers reach data
 * through core functions.  Here are the few helpers every service uses to talk to the
 * store: one reading of a store status as a core error, and transactions
 * that also hold back business counters until the outermost commit.
 */
#ifndef ND_CORE_STORE_H
#define ND_CORE_STORE_H

#include "core/core.h"
#include "store/store.h"
#include "util/metrics.h"

/* The core's reading of a store status: C_OK for ST_OK, else C_ERR with e:
 *   ST_NOTFOUND -> CE_NOTFOUND "not found",
 *   ST_CONFLICT -> CE_CONFLICT "conflict",
 *   anything else (ST_ERR) -> CE_INTERNAL "database error", or
 *   "database error (<what>)" when what names the step: a fault of the
 *   server, never reported as the client's mistake.
 * Callers with a better word for "not found" or "conflict" test for those
 * statuses first and hand the rest to core_st. */
int core_st(cerr_t *e, int st, const char *what);

/* A write transaction on the calling thread's connection (they nest, as the
 * store's do).  core_begin: C_ERR with CE_INTERNAL when the database
 * refuses; core_commit: C_ERR with CE_INTERNAL "database error (commit)"
 * when the outermost commit fails (everything is then rolled back). */
int core_begin(core_t *c, cerr_t *e);
int core_commit(core_t *c, cerr_t *e);
void core_rollback(core_t *c);

/* Counts m once the work the calling thread is doing is durable: at once
 * outside a transaction, else when the outermost core_commit succeeds (a
 * rollback, or a failed commit, drops it).  So a purchase made inside an
 * Idempotency-Key transaction that then fails is never counted. */
void core_count_on_commit(metric_t m);

#endif
