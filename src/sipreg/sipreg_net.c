/* sipreg_net.c -- the registration client's transport (sipregInt.h): clocks
 * and tokens, addresses, sending and polling over UDP and TCP (sipreg_tcp.c),
 * and handing the answers on. */
#include "sipreg/sipregInt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/ids.h"
#include "sip/digest.h"
#include "util/clock.h"
#include "util/log.h"

double sipreg_mono(void)
{
    return (double)clock_mono_ns() / 1e9;
}

void sipreg_token(char *out, size_t n)
{
    static const char k[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t i = 0; i + 1 < n; i++) out[i] = k[randombytes_uniform(sizeof k - 1)];
    out[n - 1] = '\0';
}

int sipreg_parse_hostport(const char *s, unsigned def_port, char *host, size_t hsz, unsigned *port)
{
    const char *colon;
    size_t hl;
    *port = def_port;
    if (!s || !*s) return C_ERR;
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e) return C_ERR;
        hl = (size_t)(e - s - 1);
        if (hl == 0 || hl >= hsz) return C_ERR;
        memcpy(host, s + 1, hl);
        host[hl] = '\0';
        colon = e[1] == ':' ? e + 1 : NULL;
        if (e[1] && !colon) return C_ERR;
    } else {
        colon = strrchr(s, ':');
        if (colon && strchr(s, ':') != colon) colon = NULL, hl = strlen(s); /* bare IPv6 */
        else hl = colon ? (size_t)(colon - s) : strlen(s);
        if (hl == 0 || hl >= hsz) return C_ERR;
        memcpy(host, s, hl);
        host[hl] = '\0';
    }
    for (size_t i = 0; host[i]; i++)
        if (!(nd_isalnum((unsigned char)host[i]) || host[i] == '.' || host[i] == '-' || host[i] == ':'))
            return C_ERR;
    if (colon) {
        char *end;
        errno = 0;
        unsigned long p = strtoul(colon + 1, &end, 10);
        if (errno || *end || end == colon + 1 || p > 65535) return C_ERR;
        *port = (unsigned)p;
    }
    return C_OK;
}

int sipreg_resolve(const char *host, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_family = AF_INET; /* the socket is IPv4 (docs/SIP-REGISTRATION.md) */
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    if (getaddrinfo(host, ps, &hints, &res) != 0 || !res) return C_ERR;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return C_OK;
}


void sipreg_dispatch(sipreg_t *r, const char *buf, size_t n, const char *what)
{
    sip_msg_t m;
    const char *why;
    if (sip_msg_parse(buf, n, &m, &why) != C_OK) {
        log_msg(LOG_DEBUG, "sipreg: dropped a %s message: %s", what, why);
        return;
    }
    if (m.response && sip_str_ieq(m.cseq_method, "OPTIONS")) sipreg_on_probe_response(r, &m);
    else if (m.response) sipreg_on_response(r, &m);
    /* requests (OPTIONS keepalives from a registrar, NOTIFY): numberd is
     * not their destination; the SBC is (--sip-contact) */
}

static void read_udp(sipreg_t *r)
{
    static char buf[SIP_MSG_MAX + 1];
    for (int i = 0; i < 256; i++) {
        ssize_t n = recv(r->fd, buf, sizeof buf - 1, MSG_DONTWAIT);
        if (n <= 0) return;
        sipreg_dispatch(r, buf, (size_t)n, "UDP");
    }
}

void sipreg_send(sipreg_t *r, const struct sockaddr_storage *dst, socklen_t len, bool tcp,
                 const char *data, size_t n, bool retx)
{
    if (tcp) {
        sipreg_tcp_send(r, dst, len, data, n, retx);
        return;
    }
    if (sendto(r->fd, data, n, 0, (const struct sockaddr *)dst, len) < 0)
        log_msg(LOG_DEBUG, "sipreg: sendto: %s", strerror(errno));
}

bool sipreg_poll(sipreg_t *r, int ms)
{
    size_t want = 1 + sipreg_tcp_count(r);
    if (want > r->cpfd) {
        r->cpfd = want * 2;
        r->pfd = xrealloc(r->pfd, r->cpfd * sizeof *r->pfd);
    }
    r->pfd[0] = (struct pollfd){.fd = r->fd, .events = POLLIN};
    r->npfd = 1 + sipreg_tcp_pollfds(r, r->pfd + 1);
    int n = poll(r->pfd, (nfds_t)r->npfd, ms);
    if (n <= 0) r->npfd = 0;
    return n > 0;
}

void sipreg_service(sipreg_t *r)
{
    if (r->npfd == 0) return;
    if (r->pfd[0].revents & POLLIN) read_udp(r);
    sipreg_tcp_service(r, r->pfd + 1, r->npfd - 1);
    r->npfd = 0;
}
