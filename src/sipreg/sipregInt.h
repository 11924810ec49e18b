/* sipregInt.h -- private to src/sipreg/: the registration client's state
 * (one registration, one probed gateway, the client) and the functions its
 * files share.  Only the client's thread touches reg_t, probe_t and
 * sipreg_t after start; the counters in sipreg_g are atomics that
 * sipreg_metrics_render reads from any thread.
 *
 * Files: sipreg.c (thread, start/stop, metrics), sipreg_net.c (addresses,
 * sockets, reading), sipreg_tcp.c (TCP connections), sipreg_dns.c (name
 * lookups off this thread), sipreg_fsm.c (one registration's state
 * machine), sipreg_set.c (the set of registrations: store sync, locks,
 * timers), sipreg_probe.c (OPTIONS health). */
#ifndef ND_SIPREG_INT_H
#define ND_SIPREG_INT_H

#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>

#include "core/registrations.h"
#include "sip/sipmsg.h"
#include "util/digest.h"
#include "sipreg/sipreg.h"

#define PAGE 256                 /* carriers read per store call */
#define SIG_POLL_S 2.0           /* "did any reg carrier change?" */
#define FULL_RELOAD_S 10.0       /* re-read all, re-check locks (takeover) */
#define BACKOFF_MIN_S 30.0
#define BACKOFF_MAX_S 1800.0
#define AUTH_FAIL_MIN_S 300.0
#define DEFAULT_EXPIRES 3600
#define MAX_EXPIRES 86400
#define SHUTDOWN_WAIT_S 3.0
#define SAVE_RETRY_S 1.0         /* a state whose save failed is stored again, */
#define SAVE_RETRY_MAX_S 30.0    /* doubling up to this */

#define PROBE_MAX 10000          /* gateways probed by one node */
#define SIPREG_LOOKUPS_MAX 16    /* name lookups at once, below glibc's 20 threads (sipreg_dns.c) */
#define LOOKUP_WAIT_S 2.0        /* an attempt waits at most this long for a lookup
                                    (its own, or one it shares that began earlier)
                                    when its registrar has an address already */

/* A name being looked up in the background (sipreg_dns.c). */
typedef struct sipreg_lookup sipreg_lookup_t;
typedef enum { SIPREG_LOOKUP_PENDING, SIPREG_LOOKUP_DONE, SIPREG_LOOKUP_FAILED } sipreg_lookup_rc_t;

/* One probed gateway (SIP.md §6). */
typedef struct {
    probe_target_t t;
    struct sockaddr_storage dst;
    socklen_t dstlen;
    char call_id[48], branch[24];
    uint32_t cseq;
    bool tx, seen;
    double tx_start, retx_at, retx_iv, due;
    buf_t req;
    gw_health_t h;
    sipreg_lookup_t *lk;         /* the gateway's name being looked up; NULL: none */
    bool lookup_failed;          /* it did not resolve: the probe due counts a miss */
    bool refused_said;           /* its private address was logged (sipreg_refused) */
} probe_t;

/* ---- one registration --------------------------------------------------- */

/* A challenge kept for the rest of its transaction (digest.h's challenges
 * point into the message that brought them).  A registrar behind an
 * authenticating proxy challenges twice (401 and 407, in either order):
 * every request after both carries an answer to each, each with its own
 * next nonce count (RFC 3261 §22.3, RFC 7616 §3.4: a count re-sent with
 * its nonce is a replay). */
typedef struct {
    char realm[128], nonce[256], opaque[256];
    digest_alg_t alg;
    bool qop_auth;
    uint32_t nc;                 /* the last nonce count sent with this nonce */
} kept_chal_t;

typedef struct reg {
    int64_t id;
    uint8_t fp[32];              /* what of the carrier a registration depends on */
    carrier_t cr;                /* owned copy: credentials (sealed), realm, gateways */
    char host[MODEL_HOST_SZ];    /* the registrar: the outbound gateway */
    bool tcp;                    /* the gateway's transport is TCP (sipreg_tcp.c) */
    unsigned port;
    struct sockaddr_storage dst;
    socklen_t dstlen;
    char call_id[48], from_tag[24], branch[24];
    uint32_t cseq;
    int64_t want_expires;        /* what we ask for (423 raises it) */
    /* the transaction in flight */
    bool tx;
    buf_t req;
    double tx_start, retx_at, retx_iv;
    int auth_tries, brief_tries;
    int proxy_tries;             /* 407s answered (counted apart from 401s) */
    kept_chal_t *chal[2];        /* the transaction's WWW- [0] and Proxy- [1] challenges; NULL: none */
    bool unreg;                  /* the request in flight is an Expires: 0 */
    /* state */
    bool held;                   /* this node holds the carrier's lock */
    bool seen;                   /* found by the current reload */
    bool gone;                   /* deleted or lost: unregister, then free */
    bool ghost;                  /* the old binding of a changed carrier, unregistering */
    double due;                  /* next REGISTER (monotonic); 0 = none planned */
    reg_status_t st;
    bool counted;                /* st.state counted in g_by_state */
    sipreg_lookup_t *lk;         /* the registrar's name being looked up; NULL: none */
    bool addr_ready;             /* looked up for the attempt due (sipreg_reg_ready) */
    /* st is to be stored (sipreg_save): saved in the open batch (save_sent,
     * settled by sipreg_saves_settle), or failed and tried again from
     * save_retry_at (a database fault must not leave every node showing a
     * state this node left long ago) */
    bool save_due, save_sent;
    int save_fails;              /* in a row: the retries back off */
    double save_retry_at;
} reg_t;

typedef struct sipreg_conn sipreg_conn_t; /* a TCP connection (sipreg_tcp.c) */

struct sipreg {
    core_t *core;
    int fd;                      /* UDP */
    int tfd;                     /* the TCP listener (same address and port); -1: none */
    sipreg_conn_t **conns;       /* open TCP connections */
    size_t nconns, cconns;
    struct pollfd *pfd;          /* the last poll: UDP socket, then sipreg_tcp_pollfds's */
    size_t npfd, cpfd;
    unsigned port;
    char contact_host[MODEL_HOST_SZ + 2]; /* bracketed for IPv6 */
    unsigned contact_port;
    bool have_proxy;
    bool allow_private;          /* sipreg_cfg_t's */
    bool prober;                 /* this node holds the probing lock (sipreg_probes_reload) */
    bool bucket_held[REG_LOCK_BUCKETS]; /* the registration buckets' locks this node holds */
    struct sockaddr_storage proxy;
    socklen_t proxylen;
    char proxy_uri[MODEL_HOST_SZ + 32];
    char node[MODEL_REG_NODE_SZ];
    double t1;                   /* seconds */
    pthread_t thread;
    atomic_bool stop;
    reg_t **regs;
    size_t nregs, cap;
    int64_t sig[3];
    uint64_t kick;
    probe_t **probes;
    size_t nprobes;
    uint64_t reloads;
    reg_t **ghosts;              /* old bindings being removed (Expires: 0) */
    size_t nghosts, gcap;
    double next_sig, next_full;
    bool resolve_capped;         /* sipreg_resolve_due stopped at STARTS_PER_TURN */
    bool saves_failed;           /* some reg_t has a save to try again (sipreg_saves_retry) */
};


#define CODE_SLOTS 700             /* 0 = no answer, 100-699 */
#define STARTS_PER_TURN 200        /* new attempts per turn (sipreg_set.c) */

/* Counters, for every file of the client. */
typedef struct {
    atomic_int_fast64_t by_state[4];
    atomic_uint_fast64_t attempts, fail_by_code[CODE_SLOTS];
    atomic_int_fast64_t gw_by_state[3];
    atomic_uint_fast64_t probes, probe_fails;
} sipreg_globals_t;
extern sipreg_globals_t sipreg_g;

/* sipreg_net.c */
double sipreg_mono(void);
/* n - 1 random [a-z0-9] and a NUL */
void sipreg_token(char *out, size_t n);
/* getaddrinfo: blocks while the resolver waits -- only at start-up
 * (--sip-outbound-proxy); the client's thread uses sipreg_dns.c's. */
int sipreg_resolve(const char *host, unsigned port, struct sockaddr_storage *ss, socklen_t *len);

/* sipreg_dns.c */
/* An address literal into ss at once; C_ERR: a name (or nothing valid). */
int sipreg_resolve_numeric(const char *host, unsigned port, struct sockaddr_storage *ss,
                           socklen_t *len);
/* Seconds since l started. */
double sipreg_lookup_age(const sipreg_lookup_t *l, double now);
/* One turn's step towards host:port's address, never blocking, for a
 * registration or a probe that keeps *lk (NULL: none running): an address
 * literal is DONE at once; a name is looked up through *lk, started here
 * and let go (NULL again) once it is DONE or FAILED.  PENDING: still
 * running, or no room to start (*lk NULL).  DONE: ss holds the address. */
sipreg_lookup_rc_t sipreg_addr_step(const char *host, unsigned port, sipreg_lookup_t **lk,
                                    struct sockaddr_storage *ss, socklen_t *len);
/* Lets go of the caller's hold on l (NULL: nothing); the last holder's
 * cancels and frees it (one a resolver thread has taken is freed by a
 * later sipreg_lookup_reap, once it ended). */
void sipreg_lookup_free(sipreg_lookup_t *l);
/* Frees the lookups nobody holds whose resolver thread has ended (each
 * turn, from sipreg_resolve_due, and at every sipreg_lookup_free). */
void sipreg_lookup_reap(void);
/* Hands one whole message (a datagram, or a message framed on a TCP
 * stream) to the fsm or the prober; what: "UDP"/"TCP" for logs. */
void sipreg_dispatch(sipreg_t *r, const char *buf, size_t n, const char *what);
/* Sends a request to dst over UDP or TCP.  retx: a retransmission (not
 * sent again over a TCP connection that is still up). */
void sipreg_send(sipreg_t *r, const struct sockaddr_storage *dst, socklen_t len, bool tcp,
                 const char *data, size_t n, bool retx);
/* Waits at most ms for any socket; true when something is to be read or
 * written, which sipreg_service then does. */
bool sipreg_poll(sipreg_t *r, int ms);
void sipreg_service(sipreg_t *r);

/* sipreg_tcp.c */
/* Listens on sa (TCP).  C_ERR with errno. */
int sipreg_tcp_listen(sipreg_t *r, const struct sockaddr_in *sa);
void sipreg_tcp_send(sipreg_t *r, const struct sockaddr_storage *dst, socklen_t len, const char *data,
                     size_t n, bool retx);
/* The pollfds of the listener and connections (room for sipreg_tcp_count). */
size_t sipreg_tcp_count(const sipreg_t *r);
size_t sipreg_tcp_pollfds(sipreg_t *r, struct pollfd *pfd);
void sipreg_tcp_service(sipreg_t *r, const struct pollfd *pfd, size_t n);
void sipreg_tcp_close_all(sipreg_t *r);
/* Marks the connection to dst (if any) failed: closed at the next safe
 * point, and the next request to dst connects again. */
void sipreg_tcp_drop(sipreg_t *r, const struct sockaddr_storage *dst, socklen_t len);

/* sipreg_fsm.c */
void sipreg_count_state(reg_t *g, bool add);
void sipreg_set_state(reg_t *g, reg_state_t s);
void sipreg_save(sipreg_t *r, reg_t *g);
void sipreg_failed(sipreg_t *r, reg_t *g, int code, const char *reason, int64_t retry_after,
                   bool credentials);
void sipreg_attempt(sipreg_t *r, reg_t *g, bool unreg);
/* Forgets g's kept challenges (a new transaction, or g freed). */
void sipreg_chal_clear(reg_t *g);
/* A binding this node may have at the registrar: registered, or granted
 * and not expired though the state moved on (a refresh refused: failed,
 * while the last binding lives on) -- what un-REGISTERs on a change, a
 * delete and at shutdown go by. */
bool sipreg_binding_live(const reg_t *g);
/* Whether a customer's carrier (account_id != 0) has its registrar or
 * gateway at dst, an address a customer may not make numberd send to
 * (loopback, private, link-local, ...: core/net.h net_ip_internal) unless
 * the operator allows it (--sip-allow-private); why gets the reason. */
bool sipreg_refused(const sipreg_t *r, int64_t account_id, const struct sockaddr_storage *dst,
                    char *why, size_t whysz);
/* After a batch of saves ended: committed, they are done; else each is
 * due again (after SAVE_RETRY_S). */
void sipreg_saves_settle(sipreg_t *r, bool committed);
/* Stores again, each alone and outside any batch, the states whose save
 * failed, when due; *next: the earliest retry. */
void sipreg_saves_retry(sipreg_t *r, double now, double *next);
/* Readies g's registrar address for its attempt due now, without
 * blocking: true when the attempt can start (g->dst fresh, or -- the
 * lookup failed, or ran past LOOKUP_WAIT_S -- what g->dst held; dstlen 0:
 * never resolved, the attempt fails), false while a lookup runs. */
bool sipreg_reg_ready(reg_t *g, double now);
void sipreg_on_response(sipreg_t *r, const sip_msg_t *m);
/* Forgets g's TCP connection (after a transaction timed out on it). */
void sipreg_reg_conn_drop(sipreg_t *r, reg_t *g);
/* Sends g's request in flight (retx: again, a retransmission). */
void sipreg_resend(sipreg_t *r, reg_t *g, bool retx);

/* sipreg_set.c */
reg_t *sipreg_find_id(sipreg_t *r, int64_t id);
void sipreg_reg_free(reg_t *g);
void sipreg_reload(sipreg_t *r);
void sipreg_drop_gone(sipreg_t *r);
double sipreg_run_timers(sipreg_t *r, double now);
/* Looks up, outside the store batch, the registrars of the attempts due. */
void sipreg_resolve_due(sipreg_t *r, double now);

/* sipreg_probe.c */
void sipreg_on_probe_response(sipreg_t *r, const sip_msg_t *m);
void sipreg_probes_reload(sipreg_t *r);
void sipreg_probe_timers(sipreg_t *r, double now, double *next);
/* Looks up, outside the store batch, the gateways of the probes due and
 * never resolved (sipreg_resolve_due's half for probes). */
void sipreg_probe_resolve_due(sipreg_t *r, double now);
void sipreg_probe_free(probe_t *p);

#endif
