#include "util/buf.h"
#include "util/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

void buf_grow(buf_t *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap) return;
    /* doubling for the byte-at-a-time appends; but a reservation made up
     * front (an answer's first 2 KiB, a page's objects) gets what it asks
     * for, not the next power of two above it plus its terminator */
    size_t cap = b->cap ? b->cap * 2 : 64;
    if (cap < need) cap = need;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_put_i64(buf_t *b, int64_t v)
{
    char d[24];
    size_t i = sizeof d;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        d[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) d[--i] = '-';
    buf_append(b, d + i, sizeof d - i);
}

void buf_puts(buf_t *b, const char *s) { buf_append(b, s, strlen(s)); }

void buf_cat_n(buf_t *b, const char *const *s, size_t n)
{
    for (size_t i = 0; i < n; i++) buf_append(b, s[i], strlen(s[i]));
}

void buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    char tmp[256];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) nd_panic("buf_printf: bad format");
    if ((size_t)n < sizeof tmp) {
        buf_append(b, tmp, (size_t)n);
    } else {
        buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
        b->len += (size_t)n;
    }
    va_end(ap2);
}

/* The length of s's leading run of bytes that JSON takes as they are (no
 * control character, quote, backslash or non-ASCII byte): eight at a time,
 * then one by one. */
size_t buf_json_plain_len(const char *s, size_t n)
{
    size_t i = 0;
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (i + 8 <= n) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
        if (((x - ones * 0x20) | (q - ones) | (bs - ones) | x) & highs) break;
        i += 8;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
    }
    return i;
}

void buf_json_str(buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    buf_reserve(b, n + 2);
    /* the common case -- ids, numbers, names, keys: nothing to escape, so
     * quote, bytes and quote go in at once */
    size_t plain = buf_json_plain_len(s, n);
    if (plain == n) {
        buf_json_plain(b, s, n);
        return;
    }
    buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = plain; i < n; i++) {
        i += buf_json_plain_len(s + i, n - i);   /* to the next byte to look at */
        if (i >= n) break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            /* Never write invalid UTF-8 (the output would not be JSON): a
             * byte that does not start a whole, valid character becomes
             * U+FFFD.  Stored text is checked on the way in; this is for
             * text cut to fit a message ("%.64s" of a client's input). */
            size_t want = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
            if (want > 1 && i + want <= n && utf8_valid(s + i, want, NULL)) {
                i += want - 1;
                continue;
            }
            buf_append(b, s + run, i - run);
            run = i + 1;
            buf_append(b, "\\ufffd", 6);
            continue;
        }
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        buf_append(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': buf_append(b, "\\\"", 2); break;
        case '\\': buf_append(b, "\\\\", 2); break;
        case '\n': buf_append(b, "\\n", 2); break;
        case '\r': buf_append(b, "\\r", 2); break;
        case '\t': buf_append(b, "\\t", 2); break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(b, e, 6);
        }
        }
    }
    buf_append(b, s + run, n - run);
    buf_putc(b, '"');
}

void buf_urlenc(buf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (nd_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            buf_putc(b, (char)c);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(b, e, 3);
        }
    }
}

void buf_reset(buf_t *b)
{
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

void buf_free(buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *buf_steal(buf_t *b)
{
    if (b->data == NULL) return xstrdup("");
    char *p = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}
