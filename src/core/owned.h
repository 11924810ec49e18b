/* owned.h -- the numbers an account owns (API.md §2.3, §3.2): list, get,
 * update, unrent, aging, and the operator's status actions (owned.c).
 * A caller may be a main account or a subaccount, which sees only what is
 * assigned to it; another account's number is "not found". */
#ifndef ND_OWNED_H
#define ND_OWNED_H

#include "core/core.h"

typedef struct {
    const char *type, *number_startswith, *subaccount, *alias, *services, *cnam_lookup;
    const char *renewal[5];      /* renewal_date, __gt, __gte, __lt, __lte (RENEW_*) */
    const char *tendlc_registration_status, *tendlc_campaign_id, *toll_free_sms_verification;
    const char *tf_order_status; /* toll_free_sms_verification_order_status */
    const char *carrier;         /* BYOC: a carrier ref (voip_carrier_sid) */
    const char *source;          /* BYOC: byoc, manual, inventory */
    const char *status;          /* BYOC: active, pending */
    bool brief;                  /* numlist_q_t.brief: the Plivo object's fields only */
    int limit, offset;
} numlist_in_t;

/* Values the Plivo number object shows where numberd stores nothing
 * (static strings; NULL: shown as null).  The list filters compare with
 * the same values (store/sqlwhere.c).
 *   cnam_lookup: "disabled" unless enabled;
 *   tendlc_registration_status: the operator's status, else
 *     "UNREGISTERED" for a US local number (10DLC applies to them), null
 *     for others;
 *   compliance_status: "accepted" when the number is linked to a
 *     compliance record (only approved records can be linked), else null. */
const char *num_shown_cnam_lookup(const owned_number_t *n);
const char *num_shown_tendlc(const owned_number_t *n);
const char *num_shown_compliance_status(const owned_number_t *n);

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
/* The same for the number a BYOC path names (num_resolve_ref). */
int num_unrent_ref(core_t *c, const account_t *caller, const char *ref, cerr_t *e);
/* Returns aged numbers to sale; *returned counts them. */
int num_aging_sweep(core_t *c, int64_t *returned, cerr_t *e);
/* Moves every owned number's renewal_date that has passed to its next
 * one (clock_next_renewal of its added_on): renewal_date is the next
 * billing date (seed 001), not the first month's end for ever.  Run by
 * the sweep once a day (and at start); *rolled counts them. */
int num_renewal_roll(core_t *c, int64_t *rolled, cerr_t *e);

/* Operator actions: statuses set by outside processes (10DLC, toll-free
 * verification, caller reputation).  NULL = unchanged, "" clears. */
typedef struct {
    const char *tendlc_registration_status, *tendlc_campaign_id, *toll_free_sms_verification,
        *caller_reputation_status;
} numstatus_in_t;
/* owner (NULL: not wanted): the owning account's auth_id, read in the
 * change's transaction (an answer never fails after the commit). */
int num_set_status(core_t *c, const char *number, const numstatus_in_t *in, owned_number_t *out,
                   char owner[IDS_AUTH_ID_SZ], cerr_t *e);

/* The operator's list of owned numbers (GET /admin/v1/numbers): those in
 * one state ("pending" or "active"), of every account or of one main
 * account (auth_id; an unknown one has none), in number order, one page
 * of in->limit (1..NUM_ADMIN_MAX_LIMIT) after the cursor (NULL: from the
 * start; else the next_cursor a page before gave).  rows has room for
 * in->limit + 1 entries (one more is read to know whether a page follows);
 * *nrows <= in->limit.  next_cursor is "" on the last page. */
#define NUM_ADMIN_MAX_LIMIT 100
typedef struct {
    const char *status, *account, *cursor;
    int limit;
} admnum_in_t;
int num_admin_list(core_t *c, const admnum_in_t *in, admin_number_t *rows, size_t *nrows,
                   char next_cursor[E164_BUFSZ], cerr_t *e);

#endif
