/* sqlite.c -- the SQLite backend of store.h.
 *
 * One connection per thread (a pthread key per store), opened on the
 * thread's first call, in WAL mode so that readers never wait for the
 * writer.  Every statement is prepared once per connection and kept: the
 * fixed ones in an array indexed by enum, the search statements (whose
 * WHERE clause depends on which filters are present) in a small cache keyed
 * by their SQL text.  Values are always bound, never spliced into SQL.
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/clock.h"
#include "store/migrate.h"
#include "store/sqlshared.h"
#include "store/sqlwhere.h"
#include "util/log.h"
#include "util/metrics.h"

enum {
    Q_ACCOUNT_INSERT,
    Q_ACCOUNT_BY_AUTH_ID,
    Q_ACCOUNT_BY_ID,
    Q_ACCOUNT_LIST,
    Q_ACCOUNT_COUNT,
    Q_APIKEY_INSERT,
    Q_APIKEY_LOOKUP,
    Q_IMPORT_SELECT,
    Q_IMPORT_INSERT,
    Q_IMPORT_UPDATE,
    Q_STATS,
    Q_NUMBER_GET_AVAILABLE,
    Q_NUMBER_BUY,
    Q_NUMBER_STATE,
    Q_NUMBER_APPROVE,
    Q_APP_EXISTS,
    Q_APP_DEFAULT,
    Q_COMPLIANCE_INSERT,
    Q_COMPLIANCE_GET,
    Q_COMPLIANCE_LATEST,
    Q_IDEM_GET,
    Q_IDEM_PUT,
    Q_OWNED_GET,
    Q_OWNED_GET_ANY,
    Q_OWNED_UPDATE,
    Q_RELEASE_INVENTORY,
    Q_RELEASE_CUSTOMER,
    Q_AGING_SWEEP,
    Q_SUB_LIST,
    Q_SUB_COUNT,
    Q_ACCOUNT_UPDATE,
    Q_SUB_MOVE_NUMBERS,
    Q_SUB_MOVE_APPS,
    Q_SUB_DELETE_IDEM,
    Q_SUB_DELETE,
    Q_APP_INSERT,
    Q_APP_GET,
    Q_APP_LIST,
    Q_APP_COUNT,
    Q_APP_UPDATE,
    Q_APP_UNLINK,
    Q_APP_DELETE,
    Q_APP_CLEAR_DEFAULT,
    Q_SUB_MOVE_CARRIERS,
    Q_CARRIER_INSERT,
    Q_CARRIER_GET,
    Q_CARRIER_LIST,
    Q_CARRIER_COUNT,
    Q_CARRIER_UPDATE,
    Q_CARRIER_RENAME_NUMBERS,
    Q_CARRIER_IN_USE,
    Q_CARRIER_DELETE,
    Q_GW_INSERT,
    Q_GW_READ,
    Q_GW_DELETE,
    Q_NUMBER_LOOKUP,
    Q_NUMBER_INSERT_OWNED,
    Q_SETTING_GET,
    Q_SETTING_PUT,
    Q_OWNED_GET_BYOC,
    Q_PING,
    Q_EXPORT,
    Q__COUNT
};

#define OWNED_SELECT SQLS_OWNED_SELECT
#define CARRIER_SELECT "SELECT " SQLS_CARRIER_COLS " " SQLS_CARRIER_FROM
#define APP_SELECT SQLS_APP_SELECT
#define INV_COLS SQLS_INV_COLS

static const char *const q_sql[Q__COUNT] = {
    [Q_ACCOUNT_INSERT] =
        "INSERT INTO accounts(auth_id, parent_id, name, token_hash, enabled, created_at, "
        "modified_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    [Q_ACCOUNT_BY_AUTH_ID] =
        "SELECT " SQLS_ACCOUNT_COLS " FROM accounts WHERE auth_id = ?1",
    [Q_ACCOUNT_BY_ID] =
        "SELECT " SQLS_ACCOUNT_COLS " FROM accounts WHERE id = ?1",
    [Q_ACCOUNT_LIST] =
        "SELECT " SQLS_ACCOUNT_COLS " FROM accounts WHERE parent_id IS NULL ORDER BY id",
    [Q_ACCOUNT_COUNT] = "SELECT count(*) FROM accounts",
    [Q_APIKEY_INSERT] =
        "INSERT INTO api_keys(account_id, key_hash, scopes, created_at) VALUES (?1, ?2, ?3, ?4)",
    [Q_APIKEY_LOOKUP] = "SELECT account_id, scopes FROM api_keys WHERE key_hash = ?1",
    [Q_IMPORT_SELECT] = "SELECT state, source FROM numbers WHERE number = ?1",
    [Q_IMPORT_INSERT] =
        "INSERT INTO numbers(" INV_COLS ", caps, created_at, updated_at) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
        "?20, ?22, ?21, ?21)",
    [Q_IMPORT_UPDATE] =
        "UPDATE numbers SET country_iso=?2, type=?3, sub_type=?4, prefix=?5, city=?6, "
        "region=?7, rate_center=?8, lata=?9, voice_enabled=?10, sms_enabled=?11, "
        "mms_enabled=?12, setup_rate=?13, monthly_rental_rate=?14, voice_rate=?15, "
        "sms_rate=?16, mms_rate=?17, restriction=?18, restriction_text=?19, carrier=?20, "
        "caps=?22, updated_at=?21 WHERE number=?1 AND state=0 AND source=0",
    [Q_STATS] =
        "SELECT country_iso, type, state, count(*) FROM numbers WHERE source = 0 "
        "GROUP BY country_iso, type, state ORDER BY country_iso, type, state",
    [Q_NUMBER_GET_AVAILABLE] =
        "SELECT " INV_COLS " FROM numbers WHERE number = ?1 AND state = 0 AND source = 0",
    [Q_NUMBER_BUY] =
        "UPDATE numbers SET state=?2, owner_id=?3, sub_id=?4, app_id=?5, cnam_lookup=?6, "
        "compliance_id=?7, added_on=?8, renewal_date=?9, released_at=NULL, updated_at=?10, "
        "created_at=?10, byoc_id=?11 "
        "WHERE number=?1 AND state=0 AND source=0",
    [Q_NUMBER_STATE] = "SELECT state FROM numbers WHERE number = ?1 AND owner_id IS NOT NULL",
    [Q_NUMBER_APPROVE] =
        "UPDATE numbers SET state=1, updated_at=?2 WHERE number=?1 AND state=2",
    [Q_APP_EXISTS] = "SELECT 1 FROM applications WHERE account_id = ?1 AND app_id = ?2",
    [Q_APP_DEFAULT] =
        "SELECT app_id FROM applications WHERE account_id = ?1 AND default_number_app = 1",
    [Q_COMPLIANCE_INSERT] =
        "INSERT INTO compliance(id, seq, account_id, country_iso, number_type, approved, "
        "created_at) VALUES (?1, (SELECT COALESCE(max(seq), 0) + 1 FROM compliance), ?2, ?3, "
        "?4, ?5, ?6)",
    [Q_COMPLIANCE_GET] =
        "SELECT id, account_id, country_iso, number_type, approved FROM compliance "
        "WHERE account_id = ?1 AND id = ?2",
    [Q_COMPLIANCE_LATEST] =
        "SELECT id, account_id, country_iso, number_type, approved FROM compliance "
        "WHERE account_id = ?1 AND country_iso = ?2 AND number_type IN (?3, ?4) AND approved = 1 "
        "ORDER BY seq DESC LIMIT 1",
    [Q_IDEM_GET] =
        "SELECT status, req_hash, body, created_at FROM idempotency "
        "WHERE account_id = ?1 AND key = ?2",
    [Q_IDEM_PUT] =
        "INSERT OR REPLACE INTO idempotency(account_id, key, req_hash, status, body, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_OWNED_GET] = OWNED_SELECT
        "WHERE n.number = ?1 AND n.owner_id = ?2 AND n.state IN (1, 2) "
        "AND (?3 = 0 OR n.sub_id = ?3)",
    [Q_OWNED_GET_BYOC] = OWNED_SELECT
        "WHERE n.byoc_id = ?1 AND n.owner_id = ?2 AND n.state IN (1, 2)",
    [Q_OWNED_GET_ANY] = OWNED_SELECT "WHERE n.number = ?1 AND n.state IN (1, 2)",
    [Q_OWNED_UPDATE] =
        "UPDATE numbers SET sub_id=?3, app_id=?4, alias=?5, compliance_id=?6, cnam_lookup=?7, "
        "cnam=?8, cnam_callback_url=?9, cnam_callback_method=?10, caller_reputation_status=?11, "
        "profile_uuid=?12, cr_callback_url=?13, cr_callback_method=?14, "
        "tendlc_registration_status=?15, tendlc_campaign_id=?16, toll_free_sms_verification=?17, "
        "updated_at=?18 WHERE number=?1 AND owner_id=?2 AND state IN (1, 2)",
    [Q_RELEASE_INVENTORY] =
        "UPDATE numbers SET state=?3, owner_id=NULL, sub_id=NULL, app_id=NULL, alias=NULL, "
        "added_on=NULL, renewal_date=NULL, compliance_id=NULL, cnam_lookup=NULL, cnam=NULL, "
        "cnam_callback_url=NULL, cnam_callback_method=NULL, caller_reputation_status=NULL, "
        "profile_uuid=NULL, cr_callback_url=NULL, cr_callback_method=NULL, "
        "tendlc_registration_status=NULL, tendlc_campaign_id=NULL, "
        "toll_free_sms_verification=NULL, byoc_id=NULL, label=NULL, released_at=?4, updated_at=?4 "
        "WHERE number=?1 AND owner_id=?2 AND state IN (1, 2) AND source=0",
    [Q_RELEASE_CUSTOMER] =
        "DELETE FROM numbers WHERE number=?1 AND owner_id=?2 AND source IN (1, 2)",
    [Q_AGING_SWEEP] =
        "UPDATE numbers SET state=0, released_at=NULL, updated_at=?2 "
        "WHERE state=3 AND released_at <= ?1",
    [Q_SUB_LIST] =
        "SELECT " SQLS_ACCOUNT_COLS " FROM accounts WHERE parent_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
    [Q_SUB_COUNT] = "SELECT count(*) FROM accounts WHERE parent_id = ?1",
    [Q_ACCOUNT_UPDATE] =
        "UPDATE accounts SET name = ?2, enabled = ?3, modified_at = ?4 WHERE id = ?1",
    [Q_SUB_MOVE_NUMBERS] = "UPDATE numbers SET sub_id = NULL, updated_at = ?2 WHERE sub_id = ?1",
    [Q_SUB_MOVE_APPS] = "UPDATE applications SET sub_id = NULL, modified_at = ?2 WHERE sub_id = ?1",
    [Q_SUB_DELETE_IDEM] = "DELETE FROM idempotency WHERE account_id = ?1",
    [Q_SUB_DELETE] = "DELETE FROM accounts WHERE id = ?1 AND parent_id = ?2",
    [Q_APP_INSERT] =
        "INSERT INTO applications(app_id, account_id, sub_id, app_name, answer_url, answer_method, "
        "hangup_url, hangup_method, fallback_answer_url, fallback_method, message_url, "
        "message_method, default_number_app, default_endpoint_app, public_uri, "
        "log_incoming_messages, is_voice_request, created_at, modified_at) VALUES (?1, ?2, ?3, ?4, "
        "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?18, ?17, ?17)",
    [Q_APP_GET] = APP_SELECT
        "WHERE a.account_id = ?1 AND a.app_id = ?2 AND (?3 = 0 OR a.sub_id = ?3)",
    [Q_APP_LIST] = APP_SELECT
        "WHERE a.account_id = ?1 AND (?2 = 0 OR a.sub_id = ?2) AND (?3 IS NULL OR a.app_name = ?3) "
        "ORDER BY a.app_id LIMIT ?4 OFFSET ?5",
    [Q_APP_COUNT] =
        "SELECT count(*) FROM applications a WHERE a.account_id = ?1 AND (?2 = 0 OR a.sub_id = ?2) "
        "AND (?3 IS NULL OR a.app_name = ?3)",
    [Q_APP_UPDATE] =
        "UPDATE applications SET sub_id = ?3, app_name = ?4, answer_url = ?5, answer_method = ?6, "
        "hangup_url = ?7, hangup_method = ?8, fallback_answer_url = ?9, fallback_method = ?10, "
        "message_url = ?11, message_method = ?12, default_number_app = ?13, "
        "default_endpoint_app = ?14, public_uri = ?15, log_incoming_messages = ?16, "
        "modified_at = ?17, is_voice_request = ?18 WHERE account_id = ?1 AND app_id = ?2",
    [Q_APP_UNLINK] =
        "UPDATE numbers SET app_id = NULL, updated_at = ?3 WHERE owner_id = ?1 AND app_id = ?2",
    [Q_APP_DELETE] = "DELETE FROM applications WHERE account_id = ?1 AND app_id = ?2",
    [Q_APP_CLEAR_DEFAULT] =
        "UPDATE applications SET default_number_app = 0 WHERE account_id = ?1 AND default_number_app = 1",
    [Q_SUB_MOVE_CARRIERS] = "UPDATE carriers SET sub_id = NULL, updated_at = ?2 WHERE sub_id = ?1",
    [Q_CARRIER_INSERT] =
        "INSERT INTO carriers(uuid, voip_sid, carrier_id, account_id, sub_id, name, trunk_type, "
        "voice, sms, in_username, in_password, reg_username, reg_password, reg_realm, "
        "reg_from_user, reg_from_domain, reg_expires, created_at, updated_at) VALUES (?1, ?2, ?3, "
        "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    /* ref is one of the three public ids; their shapes never collide */
    [Q_CARRIER_GET] = CARRIER_SELECT
        "WHERE c.account_id = ?1 AND (?2 = 0 OR c.sub_id = ?2) "
        "AND (c.carrier_id = ?3 OR c.uuid = ?3 OR c.voip_sid = ?3)",
    [Q_CARRIER_LIST] = CARRIER_SELECT
        "WHERE c.account_id = ?1 AND (?2 = 0 OR c.sub_id = ?2) AND (?3 IS NULL OR c.name = ?3) "
        "ORDER BY c.id LIMIT ?4 OFFSET ?5",
    [Q_CARRIER_COUNT] =
        "SELECT count(*) FROM carriers c WHERE c.account_id = ?1 AND (?2 = 0 OR c.sub_id = ?2) "
        "AND (?3 IS NULL OR c.name = ?3)",
    [Q_CARRIER_UPDATE] =
        "UPDATE carriers SET sub_id = ?5, name = ?6, trunk_type = ?7, voice = ?8, sms = ?9, "
        "in_username = ?10, in_password = ?11, reg_username = ?12, reg_password = ?13, "
        "reg_realm = ?14, reg_from_user = ?15, reg_from_domain = ?16, reg_expires = ?17, "
        "updated_at = ?19 WHERE id = ?20 AND account_id = ?4",
    [Q_CARRIER_RENAME_NUMBERS] =
        "UPDATE numbers SET carrier = ?2, updated_at = ?3 WHERE carrier_id = ?1 AND carrier != ?2",
    [Q_CARRIER_IN_USE] = "SELECT count(*) FROM numbers WHERE carrier_id = ?1",
    [Q_CARRIER_DELETE] = "DELETE FROM carriers WHERE id = ?1 AND account_id = ?2",
    [Q_GW_INSERT] =
        "INSERT INTO carrier_gateways(carrier, pos, sid, address, port, netmask, inbound, outbound) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_GW_READ] =
        "SELECT sid, address, port, netmask, inbound, outbound FROM carrier_gateways "
        "WHERE carrier = ?1 ORDER BY pos",
    [Q_GW_DELETE] = "DELETE FROM carrier_gateways WHERE carrier = ?1",
    [Q_NUMBER_LOOKUP] = "SELECT state, source, COALESCE(owner_id, 0) FROM numbers WHERE number = ?1",
    [Q_NUMBER_INSERT_OWNED] =
        "INSERT INTO numbers(number, country_iso, type, sub_type, region, voice_enabled, "
        "sms_enabled, mms_enabled, caps, carrier, source, state, owner_id, sub_id, app_id, "
        "added_on, carrier_id, byoc_id, label, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, "
        "?6, ?7, ?8, ?9, ?10, ?11, 1, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19)",
    [Q_SETTING_GET] = "SELECT value FROM settings WHERE name = ?1",
    [Q_SETTING_PUT] = "INSERT OR REPLACE INTO settings(name, value) VALUES (?1, ?2)",
    /* reads page 1 and the schema: fails on a missing, locked-out or
     * foreign file, unlike "SELECT 1" */
    [Q_PING] = "SELECT count(*) FROM sqlite_master WHERE name = 'numbers'",
    /* the unique index on number gives the order without a sort */
    [Q_EXPORT] =
        "SELECT " INV_COLS " FROM numbers WHERE source = 0 AND (?1 IS NULL OR country_iso = ?1) "
        "AND (?2 < 0 OR state = ?2) ORDER BY number",
};

#define DYN_CACHE 32

typedef struct conn {
    sqlite3 *db;
    sqlite3_stmt *q[Q__COUNT];
    struct {
        char *sql;
        sqlite3_stmt *st;
        uint64_t used;
    } dyn[DYN_CACHE];
    uint64_t tick;
    int depth;            /* transaction nesting */
    bool rollback_only;
    bool writing;         /* holds the store's write_lock */
    struct conn *next;    /* all connections of the store, for close */
} conn_t;

typedef struct {
    store_t base;
    char *path;
    pthread_key_t key;
    pthread_mutex_t lock; /* guards conns */
    /* Writers of this process queue here, not in SQLite: a BEGIN IMMEDIATE
     * that finds the database locked waits in SQLite's busy handler, which
     * sleeps in steps of up to 100 ms -- a purchase that waited behind
     * another would take a whole step.  A mutex wakes the next writer the
     * moment the previous one commits.  (Other processes still meet the
     * busy handler; busy_timeout stays as their bound.) */
    pthread_mutex_t write_lock;
    conn_t *conns;
} sqlite_store_t;

/* A write the import has decided on but not yet made (see import_flush). */
typedef struct {
    size_t off;          /* the packed row in the arena */
    bool update;
} pend_t;

struct store_import {
    sqlite_store_t *s;
    conn_t *c;
    bool dry_run;
    int64_t now;
    /* this batch's writes, made in number order at the batch's end */
    char *arena;
    size_t alen, acap;
    pend_t *pend;
    size_t npend, pcap;
    /* numbers pending in this batch: open addressing, index+1 into pend */
    uint32_t *slots;
    size_t nslots;
};

static const store_ops_t sqlite_ops;

/* ---- connections ------------------------------------------------------- */

static void log_db_error(sqlite3 *db, const char *what)
{
    metrics_count(MET_DB_ERRORS);
    log_msg(LOG_ERROR, "sqlite: %s: %s", what, db ? sqlite3_errmsg(db) : "no connection");
}

static int exec_sql(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        metrics_count(MET_DB_ERRORS);
        log_msg(LOG_ERROR, "sqlite: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return ST_ERR;
    }
    return ST_OK;
}

static void conn_close(conn_t *c)
{
    for (int i = 0; i < Q__COUNT; i++) sqlite3_finalize(c->q[i]);
    for (int i = 0; i < DYN_CACHE; i++) {
        sqlite3_finalize(c->dyn[i].st);
        free(c->dyn[i].sql);
    }
    sqlite3_close_v2(c->db);
    free(c);
}

static int open_db(const char *path, sqlite3 **out)
{
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
        log_db_error(db, "open");
        sqlite3_close_v2(db);
        return ST_ERR;
    }
    sqlite3_busy_timeout(db, 15000);
    sqlite3_extended_result_codes(db, 1);
    /* synchronous=FULL: an acknowledged write survives power loss, not only
     * a process crash.  WAL keeps readers off the writer's lock. */
    if (exec_sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                     "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
                     "PRAGMA cache_size=-16000;") != ST_OK) {
        sqlite3_close_v2(db);
        return ST_ERR;
    }
    *out = db;
    return ST_OK;
}

static conn_t *conn_get(sqlite_store_t *s)
{
    conn_t *c = pthread_getspecific(s->key);
    if (c) return c;
    c = xcalloc(1, sizeof *c);
    if (open_db(s->path, &c->db) != ST_OK) {
        free(c);
        return NULL;
    }
    pthread_setspecific(s->key, c);
    pthread_mutex_lock(&s->lock);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->lock);
    return c;
}

static sqlite3_stmt *stmt(conn_t *c, int which)
{
    if (c->q[which] == NULL) {
        if (sqlite3_prepare_v3(c->db, q_sql[which], -1, SQLITE_PREPARE_PERSISTENT, &c->q[which],
                               NULL) != SQLITE_OK) {
            log_db_error(c->db, q_sql[which]);
            return NULL;
        }
    }
    return c->q[which];
}

/* A statement whose text varies (search filters): cached per connection. */
static sqlite3_stmt *stmt_dyn(conn_t *c, const char *sql)
{
    int lru = 0;
    for (int i = 0; i < DYN_CACHE; i++) {
        if (c->dyn[i].sql && strcmp(c->dyn[i].sql, sql) == 0) {
            c->dyn[i].used = ++c->tick;
            return c->dyn[i].st;
        }
        if (c->dyn[i].used < c->dyn[lru].used) lru = i;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        log_db_error(c->db, sql);
        return NULL;
    }
    sqlite3_finalize(c->dyn[lru].st);
    free(c->dyn[lru].sql);
    c->dyn[lru].sql = xstrdup(sql);
    c->dyn[lru].st = st;
    c->dyn[lru].used = ++c->tick;
    return st;
}

#define CONN(st) conn_get((sqlite_store_t *)(st))

static void done_stmt(sqlite3_stmt *st)
{
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
    }
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else sqlite3_bind_null(st, i);
}

static void bind_money(sqlite3_stmt *st, int i, int64_t v)
{
    if (v < 0) sqlite3_bind_null(st, i);
    else sqlite3_bind_int64(st, i, v);
}

static void col_copy(sqlite3_stmt *st, int i, char *out, size_t sz)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (n >= sz) n = sz - 1;
    if (n) memcpy(out, t, n);
    out[n] = '\0';
}

static int64_t col_money(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, i);
}

/* ---- transactions ------------------------------------------------------ */

static void write_unlock(sqlite_store_t *s, conn_t *c)
{
    if (c->writing) {
        c->writing = false;
        pthread_mutex_unlock(&s->write_lock);
    }
}

static int sq_tx_begin(store_t *st, bool write)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    if (c->depth++ > 0) return ST_OK;
    c->rollback_only = false;
    if (write) {
        pthread_mutex_lock(&s->write_lock);
        c->writing = true;
    }
    if (exec_sql(c->db, write ? "BEGIN IMMEDIATE" : "BEGIN") != ST_OK) {
        c->depth = 0;
        write_unlock(s, c);
        return ST_ERR;
    }
    return ST_OK;
}

static int sq_tx_commit(store_t *st)
{
    conn_t *c = CONN(st);
    if (!c || c->depth == 0) return ST_ERR;
    if (--c->depth > 0) return ST_OK;
    int rc = ST_OK;
    if (c->rollback_only) {
        exec_sql(c->db, "ROLLBACK");
        rc = ST_ERR;
    } else if (exec_sql(c->db, "COMMIT") != ST_OK) {
        exec_sql(c->db, "ROLLBACK");
        rc = ST_ERR;
    }
    write_unlock((sqlite_store_t *)st, c);
    return rc;
}

static void sq_tx_rollback(store_t *st)
{
    conn_t *c = CONN(st);
    if (!c || c->depth == 0) return;
    if (--c->depth > 0) {
        c->rollback_only = true;
        return;
    }
    exec_sql(c->db, "ROLLBACK");
    write_unlock((sqlite_store_t *)st, c);
}

/* ---- migrations -------------------------------------------------------- */

static int sq_migrate(store_t *st, int *applied)
{
    conn_t *c = CONN(st);
    int n = 0;
    if (!c) return ST_ERR;
    for (size_t i = 0; i < sqlite_migrations_len; i++) {
        const nd_migration_t *m = &sqlite_migrations[i];
        /* BEGIN IMMEDIATE serialises two processes migrating at once; the
         * version is read again under the lock. */
        if (exec_sql(c->db, "BEGIN IMMEDIATE") != ST_OK) return ST_ERR;
        sqlite3_stmt *v = NULL;
        int version = 0;
        if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &v, NULL) == SQLITE_OK &&
            sqlite3_step(v) == SQLITE_ROW)
            version = sqlite3_column_int(v, 0);
        sqlite3_finalize(v);
        if (version >= m->version) {
            exec_sql(c->db, "COMMIT");
            continue;
        }
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", m->version);
        if (exec_sql(c->db, m->sql) != ST_OK || exec_sql(c->db, pragma) != ST_OK) {
            log_msg(LOG_ERROR, "sqlite: migration %s failed", m->name);
            exec_sql(c->db, "ROLLBACK");
            return ST_ERR;
        }
        if (exec_sql(c->db, "COMMIT") != ST_OK) return ST_ERR;
        n++;
    }
    if (applied) *applied = n;
    return ST_OK;
}

/* ---- accounts ---------------------------------------------------------- */

static void read_account(sqlite3_stmt *q, account_t *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(q, 0);
    col_copy(q, 1, a->auth_id, sizeof a->auth_id);
    a->parent_id = sqlite3_column_int64(q, 2);
    col_copy(q, 3, a->name, sizeof a->name);
    a->enabled = sqlite3_column_int(q, 4) != 0;
    if (sqlite3_column_bytes(q, 5) == IDS_HASH_SZ)
        memcpy(a->token_hash, sqlite3_column_blob(q, 5), IDS_HASH_SZ);
    a->created_at = sqlite3_column_int64(q, 6);
    a->modified_at = sqlite3_column_int64(q, 7);
}

/* Steps q once: ST_OK with the row read by rd into out, ST_NOTFOUND when
 * there is none, ST_ERR on failure.  Resets q. */
static int one_row(conn_t *c, sqlite3_stmt *q, void (*rd)(sqlite3_stmt *, void *, size_t),
                   void *out, const char *what)
{
    int rc = sqlite3_step(q), ret = ST_NOTFOUND;
    if (rc == SQLITE_ROW) {
        rd(q, out, 0);
        ret = ST_OK;
    } else if (rc != SQLITE_DONE) {
        log_db_error(c->db, what);
        ret = ST_ERR;
    }
    done_stmt(q);
    return ret;
}

static void rd_account(sqlite3_stmt *q, void *rows, size_t i)
{
    read_account(q, &((account_t *)rows)[i]);
}

static int step_done(conn_t *c, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW) return ST_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT) return ST_CONFLICT;
    log_db_error(c->db, what);
    return ST_ERR;
}

static int sq_account_insert(store_t *st, account_t *a)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_ACCOUNT_INSERT) : NULL;
    if (!q) return ST_ERR;
    bind_text(q, 1, a->auth_id);
    if (a->parent_id) sqlite3_bind_int64(q, 2, a->parent_id);
    bind_text(q, 3, a->name);
    sqlite3_bind_blob(q, 4, a->token_hash, IDS_HASH_SZ, SQLITE_STATIC);
    sqlite3_bind_int(q, 5, a->enabled);
    sqlite3_bind_int64(q, 6, a->created_at);
    int rc = step_done(c, q, "account insert");
    if (rc == ST_OK) a->id = sqlite3_last_insert_rowid(c->db);
    done_stmt(q);
    return rc;
}

static int account_one(store_t *st, int which, const char *auth_id, int64_t id, account_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, which) : NULL;
    if (!q) return ST_ERR;
    if (auth_id) bind_text(q, 1, auth_id);
    else sqlite3_bind_int64(q, 1, id);
    return one_row(c, q, rd_account, out, "account lookup");
}

static int sq_account_by_auth_id(store_t *st, const char *auth_id, account_t *out)
{
    return account_one(st, Q_ACCOUNT_BY_AUTH_ID, auth_id, 0, out);
}

static int sq_account_by_id(store_t *st, int64_t id, account_t *out)
{
    return account_one(st, Q_ACCOUNT_BY_ID, NULL, id, out);
}

static int sq_account_list(store_t *st, store_account_cb cb, void *ud)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_ACCOUNT_LIST) : NULL;
    if (!q) return ST_ERR;
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        account_t a;
        read_account(q, &a);
        if (cb(&a, ud) != C_OK) break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        log_db_error(c->db, "account list");
        ret = ST_ERR;
    }
    done_stmt(q);
    return ret;
}

static int64_t sq_account_count(store_t *st)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_ACCOUNT_COUNT) : NULL;
    if (!q) return -1;
    int64_t n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    done_stmt(q);
    return n;
}

static int sq_apikey_insert(store_t *st, int64_t account_id, const uint8_t hash[IDS_HASH_SZ],
                            unsigned scopes)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_APIKEY_INSERT) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    sqlite3_bind_blob(q, 2, hash, IDS_HASH_SZ, SQLITE_STATIC);
    sqlite3_bind_int(q, 3, (int)scopes);
    sqlite3_bind_int64(q, 4, clock_now());
    int rc = step_done(c, q, "api key insert");
    done_stmt(q);
    return rc;
}

static int sq_apikey_lookup(store_t *st, const uint8_t hash[IDS_HASH_SZ], int64_t *account_id,
                            unsigned *scopes)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_APIKEY_LOOKUP) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_blob(q, 1, hash, IDS_HASH_SZ, SQLITE_STATIC);
    int rc = sqlite3_step(q), ret = ST_NOTFOUND;
    if (rc == SQLITE_ROW) {
        *account_id = sqlite3_column_int64(q, 0);
        *scopes = (unsigned)sqlite3_column_int(q, 1);
        ret = ST_OK;
    } else if (rc != SQLITE_DONE) {
        log_db_error(c->db, "api key lookup");
        ret = ST_ERR;
    }
    done_stmt(q);
    return ret;
}

/* ---- inventory import -------------------------------------------------- */

static void bind_inv(sqlite3_stmt *q, const inv_number_t *r, int64_t now)
{
    bind_text(q, 1, r->number);
    bind_text(q, 2, r->country_iso);
    bind_text(q, 3, r->type);
    bind_text(q, 4, r->sub_type);
    bind_text(q, 5, r->prefix);
    bind_text(q, 6, r->city);
    bind_text(q, 7, r->region);
    bind_text(q, 8, r->rate_center);
    if (r->lata >= 0) sqlite3_bind_int(q, 9, r->lata);
    else sqlite3_bind_null(q, 9);
    sqlite3_bind_int(q, 10, r->voice);
    sqlite3_bind_int(q, 11, r->sms);
    sqlite3_bind_int(q, 12, r->mms);
    bind_money(q, 13, r->setup_rate);
    bind_money(q, 14, r->monthly_rental_rate);
    bind_money(q, 15, r->voice_rate);
    bind_money(q, 16, r->sms_rate);
    bind_money(q, 17, r->mms_rate);
    bind_text(q, 18, r->restriction);
    bind_text(q, 19, r->restriction_text);
    bind_text(q, 20, r->carrier);
    sqlite3_bind_int64(q, 21, now);
    sqlite3_bind_int(q, 22, sqls_caps(r));
}

/* ---- import: writes in number order ----------------------------------
 *
 * An inventory row lands in eleven indexes, nine of them ordered by number
 * (after the country).  Written in file order (often random), every insert
 * descends to a different leaf page of every index; written in number
 * order, consecutive inserts hit the same or the next leaf.  So a batch's
 * outcomes are decided row by row as they come (the line numbers of
 * refused rows are reported), but its writes are buffered, packed, and
 * made sorted by number when the batch ends: 2.4x faster on a
 * 1,000,000-row random-order file (docs/PERFORMANCE.md). */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    while (*s) h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

static void arena_put(store_import_t *im, const void *p, size_t n)
{
    if (im->alen + n > im->acap) {
        im->acap = (im->acap ? im->acap * 2 : 1 << 20) + n;
        im->arena = xrealloc(im->arena, im->acap);
    }
    memcpy(im->arena + im->alen, p, n);
    im->alen += n;
}

typedef struct {
    int32_t lata;
    uint8_t voice, sms, mms;
    int64_t rates[5];
} packed_head_t;

static size_t pack_row(store_import_t *im, const inv_number_t *r)
{
    size_t off = im->alen;
    packed_head_t h = {r->lata, r->voice, r->sms, r->mms,
                       {r->setup_rate, r->monthly_rental_rate, r->voice_rate, r->sms_rate, r->mms_rate}};
    arena_put(im, &h, sizeof h);
    const char *s[] = {r->number, r->country_iso, r->type, r->sub_type, r->prefix, r->city,
                       r->region, r->rate_center, r->restriction, r->restriction_text, r->carrier};
    for (size_t i = 0; i < ND_ARRAY_LEN(s); i++) arena_put(im, s[i], strlen(s[i]) + 1);
    return off;
}

static void unpack_str(const char **p, char *out, size_t sz)
{
    size_t n = strlen(*p), k = n < sz ? n : sz - 1;
    memcpy(out, *p, k);
    out[k] = '\0';
    *p += n + 1;
}

static void unpack_row(const char *p, inv_number_t *r)
{
    packed_head_t h;
    memcpy(&h, p, sizeof h);
    r->lata = h.lata;
    r->voice = h.voice;
    r->sms = h.sms;
    r->mms = h.mms;
    r->setup_rate = h.rates[0];
    r->monthly_rental_rate = h.rates[1];
    r->voice_rate = h.rates[2];
    r->sms_rate = h.rates[3];
    r->mms_rate = h.rates[4];
    p += sizeof h;
    unpack_str(&p, r->number, sizeof r->number);
    unpack_str(&p, r->country_iso, sizeof r->country_iso);
    unpack_str(&p, r->type, sizeof r->type);
    unpack_str(&p, r->sub_type, sizeof r->sub_type);
    unpack_str(&p, r->prefix, sizeof r->prefix);
    unpack_str(&p, r->city, sizeof r->city);
    unpack_str(&p, r->region, sizeof r->region);
    unpack_str(&p, r->rate_center, sizeof r->rate_center);
    unpack_str(&p, r->restriction, sizeof r->restriction);
    unpack_str(&p, r->restriction_text, sizeof r->restriction_text);
    unpack_str(&p, r->carrier, sizeof r->carrier);
}

/* The pending write for number, or NULL. */
static pend_t *pend_find(store_import_t *im, const char *number, size_t *slot)
{
    *slot = 0;
    if (!im->nslots) return NULL;
    size_t i = hash_str(number) & (im->nslots - 1);
    for (; im->slots[i]; i = (i + 1) & (im->nslots - 1)) {
        pend_t *p = &im->pend[im->slots[i] - 1];
        const packed_head_t *h = (const void *)(im->arena + p->off);
        if (strcmp((const char *)(h + 1), number) == 0) {
            *slot = i;
            return p;
        }
    }
    *slot = i;
    return NULL;
}

static void pend_add(store_import_t *im, const inv_number_t *row, bool update)
{
    size_t slot = 0;
    if (im->npend * 2 >= im->nslots) {
        /* grow the table (and rehash) before it is half full */
        size_t n = im->nslots ? im->nslots * 2 : 1 << 16;
        free(im->slots);
        im->slots = xcalloc(n, sizeof *im->slots);
        im->nslots = n;
        for (size_t k = 0; k < im->npend; k++) {
            const packed_head_t *h = (const void *)(im->arena + im->pend[k].off);
            pend_find(im, (const char *)(h + 1), &slot);
            im->slots[slot] = (uint32_t)(k + 1);
        }
    }
    pend_t *p = pend_find(im, row->number, &slot);
    if (p) {
        /* the same number twice in a batch: the later row wins, as if the
         * first had been written and then updated */
        p->off = pack_row(im, row);
        return;
    }
    if (im->npend == im->pcap) {
        im->pcap = im->pcap ? im->pcap * 2 : 4096;
        im->pend = xrealloc(im->pend, im->pcap * sizeof *im->pend);
    }
    im->pend[im->npend] = (pend_t){pack_row(im, row), update};
    im->slots[slot] = (uint32_t)(++im->npend);
}

typedef struct {
    const char *number;  /* in the arena, which no longer moves */
    const pend_t *p;
} sort_key_t;

static int key_cmp(const void *a, const void *b)
{
    return strcmp(((const sort_key_t *)a)->number, ((const sort_key_t *)b)->number);
}

/* Makes the batch's writes, in number order, and empties it. */
static int import_flush(store_import_t *im)
{
    conn_t *c = im->c;
    int rc = ST_OK;
    sort_key_t *keys = xmalloc((im->npend + 1) * sizeof *keys);
    for (size_t i = 0; i < im->npend; i++)
        keys[i] = (sort_key_t){im->arena + im->pend[i].off + sizeof(packed_head_t), &im->pend[i]};
    qsort(keys, im->npend, sizeof *keys, key_cmp);
    inv_number_t *row = xmalloc(sizeof *row);
    for (size_t i = 0; i < im->npend && rc == ST_OK; i++) {
        unpack_row(im->arena + keys[i].p->off, row);
        sqlite3_stmt *q = stmt(c, keys[i].p->update ? Q_IMPORT_UPDATE : Q_IMPORT_INSERT);
        if (!q) {
            rc = ST_ERR;
            break;
        }
        bind_inv(q, row, im->now);
        rc = step_done(c, q, "import write");
        done_stmt(q);
    }
    free(row);
    free(keys);
    im->npend = 0;
    im->alen = 0;
    if (im->slots) memset(im->slots, 0, im->nslots * sizeof *im->slots);
    return rc;
}

/* An import runs on a connection of its own: a streamed HTTP import spans
 * many calls on a worker thread, and requests that thread serves meanwhile
 * must not land inside the import's transaction. */
static int sq_import_begin(store_t *st, bool dry_run, store_import_t **out)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    conn_t *c = xcalloc(1, sizeof *c);
    if (open_db(s->path, &c->db) != ST_OK) {
        free(c);
        return ST_ERR;
    }
    /* A large page cache keeps the index pages that random-order inserts
     * touch in memory for the length of the import. */
    if (exec_sql(c->db, "PRAGMA cache_size=-262144") != ST_OK ||
        exec_sql(c->db, dry_run ? "BEGIN" : "BEGIN IMMEDIATE") != ST_OK) {
        conn_close(c);
        return ST_ERR;
    }
    store_import_t *im = xcalloc(1, sizeof *im);
    im->s = s;
    im->c = c;
    im->dry_run = dry_run;
    im->now = clock_now();
    *out = im;
    return ST_OK;
}

static int sq_import_row(store_import_t *im, const inv_number_t *row, import_outcome_t *out)
{
    conn_t *c = im->c;
    sqlite3_stmt *sel = stmt(c, Q_IMPORT_SELECT);
    if (!sel) return ST_ERR;
    bind_text(sel, 1, row->number);
    int rc = sqlite3_step(sel);
    bool exists = rc == SQLITE_ROW;
    bool updatable = exists && sqlite3_column_int(sel, 0) == NUM_AVAILABLE &&
                     sqlite3_column_int(sel, 1) == SRC_INVENTORY;
    done_stmt(sel);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        log_db_error(c->db, "import select");
        return ST_ERR;
    }
    size_t slot;
    if (!exists && pend_find(im, row->number, &slot)) {
        /* earlier in this batch: written (in the dry run: would be) by now */
        exists = updatable = true;
    }
    if (exists && !updatable) {
        *out = IMPORT_REFUSED;
        return ST_OK;
    }
    *out = exists ? IMPORT_UPDATED : IMPORT_INSERTED;
    pend_add(im, row, exists);
    return ST_OK;
}

static void import_free(store_import_t *im)
{
    conn_close(im->c);
    free(im->arena);
    free(im->pend);
    free(im->slots);
    free(im);
}

static int sq_import_commit_batch(store_import_t *im)
{
    if (im->dry_run) {
        /* nothing is written: forget the batch, keep memory bounded */
        im->npend = im->alen = 0;
        if (im->slots) memset(im->slots, 0, im->nslots * sizeof *im->slots);
        return ST_OK;
    }
    if (import_flush(im) != ST_OK) return ST_ERR;
    if (exec_sql(im->c->db, "COMMIT") != ST_OK) return ST_ERR;
    return exec_sql(im->c->db, "BEGIN IMMEDIATE");
}

static int sq_import_end(store_import_t *im, bool commit)
{
    int rc = ST_OK;
    if (commit && !im->dry_run) rc = import_flush(im);
    if (rc == ST_OK && commit && !im->dry_run) rc = exec_sql(im->c->db, "COMMIT");
    if (rc != ST_OK || !commit || im->dry_run) exec_sql(im->c->db, "ROLLBACK");
    /* Fresh statistics let the planner pick the most selective search
     * index; a sampled ANALYZE costs milliseconds, not a table scan. */
    if (rc == ST_OK && commit && !im->dry_run)
        exec_sql(im->c->db, "PRAGMA analysis_limit=1000; ANALYZE;");
    import_free(im);
    return rc;
}

static int sq_inventory_stats(store_t *st, store_stats_cb cb, void *ud)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_STATS) : NULL;
    if (!q) return ST_ERR;
    int rc, ret = ST_OK;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        stats_row_t r;
        col_copy(q, 0, r.country_iso, sizeof r.country_iso);
        col_copy(q, 1, r.type, sizeof r.type);
        r.state = (num_state_t)sqlite3_column_int(q, 2);
        r.count = sqlite3_column_int64(q, 3);
        if (cb(&r, ud) != C_OK) break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        log_db_error(c->db, "stats");
        ret = ST_ERR;
    }
    done_stmt(q);
    return ret;
}

/* ---- lists: one page of rows and the exact total, in one snapshot ------ */

typedef void (*row_reader_fn)(sqlite3_stmt *q, void *rows, size_t i);

/* Steps rows_q for up to limit rows (read by rd into rows) and count_q for
 * the total, inside one read transaction so both see the same data.
 * Both statements are bound by the caller and reset here. */
static int page_and_count(store_t *st, conn_t *c, sqlite3_stmt *rows_q, sqlite3_stmt *count_q,
                          int limit, row_reader_fn rd, void *rows, size_t *nrows, int64_t *total,
                          const char *what)
{
    int ret = ST_ERR, rc;
    *nrows = 0;
    *total = 0;
    if (sq_tx_begin(st, false) == ST_OK) {
        while ((rc = sqlite3_step(rows_q)) == SQLITE_ROW && *nrows < (size_t)limit)
            rd(rows_q, rows, (*nrows)++);
        if ((rc == SQLITE_ROW || rc == SQLITE_DONE) && sqlite3_step(count_q) == SQLITE_ROW) {
            *total = sqlite3_column_int64(count_q, 0);
            ret = ST_OK;
        }
        if (ret == ST_OK) {
            ret = sq_tx_commit(st);
        } else {
            log_db_error(c->db, what);
            sq_tx_rollback(st);
        }
    }
    done_stmt(rows_q);
    done_stmt(count_q);
    return ret;
}

/* ---- search and purchase ----------------------------------------------- */

static void read_inv(sqlite3_stmt *q, inv_number_t *r)
{
    col_copy(q, 0, r->number, sizeof r->number);
    col_copy(q, 1, r->country_iso, sizeof r->country_iso);
    col_copy(q, 2, r->type, sizeof r->type);
    col_copy(q, 3, r->sub_type, sizeof r->sub_type);
    col_copy(q, 4, r->prefix, sizeof r->prefix);
    col_copy(q, 5, r->city, sizeof r->city);
    col_copy(q, 6, r->region, sizeof r->region);
    col_copy(q, 7, r->rate_center, sizeof r->rate_center);
    r->lata = sqlite3_column_type(q, 8) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 8);
    r->voice = sqlite3_column_int(q, 9) != 0;
    r->sms = sqlite3_column_int(q, 10) != 0;
    r->mms = sqlite3_column_int(q, 11) != 0;
    r->setup_rate = col_money(q, 12);
    r->monthly_rental_rate = col_money(q, 13);
    r->voice_rate = col_money(q, 14);
    r->sms_rate = col_money(q, 15);
    r->mms_rate = col_money(q, 16);
    col_copy(q, 17, r->restriction, sizeof r->restriction);
    col_copy(q, 18, r->restriction_text, sizeof r->restriction_text);
    col_copy(q, 19, r->carrier, sizeof r->carrier);
}

static void rd_inv(sqlite3_stmt *q, void *rows, size_t i)
{
    read_inv(q, &((inv_number_t *)rows)[i]);
}

/* Binds a builder's values, value i to parameter i + 1, up to the
 * statement's highest parameter (statements sharing one builder may end
 * before its last values: sqlwhere.h). */
static void bind_vals(sqlite3_stmt *s, const sqlw_t *w)
{
    int n = sqlite3_bind_parameter_count(s);
    for (int i = 0; i < n && (size_t)i < w->n; i++) {
        const sqlw_val_t *v = &w->v[i];
        if (v->kind == SQLW_TEXT) sqlite3_bind_text(s, i + 1, v->text, -1, SQLITE_STATIC);
        else sqlite3_bind_int64(s, i + 1, v->i);
    }
}

static int resolve_lca(conn_t *c, const search_q_t *q, sqlw_lca_t *out)
{
    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_lca_lookup(&w, q);
    out->have = false;
    int rc = SQLITE_ERROR;
    sqlite3_stmt *s = stmt_dyn(c, w.sql.data);
    if (s) {
        bind_vals(s, &w);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            col_copy(s, 0, out->rc, sizeof out->rc);
            out->lata = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 1);
            out->have = true;
        } else if (rc != SQLITE_DONE) {
            log_db_error(c->db, "local calling area");
        }
        done_stmt(s);
    }
    sqlw_free(&w);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? ST_OK : ST_ERR;
}

/* Runs a page statement and its count statement, both built on w and
 * bound from it, with page_and_count. */
static int page_dyn(store_t *st, conn_t *c, const sqlw_t *w, const char *sql_rows,
                    const char *sql_count, int limit, row_reader_fn rd, void *rows,
                    size_t *nrows, int64_t *total, const char *what)
{
    sqlite3_stmt *r = stmt_dyn(c, sql_rows);
    sqlite3_stmt *n = r ? stmt_dyn(c, sql_count) : NULL;
    if (!n) return ST_ERR;
    bind_vals(r, w);
    bind_vals(n, w);
    return page_and_count(st, c, r, n, limit, rd, rows, nrows, total, what);
}

static int sq_number_search(store_t *st, const search_q_t *q, inv_number_t *rows,
                            size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    *nrows = 0;
    *total = 0;

    sqlw_lca_t lca = {.have = false};
    if (q->lca_prefix[0]) {
        if (resolve_lca(c, q, &lca) != ST_OK) return ST_ERR;
        if (!lca.have) return ST_OK; /* unknown NPA-NXX: nothing in its area */
    }

    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_search(&w, q, &lca);
    buf_t rs = BUF_INIT, cs = BUF_INIT;
    /* The count stops at a cap (store.h): counting every match of a broad
     * search is O(matches), and search must cost the same at 10,000 and
     * at 5,000,000 numbers. */
    int64_t cap = (int64_t)q->offset + q->limit + 1;
    if (cap < SEARCH_COUNT_CAP) cap = SEARCH_COUNT_CAP;
    buf_printf(&cs, "SELECT count(*) FROM (SELECT 1 FROM numbers %s LIMIT ", w.sql.data);
    sqlw_param(&w, &cs, cap);
    buf_putc(&cs, ')');
    buf_printf(&rs, "SELECT " INV_COLS " FROM numbers %s ORDER BY number LIMIT ", w.sql.data);
    sqlw_param(&w, &rs, q->limit);
    buf_puts(&rs, " OFFSET ");
    sqlw_param(&w, &rs, q->offset);
    int ret = page_dyn(st, c, &w, rs.data, cs.data, q->limit, rd_inv, rows, nrows, total,
                       "search");
    buf_free(&rs);
    buf_free(&cs);
    sqlw_free(&w);
    return ret;
}

static int sq_number_get_available(store_t *st, const char *number, inv_number_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_NUMBER_GET_AVAILABLE) : NULL;
    if (!q) return ST_ERR;
    bind_text(q, 1, number);
    return one_row(c, q, rd_inv, out, "number get");
}

static int sq_number_buy(store_t *st, const buy_row_t *b)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_NUMBER_BUY) : NULL;
    if (!q) return ST_ERR;
    bind_text(q, 1, b->number);
    sqlite3_bind_int(q, 2, (int)b->state);
    sqlite3_bind_int64(q, 3, b->account_id);
    if (b->sub_id) sqlite3_bind_int64(q, 4, b->sub_id);
    bind_text(q, 5, b->app_id);
    bind_text(q, 6, b->cnam_lookup);
    bind_text(q, 7, b->compliance_id);
    bind_text(q, 8, b->added_on);
    bind_text(q, 9, b->renewal_date);
    sqlite3_bind_int64(q, 10, clock_now());
    bind_text(q, 11, b->byoc_id);
    int rc = step_done(c, q, "buy");
    done_stmt(q);
    if (rc != ST_OK) return rc;
    return sqlite3_changes(c->db) == 1 ? ST_OK : ST_NOTFOUND;
}

static int sq_number_approve(store_t *st, const char *number)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *q = stmt(c, Q_NUMBER_APPROVE);
    if (!q) return ST_ERR;
    bind_text(q, 1, number);
    sqlite3_bind_int64(q, 2, clock_now());
    int rc = step_done(c, q, "approve");
    done_stmt(q);
    if (rc != ST_OK) return rc;
    if (sqlite3_changes(c->db) == 1) return ST_OK;
    sqlite3_stmt *s = stmt(c, Q_NUMBER_STATE);
    if (!s) return ST_ERR;
    bind_text(s, 1, number);
    rc = sqlite3_step(s);
    done_stmt(s);
    return rc == SQLITE_ROW ? ST_CONFLICT : ST_NOTFOUND;
}

/* ---- owned numbers ------------------------------------------------------ */

static void read_owned(sqlite3_stmt *q, owned_number_t *o)
{
    memset(o, 0, sizeof *o);
    read_inv(q, &o->inv);
    o->state = (num_state_t)sqlite3_column_int(q, 20);
    o->source = (num_source_t)sqlite3_column_int(q, 21);
    o->owner_id = sqlite3_column_int64(q, 22);
    o->sub_id = sqlite3_column_int64(q, 23);
    col_copy(q, 24, o->sub_auth_id, sizeof o->sub_auth_id);
    col_copy(q, 25, o->app_id, sizeof o->app_id);
    col_copy(q, 26, o->alias, sizeof o->alias);
    col_copy(q, 27, o->added_on, sizeof o->added_on);
    col_copy(q, 28, o->renewal_date, sizeof o->renewal_date);
    col_copy(q, 29, o->compliance_id, sizeof o->compliance_id);
    col_copy(q, 30, o->cnam_lookup, sizeof o->cnam_lookup);
    col_copy(q, 31, o->cnam, sizeof o->cnam);
    col_copy(q, 32, o->cnam_callback_url, sizeof o->cnam_callback_url);
    col_copy(q, 33, o->cnam_callback_method, sizeof o->cnam_callback_method);
    col_copy(q, 34, o->caller_reputation_status, sizeof o->caller_reputation_status);
    col_copy(q, 35, o->profile_uuid, sizeof o->profile_uuid);
    col_copy(q, 36, o->cr_callback_url, sizeof o->cr_callback_url);
    col_copy(q, 37, o->cr_callback_method, sizeof o->cr_callback_method);
    col_copy(q, 38, o->tendlc_registration_status, sizeof o->tendlc_registration_status);
    col_copy(q, 39, o->tendlc_campaign_id, sizeof o->tendlc_campaign_id);
    col_copy(q, 40, o->toll_free_sms_verification, sizeof o->toll_free_sms_verification);
    o->carrier_id = sqlite3_column_int64(q, 41);
    o->created_at = sqlite3_column_int64(q, 42);
    o->updated_at = sqlite3_column_int64(q, 43);
    col_copy(q, 44, o->byoc_id, sizeof o->byoc_id);
    col_copy(q, 45, o->label, sizeof o->label);
    col_copy(q, 46, o->carrier_sid, sizeof o->carrier_sid);
}

static void rd_owned(sqlite3_stmt *q, void *rows, size_t i)
{
    read_owned(q, &((owned_number_t *)rows)[i]);
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    bind_text(st, i, (s && *s) ? s : NULL);
}

static int sq_number_list(store_t *st, const numlist_q_t *q, owned_number_t *rows,
                          size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    *nrows = 0;
    *total = 0;
    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_numlist(&w, q);
    buf_t rs = BUF_INIT, cs = BUF_INIT;
    buf_printf(&cs, "SELECT count(*) FROM numbers n %s", w.sql.data);
    buf_printf(&rs, OWNED_SELECT "%s ORDER BY n.number LIMIT ", w.sql.data);
    sqlw_param(&w, &rs, q->limit);
    buf_puts(&rs, " OFFSET ");
    sqlw_param(&w, &rs, q->offset);
    int ret = page_dyn(st, c, &w, rs.data, cs.data, q->limit, rd_owned, rows, nrows, total,
                       "number list");
    buf_free(&rs);
    buf_free(&cs);
    sqlw_free(&w);
    return ret;
}

static int sq_number_get_owned(store_t *st, int64_t owner_id, int64_t sub_id, const char *number,
                               owned_number_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_OWNED_GET) : NULL;
    if (!q) return ST_ERR;
    bind_text(q, 1, number);
    sqlite3_bind_int64(q, 2, owner_id);
    sqlite3_bind_int64(q, 3, sub_id);
    return one_row(c, q, rd_owned, out, "owned number get");
}

static int sq_number_get_byoc(store_t *st, int64_t owner_id, const char *byoc_id,
                              owned_number_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_OWNED_GET_BYOC) : NULL;
    if (!q) return ST_ERR;
    bind_text(q, 1, byoc_id);
    sqlite3_bind_int64(q, 2, owner_id);
    return one_row(c, q, rd_owned, out, "owned number get (byoc)");
}

static int sq_number_get_any(store_t *st, const char *number, owned_number_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_OWNED_GET_ANY) : NULL;
    if (!q) return ST_ERR;
    bind_text(q, 1, number);
    return one_row(c, q, rd_owned, out, "owned number get");
}

static int sq_number_update_owned(store_t *st, const owned_number_t *n)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_OWNED_UPDATE) : NULL;
    if (!q) return ST_ERR;
    bind_text(q, 1, n->inv.number);
    sqlite3_bind_int64(q, 2, n->owner_id);
    if (n->sub_id) sqlite3_bind_int64(q, 3, n->sub_id);
    bind_text_or_null(q, 4, n->app_id);
    bind_text_or_null(q, 5, n->alias);
    bind_text_or_null(q, 6, n->compliance_id);
    bind_text_or_null(q, 7, n->cnam_lookup);
    bind_text_or_null(q, 8, n->cnam);
    bind_text_or_null(q, 9, n->cnam_callback_url);
    bind_text_or_null(q, 10, n->cnam_callback_method);
    bind_text_or_null(q, 11, n->caller_reputation_status);
    bind_text_or_null(q, 12, n->profile_uuid);
    bind_text_or_null(q, 13, n->cr_callback_url);
    bind_text_or_null(q, 14, n->cr_callback_method);
    bind_text_or_null(q, 15, n->tendlc_registration_status);
    bind_text_or_null(q, 16, n->tendlc_campaign_id);
    bind_text_or_null(q, 17, n->toll_free_sms_verification);
    sqlite3_bind_int64(q, 18, clock_now());
    int rc = step_done(c, q, "owned number update");
    done_stmt(q);
    if (rc != ST_OK) return rc;
    return sqlite3_changes(c->db) == 1 ? ST_OK : ST_NOTFOUND;
}

static int sq_number_release(store_t *st, int64_t owner_id, const char *number, bool to_available)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *q = stmt(c, Q_RELEASE_INVENTORY);
    if (!q) return ST_ERR;
    bind_text(q, 1, number);
    sqlite3_bind_int64(q, 2, owner_id);
    sqlite3_bind_int(q, 3, to_available ? NUM_AVAILABLE : NUM_AGING);
    sqlite3_bind_int64(q, 4, clock_now());
    int rc = step_done(c, q, "release");
    done_stmt(q);
    if (rc != ST_OK) return rc;
    if (sqlite3_changes(c->db) == 1) return ST_OK;
    /* not an inventory number: a customer's own number is removed */
    q = stmt(c, Q_RELEASE_CUSTOMER);
    if (!q) return ST_ERR;
    bind_text(q, 1, number);
    sqlite3_bind_int64(q, 2, owner_id);
    rc = step_done(c, q, "release (delete)");
    done_stmt(q);
    if (rc != ST_OK) return rc;
    return sqlite3_changes(c->db) == 1 ? ST_OK : ST_NOTFOUND;
}

static int sq_aging_sweep(store_t *st, int64_t cutoff, int64_t *returned)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_AGING_SWEEP) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, cutoff);
    sqlite3_bind_int64(q, 2, clock_now());
    int rc = step_done(c, q, "aging sweep");
    done_stmt(q);
    if (returned) *returned = rc == ST_OK ? sqlite3_changes(c->db) : 0;
    return rc;
}

/* ---- subaccounts -------------------------------------------------------- */

static int sq_sub_list(store_t *st, int64_t parent_id, int limit, int offset, account_t *rows,
                       size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *q = stmt(c, Q_SUB_LIST), *n = stmt(c, Q_SUB_COUNT);
    if (!q || !n) return ST_ERR;
    *nrows = 0;
    sqlite3_bind_int64(q, 1, parent_id);
    sqlite3_bind_int(q, 2, limit);
    sqlite3_bind_int(q, 3, offset);
    sqlite3_bind_int64(n, 1, parent_id);
    return page_and_count(st, c, q, n, limit, rd_account, rows, nrows, total, "subaccount list");
}

static int sq_account_update(store_t *st, const account_t *a)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_ACCOUNT_UPDATE) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, a->id);
    bind_text(q, 2, a->name);
    sqlite3_bind_int(q, 3, a->enabled);
    sqlite3_bind_int64(q, 4, a->modified_at);
    int rc = step_done(c, q, "account update");
    done_stmt(q);
    if (rc != ST_OK) return rc;
    return sqlite3_changes(c->db) == 1 ? ST_OK : ST_NOTFOUND;
}

/* Runs one fixed statement binding (a, b); b < 0 means "bind now()". */
static int exec_2(conn_t *c, int which, int64_t a, int64_t b)
{
    sqlite3_stmt *q = stmt(c, which);
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, a);
    sqlite3_bind_int64(q, 2, b < 0 ? clock_now() : b);
    int rc = step_done(c, q, q_sql[which]);
    done_stmt(q);
    return rc;
}

static int sq_sub_delete(store_t *st, int64_t parent_id, int64_t sub_id)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    if (exec_2(c, Q_SUB_MOVE_NUMBERS, sub_id, -1) != ST_OK) return ST_ERR;
    if (exec_2(c, Q_SUB_MOVE_APPS, sub_id, -1) != ST_OK) return ST_ERR;
    if (exec_2(c, Q_SUB_MOVE_CARRIERS, sub_id, -1) != ST_OK) return ST_ERR;
    sqlite3_stmt *q = stmt(c, Q_SUB_DELETE_IDEM);
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, sub_id);
    int rc = step_done(c, q, "subaccount idempotency");
    done_stmt(q);
    if (rc != ST_OK) return rc;
    if (exec_2(c, Q_SUB_DELETE, sub_id, parent_id) != ST_OK) return ST_ERR;
    return sqlite3_changes(c->db) == 1 ? ST_OK : ST_NOTFOUND;
}

/* ---- applications ------------------------------------------------------- */

static void read_app(sqlite3_stmt *q, app_t *a)
{
    memset(a, 0, sizeof *a);
    col_copy(q, 0, a->app_id, sizeof a->app_id);
    a->account_id = sqlite3_column_int64(q, 1);
    a->sub_id = sqlite3_column_int64(q, 2);
    col_copy(q, 3, a->sub_auth_id, sizeof a->sub_auth_id);
    col_copy(q, 4, a->app_name, sizeof a->app_name);
    col_copy(q, 5, a->answer_url, sizeof a->answer_url);
    col_copy(q, 6, a->answer_method, sizeof a->answer_method);
    col_copy(q, 7, a->hangup_url, sizeof a->hangup_url);
    col_copy(q, 8, a->hangup_method, sizeof a->hangup_method);
    col_copy(q, 9, a->fallback_answer_url, sizeof a->fallback_answer_url);
    col_copy(q, 10, a->fallback_method, sizeof a->fallback_method);
    col_copy(q, 11, a->message_url, sizeof a->message_url);
    col_copy(q, 12, a->message_method, sizeof a->message_method);
    a->default_number_app = sqlite3_column_int(q, 13) != 0;
    a->default_endpoint_app = sqlite3_column_int(q, 14) != 0;
    a->public_uri = sqlite3_column_int(q, 15) != 0;
    a->log_incoming_messages = sqlite3_column_int(q, 16) != 0;
    a->created_at = sqlite3_column_int64(q, 17);
    a->modified_at = sqlite3_column_int64(q, 18);
    a->is_voice_request = sqlite3_column_int(q, 19) != 0;
}

static void rd_app(sqlite3_stmt *q, void *rows, size_t i)
{
    read_app(q, &((app_t *)rows)[i]);
}

static void bind_app_fields(sqlite3_stmt *q, const app_t *a, int first)
{
    int i = first;
    bind_text(q, i++, a->app_name);
    bind_text(q, i++, a->answer_url);
    bind_text(q, i++, a->answer_method);
    bind_text_or_null(q, i++, a->hangup_url);
    bind_text(q, i++, a->hangup_method);
    bind_text_or_null(q, i++, a->fallback_answer_url);
    bind_text(q, i++, a->fallback_method);
    bind_text_or_null(q, i++, a->message_url);
    bind_text(q, i++, a->message_method);
    sqlite3_bind_int(q, i++, a->default_number_app);
    sqlite3_bind_int(q, i++, a->default_endpoint_app);
    sqlite3_bind_int(q, i++, a->public_uri);
    sqlite3_bind_int(q, i++, a->log_incoming_messages);
    sqlite3_bind_int(q, 18, a->is_voice_request);
}

static int sq_app_insert(store_t *st, const app_t *a)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_APP_INSERT) : NULL;
    if (!q) return ST_ERR;
    bind_text(q, 1, a->app_id);
    sqlite3_bind_int64(q, 2, a->account_id);
    if (a->sub_id) sqlite3_bind_int64(q, 3, a->sub_id);
    bind_app_fields(q, a, 4);
    sqlite3_bind_int64(q, 17, a->created_at);
    int rc = step_done(c, q, "application insert");
    done_stmt(q);
    return rc;
}

static int sq_app_get(store_t *st, int64_t account_id, int64_t sub_id, const char *app_id, app_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_APP_GET) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    bind_text(q, 2, app_id);
    sqlite3_bind_int64(q, 3, sub_id);
    return one_row(c, q, rd_app, out, "application get");
}

static int sq_app_list(store_t *st, int64_t account_id, int64_t sub_id, const char *app_name,
                       int limit, int offset, app_t *rows, size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *q = stmt(c, Q_APP_LIST), *n = stmt(c, Q_APP_COUNT);
    if (!q || !n) return ST_ERR;
    *nrows = 0;
    sqlite3_stmt *both[2] = {q, n};
    for (int k = 0; k < 2; k++) {
        sqlite3_bind_int64(both[k], 1, account_id);
        sqlite3_bind_int64(both[k], 2, sub_id);
        bind_text(both[k], 3, app_name);
    }
    sqlite3_bind_int(q, 4, limit);
    sqlite3_bind_int(q, 5, offset);
    return page_and_count(st, c, q, n, limit, rd_app, rows, nrows, total, "application list");
}

static int sq_app_update(store_t *st, const app_t *a)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_APP_UPDATE) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, a->account_id);
    bind_text(q, 2, a->app_id);
    if (a->sub_id) sqlite3_bind_int64(q, 3, a->sub_id);
    bind_app_fields(q, a, 4);
    sqlite3_bind_int64(q, 17, a->modified_at);
    int rc = step_done(c, q, "application update");
    done_stmt(q);
    if (rc != ST_OK) return rc;
    return sqlite3_changes(c->db) == 1 ? ST_OK : ST_NOTFOUND;
}

static int sq_app_delete(store_t *st, int64_t account_id, const char *app_id)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *u = stmt(c, Q_APP_UNLINK), *d = stmt(c, Q_APP_DELETE);
    if (!u || !d) return ST_ERR;
    sqlite3_bind_int64(u, 1, account_id);
    bind_text(u, 2, app_id);
    sqlite3_bind_int64(u, 3, clock_now());
    int rc = step_done(c, u, "application unlink");
    done_stmt(u);
    if (rc != ST_OK) return rc;
    sqlite3_bind_int64(d, 1, account_id);
    bind_text(d, 2, app_id);
    rc = step_done(c, d, "application delete");
    done_stmt(d);
    if (rc != ST_OK) return rc;
    return sqlite3_changes(c->db) == 1 ? ST_OK : ST_NOTFOUND;
}

static int sq_app_clear_default(store_t *st, int64_t account_id)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_APP_CLEAR_DEFAULT) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    int rc = step_done(c, q, "application clear default");
    done_stmt(q);
    return rc;
}

/* ---- applications, compliance ------------------------------------------ */

static int sq_app_exists(store_t *st, int64_t account_id, const char *app_id)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_APP_EXISTS) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    bind_text(q, 2, app_id);
    int rc = sqlite3_step(q);
    done_stmt(q);
    if (rc == SQLITE_ROW) return ST_OK;
    return rc == SQLITE_DONE ? ST_NOTFOUND : ST_ERR;
}

static int sq_app_default(store_t *st, int64_t account_id, char out[MODEL_APP_ID_SZ])
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_APP_DEFAULT) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) col_copy(q, 0, out, MODEL_APP_ID_SZ);
    done_stmt(q);
    if (rc == SQLITE_ROW) return ST_OK;
    return rc == SQLITE_DONE ? ST_NOTFOUND : ST_ERR;
}

static int sq_compliance_insert(store_t *st, const compliance_t *cp)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_COMPLIANCE_INSERT) : NULL;
    if (!q) return ST_ERR;
    bind_text(q, 1, cp->id);
    sqlite3_bind_int64(q, 2, cp->account_id);
    bind_text(q, 3, cp->country_iso);
    bind_text(q, 4, cp->number_type);
    sqlite3_bind_int(q, 5, cp->approved);
    sqlite3_bind_int64(q, 6, clock_now());
    int rc = step_done(c, q, "compliance insert");
    done_stmt(q);
    return rc;
}

static int read_compliance(conn_t *c, sqlite3_stmt *q, compliance_t *out)
{
    int rc = sqlite3_step(q), ret = ST_NOTFOUND;
    if (rc == SQLITE_ROW) {
        col_copy(q, 0, out->id, sizeof out->id);
        out->account_id = sqlite3_column_int64(q, 1);
        col_copy(q, 2, out->country_iso, sizeof out->country_iso);
        col_copy(q, 3, out->number_type, sizeof out->number_type);
        out->approved = sqlite3_column_int(q, 4) != 0;
        ret = ST_OK;
    } else if (rc != SQLITE_DONE) {
        log_db_error(c->db, "compliance");
        ret = ST_ERR;
    }
    done_stmt(q);
    return ret;
}

static int sq_compliance_get(store_t *st, int64_t account_id, const char *id, compliance_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_COMPLIANCE_GET) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    bind_text(q, 2, id);
    return read_compliance(c, q, out);
}

static int sq_compliance_latest(store_t *st, int64_t account_id, const char *country_iso,
                                const char *type, const char *sub_type, compliance_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_COMPLIANCE_LATEST) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    bind_text(q, 2, country_iso);
    bind_text(q, 3, type);
    bind_text(q, 4, sub_type);
    return read_compliance(c, q, out);
}

/* ---- idempotency -------------------------------------------------------- */

/* ---- carriers ---------------------------------------------------------- */

static void col_blob(sqlite3_stmt *q, int i, uint8_t *out, size_t sz, size_t *n)
{
    size_t len = (size_t)sqlite3_column_bytes(q, i);
    const void *b = sqlite3_column_blob(q, i);
    *n = 0;
    if (b && len <= sz) {
        memcpy(out, b, len);
        *n = len;
    }
}

static void read_carrier(sqlite3_stmt *q, carrier_t *c)
{
    memset(c, 0, sizeof *c);
    c->id = sqlite3_column_int64(q, 0);
    col_copy(q, 1, c->uuid, sizeof c->uuid);
    col_copy(q, 2, c->voip_sid, sizeof c->voip_sid);
    col_copy(q, 3, c->carrier_id, sizeof c->carrier_id);
    c->account_id = sqlite3_column_int64(q, 4);
    c->sub_id = sqlite3_column_int64(q, 5);
    col_copy(q, 6, c->sub_auth_id, sizeof c->sub_auth_id);
    col_copy(q, 7, c->name, sizeof c->name);
    c->trunk = (trunk_type_t)sqlite3_column_int(q, 8);
    c->voice = sqlite3_column_int(q, 9) != 0;
    c->sms = sqlite3_column_int(q, 10) != 0;
    col_copy(q, 11, c->in_user, sizeof c->in_user);
    col_blob(q, 12, c->in_box, sizeof c->in_box, &c->in_box_len);
    col_copy(q, 13, c->reg_user, sizeof c->reg_user);
    col_blob(q, 14, c->reg_box, sizeof c->reg_box, &c->reg_box_len);
    col_copy(q, 15, c->reg_realm, sizeof c->reg_realm);
    col_copy(q, 16, c->reg_from_user, sizeof c->reg_from_user);
    col_copy(q, 17, c->reg_from_domain, sizeof c->reg_from_domain);
    c->reg_expires = sqlite3_column_int(q, 18);
    c->created_at = sqlite3_column_int64(q, 19);
    c->updated_at = sqlite3_column_int64(q, 20);
    c->nnumbers = sqlite3_column_int64(q, 21);
}

static void rd_carrier(sqlite3_stmt *q, void *rows, size_t i)
{
    read_carrier(q, &((carrier_t *)rows)[i]);
}

static void bind_blob_or_null(sqlite3_stmt *q, int i, const uint8_t *b, size_t n)
{
    if (n) sqlite3_bind_blob(q, i, b, (int)n, SQLITE_STATIC);
    else sqlite3_bind_null(q, i);
}

/* Positions 1-19 of Q_CARRIER_INSERT (Q_CARRIER_UPDATE uses the same). */
static void bind_carrier(sqlite3_stmt *q, const carrier_t *c)
{
    bind_text(q, 1, c->uuid);
    bind_text(q, 2, c->voip_sid);
    bind_text(q, 3, c->carrier_id);
    sqlite3_bind_int64(q, 4, c->account_id);
    if (c->sub_id) sqlite3_bind_int64(q, 5, c->sub_id);
    bind_text(q, 6, c->name);
    sqlite3_bind_int(q, 7, (int)c->trunk);
    sqlite3_bind_int(q, 8, c->voice);
    sqlite3_bind_int(q, 9, c->sms);
    bind_text_or_null(q, 10, c->in_user);
    bind_blob_or_null(q, 11, c->in_box, c->in_box_len);
    bind_text_or_null(q, 12, c->reg_user);
    bind_blob_or_null(q, 13, c->reg_box, c->reg_box_len);
    bind_text_or_null(q, 14, c->reg_realm);
    bind_text_or_null(q, 15, c->reg_from_user);
    bind_text_or_null(q, 16, c->reg_from_domain);
    if (c->reg_expires) sqlite3_bind_int(q, 17, c->reg_expires);
    sqlite3_bind_int64(q, 18, c->created_at);
    sqlite3_bind_int64(q, 19, c->updated_at);
}

static int gw_write(conn_t *c, const carrier_t *cr)
{
    sqlite3_stmt *q = stmt(c, Q_GW_INSERT);
    if (!q) return ST_ERR;
    for (size_t i = 0; i < cr->ngw; i++) {
        const gateway_t *g = &cr->gw[i];
        sqlite3_bind_int64(q, 1, cr->id);
        sqlite3_bind_int64(q, 2, (int64_t)i);
        bind_text(q, 3, g->sid);
        bind_text(q, 4, g->address);
        sqlite3_bind_int(q, 5, g->port);
        sqlite3_bind_int(q, 6, g->netmask);
        sqlite3_bind_int(q, 7, g->inbound);
        sqlite3_bind_int(q, 8, g->outbound);
        int rc = step_done(c, q, "gateway insert");
        done_stmt(q);
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

static int gw_read(conn_t *c, carrier_t *cr)
{
    sqlite3_stmt *q = stmt(c, Q_GW_READ);
    if (!q) return ST_ERR;
    size_t cap = 0;
    int rc;
    sqlite3_bind_int64(q, 1, cr->id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (cr->ngw == cap) {
            cap = cap ? cap * 2 : 2;
            cr->gw = xrealloc(cr->gw, cap * sizeof *cr->gw);
        }
        gateway_t *g = &cr->gw[cr->ngw++];
        memset(g, 0, sizeof *g);
        col_copy(q, 0, g->sid, sizeof g->sid);
        col_copy(q, 1, g->address, sizeof g->address);
        g->port = sqlite3_column_int(q, 2);
        g->netmask = sqlite3_column_int(q, 3);
        g->inbound = sqlite3_column_int(q, 4) != 0;
        g->outbound = sqlite3_column_int(q, 5) != 0;
    }
    done_stmt(q);
    if (rc != SQLITE_DONE) {
        log_db_error(c->db, "gateway read");
        return ST_ERR;
    }
    return ST_OK;
}

static int sq_carrier_insert(store_t *st, carrier_t *cr)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_CARRIER_INSERT) : NULL;
    if (!q) return ST_ERR;
    if (sq_tx_begin(st, true) != ST_OK) return ST_ERR;
    bind_carrier(q, cr);
    int rc = step_done(c, q, "carrier insert");
    done_stmt(q);
    if (rc == ST_OK) {
        cr->id = sqlite3_last_insert_rowid(c->db);
        rc = gw_write(c, cr);
    }
    if (rc != ST_OK) {
        sq_tx_rollback(st);
        return rc;
    }
    return sq_tx_commit(st);
}

static int sq_carrier_get(store_t *st, int64_t account_id, int64_t sub_id, const char *ref,
                          carrier_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_CARRIER_GET) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    sqlite3_bind_int64(q, 2, sub_id);
    bind_text(q, 3, ref);
    /* one snapshot for the carrier and its gateways */
    if (sq_tx_begin(st, false) != ST_OK) {
        done_stmt(q);
        return ST_ERR;
    }
    int rc = one_row(c, q, rd_carrier, out, "carrier get");
    if (rc == ST_OK && gw_read(c, out) != ST_OK) {
        carrier_clear(out);
        rc = ST_ERR;
    }
    if (sq_tx_commit(st) != ST_OK && rc == ST_OK) {
        carrier_clear(out);
        rc = ST_ERR;
    }
    return rc;
}

static int sq_carrier_list(store_t *st, int64_t account_id, int64_t sub_id, const char *name,
                           int limit, int offset, carrier_t *rows, size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *q = stmt(c, Q_CARRIER_LIST), *n = stmt(c, Q_CARRIER_COUNT);
    if (!q || !n) return ST_ERR;
    *nrows = 0;
    sqlite3_stmt *both[2] = {q, n};
    for (int k = 0; k < 2; k++) {
        sqlite3_bind_int64(both[k], 1, account_id);
        sqlite3_bind_int64(both[k], 2, sub_id);
        bind_text(both[k], 3, name);
    }
    sqlite3_bind_int(q, 4, limit);
    sqlite3_bind_int(q, 5, offset);
    /* the page, its count and the page's gateways in one snapshot */
    if (sq_tx_begin(st, false) != ST_OK) {
        done_stmt(q);
        done_stmt(n);
        return ST_ERR;
    }
    int rc = page_and_count(st, c, q, n, limit, rd_carrier, rows, nrows, total, "carrier list");
    for (size_t i = 0; rc == ST_OK && i < *nrows; i++) rc = gw_read(c, &rows[i]);
    if (sq_tx_commit(st) != ST_OK) rc = ST_ERR;
    if (rc != ST_OK) {
        carrier_clear_rows(rows, *nrows);
        *nrows = 0;
    }
    return rc;
}

static int sq_carrier_update(store_t *st, const carrier_t *cr)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *q = stmt(c, Q_CARRIER_UPDATE), *r = stmt(c, Q_CARRIER_RENAME_NUMBERS);
    if (!q || !r) return ST_ERR;
    if (sq_tx_begin(st, true) != ST_OK) return ST_ERR;
    bind_carrier(q, cr);
    sqlite3_bind_int64(q, 20, cr->id);
    int rc = step_done(c, q, "carrier update");
    done_stmt(q);
    if (rc == ST_OK && sqlite3_changes(c->db) != 1) rc = ST_NOTFOUND;
    if (rc == ST_OK) rc = exec_2(c, Q_GW_DELETE, cr->id, 0);
    if (rc == ST_OK) rc = gw_write(c, cr);
    if (rc == ST_OK) {
        /* numbers show the carrier's name: keep them in step with a rename */
        sqlite3_bind_int64(r, 1, cr->id);
        bind_text(r, 2, cr->name);
        sqlite3_bind_int64(r, 3, cr->updated_at);
        rc = step_done(c, r, "carrier rename numbers");
        done_stmt(r);
    }
    if (rc != ST_OK) {
        sq_tx_rollback(st);
        return rc;
    }
    return sq_tx_commit(st);
}

static int sq_carrier_delete(store_t *st, int64_t account_id, int64_t id, int64_t *in_use)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    sqlite3_stmt *u = stmt(c, Q_CARRIER_IN_USE);
    if (!u) return ST_ERR;
    *in_use = 0;
    /* the count and the delete under one write lock: a number added in
     * between cannot end up pointing at a deleted carrier */
    if (sq_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = ST_ERR;
    sqlite3_bind_int64(u, 1, id);
    if (sqlite3_step(u) == SQLITE_ROW) {
        *in_use = sqlite3_column_int64(u, 0);
        rc = ST_OK;
    } else {
        log_db_error(c->db, "carrier in use");
    }
    done_stmt(u);
    if (rc == ST_OK && *in_use > 0) rc = ST_CONFLICT;
    if (rc == ST_OK) rc = exec_2(c, Q_CARRIER_DELETE, id, account_id);
    if (rc == ST_OK && sqlite3_changes(c->db) != 1) rc = ST_NOTFOUND;
    if (rc != ST_OK) {
        sq_tx_rollback(st);
        return rc;
    }
    return sq_tx_commit(st);
}

static int sq_number_lookup(store_t *st, const char *number, num_state_t *state,
                            num_source_t *source, int64_t *owner_id)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_NUMBER_LOOKUP) : NULL;
    if (!q) return ST_ERR;
    bind_text(q, 1, number);
    int rc = sqlite3_step(q), ret = ST_NOTFOUND;
    if (rc == SQLITE_ROW) {
        *state = (num_state_t)sqlite3_column_int(q, 0);
        *source = (num_source_t)sqlite3_column_int(q, 1);
        *owner_id = sqlite3_column_int64(q, 2);
        ret = ST_OK;
    } else if (rc != SQLITE_DONE) {
        log_db_error(c->db, "number lookup");
        ret = ST_ERR;
    }
    done_stmt(q);
    return ret;
}

static int sq_number_insert_owned(store_t *st, const owned_number_t *n)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_NUMBER_INSERT_OWNED) : NULL;
    if (!q) return ST_ERR;
    const inv_number_t *v = &n->inv;
    bind_text(q, 1, v->number);
    bind_text(q, 2, v->country_iso);
    bind_text(q, 3, v->type);
    bind_text(q, 4, v->sub_type);
    bind_text(q, 5, v->region);
    sqlite3_bind_int(q, 6, v->voice);
    sqlite3_bind_int(q, 7, v->sms);
    sqlite3_bind_int(q, 8, v->mms);
    sqlite3_bind_int(q, 9, sqls_caps(v));
    bind_text(q, 10, v->carrier);
    sqlite3_bind_int(q, 11, (int)n->source);
    sqlite3_bind_int64(q, 12, n->owner_id);
    if (n->sub_id) sqlite3_bind_int64(q, 13, n->sub_id);
    bind_text_or_null(q, 14, n->app_id);
    bind_text_or_null(q, 15, n->added_on);
    if (n->carrier_id) sqlite3_bind_int64(q, 16, n->carrier_id);
    bind_text_or_null(q, 17, n->byoc_id);
    bind_text_or_null(q, 18, n->label);
    sqlite3_bind_int64(q, 19, n->created_at);
    int rc = step_done(c, q, "number insert");
    done_stmt(q);
    return rc;
}

/* ---- settings ------------------------------------------------------------ */

static int sq_setting_get(store_t *st, const char *name, char *out, size_t outsz)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_SETTING_GET) : NULL;
    if (!q) return ST_ERR;
    bind_text(q, 1, name);
    int rc = sqlite3_step(q), ret = ST_NOTFOUND;
    if (rc == SQLITE_ROW) {
        col_copy(q, 0, out, outsz);
        ret = ST_OK;
    } else if (rc != SQLITE_DONE) {
        log_db_error(c->db, "setting get");
        ret = ST_ERR;
    }
    done_stmt(q);
    return ret;
}

static int sq_setting_put(store_t *st, const char *name, const char *value)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_SETTING_PUT) : NULL;
    if (!q) return ST_ERR;
    bind_text(q, 1, name);
    bind_text(q, 2, value);
    int rc = step_done(c, q, "setting put");
    done_stmt(q);
    return rc;
}

static int sq_idem_get(store_t *st, int64_t account_id, const char *key, idem_row_t *out)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_IDEM_GET) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    bind_text(q, 2, key);
    int rc = sqlite3_step(q), ret = ST_NOTFOUND;
    if (rc == SQLITE_ROW) {
        out->status = sqlite3_column_int(q, 0);
        memset(out->req_hash, 0, IDS_HASH_SZ);
        if (sqlite3_column_bytes(q, 1) == IDS_HASH_SZ)
            memcpy(out->req_hash, sqlite3_column_blob(q, 1), IDS_HASH_SZ);
        const unsigned char *b = sqlite3_column_text(q, 2);
        out->body = xstrndup(b ? (const char *)b : "", (size_t)sqlite3_column_bytes(q, 2));
        out->created_at = sqlite3_column_int64(q, 3);
        ret = ST_OK;
    } else if (rc != SQLITE_DONE) {
        log_db_error(c->db, "idempotency get");
        ret = ST_ERR;
    }
    done_stmt(q);
    return ret;
}

static int sq_idem_put(store_t *st, int64_t account_id, const char *key, const idem_row_t *row)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_IDEM_PUT) : NULL;
    if (!q) return ST_ERR;
    sqlite3_bind_int64(q, 1, account_id);
    bind_text(q, 2, key);
    sqlite3_bind_blob(q, 3, row->req_hash, IDS_HASH_SZ, SQLITE_STATIC);
    sqlite3_bind_int(q, 4, row->status);
    bind_text(q, 5, row->body);
    sqlite3_bind_int64(q, 6, row->created_at);
    int rc = step_done(c, q, "idempotency put");
    done_stmt(q);
    return rc;
}

/* ---- open / close ------------------------------------------------------ */

static void sq_close(store_t *st)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    if (!s) return;
    pthread_mutex_lock(&s->lock);
    conn_t *c = s->conns;
    while (c) {
        conn_t *next = c->next;
        conn_close(c);
        c = next;
    }
    s->conns = NULL;
    pthread_mutex_unlock(&s->lock);
    pthread_setspecific(s->key, NULL);
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->write_lock);
    free(s->path);
    free(s);
}

int store_sqlite_open(const char *path, store_t **out, char **err)
{
    /* Create the file ourselves so that it is 0600 from its first byte;
     * SQLite gives the -wal and -shm files the same mode. */
    if (strcmp(path, ":memory:") != 0) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            *err = xasprintf("cannot open %s: %s", path, strerror(errno));
            return C_ERR;
        }
        close(fd);
    }
    sqlite_store_t *s = xcalloc(1, sizeof *s);
    s->base.ops = &sqlite_ops;
    s->path = xstrdup(path);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->write_lock, NULL);
    pthread_key_create(&s->key, NULL);
    conn_t *c = conn_get(s);
    if (c == NULL) {
        *err = xasprintf("cannot open SQLite database %s", path);
        sq_close(&s->base);
        return C_ERR;
    }
    *out = &s->base;
    return C_OK;
}

/* ---- operations -------------------------------------------------------- */

static int sq_ping(store_t *st)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_PING) : NULL;
    if (!q) return ST_ERR;
    int rc = sqlite3_step(q);
    int ret = (rc == SQLITE_ROW && sqlite3_column_int(q, 0) == 1) ? ST_OK : ST_ERR;
    if (rc != SQLITE_ROW) log_db_error(c->db, "ping");
    done_stmt(q);
    return ret;
}

static int sq_inventory_export(store_t *st, const char *country_iso, int state, store_inv_cb cb,
                               void *ud)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? stmt(c, Q_EXPORT) : NULL;
    if (!q) return ST_ERR;
    int ret = ST_ERR, rc = SQLITE_DONE;
    bind_text(q, 1, country_iso);
    sqlite3_bind_int(q, 2, state);
    /* one read transaction: the file is one snapshot even while the
     * server sells numbers meanwhile */
    if (sq_tx_begin(st, false) == ST_OK) {
        inv_number_t *row = xmalloc(sizeof *row);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            read_inv(q, row);
            if (cb(row, ud) != C_OK) break;
        }
        free(row);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
            ret = sq_tx_commit(st);
        } else {
            log_db_error(c->db, "export");
            sq_tx_rollback(st);
        }
    }
    done_stmt(q);
    return ret;
}

static const store_ops_t sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .migrate = sq_migrate,
    .tx_begin = sq_tx_begin,
    .tx_commit = sq_tx_commit,
    .tx_rollback = sq_tx_rollback,
    .account_insert = sq_account_insert,
    .account_by_auth_id = sq_account_by_auth_id,
    .account_list = sq_account_list,
    .apikey_insert = sq_apikey_insert,
    .apikey_lookup = sq_apikey_lookup,
    .account_by_id = sq_account_by_id,
    .account_count = sq_account_count,
    .import_begin = sq_import_begin,
    .import_row = sq_import_row,
    .import_commit_batch = sq_import_commit_batch,
    .import_end = sq_import_end,
    .inventory_stats = sq_inventory_stats,
    .number_search = sq_number_search,
    .number_get_available = sq_number_get_available,
    .number_buy = sq_number_buy,
    .number_approve = sq_number_approve,
    .number_list = sq_number_list,
    .number_get_owned = sq_number_get_owned,
    .number_update_owned = sq_number_update_owned,
    .number_get_any = sq_number_get_any,
    .number_release = sq_number_release,
    .aging_sweep = sq_aging_sweep,
    .sub_list = sq_sub_list,
    .account_update = sq_account_update,
    .sub_delete = sq_sub_delete,
    .app_insert = sq_app_insert,
    .app_get = sq_app_get,
    .app_list = sq_app_list,
    .app_update = sq_app_update,
    .app_delete = sq_app_delete,
    .app_clear_default = sq_app_clear_default,
    .app_exists = sq_app_exists,
    .app_default = sq_app_default,
    .compliance_insert = sq_compliance_insert,
    .compliance_get = sq_compliance_get,
    .compliance_latest = sq_compliance_latest,
    .number_get_byoc = sq_number_get_byoc,
    .carrier_insert = sq_carrier_insert,
    .carrier_get = sq_carrier_get,
    .carrier_list = sq_carrier_list,
    .carrier_update = sq_carrier_update,
    .carrier_delete = sq_carrier_delete,
    .number_lookup = sq_number_lookup,
    .number_insert_owned = sq_number_insert_owned,
    .setting_get = sq_setting_get,
    .setting_put = sq_setting_put,
    .idem_get = sq_idem_get,
    .idem_put = sq_idem_put,
    .ping = sq_ping,
    .inventory_export = sq_inventory_export,
};
