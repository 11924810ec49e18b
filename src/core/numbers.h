/* numbers.h -- searching the inventory and buying from it (API.md §2.2,
 * §5), number types and states (numbers.c). */
#ifndef ND_NUMBERS_H
#define ND_NUMBERS_H

#include "core/core.h"

typedef struct {
    const char *country_iso, *type, *pattern, *npanxx, *local_calling_area, *region, *city,
        *services, *lata, *rate_center;
    int limit, offset;
} search_in_t;

int num_search(core_t *c, const search_in_t *in, inv_number_t *rows, size_t *nrows,
               int64_t *total, cerr_t *e);
/* serve: keep the search index (store.h's search_index_start) from now on;
 * before the first write.  Its figures for /metrics. */
int num_search_index_start(core_t *c, cerr_t *e);
void num_search_index_stats(core_t *c, search_index_stats_t *out);

typedef struct {
    const account_t *caller;
    const char *number;           /* as given (with or without '+') */
    const char *app_id, *cnam_lookup, *compliance_id, *subaccount;
} buy_in_t;

typedef struct {
    char number[E164_BUFSZ];
    num_state_t state;            /* NUM_ACTIVE or NUM_PENDING */
} buy_out_t;

int num_buy(core_t *c, const buy_in_t *in, buy_out_t *out, cerr_t *e);
int num_approve(core_t *c, const char *number, cerr_t *e);

/* Parses a number type ("local", "national", "mobile", "tollfree",
 * "fixed"), case-insensitive; writes the canonical lower-case name. */
int num_parse_type(const char *s, const char **canon);
/* "available", "active", "pending", "aging" ("unknown" otherwise): static. */
const char *num_state_name(num_state_t s);

#endif
