/* money.h -- amounts as integer counts of 1/100000 units (API.md §0).
 * Never a floating-point number anywhere on the path. */
#ifndef ND_MONEY_H
#define ND_MONEY_H

#include "util/common.h"

#define MONEY_SCALE 100000
#define MONEY_MAX INT64_C(999999999999999) /* 9,999,999,999.99999: plenty */
#define MONEY_STRSZ 32

/* Parses a non-negative decimal with at most 5 decimals ("0.8", "12",
 * "0.00500"); no sign, no exponent, no spaces.  C_ERR otherwise or when
 * larger than MONEY_MAX. */
int money_parse(const char *s, size_t n, int64_t *out);
/* Formats with exactly 5 decimals into out ("0.80000"); returns length. */
size_t money_format(int64_t v, char out[MONEY_STRSZ]);

#endif
