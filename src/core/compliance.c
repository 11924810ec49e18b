/* compliance.c -- Plivo's phone-number compliance reads over numberd's
 * compliance records, the requirements of restricted numbers, and the
 * bulk link (compliance.h). */
#include "core/compliance.h"
#include "core/core_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/country.h"
#include "core/numbers.h"
#include "core/owned.h"

const char *cpl_status_name(const compliance_t *cp)
{
    return cp->approved ? "accepted" : "submitted";
}

/* The list's filters, checked once, then applied to each record. */
typedef struct {
    const cpl_list_in_t *in;
    int approved;                  /* -1: any */
    const char *iso, *type;        /* NULL: any */
    bool none;                     /* a filter no record can meet (user_type, alias) */
    compliance_t *rows;
    size_t n;
    int64_t seen;
} list_walk_t;

static int list_row(const compliance_t *cp, void *ud)
{
    list_walk_t *w = ud;
    if (w->none) return C_OK;
    if (w->approved >= 0 && cp->approved != (w->approved == 1)) return C_OK;
    if (w->iso && strcmp(cp->country_iso, w->iso) != 0) return C_OK;
    if (w->type && strcmp(cp->number_type, w->type) != 0) return C_OK;
    if (w->seen >= w->in->offset && w->n < (size_t)w->in->limit) w->rows[w->n++] = *cp;
    w->seen++;
    return C_OK;
}

int cpl_list(core_t *c, const account_t *caller, const cpl_list_in_t *in, compliance_t *rows,
             size_t *nrows, int64_t *total, cerr_t *e)
{
    list_walk_t w = {.in = in, .approved = -1, .rows = rows};
    const country_t *ct;
    *nrows = 0;
    *total = 0;
    if (in->status) {
        if (nd_strcasecmp(in->status, "accepted") == 0) w.approved = 1;
        else if (nd_strcasecmp(in->status, "submitted") == 0) w.approved = 0;
        /* Plivo's other states (rejected, suspended...): numberd's records never are */
        else if (nd_strcasecmp(in->status, "rejected") == 0 || nd_strcasecmp(in->status, "suspended") == 0 ||
                 nd_strcasecmp(in->status, "expired") == 0 || nd_strcasecmp(in->status, "draft") == 0)
            w.none = true;
        else return cerr(e, CE_INVALID, "invalid status: want accepted, submitted, rejected, suspended, expired or draft");
    }
    if (in->country_iso) {
        if (country_by_iso(in->country_iso, &ct) != C_OK)
            return cerr(e, CE_INVALID, "invalid country ISO: %.16s", in->country_iso);
        w.iso = ct->iso;
    }
    if (in->number_type && num_parse_type(in->number_type, &w.type) != C_OK)
        return cerr(e, CE_INVALID, "invalid number_type: %.32s (want local, mobile, fixed, national or tollfree)",
                    in->number_type);
    if (in->user_type) {
        if (nd_strcasecmp(in->user_type, "individual") == 0) w.none = true;
        else if (nd_strcasecmp(in->user_type, "business") != 0)
            return cerr(e, CE_INVALID, "invalid user_type: want business or individual");
    }
    if (in->alias) {
        if (!core_text_ok(in->alias, 64)) return cerr(e, CE_INVALID, "invalid alias");
        w.none = true;             /* records have no alias (shown null) */
    }
    int rc = c->st->ops->compliance_list(c->st, core_owner_id(caller), list_row, &w);
    if (rc != ST_OK) return core_st(e, rc, NULL);
    *nrows = w.n;
    *total = w.seen;
    return C_OK;
}

int cpl_get(core_t *c, const account_t *caller, const char *id, compliance_t *out, cerr_t *e)
{
    if (!ids_is_uuid(id, strlen(id))) return cerr(e, CE_NOTFOUND, "not found");
    return core_st(e, c->st->ops->compliance_get(c->st, core_owner_id(caller), id, out), NULL);
}

typedef struct {
    core_t *c;
    const account_t *caller;
    cpl_linked_t *out;
    size_t n;
    int64_t more;
    int rc;                        /* a store failure inside the walk */
} linked_walk_t;

static int linked_row(const inv_number_t *n, void *ud)
{
    linked_walk_t *w = ud;
    if (w->caller->parent_id) {
        /* a subaccount sees only its own numbers */
        owned_number_t *o = xmalloc(sizeof *o);
        int rc = w->c->st->ops->number_get_owned(w->c->st, core_owner_id(w->caller),
                                                 core_sub_id(w->caller), n->number, o);
        free(o);
        if (rc == ST_NOTFOUND) return C_OK;
        if (rc != ST_OK) {
            w->rc = rc;
            return C_ERR;
        }
    }
    if (w->n == CPL_MAX_LINKED) {
        w->more++;
        return C_OK;
    }
    snprintf(w->out[w->n].number, sizeof w->out[w->n].number, "%s", n->number);
    snprintf(w->out[w->n].number_type, sizeof w->out[w->n].number_type, "%s", n->sub_type);
    w->n++;
    return C_OK;
}

int cpl_linked(core_t *c, const account_t *caller, const char *id, cpl_linked_t out[CPL_MAX_LINKED],
               size_t *n, int64_t *more, cerr_t *e)
{
    linked_walk_t w = {.c = c, .caller = caller, .out = out, .rc = ST_OK};
    /* one read transaction: the subaccount checks see the list's snapshot */
    if (c->st->ops->tx_begin(c->st, false) != ST_OK) return core_st(e, ST_ERR, NULL);
    int rc = c->st->ops->compliance_numbers(c->st, core_owner_id(caller), id, linked_row, &w);
    if (rc == ST_OK) rc = w.rc;
    if (rc != ST_OK) {
        c->st->ops->tx_rollback(c->st);
        return core_st(e, rc, NULL);
    }
    if (c->st->ops->tx_commit(c->st) != ST_OK) return core_st(e, ST_ERR, NULL);
    *n = w.n;
    *more = w.more;
    return C_OK;
}

static int req_row(const char *restriction, const char *text, void *ud)
{
    cpl_req_t *r = ud;
    if (r->ndocs == CPL_MAX_DOCS) return C_ERR; /* enough: the walk stops */
    cpl_doc_t *d = &r->docs[r->ndocs++];
    snprintf(d->restriction, sizeof d->restriction, "%s", restriction);
    snprintf(d->text, sizeof d->text, "%s", text);
    return C_OK;
}

int cpl_requirements(core_t *c, const char *country_iso, const char *number_type,
                     const char *user_type, cpl_req_t *out, cerr_t *e)
{
    const country_t *ct;
    memset(out, 0, sizeof *out);
    /* Go sends all three, empty strings included: empty is missing */
    if (!country_iso || !country_iso[0]) return cerr(e, CE_INVALID, "missing required parameter: country_iso");
    if (!number_type || !number_type[0]) return cerr(e, CE_INVALID, "missing required parameter: number_type");
    if (country_by_iso(country_iso, &ct) != C_OK || ct->calling_code == 0)
        return cerr(e, CE_INVALID, "invalid country ISO: %.16s", country_iso);
    if (num_parse_type(number_type, &out->number_type) != C_OK)
        return cerr(e, CE_INVALID, "invalid number_type: %.32s (want local, mobile, fixed, national or tollfree)",
                    number_type);
    out->user_type = "business";
    if (user_type && user_type[0]) {
        if (nd_strcasecmp(user_type, "individual") == 0) out->user_type = "individual";
        else if (nd_strcasecmp(user_type, "business") != 0)
            return cerr(e, CE_INVALID, "invalid user_type: want business or individual");
    }
    memcpy(out->country_iso, ct->iso, 3);
    /* A stable id: the same country, type and user type always name the
     * same requirement (a hash shaped as a UUID, version nibble 5). */
    char key[64];
    uint8_t h[IDS_HASH_SZ];
    snprintf(key, sizeof key, "numberd-requirement:%s:%s:%s", ct->iso, out->number_type, out->user_type);
    ids_hash_secret(key, strlen(key), h);
    h[6] = (uint8_t)((h[6] & 0x0f) | 0x50);
    h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
    snprintf(out->requirement_id, sizeof out->requirement_id,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2],
             h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]);
    int rc = c->st->ops->inventory_restrictions(c->st, ct->iso, out->number_type, req_row, out);
    return core_st(e, rc, NULL);
}

int cpl_link(core_t *c, const account_t *caller, const char *number, const char *compliance_id,
             cerr_t *e)
{
    if (!compliance_id || !compliance_id[0])
        return cerr(e, CE_INVALID, "missing compliance_application_id");
    numupd_in_t in = {.compliance_id = compliance_id};
    return num_update(c, caller, number, &in, e);
}
