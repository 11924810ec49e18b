/* model.h -- the data model shared by core, store and api.
 *
 * Records use fixed-size character arrays sized by the input caps that the
 * core enforces, so a record can live on the stack or in an array without
 * any allocation or ownership question: whoever holds the struct owns it.
 */
#ifndef ND_MODEL_H
#define ND_MODEL_H

#include "util/common.h"
#include "core/e164.h"
#include "core/ids.h"

/* §5 number states.  Values are stored in the database: never renumber. */
typedef enum {
    NUM_AVAILABLE = 0,
    NUM_ACTIVE = 1,
    NUM_PENDING = 2,
    NUM_AGING = 3,
} num_state_t;

/* Where an owned number came from.  Stored: never renumber. */
typedef enum {
    SRC_INVENTORY = 0,
    SRC_BYOC = 1,
    SRC_MANUAL = 2,
} num_source_t;

#define MODEL_TYPE_SZ 10       /* "tollfree" */
#define MODEL_PREFIX_SZ 16
#define MODEL_CITY_SZ 65       /* 64 characters */
#define MODEL_REGION_SZ 65
#define MODEL_RATE_CENTER_SZ 33
#define MODEL_RESTRICTION_SZ 24
#define MODEL_RESTRICTION_TEXT_SZ 257
#define MODEL_CARRIER_SZ 401    /* a carrier name: 100 characters of UTF-8 (the CSV allows 64 bytes) */
#define MODEL_NAME_SZ 257     /* 64 characters of UTF-8 */
#define MODEL_APP_ID_SZ 18     /* 17 digits */

/* Money fields hold 1/100000 units; -1 means "not set" (rendered null). */
typedef struct {
    char number[E164_BUFSZ];
    char country_iso[3];
    char type[MODEL_TYPE_SZ];
    char sub_type[MODEL_TYPE_SZ];
    char prefix[MODEL_PREFIX_SZ];
    char city[MODEL_CITY_SZ];
    char region[MODEL_REGION_SZ];
    char rate_center[MODEL_RATE_CENTER_SZ];
    int32_t lata;              /* -1: none */
    bool voice, sms, mms;
    int64_t setup_rate, monthly_rental_rate, voice_rate, sms_rate, mms_rate;
    char restriction[MODEL_RESTRICTION_SZ];          /* "" = none */
    char restriction_text[MODEL_RESTRICTION_TEXT_SZ];/* "" = none */
    char carrier[MODEL_CARRIER_SZ];
} inv_number_t;

typedef struct {
    int64_t id;                /* internal row id, never shown */
    char auth_id[IDS_AUTH_ID_SZ];
    int64_t parent_id;         /* 0 for a main account */
    char name[MODEL_NAME_SZ];
    bool enabled;
    uint8_t token_hash[IDS_HASH_SZ];
    int64_t created_at, modified_at;
    int status;                /* ACCT_ACTIVE, ACCT_SUSPENDED, ACCT_CLOSED */
    /* the token replaced by the last rotation, still accepted until
     * old_token_until (0: none) -- the rotation's grace period */
    uint8_t old_token_hash[IDS_HASH_SZ];
    int64_t old_token_until;
} account_t;

/* account_t.status.  A suspended account keeps its numbers and its
 * credentials, which answer 403 "account suspended"; a closed one has
 * released its numbers and its credentials are refused (401). */
#define ACCT_ACTIVE 0
#define ACCT_SUSPENDED 1
#define ACCT_CLOSED 2

#define MODEL_ALIAS_SZ 257     /* 64 characters of UTF-8 */
#define MODEL_URL_SZ 513       /* 512 bytes */
#define MODEL_METHOD_SZ 5      /* GET / POST */
#define MODEL_CNAM_SZ 16       /* 15 characters */
#define MODEL_STATUS_SZ 24     /* upper-case status words */
#define MODEL_CAMPAIGN_SZ 65
#define MODEL_LABEL_SZ 401      /* 100 characters of UTF-8 */

/* A number some account owns (active or pending), with everything the
 * Plivo AccountPhoneNumber object and the BYOC number object show. */
typedef struct {
    inv_number_t inv;
    num_state_t state;
    num_source_t source;
    int64_t owner_id;
    int64_t sub_id;                            /* 0: the main account */
    char sub_auth_id[IDS_AUTH_ID_SZ];          /* "" when sub_id is 0 */
    char sub_name[MODEL_NAME_SZ];              /* its name (read only); "" */
    char app_id[MODEL_APP_ID_SZ];              /* "" when none */
    char app_auth_id[IDS_AUTH_ID_SZ];          /* read only: the account whose path
                                                * names the application when the
                                                * number's subaccount's would not
                                                * (SQLS_OWNED_APP_AUTH); "" */
    char alias[MODEL_ALIAS_SZ];
    char added_on[11], renewal_date[11];
    char compliance_id[IDS_UUID_SZ];
    char cnam_lookup[9];                       /* "", "enabled", "disabled" */
    char cnam[MODEL_CNAM_SZ];
    char cnam_callback_url[MODEL_URL_SZ];
    char cnam_callback_method[MODEL_METHOD_SZ];
    char caller_reputation_status[MODEL_STATUS_SZ];
    char profile_uuid[IDS_UUID_SZ];
    char cr_callback_url[MODEL_URL_SZ];
    char cr_callback_method[MODEL_METHOD_SZ];
    char tendlc_registration_status[MODEL_STATUS_SZ];
    char tendlc_campaign_id[MODEL_CAMPAIGN_SZ];
    char toll_free_sms_verification[MODEL_STATUS_SZ];
    int64_t carrier_id;                        /* carriers.id; 0: none */
    char byoc_id[IDS_UUID_SZ];                 /* BYOC id (and phone_number_sid) */
    char carrier_sid[IDS_UUID_SZ];             /* the carrier's voip_carrier_sid; "" */
    char label[MODEL_LABEL_SZ];                /* BYOC label */
    int64_t created_at, updated_at;
} owned_number_t;

/* An active number as the SBC index keeps it (store -> core/sbcfeed.c):
 * carrier_id is its customer carrier, or, for an inventory number, the
 * upstream carrier its `carrier` column names (0: none exists). */
typedef struct {
    char number[E164_BUFSZ];
    int64_t owner_id, sub_id, carrier_id;
    char app_id[MODEL_APP_ID_SZ];              /* "" when none */
    char byoc_id[IDS_UUID_SZ];                 /* phone_number_sid; "" when none */
    bool voice;                                /* voice_enabled */
} sbc_numrow_t;

/* One row of the SBC change log (migration sbc): kind 'n' number, 'c'
 * carrier id, 'u' upstream carrier name, 'a' account id, 'p' app_id. */
typedef struct {
    int64_t seq;
    char kind;
    char key[MODEL_CARRIER_SZ];
} sbc_change_t;

/* A Plivo application (API.md §2.6). */
typedef struct {
    char app_id[MODEL_APP_ID_SZ];
    int64_t account_id;                        /* the main account */
    int64_t sub_id;                            /* 0: the main account's own */
    char sub_auth_id[IDS_AUTH_ID_SZ];
    char app_name[MODEL_NAME_SZ];
    char answer_url[MODEL_URL_SZ], answer_method[MODEL_METHOD_SZ];
    char hangup_url[MODEL_URL_SZ], hangup_method[MODEL_METHOD_SZ];
    char fallback_answer_url[MODEL_URL_SZ], fallback_method[MODEL_METHOD_SZ];
    char message_url[MODEL_URL_SZ], message_method[MODEL_METHOD_SZ];
    bool default_number_app, default_endpoint_app, public_uri, log_incoming_messages;
    bool is_voice_request;                     /* Plivo's; kept and shown */
    int64_t created_at, modified_at;
} app_t;

/* ---- records the core hands to the store and gets back (store/store.h) ---- */

/* The database's state as one thread's connection sees it (read_version):
 * two equal values mean that nothing was committed in between, by this
 * process or any other.  Only compared, never interpreted. */
typedef struct {
    uint64_t conn;     /* what kind of version: 0 none (nothing is to be compared) */
    uint64_t data;     /* SQLite: the log's last commit frame and change counter,
                        * or PRAGMA data_version of a connection that never writes;
                        * PostgreSQL: the snapshot's xmax */
    uint64_t gen;      /* SQLite: the log's generation (its salts), with the former;
                        * PostgreSQL: the first xid in progress below xmax, or 0 */
    uint64_t sum;      /* SQLite: the log's running checksum of its frames;
                        * PostgreSQL: the second xid in progress, or 0 */
} db_version_t;

/* Are two versions the same state?  (Not for conn 0: no version.) */
static inline bool db_version_same(const db_version_t *a, const db_version_t *b)
{
    return a->conn == b->conn && a->data == b->data && a->gen == b->gen && a->sum == b->sum;
}

/* The search index's figures (search_index_stats; all zero when off). */
typedef struct {
    bool on, live;            /* kept by this process; equal to the table now */
    int64_t numbers, bytes;   /* available numbers held; memory */
    uint64_t loads;           /* full loads (start-up, another writer's change) */
    uint64_t answers, fallbacks; /* counts answered from it; counted in SQL instead */
} search_index_stats_t;

/* Search filters (API.md §2.2), already validated by the core. */
typedef struct {
    char country_iso[3];
    const char *type;           /* NULL or a valid type */
    char prefix[48];            /* "" or literal digits the number starts with (cc included) */
    char glob[96];              /* "" or a GLOB the whole number must match:
                                 * cc (3) + 15 x "[0-9]" + "*" fits */
    char lca_prefix[16];        /* "" or cc+npanxx: match its rate center and LATA */
    const char *region, *city, *rate_center; /* NULL or value */
    int caps;                   /* services: voice 1 | sms 2 | mms 4, all required */
    int32_t lata;               /* -1: no filter */
    int limit, offset;
} search_q_t;

typedef struct {
    const char *number;
    int64_t account_id;         /* the main account that buys */
    int64_t sub_id;             /* 0: none */
    const char *app_id;         /* NULL: none */
    const char *cnam_lookup;    /* NULL, "enabled", "disabled" */
    const char *compliance_id;  /* NULL: none */
    num_state_t state;          /* NUM_ACTIVE or NUM_PENDING */
    const char *added_on, *renewal_date; /* YYYY-MM-DD */
    const char *byoc_id;        /* the BYOC dialect's id of the sale */
} buy_row_t;

typedef enum { IMPORT_INSERTED, IMPORT_UPDATED, IMPORT_REFUSED } import_outcome_t;

typedef struct {
    char country_iso[3];
    char type[MODEL_TYPE_SZ];
    num_state_t state;
    int64_t count;
} stats_row_t;

typedef struct {
    char id[IDS_UUID_SZ];
    int64_t account_id;
    char country_iso[3];
    char number_type[MODEL_TYPE_SZ];
    bool approved;
    int64_t created_at;         /* set by the store at insert */
} compliance_t;

typedef struct {
    int status;                 /* the stored answer's status, as its caller gave it */
    uint8_t req_hash[IDS_HASH_SZ];
    char *body;                 /* caller frees */
    int64_t created_at;
} idem_row_t;

enum { RENEW_EQ, RENEW_GT, RENEW_GTE, RENEW_LT, RENEW_LTE };

/* Filters of GET Number/ (API.md §2.3), already validated by the core. */
typedef struct {
    int64_t owner_id;           /* the main account */
    int64_t sub_id;             /* > 0: only this subaccount's numbers */
    const char *type;           /* NULL or canonical type: matches type or sub_type */
    const char *prefix;         /* NULL or digits the number starts with */
    const char *alias;          /* NULL or exact */
    int caps;                   /* services: voice 1 | sms 2 | mms 4, all required */
    const char *cnam_lookup;    /* NULL, "enabled", "disabled" */
    const char *renewal[5];     /* YYYY-MM-DD or NULL for =, >, >=, <, <= (RENEW_*) */
    const char *tendlc_status;  /* object values (upper case) */
    const char *tendlc_campaign;
    const char *tf_verification;
    int64_t carrier_id;         /* > 0: only numbers of this carrier (carriers.id) */
    bool by_source, by_state;   /* filter on source / state (BYOC dialect) */
    num_source_t source;
    num_state_t state;
    /* a hint: the rows need only what the Plivo number object shows
     * (api_render_account_number); a backend may leave the other fields
     * zero (both do: SQLS_OWNED_BRIEF_COLS), or fill them */
    bool brief;
    int limit, offset;
} numlist_q_t;

/* The operator's list of owned numbers (GET /admin/v1/numbers), already
 * validated by the core: one state, in number order after a cursor.  Keyset
 * paging, not an offset: the list is read while purchases and approvals
 * change it, and an offset would skip or repeat numbers. */
typedef struct {
    num_state_t state;          /* NUM_ACTIVE or NUM_PENDING */
    int64_t owner_id;           /* > 0: only this main account's numbers */
    char after[E164_BUFSZ];     /* "": from the start; else numbers after it */
    int limit;
} admnum_q_t;

/* A row of that list: the owned number and its main account. */
typedef struct {
    owned_number_t n;
    char owner_auth_id[IDS_AUTH_ID_SZ];
    char owner_name[MODEL_NAME_SZ];
} admin_number_t;

/* ---- carriers (API.md §2.4, §3.1) ---- */

/* Stored: never renumber. */
typedef enum {
    TRUNK_STATIC_IP = 0,
    TRUNK_AUTH = 1,
    TRUNK_REG = 2,
} trunk_type_t;

#define MODEL_CARRIER_NAME_SZ 401  /* 100 characters of UTF-8 */
#define MODEL_CARRIER_ID_SZ 15     /* Plivo carrier_id: 14 digits */
#define MODEL_HOST_SZ 254          /* RFC 1123 host name, or IP text */
#define MODEL_SIP_USER_SZ 257      /* 64 characters of UTF-8 */
#define MODEL_BOX_SZ 168           /* sealed password: 24 + 16 + 128 */
#define CARRIER_MAX_GATEWAYS 100

/* One SIP gateway of a carrier.  An inbound gateway is an address range
 * the carrier's calls come from (always an IP, so that it can be matched);
 * an outbound gateway is where calls are sent (an IP or a host name, with
 * netmask the full length). */
enum { GW_TP_UDP = 0, GW_TP_TCP = 1 };

typedef struct {
    char sid[IDS_UUID_SZ];              /* BYOC sip_gateway_sid */
    char address[MODEL_HOST_SZ];        /* canonical IP text, or lower-case host */
    int port;                           /* 1-65535 */
    int netmask;                        /* prefix length: 1-32 (IPv4), 1-128 (IPv6) */
    bool inbound, outbound;
    bool down;                          /* read only: probed and found down (SIP.md §6) */
    int transport;                      /* GW_TP_UDP (default) or GW_TP_TCP */
} gateway_t;

/* A carrier, whichever dialect made it.  gw is owned by the record and
 * freed by carrier_clear(); everything else is inline.  Passwords exist
 * here only sealed (in_box, reg_box): the plain text never reaches the
 * store. */
typedef struct {
    int64_t id;                         /* internal row id, never shown */
    char uuid[IDS_UUID_SZ];             /* BYOC id */
    char voip_sid[IDS_UUID_SZ];         /* BYOC voip_carrier_sid */
    char carrier_id[MODEL_CARRIER_ID_SZ]; /* Plivo carrier_id */
    int64_t account_id;                 /* the main account; 0: an upstream carrier (SIP.md §1) */
    int64_t sub_id;                     /* 0: the main account's own */
    char sub_auth_id[IDS_AUTH_ID_SZ];
    char name[MODEL_CARRIER_NAME_SZ];
    trunk_type_t trunk;
    bool voice, sms;
    gateway_t *gw;                      /* owned: carrier_clear() */
    size_t ngw;
    char in_user[MODEL_SIP_USER_SZ];    /* "" unless trunk auth */
    uint8_t in_box[MODEL_BOX_SZ];
    size_t in_box_len;
    char reg_user[MODEL_SIP_USER_SZ];   /* "" unless trunk reg */
    uint8_t reg_box[MODEL_BOX_SZ];
    size_t reg_box_len;
    char reg_realm[MODEL_HOST_SZ];
    char reg_from_user[MODEL_SIP_USER_SZ];
    char reg_from_domain[MODEL_HOST_SZ];
    int reg_expires;                    /* seconds; 0 unless trunk reg */
    int64_t nnumbers;                   /* numbers routed through it (read only) */
    int64_t created_at, updated_at;
    /* outbound credentials (upstream carriers): "" / 0 when none */
    char out_user[MODEL_SIP_USER_SZ];
    uint8_t out_box[MODEL_BOX_SZ];
    size_t out_box_len;
    char out_realm[MODEL_HOST_SZ];
    /* SIP.md §1: created in the Plivo dialect (IncomingCarrier): kind
     * "incoming" for the SBC; set at creation only */
    bool incoming;
    /* read only: the registrar's address as the registration client last
     * resolved it ("" when none): an inbound gateway (SIP.md §3) */
    char registrar_ip[MODEL_HOST_SZ];
} carrier_t;

/* Frees c->gw and wipes the record (sealed boxes included). */
void carrier_clear(carrier_t *c);
/* carrier_clear() on rows[0..n). */
void carrier_clear_rows(carrier_t *rows, size_t n);

/* The registration client's state for one `reg` carrier (SIP.md §5),
 * stored so that every node shows it.  Times are unix seconds, 0 = none. */
typedef enum {
    REG_REGISTERING = 0,
    REG_REGISTERED = 1,
    REG_FAILED = 2,
    REG_UNREGISTERED = 3,
} reg_state_t;

#define MODEL_REG_REASON_SZ 128
#define MODEL_REG_NODE_SZ 64

typedef struct {
    int64_t carrier_id;                 /* carriers.id */
    reg_state_t state;
    int last_code;                      /* last final SIP status; 0: none (no answer) */
    char reason[MODEL_REG_REASON_SZ];
    int64_t expires_at, last_attempt_at, next_attempt_at;
    int failures;                       /* consecutive */
    char node[MODEL_REG_NODE_SZ];       /* the node that registers it */
    /* the registrar's address as resolved for the last REGISTER (IP text,
     * "" none): SIP.md §3 counts it as an inbound gateway of the carrier */
    char registrar_ip[MODEL_HOST_SZ];
    int64_t updated_at;
    /* read only, filled by lists: who the carrier is */
    char carrier_uuid[IDS_UUID_SZ];
    char carrier_name[MODEL_CARRIER_NAME_SZ];
    char account_auth_id[IDS_AUTH_ID_SZ];
} reg_status_t;

/* An owned number whose renewal date has passed (store renewal_due). */
typedef struct {
    char number[E164_BUFSZ];
    char added_on[11], renewal_date[11];
    int64_t owner_id;                   /* its main account: its event's */
} renewal_row_t;

/* Gateway health (SIP.md §6): an outbound gateway of a carrier that opted
 * in to OPTIONS probing, and its state. */
typedef enum { GW_UNKNOWN = 0, GW_UP = 1, GW_DOWN = 2 } gw_state_t;
/* A stored `down` that no prober renewed for this many of its carrier's
 * intervals plus this many seconds is stale (store health_expire). */
#define HEALTH_STALE_PROBES 3
#define HEALTH_STALE_SLACK_S 120

typedef struct {
    int64_t carrier_id;
    int interval;                       /* seconds between probes */
    char sid[IDS_UUID_SZ];              /* sip_gateway_sid */
    char address[MODEL_HOST_SZ];
    int port;
    int transport;                      /* GW_TP_UDP / GW_TP_TCP: probed over it */
    int64_t account_id;                 /* the carrier's account; 0: an upstream carrier */
} probe_target_t;

typedef struct {
    char sid[IDS_UUID_SZ];
    int64_t carrier_id;
    gw_state_t state;
    int misses;                         /* consecutive failed probes */
    int last_code;                      /* 0: no answer */
    int64_t last_probe_at, updated_at;
} gw_health_t;

/* Filters of the admin list of registrations: state -1 = any, account_id
 * 0 = any. */
typedef struct {
    int state;              /* as shown: a registered state whose binding expired is unregistered */
    int64_t account_id;
    int limit, offset;
    int64_t now;            /* unix seconds: what "expired" is measured against */
} reg_q_t;

/* API key scopes (a bit set). */
#define SCOPE_READ 1u
#define SCOPE_WRITE 2u
#define SCOPE_KEYS 4u      /* api_keys:manage: the account's own API keys */
#define SCOPE_WEBHOOKS 8u  /* webhooks:manage: the account's own webhook endpoints */
#define SCOPE_ALL (SCOPE_READ | SCOPE_WRITE | SCOPE_KEYS | SCOPE_WEBHOOKS)

/* An API key as stored: never the key itself, only its hash and its first
 * characters (prefix), which identify it in a list without revealing it. */
#define MODEL_KEY_PREFIX_SZ 16    /* "nd_live_" + 3 characters + NUL */
#define MODEL_KEY_LABEL_SZ 257    /* 64 characters of UTF-8 */
typedef struct {
    int64_t id;                   /* shown: the handle to revoke it by */
    int64_t account_id;
    uint8_t hash[IDS_HASH_SZ];
    char prefix[MODEL_KEY_PREFIX_SZ];
    char label[MODEL_KEY_LABEL_SZ];
    unsigned scopes;
    int64_t created_at;
    int64_t expires_at;           /* 0: never */
    int64_t last_used_at;         /* 0: never (updated at most once a minute) */
    int64_t revoked_at;           /* 0: not revoked */
} apikey_t;

/* Webhooks (issue 18 item 4; core/webhooks.h says the rules). */
#define MODEL_WH_UID_SZ 40         /* "we_" + 32 hex */
#define MODEL_WH_TYPES_SZ 1025     /* comma-separated event types */
#define MODEL_WH_DESC_SZ 257       /* 64 characters of UTF-8 */
#define MODEL_WH_ERROR_SZ 257
#define MODEL_WH_OBJECT_SZ 160     /* "object_type:object_id" */
#define MODEL_WH_EVTYPE_SZ 64
typedef struct {
    int64_t id;
    char uid[MODEL_WH_UID_SZ];      /* shown: the endpoint's handle */
    int64_t owner_id;               /* 0: the operator's; else the main account's */
    int64_t account_id;             /* 0: every account's events (operator only) */
    char url[MODEL_URL_SZ];
    char description[MODEL_WH_DESC_SZ];
    char event_types[MODEL_WH_TYPES_SZ]; /* "" : every type */
    bool enabled;
    char disabled_reason[MODEL_WH_ERROR_SZ];
    uint8_t secret[MODEL_BOX_SZ];   /* sealed (core/secrets.h) */
    size_t secret_len;
    uint8_t old_secret[MODEL_BOX_SZ]; /* sealed; old_secret_len 0: none */
    size_t old_secret_len;
    int64_t old_secret_until;       /* unix seconds */
    int fail_count;                 /* the current run of failed attempts */
    int64_t fail_since;             /* unix seconds: its first failure; 0: none */
    int64_t start_event_id;         /* its creation event (0: not reached by the fan-out yet) */
    /* enabled, event_types and the account's auth_id ("": every account)
     * as of the fan-out's cursor: what the events it reaches are judged
     * by (each as the endpoint was when the event was made), moved by the
     * endpoint's own change events as the fan-out passes them */
    bool fan_enabled;
    char fan_types[MODEL_WH_TYPES_SZ];
    char fan_account[IDS_AUTH_ID_SZ];
    int64_t created_at, updated_at;
    /* filled by the core's hook_endpoint_* (never the store): account_id's
     * auth_id, "" when account_id is 0 */
    char account_auth_id[IDS_AUTH_ID_SZ];
} wh_endpoint_t;

typedef enum { WHD_PENDING = 0, WHD_DELIVERED = 1, WHD_FAILED = 2 } whd_state_t;
typedef struct {
    int64_t id;
    int64_t endpoint_id;
    int64_t event_id;
    char event_type[MODEL_WH_EVTYPE_SZ];
    char object_key[MODEL_WH_OBJECT_SZ];
    whd_state_t state;
    int attempts;
    int64_t next_at_ms;             /* unix milliseconds */
    int64_t leased_until_ms;
    int last_status;                /* HTTP status of the last attempt; 0: none */
    char last_error[MODEL_WH_ERROR_SZ];
    int64_t last_at, created_at, delivered_at;   /* unix seconds */
} wh_delivery_t;

/* ---- the event log (issue 18: core/events.h) ---------------------------- */

/* One change of state, as the log keeps it.  Times are unix seconds.  data
 * is JSON text {"before":{...},"after":{...}} of the changed fields and
 * never holds a secret (tokens, key hashes, passwords, HA1s). */
#define MODEL_EVENT_TYPE_SZ 48        /* "registration.state_changed" */
#define MODEL_EVENT_OTYPE_SZ 32       /* "number", "carrier", ... */
#define MODEL_EVENT_OID_SZ 128        /* the id as the API shows it */
#define MODEL_EVENT_AKIND_SZ 16       /* account|subaccount|api_key|admin|cli|system */
#define MODEL_EVENT_ACTOR_SZ 64       /* MA.../SA..., an API key's id, a user name */
#define MODEL_EVENT_REQID_SZ 72       /* X-Request-Id (ours: a UUID; a proxy's: 1-64) */
#define MODEL_EVENT_DATA_SZ 8192      /* bigger data is cut to {"truncated":true} by ev_ */
typedef struct {
    int64_t id;                       /* strictly increasing; never below one a reader saw (0: not yet known) */
    int64_t ts;
    char type[MODEL_EVENT_TYPE_SZ];
    int64_t account_id;               /* the main account; 0: an operator-level object */
    char account_auth_id[IDS_AUTH_ID_SZ]; /* read only (lists): that account's auth_id */
    char object_type[MODEL_EVENT_OTYPE_SZ];
    char object_id[MODEL_EVENT_OID_SZ];
    char actor_kind[MODEL_EVENT_AKIND_SZ];
    char actor_id[MODEL_EVENT_ACTOR_SZ];
    char request_id[MODEL_EVENT_REQID_SZ]; /* "" when none (CLI, background work) */
    char data[MODEL_EVENT_DATA_SZ];   /* JSON object text; "" reads as {} */
} event_t;

/* The filters of event_list; every text "" (and every number 0) is "any".
 * Rows come in ascending id, after after_id, at most limit of them. */
typedef struct {
    char object_type[MODEL_EVENT_OTYPE_SZ];
    char object_id[MODEL_EVENT_OID_SZ];
    int64_t account_id;               /* 0: any; -1: operator-level events only */
    char actor_kind[MODEL_EVENT_AKIND_SZ];
    char actor_id[MODEL_EVENT_ACTOR_SZ];
    /* "number.bought" exactly, or "number." (ends with '.'): every type
     * of that object */
    char type[MODEL_EVENT_TYPE_SZ];
    int64_t since, until;             /* ts >= since, ts < until ... */
    bool has_since, has_until;        /* ... when given (0 and 1970-01-01 are
                                       * bounds like any other) */
    int64_t after_id;                 /* the cursor: ids above it */
    int limit;                        /* 1..1000 (the core caps it) */
} event_filter_t;

#endif
