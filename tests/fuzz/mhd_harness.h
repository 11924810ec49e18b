/* mhd_harness.h -- the real HTTP server code (src/http/server.c) driven in
 * process, without threads or a listening socket, so that a fuzz target
 * can send raw bytes through libmicrohttpd and our request handling and
 * read the answer back, deterministically and quickly.
 */
#ifndef ND_FUZZ_MHD_HARNESS_H
#define ND_FUZZ_MHD_HARNESS_H

#include "http/http.h"
#include "util/buf.h"

typedef struct fz_http fz_http_t;

/* A server for app (the route table and error renderer); aborts on failure. */
fz_http_t *fz_http_new(const http_app_t *app);
void fz_http_free(fz_http_t *h);
/* Sends req[0..n) on a fresh connection from 127.0.0.1, half-closes it,
 * and runs the server until it closes the connection or stops making
 * progress; every byte it sent back is appended to resp. */
void fz_http_exchange(fz_http_t *h, const void *req, size_t n, buf_t *resp);
/* true when some answer in resp (one per pipelined request) has a 5xx
 * status other than 505 (HTTP Version Not Supported, libmicrohttpd's
 * answer to a request line with an unknown version): the server must never
 * answer 5xx to anything a client sends. */
bool fz_http_has_5xx(const buf_t *resp);
/* true when some answer in resp has a 2xx status. */
bool fz_http_has_2xx(const buf_t *resp);

#endif
