#include "core/money.h"

#include <stdint.h>
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
    /* digits by hand, not snprintf: every number a list renders carries
     * four amounts */
    if (v < 0) v = 0; /* amounts are never negative; defensive */
    uint64_t whole = (uint64_t)v / MONEY_SCALE, frac = (uint64_t)v % MONEY_SCALE;
    char rev[24];
    size_t k = 0, o = 0;
    do {
        rev[k++] = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole);
    while (k) out[o++] = rev[--k];
    out[o++] = '.';
    for (int d = 4; d >= 0; d--) {
        out[o + (size_t)d] = (char)('0' + frac % 10);
        frac /= 10;
    }
    o += 5;
    out[o] = '\0';
    return o;
}
