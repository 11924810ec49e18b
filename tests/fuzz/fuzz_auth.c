/* fuzz_auth.c -- the Authorization header parsers (api_parse_basic,
 * api_parse_bearer).
 *
 * Properties: an accepted Basic header decodes to "id:secret" where id has
 * no ':' and neither has a NUL, and encoding them again gives back the
 * same credentials; an accepted Bearer token is a non-empty suffix of the
 * header without leading spaces. */
#include "fuzz.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"

static void check_basic(const char *h)
{
    char buf[API_BASIC_BUFSZ];
    const char *id, *secret;
    if (api_parse_basic(h, buf, &id, &secret) != C_OK) return;
    FUZZ_CHECK(strncasecmp(h, "Basic ", 6) == 0);
    FUZZ_CHECK(id == buf && strchr(id, ':') == NULL);
    size_t il = strlen(id), sl = strlen(secret);
    FUZZ_CHECK(secret == buf + il + 1 && il + 1 + sl < API_BASIC_BUFSZ);
    /* encode id:secret again: the same credentials come back */
    char plain[API_BASIC_BUFSZ];
    snprintf(plain, sizeof plain, "%s:%s", id, secret);
    char hdr[6 + sodium_base64_ENCODED_LEN(API_BASIC_BUFSZ, sodium_base64_VARIANT_ORIGINAL)];
    memcpy(hdr, "Basic ", 6);
    sodium_bin2base64(hdr + 6, sizeof hdr - 6, (const unsigned char *)plain, strlen(plain),
                      sodium_base64_VARIANT_ORIGINAL);
    char buf2[API_BASIC_BUFSZ];
    const char *id2, *secret2;
    FUZZ_CHECK(api_parse_basic(hdr, buf2, &id2, &secret2) == C_OK);
    FUZZ_CHECK(strcmp(id, id2) == 0 && strcmp(secret, secret2) == 0);
}

static void check_bearer(const char *h)
{
    const char *t;
    if (api_parse_bearer(h, &t) != C_OK) return;
    FUZZ_CHECK(strncasecmp(h, "Bearer ", 7) == 0);
    FUZZ_CHECK(t > h && t < h + strlen(h) && *t != ' ' && *t != '\0');
    FUZZ_CHECK(strlen(h) <= 300);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *h = fuzz_cstr(data, size);
    check_basic(h);
    check_bearer(h);
    /* the same bytes behind each scheme name, so that the decoders see
     * every input and not only those that start with the right word */
    size_t n = strlen(h);
    char *b = malloc(n + 8);
    if (b == NULL) abort();
    memcpy(b, "Basic ", 6);
    memcpy(b + 6, h, n + 1);
    check_basic(b);
    memcpy(b, "Bearer ", 7);
    memcpy(b + 7, h, n + 1);
    check_bearer(b);
    free(b);
    free(h);
    return 0;
}
