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
void jw_key(jw_t *w, const char *k);
void jw_str(jw_t *w, const char *s); /* NULL writes null */
void jw_strn(jw_t *w, const char *s, size_t n);
void jw_int(jw_t *w, int64_t v);
void jw_bool(jw_t *w, bool v);
void jw_null(jw_t *w);
void jw_raw(jw_t *w, const char *json, size_t n); /* pre-rendered JSON value */

/* key + value in one call */
void jw_kstr(jw_t *w, const char *k, const char *s);
void jw_kint(jw_t *w, const char *k, int64_t v);
void jw_kbool(jw_t *w, const char *k, bool v);
void jw_knull(jw_t *w, const char *k);
/* string, or null when s is NULL or empty */
void jw_kstr_or_null(jw_t *w, const char *k, const char *s);

#endif
