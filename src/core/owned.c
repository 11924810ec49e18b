/* owned.c -- numbers an account owns (API.md §2.3): list, get, update,
 * unrent, aging, and the operator's status actions. */
#include "core/owned.h"
#include "core/core_int.h"
#include "core/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"
#include "core/accounts.h"
#include "core/carriers.h"
#include "util/clock.h"
#include "core/numbers.h"

/* Maps a filter value to the object's value, case-insensitively. */
static const char *map_value(const char *in, const char *const pairs[][2], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (nd_strcasecmp(in, pairs[i][0]) == 0) return pairs[i][1];
    return NULL;
}

/* The filter's documented spellings, and the object's own (upper-case in
 * the SDKs' enums: tendlc_registration_status=COMPLETED). */
static const char *const k_tendlc[][2] = {
    {"unregistered", "UNREGISTERED"}, {"in_progress", "PROCESSING"}, {"registered", "COMPLETED"},
    {"processing", "PROCESSING"},     {"completed", "COMPLETED"}};
/* Plivo's toll-free verification order states (the SDKs' filter values). */
static const char *const k_tf_order[] = {"PENDING", "SUBMITTED", "IN_PROGRESS", "APPROVED",
                                         "REJECTED", "CANCELLED", "EXPIRED"};

const char *num_shown_cnam_lookup(const owned_number_t *n)
{
    return strcmp(n->cnam_lookup, "enabled") == 0 ? "enabled" : "disabled";
}

const char *num_shown_tendlc(const owned_number_t *n)
{
    static const char *const k[] = {"UNREGISTERED", "PROCESSING", "COMPLETED"};
    for (size_t i = 0; i < ND_ARRAY_LEN(k); i++)
        if (strcmp(n->tendlc_registration_status, k[i]) == 0) return k[i];
    if (strcmp(n->inv.country_iso, "US") == 0 && strcmp(n->inv.sub_type, "local") == 0)
        return "UNREGISTERED";
    return NULL;
}

const char *num_shown_compliance_status(const owned_number_t *n)
{
    return n->compliance_id[0] ? "accepted" : NULL;
}
static const char *const k_tfv[][2] = {{"unverified", "UNVERIFIED"},
                                       {"pending_verification", "PENDING_VERIFICATION"},
                                       {"verified", "VERIFIED"}};

int num_list(core_t *c, const account_t *caller, const numlist_in_t *in, owned_number_t *rows,
             size_t *nrows, int64_t *total, cerr_t *e)
{
    numlist_q_t q;
    memset(&q, 0, sizeof q);
    q.owner_id = core_owner_id(caller);
    q.sub_id = core_sub_id(caller);
    q.limit = in->limit;
    q.offset = in->offset;
    q.brief = in->brief;
    char prefix[E164_BUFSZ + 1];

    /* "any" is no filter, as in a search: the Java SDK's Number lister
     * takes the search's NumberType, ANY included (a helper's audit,
     * session 38: 400 here) */
    if (in->type && nd_strcasecmp(in->type, "any") != 0 && num_parse_type(in->type, &q.type) != C_OK)
        return cerr(e, CE_INVALID,
                    "invalid type: %.32s (want local, mobile, fixed, national, tollfree or any)", in->type);
    if (in->number_startswith) {
        const char *p = in->number_startswith;
        if (*p == '+' || *p == ' ') p++; /* '+' arrives as ' ' when not encoded */
        size_t n = strlen(p);
        if (n == 0 || n > E164_MAX || !nd_all_digits(p, n))
            return cerr(e, CE_INVALID, "invalid number_startswith: digits only");
        memcpy(prefix, p, n + 1);
        q.prefix = prefix;
    }
    if (in->subaccount) {
        int64_t sid;
        if (caller->parent_id) {
            /* a subaccount sees only its own numbers anyway */
            if (strcmp(in->subaccount, caller->auth_id) != 0)
                return cerr(e, CE_INVALID, "invalid subaccount: %.32s", in->subaccount);
        } else {
            if (core_resolve_sub(c, caller, in->subaccount, &sid, "subaccount", e) != C_OK) return C_ERR;
            q.sub_id = sid;
        }
    }
    if (in->alias) q.alias = in->alias;
    if (in->services && core_parse_services(in->services, &q.caps) != C_OK)
        return cerr(e, CE_INVALID, "invalid services: want voice, sms, mms or a comma list of them");
    if (in->cnam_lookup) {
        if (nd_strcasecmp(in->cnam_lookup, "enabled") == 0) q.cnam_lookup = "enabled";
        else if (nd_strcasecmp(in->cnam_lookup, "disabled") == 0) q.cnam_lookup = "disabled";
        else return cerr(e, CE_INVALID, "invalid cnam_lookup: want enabled or disabled");
    }
    static const char *const rnames[5] = {"renewal_date", "renewal_date__gt", "renewal_date__gte",
                                          "renewal_date__lt", "renewal_date__lte"};
    for (int k = 0; k < 5; k++) {
        if (!in->renewal[k]) continue;
        if (!clock_valid_date(in->renewal[k], strlen(in->renewal[k])))
            return cerr(e, CE_INVALID, "invalid %s: want YYYY-MM-DD", rnames[k]);
        q.renewal[k] = in->renewal[k];
    }
    if (in->tendlc_registration_status &&
        !(q.tendlc_status = map_value(in->tendlc_registration_status, k_tendlc, ND_ARRAY_LEN(k_tendlc))))
        return cerr(e, CE_INVALID,
                    "invalid tendlc_registration_status: want unregistered, in_progress or registered");
    if (in->tendlc_campaign_id) q.tendlc_campaign = in->tendlc_campaign_id;
    if (in->toll_free_sms_verification &&
        !(q.tf_verification = map_value(in->toll_free_sms_verification, k_tfv, ND_ARRAY_LEN(k_tfv))))
        return cerr(e, CE_INVALID,
                    "invalid toll_free_sms_verification: want unverified, pending_verification or verified");
    /* numberd keeps no toll-free verification orders (the operator sets
     * the outcome, toll_free_sms_verification): every number's order
     * status is null, so a valid value matches no number. */
    bool no_match = false;
    if (in->tf_order_status) {
        size_t i = 0;
        while (i < ND_ARRAY_LEN(k_tf_order) && nd_strcasecmp(in->tf_order_status, k_tf_order[i]) != 0) i++;
        if (i == ND_ARRAY_LEN(k_tf_order))
            return cerr(e, CE_INVALID, "invalid toll_free_sms_verification_order_status: want one of "
                                       "PENDING, SUBMITTED, IN_PROGRESS, APPROVED, REJECTED, CANCELLED, EXPIRED");
        no_match = true;
    }

    if (in->source) {
        static const char *const src[] = {"inventory", "byoc", "manual"}; /* num_source_t order */
        q.by_source = true;
        size_t i = 0;
        while (i < ND_ARRAY_LEN(src) && nd_strcasecmp(in->source, src[i]) != 0) i++;
        if (i == ND_ARRAY_LEN(src))
            return cerr(e, CE_INVALID, "invalid source: want byoc, manual or inventory");
        q.source = (num_source_t)i;
    }
    if (in->status) {
        q.by_state = true;
        if (nd_strcasecmp(in->status, "active") == 0) q.state = NUM_ACTIVE;
        else if (nd_strcasecmp(in->status, "pending") == 0) q.state = NUM_PENDING;
        else return cerr(e, CE_INVALID, "invalid status: want active or pending");
    }
    if (in->carrier) {
        carrier_t cr;
        if (carrier_get(c, caller, in->carrier, &cr, NULL, e) != C_OK) {
            if (e->code == CE_NOTFOUND)
                return cerr(e, CE_INVALID, "invalid voip_carrier_sid: no carrier %.40s on this account",
                            in->carrier);
            return C_ERR;
        }
        q.carrier_id = cr.id;
        carrier_clear(&cr);
    }

    if (no_match) {
        *nrows = 0;
        *total = 0;
        return C_OK;
    }
    return core_st(e, c->st->ops->number_list(c->st, &q, rows, nrows, total), NULL);
}

int num_resolve_ref(core_t *c, const account_t *caller, const char *ref, char number[E164_BUFSZ],
                    cerr_t *e)
{
    owned_number_t *n;
    if (!ids_is_uuid(ref, strlen(ref))) {
        if (e164_parse(ref, number, NULL) != C_OK) return cerr(e, CE_NOTFOUND, "not found");
        return C_OK;
    }
    n = xmalloc(sizeof *n);
    int rc = c->st->ops->number_get_byoc(c->st, core_owner_id(caller), ref, n);
    if (rc == ST_OK) memcpy(number, n->inv.number, E164_BUFSZ);
    free(n);
    return core_st(e, rc, NULL); /* ST_NOTFOUND: "not found" */
}

int num_get(core_t *c, const account_t *caller, const char *number_in, owned_number_t *out,
            cerr_t *e)
{
    char number[E164_BUFSZ];
    if (core_parse_number(number_in, number, e) != C_OK) return C_ERR;
    int rc = c->st->ops->number_get_owned(c->st, core_owner_id(caller), core_sub_id(caller), number, out);
    return core_st(e, rc, NULL); /* ST_NOTFOUND: "not found" */
}

static bool cnam_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 15) return false;
    for (size_t i = 0; i < n; i++)
        if (!nd_isalnum((unsigned char)s[i]) && !strchr(" ,.-'&", s[i])) return false;
    return true;
}

/* A callback URL and its method: the URL ("" clears it; a new one's
 * method defaults to POST), then the method. */
static int set_callback(const char *url, const char *method, const char *url_param,
                        const char *method_param, char out_url[MODEL_URL_SZ],
                        char out_method[MODEL_METHOD_SZ], cerr_t *e)
{
    if (url) {
        if (url[0] && !core_http_url_ok(url))
            return cerr(e, CE_INVALID, "invalid %s: want an absolute http(s) URL", url_param);
        snprintf(out_url, MODEL_URL_SZ, "%s", url);
        if (!out_method[0]) memcpy(out_method, "POST", 5);
    }
    if (method) return core_parse_method(method, method_param, out_method, e);
    return C_OK;
}

static int parse_toggle(const char *in, const char *param, bool *on, cerr_t *e)
{
    if (nd_strcasecmp(in, "enabled") == 0) *on = true;
    else if (nd_strcasecmp(in, "disabled") == 0) *on = false;
    else return cerr(e, CE_INVALID, "invalid %s: want enabled or disabled", param);
    return C_OK;
}

/* The application app_id of the caller's account (a subaccount: its own
 * only), read inside the write transaction (and so locked); ST_NOTFOUND
 * for an id that cannot be one. */
static int app_ref(core_t *c, const account_t *caller, const char *app_id, app_t *app)
{
    size_t l = strlen(app_id);
    if (l >= MODEL_APP_ID_SZ || !nd_all_digits(app_id, l)) return ST_NOTFOUND;
    return c->st->ops->app_get(c->st, core_owner_id(caller), core_sub_id(caller), app_id, app);
}

/* Applies a validated update to n in memory; the caller writes it. */
static int apply_update(core_t *c, const account_t *caller, owned_number_t *n,
                        const numupd_in_t *in, cerr_t *e)
{
    store_t *st = c->st;
    int64_t owner = core_owner_id(caller);
    bool us = strcmp(n->inv.country_iso, "US") == 0;

    if (in->subaccount) {
        if (caller->parent_id) return cerr(e, CE_FORBIDDEN, "a subaccount cannot assign numbers to subaccounts");
        /* sub_auth_id with sub_id: the event's diff reads it */
        if (in->subaccount[0] == '\0') {
            n->sub_id = 0;
        } else if (core_resolve_sub(c, caller, in->subaccount, &n->sub_id, "subaccount", e) != C_OK) {
            return C_ERR;
        }
        snprintf(n->sub_auth_id, sizeof n->sub_auth_id, "%s", in->subaccount);
        /* numadd's rule: a number on a subaccount's carrier stays that
         * subaccount's */
        if (n->carrier_id) {
            /* a plain read, no lock: the number is locked already, and a
             * carrier's rename locks the carrier, then its numbers (a
             * lock here would meet it in the other order) */
            carrier_t cr;
            memset(&cr, 0, sizeof cr);
            int got = st->ops->sbc_carrier(st, n->carrier_id, &cr);
            int rc = got == ST_OK || got == ST_NOTFOUND ? C_OK : core_st(e, got, NULL);
            if (got == ST_OK && cr.sub_id && cr.sub_id != n->sub_id)
                rc = cerr(e, CE_INVALID,
                          "invalid subaccount: the number is on subaccount %s's carrier %s, and "
                          "stays that subaccount's",
                          cr.sub_auth_id, cr.name);
            carrier_clear(&cr);
            if (rc != C_OK) return C_ERR;
        }
    }
    if (in->app_id) {
        if (in->app_id[0] == '\0') {
            n->app_id[0] = '\0';
        } else {
            app_t app; /* a subaccount may only use its own applications */
            int rc = app_ref(c, caller, in->app_id, &app);
            if (rc == ST_ERR) return core_st(e, rc, NULL);
            if (rc != ST_OK) return cerr(e, CE_INVALID, "invalid app_id: no application %.32s in this account", in->app_id);
            memcpy(n->app_id, in->app_id, strlen(in->app_id) + 1);
        }
    }
    if (in->alias) {
        if (in->alias[0] && !core_text_fits(in->alias, 64, MODEL_ALIAS_SZ))
            return cerr(e, CE_INVALID, "invalid alias: up to 64 printable characters");
        snprintf(n->alias, sizeof n->alias, "%s", in->alias);
    }
    if (in->compliance_id) {
        if (in->compliance_id[0] == '\0') {
            n->compliance_id[0] = '\0';
        } else {
            compliance_t cp;
            int rc = ids_is_uuid(in->compliance_id, strlen(in->compliance_id))
                         ? st->ops->compliance_get(st, owner, in->compliance_id, &cp) : ST_NOTFOUND;
            if (rc == ST_ERR) return core_st(e, rc, NULL);
            if (rc != ST_OK || !cp.approved || strcmp(cp.country_iso, n->inv.country_iso) != 0 ||
                (strcmp(cp.number_type, n->inv.type) != 0 && strcmp(cp.number_type, n->inv.sub_type) != 0))
                return cerr(e, CE_INVALID,
                            "invalid compliance_id: no approved record of this account for %s %s numbers",
                            n->inv.country_iso, n->inv.sub_type);
            memcpy(n->compliance_id, cp.id, sizeof n->compliance_id);
        }
    }
    if (in->cnam_lookup) {
        bool on = false;
        if (parse_toggle(in->cnam_lookup, "cnam_lookup", &on, e) != C_OK) return C_ERR;
        if (!us) return cerr(e, CE_INVALID, "cnam_lookup is only for US numbers");
        snprintf(n->cnam_lookup, sizeof n->cnam_lookup, "%s", on ? "enabled" : "disabled");
    }
    if (in->cnam) {
        if (!us) return cerr(e, CE_INVALID, "cnam is only for US numbers");
        if (in->cnam[0] && !cnam_ok(in->cnam))
            return cerr(e, CE_INVALID, "invalid cnam: 1-15 letters, digits, spaces or ,.-'&");
        snprintf(n->cnam, sizeof n->cnam, "%s", in->cnam);
    }
    if (set_callback(in->cnam_callback_url, in->cnam_callback_method, "cnam_callback_url",
                     "cnam_callback_method", n->cnam_callback_url, n->cnam_callback_method, e) != C_OK)
        return C_ERR;
    if (in->profile_uuid) {
        if (in->profile_uuid[0] && !ids_is_uuid(in->profile_uuid, strlen(in->profile_uuid)))
            return cerr(e, CE_INVALID, "invalid profile_uuid: want a UUID");
        snprintf(n->profile_uuid, sizeof n->profile_uuid, "%s", in->profile_uuid);
    }
    if (in->caller_reputation) {
        bool on = false;
        if (parse_toggle(in->caller_reputation, "caller_reputation", &on, e) != C_OK) return C_ERR;
        bool kind_ok = strcmp(n->inv.sub_type, "local") == 0 || strcmp(n->inv.sub_type, "tollfree") == 0 ||
                       strcmp(n->inv.type, "tollfree") == 0;
        if (!us || !kind_ok)
            return cerr(e, CE_INVALID, "caller_reputation is only for US local and tollfree numbers");
        if (on) {
            if (!n->profile_uuid[0]) return cerr(e, CE_INVALID, "caller_reputation enabled requires profile_uuid");
            memcpy(n->caller_reputation_status, "PENDING", 8);
        } else {
            memcpy(n->caller_reputation_status, "NOT_ENROLLED", 13);
        }
    }
    /* enrolment needs a profile: it cannot be taken away while enrolled */
    bool enrolled = strcmp(n->caller_reputation_status, "PENDING") == 0 ||
                    strcmp(n->caller_reputation_status, "ACTIVE") == 0;
    if (enrolled && !n->profile_uuid[0])
        return cerr(e, CE_INVALID, "profile_uuid is required while caller_reputation is enabled "
                                   "(disable caller_reputation first)");
    if (set_callback(in->cr_callback_url, in->cr_callback_method, "caller_reputation_callback_url",
                     "caller_reputation_callback_method", n->cr_callback_url, n->cr_callback_method,
                     e) != C_OK)
        return C_ERR;
    return C_OK;
}

void owned_number_diff(ev_data_t *d, const owned_number_t *a, const owned_number_t *b)
{
    ev_data_str(d, "subaccount", a->sub_auth_id, b->sub_auth_id);
    ev_data_str(d, "app_id", a->app_id, b->app_id);
    ev_data_str(d, "alias", a->alias, b->alias);
    ev_data_str(d, "label", a->label, b->label);
    ev_data_str(d, "compliance_id", a->compliance_id, b->compliance_id);
    ev_data_str(d, "cnam_lookup", a->cnam_lookup, b->cnam_lookup);
    ev_data_str(d, "cnam", a->cnam, b->cnam);
    ev_data_str(d, "cnam_callback_url", a->cnam_callback_url, b->cnam_callback_url);
    ev_data_str(d, "cnam_callback_method", a->cnam_callback_method, b->cnam_callback_method);
    ev_data_str(d, "caller_reputation_status", a->caller_reputation_status,
                b->caller_reputation_status);
    ev_data_str(d, "profile_uuid", a->profile_uuid, b->profile_uuid);
    ev_data_str(d, "caller_reputation_callback_url", a->cr_callback_url, b->cr_callback_url);
    ev_data_str(d, "caller_reputation_callback_method", a->cr_callback_method,
                b->cr_callback_method);
    ev_data_str(d, "tendlc_registration_status", a->tendlc_registration_status,
                b->tendlc_registration_status);
    ev_data_str(d, "tendlc_campaign_id", a->tendlc_campaign_id, b->tendlc_campaign_id);
    ev_data_str(d, "toll_free_sms_verification", a->toll_free_sms_verification,
                b->toll_free_sms_verification);
}

/* number.updated when anything shown changed (an update that changes
 * nothing is no change of state, and no event) */
static int updated_event(core_t *c, const owned_number_t *was, const owned_number_t *now,
                         cerr_t *e)
{
    ev_data_t d;
    ev_data_init(&d);
    owned_number_diff(&d, was, now);
    if (d.na == 0 && d.nb == 0) {
        ev_data_free(&d);
        return C_OK;
    }
    return ev_emit(c, "number.updated", now->owner_id, "number", now->inv.number, &d, e);
}

int owned_release_event(core_t *c, int64_t owner_id, const owned_number_t *n, const char *why,
                        cerr_t *e)
{
    /* an inventory number goes to aging (or back to sale); one the
     * customer brought is deleted */
    bool inv = n->source == SRC_INVENTORY;
    ev_data_t d;
    ev_data_init(&d);
    ev_data_before_str(&d, "state", n->state == NUM_PENDING ? "pending" : "active");
    ev_data_before_str(&d, "subaccount", n->sub_auth_id);
    ev_data_before_str(&d, "app_id", n->app_id);
    ev_data_before_str(&d, "alias", n->alias);
    if (inv) ev_data_after_str(&d, "state", c->aging_days == 0 ? "available" : "aging");
    if (why) ev_data_after_str(&d, "reason", why);
    return ev_emit(c, inv ? "number.released" : "number.removed", owner_id, "number",
                   n->inv.number, &d, e);
}

/* Takes, before the number, the locks an update's references need: the
 * subaccount it is assigned to and the application it will point at.
 * Deleting a subaccount (or an application) locks it first and then its
 * numbers; an update that took the number first and the subaccount second
 * met it in the opposite order, and on PostgreSQL one of the two was
 * aborted as a deadlock (a 503).  Only the locks are taken here: a
 * reference that does not resolve is reported by apply_update, in the
 * order of its checks, after the number's own "not found". */
static int lock_refs(core_t *c, const account_t *caller, const numupd_in_t *in, cerr_t *e)
{
    if (in->subaccount && in->subaccount[0] && caller->parent_id == 0) {
        int64_t sub_id;
        cerr_t why; /* not one of the caller's: apply_update says so */
        if (core_resolve_sub(c, caller, in->subaccount, &sub_id, "subaccount", &why) != C_OK &&
            why.code == CE_UNAVAILABLE) {
            *e = why;
            return C_ERR;
        }
    }
    /* the same read, and lock, as apply_update's (FOR UPDATE): a weaker
     * one here would be upgraded after the number's, and two updates
     * pointing at one application would deadlock on the upgrade */
    app_t app;
    if (in->app_id && in->app_id[0] && app_ref(c, caller, in->app_id, &app) == ST_ERR)
        return core_st(e, ST_ERR, NULL);
    return C_OK;
}

static int num_update_once(core_t *c, const account_t *caller, const char *number_in,
                           const numupd_in_t *in, cerr_t *e)
{
    store_t *st = c->st;
    char number[E164_BUFSZ];
    owned_number_t n;
    if (core_parse_number(number_in, number, e) != C_OK) return C_ERR;
    /* Read, check and write in one write transaction: nothing can change
     * the number between the checks and the update. */
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = lock_refs(c, caller, in, e);
    /* ST_NOTFOUND: "not found" */
    if (rc == C_OK)
        rc = core_st(e, st->ops->number_get_owned(st, core_owner_id(caller), core_sub_id(caller),
                                                  number, &n), NULL);
    if (rc == C_OK) {
        owned_number_t was = n;
        rc = apply_update(c, caller, &n, in, e);
        if (rc == C_OK && st->ops->number_update_owned(st, &n) != ST_OK) rc = core_st(e, ST_ERR, NULL);
        if (rc == C_OK) rc = updated_event(c, &was, &n, e);
    }
    return core_end(c, rc, e);
}

/* lock_refs keeps the usual orders, but a subaccount's delete also locks
 * its applications after its numbers, the other way from an assignment:
 * when the two meet PostgreSQL aborts one, and it runs again. */
int num_update(core_t *c, const account_t *caller, const char *number_in, const numupd_in_t *in,
               cerr_t *e)
{
    int r, tries = 0;
    do r = num_update_once(c, caller, number_in, in, e);
    while (r != C_OK && core_retry(c, &tries, e));
    return r;
}

int num_unrent(core_t *c, const account_t *caller, const char *number_in, cerr_t *e)
{
    store_t *st = c->st;
    char number[E164_BUFSZ];
    owned_number_t n;
    if (core_parse_number(number_in, number, e) != C_OK) return C_ERR;
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = st->ops->number_get_owned(st, core_owner_id(caller), core_sub_id(caller), number, &n);
    if (rc == ST_OK) rc = st->ops->number_release(st, core_owner_id(caller), number, c->aging_days == 0);
    int r = core_st(e, rc, NULL); /* ST_NOTFOUND: "not found" */
    if (r == C_OK) r = owned_release_event(c, core_owner_id(caller), &n, NULL, e);
    return core_end(c, r, e);
}

int num_unrent_ref(core_t *c, const account_t *caller, const char *ref, cerr_t *e)
{
    char number[E164_BUFSZ];
    if (num_resolve_ref(c, caller, ref, number, e) != C_OK) return C_ERR;
    return num_unrent(c, caller, number, e);
}

#define AGING_BATCH 1000

typedef struct {
    char (*nums)[E164_BUFSZ];
    size_t n;
} aged_t;

static int aged_one(const char *number, void *ud)
{
    aged_t *a = ud;
    if (a->n < AGING_BATCH) snprintf(a->nums[a->n++], E164_BUFSZ, "%s", number);
    return C_OK;
}

#define RENEWAL_BATCH 500

int num_renewal_roll(core_t *c, int64_t *rolled, cerr_t *e)
{
    char today[CLOCK_DATE_SZ], after[E164_BUFSZ] = "";
    renewal_row_t *rows = xcalloc(RENEWAL_BATCH, sizeof *rows);
    int rc = C_OK;
    *rolled = 0;
    clock_date(clock_now(), today);
    /* by number, after the last one seen: a row that cannot move (a
     * malformed added_on) is passed, not met again.  The rows are read
     * before the write transaction, which only a batch with rows opens (a
     * sweep with nothing to move writes nothing); each move is conditional
     * on the date read. */
    for (;;) {
        size_t n = 0;
        rc = core_st(e, c->st->ops->renewal_due(c->st, today, after, RENEWAL_BATCH, rows, &n),
                     "renewals due");
        if (rc != C_OK || n == 0) break;
        if (core_begin(c, e) != C_OK) {
            rc = C_ERR;
            break;
        }
        for (size_t i = 0; rc == C_OK && i < n; i++) {
            char next[CLOCK_DATE_SZ];
            if (clock_next_renewal(rows[i].added_on, today, next) != C_OK) continue;
            int st = c->st->ops->renewal_set(c->st, rows[i].number, rows[i].renewal_date, next);
            if (st == ST_OK) {
                /* a change of the number billing reads: in the log (it
                 * was not: a helper's audit, session 38) */
                ev_data_t d;
                ev_data_init(&d);
                ev_data_str(&d, "renewal_date", rows[i].renewal_date, next);
                rc = ev_emit(c, "number.updated", rows[i].owner_id, "number", rows[i].number, &d, e);
                if (rc == C_OK) (*rolled)++;
            } else if (st != ST_NOTFOUND) {
                rc = core_st(e, st, "renewal");
            }
        }
        if (core_end(c, rc, e) != C_OK) {
            rc = C_ERR;
            break;
        }
        if (n < RENEWAL_BATCH) break;
        snprintf(after, sizeof after, "%s", rows[n - 1].number);
    }
    free(rows);
    return rc;
}

/* In batches of AGING_BATCH, each one transaction with its events
 * number.aged (one per number: the sweep's UPDATE returns them), so that a
 * sweep after a long outage never makes one huge transaction. */
int num_aging_sweep(core_t *c, int64_t *returned, cerr_t *e)
{
    int64_t cutoff = clock_now() - (int64_t)c->aging_days * 86400;
    aged_t a = {xcalloc(AGING_BATCH, E164_BUFSZ), 0};
    int r = C_OK;
    if (returned) *returned = 0;
    for (;;) {
        int64_t n = 0;
        a.n = 0;
        if ((r = core_begin(c, e)) != C_OK) break;
        r = core_st(e, c->st->ops->aging_sweep(c->st, cutoff, AGING_BATCH, aged_one, &a, &n), NULL);
        for (size_t i = 0; r == C_OK && i < a.n; i++) {
            ev_data_t d;
            ev_data_init(&d);
            ev_data_str(&d, "state", "aging", "available");
            r = ev_emit(c, "number.aged", 0, "number", a.nums[i], &d, e);
        }
        if ((r = core_end(c, r, e)) != C_OK) break;
        if (returned) *returned += n;
        if (n < AGING_BATCH) break;
    }
    free(a.nums);
    return r;
}

static int set_upper(const char *in, const char *const allowed[], size_t n, const char *param,
                     char *out, size_t sz, cerr_t *e)
{
    if (in[0] == '\0') {
        out[0] = '\0';
        return C_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (nd_strcasecmp(in, allowed[i]) == 0) {
            snprintf(out, sz, "%s", allowed[i]);
            return C_OK;
        }
    }
    return cerr(e, CE_INVALID, "invalid %s: %.32s", param, in);
}

int num_set_status(core_t *c, const char *number_in, const numstatus_in_t *in, owned_number_t *out,
                   char owner[IDS_AUTH_ID_SZ], cerr_t *e)
{
    static const char *const tendlc[] = {"UNREGISTERED", "PROCESSING", "COMPLETED"};
    static const char *const tfv[] = {"UNVERIFIED", "PENDING_VERIFICATION", "VERIFIED"};
    static const char *const crs[] = {"PENDING", "ACTIVE", "FAILED", "NOT_ENROLLED"};
    store_t *st = c->st;
    char number[E164_BUFSZ];
    if (core_parse_number(number_in, number, e) != C_OK) return C_ERR;
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = st->ops->number_get_any(st, number, out);
    if (rc != ST_OK) {
        core_rollback(c);
        return rc == ST_NOTFOUND ? cerr(e, CE_NOTFOUND, "no account owns number %s", number)
                                 : core_st(e, rc, NULL);
    }
    owned_number_t was = *out;
    if ((in->tendlc_registration_status &&
         set_upper(in->tendlc_registration_status, tendlc, 3, "tendlc_registration_status",
                   out->tendlc_registration_status, sizeof out->tendlc_registration_status, e) != C_OK) ||
        (in->toll_free_sms_verification &&
         set_upper(in->toll_free_sms_verification, tfv, 3, "toll_free_sms_verification",
                   out->toll_free_sms_verification, sizeof out->toll_free_sms_verification, e) != C_OK) ||
        (in->caller_reputation_status &&
         set_upper(in->caller_reputation_status, crs, 4, "caller_reputation_status",
                   out->caller_reputation_status, sizeof out->caller_reputation_status, e) != C_OK)) {
        core_rollback(c);
        return C_ERR;
    }
    if (in->tendlc_campaign_id) {
        if (in->tendlc_campaign_id[0] &&
            !core_text_fits(in->tendlc_campaign_id, MODEL_CAMPAIGN_SZ - 1, sizeof out->tendlc_campaign_id)) {
            core_rollback(c);
            return cerr(e, CE_INVALID, "invalid tendlc_campaign_id: 1-64 bytes of UTF-8");
        }
        snprintf(out->tendlc_campaign_id, sizeof out->tendlc_campaign_id, "%s", in->tendlc_campaign_id);
    }
    if (st->ops->number_update_owned(st, out) != ST_OK) {
        core_rollback(c);
        return core_st(e, ST_ERR, NULL);
    }
    int r = updated_event(c, &was, out, e);
    if (r == C_OK && owner) r = acct_auth_id_of(c, out->owner_id, owner, e);
    return core_end(c, r, e);
}

/* ---- the operator's list --------------------------------------------------- */

int num_admin_list(core_t *c, const admnum_in_t *in, admin_number_t *rows, size_t *nrows,
                   char next_cursor[E164_BUFSZ], cerr_t *e)
{
    admnum_q_t q = {.limit = in->limit + 1};
    size_t n = 0;
    *nrows = 0;
    next_cursor[0] = '\0';
    if (in->limit < 1 || in->limit > NUM_ADMIN_MAX_LIMIT)
        return cerr(e, CE_INVALID, "invalid limit: want an integer from 1 to %d", NUM_ADMIN_MAX_LIMIT);
    if (in->status == NULL) return cerr(e, CE_INVALID, "missing required parameter: status");
    if (strcmp(in->status, "pending") == 0) q.state = NUM_PENDING;
    else if (strcmp(in->status, "active") == 0) q.state = NUM_ACTIVE;
    else return cerr(e, CE_INVALID, "invalid status: want pending or active");
    /* the cursor is the last number of the page before: digits only, so a
     * forged one can only start the list elsewhere, never widen it */
    if (in->cursor) {
        size_t len = strlen(in->cursor);
        if (len == 0 || len >= sizeof q.after || strspn(in->cursor, "0123456789") != len)
            return cerr(e, CE_INVALID, "invalid cursor: pass the next_cursor of the page before");
        memcpy(q.after, in->cursor, len + 1);
    }
    if (in->account) {
        account_t a;
        int rc = c->st->ops->account_by_auth_id(c->st, in->account, &a);
        if (rc == ST_NOTFOUND) return C_OK; /* nobody's numbers: an empty list */
        if (rc != ST_OK) return core_st(e, rc, "account");
        q.owner_id = a.parent_id ? a.parent_id : a.id; /* numbers belong to main accounts */
    }
    if (core_st(e, c->st->ops->number_list_state(c->st, &q, rows, &n), "number list") != C_OK)
        return C_ERR;
    if (n > (size_t)in->limit) {
        n = (size_t)in->limit;
        memcpy(next_cursor, rows[n - 1].n.inv.number, E164_BUFSZ);
    }
    *nrows = n;
    return C_OK;
}
