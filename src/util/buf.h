/* buf.h -- a growable byte buffer, always NUL-terminated.
 *
 * Ownership: the buf_t owns b->data; buf_free() releases it, buf_steal()
 * hands it to the caller (who then frees it with free()).
 */
#ifndef ND_BUF_H
#define ND_BUF_H

#include "util/common.h"

#include <string.h>

typedef struct {
    char *data;
    size_t len;
    size_t cap;
} buf_t;

#define BUF_INIT {NULL, 0, 0}

/* Room for extra more bytes and the NUL.  Inline: a JSON writer asks for
 * room for every key and value, and there nearly always is (a list page's
 * ~700 keys made it a call each, 3 % of the page's CPU); buf_grow, out of
 * line, makes it. */
void buf_grow(buf_t *b, size_t extra);
static inline void buf_reserve(buf_t *b, size_t extra)
{
    if (b->len + extra + 1 > b->cap) buf_grow(b, extra);
}
/* Inline, as buf_reserve: with n known when it is compiled (a JSON
 * writer's null, true, false) the copy is a few moves, not a call. */
static inline void buf_append(buf_t *b, const void *p, size_t n)
{
    buf_reserve(b, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}
void buf_puts(buf_t *b, const char *s);
/* inline: a JSON writer calls it for every comma, colon and bracket */
static inline void buf_putc(buf_t *b, char c)
{
    if (b->len + 2 > b->cap) buf_grow(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}
void buf_printf(buf_t *b, const char *fmt, ...) ND_PRINTF(2, 3);
/* Appends v in decimal, digits by hand: printf's machinery was ~3 % of an
 * SBC lookup (jw_int) and of a kept answer's key (anscache.c). */
void buf_put_i64(buf_t *b, int64_t v);
/* Appends each of the n strings s[0..n) in turn (none NULL): a
 * statement's text built of column lists and clauses.  printf's "%s"
 * walks its argument a byte at a time (~11 instructions a byte: building
 * a list page's ~1.5 KB of SQL was 3 % of the page); this is strlen and
 * memcpy.  BUF_CAT(b, "a", x, "c") passes its strings as an array, so
 * the compiler checks that each is one and counts them. */
void buf_cat_n(buf_t *b, const char *const *s, size_t n);
#define BUF_CAT(b, ...)                                        \
    buf_cat_n((b), (const char *const[]){__VA_ARGS__},         \
              sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
/* Append s as a JSON string literal with quotes and escapes; a byte of s
 * that does not start a valid UTF-8 character is written as \ufffd, so the
 * output is always valid JSON. */
void buf_json_str(buf_t *b, const char *s, size_t n);
/* The length of s's leading run of bytes that a JSON string takes as they
 * are (no control character, quote, backslash or non-ASCII byte). */
size_t buf_json_plain_len(const char *s, size_t n);
/* Append s as a JSON string literal with quotes and nothing escaped: for
 * s whose buf_json_plain_len is n (buf_json_str's common case, a JSON
 * writer's literal keys).  Inline: it is on every key's path. */
static inline void buf_json_plain(buf_t *b, const char *s, size_t n)
{
    buf_reserve(b, n + 2);
    char *d = b->data + b->len;
    d[0] = '"';
    memcpy(d + 1, s, n);
    d[n + 1] = '"';
    d[n + 2] = '\0';
    b->len += n + 2;
}
/* Append percent-encoded (RFC 3986 unreserved kept). */
void buf_urlenc(buf_t *b, const char *s);
void buf_reset(buf_t *b);
void buf_free(buf_t *b);
char *buf_steal(buf_t *b); /* returns data (never NULL); b is reset */

#endif
