/* settings.c -- the SQLite schema's migrations and the server settings
 * (name -> text). */
#include "store/sqlite/sqliteInt.h"

#include <stdio.h>

#include "store/migrate.h"
#include "util/log.h"

/* Every statement of the settings is the one both backends run
 * (sqltext.c); the schema's version is a PRAGMA (user_version). */
static const char *const sql_text[Q__COUNT] = {NULL};

/* The schema version lives in PRAGMA user_version. */
static int user_version(sqlite3 *db)
{
    sqlite3_stmt *v = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &v, NULL) == SQLITE_OK &&
        sqlite3_step(v) == SQLITE_ROW)
        version = sqlite3_column_int(v, 0);
    sqlite3_finalize(v);
    return version;
}

/* True when a foreign key is broken (PRAGMA foreign_key_check has rows). */
static bool fk_violations(sqlite3 *db)
{
    sqlite3_stmt *v = NULL;
    bool bad = true;
    if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &v, NULL) == SQLITE_OK)
        bad = sqlite3_step(v) != SQLITE_DONE;
    sqlite3_finalize(v);
    if (bad) log_msg(LOG_ERROR, "sqlite: a migration broke a foreign key");
    return bad;
}

int sq_migrate(store_t *st, int *applied)
{
    conn_t *c = CONN(st);
    int n = 0;
    if (!c) return ST_ERR;
    int rc = ST_OK;
    if (applied) *applied = 0;
    /* Up to date (every start but the first of a release): nothing to
     * lock.  The loop below takes the write lock once a migration to
     * compare the version under it, and a command that only reads (stats,
     * export, account list) waited for a server's or an import's write --
     * up to the busy timeout, then failed as a "schema migration". */
    int known = sqlite_migrations_len ? sqlite_migrations[sqlite_migrations_len - 1].version : 0;
    int have = user_version(c->db);
    if (have > known) {
        /* an older binary on a newer release's database (a rollback):
         * said, as on PostgreSQL, where a rolling upgrade does the same;
         * it was silent, and what the older release does not do (events,
         * webhooks) went unnoticed */
        log_msg(LOG_WARN, "sqlite: the database's schema (version %d) is newer than this numberd's "
                "(%d): a newer release made it; run that release, or expect what it added to be "
                "left out by this one", have, known);
        return ST_OK;
    }
    if (sqlite_migrations_len == 0 || have >= known) return ST_OK;
    /* Foreign keys are off while migrating (outside a transaction is the
     * only place that pragma works): a migration that rebuilds a table
     * (0007) drops the old one, which with foreign keys on deletes its
     * rows first and cascades (a carrier's gateways).  Each migration
     * checks them itself before its commit instead (foreign_key_check). */
    if (sq_exec(c->db, "PRAGMA foreign_keys = OFF") != ST_OK) return ST_ERR;
    for (size_t i = 0; i < sqlite_migrations_len && rc == ST_OK; i++) {
        const nd_migration_t *m = &sqlite_migrations[i];
        /* BEGIN IMMEDIATE serialises two processes migrating at once; the
         * version is read again under the lock. */
        if (sq_exec(c->db, "BEGIN IMMEDIATE") != ST_OK) {
            rc = ST_ERR;
            break;
        }
        if (user_version(c->db) >= m->version) {
            sq_exec(c->db, "COMMIT");
            continue;
        }
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", m->version);
        /* said for an upgrade (a new file's schema is no news): a long one
         * (an index re-made on a large inventory) is otherwise a start
         * that says nothing for minutes */
        if (have > 0) log_msg(LOG_INFO, "sqlite: applying migration %s", m->name);
        if (sq_exec(c->db, m->sql) != ST_OK || fk_violations(c->db) ||
            sq_exec(c->db, pragma) != ST_OK) {
            log_msg(LOG_ERROR, "sqlite: migration %s failed", m->name);
            sq_exec(c->db, "ROLLBACK");
            rc = ST_ERR;
            break;
        }
        if (sq_exec(c->db, "COMMIT") != ST_OK) rc = ST_ERR;
        else n++;
    }
    if (sq_exec(c->db, "PRAGMA foreign_keys = ON") != ST_OK) rc = ST_ERR;
    if (applied) *applied = n;
    return rc;
}

int sq_schema_version(store_t *st, int *db, int *known)
{
    conn_t *c = CONN(st);
    *known = sqlite_migrations_len ? sqlite_migrations[sqlite_migrations_len - 1].version : 0;
    *db = 0;
    if (!c) return ST_ERR;
    *db = user_version(c->db);
    return ST_OK;
}

int sq_setting_get(store_t *st, const char *name, char *out, size_t outsz)
{
    sq_text_out_t o = {out, outsz};
    return SQ_ONE(st, Q_SETTING_GET, sq_rd_text, &o, SQ_T(name));
}

int sq_setting_put(store_t *st, const char *name, const char *value)
{
    return SQ_RUN(st, Q_SETTING_PUT, NULL, SQ_T(name), SQ_T(value));
}

int sq_setting_put_new(store_t *st, const char *name, const char *value, char *out, size_t outsz)
{
    /* The INSERT is atomic under SQLite's write lock (another process
     * included); when it inserted nothing the row it met is committed, so
     * the read that follows finds it. */
    int changes = 0;
    int rc = SQ_RUN(st, Q_SETTING_PUT_NEW, &changes, SQ_T(name), SQ_T(value));
    return sqls_setting_put_new_end(st, rc, changes, name, value, out, outsz);
}
