/* invgen.c -- realistic synthetic inventory CSV.
 *
 * Uniqueness without a set of used numbers: each numbering range (a NANP
 * area code, or a range of another country) is a contiguous index space
 * 0..domain-1 that maps one-to-one onto its numbers.  Each range walks its
 * space through a keyed pseudo-random permutation (a 4-round Feistel network
 * on the next power of four, with cycle walking), taking indices 0, 1, 2...
 * in order; distinct indices give distinct numbers, and ranges of one
 * country never overlap.  Memory is a few kilobytes whatever the count.
 *
 * Each row first picks a country (mix only), then a range by weight.  A
 * range that runs out is dropped from the draw; the total capacity is
 * checked up front so the draw can never run dry.
 */
#include "core/invgen.h"
#include "core/invgen_data.h"

#include <stdlib.h>
#include <string.h>

const char *const invgen_countries[] = {"US", "CA", "GB", "DE", "FR", "NL", "AU", NULL};

static const char CSV_HEADER[] =
    "number,country_iso,type,sub_type,prefix,city,region,rate_center,lata,"
    "voice_enabled,sms_enabled,mms_enabled,setup_rate,monthly_rental_rate,"
    "voice_rate,sms_rate,mms_rate,restriction,restriction_text,carrier\n";

#define OUTBUF_SIZE (1u << 18)
#define ROW_MAX 1024 /* generous bound on one row with the data tables */
#define NANP_BLOCK 10000u

/* ---- randomness ----------------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* splitmix64 */
static uint64_t rng_next(uint64_t *s)
{
    *s += 0x9e3779b97f4a7c15ULL;
    return mix64(*s);
}

/* Uniform-enough value in [0, n); n < 2^40 here, so the modulo bias of a
 * 64-bit draw is far below anything observable. */
static uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return rng_next(s) % n;
}

typedef struct {
    uint64_t n;      /* domain size */
    unsigned half;   /* bits per Feistel half */
    uint64_t mask;
    uint64_t key[4];
} perm_t;

static void perm_init(perm_t *p, uint64_t n, uint64_t key)
{
    unsigned bits = 1;
    while (bits < 64 && (UINT64_C(1) << bits) < n) bits++;
    p->n = n;
    p->half = (bits + 1) / 2;
    p->mask = (UINT64_C(1) << p->half) - 1;
    for (int i = 0; i < 4; i++) p->key[i] = mix64(key + (uint64_t)(i + 1) * 0x632be59bd9b4e019ULL);
}

/* Bijection on [0, n): Feistel on [0, 4^half) plus cycle walking. */
static uint64_t perm_apply(const perm_t *p, uint64_t x)
{
    do {
        uint64_t l = x >> p->half, r = x & p->mask;
        for (int i = 0; i < 4; i++) {
            uint64_t f = mix64(r ^ p->key[i]) & p->mask;
            uint64_t t = l ^ f;
            l = r;
            r = t;
        }
        x = (l << p->half) | r;
    } while (x >= p->n);
    return x;
}

/* ---- run-time state ------------------------------------------------- */

/* Valid central-office codes: NXX with N = 2-9, not N11, not 555, and not
 * the special-use 950/958/959/976.  Returns how many were stored. */
static size_t nanp_nxx_init(uint16_t nxx[800])
{
    size_t n = 0;
    for (unsigned v = 200; v <= 999; v++) {
        if (v % 100 == 11) continue;
        if (v == 555 || v == 950 || v == 958 || v == 959 || v == 976) continue;
        nxx[n++] = (uint16_t)v;
    }
    return n;
}

typedef struct {
    const ig_nanp_area *area;   /* NANP, or */
    const ig_range *rng;        /* other */
    uint64_t domain, next, weight;
    uint64_t pow;               /* 10^(free digits - 1), other only */
    uint32_t id;                /* for the per-block carrier hash */
    uint8_t free_digits;
    perm_t perm;
} rt_range;

typedef struct {
    const ig_country *c;
    const uint16_t *nxx;        /* valid NXX codes (shared) */
    size_t cc_len;
    rt_range *r;
    size_t n;
    uint64_t *cum;              /* cumulative weights */
    uint64_t total;             /* sum of weights of live ranges */
    uint64_t capacity;          /* numbers left over all live ranges */
} rt_country;

static void country_recum(rt_country *k)
{
    uint64_t t = 0;
    for (size_t i = 0; i < k->n; i++) {
        t += k->r[i].weight;
        k->cum[i] = t;
    }
    k->total = t;
}

static uint64_t pow10u(unsigned e)
{
    uint64_t p = 1;
    while (e--) p *= 10;
    return p;
}

static void country_init(rt_country *k, const ig_country *c, size_t ci, uint64_t seed,
                         const uint16_t *nxx, size_t n_nxx)
{
    memset(k, 0, sizeof *k);
    k->c = c;
    k->nxx = nxx;
    k->cc_len = strlen(c->cc);
    k->n = c->nanp ? c->n_nanp : c->n_ranges;
    k->r = xcalloc(k->n, sizeof *k->r);
    k->cum = xcalloc(k->n, sizeof *k->cum);

    uint64_t local_w = 0;
    size_t n_tf = 0;
    if (c->nanp) {
        for (size_t i = 0; i < c->n_nanp; i++) {
            if (c->nanp[i].lata) local_w += c->nanp[i].weight;
            else n_tf++;
        }
    }
    for (size_t i = 0; i < k->n; i++) {
        rt_range *r = &k->r[i];
        r->id = (uint32_t)(ci * 1000 + i);
        if (c->nanp) {
            r->area = &c->nanp[i];
            r->domain = (uint64_t)n_nxx * NANP_BLOCK;
            if (r->area->lata) {
                r->weight = (uint64_t)r->area->weight * 1000;
            } else {
                /* toll-free share p of all rows: tf / (local + tf) = p */
                uint64_t p = c->tollfree_permille;
                r->weight = n_tf && p < 1000 ? local_w * 1000 * p / (1000 - p) / n_tf : 0;
            }
        } else {
            r->rng = &c->ranges[i];
            r->free_digits = (uint8_t)(r->rng->nsn_len - strlen(r->rng->lead));
            r->pow = pow10u(r->free_digits - 1u);
            r->domain = (uint64_t)(r->rng->hi - r->rng->lo + 1) * r->pow;
            r->weight = r->rng->weight;
        }
        if (c->profile[c->nanp ? (r->area->lata ? IG_LOCAL : IG_TOLLFREE) : r->rng->type] == NULL)
            r->weight = 0;
        perm_init(&r->perm, r->domain, mix64(seed ^ mix64(0x5eedULL + r->id)));
        if (r->weight) k->capacity += r->domain;
    }
    country_recum(k);
}

static void country_free(rt_country *k)
{
    free(k->r);
    free(k->cum);
}

static size_t pick_cum(const uint64_t *cum, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n - 1; /* first i with cum[i] > x */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cum[mid] > x) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

/* ---- row formatting ------------------------------------------------- */

static char *put_str(char *p, const char *s)
{
    size_t n = strlen(s);
    memcpy(p, s, n);
    return p + n;
}

static char *put_digits(char *p, uint64_t v, unsigned width)
{
    for (unsigned i = width; i-- > 0;) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + width;
}

static const char *const TYPE_NAME[IG_NTYPES] = {"fixed", "mobile", "tollfree", "fixed"};
static const char *const SUBTYPE_NAME[IG_NTYPES] = {"local", "mobile", "tollfree", "national"};

/* Formats the row for index idx of range r; returns the end pointer. */
static char *emit_row(char *p, const rt_country *k, const rt_range *r, uint64_t idx)
{
    const ig_country *c = k->c;
    char *num = p;
    const char *city, *region, *rc = "";
    unsigned type, lata = 0;
    uint64_t block;
    size_t prefix_len;

    p = put_str(p, c->cc);
    if (r->area) {
        const ig_nanp_area *a = r->area;
        unsigned nxx = k->nxx[idx / NANP_BLOCK];
        p = put_digits(p, a->npa, 3);
        p = put_digits(p, nxx, 3);
        p = put_digits(p, idx % NANP_BLOCK, 4);
        block = (uint64_t)a->npa * 1000 + nxx;
        prefix_len = 3;
        city = a->city;
        region = a->region;
        if (a->lata) {
            size_t nrc = 0;
            while (nrc < IG_MAX_RC && a->rc[nrc]) nrc++;
            /* The main rate center holds about half of the NXX codes. */
            uint64_t h = mix64(block * 0x9e3779b97f4a7c15ULL) % (2 * nrc);
            rc = a->rc[h < nrc ? h : 0];
            lata = a->lata;
            type = IG_LOCAL;
        } else {
            type = IG_TOLLFREE;
        }
    } else {
        const ig_range *g = r->rng;
        p = put_str(p, g->lead);
        *p++ = (char)('0' + g->lo + idx / r->pow);
        p = put_digits(p, idx % r->pow, r->free_digits - 1u);
        block = idx / NANP_BLOCK;
        prefix_len = g->prefix_len ? g->prefix_len : strlen(g->lead);
        city = g->city;
        region = g->region ? g->region : c->name;
        type = g->type;
    }
    const ig_profile *pf = c->profile[type];
    const ig_carrier *car = &ig_carriers[mix64(block ^ ((uint64_t)r->id << 40)) % ig_carrier_count];
    bool mms = pf->mms && car->mms;

    *p++ = ',';
    p = put_str(p, c->iso);
    *p++ = ',';
    p = put_str(p, TYPE_NAME[type]);
    *p++ = ',';
    p = put_str(p, SUBTYPE_NAME[type]);
    *p++ = ',';
    memcpy(p, num + k->cc_len, prefix_len);
    p += prefix_len;
    *p++ = ',';
    p = put_str(p, city);
    *p++ = ',';
    p = put_str(p, region);
    *p++ = ',';
    p = put_str(p, rc);
    *p++ = ',';
    if (lata) p = put_digits(p, lata, 3);
    *p++ = ',';
    p = put_str(p, pf->voice ? "true," : "false,");
    p = put_str(p, pf->sms ? "true," : "false,");
    p = put_str(p, mms ? "true," : "false,");
    p = put_str(p, pf->setup);
    *p++ = ',';
    p = put_str(p, pf->monthly);
    *p++ = ',';
    p = put_str(p, pf->voice ? pf->voice_rate : "");
    *p++ = ',';
    p = put_str(p, pf->sms ? pf->sms_rate : "");
    *p++ = ',';
    p = put_str(p, mms ? pf->mms_rate : "");
    *p++ = ',';
    p = put_str(p, pf->restriction);
    *p++ = ',';
    p = put_str(p, pf->restriction_text);
    *p++ = ',';
    p = put_str(p, car->name);
    *p++ = '\n';
    return p;
}

/* ---- driver --------------------------------------------------------- */

static int flush_buf(FILE *out, const char *buf, size_t n)
{
    if (n && fwrite(buf, 1, n, out) != n) return C_ERR;
    return C_OK;
}

static const ig_country *find_country(const char *iso, size_t *index)
{
    for (size_t i = 0; i < ig_country_count; i++) {
        if (nd_strcasecmp(iso, ig_country_table[i].iso) == 0) {
            *index = i;
            return &ig_country_table[i];
        }
    }
    return NULL;
}

int invgen_write(FILE *out, const char *country, uint64_t count, uint64_t seed,
                 const char **err)
{
    const char *dummy;
    if (err == NULL) err = &dummy;
    size_t only = 0;
    if (country != NULL && find_country(country, &only) == NULL) {
        *err = "unknown country for generate (known: US CA GB DE FR NL AU)";
        return C_ERR;
    }
    if (count == 0) {
        *err = "count must be at least 1";
        return C_ERR;
    }

    uint16_t nxx[800];
    size_t n_nxx = nanp_nxx_init(nxx);
    size_t nk = country ? 1 : ig_country_count;
    rt_country *ks = xcalloc(nk, sizeof *ks);
    uint64_t *kcum = xcalloc(nk, sizeof *kcum);
    uint64_t capacity = 0;
    for (size_t i = 0; i < nk; i++) {
        size_t ci = country ? only : i;
        country_init(&ks[i], &ig_country_table[ci], ci, seed, nxx, n_nxx);
        capacity += ks[i].capacity;
    }
    int rc = C_OK;
    if (count > capacity) {
        *err = "count exceeds the numbers available for generate";
        rc = C_ERR;
        goto done;
    }

    /* Country draw for the mix: weights are mix percentages; a country
     * whose ranges all ran out drops to weight 0. */
    uint64_t ktotal = 0;
    for (size_t i = 0; i < nk; i++) {
        ktotal += ks[i].capacity ? (nk == 1 ? 1 : ks[i].c->mix_weight) : 0;
        kcum[i] = ktotal;
    }

    uint64_t state = mix64(seed ^ 0x696e7667656e3031ULL);
    char *buf = xmalloc(OUTBUF_SIZE);
    size_t used = sizeof CSV_HEADER - 1;
    memcpy(buf, CSV_HEADER, used);

    for (uint64_t row = 0; row < count; row++) {
        size_t ki = nk == 1 ? 0 : pick_cum(kcum, nk, rng_below(&state, ktotal));
        rt_country *k = &ks[ki];
        size_t ri = pick_cum(k->cum, k->n, rng_below(&state, k->total));
        rt_range *r = &k->r[ri];
        uint64_t idx = perm_apply(&r->perm, r->next++);
        k->capacity--;
        if (r->next == r->domain) {
            r->weight = 0;
            country_recum(k);
            if (k->capacity == 0) {
                ktotal = 0;
                for (size_t i = 0; i < nk; i++) {
                    ktotal += ks[i].capacity ? (nk == 1 ? 1 : ks[i].c->mix_weight) : 0;
                    kcum[i] = ktotal;
                }
            }
        }
        if (used > OUTBUF_SIZE - ROW_MAX) {
            if (flush_buf(out, buf, used) != C_OK) {
                rc = C_ERR;
                break;
            }
            used = 0;
        }
        used = (size_t)(emit_row(buf + used, k, r, idx) - buf);
    }
    if (rc == C_OK && flush_buf(out, buf, used) != C_OK) rc = C_ERR;
    if (rc == C_OK && (fflush(out) != 0 || ferror(out))) rc = C_ERR;
    if (rc != C_OK) *err = "write error";
    free(buf);

done:
    for (size_t i = 0; i < nk; i++) country_free(&ks[i]);
    free(ks);
    free(kcum);
    return rc;
}
