/* map.c -- the SBC index's map and id list (see map.h). */
#include "sbc/map.h"

#include <stdlib.h>
#include <string.h>

#include "util/common.h"

/* ---- a small u64 -> pointer map (carriers, accounts, apps, lists) --------
 * Linear probing, power-of-two capacity, key 0 = empty (ids start at 1),
 * backward-shift deletion.  Grown outside the exclusive section like the
 * number table (sbc_map_grown builds a copy, the old one is only read). */

static inline uint64_t sbc_map_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    return x;
}

void sbc_map_init(sbc_map_t *m, size_t cap)
{
    m->cap = cap;
    m->count = 0;
    m->keys = xcalloc(cap, sizeof *m->keys);
    m->vals = xcalloc(cap, sizeof *m->vals);
}

void sbc_map_fini(sbc_map_t *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

size_t sbc_map_slot(const sbc_map_t *m, uint64_t key, bool *found)
{
    size_t mask = m->cap - 1, i = (size_t)sbc_map_mix(key) & mask;
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

void *sbc_map_get(const sbc_map_t *m, uint64_t key)
{
    bool found;
    size_t i = sbc_map_slot(m, key, &found);
    return found ? m->vals[i] : NULL;
}

bool sbc_map_fits(const sbc_map_t *m, size_t extra)
{
    return (m->count + extra) * 4 <= m->cap * 3; /* at most 75 % full */
}

/* A copy of m able to take `extra` more. */
void sbc_map_grown(const sbc_map_t *m, size_t extra, sbc_map_t *out)
{
    size_t cap = m->cap;
    while ((m->count + extra) * 2 > cap) cap *= 2; /* to at most 50 % */
    sbc_map_init(out, cap);
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == 0) continue;
        bool found;
        size_t j = sbc_map_slot(out, m->keys[i], &found);
        out->keys[j] = m->keys[i];
        out->vals[j] = m->vals[i];
        out->count++;
    }
}

/* Insert or replace; returns the value replaced (NULL if none).  The
 * caller made room (sbc_map_fits). */
void *sbc_map_put(sbc_map_t *m, uint64_t key, void *val)
{
    bool found;
    size_t i = sbc_map_slot(m, key, &found);
    void *old = found ? m->vals[i] : NULL;
    if (!found) {
        if (!sbc_map_fits(m, 1)) nd_panic("sbc map full (caller must grow it)");
        m->keys[i] = key;
        m->count++;
    }
    m->vals[i] = val;
    return old;
}

/* Removes key; returns its value (NULL if absent). */
void *sbc_map_del(sbc_map_t *m, uint64_t key)
{
    bool found;
    size_t i = sbc_map_slot(m, key, &found);
    if (!found) return NULL;
    void *old = m->vals[i];
    size_t mask = m->cap - 1, j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (m->keys[j] == 0) break;
        size_t h = (size_t)sbc_map_mix(m->keys[j]) & mask;
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

size_t sbc_map_bytes(const sbc_map_t *m)
{
    return m->cap * (sizeof *m->keys + sizeof *m->vals);
}

/* ---- a sorted list of carrier ids ---------------------------------------- */

size_t sbc_idl_lower(const sbc_idlist_t *l, uint32_t id)
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

void sbc_idl_add(sbc_idlist_t *l, uint32_t id)
{
    size_t at = sbc_idl_lower(l, id);
    if (at < l->n && l->ids[at] == id) return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 4;
        l->ids = xrealloc(l->ids, l->cap * sizeof *l->ids);
    }
    memmove(l->ids + at + 1, l->ids + at, (l->n - at) * sizeof *l->ids);
    l->ids[at] = id;
    l->n++;
}

void sbc_idl_del(sbc_idlist_t *l, uint32_t id)
{
    size_t at = sbc_idl_lower(l, id);
    if (at >= l->n || l->ids[at] != id) return;
    memmove(l->ids + at, l->ids + at + 1, (l->n - at - 1) * sizeof *l->ids);
    l->n--;
}

