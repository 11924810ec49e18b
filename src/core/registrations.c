/* registrations.c -- see registrations.h. */
#include "core/registrations.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/core_int.h"
#include "core/events.h"
#include "core/accounts.h"
#include "core/carriers.h"
#include "core/upstream.h"
#include "util/clock.h"
#include "store/store.h"
#include "util/log.h"

static const char *const k_state[] = {
    [REG_REGISTERING] = "registering",
    [REG_REGISTERED] = "registered",
    [REG_FAILED] = "failed",
    [REG_UNREGISTERED] = "unregistered",
};

const char *reg_state_name(reg_state_t s)
{
    return (unsigned)s < ND_ARRAY_LEN(k_state) ? k_state[s] : "unknown";
}

int reg_state_parse(const char *s, reg_state_t *out)
{
    for (size_t i = 0; i < ND_ARRAY_LEN(k_state); i++)
        if (strcmp(s, k_state[i]) == 0) {
            *out = (reg_state_t)i;
            return C_OK;
        }
    return C_ERR;
}

int reg_carriers_page(core_t *c, int64_t after_id, int limit, carrier_t *rows, size_t *n,
                      cerr_t *e)
{
    return core_st(e, c->st->ops->carrier_reg_list(c->st, after_id, limit, rows, n),
                   "reg carriers");
}

int reg_carriers_sig(core_t *c, int64_t sig[3], cerr_t *e)
{
    return core_st(e, c->st->ops->carrier_reg_sig(c->st, sig), "reg carriers");
}

int reg_password(core_t *c, const carrier_t *cr, char out[SEC_PLAIN_MAX + 1], cerr_t *e)
{
    size_t n = 0;
    out[0] = '\0';
    if (!c->key) return cerr(e, CE_INTERNAL, "no server key: SIP passwords cannot be opened");
    if (cr->reg_box_len == 0) return C_OK; /* a registrar that asks no password */
    if (sec_open(c->key, cr->reg_box, cr->reg_box_len, out, &n) != C_OK)
        return cerr(e, CE_INTERNAL, "the carrier's password does not open under this server key");
    return C_OK;
}

/* registration.state_changed for r (its state and reason now, before the
 * one it had; NULL: none), in the caller's transaction.  The carrier's id
 * and account as the API shows them come from the joined read; found by
 * neither read (the carrier is no longer a reg carrier, or its account is
 * gone): no event, C_OK. */
static int state_event(core_t *c, const reg_status_t *r, const char *before, cerr_t *e)
{
    reg_status_t now;
    int got = c->st->ops->reg_status_get(c->st, r->carrier_id, &now);
    if (got == ST_NOTFOUND) return C_OK;
    if (core_st(e, got, "registration status") != C_OK) return C_ERR;
    /* an upstream carrier has no account */
    account_t a;
    int64_t owner = 0;
    int ar = now.account_auth_id[0] ? c->st->ops->account_by_auth_id(c->st, now.account_auth_id, &a)
                                    : ST_NOTFOUND;
    if (ar != ST_NOTFOUND && core_st(e, ar, "account") != C_OK) return C_ERR;
    if (ar == ST_OK) owner = a.parent_id ? a.parent_id : a.id;
    char reason[MODEL_REG_REASON_SZ + 16];
    if (r->last_code) snprintf(reason, sizeof reason, "%d %s", r->last_code, r->reason);
    else snprintf(reason, sizeof reason, "%s", r->reason);
    return ev_registration_changed(c, owner, now.carrier_uuid, before, reg_state_name(r->state),
                                   reason, e);
}

/* The state as it was, the new one written, and when the state moved an
 * event registration.state_changed (events.h), in one transaction: most
 * saves only move times and counters, and log nothing. */
int reg_status_save(core_t *c, const reg_status_t *r, cerr_t *e)
{
    reg_status_t old;
    if (core_begin(c, e) != C_OK) return C_ERR;
    int had = c->st->ops->reg_status_get(c->st, r->carrier_id, &old);
    int st = had == ST_ERR ? ST_ERR : c->st->ops->reg_status_put(c->st, r);
    if (st == ST_NOTFOUND) {
        /* nothing was written: end this level without rolling back the
         * registration client's batch it is part of (reg_batch_begin) */
        cerr_t ignored;
        (void)core_end(c, C_OK, &ignored);
        return cerr(e, CE_NOTFOUND, "carrier deleted");
    }
    int rc = core_st(e, st, "registration status");
    /* the change's event, in the same transaction: a read that fails here
     * fails the save (rolled back; the client stores it again), never a
     * state kept without its event (the next save would see no change and
     * never write it) or an event given to no account. */
    bool changed = had == ST_NOTFOUND || old.state != r->state;
    if (rc == C_OK && changed)
        rc = state_event(c, r, had == ST_OK ? reg_state_name(old.state) : NULL, e);
    return core_end(c, rc, e);
}

int reg_expire_run(core_t *c, int64_t *n, cerr_t *e)
{
    enum { BATCH = 100 };
    int64_t ids[BATCH];
    size_t got = 0;
    *n = 0;
    reg_status_t r = {.state = REG_UNREGISTERED, .last_code = 0};
    snprintf(r.reason, sizeof r.reason, "%s", REG_EXPIRED_REASON);
    /* a batch at a time, each with its events: a backlog (a node stopped
     * with many registrations) is worked off over the sweeps' batches */
    for (int batch = 0; batch < 10; batch++) {
        bool any = false;
        if (core_st(e, c->st->ops->reg_expire_due(c->st, clock_now(), &any), "registration expiry") != C_OK)
            return C_ERR;
        if (!any) break; /* nothing: no write transaction (a sweep a minute, every node) */
        if (core_begin(c, e) != C_OK) return C_ERR;
        int rc = core_st(e, c->st->ops->reg_expire(c->st, clock_now(), r.reason, BATCH, ids, &got),
                         "registration expiry");
        for (size_t i = 0; rc == C_OK && i < got; i++) {
            r.carrier_id = ids[i];
            rc = state_event(c, &r, reg_state_name(REG_REGISTERED), e);
        }
        if (core_end(c, rc, e) != C_OK) return C_ERR;
        *n += (int64_t)got;
        if (got < BATCH) break;
    }
    return C_OK;
}

void reg_status_settle(reg_status_t *r, int64_t now)
{
    if (r->state == REG_REGISTERED && r->expires_at <= now) {
        r->state = REG_UNREGISTERED;
        snprintf(r->reason, sizeof r->reason, "%s", REG_EXPIRED_REASON);
        r->last_code = 0;
    }
}

int reg_status_of(core_t *c, int64_t carrier_id, reg_status_t *out, bool *found, cerr_t *e)
{
    int st = c->st->ops->reg_status_get(c->st, carrier_id, out);
    *found = st == ST_OK;
    if (st == ST_NOTFOUND) return C_OK;
    if (st == ST_OK) reg_status_settle(out, clock_now());
    return core_st(e, st, "registration status");
}

int reg_status_list(core_t *c, const char *state, const char *account, int limit, int offset,
                    reg_status_t *rows, size_t *n, int64_t *total, cerr_t *e)
{
    reg_q_t q = {.state = -1, .account_id = 0, .limit = limit, .offset = offset, .now = clock_now()};
    *n = 0;
    *total = 0;
    if (state) {
        reg_state_t s;
        if (reg_state_parse(state, &s) != C_OK)
            return cerr(e, CE_INVALID,
                        "state must be one of registering, registered, failed, unregistered");
        q.state = (int)s;
    }
    if (account) {
        account_t a;
        int st = c->st->ops->account_by_auth_id(c->st, account, &a);
        if (st == ST_NOTFOUND) return C_OK; /* nobody's: an empty list */
        if (st != ST_OK) return core_st(e, st, "account");
        q.account_id = a.parent_id ? a.parent_id : a.id;
    }
    if (core_st(e, c->st->ops->reg_status_list(c->st, &q, rows, n, total), "registrations") != C_OK)
        return C_ERR;
    for (size_t i = 0; i < *n; i++) reg_status_settle(&rows[i], q.now);
    return C_OK;
}

int reg_lock_try(core_t *c, int bucket, bool *got, cerr_t *e)
{
    return core_st(e, c->st->ops->reg_lock_try(c->st, bucket, got), "registration lock");
}

int health_lock_try(core_t *c, bool *got, cerr_t *e)
{
    return core_st(e, c->st->ops->probe_lock_try(c->st, got), "probe lock");
}

void reg_unlock(core_t *c, int bucket)
{
    (void)c->st->ops->reg_unlock(c->st, bucket);
}

static atomic_uint_fast64_t g_kick;

static void kick_now(void)
{
    atomic_fetch_add_explicit(&g_kick, 1, memory_order_release);
}

/* The registrar reads the carriers on its own connection: told once what
 * was written is durable (core_on_durable: at once, or a batch's end). */
void reg_kick(void) { core_on_durable(kick_now); }

uint64_t reg_kick_seq(void)
{
    return atomic_load_explicit(&g_kick, memory_order_acquire);
}

/* ---- gateway health ---- */

const char *gw_state_name(gw_state_t s)
{
    return s == GW_UP ? "up" : s == GW_DOWN ? "down" : "unknown";
}

/* A carrier's health-check interval, in one transaction with its event
 * (a setting of the carrier: carrier.updated, also for an upstream
 * carrier, whose change wrote none before -- a helper's audit, session
 * 38); caller NULL: an upstream carrier (upstream_get). */
static int health_apply(core_t *c, const account_t *caller, const char *ref, int interval,
                        cerr_t *e)
{
    if (interval != 0 && (interval < HEALTH_INTERVAL_MIN || interval > HEALTH_INTERVAL_MAX))
        return cerr(e, CE_INVALID, "interval must be %d-%d seconds", HEALTH_INTERVAL_MIN,
                    HEALTH_INTERVAL_MAX);
    carrier_t cr;
    if (core_begin(c, e) != C_OK) return C_ERR;
    if ((caller ? carrier_get(c, caller, ref, &cr, NULL, e) : upstream_get(c, ref, &cr, NULL, e)) !=
        C_OK)
        return core_end(c, C_ERR, e);
    int before = 0;
    int st = c->st->ops->probe_get(c->st, cr.id, &before);
    if (st == ST_NOTFOUND) before = 0, st = ST_OK;
    if (st == ST_OK) st = c->st->ops->probe_set(c->st, cr.id, interval);
    int rc = st == ST_NOTFOUND ? cerr(e, CE_NOTFOUND, "carrier not found")
                               : core_st(e, st, "health check");
    if (rc == C_OK && before != interval) {
        ev_data_t d;
        ev_data_init(&d);
        ev_data_int(&d, "health_check_interval", before, interval);
        rc = ev_emit(c, "carrier.updated", cr.account_id, "carrier", cr.uuid, &d, e);
    }
    carrier_clear(&cr);
    rc = core_end(c, rc, e);
    if (rc == C_OK) reg_kick(); /* the prober looks again at once */
    return rc;
}

int health_set(core_t *c, const account_t *caller, const char *ref, int interval, cerr_t *e)
{
    return health_apply(c, caller, ref, interval, e);
}

int health_set_upstream(core_t *c, const char *ref, int interval, cerr_t *e)
{
    return health_apply(c, NULL, ref, interval, e);
}

int health_of(core_t *c, int64_t carrier_id, int *interval, gw_health_t *rows, size_t *n, cerr_t *e)
{
    *interval = 0;
    *n = 0;
    int st = c->st->ops->probe_get(c->st, carrier_id, interval);
    if (st == ST_NOTFOUND) {
        *interval = 0;
        return C_OK;
    }
    if (st != ST_OK) return core_st(e, st, "health check");
    return core_st(e, c->st->ops->health_list(c->st, carrier_id, HEALTH_GW_MAX, rows, n),
                   "gateway health");
}

int carrier_sip_of(core_t *c, const carrier_t *cr, carrier_sip_t *out, cerr_t *e)
{
    memset(out, 0, sizeof *out);
    if (cr->trunk == TRUNK_REG && reg_status_of(c, cr->id, &out->reg, &out->reg_found, e) != C_OK)
        return C_ERR;
    gw_health_t *h = xcalloc(HEALTH_GW_MAX, sizeof *h);
    int rc = health_of(c, cr->id, &out->interval, h, &out->nh, e);
    if (rc == C_OK && out->interval > 0) {
        out->h = h;
        return C_OK;
    }
    free(h);
    out->interval = 0;
    out->nh = 0;
    return rc;
}

int carrier_sip_rows(core_t *c, const carrier_t *rows, size_t n, carrier_sip_t *out, cerr_t *e)
{
    for (size_t i = 0; i < n; i++) {
        if (carrier_sip_of(c, &rows[i], &out[i], e) != C_OK) {
            carrier_sip_clear_rows(out, i);
            return C_ERR;
        }
    }
    return C_OK;
}

void carrier_sip_clear(carrier_sip_t *s)
{
    free(s->h);
    s->h = NULL;
    s->nh = 0;
    s->interval = 0;
}

void carrier_sip_clear_rows(carrier_sip_t *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) carrier_sip_clear(&rows[i]);
}

const gw_health_t *carrier_sip_health(const carrier_sip_t *s, const gateway_t *g)
{
    const gw_health_t *found = NULL;
    for (size_t k = 0; s && k < s->nh; k++)
        if (strcmp(s->h[k].sid, g->sid) == 0) found = &s->h[k];
    return found;
}

int health_targets(core_t *c, int max, probe_target_t *rows, size_t *n, cerr_t *e)
{
    return core_st(e, c->st->ops->probe_targets(c->st, max, rows, n), "probe targets");
}

int health_save(core_t *c, const gw_health_t *h, cerr_t *e)
{
    int st = c->st->ops->health_put(c->st, h);
    if (st == ST_NOTFOUND) return cerr(e, CE_NOTFOUND, "carrier deleted");
    return core_st(e, st, "gateway health");
}

int health_expire_run(core_t *c, int64_t *n, cerr_t *e)
{
    *n = 0;
    return core_st(e, c->st->ops->health_expire(c->st, clock_now(), n), "gateway health expiry");
}

/* whether this thread's reg_batch_begin began one (a failed BEGIN leaves
 * each save to commit by itself) */
static _Thread_local bool t_reg_batch;

void reg_batch_begin(core_t *c)
{
    cerr_t e;
    t_reg_batch = core_begin(c, &e) == C_OK;
    if (!t_reg_batch) log_msg(LOG_WARN, "registrations: %s", e.msg);
}

int reg_batch_end(core_t *c)
{
    cerr_t e;
    if (!t_reg_batch) return C_OK;
    t_reg_batch = false;
    if (core_end(c, C_OK, &e) == C_OK) return C_OK;
    log_msg(LOG_WARN, "registrations: %s", e.msg);
    return C_ERR;
}
