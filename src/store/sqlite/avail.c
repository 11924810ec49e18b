/* avail.c -- the search index (avail/avail.h) kept equal to the table, for
 * serve on a SQLite file (started by search_index_start; never for
 * ":memory:" or without group commit, whose writes do not all pass wconn).
 *
 * How it stays exact.
 *  - This process's writes all run on wconn (conn.c's group commit).  A
 *    pre-update hook on wconn notes the number of every row of `numbers`
 *    inserted, updated or deleted; when the group commits (group_end,
 *    write lock still held) each noted number is read again and put into,
 *    or taken out of, the index -- the table says what it is now, so a
 *    savepoint rolled back (a failed member) or a number noted twice is
 *    harmless.  A rolled-back group's notes are dropped.  All of it happens
 *    before any member of the group is answered.
 *  - Everyone else's writes (the CLI on the same file, another serve) are
 *    seen through a generation: migration 0015's triggers add one to
 *    avail_gen.n in the transaction of every change that makes a number
 *    available or not (or edits one that is).  The index remembers the
 *    generation it is equal to (known).  A group reads it when it opens
 *    and just before its COMMIT: no other writer can commit in between
 *    (the group holds the database's write lock), so if it was known when
 *    the group opened, the one it commits is known too.  A search reads it first:
 *    newer than known with no group of ours in flight means another
 *    writer changed the available set -- the search counts in SQL and the
 *    index is loaded again in the background.
 *  - A load takes its snapshot (and the generation) under the write lock,
 *    reads every available number without it while our groups note what
 *    they change, and goes live -- under the write lock again, after
 *    reading those numbers again -- only if the generation moved by
 *    exactly what our groups added (load_once); else it is tried again.
 * While the index is not live, searches are SQL's (the first load is
 * waited for up to 2 s): answers are the same, only slower. */
/* the pre-update hook's declarations (Debian's libsqlite3 has it built in:
 * PRAGMA compile_options lists ENABLE_PREUPDATE_HOOK) */
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include "store/sqlite/sqliteInt.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "avail/avail.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/metrics.h"

/* Numbers noted in one group past this: the group's changes are not
 * applied one by one; the index is loaded again (an import). */
#define PENDING_MAX 20000
/* A load's replay list past this: read the table again instead. */
#define REPLAY_MAX 200000
/* Loads that found someone else's writes since their snapshot are tried
 * again this many times, 200 ms x attempt apart; then not until a search
 * asks again. */
#define LOAD_TRIES 5
/* A search that arrives before the first load is done waits this long for
 * it (the SBC index's rule): serve listens at once; searches during the
 * first second of a large index are answered from it, not by SQL. */
#define FIRST_LOAD_WAIT_MS 2000

#define GEN_SQL "SELECT n FROM avail_gen WHERE id = 1"
#define ROW_COLS "number, country_iso, type, sub_type, region, city, rate_center, caps, lata, state, id"

struct sq_avail {
    sqlite_store_t *s;
    pthread_rwlock_t lock;      /* idx, live, known, inflight */
    avail_t *idx;
    bool live;
    int64_t known;              /* the generation idx is equal to */
    int64_t next_known;         /* the open group's, read before its COMMIT (-1: unread) */
    bool inflight;              /* a group of ours is open (its commit not yet applied) */
    /* under the write lock: the open group's generation when it began;
     * the generations our groups added in all (a load tells its own
     * writers' moves from everyone else's by it) */
    int64_t open_gen;
    int64_t own_bumps;
    /* a load under way: what our groups changed since its snapshot, to be
     * read again before it goes live (under the write lock) */
    bool replaying, replay_overflow;
    char (*replay)[16];
    size_t nreplay, capreplay;
    /* the noted numbers of the open group: wconn's, under the write lock */
    char (*pending)[16];
    size_t npending, cappending;
    bool overflow;              /* more than PENDING_MAX, or a number too long */
    int number_col;             /* `number`'s column in the hook's row */
    sqlite3_stmt *row_q, *gen_q;/* on wconn */
    sqlite3 *hooked;            /* the write connection whose hooks point here */
    /* the loader */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool want, stop;
    atomic_bool stopping;
    atomic_bool busy;           /* a load is asked for or running */
    atomic_bool loaded_once;    /* the first load went live (or gave up) */
    pthread_t thread;
    atomic_uint_fast64_t loads, answers, fallbacks;
};

/* ---- reading rows ---------------------------------------------------------- */

static const char *col_text(sqlite3_stmt *q, int i)
{
    const unsigned char *t = sqlite3_column_text(q, i);
    return t ? (const char *)t : "";
}

/* Puts the current row of q (ROW_COLS) into idx, or takes it out. */
static void put_row(avail_t *idx, sqlite3_stmt *q)
{
    if (sqlite3_column_int(q, 9) != NUM_AVAILABLE) {
        avail_del(idx, col_text(q, 0));
        return;
    }
    avail_row_t r = {col_text(q, 0), col_text(q, 1), col_text(q, 2), col_text(q, 3), col_text(q, 4),
                     col_text(q, 5), col_text(q, 6), sqlite3_column_int(q, 7),
                     sqlite3_column_type(q, 8) != SQLITE_NULL, sqlite3_column_int(q, 8),
                     sqlite3_column_int64(q, 10)};
    avail_put(idx, &r);
}

static int read_gen(sqlite3 *db, sqlite3_stmt *q, int64_t *out)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    if (rc != SQLITE_ROW) {
        sq_log_error(db, "search index generation");
        return ST_ERR;
    }
    return ST_OK;
}

/* ---- the loader -------------------------------------------------------------- */

/* Every available number of the snapshot db's read transaction holds. */
static int read_all(sqlite3 *db, avail_t *idx)
{
    sqlite3_stmt *q = NULL;
    int ret = ST_ERR, rc;
    /* in number order: avail_put's load path */
    if (sqlite3_prepare_v2(db, "SELECT " ROW_COLS " FROM numbers WHERE state = 0 ORDER BY number", -1,
                           &q, NULL) != SQLITE_OK) {
        sq_log_error(db, "search index load");
        goto done;
    }
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) put_row(idx, q);
    if (rc != SQLITE_DONE) {
        sq_log_error(db, "search index load");
        goto done;
    }
    avail_seal(idx);
    ret = ST_OK;
done:
    sqlite3_finalize(q);
    return ret;
}

/* The generation now, on the loader's connection. */
static int gen_now(sqlite3 *db, int64_t *out)
{
    sqlite3_stmt *g = NULL;
    if (sqlite3_prepare_v2(db, GEN_SQL, -1, &g, NULL) != SQLITE_OK) {
        sq_log_error(db, "search index generation");
        return ST_ERR;
    }
    int rc = read_gen(db, g, out);
    sqlite3_finalize(g);
    return rc;
}

/* Reads the replay list's numbers again (as they are now) into idx. */
static int replay(sq_avail_t *a, sqlite3 *db, avail_t *idx)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT " ROW_COLS " FROM numbers WHERE number = ?1", -1, &q, NULL) !=
        SQLITE_OK) {
        sq_log_error(db, "search index replay");
        return ST_ERR;
    }
    int ret = ST_OK;
    for (size_t i = 0; i < a->nreplay && ret == ST_OK; i++) {
        sqlite3_bind_text(q, 1, a->replay[i], -1, SQLITE_STATIC);
        int rc = sqlite3_step(q);
        if (rc == SQLITE_ROW) put_row(idx, q);
        else if (rc == SQLITE_DONE) avail_del(idx, a->replay[i]);
        else ret = ST_ERR;
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    return ret;
}

static void swap_in(sq_avail_t *a, avail_t *idx, int64_t gen)
{
    pthread_rwlock_wrlock(&a->lock);
    avail_t *old = a->idx;
    a->idx = idx;
    a->known = gen;
    a->live = avail_usable(idx);
    pthread_rwlock_unlock(&a->lock);
    avail_free(old);
    atomic_fetch_add(&a->loads, 1);
    if (!avail_usable(idx))
        log_msg(LOG_WARN, "search index: a number it cannot hold (not 1-15 digits); searches are SQL's");
}

/* One load, without holding the write lock for it: the snapshot is taken
 * under the write lock (no group of ours is committing), our groups'
 * changes after it are noted (replay), and at the swap -- under the write
 * lock again -- the generation must have moved by exactly what our groups
 * added: anything more is another writer's, and the load is tried again. */
static int load_once(sq_avail_t *a, sqlite3 *db, bool *foreign)
{
    sqlite_store_t *s = a->s;
    avail_t *idx = avail_new();
    int64_t gen_s = 0, own_s = 0, now = 0;
    *foreign = false;
    pthread_mutex_lock(&s->write_lock);
    int rc = sq_exec(db, "BEGIN");
    if (rc == ST_OK) {
        rc = gen_now(db, &gen_s); /* the first read: the snapshot */
        own_s = a->own_bumps;
        a->replaying = true;
        a->nreplay = 0;
        a->replay_overflow = false;
    }
    pthread_mutex_unlock(&s->write_lock);
    if (rc == ST_OK) rc = read_all(db, idx);
    sq_exec(db, "COMMIT");
    pthread_mutex_lock(&s->write_lock);
    if (rc == ST_OK) rc = gen_now(db, &now);
    if (rc == ST_OK && (now - gen_s != a->own_bumps - own_s || a->replay_overflow)) *foreign = true;
    if (rc == ST_OK && !*foreign) rc = replay(a, db, idx);
    if (rc == ST_OK && !*foreign) {
        swap_in(a, idx, now);
        idx = NULL;
    }
    a->replaying = false;
    a->nreplay = 0;
    pthread_mutex_unlock(&s->write_lock);
    avail_free(idx);
    return rc;
}

static void load_live(sq_avail_t *a, sqlite3 *db)
{
    for (int attempt = 0; attempt < LOAD_TRIES; attempt++) {
        if (attempt > 0) {
            struct timespec ts = {0, 200L * 1000 * 1000 * attempt};
            nanosleep(&ts, NULL);
            if (atomic_load(&a->stopping)) return;
        }
        bool foreign;
        if (load_once(a, db, &foreign) != ST_OK) return; /* logged; the next search asks again */
        if (!foreign) return;
    }
    log_msg(LOG_WARN, "search index: the table kept changing (another process writing) under %d loads; "
            "searches are SQL's until the next one", LOAD_TRIES);
}

static void *loader_main(void *arg)
{
    sq_avail_t *a = arg;
    sqlite3 *db = NULL;
    /* below the request threads: a load is background work (searches are
     * SQL's meanwhile), and serve's first answers should not wait for it */
    nd_thread_background();
    pthread_mutex_lock(&a->mu);
    for (;;) {
        while (!a->want && !a->stop) pthread_cond_wait(&a->cv, &a->mu);
        if (a->stop) break;
        a->want = false;
        pthread_mutex_unlock(&a->mu);
        /* a connection for each round: its page cache (up to 6 MB after
         * reading the whole table) is not kept between loads */
        if (sq_open_db(a->s, &db) != ST_OK) db = NULL;
        if (db) load_live(a, db);
        sqlite3_close_v2(db);
        db = NULL;
        /* the load's transient memory (the old index, the arrays' growth)
         * back to the system, not kept by malloc for a next load */
        nd_malloc_trim();
        pthread_mutex_lock(&a->mu);
        if (!a->want) atomic_store(&a->busy, false);
        atomic_store(&a->loaded_once, true);
        pthread_cond_broadcast(&a->cv); /* searches waiting for the first load */
    }
    pthread_mutex_unlock(&a->mu);
    sqlite3_close_v2(db);
    return NULL;
}

static void ask_load(sq_avail_t *a)
{
    pthread_mutex_lock(&a->mu);
    a->want = true;
    atomic_store(&a->busy, true);
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* ---- wconn's hooks ---------------------------------------------------------- */

static void note(sq_avail_t *a, sqlite3_value *v)
{
    const unsigned char *t = v ? sqlite3_value_text(v) : NULL;
    if (!t) return;
    size_t n = strlen((const char *)t);
    /* an UPDATE that keeps the number (a purchase, a release) shows it as
     * old and new: read it again once, not twice, at the commit */
    if (a->npending > 0 && strcmp(a->pending[a->npending - 1], (const char *)t) == 0) return;
    if (n >= 16 || a->npending >= PENDING_MAX) {
        a->overflow = true;
        return;
    }
    if (a->npending == a->cappending) {
        a->cappending = a->cappending ? a->cappending * 2 : 64;
        a->pending = xrealloc(a->pending, a->cappending * sizeof *a->pending);
    }
    memcpy(a->pending[a->npending++], t, n + 1);
}

static void preupdate(void *ud, sqlite3 *db, int op, const char *zdb, const char *table,
                      sqlite3_int64 k1, sqlite3_int64 k2)
{
    (void)k1;
    (void)k2;
    sq_avail_t *a = ud;
    if (strcmp(table, "numbers") != 0 || strcmp(zdb, "main") != 0 || a->overflow) return;
    sqlite3_value *v = NULL;
    if (op != SQLITE_INSERT && sqlite3_preupdate_old(db, a->number_col, &v) == SQLITE_OK) note(a, v);
    if (op != SQLITE_DELETE && sqlite3_preupdate_new(db, a->number_col, &v) == SQLITE_OK) note(a, v);
}

static void rolled_back(void *ud)
{
    sq_avail_t *a = ud;
    a->npending = 0;
    a->overflow = false;
}

void sq_avail_wconn(sqlite_store_t *s, sqlite3 *db)
{
    sq_avail_t *a = s->avail;
    if (!a) return;
    sqlite3_preupdate_hook(db, preupdate, a);
    sqlite3_rollback_hook(db, rolled_back, a);
    a->hooked = db;
    if (sqlite3_prepare_v3(db, "SELECT " ROW_COLS " FROM numbers WHERE number = ?1", -1,
                           SQLITE_PREPARE_PERSISTENT, &a->row_q, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(db, GEN_SQL, -1, SQLITE_PREPARE_PERSISTENT, &a->gen_q, NULL) != SQLITE_OK)
        sq_log_error(db, "search index statements");
}

void sq_avail_opened(sqlite_store_t *s, sqlite3 *db)
{
    sq_avail_t *a = s->avail;
    if (!a) return;
    int64_t g = 0;
    bool ok = a->gen_q && read_gen(db, a->gen_q, &g) == ST_OK;
    a->open_gen = ok ? g : -1;
    bool stale = false;
    pthread_rwlock_wrlock(&a->lock);
    if (a->live && (!ok || g != a->known)) {
        a->live = false; /* someone else wrote since: load again */
        stale = true;
    }
    a->inflight = true;
    pthread_rwlock_unlock(&a->lock);
    if (stale) ask_load(a);
}

void sq_avail_precommit(sqlite_store_t *s, sqlite3 *db)
{
    sq_avail_t *a = s->avail;
    if (!a) return;
    /* read inside the group's transaction: what its COMMIT makes current.
     * After the COMMIT another process could already have added its own. */
    if (!a->gen_q || read_gen(db, a->gen_q, &a->next_known) != ST_OK) a->next_known = -1;
}

void sq_avail_settled(sqlite_store_t *s, bool committed)
{
    sq_avail_t *a = s->avail;
    if (!a) return;
    bool reload = false;
    pthread_rwlock_wrlock(&a->lock);
    if (committed && a->live) {
        if (a->overflow || a->next_known < 0 || !a->row_q) {
            reload = true;
        } else {
            /* the group's rows in one read transaction: each statement in
             * autocommit opened one of its own (two fcntl locks and the
             * log's header each: a third of a purchase's fcntl calls) */
            bool tx = a->npending > 1 && sq_ctl(s->wconn, SQ_BEGIN) == ST_OK;
            for (size_t i = 0; i < a->npending && !reload; i++) {
                sqlite3_bind_text(a->row_q, 1, a->pending[i], -1, SQLITE_STATIC);
                int rc = sqlite3_step(a->row_q);
                if (rc == SQLITE_ROW) put_row(a->idx, a->row_q);
                else if (rc == SQLITE_DONE) avail_del(a->idx, a->pending[i]);
                else reload = true;
                sqlite3_reset(a->row_q);
            }
            /* ending a read transaction writes nothing and should not
             * fail; if it does, it is rolled back -- which clears the noted
             * rows (rolled_back): the index and a load under way read
             * everything again */
            if (tx && sq_ctl(s->wconn, SQ_COMMIT) != ST_OK) {
                sq_ctl(s->wconn, SQ_ROLLBACK);
                reload = true;
                if (a->replaying) a->replay_overflow = true;
            }
            a->known = a->next_known;
            if (!avail_usable(a->idx)) reload = true;
        }
    }
    if (committed && a->open_gen >= 0 && a->next_known >= 0) a->own_bumps += a->next_known - a->open_gen;
    else if (committed && a->replaying) a->replay_overflow = true; /* unknown: that load reads again */
    if (committed && a->replaying && a->npending > 0) {
        if (a->overflow || a->nreplay + a->npending > REPLAY_MAX) {
            a->replay_overflow = true;
        } else {
            if (a->nreplay + a->npending > a->capreplay) {
                a->capreplay = (a->nreplay + a->npending) * 2;
                a->replay = xrealloc(a->replay, a->capreplay * sizeof *a->replay);
            }
            memcpy(a->replay + a->nreplay, a->pending, a->npending * sizeof *a->pending);
            a->nreplay += a->npending;
        }
    }
    if (reload) a->live = false;
    a->inflight = false;
    a->next_known = -1;
    pthread_rwlock_unlock(&a->lock);
    a->npending = 0;
    a->overflow = false;
    if (reload) ask_load(a);
}

/* ---- searches ------------------------------------------------------------------ */

bool sq_avail_search(sqlite_store_t *s, conn_t *c, const search_q_t *q, const sqlw_lca_t *lca,
                     int64_t cap, int64_t *total, char (*page)[AVAIL_NUMBER_SZ], uint32_t *ids,
                     size_t *npage)
{
    sq_avail_t *a = s->avail;
    if (!a || q->limit > AVAIL_PAGE_MAX) return false;
    if (!atomic_load(&a->loaded_once)) {
        struct timespec dl = clock_deadline_ms(FIRST_LOAD_WAIT_MS);
        pthread_mutex_lock(&a->mu);
        while (!atomic_load(&a->loaded_once) && pthread_cond_timedwait(&a->cv, &a->mu, &dl) == 0) {
        }
        pthread_mutex_unlock(&a->mu);
    }
    sqlite3_stmt *gq = sq_stmt_dyn(c, GEN_SQL);
    int64_t g = 0;
    if (!gq || read_gen(c->db, gq, &g) != ST_OK) return false;
    avail_q_t aq = {
        .country_iso = q->country_iso, .prefix = q->prefix, .glob = q->glob, .type = q->type,
        .region = q->region, .city = q->city, .rate_center = q->rate_center,
        .by_lata = q->lata >= 0, .lata = q->lata, .caps = q->caps,
    };
    if (lca && lca->have) {
        aq.by_lca = true;
        aq.lca_rc = lca->rc;
        aq.lca_has_lata = lca->lata >= 0;
        aq.lca_lata = lca->lata;
    }
    bool ok = false, stale = false;
    pthread_rwlock_rdlock(&a->lock);
    /* g older than known: this read began before a commit we have applied */
    if (a->live && g <= a->known)
        ok = avail_count(a->idx, &aq, cap, total) &&
             avail_page(a->idx, &aq, q->offset, q->limit, page, ids, npage);
    else if (a->live && !a->inflight) stale = true;
    pthread_rwlock_unlock(&a->lock);
    if (stale) {
        pthread_rwlock_wrlock(&a->lock);
        if (a->live && !a->inflight && g > a->known) a->live = false;
        else stale = false;
        pthread_rwlock_unlock(&a->lock);
        if (stale) {
            log_msg(LOG_DEBUG, "search index: generation %lld is another writer's: loading again",
                    (long long)g);
            ask_load(a);
        }
    } else if (!ok && !atomic_load(&a->busy)) {
        bool live;
        pthread_rwlock_rdlock(&a->lock);
        live = a->live;
        pthread_rwlock_unlock(&a->lock);
        if (!live) ask_load(a); /* the last load gave up */
    }
    atomic_fetch_add(ok ? &a->answers : &a->fallbacks, 1);
    return ok;
}

/* ---- start, stop, stats ------------------------------------------------------ */

static int number_col(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    int col = -1;
    if (sqlite3_prepare_v2(db, "SELECT cid FROM pragma_table_info('numbers') WHERE name = 'number'",
                           -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
        col = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return col;
}

int sq_search_index_start(store_t *st)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    if (s->avail || !s->group_on) return ST_OK; /* on already; or a store whose writes bypass wconn */
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    int col = number_col(c->db);
    if (col < 0) return ST_ERR;
    pthread_mutex_lock(&s->write_lock);
    if (s->group_open) {
        /* a group's changes so far were not noted: not now */
        pthread_mutex_unlock(&s->write_lock);
        log_msg(LOG_WARN, "search index: not started inside a write; searches count in SQL");
        return ST_OK;
    }
    sq_avail_t *a = xcalloc(1, sizeof *a);
    a->s = s;
    a->number_col = col;
    a->idx = avail_new();
    avail_seal(a->idx);
    pthread_rwlock_init(&a->lock, NULL);
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    a->want = true;
    atomic_store(&a->busy, true);
    /* no signal for it (serve's main thread may not have blocked them
     * yet): sq_thread_start */
    if (sq_thread_start(&a->thread, loader_main, a) != 0) nd_panic("search index: thread");
    s->avail = a;
    /* wconn is opened by the first write (migrations): its hooks now */
    if (s->wconn) sq_avail_wconn(s, s->wconn->db);
    pthread_mutex_unlock(&s->write_lock);
    return ST_OK;
}

int sq_search_index_stats(store_t *st, search_index_stats_t *out)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    sq_avail_t *a = s->avail;
    memset(out, 0, sizeof *out);
    if (!a) return ST_OK;
    out->on = true;
    /* worked out when asked (a /metrics scrape), not at every commit: its
     * walk of the places was 5,000 instructions of each purchase */
    avail_stats_t as;
    pthread_rwlock_rdlock(&a->lock);
    out->live = a->live;
    avail_stats(a->idx, &as);
    pthread_rwlock_unlock(&a->lock);
    out->numbers = (int64_t)as.numbers;
    out->bytes = (int64_t)as.bytes;
    out->loads = atomic_load(&a->loads);
    out->answers = atomic_load(&a->answers);
    out->fallbacks = atomic_load(&a->fallbacks);
    return ST_OK;
}

void sq_avail_close(sqlite_store_t *s)
{
    sq_avail_t *a = s->avail;
    if (!a) return;
    atomic_store(&a->stopping, true);
    pthread_mutex_lock(&a->mu);
    a->stop = true;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    /* the write connection outlives the index (close_own): its hooks must
     * not point at what is freed below (a rollback at its close would call
     * rolled_back on it) */
    if (a->hooked) {
        sqlite3_preupdate_hook(a->hooked, NULL, NULL);
        sqlite3_rollback_hook(a->hooked, NULL, NULL);
    }
    sqlite3_finalize(a->row_q);
    sqlite3_finalize(a->gen_q);
    avail_free(a->idx);
    free(a->pending);
    free(a->replay);
    pthread_rwlock_destroy(&a->lock);
    pthread_mutex_destroy(&a->mu);
    pthread_cond_destroy(&a->cv);
    free(a);
    s->avail = NULL;
}
