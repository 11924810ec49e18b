/* numtab.h -- the active-number table of the sbc index.
 *
 * Open addressing with linear probing over two parallel arrays: 8-byte keys
 * (the number, with its state in the top byte; 0 marks an empty slot) and
 * 36-byte values.  Probing walks the key array only, eight keys to a cache
 * line; the value is read once, on a hit.  Deletion shifts the following
 * entries back (no tombstones), so lookups never slow down with churn.
 * The capacity is any size (a slot is picked by multiply-shift, not a
 * mask), so a bulk load can be sized to the load factor it wants instead of
 * the next power of two.  The hash is keyed with a random seed per table,
 * so numbers chosen to collide cannot be prepared in advance.
 *
 * Not thread-safe by itself (sbc.c locks).  sbc_ntab_grown() builds a
 * bigger copy while readers still read the old table: it only reads it.
 * Ownership: tables are the caller's (sbc_ntab_free).
 */
#ifndef ND_SBC_NUMTAB_H
#define ND_SBC_NUMTAB_H

#include "sbc/sbc.h"

typedef struct sbc_ntab sbc_ntab_t;

/* A table able to hold `want` entries without growing. */
sbc_ntab_t *sbc_ntab_new(size_t want, uint64_t seed);
void sbc_ntab_free(sbc_ntab_t *t);
/* true when `extra` more entries fit without passing the maximum load. */
bool sbc_ntab_fits(const sbc_ntab_t *t, size_t extra);
/* A new table with every entry of t, able to take `extra` more. */
sbc_ntab_t *sbc_ntab_grown(const sbc_ntab_t *t, size_t extra);

/* The capacity sbc_ntab_new(want) would choose. */
size_t sbc_ntab_new_capacity(size_t want);
/* A new table of exactly cap slots (>= what t holds) with every entry of t. */
sbc_ntab_t *sbc_ntab_resized(const sbc_ntab_t *t, size_t cap);

/* Insert or replace; the caller has made room (sbc_ntab_fits). */
void sbc_ntab_put(sbc_ntab_t *t, const sbc_number_t *n);
bool sbc_ntab_del(sbc_ntab_t *t, uint64_t number);
bool sbc_ntab_get(const sbc_ntab_t *t, uint64_t number, sbc_number_t *out);

size_t sbc_ntab_count(const sbc_ntab_t *t);
size_t sbc_ntab_capacity(const sbc_ntab_t *t);
size_t sbc_ntab_bytes(const sbc_ntab_t *t);

#endif
