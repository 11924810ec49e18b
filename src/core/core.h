/* core.h -- the service layer: every rule of API.md, once.
 *
 * Both dialects and the CLI call these functions; none of them knows HTTP.
 * A function returns C_OK, or C_ERR with a cerr_t saying what kind of
 * failure it was and a message fit to show the user.  Strings in inputs are
 * borrowed for the duration of the call; outputs are written into
 * caller-provided structs.
 */
#ifndef ND_CORE_H
#define ND_CORE_H

#include <stdio.h>

#include "core/model.h"
#include "util/buf.h"

typedef enum {
    CE_OK = 0,
    CE_INVALID,    /* the request is wrong: 400 */
    CE_AUTH,       /* bad credentials: 401 */
    CE_FORBIDDEN,  /* authenticated but not allowed: 403 */
    CE_NOTFOUND,   /* absent or not the caller's: 404 */
    CE_CONFLICT,   /* state conflict (in use, duplicate name): 409 */
    CE_KEY_REUSED, /* idempotency key with another request: 409 / 422 by dialect */
    CE_INTERNAL,   /* the database failed: 500 */
} ce_t;

typedef struct {
    ce_t code;
    char msg[512];
} cerr_t;

/* Sets e and returns C_ERR, so that `return cerr(e, ...)` reads well. */
int cerr(cerr_t *e, ce_t code, const char *fmt, ...) ND_PRINTF(3, 4);

/* A name or filter value: valid UTF-8, 1..max characters (code points),
 * no control characters (C0, DEL, C1, U+2028/9), not only spaces. */
bool core_text_ok(const char *s, size_t max);

struct sec_key;
struct store;

/* The core owns the store: only the core's own files look inside it
 * (core_store.h); everyone else reaches data through core functions. */
typedef struct {
    struct store *st;
    int aging_days;        /* --aging-days (default 45) */
    const struct sec_key *key; /* seals SIP passwords; NULL: none can be stored */
} core_t;

/* Opens the store named by url (CLI.md --db: an SQLite path or a
 * postgresql:// URL) and brings its schema up to date; *applied (may be
 * NULL) gets the number of migrations applied.  c is set up with the
 * defaults (aging_days 45, no key).  C_ERR with CE_INTERNAL and the reason. */
int core_open(core_t *c, const char *url, int *applied, cerr_t *e);
/* Closes the store (the key, which the caller loaded, is the caller's). */
void core_close(core_t *c);
/* Does the database answer on this thread's connection?  (GET /readyz) */
bool core_ready(core_t *c);
/* The backend's name ("sqlite", "postgres"): a static string. */
const char *core_backend(const core_t *c);
/* Records the server key's fingerprint in a new database (*first = true),
 * or checks it against the one recorded: CE_CONFLICT for another key, so
 * that a lost or swapped key is found at start, not at the first call. */
int core_key_check(core_t *c, bool *first, cerr_t *e);

/* Validation faults with the JSON path of the field at fault, so that a
 * dialect can report every fault at once (API.md §3.1). */
#define FAULTS_MAX 32
typedef struct {
    char path[64];
    char msg[256];
} fault_t;
typedef struct {
    fault_t f[FAULTS_MAX];
    size_t n;              /* faults past FAULTS_MAX are counted, not kept */
} faults_t;
/* Records a fault, unless one is already recorded for the same field, a
 * field inside it, or the object it is in (one fault per field). */
void fault_add(faults_t *f, const char *path, const char *fmt, ...) ND_PRINTF(3, 4);

/* ---- accounts, keys, authentication (accounts.c) ---- */
typedef struct {
    char auth_id[IDS_AUTH_ID_SZ];
    char auth_token[IDS_TOKEN_SZ];   /* secret: shown once, caller wipes */
    char api_key[IDS_APIKEY_SZ];     /* secret: shown once, caller wipes */
    char name[MODEL_NAME_SZ];
} acct_created_t;

int acct_create(core_t *c, const char *name, acct_created_t *out, cerr_t *e);
int acct_apikey_create(core_t *c, const char *auth_id, unsigned scopes,
                       char key[IDS_APIKEY_SZ], cerr_t *e);
/* Checks auth_id/token (constant-time).  Disabled accounts, and
 * subaccounts whose parent is gone, fail.  C_OK fills *out. */
int acct_auth_basic(core_t *c, const char *auth_id, const char *token, account_t *out);
/* Checks an API key; C_OK fills the (main) account and its scopes. */
int acct_auth_bearer(core_t *c, const char *key, account_t *out, unsigned *scopes);
/* Empties every thread's credential cache: call after any change to an
 * account (enabled, deleted).  (Authentication results are cached per
 * thread for at most 2 s: accounts.c.) */
void acct_cache_invalidate(void);
/* Parses "phone_numbers:read,phone_numbers:write". */
int acct_parse_scopes(const char *s, unsigned *out);
/* Every main account, one callback per account (its argument is valid
 * during the call only). */
typedef int (*acct_cb)(const account_t *a, void *ud);
int acct_list(core_t *c, acct_cb cb, void *ud, cerr_t *e);
/* How many accounts there are (main and sub). */
int acct_count(core_t *c, int64_t *n, cerr_t *e);
/* The auth_id of the account with row id id. */
int acct_auth_id_of(core_t *c, int64_t id, char out[IDS_AUTH_ID_SZ], cerr_t *e);
/* The auth_id of who's main account: itself, or a subaccount's parent. */
int acct_main_auth_id(core_t *c, const account_t *who, char out[IDS_AUTH_ID_SZ], cerr_t *e);

/* ---- inventory (inventory.c) ---- */
#define INV_MAX_REJECTED_LISTED 1000

typedef struct {
    uint64_t line;
    char error[160];
} inv_reject_t;

typedef struct {
    uint64_t imported, updated, rejected_count;
    inv_reject_t *rejected;  /* first INV_MAX_REJECTED_LISTED, owned: inv_result_free */
    size_t nrejected;
} inv_result_t;

typedef struct inv_import inv_import_t;
typedef void (*inv_progress_cb)(uint64_t bytes, uint64_t rows, void *ud);

int inv_import_begin(core_t *c, bool dry_run, inv_import_t **out, cerr_t *e);
void inv_import_progress(inv_import_t *im, inv_progress_cb cb, void *ud);
/* Feeds CSV bytes.  C_ERR (with e) stops the import: a header error or a
 * database failure; bad rows are not errors, they are listed. */
int inv_import_feed(inv_import_t *im, const char *data, size_t n, cerr_t *e);
/* Finishes (commit unless dry run or failed) and frees im. */
int inv_import_end(inv_import_t *im, inv_result_t *res, cerr_t *e);
void inv_import_abort(inv_import_t *im);
void inv_result_free(inv_result_t *r);
/* Validates one CSV row given by column name -> value. (exposed for tests) */
int inv_validate_row(const char *const *cols, const char *const *vals, size_t n,
                     inv_number_t *out, char *why, size_t whysz);

/* Counts by country, type and state, one callback per row. */
typedef int (*inv_stats_cb)(const stats_row_t *r, void *ud);
int inv_stats(core_t *c, inv_stats_cb cb, void *ud, cerr_t *e);
/* Writes the inventory to out as CSV in the import format (CLI.md): a
 * header naming every column, then one row per inventory number in number
 * order, each field as the import reads it back (so export -> import ->
 * export gives the same bytes).  Streams: memory does not grow with the
 * inventory.  country_iso NULL: every country; state -1: every state (the
 * owner of a sold number is not part of the inventory and is not
 * exported).  *rows gets the number of rows written.  C_ERR with
 * CE_INTERNAL on a database or write error (out then holds a partial file). */
int inv_export(core_t *c, const char *country_iso, int state, FILE *out, uint64_t *rows,
               cerr_t *e);
const char *num_state_name(num_state_t s);

/* ---- search and purchase (numbers.c) ---- */
typedef struct {
    const char *country_iso, *type, *pattern, *npanxx, *local_calling_area, *region, *city,
        *services, *lata, *rate_center;
    int limit, offset;
} search_in_t;

int num_search(core_t *c, const search_in_t *in, inv_number_t *rows, size_t *nrows,
               int64_t *total, cerr_t *e);

typedef struct {
    const account_t *caller;
    const char *number;           /* as given (with or without '+') */
    const char *app_id, *cnam_lookup, *compliance_id, *subaccount;
} buy_in_t;

typedef struct {
    char number[E164_BUFSZ];
    num_state_t state;            /* NUM_ACTIVE or NUM_PENDING */
} buy_out_t;

int num_buy(core_t *c, const buy_in_t *in, buy_out_t *out, cerr_t *e);
int num_approve(core_t *c, const char *number, cerr_t *e);

/* Parses a number type ("local", "national", "mobile", "tollfree",
 * "fixed"), case-insensitive; writes the canonical lower-case name. */
int num_parse_type(const char *s, const char **canon);

/* ---- account numbers (owned.c) ---- */
typedef struct {
    const char *type, *number_startswith, *subaccount, *alias, *services, *cnam_lookup;
    const char *renewal[5];      /* renewal_date, __gt, __gte, __lt, __lte (RENEW_*) */
    const char *tendlc_registration_status, *tendlc_campaign_id, *toll_free_sms_verification;
    const char *carrier;         /* BYOC: a carrier ref (voip_carrier_sid) */
    const char *source;          /* BYOC: byoc, manual, inventory */
    const char *status;          /* BYOC: active, pending */
    int limit, offset;
} numlist_in_t;

/* The caller may be a main account or a subaccount (which sees only its
 * own numbers).  rows has room for in->limit entries. */
int num_list(core_t *c, const account_t *caller, const numlist_in_t *in, owned_number_t *rows,
             size_t *nrows, int64_t *total, cerr_t *e);
int num_get(core_t *c, const account_t *caller, const char *number, owned_number_t *out,
            cerr_t *e);

/* The number a BYOC path names: its id (a UUID) or the number itself.
 * CE_NOTFOUND unless the caller owns it. */
int num_resolve_ref(core_t *c, const account_t *caller, const char *ref, char number[E164_BUFSZ],
                    cerr_t *e);

/* Update fields: NULL = not given; "" clears (where clearing is allowed). */
typedef struct {
    const char *app_id, *subaccount, *alias, *compliance_id, *cnam_lookup, *cnam,
        *cnam_callback_url, *cnam_callback_method, *caller_reputation, *profile_uuid,
        *cr_callback_url, *cr_callback_method;
} numupd_in_t;
int num_update(core_t *c, const account_t *caller, const char *number, const numupd_in_t *in,
               cerr_t *e);
/* Unrent: inventory numbers age (or return at once with aging_days 0);
 * a customer's own numbers are removed. */
int num_unrent(core_t *c, const account_t *caller, const char *number, cerr_t *e);
/* Returns aged numbers to sale; *returned counts them. */
int num_aging_sweep(core_t *c, int64_t *returned, cerr_t *e);

/* Operator actions: statuses set by outside processes (10DLC, toll-free
 * verification, caller reputation).  NULL = unchanged, "" clears. */
typedef struct {
    const char *tendlc_registration_status, *tendlc_campaign_id, *toll_free_sms_verification,
        *caller_reputation_status;
} numstatus_in_t;
int num_set_status(core_t *c, const char *number, const numstatus_in_t *in, owned_number_t *out,
                   cerr_t *e);

/* What a caller sees: the main account that owns it, and the subaccount
 * it is restricted to (0 for a main account). */
static inline int64_t core_owner_id(const account_t *a) { return a->parent_id ? a->parent_id : a->id; }
static inline int64_t core_sub_id(const account_t *a) { return a->parent_id ? a->id : 0; }
/* auth_id must be a subaccount of main_acct: sets *sub_id, or C_ERR with
 * CE_INVALID "invalid <param>: ... is not one of your subaccounts". */
int core_resolve_sub(core_t *c, const account_t *main_acct, const char *auth_id, int64_t *sub_id,
                     const char *param, cerr_t *e);

/* Shared validators (owned.c) */
bool core_http_url_ok(const char *s);
int core_parse_services(const char *s, int *caps);

/* ---- carriers (carriers.c): one model for both dialects ---- */

/* Every rule a carrier must satisfy as a whole (names, gateways, trunk
 * type), whichever dialect built it.  Paths name the BYOC fields
 * ("sip_gateway.port"; "sip_gateways[3].port" when there are several). */
void carrier_check(const carrier_t *cr, faults_t *f);
/* Seals a SIP password under the server key into box (MODEL_BOX_SZ). */
int carrier_seal(core_t *c, const char *plain, uint8_t *box, size_t *boxlen, cerr_t *e);
/* Parses a Plivo ip_set ("1.2.3.4, 10.0.0.0/24, 2001:db8::1"): strict
 * IPv4/IPv6 with optional CIDR prefix, duplicates removed, 1-100 entries.
 * *gw (caller frees) gets inbound-only gateways on port 5060. */
int carrier_parse_ip_set(const char *s, gateway_t **gw, size_t *n, cerr_t *e);
/* "1.2.3.4,10.0.0.0/24": the inbound gateways, as Plivo's ip_set.  Caller frees. */
char *carrier_ip_set(const carrier_t *cr);

/* Plivo incoming carrier fields: NULL / -1 = not given. */
typedef struct {
    const char *name, *ip_set;
    int voice, sms;
} carrier_plivo_in_t;

/* out is filled (caller: carrier_clear). */
int carrier_plivo_create(core_t *c, const account_t *caller, const carrier_plivo_in_t *in,
                         carrier_t *out, cerr_t *e);
/* Partial update; ip_set replaces the inbound addresses (outbound
 * gateways a BYOC carrier has are kept). */
int carrier_plivo_update(core_t *c, const account_t *caller, const char *ref,
                         const carrier_plivo_in_t *in, cerr_t *e);
/* ref: Plivo carrier_id, BYOC id or voip_carrier_sid.  out: carrier_clear. */
int carrier_get(core_t *c, const account_t *caller, const char *ref, carrier_t *out, cerr_t *e);
/* rows has room for limit entries; each needs carrier_clear. */
int carrier_list(core_t *c, const account_t *caller, const char *name, int limit, int offset,
                 carrier_t *rows, size_t *nrows, int64_t *total, cerr_t *e);
/* CE_CONFLICT while numbers use it. */
int carrier_delete(core_t *c, const account_t *caller, const char *ref, cerr_t *e);

/* BYOC carrier fields (API.md §3.1) as the handler read them; NULL / -1 =
 * not given.  An update merges what is given into the carrier (objects
 * member by member; in_auth / reg 0 = JSON null, which removes them) and
 * then checks the carrier as a whole. */
typedef struct {
    const char *address;
    int port, netmask, inbound, outbound;
} gw_in_t;

typedef struct {
    const char *name, *trunk;
    bool gw_given;
    gw_in_t gw;
    int in_auth;                 /* -1: not given, 0: null, 1: an object */
    const char *in_user, *in_pass;
    int reg;                     /* -1, 0, 1 */
    const char *reg_user, *reg_pass, *reg_realm, *reg_from_user, *reg_from_domain;
    int reg_expires;             /* -1: not given */
} carrier_byoc_in_t;

/* f may already hold the handler's faults (wrong JSON types); the core adds
 * its own and fails with CE_INVALID when there is any, so that every fault
 * is reported at once.  out: carrier_clear. */
int carrier_byoc_create(core_t *c, const account_t *caller, const carrier_byoc_in_t *in,
                        faults_t *f, carrier_t *out, cerr_t *e);
int carrier_byoc_update(core_t *c, const account_t *caller, const char *ref,
                        const carrier_byoc_in_t *in, faults_t *f, carrier_t *out, cerr_t *e);

/* ---- the customer's own numbers (numadd.c) ---- */
#define NUMADD_MAX 100

typedef struct {
    const char *const *numbers;  /* as given ('+' optional) */
    size_t n;                    /* 1..NUMADD_MAX */
    const char *carrier;         /* a carrier ref, or NULL: a manual number */
    const char *region;          /* NULL: the number's country */
    const char *number_type;     /* NULL: tollfree for NANP toll-free codes, else local */
    const char *app_id;          /* NULL: the account's default application */
    const char *subaccount;      /* main accounts only */
    const char *label;           /* BYOC label, up to 100 characters */
} numadd_in_t;

typedef struct {
    size_t index;                /* position in numbers[] */
    char number[24];             /* as given (cut) */
    const char *why;             /* static text */
} numadd_fault_t;

/* Adds numbers from the caller's carrier (or manual ones), all or
 * nothing in one transaction.  When any number cannot be added,
 * CE_INVALID with faults[0..*nfaults) naming each (faults has room for
 * in->n).  out (room for in->n, may be NULL) gets the added numbers. */
int num_add(core_t *c, const account_t *caller, const numadd_in_t *in, numadd_fault_t *faults,
            size_t *nfaults, owned_number_t *out, cerr_t *e);

/* ---- subaccounts (subaccounts.c); callers must be main accounts ---- */
typedef struct {
    char auth_id[IDS_AUTH_ID_SZ];
    char auth_token[IDS_TOKEN_SZ];  /* secret: shown once, caller wipes */
} sub_created_t;

int sub_create(core_t *c, const account_t *caller, const char *name, bool enabled,
               sub_created_t *out, cerr_t *e);
int sub_list(core_t *c, const account_t *caller, int limit, int offset, account_t *rows,
             size_t *nrows, int64_t *total, cerr_t *e);
int sub_get(core_t *c, const account_t *caller, const char *auth_id, account_t *out, cerr_t *e);
/* name NULL = unchanged; enabled -1 = unchanged */
int sub_update(core_t *c, const account_t *caller, const char *auth_id, const char *name,
               int enabled, cerr_t *e);
/* Its numbers and applications return to the main account. */
int sub_delete(core_t *c, const account_t *caller, const char *auth_id, cerr_t *e);

/* ---- applications (apps.c) ---- */
typedef struct {
    const char *app_name, *answer_url, *answer_method, *hangup_url, *hangup_method,
        *fallback_answer_url, *fallback_method, *message_url, *message_method, *subaccount;
    int default_number_app, default_endpoint_app, public_uri, log_incoming_messages,
        is_voice_request;           /* -1: not given */
} app_in_t;

int app_create(core_t *c, const account_t *caller, const app_in_t *in, app_t *out, cerr_t *e);
int app_list(core_t *c, const account_t *caller, const char *app_name, int limit, int offset,
             app_t *rows, size_t *nrows, int64_t *total, cerr_t *e);
int app_get(core_t *c, const account_t *caller, const char *app_id, app_t *out, cerr_t *e);
int app_update(core_t *c, const account_t *caller, const char *app_id, const app_in_t *in,
               cerr_t *e);
/* Numbers that pointed at it are unlinked. */
int app_delete(core_t *c, const account_t *caller, const char *app_id, cerr_t *e);

/* ---- compliance (accounts.c) ---- */
int compliance_create(core_t *c, const char *auth_id, const char *country_iso,
                      const char *number_type, char id[IDS_UUID_SZ], cerr_t *e);

/* ---- idempotency (idem.c) ---- */
#define IDEM_TTL_SECONDS (24 * 3600)
/* Valid key: 8-255 of [A-Za-z0-9_-]. */
bool idem_key_valid(const char *key);
/* Hash of a request's identity: what it acts on (e.g. "POST PhoneNumber"
 * and the canonical number) and its parameters in a canonical encoding.
 * Keyed with a key derived from the server key (c->key; unkeyed when c or
 * c->key is NULL): the parameters may hold a SIP password, and an unkeyed
 * hash of it in the database could be tried against a dictionary by
 * anyone holding the database file but not the key file. */
void idem_hash(const core_t *c, const char *action, const char *resource, const char *params,
               size_t n, uint8_t out[IDS_HASH_SZ]);
/* The action runs inside the transaction; it returns C_OK with a response
 * (status, body) to store, or C_ERR with e (nothing is stored, everything
 * it wrote is rolled back). */
typedef int (*idem_action_fn)(core_t *c, void *ud, int *status, buf_t *body, cerr_t *e);
/* With key == NULL just runs the action.  With a key: replays a stored
 * response (*replayed = true), refuses a reuse with another request hash
 * (CE_KEY_REUSED), or runs the action and stores its 2xx response in the
 * same transaction, so a crash can never store one without the other. */
int idem_run(core_t *c, int64_t account_id, const char *key, const uint8_t hash[IDS_HASH_SZ],
             idem_action_fn fn, void *ud, int *status, buf_t *body, bool *replayed, cerr_t *e);

#endif
