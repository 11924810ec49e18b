/* core_int.h -- private to src/core: what the services share and their
 * callers do not see (the role SQLite's vdbeInt.h plays for its VDBE).
 *
 * The core owns the store: only the .c files of src/core include this
 * header (and through it store/store.h); the api and cli layers reach data
 * through core functions.  Here are the few helpers every service uses to
 * talk to the store -- one reading of a store status as a core error,
 * transactions that also hold back business counters until the outermost
 * commit -- and the validators more than one service applies.
 */
#ifndef ND_CORE_INT_H
#define ND_CORE_INT_H

#include "core/core.h"
#include "core/e164.h"
#include "store/store.h"
#include "util/metrics.h"

/* The core's reading of a store status: C_OK for ST_OK, else C_ERR with e:
 *   ST_NOTFOUND -> CE_NOTFOUND "not found",
 *   ST_CONFLICT -> CE_CONFLICT "conflict",
 *   anything else (ST_ERR) -> CE_UNAVAILABLE "database unavailable", or
 *   "database unavailable (<what>)" when what names the step: a fault of
 *   the server (503 with Retry-After), never the client's mistake.
 * Callers with a better word for "not found" or "conflict" test for those
 * statuses first and hand the rest to core_st. */
int core_st(cerr_t *e, int st, const char *what);

/* A write transaction on the calling thread's connection (they nest, as the
 * store's do).  core_begin: C_ERR with CE_UNAVAILABLE when the database
 * refuses; core_commit: C_ERR with CE_UNAVAILABLE "database unavailable (commit)"
 * when the outermost commit fails (everything is then rolled back). */
int core_begin(core_t *c, cerr_t *e);
int core_commit(core_t *c, cerr_t *e);
void core_rollback(core_t *c);
/* Ends what core_begin opened: commits when rc is C_OK, else rolls back
 * and returns C_ERR (e already says why). */
int core_end(core_t *c, int rc, cerr_t *e);

/* A retention's deletion (the event log's, stored idempotent answers',
 * webhook deliveries'): purge (a store op deleting up to max rows older
 * than before, oldest first) in transactions of batch rows, at most
 * max_batches of them, until one deletes fewer than batch (nothing older
 * is left).  *purged (may be NULL) gets how many; what names it in e. */
typedef int (*core_purge_fn)(struct store *st, int64_t before, int max, int64_t *n);
int core_purge(core_t *c, core_purge_fn purge, int64_t before, int batch, int max_batches,
               const char *what, int64_t *purged, cerr_t *e);

/* Calls fn once what the calling thread committed is durable: now, or
 * once its batch is (core_batch_durable; once per fn a batch, and never
 * when the batch fails).  For telling another thread to read what was
 * written. */
void core_on_durable(void (*fn)(void));
/* The same, but at a batch's end (core_batch_end) whether it committed
 * or not, without waiting for its sync: for forgetting what a thread may
 * have read from the batch (a cache). */
void core_on_settled(void (*fn)(void));
/* Whether the calling thread runs a batch (core_batch_begin). */
bool core_in_batch(void);
/* Asks the calling thread's batch, if it runs one, to end after the
 * write under way (core_batch_full). */
void core_batch_end_soon(void);

/* events.c: the outermost transaction ended (committed or not): runs the
 * commit hook when it committed events (events.h), forgets them else. */
void ev_tx_end(bool committed);

/* How deep the calling thread is in core_begin transactions (0: none). */
int core_tx_depth(void);

/* After a write that failed: whether to run it again.  True when the
 * database aborted its outermost transaction to break a deadlock or a
 * serialization conflict (PostgreSQL; store.h, tx_retryable), the calling
 * thread is in no transaction of its own (an enclosing one is aborted too:
 * only its owner may run it again), and *tries runs have not used up
 * CORE_TX_TRIES; then it counts the try, forgets e and logs a warning.
 * Such an abort is the database choosing one of two writers that met in
 * opposite orders, not a fault: the one it chose runs again once the
 * other has committed.  Usage:
 *     int r, tries = 0;
 *     do r = once(...); while (r != C_OK && core_retry(c, &tries, e));  */
#define CORE_TX_TRIES 3
bool core_retry(core_t *c, int *tries, cerr_t *e);

/* Counts m once the work the calling thread is doing is durable: at once
 * outside a transaction, else when the outermost core_commit succeeds (a
 * rollback, or a failed commit, drops it).  So a purchase made inside an
 * Idempotency-Key transaction that then fails is never counted. */
void core_count_on_commit(metric_t m);

/* An API key's prefix, which tells keys apart in a list: the store keeps
 * only the three characters after "nd_live_" (core_key_prefix), and the
 * core shows them with it (core_key_prefix_show).  Why not the eleven
 * characters: a stored "nd_live_XYZ" next to whatever byte follows it in a
 * database page can spell the key's first twelve characters, a copy long
 * enough to count as a leak (tests/api/secrets.test.js). */
void core_key_prefix(const char *key, char out[MODEL_KEY_PREFIX_SZ]);
void core_key_prefix_show(char prefix[MODEL_KEY_PREFIX_SZ]);

/* The event api_key.created of k (just stored: k->id set), in the
 * caller's transaction (credentials.c; acct_create's first key too). */
int cred_key_event(core_t *c, const apikey_t *k, cerr_t *e);

/* owned.c: the changed fields of a number between a and b (events.h's
 * ev_data_t), and the event of a number released (number.released for an
 * inventory number, number.removed for one the customer brought) in the
 * caller's transaction; why (may be NULL) says what released it. */
struct ev_data;
void owned_number_diff(struct ev_data *d, const owned_number_t *a, const owned_number_t *b);
int owned_release_event(core_t *c, int64_t owner_id, const owned_number_t *n, const char *why,
                        cerr_t *e);

/* apps.c: deleting an application unlinks the numbers that used it; the
 * store hands each to app_unlinked_add (a store_text_cb into a
 * core_numset_t), and app_unlinked_events writes their number.updated
 * (app_id before, none after) in the caller's transaction.  The set owns
 * its array: core_numset_free. */
typedef struct {
    char (*nums)[E164_BUFSZ];
    size_t n, cap;
} core_numset_t;
int app_unlinked_add(const char *number, void *ud);
int app_unlinked_events(core_t *c, int64_t account_id, const char *app_id,
                        const core_numset_t *s, cerr_t *e);
void core_numset_free(core_numset_t *s);

/* carrier_events.c: the events of a carrier's change in the caller's transaction:
 * was NULL carrier.created, now NULL carrier.deleted, else carrier.updated
 * (when its own fields changed) and gateway.created|updated|deleted per
 * gateway (by sid).  Upstream carriers too (account 0). */
int carrier_events(core_t *c, const carrier_t *was, const carrier_t *now, cerr_t *e);
/* Would an update from was to now change anything carrier_events tells,
 * or its gateways' order?  (No: nothing is written, updated_at kept.) */
bool carrier_differs(const carrier_t *was, const carrier_t *now);
/* Is g a range (netmask 1 .. under its address's length: 32, 128 for
 * IPv6)?  Calls may come from one; none is ever sent to one. */
bool carrier_gw_range(const gateway_t *g);
/* A range (netmask under its address's length) stored as outbound before
 * carrier_check refused one (session 39) receives only from now on: an
 * update of such a carrier would otherwise be refused whatever it asks,
 * and the SBC never routed to it anyway (sbcfeed). */
void carrier_ranges_receive(carrier_t *cr);
/* A deep copy of src (its gateways too; dst is carrier_clear()ed by the caller). */
void carrier_copy(carrier_t *dst, const carrier_t *src);

/* ---- shared by services (core.c) ---- */

/* What a caller sees: the main account that owns it, and the subaccount
 * it is restricted to (0 for a main account). */
static inline int64_t core_owner_id(const account_t *a) { return a->parent_id ? a->parent_id : a->id; }
/* In the caller's write transaction: the caller's main account is active,
 * read and held there (store account_status_held) -- CE_FORBIDDEN when it
 * is suspended or closed.  Authentication read it earlier, maybe from a
 * cache another node's close has not reached yet (up to 250 ms): a
 * purchase or an add racing a close on another node kept numbers for a
 * closed account for good (a helper's audit, session 37). */
int core_owner_open(core_t *c, const account_t *who, cerr_t *e);
static inline int64_t core_sub_id(const account_t *a) { return a->parent_id ? a->id : 0; }
/* auth_id must be a subaccount of main_acct: sets *sub_id, or C_ERR with
 * CE_INVALID "invalid <param>: ... is not one of your subaccounts". */
int core_resolve_sub(core_t *c, const account_t *main_acct, const char *auth_id, int64_t *sub_id,
                     const char *param, cerr_t *e);

/* An absolute http(s) URL of at most 512 bytes, printable ASCII. */
bool core_http_url_ok(const char *s);
/* The E.164 number a caller names (NULL: none) into out; CE_INVALID
 * "invalid number: <in>" otherwise. */
int core_parse_number(const char *in, char out[E164_BUFSZ], cerr_t *e);
/* "GET" or "POST", in any case, into out; CE_INVALID naming param otherwise. */
int core_parse_method(const char *in, const char *param, char out[MODEL_METHOD_SZ], cerr_t *e);
/* "voice,sms": a bit set (voice 1, sms 2, mms 4). */
int core_parse_services(const char *s, int *caps);

#endif
