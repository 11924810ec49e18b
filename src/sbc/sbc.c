/* sbc.c -- the SBC lookup index: state, locking, writes and reads (sbc.h). */
#include "sbc/sbc.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "sbc/lpm.h"
#include "sbc/numtab.h"

#define NUMBER_MAX UINT64_C(999999999999999) /* 15 digits */

/* ---- a small u64 -> pointer map (carriers, accounts, apps, lists) --------
 * Linear probing, power-of-two capacity, key 0 = empty (ids start at 1),
 * backward-shift deletion.  Grown outside the exclusive section like the
 * number table (map_grown builds a copy, the old one is only read). */
typedef struct {
    uint64_t *keys;
    void **vals;
    size_t cap, count;  /* cap: a power of two */
} map_t;

static inline uint64_t map_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    return x;
}

static void map_init(map_t *m, size_t cap)
{
    m->cap = cap;
    m->count = 0;
    m->keys = xcalloc(cap, sizeof *m->keys);
    m->vals = xcalloc(cap, sizeof *m->vals);
}

static void map_fini(map_t *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static size_t map_slot(const map_t *m, uint64_t key, bool *found)
{
    size_t mask = m->cap - 1, i = (size_t)map_mix(key) & mask;
    while (m->keys[i] != 0) {
        if (m->keys[i] == key) {
            *found = true;
            return i;
        }
        i = (i + 1) & mask;
    }
    *found = false;
    return i;
}

static void *map_get(const map_t *m, uint64_t key)
{
    bool found;
    size_t i = map_slot(m, key, &found);
    return found ? m->vals[i] : NULL;
}

static bool map_fits(const map_t *m, size_t extra)
{
    return (m->count + extra) * 4 <= m->cap * 3; /* at most 75 % full */
}

/* A copy of m able to take `extra` more. */
static void map_grown(const map_t *m, size_t extra, map_t *out)
{
    size_t cap = m->cap;
    while ((m->count + extra) * 2 > cap) cap *= 2; /* to at most 50 % */
    map_init(out, cap);
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == 0) continue;
        bool found;
        size_t j = map_slot(out, m->keys[i], &found);
        out->keys[j] = m->keys[i];
        out->vals[j] = m->vals[i];
        out->count++;
    }
}

/* Insert or replace; returns the value replaced (NULL if none).  The
 * caller made room (map_fits). */
static void *map_put(map_t *m, uint64_t key, void *val)
{
    bool found;
    size_t i = map_slot(m, key, &found);
    void *old = found ? m->vals[i] : NULL;
    if (!found) {
        if (!map_fits(m, 1)) nd_panic("sbc map full (caller must grow it)");
        m->keys[i] = key;
        m->count++;
    }
    m->vals[i] = val;
    return old;
}

/* Removes key; returns its value (NULL if absent). */
static void *map_del(map_t *m, uint64_t key)
{
    bool found;
    size_t i = map_slot(m, key, &found);
    if (!found) return NULL;
    void *old = m->vals[i];
    size_t mask = m->cap - 1, j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (m->keys[j] == 0) break;
        size_t h = (size_t)map_mix(m->keys[j]) & mask;
        if (((j - h) & mask) >= ((j - i) & mask)) {
            m->keys[i] = m->keys[j];
            m->vals[i] = m->vals[j];
            i = j;
        }
    }
    m->keys[i] = 0;
    m->vals[i] = NULL;
    m->count--;
    return old;
}

static size_t map_bytes(const map_t *m)
{
    return m->cap * (sizeof *m->keys + sizeof *m->vals);
}

/* ---- a sorted list of carrier ids ---------------------------------------- */
typedef struct {
    uint32_t *ids;
    size_t n, cap;
} idlist_t;

static size_t idl_lower(const idlist_t *l, uint32_t id)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void idl_add(idlist_t *l, uint32_t id)
{
    size_t at = idl_lower(l, id);
    if (at < l->n && l->ids[at] == id) return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->ids = xrealloc(l->ids, l->cap * sizeof *l->ids);
    }
    memmove(l->ids + at + 1, l->ids + at, (l->n - at) * sizeof *l->ids);
    l->ids[at] = id;
    l->n++;
}

static void idl_del(idlist_t *l, uint32_t id)
{
    size_t at = idl_lower(l, id);
    if (at >= l->n || l->ids[at] != id) return;
    memmove(l->ids + at, l->ids + at + 1, (l->n - at - 1) * sizeof *l->ids);
    l->n--;
}

/* ---- the state: everything a reader sees ---------------------------------- */
typedef struct {
    sbc_ntab_t *nums;
    sbc_lpm_t *v4, *v6;
    map_t carriers;       /* id -> sbc_carrier_t* (one block each: carrier_pack) */
    map_t accounts;       /* id -> sbc_account_t* */
    map_t apps;           /* app_id -> sbc_app_t* (one block each) */
    map_t acct_carriers;  /* main account id -> idlist_t* */
    idlist_t upstream;
    size_t carrier_bytes, app_bytes;
} state_t;

static uint64_t random_seed(void)
{
    uint64_t s = 0;
    if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s) {
        /* no entropy at all is not worth refusing to start for: the seed
         * only makes collisions harder to prepare */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        s = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)(uintptr_t)&s;
    }
    return s;
}

static state_t *state_new(void)
{
    state_t *st = xcalloc(1, sizeof *st);
    st->nums = sbc_ntab_new(0, random_seed());
    st->v4 = sbc_lpm_new(32);
    st->v6 = sbc_lpm_new(128);
    map_init(&st->carriers, 16);
    map_init(&st->accounts, 16);
    map_init(&st->apps, 16);
    map_init(&st->acct_carriers, 16);
    return st;
}

static void state_free(state_t *st)
{
    if (st == NULL) return;
    sbc_ntab_free(st->nums);
    sbc_lpm_free(st->v4);
    sbc_lpm_free(st->v6);
    for (size_t i = 0; i < st->carriers.cap; i++) free(st->carriers.vals[i]);
    for (size_t i = 0; i < st->accounts.cap; i++) free(st->accounts.vals[i]);
    for (size_t i = 0; i < st->apps.cap; i++) free(st->apps.vals[i]);
    for (size_t i = 0; i < st->acct_carriers.cap; i++) {
        idlist_t *l = st->acct_carriers.vals[i];
        if (l) free(l->ids);
        free(l);
    }
    map_fini(&st->carriers);
    map_fini(&st->accounts);
    map_fini(&st->apps);
    map_fini(&st->acct_carriers);
    free(st->upstream.ids);
    free(st);
}

/* ---- the index and its locks ------------------------------------------------ */
typedef struct {
    pthread_rwlock_t lock;
    char pad[64 - sizeof(pthread_rwlock_t) % 64];
} slot_t;

struct sbc_index {
    slot_t slots[SBC_READ_SLOTS];   /* each on its own cache line(s) */
    pthread_mutex_t writer;         /* writers queue here */
    state_t *st;                    /* changed only inside the exclusive section */
    _Atomic bool current;
    _Atomic uint64_t mark, gen;
};

static atomic_uint g_next_slot;
static _Thread_local int tl_slot = -1;

static int my_slot(void)
{
    if (tl_slot < 0) tl_slot = (int)(atomic_fetch_add(&g_next_slot, 1) % SBC_READ_SLOTS);
    return tl_slot;
}

sbc_index_t *sbc_index_new(void)
{
    void *mem = NULL;
    /* the read slots must start on a cache line of their own */
    if (posix_memalign(&mem, 64, sizeof(sbc_index_t)) != 0) nd_panic("out of memory (sbc index)");
    sbc_index_t *idx = mem;
    memset(idx, 0, sizeof *idx);
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
    /* a steady stream of lookups must not starve a write */
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    for (int i = 0; i < SBC_READ_SLOTS; i++) pthread_rwlock_init(&idx->slots[i].lock, &a);
    pthread_rwlockattr_destroy(&a);
    pthread_mutex_init(&idx->writer, NULL);
    idx->st = state_new();
    atomic_init(&idx->current, false);
    atomic_init(&idx->mark, 0);
    atomic_init(&idx->gen, 0);
    return idx;
}

void sbc_index_free(sbc_index_t *idx)
{
    if (idx == NULL) return;
    state_free(idx->st);
    for (int i = 0; i < SBC_READ_SLOTS; i++) pthread_rwlock_destroy(&idx->slots[i].lock);
    pthread_mutex_destroy(&idx->writer);
    free(idx);
}

/* The exclusive section: the caller holds idx->writer. */
static void excl_enter(sbc_index_t *idx)
{
    for (int i = 0; i < SBC_READ_SLOTS; i++) pthread_rwlock_wrlock(&idx->slots[i].lock);
}

static void excl_leave(sbc_index_t *idx)
{
    for (int i = SBC_READ_SLOTS - 1; i >= 0; i--) pthread_rwlock_unlock(&idx->slots[i].lock);
}

void sbc_index_set_current(sbc_index_t *idx, bool current)
{
    /* inside the exclusive section, so that once this returns no lookup
     * that began before it is still answering from the old verdict */
    pthread_mutex_lock(&idx->writer);
    excl_enter(idx);
    atomic_store(&idx->current, current);
    excl_leave(idx);
    pthread_mutex_unlock(&idx->writer);
}

bool sbc_index_current(const sbc_index_t *idx) { return atomic_load(&idx->current); }
void sbc_index_set_mark(sbc_index_t *idx, uint64_t mark) { atomic_store(&idx->mark, mark); }
uint64_t sbc_index_mark(const sbc_index_t *idx) { return atomic_load(&idx->mark); }
uint64_t sbc_index_generation(const sbc_index_t *idx) { return atomic_load(&idx->gen); }

void sbc_index_replace(sbc_index_t *idx, sbc_index_t *fresh)
{
    pthread_mutex_lock(&idx->writer);
    state_t *old = idx->st;
    excl_enter(idx);
    idx->st = fresh->st;
    atomic_store(&idx->current, atomic_load(&fresh->current));
    atomic_store(&idx->mark, atomic_load(&fresh->mark));
    atomic_fetch_add(&idx->gen, 1);
    excl_leave(idx);
    pthread_mutex_unlock(&idx->writer);
    fresh->st = NULL;
    sbc_index_free(fresh);
    state_free(old);
}

void sbc_index_reserve(sbc_index_t *idx, size_t numbers)
{
    if (numbers > SBC_MAX_NUMBERS) numbers = SBC_MAX_NUMBERS;
    pthread_mutex_lock(&idx->writer);
    sbc_ntab_t *cur = idx->st->nums, *fresh = NULL;
    size_t want = sbc_ntab_new_capacity(numbers);
    if (want > sbc_ntab_capacity(cur)) {
        fresh = sbc_ntab_resized(cur, want);
        excl_enter(idx);
        idx->st->nums = fresh;
        excl_leave(idx);
        sbc_ntab_free(cur);
    }
    pthread_mutex_unlock(&idx->writer);
}

/* ---- reading ----------------------------------------------------------------- */
static void read_lock(sbc_index_t *idx, sbc_read_t *r)
{
    r->idx = idx;
    r->slot = my_slot();
    pthread_rwlock_rdlock(&idx->slots[r->slot].lock);
    r->st = idx->st;
}

int sbc_read_begin(sbc_index_t *idx, sbc_read_t *r)
{
    read_lock(idx, r);
    /* checked under the lock: see sbc_index_set_current */
    if (!atomic_load(&idx->current)) {
        sbc_read_end(r);
        return C_ERR;
    }
    return C_OK;
}

void sbc_read_end(sbc_read_t *r)
{
    if (r->idx == NULL) return;
    pthread_rwlock_unlock(&r->idx->slots[r->slot].lock);
    r->idx = NULL;
    r->st = NULL;
}

#define ST(r) ((const state_t *)(r)->st)

bool sbc_r_number(const sbc_read_t *r, uint64_t number, sbc_number_t *out)
{
    if (number == 0 || number > NUMBER_MAX) return false;
    return sbc_ntab_get(ST(r)->nums, number, out);
}

const sbc_carrier_t *sbc_r_carrier(const sbc_read_t *r, uint32_t id)
{
    return id ? map_get(&ST(r)->carriers, id) : NULL;
}

const sbc_account_t *sbc_r_account(const sbc_read_t *r, uint32_t id)
{
    return id ? map_get(&ST(r)->accounts, id) : NULL;
}

const sbc_app_t *sbc_r_app(const sbc_read_t *r, uint64_t app_id)
{
    return app_id ? map_get(&ST(r)->apps, app_id) : NULL;
}

/* The trie for addr and the key bytes to look up (IPv4-mapped IPv6 -> IPv4). */
static const sbc_lpm_t *trie_for(const state_t *st, const sbc_addr_t *a, const uint8_t **key)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (a->family == 4) {
        *key = a->addr;
        return st->v4;
    }
    if (a->family != 6) return NULL;
    if (memcmp(a->addr, mapped, sizeof mapped) == 0) {
        *key = a->addr + 12;
        return st->v4;
    }
    *key = a->addr;
    return st->v6;
}

bool sbc_r_source(const sbc_read_t *r, const sbc_addr_t *addr, const sbc_gwref_t **refs,
                  size_t *nrefs, int *plen)
{
    const uint8_t *key;
    const sbc_lpm_t *t = trie_for(ST(r), addr, &key);
    return t ? sbc_lpm_match(t, key, refs, nrefs, plen) : false;
}

bool sbc_r_source_of(const sbc_read_t *r, const sbc_addr_t *addr, uint32_t carrier,
                     sbc_gwref_t *ref, int *plen)
{
    const uint8_t *key;
    const sbc_lpm_t *t = trie_for(ST(r), addr, &key);
    return t ? sbc_lpm_match_carrier(t, key, carrier, ref, plen) : false;
}

void sbc_r_account_carriers(const sbc_read_t *r, uint32_t account, const uint32_t **ids,
                            size_t *n)
{
    const idlist_t *l = account ? map_get(&ST(r)->acct_carriers, account) : NULL;
    *ids = l ? l->ids : NULL;
    *n = l ? l->n : 0;
}

void sbc_r_upstream_carriers(const sbc_read_t *r, const uint32_t **ids, size_t *n)
{
    *ids = ST(r)->upstream.ids;
    *n = ST(r)->upstream.n;
}

void sbc_index_stats(sbc_index_t *idx, sbc_stats_t *out)
{
    sbc_read_t r;
    read_lock(idx, &r);
    const state_t *st = r.st;
    memset(out, 0, sizeof *out);
    out->numbers = sbc_ntab_count(st->nums);
    out->carriers = st->carriers.count;
    out->prefixes = sbc_lpm_refs(st->v4) + sbc_lpm_refs(st->v6);
    out->accounts = st->accounts.count;
    out->apps = st->apps.count;
    out->bytes_numbers = sbc_ntab_bytes(st->nums);
    out->bytes_lpm = sbc_lpm_bytes(st->v4) + sbc_lpm_bytes(st->v6);
    size_t lists = 0;
    for (size_t i = 0; i < st->acct_carriers.cap; i++) {
        const idlist_t *l = st->acct_carriers.vals[i];
        if (l) lists += sizeof *l + l->cap * sizeof(uint32_t);
    }
    out->bytes_carriers = st->carrier_bytes + map_bytes(&st->carriers) +
                          map_bytes(&st->acct_carriers) + lists +
                          st->upstream.cap * sizeof(uint32_t);
    out->bytes_other = map_bytes(&st->accounts) + st->accounts.count * sizeof(sbc_account_t) +
                       map_bytes(&st->apps) + st->app_bytes;
    out->bytes_total = sizeof(sbc_index_t) + sizeof(state_t) + out->bytes_numbers +
                       out->bytes_lpm + out->bytes_carriers + out->bytes_other;
    sbc_read_end(&r);
}

/* ---- writing ------------------------------------------------------------------ */
typedef enum {
    D_NUM_PUT, D_NUM_DEL, D_CAR_PUT, D_CAR_DEL, D_ACC_PUT, D_ACC_DEL, D_APP_PUT, D_APP_DEL
} dop_t;

typedef struct {
    dop_t op;
    uint64_t key;
    sbc_number_t num;  /* D_NUM_PUT */
    void *obj;         /* D_CAR_PUT, D_ACC_PUT, D_APP_PUT: the final block */
    size_t obj_bytes;
} delta_t;

struct sbc_write {
    sbc_index_t *idx;
    delta_t *d;
    size_t n, cap;
};

int sbc_write_begin(sbc_index_t *idx, sbc_write_t **out)
{
    sbc_write_t *w = xcalloc(1, sizeof *w);
    w->idx = idx;
    pthread_mutex_lock(&idx->writer);
    *out = w;
    return C_OK;
}

size_t sbc_write_staged(const sbc_write_t *w) { return w->n; }

static int fail(const char **why, const char *reason)
{
    if (why) *why = reason;
    return C_ERR;
}

static delta_t *stage(sbc_write_t *w, const char **why)
{
    if (w->n >= SBC_MAX_BATCH) {
        fail(why, "too many changes in one batch");
        return NULL;
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->d = xrealloc(w->d, w->cap * sizeof *w->d);
    }
    delta_t *d = &w->d[w->n];
    memset(d, 0, sizeof *d);
    return d;
}

int sbc_w_number_put(sbc_write_t *w, const sbc_number_t *n, const char **why)
{
    if (n->number == 0 || n->number > NUMBER_MAX) return fail(why, "number out of range");
    if (n->owner == 0) return fail(why, "number without owner");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    d->op = D_NUM_PUT;
    d->key = n->number;
    d->num = *n;
    w->n++;
    return C_OK;
}

int sbc_w_number_del(sbc_write_t *w, uint64_t number, const char **why)
{
    if (number == 0 || number > NUMBER_MAX) return fail(why, "number out of range");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    d->op = D_NUM_DEL;
    d->key = number;
    w->n++;
    return C_OK;
}

/* strlen with a cap: false when s is longer than max */
static bool len_ok(const char *s, size_t max, size_t *len)
{
    size_t n = s ? strnlen(s, max + 1) : 0;
    if (n > max) return false;
    *len = n;
    return true;
}

static bool sid_ok(const char sid[SBC_SID_SZ])
{
    return memchr(sid, '\0', SBC_SID_SZ) != NULL;
}

/* Copies s (len bytes) to *at and NUL-terminates it; returns the copy. */
static const char *put_str(char **at, const char *s, size_t len)
{
    char *p = *at;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    *at = p + len + 1;
    return p;
}

/* Checks c and copies it into one block (struct, outbound gateways,
 * inbound gateways, strings, boxes), so a carrier is one allocation that a
 * put replaces and a delete frees whole. */
static int carrier_pack(const sbc_carrier_t *c, sbc_carrier_t **out, size_t *bytes,
                        const char **why)
{
    size_t l_name, l_pub, l_iu, l_ou, l_or;
    if (c->id == 0) return fail(why, "carrier id 0");
    if (c->kind > SBC_KIND_BYOC) return fail(why, "bad carrier kind");
    if (c->trunk > SBC_TRUNK_REG) return fail(why, "bad trunk type");
    if ((c->kind == SBC_KIND_UPSTREAM) != (c->account == 0))
        return fail(why, "an upstream carrier and only it has no account");
    if (c->kind == SBC_KIND_UPSTREAM && c->sub != 0) return fail(why, "upstream carrier with a subaccount");
    if (!len_ok(c->name, SBC_NAME_MAX, &l_name)) return fail(why, "carrier name too long");
    if (!len_ok(c->pub_id, SBC_PUBID_MAX, &l_pub)) return fail(why, "carrier id text too long");
    if (!len_ok(c->in_user, SBC_USER_MAX, &l_iu)) return fail(why, "inbound username too long");
    if (!len_ok(c->out_user, SBC_USER_MAX, &l_ou)) return fail(why, "outbound username too long");
    if (!len_ok(c->out_realm, SBC_HOST_MAX, &l_or)) return fail(why, "outbound realm too long");
    if (c->in_box_len > SBC_BOX_MAX || c->out_box_len > SBC_BOX_MAX)
        return fail(why, "sealed password too long");
    if ((c->in_box_len && !c->in_box) || (c->out_box_len && !c->out_box))
        return fail(why, "sealed password missing");
    if (c->n_in > SBC_MAX_GW_IN) return fail(why, "too many inbound gateways");
    if (c->n_out > SBC_MAX_GW_OUT) return fail(why, "too many outbound gateways");
    if ((c->n_in && !c->in) || (c->n_out && !c->out)) return fail(why, "gateways missing");

    size_t strings = l_name + l_pub + l_iu + l_ou + l_or + 5;
    for (size_t i = 0; i < c->n_in; i++) {
        const sbc_gw_in_t *g = &c->in[i];
        int bits = g->addr.family == 4 ? 32 : g->addr.family == 6 ? 128 : 0;
        if (bits == 0) return fail(why, "bad address family");
        if (g->plen < 0 || g->plen > bits) return fail(why, "prefix length out of range");
        for (int b = g->plen; b < bits; b++)
            if ((g->addr.addr[b >> 3] >> (7 - (b & 7))) & 1) return fail(why, "host bits set");
        if (!sid_ok(g->sid)) return fail(why, "gateway sid too long");
    }
    for (size_t i = 0; i < c->n_out; i++) {
        const sbc_gw_out_t *g = &c->out[i];
        size_t l;
        if (!len_ok(g->host, SBC_HOST_MAX, &l)) return fail(why, "gateway host too long");
        if (l == 0) return fail(why, "gateway host empty");
        if (g->transport > SBC_TP_TLS) return fail(why, "bad transport");
        if (!sid_ok(g->sid)) return fail(why, "gateway sid too long");
        strings += l + 1;
    }
    size_t sz = sizeof(sbc_carrier_t) + c->n_out * sizeof(sbc_gw_out_t) +
                c->n_in * sizeof(sbc_gw_in_t) + c->in_box_len + c->out_box_len + strings;
    sbc_carrier_t *p = xmalloc(sz);
    *p = *c;
    char *at = (char *)(p + 1);
    sbc_gw_out_t *go = (sbc_gw_out_t *)at;
    at += c->n_out * sizeof *go;
    sbc_gw_in_t *gi = (sbc_gw_in_t *)at;
    at += c->n_in * sizeof *gi;
    if (c->n_in) memcpy(gi, c->in, c->n_in * sizeof *gi);
    uint8_t *boxes = (uint8_t *)at;
    if (c->in_box_len) memcpy(boxes, c->in_box, c->in_box_len);
    if (c->out_box_len) memcpy(boxes + c->in_box_len, c->out_box, c->out_box_len);
    p->in_box = c->in_box_len ? boxes : NULL;
    p->out_box = c->out_box_len ? boxes + c->in_box_len : NULL;
    at += c->in_box_len + c->out_box_len;
    p->name = put_str(&at, c->name, l_name);
    p->pub_id = put_str(&at, c->pub_id, l_pub);
    p->in_user = put_str(&at, c->in_user, l_iu);
    p->out_user = put_str(&at, c->out_user, l_ou);
    p->out_realm = put_str(&at, c->out_realm, l_or);
    for (size_t i = 0; i < c->n_out; i++) {
        go[i] = c->out[i];
        go[i].host = put_str(&at, c->out[i].host, strlen(c->out[i].host));
    }
    p->in = c->n_in ? gi : NULL;
    p->out = c->n_out ? go : NULL;
    *out = p;
    *bytes = sz;
    return C_OK;
}

int sbc_w_carrier_put(sbc_write_t *w, const sbc_carrier_t *c, const char **why)
{
    sbc_carrier_t *p;
    size_t bytes;
    if (carrier_pack(c, &p, &bytes, why) != C_OK) return C_ERR;
    delta_t *d = stage(w, why);
    if (d == NULL) {
        free(p);
        return C_ERR;
    }
    d->op = D_CAR_PUT;
    d->key = c->id;
    d->obj = p;
    d->obj_bytes = bytes;
    w->n++;
    return C_OK;
}

int sbc_w_carrier_del(sbc_write_t *w, uint32_t id, const char **why)
{
    if (id == 0) return fail(why, "carrier id 0");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    d->op = D_CAR_DEL;
    d->key = id;
    w->n++;
    return C_OK;
}

int sbc_w_account_put(sbc_write_t *w, const sbc_account_t *a, const char **why)
{
    if (a->id == 0) return fail(why, "account id 0");
    if (a->parent == a->id) return fail(why, "account is its own parent");
    if (a->status > SBC_ACCT_DISABLED) return fail(why, "bad account status");
    if (memchr(a->auth_id, '\0', sizeof a->auth_id) == NULL) return fail(why, "auth_id too long");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    sbc_account_t *p = xmalloc(sizeof *p);
    *p = *a;
    d->op = D_ACC_PUT;
    d->key = a->id;
    d->obj = p;
    d->obj_bytes = sizeof *p;
    w->n++;
    return C_OK;
}

int sbc_w_account_del(sbc_write_t *w, uint32_t id, const char **why)
{
    if (id == 0) return fail(why, "account id 0");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    d->op = D_ACC_DEL;
    d->key = id;
    w->n++;
    return C_OK;
}

int sbc_w_app_put(sbc_write_t *w, const sbc_app_t *app, const char **why)
{
    size_t lu, ls;
    if (app->app_id == 0) return fail(why, "app id 0");
    if (!len_ok(app->answer_url, SBC_URL_MAX, &lu)) return fail(why, "answer url too long");
    if (!len_ok(app->sip_uri, SBC_URL_MAX, &ls)) return fail(why, "sip uri too long");
    if (memchr(app->app_id_text, '\0', sizeof app->app_id_text) == NULL ||
        memchr(app->answer_method, '\0', sizeof app->answer_method) == NULL)
        return fail(why, "app field too long");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    size_t sz = sizeof(sbc_app_t) + lu + ls + 2;
    sbc_app_t *p = xmalloc(sz);
    *p = *app;
    char *at = (char *)(p + 1);
    p->answer_url = put_str(&at, app->answer_url, lu);
    p->sip_uri = put_str(&at, app->sip_uri, ls);
    d->op = D_APP_PUT;
    d->key = app->app_id;
    d->obj = p;
    d->obj_bytes = sz;
    w->n++;
    return C_OK;
}

int sbc_w_app_del(sbc_write_t *w, uint64_t app_id, const char **why)
{
    if (app_id == 0) return fail(why, "app id 0");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    d->op = D_APP_DEL;
    d->key = app_id;
    w->n++;
    return C_OK;
}

static void write_free(sbc_write_t *w)
{
    pthread_mutex_unlock(&w->idx->writer);
    free(w->d);
    free(w);
}

void sbc_write_abort(sbc_write_t *w)
{
    if (w == NULL) return;
    for (size_t i = 0; i < w->n; i++) free(w->d[i].obj);
    write_free(w);
}

/* ---- applying a batch (inside the exclusive section) ---- */

typedef struct {
    void **p;
    size_t n, cap;
} garbage_t;

static void trash(garbage_t *g, void *p)
{
    if (p == NULL) return;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->p = xrealloc(g->p, g->cap * sizeof *g->p);
    }
    g->p[g->n++] = p;
}

static sbc_lpm_t *trie_of(state_t *st, const sbc_gw_in_t *g)
{
    return g->addr.family == 4 ? st->v4 : st->v6;
}

static size_t carrier_block_bytes(const sbc_carrier_t *c)
{
    size_t sz = sizeof *c + c->n_out * sizeof(sbc_gw_out_t) + c->n_in * sizeof(sbc_gw_in_t) +
                c->in_box_len + c->out_box_len + strlen(c->name) + strlen(c->pub_id) +
                strlen(c->in_user) + strlen(c->out_user) + strlen(c->out_realm) + 5;
    for (size_t i = 0; i < c->n_out; i++) sz += strlen(c->out[i].host) + 1;
    return sz;
}

/* The list a carrier is in: its main account's, or the upstream list. */
static idlist_t *carrier_list(state_t *st, const sbc_carrier_t *c, bool create)
{
    if (c->kind == SBC_KIND_UPSTREAM) return &st->upstream;
    idlist_t *l = map_get(&st->acct_carriers, c->account);
    if (l == NULL && create) {
        l = xcalloc(1, sizeof *l);
        map_put(&st->acct_carriers, c->account, l);
    }
    return l;
}

static void carrier_unlink(state_t *st, sbc_carrier_t *c, garbage_t *g)
{
    for (uint32_t i = 0; i < c->n_in; i++) {
        sbc_gwref_t ref = {c->id, i};
        /* cannot fail: every inbound gateway was added with its carrier */
        (void)sbc_lpm_del(trie_of(st, &c->in[i]), c->in[i].addr.addr, c->in[i].plen, ref, NULL);
    }
    idlist_t *l = carrier_list(st, c, false);
    if (l) {
        idl_del(l, c->id);
        if (l->n == 0 && l != &st->upstream) {
            map_del(&st->acct_carriers, c->account);
            trash(g, l->ids);
            trash(g, l);
        }
    }
    st->carrier_bytes -= carrier_block_bytes(c);
    trash(g, c);
}

static void carrier_link(state_t *st, sbc_carrier_t *c)
{
    for (uint32_t i = 0; i < c->n_in; i++) {
        sbc_gwref_t ref = {c->id, i};
        (void)sbc_lpm_add(trie_of(st, &c->in[i]), c->in[i].addr.addr, c->in[i].plen, ref, NULL);
    }
    idl_add(carrier_list(st, c, true), c->id);
    st->carrier_bytes += carrier_block_bytes(c);
}

static void apply(state_t *st, const delta_t *d, garbage_t *g)
{
    switch (d->op) {
    case D_NUM_PUT:
        sbc_ntab_put(st->nums, &d->num);
        break;
    case D_NUM_DEL:
        (void)sbc_ntab_del(st->nums, d->key);
        break;
    case D_CAR_PUT: {
        sbc_carrier_t *old = map_get(&st->carriers, d->key);
        if (old) carrier_unlink(st, old, g);
        map_put(&st->carriers, d->key, d->obj);
        carrier_link(st, d->obj);
        break;
    }
    case D_CAR_DEL: {
        sbc_carrier_t *old = map_del(&st->carriers, d->key);
        if (old) carrier_unlink(st, old, g);
        break;
    }
    case D_ACC_PUT:
        trash(g, map_put(&st->accounts, d->key, d->obj));
        break;
    case D_ACC_DEL:
        trash(g, map_del(&st->accounts, d->key));
        break;
    case D_APP_PUT: {
        sbc_app_t *old = map_put(&st->apps, d->key, d->obj);
        if (old) {
            st->app_bytes -= sizeof *old + strlen(old->answer_url) + strlen(old->sip_uri) + 2;
            trash(g, old);
        }
        st->app_bytes += d->obj_bytes;
        break;
    }
    case D_APP_DEL: {
        sbc_app_t *old = map_del(&st->apps, d->key);
        if (old) {
            st->app_bytes -= sizeof *old + strlen(old->answer_url) + strlen(old->sip_uri) + 2;
            trash(g, old);
        }
        break;
    }
    }
}

/* Grows a map outside the exclusive section if `extra` puts might not fit;
 * *fresh is then the map to swap in (else left empty). */
static void prepare_map(const map_t *m, size_t extra, map_t *fresh)
{
    memset(fresh, 0, sizeof *fresh);
    if (!map_fits(m, extra)) map_grown(m, extra, fresh);
}

int sbc_write_commit(sbc_write_t *w, const char **why)
{
    sbc_index_t *idx = w->idx;
    state_t *st = idx->st; /* only writers change it, and we hold the writer mutex */
    int rc = C_ERR;
    size_t new_nums = 0, car_puts = 0, acc_puts = 0, app_puts = 0, list_puts = 0, refs_added = 0;
    sbc_ntab_t *nums_grown = NULL, *nums_old = NULL;
    map_t car_m, acc_m, app_m, list_m;
    garbage_t g = {0};

    /* 1. with readers running: count, check the caps, grow what must grow */
    for (size_t i = 0; i < w->n; i++) {
        const delta_t *d = &w->d[i];
        switch (d->op) {
        case D_NUM_PUT:
            if (!sbc_ntab_get(st->nums, d->key, NULL)) new_nums++;
            break;
        case D_CAR_PUT:
            car_puts++;
            list_puts++;
            refs_added += ((const sbc_carrier_t *)d->obj)->n_in;
            break;
        case D_ACC_PUT: acc_puts++; break;
        case D_APP_PUT: app_puts++; break;
        default: break;
        }
    }
    if (sbc_ntab_count(st->nums) + new_nums > SBC_MAX_NUMBERS) {
        fail(why, "too many numbers");
        goto done;
    }
    if (st->carriers.count + car_puts > SBC_MAX_CARRIERS) {
        fail(why, "too many carriers");
        goto done;
    }
    if (sbc_lpm_refs(st->v4) + sbc_lpm_refs(st->v6) + refs_added > SBC_MAX_PREFIXES) {
        fail(why, "too many inbound gateways");
        goto done;
    }
    if (st->accounts.count + acc_puts > SBC_MAX_ACCOUNTS) {
        fail(why, "too many accounts");
        goto done;
    }
    if (st->apps.count + app_puts > SBC_MAX_APPS) {
        fail(why, "too many applications");
        goto done;
    }
    if (!sbc_ntab_fits(st->nums, new_nums)) nums_grown = sbc_ntab_grown(st->nums, new_nums);
    prepare_map(&st->carriers, car_puts, &car_m);
    prepare_map(&st->accounts, acc_puts, &acc_m);
    prepare_map(&st->apps, app_puts, &app_m);
    prepare_map(&st->acct_carriers, list_puts, &list_m);

    /* 2. exclusive: swap in the grown tables, apply every delta in order */
    excl_enter(idx);
    if (nums_grown) {
        nums_old = st->nums;
        st->nums = nums_grown;
    }
    map_t *mine[] = {&st->carriers, &st->accounts, &st->apps, &st->acct_carriers};
    map_t *grown[] = {&car_m, &acc_m, &app_m, &list_m};
    for (size_t k = 0; k < ND_ARRAY_LEN(mine); k++) {
        if (grown[k]->cap == 0) continue;
        trash(&g, mine[k]->keys);
        trash(&g, mine[k]->vals);
        *mine[k] = *grown[k];
    }
    for (size_t i = 0; i < w->n; i++) {
        apply(st, &w->d[i], &g);
        w->d[i].obj = NULL; /* the state owns it now */
    }
    atomic_fetch_add(&idx->gen, 1);
    excl_leave(idx);

    /* 3. readers running again: free what the batch replaced */
    for (size_t i = 0; i < g.n; i++) free(g.p[i]);
    sbc_ntab_free(nums_old);
    rc = C_OK;
done:
    free(g.p);
    if (rc != C_OK) {
        sbc_write_abort(w);
        return C_ERR;
    }
    write_free(w);
    return C_OK;
}

/* ---- helpers --------------------------------------------------------------------- */
int sbc_number_key(const char *digits, size_t n, uint64_t *out)
{
    if (digits == NULL || n == 0 || n > 15 || digits[0] == '0') return C_ERR;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!nd_isdigit((unsigned char)digits[i])) return C_ERR;
        v = v * 10 + (uint64_t)(digits[i] - '0');
    }
    *out = v;
    return C_OK;
}

void sbc_number_text(uint64_t number, char out[16])
{
    char tmp[16];
    int k = 0;
    if (number > NUMBER_MAX) number = 0;
    while (number) {
        tmp[k++] = (char)('0' + number % 10);
        number /= 10;
    }
    for (int i = 0; i < k; i++) out[i] = tmp[k - 1 - i];
    out[k] = '\0';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

int sbc_uuid_parse(const char *s, size_t n, uint8_t out[16])
{
    if (s == NULL || n != 36) return C_ERR;
    uint8_t b[16];
    int k = 0;
    for (size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') return C_ERR;
            i++;
            continue;
        }
        int hi = hexval((unsigned char)s[i]), lo = hexval((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) return C_ERR;
        b[k++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    memcpy(out, b, 16);
    return C_OK;
}

void sbc_uuid_text(const uint8_t in[16], char out[SBC_SID_SZ])
{
    static const char hx[] = "0123456789abcdef";
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hx[in[i] >> 4];
        out[o++] = hx[in[i] & 15];
    }
    out[o] = '\0';
}
