/* country.h -- ISO 3166-1 countries and ITU-T E.164 country calling codes.
 *
 * All data is static and read-only; every pointer returned points into
 * static tables and must not be freed.
 */
#ifndef ND_COUNTRY_H
#define ND_COUNTRY_H

#include "util/common.h"

typedef struct {
    char iso[3];          /* "US": ISO 3166-1 alpha-2, upper case */
    const char *name;     /* "UNITED STATES": upper-case English short name */
    unsigned calling_code;/* 1, 44, 1242 is NOT used: NANP members all have 1; 0 if none */
} country_t;

/* Looks up an alpha-2 code, case-insensitive ("us", "Us" ok).
 * Returns C_OK and sets *out, or C_ERR for anything that is not an
 * officially assigned alpha-2 code (including "", NULL, 3-letter codes). */
int country_by_iso(const char *iso, const country_t **out);

/* Finds the assigned ITU-T country calling code at the start of a digit
 * string (no '+').  Calling codes are prefix-free, so at most one matches.
 * On success returns C_OK and sets *cc (e.g. 44) and *cc_len (e.g. 2).
 * Returns C_ERR when the digits do not begin with an assigned code
 * (spare codes such as 28x, 80 alone, 83x, 89x... are not assigned). */
int country_calling_code(const char *digits, size_t n, unsigned *cc, size_t *cc_len);

/* Number of entries and indexed access, for iteration (e.g. tests). */
size_t country_count(void);
const country_t *country_at(size_t i);

#endif
