/* test_invgen.c -- synthetic inventory generator: format, numbering-plan
 * rules, uniqueness, determinism, errors, and the data tables. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/invgen.h"
#include "core/invgen_data.h"

#define NFIELDS 20

static const char HEADER[] =
    "number,country_iso,type,sub_type,prefix,city,region,rate_center,lata,"
    "voice_enabled,sms_enabled,mms_enabled,setup_rate,monthly_rental_rate,"
    "voice_rate,sms_rate,mms_rate,restriction,restriction_text,carrier";

enum {
    F_NUMBER, F_ISO, F_TYPE, F_SUBTYPE, F_PREFIX, F_CITY, F_REGION, F_RC, F_LATA,
    F_VOICE, F_SMS, F_MMS, F_SETUP, F_MONTHLY, F_VOICE_RATE, F_SMS_RATE, F_MMS_RATE,
    F_RESTRICTION, F_RESTRICTION_TEXT, F_CARRIER
};

/* ---- helpers -------------------------------------------------------- */

static char *generate(const char *country, uint64_t count, uint64_t seed, size_t *len)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    const char *err = NULL;
    assert_int_equal(invgen_write(f, country, count, seed, &err), C_OK);
    assert_int_equal(fclose(f), 0);
    *len = n;
    return buf;
}

static const char *cc_of(const char *iso)
{
    static const char *const map[][2] = {
        {"US", "1"}, {"CA", "1"}, {"GB", "44"}, {"DE", "49"},
        {"FR", "33"}, {"NL", "31"}, {"AU", "61"},
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(map); i++)
        if (strcmp(map[i][0], iso) == 0) return map[i][1];
    return NULL;
}

static bool is_money(const char *s)
{
    const char *dot = strchr(s, '.');
    if (dot == NULL || dot == s || strlen(dot + 1) != 5) return false;
    if (!nd_all_digits(s, (size_t)(dot - s))) return false;
    return nd_all_digits(dot + 1, 5);
}

static bool is_bool(const char *s)
{
    return strcmp(s, "true") == 0 || strcmp(s, "false") == 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Per-run statistics collected by check_output(). */
typedef struct {
    size_t rows;
    size_t by_type[4];   /* local, mobile, tollfree, national */
    size_t by_country[7];
} stats_t;

static size_t country_index(const char *iso)
{
    for (size_t i = 0; invgen_countries[i]; i++)
        if (strcmp(invgen_countries[i], iso) == 0) return i;
    fail_msg("unexpected country %s", iso);
    return 0;
}

static void check_nanp(char **f, size_t row)
{
    const char *n = f[F_NUMBER];
    assert_int_equal(strlen(n), 11);
    assert_true(n[0] == '1');
    /* NPA and NXX start with 2-9; NXX is not N11 nor 555. */
    assert_true(n[1] >= '2' && n[1] <= '9');
    assert_true(n[4] >= '2' && n[4] <= '9');
    if (n[5] == '1' && n[6] == '1') fail_msg("row %zu: N11 exchange in %s", row, n);
    if (memcmp(n + 4, "555", 3) == 0) fail_msg("row %zu: 555 exchange in %s", row, n);
    assert_int_equal(strncmp(f[F_PREFIX], n + 1, 3), 0);
    assert_int_equal(strlen(f[F_PREFIX]), 3);
    assert_string_equal(f[F_RESTRICTION], "");
    if (strcmp(f[F_TYPE], "tollfree") == 0) {
        static const char *const tf[] = {"800", "833", "844", "855", "866", "877", "888"};
        bool ok = false;
        for (size_t i = 0; i < ND_ARRAY_LEN(tf); i++) ok |= memcmp(n + 1, tf[i], 3) == 0;
        if (!ok) fail_msg("row %zu: toll-free row with NPA %.3s", row, n + 1);
        assert_string_equal(f[F_ISO], "US");
        assert_string_equal(f[F_LATA], "");
        assert_string_equal(f[F_RC], "");
        assert_string_equal(f[F_CITY], "");
    } else {
        assert_string_equal(f[F_TYPE], "fixed");
        assert_string_equal(f[F_SUBTYPE], "local");
        if (strlen(f[F_LATA]) != 3 || !nd_all_digits(f[F_LATA], 3))
            fail_msg("row %zu: bad lata '%s'", row, f[F_LATA]);
        size_t rcl = strlen(f[F_RC]);
        if (rcl == 0 || rcl > 10) fail_msg("row %zu: bad rate center '%s'", row, f[F_RC]);
        assert_true(f[F_CITY][0] != '\0');
        assert_true(f[F_REGION][0] != '\0');
    }
}

/* National significant number lengths per country (min, max). */
static void nsn_bounds(const char *iso, size_t *lo, size_t *hi)
{
    if (strcmp(iso, "GB") == 0) { *lo = 10; *hi = 10; }
    else if (strcmp(iso, "DE") == 0) { *lo = 10; *hi = 11; }
    else if (strcmp(iso, "FR") == 0) { *lo = 9; *hi = 9; }
    else if (strcmp(iso, "NL") == 0) { *lo = 9; *hi = 10; }
    else if (strcmp(iso, "AU") == 0) { *lo = 9; *hi = 10; }
    else { *lo = 10; *hi = 10; }
}

static void check_restriction(char **f)
{
    const char *iso = f[F_ISO], *st = f[F_SUBTYPE], *r = f[F_RESTRICTION];
    bool local = strcmp(st, "local") == 0;
    if (strcmp(iso, "DE") == 0 && local) assert_string_equal(r, "city-address");
    if (strcmp(iso, "AU") == 0 && local) assert_string_equal(r, "city-address");
    if (strcmp(iso, "FR") == 0) assert_string_equal(r, "country-address");
    if (strcmp(iso, "NL") == 0 && local) assert_string_equal(r, "country-address");
    if (strcmp(iso, "GB") == 0 && strcmp(st, "mobile") == 0) assert_string_equal(r, "");
    /* text present exactly when a restriction is */
    assert_int_equal(r[0] == '\0', f[F_RESTRICTION_TEXT][0] == '\0');
}

static void check_row(char **f, const char *want_iso, size_t row)
{
    const char *n = f[F_NUMBER];
    size_t len = strlen(n);
    if (len < 8 || len > 15 || !nd_all_digits(n, len))
        fail_msg("row %zu: bad number '%s'", row, n);
    if (want_iso) assert_string_equal(f[F_ISO], want_iso);
    const char *cc = cc_of(f[F_ISO]);
    assert_non_null(cc);
    size_t ccl = strlen(cc);
    if (strncmp(n, cc, ccl) != 0) fail_msg("row %zu: %s lacks prefix %s", row, n, cc);

    /* type / sub_type pairs */
    const char *t = f[F_TYPE], *st = f[F_SUBTYPE];
    bool ok = (strcmp(t, "fixed") == 0 && (strcmp(st, "local") == 0 || strcmp(st, "national") == 0)) ||
              (strcmp(t, "mobile") == 0 && strcmp(st, "mobile") == 0) ||
              (strcmp(t, "tollfree") == 0 && strcmp(st, "tollfree") == 0);
    if (!ok) fail_msg("row %zu: bad type pair %s/%s", row, t, st);

    /* prefix is the start of the national number */
    size_t pl = strlen(f[F_PREFIX]);
    assert_true(pl >= 1);
    if (strncmp(f[F_PREFIX], n + ccl, pl) != 0)
        fail_msg("row %zu: prefix %s does not start %s", row, f[F_PREFIX], n + ccl);

    assert_true(is_bool(f[F_VOICE]));
    assert_true(is_bool(f[F_SMS]));
    assert_true(is_bool(f[F_MMS]));
    assert_true(is_money(f[F_SETUP]));
    assert_true(is_money(f[F_MONTHLY]));
    static const int flag[3] = {F_VOICE, F_SMS, F_MMS};
    static const int rate[3] = {F_VOICE_RATE, F_SMS_RATE, F_MMS_RATE};
    for (int i = 0; i < 3; i++) {
        const char *v = f[rate[i]];
        if (strcmp(f[flag[i]], "true") == 0) {
            if (!is_money(v)) fail_msg("row %zu: rate '%s' not a 5-decimal amount", row, v);
        } else {
            assert_string_equal(v, "");
        }
    }
    assert_true(strcmp(f[F_CARRIER], "upstream-a") == 0 || strcmp(f[F_CARRIER], "upstream-b") == 0 ||
                strcmp(f[F_CARRIER], "telco-wholesale") == 0);
    assert_true(f[F_REGION][0] != '\0');

    if (strcmp(cc, "1") == 0) {
        check_nanp(f, row);
    } else {
        size_t lo, hi;
        nsn_bounds(f[F_ISO], &lo, &hi);
        if (len - ccl < lo || len - ccl > hi) fail_msg("row %zu: %s has a bad length", row, n);
        assert_string_equal(f[F_RC], "");
        assert_string_equal(f[F_LATA], "");
        if (strcmp(st, "local") == 0) assert_true(f[F_CITY][0] != '\0');
        else assert_string_equal(f[F_CITY], "");
        if (strcmp(f[F_ISO], "GB") == 0 && strcmp(t, "mobile") == 0) {
            assert_true(n[2] == '7' && n[3] >= '4' && n[3] <= '9');
            assert_int_equal(pl, 4);
        }
    }
    check_restriction(f);
}

/* Parses a whole generated document, checks every row and uniqueness.
 * Returns the row count through st. */
static void check_output(char *buf, size_t len, const char *want_iso, uint64_t count, stats_t *st)
{
    memset(st, 0, sizeof *st);
    assert_true(len > sizeof HEADER);
    assert_int_equal(memcmp(buf, HEADER, sizeof HEADER - 1), 0);
    assert_int_equal(buf[sizeof HEADER - 1], '\n');
    assert_int_equal(buf[len - 1], '\n');

    uint64_t *nums = malloc(count * sizeof *nums);
    assert_non_null(nums);
    char *p = buf + sizeof HEADER;
    char *end = buf + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        assert_non_null(nl);
        *nl = '\0';
        char *f[NFIELDS];
        size_t nf = 0;
        for (char *q = p;; q++) {
            if (nf == NFIELDS) fail_msg("row %zu: too many fields", st->rows);
            f[nf++] = q;
            q = strchr(q, ',');
            if (q == NULL) break;
            *q = '\0';
        }
        if (nf != NFIELDS) fail_msg("row %zu: %zu fields", st->rows, nf);
        check_row(f, want_iso, st->rows);
        assert_true(st->rows < count);
        nums[st->rows] = strtoull(f[F_NUMBER], NULL, 10);
        st->by_country[country_index(f[F_ISO])]++;
        const char *sub = f[F_SUBTYPE];
        st->by_type[strcmp(sub, "local") == 0 ? 0 : strcmp(sub, "mobile") == 0 ? 1
                    : strcmp(sub, "tollfree") == 0 ? 2 : 3]++;
        st->rows++;
        p = nl + 1;
    }
    assert_int_equal(st->rows, count);
    qsort(nums, count, sizeof *nums, cmp_u64);
    for (size_t i = 1; i < count; i++)
        if (nums[i] == nums[i - 1]) fail_msg("duplicate number %llu", (unsigned long long)nums[i]);
    free(nums);
}

static void run_country(const char *iso, uint64_t count, stats_t *st)
{
    size_t len;
    char *buf = generate(iso, count, 20240601, &len);
    check_output(buf, len, iso, count, st);
    free(buf);
}

/* ---- tests ---------------------------------------------------------- */

static void test_countries_list(void **state)
{
    (void)state;
    static const char *const want[] = {"US", "CA", "GB", "DE", "FR", "NL", "AU"};
    size_t i = 0;
    for (; invgen_countries[i]; i++) {
        assert_true(i < ND_ARRAY_LEN(want));
        assert_string_equal(invgen_countries[i], want[i]);
    }
    assert_int_equal(i, ND_ARRAY_LEN(want));
}

static void test_us(void **state)
{
    (void)state;
    stats_t st;
    run_country("US", 20000, &st);
    /* toll-free is a small slice (about 6.5 %), the rest local */
    assert_true(st.by_type[2] >= 20000 * 3 / 100 && st.by_type[2] <= 20000 * 10 / 100);
    assert_int_equal(st.by_type[0] + st.by_type[2], 20000);
}

static void test_ca(void **state)
{
    (void)state;
    stats_t st;
    run_country("CA", 5000, &st);
    assert_int_equal(st.by_type[0], 5000);
}

static void test_gb(void **state)
{
    (void)state;
    stats_t st;
    run_country("GB", 5000, &st);
    for (int t = 0; t < 4; t++) assert_true(st.by_type[t] > 0);
}

static void test_de(void **state)
{
    (void)state;
    stats_t st;
    run_country("DE", 5000, &st);
    for (int t = 0; t < 3; t++) assert_true(st.by_type[t] > 0);
    assert_int_equal(st.by_type[3], 0);
}

static void test_fr_nl_au(void **state)
{
    (void)state;
    static const char *const isos[] = {"FR", "NL", "AU"};
    for (size_t i = 0; i < ND_ARRAY_LEN(isos); i++) {
        stats_t st;
        run_country(isos[i], 5000, &st);
        for (int t = 0; t < 4; t++) assert_true(st.by_type[t] > 0);
    }
}

static void test_mix(void **state)
{
    (void)state;
    stats_t st;
    size_t len;
    char *buf = generate(NULL, 20000, 7, &len);
    check_output(buf, len, NULL, 20000, &st);
    free(buf);
    /* about 70 % US, 10 % CA, the rest spread over the five others */
    assert_true(st.by_country[0] > 20000 * 62 / 100 && st.by_country[0] < 20000 * 78 / 100);
    assert_true(st.by_country[1] > 20000 * 6 / 100 && st.by_country[1] < 20000 * 14 / 100);
    for (int i = 2; i < 7; i++) assert_true(st.by_country[i] > 20000 / 100);
}

static void test_unique_large(void **state)
{
    (void)state;
    stats_t st;
    run_country("US", 300000, &st);
    run_country("AU", 100000, &st);
}

static void test_count_one(void **state)
{
    (void)state;
    stats_t st;
    run_country("NL", 1, &st);
    assert_int_equal(st.rows, 1);
}

static void test_deterministic(void **state)
{
    (void)state;
    size_t l1, l2, l3, l4;
    char *a = generate(NULL, 3000, 99, &l1);
    char *b = generate(NULL, 3000, 99, &l2);
    char *c = generate(NULL, 3000, 100, &l3);
    assert_int_equal(l1, l2);
    assert_memory_equal(a, b, l1);
    assert_true(l1 != l3 || memcmp(a, c, l1) != 0);
    free(a);
    free(b);
    free(c);

    /* country codes are case-insensitive */
    a = generate("US", 500, 5, &l1);
    b = generate("us", 500, 5, &l4);
    assert_int_equal(l1, l4);
    assert_memory_equal(a, b, l1);
    free(a);
    free(b);
}

static void test_errors(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    assert_non_null(f);
    const char *err = NULL;
    static const char *const bad[] = {"XX", "", "USA", "U"};
    for (size_t i = 0; i < ND_ARRAY_LEN(bad); i++) {
        err = NULL;
        assert_int_equal(invgen_write(f, bad[i], 10, 1, &err), C_ERR);
        assert_non_null(err);
        assert_string_equal(err, "unknown country for generate (known: US CA GB DE FR NL AU)");
    }
    err = NULL;
    assert_int_equal(invgen_write(f, "US", 0, 1, &err), C_ERR);
    assert_string_equal(err, "count must be at least 1");
    err = NULL;
    assert_int_equal(invgen_write(f, NULL, 0, 1, &err), C_ERR);
    assert_string_equal(err, "count must be at least 1");
    assert_int_equal(fclose(f), 0);
    assert_int_equal(n, 0); /* nothing written on argument errors */
    free(buf);
}

static void test_write_error(void **state)
{
    (void)state;
    const char *err = NULL;
    /* a stream opened for reading rejects writes */
    FILE *f = fopen("/dev/null", "r");
    assert_non_null(f);
    assert_int_equal(invgen_write(f, "GB", 100, 1, &err), C_ERR);
    assert_string_equal(err, "write error");
    fclose(f);

    /* a full device fails when the data reaches it */
    f = fopen("/dev/full", "w");
    if (f != NULL) {
        err = NULL;
        assert_int_equal(invgen_write(f, NULL, 50000, 1, &err), C_ERR);
        assert_string_equal(err, "write error");
        fclose(f);
    }
}

static bool clean_text(const char *s)
{
    for (; *s; s++)
        if (*s == ',' || *s == '"' || *s == '\n' || *s == '\r' || (unsigned char)*s >= 0x80) return false;
    return true;
}

static void test_data_tables(void **state)
{
    (void)state;
    assert_int_equal(ig_country_count, 7);
    uint16_t seen[1000] = {0};
    size_t us_geo = 0, us_tf = 0, ca_geo = 0;
    for (size_t ci = 0; ci < ig_country_count; ci++) {
        const ig_country *c = &ig_country_table[ci];
        assert_string_equal(c->iso, invgen_countries[ci]);
        assert_true(clean_text(c->name));
        for (int t = 0; t < IG_NTYPES; t++) {
            const ig_profile *p = c->profile[t];
            if (p == NULL) continue;
            assert_true(is_money(p->setup) && is_money(p->monthly) && is_money(p->voice_rate));
            if (p->sms) assert_true(is_money(p->sms_rate));
            if (p->mms) assert_true(is_money(p->mms_rate));
            assert_true(clean_text(p->restriction) && clean_text(p->restriction_text));
        }
        for (size_t i = 0; i < c->n_nanp; i++) {
            const ig_nanp_area *a = &c->nanp[i];
            if (a->npa < 200 || a->npa > 999 || a->npa % 100 == 11)
                fail_msg("bad NPA %u", a->npa);
            if (seen[a->npa]++) fail_msg("NPA %u listed twice", a->npa);
            assert_true(clean_text(a->city) && clean_text(a->region));
            if (a->lata == 0) {
                assert_string_equal(c->iso, "US");
                assert_null(a->rc[0]);
                us_tf++;
                continue;
            }
            assert_true(a->lata >= 100 && a->lata <= 999 && a->weight > 0);
            assert_true(a->city[0] && a->region[0]);
            size_t nrc = 0;
            while (nrc < IG_MAX_RC && a->rc[nrc]) {
                size_t l = strlen(a->rc[nrc]);
                if (l == 0 || l > 10 || !clean_text(a->rc[nrc]))
                    fail_msg("NPA %u: bad rate center '%s'", a->npa, a->rc[nrc]);
                for (size_t k = 0; k < l; k++) assert_true(a->rc[nrc][k] == nd_toupper(a->rc[nrc][k]));
                nrc++;
            }
            if (nrc < 2) fail_msg("NPA %u: %zu rate centers", a->npa, nrc);
            if (strcmp(c->iso, "US") == 0) us_geo++;
            else ca_geo++;
        }
        for (size_t i = 0; i < c->n_ranges; i++) {
            const ig_range *r = &c->ranges[i];
            size_t ll = strlen(r->lead);
            assert_true(nd_all_digits(r->lead, ll) && ll >= 1 && ll < r->nsn_len);
            assert_true(r->lo <= r->hi && r->hi <= 9 && r->weight > 0);
            assert_true(strlen(c->cc) + r->nsn_len >= 8 && strlen(c->cc) + r->nsn_len <= 15);
            assert_true(r->prefix_len < r->nsn_len);
            assert_non_null(c->profile[r->type]);
            assert_true(clean_text(r->city) && (r->region == NULL || clean_text(r->region)));
            assert_int_equal(r->type == IG_LOCAL, r->city[0] != '\0');
            /* ranges of one country never overlap */
            for (size_t j = 0; j < c->n_ranges; j++) {
                if (j == i) continue;
                const char *o = c->ranges[j].lead;
                size_t ol = strlen(o);
                if (ol >= ll && strncmp(o, r->lead, ll) == 0)
                    fail_msg("%s: lead %s is a prefix of %s", c->iso, r->lead, o);
            }
        }
    }
    assert_true(us_geo >= 150);
    assert_int_equal(us_tf, 7);
    assert_true(ca_geo >= 25);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_countries_list),
        cmocka_unit_test(test_data_tables),
        cmocka_unit_test(test_us),
        cmocka_unit_test(test_ca),
        cmocka_unit_test(test_gb),
        cmocka_unit_test(test_de),
        cmocka_unit_test(test_fr_nl_au),
        cmocka_unit_test(test_mix),
        cmocka_unit_test(test_unique_large),
        cmocka_unit_test(test_count_one),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
