/* numbers.c -- searching the inventory and buying from it (API.md §2.2, §5). */
#include "core/numbers.h"
#include "core/core_int.h"
#include "core/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "core/country.h"

static const char *const k_types[] = {"local", "national", "mobile", "tollfree", "fixed"};

int num_parse_type(const char *s, const char **canon)
{
    for (size_t i = 0; i < ND_ARRAY_LEN(k_types); i++) {
        if (nd_strcasecmp(s, k_types[i]) == 0) {
            *canon = k_types[i];
            return C_OK;
        }
    }
    return C_ERR;
}

const char *num_state_name(num_state_t s)
{
    switch (s) {
    case NUM_AVAILABLE: return "available";
    case NUM_ACTIVE: return "active";
    case NUM_PENDING: return "pending";
    case NUM_AGING: return "aging";
    }
    return "unknown";
}

int num_search(core_t *c, const search_in_t *in, inv_number_t *rows, size_t *nrows,
               int64_t *total, cerr_t *e)
{
    search_q_t q;
    const country_t *ct;
    memset(&q, 0, sizeof q);
    q.lata = -1;
    q.limit = in->limit;
    q.offset = in->offset;
    *nrows = 0;
    *total = 0;

    if (in->country_iso == NULL) return cerr(e, CE_INVALID, "missing required parameter: country_iso");
    if (country_by_iso(in->country_iso, &ct) != C_OK || ct->calling_code == 0)
        return cerr(e, CE_INVALID, "invalid country ISO: %.16s", in->country_iso);
    memcpy(q.country_iso, ct->iso, 3);
    char cc[12];
    snprintf(cc, sizeof cc, "%u", ct->calling_code);
    bool nanp = strcmp(ct->iso, "US") == 0 || strcmp(ct->iso, "CA") == 0;

    /* "any" (Plivo's NumberType.ANY, which the Java SDK sends) is no filter */
    if (in->type && nd_strcasecmp(in->type, "any") != 0 && num_parse_type(in->type, &q.type) != C_OK)
        return cerr(e, CE_INVALID,
                    "invalid type: %.32s (want tollfree, local, mobile, national, fixed or any)", in->type);

    char head[24] = "";  /* literal digits the national number starts with */
    if (in->pattern) {
        size_t n = strlen(in->pattern);
        bool wild = false;
        if (n == 0 || n > 15) return cerr(e, CE_INVALID, "invalid pattern: 1-15 digits or '*'");
        for (size_t i = 0; i < n; i++) {
            char ch = in->pattern[i];
            if (ch == '*') wild = true;
            else if (!nd_isdigit((unsigned char)ch))
                return cerr(e, CE_INVALID, "invalid pattern: %.32s (digits and '*' only)", in->pattern);
        }
        size_t lit = strcspn(in->pattern, "*");
        snprintf(head, sizeof head, "%.*s", (int)lit, in->pattern);
        if (wild) {
            /* GLOB over the whole number: cc, the pattern with '*' as one
             * digit, then anything. */
            buf_t g = BUF_INIT;
            buf_puts(&g, cc);
            for (size_t i = 0; i < n; i++)
                buf_puts(&g, in->pattern[i] == '*' ? "[0-9]" : (char[]){in->pattern[i], 0});
            buf_putc(&g, '*');
            if (g.len >= sizeof q.glob) {
                buf_free(&g);
                return cerr(e, CE_INVALID, "invalid pattern: too long");
            }
            memcpy(q.glob, g.data, g.len + 1);
            buf_free(&g);
        }
    }

    bool lca = false;
    if (in->local_calling_area && core_parse_bool(in->local_calling_area, &lca) != C_OK)
        return cerr(e, CE_INVALID, "invalid local_calling_area: want true or false");
    if (in->npanxx) {
        if (!nanp) return cerr(e, CE_INVALID, "npanxx is only for US and CA numbers");
        if (strlen(in->npanxx) != 6 || !nd_all_digits(in->npanxx, 6))
            return cerr(e, CE_INVALID, "invalid npanxx: want 6 digits");
    } else if (lca) {
        return cerr(e, CE_INVALID, "local_calling_area needs npanxx");
    }

    /* The literal head of the pattern and npanxx must agree: the longer
     * one must start with the shorter one, or nothing can match. */
    const char *lit = head;
    if (in->npanxx && lca) {
        snprintf(q.lca_prefix, sizeof q.lca_prefix, "%s%s", cc, in->npanxx);
    } else if (in->npanxx) {
        size_t hl = strlen(head);
        if (strncmp(head, in->npanxx, hl < 6 ? hl : 6) != 0) return C_OK; /* disjoint */
        if (hl < 6) lit = in->npanxx;
    }
    if (lit[0]) snprintf(q.prefix, sizeof q.prefix, "%s%s", cc, lit);

    if (in->region) {
        if (!core_text_ok(in->region, 64)) return cerr(e, CE_INVALID, "invalid region");
        q.region = in->region;
    }
    if (in->city) {
        if (!core_text_ok(in->city, 64)) return cerr(e, CE_INVALID, "invalid city");
        q.city = in->city;
    }
    if (in->rate_center) {
        if (!core_text_ok(in->rate_center, 64)) return cerr(e, CE_INVALID, "invalid rate_center");
        q.rate_center = in->rate_center;
    }
    if (in->services && core_parse_services(in->services, &q.caps) != C_OK)
        return cerr(e, CE_INVALID, "invalid services: want voice, sms, mms or a comma list of them");
    if (in->lata) {
        size_t n = strlen(in->lata);
        if (n == 0 || n > 6 || !nd_all_digits(in->lata, n))
            return cerr(e, CE_INVALID, "invalid lata: want an integer");
        q.lata = atoi(in->lata);
    }

    return core_st(e, c->st->ops->number_search(c->st, &q, rows, nrows, total), NULL);
}

/* A compliance record applies when it is approved, of the same country and
 * of the number's type or sub-type. */
static bool compliance_applies(const compliance_t *cp, const inv_number_t *n)
{
    return cp->approved && strcmp(cp->country_iso, n->country_iso) == 0 &&
           (strcmp(cp->number_type, n->type) == 0 || strcmp(cp->number_type, n->sub_type) == 0);
}

int num_search_index_start(core_t *c, cerr_t *e)
{
    return core_st(e, c->st->ops->search_index_start(c->st), NULL);
}

void num_search_index_stats(core_t *c, search_index_stats_t *out)
{
    if (c->st->ops->search_index_stats(c->st, out) != ST_OK) memset(out, 0, sizeof *out);
}

int num_buy(core_t *c, const buy_in_t *in, buy_out_t *out, cerr_t *e)
{
    store_t *st = c->st;
    const account_t *who = in->caller;
    char number[E164_BUFSZ];

    /* Numbers are owned by main accounts: a subaccount cannot buy (seed 003). */
    if (who->parent_id != 0) return cerr(e, CE_NOTFOUND, "not found");
    if (core_parse_number(in->number, number, e) != C_OK) return C_ERR;
    if (in->cnam_lookup && strcmp(in->cnam_lookup, "enabled") != 0 &&
        strcmp(in->cnam_lookup, "disabled") != 0)
        return cerr(e, CE_INVALID, "invalid cnam_lookup: want enabled or disabled");
    if (in->compliance_id && !ids_is_uuid(in->compliance_id, strlen(in->compliance_id)))
        return cerr(e, CE_INVALID, "invalid compliance_application_id: %.64s", in->compliance_id);
    if (in->app_id && (strlen(in->app_id) >= MODEL_APP_ID_SZ || !nd_all_digits(in->app_id, strlen(in->app_id))))
        return cerr(e, CE_INVALID, "invalid app_id: %.32s", in->app_id);

    int64_t sub_id = 0;
    if (in->subaccount && core_resolve_sub(c, who, in->subaccount, &sub_id, "subaccount", e) != C_OK)
        return C_ERR;

    if (core_begin(c, e) != C_OK) return C_ERR;
    inv_number_t inv;
    char app[MODEL_APP_ID_SZ] = "";
    compliance_t cp;
    bool have_cp = false;
    if (core_owner_open(c, who, e) != C_OK) {
        core_rollback(c);
        return C_ERR;
    }
    int rc = st->ops->number_get_available(st, number, &inv);
    if (rc == ST_NOTFOUND) {
        cerr(e, CE_NOTFOUND, "number not available");
        goto fail;
    }
    if (rc != ST_OK) goto db_fail;

    if (in->cnam_lookup && strcmp(inv.country_iso, "US") != 0) {
        cerr(e, CE_INVALID, "cnam_lookup is only for US numbers");
        goto fail;
    }
    if (in->app_id) {
        rc = st->ops->app_exists(st, who->id, in->app_id);
        if (rc == ST_NOTFOUND) {
            cerr(e, CE_INVALID, "invalid app_id: no application %s in this account", in->app_id);
            goto fail;
        }
        if (rc != ST_OK) goto db_fail;
        snprintf(app, sizeof app, "%s", in->app_id);
    } else if (sub_id == 0) {
        /* the default application is the main account's: a number bought
         * for a subaccount would point at one the subaccount cannot see */
        rc = st->ops->app_default(st, who->id, app);
        if (rc == ST_ERR) goto db_fail;
    }

    if (in->compliance_id) {
        rc = st->ops->compliance_get(st, who->id, in->compliance_id, &cp);
        if (rc == ST_ERR) goto db_fail;
        if (rc == ST_NOTFOUND || !compliance_applies(&cp, &inv)) {
            cerr(e, CE_INVALID,
                 "invalid compliance_application_id: no approved record of this account for %s %s numbers",
                 inv.country_iso, inv.sub_type);
            goto fail;
        }
        have_cp = true;
    } else if (inv.restriction[0]) {
        rc = st->ops->compliance_latest(st, who->id, inv.country_iso, inv.type, inv.sub_type, &cp);
        if (rc == ST_ERR) goto db_fail;
        have_cp = rc == ST_OK;
    }

    int64_t now = clock_now();
    char added[CLOCK_DATE_SZ], renew[CLOCK_DATE_SZ];
    clock_date(now, added);
    clock_date_plus_month(now, renew);
    char byoc_id[IDS_UUID_SZ];
    ids_uuid_v4_ordered(byoc_id);
    buy_row_t b = {
        .number = number,
        .byoc_id = byoc_id,
        .account_id = who->id,
        .sub_id = sub_id,
        .app_id = app[0] ? app : NULL,
        .cnam_lookup = in->cnam_lookup,
        .compliance_id = have_cp ? cp.id : NULL,
        .state = (inv.restriction[0] && !have_cp) ? NUM_PENDING : NUM_ACTIVE,
        .added_on = added,
        .renewal_date = renew,
    };
    /* The conditional UPDATE is what guarantees a single sale: it only
     * matches a row that is still available. */
    rc = st->ops->number_buy(st, &b);
    if (rc == ST_NOTFOUND) {
        cerr(e, CE_NOTFOUND, "number not available");
        goto fail;
    }
    if (rc != ST_OK) goto db_fail;
    /* counted once the sale is durable: not at all if an enclosing
     * transaction (an Idempotency-Key) fails to commit it */
    core_count_on_commit(MET_PURCHASES);
    {
        ev_data_t d;
        ev_data_init(&d);
        ev_data_after_str(&d, "state", b.state == NUM_PENDING ? "pending" : "active");
        if (in->subaccount) ev_data_after_str(&d, "subaccount", in->subaccount);
        ev_data_after_str(&d, "app_id", b.app_id);
        ev_data_after_str(&d, "compliance_id", b.compliance_id);
        ev_data_after_str(&d, "cnam_lookup", b.cnam_lookup);
        ev_data_after_str(&d, "renewal_date", renew);
        if (ev_emit(c, "number.bought", who->id, "number", number, &d, e) != C_OK) goto fail;
    }
    if (core_commit(c, e) != C_OK) return C_ERR;
    memcpy(out->number, number, sizeof out->number);
    out->state = b.state;
    return C_OK;

db_fail:
    core_st(e, ST_ERR, NULL);
fail:
    core_rollback(c);
    return C_ERR;
}

int num_approve(core_t *c, const char *number_in, cerr_t *e)
{
    char number[E164_BUFSZ];
    if (core_parse_number(number_in, number, e) != C_OK) return C_ERR;
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = c->st->ops->number_approve(c->st, number);
    int r;
    owned_number_t n;
    if (rc == ST_NOTFOUND) r = cerr(e, CE_NOTFOUND, "number not found: %s", number);
    else if (rc == ST_CONFLICT) r = cerr(e, CE_CONFLICT, "number %s is not pending", number);
    else r = core_st(e, rc, NULL);
    /* the owner, for the event's account */
    if (r == C_OK) r = core_st(e, c->st->ops->number_get_any(c->st, number, &n), "approve");
    if (r == C_OK) {
        ev_data_t d;
        ev_data_init(&d);
        ev_data_str(&d, "state", "pending", "active");
        r = ev_emit(c, "number.activated", n.owner_id, "number", number, &d, e);
    }
    return core_end(c, r, e);
}
