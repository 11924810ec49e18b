/* pricing.h -- the phone-number part of Plivo's Pricing object, from the
 * inventory's rates (pricing.c). */
#ifndef ND_PRICING_H
#define ND_PRICING_H

#include "core/core.h"
#include "core/country.h"

/* One number type of the country: the lowest monthly rental among its
 * numbers for sale (-1: none for sale). */
typedef struct {
    char type[MODEL_TYPE_SZ];
    int64_t rate;
} price_row_t;

#define PRICE_MAX_TYPES 8
typedef struct {
    const country_t *country;           /* static */
    price_row_t rows[PRICE_MAX_TYPES];  /* local and tollfree always, then the others */
    size_t n;
} price_t;

/* CE_INVALID for a missing or invalid country_iso (as search). */
int price_get(core_t *c, const char *country_iso, price_t *out, cerr_t *e);

#endif
