/* digest.h -- the client side of HTTP/SIP Digest authentication (RFC 2617,
 * RFC 7616, RFC 8760 for SIP): read a WWW-/Proxy-Authenticate challenge,
 * answer it with MD5 or SHA-256, qop=auth (or none, RFC 2069 style, when
 * the server offers no qop), nc and cnonce.
 *
 * Ownership: challenges point into the message they were parsed from
 * (sip_str_t, no copy); answers are appended to the caller's buf_t.  The
 * password is read, never kept; HA1 buffers are wiped before returning. */
#ifndef ND_SIP_DIGEST_H
#define ND_SIP_DIGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "sip/sipmsg.h"
#include "util/buf.h"
#include "util/digest.h"

typedef struct {
    sip_str_t realm, nonce, opaque;
    digest_alg_t alg;
    bool qop_auth;      /* qop offers "auth" */
    bool stale;
} dig_chal_t;

/* Parses one challenge value ("Digest realm=..., nonce=..., ...").  C_ERR
 * when it is not Digest, lacks realm or nonce, or names an algorithm we do
 * not speak (-sess variants, SHA-512-256, unknown tokens), or offers only
 * qop=auth-int. */
int dig_chal_parse(sip_str_t value, dig_chal_t *c);

/* Of up to n challenge values, the strongest we can answer (SHA-256 over
 * MD5, RFC 8760 §2.4: the client picks the first it supports in the
 * server's order of preference, which lists the strongest first).  C_ERR:
 * none usable. */
int dig_chal_pick(const sip_str_t *values, size_t n, dig_chal_t *out);

/* Appends the header value ("Digest username=\"...\", ...") answering c
 * for method and uri.  nc: the nonce count (1 for a fresh nonce); cnonce:
 * at least 8 characters of [A-Za-z0-9].  C_ERR when a field holds a quote,
 * backslash, CR or LF (it could not be quoted safely). */
int dig_answer(const dig_chal_t *c, const char *user, const char *pass, const char *method,
               const char *uri, uint32_t nc, const char *cnonce, buf_t *out);

#endif
