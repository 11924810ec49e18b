/* avail.c -- see avail.h.
 *
 * Layout.  The numbers are a sorted run (keys[] and meta[], parallel
 * arrays) and a small sorted tail where numbers added after the load land.
 * A purchase marks its number deleted in place (a bit of the key); when
 * the tail is full, or a quarter of the run is deleted, run and tail are
 * merged into a new run (O(n), so O(n / TAIL_MAX) a change).  A search
 * merges the two in key order.
 *
 * Each place lists the positions of its run entries in ascending order
 * (pos[], one array for all places: place_t.pos_off, pos_len), rebuilt with
 * the run (a counting sort).  A run entry whose place changes is marked
 * deleted and the number goes to the tail, so that the lists stay true.
 *
 * Key: digit i (0-based) of the number is nibble 14 - i of the top 60 bits,
 * stored as digit + 1 (0 ends the number): "12" < "123" as text and as key.
 * Low 4 bits: services << 1 | deleted.  Meta: place << 5 | types. */
#include "avail/avail.h"

#include <stdlib.h>
#include <string.h>

#include "util/common.h"

#define TAIL_MAX 4096
#define PLACE_MAX (1u << 27)
/* A search without a prefix, or by place, looks at every place; past this
 * many it is SQL's. */
#define PLACE_SCAN_MAX 65536

#define KEY_DEL 1ull
#define KEY_CAPS(k) ((int)(((k) >> 1) & 7))
#define KEY_NIB(k) ((k) >> 4)

static const char *const k_types[5] = {"local", "national", "mobile", "tollfree", "fixed"};

/* ---- interned strings ------------------------------------------------------ */

typedef struct {
    char **s;               /* id - 1 -> string (id 0: none) */
    size_t n, cap;
    uint32_t *slots;        /* open addressing: id, 0 = empty */
    size_t nslots;          /* a power of two */
} strtab_t;

static uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static void strtab_fini(strtab_t *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->s[i]);
    free(t->s);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static void strtab_rehash(strtab_t *t, size_t nslots)
{
    free(t->slots);
    t->slots = xcalloc(nslots, sizeof *t->slots);
    t->nslots = nslots;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = hash_bytes(t->s[i], strlen(t->s[i]), 0xcbf29ce484222325ull) & (nslots - 1);
        while (t->slots[j]) j = (j + 1) & (nslots - 1);
        t->slots[j] = (uint32_t)(i + 1);
    }
}

/* The id of s (1..), 0 when absent and !add. */
static uint32_t strtab_id(strtab_t *t, const char *s, bool add)
{
    size_t len = strlen(s);
    if (t->nslots) {
        size_t j = hash_bytes(s, len, 0xcbf29ce484222325ull) & (t->nslots - 1);
        for (; t->slots[j]; j = (j + 1) & (t->nslots - 1))
            if (strcmp(t->s[t->slots[j] - 1], s) == 0) return t->slots[j];
    }
    if (!add) return 0;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->s = xrealloc(t->s, t->cap * sizeof *t->s);
    }
    t->s[t->n++] = xstrdup(s);
    if (t->n * 2 > t->nslots) strtab_rehash(t, t->nslots ? t->nslots * 2 : 128);
    else {
        size_t j = hash_bytes(s, len, 0xcbf29ce484222325ull) & (t->nslots - 1);
        while (t->slots[j]) j = (j + 1) & (t->nslots - 1);
        t->slots[j] = (uint32_t)t->n;
    }
    return (uint32_t)t->n;
}

/* SQLite's NOCASE: ASCII letters folded, every other byte as it is. */
static void fold(const char *s, char *out, size_t sz)
{
    size_t i = 0;
    for (; s[i] && i + 1 < sz; i++) out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    out[i] = '\0';
}

/* ---- places ---------------------------------------------------------------- */

typedef struct {
    uint8_t combo;          /* types << 3 | services */
    uint32_t n;
} combo_t;

typedef struct {
    uint32_t country, region, city, rc;   /* interned ids */
    bool has_lata;
    int32_t lata;
    combo_t *combos;
    uint8_t ncombos, capcombos;
    uint32_t total;         /* its numbers, run and tail */
    uint32_t pos_off, pos_len; /* its run entries' positions: pos[pos_off ..] */
} place_t;

struct avail {
    uint64_t *keys;
    uint32_t *meta;
    uint32_t *ids;               /* the rows' ids: a page is read by them */
    uint32_t *pos;               /* n entries: run positions by place */
    size_t n, cap, ndel;
    uint64_t tkeys[TAIL_MAX];    /* sorted */
    uint32_t tmeta[TAIL_MAX];
    uint32_t tids[TAIL_MAX];
    size_t nt;
    bool sealed;
    strtab_t countries, names;   /* names: region, city, rate center (folded) */
    place_t *places;
    size_t nplaces, capplaces;
    uint32_t *pslots;            /* open addressing over places: id + 1 */
    size_t npslots;
    bool broken;
};

static uint64_t place_hash(const place_t *p)
{
    uint32_t v[5] = {p->country, p->region, p->city, p->rc, p->has_lata ? (uint32_t)p->lata : 0xffffffffu};
    return hash_bytes(v, sizeof v, 0xcbf29ce484222325ull ^ (uint64_t)p->has_lata);
}

static bool place_same(const place_t *a, const place_t *b)
{
    return a->country == b->country && a->region == b->region && a->city == b->city &&
           a->rc == b->rc && a->has_lata == b->has_lata && (!a->has_lata || a->lata == b->lata);
}

static void places_rehash(avail_t *a, size_t nslots)
{
    free(a->pslots);
    a->pslots = xcalloc(nslots, sizeof *a->pslots);
    a->npslots = nslots;
    for (size_t i = 0; i < a->nplaces; i++) {
        size_t j = place_hash(&a->places[i]) & (nslots - 1);
        while (a->pslots[j]) j = (j + 1) & (nslots - 1);
        a->pslots[j] = (uint32_t)(i + 1);
    }
}

/* The place's id, added if new; UINT32_MAX when there is no room. */
static uint32_t place_id(avail_t *a, const place_t *p)
{
    if (a->npslots) {
        size_t j = place_hash(p) & (a->npslots - 1);
        for (; a->pslots[j]; j = (j + 1) & (a->npslots - 1))
            if (place_same(&a->places[a->pslots[j] - 1], p)) return a->pslots[j] - 1;
    }
    if (a->nplaces >= PLACE_MAX) return UINT32_MAX;
    if (a->nplaces == a->capplaces) {
        a->capplaces = a->capplaces ? a->capplaces * 2 : 64;
        a->places = xrealloc(a->places, a->capplaces * sizeof *a->places);
    }
    a->places[a->nplaces] = *p;
    a->places[a->nplaces].combos = NULL;
    a->places[a->nplaces].ncombos = a->places[a->nplaces].capcombos = 0;
    a->places[a->nplaces].total = 0;
    a->nplaces++;
    if (a->nplaces * 2 > a->npslots) places_rehash(a, a->npslots ? a->npslots * 2 : 128);
    else {
        size_t j = place_hash(p) & (a->npslots - 1);
        while (a->pslots[j]) j = (j + 1) & (a->npslots - 1);
        a->pslots[j] = (uint32_t)a->nplaces;
    }
    return (uint32_t)(a->nplaces - 1);
}

/* Counts one number in (d = +1) or out of (d = -1) its place. */
static void place_count(avail_t *a, uint64_t key, uint32_t meta, int d)
{
    place_t *p = &a->places[meta >> 5];
    uint8_t combo = (uint8_t)((meta & 31) << 3 | (uint32_t)KEY_CAPS(key));
    p->total = (uint32_t)((int64_t)p->total + d);
    for (uint8_t i = 0; i < p->ncombos; i++) {
        if (p->combos[i].combo != combo) continue;
        p->combos[i].n = (uint32_t)((int64_t)p->combos[i].n + d);
        if (p->combos[i].n == 0) p->combos[i] = p->combos[--p->ncombos];
        return;
    }
    if (d < 0) return; /* not reached: every number out was counted in */
    if (p->ncombos == 255) {
        a->broken = true; /* not reached: types x services make at most 80 */
        return;
    }
    if (p->ncombos == p->capcombos) {
        p->capcombos = (uint8_t)(p->capcombos ? (p->capcombos * 2 > 255 ? 255 : p->capcombos * 2) : 2);
        p->combos = xrealloc(p->combos, p->capcombos * sizeof *p->combos);
    }
    p->combos[p->ncombos++] = (combo_t){combo, 1};
}

/* ---- keys ------------------------------------------------------------------ */

/* The digits' nibbles (0 when s is not 1-15 digits); *len their count. */
static uint64_t nibbles(const char *s, size_t *len)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; s[i]; i++) {
        if (i >= 15 || s[i] < '0' || s[i] > '9') return 0;
        v |= (uint64_t)(s[i] - '0' + 1) << (56 - 4 * i);
    }
    *len = i;
    return i ? v : 0;
}

/* The first index of keys[0 .. n) whose number is >= nib. */
static size_t keys_lower(const uint64_t *keys, size_t n, uint64_t nib)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (KEY_NIB(keys[mid]) < nib) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static size_t lower(const avail_t *a, uint64_t nib)
{
    return keys_lower(a->keys, a->n, nib);
}

static size_t tail_lower(const avail_t *a, uint64_t nib)
{
    return keys_lower(a->tkeys, a->nt, nib);
}

/* Each place's run positions, in order (a counting sort by place). */
static void build_pos(avail_t *a)
{
    free(a->pos);
    a->pos = xmalloc((a->n ? a->n : 1) * sizeof *a->pos);
    for (size_t p = 0; p < a->nplaces; p++) a->places[p].pos_len = 0;
    for (size_t i = 0; i < a->n; i++) a->places[a->meta[i] >> 5].pos_len++;
    uint32_t off = 0;
    for (size_t p = 0; p < a->nplaces; p++) {
        a->places[p].pos_off = off;
        off += a->places[p].pos_len;
        a->places[p].pos_len = 0;
    }
    for (size_t i = 0; i < a->n; i++) {
        place_t *pl = &a->places[a->meta[i] >> 5];
        a->pos[pl->pos_off + pl->pos_len++] = (uint32_t)i;
    }
}

/* A new run: the old one without its deleted numbers, merged with the tail. */
static void merge(avail_t *a)
{
    size_t want = a->n - a->ndel + a->nt;
    size_t cap = want + want / 8 + 64;
    uint64_t *k = xmalloc(cap * sizeof *k);
    uint32_t *m = xmalloc(cap * sizeof *m);
    uint32_t *d = xmalloc(cap * sizeof *d);
    size_t i = 0, j = 0, o = 0;
    while (i < a->n || j < a->nt) {
        if (i < a->n && (a->keys[i] & KEY_DEL)) { i++; continue; }
        if (j >= a->nt || (i < a->n && KEY_NIB(a->keys[i]) < KEY_NIB(a->tkeys[j]))) {
            k[o] = a->keys[i];
            d[o] = a->ids[i];
            m[o++] = a->meta[i++];
        } else {
            k[o] = a->tkeys[j];
            d[o] = a->tids[j];
            m[o++] = a->tmeta[j++];
        }
    }
    free(a->keys);
    free(a->meta);
    free(a->ids);
    a->keys = k;
    a->meta = m;
    a->ids = d;
    a->n = o;
    a->cap = cap;
    a->ndel = 0;
    a->nt = 0;
    build_pos(a);
}

/* Takes number nib out of the tail, if it is there (uncounted). */
static bool tail_take(avail_t *a, uint64_t nib, uint64_t *key, uint32_t *meta)
{
    size_t j = tail_lower(a, nib);
    if (j >= a->nt || KEY_NIB(a->tkeys[j]) != nib) return false;
    *key = a->tkeys[j];
    *meta = a->tmeta[j];
    memmove(&a->tkeys[j], &a->tkeys[j + 1], (a->nt - j - 1) * sizeof *a->tkeys);
    memmove(&a->tmeta[j], &a->tmeta[j + 1], (a->nt - j - 1) * sizeof *a->tmeta);
    memmove(&a->tids[j], &a->tids[j + 1], (a->nt - j - 1) * sizeof *a->tids);
    a->nt--;
    return true;
}

static void tail_insert(avail_t *a, uint64_t key, uint32_t meta, uint32_t id)
{
    if (a->nt == TAIL_MAX) merge(a);
    size_t j = tail_lower(a, KEY_NIB(key));
    memmove(&a->tkeys[j + 1], &a->tkeys[j], (a->nt - j) * sizeof *a->tkeys);
    memmove(&a->tmeta[j + 1], &a->tmeta[j], (a->nt - j) * sizeof *a->tmeta);
    memmove(&a->tids[j + 1], &a->tids[j], (a->nt - j) * sizeof *a->tids);
    a->tkeys[j] = key;
    a->tmeta[j] = meta;
    a->tids[j] = id;
    a->nt++;
}

/* ---- public ------------------------------------------------------------------ */

avail_t *avail_new(void)
{
    return xcalloc(1, sizeof(avail_t));
}

void avail_seal(avail_t *a)
{
    /* the load's arrays grew by doubling: give back the slack (up to half) */
    if (a->n && a->cap > a->n) {
        a->cap = a->n;
        a->keys = xrealloc(a->keys, a->cap * sizeof *a->keys);
        a->meta = xrealloc(a->meta, a->cap * sizeof *a->meta);
        a->ids = xrealloc(a->ids, a->cap * sizeof *a->ids);
    }
    build_pos(a);
    a->sealed = true;
}

void avail_free(avail_t *a)
{
    if (!a) return;
    free(a->keys);
    free(a->meta);
    free(a->ids);
    free(a->pos);
    for (size_t i = 0; i < a->nplaces; i++) free(a->places[i].combos);
    free(a->places);
    free(a->pslots);
    strtab_fini(&a->countries);
    strtab_fini(&a->names);
    free(a);
}

bool avail_usable(const avail_t *a)
{
    return a && !a->broken && a->sealed;
}

static uint32_t type_bits(const char *t)
{
    uint32_t b = 0;
    for (int i = 0; t && i < 5; i++)
        if (strcmp(t, k_types[i]) == 0) b |= 1u << i;
    return b;
}

int avail_put(avail_t *a, const avail_row_t *r)
{
    size_t len;
    uint64_t nib = nibbles(r->number, &len);
    char f[256];
    if (!nib || r->caps < 0 || r->caps > 7 || r->id <= 0 || r->id > UINT32_MAX) goto broken;
    uint32_t id = (uint32_t)r->id;
    if (strlen(r->region) >= sizeof f || strlen(r->city) >= sizeof f ||
        strlen(r->rate_center) >= sizeof f)
        goto broken;
    place_t p = {0};
    p.country = strtab_id(&a->countries, r->country_iso, true);
    fold(r->region, f, sizeof f);
    p.region = strtab_id(&a->names, f, true);
    fold(r->city, f, sizeof f);
    p.city = strtab_id(&a->names, f, true);
    fold(r->rate_center, f, sizeof f);
    p.rc = strtab_id(&a->names, f, true);
    p.has_lata = r->has_lata;
    p.lata = r->has_lata ? r->lata : 0;
    uint32_t pid = place_id(a, &p);
    if (pid == UINT32_MAX) goto broken;
    uint64_t key = nib << 4 | (uint64_t)r->caps << 1;
    uint32_t meta = pid << 5 | type_bits(r->type) | type_bits(r->sub_type);
    /* a load reads the table in number order: straight onto the run */
    if (!a->sealed && a->nt == 0 && (a->n == 0 || nib > KEY_NIB(a->keys[a->n - 1]))) {
        if (a->n == a->cap) {
            a->cap = a->cap ? a->cap * 2 : 1024;
            a->keys = xrealloc(a->keys, a->cap * sizeof *a->keys);
            a->meta = xrealloc(a->meta, a->cap * sizeof *a->meta);
            a->ids = xrealloc(a->ids, a->cap * sizeof *a->ids);
        }
        a->ids[a->n] = id;
        a->keys[a->n] = key;
        a->meta[a->n++] = meta;
        place_count(a, key, meta, +1);
        return C_OK;
    }
    uint64_t tk;
    uint32_t tm;
    if (tail_take(a, nib, &tk, &tm)) place_count(a, tk, tm, -1);
    size_t i = lower(a, nib);
    if (i < a->n && KEY_NIB(a->keys[i]) == nib) {
        bool live = !(a->keys[i] & KEY_DEL);
        if ((a->meta[i] >> 5) == pid) {
            /* same place: its list holds this position already */
            if (live) place_count(a, a->keys[i], a->meta[i], -1);
            else a->ndel--;
            a->keys[i] = key;
            a->meta[i] = meta;
            a->ids[i] = id;
            place_count(a, key, meta, +1);
            return C_OK;
        }
        if (live) {
            place_count(a, a->keys[i], a->meta[i], -1);
            a->keys[i] |= KEY_DEL;
            a->ndel++;
        }
    }
    tail_insert(a, key, meta, id);
    place_count(a, key, meta, +1);
    return C_OK;
broken:
    a->broken = true;
    return C_ERR;
}

void avail_del(avail_t *a, const char *number)
{
    size_t len;
    uint64_t nib = nibbles(number, &len);
    if (!nib) return;
    uint64_t tk;
    uint32_t tm;
    if (tail_take(a, nib, &tk, &tm)) place_count(a, tk, tm, -1);
    size_t i = lower(a, nib);
    if (i < a->n && KEY_NIB(a->keys[i]) == nib && !(a->keys[i] & KEY_DEL)) {
        place_count(a, a->keys[i], a->meta[i], -1);
        a->keys[i] |= KEY_DEL;
        if (++a->ndel > a->n / 4 && a->ndel > TAIL_MAX) merge(a);
    }
}

/* The filters, resolved to ids once. */
typedef struct {
    uint32_t country, region, city, rc, lca_rc;
    bool by_region, by_city, by_rc, by_lata, by_lca, lca_has_lata;
    int32_t lata, lca_lata;
    uint32_t tbit;          /* 0: any type */
    int caps;
    bool by_place;          /* a filter on the place besides its country */
    bool prefix;
    uint64_t lo, hi;        /* the prefix's keys: [lo, hi) */
    size_t L, H;            /* their run indexes */
} rq_t;

static bool place_ok(const place_t *p, const rq_t *r)
{
    if (p->country != r->country) return false;
    if (r->by_region && p->region != r->region) return false;
    if (r->by_city && p->city != r->city) return false;
    if (r->by_rc && p->rc != r->rc) return false;
    if (r->by_lata && !(p->has_lata && p->lata == r->lata)) return false;
    if (r->by_lca) {
        if (p->rc != r->lca_rc) return false;
        if (r->lca_has_lata ? !(p->has_lata && p->lata == r->lca_lata) : p->has_lata) return false;
    }
    return true;
}

/* An entry's own filters (deleted, services, types), not its place's. */
static bool own_ok(uint64_t k, uint32_t m, const rq_t *r)
{
    if (k & KEY_DEL) return false;
    if ((KEY_CAPS(k) & r->caps) != r->caps) return false;
    return !r->tbit || (m & r->tbit);
}

static bool entry_ok(const avail_t *a, uint64_t k, uint32_t m, const rq_t *r, uint32_t *last_place,
                     bool *last_ok)
{
    if (!own_ok(k, m, r)) return false;
    uint32_t pid = m >> 5;
    if (pid != *last_place) {
        *last_place = pid;
        *last_ok = place_ok(&a->places[pid], r);
    }
    return *last_ok;
}

/* A name filter's id: false when no held number has it. */
static bool name_id(const avail_t *a, const char *s, uint32_t *id)
{
    char f[256];
    if (strlen(s) >= sizeof f) return false;
    fold(s, f, sizeof f);
    *id = strtab_id((strtab_t *)&a->names, f, false);
    return *id != 0;
}

typedef enum { RQ_REFUSED, RQ_EMPTY, RQ_OK } rq_res_t;

static rq_res_t resolve(const avail_t *a, const avail_q_t *q, rq_t *r)
{
    memset(r, 0, sizeof *r);
    if (!avail_usable(a) || (q->glob && q->glob[0]) || (q->caps & ~7)) return RQ_REFUSED;
    r->caps = q->caps;
    if (q->type) {
        r->tbit = type_bits(q->type);
        if (!r->tbit) return RQ_REFUSED;
    }
    /* a value no held number has: nothing matches */
    r->country = strtab_id((strtab_t *)&a->countries, q->country_iso, false);
    if (!r->country) return RQ_EMPTY;
    if ((r->by_region = q->region) && !name_id(a, q->region, &r->region)) return RQ_EMPTY;
    if ((r->by_city = q->city) && !name_id(a, q->city, &r->city)) return RQ_EMPTY;
    if ((r->by_rc = q->rate_center) && !name_id(a, q->rate_center, &r->rc)) return RQ_EMPTY;
    if ((r->by_lca = q->by_lca) && !name_id(a, q->lca_rc, &r->lca_rc)) return RQ_EMPTY;
    r->by_lata = q->by_lata;
    r->lata = q->lata;
    r->lca_has_lata = q->lca_has_lata;
    r->lca_lata = q->lca_lata;
    r->by_place = r->by_region || r->by_city || r->by_rc || r->by_lata || r->by_lca;
    r->L = 0;
    r->H = a->n;
    if (q->prefix && q->prefix[0]) {
        size_t len;
        r->lo = nibbles(q->prefix, &len);
        if (!r->lo) {
            /* longer than any number (or not digits: the core never sends
             * that): nothing starts with it */
            for (const char *p = q->prefix; *p; p++)
                if (*p < '0' || *p > '9') return RQ_REFUSED;
            return RQ_EMPTY;
        }
        r->hi = r->lo + (1ull << (60 - 4 * len)); /* the next prefix's first key */
        r->prefix = true;
        r->L = lower(a, r->lo);
        r->H = lower(a, r->hi);
    }
    if ((!r->prefix || r->by_place) && a->nplaces > PLACE_SCAN_MAX) return RQ_REFUSED;
    return RQ_OK;
}

/* The first position in place p's list that is >= L. */
static size_t pos_lower(const avail_t *a, const place_t *p, size_t L)
{
    size_t lo = 0, hi = p->pos_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a->pos[p->pos_off + mid] < L) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

bool avail_count(const avail_t *a, const avail_q_t *q, int64_t cap, int64_t *out)
{
    *out = 0;
    rq_t r;
    rq_res_t res = resolve(a, q, &r);
    if (res != RQ_OK) return res == RQ_EMPTY;
    int64_t n = 0;
    uint32_t last_place = UINT32_MAX;
    bool last_ok = false;
    if (!r.prefix) {
        /* the places' counters */
        for (size_t i = 0; i < a->nplaces && n < cap; i++) {
            const place_t *p = &a->places[i];
            if (!p->total || !place_ok(p, &r)) continue;
            for (uint8_t c = 0; c < p->ncombos; c++) {
                uint8_t combo = p->combos[c].combo;
                if (((combo & 7) & r.caps) != r.caps) continue;
                if (r.tbit && !((uint32_t)(combo >> 3) & r.tbit)) continue;
                n += p->combos[c].n;
            }
        }
    } else if (r.by_place) {
        /* the matching places' lists, within the prefix's range */
        for (size_t i = 0; i < a->nplaces && n < cap; i++) {
            const place_t *p = &a->places[i];
            if (!p->pos_len || !place_ok(p, &r)) continue;
            for (size_t j = pos_lower(a, p, r.L); j < p->pos_len && n < cap; j++) {
                uint32_t at = a->pos[p->pos_off + j];
                if (at >= r.H) break;
                n += own_ok(a->keys[at], a->meta[at], &r);
            }
        }
    } else {
        for (size_t i = r.L; i < r.H && n < cap; i++)
            if (entry_ok(a, a->keys[i], a->meta[i], &r, &last_place, &last_ok)) n++;
    }
    if (r.prefix) {
        for (size_t j = tail_lower(a, r.lo); j < a->nt && KEY_NIB(a->tkeys[j]) < r.hi && n < cap; j++)
            if (entry_ok(a, a->tkeys[j], a->tmeta[j], &r, &last_place, &last_ok)) n++;
    }
    /* no prefix: the counters hold the tail's numbers too */
    *out = n < cap ? n : cap;
    return true;
}

/* ---- pages ------------------------------------------------------------------ */

/* A min-heap of place-list cursors, by run position. */
typedef struct {
    uint32_t at;            /* the run position it points at */
    uint32_t place;
    uint32_t j;             /* its index in the place's list */
} cur_t;

static void heap_down(cur_t *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && h[l].at < h[m].at) m = l;
        if (l + 1 < n && h[l + 1].at < h[m].at) m = l + 1;
        if (m == i) return;
        cur_t t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* The run's matching entries in order: a walk of [L, H), or (by place, or
 * no prefix) a merge of the matching places' lists. */
typedef struct {
    const avail_t *a;
    const rq_t *r;
    bool merge;
    size_t i;               /* walk */
    cur_t *h;               /* merge */
    size_t nh;
    uint32_t last_place;
    bool last_ok;
} runit_t;

static void runit_init(runit_t *it, const avail_t *a, const rq_t *r)
{
    memset(it, 0, sizeof *it);
    it->a = a;
    it->r = r;
    it->last_place = UINT32_MAX;
    it->merge = r->by_place || !r->prefix;
    it->i = r->L;
    if (!it->merge) return;
    it->h = xmalloc((a->nplaces ? a->nplaces : 1) * sizeof *it->h);
    for (size_t p = 0; p < a->nplaces; p++) {
        const place_t *pl = &a->places[p];
        if (!pl->pos_len || !place_ok(pl, r)) continue;
        size_t j = pos_lower(a, pl, r->L);
        if (j < pl->pos_len && a->pos[pl->pos_off + j] < r->H)
            it->h[it->nh++] = (cur_t){a->pos[pl->pos_off + j], (uint32_t)p, (uint32_t)j};
    }
    for (size_t k = it->nh / 2; k-- > 0;) heap_down(it->h, it->nh, k);
}

/* The next matching run index, or SIZE_MAX. */
static size_t runit_next(runit_t *it)
{
    const avail_t *a = it->a;
    if (!it->merge) {
        while (it->i < it->r->H) {
            size_t i = it->i++;
            if (entry_ok(a, a->keys[i], a->meta[i], it->r, &it->last_place, &it->last_ok)) return i;
        }
        return SIZE_MAX;
    }
    while (it->nh) {
        cur_t *top = &it->h[0];
        size_t at = top->at;
        const place_t *pl = &a->places[top->place];
        if (++top->j < pl->pos_len && a->pos[pl->pos_off + top->j] < it->r->H) {
            top->at = a->pos[pl->pos_off + top->j];
        } else {
            it->h[0] = it->h[--it->nh];
        }
        heap_down(it->h, it->nh, 0);
        if (own_ok(a->keys[at], a->meta[at], it->r)) return at;
    }
    return SIZE_MAX;
}

static void key_digits(uint64_t key, char out[AVAIL_NUMBER_SZ])
{
    uint64_t nib = KEY_NIB(key);
    int i = 0;
    for (; i < 15; i++) {
        unsigned d = (unsigned)(nib >> (56 - 4 * i)) & 15;
        if (!d) break;
        out[i] = (char)('0' + d - 1);
    }
    out[i] = '\0';
}

bool avail_page(const avail_t *a, const avail_q_t *q, int64_t offset, int limit,
                char (*out)[AVAIL_NUMBER_SZ], uint32_t *ids, size_t *n)
{
    *n = 0;
    if (limit < 0 || limit > AVAIL_PAGE_MAX || offset < 0) return false;
    rq_t r;
    rq_res_t res = resolve(a, q, &r);
    if (res != RQ_OK) return res == RQ_EMPTY;
    runit_t it;
    runit_init(&it, a, &r);
    size_t ri = runit_next(&it);
    size_t tj = r.prefix ? tail_lower(a, r.lo) : 0;
    uint32_t last_place = UINT32_MAX;
    bool last_ok = false;
    /* the tail's next match, or nt */
    for (; tj < a->nt; tj++) {
        if (r.prefix && KEY_NIB(a->tkeys[tj]) >= r.hi) { tj = a->nt; break; }
        if (entry_ok(a, a->tkeys[tj], a->tmeta[tj], &r, &last_place, &last_ok)) break;
    }
    int64_t seen = 0;
    while ((ri != SIZE_MAX || tj < a->nt) && *n < (size_t)limit) {
        uint64_t key;
        uint32_t id;
        if (tj >= a->nt || (ri != SIZE_MAX && KEY_NIB(a->keys[ri]) < KEY_NIB(a->tkeys[tj]))) {
            key = a->keys[ri];
            id = a->ids[ri];
            ri = runit_next(&it);
        } else {
            key = a->tkeys[tj];
            id = a->tids[tj];
            for (tj++; tj < a->nt; tj++) {
                if (r.prefix && KEY_NIB(a->tkeys[tj]) >= r.hi) { tj = a->nt; break; }
                if (entry_ok(a, a->tkeys[tj], a->tmeta[tj], &r, &last_place, &last_ok)) break;
            }
        }
        if (seen++ < offset) continue;
        if (ids) ids[*n] = id;
        key_digits(key, out[(*n)++]);
    }
    free(it.h);
    return true;
}

void avail_stats(const avail_t *a, avail_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (!a) return;
    out->numbers = a->n - a->ndel + a->nt;
    out->places = a->nplaces;
    out->bytes = sizeof *a + a->cap * (sizeof *a->keys + sizeof *a->meta + sizeof *a->ids) +
                 a->n * sizeof *a->pos +
                 a->capplaces * sizeof *a->places + a->npslots * sizeof *a->pslots +
                 (a->countries.cap + a->names.cap) * sizeof(char *) +
                 (a->countries.nslots + a->names.nslots) * sizeof(uint32_t);
    for (size_t i = 0; i < a->nplaces; i++) out->bytes += a->places[i].capcombos * sizeof(combo_t);
}
