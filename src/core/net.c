#include "core/net.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <string.h>

/* Sets *why and returns C_ERR, so that every error path is one line. */
static int fail(const char **why, const char *reason)
{
    if (why) *why = reason;
    return C_ERR;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* The reason for an unexpected byte in an address.  The common mistakes get
 * their own words because "invalid character" does not tell a user that a
 * pasted "fe80::1%eth0" or "[::1]" is the problem. */
static const char *addr_char_reason(unsigned char c)
{
    if (is_space(c)) return "whitespace in address";
    if (c == '%') return "zone id not allowed";
    if (c == '[' || c == ']') return "brackets not allowed";
    return "invalid character in address";
}

/* Empty input and NUL bytes are refused up front so that every parser gives
 * the same reason for them wherever they sit in the string. */
static int check_addr_input(const char *s, size_t n, const char **why)
{
    if (s == NULL || n == 0) return fail(why, "empty address");
    if (memchr(s, '\0', n) != NULL) return fail(why, "nul byte in address");
    return C_OK;
}

static int hex_value(unsigned char c)
{
    if (nd_isdigit(c)) return c - '0';
    c = (unsigned char)nd_tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* ---- parsing ------------------------------------------------------------ */

/* Strict dotted decimal into b[0..3].  Shared by IPv4 and the embedded IPv4
 * tail of IPv6, so both refuse the same things. */
static int parse_v4(const char *s, size_t n, uint8_t b[4], const char **why)
{
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        if (k > 0) {
            if (i == n) return fail(why, "expected 4 octets");
            if (s[i] != '.') return fail(why, addr_char_reason((unsigned char)s[i]));
            i++;
            if (i == n) return fail(why, "trailing dot");
        }
        size_t start = i;
        unsigned v = 0;
        while (i < n && nd_isdigit((unsigned char)s[i])) {
            /* Stop accumulating after 4 digits: the octet is out of range
             * by then anyway, and v must not overflow on a long run. */
            if (i - start < 4) v = v * 10 + (unsigned)(s[i] - '0');
            i++;
        }
        size_t len = i - start;
        if (len == 0) {
            if (i < n && s[i] != '.') return fail(why, addr_char_reason((unsigned char)s[i]));
            return fail(why, "empty octet");
        }
        /* "010" is 8 to inet_aton() and 10 to others: refuse it rather
         * than pick one. */
        if (len > 1 && s[start] == '0') return fail(why, "leading zero in octet");
        if (len > 3 || v > 255) return fail(why, "octet out of range");
        b[k] = (uint8_t)v;
    }
    if (i < n) {
        if (s[i] == '.') return fail(why, i + 1 == n ? "trailing dot" : "expected 4 octets");
        return fail(why, addr_char_reason((unsigned char)s[i]));
    }
    return C_OK;
}

/* RFC 4291 §2.2 text into b[0..15].  Hextets are collected in order with
 * the position of "::" remembered; the zeros it stands for are inserted at
 * the end, once the number of hextets after it is known.  n >= 1: the
 * callers refuse empty input first. */
static int parse_v6(const char *s, size_t n, uint8_t b[16], const char **why)
{
    uint16_t w[8];
    int nw = 0;
    int gap = -1; /* index in w where "::" stands, or -1 */
    size_t i = 0;

    if (s[0] == ':') {
        if (n < 2 || s[1] != ':') return fail(why, "address starts with a single ':'");
        gap = 0;
        i = 2;
        if (i < n && s[i] == ':') return fail(why, "too many colons");
    }
    while (i < n) {
        size_t start = i;
        unsigned v = 0;
        int h;
        while (i < n && (h = hex_value((unsigned char)s[i])) >= 0) {
            if (i - start < 4) v = v * 16 + (unsigned)h;
            i++;
        }
        size_t len = i - start;
        if (i < n && s[i] == '.') {
            /* An embedded IPv4 address: its text runs to the end of the
             * input, which is what makes it the last 32 bits. */
            uint8_t v4[4];
            if (nw > 6) return fail(why, "too many hextets");
            if (parse_v4(s + start, n - start, v4, why) != C_OK) return C_ERR;
            w[nw++] = (uint16_t)(v4[0] << 8 | v4[1]);
            w[nw++] = (uint16_t)(v4[2] << 8 | v4[3]);
            break;
        }
        if (len == 0) return fail(why, addr_char_reason((unsigned char)s[i]));
        if (len > 4) return fail(why, "more than 4 hex digits in hextet");
        if (nw == 8) return fail(why, "too many hextets");
        w[nw++] = (uint16_t)v;
        if (i == n) break;
        if (s[i] != ':') return fail(why, addr_char_reason((unsigned char)s[i]));
        i++;
        if (i == n) return fail(why, "address ends with a single ':'");
        if (s[i] == ':') {
            if (gap >= 0) return fail(why, "more than one \"::\"");
            gap = nw;
            i++;
            if (i < n && s[i] == ':') return fail(why, "too many colons");
        }
    }

    uint16_t full[8] = {0};
    if (gap < 0) {
        if (nw != 8) return fail(why, "expected 8 hextets or \"::\"");
        memcpy(full, w, sizeof full);
    } else {
        /* "::" must stand for at least one zero hextet (RFC 4291 §2.2). */
        if (nw > 7) return fail(why, "too many hextets");
        int tail = nw - gap;
        for (int k = 0; k < gap; k++) full[k] = w[k];
        for (int k = 0; k < tail; k++) full[8 - tail + k] = w[gap + k];
    }
    for (int k = 0; k < 8; k++) {
        b[2 * k] = (uint8_t)(full[k] >> 8);
        b[2 * k + 1] = (uint8_t)(full[k] & 0xff);
    }
    return C_OK;
}

int net_parse_ipv4(const char *s, size_t n, net_ip_t *out, const char **why)
{
    if (check_addr_input(s, n, why) != C_OK) return C_ERR;
    net_ip_t ip = {.family = 4};
    if (parse_v4(s, n, ip.addr, why) != C_OK) return C_ERR;
    if (out) *out = ip;
    return C_OK;
}

int net_parse_ipv6(const char *s, size_t n, net_ip_t *out, const char **why)
{
    if (check_addr_input(s, n, why) != C_OK) return C_ERR;
    net_ip_t ip = {.family = 6};
    if (parse_v6(s, n, ip.addr, why) != C_OK) return C_ERR;
    if (out) *out = ip;
    return C_OK;
}

int net_parse_ip(const char *s, size_t n, net_ip_t *out, const char **why)
{
    if (check_addr_input(s, n, why) != C_OK) return C_ERR;
    if (memchr(s, ':', n) != NULL) return net_parse_ipv6(s, n, out, why);
    return net_parse_ipv4(s, n, out, why);
}

static int full_prefix(int family)
{
    return family == 4 ? 32 : family == 6 ? 128 : -1;
}

/* Clears every bit past the first prefix bits. */
static void mask_to(uint8_t addr[16], int prefix)
{
    for (int k = 0; k < 16; k++) {
        int bits = prefix - 8 * k;
        if (bits <= 0)
            addr[k] = 0;
        else if (bits < 8)
            addr[k] &= (uint8_t)(0xff << (8 - bits));
    }
}

void net_mask(net_ip_t *ip, int prefix)
{
    mask_to(ip->addr, prefix);
}

int net_parse_cidr(const char *s, size_t n, net_ip_t *out, int *prefix, bool *had_prefix,
                   const char **why)
{
    if (check_addr_input(s, n, why) != C_OK) return C_ERR;
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;

    net_ip_t ip;
    if (net_parse_ip(s, alen, &ip, why) != C_OK) return C_ERR;
    int max = full_prefix(ip.family);
    int len = max;
    if (slash) {
        const char *p = slash + 1;
        size_t pn = n - alen - 1;
        if (pn == 0) return fail(why, "missing prefix length after '/'");
        unsigned v = 0;
        for (size_t k = 0; k < pn; k++) {
            if (!nd_isdigit((unsigned char)p[k])) return fail(why, "invalid character in prefix length");
            if (k < 4) v = v * 10 + (unsigned)(p[k] - '0');
        }
        if (pn > 1 && p[0] == '0') return fail(why, "leading zero in prefix length");
        if (pn > 3 || v > (unsigned)max) return fail(why, "prefix length out of range");
        len = (int)v;
    }

    net_ip_t net = ip;
    mask_to(net.addr, len);
    if (out) *out = net;
    if (prefix) *prefix = len;
    if (had_prefix) *had_prefix = slash != NULL;
    /* The outputs are filled even on this error: the masked network is
     * what the caller offers as "did you mean". */
    if (memcmp(net.addr, ip.addr, sizeof ip.addr) != 0) return fail(why, "host bits set");
    return C_OK;
}

/* ---- formatting --------------------------------------------------------- */

/* Decimal without leading zeros; v < 1000 is all an address needs. */
static char *put_dec(char *p, unsigned v)
{
    if (v >= 100) *p++ = (char)('0' + v / 100);
    if (v >= 10) *p++ = (char)('0' + v / 10 % 10);
    *p++ = (char)('0' + v % 10);
    return p;
}

/* Lower-case hex without leading zeros (RFC 5952 §4.1, §4.3). */
static char *put_hex(char *p, unsigned v)
{
    static const char digits[] = "0123456789abcdef";
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
        unsigned d = (v >> shift) & 0xf;
        if (d != 0 || started || shift == 0) {
            *p++ = digits[d];
            started = true;
        }
    }
    return p;
}

static char *put_v4(char *p, const uint8_t b[4])
{
    for (int k = 0; k < 4; k++) {
        if (k > 0) *p++ = '.';
        p = put_dec(p, b[k]);
    }
    return p;
}

static bool is_v4_mapped(const uint8_t a[16])
{
    for (int k = 0; k < 10; k++)
        if (a[k] != 0) return false;
    return a[10] == 0xff && a[11] == 0xff;
}

/* Writes the canonical text without a NUL; returns the end.  The caller
 * has checked the family. */
static char *put_addr(char *p, const net_ip_t *ip)
{
    if (ip->family == 4) return put_v4(p, ip->addr);
    if (is_v4_mapped(ip->addr)) {
        memcpy(p, "::ffff:", 7);
        return put_v4(p + 7, ip->addr + 12);
    }

    unsigned w[8];
    for (int k = 0; k < 8; k++) w[k] = (unsigned)ip->addr[2 * k] << 8 | ip->addr[2 * k + 1];

    /* Longest run of zero hextets; ">" keeps the first on a tie (§4.2.3). */
    int best = -1, best_len = 0;
    for (int k = 0; k < 8;) {
        if (w[k] != 0) {
            k++;
            continue;
        }
        int start = k;
        while (k < 8 && w[k] == 0) k++;
        if (k - start > best_len) {
            best = start;
            best_len = k - start;
        }
    }
    /* A lone zero hextet is written out, not compressed (§4.2.2). */
    if (best_len < 2) best = -1;

    for (int k = 0; k < 8;) {
        if (k == best) {
            *p++ = ':';
            *p++ = ':';
            k += best_len;
            continue;
        }
        /* Right after "::" the separator is already there. */
        if (k > 0 && !(best >= 0 && k == best + best_len)) *p++ = ':';
        p = put_hex(p, w[k]);
        k++;
    }
    return p;
}

void net_format(const net_ip_t *ip, char out[NET_ADDR_SZ])
{
    if (ip == NULL || full_prefix(ip->family) < 0) {
        out[0] = '\0';
        return;
    }
    *put_addr(out, ip) = '\0';
}

void net_format_cidr(const net_ip_t *ip, int prefix, char out[NET_ADDR_SZ + 4])
{
    int max = ip ? full_prefix(ip->family) : -1;
    if (max < 0 || prefix < 0 || prefix > max) {
        out[0] = '\0';
        return;
    }
    char *p = put_addr(out, ip);
    if (prefix != max) {
        *p++ = '/';
        p = put_dec(p, (unsigned)prefix);
    }
    *p = '\0';
}

/* ---- host names --------------------------------------------------------- */

/* fail() for the bool-returning check. */
static bool host_fail(const char **why, const char *reason)
{
    if (why) *why = reason;
    return false;
}

bool net_hostname_ok(const char *s, size_t n, const char **why)
{
    if (s == NULL || n == 0) return host_fail(why, "empty host name");
    if (memchr(s, '\0', n) != NULL) return host_fail(why, "nul byte in host name");
    if (n > NET_HOST_MAX) return host_fail(why, "host name longer than 253 characters");

    size_t i = 0;
    for (;;) {
        size_t start = i;
        bool all_digits = true;
        while (i < n && s[i] != '.') {
            unsigned char c = (unsigned char)s[i];
            if (!nd_isalnum(c) && c != '-') {
                /* '_' is legal in DNS names but not in host names, and
                 * people try it; tell them which rule they hit. */
                const char *r = c == '_'     ? "underscore not allowed in host name"
                                : is_space(c) ? "whitespace in host name"
                                              : "invalid character in host name";
                return host_fail(why, r);
            }
            if (!nd_isdigit(c)) all_digits = false;
            i++;
        }
        size_t len = i - start;
        if (len == 0) return host_fail(why, i == n && start > 0 ? "trailing dot" : "empty label");
        if (len > 63) return host_fail(why, "label longer than 63 characters");
        if (s[start] == '-') return host_fail(why, "label starts with '-'");
        if (s[i - 1] == '-') return host_fail(why, "label ends with '-'");
        if (i == n) {
            /* RFC 3696 §2: an all-numeric top label would make "10.0.0.1"
             * or a typo like "10.0.0.256" a host name. */
            if (all_digits) return host_fail(why, "last label is all digits");
            return true;
        }
        i++; /* the dot */
    }
}

/* ---- membership --------------------------------------------------------- */

bool net_cidr_contains(const net_ip_t *net, int prefix, const net_ip_t *ip)
{
    if (net == NULL || ip == NULL || net->family != ip->family) return false;
    int max = full_prefix(net->family);
    if (max < 0 || prefix < 0 || prefix > max) return false;
    uint8_t a[16], b[16];
    memcpy(a, net->addr, sizeof a);
    memcpy(b, ip->addr, sizeof b);
    mask_to(a, prefix);
    mask_to(b, prefix);
    return memcmp(a, b, sizeof a) == 0;
}

/* ---- addresses numberd must not reach on a customer's word ---------------- */

typedef struct {
    const char *cidr;
    const char *why;
} range_t;

/* Where numberd must not send on a customer's word unless the operator
 * allows it (a webhook, a customer carrier's registrar or probed gateway):
 * this host, the operator's own networks, the cloud metadata service
 * (169.254.169.254 is link-local), and addresses no server answers from. */
static const range_t k_ranges[] = {
    {"0.0.0.0/8", "an unspecified address"},
    {"10.0.0.0/8", "a private address"},
    {"100.64.0.0/10", "a shared (CGNAT) address"},
    {"127.0.0.0/8", "a loopback address"},
    {"169.254.0.0/16", "a link-local address"},
    {"172.16.0.0/12", "a private address"},
    {"192.0.0.0/24", "a reserved address"},
    {"192.168.0.0/16", "a private address"},
    {"198.18.0.0/15", "a reserved address"},
    {"224.0.0.0/4", "a multicast address"},
    {"240.0.0.0/4", "a reserved address"},
    {"::/128", "an unspecified address"},
    {"::1/128", "a loopback address"},
    {"fc00::/7", "a unique local address"},
    {"fe80::/10", "a link-local address"},
    {"fec0::/10", "a site-local address"},
    {"ff00::/8", "a multicast address"},
};

static const char *range_of(const net_ip_t *ip)
{
    for (size_t i = 0; i < ND_ARRAY_LEN(k_ranges); i++) {
        net_ip_t net;
        int prefix = 0;
        bool had = false;
        if (net_parse_cidr(k_ranges[i].cidr, strlen(k_ranges[i].cidr), &net, &prefix, &had, NULL) !=
            C_OK)
            nd_panic("net: bad range %s", k_ranges[i].cidr);
        if (net.family == ip->family && net_cidr_contains(&net, prefix, ip)) return k_ranges[i].why;
    }
    return NULL;
}

static bool zeros(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return false;
    return true;
}

/* The IPv4 address an IPv6 address carries to an IPv4 host, where the
 * network may deliver it there (a translator, a tunnel or the host's own
 * stack): true with *v4; *opaque when it is a form whose IPv4 address
 * cannot be told (then it is refused). */
static bool embedded_v4(const uint8_t a[16], net_ip_t *v4, bool *opaque)
{
    static const uint8_t nat64[6] = {0, 0x64, 0xff, 0x9b, 0, 0};     /* 64:ff9b::/96 */
    static const uint8_t nat64_local[6] = {0, 0x64, 0xff, 0x9b, 0, 1}; /* 64:ff9b:1::/48 */
    *opaque = false;
    memset(v4, 0, sizeof *v4);
    v4->family = 4;
    const uint8_t *at = NULL;
    if (zeros(a, 10) && a[10] == 0xff && a[11] == 0xff) {
        at = a + 12;                             /* ::ffff:a.b.c.d, mapped */
    } else if (zeros(a, 8) && a[8] == 0xff && a[9] == 0xff && a[10] == 0 && a[11] == 0) {
        at = a + 12;                             /* ::ffff:0:a.b.c.d, translated (RFC 2765) */
    } else if (zeros(a, 12)) {
        at = a + 12;                             /* ::a.b.c.d, compatible (deprecated) */
    } else if (memcmp(a, nat64, 6) == 0 && zeros(a + 6, 6)) {
        at = a + 12;                             /* the well-known NAT64 prefix */
    } else if (memcmp(a, nat64_local, 6) == 0) {
        /* RFC 8215's local-use NAT64 prefixes, of any length from /48: the
         * /96 form (the usual DNS64 one) says where its address is; in a
         * shorter one (RFC 6052 2.2) it cannot be told apart, refused */
        if (!zeros(a + 6, 6)) {
            *opaque = true;
            return true;
        }
        at = a + 12;
    } else if (a[0] == 0x20 && a[1] == 0x02) {
        at = a + 2;                              /* 2002:a.b.c.d::/48, 6to4 */
    }
    if (!at) return false;
    memcpy(v4->addr, at, 4);
    return true;
}

const char *net_ip_internal(const net_ip_t *ip)
{
    const char *why = range_of(ip);
    if (why || ip->family != 6) return why;
    /* IPv6 forms that reach the IPv4 address they carry: judged by that
     * one (::1 and :: matched above, as themselves) */
    net_ip_t v4;
    bool opaque = false;
    if (!embedded_v4(ip->addr, &v4, &opaque)) return NULL;
    if (opaque) return "a local-use NAT64 address whose IPv4 address cannot be told";
    return range_of(&v4);
}

bool net_ip_from_sockaddr(const struct sockaddr *sa, net_ip_t *ip)
{
    memset(ip, 0, sizeof *ip);
    if (sa->sa_family == AF_INET) {
        ip->family = 4;
        memcpy(ip->addr, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        ip->family = 6;
        memcpy(ip->addr, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
        return true;
    }
    return false;
}
