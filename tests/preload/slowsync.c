/* slowsync.c -- an LD_PRELOAD library for the API tests: fdatasync() and
 * fsync() wait ND_SLOWSYNC_MS milliseconds before they sync.  A disk whose
 * fsync is that slow, so that a test can tell a write answered after its
 * fsync (it takes at least that long) from one answered before.  And a
 * disk whose sync fails: while the file named by ND_SYNC_FAIL_FILE
 * exists, both fail with EIO without syncing, and so does a write-back
 * (sync_file_range) -- with ND_SYNC_FAIL_SUFFIX set, only those of a file
 * whose path ends so ("/t.db": the database file, not its log).  And with
 * ND_SYNC_LOG set,
 * each sync that succeeded appends the synced file's path and a newline to
 * that file, before it returns: a test can tell WHICH file was synced
 * before an answer (the log's, not some other). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int fdatasync(int fd);
int fsync(int fd);

static void nap(void)
{
    const char *v = getenv("ND_SLOWSYNC_MS");
    long ms = v ? atol(v) : 0;
    if (ms <= 0 || ms > 60000) return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* fd's path into path (size n): false if it has none. */
static int path_of(int fd, char *path, size_t n)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, path, n - 1);
    if (len <= 0) return 0;
    path[len] = '\0';
    return 1;
}

static int failing(int fd)
{
    const char *f = getenv("ND_SYNC_FAIL_FILE");
    if (!f || access(f, F_OK) != 0) return 0;
    const char *suffix = getenv("ND_SYNC_FAIL_SUFFIX");
    if (suffix) {
        char path[4096];
        size_t ls = strlen(suffix), lp;
        if (!path_of(fd, path, sizeof path) || (lp = strlen(path)) < ls || strcmp(path + lp - ls, suffix) != 0)
            return 0;
    }
    errno = EIO;
    return 1;
}

/* Appends fd's path to ND_SYNC_LOG (one write: lines never interleave). */
static void note(int fd)
{
    const char *logf = getenv("ND_SYNC_LOG");
    if (!logf) return;
    char path[4096];
    if (!path_of(fd, path, sizeof path - 1)) return;
    size_t n = strlen(path);
    path[n++] = '\n';
    int out = open(logf, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (out < 0) return;
    if (write(out, path, n) != (ssize_t)n) {
        /* a test reading the log then finds a sync missing: it fails */
    }
    close(out);
}

/* The real call named, slowed, failed, and logged as set above. */
static int sync_as(const char *name, int fd)
{
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, name);
    nap();
    if (failing(fd)) return -1;
    int rc = real ? real(fd) : -1;
    if (rc == 0) note(fd);
    return rc;
}

int fdatasync(int fd) { return sync_as("fdatasync", fd); }

int sync_file_range(int fd, off_t off, off_t n, unsigned int flags);

/* A write-back: failed as a sync is, else the real call (not slowed, not
 * logged: it makes nothing durable). */
int sync_file_range(int fd, off_t off, off_t n, unsigned int flags)
{
    int (*real)(int, off_t, off_t, unsigned int) =
        (int (*)(int, off_t, off_t, unsigned int))dlsym(RTLD_NEXT, "sync_file_range");
    if (failing(fd)) return -1;
    return real ? real(fd, off, n, flags) : -1;
}

int fsync(int fd) { return sync_as("fsync", fd); }
