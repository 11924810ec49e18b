/* net.h -- IP addresses, CIDR blocks and host names of SIP gateways.
 *
 * Pure functions: no I/O, no allocation, no global state, so they are
 * thread-safe.  Ownership: every output is a caller buffer (net_ip_t, int,
 * bool, char array); nothing returned points into the input, and every *why
 * reason is a static string the caller must not free.
 *
 * Inputs are (s, n) pairs: s need not be NUL-terminated, and no byte at or
 * past s[n] is ever read.  A NUL byte inside the n bytes is an error, as is
 * empty input.  The parsers are deliberately stricter than inet_pton(): one
 * spelling per address (no leading zeros in IPv4 octets, no octal/hex
 * forms, no zone ids, no brackets, no whitespace), because these strings
 * come from users and an ambiguous one is better refused than guessed.
 * The parsers are hand-written rather than wrapping inet_pton() or
 * getaddrinfo(), which differ between libcs, may consult the locale or the
 * resolver, and need NUL-terminated input.
 */
#ifndef ND_NET_H
#define ND_NET_H

#include "util/common.h"

struct sockaddr;

#define NET_ADDR_SZ 46 /* longest canonical text of an address + NUL */
#define NET_HOST_MAX 253
#define NET_HOST_SZ 254

typedef struct {
    int family;       /* 4 or 6 */
    uint8_t addr[16]; /* network byte order; IPv4 uses addr[0..3], rest zero */
} net_ip_t;

/* Each parser returns C_OK, or C_ERR and sets *why (if why != NULL) to a
 * short static lower-case English reason fit to show a user, such as
 * "octet out of range" or "empty hextet".  out may be NULL to only validate;
 * on C_ERR *out is left untouched (except by net_parse_cidr, see there). */

/* Dotted decimal: exactly 4 octets of 1-3 digits, 0-255, no leading zeros. */
int net_parse_ipv4(const char *s, size_t n, net_ip_t *out, const char **why);
/* RFC 4291 §2.2 text: 8 hextets, or fewer with one "::", optionally ending
 * in an embedded dotted-decimal IPv4 address (as strict as above). */
int net_parse_ipv6(const char *s, size_t n, net_ip_t *out, const char **why);
/* IPv4 if it contains no ':', else IPv6 */
int net_parse_ip(const char *s, size_t n, net_ip_t *out, const char **why);
/* "addr" or "addr/len".  *prefix gets len, or the full length (32/128) when
 * no "/len" is written; *had_prefix says whether it was written (may be
 * NULL; so may prefix).  len is 1-3 digits without leading zeros, 0-32 for
 * IPv4 and 0-128 for IPv6.  The bits of addr past len must be zero: if they
 * are not, the result is C_ERR with why "host bits set", and then *out,
 * *prefix and *had_prefix are still filled, with the address masked to len,
 * so that the caller can suggest the network the user probably meant. */
int net_parse_cidr(const char *s, size_t n, net_ip_t *out, int *prefix, bool *had_prefix,
                   const char **why);

/* Canonical text: IPv4 dotted decimal; IPv6 per RFC 5952 (lower case, no
 * leading zeros, the longest run of 2+ zero hextets as "::", the first one
 * on a tie), with IPv4-mapped addresses (::ffff:0:0/96) as
 * "::ffff:a.b.c.d".  Writes "" if ip is NULL or its family is not 4 or 6. */
void net_format(const net_ip_t *ip, char out[NET_ADDR_SZ]);
/* Canonical "addr" when prefix is the full length, else "addr/prefix".
 * Writes "" if net_format() would, or if prefix is outside 0..32 / 0..128. */
void net_format_cidr(const net_ip_t *ip, int prefix, char out[NET_ADDR_SZ + 4]);

/* RFC 1123 §2.1 host name (with RFC 3696 §2): 1-253 characters, dot-separated
 * labels of 1-63 [A-Za-z0-9-] not starting or ending with '-', no trailing
 * dot, and a last label that is not all digits (so a mistyped IPv4 address
 * such as "10.0.0.256" is never taken for a host name).  A single label
 * ("localhost") is fine.  On false sets *why as the parsers do. */
bool net_hostname_ok(const char *s, size_t n, const char **why);

/* The network address of ip/prefix: every bit past the first prefix bits
 * cleared (prefix 0..32 / 0..128; the caller checks the range). */
void net_mask(net_ip_t *ip, int prefix);
/* true when ip lies in net/prefix (same family).  Bits of net past prefix
 * are ignored.  false for NULL pointers, mixed or unknown families, and a
 * prefix outside 0..32 / 0..128. */
bool net_cidr_contains(const net_ip_t *net, int prefix, const net_ip_t *ip);

/* NULL when ip is an address numberd may reach on a customer's word (a
 * webhook's target, a customer carrier's registrar or probed gateway);
 * else why not ("a loopback address", "a private address", ...), a static
 * string.  An IPv6 address that carries an IPv4 one (mapped, translated,
 * compatible, NAT64, 6to4) is judged by that one too.  The operator's
 * switches (--webhook-allow-private, --sip-allow-private) are the
 * callers'. */
const char *net_ip_internal(const net_ip_t *ip);
/* sa's address (AF_INET, AF_INET6) into ip; false for another family. */
bool net_ip_from_sockaddr(const struct sockaddr *sa, net_ip_t *ip);

#endif
