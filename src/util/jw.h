/* jw.h -- a streaming JSON writer into a buf_t.
 *
 * Responses are written straight into the output buffer instead of being
 * built as a jansson tree and serialised: one pass, no allocation per
 * value.  The writer does not own the buffer.  Nesting is capped at
 * JW_MAX_DEPTH (a programming error beyond it aborts).
 */
#ifndef ND_JW_H
#define ND_JW_H

#include "util/buf.h"

#define JW_MAX_DEPTH 16

typedef struct {
    buf_t *b;
    int depth;
    bool after_key;
    bool first[JW_MAX_DEPTH];
} jw_t;

void jw_init(jw_t *w, buf_t *b);
void jw_obj(jw_t *w);
void jw_obj_end(jw_t *w);
void jw_arr(jw_t *w);
void jw_arr_end(jw_t *w);
/* A key, as a JSON string and a colon.  jw_key_esc escapes it (a key
 * made from data: a country, a number type); jw_key_lit copies it as it
 * is, and is for the program's own names only, which hold nothing to
 * escape.  jw_key picks: a string literal's length is known when it is
 * compiled, and such a key is the program's own name -- copied in one
 * go, without strlen or the escaping scan (a list of 20 numbers writes
 * ~700 keys); any other key is escaped.  jw_key and the jw_k* below are
 * always inlined, so that the literal reaches it whatever the optimizer
 * weighs (unoptimized, every key is escaped). */
void jw_key_esc(jw_t *w, const char *k, size_t n);
/* Before a value or a key: the comma between siblings (inline for
 * jw_key_lit; every other writer calls it through jw.c). */
static inline void jw_sep(jw_t *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth]) buf_putc(w->b, ',');
    w->first[w->depth] = false;
}
/* Stops numberd if k needs escaping (defined in every build; called from
 * jw_key_lit in debug and sanitizer builds). */
void jw_key_lit_check(const char *k, size_t n);
/* Inline, as jw_key is: with n known when it is compiled the copy is a few
 * moves, not a call to memcpy (~700 keys a list page). */
static ND_ALWAYS_INLINE void jw_key_lit(jw_t *w, const char *k, size_t n)
{
#if !defined(NDEBUG) || defined(__SANITIZE_ADDRESS__)
    /* debug builds and the sanitizer build (which the whole test suite
     * runs against) hold jw_key to its word */
    jw_key_lit_check(k, n);
#endif
    jw_sep(w);
    /* buf_json_plain and the colon, written as one: with them as two
     * calls (two growth checks, the NUL written twice) a list page cost
     * 18,000 instructions more (bench/instr) */
    buf_reserve(w->b, n + 3);
    char *d = w->b->data + w->b->len;
    d[0] = '"';
    memcpy(d + 1, k, n);
    d[n + 1] = '"';
    d[n + 2] = ':';
    d[n + 3] = '\0';
    w->b->len += n + 3;
    w->after_key = true;
}
static ND_ALWAYS_INLINE void jw_key(jw_t *w, const char *k)
{
    size_t n = __builtin_strlen(k);
    if (__builtin_constant_p(n)) jw_key_lit(w, k, n);
    else jw_key_esc(w, k, n);
}
void jw_str(jw_t *w, const char *s); /* NULL writes null */
void jw_strn(jw_t *w, const char *s, size_t n);
void jw_int(jw_t *w, int64_t v);
/* Inline: a list page writes ~300 nulls and ~80 booleans, each a call
 * before. */
static ND_ALWAYS_INLINE void jw_null(jw_t *w)
{
    jw_sep(w);
    buf_append(w->b, "null", 4);
}
static ND_ALWAYS_INLINE void jw_bool(jw_t *w, bool v)
{
    jw_sep(w);
    if (v) buf_append(w->b, "true", 4);
    else buf_append(w->b, "false", 5);
}
void jw_raw(jw_t *w, const char *json, size_t n); /* pre-rendered JSON value */

/* key + value in one call (always inlined, so that jw_key sees a literal
 * key) */
static ND_ALWAYS_INLINE void jw_kstr(jw_t *w, const char *k, const char *s) { jw_key(w, k); jw_str(w, s); }
static ND_ALWAYS_INLINE void jw_kint(jw_t *w, const char *k, int64_t v) { jw_key(w, k); jw_int(w, v); }
static ND_ALWAYS_INLINE void jw_kbool(jw_t *w, const char *k, bool v) { jw_key(w, k); jw_bool(w, v); }
static ND_ALWAYS_INLINE void jw_knull(jw_t *w, const char *k) { jw_key(w, k); jw_null(w); }
/* string, or null when s is NULL or empty */
static ND_ALWAYS_INLINE void jw_kstr_or_null(jw_t *w, const char *k, const char *s)
{
    jw_key(w, k);
    if (s == NULL || *s == '\0') jw_null(w);
    else jw_str(w, s);
}

#endif
