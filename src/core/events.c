/* events.c -- the event log: the thread's actor, the before/after data of a
 * change, appending in the caller's transaction, lists, retention
 * (events.h says what each does and why). */
#include "core/events.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core_int.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/redact.h"

/* ---- the actor ------------------------------------------------------------- */

static _Thread_local ev_actor_t t_actor;

/* s into out[sz], cut to sz - 1 bytes as snprintf would ("%s" walked it a
 * byte at a time: six of them were 3,600 instructions of an event) */
static void copy(char *out, size_t sz, const char *s)
{
    size_t n = s ? strnlen(s, sz - 1) : 0;
    if (n) memcpy(out, s, n);
    out[n] = '\0';
}

void ev_actor_set(const char *kind, const char *id, const char *request_id)
{
    copy(t_actor.kind, sizeof t_actor.kind, kind);
    copy(t_actor.id, sizeof t_actor.id, id);
    copy(t_actor.request_id, sizeof t_actor.request_id, request_id);
}

void ev_actor_clear(void) { memset(&t_actor, 0, sizeof t_actor); }

void ev_actor_get(ev_actor_t *out) { *out = t_actor; }

void ev_actor_put(const ev_actor_t *a) { t_actor = *a; }

/* ---- what changed ------------------------------------------------------------ */

void ev_data_init(ev_data_t *d)
{
    memset(d, 0, sizeof *d);
    d->before = (buf_t)BUF_INIT;
    d->after = (buf_t)BUF_INIT;
}

void ev_data_free(ev_data_t *d)
{
    buf_free(&d->before);
    buf_free(&d->after);
    d->nb = d->na = 0;
}

/* "key": at the end of one side's members */
static void member(buf_t *b, int *n, const char *key)
{
    if ((*n)++) buf_putc(b, ',');
    buf_json_str(b, key, strlen(key));
    buf_putc(b, ':');
}

/* Every text value goes through util/redact: a callback URL may carry a
 * password in its userinfo (https://user:secret@host/), which the event
 * log must not keep. */
static void put_str(buf_t *b, int *n, const char *key, const char *v)
{
    member(b, n, key);
    if (v) {
        char *r = redact_dup(v);
        buf_json_str(b, r, strlen(r));
        free(r);
    } else {
        buf_puts(b, "null");
    }
}

void ev_data_str(ev_data_t *d, const char *key, const char *before, const char *after)
{
    /* NULL and "" both mean "not set" */
    const char *b = before && *before ? before : NULL, *a = after && *after ? after : NULL;
    if ((b == NULL && a == NULL) || (b && a && strcmp(b, a) == 0)) return;
    put_str(&d->before, &d->nb, key, b);
    put_str(&d->after, &d->na, key, a);
}

void ev_data_int(ev_data_t *d, const char *key, int64_t before, int64_t after)
{
    if (before == after) return;
    member(&d->before, &d->nb, key);
    buf_printf(&d->before, "%lld", (long long)before);
    member(&d->after, &d->na, key);
    buf_printf(&d->after, "%lld", (long long)after);
}

void ev_data_bool(ev_data_t *d, const char *key, bool before, bool after)
{
    if (before == after) return;
    member(&d->before, &d->nb, key);
    buf_puts(&d->before, before ? "true" : "false");
    member(&d->after, &d->na, key);
    buf_puts(&d->after, after ? "true" : "false");
}

void ev_data_after_str(ev_data_t *d, const char *key, const char *v)
{
    if (v && *v) put_str(&d->after, &d->na, key, v);
}

void ev_data_after_int(ev_data_t *d, const char *key, int64_t v)
{
    member(&d->after, &d->na, key);
    buf_printf(&d->after, "%lld", (long long)v);
}

void ev_data_after_bool(ev_data_t *d, const char *key, bool v)
{
    member(&d->after, &d->na, key);
    buf_puts(&d->after, v ? "true" : "false");
}

void ev_data_before_str(ev_data_t *d, const char *key, const char *v)
{
    if (v && *v) put_str(&d->before, &d->nb, key, v);
}

void ev_data_drop_before(ev_data_t *d)
{
    buf_reset(&d->before);
    d->nb = 0;
}

void ev_data_secret(ev_data_t *d, const char *key)
{
    put_str(&d->after, &d->na, key, "[changed]");
}

void ev_data_raw(ev_data_t *d, char side, const char *key, const char *json)
{
    buf_t *b = side == 'b' ? &d->before : &d->after;
    int *n = side == 'b' ? &d->nb : &d->na;
    member(b, n, key);
    buf_puts(b, json && *json ? json : "null");
}

/* {"before":{...},"after":{...}}, each side only when it has members */
static void data_json(const ev_data_t *d, char *out, size_t sz)
{
    buf_t b = BUF_INIT;
    buf_putc(&b, '{');
    if (d && d->nb) BUF_CAT(&b, "\"before\":{", d->before.data, "}");
    if (d && d->na) BUF_CAT(&b, d->nb ? "," : "", "\"after\":{", d->after.data, "}");
    buf_putc(&b, '}');
    /* a carrier with many gateways could outgrow the column's record:
     * say so rather than store JSON cut in the middle */
    if (b.len >= sz) snprintf(out, sz, "{\"truncated\":true}");
    else memcpy(out, b.data, b.len + 1);
    buf_free(&b);
}

/* ---- the commit hook ------------------------------------------------------- */

static void (*g_commit_hook)(void);
static _Thread_local int t_emitted; /* events appended in the open transaction */

void ev_set_commit_hook(void (*fn)(void)) { g_commit_hook = fn; }

void ev_kick(void)
{
    if (g_commit_hook) g_commit_hook();
}

void ev_tx_end(bool committed)
{
    bool any = t_emitted > 0;
    t_emitted = 0;
    /* the hook's readers look on connections of their own: told once the
     * events are durable (a batch's end) */
    if (committed && any) core_on_durable(g_commit_hook);
}

/* ---- emitting ---------------------------------------------------------------- */

int ev_emit(core_t *c, const char *type, int64_t account_id, const char *object_type,
            const char *object_id, ev_data_t *d, cerr_t *e)
{
    event_t ev;
    /* all but data (8 KiB, which data_json writes whole): zeroing all of
     * it was 8,600 instructions of every write.  data must stay the last
     * member (what follows it would be left as it was): the assertion
     * allows only the struct's tail padding after it */
    _Static_assert(offsetof(event_t, data) + sizeof ev.data + _Alignof(event_t) > sizeof ev,
                   "data is event_t's last member");
    /* a type missing from k_types would be one no filter can name: the
     * change that emits it fails its own tests instead */
    if (!ev_type_known(type, strlen(type), NULL))
        return cerr(e, CE_INTERNAL, "event type %.40s is not in core/events.c's k_types", type);
    memset(&ev, 0, offsetof(event_t, data));
    ev.ts = clock_now();
    copy(ev.type, sizeof ev.type, type);
    ev.account_id = account_id;
    copy(ev.object_type, sizeof ev.object_type, object_type);
    copy(ev.object_id, sizeof ev.object_id, object_id);
    if (t_actor.kind[0]) {
        copy(ev.actor_kind, sizeof ev.actor_kind, t_actor.kind);
        copy(ev.actor_id, sizeof ev.actor_id, t_actor.id);
        copy(ev.request_id, sizeof ev.request_id, t_actor.request_id);
    } else {
        copy(ev.actor_kind, sizeof ev.actor_kind, "system");
    }
    data_json(d, ev.data, sizeof ev.data);
    if (d) ev_data_free(d);

    bool own = core_tx_depth() == 0;
    if (own) {
        /* a write path that forgot core_begin: its change is already
         * committed, so the event cannot be atomic with it; write it
         * anyway, and say so (a bug to fix where it is logged) */
        log_msg(LOG_ERROR, "event %s of %s %s emitted outside a transaction", ev.type,
                ev.object_type, ev.object_id);
        if (core_begin(c, e) != C_OK) return C_ERR;
    }
    int r = core_st(e, c->st->ops->event_append(c->st, &ev), "event log");
    if (r == C_OK) t_emitted++;
    return own ? core_end(c, r, e) : r;
}

int ev_registration_changed(core_t *c, int64_t account_id, const char *carrier_uuid,
                            const char *from, const char *to, const char *reason, cerr_t *e)
{
    ev_data_t d;
    ev_data_init(&d);
    ev_data_str(&d, "state", from, to);
    if (reason && *reason) ev_data_after_str(&d, "reason", reason);
    if (core_begin(c, e) != C_OK) {
        ev_data_free(&d);
        return C_ERR;
    }
    /* the registration client's thread has no actor of its own */
    bool own = t_actor.kind[0] == '\0';
    if (own) ev_actor_set("system", "sip-registration", NULL);
    int r = ev_emit(c, "registration.state_changed", account_id, "carrier", carrier_uuid, &d, e);
    if (own) ev_actor_clear();
    return core_end(c, r, e);
}

/* ---- reading ----------------------------------------------------------------- */

typedef struct {
    ev_cb cb;
    void *ud;
    int limit, seen;
    int64_t last;
    bool more;
} list_walk_t;

static int list_one(const event_t *ev, void *arg)
{
    list_walk_t *w = arg;
    if (w->seen == w->limit) { /* the one past the page: there is more */
        w->more = true;
        return C_ERR;
    }
    w->seen++;
    w->last = ev->id;
    return w->cb(ev, w->ud) == C_OK ? C_OK : C_ERR;
}

int ev_list(core_t *c, const event_filter_t *f, ev_cb cb, void *ud, int64_t *next, cerr_t *e)
{
    *next = 0;
    if (f->limit < 0 || f->limit > EV_LIST_MAX)
        return cerr(e, CE_INVALID, "invalid limit: 1 to %d", EV_LIST_MAX);
    if (f->has_since && f->has_until && f->until <= f->since)
        return cerr(e, CE_INVALID, "invalid time range: until must be after since");
    event_filter_t q = *f;
    list_walk_t w = {cb, ud, f->limit ? f->limit : EV_LIST_DEFAULT, 0, 0, false};
    q.limit = w.limit + 1; /* one more than the page: is there a next one? */
    if (core_st(e, c->st->ops->event_list(c->st, &q, list_one, &w), "event list") != C_OK)
        return C_ERR;
    if (w.more) *next = w.last;
    return C_OK;
}

int ev_filter_text(const char *param, const char *v, char *out, size_t outsz, cerr_t *e)
{
    size_t n = v ? strlen(v) : 0;
    out[0] = '\0';
    if (n == 0) return C_OK;
    if (n >= outsz) return cerr(e, CE_INVALID, "invalid %s: at most %zu characters", param, outsz - 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch <= 0x20 || ch >= 0x7f)
            return cerr(e, CE_INVALID, "invalid %s: printable ASCII without spaces", param);
    }
    /* a number as the BYOC dialect shows it (+14155550100): its events
     * name it by its digits, as every dialect's number ids do */
    if (strcmp(param, "object_id") == 0 && v[0] == '+' && n > 1 && nd_all_digits(v + 1, n - 1)) {
        v++;
        n--;
    }
    memcpy(out, v, n + 1);
    return C_OK;
}

/* The objects events are about, and the heads of event types: the
 * objects, and auth_token and registration, whose events are about an
 * account and a carrier (EVENTS.md). */
static const char *const k_objects[] = {"account", "subaccount", "number", "carrier", "gateway",
                                        "application", "api_key", "compliance", "inventory",
                                        "webhook_endpoint"};
#define EV_OBJECTS_TEXT                                                                            \
    "account, subaccount, number, carrier, gateway, application, api_key, compliance, inventory or " \
    "webhook_endpoint"

/* Every type ev_emit is given: EVENTS.md's "Types" table.  A filter
 * naming another (a typo: "number.boguht") is refused, not kept to match
 * nothing for ever (a webhook endpoint's, a helper's audit, session 40). */
static const char *const k_types[] = {
    "number.bought", "number.activated", "number.updated", "number.released", "number.aged",
    "number.added", "number.removed",
    "carrier.created", "carrier.updated", "carrier.deleted",
    "gateway.created", "gateway.updated", "gateway.deleted",
    "application.created", "application.updated", "application.deleted",
    "subaccount.created", "subaccount.updated", "subaccount.deleted",
    "account.created", "account.suspended", "account.resumed", "account.closed",
    "api_key.created", "api_key.revoked",
    "auth_token.rotated",
    "compliance.created",
    "inventory.imported",
    "registration.state_changed",
    "webhook_endpoint.created", "webhook_endpoint.updated", "webhook_endpoint.secret_rotated",
    "webhook_endpoint.deleted", "webhook_endpoint.disabled",
};

static bool known_head(const char *v, size_t n, bool type);

bool ev_type_known(const char *t, size_t n, const char *every_of)
{
    for (size_t i = 0; i < ND_ARRAY_LEN(k_types); i++)
        if (strlen(k_types[i]) == n && memcmp(k_types[i], t, n) == 0) return true;
    if (!every_of) return false;
    size_t k = strlen(every_of);
    return n > k && memcmp(t + n - k, every_of, k) == 0 && known_head(t, n - k, true);
}

static bool known_head(const char *v, size_t n, bool type)
{
    for (size_t i = 0; i < ND_ARRAY_LEN(k_objects); i++)
        if (strlen(k_objects[i]) == n && memcmp(k_objects[i], v, n) == 0) return true;
    return type && ((n == 10 && memcmp(v, "auth_token", 10) == 0) ||
                    (n == 12 && memcmp(v, "registration", 12) == 0));
}

int ev_filter_object_type(const char *param, const char *v, char *out, size_t outsz, cerr_t *e)
{
    if (ev_filter_text(param, v, out, outsz, e) != C_OK) return C_ERR;
    if (out[0] == '\0' || known_head(out, strlen(out), false)) return C_OK;
    out[0] = '\0';
    return cerr(e, CE_INVALID, "invalid %s: %.40s is no object of an event (want " EV_OBJECTS_TEXT ")",
                param, v);
}

int ev_filter_type(const char *param, const char *v, char *out, size_t outsz, cerr_t *e)
{
    if (ev_filter_text(param, v, out, outsz, e) != C_OK) return C_ERR;
    if (out[0] == '\0') return C_OK;
    if (ev_type_known(out, strlen(out), ".")) return C_OK;
    out[0] = '\0';
    return cerr(e, CE_INVALID, "invalid %s: %.40s is no event type (want one of docs/EVENTS.md, e.g. "
                "number.bought, or object. for every type of one object)", param, v);
}

int ev_filter_account(core_t *c, const char *param, const char *auth_id, event_filter_t *f,
                      cerr_t *e)
{
    account_t a;
    if (!auth_id || !ids_is_auth_id(auth_id, strlen(auth_id)) || auth_id[0] != 'M')
        return cerr(e, CE_INVALID, "invalid %s: want a main account's auth_id (MA...)", param);
    int rc = c->st->ops->account_by_auth_id(c->st, auth_id, &a);
    if (rc == ST_NOTFOUND || (rc == ST_OK && a.parent_id))
        return cerr(e, CE_INVALID, "invalid %s: no account %s", param, auth_id);
    if (rc != ST_OK) return core_st(e, rc, NULL);
    f->account_id = a.id;
    return C_OK;
}

int ev_filter_actor(const char *param, const char *v, event_filter_t *f, cerr_t *e)
{
    static const char *const kinds[] = {"account", "subaccount", "api_key", "admin", "cli", "system"};
    const char *colon = v ? strchr(v, ':') : NULL;
    size_t kn = v ? (colon ? (size_t)(colon - v) : strlen(v)) : 0;
    bool known = false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strlen(kinds[i]) == kn && memcmp(kinds[i], v, kn) == 0) known = true;
    if (!known)
        return cerr(e, CE_INVALID, "invalid %s: want KIND or KIND:ID, KIND one of account, "
                    "subaccount, api_key, admin, cli, system", param);
    memcpy(f->actor_kind, v, kn);
    f->actor_kind[kn] = '\0';
    if (colon) return ev_filter_text(param, colon + 1, f->actor_id, sizeof f->actor_id, e);
    f->actor_id[0] = '\0';
    return C_OK;
}

int ev_parse_time(const char *param, const char *v, int64_t *out, cerr_t *e)
{
    size_t n = v ? strlen(v) : 0;
    if (n >= 1 && n <= 12 && nd_all_digits(v, n)) {
        *out = strtoll(v, NULL, 10);
        return C_OK;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    char z = 0, extra = 0;
    int got = n == 10 ? sscanf(v, "%4d-%2d-%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &extra)
                      : sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2d%c%c", &tm.tm_year, &tm.tm_mon,
                               &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z, &extra);
    bool ok = (n == 10 && got == 3 && clock_valid_date(v, 10)) ||
              (n == 20 && got == 7 && z == 'Z' && clock_valid_date(v, 10) && tm.tm_hour < 24 &&
               tm.tm_min < 60 && tm.tm_sec < 60);
    if (!ok)
        return cerr(e, CE_INVALID, "invalid %s: want unix seconds, YYYY-MM-DD or "
                    "YYYY-MM-DDTHH:MM:SSZ", param);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = (int64_t)timegm(&tm);
    return C_OK;
}

int ev_filter_time(const char *param, const char *v, bool until, event_filter_t *f, cerr_t *e)
{
    if (!v) return C_OK;
    if (ev_parse_time(param, v, until ? &f->until : &f->since, e) != C_OK) return C_ERR;
    if (until) f->has_until = true;
    else f->has_since = true;
    return C_OK;
}

/* ---- retention ----------------------------------------------------------------- */

int ev_retention_run(core_t *c, int days, int max_batches, int64_t *purged, cerr_t *e)
{
    if (purged) *purged = 0;
    if (days <= 0) return C_OK;
    return core_purge(c, c->st->ops->event_purge, clock_now() - (int64_t)days * 86400,
                      EV_PURGE_BATCH, max_batches, "event purge", purged, e);
}

/* ---- rendering -------------------------------------------------------------------- */

void ev_render(const event_t *ev, jw_t *w)
{
    char ts[CLOCK_TS_SZ];
    clock_ts(ev->ts, ts);
    jw_obj(w);
    jw_kint(w, "id", ev->id);
    jw_kstr(w, "time", ts);
    jw_kint(w, "ts", ev->ts);
    jw_kstr(w, "type", ev->type);
    jw_kstr_or_null(w, "account", ev->account_auth_id[0] ? ev->account_auth_id : NULL);
    jw_kstr(w, "object_type", ev->object_type);
    jw_kstr(w, "object_id", ev->object_id);
    jw_key(w, "actor");
    jw_obj(w);
    jw_kstr(w, "kind", ev->actor_kind);
    jw_kstr_or_null(w, "id", ev->actor_id[0] ? ev->actor_id : NULL);
    jw_obj_end(w);
    jw_kstr_or_null(w, "request_id", ev->request_id[0] ? ev->request_id : NULL);
    jw_key(w, "data");
    const char *data = ev->data[0] ? ev->data : "{}";
    jw_raw(w, data, strlen(data));
    jw_obj_end(w);
}
