/* test_b64.c -- util/b64: decodes exactly what libsodium's strict decoder
 * (sodium_base642bin, VARIANT_ORIGINAL, nothing ignored) decodes, and
 * refuses what it refuses: the Basic credentials parser moved from one to
 * the other, so every input must get the same verdict and bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/b64.h"

/* Both decoders on in[0..n), cap bytes of room: the same verdict, length
 * and bytes. */
static void same(const char *in, size_t n, size_t cap)
{
    unsigned char a[128], b[128];
    size_t alen = 0, blen = 0;
    int ra = b64_decode(in, n, a, cap, &alen);
    int rb = sodium_base642bin(b, cap, in, n, NULL, &blen, NULL, sodium_base64_VARIANT_ORIGINAL);
    if ((ra == C_OK) != (rb == 0) || (ra == C_OK && (alen != blen || memcmp(a, b, alen) != 0)))
        print_error("input \"%.*s\" (cap %zu): ours %d (%zu bytes), libsodium's %d (%zu bytes)\n",
                    (int)n, in, cap, ra, alen, rb, blen);
    assert_int_equal(ra == C_OK, rb == 0);
    if (ra == C_OK) {
        assert_int_equal(alen, blen);
        assert_memory_equal(a, b, alen);
    } else {
        assert_int_equal(alen, 0);
    }
}

static void test_known(void **state)
{
    (void)state;
    unsigned char out[64];
    size_t len = 99;
    /* RFC 4648 §10 */
    static const char *const vec[][2] = {{"", ""},         {"Zg==", "f"},         {"Zm8=", "fo"},
                                         {"Zm9v", "foo"},  {"Zm9vYg==", "foob"},  {"Zm9vYmE=", "fooba"},
                                         {"Zm9vYmFy", "foobar"}};
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        assert_int_equal(b64_decode(vec[i][0], strlen(vec[i][0]), out, sizeof out, &len), C_OK);
        assert_int_equal(len, strlen(vec[i][1]));
        assert_memory_equal(out, vec[i][1], len);
    }
    /* refused: no padding, bad padding, non-zero spare bits, a character
     * outside the alphabet, whitespace, the URL-safe alphabet, no room */
    static const char *const bad[] = {"Zg",   "Zg=",  "Zg===", "Z===", "====", "Zh==", "Zm9=",
                                      "Zm9v Yg==", "Zm-v", "Zm_v", "Zm9v\n", "=Zm9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(b64_decode(bad[i], strlen(bad[i]), out, sizeof out, &len), C_ERR);
        assert_int_equal(len, 0);
    }
    assert_int_equal(b64_decode("Zm9vYmFy", 8, out, 5, &len), C_ERR);
    assert_int_equal(b64_decode("Zm9vYmFy", 8, out, 6, &len), C_OK);
}

/* Random inputs: encodings of random bytes (valid), the same with one
 * character changed, and strings over the alphabet with '=' and a few
 * others (mostly invalid); every cap around the decoded length. */
static void test_against_libsodium(void **state)
{
    (void)state;
    static const char pool[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ \n\0";
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int round = 0; round < 200000; round++) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        char in[96];
        size_t n;
        if (round % 3 != 2) {
            unsigned char raw[40];
            size_t rn = (size_t)(seed % 40);
            for (size_t k = 0; k < rn; k++) raw[k] = (unsigned char)(seed >> (k % 56));
            sodium_bin2base64(in, sizeof in, raw, rn, sodium_base64_VARIANT_ORIGINAL);
            n = strlen(in);
            if (round % 3 == 1 && n > 0) in[(seed >> 8) % n] = pool[(seed >> 16) % (sizeof pool - 1)];
        } else {
            n = (size_t)(seed % 17);
            for (size_t k = 0; k < n; k++) in[k] = pool[(seed >> (3 * (k % 20))) % (sizeof pool - 1)];
        }
        size_t full = n / 4 * 3;
        for (size_t cap = full > 3 ? full - 3 : 0; cap <= full + 1; cap++) same(in, n, cap);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known),
        cmocka_unit_test(test_against_libsodium),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
