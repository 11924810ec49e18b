/* md5.c -- MD5 from RFC 1321 §3 (see md5.h for why numberd has it).
 *
 * The four rounds are written as the RFC states them: 64 steps, each
 * a = b + ((a + F(b,c,d) + X[k] + T[i]) <<< s), with T[i] the integer part of
 * 2^32 * |sin(i)| (the table below, i = 1..64) and the shifts of §3.4. */
#include "util/md5.h"

#include <string.h>

#include <sodium.h>

static const uint32_t md5_t[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* Per-round shift amounts (§3.4: S11..S44), four per round. */
static const uint8_t md5_s[4][4] = {
    {7, 12, 17, 22}, {5, 9, 14, 20}, {4, 11, 16, 23}, {6, 10, 15, 21}};

static uint32_t rotl(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* One 16-word block (§3.4).  The word index k per step: round 1 takes i,
 * round 2 (1 + 5i) mod 16, round 3 (5 + 3i) mod 16, round 4 7i mod 16. */
static void md5_block(uint32_t st[4], const uint8_t blk[64])
{
    uint32_t x[16];
    for (int i = 0; i < 16; i++)
        x[i] = le32(blk + 4 * i);
    uint32_t a = st[0], b = st[1], c = st[2], d = st[3];
    for (unsigned i = 0; i < 64; i++) {
        uint32_t f;
        unsigned k;
        unsigned r = i / 16;
        if (r == 0) {
            f = (b & c) | (~b & d);
            k = i;
        } else if (r == 1) {
            f = (b & d) | (c & ~d);
            k = (1 + 5 * i) % 16;
        } else if (r == 2) {
            f = b ^ c ^ d;
            k = (5 + 3 * i) % 16;
        } else {
            f = c ^ (b | ~d);
            k = (7 * i) % 16;
        }
        uint32_t t = a + f + x[k] + md5_t[i];
        a = d;
        d = c;
        c = b;
        b = b + rotl(t, md5_s[r][i % 4]);
    }
    st[0] += a;
    st[1] += b;
    st[2] += c;
    st[3] += d;
    sodium_memzero(x, sizeof x);
}

void md5_init(md5_ctx_t *c)
{
    /* §3.3: the initial words, low-order byte first. */
    c->state[0] = 0x67452301;
    c->state[1] = 0xefcdab89;
    c->state[2] = 0x98badcfe;
    c->state[3] = 0x10325476;
    c->len = 0;
    c->fill = 0;
}

void md5_update(md5_ctx_t *c, const void *data, size_t n)
{
    const uint8_t *p = data;
    c->len += n;
    if (c->fill) {
        size_t take = 64 - c->fill < n ? 64 - c->fill : n;
        memcpy(c->buf + c->fill, p, take);
        c->fill += take;
        p += take;
        n -= take;
        if (c->fill < 64)
            return;
        md5_block(c->state, c->buf);
        c->fill = 0;
    }
    while (n >= 64) {
        md5_block(c->state, p);
        p += 64;
        n -= 64;
    }
    if (n) {
        memcpy(c->buf, p, n);
        c->fill = n;
    }
}

void md5_final(md5_ctx_t *c, uint8_t out[MD5_DIGEST_SZ])
{
    /* §3.1-3.2: a 1 bit, zeros to 56 mod 64 bytes, the bit length (64-bit LE). */
    uint64_t bits = c->len * 8;
    static const uint8_t pad[64] = {0x80};
    size_t padn = c->fill < 56 ? 56 - c->fill : 120 - c->fill;
    md5_update(c, pad, padn);
    uint8_t lenb[8];
    for (int i = 0; i < 8; i++)
        lenb[i] = (uint8_t)(bits >> (8 * i));
    md5_update(c, lenb, 8);
    for (int i = 0; i < 4; i++) {
        out[4 * i] = (uint8_t)c->state[i];
        out[4 * i + 1] = (uint8_t)(c->state[i] >> 8);
        out[4 * i + 2] = (uint8_t)(c->state[i] >> 16);
        out[4 * i + 3] = (uint8_t)(c->state[i] >> 24);
    }
    sodium_memzero(c, sizeof *c);
}

void md5(const void *data, size_t n, uint8_t out[MD5_DIGEST_SZ])
{
    md5_ctx_t c;
    md5_init(&c);
    md5_update(&c, data, n);
    md5_final(&c, out);
}
