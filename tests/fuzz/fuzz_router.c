/* fuzz_router.c -- router_match over the real route table.
 *
 * Input: one byte choosing the method, then the path.  Properties: a match
 * captures exactly the pattern's parameters, each a non-empty segment of
 * the path; a method mismatch names only other methods; the trailing slash
 * never changes the outcome. */
#include "fuzz.h"

#include <string.h>

#include "api/api.h"

static const http_method_t k_methods[] = {HTTP_GET,    HTTP_POST, HTTP_PUT,     HTTP_PATCH,
                                          HTTP_DELETE, HTTP_HEAD, HTTP_OPTIONS, HTTP_OTHER};

static size_t count_params(const char *pattern)
{
    size_t n = 0;
    for (const char *p = pattern; *p; p++) n += *p == '{';
    return n;
}

static route_match_t match(const char *path, http_method_t m, const route_t **r,
                           const char *params[ROUTE_MAX_PARAMS], char **store, unsigned *allow)
{
    size_t n;
    const route_t *routes = api_all_routes(&n);
    *r = NULL;
    *allow = 0;
    return router_match(routes, n, path, m, r, params, store, allow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    http_method_t m = k_methods[data[0] & 7];
    char *path = fuzz_cstr(data + 1, size - 1);
    size_t plen = strlen(path);
    const route_t *r;
    const char *params[ROUTE_MAX_PARAMS];
    char *store = NULL;
    unsigned allow;
    route_match_t res = match(path, m, &r, params, &store, &allow);

    if (plen == 0 || path[0] != '/') FUZZ_CHECK(res == ROUTE_NO_PATH);
    if (res == ROUTE_FOUND) {
        FUZZ_CHECK(r != NULL && store != NULL);
        FUZZ_CHECK(r->method == m || (m == HTTP_HEAD && r->method == HTTP_GET));
        size_t want = count_params(r->pattern);
        for (size_t i = 0; i < ROUTE_MAX_PARAMS; i++) {
            if (i < want) {
                FUZZ_CHECK(params[i] != NULL && params[i][0] != '\0');
                FUZZ_CHECK(strchr(params[i], '/') == NULL);
                FUZZ_CHECK(strstr(path, params[i]) != NULL);
            } else {
                FUZZ_CHECK(params[i] == NULL);
            }
        }
    } else {
        FUZZ_CHECK(store == NULL);
    }
    if (res == ROUTE_NO_METHOD) {
        FUZZ_CHECK(allow != 0 && (allow & m) == 0);
        char txt[96];
        router_allow_string(allow, txt, sizeof txt);
        FUZZ_CHECK(txt[0] != '\0' && strlen(txt) < sizeof txt);
    }

    /* The trailing slash is optional: the other spelling matches the same
     * route (or fails the same way).  Only one slash is optional, so a
     * path ending in "//" has no other spelling. */
    bool ends = plen > 1 && path[plen - 1] == '/';
    bool skip = plen <= 1 || plen + 1 > HTTP_MAX_PATH || (ends && path[plen - 2] == '/');
    if (!skip) {
        char *other = malloc(plen + 2);
        if (other == NULL) abort();
        memcpy(other, path, plen + 1);
        if (ends) other[plen - 1] = '\0';
        else memcpy(other + plen, "/", 2);
        const route_t *r2;
        const char *p2[ROUTE_MAX_PARAMS];
        char *store2 = NULL;
        unsigned allow2;
        route_match_t res2 = match(other, m, &r2, p2, &store2, &allow2);
        FUZZ_CHECK(res2 == res);
        if (res == ROUTE_FOUND) FUZZ_CHECK(r2 == r);
        if (res == ROUTE_NO_METHOD) FUZZ_CHECK(allow2 == allow);
        free(store2);
        free(other);
    }
    free(store);
    free(path);
    return 0;
}
