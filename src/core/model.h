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

/* API key scopes (a bit set). */
#define SCOPE_READ 1u
#define SCOPE_WRITE 2u

#endif
