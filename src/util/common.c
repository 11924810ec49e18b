#include "util/common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <malloc.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

void nd_panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("numberd: fatal: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) nd_panic("out of memory allocating %zu bytes", n);
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (p == NULL) nd_panic("out of memory allocating %zu x %zu bytes", nmemb, size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL) nd_panic("out of memory reallocating to %zu bytes", n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) nd_panic("xasprintf: bad format");
    char *p = xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

int nd_strcasecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = nd_tolower((unsigned char)*a), cb = nd_tolower((unsigned char)*b);
        if (ca != cb || ca == 0) return ca - cb;
    }
}

bool nd_all_digits(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!nd_isdigit((unsigned char)s[i])) return false;
    return true;
}

void nd_malloc_trim(void)
{
#if !defined(__SANITIZE_ADDRESS__)
    malloc_trim(0);
#endif
}

size_t nd_join(char *dst, size_t cap, const char *const *parts, size_t n)
{
    size_t len = 0;
    for (size_t i = 0; i < n && len + 1 < cap; i++) {
        size_t k = strlen(parts[i]);
        if (k > cap - 1 - len) k = cap - 1 - len;
        memcpy(dst + len, parts[i], k);
        len += k;
    }
    dst[len] = '\0';
    return len;
}

void nd_thread_background(void)
{
    /* best effort: a failure leaves the thread at the server's priority */
    (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), ND_BACKGROUND_NICE);
}

static _Atomic int g_exit_code;

void nd_exit_code_set(int code) { g_exit_code = code; }

int nd_exit_code(void) { return g_exit_code; }
