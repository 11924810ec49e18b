/* test_jw.c -- unit tests for the streaming JSON writer (util/jw.c).
 * Every output is compared byte for byte and, where it is a complete
 * document, also checked to parse with jansson. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "util/jw.h"

typedef struct {
    buf_t b;
    jw_t w;
} fx_t;

static int fx_setup(void **state)
{
    static fx_t fx;
    memset(&fx, 0, sizeof fx);
    jw_init(&fx.w, &fx.b);
    *state = &fx;
    return 0;
}

static int fx_teardown(void **state)
{
    fx_t *fx = *state;
    buf_free(&fx->b);
    return 0;
}

/* The output is want, and it is valid JSON. */
static void out_is(fx_t *fx, const char *want)
{
    assert_non_null(fx->b.data);
    assert_string_equal(fx->b.data, want);
    assert_int_equal(fx->b.len, strlen(want));
    assert_int_equal(fx->w.depth, 0);
    json_error_t err;
    json_t *j = json_loads(fx->b.data, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &err);
    if (j == NULL) fail_msg("not valid JSON: %s (%s)", fx->b.data, err.text);
    json_decref(j);
}

static void test_empty_containers(void **state)
{
    fx_t *fx = *state;
    jw_obj(&fx->w);
    jw_obj_end(&fx->w);
    out_is(fx, "{}");
}

static void test_empty_array(void **state)
{
    fx_t *fx = *state;
    jw_arr(&fx->w);
    jw_arr_end(&fx->w);
    out_is(fx, "[]");
}

static void test_flat_object(void **state)
{
    fx_t *fx = *state;
    jw_t *w = &fx->w;
    jw_obj(w);
    jw_kstr(w, "number", "14155550100");
    jw_kint(w, "limit", 20);
    jw_kint(w, "neg", -5);
    jw_kbool(w, "sms_enabled", true);
    jw_kbool(w, "mms_enabled", false);
    jw_knull(w, "next");
    jw_obj_end(w);
    out_is(fx, "{\"number\":\"14155550100\",\"limit\":20,\"neg\":-5,\"sms_enabled\":true,"
               "\"mms_enabled\":false,\"next\":null}");
}

/* A key made from data is escaped; a literal key is copied as it is
 * (jw_key_lit), also when the copy is what makes the buffer grow. */
static void test_keys(void **state)
{
    fx_t *fx = *state;
    jw_t *w = &fx->w;
    char k1[] = "a\"b\\c", k2[] = "d\ne";   /* not literals: escaped */
    const char *volatile dk1 = k1, *volatile dk2 = k2;
    jw_obj(w);
    jw_kint(w, dk1, 1);
    jw_key(w, dk2);
    jw_int(w, 2);
    jw_key(w, "list");
    jw_arr(w);
    for (int i = 0; i < 40; i++) {
        jw_obj(w);
        jw_kbool(w, "a_key_of_some_length", i & 1);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
    buf_t want = BUF_INIT;
    buf_puts(&want, "{\"a\\\"b\\\\c\":1,\"d\\ne\":2,\"list\":[");
    for (int i = 0; i < 40; i++)
        buf_printf(&want, "%s{\"a_key_of_some_length\":%s}", i ? "," : "", i & 1 ? "true" : "false");
    buf_puts(&want, "]}");
    out_is(fx, want.data);
    buf_free(&want);
}

static void test_int_limits(void **state)
{
    fx_t *fx = *state;
    jw_t *w = &fx->w;
    jw_arr(w);
    jw_int(w, 0);
    jw_int(w, INT64_MAX);
    jw_int(w, INT64_MIN);
    jw_arr_end(w);
    out_is(fx, "[0,9223372036854775807,-9223372036854775808]");
}

/* The list envelope of API.md §2.1, nested three deep. */
static void test_nesting(void **state)
{
    fx_t *fx = *state;
    jw_t *w = &fx->w;
    jw_obj(w);
    jw_kstr(w, "api_id", "x");
    jw_key(w, "meta");
    jw_obj(w);
    jw_kint(w, "limit", 20);
    jw_knull(w, "next");
    jw_obj_end(w);
    jw_key(w, "objects");
    jw_arr(w);
    jw_obj(w);
    jw_kstr(w, "number", "1");
    jw_key(w, "tags");
    jw_arr(w);
    jw_str(w, "a");
    jw_str(w, "b");
    jw_arr_end(w);
    jw_obj_end(w);
    jw_obj(w);
    jw_obj_end(w);
    jw_arr(w);
    jw_arr_end(w);
    jw_int(w, 3);
    jw_arr_end(w);
    jw_kbool(w, "last", true);
    jw_obj_end(w);
    out_is(fx, "{\"api_id\":\"x\",\"meta\":{\"limit\":20,\"next\":null},"
               "\"objects\":[{\"number\":\"1\",\"tags\":[\"a\",\"b\"]},{},[],3],\"last\":true}");
}

static void test_arrays_of_scalars(void **state)
{
    fx_t *fx = *state;
    jw_t *w = &fx->w;
    jw_arr(w);
    jw_null(w);
    jw_bool(w, false);
    jw_str(w, "");
    jw_arr(w);
    jw_arr(w);
    jw_int(w, 1);
    jw_arr_end(w);
    jw_arr_end(w);
    jw_arr_end(w);
    out_is(fx, "[null,false,\"\",[[1]]]");
}

static void test_escapes(void **state)
{
    fx_t *fx = *state;
    jw_t *w = &fx->w;
    jw_obj(w);
    jw_kstr(w, "q", "say \"hi\"");
    jw_kstr(w, "bs", "C:\\dir\\");
    jw_kstr(w, "ctl", "a\nb\rc\td\x01" "e\x1f" "f\b\f");
    /* keys made from data are escaped too (a literal key is the program's
     * own name and is copied as it is: test_keys) */
    char key[] = "k\"ey\n";
    const char *volatile k = key;
    jw_kstr(w, k, "v");
    jw_kstr(w, "utf8", "caf\xc3\xa9 \xe2\x82\xac");
    jw_kstr(w, "slash", "a/b");
    jw_obj_end(w);
    out_is(fx, "{\"q\":\"say \\\"hi\\\"\",\"bs\":\"C:\\\\dir\\\\\","
               "\"ctl\":\"a\\nb\\rc\\td\\u0001e\\u001ff\\u0008\\u000c\","
               "\"k\\\"ey\\n\":\"v\",\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac\",\"slash\":\"a/b\"}");
}

static void test_strn(void **state)
{
    fx_t *fx = *state;
    jw_t *w = &fx->w;
    jw_arr(w);
    jw_strn(w, "14155550100/extra", 11);
    jw_strn(w, "a\0b", 3);   /* an embedded NUL is escaped, not a terminator */
    jw_strn(w, "", 0);
    jw_arr_end(w);
    out_is(fx, "[\"14155550100\",\"a\\u0000b\",\"\"]");
}

static void test_null_strings(void **state)
{
    fx_t *fx = *state;
    jw_t *w = &fx->w;
    jw_obj(w);
    jw_kstr(w, "a", NULL);              /* NULL: null */
    jw_kstr(w, "b", "");                /* empty: empty string */
    jw_kstr_or_null(w, "c", NULL);      /* NULL: null */
    jw_kstr_or_null(w, "d", "");        /* empty: null */
    jw_kstr_or_null(w, "e", "x");
    jw_key(w, "f");
    jw_str(w, NULL);
    jw_obj_end(w);
    out_is(fx, "{\"a\":null,\"b\":\"\",\"c\":null,\"d\":null,\"e\":\"x\",\"f\":null}");
}

static void test_raw(void **state)
{
    fx_t *fx = *state;
    jw_t *w = &fx->w;
    jw_obj(w);
    jw_kint(w, "n", 1);
    jw_key(w, "pre");
    jw_raw(w, "{\"x\":[1,2]}", 11);
    jw_key(w, "money");
    jw_raw(w, "\"0.80000\"xyz", 9);
    jw_obj_end(w);
    out_is(fx, "{\"n\":1,\"pre\":{\"x\":[1,2]},\"money\":\"0.80000\"}");
}

static void test_top_level_scalar(void **state)
{
    fx_t *fx = *state;
    jw_str(&fx->w, "only");
    out_is(fx, "\"only\"");
}

/* The writer appends to what the buffer already holds. */
static void test_appends(void **state)
{
    fx_t *fx = *state;
    buf_puts(&fx->b, "prefix ");
    jw_obj(&fx->w);
    jw_kint(&fx->w, "a", 1);
    jw_obj_end(&fx->w);
    assert_string_equal(fx->b.data, "prefix {\"a\":1}");
}

/* Nesting to JW_MAX_DEPTH - 1 levels works. */
static void test_deep(void **state)
{
    fx_t *fx = *state;
    jw_t *w = &fx->w;
    char want[2 * JW_MAX_DEPTH + 8];
    size_t o = 0;
    for (int i = 0; i < JW_MAX_DEPTH - 1; i++) {
        jw_arr(w);
        want[o++] = '[';
    }
    jw_int(w, 7);
    want[o++] = '7';
    for (int i = 0; i < JW_MAX_DEPTH - 1; i++) {
        jw_arr_end(w);
        want[o++] = ']';
    }
    want[o] = '\0';
    out_is(fx, want);
}

/* A long value goes through buf_printf/buf_json_str growth paths. */
static void test_long_string(void **state)
{
    fx_t *fx = *state;
    char s[5000];
    memset(s, 'q', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    s[100] = '"';
    jw_obj(&fx->w);
    jw_kstr(&fx->w, "long", s);
    jw_obj_end(&fx->w);
    assert_int_equal(fx->b.len, strlen("{\"long\":\"\"}") + 4999 + 1);
    assert_memory_equal(fx->b.data + 9 + 100, "\\\"", 2);
    out_is(fx, fx->b.data);
}

#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_empty_containers), T(test_empty_array), T(test_keys), T(test_flat_object),
        T(test_int_limits),       T(test_nesting),     T(test_arrays_of_scalars),
        T(test_escapes),          T(test_strn),        T(test_null_strings),
        T(test_raw),              T(test_top_level_scalar), T(test_appends),
        T(test_deep),             T(test_long_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
