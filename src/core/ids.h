/* ids.h -- identifiers and secrets (API.md §0 "Identifiers", "Secrets").
 *
 * All randomness comes from libsodium's CSPRNG; ids_init() must run once
 * before any other call (it calls sodium_init()).  Output buffers are the
 * caller's; sizes include the terminating NUL.
 */
#ifndef ND_IDS_H
#define ND_IDS_H

#include "util/common.h"

#define IDS_AUTH_ID_SZ 21    /* "MA" + 18 + NUL */
#define IDS_TOKEN_SZ 41      /* 40 + NUL */
#define IDS_APIKEY_SZ 52     /* "nd_live_" + 43 + NUL */
#define IDS_APIKEY_LEAD "nd_live_"  /* every API key starts with it */
#define IDS_UUID_SZ 37
#define IDS_HASH_SZ 32       /* BLAKE2b-256 */

int ids_init(void);

/* prefix is "MA" or "SA". */
void ids_auth_id(const char *prefix, char out[IDS_AUTH_ID_SZ]);
void ids_auth_token(char out[IDS_TOKEN_SZ]);
void ids_api_key(char out[IDS_APIKEY_SZ]);
void ids_uuid_v4(char out[IDS_UUID_SZ]);
/* The same shape (version 4, its variant bits; API.md's "UUID v4"), but
 * the first 48 bits are the time it was made, in milliseconds, and only
 * the other 74 are random: ids made one after another sort one after
 * another, so the index on them (a number's BYOC id, one made by every
 * purchase and every add) takes each new one on its last page instead of
 * a random page of a large index -- a page written to the log, and
 * copied again by the next checkpoint, for every write.  74 random bits
 * are still beyond guessing; the first 48 tell when the number was
 * added, to the millisecond (its added_on says the day), to whoever may
 * see the number anyway. */
void ids_uuid_v4_ordered(char out[IDS_UUID_SZ]);
/* n random decimal digits, the first one non-zero (carrier_id 14, app_id 17). */
void ids_digits(char *out, size_t n);

/* BLAKE2b-256 of a high-entropy secret: what is stored at rest. */
void ids_hash_secret(const char *secret, size_t n, uint8_t out[IDS_HASH_SZ]);
/* Constant-time equality of two hashes. */
bool ids_hash_equal(const uint8_t a[IDS_HASH_SZ], const uint8_t b[IDS_HASH_SZ]);
/* Wipes a secret from memory (not optimised away). */
void ids_wipe(void *p, size_t n);

/* Shape checks (no database): "MA"/"SA" + 18 of [A-Z0-9]. */
bool ids_is_auth_id(const char *s, size_t n);
bool ids_is_uuid(const char *s, size_t n);

#endif
