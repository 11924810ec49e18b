/* authfail.h -- throttling of repeated authentication failures per client
 * address: after N failures within S seconds from one address, every
 * request from that address that needs authentication is refused (429 with
 * Retry-After) for S seconds, whatever credentials it carries, so that
 * guessing tokens from one address costs S seconds per N guesses.
 *
 * The address is the peer of the TCP connection.  An IPv6 address counts
 * by its /64 (one customer line usually holds a whole /64, so counting
 * /128s would let one attacker rotate through 2^64 addresses); IPv4 and
 * IPv4-mapped IPv6 addresses count one by one.
 *
 * A bounded in-memory table per process, like ratelimit.h: with several
 * nodes each node counts on its own.  Thread-safe (one mutex).
 */
#ifndef ND_AUTHFAIL_H
#define ND_AUTHFAIL_H

#include "util/common.h"

typedef struct authfail authfail_t;

/* max == 0 disables throttling: af_new returns NULL, and NULL blocks no
 * one and records nothing. */
authfail_t *af_new(unsigned max, unsigned seconds);
void af_free(authfail_t *af);
/* true when addr (text, as inet_ntop writes it) is blocked at time now;
 * *retry_after then gets the seconds left (at least 1).  An address that
 * does not parse is never blocked. */
bool af_blocked(authfail_t *af, const char *addr, int64_t now, unsigned *retry_after);
/* Records one failed authentication from addr at time now. */
void af_failure(authfail_t *af, const char *addr, int64_t now);

#endif
