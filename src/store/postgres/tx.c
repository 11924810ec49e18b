/* tx.c -- the PostgreSQL backend's transactions: BEGIN (with the
 * inventory lock for writers), nesting by depth, the checked COMMIT, and the
 * count of this process's commits (the SBC feed's local clock).  The
 * locking reasoning heads pgInt.h. */
#include "store/postgres/pgInt.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/round.h"

/* Successful commits of this process: COMMITs, and writes outside a
 * transaction (each its own).  The SBC feed compares it before a lookup
 * (read-your-writes without waiting for its own NOTIFY). */
static _Atomic uint64_t g_commits;

uint64_t pg_commit_count(void)
{
    return g_commits;
}

void pg_commit_note(void)
{
    g_commits++;
}

/* ---- the logs' ids: rounds of numberd_sequence (migration 0014) ----------
 *
 * The event log's ids and the SBC change log's seqs are given after the
 * writer's COMMIT, in its own transaction, so that the writer's commit
 * holds no lock through its WAL flush; and before the write is answered,
 * so that an "after id" reader (and this node's SBC feed, which the
 * commit count below wakes) finds its rows.  A round gives ids to the
 * rows of the transactions named by their xids (found by xid: never a
 * scan, which an old snapshot would make grow), or with no xids -- a
 * sweep -- to every row without one.  A writer that cannot name its xid
 * (a write outside a transaction: conn.c's run) asks for a sweep.  A round
 * that fails leaves the write committed (it is answered so); its rows wait
 * for a sweep: the SBC log's pruning (every minute, sbc.c) or a start
 * (settings.c).  A batch (below) gives its own rows their ids inside its
 * transaction instead, before its COMMIT, holding the lock through it. */
#define SEQ_BATCH 10000 /* a round's most ids (numberd_sequence's LIMIT) */
#define SEQ_CALLS 1000  /* rounds a call repeats, at most (10,000,000 ids) */

/* Rounds owed: a round that failed (a statement timeout behind the rounds'
 * lock, the connection lost after the COMMIT) left committed rows without
 * ids, which no reader of the logs sees -- this node's SBC feed included,
 * whose lookups then answered from an index without the change (a deleted
 * number still accepted) until the minute's sweep.  While one is owed the
 * feed's version fails (pg_sbc_version: lookups answer 503, exactly
 * current or not at all) and the feed's thread sweeps every 250 ms until
 * a sweep completes (pg_sbc_wait).  A generation, not a flag: a sweep
 * clears only the failures it began after (the rows of a failure before
 * its start are committed before it, so its statement sees them). */
static atomic_uint_fast64_t g_owed_gen;   /* failures so far */
static atomic_uint_fast64_t g_owed_clear; /* the generation a completed sweep cleared */

bool pg_sequence_owed(void)
{
    return atomic_load(&g_owed_gen) != atomic_load(&g_owed_clear);
}

/* Rounds until one gives fewer than SEQ_BATCH ids; xids "{1,2}" or NULL
 * (a sweep).  false: one failed (the rows are owed a sweep). */
static bool sequence_run(conn_t *c, const char *xids)
{
    uint64_t gen = atomic_load(&g_owed_gen);
    for (int i = 0; i < SEQ_CALLS; i++) {
        PGresult *r = NULL;
        if (pg_exec(c, Q_EVENT_SEQUENCE, PG_V(v_text(xids)), &r, NULL) != ST_OK) {
            atomic_fetch_add(&g_owed_gen, 1);
            log_msg(LOG_WARN, "postgres: the logs' ids are left to a later sweep "
                              "(SBC lookups on this node answer 503 until it)");
            return false;
        }
        int64_t n = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;
        PQclear(r);
        if (n < SEQ_BATCH) break;
    }
    /* a whole sweep: every failure before it is settled (the clear mark
     * only moves forward) */
    if (!xids) {
        uint64_t cleared = atomic_load(&g_owed_clear);
        while (cleared < gen && !atomic_compare_exchange_weak(&g_owed_clear, &cleared, gen)) {}
    }
    return true;
}

bool pg_sequence(conn_t *c)
{
    return sequence_run(c, NULL);
}

/* Writers share rounds: a writer needs a round that begins after its
 * COMMIT and names its xid, not one of its own.  One round at a time in
 * this process; a writer adds its xid to the list and, if no round is
 * running, begins the next with every xid listed (on its own connection);
 * the others wait for it.  Without this each writer ran its own round, and
 * since a round that gives ids commits (one WAL flush) under the advisory
 * lock, rounds went one flush at a time, one writer each: 158-615
 * purchases/s with a 2 ms fsync and 16 HTTP threads (docs/PERFORMANCE.md,
 * session 27). */
static round_t g_round = ROUND_INIT;
static buf_t g_round_xids = BUF_INIT; /* "1,2,3": the writers waiting (under g_round.mu) */
static bool g_round_sweep;            /* one of them asked for a sweep */

/* xid: the writer's transaction, or NULL: a sweep */
static void sequence_shared(conn_t *c, const char *xid)
{
    buf_t xids = BUF_INIT;
    pthread_mutex_lock(&g_round.mu);
    if (!xid) g_round_sweep = true;
    else {
        if (g_round_xids.len) buf_putc(&g_round_xids, ',');
        buf_puts(&g_round_xids, xid);
    }
    uint64_t need = round_need(&g_round);
    while (round_turn(&g_round, need)) {
        bool sweep = g_round_sweep;
        buf_reset(&xids);
        buf_putc(&xids, '{');
        if (g_round_xids.len) buf_puts(&xids, g_round_xids.data);
        buf_putc(&xids, '}');
        buf_reset(&g_round_xids);
        g_round_sweep = false;
        pthread_mutex_unlock(&g_round.mu);
        sequence_run(c, sweep ? NULL : xids.data);
        pthread_mutex_lock(&g_round.mu);
        round_end(&g_round);
    }
    pthread_mutex_unlock(&g_round.mu);
    buf_free(&xids);
}

void pg_committed(conn_t *c, bool wrote)
{
    if (wrote) sequence_shared(c, NULL);
    pg_commit_note();
}

/* ---- transactions ------------------------------------------------------ */

void pg_tx_reset(conn_t *c)
{
    c->depth = 0;
    c->tx_write = false;
    c->tx_failed = false;
    c->rollback_only = false;
    c->add_locked = false;
}

/* Ends a transaction the server still holds open on c (one that failed,
 * or whose BEGIN half ran): nothing of it is kept. */
static void rollback_open(conn_t *c)
{
    c->sp_due = c->rel_due = false; /* a batch's savepoints end with it */
    if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
        PGresult *r = pg_exec_raw(c, "ROLLBACK");
        PQclear(r);
    }
}

/* COMMIT, checked: PostgreSQL answers the COMMIT of an aborted transaction
 * with success and the tag ROLLBACK.  Never sent twice: a COMMIT lost with
 * its connection has an unknown outcome.  With xid (size n), in the same
 * round trip, the transaction's xid as text ("" when it wrote nothing). */
/* The COMMIT's result r (freed here): ST_OK, or ST_ERR logged and the
 * transaction ended. */
static int commit_end(conn_t *c, PGresult *r, const char *what)
{
    int rc = ST_OK;
    /* The reply lost with the connection (or not in time): the commit may
     * have happened, its rows in the logs without ids and no NOTIFY sent.
     * Owed a sweep, as a failed round is: lookups answer 503 until the
     * feed has swept, instead of answering from an index that may lack
     * the change for a second or two (a helper's reading, session 38). */
    if (!pg_res_ok(r) && (c->timed_out || PQstatus(c->pg) != CONNECTION_OK))
        atomic_fetch_add(&g_owed_gen, 1);
    if (!pg_res_ok(r) || strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        if (pg_res_ok(r)) log_msg(LOG_ERROR, "postgres: %s: the transaction had failed", what);
        else pg_status(c, r, what);
        rc = ST_ERR;
        rollback_open(c);
    }
    PQclear(r);
    return rc;
}

/* The text of column col of x's only row, or "" (x may be NULL). */
static const char *only_value(const PGresult *x, int col)
{
    return x && PQntuples(x) == 1 && PQnfields(x) > col && !PQgetisnull(x, 0, col)
               ? PQgetvalue(x, 0, col)
               : "";
}

/* before: statements sent first in the same round trip ("" none; with
 * xid only) */
static int commit_checked(conn_t *c, const char *what, const char *before, char *xid, size_t n)
{
    if (!xid) return commit_end(c, pg_exec_raw(c, "COMMIT"), what);
    char sql[96];
    snprintf(sql, sizeof sql, "%sSELECT pg_current_xact_id_if_assigned(); COMMIT", before);
    PGresult *x = NULL;
    PGresult *r = pg_exec_raw_rows(c, sql, &x);
    snprintf(xid, n, "%s", only_value(x, 0));
    PQclear(x);
    return commit_end(c, r, what);
}

int pg_commit_checked(conn_t *c, const char *what, bool wrote)
{
    char xid[24]; /* a 64-bit xid8 in decimal */
    int rc = commit_checked(c, what, "", wrote ? xid : NULL, sizeof xid);
    if (rc != ST_OK) return rc;
    if (wrote && xid[0]) sequence_shared(c, xid);
    pg_commit_note();
    return rc;
}

/* ---- batches (store.h: batch_begin) ---------------------------------------
 *
 * A batch is one transaction of the HTTP writer's connection for a run of
 * requests (http/server.c answers none of them before batch_end): each
 * outermost transaction of the thread is a savepoint of it, kept
 * (RELEASE) or undone (ROLLBACK TO) by itself, and batch_end commits all
 * that was kept at once.  Without batches every write paid its own
 * transaction, COMMIT, WAL flush and round of the logs' ids (two flushes
 * a write): 16 writer threads' purchases ran at ~1,000/s on the rig, the
 * core mostly in PostgreSQL (docs/PERFORMANCE.md, session 29).
 *
 * - The logs' ids of a batch are given inside it, just before its COMMIT,
 *   by the same numberd_sequence as a round (migration 0014) named with
 *   the batch's own xid, in the COMMIT's round trip: the advisory lock it
 *   takes is then held through the batch's flush -- one flush a batch,
 *   not two -- and other nodes' rounds wait for it meanwhile (one flush
 *   per batch of up to HTTP_BATCH_MAX writes, not one per write as
 *   before 0014).  Over SEQ_BATCH rows, a round after the COMMIT takes
 *   the rest.
 * - What runs outside a transaction on the batch's connection is a
 *   savepoint of its own in the batch's transaction (pg_batch_wrap,
 *   which begins it if need be): a statement that fails must not abort
 *   the batch, and one that writes must not commit before it.  Once the
 *   batch is lost nothing more runs on the connection until batch_end,
 *   nor reconnects (conn.c, conn_ensure).
 * - Deadlocks: a savepoint aborted to break one (40P01, 40001) is rolled
 *   back, and the batch commits what it kept so far before the core runs
 *   that write again (core_retry) -- run inside the same transaction it
 *   would wait again for the locks the batch still holds.
 * - A read transaction in a batch reads at READ COMMITTED (the batch's
 *   level, each statement its own snapshot), not REPEATABLE READ: what a
 *   write request reads in a transaction of its own may mix two commits
 *   of other nodes.  Its own batch's writes it sees, as it must.
 * - The batch holds its row locks until batch_end: a write of another
 *   node (or thread) to the same rows waits for up to a batch.
 * - The connection lost, or its COMMIT failed: nothing of the batch is
 *   kept (or its outcome is unknown), and every request of it is
 *   answered as the fault.  Two rare paths commit a part of a batch
 *   before its end -- a deadlock's loser before it runs again, a stream
 *   of rows (pg_batch_settle) -- and should the end's COMMIT then fail,
 *   the writes of that part are answered the fault too, although kept:
 *   as a write whose COMMIT's reply was lost, an outcome the client
 *   cannot know (it retries with its Idempotency-Key).  Never a write
 *   answered kept that was not. */

/* a write's savepoint: always t, so that ROLLBACK TO t names the newest */
#define SP_BEGIN "SAVEPOINT t"
#define SP_RELEASE "RELEASE SAVEPOINT t"

static int batch_fail(conn_t *c)
{
    c->batch_lost = true;
    return ST_ERR;
}

/* The batch's BEGIN, with the inventory lock (shared) that every writer
 * holds (pgInt.h), taken once for the whole batch outside any savepoint:
 * taken in one and given back with its rollback, a later savepoint would
 * take it again behind the row locks the batch holds, and could deadlock
 * with an import batch.  Sent again on a fresh connection when an idle
 * one is found dead, as any BEGIN; nothing has begun when it fails.  The
 * first write's savepoint goes in the same round trip. */
static int batch_start(conn_t *c)
{
    if (pg_simple_retry(c, "BEGIN; SELECT pg_advisory_xact_lock_shared(" LOCK_NS ", " LOCK_INVENTORY
                           "); " SP_BEGIN) == ST_OK) {
        c->batch_open = true;
        return ST_OK;
    }
    rollback_open(c);
    return ST_ERR;
}

/* An outermost transaction of the batch: a savepoint (after the batch's
 * BEGIN, in the same round trip, when it is the first; else sent with
 * its first statement, see pg_batch_sp_take). */
static int batch_savepoint(conn_t *c, bool write)
{
    if (c->batch_lost) return ST_ERR;
    int rc = ST_OK;
    if (c->batch_open) c->sp_due = true;
    else rc = batch_start(c);
    if (rc != ST_OK) {
        pg_tx_reset(c);
        return c->batch_open ? batch_fail(c) : ST_ERR;
    }
    c->depth = 1;
    c->tx_write = write;
    return ST_OK;
}

/* A batch's COMMIT with its own round inside it (see above), in a
 * savepoint: should the round fail (its lock or a statement timed out),
 * the batch commits without it and a round after the COMMIT, or the
 * sweep, gives the ids -- as after a write's own COMMIT. */
static int commit_sequenced(conn_t *c)
{
    char xid[24];
    PGresult *x = NULL;
    PGresult *r = pg_exec_raw_rows(c,
                                   "SAVEPOINT s; SELECT x, numberd_sequence(ARRAY[x]) FROM "
                                   "(SELECT pg_current_xact_id_if_assigned() AS x) q; "
                                   "RELEASE SAVEPOINT s; COMMIT",
                                   &x);
    snprintf(xid, sizeof xid, "%s", only_value(x, 0));
    int64_t given = strtoll(only_value(x, 1), NULL, 10);
    PQclear(x);
    bool unsequenced = !pg_res_ok(r) && PQstatus(c->pg) == CONNECTION_OK &&
                       PQtransactionStatus(c->pg) == PQTRANS_INERROR;
    int rc;
    if (unsequenced) {
        pg_status(c, r, "the logs' ids of a batch");
        PQclear(r);
        rc = commit_checked(c, "COMMIT (batch)", "ROLLBACK TO SAVEPOINT s; ", xid, sizeof xid);
    } else {
        rc = commit_end(c, r, "COMMIT (batch)");
    }
    if (rc == ST_OK && xid[0] && (unsequenced || given >= SEQ_BATCH)) {
        /* outside the batch: as one of its statements (pg_batch_wrap) the
         * round began the batch's next transaction, and held the rounds'
         * lock until that one committed -- every other node's round and
         * sweep waited for this writer's next batch (test_batch_big_round) */
        bool batch = c->batch;
        c->batch = false;
        sequence_shared(c, xid);
        c->batch = batch;
    }
    return rc;
}

/* Commits what the batch kept so far (its transaction ends, with nothing
 * kept; the next savepoint begins another).  ST_OK, or ST_ERR: the batch
 * is lost. */
static int batch_commit(conn_t *c)
{
    if (!c->batch_open) return c->batch_lost ? ST_ERR : ST_OK;
    bool wrote = c->batch_wrote;
    int kept = c->batch_kept;
    c->batch_open = c->batch_wrote = false;
    c->batch_kept = 0;
    /* the COMMIT releases a kept savepoint too; one never sent holds nothing */
    c->sp_due = c->rel_due = false;
    if (c->batch_lost) {
        rollback_open(c);
        return ST_ERR;
    }
    int rc = wrote ? commit_sequenced(c) : commit_checked(c, "COMMIT (batch)", "", NULL, 0);
    if (rc != ST_OK) return batch_fail(c);
    if (wrote) {
        metrics_count(MET_DB_COMMITS);
        metrics_add(MET_DB_WRITE_TX, (uint64_t)kept);
    }
    pg_commit_note();
    return ST_OK;
}

/* Ends the batch's savepoint: kept, or undone (ROLLBACK TO and RELEASE);
 * ST_ERR: the batch is lost.
 *
 * Neither costs a round trip of its own when it can go with another: on
 * the rig a purchase in a batch was six -- SAVEPOINT, four statements,
 * RELEASE -- each a wake-up of PostgreSQL and of the writer on a shared
 * core.  A savepoint kept is released by the next one's "RELEASE
 * SAVEPOINT t; SAVEPOINT t" (or by the batch's COMMIT, which keeps
 * every savepoint still open); a savepoint begun is sent with its first
 * statement, in one pipeline (conn.c), or ends unsent when none came.
 * A release can only fail with the transaction (then the COMMIT fails,
 * and the batch is lost as before), so sending it late changes no
 * answer; and ROLLBACK TO t still undoes just the write that failed: it
 * names the newest savepoint t, the one its write began. */
static int savepoint_end(conn_t *c, bool keep)
{
    if (c->sp_due) { /* never sent: nothing ran in it */
        c->sp_due = false;
        return ST_OK;
    }
    if (keep) {
        c->rel_due = true;
        return ST_OK;
    }
    return pg_simple(c, "ROLLBACK TO SAVEPOINT t; " SP_RELEASE) == ST_OK ? ST_OK : batch_fail(c);
}

int pg_batch_sp_take(conn_t *c, const char *sql[2])
{
    if (!c->sp_due) return 0;
    int n = 0;
    if (c->rel_due) sql[n++] = SP_RELEASE;
    sql[n++] = SP_BEGIN;
    c->sp_due = c->rel_due = false;
    return n;
}

int pg_batch_sp_flush(conn_t *c)
{
    const char *due[2];
    int n = pg_batch_sp_take(c, due);
    if (n == 0) return ST_OK;
    const char *sql = n == 2 ? SP_RELEASE "; " SP_BEGIN : SP_BEGIN;
    PGresult *r = pg_exec_raw(c, sql);
    int rc = pg_status(c, r, sql);
    PQclear(r);
    return rc == ST_OK ? ST_OK : batch_fail(c);
}

/* Ends the batch's open savepoint: kept (RELEASE) or undone. */
static int batch_leave(conn_t *c, bool keep)
{
    bool write = c->tx_write, retry = c->tx_retry;
    pg_tx_reset(c);
    if (c->batch_lost || savepoint_end(c, keep) != ST_OK) return ST_ERR;
    if (keep && write) {
        c->batch_wrote = true;
        c->batch_kept++;
    }
    /* aborted to break a deadlock: before the core runs it again, what
     * the batch kept is committed and its locks let go (see above) */
    if (!keep && retry) batch_commit(c);
    c->tx_retry = retry;
    return keep ? ST_OK : ST_ERR;
}

bool pg_batch_wrap(conn_t *c)
{
    if (!c->batch || c->depth != 0 || c->batch_lost) return false;
    /* the batch's transaction begins here when this is its first
     * statement: run by itself, a write would commit alone, and be
     * answered as lost should the batch's COMMIT fail.  Failing to
     * begin, the statement is not sent at all (conn.c, send_q). */
    return batch_savepoint(c, false) == ST_OK;
}

void pg_batch_unwrap(conn_t *c, const PGresult *r)
{
    c->depth = 0;
    c->tx_failed = false;
    /* nothing more is sent in a lost batch (its end clears what is due) */
    if (c->batch_lost) return;
    bool ok = r && pg_res_ok(r);
    if (savepoint_end(c, ok) != ST_OK) return;
    /* a write outside a transaction: kept with the batch, its logs'
     * ids given at its COMMIT (no SELECT writes but numberd_sequence) */
    if (ok && strncmp(PQcmdStatus((PGresult *)r), "SELECT", 6) != 0) c->batch_wrote = true;
}

void pg_batch_settle(conn_t *c)
{
    if (c->batch_open && c->depth == 0) batch_commit(c);
}

void pg_tx_nowait(store_t *st, bool on)
{
    (void)st, (void)on; /* store.h: its writes wait for the rows they touch only */
}

int pg_tx_begin(store_t *st, bool write)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    if (c->depth > 0) {
        /* a write nested in a read transaction: it must queue behind
         * import batches like any writer.  If that wait fails (its
         * statement timeout, behind a CLI import), no level was entered:
         * the caller ends none, as after a failed outer BEGIN.  Entered
         * first, the level was never left, and the outer end then only
         * left it -- answering OK, no COMMIT and no ROLLBACK sent, the
         * connection left idle in an aborted transaction that every later
         * "transaction" of it nested into (test_conformance
         * test_nested_write_begin_fails).  The failed statement marks the
         * transaction failed: the outer end rolls it back. */
        if (write && !c->tx_write) {
            if (pg_simple(c, "SELECT pg_advisory_xact_lock_shared(" LOCK_NS ", " LOCK_INVENTORY
                             ")") != ST_OK)
                return ST_ERR;
            c->tx_write = true;
        }
        c->depth++;
        return ST_OK;
    }
    pg_tx_reset(c);
    c->tx_retry = false;
    if (c->batch) return batch_savepoint(c, write);
    /* one round trip: BEGIN and, for a writer, the inventory lock (shared)
     * before any row lock */
    /* BEGIN is the first statement after an idle spell, when a connection
     * the server dropped (a restart) is found dead: sent again on a fresh
     * one, since a transaction lost with its connection did nothing */
    int rc = pg_simple_retry(c, write ? "BEGIN; SELECT pg_advisory_xact_lock_shared(" LOCK_NS
                                  ", " LOCK_INVENTORY ")"
                                : "BEGIN ISOLATION LEVEL REPEATABLE READ");
    if (rc != ST_OK) {
        rollback_open(c); /* BEGIN may have succeeded and the lock failed (lock_timeout) */
        pg_tx_reset(c);
        return ST_ERR;
    }
    c->depth = 1;
    c->tx_write = write;
    return ST_OK;
}

int pg_tx_commit(store_t *st)
{
    conn_t *c = pg_conn(st);
    sqls_tx_level_t lv = c ? sqls_tx_leave(&c->depth, &c->rollback_only, false) : SQLS_TX_NONE;
    if (lv != SQLS_TX_OUTER) return lv == SQLS_TX_INNER ? ST_OK : ST_ERR;
    if (c->batch) return batch_leave(c, !(c->rollback_only || c->tx_failed));
    int rc = ST_ERR;
    if (c->rollback_only || c->tx_failed) {
        if (PQstatus(c->pg) == CONNECTION_OK) {
            PGresult *r = pg_exec_raw(c, "ROLLBACK");
            PQclear(r);
        }
    } else {
        /* depth is 0 again: the round runs on its own */
        rc = pg_commit_checked(c, "COMMIT", c->tx_write);
        if (rc == ST_OK && c->tx_write) {
            metrics_count(MET_DB_COMMITS);
            metrics_count(MET_DB_WRITE_TX);
        }
    }
    pg_tx_reset(c);
    return rc;
}

void pg_tx_rollback(store_t *st)
{
    conn_t *c = pg_conn(st);
    if (!c || sqls_tx_leave(&c->depth, &c->rollback_only, true) != SQLS_TX_OUTER) return;
    if (c->batch) {
        batch_leave(c, false);
        return;
    }
    if (PQstatus(c->pg) == CONNECTION_OK) {
        PGresult *r = pg_exec_raw(c, "ROLLBACK");
        PQclear(r);
    }
    pg_tx_reset(c);
}

/* Asks the thread's connection, if it has one: never opens one (a thread
 * without a connection had no transaction to abort). */
bool pg_tx_retryable(store_t *st)
{
    conn_t *c = pg_conn_if_open(st);
    return c && c->tx_retry;
}

bool pg_batches(store_t *st)
{
    return ((pg_store_t *)st)->batch_on;
}

int pg_batch_begin(store_t *st)
{
    if (!pg_batches(st)) return ST_NOTFOUND;
    conn_t *c = pg_conn(st);
    if (!c || c->batch || c->depth > 0) return ST_ERR;
    /* a counter slot of its own, once a session (migration 0017): none
     * free, or the call failed, and it counts in pid mod 16's as before */
    if (!c->slot_asked) {
        PGresult *r = pg_exec_raw(c, "SELECT numberd_claim_slot()");
        bool ok = pg_res_ok(r), got = ok && only_value(r, 0)[0];
        PQclear(r);
        /* the database gone is not "no slot": asked again with the next
         * session (it warned once a second through a PostgreSQL crash, a
         * helper's audit, session 40, and the slot was there after it) */
        if (ok || PQstatus(c->pg) == CONNECTION_OK) {
            c->slot_asked = true;
            c->slot_own = got;
            if (!got)
                log_msg(LOG_WARN, "postgres: no counter slot of its own for this node's writer (16 "
                                  "taken, or the query failed): it shares one, and its batches may "
                                  "deadlock with another node's on counter rows");
        }
    }
    c->batch = true;
    c->batch_open = c->batch_wrote = c->batch_lost = false;
    c->sp_due = c->rel_due = false;
    c->batch_kept = 0;
    return ST_OK;
}

int pg_batch_end(store_t *st, uint64_t *ticket)
{
    *ticket = 0; /* durable at its COMMIT (synchronous_commit) */
    conn_t *c = pg_conn_if_open(st);
    if (!c || !c->batch) return ST_ERR;
    if (c->depth > 0) {
        /* a transaction left open (a bug): the requests after it ran
         * inside it, so none of them can be told kept */
        log_msg(LOG_ERROR, "postgres: a transaction was left open in a batch; the batch is rolled back");
        pg_tx_reset(c);
        c->batch_lost = true;
    }
    int rc = batch_commit(c); /* which leaves it closed, with nothing kept */
    c->batch = c->batch_lost = false;
    return rc;
}

/* Every commit is durable when it returns (synchronous_commit). */
int pg_durable_wait(store_t *st, uint64_t ticket)
{
    (void)st;
    (void)ticket;
    return ST_OK;
}

int pg_tx_end(store_t *st, int rc, bool notfound_commits)
{
    if (rc == ST_OK || (rc == ST_NOTFOUND && notfound_commits))
        return pg_tx_commit(st) == ST_OK ? rc : ST_ERR;
    pg_tx_rollback(st);
    return rc;
}
