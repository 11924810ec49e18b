/* utf8.h -- strict UTF-8 validation (no overlongs, no surrogates, no NUL). */
#ifndef ND_UTF8_H
#define ND_UTF8_H

#include "util/common.h"

/* True when s[0..n) is valid UTF-8 without NUL bytes.  On false, *bad
 * (if not NULL) is the offset of the first offending byte. */
bool utf8_valid(const char *s, size_t n, size_t *bad);
/* Number of code points in valid UTF-8 text. */
size_t utf8_len(const char *s, size_t n);
/* Cuts the NUL-terminated s in place so that it is valid UTF-8: at its
 * first invalid byte (a character split by a truncation, usually). */
void utf8_clip_invalid(char *s);

#endif
