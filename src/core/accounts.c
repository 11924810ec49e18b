/* accounts.c -- accounts, API keys, authentication, compliance records. */
#include "core/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/country.h"
#include "util/utf8.h"

int cerr(cerr_t *e, ce_t code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        e->code = code;
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return C_ERR;
}

bool core_text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    bool visible = false;
    if (n == 0 || n > max * 4 || !utf8_valid(s, n, NULL) || utf8_len(s, n) > max) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f) return false;
        /* C1 controls U+0080..U+009F are 0xC2 0x80..0x9F in UTF-8 */
        if (ch == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] <= 0x9f) return false;
        /* U+2028 / U+2029, line and paragraph separators: E2 80 A8/A9 */
        if (ch == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
            ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9))
            return false;
        if (ch != ' ') visible = true;
    }
    return visible; /* all blanks is not a name */
}

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

    if (st->ops->tx_begin(st, true) != ST_OK) goto fail;
    int rc = ST_CONFLICT;
    /* an auth_id collision is astronomically unlikely; retry anyway */
    for (int tries = 0; tries < 5 && rc == ST_CONFLICT; tries++) {
        ids_auth_id("MA", a.auth_id);
        rc = st->ops->account_insert(st, &a);
    }
    if (rc != ST_OK || st->ops->apikey_insert(st, a.id, key_hash, SCOPE_READ | SCOPE_WRITE) != ST_OK) {
        st->ops->tx_rollback(st);
        goto fail;
    }
    if (st->ops->tx_commit(st) != ST_OK) goto fail;
    memcpy(out->auth_id, a.auth_id, sizeof out->auth_id);
    memcpy(out->name, a.name, sizeof out->name);
    return C_OK;
fail:
    ids_wipe(out, sizeof *out);
    return cerr(e, CE_INTERNAL, "database error creating the account");
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
    if (rc != ST_OK) return cerr(e, CE_INTERNAL, "database error");
    uint8_t h[IDS_HASH_SZ];
    ids_api_key(key);
    ids_hash_secret(key, strlen(key), h);
    if (st->ops->apikey_insert(st, a.id, h, scopes) != ST_OK) {
        ids_wipe(key, IDS_APIKEY_SZ);
        return cerr(e, CE_INTERNAL, "database error");
    }
    return C_OK;
}

int acct_auth_basic(core_t *c, const char *auth_id, const char *token, account_t *out)
{
    store_t *st = c->st;
    uint8_t h[IDS_HASH_SZ];
    if (!ids_is_auth_id(auth_id, strlen(auth_id))) return C_ERR;
    ids_hash_secret(token, strlen(token), h);
    if (st->ops->account_by_auth_id(st, auth_id, out) != ST_OK) return C_ERR;
    if (!ids_hash_equal(h, out->token_hash) || !out->enabled) return C_ERR;
    if (out->parent_id) {
        account_t parent;
        if (st->ops->account_by_id(st, out->parent_id, &parent) != ST_OK || !parent.enabled)
            return C_ERR;
    }
    return C_OK;
}

int acct_auth_bearer(core_t *c, const char *key, account_t *out, unsigned *scopes)
{
    store_t *st = c->st;
    uint8_t h[IDS_HASH_SZ];
    int64_t account_id;
    /* The lookup is by hash: a timing difference can reveal at most a hash
     * prefix of a random 256-bit key, which does not help an attacker. */
    ids_hash_secret(key, strlen(key), h);
    if (st->ops->apikey_lookup(st, h, &account_id, scopes) != ST_OK) return C_ERR;
    if (st->ops->account_by_id(st, account_id, out) != ST_OK || !out->enabled) return C_ERR;
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
    if (rc != ST_OK) return cerr(e, CE_INTERNAL, "database error");
    compliance_t cp = {.account_id = a.id, .approved = true};
    ids_uuid_v4(cp.id);
    memcpy(cp.country_iso, ct->iso, 3);
    snprintf(cp.number_type, sizeof cp.number_type, "%s", type);
    if (st->ops->compliance_insert(st, &cp) != ST_OK)
        return cerr(e, CE_INTERNAL, "database error");
    memcpy(id, cp.id, IDS_UUID_SZ);
    return C_OK;
}
