/* webhooks.c -- webhook endpoints over HTTP (issue 18 item 4;
 * docs/WEBHOOKS.md): the operator's under /admin/v1/webhooks (every
 * account's events, or one account's; the operator also sees and manages
 * customers' endpoints) and a customer's own under
 * /v1/phone-numbers/webhooks (BYOC dialect, an API key with the
 * webhooks:manage scope; its account's events only).  The Plivo dialect
 * has no such resource (Plivo configures callbacks per application, not
 * account-wide event subscriptions), so none is invented there.
 *
 * Both dialects share every handler: the route's dialect says who the
 * owner is.  A secret is rendered once, in the answer that makes it
 * (creation, rotation), and wiped. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/credentials.h"
#include "core/webhooks.h"
#include "util/clock.h"

static void kts(jw_t *w, const char *k, int64_t t)
{
    char ts[CLOCK_TS_SZ];
    if (t == 0) {
        jw_knull(w, k);
        return;
    }
    clock_ts(t, ts);
    jw_kstr(w, k, ts);
}

static void type_out(const char *t, size_t n, void *ud)
{
    char buf[HOOK_TYPE_LEN_MAX + 1];
    snprintf(buf, sizeof buf, "%.*s", (int)n, t);
    jw_str(ud, buf);
}

static void render_endpoint(api_ctx_t *ctx, jw_t *w, const wh_endpoint_t *ep, const char *secret,
                            bool admin)
{
    char acct[IDS_AUTH_ID_SZ];
    jw_obj(w);
    jw_kstr(w, "id", ep->uid);
    if (secret) jw_kstr(w, "secret", secret);
    jw_kstr(w, "url", ep->url);
    jw_kstr(w, "description", ep->description);
    jw_key(w, "event_types");
    jw_arr(w);
    hook_types_each(ep, type_out, w);
    jw_arr_end(w);
    jw_kbool(w, "enabled", ep->enabled);
    jw_kstr_or_null(w, "disabled_reason", ep->disabled_reason[0] ? ep->disabled_reason : NULL);
    hook_account_of(&ctx->core, ep, acct);
    jw_kstr_or_null(w, "account", acct[0] ? acct : NULL);
    if (admin) jw_kstr(w, "owner", ep->owner_id == HOOK_OPERATOR ? "operator" : "account");
    kts(w, "old_secret_expires_at",
        ep->old_secret_len && ep->old_secret_until > clock_now() ? ep->old_secret_until : 0);
    jw_kint(w, "consecutive_failures", ep->fail_count);
    kts(w, "failing_since", ep->fail_since);
    kts(w, "created_at", ep->created_at);
    kts(w, "updated_at", ep->updated_at);
    jw_obj_end(w);
}

static void render_delivery(jw_t *w, const wh_delivery_t *d)
{
    jw_obj(w);
    jw_kint(w, "id", d->id);
    jw_kint(w, "event_id", d->event_id);
    jw_kstr(w, "event_type", d->event_type);
    jw_kstr(w, "object", d->object_key);
    jw_kstr(w, "state", hook_state_name(d->state));
    jw_kint(w, "attempts", d->attempts);
    kts(w, "next_attempt_at", d->state == WHD_PENDING ? (d->next_at_ms + 999) / 1000 : 0);
    if (d->last_status) jw_kint(w, "last_status", d->last_status);
    else jw_knull(w, "last_status");
    jw_kstr_or_null(w, "last_error", d->last_error[0] ? d->last_error : NULL);
    kts(w, "last_attempt_at", d->last_at);
    kts(w, "delivered_at", d->delivered_at);
    kts(w, "created_at", d->created_at);
    jw_obj_end(w);
}

/* Who is calling: the operator (admin routes, owner -1 to read any
 * endpoint, HOOK_OPERATOR to create) or a customer's key (its main
 * account).  C_ERR with the answer written. */
static int caller(http_req_t *req, http_resp_t *resp, bool *admin, int64_t *owner)
{
    *admin = api_dialect(req) == DIALECT_ADMIN;
    if (*admin) {
        *owner = -1;
        return api_auth_admin(req, resp);
    }
    account_t who;
    if (api_auth_byoc(req, resp, SCOPE_WEBHOOKS, &who) != C_OK) return C_ERR;
    *owner = who.id;
    return C_OK;
}

typedef struct {
    const char *url;
    const char *description;
    json_t *types;
    int enabled;
    const char *account;
    const char *grace_period;
} ep_body_t;

static int read_raw(http_req_t *req, http_resp_t *resp, json_t *obj, const char *name, void *dst)
{
    ND_UNUSED(req);
    ND_UNUSED(resp);
    json_t *v = json_object_get(obj, name);
    *(json_t **)dst = json_is_null(v) ? NULL : v;
    return C_OK;
}

/* The body into a hook_in_t; types points into a caller array. */
static int to_in(http_req_t *req, http_resp_t *resp, const ep_body_t *b, hook_in_t *in,
                 const char *types[HOOK_TYPES_MAX])
{
    memset(in, 0, sizeof *in);
    in->url = b->url;
    in->description = b->description;
    in->enabled = b->enabled;
    in->account = b->account;
    if (b->types) {
        size_t i;
        json_t *v;
        if (!json_is_array(b->types) || json_array_size(b->types) > HOOK_TYPES_MAX) {
            api_error(req, resp, 400, "invalid event_types: want a list of at most 32 event types "
                                      "(e.g. [\"number.bought\", \"carrier.*\"]); [] for every type");
            return C_ERR;
        }
        json_array_foreach(b->types, i, v) {
            if (!json_is_string(v)) {
                api_error(req, resp, 400, "invalid event_types: want strings");
                return C_ERR;
            }
            types[i] = json_string_value(v);
        }
        in->types = types;
        in->ntypes = json_array_size(b->types);
    }
    return C_OK;
}

#define EP_FIELDS                                                                                  \
    API_FIELD(ep_body_t, url, API_STR), API_FIELD(ep_body_t, description, API_STR),               \
        API_FIELD_READ("event_types", ep_body_t, types, read_raw),                                 \
        API_FIELD(ep_body_t, enabled, API_BOOL)

void h_webhook_create(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t admin_fields[] = {EP_FIELDS, API_FIELD(ep_body_t, account, API_STR),
                                               API_FIELDS_END};
    static const api_field_t own_fields[] = {EP_FIELDS, API_FIELDS_END};
    api_ctx_t *ctx = req->app;
    json_t *body = NULL;
    ep_body_t b = {0};
    hook_in_t in;
    const char *types[HOOK_TYPES_MAX];
    char secret[HOOK_SECRET_SZ] = "";
    wh_endpoint_t ep;
    bool admin;
    int64_t owner;
    cerr_t e;
    if (caller(req, resp, &admin, &owner) != C_OK) goto done;
    if (api_body(req, resp, admin ? admin_fields : own_fields, &b, &body) != C_OK) goto done;
    if (to_in(req, resp, &b, &in, types) != C_OK) goto done;
    if (hook_endpoint_create(&ctx->core, admin ? HOOK_OPERATOR : owner, &in, &ep, secret, &e) !=
        C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_json_begin(resp, &w, 201);
    render_endpoint(ctx, &w, &ep, secret, admin);
done:
    ids_wipe(secret, sizeof secret);
    json_decref(body);
}

void h_webhook_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_PAGING, API_FIELDS_END};
    api_ctx_t *ctx = req->app;
    json_t *q = NULL;
    wh_endpoint_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    int limit, offset;
    bool admin;
    int64_t owner;
    cerr_t e;
    if (caller(req, resp, &admin, &owner) != C_OK) goto done;
    if (api_query(req, resp, fields, NULL, &q) != C_OK) goto done;
    if (api_paging(req, resp, q, API_BYOC_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &limit, &offset) != C_OK)
        goto done;
    rows = xcalloc((size_t)limit, sizeof *rows);
    if (hook_endpoint_list(&ctx->core, owner, limit, offset, rows, &n, &total, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_byoc_list_begin(resp, &w);
    for (size_t i = 0; i < n; i++) render_endpoint(ctx, &w, &rows[i], NULL, admin);
    api_byoc_list_end(&w, total, limit, offset);
done:
    if (rows) ids_wipe(rows, (size_t)limit * sizeof *rows);
    free(rows);
    json_decref(q);
}

void h_webhook_get(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    json_t *q = NULL;
    wh_endpoint_t ep;
    bool admin;
    int64_t owner;
    cerr_t e;
    if (caller(req, resp, &admin, &owner) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    if (hook_endpoint_get(&ctx->core, owner, http_param(req, "id"), &ep, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_json_begin(resp, &w, 200);
    render_endpoint(ctx, &w, &ep, NULL, admin);
done:
    json_decref(q);
}

void h_webhook_update(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t admin_fields[] = {EP_FIELDS, API_FIELD(ep_body_t, account, API_STR_CLEAR),
                                               API_FIELDS_END};
    static const api_field_t own_fields[] = {EP_FIELDS, API_FIELDS_END};
    api_ctx_t *ctx = req->app;
    json_t *body = NULL;
    ep_body_t b = {0};
    hook_in_t in;
    const char *types[HOOK_TYPES_MAX];
    wh_endpoint_t ep;
    bool admin;
    int64_t owner;
    cerr_t e;
    if (caller(req, resp, &admin, &owner) != C_OK) goto done;
    if (api_body(req, resp, admin ? admin_fields : own_fields, &b, &body) != C_OK) goto done;
    if (to_in(req, resp, &b, &in, types) != C_OK) goto done;
    if (hook_endpoint_update(&ctx->core, owner, http_param(req, "id"), &in, &ep, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_json_begin(resp, &w, 200);
    render_endpoint(ctx, &w, &ep, NULL, admin);
done:
    json_decref(body);
}

void h_webhook_delete(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    json_t *q = NULL;
    bool admin;
    int64_t owner;
    cerr_t e;
    if (caller(req, resp, &admin, &owner) != C_OK) goto done;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) goto done;
    if (hook_endpoint_delete(&ctx->core, owner, http_param(req, "id"), &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    resp->status = 204;
    buf_reset(&resp->body);
done:
    json_decref(q);
}

void h_webhook_rotate(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_FIELD(ep_body_t, grace_period, API_STR), API_FIELDS_END};
    api_ctx_t *ctx = req->app;
    json_t *body = NULL;
    ep_body_t b = {0};
    char secret[HOOK_SECRET_SZ] = "";
    wh_endpoint_t ep;
    int64_t grace = HOOK_GRACE_DEFAULT;
    bool admin;
    int64_t owner;
    cerr_t e;
    if (caller(req, resp, &admin, &owner) != C_OK) goto done;
    if (api_body(req, resp, fields, &b, &body) != C_OK) goto done;
    if (b.grace_period && strcmp(b.grace_period, "0") == 0) {
        grace = 0;
    } else if (b.grace_period && cred_parse_duration(b.grace_period, HOOK_GRACE_MAX, &grace) != C_OK) {
        api_error(req, resp, 400,
                  "invalid grace_period: seconds, or a number with s, m, h or d (at most 7 days)");
        goto done;
    }
    if (hook_endpoint_rotate(&ctx->core, owner, http_param(req, "id"), grace, &ep, secret, &e) !=
        C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_json_begin(resp, &w, 200);
    render_endpoint(ctx, &w, &ep, secret, admin);
done:
    ids_wipe(secret, sizeof secret);
    json_decref(body);
}

typedef struct {
    const char *state;
} dl_query_t;

void h_webhook_deliveries(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_FIELD(dl_query_t, state, API_STR), API_PAGING,
                                         API_FIELDS_END};
    api_ctx_t *ctx = req->app;
    json_t *q = NULL;
    dl_query_t in = {0};
    wh_delivery_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    int limit, offset, state = -1;
    bool admin;
    int64_t owner;
    cerr_t e;
    if (caller(req, resp, &admin, &owner) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    if (api_paging(req, resp, q, API_BYOC_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &limit, &offset) != C_OK)
        goto done;
    if (in.state) {
        if (strcmp(in.state, "pending") == 0) state = WHD_PENDING;
        else if (strcmp(in.state, "delivered") == 0) state = WHD_DELIVERED;
        else if (strcmp(in.state, "failed") == 0) state = WHD_FAILED;
        else {
            api_error(req, resp, 400, "invalid state: want pending, delivered or failed");
            goto done;
        }
    }
    rows = xcalloc((size_t)limit, sizeof *rows);
    if (hook_delivery_list(&ctx->core, owner, http_param(req, "id"), state, limit, offset, rows, &n,
                           &total, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_byoc_list_begin(resp, &w);
    for (size_t i = 0; i < n; i++) render_delivery(&w, &rows[i]);
    api_byoc_list_end(&w, total, limit, offset);
done:
    free(rows);
    json_decref(q);
}

void h_webhook_redeliver(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    json_t *body = NULL;
    wh_delivery_t d;
    bool admin;
    int64_t owner;
    cerr_t e;
    if (caller(req, resp, &admin, &owner) != C_OK) goto done;
    if (api_body(req, resp, api_no_fields, NULL, &body) != C_OK) goto done;
    if (hook_delivery_retry(&ctx->core, owner, http_param(req, "id"), http_param(req, "delivery_id"),
                            &d, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_json_begin(resp, &w, 202);
    render_delivery(&w, &d);
done:
    json_decref(body);
}
