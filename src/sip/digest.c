/* digest.c -- answering Digest challenges (digest.h).  Hashing is
 * util/digest.c's; this file reads challenges and writes Authorization
 * values. */
#include "sip/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ids.h"
#include "util/common.h"

static bool ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* One auth-param from s at *i: name and value (quotes removed; escapes
 * left in place, we only compare or copy them verbatim).  false at the
 * end or on a malformed param. */
static bool next_param(sip_str_t s, size_t *i, sip_str_t *name, sip_str_t *val)
{
    size_t k = *i;
    while (k < s.n && (ws(s.p[k]) || s.p[k] == ',')) k++;
    if (k >= s.n) return false;
    size_t b = k;
    while (k < s.n && !ws(s.p[k]) && s.p[k] != '=' && s.p[k] != ',') k++;
    *name = (sip_str_t){s.p + b, k - b};
    while (k < s.n && ws(s.p[k])) k++;
    if (k >= s.n || s.p[k] != '=' || name->n == 0) return false;
    k++;
    while (k < s.n && ws(s.p[k])) k++;
    if (k < s.n && s.p[k] == '"') {
        size_t q = ++k;
        while (k < s.n && s.p[k] != '"') k += (s.p[k] == '\\' && k + 1 < s.n) ? 2 : 1;
        if (k >= s.n) return false; /* unterminated */
        *val = (sip_str_t){s.p + q, k - q};
        k++;
    } else {
        size_t q = k;
        while (k < s.n && s.p[k] != ',' && !ws(s.p[k])) k++;
        *val = (sip_str_t){s.p + q, k - q};
    }
    *i = k;
    return true;
}

/* qop="auth,auth-int": is "auth" one of the list? */
static bool has_auth(sip_str_t v)
{
    size_t i = 0;
    while (i < v.n) {
        while (i < v.n && (ws(v.p[i]) || v.p[i] == ',')) i++;
        size_t b = i;
        while (i < v.n && v.p[i] != ',' && !ws(v.p[i])) i++;
        if (sip_str_ieq((sip_str_t){v.p + b, i - b}, "auth")) return true;
    }
    return false;
}

int dig_chal_parse(sip_str_t value, dig_chal_t *c)
{
    memset(c, 0, sizeof *c);
    c->alg = DIGEST_MD5; /* no algorithm parameter: MD5 (RFC 2617 §3.2.1) */
    if (value.n < 7 || !sip_str_ieq((sip_str_t){value.p, 6}, "digest") || !ws(value.p[6]))
        return C_ERR;
    sip_str_t s = {value.p + 7, value.n - 7}, n, v;
    size_t i = 0;
    bool qop_given = false;
    while (next_param(s, &i, &n, &v)) {
        if (sip_str_ieq(n, "realm")) c->realm = v;
        else if (sip_str_ieq(n, "nonce")) c->nonce = v;
        else if (sip_str_ieq(n, "opaque")) c->opaque = v;
        else if (sip_str_ieq(n, "stale")) c->stale = sip_str_ieq(v, "true");
        else if (sip_str_ieq(n, "qop")) {
            qop_given = true;
            c->qop_auth = has_auth(v);
        } else if (sip_str_ieq(n, "algorithm")) {
            if (sip_str_ieq(v, "md5")) c->alg = DIGEST_MD5;
            else if (sip_str_ieq(v, "sha-256")) c->alg = DIGEST_SHA256;
            else return C_ERR;
        }
    }
    if (i < s.n) {
        /* trailing garbage: skip blanks and commas before deciding */
        while (i < s.n && (ws(s.p[i]) || s.p[i] == ',')) i++;
        if (i < s.n) return C_ERR;
    }
    if (!c->realm.p || !c->nonce.p || c->nonce.n == 0) return C_ERR;
    if (qop_given && !c->qop_auth) return C_ERR; /* auth-int only: we sign no body */
    return C_OK;
}

int dig_chal_pick(const sip_str_t *values, size_t n, dig_chal_t *out)
{
    bool found = false;
    for (size_t i = 0; i < n; i++) {
        dig_chal_t c;
        if (dig_chal_parse(values[i], &c) != C_OK) continue;
        if (!found || (c.alg == DIGEST_SHA256 && out->alg != DIGEST_SHA256)) *out = c;
        found = true;
    }
    return found ? C_OK : C_ERR;
}

/* A value that can sit inside quotes as it is. */
static bool quotable(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"' || s[i] == '\\' || s[i] == '\r' || s[i] == '\n' || s[i] == '\0') return false;
    return true;
}

int dig_answer(const dig_chal_t *c, const char *user, const char *pass, const char *method,
               const char *uri, uint32_t nc, const char *cnonce, buf_t *out)
{
    int rc = C_ERR;
    char *realm = xstrndup(c->realm.p, c->realm.n), *nonce = xstrndup(c->nonce.p, c->nonce.n);
    char ha1[DIGEST_HEX_SZ], ha2[DIGEST_HEX_SZ], resp[DIGEST_HEX_SZ], ncs[9];
    if (!quotable(user, strlen(user)) || !quotable(uri, strlen(uri)) ||
        !quotable(realm, strlen(realm)) || !quotable(nonce, strlen(nonce)) ||
        !quotable(cnonce, strlen(cnonce)) || !quotable(c->opaque.p ? c->opaque.p : "", c->opaque.n) ||
        strpbrk(method, "\r\n"))
        goto done;
    digest_ha1(c->alg, user, realm, pass, ha1);
    const char *p2[] = {method, uri};
    digest_hash_join(c->alg, ha2, 2, p2);
    snprintf(ncs, sizeof ncs, "%08x", (unsigned)nc);
    if (c->qop_auth) {
        const char *p[] = {ha1, nonce, ncs, cnonce, "auth", ha2};
        digest_hash_join(c->alg, resp, 6, p);
    } else {
        const char *p[] = {ha1, nonce, ha2};
        digest_hash_join(c->alg, resp, 3, p);
    }
    buf_printf(out, "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", response=\"%s\", "
                    "algorithm=%s",
               user, realm, nonce, uri, resp, c->alg == DIGEST_SHA256 ? "SHA-256" : "MD5");
    if (c->qop_auth) buf_printf(out, ", qop=auth, nc=%s, cnonce=\"%s\"", ncs, cnonce);
    if (c->opaque.p) buf_printf(out, ", opaque=\"%.*s\"", (int)c->opaque.n, c->opaque.p);
    rc = C_OK;
done:
    ids_wipe(ha1, sizeof ha1);
    free(realm);
    free(nonce);
    return rc;
}
