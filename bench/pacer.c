/* pacer.c -- bench's open-loop load generator for "p99 at 80 % of peak".
 *
 * Why not wrk: wrk paces with delay(), a per-connection timer of whole
 * milliseconds, and its connections all start together, so a paced run is
 * a burst of every connection's request at each tick, and the last request
 * of a burst waits for all the others: at 80 % of a server's peak that
 * wait alone is 0.8 x the tick, whatever the server does.  A p99 measured
 * that way measures the load generator.  This one sends requests at
 * exponentially distributed intervals (a Poisson stream, as independent
 * callers make) timed to the microsecond by spinning on its own core, and
 * counts each request's latency from the moment it was due, not from the
 * moment a connection was free to send it (a request that had to wait for
 * a connection waited as a caller would).
 *
 * usage: pacer -h HOST -p PORT -r RATE [-d SECONDS] [-c CONNECTIONS]
 *              [-H "Name: value"]... (-u PATH | -k KEYFILE -x PREFIX)
 *   -u PATH         every request GETs PATH
 *   -k KEYFILE      one query string a line; request i GETs PREFIX + line i
 *   -c CONNECTIONS  keep-alive connections (64); one request in flight each
 * prints one line, as bench's wrk_run: "rate p50_ms p99_ms non2xx"
 * (rate: answered requests per second of the run).
 *
 * Hard caps: 1,024 connections, 1,000,000 requests a run, 16 headers,
 * 1,000,000 keys, answers of 1 MiB.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define MAX_REQS 1000000
#define MAX_HDRS 16
#define MAX_KEYS 1000000
#define RESP_MAX (1 << 20)

typedef struct {
    int fd;
    int busy;          /* a request is in flight */
    double due;        /* when that request was due (s) */
    char *in;          /* the answer so far */
    size_t have;
} conn_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "pacer: %s: %s\n", what, errno ? strerror(errno) : "bad usage");
    exit(2);
}

static int dial(const char *host, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) die("host (an IPv4 address)");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) die("socket");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) die("connect");
    return fd;
}

/* The answer in c->in is whole: *status gets its code.  0: not yet. */
static int answer_done(const conn_t *c, int *status)
{
    c->in[c->have] = '\0';
    char *end = strstr(c->in, "\r\n\r\n");
    if (!end) return 0;
    size_t head = (size_t)(end - c->in) + 4, len = 0;
    for (char *p = strstr(c->in, "\r\n"); p && p < end; p = strstr(p + 2, "\r\n"))
        if (strncasecmp(p + 2, "Content-Length:", 15) == 0) len = strtoul(p + 17, NULL, 10);
    if (c->have < head + len) return 0;
    *status = atoi(c->in + 9);
    return 1;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *path = NULL, *keyfile = NULL, *prefix = "";
    const char *hdrs[MAX_HDRS];
    int port = 0, nconn = 64, nh = 0, opt;
    double rate = 0, dur = 5;
    while ((opt = getopt(argc, argv, "h:p:r:d:c:H:u:k:x:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'r': rate = atof(optarg); break;
        case 'd': dur = atof(optarg); break;
        case 'c': nconn = atoi(optarg); break;
        case 'H':
            if (nh == MAX_HDRS) die("too many -H");
            if (*optarg) hdrs[nh++] = optarg; /* -H "": none */
            break;
        case 'u': path = optarg; break;
        case 'k': keyfile = optarg; break;
        case 'x': prefix = optarg; break;
        default: die("usage");
        }
    }
    if (port <= 0 || rate <= 0 || dur <= 0 || nconn < 1 || nconn > MAX_CONNS || (!path == !keyfile))
        die("usage: -p PORT -r RATE and one of -u PATH, -k KEYFILE");
    size_t nreq = (size_t)(rate * dur);
    if (nreq > MAX_REQS) die("rate x seconds over 1,000,000");

    /* every request's bytes, built before the clock starts */
    char **keys = NULL;
    size_t nkeys = 1;
    if (keyfile) {
        FILE *f = fopen(keyfile, "r");
        if (!f) die(keyfile);
        keys = calloc(MAX_KEYS, sizeof *keys);
        char line[4096];
        nkeys = 0;
        while (nkeys < MAX_KEYS && fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0]) keys[nkeys++] = strdup(line);
        }
        fclose(f);
        if (!nkeys) die("empty key file");
    }
    char hdrbuf[4096] = "";
    size_t hl = 0;
    for (int i = 0; i < nh; i++) hl += (size_t)snprintf(hdrbuf + hl, sizeof hdrbuf - hl, "%s\r\n", hdrs[i]);
    char **reqs = malloc(nkeys * sizeof *reqs);
    size_t *reqlen = malloc(nkeys * sizeof *reqlen);
    for (size_t k = 0; k < nkeys; k++) {
        size_t cap = strlen(prefix) + (keys ? strlen(keys[k]) : strlen(path)) + hl + 128;
        reqs[k] = malloc(cap);
        int n = snprintf(reqs[k], cap, "GET %s%s HTTP/1.1\r\nHost: %s\r\n%s\r\n", keys ? prefix : "",
                         keys ? keys[k] : path, host, hdrbuf);
        reqlen[k] = (size_t)n;
    }

    /* the schedule: exponential gaps of mean 1/rate */
    double *due = malloc(nreq * sizeof *due);
    srand48((long)getpid());
    double t = 0;
    for (size_t i = 0; i < nreq; i++) {
        t += -log(1.0 - drand48()) / rate;
        due[i] = t;
    }

    conn_t *cs = calloc((size_t)nconn, sizeof *cs);
    int ep = epoll_create1(0);
    for (int i = 0; i < nconn; i++) {
        cs[i].fd = dial(host, port);
        cs[i].in = malloc(RESP_MAX + 1);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i].fd, &ev);
    }
    int *idle = malloc((size_t)nconn * sizeof *idle), nidle = nconn;
    for (int i = 0; i < nconn; i++) idle[i] = i;

    uint32_t *lat = malloc(nreq * sizeof *lat);
    size_t sent = 0, done = 0, bad = 0;
    size_t k = keys ? (size_t)getpid() % nkeys : 0;
    double t0 = now_s() + 0.05, tend = t0 + due[nreq - 1] + 2.0, last = t0;
    for (;;) {
        double now = now_s() - t0;
        /* every request now due that a free connection can carry */
        while (sent < nreq && due[sent] <= now && nidle > 0) {
            conn_t *c = &cs[idle[--nidle]];
            const char *r = reqs[k];
            size_t len = reqlen[k];
            k = (k + 1) % nkeys;
            if (write(c->fd, r, len) != (ssize_t)len) die("write");
            c->busy = 1;
            c->due = due[sent++];
            c->have = 0;
        }
        if (done == nreq || now_s() > tend) break;
        struct epoll_event evs[64];
        int n = epoll_wait(ep, evs, 64, 0);
        for (int e = 0; e < n; e++) {
            conn_t *c = &cs[evs[e].data.u32];
            ssize_t got = read(c->fd, c->in + c->have, RESP_MAX - c->have);
            if (got <= 0) die("the server closed a connection");
            c->have += (size_t)got;
            int status;
            if (!c->busy || !answer_done(c, &status)) continue;
            double l = now_s() - t0 - c->due;
            lat[done++] = (uint32_t)(l * 1e6);
            last = now_s();
            if (status < 200 || status > 299) bad++;
            c->busy = 0;
            idle[nidle++] = (int)evs[e].data.u32;
        }
    }
    if (!done) die("no answers");
    qsort(lat, done, sizeof *lat, cmp_u32);
    printf("%d %.3f %.3f %zu\n", (int)((double)done / (last - t0)), lat[done / 2] / 1000.0,
           lat[(size_t)((double)done * 0.99)] / 1000.0, bad + (nreq - done));
    return 0;
}
