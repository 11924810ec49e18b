/* fuzz_e164.c -- phone numbers (e164_parse, e164_parsen).
 *
 * Properties: both entry points agree; an accepted number is 8-15 digits
 * (11 for NANP, with NPA and NXX starting 2-9), the input was exactly
 * those digits with at most a leading '+', its calling code is a prefix of
 * it, and the canonical form parses to itself. */
#include "fuzz.h"

#include <string.h>

#include "core/e164.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);
    char out[E164_BUFSZ], out2[E164_BUFSZ];
    unsigned cc = 0, cc2 = 0;
    int rc = e164_parse(s, out, &cc);
    int rc2 = e164_parsen((const char *)data, size, out2, &cc2);
    if (memchr(data, '\0', size) == NULL) {
        FUZZ_CHECK(rc == rc2);
        if (rc == C_OK) FUZZ_CHECK(strcmp(out, out2) == 0 && cc == cc2);
    } else {
        FUZZ_CHECK(rc2 == C_ERR); /* a NUL byte is never part of a number */
    }
    if (rc == C_OK) {
        size_t n = strlen(out);
        FUZZ_CHECK(n >= 8 && n <= E164_MAX);
        FUZZ_CHECK(nd_all_digits(out, n));
        FUZZ_CHECK(strcmp(s, out) == 0 || (s[0] == '+' && strcmp(s + 1, out) == 0));
        char ccs[8];
        snprintf(ccs, sizeof ccs, "%u", cc);
        FUZZ_CHECK(cc >= 1 && strncmp(out, ccs, strlen(ccs)) == 0);
        if (out[0] == '1') {
            FUZZ_CHECK(n == 11 && cc == 1);
            FUZZ_CHECK(out[1] >= '2' && out[4] >= '2');
        }
        char again[E164_BUFSZ];
        unsigned cc3 = 0;
        FUZZ_CHECK(e164_parse(out, again, &cc3) == C_OK && strcmp(again, out) == 0 && cc3 == cc);
    }
    free(s);
    return 0;
}
