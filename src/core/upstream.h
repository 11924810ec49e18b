/* upstream.h -- the operator's upstream carriers (SIP.md §1; upstream.c):
 * the carriers the inventory was bought from, named by the inventory CSV's
 * `carrier` column, with gateways as in the BYOC dialect and optional
 * outbound credentials.  They belong to no account (carrier_t.account_id
 * 0).  The admin API (/admin/v1/carriers) and the CLI (`numberd carrier`)
 * both call these functions.
 *
 * A carrier_t a function fills owns its gateways: carrier_clear. */
#ifndef ND_UPSTREAM_H
#define ND_UPSTREAM_H

#include "core/core.h"

struct carrier_sip; /* core/registrations.h */

/* Names: the CSV's column, 1-64 bytes, no control characters. */
#define UPSTREAM_NAME_MAX 64

/* Whether s may name an upstream carrier: 1-UPSTREAM_NAME_MAX bytes of
 * UTF-8, not all blanks, no C0/C1 control or line separator (the
 * inventory import checks each row's carrier by it, before the rows are
 * written, since the import then makes the carriers they name). */
bool upstream_name_ok(const char *s);

/* One gateway as given.  address: an IPv4/IPv6 address, a CIDR range
 * ("203.0.113.0/24"), or, for an outbound-only gateway, a host name.
 * -1 = not given: port 5060; inbound true unless address is a host name;
 * outbound true unless address is a range. */
typedef struct {
    const char *address;
    int port, inbound, outbound;
    const char *transport;       /* "udp" (default) / "tcp"; NULL: not given */
} upstream_gw_in_t;

/* Fields as the caller read them; NULL / -1 = not given.  An update
 * replaces what is given: gateways as a whole list, out_auth 0 (JSON null)
 * removes the credentials, 1 sets them (a password not given is kept). */
typedef struct {
    const char *name;
    int gws_given;                 /* -1: not given, 1: the list below */
    const upstream_gw_in_t *gw;
    size_t ngw;
    int out_auth;                  /* -1, 0, 1 */
    const char *out_user, *out_pass, *out_realm;
} upstream_in_t;

/* f may already hold the caller's own faults (wrong JSON types); the core
 * adds its own and fails with CE_INVALID when there is any.  Paths name the
 * admin API's fields ("sip_gateways[1].port", "outbound_auth.password").
 * out: carrier_clear.  CE_CONFLICT: the name is taken. */
int upstream_create(core_t *c, const upstream_in_t *in, faults_t *f, carrier_t *out, cerr_t *e);
/* ref: the carrier's id (a UUID) or its name.  The name cannot change
 * while inventory rows name the carrier (CE_CONFLICT). */
/* sip (NULL: not wanted): as carrier_byoc_update's. */
int upstream_update(core_t *c, const char *ref, const upstream_in_t *in, faults_t *f,
                    carrier_t *out, struct carrier_sip *sip, cerr_t *e);
/* sip (NULL: not wanted): as carrier_get's. */
int upstream_get(core_t *c, const char *ref, carrier_t *out, struct carrier_sip *sip, cerr_t *e);
/* rows (and sip, NULL: not wanted) have room for limit entries; each needs
 * carrier_clear (carrier_sip_clear).  name NULL: all. */
int upstream_list(core_t *c, const char *name, int limit, int offset, carrier_t *rows,
                  size_t *nrows, int64_t *total, struct carrier_sip *sip, cerr_t *e);
/* CE_CONFLICT naming how many inventory numbers still name it. */
int upstream_delete(core_t *c, const char *ref, cerr_t *e);
/* The inventory import: creates the carrier called name, without gateways,
 * unless it exists (with its event carrier.created), in a transaction of
 * its own: call it outside any transaction.  *created (may be NULL) says
 * which. */
int upstream_ensure(core_t *c, const char *name, bool *created, cerr_t *e);

#endif
