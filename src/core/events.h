/* events.h -- the event log (issue 18 items 2-3): one row per change of
 * state, written in the transaction that makes the change (a transactional
 * outbox), so an event exists if and only if its change committed.  The
 * audit API, `numberd events` and the webhooks read the same log.
 *
 * Who did it.  The actor of the current call lives in a thread-local
 * context, so that no core signature carries it: the API's auth step sets
 * it (ev_actor_set: an account, a subaccount, an API key, the admin token)
 * with the request's id, the CLI sets "cli", background work "system";
 * whoever set it clears it (ev_actor_clear) when the request ends.  An
 * event emitted with no actor set names actor "system".
 *
 * Emitting.  A write path of the core opens core_begin (they nest), makes
 * its change, and calls ev_emit in that same transaction, before core_end:
 *
 *     if (core_begin(c, e) != C_OK) return C_ERR;
 *     int r = ...the change...;
 *     if (r == C_OK) {
 *         ev_data_t d;
 *         ev_data_init(&d);
 *         ev_data_str(&d, "alias", old.alias, new.alias);   only if it changed
 *         r = ev_emit(c, "number.updated", owner_id, "number", number, &d, e);
 *     }
 *     return core_end(c, r, e);
 *
 * Event types: <object>.<what> -- number.bought, number.activated,
 * number.updated, number.released, number.aged, number.added,
 * number.removed, carrier.created|updated|deleted, gateway.*,
 * application.*, subaccount.*, account.created|updated|suspended|resumed|
 * closed, api_key.created|revoked, auth_token.rotated,
 * inventory.imported, registration.state_changed,
 * webhook_endpoint.created|updated|deleted|secret_rotated|disabled.
 * docs/EVENTS.md lists them with their data.
 *
 * data never holds a secret: no token, key, key hash, password or HA1 is
 * ever given to ev_data_*.  A field that changed and is secret is named
 * with the value "[changed]" (ev_data_secret).
 *
 * Ownership: everything is borrowed for the call; results are written
 * into caller-provided structs.
 */
#ifndef ND_EVENTS_H
#define ND_EVENTS_H

#include "core/core.h"
#include "util/buf.h"
#include "util/jw.h"

/* ---- the actor of the current call (thread-local) ----------------------- */

typedef struct {
    char kind[MODEL_EVENT_AKIND_SZ];      /* account|subaccount|api_key|admin|cli|system */
    char id[MODEL_EVENT_ACTOR_SZ];
    char request_id[MODEL_EVENT_REQID_SZ];
} ev_actor_t;

/* Sets the calling thread's actor (kind one of the six words; id and
 * request_id may be NULL: ""). */
void ev_actor_set(const char *kind, const char *id, const char *request_id);
/* Forgets it (the end of a request). */
void ev_actor_clear(void);
/* A copy of the calling thread's actor (all "" when none), to carry the
 * actor to another thread (the CSV import's close() runs on its own), and
 * its restoring there. */
void ev_actor_get(ev_actor_t *out);
void ev_actor_put(const ev_actor_t *a);

/* ---- what changed --------------------------------------------------------- */

/* The "before" and "after" objects of an event's data, field by field.
 * Each ev_data_* call adds a field to both sides only when the values
 * differ (before NULL: a field being set, after NULL: being removed), so
 * the data names the changed fields only.  ev_emit consumes it. */
typedef struct ev_data {
    buf_t before, after;
    int nb, na;          /* members written to each side */
} ev_data_t;

void ev_data_init(ev_data_t *d);
void ev_data_free(ev_data_t *d);
void ev_data_str(ev_data_t *d, const char *key, const char *before, const char *after);
void ev_data_int(ev_data_t *d, const char *key, int64_t before, int64_t after);
void ev_data_bool(ev_data_t *d, const char *key, bool before, bool after);
/* Only one side (creation: after; deletion: before), whatever the other
 * is; a text that is NULL or "" is left out (not set). */
void ev_data_after_str(ev_data_t *d, const char *key, const char *v);
void ev_data_after_int(ev_data_t *d, const char *key, int64_t v);
void ev_data_after_bool(ev_data_t *d, const char *key, bool v);
void ev_data_before_str(ev_data_t *d, const char *key, const char *v);
/* Forgets the before side: a creation described as the difference from
 * an empty record shows only what it was made with. */
void ev_data_drop_before(ev_data_t *d);
/* A secret that changed (a password set, removed or replaced): the field
 * appears as "[changed]" on the after side, never its value. */
void ev_data_secret(ev_data_t *d, const char *key);
/* A pre-rendered JSON value (an array of addresses) on one side:
 * side 'b' before, 'a' after. */
void ev_data_raw(ev_data_t *d, char side, const char *key, const char *json);

/* ---- emitting -------------------------------------------------------------- */

/* Appends one event in the calling thread's open core transaction (a
 * write path's core_begin): type, the main account it belongs to (0: an
 * operator-level object), the object as the API names it, and d (NULL:
 * no data; consumed either way), with the thread's actor and request id.
 * C_ERR (CE_UNAVAILABLE) when the store fails: the caller's core_end then
 * rolls the change back, so a change is never committed without its
 * event.  Called outside a transaction it writes the event in one of its
 * own and logs that a write path forgot core_begin. */
int ev_emit(core_t *c, const char *type, int64_t account_id, const char *object_type,
            const char *object_id, ev_data_t *d, cerr_t *e);

/* Called (on the committing thread, right after the commit) whenever an
 * outermost transaction that appended at least one event has committed:
 * an in-process follower (the webhooks' deliverer) wakes at once instead
 * of waiting for its next poll.  Other nodes' events do not call it
 * (their readers poll).  NULL: none.
 * Set once, before serving. */
void ev_set_commit_hook(void (*fn)(void));
/* Calls that hook as such a commit would (after a commit whose events the
 * follower may have skipped: hook_endpoints_changed). */
void ev_kick(void);

/* A carrier's registration moved from one state to another (SIP.md §5):
 * one event registration.state_changed in a transaction of its own, for
 * the registration client (src/sipreg), whose state writes are not
 * requests.  carrier_uuid: the carrier's BYOC id; account_id 0 for an
 * upstream carrier; reason may be NULL. */
int ev_registration_changed(core_t *c, int64_t account_id, const char *carrier_uuid,
                            const char *from, const char *to, const char *reason, cerr_t *e);

/* ---- reading ----------------------------------------------------------------- */

#define EV_LIST_MAX 1000         /* the cap of a page */
#define EV_LIST_DEFAULT 100

/* One event of a list (C_OK: go on). */
typedef int (*ev_cb)(const event_t *ev, void *ud);

/* The events matching f (ascending id, after f->after_id), at most
 * f->limit (0: EV_LIST_DEFAULT; more than EV_LIST_MAX: CE_INVALID), each
 * handed to cb.  *next: the cursor of the next page (the last id handed
 * out) when there are more events past this page, else 0. */
int ev_list(core_t *c, const event_filter_t *f, ev_cb cb, void *ud, int64_t *next, cerr_t *e);

/* Text filters of a list, checked (a type is [a-z_.]; ids printable
 * ASCII) and copied into f: CE_INVALID naming the parameter. */
int ev_filter_text(const char *param, const char *v, char *out, size_t outsz, cerr_t *e);
/* The same for an object type (one of the objects events are about:
 * EVENTS.md) and an event type ("object.event", or "object." for every
 * type of one object): a typo is CE_INVALID naming what is known, not an
 * empty list that reads as "nothing happened" (a helper's audit,
 * session 38). */
int ev_filter_object_type(const char *param, const char *v, char *out, size_t outsz, cerr_t *e);
int ev_filter_type(const char *param, const char *v, char *out, size_t outsz, cerr_t *e);
/* Whether t (n bytes) is a type numberd emits (EVENTS.md's table, kept in
 * events.c: ev_emit refuses any other, so the list cannot fall behind);
 * with every_of, "object" + every_of ("number.*", "number.") for a known
 * object is one too. */
bool ev_type_known(const char *t, size_t n, const char *every_of);

/* The account filter: f->account_id of main account auth_id (CE_INVALID
 * "invalid <param>" for anything else: a subaccount's events are its main
 * account's, filtered by object or actor). */
int ev_filter_account(core_t *c, const char *param, const char *auth_id, event_filter_t *f,
                      cerr_t *e);
/* "KIND" or "KIND:ID" (admin, cli, system, account:MA..., api_key:12)
 * into f->actor_kind / f->actor_id: CE_INVALID naming param. */
int ev_filter_actor(const char *param, const char *v, event_filter_t *f, cerr_t *e);
/* A time: unix seconds, "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC):
 * CE_INVALID naming param. */
int ev_parse_time(const char *param, const char *v, int64_t *out, cerr_t *e);
/* ev_parse_time into f's since (until false) or until, marked given:
 * v NULL leaves that side open. */
int ev_filter_time(const char *param, const char *v, bool until, event_filter_t *f, cerr_t *e);

/* ---- retention ----------------------------------------------------------------- */

#define EV_RETENTION_DEFAULT 365 /* days (--event-retention; 0: keep forever) */
#define EV_PURGE_BATCH 1000      /* events deleted per transaction */

/* Deletes events older than days (0: nothing), in transactions of
 * EV_PURGE_BATCH, at most max_batches of them (so a background step stays
 * short; it runs again later for the rest); *purged (may be NULL) gets
 * how many. */
int ev_retention_run(core_t *c, int days, int max_batches, int64_t *purged, cerr_t *e);

/* ---- rendering (shared by the audit API and the CLI) --------------------- */

/* An event as one JSON object, written to w as a value: {"id","time"
 * (ISO 8601),"ts","type","account" (auth_id or null),"object_type",
 * "object_id","actor":{"kind","id"},"request_id","data"}.  data is the
 * stored JSON text, written as is (ev_emit made it). */
void ev_render(const event_t *ev, jw_t *w);

#endif
