/* md5.h -- MD5 (RFC 1321), for SIP digest authentication only.
 *
 * SIP digest (RFC 2617 / RFC 8760) still needs MD5: most carriers and every
 * SBC speak it, and libsodium has none.  MD5 is broken for collision
 * resistance; nothing in numberd uses it for anything but HTTP/SIP digest,
 * where the protocol fixes the algorithm.  Written from the RFC's text.
 *
 * The context is the caller's (stack); nothing here allocates. */
#ifndef ND_MD5_H
#define ND_MD5_H

#include <stddef.h>
#include <stdint.h>

#define MD5_DIGEST_SZ 16

typedef struct {
    uint32_t state[4];   /* A, B, C, D */
    uint64_t len;        /* bytes hashed so far */
    uint8_t buf[64];     /* the pending partial block */
    size_t fill;         /* bytes used in buf */
} md5_ctx_t;

void md5_init(md5_ctx_t *c);
void md5_update(md5_ctx_t *c, const void *data, size_t n);
/* Writes the digest and wipes the context. */
void md5_final(md5_ctx_t *c, uint8_t out[MD5_DIGEST_SZ]);
/* One-shot. */
void md5(const void *data, size_t n, uint8_t out[MD5_DIGEST_SZ]);

#endif
