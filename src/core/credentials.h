/* credentials.h -- the credential lifecycle (issue 18): API keys listed,
 * created with a label and an expiry, revoked; auth tokens rotated with a
 * grace period; accounts suspended, resumed, closed (credentials.c).
 *
 * Every change here bumps the credential epoch in its own transaction and
 * empties this process's credential cache, so that the credential is
 * refused at once here and, on every other node, within CRED_PROPAGATION_MS
 * (accounts.c polls the epoch).  Secrets are shown once: the caller wipes
 * the key or token it gets. */
#ifndef ND_CREDENTIALS_H
#define ND_CREDENTIALS_H

#include "core/core.h"

/* How stale another node's view of a revocation may be: the epoch poll
 * interval (accounts.c).  Well under the one second issue 18 asks. */
#define CRED_PROPAGATION_MS 250
#define CRED_LABEL_MAX 64
#define CRED_EXPIRY_MAX (10LL * 366 * 86400)  /* an expiry within ten years */
#define CRED_GRACE_MAX (30LL * 86400)         /* a rotation's grace: up to 30 days */
#define CRED_KEYS_MAX_LIMIT 100

/* "2592000", "30d", "12h", "90m", "45s": seconds in *out (1..max).
 * C_ERR for anything else. */
int cred_parse_duration(const char *s, int64_t max, int64_t *out);
/* "active", "suspended", "closed" (static strings). */
const char *cred_status_name(int status);

/* A new API key of the main account auth_id.  label may be NULL;
 * expires_in 0: never.  not_after (0: none): the unix time it expires at
 * the latest -- the expiry of the key that makes it, which a new key never
 * outlives.  *out describes it (no secret); key gets the secret, shown
 * once. */
int cred_key_create(core_t *c, const char *auth_id, unsigned scopes, const char *label,
                    int64_t expires_in, int64_t not_after, apikey_t *out, char key[IDS_APIKEY_SZ],
                    cerr_t *e);
/* The keys of main account auth_id, newest first: rows has room for limit
 * (1..CRED_KEYS_MAX_LIMIT). */
int cred_key_list(core_t *c, const char *auth_id, int limit, int offset, apikey_t *rows,
                  size_t *nrows, int64_t *total, cerr_t *e);
/* Revokes key key_id (its decimal id) of main account auth_id: CE_NOTFOUND
 * when the account has no such key or it is already revoked; CE_FORBIDDEN
 * (nothing revoked) when the key has a scope outside held, the scopes of
 * the key asking (SCOPE_ALL for the operator and the account itself). */
int cred_key_revoke(core_t *c, const char *auth_id, const char *key_id, unsigned held, cerr_t *e);

/* A new auth token for auth_id (a main account or a subaccount); the old
 * one keeps working for grace seconds (0: it stops at once).  *old_until
 * (may be NULL): when the old token stops (0 at once). */
int cred_token_rotate(core_t *c, const char *auth_id, int64_t grace, char token[IDS_TOKEN_SZ],
                      int64_t *old_until, cerr_t *e);

/* Main account auth_id and its subaccounts: suspend (credentials answer
 * 403 "account suspended", numbers stay), resume, close (every number
 * released as an unrent does, every API key revoked, credentials refused;
 * rows kept).  CE_CONFLICT from a closed account, which stays closed;
 * suspending a suspended account (or resuming an active one) is no
 * error.  *released (may be NULL): numbers a close released. */
int cred_account_suspend(core_t *c, const char *auth_id, cerr_t *e);
int cred_account_resume(core_t *c, const char *auth_id, cerr_t *e);
int cred_account_close(core_t *c, const char *auth_id, int64_t *released, cerr_t *e);

#endif
