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

/* The country a valid E.164 number (bare digits, no '+', already validated by
 * e164_parse) belongs to.  C_OK with *out pointing into the static table
 * (out may be NULL to test only), or C_ERR -- *out untouched -- for numbers
 * of no country (non-geographic codes: 800, 808, 870, 878, 881, 882, 883,
 * 888, 979, 991), a code no ISO entry uses (383, Kosovo: XK is not an
 * official alpha-2 code), and for NULL or digits too short to decide.
 *
 *  - Code 1 (NANP) is decided by the area code (NPA, digits[1..3]):
 *    Canada's NPAs (geographic, plus non-geographic 600 and 6YY) and each
 *    Caribbean / Pacific member's NPAs; every other NPA -- toll-free
 *    8YY, 900, 5XX personal communications, ... -- is the US.
 *  - Code 7: Kazakhstan for 76... and 77..., else Russia.
 *  - Other codes shared by several ISO entries (44: GB, GG, IM, JE ...)
 *    give the principal one (GB); see the table in country.c.
 *  - Codes ITU-T assigned to a place that is part of one ISO entry but no
 *    entry lists give that entry: 247 (Ascension) -> SH, 379 (reserved,
 *    Vatican) -> VA, 997 (reserved, Kazakhstan) -> KZ. */
int country_of_number(const char *digits, const country_t **out);

/* NANP toll-free area codes (800, 833, 844, 855, 866, 877, 888): true when the
 * number (bare digits) is +1 and its NPA is one of them.  NULL -> false. */
bool country_nanp_tollfree(const char *digits);

/* Number of entries and indexed access, for iteration (e.g. tests). */
size_t country_count(void);
const country_t *country_at(size_t i);

#endif
