/* carriers.h -- SIP carriers: one model under both dialects (API.md §2.4,
 * §3.1; carriers.c).  A carrier_t a function fills owns its gateways:
 * free it with carrier_clear (model.h). */
#ifndef ND_CARRIERS_H
#define ND_CARRIERS_H

#include "core/core.h"

struct carrier_sip; /* core/registrations.h */

/* Every rule a carrier must satisfy as a whole (names, gateways, trunk
 * type), whichever dialect built it.  Paths name the BYOC fields
 * ("sip_gateway.port"; "sip_gateways[3].port" when there are several). */
void carrier_check(const carrier_t *cr, faults_t *f);
/* Seals a SIP password under the server key into box (MODEL_BOX_SZ).  A
 * box (*boxlen > 0) that already holds plain is left as it is. */
int carrier_seal(core_t *c, const char *plain, uint8_t *box, size_t *boxlen, cerr_t *e);
/* Parses a Plivo ip_set ("1.2.3.4, 10.0.0.0/24, 2001:db8::1"): strict
 * IPv4/IPv6 with optional CIDR prefix, duplicates removed, 1-100 entries.
 * *gw (caller frees) gets inbound-only gateways on port 5060. */
int carrier_parse_ip_set(const char *s, gateway_t **gw, size_t *n, cerr_t *e);
/* "1.2.3.4,10.0.0.0/24": the inbound gateways, as Plivo's ip_set.  Caller frees. */
char *carrier_ip_set(const carrier_t *cr);

/* Plivo incoming carrier fields: NULL / -1 = not given. */
typedef struct {
    const char *name, *ip_set;
    int voice, sms;
} carrier_plivo_in_t;

/* out is filled (caller: carrier_clear). */
int carrier_plivo_create(core_t *c, const account_t *caller, const carrier_plivo_in_t *in,
                         carrier_t *out, cerr_t *e);
/* Partial update; ip_set replaces the inbound addresses (outbound
 * gateways a BYOC carrier has are kept). */
int carrier_plivo_update(core_t *c, const account_t *caller, const char *ref,
                         const carrier_plivo_in_t *in, cerr_t *e);
/* ref: Plivo carrier_id, BYOC id or voip_carrier_sid.  out: carrier_clear.
 * sip (NULL: not wanted): the carrier's SIP state as its full answer shows
 * it (carrier_sip_of; caller: carrier_sip_clear), read with it so that a
 * fault reading it fails the call. */
int carrier_get(core_t *c, const account_t *caller, const char *ref, carrier_t *out,
                struct carrier_sip *sip, cerr_t *e);
/* carrier_get for a caller that needs the carrier's own fields, not its
 * gateways (a number add: store carrier_head).  out: carrier_clear. */
int carrier_get_head(core_t *c, const account_t *caller, const char *ref, carrier_t *out, cerr_t *e);
/* rows (and sip, NULL: not wanted) have room for limit entries; each needs
 * carrier_clear (carrier_sip_clear). */
int carrier_list(core_t *c, const account_t *caller, const char *name, int limit, int offset,
                 carrier_t *rows, size_t *nrows, int64_t *total, struct carrier_sip *sip,
                 cerr_t *e);
/* CE_CONFLICT while numbers use it. */
int carrier_delete(core_t *c, const account_t *caller, const char *ref, cerr_t *e);

/* BYOC carrier fields (API.md §3.1) as the handler read them; NULL / -1 =
 * not given.  An update merges what is given into the carrier (objects
 * member by member; in_auth / reg 0 = JSON null, which removes them) and
 * then checks the carrier as a whole. */
typedef struct {
    const char *address;
    int port, netmask, inbound, outbound;
    const char *transport;       /* "udp" / "tcp"; NULL: not given */
} gw_in_t;

typedef struct {
    const char *name, *trunk;
    int gw_given;                /* -1: not given, 1: an object */
    gw_in_t gw;
    int in_auth;                 /* -1: not given, 0: null, 1: an object */
    const char *in_user, *in_pass;
    int reg;                     /* -1, 0, 1 */
    const char *reg_user, *reg_pass, *reg_realm, *reg_from_user, *reg_from_domain;
    int reg_expires;             /* -1: not given */
} carrier_byoc_in_t;

/* f may already hold the handler's faults (wrong JSON types); the core adds
 * its own and fails with CE_INVALID when there is any, so that every fault
 * is reported at once.  out: carrier_clear. */
int carrier_byoc_create(core_t *c, const account_t *caller, const carrier_byoc_in_t *in,
                        faults_t *f, carrier_t *out, cerr_t *e);
/* sip (NULL: not wanted) gets the carrier's SIP state as its answer shows
 * it (carrier_sip_of), read in the update's transaction: a fault reading
 * it undoes the update. */
int carrier_byoc_update(core_t *c, const account_t *caller, const char *ref,
                        const carrier_byoc_in_t *in, faults_t *f, carrier_t *out,
                        struct carrier_sip *sip, cerr_t *e);

#endif
