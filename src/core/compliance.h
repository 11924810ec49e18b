/* compliance.h -- the Plivo dialect's phone-number compliance reads
 * (PhoneNumber/Compliance/...): numberd's compliance records (made by the
 * operator, accounts.h) shown as Plivo's compliance applications, the
 * requirements a country's restricted numbers have, and the bulk link of
 * numbers to records (compliance.c).
 *
 * Records belong to the main account; a subaccount reads its main
 * account's records (it may link its numbers to them), and sees only its
 * own numbers among the linked ones. */
#ifndef ND_COMPLIANCE_H
#define ND_COMPLIANCE_H

#include "core/core.h"

/* Filters of the list (NULL: none), as Plivo names them; every value is
 * checked.  status: accepted (approved records) or submitted (not yet);
 * user_type: business or individual (numberd's records are the
 * operator's, shown as business). */
typedef struct {
    const char *status, *country_iso, *number_type, *user_type, *alias;
    int limit, offset;
} cpl_list_in_t;

/* rows has room for in->limit records; oldest first. */
int cpl_list(core_t *c, const account_t *caller, const cpl_list_in_t *in, compliance_t *rows,
             size_t *nrows, int64_t *total, cerr_t *e);
/* CE_NOTFOUND unless id is a record of the caller's main account. */
int cpl_get(core_t *c, const account_t *caller, const char *id, compliance_t *out, cerr_t *e);

/* The numbers linked to record id that the caller sees, in number order:
 * at most CPL_MAX_LINKED (more are counted in *more). */
#define CPL_MAX_LINKED 100
typedef struct {
    char number[E164_BUFSZ];
    char number_type[MODEL_TYPE_SZ];
} cpl_linked_t;
int cpl_linked(core_t *c, const account_t *caller, const char *id, cpl_linked_t out[CPL_MAX_LINKED],
               size_t *n, int64_t *more, cerr_t *e);

/* What a record shows: "accepted" or "submitted" (static). */
const char *cpl_status_name(const compliance_t *cp);

/* The requirements of a country's numbers of a type: one document type
 * per distinct restriction in its inventory (none: unrestricted). */
#define CPL_MAX_DOCS 16
typedef struct {
    char restriction[MODEL_RESTRICTION_SZ];
    char text[MODEL_RESTRICTION_TEXT_SZ];
} cpl_doc_t;
typedef struct {
    char country_iso[3];
    const char *number_type;            /* canonical (static) */
    const char *user_type;              /* "business" or "individual" (static) */
    char requirement_id[IDS_UUID_SZ];   /* stable per country, type and user type */
    cpl_doc_t docs[CPL_MAX_DOCS];
    size_t ndocs;
} cpl_req_t;
/* country_iso and number_type required; user_type NULL: business. */
int cpl_requirements(core_t *c, const char *country_iso, const char *number_type,
                     const char *user_type, cpl_req_t *out, cerr_t *e);

/* Links number to record compliance_id (the compliance_id rule of Number
 * update: an approved record for the number's country and type). */
int cpl_link(core_t *c, const account_t *caller, const char *number, const char *compliance_id,
             cerr_t *e);

#endif
