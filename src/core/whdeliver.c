/* whdeliver.c -- the delivery side of webhooks.h: the fan-out from the
 * event log, the claim of a due delivery (rendered and signed), and the
 * outcome of an attempt (retry schedule, persistent failure). */
#include "core/core_int.h"
#include "core/events.h"
#include "core/secrets.h"
#include "core/webhooks.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/jw.h"
#include "util/log.h"

/* ---- the fan-out ---------------------------------------------------------------- */

typedef struct {
    int64_t id;
    event_t *ev;
    bool found;
} one_t;

/* an ev_list callback: there is one */
static int any_one(const event_t *ev, void *ud)
{
    ND_UNUSED(ev);
    ((one_t *)ud)->found = true;
    return C_ERR;
}

typedef struct {
    const char *type;
    bool hit;
} match_t;

static void match_one(const char *t, size_t n, void *ud)
{
    match_t *m = ud;
    if (m->hit) return;
    if (n >= 2 && t[n - 1] == '*') {
        /* "number.*": the object's every type ("number." as a prefix) */
        m->hit = strncmp(m->type, t, n - 1) == 0;
    } else {
        m->hit = strlen(m->type) == n && memcmp(m->type, t, n) == 0;
    }
}

/* Judged by the endpoint's filter as of the event (fan_*: moved by its
 * own change events as the fan-out passes them), not as it is when the
 * fan-out runs: an event made while it was enabled is sent even if it
 * was disabled since, one made while it was disabled never is. */
static bool wants(const wh_endpoint_t *ep, const event_t *ev)
{
    /* an endpoint hears what happened from its creation on, not the
     * history: from its own webhook_endpoint.created event */
    if (!ep->fan_enabled || ep->start_event_id == 0 || ev->id < ep->start_event_id) return false;
    /* a customer's endpoint (and an operator's filtered to an account)
     * gets that account's events only: never another's, never the
     * operator-level ones (no account) */
    if (ep->fan_account[0] && strcmp(ep->fan_account, ev->account_auth_id) != 0) return false;
    /* and a customer's, whatever its filter says, its own account's only
     * (its owner never changes; the filter's text is checked by this too) */
    if (ep->owner_id != HOOK_OPERATOR && ev->account_id != ep->owner_id) return false;
    if (ep->fan_types[0] == '\0') return true;
    match_t m = {ev->type, false};
    for (const char *p = ep->fan_types; *p && !m.hit;) {
        size_t n = strcspn(p, ",");
        match_one(p, n, &m);
        p += n;
        if (*p == ',') p++;
    }
    return m.hit;
}

/* An endpoint's own change event (webhook_endpoint.updated, .disabled)
 * moves its filter as of the fan-out to the event's "after" side, which
 * names the changed fields only (core/events.h).  true when it moved. */
static bool apply_change(wh_endpoint_t *ep, const event_t *ev)
{
    json_t *root = json_loads(ev->data, 0, NULL);
    json_t *after = root ? json_object_get(root, "after") : NULL;
    bool moved = false;
    if (!json_is_object(after)) {
        /* data cut to {"truncated":true} (never for an endpoint's few
         * fields, but): its present state is the best known; the account
         * filter stays (the page read has no auth_id, and "" would be
         * every account's events) */
        ep->fan_enabled = ep->enabled;
        snprintf(ep->fan_types, sizeof ep->fan_types, "%s", ep->event_types);
        json_decref(root);
        return true;
    }
    json_t *v = json_object_get(after, "enabled");
    if (json_is_boolean(v)) {
        ep->fan_enabled = json_is_true(v);
        moved = true;
    }
    /* a text set to "" is written null (ev_data_str): every type, every
     * account */
    v = json_object_get(after, "event_types");
    if (v) {
        snprintf(ep->fan_types, sizeof ep->fan_types, "%s", json_is_string(v) ? json_string_value(v) : "");
        moved = true;
    }
    v = json_object_get(after, "account");
    if (v) {
        snprintf(ep->fan_account, sizeof ep->fan_account, "%s", json_is_string(v) ? json_string_value(v) : "");
        moved = true;
    }
    json_decref(root);
    return moved;
}

typedef struct {
    event_t *evs;
    size_t n;
} evbuf_t;

static int collect(const event_t *ev, void *ud)
{
    evbuf_t *b = ud;
    if (b->n >= HOOK_FANOUT_BATCH) return C_ERR;
    b->evs[b->n++] = *ev;
    return C_OK;
}

/* Why the events are read before the endpoints: an endpoint and its
 * creation event commit together, so every endpoint whose creation event
 * is in this batch (or before it) is visible to the endpoint read that
 * follows; one whose start is still 0 after the batch was made after it,
 * and hears nothing of it. */
static int fan_batch(core_t *c, const evbuf_t *b, wh_endpoint_t *eps, size_t neps, int *made,
                     cerr_t *e)
{
    int64_t now_ms = hook_now_ms();
    bool moved[HOOK_FANOUT_EP_PAGE] = {false};
    for (size_t i = 0; i < b->n; i++) {
        const event_t *ev = &b->evs[i];
        if (strcmp(ev->type, "webhook_endpoint.created") == 0) {
            for (size_t k = 0; k < neps; k++) {
                if (eps[k].start_event_id != 0 || strcmp(eps[k].uid, ev->object_id) != 0) continue;
                eps[k].start_event_id = ev->id;
                int st = c->st->ops->wh_endpoint_start(c->st, eps[k].id, ev->id);
                if (st != ST_OK && st != ST_NOTFOUND) return core_st(e, st, "webhook endpoint");
            }
        } else if (strcmp(ev->object_type, "webhook_endpoint") == 0 &&
                   (strcmp(ev->type, "webhook_endpoint.updated") == 0 ||
                    strcmp(ev->type, "webhook_endpoint.disabled") == 0)) {
            /* before the endpoint's own match below: it hears its own
             * enabling, not its own disabling */
            for (size_t k = 0; k < neps; k++) {
                if (eps[k].start_event_id == 0 || ev->id <= eps[k].start_event_id ||
                    strcmp(eps[k].uid, ev->object_id) != 0)
                    continue;
                if (apply_change(&eps[k], ev)) moved[k] = true;
            }
        }
        for (size_t k = 0; k < neps; k++) {
            if (!wants(&eps[k], ev)) continue;
            wh_delivery_t d = {.endpoint_id = eps[k].id, .event_id = ev->id, .next_at_ms = now_ms,
                               .created_at = clock_now()};
            snprintf(d.event_type, sizeof d.event_type, "%s", ev->type);
            snprintf(d.object_key, sizeof d.object_key, "%s:%s", ev->object_type, ev->object_id);
            if (core_st(e, c->st->ops->wh_delivery_insert(c->st, &d), "webhook delivery") != C_OK)
                return C_ERR;
            (*made)++;
        }
    }
    /* the filters as of the cursor, in the transaction that moves it */
    for (size_t k = 0; k < neps; k++) {
        if (!moved[k]) continue;
        int st = c->st->ops->wh_endpoint_fanned(c->st, eps[k].id, eps[k].fan_enabled,
                                                eps[k].fan_types, eps[k].fan_account);
        if (st != ST_OK && st != ST_NOTFOUND) return core_st(e, st, "webhook endpoint");
    }
    return C_OK;
}

/* What the last look knew: g_idle_gen is the endpoint generation it read
 * before finding no endpoint (-1: it found some), g_ep_gen moves after
 * every commit of this node that may have made one active. */
static atomic_llong g_ep_gen;
static atomic_llong g_idle_gen = -1;

void hook_endpoints_changed(void)
{
    atomic_fetch_add(&g_ep_gen, 1);
    /* the commit's own hook ran before this (inside core_end), while the
     * fan-out still looked idle, and woke no one: wake it now, so that
     * the endpoint's creation event (its start) is read at once, not at
     * the next poll */
    ev_kick();
}

bool hook_fanout_idle(void)
{
    long long idle = atomic_load(&g_idle_gen);
    return idle >= 0 && idle == atomic_load(&g_ep_gen);
}

int hook_fanout(core_t *c, int *made, bool *more, cerr_t *e)
{
    wh_endpoint_t *eps = NULL;
    size_t neps = 0;
    int64_t cursor = 0, next = 0;
    evbuf_t b = {NULL, 0};
    *made = 0;
    *more = false;
    /* idle: a read says so, without a write transaction (whose commit
     * would also count as a write for the caches keyed by core_write_generation) */
    {
        /* no endpoint at all (the common case): nothing to make, and no
         * write (the cursor stays; the first endpoint's fan-out skips the
         * history by its start event).  Asked first, in one prepared
         * statement: every commit that logs an event wakes this look, and
         * the event peek below is a statement built per call (on
         * PostgreSQL parsed and planned each time) -- with the cursor's
         * read, three statements a look where one says there is nothing
         * to do.  An endpoint made here after this read moves g_ep_gen
         * and wakes the next look (hook_endpoints_changed); one made
         * active elsewhere is found by the next poll. */
        wh_endpoint_t one;
        size_t n = 0;
        long long gen = atomic_load(&g_ep_gen);   /* before the read: see hook_fanout_idle */
        int st = c->st->ops->wh_endpoint_page(c->st, 0, 1, &one, &n);
        ids_wipe(&one, sizeof one);
        if (core_st(e, st, "webhook endpoints") != C_OK) return C_ERR;
        atomic_store(&g_idle_gen, n == 0 ? gen : -1);
        if (n == 0) return C_OK;
        event_filter_t peek;
        int64_t pnext = 0;
        one_t o = {0, NULL, false};
        if (core_st(e, c->st->ops->wh_cursor_get(c->st, &cursor), "webhook cursor") != C_OK)
            return C_ERR;
        memset(&peek, 0, sizeof peek);
        peek.after_id = cursor;
        peek.limit = 1;
        if (ev_list(c, &peek, any_one, &o, &pnext, e) != C_OK) return C_ERR;
        if (!o.found) return C_OK;
    }
    if (core_begin(c, e) != C_OK) return C_ERR;
    /* locked until the commit (PostgreSQL: FOR UPDATE): one fan-out at a time */
    int rc = core_st(e, c->st->ops->wh_cursor_get(c->st, &cursor), "webhook cursor");
    if (rc == C_OK) {
        event_filter_t flt;
        memset(&flt, 0, sizeof flt);
        flt.after_id = cursor;
        flt.limit = HOOK_FANOUT_BATCH;
        b.evs = xmalloc(HOOK_FANOUT_BATCH * sizeof *b.evs);
        rc = ev_list(c, &flt, collect, &b, &next, e);
    }
    /* every endpoint, a page at a time, each page matched with the batch
     * (no cap on endpoints: one past a cap never heard anything, and the
     * cursor moved past its events; a helper's review, session 33) */
    if (rc == C_OK && b.n > 0) eps = xmalloc(HOOK_FANOUT_EP_PAGE * sizeof *eps);
    for (int64_t after = 0; eps && rc == C_OK;) {
        rc = core_st(e, c->st->ops->wh_endpoint_page(c->st, after, HOOK_FANOUT_EP_PAGE, eps, &neps),
                     "webhook endpoints");
        if (rc == C_OK && neps) rc = fan_batch(c, &b, eps, neps, made, e);
        if (neps < HOOK_FANOUT_EP_PAGE) break;
        after = eps[neps - 1].id;
    }
    if (rc == C_OK && b.n > 0)
        rc = core_st(e, c->st->ops->wh_cursor_put(c->st, b.evs[b.n - 1].id), "webhook cursor");
    rc = core_end(c, rc, e);
    if (eps) ids_wipe(eps, HOOK_FANOUT_EP_PAGE * sizeof *eps);
    free(eps);
    free(b.evs);
    if (rc != C_OK) *made = 0;
    else *more = next != 0;
    return rc;
}

/* ---- claiming ----------------------------------------------------------------------- */

static int take_one(const event_t *ev, void *ud)
{
    one_t *o = ud;
    if (ev->id == o->id) {
        *o->ev = *ev;
        o->found = true;
    }
    return C_ERR; /* one is enough */
}

/* The delivery's event, by id (NOTFOUND: gone, by retention). */
static int event_by_id(core_t *c, int64_t id, event_t *out, bool *found, cerr_t *e)
{
    event_filter_t flt;
    int64_t next = 0;
    one_t o = {id, out, false};
    memset(&flt, 0, sizeof flt);
    flt.after_id = id - 1;
    flt.limit = 1;
    int rc = ev_list(c, &flt, take_one, &o, &next, e);
    *found = o.found;
    return rc;
}

/* Opens a sealed secret and signs with it, appending to sigs ("a b"). */
static int sign_with(core_t *c, const uint8_t *box, size_t len, hook_job_t *job, cerr_t *e)
{
    char plain[SEC_PLAIN_MAX + 1];
    char sig[HOOK_SIG_SZ];
    size_t n = 0;
    int rc = C_ERR;
    if (c->key == NULL || sec_open(c->key, box, len, plain, &n) != C_OK) {
        rc = cerr(e, CE_INTERNAL, "a webhook secret cannot be opened with the server key");
        goto done;
    }
    plain[n] = '\0';
    if (hook_sign(plain, job->msg_id, job->ts, job->body.data, job->body.len, sig) != C_OK) {
        rc = cerr(e, CE_INTERNAL, "a webhook secret is malformed");
        goto done;
    }
    size_t have = strlen(job->signature);
    snprintf(job->signature + have, sizeof job->signature - have, "%s%s", have ? " " : "", sig);
    rc = C_OK;
done:
    ids_wipe(plain, sizeof plain);
    return rc;
}

static void render_body(const event_t *ev, buf_t *out)
{
    char ts[CLOCK_TS_SZ];
    jw_t w;
    clock_ts(ev->ts, ts);
    jw_init(&w, out);
    jw_obj(&w);
    jw_kstr(&w, "type", ev->type);
    jw_kstr(&w, "timestamp", ts);
    jw_key(&w, "data");
    ev_render(ev, &w);
    jw_obj_end(&w);
}

int hook_claim(core_t *c, int64_t lease_ms, int owner_share, hook_job_t *job, bool *got, cerr_t *e)
{
    wh_endpoint_t ep;
    event_t *ev = xmalloc(sizeof *ev);
    bool found = false;
    int64_t now = hook_now_ms();
    bool due = false;
    *got = false;
    memset(&job->d, 0, sizeof job->d);
    job->signature[0] = '\0';
    buf_reset(&job->body);
    /* idle: a read says so, without a write transaction */
    if (owner_share < 1) owner_share = 1;
    if (core_st(e, c->st->ops->wh_delivery_due(c->st, now, owner_share, &due), "webhook claim") != C_OK) {
        free(ev);
        return C_ERR;
    }
    if (!due) {
        free(ev);
        return C_OK;
    }
    if (core_begin(c, e) != C_OK) {
        free(ev);
        return C_ERR;
    }
    int st = c->st->ops->wh_delivery_claim(c->st, now, now + lease_ms, owner_share, &job->d);
    int rc = st == ST_NOTFOUND ? C_OK : core_st(e, st, "webhook claim");
    if (rc != C_OK || st == ST_NOTFOUND) goto done;
    rc = core_st(e, c->st->ops->wh_endpoint_by_id(c->st, job->d.endpoint_id, &ep), "webhook endpoint");
    if (rc == C_OK) rc = event_by_id(c, job->d.event_id, ev, &found, e);
    if (rc != C_OK) goto done;
    if (!found) {
        /* pruned by retention before it could be sent: nothing to send */
        job->d.state = WHD_FAILED;
        job->d.last_at = clock_now();
        snprintf(job->d.last_error, sizeof job->d.last_error, "the event is no longer in the log");
        rc = core_st(e, c->st->ops->wh_delivery_finish(c->st, &job->d), "webhook delivery");
        goto done;
    }
    job->ep_owner = ep.owner_id;
    job->ep_account = ep.account_id;
    snprintf(job->ep_uid, sizeof job->ep_uid, "%s", ep.uid);
    snprintf(job->url, sizeof job->url, "%s", ep.url);
    snprintf(job->msg_id, sizeof job->msg_id, "%lld", (long long)ev->id);
    job->ts = clock_now();
    render_body(ev, &job->body);
    rc = sign_with(c, ep.secret, ep.secret_len, job, e);
    /* during a rotation's grace both secrets sign: a receiver that still
     * has the old one keeps verifying */
    if (rc == C_OK && ep.old_secret_len && job->ts < ep.old_secret_until)
        rc = sign_with(c, ep.old_secret, ep.old_secret_len, job, e);
    if (rc == C_OK) *got = true;
done:
    free(ev);
    ids_wipe(&ep, sizeof ep);
    /* the lease is committed before anything is sent: another worker or
     * node sees the row taken while this one sends */
    return core_end(c, rc, e);
}

/* ---- outcomes ------------------------------------------------------------------------------ */

int hook_release(core_t *c, hook_job_t *job, cerr_t *e)
{
    /* given back only while this worker still holds the lease (a stale
     * worker's give-back or result, written over another's, sent an
     * object's events out of order) */
    job->d.next_at_ms = hook_now_ms();
    int st = c->st->ops->wh_delivery_finish(c->st, &job->d);
    return st == ST_NOTFOUND ? C_OK : core_st(e, st, "webhook delivery");
}

int hook_finish(core_t *c, hook_job_t *job, int status, const char *err, bool *disabled, cerr_t *e)
{
    wh_delivery_t *d = &job->d;
    int64_t now = clock_now();
    bool ok = status >= 200 && status <= 299;
    int count = 0;
    int64_t since = 0;
    char reason[MODEL_WH_ERROR_SZ] = "";
    if (disabled) *disabled = false;
    d->attempts++;
    d->last_status = status;
    d->last_at = now;
    snprintf(d->last_error, sizeof d->last_error, "%s", ok ? "" : err ? err : "failed");
    if (ok) {
        d->state = WHD_DELIVERED;
        d->delivered_at = now;
    } else {
        int64_t delay = hook_backoff_ms(d->attempts);
        if (delay < 0) {
            d->state = WHD_FAILED;
        } else {
            d->state = WHD_PENDING;
            d->next_at_ms = hook_now_ms() + delay;
        }
    }
    if (core_begin(c, e) != C_OK) return C_ERR;
    int st = c->st->ops->wh_delivery_finish(c->st, d);
    /* NOTFOUND: the endpoint was deleted while this was sent */
    int rc = st == ST_NOTFOUND ? C_OK : core_st(e, st, "webhook delivery");
    if (rc == C_OK && st == ST_OK) {
        st = c->st->ops->wh_endpoint_outcome(c->st, d->endpoint_id, ok, now, &count, &since);
        rc = st == ST_NOTFOUND ? C_OK : core_st(e, st, "webhook endpoint");
    }
    if (rc == C_OK && !ok && st == ST_OK) {
        int64_t day = (int64_t)((double)HOOK_STREAK_SECONDS * hook_backoff_scale());
        /* the schedule's own last attempt: a manual redelivery of a
         * delivery that had failed already (attempts past the schedule)
         * is one more try, whose failure leaves it failed but does not
         * disable an endpoint someone is working on (the run of failures
         * below still counts it) */
        if (d->state == WHD_FAILED && d->attempts == HOOK_ATTEMPTS_MAX)
            snprintf(reason, sizeof reason, "every attempt of delivery %lld failed (%d over %s); last: %.120s",
                     (long long)d->id, d->attempts, "31 hours", d->last_error);
        else if (count >= HOOK_STREAK_MAX && since && now - since >= (day < 1 ? 1 : day))
            snprintf(reason, sizeof reason, "%d failed attempts in a row over more than a day; last: %.120s",
                     count, d->last_error);
    }
    if (rc == C_OK && reason[0]) {
        st = c->st->ops->wh_endpoint_disable(c->st, d->endpoint_id, reason, now);
        if (st == ST_OK) {
            /* one node disables it (conditional update) and says so */
            ev_data_t data;
            ev_data_init(&data);
            ev_data_after_str(&data, "reason", reason);
            ev_data_bool(&data, "enabled", true, false);
            rc = ev_emit(c, "webhook_endpoint.disabled", job->ep_owner,
                         "webhook_endpoint", job->ep_uid, &data, e);
            if (rc == C_OK && disabled) *disabled = true;
        } else if (st != ST_NOTFOUND) {
            rc = core_st(e, st, "webhook endpoint");
        }
    }
    rc = core_end(c, rc, e);
    if (rc == C_OK && disabled && *disabled)
        log_msg(LOG_WARN, "webhook endpoint %s disabled: %s", job->ep_uid, reason);
    return rc;
}

/* ---- retention ----------------------------------------------------------------- */

int hook_retention_run(core_t *c, int days, int max_batches, int64_t *purged, cerr_t *e)
{
    if (purged) *purged = 0;
    if (days <= 0) return C_OK;
    return core_purge(c, c->st->ops->wh_delivery_purge, clock_now() - (int64_t)days * 86400,
                      HOOK_PURGE_BATCH, max_batches, "webhook delivery purge", purged, e);
}
