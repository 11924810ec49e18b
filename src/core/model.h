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
#define MODEL_CARRIER_SZ 65
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
} account_t;

#define MODEL_ALIAS_SZ 257     /* 64 characters of UTF-8 */
#define MODEL_URL_SZ 513       /* 512 bytes */
#define MODEL_METHOD_SZ 5      /* GET / POST */
#define MODEL_CNAM_SZ 16       /* 15 characters */
#define MODEL_STATUS_SZ 24     /* upper-case status words */
#define MODEL_CAMPAIGN_SZ 65

/* A number some account owns (active or pending), with everything the
 * Plivo AccountPhoneNumber object and the BYOC number object show. */
typedef struct {
    inv_number_t inv;
    num_state_t state;
    num_source_t source;
    int64_t owner_id;
    int64_t sub_id;                            /* 0: the main account */
    char sub_auth_id[IDS_AUTH_ID_SZ];          /* "" when sub_id is 0 */
    char app_id[MODEL_APP_ID_SZ];              /* "" when none */
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
    int64_t carrier_id;                        /* 0: none */
    int64_t created_at, updated_at;
} owned_number_t;

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

/* API key scopes (a bit set). */
#define SCOPE_READ 1u
#define SCOPE_WRITE 2u

#endif
