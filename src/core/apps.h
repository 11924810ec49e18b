/* apps.h -- applications that numbers point at (API.md §2.6; apps.c). */
#ifndef ND_APPS_H
#define ND_APPS_H

#include "core/core.h"

typedef struct {
    const char *app_name, *answer_url, *answer_method, *hangup_url, *hangup_method,
        *fallback_answer_url, *fallback_method, *message_url, *message_method, *subaccount;
    int default_number_app, default_endpoint_app, public_uri, log_incoming_messages,
        is_voice_request;           /* -1: not given */
} app_in_t;

int app_create(core_t *c, const account_t *caller, const app_in_t *in, app_t *out, cerr_t *e);
/* subaccount (NULL: none): only that subaccount's applications; it must
 * be one of the caller's subaccounts (a subaccount may name itself), as
 * the subaccount filter of GET Number/. */
int app_list(core_t *c, const account_t *caller, const char *app_name, const char *subaccount,
             int limit, int offset, app_t *rows, size_t *nrows, int64_t *total, cerr_t *e);
int app_get(core_t *c, const account_t *caller, const char *app_id, app_t *out, cerr_t *e);
int app_update(core_t *c, const account_t *caller, const char *app_id, const app_in_t *in,
               cerr_t *e);
/* Numbers that pointed at it are unlinked. */
int app_delete(core_t *c, const account_t *caller, const char *app_id, cerr_t *e);

#endif
