/* sqltext.c -- the SQL text both backends run as written (sqltext.h), by
 * resource.  Placeholders are ?N (the PostgreSQL backend reads them as
 * $N).  A statement whose text differs between the dialects is not here
 * but in each backend's resource file. */
#include "store/sqltext.h"

#include "store/sqlshared.h"

/* What an inventory number given back forgets, in the release of one and
 * of all of an account's (written once, so that the two cannot drift
 * apart): its owner and what the owner set on it -- subaccount,
 * application, alias, dates, compliance, CNAM, caller reputation, 10DLC,
 * BYOC id, label.  Ends with ", ". */
#define SQLT_UNOWN                                                                          \
    "owner_id=NULL, sub_id=NULL, app_id=NULL, alias=NULL, "                                \
    "added_on=NULL, renewal_date=NULL, compliance_id=NULL, cnam_lookup=NULL, cnam=NULL, "  \
    "cnam_callback_url=NULL, cnam_callback_method=NULL, caller_reputation_status=NULL, "   \
    "profile_uuid=NULL, cr_callback_url=NULL, cr_callback_method=NULL, "                   \
    "tendlc_registration_status=NULL, tendlc_campaign_id=NULL, "                           \
    "toll_free_sms_verification=NULL, byoc_id=NULL, label=NULL, "

/* A deleted subaccount's rows of table go to its main account (sub_id
 * NULL), stamped (?2) in the table's own modification column. */
#define SQLT_TO_MAIN(table, stamp) \
    "UPDATE " table " SET sub_id = NULL, " stamp " = ?2 WHERE sub_id = ?1"

const char *const sqlt_text[Q__COUNT] = {
    /* ---- settings ------------------------------------------------------------ */
    [Q_SETTING_GET] = "SELECT value FROM settings WHERE name = ?1",
    [Q_SETTING_PUT] =
        "INSERT INTO settings(name, value) VALUES (?1, ?2) "
        "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
    /* a name already there keeps its value (setting_put_new reads it) */
    [Q_SETTING_PUT_NEW] =
        "INSERT INTO settings(name, value) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING",
    /* ---- accounts ------------------------------------------------------------ */
    [Q_ACCOUNT_BY_AUTH_ID] = "SELECT " SQLS_ACCOUNT_COLS " FROM accounts WHERE auth_id = ?1",
    [Q_ACCOUNT_BY_ID] = "SELECT " SQLS_ACCOUNT_COLS " FROM accounts WHERE id = ?1",
    [Q_ACCOUNT_LIST] =
        "SELECT " SQLS_ACCOUNT_COLS " FROM accounts WHERE parent_id IS NULL ORDER BY id",
    [Q_ACCOUNT_COUNT] = "SELECT count(*) FROM accounts",
    [Q_APIKEY_LOOKUP] = "SELECT account_id, scopes FROM api_keys WHERE key_hash = ?1",
    /* ---- inventory ----------------------------------------------------------- */
    [Q_STATS] =
        "SELECT country_iso, type, state, count(*) FROM numbers WHERE source = 0 "
        "GROUP BY country_iso, type, state ORDER BY country_iso, type, state",
    [Q_INV_RATES] =
        "SELECT sub_type, MIN(monthly_rental_rate) FROM numbers WHERE state = 0 AND source = 0 "
        "AND country_iso = ?1 AND monthly_rental_rate IS NOT NULL GROUP BY sub_type ORDER BY sub_type",
    [Q_INV_RESTRICTIONS] =
        "SELECT DISTINCT restriction, COALESCE(restriction_text, '') FROM numbers WHERE source = 0 "
        "AND country_iso = ?1 AND (type = ?2 OR sub_type = ?2) AND COALESCE(restriction, '') <> '' "
        "ORDER BY 1, 2",
    /* ---- numbers ------------------------------------------------------------- */
    [Q_NUMBER_GET_AVAILABLE] =
        "SELECT " SQLS_INV_COLS " FROM numbers WHERE number = ?1 AND state = 0 AND source = 0",
    [Q_NUMBER_BUY] =
        "UPDATE numbers SET state=?2, owner_id=?3, sub_id=?4, app_id=?5, cnam_lookup=?6, "
        "compliance_id=?7, added_on=?8, renewal_date=?9, released_at=NULL, updated_at=?10, "
        "created_at=?10, byoc_id=?11 "
        "WHERE number=?1 AND state=0 AND source=0",
    [Q_NUMBER_APPROVE] =
        "UPDATE numbers SET state=1, updated_at=?2 WHERE number=?1 AND state=2",
    [Q_NUMBER_LOOKUP] = "SELECT state, source, COALESCE(owner_id, 0) FROM numbers WHERE number = ?1",
    /* once a day (core num_renewal_roll): a scan, no index of its own */
    [Q_RENEWAL_DUE] =
        "SELECT number, added_on, renewal_date, owner_id FROM numbers WHERE state IN (1, 2) AND "
        "renewal_date IS NOT NULL AND renewal_date < ?1 AND added_on IS NOT NULL AND number > ?3 "
        "ORDER BY number LIMIT ?2",
    [Q_RENEWAL_SET] =
        "UPDATE numbers SET renewal_date = ?3 WHERE number = ?1 AND renewal_date = ?2 AND state IN (1, 2)",
    /* ---- owned --------------------------------------------------------------- */
    /* An owned number is in state 1 or 2 (NUM_ACTIVE, NUM_PENDING), written
     * "BETWEEN 1 AND 2": for "IN (1, 2)" SQLite builds a table of the two
     * values at every run of a lookup by number (OpenEphemeral; ~9 % of a
     * GET Number/{n}/'s instructions, callgrind) */
    /* ?3: the subaccount, 0 for any (typed, for PostgreSQL) */
    [Q_OWNED_GET] = SQLS_OWNED_SELECT
        "WHERE n.number = ?1 AND n.owner_id = ?2 AND n.state BETWEEN 1 AND 2 "
        "AND (CAST(?3 AS BIGINT) = 0 OR n.sub_id = ?3)",
    [Q_OWNED_GET_BYOC] = SQLS_OWNED_SELECT
        "WHERE n.byoc_id = ?1 AND n.owner_id = ?2 AND n.state BETWEEN 1 AND 2",
    [Q_OWNED_GET_ANY] = SQLS_OWNED_SELECT "WHERE n.number = ?1 AND n.state BETWEEN 1 AND 2",
    /* the operator's list: ?1 state, ?2 after this number, ?3 owner (0: any;
     * typed, for PostgreSQL), ?4 limit; "owner_id IS NOT NULL" lets SQLite's
     * planner use the owned numbers' index (numbers_owner) */
    [Q_OWNED_LIST_STATE] = SQLS_ADMNUM_SELECT
        "WHERE n.owner_id IS NOT NULL AND n.state = ?1 AND n.number > ?2 "
        "AND (CAST(?3 AS BIGINT) = 0 OR n.owner_id = ?3) ORDER BY n.number LIMIT ?4",
    [Q_OWNED_UPDATE] =
        "UPDATE numbers SET sub_id=?3, app_id=?4, alias=?5, compliance_id=?6, cnam_lookup=?7, "
        "cnam=?8, cnam_callback_url=?9, cnam_callback_method=?10, caller_reputation_status=?11, "
        "profile_uuid=?12, cr_callback_url=?13, cr_callback_method=?14, "
        "tendlc_registration_status=?15, tendlc_campaign_id=?16, toll_free_sms_verification=?17, "
        "updated_at=?18 WHERE number=?1 AND owner_id=?2 AND state BETWEEN 1 AND 2",
    [Q_RELEASE_INVENTORY] =
        "UPDATE numbers SET state=?3, " SQLT_UNOWN "released_at=?4, updated_at=?4 "
        "WHERE number=?1 AND owner_id=?2 AND state BETWEEN 1 AND 2 AND source=0",
    [Q_RELEASE_CUSTOMER] =
        "DELETE FROM numbers WHERE number=?1 AND owner_id=?2 AND source IN (1, 2)",
    /* a number (or BYOC id) already there inserts nothing: ST_CONFLICT */
    [Q_NUMBER_INSERT_OWNED] =
        "INSERT INTO numbers(number, country_iso, type, sub_type, region, voice_enabled, "
        "sms_enabled, mms_enabled, caps, carrier, source, state, owner_id, sub_id, app_id, "
        "added_on, carrier_id, byoc_id, label, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, "
        "?6, ?7, ?8, ?9, ?10, ?11, 1, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19) "
        "ON CONFLICT DO NOTHING",
    /* a batch of at most ?3, oldest first, each number returned (its event,
     * events.c); in numbers_aging's order (ORDER BY number would walk the
     * whole table's number index: 0.6 s at 1,000,000 rows, every sweep) */
    [Q_AGING_SWEEP] =
        "UPDATE numbers SET state=0, released_at=NULL, updated_at=?2 "
        "WHERE state=3 AND number IN (SELECT number FROM numbers WHERE state=3 AND "
        "released_at <= ?1 ORDER BY released_at LIMIT ?3) RETURNING number",
    /* ---- subaccounts --------------------------------------------------------- */
    [Q_ACCOUNT_UPDATE] =
        "UPDATE accounts SET name = ?2, enabled = ?3, modified_at = ?4 WHERE id = ?1",
    [Q_SUB_MOVE_NUMBERS] = SQLT_TO_MAIN("numbers", "updated_at"),
    [Q_SUB_MOVE_APPS] = SQLT_TO_MAIN("applications", "modified_at"),
    [Q_SUB_MOVE_CARRIERS] = SQLT_TO_MAIN("carriers", "updated_at"),
    [Q_SUB_DELETE_IDEM] = "DELETE FROM idempotency WHERE account_id = ?1",
    [Q_SUB_DELETE] = "DELETE FROM accounts WHERE id = ?1 AND parent_id = ?2",
    /* ---- apps ---------------------------------------------------------------- */
    [Q_APP_EXISTS] = "SELECT 1 FROM applications WHERE account_id = ?1 AND app_id = ?2",
    [Q_APP_UNLINK] =
        "UPDATE numbers SET app_id = NULL, updated_at = ?3 WHERE owner_id = ?1 AND app_id = ?2 "
        "RETURNING number",
    [Q_APP_DELETE] = "DELETE FROM applications WHERE account_id = ?1 AND app_id = ?2",
    /* ---- compliance ---------------------------------------------------------- */
    [Q_COMPLIANCE_GET] =
        "SELECT " SQLS_COMPLIANCE_COLS " FROM compliance WHERE account_id = ?1 AND id = ?2",
    /* approved: PostgreSQL's boolean, SQLite's 0 or 1 */
    [Q_COMPLIANCE_LATEST] =
        "SELECT " SQLS_COMPLIANCE_COLS " FROM compliance "
        "WHERE account_id = ?1 AND country_iso = ?2 AND number_type IN (?3, ?4) AND approved "
        "ORDER BY seq DESC LIMIT 1",
    [Q_COMPLIANCE_LIST] =
        "SELECT " SQLS_COMPLIANCE_COLS " FROM compliance WHERE account_id = ?1 ORDER BY seq",
    [Q_COMPLIANCE_NUMBERS] =
        "SELECT " SQLS_INV_COLS " FROM numbers WHERE owner_id = ?1 AND compliance_id = ?2 "
        "AND state BETWEEN 1 AND 2 ORDER BY number",
    /* ---- carriers ------------------------------------------------------------ */
    /* a customer's carrier is used by the numbers pointing at it; an
     * upstream one (account_id NULL) by the inventory rows naming it (the
     * CSV's carrier column: numbers(carrier) is not indexed, so the scan
     * runs only for upstream carriers, a rare operator action) */
    /* a customer's carrier: the numbers pointing at it; an upstream one
     * (account_id NULL): the inventory rows naming it (see the SQLite file) */
    [Q_CARRIER_IN_USE] =
        "SELECT (SELECT count(*) FROM numbers WHERE carrier_id = ?1) + CASE WHEN EXISTS "
        "(SELECT 1 FROM carriers WHERE id = ?1 AND account_id IS NULL) THEN (SELECT count(*) "
        "FROM numbers WHERE source = 0 AND carrier = (SELECT name FROM carriers WHERE id = ?1)) "
        "ELSE 0 END",
    [Q_GW_DELETE] = "DELETE FROM carrier_gateways WHERE carrier = ?1",
    [Q_CARRIER_REG_SIG] =
        "SELECT count(*), coalesce(sum(c.id), 0), coalesce(sum(c.updated_at), 0) FROM carriers c "
        "WHERE c.trunk_type = 2 AND " SQLS_REG_LIVE,
    /* ---- registrations ------------------------------------------------------- */
    [Q_REG_GET] = SQLS_REG_SELECT "WHERE r.carrier_id = ?1",
    /* ?1 now, ?2 the reason, ?3 at most.  The outer WHERE again: on
     * PostgreSQL a row its registering node renewed after the subquery's
     * snapshot is left alone (READ COMMITTED re-checks it on the updated
     * row) */
    [Q_REG_EXPIRE] =
        "UPDATE registrations SET state = 3, last_code = 0, reason = ?2, updated_at = ?1 "
        "WHERE state = 1 AND expires_at <= ?1 AND carrier_id IN (SELECT carrier_id FROM "
        "registrations WHERE state = 1 AND expires_at <= ?1 ORDER BY carrier_id LIMIT ?3) "
        "RETURNING carrier_id",
    [Q_REG_EXPIRE_DUE] = "SELECT count(*) FROM (SELECT 1 FROM registrations WHERE state = 1 AND "
                         "expires_at <= ?1 LIMIT 1) x",
    [Q_PROBE_DEL] = "DELETE FROM carrier_probes WHERE carrier_id = ?1",
    [Q_PROBE_GET] = "SELECT interval_s FROM carrier_probes WHERE carrier_id = ?1",
    /* only the carrier's current gateways (a removed one's row is stale) */
    [Q_HEALTH_LIST] =
        "SELECT h.sid, h.carrier_id, h.state, h.misses, h.last_code, h.last_probe_at, h.updated_at "
        "FROM gateway_health h JOIN carrier_gateways g ON g.sid = h.sid AND g.carrier = h.carrier_id "
        "WHERE h.carrier_id = ?1 ORDER BY g.pos LIMIT ?2",
    /* ---- idem ---------------------------------------------------------------- */
    [Q_IDEM_GET] =
        "SELECT status, req_hash, body, created_at FROM idempotency "
        "WHERE account_id = ?1 AND key = ?2",
    /* ---- sbc ----------------------------------------------------------------- */
    /* a load's mark: the log's last seq, or, when pruning emptied the log,
     * the last seq pruned (a mark below that would read as "pruned past"
     * and the load would be repeated for ever) */
    [Q_SBC_SEQ] = "SELECT COALESCE(max(s), 0) FROM (SELECT max(seq) AS s FROM sbc_changes UNION ALL "
                  "SELECT CAST(value AS BIGINT) FROM settings WHERE name = 'sbc_pruned_upto') AS t",
    [Q_SBC_ACCOUNTS] = "SELECT " SQLS_ACCOUNT_COLS " FROM accounts ORDER BY id",
    [Q_SBC_APPS] = SQLS_APP_SELECT "ORDER BY a.app_id",
    [Q_SBC_NUMBERS] = SQLS_SBC_NUM_SELECT "WHERE n.state = 1",
    [Q_SBC_CHANGES] = "SELECT seq, kind, key FROM sbc_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [Q_SBC_NUMBER] = SQLS_SBC_NUM_SELECT "WHERE n.number = ?1 AND n.state = 1",
    [Q_SBC_APP] = SQLS_APP_SELECT "WHERE a.app_id = ?1",
    [Q_SBC_UPSTREAM_NUMBERS] = SQLS_SBC_NUM_SELECT "WHERE n.source = 0 AND n.state = 1 AND n.carrier = ?1",
    /* ---- credentials --------------------------------------------------------- */
    [Q_APIKEY_BY_HASH] = "SELECT " SQLS_APIKEY_COLS " FROM api_keys WHERE key_hash = ?1",
    [Q_APIKEY_REVOKE] = "UPDATE api_keys SET revoked_at = ?3 "
                        "WHERE id = ?2 AND account_id = ?1 AND revoked_at = 0 "
                        "RETURNING " SQLS_APIKEY_COLS,
    [Q_APIKEY_REVOKE_ALL] =
        "UPDATE api_keys SET revoked_at = ?2 WHERE account_id = ?1 AND revoked_at = 0",
    [Q_APIKEY_TOUCH] = "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND last_used_at < ?2",
    [Q_ACCOUNT_SET_STATUS] = "UPDATE accounts SET status = ?2, modified_at = ?3 "
                             "WHERE id = ?1 OR parent_id = ?1",
    [Q_ACCOUNT_SET_TOKEN] = "UPDATE accounts SET token_hash = ?2, old_token_hash = ?3, "
                            "old_token_until = ?4, modified_at = ?5 WHERE id = ?1",
    [Q_RELEASE_ALL_INVENTORY] =
        "UPDATE numbers SET state=?2, " SQLT_UNOWN "released_at=?3, updated_at=?3 "
        "WHERE owner_id=?1 AND state BETWEEN 1 AND 2 AND source=0",
    [Q_RELEASE_ALL_CUSTOMER] = "DELETE FROM numbers WHERE owner_id=?1 AND source IN (1, 2)",
    [Q_CRED_EPOCH_GET] = "SELECT epoch FROM cred_epoch WHERE id = 1",
    [Q_CRED_EPOCH_BUMP] = "UPDATE cred_epoch SET epoch = epoch + 1 WHERE id = 1",
    /* ---- events -------------------------------------------------------------- */
    /* the id: SQLite's rowid; PostgreSQL's is given after COMMIT (events.c);
     * an event without data (?9 '') stores an empty object, as the
     * column's default */
    [Q_EVENT_APPEND] =
        "INSERT INTO events(ts, type, account_id, object_type, object_id, actor_kind, actor_id, "
        "request_id, data) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, COALESCE(NULLIF(?9, ''), '{}'))",
    /* ---- webhooks ------------------------------------------------------------ */
    /* The inserts of an endpoint, the claim of a delivery and the two page
     * reads differ between the dialects (RETURNING id; FOR UPDATE SKIP
     * LOCKED; PAGE()): in each backend's webhooks.c. */
    [Q_WH_EP_GET] = "SELECT " SQLS_WH_ENDPOINT_COLS " FROM webhook_endpoints "
                    "WHERE uid = ?2 AND (?1 < 0 OR owner_id = ?1)",
    [Q_WH_EP_BY_ID] = "SELECT " SQLS_WH_ENDPOINT_COLS " FROM webhook_endpoints WHERE id = ?1",
    [Q_WH_EP_PAGE] = "SELECT " SQLS_WH_ENDPOINT_COLS " FROM webhook_endpoints "
                     "WHERE id > ?1 ORDER BY id LIMIT ?2",
    [Q_WH_EP_UPDATE] =
        "UPDATE webhook_endpoints SET url = ?2, description = ?3, event_types = ?4, "
        "account_id = ?5, enabled = ?6, disabled_reason = ?7, secret = ?8, old_secret = ?9, "
        "old_secret_until = ?10, fail_count = ?11, fail_since = ?12, updated_at = ?13 "
        "WHERE id = ?1",
    /* PostgreSQL's deliveries go with it (ON DELETE CASCADE); SQLite's
     * are deleted first (Q_WH_EP_DELETE_DELIVERIES) */
    [Q_WH_EP_DELETE] = "DELETE FROM webhook_endpoints WHERE id = ?1",
    [Q_WH_EP_OUTCOME] =
        "UPDATE webhook_endpoints SET "
        "fail_count = CASE WHEN ?2 THEN 0 ELSE fail_count + 1 END, "
        "fail_since = CASE WHEN ?2 THEN 0 WHEN fail_since = 0 THEN ?3 ELSE fail_since END "
        "WHERE id = ?1 RETURNING fail_count, fail_since",
    [Q_WH_EP_START] = "UPDATE webhook_endpoints SET start_event_id = ?2 "
                      "WHERE id = ?1 AND start_event_id = 0",
    [Q_WH_EP_FANNED] = "UPDATE webhook_endpoints SET fan_enabled = ?2, fan_types = ?3, "
                       "fan_account = ?4 WHERE id = ?1",
    [Q_WH_EP_DISABLE] = "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?2, "
                        "updated_at = ?3 WHERE id = ?1 AND enabled = 1",
    [Q_WH_CURSOR_GET] = "SELECT event_id FROM webhook_cursor WHERE id = 1",
    [Q_WH_CURSOR_PUT] = "UPDATE webhook_cursor SET event_id = ?1 WHERE id = 1",
    [Q_WH_DL_INSERT] =
        "INSERT INTO webhook_deliveries(endpoint_id, event_id, event_type, object_key, state, "
        "attempts, next_at, created_at) VALUES (?1, ?2, ?3, ?4, 0, 0, ?5, ?6) "
        "ON CONFLICT (endpoint_id, event_id) DO NOTHING",
    /* the claim's choice (each backend's Q_WH_DL_CLAIM), as a read */
    [Q_WH_DL_DUE] =
        "SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries d "
        "JOIN webhook_endpoints e ON e.id = d.endpoint_id "
        "WHERE d.state = 0 AND d.next_at <= ?1 AND d.leased_until <= ?1 AND e.enabled = 1 "
        "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.endpoint_id = d.endpoint_id "
        "AND p.object_key = d.object_key AND p.state = 0 AND p.event_id < d.event_id) "
        SQLS_WH_FREE("?1", "?2") " LIMIT 1) t",
    [Q_WH_EP_OWNED] = "SELECT count(*) FROM webhook_endpoints WHERE owner_id = ?1",
    [Q_WH_DL_FINISH] =
        "UPDATE webhook_deliveries SET state = ?2, attempts = ?3, next_at = ?4, leased_until = 0, "
        "last_status = ?5, last_error = ?6, last_at = ?7, delivered_at = ?8 "
        "WHERE id = ?1 AND leased_until = ?9",
    [Q_WH_DL_GET] = "SELECT " SQLS_WH_DELIVERY_COLS " FROM webhook_deliveries "
                    "WHERE endpoint_id = ?1 AND id = ?2",
    [Q_WH_DL_RETRY] = "UPDATE webhook_deliveries SET state = 0, next_at = ?3, "
                      "leased_until = CASE WHEN leased_until > ?3 THEN leased_until ELSE 0 END "
                      "WHERE endpoint_id = ?1 AND id = ?2",
};
