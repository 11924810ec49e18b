/* fuzz_net.c -- IP addresses, CIDR blocks, host names (src/core/net.h) and
 * Plivo's ip_set (carrier_parse_ip_set).
 *
 * Properties: what the strict parsers accept, inet_pton accepts too, with
 * the same bytes; canonical text parses back to the same address; a CIDR
 * block round-trips, and "host bits set" still fills the masked network;
 * a valid host name is never a valid IPv4 address; an accepted ip_set has
 * 1-100 distinct inbound gateways in canonical form.  No parser reads past
 * n (ASan sees to that: the input buffer is exactly n bytes). */
#include "fuzz.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/carriers.h"
#include "core/core.h"
#include "core/net.h"

static void check_ip(const uint8_t *data, size_t size, const char *s)
{
    net_ip_t ip, back;
    const char *why = NULL;
    char txt[NET_ADDR_SZ];
    if (net_parse_ip((const char *)data, size, &ip, &why) != C_OK) {
        FUZZ_CHECK(why != NULL);
        return;
    }
    FUZZ_CHECK(ip.family == 4 || ip.family == 6);
    uint8_t sys[16];
    FUZZ_CHECK(inet_pton(ip.family == 4 ? AF_INET : AF_INET6, s, sys) == 1);
    FUZZ_CHECK(memcmp(sys, ip.addr, ip.family == 4 ? 4 : 16) == 0);
    net_format(&ip, txt);
    FUZZ_CHECK(net_parse_ip(txt, strlen(txt), &back, NULL) == C_OK);
    FUZZ_CHECK(back.family == ip.family && memcmp(back.addr, ip.addr, 16) == 0);
    /* the formatter agrees with the C library's RFC 5952 text */
    char sys_txt[INET6_ADDRSTRLEN];
    FUZZ_CHECK(inet_ntop(ip.family == 4 ? AF_INET : AF_INET6, ip.addr, sys_txt, sizeof sys_txt));
    if (ip.family == 4) FUZZ_CHECK(strcmp(sys_txt, txt) == 0 && strcmp(txt, s) == 0);
}

static void check_cidr(const uint8_t *data, size_t size)
{
    net_ip_t ip, back;
    int prefix = -1, p2 = -1;
    bool had = false;
    const char *why = NULL;
    char txt[NET_ADDR_SZ + 4];
    int rc = net_parse_cidr((const char *)data, size, &ip, &prefix, &had, &why);
    bool host_bits = rc != C_OK && why && strcmp(why, "host bits set") == 0;
    if (rc != C_OK && !host_bits) {
        FUZZ_CHECK(why != NULL);
        return;
    }
    FUZZ_CHECK(prefix >= 0 && prefix <= (ip.family == 4 ? 32 : 128));
    FUZZ_CHECK(had == (memchr(data, '/', size) != NULL));
    net_format_cidr(&ip, prefix, txt);
    FUZZ_CHECK(net_parse_cidr(txt, strlen(txt), &back, &p2, NULL, NULL) == C_OK);
    FUZZ_CHECK(p2 == prefix && back.family == ip.family && memcmp(back.addr, ip.addr, 16) == 0);
    FUZZ_CHECK(net_cidr_contains(&ip, prefix, &back));
}

static void check_host(const uint8_t *data, size_t size)
{
    const char *why = NULL;
    if (!net_hostname_ok((const char *)data, size, &why)) {
        FUZZ_CHECK(why != NULL);
        return;
    }
    FUZZ_CHECK(size >= 1 && size <= NET_HOST_MAX);
    for (size_t i = 0; i < size; i++)
        FUZZ_CHECK(nd_isalnum(data[i]) || data[i] == '-' || data[i] == '.');
    FUZZ_CHECK(net_parse_ipv4((const char *)data, size, NULL, NULL) != C_OK);
}

/* "A B": does the block A contain the address B?  Compared with a bit by
 * bit reading of the two addresses. */
static void check_contains(const char *s)
{
    const char *sp = strchr(s, ' ');
    if (!sp) return;
    net_ip_t net, ip;
    int prefix;
    if (net_parse_cidr(s, (size_t)(sp - s), &net, &prefix, NULL, NULL) != C_OK) return;
    if (net_parse_ip(sp + 1, strlen(sp + 1), &ip, NULL) != C_OK) return;
    bool want = net.family == ip.family;
    for (int b = 0; want && b < prefix; b++) {
        int byte = b / 8, bit = 7 - b % 8;
        want = ((net.addr[byte] >> bit) & 1) == ((ip.addr[byte] >> bit) & 1);
    }
    FUZZ_CHECK(net_cidr_contains(&net, prefix, &ip) == want);
}

static void check_ip_set(const char *s)
{
    gateway_t *gw = NULL;
    size_t n = 0;
    cerr_t e;
    if (carrier_parse_ip_set(s, &gw, &n, &e) != C_OK) {
        FUZZ_CHECK(gw == NULL && n == 0 && e.code == CE_INVALID && e.msg[0]);
        return;
    }
    FUZZ_CHECK(n >= 1 && n <= CARRIER_MAX_GATEWAYS);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(gw[i].inbound && !gw[i].outbound && gw[i].port == 5060);
        net_ip_t ip;
        FUZZ_CHECK(net_parse_ip(gw[i].address, strlen(gw[i].address), &ip, NULL) == C_OK);
        char canon[NET_ADDR_SZ];
        net_format(&ip, canon);
        FUZZ_CHECK(strcmp(canon, gw[i].address) == 0);
        FUZZ_CHECK(gw[i].netmask >= 1 && gw[i].netmask <= (ip.family == 4 ? 32 : 128));
        for (size_t j = 0; j < i; j++)
            FUZZ_CHECK(strcmp(gw[i].address, gw[j].address) != 0 || gw[i].netmask != gw[j].netmask);
    }
    free(gw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size heap copy, so that a read past n is an ASan report */
    uint8_t *exact = malloc(size ? size : 1);
    if (exact == NULL) abort();
    memcpy(exact, data, size);
    char *s = fuzz_cstr(data, size);
    bool has_nul = memchr(data, '\0', size) != NULL;
    if (!has_nul) check_ip(exact, size, s);
    else FUZZ_CHECK(net_parse_ip((const char *)exact, size, NULL, NULL) != C_OK);
    check_cidr(exact, size);
    check_host(exact, size);
    check_contains(s);
    check_ip_set(s);
    free(s);
    free(exact);
    return 0;
}
