/* map.h -- the SBC index's small containers (map.c): a u64 -> pointer map
 * (linear probing, power-of-two capacity, key 0 = empty, backward-shift
 * deletion; grown by building a copy, so that readers of the old one are
 * never disturbed) and a sorted list of carrier ids.  Private to src/sbc:
 * they hold pointers, the caller owns what they point at. */
#ifndef ND_SBC_MAP_H
#define ND_SBC_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t *keys;
    void **vals;
    size_t cap, count;  /* cap: a power of two */
} sbc_map_t;
typedef struct {
    uint32_t *ids;
    size_t n, cap;
} sbc_idlist_t;

void sbc_map_init(sbc_map_t *m, size_t cap);
void sbc_map_fini(sbc_map_t *m);
size_t sbc_map_slot(const sbc_map_t *m, uint64_t key, bool *found);
void *sbc_map_get(const sbc_map_t *m, uint64_t key);
bool sbc_map_fits(const sbc_map_t *m, size_t extra);
void sbc_map_grown(const sbc_map_t *m, size_t extra, sbc_map_t *out);
void *sbc_map_put(sbc_map_t *m, uint64_t key, void *val);
void *sbc_map_del(sbc_map_t *m, uint64_t key);
size_t sbc_map_bytes(const sbc_map_t *m);
size_t sbc_idl_lower(const sbc_idlist_t *l, uint32_t id);
void sbc_idl_add(sbc_idlist_t *l, uint32_t id);
void sbc_idl_del(sbc_idlist_t *l, uint32_t id);

#endif
