/* sbcfeed.c -- the SBC index's loader and change feed (see sbcfeed.h).
 *
 * One mutex (f->lock) serialises catch-ups and reloads: whoever holds it
 * reads the log past the mark, re-reads each changed row, and applies them
 * as one index write (a lookup sees the batch whole or not at all).  Rows
 * are re-read, not taken from the log: the log says what changed, the
 * table says what it is now, so applying a change twice, or late, is
 * harmless. */
#include "core/sbcfeed.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core_int.h"
#include "core/net.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"

#define FEED_BATCH 1000          /* log rows read per round */
/* a run's numbers are read in one sbc_numbers call */
_Static_assert(FEED_BATCH <= STORE_SBC_NUMBERS_MAX, "a run's numbers in one call");
#define PRUNE_AFTER 3600         /* log rows kept this long (s) */
/* Read the log this often even without a notification: a LISTEN connection
 * whose peer vanished without closing it (a partition) looks alive until
 * TCP gives up; this bounds how long its missed NOTIFYs can go unapplied. */
#define SAFETY_CATCHUP_S 2
/* A lookup that arrives before the first full load waits this long for it,
 * then answers 503: serve listens at once (the API does not wait for an
 * index of millions of numbers: 14 s at 5,000,000), and a lookup in the
 * first instants of a small index's load is answered, not refused. */
#define FIRST_LOAD_WAIT_MS 2000
/* After a catch-up that a change started, the feed's thread waits this
 * long before it looks for the next: the commits meanwhile are then one
 * catch-up, not one each.  Under a stream of writes a catch-up per commit
 * was three statements per write on PostgreSQL (the prune mark, the log,
 * the changed row), a third of the statements of a purchase there:
 * purchases ran 1.12 x without them.  Other nodes' writes reach the index
 * this much later at most (a lookup on another node saw a write in 2.7-3.7
 * ms instead of 2.3, median; SIP.md allows a second), as do other
 * processes' on this host (the CLI's); this process's own commits, which
 * it counts (the stores' sbc_version), reach a lookup at once
 * (sbcfeed_sync applies them first).  20 ms gave no more purchases, and
 * a median of 17.7 ms across nodes. */
#define FEED_COALESCE_MS 5

struct sbcfeed {
    core_t *c;
    sbc_index_t *idx;
    pthread_mutex_t lock;        /* catch-ups and reloads */
    atomic_uint_fast64_t version;/* store's sbc_version at the last catch-up */
    atomic_bool stop;
    pthread_t thread;
    bool thread_started;
    int64_t last_prune;
    sbcfeed_stats_t stats;       /* under lock */
    /* the first full load, done by the feed's thread: lookups wait on
     * loaded_cv (its own mutex: f->lock is held for the whole load) */
    atomic_bool loaded;
    pthread_mutex_t load_mu;
    pthread_cond_t loaded_cv;
};

/* ---- rows -> index records --------------------------------------------- */

static uint32_t id32(int64_t v)
{
    return v > 0 && v <= UINT32_MAX ? (uint32_t)v : 0;
}

static uint64_t app_key(const char *s)
{
    uint64_t v = 0;
    size_t n = strlen(s);
    if (n == 0 || n > 17) return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    return v;
}

static int put_account(sbc_write_t *w, const account_t *a, const char **why)
{
    sbc_account_t x;
    memset(&x, 0, sizeof x);
    x.id = id32(a->id);
    x.parent = id32(a->parent_id);
    /* suspended (credentials answer 403, numbers kept): its calls are
     * refused as "account suspended" too, like a disabled subaccount's */
    x.status = !a->enabled || a->status == ACCT_CLOSED ? SBC_ACCT_DISABLED
               : a->status == ACCT_SUSPENDED           ? SBC_ACCT_SUSPENDED
                                                       : SBC_ACCT_ACTIVE;
    snprintf(x.auth_id, sizeof x.auth_id, "%s", a->auth_id);
    if (!x.id) {
        *why = "account id out of range";
        return C_ERR;
    }
    return sbc_w_account_put(w, &x, why);
}

static int put_app(sbc_write_t *w, const app_t *a, const char **why)
{
    sbc_app_t x;
    memset(&x, 0, sizeof x);
    x.app_id = app_key(a->app_id);
    x.account = id32(a->account_id);
    x.sub = id32(a->sub_id);
    snprintf(x.app_id_text, sizeof x.app_id_text, "%s", a->app_id);
    snprintf(x.answer_method, sizeof x.answer_method, "%s", a->answer_method);
    x.answer_url = a->answer_url;
    x.sip_uri = "";
    if (!x.app_id) {
        *why = "app_id is not 1-17 digits";
        return C_ERR;
    }
    return sbc_w_app_put(w, &x, why);
}

/* serve --sip-allow-private (sbcfeed_set_allow_private) */
static atomic_bool g_allow_private;

void sbcfeed_set_allow_private(bool allow)
{
    atomic_store(&g_allow_private, allow);
}

/* Is g a customer's outbound gateway at a loopback, private, link-local
 * ... literal address, which the SBC must not be sent to?  The same rule
 * as the registration client's and the prober's (SIP-REGISTRATION.md):
 * a customer must not make numberd's SBC send SIP into the operator's
 * network.  A host name is the SBC's to resolve (DEPLOYMENT.md). */
static bool refused_route(const carrier_t *cr, const gateway_t *g)
{
    if (cr->account_id == 0 || atomic_load(&g_allow_private)) return false;
    net_ip_t ip;
    if (net_parse_ip(g->address, strlen(g->address), &ip, NULL) != C_OK) return false;
    const char *bad = net_ip_internal(&ip);
    if (bad) log_msg(LOG_DEBUG, "sbc: carrier %s gateway %s is no route: %s", cr->uuid, g->address, bad);
    return bad != NULL;
}

static int put_carrier(sbc_write_t *w, const carrier_t *cr, const char **why)
{
    /* one more inbound slot: a reg trunk's registrar (below) */
    sbc_gw_in_t *in = xcalloc(cr->ngw + 1, sizeof *in);
    sbc_gw_out_t *out = xcalloc(cr->ngw ? cr->ngw : 1, sizeof *out);
    sbc_carrier_t x;
    memset(&x, 0, sizeof x);
    x.id = id32(cr->id);
    x.account = id32(cr->account_id);
    x.sub = id32(cr->sub_id);
    x.kind = cr->account_id == 0 ? SBC_KIND_UPSTREAM
             : cr->incoming      ? SBC_KIND_INCOMING
                                 : SBC_KIND_BYOC;
    x.trunk = (uint8_t)cr->trunk;
    x.no_voice = !cr->voice;
    x.name = cr->name;
    x.pub_id = cr->uuid;
    x.pub_sid = cr->voip_sid;
    x.pub_num = cr->carrier_id;
    x.in_user = cr->in_user;
    x.in_box = cr->in_box;
    x.in_box_len = (uint16_t)cr->in_box_len;
    x.out_user = cr->out_user[0] ? cr->out_user : cr->reg_user;
    x.out_realm = cr->out_user[0] ? cr->out_realm : cr->reg_realm;
    x.out_box = cr->out_user[0] ? cr->out_box : cr->reg_box;
    x.out_box_len = (uint16_t)(cr->out_user[0] ? cr->out_box_len : cr->reg_box_len);
    for (size_t i = 0; i < cr->ngw; i++) {
        const gateway_t *g = &cr->gw[i];
        if (g->inbound) {
            net_ip_t ip;
            if (net_parse_ip(g->address, strlen(g->address), &ip, NULL) == C_OK) {
                sbc_gw_in_t *s = &in[x.n_in++];
                s->addr.family = ip.family;
                memcpy(s->addr.addr, ip.addr, sizeof s->addr.addr);
                s->plen = g->netmask;
                s->port = (uint16_t)g->port;
                snprintf(s->sid, sizeof s->sid, "%s", g->sid);
            }
        }
        /* a range stored before carrier_check refused one as outbound
         * is never a destination (its network address is nobody) */
        if (g->outbound && !carrier_gw_range(g) && !refused_route(cr, g)) {
            sbc_gw_out_t *s = &out[x.n_out++];
            s->host = g->address;
            s->port = (uint16_t)g->port;
            s->transport = g->transport == GW_TP_TCP ? SBC_TP_TCP : SBC_TP_UDP;
            /* stored by the prober of whichever node probes it (SIP.md
             * §6); a flip logs the carrier as changed (0011_sip_edge) */
            s->down = g->down;
            snprintf(s->sid, sizeof s->sid, "%s", g->sid);
        }
    }
    /* SIP.md §3: a registered trunk's calls come from its registrar, so
     * the address the registration client resolved (stored with its state,
     * logged as a carrier change when it changes) is one more inbound
     * gateway of the carrier, a host prefix with no sid */
    net_ip_t rip;
    if (cr->trunk == TRUNK_REG && cr->registrar_ip[0] &&
        net_parse_ip(cr->registrar_ip, strlen(cr->registrar_ip), &rip, NULL) == C_OK) {
        sbc_gw_in_t *s = &in[x.n_in++];
        s->addr.family = rip.family;
        memcpy(s->addr.addr, rip.addr, sizeof s->addr.addr);
        s->plen = rip.family == 4 ? 32 : 128;
        s->port = 0;
        s->sid[0] = '\0';
    }
    x.in = in;
    x.out = out;
    int rc = x.id ? sbc_w_carrier_put(w, &x, why) : C_ERR;
    if (!x.id) *why = "carrier id out of range";
    free(in);
    free(out);
    return rc;
}

static int put_number(sbc_write_t *w, const sbc_numrow_t *n, const char **why)
{
    sbc_number_t x;
    memset(&x, 0, sizeof x);
    if (sbc_number_key(n->number, strlen(n->number), &x.number) != C_OK) {
        *why = "number is not E.164 digits";
        return C_ERR;
    }
    x.state = NUM_ACTIVE;
    x.no_voice = !n->voice;
    x.owner = id32(n->owner_id);
    x.sub = id32(n->sub_id);
    x.carrier = id32(n->carrier_id);
    x.app = app_key(n->app_id);
    if (n->byoc_id[0]) sbc_uuid_parse(n->byoc_id, strlen(n->byoc_id), x.sid);
    return sbc_w_number_put(w, &x, why);
}

/* ---- full load ------------------------------------------------------------ */

typedef struct {
    sbc_index_t *idx;
    sbc_write_t *w;
    const char *why;
    size_t bad;          /* rows the index refused (logged, counted) */
    atomic_bool *stop;   /* the feed's: a stop ends the load at the next row */
} load_t;

/* Commits the staged batch when it is full, so that a 5,000,000-number load
 * never stages more than SBC_MAX_BATCH deltas. */
static int load_room(load_t *l)
{
    /* a stop (serve's, or a failed start's) does not wait for the rest of
     * a load that can take 14 s at 5,000,000 numbers */
    if (atomic_load_explicit(l->stop, memory_order_relaxed)) {
        l->why = "stopping";
        return C_ERR;
    }
    if (sbc_write_staged(l->w) < SBC_MAX_BATCH - 1) return C_OK;
    if (sbc_write_commit(l->w, &l->why) != C_OK) {
        l->w = NULL;
        return C_ERR;
    }
    return sbc_write_begin(l->idx, &l->w);
}

static int load_result(load_t *l, int rc, const char *what)
{
    if (rc == C_OK) return C_OK;
    /* a row the index refuses (a cap) is logged and left out: the rest of
     * the index is still exact, and that row's calls are refused */
    log_msg(LOG_ERROR, "sbc: %s left out of the index: %s", what, l->why);
    l->bad++;
    return load_room(l);
}

static int ld_account(const account_t *a, void *ud)
{
    load_t *l = ud;
    return load_result(l, put_account(l->w, a, &l->why), "an account") == C_OK ? load_room(l) : C_ERR;
}
static int ld_app(const app_t *a, void *ud)
{
    load_t *l = ud;
    return load_result(l, put_app(l->w, a, &l->why), "an application") == C_OK ? load_room(l) : C_ERR;
}
static int ld_carrier(const carrier_t *c, void *ud)
{
    load_t *l = ud;
    return load_result(l, put_carrier(l->w, c, &l->why), "a carrier") == C_OK ? load_room(l) : C_ERR;
}
static int ld_number(const sbc_numrow_t *n, void *ud)
{
    load_t *l = ud;
    return load_result(l, put_number(l->w, n, &l->why), "a number") == C_OK ? load_room(l) : C_ERR;
}

static double now_s(void)
{
    return (double)clock_mono_ns() / 1e9;
}

static int catch_up_locked(sbcfeed_t *f);

/* A fresh index from the database, then swapped in whole.  Under f->lock. */
static int reload_locked(sbcfeed_t *f)
{
    double t0 = now_s();
    sbc_index_t *fresh = sbc_index_new();
    load_t l = {.idx = fresh, .stop = &f->stop};
    int64_t seq = 0;
    int rc = sbc_write_begin(fresh, &l.w);
    if (rc == C_OK) {
        store_sbc_load_t cb = {ld_account, ld_app, ld_carrier, ld_number, &l};
        uint64_t v = 0;
        f->c->st->ops->sbc_version(f->c->st, &v);
        rc = f->c->st->ops->sbc_load(f->c->st, &cb, &seq) == ST_OK ? C_OK : C_ERR;
        if (rc == C_OK) f->version = v;
    }
    if (l.w) {
        if (rc == C_OK) rc = sbc_write_commit(l.w, &l.why);
        else sbc_write_abort(l.w);
    }
    if (rc != C_OK) {
        if (!atomic_load(&f->stop))
            log_msg(LOG_ERROR, "sbc: index load failed%s%s", l.why ? ": " : "", l.why ? l.why : "");
        sbc_index_free(fresh);
        sbc_index_set_current(f->idx, false);
        return C_ERR;
    }
    sbc_index_set_mark(fresh, (uint64_t)seq);
    sbc_index_set_current(fresh, true);
    sbc_index_replace(f->idx, fresh);
    f->stats.reloads++;
    f->stats.last_reload_seconds = now_s() - t0;
    f->stats.last_reload_at = clock_now();
    sbc_stats_t st;
    sbc_index_stats(f->idx, &st);
    log_msg(LOG_INFO, "sbc: index loaded in %.2f s: %zu numbers, %zu carriers, %zu prefixes, "
            "%zu accounts, %zu apps, %.1f MiB", f->stats.last_reload_seconds, st.numbers,
            st.carriers, st.prefixes, st.accounts, st.apps, (double)st.bytes_total / 1048576.0);
    /* what committed during the load */
    return catch_up_locked(f);
}

/* ---- catching up with the log -------------------------------------------- */

typedef struct {
    sbc_change_t *ch;
    bool *later;   /* later[i]: ch[i] is named again after i in the run (mark_later) */
    size_t n;
} batch_t;

static int collect(const sbc_change_t *ch, void *ud)
{
    batch_t *b = ud;
    b->ch[b->n++] = *ch;
    return C_OK;
}

typedef struct {
    sbc_write_t *w;
    const char *why;
    int rc;
} upnum_t;

static int up_number(const sbc_numrow_t *n, void *ud)
{
    upnum_t *u = ud;
    if (put_number(u->w, n, &u->why) != C_OK) u->rc = C_ERR;
    return u->rc;
}

/* The active rows of a run's changed numbers, read in one call before
 * the run is applied (sbc_numbers), sorted by number.  Read before the
 * run's other changes are re-read, where each was read at its turn: a
 * number changed again meanwhile may go in older than a carrier read
 * after it, until the run that logged its newer change -- as any change
 * committed during a catch-up. */
typedef struct {
    sbc_numrow_t *row;
    size_t n, cap;
} numset_t;

static int numset_add(const sbc_numrow_t *r, void *ud)
{
    numset_t *s = ud;
    if (s->n == s->cap) return C_ERR; /* each number asked once: never */
    s->row[s->n++] = *r;
    return C_OK;
}

static int numrow_cmp(const void *a, const void *b)
{
    return strcmp(((const sbc_numrow_t *)a)->number, ((const sbc_numrow_t *)b)->number);
}

static int numkey_cmp(const void *key, const void *row)
{
    return strcmp(key, ((const sbc_numrow_t *)row)->number);
}

/* Which changes of b are named again later in it: only the last of each
 * is applied, one re-read per row however often the run names it.  Once
 * a run (the numbers' read and the apply both ask). */
static void mark_later(batch_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        b->later[i] = false;
        for (size_t j = i + 1; j < b->n && !b->later[i]; j++)
            b->later[i] = b->ch[j].kind == b->ch[i].kind && strcmp(b->ch[j].key, b->ch[i].key) == 0;
    }
}

/* Reads the active rows of the numbers b changes into *s (the caller
 * frees s->row).  ST_OK, or the store's failure. */
static int numset_read(store_t *st, const batch_t *b, numset_t *s)
{
    const char **keys = xcalloc(b->n ? b->n : 1, sizeof *keys);
    size_t nk = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->ch[i].kind == 'n' && !b->later[i]) keys[nk++] = b->ch[i].key;
    s->row = xcalloc(nk ? nk : 1, sizeof *s->row);
    s->n = 0;
    s->cap = nk;
    int rc = nk ? st->ops->sbc_numbers(st, keys, nk, numset_add, s) : ST_OK;
    free(keys);
    if (rc == ST_OK) qsort(s->row, s->n, sizeof *s->row, numrow_cmp);
    return rc;
}

/* Re-reads one changed row into w (a number's row is in nums already).
 * C_ERR: the database failed or the index refused it (*why). */
static int apply_one(sbcfeed_t *f, sbc_write_t *w, const sbc_change_t *ch, const numset_t *nums,
                     const char **why)
{
    store_t *st = f->c->st;
    int rc;
    switch (ch->kind) {
    case 'n': {
        const sbc_numrow_t *n = bsearch(ch->key, nums->row, nums->n, sizeof *nums->row, numkey_cmp);
        if (n) return put_number(w, n, why);
        uint64_t key;
        if (sbc_number_key(ch->key, strlen(ch->key), &key) == C_OK)
            return sbc_w_number_del(w, key, why);
        rc = ST_NOTFOUND;
        break;
    }
    case 'c': {
        carrier_t cr;
        int64_t id = strtoll(ch->key, NULL, 10);
        rc = st->ops->sbc_carrier(st, id, &cr);
        if (rc == ST_OK) {
            int r = put_carrier(w, &cr, why);
            carrier_clear(&cr);
            return r;
        }
        if (rc == ST_NOTFOUND) return sbc_w_carrier_del(w, id32(id), why);
        break;
    }
    case 'u': {
        upnum_t u = {w, NULL, C_OK};
        rc = st->ops->sbc_upstream_numbers(st, ch->key, up_number, &u);
        if (rc == ST_OK && u.rc == C_OK) return C_OK;
        if (u.why) *why = u.why;
        break;
    }
    case 'a': {
        account_t a;
        int64_t id = strtoll(ch->key, NULL, 10);
        rc = st->ops->account_by_id(st, id, &a);
        if (rc == ST_OK) return put_account(w, &a, why);
        if (rc == ST_NOTFOUND) return sbc_w_account_del(w, id32(id), why);
        break;
    }
    case 'p': {
        app_t a;
        rc = st->ops->sbc_app(st, ch->key, &a);
        if (rc == ST_OK) return put_app(w, &a, why);
        if (rc == ST_NOTFOUND) return sbc_w_app_del(w, app_key(ch->key), why);
        break;
    }
    default:
        *why = "unknown change kind";
        return C_ERR;
    }
    *why = "database error while re-reading a change";
    return C_ERR;
}

/* Applies the log past the mark.  Under f->lock.  On failure the index is
 * marked not current (lookups answer 503) and C_ERR returned; the next
 * catch-up starts from the same mark. */
static int catch_up_locked(sbcfeed_t *f)
{
    store_t *st = f->c->st;
    batch_t b = {xcalloc(FEED_BATCH, sizeof *b.ch), xcalloc(FEED_BATCH, sizeof *b.later), 0};
    int ret = C_OK;
    f->stats.catchups++;
    for (;;) {
        int64_t mark = (int64_t)sbc_index_mark(f->idx);
        b.n = 0;
        int rc = st->ops->sbc_changes(st, mark, FEED_BATCH, collect, &b);
        if (rc == ST_NOTFOUND) {
            /* pruned past our mark: only a full reload is exact */
            log_msg(LOG_WARN, "sbc: change log pruned past mark %lld: reloading", (long long)mark);
            free(b.ch);
            free(b.later);
            return reload_locked(f);
        }
        if (rc != ST_OK) {
            ret = C_ERR;
            break;
        }
        if (b.n == 0) break;
        mark_later(&b);
        sbc_write_t *w;
        const char *why = NULL;
        numset_t nums = {NULL, 0, 0};
        if (numset_read(st, &b, &nums) != ST_OK) {
            log_msg(LOG_ERROR, "sbc: changes not applied: database error while re-reading numbers");
            free(nums.row);
            ret = C_ERR;
            break;
        }
        if (sbc_write_begin(f->idx, &w) != C_OK) {
            free(nums.row);
            ret = C_ERR;
            break;
        }
        for (size_t i = 0; i < b.n && ret == C_OK; i++) {
            if (!b.later[i] && apply_one(f, w, &b.ch[i], &nums, &why) != C_OK) {
                log_msg(LOG_ERROR, "sbc: change %lld (%c %s) not applied: %s",
                        (long long)b.ch[i].seq, b.ch[i].kind, b.ch[i].key, why ? why : "?");
                ret = C_ERR;
            }
        }
        free(nums.row);
        if (ret != C_OK) {
            sbc_write_abort(w);
            break;
        }
        if (sbc_write_commit(w, &why) != C_OK) {
            log_msg(LOG_ERROR, "sbc: changes not applied: %s", why ? why : "?");
            ret = C_ERR;
            break;
        }
        sbc_index_set_mark(f->idx, (uint64_t)b.ch[b.n - 1].seq);
        f->stats.changes += b.n;
        if (b.n < FEED_BATCH) break;
    }
    free(b.ch);
    free(b.later);
    sbc_index_set_current(f->idx, ret == C_OK);
    f->stats.mark = (int64_t)sbc_index_mark(f->idx);
    return ret;
}

/* Waits (bounded) for the first load: C_ERR when it is not in yet. */
static int wait_loaded(sbcfeed_t *f)
{
    struct timespec until = clock_deadline_ms(FIRST_LOAD_WAIT_MS);
    pthread_mutex_lock(&f->load_mu);
    while (!f->loaded && !f->stop && pthread_cond_timedwait(&f->loaded_cv, &f->load_mu, &until) == 0) {}
    pthread_mutex_unlock(&f->load_mu);
    return f->loaded ? C_OK : C_ERR;
}

int sbcfeed_sync(sbcfeed_t *f)
{
    store_t *st = f->c->st;
    uint64_t v;
    if (!f->loaded && wait_loaded(f) != C_OK) return C_ERR;
    if (st->ops->sbc_version(st, &v) != ST_OK) {
        sbc_index_set_current(f->idx, false);
        return C_ERR;
    }
    if (v == f->version && sbc_index_current(f->idx)) return C_OK;
    pthread_mutex_lock(&f->lock);
    int rc = C_OK;
    /* another thread may have caught up meanwhile; the version is read
     * before the log, so a commit in between is seen next time */
    if (v != f->version || !sbc_index_current(f->idx)) {
        rc = catch_up_locked(f);
        if (rc == C_OK) f->version = v;
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

/* ---- the feed's thread: other nodes' changes, pruning --------------------- */

/* Sleeps ms milliseconds in steps of at most 10 ms, returning early once
 * stopping. */
static void nap_unless_stopped(sbcfeed_t *f, long ms)
{
    for (long waited = 0; waited < ms && !f->stop; waited += 10) {
        long step = ms - waited < 10 ? ms - waited : 10;
        struct timespec ts = {0, step * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* The first full load; retried every second while the database fails
 * (lookups answer 503 meanwhile).  Returns false when stopped first. */
static bool first_load(sbcfeed_t *f)
{
    /* tests only (sbc.test.js): hold the first load back, so that the
     * "loading" state can be observed; 0-10,000 ms, anything else ignored */
    const char *d = getenv("NUMBERD_TEST_SBC_LOAD_DELAY_MS");
    long delay = d ? strtol(d, NULL, 10) : 0;
    if (delay > 0 && delay <= 10000) nap_unless_stopped(f, delay);
    for (int tries = 0; !f->stop; tries++) {
        pthread_mutex_lock(&f->lock);
        int rc = reload_locked(f);
        pthread_mutex_unlock(&f->lock);
        if (rc == C_OK) {
            pthread_mutex_lock(&f->load_mu);
            f->loaded = true;
            pthread_cond_broadcast(&f->loaded_cv);
            pthread_mutex_unlock(&f->load_mu);
            return true;
        }
        if (tries == 0) log_msg(LOG_WARN, "sbc: the index could not be loaded: lookups answer 503, retrying every second");
        nap_unless_stopped(f, 1000);
    }
    return false;
}

/* The first load runs on a thread of its own, below the request threads
 * (nd_thread_background): serve's first answers come before it on a busy
 * core, and only SBC lookups wait for it.  The feed's own thread stays at
 * the server's priority: a change must reach the index at once. */
static void *first_load_main(void *arg)
{
    nd_thread_background();
    return first_load(arg) ? arg : NULL;
}

static void *feed_main(void *arg)
{
    sbcfeed_t *f = arg;
    store_t *st = f->c->st;
    bool lost = false;
    pthread_t loader;
    void *loaded = NULL;
    if (pthread_create(&loader, NULL, first_load_main, f) == 0) pthread_join(loader, &loaded);
    else loaded = first_load(f) ? f : NULL;
    if (!loaded) return NULL;
    int64_t last_catchup = clock_now();
    while (!f->stop) {
        bool changed = false;
        if (st->ops->sbc_wait(st, 250, &changed) != ST_OK) {
            /* the LISTEN connection is gone: notifications may be lost
             * from now on, so the index cannot be trusted until it is back */
            if (!lost) log_msg(LOG_WARN, "sbc: change feed lost: lookups answer 503 until it is back");
            lost = true;
            sbc_index_set_current(f->idx, false);
            continue;
        }
        if (lost) log_msg(LOG_INFO, "sbc: change feed back: catching up");
        int64_t now = clock_now();
        if (changed || lost || !sbc_index_current(f->idx) || now - last_catchup >= SAFETY_CATCHUP_S) {
            pthread_mutex_lock(&f->lock);
            if (catch_up_locked(f) == C_OK) lost = false;
            pthread_mutex_unlock(&f->lock);
            last_catchup = now;
            if (changed) nap_unless_stopped(f, FEED_COALESCE_MS);
        }
        if (now - f->last_prune >= 60) {
            f->last_prune = now;
            if (st->ops->sbc_prune(st, now - PRUNE_AFTER) != ST_OK)
                log_msg(LOG_WARN, "sbc: pruning the change log failed");
        }
    }
    return NULL;
}

int sbcfeed_prune(core_t *c, cerr_t *e)
{
    return core_st(e, c->st->ops->sbc_prune(c->st, clock_now() - PRUNE_AFTER), "prune the SBC change log");
}

int sbcfeed_start(core_t *c, sbcfeed_t **out, cerr_t *e)
{
    sbcfeed_t *f = xcalloc(1, sizeof *f);
    f->c = c;
    f->idx = sbc_index_new();
    f->last_prune = clock_now();
    pthread_mutex_init(&f->lock, NULL);
    pthread_mutex_init(&f->load_mu, NULL);
    pthread_cond_init(&f->loaded_cv, NULL);
    atomic_init(&f->loaded, false);
    /* the full load runs on the feed's thread (first_load): serve listens
     * meanwhile, and lookups wait for it (wait_loaded) */
    if (pthread_create(&f->thread, NULL, feed_main, f) != 0) {
        sbcfeed_stop(f);
        return cerr(e, CE_INTERNAL, "cannot start the SBC change feed thread");
    }
    f->thread_started = true;
    *out = f;
    return C_OK;
}

void sbcfeed_stop(sbcfeed_t *f)
{
    if (!f) return;
    f->stop = true;
    pthread_mutex_lock(&f->load_mu);
    pthread_cond_broadcast(&f->loaded_cv);  /* lookups waiting for the first load */
    pthread_mutex_unlock(&f->load_mu);
    if (f->thread_started) pthread_join(f->thread, NULL);
    sbc_index_free(f->idx);
    pthread_mutex_destroy(&f->lock);
    pthread_mutex_destroy(&f->load_mu);
    pthread_cond_destroy(&f->loaded_cv);
    free(f);
}

bool sbcfeed_loaded(const sbcfeed_t *f)
{
    return atomic_load(&f->loaded);
}

sbc_index_t *sbcfeed_index(sbcfeed_t *f)
{
    return f->idx;
}

void sbcfeed_stats(sbcfeed_t *f, sbcfeed_stats_t *out)
{
    /* the first load holds f->lock throughout: a scrape does not wait */
    if (!f->loaded) {
        memset(out, 0, sizeof *out);
        return;
    }
    pthread_mutex_lock(&f->lock);
    *out = f->stats;
    pthread_mutex_unlock(&f->lock);
}
