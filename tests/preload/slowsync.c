/* slowsync.c -- an LD_PRELOAD library for the API tests: fdatasync() and
 * fsync() wait ND_SLOWSYNC_MS milliseconds before they sync.  A disk whose
 * fsync is that slow, so that a test can tell a write answered after its
 * fsync (it takes at least that long) from one answered before.  And a
 * disk whose sync fails: while the file named by ND_SYNC_FAIL_FILE
 * exists, both fail with EIO without syncing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
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

static int failing(void)
{
    const char *f = getenv("ND_SYNC_FAIL_FILE");
    if (!f || access(f, F_OK) != 0) return 0;
    errno = EIO;
    return 1;
}

int fdatasync(int fd)
{
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    nap();
    if (failing()) return -1;
    return real ? real(fd) : -1;
}

int fsync(int fd)
{
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    nap();
    if (failing()) return -1;
    return real ? real(fd) : -1;
}
