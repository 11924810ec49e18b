/* test_walbuf.c -- the VFS that gathers a commit's log writes
 * (store/sqlite/walbuf.c).  What it must never do is leave a committed
 * frame in its buffer: each case commits through it and then reads the
 * files as they are on disk, through SQLite's own VFS, while the writing
 * connection is still open (a copy of the database and its log, as a
 * crash would leave them) -- or through a second connection of SQLite's
 * own VFS.  The transactions are larger than the buffer (spilled, in
 * pieces), rewrite frames they already wrote, and are rolled back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite/sqliteInt.h"

static char g_dir[64];
static const char *g_vfs;

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/nd-walbuf-XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    if (!g_vfs) g_vfs = sq_walbuf_register();
    return g_vfs ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *out, size_t sz, const char *name)
{
    snprintf(out, sz, "%s/%s", g_dir, name);
}

static void exec_ok(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

/* A connection as numberd opens them (WAL, synchronous=FULL), through vfs
 * (NULL: SQLite's own); cache_pages small makes a large transaction spill
 * frames into the log before its commit. */
static sqlite3 *open_db(const char *path, const char *vfs, int cache_pages)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
                     SQLITE_OK);
    exec_ok(db, "PRAGMA journal_mode=WAL");
    exec_ok(db, "PRAGMA synchronous=FULL");
    /* the test decides when the log is copied into the database */
    exec_ok(db, "PRAGMA wal_autocheckpoint=0");
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=%d", cache_pages);
    exec_ok(db, sql);
    return db;
}

static int64_t one_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    FILE *out = fopen(to, "wb");
    assert_non_null(out);
    if (in) {
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, in)) > 0) assert_int_equal(fwrite(buf, 1, n, out), n);
        fclose(in);
    }
    fclose(out);
}

/* What is on disk now: the database and its log copied aside (the writer
 * still open, as after a crash), opened through SQLite's own VFS. */
static sqlite3 *open_disk_copy(const char *db_path)
{
    char from[128], to[128];
    path_of(to, sizeof to, "copy.db");
    copy_file(db_path, to);
    snprintf(from, sizeof from, "%s-wal", db_path);
    path_of(to, sizeof to, "copy.db-wal");
    copy_file(from, to);
    path_of(to, sizeof to, "copy.db-shm");
    unlink(to);
    path_of(to, sizeof to, "copy.db");
    return open_db(to, NULL, 2000);
}

static void check_sum(sqlite3 *db, int64_t rows, int64_t sum)
{
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "ok");
    sqlite3_finalize(q);
    assert_int_equal(one_int(db, "SELECT count(*) FROM t"), rows);
    assert_int_equal(one_int(db, "SELECT coalesce(sum(v), 0) FROM t"), sum);
}

/* check_sum on what is on disk now (open_disk_copy) */
static void check_disk(const char *db_path, int64_t rows, int64_t sum)
{
    sqlite3 *copy = open_disk_copy(db_path);
    check_sum(copy, rows, sum);
    sqlite3_close(copy);
}

/* ~400 KB of rows in one transaction: many times the buffer, spilled by
 * a 20-page cache, some pages written again after they were spilled. */
static void big_tx(sqlite3 *db, int from, int n)
{
    exec_ok(db, "BEGIN IMMEDIATE");
    char sql[160];
    for (int i = from; i < from + n; i++) {
        snprintf(sql, sizeof sql, "INSERT INTO t(id, v, pad) VALUES (%d, %d, zeroblob(300))", i, i);
        exec_ok(db, sql);
    }
    /* pages already in the log, changed again in the same transaction */
    snprintf(sql, sizeof sql, "UPDATE t SET v = v + 1 WHERE id >= %d AND id %% 7 = 0", from);
    exec_ok(db, sql);
    exec_ok(db, "COMMIT");
}

static int64_t expected_sum(int n)
{
    int64_t s = 0;
    for (int i = 0; i < n; i++) s += i + (i % 7 == 0);
    return s;
}

/* A new database name in the test's directory (path into p), its writer
 * through walbuf with a 20-page cache, and table t. */
static sqlite3 *new_writer(char *p, size_t sz, const char *name)
{
    path_of(p, sz, name);
    sqlite3 *w = open_db(p, g_vfs, 20);
    exec_ok(w, "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, pad BLOB)");
    return w;
}

/* every commit is in the files on disk when COMMIT returns */
static void test_commits_are_on_disk_at_commit(void **state)
{
    (void)state;
    char p[128];
    sqlite3 *w = new_writer(p, sizeof p, "a.db");
    for (int round = 0; round < 4; round++) {
        big_tx(w, round * 1200, 1200);
        check_disk(p, (round + 1) * 1200, expected_sum((round + 1) * 1200));
    }
    /* a small commit, well inside the buffer, too */
    exec_ok(w, "INSERT INTO t(id, v) VALUES (100000, 5)");
    check_disk(p, 4801, expected_sum(4800) + 5);
    sqlite3_close(w);
}

/* another connection (SQLite's own VFS) sees each commit at once, and a
 * rolled-back transaction's frames, buffered or written, are never seen */
static void test_readers_and_rollbacks(void **state)
{
    (void)state;
    char p[128];
    sqlite3 *w = new_writer(p, sizeof p, "b.db");
    sqlite3 *r = open_db(p, NULL, 2000);
    big_tx(w, 0, 1000);
    check_sum(r, 1000, expected_sum(1000));

    /* rolled back after spilling frames past the buffer */
    exec_ok(w, "BEGIN IMMEDIATE");
    exec_ok(w, "UPDATE t SET v = v + 1000");
    exec_ok(w, "INSERT INTO t(id, v, pad) SELECT id + 5000, 1, zeroblob(300) FROM t");
    exec_ok(w, "ROLLBACK");
    check_sum(r, 1000, expected_sum(1000));
    /* rolled back inside the buffer */
    exec_ok(w, "BEGIN IMMEDIATE");
    exec_ok(w, "UPDATE t SET v = 0 WHERE id = 1");
    exec_ok(w, "ROLLBACK");
    /* the next commits write over the rolled-back frames */
    exec_ok(w, "UPDATE t SET v = v + 1 WHERE id = 2");
    big_tx(w, 1000, 500);
    int64_t sum = expected_sum(1500) + 1;
    check_sum(r, 1500, sum);
    check_disk(p, 1500, sum);

    /* a checkpoint by the reader, then the writer starts the log over */
    exec_ok(r, "PRAGMA wal_checkpoint(TRUNCATE)");
    exec_ok(w, "UPDATE t SET v = v + 1 WHERE id = 3");
    check_sum(r, 1500, sum + 1);
    check_disk(p, 1500, sum + 1);
    sqlite3_close(r);
    sqlite3_close(w);
}

/* At synchronous=NORMAL SQLite does not sync the log at commit, so no
 * sync flushes the buffer: every commit is still in the file when COMMIT
 * returns (the commit frame flushes it), frames whose checksums SQLite
 * rewrote after the commit frame included -- the copy below is opened
 * afresh, and SQLite's recovery drops every frame from the first whose
 * checksum does not match. */
static void test_commits_without_sync_are_in_the_file(void **state)
{
    (void)state;
    char p[128];
    sqlite3 *w = new_writer(p, sizeof p, "c.db");
    exec_ok(w, "PRAGMA synchronous=NORMAL");
    exec_ok(w, "CREATE TABLE u(id INTEGER PRIMARY KEY)");
    for (int round = 0; round < 4; round++) {
        big_tx(w, round * 1200, 1200);
        check_disk(p, (round + 1) * 1200, expected_sum((round + 1) * 1200));
        /* small commits, each well inside the buffer */
        char sql[96];
        snprintf(sql, sizeof sql, "INSERT INTO u(id) VALUES (%d)", round);
        exec_ok(w, sql);
        sqlite3 *copy = open_disk_copy(p);
        assert_int_equal(one_int(copy, "SELECT count(*) FROM u"), round + 1);
        sqlite3_close(copy);
    }
    /* the log started over after a checkpoint */
    exec_ok(w, "PRAGMA wal_checkpoint(TRUNCATE)");
    big_tx(w, 4800, 300);
    sqlite3 *copy = open_disk_copy(p);
    check_sum(copy, 5100, expected_sum(5100));
    assert_int_equal(one_int(copy, "SELECT count(*) FROM u"), 4);
    sqlite3_close(copy);
    sqlite3_close(w);
}

/* Two writers on one file (two processes, or the import's connection
 * beside the group's): a transaction that spilled frames into the log and
 * was rolled back leaves them past the log's end, where SQLite forgets
 * them without any I/O; the other writer's commit then lands on the same
 * offsets.  Buffered and written later (a flush by the first connection's
 * next write, read or close), they would overwrite that commit: "file is
 * not a database" (found in review, reproduced before the fix). */
static void test_rolled_back_frames_never_land_on_another_writers(void **state)
{
    (void)state;
    char p[128];
    sqlite3 *a = new_writer(p, sizeof p, "d.db");
    sqlite3 *b = open_db(p, g_vfs, 2000);
    exec_ok(a, "INSERT INTO t(id, v) VALUES (1, 1)");
    exec_ok(a, "PRAGMA cache_size=5");
    exec_ok(a, "BEGIN IMMEDIATE");
    exec_ok(a, "INSERT INTO t(id, v, pad) SELECT value + 10, 1, randomblob(3000) FROM "
               "(WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s "
               "WHERE value < 8) SELECT value FROM s)");
    exec_ok(a, "ROLLBACK");
    exec_ok(b, "INSERT INTO t(id, v, pad) SELECT value + 100, 2, randomblob(3000) FROM "
               "(WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s "
               "WHERE value < 4) SELECT value FROM s)");
    check_disk(p, 5, 9);
    /* what would flush the first connection's buffer: a write, a close */
    exec_ok(a, "INSERT INTO t(id, v) VALUES (2, 10)");
    check_disk(p, 6, 19);
    sqlite3_close(a);
    check_disk(p, 6, 19);
    check_sum(b, 6, 19);
    sqlite3_close(b);
}

/* Without power-safe overwrite (psow=0) SQLite pads each commit to a
 * sector, writing the last padding frame in two parts around a sync: such
 * a log passes through unbuffered, and another connection's checkpoint
 * reads every frame it was promised (reproduced in review: "unable to get
 * the page" while buffered). */
static void test_logs_without_powersafe_overwrite(void **state)
{
    (void)state;
    char p[128], uri[160];
    path_of(p, sizeof p, "e.db");
    snprintf(uri, sizeof uri, "file:%s?psow=0", p);
    sqlite3 *a = NULL;
    assert_int_equal(sqlite3_open_v2(uri, &a, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                                  SQLITE_OPEN_URI, g_vfs), SQLITE_OK);
    exec_ok(a, "PRAGMA journal_mode=WAL");
    exec_ok(a, "PRAGMA synchronous=FULL");
    exec_ok(a, "PRAGMA wal_autocheckpoint=0");
    exec_ok(a, "CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER, pad BLOB)");
    exec_ok(a, "INSERT INTO t VALUES (1, 1, randomblob(3000))");
    exec_ok(a, "INSERT INTO t VALUES (2, 2, randomblob(3000))");
    sqlite3 *r = open_db(p, NULL, 100);
    exec_ok(r, "PRAGMA wal_checkpoint");
    check_sum(r, 2, 3);
    sqlite3_close(r);
    check_disk(p, 2, 3);
    sqlite3_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_commits_are_on_disk_at_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_readers_and_rollbacks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commits_without_sync_are_in_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rolled_back_frames_never_land_on_another_writers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_logs_without_powersafe_overwrite, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
