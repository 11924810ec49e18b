/* accounts.c -- accounts, API keys, authentication, compliance records. */
#include "core/accounts.h"
#include "core/core_int.h"
#include "core/credentials.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/log.h"
#include "core/country.h"
#include "core/events.h"
#include "core/numbers.h"

int acct_create(core_t *c, const char *name, acct_created_t *out, cerr_t *e)
{
    store_t *st = c->st;
    memset(out, 0, sizeof *out);
    if (name == NULL || !core_text_fits(name, 64, MODEL_NAME_SZ))
        return cerr(e, CE_INVALID, "invalid name: 1-64 characters, no control characters");

    account_t a = {0};
    snprintf(a.name, sizeof a.name, "%s", name);
    a.enabled = true;
    a.created_at = a.modified_at = clock_now();
    ids_auth_token(out->auth_token);
    ids_hash_secret(out->auth_token, strlen(out->auth_token), a.token_hash);
    ids_api_key(out->api_key);
    apikey_t k = {.scopes = SCOPE_READ | SCOPE_WRITE | SCOPE_KEYS, .created_at = a.created_at};
    ids_hash_secret(out->api_key, strlen(out->api_key), k.hash);
    core_key_prefix(out->api_key, k.prefix);
    snprintf(k.label, sizeof k.label, "first key");

    if (core_begin(c, e) != C_OK) goto fail;
    int rc = ST_CONFLICT;
    /* an auth_id collision is astronomically unlikely; retry anyway */
    for (int tries = 0; tries < 5 && rc == ST_CONFLICT; tries++) {
        ids_auth_id("MA", a.auth_id);
        rc = st->ops->account_insert(st, &a);
    }
    k.account_id = a.id;
    if (rc == ST_OK) rc = st->ops->apikey_create(st, &k);
    if (rc != ST_OK) {
        core_rollback(c);
        core_st(e, ST_ERR, "creating the account");
        goto fail;
    }
    ev_data_t d;
    ev_data_init(&d);
    ev_data_after_str(&d, "name", a.name);
    int r = ev_emit(c, "account.created", a.id, "account", a.auth_id, &d, e);
    if (r == C_OK) r = cred_key_event(c, &k, e);
    if (core_end(c, r, e) != C_OK) goto fail;
    memcpy(out->auth_id, a.auth_id, sizeof out->auth_id);
    memcpy(out->name, a.name, sizeof out->name);
    return C_OK;
fail:
    ids_wipe(out, sizeof *out);
    return C_ERR;
}

/* Every scope's name, once: the parser, the answers and the event log read
 * them here (the event once left one out). */
static const struct {
    unsigned bit;
    const char *name;
} k_scopes[ACCT_NSCOPES] = {
    {SCOPE_READ, "phone_numbers:read"},
    {SCOPE_WRITE, "phone_numbers:write"},
    {SCOPE_KEYS, "api_keys:manage"},
    {SCOPE_WEBHOOKS, "webhooks:manage"},
};

const char *acct_scope_name(unsigned scopes, int i)
{
    return i >= 0 && i < ACCT_NSCOPES && (scopes & k_scopes[i].bit) ? k_scopes[i].name : NULL;
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
        int i = 0;
        while (i < ACCT_NSCOPES && !(strlen(k_scopes[i].name) == n && memcmp(p, k_scopes[i].name, n) == 0)) i++;
        if (i == ACCT_NSCOPES) return C_ERR;
        scopes |= k_scopes[i].bit;
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
    apikey_t k;
    return cred_key_create(c, auth_id, scopes, NULL, 0, 0, &k, key, e);
}

/* ---- the credential cache ------------------------------------------------
 *
 * Every request authenticates; without a cache that is one or two database
 * lookups before any work.  Each thread keeps the accounts it verified
 * recently, keyed by the secret's hash, for at most ACCT_CACHE_SECONDS (and
 * never past the key's expiry or the end of a rotated token's grace).
 *
 * Revocation.  Any credential change made by this process bumps a
 * generation number that empties every thread's cache at once.  A change
 * made by ANOTHER node (or another process on the same SQLite file) also
 * bumps the credential epoch, one row in the database, in the change's own
 * transaction (credentials.c).  Each process reads that row at most once
 * every CRED_PROPAGATION_MS -- one thread does it, on its way through
 * authentication; the others go on meanwhile -- and bumps its generation
 * when the epoch moved.  So a revoked key, a rotated token or a suspended
 * account is refused everywhere within CRED_PROPAGATION_MS plus one
 * request, at the cost of a one-row read a few times a second per process
 * rather than one per request. */

#define ACCT_CACHE_SLOTS 64
#define ACCT_CACHE_SECONDS 2
/* last_used_at is written at most once a minute per key: a write per
 * request would serialise every request of a busy key on the database */
#define ACCT_TOUCH_SECONDS 60

typedef struct {
    uint8_t hash[IDS_HASH_SZ];     /* of auth_id + ":" + token, or of the API key */
    account_t acct;
    unsigned scopes;
    int64_t key_id;                /* the API key's id (the event log's actor); 0: Basic */
    int64_t until;                 /* when the credential itself stops; 0: never */
    int64_t expires;
    uint64_t gen;
    bool used;
} acct_cache_t;

static _Atomic uint64_t g_acct_gen = 1;
static _Atomic int64_t g_epoch_seen = 0;      /* 0: not read yet */
static _Atomic int64_t g_epoch_next_ms = 0;   /* when to read it again */
static _Thread_local acct_cache_t t_cache[ACCT_CACHE_SLOTS];

static void cache_gen_bump(void) { atomic_fetch_add_explicit(&g_acct_gen, 1, memory_order_release); }

void acct_cache_invalidate(void)
{
    cache_gen_bump();
    /* In a batch the change is not committed yet: another thread may
     * cache the old credential until it is, and this thread what the
     * batch wrote, which a failed batch never kept -- empty them again
     * once the batch is settled, either way. */
    if (core_in_batch()) core_on_settled(cache_gen_bump);
}

static int64_t mono_ms(void)
{
    return (int64_t)(clock_mono_ns() / 1000000u);
}

/* Reads the credential epoch when it is due (one thread at a time); a
 * moved epoch empties every thread's cache.  A failed read empties them
 * too: a node that cannot see the database cannot vouch for its cache. */
static void epoch_poll(core_t *c);
static _Thread_local core_t *t_poll_core; /* the batch's, for poll_after_batch */

static void poll_after_batch(void)
{
    if (t_poll_core) epoch_poll(t_poll_core);
}

static void epoch_poll(core_t *c)
{
    /* a batch's thread reads the batch's own epoch, not yet committed:
     * seen early, it would hide the move from the threads that cached
     * before the commit -- it polls once the batch is settled (a load of
     * writes alone would otherwise never poll, and another process's
     * change would wait for the cache's 2 s) */
    if (core_in_batch()) {
        t_poll_core = c;
        core_on_settled(poll_after_batch);
        return;
    }
    int64_t now = mono_ms(), next = atomic_load_explicit(&g_epoch_next_ms, memory_order_acquire);
    if (now < next) return;
    if (!atomic_compare_exchange_strong(&g_epoch_next_ms, &next, now + CRED_PROPAGATION_MS))
        return;   /* another thread is reading it */
    int64_t ep = 0;
    if (c->st->ops->cred_epoch_get(c->st, &ep) != ST_OK) {
        atomic_store(&g_epoch_seen, 0);
        acct_cache_invalidate();
        return;
    }
    if (atomic_exchange(&g_epoch_seen, ep) != ep) acct_cache_invalidate();
}

static acct_cache_t *cache_slot(const uint8_t hash[IDS_HASH_SZ])
{
    uint32_t k;
    memcpy(&k, hash, sizeof k);   /* the hash is uniform: any 4 bytes index */
    return &t_cache[k % ACCT_CACHE_SLOTS];
}

static bool cache_get(const uint8_t hash[IDS_HASH_SZ], account_t *out, unsigned *scopes,
                      int64_t *key_id, int64_t *until)
{
    acct_cache_t *e = cache_slot(hash);
    if (!e->used || e->gen != atomic_load_explicit(&g_acct_gen, memory_order_acquire) ||
        e->expires <= clock_now() || !ids_hash_equal(e->hash, hash))
        return false;
    *out = e->acct;
    if (scopes) *scopes = e->scopes;
    if (key_id) *key_id = e->key_id;
    if (until) *until = e->until;
    return true;
}

/* until: when the credential itself stops (0: never) */
static void cache_put(const uint8_t hash[IDS_HASH_SZ], const account_t *a, unsigned scopes,
                      int64_t key_id, uint64_t gen, int64_t until)
{
    acct_cache_t *e = cache_slot(hash);
    e->key_id = key_id;
    memcpy(e->hash, hash, IDS_HASH_SZ);
    e->acct = *a;
    e->scopes = scopes;
    e->until = until;
    e->expires = clock_now() + ACCT_CACHE_SECONDS;
    if (until && until < e->expires) e->expires = until;
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

/* The main account's status decides for its subaccounts. */
/* A row that a foreign key says exists was not found: main accounts are
 * never deleted, so the database is damaged (a page SQLite reads as no
 * row) -- the server's fault, never the caller's credentials: a 401
 * there counted towards the address's lockout, and valid keys of every
 * account from that address were refused 429 (a helper's audit, session
 * 37). */
static int fk_missing(const char *what, int64_t id)
{
    log_msg(LOG_ERROR, "auth: %s (id %lld) is missing although its reference exists: the "
            "database may be damaged (PRAGMA integrity_check / amcheck)", what, (long long)id);
    return ACCT_AUTH_FAULT;
}

static int status_verdict(int status)
{
    return status == ACCT_SUSPENDED ? ACCT_AUTH_SUSPENDED : status == ACCT_CLOSED ? C_ERR : C_OK;
}

int acct_auth_basic(core_t *c, const char *auth_id, const char *token, account_t *out)
{
    store_t *st = c->st;
    uint8_t h[IDS_HASH_SZ], key[IDS_HASH_SZ];
    int64_t until = 0;
    if (!ids_is_auth_id(auth_id, strlen(auth_id))) return C_ERR;
    epoch_poll(c);
    basic_key(auth_id, token, key);
    if (cache_get(key, out, NULL, NULL, NULL)) return C_OK;
    /* read the generation before the database: a change that lands in
     * between makes this entry stale at once */
    uint64_t gen = atomic_load_explicit(&g_acct_gen, memory_order_acquire);
    ids_hash_secret(token, strlen(token), h);
    int rc = st->ops->account_by_auth_id(st, auth_id, out);
    if (rc == ST_NOTFOUND) return C_ERR;
    if (rc != ST_OK) return ACCT_AUTH_FAULT;
    if (!ids_hash_equal(h, out->token_hash)) {
        /* the token a rotation replaced, during its grace period */
        if (out->old_token_until <= clock_now() || !ids_hash_equal(h, out->old_token_hash))
            return C_ERR;
        until = out->old_token_until;
    }
    if (!out->enabled || out->status == ACCT_CLOSED) return C_ERR;
    int verdict = status_verdict(out->status);
    if (out->parent_id) {
        account_t parent;
        rc = st->ops->account_by_id(st, out->parent_id, &parent);
        if (rc == ST_NOTFOUND) return fk_missing("a subaccount's main account", out->parent_id);
        if (rc != ST_OK) return ACCT_AUTH_FAULT;
        if (!parent.enabled) return C_ERR;
        if (verdict == C_OK) verdict = status_verdict(parent.status);
    }
    if (verdict != C_OK) return verdict;
    cache_put(key, out, 0, 0, gen, until);
    return C_OK;
}

int acct_auth_bearer(core_t *c, const char *key, account_t *out, unsigned *scopes)
{
    return acct_auth_bearer_key(c, key, out, scopes, NULL, NULL);
}

int acct_auth_bearer_key(core_t *c, const char *key, account_t *out, unsigned *scopes,
                         int64_t *key_id, int64_t *key_until)
{
    store_t *st = c->st;
    uint8_t h[IDS_HASH_SZ];
    apikey_t k;
    /* The lookup is by hash: a timing difference can reveal at most a hash
     * prefix of a random 256-bit key, which does not help an attacker. */
    ids_hash_secret(key, strlen(key), h);
    epoch_poll(c);
    if (cache_get(h, out, scopes, key_id, key_until)) return C_OK;
    uint64_t gen = atomic_load_explicit(&g_acct_gen, memory_order_acquire);
    int64_t now = clock_now();
    int rc = st->ops->apikey_by_hash(st, h, &k);
    if (rc == ST_NOTFOUND) return C_ERR;
    if (rc != ST_OK) return ACCT_AUTH_FAULT;
    if (k.revoked_at || (k.expires_at && k.expires_at <= now)) return C_ERR;
    rc = st->ops->account_by_id(st, k.account_id, out);
    if (rc == ST_NOTFOUND) return fk_missing("an API key's account", k.account_id);
    if (rc != ST_OK) return ACCT_AUTH_FAULT;
    if (!out->enabled) return C_ERR;
    int verdict = status_verdict(out->status);
    if (verdict != C_OK) return verdict;
    *scopes = k.scopes;
    /* best effort: a failed write of last_used_at is logged by the store
     * and refuses nobody; and it waits for no lock (tx_nowait): this
     * thread answers reads, /healthz among them, which another process's
     * long write lock held up 15 s a key before (a helper's audit,
     * session 37) */
    cerr_t te;
    /* never inside a caller's transaction: the touch would join it */
    if (now - k.last_used_at >= ACCT_TOUCH_SECONDS && core_tx_depth() == 0) {
        st->ops->tx_nowait(st, true);
        if (core_begin(c, &te) == C_OK)
            (void)core_end(c, st->ops->apikey_touch(st, k.id, now) == ST_OK ? C_OK : C_ERR, &te);
        st->ops->tx_nowait(st, false);
    }
    if (key_id) *key_id = k.id;
    if (key_until) *key_until = k.expires_at;
    cache_put(h, out, *scopes, k.id, gen, k.expires_at);
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
    /* as an API key or a token rotation: a closed account gets nothing new
     * (a helper's audit: a record, and its event to the account's webhooks) */
    if (a.status == ACCT_CLOSED) return cerr(e, CE_CONFLICT, "account %s is closed", auth_id);
    compliance_t cp = {.account_id = a.id, .approved = true};
    ids_uuid_v4(cp.id);
    memcpy(cp.country_iso, ct->iso, 3);
    snprintf(cp.number_type, sizeof cp.number_type, "%s", type);
    if (core_begin(c, e) != C_OK) return C_ERR;
    int r = core_st(e, st->ops->compliance_insert(st, &cp), NULL);
    if (r == C_OK) {
        ev_data_t d;
        ev_data_init(&d);
        ev_data_after_str(&d, "country_iso", cp.country_iso);
        ev_data_after_str(&d, "number_type", cp.number_type);
        ev_data_after_str(&d, "status", "approved");
        r = ev_emit(c, "compliance.created", a.id, "compliance", cp.id, &d, e);
    }
    if (core_end(c, r, e) != C_OK) return C_ERR;
    memcpy(id, cp.id, IDS_UUID_SZ);
    return C_OK;
}
