/* model.c -- the few functions of the plain record types of model.h.
 *
 * They live here, not in a service file, because the store frees records
 * it filled (a carrier's gateways on a failed read) and the store may use
 * model.h but no core service. */
#include "core/model.h"

#include <stdlib.h>

void carrier_clear(carrier_t *c)
{
    free(c->gw);
    ids_wipe(c, sizeof *c);
}

void carrier_clear_rows(carrier_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) carrier_clear(&rows[i]);
}
