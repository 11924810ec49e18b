/* mhd_harness.c -- see mhd_harness.h.
 *
 * The access and completion callbacks of server.c are static, and the
 * daemon it starts listens on a socket with its own threads.  Rather than
 * widen the server's interface for tests, this file includes server.c
 * whole: the callbacks are then reachable, and a daemon is started here
 * in libmicrohttpd's external mode with no listening socket, fed one
 * socketpair per exchange (MHD_add_connection) and run with MHD_run().
 * The options are server.c's, minus threads and timeouts.  The fuzz
 * binaries link this object instead of the library's server.o (which the
 * linker then does not pull in: every symbol is already defined here).
 */
#include "http/server.c"

#include <errno.h>
#include <fcntl.h>

#include "mhd_harness.h"

struct fz_http {
    http_server_t *s;
};

fz_http_t *fz_http_new(const http_app_t *app)
{
    fz_http_t *h = xcalloc(1, sizeof *h);
    http_server_t *s = xcalloc(1, sizeof *s);
    s->app = *app;
    atomic_init(&s->inflight, 0);
    atomic_init(&s->closing, 0);
    /* MHD_ALLOW_SUSPEND_RESUME as server.c: a streamed body's close (the
     * staged inventory import) runs on a thread of its own with the
     * connection suspended */
    s->d = MHD_start_daemon(MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET | MHD_ALLOW_SUSPEND_RESUME,
                            0, NULL, NULL, access_cb, s,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
                            MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
                            MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, NULL,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    if (s->d == NULL) nd_panic("fuzz harness: cannot start libmicrohttpd");
    h->s = s;
    return h;
}

void fz_http_free(fz_http_t *h)
{
    if (!h) return;
    MHD_stop_daemon(h->s->d);
    free(h->s);
    free(h);
}

static unsigned connections(fz_http_t *h)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->s->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return di ? di->num_connections : 0;
}

void fz_http_exchange(fz_http_t *h, const void *req, size_t n, buf_t *resp)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        nd_panic("fuzz harness: socketpair: %s", strerror(errno));
    struct sockaddr_in peer;
    memset(&peer, 0, sizeof peer);
    peer.sin_family = AF_INET;
    peer.sin_port = htons(40000);
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (MHD_add_connection(h->s->d, sv[1], (struct sockaddr *)&peer, sizeof peer) != MHD_YES) {
        close(sv[0]);
        close(sv[1]);
        return;
    }
    size_t sent = 0;
    bool half_closed = false;
    int idle = 0;
    /* Enough rounds for the largest input to go through in socket-buffer
     * sized pieces; "idle" ends an exchange whose request is incomplete
     * (the server waits for bytes that will never come). */
    for (int round = 0; round < 4096 && idle < 8; round++) {
        bool progress = false;
        if (sent < n) {
            ssize_t w = send(sv[0], (const char *)req + sent, n - sent, MSG_NOSIGNAL);
            if (w > 0) {
                sent += (size_t)w;
                progress = true;
            } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                sent = n; /* the server closed: stop sending */
            }
        }
        if (sent == n && !half_closed) {
            shutdown(sv[0], SHUT_WR);
            half_closed = true;
        }
        MHD_run(h->s->d);
        char tmp[16384];
        ssize_t r;
        while ((r = recv(sv[0], tmp, sizeof tmp, 0)) > 0) {
            buf_append(resp, tmp, (size_t)r);
            progress = true;
        }
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) break; /* closed */
        if (!progress && atomic_load(&h->s->closing) > 0) {
            /* the server is working on its own thread (a suspended
             * connection): not idle, wait for it (bounded by the rounds) */
            usleep(1000);
            continue;
        }
        idle = progress ? 0 : idle + 1;
    }
    close(sv[0]);
    /* FUZZ_HTTP_DEBUG=1 shows each exchange, to read what a saved crash
     * input did (run the target on that one file). */
    if (getenv("FUZZ_HTTP_DEBUG"))
        fprintf(stderr, "--- request (%zu bytes)\n%.*s\n--- response (%zu bytes)\n%.*s\n", n,
                (int)n, (const char *)req, resp->len, (int)resp->len, resp->data ? resp->data : "");
    /* let the server see the close and free the connection */
    for (int i = 0; i < 5000 && atomic_load(&h->s->closing) > 0; i++) {
        MHD_run(h->s->d);
        usleep(1000);
    }
    for (int i = 0; i < 64 && connections(h) > 0; i++) MHD_run(h->s->d);
}

/* Is there a status line in resp whose status begins with cls, other
 * than except (NULL: none)? */
static bool has_status(const buf_t *resp, char cls, const char *except)
{
    for (size_t i = 0; i + 12 < resp->len; i++) {
        const char *p = resp->data + i;
        if ((i == 0 || p[-1] == '\n') && memcmp(p, "HTTP/1.", 7) == 0 && p[8] == ' ' && p[9] == cls &&
            (!except || memcmp(p + 9, except, 3) != 0))
            return true;
    }
    return false;
}

/* 505 is what RFC 9110 prescribes for a request line with an unsupported
 * version; libmicrohttpd sends it before any of our code runs. */
bool fz_http_has_5xx(const buf_t *resp) { return has_status(resp, '5', "505"); }

bool fz_http_has_2xx(const buf_t *resp) { return has_status(resp, '2', NULL); }
