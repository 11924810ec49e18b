/* sipreg_dns.c -- looking registrars and probed gateways up without
 * blocking the client's thread.
 *
 * getaddrinfo blocks for as long as the resolver waits: resolv.conf's
 * default is 5 s a try, two tries, for each name server.  Called on the
 * client's thread, one silent DNS server stalled every registration's
 * retransmissions, answers and refreshes for that long, and a name that
 * never answers held up every carrier due after it, at every attempt.
 *
 * So a name goes to glibc's getaddrinfo_a, which looks it up on threads
 * of its own, several at once; the client polls the lookup on its next
 * turns (sipreg_reg_ready, sipreg_probe_resolve_due) and meanwhile serves
 * everything else.  An address literal (most gateways: "203.0.113.10")
 * never reaches a resolver: it is converted at once.
 *
 * Ownership: a lookup belongs to the reg_t or probe_t that started it
 * and is freed with sipreg_lookup_free.  One still running cannot always
 * be cancelled (a resolver thread is writing into it): it is kept here
 * until it ends and sipreg_lookup_reap frees it.  Only the client's
 * thread calls these functions. */
#include "sipreg/sipregInt.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sipreg_lookup {
    struct gaicb cb;             /* ar_name, ar_service, ar_request point below */
    struct addrinfo hints;
    char host[MODEL_HOST_SZ];
    char port[8];
    double started;              /* sipreg_mono() */
};

/* lookups freed while a resolver thread still held them: never more than
 * are running (sipreg_lookup_start refuses beyond SIPREG_LOOKUPS_MAX) */
static sipreg_lookup_t *g_orphans[SIPREG_LOOKUPS_MAX];
static size_t g_norphans;
static size_t g_running;         /* started and not freed (orphans included) */

static void hints_of(struct addrinfo *h, int flags)
{
    memset(h, 0, sizeof *h);
    h->ai_socktype = SOCK_DGRAM;
    h->ai_family = AF_INET; /* the socket is IPv4 (docs/SIP-REGISTRATION.md) */
    h->ai_flags = flags;
}

static void copy_first(const struct addrinfo *res, struct sockaddr_storage *ss, socklen_t *len)
{
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
}

int sipreg_resolve_numeric(const char *host, unsigned port, struct sockaddr_storage *ss,
                           socklen_t *len)
{
    struct addrinfo hints, *res = NULL;
    char ps[8];
    hints_of(&hints, AI_NUMERICHOST | AI_NUMERICSERV);
    snprintf(ps, sizeof ps, "%u", port);
    if (getaddrinfo(host, ps, &hints, &res) != 0 || !res) return C_ERR;
    copy_first(res, ss, len);
    freeaddrinfo(res);
    return C_OK;
}

sipreg_lookup_t *sipreg_lookup_start(const char *host, unsigned port)
{
    if (g_running >= SIPREG_LOOKUPS_MAX) return NULL;
    sipreg_lookup_t *l = xcalloc(1, sizeof *l);
    snprintf(l->host, sizeof l->host, "%s", host);
    snprintf(l->port, sizeof l->port, "%u", port);
    hints_of(&l->hints, AI_NUMERICSERV);
    l->cb.ar_name = l->host;
    l->cb.ar_service = l->port;
    l->cb.ar_request = &l->hints;
    struct gaicb *list[1] = {&l->cb};
    if (getaddrinfo_a(GAI_NOWAIT, list, 1, NULL) != 0) {
        free(l);
        return NULL;
    }
    l->started = sipreg_mono();
    g_running++;
    return l;
}

bool sipreg_lookups_full(void)
{
    return g_running >= SIPREG_LOOKUPS_MAX;
}

sipreg_lookup_rc_t sipreg_lookup_poll(sipreg_lookup_t *l, struct sockaddr_storage *ss,
                                      socklen_t *len)
{
    int rc = gai_error(&l->cb);
    if (rc == EAI_INPROGRESS) return SIPREG_LOOKUP_PENDING;
    if (rc != 0 || !l->cb.ar_result) return SIPREG_LOOKUP_FAILED;
    copy_first(l->cb.ar_result, ss, len);
    return SIPREG_LOOKUP_DONE;
}

double sipreg_lookup_age(const sipreg_lookup_t *l, double now)
{
    return now - l->started;
}

static void lookup_release(sipreg_lookup_t *l)
{
    if (l->cb.ar_result) freeaddrinfo(l->cb.ar_result);
    free(l);
    g_running--;
}

void sipreg_lookup_free(sipreg_lookup_t *l)
{
    if (!l) return;
    if (gai_error(&l->cb) == EAI_INPROGRESS && gai_cancel(&l->cb) != EAI_CANCELED) {
        g_orphans[g_norphans++] = l; /* room: g_running counts it */
        return;
    }
    lookup_release(l);
}

void sipreg_lookup_reap(void)
{
    size_t w = 0;
    for (size_t i = 0; i < g_norphans; i++) {
        sipreg_lookup_t *l = g_orphans[i];
        if (gai_error(&l->cb) == EAI_INPROGRESS) g_orphans[w++] = l;
        else lookup_release(l);
    }
    g_norphans = w;
}
