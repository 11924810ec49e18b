/* anchor.c -- a read transaction held open so that reads skip a system call
 * pair each.
 *
 * Why: a read transaction in WAL mode takes a shared lock on one of the
 * shared-memory file's reader slots, and gives it back at its end -- two
 * fcntl(F_SETLK) calls, which other processes (the CLI, another serve on
 * the file) need to see.  But SQLite counts the slots' locks per process:
 * while one connection of this process holds a slot, another connection's
 * lock and unlock of the same slot are a counter, not a system call.  A
 * GET of one carrier made 4.4 system calls (recvfrom, sendmsg, the lock
 * and the unlock, a share of epoll_wait); on this VM a system call is
 * dear: with the anchor a GET of one number ran 1.51 x the requests, one
 * carrier 1.12 x, a search 1.04 x (medians of 10 alternating rounds:
 * docs/PERFORMANCE.md, session 24).
 *
 * So serve keeps one connection of its own inside a read transaction (a
 * BEGIN and one read of the schema), on the slot readers are using:
 *   - Readers use the slot whose mark is the log's current end.  After a
 *     commit, anyone's, the next reader marks another slot with the new
 *     end, and until the anchor moves there too readers pay the system
 *     calls, as they did before.  So the anchor lets go and begins again
 *     every 5 ms while this process commits, every 100 ms otherwise (other
 *     processes' commits, which no hook here sees).
 *   - A reader's slot bounds what a checkpoint may copy, and a log starts
 *     over only when no reader is in the log: this process's checkpoints
 *     (the checkpointer's two passes, the inline one, an import's) pause
 *     the anchor for their whole run (sq_anchor_pause) and it begins again
 *     after them -- on slot 0 when the log was wholly copied, which lets
 *     the next writer start the log over.
 *   - Other processes' checkpoints cannot pause it, so while another
 *     process has the file open (the CLI, another serve, the sqlite3
 *     shell, from its first read: others_open) it holds nothing, and reads
 *     lock as before.  It looks at each turn: for at most one turn, 100 ms,
 *     after another process first reads the file, that process's
 *     checkpoints copy only up to the anchor's snapshot (none at all while
 *     it is on slot 0) and its writers cannot start the log over.
 *   - It never writes, and its connection's busy_timeout is 0 (SQLite's
 *     own retries when it begins a read still apply).
 * Started by serve (store.h's read_anchor_start), never by the CLI's
 * short commands; NUMBERD_NO_READ_ANCHOR=1 keeps it off (for measuring).
 */
#include "store/sqlite/sqliteInt.h"

#include "util/clock.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define TURN_BUSY_MS 5     /* while this process commits */
#define TURN_IDLE_MS 100   /* otherwise */

struct sq_anchor {
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* to the thread: a pause or the stop */
    pthread_cond_t let_go;  /* from the thread: it holds nothing */
    pthread_t thread;
    sqlite3 *db;
    sqlite3_stmt *begin, *read, *end;
    int paused;             /* checkpoints under way that asked it to let go */
    bool held;              /* inside its read transaction */
    bool taking;            /* beginning one, outside mu */
    bool stop;
    atomic_bool dozing;     /* in a quiet spell's long wait: a commit wakes it */
    int dbfd;               /* the database file, for others_open (sq_dbfd:
                             * the store's, closed after every connection) */
};

static int64_t now_ms(void)
{
    return (int64_t)(clock_mono_ns() / 1000000);
}

/* Waits on a->cv (a->mu held) for up to ms: a pause, the stop or a commit
 * after a quiet spell wakes it sooner. */
static void nap(sq_anchor_t *a, int64_t ms)
{
    struct timespec dl = clock_mono_deadline_ms((long)ms);
    pthread_cond_timedwait(&a->cv, &a->mu, &dl);
}

/* Whether another process has the database open: every SQLite connection
 * in WAL mode holds a shared lock on the file's SHARED range (the byte
 * after PENDING_BYTE's two, 510 bytes) for as long as it is open, and
 * F_GETLK reports only other processes' locks.  While one does, the
 * anchor holds nothing: its slot would keep that process's checkpoints
 * from copying past it and its writers from starting the log over (or,
 * on slot 0, its checkpoints from copying at all), and only this
 * process's checkpoints pause it. */
#define SQ_SHARED_FIRST (0x40000000 + 2)
#define SQ_SHARED_SIZE 510
static bool others_open(const sq_anchor_t *a)
{
    struct flock f = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = SQ_SHARED_FIRST,
                      .l_len = SQ_SHARED_SIZE};
    if (a->dbfd < 0 || fcntl(a->dbfd, F_GETLK, &f) != 0) return true; /* cannot tell: as if */
    return f.l_type != F_UNLCK;
}

/* BEGIN and a read of the schema: the read transaction starts there and
 * lasts to the end statement.  false (nothing held) when it cannot now. */
static bool anchor_take(sq_anchor_t *a)
{
    bool ok = false;
    if (sqlite3_step(a->begin) != SQLITE_DONE) goto done;
    int rc = sqlite3_step(a->read);
    sqlite3_reset(a->read);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sqlite3_step(a->end);
        sqlite3_reset(a->end);
        goto done;
    }
    ok = true;
done:
    sqlite3_reset(a->begin);
    return ok;
}

/* Its statements and connection (a failed start, the close). */
static void anchor_db_close(sq_anchor_t *a)
{
    sqlite3_finalize(a->begin);
    sqlite3_finalize(a->read);
    sqlite3_finalize(a->end);
    sqlite3_close_v2(a->db);
}

static void anchor_release(sq_anchor_t *a)
{
    sqlite3_step(a->end);
    sqlite3_reset(a->end);
    a->held = false;
    pthread_cond_broadcast(&a->let_go);
}

static void *anchor_main(void *arg)
{
    sq_anchor_t *a = arg;
    uint64_t seen = 0;   /* this process's commits when it took the one held */
    int64_t taken_at = 0;
    pthread_mutex_lock(&a->mu);
    while (!a->stop) {
        if (a->paused > 0) {
            if (a->held) anchor_release(a);
            pthread_cond_wait(&a->cv, &a->mu);
            continue;
        }
        if (!a->held && others_open(a)) {
            nap(a, TURN_IDLE_MS); /* another process has the file open */
            continue;
        }
        if (!a->held) {
            a->taking = true;
            /* read before: a commit while it begins makes its turn short */
            uint64_t before = sq_commit_count();
            pthread_mutex_unlock(&a->mu);
            bool ok = anchor_take(a);
            pthread_mutex_lock(&a->mu);
            a->taking = false;
            a->held = ok;
            taken_at = now_ms();
            seen = before;
            if (!ok) {
                pthread_cond_broadcast(&a->let_go);
                nap(a, TURN_BUSY_MS); /* a slot it cannot take now */
            }
            continue;
        }
        /* its next turn: in 5 ms if this process committed since it took
         * this one; else when the idle turn is due, or at the next commit
         * (sq_anchor_committed wakes it) */
        int64_t age = now_ms() - taken_at;
        /* dozing first: a commit after the count was read then wakes it */
        atomic_store(&a->dozing, true);
        bool quiet = sq_commit_count() == seen;
        if (!quiet) atomic_store(&a->dozing, false);
        nap(a, quiet ? (age < TURN_IDLE_MS ? TURN_IDLE_MS - age : 1) : TURN_BUSY_MS);
        atomic_store(&a->dozing, false);
        if (a->stop || a->paused > 0) continue;
        if (sq_commit_count() != seen || now_ms() - taken_at >= TURN_IDLE_MS || others_open(a))
            anchor_release(a);
    }
    if (a->held) anchor_release(a);
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

int sq_read_anchor_start(store_t *st)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    int ret = ST_ERR;
    sq_anchor_t *a = NULL;
    if (atomic_load(&s->anchor) || !s->group_on || getenv("NUMBERD_NO_READ_ANCHOR")) return ST_OK;
    a = xcalloc(1, sizeof *a);
    a->dbfd = sq_dbfd(s);
    if (a->dbfd < 0) {
        log_msg(LOG_WARN, "sqlite: read anchor not started (%s: %s)", s->sql.target, strerror(errno));
        goto done;
    }
    if (sq_open_db(s, &a->db) != ST_OK) goto done;
    sqlite3_busy_timeout(a->db, 0);
    if (sqlite3_prepare_v3(a->db, "BEGIN", -1, SQLITE_PREPARE_PERSISTENT, &a->begin, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(a->db, "SELECT 1 FROM sqlite_schema LIMIT 1", -1, SQLITE_PREPARE_PERSISTENT,
                           &a->read, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(a->db, "COMMIT", -1, SQLITE_PREPARE_PERSISTENT, &a->end, NULL) != SQLITE_OK) {
        sq_log_error(a->db, "read anchor");
        goto done;
    }
    pthread_mutex_init(&a->mu, NULL);
    /* cv's waits are on the monotonic clock: a system clock set back would
     * otherwise stretch a turn, and the anchor's hold, by as much */
    clock_cond_init_mono(&a->cv);
    pthread_cond_init(&a->let_go, NULL);
    if (sq_thread_start(&a->thread, anchor_main, a) != 0) {
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        pthread_cond_destroy(&a->let_go);
        log_msg(LOG_WARN, "sqlite: read anchor not started (no thread)");
        goto done;
    }
    atomic_store(&s->anchor, a);
    a = NULL;
    ret = ST_OK;
done:
    if (a) {
        anchor_db_close(a);
        free(a);
    }
    return ret;
}

sq_anchor_t *sq_anchor_pause(sqlite_store_t *s)
{
    sq_anchor_t *a = atomic_load(&s->anchor);
    if (!a) return NULL;
    pthread_mutex_lock(&a->mu);
    a->paused++;
    pthread_cond_signal(&a->cv);
    /* one it is beginning counts as held: the pause must not return until
     * it has let that one go too */
    while (a->held || a->taking) pthread_cond_wait(&a->let_go, &a->mu);
    pthread_mutex_unlock(&a->mu);
    return a;
}

void sq_anchor_resume(sq_anchor_t *a)
{
    if (!a) return;
    pthread_mutex_lock(&a->mu);
    if (--a->paused == 0) pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

void sq_anchor_committed(sqlite_store_t *s)
{
    sq_anchor_t *a = atomic_load(&s->anchor);
    if (!a || !atomic_load(&a->dozing)) return;
    pthread_mutex_lock(&a->mu);
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* Only once nothing can commit or checkpoint any more (close_own: after
 * the checkpointer, the search index and every request thread): a pause
 * or a commit's wake-up that had loaded the pointer would use it freed. */
void sq_anchor_close(sqlite_store_t *s)
{
    sq_anchor_t *a = atomic_load(&s->anchor);
    if (!a) return;
    atomic_store(&s->anchor, NULL);
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_signal(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    anchor_db_close(a);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    pthread_cond_destroy(&a->let_go);
    free(a);
}
