/* test_idem.c -- the Idempotency-Key request hash (idem_hash): keyed with
 * a key derived from the server key, pinned against an independent
 * computation (Python's hashlib.blake2b), because stored hashes must
 * still match after an upgrade. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "core/idem.h"
#include "core/ids.h"
#include "core/secrets.h"

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_B "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
/* hashlib.blake2b(b'numberd idempotency v1', key=bytes(range(32)), digest_size=32) */
#define SUBKEY_A "33f1317efbe703a482ca2accd8c3a1aa6ea932982a10bfb07b930c81d45dcc54"
/* hashlib.blake2b(b'POST carriers\n\n{"a":1}', key=<SUBKEY_A bytes>, digest_size=32) */
#define KEYED_A "78a9826f64c58069155e317d631155194beb81045aca71566106be09ef5d05a6"
/* the same message without a key */
#define UNKEYED "4f38ea2259d3047036483332fb83853a72d938dc0383bb25d820c99e1c442039"

static int setup(void **state)
{
    (void)state;
    return ids_init() == C_OK ? 0 : -1;
}

static sec_key_t *key_of(const char *hex)
{
    sec_key_t *k = NULL;
    bool created = false;
    char *err = NULL;
    if (sec_key_load(hex, NULL, &k, &created, &err) != C_OK) fail_msg("%s", err);
    return k;
}

static void hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void test_derive(void **state)
{
    (void)state;
    sec_key_t *a = key_of(HEX_A), *b = key_of(HEX_B);
    uint8_t s1[SEC_SUBKEY_SZ], s2[SEC_SUBKEY_SZ], s3[SEC_SUBKEY_SZ];
    char txt[2 * SEC_SUBKEY_SZ + 1];
    sec_key_derive(a, "numberd idempotency v1", s1);
    hex(s1, sizeof s1, txt);
    assert_string_equal(txt, SUBKEY_A);
    sec_key_derive(a, "another use", s2);
    sec_key_derive(b, "numberd idempotency v1", s3);
    assert_memory_not_equal(s1, s2, sizeof s1);
    assert_memory_not_equal(s1, s3, sizeof s1);
    sec_key_free(a);
    sec_key_free(b);
}

static void test_keyed_hash(void **state)
{
    (void)state;
    core_t ca = {0}, cb = {0};
    ca.key = key_of(HEX_A);
    cb.key = key_of(HEX_B);
    const char *params = "{\"a\":1}";
    uint8_t h[IDS_HASH_SZ], h2[IDS_HASH_SZ];
    char txt[2 * IDS_HASH_SZ + 1];
    idem_hash(&ca, "POST carriers", "", params, strlen(params), h);
    hex(h, sizeof h, txt);
    assert_string_equal(txt, KEYED_A);
    idem_hash(NULL, "POST carriers", "", params, strlen(params), h2);
    hex(h2, sizeof h2, txt);
    assert_string_equal(txt, UNKEYED);
    /* another server key, another hash: the database alone cannot be used
     * to test guesses of what the parameters held */
    idem_hash(&cb, "POST carriers", "", params, strlen(params), h2);
    assert_memory_not_equal(h, h2, sizeof h);
    sec_key_free((sec_key_t *)ca.key);
    sec_key_free((sec_key_t *)cb.key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_derive),
        cmocka_unit_test(test_keyed_hash),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
