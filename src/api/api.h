/* api.h -- dialect handlers: parse and check input shape, call one core
 * function, render the answer in the dialect.  No SQL here.
 *
 * The api layer owns the route table and the application context (api_ctx_t,
 * reachable from every request as req->app).
 *
 * Every handler has one shape:
 *   1. authenticate (api_auth_plivo, api_auth_byoc, api_auth_admin);
 *   2. read its parameters with its field table (api_query / api_body):
 *      one table names every parameter it knows and where each goes;
 *      path parameters are read by name (http_param);
 *   3. call one core function;
 *   4. render the answer, or the core's error in the dialect's shape.
 * It returns nothing: whatever happened is in the response.  Everything a
 * handler reads from req is borrowed; JSON objects it gets from
 * api_query / api_body are its own (json_decref on its one done: path).
 *
 * Files: errors.c (error shapes, the dialect), auth.c (credentials, rate
 * limits), input.c (field tables, paging, Idempotency-Key), render.c (ids,
 * money, the Plivo and BYOC envelopes), handler.c (the DELETE shape, the
 * Idempotency-Key run), then one file per resource and dialect.
 */
#ifndef ND_API_H
#define ND_API_H

#include <jansson.h>
#include <stdatomic.h>
#include <stddef.h>

#include "core/authfail.h"
#include "core/core.h"
#include "core/idem.h"
#include "core/money.h"
#include "core/ratelimit.h"
#include "http/http.h"
#include "util/jw.h"

struct acct_created;  /* core/accounts.h */
struct inv_result;    /* core/inventory.h */
struct carrier_sip;   /* core/registrations.h */

typedef struct {
    core_t core;
    bool admin_enabled;
    uint8_t admin_hash[IDS_HASH_SZ];
    ratelimit_t *rl;       /* NULL: no limit */
    bool metrics_auth;     /* GET /metrics wants Authorization: Bearer <metrics token> */
    bool metrics_open;     /* --metrics-open: without a token, GET /metrics is open;
                            * with neither, it is refused (401) */
    uint8_t metrics_hash[IDS_HASH_SZ];
    atomic_bool stopping;  /* shutdown has begun: GET /readyz answers 503 */
    authfail_t *af;        /* failed authentications per address; NULL: no limit */
    /* SIP.md §2: the SBC endpoints, only with an SBC token */
    bool sbc_enabled;
    uint8_t sbc_hash[IDS_HASH_SZ];
    struct sbcfeed *sbc;   /* the index and its feed (core/sbcfeed.h) */
    int sbc_cache_ttl;     /* --sbc-cache-ttl: seconds an SBC may cache an accept */
    bool answer_cache;     /* reads answered again while nothing changed (anscache.c);
                            * serve: on unless NUMBERD_NO_ANSWER_CACHE */
} api_ctx_t;

/* A route's dialect is its tag in the route table (route_t.tag), its low
 * byte; API_KEPT above it marks a route whose answers may be kept
 * (api_cache_answer), for which the server reads the version ahead where
 * that costs a query (routes.c). */
typedef enum { DIALECT_PLIVO, DIALECT_BYOC, DIALECT_ADMIN } dialect_t;
#define API_DIALECT_MASK 0xff
#define API_KEPT 0x100

/* Builds the http_app_t for ctx (admin routes only with an admin token). */
void api_app(api_ctx_t *ctx, http_app_t *out);
/* Every route, for documentation and tests (count in *n). */
const route_t *api_all_routes(size_t *n);

/* ---- errors (errors.c) ---- */
/* The dialect of req: its route's, or, for a path no route matched (404,
 * 405), the one its prefix belongs to. */
dialect_t api_dialect(const http_req_t *req);
/* Writes an error in req's dialect. */
void api_error(http_req_t *req, http_resp_t *resp, int status, const char *msg);
/* The same, with faults as RFC 7807 "errors": [{"path", "message"}] in the
 * BYOC and admin dialects (the Plivo shape has no room for them). */
void api_problem(http_req_t *req, http_resp_t *resp, int status, const char *msg,
                 const faults_t *f);
/* Maps a core error to a status (the dialect decides CE_KEY_REUSED). */
int api_status_of(ce_t code, dialect_t d);
/* Seconds a client is told to wait (Retry-After) when the database is
 * unavailable: a restart or a failover takes a few. */
#define API_RETRY_AFTER_DB "2"
/* Writes e in req's dialect; CE_UNAVAILABLE also gets Retry-After. */
void api_core_error(http_req_t *req, http_resp_t *resp, const cerr_t *e);

/* ---- auth (auth.c): on failure these write the response and return C_ERR ----
 * Once they know who is calling (even if they then refuse it with 403 or
 * 429), they put the caller's auth_id in req->account for the log. */
/* Each refuses with 429 and Retry-After while the client's address is
 * throttled for failed authentications (ctx->af), and records a failure
 * with every 401 it answers.  Plivo: the path's {auth_id} must be the
 * caller's. */
int api_auth_plivo(http_req_t *req, http_resp_t *resp, account_t *out);
int api_auth_admin(http_req_t *req, http_resp_t *resp);
/* The request's id as the client sees it in X-Request-Id (a trusted
 * proxy's, else ours): the event log's request_id. */
const char *api_request_id(const http_req_t *req);
/* Pure header parsers (no I/O; fuzzed).  Basic: "Basic <base64(id:secret)>"
 * (scheme case-insensitive, header under 300 bytes, no NUL in the decoded
 * text, split at the first ':'); decodes into buf, which *id and *secret
 * point into and which the caller wipes.  Bearer: "Bearer <token>", token
 * non-empty, header at most 300 bytes; *token points into h.  C_ERR for
 * anything else. */
#define API_BASIC_BUFSZ 256
int api_parse_basic(const char *h, char buf[API_BASIC_BUFSZ], const char **id, const char **secret);
int api_parse_bearer(const char *h, const char **token);
/* Bearer API key with every scope bit of scope (SCOPE_READ / SCOPE_WRITE):
 * 401 for a missing or unknown key, 403 for a missing scope. */
int api_auth_byoc(http_req_t *req, http_resp_t *resp, unsigned scope, account_t *out);
/* The same, giving the key's scopes and when it expires (0: never): a
 * customer's new key may not have more than the key that makes it, nor
 * outlive it.  Both answer 403 "account suspended" for a suspended
 * account's key, and 503 when the database cannot say. */
int api_auth_byoc_scopes(http_req_t *req, http_resp_t *resp, unsigned scope, account_t *out,
                         unsigned *scopes_out, int64_t *until_out);

/* ---- input (input.c): a field table per handler ----
 * A handler lists the parameters it knows in one table, in the order they
 * are read: the name, how it is read, and where it goes (an offset in the
 * handler's input struct).  api_query and api_body refuse a parameter the
 * table does not name (400 "unknown parameter: x") and read every field
 * into the struct; a wrong type is a 400 naming the field. */
typedef enum {
    API_STR,       /* const char *: a string (an integer becomes its text); NULL if absent/null */
    API_STR_CLEAR, /* const char *: the same, but JSON null gives "" (clear the field) */
    API_BOOL,      /* int: true/false or "true"/"false" (any case); -1 if absent/null */
    API_READ,      /* the field's own reader (read) */
    API_KNOWN,     /* known, read elsewhere (limit and offset: api_paging) */
} api_kind_t;

typedef struct {
    const char *name;
    api_kind_t kind;
    size_t off;    /* where the value goes: offset in the input struct */
    /* API_READ: reads member name of obj (perhaps absent) into dst; C_ERR
     * after writing a 400 */
    int (*read)(http_req_t *req, http_resp_t *resp, json_t *obj, const char *name, void *dst);
} api_field_t;

/* A parameter named as its member: API_FIELD(search_in_t, city, API_STR). */
#define API_FIELD(type, member, kind) {#member, kind, offsetof(type, member), NULL}
/* A parameter whose name is not its member's ("caller_reputation_callback_url"). */
#define API_FIELD_AS(name, type, member, kind) {name, kind, offsetof(type, member), NULL}
#define API_FIELD_READ(name, type, member, fn) {name, API_READ, offsetof(type, member), fn}
#define API_PAGING {"limit", API_KNOWN, 0, NULL}, {"offset", API_KNOWN, 0, NULL}
#define API_FIELDS_END {NULL, API_KNOWN, 0, NULL}
/* A parameter an official Plivo SDK sends that has no meaning here: known,
 * accepted whatever its value, ignored.  Each is listed with its reason in
 * tests/sdk/golden/params.json (docs/PLIVO-COMPATIBILITY.md). */
#define API_NOOP(name) {name, API_KNOWN, 0, NULL}
/* No parameter at all. */
extern const api_field_t api_no_fields[];

/* Query parameters, read into in.  *out gets them as an object (for the
 * paging links).  On failure writes a 400 and returns C_ERR. */
int api_query(http_req_t *req, http_resp_t *resp, const api_field_t *fields, void *in,
              json_t **out);
/* Body parameters (form allowed in the Plivo dialect), read into in; a
 * query parameter on a POST is refused.  fields NULL: any member (the
 * caller checks them itself, as the BYOC carriers do, naming every
 * fault). */
int api_body(http_req_t *req, http_resp_t *resp, const api_field_t *fields, void *in,
             json_t **out);
/* The readers behind the field kinds, for members a handler reads itself:
 * a string member (NULL when absent or null; integers are turned into
 * their decimal text); with _or_clear, JSON null gives "".  A boolean:
 * -1 when absent or null, else 0/1.  C_ERR (400 written) for other types. */
int api_str(http_req_t *req, http_resp_t *resp, json_t *obj, const char *key, const char **out);
int api_str_or_clear(http_req_t *req, http_resp_t *resp, json_t *obj, const char *key,
                     const char **out);
int api_bool(http_req_t *req, http_resp_t *resp, json_t *obj, const char *key, int *out);
/* A parameter that repeats the path's id (the Python SDK sends number and
 * auth_id, Go app_id, Java id): accepted when it names the same thing,
 * else 400 naming both.  given NULL: not sent, fine.  number: compare as
 * E.164 (1415... and +1415... are one number). */
int api_same_id(http_req_t *req, http_resp_t *resp, const char *name, const char *given,
                const char *path_value, bool number);
/* Page sizes: Plivo lists 1-20, default 20 (API.md §2.1); BYOC lists
 * 1-100, default 20 (§3). */
#define API_PLIVO_MAX_LIMIT 20
#define API_BYOC_MAX_LIMIT 100
#define API_BYOC_DEFAULT_LIMIT 20
/* The start of every Plivo list: Basic authentication (into who), the
 * query's fields (into in, may be NULL) and its paging (Plivo's: 1-20,
 * default 20).  C_ERR: the error is answered already.  *q is the query
 * in every case (the caller json_decref()s it). */
int api_plivo_list_query(http_req_t *req, http_resp_t *resp, const api_field_t *fields, void *in,
                         account_t *who, json_t **q, int *limit, int *offset);
/* limit/offset (API.md §2.1: limit 1..max, default dflt). */
int api_paging(http_req_t *req, http_resp_t *resp, json_t *q, int max, int dflt, int *limit,
               int *offset);
/* The Idempotency-Key header (NULL if absent); C_ERR (400 written) if malformed. */
int api_idem_key(http_req_t *req, http_resp_t *resp, const char **key);

/* ---- shapes every handler shares (handler.c) ---- */
/* The start of an operator's read that takes no parameter: authenticates
 * the admin token, refuses any query parameter, and begins a 200 JSON
 * answer in *w.  C_ERR: the error is answered already. */
int api_admin_read_begin(http_req_t *req, http_resp_t *resp, jw_t *w);

/* A DELETE of a resource the route's path parameter param names:
 * authenticate in the route's dialect (a BYOC key needs the write scope),
 * refuse query parameters, call fn, answer 204. */
typedef int (*api_delete_fn)(core_t *c, const account_t *caller, const char *id, cerr_t *e);
void api_delete(http_req_t *req, http_resp_t *resp, const char *param, api_delete_fn fn);
/* The same, with the query parameters of fields accepted (no-ops an SDK sends). */
void api_delete_q(http_req_t *req, http_resp_t *resp, const char *param,
                  const api_field_t *fields, api_delete_fn fn);
/* Runs fn under Idempotency-Key key (NULL: just runs it).  The request's
 * identity is action, resource and body as canonical JSON (so form and JSON
 * bodies, key order and spacing do not matter; the text is wiped after
 * hashing, as a body may hold a SIP password).  C_OK: resp holds the
 * status and body (fresh or replayed, then with Idempotent-Replayed: true)
 * and *replayed says which.  C_ERR: e says why; resp is not written. */
int api_idem_run(http_req_t *req, http_resp_t *resp, const account_t *who, const char *key,
                 const char *action, const char *resource, json_t *body, idem_action_fn fn,
                 void *ud, bool *replayed, cerr_t *e);
/* The auth_id of the caller's main account (itself, or a subaccount's
 * parent); C_ERR with the error written if the parent cannot be read. */
int api_main_auth_id(http_req_t *req, http_resp_t *resp, const account_t *who,
                     char out[IDS_AUTH_ID_SZ]);

/* ---- answers kept while nothing changed (anscache.c) ---- */
/* Where an answer is kept: a page (a list, a search) or one object (a
 * number, a carrier), each kind in a pool of its own. */
typedef enum { API_CACHE_PAGE, API_CACHE_OBJECT } api_cache_pool_t;
/* The key of a read: what (the resource), id (the one object's, from the
 * path; NULL for a page), the caller and the parsed query in its order,
 * into key (reset first). */
void api_cache_key(buf_t *key, const char *what, const char *id, const account_t *who, json_t *q);
/* Reads the database's version into *v and, when the process kept an
 * answer for key at that version in pool, writes it into resp (200, a
 * fresh api_id) and returns true.  false: compute the answer, then
 * api_cache_keep it with the same *v (which stays unset, and keeps
 * nothing, when the version cannot be read). */
bool api_cache_answer(api_ctx_t *ctx, api_cache_pool_t pool, http_resp_t *resp,
                      const buf_t *key, db_version_t *v);
/* Keeps resp's answer (a 200 Plivo object) for key at version v in pool,
 * in place of the least recently used one of its set.  The bytes are
 * copied.  Only an answer made of the database alone may be kept
 * (nothing from the clock, nothing from a subsystem's memory). */
void api_cache_keep(api_ctx_t *ctx, api_cache_pool_t pool, const http_resp_t *resp,
                    const buf_t *key, const db_version_t *v);
/* Answers given from a kept one, and cacheable reads that were not. */
void api_cache_counts(uint64_t *hits, uint64_t *misses);

/* ---- rendering (render.c) ---- */
/* The api_id of the response resp: the id of its request (the same as its
 * X-Request-Id header and the api_id of its log line), or a fresh UUID
 * when resp belongs to no server request (unit tests). */
void api_new_api_id(const http_resp_t *resp, char out[IDS_UUID_SZ]);
/* Starts a JSON answer: status, an empty body with room for
 * API_BODY_FIRST bytes (most answers; more grows it), w writing into it. */
#define API_BODY_FIRST 2048
void api_json_begin(http_resp_t *resp, jw_t *w, int status);
/* A Plivo list: status 200, {"api_id", "meta" (next/previous keep the
 * filters of query), "objects": [ ... — the caller writes the objects,
 * then api_plivo_list_end closes the array and the envelope.  resource is
 * the path segment after the account ("Number"). */
void api_plivo_list_begin(http_resp_t *resp, jw_t *w, const char *auth_id, const char *resource,
                          json_t *query, int limit, int offset, int64_t total);
void api_plivo_list_end(jw_t *w);
/* The same with the list under key (Plivo's compliance list: "compliances"). */
void api_plivo_list_begin_key(http_resp_t *resp, jw_t *w, const char *auth_id, const char *resource,
                              const char *key, json_t *query, int limit, int offset, int64_t total);
/* A BYOC list: 200 {"data": [ ... the caller writes the objects ...
 * ], "total", "limit", "offset"}. */
void api_byoc_list_begin(http_resp_t *resp, jw_t *w);
void api_byoc_list_end(jw_t *w, int64_t total, int limit, int offset);
/* key: the amount v as Plivo's decimal string, or null when v < 0 (no
 * rate).  Always inlined, so that jw_key sees a literal key (jw.h). */
static ND_ALWAYS_INLINE void api_kmoney(jw_t *w, const char *key, int64_t v)
{
    jw_key(w, key);
    if (v < 0) {
        jw_null(w);
        return;
    }
    char m[MONEY_STRSZ];
    size_t n = money_format(v, m);
    jw_strn(w, m, n);
}
/* key: the time t (seconds since the epoch) in ISO 8601, or null when t
 * is 0 (never happened: an unused key, a secret with no grace left). */
void api_kts(jw_t *w, const char *key, int64_t t);
/* Opens a Plivo object answer: status, then {"api_id": <fresh>, ... — the
 * caller writes the members and closes it with jw_obj_end. */
void api_plivo_obj_begin(http_resp_t *resp, jw_t *w, int status);
/* 202 {"api_id", "message": "changed"} */
void api_plivo_changed(http_resp_t *resp);
/* 201 {"api_id", key: id, "message": "created"} */
void api_plivo_created(http_resp_t *resp, const char *key, const char *id);
/* The members of an AccountPhoneNumber object (no braces). */
void api_render_account_number(jw_t *w, const char *auth_id, const owned_number_t *n);

/* Shared by the admin API and the CLI, so both print the same JSON. */
void api_render_account_created(jw_t *w, const struct acct_created *a);
void api_render_import_result(jw_t *w, const struct inv_result *res, bool dry_run);
/* An upstream carrier as /admin/v1/carriers shows it (admin dialect,
 * CLI) with its gateways' health s (carrier_sip_of; NULL: none shown). */
void api_render_upstream(jw_t *w, const carrier_t *cr, const struct carrier_sip *s);
/* SIP.md §6 on a customer's carrier (BYOC): "health_check" ({"interval"}
 * or null) and "gateway_health" (each outbound gateway's stored state; []
 * when not probed), from s (carrier_sip_of; NULL: shown as not probed). */
void api_render_health(jw_t *w, const carrier_t *cr, const struct carrier_sip *s);
/* An API key: {"api_key" (only when secret is given: at creation), "id",
 * "prefix", "label", "scopes", "created_at", "expires_at", "last_used_at",
 * "revoked_at", "status"} (credentials.c). */
void api_render_apikey(jw_t *w, const apikey_t *k, const char *secret);
void api_render_scopes(jw_t *w, unsigned scopes);
/* {"auth_id", "auth_token", "old_token_expires_at"} */
void api_render_rotated(jw_t *w, const char *auth_id, const char *token, int64_t old_until);

/* ---- handlers ---- */
void h_phonenumber_search(http_req_t *req, http_resp_t *resp);
void h_phonenumber_buy(http_req_t *req, http_resp_t *resp);

void h_number_add(http_req_t *req, http_resp_t *resp);
void h_number_list(http_req_t *req, http_resp_t *resp);
void h_number_get(http_req_t *req, http_resp_t *resp);
void h_number_update(http_req_t *req, http_resp_t *resp);
void h_number_unrent(http_req_t *req, http_resp_t *resp);
void h_admin_number_status(http_req_t *req, http_resp_t *resp);
void h_admin_number_list(http_req_t *req, http_resp_t *resp);

void h_subaccount_create(http_req_t *req, http_resp_t *resp);
void h_subaccount_list(http_req_t *req, http_resp_t *resp);
void h_subaccount_get(http_req_t *req, http_resp_t *resp);
void h_subaccount_update(http_req_t *req, http_resp_t *resp);
void h_subaccount_delete(http_req_t *req, http_resp_t *resp);
void h_application_create(http_req_t *req, http_resp_t *resp);
void h_application_list(http_req_t *req, http_resp_t *resp);
void h_application_get(http_req_t *req, http_resp_t *resp);
void h_application_update(http_req_t *req, http_resp_t *resp);
void h_application_delete(http_req_t *req, http_resp_t *resp);

void h_account_get(http_req_t *req, http_resp_t *resp);
void h_pricing_get(http_req_t *req, http_resp_t *resp);
void h_compliance_list(http_req_t *req, http_resp_t *resp);
void h_compliance_get(http_req_t *req, http_resp_t *resp);
void h_compliance_requirements(http_req_t *req, http_resp_t *resp);
void h_compliance_link(http_req_t *req, http_resp_t *resp);

void h_carrier_create(http_req_t *req, http_resp_t *resp);
void h_carrier_list(http_req_t *req, http_resp_t *resp);
void h_carrier_get(http_req_t *req, http_resp_t *resp);
void h_carrier_update(http_req_t *req, http_resp_t *resp);
void h_carrier_delete(http_req_t *req, http_resp_t *resp);

void h_byoc_carrier_create(http_req_t *req, http_resp_t *resp);
void h_byoc_carrier_list(http_req_t *req, http_resp_t *resp);
void h_byoc_carrier_get(http_req_t *req, http_resp_t *resp);
void h_byoc_carrier_update(http_req_t *req, http_resp_t *resp);
void h_byoc_carrier_delete(http_req_t *req, http_resp_t *resp);
void h_byoc_number_create(http_req_t *req, http_resp_t *resp);
void h_byoc_number_list(http_req_t *req, http_resp_t *resp);
void h_byoc_number_get(http_req_t *req, http_resp_t *resp);
void h_byoc_number_delete(http_req_t *req, http_resp_t *resp);

void h_admin_account_create(http_req_t *req, http_resp_t *resp);
/* credentials.c */
void h_admin_apikey_list(http_req_t *req, http_resp_t *resp);
/* webhooks.c: both dialects' (admin, BYOC) webhook endpoints; the route's
 * dialect says whether the operator or a customer's key is calling */
void h_webhook_create(http_req_t *req, http_resp_t *resp);
void h_webhook_list(http_req_t *req, http_resp_t *resp);
void h_webhook_get(http_req_t *req, http_resp_t *resp);
void h_webhook_update(http_req_t *req, http_resp_t *resp);
void h_webhook_delete(http_req_t *req, http_resp_t *resp);
void h_webhook_rotate(http_req_t *req, http_resp_t *resp);
void h_webhook_deliveries(http_req_t *req, http_resp_t *resp);
void h_webhook_redeliver(http_req_t *req, http_resp_t *resp);
void h_admin_apikey_revoke(http_req_t *req, http_resp_t *resp);
void h_admin_account_suspend(http_req_t *req, http_resp_t *resp);
void h_admin_account_resume(http_req_t *req, http_resp_t *resp);
void h_admin_account_close(http_req_t *req, http_resp_t *resp);
void h_admin_account_rotate_token(http_req_t *req, http_resp_t *resp);
void h_byoc_apikey_list(http_req_t *req, http_resp_t *resp);
void h_byoc_apikey_create(http_req_t *req, http_resp_t *resp);
void h_byoc_apikey_revoke(http_req_t *req, http_resp_t *resp);
void h_admin_account_list(http_req_t *req, http_resp_t *resp);
void h_admin_registration_list(http_req_t *req, http_resp_t *resp);
/* the event log (events.c): the operator's, and a customer's own in each dialect */
void h_admin_event_list(http_req_t *req, http_resp_t *resp);
void h_event_list(http_req_t *req, http_resp_t *resp);
void h_byoc_event_list(http_req_t *req, http_resp_t *resp);
void h_byoc_health_put(http_req_t *req, http_resp_t *resp);
void h_byoc_health_delete(http_req_t *req, http_resp_t *resp);
void h_admin_health_put(http_req_t *req, http_resp_t *resp);
void h_admin_health_delete(http_req_t *req, http_resp_t *resp);
void h_admin_apikey_create(http_req_t *req, http_resp_t *resp);
void h_admin_inventory_stats(http_req_t *req, http_resp_t *resp);
void h_admin_compliance_create(http_req_t *req, http_resp_t *resp);
void h_admin_number_approve(http_req_t *req, http_resp_t *resp);
/* sbc.c: the SBC lookups (SIP.md §2-4) and their metrics */
void h_sbc_inbound(http_req_t *req, http_resp_t *resp);
void h_sbc_outbound(http_req_t *req, http_resp_t *resp);
void api_sbc_metrics(api_ctx_t *ctx, buf_t *out);
/* admin_carrier.c: upstream carriers (SIP.md §1) */
void h_admin_carrier_create(http_req_t *req, http_resp_t *resp);
void h_admin_carrier_list(http_req_t *req, http_resp_t *resp);
void h_admin_carrier_get(http_req_t *req, http_resp_t *resp);
void h_admin_carrier_update(http_req_t *req, http_resp_t *resp);
void h_admin_carrier_delete(http_req_t *req, http_resp_t *resp);
extern const http_stream_ops_t admin_inventory_import_ops;

/* Unauthenticated, outside any dialect. */
void h_openapi(http_req_t *req, http_resp_t *resp);
/* docs/openapi.json, compiled in (the generated openapi_json.c). */
extern const unsigned char nd_openapi_json[];
extern const size_t nd_openapi_json_len;

/* Operations endpoints (ops.c): outside every dialect, unauthenticated
 * (except /metrics with a metrics token), never rate limited. */
void h_ops_healthz(http_req_t *req, http_resp_t *resp);
void h_ops_readyz(http_req_t *req, http_resp_t *resp);
void h_ops_metrics(http_req_t *req, http_resp_t *resp);

#endif
