/* sbc.h -- the in-memory index the SBC lookups (SIP.md §3-4) answer from.
 *
 * What it holds
 *   - inbound gateways: IPv4 and IPv6 prefixes, longest-prefix match
 *     (sbc/lpm.h, a path-compressed binary trie per family).  Each prefix
 *     maps to a sorted list of (carrier id, gateway index) references,
 *     because several carriers may share an address (many customers bring
 *     the same provider);
 *   - active numbers: E.164 number -> owner account, subaccount, carrier,
 *     application, state and phone_number_sid, in a compact open-addressing
 *     table (sbc/numtab.h; 44 bytes a slot);
 *   - carriers: id -> kind (upstream/incoming/byoc), trunk type, name,
 *     public id, owner, inbound auth username and sealed password, outbound
 *     credentials, inbound and outbound gateways; plus each main account's
 *     carriers and the list of upstream carriers (the outbound candidates);
 *   - accounts (auth_id, parent, status) and applications (app_id, answer
 *     URL and method), so that an answer is rendered without the database.
 *
 * It is pure C: no store, no core, no HTTP.  A loader (phase 2: the store's
 * full read, then the deltas of every write, and other nodes' NOTIFYs)
 * feeds it rows; the core applies SIP.md's rules to what a read returns.
 * Ids are the database's row ids (1 .. 2^32-1; 0 means "none"); a Plivo
 * app_id (17 digits, first non-zero) is kept as its integer value.
 *
 * Threads: why a big-reader lock, and not RCU or a plain rwlock
 *   Lookups outnumber writes by orders of magnitude and must scale across
 *   cores; writes must be visible to the next lookup (no staleness window);
 *   one write (a database transaction: "move a number and edit a gateway")
 *   must be seen whole or not at all.
 *   - One pthread rwlock would do the last two, but every lookup would then
 *     write the same cache line (the reader count), which bounces between
 *     cores at high rates.
 *   - RCU-style snapshot swaps make readers free, but a snapshot of 5
 *     million numbers cannot be copied per write, and a structure that can
 *     be updated in place under lock-free readers (per-slot seqlocks,
 *     epoch reclamation) is much more code to get right for little gain:
 *     numberd's lookups end in an HTTP answer that costs microseconds.
 *   So: SBC_READ_SLOTS rwlocks, each on its own cache line; a thread takes
 *   the read lock of "its" slot (assigned round-robin on first use), so two
 *   threads on two cores touch different lines.  A writer takes a writer
 *   mutex (writers queue), prepares everything expensive with readers still
 *   running (it copies carriers into their final blocks, and grows the
 *   number table by building the bigger table from the old one, which only
 *   writers change), then takes every slot's write lock in order, applies
 *   its whole batch (pointer swaps, table slots, trie edits: microseconds),
 *   and releases them.  The rwlocks prefer writers, so a stream of lookups
 *   cannot starve a write.  A full reload builds a second index off line
 *   and swaps its contents in with sbc_index_replace(), in one such
 *   exclusive section.
 *
 * Staleness: an index is "current" or not (sbc_index_set_current).  A loader
 *   that loses its change feed (PostgreSQL connection dropped) marks it not
 *   current until its reload is in; sbc_read_begin() then fails and the
 *   caller answers 503, never a stale accept.  sbc_index_mark/set_mark keep
 *   one 64-bit value for the loader (e.g. SQLite's PRAGMA data_version, or
 *   the last change id applied).
 *
 * Caps: every input is bounded (the SBC_* limits below); a delta that
 *   breaks one is refused with a reason and changes nothing.
 *
 * Ownership: sbc_index_new() returns an index the caller frees with
 *   sbc_index_free() (no reader or writer may be active).  Input structs
 *   and strings given to writer calls are copied: the caller keeps them.
 *   Everything a read returns (pointers to carriers, accounts, apps, gateway
 *   references) is borrowed from the index and valid only until
 *   sbc_read_end() on that sbc_read_t.  *why reasons are static strings.
 */
#ifndef ND_SBC_H
#define ND_SBC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "util/common.h"

/* ---- caps ---------------------------------------------------------------- */
#define SBC_MAX_NUMBERS 50000000u      /* active numbers in one index */
#define SBC_MAX_CARRIERS 2000000u
#define SBC_MAX_PREFIXES 4000000u      /* distinct inbound (prefix, ref) pairs */
#define SBC_MAX_ACCOUNTS 10000000u
#define SBC_MAX_APPS 10000000u
#define SBC_MAX_GW_IN 1024             /* inbound gateways of one carrier (+ registrar addresses) */
#define SBC_MAX_GW_OUT 1024            /* outbound gateways of one carrier */
#define SBC_MAX_BATCH 1000000u         /* deltas staged in one write */
#define SBC_NAME_MAX 400               /* carrier name, bytes (100 characters of UTF-8) */
#define SBC_PUBID_MAX 64               /* a carrier's public id (UUID, 14 digits) */
#define SBC_USER_MAX 256               /* SIP user names, bytes */
#define SBC_HOST_MAX 253               /* host name or IP text */
#define SBC_BOX_MAX 256                /* a sealed password (secretbox: 24 + 16 + 128) */
#define SBC_URL_MAX 512
#define SBC_SID_SZ 37                  /* UUID text + NUL */
#define SBC_AUTH_ID_SZ 21              /* "MA"/"SA" + 18 + NUL */
#define SBC_APP_ID_SZ 18               /* 17 digits + NUL */
#define SBC_METHOD_SZ 8
#define SBC_READ_SLOTS 64

typedef enum { SBC_KIND_UPSTREAM = 0, SBC_KIND_INCOMING = 1, SBC_KIND_BYOC = 2 } sbc_kind_t;
/* same values as model.h's trunk_type_t */
typedef enum { SBC_TRUNK_STATIC_IP = 0, SBC_TRUNK_AUTH = 1, SBC_TRUNK_REG = 2 } sbc_trunk_t;
typedef enum { SBC_TP_UDP = 0, SBC_TP_TCP = 1, SBC_TP_TLS = 2 } sbc_transport_t;
typedef enum { SBC_ACCT_ACTIVE = 0, SBC_ACCT_SUSPENDED = 1, SBC_ACCT_DISABLED = 2 } sbc_acct_status_t;

/* An IP address: family 4 (addr[0..3]) or 6 (addr[0..15]), network order;
 * the same layout as core/net.h's net_ip_t, so a loader can copy one. */
typedef struct {
    int family;
    uint8_t addr[16];
} sbc_addr_t;

/* A reference from a prefix to one inbound gateway: the carrier's id and
 * the index of the gateway in that carrier's in[] array. */
typedef struct {
    uint32_t carrier;
    uint32_t gw;
} sbc_gwref_t;

/* An active number.  number is the E.164 digits as an integer (8-15
 * digits, first non-zero, so the integer is unambiguous). */
typedef struct {
    uint64_t number;
    uint8_t state;        /* the store's num_state_t (1 active); kept for logs */
    bool no_voice;        /* voice_enabled false (an SMS-only number): no calls */
    uint32_t owner;       /* the main account */
    uint32_t sub;         /* 0: the main account's own */
    uint32_t carrier;     /* its carrier (BYOC/incoming, or upstream for inventory); 0: none */
    uint64_t app;         /* Plivo app_id as an integer; 0: none */
    uint8_t sid[16];      /* phone_number_sid (a UUID), binary */
} sbc_number_t;

typedef struct {
    sbc_addr_t addr;      /* network address (bits past plen must be zero) */
    int plen;             /* 0-32 / 0-128 */
    uint16_t port;
    char sid[SBC_SID_SZ]; /* sip_gateway_sid; "" for a registrar address */
} sbc_gw_in_t;

typedef struct {
    const char *host;     /* IP text or host name; borrowed (input) / owned by the index (read) */
    uint16_t port;
    uint8_t transport;    /* sbc_transport_t */
    bool down;            /* health check says down (SIP.md §6) */
    char sid[SBC_SID_SZ];
} sbc_gw_out_t;

/* A carrier as given to sbc_w_carrier_put (strings borrowed, NULL = "")
 * and as read back (everything owned by the index). */
typedef struct {
    uint32_t id;
    uint32_t account;     /* main account; 0 for an upstream carrier */
    uint32_t sub;         /* 0: the main account's own */
    uint8_t kind;         /* sbc_kind_t */
    uint8_t trunk;        /* sbc_trunk_t */
    bool no_voice;        /* the carrier's voice is off (Plivo voice=false): no calls */
    const char *name;
    const char *pub_id;   /* BYOC id / Plivo carrier_id / upstream id */
    const char *pub_sid;  /* the same carrier's BYOC voip_carrier_sid ("" none) */
    const char *pub_num;  /* and its Plivo carrier_id (14 digits; "" none): a forced
                           * carrier of an outbound lookup is any of the three */
    const char *in_user;  /* auth trunks: inbound_auth.username */
    const uint8_t *in_box;  /* its sealed password (core opens it to make the HA1) */
    uint16_t in_box_len;
    const char *out_user; /* outbound credentials (upstream, reg); "" none */
    const char *out_realm;
    const uint8_t *out_box;
    uint16_t out_box_len;
    uint16_t n_in, n_out;
    const sbc_gw_in_t *in;
    const sbc_gw_out_t *out;
} sbc_carrier_t;

typedef struct {
    uint32_t id;
    uint32_t parent;      /* 0 for a main account */
    uint8_t status;       /* sbc_acct_status_t */
    char auth_id[SBC_AUTH_ID_SZ];
} sbc_account_t;

typedef struct {
    uint64_t app_id;
    uint32_t account, sub;
    char app_id_text[SBC_APP_ID_SZ];
    char answer_method[SBC_METHOD_SZ];
    const char *answer_url;
    const char *sip_uri;  /* "" none */
} sbc_app_t;

typedef struct sbc_index sbc_index_t;
typedef struct sbc_write sbc_write_t;

/* ---- the index ------------------------------------------------------------ */

/* A new, empty index, not current (sbc_index_set_current(idx, true) once
 * loaded).  Caller frees with sbc_index_free (NULL is fine). */
sbc_index_t *sbc_index_new(void);
void sbc_index_free(sbc_index_t *idx);
void sbc_index_set_current(sbc_index_t *idx, bool current);
bool sbc_index_current(const sbc_index_t *idx);
void sbc_index_set_mark(sbc_index_t *idx, uint64_t mark);
uint64_t sbc_index_mark(const sbc_index_t *idx);
/* Bumped by every commit and replace. */
uint64_t sbc_index_generation(const sbc_index_t *idx);
/* Moves everything held by fresh into idx in one exclusive section (the
 * readers of idx see the old contents or the new, never a mix), copies
 * fresh's "current" flag and mark, and frees fresh and idx's old contents.
 * fresh must have no readers or writers. */
void sbc_index_replace(sbc_index_t *idx, sbc_index_t *fresh);

/* Sizes the number table for `numbers` entries (a loader that knows the
 * count calls this first: one allocation at 80 % load instead of a chain
 * of growths).  Never shrinks.  Waits for other writers. */
void sbc_index_reserve(sbc_index_t *idx, size_t numbers);

typedef struct {
    size_t numbers, carriers, prefixes, accounts, apps;
    size_t gateways_out, gateways_down;  /* outbound gateways; of them marked down */
    size_t bytes_numbers;   /* the number table's arrays */
    size_t bytes_lpm;       /* trie nodes and their reference lists */
    size_t bytes_carriers;  /* carrier blocks and the maps over them */
    size_t bytes_other;     /* accounts, apps */
    size_t bytes_total;
} sbc_stats_t;
/* Counts and the bytes the index has allocated (requested sizes, without
 * the allocator's own overhead).  Takes a read section; fails like
 * sbc_read_begin does not (works on a non-current index). */
void sbc_index_stats(sbc_index_t *idx, sbc_stats_t *out);

/* ---- writing ---------------------------------------------------------------
 * sbc_write_begin waits for other writers; the sbc_w_* calls stage deltas
 * (checked now: C_ERR with *why changes nothing and the batch stays
 * usable); sbc_write_commit applies them all at once and frees w;
 * sbc_write_abort drops them.  Within a batch, later deltas win.  Deleting
 * what is not there is not an error (change feeds repeat themselves). */
int sbc_write_begin(sbc_index_t *idx, sbc_write_t **out);
int sbc_w_number_put(sbc_write_t *w, const sbc_number_t *n, const char **why);
int sbc_w_number_del(sbc_write_t *w, uint64_t number, const char **why);
int sbc_w_carrier_put(sbc_write_t *w, const sbc_carrier_t *c, const char **why);
int sbc_w_carrier_del(sbc_write_t *w, uint32_t id, const char **why);
int sbc_w_account_put(sbc_write_t *w, const sbc_account_t *a, const char **why);
int sbc_w_account_del(sbc_write_t *w, uint32_t id, const char **why);
/* app->answer_url and app->sip_uri are borrowed (NULL = ""). */
int sbc_w_app_put(sbc_write_t *w, const sbc_app_t *app, const char **why);
int sbc_w_app_del(sbc_write_t *w, uint64_t app_id, const char **why);
/* Number of deltas staged so far (a loader commits at SBC_MAX_BATCH). */
size_t sbc_write_staged(const sbc_write_t *w);
/* C_ERR only when a cap of the whole index would be exceeded (*why); then
 * nothing of the batch is applied.  w is freed either way. */
int sbc_write_commit(sbc_write_t *w, const char **why);
void sbc_write_abort(sbc_write_t *w);

/* ---- reading ---------------------------------------------------------------
 * Everything between sbc_read_begin and sbc_read_end sees one state of the
 * index.  Do not nest read sections in one thread, and do not write inside
 * one (the locks are not recursive).  Keep sections short: copy out what
 * you render. */
typedef struct {
    sbc_index_t *idx;
    const void *st;
    int slot;
} sbc_read_t;

/* C_ERR (no lock held) when the index is not current: answer 503. */
int sbc_read_begin(sbc_index_t *idx, sbc_read_t *r);
void sbc_read_end(sbc_read_t *r);

bool sbc_r_number(const sbc_read_t *r, uint64_t number, sbc_number_t *out);
const sbc_carrier_t *sbc_r_carrier(const sbc_read_t *r, uint32_t id);
const sbc_account_t *sbc_r_account(const sbc_read_t *r, uint32_t id);
/* The account whose auth_id is this one (main or subaccount), or NULL when
 * the index has none by that name -- or, very rarely, when another
 * auth_id's key (sbc_auth_key, a 64-bit hash) took its place: a caller
 * that gets NULL asks the store, which decides. */
const sbc_account_t *sbc_r_account_by_auth(const sbc_read_t *r, const char *auth_id);
uint64_t sbc_auth_key(const char *auth_id);
const sbc_app_t *sbc_r_app(const sbc_read_t *r, uint64_t app_id);
/* The longest inbound prefix of any carrier containing addr: its references
 * (sorted by carrier, then gateway) and length.  An IPv4-mapped IPv6
 * address (::ffff:a.b.c.d) is looked up as the IPv4 address.  false: no
 * gateway of any carrier contains addr. */
bool sbc_r_source(const sbc_read_t *r, const sbc_addr_t *addr, const sbc_gwref_t **refs,
                  size_t *nrefs, int *plen);
/* The longest inbound prefix of carrier `carrier` containing addr, and the
 * first of its gateways there.  false: none of its gateways contains addr. */
bool sbc_r_source_of(const sbc_read_t *r, const sbc_addr_t *addr, uint32_t carrier,
                     sbc_gwref_t *ref, int *plen);
/* The carriers of a main account (incoming and BYOC, its subaccounts'
 * included), ascending id; and the upstream carriers, ascending id. */
void sbc_r_account_carriers(const sbc_read_t *r, uint32_t account, const uint32_t **ids,
                            size_t *n);
void sbc_r_upstream_carriers(const sbc_read_t *r, const uint32_t **ids, size_t *n);

/* ---- helpers ---------------------------------------------------------------- */
/* E.164 digits (1-15 of them, first non-zero, nothing else) -> integer. */
int sbc_number_key(const char *digits, size_t n, uint64_t *out);
/* The integer back to digits ("" for 0). */
void sbc_number_text(uint64_t number, char out[16]);
/* Lower- or upper-case 8-4-4-4-12 UUID text <-> 16 bytes. */
int sbc_uuid_parse(const char *s, size_t n, uint8_t out[16]);
void sbc_uuid_text(const uint8_t in[16], char out[SBC_SID_SZ]);

#endif
