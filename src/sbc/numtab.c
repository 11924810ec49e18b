/* numtab.c -- the active-number table (numtab.h). */
#include "sbc/numtab.h"

#include <stdlib.h>
#include <string.h>

/* Numbers are below 10^15 < 2^50: the top byte of a key carries the state
 * (its low 7 bits) and no_voice (its high bit), at no cost in memory. */
#define KEY_NUM_MASK ((UINT64_C(1) << 56) - 1)
#define KEY_STATE_SHIFT 56
#define KEY_NO_VOICE (UINT64_C(1) << 63)
/* Grow past 85 % full, to 60 %: linear probing over 8-byte keys stays
 * within a cache line or two even at 85 %, and the average load over a
 * growth cycle is ~72 %, i.e. ~61 bytes a number; a bulk load sized with
 * sbc_ntab_new(n) lands at 80 % (55 bytes a number). */
#define MAX_LOAD_NUM 85
#define GROW_LOAD_NUM 60
#define BULK_LOAD_NUM 80

typedef struct {
    uint32_t owner, sub, carrier;
    uint32_t app_lo, app_hi;  /* two halves: keeps the value 4-aligned, 36 bytes */
    uint8_t sid[16];
} ntab_val_t;

struct sbc_ntab {
    uint64_t *keys;
    ntab_val_t *vals;
    size_t cap, count;
    uint64_t seed;
};

static inline uint64_t mix(uint64_t x)
{
    /* splitmix64's finaliser: every input bit reaches every output bit */
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static inline size_t home(const sbc_ntab_t *t, uint64_t number)
{
    uint64_t h = mix(number ^ t->seed);
    return (size_t)(((unsigned __int128)h * t->cap) >> 64);
}

static size_t cap_for(size_t want, unsigned load_pct)
{
    size_t cap = want * 100 / load_pct + 1;
    return cap < 16 ? 16 : cap;
}

static sbc_ntab_t *alloc_cap(size_t cap, uint64_t seed)
{
    sbc_ntab_t *t = xcalloc(1, sizeof *t);
    t->cap = cap;
    t->seed = seed;
    t->keys = xcalloc(cap, sizeof *t->keys);
    /* values are read only where a key is set: no need to zero them */
    t->vals = xmalloc(cap * sizeof *t->vals);
    return t;
}

sbc_ntab_t *sbc_ntab_new(size_t want, uint64_t seed)
{
    return alloc_cap(cap_for(want, BULK_LOAD_NUM), seed);
}

void sbc_ntab_free(sbc_ntab_t *t)
{
    if (t == NULL) return;
    free(t->keys);
    free(t->vals);
    free(t);
}

bool sbc_ntab_fits(const sbc_ntab_t *t, size_t extra)
{
    return (t->count + extra) * 100 <= t->cap * MAX_LOAD_NUM;
}

/* Slot of number, or the empty slot where it would go. */
static size_t find(const sbc_ntab_t *t, uint64_t number, bool *found)
{
    size_t i = home(t, number);
    for (;;) {
        uint64_t k = t->keys[i];
        if (k == 0) {
            *found = false;
            return i;
        }
        if ((k & KEY_NUM_MASK) == number) {
            *found = true;
            return i;
        }
        if (++i == t->cap) i = 0;
    }
}

static void set_slot(sbc_ntab_t *t, size_t i, const sbc_number_t *n)
{
    t->keys[i] = n->number | ((uint64_t)(n->state & 0x7f) << KEY_STATE_SHIFT) |
                 (n->no_voice ? KEY_NO_VOICE : 0);
    ntab_val_t *v = &t->vals[i];
    v->owner = n->owner;
    v->sub = n->sub;
    v->carrier = n->carrier;
    v->app_lo = (uint32_t)n->app;
    v->app_hi = (uint32_t)(n->app >> 32);
    memcpy(v->sid, n->sid, 16);
}

size_t sbc_ntab_new_capacity(size_t want)
{
    return cap_for(want, BULK_LOAD_NUM);
}

sbc_ntab_t *sbc_ntab_grown(const sbc_ntab_t *t, size_t extra)
{
    size_t cap = cap_for(t->count + extra, GROW_LOAD_NUM);
    return sbc_ntab_resized(t, cap < t->cap ? t->cap : cap);
}

sbc_ntab_t *sbc_ntab_resized(const sbc_ntab_t *t, size_t cap)
{
    if (cap * MAX_LOAD_NUM < t->count * 100) nd_panic("sbc_ntab_resized: too small");
    sbc_ntab_t *g = alloc_cap(cap, t->seed);
    for (size_t i = 0; i < t->cap; i++) {
        if (t->keys[i] == 0) continue;
        bool found;
        size_t j = find(g, t->keys[i] & KEY_NUM_MASK, &found);
        g->keys[j] = t->keys[i];
        g->vals[j] = t->vals[i];
        g->count++;
    }
    return g;
}

void sbc_ntab_put(sbc_ntab_t *t, const sbc_number_t *n)
{
    bool found;
    size_t i = find(t, n->number, &found);
    if (!found) {
        if (!sbc_ntab_fits(t, 1)) nd_panic("sbc_ntab_put: table full (caller must grow it)");
        t->count++;
    }
    set_slot(t, i, n);
}

bool sbc_ntab_del(sbc_ntab_t *t, uint64_t number)
{
    bool found;
    size_t i = find(t, number, &found);
    if (!found) return false;
    /* backward shift: move each following entry of the run into the hole
     * unless its home lies cyclically after the hole */
    size_t j = i;
    for (;;) {
        if (++j == t->cap) j = 0;
        if (t->keys[j] == 0) break;
        size_t h = home(t, t->keys[j] & KEY_NUM_MASK);
        size_t dist_j = (j + t->cap - h) % t->cap;   /* how far j is from its home */
        size_t dist_i = (j + t->cap - i) % t->cap;   /* how far j is from the hole */
        if (dist_j >= dist_i) {
            t->keys[i] = t->keys[j];
            t->vals[i] = t->vals[j];
            i = j;
        }
    }
    t->keys[i] = 0;
    t->count--;
    return true;
}

bool sbc_ntab_get(const sbc_ntab_t *t, uint64_t number, sbc_number_t *out)
{
    if (number == 0 || number > KEY_NUM_MASK) return false;
    bool found;
    size_t i = find(t, number, &found);
    if (!found) return false;
    if (out) {
        const ntab_val_t *v = &t->vals[i];
        out->number = number;
        out->state = (uint8_t)((t->keys[i] >> KEY_STATE_SHIFT) & 0x7f);
        out->no_voice = (t->keys[i] & KEY_NO_VOICE) != 0;
        out->owner = v->owner;
        out->sub = v->sub;
        out->carrier = v->carrier;
        out->app = (uint64_t)v->app_lo | ((uint64_t)v->app_hi << 32);
        memcpy(out->sid, v->sid, 16);
    }
    return true;
}

size_t sbc_ntab_count(const sbc_ntab_t *t) { return t->count; }
size_t sbc_ntab_capacity(const sbc_ntab_t *t) { return t->cap; }
size_t sbc_ntab_bytes(const sbc_ntab_t *t)
{
    return sizeof *t + t->cap * (sizeof *t->keys + sizeof *t->vals);
}
