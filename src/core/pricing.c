/* pricing.c -- the phone-number part of Plivo's Pricing object from the
 * inventory's rates (pricing.h). */
#include "core/pricing.h"
#include "core/core_int.h"

#include <stdio.h>
#include <string.h>

static int rate_row(const char *type, int64_t rate, void *ud)
{
    price_t *p = ud;
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->rows[i].type, type) == 0) {
            p->rows[i].rate = rate;
            return C_OK;
        }
    }
    if (p->n == PRICE_MAX_TYPES) return C_OK;
    snprintf(p->rows[p->n].type, sizeof p->rows[p->n].type, "%s", type);
    p->rows[p->n++].rate = rate;
    return C_OK;
}

int price_get(core_t *c, const char *country_iso, price_t *out, cerr_t *e)
{
    memset(out, 0, sizeof *out);
    if (country_iso == NULL) return cerr(e, CE_INVALID, "missing required parameter: country_iso");
    if (country_by_iso(country_iso, &out->country) != C_OK || out->country->calling_code == 0)
        return cerr(e, CE_INVALID, "invalid country ISO: %.16s", country_iso);
    /* local and tollfree are always there (the Go SDK reads both) */
    static const char *const always[] = {"local", "tollfree"};
    for (size_t i = 0; i < ND_ARRAY_LEN(always); i++) {
        snprintf(out->rows[i].type, sizeof out->rows[i].type, "%s", always[i]);
        out->rows[i].rate = -1;
    }
    out->n = ND_ARRAY_LEN(always);
    return core_st(e, c->st->ops->inventory_rates(c->st, out->country->iso, rate_row, out), NULL);
}
