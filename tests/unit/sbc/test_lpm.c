/* test_lpm.c -- the longest-prefix-match trie of the sbc index (sbc/lpm.h).
 *
 * Hand-picked cases (nesting, forks, a prefix added above existing ones,
 * /0, full-length hosts, shared prefixes, removal down to nothing), then a
 * randomized cross-check against a brute-force scan of a plain list, with
 * prefixes drawn from a few clustered bases so that they nest and fork. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/lpm.h"

static void v4(const char *s, uint8_t out[16])
{
    memset(out, 0, 16);
    assert_int_equal(inet_pton(AF_INET, s, out), 1);
}

static void v6(const char *s, uint8_t out[16])
{
    assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

static sbc_gwref_t R(uint32_t c, uint32_t g)
{
    sbc_gwref_t r = {c, g};
    return r;
}

static void add4(sbc_lpm_t *t, const char *a, int plen, uint32_t c, uint32_t g)
{
    uint8_t k[16];
    v4(a, k);
    assert_int_equal(sbc_lpm_add(t, k, plen, R(c, g), NULL), C_OK);
}

static void del4(sbc_lpm_t *t, const char *a, int plen, uint32_t c, uint32_t g)
{
    uint8_t k[16];
    v4(a, k);
    assert_int_equal(sbc_lpm_del(t, k, plen, R(c, g), NULL), C_OK);
}

/* The longest match for a: its length and first reference; -1 for none. */
static int best4(sbc_lpm_t *t, const char *a, uint32_t *carrier)
{
    uint8_t k[16];
    const sbc_gwref_t *refs;
    size_t n;
    int plen;
    v4(a, k);
    if (!sbc_lpm_match(t, k, &refs, &n, &plen)) return -1;
    assert_true(n > 0);
    if (carrier) *carrier = refs[0].carrier;
    return plen;
}

static int best4_of(sbc_lpm_t *t, const char *a, uint32_t carrier, uint32_t *gw)
{
    uint8_t k[16];
    sbc_gwref_t r;
    int plen;
    v4(a, k);
    if (!sbc_lpm_match_carrier(t, k, carrier, &r, &plen)) return -1;
    assert_int_equal(r.carrier, carrier);
    if (gw) *gw = r.gw;
    return plen;
}

static void t_basic_v4(void **state)
{
    (void)state;
    sbc_lpm_t *t = sbc_lpm_new(32);
    uint32_t c = 0, g = 0;
    assert_int_equal(best4(t, "10.1.2.3", NULL), -1);
    add4(t, "10.0.0.0", 8, 1, 0);
    add4(t, "10.1.0.0", 16, 2, 0);
    add4(t, "10.1.2.3", 32, 3, 0);
    add4(t, "192.168.1.0", 24, 4, 0);
    assert_int_equal(best4(t, "10.1.2.3", &c), 32);
    assert_int_equal(c, 3);
    assert_int_equal(best4(t, "10.1.2.4", &c), 16);
    assert_int_equal(c, 2);
    assert_int_equal(best4(t, "10.2.0.1", &c), 8);
    assert_int_equal(c, 1);
    assert_int_equal(best4(t, "11.0.0.1", NULL), -1);
    assert_int_equal(best4(t, "192.168.1.77", &c), 24);
    assert_int_equal(best4(t, "192.168.2.77", NULL), -1);
    /* restricted to a carrier: the most specific prefix of that carrier */
    assert_int_equal(best4_of(t, "10.1.2.3", 1, NULL), 8);
    assert_int_equal(best4_of(t, "10.1.2.3", 2, NULL), 16);
    assert_int_equal(best4_of(t, "10.1.9.9", 3, NULL), -1);
    /* host bits past plen are ignored on add */
    add4(t, "10.1.2.99", 24, 5, 7);
    assert_int_equal(best4(t, "10.1.2.200", &c), 24);
    assert_int_equal(c, 5);
    assert_int_equal(best4_of(t, "10.1.2.1", 5, &g), 24);
    assert_int_equal(g, 7);
    /* removal restores the shorter match, and removing twice fails */
    del4(t, "10.1.2.3", 32, 3, 0);
    assert_int_equal(best4(t, "10.1.2.3", &c), 24);
    uint8_t k[16];
    const char *why = NULL;
    v4("10.1.2.3", k);
    assert_int_equal(sbc_lpm_del(t, k, 32, R(3, 0), &why), C_ERR);
    assert_string_equal(why, "not found");
    /* a wrong reference on an existing prefix is not found either */
    v4("10.0.0.0", k);
    assert_int_equal(sbc_lpm_del(t, k, 8, R(9, 0), &why), C_ERR);
    del4(t, "10.1.2.0", 24, 5, 7);
    del4(t, "10.1.0.0", 16, 2, 0);
    del4(t, "10.0.0.0", 8, 1, 0);
    del4(t, "192.168.1.0", 24, 4, 0);
    assert_int_equal(sbc_lpm_nodes(t), 0);
    assert_int_equal(sbc_lpm_refs(t), 0);
    assert_int_equal(best4(t, "10.1.2.3", NULL), -1);
    sbc_lpm_free(t);
}

static void t_zero_and_forks(void **state)
{
    (void)state;
    sbc_lpm_t *t = sbc_lpm_new(32);
    uint32_t c = 0;
    /* two siblings force a fork node; then a prefix exactly at the fork */
    add4(t, "10.0.0.0", 24, 1, 0);
    add4(t, "10.0.1.0", 24, 2, 0);
    assert_int_equal(sbc_lpm_nodes(t), 3);
    add4(t, "10.0.0.0", 23, 3, 0); /* lands on the fork */
    assert_int_equal(sbc_lpm_nodes(t), 3);
    assert_int_equal(best4(t, "10.0.1.5", &c), 24);
    del4(t, "10.0.1.0", 24, 2, 0);
    assert_int_equal(best4(t, "10.0.1.5", &c), 23);
    assert_int_equal(c, 3);
    /* a prefix added above an existing one */
    add4(t, "10.0.0.0", 16, 4, 0);
    assert_int_equal(best4(t, "10.0.200.1", &c), 16);
    /* /0 matches everything */
    add4(t, "0.0.0.0", 0, 5, 0);
    assert_int_equal(best4(t, "200.1.1.1", &c), 0);
    assert_int_equal(c, 5);
    assert_int_equal(best4_of(t, "10.0.0.9", 5, NULL), 0);
    /* out-of-range lengths are refused */
    uint8_t k[16] = {0};
    const char *why = NULL;
    assert_int_equal(sbc_lpm_add(t, k, 33, R(1, 0), &why), C_ERR);
    assert_non_null(why);
    assert_int_equal(sbc_lpm_add(t, k, -1, R(1, 0), NULL), C_ERR);
    sbc_lpm_free(t);
}

static void t_shared_prefix(void **state)
{
    (void)state;
    sbc_lpm_t *t = sbc_lpm_new(32);
    /* many carriers on one address (one provider brought by many customers) */
    for (uint32_t c = 1000; c >= 1; c--) add4(t, "203.0.113.7", 32, c, c % 3);
    add4(t, "203.0.113.7", 32, 17, 17 % 3); /* again: no change */
    assert_int_equal(sbc_lpm_refs(t), 1000);
    uint8_t k[16];
    const sbc_gwref_t *refs;
    size_t n;
    int plen;
    v4("203.0.113.7", k);
    assert_true(sbc_lpm_match(t, k, &refs, &n, &plen));
    assert_int_equal(n, 1000);
    for (size_t i = 1; i < n; i++) assert_true(refs[i - 1].carrier < refs[i].carrier);
    uint32_t g = 99;
    assert_int_equal(best4_of(t, "203.0.113.7", 500, &g), 32);
    assert_int_equal(g, 500 % 3);
    assert_int_equal(best4_of(t, "203.0.113.7", 1001, NULL), -1);
    /* the same carrier with two gateways on one prefix: the lowest index */
    add4(t, "203.0.113.7", 32, 500, 9);
    add4(t, "203.0.113.7", 32, 500, 0);
    assert_int_equal(best4_of(t, "203.0.113.7", 500, &g), 32);
    assert_int_equal(g, 0);
    for (uint32_t c = 1; c <= 1000; c++) del4(t, "203.0.113.7", 32, c, c % 3);
    del4(t, "203.0.113.7", 32, 500, 9);
    del4(t, "203.0.113.7", 32, 500, 0);
    assert_int_equal(sbc_lpm_nodes(t), 0);
    sbc_lpm_free(t);
}

static void t_v6(void **state)
{
    (void)state;
    sbc_lpm_t *t = sbc_lpm_new(128);
    uint8_t k[16], a[16];
    sbc_gwref_t r;
    int plen;
    v6("2001:db8::", k);
    assert_int_equal(sbc_lpm_add(t, k, 32, R(1, 0), NULL), C_OK);
    v6("2001:db8:1::", k);
    assert_int_equal(sbc_lpm_add(t, k, 48, R(2, 0), NULL), C_OK);
    v6("2001:db8:1::5", k);
    assert_int_equal(sbc_lpm_add(t, k, 128, R(3, 0), NULL), C_OK);
    v6("2001:db8:1::5", a);
    assert_true(sbc_lpm_match_carrier(t, a, 3, &r, &plen));
    assert_int_equal(plen, 128);
    assert_true(sbc_lpm_match_carrier(t, a, 1, &r, &plen));
    assert_int_equal(plen, 32);
    v6("2001:db8:1::6", a);
    const sbc_gwref_t *refs;
    size_t n;
    assert_true(sbc_lpm_match(t, a, &refs, &n, &plen));
    assert_int_equal(plen, 48);
    v6("2001:db9::1", a);
    assert_false(sbc_lpm_match(t, a, &refs, &n, &plen));
    sbc_lpm_free(t);
}

/* ---- randomized cross-check ---- */

typedef struct {
    uint8_t key[16];
    int plen;
    sbc_gwref_t ref;
} ent_t;

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static bool contains(const uint8_t *key, int plen, const uint8_t *a)
{
    for (int i = 0; i < plen; i++) {
        int b = 7 - (i & 7);
        if (((key[i >> 3] >> b) & 1) != ((a[i >> 3] >> b) & 1)) return false;
    }
    return true;
}

static void random_key(uint8_t *k, int kbytes, const uint8_t bases[4][16])
{
    memcpy(k, bases[next() % 4], 16);
    /* flip a few bits, mostly late ones, so keys share long prefixes */
    int flips = (int)(next() % 4);
    for (int f = 0; f < flips; f++) {
        int bit = (int)(next() % (unsigned)(kbytes * 8));
        k[bit >> 3] ^= (uint8_t)(1u << (7 - (bit & 7)));
    }
    for (int i = kbytes; i < 16; i++) k[i] = 0;
}

/* hosts_pct: the share of prefixes that are full-length (host addresses,
 * which IPv4 also finds through lpm.c's hash of hosts) */
static void cross_check(int bits, unsigned hosts_pct)
{
    int kbytes = bits / 8;
    sbc_lpm_t *t = sbc_lpm_new(bits);
    ent_t *ents = calloc(4000, sizeof *ents);
    size_t n = 0;
    uint8_t bases[4][16];
    for (int b = 0; b < 4; b++)
        for (int i = 0; i < 16; i++) bases[b][i] = (uint8_t)next();
    for (int round = 0; round < 20000; round++) {
        unsigned op = (unsigned)(next() % 10);
        if (op < 4 && n < 4000) {
            ent_t e = {0};
            random_key(e.key, kbytes, bases);
            e.plen = next() % 100 < hosts_pct ? bits : (int)(next() % (unsigned)(bits + 1));
            for (int i = e.plen; i < bits; i++) e.key[i >> 3] &= (uint8_t)~(1u << (7 - (i & 7)));
            e.ref = R((uint32_t)(next() % 8) + 1, (uint32_t)(next() % 3));
            bool dup = false;
            for (size_t i = 0; i < n; i++)
                if (ents[i].plen == e.plen && memcmp(ents[i].key, e.key, 16) == 0 &&
                    ents[i].ref.carrier == e.ref.carrier && ents[i].ref.gw == e.ref.gw)
                    dup = true;
            assert_int_equal(sbc_lpm_add(t, e.key, e.plen, e.ref, NULL), C_OK);
            if (!dup) ents[n++] = e;
        } else if (op < 6 && n > 0) {
            size_t i = (size_t)(next() % n);
            assert_int_equal(sbc_lpm_del(t, ents[i].key, ents[i].plen, ents[i].ref, NULL), C_OK);
            ents[i] = ents[--n];
        } else {
            uint8_t a[16];
            random_key(a, kbytes, bases);
            /* half the time, exactly a stored prefix's address */
            if (n > 0 && next() % 2) memcpy(a, ents[next() % n].key, 16);
            /* brute force: the longest containing prefix, and per carrier */
            int best = -1;
            size_t cnt = 0;
            for (size_t i = 0; i < n; i++)
                if (contains(ents[i].key, ents[i].plen, a) && ents[i].plen > best) best = ents[i].plen;
            for (size_t i = 0; i < n; i++)
                if (ents[i].plen == best && contains(ents[i].key, best, a)) cnt++;
            const sbc_gwref_t *refs;
            size_t rn;
            int plen;
            bool got = sbc_lpm_match(t, a, &refs, &rn, &plen);
            assert_int_equal(got, best >= 0);
            if (got) {
                assert_int_equal(plen, best);
                assert_int_equal(rn, cnt);
            }
            uint32_t c = (uint32_t)(next() % 8) + 1;
            int bc = -1;
            uint32_t bg = UINT32_MAX;
            for (size_t i = 0; i < n; i++) {
                if (ents[i].ref.carrier != c || !contains(ents[i].key, ents[i].plen, a)) continue;
                if (ents[i].plen > bc) {
                    bc = ents[i].plen;
                    bg = ents[i].ref.gw;
                } else if (ents[i].plen == bc && ents[i].ref.gw < bg) {
                    bg = ents[i].ref.gw;
                }
            }
            sbc_gwref_t r;
            got = sbc_lpm_match_carrier(t, a, c, &r, &plen);
            assert_int_equal(got, bc >= 0);
            if (got) {
                assert_int_equal(plen, bc);
                assert_int_equal(r.gw, bg);
            }
        }
        assert_int_equal(sbc_lpm_refs(t), n);
        /* a Patricia trie never needs more than 2n - 1 nodes */
        assert_true(sbc_lpm_nodes(t) <= (n ? 2 * n - 1 : 0));
    }
    while (n > 0) {
        assert_int_equal(sbc_lpm_del(t, ents[n - 1].key, ents[n - 1].plen, ents[n - 1].ref, NULL), C_OK);
        n--;
    }
    assert_int_equal(sbc_lpm_nodes(t), 0);
    free(ents);
    sbc_lpm_free(t);
}

static void t_random_v4(void **state)
{
    (void)state;
    cross_check(32, 0);
}

/* Mostly host addresses, and queries that hit them exactly: the hash of
 * IPv4 hosts must answer as the trie would (match, per carrier, after
 * deletes), including a host inside a shorter prefix of other carriers. */
static void t_random_v4_hosts(void **state)
{
    (void)state;
    cross_check(32, 60);
}

static void t_random_v6(void **state)
{
    (void)state;
    cross_check(128, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_basic_v4),      cmocka_unit_test(t_zero_and_forks),
        cmocka_unit_test(t_shared_prefix), cmocka_unit_test(t_v6),
        cmocka_unit_test(t_random_v4),     cmocka_unit_test(t_random_v4_hosts),
        cmocka_unit_test(t_random_v6),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
