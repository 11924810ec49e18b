/* lpm.c -- path-compressed binary trie for longest-prefix match (lpm.h). */
#include "sbc/lpm.h"

#include <stdlib.h>
#include <string.h>

#include "sbc/map.h"

typedef struct lpm_node {
    struct lpm_node *child[2];
    sbc_gwref_t *refs;  /* sorted (carrier, gw); == &one while cap == 1 */
    uint32_t nrefs, cap;
    sbc_gwref_t one;    /* the single reference most prefixes have, inline */
    uint8_t plen;
    uint8_t key[];      /* bits / 8 bytes, bits past plen zero */
} lpm_node_t;

/* Host addresses (full-length prefixes) are also found by hashing:
 * almost every gateway is one address, and a trie of 100,000 of them is
 * ~20 levels deep -- a cache miss each, the largest single cost of an
 * inbound lookup.  A full-length prefix is the longest one possible, so a
 * hit answers sbc_lpm_match outright; anything else walks the trie.  IPv4
 * only (the key is the address + 1, 0 being the map's empty key). */
struct sbc_lpm {
    lpm_node_t *root;
    int bits, kbytes;
    size_t nodes, refs, bytes;
    sbc_map_t hosts;    /* IPv4 /32 nodes that hold references */
};

static uint64_t host_key(const uint8_t *a)
{
    return ((uint64_t)a[0] << 24 | (uint64_t)a[1] << 16 | (uint64_t)a[2] << 8 | a[3]) + 1;
}

/* A /32 node gained its first reference: index it (edits run in the
 * exclusive section, so the map may be rebuilt in place). */
static void host_put(sbc_lpm_t *t, lpm_node_t *n)
{
    if (t->bits != 32 || n->plen != 32) return;
    if (!t->hosts.keys || !sbc_map_fits(&t->hosts, 1)) {
        sbc_map_t g;
        if (t->hosts.keys) {
            sbc_map_grown(&t->hosts, 1, &g);
            t->bytes -= sbc_map_bytes(&t->hosts);
            sbc_map_fini(&t->hosts);
        } else {
            sbc_map_init(&g, 64);
        }
        t->hosts = g;
        t->bytes += sbc_map_bytes(&t->hosts);
    }
    sbc_map_put(&t->hosts, host_key(n->key), n);
}

/* A /32 node lost its last reference (it is about to be freed). */
static void host_del(sbc_lpm_t *t, const lpm_node_t *n)
{
    if (t->bits == 32 && n->plen == 32 && t->hosts.keys) sbc_map_del(&t->hosts, host_key(n->key));
}

static const lpm_node_t *host_get(const sbc_lpm_t *t, const uint8_t *addr)
{
    return t->bits == 32 && t->hosts.count ? sbc_map_get(&t->hosts, host_key(addr)) : NULL;
}

/* Bit i of key, counting from the most significant bit of key[0]. */
static inline int bit_at(const uint8_t *key, int i)
{
    return (key[i >> 3] >> (7 - (i & 7))) & 1;
}

/* Length of the common prefix of a and b, at most max bits. */
static int common_len(const uint8_t *a, const uint8_t *b, int max)
{
    int i = 0;
    while (i < max) {
        int byte = i >> 3;
        unsigned x = (unsigned)(a[byte] ^ b[byte]);
        if (x == 0) {
            i = (byte + 1) * 8;
            continue;
        }
        i = byte * 8 + (__builtin_clz(x) - 24);
        break;
    }
    return i < max ? i : max;
}

static void mask_to(uint8_t *key, int kbytes, int plen)
{
    for (int b = 0; b < kbytes; b++) {
        int keep = plen - b * 8;
        if (keep >= 8) continue;
        key[b] = keep <= 0 ? 0 : (uint8_t)(key[b] & (uint8_t)(0xFF00u >> keep));
    }
}

static size_t node_size(const sbc_lpm_t *t)
{
    return sizeof(lpm_node_t) + (size_t)t->kbytes;
}

static lpm_node_t *node_new(sbc_lpm_t *t, const uint8_t *key, int plen)
{
    lpm_node_t *n = xcalloc(1, node_size(t));
    memcpy(n->key, key, (size_t)t->kbytes);
    mask_to(n->key, t->kbytes, plen);
    n->plen = (uint8_t)plen;
    n->refs = &n->one;
    n->cap = 1;
    t->nodes++;
    t->bytes += node_size(t);
    return n;
}

static void node_free(sbc_lpm_t *t, lpm_node_t *n)
{
    if (n->cap > 1) {
        free(n->refs);
        t->bytes -= n->cap * sizeof(sbc_gwref_t);
    }
    t->nodes--;
    t->bytes -= node_size(t);
    free(n);
}

sbc_lpm_t *sbc_lpm_new(int bits)
{
    if (bits != 32 && bits != 128) return NULL;
    sbc_lpm_t *t = xcalloc(1, sizeof *t);
    t->bits = bits;
    t->kbytes = bits / 8;
    t->bytes = sizeof *t;
    return t;
}

static void free_rec(sbc_lpm_t *t, lpm_node_t *n)
{
    /* depth is bounded by the key length (each level is a longer prefix) */
    if (n == NULL) return;
    free_rec(t, n->child[0]);
    free_rec(t, n->child[1]);
    node_free(t, n);
}

void sbc_lpm_free(sbc_lpm_t *t)
{
    if (t == NULL) return;
    free_rec(t, t->root);
    if (t->hosts.keys) sbc_map_fini(&t->hosts);
    free(t);
}

static int ref_cmp(sbc_gwref_t a, sbc_gwref_t b)
{
    if (a.carrier != b.carrier) return a.carrier < b.carrier ? -1 : 1;
    if (a.gw != b.gw) return a.gw < b.gw ? -1 : 1;
    return 0;
}

/* First index whose reference is >= r (binary search). */
static uint32_t ref_lower(const lpm_node_t *n, sbc_gwref_t r)
{
    uint32_t lo = 0, hi = n->nrefs;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ref_cmp(n->refs[mid], r) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void ref_insert(sbc_lpm_t *t, lpm_node_t *n, sbc_gwref_t r)
{
    uint32_t at = ref_lower(n, r);
    if (at < n->nrefs && ref_cmp(n->refs[at], r) == 0) return;
    if (n->nrefs == n->cap) {
        uint32_t ncap = n->cap * 2;
        sbc_gwref_t *p;
        if (n->cap == 1) {
            p = xmalloc(ncap * sizeof *p);
            memcpy(p, n->refs, n->nrefs * sizeof *p);
        } else {
            p = xrealloc(n->refs, ncap * sizeof *p);
            t->bytes -= n->cap * sizeof *p;
        }
        t->bytes += ncap * sizeof *p;
        n->refs = p;
        n->cap = ncap;
    }
    memmove(n->refs + at + 1, n->refs + at, (n->nrefs - at) * sizeof *n->refs);
    n->refs[at] = r;
    n->nrefs++;
    t->refs++;
}

static bool ref_remove(sbc_lpm_t *t, lpm_node_t *n, sbc_gwref_t r)
{
    uint32_t at = ref_lower(n, r);
    if (at >= n->nrefs || ref_cmp(n->refs[at], r) != 0) return false;
    memmove(n->refs + at, n->refs + at + 1, (n->nrefs - at - 1) * sizeof *n->refs);
    n->nrefs--;
    t->refs--;
    /* back to the inline slot when one or none is left */
    if (n->cap > 1 && n->nrefs <= 1) {
        if (n->nrefs == 1) n->one = n->refs[0];
        free(n->refs);
        t->bytes -= n->cap * sizeof(sbc_gwref_t);
        n->refs = &n->one;
        n->cap = 1;
    }
    return true;
}

/* The trie's key of a prefix: key_in's first t->kbytes bytes, cut to
 * plen bits (what add and del look up); C_ERR with *why when plen is out
 * of range. */
static int key_of(const sbc_lpm_t *t, const uint8_t *key_in, int plen, uint8_t key[16],
                  const char **why)
{
    if (plen < 0 || plen > t->bits) {
        if (why) *why = "prefix length out of range";
        return C_ERR;
    }
    memset(key, 0, 16);
    memcpy(key, key_in, (size_t)t->kbytes);
    mask_to(key, t->kbytes, plen);
    return C_OK;
}

int sbc_lpm_add(sbc_lpm_t *t, const uint8_t *key_in, int plen, sbc_gwref_t ref, const char **why)
{
    uint8_t key[16];
    if (key_of(t, key_in, plen, key, why) != C_OK) return C_ERR;

    lpm_node_t **pp = &t->root;
    lpm_node_t *n;
    for (;;) {
        n = *pp;
        if (n == NULL) {
            n = node_new(t, key, plen);
            *pp = n;
            break;
        }
        int m = n->plen < plen ? n->plen : plen;
        int cl = common_len(n->key, key, m);
        if (cl < n->plen) {
            /* the new prefix leaves n's path at bit cl */
            if (cl == plen) {
                lpm_node_t *up = node_new(t, key, plen);
                up->child[bit_at(n->key, plen)] = n;
                *pp = up;
                n = up;
            } else {
                lpm_node_t *fork = node_new(t, key, cl);
                lpm_node_t *leaf = node_new(t, key, plen);
                fork->child[bit_at(n->key, cl)] = n;
                fork->child[bit_at(key, cl)] = leaf;
                *pp = fork;
                n = leaf;
            }
            break;
        }
        if (n->plen == plen) break;
        pp = &n->child[bit_at(key, n->plen)];
    }
    ref_insert(t, n, ref);
    if (n->nrefs == 1) host_put(t, n);
    return C_OK;
}

int sbc_lpm_del(sbc_lpm_t *t, const uint8_t *key_in, int plen, sbc_gwref_t ref, const char **why)
{
    uint8_t key[16];
    if (key_of(t, key_in, plen, key, why) != C_OK) return C_ERR;

    lpm_node_t **path[130];
    int depth = 0;
    lpm_node_t **pp = &t->root;
    lpm_node_t *n = NULL;
    while (*pp) {
        n = *pp;
        if (n->plen > plen || common_len(n->key, key, n->plen) < n->plen) break;
        path[depth++] = pp;
        if (n->plen == plen) break;
        pp = &n->child[bit_at(key, n->plen)];
    }
    if (depth == 0 || (*path[depth - 1])->plen != plen || !ref_remove(t, *path[depth - 1], ref)) {
        if (why) *why = "not found";
        return C_ERR;
    }
    n = *path[depth - 1];
    if (n->nrefs > 0) return C_OK;
    host_del(t, n);
    /* n no longer holds a prefix: keep it only as a fork of two children */
    if (n->child[0] && n->child[1]) return C_OK;
    lpm_node_t *only = n->child[0] ? n->child[0] : n->child[1];
    *path[depth - 1] = only;
    node_free(t, n);
    if (only == NULL && depth >= 2) {
        /* n was a leaf: its parent may now be a fork with one child */
        lpm_node_t *par = *path[depth - 2];
        if (par->nrefs == 0) {
            lpm_node_t *other = par->child[0] ? par->child[0] : par->child[1];
            *path[depth - 2] = other;
            node_free(t, par);
        }
    }
    return C_OK;
}

bool sbc_lpm_match(const sbc_lpm_t *t, const uint8_t *addr, const sbc_gwref_t **refs, size_t *n,
                   int *plen)
{
    const lpm_node_t *best = host_get(t, addr);
    for (const lpm_node_t *x = best ? NULL : t->root; x;) {
        if (common_len(x->key, addr, x->plen) < x->plen) break;
        if (x->nrefs) best = x;
        if (x->plen == t->bits) break;
        x = x->child[bit_at(addr, x->plen)];
    }
    if (best == NULL) return false;
    if (refs) *refs = best->refs;
    if (n) *n = best->nrefs;
    if (plen) *plen = best->plen;
    return true;
}

bool sbc_lpm_match_carrier(const sbc_lpm_t *t, const uint8_t *addr, uint32_t carrier,
                           sbc_gwref_t *ref, int *plen)
{
    sbc_gwref_t probe = {carrier, 0};
    const lpm_node_t *h = host_get(t, addr);
    if (h) {
        uint32_t at = ref_lower(h, probe);
        if (at < h->nrefs && h->refs[at].carrier == carrier) {
            if (ref) *ref = h->refs[at];
            if (plen) *plen = h->plen;
            return true;
        }
    }
    /* every prefix on the path that contains addr, shortest first */
    const lpm_node_t *on[130];
    int k = 0;
    for (const lpm_node_t *x = t->root; x;) {
        if (common_len(x->key, addr, x->plen) < x->plen) break;
        if (x->nrefs) on[k++] = x;
        if (x->plen == t->bits) break;
        x = x->child[bit_at(addr, x->plen)];
    }
    while (k-- > 0) {
        uint32_t at = ref_lower(on[k], probe);
        if (at < on[k]->nrefs && on[k]->refs[at].carrier == carrier) {
            if (ref) *ref = on[k]->refs[at];
            if (plen) *plen = on[k]->plen;
            return true;
        }
    }
    return false;
}

size_t sbc_lpm_refs(const sbc_lpm_t *t) { return t->refs; }
size_t sbc_lpm_nodes(const sbc_lpm_t *t) { return t->nodes; }
size_t sbc_lpm_bytes(const sbc_lpm_t *t) { return t->bytes; }
