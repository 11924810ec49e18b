/* settings.c -- schema migrations (under an advisory lock, version in
 * schema_migrations) and server settings (name -> text). */
#include "store/postgres/pgInt.h"

#include "store/migrate.h"
#include "util/clock.h"
#include "util/log.h"

const char *const pg_sql_settings[Q__COUNT] = {
    /* after the CREATE TABLE IF NOT EXISTS of pg_migrate */
    [Q_MIGRATE_VERSION] = "SELECT COALESCE(max(version), 0) FROM schema_migrations",
    [Q_MIGRATE_RECORD] =
        "INSERT INTO schema_migrations(version, name, applied_at) VALUES ($1, $2, $3)",
    /* Q_SETTING_PUT, Q_SETTING_PUT_NEW: sqltext.c */
};

/* ---- migrations -------------------------------------------------------- */

int pg_migrate(store_t *st, int *applied)
{
    conn_t *c = pg_conn(st);
    int n = 0, ret = ST_ERR;
    bool locked = false;
    if (!c) return ST_ERR;
    /* A session lock, held across the migrations' own transactions: a
     * second node starting at the same moment waits here, then finds the
     * schema up to date.  The bookkeeping table is created under the lock
     * too (two concurrent CREATE TABLE IF NOT EXISTS can both fail).  No
     * lock timeout meanwhile: another node's migration may take minutes
     * (an index on a large table), and waiting for it is right. */
    int reply_ms = c->reply_ms;
    /* and no statement or reply bound: a migration may take minutes */
    if (pg_simple(c, "SET lock_timeout = 0; SET statement_timeout = 0") != ST_OK) goto done;
    c->reply_ms = 0;
    if (pg_simple(c, "SELECT pg_advisory_lock(" LOCK_NS ", " LOCK_MIGRATE ")") != ST_OK)
        goto done;
    locked = true;
    if (pg_simple(c, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
                     "KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)") != ST_OK)
        goto done;
    int64_t version = 0;
    if (pg_one_row(c, Q_MIGRATE_VERSION, PG_NONE, pg_rd_i64, &version) != ST_OK) goto done;
    /* during a rolling upgrade an older node may start on a newer schema:
     * migrations keep the previous release working, so it only says so */
    if (postgres_migrations_len > 0 &&
        version > postgres_migrations[postgres_migrations_len - 1].version)
        log_msg(LOG_WARN,
                "postgres: the database's schema (version %lld) is newer than this numberd's (%d)",
                (long long)version, postgres_migrations[postgres_migrations_len - 1].version);
    for (size_t i = 0; i < postgres_migrations_len; i++) {
        const nd_migration_t *m = &postgres_migrations[i];
        if (m->version <= version) continue;
        if (version > 0) log_msg(LOG_INFO, "postgres: applying migration %s", m->name);
        c->depth = 1; /* a transaction: no silent reconnect in the middle */
        int rc = pg_simple(c, "BEGIN");
        if (rc == ST_OK) rc = pg_simple(c, m->sql);
        if (rc == ST_OK)
            rc = pg_exec(c, Q_MIGRATE_RECORD,
                         PG_V(v_int(m->version), v_text(m->name), v_int(clock_now())), NULL, NULL);
        if (rc == ST_OK) rc = pg_commit_checked(c, m->name, false);
        if (rc != ST_OK) {
            log_msg(LOG_ERROR, "postgres: migration %s failed", m->name);
            if (PQstatus(c->pg) == CONNECTION_OK) {
                PGresult *rb = pg_exec_raw(c, "ROLLBACK");
                PQclear(rb);
            }
            pg_tx_reset(c);
            goto done;
        }
        pg_tx_reset(c);
        n++;
    }
    if (applied) *applied = n;
    ret = ST_OK;
done:
    if (locked && PQstatus(c->pg) == CONNECTION_OK) {
        PGresult *u = pg_exec_raw(c, "SELECT pg_advisory_unlock(" LOCK_NS ", " LOCK_MIGRATE ")");
        PQclear(u);
    }
    if (PQstatus(c->pg) == CONNECTION_OK) {
        char sql[96];
        snprintf(sql, sizeof sql, "SET lock_timeout = '15s'; SET statement_timeout = %d", c->stmt_ms);
        PGresult *t = pg_exec_raw(c, sql);
        PQclear(t);
    }
    c->reply_ms = reply_ms;
    /* rows left without ids by a writer cut off after its COMMIT get them
     * at the latest when a node starts (tx.c's pg_sequence; with the
     * session's bounds back: a round waits for another's lock) */
    if (ret == ST_OK && postgres_migrations_len > 0) pg_sequence(c);
    return ret;
}

int pg_schema_version(store_t *st, int *db, int *known)
{
    conn_t *c = pg_conn(st);
    int64_t v = 0;
    *known = postgres_migrations_len ? postgres_migrations[postgres_migrations_len - 1].version : 0;
    *db = 0;
    if (!c || pg_one_row(c, Q_MIGRATE_VERSION, PG_NONE, pg_rd_i64, &v) != ST_OK) return ST_ERR;
    *db = (int)v;
    return ST_OK;
}

int pg_setting_get(store_t *st, const char *name, char *out, size_t outsz)
{
    pg_text_out_t o = {out, outsz};
    return pg_one_row(pg_conn(st), Q_SETTING_GET, PG_V(v_text(name)), pg_rd_text, &o);
}

int pg_setting_put(store_t *st, const char *name, const char *value)
{
    return pg_exec(pg_conn(st), Q_SETTING_PUT, PG_V(v_text(name), v_text(value)), NULL, NULL);
}

int pg_setting_put_new(store_t *st, const char *name, const char *value, char *out, size_t outsz)
{
    /* DO NOTHING waits for a concurrent insert of the same name and then
     * skips: never two values.  The value met is read by a second
     * statement: a statement's snapshot (READ COMMITTED) predates the row
     * it waited for, so one statement could not see it. */
    int64_t n = 0;
    int rc = pg_exec(pg_conn(st), Q_SETTING_PUT_NEW, PG_V(v_text(name), v_text(value)), NULL, &n);
    return sqls_setting_put_new_end(st, rc, n, name, value, out, outsz);
}
