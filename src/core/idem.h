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
/* The action runs inside the transaction; it returns C_OK with a response
 * (status, body) to store, or C_ERR with e (nothing is stored, everything
 * it wrote is rolled back). */
typedef int (*idem_action_fn)(core_t *c, void *ud, int *status, buf_t *body, cerr_t *e);
/* With key == NULL just runs the action.  With a key: replays a stored
 * response (*replayed = true), refuses a reuse with another request hash
 * (CE_KEY_REUSED), or runs the action and stores its 2xx response in the
 * same transaction, so a crash can never store one without the other. */
int idem_run(core_t *c, int64_t account_id, const char *key, const uint8_t hash[IDS_HASH_SZ],
             idem_action_fn fn, void *ud, int *status, buf_t *body, bool *replayed, cerr_t *e);

#endif
