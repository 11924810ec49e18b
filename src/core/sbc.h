/* sbc.h (core) -- the SBC lookups of SIP.md §3-4, the rules once (sbc.c):
 * who a call belongs to (inbound) and where it may go (outbound), answered
 * from the in-memory index (sbc/sbc.h) that core/sbcfeed.h keeps current.
 * The handler (api/sbc.c) only reads parameters and renders the answer.
 *
 * Answers are values (sbcl_answer_t, inline strings: nothing to free).
 * The SIP password never leaves this file: only its digest HA1s do, and
 * the plaintext is wiped once they are made. */
#ifndef ND_CORE_SBC_H
#define ND_CORE_SBC_H

#include "core/core.h"
#include "core/sbcfeed.h"
#include "util/digest.h"

#define SBCL_MAX_ROUTES 16
#define SBCL_TEXT 520   /* room for a URL / a name; longer values are cut */

typedef enum { SBCL_ACCEPT, SBCL_CHALLENGE, SBCL_REJECT, SBCL_ROUTE } sbcl_action_t;

typedef struct {
    char kind[10];                 /* upstream / incoming / byoc */
    char id[65], name[401], trunk[10];
} sbcl_carrier_t;

typedef struct {
    char uri[300];
    sbcl_carrier_t carrier;
    char gw_sid[37];
    bool auth;                     /* the carrier has outbound credentials */
    char auth_user[257], auth_realm[254], ha1[DIGEST_HEX_SZ];
} sbcl_route_t;

typedef struct {
    sbcl_action_t action;
    int sip_code;                  /* reject */
    const char *reason;            /* reject: a static string */
    /* accept */
    char auth_id[21], sub_auth_id[21];   /* sub "" when none */
    char number[16], number_sid[37];
    sbcl_carrier_t carrier;        /* accept, challenge */
    char gw_sid[37], gw_address[60];
    bool has_app;
    char app_id[18], answer_url[513], answer_method[8];
    /* challenge; and accept of an auth trunk that sent credentials */
    bool auth;
    char realm[254], username[257];
    char ha1[DIGEST_HEX_SZ], ha1_sha256[DIGEST_HEX_SZ];
    int cache_ttl;
    /* outbound */
    sbcl_route_t routes[SBCL_MAX_ROUTES];
    size_t nroutes;
} sbcl_answer_t;

/* Inbound parameters (SIP.md §3); NULL = not given. */
typedef struct {
    const char *src_ip, *src_port, *transport, *to, *from, *realm, *auth_user, *call_id;
} sbcl_in_t;

/* Outbound parameters (SIP.md §4). */
typedef struct {
    const char *account, *to, *from, *carrier;
} sbcl_out_t;

/* C_OK with an answer (whatever the verdict); C_ERR with CE_INVALID for a
 * parameter the SBC got wrong (400), CE_INTERNAL when numberd cannot
 * answer correctly (503: index not current, database down, no key). */
int sbcl_inbound(core_t *c, sbcfeed_t *f, const sbcl_in_t *in, int cache_ttl, sbcl_answer_t *out,
                 cerr_t *e);
int sbcl_outbound(core_t *c, sbcfeed_t *f, const sbcl_out_t *in, sbcl_answer_t *out, cerr_t *e);
/* Both set only the routes they give (routes[0 .. nroutes - 1]): the 16
 * route slots are 22 KiB, and zeroing and wiping them whole was ~8 % of an
 * inbound lookup's CPU (perf, bench/sbc).  Wipes what an answer may hold (HA1s), after any call of
 * either, whatever it returned. */
void sbcl_answer_wipe(sbcl_answer_t *a);

/* The called number in any form the SBC may pass it (SIP.md §3: "+", a
 * leading "00", visual separators, tel: and sip: URIs) as E.164 digits.
 * C_ERR: not a number. */
int sbcl_number(const char *s, char out[E164_BUFSZ]);

#endif
