/* credentials.c -- API keys, token rotation, account status (credentials.h). */
#include "core/credentials.h"
#include "core/accounts.h"
#include "core/core_int.h"
#include "core/events.h"
#include "core/registrations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"

int cred_parse_duration(const char *s, int64_t max, int64_t *out)
{
    size_t n = s ? strlen(s) : 0;
    int64_t unit = 1;
    if (n == 0 || n > 12) return C_ERR;
    switch (s[n - 1]) {
    case 's': unit = 1; n--; break;
    case 'm': unit = 60; n--; break;
    case 'h': unit = 3600; n--; break;
    case 'd': unit = 86400; n--; break;
    default: break;
    }
    if (n == 0 || !nd_all_digits(s, n)) return C_ERR;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) v = v * 10 + (s[i] - '0');   /* <= 11 digits: no overflow */
    if (v > max / unit) return C_ERR;
    v *= unit;
    if (v < 1) return C_ERR;
    *out = v;
    return C_OK;
}

const char *cred_status_name(int status)
{
    switch (status) {
    case ACCT_SUSPENDED: return "suspended";
    case ACCT_CLOSED: return "closed";
    default: return "active";
    }
}

/* The main account auth_id (CE_NOTFOUND for a subaccount or none). */
static int main_account(core_t *c, const char *auth_id, account_t *a, cerr_t *e)
{
    if (auth_id == NULL || !ids_is_auth_id(auth_id, strlen(auth_id)))
        return cerr(e, CE_NOTFOUND, "no such account: %.32s", auth_id ? auth_id : "");
    int rc = c->st->ops->account_by_auth_id(c->st, auth_id, a);
    if (rc == ST_NOTFOUND || (rc == ST_OK && a->parent_id != 0))
        return cerr(e, CE_NOTFOUND, "no such account: %.32s", auth_id);
    return core_st(e, rc, NULL);
}

/* Ends a credential change: the epoch moves in the same transaction (the
 * other nodes see it within CRED_PROPAGATION_MS), then, once committed,
 * this process's caches are emptied. */
static int cred_end(core_t *c, int rc, cerr_t *e)
{
    if (rc == C_OK && c->st->ops->cred_epoch_bump(c->st) != ST_OK)
        rc = core_st(e, ST_ERR, "credential epoch");
    rc = core_end(c, rc, e);
    if (rc == C_OK) acct_cache_invalidate();
    return rc;
}

/* An API key's event: what the key may do and until when -- on the after
 * side for its creation, the before side for its revocation; never the
 * key, its hash or its prefix (the key's first characters). */
static int key_event(core_t *c, const apikey_t *k, const char *type, char side, cerr_t *e)
{
    char id[24], n[24];
    snprintf(id, sizeof id, "%lld", (long long)k->id);
    ev_data_t d;
    ev_data_init(&d);
    if (k->label[0]) {
        if (side == 'a') ev_data_after_str(&d, "label", k->label);
        else ev_data_before_str(&d, "label", k->label);
    }
    buf_t sc = BUF_INIT;
    buf_puts(&sc, "[");
    for (int i = 0; i < ACCT_NSCOPES; i++) {
        const char *name = acct_scope_name(k->scopes, i);
        if (name) buf_printf(&sc, "%s\"%s\"", sc.len > 1 ? "," : "", name);
    }
    buf_puts(&sc, "]");
    ev_data_raw(&d, side, "scopes", sc.data);
    buf_free(&sc);
    if (k->expires_at) {
        snprintf(n, sizeof n, "%lld", (long long)k->expires_at);
        ev_data_raw(&d, side, "expires_at", n);
    }
    return ev_emit(c, type, k->account_id, "api_key", id, &d, e);
}

int cred_key_event(core_t *c, const apikey_t *k, cerr_t *e)
{
    return key_event(c, k, "api_key.created", 'a', e);
}

int cred_key_create(core_t *c, const char *auth_id, unsigned scopes, const char *label,
                    int64_t expires_in, int64_t not_after, apikey_t *out, char key[IDS_APIKEY_SZ],
                    cerr_t *e)
{
    account_t a;
    memset(out, 0, sizeof *out);
    key[0] = '\0';
    if (scopes == 0 || (scopes & ~SCOPE_ALL)) return cerr(e, CE_INVALID, "invalid scopes");
    if (label && *label && !core_text_ok(label, CRED_LABEL_MAX))
        return cerr(e, CE_INVALID, "invalid label: 1-%d characters, no control characters",
                    CRED_LABEL_MAX);
    if (expires_in < 0 || expires_in > CRED_EXPIRY_MAX)
        return cerr(e, CE_INVALID, "invalid expiry: between 1 second and 10 years");
    /* the status read and the insert in one write transaction, the account
     * read under its lock (PostgreSQL; SQLite's write lock): a key made
     * while the account is being closed would otherwise outlive the
     * close's revocation of every key (found by the second review pass) */
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = main_account(c, auth_id, &a, e);
    if (rc == C_OK && a.status == ACCT_CLOSED)
        rc = cerr(e, CE_CONFLICT, "account %s is closed", a.auth_id);
    if (rc != C_OK) {
        core_rollback(c);
        return C_ERR;
    }
    out->account_id = a.id;
    out->scopes = scopes;
    out->created_at = clock_now();
    out->expires_at = expires_in ? out->created_at + expires_in : 0;
    /* a key made by a key that expires expires with it at the latest (a
     * helper's audit: an hour's key made one that never expired, and kept
     * its access) */
    if (not_after > 0 && (out->expires_at == 0 || out->expires_at > not_after))
        out->expires_at = not_after;
    snprintf(out->label, sizeof out->label, "%s", label ? label : "");
    ids_api_key(key);
    core_key_prefix(key, out->prefix);
    ids_hash_secret(key, strlen(key), out->hash);
    int r = core_st(e, c->st->ops->apikey_create(c->st, out), "api key create");
    if (r == C_OK) r = cred_key_event(c, out, e);
    if (core_end(c, r, e) != C_OK) {
        ids_wipe(key, IDS_APIKEY_SZ);
        return C_ERR;
    }
    core_key_prefix_show(out->prefix);
    return C_OK;
}

int cred_key_list(core_t *c, const char *auth_id, int limit, int offset, apikey_t *rows,
                  size_t *nrows, int64_t *total, cerr_t *e)
{
    account_t a;
    *nrows = 0;
    *total = 0;
    if (limit < 1 || limit > CRED_KEYS_MAX_LIMIT || offset < 0)
        return cerr(e, CE_INVALID, "invalid limit or offset");
    if (main_account(c, auth_id, &a, e) != C_OK) return C_ERR;
    if (core_st(e, c->st->ops->apikey_list(c->st, a.id, limit, offset, rows, nrows, total),
                NULL) != C_OK)
        return C_ERR;
    for (size_t i = 0; i < *nrows; i++) core_key_prefix_show(rows[i].prefix);
    return C_OK;
}

/* "nd_live_" and three random characters: enough to tell keys apart in a
 * list, 18 bits of a 256-bit secret; the store holds the three only
 * (core_int.h says why). */
void core_key_prefix(const char *key, char out[MODEL_KEY_PREFIX_SZ])
{
    snprintf(out, MODEL_KEY_PREFIX_SZ, "%.3s", key + strlen(IDS_APIKEY_LEAD));
}

void core_key_prefix_show(char prefix[MODEL_KEY_PREFIX_SZ])
{
    char tail[4];
    snprintf(tail, sizeof tail, "%.3s", prefix);
    snprintf(prefix, MODEL_KEY_PREFIX_SZ, "%s%s", IDS_APIKEY_LEAD, tail);
}

int cred_key_revoke(core_t *c, const char *auth_id, const char *key_id, unsigned held, cerr_t *e)
{
    account_t a;
    size_t n = key_id ? strlen(key_id) : 0;
    if (n == 0 || n > 18 || !nd_all_digits(key_id, n))
        return cerr(e, CE_NOTFOUND, "no such API key");
    int64_t id = strtoll(key_id, NULL, 10);
    if (main_account(c, auth_id, &a, e) != C_OK) return C_ERR;
    if (core_begin(c, e) != C_OK) return C_ERR;
    apikey_t k;
    int rc = c->st->ops->apikey_revoke(c->st, a.id, id, clock_now(), &k);
    /* the same words for another account's key as for none at all */
    int r = rc == ST_NOTFOUND ? cerr(e, CE_NOTFOUND, "no such API key")
                              : core_st(e, rc, NULL);
    /* as a key cannot make a key that may do more than itself, it cannot
     * unmake one: a leaked read + api_keys:manage key would otherwise
     * revoke every write key and lock the customer out (the revocation,
     * read back by RETURNING, is rolled back) */
    if (r == C_OK && (k.scopes & ~held) != 0)
        r = cerr(e, CE_FORBIDDEN, "a key cannot revoke a key with a scope it lacks");
    if (r == C_OK) r = key_event(c, &k, "api_key.revoked", 'b', e);
    return cred_end(c, r, e);
}

int cred_token_rotate(core_t *c, const char *auth_id, int64_t grace, char token[IDS_TOKEN_SZ],
                      int64_t *old_until, cerr_t *e)
{
    account_t a;
    uint8_t h[IDS_HASH_SZ];
    token[0] = '\0';
    if (old_until) *old_until = 0;
    if (grace < 0 || grace > CRED_GRACE_MAX)
        return cerr(e, CE_INVALID, "invalid grace period: 0 to 30 days");
    if (auth_id == NULL || !ids_is_auth_id(auth_id, strlen(auth_id)))
        return cerr(e, CE_NOTFOUND, "no such account: %.32s", auth_id ? auth_id : "");
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = c->st->ops->account_by_auth_id(c->st, auth_id, &a);   /* locks it (PostgreSQL) */
    int r;
    if (rc == ST_NOTFOUND) {
        r = cerr(e, CE_NOTFOUND, "no such account: %s", auth_id);
    } else if (rc != ST_OK) {
        r = core_st(e, rc, NULL);
    } else if (a.status == ACCT_CLOSED) {
        r = cerr(e, CE_CONFLICT, "account %s is closed", a.auth_id);
    } else {
        int64_t now = clock_now(), until = grace ? now + grace : 0;
        ids_auth_token(token);
        ids_hash_secret(token, strlen(token), h);
        r = core_st(e, c->st->ops->account_set_token(c->st, a.id, h, grace ? a.token_hash : NULL,
                                                     until, now),
                    NULL);
        if (r == C_OK && old_until) *old_until = until;
        if (r == C_OK) {
            /* when the old token stops working; never a token or a hash */
            ev_data_t d;
            ev_data_init(&d);
            ev_data_secret(&d, "auth_token");
            ev_data_after_int(&d, "old_token_valid_until", until);
            r = ev_emit(c, "auth_token.rotated", a.parent_id ? a.parent_id : a.id,
                        a.parent_id ? "subaccount" : "account", a.auth_id, &d, e);
        }
    }
    r = cred_end(c, r, e);
    if (r != C_OK) ids_wipe(token, IDS_TOKEN_SZ);
    return r;
}

/* A closure releases every number at once (one statement): each is named
 * first, one event number.released (inventory) or number.removed (the
 * customer's own) per number, in the closure's transaction, so that a
 * consumer of the log (billing, webhooks) learns of each.  Read in pages
 * before the release, in number order. */
static int released_events(core_t *c, const account_t *a, cerr_t *e)
{
    enum { PAGE = 100 };
    owned_number_t *rows = xcalloc(PAGE, sizeof *rows);
    numlist_q_t q;
    memset(&q, 0, sizeof q);
    q.owner_id = a->id;
    q.limit = PAGE;
    int r = C_OK;
    for (;;) {
        size_t n = 0;
        int64_t total = 0;
        r = core_st(e, c->st->ops->number_list(c->st, &q, rows, &n, &total), "account numbers");
        for (size_t i = 0; r == C_OK && i < n; i++)
            r = owned_release_event(c, a->id, &rows[i], "account closed", e);
        if (r != C_OK || n < PAGE) break;
        q.offset += PAGE;
    }
    free(rows);
    return r;
}

/* A closure revokes every key still active at once (one statement): each
 * is named first, one api_key.revoked per key, in the closure's
 * transaction (before, a search of the log for a key found it never
 * revoked: a helper's audit, session 38).  Read in pages before the
 * revocation; the account's row is held, so no key is made meanwhile. */
static int revoked_events(core_t *c, const account_t *a, cerr_t *e)
{
    enum { PAGE = 100 };
    apikey_t *rows = xcalloc(PAGE, sizeof *rows);
    int r = C_OK;
    for (int offset = 0;; offset += PAGE) {
        size_t n = 0;
        int64_t total = 0;
        r = core_st(e, c->st->ops->apikey_list(c->st, a->id, PAGE, offset, rows, &n, &total),
                    "account API keys");
        for (size_t i = 0; r == C_OK && i < n; i++)
            if (rows[i].revoked_at == 0) r = key_event(c, &rows[i], "api_key.revoked", 'b', e);
        if (r != C_OK || n < PAGE) break;
    }
    free(rows);
    return r;
}

static int set_status_once(core_t *c, const char *auth_id, int status, int64_t *released,
                           cerr_t *e)
{
    account_t a;
    if (released) *released = 0;
    if (core_begin(c, e) != C_OK) return C_ERR;
    int r = main_account(c, auth_id, &a, e);
    if (r == C_OK && a.status == ACCT_CLOSED)
        r = cerr(e, CE_CONFLICT, "account %s is closed", a.auth_id);
    if (r == C_OK)
        r = core_st(e, c->st->ops->account_set_status(c->st, a.id, status, clock_now()), NULL);
    if (r == C_OK && status == ACCT_CLOSED) {
        int64_t n = 0;
        r = revoked_events(c, &a, e);
        if (r == C_OK) r = core_st(e, c->st->ops->apikey_revoke_all(c->st, a.id, clock_now()), NULL);
        if (r == C_OK) r = released_events(c, &a, e);
        if (r == C_OK)
            r = core_st(e, c->st->ops->number_release_all(c->st, a.id, c->aging_days == 0, &n),
                        NULL);
        if (r == C_OK && released) *released = n;
    }
    if (r == C_OK && a.status != status) { /* suspending a suspended account changes nothing */
        ev_data_t d;
        ev_data_init(&d);
        ev_data_str(&d, "status", cred_status_name(a.status), cred_status_name(status));
        r = ev_emit(c,
                    status == ACCT_CLOSED      ? "account.closed"
                    : status == ACCT_SUSPENDED ? "account.suspended"
                                               : "account.resumed",
                    a.id, "account", a.auth_id, &d, e);
    }
    r = cred_end(c, r, e);
    /* its reg trunks stop registering (suspended, closed) or start again
     * (resumed) now, not at the client's next full reload */
    if (r == C_OK) reg_kick();
    return r;
}

/* Closing releases every number of the account in one statement, in the
 * order the plan gives, taking counter rows along the way: a release or a
 * subaccount's delete beside it can meet it the other way. */
static int set_status(core_t *c, const char *auth_id, int status, int64_t *released, cerr_t *e)
{
    int r, tries = 0;
    do r = set_status_once(c, auth_id, status, released, e);
    while (r != C_OK && core_retry(c, &tries, e));
    return r;
}

int cred_account_suspend(core_t *c, const char *auth_id, cerr_t *e)
{
    return set_status(c, auth_id, ACCT_SUSPENDED, NULL, e);
}

int cred_account_resume(core_t *c, const char *auth_id, cerr_t *e)
{
    return set_status(c, auth_id, ACCT_ACTIVE, NULL, e);
}

int cred_account_close(core_t *c, const char *auth_id, int64_t *released, cerr_t *e)
{
    return set_status(c, auth_id, ACCT_CLOSED, released, e);
}
