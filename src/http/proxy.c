/* proxy.c -- trusted reverse proxies (http.h): who the client is behind
 * one, and the request id it gave.
 *
 * Only a peer whose address is inside one of the configured CIDR blocks is
 * believed: anyone else could write X-Forwarded-For itself to escape the
 * failed-authentication throttle or the per-address limits.  The client is
 * the rightmost X-Forwarded-For address that is not itself a trusted proxy
 * (each proxy appends the address it saw, so everything left of the first
 * untrusted hop may be forged). */
#include "http/http.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROXIES_MAX 32

typedef struct {
    int family;               /* AF_INET, AF_INET6 */
    uint8_t addr[16];
    int prefix;
} cidr_t;

struct http_proxies {
    cidr_t net[PROXIES_MAX];
    size_t n;
};

/* An address in text (IPv4, or IPv6 without a zone) into family/addr. */
static bool parse_addr(const char *s, size_t n, int *family, uint8_t addr[16])
{
    char buf[64];
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        *family = AF_INET6;
        /* an IPv4-mapped address is its IPv4 address */
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(addr, mapped, 12) == 0) {
            memmove(addr, addr + 12, 4);
            *family = AF_INET;
        }
        return true;
    }
    return false;
}

int http_proxies_parse(const char *spec, http_proxies_t **out, char **err)
{
    http_proxies_t *p = xcalloc(1, sizeof *p);
    const char *s = spec;
    *out = NULL;
    while (s && *s) {
        const char *end = strchr(s, ',');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        while (n && *s == ' ') { s++; n--; }
        while (n && s[n - 1] == ' ') n--;
        const char *slash = memchr(s, '/', n);
        size_t an = slash ? (size_t)(slash - s) : n;
        cidr_t c = {0};
        if (p->n == PROXIES_MAX) {
            *err = xasprintf("too many trusted proxies: at most %d blocks", PROXIES_MAX);
            goto fail;
        }
        if (!parse_addr(s, an, &c.family, c.addr)) {
            *err = xasprintf("invalid trusted proxy %.*s: want an IP address or CIDR block",
                             (int)(n > 64 ? 64 : n), s);
            goto fail;
        }
        int max = c.family == AF_INET ? 32 : 128;
        c.prefix = max;
        if (slash) {
            size_t pn = n - an - 1;
            char digits[4] = {0};
            if (pn == 0 || pn > 3 || !nd_all_digits(slash + 1, pn) ||
                (memcpy(digits, slash + 1, pn), c.prefix = atoi(digits)) > max) {
                *err = xasprintf("invalid trusted proxy %.*s: bad prefix length",
                                 (int)(n > 64 ? 64 : n), s);
                goto fail;
            }
        }
        p->net[p->n++] = c;
        if (!end) break;
        s = end + 1;
    }
    if (p->n == 0) {
        *err = xasprintf("empty list of trusted proxies");
        goto fail;
    }
    *out = p;
    return C_OK;
fail:
    free(p);
    return C_ERR;
}

void http_proxies_free(http_proxies_t *p)
{
    free(p);
}

static bool trusted(const http_proxies_t *p, int family, const uint8_t addr[16])
{
    for (size_t i = 0; i < p->n; i++) {
        const cidr_t *c = &p->net[i];
        if (c->family != family) continue;
        int full = c->prefix / 8, rest = c->prefix % 8;
        if (memcmp(c->addr, addr, (size_t)full) != 0) continue;
        if (rest && ((c->addr[full] ^ addr[full]) & (uint8_t)(0xff << (8 - rest)))) continue;
        return true;
    }
    return false;
}

bool http_proxies_trust(const http_proxies_t *p, const char *peer)
{
    int family;
    uint8_t addr[16];
    return p && peer && parse_addr(peer, strlen(peer), &family, addr) && trusted(p, family, addr);
}

bool http_proxies_client(const http_proxies_t *p, const char *xff, char *out, size_t sz)
{
    if (!p || !xff) return false;
    /* from the real end: what the trusted proxy appended is last.  (Read
     * from byte 4096 of a longer value, the client chose the "last" hop:
     * a helper's audit, session 37.)  The value is bounded by the
     * connection's memory limit (16 KiB), and the walk stops at the first
     * hop that is not a proxy. */
    size_t end = strlen(xff);
    /* right to left: the first hop that is not a trusted proxy */
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff[start - 1] != ',') start--;
        size_t a = start, b = end;
        while (a < b && (xff[a] == ' ' || xff[a] == '\t')) a++;
        while (b > a && (xff[b - 1] == ' ' || xff[b - 1] == '\t')) b--;
        int family;
        uint8_t addr[16];
        if (!parse_addr(xff + a, b - a, &family, addr)) return false;  /* garbage: ignore it all */
        if (!trusted(p, family, addr) || start == 0) {
            char text[INET6_ADDRSTRLEN];
            if (!inet_ntop(family, addr, text, sizeof text)) return false;
            snprintf(out, sz, "%s", text);
            return true;
        }
        end = start - 1;
    }
    return false;
}

bool http_request_id_ok(const char *s)
{
    size_t n = s ? strnlen(s, HTTP_UPSTREAM_ID_SZ) : 0;
    if (n == 0 || n >= HTTP_UPSTREAM_ID_SZ) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            return false;
    }
    return true;
}
