/* invgen_data.h -- private tables behind invgen.c (not a public API).
 *
 * NANP countries (US, CA) are described by area codes; every other country
 * by "ranges": a fixed run of leading national digits followed by free
 * digits up to a fixed national significant number (NSN) length.  Within a
 * country no range lead is a prefix of another, so ranges never overlap.
 * All strings are upper case ASCII without commas or quotes, so they can go
 * into a CSV field unquoted.
 */
#ifndef ND_INVGEN_DATA_H
#define ND_INVGEN_DATA_H

#include "util/common.h"

enum ig_type { IG_LOCAL = 0, IG_MOBILE, IG_TOLLFREE, IG_NATIONAL, IG_NTYPES };

#define IG_MAX_RC 6

/* One NANP area code.  lata == 0 marks a toll-free NPA (no city, rate
 * center or LATA); its weight is derived from the country's toll-free
 * share at run time. */
typedef struct {
    uint16_t npa;
    uint16_t lata;
    uint16_t weight;            /* relative size of the area's market */
    const char *city;           /* main city, "" for toll-free */
    const char *region;         /* full state / province name */
    const char *rc[IG_MAX_RC];  /* rate centers, first is the main one; NULL-padded */
} ig_nanp_area;

/* One numbering range outside the NANP. */
typedef struct {
    const char *lead;       /* fixed leading national digits, e.g. "207" */
    uint8_t nsn_len;        /* total national digits, lead included */
    uint8_t lo, hi;         /* allowed values of the first free digit */
    uint8_t prefix_len;     /* digits shown as "prefix"; 0 = strlen(lead) */
    uint8_t type;           /* enum ig_type */
    uint16_t weight;        /* relative share within the country */
    const char *city;       /* "" when not geographic */
    const char *region;     /* NULL = the country name */
} ig_range;

/* Commercial terms for one (country, type). */
typedef struct {
    bool voice, sms, mms;   /* mms also needs a carrier that offers it */
    const char *setup, *monthly, *voice_rate, *sms_rate, *mms_rate;
    const char *restriction;       /* "" or e.g. "city-address" */
    const char *restriction_text;  /* "" when no restriction */
} ig_profile;

typedef struct {
    const char *name;
    bool mms;               /* offers MMS where the profile allows it */
} ig_carrier;

typedef struct {
    const char *iso;            /* "US" */
    const char *cc;             /* calling code digits, "1" */
    const char *name;           /* "UNITED STATES" */
    uint16_t mix_weight;        /* share in the country = NULL mix, percent */
    const ig_nanp_area *nanp;   /* NANP countries, else NULL */
    size_t n_nanp;
    uint16_t tollfree_permille; /* NANP: share of rows from toll-free NPAs */
    const ig_range *ranges;     /* other countries, else NULL */
    size_t n_ranges;
    const ig_profile *profile[IG_NTYPES]; /* NULL for unused types */
} ig_country;

extern const ig_country ig_country_table[];
extern const size_t ig_country_count;

extern const ig_carrier ig_carriers[];
extern const size_t ig_carrier_count;

#endif
