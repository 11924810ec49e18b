/* fuzz_lean.c -- the SBC listener's request parser (src/http/lean.c,
 * lean_parse), on heads as the listener hands them over: bytes ending in
 * the empty line.
 *
 * Properties: it answers 0 or one of 400/414/431; on 0 every pointer it
 * gives lies inside the buffer it was given, every header name is a
 * non-empty token with no NUL inside its length, values and arguments hold
 * no CR or LF, the path starts with '/' and its decoded length fits, and no
 * body was let through (a Content-Length other than "0" or any
 * Transfer-Encoding means 400). */
#include "fuzz.h"

#include <string.h>
#include <strings.h>

#include "http/httpInt.h"

static int inside(const char *p, const char *buf, size_t n) { return p >= buf && p <= buf + n; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384) return 0;
    /* the listener only parses what ends with CRLF CRLF */
    char *buf = malloc(size + 5);
    memcpy(buf, data, size);
    memcpy(buf + size, "\r\n\r\n", 4);
    size_t n = size + 4;
    buf[n] = '\0';
    lean_req_t r;
    int st = lean_parse(buf, n, &r);
    FUZZ_CHECK(st == 0 || st == 400 || st == 414 || st == 431);
    if (st == 0) {
        FUZZ_CHECK(inside(r.method, buf, n) && inside(r.path, buf, n));
        FUZZ_CHECK(r.path[0] == '/');
        FUZZ_CHECK(r.path_len <= HTTP_MAX_PATH);
        FUZZ_CHECK(r.nheaders <= 64 && r.nargs <= HTTP_MAX_PARAMS + 1);
        for (size_t i = 0; i < r.nheaders; i++) {
            const http_kv_t *h = &r.headers[i];
            FUZZ_CHECK(inside(h->name, buf, n) && inside(h->value, buf, n));
            FUZZ_CHECK(h->name_len > 0 && memchr(h->name, '\0', h->name_len) == NULL);
            FUZZ_CHECK(strcspn(h->value, "\r\n") == h->value_len);
            if (strcasecmp(h->name, "Transfer-Encoding") == 0) FUZZ_CHECK(0);
            if (strcasecmp(h->name, "Content-Length") == 0) FUZZ_CHECK(strcmp(h->value, "0") == 0);
        }
        for (size_t i = 0; i < r.nargs; i++) {
            const http_kv_t *a = &r.args[i];
            FUZZ_CHECK(inside(a->name, buf, n));
            FUZZ_CHECK(a->value_len == 0 || inside(a->value, buf, n));
        }
    }
    free(buf);
    return 0;
}
