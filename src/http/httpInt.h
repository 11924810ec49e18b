/* httpInt.h -- what the HTTP adapter's two listeners share (server.c, the
 * libmicrohttpd one; lean.c, the SBC one) and the fuzz target reaches.
 * Private to src/http and fuzz/. */
#ifndef ND_HTTP_INT_H
#define ND_HTTP_INT_H

#include "http/http.h"

#include <stdint.h>

/* 0-15 for a hex digit, else -1 */
int http_unhex(int c);

/* The request's line in the log (at info): never a header value, a query
 * string or a body -- the route template stands for the path. */
void http_log_request(const http_req_t *q, const char *route, const char *msg, int status,
                      uint64_t ns);

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
