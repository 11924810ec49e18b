#include "util/jw.h"

#include <stdio.h>
#include <string.h>

void jw_init(jw_t *w, buf_t *b)
{
    w->b = b;
    w->depth = 0;
    w->after_key = false;
    w->first[0] = true;
}

/* Before a value or a key: the comma between siblings. */
static void sep(jw_t *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth]) buf_putc(w->b, ',');
    w->first[w->depth] = false;
}

static void open(jw_t *w, char c)
{
    sep(w);
    if (w->depth + 1 >= JW_MAX_DEPTH) nd_panic("jw: nesting too deep");
    buf_putc(w->b, c);
    w->first[++w->depth] = true;
}

static void close_(jw_t *w, char c)
{
    if (w->depth == 0) nd_panic("jw: unbalanced close");
    w->depth--;
    buf_putc(w->b, c);
}

void jw_obj(jw_t *w) { open(w, '{'); }
void jw_obj_end(jw_t *w) { close_(w, '}'); }
void jw_arr(jw_t *w) { open(w, '['); }
void jw_arr_end(jw_t *w) { close_(w, ']'); }

void jw_key_esc(jw_t *w, const char *k, size_t n)
{
    sep(w);
    buf_json_str(w->b, k, n);
    buf_putc(w->b, ':');
    w->after_key = true;
}

void jw_key_lit(jw_t *w, const char *k, size_t n)
{
#if !defined(NDEBUG) || defined(__SANITIZE_ADDRESS__)
    /* debug builds and the sanitizer build (which the whole test suite
     * runs against) hold jw_key to its word */
    if (buf_json_plain_len(k, n) != n)
        nd_panic("jw: the literal key \"%s\" needs escaping: pass it as data (jw_key_esc)", k);
#endif
    sep(w);
    buf_reserve(w->b, n + 3);   /* the colon's room too: one growth check */
    buf_json_plain(w->b, k, n);
    buf_putc(w->b, ':');
    w->after_key = true;
}

void jw_strn(jw_t *w, const char *s, size_t n)
{
    sep(w);
    buf_json_str(w->b, s, n);
}

void jw_str(jw_t *w, const char *s)
{
    if (s == NULL) {
        jw_null(w);
        return;
    }
    jw_strn(w, s, strlen(s));
}

void jw_int(jw_t *w, int64_t v)
{
    /* digits by hand: printf's machinery was ~3 % of an SBC lookup, whose
     * answer carries one or two small integers */
    char d[24];
    size_t i = sizeof d;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        d[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) d[--i] = '-';
    sep(w);
    buf_append(w->b, d + i, sizeof d - i);
}

void jw_bool(jw_t *w, bool v)
{
    sep(w);
    buf_puts(w->b, v ? "true" : "false");
}

void jw_null(jw_t *w)
{
    sep(w);
    buf_append(w->b, "null", 4);
}

void jw_raw(jw_t *w, const char *json, size_t n)
{
    sep(w);
    buf_append(w->b, json, n);
}

