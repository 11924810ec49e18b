/* invgen.h -- realistic synthetic inventory, as CSV (the format of CLI.md).
 *
 * US and CA numbers use real NANP area codes with their city, state or
 * province, LATA and rate centers; GB, DE, FR, NL and AU numbers follow each
 * country's real national numbering plan, with toll-free and mobile ranges.
 * Output is deterministic for a given (countries, count, seed) and never
 * repeats a number within one run.
 */
#ifndef ND_INVGEN_H
#define ND_INVGEN_H

#include <stdio.h>
#include "util/common.h"

/* Countries invgen knows, upper-case alpha-2, NULL-terminated static list. */
extern const char *const invgen_countries[];

/* Writes the header line and `count` rows to out.
 * country: one of invgen_countries, or NULL for a mix (about 70 % US,
 * 10 % CA, and the rest spread over the others).  Returns C_OK, or C_ERR
 * with *err set to a static message (unknown country, count 0, write error). */
int invgen_write(FILE *out, const char *country, uint64_t count, uint64_t seed,
                 const char **err);

#endif
