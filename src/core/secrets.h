/* secrets.h -- the server key that encrypts SIP passwords at rest.
 *
 * SIP passwords must be shown back to their owner, so unlike auth tokens
 * they cannot be stored as hashes: they are sealed with libsodium's
 * crypto_secretbox (XSalsa20-Poly1305) under one server-wide key.
 *
 * Ownership: sec_key_load() hands the caller a sec_key_t that it owns and
 * releases with sec_key_free().  Boxes and plaintext buffers are the
 * caller's; nothing here keeps a pointer to them.  Error messages (*err)
 * are heap strings the caller frees.
 *
 * Threading: a loaded key is read-only (its page is mprotect'ed so), so one
 * sec_key_t may be shared by any number of threads calling
 * sec_key_fingerprint(), sec_seal() and sec_open() at once without locking.
 * sec_key_free() must not race with those calls.  ids_init() (sodium_init())
 * must have run before any call here.
 */
#ifndef ND_SECRETS_H
#define ND_SECRETS_H

#include "util/common.h"

#define SEC_KEY_SZ 32
#define SEC_PLAIN_MAX 128                     /* longest secret we seal */
#define SEC_BOX_MAX (24 + 16 + SEC_PLAIN_MAX) /* nonce || MAC || ciphertext */
#define SEC_FPR_SZ 17                         /* 16 hex chars + NUL */

typedef struct sec_key sec_key_t; /* opaque */

/* Loads the server key.  If env_hex is non-NULL (the value of
 * NUMBERD_SECRET_KEY) it must be exactly 64 hex characters (either case;
 * surrounding whitespace NOT allowed) and is used; path is then ignored.
 * Otherwise path names the key file:
 *  - if it exists it must be a regular file (not a symlink), owned by the
 *    effective uid, whose mode gives no permission to group or others (the
 *    error then names the mode and says "run: chmod 600 <path>"), containing
 *    exactly 64 hex characters optionally followed by one "\n";
 *  - if it does not exist, a fresh random key is written to it as 64
 *    lower-case hex + "\n", mode 0600, created with O_EXCL so that of two
 *    processes racing only one creates it and the other reads it; the file
 *    and its directory are fsync'd; *created = true.
 * env_hex == NULL and path == NULL: an ephemeral random key (":memory:"
 * databases), *created = true.
 * On success *out is the caller's (sec_key_free()).  On failure returns
 * C_ERR, *out = NULL, and *err is a one-line message naming the path (or
 * the variable) and the reason, which the caller frees.  The key bytes live
 * in sodium_malloc'd, read-only memory; temporary copies are wiped. */
int sec_key_load(const char *env_hex, const char *path, sec_key_t **out, bool *created,
                 char **err);
/* NULL is fine; wipes the key. */
void sec_key_free(sec_key_t *k);

/* A short public fingerprint that identifies the key without revealing it:
 * the first 8 bytes, as 16 lower-case hex chars, of the 32-byte BLAKE2b hash
 * (crypto_generichash) keyed with the key, over the fixed message
 * "numberd key fingerprint v1".  Stored in the database so that the server
 * can tell a wrong key from the right one at start; it must never change. */
void sec_key_fingerprint(const sec_key_t *k, char out[SEC_FPR_SZ]);

/* A key for another use (SEC_SUBKEY_SZ bytes), derived from the server
 * key and a context string ("numberd idempotency v1"): BLAKE2b keyed with
 * the server key over the context, so that no two uses share a key and the
 * derived key says nothing about the server key.  The caller wipes out. */
#define SEC_SUBKEY_SZ 32
void sec_key_derive(const sec_key_t *k, const char *context, uint8_t out[SEC_SUBKEY_SZ]);

/* Seals n (0..SEC_PLAIN_MAX) bytes: box = random 24-byte nonce ||
 * crypto_secretbox_easy output (16-byte MAC || ciphertext);
 * *boxlen = 24 + 16 + n.  C_ERR (and *boxlen = 0) if n > SEC_PLAIN_MAX. */
int sec_seal(const sec_key_t *k, const char *plain, size_t n, uint8_t box[SEC_BOX_MAX],
             size_t *boxlen);
/* Opens a box: plain gets the bytes plus a NUL, *n their count.  C_ERR for
 * a box too short or too long, forged, or sealed under another key; plain
 * is then all zeros and *n = 0. */
int sec_open(const sec_key_t *k, const uint8_t *box, size_t boxlen,
             char plain[SEC_PLAIN_MAX + 1], size_t *n);

/* Parses exactly 64 hex characters (either case, nothing else; s need not
 * be NUL-terminated) into 32 bytes, in constant time with respect to the
 * digits.  C_ERR (key zeroed) otherwise.  Exposed for tests and the CLI. */
int sec_parse_hex_key(const char *s, size_t n, uint8_t key[SEC_KEY_SZ]);

#endif
