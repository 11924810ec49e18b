/* test_ids.c -- unit tests for identifiers and secrets (core/ids.c),
 * API.md §0 "Identifiers" and "Secrets at rest". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/ids.h"

#define DRAWS 1000

static int setup(void **state)
{
    (void)state;
    return ids_init() == C_OK ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Sorts n strings of size sz and fails on a duplicate. */
static void assert_distinct(char *arr, size_t n, size_t sz)
{
    qsort(arr, n, sz, cmp_str);
    for (size_t i = 1; i < n; i++)
        if (strcmp(arr + (i - 1) * sz, arr + i * sz) == 0) fail_msg("duplicate: %s", arr + i * sz);
}

static bool upper_alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

static void test_init_twice(void **state)
{
    (void)state;
    assert_int_equal(ids_init(), C_OK); /* idempotent */
}

static void test_auth_id(void **state)
{
    (void)state;
    static char ids[DRAWS][IDS_AUTH_ID_SZ];
    static const char *const prefixes[] = {"MA", "SA"};
    for (size_t p = 0; p < 2; p++) {
        bool seen_digit = false, seen_letter = false;
        for (size_t i = 0; i < DRAWS; i++) {
            char *s = ids[i];
            memset(s, '#', IDS_AUTH_ID_SZ);
            ids_auth_id(prefixes[p], s);
            assert_int_equal(strlen(s), 20);
            assert_memory_equal(s, prefixes[p], 2);
            for (size_t k = 2; k < 20; k++) {
                if (!upper_alnum(s[k])) fail_msg("bad character in %s", s);
                if (s[k] >= '0' && s[k] <= '9') seen_digit = true;
                else seen_letter = true;
            }
            assert_true(ids_is_auth_id(s, 20));
        }
        assert_true(seen_digit);
        assert_true(seen_letter);
        assert_distinct(&ids[0][0], DRAWS, IDS_AUTH_ID_SZ);
    }
}

static void test_auth_token(void **state)
{
    (void)state;
    static char toks[DRAWS][IDS_TOKEN_SZ];
    bool lower = false, upper = false, digit = false;
    for (size_t i = 0; i < DRAWS; i++) {
        char *s = toks[i];
        memset(s, '#', IDS_TOKEN_SZ);
        ids_auth_token(s);
        assert_int_equal(strlen(s), 40);
        for (size_t k = 0; k < 40; k++) {
            char c = s[k];
            if (c >= 'a' && c <= 'z') lower = true;
            else if (c >= 'A' && c <= 'Z') upper = true;
            else if (c >= '0' && c <= '9') digit = true;
            else fail_msg("bad character in token %s", s);
        }
    }
    assert_true(lower && upper && digit);
    assert_distinct(&toks[0][0], DRAWS, IDS_TOKEN_SZ);
}

static void test_api_key(void **state)
{
    (void)state;
    static char keys[DRAWS][IDS_APIKEY_SZ];
    for (size_t i = 0; i < DRAWS; i++) {
        char *s = keys[i];
        memset(s, '#', IDS_APIKEY_SZ);
        ids_api_key(s);
        assert_int_equal(strlen(s), 8 + 43);
        assert_memory_equal(s, "nd_live_", 8);
        for (size_t k = 8; k < 51; k++) {
            char c = s[k];
            bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
            if (!ok) fail_msg("not base64url: %s", s);
        }
        /* the 43 characters are 32 bytes of base64url without padding */
        unsigned char raw[64];
        size_t rawlen = 0;
        assert_int_equal(sodium_base642bin(raw, sizeof raw, s + 8, 43, NULL, &rawlen, NULL,
                                           sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                         0);
        assert_int_equal(rawlen, 32);
    }
    assert_distinct(&keys[0][0], DRAWS, IDS_APIKEY_SZ);
}

static bool lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

/* DRAWS ids of make: version 4's shape, every variant, all distinct */
static void check_uuids(void (*make)(char out[IDS_UUID_SZ]))
{
    static char u[DRAWS][IDS_UUID_SZ];
    bool variant_seen[4] = {false, false, false, false};
    for (size_t i = 0; i < DRAWS; i++) {
        char *s = u[i];
        memset(s, '#', IDS_UUID_SZ);
        make(s);
        assert_int_equal(strlen(s), 36);
        for (size_t k = 0; k < 36; k++) {
            if (k == 8 || k == 13 || k == 18 || k == 23) assert_int_equal(s[k], '-');
            else if (!lower_hex(s[k])) fail_msg("not lowercase hex: %s", s);
        }
        assert_int_equal(s[14], '4'); /* version */
        static const char variants[] = "89ab";
        const char *v = strchr(variants, s[19]);
        if (v == NULL || s[19] == '\0') fail_msg("bad variant: %s", s);
        variant_seen[v - variants] = true;
        assert_true(ids_is_uuid(s, 36));
    }
    for (int k = 0; k < 4; k++) assert_true(variant_seen[k]);
    assert_distinct(&u[0][0], DRAWS, IDS_UUID_SZ);
}

static void test_uuid_v4(void **state)
{
    (void)state;
    check_uuids(ids_uuid_v4);
}

static uint64_t now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
}

/* The first 48 bits of an ordered id, as a number. */
static uint64_t lead_ms(const char *id)
{
    char lead[13];
    memcpy(lead, id, 8);
    memcpy(lead + 8, id + 9, 4);
    lead[12] = '\0';
    return strtoull(lead, NULL, 16);
}

/* The ordered ones: the same shape; their first 48 bits are the
 * millisecond they were made; and made in later milliseconds they sort
 * later (their index's last page).  Skipped where the wall clock went
 * back between two (NTP, a resumed VM). */
static void test_uuid_v4_ordered(void **state)
{
    (void)state;
    check_uuids(ids_uuid_v4_ordered);
    char prev[IDS_UUID_SZ] = "", next[IDS_UUID_SZ];
    uint64_t prev_after = 0;
    int compared = 0;
    for (int i = 0; i < 20; i++) {
        uint64_t before = now_ms();
        ids_uuid_v4_ordered(next);
        uint64_t after = now_ms();
        if (after < before) continue; /* the clock went back meanwhile */
        uint64_t got = lead_ms(next);
        assert_true(before <= got && got <= after);
        if (prev[0] && before > prev_after) {
            if (strcmp(prev, next) >= 0) fail_msg("%s made after %s sorts before it", next, prev);
            compared++;
        }
        memcpy(prev, next, sizeof prev);
        prev_after = after;
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_true(compared > 0);
}

static void test_digits(void **state)
{
    (void)state;
    static const size_t lens[] = {1, 14, 17};
    for (size_t l = 0; l < 3; l++) {
        size_t n = lens[l];
        bool first_seen[10] = {false}, zero_later = false;
        for (size_t i = 0; i < DRAWS; i++) {
            char s[32];
            memset(s, '#', sizeof s);
            ids_digits(s, n);
            assert_int_equal(strlen(s), n);
            assert_true(s[0] >= '1' && s[0] <= '9');
            first_seen[s[0] - '0'] = true;
            for (size_t k = 1; k < n; k++) {
                assert_true(s[k] >= '0' && s[k] <= '9');
                if (s[k] == '0') zero_later = true;
            }
            assert_int_equal(s[n + 1], '#'); /* nothing written past the NUL */
        }
        for (int d = 1; d <= 9; d++) assert_true(first_seen[d]);
        assert_false(first_seen[0]);
        if (n > 1) assert_true(zero_later);
    }
}

static void hex32(const uint8_t h[IDS_HASH_SZ], char out[65])
{
    for (int i = 0; i < IDS_HASH_SZ; i++) sprintf(out + 2 * i, "%02x", h[i]);
}

static void test_hash(void **state)
{
    (void)state;
    uint8_t a[IDS_HASH_SZ], b[IDS_HASH_SZ], c[IDS_HASH_SZ];
    char hex[65];

    /* BLAKE2b-256 test vectors (checked against Python's hashlib) */
    ids_hash_secret("abc", 3, a);
    hex32(a, hex);
    assert_string_equal(hex, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
    ids_hash_secret("", 0, a);
    hex32(a, hex);
    assert_string_equal(hex, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");

    ids_hash_secret("secret-token", 12, a);
    ids_hash_secret("secret-token", 12, b);
    ids_hash_secret("secret-tokeN", 12, c);
    assert_true(ids_hash_equal(a, b));
    assert_false(ids_hash_equal(a, c));
    /* the length is honoured: a prefix hashes differently */
    ids_hash_secret("secret-token", 11, c);
    assert_false(ids_hash_equal(a, c));
    /* one differing bit anywhere, first or last byte */
    memcpy(c, a, IDS_HASH_SZ);
    c[0] ^= 1;
    assert_false(ids_hash_equal(a, c));
    memcpy(c, a, IDS_HASH_SZ);
    c[IDS_HASH_SZ - 1] ^= 0x80;
    assert_false(ids_hash_equal(a, c));
}

static void test_wipe(void **state)
{
    (void)state;
    char s[IDS_TOKEN_SZ];
    ids_auth_token(s);
    ids_wipe(s, sizeof s);
    for (size_t i = 0; i < sizeof s; i++) assert_int_equal(s[i], 0);
}

static bool is_auth(const char *s) { return ids_is_auth_id(s, strlen(s)); }
static bool is_uuid(const char *s) { return ids_is_uuid(s, strlen(s)); }

static void test_is_auth_id(void **state)
{
    (void)state;
    assert_true(is_auth("MAXXXXXXXXXXXXXXXXXX"));
    assert_true(is_auth("MA0123456789ABCDEFGH"));
    assert_true(is_auth("SAZZZZZZZZZZZZZZZZ99"));
    assert_true(is_auth("MA000000000000000000"));

    assert_false(is_auth(""));
    assert_false(is_auth("MA"));
    assert_false(is_auth("MA0123456789ABCDEFG"));    /* 19 */
    assert_false(is_auth("MA0123456789ABCDEFGHI"));  /* 21 */
    assert_false(is_auth("ma0123456789ABCDEFGH"));   /* lower-case prefix */
    assert_false(is_auth("Ma0123456789ABCDEFGH"));
    assert_false(is_auth("MA0123456789abcdefgh"));   /* lower-case body */
    assert_false(is_auth("XA0123456789ABCDEFGH"));
    assert_false(is_auth("MB0123456789ABCDEFGH"));
    assert_false(is_auth("AA0123456789ABCDEFGH"));
    assert_false(is_auth("MA0123456789ABCDEF-H"));
    assert_false(is_auth("MA0123456789ABCDEF H"));
    assert_false(is_auth("MA0123456789ABCDEF_H"));
    assert_false(is_auth(" MA0123456789ABCDEFG"));
    /* n is the length: a valid id inside a longer string */
    assert_true(ids_is_auth_id("MA0123456789ABCDEFGH/Number/", 20));
    assert_false(ids_is_auth_id("MA0123456789ABCDEFGH", 19));
}

static void test_is_uuid(void **state)
{
    (void)state;
    assert_true(is_uuid("123e4567-e89b-42d3-a456-426614174000"));
    assert_true(is_uuid("00000000-0000-0000-0000-000000000000"));
    assert_true(is_uuid("ffffffff-ffff-4fff-bfff-ffffffffffff"));

    assert_false(is_uuid(""));
    assert_false(is_uuid("123e4567e89b42d3a456426614174000"));        /* no dashes */
    assert_false(is_uuid("123e4567-e89b-42d3-a456-42661417400"));     /* 35 */
    assert_false(is_uuid("123e4567-e89b-42d3-a456-4266141740000"));   /* 37 */
    assert_false(is_uuid("123e4567-e89b-42d3-a456_426614174000"));
    assert_false(is_uuid("123e4567-e89b-42d3-a4560426614174000-"));   /* dash misplaced */
    assert_false(is_uuid("123e456-7e89b-42d3-a456-426614174000"));
    assert_false(is_uuid("123e4567-e89b-42d3-a456-42661417400g"));    /* not hex */
    assert_false(is_uuid("{23e4567-e89b-42d3-a456-426614174000"));
    assert_false(is_uuid("123e4567 e89b 42d3 a456 426614174000"));
    assert_true(ids_is_uuid("123e4567-e89b-42d3-a456-426614174000/x", 36));
    assert_false(ids_is_uuid("123e4567-e89b-42d3-a456-426614174000", 35));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_twice),
        cmocka_unit_test(test_auth_id),
        cmocka_unit_test(test_auth_token),
        cmocka_unit_test(test_api_key),
        cmocka_unit_test(test_uuid_v4),
        cmocka_unit_test(test_uuid_v4_ordered),
        cmocka_unit_test(test_digits),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_wipe),
        cmocka_unit_test(test_is_auth_id),
        cmocka_unit_test(test_is_uuid),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
