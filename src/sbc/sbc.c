/* sbc.c -- the SBC lookup index: state, locking and reads (sbc.h); the
 * writes are sbc_write.c, the containers map.c. */
#include "sbc/sbcInt.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>


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
    sbc_map_init(&st->carriers, 16);
    sbc_map_init(&st->accounts, 16);
    sbc_map_init(&st->acct_auth, 16);
    sbc_map_init(&st->apps, 16);
    sbc_map_init(&st->acct_carriers, 16);
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
        sbc_idlist_t *l = st->acct_carriers.vals[i];
        if (l) free(l->ids);
        free(l);
    }
    sbc_map_fini(&st->carriers);
    sbc_map_fini(&st->accounts);
    sbc_map_fini(&st->acct_auth);
    sbc_map_fini(&st->apps);
    sbc_map_fini(&st->acct_carriers);
    free(st->upstream.ids);
    free(st);
}

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
void sbc_excl_enter(sbc_index_t *idx)
{
    for (int i = 0; i < SBC_READ_SLOTS; i++) pthread_rwlock_wrlock(&idx->slots[i].lock);
}

void sbc_excl_leave(sbc_index_t *idx)
{
    for (int i = SBC_READ_SLOTS - 1; i >= 0; i--) pthread_rwlock_unlock(&idx->slots[i].lock);
}

void sbc_index_set_current(sbc_index_t *idx, bool current)
{
    /* inside the exclusive section, so that once this returns no lookup
     * that began before it is still answering from the old verdict */
    pthread_mutex_lock(&idx->writer);
    sbc_excl_enter(idx);
    atomic_store(&idx->current, current);
    sbc_excl_leave(idx);
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
    sbc_excl_enter(idx);
    idx->st = fresh->st;
    atomic_store(&idx->current, atomic_load(&fresh->current));
    atomic_store(&idx->mark, atomic_load(&fresh->mark));
    atomic_fetch_add(&idx->gen, 1);
    sbc_excl_leave(idx);
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
        sbc_excl_enter(idx);
        idx->st->nums = fresh;
        sbc_excl_leave(idx);
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
    return id ? sbc_map_get(&ST(r)->carriers, id) : NULL;
}

const sbc_account_t *sbc_r_account(const sbc_read_t *r, uint32_t id)
{
    return id ? sbc_map_get(&ST(r)->accounts, id) : NULL;
}

const sbc_account_t *sbc_r_account_by_auth(const sbc_read_t *r, const char *auth_id)
{
    if (!auth_id) return NULL;
    const sbc_account_t *a = sbc_map_get(&ST(r)->acct_auth, sbc_auth_key(auth_id));
    return a && strcmp(a->auth_id, auth_id) == 0 ? a : NULL;
}

uint64_t sbc_auth_key(const char *auth_id)
{
    /* FNV-1a; 0 is the map's empty key */
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)auth_id; *p; p++) {
        h ^= *p;
        h *= UINT64_C(1099511628211);
    }
    return h ? h : 1;
}

const sbc_app_t *sbc_r_app(const sbc_read_t *r, uint64_t app_id)
{
    return app_id ? sbc_map_get(&ST(r)->apps, app_id) : NULL;
}

bool sbc_addr_mapped(const sbc_addr_t *a)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return a->family == 6 && memcmp(a->addr, mapped, sizeof mapped) == 0;
}

/* The trie for addr and the key bytes to look up (IPv4-mapped IPv6 -> IPv4). */
static const sbc_lpm_t *trie_for(const state_t *st, const sbc_addr_t *a, const uint8_t **key)
{
    if (a->family == 4) {
        *key = a->addr;
        return st->v4;
    }
    if (a->family != 6) return NULL;
    if (sbc_addr_mapped(a)) {
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
    const sbc_idlist_t *l = account ? sbc_map_get(&ST(r)->acct_carriers, account) : NULL;
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
    out->gateways_out = st->gw_out;
    out->gateways_down = st->gw_out_down;
    out->bytes_numbers = sbc_ntab_bytes(st->nums);
    out->bytes_lpm = sbc_lpm_bytes(st->v4) + sbc_lpm_bytes(st->v6);
    size_t lists = 0;
    for (size_t i = 0; i < st->acct_carriers.cap; i++) {
        const sbc_idlist_t *l = st->acct_carriers.vals[i];
        if (l) lists += sizeof *l + l->cap * sizeof(uint32_t);
    }
    out->bytes_carriers = st->carrier_bytes + sbc_map_bytes(&st->carriers) +
                          sbc_map_bytes(&st->acct_carriers) + lists +
                          st->upstream.cap * sizeof(uint32_t);
    out->bytes_other = sbc_map_bytes(&st->accounts) + sbc_map_bytes(&st->acct_auth) +
                       st->accounts.count * sizeof(sbc_account_t) +
                       sbc_map_bytes(&st->apps) + st->app_bytes;
    out->bytes_total = sizeof(sbc_index_t) + sizeof(state_t) + out->bytes_numbers +
                       out->bytes_lpm + out->bytes_carriers + out->bytes_other;
    sbc_read_end(&r);
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
