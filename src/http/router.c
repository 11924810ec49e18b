/* router.c -- matching paths against the route table. */
#include "http/http.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>

http_method_t http_method_from(const char *m)
{
    static const struct {
        const char *name;
        http_method_t m;
    } t[] = {{"GET", HTTP_GET},       {"POST", HTTP_POST}, {"PUT", HTTP_PUT},
             {"PATCH", HTTP_PATCH},   {"DELETE", HTTP_DELETE}, {"HEAD", HTTP_HEAD},
             {"OPTIONS", HTTP_OPTIONS}};
    for (size_t i = 0; i < ND_ARRAY_LEN(t); i++)
        if (strcmp(m, t[i].name) == 0) return t[i].m;
    return HTTP_OTHER;
}

void router_allow_string(unsigned allow, char *out, size_t sz)
{
    static const char *const names[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < ND_ARRAY_LEN(names); i++) {
        if (!(allow & (1u << i))) continue;
        int n = snprintf(out + o, sz - o, "%s%s", o ? ", " : "", names[i]);
        if (n < 0 || (size_t)n >= sz - o) {
            out[o] = '\0'; /* drop the partial name snprintf left behind */
            break;
        }
        o += (size_t)n;
    }
}

const char *http_param(const http_req_t *req, const char *name)
{
    if (req->route == NULL) return NULL;
    size_t k = 0, nl = strlen(name);
    for (const char *p = req->route->pattern; (p = strchr(p, '{')) != NULL; k++) {
        const char *end = strchr(p, '}');
        if (end == NULL) break;
        if ((size_t)(end - p - 1) == nl && memcmp(p + 1, name, nl) == 0)
            return k < ROUTE_MAX_PARAMS ? req->params[k] : NULL;
        p = end;
    }
    nd_panic("route %s has no parameter {%s}", req->route->pattern, name);
}

/* Compares one pattern against the segments of path (its trailing slash
 * already taken off by router_match).  Captures go into caps (start,
 * length) pairs.  Walks both a segment at a time and stops at the first
 * literal that differs: most of the ~150 patterns share "/v1/Account/{id}"
 * and part at the fourth segment, and measuring each whole pattern first
 * (strlen) was ~6 % of a GET. */
static bool match_one(const char *pat, const char *path, size_t plen, size_t caps[][2],
                      size_t *ncaps)
{
    size_t xi = 0, nc = 0;
    const char *p = pat;
    for (;;) {
        /* the pattern's trailing slash is optional too */
        bool pend = p[0] == '\0' || (p[0] == '/' && p[1] == '\0');
        bool xend = xi >= plen;
        if (pend || xend) {
            if (!(pend && xend)) return false;
            break;
        }
        if (p[0] != '/' || path[xi] != '/') return false;
        p++;
        xi++;
        const char *pe = p;
        while (*pe && *pe != '/') pe++;
        size_t xe = xi;
        while (xe < plen && path[xe] != '/') xe++;
        if (xe == xi) return false; /* empty segment */
        if (p[0] == '{') {
            if (nc == ROUTE_MAX_PARAMS) return false;
            caps[nc][0] = xi;
            caps[nc][1] = xe - xi;
            nc++;
        } else if ((size_t)(pe - p) != xe - xi || memcmp(p, path + xi, xe - xi) != 0) {
            return false;
        }
        p = pe;
        xi = xe;
    }
    *ncaps = nc;
    return true;
}

/* Literal (non-{param}) segments of a pattern. */
static int literals(const char *pat)
{
    int n = 0;
    for (const char *p = pat; *p; p++)
        if (*p == '/' && p[1] && p[1] != '{') n++;
    return n;
}

/* Segments of a path or pattern of len bytes, its trailing slash off. */
static unsigned segments(const char *s, size_t len)
{
    unsigned n = 0;
    for (size_t i = 0; i < len; i++) n += s[i] == '/' && i + 1 < len;
    return n;
}

/* A segment's signature: its length in the top byte (at least 1, so never
 * 0) and 24 bits of an FNV-1a hash of its bytes.  Two segments with
 * different signatures differ; equal ones are compared by match_one. */
#define ROUTE_SIG_SEGS 8
#define ROUTE_SIG_ANY 0u /* a {parameter}: any segment */

static uint32_t seg_sig(const char *s, size_t n)
{
    return ((uint32_t)(n > 255 ? 255 : n) << 24) | (nd_fnv1a(s, n) & 0xffffffu);
}

/* The signatures of the first ROUTE_SIG_SEGS segments of s (len bytes,
 * its trailing slash off); a pattern's {parameter} is ROUTE_SIG_ANY. */
static void sigs_of(const char *s, size_t len, bool pattern, uint32_t out[ROUTE_SIG_SEGS])
{
    size_t k = 0, i = 0;
    memset(out, 0, ROUTE_SIG_SEGS * sizeof out[0]);
    while (i < len && k < ROUTE_SIG_SEGS) {
        if (s[i] != '/') return; /* not a path: match_one rejects it */
        size_t e = ++i;
        while (e < len && s[e] != '/') e++;
        out[k++] = pattern && i < len && s[i] == '{' ? ROUTE_SIG_ANY : seg_sig(s + i, e - i);
        i = e;
    }
}

/* What router_match knows of a table before any path: each pattern's
 * segment count (a path can only match a pattern of as many segments,
 * which rules out most of the ~150 without reading them), literal count
 * and the signatures of its first segments.  Of the patterns with a
 * path's segment count, most share "/v1/Account/{id}" and differ after
 * it; comparing signatures (integers) rules them out without walking
 * each pattern's text (that walk was 16 % of a GET Number/{n}/'s
 * instructions, callgrind).  Built on a table's first match and kept for
 * the process; a process has one or two tables (the API's, a test's). */
typedef struct {
    const route_t *_Atomic routes;
    size_t n;
    uint8_t *seg, *lit;
    uint32_t (*sig)[ROUTE_SIG_SEGS];
    /* the patterns by segment count, each count's in table order:
     * order[first[c] .. first[c] + count[c]) are those of c segments */
    uint16_t *order;
    uint16_t first[256], count[256];
} route_index_t;

#define ROUTE_INDEXES 8
static route_index_t g_index[ROUTE_INDEXES];
static pthread_mutex_t g_index_mu = PTHREAD_MUTEX_INITIALIZER;

static const route_index_t *index_of(const route_t *routes, size_t n)
{
    if (n > UINT16_MAX) return NULL; /* order[] holds uint16_t (the API has ~150) */
    for (size_t i = 0; i < ROUTE_INDEXES; i++)
        if (g_index[i].routes == routes && g_index[i].n == n) return &g_index[i];
    const route_index_t *ret = NULL;
    pthread_mutex_lock(&g_index_mu);
    for (size_t i = 0; i < ROUTE_INDEXES && !ret; i++) {
        route_index_t *x = &g_index[i];
        if (x->routes == routes && x->n == n) ret = x;
        if (x->routes != NULL) continue;
        x->n = n;
        x->seg = xmalloc(n ? n : 1);
        x->lit = xmalloc(n ? n : 1);
        x->sig = xmalloc((n ? n : 1) * sizeof x->sig[0]);
        for (size_t k = 0; k < n; k++) {
            size_t pl = strlen(routes[k].pattern);
            if (pl > 1 && routes[k].pattern[pl - 1] == '/') pl--;
            sigs_of(routes[k].pattern, pl, true, x->sig[k]);
            unsigned sg = segments(routes[k].pattern, pl);
            x->seg[k] = (uint8_t)(sg > 255 ? 255 : sg);
            int lt = literals(routes[k].pattern);
            x->lit[k] = (uint8_t)(lt > 255 ? 255 : lt);
            x->count[x->seg[k]]++;
        }
        x->order = xmalloc((n ? n : 1) * sizeof x->order[0]);
        for (unsigned c = 0, at = 0; c < 256; at += x->count[c], c++) x->first[c] = (uint16_t)at;
        uint16_t fill[256] = {0};
        for (size_t k = 0; k < n; k++)
            x->order[x->first[x->seg[k]] + fill[x->seg[k]]++] = (uint16_t)k;
        x->routes = routes; /* published last: readers check it first */
        ret = x;
    }
    pthread_mutex_unlock(&g_index_mu);
    return ret; /* NULL: more tables than slots (match without the index) */
}

route_match_t router_match(const route_t *routes, size_t n, const char *path, http_method_t m,
                           const route_t **out, const char *params[ROUTE_MAX_PARAMS],
                           char **store, unsigned *allow)
{
    size_t plen = strlen(path);
    unsigned allowed = 0;
    *store = NULL;
    if (plen == 0 || path[0] != '/' || plen > HTTP_MAX_PATH) return ROUTE_NO_PATH;
    /* The trailing slash is optional, and a doubled final slash is one: the
     * Node and Go SDKs build the account's own path as "/v1/Account/{id}/" +
     * "/" (an empty action).  Only the final pair: an empty segment anywhere
     * else still never matches. */
    size_t mlen = plen;
    if (mlen > 2 && path[mlen - 1] == '/' && path[mlen - 2] == '/') mlen--;
    if (mlen > 1 && path[mlen - 1] == '/') mlen--;
    /* One pass.  A literal segment beats a parameter (/carriers is the
     * carriers resource, never a number called "carriers"): among the
     * patterns that match the path, only those with the most literal
     * segments count, both for the method and for Allow. */
    int best = -1;
    const route_t *found = NULL;
    size_t caps[ROUTE_MAX_PARAMS][2], fcaps[ROUTE_MAX_PARAMS][2], nc = 0, fnc = 0;
    const route_index_t *ix = index_of(routes, n);
    unsigned pseg = segments(path, mlen);
    uint32_t psig[ROUTE_SIG_SEGS];
    size_t lo = 0, hi = n, kmax = pseg < ROUTE_SIG_SEGS ? pseg : ROUTE_SIG_SEGS;
    if (ix) {
        sigs_of(path, mlen, false, psig);
        unsigned b = pseg > 255 ? 255 : pseg;
        lo = ix->first[b];
        hi = lo + ix->count[b];
    }
    for (size_t j = lo; j < hi; j++) {
        size_t i = ix ? ix->order[j] : j;
        if (ix) {
            if (ix->seg[i] != pseg) continue;
            size_t k = 0;
            while (k < kmax && (ix->sig[i][k] == ROUTE_SIG_ANY || ix->sig[i][k] == psig[k])) k++;
            if (k < kmax) continue;
        }
        if (!match_one(routes[i].pattern, path, mlen, caps, &nc)) continue;
        int lit = ix ? ix->lit[i] : literals(routes[i].pattern);
        if (lit < best) continue;
        if (lit > best) {
            best = lit;
            found = NULL;
            allowed = 0;
        }
        /* HEAD is GET without a body (libmicrohttpd drops the body). */
        bool same = routes[i].method == m || (m == HTTP_HEAD && routes[i].method == HTTP_GET);
        if (!same) {
            allowed |= routes[i].method;
            if (routes[i].method == HTTP_GET) allowed |= HTTP_HEAD;
        } else if (!found) {
            found = &routes[i];
            memcpy(fcaps, caps, sizeof caps);
            fnc = nc;
        }
    }
    if (found) {
        /* one allocation holds every captured segment, NUL-terminated */
        char *s = xmalloc(plen + ROUTE_MAX_PARAMS + 1);
        size_t o = 0;
        for (size_t k = 0; k < ROUTE_MAX_PARAMS; k++) params[k] = NULL;
        for (size_t k = 0; k < fnc; k++) {
            memcpy(s + o, path + fcaps[k][0], fcaps[k][1]);
            params[k] = s + o;
            o += fcaps[k][1];
            s[o++] = '\0';
        }
        *store = s;
        *out = found;
        return ROUTE_FOUND;
    }
    if (allowed) {
        *allow = allowed;
        return ROUTE_NO_METHOD;
    }
    return ROUTE_NO_PATH;
}
