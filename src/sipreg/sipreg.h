/* sipreg.h -- the registration client of `numberd serve` (SIP.md §5): one
 * thread, a UDP socket and a TCP listener on --sip-listen, every `reg`
 * carrier kept registered to its registrar.  docs/SIP-REGISTRATION.md explains the design; the SIP
 * messages are src/sip/'s.
 *
 * Threads: sipreg_start spawns the client's thread, which owns every
 * registration; other threads only call sipreg_stop (the server's main
 * thread) and sipreg_metrics_render (any thread: atomics only).  Changes of
 * carriers reach the thread through the store (polled) and reg_kick()
 * (core/registrations.h) for this node's own writes.
 *
 * Ownership: sipreg_start copies what it needs of cfg; sipreg_stop frees
 * the client. */
#ifndef ND_SIPREG_H
#define ND_SIPREG_H

#include "core/core.h"
#include "util/buf.h"

typedef struct {
    core_t *core;
    const char *listen;          /* HOST:PORT for the UDP socket and the TCP listener (port 0: any) */
    const char *contact;         /* HOST[:PORT] put in Contact; NULL: the bound address */
    const char *outbound_proxy;  /* HOST[:PORT] every request goes to; NULL: none */
    bool allow_private;          /* customers' registrars and gateways may be private addresses */
} sipreg_cfg_t;

typedef struct sipreg sipreg_t;

/* Validates cfg (addresses parse, the socket binds) and starts the thread.
 * C_ERR with *err (the caller frees) saying what is wrong. */
int sipreg_start(const sipreg_cfg_t *cfg, sipreg_t **out, char **err);
/* The bound port (after start). */
unsigned sipreg_port(const sipreg_t *r);
/* Unregisters every registered carrier (Expires: 0, waiting at most a few
 * seconds for the answers), stops the thread, frees r.  NULL: nothing. */
void sipreg_stop(sipreg_t *r);

/* /metrics: registrations by state (gauges), REGISTER attempts and
 * failures by SIP status (counters, 0 = no answer). */
void sipreg_metrics_render(buf_t *out);

/* Parses HOST:PORT, [v6]:PORT or HOST (port then def_port) into host
 * (hsz bytes) and *port.  C_ERR on anything else. */
int sipreg_parse_hostport(const char *s, unsigned def_port, char *host, size_t hsz, unsigned *port);

#endif
