/* test_sqlwhere.c -- the WHERE builder of number_search / number_list
 * (store/sqlwhere.c) and the shared helpers (store/sqlshared.c): the exact
 * SQL text of each dialect, and that the recorded values follow the
 * placeholders one for one, in order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlshared.h"
#include "store/sqlwhere.h"

static void assert_text(const sqlw_t *w, size_t i, const char *want)
{
    assert_true(i < w->n);
    assert_int_equal(w->v[i].kind, SQLW_TEXT);
    assert_string_equal(w->v[i].text, want);
}

static void assert_int_val(const sqlw_t *w, size_t i, int64_t want)
{
    assert_true(i < w->n);
    assert_int_equal(w->v[i].kind, SQLW_INT);
    assert_int_equal(w->v[i].i, want);
}

static search_q_t full_search(void)
{
    search_q_t q;
    memset(&q, 0, sizeof q);
    strcpy(q.country_iso, "US");
    q.type = "local";
    strcpy(q.prefix, "1415");
    strcpy(q.glob, "1415[0-9]*9");
    q.region = "California";
    q.city = "San Francisco";
    q.rate_center = "SNFC CA";
    q.caps = 3;
    q.lata = 722;
    q.limit = 20;
    q.offset = 40;
    return q;
}

static void test_search_minimal(void **state)
{
    (void)state;
    search_q_t q;
    memset(&q, 0, sizeof q);
    strcpy(q.country_iso, "GB");
    q.lata = -1;
    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_search(&w, &q, NULL);
    assert_string_equal(w.sql.data, "WHERE state = 0 AND country_iso = ?1");
    assert_int_equal(w.n, 1);
    assert_text(&w, 0, "GB");
    sqlw_free(&w);
    assert_int_equal(w.n, 0);
}

static void test_search_all_sqlite(void **state)
{
    (void)state;
    search_q_t q = full_search();
    sqlw_lca_t lca = {.rc = "SNFC CA", .lata = 722, .have = true};
    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_search(&w, &q, &lca);
    assert_string_equal(w.sql.data,
                        "WHERE state = 0 AND country_iso = ?1 AND number >= ?2 AND number < ?3"
                        " AND number GLOB ?4 AND (type = 'local' OR sub_type = 'local')"
                        " AND region = ?5 AND city = ?6 AND rate_center = ?7 AND lata = ?8"
                        " AND rate_center = ?9 AND lata = ?10 AND (caps & 3) = 3");
    assert_int_equal(w.n, 10);
    assert_text(&w, 0, "US");
    assert_text(&w, 1, "1415");
    assert_text(&w, 2, "1415:");
    assert_text(&w, 3, "1415[0-9]*9");
    assert_text(&w, 4, "California");
    assert_text(&w, 5, "San Francisco");
    assert_text(&w, 6, "SNFC CA");
    assert_int_val(&w, 7, 722);
    assert_text(&w, 8, "SNFC CA");
    assert_int_val(&w, 9, 722);

    /* values after the clause continue the numbering */
    buf_t tail = BUF_INIT;
    buf_puts(&tail, "LIMIT ");
    assert_int_equal(sqlw_param(&w, &tail, 20), 11);
    buf_puts(&tail, " OFFSET ");
    assert_int_equal(sqlw_param(&w, &tail, 40), 12);
    assert_string_equal(tail.data, "LIMIT ?11 OFFSET ?12");
    assert_int_val(&w, 10, 20);
    assert_int_val(&w, 11, 40);
    buf_free(&tail);
    sqlw_free(&w);
}

static void test_search_all_postgres(void **state)
{
    (void)state;
    search_q_t q = full_search();
    /* a rate center without a LATA: "lata IS NULL", no value */
    sqlw_lca_t lca = {.rc = "SNFC CA", .lata = -1, .have = true};
    sqlw_t w;
    sqlw_init(&w, &sqlw_postgres);
    sqlw_search(&w, &q, &lca);
    assert_string_equal(
        w.sql.data,
        "WHERE state = 0 AND country_iso = $1 AND number >= $2 AND number < $3"
        " AND number ~ $4 AND (type = 'local' OR sub_type = 'local')"
        " AND lower(region) = lower($5::text COLLATE \"C\")"
        " AND lower(city) = lower($6::text COLLATE \"C\")"
        " AND lower(rate_center) = lower($7::text COLLATE \"C\") AND lata = $8"
        " AND lower(rate_center) = lower($9::text COLLATE \"C\") AND lata IS NULL"
        " AND (caps & 3) = 3");
    assert_int_equal(w.n, 9);
    assert_text(&w, 3, "^1415[0-9].*9$"); /* the GLOB as an anchored regex */
    assert_int_val(&w, 7, 722);
    assert_text(&w, 8, "SNFC CA");
    buf_t tail = BUF_INIT;
    assert_int_equal(sqlw_param(&w, &tail, 1000), 10);
    assert_string_equal(tail.data, "$10");
    buf_free(&tail);
    sqlw_free(&w);
}

static void test_search_lca_absent(void **state)
{
    (void)state;
    search_q_t q;
    memset(&q, 0, sizeof q);
    strcpy(q.country_iso, "US");
    q.lata = -1;
    sqlw_lca_t lca = {.have = false};
    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_search(&w, &q, &lca);
    assert_string_equal(w.sql.data, "WHERE state = 0 AND country_iso = ?1");
    sqlw_free(&w);
}

static void test_numlist_all(void **state)
{
    (void)state;
    numlist_q_t q;
    memset(&q, 0, sizeof q);
    q.owner_id = 7;
    q.sub_id = 9;
    q.type = "tollfree";
    q.prefix = "1800";
    q.alias = "desk";
    q.caps = 4;
    q.cnam_lookup = "enabled";
    q.renewal[RENEW_EQ] = "2024-01-01";
    q.renewal[RENEW_GTE] = "2024-02-01";
    q.renewal[RENEW_LT] = "2024-03-01";
    q.tendlc_status = "COMPLETED";
    q.tendlc_campaign = "CMP1";
    q.tf_verification = "VERIFIED";
    q.carrier_id = 12;
    q.by_source = true;
    q.source = SRC_BYOC;
    q.by_state = true;
    q.state = NUM_PENDING;
    for (int d = 0; d < 2; d++) {
        sqlw_t w;
        sqlw_init(&w, d == 0 ? &sqlw_sqlite : &sqlw_postgres);
        sqlw_numlist(&w, &q);
        const char *want =
            d == 0 ? "WHERE n.owner_id = ?1 AND n.state IN (1, 2) AND n.sub_id = ?2"
                     " AND (n.type = 'tollfree' OR n.sub_type = 'tollfree')"
                     " AND n.number >= ?3 AND n.number < ?4 AND n.alias = ?5"
                     " AND (n.caps & 4) = 4 AND COALESCE(NULLIF(n.cnam_lookup, ''), 'disabled') = ?6"
                     " AND n.renewal_date = ?7"
                     " AND n.renewal_date >= ?8 AND n.renewal_date < ?9"
                     " AND COALESCE(NULLIF(n.tendlc_registration_status, ''), CASE WHEN n.country_iso = 'US'"
                     " AND n.sub_type = 'local' THEN 'UNREGISTERED' END) = ?10"
                     " AND n.tendlc_campaign_id = ?11"
                     " AND n.toll_free_sms_verification = ?12 AND n.carrier_id = 12"
                     " AND n.source = 1 AND n.state = 2"
                   : "WHERE n.owner_id = $1 AND n.state IN (1, 2) AND n.sub_id = $2"
                     " AND (n.type = 'tollfree' OR n.sub_type = 'tollfree')"
                     " AND n.number >= $3 AND n.number < $4 AND n.alias = $5"
                     " AND (n.caps & 4) = 4 AND COALESCE(NULLIF(n.cnam_lookup, ''), 'disabled') = $6"
                     " AND n.renewal_date = $7"
                     " AND n.renewal_date >= $8 AND n.renewal_date < $9"
                     " AND COALESCE(NULLIF(n.tendlc_registration_status, ''), CASE WHEN n.country_iso = 'US'"
                     " AND n.sub_type = 'local' THEN 'UNREGISTERED' END) = $10"
                     " AND n.tendlc_campaign_id = $11"
                     " AND n.toll_free_sms_verification = $12 AND n.carrier_id = 12"
                     " AND n.source = 1 AND n.state = 2";
        assert_string_equal(w.sql.data, want);
        assert_int_equal(w.n, 12);
        assert_int_val(&w, 0, 7);
        assert_int_val(&w, 1, 9);
        assert_text(&w, 2, "1800");
        assert_text(&w, 3, "1800:");
        assert_text(&w, 4, "desk");
        assert_text(&w, 5, "enabled");
        assert_text(&w, 6, "2024-01-01");
        assert_text(&w, 7, "2024-02-01");
        assert_text(&w, 8, "2024-03-01");
        assert_text(&w, 9, "COMPLETED");
        assert_text(&w, 10, "CMP1");
        assert_text(&w, 11, "VERIFIED");
        sqlw_free(&w);
    }
}

/* A list of owner 3's subaccount 5's local numbers (the counter tests'). */
static numlist_q_t owner_sub_local(void)
{
    numlist_q_t q;
    memset(&q, 0, sizeof q);
    q.owner_id = 3;
    q.sub_id = 5;
    q.type = "local";
    return q;
}

/* The counters' statement with the range's total beside the filtered
 * one (the PostgreSQL list's choice of plan, store/postgres/owned.c):
 * the filters go into the first sum's FILTER, the range (owner,
 * subaccount) into the WHERE; none the counters do not serve. */
static void test_numlist_count_range(void **state)
{
    (void)state;
    numlist_q_t q = owner_sub_local();
    q.caps = 2;
    for (int d = 0; d < 2; d++) {
        sqlw_t w;
        buf_t count = BUF_INIT;
        sqlw_init(&w, d == 0 ? &sqlw_sqlite : &sqlw_postgres);
        sqlw_numlist(&w, &q);
        char *where = strdup(w.sql.data);
        assert_true(sqlw_numlist_count_range(&w, &q, &count));
        assert_string_equal(w.sql.data, where); /* the page's clause is untouched */
        free(where);
        assert_string_equal(count.data,
                            d == 0 ? "SELECT CAST(coalesce(sum(c.n) FILTER (WHERE (c.type = 'local' OR "
                                     "c.sub_type = 'local') AND (c.caps & 2) = 2), 0) AS BIGINT), "
                                     "CAST(coalesce(sum(c.n), 0) AS BIGINT) FROM owner_counts c "
                                     "WHERE c.owner_id = ?3 AND c.sub_id = ?4"
                                   : "SELECT CAST(coalesce(sum(c.n) FILTER (WHERE (c.type = 'local' OR "
                                     "c.sub_type = 'local') AND (c.caps & 2) = 2), 0) AS BIGINT), "
                                     "CAST(coalesce(sum(c.n), 0) AS BIGINT) FROM owner_counts c "
                                     "WHERE c.owner_id = $3 AND c.sub_id = $4");
        assert_int_equal(w.n, 4);
        assert_int_val(&w, 2, 3);
        assert_int_val(&w, 3, 5);
        buf_free(&count);
        sqlw_free(&w);
    }
    /* no filter: both columns are the range's sum */
    numlist_q_t o;
    memset(&o, 0, sizeof o);
    o.owner_id = 3;
    sqlw_t w;
    buf_t count = BUF_INIT;
    sqlw_init(&w, &sqlw_postgres);
    sqlw_numlist(&w, &o);
    assert_true(sqlw_numlist_count_range(&w, &o, &count));
    assert_string_equal(count.data, "SELECT CAST(coalesce(sum(c.n), 0) AS BIGINT), "
                                    "CAST(coalesce(sum(c.n), 0) AS BIGINT) FROM owner_counts c "
                                    "WHERE c.owner_id = $2");
    buf_free(&count);
    sqlw_free(&w);
    /* a filter the counters are not kept by: nothing written */
    o.alias = "desk";
    sqlw_init(&w, &sqlw_postgres);
    sqlw_numlist(&w, &o);
    size_t n = w.n;
    assert_false(sqlw_numlist_count_range(&w, &o, &count));
    assert_int_equal(w.n, n);
    assert_null(count.data);
    sqlw_free(&w);
}

static void test_numlist_minimal(void **state)
{
    (void)state;
    numlist_q_t q;
    memset(&q, 0, sizeof q);
    q.owner_id = 3;
    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_numlist(&w, &q);
    assert_string_equal(w.sql.data, "WHERE n.owner_id = ?1 AND n.state IN (1, 2)");
    assert_int_equal(w.n, 1);
    assert_int_val(&w, 0, 3);
    sqlw_free(&w);
    /* the same rows, the listed condition written otherwise */
    q.type = "local";
    sqlw_init(&w, &sqlw_postgres);
    sqlw_numlist_as(&w, &q, "n.state BETWEEN 1 AND 2");
    assert_string_equal(w.sql.data, "WHERE n.owner_id = $1 AND n.state BETWEEN 1 AND 2 AND "
                                    "(n.type = 'local' OR n.sub_type = 'local')");
    sqlw_free(&w);
}

/* The list's total from the kept counters: only for the filters they are
 * kept by, with values after the page's (one builder, two statements). */
static void test_numlist_count(void **state)
{
    (void)state;
    numlist_q_t q = owner_sub_local();
    q.by_source = true;
    q.source = SRC_BYOC;
    for (int d = 0; d < 2; d++) {
        sqlw_t w;
        buf_t page = BUF_INIT, count = BUF_INIT;
        sqlw_init(&w, d == 0 ? &sqlw_sqlite : &sqlw_postgres);
        sqlw_numlist(&w, &q);
        buf_printf(&page, "SELECT * FROM numbers n %s", w.sql.data);
        sqlw_limit_offset(&w, &page, 20, 0);
        char *where = strdup(w.sql.data);
        assert_true(sqlw_numlist_count(&w, &q, &count));
        assert_string_equal(w.sql.data, where); /* the page's clause is untouched */
        free(where);
        assert_string_equal(count.data,
                            d == 0 ? "SELECT CAST(coalesce(sum(c.n), 0) AS BIGINT) FROM owner_counts c "
                                     "WHERE c.owner_id = ?5 AND c.sub_id = ?6 AND (c.type = 'local' OR "
                                     "c.sub_type = 'local') AND c.source = 1"
                                   : "SELECT CAST(coalesce(sum(c.n), 0) AS BIGINT) FROM owner_counts c "
                                     "WHERE c.owner_id = $5 AND c.sub_id = $6 AND (c.type = 'local' OR "
                                     "c.sub_type = 'local') AND c.source = 1");
        assert_int_equal(w.n, 6);
        assert_int_val(&w, 4, 3);
        assert_int_val(&w, 5, 5);
        buf_free(&page);
        buf_free(&count);
        sqlw_free(&w);
    }
    /* any other filter: counted from the rows, nothing written */
    const char *text_filters[] = {"prefix", "alias", "cnam", "tendlc", "campaign", "tfv", "renewal"};
    for (size_t k = 0; k < sizeof text_filters / sizeof *text_filters; k++) {
        numlist_q_t o = q;
        switch (k) {
        case 0: o.prefix = "1415"; break;
        case 1: o.alias = "desk"; break;
        case 2: o.cnam_lookup = "enabled"; break;
        case 3: o.tendlc_status = "COMPLETED"; break;
        case 4: o.tendlc_campaign = "CMP1"; break;
        case 5: o.tf_verification = "VERIFIED"; break;
        default: o.renewal[RENEW_LT] = "2024-01-01"; break;
        }
        sqlw_t w;
        buf_t count = BUF_INIT;
        sqlw_init(&w, &sqlw_sqlite);
        sqlw_numlist(&w, &o);
        size_t n = w.n;
        assert_false(sqlw_numlist_count(&w, &o, &count));
        assert_int_equal(w.n, n);
        assert_null(count.data);
        sqlw_free(&w);
    }
    /* services: the counters are kept by caps too (sqlite 0013,
     * postgres 0012), summed over the rows that hold those bits */
    numlist_q_t o = q;
    o.caps = 2;
    sqlw_t w;
    buf_t count = BUF_INIT;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_numlist(&w, &o);
    assert_true(sqlw_numlist_count(&w, &o, &count));
    assert_string_equal(count.data,
                        "SELECT CAST(coalesce(sum(c.n), 0) AS BIGINT) FROM owner_counts c "
                        "WHERE c.owner_id = ?3 AND c.sub_id = ?4 AND (c.type = 'local' OR "
                        "c.sub_type = 'local') AND c.source = 1 AND (c.caps & 2) = 2");
    assert_int_equal(w.n, 4);
    assert_int_val(&w, 2, 3);
    assert_int_val(&w, 3, 5);
    buf_free(&count);
    sqlw_free(&w);
    sqlw_init(&w, &sqlw_sqlite);
    o = q;
    o.carrier_id = 4;
    assert_false(sqlw_numlist_count(&w, &o, &count));
    assert_int_equal(w.n, 0);
    sqlw_free(&w);
}

static void test_lca_lookup(void **state)
{
    (void)state;
    search_q_t q;
    memset(&q, 0, sizeof q);
    strcpy(q.country_iso, "US");
    strcpy(q.lca_prefix, "1415555");
    sqlw_t w;
    sqlw_init(&w, &sqlw_postgres);
    sqlw_lca_lookup(&w, &q);
    assert_string_equal(w.sql.data,
                        "SELECT rate_center, lata FROM numbers WHERE country_iso = $1"
                        " AND number >= $2 AND number < $3 AND rate_center <> '' LIMIT 1");
    assert_int_equal(w.n, 3);
    assert_text(&w, 0, "US");
    assert_text(&w, 1, "1415555");
    assert_text(&w, 2, "1415555:");
    sqlw_free(&w);
}

/* A word that is not a plain lower-case type is bound, never spliced. */
static void test_either_binds_odd_words(void **state)
{
    (void)state;
    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_either(&w, "type", "sub_type", "x' OR 1=1 --");
    assert_string_equal(w.sql.data, "WHERE (type = ?1 OR sub_type = ?2)");
    assert_int_equal(w.n, 2);
    assert_text(&w, 0, "x' OR 1=1 --");
    assert_text(&w, 1, "x' OR 1=1 --");
    sqlw_free(&w);
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_either(&w, "type", "sub_type", "");
    assert_string_equal(w.sql.data, "WHERE (type = ?1 OR sub_type = ?2)");
    sqlw_free(&w);
}

/* Values are copies: the caller's buffer may change or go away. */
static void test_values_are_copied(void **state)
{
    (void)state;
    char v[8] = "abc";
    sqlw_t w;
    sqlw_init(&w, &sqlw_sqlite);
    sqlw_text(&w, "alias", "=", v);
    strcpy(v, "zzz");
    assert_text(&w, 0, "abc");
    sqlw_free(&w);
}

static void check_regex(const char *glob, const char *want)
{
    buf_t b = BUF_INIT;
    sqlw_glob_regex(glob, &b);
    assert_string_equal(b.data, want);
    buf_free(&b);
}

static void test_glob_regex(void **state)
{
    (void)state;
    check_regex("", "^$");
    check_regex("1415*", "^1415.*$");
    check_regex("1?2", "^1.2$");
    check_regex("1[0-9]2", "^1[0-9]2$");
    check_regex("[!5]", "^[^5]$");
    check_regex("[^5]", "^[^5]$");
    check_regex("[]5]", "^[\\]5]$");   /* a leading ']' is a member */
    check_regex("[!]]", "^[^\\]]$");
    check_regex("[a\\[]", "^[a\\\\\\[]$");
    check_regex("a.b+c", "^a\\.b\\+c$");
    check_regex("x[12", "^x\\[12$");    /* unclosed: a literal '[' */
    check_regex("x[]", "^x\\[\\]$");    /* "[]" closes nothing: literals */
    check_regex("(1)|$", "^\\(1\\)\\|\\$$");
}

static void test_shared_helpers(void **state)
{
    (void)state;
    char hi[SQLS_PREFIX_HI_SZ];
    sqls_prefix_hi("1415", hi, sizeof hi);
    assert_string_equal(hi, "1415:");
    assert_true(strcmp("14159999999", hi) < 0 && strcmp("1416", hi) > 0);
    char small[4];
    sqls_prefix_hi("1415", small, sizeof small);
    assert_string_equal(small, "141");
    inv_number_t v;
    memset(&v, 0, sizeof v);
    assert_int_equal(sqls_caps(&v), 0);
    v.voice = true;
    assert_int_equal(sqls_caps(&v), 1);
    v.sms = v.mms = true;
    assert_int_equal(sqls_caps(&v), 7);
    v.voice = false;
    assert_int_equal(sqls_caps(&v), 6);
}

/* ---- sqlw_search_begin over a fake backend ---------------------------------- */

/* The backend's answer to the local-calling-area lookup: a row with
 * (rate_center, lata), no row, or a failure. */
typedef struct {
    int rc;                 /* ST_OK (a row), ST_NOTFOUND, ST_ERR */
    const char *rc_text;
    bool lata_null;
    int calls;
    char sql[256];          /* the statement it was asked to run */
} fake_t;

static void fake_text(sqls_row_t *r, char *out, size_t sz)
{
    const fake_t *f = r->res;
    r->col++;
    snprintf(out, sz, "%s", f->rc_text);
}

static int64_t fake_i64(sqls_row_t *r, int64_t if_null)
{
    const fake_t *f = r->res;
    r->col++;
    return f->lata_null ? if_null : 722;
}

static bool fake_bool(sqls_row_t *r)
{
    r->col++;
    return false;
}

static void fake_blob(sqls_row_t *r, uint8_t *out, size_t sz, size_t *n)
{
    (void)out;
    (void)sz;
    r->col++;
    *n = 0;
}

static const sqls_row_ops_t fake_ops = {fake_text, fake_i64, fake_bool, fake_blob};

static int fake_one(void *conn, const sqlw_t *w, sqls_reader_fn rd, void *out)
{
    fake_t *f = conn;
    f->calls++;
    snprintf(f->sql, sizeof f->sql, "%s", w->sql.data);
    if (f->rc == ST_OK) {
        sqls_row_t r = {&fake_ops, f, 0, 0};
        rd(&r, out, 0);
    }
    return f->rc;
}

static search_q_t lca_search(void)
{
    search_q_t q;
    memset(&q, 0, sizeof q);
    strcpy(q.country_iso, "US");
    strcpy(q.lca_prefix, "1415555");
    q.lata = -1;
    return q;
}

static void test_search_begin_lca(void **state)
{
    (void)state;
    search_q_t q = lca_search();
    fake_t f = {.rc = ST_OK, .rc_text = "SNFC CA"};
    sqlw_t w;
    assert_int_equal(sqlw_search_begin(&w, &sqlw_sqlite, &q, fake_one, &f), ST_OK);
    assert_int_equal(f.calls, 1);
    assert_string_equal(f.sql, "SELECT rate_center, lata FROM numbers WHERE country_iso = ?1"
                               " AND number >= ?2 AND number < ?3 AND rate_center <> '' LIMIT 1");
    /* the lookup's values are its own: the search numbers from ?1 */
    assert_string_equal(w.sql.data,
                        "WHERE state = 0 AND country_iso = ?1 AND rate_center = ?2 AND lata = ?3");
    assert_int_equal(w.n, 3);
    assert_text(&w, 0, "US");
    assert_text(&w, 1, "SNFC CA");
    assert_int_val(&w, 2, 722);
    sqlw_free(&w);

    /* a rate center with no LATA: "lata IS NULL" */
    f.lata_null = true;
    assert_int_equal(sqlw_search_begin(&w, &sqlw_postgres, &q, fake_one, &f), ST_OK);
    assert_string_equal(w.sql.data,
                        "WHERE state = 0 AND country_iso = $1 AND "
                        "lower(rate_center) = lower($2::text COLLATE \"C\") AND lata IS NULL");
    assert_int_equal(w.n, 2);
    sqlw_free(&w);
}

static void test_search_begin_outcomes(void **state)
{
    (void)state;
    search_q_t q = lca_search();
    sqlw_t w;
    /* unknown NPA-NXX: nothing is in its area */
    fake_t none = {.rc = ST_NOTFOUND};
    assert_int_equal(sqlw_search_begin(&w, &sqlw_sqlite, &q, fake_one, &none), ST_NOTFOUND);
    sqlw_free(&w);
    /* a failed lookup is a failure, never an empty answer */
    fake_t err = {.rc = ST_ERR};
    assert_int_equal(sqlw_search_begin(&w, &sqlw_sqlite, &q, fake_one, &err), ST_ERR);
    sqlw_free(&w);
    fake_t odd = {.rc = ST_CONFLICT};
    assert_int_equal(sqlw_search_begin(&w, &sqlw_sqlite, &q, fake_one, &odd), ST_ERR);
    sqlw_free(&w);
    /* no lca_prefix: no lookup at all */
    q.lca_prefix[0] = '\0';
    fake_t unused = {.rc = ST_ERR};
    assert_int_equal(sqlw_search_begin(&w, &sqlw_sqlite, &q, fake_one, &unused), ST_OK);
    assert_int_equal(unused.calls, 0);
    assert_string_equal(w.sql.data, "WHERE state = 0 AND country_iso = ?1");
    sqlw_free(&w);
}

/* LIMIT and OFFSET continue the clause's numbering; the count cap covers
 * the page asked for. */
static void test_limit_offset_and_cap(void **state)
{
    (void)state;
    search_q_t q = full_search();
    sqlw_t w;
    sqlw_init(&w, &sqlw_postgres);
    sqlw_search(&w, &q, NULL);
    size_t n = w.n;
    buf_t out = BUF_INIT;
    buf_puts(&out, "ORDER BY number");
    sqlw_limit_offset(&w, &out, q.limit, q.offset);
    char want[64];
    snprintf(want, sizeof want, "ORDER BY number LIMIT $%zu OFFSET $%zu", n + 1, n + 2);
    assert_string_equal(out.data, want);
    assert_int_val(&w, n, 20);
    assert_int_val(&w, n + 1, 40);
    buf_free(&out);
    sqlw_free(&w);

    assert_int_equal(sqlw_count_cap(&q), SEARCH_COUNT_CAP);
    q.offset = 5000;
    q.limit = 20;
    assert_int_equal(sqlw_count_cap(&q), 5021);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_search_minimal),
        cmocka_unit_test(test_search_all_sqlite),
        cmocka_unit_test(test_search_all_postgres),
        cmocka_unit_test(test_search_lca_absent),
        cmocka_unit_test(test_numlist_all),
        cmocka_unit_test(test_numlist_minimal),
        cmocka_unit_test(test_lca_lookup),
        cmocka_unit_test(test_either_binds_odd_words),
        cmocka_unit_test(test_values_are_copied),
        cmocka_unit_test(test_glob_regex),
        cmocka_unit_test(test_shared_helpers),
        cmocka_unit_test(test_search_begin_lca),
        cmocka_unit_test(test_search_begin_outcomes),
        cmocka_unit_test(test_limit_offset_and_cap),
        cmocka_unit_test(test_numlist_count),
        cmocka_unit_test(test_numlist_count_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
