#include "core/secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The header's sizes are part of the stored format (boxes in the database),
 * so a libsodium whose secretbox differs must not compile silently. */
_Static_assert(crypto_secretbox_KEYBYTES == SEC_KEY_SZ, "secretbox key size");
_Static_assert(crypto_secretbox_NONCEBYTES == 24, "secretbox nonce size");
_Static_assert(crypto_secretbox_MACBYTES == 16, "secretbox MAC size");
_Static_assert(SEC_FPR_SZ == 2 * 8 + 1, "fingerprint is 8 bytes in hex");

#define NONCE_SZ crypto_secretbox_NONCEBYTES
#define MAC_SZ crypto_secretbox_MACBYTES
#define HEX_SZ (2 * SEC_KEY_SZ)
#define ENV_NAME "NUMBERD_SECRET_KEY"
#define FPR_MSG "numberd key fingerprint v1"

/* A file shorter than a key is what a second process sees when it opens
 * the file between the creator's open(O_CREAT) and its write().  It cannot
 * tell that from a file left empty by a creator that crashed, so it waits
 * up to 20 x 10 ms for the content before calling the file bad: long enough
 * for a creator that is merely descheduled, short enough not to matter on
 * a start that fails anyway. */
#define RACE_TRIES 20
#define RACE_SLEEP_NS 10000000L

/* A struct (rather than a bare array) so that the whole allocation is the
 * key and sodium_mprotect_readonly() covers exactly it. */
struct sec_key {
    unsigned char key[SEC_KEY_SZ];
};

/* read_key_file() results: RD_SHORT is a file with fewer than 64 bytes,
 * which is what a reader sees while the creator is still writing. */
enum { RD_OK = 0, RD_ERR = -1, RD_SHORT = -2 };
/* create_key_file(): someone else created the file first. */
enum { CR_OK = 0, CR_ERR = -1, CR_EXISTS = -2 };

int sec_parse_hex_key(const char *s, size_t n, uint8_t key[SEC_KEY_SZ])
{
    size_t got = 0;
    /* sodium_hex2bin rather than a hand loop: it does not branch on the
     * digit values, so the key does not leak through timing.  With no
     * ignore set and no hex_end it rejects anything but hex digits. */
    if (s == NULL || n != HEX_SZ ||
        sodium_hex2bin(key, SEC_KEY_SZ, s, n, NULL, &got, NULL) != 0 || got != SEC_KEY_SZ) {
        sodium_memzero(key, SEC_KEY_SZ);
        return C_ERR;
    }
    return C_OK;
}

static sec_key_t *key_new(void)
{
    /* sodium_malloc: guard pages, mlock'ed (kept out of swap), and a page of
     * its own that can be made read-only once the key is in. */
    sec_key_t *k = sodium_malloc(sizeof *k);
    if (k == NULL) nd_panic("out of memory allocating the server key");
    return k;
}

void sec_key_free(sec_key_t *k)
{
    /* sodium_free makes the page writable again and zeroes it. */
    if (k != NULL) sodium_free(k);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return C_ERR;
        }
        p += w;
        n -= (size_t)w;
    }
    return C_OK;
}

/* A new file's name is only durable once its directory is synced too. */
static int fsync_dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash == NULL ? xstrdup(".")
                : slash == path ? xstrdup("/")
                                : xstrndup(path, (size_t)(slash - path));
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0) return C_ERR;
    int rc = fsync(fd);
    /* Some filesystems cannot fsync a directory at all (EINVAL); there is
     * nothing more to do there, so that is not a failure. */
    if (rc != 0 && errno == EINVAL) rc = 0;
    int e = errno;
    close(fd);
    errno = e;
    return rc == 0 ? C_OK : C_ERR;
}

/* Checks an open key file (type, owner, mode) and reads the key from it. */
static int read_key_file(int fd, const char *path, sec_key_t *k, char **err)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        *err = xasprintf("%s: cannot stat key file: %s", path, strerror(errno));
        return RD_ERR;
    }
    if (!S_ISREG(st.st_mode)) {
        *err = xasprintf("%s: key file is not a regular file", path);
        return RD_ERR;
    }
    if (st.st_uid != geteuid()) {
        *err = xasprintf("%s: key file is owned by uid %lu, but the server runs as uid %lu", path,
                         (unsigned long)st.st_uid, (unsigned long)geteuid());
        return RD_ERR;
    }
    if ((st.st_mode & 077) != 0) {
        *err = xasprintf("%s: key file mode %04o gives access to group or others; run: chmod 600 %s",
                         path, (unsigned)(st.st_mode & 07777), path);
        return RD_ERR;
    }

    /* Two bytes of slack beyond the 64 digits: one for the optional newline
     * and one to notice a file that is longer than that. */
    char buf[HEX_SZ + 2];
    size_t len = 0;
    while (len < sizeof buf) {
        ssize_t r = read(fd, buf + len, sizeof buf - len);
        if (r < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            sodium_memzero(buf, sizeof buf);
            *err = xasprintf("%s: cannot read key file: %s", path, strerror(e));
            return RD_ERR;
        }
        if (r == 0) break;
        len += (size_t)r;
    }
    if (len == HEX_SZ + 1 && buf[HEX_SZ] == '\n') len = HEX_SZ;

    int rc = RD_OK;
    if (len < HEX_SZ) {
        /* An empty file holds no key, so suggesting its removal (a crash
         * during creation leaves one) cannot lose anything. */
        *err = len == 0 ? xasprintf("%s: key file is empty (left by an interrupted first start? "
                                    "remove it to generate a new key)",
                                    path)
                        : xasprintf("%s: key file is too short; it must contain exactly 64 hex "
                                    "characters and optionally a newline",
                                    path);
        rc = RD_SHORT;
    } else if (len != HEX_SZ || sec_parse_hex_key(buf, len, k->key) != C_OK) {
        *err = xasprintf("%s: key file must contain exactly 64 hex characters "
                         "and optionally a newline",
                         path);
        rc = RD_ERR;
    }
    sodium_memzero(buf, sizeof buf);
    return rc;
}

/* Creates the key file with a fresh key.  O_EXCL makes creation atomic:
 * of two processes starting at once, exactly one gets the file and the
 * other sees EEXIST and reads it instead of overwriting it. */
static int create_key_file(const char *path, sec_key_t *k, char **err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) return CR_EXISTS;
        *err = xasprintf("%s: cannot create key file: %s", path, strerror(errno));
        return CR_ERR;
    }

    randombytes_buf(k->key, SEC_KEY_SZ);
    char hex[HEX_SZ + 2];
    sodium_bin2hex(hex, HEX_SZ + 1, k->key, SEC_KEY_SZ);
    hex[HEX_SZ] = '\n';

    /* 0600 above is filtered through the umask; a umask that also removed
     * the owner's read bit would leave a key we could not read next time. */
    const char *what = NULL;
    int e = 0;
    bool written = false;
    if (fchmod(fd, 0600) != 0) {
        what = "set the mode of";
        e = errno;
    } else if (write_all(fd, hex, HEX_SZ + 1) != C_OK) {
        what = "write";
        e = errno;
    } else {
        written = true;
        if (fsync(fd) != 0) {
            what = "fsync";
            e = errno;
        }
    }
    sodium_memzero(hex, sizeof hex);
    if (close(fd) != 0 && what == NULL) {
        what = "close";
        e = errno;
    }
    if (what == NULL && fsync_dir_of(path) != C_OK) {
        what = "fsync the directory of";
        e = errno;
    }
    if (what != NULL) {
        /* A file without a whole key would stop every later start, so it
         * goes.  A whole key stays even though syncing failed: a process
         * racing with us may already have read it and be using it. */
        if (!written) unlink(path);
        *err = xasprintf("%s: cannot %s new key file: %s", path, what, strerror(e));
        return CR_ERR;
    }
    return CR_OK;
}

static int load_file(const char *path, sec_key_t *k, bool *created, char **err)
{
    for (int attempt = 0;; attempt++) {
        /* O_NOFOLLOW: a symlink could point the server at a key someone else
         * controls.  O_NONBLOCK: opening a FIFO must not hang the start
         * (fstat then rejects it); it changes nothing for a regular file. */
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0) {
            int rc = read_key_file(fd, path, k, err);
            close(fd);
            if (rc == RD_SHORT && attempt < RACE_TRIES) {
                /* Perhaps its creator is still writing it. */
                free(*err);
                *err = NULL;
                struct timespec ts = {0, RACE_SLEEP_NS};
                nanosleep(&ts, NULL);
                continue;
            }
            return rc == RD_OK ? C_OK : C_ERR;
        }
        /* Linux says ELOOP for a symlink under O_NOFOLLOW, FreeBSD EMLINK. */
        if (errno == ELOOP || errno == EMLINK) {
            *err = xasprintf("%s: key file is a symbolic link; it must be a regular file", path);
            return C_ERR;
        }
        if (errno != ENOENT) {
            *err = xasprintf("%s: cannot open key file: %s", path, strerror(errno));
            return C_ERR;
        }
        int rc = create_key_file(path, k, err);
        if (rc == CR_EXISTS) {
            /* Bounded, in case something keeps creating and deleting it. */
            if (attempt >= RACE_TRIES) {
                *err = xasprintf("%s: key file keeps appearing and disappearing", path);
                return C_ERR;
            }
            continue;
        }
        if (rc != CR_OK) return C_ERR;
        *created = true;
        return C_OK;
    }
}

int sec_key_load(const char *env_hex, const char *path, sec_key_t **out, bool *created, char **err)
{
    *out = NULL;
    *created = false;
    *err = NULL;
    /* Cheap and idempotent; protects a caller that forgot ids_init() from
     * sodium_malloc and randombytes_buf running uninitialised. */
    if (sodium_init() < 0) {
        *err = xasprintf("cannot initialise libsodium");
        return C_ERR;
    }

    sec_key_t *k = key_new();
    if (env_hex != NULL) {
        size_t n = strlen(env_hex);
        if (sec_parse_hex_key(env_hex, n, k->key) != C_OK) {
            /* Never echo the value: it is (nearly) the key. */
            *err = xasprintf(ENV_NAME ": must be exactly 64 hex characters with no whitespace "
                                      "(got %zu characters)",
                             n);
            sec_key_free(k);
            return C_ERR;
        }
    } else if (path != NULL) {
        if (load_file(path, k, created, err) != C_OK) {
            sec_key_free(k);
            return C_ERR;
        }
    } else {
        randombytes_buf(k->key, SEC_KEY_SZ);
        *created = true;
    }

    /* From here on a stray write through a bad pointer faults instead of
     * silently changing the key, and sharing between threads is safe. */
    if (sodium_mprotect_readonly(k) != 0) {
        *err = xasprintf("cannot make the server key read-only: %s", strerror(errno));
        sec_key_free(k);
        *created = false;
        return C_ERR;
    }
    *out = k;
    return C_OK;
}

void sec_key_fingerprint(const sec_key_t *k, char out[SEC_FPR_SZ])
{
    /* Keyed, so the fingerprint says nothing about the key without it, and
     * only 8 of the 32 bytes: enough to tell keys apart, short to show. */
    unsigned char h[crypto_generichash_BYTES];
    crypto_generichash(h, sizeof h, (const unsigned char *)FPR_MSG, sizeof FPR_MSG - 1, k->key,
                       SEC_KEY_SZ);
    sodium_bin2hex(out, SEC_FPR_SZ, h, (SEC_FPR_SZ - 1) / 2);
}

void sec_key_derive(const sec_key_t *k, const char *context, uint8_t out[SEC_SUBKEY_SZ])
{
    crypto_generichash(out, SEC_SUBKEY_SZ, (const unsigned char *)context, strlen(context), k->key,
                       SEC_KEY_SZ);
}

int sec_seal(const sec_key_t *k, const char *plain, size_t n, uint8_t box[SEC_BOX_MAX],
             size_t *boxlen)
{
    *boxlen = 0;
    if (n > SEC_PLAIN_MAX) return C_ERR;
    if (n == 0) plain = ""; /* libsodium wants a pointer even for no bytes */
    /* XSalsa20's 24-byte nonce is long enough to draw at random, so no
     * counter has to survive restarts or be shared between processes. */
    randombytes_buf(box, NONCE_SZ);
    if (crypto_secretbox_easy(box + NONCE_SZ, (const unsigned char *)plain, n, box, k->key) != 0)
        return C_ERR;
    *boxlen = NONCE_SZ + MAC_SZ + n;
    return C_OK;
}

int sec_open(const sec_key_t *k, const uint8_t *box, size_t boxlen, char plain[SEC_PLAIN_MAX + 1],
             size_t *n)
{
    *n = 0;
    if (box == NULL || boxlen < NONCE_SZ + MAC_SZ || boxlen > SEC_BOX_MAX ||
        crypto_secretbox_open_easy((unsigned char *)plain, box + NONCE_SZ, boxlen - NONCE_SZ, box,
                                   k->key) != 0) {
        /* Never leave a caller with partial or stale plaintext. */
        sodium_memzero(plain, SEC_PLAIN_MAX + 1);
        return C_ERR;
    }
    size_t m = boxlen - NONCE_SZ - MAC_SZ;
    plain[m] = '\0';
    *n = m;
    return C_OK;
}
