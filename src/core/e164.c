#include "core/e164.h"

#include <string.h>

#include "core/country.h"

int e164_parsen(const char *in, size_t n, char out[E164_BUFSZ], unsigned *cc)
{
    if (in == NULL) return C_ERR;
    if (n > 0 && in[0] == '+') {
        in++;
        n--;
    }
    if (n < 8 || n > E164_MAX || !nd_all_digits(in, n)) return C_ERR;

    unsigned code;
    size_t cc_len;
    if (country_calling_code(in, n, &code, &cc_len) != C_OK) return C_ERR;
    if (code == 1) {
        /* NANP: 1 + NPA(3) + NXX(3) + line(4), N = 2-9. */
        if (n != 11 || in[1] < '2' || in[4] < '2') return C_ERR;
    }
    memcpy(out, in, n);
    out[n] = '\0';
    if (cc) *cc = code;
    return C_OK;
}

int e164_parse(const char *in, char out[E164_BUFSZ], unsigned *cc)
{
    if (in == NULL) return C_ERR;
    return e164_parsen(in, strlen(in), out, cc);
}
