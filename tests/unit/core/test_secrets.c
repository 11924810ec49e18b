/* test_secrets.c -- unit tests for the server key and sealed secrets
 * (core/secrets.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/ids.h"
#include "core/secrets.h"

#define HEX_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define HEX_A_UP "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
#define HEX_B "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
/* Computed independently (Python hashlib.blake2b(msg, key=K, digest_size=32),
 * first 8 bytes): fingerprints are stored in databases, so they must never
 * change, whatever the implementation does. */
#define FPR_A "80e9afd165fcf020"
#define FPR_B "b974b8b8f66665e8"
#define FPR_ZERO "06a04c23d318b01a"

static int group_setup(void **state)
{
    (void)state;
    return ids_init() == C_OK ? 0 : -1;
}

/* Each file test gets a fresh directory under /tmp (its path is *state). */
static int dir_setup(void **state)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/nd_secrets_XXXXXX");
    if (mkdtemp(dir) == NULL) return -1;
    *state = dir;
    return 0;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int dir_teardown(void **state)
{
    /* FTW_PHYS: remove symlinks themselves, never what they point at. */
    return nftw((const char *)*state, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *in_dir(void **state, const char *name)
{
    return xasprintf("%s/%s", (const char *)*state, name);
}

static void write_file(const char *path, const char *content, size_t n, mode_t mode)
{
    /* anew each time: an earlier read-only mode must not stop a non-root run */
    if (unlink(path) != 0) assert_int_equal(errno, ENOENT);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, content, n), (ssize_t)n);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(close(fd), 0);
}

static sec_key_t *env_key(const char *hex)
{
    sec_key_t *k = NULL;
    bool created = true;
    char *err = NULL;
    if (sec_key_load(hex, NULL, &k, &created, &err) != C_OK) fail_msg("env key: %s", err);
    assert_non_null(k);
    assert_null(err);
    assert_false(created);
    return k;
}

/* Loads from a file that must be refused; returns the message (caller frees). */
static char *file_refused(const char *path)
{
    sec_key_t *k = (sec_key_t *)&k; /* not NULL: loading must reset it */
    bool created = true;
    char *err = NULL;
    assert_int_equal(sec_key_load(NULL, path, &k, &created, &err), C_ERR);
    assert_null(k);
    assert_false(created);
    assert_non_null(err);
    assert_null(strchr(err, '\n')); /* one line */
    if (strstr(err, path) == NULL) fail_msg("message does not name the path: %s", err);
    return err;
}

static void assert_fpr(const sec_key_t *k, const char *want)
{
    char fpr[SEC_FPR_SZ];
    memset(fpr, '#', sizeof fpr);
    sec_key_fingerprint(k, fpr);
    assert_string_equal(fpr, want);
}

/* ---- hex parsing --------------------------------------------------------- */

static void test_parse_hex_key(void **state)
{
    (void)state;
    uint8_t key[SEC_KEY_SZ], want[SEC_KEY_SZ];
    for (int i = 0; i < SEC_KEY_SZ; i++) want[i] = (uint8_t)i;

    assert_int_equal(sec_parse_hex_key(HEX_A, 64, key), C_OK);
    assert_memory_equal(key, want, SEC_KEY_SZ);
    memset(key, 0, sizeof key);
    assert_int_equal(sec_parse_hex_key(HEX_A_UP, 64, key), C_OK);
    assert_memory_equal(key, want, SEC_KEY_SZ);
    /* n, not the NUL, decides: a longer string's first 64 is a key */
    assert_int_equal(sec_parse_hex_key(HEX_A "00", 64, key), C_OK);
    assert_memory_equal(key, want, SEC_KEY_SZ);

    static const uint8_t zero[SEC_KEY_SZ];
    memset(key, 0xaa, sizeof key);
    assert_int_equal(sec_parse_hex_key(HEX_A, 63, key), C_ERR);
    assert_memory_equal(key, zero, SEC_KEY_SZ); /* no half-parsed key left */
    assert_int_equal(sec_parse_hex_key(HEX_A "0", 65, key), C_ERR);
    assert_int_equal(sec_parse_hex_key(HEX_A "00", 66, key), C_ERR);
    assert_int_equal(sec_parse_hex_key("", 0, key), C_ERR);
    assert_int_equal(sec_parse_hex_key(NULL, 64, key), C_ERR);

    char s[65];
    static const char bad[] = {'g', 'G', 'x', ' ', '\n', ':', '-', '\0'};
    for (size_t b = 0; b < sizeof bad; b++) {
        for (size_t pos = 0; pos < 64; pos += 21) {
            memcpy(s, HEX_A, 65);
            s[pos] = bad[b];
            memset(key, 0xaa, sizeof key);
            if (sec_parse_hex_key(s, 64, key) != C_ERR) fail_msg("accepted 0x%02x at %zu", bad[b], pos);
            assert_memory_equal(key, zero, SEC_KEY_SZ);
        }
    }
}

/* ---- sealing and opening ------------------------------------------------- */

static void test_round_trip(void **state)
{
    (void)state;
    sec_key_t *k = env_key(HEX_A);
    char plain[SEC_PLAIN_MAX];
    for (size_t i = 0; i < sizeof plain; i++) plain[i] = (char)(i * 37 + 1);
    plain[3] = '\0'; /* binary-safe: an embedded NUL survives */

    static const size_t lens[] = {0, 1, 8, 17, 127, SEC_PLAIN_MAX};
    for (size_t li = 0; li < ND_ARRAY_LEN(lens); li++) {
        size_t len = lens[li];
        uint8_t box[SEC_BOX_MAX];
        size_t boxlen = 999;
        assert_int_equal(sec_seal(k, plain, len, box, &boxlen), C_OK);
        assert_int_equal(boxlen, 24 + 16 + len);

        char out[SEC_PLAIN_MAX + 1];
        memset(out, '#', sizeof out);
        size_t n = 999;
        assert_int_equal(sec_open(k, box, boxlen, out, &n), C_OK);
        assert_int_equal(n, len);
        assert_memory_equal(out, plain, len);
        assert_int_equal(out[len], '\0');
    }

    /* n == 0 does not need a buffer */
    uint8_t box[SEC_BOX_MAX];
    size_t boxlen = 0, n = 9;
    char out[SEC_PLAIN_MAX + 1];
    assert_int_equal(sec_seal(k, NULL, 0, box, &boxlen), C_OK);
    assert_int_equal(boxlen, 40);
    assert_int_equal(sec_open(k, box, boxlen, out, &n), C_OK);
    assert_int_equal(n, 0);
    assert_string_equal(out, "");

    /* text, as callers will use it */
    assert_int_equal(sec_seal(k, "s3cret-SIP-pass", 15, box, &boxlen), C_OK);
    assert_int_equal(sec_open(k, box, boxlen, out, &n), C_OK);
    assert_string_equal(out, "s3cret-SIP-pass");
    sec_key_free(k);
}

static void test_seal_too_long(void **state)
{
    (void)state;
    sec_key_t *k = env_key(HEX_A);
    char plain[SEC_PLAIN_MAX + 1];
    memset(plain, 'p', sizeof plain);
    uint8_t box[SEC_BOX_MAX];
    size_t boxlen = 999;
    assert_int_equal(sec_seal(k, plain, SEC_PLAIN_MAX + 1, box, &boxlen), C_ERR);
    assert_int_equal(boxlen, 0);
    assert_int_equal(sec_seal(k, plain, SIZE_MAX, box, &boxlen), C_ERR);
    sec_key_free(k);
}

/* Opening must fail, zero plain, and set *n = 0. */
static void assert_open_fails(const sec_key_t *k, const uint8_t *box, size_t boxlen)
{
    char out[SEC_PLAIN_MAX + 1];
    static const char zero[SEC_PLAIN_MAX + 1];
    memset(out, 'X', sizeof out);
    size_t n = 999;
    assert_int_equal(sec_open(k, box, boxlen, out, &n), C_ERR);
    assert_int_equal(n, 0);
    assert_memory_equal(out, zero, sizeof out);
}

static void test_tamper(void **state)
{
    (void)state;
    sec_key_t *k = env_key(HEX_A);
    static const size_t lens[] = {0, 8, SEC_PLAIN_MAX};
    for (size_t li = 0; li < ND_ARRAY_LEN(lens); li++) {
        char plain[SEC_PLAIN_MAX];
        memset(plain, 'q', sizeof plain);
        uint8_t box[SEC_BOX_MAX];
        size_t boxlen;
        assert_int_equal(sec_seal(k, plain, lens[li], box, &boxlen), C_OK);
        /* every byte: nonce [0,24), MAC [24,40), ciphertext [40,boxlen) */
        for (size_t i = 0; i < boxlen; i++) {
            static const uint8_t flips[] = {0x01, 0x80, 0xff};
            for (size_t f = 0; f < sizeof flips; f++) {
                box[i] ^= flips[f];
                assert_open_fails(k, box, boxlen);
                box[i] ^= flips[f];
            }
        }
        char out[SEC_PLAIN_MAX + 1];
        size_t n;
        assert_int_equal(sec_open(k, box, boxlen, out, &n), C_OK); /* restored */
    }
    sec_key_free(k);
}

static void test_bad_lengths(void **state)
{
    (void)state;
    sec_key_t *k = env_key(HEX_A);
    uint8_t box[SEC_BOX_MAX + 1];
    size_t boxlen;
    assert_int_equal(sec_seal(k, "abcdefgh", 8, box, &boxlen), C_OK);
    for (size_t len = 0; len < boxlen; len++) assert_open_fails(k, box, len); /* truncated */
    box[boxlen] = 0;
    assert_open_fails(k, box, boxlen + 1); /* extended */
    assert_open_fails(k, NULL, 0);

    /* longer than any box we make, even with a valid-looking prefix */
    uint8_t big[SEC_BOX_MAX + 1];
    char plain[SEC_PLAIN_MAX];
    memset(plain, 'z', sizeof plain);
    assert_int_equal(sec_seal(k, plain, SEC_PLAIN_MAX, big, &boxlen), C_OK);
    assert_int_equal(boxlen, SEC_BOX_MAX);
    big[SEC_BOX_MAX] = 0;
    assert_open_fails(k, big, SEC_BOX_MAX + 1);
    sec_key_free(k);
}

static void test_wrong_key(void **state)
{
    (void)state;
    sec_key_t *a = env_key(HEX_A), *b = env_key(HEX_B);
    uint8_t box[SEC_BOX_MAX];
    size_t boxlen;
    assert_int_equal(sec_seal(a, "password", 8, box, &boxlen), C_OK);
    assert_open_fails(b, box, boxlen);

    /* and the same key loaded again (different memory) opens it */
    sec_key_t *a2 = env_key(HEX_A_UP);
    char out[SEC_PLAIN_MAX + 1];
    size_t n;
    assert_int_equal(sec_open(a2, box, boxlen, out, &n), C_OK);
    assert_string_equal(out, "password");
    sec_key_free(a);
    sec_key_free(a2);
    sec_key_free(b);
}

static void test_nonce_random(void **state)
{
    (void)state;
    sec_key_t *k = env_key(HEX_A);
    uint8_t b1[SEC_BOX_MAX], b2[SEC_BOX_MAX];
    size_t l1, l2;
    assert_int_equal(sec_seal(k, "same text", 9, b1, &l1), C_OK);
    assert_int_equal(sec_seal(k, "same text", 9, b2, &l2), C_OK);
    assert_int_equal(l1, l2);
    assert_memory_not_equal(b1, b2, 24);       /* nonces */
    assert_memory_not_equal(b1 + 24, b2 + 24, l1 - 24); /* MAC and ciphertext */
    sec_key_free(k);
}

/* A loaded key is read-only, so threads share it without locks. */
#define THREADS 4
#define THREAD_ROUNDS 500

static void *seal_open_loop(void *arg)
{
    const sec_key_t *k = arg;
    uintptr_t bad = 0;
    for (int i = 0; i < THREAD_ROUNDS; i++) {
        char plain[32], out[SEC_PLAIN_MAX + 1], fpr[SEC_FPR_SZ];
        int len = snprintf(plain, sizeof plain, "p%d-%p", i, (void *)&i);
        uint8_t box[SEC_BOX_MAX];
        size_t boxlen, n;
        if (sec_seal(k, plain, (size_t)len, box, &boxlen) != C_OK ||
            sec_open(k, box, boxlen, out, &n) != C_OK || n != (size_t)len || strcmp(out, plain) != 0)
            bad++;
        sec_key_fingerprint(k, fpr);
        if (strcmp(fpr, FPR_A) != 0) bad++;
    }
    return (void *)bad;
}

static void test_threads(void **state)
{
    (void)state;
    sec_key_t *k = env_key(HEX_A);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_create(&t[i], NULL, seal_open_loop, k), 0);
    for (int i = 0; i < THREADS; i++) {
        void *bad;
        assert_int_equal(pthread_join(t[i], &bad), 0);
        assert_int_equal((uintptr_t)bad, 0);
    }
    sec_key_free(k);
}

/* ---- environment key and fingerprints ----------------------------------- */

static void assert_env_refused(const char *hex)
{
    sec_key_t *k = (sec_key_t *)&k;
    bool created = true;
    char *err = NULL;
    if (sec_key_load(hex, NULL, &k, &created, &err) != C_ERR) fail_msg("accepted env key \"%s\"", hex);
    assert_null(k);
    assert_false(created);
    assert_non_null(err);
    assert_non_null(strstr(err, "NUMBERD_SECRET_KEY"));
    assert_null(strchr(err, '\n'));
    if (strlen(hex) >= 16) {
        /* the message never echoes the would-be key */
        char part[17];
        memcpy(part, hex + 1, 16);
        part[16] = '\0';
        assert_null(strstr(err, part));
    }
    free(err);
}

static void test_env_key(void **state)
{
    (void)state;
    sec_key_t *lo = env_key(HEX_A), *up = env_key(HEX_A_UP);
    assert_fpr(lo, FPR_A);
    assert_fpr(up, FPR_A); /* case does not matter */
    sec_key_free(lo);
    sec_key_free(up);
    sec_key_t *mixed = env_key("000102030405060708090A0b0C0d0e0f101112131415161718191a1b1c1d1e1F");
    assert_fpr(mixed, FPR_A);
    sec_key_free(mixed);

    assert_env_refused("");
    assert_env_refused(&HEX_A[1]);          /* 63 */
    assert_env_refused(HEX_A "0");          /* 65 */
    assert_env_refused(HEX_A "00");         /* 66 */
    assert_env_refused(" " HEX_A);          /* whitespace around: not trimmed */
    assert_env_refused(HEX_A " ");
    assert_env_refused(HEX_A "\n");
    assert_env_refused("\t" HEX_A);
    assert_env_refused("0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    assert_env_refused("g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
    assert_env_refused("000102030405060708090a0b0c0d0e0f 101112131415161718191a1b1c1d1e1");
    assert_env_refused("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz");
}

static void test_fingerprint(void **state)
{
    (void)state;
    sec_key_t *a = env_key(HEX_A), *a2 = env_key(HEX_A), *b = env_key(HEX_B);
    sec_key_t *z = env_key("0000000000000000000000000000000000000000000000000000000000000000");
    char fa[SEC_FPR_SZ], fa2[SEC_FPR_SZ], fb[SEC_FPR_SZ];
    sec_key_fingerprint(a, fa);
    sec_key_fingerprint(a2, fa2);
    sec_key_fingerprint(b, fb);
    assert_string_equal(fa, fa2);
    assert_string_not_equal(fa, fb);
    assert_int_equal(strlen(fa), 16);
    for (size_t i = 0; i < 16; i++) assert_non_null(strchr("0123456789abcdef", fa[i]));
    /* pinned: a change here would make every stored database "wrong key" */
    assert_fpr(a, FPR_A);
    assert_fpr(b, FPR_B);
    assert_fpr(z, FPR_ZERO);
    /* the fingerprint is not a piece of the key */
    assert_null(strstr(HEX_A, fa));
    sec_key_free(a);
    sec_key_free(a2);
    sec_key_free(b);
    sec_key_free(z);
    sec_key_free(NULL); /* NULL ok */
}

static void test_ephemeral(void **state)
{
    (void)state;
    sec_key_t *k1 = NULL, *k2 = NULL;
    bool c1 = false, c2 = false;
    char *err = NULL;
    assert_int_equal(sec_key_load(NULL, NULL, &k1, &c1, &err), C_OK);
    assert_int_equal(sec_key_load(NULL, NULL, &k2, &c2, &err), C_OK);
    assert_null(err);
    assert_true(c1);
    assert_true(c2);
    char f1[SEC_FPR_SZ], f2[SEC_FPR_SZ];
    sec_key_fingerprint(k1, f1);
    sec_key_fingerprint(k2, f2);
    assert_string_not_equal(f1, f2); /* fresh each time */

    uint8_t box[SEC_BOX_MAX];
    size_t boxlen, n;
    char out[SEC_PLAIN_MAX + 1];
    assert_int_equal(sec_seal(k1, "eph", 3, box, &boxlen), C_OK);
    assert_int_equal(sec_open(k1, box, boxlen, out, &n), C_OK);
    assert_string_equal(out, "eph");
    assert_open_fails(k2, box, boxlen);
    sec_key_free(k1);
    sec_key_free(k2);
}

/* ---- key file ------------------------------------------------------------- */

static void test_file_create_and_reload(void **state)
{
    char *path = in_dir(state, "server.key");
    sec_key_t *k = NULL;
    bool created = false;
    char *err = NULL;
    assert_int_equal(sec_key_load(NULL, path, &k, &created, &err), C_OK);
    assert_null(err);
    assert_true(created);

    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 65);
    assert_int_equal(st.st_uid, geteuid());

    /* 64 lower-case hex digits and a newline */
    char buf[80];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t got = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_int_equal(got, 65);
    for (size_t i = 0; i < 64; i++)
        if (strchr("0123456789abcdef", buf[i]) == NULL) fail_msg("not lower-case hex at %zu", i);
    assert_int_equal(buf[64], '\n');

    char f1[SEC_FPR_SZ], f2[SEC_FPR_SZ];
    sec_key_fingerprint(k, f1);
    uint8_t box[SEC_BOX_MAX];
    size_t boxlen;
    assert_int_equal(sec_seal(k, "kept", 4, box, &boxlen), C_OK);
    sec_key_free(k);

    /* again: the same key, not a new one */
    k = NULL;
    created = true;
    assert_int_equal(sec_key_load(NULL, path, &k, &created, &err), C_OK);
    assert_false(created);
    sec_key_fingerprint(k, f2);
    assert_string_equal(f1, f2);
    char out[SEC_PLAIN_MAX + 1];
    size_t n;
    assert_int_equal(sec_open(k, box, boxlen, out, &n), C_OK);
    assert_string_equal(out, "kept");
    sec_key_free(k);

    /* the file holds the key itself: the env form of it is the same key */
    buf[64] = '\0';
    k = env_key(buf);
    sec_key_fingerprint(k, f2);
    assert_string_equal(f1, f2);
    sec_key_free(k);
    free(path);
}

static void test_file_contents(void **state)
{
    char *path = in_dir(state, "k");
    sec_key_t *k;
    bool created;
    char *err = NULL;

    /* accepted: 64 hex, with or without one newline, either case */
    static const char *const good[] = {HEX_A, HEX_A "\n", HEX_A_UP, HEX_A_UP "\n"};
    for (size_t i = 0; i < ND_ARRAY_LEN(good); i++) {
        write_file(path, good[i], strlen(good[i]), 0600);
        k = NULL;
        assert_int_equal(sec_key_load(NULL, path, &k, &created, &err), C_OK);
        assert_false(created);
        assert_fpr(k, FPR_A);
        sec_key_free(k);
    }

    /* refused: garbage, wrong lengths, extra whitespace */
    static const char *const bad[] = {
        "",
        "\n",
        "hello, world\n",
        HEX_A "\n\n",
        HEX_A "\r\n",
        HEX_A " ",
        " " HEX_A,
        HEX_A "0",
        HEX_A "0\n",
        &HEX_A[1],
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n",
        "NUMBERD_SECRET_KEY=" HEX_A "\n",
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(bad); i++) {
        write_file(path, bad[i], strlen(bad[i]), 0600);
        char *msg = file_refused(path);
        assert_non_null(strstr(msg, bad[i][0] == '\0' ? "is empty" : "64 hex"));
        free(msg);
    }
    /* binary junk, including NULs, and a large file */
    char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (char)(i * 7);
    write_file(path, junk, 64, 0600);
    free(file_refused(path));
    write_file(path, junk, sizeof junk, 0600);
    free(file_refused(path));
    free(path);
}

static void test_file_mode_refused(void **state)
{
    char *path = in_dir(state, "k");
    static const mode_t modes[] = {0644, 0640, 0604, 0660, 0606, 0610, 0601, 0666, 0777};
    for (size_t i = 0; i < ND_ARRAY_LEN(modes); i++) {
        write_file(path, HEX_A "\n", 65, modes[i]);
        char *msg = file_refused(path);
        char *want = xasprintf("run: chmod 600 %s", path);
        char mode[8];
        snprintf(mode, sizeof mode, "%04o", (unsigned)modes[i]);
        if (strstr(msg, want) == NULL || strstr(msg, mode) == NULL) fail_msg("%s", msg);
        free(want);
        free(msg);
    }
    /* only the owner's bits: fine, even read-only or with x */
    static const mode_t ok[] = {0400, 0600, 0700};
    for (size_t i = 0; i < ND_ARRAY_LEN(ok); i++) {
        write_file(path, HEX_A "\n", 65, ok[i]);
        sec_key_t *k = NULL;
        bool created;
        char *err = NULL;
        assert_int_equal(sec_key_load(NULL, path, &k, &created, &err), C_OK);
        assert_fpr(k, FPR_A);
        sec_key_free(k);
    }
    free(path);
}

static void test_file_symlink_refused(void **state)
{
    char *target = in_dir(state, "real.key");
    char *link = in_dir(state, "link.key");
    write_file(target, HEX_A "\n", 65, 0600);
    assert_int_equal(symlink(target, link), 0);
    char *msg = file_refused(link);
    assert_non_null(strstr(msg, "symbolic link"));
    free(msg);

    /* dangling: refused too, and nothing is created where it points */
    char *nowhere = in_dir(state, "nowhere.key");
    char *dangling = in_dir(state, "dangling.key");
    assert_int_equal(symlink(nowhere, dangling), 0);
    free(file_refused(dangling));
    assert_int_equal(access(nowhere, F_OK), -1);
    free(target);
    free(link);
    free(nowhere);
    free(dangling);
}

static void test_file_not_regular(void **state)
{
    char *d = in_dir(state, "adir");
    assert_int_equal(mkdir(d, 0700), 0);
    char *msg = file_refused(d);
    assert_non_null(strstr(msg, "regular file"));
    free(msg);

    /* a FIFO must be refused, not block the start waiting for a writer */
    char *fifo = in_dir(state, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    msg = file_refused(fifo);
    assert_non_null(strstr(msg, "regular file"));
    free(msg);
    free(d);
    free(fifo);
}

static void test_file_missing_dir(void **state)
{
    char *dir = in_dir(state, "no/such");
    char *path = in_dir(state, "no/such/server.key");
    char *msg = file_refused(path);
    assert_non_null(strstr(msg, strerror(ENOENT)));
    assert_int_equal(access(dir, F_OK), -1); /* nothing created on the way */
    free(msg);
    free(dir);
    free(path);
}

static void test_file_wrong_owner(void **state)
{
    /* Only root can give a file away. */
    if (geteuid() != 0) skip();
    char *path = in_dir(state, "k");
    write_file(path, HEX_A "\n", 65, 0600);
    assert_int_equal(chown(path, 1, (gid_t)-1), 0);
    char *msg = file_refused(path);
    assert_non_null(strstr(msg, "owned by uid 1"));
    free(msg);
    free(path);
}

static void test_env_overrides_path(void **state)
{
    char *path = in_dir(state, "server.key");
    sec_key_t *k = NULL;
    bool created = true;
    char *err = NULL;
    assert_int_equal(sec_key_load(HEX_B, path, &k, &created, &err), C_OK);
    assert_false(created);
    assert_fpr(k, FPR_B);
    assert_int_equal(access(path, F_OK), -1); /* path ignored: not created */
    sec_key_free(k);

    /* a bad env key is an error even with a good file: no silent fallback */
    write_file(path, HEX_A "\n", 65, 0600);
    k = (sec_key_t *)&k;
    assert_int_equal(sec_key_load("nope", path, &k, &created, &err), C_ERR);
    assert_null(k);
    assert_non_null(strstr(err, "NUMBERD_SECRET_KEY"));
    free(err);
    free(path);
}

/* Several processes starting at once against a missing key file: exactly one
 * creates it, and all of them end up with the same key. */
#define RACERS 8
#define RACE_ROUNDS 5

struct race_result {
    char fpr[SEC_FPR_SZ];
    char ok;
    char created;
};

static void test_file_race(void **state)
{
    for (int round = 0; round < RACE_ROUNDS; round++) {
        char name[32];
        snprintf(name, sizeof name, "race%d.key", round);
        char *path = in_dir(state, name);
        int go[2], res[2];
        assert_int_equal(pipe(go), 0);
        assert_int_equal(pipe(res), 0);
        pid_t pids[RACERS];
        for (int i = 0; i < RACERS; i++) {
            pids[i] = fork();
            assert_true(pids[i] >= 0);
            if (pids[i] == 0) {
                close(go[1]);
                close(res[0]);
                char c;
                /* wait for the start: EOF once the parent closes its end */
                while (read(go[0], &c, 1) > 0) {}
                struct race_result r;
                memset(&r, 0, sizeof r);
                sec_key_t *k = NULL;
                bool created = false;
                char *err = NULL;
                if (sec_key_load(NULL, path, &k, &created, &err) == C_OK) {
                    r.ok = 1;
                    r.created = created;
                    sec_key_fingerprint(k, r.fpr);
                } else {
                    fprintf(stderr, "racer: %s\n", err);
                }
                _exit(write(res[1], &r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
            }
        }
        close(go[0]);
        close(go[1]); /* go */
        close(res[1]);

        /* Collect everything and reap every child before asserting, so a
         * failure leaves no process behind writing into the directory. */
        struct race_result r[RACERS];
        memset(r, 0, sizeof r);
        for (int i = 0; i < RACERS; i++)
            if (read(res[0], &r[i], sizeof r[i]) != (ssize_t)sizeof r[i]) break;
        close(res[0]);
        int exited_ok = 0;
        for (int i = 0; i < RACERS; i++) {
            int ws;
            if (waitpid(pids[i], &ws, 0) == pids[i] && WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
                exited_ok++;
        }
        assert_int_equal(exited_ok, RACERS);

        int created = 0;
        for (int i = 0; i < RACERS; i++) {
            assert_true(r[i].ok);
            created += r[i].created;
            assert_string_equal(r[i].fpr, r[0].fpr);
        }
        assert_int_equal(created, 1);
        char first[SEC_FPR_SZ];
        memcpy(first, r[0].fpr, sizeof first);

        sec_key_t *k = NULL;
        bool c = true;
        char *err = NULL;
        assert_int_equal(sec_key_load(NULL, path, &k, &c, &err), C_OK);
        assert_false(c);
        assert_fpr(k, first);
        sec_key_free(k);
        free(path);
    }
}

/* A reader that finds the file still empty waits for its creator. */
static void *write_later(void *arg)
{
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    int fd = open((const char *)arg, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return (void *)1;
    ssize_t w = write(fd, HEX_A "\n", 65);
    close(fd);
    return (void *)(uintptr_t)(w != 65);
}

static void test_file_being_written(void **state)
{
    char *path = in_dir(state, "slow.key");
    write_file(path, "", 0, 0600);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, write_later, path), 0);
    sec_key_t *k = NULL;
    bool created = true;
    char *err = NULL;
    int rc = sec_key_load(NULL, path, &k, &created, &err);
    void *bad;
    assert_int_equal(pthread_join(t, &bad), 0);
    assert_null(bad);
    if (rc != C_OK) fail_msg("%s", err);
    assert_false(created);
    assert_fpr(k, FPR_A);
    sec_key_free(k);
    free(path);
}

#define DIR_TEST(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_hex_key),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_seal_too_long),
        cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_bad_lengths),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_nonce_random),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_env_key),
        cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_ephemeral),
        DIR_TEST(test_file_create_and_reload),
        DIR_TEST(test_file_contents),
        DIR_TEST(test_file_mode_refused),
        DIR_TEST(test_file_symlink_refused),
        DIR_TEST(test_file_not_regular),
        DIR_TEST(test_file_missing_dir),
        DIR_TEST(test_file_wrong_owner),
        DIR_TEST(test_env_overrides_path),
        DIR_TEST(test_file_being_written),
        DIR_TEST(test_file_race),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
