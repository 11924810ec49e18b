/* httpInt.h -- what the HTTP adapter's two listeners share (server.c, the
 * libmicrohttpd one; lean.c, the SBC one) and the fuzz target reaches.
 * Private to src/http and fuzz/. */
#ifndef ND_HTTP_INT_H
#define ND_HTTP_INT_H

#include "http/http.h"

#include <stdint.h>

/* Percent-decoding of s[0..n) in place, the rule of both listeners: "%00"
 * is left as it is (decoded, the NUL would end the C string early: see
 * server.c); with plus, '+' is a space (query arguments, as libmicrohttpd
 * decodes them).  Returns the decoded length; writes no NUL. */
size_t http_unescape(char *s, size_t n, bool plus);

/* RFC 9112 §3.2.2: a request target in absolute form ("http://host/p")
 * routes on its path.  Returns target itself when it is not in that form,
 * the path inside it when it is, NULL when it names no path. */
const char *http_target_path(const char *target);

/* An answered (or abandoned: status 0) request, counted in util/metrics
 * under its route (found: q->route) and method, and logged at info with
 * msg: never a header value, a query string or a body -- the route
 * template stands for the path. */
void http_finish_request(const http_app_t *app, const http_req_t *q, bool found, int status,
                         const char *msg, uint64_t ns);

/* A request's head as lean.c parses it, in place: every pointer points into
 * the buffer given to lean_parse (which it modifies: NULs, decoding). */
typedef struct {
    char *method;
    char *path;                 /* decoded ("%00" left as it is) */
    size_t path_len;
    char *query;                /* NULL: none */
    http_kv_t headers[64];
    size_t nheaders;
    http_kv_t args[HTTP_MAX_PARAMS + 1]; /* one more than allowed: http_query_params refuses it */
    size_t nargs;
    bool http10, close, keep_alive;
} lean_req_t;

/* Parses head[0..n), which ends with the empty line (CRLF CRLF).  0, or
 * the status to answer: 400 malformed (or a body announced), 414 target
 * too long, 431 too many headers. */
int lean_parse(char *head, size_t n, lean_req_t *out);

#endif
