/* router.c -- matching paths against the route table. */
#include "http/http.h"

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

/* Compares one pattern against the segments of path.  Captures go into
 * caps (start, length) pairs. */
static bool match_one(const char *pat, const char *path, size_t plen, size_t caps[][2],
                      size_t *ncaps)
{
    size_t pi = 0, xi = 0, nc = 0;
    /* Most patterns differ from the path in their first segment ("/v1",
     * "/admin", "/sbc"): settle those before measuring the pattern, which
     * every request would otherwise do for every route. */
    if (pat[0] == '/' && pat[1] != '{' && plen > 1) {
        size_t k = 1;
        while (pat[k] && pat[k] != '/' && pat[k] == path[k]) k++;
        bool pat_end = pat[k] == '\0' || pat[k] == '/';
        bool path_end = k >= plen || path[k] == '/';
        if (!(pat_end && path_end)) return false;
    }
    size_t patlen = strlen(pat);
    /* The trailing slash is optional on both sides, and a doubled final
     * slash is one: the Node and Go SDKs build the account's own path as
     * "/v1/Account/{id}/" + "/" (an empty action).  Only the final pair:
     * an empty segment anywhere else still never matches. */
    if (plen > 2 && path[plen - 1] == '/' && path[plen - 2] == '/') plen--;
    if (plen > 1 && path[plen - 1] == '/') plen--;
    if (patlen > 1 && pat[patlen - 1] == '/') patlen--;
    while (pi < patlen && xi < plen) {
        if (pat[pi] != '/' || path[xi] != '/') return false;
        pi++;
        xi++;
        size_t pe = pi, xe = xi;
        while (pe < patlen && pat[pe] != '/') pe++;
        while (xe < plen && path[xe] != '/') xe++;
        if (xe == xi) return false; /* empty segment */
        if (pat[pi] == '{') {
            if (nc == ROUTE_MAX_PARAMS) return false;
            caps[nc][0] = xi;
            caps[nc][1] = xe - xi;
            nc++;
        } else if (pe - pi != xe - xi || memcmp(pat + pi, path + xi, pe - pi) != 0) {
            return false;
        }
        pi = pe;
        xi = xe;
    }
    if (pi != patlen || xi != plen) return false;
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

route_match_t router_match(const route_t *routes, size_t n, const char *path, http_method_t m,
                           const route_t **out, const char *params[ROUTE_MAX_PARAMS],
                           char **store, unsigned *allow)
{
    size_t plen = strlen(path);
    unsigned allowed = 0;
    *store = NULL;
    if (plen == 0 || path[0] != '/' || plen > HTTP_MAX_PATH) return ROUTE_NO_PATH;
    /* One pass.  A literal segment beats a parameter (/carriers is the
     * carriers resource, never a number called "carriers"): among the
     * patterns that match the path, only those with the most literal
     * segments count, both for the method and for Allow. */
    int best = -1;
    const route_t *found = NULL;
    size_t caps[ROUTE_MAX_PARAMS][2], fcaps[ROUTE_MAX_PARAMS][2], nc = 0, fnc = 0;
    for (size_t i = 0; i < n; i++) {
        if (!match_one(routes[i].pattern, path, plen, caps, &nc)) continue;
        int lit = literals(routes[i].pattern);
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
