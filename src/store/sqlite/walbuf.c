/* walbuf.c -- a VFS over SQLite's own ("unix") that gathers the log
 * writes of one commit into a few writes (issue 20 item 4).
 *
 * SQLite writes a commit's log as two pwrite calls per page: a 24-byte
 * frame header, then the page.  With purchases grouped (conn.c) the
 * server is CPU-bound, and on a virtual machine a system call costs more
 * than the copy it makes: strace counted 18.6 pwrite calls a purchase,
 * two thirds of them the log's.  Here the frames a connection appends to
 * its log are kept in a buffer (64 KB) and written when it fills, and
 * always once the commit frame -- a transaction's last, the one whose
 * header holds the database's new size -- has been gathered: SQLite
 * publishes the frames to other connections (the shared index) only after
 * it has written them all, so nothing another connection can read is ever
 * left in a buffer, whether or not SQLite syncs at commit.
 *
 * What could look past the buffer flushes it first: a read that overlaps
 * it, the file's size, a truncate, a sync, a close, a write that does not
 * continue it.  Frames of the last commit written again (SQLite rewrites
 * their checksums after the commit frame when the transaction wrote a
 * page twice) go straight to the file: nothing else would flush them
 * before a later sync (at NORMAL, the next checkpoint's).  What is left
 * when the write transaction ends (its write lock, on the database's
 * shared memory, released) is a rolled-back transaction's and is
 * dropped: SQLite forgets those frames without any I/O, and the next
 * writer -- of this process or another -- writes over them.  A log whose
 * file lacks power-safe overwrite passes through (SQLite pads its commits
 * after the commit frame).
 * A failed write is the write's own error (SQLITE_FULL on a full disk),
 * returned by the write or sync that flushed -- at the latest the commit
 * frame's, so the commit fails and is rolled back, as a failed pwrite in
 * the middle of the frames would have made it -- and an I/O error from a
 * read or a size that flushed (the whole transaction then rolls back);
 * the buffer keeps what it could not write.  Files other than logs (the database,
 * its -shm) pass through untouched. */
#include "store/sqlite/sqliteInt.h"

#include <stdlib.h>
#include <string.h>

#include "util/common.h"

/* A commit larger than this is written in pieces of this size (16 frames
 * of 4 KB pages).  Not larger: the unix VFS masks a write's length to 17
 * bits (seekAndWriteFd: at most 131,071 bytes a call; 131,072 would be a
 * write of nothing) and reports the shortfall as a full disk. */
#define WB_CAP (64 * 1024)

typedef struct wb_file {
    sqlite3_file base;     /* base.pMethods: ours */
    sqlite3_file *real;    /* the underlying VFS's file, right after this struct */
    bool wal;              /* a log: writes are gathered */
    unsigned char *buf;    /* WB_CAP bytes, from the first gathered write; owned */
    size_t len;            /* bytes held */
    sqlite3_int64 off;     /* the file offset of buf[0] */
    /* the page of the commit frame whose header was just written (-1:
     * none): once written, the buffer goes out */
    sqlite3_int64 commit_page;
    /* the end of the last commit's frames in this log (0 after its
     * header is written again: the log starts over) */
    sqlite3_int64 committed_end;
    /* a log and its database's file, linked both ways while both are
     * open: the database's shared-memory lock calls tell the end of a
     * write transaction (wb_shm_lock) */
    struct wb_file *peer;
} wb_file_t;

/* The log's write lock: byte 0 of the shared-memory locks (wal.c
 * WAL_WRITE_LOCK), held exclusively by the one writer. */
#define WB_WRITE_LOCK 0

/* A log frame's header (wal.c): 24 bytes, the database's size in pages
 * after the commit at bytes 4-7 (big-endian) on a transaction's last
 * frame, zero on the others; the log's own header is 32 bytes at 0. */
#define WB_FRAME_HDR 24
#define WB_LOG_HDR 32

#define WB_HDR ((sizeof(wb_file_t) + 7) & ~(size_t)7)

static sqlite3_vfs wb_vfs;
static sqlite3_vfs *wb_real;  /* the VFS underneath */

static sqlite3_file *real_of(sqlite3_file *f)
{
    return ((wb_file_t *)f)->real;
}

static int wb_gather(wb_file_t *f, const void *in, int amt, sqlite3_int64 off);

/* Writes what the buffer holds; the write's status.  A failed write
 * keeps it (the transaction fails; if it is rolled back, the end of its
 * write lock drops it: wb_shm_lock). */
static int wb_flush(wb_file_t *f)
{
    if (f->len == 0) return SQLITE_OK;
    int rc = f->real->pMethods->xWrite(f->real, f->buf, (int)f->len, f->off);
    if (rc == SQLITE_OK) f->len = 0;
    return rc;
}

/* A flush failed inside a call that is not a write (a read, the file's
 * size, a truncate): an I/O error, which has SQLite roll the whole
 * transaction back -- SQLITE_FULL there could roll back one statement
 * and let the transaction commit over frames that never reached the
 * file. */
static int wb_flush_for_other(wb_file_t *f)
{
    return wb_flush(f) == SQLITE_OK ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

static int wb_close(sqlite3_file *file)
{
    wb_file_t *f = (wb_file_t *)file;
    if (f->peer) f->peer->peer = NULL;
    int rc = wb_flush(f);
    int rc2 = f->real->pMethods->xClose(f->real);
    free(f->buf);
    f->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

static int wb_read(sqlite3_file *file, void *out, int amt, sqlite3_int64 off)
{
    wb_file_t *f = (wb_file_t *)file;
    if (f->len && off < f->off + (sqlite3_int64)f->len && off + amt > f->off) {
        int rc = wb_flush_for_other(f);
        if (rc != SQLITE_OK) return rc;
    }
    return f->real->pMethods->xRead(f->real, out, amt, off);
}

/* The commit frame's page, just gathered: everything goes out now, so
 * that the frames are in the file before SQLite publishes them to
 * readers, whether or not it syncs at commit (at synchronous=NORMAL it
 * does not). */
static int wb_committed(wb_file_t *f, sqlite3_int64 end)
{
    f->commit_page = -1;
    f->committed_end = end;
    return wb_flush(f);
}

static int wb_write(sqlite3_file *file, const void *in, int amt, sqlite3_int64 off)
{
    wb_file_t *f = (wb_file_t *)file;
    if (!f->wal || amt <= 0) return f->real->pMethods->xWrite(f->real, in, amt, off);
    const unsigned char *b = in;
    if (off == 0 && amt == WB_LOG_HDR) { /* the log starts over */
        f->committed_end = 0;
        f->commit_page = -1;
    }
    /* a frame the last commit wrote, written again (SQLite rewriting the
     * checksums of its frames after the commit frame): straight out, as
     * nothing flushes it before readers or a sync of our own see it */
    if (off < f->committed_end) {
        int rc = wb_flush(f);
        return rc != SQLITE_OK ? rc : f->real->pMethods->xWrite(f->real, in, amt, off);
    }
    bool commit_page = off == f->commit_page;
    if (amt == WB_FRAME_HDR && (b[4] | b[5] | b[6] | b[7]) != 0) f->commit_page = off + WB_FRAME_HDR;
    int rc = wb_gather(f, in, amt, off);
    if (rc == SQLITE_OK && commit_page) rc = wb_committed(f, off + amt);
    return rc;
}

/* Appends to the buffer, or writes what it holds and starts it again. */
static int wb_gather(wb_file_t *f, const void *in, int amt, sqlite3_int64 off)
{
    sqlite3_int64 end = f->off + (sqlite3_int64)f->len;
    /* inside what is held (SQLite rewriting checksums of frames it wrote) */
    if (f->len && off >= f->off && off + amt <= end) {
        memcpy(f->buf + (off - f->off), in, (size_t)amt);
        return SQLITE_OK;
    }
    /* continues it */
    if (f->len && off == end && f->len + (size_t)amt <= WB_CAP) {
        memcpy(f->buf + f->len, in, (size_t)amt);
        f->len += (size_t)amt;
        return SQLITE_OK;
    }
    int rc = wb_flush(f);
    if (rc != SQLITE_OK) return rc;
    if ((size_t)amt > WB_CAP / 2) return f->real->pMethods->xWrite(f->real, in, amt, off);
    if (!f->buf) f->buf = xmalloc(WB_CAP);
    memcpy(f->buf, in, (size_t)amt);
    f->off = off;
    f->len = (size_t)amt;
    return SQLITE_OK;
}

static int wb_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    wb_file_t *f = (wb_file_t *)file;
    int rc = wb_flush_for_other(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int wb_sync(sqlite3_file *file, int flags)
{
    wb_file_t *f = (wb_file_t *)file;
    int rc = wb_flush(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int wb_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    wb_file_t *f = (wb_file_t *)file;
    int rc = wb_flush_for_other(f);
    return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

/* ---- the rest of a file's methods: the underlying file's --------------- */

static int wb_lock(sqlite3_file *f, int l)
{
    return real_of(f)->pMethods->xLock(real_of(f), l);
}

static int wb_unlock(sqlite3_file *f, int l)
{
    return real_of(f)->pMethods->xUnlock(real_of(f), l);
}

static int wb_check_reserved(sqlite3_file *f, int *out)
{
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

static int wb_file_control(sqlite3_file *f, int op, void *arg)
{
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

static int wb_sector_size(sqlite3_file *f)
{
    return real_of(f)->pMethods->xSectorSize(real_of(f));
}

static int wb_device_chars(sqlite3_file *f)
{
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

static int wb_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
    return real_of(f)->pMethods->xShmMap(real_of(f), pg, pgsz, extend, pp);
}

/* The end of a write transaction (its write lock released) drops what
 * the log's buffer still holds: a commit's frames were all written at its
 * commit frame, so what is left is a rolled-back transaction's -- frames
 * past the log's end that SQLite forgets without any I/O (walUndo), and
 * that the next writer, in this process or another, writes over.  Written
 * later, they would land on that writer's frames. */
static int wb_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    wb_file_t *f = (wb_file_t *)file;
    if (f->peer && offset <= WB_WRITE_LOCK && offset + n > WB_WRITE_LOCK &&
        flags == (SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE))
        f->peer->len = 0;
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void wb_shm_barrier(sqlite3_file *f)
{
    real_of(f)->pMethods->xShmBarrier(real_of(f));
}

static int wb_shm_unmap(sqlite3_file *f, int del)
{
    return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}

static int wb_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
    return real_of(f)->pMethods->xFetch(real_of(f), off, amt, pp);
}

static int wb_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
    return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

static const sqlite3_io_methods wb_io = {
    3,
    wb_close, wb_read, wb_write, wb_truncate, wb_sync, wb_file_size,
    wb_lock, wb_unlock, wb_check_reserved, wb_file_control, wb_sector_size, wb_device_chars,
    wb_shm_map, wb_shm_lock, wb_shm_barrier, wb_shm_unmap,
    wb_fetch, wb_unfetch,
};

/* ---- the VFS: open wraps, the rest is the underlying VFS's ------------------ */

static int wb_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags)
{
    (void)vfs;
    wb_file_t *f = (wb_file_t *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)((char *)file + WB_HDR);
    int rc = wb_real->xOpen(wb_real, name, f->real, flags, out_flags);
    /* no methods: SQLite will not close it (nor must we) */
    if (f->real->pMethods == NULL) {
        file->pMethods = NULL;
        return rc;
    }
    f->wal = (flags & SQLITE_OPEN_WAL) != 0;
    f->commit_page = -1;
    /* the log knows its database's file (ours: opened through this VFS) */
    if (f->wal && name) {
        sqlite3_file *db = sqlite3_database_file_object(name);
        if (db && db->pMethods == &wb_io) {
            f->peer = (wb_file_t *)db;
            f->peer->peer = f;
        } else {
            f->wal = false; /* no end of transaction to see: pass through */
        }
    }
    /* Without power-safe overwrite on the database's file (what wal.c
     * asks) SQLite pads a commit to a sector and writes the last padding
     * frame in two parts around a sync, the second after the commit
     * frame: not gathered then, nothing would flush it before it is read.
     * The unix VFS reports power-safe overwrite unless told psow=0. */
    if (f->wal && !(wb_device_chars(&f->peer->base) & SQLITE_IOCAP_POWERSAFE_OVERWRITE))
        f->wal = false;
    file->pMethods = &wb_io;
    return rc;
}

static int wb_delete(sqlite3_vfs *v, const char *name, int sync_dir)
{
    (void)v;
    return wb_real->xDelete(wb_real, name, sync_dir);
}

static int wb_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
    (void)v;
    return wb_real->xAccess(wb_real, name, flags, out);
}

static int wb_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out)
{
    (void)v;
    return wb_real->xFullPathname(wb_real, name, n, out);
}

static void *wb_dlopen(sqlite3_vfs *v, const char *name)
{
    (void)v;
    return wb_real->xDlOpen(wb_real, name);
}

static void wb_dlerror(sqlite3_vfs *v, int n, char *msg)
{
    (void)v;
    wb_real->xDlError(wb_real, n, msg);
}

static void (*wb_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
    (void)v;
    return wb_real->xDlSym(wb_real, h, sym);
}

static void wb_dlclose(sqlite3_vfs *v, void *h)
{
    (void)v;
    wb_real->xDlClose(wb_real, h);
}

static int wb_randomness(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return wb_real->xRandomness(wb_real, n, out);
}

static int wb_sleep(sqlite3_vfs *v, int us)
{
    (void)v;
    return wb_real->xSleep(wb_real, us);
}

static int wb_current_time(sqlite3_vfs *v, double *out)
{
    (void)v;
    return wb_real->xCurrentTime(wb_real, out);
}

static int wb_last_error(sqlite3_vfs *v, int n, char *out)
{
    (void)v;
    return wb_real->xGetLastError(wb_real, n, out);
}

static int wb_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
    (void)v;
    return wb_real->xCurrentTimeInt64(wb_real, out);
}

const char *sq_walbuf_register(void)
{
    sqlite3_vfs *real = sqlite3_vfs_find(NULL);
    /* version 2's methods are the last this file passes on; the system-call
     * overrides (version 3) are tests' business, not ours */
    if (!real || real->iVersion < 2) return NULL;
    wb_real = real;
    wb_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)WB_HDR + real->szOsFile,
        .mxPathname = real->mxPathname,
        .zName = "numberd-walbuf",
        .xOpen = wb_open,
        .xDelete = wb_delete,
        .xAccess = wb_access,
        .xFullPathname = wb_full_pathname,
        .xDlOpen = wb_dlopen,
        .xDlError = wb_dlerror,
        .xDlSym = wb_dlsym,
        .xDlClose = wb_dlclose,
        .xRandomness = wb_randomness,
        .xSleep = wb_sleep,
        .xCurrentTime = wb_current_time,
        .xGetLastError = wb_last_error,
        .xCurrentTimeInt64 = wb_current_time64,
    };
    if (sqlite3_vfs_register(&wb_vfs, 0) != SQLITE_OK) return NULL;
    return wb_vfs.zName;
}

