/* auth.c -- who is calling: Basic credentials (Plivo), API keys (BYOC),
 * the admin token; the throttling of failed authentications per address
 * and the per-account request budget. */
#include "api/api.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/events.h"
#include "core/accounts.h"
#include "util/b64.h"
#include "util/clock.h"
#include "util/metrics.h"

int api_parse_basic(const char *h, char buf[API_BASIC_BUFSZ], const char **id, const char **secret)
{
    size_t dlen = 0;
    *id = *secret = NULL;
    if (h == NULL || strncasecmp(h, "Basic ", 6) != 0 || strlen(h) >= 300) return C_ERR;
    const char *b64 = h + 6;
    while (*b64 == ' ') b64++;
    if (b64_decode(b64, strlen(b64), (unsigned char *)buf, API_BASIC_BUFSZ - 1, &dlen) != C_OK)
        return C_ERR;
    buf[dlen] = '\0';
    char *colon = memchr(buf, ':', dlen);
    /* a NUL inside the decoded text would cut the id or the secret short */
    if (colon == NULL || strlen(buf) != dlen) return C_ERR;
    *colon = '\0';
    *id = buf;
    *secret = colon + 1;
    return C_OK;
}

int api_parse_bearer(const char *h, const char **token)
{
    *token = NULL;
    if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 || strlen(h) > 300) return C_ERR;
    const char *t = h + 7 + strspn(h + 7, " ");
    if (*t == '\0') return C_ERR;
    *token = t;
    return C_OK;
}

/* Throttling of authentication failures per client address (authfail.h):
 * a blocked address gets 429 before its credentials are even looked at,
 * so that a correct guess made while blocked is worth nothing. */
static int authfail_blocked(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    unsigned retry = 0;
    if (!af_blocked(ctx->af, req->client, clock_now(), &retry)) return C_OK;
    char ra[16];
    snprintf(ra, sizeof ra, "%u", retry);
    api_error(req, resp, 429, "too many failed authentications from your address: try again later");
    http_resp_header(resp, "Retry-After", ra);
    return C_ERR;
}

/* A failed authentication counts towards the address's lockout only when
 * it could be a guess: credentials were sent (an Authorization header),
 * and not by a browser for another site's page.  A page anywhere could
 * otherwise lock its visitors' shared address (an office's NAT) out of
 * the API with 20 <img> tags a minute, no credentials needed (a helper's
 * audit, session 37); a guesser sends credentials, and no Sec-Fetch-Site. */
static void authfail_note(http_req_t *req)
{
    api_ctx_t *ctx = req->app;
    const char *a = http_header(req, "Authorization");
    const char *site = http_header(req, "Sec-Fetch-Site");
    if (!a || !*a || (site && strcasecmp(site, "cross-site") == 0)) return;
    af_failure(ctx->af, req->client, clock_now());
}

static int rate_check(http_req_t *req, http_resp_t *resp, const account_t *who);

/* A credential check that could not reach the database: 503 with
 * Retry-After, and NOT a failed authentication -- an outage must not make
 * every client at an address look like a password guesser (a 429 flood
 * once the database is back). */
static void auth_unavailable(http_req_t *req, http_resp_t *resp)
{
    api_error(req, resp, 503, "service unavailable: the database did not answer");
    http_resp_header(resp, "Retry-After", API_RETRY_AFTER_DB);
}

/* The request id the client sees (X-Request-Id): a trusted proxy's own,
 * else ours. */
const char *api_request_id(const http_req_t *req)
{
    return req->upstream_id[0] ? req->upstream_id : req->id;
}

/* The host[:port] of an Origin ("https://host:port"), into out; false:
 * not such an origin ("null", another shape, too long). */
static bool origin_host(const char *origin, char *out, size_t outsz)
{
    const char *p = strstr(origin, "://");
    if (!p || p == origin) return false;
    p += 3;
    size_t n = strlen(p);
    if (n == 0 || n >= outsz || strchr(p, '/')) return false;
    memcpy(out, p, n + 1);
    return true;
}

/* Is this a write a browser made for a page of another site?
 *
 * Why: the Plivo dialect authenticates with HTTP Basic, and its 401 asks
 * for it (WWW-Authenticate): a browser in which someone once opened an API
 * URL and typed the account's credentials sends them again, unasked, with
 * every request to this origin -- also with a form another site's page
 * posts here, which buys a number or changes one (a "simple" request: no
 * preflight).  Browsers say where a request comes from: Sec-Fetch-Site
 * (every current browser), else Origin on a POST.  The SDKs, curl and
 * servers send neither, and the console is same-origin.  Bearer
 * credentials (the BYOC dialect, the admin API) are never sent unasked,
 * so only this dialect checks.  Reads stay open: a page of another site
 * cannot read their answers (no CORS). */
static bool cross_site_write(http_req_t *req)
{
    if (req->method & (HTTP_GET | HTTP_HEAD | HTTP_OPTIONS)) return false;
    const char *site = http_header(req, "Sec-Fetch-Site");
    if (site) return nd_strcasecmp(site, "same-origin") != 0 && nd_strcasecmp(site, "none") != 0;
    const char *origin = http_header(req, "Origin");
    if (!origin) return false;
    char host[256];
    if (!origin_host(origin, host, sizeof host)) return true; /* "null": a sandboxed page, a file */
    /* behind a proxy that rewrites Host, the public host is X-Forwarded-Host */
    const char *h = http_header(req, "Host"), *fwd = http_header(req, "X-Forwarded-Host");
    return !(h && nd_strcasecmp(h, host) == 0) && !(fwd && nd_strcasecmp(fwd, host) == 0);
}

int api_auth_plivo(http_req_t *req, http_resp_t *resp, account_t *out)
{
    api_ctx_t *ctx = req->app;
    char decoded[API_BASIC_BUFSZ];
    const char *id, *secret, *path_id;
    int ok = C_ERR, verdict = C_ERR;

    ev_actor_clear();
    if (cross_site_write(req)) {
        api_error(req, resp, 403, "cross-site request refused: a browser sent this write for a "
                  "page of another site (Sec-Fetch-Site / Origin)");
        return C_ERR;
    }
    if (authfail_blocked(req, resp) != C_OK) return C_ERR;
    if (api_parse_basic(http_header(req, "Authorization"), decoded, &id, &secret) == C_OK)
        verdict = acct_auth_basic(&ctx->core, id, secret, out);
    if ((verdict == C_OK || verdict == ACCT_AUTH_SUSPENDED) &&
        /* The path's account must be the caller's own. */
        (path_id = http_param(req, "auth_id")) != NULL && strcmp(path_id, out->auth_id) == 0) {
        ok = verdict;
        snprintf(req->account, sizeof req->account, "%s", out->auth_id);
    }
    ids_wipe(decoded, sizeof decoded);
    if (verdict == ACCT_AUTH_FAULT) {
        auth_unavailable(req, resp);
        return C_ERR;
    }
    if (ok == ACCT_AUTH_SUSPENDED) {
        api_error(req, resp, 403, "account suspended");
        return C_ERR;
    }
    if (ok != C_OK) {
        authfail_note(req);
        api_error(req, resp, 401, "authentication failed");
        return C_ERR;
    }
    /* who the event log names for what this request changes */
    ev_actor_set(out->parent_id ? "subaccount" : "account", out->auth_id, api_request_id(req));
    return rate_check(req, resp, out);
}

int api_auth_byoc_scopes(http_req_t *req, http_resp_t *resp, unsigned scope, account_t *out,
                         unsigned *scopes_out, int64_t *until_out)
{
    api_ctx_t *ctx = req->app;
    const char *key;
    unsigned scopes = 0;
    int verdict = C_ERR;
    int64_t key_id = 0, until = 0;
    ev_actor_clear();
    if (authfail_blocked(req, resp) != C_OK) return C_ERR;
    if (api_parse_bearer(http_header(req, "Authorization"), &key) == C_OK)
        verdict = acct_auth_bearer_key(&ctx->core, key, out, &scopes, &key_id, &until);
    if (verdict == ACCT_AUTH_FAULT) {
        auth_unavailable(req, resp);
        return C_ERR;
    }
    if (verdict != C_OK && verdict != ACCT_AUTH_SUSPENDED) {
        authfail_note(req);
        api_error(req, resp, 401, "authentication failed: want Authorization: Bearer <API key>");
        return C_ERR;
    }
    snprintf(req->account, sizeof req->account, "%s", out->auth_id);
    /* whose key this is: a BYOC answer names no account when its list is
     * empty, and a client holding several accounts' keys (the console,
     * signed in with one account's auth_id and a key) checks that they
     * belong together */
    http_resp_header(resp, "X-Account-Id", out->auth_id);
    if (verdict == ACCT_AUTH_SUSPENDED) {
        api_error(req, resp, 403, "account suspended");
        return C_ERR;
    }
    if ((scopes & scope) != scope) {
        api_error(req, resp, 403, scope == SCOPE_READ    ? "this API key lacks the phone_numbers:read scope"
                                  : scope == SCOPE_WRITE ? "this API key lacks the phone_numbers:write scope"
                                  : scope == SCOPE_KEYS  ? "this API key lacks the api_keys:manage scope"
                                                         : "this API key lacks the webhooks:manage scope");
        return C_ERR;
    }
    if (scopes_out) *scopes_out = scopes;
    if (until_out) *until_out = until;
    char kid[24];
    snprintf(kid, sizeof kid, "%lld", (long long)key_id);
    ev_actor_set("api_key", kid, api_request_id(req));
    return rate_check(req, resp, out);
}

int api_auth_byoc(http_req_t *req, http_resp_t *resp, unsigned scope, account_t *out)
{
    return api_auth_byoc_scopes(req, resp, scope, out, NULL, NULL);
}

/* The per-account request budget (429 with Retry-After when spent).  The
 * budget is the main account's: a subaccount's requests are charged to its
 * parent, else each subaccount (and there is no cap on them) would bring a
 * budget of its own and multiply the main account's (issue 15). */
static int rate_check(http_req_t *req, http_resp_t *resp, const account_t *who)
{
    api_ctx_t *ctx = req->app;
    unsigned retry;
    int64_t account_id = who->parent_id ? who->parent_id : who->id;
    if (!rl_check(ctx->rl, account_id, clock_now(), &retry)) {
        metrics_count(MET_RATE_LIMITED);
        char ra[16];
        snprintf(ra, sizeof ra, "%u", retry);
        api_error(req, resp, 429, "too many requests: rate limit exceeded");
        http_resp_header(resp, "Retry-After", ra);
        return C_ERR;
    }
    return C_OK;
}

int api_auth_admin(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    const char *tok;
    ev_actor_clear();
    if (authfail_blocked(req, resp) != C_OK) return C_ERR;
    if (ctx->admin_enabled && api_parse_bearer(http_header(req, "Authorization"), &tok) == C_OK) {
        uint8_t hash[IDS_HASH_SZ];
        ids_hash_secret(tok, strlen(tok), hash);
        if (ids_hash_equal(hash, ctx->admin_hash)) {
            /* one operator token: the actor is "admin" (no person behind it) */
            ev_actor_set("admin", "admin", api_request_id(req));
            return C_OK;
        }
    }
    authfail_note(req);
    api_error(req, resp, 401, "authentication failed: want Authorization: Bearer <admin token>");
    return C_ERR;
}
