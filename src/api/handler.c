/* handler.c -- whole shapes handlers share: the DELETE of a resource, the
 * run of an action under an Idempotency-Key, the caller's main account. */
#include "api/api.h"

#include <stdlib.h>
#include <string.h>

#include "core/accounts.h"

void api_delete(http_req_t *req, http_resp_t *resp, const char *param, api_delete_fn fn)
{
    api_delete_q(req, resp, param, api_no_fields, fn);
}

void api_delete_q(http_req_t *req, http_resp_t *resp, const char *param,
                  const api_field_t *fields, api_delete_fn fn)
{
    api_ctx_t *ctx = req->app;
    account_t who;
    json_t *q = NULL;
    cerr_t e;
    int auth = api_dialect(req) == DIALECT_BYOC ? api_auth_byoc(req, resp, SCOPE_WRITE, &who)
                                                : api_auth_plivo(req, resp, &who);
    if (auth != C_OK) goto done;
    if (api_query(req, resp, fields, NULL, &q) != C_OK) goto done;
    if (fn(&ctx->core, &who, http_param(req, param), &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    resp->status = 204;
done:
    json_decref(q);
}

int api_admin_read_begin(http_req_t *req, http_resp_t *resp, jw_t *w)
{
    json_t *q = NULL;
    int rc = C_ERR;
    if (api_auth_admin(req, resp) == C_OK && api_query(req, resp, api_no_fields, NULL, &q) == C_OK) {
        api_json_begin(resp, w, 200);
        rc = C_OK;
    }
    json_decref(q);
    return rc;
}

int api_idem_run(http_req_t *req, http_resp_t *resp, const account_t *who, const char *key,
                 const char *action, const char *resource, json_t *body, idem_action_fn fn,
                 void *ud, bool *replayed, cerr_t *e)
{
    api_ctx_t *ctx = req->app;
    uint8_t hash[IDS_HASH_SZ];
    char *params = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT);
    size_t n = params ? strlen(params) : 0;
    idem_hash(&ctx->core, action, resource, params, n, hash);
    ids_wipe(params, n);
    free(params);
    idem_answer_t ans = {.body = &resp->body};
    *replayed = false;
    if (idem_run(&ctx->core, who->id, key, hash, fn, ud, &ans, replayed, e) != C_OK) return C_ERR;
    resp->status = ans.code;
    if (*replayed) http_resp_header(resp, "Idempotent-Replayed", "true");
    return C_OK;
}

int api_main_auth_id(http_req_t *req, http_resp_t *resp, const account_t *who,
                     char out[IDS_AUTH_ID_SZ])
{
    api_ctx_t *ctx = req->app;
    cerr_t e;
    if (acct_main_auth_id(&ctx->core, who, out, &e) != C_OK) {
        api_core_error(req, resp, &e);
        return C_ERR;
    }
    return C_OK;
}
