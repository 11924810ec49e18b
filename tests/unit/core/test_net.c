/* test_net.c -- unit tests for SIP gateway addresses (core/net.c): strict
 * IPv4/IPv6 parsing, RFC 5952 formatting, CIDR blocks, RFC 1123 host names.
 *
 * Every input is first copied into a heap block of exactly n bytes with no
 * NUL after it, so a parser that reads past s[n-1] shows up as a heap
 * overflow in an ND_SANITIZE build.  inet_pton()/inet_ntop() appear only
 * here, as an independent oracle for the randomized cross-checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/net.h"

typedef int (*parse_fn)(const char *s, size_t n, net_ip_t *out, const char **why);

/* ---- helpers ------------------------------------------------------------ */

/* A heap copy of exactly n bytes (see the top of the file). */
static char *exact(const char *s, size_t n)
{
    char *p = malloc(n ? n : 1);
    assert_non_null(p);
    if (n) memcpy(p, s, n);
    return p;
}

/* A reason must exist, be short lower-case text, and match want if given. */
static void check_why(const char *why, const char *want, const char *in)
{
    if (why == NULL || why[0] == '\0') fail_msg("no reason given for \"%s\"", in);
    for (const char *p = why; *p; p++)
        if (*p >= 'A' && *p <= 'Z') fail_msg("reason not lower case: \"%s\"", why);
    if (strlen(why) > 60) fail_msg("reason too long: \"%s\"", why);
    if (want && strcmp(why, want) != 0)
        fail_msg("\"%s\": reason \"%s\", want \"%s\"", in, why, want);
}

static net_ip_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    net_ip_t ip = {.family = 4, .addr = {a, b, c, d}};
    return ip;
}

static net_ip_t ip6w(const uint16_t w[8])
{
    net_ip_t ip = {.family = 6};
    for (int k = 0; k < 8; k++) {
        ip.addr[2 * k] = (uint8_t)(w[k] >> 8);
        ip.addr[2 * k + 1] = (uint8_t)w[k];
    }
    return ip;
}

/* Parses text that must be valid (the test's own fixtures). */
static net_ip_t must(const char *text)
{
    net_ip_t ip;
    const char *why = NULL;
    if (net_parse_ip(text, strlen(text), &ip, &why) != C_OK)
        fail_msg("fixture \"%s\" rejected: %s", text, why);
    return ip;
}

static void assert_ip_equal(const net_ip_t *a, const net_ip_t *b)
{
    assert_int_equal(a->family, b->family);
    assert_memory_equal(a->addr, b->addr, 16);
}

/* Runs parse on an exact-size copy of (in, n) and checks it fails with
 * reason want (any reason when want is NULL) and leaves *out alone. */
static void bad_n(parse_fn parse, const char *in, size_t n, const char *want)
{
    char *s = exact(in, n);
    net_ip_t out, before;
    memset(&out, 0x5a, sizeof out);
    before = out;
    const char *why = NULL;
    if (parse(s, n, &out, &why) != C_ERR) fail_msg("accepted invalid address \"%.*s\"", (int)n, in);
    check_why(why, want, in);
    assert_memory_equal(&out, &before, sizeof out);
    assert_int_equal(parse(s, n, NULL, NULL), C_ERR); /* no out, no why */
    free(s);
}

static void v4_bad(const char *in, const char *want)
{
    bad_n(net_parse_ipv4, in, strlen(in), want);
    /* net_parse_ip must refuse it too, for whatever reason. */
    bad_n(net_parse_ip, in, strlen(in), NULL);
}

static void v6_bad(const char *in, const char *want)
{
    bad_n(net_parse_ipv6, in, strlen(in), want);
    bad_n(net_parse_ip, in, strlen(in), NULL);
}

static void v4_ok(const char *in, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    size_t n = strlen(in);
    char *s = exact(in, n);
    net_ip_t got, want = ip4(a, b, c, d);
    const char *why = NULL;

    memset(&got, 0xa5, sizeof got);
    if (net_parse_ipv4(s, n, &got, &why) != C_OK) fail_msg("rejected IPv4 \"%s\": %s", in, why);
    assert_ip_equal(&got, &want);

    memset(&got, 0xa5, sizeof got);
    assert_int_equal(net_parse_ip(s, n, &got, NULL), C_OK);
    assert_ip_equal(&got, &want);
    assert_int_equal(net_parse_ipv4(s, n, NULL, NULL), C_OK);
    assert_int_equal(net_parse_ipv6(s, n, NULL, NULL), C_ERR);

    /* The strict syntax has one spelling per address: format gives it back. */
    char text[NET_ADDR_SZ];
    net_format(&got, text);
    assert_string_equal(text, in);

    /* The oracle agrees. */
    uint8_t raw[4];
    assert_int_equal(inet_pton(AF_INET, in, raw), 1);
    assert_memory_equal(raw, want.addr, 4);
    free(s);
}

/* in must parse as IPv6 and format as canon; canon must parse back to the
 * same address, and inet_pton must read both texts the same way. */
static void v6_ok(const char *in, const char *canon)
{
    size_t n = strlen(in);
    char *s = exact(in, n);
    net_ip_t got, again;
    const char *why = NULL;

    memset(&got, 0xa5, sizeof got);
    if (net_parse_ipv6(s, n, &got, &why) != C_OK) fail_msg("rejected IPv6 \"%s\": %s", in, why);
    assert_int_equal(got.family, 6);
    assert_int_equal(net_parse_ip(s, n, &again, NULL), C_OK);
    assert_ip_equal(&again, &got);
    assert_int_equal(net_parse_ipv6(s, n, NULL, NULL), C_OK);
    assert_int_equal(net_parse_ipv4(s, n, NULL, NULL), C_ERR);

    char text[NET_ADDR_SZ];
    net_format(&got, text);
    if (strcmp(text, canon) != 0) fail_msg("\"%s\" formats as \"%s\", want \"%s\"", in, text, canon);

    assert_int_equal(net_parse_ipv6(canon, strlen(canon), &again, NULL), C_OK);
    assert_ip_equal(&again, &got);

    uint8_t raw[16];
    assert_int_equal(inet_pton(AF_INET6, in, raw), 1);
    assert_memory_equal(raw, got.addr, 16);
    assert_int_equal(inet_pton(AF_INET6, canon, raw), 1);
    assert_memory_equal(raw, got.addr, 16);
    free(s);
}

/* Formats the address given as 8 hextets. */
static void fmt_words(uint16_t w0, uint16_t w1, uint16_t w2, uint16_t w3, uint16_t w4,
                      uint16_t w5, uint16_t w6, uint16_t w7, const char *want)
{
    const uint16_t w[8] = {w0, w1, w2, w3, w4, w5, w6, w7};
    net_ip_t ip = ip6w(w);
    char text[NET_ADDR_SZ];
    memset(text, 'x', sizeof text);
    net_format(&ip, text);
    assert_string_equal(text, want);
}

/* Deterministic xorshift64*: the same cases on every run, so a failure
 * reproduces. */
static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1du;
}

/* ---- IPv4 --------------------------------------------------------------- */

static void test_ipv4_valid(void **state)
{
    (void)state;
    v4_ok("0.0.0.0", 0, 0, 0, 0);
    v4_ok("255.255.255.255", 255, 255, 255, 255);
    v4_ok("192.0.2.1", 192, 0, 2, 1);
    v4_ok("10.0.0.1", 10, 0, 0, 1);
    v4_ok("127.0.0.1", 127, 0, 0, 1);
    v4_ok("1.2.3.4", 1, 2, 3, 4);
    v4_ok("100.64.0.10", 100, 64, 0, 10);
    v4_ok("9.99.199.249", 9, 99, 199, 249);
    v4_ok("250.251.252.253", 250, 251, 252, 253);
    v4_ok("0.10.100.200", 0, 10, 100, 200);
}

static void test_ipv4_invalid(void **state)
{
    (void)state;
    v4_bad("", "empty address");
    v4_bad("1", "expected 4 octets");
    v4_bad("127.1", "expected 4 octets");
    v4_bad("1.2.3", "expected 4 octets");
    v4_bad("1.2.3.4.5", "expected 4 octets");
    v4_bad("1.2.3.4..", "expected 4 octets");
    v4_bad("1.2.3.4.", "trailing dot");
    v4_bad("1.2.3.", "trailing dot");
    v4_bad("1.", "trailing dot");
    v4_bad(".", "empty octet");
    v4_bad(".1.2.3", "empty octet");
    v4_bad("1..2.3", "empty octet");
    v4_bad("1.2..3", "empty octet");
    v4_bad("256.1.1.1", "octet out of range");
    v4_bad("1.2.3.999", "octet out of range");
    v4_bad("1.2.3.1000", "octet out of range");
    v4_bad("1.300.3.4", "octet out of range");
    v4_bad("4294967295", "octet out of range");
    v4_bad("99999999999999999999999.1.1.1", "octet out of range"); /* no overflow */
    v4_bad("01.2.3.4", "leading zero in octet");
    v4_bad("1.2.3.00", "leading zero in octet");
    v4_bad("1.2.3.010", "leading zero in octet");
    v4_bad("1.2.3.0000", "leading zero in octet");
    v4_bad("0177.0.0.1", "leading zero in octet");
    v4_bad("017700000001", "leading zero in octet");
    v4_bad("0x7f.0.0.1", "invalid character in address");
    v4_bad("1.2.3.0x4", "invalid character in address");
    v4_bad("+1.2.3.4", "invalid character in address");
    v4_bad("-1.2.3.4", "invalid character in address");
    v4_bad("1.2.3.-4", "invalid character in address");
    v4_bad("1.2.3.+4", "invalid character in address");
    v4_bad("a.b.c.d", "invalid character in address");
    v4_bad("1.2.3.4a", "invalid character in address");
    v4_bad("1,2,3,4", "invalid character in address");
    v4_bad("1.2.3.4/24", "invalid character in address");
    v4_bad("1.2.3.4:5060", "invalid character in address");
    v4_bad("\xd9\xa1.2.3.4", "invalid character in address"); /* Arabic-Indic 1 */
    v4_bad("1.2.3.\xff", "invalid character in address");
    bad_n(net_parse_ipv4, "::1", 3, "invalid character in address");
    v4_bad(" 1.2.3.4", "whitespace in address");
    v4_bad("1.2.3.4 ", "whitespace in address");
    v4_bad("1.2.3.4\n", "whitespace in address");
    v4_bad("1. 2.3.4", "whitespace in address");
    v4_bad("1.2.3.4\t", "whitespace in address");
}

/* ---- IPv6 --------------------------------------------------------------- */

static void test_ipv6_rfc5952_examples(void **state)
{
    (void)state;
    /* §2.1 leading zeros */
    v6_ok("2001:db8:aaaa:bbbb:cccc:dddd:eeee:0001", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1");
    v6_ok("2001:db8:aaaa:bbbb:cccc:dddd:eeee:001", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1");
    v6_ok("2001:db8:aaaa:bbbb:cccc:dddd:eeee:01", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1");
    v6_ok("2001:db8:aaaa:bbbb:cccc:dddd:eeee:1", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:1");
    /* §2.2 zero compression */
    v6_ok("2001:db8:aaaa:bbbb:cccc:dddd::1", "2001:db8:aaaa:bbbb:cccc:dddd:0:1");
    v6_ok("2001:db8:aaaa:bbbb:cccc:dddd:0:1", "2001:db8:aaaa:bbbb:cccc:dddd:0:1");
    v6_ok("2001:db8:0:0:0::1", "2001:db8::1");
    v6_ok("2001:db8:0:0::1", "2001:db8::1");
    v6_ok("2001:db8:0::1", "2001:db8::1");
    v6_ok("2001:db8::1", "2001:db8::1");
    v6_ok("2001:db8::aaaa:0:0:1", "2001:db8::aaaa:0:0:1");
    v6_ok("2001:db8:0:0:aaaa::1", "2001:db8::aaaa:0:0:1");
    /* §2.3 case */
    v6_ok("2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa");
    v6_ok("2001:db8:aaaa:bbbb:cccc:dddd:eeee:AAAA", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa");
    v6_ok("2001:db8:aaaa:bbbb:cccc:dddd:eeee:AaAa", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:aaaa");
    /* §1: one address, many spellings */
    v6_ok("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
    v6_ok("2001:0db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
    v6_ok("2001:db8::1:0:0:1", "2001:db8::1:0:0:1");
    v6_ok("2001:db8::0:1:0:0:1", "2001:db8::1:0:0:1");
    v6_ok("2001:0db8::1:0:0:1", "2001:db8::1:0:0:1");
    v6_ok("2001:db8:0:0:1::1", "2001:db8::1:0:0:1");
    v6_ok("2001:db8:0000:0:1::1", "2001:db8::1:0:0:1");
    v6_ok("2001:DB8:0:0:1::1", "2001:db8::1:0:0:1");
    /* §4.1, §4.2.1, §4.2.2, §4.2.3, §4.3 */
    v6_ok("2001:0db8::0001", "2001:db8::1");
    v6_ok("2001:db8::0:1", "2001:db8::1");
    v6_ok("2001:db8:0:0:0:0:2:1", "2001:db8::2:1");
    v6_ok("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
    v6_ok("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
    v6_ok("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
    v6_ok("2001:DB8::1", "2001:db8::1");
    /* §5 IPv4-mapped */
    v6_ok("::ffff:192.0.2.1", "::ffff:192.0.2.1");
    v6_ok("::FFFF:192.0.2.1", "::ffff:192.0.2.1");
    v6_ok("::ffff:c000:201", "::ffff:192.0.2.1");
    v6_ok("0:0:0:0:0:ffff:192.0.2.1", "::ffff:192.0.2.1");
}

static void test_ipv6_valid(void **state)
{
    (void)state;
    v6_ok("::", "::");
    v6_ok("0:0:0:0:0:0:0:0", "::");
    v6_ok("0000:0000:0000:0000:0000:0000:0000:0000", "::");
    v6_ok("::0", "::");
    v6_ok("0::", "::");
    v6_ok("::1", "::1");
    v6_ok("0:0:0:0:0:0:0:1", "::1");
    v6_ok("1::", "1::");
    v6_ok("1:0:0:0:0:0:0:0", "1::");
    v6_ok("fe80::1", "fe80::1");
    v6_ok("FE80::0202:B3FF:FE1E:8329", "fe80::202:b3ff:fe1e:8329");
    v6_ok("ff02::1:2", "ff02::1:2");
    v6_ok("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8");
    v6_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    v6_ok("FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    v6_ok("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8");  /* "::" for one hextet is fine to read */
    v6_ok("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0");
    v6_ok("1:2:3::5:6:7:8", "1:2:3:0:5:6:7:8");
    v6_ok("1::8", "1::8");
    v6_ok("1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0");      /* single zeros stay */
    v6_ok("0:1:0:1:0:1:0:1", "0:1:0:1:0:1:0:1");
    v6_ok("1:0:0:1:0:0:1:1", "1::1:0:0:1:1");          /* tie: the first run */
    v6_ok("1:0:0:1:1:0:0:1", "1::1:1:0:0:1");
    v6_ok("1:0:0:1:0:0:0:1", "1:0:0:1::1");            /* longest run wins */
    v6_ok("0:0:1:0:0:0:1:0", "0:0:1::1:0");
    v6_ok("0:0:1:1:1:1:0:0", "::1:1:1:1:0:0");
    v6_ok("1:1:1:1:1:1:0:0", "1:1:1:1:1:1::");
    v6_ok("0:0:1:1:1:1:1:1", "::1:1:1:1:1:1");
    v6_ok("0:0:0:0:0:0:1:0", "::1:0");
    v6_ok("abcd:ef01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789");
    v6_ok("0db8::", "db8::");
    v6_ok("000a::00b0", "a::b0");
}

static void test_ipv6_embedded_ipv4(void **state)
{
    (void)state;
    v6_ok("::ffff:0.0.0.0", "::ffff:0.0.0.0");
    v6_ok("::ffff:0:0", "::ffff:0.0.0.0");
    v6_ok("::ffff:255.255.255.255", "::ffff:255.255.255.255");
    v6_ok("::ffff:10.0.0.1", "::ffff:10.0.0.1");
    /* other embedded forms print in plain hex */
    v6_ok("64:ff9b::192.0.2.1", "64:ff9b::c000:201");
    v6_ok("::192.0.2.1", "::c000:201");
    v6_ok("::0.0.0.1", "::1");
    v6_ok("::0.0.0.0", "::");
    v6_ok("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304");
    v6_ok("1:2:3:4:5::1.2.3.4", "1:2:3:4:5:0:102:304");
    v6_ok("1::1.2.3.4", "1::102:304");
    v6_ok("::fffe:1.2.3.4", "::fffe:102:304");
    v6_ok("0:0:0:0:1:ffff:1.2.3.4", "::1:ffff:102:304"); /* not mapped: word 4 is 1 */
    v6_ok("0:0:0:0:0:0:1.2.3.4", "::102:304");

    v6_bad("1:2:3:4:5:6:7:1.2.3.4", "too many hextets");
    v6_bad("1:2:3:4:5:6::1.2.3.4", "too many hextets");
    v6_bad("::ffff:01.2.3.4", "leading zero in octet");
    v6_bad("::ffff:1.2.3.04", "leading zero in octet");
    v6_bad("::ffff:1.2.3.256", "octet out of range");
    v6_bad("::ffff:1.2.3", "expected 4 octets");
    v6_bad("::ffff:1.2.3.4.5", "expected 4 octets");
    v6_bad("::ffff:1.2.3.4.", "trailing dot");
    v6_bad("::1.2.3.4:5", "invalid character in address");   /* IPv4 not last */
    v6_bad("::1.2.3.4::", "invalid character in address");
    v6_bad("1.2.3.4::", "invalid character in address");
    v6_bad("::a.b.c.d", "invalid character in address");
    v6_bad("::ffff:1.2.3.4%eth0", "zone id not allowed");
    v6_bad("::ffff:1.2.3.4 ", "whitespace in address");
}

static void test_ipv6_invalid(void **state)
{
    (void)state;
    v6_bad("", "empty address");
    v6_bad(":", "address starts with a single ':'");
    v6_bad(":1::2", "address starts with a single ':'");
    v6_bad(":1:2:3:4:5:6:7", "address starts with a single ':'");
    v6_bad("1::2:", "address ends with a single ':'");
    v6_bad("1:2:3:4:5:6:7:8:", "address ends with a single ':'");
    v6_bad("1:", "address ends with a single ':'");
    v6_bad(":::", "too many colons");
    v6_bad("1:::2", "too many colons");
    v6_bad("::::", "too many colons");
    v6_bad("1::::", "too many colons");
    v6_bad("1::2::3", "more than one \"::\"");
    v6_bad("::1::", "more than one \"::\"");
    v6_bad("1:2", "expected 8 hextets or \"::\"");
    v6_bad("1:2:3:4:5:6:7", "expected 8 hextets or \"::\"");
    v6_bad("1:2:3:4:5:6:7:8:9", "too many hextets");
    /* "::" must stand for at least one hextet */
    v6_bad("1:2:3:4:5:6:7:8::", "too many hextets");
    v6_bad("::1:2:3:4:5:6:7:8", "too many hextets");
    v6_bad("1:2:3:4::5:6:7:8", "too many hextets");
    v6_bad("12345::", "more than 4 hex digits in hextet");
    v6_bad("::00000", "more than 4 hex digits in hextet");
    v6_bad("1:2:3:4:5:6:7:00008", "more than 4 hex digits in hextet");
    v6_bad("fe80::1%eth0", "zone id not allowed");
    v6_bad("fe80::1%1", "zone id not allowed");
    v6_bad("[::1]", "brackets not allowed");
    v6_bad("[2001:db8::1]:5060", "brackets not allowed");
    v6_bad("::1]", "brackets not allowed");
    v6_bad(" ::1", "whitespace in address");
    v6_bad("::1 ", "whitespace in address");
    v6_bad(":: 1", "whitespace in address");
    v6_bad("::1\r\n", "whitespace in address");
    v6_bad("g::1", "invalid character in address");
    v6_bad("0x1::", "invalid character in address");
    v6_bad("::-1", "invalid character in address");
    v6_bad("+::1", "invalid character in address");
    v6_bad("::1/64", "invalid character in address");
    v6_bad("1:2:3:4:5:6:7:8 9", "whitespace in address");
    v6_bad("2001:db8::\xc3\xa9", "invalid character in address");
}

/* net_parse_ip picks the family by the presence of ':'. */
static void test_parse_ip(void **state)
{
    (void)state;
    net_ip_t ip;
    const char *why = NULL;
    assert_int_equal(net_parse_ip("192.0.2.1", 9, &ip, &why), C_OK);
    assert_int_equal(ip.family, 4);
    assert_int_equal(net_parse_ip("::", 2, &ip, &why), C_OK);
    assert_int_equal(ip.family, 6);
    assert_int_equal(net_parse_ip("::ffff:192.0.2.1", 16, &ip, &why), C_OK);
    assert_int_equal(ip.family, 6);

    /* a port after an IPv4 address goes to the IPv6 parser, and fails */
    assert_int_equal(net_parse_ip("192.0.2.1:5060", 14, &ip, &why), C_ERR);
    check_why(why, NULL, "192.0.2.1:5060");
    /* the IPv4 rules hold when picked */
    assert_int_equal(net_parse_ip("192.0.2.01", 10, &ip, &why), C_ERR);
    check_why(why, "leading zero in octet", "192.0.2.01");
    assert_int_equal(net_parse_ip("", 0, &ip, &why), C_ERR);
    check_why(why, "empty address", "");
    assert_int_equal(net_parse_ip(NULL, 0, &ip, &why), C_ERR);
    check_why(why, "empty address", "(null)");
    assert_int_equal(net_parse_ipv4(NULL, 0, &ip, &why), C_ERR);
    assert_int_equal(net_parse_ipv6(NULL, 0, &ip, &why), C_ERR);
    assert_int_equal(net_parse_cidr(NULL, 0, &ip, NULL, NULL, &why), C_ERR);

    /* IPv4 addresses keep addr[4..15] zero, whatever was in out before */
    memset(&ip, 0xff, sizeof ip);
    assert_int_equal(net_parse_ip("1.2.3.4", 7, &ip, NULL), C_OK);
    const uint8_t want[16] = {1, 2, 3, 4};
    assert_memory_equal(ip.addr, want, 16);
}

/* ---- formatting --------------------------------------------------------- */

static void test_format(void **state)
{
    (void)state;
    fmt_words(0, 0, 0, 0, 0, 0, 0, 0, "::");
    fmt_words(0, 0, 0, 0, 0, 0, 0, 1, "::1");
    fmt_words(1, 0, 0, 0, 0, 0, 0, 0, "1::");
    fmt_words(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1, "2001:db8::1:0:0:1");
    fmt_words(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1, "2001:db8:0:1:1:1:1:1");
    fmt_words(0x2001, 0, 0, 1, 0, 0, 0, 1, "2001:0:0:1::1");
    fmt_words(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x201, "::ffff:192.0.2.1");
    fmt_words(0, 0, 0, 0, 0, 0xffff, 0, 0, "::ffff:0.0.0.0");
    fmt_words(0, 0, 0, 0, 0, 0xffff, 1, 2, "::ffff:0.1.0.2");
    fmt_words(0, 0, 0, 0, 0, 0xfffe, 1, 2, "::fffe:1:2");
    fmt_words(0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x201, "64:ff9b::c000:201");
    fmt_words(0, 0, 0, 0, 0, 0, 0xc000, 0x201, "::c000:201");
    fmt_words(0x1000, 0x100, 0x10, 0x1, 0xf000, 0xf00, 0xf0, 0xf,
              "1000:100:10:1:f000:f00:f0:f");
    fmt_words(0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff,
              "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    fmt_words(1, 0, 2, 0, 0, 3, 0, 0, "1:0:2::3:0:0");

    char text[NET_ADDR_SZ];
    net_ip_t v4 = ip4(255, 255, 255, 255);
    net_format(&v4, text);
    assert_string_equal(text, "255.255.255.255");
    v4 = ip4(0, 0, 0, 0);
    net_format(&v4, text);
    assert_string_equal(text, "0.0.0.0");
    v4 = ip4(10, 100, 0, 9);
    net_format(&v4, text);
    assert_string_equal(text, "10.100.0.9");

    /* The longest texts fit with room for the NUL. */
    net_ip_t m = must("::ffff:255.255.255.255");
    net_format(&m, text);
    assert_string_equal(text, "::ffff:255.255.255.255");
    m = must("1111:2222:3333:4444:5555:6666:7777:8888");
    net_format(&m, text);
    assert_int_equal(strlen(text), 39);

    /* A bad family or a NULL address gives "", not garbage. */
    net_ip_t odd = {.family = 5};
    memset(text, 'x', sizeof text);
    net_format(&odd, text);
    assert_string_equal(text, "");
    memset(text, 'x', sizeof text);
    net_format(NULL, text);
    assert_string_equal(text, "");
}

/* parse(format(x)) == x for fixed and random addresses of both families. */
static void test_roundtrip(void **state)
{
    (void)state;
    char text[NET_ADDR_SZ];
    net_ip_t back;
    for (int i = 0; i < 20000; i++) {
        net_ip_t ip = {.family = (i & 1) ? 6 : 4};
        uint64_t a = rnd(), b = rnd();
        if (ip.family == 4) {
            memcpy(ip.addr, &a, 4);
        } else {
            memcpy(ip.addr, &a, 8);
            memcpy(ip.addr + 8, &b, 8);
            /* zero some hextets so "::" shows up */
            uint64_t z = rnd();
            for (int k = 0; k < 8; k++)
                if ((z >> (2 * k) & 3) != 0) ip.addr[2 * k] = ip.addr[2 * k + 1] = 0;
            if (i % 10 == 1) { /* IPv4-mapped now and then */
                memset(ip.addr, 0, 10);
                ip.addr[10] = ip.addr[11] = 0xff;
            }
        }
        net_format(&ip, text);
        const char *why = NULL;
        if (net_parse_ip(text, strlen(text), &back, &why) != C_OK)
            fail_msg("formatted text \"%s\" does not parse: %s", text, why);
        assert_ip_equal(&back, &ip);
    }
}

/* Random addresses with random zero runs: our RFC 5952 text must equal
 * glibc's inet_ntop, which follows RFC 5952 except that it prints the
 * deprecated IPv4-compatible form ::a.b.c.d for ::/96 with a nonzero
 * word 6; those are skipped. */
static void test_random_format_vs_inet_ntop(void **state)
{
    (void)state;
    int compared = 0, mapped = 0, compressed = 0;
    for (int i = 0; i < 100000; i++) {
        uint16_t w[8];
        for (int k = 0; k < 8; k++) {
            uint64_t r = rnd();
            switch (r % 4) {
            case 0:
            case 1: w[k] = 0; break;
            case 2: w[k] = (uint16_t)(r >> 8 & 0x1f); break; /* short hextets */
            default: w[k] = (uint16_t)(r >> 16); break;
            }
        }
        uint64_t r = rnd();
        if (r % 3 == 0) { /* force a run */
            int start = (int)((r >> 8) % 8);
            int len = 1 + (int)((r >> 16) % (uint64_t)(8 - start));
            for (int k = start; k < start + len; k++) w[k] = 0;
        }
        if (r % 17 == 0) { /* IPv4-mapped */
            for (int k = 0; k < 5; k++) w[k] = 0;
            w[5] = 0xffff;
        }
        bool compat = true;
        for (int k = 0; k < 6; k++)
            if (w[k] != 0) compat = false;
        if (compat && w[6] != 0) continue;

        net_ip_t ip = ip6w(w);
        char ours[NET_ADDR_SZ], theirs[INET6_ADDRSTRLEN];
        net_format(&ip, ours);
        assert_non_null(inet_ntop(AF_INET6, ip.addr, theirs, sizeof theirs));
        if (strcmp(ours, theirs) != 0)
            fail_msg("net_format \"%s\", inet_ntop \"%s\" (case %d)", ours, theirs, i);

        /* and both parsers read it back to the same bytes */
        net_ip_t back;
        uint8_t raw[16];
        assert_int_equal(net_parse_ipv6(ours, strlen(ours), &back, NULL), C_OK);
        assert_ip_equal(&back, &ip);
        assert_int_equal(inet_pton(AF_INET6, ours, raw), 1);
        assert_memory_equal(raw, ip.addr, 16);

        compared++;
        if (strstr(ours, "::ffff:") == ours && strchr(ours, '.')) mapped++;
        if (strstr(ours, "::")) compressed++;
    }
    /* the generator really did exercise the interesting shapes */
    assert_true(compared > 90000);
    assert_true(mapped > 1000);
    assert_true(compressed > 30000);
}

/* Accept/reject on random short strings over "0123456789." must match
 * glibc's inet_pton(AF_INET), which is strict too: 4 octets, no leading
 * zeros, no shorthand (unlike inet_aton).  The bytes must match on accept.
 * Half the strings are built from octet-like tokens, since uniformly random
 * ones are almost never valid. */
static void test_random_ipv4_vs_inet_pton(void **state)
{
    (void)state;
    static const char alphabet[] = "0123456789.";
    static const char *const tokens[] = {"0",   "1",   "2",   "7",   "9",  "10", "42",  "99",
                                         "100", "199", "250", "255", "256", "300", "999", "00",
                                         "01",  "010", "1000", ".",  ""};
    int accepted = 0, rejected = 0;
    for (int i = 0; i < 200000; i++) {
        char s[64];
        size_t n = 0;
        if (i & 1) {
            size_t len = 1 + rnd() % 16;
            for (; n < len; n++) s[n] = alphabet[rnd() % (sizeof alphabet - 1)];
        } else {
            uint64_t r = rnd() % 8;
            int octets = r == 0 ? 3 : r == 1 ? 5 : 4;
            for (int k = 0; k < octets; k++) {
                const char *t = tokens[rnd() % ND_ARRAY_LEN(tokens)];
                if (k > 0 && rnd() % 32 != 0) s[n++] = '.';
                memcpy(s + n, t, strlen(t));
                n += strlen(t);
            }
        }
        s[n] = '\0';

        char *copy = exact(s, n);
        net_ip_t ip;
        const char *why = NULL;
        int ours = net_parse_ipv4(copy, n, &ip, &why);
        free(copy);
        uint8_t raw[4];
        int theirs = inet_pton(AF_INET, s, raw);
        if ((ours == C_OK) != (theirs == 1))
            fail_msg("\"%s\": net_parse_ipv4 %s (%s), inet_pton %d", s, ours == C_OK ? "ok" : "err",
                     ours == C_OK ? "-" : why, theirs);
        if (ours == C_OK) {
            assert_memory_equal(ip.addr, raw, 4);
            accepted++;
        } else {
            check_why(why, NULL, s);
            rejected++;
        }
    }
    assert_true(accepted > 3000);
    assert_true(rejected > 3000);
}

/* The same for IPv6, from tokens that make near-miss addresses: hextets of
 * every length, single/double/triple colons, embedded IPv4 good and bad.
 * glibc's inet_pton(AF_INET6) has the RFC 4291 rules we have (bar zone ids,
 * which it also refuses). */
static void test_random_ipv6_vs_inet_pton(void **state)
{
    (void)state;
    static const char *const tokens[] = {
        "0", "1", "a", "F", "ff", "Ab", "0db8", "ffff", "FFFF", "12345", "00000", ":", ":", ":",
        "::", "::", ":::", ".", "1.2.3.4", "255.255.255.255", "01.2.3.4", "1.2.3", "256.0.0.1",
        "g", "0:0", "1:2:3:4", "::ffff:", "192.0.2.1",
    };
    int accepted = 0, rejected = 0;
    for (int i = 0; i < 300000; i++) {
        char s[256];
        size_t n = 0;
        int count = 1 + (int)(rnd() % 12);
        for (int k = 0; k < count; k++) {
            const char *t = tokens[rnd() % ND_ARRAY_LEN(tokens)];
            memcpy(s + n, t, strlen(t));
            n += strlen(t);
        }
        s[n] = '\0';

        char *copy = exact(s, n);
        net_ip_t ip;
        const char *why = NULL;
        int ours = net_parse_ipv6(copy, n, &ip, &why);
        free(copy);
        uint8_t raw[16];
        int theirs = inet_pton(AF_INET6, s, raw);
        if ((ours == C_OK) != (theirs == 1))
            fail_msg("\"%s\": net_parse_ipv6 %s (%s), inet_pton %d", s, ours == C_OK ? "ok" : "err",
                     ours == C_OK ? "-" : why, theirs);
        if (ours == C_OK) {
            assert_memory_equal(ip.addr, raw, 16);
            accepted++;
        } else {
            check_why(why, NULL, s);
            rejected++;
        }
    }
    assert_true(accepted > 5000);
    assert_true(rejected > 5000);
}

/* ---- CIDR --------------------------------------------------------------- */

static void cidr_ok(const char *in, const char *addr, int want_prefix, bool want_had)
{
    size_t n = strlen(in);
    char *s = exact(in, n);
    net_ip_t out;
    int prefix = -7;
    bool had = !want_had;
    const char *why = NULL;
    if (net_parse_cidr(s, n, &out, &prefix, &had, &why) != C_OK)
        fail_msg("rejected CIDR \"%s\": %s", in, why);
    net_ip_t want = must(addr);
    assert_ip_equal(&out, &want);
    assert_int_equal(prefix, want_prefix);
    assert_int_equal(had, want_had);
    /* optional outputs */
    assert_int_equal(net_parse_cidr(s, n, NULL, NULL, NULL, NULL), C_OK);

    /* format_cidr writes it back the canonical way */
    char text[NET_ADDR_SZ + 4], canon[NET_ADDR_SZ + 8];
    net_format_cidr(&out, prefix, text);
    net_format(&want, canon);
    if (prefix != (want.family == 4 ? 32 : 128))
        snprintf(canon + strlen(canon), sizeof canon - strlen(canon), "/%d", prefix);
    assert_string_equal(text, canon);
    free(s);
}

static void cidr_bad(const char *in, const char *want_why)
{
    size_t n = strlen(in);
    char *s = exact(in, n);
    net_ip_t out, before;
    memset(&out, 0x5a, sizeof out);
    before = out;
    int prefix = -7;
    bool had = true;
    const char *why = NULL;
    if (net_parse_cidr(s, n, &out, &prefix, &had, &why) != C_ERR)
        fail_msg("accepted invalid CIDR \"%s\"", in);
    check_why(why, want_why, in);
    assert_memory_equal(&out, &before, sizeof out);
    assert_int_equal(prefix, -7);
    assert_true(had);
    assert_int_equal(net_parse_cidr(s, n, NULL, NULL, NULL, NULL), C_ERR);
    free(s);
}

/* Host bits set: C_ERR, and the outputs hold the masked network. */
static void cidr_host_bits(const char *in, const char *masked, int want_prefix)
{
    size_t n = strlen(in);
    char *s = exact(in, n);
    net_ip_t out;
    memset(&out, 0x5a, sizeof out);
    int prefix = -7;
    bool had = false;
    const char *why = NULL;
    if (net_parse_cidr(s, n, &out, &prefix, &had, &why) != C_ERR)
        fail_msg("accepted CIDR with host bits \"%s\"", in);
    check_why(why, "host bits set", in);
    net_ip_t want = must(masked);
    assert_ip_equal(&out, &want);
    assert_int_equal(prefix, want_prefix);
    assert_true(had);
    /* the suggestion is itself valid */
    char text[NET_ADDR_SZ + 4];
    net_format_cidr(&out, prefix, text);
    assert_int_equal(net_parse_cidr(text, strlen(text), NULL, NULL, NULL, NULL), C_OK);
    assert_int_equal(net_parse_cidr(s, n, NULL, NULL, NULL, NULL), C_ERR);
    free(s);
}

static void test_cidr_valid(void **state)
{
    (void)state;
    cidr_ok("10.0.0.0/8", "10.0.0.0", 8, true);
    cidr_ok("10.0.0.0", "10.0.0.0", 32, false);
    cidr_ok("10.0.0.5", "10.0.0.5", 32, false);
    cidr_ok("10.0.0.5/32", "10.0.0.5", 32, true);
    cidr_ok("0.0.0.0/0", "0.0.0.0", 0, true);
    cidr_ok("192.0.2.0/24", "192.0.2.0", 24, true);
    cidr_ok("10.128.0.0/9", "10.128.0.0", 9, true);
    cidr_ok("255.255.255.254/31", "255.255.255.254", 31, true);
    cidr_ok("128.0.0.0/1", "128.0.0.0", 1, true);
    cidr_ok("::/0", "::", 0, true);
    cidr_ok("::", "::", 128, false);
    cidr_ok("::1/128", "::1", 128, true);
    cidr_ok("2001:db8::/32", "2001:db8::", 32, true);
    cidr_ok("2001:DB8:0:0::/64", "2001:db8::", 64, true);
    cidr_ok("2001:db8::1", "2001:db8::1", 128, false);
    cidr_ok("fe80::/10", "fe80::", 10, true);
    cidr_ok("fec0::/10", "fec0::", 10, true);
    cidr_ok("::ffff:0.0.0.0/96", "::ffff:0:0", 96, true);
    cidr_ok("::ffff:10.0.0.0/104", "::ffff:10.0.0.0", 104, true);
    cidr_ok("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 127, true);
    cidr_ok("8000::/1", "8000::", 1, true);
}

static void test_cidr_invalid(void **state)
{
    (void)state;
    cidr_host_bits("10.0.0.5/24", "10.0.0.0", 24);
    cidr_host_bits("10.0.0.5/8", "10.0.0.0", 8);
    cidr_host_bits("1.2.3.4/0", "0.0.0.0", 0);
    cidr_host_bits("10.192.0.0/9", "10.128.0.0", 9);
    cidr_host_bits("255.255.255.255/31", "255.255.255.254", 31);
    cidr_host_bits("192.0.2.1/1", "128.0.0.0", 1);
    cidr_host_bits("2001:db8::1/64", "2001:db8::", 64);
    cidr_host_bits("fe81::/10", "fe80::", 10);
    cidr_host_bits("::1/0", "::", 0);
    cidr_host_bits("::1/127", "::", 127);
    cidr_host_bits("2001:db8:1234::/33", "2001:db8::", 33);

    cidr_bad("", "empty address");
    cidr_bad("/24", "empty address");
    cidr_bad("/", "empty address");
    cidr_bad("10.0.0.0/", "missing prefix length after '/'");
    cidr_bad("::/", "missing prefix length after '/'");
    cidr_bad("1.2.3.4/33", "prefix length out of range");
    cidr_bad("0.0.0.0/99", "prefix length out of range");
    cidr_bad("0.0.0.0/999", "prefix length out of range");
    cidr_bad("0.0.0.0/1000", "prefix length out of range");
    cidr_bad("0.0.0.0/99999999999999999999", "prefix length out of range");
    cidr_bad("::/129", "prefix length out of range");
    cidr_bad("::/200", "prefix length out of range");
    cidr_bad("::/1280", "prefix length out of range");
    cidr_bad("10.0.0.0/01", "leading zero in prefix length");
    cidr_bad("10.0.0.0/00", "leading zero in prefix length");
    cidr_bad("10.0.0.0/008", "leading zero in prefix length");
    cidr_bad("::/064", "leading zero in prefix length");
    cidr_bad("10.0.0.0/+8", "invalid character in prefix length");
    cidr_bad("10.0.0.0/-1", "invalid character in prefix length");
    cidr_bad("10.0.0.0/8/8", "invalid character in prefix length");
    cidr_bad("10.0.0.0//8", "invalid character in prefix length");
    cidr_bad("10.0.0.0/ 8", "invalid character in prefix length");
    cidr_bad("10.0.0.0/8 ", "invalid character in prefix length");
    cidr_bad("10.0.0.0/0x8", "invalid character in prefix length");
    cidr_bad("10.0.0.0/255.0.0.0", "invalid character in prefix length"); /* no netmasks */
    cidr_bad("10.0.0.0 /8", "whitespace in address");
    cidr_bad("10.0.0.256/8", "octet out of range");
    cidr_bad("010.0.0.0/8", "leading zero in octet");
    cidr_bad("10.0.0/8", "expected 4 octets");
    cidr_bad("2001:db8::/32/", "invalid character in prefix length");
    cidr_bad("[2001:db8::]/32", "brackets not allowed");
    cidr_bad("fe80::%eth0/64", "zone id not allowed");
}

static void test_format_cidr(void **state)
{
    (void)state;
    char text[NET_ADDR_SZ + 4];
    net_ip_t ip = must("10.0.0.0");
    net_format_cidr(&ip, 8, text);
    assert_string_equal(text, "10.0.0.0/8");
    net_format_cidr(&ip, 0, text);
    assert_string_equal(text, "10.0.0.0/0");
    net_format_cidr(&ip, 32, text);
    assert_string_equal(text, "10.0.0.0");
    ip = must("2001:0db8:0::");
    net_format_cidr(&ip, 32, text);
    assert_string_equal(text, "2001:db8::/32");
    net_format_cidr(&ip, 128, text);
    assert_string_equal(text, "2001:db8::");
    ip = must("::");
    net_format_cidr(&ip, 0, text);
    assert_string_equal(text, "::/0");
    ip = must("::ffff:10.0.0.0");
    net_format_cidr(&ip, 104, text);
    assert_string_equal(text, "::ffff:10.0.0.0/104");

    /* the longest: 39 characters of address and "/127" */
    ip = must("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
    memset(text, 'x', sizeof text);
    net_format_cidr(&ip, 127, text);
    assert_string_equal(text, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
    assert_true(strlen(text) < sizeof text);

    /* a prefix the family cannot have, or no address: "" */
    ip = must("10.0.0.0");
    memset(text, 'x', sizeof text);
    net_format_cidr(&ip, 33, text);
    assert_string_equal(text, "");
    net_format_cidr(&ip, -1, text);
    assert_string_equal(text, "");
    ip = must("::");
    net_format_cidr(&ip, 129, text);
    assert_string_equal(text, "");
    net_format_cidr(&ip, -2147483647 - 1, text);
    assert_string_equal(text, "");
    net_format_cidr(NULL, 8, text);
    assert_string_equal(text, "");
    net_ip_t odd = {.family = 0};
    net_format_cidr(&odd, 0, text);
    assert_string_equal(text, "");

    /* every prefix length round-trips through the parser */
    net_ip_t zero4 = must("0.0.0.0"), zero6 = must("::");
    for (int p = 0; p <= 128; p++) {
        int got;
        bool had;
        net_ip_t back;
        if (p <= 32) {
            net_format_cidr(&zero4, p, text);
            assert_int_equal(net_parse_cidr(text, strlen(text), &back, &got, &had, NULL), C_OK);
            assert_int_equal(got, p);
            assert_int_equal(had, p != 32);
        }
        net_format_cidr(&zero6, p, text);
        assert_int_equal(net_parse_cidr(text, strlen(text), &back, &got, &had, NULL), C_OK);
        assert_int_equal(got, p);
        assert_int_equal(had, p != 128);
    }
}

/* ---- membership --------------------------------------------------------- */

static bool contains(const char *net, int prefix, const char *ip)
{
    net_ip_t a = must(net), b = must(ip);
    return net_cidr_contains(&a, prefix, &b);
}

/* Bit by bit, the slow obvious way, to check the byte-wise code against. */
static bool contains_slow(const net_ip_t *a, int prefix, const net_ip_t *b)
{
    for (int bit = 0; bit < prefix; bit++) {
        int ba = a->addr[bit / 8] >> (7 - bit % 8) & 1;
        int bb = b->addr[bit / 8] >> (7 - bit % 8) & 1;
        if (ba != bb) return false;
    }
    return true;
}

static void test_mask(void **state)
{
    (void)state;
    struct { const char *in; int prefix; const char *want; } t[] = {
        {"203.0.113.5", 24, "203.0.113.0"}, {"203.0.113.5", 32, "203.0.113.5"},
        {"10.255.1.1", 9, "10.128.0.0"},    {"10.0.0.1", 0, "0.0.0.0"},
        {"2001:db8::1", 64, "2001:db8::"},  {"2001:db8:ffff::1", 33, "2001:db8:8000::"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        net_ip_t ip;
        char out[NET_ADDR_SZ];
        assert_int_equal(net_parse_ip(t[i].in, strlen(t[i].in), &ip, NULL), C_OK);
        net_mask(&ip, t[i].prefix);
        net_format(&ip, out);
        assert_string_equal(out, t[i].want);
    }
}

static void test_cidr_contains(void **state)
{
    (void)state;
    assert_true(contains("10.0.0.0", 8, "10.0.0.0"));
    assert_true(contains("10.0.0.0", 8, "10.255.255.255"));
    assert_false(contains("10.0.0.0", 8, "11.0.0.0"));
    assert_false(contains("10.0.0.0", 8, "9.255.255.255"));
    assert_true(contains("0.0.0.0", 0, "203.0.113.9"));
    assert_true(contains("192.0.2.1", 32, "192.0.2.1"));
    assert_false(contains("192.0.2.1", 32, "192.0.2.2"));
    assert_true(contains("10.128.0.0", 9, "10.200.1.1"));
    assert_false(contains("10.128.0.0", 9, "10.127.1.1"));
    assert_true(contains("192.0.2.0", 31, "192.0.2.1"));
    assert_false(contains("192.0.2.0", 31, "192.0.2.2"));
    /* bits of net past the prefix do not matter */
    assert_true(contains("10.0.0.5", 24, "10.0.0.200"));
    assert_true(contains("2001:db8::", 32, "2001:db8:ffff::1"));
    assert_false(contains("2001:db8::", 32, "2001:db9::"));
    assert_true(contains("::", 0, "ffff::1"));
    assert_true(contains("fe80::", 10, "febf:ffff::"));
    assert_false(contains("fe80::", 10, "fec0::"));
    assert_true(contains("::1", 128, "::1"));
    assert_false(contains("::1", 128, "::2"));
    assert_true(contains("::", 127, "::1"));
    assert_false(contains("::", 127, "::2"));
    /* families never mix, not even through IPv4-mapped addresses */
    assert_false(contains("10.0.0.0", 8, "::ffff:10.0.0.1"));
    assert_false(contains("::ffff:10.0.0.0", 104, "10.0.0.1"));
    assert_false(contains("0.0.0.0", 0, "::"));
    assert_false(contains("::", 0, "0.0.0.0"));
    /* bad prefixes and pointers */
    assert_false(contains("10.0.0.0", 33, "10.0.0.0"));
    assert_false(contains("10.0.0.0", -1, "10.0.0.0"));
    assert_false(contains("::", 129, "::"));
    net_ip_t a = must("10.0.0.0"), odd = {.family = 0};
    assert_false(net_cidr_contains(NULL, 8, &a));
    assert_false(net_cidr_contains(&a, 8, NULL));
    assert_false(net_cidr_contains(&odd, 0, &odd));

    /* random pairs sharing a random number of leading bits */
    for (int i = 0; i < 50000; i++) {
        net_ip_t x = {.family = (i & 1) ? 6 : 4}, y;
        int max = x.family == 4 ? 32 : 128;
        uint64_t r1 = rnd(), r2 = rnd();
        memcpy(x.addr, &r1, 8);
        memcpy(x.addr + 8, &r2, 8);
        if (x.family == 4) memset(x.addr + 4, 0, 12);
        y = x;
        int flip = (int)(rnd() % (unsigned)max); /* first differing bit */
        y.addr[flip / 8] ^= (uint8_t)(0x80 >> flip % 8);
        int prefix = (int)(rnd() % (unsigned)(max + 1));
        bool want = contains_slow(&x, prefix, &y);
        assert_int_equal(want, prefix <= flip);
        assert_int_equal(net_cidr_contains(&x, prefix, &y), want);
        assert_int_equal(net_cidr_contains(&y, prefix, &x), want);
        assert_true(net_cidr_contains(&x, prefix, &x));
    }
}

/* ---- host names --------------------------------------------------------- */

static void host_ok(const char *in)
{
    size_t n = strlen(in);
    char *s = exact(in, n);
    const char *why = NULL;
    if (!net_hostname_ok(s, n, &why)) fail_msg("rejected host name \"%s\": %s", in, why);
    assert_true(net_hostname_ok(s, n, NULL));
    free(s);
}

static void host_bad_n(const char *in, size_t n, const char *want)
{
    char *s = exact(in, n);
    const char *why = NULL;
    if (net_hostname_ok(s, n, &why)) fail_msg("accepted host name \"%.*s\"", (int)n, in);
    check_why(why, want, in);
    assert_false(net_hostname_ok(s, n, NULL));
    free(s);
}

static void host_bad(const char *in, const char *want)
{
    host_bad_n(in, strlen(in), want);
}

/* A name of total length len made of labels of at most label_max chars. */
static void make_name(char *buf, size_t len, size_t label_max)
{
    size_t i = 0, in_label = 0;
    while (i < len) {
        /* never end on a dot, never put two together */
        if (in_label == label_max && i + 1 < len) {
            buf[i++] = '.';
            in_label = 0;
        } else {
            buf[i] = (char)('a' + i % 26);
            i++;
            in_label++;
        }
    }
    buf[len] = '\0';
}

static void test_hostname_valid(void **state)
{
    (void)state;
    host_ok("localhost");
    host_ok("sbc1");
    host_ok("a");
    host_ok("Z");
    host_ok("example.com");
    host_ok("sip.example.com");
    host_ok("SIP.Example.COM");
    host_ok("a.1b");
    host_ok("a.b1");
    host_ok("1a");
    host_ok("123.example.com");      /* digit-only labels are fine before the last */
    host_ok("10.0.0.1a");
    host_ok("xn--bcher-kva.example");
    host_ok("a-b.c-d");
    host_ok("a--b");
    host_ok("a.b.c.d.e.f.g");
    host_ok("0x1.example");

    char name[300];
    memset(name, 'a', 63);
    name[63] = '\0';
    host_ok(name);                   /* 63-character label */
    strcpy(name + 63, ".example");
    host_ok(name);
    make_name(name, 253, 63);        /* 253 characters in total */
    assert_int_equal(strlen(name), 253);
    host_ok(name);
    make_name(name, 253, 1);         /* "a.b.c..." */
    host_ok(name);
}

static void test_hostname_invalid(void **state)
{
    (void)state;
    host_bad("", "empty host name");
    host_bad("-a", "label starts with '-'");
    host_bad("a-", "label ends with '-'");
    host_bad("a.-b.c", "label starts with '-'");
    host_bad("a.b-.c", "label ends with '-'");
    host_bad("-", "label starts with '-'");
    host_bad("a..b", "empty label");
    host_bad(".a", "empty label");
    host_bad(".", "empty label");
    host_bad("..", "empty label");
    host_bad("a.", "trailing dot");
    host_bad("example.com.", "trailing dot");
    host_bad("10.0.0.1", "last label is all digits");
    host_bad("1.2.3.999", "last label is all digits");
    host_bad("10.0.0.256", "last label is all digits");
    host_bad("a.123", "last label is all digits");
    host_bad("123", "last label is all digits");
    host_bad("0", "last label is all digits");
    host_bad("under_score", "underscore not allowed in host name");
    host_bad("_sip._udp.example.com", "underscore not allowed in host name");
    host_bad("a b", "whitespace in host name");
    host_bad(" example.com", "whitespace in host name");
    host_bad("example.com ", "whitespace in host name");
    host_bad("example.com\n", "whitespace in host name");
    host_bad("host:5060", "invalid character in host name");
    host_bad("*.example.com", "invalid character in host name");
    host_bad("b\xc3\xbc" "cher.example", "invalid character in host name");
    host_bad("a/b", "invalid character in host name");
    host_bad("::1", "invalid character in host name");
    host_bad("user@example.com", "invalid character in host name");

    char name[300];
    memset(name, 'a', 64);
    name[64] = '\0';
    host_bad(name, "label longer than 63 characters");
    strcpy(name + 64, ".example");
    host_bad(name, "label longer than 63 characters");
    make_name(name, 254, 63);        /* 254 characters in total */
    assert_int_equal(strlen(name), 254);
    host_bad(name, "host name longer than 253 characters");
    make_name(name, 254, 1);
    host_bad(name, "host name longer than 253 characters");
    assert_false(net_hostname_ok(NULL, 0, NULL));
}

/* ---- buffers that are not strings --------------------------------------- */

/* Only the first n bytes count, whatever follows them. */
static void test_not_terminated(void **state)
{
    (void)state;
    net_ip_t ip;
    int prefix;
    bool had;
    const char *why = NULL;

    const char v4[] = {'1', '0', '.', '0', '.', '0', '.', '1', '2', 'x'};
    assert_int_equal(net_parse_ipv4(v4, 8, &ip, NULL), C_OK);
    net_ip_t want = ip4(10, 0, 0, 1);
    assert_ip_equal(&ip, &want);
    assert_int_equal(net_parse_ipv4(v4, 9, &ip, NULL), C_OK);  /* 10.0.0.12 */
    want = ip4(10, 0, 0, 12);
    assert_ip_equal(&ip, &want);
    assert_int_equal(net_parse_ipv4(v4, sizeof v4, &ip, &why), C_ERR);
    check_why(why, "invalid character in address", "10.0.0.12x");
    assert_int_equal(net_parse_ipv4(v4, 7, &ip, &why), C_ERR);  /* "10.0.0." */
    check_why(why, "trailing dot", "10.0.0.");

    const char v6[] = {':', ':', '1', ':', '2'};
    assert_int_equal(net_parse_ipv6(v6, 3, &ip, NULL), C_OK);
    want = must("::1");
    assert_ip_equal(&ip, &want);
    assert_int_equal(net_parse_ipv6(v6, 4, &ip, &why), C_ERR);
    check_why(why, "address ends with a single ':'", "::1:");
    assert_int_equal(net_parse_ipv6(v6, 1, &ip, &why), C_ERR);
    check_why(why, "address starts with a single ':'", ":");
    assert_int_equal(net_parse_ip(v6, 2, &ip, NULL), C_OK);
    want = must("::");
    assert_ip_equal(&ip, &want);

    /* a gateway list "10.0.0.0/8,192.0.2.0/24" cut at the comma */
    const char *list = "10.0.0.0/8,192.0.2.0/24";
    assert_int_equal(net_parse_cidr(list, 10, &ip, &prefix, &had, NULL), C_OK);
    assert_int_equal(prefix, 8);
    assert_true(had);
    assert_int_equal(net_parse_cidr(list, 9, &ip, &prefix, &had, &why), C_ERR);
    check_why(why, "missing prefix length after '/'", "10.0.0.0/");
    assert_int_equal(net_parse_cidr(list + 11, 12, &ip, &prefix, &had, NULL), C_OK);
    assert_int_equal(prefix, 24);
    assert_int_equal(net_parse_cidr(list, 8, &ip, &prefix, &had, NULL), C_OK);
    assert_int_equal(prefix, 32);
    assert_false(had);

    const char host[] = {'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm', '.', '1'};
    assert_true(net_hostname_ok(host, 11, NULL));
    assert_false(net_hostname_ok(host, 12, NULL));             /* trailing dot */
    assert_false(net_hostname_ok(host, sizeof host, NULL));    /* last label "1" */
    assert_true(net_hostname_ok(host, 1, NULL));
    assert_false(net_hostname_ok(host, 0, NULL));

    /* a 253-character name inside a longer buffer, no NUL anywhere */
    char big[400];
    make_name(big, 300, 63);
    assert_true(big[252] != '.' && big[253] != '\0');
    char *s = exact(big, 253);
    assert_true(net_hostname_ok(s, 253, NULL));
    free(s);
    s = exact(big, 254);
    assert_false(net_hostname_ok(s, 254, NULL));
    free(s);
}

/* A NUL byte inside the n bytes is an error everywhere, wherever it sits. */
static void test_embedded_nul(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
    } cases[] = {
        {"1.2.3.4\0", 8},  {"1.2\0.3.4", 8}, {"\0" "1.2.3.4", 8}, {"\0", 1},
        {"::1\0", 4},      {"::\0" "1", 4},   {"\0::1", 4},         {"fe80::\0", 7},
        {"::ffff:1.2.3.4\0", 15},
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(cases); i++) {
        bad_n(net_parse_ip, cases[i].s, cases[i].n, "nul byte in address");
        bad_n(net_parse_ipv4, cases[i].s, cases[i].n, "nul byte in address");
        bad_n(net_parse_ipv6, cases[i].s, cases[i].n, "nul byte in address");
        const char *why = NULL;
        char *s = exact(cases[i].s, cases[i].n);
        assert_int_equal(net_parse_cidr(s, cases[i].n, NULL, NULL, NULL, &why), C_ERR);
        check_why(why, "nul byte in address", cases[i].s);
        free(s);
    }

    const char *why = NULL;
    assert_int_equal(net_parse_cidr("10.0.0.0/8\0", 11, NULL, NULL, NULL, &why), C_ERR);
    check_why(why, "nul byte in address", "10.0.0.0/8");
    assert_int_equal(net_parse_cidr("10.0.0.0/\0" "8", 11, NULL, NULL, NULL, &why), C_ERR);
    check_why(why, "nul byte in address", "10.0.0.0/");

    host_bad_n("exa\0mple.com", 12, "nul byte in host name");
    host_bad_n("example.com\0", 12, "nul byte in host name");
    host_bad_n("\0", 1, "nul byte in host name");
    /* ...and the same bytes without the NUL are fine */
    assert_true(net_hostname_ok("example.com\0", 11, NULL));
    assert_int_equal(net_parse_ip("1.2.3.4\0", 7, NULL, NULL), C_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_valid),
        cmocka_unit_test(test_ipv4_invalid),
        cmocka_unit_test(test_ipv6_rfc5952_examples),
        cmocka_unit_test(test_ipv6_valid),
        cmocka_unit_test(test_ipv6_embedded_ipv4),
        cmocka_unit_test(test_ipv6_invalid),
        cmocka_unit_test(test_parse_ip),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_random_format_vs_inet_ntop),
        cmocka_unit_test(test_random_ipv4_vs_inet_pton),
        cmocka_unit_test(test_random_ipv6_vs_inet_pton),
        cmocka_unit_test(test_cidr_valid),
        cmocka_unit_test(test_cidr_invalid),
        cmocka_unit_test(test_format_cidr),
        cmocka_unit_test(test_cidr_contains),
        cmocka_unit_test(test_hostname_valid),
        cmocka_unit_test(test_hostname_invalid),
        cmocka_unit_test(test_not_terminated),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_mask),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
