/* lean.c -- the SBC listener (serve --sbc-listen): a second, small HTTP/1.1
 * server for the routes under one path prefix ("/sbc/"), made for the one
 * client that calls them per call set-up: the SBC.
 *
 * Why a second server: an SBC lookup is answered from memory in about a
 * microsecond, and what it cost on the libmicrohttpd listener was the
 * listener: its connection pool zeroed per request, its header lists, its
 * response object and their allocations -- about a third of the lookup's
 * CPU (perf, docs/PERFORMANCE.md "SBC lookups").  This server reads a
 * request with one read(), finds the header end, parses the request line
 * and headers in place, calls the same route handler as the main listener
 * (the api layer cannot tell the two apart: http_header and
 * http_query_params read req->src), and writes the answer with one
 * write().
 *
 * What it serves: GET and HEAD of the routes whose path starts with the
 * prefix, and of /readyz and /healthz; anything else is answered in the
 * dialect's error shape (404, 405) by the application's error renderer.
 * Requests carry no body here: a Content-Length other than 0 or any
 * Transfer-Encoding is a 400 and the connection closes (nothing to smuggle).  Keep-alive and pipelining as
 * HTTP/1.1 has them (HTTP/1.0: closed after the answer unless the client
 * asks for keep-alive); "Connection: close" honoured.
 *
 * Hard caps: a request's line and headers 8 KiB (431 and close), 64
 * headers (431), the path 2 KiB (414), conn_limit connections (further
 * ones are closed at once), conn_timeout seconds idle.  Answers waiting to
 * be written stop the reading of that connection until they are out.  A
 * close is a lingering one: shut for writing once the answer is out, then
 * what the client still sends is read and dropped until its own end (at
 * most 64 KiB, 2 s), so that a reset never overtakes the answer.
 *
 * Threads: cfg->threads event loops, one epoll each, sharing the listening
 * socket (EPOLLEXCLUSIVE: one loop is woken per connection attempt).  A
 * connection stays on the loop that accepted it.
 */
#include "http/http.h"
#include "http/httpInt.h"

#include "util/clock.h"
#include "util/common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LEAN_HEAD_MAX (8 * 1024)   /* request line + headers */
#define LEAN_MAX_HEADERS 64
#define LEAN_MAX_THREADS 64
#define LEAN_DRAIN_MAX (64 * 1024) /* lingering close: bytes read and dropped, at most */
#define LEAN_DRAIN_S 2             /* and seconds */

typedef struct lconn {
    int fd;
    struct lconn *prev, *next;  /* the loop's connections, for the idle sweep */
    time_t active;              /* last read or write (CLOCK_MONOTONIC seconds) */
    bool closing;               /* close once out is written */
    bool draining;              /* answered and shut for writing: reading to the client's end */
    size_t drained;             /* bytes read and dropped while draining */
    bool writing;               /* EPOLLOUT armed: out has bytes the socket did not take */
    char client[48];
    size_t have;
    buf_t out;
    size_t out_off;
    char in[LEAN_HEAD_MAX];
} lconn_t;

typedef struct {
    struct http_lean *l;
    int ep;
    pthread_t th;
    lconn_t *conns;
} lloop_t;

struct http_lean {
    int lfd, stopfd;
    unsigned port, nloops, conn_timeout, conn_limit;
    atomic_uint nconns;
    atomic_bool stop;
    http_app_t app;
    char prefix[32];
    lloop_t loops[LEAN_MAX_THREADS];
};

static time_t mono_s(void) { return (time_t)(clock_mono_ns() / 1000000000u); }

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

/* ---- parsing (pure: lean_parse is what fuzz/ drives) --------------------- */

static bool tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int lean_parse(char *head, size_t n, lean_req_t *out)
{
    memset(out, 0, sizeof *out);
    /* the request line: METHOD SP TARGET SP HTTP/1.x CRLF */
    char *eol = memchr(head, '\r', n);
    if (!eol || eol + 1 >= head + n || eol[1] != '\n') return 400;
    char *sp1 = memchr(head, ' ', (size_t)(eol - head));
    if (!sp1 || sp1 == head) return 400;
    char *sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
    if (!sp2 || sp2 == sp1 + 1) return 400;
    for (char *p = head; p < sp1; p++)
        if (!tchar((unsigned char)*p)) return 400;
    if ((size_t)(eol - sp2 - 1) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) != 0 ||
        (sp2[8] != '0' && sp2[8] != '1'))
        return 400;
    out->http10 = sp2[8] == '0';
    *sp1 = '\0';
    *sp2 = '\0';
    out->method = head;
    char *target = sp1 + 1;
    for (char *p = target; p < sp2; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f) return 400;
    /* the absolute form routes on its path; one without a path is refused */
    const char *tp = http_target_path(target);
    if (!tp || tp[0] != '/') return 400;
    target += tp - target;
    if ((size_t)(sp2 - target) > HTTP_MAX_PATH) return 414;
    char *q = strchr(target, '?');
    out->path = target;
    if (q) {
        *q = '\0';
        out->query = q + 1;
    }
    out->path_len = http_unescape(target, strlen(target), false);
    target[out->path_len] = '\0';

    /* headers: NAME ":" OWS VALUE OWS CRLF, up to the empty line */
    char *p = eol + 2, *end = head + n;
    bool te = false;
    const char *cl = NULL;
    for (;;) {
        if (p + 1 < end && p[0] == '\r' && p[1] == '\n') break;
        char *e = memchr(p, '\r', (size_t)(end - p));
        if (!e || e + 1 >= end || e[1] != '\n') return 400;
        char *colon = memchr(p, ':', (size_t)(e - p));
        if (!colon || colon == p) return 400;
        for (char *c = p; c < colon; c++)
            if (!tchar((unsigned char)*c)) return 400; /* also: no space before the colon */
        char *v = colon + 1, *ve = e;
        while (v < ve && (*v == ' ' || *v == '\t')) v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        for (char *c = v; c < ve; c++)
            if (*c == '\0' || *c == '\r' || *c == '\n') return 400;
        if (out->nheaders == LEAN_MAX_HEADERS) return 431;
        *colon = '\0';
        *ve = '\0';
        http_kv_t *h = &out->headers[out->nheaders++];
        h->name = p;
        h->name_len = (size_t)(colon - p);
        h->value = v;
        h->value_len = (size_t)(ve - v);
        if (strcasecmp(p, "Transfer-Encoding") == 0) te = true;
        else if (strcasecmp(p, "Content-Length") == 0) {
            if (cl && strcmp(cl, v) != 0) return 400;
            cl = v;
        } else if (strcasecmp(p, "Connection") == 0) {
            if (strcasestr(v, "close")) out->close = true;
            if (strcasestr(v, "keep-alive")) out->keep_alive = true;
        }
        p = e + 2;
    }
    /* no bodies here: nothing a GET lookup needs, nothing to smuggle */
    if (te || (cl && strcmp(cl, "0") != 0)) return 400;
    if (out->http10 && !out->keep_alive) out->close = true;

    /* query arguments, decoded, as libmicrohttpd gives them */
    if (out->query) {
        char *a = out->query;
        while (*a) {
            if (out->nargs == HTTP_MAX_PARAMS + 1) break; /* http_query_params refuses > MAX */
            char *amp = strchr(a, '&');
            char *next = amp ? amp + 1 : a + strlen(a);
            if (amp) *amp = '\0';
            char *eq = strchr(a, '=');
            http_kv_t *kv = &out->args[out->nargs++];
            if (eq) *eq = '\0';
            kv->name = a;
            kv->name_len = http_unescape(a, strlen(a), true);
            a[kv->name_len] = '\0';
            if (eq) {
                kv->value = eq + 1;
                kv->value_len = http_unescape(eq + 1, strlen(eq + 1), true);
                (eq + 1)[kv->value_len] = '\0';
            } else {
                kv->value = "";
                kv->value_len = 0;
            }
            a = next;
        }
    }
    return 0;
}

/* ---- answering ------------------------------------------------------------ */

/* RFC 9110 §6.6.1: an origin server with a clock sends Date; formatted
 * once a second per thread */
static const char *http_date(void)
{
    static _Thread_local time_t at = -1;
    static _Thread_local char text[40];
    time_t now = time(NULL);
    if (now != at) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        at = now;
    }
    return text;
}

/* The response's bytes onto c->out. */
static void put_resp(const struct http_lean *l, lconn_t *c, const http_resp_t *r, bool head, bool close)
{
    buf_t *o = &c->out;
    size_t len = r->body.len;
    buf_printf(o, "HTTP/1.1 %d %s\r\nDate: %s\r\n", r->status, reason(r->status), http_date());
    if (len > 0 || r->status != 204)
        buf_printf(o, "Content-Type: %s\r\n", r->content_type ? r->content_type : "application/json");
    buf_printf(o, "Content-Length: %zu\r\n", len);
    for (size_t i = 0; i < r->nheaders; i++)
        buf_printf(o, "%s: %s\r\n", r->headers[i].name, r->headers[i].value);
    if (r->request_id && r->request_id[0]) buf_printf(o, "X-Request-Id: %s\r\n", r->request_id);
    if (close || atomic_load_explicit(&l->stop, memory_order_relaxed)) buf_puts(o, "Connection: close\r\n");
    buf_puts(o, "\r\n");
    if (!head) buf_append(o, r->body.data, len);
}

/* One parsed request: route, handler, answer, metrics, log. */
static void serve_one(struct http_lean *l, lconn_t *c, lean_req_t *lr)
{
    const http_app_t *app = &l->app;
    uint64_t t0 = clock_mono_ns();
    http_src_t src = {lr->headers, lr->nheaders, lr->args, lr->nargs};
    http_req_t q = {0};
    q.src = &src;
    q.method = http_method_from(lr->method);
    q.method_name = lr->method;
    q.path = lr->path;
    q.app = app->ud;
    memcpy(q.client, c->client, sizeof q.client);
    if (app->new_request_id) app->new_request_id(q.id);
    http_resp_t resp = {.status = 200, .request_id = q.id};
    unsigned allow = 0;
    route_match_t m = ROUTE_NO_PATH;
    /* HEAD is answered as GET without the body (RFC 9110 §9.3.2) */
    http_method_t as = q.method == HTTP_HEAD ? HTTP_GET : q.method;
    /* and the node's health, so that the SBC's failover (or a load
     * balancer) that reaches numberd only on this port can ask it */
    if (strncmp(q.path, l->prefix, strlen(l->prefix)) == 0 || strcmp(q.path, "/readyz") == 0 ||
        strcmp(q.path, "/healthz") == 0)
        m = router_match(app->routes, app->nroutes, q.path, as, &q.route, q.params, &q.param_store,
                         &allow);
    if (m == ROUTE_FOUND && q.route->stream) m = ROUTE_NO_PATH; /* no bodies here */
    if (m == ROUTE_NO_PATH) {
        app->error(&q, &resp, 404, "not found");
    } else if (m == ROUTE_NO_METHOD) {
        char allow_s[96];
        router_allow_string(allow, allow_s, sizeof allow_s);
        app->error(&q, &resp, 405, "method not allowed");
        http_resp_header(&resp, "Allow", allow_s);
    } else {
        q.route->fn(&q, &resp);
    }
    if (app->request_done) app->request_done();
    put_resp(l, c, &resp, q.method == HTTP_HEAD, lr->close);
    http_finish_request(app, &q, m == ROUTE_FOUND, resp.status, "request", clock_mono_ns() - t0);
    http_resp_free(&resp);
    free(q.param_store);
}

/* An error found before any handler: the dialect's shape, then close. */
static void serve_error(struct http_lean *l, lconn_t *c, int status, const char *msg)
{
    http_req_t q = {0};
    q.path = l->prefix; /* renders in the dialect of the listener's routes */
    q.method_name = "";
    q.app = l->app.ud;
    memcpy(q.client, c->client, sizeof q.client);
    if (l->app.new_request_id) l->app.new_request_id(q.id);
    http_resp_t resp = {.status = status, .request_id = q.id};
    l->app.error(&q, &resp, status, msg);
    put_resp(l, c, &resp, false, true);
    http_finish_request(&l->app, &q, false, status, msg, 0);
    http_resp_free(&resp);
    c->closing = true;
}

/* Serves every whole request in c->in. */
static void serve_buffered(struct http_lean *l, lconn_t *c)
{
    while (c->have > 0 && !c->closing) {
        char *end = memmem(c->in, c->have, "\r\n\r\n", 4);
        if (!end) {
            if (c->have == sizeof c->in)
                serve_error(l, c, 431, "request line and headers too large (at most 8 KiB)");
            return;
        }
        size_t n = (size_t)(end + 4 - c->in);
        lean_req_t lr;
        int st = lean_parse(c->in, n, &lr);
        if (st == 0) {
            serve_one(l, c, &lr);
            if (lr.close) c->closing = true;
        } else {
            serve_error(l, c, st, st == 431   ? "too many headers (at most 64)"
                                  : st == 414 ? "request target too long"
                                              : "malformed request");
        }
        memmove(c->in, c->in + n, c->have - n);
        c->have -= n;
    }
}

/* ---- the loops -------------------------------------------------------------- */

static void conn_close(lloop_t *lp, lconn_t *c)
{
    epoll_ctl(lp->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (c->prev) c->prev->next = c->next;
    else lp->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    buf_free(&c->out);
    free(c);
    atomic_fetch_sub(&lp->l->nconns, 1);
}

/* Writes what c->out holds; false when the connection is gone. */
static bool flush(lloop_t *lp, lconn_t *c)
{
    while (c->out_off < c->out.len) {
        ssize_t w = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!c->writing) {
                struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
                epoll_ctl(lp->ep, EPOLL_CTL_MOD, c->fd, &ev);
                c->writing = true;
            }
            return true;
        }
        if (w <= 0) {
            conn_close(lp, c);
            return false;
        }
        c->out_off += (size_t)w;
        c->active = mono_s();
    }
    c->out.len = c->out_off = 0;
    if (c->closing) {
        /* A lingering close: closed with unread bytes in its receive
         * queue (the rest of a head too large for 431, a pipelined
         * request after "Connection: close"), the socket sends a reset,
         * and a client still sending gets ECONNRESET before it reads the
         * answer.  So: shut for writing (the client sees the end of the
         * answer), read and drop what still comes until the client's own
         * end, at most LEAN_DRAIN_MAX bytes or LEAN_DRAIN_S seconds. */
        shutdown(c->fd, SHUT_WR);
        c->closing = false;
        c->draining = true;
        c->have = 0;
        c->active = mono_s();
        if (c->writing) {
            struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
            epoll_ctl(lp->ep, EPOLL_CTL_MOD, c->fd, &ev);
            c->writing = false;
        }
        return false;
    }
    if (c->writing) {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(lp->ep, EPOLL_CTL_MOD, c->fd, &ev);
        c->writing = false;
    }
    return true;
}

static void on_readable(lloop_t *lp, lconn_t *c)
{
    if (c->draining) {
        char sink[4096];
        ssize_t r = recv(c->fd, sink, sizeof sink, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (r <= 0 || (c->drained += (size_t)r) > LEAN_DRAIN_MAX) conn_close(lp, c);
        return;
    }
    /* one read a wake-up (level-triggered: more comes with the next) */
    if (c->have < sizeof c->in) {
        ssize_t r = recv(c->fd, c->in + c->have, sizeof c->in - c->have, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (r <= 0) {
            conn_close(lp, c);
            return;
        }
        c->have += (size_t)r;
        c->active = mono_s();
    }
    serve_buffered(lp->l, c);
    flush(lp, c);
}

static void on_accept(lloop_t *lp)
{
    struct http_lean *l = lp->l;
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(l->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return; /* EAGAIN (another loop took it), or a transient error */
        if (atomic_fetch_add(&l->nconns, 1) >= l->conn_limit) {
            atomic_fetch_sub(&l->nconns, 1);
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        lconn_t *c = xcalloc(1, sizeof *c);
        c->fd = fd;
        c->active = mono_s();
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, c->client, sizeof c->client);
        else if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, c->client, sizeof c->client);
        c->next = lp->conns;
        if (lp->conns) lp->conns->prev = c;
        lp->conns = c;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(lp->ep, EPOLL_CTL_ADD, fd, &ev);
    }
}

static void *loop_main(void *arg)
{
    lloop_t *lp = arg;
    struct http_lean *l = lp->l;
    struct epoll_event evs[64];
    time_t swept = mono_s();
    while (!atomic_load(&l->stop)) {
        int n = epoll_wait(lp->ep, evs, 64, 1000);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL) on_accept(lp);
            else if (evs[i].data.ptr == (void *)l) continue; /* stop: checked above */
            else {
                lconn_t *c = evs[i].data.ptr;
                if (c->writing) flush(lp, c);
                else on_readable(lp, c);
            }
        }
        time_t now = mono_s();
        if (now != swept) {
            swept = now;
            for (lconn_t *c = lp->conns, *next; c; c = next) {
                next = c->next;
                if (now - c->active >= (time_t)(c->draining ? LEAN_DRAIN_S : l->conn_timeout))
                    conn_close(lp, c);
            }
        }
    }
    while (lp->conns) conn_close(lp, lp->conns);
    return NULL;
}

int http_lean_start(const http_config_t *cfg, const http_app_t *app, const char *prefix,
                    http_lean_t **out, char **err)
{
    struct http_lean *l = xcalloc(1, sizeof *l);
    l->app = *app;
    snprintf(l->prefix, sizeof l->prefix, "%s", prefix);
    l->conn_timeout = cfg->conn_timeout ? cfg->conn_timeout : 30;
    l->conn_limit = cfg->conn_limit ? cfg->conn_limit : 10000;
    l->nloops = cfg->threads ? cfg->threads : 1;
    if (l->nloops > LEAN_MAX_THREADS) l->nloops = LEAN_MAX_THREADS;
    l->lfd = l->stopfd = -1;
    struct sockaddr_storage ss = {0};
    socklen_t sl;
    if (inet_pton(AF_INET, cfg->host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ss.ss_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)cfg->port);
        sl = sizeof(struct sockaddr_in);
    } else if (inet_pton(AF_INET6, cfg->host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ss.ss_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)cfg->port);
        sl = sizeof(struct sockaddr_in6);
    } else {
        *err = xasprintf("invalid SBC listen address %s (want an IPv4 or IPv6 address)", cfg->host);
        free(l);
        return C_ERR;
    }
    int one = 1;
    l->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (l->lfd >= 0) setsockopt(l->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (l->lfd < 0 || bind(l->lfd, (struct sockaddr *)&ss, sl) != 0 || listen(l->lfd, 1024) != 0) {
        *err = xasprintf("cannot listen on %s:%u for the SBC (address in use or not permitted)",
                         cfg->host, cfg->port);
        if (l->lfd >= 0) close(l->lfd);
        free(l);
        return C_ERR;
    }
    sl = sizeof ss;
    getsockname(l->lfd, (struct sockaddr *)&ss, &sl);
    l->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                            : ((struct sockaddr_in6 *)&ss)->sin6_port);
    l->stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    for (unsigned i = 0; i < l->nloops; i++) {
        lloop_t *lp = &l->loops[i];
        lp->l = l;
        lp->ep = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.ptr = NULL};
        epoll_ctl(lp->ep, EPOLL_CTL_ADD, l->lfd, &ev);
        struct epoll_event sev = {.events = EPOLLIN, .data.ptr = l};
        epoll_ctl(lp->ep, EPOLL_CTL_ADD, l->stopfd, &sev);
        if (pthread_create(&lp->th, NULL, loop_main, lp) != 0) nd_panic("sbc listener: no thread");
    }
    *out = l;
    return C_OK;
}

unsigned http_lean_port(const http_lean_t *l) { return l->port; }

void http_lean_stop(http_lean_t *l)
{
    if (!l) return;
    atomic_store(&l->stop, true);
    uint64_t one = 1;
    if (write(l->stopfd, &one, sizeof one) < 0) { /* the loops also wake each second */ }
    for (unsigned i = 0; i < l->nloops; i++) {
        pthread_join(l->loops[i].th, NULL);
        close(l->loops[i].ep);
    }
    close(l->lfd);
    close(l->stopfd);
    free(l);
}
