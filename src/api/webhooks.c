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

static void type_out(const char *t, size_t n, void *ud)
{
    char buf[HOOK_TYPE_LEN_MAX + 1];
    snprintf(buf, sizeof buf, "%.*s", (int)n, t);
    jw_str(ud, buf);
}

static void render_endpoint(jw_t *w, const wh_endpoint_t *ep, const char *secret, bool admin)
{
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
    jw_kstr_or_null(w, "account", ep->account_auth_id[0] ? ep->account_auth_id : NULL);
    if (admin) jw_kstr(w, "owner", ep->owner_id == HOOK_OPERATOR ? "operator" : "account");
    api_kts(w, "old_secret_expires_at",
        ep->old_secret_len && ep->old_secret_until > clock_now() ? ep->old_secret_until : 0);
    jw_kint(w, "consecutive_failures", ep->fail_count);
    api_kts(w, "failing_since", ep->fail_since);
    api_kts(w, "created_at", ep->created_at);
    api_kts(w, "updated_at", ep->updated_at);
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
    api_kts(w, "next_attempt_at", d->state == WHD_PENDING ? (d->next_at_ms + 999) / 1000 : 0);
    if (d->last_status) jw_kint(w, "last_status", d->last_status);
    else jw_knull(w, "last_status");
    jw_kstr_or_null(w, "last_error", d->last_error[0] ? d->last_error : NULL);
    api_kts(w, "last_attempt_at", d->last_at);
    api_kts(w, "delivered_at", d->delivered_at);
    api_kts(w, "created_at", d->created_at);
    jw_obj_end(w);
}

/* One call of a handler here: who calls -- the operator (admin routes,
 * owner -1 to read any endpoint, HOOK_OPERATOR to create) or a customer's
 * key (owner: its main account) --, the parameters' JSON (the handler
 * json_decref()s it, set or not) and the core's error. */
typedef struct {
    api_ctx_t *ctx;
    bool admin;
    int64_t owner;
    account_t who;      /* a customer's call: the key's account */
    json_t *params;
    cerr_t e;
} wh_call_t;

/* How a handler reads its parameters: api_query, or api_body (POST, PATCH). */
typedef int (*params_fn)(http_req_t *req, http_resp_t *resp, const api_field_t *fields, void *in,
                         json_t **out);

/* The start every handler here shares (the operator's and a customer's
 * routes run the same handlers): authenticates in the route's dialect,
 * then reads the parameters by fields into in.  C_ERR: answered. */
static int begin(http_req_t *req, http_resp_t *resp, params_fn read, const api_field_t *fields,
                 void *in, wh_call_t *c)
{
    memset(c, 0, sizeof *c);
    c->ctx = req->app;
    c->admin = api_dialect(req) == DIALECT_ADMIN;
    if (c->admin) {
        c->owner = -1;
        if (api_auth_admin(req, resp) != C_OK) return C_ERR;
    } else {
        if (api_auth_byoc(req, resp, SCOPE_WEBHOOKS, &c->who) != C_OK) return C_ERR;
        c->owner = c->who.id;
    }
    return read(req, resp, fields, in, &c->params);
}

/* The answer of a call that reads or changes one endpoint (rc, the core's
 * answer): the endpoint with status, and its new secret when one was
 * made; or the core's error. */
static void answer_endpoint(http_req_t *req, http_resp_t *resp, const wh_call_t *c, int rc,
                            int status, const wh_endpoint_t *ep, const char *secret)
{
    if (rc != C_OK) {
        api_core_error(req, resp, &c->e);
        return;
    }
    jw_t w;
    api_json_begin(resp, &w, status);
    render_endpoint(&w, ep, secret, c->admin);
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

/* An endpoint's body as create and update read it: the parameters, then
 * the core's input (whose types point into types). */
typedef struct {
    ep_body_t b;
    hook_in_t in;
    const char *types[HOOK_TYPES_MAX];
} ep_input_t;

/* The start of an endpoint's creation or change: begin with the body's
 * fields -- admin_fields on the operator's routes (they name the
 * account), the endpoint's own on a customer's -- then the body as the
 * core's input.  C_ERR: answered. */
static int begin_endpoint(http_req_t *req, http_resp_t *resp, const api_field_t *admin_fields,
                          ep_input_t *x, wh_call_t *c)
{
    static const api_field_t own_fields[] = {EP_FIELDS, API_FIELDS_END};
    memset(&x->b, 0, sizeof x->b);
    const api_field_t *fields = api_dialect(req) == DIALECT_ADMIN ? admin_fields : own_fields;
    if (begin(req, resp, api_body, fields, &x->b, c) != C_OK) return C_ERR;
    /* null read as absent: a PATCH of {"event_types": null} (meant as
     * "every type") answered 200 and changed nothing */
    static const char *const keep[] = {"url", "enabled", "event_types"};
    for (size_t i = 0; i < ND_ARRAY_LEN(keep); i++) {
        if (json_is_null(json_object_get(c->params, keep[i]))) {
            char msg[128];
            snprintf(msg, sizeof msg, "invalid %s: null is no value (leave it out to keep it%s)", keep[i],
                     strcmp(keep[i], "event_types") == 0 ? "; [] for every type" : "");
            api_error(req, resp, 400, msg);
            return C_ERR;
        }
    }
    return to_in(req, resp, &x->b, &x->in, x->types);
}

/* ---- a customer's POSTs under their Idempotency-Key (API.md §3) ---------
 *
 * Each POST of a customer's route runs once per key: a repeat answers what
 * the first did, with Idempotent-Replayed: true.  A new secret (creation,
 * rotation) is in the first answer only -- the stored one has it null: a
 * secret is kept nowhere in the clear.  The operator's routes take no key
 * (the admin API has none). */
typedef struct {
    wh_call_t *c;
    const char *uid;          /* rotate: the endpoint */
    const ep_input_t *x;      /* create */
    int64_t grace;            /* rotate */
    const char *delivery_id;  /* redeliver */
    buf_t stored;
} keyed_t;

/* The answer of a keyed action: rendered with the secret to the client,
 * without it (when there is one) for a replay. */
static void keyed_answer(keyed_t *k, idem_answer_t *ans, int code, const wh_endpoint_t *ep,
                         const char *secret)
{
    jw_t w;
    buf_reset(ans->body);
    jw_init(&w, ans->body);
    render_endpoint(&w, ep, secret, k->c->admin);
    if (secret) {
        buf_reset(&k->stored);
        jw_init(&w, &k->stored);
        render_endpoint(&w, ep, NULL, k->c->admin);
        ans->stored = k->stored.data;
    }
    ans->code = code;
    ans->replayable = true;
}

/* Runs fn under the request's Idempotency-Key (a customer's route; none on
 * the operator's) and answers; C_ERR: answered with the error. */
static void run_keyed(http_req_t *req, http_resp_t *resp, keyed_t *k, const char *action,
                      idem_action_fn fn)
{
    const char *key = NULL;
    bool replayed;
    if (!k->c->admin && api_idem_key(req, resp, &key) != C_OK) return;
    /* what it acts on: the endpoint, and the delivery (a key reused for
     * another delivery of the same endpoint is another request: 422) */
    char res[512]; /* ids past this are no ids: their action answers 404 */
    snprintf(res, sizeof res, "%s%s%s", k->uid ? k->uid : "", k->delivery_id ? "/" : "",
             k->delivery_id ? k->delivery_id : "");
    if (api_idem_run(req, resp, &k->c->who, k->c->admin ? NULL : key, action, res, k->c->params,
                     fn, k, &replayed, &k->c->e) != C_OK)
        api_core_error(req, resp, &k->c->e);
}

static int create_action(core_t *core, void *ud, idem_answer_t *ans, cerr_t *e)
{
    keyed_t *k = ud;
    char secret[HOOK_SECRET_SZ] = "";
    wh_endpoint_t ep;
    int rc = hook_endpoint_create(core, k->c->admin ? HOOK_OPERATOR : k->c->owner, &k->x->in, &ep,
                                  secret, e);
    if (rc == C_OK) keyed_answer(k, ans, 201, &ep, secret);
    ids_wipe(secret, sizeof secret);
    ids_wipe(&ep, sizeof ep);
    return rc;
}

void h_webhook_create(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t admin_fields[] = {EP_FIELDS, API_FIELD(ep_body_t, account, API_STR),
                                               API_FIELDS_END};
    wh_call_t c;
    ep_input_t x;
    keyed_t k = {.c = &c, .x = &x, .stored = BUF_INIT};
    if (begin_endpoint(req, resp, admin_fields, &x, &c) != C_OK) goto done;
    run_keyed(req, resp, &k, "POST webhooks", create_action);
done:
    buf_free(&k.stored);
    json_decref(c.params);
}

void h_webhook_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_PAGING, API_FIELDS_END};
    wh_call_t c;
    wh_endpoint_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    int limit, offset;
    if (begin(req, resp, api_query, fields, NULL, &c) != C_OK) goto done;
    if (api_paging(req, resp, c.params, API_BYOC_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &limit,
                   &offset) != C_OK)
        goto done;
    rows = xcalloc((size_t)limit, sizeof *rows);
    if (hook_endpoint_list(&c.ctx->core, c.owner, limit, offset, rows, &n, &total, &c.e) != C_OK) {
        api_core_error(req, resp, &c.e);
        goto done;
    }
    jw_t w;
    api_byoc_list_begin(resp, &w);
    for (size_t i = 0; i < n; i++) render_endpoint(&w, &rows[i], NULL, c.admin);
    api_byoc_list_end(&w, total, limit, offset);
done:
    if (rows) ids_wipe(rows, (size_t)limit * sizeof *rows);
    free(rows);
    json_decref(c.params);
}

void h_webhook_get(http_req_t *req, http_resp_t *resp)
{
    wh_call_t c;
    wh_endpoint_t ep;
    if (begin(req, resp, api_query, api_no_fields, NULL, &c) != C_OK) goto done;
    int rc = hook_endpoint_get(&c.ctx->core, c.owner, http_param(req, "id"), &ep, &c.e);
    answer_endpoint(req, resp, &c, rc, 200, &ep, NULL);
done:
    json_decref(c.params);
}

void h_webhook_update(http_req_t *req, http_resp_t *resp)
{
    /* "account": null or "" moves an endpoint to every account's events */
    static const api_field_t admin_fields[] = {
        EP_FIELDS, API_FIELD(ep_body_t, account, API_STR_CLEAR), API_FIELDS_END};
    wh_call_t c;
    ep_input_t x;
    wh_endpoint_t ep;
    if (begin_endpoint(req, resp, admin_fields, &x, &c) != C_OK) goto done;
    int rc = hook_endpoint_update(&c.ctx->core, c.owner, http_param(req, "id"), &x.in, &ep, &c.e);
    answer_endpoint(req, resp, &c, rc, 200, &ep, NULL);
done:
    json_decref(c.params);
}

void h_webhook_delete(http_req_t *req, http_resp_t *resp)
{
    wh_call_t c;
    if (begin(req, resp, api_query, api_no_fields, NULL, &c) != C_OK) goto done;
    if (hook_endpoint_delete(&c.ctx->core, c.owner, http_param(req, "id"), &c.e) != C_OK) {
        api_core_error(req, resp, &c.e);
        goto done;
    }
    resp->status = 204;
    buf_reset(&resp->body);
done:
    json_decref(c.params);
}

static int rotate_action(core_t *core, void *ud, idem_answer_t *ans, cerr_t *e)
{
    keyed_t *k = ud;
    char secret[HOOK_SECRET_SZ] = "";
    wh_endpoint_t ep;
    int rc = hook_endpoint_rotate(core, k->c->owner, k->uid, k->grace, &ep, secret, e);
    if (rc == C_OK) keyed_answer(k, ans, 200, &ep, secret);
    ids_wipe(secret, sizeof secret);
    ids_wipe(&ep, sizeof ep);
    return rc;
}

void h_webhook_rotate(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_FIELD(ep_body_t, grace_period, API_STR), API_FIELDS_END};
    wh_call_t c;
    ep_body_t b = {0};
    keyed_t k = {.c = &c, .uid = http_param(req, "id"), .stored = BUF_INIT};
    int64_t grace = HOOK_GRACE_DEFAULT;
    if (begin(req, resp, api_body, fields, &b, &c) != C_OK) goto done;
    if (b.grace_period && strcmp(b.grace_period, "0") == 0) {
        grace = 0;
    } else if (b.grace_period && cred_parse_duration(b.grace_period, HOOK_GRACE_MAX, &grace) != C_OK) {
        api_error(req, resp, 400,
                  "invalid grace_period: seconds, or a number with s, m, h or d (at most 7 days)");
        goto done;
    }
    k.grace = grace;
    run_keyed(req, resp, &k, "POST webhooks rotate-secret", rotate_action);
done:
    buf_free(&k.stored);
    json_decref(c.params);
}

typedef struct {
    const char *state;
} dl_query_t;

void h_webhook_deliveries(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_FIELD(dl_query_t, state, API_STR), API_PAGING,
                                         API_FIELDS_END};
    wh_call_t c;
    dl_query_t in = {0};
    wh_delivery_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    int limit, offset, state = -1;
    if (begin(req, resp, api_query, fields, &in, &c) != C_OK) goto done;
    if (api_paging(req, resp, c.params, API_BYOC_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &limit,
                   &offset) != C_OK)
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
    if (hook_delivery_list(&c.ctx->core, c.owner, http_param(req, "id"), state, limit, offset, rows,
                           &n, &total, &c.e) != C_OK) {
        api_core_error(req, resp, &c.e);
        goto done;
    }
    jw_t w;
    api_byoc_list_begin(resp, &w);
    for (size_t i = 0; i < n; i++) render_delivery(&w, &rows[i]);
    api_byoc_list_end(&w, total, limit, offset);
done:
    free(rows);
    json_decref(c.params);
}

static int redeliver_action(core_t *core, void *ud, idem_answer_t *ans, cerr_t *e)
{
    keyed_t *k = ud;
    wh_delivery_t d;
    if (hook_delivery_retry(core, k->c->owner, k->uid, k->delivery_id, &d, e) != C_OK) return C_ERR;
    jw_t w;
    buf_reset(ans->body);
    jw_init(&w, ans->body);
    render_delivery(&w, &d);
    ans->code = 202;
    ans->replayable = true;
    return C_OK;
}

void h_webhook_redeliver(http_req_t *req, http_resp_t *resp)
{
    wh_call_t c;
    keyed_t k = {.c = &c, .uid = http_param(req, "id"), .delivery_id = http_param(req, "delivery_id"),
                 .stored = BUF_INIT};
    if (begin(req, resp, api_body, api_no_fields, NULL, &c) != C_OK) goto done;
    run_keyed(req, resp, &k, "POST webhooks redeliver", redeliver_action);
done:
    buf_free(&k.stored);
    json_decref(c.params);
}
