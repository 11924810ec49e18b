/* e164.h -- phone number validation and normalisation.
 *
 * A valid number (API.md §0) has 8 to 15 digits and starts with an assigned
 * ITU-T country calling code; a NANP number (code 1) has exactly 11 digits
 * and its area code (NPA) and exchange (NXX) each start with 2-9.
 */
#ifndef ND_E164_H
#define ND_E164_H

#include "util/common.h"

#define E164_MAX 15
#define E164_BUFSZ 16 /* 15 digits + NUL */

/* Accepts "14155550100" or "+14155550100" (one optional leading '+', then
 * digits only).  On success writes the bare digits to out (NUL-terminated)
 * and the calling code to *cc (may be NULL).  C_ERR for anything else. */
int e164_parse(const char *in, char out[E164_BUFSZ], unsigned *cc);

/* Same, for a string that is not NUL-terminated. */
int e164_parsen(const char *in, size_t n, char out[E164_BUFSZ], unsigned *cc);

#endif
