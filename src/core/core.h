/* core.h -- the service layer: every rule of API.md, once.  This header
 * holds what every service shares: core_t and the store's lifetime, errors
 * (cerr_t), validation faults, text checks.  Each service has its own
 * header; callers include the ones they use:
 *
 *   accounts.h     accounts, API keys, authentication, compliance records
 *   inventory.h    the inventory: CSV import, export, counts
 *   numbers.h      search and purchase, number types and states
 *   owned.h        the numbers an account owns: list, get, update, unrent
 *   numadd.h       numbers a customer brings (its carrier's, or manual)
 *   carriers.h     SIP carriers, both dialects
 *   subaccounts.h  subaccounts
 *   apps.h         applications
 *   idem.h         Idempotency-Key
 *   pricing.h      the Plivo Pricing object's phone-number part
 *   compliance.h   the Plivo phone-number compliance reads and link
 *
 * (and the pure ones: e164.h, country.h, money.h, ids.h, net.h, csv.h,
 * secrets.h, ratelimit.h, authfail.h, invgen.h).
 *
 * Both dialects and the CLI call these functions; none of them knows HTTP.
 * A function returns C_OK, or C_ERR with a cerr_t saying what kind of
 * failure it was and a message fit to show the user.  Strings in inputs are
 * borrowed for the duration of the call; outputs are written into
 * caller-provided structs.
 */
#ifndef ND_CORE_H
#define ND_CORE_H

#include "core/model.h"

typedef enum {
    CE_OK = 0,
    CE_INVALID,    /* the request is wrong: 400 */
    CE_AUTH,       /* bad credentials: 401 */
    CE_FORBIDDEN,  /* authenticated but not allowed: 403 */
    CE_NOTFOUND,   /* absent or not the caller's: 404 */
    CE_CONFLICT,   /* state conflict (in use, duplicate name): 409 */
    CE_KEY_REUSED, /* idempotency key with another request: 409 / 422 by dialect */
    CE_INTERNAL,   /* the server failed (not the database): 500 */
    /* the database failed or cannot be reached (an outage, a full disk, a
     * lost connection, a lock wait that timed out): 503 with Retry-After.
     * A fault of the server, never the client's mistake: a credential
     * check that could not reach the database is not a failed one. */
    CE_UNAVAILABLE,
} ce_t;

typedef struct {
    ce_t code;
    char msg[512];
} cerr_t;

/* Sets e and returns C_ERR, so that `return cerr(e, ...)` reads well. */
int cerr(cerr_t *e, ce_t code, const char *fmt, ...) ND_PRINTF(3, 4);

/* A name or filter value: valid UTF-8, 1..max characters (code points),
 * no control characters (C0, DEL, C1, U+2028/9), not only blanks (spaces,
 * Unicode's spaces and zero-width spaces). */
bool core_text_ok(const char *s, size_t max);
/* core_text_ok, and it fits a buffer of bufsz bytes with its NUL: the
 * check for a text that is stored, because the storage's unit is the byte
 * (MODEL_*_SZ).  A text checked in characters only and then copied into a
 * smaller byte buffer was cut in the middle of a character (issue 15: 22 x
 * "\u20ac" as a region is 66 bytes, stored cut at 64, invalid UTF-8). */
bool core_text_fits(const char *s, size_t max, size_t bufsz);

/* A number that changes whenever this process commits a write (a write
 * transaction, an import): a cache of something read from the database
 * (the /metrics inventory gauges) is stale when it moved.  Writes of other
 * nodes do not move it: such caches bound their age as well. */
uint64_t core_write_generation(void);
void core_note_write(void);

/* A boolean as the official SDKs spell it in a query or a form:
 * true/false in any case (Python and .NET send True/False) or 1/0 (PHP's
 * http_build_query).  C_ERR for anything else. */
int core_parse_bool(const char *s, bool *out);

struct sec_key;
struct store;

/* The core owns the store: only the core's own files look inside it
 * (core_int.h); everyone else reaches data through core functions. */
typedef struct {
    struct store *st;
    int aging_days;        /* --aging-days (default 45) */
    const struct sec_key *key; /* seals SIP passwords; NULL: none can be stored */
} core_t;

/* Batches: core_batch_begin makes the calling thread's next transactions,
 * until core_batch_end, one transaction of the store (store.h,
 * batch_begin) -- the server's writer runs a run of requests so, and
 * answers none of them before they are durable.  In a batch core_commit
 * returns once the work is kept by the batch, not durable; what must
 * follow durability (counters held for the commit, core_on_durable's
 * calls) waits, and is dropped when the batch fails.
 * core_batch_begin: C_OK, or C_ERR when the store has no batches or cannot
 * open one now (the caller runs each request by itself).
 * core_batch_end commits: C_ERR with CE_UNAVAILABLE "database unavailable
 * (commit)": nothing of the batch was kept.  C_OK with *after NULL:
 * durable.  C_OK with *after set: committed, durable once
 * core_batch_durable(after) returned -- which may be called on another
 * thread, while this one runs the next batch; the caller owns *after and
 * passes it there exactly once (it frees it).  core_on_settled's calls
 * are made by core_batch_end either way. */
typedef struct core_after core_after_t;
bool core_batches(core_t *c);   /* may core_batch_begin succeed? */
/* Whether the calling thread's batch asked to end after the write just
 * run (a large one: core_int.h, core_batch_end_soon); cleared by the
 * next core_batch_begin. */
bool core_batch_full(void);
int core_batch_begin(core_t *c);
int core_batch_end(core_t *c, core_after_t **after, cerr_t *e);
/* C_ERR: the store could not make it durable (a file of the database
 * deleted under it): its answers are to be the fault's. */
int core_batch_durable(core_t *c, core_after_t *after);

/* Opens the store named by url (CLI.md --db: an SQLite path or a
 * postgresql:// URL) and brings its schema up to date; *applied (may be
 * NULL) gets the number of migrations applied.  c is set up with the
 * defaults (aging_days 45, no key).  C_ERR with CE_INTERNAL and the reason. */
int core_open(core_t *c, const char *url, int *applied, cerr_t *e);
/* How long an SQLite statement waits for another process's lock, for the
 * connections opened from now on (store.h store_lock_wait_set: 15 s
 * unless set).  Before the threads that use the store start. */
void core_lock_wait_set(int ms);
/* The calling thread is done with the store (a short-lived thread): its
 * connection is closed now. */
void core_thread_done(core_t *c);
/* The database's schema version and the last this binary knows (*db >
 * *known: a newer release's database). */
int core_schema_version(core_t *c, int *db, int *known, cerr_t *e);
/* Whether url (--db) names a PostgreSQL database, not an SQLite file. */
bool core_url_is_postgres(const char *url);
/* Closes the store (the key, which the caller loaded, is the caller's). */
void core_close(core_t *c);
/* Does the database answer on this thread's connection?  (GET /readyz) */
bool core_ready(core_t *c);
/* The database's version (store.h read_version), one for every thread:
 * two equal versions mean nothing was committed in between, by anyone.
 * On PostgreSQL it costs a query (shared by the threads waiting for one).
 * false: it cannot be told (inside a transaction; on PostgreSQL with more
 * than two transactions in progress, or the query failed); a caller then
 * keeps nothing it read. */
bool core_db_version(core_t *c, db_version_t *out);
/* Does core_db_version cost a query to the database server
 * (STORE_CAP_VERSION_QUERY), rather than a read of shared memory?  Then
 * the HTTP server reads it ahead, once for many requests. */
bool core_db_version_queried(const core_t *c);
/* Hands this thread's next core_db_version outside a transaction the
 * version v, read ahead for the request the thread is about to answer by
 * a read that began after the request arrived (so it is as fresh as one
 * the handler would make); it is used once.  NULL takes back one that was
 * not used (the request ended first). */
void core_db_version_give(const db_version_t *v);
/* serve: from now on, keep what makes this process's reads cheaper
 * (store.h's read_anchor_start); C_ERR with *e when it could not start
 * (reads are then as before). */
int core_read_anchor_start(core_t *c, cerr_t *e);
/* The backend's name ("sqlite", "postgres"): a static string. */
const char *core_backend(const core_t *c);
/* Records the server key's fingerprint in a new database (*first = true),
 * or checks it against the one recorded: CE_CONFLICT for another key, so
 * that a lost or swapped key is found at start, not at the first call. */
int core_key_check(core_t *c, bool *first, cerr_t *e);

/* Validation faults with the JSON path of the field at fault, so that a
 * dialect can report every fault at once (API.md §3.1). */
#define FAULTS_MAX 32
typedef struct {
    char path[64];
    char msg[256];
} fault_t;
typedef struct {
    fault_t f[FAULTS_MAX];
    size_t n;              /* faults past FAULTS_MAX are counted, not kept */
} faults_t;
/* Records a fault, unless one is already recorded for the same field, a
 * field inside it, or the object it is in (one fault per field). */
void fault_add(faults_t *f, const char *path, const char *fmt, ...) ND_PRINTF(3, 4);

#endif
