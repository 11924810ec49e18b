/* webhooks.h -- webhook endpoints and their deliveries (issue 18 item 4;
 * docs/WEBHOOKS.md is the user's side).
 *
 * The rules, once:
 * - An endpoint belongs to the operator (owner 0: the admin API; every
 *   account's events, or one account's) or to a main account (its own
 *   events only, never another's).  It has a URL (http or https), a list
 *   of event types (none: every type; "number.*": every type of an
 *   object), an enabled flag and a signing secret.
 * - A secret is "whsec_" + base64 of HOOK_KEY_BYTES random bytes; it is
 *   shown once (creation, rotation) and stored sealed under the server key.
 *   A rotation keeps the old secret for a grace period during which every
 *   delivery carries both signatures ("v1,<new> v1,<old>").
 * - Signing is Standard Webhooks': HMAC-SHA256 with the decoded secret
 *   over "<webhook-id>.<webhook-timestamp>.<body>", base64.  webhook-id is
 *   the event's id (stable across retries and redeliveries).
 * - Deliveries are at-least-once: one row per (endpoint, event), made by
 *   the fan-out (hook_fanout) in the transaction that moves its cursor in
 *   the event log; a worker claims a due row under a lease, sends it,
 *   records the outcome.  A failed attempt is retried on HOOK_BACKOFF's
 *   schedule (over 25 hours, with jitter); an object's events go to an
 *   endpoint in event order (a later one waits while an earlier one is
 *   pending).  When every attempt of a delivery failed, or the endpoint
 *   has failed HOOK_STREAK_MAX times in a row over more than a day, the
 *   endpoint is disabled and an event webhook_endpoint.disabled written.
 * - SSRF: a target that is (or resolves to) a loopback, private,
 *   link-local, unique-local, CGNAT, unspecified, multicast or reserved
 *   address is refused unless the operator allows private targets
 *   (hook_set_allow_private, `serve --webhook-allow-private`).  The core
 *   refuses such literal addresses at registration; src/webhook checks
 *   every resolved address at delivery and pins the connection to it.
 *
 * Ownership: everything is written into caller structs and buffers;
 * secrets handed out (HOOK_SECRET_SZ buffers) are the caller's to wipe
 * (ids_wipe) once rendered.
 */
#ifndef ND_WEBHOOKS_H
#define ND_WEBHOOKS_H

#include "core/core.h"
#include "core/net.h"
#include "util/buf.h"

#define HOOK_KEY_BYTES 24
#define HOOK_SECRET_SZ 48          /* "whsec_" + 32 base64 + NUL (room to spare) */
#define HOOK_SIG_SZ 64             /* "v1," + 44 base64 + NUL */
#define HOOK_SIGS_SZ (2 * HOOK_SIG_SZ)
#define HOOK_TYPES_MAX 32          /* event types per endpoint */
#define HOOK_TYPE_LEN_MAX 63
#define HOOK_DESC_MAX 64
#define HOOK_GRACE_MAX (7LL * 86400)   /* a rotation's grace: up to 7 days */
#define HOOK_GRACE_DEFAULT 86400
#define HOOK_LIST_MAX 100
#define HOOK_ENDPOINTS_MAX 16      /* a customer's endpoints (each is a delivery per event) */
#define HOOK_OPERATOR_ENDPOINTS_MAX 1000 /* the operator's (one per account it follows, say) */
#define HOOK_ATTEMPTS_MAX 8        /* the first and seven retries */
#define HOOK_STREAK_MAX 20         /* failures in a row ... */
#define HOOK_STREAK_SECONDS 86400  /* ... over more than a day: disabled */
#define HOOK_FANOUT_BATCH 200      /* events per fan-out transaction */
#define HOOK_FANOUT_EP_PAGE 256    /* endpoints the fan-out reads at once (it reads them all) */

/* The owner of an endpoint as its caller is: HOOK_OPERATOR (the admin
 * API), or a main account's row id. */
#define HOOK_OPERATOR 0

/* ---- policy (set once by `serve`, before anything is delivered) -------- */

void hook_set_allow_private(bool allow);
/* The wall clock in milliseconds (deliveries' next_at and leases; the
 * real clock, never NUMBERD_FAKE_NOW: leases are between live nodes). */
int64_t hook_now_ms(void);
bool hook_allow_private(void);
/* NUMBERD_WEBHOOK_BACKOFF_SCALE (test only): a factor in (0, 1] on every
 * delay of the retry schedule and on the day of HOOK_STREAK_SECONDS, read
 * once; 1 otherwise. */
double hook_backoff_scale(void);
/* The delay before attempt n+1 when attempt n (1-based) failed, in ms,
 * scaled, with +-20 % jitter; -1 when n was the last (HOOK_ATTEMPTS_MAX). */
int64_t hook_backoff_ms(int attempt);

/* ---- URLs and addresses --------------------------------------------------- */

typedef struct {
    bool https;
    char host[NET_HOST_SZ];        /* a name (lower case) or an address's text, no brackets */
    bool host_is_ip;
    net_ip_t ip;                   /* when host_is_ip */
    unsigned port;
} hook_url_t;

/* An http(s) URL (the scheme in any case) of at most 512 bytes,
 * printable ASCII, no userinfo, a host name or IP address ([v6] in
 * brackets), an optional port.  A host a resolver would read as an IPv4
 * address not written a.b.c.d (0x7f000001, 0177.0.0.1, 127.1) is refused.
 * C_ERR with CE_INVALID "invalid url: <why>". */
int hook_url_parse(const char *url, hook_url_t *out, cerr_t *e);

/* ---- secrets and signatures ------------------------------------------------- */

/* A new secret: "whsec_" + base64(HOOK_KEY_BYTES random bytes). */
void hook_secret_new(char out[HOOK_SECRET_SZ]);
/* "v1,<base64 HMAC-SHA256>" of "<msg_id>.<ts>.<body>" with the key the
 * secret (whsec_...) encodes.  C_ERR when secret is not one. */
int hook_sign(const char *secret, const char *msg_id, int64_t ts, const char *body, size_t n,
              char out[HOOK_SIG_SZ]);

/* ---- endpoints ---------------------------------------------------------------- */

/* What a create or an update gives; NULL / -1 members are "not given". */
typedef struct {
    const char *url;
    const char *description;
    const char *const *types;      /* ntypes event types; types NULL: not given */
    size_t ntypes;
    int enabled;                   /* -1: not given */
    const char *account;           /* operator only: an auth_id ("" : every account) */
} hook_in_t;

/* owner: HOOK_OPERATOR or a main account's id.  secret: shown once. */
int hook_endpoint_create(core_t *c, int64_t owner, const hook_in_t *in, wh_endpoint_t *out,
                         char secret[HOOK_SECRET_SZ], cerr_t *e);
/* owner -1: any endpoint (the operator sees customers' too), else only
 * that owner's; CE_NOTFOUND otherwise. */
int hook_endpoint_get(core_t *c, int64_t owner, const char *uid, wh_endpoint_t *out, cerr_t *e);
int hook_endpoint_list(core_t *c, int64_t owner, int limit, int offset, wh_endpoint_t *rows,
                       size_t *nrows, int64_t *total, cerr_t *e);
/* Enabling a disabled endpoint clears its failure run and reason. */
int hook_endpoint_update(core_t *c, int64_t owner, const char *uid, const hook_in_t *in,
                         wh_endpoint_t *out, cerr_t *e);
int hook_endpoint_delete(core_t *c, int64_t owner, const char *uid, cerr_t *e);
/* A new secret; the old one stays valid (and signs too) for grace
 * seconds (0: it stops at once). */
int hook_endpoint_rotate(core_t *c, int64_t owner, const char *uid, int64_t grace,
                         wh_endpoint_t *out, char secret[HOOK_SECRET_SZ], cerr_t *e);
/* The event types of an endpoint, one by one (C_OK: go on). */
void hook_types_each(const wh_endpoint_t *ep, void (*fn)(const char *type, size_t n, void *ud),
                     void *ud);

/* ---- the delivery log ------------------------------------------------------------- */

/* state: -1 any, or a whd_state_t */
int hook_delivery_list(core_t *c, int64_t owner, const char *uid, int state, int limit,
                       int offset, wh_delivery_t *rows, size_t *nrows, int64_t *total, cerr_t *e);
/* Manual redelivery: the delivery is pending again, due now (its
 * webhook-id stays the event's).  The endpoint must be enabled. */
int hook_delivery_retry(core_t *c, int64_t owner, const char *uid, const char *delivery_id,
                        wh_delivery_t *out, cerr_t *e);
const char *hook_state_name(whd_state_t s);
/* Retention: the settled deliveries (delivered, failed) created more
 * than days ago (0: none) are deleted, with the event log's retention
 * (ev_retention_run, the same --event-retention): a delivery names an
 * event, and once the event is gone nothing could be sent again.  So are
 * a disabled endpoint's pending ones (never claimed); an enabled one's
 * are kept (the claim fails them when their event is gone).
 * In transactions of HOOK_PURGE_BATCH, at most max_batches; *purged (may
 * be NULL) gets how many. */
#define HOOK_PURGE_BATCH 1000
int hook_retention_run(core_t *c, int days, int max_batches, int64_t *purged, cerr_t *e);

/* ---- delivery (src/webhook's workers) ------------------------------------------------ */

/* The event log into deliveries: the events after the cursor (at most
 * HOOK_FANOUT_BATCH) become one pending delivery per endpoint that
 * wanted the event when it was made (enabled, its types, its account:
 * the endpoint's filter as of the event, which its own change events
 * move as they are passed), in one transaction with the cursor's move.
 * *made: rows made; *more: events may remain past the batch. */
int hook_fanout(core_t *c, int *made, bool *more, cerr_t *e);
/* true when the last hook_fanout found no active endpoint and nothing
 * committed on this node since could have made one (hook_endpoints_changed):
 * a look woken by a commit would find nothing to do.  An endpoint made
 * active on another node is found by the next look the poll makes. */
bool hook_fanout_idle(void);
/* Called after a commit that may have made an endpoint active (create,
 * update, rotate): the fan-out is no longer idle, and is woken. */
void hook_endpoints_changed(void);

/* One claimed delivery, ready to send. */
typedef struct {
    wh_delivery_t d;
    int64_t ep_owner;              /* the endpoint's owner and account (its event) */
    int64_t ep_account;
    char ep_uid[MODEL_WH_UID_SZ];
    char url[MODEL_URL_SZ];
    char msg_id[32];               /* webhook-id: "evt_<event id>" */
    int64_t ts;                    /* webhook-timestamp */
    char signature[HOOK_SIGS_SZ];  /* webhook-signature */
    buf_t body;                    /* {type, timestamp, data}: the caller buf_free()s it */
} hook_job_t;

/* Claims a due delivery under a lease of lease_ms and prepares it: body
 * rendered, signed with the endpoint's secret(s).  *got false: none due.
 * Fair between receivers: never a second delivery of an endpoint while
 * one is in flight, and never one of a customer's endpoint while that
 * customer (the endpoint's owner) has owner_share (>= 1) in flight, on
 * any node -- one account's receivers that hang hold at most that many
 * senders.  A delivery whose event is gone (retention) is closed as
 * failed. */
int hook_claim(core_t *c, int64_t lease_ms, int owner_share, hook_job_t *job, bool *got, cerr_t *e);
/* Gives a claimed delivery back unsent (the server is stopping): due now,
 * its lease cleared, no attempt counted. */
int hook_release(core_t *c, hook_job_t *job, cerr_t *e);
/* Records an attempt: status the HTTP status (0: none), err the reason of
 * a failure (NULL for a 2xx).  Schedules the retry, or closes the delivery
 * and, on persistent failure, disables the endpoint with its event.
 * *disabled (may be NULL): this call disabled it. */
int hook_finish(core_t *c, hook_job_t *job, int status, const char *err, bool *disabled,
                cerr_t *e);

#endif
