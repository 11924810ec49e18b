/* subaccounts.c -- subaccounts of a main account (API.md §2.5). */
#include "core/subaccounts.h"
#include "core/core_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/accounts.h"
#include "core/events.h"
#include "core/registrations.h"
#include "util/clock.h"

/* Subaccounts are managed by main accounts only; to a subaccount the
 * resource does not exist (404, never 403: existence does not leak). */
static int main_only(const account_t *caller, cerr_t *e)
{
    if (caller->parent_id) return cerr(e, CE_NOTFOUND, "not found");
    return C_OK;
}

static int load_sub(core_t *c, const account_t *caller, const char *auth_id, account_t *out,
                    cerr_t *e)
{
    if (main_only(caller, e) != C_OK) return C_ERR;
    int rc = ids_is_auth_id(auth_id, strlen(auth_id))
                 ? c->st->ops->account_by_auth_id(c->st, auth_id, out) : ST_NOTFOUND;
    if (rc == ST_ERR) return core_st(e, rc, NULL);
    if (rc != ST_OK || out->parent_id != caller->id) return cerr(e, CE_NOTFOUND, "not found");
    return C_OK;
}

int sub_create(core_t *c, const account_t *caller, const char *name, bool enabled,
               sub_created_t *out, cerr_t *e)
{
    store_t *st = c->st;
    memset(out, 0, sizeof *out);
    if (main_only(caller, e) != C_OK) return C_ERR;
    if (name == NULL) return cerr(e, CE_INVALID, "missing required parameter: name");
    if (!core_text_fits(name, 64, MODEL_NAME_SZ)) return cerr(e, CE_INVALID, "invalid name: 1-64 characters, no control characters");
    account_t a = {.parent_id = caller->id, .enabled = enabled};
    snprintf(a.name, sizeof a.name, "%s", name);
    a.created_at = a.modified_at = clock_now();
    ids_auth_token(out->auth_token);
    ids_hash_secret(out->auth_token, strlen(out->auth_token), a.token_hash);
    if (core_begin(c, e) != C_OK) {
        ids_wipe(out, sizeof *out);
        return C_ERR;
    }
    int rc = ST_CONFLICT;
    for (int tries = 0; tries < 5 && rc == ST_CONFLICT; tries++) {
        ids_auth_id("SA", a.auth_id);
        rc = st->ops->account_insert(st, &a);
    }
    int r = core_st(e, rc == ST_OK ? ST_OK : ST_ERR, NULL);
    if (r == C_OK) {
        ev_data_t d;
        ev_data_init(&d);
        ev_data_after_str(&d, "name", a.name);
        ev_data_after_bool(&d, "enabled", a.enabled); /* a boolean, as an update's */
        r = ev_emit(c, "subaccount.created", caller->id, "subaccount", a.auth_id, &d, e);
    }
    if (core_end(c, r, e) != C_OK) {
        ids_wipe(out, sizeof *out);
        return C_ERR;
    }
    memcpy(out->auth_id, a.auth_id, sizeof out->auth_id);
    return C_OK;
}

int sub_list(core_t *c, const account_t *caller, int limit, int offset, account_t *rows,
             size_t *nrows, int64_t *total, cerr_t *e)
{
    if (main_only(caller, e) != C_OK) return C_ERR;
    return core_st(e, c->st->ops->sub_list(c->st, caller->id, limit, offset, rows, nrows, total),
                   NULL);
}

int sub_get(core_t *c, const account_t *caller, const char *auth_id, account_t *out, cerr_t *e)
{
    return load_sub(c, caller, auth_id, out, e);
}

int sub_update(core_t *c, const account_t *caller, const char *auth_id, const char *name,
               int enabled, cerr_t *e)
{
    account_t a;
    if (name && !core_text_fits(name, 64, MODEL_NAME_SZ))
        return cerr(e, CE_INVALID, "invalid name: 1-64 characters, no control characters");
    /* Read, change one field and write the row back in one write
     * transaction, the row read under its lock (SQLite: BEGIN IMMEDIATE;
     * PostgreSQL: account_by_auth_id locks FOR UPDATE inside it): else a
     * rename racing a disable writes back the enabled flag it read and
     * undoes the disable (issue 15). */
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = load_sub(c, caller, auth_id, &a, e);
    if (rc == C_OK) {
        account_t was = a;
        if (name) snprintf(a.name, sizeof a.name, "%s", name);
        if (enabled >= 0) a.enabled = enabled != 0;
        a.modified_at = clock_now();
        if (c->st->ops->account_update(c->st, &a) != ST_OK) rc = core_st(e, ST_ERR, NULL);
        ev_data_t d;
        ev_data_init(&d);
        ev_data_str(&d, "name", was.name, a.name);
        ev_data_bool(&d, "enabled", was.enabled, a.enabled);
        /* an update that changes nothing is no change of state (EVENTS.md) */
        if (rc == C_OK && (d.na || d.nb))
            rc = ev_emit(c, "subaccount.updated", caller->id, "subaccount", a.auth_id, &d, e);
        else ev_data_free(&d);
        /* a disabled subaccount is refused by the other nodes within a
         * second too (the credential epoch: accounts.c), moved in the
         * same transaction as every other credential change: committed
         * apart from it, a crash or a busy lock between the two left the
         * other nodes the cache's 2 s (a helper's audit, session 38) */
        if (rc == C_OK && was.enabled != a.enabled && c->st->ops->cred_epoch_bump(c->st) != ST_OK)
            rc = core_st(e, ST_ERR, "credential epoch");
    }
    if (core_end(c, rc, e) != C_OK) return C_ERR;
    if (enabled >= 0) reg_kick(); /* its reg trunks stop (or start) registering now */
    acct_cache_invalidate();
    return C_OK;
}

/* Releases every number of subaccount sub_id and deletes its applications
 * (inside the caller's write transaction).  Pages from offset 0 each
 * time: what was released no longer lists. */
static int cascade_sub(core_t *c, const account_t *caller, int64_t sub_id, cerr_t *e)
{
    enum { PAGE = 50 };
    store_t *st = c->st;
    int rc = ST_OK;
    size_t n;
    int64_t total;
    owned_number_t *nums = xcalloc(PAGE, sizeof *nums);
    numlist_q_t q;
    memset(&q, 0, sizeof q);
    q.owner_id = caller->id;
    q.sub_id = sub_id;
    q.limit = PAGE;
    do {
        rc = st->ops->number_list(st, &q, nums, &n, &total);
        for (size_t i = 0; rc == ST_OK && i < n; i++) {
            rc = st->ops->number_release(st, caller->id, nums[i].inv.number, c->aging_days == 0);
            if (rc == ST_OK) rc = owned_release_event(c, caller->id, &nums[i], "subaccount deleted", e) == C_OK ? ST_OK : ST_ERR;
        }
    } while (rc == ST_OK && n > 0);
    free(nums);
    app_t *apps = xcalloc(PAGE, sizeof *apps);
    while (rc == ST_OK) {
        rc = st->ops->app_list(st, caller->id, sub_id, NULL, PAGE, 0, apps, &n, &total);
        if (rc != ST_OK || n == 0) break;
        for (size_t i = 0; rc == ST_OK && i < n; i++) {
            core_numset_t unlinked = {0};
            rc = st->ops->app_delete(st, caller->id, apps[i].app_id, app_unlinked_add, &unlinked);
            if (rc == ST_OK)
                rc = app_unlinked_events(c, caller->id, apps[i].app_id, &unlinked, e) == C_OK
                         ? ST_OK : ST_ERR;
            core_numset_free(&unlinked);
            if (rc == ST_OK) {
                /* as a direct delete's: the name it had (EVENTS.md: deletion, before only) */
                ev_data_t d;
                ev_data_init(&d);
                ev_data_before_str(&d, "app_name", apps[i].app_name);
                rc = ev_emit(c, "application.deleted", caller->id, "application", apps[i].app_id, &d,
                             e) == C_OK ? ST_OK : ST_ERR;
            }
        }
    }
    free(apps);
    return rc == ST_OK ? C_OK : core_st(e, ST_ERR, NULL);
}

/* Without cascade, deleting subaccount sub moves its numbers,
 * applications and carriers to the main account (one statement each):
 * each is named first, one event *.updated per object with its subaccount
 * before and after, in the deletion's transaction.  Read in pages before
 * the move. */
static int moved_events(core_t *c, const account_t *caller, const account_t *sub, cerr_t *e)
{
    enum { PAGE = 50 };
    store_t *st = c->st;
    int r = C_OK;
    size_t n;
    int64_t total;
    owned_number_t *nums = xcalloc(PAGE, sizeof *nums);
    numlist_q_t q;
    memset(&q, 0, sizeof q);
    q.owner_id = caller->id;
    q.sub_id = sub->id;
    q.limit = PAGE;
    for (; r == C_OK; q.offset += PAGE) {
        r = core_st(e, st->ops->number_list(st, &q, nums, &n, &total), NULL);
        for (size_t i = 0; r == C_OK && i < n; i++) {
            ev_data_t d;
            ev_data_init(&d);
            ev_data_str(&d, "subaccount", sub->auth_id, NULL);
            r = ev_emit(c, "number.updated", caller->id, "number", nums[i].inv.number, &d, e);
        }
        if (n < PAGE) break;
    }
    free(nums);
    app_t *apps = xcalloc(PAGE, sizeof *apps);
    for (int off = 0; r == C_OK; off += PAGE) {
        r = core_st(e, st->ops->app_list(st, caller->id, sub->id, NULL, PAGE, off, apps, &n, &total), NULL);
        for (size_t i = 0; r == C_OK && i < n; i++) {
            ev_data_t d;
            ev_data_init(&d);
            ev_data_str(&d, "subaccount", sub->auth_id, NULL);
            r = ev_emit(c, "application.updated", caller->id, "application", apps[i].app_id, &d, e);
        }
        if (n < PAGE) break;
    }
    free(apps);
    carrier_t *crs = xcalloc(PAGE, sizeof *crs);
    for (int off = 0; r == C_OK; off += PAGE) {
        n = 0;
        r = core_st(e, st->ops->carrier_list(st, caller->id, sub->id, NULL, PAGE, off, crs, &n, &total), NULL);
        for (size_t i = 0; r == C_OK && i < n; i++) {
            ev_data_t d;
            ev_data_init(&d);
            ev_data_str(&d, "subaccount", sub->auth_id, NULL);
            r = ev_emit(c, "carrier.updated", caller->id, "carrier", crs[i].uuid, &d, e);
        }
        carrier_clear_rows(crs, n);
        if (n < PAGE) break;
    }
    free(crs);
    return r;
}

int sub_delete(core_t *c, const account_t *caller, const char *auth_id, cerr_t *e)
{
    return sub_delete_ex(c, caller, auth_id, false, e);
}

static int sub_delete_once(core_t *c, const account_t *caller, const char *auth_id, bool cascade,
                           cerr_t *e)
{
    account_t a;
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = load_sub(c, caller, auth_id, &a, e);
    if (rc == C_OK && cascade) rc = cascade_sub(c, caller, a.id, e);
    /* what moves to the main account, each named: without cascade its
     * numbers, applications and carriers; with it only its carriers (a
     * cascade releases the numbers and deletes the applications, and
     * Plivo's cascade knows no carriers) -- a helper's audit found them
     * moved without an event */
    if (rc == C_OK) rc = moved_events(c, caller, &a, e);
    if (rc == C_OK) {
        int st = c->st->ops->sub_delete(c->st, caller->id, a.id);
        /* its applications and carriers become the main account's, whose
         * own names they must not repeat (names are unique per owner,
         * docs/SECURITY.md); the main account sees both, so saying so
         * leaks nothing */
        if (st == ST_CONFLICT)
            rc = cerr(e, CE_CONFLICT, "an application or carrier of subaccount %s has the name of one "
                      "of yours: rename or delete one of them first", a.auth_id);
        else if (st != ST_OK)
            rc = core_st(e, ST_ERR, NULL);
    }
    if (rc == C_OK && c->st->ops->cred_epoch_bump(c->st) != ST_OK)
        rc = core_st(e, ST_ERR, "credential epoch");
    if (rc == C_OK) {
        /* without cascade its numbers, applications and carriers became
         * the main account's (each named by moved_events) */
        ev_data_t d;
        ev_data_init(&d);
        ev_data_before_str(&d, "name", a.name);
        ev_data_after_str(&d, "resources", cascade ? "released" : "moved to the main account");
        rc = ev_emit(c, "subaccount.deleted", caller->id, "subaccount", a.auth_id, &d, e);
    }
    if (core_end(c, rc, e) != C_OK) return C_ERR;
    acct_cache_invalidate();
    return C_OK;
}

/* It locks the subaccount, then its numbers, applications and carriers:
 * writers that take some of those in another order (a subaccount adding
 * numbers to its carrier, an application's update) can meet it, and
 * PostgreSQL then aborts one of them to break the deadlock. */
int sub_delete_ex(core_t *c, const account_t *caller, const char *auth_id, bool cascade,
                  cerr_t *e)
{
    int r, tries = 0;
    do r = sub_delete_once(c, caller, auth_id, cascade, e);
    while (r != C_OK && core_retry(c, &tries, e));
    return r;
}
