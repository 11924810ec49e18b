/* test_digest.c -- MD5 against the test suite of RFC 1321 §A.5, and the
 * digest helpers (util/digest.c) against RFC 2617 §3.5 and RFC 7616 §3.9.1
 * (the same credentials in MD5 and SHA-256), values quoted from the RFCs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util/digest.h"
#include "util/md5.h"

static void hex(const uint8_t d[MD5_DIGEST_SZ], char out[33])
{
    for (int i = 0; i < MD5_DIGEST_SZ; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void md5_is(const char *msg, const char *want)
{
    uint8_t d[MD5_DIGEST_SZ];
    char h[33];
    md5(msg, strlen(msg), d);
    hex(d, h);
    assert_string_equal(h, want);
    /* The same message fed one byte at a time (the partial-block path). */
    md5_ctx_t c;
    md5_init(&c);
    for (size_t i = 0; msg[i]; i++)
        md5_update(&c, msg + i, 1);
    md5_final(&c, d);
    hex(d, h);
    assert_string_equal(h, want);
}

/* RFC 1321 §A.5 "Test suite". */
static void test_md5_rfc1321(void **st)
{
    (void)st;
    md5_is("", "d41d8cd98f00b204e9800998ecf8427e");
    md5_is("a", "0cc175b9c0f1b6a831c399e269772661");
    md5_is("abc", "900150983cd24fb0d6963f7d28e17f72");
    md5_is("message digest", "f96b697d7cb7938d525a2f31aaf161d0");
    md5_is("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b");
    md5_is("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
           "d174ab98d277d9f5a5611c2c9f419d9f");
    md5_is("12345678901234567890123456789012345678901234567890123456789012345678901234567890",
           "57edf4a22be3c955ac49da2e2107b67a");
}

/* Lengths around the padding boundary (55, 56, 63, 64, 65 bytes): one-shot
 * and split feeds must agree. */
static void test_md5_split(void **st)
{
    (void)st;
    char msg[200];
    memset(msg, 'x', sizeof msg);
    size_t lens[] = {55, 56, 57, 63, 64, 65, 127, 128, 129, 200};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        uint8_t a[MD5_DIGEST_SZ], b[MD5_DIGEST_SZ];
        md5(msg, lens[i], a);
        md5_ctx_t c;
        md5_init(&c);
        md5_update(&c, msg, lens[i] / 3);
        md5_update(&c, msg + lens[i] / 3, lens[i] - lens[i] / 3);
        md5_final(&c, b);
        assert_memory_equal(a, b, MD5_DIGEST_SZ);
    }
}

static void test_ha1(void **st)
{
    (void)st;
    char out[DIGEST_HEX_SZ];
    /* RFC 2617 §3.5: Mufasa / testrealm@host.com / "Circle Of Life". */
    digest_ha1(DIGEST_MD5, "Mufasa", "testrealm@host.com", "Circle Of Life", out);
    assert_string_equal(out, "939e7578ed9e3c518a452acee763bce9");
    /* RFC 7616 §3.9.1: Mufasa / http-auth@example.org / "Circle of Life". */
    digest_ha1(DIGEST_MD5, "Mufasa", "http-auth@example.org", "Circle of Life", out);
    /* response 8ca523f5e9506fed4657c9700eebdbec with the RFC's nonce etc.: */
    char ha2[DIGEST_HEX_SZ], resp[DIGEST_HEX_SZ];
    const char *a2[] = {"GET", "/dir/index.html"};
    digest_hash_join(DIGEST_MD5, ha2, 2, a2);
    const char *r[] = {out, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
                       "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth", ha2};
    digest_hash_join(DIGEST_MD5, resp, 6, r);
    assert_string_equal(resp, "8ca523f5e9506fed4657c9700eebdbec");
    digest_ha1(DIGEST_SHA256, "Mufasa", "http-auth@example.org", "Circle of Life", out);
    assert_int_equal(strlen(out), 64);
    digest_hash_join(DIGEST_SHA256, ha2, 2, a2);
    digest_hash_join(DIGEST_SHA256, resp, 6, r);
    assert_string_equal(resp, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    assert_int_equal(digest_hex_len(DIGEST_MD5), 32);
    assert_int_equal(digest_hex_len(DIGEST_SHA256), 64);
}

static void test_alg_parse(void **st)
{
    (void)st;
    digest_alg_t a = DIGEST_SHA256;
    assert_true(digest_alg_parse(NULL, &a));
    assert_int_equal(a, DIGEST_MD5);
    assert_true(digest_alg_parse("sha-256", &a));
    assert_int_equal(a, DIGEST_SHA256);
    assert_true(digest_alg_parse("MD5", &a));
    assert_int_equal(a, DIGEST_MD5);
    assert_false(digest_alg_parse("MD5-sess", &a));
    assert_false(digest_alg_parse("SHA-512-256", &a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_md5_rfc1321),
        cmocka_unit_test(test_md5_split),
        cmocka_unit_test(test_ha1),
        cmocka_unit_test(test_alg_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
