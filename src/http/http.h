/* http.h -- the HTTP adapter: requests, responses, routes, the server.
 *
 * This layer knows HTTP and nothing of phone numbers.  The application (the
 * api layer) hands it a route table and an error renderer; the server reads
 * each request completely (body capped), matches a route, and calls its
 * handler on the libmicrohttpd worker thread that owns the connection.
 *
 * Ownership: an http_req_t and everything it points to belong to the server
 * and live until the response has been queued.  A handler fills the
 * http_resp_t it is given; the server sends and frees it.
 */
#ifndef ND_HTTP_H
#define ND_HTTP_H

#include <jansson.h>

#include "util/buf.h"

#define HTTP_MAX_BODY (64 * 1024)          /* JSON and form bodies (API.md §0) */
#define HTTP_BATCH_MAX 32                  /* writes answered after one commit (http_app_t) */
#define HTTP_SYNCERS 2                     /* threads waiting for batches' syncs (batch_durable) */
#define HTTP_VERSION_SZ 64                 /* a version read ahead (http_app_t.version_read) */
#define HTTP_MAX_STREAM (1024ull << 20)    /* streamed bodies (CSV import): 1 GiB */
#define HTTP_MAX_PATH 2048
#define HTTP_MAX_PARAMS 64                 /* query or form parameters */
#define HTTP_MAX_JSON_DEPTH 16
#define ROUTE_MAX_PARAMS 4
#define HTTP_REQ_ID_SZ 37                  /* a request id: a UUID and its NUL */
#define HTTP_UPSTREAM_ID_SZ 65             /* a trusted proxy's X-Request-Id: 1-64 characters */
#define HTTP_ACCOUNT_SZ 24                 /* the caller's auth_id, for the log */
#define HTTP_NOTE_SZ 512                   /* a handler's own fields for the log line */

typedef enum {
    HTTP_GET = 1 << 0,
    HTTP_POST = 1 << 1,
    HTTP_PUT = 1 << 2,
    HTTP_PATCH = 1 << 3,
    HTTP_DELETE = 1 << 4,
    HTTP_HEAD = 1 << 5,
    HTTP_OPTIONS = 1 << 6,
    HTTP_OTHER = 1 << 7,
} http_method_t;

typedef struct {
    char *name;
    char *value;
    bool heap;                  /* allocated (freed by http_resp_free); else in hspace */
} http_header_t;

typedef struct {
    int status;
    const char *content_type;   /* static string; default application/json */
    const char *request_id;     /* the request's id (borrowed from http_req_t.id; sent as
                                 * X-Request-Id); "" or NULL outside a server */
    buf_t body;
    http_header_t headers[8];   /* extra headers, owned (freed by the server) */
    size_t nheaders;
    /* the headers' text lives here when it fits: a response's few short
     * headers (Allow, Retry-After, Idempotent-Replayed) cost no allocation */
    char hspace[256];
    size_t hused;
} http_resp_t;

struct route;

/* A name and value, decoded, as the SBC listener (lean.c) parsed them. */
typedef struct {
    const char *name;
    const char *value;
    size_t name_len, value_len;
} http_kv_t;

/* Where a request's headers and query arguments are when they do not come
 * from libmicrohttpd: http_header and http_query_params read these. */
typedef struct {
    const http_kv_t *headers;
    size_t nheaders;
    const http_kv_t *args;
    size_t nargs;
} http_src_t;

typedef struct http_req {
    void *conn;                 /* struct MHD_Connection * (NULL when src is set) */
    const http_src_t *src;      /* the SBC listener's request; NULL: read conn */
    http_method_t method;
    const char *method_name;
    char *path;                 /* decoded path (owned) */
    const char *content_type;   /* header value or NULL */
    buf_t body;
    bool body_too_large;
    const struct route *route;
    const char *params[ROUTE_MAX_PARAMS]; /* path parameters, decoded */
    char *param_store;          /* owned backing storage of params */
    void *app;                  /* the application's context (http_app_t.ud) */
    char client[48];            /* client address, for logs and limits */
    char id[HTTP_REQ_ID_SZ];    /* this request's id, made when its headers arrive: the
                                 * X-Request-Id header and the log's api_id ("" if the
                                 * application gives no id maker) */
    char account[HTTP_ACCOUNT_SZ]; /* who authenticated, for the log: the application's
                                 * auth helpers fill it; "" when unknown */
    char note[HTTP_NOTE_SZ];    /* more fields for the request's log line, rendered
                                 * (",\"verdict\":\"accept\",..."): the handler's, when the
                                 * log is at info; "" none */
    char upstream_id[HTTP_UPSTREAM_ID_SZ]; /* the X-Request-Id a trusted proxy sent (1-64 of
                                 * [A-Za-z0-9._:-]), answered back and logged as
                                 * request_id; "" when none (then X-Request-Id is id) */
} http_req_t;

/* A handler fills resp; whatever happens is in the response it writes. */
typedef void (*http_handler)(http_req_t *req, http_resp_t *resp);

/* A handler for a body that is processed as it arrives (CSV import).
 * open() runs once the headers are in (authenticate here); it returns
 * C_ERR after filling resp to refuse, and the body is then discarded.
 * data() gets each chunk; close() fills the response. */
typedef struct http_stream_ops {
    int (*open)(http_req_t *req, http_resp_t *resp, void **state);
    int (*data)(void *state, const char *data, size_t n);
    void (*close)(void *state, http_req_t *req, http_resp_t *resp, bool aborted);
} http_stream_ops_t;

typedef struct route {
    http_method_t method;
    const char *pattern;        /* "/v1/Account/{auth_id}/Number/{number}" */
    http_handler fn;
    const http_stream_ops_t *stream; /* non-NULL: body is streamed */
    const char *name;           /* the template, for logs and metrics */
    int tag;                    /* the application's class of the route (the api layer
                                 * keeps its dialect here); the server never reads it */
} route_t;

typedef struct {
    const route_t *routes;
    size_t nroutes;
    /* Renders an error in the dialect the path belongs to. */
    void (*error)(http_req_t *req, http_resp_t *resp, int status, const char *msg);
    /* Makes a request id (NULL: requests have none). */
    void (*new_request_id)(char out[HTTP_REQ_ID_SZ]);
    /* Called on the handler's thread once its handler (or a stream's
     * close) returned, so that what the application keeps per thread for
     * one request (the event log's actor) never outlives it.  May be NULL. */
    void (*request_done)(void);
    /* Batches of writes (both NULL: each write is answered by itself).
     * With a writer pool (--write-threads) and batch_begin set, one writer
     * answers every pool write: batch_begin(ud) == C_OK makes the writes
     * it answers next, until batch_end(ud, &after), share one commit; no
     * answer of a batch is sent before it is durable.  batch_end: C_ERR
     * when none was kept -- each answer is then replaced by batch_lost's
     * (the fault in the request's dialect); C_OK with after NULL when all
     * of them are durable; C_OK with after set when they are committed
     * and durable once batch_durable(ud, after) returned -- the server
     * calls it on a thread of its own (the syncer), exactly once, while
     * the writer runs the next batch.  batch_full (may be NULL): asked
     * after each write of a batch; true ends the batch there. */
    int (*batch_begin)(void *ud);
    bool (*batch_full)(void *ud);
    int (*batch_end)(void *ud, void **after);
    int (*batch_durable)(void *ud, void *after); /* C_ERR: not durable, answered as lost */
    void (*batch_lost)(http_req_t *req, http_resp_t *resp);
    /* (may be NULL) a thread the server made for one request -- a
     * stream's close -- is done: what it holds for the app (a database
     * connection) is let go */
    void (*thread_done)(void *ud);
    /* Versions read ahead (all three set, and request_done, or none is
     * used).  A GET for which version_wanted(req) is true is not answered
     * when it has arrived: its connection waits while one thread of the
     * server's reads the version (version_read(ud, out): C_OK when read,
     * into HTTP_VERSION_SZ bytes), once for every request waiting when
     * the read begins; then each is answered on its connection's thread,
     * version_give(ud, v) called just before its handler (request_done,
     * after it, takes back one the handler did not use).  A HEAD is never
     * read ahead.  Why: when the version costs a round trip to another
     * process, a thread that read it itself could share one read only
     * with the requests of the other threads -- at most one each. */
    bool (*version_wanted)(const http_req_t *req);
    int (*version_read)(void *ud, void *out);
    void (*version_give)(void *ud, const void *v);
    void *ud;
} http_app_t;

/* ---- router (pure, no I/O) ---- */
typedef enum { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_NO_METHOD } route_match_t;
/* Matches path against the table.  On ROUTE_FOUND sets *out and fills
 * params (pointers into *store, which the caller frees).  On
 * ROUTE_NO_METHOD sets *allow to the methods the path serves.  A trailing
 * slash is optional; empty segments never match. */
route_match_t router_match(const route_t *routes, size_t n, const char *path, http_method_t m,
                           const route_t **out, const char *params[ROUTE_MAX_PARAMS],
                           char **store, unsigned *allow);
/* The path parameter the matched route's pattern names {name}, as
 * decoded (borrowed from req).  NULL when req matched no route; a name the
 * route's pattern does not have is a programming error (nd_panic). */
const char *http_param(const http_req_t *req, const char *name);
/* "GET, POST" for an allow mask; writes into out (>= 64 bytes). */
void router_allow_string(unsigned allow, char *out, size_t sz);
http_method_t http_method_from(const char *m);

/* ---- parameters ---- */
/* Query parameters as a JSON object of strings.  A repeated name, more than
 * HTTP_MAX_PARAMS names, or invalid UTF-8: C_ERR with *err (static text or
 * formatted into errbuf). */
int http_query_params(http_req_t *req, json_t **out, char *errbuf, size_t errsz);
/* Body parameters: JSON object (duplicate keys, depth > 16, invalid UTF-8
 * rejected) or application/x-www-form-urlencoded when allow_form.  An empty
 * body gives an empty object.  Returns C_OK, or C_ERR with status (400/415)
 * and a message in errbuf. */
int http_body_params(http_req_t *req, bool allow_form, json_t **out, int *status, char *errbuf,
                     size_t errsz);
/* Parses application/x-www-form-urlencoded text ('+' is a space, %XX a
 * byte) into a JSON object of strings, with the same rules as query
 * parameters.  The caller owns *out (json_decref). */
int http_parse_urlencoded(const char *s, size_t n, json_t **out, char *errbuf, size_t errsz);
/* A request header, or NULL. */
const char *http_header(http_req_t *req, const char *name);

/* ---- responses ---- */
void http_resp_header(http_resp_t *resp, const char *name, const char *value);
void http_resp_free(http_resp_t *resp);
/* Moves src into dst (src is left empty): a response is never copied with
 * plain assignment, because its headers may point into itself. */
void http_resp_move(http_resp_t *dst, http_resp_t *src);

/* ---- server ---- */
typedef struct http_server http_server_t;
typedef struct {
    const char *host;           /* "127.0.0.1", "0.0.0.0", "::" */
    unsigned port;              /* 0 picks a free port */
    unsigned threads;
    /* threads that answer writes (POST, PUT, PATCH, DELETE), the
     * connection suspended meanwhile, so that durable writes wait for
     * their commit together (group commit); 0: on the HTTP threads.  The
     * main listener only. */
    unsigned write_threads;
    unsigned conn_timeout;      /* seconds */
    unsigned conn_limit;
    unsigned drain_seconds;     /* at stop, how long requests in flight may take; 0: 10 */
    unsigned per_ip_limit;      /* connections per client address; 0: no limit */
    /* peers whose X-Forwarded-For and X-Request-Id are believed (NULL:
     * none); borrowed until http_server_stop */
    const struct http_proxies *proxies;
} http_config_t;

/* ---- trusted proxies (proxy.c) ----
 * A list of CIDR blocks ("10.0.0.0/8, ::1"; a bare address is a /32 or
 * /128; at most 32).  A request whose peer is in the list gets its client
 * address from X-Forwarded-For (the rightmost hop not in the list: the
 * one the first trusted proxy saw) and keeps the X-Request-Id it carries;
 * from any other peer both headers are ignored. */
typedef struct http_proxies http_proxies_t;
/* C_ERR with *err (the caller frees) for a malformed list. */
int http_proxies_parse(const char *spec, http_proxies_t **out, char **err);
void http_proxies_free(http_proxies_t *p);
/* Is the address peer (text) in the list? */
bool http_proxies_trust(const http_proxies_t *p, const char *peer);
/* The client X-Forwarded-For names, normalised, into out; false when the
 * header is absent or malformed (then the peer stays the client). */
bool http_proxies_client(const http_proxies_t *p, const char *xff, char *out, size_t sz);
/* 1-64 characters of [A-Za-z0-9._:-]: an id safe to log and echo. */
bool http_request_id_ok(const char *s);
int http_server_start(const http_config_t *cfg, const http_app_t *app, http_server_t **out,
                      char **err);
unsigned http_server_port(const http_server_t *s);
/* How many writer threads run: 0 (writes on the HTTP threads), 1 when the
 * application answers writes in batches (app->batch_begin), else
 * cfg->write_threads (fewer if some could not start). */
unsigned http_server_writers(const http_server_t *s);
/* Stops accepting, lets requests in flight finish (at most drain_seconds;
 * their answers carry Connection: close), then stops and frees s.  Logs
 * how many requests it had to cut off, if any. */
void http_server_stop(http_server_t *s);

/* ---- the SBC listener (lean.c) ----
 * A second, small HTTP/1.1 listener that serves only the routes whose path
 * starts with prefix (serve --sbc-listen: "/sbc/"), GET and HEAD, without
 * request bodies, through the same route table, error renderer and request
 * ids as the main one.  Uses cfg's host, port, threads, conn_timeout and
 * conn_limit.  The caller owns *out (http_lean_stop frees it) and *err. */
typedef struct http_lean http_lean_t;
int http_lean_start(const http_config_t *cfg, const http_app_t *app, const char *prefix,
                    http_lean_t **out, char **err);
unsigned http_lean_port(const http_lean_t *l);
/* Stops accepting, closes every connection (a lookup in progress finishes
 * first), frees l.  NULL is allowed. */
void http_lean_stop(http_lean_t *l);

/* Every request is counted in util/metrics (route index = its position in
 * the route table given to http_server_start, or the table's length for
 * "unmatched") and, at log level info, logged as one JSON line: time,
 * api_id, method, route, status, duration_ms, account, client.  Never a
 * header value, a query string or a body. */

#endif
