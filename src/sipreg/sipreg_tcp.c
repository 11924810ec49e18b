/* sipreg_tcp.c -- SIP over TCP for the registration client (SIP.md §5:
 * --sip-listen is UDP and TCP; RFC 3261 §18).
 *
 * One connection per remote address and port, shared by every
 * registration to that registrar (connection reuse, RFC 3261 §18.1.1), and
 * opened on demand: the first request to an address connects (non-blocking;
 * what is sent meanwhile waits in the connection's output buffer).  A
 * stream has no datagram boundaries: a message is its header block (up to
 * the blank line) and then exactly Content-Length bytes of body (§18.3;
 * a message without Content-Length cannot be framed and closes the
 * connection).  Leading CRLFs between messages (keep-alives, RFC 5626 §4.4.1)
 * are skipped.
 *
 * A connection that fails (refused, reset, closed by the peer, a framing
 * error, a read buffer over its cap) is closed and forgotten; the requests
 * that were in flight on it are retransmitted by the transaction timers as
 * for UDP, and a retransmission finding no connection opens a new one: that
 * is the reconnect.  A transaction that times out (Timer F) drops its
 * connection too: a peer that vanished without closing leaves a connection
 * that looks alive and swallows everything.  While the connection is up a retransmission is not
 * sent again (TCP is reliable, RFC 3261 §17.1.1.2); Timer F still ends a
 * transaction that gets no answer.
 *
 * The listener (same address and port as the UDP socket) accepts the
 * connections a registrar opens back to our Via sent-by when ours is gone
 * (§18.2.2); their messages are read like any other. */
#include "sipreg/sipregInt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"

#define CONN_MAX 1024                 /* TCP connections, both directions */
#define CONN_OUT_MAX (4u << 20)       /* bytes waiting to be written on one */

struct sipreg_conn {
    int fd;
    struct sockaddr_storage peer;
    socklen_t peerlen;
    bool connecting;
    /* failed: closed at the next safe point (sweep).  Never freed where it
     * fails: a send can fail inside the dispatch of a message read from
     * this very connection (a challenge answered on it). */
    bool dead;
    buf_t out, in;
};

static bool same_peer(const sipreg_conn_t *c, const struct sockaddr_storage *a, socklen_t len)
{
    if (c->dead || c->peerlen != len || a->ss_family != AF_INET || c->peer.ss_family != AF_INET) return false;
    const struct sockaddr_in *x = (const struct sockaddr_in *)&c->peer, *y = (const struct sockaddr_in *)a;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

static void conn_close(sipreg_t *r, size_t i)
{
    sipreg_conn_t *c = r->conns[i];
    close(c->fd);
    buf_free(&c->out);
    buf_free(&c->in);
    free(c);
    r->conns[i] = r->conns[--r->nconns];
}

/* Closes the dead connections: only where no sipreg_conn_t pointer is
 * held (the start of a poll, the end of a service). */
static void sweep(sipreg_t *r)
{
    for (size_t i = r->nconns; i-- > 0;)
        if (r->conns[i]->dead) conn_close(r, i);
}

static sipreg_conn_t *conn_add(sipreg_t *r, int fd, const struct sockaddr_storage *peer, socklen_t len)
{
    if (r->nconns == r->cconns) {
        r->cconns = r->cconns ? r->cconns * 2 : 16;
        r->conns = xrealloc(r->conns, r->cconns * sizeof *r->conns);
    }
    sipreg_conn_t *c = xcalloc(1, sizeof *c);
    c->fd = fd;
    memcpy(&c->peer, peer, len);
    c->peerlen = len;
    r->conns[r->nconns++] = c;
    return c;
}

int sipreg_tcp_listen(sipreg_t *r, const struct sockaddr_in *sa)
{
    r->tfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (r->tfd < 0) return C_ERR;
    int one = 1;
    setsockopt(r->tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(r->tfd, (const struct sockaddr *)sa, sizeof *sa) != 0 || listen(r->tfd, 64) != 0) {
        close(r->tfd);
        r->tfd = -1;
        return C_ERR;
    }
    return C_OK;
}

/* Writes what the connection holds; C_ERR: the connection failed. */
static int conn_flush(sipreg_conn_t *c)
{
    while (c->out.len > 0) {
        ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return C_OK;
        if (n <= 0) return C_ERR;
        memmove(c->out.data, c->out.data + n, c->out.len - (size_t)n);
        c->out.len -= (size_t)n;
        c->out.data[c->out.len] = '\0';
    }
    return C_OK;
}

void sipreg_tcp_send(sipreg_t *r, const struct sockaddr_storage *dst, socklen_t len, const char *data,
                     size_t n, bool retx)
{
    size_t i;
    for (i = 0; i < r->nconns; i++)
        if (same_peer(r->conns[i], dst, len)) break;
    if (i < r->nconns && retx) return; /* still connected: it was delivered */
    if (i == r->nconns) {
        if (r->nconns >= CONN_MAX) {
            log_msg(LOG_WARN, "sipreg: %d TCP connections open: a request is not sent", CONN_MAX);
            return;
        }
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) return;
        int rc = connect(fd, (const struct sockaddr *)dst, len);
        if (rc != 0 && errno != EINPROGRESS) {
            log_msg(LOG_DEBUG, "sipreg: TCP connect: %s", strerror(errno));
            close(fd);
            return; /* the transaction's timers try again */
        }
        sipreg_conn_t *c = conn_add(r, fd, dst, len);
        c->connecting = rc != 0;
    }
    sipreg_conn_t *c = r->conns[i];
    if (c->out.len + n > CONN_OUT_MAX) {
        log_msg(LOG_WARN, "sipreg: TCP output to a registrar over %u bytes: closed", CONN_OUT_MAX);
        c->dead = true;
        return;
    }
    buf_append(&c->out, data, n);
    if (!c->connecting && conn_flush(c) != C_OK) c->dead = true;
}

/* Hands on every whole message buffered.  C_ERR: the stream cannot be
 * framed. */
static int conn_frame(sipreg_t *r, sipreg_conn_t *c)
{
    for (;;) {
        size_t skip, whole;
        const char *why;
        if (sip_stream_frame(c->in.data, c->in.len, &skip, &whole, &why) != C_OK) {
            log_msg(LOG_DEBUG, "sipreg: TCP stream closed: %s", why);
            return C_ERR;
        }
        size_t used = skip + whole;
        if (whole) sipreg_dispatch(r, c->in.data + skip, whole, "TCP");
        if (c->dead) return C_ERR; /* a send on it failed meanwhile */
        if (used) {
            memmove(c->in.data, c->in.data + used, c->in.len - used);
            c->in.len -= used;
            c->in.data[c->in.len] = '\0';
        }
        if (!whole) return C_OK;
    }
}

/* Reads what the connection has, framing as it goes (so the buffer stays
 * under one message and one read).  C_ERR: close it (EOF -- after what
 * came before it is handed on --, error, framing). */
static int conn_read(sipreg_t *r, sipreg_conn_t *c)
{
    char tmp[16384];
    for (int i = 0; i < 64; i++) { /* at most 1 MiB a turn: other sockets wait otherwise */
        ssize_t n = recv(c->fd, tmp, sizeof tmp, MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return C_OK;
        if (n <= 0) return C_ERR;
        buf_append(&c->in, tmp, (size_t)n);
        if (conn_frame(r, c) != C_OK) return C_ERR;
        if ((size_t)n < sizeof tmp) return C_OK;
    }
    return C_OK;
}

size_t sipreg_tcp_pollfds(sipreg_t *r, struct pollfd *pfd)
{
    size_t k = 0;
    sweep(r);
    if (r->tfd >= 0) pfd[k++] = (struct pollfd){.fd = r->tfd, .events = POLLIN};
    for (size_t i = 0; i < r->nconns; i++) {
        const sipreg_conn_t *c = r->conns[i];
        pfd[k++] = (struct pollfd){.fd = c->fd,
                                   .events = (short)(POLLIN | (c->connecting || c->out.len ? POLLOUT : 0))};
    }
    return k;
}

void sipreg_tcp_service(sipreg_t *r, const struct pollfd *pfd, size_t n)
{
    size_t k = 0;
    bool accept_now = false;
    if (r->tfd >= 0 && k < n) accept_now = (pfd[k++].revents & POLLIN) != 0;
    /* connections by fd (a connection opened meanwhile has no entry) */
    for (; k < n; k++) {
        if (!pfd[k].revents) continue;
        size_t i;
        for (i = 0; i < r->nconns; i++)
            if (r->conns[i]->fd == pfd[k].fd) break;
        if (i == r->nconns) continue;
        sipreg_conn_t *c = r->conns[i];
        if (c->dead) continue;
        bool bad = false;
        if (c->connecting && (pfd[k].revents & (POLLOUT | POLLERR | POLLHUP))) {
            int err = 0;
            socklen_t el = sizeof err;
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
                log_msg(LOG_DEBUG, "sipreg: TCP connect: %s", strerror(err ? err : errno));
                bad = true;
            } else {
                c->connecting = false;
            }
        }
        if (!bad && !c->connecting && (pfd[k].revents & POLLOUT)) bad = conn_flush(c) != C_OK;
        if (!bad && (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) bad = conn_read(r, c) != C_OK;
        if (bad) c->dead = true;
    }
    while (accept_now) {
        struct sockaddr_storage peer;
        socklen_t pl = sizeof peer;
        int fd = accept4(r->tfd, (struct sockaddr *)&peer, &pl, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) break;
        if (r->nconns >= CONN_MAX || peer.ss_family != AF_INET) {
            close(fd);
            continue;
        }
        /* a newer connection from the same peer replaces the older one */
        for (size_t i = 0; i < r->nconns; i++)
            if (same_peer(r->conns[i], &peer, pl)) r->conns[i]->dead = true;
        conn_add(r, fd, &peer, pl);
    }
    sweep(r);
}

size_t sipreg_tcp_count(const sipreg_t *r)
{
    return r->nconns + (r->tfd >= 0 ? 1 : 0);
}

void sipreg_tcp_close_all(sipreg_t *r)
{
    while (r->nconns) conn_close(r, r->nconns - 1);
    free(r->conns);
    r->conns = NULL;
    r->cconns = 0;
    if (r->tfd >= 0) close(r->tfd);
    r->tfd = -1;
}

void sipreg_tcp_drop(sipreg_t *r, const struct sockaddr_storage *dst, socklen_t len)
{
    for (size_t i = 0; i < r->nconns; i++)
        if (same_peer(r->conns[i], dst, len)) r->conns[i]->dead = true;
}
