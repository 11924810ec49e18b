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

static void open(jw_t *w, char c)
{
    jw_sep(w);
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
    jw_sep(w);
    buf_json_str(w->b, k, n);
    buf_putc(w->b, ':');
    w->after_key = true;
}

void jw_key_lit_check(const char *k, size_t n)
{
    if (buf_json_plain_len(k, n) != n)
        nd_panic("jw: the literal key \"%s\" needs escaping: pass it as data (jw_key_esc)", k);
}

void jw_strn(jw_t *w, const char *s, size_t n)
{
    jw_sep(w);
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
    jw_sep(w);
    buf_put_i64(w->b, v);
}

void jw_raw(jw_t *w, const char *json, size_t n)
{
    jw_sep(w);
    buf_append(w->b, json, n);
}

