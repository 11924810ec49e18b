/* b64.h -- strict decoding of standard base64 (RFC 4648 §4, with its
 * padding), as libsodium's sodium_base642bin(..., NULL, ...,
 * sodium_base64_VARIANT_ORIGINAL) decodes it: the whole input, padded to a
 * multiple of four, no whitespace, the unused bits of the last character
 * zero.  Not constant-time: for a request's own header (Basic
 * credentials), where the input is the sender's and every secret is
 * compared as a hash (ids_hash_equal); libsodium's decoder, constant-time,
 * was 9 % of a GET Number/{n}/'s instructions.
 */
#ifndef ND_B64_H
#define ND_B64_H

#include "util/common.h"

/* Decodes in[0..n) into out (room for cap bytes); *len gets the decoded
 * length.  Returns C_OK, or C_ERR (bad input, or more than cap bytes) with
 * *len 0 and out's contents unspecified.  The caller owns out. */
int b64_decode(const char *in, size_t n, unsigned char *out, size_t cap, size_t *len);

#endif
