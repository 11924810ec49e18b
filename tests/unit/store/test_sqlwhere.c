/* test_sqlwhere.c -- the WHERE builder of number_search / number_list
 * (store/sqlwhere.c) and the shared helpers (store/sqlshared.c): the exact
 * SQL text of each dialect, and that the recorded values follow the
 * placeholders one for one, in order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
