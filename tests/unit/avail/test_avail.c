/* test_avail.c -- the search index (avail/avail.h) against a brute-force
 * count over a plain list of the same rows.
 *
 * Random puts (new numbers, replacements with other attributes), deletes
 * and re-adds (so that the run's deleted marks, the tail and both merges
 * are crossed), then random filters of every kind the index accepts, each
 * count compared with the list's under several caps, and each page (the
 * matching numbers in order, past an offset) with the sorted list's; the
 * same again on an index loaded from the rows in order (the load path).  Names differ in
 * letter case to exercise NOCASE; numbers of different lengths share
 * prefixes to exercise the key order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avail/avail.h"

#define NROWS 12000

typedef struct {
    char number[16];
    const char *country, *type, *sub_type, *region, *city, *rc;
    int caps;
    bool has_lata;
    int32_t lata;
    bool held;
} row_t;

static const char *const countries[] = {"US", "CA", "GB"};
static const char *const types[] = {"local", "national", "mobile", "tollfree", "fixed", "other"};
static const char *const regions[] = {"New York", "NEW YORK", "Ontario", "", "Québec"};
static const char *const cities[] = {"Jersey City", "jersey city", "Toronto", "", "Zürich"};
static const char *const rcs[] = {"JERSEYCITY", "JerseyCity", "TORONTO", "", "NEWARK"};

static uint64_t rnd_state = 88172645463325252ull;
static uint32_t rnd(uint32_t n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (uint32_t)(rnd_state % n);
}

static bool nocase_eq(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a + 32) : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b + 32) : *b;
        if (x != y) return false;
        if (!x) return true;
    }
}

static void random_row(row_t *r)
{
    /* 4-15 digits over a small alphabet: many shared prefixes */
    int len = 4 + (int)rnd(12);
    for (int i = 0; i < len; i++) r->number[i] = (char)('0' + (i == 0 ? 1 + rnd(2) : rnd(4)));
    r->number[len] = '\0';
    r->country = countries[rnd(3)];
    r->type = types[rnd(6)];
    r->sub_type = types[rnd(6)];
    r->region = regions[rnd(5)];
    r->city = cities[rnd(5)];
    r->rc = rcs[rnd(5)];
    r->caps = (int)rnd(8);
    r->has_lata = rnd(4) != 0;
    r->lata = (int32_t)rnd(3) * 100;
}

static row_t rows[NROWS];
static size_t nrows;

static avail_row_t as_avail(const row_t *r)
{
    /* the row's id: its slot in rows[] (a number keeps its slot) */
    avail_row_t a = {r->number, r->country, r->type, r->sub_type, r->region, r->city, r->rc,
                     r->caps, r->has_lata, r->lata, (int64_t)(r - rows) + 1};
    return a;
}

static bool row_matches(const row_t *r, const avail_q_t *q)
{
    if (!r->held || strcmp(r->country, q->country_iso) != 0) return false;
    if (q->prefix && strncmp(r->number, q->prefix, strlen(q->prefix)) != 0) return false;
    if (q->type && strcmp(r->type, q->type) != 0 && strcmp(r->sub_type, q->type) != 0) return false;
    if (q->region && !nocase_eq(r->region, q->region)) return false;
    if (q->city && !nocase_eq(r->city, q->city)) return false;
    if (q->rate_center && !nocase_eq(r->rc, q->rate_center)) return false;
    if (q->by_lata && !(r->has_lata && r->lata == q->lata)) return false;
    if (q->by_lca) {
        if (!nocase_eq(r->rc, q->lca_rc)) return false;
        if (q->lca_has_lata ? !(r->has_lata && r->lata == q->lca_lata) : r->has_lata) return false;
    }
    return (r->caps & q->caps) == q->caps;
}


/* index of the row with this number, or -1 */
static long find_row(const char *number)
{
    for (size_t i = 0; i < nrows; i++)
        if (strcmp(rows[i].number, number) == 0) return (long)i;
    return -1;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static void check_random_queries(avail_t *a, int nq)
{
    static char *match[NROWS];
    static const char *const prefixes[] = {"", "1", "12", "2", "13", "1203", "2000", "10", "3",
                                           "1111111111111111"};
    static const char *const qnames[] = {"jersey city", "JERSEY CITY", "toronto", "", "nowhere",
                                         "québec", "QUÉBEC", "new york", "zürich", "newark", "JerseyCity"};
    for (int k = 0; k < nq; k++) {
        avail_q_t q = {0};
        char pfx[20];
        q.country_iso = rnd(8) == 0 ? "FR" : countries[rnd(3)];
        if (rnd(3) == 0) {
            /* a prefix taken from a held number: ranges of every width */
            const row_t *r = &rows[rnd((uint32_t)nrows)];
            size_t l = 1 + rnd((uint32_t)strlen(r->number));
            memcpy(pfx, r->number, l);
            pfx[l] = '\0';
            q.prefix = pfx;
        } else {
            q.prefix = prefixes[rnd(10)];
        }
        if (!q.prefix[0]) q.prefix = NULL;
        if (rnd(3) == 0) q.type = types[rnd(5)];
        if (rnd(4) == 0) q.region = qnames[rnd(11)];
        if (rnd(4) == 0) q.city = qnames[rnd(11)];
        if (rnd(4) == 0) q.rate_center = qnames[rnd(11)];
        if (rnd(5) == 0) {
            q.by_lata = true;
            q.lata = (int32_t)rnd(4) * 100;
        }
        if (rnd(6) == 0) {
            q.by_lca = true;
            q.lca_rc = qnames[rnd(11)];
            q.lca_has_lata = rnd(2);
            q.lca_lata = (int32_t)rnd(3) * 100;
        }
        q.caps = (int)rnd(8);
        int64_t want = 0;
        for (size_t i = 0; i < nrows; i++)
            if (row_matches(&rows[i], &q)) match[want++] = rows[i].number;
        qsort(match, (size_t)want, sizeof *match, cmp_str);
        for (int t = 0; t < 3; t++) {
            int64_t off = t == 0 ? 0 : rnd(t == 1 ? 30 : 3000);
            int lim = (int)rnd(21);
            char page[AVAIL_PAGE_MAX][AVAIL_NUMBER_SZ];
            uint32_t ids[AVAIL_PAGE_MAX];
            size_t got = 99;
            assert_true(avail_page(a, &q, off, lim, page, ids, &got));
            size_t exp = off >= want ? 0 : (size_t)(want - off < lim ? want - off : lim);
            if (got != exp)
                fail_msg("page size: country %s prefix %s off %lld lim %d: got %zu want %zu", q.country_iso,
                         q.prefix ? q.prefix : "-", (long long)off, lim, got, exp);
            for (size_t w = 0; w < got; w++)
                if (strcmp(page[w], match[off + (int64_t)w]) != 0 ||
                    strcmp(rows[ids[w] - 1].number, page[w]) != 0)
                    fail_msg("page row %zu: country %s prefix %s off %lld: got %s want %s", w, q.country_iso,
                             q.prefix ? q.prefix : "-", (long long)off, page[w], match[off + (int64_t)w]);
        }
        static const int64_t caps[] = {1, 21, 1000, 1000000};
        for (int c = 0; c < 4; c++) {
            int64_t got = -1;
            bool ok = avail_count(a, &q, caps[c], &got);
            assert_true(ok);
            int64_t exp = want < caps[c] ? want : caps[c];
            if (got != exp)
                fail_msg("country %s prefix %s type %s region %s city %s rc %s lata %d:%d lca %d:%s:%d:%d "
                         "caps %d cap %lld: got %lld want %lld",
                         q.country_iso, q.prefix ? q.prefix : "-", q.type ? q.type : "-",
                         q.region ? q.region : "-", q.city ? q.city : "-",
                         q.rate_center ? q.rate_center : "-", q.by_lata, q.lata, q.by_lca,
                         q.lca_rc ? q.lca_rc : "-", q.lca_has_lata, q.lca_lata, q.caps,
                         (long long)caps[c], (long long)got, (long long)exp);
        }
    }
}

static void test_random_against_list(void **state)
{
    (void)state;
    avail_t *a = avail_new();
    avail_seal(a);
    nrows = 0;
    for (int step = 0; step < 40000; step++) {
        uint32_t op = rnd(10);
        if (op < 5 || nrows == 0) {
            row_t r;
            random_row(&r);
            long i = find_row(r.number);
            if (i < 0) {
                if (nrows == NROWS) continue;
                i = (long)nrows++;
            }
            rows[i] = r;
            rows[i].held = true;
            avail_row_t ar = as_avail(&rows[i]);
            assert_int_equal(avail_put(a, &ar), 0);
        } else if (op < 8) {
            row_t *r = &rows[rnd((uint32_t)nrows)];
            r->held = false;
            avail_del(a, r->number);
        } else {
            /* re-add a deleted one, maybe with other attributes */
            row_t *r = &rows[rnd((uint32_t)nrows)];
            if (rnd(2)) {
                char keep[16];
                memcpy(keep, r->number, sizeof keep);
                random_row(r);
                memcpy(r->number, keep, sizeof keep);
            }
            r->held = true;
            avail_row_t ar = as_avail(r);
            assert_int_equal(avail_put(a, &ar), 0);
        }
        if (step % 5000 == 4999) check_random_queries(a, 300);
    }
    avail_stats_t st;
    avail_stats(a, &st);
    size_t held = 0;
    for (size_t i = 0; i < nrows; i++) held += rows[i].held;
    assert_int_equal(st.numbers, held);
    check_random_queries(a, 2000);
    avail_free(a);
    /* the load path: the held rows in number order, then sealed */
    static const row_t *order[NROWS];
    size_t n = 0;
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].held) order[n++] = &rows[i];
    qsort(order, n, sizeof *order, cmp_str); /* number is the first member */
    avail_t *b = avail_new();
    for (size_t i = 0; i < n; i++) {
        avail_row_t ar = as_avail(order[i]);
        assert_int_equal(avail_put(b, &ar), 0);
    }
    int64_t dummy;
    avail_q_t any = {.country_iso = "US"};
    assert_false(avail_count(b, &any, 10, &dummy)); /* nothing before the seal */
    avail_seal(b);
    avail_stats(b, &st);
    assert_int_equal(st.numbers, held);
    check_random_queries(b, 2000);
    avail_free(b);
}

static void test_refusals_and_edges(void **state)
{
    (void)state;
    avail_t *a = avail_new();
    avail_seal(a);
    avail_row_t r = {"14155550100", "US", "fixed", "local", "CA", "San Francisco", "SNFC", 3, true, 722, 1};
    assert_int_equal(avail_put(a, &r), 0);
    int64_t n = -1;
    avail_q_t q = {.country_iso = "US", .glob = "1415*"};
    assert_false(avail_count(a, &q, 1000, &n)); /* a pattern: SQL's */
    q.glob = NULL;
    q.type = "landline";                        /* not one of the five */
    assert_false(avail_count(a, &q, 1000, &n));
    q.type = NULL;
    q.prefix = "14155550100";                   /* the whole number is its own prefix */
    assert_true(avail_count(a, &q, 1000, &n));
    assert_int_equal(n, 1);
    q.prefix = "141555501000";                  /* longer: not it */
    assert_true(avail_count(a, &q, 1000, &n));
    assert_int_equal(n, 0);
    q.prefix = "1415555010000000";              /* longer than any number */
    assert_true(avail_count(a, &q, 1000, &n));
    assert_int_equal(n, 0);
    q.prefix = NULL;
    q.rate_center = "snfc";                     /* NOCASE */
    assert_true(avail_count(a, &q, 1000, &n));
    assert_int_equal(n, 1);
    q.rate_center = NULL;
    q.type = "local";                           /* the sub_type counts */
    assert_true(avail_count(a, &q, 1000, &n));
    assert_int_equal(n, 1);
    /* a number that cannot be held leaves the index unusable */
    avail_row_t bad = r;
    bad.number = "1415555010x";
    assert_int_equal(avail_put(a, &bad), -1);
    assert_false(avail_usable(a));
    assert_false(avail_count(a, &q, 1000, &n));
    avail_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refusals_and_edges),
        cmocka_unit_test(test_random_against_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
