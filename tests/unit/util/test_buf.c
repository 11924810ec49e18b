/* test_buf.c -- unit tests for the growable buffer (util/buf.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

static void test_append_basics(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    assert_null(b.data);
    buf_puts(&b, "");
    assert_non_null(b.data); /* always NUL-terminated once touched */
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    buf_puts(&b, "abc");
    buf_putc(&b, '-');
    buf_append(&b, "xyz123", 3);
    assert_int_equal(b.len, 7);
    assert_string_equal(b.data, "abc-xyz");
    assert_true(b.cap > b.len);
    /* embedded NUL bytes are kept; len counts them */
    buf_append(&b, "a\0b", 3);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.data, "abc-xyza\0b", 11);
    buf_append(&b, NULL, 0);
    assert_int_equal(b.len, 10);
    buf_free(&b);
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
}

static void test_growth(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    for (int i = 0; i < 10000; i++) buf_putc(&b, (char)('a' + i % 26));
    assert_int_equal(b.len, 10000);
    assert_int_equal(strlen(b.data), 10000);
    assert_true(b.cap >= 10001);
    for (int i = 0; i < 10000; i++) assert_int_equal(b.data[i], 'a' + i % 26);

    buf_reserve(&b, 100000);
    assert_true(b.cap >= b.len + 100000 + 1);
    size_t cap = b.cap;
    char *data = b.data;
    buf_reserve(&b, 10); /* already room: no reallocation */
    assert_int_equal(b.cap, cap);
    assert_ptr_equal(b.data, data);
    buf_free(&b);
}

/* A reservation gets what it asks for (an answer's first 2 KiB is 2 KiB,
 * not the 4 KiB above 2 KiB + its NUL); appends past it double. */
static void test_reserve_exact(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    buf_reserve(&b, 2047);
    assert_int_equal(b.cap, 2048);
    buf_putc(&b, '{');
    buf_reserve(&b, 20 * 1024);
    assert_int_equal(b.cap, 1 + 20 * 1024 + 1);
    for (int i = 0; i < 20 * 1024; i++) buf_putc(&b, 'x');
    assert_int_equal(b.cap, 1 + 20 * 1024 + 1); /* it was enough */
    buf_putc(&b, '}');
    assert_int_equal(b.cap, 2 * (1 + 20 * 1024 + 1)); /* then doubling */
    assert_int_equal(b.len, 20 * 1024 + 2);
    assert_int_equal(b.data[b.len - 1], '}');
    buf_free(&b);
}

static void test_reset(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    buf_reset(&b); /* on an empty buffer: harmless */
    assert_null(b.data);
    buf_puts(&b, "hello");
    size_t cap = b.cap;
    buf_reset(&b);
    assert_int_equal(b.len, 0);
    assert_string_equal(b.data, "");
    assert_int_equal(b.cap, cap); /* memory kept for reuse */
    buf_puts(&b, "hi");
    assert_string_equal(b.data, "hi");
    buf_free(&b);
    buf_free(&b); /* twice: harmless */
}

static void test_printf(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    buf_printf(&b, "%d-%s-%05.1f", 42, "x", 3.14159);
    assert_string_equal(b.data, "42-x-003.1");
    buf_printf(&b, "%s", "");
    assert_int_equal(b.len, 10);
    buf_printf(&b, "|%lld|", (long long)INT64_MIN);
    assert_string_equal(b.data, "42-x-003.1|-9223372036854775808|");
    buf_free(&b);
}

/* Output longer than the 256-byte stack buffer takes the second path. */
/* buf_put_i64 writes what printf's %lld does, at the edges too */
static void test_put_i64(void **state)
{
    (void)state;
    const int64_t vs[] = {0, 7, -7, 10, -10, 1234567890123LL, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        buf_t a = BUF_INIT, b = BUF_INIT;
        buf_puts(&a, "x");
        buf_put_i64(&a, vs[i]);
        buf_printf(&b, "x%lld", (long long)vs[i]);
        assert_string_equal(a.data, b.data);
        assert_int_equal(a.len, b.len);
        buf_free(&a);
        buf_free(&b);
    }
}

static void test_printf_long(void **state)
{
    (void)state;
    static const size_t lens[] = {254, 255, 256, 257, 300, 1000, 70000};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        size_t n = lens[k];
        char *s = malloc(n + 1);
        assert_non_null(s);
        for (size_t i = 0; i < n; i++) s[i] = (char)('A' + i % 23);
        s[n] = '\0';

        buf_t b = BUF_INIT;
        buf_puts(&b, "pre:");
        buf_printf(&b, "<%s>", s);
        buf_printf(&b, "%s", "!");
        assert_int_equal(b.len, 4 + n + 2 + 1);
        assert_int_equal(strlen(b.data), b.len);
        assert_memory_equal(b.data, "pre:<", 5);
        assert_memory_equal(b.data + 5, s, n);
        assert_string_equal(b.data + 5 + n, ">!");
        buf_free(&b);

        /* into an empty buffer, and formatted with a width */
        buf_printf(&b, "%*s|%s", (int)n, "r", s);
        assert_int_equal(b.len, 2 * n + 1);
        assert_int_equal(b.data[n - 1], 'r');
        assert_int_equal(b.data[n], '|');
        assert_int_equal(b.data[0], ' ');
        assert_string_equal(b.data + n + 1, s);
        buf_free(&b);
        free(s);
    }
}

static char *urlenc(const char *s)
{
    buf_t b = BUF_INIT;
    buf_urlenc(&b, s);
    return buf_steal(&b);
}

static void test_urlenc(void **state)
{
    (void)state;
    static const struct { const char *in, *want; } cases[] = {
        {"", ""},
        {"abcXYZ019", "abcXYZ019"},
        {"-_.~", "-_.~"},                         /* RFC 3986 unreserved */
        {" ", "%20"},
        {"a b&c=d", "a%20b%26c%3Dd"},
        {"+14155550100", "%2B14155550100"},
        {"/v1/Account/", "%2Fv1%2FAccount%2F"},
        {"100%", "100%25"},
        {"?#[]@!$'()*,;:", "%3F%23%5B%5D%40%21%24%27%28%29%2A%2C%3B%3A"},
        {"\"<>\\^`{|}", "%22%3C%3E%5C%5E%60%7B%7C%7D"},
        {"\n\t\x01\x7f", "%0A%09%01%7F"},
        {"caf\xc3\xa9", "caf%C3%A9"},             /* UTF-8 bytes, upper-case hex */
        {"\xff", "%FF"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = urlenc(cases[i].in);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
    /* appends to what is there */
    buf_t b = BUF_INIT;
    buf_puts(&b, "q=");
    buf_urlenc(&b, "a b");
    assert_string_equal(b.data, "q=a%20b");
    buf_free(&b);
}

static void test_steal(void **state)
{
    (void)state;
    buf_t b = BUF_INIT;
    char *p = buf_steal(&b); /* never NULL, even untouched */
    assert_non_null(p);
    assert_string_equal(p, "");
    free(p);

    buf_puts(&b, "owned");
    char *data = b.data;
    p = buf_steal(&b);
    assert_ptr_equal(p, data);
    assert_string_equal(p, "owned");
    assert_null(b.data);
    assert_int_equal(b.len, 0);
    assert_int_equal(b.cap, 0);
    /* the buffer is usable again and independent */
    buf_puts(&b, "new");
    assert_string_equal(b.data, "new");
    assert_string_equal(p, "owned");
    free(p);
    buf_free(&b);
}

static char *json_str(const char *s, size_t n)
{
    buf_t b = BUF_INIT;
    buf_json_str(&b, s, n);
    return buf_steal(&b);
}

static void test_json_str(void **state)
{
    (void)state;
    static const struct { const char *in; size_t n; const char *want; } cases[] = {
        {"", 0, "\"\""},
        {"plain", 5, "\"plain\""},
        {"a\"b", 3, "\"a\\\"b\""},
        {"back\\slash", 10, "\"back\\\\slash\""},
        {"\n\r\t", 3, "\"\\n\\r\\t\""},
        {"\x01\x1f", 2, "\"\\u0001\\u001f\""},
        {"\b\f", 2, "\"\\u0008\\u000c\""},
        {"a\0b", 3, "\"a\\u0000b\""},
        {"/", 1, "\"/\""},                        /* not escaped */
        {"\x7f", 1, "\"\x7f\""},                   /* DEL is allowed in JSON */
        {"caf\xc3\xa9", 5, "\"caf\xc3\xa9\""},     /* UTF-8 passes through */
        {"xyz", 2, "\"xy\""},                      /* n bounds it */
        /* issue 15: never invalid UTF-8 out, whatever comes in */
        {"\xe2\x82\xac\xe2\x82", 5, "\"\xe2\x82\xac\\ufffd\\ufffd\""}, /* a character cut short */
        {"a\x80" "b", 3, "\"a\\ufffdb\""},             /* a lone continuation byte */
        {"\xc0\xaf", 2, "\"\\ufffd\\ufffd\""},        /* overlong '/' */
        {"\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""}, /* a surrogate */
        {"\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""}, /* 4 bytes pass through */
        {"\xf0\x9f\x98\x80", 3, "\"\\ufffd\\ufffd\\ufffd\""}, /* n cuts it */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = json_str(cases[i].in, cases[i].n);
        assert_string_equal(got, cases[i].want);
        free(got);
    }
}

/* A byte to escape at every place of strings of 1-20 bytes (before, in
 * and after the eight-byte steps and the plain prefix), written after
 * text already in the buffer: the same as escaping byte by byte. */
static void test_json_str_every_place(void **state)
{
    (void)state;
    static const char specials[] = {'"', '\\', '\n', '\x01', (char)0xff};
    for (size_t n = 1; n <= 20; n++) {
        for (size_t at = 0; at < n; at++) {
            for (size_t k = 0; k < sizeof specials; k++) {
                char in[24];
                memset(in, 'a', n);
                in[at] = specials[k];
                buf_t b = BUF_INIT;
                buf_puts(&b, "x:");
                buf_json_str(&b, in, n);
                buf_t want = BUF_INIT;
                buf_puts(&want, "x:\"");
                for (size_t i = 0; i < n; i++) {
                    if (i != at) buf_putc(&want, 'a');
                    else if (in[i] == '"') buf_puts(&want, "\\\"");
                    else if (in[i] == '\\') buf_puts(&want, "\\\\");
                    else if (in[i] == '\n') buf_puts(&want, "\\n");
                    else if (in[i] == '\x01') buf_puts(&want, "\\u0001");
                    else buf_puts(&want, "\\ufffd");
                }
                buf_putc(&want, '"');
                assert_string_equal(b.data, want.data);
                assert_int_equal(b.len, want.len);
                buf_free(&b);
                buf_free(&want);
            }
        }
    }
}

static void test_join(void **state)
{
    (void)state;
    char d[12];
    assert_int_equal(ND_JOIN(d, "/v1/", "AB", "/"), 7);
    assert_string_equal(d, "/v1/AB/");
    assert_int_equal(ND_JOIN(d, ""), 0);
    assert_string_equal(d, "");
    /* cut to fit: 11 bytes and the NUL, the rest dropped */
    assert_int_equal(ND_JOIN(d, "0123456", "789abcdef", "zz"), 11);
    assert_string_equal(d, "0123456789a");
    char one[1];
    assert_int_equal(ND_JOIN(one, "abc"), 0);
    assert_string_equal(one, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_basics),
        cmocka_unit_test(test_growth),
        cmocka_unit_test(test_reserve_exact),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_printf),
        cmocka_unit_test(test_put_i64),
        cmocka_unit_test(test_printf_long),
        cmocka_unit_test(test_urlenc),
        cmocka_unit_test(test_steal),
        cmocka_unit_test(test_json_str),
        cmocka_unit_test(test_json_str_every_place),
        cmocka_unit_test(test_join),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
