/* avail.h -- the search index: every available inventory number, in
 * memory, for the count of a number search (issue 20 item 2).
 *
 * Why: a search's total_count (exact up to SEARCH_COUNT_CAP) stepped
 * through up to a thousand index entries in SQL on every request -- 40 %
 * of a search's cost (measured: the count capped at the page instead:
 * 10,500 -> 17,300 searches/s) -- and its page needed one partial index per
 * filter (nine of them), which every import row and every purchase paid
 * for.  Here the count is a binary search and a walk over a packed array
 * (a prefix) or a sum of per-place counters (no prefix), and the page is
 * the numbers themselves, in order; SQL then reads those rows by number.
 *
 * What it holds, per number: a 64-bit key (the digits, one nibble each,
 * left-aligned, so that the keys sort as the text does and a prefix is one
 * key range; the services in the low bits), a 32-bit place (an id of the
 * (country, region, city, rate center, LATA) tuple, and the number's
 * types as five bits), its row's id, and its position in its place's list
 * -- 20 bytes a number.  Places are few (1,020 in 1,000,000 generated US numbers); each
 * keeps its numbers' positions in number order (a search by rate center,
 * city, region or LATA merges those lists) and how many of its numbers
 * have each (types, services) combination (a count without a prefix sums
 * those).
 *
 * Exactness: avail_count answers what the SQL count (sqlwhere.c's
 * sqlw_search, capped) would, for every filter it accepts; it refuses
 * (false) what it cannot answer the same way -- a pattern with wildcards
 * (q->glob), a type outside the five, a prefix walk longer than its
 * budget -- and the caller counts in SQL.  Region, city and rate center
 * compare as SQLite's NOCASE does (ASCII letters folded, nothing else).
 * Keeping the index equal to the table is the store's business
 * (store/sqlite/avail.c).
 *
 * Not thread-safe: the caller reads under a shared lock and edits under an
 * exclusive one.  Ownership: avail_new's result is the caller's (avail_free);
 * avail_put copies what it keeps from the row.
 */
#ifndef ND_AVAIL_H
#define ND_AVAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct avail avail_t;

/* One available number, as the table has it. */
typedef struct {
    const char *number;       /* E.164 digits, 1-15 of them */
    const char *country_iso;
    const char *type, *sub_type;
    const char *region, *city, *rate_center;
    int caps;                 /* voice 1 | sms 2 | mms 4 */
    bool has_lata;            /* false: lata IS NULL */
    int32_t lata;
    int64_t id;               /* the row's id (1 .. 2^32 - 1): pages are read by it */
} avail_row_t;

/* A search's filters (search_q_t's, with its local calling area looked up). */
typedef struct {
    const char *country_iso;
    const char *prefix;       /* "" or NULL: none; digits, cc included */
    const char *glob;         /* "" or NULL: none (a glob is refused) */
    const char *type;         /* NULL: none; matches type or sub_type */
    const char *region, *city, *rate_center; /* NULL: none */
    bool by_lata;
    int32_t lata;
    bool by_lca;              /* the local calling area: rate center lca_rc, */
    const char *lca_rc;       /* and LATA lca_lata, or no LATA when !lca_has_lata */
    bool lca_has_lata;
    int32_t lca_lata;
    int caps;                 /* all of these services */
} avail_q_t;

typedef struct {
    size_t numbers;           /* available numbers held */
    size_t places;
    size_t bytes;             /* memory held */
} avail_stats_t;

/* A new, empty index in loading mode: puts in number order are appended;
 * avail_seal ends the load (nothing is answered before it). */
avail_t *avail_new(void);
void avail_seal(avail_t *a);
void avail_free(avail_t *a);

/* Adds the number, or replaces what is held for it.  C_ERR when the row
 * cannot be held (digits that are not 1-15 decimal digits, a caps out of
 * 0-7, more places than the index has ids for): the index is then
 * unusable (avail_usable false) until rebuilt. */
int avail_put(avail_t *a, const avail_row_t *r);
/* Removes the number if it is held (nothing otherwise). */
void avail_del(avail_t *a, const char *number);

/* *out = min(matches, cap); false: not answered (the caller counts in SQL). */
bool avail_count(const avail_t *a, const avail_q_t *q, int64_t cap, int64_t *out);

/* The page: the matching numbers, in number order, past the first
 * `offset` of them, at most limit (<= AVAIL_PAGE_MAX) into out, and their
 * rows' ids into ids (unless NULL); *n how many.  false: not answered
 * (SQL's). */
#define AVAIL_PAGE_MAX 32
#define AVAIL_NUMBER_SZ 16
bool avail_page(const avail_t *a, const avail_q_t *q, int64_t offset, int limit,
                char (*out)[AVAIL_NUMBER_SZ], uint32_t *ids, size_t *n);

bool avail_usable(const avail_t *a);
void avail_stats(const avail_t *a, avail_stats_t *out);

#endif
