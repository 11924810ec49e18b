/* test_router.c -- unit tests for route matching (http/router.c),
 * API.md §0 "Paths": trailing slash optional, 404 vs 405 with Allow. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

static void h_dummy(http_req_t *req, http_resp_t *resp)
{
    (void)req;
    (void)resp;
}

enum {
    R_ACCOUNT_GET,
    R_NUMBER_LIST,
    R_NUMBER_BUY,
    R_NUMBER_GET,
    R_NUMBER_POST,
    R_NUMBER_DELETE,
    R_FOUR,
    R_FIVE,
    R_SLASHED,
    R_ADMIN_ACCOUNTS_GET,
    R_ADMIN_ACCOUNTS_POST,
    R_ADMIN_STATS,
    R_LIT_GET,
    R_PARAM_GET,
    R_PARAM_DELETE,
    R__N
};

static const route_t routes[R__N] = {
    [R_ACCOUNT_GET] = {HTTP_GET, "/v1/Account/{auth_id}", h_dummy, NULL, "account", 0},
    [R_NUMBER_LIST] = {HTTP_GET, "/v1/Account/{auth_id}/Number", h_dummy, NULL, "number list", 0},
    [R_NUMBER_BUY] = {HTTP_POST, "/v1/Account/{auth_id}/PhoneNumber/{number}", h_dummy, NULL,
                      "buy", 0},
    [R_NUMBER_GET] = {HTTP_GET, "/v1/Account/{auth_id}/Number/{number}", h_dummy, NULL,
                      "number get", 0},
    [R_NUMBER_POST] = {HTTP_POST, "/v1/Account/{auth_id}/Number/{number}", h_dummy, NULL,
                       "number update", 0},
    [R_NUMBER_DELETE] = {HTTP_DELETE, "/v1/Account/{auth_id}/Number/{number}", h_dummy, NULL,
                         "number delete", 0},
    [R_FOUR] = {HTTP_GET, "/p/{a}/{b}/{c}/{d}", h_dummy, NULL, "four", 0},
    [R_FIVE] = {HTTP_GET, "/q/{a}/{b}/{c}/{d}/{e}", h_dummy, NULL, "five", 0},
    [R_SLASHED] = {HTTP_PUT, "/slashed/", h_dummy, NULL, "slashed", 0},
    [R_ADMIN_ACCOUNTS_GET] = {HTTP_GET, "/admin/v1/accounts", h_dummy, NULL, "accounts", 0},
    [R_ADMIN_ACCOUNTS_POST] = {HTTP_POST, "/admin/v1/accounts", h_dummy, NULL, "accounts", 0},
    [R_ADMIN_STATS] = {HTTP_GET, "/admin/v1/inventory/stats", h_dummy, NULL, "stats", 0},
    /* a parameter route listed before the literal it must not shadow */
    [R_PARAM_GET] = {HTTP_GET, "/n/{id}", h_dummy, NULL, "param get", 0},
    [R_PARAM_DELETE] = {HTTP_DELETE, "/n/{id}", h_dummy, NULL, "param delete", 0},
    [R_LIT_GET] = {HTTP_GET, "/n/carriers", h_dummy, NULL, "literal get", 0},
};

typedef struct {
    route_match_t m;
    const route_t *r;
    const char *params[ROUTE_MAX_PARAMS];
    char *store;
    unsigned allow;
} res_t;

static res_t match(const char *path, http_method_t method)
{
    res_t x;
    memset(&x, 0, sizeof x);
    x.store = (char *)"sentinel";
    x.allow = 0xdead;
    for (size_t i = 0; i < ROUTE_MAX_PARAMS; i++) x.params[i] = "sentinel";
    x.m = router_match(routes, R__N, path, method, &x.r, x.params, &x.store, &x.allow);
    return x;
}

static void res_free(res_t *x) { free(x->store); }

/* Expects a match of route want with the given parameters (NULL-ended). */
static void expect_found(const char *path, http_method_t method, int want, const char *p0,
                         const char *p1)
{
    res_t x = match(path, method);
    if (x.m != ROUTE_FOUND) fail_msg("%s: no match (%d)", path, (int)x.m);
    assert_ptr_equal(x.r, &routes[want]);
    assert_non_null(x.store);
    const char *want_p[2] = {p0, p1};
    for (size_t i = 0; i < 2; i++) {
        if (want_p[i] == NULL) assert_null(x.params[i]);
        else assert_string_equal(x.params[i], want_p[i]);
    }
    for (size_t i = 2; i < ROUTE_MAX_PARAMS; i++) assert_null(x.params[i]);
    res_free(&x);
}

static void expect_no_path(const char *path, http_method_t method)
{
    res_t x = match(path, method);
    if (x.m != ROUTE_NO_PATH) fail_msg("%s: expected no path, got %d", path, (int)x.m);
    assert_null(x.store);
    assert_int_equal(x.allow, 0xdead); /* untouched */
}

static void test_literal(void **state)
{
    (void)state;
    expect_found("/admin/v1/accounts", HTTP_GET, R_ADMIN_ACCOUNTS_GET, NULL, NULL);
    expect_found("/admin/v1/accounts", HTTP_POST, R_ADMIN_ACCOUNTS_POST, NULL, NULL);
    expect_found("/admin/v1/inventory/stats", HTTP_GET, R_ADMIN_STATS, NULL, NULL);
    expect_no_path("/admin/v1/account", HTTP_GET);        /* a prefix of a literal */
    expect_no_path("/admin/v1/accountsX", HTTP_GET);
    expect_no_path("/admin/v1/Accounts", HTTP_GET);       /* case-sensitive */
    expect_no_path("/admin/v1", HTTP_GET);
    expect_no_path("/admin/v1/inventory", HTTP_GET);
    expect_no_path("/admin/v1/inventory/stats/x", HTTP_GET);
    expect_no_path("/nothing", HTTP_GET);
}

/* A literal segment beats a parameter, for the match and for Allow. */
static void test_literal_beats_parameter(void **state)
{
    (void)state;
    expect_found("/n/carriers", HTTP_GET, R_LIT_GET, NULL, NULL);
    expect_found("/n/x", HTTP_GET, R_PARAM_GET, "x", NULL);
    expect_found("/n/x", HTTP_DELETE, R_PARAM_DELETE, "x", NULL);
    res_t x = match("/n/carriers", HTTP_DELETE);
    assert_int_equal(x.m, ROUTE_NO_METHOD);
    assert_int_equal(x.allow, HTTP_GET | HTTP_HEAD);   /* not the parameter route's DELETE */
    res_free(&x);
}

static void test_parameters(void **state)
{
    (void)state;
    expect_found("/v1/Account/MA0123456789ABCDEFGH", HTTP_GET, R_ACCOUNT_GET,
                 "MA0123456789ABCDEFGH", NULL);
    expect_found("/v1/Account/MA0123456789ABCDEFGH/Number", HTTP_GET, R_NUMBER_LIST,
                 "MA0123456789ABCDEFGH", NULL);
    expect_found("/v1/Account/MAX/Number/14155550100", HTTP_GET, R_NUMBER_GET, "MAX",
                 "14155550100");
    expect_found("/v1/Account/MAX/Number/+14155550100", HTTP_DELETE, R_NUMBER_DELETE, "MAX",
                 "+14155550100");
    expect_found("/v1/Account/a/PhoneNumber/b", HTTP_POST, R_NUMBER_BUY, "a", "b");
    /* a parameter is any non-empty segment */
    expect_found("/v1/Account/{auth_id}/Number/x%2By", HTTP_GET, R_NUMBER_GET, "{auth_id}",
                 "x%2By");
    /* a parameter never spans a slash */
    expect_no_path("/v1/Account/MAX/Number/1415/555", HTTP_GET);
    expect_no_path("/v1/Account/MAX/Nmber/14155550100", HTTP_GET);
}

static void test_params_copied(void **state)
{
    (void)state;
    char path[] = "/p/aa/bbb/c/dddd/";
    res_t x = match(path, HTTP_GET);
    assert_int_equal(x.m, ROUTE_FOUND);
    assert_ptr_equal(x.r, &routes[R_FOUR]);
    assert_string_equal(x.params[0], "aa");
    assert_string_equal(x.params[1], "bbb");
    assert_string_equal(x.params[2], "c");
    assert_string_equal(x.params[3], "dddd");
    /* they live in the store, not in the path */
    for (size_t i = 0; i < 4; i++) {
        uintptr_t p = (uintptr_t)x.params[i], st = (uintptr_t)x.store, pa = (uintptr_t)path;
        assert_true(p >= st && p < st + sizeof path + ROUTE_MAX_PARAMS);
        assert_false(p >= pa && p < pa + sizeof path);
    }
    memset(path, 'Z', sizeof path - 1);
    assert_string_equal(x.params[0], "aa");
    assert_string_equal(x.params[3], "dddd");

    /* read by name, through the matched route's pattern */
    http_req_t req = {.route = x.r};
    memcpy(req.params, x.params, sizeof req.params);
    assert_string_equal(http_param(&req, "a"), "aa");
    assert_string_equal(http_param(&req, "b"), "bbb");
    assert_string_equal(http_param(&req, "c"), "c");
    assert_string_equal(http_param(&req, "d"), "dddd");
    res_free(&x);
    x = match("/v1/Account/MA123/Number/14155550100/", HTTP_DELETE);
    assert_int_equal(x.m, ROUTE_FOUND);
    req.route = x.r;
    memcpy(req.params, x.params, sizeof req.params);
    assert_string_equal(http_param(&req, "auth_id"), "MA123");
    assert_string_equal(http_param(&req, "number"), "14155550100");
    /* a request that matched no route has no parameters */
    res_free(&x);
    req.route = NULL;
    assert_null(http_param(&req, "number"));

    /* more parameters than ROUTE_MAX_PARAMS cannot match */
    expect_no_path("/q/a/b/c/d/e", HTTP_GET);
}

static void test_trailing_slash(void **state)
{
    (void)state;
    /* pattern without, path with */
    expect_found("/admin/v1/accounts/", HTTP_GET, R_ADMIN_ACCOUNTS_GET, NULL, NULL);
    expect_found("/v1/Account/MAX/Number/", HTTP_GET, R_NUMBER_LIST, "MAX", NULL);
    expect_found("/v1/Account/MAX/", HTTP_GET, R_ACCOUNT_GET, "MAX", NULL);
    expect_found("/v1/Account/MAX/Number/14155550100/", HTTP_POST, R_NUMBER_POST, "MAX",
                 "14155550100");
    /* pattern with, path without and with */
    expect_found("/slashed", HTTP_PUT, R_SLASHED, NULL, NULL);
    expect_found("/slashed/", HTTP_PUT, R_SLASHED, NULL, NULL);
    /* a doubled final slash is one (the Node and Go SDKs' account path),
     * a tripled one is an empty segment */
    expect_found("/admin/v1/accounts//", HTTP_GET, R_ADMIN_ACCOUNTS_GET, NULL, NULL);
    expect_found("/slashed//", HTTP_PUT, R_SLASHED, NULL, NULL);
    expect_found("/v1/Account/MAX//", HTTP_GET, R_ACCOUNT_GET, "MAX", NULL);
    expect_no_path("/admin/v1/accounts///", HTTP_GET);
    expect_no_path("/v1/Account//", HTTP_GET);
    expect_no_path("/v1/Account///", HTTP_GET);
}

static void test_empty_segments(void **state)
{
    (void)state;
    expect_no_path("//admin/v1/accounts", HTTP_GET);
    expect_no_path("/admin//v1/accounts", HTTP_GET);
    expect_no_path("/admin/v1//accounts", HTTP_GET);
    expect_no_path("/v1/Account//Number", HTTP_GET);           /* empty parameter */
    expect_no_path("/v1/Account//Number/14155550100", HTTP_GET);
    expect_no_path("/v1/Account/MAX/Number///", HTTP_GET);
    expect_no_path("/v1/Account/MAX//Number/", HTTP_GET);
    expect_no_path("/v1/Account/", HTTP_GET);                  /* parameter missing */
    expect_no_path("/", HTTP_GET);
    expect_no_path("//", HTTP_GET);
}

static void test_bad_paths(void **state)
{
    (void)state;
    expect_no_path("", HTTP_GET);
    expect_no_path("admin/v1/accounts", HTTP_GET);
    expect_no_path("v1/Account/MAX", HTTP_GET);
    expect_no_path(" /admin/v1/accounts", HTTP_GET);

    /* too long: HTTP_MAX_PATH is the limit */
    size_t n = HTTP_MAX_PATH + 1;
    char *p = malloc(n + 1);
    assert_non_null(p);
    memcpy(p, "/v1/Account/", 12);
    memset(p + 12, 'A', n - 12);
    p[n] = '\0';
    expect_no_path(p, HTTP_GET);
    p[HTTP_MAX_PATH] = '\0'; /* exactly the limit: matches */
    res_t x = match(p, HTTP_GET);
    assert_int_equal(x.m, ROUTE_FOUND);
    assert_ptr_equal(x.r, &routes[R_ACCOUNT_GET]);
    assert_int_equal(strlen(x.params[0]), HTTP_MAX_PATH - 12);
    res_free(&x);
    free(p);
}

static void test_no_method(void **state)
{
    (void)state;
    char allow[64];

    /* a path served by GET also serves HEAD, and Allow says so */
    res_t x = match("/admin/v1/accounts", HTTP_DELETE);
    assert_int_equal(x.m, ROUTE_NO_METHOD);
    assert_int_equal(x.allow, HTTP_GET | HTTP_POST | HTTP_HEAD);
    assert_null(x.store);
    router_allow_string(x.allow, allow, sizeof allow);
    assert_string_equal(allow, "GET, POST, HEAD");

    x = match("/admin/v1/accounts/", HTTP_PUT);
    assert_int_equal(x.m, ROUTE_NO_METHOD);
    assert_int_equal(x.allow, HTTP_GET | HTTP_POST | HTTP_HEAD);

    x = match("/v1/Account/MAX/Number/14155550100", HTTP_PUT);
    assert_int_equal(x.m, ROUTE_NO_METHOD);
    assert_int_equal(x.allow, HTTP_GET | HTTP_POST | HTTP_DELETE | HTTP_HEAD);
    router_allow_string(x.allow, allow, sizeof allow);
    assert_string_equal(allow, "GET, POST, DELETE, HEAD");

    x = match("/v1/Account/MAX/PhoneNumber/14155550100", HTTP_GET);
    assert_int_equal(x.m, ROUTE_NO_METHOD);
    assert_int_equal(x.allow, HTTP_POST);
    router_allow_string(x.allow, allow, sizeof allow);
    assert_string_equal(allow, "POST");

    /* HEAD on a GET route is that route */
    x = match("/admin/v1/inventory/stats", HTTP_HEAD);
    assert_int_equal(x.m, ROUTE_FOUND);
    assert_non_null(x.r);
    assert_int_equal(x.r->method, HTTP_GET);
    res_free(&x);

    x = match("/slashed", HTTP_OTHER);
    assert_int_equal(x.m, ROUTE_NO_METHOD);
    assert_int_equal(x.allow, HTTP_PUT);
}

/* Patterns deeper than the eight segments whose signatures the index
 * compares, and literal segments longer than a signature's length byte
 * (255): past them only match_one decides, and it must still tell them
 * apart. */
static void test_deep_and_long_segments(void **state)
{
    (void)state;
    static char long_a[300], long_b[300], pat_a[320], pat_b[320];
    memset(long_a, 'a', 299);
    memcpy(long_b, long_a, 299);
    long_b[298] = 'b'; /* same length, same first 298 bytes */
    snprintf(pat_a, sizeof pat_a, "/l/%s", long_a);
    snprintf(pat_b, sizeof pat_b, "/l/%s", long_b);
    /* static: the index knows a table by its address (see test_unindexed_tables) */
    static route_t deep[5];
    const route_t deep_init[] = {
        {HTTP_GET, "/d/1/2/3/4/5/6/7/x/{p}", h_dummy, NULL, "deep x", 0},
        {HTTP_GET, "/d/1/2/3/4/5/6/7/y/{p}", h_dummy, NULL, "deep y", 0},
        {HTTP_POST, "/d/1/2/3/4/5/6/{q}/y/z", h_dummy, NULL, "deep post", 0},
        {HTTP_GET, pat_a, h_dummy, NULL, "long a", 0},
        {HTTP_GET, pat_b, h_dummy, NULL, "long b", 0},
    };
    _Static_assert(sizeof deep == sizeof deep_init, "deep holds deep_init");
    memcpy(deep, deep_init, sizeof deep);
    const size_t n = sizeof deep / sizeof deep[0];
    const route_t *r = NULL;
    const char *params[ROUTE_MAX_PARAMS];
    char *store = NULL;
    unsigned allow = 0;
    assert_int_equal(router_match(deep, n, "/d/1/2/3/4/5/6/7/y/v", HTTP_GET, &r, params, &store, &allow),
                     ROUTE_FOUND);
    assert_ptr_equal(r, &deep[1]);
    assert_string_equal(params[0], "v");
    free(store);
    /* the 9th segment differs from both GET patterns' literal: no path */
    assert_int_equal(router_match(deep, n, "/d/1/2/3/4/5/6/7/w/v", HTTP_GET, &r, params, &store, &allow),
                     ROUTE_NO_PATH);
    /* a parameter in the first eight, literals after: 405 with its method */
    allow = 0;
    assert_int_equal(router_match(deep, n, "/d/1/2/3/4/5/6/7/y/z", HTTP_PUT, &r, params, &store, &allow),
                     ROUTE_NO_METHOD);
    assert_int_equal(allow, HTTP_GET | HTTP_HEAD | HTTP_POST);
    assert_int_equal(router_match(deep, n, pat_b, HTTP_GET, &r, params, &store, &allow), ROUTE_FOUND);
    assert_ptr_equal(r, &deep[4]);
    free(store);
    assert_int_equal(router_match(deep, n, pat_a, HTTP_GET, &r, params, &store, &allow), ROUTE_FOUND);
    assert_ptr_equal(r, &deep[3]);
    free(store);
}

/* More route tables than the index has slots (8): the tables past them
 * are matched without an index, and must answer exactly as the indexed
 * ones -- the same route, parameters and Allow for every probe.  The
 * copies are kept for the process: an index is found by its table's
 * address, which a freed table could pass on to another. */
static void test_unindexed_tables(void **state)
{
    (void)state;
    enum { COPIES = 12 };
    static const struct {
        const char *path;
        http_method_t m;
    } probes[] = {
        {"/v1/Account/MA1", HTTP_GET},
        {"/v1/Account/MA1/Number/", HTTP_GET},
        {"/v1/Account/MA1/Number/14155550100/", HTTP_GET},
        {"/v1/Account/MA1/Number/14155550100", HTTP_DELETE},
        {"/v1/Account/MA1/Number/14155550100", HTTP_PUT},
        {"/v1/Account/MA1/PhoneNumber/14155550100/", HTTP_POST},
        {"/p/1/2/3/4", HTTP_GET},
        {"/q/1/2/3/4/5/", HTTP_HEAD},
        {"/q/1/2/3/4", HTTP_GET},
        {"/slashed", HTTP_PUT},
        {"/admin/v1/accounts", HTTP_PATCH},
        {"/n/carriers", HTTP_GET},
        {"/n/carriers", HTTP_DELETE},
        {"/n/other", HTTP_DELETE},
        {"/nowhere", HTTP_GET},
    };
    static route_t *copies[COPIES]; /* static: still reachable at exit (LeakSanitizer) */
    for (size_t c = 0; c < COPIES; c++) {
        copies[c] = malloc(sizeof routes);
        assert_non_null(copies[c]);
        memcpy(copies[c], routes, sizeof routes);
    }
    for (size_t k = 0; k < sizeof probes / sizeof probes[0]; k++) {
        res_t want = match(probes[k].path, probes[k].m);
        for (size_t c = 0; c < COPIES; c++) {
            const route_t *r = NULL;
            const char *params[ROUTE_MAX_PARAMS];
            char *store = NULL;
            unsigned allow = 0xdead;
            route_match_t m = router_match(copies[c], R__N, probes[k].path, probes[k].m, &r, params,
                                           &store, &allow);
            if (m != want.m) fail_msg("%s, table %zu: %d, not %d", probes[k].path, c, (int)m, (int)want.m);
            assert_int_equal(allow, want.allow);
            if (m == ROUTE_FOUND) {
                assert_int_equal(r - copies[c], want.r - routes);
                for (size_t i = 0; i < ROUTE_MAX_PARAMS; i++) {
                    if (want.params[i] == NULL) assert_null(params[i]);
                    else assert_string_equal(params[i], want.params[i]);
                }
            }
            free(store);
        }
        res_free(&want);
    }
    /* never freed: see above */
}

static void test_allow_string(void **state)
{
    (void)state;
    char out[64];
    router_allow_string(0, out, sizeof out);
    assert_string_equal(out, "");
    router_allow_string(HTTP_GET, out, sizeof out);
    assert_string_equal(out, "GET");
    router_allow_string(HTTP_POST | HTTP_GET, out, sizeof out);
    assert_string_equal(out, "GET, POST");
    router_allow_string(HTTP_DELETE | HTTP_PUT | HTTP_PATCH, out, sizeof out);
    assert_string_equal(out, "PUT, PATCH, DELETE");
    router_allow_string(HTTP_GET | HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE | HTTP_HEAD |
                            HTTP_OPTIONS,
                        out, sizeof out);
    assert_string_equal(out, "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS");
    router_allow_string(HTTP_OTHER, out, sizeof out); /* not a method one can allow */
    assert_string_equal(out, "");
    router_allow_string(HTTP_OPTIONS | HTTP_OTHER, out, sizeof out);
    assert_string_equal(out, "OPTIONS");

    /* a small buffer: truncated at a name boundary, always terminated */
    char small[12];
    memset(small, 'x', sizeof small);
    router_allow_string(HTTP_GET | HTTP_POST | HTTP_DELETE, small, sizeof small);
    assert_string_equal(small, "GET, POST");
}

static void test_method_from(void **state)
{
    (void)state;
    assert_int_equal(http_method_from("GET"), HTTP_GET);
    assert_int_equal(http_method_from("POST"), HTTP_POST);
    assert_int_equal(http_method_from("PUT"), HTTP_PUT);
    assert_int_equal(http_method_from("PATCH"), HTTP_PATCH);
    assert_int_equal(http_method_from("DELETE"), HTTP_DELETE);
    assert_int_equal(http_method_from("HEAD"), HTTP_HEAD);
    assert_int_equal(http_method_from("OPTIONS"), HTTP_OPTIONS);
    /* methods are case-sensitive (RFC 9110 §9.1) */
    assert_int_equal(http_method_from("get"), HTTP_OTHER);
    assert_int_equal(http_method_from("Post"), HTTP_OTHER);
    assert_int_equal(http_method_from("TRACE"), HTTP_OTHER);
    assert_int_equal(http_method_from("CONNECT"), HTTP_OTHER);
    assert_int_equal(http_method_from("GETX"), HTTP_OTHER);
    assert_int_equal(http_method_from("GE"), HTTP_OTHER);
    assert_int_equal(http_method_from(""), HTTP_OTHER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal),
        cmocka_unit_test(test_literal_beats_parameter),
        cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_params_copied),
        cmocka_unit_test(test_trailing_slash),
        cmocka_unit_test(test_empty_segments),
        cmocka_unit_test(test_bad_paths),
        cmocka_unit_test(test_no_method),
        cmocka_unit_test(test_deep_and_long_segments),
        cmocka_unit_test(test_unindexed_tables),
        cmocka_unit_test(test_allow_string),
        cmocka_unit_test(test_method_from),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
