/* numadd.h -- numbers a customer brings from its own carrier, or manual
 * ones (API.md §2.3 "add numbers", §3.2): all or nothing (numadd.c). */
#ifndef ND_NUMADD_H
#define ND_NUMADD_H

#include "core/core.h"

#define NUMADD_MAX 100

typedef struct {
    const char *const *numbers;  /* as given ('+' optional) */
    size_t n;                    /* 1..NUMADD_MAX */
    const char *carrier;         /* a carrier ref, or NULL: a manual number */
    const char *region;          /* NULL: the number's country */
    const char *number_type;     /* NULL: tollfree for NANP toll-free codes, else local */
    const char *app_id;          /* NULL: the account's default application */
    const char *subaccount;      /* main accounts only */
    const char *label;           /* BYOC label, up to 100 characters */
} numadd_in_t;

typedef struct {
    size_t index;                /* position in numbers[] */
    char number[24];             /* as given (cut) */
    const char *why;             /* static text */
} numadd_fault_t;

/* Adds numbers from the caller's carrier (or manual ones), all or
 * nothing in one transaction.  When any number cannot be added,
 * CE_INVALID with faults[0..*nfaults) naming each (faults has room for
 * in->n).  out (room for in->n, may be NULL) gets the added numbers. */
int num_add(core_t *c, const account_t *caller, const numadd_in_t *in, numadd_fault_t *faults,
            size_t *nfaults, owned_number_t *out, cerr_t *e);

#endif
