/* ratelimit.h -- per-account request budget: N requests per S seconds.
 *
 * A fixed window per account (the window is floor(now / S)), kept in a
 * bounded in-memory table.  Per process: with several nodes each node
 * enforces the budget on its own (documented in the deployment notes).
 * The key is the main account's id: api/auth.c charges a subaccount's
 * requests to its parent, so subaccounts share their parent's budget.
 */
#ifndef ND_RATELIMIT_H
#define ND_RATELIMIT_H

#include "util/common.h"

typedef struct ratelimit ratelimit_t;

/* n == 0 disables limiting (rl_new returns NULL, rl_check always allows). */
ratelimit_t *rl_new(unsigned n, unsigned seconds);
void rl_free(ratelimit_t *rl);
/* Counts one request for key at time now.  Returns true if allowed; when
 * refused, *retry_after is the number of seconds until the next window. */
bool rl_check(ratelimit_t *rl, int64_t key, int64_t now, unsigned *retry_after);

#endif
