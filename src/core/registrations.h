/* registrations.h -- the core side of SIP registration (SIP.md §5): which
 * `reg` carriers exist, their passwords for the client, the stored state
 * every node shows, and the lock that makes one node register a carrier.
 * The SIP work itself is src/sipreg/ (a thread of `numberd serve`).
 *
 * Ownership: carriers a function fills are the caller's (carrier_clear);
 * status records are plain values. */
#ifndef ND_REGISTRATIONS_H
#define ND_REGISTRATIONS_H

#include "core/core.h"
#include "core/secrets.h"

/* "registering", "registered", "failed", "unregistered". */
const char *reg_state_name(reg_state_t s);
/* C_ERR: not one of the names above. */
int reg_state_parse(const char *s, reg_state_t *out);

/* A page of every account's `reg` carriers with id > after_id, by id
 * (rows has room for limit). */
int reg_carriers_page(core_t *c, int64_t after_id, int limit, carrier_t *rows, size_t *n,
                      cerr_t *e);
/* A fingerprint of the set of `reg` carriers: equal = nothing changed. */
int reg_carriers_sig(core_t *c, int64_t sig[3], cerr_t *e);
/* The carrier's registration password in plain (NUL-terminated in
 * out[SEC_PLAIN_MAX + 1]); the caller wipes it after use. */
int reg_password(core_t *c, const carrier_t *cr, char out[SEC_PLAIN_MAX + 1], cerr_t *e);

int reg_status_save(core_t *c, const reg_status_t *r, cerr_t *e);
/* A stored "registered" whose binding expired by now is shown
 * unregistered ("the binding expired: no node renewed it"): the node that
 * registered it stopped (killed, or every node runs without
 * --sip-listen), and nobody else refreshes it.  A live client stores its
 * own change long before: it refreshes at 45 % of the expiry. */
void reg_status_settle(reg_status_t *r, int64_t now);
#define REG_EXPIRED_REASON "the binding expired: no node renewed it"
/* What reg_status_settle shows, stored, with its event
 * (registration.state_changed registered -> unregistered, actor the
 * caller's): every registration stored registered whose binding has
 * expired, up to 1,000 a run.  The sweep runs it, on every node; a row its
 * registering node renews meanwhile is left alone.  *n how many. */
int reg_expire_run(core_t *c, int64_t *n, cerr_t *e);
/* *found false (and C_OK) when the carrier has no stored state yet; the
 * state as shown (reg_status_settle). */
int reg_status_of(core_t *c, int64_t carrier_id, reg_status_t *out, bool *found, cerr_t *e);
/* The admin list: state NULL = any ("registering", ...), account NULL =
 * any (a main account's auth_id).  CE_INVALID for a bad state; an unknown
 * account gives an empty list. */
int reg_status_list(core_t *c, const char *state, const char *account, int limit, int offset,
                    reg_status_t *rows, size_t *n, int64_t *total, cerr_t *e);

/* Which node registers a carrier: the holder of its bucket's lock.  A
 * lock a bucket, not a carrier: a session's advisory locks take
 * PostgreSQL's shared lock table (64 a connection by default, the whole
 * cluster's), which a node registering 10,000 carriers filled -- and then
 * every lock of every session failed, "out of shared memory". */
#define REG_LOCK_BUCKETS 64
static inline int reg_lock_bucket(int64_t carrier_id) { return (int)(carrier_id % REG_LOCK_BUCKETS); }
int reg_lock_try(core_t *c, int bucket, bool *got, cerr_t *e);
void reg_unlock(core_t *c, int bucket);
/* Whether this node is the one that probes the gateways (a lock, taken
 * if free; held until this node's session ends). */
int health_lock_try(core_t *c, bool *got, cerr_t *e);

/* ---- gateway health (SIP.md §6) ---- */

#define HEALTH_INTERVAL_DEFAULT 30
#define HEALTH_INTERVAL_MIN 1
#define HEALTH_INTERVAL_MAX 3600
#define HEALTH_DOWN_AFTER 3      /* consecutive misses */
#define HEALTH_GW_MAX 64         /* gateways shown per carrier */

/* "unknown", "up", "down". */
const char *gw_state_name(gw_state_t s);
/* Turns OPTIONS probing of the caller's carrier ref on (interval seconds,
 * HEALTH_INTERVAL_MIN..MAX) or off (interval 0).  CE_NOTFOUND, CE_INVALID. */
int health_set(core_t *c, const account_t *caller, const char *ref, int interval, cerr_t *e);
/* The same for an upstream carrier (the operator's, SIP.md §1): ref is its
 * id or name. */
int health_set_upstream(core_t *c, const char *ref, int interval, cerr_t *e);
/* A carrier's probing interval (0: off) and its gateways' stored states
 * (rows has room for HEALTH_GW_MAX). */
int health_of(core_t *c, int64_t carrier_id, int *interval, gw_health_t *rows, size_t *n, cerr_t *e);
/* What a carrier's full answer shows beside its record: the registration
 * client's stored state (a `reg` carrier; reg_found false: nobody has
 * tried it yet, SIP.md §5) and its gateways' health (interval 0: not
 * probed, SIP.md §6).  They are read here, before anything is rendered,
 * so that a database fault answers the request as the fault (C_ERR,
 * CE_UNAVAILABLE: 503) -- read while rendering, a fault showed as
 * "registration_status": null or "health_check": null, a 200 saying
 * something false.  h is owned (carrier_sip_clear). */
typedef struct carrier_sip {
    bool reg_found;
    reg_status_t reg;
    int interval;
    gw_health_t *h;          /* interval > 0: HEALTH_GW_MAX rows; else NULL */
    size_t nh;
} carrier_sip_t;

int carrier_sip_of(core_t *c, const carrier_t *cr, carrier_sip_t *out, cerr_t *e);
/* The same for rows[0..n) into out[0..n); on C_ERR nothing in out is
 * left to clear. */
int carrier_sip_rows(core_t *c, const carrier_t *rows, size_t n, carrier_sip_t *out, cerr_t *e);
/* Frees what s holds (a zeroed or cleared s: nothing; clearing twice is
 * harmless). */
void carrier_sip_clear(carrier_sip_t *s);
void carrier_sip_clear_rows(carrier_sip_t *rows, size_t n);
/* Gateway g's stored health row in s; NULL: never probed (or s NULL). */
const gw_health_t *carrier_sip_health(const carrier_sip_t *s, const gateway_t *g);

/* Every outbound gateway to probe (rows has room for max). */
int health_targets(core_t *c, int max, probe_target_t *rows, size_t *n, cerr_t *e);
int health_save(core_t *c, const gw_health_t *h, cerr_t *e);
/* Stored `down`s that no prober renews any more (no node with
 * --sip-listen, or none reaching the database) back to unknown: a state
 * nobody keeps must not keep a gateway out of every node's routes.  The
 * sweep runs it; *n how many (logged by the caller). */
int health_expire_run(core_t *c, int64_t *n, cerr_t *e);

/* One write transaction around a batch of reg_status_save / health_save
 * calls (the client's loop: one commit, one fsync, per turn instead of one
 * per registration).  Not nested; begun and ended on the same thread.
 * reg_batch_end commits: C_OK, what the batch saved is kept (or there was
 * no batch, BEGIN having failed: each save committed by itself); C_ERR,
 * all of it rolled back (the registration client saves its states again;
 * a gateway's health is stored at its next probe). */
void reg_batch_begin(core_t *c);
int reg_batch_end(core_t *c);

/* A carrier was created, changed or deleted on this node: the
 * registration client looks again at once instead of at its next poll.
 * reg_kick_seq() is what the client compares. */
void reg_kick(void);
uint64_t reg_kick_seq(void);

#endif
