/* accounts.c -- accounts, API keys, authentication, compliance records. */
#include "core/accounts.h"
#include "core/core_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "util/clock.h"
#include "core/country.h"
#include "core/numbers.h"

int acct_create(core_t *c, const char *name, acct_created_t *out, cerr_t *e)
{
    store_t *st = c->st;
    memset(out, 0, sizeof *out);
    if (name == NULL || !core_text_ok(name, 64))
        return cerr(e, CE_INVALID, "invalid name: 1-64 characters, no control characters");

    account_t a = {0};
    snprintf(a.name, sizeof a.name, "%s", name);
    a.enabled = true;
    a.created_at = a.modified_at = clock_now();
    ids_auth_token(out->auth_token);
    ids_hash_secret(out->auth_token, strlen(out->auth_token), a.token_hash);
    ids_api_key(out->api_key);
    uint8_t key_hash[IDS_HASH_SZ];
    ids_hash_secret(out->api_key, strlen(out->api_key), key_hash);

    if (core_begin(c, e) != C_OK) goto fail;
    int rc = ST_CONFLICT;
    /* an auth_id collision is astronomically unlikely; retry anyway */
    for (int tries = 0; tries < 5 && rc == ST_CONFLICT; tries++) {
        ids_auth_id("MA", a.auth_id);
        rc = st->ops->account_insert(st, &a);
    }
    if (rc == ST_OK) rc = st->ops->apikey_insert(st, a.id, key_hash, SCOPE_READ | SCOPE_WRITE);
    if (rc != ST_OK) {
        core_rollback(c);
        core_st(e, ST_ERR, "creating the account");
        goto fail;
    }
    if (core_commit(c, e) != C_OK) goto fail;
    memcpy(out->auth_id, a.auth_id, sizeof out->auth_id);
    memcpy(out->name, a.name, sizeof out->name);
    return C_OK;
fail:
    ids_wipe(out, sizeof *out);
    return C_ERR;
}

int acct_parse_scopes(const char *s, unsigned *out)
{
    unsigned scopes = 0;
    const char *p = s;
    if (s == NULL || *s == '\0') return C_ERR;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && *p == ' ') { p++; n--; }
        while (n && p[n - 1] == ' ') n--;
        if (n == 19 && memcmp(p, "phone_numbers:write", 19) == 0) scopes |= SCOPE_WRITE;
        else if (n == 18 && memcmp(p, "phone_numbers:read", 18) == 0) scopes |= SCOPE_READ;
        else return C_ERR;
        if (!end) break;
        p = end + 1;
        if (*p == '\0') return C_ERR;
    }
    *out = scopes;
    return C_OK;
}

int acct_apikey_create(core_t *c, const char *auth_id, unsigned scopes, char key[IDS_APIKEY_SZ],
                       cerr_t *e)
{
    store_t *st = c->st;
    account_t a;
    if (scopes == 0 || (scopes & ~(SCOPE_READ | SCOPE_WRITE)))
        return cerr(e, CE_INVALID, "invalid scopes");
    int rc = st->ops->account_by_auth_id(st, auth_id, &a);
    if (rc == ST_NOTFOUND || (rc == ST_OK && a.parent_id != 0))
        return cerr(e, CE_NOTFOUND, "no such account: %.32s", auth_id);
    if (rc != ST_OK) return core_st(e, rc, NULL);
    uint8_t h[IDS_HASH_SZ];
    ids_api_key(key);
    ids_hash_secret(key, strlen(key), h);
    if (st->ops->apikey_insert(st, a.id, h, scopes) != ST_OK) {
        ids_wipe(key, IDS_APIKEY_SZ);
        return core_st(e, ST_ERR, NULL);
    }
    return C_OK;
}

/* ---- the credential cache ------------------------------------------------
 *
 * Every request authenticates; without a cache that is one or two database
 * lookups before any work.  Each thread keeps the accounts it verified
 * recently, keyed by the secret's hash, for at most ACCT_CACHE_SECONDS.
 * Any change to an account made by this process (disable, delete, rename)
 * bumps a generation number that empties every thread's cache at once; a
 * change made by ANOTHER node (PostgreSQL deployments) is seen within
 * ACCT_CACHE_SECONDS -- the documented bound (docs/DEPLOYMENT.md). */

#define ACCT_CACHE_SLOTS 64
#define ACCT_CACHE_SECONDS 2

typedef struct {
    uint8_t hash[IDS_HASH_SZ];     /* of auth_id + ":" + token, or of the API key */
    account_t acct;
    unsigned scopes;
    int64_t expires;
    uint64_t gen;
    bool used;
} acct_cache_t;

static _Atomic uint64_t g_acct_gen = 1;
static _Thread_local acct_cache_t t_cache[ACCT_CACHE_SLOTS];

void acct_cache_invalidate(void)
{
    atomic_fetch_add_explicit(&g_acct_gen, 1, memory_order_release);
}

static acct_cache_t *cache_slot(const uint8_t hash[IDS_HASH_SZ])
{
    uint32_t k;
    memcpy(&k, hash, sizeof k);   /* the hash is uniform: any 4 bytes index */
    return &t_cache[k % ACCT_CACHE_SLOTS];
}

static bool cache_get(const uint8_t hash[IDS_HASH_SZ], account_t *out, unsigned *scopes)
{
    acct_cache_t *e = cache_slot(hash);
    if (!e->used || e->gen != atomic_load_explicit(&g_acct_gen, memory_order_acquire) ||
        e->expires <= clock_now() || !ids_hash_equal(e->hash, hash))
        return false;
    *out = e->acct;
    if (scopes) *scopes = e->scopes;
    return true;
}

static void cache_put(const uint8_t hash[IDS_HASH_SZ], const account_t *a, unsigned scopes,
                      uint64_t gen)
{
    acct_cache_t *e = cache_slot(hash);
    memcpy(e->hash, hash, IDS_HASH_SZ);
    e->acct = *a;
    e->scopes = scopes;
    e->expires = clock_now() + ACCT_CACHE_SECONDS;
    e->gen = gen;
    e->used = true;
}

/* hash of "auth_id:token": the cache key of a Basic credential */
static void basic_key(const char *auth_id, const char *token, uint8_t out[IDS_HASH_SZ])
{
    char buf[IDS_AUTH_ID_SZ + 1 + 256];
    int n = snprintf(buf, sizeof buf, "%s:%s", auth_id, token);
    ids_hash_secret(buf, n > 0 && (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1, out);
    ids_wipe(buf, sizeof buf);
}

/* The reading of a credential lookup's status: not found is a wrong
 * credential, anything else but ST_OK is the database's failure. */
static int auth_st(cerr_t *e, int rc)
{
    if (rc == ST_NOTFOUND) return cerr(e, CE_AUTH, "authentication failed");
    return core_st(e, rc, "authentication");
}

int acct_auth_basic(core_t *c, const char *auth_id, const char *token, account_t *out, cerr_t *e)
{
    store_t *st = c->st;
    uint8_t h[IDS_HASH_SZ], key[IDS_HASH_SZ];
    int rc;
    if (!ids_is_auth_id(auth_id, strlen(auth_id))) return auth_st(e, ST_NOTFOUND);
    basic_key(auth_id, token, key);
    if (cache_get(key, out, NULL)) return C_OK;
    /* read the generation before the database: a change that lands in
     * between makes this entry stale at once */
    uint64_t gen = atomic_load_explicit(&g_acct_gen, memory_order_acquire);
    ids_hash_secret(token, strlen(token), h);
    if ((rc = st->ops->account_by_auth_id(st, auth_id, out)) != ST_OK) return auth_st(e, rc);
    if (!ids_hash_equal(h, out->token_hash) || !out->enabled) return auth_st(e, ST_NOTFOUND);
    if (out->parent_id) {
        account_t parent;
        if ((rc = st->ops->account_by_id(st, out->parent_id, &parent)) != ST_OK)
            return auth_st(e, rc);
        if (!parent.enabled) return auth_st(e, ST_NOTFOUND);
    }
    cache_put(key, out, 0, gen);
    return C_OK;
}

int acct_auth_bearer(core_t *c, const char *key, account_t *out, unsigned *scopes, cerr_t *e)
{
    store_t *st = c->st;
    uint8_t h[IDS_HASH_SZ];
    int64_t account_id;
    int rc;
    /* The lookup is by hash: a timing difference can reveal at most a hash
     * prefix of a random 256-bit key, which does not help an attacker. */
    ids_hash_secret(key, strlen(key), h);
    if (cache_get(h, out, scopes)) return C_OK;
    uint64_t gen = atomic_load_explicit(&g_acct_gen, memory_order_acquire);
    if ((rc = st->ops->apikey_lookup(st, h, &account_id, scopes)) != ST_OK) return auth_st(e, rc);
    if ((rc = st->ops->account_by_id(st, account_id, out)) != ST_OK) return auth_st(e, rc);
    if (!out->enabled) return auth_st(e, ST_NOTFOUND);
    cache_put(h, out, *scopes, gen);
    return C_OK;
}

int acct_list(core_t *c, acct_cb cb, void *ud, cerr_t *e)
{
    return core_st(e, c->st->ops->account_list(c->st, cb, ud), NULL);
}

int acct_count(core_t *c, int64_t *n, cerr_t *e)
{
    *n = c->st->ops->account_count(c->st);
    return *n < 0 ? core_st(e, ST_ERR, NULL) : C_OK;
}

int acct_main_auth_id(core_t *c, const account_t *who, char out[IDS_AUTH_ID_SZ], cerr_t *e)
{
    if (who->parent_id == 0) {
        memcpy(out, who->auth_id, IDS_AUTH_ID_SZ);
        return C_OK;
    }
    return acct_auth_id_of(c, who->parent_id, out, e);
}

int acct_auth_id_of(core_t *c, int64_t id, char out[IDS_AUTH_ID_SZ], cerr_t *e)
{
    account_t a;
    /* the id comes from a row the caller just read: its absence is a fault */
    if (c->st->ops->account_by_id(c->st, id, &a) != ST_OK) return core_st(e, ST_ERR, NULL);
    memcpy(out, a.auth_id, IDS_AUTH_ID_SZ);
    return C_OK;
}

int compliance_create(core_t *c, const char *auth_id, const char *country_iso,
                      const char *number_type, char id[IDS_UUID_SZ], cerr_t *e)
{
    store_t *st = c->st;
    account_t a;
    const country_t *ct;
    const char *type;
    if (auth_id == NULL || !ids_is_auth_id(auth_id, strlen(auth_id)))
        return cerr(e, CE_INVALID, "invalid account: want an MA... auth_id");
    if (country_iso == NULL || country_by_iso(country_iso, &ct) != C_OK)
        return cerr(e, CE_INVALID, "invalid country ISO");
    if (number_type == NULL || num_parse_type(number_type, &type) != C_OK)
        return cerr(e, CE_INVALID,
                    "invalid number_type: want local, national, mobile, tollfree or fixed");
    int rc = st->ops->account_by_auth_id(st, auth_id, &a);
    if (rc == ST_NOTFOUND || (rc == ST_OK && a.parent_id != 0))
        return cerr(e, CE_NOTFOUND, "no such account: %s", auth_id);
    if (rc != ST_OK) return core_st(e, rc, NULL);
    compliance_t cp = {.account_id = a.id, .approved = true};
    ids_uuid_v4(cp.id);
    memcpy(cp.country_iso, ct->iso, 3);
    snprintf(cp.number_type, sizeof cp.number_type, "%s", type);
    if (st->ops->compliance_insert(st, &cp) != ST_OK) return core_st(e, ST_ERR, NULL);
    memcpy(id, cp.id, IDS_UUID_SZ);
    return C_OK;
}
