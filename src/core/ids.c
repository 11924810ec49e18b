#include "core/ids.h"

#include <sodium.h>
#include <string.h>
#include <time.h>

int ids_init(void)
{
    return sodium_init() < 0 ? C_ERR : C_OK;
}

static void random_from(const char *alphabet, uint32_t alen, char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) out[i] = alphabet[randombytes_uniform(alen)];
    out[n] = '\0';
}

void ids_auth_id(const char *prefix, char out[IDS_AUTH_ID_SZ])
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    out[0] = prefix[0];
    out[1] = prefix[1];
    random_from(a, 36, out + 2, 18);
}

void ids_auth_token(char out[IDS_TOKEN_SZ])
{
    static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    random_from(a, 62, out, 40);
}

void ids_api_key(char out[IDS_APIKEY_SZ])
{
    uint8_t raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(out, IDS_APIKEY_LEAD, 8);
    sodium_bin2base64(out + 8, IDS_APIKEY_SZ - 8, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

/* UUIDs are made per request (every request's id), and randombytes_buf
 * is a getrandom(2) system call each time: ~1 % of an SBC lookup.  So each
 * thread draws 512 bytes at once and takes 16 at a time (one call per 32
 * UUIDs).  The bytes are the same CSPRNG output, used once each; a UUID
 * is an identifier, and nothing secret is made from this pool. */
static void uuid_bytes(uint8_t r[16])
{
    static _Thread_local uint8_t pool[512];
    static _Thread_local size_t used = sizeof pool;
    if (used == sizeof pool) {
        randombytes_buf(pool, sizeof pool);
        used = 0;
    }
    memcpy(r, pool + used, 16);
    sodium_memzero(pool + used, 16);
    used += 16;
}

static void uuid_text(uint8_t r[16], char out[IDS_UUID_SZ])
{
    static const char hex[] = "0123456789abcdef";
    r[6] = (uint8_t)((r[6] & 0x0f) | 0x40);
    r[8] = (uint8_t)((r[8] & 0x3f) | 0x80);
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hex[r[i] >> 4];
        out[o++] = hex[r[i] & 15];
    }
    out[o] = '\0';
}

void ids_uuid_v4(char out[IDS_UUID_SZ])
{
    uint8_t r[16];
    uuid_bytes(r);
    uuid_text(r, out);
}

void ids_uuid_v4_ordered(char out[IDS_UUID_SZ])
{
    uint8_t r[16];
    uuid_bytes(r);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    for (int i = 5; i >= 0; i--) {
        r[i] = (uint8_t)(ms & 0xff);
        ms >>= 8;
    }
    uuid_text(r, out);
}

void ids_digits(char *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (char)('0' + (i == 0 ? 1 + randombytes_uniform(9) : randombytes_uniform(10)));
    out[n] = '\0';
}

void ids_hash_secret(const char *secret, size_t n, uint8_t out[IDS_HASH_SZ])
{
    crypto_generichash(out, IDS_HASH_SZ, (const unsigned char *)secret, n, NULL, 0);
}

bool ids_hash_equal(const uint8_t a[IDS_HASH_SZ], const uint8_t b[IDS_HASH_SZ])
{
    return sodium_memcmp(a, b, IDS_HASH_SZ) == 0;
}

void ids_wipe(void *p, size_t n)
{
    sodium_memzero(p, n);
}

bool ids_is_auth_id(const char *s, size_t n)
{
    if (n != 20 || (s[0] != 'M' && s[0] != 'S') || s[1] != 'A') return false;
    for (size_t i = 2; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || nd_isdigit((unsigned char)s[i]))) return false;
    return true;
}

bool ids_is_uuid(const char *s, size_t n)
{
    if (n != 36) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!(nd_isdigit((unsigned char)c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}
