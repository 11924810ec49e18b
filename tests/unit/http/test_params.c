/* Form / query-string parsing (http_parse_urlencoded). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/http.h"

static json_t *ok(const char *s)
{
    json_t *o = NULL;
    char err[160] = "";
    if (http_parse_urlencoded(s, strlen(s), &o, err, sizeof err) != C_OK)
        fail_msg("rejected \"%s\": %s", s, err);
    return o;
}

static void bad(const char *s, size_t n, const char *want)
{
    json_t *o = NULL;
    char err[160] = "";
    if (http_parse_urlencoded(s, n, &o, err, sizeof err) == C_OK) {
        json_decref(o);
        fail_msg("accepted \"%s\"", s);
    }
    assert_null(o);
    assert_string_equal(err, want);
}

static const char *str(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    assert_non_null(v);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

static void test_basic_pairs(void **state)
{
    (void)state;
    json_t *o = ok("country_iso=US&type=local&limit=20");
    assert_int_equal(json_object_size(o), 3);
    assert_string_equal(str(o, "country_iso"), "US");
    assert_string_equal(str(o, "type"), "local");
    assert_string_equal(str(o, "limit"), "20");
    json_decref(o);
}

static void test_decoding(void **state)
{
    (void)state;
    json_t *o = ok("rate_center=SNFC+CNTRL&n=%2B14155550100&a%62c=x%20y&e=%e2%82%ac");
    assert_string_equal(str(o, "rate_center"), "SNFC CNTRL");
    assert_string_equal(str(o, "n"), "+14155550100");
    assert_string_equal(str(o, "abc"), "x y");
    assert_string_equal(str(o, "e"), "\xe2\x82\xac"); /* the euro sign */
    json_decref(o);
}

static void test_empty_values_and_pieces(void **state)
{
    (void)state;
    json_t *o = ok("a=&b&&c=1&");
    assert_int_equal(json_object_size(o), 3);
    assert_string_equal(str(o, "a"), "");
    assert_string_equal(str(o, "b"), "");
    assert_string_equal(str(o, "c"), "1");
    json_decref(o);
    o = ok("");
    assert_int_equal(json_object_size(o), 0);
    json_decref(o);
    o = ok("x=a=b"); /* only the first '=' separates */
    assert_string_equal(str(o, "x"), "a=b");
    json_decref(o);
}

static void test_rejects(void **state)
{
    (void)state;
    bad("a=1&a=2", 7, "repeated parameter: a");
    bad("a=%zz", 5, "malformed form body");
    bad("a=%4", 4, "malformed form body");
    bad("a=%", 3, "malformed form body");
    bad("=1", 2, "malformed form body");       /* empty name */
    bad("a=%00", 5, "malformed form body");    /* NUL byte */
    bad("a=%ff%fe", 8, "invalid UTF-8 in parameters");
    bad("a\xff=1", 4, "invalid UTF-8 in parameters");
}

static void test_parameter_cap(void **state)
{
    (void)state;
    char s[2048];
    size_t o = 0;
    for (int i = 0; i < HTTP_MAX_PARAMS; i++) o += (size_t)snprintf(s + o, sizeof s - o, "p%d=1&", i);
    json_t *j = ok(s);
    assert_int_equal(json_object_size(j), HTTP_MAX_PARAMS);
    json_decref(j);
    snprintf(s + o, sizeof s - o, "one=more");
    bad(s, strlen(s), "too many parameters (at most 64)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_pairs),
        cmocka_unit_test(test_decoding),
        cmocka_unit_test(test_empty_values_and_pieces),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_parameter_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
