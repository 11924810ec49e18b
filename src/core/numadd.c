/* numadd.c -- numbers a customer brings: "Add numbers from your carrier"
 * (API.md §2.3) and the BYOC dialect's numbers (§3.2).
 *
 * All or nothing: every number is checked, every fault is reported, and
 * the numbers are written in one transaction.  They never enter the
 * operator's inventory: they are owned from the start (state active,
 * source byoc or manual), and unrent deletes them.
 */
#include "core/numadd.h"
#include "core/core_int.h"
#include "core/events.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/carriers.h"
#include "util/clock.h"
#include "core/country.h"
#include "core/numbers.h"

static void add_fault(numadd_fault_t *f, size_t *nf, size_t index, const char *given,
                      const char *why)
{
    numadd_fault_t *x = &f[(*nf)++];
    x->index = index;
    snprintf(x->number, sizeof x->number, "%s", given);
    x->why = why;
}

/* Fills the parts of a new owned number that do not depend on the number. */
static int prepare(core_t *c, const account_t *caller, const numadd_in_t *in, owned_number_t *tpl,
                   carrier_t *cr, cerr_t *e)
{
    store_t *st = c->st;
    int64_t owner = core_owner_id(caller);
    memset(tpl, 0, sizeof *tpl);
    tpl->owner_id = owner;
    tpl->sub_id = core_sub_id(caller);
    /* sub_auth_id with sub_id, always: the event (number.added) shows it */
    if (caller->parent_id) snprintf(tpl->sub_auth_id, sizeof tpl->sub_auth_id, "%s", caller->auth_id);
    tpl->state = NUM_ACTIVE;
    tpl->source = SRC_MANUAL;
    tpl->inv.voice = tpl->inv.sms = true;
    tpl->created_at = tpl->updated_at = clock_now();
    clock_date(tpl->created_at, tpl->added_on);

    if (in->carrier && !in->carrier[0])
        return cerr(e, CE_INVALID, "invalid carrier: empty (give a carrier id, or none)");
    if (in->carrier) {
        if (carrier_get_head(c, caller, in->carrier, cr, e) != C_OK) {
            if (e->code == CE_NOTFOUND)
                return cerr(e, CE_INVALID, "invalid carrier: no carrier %.40s on this account", in->carrier);
            return C_ERR;
        }
        tpl->source = SRC_BYOC;
        tpl->carrier_id = cr->id;
        memcpy(tpl->carrier_sid, cr->voip_sid, sizeof tpl->carrier_sid);
        tpl->inv.voice = cr->voice;
        tpl->inv.sms = cr->sms;
        snprintf(tpl->inv.carrier, sizeof tpl->inv.carrier, "%s", cr->name);
    }
    if (in->region) {
        /* stored in MODEL_REGION_SZ bytes, as the inventory's regions:
         * checked in bytes (a check in characters let a cut one through) */
        if (!core_text_fits(in->region, 64, sizeof tpl->inv.region))
            return cerr(e, CE_INVALID, "invalid region: 1-64 bytes of UTF-8, no control characters");
        snprintf(tpl->inv.region, sizeof tpl->inv.region, "%s", in->region);
    }
    if (in->number_type) {
        const char *t;
        if (num_parse_type(in->number_type, &t) != C_OK)
            return cerr(e, CE_INVALID,
                        "invalid number_type: %.32s (want local, national, mobile, tollfree or fixed)",
                        in->number_type);
        snprintf(tpl->inv.type, sizeof tpl->inv.type, "%s", t);
    }
    if (in->label) {
        /* a blank label is no label */
        const char *s = in->label;
        size_t n = strlen(s);
        while (n && *s == ' ') { s++; n--; }
        while (n && s[n - 1] == ' ') n--;
        char tmp[MODEL_LABEL_SZ];
        if (n >= sizeof tmp) n = sizeof tmp - 1;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        if (n && !core_text_fits(tmp, 100, MODEL_LABEL_SZ))
            return cerr(e, CE_INVALID, "invalid label: up to 100 characters, no control characters");
        if (strlen(in->label) > 4 * 100)
            return cerr(e, CE_INVALID, "invalid label: up to 100 characters, no control characters");
        memcpy(tpl->label, tmp, n + 1);
    }
    if (in->subaccount && in->subaccount[0]) {
        if (caller->parent_id)
            return cerr(e, CE_FORBIDDEN, "a subaccount cannot assign numbers to subaccounts");
        if (core_resolve_sub(c, caller, in->subaccount, &tpl->sub_id, "subaccount", e) != C_OK)
            return C_ERR;
        snprintf(tpl->sub_auth_id, sizeof tpl->sub_auth_id, "%s", in->subaccount);
    }
    /* a subaccount's carrier carries only that subaccount's numbers: a
     * main account's number on it was one the subaccount could not see,
     * yet it kept the subaccount from deleting its own carrier (409) */
    if (in->carrier && cr->sub_id && cr->sub_id != tpl->sub_id)
        return cerr(e, CE_INVALID,
                    "invalid carrier: %s is subaccount %s's: its numbers are that subaccount's "
                    "(add it for the subaccount)",
                    cr->name, cr->sub_auth_id);
    if (in->app_id && in->app_id[0]) {
        size_t l = strlen(in->app_id);
        app_t app;
        int rc = (l < MODEL_APP_ID_SZ && nd_all_digits(in->app_id, l))
                     ? st->ops->app_get(st, owner, core_sub_id(caller), in->app_id, &app)
                     : ST_NOTFOUND;
        if (rc == ST_ERR) return core_st(e, rc, NULL);
        if (rc != ST_OK)
            return cerr(e, CE_INVALID, "invalid app_id: no application %.32s in this account", in->app_id);
        memcpy(tpl->app_id, in->app_id, l + 1);
    } else if (!in->app_id && tpl->sub_id == 0) {
        /* like a purchase: a new number of the main account answers with
         * its default application (a subaccount's would point at an
         * application the subaccount cannot see) */
        if (st->ops->app_default(st, owner, tpl->app_id) == ST_ERR) return core_st(e, ST_ERR, NULL);
    }
    return C_OK;
}

/* What a number on its own would be: country, type, region. */
static void fill_number(const owned_number_t *tpl, const char *digits, owned_number_t *n)
{
    const country_t *ct = NULL;
    *n = *tpl;
    snprintf(n->inv.number, sizeof n->inv.number, "%s", digits);
    if (country_of_number(digits, &ct) == C_OK) memcpy(n->inv.country_iso, ct->iso, 3);
    if (!n->inv.type[0])
        snprintf(n->inv.type, sizeof n->inv.type, "%s",
                 country_nanp_tollfree(digits) ? "tollfree" : "local");
    memcpy(n->inv.sub_type, n->inv.type, sizeof n->inv.sub_type);
    if (!n->inv.region[0] && ct) snprintf(n->inv.region, sizeof n->inv.region, "%s", ct->name);
    ids_uuid_v4_ordered(n->byoc_id);
}

/* Is the number (digits) there already?  ST_OK with *why, the fault, by
 * its owner; ST_NOTFOUND; ST_ERR. */
static int taken(store_t *st, const account_t *caller, const char *digits, const char **why)
{
    num_state_t state;
    num_source_t source;
    int64_t owner = 0;
    int rc = st->ops->number_lookup(st, digits, &state, &source, &owner);
    *why = owner == core_owner_id(caller) ? "already on this account"
           : owner                        ? "already owned by another account"
                                          : "in the operator's inventory";
    return rc;
}

/* a request's number and its place in the request */
typedef struct {
    const char *digits;
    size_t i;
} add_order_t;

static int by_number(const void *a, const void *b)
{
    return strcmp(((const add_order_t *)a)->digits, ((const add_order_t *)b)->digits);
}

static int num_add_once(core_t *c, const account_t *caller, const numadd_in_t *in,
                        numadd_fault_t *faults, size_t *nfaults, owned_number_t *out, cerr_t *e)
{
    store_t *st = c->st;
    owned_number_t tpl, *rows = NULL;
    carrier_t cr;
    char (*digits)[E164_BUFSZ] = NULL;
    bool *ok = NULL;
    add_order_t *order = NULL;
    int ret = C_ERR;
    memset(&cr, 0, sizeof cr);
    *nfaults = 0;

    if (in->n == 0 || in->n > NUMADD_MAX)
        return cerr(e, CE_INVALID, "invalid numbers: give 1 to %d numbers", NUMADD_MAX);
    digits = xcalloc(in->n, sizeof *digits);
    ok = xcalloc(in->n, sizeof *ok);
    for (size_t i = 0; i < in->n; i++) {
        if (e164_parse(in->numbers[i], digits[i], NULL) != C_OK) {
            add_fault(faults, nfaults, i, in->numbers[i], "invalid number");
            continue;
        }
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++) dup = ok[j] && strcmp(digits[j], digits[i]) == 0;
        if (dup) add_fault(faults, nfaults, i, in->numbers[i], "duplicate in the request");
        else ok[i] = true;
    }

    rows = xcalloc(in->n, sizeof *rows);
    /* every check under the write lock, so what was checked (the carrier,
     * the application, each number) is what is written */
    if (core_begin(c, e) != C_OK) goto done;
    if (core_owner_open(c, caller, e) != C_OK || prepare(c, caller, in, &tpl, &cr, e) != C_OK) {
        *nfaults = 0;   /* the request as a whole is wrong: that is the answer */
        core_rollback(c);
        goto done;
    }
    for (size_t i = 0; i < in->n; i++) {
        if (!ok[i]) continue;
        const char *why;
        int rc = taken(st, caller, digits[i], &why);
        if (rc == ST_ERR) goto db_fail;
        if (rc == ST_OK) {
            ok[i] = false;
            add_fault(faults, nfaults, i, in->numbers[i], why);
        }
    }
    if (*nfaults == 0) {
        /* in ascending order of number: two requests adding some of the
         * same numbers meet first on the lowest they share, so neither
         * holds one the other waits for (no deadlock on PostgreSQL, where
         * adders run at once: store/postgres/owned.c) */
        order = xcalloc(in->n, sizeof *order);
        for (size_t i = 0; i < in->n; i++) order[i] = (add_order_t){digits[i], i};
        qsort(order, in->n, sizeof *order, by_number);
        for (size_t k = 0; k < in->n; k++) {
            size_t i = order[k].i;
            fill_number(&tpl, digits[i], &rows[i]);
            int rc = st->ops->number_insert_owned(st, &rows[i]);
            if (rc == ST_CONFLICT) {
                /* added meanwhile by a request that committed first: by
                 * whom, read now (a statement after the insert's wait) */
                const char *why;
                rc = taken(st, caller, digits[i], &why);
                if (rc == ST_ERR) goto db_fail;
                add_fault(faults, nfaults, i, in->numbers[i],
                          rc == ST_OK ? why : "already owned by another account");
                continue;
            }
            if (rc != ST_OK) goto db_fail;
        }
    }
    if (*nfaults) {
        core_rollback(c);
        /* faults in request order, whatever found them */
        for (size_t i = 1; i < *nfaults; i++)
            for (size_t j = i; j > 0 && faults[j - 1].index > faults[j].index; j--) {
                numadd_fault_t t = faults[j];
                faults[j] = faults[j - 1];
                faults[j - 1] = t;
            }
        cerr(e, CE_INVALID, "%zu of %zu numbers cannot be added; nothing was added", *nfaults, in->n);
        goto done;
    }
    for (size_t i = 0; i < in->n; i++) {
        ev_data_t d;
        ev_data_init(&d);
        ev_data_after_str(&d, "source", rows[i].source == SRC_BYOC ? "byoc" : "manual");
        ev_data_after_str(&d, "carrier", cr.uuid);
        ev_data_after_str(&d, "subaccount", rows[i].sub_auth_id[0] ? rows[i].sub_auth_id : NULL);
        ev_data_after_str(&d, "app_id", rows[i].app_id);
        ev_data_after_str(&d, "byoc_id", rows[i].byoc_id);
        if (ev_emit(c, "number.added", rows[i].owner_id, "number", rows[i].inv.number, &d, e) !=
            C_OK) {
            core_rollback(c);
            goto done;
        }
    }
    if (core_commit(c, e) != C_OK) goto done;
    if (out) memcpy(out, rows, in->n * sizeof *rows);
    ret = C_OK;
    goto done;
db_fail:
    core_rollback(c);
    core_st(e, ST_ERR, NULL);
done:
    free(order);
    free(rows);
    free(ok);
    free(digits);
    carrier_clear(&cr);
    return ret;
}

/* Large adds take turns in this process on PostgreSQL (a store with
 * STORE_CAP_ROW_WRITERS) outside a batch
 * (writes on the HTTP threads, the CLI, NUMBERD_NO_BATCHES; in a batch
 * the HTTP writer runs one write at a time anyway): a request of more
 * than BULK_MIN numbers waits here for the one before it, before its
 * transaction begins (so it holds no lock of the database while it
 * waits).  Adds run at once since session 28, which
 * lets one-number adds share WAL flushes; but requests of 100 numbers, 8
 * at once, added 3,686-3,719 numbers/s, and one at a time 5,683-5,778
 * (docs/PERFORMANCE.md, session 28): on one core, eight long transactions
 * interleaved cost PostgreSQL more than their flushes saved.  Small adds
 * do not wait for large ones.  On SQLite nothing is taken: a group's
 * members share one transaction and must not wait for each other. */
#define BULK_MIN 10
static pthread_mutex_t g_bulk_turn = PTHREAD_MUTEX_INITIALIZER;

/* It locks the carrier, then (adding for a subaccount) meets the
 * subaccount's row; a subaccount's delete and another add into that
 * subaccount take them the other way: PostgreSQL aborts one of them, which
 * runs again (core_retry).  *nfaults starts from zero on every run. */
int num_add(core_t *c, const account_t *caller, const numadd_in_t *in, numadd_fault_t *faults,
            size_t *nfaults, owned_number_t *out, cerr_t *e)
{
    int r, tries = 0;
    bool bulk = in->n > BULK_MIN && (c->st->ops->caps & STORE_CAP_ROW_WRITERS);
    bool turn = bulk && core_tx_depth() == 0 && !core_in_batch();
    /* In a batch on PostgreSQL a large add ends it: each number's insert
     * updates the same counter rows (the carrier's, the account's), and
     * PostgreSQL keeps every version of a row that one transaction
     * updates, each upsert's conflict check walking them all -- eight
     * requests of 100 numbers in one batch, 800 versions, filled at
     * 2,100-2,150 numbers/s and falling, against 2,850-2,950 one request
     * a commit (docs/PERFORMANCE.md, session 29). */
    if (bulk) core_batch_end_soon();
    if (turn) pthread_mutex_lock(&g_bulk_turn);
    do r = num_add_once(c, caller, in, faults, nfaults, out, e);
    while (r != C_OK && core_retry(c, &tries, e));
    if (turn) pthread_mutex_unlock(&g_bulk_turn);
    return r;
}
