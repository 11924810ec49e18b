/* sqlshared.c -- see sqlshared.h. */
#include "store/sqlshared.h"

#include <stdio.h>

void sqls_prefix_hi(const char *p, char *out, size_t sz)
{
    snprintf(out, sz, "%s:", p);
}

int sqls_caps(const inv_number_t *v)
{
    return (v->voice ? 1 : 0) | (v->sms ? 2 : 0) | (v->mms ? 4 : 0);
}
