/* subaccounts.h -- subaccounts of a main account (API.md §2.5;
 * subaccounts.c).  Callers must be main accounts: to a subaccount the
 * resource does not exist (CE_NOTFOUND). */
#ifndef ND_SUBACCOUNTS_H
#define ND_SUBACCOUNTS_H

#include "core/core.h"

typedef struct {
    char auth_id[IDS_AUTH_ID_SZ];
    char auth_token[IDS_TOKEN_SZ];  /* secret: shown once, caller wipes */
} sub_created_t;

int sub_create(core_t *c, const account_t *caller, const char *name, bool enabled,
               sub_created_t *out, cerr_t *e);
int sub_list(core_t *c, const account_t *caller, int limit, int offset, account_t *rows,
             size_t *nrows, int64_t *total, cerr_t *e);
int sub_get(core_t *c, const account_t *caller, const char *auth_id, account_t *out, cerr_t *e);
/* name NULL = unchanged; enabled -1 = unchanged */
int sub_update(core_t *c, const account_t *caller, const char *auth_id, const char *name,
               int enabled, cerr_t *e);
/* Its numbers and applications return to the main account. */
int sub_delete(core_t *c, const account_t *caller, const char *auth_id, cerr_t *e);
/* cascade false: sub_delete.  cascade true (Plivo's cascade=true): in the
 * same transaction its numbers are released (as DELETE Number/{n}/ does:
 * inventory numbers age or return at once with aging_days 0, a customer's
 * own numbers are removed) and its applications deleted; its carriers
 * still move to the main account (a carrier is not Plivo's to cascade). */
int sub_delete_ex(core_t *c, const account_t *caller, const char *auth_id, bool cascade,
                  cerr_t *e);

#endif
