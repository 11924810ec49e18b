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
 * Ownership: a lookup is held by the reg_t or probe_t that started or
 * shared it (see g_all) and let go with sipreg_lookup_free.  When its
 * last holder lets go it is cancelled and freed, unless a resolver thread
 * has taken it (then it cannot be stopped): it is kept here until it ends
 * and sipreg_lookup_reap frees it.  Only the client's thread calls these
 * functions. */
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
    int refs;                    /* holders (sipreg_lookup_free); 0: an orphan */
};

/* Every lookup started and not yet released: shared by the carriers and
 * gateways that name the same host and port while it runs (a silent DNS
 * server then holds one resolver thread per name, not one per carrier),
 * and kept after its last holder let go while a resolver thread still
 * writes into it (an orphan, freed by sipreg_lookup_reap).  At most
 * SIPREG_LOOKUPS_MAX, fewer than glibc's resolver threads (20), so that
 * none waits in glibc's own queue, unseen, behind names that hang. */
static sipreg_lookup_t *g_all[SIPREG_LOOKUPS_MAX];
static size_t g_nall;

static bool running(sipreg_lookup_t *l)
{
    return gai_error(&l->cb) == EAI_INPROGRESS;
}

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

/* Starts looking host:port up on the resolver's threads, or shares the
 * lookup of the same name still running; NULL: no room now
 * (SIPREG_LOOKUPS_MAX, or glibc refused): try again on a later turn. */
static sipreg_lookup_t *lookup_start(const char *host, unsigned port)
{
    char ps[8];
    snprintf(ps, sizeof ps, "%u", port);
    /* one still running for the same name: shared (a finished one is not:
     * every attempt looks its name up afresh) */
    for (size_t i = 0; i < g_nall; i++) {
        sipreg_lookup_t *l = g_all[i];
        if (l->refs > 0 && strcmp(l->host, host) == 0 && strcmp(l->port, ps) == 0 && running(l)) {
            l->refs++;
            return l;
        }
    }
    if (g_nall >= SIPREG_LOOKUPS_MAX) return NULL;
    sipreg_lookup_t *l = xcalloc(1, sizeof *l);
    snprintf(l->host, sizeof l->host, "%s", host);
    memcpy(l->port, ps, sizeof l->port);
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
    l->refs = 1;
    g_all[g_nall++] = l;
    return l;
}

/* DONE: ss holds the first address. */
static sipreg_lookup_rc_t lookup_poll(sipreg_lookup_t *l, struct sockaddr_storage *ss, socklen_t *len)
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

sipreg_lookup_rc_t sipreg_addr_step(const char *host, unsigned port, sipreg_lookup_t **lk,
                                    struct sockaddr_storage *ss, socklen_t *len)
{
    if (!*lk) {
        if (sipreg_resolve_numeric(host, port, ss, len) == C_OK) return SIPREG_LOOKUP_DONE;
        *lk = lookup_start(host, port);
        if (!*lk) return SIPREG_LOOKUP_PENDING; /* no room now: a later turn */
    }
    sipreg_lookup_rc_t rc = lookup_poll(*lk, ss, len);
    if (rc != SIPREG_LOOKUP_PENDING) {
        sipreg_lookup_free(*lk);
        *lk = NULL;
    }
    return rc;
}

/* Frees the orphans (refs 0) no resolver thread holds any more. */
void sipreg_lookup_reap(void)
{
    size_t w = 0;
    for (size_t i = 0; i < g_nall; i++) {
        sipreg_lookup_t *l = g_all[i];
        if (l->refs > 0 || running(l)) {
            g_all[w++] = l;
            continue;
        }
        if (l->cb.ar_result) freeaddrinfo(l->cb.ar_result);
        free(l);
    }
    g_nall = w;
}

static void drop(sipreg_lookup_t *l)
{
    size_t w = 0;
    for (size_t i = 0; i < g_nall; i++)
        if (g_all[i] != l) g_all[w++] = g_all[i];
    g_nall = w;
    if (l->cb.ar_result) freeaddrinfo(l->cb.ar_result);
    free(l);
}

void sipreg_lookup_free(sipreg_lookup_t *l)
{
    if (!l || --l->refs > 0) return;
    /* the last holder.  Still queued, it is cancelled and freed now (glibc
     * takes it off its queue but never marks it done: left to reap, it
     * would look "in progress" for ever and keep its slot); taken by a
     * resolver thread, it cannot be stopped and stays an orphan until it
     * ends (sipreg_lookup_reap). */
    if (!running(l) || gai_cancel(&l->cb) == EAI_CANCELED) {
        drop(l);
        return;
    }
    sipreg_lookup_reap();
}
