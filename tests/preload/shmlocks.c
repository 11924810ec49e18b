/* shmlocks.c -- an LD_PRELOAD library for the API tests: counts the shared
 * locks SQLite takes, with a system call, on the reader slots of a
 * database's shared-memory file (fcntl F_SETLK, F_RDLCK, one byte at
 * offsets 123-127: UNIX_SHM_BASE 120 + WAL_READ_LOCK(0..4)).  Each one
 * appends a byte to the file named by ND_SHMLOCK_LOG, so its size is the
 * count: a test can tell whether reads took that lock themselves or found
 * it held by another connection of the process (src/store/sqlite/anchor.c).
 * The lock itself is taken as asked. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

int fcntl(int fd, int cmd, ...);
int fcntl64(int fd, int cmd, ...);

static void note(int cmd, void *arg)
{
    if (cmd != F_SETLK && cmd != F_SETLKW) return;
    const struct flock *f = arg;
    if (!f || f->l_type != F_RDLCK || f->l_len != 1 || f->l_start < 123 || f->l_start > 127) return;
    const char *log = getenv("ND_SHMLOCK_LOG");
    if (!log) return;
    int lfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0) return;
    if (write(lfd, "r", 1) != 1) {
        /* the count is short by one: the test's bound allows for it */
    }
    close(lfd);
}

typedef int (*fcntl_fn)(int, int, ...);

/* every fcntl command's third argument fits a pointer (an int or a
 * pointer), as glibc's own wrapper reads it */
int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    static fcntl_fn next;
    if (!next) next = (fcntl_fn)dlsym(RTLD_NEXT, "fcntl");
    note(cmd, arg);
    return next(fd, cmd, arg);
}

/* the same function on 64-bit glibc: callers of either name come here */
int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));
