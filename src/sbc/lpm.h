/* lpm.h -- longest-prefix match over one address family (sbc module).
 *
 * A path-compressed binary trie (Patricia): a node holds a prefix (key,
 * plen); a node with no references is a branch point and always has two
 * children, so n prefixes need at most 2n - 1 nodes, and a lookup visits
 * at most one node per distinct prefix length on the address's path
 * (<= 33 / 129).  Each prefix holds a sorted array of references (carrier,
 * gateway), one inline (the common case: no second allocation).
 *
 * Not thread-safe by itself: sbc.c calls the lookups under a read lock and
 * the edits under the exclusive section.  Ownership: the trie owns its
 * nodes; reference arrays returned by sbc_lpm_match are borrowed until the
 * next edit.  *why reasons are static strings.
 */
#ifndef ND_SBC_LPM_H
#define ND_SBC_LPM_H

#include "sbc/sbc.h"

typedef struct sbc_lpm sbc_lpm_t;

/* bits: 32 (IPv4) or 128 (IPv6). */
sbc_lpm_t *sbc_lpm_new(int bits);
void sbc_lpm_free(sbc_lpm_t *t);

/* Adds ref under key/plen (key bits past plen are ignored).  Adding a
 * reference that is already there changes nothing and is C_OK.  C_ERR for
 * plen out of range. */
int sbc_lpm_add(sbc_lpm_t *t, const uint8_t *key, int plen, sbc_gwref_t ref, const char **why);
/* Removes ref from key/plen; a prefix left without references disappears.
 * C_ERR (*why "not found") when it is not there. */
int sbc_lpm_del(sbc_lpm_t *t, const uint8_t *key, int plen, sbc_gwref_t ref, const char **why);

/* The longest prefix containing addr that has references. */
bool sbc_lpm_match(const sbc_lpm_t *t, const uint8_t *addr, const sbc_gwref_t **refs, size_t *n,
                   int *plen);
/* The longest prefix containing addr with a reference of `carrier`; *ref
 * is the first such reference (lowest gateway index). */
bool sbc_lpm_match_carrier(const sbc_lpm_t *t, const uint8_t *addr, uint32_t carrier,
                           sbc_gwref_t *ref, int *plen);

size_t sbc_lpm_refs(const sbc_lpm_t *t);   /* (prefix, reference) pairs */
size_t sbc_lpm_nodes(const sbc_lpm_t *t);
size_t sbc_lpm_bytes(const sbc_lpm_t *t);  /* allocated bytes (requested sizes) */

#endif
