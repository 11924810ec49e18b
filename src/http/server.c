/* server.c -- libmicrohttpd glue.
 *
 * libmicrohttpd calls the access handler several times per request: once
 * when the headers are in (we set up state and match the route), once per
 * chunk of body, and once more when the body is complete.  We answer only
 * on that last call: queueing a response earlier makes libmicrohttpd 0.9.75
 * close the connection, which clients see as a reset.
 *
 * That last call is also where a request is accounted for: its id goes out
 * as X-Request-Id, its route, status and duration go to util/metrics, and
 * (at level info) one JSON line goes to the log.
 *
 * A streamed body's close() (the inventory import applying its staged
 * upload) may work for a long time at the server's pace.  It does not run
 * on the pool thread: that thread serves every other connection it holds,
 * which would wait for the whole import.  The connection is suspended, a
 * thread of its own runs close(), then resumes the connection, and the
 * access handler, called again, answers.
 *
 * With --write-threads N (serve's default: 16), writes (POST, PUT,
 * PATCH, DELETE) go the same way, to a
 * pool of N writer threads.  Why: a durable
 * write waits for its commit's fsync, and SQLite's group commit
 * (store/sqlite/conn.c) can only put together the writers that are
 * waiting at the same moment.  On the pool threads of libmicrohttpd that
 * is at most one per thread, and libmicrohttpd gives a thread many
 * connections (16 buyers landed on ~2 of 16 threads): every purchase paid
 * an fsync of its own (1.09 fsyncs per purchase at 16 buyers).  With
 * writes suspended and handed to writers, as many writes wait together as
 * there are writers, and a read never waits behind a write's fsync.
 *
 * Why it was first kept off: libmicrohttpd 0.9.75
 * read a resumed connection before it asked for the answer, and took a
 * client that had shut its sending side meanwhile (request sent, then
 * shutdown(SHUT_WR), as nc -N does) for gone: its answer was dropped,
 * though the write was done (28 of 90 such clients in ops.test.js).  A
 * connection is now suspended only from the second final call
 * (off_thread_ready), when libmicrohttpd no longer reads it.  And it
 * cost memory: each writer thread opened a database connection of its
 * own (72 MiB resident in bench/run against 62 without them); they no
 * longer do (store/sqlite: sq_tx_begin, sq_one_cred), and they give
 * back what a burst of writes freed (malloc_trim).  Sixteen now cost
 * ~2 MiB (their stacks and heap: 49.4 against 47.3 MiB after the same
 * 30,000 purchases), and serve turns them on for SQLite (session 12).
 *
 * Batches (session 21): when the application has them (SQLite on a file),
 * the pool is one writer, which answers a run of queued writes after one
 * commit (answer_batch).  Sixteen writers in group commit handed each
 * purchase from thread to thread ~5 times (to a writer, the write lock
 * from writer to writer, to sleep and awake for the group's commit, back
 * to libmicrohttpd); one writer running them in turn does not.  Since
 * session 22 the commit's sync is waited for by one of two syncer threads
 * while the writer runs the next batch.
 *
 * Versions read ahead (session 31): a kept answer (api/anscache.c) is
 * given only after the database's version was read, by a read that began
 * after the request arrived.  On PostgreSQL that read is a round trip,
 * which the threads waiting for it share (store/postgres/conn.c); but a
 * libmicrohttpd thread answers one request at a time, so one read served
 * at most one request a thread -- two on two cores, while the others
 * waited in the sockets.  Such requests (app.version_wanted) are now
 * suspended like writes, and the version thread reads the version once
 * for all of them, then resumes them; each is answered on its own
 * thread with that version (closing 3).
 */
#include "http/http.h"
#include "http/httpInt.h"

#include "util/clock.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"
#include "util/metrics.h"

/* Past this many discarded bytes of an oversized body we stop reading and
 * close the connection: a client that sends gigabytes gets no answer. */
#define DISCARD_LIMIT (16u << 20)

/* A first-in first-out queue of requests, linked by qnext (a request
 * waits in one queue at a time).  Under the server's wmu. */
typedef struct {
    struct req *head, *tail;
} reqq_t;

struct http_server {
    struct MHD_Daemon *d;
    http_app_t app;
    unsigned port;
    unsigned drain_seconds;
    const http_proxies_t *proxies;
    atomic_int inflight;
    atomic_bool stopping;    /* http_server_stop has begun: answers close their connection */
    atomic_int closing;      /* requests answered on other threads (stream close(), writes) */
    /* the writer pool: suspended write requests, first in first out */
    pthread_mutex_t wmu;
    pthread_cond_t wcv;
    reqq_t wq;
    bool wstop;
    unsigned nwriters;
    /* Memory back to the system once a burst of writes is over: writers
     * answering at once each hold a request's parse and answer (a
     * 100-number add: a few hundred KB), and the one malloc arena kept
     * what they freed -- 4.4 MiB more resident after 100,000 numbers
     * added 100 a request with 16 writers than with none.  When the
     * writers are all idle, one calls malloc_trim, at most once a second
     * (a burst that ends sooner is trimmed when the second is up). */
    unsigned wactive;        /* writers answering a request (under wmu) */
    bool wtrim_due;          /* writes answered since the last trim */
    uint64_t wtrim_ns;       /* when it was (clock_mono_ns) */
    pthread_t *writers;
    /* The syncers: batches committed but not yet durable
     * (app.batch_durable), under wmu -- each by its first request, the
     * rest linked by bnext.  A syncer waits for a batch's sync and resumes
     * its connections while the writer runs the next batch. */
    pthread_cond_t scv;
    reqq_t sq;
    unsigned nsyncers;
    pthread_t syncers[HTTP_SYNCERS];
    atomic_int sbusy;        /* batches handed to the syncers, not yet answered */
    /* the last batch was committed before its sync (batch_end's after):
     * the writer then ends a batch early when no sync is under way (writer
     * thread only) */
    bool eager;
    /* the version thread (app.version_read): requests waiting for the
     * next read, under vmu */
    pthread_mutex_t vmu;
    pthread_cond_t vcv;
    reqq_t vq;
    bool vstop, von;
    bool vidle;              /* the version thread waits for requests */
    /* Its first read, which opens its connection to the database, is
     * made once the first such request came (vwarm, under vmu), and that
     * request and the ones until it is done (vready) read the version
     * themselves: a node's first answer waits for one connection to be
     * opened, not two in turn (the version thread's, then its HTTP
     * thread's: 24 -> 47 ms from spawn to the first answer on the rig) */
    bool vwarm;
    atomic_bool vready;
    pthread_t vthread;
};

/* The route names util/metrics borrows: kept until the next server starts,
 * so that a scrape never reads freed memory. */
static const char **g_route_names;

/* Names of the method slots of util/metrics: bit i of http_method_t. */
static const char *const k_method_names[METRICS_METHODS] = {
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "OTHER"};

typedef struct req {
    http_req_t pub;
    route_match_t match;
    unsigned allow;
    void *stream_state;
    bool stream_refused;     /* open() refused: early holds the answer */
    bool stream_open;
    http_resp_t early;
    uint64_t received;
    uint64_t t0;             /* CLOCK_MONOTONIC nanoseconds at the first call */
    bool answered;           /* a response was queued (and the request logged) */
    bool bad_framing;        /* no reliable body length, or a NUL in a header (framing_bad) */
    /* the stream's close() on a thread of its own: 1 running (the
     * connection suspended), 2 done (resp holds the answer); or 1 waiting
     * for a version read ahead, 3 read (ver, ver_ok: to be answered on
     * the connection's thread) */
    atomic_int closing;
    unsigned char ver[HTTP_VERSION_SZ];
    bool ver_ok;
    http_resp_t closed;
    struct http_server *srv;
    struct MHD_Connection *conn;
    struct req *qnext;       /* the queue it waits in: the writers', or (a batch's first) the syncers' */
    struct req *bnext;       /* the next request of its batch */
    void *after;             /* a batch's first: its batch_durable argument */
    /* the final call was let pass once, so that libmicrohttpd stops
     * reading the connection before it is suspended (off_thread_ready) */
    bool deferred;
} req_t;

static void req_free(req_t *r)
{
    if (r->stream_open && r->pub.route && r->pub.route->stream) {
        http_resp_t dummy = {0};
        r->pub.route->stream->close(r->stream_state, &r->pub, &dummy, true);
        http_resp_free(&dummy);
    }
    http_resp_free(&r->early);
    http_resp_free(&r->closed);
    buf_free(&r->pub.body);
    free(r->pub.path);
    free(r->pub.param_store);
    free(r);
}

/* Every X-Forwarded-For line, in order, as one comma list (RFC 7230 §3.2.2:
 * lines of one field are one list).  A proxy that adds a line of its own
 * rather than appending (HAProxy's option forwardfor) put the client's
 * forged first line in charge when only the first was read (a helper's
 * audit, session 37). */
static enum MHD_Result xff_join(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    buf_t *b = cls;
    if (!key || strcasecmp(key, "X-Forwarded-For") != 0 || !value) return MHD_YES;
    if (b->len) buf_puts(b, ", ");
    buf_puts(b, value);
    return MHD_YES;
}

static void client_addr(struct MHD_Connection *c, char *out, size_t sz)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out, (socklen_t)sz);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out, (socklen_t)sz);
}

/* RFC 9112 §6.3: a message with Transfer-Encoding and Content-Length, or
 * with several different Content-Length values, has no reliable length.
 * libmicrohttpd picks one; a proxy in front may have picked the other, and
 * the difference is how requests get smuggled past it.  A NUL byte in a
 * header (RFC 9110 §5.5 forbids it) would cut the value short where we
 * read it as a C string (libmicrohttpd 0.9.75 ends the value at a raw NUL
 * itself, so this is for the versions that pass it on).  Such a request
 * is refused with 400 and the connection closed. */
typedef struct {
    const char *cl;
    size_t cl_len;
    bool te, bad;
} framing_t;

static enum MHD_Result framing_it(void *cls, enum MHD_ValueKind kind, const char *key,
                                  size_t key_size, const char *value, size_t value_size)
{
    ND_UNUSED(kind);
    framing_t *f = cls;
    if (memchr(key, '\0', key_size) || (value && memchr(value, '\0', value_size))) {
        f->bad = true;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING) == 0) {
        f->te = true;
    } else if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0) {
        if (f->cl && (f->cl_len != value_size || memcmp(f->cl, value, value_size) != 0))
            f->bad = true;
        f->cl = value;
        f->cl_len = value_size;
    }
    return MHD_YES;
}

static bool framing_bad(struct MHD_Connection *c)
{
    framing_t f = {0};
    MHD_get_connection_values_n(c, MHD_HEADER_KIND, framing_it, &f);
    return f.bad || (f.te && f.cl);
}

/* Percent-decoding of the path and query string: libmicrohttpd's rule,
 * except that "%00" is left as it is.  Decoded, it would be a NUL byte
 * that ends the C string: "/Number/14155550100%00x" would act on
 * 14155550100, and "/Number/%00x" on the list.  Left encoded, it is an
 * ordinary character that no identifier or parameter accepts. */
static int unhex(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

size_t http_unescape(char *s, size_t n, bool plus)
{
    size_t w = 0;
    for (size_t r = 0; r < n;) {
        int h = s[r] == '%' && r + 2 < n ? unhex((unsigned char)s[r + 1]) : -1;
        int l = h >= 0 ? unhex((unsigned char)s[r + 2]) : -1;
        if (l >= 0 && (h | l) != 0) {
            s[w++] = (char)(h * 16 + l);
            r += 3;
        } else {
            s[w++] = plus && s[r] == '+' ? ' ' : s[r];
            r++;
        }
    }
    return w;
}

static size_t unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
    ND_UNUSED(cls);
    ND_UNUSED(c);
    size_t n = http_unescape(s, strlen(s), false);
    s[n] = '\0';
    return n;
}

static req_t *req_new(http_server_t *s, struct MHD_Connection *conn, const char *url,
                      const char *method)
{
    req_t *r = xcalloc(1, sizeof *r);
    http_req_t *q = &r->pub;
    r->t0 = clock_mono_ns();
    if (s->app.new_request_id) s->app.new_request_id(q->id);
    r->early.request_id = q->id;
    q->conn = conn;
    q->method = http_method_from(method);
    q->method_name = method;
    /* a server must accept the absolute form of the request target
     * ("GET http://host/path"); a host without a path is "/" */
    url = http_target_path(url);
    if (!url) url = "/";
    q->path = xstrdup(url);
    q->content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    q->app = s->app.ud;
    client_addr(conn, q->client, sizeof q->client);
    if (s->proxies && http_proxies_trust(s->proxies, q->client)) {
        /* behind a trusted proxy: its view of the client (rate limits and
         * the failed-authentication throttle key on it) and its id */
        char fwd[sizeof q->client];
        buf_t xff = BUF_INIT;
        MHD_get_connection_values(conn, MHD_HEADER_KIND, xff_join, &xff);
        if (http_proxies_client(s->proxies, xff.data, fwd, sizeof fwd))
            memcpy(q->client, fwd, sizeof q->client);
        buf_free(&xff);
        const char *rid = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Request-Id");
        if (http_request_id_ok(rid)) snprintf(q->upstream_id, sizeof q->upstream_id, "%s", rid);
    }
    r->bad_framing = framing_bad(conn);
    r->match = router_match(s->app.routes, s->app.nroutes, q->path, q->method, &q->route,
                            q->params, &q->param_store, &r->allow);
    if (r->match == ROUTE_FOUND && q->route->stream && !r->bad_framing) {
        if (q->route->stream->open(q, &r->early, &r->stream_state) == C_OK) r->stream_open = true;
        else r->stream_refused = true;
    }
    return r;
}

static void dispatch(http_server_t *s, req_t *r, http_resp_t *resp)
{
    http_req_t *q = &r->pub;
    if (r->bad_framing) {
        s->app.error(q, resp, 400, "invalid message framing: conflicting Content-Length and "
                                   "Transfer-Encoding headers, or a NUL byte in a header");
        http_resp_header(resp, "Connection", "close");
        return;
    }
    if (r->match == ROUTE_NO_PATH) {
        s->app.error(q, resp, 404, "not found");
        return;
    }
    if (r->match == ROUTE_NO_METHOD) {
        char allow[96];
        router_allow_string(r->allow, allow, sizeof allow);
        s->app.error(q, resp, 405, "method not allowed");
        http_resp_header(resp, "Allow", allow);
        return;
    }
    if (r->stream_refused) {
        http_resp_move(resp, &r->early);
        return;
    }
    if (q->route->stream) {
        r->stream_open = false;
        q->route->stream->close(r->stream_state, q, resp, false);
        return;
    }
    if (q->body_too_large) {
        char msg[80];
        snprintf(msg, sizeof msg, "request body too large (at most %d bytes)", HTTP_MAX_BODY);
        s->app.error(q, resp, 413, msg);
        return;
    }
    q->route->fn(q, resp);
}

static enum MHD_Result queue(http_server_t *s, struct MHD_Connection *conn, http_resp_t *resp)
{
    size_t len = resp->body.len;
    char *body = buf_steal(&resp->body);
    struct MHD_Response *mr = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (mr == NULL) {
        free(body);
        return MHD_NO;
    }
    if (len > 0 || resp->status != 204)
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
                                resp->content_type ? resp->content_type : "application/json");
    for (size_t i = 0; i < resp->nheaders; i++)
        MHD_add_response_header(mr, resp->headers[i].name, resp->headers[i].value);
    if (resp->request_id && resp->request_id[0])
        MHD_add_response_header(mr, "X-Request-Id", resp->request_id);
    /* While draining, a keep-alive client is told to go elsewhere. */
    if (atomic_load_explicit(&s->stopping, memory_order_relaxed))
        MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, mr);
    MHD_destroy_response(mr);
    return ret;
}

const char *http_target_path(const char *target)
{
    if (strncasecmp(target, "http://", 7) != 0 && strncasecmp(target, "https://", 8) != 0)
        return target;
    return strchr(target + (target[4] == ':' ? 7 : 8), '/');
}

static void log_request(const http_req_t *q, const char *route, const char *msg, int status,
                        uint64_t ns)
{
    buf_t b = BUF_INIT;
    buf_puts(&b, "\"api_id\":");
    if (q->id[0]) buf_json_str(&b, q->id, strlen(q->id));
    else buf_puts(&b, "null");
    buf_puts(&b, ",\"method\":");
    const char *m = q->method_name ? q->method_name : "";
    buf_json_str(&b, m, strnlen(m, 32));
    buf_puts(&b, ",\"route\":");
    buf_json_str(&b, route, strlen(route));
    buf_printf(&b, ",\"status\":%d,\"duration_ms\":%llu.%03llu,\"account\":", status,
               (unsigned long long)(ns / 1000000u), (unsigned long long)(ns / 1000u % 1000u));
    if (q->account[0]) buf_json_str(&b, q->account, strnlen(q->account, sizeof q->account));
    else buf_puts(&b, "null");
    buf_puts(&b, ",\"client\":");
    buf_json_str(&b, q->client, strnlen(q->client, sizeof q->client));
    if (q->upstream_id[0]) {
        buf_puts(&b, ",\"request_id\":");
        buf_json_str(&b, q->upstream_id, strnlen(q->upstream_id, sizeof q->upstream_id));
    }
    buf_append(&b, q->note, strnlen(q->note, sizeof q->note));
    log_fields(LOG_INFO, msg, b.data, b.len);
    buf_free(&b);
}

static const char *route_name(const http_req_t *q, bool found)
{
    if (!found) return "unmatched";
    return q->route->name ? q->route->name : q->route->pattern;
}

void http_finish_request(const http_app_t *app, const http_req_t *q, bool found, int status,
                         const char *msg, uint64_t ns)
{
    size_t route = found ? (size_t)(q->route - app->routes) : app->nroutes;
    unsigned m = (unsigned)__builtin_ctz((unsigned)q->method | (1u << (METRICS_METHODS - 1)));
    metrics_http_observe(route, m, status, ns);
    if (log_enabled(LOG_INFO)) log_request(q, route_name(q, found), msg, status, ns);
}

/* Counts an answered request in the metrics and logs it. */
static void finish_request(http_server_t *s, const req_t *r, int status, const char *msg)
{
    http_finish_request(&s->app, &r->pub, r->match == ROUTE_FOUND, status, msg,
                        clock_mono_ns() - r->t0);
}

static void dispatch(http_server_t *s, req_t *r, http_resp_t *resp);

/* Runs r's handler on the calling thread (not the connection's): the
 * answer goes to r->closed, to be sent by answer_resume. */
static void answer_run(http_server_t *s, req_t *r)
{
    r->closed = (http_resp_t){.status = 200, .request_id = r->pub.id};
    dispatch(s, r, &r->closed);
    if (s->app.request_done) s->app.request_done();
}

/* Resumes r's connection, suspended by suspend_for, in state (req_t
 * closing: 2 answered, 3 its version read); the access handler, called
 * again, goes on from there.  r may be freed once this returned. */
static void resume_as(http_server_t *s, req_t *r, int state)
{
    atomic_store(&r->closing, state);
    MHD_resume_connection(r->conn);
    atomic_fetch_sub(&s->closing, 1);
}

/* Resumes r's connection: the access handler, called again, queues
 * r->closed. */
static void answer_resume(http_server_t *s, req_t *r)
{
    resume_as(s, r, 2);
}

/* Answers r on the calling thread, and sends it. */
static void answer_off_thread(req_t *r)
{
    answer_run(r->srv, r);
    answer_resume(r->srv, r);
}

/* Marks r as answered elsewhere and suspends its connection: C_OK; C_ERR
 * once the server is stopping (the caller answers r on its own thread).
 * Why the check: http_server_stop waits until no request is suspended,
 * then stops libmicrohttpd, which must not find one suspended (nor may a
 * thread resume one after); a kept-alive client may still send a request
 * in between.  The count is raised before stopping is read, and stop sets
 * stopping before it reads the count: either this sees stopping, or stop
 * waits for r. */
static int suspend_for(http_server_t *s, struct MHD_Connection *conn, req_t *r)
{
    atomic_fetch_add(&s->closing, 1);
    if (atomic_load(&s->stopping)) {
        atomic_fetch_sub(&s->closing, 1);
        return C_ERR;
    }
    r->srv = s;
    r->conn = conn;
    atomic_store(&r->closing, 1);
    MHD_suspend_connection(conn);
    return C_OK;
}

/* The undoing of suspend_for, when nobody could take r. */
static void unsuspend(http_server_t *s, struct MHD_Connection *conn, req_t *r)
{
    MHD_resume_connection(conn);
    atomic_store(&r->closing, 0);
    atomic_fetch_sub(&s->closing, 1);
}

/* The thread that runs a stream's close(). */
static void *close_thread(void *arg)
{
    req_t *r = arg;
    http_server_t *s = r->srv;
    answer_run(s, r);
    /* before the answer goes: once resumed, the server may stop (it waits
     * for suspended requests only) and close the store */
    if (s->app.thread_done) s->app.thread_done(s->app.ud);
    answer_resume(s, r);
    return NULL;
}

/* Starts close_thread for r: C_OK, the connection suspended; C_ERR when no
 * thread could be made (the caller answers on its own thread). */
static int close_async(http_server_t *s, struct MHD_Connection *conn, req_t *r)
{
    pthread_attr_t at;
    pthread_t th;
    if (suspend_for(s, conn, r) != C_OK) return C_ERR;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&th, &at, close_thread, r);
    pthread_attr_destroy(&at);
    if (rc == 0) return C_OK;
    unsuspend(s, conn, r);
    return C_ERR;
}

/* Appends r to q.  Under wmu. */
static void rq_push(reqq_t *q, req_t *r)
{
    r->qnext = NULL;
    if (q->tail) q->tail->qnext = r;
    else q->head = r;
    q->tail = r;
}

/* Takes q's first request (NULL: none).  Under wmu. */
static req_t *rq_pop(reqq_t *q)
{
    req_t *r = q->head;
    if (r) {
        q->head = r->qnext;
        if (!q->head) q->tail = NULL;
    }
    return r;
}

/* The next queued write, taking wmu for it. */
static req_t *wq_take(http_server_t *s)
{
    pthread_mutex_lock(&s->wmu);
    req_t *r = rq_pop(&s->wq);
    pthread_mutex_unlock(&s->wmu);
    return r;
}

/* Resumes the connections of a batch's requests (held, linked by
 * bnext), all answered. */
static void batch_resume(http_server_t *s, req_t *held)
{
    while (held) {
        req_t *r = held;
        held = r->bnext; /* read before r may be answered and freed */
        answer_resume(s, r);
    }
}

/* r's answer replaced by the fault's (batch_lost: 503), whatever its
 * handler said or whether it ran: its write was not kept, or not known
 * to be. */
static void answer_lost(http_server_t *s, req_t *r)
{
    http_resp_free(&r->closed);
    r->closed = (http_resp_t){.status = 200, .request_id = r->pub.id};
    s->app.batch_lost(&r->pub, &r->closed);
}

/* Waits for the committed batch held's sync (app.batch_durable), then
 * sends its answers. */
static void batch_answer_durable(http_server_t *s, req_t *held, void *after)
{
    if (s->app.batch_durable(s->app.ud, after) != C_OK)
        for (req_t *r = held; r; r = r->bnext) answer_lost(s, r);
    batch_resume(s, held);
}

/* The syncer: waits for each committed batch's sync, then sends its
 * answers.  Ends when the server stops (its queue is empty by then, as the
 * writers' is). */
static void *syncer_main(void *arg)
{
    http_server_t *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->wmu);
        while (!s->sq.head && !s->wstop) pthread_cond_wait(&s->scv, &s->wmu);
        req_t *b = rq_pop(&s->sq);
        pthread_mutex_unlock(&s->wmu);
        if (!b) return NULL;
        batch_answer_durable(s, b, b->after);
        atomic_fetch_sub(&s->sbusy, 1);
    }
}

/* Hands a committed batch (held, its requests) to the syncer; answers it
 * here, after its sync, when there is no syncer. */
static void batch_to_syncer(http_server_t *s, req_t *held, void *after)
{
    if (s->nsyncers == 0) {
        batch_answer_durable(s, held, after);
        return;
    }
    held->after = after;
    atomic_fetch_add(&s->sbusy, 1);
    pthread_mutex_lock(&s->wmu);
    rq_push(&s->sq, held);
    pthread_cond_signal(&s->scv);
    pthread_mutex_unlock(&s->wmu);
}

/* Answers first and the writes queued behind it as one batch (the app's
 * batch_begin succeeded): each handler runs in turn on this thread, its
 * answer held, until the queue is empty (after giving the threads that
 * are runnable -- a request being read -- one turn to add to it) or
 * HTTP_BATCH_MAX were run; then batch_end commits them at once.  Once
 * the commit is durable -- at once, or after a syncer saw its sync while
 * this thread runs the next batch -- every connection is resumed.  Should
 * the commit fail, nothing of the batch was kept, and each is answered as
 * the fault it is (batch_lost: 503), whatever its handler said.
 *
 * When commits are synced after them (eager), a batch also ends as soon as
 * no batch is waiting for its sync.  Taking every queued write kept all
 * the buyers in one convoy: they were answered together, their next
 * requests came together, and while their batch synced there was nothing
 * to run -- the core sat idle through every sync (16 buyers: 54-62 % of
 * it busy).  Committed early, the first requests' sync runs while the
 * rest of the queue does (64-75 %); the batches find their own size, one
 * sync's length of work each (docs/PERFORMANCE.md, session 22). */
static void answer_batch(http_server_t *s, req_t *first)
{
    req_t *held = NULL, **tail = &held;
    unsigned n = 0;
    for (req_t *r = first; r;) {
        answer_run(s, r);
        r->bnext = NULL;
        *tail = r;
        tail = &r->bnext;
        if (++n == HTTP_BATCH_MAX) break;
        if (s->app.batch_full && s->app.batch_full(s->app.ud)) break;
        /* nothing being synced: commit now, so that the sync runs while
         * this thread goes on with the requests queued (see above) */
        if (s->eager && atomic_load(&s->sbusy) == 0) break;
        r = wq_take(s);
        if (!r) {
            sched_yield();
            r = wq_take(s);
        }
    }
    void *after = NULL;
    bool ok = s->app.batch_end(s->app.ud, &after) == C_OK;
    if (ok) s->eager = after != NULL && s->nsyncers > 0;
    if (ok && after) {
        batch_to_syncer(s, held, after);
        return;
    }
    if (!ok)
        for (req_t *r = held; r; r = r->bnext) answer_lost(s, r);
    batch_resume(s, held);
}

/* A batch could not begin after the store waited for it (SQLite's busy
 * timeout: another process holds the database's write lock): r and every
 * write queued behind it are answered as the fault it is (batch_lost:
 * 503), none run.  Answering each alone instead made each wait out the
 * timeout again, one after the other: with a lock held for 200 s, six
 * purchases were answered 30, 60, ... 195 s late, and the last two 201
 * when the lock went -- long after their clients had given up (found by
 * a helper's audit, session 37). */
#define BEGIN_WAITED_NS 1000000000u /* a failure quicker than this is not a wait */
static void answer_queue_lost(http_server_t *s, req_t *r)
{
    while (r) {
        answer_lost(s, r);
        answer_resume(s, r);
        r = wq_take(s);
    }
}

/* A writer: takes suspended write requests off the queue and answers
 * them, until the server stops (the queue is empty by then: stop waits
 * for every suspended request before it asks the writers to end). */
static void *writer_main(void *arg)
{
    http_server_t *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->wmu);
        while (!s->wq.head && !s->wstop) {
            if (s->wactive == 0 && s->wtrim_due) {
                uint64_t now = clock_mono_ns(), since = now - s->wtrim_ns;
                if (since >= 1000000000u) {
                    s->wtrim_due = false;
                    s->wtrim_ns = now;
                    pthread_mutex_unlock(&s->wmu);
                    nd_malloc_trim();
                    pthread_mutex_lock(&s->wmu);
                    continue;
                }
                /* too soon after the last: wait until it is due, or for work */
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                uint64_t ns = (uint64_t)ts.tv_nsec + (1000000000u - since);
                ts.tv_sec += (time_t)(ns / 1000000000u);
                ts.tv_nsec = (long)(ns % 1000000000u);
                pthread_cond_timedwait(&s->wcv, &s->wmu, &ts);
                continue;
            }
            pthread_cond_wait(&s->wcv, &s->wmu);
        }
        req_t *r = rq_pop(&s->wq);
        if (r) s->wactive++;
        pthread_mutex_unlock(&s->wmu);
        if (!r) return NULL;
        uint64_t t0 = clock_mono_ns();
        if (!s->app.batch_begin) answer_off_thread(r);
        else if (s->app.batch_begin(s->app.ud) == C_OK) answer_batch(s, r);
        else if (clock_mono_ns() - t0 >= BEGIN_WAITED_NS) answer_queue_lost(s, r);
        else answer_off_thread(r); /* a quick failure (a reset connection): its own try */
        pthread_mutex_lock(&s->wmu);
        s->wactive--;
        s->wtrim_due = true;
        pthread_mutex_unlock(&s->wmu);
    }
}

/* Hands the write request r to the writer pool: C_OK, the connection
 * suspended; C_ERR when there is no pool (--write-threads 0).  A client
 * that has already shut its sending side is handed over too: its
 * connection is not read again before the answer (off_thread_ready). */
static int write_async(http_server_t *s, struct MHD_Connection *conn, req_t *r)
{
    if (s->nwriters == 0 || suspend_for(s, conn, r) != C_OK) return C_ERR;
    pthread_mutex_lock(&s->wmu);
    rq_push(&s->wq, r);
    pthread_cond_signal(&s->wcv);
    pthread_mutex_unlock(&s->wmu);
    return C_OK;
}

/* The version thread: once its first read succeeded, reads the version
 * once for every request queued when the read begins (a request queued
 * meanwhile waits for the next), hands it to each and resumes them.  Ends
 * when the server stops (its queue is empty by then). */
static void *version_main(void *arg)
{
    http_server_t *s = arg;
    /* the first read (vwarm); nothing is queued before it succeeded */
    while (!atomic_load(&s->vready)) {
        pthread_mutex_lock(&s->vmu);
        while (!s->vwarm && !s->vstop) pthread_cond_wait(&s->vcv, &s->vmu);
        bool stop = s->vstop;
        pthread_mutex_unlock(&s->vmu);
        if (stop) return NULL;
        unsigned char v[HTTP_VERSION_SZ];
        if (s->app.version_read(s->app.ud, v) == C_OK) {
            atomic_store(&s->vready, true);
        } else {
            /* requests go on reading it themselves; the next asks again */
            pthread_mutex_lock(&s->vmu);
            s->vwarm = false;
            pthread_mutex_unlock(&s->vmu);
        }
    }
    for (;;) {
        pthread_mutex_lock(&s->vmu);
        while (!s->vq.head && !s->vstop) {
            s->vidle = true;
            pthread_cond_wait(&s->vcv, &s->vmu);
            s->vidle = false;
        }
        req_t *list = s->vq.head;
        s->vq.head = s->vq.tail = NULL;
        pthread_mutex_unlock(&s->vmu);
        if (!list) return NULL;
        unsigned char v[HTTP_VERSION_SZ] = {0};
        bool ok = s->app.version_read(s->app.ud, v) == C_OK;
        while (list) {
            req_t *r = list;
            list = r->qnext; /* read before r may be answered and freed */
            memcpy(r->ver, v, sizeof v);
            r->ver_ok = ok;
            resume_as(s, r, 3);
        }
    }
}

/* Queues r for the next version read: C_OK, the connection suspended;
 * C_ERR when there is no version thread. */
static int version_async(http_server_t *s, struct MHD_Connection *conn, req_t *r)
{
    if (!s->von || suspend_for(s, conn, r) != C_OK) return C_ERR;
    pthread_mutex_lock(&s->vmu);
    rq_push(&s->vq, r);
    /* a thread reading the version takes the queue when it is done: only
     * an idle one needs waking (a wake-up a request was 0.4 futex calls) */
    if (s->vidle) pthread_cond_signal(&s->vcv);
    pthread_mutex_unlock(&s->vmu);
    return C_OK;
}

/* A request the version thread could have taken was answered here: has
 * it been asked to make its first read? */
static void version_warm(http_server_t *s)
{
    pthread_mutex_lock(&s->vmu);
    if (!s->vwarm) {
        s->vwarm = true;
        pthread_cond_broadcast(&s->vcv);
    }
    pthread_mutex_unlock(&s->vmu);
}

/* Stops the version thread (every queued request already answered). */
static void version_stop(http_server_t *s)
{
    pthread_mutex_lock(&s->vmu);
    s->vstop = true;
    pthread_cond_broadcast(&s->vcv);
    pthread_mutex_unlock(&s->vmu);
    if (s->von) pthread_join(s->vthread, NULL);
    s->von = false;
    pthread_cond_destroy(&s->vcv);
    pthread_mutex_destroy(&s->vmu);
}

/* Does r wait for a version read ahead?  A matched, well-framed GET the
 * application asks it for (errors are answered where they are). */
static bool wants_version(const http_server_t *s, const req_t *r)
{
    return s->von && r->match == ROUTE_FOUND && !r->bad_framing && !r->pub.route->stream &&
           r->pub.method == HTTP_GET && s->app.version_wanted(&r->pub);
}

/* Stops the writer pool (every queued request already answered). */
static void writers_stop(http_server_t *s)
{
    pthread_mutex_lock(&s->wmu);
    s->wstop = true;
    pthread_cond_broadcast(&s->wcv);
    pthread_cond_broadcast(&s->scv);
    pthread_mutex_unlock(&s->wmu);
    for (unsigned i = 0; i < s->nwriters; i++) pthread_join(s->writers[i], NULL);
    for (unsigned i = 0; i < s->nsyncers; i++) pthread_join(s->syncers[i], NULL);
    s->nsyncers = 0;
    free(s->writers);
    s->writers = NULL;
    s->nwriters = 0;
    pthread_cond_destroy(&s->scv);
    pthread_cond_destroy(&s->wcv);
    pthread_mutex_destroy(&s->wmu);
}

/* Is r a write the pool answers?  A matched, well-framed request with a
 * body-carrying method that no stream takes; everything else (errors of
 * framing, routing and size included) is answered where it is. */
static bool is_pool_write(const req_t *r)
{
    return r->match == ROUTE_FOUND && !r->bad_framing && !r->pub.route->stream &&
           !r->pub.body_too_large &&
           (r->pub.method & (HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE));
}

/* May r's connection be suspended now?  Not in the first final call.
 * libmicrohttpd 0.9.75 keeps a suspended connection's poll state as it
 * was before that call -- still "reading" -- and a resumed one is taken
 * for readable: it reads it before it asks for the answer, and a client
 * that shut its sending side meanwhile (request sent, then
 * shutdown(SHUT_WR), as nc -N does: HTTP/1.1 still owes it the answer)
 * is taken for gone, its answer dropped.  A final call that returns no
 * answer leaves the connection "blocked" (neither reading nor writing)
 * and is made again on the next turn of the loop, at once; suspended from
 * there, the resumed connection is not read until its answer is sent.
 * (ops.test.js: 90 clients half-closing 0-3 ms after their request.) */
static bool off_thread_ready(req_t *r)
{
    if (r->deferred) return true;
    r->deferred = true;
    return false;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    ND_UNUSED(version);
    http_server_t *s = cls;
    req_t *r = *con_cls;

    if (r == NULL) {
        r = req_new(s, conn, url, method);
        *con_cls = r;
        atomic_fetch_add(&s->inflight, 1);
        return MHD_YES;
    }

    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        r->received += n;
        if (r->bad_framing) return MHD_YES; /* read and dropped: the answer is 400 */
        if (r->stream_open) {
            if (r->received > HTTP_MAX_STREAM) return MHD_NO;
            r->pub.route->stream->data(r->stream_state, upload_data, n);
            return MHD_YES;
        }
        if (r->received > DISCARD_LIMIT) return MHD_NO;
        /* GET and HEAD ignore their body (API.md §0): drop it.  A DELETE's
         * is kept (same cap) for the one member a handler reads from it,
         * Plivo's Subaccount cascade, which the SDKs send there. */
        if (!(r->pub.method & (HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE))) return MHD_YES;
        if (r->pub.body_too_large) return MHD_YES;
        if (r->pub.body.len + n > HTTP_MAX_BODY) {
            r->pub.body_too_large = true;
            buf_free(&r->pub.body);
            return MHD_YES;
        }
        buf_append(&r->pub.body, upload_data, n);
        return MHD_YES;
    }

    int closing = atomic_load(&r->closing);
    if (closing == 1) return MHD_YES; /* still running: called again when resumed */
    bool stream_close = closing == 0 && r->match == ROUTE_FOUND && r->pub.route->stream &&
                        r->stream_open && !r->bad_framing;
    bool pool_write = closing == 0 && s->nwriters > 0 && is_pool_write(r);
    bool kept = closing == 0 && !pool_write && wants_version(s, r);
    bool ahead = kept && atomic_load(&s->vready);
    if ((stream_close || pool_write || ahead) && !off_thread_ready(r)) return MHD_YES;
    if (stream_close && close_async(s, conn, r) == C_OK) return MHD_YES;
    if (pool_write && write_async(s, conn, r) == C_OK) return MHD_YES;
    if (ahead && version_async(s, conn, r) == C_OK) return MHD_YES;
    http_resp_t resp = {.status = 200, .request_id = r->pub.id};
    if (closing == 2) {
        http_resp_move(&resp, &r->closed);
    } else {
        if (closing == 3 && r->ver_ok) s->app.version_give(s->app.ud, r->ver);
        dispatch(s, r, &resp);
    }
    if (s->app.request_done) s->app.request_done();
    resp.request_id = r->pub.id; /* an early (stream refusal) answer replaced resp */
    /* a trusted proxy's id goes back to it (the body's api_id stays ours) */
    if (r->pub.upstream_id[0]) resp.request_id = r->pub.upstream_id;
    enum MHD_Result ret = queue(s, conn, &resp);
    r->answered = true;
    finish_request(s, r, resp.status, "request");
    http_resp_free(&resp);
    if (kept && !ahead) version_warm(s);
    return ret;
}

static void completed_cb(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    ND_UNUSED(conn);
    http_server_t *s = cls;
    req_t *r = *con_cls;
    if (r == NULL) return;
    /* Ended before it could be answered (the client went away, the body
     * was too large to read, or a stop cut it off): log it, status 0. */
    if (!r->answered && log_enabled(LOG_INFO))
        log_request(&r->pub, route_name(&r->pub, r->match == ROUTE_FOUND),
                    toe == MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN ? "request cut off at stop"
                                                                  : "request aborted",
                    0, clock_mono_ns() - r->t0);
    req_free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    ND_UNUSED(cls);
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) msg[--n] = '\0';
    log_msg(LOG_DEBUG, "http: %s", msg);
}

int http_server_start(const http_config_t *cfg, const http_app_t *app, http_server_t **out,
                      char **err)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                     MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, cfg->host, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, cfg->host, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        *err = xasprintf("invalid listen address %s (want an IPv4 or IPv6 address)", cfg->host);
        return C_ERR;
    }

    http_server_t *s = xcalloc(1, sizeof *s);
    s->app = *app;
    s->drain_seconds = cfg->drain_seconds ? cfg->drain_seconds : 10;
    s->proxies = cfg->proxies;
    atomic_init(&s->inflight, 0);
    atomic_init(&s->stopping, false);
    atomic_init(&s->closing, 0);
    atomic_init(&s->sbusy, 0);
    atomic_init(&s->vready, false);
    pthread_mutex_init(&s->wmu, NULL);
    pthread_cond_init(&s->wcv, NULL);
    pthread_cond_init(&s->scv, NULL);
    pthread_mutex_init(&s->vmu, NULL);
    pthread_cond_init(&s->vcv, NULL);
    /* request_done takes back a version its handler did not use */
    if (app->version_wanted && app->version_read && app->version_give && app->request_done) {
        s->von = pthread_create(&s->vthread, NULL, version_main, s) == 0;
        if (!s->von) log_msg(LOG_WARN, "http: no version thread: kept reads read it themselves");
    }
    if (cfg->write_threads > 0) {
        /* with batches, one writer runs them all.  SQLite runs one
         * writer at a time anyway, and a second would only hold requests
         * back from the batch while it waits for the store's lock.  On
         * PostgreSQL two or four writers, each with its batches, did less
         * than one: 1,280-1,600 against 1,430-1,760 purchases/s, and with
         * a slow fsync 800-920 against 1,000-1,150 before a batch's ids
         * were given inside it (docs/PERFORMANCE.md, session 29) */
        unsigned want = app->batch_begin ? 1 : cfg->write_threads;
        s->writers = xcalloc(want, sizeof *s->writers);
        for (unsigned i = 0; i < want; i++) {
            if (pthread_create(&s->writers[i], NULL, writer_main, s) != 0) break;
            s->nwriters++;
        }
        if (s->nwriters < want)
            log_msg(LOG_WARN, "http: %u of %u writer threads started", s->nwriters, want);
        /* without it the writer waits for each batch's sync itself */
        for (unsigned i = 0; s->nwriters > 0 && app->batch_durable && i < HTTP_SYNCERS; i++)
            if (pthread_create(&s->syncers[s->nsyncers], NULL, syncer_main, s) == 0) s->nsyncers++;
    }
    /* The metrics table: one row per route, named by its template name. */
    const char **names = xcalloc(app->nroutes + 1, sizeof *names);
    for (size_t i = 0; i < app->nroutes; i++)
        names[i] = app->routes[i].name ? app->routes[i].name : app->routes[i].pattern;
    metrics_http_init(names, app->nroutes, k_method_names);
    free(g_route_names);
    g_route_names = names;
    /* A pool of one is no pool: libmicrohttpd then runs its one internal
     * thread all the same, but says so on stderr, before our logger is
     * set and outside the log's JSON lines (--threads 1, or serve's
     * default on a process pinned to one CPU).  So one thread is asked
     * for by giving no pool size at all (an empty array). */
    struct MHD_OptionItem pool[] = {
        {cfg->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)cfg->threads, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    s->d = MHD_start_daemon(
        flags, (uint16_t)cfg->port, NULL, NULL, access_cb, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_ARRAY, pool,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(cfg->conn_timeout ? cfg->conn_timeout : 30),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)(cfg->conn_limit ? cfg->conn_limit : 10000),
        /* One address may not hold every connection slot (idle sockets are
         * cheap to open); past the limit libmicrohttpd closes the new
         * connection at once.  0 means no limit. */
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->per_ip_limit,
        /* The per-connection pool holds the request line and headers and
         * the read buffer bodies pass through (they are copied out chunk by
         * chunk).  libmicrohttpd zeroes the whole pool between two requests
         * of a kept-alive connection: at 64 KiB that memset was ~10 % of
         * an SBC lookup.  16 KiB still takes a request line and headers
         * far past HTTP_MAX_PATH; beyond it the client gets 431/414. */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(16 * 1024),
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024,
        MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_END);
    if (s->d == NULL) {
        *err = xasprintf("cannot listen on %s:%u (address in use or not permitted)", cfg->host,
                         cfg->port);
        writers_stop(s);
        version_stop(s);
        free(s);
        return C_ERR;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : cfg->port;
    *out = s;
    return C_OK;
}

unsigned http_server_port(const http_server_t *s) { return s->port; }
unsigned http_server_writers(const http_server_t *s) { return s->nwriters; }

void http_server_stop(http_server_t *s)
{
    if (s == NULL) return;
    /* Stop accepting, then give requests in flight drain_seconds to finish. */
    atomic_store(&s->stopping, true);
    MHD_socket fd = MHD_quiesce_daemon(s->d);
    /* The listening socket may not be closed before MHD_stop_daemon, but it
     * can stop listening now: a client connecting meanwhile is refused at
     * once instead of waiting in the backlog for an accept that never
     * comes. */
    if (fd != MHD_INVALID_SOCKET) shutdown(fd, SHUT_RDWR);
    for (unsigned i = 0; i < s->drain_seconds * 100u && atomic_load(&s->inflight) > 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int left = atomic_load(&s->inflight);
    if (left > 0)
        log_msg(LOG_WARN, "%d request(s) still in flight after %u s: cutting them off", left,
                s->drain_seconds);
    /* a suspended connection may not outlive the daemon: an import still
     * applying its upload is waited for (it works at the server's pace),
     * and so is a write that a writer thread is answering */
    for (unsigned i = 0; atomic_load(&s->closing) > 0; i++) {
        if (i % 1000 == 999)
            log_msg(LOG_WARN, "waiting for %d request(s) answered on other threads (an inventory "
                    "import works at the server's pace)", atomic_load(&s->closing));
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(s->d);
    writers_stop(s);
    version_stop(s);
    if (fd != MHD_INVALID_SOCKET) close(fd);
    free(s);
}
