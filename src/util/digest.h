/* digest.h -- the hashes of SIP/HTTP digest authentication (RFC 2617,
 * RFC 8760): H(x) in MD5 or SHA-256, as lowercase hex.
 *
 * The SBC lookup (SIP.md §3) hands the SBC HA1 = H(username:realm:password)
 * so the password never leaves numberd; the registration client (SIP.md §5)
 * computes HA1, HA2 = H(method:uri) and the response
 * H(HA1:nonce[:nc:cnonce:qop]:HA2).  All of these are H over fields joined by
 * ':', hence one function.  Output buffers are the caller's; nothing here
 * allocates.  Intermediate buffers holding secrets are wiped. */
#ifndef ND_DIGEST_H
#define ND_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

typedef enum { DIGEST_MD5 = 0, DIGEST_SHA256 = 1 } digest_alg_t;

/* Big enough for either algorithm's hex and its NUL (SHA-256: 64 + 1). */
#define DIGEST_HEX_SZ 65

/* Hex length of the algorithm's digest: 32 (MD5) or 64 (SHA-256). */
size_t digest_hex_len(digest_alg_t alg);

/* RFC 8760 algorithm names: "MD5" / "SHA-256" (case-insensitive; a missing
 * algorithm parameter means MD5, so NULL and "" map to it).  "-sess"
 * variants are not supported.  False for anything else. */
bool digest_alg_parse(const char *name, digest_alg_t *out);

/* out = hex(H(parts[0] ":" parts[1] ":" ... parts[n-1])).  A NULL part is an
 * empty field. */
void digest_hash_join(digest_alg_t alg, char out[DIGEST_HEX_SZ], size_t n, const char *const *parts);

/* HA1 = hex(H(username ":" realm ":" password)). */
void digest_ha1(digest_alg_t alg, const char *username, const char *realm, const char *password,
                char out[DIGEST_HEX_SZ]);

#endif
