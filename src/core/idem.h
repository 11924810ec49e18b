/* idem.h -- Idempotency-Key (API.md §2.2): an action and the answer it
 * gave are stored together, in one transaction, and replayed for the same
 * key and request (idem.c). */
#ifndef ND_IDEM_H
#define ND_IDEM_H

#include "core/core.h"
#include "util/buf.h"

#define IDEM_TTL_SECONDS (24 * 3600)
/* Valid key: 8-255 of [A-Za-z0-9_-]. */
bool idem_key_valid(const char *key);
/* Hash of a request's identity: what it acts on (e.g. "POST PhoneNumber"
 * and the canonical number) and its parameters in a canonical encoding.
 * Keyed with a key derived from the server key (c->key; unkeyed when c or
 * c->key is NULL): the parameters may hold a SIP password, and an unkeyed
 * hash of it in the database could be tried against a dictionary by
 * anyone holding the database file but not the key file. */
void idem_hash(const core_t *c, const char *action, const char *resource, const char *params,
               size_t n, uint8_t out[IDS_HASH_SZ]);
/* What an action answered.  The core reads neither code nor body: it
 * stores them, and gives them back on a replay, when the action says the
 * answer is replayable -- it took effect, and a retry with the same key
 * must get the same answer instead of acting twice. */
typedef struct {
    int code;          /* the caller's status for the answer (to the api layer, an HTTP status) */
    buf_t *body;       /* the answer's text: the caller's buffer, which the action writes */
    bool replayable;   /* store this answer for the key */
    /* What a replay answers, when not the body itself (NULL: the body):
     * an answer that shows a secret once (a new API key, a webhook
     * secret) is stored without it -- a secret is never kept in the
     * clear, not even for the key's 24 hours.  The action's own text. */
    char *stored;
} idem_answer_t;
/* The action runs inside the transaction; it returns C_OK with its answer
 * in *ans, or C_ERR with e (nothing is stored, everything it wrote is
 * rolled back). */
typedef int (*idem_action_fn)(core_t *c, void *ud, idem_answer_t *ans, cerr_t *e);
/* With key == NULL just runs the action.  With a key: replays a stored
 * answer (ans->code and ans->body; *replayed = true), refuses a reuse with
 * another request hash (CE_KEY_REUSED), or runs the action and, when its
 * answer is replayable, stores it in the same transaction, so a crash can
 * never store one without the other.  ans->body must be set by the caller. */
int idem_run(core_t *c, int64_t account_id, const char *key, const uint8_t hash[IDS_HASH_SZ],
             idem_action_fn fn, void *ud, idem_answer_t *ans, bool *replayed, cerr_t *e);

/* Retention.  A stored answer is replayed for IDEM_TTL_SECONDS, then
 * ignored; the sweep (serve's sweeper thread, every minute and at start)
 * deletes it an hour after that: the grace keeps a record that a node
 * with a clock behind the writer's still replays from being deleted under
 * it.  At most max_batches transactions of IDEM_PURGE_BATCH records each
 * (a backlog is worked off over several sweeps, and writers get the
 * database between batches); *purged gets how many were deleted. */
#define IDEM_PURGE_GRACE_SECONDS 3600
#define IDEM_PURGE_BATCH 1000
int idem_retention_run(core_t *c, int max_batches, int64_t *purged, cerr_t *e);

#endif
