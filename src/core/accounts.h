/* accounts.h -- main accounts, API keys, authentication (with a per-thread
 * credential cache) and the operator's compliance records (accounts.c).
 * Secrets in results are shown once: the caller wipes them. */
#ifndef ND_ACCOUNTS_H
#define ND_ACCOUNTS_H

#include "core/core.h"

/* A new main account and its first API key (named: api.h renders it
 * without including this header). */
typedef struct acct_created {
    char auth_id[IDS_AUTH_ID_SZ];
    char auth_token[IDS_TOKEN_SZ];   /* secret: shown once, caller wipes */
    char api_key[IDS_APIKEY_SZ];     /* secret: shown once, caller wipes */
    char name[MODEL_NAME_SZ];
} acct_created_t;

int acct_create(core_t *c, const char *name, acct_created_t *out, cerr_t *e);
int acct_apikey_create(core_t *c, const char *auth_id, unsigned scopes,
                       char key[IDS_APIKEY_SZ], cerr_t *e);
/* Authentication answers C_OK (*out filled), C_ERR (bad, revoked or
 * expired credentials; a closed account), or one of these: */
#define ACCT_AUTH_SUSPENDED 1   /* good credentials of a suspended account (403) */
#define ACCT_AUTH_FAULT 2       /* the database failed: no verdict (503) */
/* Checks auth_id/token (constant-time); a rotated token is accepted during
 * its grace period.  Disabled accounts, and subaccounts whose parent is
 * gone, fail; a subaccount has its main account's status. */
int acct_auth_basic(core_t *c, const char *auth_id, const char *token, account_t *out);
/* Checks an API key (not revoked, not expired); C_OK fills the (main)
 * account and the key's scopes. */
int acct_auth_bearer(core_t *c, const char *key, account_t *out, unsigned *scopes);
/* acct_auth_bearer, and on C_OK *key_id (may be NULL) the key's id: the
 * actor of the event log (events.h); *key_until (may be NULL) when the key
 * expires, 0: never (a key it makes expires no later: cred_key_create). */
int acct_auth_bearer_key(core_t *c, const char *key, account_t *out, unsigned *scopes,
                         int64_t *key_id, int64_t *key_until);
/* Empties every thread's credential cache: call after any change to an
 * account (enabled, deleted).  (Authentication results are cached per
 * thread for at most 2 s: accounts.c.) */
void acct_cache_invalidate(void);
/* Parses "phone_numbers:read,phone_numbers:write,api_keys:manage,webhooks:manage"
 * (any of them, comma-separated). */
int acct_parse_scopes(const char *s, unsigned *out);
/* The name of scope i (0..ACCT_NSCOPES-1, in the order answers list them)
 * when scopes holds it, else NULL. */
#define ACCT_NSCOPES 4
const char *acct_scope_name(unsigned scopes, int i);
/* Every main account, one callback per account (its argument is valid
 * during the call only). */
typedef int (*acct_cb)(const account_t *a, void *ud);
int acct_list(core_t *c, acct_cb cb, void *ud, cerr_t *e);
/* How many accounts there are (main and sub). */
int acct_count(core_t *c, int64_t *n, cerr_t *e);
/* The auth_id of the account with row id id. */
int acct_auth_id_of(core_t *c, int64_t id, char out[IDS_AUTH_ID_SZ], cerr_t *e);
/* The auth_id of who's main account: itself, or a subaccount's parent. */
int acct_main_auth_id(core_t *c, const account_t *who, char out[IDS_AUTH_ID_SZ], cerr_t *e);

/* ---- compliance records ---- */
/* An approved compliance record of the main account auth_id for
 * (country_iso, number_type); id gets its UUID. */
int compliance_create(core_t *c, const char *auth_id, const char *country_iso,
                      const char *number_type, char id[IDS_UUID_SZ], cerr_t *e);

#endif
