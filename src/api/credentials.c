/* credentials.c -- the credential lifecycle over HTTP (issue 18): the
 * operator's API keys, token rotation and account status under
 * /admin/v1/accounts/{auth_id}/..., and a customer's own API keys in the
 * BYOC dialect (/v1/phone-numbers/api-keys, with the api_keys:manage
 * scope).  The rules are core/credentials.c's; a key's secret is rendered
 * once, in the answer that creates it, and wiped. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/accounts.h"
#include "core/credentials.h"
#include "util/clock.h"

void api_render_scopes(jw_t *w, unsigned scopes)
{
    jw_key(w, "scopes");
    jw_arr(w);
    for (int i = 0; i < ACCT_NSCOPES; i++) {
        const char *name = acct_scope_name(scopes, i);
        if (name) jw_str(w, name);
    }
    jw_arr_end(w);
}

void api_render_apikey(jw_t *w, const apikey_t *k, const char *secret)
{
    jw_obj(w);
    if (secret) jw_kstr(w, "api_key", secret);
    jw_kint(w, "id", k->id);
    jw_kstr(w, "prefix", k->prefix);
    jw_kstr(w, "label", k->label);
    api_render_scopes(w, k->scopes);
    api_kts(w, "created_at", k->created_at);
    api_kts(w, "expires_at", k->expires_at);
    api_kts(w, "last_used_at", k->last_used_at);
    api_kts(w, "revoked_at", k->revoked_at);
    jw_kstr(w, "status", k->revoked_at                                   ? "revoked"
                         : k->expires_at && k->expires_at <= clock_now() ? "expired"
                                                                          : "active");
    jw_obj_end(w);
}

/* scopes: a list of scope names; absent: dflt. */
static int scopes_of(http_req_t *req, http_resp_t *resp, json_t *sc, unsigned dflt, unsigned *out)
{
    unsigned scopes = 0, one;
    if (sc == NULL) {
        *out = dflt;
        return C_OK;
    }
    if (json_is_array(sc) && json_array_size(sc) >= 1 && json_array_size(sc) <= 4) {
        size_t i;
        json_t *v;
        json_array_foreach(sc, i, v) {
            if (!json_is_string(v) || acct_parse_scopes(json_string_value(v), &one) != C_OK) {
                scopes = 0;
                break;
            }
            scopes |= one;
        }
    }
    if (scopes == 0) {
        api_error(req, resp, 400,
                  "invalid scopes: want a list of phone_numbers:read, phone_numbers:write, "
                  "api_keys:manage, webhooks:manage");
        return C_ERR;
    }
    *out = scopes;
    return C_OK;
}

static int read_scopes(http_req_t *req, http_resp_t *resp, json_t *obj, const char *name, void *dst)
{
    /* absent: the two phone_numbers scopes, as before issue 18 */
    return scopes_of(req, resp, json_object_get(obj, name), SCOPE_READ | SCOPE_WRITE, dst);
}

typedef struct {
    unsigned scopes;
    json_t *scopes_raw;
    const char *label;
    const char *expires_in;
} apikey_in_t;

static int read_raw(http_req_t *req, http_resp_t *resp, json_t *obj, const char *name, void *dst)
{
    ND_UNUSED(req);
    ND_UNUSED(resp);
    *(json_t **)dst = json_object_get(obj, name);
    return C_OK;
}

/* expires_in: seconds, or a number with s, m, h or d */
static int expiry_of(http_req_t *req, http_resp_t *resp, const char *s, int64_t *out)
{
    *out = 0;
    if (s == NULL) return C_OK;
    if (cred_parse_duration(s, CRED_EXPIRY_MAX, out) != C_OK) {
        api_error(req, resp, 400,
                  "invalid expires_in: seconds, or a number with s, m, h or d (at most 10 years)");
        return C_ERR;
    }
    return C_OK;
}

/* The answer to a key just made: 201 with the secret, once. */
/* The end of every key creation, the operator's and a customer's: the
 * expiry read, the key made for auth_id with in's scopes, and the answer
 * (201, the key shown this once, then wiped). */
static void create_key(http_req_t *req, http_resp_t *resp, const char *auth_id,
                       const apikey_in_t *in)
{
    api_ctx_t *ctx = req->app;
    char key[IDS_APIKEY_SZ];
    int64_t expires_in;
    apikey_t k;
    cerr_t e;
    if (expiry_of(req, resp, in->expires_in, &expires_in) != C_OK) return;
    if (cred_key_create(&ctx->core, auth_id, in->scopes, in->label, expires_in, 0, &k, key, &e) !=
        C_OK) {
        api_core_error(req, resp, &e);
        return;
    }
    jw_t w;
    api_json_begin(resp, &w, 201);
    api_render_apikey(&w, &k, key);
    ids_wipe(key, sizeof key);
}

/* The end of every key revocation: 204, no body. */
static void revoke_key(http_req_t *req, http_resp_t *resp, const char *auth_id, const char *key_id,
                       unsigned held)
{
    api_ctx_t *ctx = req->app;
    cerr_t e;
    if (cred_key_revoke(&ctx->core, auth_id, key_id, held, &e) != C_OK) {
        api_core_error(req, resp, &e);
        return;
    }
    resp->status = 204;
    buf_reset(&resp->body);
}

/* A customer's key creation under its Idempotency-Key (API.md §3: every
 * BYOC POST): made once; a repeat answers the same key without api_key
 * (the secret is shown once and kept nowhere, not even with the stored
 * answer; a client that lost it revokes that key and makes another).  The
 * scopes the key gets are part of the request's identity: absent from the
 * body they are the calling key's, which differ from key to key. */
typedef struct {
    const char *auth_id;
    const apikey_in_t *in;
    int64_t expires_in;
    int64_t not_after;     /* the calling key's expiry (0: never): the new one's latest */
    buf_t stored;
} key_ctx_t;

static int key_action(core_t *c, void *ud, idem_answer_t *ans, cerr_t *e)
{
    key_ctx_t *kc = ud;
    char key[IDS_APIKEY_SZ];
    apikey_t k;
    if (cred_key_create(c, kc->auth_id, kc->in->scopes, kc->in->label, kc->expires_in, kc->not_after,
                        &k, key, e) != C_OK)
        return C_ERR;
    jw_t w;
    buf_reset(ans->body);
    jw_init(&w, ans->body);
    api_render_apikey(&w, &k, key);
    ids_wipe(key, sizeof key);
    buf_reset(&kc->stored);
    jw_init(&w, &kc->stored);
    api_render_apikey(&w, &k, NULL);
    ans->stored = kc->stored.data;
    ans->code = 201;
    ans->replayable = true;
    return C_OK;
}

/* The fields of a key creation besides its scopes (whose reading differs). */
#define KEY_FIELDS                                   \
    API_FIELD(apikey_in_t, label, API_STR),          \
    API_FIELD(apikey_in_t, expires_in, API_STR),     \
    API_FIELDS_END

static void list(http_req_t *req, http_resp_t *resp, const char *auth_id, json_t *q)
{
    api_ctx_t *ctx = req->app;
    int limit, offset;
    apikey_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;
    if (api_paging(req, resp, q, API_BYOC_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &limit, &offset) != C_OK)
        return;
    rows = xcalloc((size_t)limit, sizeof *rows);
    if (cred_key_list(&ctx->core, auth_id, limit, offset, rows, &n, &total, &e) != C_OK) {
        api_core_error(req, resp, &e);
    } else {
        jw_t w;
        api_byoc_list_begin(resp, &w);
        for (size_t i = 0; i < n; i++) api_render_apikey(&w, &rows[i], NULL);
        api_byoc_list_end(&w, total, limit, offset);
    }
    free(rows);
}

/* ---- the operator: /admin/v1/accounts/{auth_id}/api-keys ---- */

void h_admin_apikey_create(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD_READ("scopes", apikey_in_t, scopes, read_scopes),
        KEY_FIELDS,
    };
    json_t *b = NULL;
    apikey_in_t in = {0};
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_body(req, resp, fields, &in, &b) != C_OK) goto done;
    create_key(req, resp, http_param(req, "auth_id"), &in);
done:
    json_decref(b);
}

void h_admin_apikey_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_PAGING, API_FIELDS_END};
    json_t *q = NULL;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_query(req, resp, fields, NULL, &q) != C_OK) goto done;
    list(req, resp, http_param(req, "auth_id"), q);
done:
    json_decref(q);
}

void h_admin_apikey_revoke(http_req_t *req, http_resp_t *resp)
{
    json_t *q = NULL;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    revoke_key(req, resp, http_param(req, "auth_id"), http_param(req, "key_id"), SCOPE_ALL);
done:
    json_decref(q);
}

/* ---- the operator: account status and token rotation ---- */

typedef enum { ACT_SUSPEND, ACT_RESUME, ACT_CLOSE } acct_action_t;

static void account_action(http_req_t *req, http_resp_t *resp, acct_action_t act)
{
    api_ctx_t *ctx = req->app;
    json_t *b = NULL;
    const char *auth_id = http_param(req, "auth_id");
    int64_t released = 0;
    cerr_t e;
    int rc;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_body(req, resp, api_no_fields, NULL, &b) != C_OK) goto done;
    rc = act == ACT_SUSPEND  ? cred_account_suspend(&ctx->core, auth_id, &e)
         : act == ACT_RESUME ? cred_account_resume(&ctx->core, auth_id, &e)
                             : cred_account_close(&ctx->core, auth_id, &released, &e);
    if (rc != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_json_begin(resp, &w, 200);
    jw_obj(&w);
    jw_kstr(&w, "auth_id", auth_id);
    jw_kstr(&w, "status", act == ACT_SUSPEND ? "suspended" : act == ACT_RESUME ? "active" : "closed");
    if (act == ACT_CLOSE) jw_kint(&w, "numbers_released", released);
    jw_obj_end(&w);
done:
    json_decref(b);
}

void h_admin_account_suspend(http_req_t *req, http_resp_t *resp)
{
    account_action(req, resp, ACT_SUSPEND);
}

void h_admin_account_resume(http_req_t *req, http_resp_t *resp)
{
    account_action(req, resp, ACT_RESUME);
}

void h_admin_account_close(http_req_t *req, http_resp_t *resp)
{
    account_action(req, resp, ACT_CLOSE);
}

typedef struct {
    const char *grace_period;
} rotate_in_t;

void h_admin_account_rotate_token(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_FIELD(rotate_in_t, grace_period, API_STR),
                                         API_FIELDS_END};
    api_ctx_t *ctx = req->app;
    json_t *b = NULL;
    rotate_in_t in = {0};
    const char *auth_id = http_param(req, "auth_id");
    char token[IDS_TOKEN_SZ];
    int64_t grace = 0, until = 0;
    cerr_t e;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_body(req, resp, fields, &in, &b) != C_OK) goto done;
    if (in.grace_period && strcmp(in.grace_period, "0") != 0 &&
        cred_parse_duration(in.grace_period, CRED_GRACE_MAX, &grace) != C_OK) {
        api_error(req, resp, 400,
                  "invalid grace_period: seconds, or a number with s, m, h or d (at most 30 days)");
        goto done;
    }
    if (cred_token_rotate(&ctx->core, auth_id, grace, token, &until, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_json_begin(resp, &w, 200);
    api_render_rotated(&w, auth_id, token, until);
    ids_wipe(token, sizeof token);
done:
    json_decref(b);
}

void api_render_rotated(jw_t *w, const char *auth_id, const char *token, int64_t old_until)
{
    jw_obj(w);
    jw_kstr(w, "auth_id", auth_id);
    jw_kstr(w, "auth_token", token);
    api_kts(w, "old_token_expires_at", old_until);
    jw_obj_end(w);
}

/* ---- a customer's own keys: /v1/phone-numbers/api-keys ---- */

void h_byoc_apikey_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_PAGING, API_FIELDS_END};
    account_t who;
    json_t *q = NULL;
    if (api_auth_byoc(req, resp, SCOPE_KEYS, &who) != C_OK) goto done;
    if (api_query(req, resp, fields, NULL, &q) != C_OK) goto done;
    list(req, resp, who.auth_id, q);
done:
    json_decref(q);
}

void h_byoc_apikey_create(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD_READ("scopes", apikey_in_t, scopes_raw, read_raw),
        KEY_FIELDS,
    };
    account_t who;
    unsigned mine = 0;
    json_t *b = NULL;
    apikey_in_t in = {0};
    const char *idem;
    key_ctx_t kc = {.stored = BUF_INIT};
    cerr_t e;
    bool replayed;
    if (api_auth_byoc_scopes(req, resp, SCOPE_KEYS, &who, &mine, &kc.not_after) != C_OK) goto done;
    if (api_body(req, resp, fields, &in, &b) != C_OK) goto done;
    if (api_idem_key(req, resp, &idem) != C_OK) goto done;
    /* absent: the scopes of the key making it */
    if (scopes_of(req, resp, in.scopes_raw, mine, &in.scopes) != C_OK) goto done;
    if ((in.scopes & ~mine) != 0) {
        /* a key cannot make a key that may do more than itself */
        api_error(req, resp, 403, "a new key cannot have a scope the key making it lacks");
        goto done;
    }
    kc.auth_id = who.auth_id;
    kc.in = &in;
    if (expiry_of(req, resp, in.expires_in, &kc.expires_in) != C_OK) goto done;
    char scopes_id[16];
    snprintf(scopes_id, sizeof scopes_id, "%u", in.scopes);
    if (api_idem_run(req, resp, &who, idem, "POST api-keys", scopes_id, b, key_action, &kc, &replayed,
                     &e) != C_OK)
        api_core_error(req, resp, &e);
done:
    buf_free(&kc.stored);
    json_decref(b);
}

void h_byoc_apikey_revoke(http_req_t *req, http_resp_t *resp)
{
    account_t who;
    unsigned mine = 0;
    json_t *q = NULL;
    if (api_auth_byoc_scopes(req, resp, SCOPE_KEYS, &who, &mine, NULL) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    revoke_key(req, resp, who.auth_id, http_param(req, "id"), mine);
done:
    json_decref(q);
}
