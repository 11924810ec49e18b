/* postgres.c -- the PostgreSQL backend of store.h, for several numberd
 * nodes on one database.
 *
 * Connections.  One libpq connection per thread (a pthread key per store,
 * as in sqlite.c), opened on the thread's first call.  Every statement is
 * prepared once per connection (PQprepare) and kept: the fixed ones named
 * "q<n>" by enum, those whose WHERE clause depends on which filters are
 * given (search, the owned-number list) in a 32-entry cache keyed by SQL
 * text, named "d<n>".  PostgreSQL plans a prepared statement for its
 * values the first five times and then keeps a generic plan only if it is
 * no costlier, so a filter whose selectivity matters keeps custom plans.
 * Values are always bound, never spliced into SQL.  A connection found
 * dead is reset (PQreset) and its statements prepared again; a statement
 * that failed because the connection died is sent once more on the new
 * connection, but only outside a transaction: inside one, the transaction
 * died with its connection and the caller's commit fails.
 *
 * Transactions nest by counting, as in sqlite.c.  A read transaction is
 * REPEATABLE READ: one snapshot for all it reads.  (The store's own reads
 * need none: a list's page and count, a carrier and its gateways, are each
 * one statement, hence one snapshot even inside a write transaction.)  A write
 * transaction is READ COMMITTED plus the inventory lock (below) taken in
 * shared mode at BEGIN.  It does NOT serialise writers the way SQLite's
 * BEGIN IMMEDIATE does; instead every state change that two nodes may race
 * on is made safe by itself:
 *
 *  - Purchase: one conditional UPDATE ... WHERE state = 0.  Under READ
 *    COMMITTED a second buyer blocks on the row, then PostgreSQL re-checks
 *    the WHERE clause on the committed row and finds it sold: 0 rows,
 *    ST_NOTFOUND.  Inside a write transaction number_get_available also
 *    locks the row (FOR UPDATE), so the loser waits there and then reads
 *    "not available" before doing any other work.
 *  - Read-check-write sequences of the core (update a number, an
 *    application, a carrier; unrent; operator status) read their row
 *    through the *_get ops, which inside a write transaction lock it (FOR
 *    UPDATE): a second writer waits, then reads the first one's result, so
 *    no update is lost.  Rows that are only referred to (an application a
 *    number will point at, the default application) are locked FOR SHARE,
 *    so that deleting them waits for the reference to commit and then sees
 *    it (app_delete locks its row first, then unlinks numbers, then
 *    deletes).  A subaccount read by auth_id inside a write transaction is
 *    locked FOR UPDATE, which also blocks the foreign-key checks of rows
 *    being added to it, so sub_delete's "move everything, then delete"
 *    cannot miss a row added meanwhile.
 *  - Idempotency keys: idem_get takes pg_advisory_xact_lock on a hash of
 *    (account, key) before reading, in its own statement (so the read that
 *    follows has a snapshot taken after the wait): a second request with
 *    the same key, on any node, waits for the first one's commit and then
 *    reads its stored answer.
 *  - Adding numbers: INSERT ... ON CONFLICT DO NOTHING; no row inserted is
 *    ST_CONFLICT (the unique number, or any other unique key).  Inserts
 *    never raise unique violations, because an error aborts a PostgreSQL
 *    transaction and the core retries some inserts inside one (a fresh id
 *    after a collision).  Adders take turns (an advisory lock from their
 *    first insert to their commit): two requests adding the same numbers
 *    in opposite orders would otherwise deadlock, where one must win.
 *    (An UPDATE that hits a unique key -- renaming an application or a
 *    carrier to a taken name -- does abort the transaction: ST_CONFLICT,
 *    and the core rolls back.)
 *  - Carrier delete vs. numbers added on another node: carrier_delete
 *    locks the carrier row FOR UPDATE, then counts its numbers, then
 *    deletes.  numadd reads the carrier through carrier_get inside its
 *    write transaction, which locks it too, so one of the two waits for
 *    the other and then sees its result; and numbers.carrier_id is a
 *    foreign key, so a carrier with numbers cannot disappear in any case.
 *  - Aging sweep: one UPDATE ... WHERE state = 3 AND released_at <= cutoff;
 *    every node runs it, and a row returned by one node no longer matches
 *    the other's WHERE clause.
 *  - Inventory import: import_row must answer inserted / updated / refused
 *    at once, yet rows are written in batches (COPY + one upsert), so the
 *    import decides from a local picture of the rows it reads ahead.  That
 *    picture must not change under it: each batch holds the inventory lock
 *    (advisory, exclusive) from its first read to its commit, and every
 *    write transaction holds the same lock in shared mode from BEGIN, as
 *    SQLite's import holds the database's write lock per batch.  The lock
 *    is taken at BEGIN, before any row lock, so it cannot deadlock with
 *    row locks.  lock_timeout is 15 s, as SQLite's busy timeout.
 *
 * Two core sequences lock rows in opposite orders (a number, then the
 * application or subaccount it is being assigned to; versus deleting that
 * application or subaccount, which locks it, then its numbers).  When both
 * meet on the same rows PostgreSQL detects the deadlock within a second
 * and aborts one transaction (a 500 the client may retry); a single node
 * on SQLite cannot meet it because it runs one writer at a time.
 */
#include "store/store.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "store/migrate.h"
#include "util/log.h"
#include "util/metrics.h"

/* Advisory lock keys: (namespace, id) pairs of int4, a space of their own
 * (one-bigint keys, used for idempotency, never collide with them). */
#define LOCK_NS "1853189474" /* 'numb' */
#define LOCK_MIGRATE "1"
#define LOCK_INVENTORY "2"
#define LOCK_NUMADD "3"

enum {
    Q_ACCOUNT_INSERT,
    Q_ACCOUNT_BY_AUTH_ID,
    Q_ACCOUNT_BY_AUTH_ID_LOCK,
    Q_ACCOUNT_BY_ID,
    Q_ACCOUNT_LIST,
    Q_ACCOUNT_COUNT,
    Q_APIKEY_INSERT,
    Q_APIKEY_LOOKUP,
    Q_STATS,
    Q_NUMBER_GET_AVAILABLE,
    Q_NUMBER_GET_AVAILABLE_LOCK,
    Q_NUMBER_BUY,
    Q_NUMBER_STATE,
    Q_NUMBER_APPROVE,
    Q_APP_EXISTS,
    Q_APP_EXISTS_LOCK,
    Q_APP_DEFAULT,
    Q_APP_DEFAULT_LOCK,
    Q_COMPLIANCE_INSERT,
    Q_COMPLIANCE_GET,
    Q_COMPLIANCE_LATEST,
    Q_IDEM_LOCK,
    Q_IDEM_GET,
    Q_IDEM_PUT,
    Q_LCA,
    Q_OWNED_GET,
    Q_OWNED_GET_LOCK,
    Q_OWNED_GET_BYOC,
    Q_OWNED_GET_BYOC_LOCK,
    Q_OWNED_GET_ANY,
    Q_OWNED_GET_ANY_LOCK,
    Q_OWNED_UPDATE,
    Q_RELEASE_INVENTORY,
    Q_RELEASE_CUSTOMER,
    Q_AGING_SWEEP,
    Q_SUB_LIST,
    Q_ACCOUNT_UPDATE,
    Q_SUB_MOVE_NUMBERS,
    Q_SUB_MOVE_APPS,
    Q_SUB_MOVE_CARRIERS,
    Q_SUB_DELETE_IDEM,
    Q_SUB_DELETE,
    Q_APP_INSERT,
    Q_APP_GET,
    Q_APP_GET_LOCK,
    Q_APP_LIST,
    Q_APP_UPDATE,
    Q_APP_LOCK,
    Q_APP_UNLINK,
    Q_APP_DELETE,
    Q_APP_CLEAR_DEFAULT,
    Q_CARRIER_INSERT,
    Q_CARRIER_GET,
    Q_CARRIER_GET_LOCK,
    Q_CARRIER_LIST,
    Q_CARRIER_UPDATE,
    Q_CARRIER_RENAME_NUMBERS,
    Q_CARRIER_LOCK,
    Q_CARRIER_IN_USE,
    Q_CARRIER_DELETE,
    Q_GW_INSERT,
    Q_GW_READ,
    Q_GW_DELETE,
    Q_NUMBER_LOOKUP,
    Q_NUMBER_INSERT_OWNED,
    Q_SETTING_GET,
    Q_SETTING_PUT,
    Q_IMPORT_PREFETCH,
    Q_IMPORT_UPSERT,
    Q_PING,
    Q_EXPORT,
    Q__COUNT
};

#define ACCOUNT_COLS \
    "id, auth_id, COALESCE(parent_id, 0), name, enabled, token_hash, created_at, modified_at"

#define INV_COLS                                                                              \
    "number, country_iso, type, sub_type, prefix, city, region, rate_center, lata, "         \
    "voice_enabled, sms_enabled, mms_enabled, setup_rate, monthly_rental_rate, voice_rate, " \
    "sms_rate, mms_rate, restriction, restriction_text, carrier"

/* An owned number: the inventory columns, then ownership, with the
 * subaccount's auth_id joined in.  Column order is read_owned()'s. */
#define OWNED_COLS                                                                            \
    "n.number, n.country_iso, n.type, n.sub_type, n.prefix, n.city, n.region, "      \
    "n.rate_center, n.lata, n.voice_enabled, n.sms_enabled, n.mms_enabled, n.setup_rate, "  \
    "n.monthly_rental_rate, n.voice_rate, n.sms_rate, n.mms_rate, n.restriction, "          \
    "n.restriction_text, n.carrier, n.state, n.source, n.owner_id, COALESCE(n.sub_id, 0), " \
    "COALESCE(s.auth_id, ''), n.app_id, n.alias, n.added_on, n.renewal_date, "              \
    "n.compliance_id, n.cnam_lookup, n.cnam, n.cnam_callback_url, n.cnam_callback_method, " \
    "n.caller_reputation_status, n.profile_uuid, n.cr_callback_url, n.cr_callback_method, " \
    "n.tendlc_registration_status, n.tendlc_campaign_id, n.toll_free_sms_verification, "    \
    "COALESCE(n.carrier_id, 0), n.created_at, n.updated_at, n.byoc_id, n.label, "           \
    "COALESCE(cr.voip_sid, '') "
#define OWNED_JOINS \
    "LEFT JOIN accounts s ON s.id = n.sub_id LEFT JOIN carriers cr ON cr.id = n.carrier_id "
#define OWNED_SELECT "SELECT " OWNED_COLS "FROM numbers n " OWNED_JOINS

/* A carrier with its subaccount's auth_id, the count of its numbers and
 * its gateways (a JSON array of [sid, address, port, netmask, inbound,
 * outbound], in order): one statement, so one snapshot, and one round
 * trip.  Column order is read_carrier()'s. */
#define CARRIER_SELECT                                                                        \
    "SELECT c.id, c.uuid, c.voip_sid, c.carrier_id, c.account_id, COALESCE(c.sub_id, 0), "   \
    "COALESCE(s.auth_id, ''), c.name, c.trunk_type, c.voice, c.sms, c.in_username, "          \
    "c.in_password, c.reg_username, c.reg_password, c.reg_realm, c.reg_from_user, "           \
    "c.reg_from_domain, COALESCE(c.reg_expires, 0), c.created_at, c.updated_at, "             \
    "(SELECT count(*) FROM numbers n WHERE n.carrier_id = c.id), "                            \
    "(SELECT json_agg(json_build_array(g.sid, g.address, g.port, g.netmask, g.inbound, "      \
    "g.outbound) ORDER BY g.pos) FROM carrier_gateways g WHERE g.carrier = c.id) "            \
    "FROM carriers c LEFT JOIN accounts s ON s.id = c.sub_id "

#define APP_SELECT                                                                            \
    "SELECT a.app_id, a.account_id, COALESCE(a.sub_id, 0), COALESCE(s.auth_id, ''), "        \
    "a.app_name, a.answer_url, a.answer_method, a.hangup_url, a.hangup_method, "              \
    "a.fallback_answer_url, a.fallback_method, a.message_url, a.message_method, "             \
    "a.default_number_app, a.default_endpoint_app, a.public_uri, a.log_incoming_messages, "   \
    "a.created_at, a.modified_at, a.is_voice_request "                                        \
    "FROM applications a LEFT JOIN accounts s ON s.id = a.sub_id "

/* A page and its exact total in ONE statement, hence one snapshot even
 * inside a READ COMMITTED transaction: the count is the outer row, the
 * page is joined to it (LEFT JOIN LATERAL keeps the count when the page is
 * empty).  Column 0 is the total; the page's columns follow, NULL when
 * there is no row. */
#define PAGE(count_from_where, rows_select) \
    "SELECT t.n, p.* FROM (SELECT count(*) AS n " count_from_where ") t " \
    "LEFT JOIN LATERAL (" rows_select ") p ON true"

#define APP_WHERE \
    "WHERE a.account_id = $1 AND ($2::bigint = 0 OR a.sub_id = $2) AND ($3::text IS NULL OR a.app_name = $3)"
#define CARRIER_WHERE \
    "WHERE c.account_id = $1 AND ($2::bigint = 0 OR c.sub_id = $2) AND ($3::text IS NULL OR c.name = $3)"

static const char *const q_sql[Q__COUNT] = {
    /* reads the catalog: fails on a database without numberd's schema,
     * unlike "SELECT 1" */
    [Q_PING] = "SELECT to_regclass('numbers') IS NOT NULL",
    /* the unique index on number gives the order without a sort */
    [Q_EXPORT] =
        "SELECT " INV_COLS " FROM numbers WHERE source = 0 AND ($1::text IS NULL OR country_iso = $1) "
        "AND ($2::int < 0 OR state = $2) ORDER BY number",
    [Q_ACCOUNT_INSERT] =
        "INSERT INTO accounts(auth_id, parent_id, name, token_hash, enabled, created_at, "
        "modified_at) VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT DO NOTHING RETURNING id",
    [Q_ACCOUNT_BY_AUTH_ID] = "SELECT " ACCOUNT_COLS " FROM accounts WHERE auth_id = $1",
    [Q_ACCOUNT_BY_AUTH_ID_LOCK] =
        "SELECT " ACCOUNT_COLS " FROM accounts WHERE auth_id = $1 FOR UPDATE",
    [Q_ACCOUNT_BY_ID] = "SELECT " ACCOUNT_COLS " FROM accounts WHERE id = $1",
    [Q_ACCOUNT_LIST] =
        "SELECT " ACCOUNT_COLS " FROM accounts WHERE parent_id IS NULL ORDER BY id",
    [Q_ACCOUNT_COUNT] = "SELECT count(*) FROM accounts",
    [Q_APIKEY_INSERT] =
        "INSERT INTO api_keys(account_id, key_hash, scopes, created_at) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
    [Q_APIKEY_LOOKUP] = "SELECT account_id, scopes FROM api_keys WHERE key_hash = $1",
    [Q_STATS] =
        "SELECT country_iso, type, state, count(*) FROM numbers WHERE source = 0 "
        "GROUP BY country_iso, type, state ORDER BY country_iso, type, state",
    [Q_NUMBER_GET_AVAILABLE] =
        "SELECT " INV_COLS " FROM numbers WHERE number = $1 AND state = 0 AND source = 0",
    [Q_NUMBER_GET_AVAILABLE_LOCK] =
        "SELECT " INV_COLS " FROM numbers WHERE number = $1 AND state = 0 AND source = 0 "
        "FOR UPDATE",
    [Q_NUMBER_BUY] =
        "UPDATE numbers SET state = $2, owner_id = $3, sub_id = $4, app_id = $5, "
        "cnam_lookup = $6, compliance_id = $7, added_on = $8, renewal_date = $9, "
        "released_at = NULL, updated_at = $10, created_at = $10, byoc_id = $11 "
        "WHERE number = $1 AND state = 0 AND source = 0",
    [Q_NUMBER_STATE] = "SELECT state FROM numbers WHERE number = $1 AND owner_id IS NOT NULL",
    [Q_NUMBER_APPROVE] =
        "UPDATE numbers SET state = 1, updated_at = $2 WHERE number = $1 AND state = 2",
    [Q_APP_EXISTS] = "SELECT 1 FROM applications WHERE account_id = $1 AND app_id = $2",
    [Q_APP_EXISTS_LOCK] =
        "SELECT 1 FROM applications WHERE account_id = $1 AND app_id = $2 FOR SHARE",
    [Q_APP_DEFAULT] =
        "SELECT app_id FROM applications WHERE account_id = $1 AND default_number_app",
    [Q_APP_DEFAULT_LOCK] =
        "SELECT app_id FROM applications WHERE account_id = $1 AND default_number_app FOR SHARE",
    [Q_COMPLIANCE_INSERT] =
        "INSERT INTO compliance(id, account_id, country_iso, number_type, approved, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    [Q_COMPLIANCE_GET] =
        "SELECT id, account_id, country_iso, number_type, approved FROM compliance "
        "WHERE account_id = $1 AND id = $2",
    [Q_COMPLIANCE_LATEST] =
        "SELECT id, account_id, country_iso, number_type, approved FROM compliance "
        "WHERE account_id = $1 AND country_iso = $2 AND number_type IN ($3, $4) AND approved "
        "ORDER BY seq DESC LIMIT 1",
    /* the seed is the account, the hashed text the key */
    [Q_IDEM_LOCK] = "SELECT pg_advisory_xact_lock(hashtextextended($2::text, $1::bigint))",
    [Q_IDEM_GET] =
        "SELECT status, req_hash, body, created_at FROM idempotency "
        "WHERE account_id = $1 AND key = $2",
    [Q_IDEM_PUT] =
        "INSERT INTO idempotency(account_id, key, req_hash, status, body, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, key) DO UPDATE SET "
        "req_hash = EXCLUDED.req_hash, status = EXCLUDED.status, body = EXCLUDED.body, "
        "created_at = EXCLUDED.created_at",
    [Q_LCA] =
        "SELECT rate_center, lata FROM numbers WHERE country_iso = $1 AND number >= $2 "
        "AND number < $3 AND rate_center <> '' LIMIT 1",
    [Q_OWNED_GET] = OWNED_SELECT
        "WHERE n.number = $1 AND n.owner_id = $2 AND n.state IN (1, 2) "
        "AND ($3::bigint = 0 OR n.sub_id = $3)",
    [Q_OWNED_GET_LOCK] = OWNED_SELECT
        "WHERE n.number = $1 AND n.owner_id = $2 AND n.state IN (1, 2) "
        "AND ($3::bigint = 0 OR n.sub_id = $3) FOR UPDATE OF n",
    [Q_OWNED_GET_BYOC] = OWNED_SELECT
        "WHERE n.byoc_id = $1 AND n.owner_id = $2 AND n.state IN (1, 2)",
    [Q_OWNED_GET_BYOC_LOCK] = OWNED_SELECT
        "WHERE n.byoc_id = $1 AND n.owner_id = $2 AND n.state IN (1, 2) FOR UPDATE OF n",
    [Q_OWNED_GET_ANY] = OWNED_SELECT "WHERE n.number = $1 AND n.state IN (1, 2)",
    [Q_OWNED_GET_ANY_LOCK] =
        OWNED_SELECT "WHERE n.number = $1 AND n.state IN (1, 2) FOR UPDATE OF n",
    [Q_OWNED_UPDATE] =
        "UPDATE numbers SET sub_id = $3, app_id = $4, alias = $5, compliance_id = $6, "
        "cnam_lookup = $7, cnam = $8, cnam_callback_url = $9, cnam_callback_method = $10, "
        "caller_reputation_status = $11, profile_uuid = $12, cr_callback_url = $13, "
        "cr_callback_method = $14, tendlc_registration_status = $15, tendlc_campaign_id = $16, "
        "toll_free_sms_verification = $17, updated_at = $18 "
        "WHERE number = $1 AND owner_id = $2 AND state IN (1, 2)",
    [Q_RELEASE_INVENTORY] =
        "UPDATE numbers SET state = $3, owner_id = NULL, sub_id = NULL, app_id = NULL, "
        "alias = NULL, added_on = NULL, renewal_date = NULL, compliance_id = NULL, "
        "cnam_lookup = NULL, cnam = NULL, cnam_callback_url = NULL, cnam_callback_method = NULL, "
        "caller_reputation_status = NULL, profile_uuid = NULL, cr_callback_url = NULL, "
        "cr_callback_method = NULL, tendlc_registration_status = NULL, tendlc_campaign_id = NULL, "
        "toll_free_sms_verification = NULL, byoc_id = NULL, label = NULL, released_at = $4, "
        "updated_at = $4 WHERE number = $1 AND owner_id = $2 AND state IN (1, 2) AND source = 0",
    [Q_RELEASE_CUSTOMER] =
        "DELETE FROM numbers WHERE number = $1 AND owner_id = $2 AND source IN (1, 2)",
    [Q_AGING_SWEEP] =
        "UPDATE numbers SET state = 0, released_at = NULL, updated_at = $2 "
        "WHERE state = 3 AND released_at <= $1",
    [Q_SUB_LIST] = PAGE("FROM accounts WHERE parent_id = $1",
                        "SELECT " ACCOUNT_COLS " FROM accounts WHERE parent_id = $1 "
                        "ORDER BY id LIMIT $2 OFFSET $3"),
    [Q_ACCOUNT_UPDATE] =
        "UPDATE accounts SET name = $2, enabled = $3, modified_at = $4 WHERE id = $1",
    [Q_SUB_MOVE_NUMBERS] = "UPDATE numbers SET sub_id = NULL, updated_at = $2 WHERE sub_id = $1",
    [Q_SUB_MOVE_APPS] =
        "UPDATE applications SET sub_id = NULL, modified_at = $2 WHERE sub_id = $1",
    [Q_SUB_MOVE_CARRIERS] =
        "UPDATE carriers SET sub_id = NULL, updated_at = $2 WHERE sub_id = $1",
    [Q_SUB_DELETE_IDEM] = "DELETE FROM idempotency WHERE account_id = $1",
    [Q_SUB_DELETE] = "DELETE FROM accounts WHERE id = $1 AND parent_id = $2",
    [Q_APP_INSERT] =
        "INSERT INTO applications(app_id, account_id, sub_id, app_name, answer_url, "
        "answer_method, hangup_url, hangup_method, fallback_answer_url, fallback_method, "
        "message_url, message_method, default_number_app, default_endpoint_app, public_uri, "
        "log_incoming_messages, is_voice_request, created_at, modified_at) VALUES ($1, $2, $3, "
        "$4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18) "
        "ON CONFLICT DO NOTHING",
    [Q_APP_GET] = APP_SELECT
        "WHERE a.account_id = $1 AND a.app_id = $2 AND ($3::bigint = 0 OR a.sub_id = $3)",
    [Q_APP_GET_LOCK] = APP_SELECT
        "WHERE a.account_id = $1 AND a.app_id = $2 AND ($3::bigint = 0 OR a.sub_id = $3) "
        "FOR UPDATE OF a",
    [Q_APP_LIST] = PAGE("FROM applications a " APP_WHERE,
                        APP_SELECT APP_WHERE " ORDER BY a.app_id LIMIT $4 OFFSET $5"),
    [Q_APP_UPDATE] =
        "UPDATE applications SET sub_id = $3, app_name = $4, answer_url = $5, "
        "answer_method = $6, hangup_url = $7, hangup_method = $8, fallback_answer_url = $9, "
        "fallback_method = $10, message_url = $11, message_method = $12, "
        "default_number_app = $13, default_endpoint_app = $14, public_uri = $15, "
        "log_incoming_messages = $16, is_voice_request = $17, modified_at = $18 "
        "WHERE account_id = $1 AND app_id = $2",
    [Q_APP_LOCK] =
        "SELECT 1 FROM applications WHERE account_id = $1 AND app_id = $2 FOR UPDATE",
    [Q_APP_UNLINK] =
        "UPDATE numbers SET app_id = NULL, updated_at = $3 WHERE owner_id = $1 AND app_id = $2",
    [Q_APP_DELETE] = "DELETE FROM applications WHERE account_id = $1 AND app_id = $2",
    [Q_APP_CLEAR_DEFAULT] =
        "UPDATE applications SET default_number_app = false "
        "WHERE account_id = $1 AND default_number_app",
    [Q_CARRIER_INSERT] =
        "INSERT INTO carriers(uuid, voip_sid, carrier_id, account_id, sub_id, name, trunk_type, "
        "voice, sms, in_username, in_password, reg_username, reg_password, reg_realm, "
        "reg_from_user, reg_from_domain, reg_expires, created_at, updated_at) VALUES ($1, $2, "
        "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) "
        "ON CONFLICT DO NOTHING RETURNING id",
    /* ref is one of the three public ids; their shapes never collide */
    [Q_CARRIER_GET] = CARRIER_SELECT
        "WHERE c.account_id = $1 AND ($2::bigint = 0 OR c.sub_id = $2) "
        "AND (c.carrier_id = $3 OR c.uuid = $3 OR c.voip_sid = $3)",
    [Q_CARRIER_GET_LOCK] = CARRIER_SELECT
        "WHERE c.account_id = $1 AND ($2::bigint = 0 OR c.sub_id = $2) "
        "AND (c.carrier_id = $3 OR c.uuid = $3 OR c.voip_sid = $3) FOR UPDATE OF c",
    [Q_CARRIER_LIST] = PAGE("FROM carriers c " CARRIER_WHERE,
                            CARRIER_SELECT CARRIER_WHERE " ORDER BY c.id LIMIT $4 OFFSET $5"),
    [Q_CARRIER_UPDATE] =
        "UPDATE carriers SET sub_id = $3, name = $4, trunk_type = $5, voice = $6, sms = $7, "
        "in_username = $8, in_password = $9, reg_username = $10, reg_password = $11, "
        "reg_realm = $12, reg_from_user = $13, reg_from_domain = $14, reg_expires = $15, "
        "updated_at = $16 WHERE id = $1 AND account_id = $2",
    [Q_CARRIER_RENAME_NUMBERS] =
        "UPDATE numbers SET carrier = $2, updated_at = $3 WHERE carrier_id = $1 AND carrier <> $2",
    [Q_CARRIER_LOCK] = "SELECT 1 FROM carriers WHERE id = $1 FOR UPDATE",
    [Q_CARRIER_IN_USE] = "SELECT count(*) FROM numbers WHERE carrier_id = $1",
    [Q_CARRIER_DELETE] = "DELETE FROM carriers WHERE id = $1 AND account_id = $2",
    [Q_GW_INSERT] =
        "INSERT INTO carrier_gateways(carrier, pos, sid, address, port, netmask, inbound, "
        "outbound) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    [Q_GW_READ] =
        "SELECT sid, address, port, netmask, inbound, outbound FROM carrier_gateways "
        "WHERE carrier = $1 ORDER BY pos",
    [Q_GW_DELETE] = "DELETE FROM carrier_gateways WHERE carrier = $1",
    [Q_NUMBER_LOOKUP] =
        "SELECT state, source, COALESCE(owner_id, 0) FROM numbers WHERE number = $1",
    [Q_NUMBER_INSERT_OWNED] =
        "INSERT INTO numbers(number, country_iso, type, sub_type, region, voice_enabled, "
        "sms_enabled, mms_enabled, caps, carrier, source, state, owner_id, sub_id, app_id, "
        "added_on, carrier_id, byoc_id, label, created_at, updated_at) VALUES ($1, $2, $3, $4, "
        "$5, $6, $7, $8, $9, $10, $11, 1, $12, $13, $14, $15, $16, $17, $18, $19, $19) "
        "ON CONFLICT DO NOTHING",
    [Q_SETTING_GET] = "SELECT value FROM settings WHERE name = $1",
    [Q_SETTING_PUT] =
        "INSERT INTO settings(name, value) VALUES ($1, $2) "
        "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
    [Q_IMPORT_PREFETCH] =
        "SELECT number, state, source FROM numbers WHERE number >= $1 AND number < $2 LIMIT $3",
    /* the rows of one flush, all new or updatable (the import checked);
     * the WHERE clause is a safety net, checked by counting */
    [Q_IMPORT_UPSERT] =
        "INSERT INTO numbers(" INV_COLS ", caps, created_at, updated_at) "
        "SELECT " INV_COLS ", caps, $1::bigint, $1::bigint FROM nd_import ORDER BY number "
        "ON CONFLICT (number) DO UPDATE SET country_iso = EXCLUDED.country_iso, "
        "type = EXCLUDED.type, sub_type = EXCLUDED.sub_type, prefix = EXCLUDED.prefix, "
        "city = EXCLUDED.city, region = EXCLUDED.region, rate_center = EXCLUDED.rate_center, "
        "lata = EXCLUDED.lata, voice_enabled = EXCLUDED.voice_enabled, "
        "sms_enabled = EXCLUDED.sms_enabled, mms_enabled = EXCLUDED.mms_enabled, "
        "setup_rate = EXCLUDED.setup_rate, monthly_rental_rate = EXCLUDED.monthly_rental_rate, "
        "voice_rate = EXCLUDED.voice_rate, sms_rate = EXCLUDED.sms_rate, "
        "mms_rate = EXCLUDED.mms_rate, restriction = EXCLUDED.restriction, "
        "restriction_text = EXCLUDED.restriction_text, carrier = EXCLUDED.carrier, "
        "caps = EXCLUDED.caps, updated_at = EXCLUDED.updated_at "
        "WHERE numbers.state = 0 AND numbers.source = 0",
};

#define DYN_CACHE 32

typedef struct conn {
    PGconn *pg;
    bool prepared[Q__COUNT];
    /* statements whose text varies (search and list filters), prepared
     * when first seen and kept, least recently used out */
    struct {
        char *sql;
        unsigned id;      /* server-side name "d<id>" */
        uint64_t used;
    } dyn[DYN_CACHE];
    uint64_t tick;
    unsigned dyn_seq;
    int depth;            /* transaction nesting */
    bool tx_write;        /* the outermost transaction is a write transaction */
    bool rollback_only;   /* an inner level rolled back */
    bool tx_failed;       /* a statement failed: PostgreSQL aborted the transaction */
    bool numadd_locked;   /* this transaction holds LOCK_NUMADD */
    struct conn *next;    /* all connections of the store, for close */
} conn_t;

typedef struct {
    store_t base;
    char *url;
    pthread_key_t key;
    pthread_mutex_t lock; /* guards conns */
    conn_t *conns;
} pg_store_t;

static const store_ops_t pg_ops;

/* ---- parameters ---------------------------------------------------------- */

#define PMAX 24

/* Statement parameters, in order ($1, $2, ...).  Text, except byte
 * strings, which go as binary so that no escaping is involved.  Numbers
 * are formatted into the struct itself: it must outlive the call. */
typedef struct {
    int n;
    const char *v[PMAX];
    int len[PMAX];
    int fmt[PMAX];
    char num[PMAX][24];
} params_t;

static int p_next(params_t *p)
{
    if (p->n >= PMAX) nd_panic("postgres: more than %d parameters", PMAX);
    int i = p->n++;
    p->v[i] = NULL;
    p->len[i] = 0;
    p->fmt[i] = 0;
    return i;
}

static void p_text(params_t *p, const char *s)
{
    p->v[p_next(p)] = s;
}

/* "" is stored as NULL, as sqlite.c's bind_text_or_null */
static void p_text_or_null(params_t *p, const char *s)
{
    p_text(p, (s && *s) ? s : NULL);
}

static void p_i64(params_t *p, int64_t v)
{
    int i = p_next(p);
    snprintf(p->num[i], sizeof p->num[i], "%lld", (long long)v);
    p->v[i] = p->num[i];
}

/* 0 is "none": NULL */
static void p_id(params_t *p, int64_t v)
{
    if (v) p_i64(p, v);
    else p_text(p, NULL);
}

static void p_bool(params_t *p, bool b)
{
    p_text(p, b ? "t" : "f");
}

/* n == 0: NULL */
static void p_blob(params_t *p, const uint8_t *b, size_t n)
{
    int i = p_next(p);
    if (n == 0) return;
    p->v[i] = (const char *)b;
    p->len[i] = (int)n;
    p->fmt[i] = 1;
}

/* ---- reading results ------------------------------------------------------ */

/* A cursor over one row's columns, read left to right. */
typedef struct {
    const PGresult *r;
    int row, col;
} rd_t;

static const char *rd_val(rd_t *d)
{
    int col = d->col++;
    return PQgetisnull(d->r, d->row, col) ? NULL : PQgetvalue(d->r, d->row, col);
}

static void rd_copy(rd_t *d, char *out, size_t sz)
{
    const char *v = rd_val(d);
    size_t n = v ? strlen(v) : 0;
    if (n >= sz) n = sz - 1;
    if (n) memcpy(out, v, n);
    out[n] = '\0';
}

static int64_t rd_i64(rd_t *d)
{
    const char *v = rd_val(d);
    return v ? strtoll(v, NULL, 10) : 0;
}

static int rd_int(rd_t *d)
{
    return (int)rd_i64(d);
}

/* NULL money is "not set": -1 */
static int64_t rd_money(rd_t *d)
{
    const char *v = rd_val(d);
    return v ? strtoll(v, NULL, 10) : -1;
}

static bool rd_bool(rd_t *d)
{
    const char *v = rd_val(d);
    return v && v[0] == 't';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* A bytea in text form ("\x0a1b..."); *n = 0 when NULL or too long. */
static void rd_blob(rd_t *d, uint8_t *out, size_t sz, size_t *n)
{
    const char *v = rd_val(d);
    *n = 0;
    if (!v || v[0] != '\\' || v[1] != 'x') return;
    size_t len = strlen(v + 2) / 2;
    if (len > sz) return;
    for (size_t i = 0; i < len; i++) {
        int hi = hexval((unsigned char)v[2 + 2 * i]), lo = hexval((unsigned char)v[3 + 2 * i]);
        if (hi < 0 || lo < 0) return;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *n = len;
}

/* ---- connections -------------------------------------------------------- */

/* Server notices ("relation already exists, skipping") are not errors:
 * debug log, not stderr. */
static void on_notice(void *arg, const char *msg)
{
    (void)arg;
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') n--;
    log_msg(LOG_DEBUG, "postgres: %.*s", (int)n, msg);
}

static PGconn *pg_connect(const char *url, char **err)
{
    /* The URL is expanded in place of dbname: what it sets overrides the
     * keywords before it (a connect timeout, so that a reconnect to an
     * unreachable server fails in 10 s, not in the TCP timeout's minutes)
     * and is overridden by those after it (numberd speaks UTF-8).  The
     * application name is only a fallback. */
    const char *const kw[] = {"connect_timeout", "dbname", "fallback_application_name",
                              "client_encoding", NULL};
    const char *const val[] = {"10", url, "numberd", "UTF8", NULL};
    PGconn *pg = PQconnectdbParams(kw, val, 1);
    const char *why = NULL;
    if (pg == NULL) {
        why = "out of memory";
    } else if (PQstatus(pg) != CONNECTION_OK) {
        why = PQerrorMessage(pg);
    } else if (PQserverVersion(pg) < 110000) {
        why = "PostgreSQL 11 or later is required";
    }
    if (why == NULL) {
        PQsetNoticeProcessor(pg, on_notice, NULL);
        /* as SQLite's busy timeout: a writer queued behind an import batch
         * (or any lock) gives up after 15 s instead of hanging */
        PGresult *r = PQexec(pg, "SET lock_timeout = '15s'");
        if (PQresultStatus(r) != PGRES_COMMAND_OK) why = PQerrorMessage(pg);
        PQclear(r);
    }
    if (why) {
        char *msg = xstrdup(why);
        size_t n = strlen(msg);
        while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) msg[--n] = '\0';
        if (err) *err = msg;
        else free(msg);
        PQfinish(pg);
        return NULL;
    }
    return pg;
}

static void dyn_forget(conn_t *c)
{
    for (int i = 0; i < DYN_CACHE; i++) {
        free(c->dyn[i].sql);
        c->dyn[i].sql = NULL;
        c->dyn[i].used = 0;
    }
}

static void conn_close(conn_t *c)
{
    PQfinish(c->pg);
    dyn_forget(c);
    free(c);
}

static conn_t *conn_open(const char *url, char **err)
{
    PGconn *pg = pg_connect(url, err);
    if (!pg) return NULL;
    conn_t *c = xcalloc(1, sizeof *c);
    c->pg = pg;
    return c;
}

static conn_t *conn_get(pg_store_t *s)
{
    conn_t *c = pthread_getspecific(s->key);
    if (c) return c;
    char *err = NULL;
    c = conn_open(s->url, &err);
    if (!c) {
        log_msg(LOG_ERROR, "postgres: cannot connect: %s", err);
        free(err);
        return NULL;
    }
    pthread_setspecific(s->key, c);
    pthread_mutex_lock(&s->lock);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->lock);
    return c;
}

#define CONN(st) conn_get((pg_store_t *)(st))

/* A dead connection is reset outside a transaction; inside one, the
 * transaction is lost and stays failed until the caller ends it. */
static int conn_ensure(conn_t *c)
{
    if (PQstatus(c->pg) == CONNECTION_OK) return ST_OK;
    if (c->depth > 0) {
        c->tx_failed = true;
        return ST_ERR;
    }
    log_msg(LOG_WARN, "postgres: connection lost, reconnecting");
    PQreset(c->pg);
    /* the server forgot the prepared statements with the old session */
    memset(c->prepared, 0, sizeof c->prepared);
    dyn_forget(c);
    if (PQstatus(c->pg) != CONNECTION_OK) {
        log_msg(LOG_ERROR, "postgres: reconnect failed: %s", PQerrorMessage(c->pg));
        return ST_ERR;
    }
    PGresult *r = PQexec(c->pg, "SET lock_timeout = '15s'");
    PQclear(r);
    return ST_OK;
}

static bool res_ok(const PGresult *r)
{
    ExecStatusType s = PQresultStatus(r);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

/* Names in *name fixed statement `which` on c, preparing it the first
 * time.  Returns NULL, or the failed PQprepare's result. */
static PGresult *fixed_prepare(conn_t *c, int which, char name[16])
{
    snprintf(name, 16, "q%d", which);
    if (c->prepared[which]) return NULL;
    PGresult *r = PQprepare(c->pg, name, q_sql[which], 0, NULL);
    if (!res_ok(r)) return r;
    PQclear(r);
    c->prepared[which] = true;
    return NULL;
}

/* Names in *name the prepared statement for sql on c, preparing it when
 * new (the least recently used one makes room).  Returns NULL, or the
 * failed PQprepare's result. */
static PGresult *dyn_prepare(conn_t *c, const char *sql, char name[16])
{
    int lru = 0;
    for (int i = 0; i < DYN_CACHE; i++) {
        if (c->dyn[i].sql && strcmp(c->dyn[i].sql, sql) == 0) {
            c->dyn[i].used = ++c->tick;
            snprintf(name, 16, "d%u", c->dyn[i].id);
            return NULL;
        }
        if (c->dyn[i].used < c->dyn[lru].used) lru = i;
    }
    if (c->dyn[lru].sql) {
        char q[32];
        snprintf(q, sizeof q, "DEALLOCATE d%u", c->dyn[lru].id);
        PGresult *r = PQexec(c->pg, q);
        PQclear(r);
        free(c->dyn[lru].sql);
        c->dyn[lru].sql = NULL;
    }
    unsigned id = ++c->dyn_seq;
    snprintf(name, 16, "d%u", id);
    PGresult *r = PQprepare(c->pg, name, sql, 0, NULL);
    if (!res_ok(r)) return r;
    PQclear(r);
    c->dyn[lru].sql = xstrdup(sql);
    c->dyn[lru].id = id;
    c->dyn[lru].used = ++c->tick;
    return NULL;
}

/* Sends fixed statement `which` (or, with which < 0, the statement whose
 * text is sql), prepared once per connection.  A statement that fails
 * because the connection died is sent once more on a fresh connection
 * when no transaction is open (inside one, the transaction died with the
 * connection).  Returns the result, NULL when nothing could be sent. */
static PGresult *send_q(conn_t *c, int which, const char *sql, const params_t *p)
{
    static const params_t none = {0};
    if (!p) p = &none;
    for (int attempt = 0;; attempt++) {
        if (c->depth > 0 && c->tx_failed) return NULL;
        if (conn_ensure(c) != ST_OK) return NULL;
        PGresult *r = NULL;
        if (which >= 0) {
            char name[16];
            r = fixed_prepare(c, which, name);
            if (r == NULL) r = PQexecPrepared(c->pg, name, p->n, p->v, p->len, p->fmt, 0);
        } else {
            char name[16];
            r = dyn_prepare(c, sql, name);
            if (r == NULL) r = PQexecPrepared(c->pg, name, p->n, p->v, p->len, p->fmt, 0);
        }
        if (res_ok(r)) return r;
        if (attempt == 0 && c->depth == 0 && PQstatus(c->pg) == CONNECTION_BAD) {
            PQclear(r);
            continue;
        }
        return r;
    }
}

/* Maps a result to ST_OK / ST_CONFLICT (integrity constraint, SQLSTATE
 * class 23) / ST_ERR (logged).  Any failure inside a transaction marks it
 * failed: PostgreSQL accepts nothing more in it but ROLLBACK. */
static int res_status(conn_t *c, const PGresult *r, const char *what)
{
    if (r && res_ok(r)) return ST_OK;
    if (c->depth > 0) c->tx_failed = true;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && strncmp(state, "23", 2) == 0) return ST_CONFLICT;
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg) msg = PQstatus(c->pg) == CONNECTION_OK ? "the transaction has already failed"
                                                      : PQerrorMessage(c->pg);
    metrics_count(MET_DB_ERRORS);
    log_msg(LOG_ERROR, "postgres: %.80s: %s%s%s%s", what, msg, state ? " (SQLSTATE " : "",
            state ? state : "", state ? ")" : "");
    return ST_ERR;
}

/* Runs fixed statement `which`.  On ST_OK, *out (if out) receives the
 * result, which the caller PQclear()s, and *changes (if changes) the
 * number of rows the statement wrote or returned. */
static int q_exec(conn_t *c, int which, const params_t *p, PGresult **out, int64_t *changes)
{
    PGresult *r = send_q(c, which, NULL, p);
    int rc = res_status(c, r, q_sql[which]);
    if (rc == ST_OK && changes) *changes = strtoll(PQcmdTuples(r), NULL, 10);
    if (rc == ST_OK && out) *out = r;
    else PQclear(r);
    return rc;
}

/* A statement whose text varies (search and list filters). */
static int q_dyn(conn_t *c, const char *sql, const params_t *p, PGresult **out)
{
    PGresult *r = send_q(c, -1, sql, p);
    int rc = res_status(c, r, sql);
    if (rc == ST_OK && out) *out = r;
    else PQclear(r);
    return rc;
}

/* A parameterless command (BEGIN, COMMIT, ...), as a simple query: it may
 * hold several statements. */
static int q_simple(conn_t *c, const char *sql)
{
    PGresult *r = NULL;
    for (int attempt = 0;; attempt++) {
        if (conn_ensure(c) != ST_OK) return res_status(c, NULL, sql);
        r = PQexec(c->pg, sql);
        /* a connection that died while idle is only noticed here: outside
         * a transaction (BEGIN itself), send again on a new one */
        if (res_ok(r) || attempt > 0 || c->depth > 0 || PQstatus(c->pg) != CONNECTION_BAD) break;
        PQclear(r);
    }
    int rc = res_status(c, r, sql);
    PQclear(r);
    return rc;
}

/* Runs `which` and reports ST_NOTFOUND when it wrote no row. */
static int q_write1(conn_t *c, int which, const params_t *p)
{
    int64_t n = 0;
    int rc = q_exec(c, which, p, NULL, &n);
    if (rc != ST_OK) return rc;
    return n >= 1 ? ST_OK : ST_NOTFOUND;
}

/* Inside a write transaction, lookups use their locking variant. */
static bool locking(const conn_t *c)
{
    return c->depth > 0 && c->tx_write;
}

typedef void (*row_reader_fn)(rd_t *d, void *rows, size_t i);

/* ST_OK with the first row read by rd into out, ST_NOTFOUND when there is
 * none, ST_ERR on failure. */
static int one_row(conn_t *c, int which, const params_t *p, row_reader_fn rd, void *out)
{
    PGresult *r = NULL;
    int rc = q_exec(c, which, p, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) > 0) {
        rd_t d = {r, 0, 0};
        rd(&d, out, 0);
    } else {
        rc = ST_NOTFOUND;
    }
    PQclear(r);
    return rc;
}

/* Reads a PAGE() result: column 0 the total, then up to limit rows. */
static void read_page(const PGresult *r, int limit, row_reader_fn rd, void *rows, size_t *nrows,
                      int64_t *total)
{
    *nrows = 0;
    *total = 0;
    int n = PQntuples(r);
    if (n > 0) *total = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    for (int i = 0; i < n && *nrows < (size_t)limit; i++) {
        if (PQgetisnull(r, i, 1)) break; /* the empty page's NULL row */
        rd_t d = {r, i, 1};
        rd(&d, rows, (*nrows)++);
    }
}

static int page_fixed(conn_t *c, int which, const params_t *p, int limit, row_reader_fn rd,
                      void *rows, size_t *nrows, int64_t *total)
{
    PGresult *r = NULL;
    *nrows = 0;
    *total = 0;
    int rc = q_exec(c, which, p, &r, NULL);
    if (rc != ST_OK) return rc;
    read_page(r, limit, rd, rows, nrows, total);
    PQclear(r);
    return ST_OK;
}

static int page_dyn(conn_t *c, const char *sql, const params_t *p, int limit, row_reader_fn rd,
                    void *rows, size_t *nrows, int64_t *total)
{
    PGresult *r = NULL;
    *nrows = 0;
    *total = 0;
    int rc = q_dyn(c, sql, p, &r);
    if (rc != ST_OK) return rc;
    read_page(r, limit, rd, rows, nrows, total);
    PQclear(r);
    return ST_OK;
}

/* ---- transactions ------------------------------------------------------ */

static void tx_reset(conn_t *c)
{
    c->depth = 0;
    c->tx_write = false;
    c->tx_failed = false;
    c->rollback_only = false;
    c->numadd_locked = false;
}

/* COMMIT, checked: PostgreSQL answers the COMMIT of an aborted transaction
 * with success and the tag ROLLBACK.  Never sent twice: a COMMIT lost with
 * its connection has an unknown outcome. */
static int commit_checked(conn_t *c, const char *what)
{
    PGresult *r = PQexec(c->pg, "COMMIT");
    int rc = ST_OK;
    if (!res_ok(r) || strcmp(PQcmdStatus(r), "COMMIT") != 0) {
        if (res_ok(r)) log_msg(LOG_ERROR, "postgres: %s: the transaction had failed", what);
        else res_status(c, r, what);
        rc = ST_ERR;
        if (PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
            PGresult *rb = PQexec(c->pg, "ROLLBACK");
            PQclear(rb);
        }
    }
    PQclear(r);
    return rc;
}

static int pg_tx_begin(store_t *st, bool write)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    if (c->depth > 0) {
        c->depth++;
        /* a write nested in a read transaction: it must queue behind
         * import batches like any writer */
        if (write && !c->tx_write) {
            c->tx_write = true;
            if (q_simple(c, "SELECT pg_advisory_xact_lock_shared(" LOCK_NS ", " LOCK_INVENTORY ")") !=
                ST_OK)
                return ST_ERR;
        }
        return ST_OK;
    }
    tx_reset(c);
    /* one round trip: BEGIN and, for a writer, the inventory lock (shared)
     * before any row lock */
    int rc = q_simple(c, write ? "BEGIN; SELECT pg_advisory_xact_lock_shared(" LOCK_NS
                                 ", " LOCK_INVENTORY ")"
                               : "BEGIN ISOLATION LEVEL REPEATABLE READ");
    if (rc != ST_OK) {
        /* BEGIN may have succeeded and the lock failed (lock_timeout) */
        if (PQtransactionStatus(c->pg) != PQTRANS_IDLE) {
            PGresult *r = PQexec(c->pg, "ROLLBACK");
            PQclear(r);
        }
        tx_reset(c);
        return ST_ERR;
    }
    c->depth = 1;
    c->tx_write = write;
    return ST_OK;
}

static int pg_tx_commit(store_t *st)
{
    conn_t *c = CONN(st);
    if (!c || c->depth == 0) return ST_ERR;
    if (--c->depth > 0) return ST_OK;
    int rc = ST_ERR;
    if (c->rollback_only || c->tx_failed) {
        if (PQstatus(c->pg) == CONNECTION_OK) {
            PGresult *r = PQexec(c->pg, "ROLLBACK");
            PQclear(r);
        }
    } else {
        rc = commit_checked(c, "COMMIT");
    }
    tx_reset(c);
    return rc;
}

static void pg_tx_rollback(store_t *st)
{
    conn_t *c = CONN(st);
    if (!c || c->depth == 0) return;
    if (--c->depth > 0) {
        c->rollback_only = true;
        return;
    }
    if (PQstatus(c->pg) == CONNECTION_OK) {
        PGresult *r = PQexec(c->pg, "ROLLBACK");
        PQclear(r);
    }
    tx_reset(c);
}

/* ---- migrations -------------------------------------------------------- */

static int pg_migrate(store_t *st, int *applied)
{
    conn_t *c = CONN(st);
    int n = 0, ret = ST_ERR;
    bool locked = false;
    if (!c) return ST_ERR;
    /* A session lock, held across the migrations' own transactions: a
     * second node starting at the same moment waits here, then finds the
     * schema up to date.  The bookkeeping table is created under the lock
     * too (two concurrent CREATE TABLE IF NOT EXISTS can both fail).  No
     * lock timeout meanwhile: another node's migration may take minutes
     * (an index on a large table), and waiting for it is right. */
    if (q_simple(c, "SET lock_timeout = 0") != ST_OK ||
        q_simple(c, "SELECT pg_advisory_lock(" LOCK_NS ", " LOCK_MIGRATE ")") != ST_OK)
        goto done;
    locked = true;
    if (q_simple(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)") !=
        ST_OK)
        goto done;
    PGresult *r = NULL;
    if (q_dyn(c, "SELECT COALESCE(max(version), 0) FROM schema_migrations", NULL, &r) != ST_OK)
        goto done;
    int version = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    /* during a rolling upgrade an older node may start on a newer schema:
     * migrations keep the previous release working, so it only says so */
    if (postgres_migrations_len > 0 &&
        version > postgres_migrations[postgres_migrations_len - 1].version)
        log_msg(LOG_WARN, "postgres: the database's schema (version %d) is newer than this numberd's (%d)",
                version, postgres_migrations[postgres_migrations_len - 1].version);
    for (size_t i = 0; i < postgres_migrations_len; i++) {
        const nd_migration_t *m = &postgres_migrations[i];
        if (m->version <= version) continue;
        params_t p = {0};
        p_i64(&p, m->version);
        p_text(&p, m->name);
        p_i64(&p, clock_now());
        c->depth = 1; /* a transaction: no silent reconnect in the middle */
        int rc = q_simple(c, "BEGIN");
        if (rc == ST_OK) rc = q_simple(c, m->sql);
        if (rc == ST_OK)
            rc = q_dyn(c, "INSERT INTO schema_migrations(version, name, applied_at) "
                          "VALUES ($1, $2, $3)", &p, NULL);
        if (rc == ST_OK) rc = commit_checked(c, m->name);
        if (rc != ST_OK) {
            log_msg(LOG_ERROR, "postgres: migration %s failed", m->name);
            if (PQstatus(c->pg) == CONNECTION_OK) {
                PGresult *rb = PQexec(c->pg, "ROLLBACK");
                PQclear(rb);
            }
            tx_reset(c);
            goto done;
        }
        tx_reset(c);
        n++;
    }
    if (applied) *applied = n;
    ret = ST_OK;
done:
    if (locked && PQstatus(c->pg) == CONNECTION_OK) {
        PGresult *u = PQexec(c->pg, "SELECT pg_advisory_unlock(" LOCK_NS ", " LOCK_MIGRATE ")");
        PQclear(u);
    }
    if (PQstatus(c->pg) == CONNECTION_OK) {
        PGresult *t = PQexec(c->pg, "SET lock_timeout = '15s'");
        PQclear(t);
    }
    return ret;
}

/* ---- accounts ---------------------------------------------------------- */

static void read_account(rd_t *d, account_t *a)
{
    memset(a, 0, sizeof *a);
    a->id = rd_i64(d);
    rd_copy(d, a->auth_id, sizeof a->auth_id);
    a->parent_id = rd_i64(d);
    rd_copy(d, a->name, sizeof a->name);
    a->enabled = rd_bool(d);
    size_t n = 0;
    uint8_t h[IDS_HASH_SZ];
    rd_blob(d, h, sizeof h, &n);
    if (n == IDS_HASH_SZ) memcpy(a->token_hash, h, IDS_HASH_SZ);
    a->created_at = rd_i64(d);
    a->modified_at = rd_i64(d);
}

static void rd_account(rd_t *d, void *rows, size_t i)
{
    read_account(d, &((account_t *)rows)[i]);
}

static int pg_account_insert(store_t *st, account_t *a)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, a->auth_id);
    p_id(&p, a->parent_id);
    p_text(&p, a->name);
    p_blob(&p, a->token_hash, IDS_HASH_SZ);
    p_bool(&p, a->enabled);
    p_i64(&p, a->created_at);
    PGresult *r = NULL;
    int rc = q_exec(c, Q_ACCOUNT_INSERT, &p, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) == 1) a->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    else rc = ST_CONFLICT;
    PQclear(r);
    return rc;
}

static int pg_account_by_auth_id(store_t *st, const char *auth_id, account_t *out)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, auth_id);
    return one_row(c, locking(c) ? Q_ACCOUNT_BY_AUTH_ID_LOCK : Q_ACCOUNT_BY_AUTH_ID, &p,
                   rd_account, out);
}

static int pg_account_by_id(store_t *st, int64_t id, account_t *out)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, id);
    return one_row(c, Q_ACCOUNT_BY_ID, &p, rd_account, out);
}

static int pg_account_list(store_t *st, store_account_cb cb, void *ud)
{
    conn_t *c = CONN(st);
    PGresult *r = NULL;
    if (!c || q_exec(c, Q_ACCOUNT_LIST, NULL, &r, NULL) != ST_OK) return ST_ERR;
    for (int i = 0; i < PQntuples(r); i++) {
        account_t a;
        rd_t d = {r, i, 0};
        read_account(&d, &a);
        if (cb(&a, ud) != C_OK) break;
    }
    PQclear(r);
    return ST_OK;
}

static int64_t pg_account_count(store_t *st)
{
    conn_t *c = CONN(st);
    PGresult *r = NULL;
    if (!c || q_exec(c, Q_ACCOUNT_COUNT, NULL, &r, NULL) != ST_OK) return -1;
    int64_t n = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    return n;
}

static int pg_apikey_insert(store_t *st, int64_t account_id, const uint8_t hash[IDS_HASH_SZ],
                            unsigned scopes)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_blob(&p, hash, IDS_HASH_SZ);
    p_i64(&p, (int64_t)scopes);
    p_i64(&p, clock_now());
    int rc = q_write1(c, Q_APIKEY_INSERT, &p);
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
}

static int pg_apikey_lookup(store_t *st, const uint8_t hash[IDS_HASH_SZ], int64_t *account_id,
                            unsigned *scopes)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_blob(&p, hash, IDS_HASH_SZ);
    PGresult *r = NULL;
    int rc = q_exec(c, Q_APIKEY_LOOKUP, &p, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) > 0) {
        rd_t d = {r, 0, 0};
        *account_id = rd_i64(&d);
        *scopes = (unsigned)rd_i64(&d);
    } else {
        rc = ST_NOTFOUND;
    }
    PQclear(r);
    return rc;
}

/* ---- inventory rows ----------------------------------------------------- */

static void read_inv(rd_t *d, inv_number_t *r)
{
    rd_copy(d, r->number, sizeof r->number);
    rd_copy(d, r->country_iso, sizeof r->country_iso);
    rd_copy(d, r->type, sizeof r->type);
    rd_copy(d, r->sub_type, sizeof r->sub_type);
    rd_copy(d, r->prefix, sizeof r->prefix);
    rd_copy(d, r->city, sizeof r->city);
    rd_copy(d, r->region, sizeof r->region);
    rd_copy(d, r->rate_center, sizeof r->rate_center);
    r->lata = (int32_t)rd_money(d); /* NULL: -1 */
    r->voice = rd_bool(d);
    r->sms = rd_bool(d);
    r->mms = rd_bool(d);
    r->setup_rate = rd_money(d);
    r->monthly_rental_rate = rd_money(d);
    r->voice_rate = rd_money(d);
    r->sms_rate = rd_money(d);
    r->mms_rate = rd_money(d);
    rd_copy(d, r->restriction, sizeof r->restriction);
    rd_copy(d, r->restriction_text, sizeof r->restriction_text);
    rd_copy(d, r->carrier, sizeof r->carrier);
}

static void rd_inv(rd_t *d, void *rows, size_t i)
{
    read_inv(d, &((inv_number_t *)rows)[i]);
}

static int caps_of(const inv_number_t *v)
{
    return (v->voice ? 1 : 0) | (v->sms ? 2 : 0) | (v->mms ? 4 : 0);
}

/* ---- inventory import --------------------------------------------------- */

/* The upper bound of a digit-prefix range: "1415" -> "1415:" (':' sorts
 * right after '9' in the C collation of every text column), so number >= p
 * AND number < p: is "starts with p". */
static void prefix_hi(const char *p, char *out, size_t sz)
{
    snprintf(out, sz, "%s:", p);
}


/* What the import knows about one number in the database (or about to be
 * in it).  While its row waits for the next flush, gen is the flush
 * generation and line its line in the COPY buffer. */
typedef struct {
    char num[E164_BUFSZ]; /* "" = free slot */
    uint8_t state, source;
    uint32_t gen;         /* 0: not waiting */
    uint32_t line;
} known_t;

/* A row waiting for the next flush: one line of the COPY buffer. */
typedef struct {
    size_t off;           /* where the line starts in the buffer */
    bool dead;            /* replaced by a later row of the same number */
} pending_t;

/* An open-addressing hash map from digit strings to known_t. */
typedef struct {
    known_t *slot;
    size_t cap, n;
} kmap_t;

#define KNOWN_MAX 4000000     /* forget the picture beyond this many numbers */
#define FLUSH_ROWS 100000     /* rows per COPY + upsert (a core batch) */
#define RANGE_MAX 8192        /* numbers one read-ahead may bring */
#define RANGE_PREFIX 4        /* first read-ahead: numbers starting with 4 digits */

struct store_import {
    pg_store_t *s;
    conn_t *c;
    bool dry_run;
    int64_t now;
    /* The picture: the numbers the import knows, and the prefixes it has
     * read whole (every number of the database starting with a covered
     * prefix is in `known`). */
    kmap_t known, covered;
    int plen;             /* prefix length of the next read-ahead */
    /* rows waiting for the next flush, as lines of COPY text */
    buf_t copy;
    pending_t *pend;
    size_t npend, pcap, nlive;
    uint32_t gen;
};

static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* The entry of s[0..n), or NULL. */
static known_t *kmap_find(const kmap_t *m, const char *s, size_t n)
{
    if (m->cap == 0) return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = str_hash(s, n) & mask;; i = (i + 1) & mask) {
        const char *k = m->slot[i].num;
        if (k[0] == '\0') return NULL;
        if (strncmp(k, s, n) == 0 && k[n] == '\0') return &m->slot[i];
    }
}

/* The entry of s[0..n), added (zeroed) if missing. */
static known_t *kmap_put(kmap_t *m, const char *s, size_t n)
{
    if ((m->n + 1) * 10 >= m->cap * 7) {
        kmap_t bigger = {xcalloc(m->cap ? m->cap * 2 : 4096, sizeof(known_t)),
                         m->cap ? m->cap * 2 : 4096, 0};
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->slot[i].num[0]) continue;
            *kmap_put(&bigger, m->slot[i].num, strlen(m->slot[i].num)) = m->slot[i];
        }
        free(m->slot);
        *m = bigger;
    }
    size_t mask = m->cap - 1;
    size_t i = str_hash(s, n) & mask;
    while (m->slot[i].num[0] && !(strncmp(m->slot[i].num, s, n) == 0 && m->slot[i].num[n] == '\0'))
        i = (i + 1) & mask;
    if (!m->slot[i].num[0]) {
        if (n >= sizeof m->slot[i].num) n = sizeof m->slot[i].num - 1;
        memcpy(m->slot[i].num, s, n);
        m->slot[i].num[n] = '\0';
        m->n++;
    }
    return &m->slot[i];
}

static void kmap_free(kmap_t *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

static void import_forget(store_import_t *im)
{
    kmap_free(&im->known);
    kmap_free(&im->covered);
}

static bool is_covered(const store_import_t *im, const char *num)
{
    size_t len = strlen(num);
    for (size_t n = 1; n <= len; n++)
        if (kmap_find(&im->covered, num, n)) return true;
    return false;
}

/* Reads ahead around num: every number of the database that starts with
 * num's first plen digits, so that the numbers near it in the file (sorted
 * files, and files grouped by area code) are answered without a query.
 * A prefix holding more than RANGE_MAX numbers is too dense: the prefix
 * grows by a digit, for this and every later read-ahead. */
static int read_ahead(store_import_t *im, const char *num)
{
    size_t len = strlen(num);
    for (;;) {
        size_t plen = (size_t)im->plen < len ? (size_t)im->plen : len;
        char lo[E164_BUFSZ], hi[E164_BUFSZ + 1];
        snprintf(lo, sizeof lo, "%.*s", (int)plen, num);
        prefix_hi(lo, hi, sizeof hi);
        params_t p = {0};
        p_text(&p, lo);
        p_text(&p, hi);
        p_i64(&p, RANGE_MAX + 1);
        PGresult *r = NULL;
        int rc = q_exec(im->c, Q_IMPORT_PREFETCH, &p, &r, NULL);
        if (rc != ST_OK) return rc;
        int n = PQntuples(r);
        if (n > RANGE_MAX && plen < len) {
            PQclear(r);
            im->plen++;
            continue;
        }
        for (int i = 0; i < n; i++) {
            rd_t d = {r, i, 0};
            const char *v = rd_val(&d);
            if (!v) continue;
            known_t *k = kmap_find(&im->known, v, strlen(v));
            if (k) continue; /* what the import wrote is newer */
            k = kmap_put(&im->known, v, strlen(v));
            k->state = (uint8_t)rd_int(&d);
            k->source = (uint8_t)rd_int(&d);
            k->gen = 0;
        }
        PQclear(r);
        kmap_put(&im->covered, lo, plen);
        return ST_OK;
    }
}

/* COPY text format: tab-separated, \N for NULL, backslash escapes. */
static void copy_text(buf_t *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\': buf_puts(b, "\\\\"); break;
        case '\t': buf_puts(b, "\\t"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        default: buf_putc(b, *s);
        }
    }
    buf_putc(b, '\t');
}

static void copy_money(buf_t *b, int64_t v)
{
    if (v < 0) buf_puts(b, "\\N\t");
    else buf_printf(b, "%lld\t", (long long)v);
}

static void copy_row(buf_t *b, const inv_number_t *r)
{
    copy_text(b, r->number);
    copy_text(b, r->country_iso);
    copy_text(b, r->type);
    copy_text(b, r->sub_type);
    copy_text(b, r->prefix);
    copy_text(b, r->city);
    copy_text(b, r->region);
    copy_text(b, r->rate_center);
    copy_money(b, r->lata);
    buf_puts(b, r->voice ? "t\t" : "f\t");
    buf_puts(b, r->sms ? "t\t" : "f\t");
    buf_puts(b, r->mms ? "t\t" : "f\t");
    copy_money(b, r->setup_rate);
    copy_money(b, r->monthly_rental_rate);
    copy_money(b, r->voice_rate);
    copy_money(b, r->sms_rate);
    copy_money(b, r->mms_rate);
    copy_text(b, r->restriction);
    copy_text(b, r->restriction_text);
    copy_text(b, r->carrier);
    buf_printf(b, "%d\n", caps_of(r));
}

/* Writes the buffered rows: COPY into the session's temporary table, then
 * one upsert into numbers. */
static int import_flush(store_import_t *im)
{
    conn_t *c = im->c;
    int rc = ST_OK;
    if (im->nlive == 0) return ST_OK;
    PGresult *r = PQexec(c->pg, "COPY nd_import FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        rc = res_status(c, r, "import COPY");
        PQclear(r);
        return rc == ST_OK ? ST_ERR : rc;
    }
    PQclear(r);
    /* the live lines, in runs between dead ones */
    for (size_t i = 0, run = 0; rc == ST_OK && i <= im->npend; i++) {
        if (i < im->npend && !im->pend[i].dead) continue;
        size_t end = i < im->npend ? im->pend[i].off : im->copy.len;
        size_t start = run < im->npend ? im->pend[run].off : end;
        if (end > start && PQputCopyData(c->pg, im->copy.data + start, (int)(end - start)) != 1)
            rc = ST_ERR;
        run = i + 1;
    }
    if (PQputCopyEnd(c->pg, rc == ST_OK ? NULL : "client failed") != 1) rc = ST_ERR;
    if (rc != ST_OK) log_msg(LOG_ERROR, "postgres: import COPY: %s", PQerrorMessage(c->pg));
    while ((r = PQgetResult(c->pg)) != NULL) {
        if (res_status(c, r, "import COPY") != ST_OK) rc = ST_ERR;
        PQclear(r);
    }
    int64_t n = 0;
    if (rc == ST_OK) {
        params_t p = {0};
        p_i64(&p, im->now);
        rc = q_exec(c, Q_IMPORT_UPSERT, &p, NULL, &n);
    }
    if (rc == ST_OK && n != (int64_t)im->nlive) {
        /* cannot happen while the inventory lock is held */
        log_msg(LOG_ERROR, "postgres: import wrote %lld of %zu rows", (long long)n, im->nlive);
        rc = ST_ERR;
    }
    if (rc == ST_OK) rc = q_simple(c, "TRUNCATE nd_import");
    buf_reset(&im->copy);
    im->npend = im->nlive = 0;
    im->gen++;
    return rc == ST_OK ? ST_OK : ST_ERR;
}

/* Opens the batch transaction: the inventory lock, exclusive, before the
 * first read (separate statements: the reads must see what the writers we
 * waited for committed). */
static int import_tx_begin(store_import_t *im)
{
    if (im->dry_run) return q_simple(im->c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (q_simple(im->c, "BEGIN") != ST_OK) return ST_ERR;
    return q_simple(im->c, "SELECT pg_advisory_xact_lock(" LOCK_NS ", " LOCK_INVENTORY ")");
}

/* An import runs on a connection of its own: a streamed HTTP import spans
 * many calls on a worker thread, and requests that thread serves meanwhile
 * must not land inside the import's transaction. */
static int pg_import_begin(store_t *st, bool dry_run, store_import_t **out)
{
    pg_store_t *s = (pg_store_t *)st;
    char *err = NULL;
    conn_t *c = conn_open(s->url, &err);
    if (!c) {
        log_msg(LOG_ERROR, "postgres: cannot connect: %s", err);
        free(err);
        return ST_ERR;
    }
    store_import_t *im = xcalloc(1, sizeof *im);
    im->s = s;
    im->c = c;
    im->dry_run = dry_run;
    im->now = clock_now();
    im->plen = RANGE_PREFIX;
    im->gen = 1;
    /* the transaction spans calls: never reconnect silently inside it */
    c->depth = 1;
    c->tx_write = !dry_run;
    /* the read-ahead's range is planned for its values every time: the
     * table grows under it, from empty */
    int rc = q_simple(c, "SET plan_cache_mode = force_custom_plan");
    if (rc == ST_OK && !dry_run)
        rc = q_simple(c, "CREATE TEMP TABLE nd_import (number text, country_iso text, type text, "
                         "sub_type text, prefix text, city text, region text, rate_center text, "
                         "lata integer, voice_enabled boolean, sms_enabled boolean, "
                         "mms_enabled boolean, setup_rate bigint, monthly_rental_rate bigint, "
                         "voice_rate bigint, sms_rate bigint, mms_rate bigint, restriction text, "
                         "restriction_text text, carrier text, caps integer) "
                         "ON COMMIT DELETE ROWS");
    if (rc == ST_OK) rc = import_tx_begin(im);
    if (rc != ST_OK) {
        conn_close(c);
        free(im);
        return ST_ERR;
    }
    *out = im;
    return ST_OK;
}

static int pg_import_row(store_import_t *im, const inv_number_t *row, import_outcome_t *out)
{
    size_t len = strlen(row->number);
    known_t *k = kmap_find(&im->known, row->number, len);
    if (!k && !is_covered(im, row->number)) {
        if (read_ahead(im, row->number) != ST_OK) return ST_ERR;
        k = kmap_find(&im->known, row->number, len);
    }
    if (k && !(k->state == NUM_AVAILABLE && k->source == SRC_INVENTORY)) {
        *out = IMPORT_REFUSED;
        return ST_OK;
    }
    *out = k ? IMPORT_UPDATED : IMPORT_INSERTED;
    /* one upsert cannot touch a row twice: a number already waiting has
     * its line replaced by this one (the later row wins, as if the first
     * had been written and then updated, as in sqlite.c) */
    if (!im->dry_run && k && k->gen == im->gen) {
        im->pend[k->line].dead = true;
        im->nlive--;
    }
    /* from now on the number is an available inventory number: written,
     * or in a dry run as good as written until the batch ends */
    k = kmap_put(&im->known, row->number, len);
    k->state = NUM_AVAILABLE;
    k->source = SRC_INVENTORY;
    k->gen = 0;
    if (im->dry_run) return ST_OK;
    if (im->npend == im->pcap) {
        im->pcap = im->pcap ? im->pcap * 2 : 4096;
        im->pend = xrealloc(im->pend, im->pcap * sizeof *im->pend);
    }
    k->gen = im->gen;
    k->line = (uint32_t)im->npend;
    pending_t *pl = &im->pend[im->npend++];
    pl->off = im->copy.len;
    pl->dead = false;
    copy_row(&im->copy, row);
    im->nlive++;
    if (im->npend >= FLUSH_ROWS && import_flush(im) != ST_OK) return ST_ERR;
    if (im->known.n > KNOWN_MAX) {
        /* everything written: the database alone holds the picture now */
        if (import_flush(im) != ST_OK) return ST_ERR;
        import_forget(im);
    }
    return ST_OK;
}

static int pg_import_commit_batch(store_import_t *im)
{
    if (im->dry_run) {
        /* nothing was written: the batch's numbers are forgotten, as in
         * sqlite.c (the snapshot still holds everything else) */
        import_forget(im);
        return ST_OK;
    }
    if (import_flush(im) != ST_OK || commit_checked(im->c, "import COMMIT") != ST_OK) return ST_ERR;
    /* between batches other writers ran: what the import knew may be stale */
    import_forget(im);
    return import_tx_begin(im);
}

static int pg_import_end(store_import_t *im, bool commit)
{
    conn_t *c = im->c;
    int rc = ST_OK;
    if (commit && !im->dry_run) {
        rc = import_flush(im);
        if (rc == ST_OK) rc = commit_checked(c, "import COMMIT");
    }
    if (rc != ST_OK || !commit || im->dry_run) {
        PGresult *r = PQexec(c->pg, "ROLLBACK");
        PQclear(r);
    }
    /* Fresh statistics for the planner, as sqlite.c's ANALYZE; and the
     * new rows marked all-visible, so that counts (search, lists) are
     * answered from the indexes alone, as SQLite's covering indexes do.
     * VACUUM skips pages already all-visible: a small import into a large
     * table costs little. */
    if (rc == ST_OK && commit && !im->dry_run) {
        tx_reset(c);
        q_simple(c, "VACUUM (ANALYZE) numbers");
    }
    conn_close(c);
    import_forget(im);
    buf_free(&im->copy);
    free(im->pend);
    free(im);
    return rc;
}

static int pg_inventory_stats(store_t *st, store_stats_cb cb, void *ud)
{
    conn_t *c = CONN(st);
    PGresult *r = NULL;
    if (!c || q_exec(c, Q_STATS, NULL, &r, NULL) != ST_OK) return ST_ERR;
    for (int i = 0; i < PQntuples(r); i++) {
        stats_row_t s;
        rd_t d = {r, i, 0};
        rd_copy(&d, s.country_iso, sizeof s.country_iso);
        rd_copy(&d, s.type, sizeof s.type);
        s.state = (num_state_t)rd_int(&d);
        s.count = rd_i64(&d);
        if (cb(&s, ud) != C_OK) break;
    }
    PQclear(r);
    return ST_OK;
}

/* ---- search and purchase ----------------------------------------------- */

/* SQLite's GLOB as an anchored POSIX regular expression: '*' any run, '?'
 * one character, [...] a class ([!...] or [^...] negated), anything else
 * literal. */
static void glob_to_regex(const char *g, buf_t *out)
{
    buf_putc(out, '^');
    for (const char *p = g; *p; p++) {
        if (*p == '*') {
            buf_puts(out, ".*");
        } else if (*p == '?') {
            buf_putc(out, '.');
        } else if (*p == '[' && strchr(p + 1, ']')) {
            const char *q = p + 1;
            buf_putc(out, '[');
            if (*q == '!' || *q == '^') {
                buf_putc(out, '^');
                q++;
            }
            if (*q == ']') { /* a leading ']' is literal */
                buf_puts(out, "\\]");
                q++;
            }
            for (; *q && *q != ']'; q++) {
                if (*q == '\\' || *q == '[') buf_putc(out, '\\');
                buf_putc(out, *q);
            }
            buf_putc(out, ']');
            p = q;
        } else {
            if (strchr("\\.^$|()[]{}+?*", *p)) buf_putc(out, '\\');
            buf_putc(out, *p);
        }
    }
    buf_putc(out, '$');
}

typedef struct {
    char rc[MODEL_RATE_CENTER_SZ];
    int32_t lata;
    bool have;
} lca_t;

static int resolve_lca(conn_t *c, const search_q_t *q, lca_t *out)
{
    char hi[64];
    prefix_hi(q->lca_prefix, hi, sizeof hi);
    params_t p = {0};
    p_text(&p, q->country_iso);
    p_text(&p, q->lca_prefix);
    p_text(&p, hi);
    PGresult *r = NULL;
    out->have = false;
    if (q_exec(c, Q_LCA, &p, &r, NULL) != ST_OK) return ST_ERR;
    if (PQntuples(r) > 0) {
        rd_t d = {r, 0, 0};
        rd_copy(&d, out->rc, sizeof out->rc);
        out->lata = (int32_t)rd_money(&d);
        out->have = true;
    }
    PQclear(r);
    return ST_OK;
}

static int pg_number_search(store_t *st, const search_q_t *q, inv_number_t *rows,
                            size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    *nrows = 0;
    *total = 0;

    lca_t lca = {.have = false};
    if (q->lca_prefix[0]) {
        if (resolve_lca(c, q, &lca) != ST_OK) return ST_ERR;
        if (!lca.have) return ST_OK; /* unknown NPA-NXX: nothing in its area */
    }

    /* WHERE clause from fixed fragments; values bound in order.  City,
     * region and rate center compare case-insensitively as SQLite's NOCASE:
     * lower() under the C collation folds ASCII only, and matches the
     * lower() indexes of 0001_init.sql. */
    params_t p = {0};
    buf_t w = BUF_INIT, re = BUF_INIT;
    char hi[64];
    p_text(&p, q->country_iso);
    buf_puts(&w, "FROM numbers WHERE state = 0 AND country_iso = $1");
    if (q->prefix[0]) {
        prefix_hi(q->prefix, hi, sizeof hi);
        p_text(&p, q->prefix);
        p_text(&p, hi);
        buf_printf(&w, " AND number >= $%d AND number < $%d", p.n - 1, p.n);
    }
    if (q->glob[0]) {
        glob_to_regex(q->glob, &re);
        p_text(&p, re.data);
        buf_printf(&w, " AND number ~ $%d", p.n);
    }
    /* q->type is one of the five canonical names (core checked it): a
     * literal, so that the planner can use its partial index */
    if (q->type) buf_printf(&w, " AND (type = '%s' OR sub_type = '%s')", q->type, q->type);
    if (q->region) {
        p_text(&p, q->region);
        buf_printf(&w, " AND lower(region) = lower($%d::text COLLATE \"C\")", p.n);
    }
    if (q->city) {
        p_text(&p, q->city);
        buf_printf(&w, " AND lower(city) = lower($%d::text COLLATE \"C\")", p.n);
    }
    if (q->rate_center) {
        p_text(&p, q->rate_center);
        buf_printf(&w, " AND lower(rate_center) = lower($%d::text COLLATE \"C\")", p.n);
    }
    if (q->lata >= 0) {
        p_i64(&p, q->lata);
        buf_printf(&w, " AND lata = $%d::int", p.n);
    }
    if (lca.have) {
        p_text(&p, lca.rc);
        buf_printf(&w, " AND lower(rate_center) = lower($%d::text COLLATE \"C\")", p.n);
        if (lca.lata >= 0) {
            p_i64(&p, lca.lata);
            buf_printf(&w, " AND lata = $%d::int", p.n);
        } else {
            buf_puts(&w, " AND lata IS NULL");
        }
    }
    if (q->caps) buf_printf(&w, " AND (caps & %d) = %d", q->caps, q->caps);
    /* The count stops at a cap (store.h): counting every match of a broad
     * search is O(matches), and search must cost the same at 10,000 and
     * at 5,000,000 numbers. */
    int64_t cap = (int64_t)q->offset + q->limit + 1;
    if (cap < SEARCH_COUNT_CAP) cap = SEARCH_COUNT_CAP;
    p_i64(&p, cap);
    p_i64(&p, q->limit);
    p_i64(&p, q->offset);
    char *sql = xasprintf("SELECT t.n, p.* FROM (SELECT count(*) AS n FROM (SELECT 1 %s LIMIT $%d) m) t "
                          "LEFT JOIN LATERAL (SELECT " INV_COLS " %s ORDER BY number LIMIT $%d "
                          "OFFSET $%d) p ON true",
                          w.data, p.n - 2, w.data, p.n - 1, p.n);
    buf_free(&w);
    int ret = page_dyn(c, sql, &p, q->limit, rd_inv, rows, nrows, total);
    buf_free(&re);
    free(sql);
    return ret;
}

static int pg_number_get_available(store_t *st, const char *number, inv_number_t *out)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, number);
    return one_row(c, locking(c) ? Q_NUMBER_GET_AVAILABLE_LOCK : Q_NUMBER_GET_AVAILABLE, &p,
                   rd_inv, out);
}

static int pg_number_buy(store_t *st, const buy_row_t *b)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, b->number);
    p_i64(&p, (int64_t)b->state);
    p_i64(&p, b->account_id);
    p_id(&p, b->sub_id);
    p_text(&p, b->app_id);
    p_text(&p, b->cnam_lookup);
    p_text(&p, b->compliance_id);
    p_text(&p, b->added_on);
    p_text(&p, b->renewal_date);
    p_i64(&p, clock_now());
    p_text(&p, b->byoc_id);
    /* in a write transaction: behind any import batch */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = q_write1(c, Q_NUMBER_BUY, &p);
    if (rc == ST_ERR || rc == ST_CONFLICT) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st) == ST_OK ? rc : ST_ERR;
}

static int pg_number_approve(store_t *st, const char *number)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, number);
    p_i64(&p, clock_now());
    int rc = q_write1(c, Q_NUMBER_APPROVE, &p);
    if (rc != ST_NOTFOUND) return rc;
    params_t s = {0};
    p_text(&s, number);
    PGresult *r = NULL;
    if (q_exec(c, Q_NUMBER_STATE, &s, &r, NULL) != ST_OK) return ST_ERR;
    rc = PQntuples(r) > 0 ? ST_CONFLICT : ST_NOTFOUND;
    PQclear(r);
    return rc;
}

/* ---- owned numbers ------------------------------------------------------ */

static void read_owned(rd_t *d, owned_number_t *o)
{
    memset(o, 0, sizeof *o);
    read_inv(d, &o->inv);
    o->state = (num_state_t)rd_int(d);
    o->source = (num_source_t)rd_int(d);
    o->owner_id = rd_i64(d);
    o->sub_id = rd_i64(d);
    rd_copy(d, o->sub_auth_id, sizeof o->sub_auth_id);
    rd_copy(d, o->app_id, sizeof o->app_id);
    rd_copy(d, o->alias, sizeof o->alias);
    rd_copy(d, o->added_on, sizeof o->added_on);
    rd_copy(d, o->renewal_date, sizeof o->renewal_date);
    rd_copy(d, o->compliance_id, sizeof o->compliance_id);
    rd_copy(d, o->cnam_lookup, sizeof o->cnam_lookup);
    rd_copy(d, o->cnam, sizeof o->cnam);
    rd_copy(d, o->cnam_callback_url, sizeof o->cnam_callback_url);
    rd_copy(d, o->cnam_callback_method, sizeof o->cnam_callback_method);
    rd_copy(d, o->caller_reputation_status, sizeof o->caller_reputation_status);
    rd_copy(d, o->profile_uuid, sizeof o->profile_uuid);
    rd_copy(d, o->cr_callback_url, sizeof o->cr_callback_url);
    rd_copy(d, o->cr_callback_method, sizeof o->cr_callback_method);
    rd_copy(d, o->tendlc_registration_status, sizeof o->tendlc_registration_status);
    rd_copy(d, o->tendlc_campaign_id, sizeof o->tendlc_campaign_id);
    rd_copy(d, o->toll_free_sms_verification, sizeof o->toll_free_sms_verification);
    o->carrier_id = rd_i64(d);
    o->created_at = rd_i64(d);
    o->updated_at = rd_i64(d);
    rd_copy(d, o->byoc_id, sizeof o->byoc_id);
    rd_copy(d, o->label, sizeof o->label);
    rd_copy(d, o->carrier_sid, sizeof o->carrier_sid);
}

static void rd_owned(rd_t *d, void *rows, size_t i)
{
    read_owned(d, &((owned_number_t *)rows)[i]);
}

static int pg_number_list(store_t *st, const numlist_q_t *q, owned_number_t *rows,
                          size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    *nrows = 0;
    *total = 0;
    static const char *const ops[5] = {"=", ">", ">=", "<", "<="};

    params_t p = {0};
    buf_t w = BUF_INIT;
    char hi[64];
    p_i64(&p, q->owner_id);
    buf_puts(&w, "WHERE n.owner_id = $1 AND n.state IN (1, 2)");
    if (q->sub_id > 0) {
        p_i64(&p, q->sub_id);
        buf_printf(&w, " AND n.sub_id = $%d", p.n);
    }
    /* canonical type from the core's fixed list: a literal, like search */
    if (q->type) buf_printf(&w, " AND (n.type = '%s' OR n.sub_type = '%s')", q->type, q->type);
    if (q->prefix) {
        prefix_hi(q->prefix, hi, sizeof hi);
        p_text(&p, q->prefix);
        p_text(&p, hi);
        buf_printf(&w, " AND n.number >= $%d AND n.number < $%d", p.n - 1, p.n);
    }
    if (q->alias) {
        p_text(&p, q->alias);
        buf_printf(&w, " AND n.alias = $%d", p.n);
    }
    if (q->caps) buf_printf(&w, " AND (n.caps & %d) = %d", q->caps, q->caps);
    if (q->cnam_lookup) {
        p_text(&p, q->cnam_lookup);
        buf_printf(&w, " AND n.cnam_lookup = $%d", p.n);
    }
    for (int k = 0; k < 5; k++) {
        if (!q->renewal[k]) continue;
        p_text(&p, q->renewal[k]);
        buf_printf(&w, " AND n.renewal_date %s $%d", ops[k], p.n);
    }
    if (q->tendlc_status) {
        p_text(&p, q->tendlc_status);
        buf_printf(&w, " AND n.tendlc_registration_status = $%d", p.n);
    }
    if (q->tendlc_campaign) {
        p_text(&p, q->tendlc_campaign);
        buf_printf(&w, " AND n.tendlc_campaign_id = $%d", p.n);
    }
    if (q->tf_verification) {
        p_text(&p, q->tf_verification);
        buf_printf(&w, " AND n.toll_free_sms_verification = $%d", p.n);
    }
    /* small closed sets and row ids: literals, like the type */
    if (q->carrier_id > 0) buf_printf(&w, " AND n.carrier_id = %lld", (long long)q->carrier_id);
    if (q->by_source) buf_printf(&w, " AND n.source = %d", (int)q->source);
    if (q->by_state) buf_printf(&w, " AND n.state = %d", (int)q->state);
    p_i64(&p, q->limit);
    p_i64(&p, q->offset);

    /* the page is cut from numbers alone; only its rows are joined */
    char *sql = xasprintf("SELECT t.n, p.* FROM (SELECT count(*) AS n FROM numbers n %s) t "
                          "LEFT JOIN LATERAL (SELECT " OWNED_COLS "FROM (SELECT * FROM numbers n %s "
                          "ORDER BY n.number LIMIT $%d OFFSET $%d) n " OWNED_JOINS
                          "ORDER BY n.number) p ON true",
                          w.data, w.data, p.n - 1, p.n);
    buf_free(&w);
    int ret = page_dyn(c, sql, &p, q->limit, rd_owned, rows, nrows, total);
    free(sql);
    return ret;
}

static int pg_number_get_owned(store_t *st, int64_t owner_id, int64_t sub_id, const char *number,
                               owned_number_t *out)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, number);
    p_i64(&p, owner_id);
    p_i64(&p, sub_id);
    return one_row(c, locking(c) ? Q_OWNED_GET_LOCK : Q_OWNED_GET, &p, rd_owned, out);
}

static int pg_number_get_byoc(store_t *st, int64_t owner_id, const char *byoc_id,
                              owned_number_t *out)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, byoc_id);
    p_i64(&p, owner_id);
    return one_row(c, locking(c) ? Q_OWNED_GET_BYOC_LOCK : Q_OWNED_GET_BYOC, &p, rd_owned, out);
}

static int pg_number_get_any(store_t *st, const char *number, owned_number_t *out)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, number);
    return one_row(c, locking(c) ? Q_OWNED_GET_ANY_LOCK : Q_OWNED_GET_ANY, &p, rd_owned, out);
}

static int pg_number_update_owned(store_t *st, const owned_number_t *n)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, n->inv.number);
    p_i64(&p, n->owner_id);
    p_id(&p, n->sub_id);
    p_text_or_null(&p, n->app_id);
    p_text_or_null(&p, n->alias);
    p_text_or_null(&p, n->compliance_id);
    p_text_or_null(&p, n->cnam_lookup);
    p_text_or_null(&p, n->cnam);
    p_text_or_null(&p, n->cnam_callback_url);
    p_text_or_null(&p, n->cnam_callback_method);
    p_text_or_null(&p, n->caller_reputation_status);
    p_text_or_null(&p, n->profile_uuid);
    p_text_or_null(&p, n->cr_callback_url);
    p_text_or_null(&p, n->cr_callback_method);
    p_text_or_null(&p, n->tendlc_registration_status);
    p_text_or_null(&p, n->tendlc_campaign_id);
    p_text_or_null(&p, n->toll_free_sms_verification);
    p_i64(&p, clock_now());
    return q_write1(c, Q_OWNED_UPDATE, &p);
}

static int pg_number_release(store_t *st, int64_t owner_id, const char *number, bool to_available)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, number);
    p_i64(&p, owner_id);
    p_i64(&p, to_available ? NUM_AVAILABLE : NUM_AGING);
    p_i64(&p, clock_now());
    /* in a write transaction: behind any import batch */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = q_write1(c, Q_RELEASE_INVENTORY, &p);
    if (rc == ST_NOTFOUND) {
        /* not an inventory number: a customer's own number is removed */
        params_t d = {0};
        p_text(&d, number);
        p_i64(&d, owner_id);
        rc = q_write1(c, Q_RELEASE_CUSTOMER, &d);
    }
    if (rc == ST_ERR || rc == ST_CONFLICT) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st) == ST_OK ? rc : ST_ERR;
}

static int pg_aging_sweep(store_t *st, int64_t cutoff, int64_t *returned)
{
    conn_t *c = CONN(st);
    if (returned) *returned = 0;
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, cutoff);
    p_i64(&p, clock_now());
    int64_t n = 0;
    /* in a write transaction: behind any import batch */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = q_exec(c, Q_AGING_SWEEP, &p, NULL, &n);
    if (rc != ST_OK) {
        pg_tx_rollback(st);
        return rc;
    }
    if (pg_tx_commit(st) != ST_OK) return ST_ERR;
    if (returned) *returned = n;
    return ST_OK;
}

/* ---- subaccounts -------------------------------------------------------- */

static int pg_sub_list(store_t *st, int64_t parent_id, int limit, int offset, account_t *rows,
                       size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, parent_id);
    p_i64(&p, limit);
    p_i64(&p, offset);
    return page_fixed(c, Q_SUB_LIST, &p, limit, rd_account, rows, nrows, total);
}

static int pg_account_update(store_t *st, const account_t *a)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, a->id);
    p_text(&p, a->name);
    p_bool(&p, a->enabled);
    p_i64(&p, a->modified_at);
    return q_write1(c, Q_ACCOUNT_UPDATE, &p);
}

/* Runs one fixed statement binding (a, b); b < 0 means "bind now()". */
static int exec_2(conn_t *c, int which, int64_t a, int64_t b, int64_t *changes)
{
    params_t p = {0};
    p_i64(&p, a);
    p_i64(&p, b < 0 ? clock_now() : b);
    return q_exec(c, which, &p, NULL, changes);
}

static int pg_sub_delete(store_t *st, int64_t parent_id, int64_t sub_id)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    if (exec_2(c, Q_SUB_MOVE_NUMBERS, sub_id, -1, NULL) != ST_OK) return ST_ERR;
    if (exec_2(c, Q_SUB_MOVE_APPS, sub_id, -1, NULL) != ST_OK) return ST_ERR;
    if (exec_2(c, Q_SUB_MOVE_CARRIERS, sub_id, -1, NULL) != ST_OK) return ST_ERR;
    params_t p = {0};
    p_i64(&p, sub_id);
    if (q_exec(c, Q_SUB_DELETE_IDEM, &p, NULL, NULL) != ST_OK) return ST_ERR;
    int64_t n = 0;
    if (exec_2(c, Q_SUB_DELETE, sub_id, parent_id, &n) != ST_OK) return ST_ERR;
    return n == 1 ? ST_OK : ST_NOTFOUND;
}

/* ---- applications ------------------------------------------------------- */

static void read_app(rd_t *d, app_t *a)
{
    memset(a, 0, sizeof *a);
    rd_copy(d, a->app_id, sizeof a->app_id);
    a->account_id = rd_i64(d);
    a->sub_id = rd_i64(d);
    rd_copy(d, a->sub_auth_id, sizeof a->sub_auth_id);
    rd_copy(d, a->app_name, sizeof a->app_name);
    rd_copy(d, a->answer_url, sizeof a->answer_url);
    rd_copy(d, a->answer_method, sizeof a->answer_method);
    rd_copy(d, a->hangup_url, sizeof a->hangup_url);
    rd_copy(d, a->hangup_method, sizeof a->hangup_method);
    rd_copy(d, a->fallback_answer_url, sizeof a->fallback_answer_url);
    rd_copy(d, a->fallback_method, sizeof a->fallback_method);
    rd_copy(d, a->message_url, sizeof a->message_url);
    rd_copy(d, a->message_method, sizeof a->message_method);
    a->default_number_app = rd_bool(d);
    a->default_endpoint_app = rd_bool(d);
    a->public_uri = rd_bool(d);
    a->log_incoming_messages = rd_bool(d);
    a->created_at = rd_i64(d);
    a->modified_at = rd_i64(d);
    a->is_voice_request = rd_bool(d);
}

static void rd_app(rd_t *d, void *rows, size_t i)
{
    read_app(d, &((app_t *)rows)[i]);
}

/* $4..$17 of Q_APP_INSERT and Q_APP_UPDATE */
static void p_app_fields(params_t *p, const app_t *a)
{
    p_text(p, a->app_name);
    p_text(p, a->answer_url);
    p_text(p, a->answer_method);
    p_text_or_null(p, a->hangup_url);
    p_text(p, a->hangup_method);
    p_text_or_null(p, a->fallback_answer_url);
    p_text(p, a->fallback_method);
    p_text_or_null(p, a->message_url);
    p_text(p, a->message_method);
    p_bool(p, a->default_number_app);
    p_bool(p, a->default_endpoint_app);
    p_bool(p, a->public_uri);
    p_bool(p, a->log_incoming_messages);
    p_bool(p, a->is_voice_request);
}

static int pg_app_insert(store_t *st, const app_t *a)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, a->app_id);
    p_i64(&p, a->account_id);
    p_id(&p, a->sub_id);
    p_app_fields(&p, a);
    p_i64(&p, a->created_at);
    int rc = q_write1(c, Q_APP_INSERT, &p);
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
}

static int pg_app_get(store_t *st, int64_t account_id, int64_t sub_id, const char *app_id,
                      app_t *out)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_text(&p, app_id);
    p_i64(&p, sub_id);
    return one_row(c, locking(c) ? Q_APP_GET_LOCK : Q_APP_GET, &p, rd_app, out);
}

static int pg_app_list(store_t *st, int64_t account_id, int64_t sub_id, const char *app_name,
                       int limit, int offset, app_t *rows, size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_i64(&p, sub_id);
    p_text(&p, app_name);
    p_i64(&p, limit);
    p_i64(&p, offset);
    return page_fixed(c, Q_APP_LIST, &p, limit, rd_app, rows, nrows, total);
}

static int pg_app_update(store_t *st, const app_t *a)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, a->account_id);
    p_text(&p, a->app_id);
    p_id(&p, a->sub_id);
    p_app_fields(&p, a);
    p_i64(&p, a->modified_at);
    return q_write1(c, Q_APP_UPDATE, &p);
}

static int pg_app_delete(store_t *st, int64_t account_id, const char *app_id)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t k = {0}, u = {0};
    p_i64(&k, account_id);
    p_text(&k, app_id);
    p_i64(&u, account_id);
    p_text(&u, app_id);
    p_i64(&u, clock_now());
    /* lock, unlink, delete: a number that starts pointing at the
     * application meanwhile (its writer holds the row FOR SHARE) is
     * committed before the unlink reads */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int64_t n = 0;
    int rc = q_exec(c, Q_APP_LOCK, &k, NULL, &n);
    if (rc == ST_OK && n == 0) rc = ST_NOTFOUND;
    if (rc == ST_OK) rc = q_exec(c, Q_APP_UNLINK, &u, NULL, NULL);
    if (rc == ST_OK) rc = q_write1(c, Q_APP_DELETE, &k);
    if (rc != ST_OK) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st);
}

static int pg_app_clear_default(store_t *st, int64_t account_id)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    return q_exec(c, Q_APP_CLEAR_DEFAULT, &p, NULL, NULL);
}

static int pg_app_exists(store_t *st, int64_t account_id, const char *app_id)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_text(&p, app_id);
    int64_t n = 0;
    int rc = q_exec(c, locking(c) ? Q_APP_EXISTS_LOCK : Q_APP_EXISTS, &p, NULL, &n);
    if (rc != ST_OK) return rc;
    return n > 0 ? ST_OK : ST_NOTFOUND;
}

static int pg_app_default(store_t *st, int64_t account_id, char out[MODEL_APP_ID_SZ])
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    PGresult *r = NULL;
    int rc = q_exec(c, locking(c) ? Q_APP_DEFAULT_LOCK : Q_APP_DEFAULT, &p, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) > 0) {
        rd_t d = {r, 0, 0};
        rd_copy(&d, out, MODEL_APP_ID_SZ);
    } else {
        rc = ST_NOTFOUND;
    }
    PQclear(r);
    return rc;
}

/* ---- compliance ----------------------------------------------------------- */

static int pg_compliance_insert(store_t *st, const compliance_t *cp)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, cp->id);
    p_i64(&p, cp->account_id);
    p_text(&p, cp->country_iso);
    p_text(&p, cp->number_type);
    p_bool(&p, cp->approved);
    p_i64(&p, clock_now());
    int rc = q_write1(c, Q_COMPLIANCE_INSERT, &p);
    return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
}

static void rd_compliance(rd_t *d, void *rows, size_t i)
{
    compliance_t *o = &((compliance_t *)rows)[i];
    rd_copy(d, o->id, sizeof o->id);
    o->account_id = rd_i64(d);
    rd_copy(d, o->country_iso, sizeof o->country_iso);
    rd_copy(d, o->number_type, sizeof o->number_type);
    o->approved = rd_bool(d);
}

static int pg_compliance_get(store_t *st, int64_t account_id, const char *id, compliance_t *out)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_text(&p, id);
    return one_row(c, Q_COMPLIANCE_GET, &p, rd_compliance, out);
}

static int pg_compliance_latest(store_t *st, int64_t account_id, const char *country_iso,
                                const char *type, const char *sub_type, compliance_t *out)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_text(&p, country_iso);
    p_text(&p, type);
    p_text(&p, sub_type);
    return one_row(c, Q_COMPLIANCE_LATEST, &p, rd_compliance, out);
}

/* ---- carriers ---------------------------------------------------------- */

static void gw_str(json_t *v, char *out, size_t sz)
{
    snprintf(out, sz, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* The gateways column of CARRIER_SELECT: NULL (none) or a JSON array of
 * [sid, address, port, netmask, inbound, outbound] made by the query
 * itself; anything else would be a bug, logged. */
static void rd_gateways(rd_t *d, carrier_t *c)
{
    const char *v = rd_val(d);
    if (!v) return;
    json_error_t err;
    json_t *a = json_loads(v, 0, &err);
    if (!json_is_array(a)) {
        log_msg(LOG_ERROR, "postgres: gateways of carrier %lld: %s", (long long)c->id, err.text);
        json_decref(a);
        return;
    }
    size_t n = json_array_size(a);
    c->gw = xcalloc(n ? n : 1, sizeof *c->gw);
    for (size_t i = 0; i < n; i++) {
        json_t *g = json_array_get(a, i);
        gateway_t *w = &c->gw[c->ngw++];
        gw_str(json_array_get(g, 0), w->sid, sizeof w->sid);
        gw_str(json_array_get(g, 1), w->address, sizeof w->address);
        w->port = (int)json_integer_value(json_array_get(g, 2));
        w->netmask = (int)json_integer_value(json_array_get(g, 3));
        w->inbound = json_is_true(json_array_get(g, 4));
        w->outbound = json_is_true(json_array_get(g, 5));
    }
    json_decref(a);
}

static void read_carrier(rd_t *d, carrier_t *c)
{
    memset(c, 0, sizeof *c);
    c->id = rd_i64(d);
    rd_copy(d, c->uuid, sizeof c->uuid);
    rd_copy(d, c->voip_sid, sizeof c->voip_sid);
    rd_copy(d, c->carrier_id, sizeof c->carrier_id);
    c->account_id = rd_i64(d);
    c->sub_id = rd_i64(d);
    rd_copy(d, c->sub_auth_id, sizeof c->sub_auth_id);
    rd_copy(d, c->name, sizeof c->name);
    c->trunk = (trunk_type_t)rd_int(d);
    c->voice = rd_bool(d);
    c->sms = rd_bool(d);
    rd_copy(d, c->in_user, sizeof c->in_user);
    rd_blob(d, c->in_box, sizeof c->in_box, &c->in_box_len);
    rd_copy(d, c->reg_user, sizeof c->reg_user);
    rd_blob(d, c->reg_box, sizeof c->reg_box, &c->reg_box_len);
    rd_copy(d, c->reg_realm, sizeof c->reg_realm);
    rd_copy(d, c->reg_from_user, sizeof c->reg_from_user);
    rd_copy(d, c->reg_from_domain, sizeof c->reg_from_domain);
    c->reg_expires = rd_int(d);
    c->created_at = rd_i64(d);
    c->updated_at = rd_i64(d);
    c->nnumbers = rd_i64(d);
    rd_gateways(d, c);
}

static void rd_carrier(rd_t *d, void *rows, size_t i)
{
    read_carrier(d, &((carrier_t *)rows)[i]);
}

/* The carrier's fields from sub_id to reg_expires, in the order of both
 * Q_CARRIER_INSERT ($5..$17) and Q_CARRIER_UPDATE ($3..$15). */
static void p_carrier_fields(params_t *p, const carrier_t *c)
{
    p_id(p, c->sub_id);
    p_text(p, c->name);
    p_i64(p, (int64_t)c->trunk);
    p_bool(p, c->voice);
    p_bool(p, c->sms);
    p_text_or_null(p, c->in_user);
    p_blob(p, c->in_box, c->in_box_len);
    p_text_or_null(p, c->reg_user);
    p_blob(p, c->reg_box, c->reg_box_len);
    p_text_or_null(p, c->reg_realm);
    p_text_or_null(p, c->reg_from_user);
    p_text_or_null(p, c->reg_from_domain);
    if (c->reg_expires) p_i64(p, c->reg_expires);
    else p_text(p, NULL);
}

static int gw_write(conn_t *c, const carrier_t *cr)
{
    for (size_t i = 0; i < cr->ngw; i++) {
        const gateway_t *g = &cr->gw[i];
        params_t p = {0};
        p_i64(&p, cr->id);
        p_i64(&p, (int64_t)i);
        p_text(&p, g->sid);
        p_text(&p, g->address);
        p_i64(&p, g->port);
        p_i64(&p, g->netmask);
        p_bool(&p, g->inbound);
        p_bool(&p, g->outbound);
        int rc = q_write1(c, Q_GW_INSERT, &p);
        if (rc != ST_OK) return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
    }
    return ST_OK;
}

static int pg_carrier_insert(store_t *st, carrier_t *cr)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, cr->uuid);
    p_text(&p, cr->voip_sid);
    p_text(&p, cr->carrier_id);
    p_i64(&p, cr->account_id);
    p_carrier_fields(&p, cr);
    p_i64(&p, cr->created_at);
    p_i64(&p, cr->updated_at);
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    PGresult *r = NULL;
    int rc = q_exec(c, Q_CARRIER_INSERT, &p, &r, NULL);
    if (rc == ST_OK) {
        if (PQntuples(r) == 1) cr->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        else rc = ST_CONFLICT;
        PQclear(r);
    }
    if (rc == ST_OK) rc = gw_write(c, cr);
    if (rc != ST_OK) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st);
}

static int pg_carrier_get(store_t *st, int64_t account_id, int64_t sub_id, const char *ref,
                          carrier_t *out)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_i64(&p, sub_id);
    p_text(&p, ref);
    /* the carrier and its gateways come in one statement: one snapshot */
    return one_row(c, locking(c) ? Q_CARRIER_GET_LOCK : Q_CARRIER_GET, &p, rd_carrier, out);
}

static int pg_carrier_list(store_t *st, int64_t account_id, int64_t sub_id, const char *name,
                           int limit, int offset, carrier_t *rows, size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    *nrows = 0;
    params_t p = {0};
    p_i64(&p, account_id);
    p_i64(&p, sub_id);
    p_text(&p, name);
    p_i64(&p, limit);
    p_i64(&p, offset);
    /* the page, its count and the page's gateways in one statement */
    return page_fixed(c, Q_CARRIER_LIST, &p, limit, rd_carrier, rows, nrows, total);
}

static int pg_carrier_update(store_t *st, const carrier_t *cr)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, cr->id);
    p_i64(&p, cr->account_id);
    p_carrier_fields(&p, cr);
    p_i64(&p, cr->updated_at);
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = q_write1(c, Q_CARRIER_UPDATE, &p);
    if (rc == ST_OK) {
        params_t g = {0};
        p_i64(&g, cr->id);
        rc = q_exec(c, Q_GW_DELETE, &g, NULL, NULL);
    }
    if (rc == ST_OK) rc = gw_write(c, cr);
    if (rc == ST_OK) {
        /* numbers show the carrier's name: keep them in step with a rename
         * (the UPDATE above holds the carrier's row: numbers being added
         * to it on another node are committed before this reads) */
        params_t n = {0};
        p_i64(&n, cr->id);
        p_text(&n, cr->name);
        p_i64(&n, cr->updated_at);
        rc = q_exec(c, Q_CARRIER_RENAME_NUMBERS, &n, NULL, NULL);
    }
    if (rc != ST_OK) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st);
}

static int pg_carrier_delete(store_t *st, int64_t account_id, int64_t id, int64_t *in_use)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    *in_use = 0;
    params_t k = {0}, d = {0};
    p_i64(&k, id);
    p_i64(&d, id);
    p_i64(&d, account_id);
    /* lock the carrier, then count, then delete: a number added on another
     * node is either committed before the count (in use) or waits for the
     * delete and then finds no carrier */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    PGresult *r = NULL;
    int rc = q_exec(c, Q_CARRIER_LOCK, &k, NULL, NULL);
    if (rc == ST_OK) rc = q_exec(c, Q_CARRIER_IN_USE, &k, &r, NULL);
    if (rc == ST_OK) {
        *in_use = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        if (*in_use > 0) rc = ST_CONFLICT;
    }
    if (rc == ST_OK) rc = q_write1(c, Q_CARRIER_DELETE, &d);
    if (rc != ST_OK) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st);
}

static int pg_number_lookup(store_t *st, const char *number, num_state_t *state,
                            num_source_t *source, int64_t *owner_id)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, number);
    PGresult *r = NULL;
    int rc = q_exec(c, Q_NUMBER_LOOKUP, &p, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) > 0) {
        rd_t d = {r, 0, 0};
        *state = (num_state_t)rd_int(&d);
        *source = (num_source_t)rd_int(&d);
        *owner_id = rd_i64(&d);
    } else {
        rc = ST_NOTFOUND;
    }
    PQclear(r);
    return rc;
}

static int pg_number_insert_owned(store_t *st, const owned_number_t *n)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    const inv_number_t *v = &n->inv;
    params_t p = {0};
    p_text(&p, v->number);
    p_text(&p, v->country_iso);
    p_text(&p, v->type);
    p_text(&p, v->sub_type);
    p_text(&p, v->region);
    p_bool(&p, v->voice);
    p_bool(&p, v->sms);
    p_bool(&p, v->mms);
    p_i64(&p, caps_of(v));
    p_text(&p, v->carrier);
    p_i64(&p, (int64_t)n->source);
    p_i64(&p, n->owner_id);
    p_id(&p, n->sub_id);
    p_text_or_null(&p, n->app_id);
    p_text_or_null(&p, n->added_on);
    p_id(&p, n->carrier_id);
    p_text_or_null(&p, n->byoc_id);
    p_text_or_null(&p, n->label);
    p_i64(&p, n->created_at);
    /* In a write transaction (behind any import batch), and one adder at
     * a time from the first insert to the commit.  Two requests adding the
     * same numbers in different orders would otherwise each wait for the
     * other's uncommitted row: a deadlock, and both fail, where one of
     * them must win.  Serialised, the second finds the first's rows
     * (ON CONFLICT DO NOTHING: ST_CONFLICT).  Adding numbers is rare;
     * the lock costs nothing else. */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = ST_OK;
    if (!c->numadd_locked) {
        rc = q_simple(c, "SELECT pg_advisory_xact_lock(" LOCK_NS ", " LOCK_NUMADD ")");
        c->numadd_locked = rc == ST_OK;
    }
    if (rc == ST_OK) rc = q_write1(c, Q_NUMBER_INSERT_OWNED, &p);
    if (rc == ST_NOTFOUND) rc = ST_CONFLICT; /* the number (or its BYOC id) exists */
    if (rc != ST_OK) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st);
}

/* ---- settings, idempotency ----------------------------------------------- */

static int pg_setting_get(store_t *st, const char *name, char *out, size_t outsz)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, name);
    PGresult *r = NULL;
    int rc = q_exec(c, Q_SETTING_GET, &p, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) > 0) {
        rd_t d = {r, 0, 0};
        rd_copy(&d, out, outsz);
    } else {
        rc = ST_NOTFOUND;
    }
    PQclear(r);
    return rc;
}

static int pg_setting_put(store_t *st, const char *name, const char *value)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, name);
    p_text(&p, value);
    return q_exec(c, Q_SETTING_PUT, &p, NULL, NULL);
}

static int pg_idem_get(store_t *st, int64_t account_id, const char *key, idem_row_t *out)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_text(&p, key);
    /* Inside the caller's transaction, wait for whoever holds this key on
     * any node; the read below is a new statement, so it sees what that
     * request committed.  (Outside a transaction the lock would be
     * released at once: pointless.) */
    if (c->depth > 0 && q_exec(c, Q_IDEM_LOCK, &p, NULL, NULL) != ST_OK) return ST_ERR;
    PGresult *r = NULL;
    int rc = q_exec(c, Q_IDEM_GET, &p, &r, NULL);
    if (rc != ST_OK) return rc;
    if (PQntuples(r) > 0) {
        rd_t d = {r, 0, 0};
        size_t n = 0;
        out->status = rd_int(&d);
        memset(out->req_hash, 0, IDS_HASH_SZ);
        uint8_t h[IDS_HASH_SZ];
        rd_blob(&d, h, sizeof h, &n);
        if (n == IDS_HASH_SZ) memcpy(out->req_hash, h, IDS_HASH_SZ);
        const char *b = rd_val(&d);
        out->body = xstrdup(b ? b : "");
        out->created_at = rd_i64(&d);
    } else {
        rc = ST_NOTFOUND;
    }
    PQclear(r);
    return rc;
}

static int pg_idem_put(store_t *st, int64_t account_id, const char *key, const idem_row_t *row)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_text(&p, key);
    p_blob(&p, row->req_hash, IDS_HASH_SZ);
    p_i64(&p, row->status);
    p_text(&p, row->body);
    p_i64(&p, row->created_at);
    return q_exec(c, Q_IDEM_PUT, &p, NULL, NULL);
}

/* ---- open / close ------------------------------------------------------ */

static void pg_close(store_t *st)
{
    pg_store_t *s = (pg_store_t *)st;
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
    free(s->url);
    free(s);
}

int store_pg_open(const char *url, store_t **out, char **err)
{
    pg_store_t *s = xcalloc(1, sizeof *s);
    s->base.ops = &pg_ops;
    s->url = xstrdup(url);
    pthread_mutex_init(&s->lock, NULL);
    pthread_key_create(&s->key, NULL);
    /* connect now, so that a wrong URL fails at start with libpq's reason */
    char *why = NULL;
    conn_t *c = conn_open(url, &why);
    if (c == NULL) {
        *err = xasprintf("cannot connect to PostgreSQL: %s", why);
        free(why);
        pg_close(&s->base);
        return C_ERR;
    }
    pthread_setspecific(s->key, c);
    c->next = s->conns;
    s->conns = c;
    *out = &s->base;
    return C_OK;
}

/* ---- operations -------------------------------------------------------- */

static int pg_ping(store_t *st)
{
    conn_t *c = CONN(st);
    PGresult *r = NULL;
    if (!c || q_exec(c, Q_PING, NULL, &r, NULL) != ST_OK) return ST_ERR;
    int rc = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't' ? ST_OK : ST_ERR;
    if (rc != ST_OK) {
        metrics_count(MET_DB_ERRORS);
        log_msg(LOG_ERROR, "postgres: ping: the database has no numberd schema");
    }
    PQclear(r);
    return rc;
}

/* One statement (one snapshot), its rows fetched one at a time (libpq's
 * single-row mode), so a million-row inventory never sits in memory.  A
 * callback that stops the walk cancels the rest on the server. */
static int pg_inventory_export(store_t *st, const char *country_iso, int state, store_inv_cb cb,
                               void *ud)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, country_iso);
    p_i64(&p, state);
    char name[16];
    PGresult *r = NULL;
    if ((c->depth > 0 && c->tx_failed) || conn_ensure(c) != ST_OK) return res_status(c, NULL, "export");
    if ((r = fixed_prepare(c, Q_EXPORT, name)) != NULL) {
        int rc = res_status(c, r, "export");
        PQclear(r);
        return rc == ST_OK ? ST_ERR : rc;
    }
    if (!PQsendQueryPrepared(c->pg, name, p.n, p.v, p.len, p.fmt, 0) ||
        !PQsetSingleRowMode(c->pg))
        return res_status(c, NULL, "export");
    int ret = ST_OK;
    bool stopped = false;
    inv_number_t *row = xmalloc(sizeof *row);
    while ((r = PQgetResult(c->pg)) != NULL) {
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_SINGLE_TUPLE && !stopped) {
            rd_t d = {r, 0, 0};
            read_inv(&d, row);
            if (cb(row, ud) != C_OK) {
                /* the caller knows why; the server need not send the rest */
                stopped = true;
                PGcancel *k = PQgetCancel(c->pg);
                char why[64];
                if (k) PQcancel(k, why, sizeof why);
                PQfreeCancel(k);
            }
        } else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && !stopped) {
            ret = res_status(c, r, "export");
        }
        PQclear(r);
    }
    free(row);
    return ret;
}

static const store_ops_t pg_ops = {
    .name = "postgres",
    .close = pg_close,
    .migrate = pg_migrate,
    .tx_begin = pg_tx_begin,
    .tx_commit = pg_tx_commit,
    .tx_rollback = pg_tx_rollback,
    .account_insert = pg_account_insert,
    .account_by_auth_id = pg_account_by_auth_id,
    .account_list = pg_account_list,
    .apikey_insert = pg_apikey_insert,
    .apikey_lookup = pg_apikey_lookup,
    .account_by_id = pg_account_by_id,
    .account_count = pg_account_count,
    .import_begin = pg_import_begin,
    .import_row = pg_import_row,
    .import_commit_batch = pg_import_commit_batch,
    .import_end = pg_import_end,
    .inventory_stats = pg_inventory_stats,
    .number_search = pg_number_search,
    .number_get_available = pg_number_get_available,
    .number_buy = pg_number_buy,
    .number_approve = pg_number_approve,
    .number_list = pg_number_list,
    .number_get_owned = pg_number_get_owned,
    .number_update_owned = pg_number_update_owned,
    .number_get_any = pg_number_get_any,
    .number_release = pg_number_release,
    .aging_sweep = pg_aging_sweep,
    .sub_list = pg_sub_list,
    .account_update = pg_account_update,
    .sub_delete = pg_sub_delete,
    .app_insert = pg_app_insert,
    .app_get = pg_app_get,
    .app_list = pg_app_list,
    .app_update = pg_app_update,
    .app_delete = pg_app_delete,
    .app_clear_default = pg_app_clear_default,
    .app_exists = pg_app_exists,
    .app_default = pg_app_default,
    .compliance_insert = pg_compliance_insert,
    .compliance_get = pg_compliance_get,
    .compliance_latest = pg_compliance_latest,
    .number_get_byoc = pg_number_get_byoc,
    .carrier_insert = pg_carrier_insert,
    .carrier_get = pg_carrier_get,
    .carrier_list = pg_carrier_list,
    .carrier_update = pg_carrier_update,
    .carrier_delete = pg_carrier_delete,
    .number_lookup = pg_number_lookup,
    .number_insert_owned = pg_number_insert_owned,
    .setting_get = pg_setting_get,
    .setting_put = pg_setting_put,
    .idem_get = pg_idem_get,
    .idem_put = pg_idem_put,
    .ping = pg_ping,
    .inventory_export = pg_inventory_export,
};
