#include "core/money.h"

#include <stdio.h>

int money_parse(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int64_t whole = 0, frac = 0;
    size_t wdigits = 0, fdigits = 0;

    while (i < n && nd_isdigit((unsigned char)s[i])) {
        if (whole > MONEY_MAX / MONEY_SCALE) return C_ERR;
        whole = whole * 10 + (s[i] - '0');
        i++;
        wdigits++;
    }
    if (wdigits == 0) return C_ERR;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && nd_isdigit((unsigned char)s[i])) {
            if (++fdigits > 5) return C_ERR;
            frac = frac * 10 + (s[i] - '0');
            i++;
        }
        if (fdigits == 0) return C_ERR; /* "1." is not a decimal we accept */
    }
    if (i != n) return C_ERR;
    for (size_t k = fdigits; k < 5; k++) frac *= 10;
    int64_t v = whole * MONEY_SCALE + frac;
    if (v > MONEY_MAX) return C_ERR;
    *out = v;
    return C_OK;
}

size_t money_format(int64_t v, char out[MONEY_STRSZ])
{
    if (v < 0) v = 0; /* amounts are never negative; defensive */
    int n = snprintf(out, MONEY_STRSZ, "%lld.%05lld", (long long)(v / MONEY_SCALE),
                     (long long)(v % MONEY_SCALE));
    return n > 0 ? (size_t)n : 0;
}
