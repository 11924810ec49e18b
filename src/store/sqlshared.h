/* sqlshared.h -- what the SQL backends (sqlite/, postgres/) share besides
 * the WHERE builder (sqlwhere.h): column lists and small helpers.
 *
 * Column lists are macros of string literals, so that a backend's fixed
 * statements stay compile-time constants ("SELECT " SQLS_INV_COLS " FROM
 * ...").  Each names the order in which the backend's row reader reads the
 * columns: change a list and its readers together, in both backends.  The
 * schemas of both backends use the same table and column names; only
 * placeholders, types and dialect functions differ, and those stay in the
 * backends (and sqlwhere.c).
 *
 * Rows are read once for both backends too: a backend wraps its result in
 * a sqls_row_t (a cursor with four column readers) and the sqls_read_*
 * functions below fill the records, column by column in the order of the
 * column lists.
 */
#ifndef ND_SQLSHARED_H
#define ND_SQLSHARED_H

#include "store/store.h"

/* An account row: id, auth_id, parent_id (0: main), name, enabled,
 * token_hash, created_at, modified_at. */
#define SQLS_ACCOUNT_COLS \
    "id, auth_id, COALESCE(parent_id, 0), name, enabled, token_hash, created_at, modified_at, " \
    "status, old_token_hash, old_token_until"
/* The columns of api_keys, in sqls_read_apikey's order. */
#define SQLS_APIKEY_COLS \
    "id, account_id, key_hash, prefix, label, scopes, created_at, expires_at, last_used_at, " \
    "revoked_at"

/* An endpoint's filter as of the fan-out (migrations of session 37): NULL
 * (a row from before them, or made by a node of the previous release)
 * reads as its present filter.  FROM webhook_endpoints, not aliased. */
#define SQLS_WH_FAN_COLS                                                                      \
    "COALESCE(fan_enabled, enabled), COALESCE(fan_types, event_types), "                      \
    "COALESCE(fan_account, (SELECT auth_id FROM accounts "                                    \
    "WHERE accounts.id = webhook_endpoints.account_id), '')"
/* A webhook endpoint (wh_endpoint_t's order) and a delivery (wh_delivery_t's). */
#define SQLS_WH_ENDPOINT_COLS                                                                 \
    "id, uid, owner_id, COALESCE(account_id, 0), url, description, event_types, enabled, "   \
    "disabled_reason, secret, old_secret, old_secret_until, fail_count, fail_since, "         \
    "created_at, updated_at, start_event_id, " SQLS_WH_FAN_COLS
#define SQLS_WH_DELIVERY_COLS                                                                 \
    "id, endpoint_id, event_id, event_type, object_key, state, attempts, next_at, "          \
    "leased_until, last_status, last_error, last_at, created_at, delivered_at"

/* A new endpoint's fan_account: its account filter's auth_id ("" for none) */
#define SQLS_WH_FAN_ACCOUNT(account) \
    "COALESCE((SELECT auth_id FROM accounts WHERE id = " account "), '')"

/* The claim's fairness, after the WHERE of a due delivery d of endpoint e
 * (now: the time's placeholder, share: owner_share's): no other delivery
 * of e in flight; for a customer's endpoint, fewer than share of its
 * owner's in flight; and for a failing endpoint (its last attempt failed:
 * fail_count > 0), fewer than share of all failing endpoints' in flight.
 * The owner's share alone let several customers whose receivers hang
 * hold every sender between them, retry after retry; now the endpoints
 * that answer always have the other half.  (A receiver that hangs from
 * its first attempt looks healthy until that attempt times out: for one
 * attempt's time it counts only against its owner's share.)
 * "l.leased_until > 0" repeats the partial index webhook_deliveries_leased's
 * predicate, so that both backends use it (the leases in flight are a
 * few rows; migrations of session 37). */
#define SQLS_WH_FREE(now, share)                                                                \
    "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries l WHERE l.endpoint_id = d.endpoint_id "  \
    "AND l.leased_until > 0 AND l.leased_until > " now ") "                                   \
    "AND (e.owner_id = 0 OR " SQLS_WH_LEASED(now, "o.owner_id = e.owner_id") " < " share ") " \
    "AND (e.fail_count = 0 OR " SQLS_WH_LEASED(now, "o.fail_count > 0") " < " share ") "
/* The deliveries in flight (leased) of the endpoints o that match which:
 * SQLS_WH_FREE's two shares. */
#define SQLS_WH_LEASED(now, which)                                                              \
    "(SELECT count(*) FROM webhook_deliveries l "                                              \
    "JOIN webhook_endpoints o ON o.id = l.endpoint_id WHERE l.leased_until > 0 "               \
    "AND l.leased_until > " now " AND " which ")"

/* An event (event_t order) with its account's auth_id; FROM is
 * SQLS_EVENT_FROM ("events e" and its account). */
#define SQLS_EVENT_COLS                                                                         \
    "e.id, e.ts, e.type, COALESCE(e.account_id, 0), COALESCE(a.auth_id, ''), e.object_type, "   \
    "e.object_id, e.actor_kind, e.actor_id, e.request_id, e.data"
#define SQLS_EVENT_FROM "FROM events e LEFT JOIN accounts a ON a.id = e.account_id "

/* The inventory columns of table numbers, in inv_number_t order; also the
 * column list of an INSERT of an inventory row. */
#define SQLS_INV_COLS                                                                         \
    "number, country_iso, type, sub_type, prefix, city, region, rate_center, lata, "         \
    "voice_enabled, sms_enabled, mms_enabled, setup_rate, monthly_rental_rate, voice_rate, " \
    "sms_rate, mms_rate, restriction, restriction_text, carrier"

/* An owned number (numbers n): the inventory columns, then ownership, the
 * subaccount's auth_id and name and the carrier's voip_sid (each a
 * subquery run only when the number has a subaccount or a carrier), in
 * owned_number_t's reading order: state, source, owner_id, sub_id,
 * sub_auth_id, app_id, alias, added_on, renewal_date, compliance_id,
 * cnam_lookup, cnam, cnam_callback_url, cnam_callback_method,
 * caller_reputation_status, profile_uuid, cr_callback_url,
 * cr_callback_method, tendlc_registration_status, tendlc_campaign_id,
 * toll_free_sms_verification, carrier_id, created_at, updated_at, byoc_id,
 * label, carrier_sid, sub_name, app_auth_id.  Ends with a space.
 *
 * Why subqueries behind a CASE and not LEFT JOINs: PostgreSQL starts the
 * executor of every join's scan on each execution (opening and locking
 * the joined table and its index) even when the number has no subaccount
 * or carrier, which is most numbers; that start-up was a third of a
 * one-number read (pgbench, 48 columns by number: 6,400 statements/s
 * with the two joins, 10,100 so, 8,800 against 7,200 for a number with
 * both; docs/PERFORMANCE.md, session 32).  A CASE runs its subquery only
 * for a row that has one. */
/* FIELD of the TABLE row whose id is in column REF of the row, '' when
 * REF is NULL (or names no row); each a string literal. */
#define SQLS_REF_FIELD(REF, TABLE, FIELD)                                                     \
    "CASE WHEN " REF " IS NULL THEN '' ELSE "                                                 \
    "COALESCE((SELECT x." FIELD " FROM " TABLE " x WHERE x.id = " REF "), '') END"
#define SQLS_OWNED_SUB_AUTH SQLS_REF_FIELD("n.sub_id", "accounts", "auth_id")
#define SQLS_OWNED_SUB_NAME SQLS_REF_FIELD("n.sub_id", "accounts", "name")
#define SQLS_OWNED_CARRIER_SID SQLS_REF_FIELD("n.carrier_id", "carriers", "voip_sid")
/* A subaccount's number linked to an application that is not the
 * subaccount's own (its main account's, or a sibling's, which the main
 * account linked): the main account's auth_id, whose path names that
 * application (a subaccount's path would answer 404); '' otherwise, the
 * path's account naming it.  Run only for a subaccount's linked number. */
#define SQLS_OWNED_APP_AUTH                                                                   \
    "CASE WHEN n.sub_id IS NULL OR n.app_id IS NULL THEN '' ELSE "                            \
    "COALESCE((SELECT ao.auth_id FROM applications aa JOIN accounts ao ON ao.id = n.owner_id " \
    "WHERE aa.app_id = n.app_id AND COALESCE(aa.sub_id, 0) <> n.sub_id), '') END"
#define SQLS_OWNED_COLS                                                                       \
    "n.number, n.country_iso, n.type, n.sub_type, n.prefix, n.city, n.region, "              \
    "n.rate_center, n.lata, n.voice_enabled, n.sms_enabled, n.mms_enabled, n.setup_rate, "  \
    "n.monthly_rental_rate, n.voice_rate, n.sms_rate, n.mms_rate, n.restriction, "          \
    "n.restriction_text, n.carrier, n.state, n.source, n.owner_id, COALESCE(n.sub_id, 0), " \
    SQLS_OWNED_SUB_AUTH ", n.app_id, n.alias, n.added_on, n.renewal_date, "                 \
    "n.compliance_id, n.cnam_lookup, n.cnam, n.cnam_callback_url, n.cnam_callback_method, " \
    "n.caller_reputation_status, n.profile_uuid, n.cr_callback_url, n.cr_callback_method, " \
    "n.tendlc_registration_status, n.tendlc_campaign_id, n.toll_free_sms_verification, "    \
    "COALESCE(n.carrier_id, 0), n.created_at, n.updated_at, n.byoc_id, n.label, "           \
    SQLS_OWNED_CARRIER_SID ", " SQLS_OWNED_SUB_NAME ", " SQLS_OWNED_APP_AUTH " "
#define SQLS_OWNED_SELECT "SELECT " SQLS_OWNED_COLS "FROM numbers n "
/* What the Plivo list shows of an owned number (numlist_q_t.brief):
 * SQLS_OWNED_COLS without the columns it does not show (source, owner,
 * callbacks, carrier, times, byoc_id, label) and so without the carrier;
 * sqls_read_owned_brief's order; SUB_AUTH and SUB_NAME are the
 * subaccount's auth_id and name.  Ends with a space.
 *  - SQLS_OWNED_BRIEF_COLS (SQLite): the subaccount by a join
 *    (SQLS_OWNED_BRIEF_JOINS), in SQLite 2-4 % faster for a page of 20
 *    than SQLS_OWNED_COLS's subqueries (session 32);
 *  - SQLS_OWNED_BRIEF_COLS_SUBQ (PostgreSQL): by those subqueries, no
 *    join (SQLS_OWNED_COLS says why); a page of 20 brief rather than
 *    whole: 2,600-3,050 -> 3,240-3,430 statements/s (pgbench). */
#define SQLS_OWNED_BRIEF_COLS_(SUB_AUTH, SUB_NAME)                                            \
    "n.number, n.country_iso, n.type, n.sub_type, n.prefix, n.city, n.region, "              \
    "n.rate_center, n.lata, n.voice_enabled, n.sms_enabled, n.mms_enabled, n.setup_rate, "  \
    "n.monthly_rental_rate, n.voice_rate, n.sms_rate, n.mms_rate, n.restriction, "          \
    "n.restriction_text, n.carrier, n.state, " SUB_AUTH ", n.app_id, n.alias, "             \
    "n.added_on, n.renewal_date, n.compliance_id, n.cnam_lookup, n.cnam, "                  \
    "n.caller_reputation_status, n.profile_uuid, n.tendlc_registration_status, "            \
    "n.tendlc_campaign_id, n.toll_free_sms_verification, " SUB_NAME ", "                    \
    SQLS_OWNED_APP_AUTH " "
#define SQLS_OWNED_BRIEF_COLS SQLS_OWNED_BRIEF_COLS_("COALESCE(s.auth_id, '')", "COALESCE(s.name, '')")
#define SQLS_OWNED_BRIEF_COLS_SUBQ SQLS_OWNED_BRIEF_COLS_(SQLS_OWNED_SUB_AUTH, SQLS_OWNED_SUB_NAME)
#define SQLS_OWNED_BRIEF_JOINS "LEFT JOIN accounts s ON s.id = n.sub_id "

/* A carrier (carriers c) with its subaccount's auth_id and the count of
 * its numbers, in carrier_t's reading order: id, uuid, voip_sid,
 * carrier_id, account_id, sub_id, sub_auth_id, name, trunk_type, voice,
 * sms, in_username, in_password, reg_username, reg_password, reg_realm,
 * reg_from_user, reg_from_domain, reg_expires, created_at, updated_at,
 * nnumbers (kept in carrier_counts by triggers, migrations 0010 / 0009:
 * a primary-key read, not a count of the carrier's numbers), out_*,
 * incoming, registrar_ip.  A
 * backend may add columns after these (its gateways); the FROM is
 * SQLS_CARRIER_FROM. */
#define SQLS_CARRIER_COLS                                                                     \
    SQLS_CARRIER_OWN_A "COALESCE((SELECT k.n FROM carrier_counts k WHERE k.carrier_id = c.id), 0), " \
    SQLS_CARRIER_OWN_B "COALESCE((SELECT r.registrar_ip FROM registrations r WHERE r.carrier_id = c.id), '')"
/* The same columns with the carrier's row alone: its number count 0 and
 * its registrar "" (no subquery over what changes with the carrier, so
 * that a locking read returns the row as it is after any wait, whole:
 * PostgreSQL's carrier_head; the subaccount's auth_id, a subquery, may be
 * the statement's snapshot's, and an add does not copy it). */
#define SQLS_CARRIER_HEAD_COLS SQLS_CARRIER_OWN_A "0, " SQLS_CARRIER_OWN_B "''"
#define SQLS_CARRIER_OWN_A                                                                    \
    "c.id, c.uuid, c.voip_sid, c.carrier_id, COALESCE(c.account_id, 0), COALESCE(c.sub_id, 0), "\
    SQLS_REF_FIELD("c.sub_id", "accounts", "auth_id") ", "                                     \
    "c.name, c.trunk_type, c.voice, c.sms, c.in_username, "                                   \
    "c.in_password, c.reg_username, c.reg_password, c.reg_realm, c.reg_from_user, "           \
    "c.reg_from_domain, COALESCE(c.reg_expires, 0), c.created_at, c.updated_at, "
#define SQLS_CARRIER_OWN_B "c.out_username, c.out_password, c.out_realm, c.incoming, "
/* A gateway g (carrier_gateways g) is down: probed (its carrier opted in)
 * and stored down by the prober (SIP.md §6).  A carrier whose probing is
 * switched off keeps its rows but none of them counts. */
#define SQLS_GW_DOWN                                                                          \
    "EXISTS (SELECT 1 FROM gateway_health h JOIN carrier_probes p ON p.carrier_id = h.carrier_id " \
    "WHERE h.sid = g.sid AND h.carrier_id = g.carrier AND h.state = 2)"
/* The subaccount's auth_id is a subquery behind a CASE, not a join, for
 * SQLS_OWNED_COLS's reason: PostgreSQL starts a join's scan on every
 * execution, subaccount or not. */
#define SQLS_CARRIER_FROM "FROM carriers c "

/* An application (applications a) with its subaccount's auth_id, in
 * app_t's reading order. */
#define SQLS_APP_SELECT                                                                       \
    "SELECT a.app_id, a.account_id, COALESCE(a.sub_id, 0), COALESCE(s.auth_id, ''), "        \
    "a.app_name, a.answer_url, a.answer_method, a.hangup_url, a.hangup_method, "              \
    "a.fallback_answer_url, a.fallback_method, a.message_url, a.message_method, "             \
    "a.default_number_app, a.default_endpoint_app, a.public_uri, a.log_incoming_messages, "   \
    "a.created_at, a.modified_at, a.is_voice_request "                                        \
    "FROM applications a LEFT JOIN accounts s ON s.id = a.sub_id "

/* A compliance record, in compliance_t's order. */
#define SQLS_COMPLIANCE_COLS "id, account_id, country_iso, number_type, approved, created_at"

/* Room for sqls_prefix_hi() of any prefix the core lets through. */
#define SQLS_PREFIX_HI_SZ 64

/* The upper bound of a digit-prefix range: "1415" -> "1415:" (':' sorts
 * right after '9' bytewise: SQLite's BINARY, PostgreSQL's C collation), so
 * number >= p AND number < p: is "starts with p" and uses the index on
 * number.  Truncates to sz - 1 bytes (callers size out SQLS_PREFIX_HI_SZ). */
void sqls_prefix_hi(const char *p, char *out, size_t sz);

/* The caps column of a number (voice 1 | sms 2 | mms 4), which the search
 * indexes carry so that the services filter is answered from the index. */
int sqls_caps(const inv_number_t *v);

/* The end of setting_put_new, once the backend ran Q_SETTING_PUT_NEW
 * (its status rc; inserted: the rows it inserted): ST_OK with value in
 * out when it was inserted, else ST_CONFLICT with the value met (read
 * through st's setting_get), ST_ERR when that read fails (a value that
 * vanished is not expected), or rc when the insert failed. */
int sqls_setting_put_new_end(store_t *st, int rc, int64_t inserted, const char *name,
                             const char *value, char *out, size_t outsz);

/* ---- transactions nest by counting (both backends) ------------------------- */

/* Where leaving one level of a connection's transaction (depth levels
 * open) leaves it. */
typedef enum {
    SQLS_TX_NONE,    /* none was open: a caller's mistake */
    SQLS_TX_INNER,   /* an inner level: the transaction goes on */
    SQLS_TX_OUTER,   /* the outermost: the caller commits or rolls back for real */
} sqls_tx_level_t;

/* Leaves one level.  An inner rollback makes the whole transaction roll
 * back at its end (*rollback_only). */
static inline sqls_tx_level_t sqls_tx_leave(int *depth, bool *rollback_only, bool rolling_back)
{
    if (*depth == 0) return SQLS_TX_NONE;
    if (--*depth > 0) {
        if (rolling_back) *rollback_only = true;
        return SQLS_TX_INNER;
    }
    return SQLS_TX_OUTER;
}

/* ---- reading rows ------------------------------------------------------------ */

typedef struct sqls_row sqls_row_t;

/* Column readers of one backend.  Each reads the column at r->col and
 * advances r->col by one. */
typedef struct {
    /* text, truncated to sz - 1 bytes; NULL reads as "" */
    void (*text)(sqls_row_t *r, char *out, size_t sz);
    /* an integer; NULL reads as if_null */
    int64_t (*i64)(sqls_row_t *r, int64_t if_null);
    /* a boolean (SQLite: an integer != 0; PostgreSQL: 't') */
    bool (*boolean)(sqls_row_t *r);
    /* bytes; *n = 0 when NULL or longer than sz */
    void (*blob)(sqls_row_t *r, uint8_t *out, size_t sz, size_t *n);
} sqls_row_ops_t;

/* A cursor over the columns of one result row, read left to right. */
struct sqls_row {
    const sqls_row_ops_t *ops;
    const void *res;            /* the backend's result (sqlite3_stmt *, PGresult *) */
    int row;                    /* the row within res, where the backend needs it */
    int col;                    /* the next column */
};

/* Each fills a whole record (zeroing what the row does not carry) from the
 * columns of its list, starting at r->col. */
void sqls_read_account(sqls_row_t *r, account_t *a);        /* SQLS_ACCOUNT_COLS */
void sqls_read_apikey(sqls_row_t *r, apikey_t *k);          /* SQLS_APIKEY_COLS */
void sqls_read_event(sqls_row_t *r, event_t *ev);           /* SQLS_EVENT_COLS */
void sqls_read_inv(sqls_row_t *r, inv_number_t *v);         /* SQLS_INV_COLS */
void sqls_read_owned(sqls_row_t *r, owned_number_t *o);     /* SQLS_OWNED_COLS */
/* SQLS_OWNED_BRIEF_COLS; the other fields zero */
void sqls_read_owned_brief(sqls_row_t *r, owned_number_t *o);
void sqls_read_app(sqls_row_t *r, app_t *a);                /* SQLS_APP_SELECT */
void sqls_read_compliance(sqls_row_t *r, compliance_t *c);  /* SQLS_COMPLIANCE_COLS */
/* SQLS_CARRIER_COLS; c->gw stays NULL (the backend reads the gateways) */
void sqls_read_carrier(sqls_row_t *r, carrier_t *c);

/* An SBC index number (SQLS_SBC_NUM_SELECT), a change of the SBC log
 * (seq, kind, key). */
void sqls_read_sbc_num(sqls_row_t *r, sbc_numrow_t *n);
void sqls_read_sbc_change(sqls_row_t *r, sbc_change_t *ch);
/* An inventory statistics row: country_iso, type, state, count. */
void sqls_read_stats(sqls_row_t *r, stats_row_t *s);

/* Defines fn, a walk callback (int fn(sqls_row_t *, void *arg), C_OK: go
 * on) that reads each row into a rec_t with read and hands it to the
 * store's typed callback (cb_t); its arg is a fn_t {cb, ud}.  One adapter
 * per record type, for both backends' walks (sq_each, pg_each). */
#define SQLS_WALKER(fn, rec_t, cb_t, read)   \
    typedef struct {                         \
        cb_t cb;                             \
        void *ud;                            \
    } fn##_t;                                \
    static int fn(sqls_row_t *r, void *arg)  \
    {                                        \
        fn##_t *w = arg;                     \
        rec_t rec;                           \
        read(r, &rec);                       \
        return w->cb(&rec, w->ud);           \
    }

/* The walk callbacks of the record types above, once for both backends:
 * sqls_walk_<name>(row, arg) reads a record and hands it to arg's cb (arg
 * is a sqls_walk_<name>_t {cb, ud}).  SQLS_WALKER stays for a file's own
 * record types. */
#define SQLS_WALKER_DECL(name, cb_t) \
    typedef struct {                 \
        cb_t cb;                     \
        void *ud;                    \
    } sqls_walk_##name##_t;          \
    int sqls_walk_##name(sqls_row_t *r, void *arg);
typedef int (*sqls_app_cb)(const app_t *a, void *ud);
SQLS_WALKER_DECL(account, store_account_cb)
SQLS_WALKER_DECL(compliance, store_compliance_cb)
SQLS_WALKER_DECL(inv, store_inv_cb)
SQLS_WALKER_DECL(stats, store_stats_cb)
SQLS_WALKER_DECL(app, sqls_app_cb)
SQLS_WALKER_DECL(sbc_num, store_sbc_num_cb)
SQLS_WALKER_DECL(sbc_change, store_sbc_change_cb)
SQLS_WALKER_DECL(event, store_event_cb)

/* Walk callbacks (sq_each, pg_each) of two inventory reads whose store
 * callbacks take columns, not a record; arg is the walk's {cb, ud}. */
typedef struct {
    store_rate_cb cb;
    void *ud;
} sqls_rate_walk_t;
int sqls_each_rate(sqls_row_t *r, void *arg);          /* sub_type, min rental (NULL: -1) */
void sqls_rd_renewal(sqls_row_t *r, void *rows, size_t i); /* renewal_row_t */
/* Rows of one integer column into ids (room for max; more rows: C_ERR). */
typedef struct {
    int64_t *ids;
    size_t n, max;
} sqls_ids_walk_t;
int sqls_each_id(sqls_row_t *r, void *arg);
typedef struct {
    store_restriction_cb cb;
    void *ud;
} sqls_restriction_walk_t;
int sqls_each_restriction(sqls_row_t *r, void *arg);   /* restriction, its text */

/* Row i of an array of records, for the page readers of the backends:
 * rows is an array of the record type named. */
typedef void (*sqls_reader_fn)(sqls_row_t *r, void *rows, size_t i);
/* Rows read by rd into an array with room for max (more rows: C_ERR). */
typedef struct {
    void *rows;
    size_t n, max;
    sqls_reader_fn rd;
} sqls_rows_walk_t;
int sqls_each_row(sqls_row_t *r, void *arg);
void sqls_rd_account(sqls_row_t *r, void *rows, size_t i);
void sqls_rd_apikey(sqls_row_t *r, void *rows, size_t i);
void sqls_rd_wh_endpoint(sqls_row_t *r, void *rows, size_t i);   /* SQLS_WH_ENDPOINT_COLS */
void sqls_rd_wh_delivery(sqls_row_t *r, void *rows, size_t i);   /* SQLS_WH_DELIVERY_COLS */
void sqls_rd_inv(sqls_row_t *r, void *rows, size_t i);
void sqls_rd_owned(sqls_row_t *r, void *rows, size_t i);
void sqls_rd_owned_brief(sqls_row_t *r, void *rows, size_t i);
void sqls_rd_app(sqls_row_t *r, void *rows, size_t i);
void sqls_rd_compliance(sqls_row_t *r, void *rows, size_t i);
void sqls_rd_carrier(sqls_row_t *r, void *rows, size_t i);
void sqls_rd_sbc_num(sqls_row_t *r, void *rows, size_t i);

/* A walk callback (sq_each, pg_each; arg is this struct) that fills an
 * array: each row read by rd into rows[n++], at most max of them; a row
 * past max stops the walk (C_ERR: the statement's LIMIT should make that
 * unreachable).  Both backends' bounded list reads share it. */
typedef struct {
    sqls_reader_fn rd;
    void *rows;
    size_t n, max;
} sqls_fill_t;
int sqls_fill(sqls_row_t *r, void *arg);

/* A walk callback (sq_each, pg_each; arg is this struct) over rows of one
 * column, a phone number: each counted in n and handed to cb (NULL: the
 * rows are only walked); cb's answer goes on or stops, unless every is set
 * (rows a statement has already changed, as an aging sweep's: each must be
 * handed out). */
typedef struct {
    store_text_cb cb;
    void *ud;
    int64_t n;
    bool every;
} sqls_number_walk_t;
int sqls_each_number(sqls_row_t *r, void *arg);

/* A webhook endpoint's run of failures after an outcome (Q_WH_EP_OUTCOME's
 * columns: fail_count, fail_since); rows is an array of it. */
typedef struct {
    int count;
    int64_t since;
} sqls_wh_run_t;
void sqls_rd_wh_run(sqls_row_t *r, void *rows, size_t i);

/* A walk callback over carriers (sq_each, pg_each; arg is this struct):
 * each row read by rd (PostgreSQL's reader brings the gateways in the
 * row), then, when gateways is not NULL, its gateways read by it on ctx
 * (SQLite: another statement in the same read transaction), handed to cb
 * and cleared.  rc is the last answer: cb's, or C_ERR when the gateways
 * could not be read. */
typedef struct {
    int (*cb)(const carrier_t *c, void *ud);
    void *ud;
    sqls_reader_fn rd;
    int (*gateways)(void *ctx, carrier_t *c);   /* ST_OK */
    void *ctx;
    int rc;
} sqls_carrier_walk_t;
int sqls_each_carrier(sqls_row_t *r, void *arg);

/* The operator's number list (admin_number_t): SQLS_OWNED_COLS, then the
 * owner's auth_id and name (accounts o), from SQLS_ADMNUM_FROM. */
#define SQLS_ADMNUM_SELECT                                                                    \
    "SELECT " SQLS_OWNED_COLS ", o.auth_id, o.name FROM numbers n "                            \
    "JOIN accounts o ON o.id = n.owner_id "
void sqls_rd_admin_number(sqls_row_t *r, void *rows, size_t i);

/* A registration's state with who its carrier is (reg_status_t); FROM is
 * SQLS_REG_FROM. */
#define SQLS_REG_COLS                                                                   \
    "r.carrier_id, r.state, r.last_code, r.reason, r.expires_at, r.last_attempt_at, "   \
    "r.next_attempt_at, r.failures, r.node, r.updated_at, c.uuid, c.name, a.auth_id, r.registrar_ip"
#define SQLS_REG_FROM \
    "FROM registrations r JOIN carriers c ON c.id = r.carrier_id AND c.trunk_type = 2 "        \
    "LEFT JOIN accounts a ON a.id = c.account_id "
#define SQLS_REG_SELECT "SELECT " SQLS_REG_COLS " " SQLS_REG_FROM
void sqls_read_reg(sqls_row_t *r, reg_status_t *g);
void sqls_rd_reg(sqls_row_t *r, void *rows, size_t i);

/* Gateway health (SIP.md §6), rows read for both backends: a probe target
 * (Q_PROBE_TARGETS: carrier_id, interval_s, sid, address, port,
 * transport; a transport code other than TCP probes over UDP) and a
 * gateway's stored health (Q_HEALTH_LIST's columns, gw_health_t's
 * order); rows is an array of probe_target_t / gw_health_t. */
void sqls_read_renewal(sqls_row_t *r, renewal_row_t *o);
void sqls_read_probe_target(sqls_row_t *r, probe_target_t *t);
void sqls_rd_probe_target(sqls_row_t *r, void *rows, size_t i);
void sqls_read_health(sqls_row_t *r, gw_health_t *h);
void sqls_rd_health(sqls_row_t *r, void *rows, size_t i);
/* One integer column into ((int *)rows)[i] (a probe's interval). */
void sqls_rd_int(sqls_row_t *r, void *rows, size_t i);

/* What the SBC index keeps of an active number (sbc_numrow_t): number,
 * owner, subaccount, carrier (its own, or for an inventory number the
 * upstream carrier its CSV named), application, byoc_id, and voice: an
 * inventory number's voice_enabled (a number added through a carrier took
 * the carrier's flag when it was added, and nothing changes it after: its
 * carrier's own voice flag decides for it).  The join names
 * all three columns of the carriers_name index (coalesce(account_id, 0),
 * coalesce(sub_id, 0), name; an upstream carrier has neither): with the
 * first alone every number scanned every upstream carrier, and a full load
 * of 20,000 numbers with 1,000 upstream carriers took 20 s on SQLite. */
/* A reg carrier the registration client registers: its account (and its
 * subaccount) neither suspended, closed nor disabled -- their calls are
 * refused (SIP.md §3), so their carrier is not told to send any, and a
 * closed customer's SIP password is not presented again.  c: carriers. */
#define SQLS_REG_LIVE                                                                         \
    "NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id IN (c.account_id, c.sub_id) "            \
    "AND (a.status <> 0 OR NOT a.enabled))"

#define SQLS_SBC_NUM_SELECT                                                                   \
    "SELECT n.number, n.owner_id, COALESCE(n.sub_id, 0), COALESCE(n.carrier_id, u.id, 0), "   \
    "COALESCE(n.app_id, ''), COALESCE(n.byoc_id, ''), (n.voice_enabled OR n.source <> 0) "  \
    "FROM numbers n "                                                                         \
    "LEFT JOIN carriers u "                                                                   \
    "ON n.source = 0 AND COALESCE(u.account_id, 0) = 0 AND COALESCE(u.sub_id, 0) = 0 "        \
    "AND u.name = n.carrier "

#endif
