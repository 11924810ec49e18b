/* digest.c -- H() of SIP digest over ':'-joined fields (see digest.h).
 * MD5 is util/md5.c (libsodium has none); SHA-256 is libsodium's. */
#include "util/digest.h"

#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "util/md5.h"

size_t digest_hex_len(digest_alg_t alg)
{
    return alg == DIGEST_SHA256 ? 2 * crypto_hash_sha256_BYTES : 2 * MD5_DIGEST_SZ;
}

bool digest_alg_parse(const char *name, digest_alg_t *out)
{
    if (!name || !*name || !strcasecmp(name, "MD5")) {
        *out = DIGEST_MD5;
        return true;
    }
    if (!strcasecmp(name, "SHA-256")) {
        *out = DIGEST_SHA256;
        return true;
    }
    return false;
}

static void to_hex(const unsigned char *d, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void digest_hash_join(digest_alg_t alg, char out[DIGEST_HEX_SZ], size_t n, const char *const *parts)
{
    unsigned char d[crypto_hash_sha256_BYTES];
    size_t dn;
    if (alg == DIGEST_SHA256) {
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        for (size_t i = 0; i < n; i++) {
            if (i)
                crypto_hash_sha256_update(&st, (const unsigned char *)":", 1);
            if (parts[i])
                crypto_hash_sha256_update(&st, (const unsigned char *)parts[i], strlen(parts[i]));
        }
        crypto_hash_sha256_final(&st, d);
        sodium_memzero(&st, sizeof st);
        dn = crypto_hash_sha256_BYTES;
    } else {
        md5_ctx_t st;  /* md5_final wipes it */
        md5_init(&st);
        for (size_t i = 0; i < n; i++) {
            if (i)
                md5_update(&st, ":", 1);
            if (parts[i])
                md5_update(&st, parts[i], strlen(parts[i]));
        }
        md5_final(&st, d);
        dn = MD5_DIGEST_SZ;
    }
    to_hex(d, dn, out);
    sodium_memzero(d, sizeof d);
}

void digest_ha1(digest_alg_t alg, const char *username, const char *realm, const char *password,
                char out[DIGEST_HEX_SZ])
{
    const char *parts[3] = {username, realm, password};
    digest_hash_join(alg, out, 3, parts);
}
