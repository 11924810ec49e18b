/* test_conformance.c -- one set of cases for the store interface (store.h),
 * run against every backend: SQLite always, PostgreSQL when NUMBERD_TEST_PG
 * names a throwaway cluster (postgresql://user@host:port/, as the API suite
 * uses; scripts/test.sh sets it while its cluster is up).  Each case gets a
 * fresh, migrated database: a file in a temporary folder, or a database of
 * its own in the cluster.  A new store op is specified here once, and
 * checked on both backends.
 *
 * The cases speak only of what store.h promises (statuses, orders, counts,
 * round trips), never of how a backend keeps it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef ND_HAVE_POSTGRES
#include <libpq-fe.h>
#endif

#include "store/store.h"
#include "util/metrics.h"

/* ---- one fresh store per case -------------------------------------------------- */

static enum { BK_SQLITE, BK_PG } g_backend;
static char g_dir[64];      /* SQLite: the run's temporary folder */
static const char *g_pg;    /* PostgreSQL: the cluster's URL */
static int g_case;

typedef struct {
    store_t *st;
    char name[160];         /* SQLite: the file; PostgreSQL: the database */
} fixture_t;

#ifdef ND_HAVE_POSTGRES
/* Runs sql on the cluster's maintenance database. */
static void pg_admin(const char *sql)
{
    char url[512];
    snprintf(url, sizeof url, "%s%spostgres", g_pg, g_pg[strlen(g_pg) - 1] == '/' ? "" : "/");
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) fail_msg("cannot reach %s: %s", url, PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) fail_msg("%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
}
#endif

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    char url[512], *err = NULL;
    g_case++;
    if (g_backend == BK_SQLITE) {
        snprintf(f->name, sizeof f->name, "%s/c%d.db", g_dir, g_case);
        snprintf(url, sizeof url, "%s", f->name);
    } else {
#ifdef ND_HAVE_POSTGRES
        snprintf(f->name, sizeof f->name, "nd_conformance_%d_%d", (int)getpid(), g_case);
        char sql[256];
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->name);
        pg_admin(sql);
        snprintf(url, sizeof url, "%s%s%s", g_pg, g_pg[strlen(g_pg) - 1] == '/' ? "" : "/", f->name);
#endif
    }
    if (store_open(url, &f->st, &err) != C_OK) fail_msg("store_open %s: %s", url, err);
    int applied = -1;
    assert_int_equal(f->st->ops->migrate(f->st, &applied), ST_OK);
    assert_true(applied > 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    f->st->ops->close(f->st);
    if (g_backend == BK_SQLITE) {
        static const char *const ext[] = {"", "-wal", "-shm"};
        for (size_t i = 0; i < 3; i++) {
            char p[200];
            snprintf(p, sizeof p, "%s%s", f->name, ext[i]);
            unlink(p);
        }
    } else {
#ifdef ND_HAVE_POSTGRES
        char sql[256];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", f->name);
        pg_admin(sql);
#endif
    }
    free(f);
    return 0;
}

#define ST_OF(state) (((fixture_t *)*(state))->st)

/* ---- builders ------------------------------------------------------------------------ */

static int64_t mk_account(store_t *st, const char *auth_id, int64_t parent)
{
    account_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.auth_id, sizeof a.auth_id, "%s", auth_id);
    snprintf(a.name, sizeof a.name, "name of %s", auth_id);
    a.parent_id = parent;
    a.enabled = true;
    memset(a.token_hash, auth_id[2], IDS_HASH_SZ);
    a.created_at = a.modified_at = 1700000000;
    assert_int_equal(st->ops->account_insert(st, &a), ST_OK);
    assert_true(a.id > 0);
    return a.id;
}

static inv_number_t inv(const char *number, const char *country, const char *type,
                        const char *sub_type)
{
    inv_number_t v;
    memset(&v, 0, sizeof v);
    snprintf(v.number, sizeof v.number, "%s", number);
    snprintf(v.country_iso, sizeof v.country_iso, "%s", country);
    snprintf(v.type, sizeof v.type, "%s", type);
    snprintf(v.sub_type, sizeof v.sub_type, "%s", sub_type);
    snprintf(v.carrier, sizeof v.carrier, "numberd");
    v.lata = -1;
    v.voice = true;
    v.setup_rate = v.voice_rate = v.sms_rate = v.mms_rate = -1;
    v.monthly_rental_rate = 50000;
    return v;
}

static inv_number_t inv_us(const char *number, const char *city, const char *rc, int lata,
                           bool sms)
{
    inv_number_t v = inv(number, "US", "local", "local");
    snprintf(v.prefix, sizeof v.prefix, "%.4s", number);
    snprintf(v.city, sizeof v.city, "%s", city);
    snprintf(v.region, sizeof v.region, "%s", lata == 722 ? "California" : "New York");
    snprintf(v.rate_center, sizeof v.rate_center, "%s", rc);
    v.lata = lata;
    v.sms = sms;
    return v;
}

static void import_rows(store_t *st, const inv_number_t *rows, size_t n)
{
    store_import_t *im = NULL;
    assert_int_equal(st->ops->import_begin(st, false, &im), ST_OK);
    for (size_t i = 0; i < n; i++) {
        import_outcome_t o;
        assert_int_equal(st->ops->import_row(im, &rows[i], &o), ST_OK);
        assert_int_equal(o, IMPORT_INSERTED);
    }
    assert_int_equal(st->ops->import_end(im, true), ST_OK);
}

/* The inventory of the search and purchase cases. */
static void seed(store_t *st)
{
    inv_number_t rows[] = {
        inv_us("14155550001", "San Francisco", "SNFC CA", 722, true),
        inv_us("14155560001", "San Francisco", "SNFC CA", 722, false),
        inv_us("12125550001", "New York", "NWYRCYZN01", 132, false),
        inv("18005550001", "US", "tollfree", "tollfree"),
        inv("442071234567", "GB", "fixed", "local"),
    };
    rows[0].mms = true;
    import_rows(st, rows, ND_ARRAY_LEN(rows));
}

static buy_row_t buy(const char *number, int64_t account, num_state_t state, const char *byoc_id)
{
    buy_row_t b = {.number = number, .account_id = account, .state = state,
                   .added_on = "2024-01-15", .renewal_date = "2024-02-15", .byoc_id = byoc_id};
    return b;
}

/* ---- search --------------------------------------------------------------------------- */

static search_q_t sq(const char *country)
{
    search_q_t q;
    memset(&q, 0, sizeof q);
    snprintf(q.country_iso, sizeof q.country_iso, "%s", country);
    q.lata = -1;
    q.limit = 20;
    return q;
}

/* Runs q; returns the count of rows, checks they come in number order and
 * writes the first number into first (when not NULL). */
static size_t search(store_t *st, const search_q_t *q, int64_t *total, char *first)
{
    inv_number_t rows[32];
    size_t n = 99;
    assert_int_equal(st->ops->number_search(st, q, rows, &n, total), ST_OK);
    assert_true(n <= (size_t)q->limit);
    for (size_t i = 1; i < n; i++) assert_true(strcmp(rows[i - 1].number, rows[i].number) < 0);
    if (first) strcpy(first, n ? rows[0].number : "");
    return n;
}

static void test_search_filters(void **state)
{
    store_t *st = ST_OF(state);
    seed(st);
    int64_t total;
    char first[E164_BUFSZ];
    search_q_t q = sq("US");
    assert_int_equal(search(st, &q, &total, first), 4);
    assert_int_equal(total, 4);
    assert_string_equal(first, "12125550001");

    q = sq("US");
    strcpy(q.prefix, "1415");
    assert_int_equal(search(st, &q, &total, first), 2);
    assert_int_equal(total, 2);
    assert_string_equal(first, "14155550001");

    q = sq("US");
    strcpy(q.glob, "1415[0-9][0-9]6*");
    assert_int_equal(search(st, &q, &total, first), 1);
    assert_string_equal(first, "14155560001");
    strcpy(q.glob, "1?1*");
    assert_int_equal(search(st, &q, &total, NULL), 3);
    assert_int_equal(total, 3);

    q = sq("US");
    q.type = "tollfree";
    assert_int_equal(search(st, &q, &total, first), 1);
    assert_string_equal(first, "18005550001");
    /* the type matches type or sub_type */
    q = sq("GB");
    q.type = "local";
    assert_int_equal(search(st, &q, &total, first), 1);
    q.type = "mobile";
    assert_int_equal(search(st, &q, &total, NULL), 0);
    assert_int_equal(total, 0);

    /* region, city, rate center: equal ignoring ASCII case */
    q = sq("US");
    q.region = "CALIFORNIA";
    assert_int_equal(search(st, &q, &total, NULL), 2);
    q = sq("US");
    q.city = "new york";
    assert_int_equal(search(st, &q, &total, first), 1);
    assert_string_equal(first, "12125550001");
    q = sq("US");
    q.rate_center = "snfc ca";
    assert_int_equal(search(st, &q, &total, NULL), 2);
    q = sq("US");
    q.lata = 132;
    assert_int_equal(search(st, &q, &total, first), 1);

    /* services: all of them required */
    q = sq("US");
    q.caps = 2;
    assert_int_equal(search(st, &q, &total, first), 1);
    assert_string_equal(first, "14155550001");
    q.caps = 1 | 2 | 4;
    assert_int_equal(search(st, &q, &total, NULL), 1);

    /* filters combine */
    q = sq("US");
    q.region = "california";
    strcpy(q.prefix, "141555");
    q.caps = 1;
    assert_int_equal(search(st, &q, &total, NULL), 2);
    q.type = "tollfree";
    assert_int_equal(search(st, &q, &total, NULL), 0);
}

static void test_search_local_calling_area(void **state)
{
    store_t *st = ST_OF(state);
    seed(st);
    int64_t total;
    char first[E164_BUFSZ];
    /* the area of 1415555 is the rate center and LATA of its numbers */
    search_q_t q = sq("US");
    strcpy(q.lca_prefix, "1415555");
    assert_int_equal(search(st, &q, &total, first), 2);
    assert_int_equal(total, 2);
    assert_string_equal(first, "14155550001");
    strcpy(q.lca_prefix, "1212555");
    assert_int_equal(search(st, &q, &total, first), 1);
    assert_string_equal(first, "12125550001");
    /* an NPA-NXX nobody has: nothing is in its area */
    strcpy(q.lca_prefix, "1999555");
    assert_int_equal(search(st, &q, &total, NULL), 0);
    assert_int_equal(total, 0);
    /* a sold number still names the area; only available ones are found */
    buy_row_t b = buy("14155550001", mk_account(st, "MA000000000000000001", 0), NUM_ACTIVE, NULL);
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    strcpy(q.lca_prefix, "1415555");
    assert_int_equal(search(st, &q, &total, first), 1);
    assert_string_equal(first, "14155560001");
}

static void test_search_paging_and_cap(void **state)
{
    store_t *st = ST_OF(state);
    enum { N = SEARCH_COUNT_CAP + 5 };
    inv_number_t *rows = calloc(N, sizeof *rows);
    for (int i = 0; i < N; i++) {
        char num[E164_BUFSZ];
        snprintf(num, sizeof num, "3310%07d", i);
        rows[i] = inv(num, "FR", "local", "local");
    }
    import_rows(st, rows, N);
    free(rows);
    int64_t total;
    char first[E164_BUFSZ];
    search_q_t q = sq("FR");
    q.limit = 10;
    assert_int_equal(search(st, &q, &total, first), 10);
    assert_int_equal(total, SEARCH_COUNT_CAP); /* a broad search reports the cap */
    assert_string_equal(first, "33100000000");
    q.offset = 12;
    q.limit = 3;
    assert_int_equal(search(st, &q, &total, first), 3);
    assert_string_equal(first, "33100000012");
    /* past the cap the count is exact up to offset + limit + 1 */
    q.offset = N - 2;
    q.limit = 10;
    assert_int_equal(search(st, &q, &total, first), 2);
    assert_int_equal(total, N);
}

/* ---- purchase, approval, release, aging ---------------------------------------------------- */

static int aged_cb(const char *number, void *ud)
{
    snprintf(ud, E164_BUFSZ, "%s", number);
    return C_OK;
}

static void test_buy_approve_release_aging(void **state)
{
    store_t *st = ST_OF(state);
    seed(st);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    inv_number_t v;
    assert_int_equal(st->ops->number_get_available(st, "14155550001", &v), ST_OK);
    assert_string_equal(v.city, "San Francisco");
    assert_int_equal(v.lata, 722);
    assert_true(v.voice && v.sms && v.mms);
    assert_int_equal(v.monthly_rental_rate, 50000);
    assert_int_equal(v.setup_rate, -1); /* not set stays not set */
    assert_int_equal(st->ops->number_get_available(st, "19999999999", &v), ST_NOTFOUND);

    buy_row_t b = buy("14155550001", a, NUM_ACTIVE, "11111111-1111-4111-8111-111111111111");
    b.cnam_lookup = "enabled";
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    assert_int_equal(st->ops->number_buy(st, &b), ST_NOTFOUND); /* no longer available */
    assert_int_equal(st->ops->number_get_available(st, "14155550001", &v), ST_NOTFOUND);
    num_state_t s;
    num_source_t src;
    int64_t owner;
    assert_int_equal(st->ops->number_lookup(st, "14155550001", &s, &src, &owner), ST_OK);
    assert_int_equal(s, NUM_ACTIVE);
    assert_int_equal(src, SRC_INVENTORY);
    assert_int_equal(owner, a);
    assert_int_equal(st->ops->number_lookup(st, "19999999999", &s, &src, &owner), ST_NOTFOUND);

    owned_number_t o;
    assert_int_equal(st->ops->number_get_owned(st, a, 0, "14155550001", &o), ST_OK);
    assert_string_equal(o.inv.rate_center, "SNFC CA");
    assert_int_equal(o.state, NUM_ACTIVE);
    assert_string_equal(o.added_on, "2024-01-15");
    assert_string_equal(o.renewal_date, "2024-02-15");
    assert_string_equal(o.cnam_lookup, "enabled");
    assert_string_equal(o.byoc_id, "11111111-1111-4111-8111-111111111111");
    assert_int_equal(o.sub_id, 0);
    assert_string_equal(o.app_id, "");
    assert_int_equal(st->ops->number_get_owned(st, a + 1, 0, "14155550001", &o), ST_NOTFOUND);
    assert_int_equal(st->ops->number_get_byoc(st, a, "11111111-1111-4111-8111-111111111111", &o),
                     ST_OK);
    assert_string_equal(o.inv.number, "14155550001");
    assert_int_equal(st->ops->number_get_any(st, "14155550001", &o), ST_OK);
    assert_int_equal(o.owner_id, a);
    assert_int_equal(st->ops->number_get_any(st, "14155560001", &o), ST_NOTFOUND);

    /* pending until approved, once */
    b = buy("14155560001", a, NUM_PENDING, NULL);
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    assert_int_equal(st->ops->number_get_owned(st, a, 0, "14155560001", &o), ST_OK);
    assert_int_equal(o.state, NUM_PENDING);
    assert_int_equal(st->ops->number_approve(st, "14155560001"), ST_OK);
    assert_int_equal(st->ops->number_approve(st, "14155560001"), ST_CONFLICT);
    assert_int_equal(st->ops->number_approve(st, "12125550001"), ST_NOTFOUND); /* not owned */
    assert_int_equal(st->ops->number_get_owned(st, a, 0, "14155560001", &o), ST_OK);
    assert_int_equal(o.state, NUM_ACTIVE);

    /* release: to aging, then the sweep makes it available again */
    assert_int_equal(st->ops->number_release(st, a, "14155550001", false), ST_OK);
    assert_int_equal(st->ops->number_release(st, a, "14155550001", false), ST_NOTFOUND);
    assert_int_equal(st->ops->number_lookup(st, "14155550001", &s, &src, &owner), ST_OK);
    assert_int_equal(s, NUM_AGING);
    assert_int_equal(owner, 0);
    assert_int_equal(st->ops->number_get_available(st, "14155550001", &v), ST_NOTFOUND);
    int64_t back = -1;
    assert_int_equal(st->ops->aging_sweep(st, 1, 10, NULL, NULL, &back), ST_OK); /* released after 1970 */
    assert_int_equal(back, 0);
    char aged[E164_BUFSZ] = "";
    assert_int_equal(st->ops->aging_sweep(st, INT64_C(1) << 40, 10, aged_cb, aged, &back), ST_OK);
    assert_int_equal(back, 1);
    assert_string_equal(aged, "14155550001");
    assert_int_equal(st->ops->number_get_available(st, "14155550001", &v), ST_OK);
    /* bought again: nothing of the first owner's is left on it */
    b = buy("14155550001", a, NUM_ACTIVE, NULL);
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    assert_int_equal(st->ops->number_get_owned(st, a, 0, "14155550001", &o), ST_OK);
    assert_string_equal(o.cnam_lookup, "");
    assert_string_equal(o.byoc_id, "");

    /* straight to available */
    assert_int_equal(st->ops->number_release(st, a, "14155560001", true), ST_OK);
    assert_int_equal(st->ops->number_get_available(st, "14155560001", &v), ST_OK);
}

/* The operator's list (GET /admin/v1/numbers): one state, every account,
 * in number order after a cursor, each row with its owner. */
static void test_number_list_state(void **state)
{
    store_t *st = ST_OF(state);
    seed(st);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t b = mk_account(st, "MA000000000000000002", 0);
    buy_row_t r = buy("14155560001", a, NUM_PENDING, NULL);
    assert_int_equal(st->ops->number_buy(st, &r), ST_OK);
    r = buy("442071234567", b, NUM_PENDING, NULL);
    assert_int_equal(st->ops->number_buy(st, &r), ST_OK);
    r = buy("18005550001", b, NUM_PENDING, NULL);
    assert_int_equal(st->ops->number_buy(st, &r), ST_OK);
    r = buy("14155550001", a, NUM_ACTIVE, NULL);
    assert_int_equal(st->ops->number_buy(st, &r), ST_OK);

    admin_number_t rows[4];
    size_t n = 99;
    admnum_q_t q = {.state = NUM_PENDING, .limit = 4};
    assert_int_equal(st->ops->number_list_state(st, &q, rows, &n), ST_OK);
    assert_int_equal(n, 3); /* pending only; available and active ones left out */
    assert_string_equal(rows[0].n.inv.number, "14155560001");
    assert_string_equal(rows[0].owner_auth_id, "MA000000000000000001");
    assert_string_equal(rows[0].owner_name, "name of MA000000000000000001");
    assert_int_equal(rows[0].n.state, NUM_PENDING);
    assert_string_equal(rows[0].n.inv.city, "San Francisco");
    assert_string_equal(rows[1].n.inv.number, "18005550001");
    assert_string_equal(rows[1].owner_auth_id, "MA000000000000000002");
    assert_string_equal(rows[2].n.inv.number, "442071234567");

    /* a page of 2, then the rest after the cursor */
    q.limit = 2;
    assert_int_equal(st->ops->number_list_state(st, &q, rows, &n), ST_OK);
    assert_int_equal(n, 2);
    snprintf(q.after, sizeof q.after, "%s", rows[1].n.inv.number);
    assert_int_equal(st->ops->number_list_state(st, &q, rows, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].n.inv.number, "442071234567");
    snprintf(q.after, sizeof q.after, "%s", "442071234567");
    assert_int_equal(st->ops->number_list_state(st, &q, rows, &n), ST_OK);
    assert_int_equal(n, 0);

    /* one owner */
    q = (admnum_q_t){.state = NUM_PENDING, .owner_id = a, .limit = 4};
    assert_int_equal(st->ops->number_list_state(st, &q, rows, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].n.inv.number, "14155560001");

    /* approved: it leaves the pending list and joins the active one */
    assert_int_equal(st->ops->number_approve(st, "14155560001"), ST_OK);
    q = (admnum_q_t){.state = NUM_PENDING, .limit = 4};
    assert_int_equal(st->ops->number_list_state(st, &q, rows, &n), ST_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].n.inv.number, "18005550001");
    q.state = NUM_ACTIVE;
    assert_int_equal(st->ops->number_list_state(st, &q, rows, &n), ST_OK);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].n.inv.number, "14155550001");
    assert_string_equal(rows[1].n.inv.number, "14155560001");
}

/* ---- owned numbers ---------------------------------------------------------------------- */

static size_t list(store_t *st, const numlist_q_t *q, int64_t *total, char *first)
{
    owned_number_t *rows = calloc(16, sizeof *rows);
    size_t n = 99;
    assert_int_equal(st->ops->number_list(st, q, rows, &n, total), ST_OK);
    assert_true(n <= (size_t)q->limit);
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(rows[i - 1].inv.number, rows[i].inv.number) < 0);
    if (first) strcpy(first, n ? rows[0].inv.number : "");
    free(rows);
    return n;
}

static numlist_q_t lq(int64_t owner)
{
    numlist_q_t q;
    memset(&q, 0, sizeof q);
    q.owner_id = owner;
    q.limit = 16;
    return q;
}

static carrier_t carrier(int64_t account, const char *name, const char *digits, gateway_t *gw,
                         size_t ngw)
{
    carrier_t c;
    memset(&c, 0, sizeof c);
    c.account_id = account;
    snprintf(c.name, sizeof c.name, "%s", name);
    snprintf(c.carrier_id, sizeof c.carrier_id, "%s", digits);
    /* the last 8 digits make the UUIDs unique too */
    snprintf(c.uuid, sizeof c.uuid, "%.8s-aaaa-4aaa-8aaa-aaaaaaaaaaaa", digits + 6);
    snprintf(c.voip_sid, sizeof c.voip_sid, "%.8s-bbbb-4bbb-8bbb-bbbbbbbbbbbb", digits + 6);
    c.trunk = TRUNK_STATIC_IP;
    c.voice = true;
    c.gw = gw;
    c.ngw = ngw;
    c.created_at = c.updated_at = 1700000000;
    return c;
}

static owned_number_t byoc_number(const char *number, int64_t owner, int64_t carrier_id,
                                  const char *byoc_id)
{
    owned_number_t n;
    memset(&n, 0, sizeof n);
    n.inv = inv(number, "US", "local", "local");
    n.inv.sms = true;
    n.source = SRC_BYOC;
    n.state = NUM_ACTIVE;
    n.owner_id = owner;
    n.carrier_id = carrier_id;
    snprintf(n.byoc_id, sizeof n.byoc_id, "%s", byoc_id);
    snprintf(n.label, sizeof n.label, "front desk");
    snprintf(n.added_on, sizeof n.added_on, "2024-01-01");
    n.created_at = n.updated_at = 1700000000;
    return n;
}

static void test_owned_list_filters(void **state)
{
    store_t *st = ST_OF(state);
    seed(st);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t sub = mk_account(st, "SA000000000000000001", a);
    int64_t other = mk_account(st, "MA000000000000000002", 0);
    buy_row_t b = buy("14155550001", a, NUM_ACTIVE, NULL);
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    b = buy("12125550001", a, NUM_PENDING, NULL);
    b.sub_id = sub;
    b.renewal_date = "2024-03-15";
    b.cnam_lookup = "disabled";
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    b = buy("18005550001", a, NUM_ACTIVE, NULL);
    b.renewal_date = "2024-04-15";
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    b = buy("14155560001", other, NUM_ACTIVE, NULL);
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    gateway_t gw = {.sid = "cccccccc-cccc-4ccc-8ccc-cccccccccccc", .address = "192.0.2.1",
                    .port = 5060, .netmask = 32, .inbound = true};
    carrier_t cr = carrier(a, "Trunk One", "10000000000001", &gw, 1);
    assert_int_equal(st->ops->carrier_insert(st, &cr), ST_OK);
    owned_number_t n = byoc_number("15005550001", a, cr.id, "22222222-2222-4222-8222-222222222222");
    assert_int_equal(st->ops->number_insert_owned(st, &n), ST_OK);
    /* statuses, alias: written by update_owned */
    owned_number_t o;
    assert_int_equal(st->ops->number_get_owned(st, a, 0, "18005550001", &o), ST_OK);
    strcpy(o.alias, "support");
    strcpy(o.tendlc_registration_status, "COMPLETED");
    strcpy(o.tendlc_campaign_id, "CMP42");
    strcpy(o.toll_free_sms_verification, "VERIFIED");
    assert_int_equal(st->ops->number_update_owned(st, &o), ST_OK);

    int64_t total;
    char first[E164_BUFSZ];
    numlist_q_t q = lq(a);
    assert_int_equal(list(st, &q, &total, first), 4);
    assert_int_equal(total, 4);
    assert_string_equal(first, "12125550001");
    q.limit = 2;
    q.offset = 1;
    assert_int_equal(list(st, &q, &total, first), 2);
    assert_int_equal(total, 4); /* the count ignores the page */
    assert_string_equal(first, "14155550001");
    q = lq(other);
    assert_int_equal(list(st, &q, &total, first), 1);
    assert_string_equal(first, "14155560001");

    q = lq(a);
    q.sub_id = sub;
    assert_int_equal(list(st, &q, &total, first), 1);
    assert_string_equal(first, "12125550001");
    q = lq(a);
    q.type = "tollfree";
    assert_int_equal(list(st, &q, &total, first), 1);
    assert_string_equal(first, "18005550001");
    q = lq(a);
    q.prefix = "1415";
    assert_int_equal(list(st, &q, &total, first), 1);
    q = lq(a);
    q.alias = "support";
    assert_int_equal(list(st, &q, &total, first), 1);
    assert_string_equal(first, "18005550001");
    q = lq(a);
    q.caps = 2; /* sms: the seeded 1415555 and the carrier's number */
    assert_int_equal(list(st, &q, &total, first), 2);
    assert_int_equal(total, 2);
    q = lq(a);
    /* as the object shows it: a number whose lookup was never set is disabled */
    q.cnam_lookup = "disabled";
    assert_int_equal(list(st, &q, &total, first), 4);
    assert_string_equal(first, "12125550001");
    q.cnam_lookup = "enabled";
    assert_int_equal(list(st, &q, &total, first), 0);
    q = lq(a);
    /* US local numbers without a 10DLC status show (and match) UNREGISTERED */
    q.tendlc_status = "UNREGISTERED";
    assert_int_equal(list(st, &q, &total, first), 3); /* and the carrier's 1500... */
    assert_string_equal(first, "12125550001");
    q = lq(a);
    q.renewal[RENEW_GTE] = "2024-03-15";
    assert_int_equal(list(st, &q, &total, NULL), 2);
    q.renewal[RENEW_LT] = "2024-04-15";
    assert_int_equal(list(st, &q, &total, first), 1);
    assert_string_equal(first, "12125550001");
    q = lq(a);
    q.renewal[RENEW_EQ] = "2024-02-15";
    assert_int_equal(list(st, &q, &total, first), 1);
    assert_string_equal(first, "14155550001");
    q = lq(a);
    q.renewal[RENEW_GT] = "2024-03-15";
    assert_int_equal(list(st, &q, &total, first), 1);
    assert_string_equal(first, "18005550001");
    q = lq(a);
    q.renewal[RENEW_LTE] = "2024-02-15";
    assert_int_equal(list(st, &q, &total, first), 1);
    q = lq(a);
    q.tendlc_status = "COMPLETED";
    q.tendlc_campaign = "CMP42";
    q.tf_verification = "VERIFIED";
    assert_int_equal(list(st, &q, &total, first), 1);
    assert_string_equal(first, "18005550001");
    q.tf_verification = "UNVERIFIED";
    assert_int_equal(list(st, &q, &total, NULL), 0);
    assert_int_equal(total, 0);
    q = lq(a);
    q.carrier_id = cr.id;
    assert_int_equal(list(st, &q, &total, first), 1);
    assert_string_equal(first, "15005550001");
    q = lq(a);
    q.by_source = true;
    q.source = SRC_INVENTORY;
    assert_int_equal(list(st, &q, &total, NULL), 3);
    q.source = SRC_BYOC;
    assert_int_equal(list(st, &q, &total, first), 1);
    q = lq(a);
    q.by_state = true;
    q.state = NUM_PENDING;
    assert_int_equal(list(st, &q, &total, first), 1);
    assert_string_equal(first, "12125550001");
}

static void test_owned_update_and_customer_numbers(void **state)
{
    store_t *st = ST_OF(state);
    seed(st);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t sub = mk_account(st, "SA000000000000000001", a);
    buy_row_t b = buy("14155550001", a, NUM_ACTIVE, NULL);
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    owned_number_t o;
    assert_int_equal(st->ops->number_get_owned(st, a, 0, "14155550001", &o), ST_OK);
    o.sub_id = sub;
    strcpy(o.alias, "lobby");
    strcpy(o.cnam, "ACME");
    strcpy(o.cnam_callback_url, "https://example.com/cnam");
    strcpy(o.cnam_callback_method, "POST");
    strcpy(o.caller_reputation_status, "ENABLED");
    strcpy(o.profile_uuid, "33333333-3333-4333-8333-333333333333");
    assert_int_equal(st->ops->number_update_owned(st, &o), ST_OK);
    owned_number_t r;
    /* with sub_id > 0: only that subaccount's */
    assert_int_equal(st->ops->number_get_owned(st, a, sub, "14155550001", &r), ST_OK);
    assert_int_equal(r.sub_id, sub);
    assert_string_equal(r.sub_auth_id, "SA000000000000000001");
    assert_string_equal(r.alias, "lobby");
    assert_string_equal(r.cnam, "ACME");
    assert_string_equal(r.cnam_callback_url, "https://example.com/cnam");
    assert_string_equal(r.caller_reputation_status, "ENABLED");
    assert_string_equal(r.profile_uuid, "33333333-3333-4333-8333-333333333333");
    assert_int_equal(st->ops->number_get_owned(st, a, sub + 100, "14155550001", &r), ST_NOTFOUND);
    /* "" clears */
    r.alias[0] = '\0';
    r.sub_id = 0;
    assert_int_equal(st->ops->number_update_owned(st, &r), ST_OK);
    assert_int_equal(st->ops->number_get_owned(st, a, 0, "14155550001", &r), ST_OK);
    assert_string_equal(r.alias, "");
    assert_int_equal(r.sub_id, 0);
    assert_string_equal(r.sub_auth_id, "");
    owned_number_t ghost = r;
    strcpy(ghost.inv.number, "19999999999");
    assert_int_equal(st->ops->number_update_owned(st, &ghost), ST_NOTFOUND);

    /* a customer's own number: owned from the start, deleted on release */
    owned_number_t n = byoc_number("15005550001", a, 0, "44444444-4444-4444-8444-444444444444");
    n.sub_id = sub;
    assert_int_equal(st->ops->number_insert_owned(st, &n), ST_OK);
    assert_int_equal(st->ops->number_insert_owned(st, &n), ST_CONFLICT);
    owned_number_t dup = byoc_number("14155550001", a, 0, "55555555-5555-4555-8555-555555555555");
    assert_int_equal(st->ops->number_insert_owned(st, &dup), ST_CONFLICT); /* the number exists */
    num_state_t s;
    num_source_t src;
    int64_t owner;
    assert_int_equal(st->ops->number_lookup(st, "15005550001", &s, &src, &owner), ST_OK);
    assert_int_equal(s, NUM_ACTIVE);
    assert_int_equal(src, SRC_BYOC);
    assert_int_equal(owner, a);
    assert_int_equal(
        st->ops->number_get_byoc(st, a, "44444444-4444-4444-8444-444444444444", &r), ST_OK);
    assert_string_equal(r.label, "front desk");
    assert_int_equal(r.source, SRC_BYOC);
    assert_int_equal(r.sub_id, sub);
    assert_true(r.inv.sms);
    assert_int_equal(st->ops->number_release(st, a, "15005550001", false), ST_OK);
    assert_int_equal(st->ops->number_lookup(st, "15005550001", &s, &src, &owner), ST_NOTFOUND);
}

/* ---- accounts and keys, subaccounts ------------------------------------------------------------- */

static int count_accounts(const account_t *a, void *ud)
{
    int64_t *ids = ud;
    ids[++ids[0]] = a->id;
    return C_OK;
}

static void test_accounts_and_keys(void **state)
{
    store_t *st = ST_OF(state);
    assert_int_equal(st->ops->account_count(st), 0);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t b = mk_account(st, "MA000000000000000002", 0);
    int64_t s = mk_account(st, "SA000000000000000001", a);
    assert_int_equal(st->ops->account_count(st), 3);
    account_t dup;
    memset(&dup, 0, sizeof dup);
    strcpy(dup.auth_id, "MA000000000000000001");
    strcpy(dup.name, "again");
    assert_int_equal(st->ops->account_insert(st, &dup), ST_CONFLICT);

    account_t r;
    assert_int_equal(st->ops->account_by_auth_id(st, "SA000000000000000001", &r), ST_OK);
    assert_int_equal(r.id, s);
    assert_int_equal(r.parent_id, a);
    assert_string_equal(r.name, "name of SA000000000000000001");
    assert_true(r.enabled);
    uint8_t h[IDS_HASH_SZ];
    memset(h, '0', sizeof h);
    assert_memory_equal(r.token_hash, h, IDS_HASH_SZ);
    assert_int_equal(r.created_at, 1700000000);
    assert_int_equal(st->ops->account_by_id(st, b, &r), ST_OK);
    assert_string_equal(r.auth_id, "MA000000000000000002");
    assert_int_equal(r.parent_id, 0);
    assert_int_equal(st->ops->account_by_id(st, b + s + 100, &r), ST_NOTFOUND);
    assert_int_equal(st->ops->account_by_auth_id(st, "MA999999999999999999", &r), ST_NOTFOUND);

    /* main accounts only, by id */
    int64_t ids[8] = {0};
    assert_int_equal(st->ops->account_list(st, count_accounts, ids), ST_OK);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], a);
    assert_int_equal(ids[2], b);

    uint8_t k1[IDS_HASH_SZ], k2[IDS_HASH_SZ];
    memset(k1, 0xa1, sizeof k1);
    memset(k2, 0xb2, sizeof k2);
    assert_int_equal(st->ops->apikey_insert(st, a, k1, SCOPE_READ), ST_OK);
    assert_int_equal(st->ops->apikey_insert(st, b, k2, SCOPE_READ | SCOPE_WRITE), ST_OK);
    int64_t who = 0;
    unsigned scopes = 0;
    assert_int_equal(st->ops->apikey_lookup(st, k2, &who, &scopes), ST_OK);
    assert_int_equal(who, b);
    assert_int_equal(scopes, SCOPE_READ | SCOPE_WRITE);
    assert_int_equal(st->ops->apikey_lookup(st, k1, &who, &scopes), ST_OK);
    assert_int_equal(who, a);
    assert_int_equal(scopes, SCOPE_READ);
    memset(k1, 0xc3, sizeof k1);
    assert_int_equal(st->ops->apikey_lookup(st, k1, &who, &scopes), ST_NOTFOUND);
}

/* issue 18: the credential lifecycle ops */
static void test_credentials(void **state)
{
    store_t *st = ST_OF(state);
    seed(st);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t b = mk_account(st, "MA000000000000000002", 0);
    int64_t s = mk_account(st, "SA000000000000000001", a);

    /* a new account is active, without a rotated token */
    account_t r;
    assert_int_equal(st->ops->account_by_id(st, a, &r), ST_OK);
    assert_int_equal(r.status, ACCT_ACTIVE);
    assert_int_equal(r.old_token_until, 0);

    /* keys: create, read back by hash, list newest first with paging */
    apikey_t k[3];
    for (int i = 0; i < 3; i++) {
        memset(&k[i], 0, sizeof k[i]);
        k[i].account_id = i < 2 ? a : b;
        memset(k[i].hash, 0x10 + i, IDS_HASH_SZ);
        snprintf(k[i].prefix, sizeof k[i].prefix, "nd_live_k%03d", i);
        snprintf(k[i].label, sizeof k[i].label, "label %d", i);
        k[i].scopes = i == 0 ? SCOPE_READ : SCOPE_ALL;
        k[i].created_at = 1700000000 + i;
        k[i].expires_at = i == 1 ? 1800000000 : 0;
        assert_int_equal(st->ops->apikey_create(st, &k[i]), ST_OK);
        assert_true(k[i].id > 0);
    }
    apikey_t dup = k[0];
    assert_int_equal(st->ops->apikey_create(st, &dup), ST_CONFLICT);   /* same hash */
    apikey_t got;
    assert_int_equal(st->ops->apikey_by_hash(st, k[1].hash, &got), ST_OK);
    assert_int_equal(got.id, k[1].id);
    assert_int_equal(got.account_id, a);
    assert_memory_equal(got.hash, k[1].hash, IDS_HASH_SZ);
    assert_string_equal(got.prefix, "nd_live_k001");
    assert_string_equal(got.label, "label 1");
    assert_int_equal(got.scopes, SCOPE_ALL);
    assert_int_equal(got.created_at, 1700000001);
    assert_int_equal(got.expires_at, 1800000000);
    assert_int_equal(got.last_used_at, 0);
    assert_int_equal(got.revoked_at, 0);
    uint8_t none[IDS_HASH_SZ];
    memset(none, 0x77, sizeof none);
    assert_int_equal(st->ops->apikey_by_hash(st, none, &got), ST_NOTFOUND);
    apikey_t rows[4];
    size_t n = 0;
    int64_t total = 0;
    assert_int_equal(st->ops->apikey_list(st, a, 4, 0, rows, &n, &total), ST_OK);
    assert_int_equal(n, 2);
    assert_int_equal(total, 2);
    assert_int_equal(rows[0].id, k[1].id);
    assert_int_equal(rows[1].id, k[0].id);
    assert_int_equal(st->ops->apikey_list(st, a, 1, 1, rows, &n, &total), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(total, 2);
    assert_int_equal(rows[0].id, k[0].id);
    assert_int_equal(st->ops->apikey_list(st, s, 4, 0, rows, &n, &total), ST_OK);
    assert_int_equal(n, 0);
    assert_int_equal(total, 0);

    /* touch only moves forwards */
    assert_int_equal(st->ops->apikey_touch(st, k[0].id, 1700000500), ST_OK);
    assert_int_equal(st->ops->apikey_touch(st, k[0].id, 1700000400), ST_OK);
    assert_int_equal(st->ops->apikey_by_hash(st, k[0].hash, &got), ST_OK);
    assert_int_equal(got.last_used_at, 1700000500);

    /* revoke: once, and only the owner's */
    assert_int_equal(st->ops->apikey_revoke(st, b, k[0].id, 1700001000, &got), ST_NOTFOUND);
    memset(&got, 0, sizeof got);
    assert_int_equal(st->ops->apikey_revoke(st, a, k[0].id, 1700001000, &got), ST_OK);
    assert_int_equal(got.id, k[0].id); /* the key as revoked: its event's data */
    assert_int_equal(got.account_id, a);
    assert_int_equal(got.scopes, k[0].scopes);
    assert_int_equal(got.revoked_at, 1700001000);
    assert_int_equal(st->ops->apikey_revoke(st, a, k[0].id, 1700001001, &got), ST_NOTFOUND);
    assert_int_equal(st->ops->apikey_revoke(st, a, k[2].id + 100, 1700001001, &got), ST_NOTFOUND);
    assert_int_equal(st->ops->apikey_by_hash(st, k[0].hash, &got), ST_OK);
    assert_int_equal(got.revoked_at, 1700001000);
    assert_int_equal(st->ops->apikey_revoke_all(st, a, 1700002000), ST_OK);
    assert_int_equal(st->ops->apikey_by_hash(st, k[0].hash, &got), ST_OK);
    assert_int_equal(got.revoked_at, 1700001000);   /* already revoked: kept */
    assert_int_equal(st->ops->apikey_by_hash(st, k[1].hash, &got), ST_OK);
    assert_int_equal(got.revoked_at, 1700002000);
    assert_int_equal(st->ops->apikey_by_hash(st, k[2].hash, &got), ST_OK);
    assert_int_equal(got.revoked_at, 0);            /* another account's */

    /* status: the account and its subaccounts, nobody else */
    assert_int_equal(st->ops->account_set_status(st, a, ACCT_SUSPENDED, 1700003000), ST_OK);
    assert_int_equal(st->ops->account_by_id(st, a, &r), ST_OK);
    assert_int_equal(r.status, ACCT_SUSPENDED);
    assert_int_equal(r.modified_at, 1700003000);
    assert_int_equal(st->ops->account_by_id(st, s, &r), ST_OK);
    assert_int_equal(r.status, ACCT_SUSPENDED);
    assert_int_equal(st->ops->account_by_id(st, b, &r), ST_OK);
    assert_int_equal(r.status, ACCT_ACTIVE);
    assert_int_equal(st->ops->account_set_status(st, a + b + s + 100, ACCT_CLOSED, 1), ST_NOTFOUND);

    /* token: a new hash, the old one kept until a time, or not at all */
    uint8_t t1[IDS_HASH_SZ], old[IDS_HASH_SZ];
    memset(t1, 0x5a, sizeof t1);
    assert_int_equal(st->ops->account_by_id(st, s, &r), ST_OK);
    memcpy(old, r.token_hash, IDS_HASH_SZ);
    assert_int_equal(st->ops->account_set_token(st, s, t1, old, 1700009999, 1700004000), ST_OK);
    assert_int_equal(st->ops->account_by_auth_id(st, "SA000000000000000001", &r), ST_OK);
    assert_memory_equal(r.token_hash, t1, IDS_HASH_SZ);
    assert_memory_equal(r.old_token_hash, old, IDS_HASH_SZ);
    assert_int_equal(r.old_token_until, 1700009999);
    assert_int_equal(st->ops->account_set_token(st, s, old, NULL, 1700009999, 1700004001), ST_OK);
    assert_int_equal(st->ops->account_by_id(st, s, &r), ST_OK);
    assert_memory_equal(r.token_hash, old, IDS_HASH_SZ);
    assert_int_equal(r.old_token_until, 0);
    assert_int_equal(st->ops->account_set_token(st, a + b + s + 100, t1, NULL, 0, 1), ST_NOTFOUND);

    /* release every number of an account: inventory ones age, a customer's
     * own are deleted, another account's stay */
    buy_row_t bu = buy("14155550001", a, NUM_ACTIVE, NULL);
    assert_int_equal(st->ops->number_buy(st, &bu), ST_OK);
    bu = buy("14155560001", a, NUM_PENDING, NULL);
    assert_int_equal(st->ops->number_buy(st, &bu), ST_OK);
    bu = buy("12125550001", b, NUM_ACTIVE, NULL);
    assert_int_equal(st->ops->number_buy(st, &bu), ST_OK);
    owned_number_t own = byoc_number("15005550009", a, 0, "66666666-6666-4666-8666-666666666666");
    own.sub_id = s;
    assert_int_equal(st->ops->number_insert_owned(st, &own), ST_OK);
    int64_t released = -1;
    assert_int_equal(st->ops->number_release_all(st, a, false, &released), ST_OK);
    assert_int_equal(released, 3);
    num_state_t ns;
    num_source_t src;
    int64_t owner;
    assert_int_equal(st->ops->number_lookup(st, "14155550001", &ns, &src, &owner), ST_OK);
    assert_int_equal(ns, NUM_AGING);
    assert_int_equal(owner, 0);
    assert_int_equal(st->ops->number_lookup(st, "14155560001", &ns, &src, &owner), ST_OK);
    assert_int_equal(ns, NUM_AGING);
    assert_int_equal(st->ops->number_lookup(st, "15005550009", &ns, &src, &owner), ST_NOTFOUND);
    assert_int_equal(st->ops->number_lookup(st, "12125550001", &ns, &src, &owner), ST_OK);
    assert_int_equal(ns, NUM_ACTIVE);
    assert_int_equal(owner, b);
    assert_int_equal(st->ops->number_release_all(st, a, false, &released), ST_OK);
    assert_int_equal(released, 0);
    bu = buy("18005550001", b, NUM_ACTIVE, NULL);
    assert_int_equal(st->ops->number_buy(st, &bu), ST_OK);
    assert_int_equal(st->ops->number_release_all(st, b, true, &released), ST_OK);
    assert_int_equal(released, 2);
    assert_int_equal(st->ops->number_lookup(st, "18005550001", &ns, &src, &owner), ST_OK);
    assert_int_equal(ns, NUM_AVAILABLE);

    /* the epoch: one counter that only goes up, inside transactions too */
    int64_t e0 = 0, e1 = 0;
    assert_int_equal(st->ops->cred_epoch_get(st, &e0), ST_OK);
    assert_true(e0 >= 1);
    assert_int_equal(st->ops->cred_epoch_bump(st), ST_OK);
    assert_int_equal(st->ops->cred_epoch_get(st, &e1), ST_OK);
    assert_int_equal(e1, e0 + 1);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->cred_epoch_bump(st), ST_OK);
    st->ops->tx_rollback(st);
    assert_int_equal(st->ops->cred_epoch_get(st, &e1), ST_OK);
    assert_int_equal(e1, e0 + 1);   /* rolled back with its transaction */
}

static void test_subaccounts(void **state)
{
    store_t *st = ST_OF(state);
    seed(st);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t other = mk_account(st, "MA000000000000000002", 0);
    int64_t s1 = mk_account(st, "SA000000000000000001", a);
    int64_t s2 = mk_account(st, "SA000000000000000002", a);
    int64_t s3 = mk_account(st, "SA000000000000000003", a);
    account_t rows[4];
    size_t n = 0;
    int64_t total = 0;
    assert_int_equal(st->ops->sub_list(st, a, 2, 1, rows, &n, &total), ST_OK);
    assert_int_equal(n, 2);
    assert_int_equal(total, 3);
    assert_int_equal(rows[0].id, s2);
    assert_int_equal(rows[1].id, s3);
    assert_int_equal(rows[0].parent_id, a);
    assert_int_equal(st->ops->sub_list(st, other, 4, 0, rows, &n, &total), ST_OK);
    assert_int_equal(n, 0);
    assert_int_equal(total, 0);

    account_t u;
    assert_int_equal(st->ops->account_by_id(st, s1, &u), ST_OK);
    strcpy(u.name, "renamed");
    u.enabled = false;
    u.modified_at = 1800000000;
    assert_int_equal(st->ops->account_update(st, &u), ST_OK);
    assert_int_equal(st->ops->account_by_id(st, s1, &u), ST_OK);
    assert_string_equal(u.name, "renamed");
    assert_false(u.enabled);
    assert_int_equal(u.modified_at, 1800000000);
    u.id = s3 + 100;
    assert_int_equal(st->ops->account_update(st, &u), ST_NOTFOUND);

    /* delete: its number, application and carrier go to the parent, its
     * idempotency records go */
    buy_row_t b = buy("14155550001", a, NUM_ACTIVE, NULL);
    b.sub_id = s1;
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    app_t app;
    memset(&app, 0, sizeof app);
    strcpy(app.app_id, "10000000000000001");
    app.account_id = a;
    app.sub_id = s1;
    strcpy(app.app_name, "sub app");
    strcpy(app.answer_url, "https://example.com/a");
    strcpy(app.answer_method, "POST");
    strcpy(app.hangup_method, "POST");
    strcpy(app.fallback_method, "POST");
    strcpy(app.message_method, "POST");
    assert_int_equal(st->ops->app_insert(st, &app), ST_OK);
    carrier_t cr = carrier(a, "Sub trunk", "10000000000002", NULL, 0);
    cr.sub_id = s1;
    assert_int_equal(st->ops->carrier_insert(st, &cr), ST_OK);
    idem_row_t ir = {.status = 201, .body = "{}", .created_at = 1700000000};
    assert_int_equal(st->ops->idem_put(st, s1, "key-1", &ir), ST_OK);

    /* not its parent: refused (store.h: inside a write transaction, which
     * the caller then rolls back) */
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->sub_delete(st, other, s1), ST_NOTFOUND);
    st->ops->tx_rollback(st);
    assert_int_equal(st->ops->account_by_id(st, s1, &u), ST_OK);
    owned_number_t before;
    assert_int_equal(st->ops->number_get_owned(st, a, s1, "14155550001", &before), ST_OK);
    /* the parent has a carrier of the same name: its names are its own
     * (issue 15), so the move would repeat one -- ST_CONFLICT, and after
     * the rollback nothing moved */
    carrier_t clash = carrier(a, "Sub trunk", "10000000000009", NULL, 0);
    assert_int_equal(st->ops->carrier_insert(st, &clash), ST_OK);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->sub_delete(st, a, s1), ST_CONFLICT);
    st->ops->tx_rollback(st);
    assert_int_equal(st->ops->account_by_id(st, s1, &u), ST_OK);
    assert_int_equal(st->ops->number_get_owned(st, a, s1, "14155550001", &before), ST_OK);
    int64_t in_use = 0;
    assert_int_equal(st->ops->carrier_delete(st, a, clash.id, &in_use), ST_OK);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->sub_delete(st, a, s1), ST_OK);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    assert_int_equal(st->ops->account_by_id(st, s1, &u), ST_NOTFOUND);
    owned_number_t o;
    assert_int_equal(st->ops->number_get_owned(st, a, 0, "14155550001", &o), ST_OK);
    assert_int_equal(o.sub_id, 0);
    app_t ra;
    assert_int_equal(st->ops->app_get(st, a, 0, "10000000000000001", &ra), ST_OK);
    assert_int_equal(ra.sub_id, 0);
    carrier_t rc;
    assert_int_equal(st->ops->carrier_get(st, a, 0, "10000000000002", &rc), ST_OK);
    assert_int_equal(rc.sub_id, 0);
    carrier_clear(&rc);
    idem_row_t got;
    assert_int_equal(st->ops->idem_get(st, s1, "key-1", &got), ST_NOTFOUND);
    assert_int_equal(st->ops->sub_list(st, a, 4, 0, rows, &n, &total), ST_OK);
    assert_int_equal(total, 2);
}

/* ---- applications, compliance --------------------------------------------------------------- */

static app_t mk_app(int64_t account, int64_t sub, const char *id, const char *name)
{
    app_t a;
    memset(&a, 0, sizeof a);
    snprintf(a.app_id, sizeof a.app_id, "%s", id);
    a.account_id = account;
    a.sub_id = sub;
    snprintf(a.app_name, sizeof a.app_name, "%s", name);
    strcpy(a.answer_url, "https://example.com/answer");
    strcpy(a.answer_method, "POST");
    strcpy(a.hangup_method, "GET");
    strcpy(a.fallback_method, "POST");
    strcpy(a.message_method, "POST");
    a.log_incoming_messages = true;
    a.created_at = a.modified_at = 1700000000;
    return a;
}

static int count_text(const char *s, void *ud)
{
    (void)s;
    ++*(int *)ud;
    return C_OK;
}

static void test_applications(void **state)
{
    store_t *st = ST_OF(state);
    seed(st);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t sub = mk_account(st, "SA000000000000000001", a);
    int64_t other = mk_account(st, "MA000000000000000002", 0);
    app_t x = mk_app(a, 0, "10000000000000001", "alpha");
    strcpy(x.hangup_url, "https://example.com/hangup");
    x.is_voice_request = true;
    assert_int_equal(st->ops->app_insert(st, &x), ST_OK);
    app_t y = mk_app(a, sub, "10000000000000002", "beta");
    y.default_number_app = true;
    assert_int_equal(st->ops->app_insert(st, &y), ST_OK);
    app_t z = mk_app(other, 0, "10000000000000003", "alpha"); /* names are per account */
    assert_int_equal(st->ops->app_insert(st, &z), ST_OK);
    app_t taken = mk_app(a, 0, "10000000000000004", "alpha");
    assert_int_equal(st->ops->app_insert(st, &taken), ST_CONFLICT);
    taken = mk_app(a, 0, "10000000000000001", "gamma");
    assert_int_equal(st->ops->app_insert(st, &taken), ST_CONFLICT);
    /* names are unique per owner (issue 15, migrations 0007/0006): the
     * subaccount may have an "alpha" too, and a second "beta" of its own
     * is refused */
    app_t scoped = mk_app(a, sub, "10000000000000005", "alpha");
    assert_int_equal(st->ops->app_insert(st, &scoped), ST_OK);
    scoped = mk_app(a, sub, "10000000000000006", "beta");
    assert_int_equal(st->ops->app_insert(st, &scoped), ST_CONFLICT);
    assert_int_equal(st->ops->app_delete(st, a, "10000000000000005", NULL, NULL), ST_OK);

    app_t r;
    assert_int_equal(st->ops->app_get(st, a, 0, "10000000000000001", &r), ST_OK);
    assert_string_equal(r.app_name, "alpha");
    assert_string_equal(r.hangup_url, "https://example.com/hangup");
    assert_string_equal(r.hangup_method, "GET");
    assert_string_equal(r.fallback_answer_url, "");
    assert_true(r.is_voice_request);
    assert_true(r.log_incoming_messages);
    assert_false(r.default_number_app);
    assert_int_equal(st->ops->app_get(st, a, sub, "10000000000000001", &r), ST_NOTFOUND);
    assert_int_equal(st->ops->app_get(st, a, sub, "10000000000000002", &r), ST_OK);
    assert_string_equal(r.sub_auth_id, "SA000000000000000001");
    assert_int_equal(st->ops->app_get(st, other, 0, "10000000000000001", &r), ST_NOTFOUND);
    assert_int_equal(st->ops->app_exists(st, a, "10000000000000002"), ST_OK);
    assert_int_equal(st->ops->app_exists(st, other, "10000000000000002"), ST_NOTFOUND);

    app_t rows[4];
    size_t n = 0;
    int64_t total = 0;
    assert_int_equal(st->ops->app_list(st, a, 0, NULL, 4, 0, rows, &n, &total), ST_OK);
    assert_int_equal(n, 2);
    assert_int_equal(total, 2);
    assert_string_equal(rows[0].app_id, "10000000000000001");
    assert_int_equal(st->ops->app_list(st, a, 0, NULL, 1, 1, rows, &n, &total), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(total, 2);
    assert_string_equal(rows[0].app_id, "10000000000000002");
    assert_int_equal(st->ops->app_list(st, a, 0, "beta", 4, 0, rows, &n, &total), ST_OK);
    assert_int_equal(total, 1);
    assert_int_equal(st->ops->app_list(st, a, sub, NULL, 4, 0, rows, &n, &total), ST_OK);
    assert_int_equal(total, 1);
    assert_string_equal(rows[0].app_name, "beta");

    char def[MODEL_APP_ID_SZ];
    assert_int_equal(st->ops->app_default(st, a, def), ST_OK);
    assert_string_equal(def, "10000000000000002");
    assert_int_equal(st->ops->app_clear_default(st, a), ST_OK);
    assert_int_equal(st->ops->app_default(st, a, def), ST_NOTFOUND);

    x.sub_id = sub;
    strcpy(x.app_name, "beta"); /* taken by y */
    assert_int_equal(st->ops->app_update(st, &x), ST_CONFLICT);
    strcpy(x.app_name, "alpha2");
    x.hangup_url[0] = '\0';
    x.modified_at = 1800000000;
    assert_int_equal(st->ops->app_update(st, &x), ST_OK);
    assert_int_equal(st->ops->app_get(st, a, sub, "10000000000000001", &r), ST_OK);
    assert_string_equal(r.app_name, "alpha2");
    assert_string_equal(r.hangup_url, "");
    assert_int_equal(r.modified_at, 1800000000);
    x.account_id = other;
    assert_int_equal(st->ops->app_update(st, &x), ST_NOTFOUND);

    /* delete unlinks the numbers that used it */
    buy_row_t b = buy("14155550001", a, NUM_ACTIVE, NULL);
    b.app_id = "10000000000000001";
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    owned_number_t o;
    assert_int_equal(st->ops->number_get_owned(st, a, 0, "14155550001", &o), ST_OK);
    assert_string_equal(o.app_id, "10000000000000001");
    assert_int_equal(st->ops->app_delete(st, other, "10000000000000001", NULL, NULL), ST_NOTFOUND);
    int unlinked = 0;
    assert_int_equal(st->ops->app_delete(st, a, "10000000000000001", count_text, &unlinked), ST_OK);
    assert_int_equal(unlinked, 1); /* the number that used it is handed back */
    assert_int_equal(st->ops->app_delete(st, a, "10000000000000001", NULL, NULL), ST_NOTFOUND);
    assert_int_equal(st->ops->number_get_owned(st, a, 0, "14155550001", &o), ST_OK);
    assert_string_equal(o.app_id, "");
}

typedef struct {
    char ids[4][IDS_UUID_SZ];
    int64_t created_at;
    size_t n;
} cp_walk_t;

static int cp_walk(const compliance_t *c, void *ud)
{
    cp_walk_t *w = ud;
    if (w->n < 4) memcpy(w->ids[w->n], c->id, IDS_UUID_SZ);
    w->created_at = c->created_at;
    w->n++;
    return C_OK;
}

typedef struct {
    char first[E164_BUFSZ];
    size_t n;
} num_walk_t;

static int num_walk(const inv_number_t *v, void *ud)
{
    num_walk_t *w = ud;
    if (w->n++ == 0) memcpy(w->first, v->number, E164_BUFSZ);
    return C_OK;
}

static void test_compliance(void **state)
{
    store_t *st = ST_OF(state);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t other = mk_account(st, "MA000000000000000002", 0);
    compliance_t c1 = {.id = "66666666-6666-4666-8666-666666666661", .account_id = a,
                       .country_iso = "DE", .number_type = "local", .approved = true};
    compliance_t c2 = {.id = "66666666-6666-4666-8666-666666666662", .account_id = a,
                       .country_iso = "DE", .number_type = "national", .approved = true};
    compliance_t c3 = {.id = "66666666-6666-4666-8666-666666666663", .account_id = a,
                       .country_iso = "DE", .number_type = "local", .approved = false};
    assert_int_equal(st->ops->compliance_insert(st, &c1), ST_OK);
    assert_int_equal(st->ops->compliance_insert(st, &c2), ST_OK);
    assert_int_equal(st->ops->compliance_insert(st, &c3), ST_OK);
    compliance_t r;
    assert_int_equal(st->ops->compliance_get(st, a, c3.id, &r), ST_OK);
    assert_string_equal(r.country_iso, "DE");
    assert_string_equal(r.number_type, "local");
    assert_false(r.approved);
    assert_int_equal(r.account_id, a);
    assert_int_equal(st->ops->compliance_get(st, other, c3.id, &r), ST_NOTFOUND);
    /* the most recent approved record of either type */
    assert_int_equal(st->ops->compliance_latest(st, a, "DE", "local", "national", &r), ST_OK);
    assert_string_equal(r.id, c2.id);
    assert_int_equal(st->ops->compliance_latest(st, a, "DE", "local", "local", &r), ST_OK);
    assert_string_equal(r.id, c1.id);
    assert_int_equal(st->ops->compliance_latest(st, a, "DE", "mobile", "mobile", &r),
                     ST_NOTFOUND);
    assert_int_equal(st->ops->compliance_latest(st, other, "DE", "local", "national", &r),
                     ST_NOTFOUND);
    assert_true(r.created_at >= 0);

    /* every record of the account, oldest first */
    cp_walk_t w = {0};
    assert_int_equal(st->ops->compliance_list(st, a, cp_walk, &w), ST_OK);
    assert_int_equal(w.n, 3);
    assert_string_equal(w.ids[0], c1.id);
    assert_string_equal(w.ids[2], c3.id);
    assert_true(w.created_at > 0);
    memset(&w, 0, sizeof w);
    assert_int_equal(st->ops->compliance_list(st, other, cp_walk, &w), ST_OK);
    assert_int_equal(w.n, 0);

    /* the numbers linked to a record: the account's owned ones only */
    seed(st);
    buy_row_t b = buy("442071234567", a, NUM_ACTIVE, NULL);
    b.compliance_id = c1.id;
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    b = buy("14155550001", a, NUM_PENDING, NULL);
    b.compliance_id = c1.id;
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    b = buy("12125550001", a, NUM_ACTIVE, NULL);
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    num_walk_t nw = {0};
    assert_int_equal(st->ops->compliance_numbers(st, a, c1.id, num_walk, &nw), ST_OK);
    assert_int_equal(nw.n, 2);
    assert_string_equal(nw.first, "14155550001");
    memset(&nw, 0, sizeof nw);
    assert_int_equal(st->ops->compliance_numbers(st, other, c1.id, num_walk, &nw), ST_OK);
    assert_int_equal(nw.n, 0);
    assert_int_equal(st->ops->number_release(st, a, "14155550001", true), ST_OK);
    assert_int_equal(st->ops->compliance_numbers(st, a, c1.id, num_walk, &nw), ST_OK);
    assert_int_equal(nw.n, 1);
}

/* ---- inventory reads of the Plivo Pricing and requirement endpoints ---------------------------- */

typedef struct {
    char types[8][MODEL_TYPE_SZ];
    int64_t rates[8];
    size_t n;
} rate_walk_t;

static int rate_walk(const char *type, int64_t rate, void *ud)
{
    rate_walk_t *w = ud;
    if (w->n < 8) {
        snprintf(w->types[w->n], MODEL_TYPE_SZ, "%s", type);
        w->rates[w->n] = rate;
    }
    w->n++;
    return C_OK;
}

typedef struct {
    char r[4][MODEL_RESTRICTION_SZ];
    char text[4][MODEL_RESTRICTION_TEXT_SZ];
    size_t n;
} restr_walk_t;

static int restr_walk(const char *r, const char *text, void *ud)
{
    restr_walk_t *w = ud;
    if (w->n < 4) {
        snprintf(w->r[w->n], MODEL_RESTRICTION_SZ, "%s", r);
        snprintf(w->text[w->n], MODEL_RESTRICTION_TEXT_SZ, "%s", text);
    }
    w->n++;
    return C_OK;
}

static void test_inventory_rates_and_restrictions(void **state)
{
    store_t *st = ST_OF(state);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    inv_number_t rows[] = {
        inv_us("14155550001", "San Francisco", "SNFC CA", 722, true),
        inv_us("14155550002", "San Francisco", "SNFC CA", 722, true),
        inv_us("14155550003", "San Francisco", "SNFC CA", 722, true),
        inv("18005550001", "US", "tollfree", "tollfree"),
        inv("442071234567", "GB", "fixed", "local"),
        inv("442071234568", "GB", "fixed", "local"),
    };
    rows[0].monthly_rental_rate = 30000;
    rows[1].monthly_rental_rate = 20000; /* the lowest local, but sold below */
    rows[2].monthly_rental_rate = 40000;
    snprintf(rows[4].restriction, sizeof rows[4].restriction, "address");
    snprintf(rows[4].restriction_text, sizeof rows[4].restriction_text, "a local address");
    snprintf(rows[5].restriction, sizeof rows[5].restriction, "address");
    snprintf(rows[5].restriction_text, sizeof rows[5].restriction_text, "a local address");
    import_rows(st, rows, ND_ARRAY_LEN(rows));
    buy_row_t b = buy("14155550002", a, NUM_ACTIVE, NULL);
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);

    rate_walk_t w = {0};
    assert_int_equal(st->ops->inventory_rates(st, "US", rate_walk, &w), ST_OK);
    assert_int_equal(w.n, 2);
    assert_string_equal(w.types[0], "local");
    assert_int_equal(w.rates[0], 30000); /* of the numbers for sale */
    assert_string_equal(w.types[1], "tollfree");
    assert_int_equal(w.rates[1], 50000);
    memset(&w, 0, sizeof w);
    assert_int_equal(st->ops->inventory_rates(st, "DE", rate_walk, &w), ST_OK);
    assert_int_equal(w.n, 0);

    restr_walk_t r = {0};
    assert_int_equal(st->ops->inventory_restrictions(st, "GB", "local", restr_walk, &r), ST_OK);
    assert_int_equal(r.n, 1); /* distinct */
    assert_string_equal(r.r[0], "address");
    assert_string_equal(r.text[0], "a local address");
    memset(&r, 0, sizeof r);
    assert_int_equal(st->ops->inventory_restrictions(st, "GB", "fixed", restr_walk, &r), ST_OK);
    assert_int_equal(r.n, 1); /* by type or sub_type */
    memset(&r, 0, sizeof r);
    assert_int_equal(st->ops->inventory_restrictions(st, "US", "local", restr_walk, &r), ST_OK);
    assert_int_equal(r.n, 0);
}

/* ---- carriers ----------------------------------------------------------------------------------- */

static void test_carriers(void **state)
{
    store_t *st = ST_OF(state);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t sub = mk_account(st, "SA000000000000000001", a);
    int64_t other = mk_account(st, "MA000000000000000002", 0);
    gateway_t gw[2] = {
        {.sid = "dddddddd-dddd-4ddd-8ddd-dddddddddd01", .address = "198.51.100.0", .port = 5060,
         .netmask = 24, .inbound = true},
        {.sid = "dddddddd-dddd-4ddd-8ddd-dddddddddd02", .address = "sip.example.net",
         .port = 5080, .netmask = 32, .outbound = true, .transport = GW_TP_TCP},
    };
    carrier_t c1 = carrier(a, "Alpha", "10000000000001", gw, 2);
    c1.incoming = true;
    c1.trunk = TRUNK_AUTH;
    strcpy(c1.in_user, "alice");
    c1.in_box_len = 40;
    memset(c1.in_box, 0x5a, c1.in_box_len);
    assert_int_equal(st->ops->carrier_insert(st, &c1), ST_OK);
    assert_true(c1.id > 0);
    carrier_t c2 = carrier(a, "Beta", "10000000000002", NULL, 0);
    c2.sub_id = sub;
    c2.trunk = TRUNK_REG;
    strcpy(c2.reg_user, "bob");
    c2.reg_box_len = 3;
    memcpy(c2.reg_box, "\x00\x01\xff", 3);
    strcpy(c2.reg_realm, "example.org");
    c2.reg_expires = 600;
    assert_int_equal(st->ops->carrier_insert(st, &c2), ST_OK);
    carrier_t dup = carrier(a, "Alpha", "10000000000003", NULL, 0);
    assert_int_equal(st->ops->carrier_insert(st, &dup), ST_CONFLICT); /* name taken */
    carrier_t dup_sub = carrier(a, "Beta", "10000000000000005", NULL, 0);
    dup_sub.sub_id = sub;
    assert_int_equal(st->ops->carrier_insert(st, &dup_sub), ST_CONFLICT); /* taken in the sub's names */
    carrier_t same_name = carrier(other, "Alpha", "10000000000004", NULL, 0);
    assert_int_equal(st->ops->carrier_insert(st, &same_name), ST_OK);

    /* by any of its three ids */
    carrier_t r;
    const char *refs[] = {"10000000000001", c1.uuid, c1.voip_sid};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(st->ops->carrier_get(st, a, 0, refs[i], &r), ST_OK);
        assert_int_equal(r.id, c1.id);
        assert_string_equal(r.name, "Alpha");
        assert_int_equal(r.trunk, TRUNK_AUTH);
        assert_string_equal(r.in_user, "alice");
        assert_int_equal(r.in_box_len, 40);
        assert_memory_equal(r.in_box, c1.in_box, 40);
        assert_int_equal(r.reg_box_len, 0);
        assert_int_equal(r.ngw, 2);
        assert_string_equal(r.gw[0].address, "198.51.100.0");
        assert_int_equal(r.gw[0].netmask, 24);
        assert_true(r.gw[0].inbound && !r.gw[0].outbound);
        assert_string_equal(r.gw[1].address, "sip.example.net");
        assert_int_equal(r.gw[1].port, 5080);
        assert_string_equal(r.gw[1].sid, "dddddddd-dddd-4ddd-8ddd-dddddddddd02");
        /* 0011_sip_edge / 0010_sip_edge */
        assert_true(r.incoming);
        assert_int_equal(r.gw[0].transport, GW_TP_UDP);
        assert_int_equal(r.gw[1].transport, GW_TP_TCP);
        assert_false(r.gw[1].down);
        assert_string_equal(r.registrar_ip, "");
        carrier_clear(&r);
        /* the head: the same carrier and fields (the gateways may be left out) */
        carrier_t h;
        memset(&h, 0, sizeof h);
        assert_int_equal(st->ops->carrier_head(st, a, 0, refs[i], &h), ST_OK);
        assert_int_equal(h.id, c1.id);
        assert_string_equal(h.name, "Alpha");
        assert_string_equal(h.voip_sid, c1.voip_sid);
        assert_int_equal(h.voice, c1.voice);
        assert_int_equal(h.sms, c1.sms);
        assert_int_equal(h.trunk, TRUNK_AUTH);
        assert_true(h.ngw == 0 || h.ngw == 2);
        carrier_clear(&h);
    }
    {
        carrier_t h;
        memset(&h, 0, sizeof h);
        assert_int_equal(st->ops->carrier_head(st, other, 0, "10000000000001", &h), ST_NOTFOUND);
        assert_int_equal(st->ops->carrier_head(st, a, sub, "10000000000001", &h), ST_NOTFOUND);
    }
    /* a gateway stored down counts only while its carrier is probed */
    gw_health_t h = {.sid = "dddddddd-dddd-4ddd-8ddd-dddddddddd02", .carrier_id = c1.id, .state = GW_DOWN,
                     .misses = 3, .updated_at = 1};
    assert_int_equal(st->ops->health_put(st, &h), ST_OK);
    assert_int_equal(st->ops->carrier_get(st, a, 0, c1.uuid, &r), ST_OK);
    assert_false(r.gw[1].down);
    carrier_clear(&r);
    assert_int_equal(st->ops->probe_set(st, c1.id, 5), ST_OK);
    assert_int_equal(st->ops->carrier_get(st, a, 0, c1.uuid, &r), ST_OK);
    assert_true(r.gw[1].down);
    assert_false(r.gw[0].down);
    carrier_clear(&r);
    h.state = GW_UP;
    assert_int_equal(st->ops->health_put(st, &h), ST_OK);
    assert_int_equal(st->ops->carrier_get(st, a, 0, c1.uuid, &r), ST_OK);
    assert_false(r.gw[1].down);
    carrier_clear(&r);
    assert_int_equal(st->ops->probe_set(st, c1.id, 0), ST_OK);
    /* a reg carrier's stored registrar address comes with the carrier */
    reg_status_t rs = {.carrier_id = c2.id, .state = REG_REGISTERED, .registrar_ip = "192.0.2.7", .updated_at = 1};
    assert_int_equal(st->ops->reg_status_put(st, &rs), ST_OK);
    assert_int_equal(st->ops->reg_status_put(st, &rs), ST_OK); /* an upsert */
    assert_int_equal(st->ops->carrier_get(st, a, sub, "10000000000002", &r), ST_OK);
    assert_string_equal(r.registrar_ip, "192.0.2.7");
    assert_false(r.incoming);
    carrier_clear(&r);
    assert_int_equal(st->ops->carrier_get(st, other, 0, "10000000000001", &r), ST_NOTFOUND);
    assert_int_equal(st->ops->carrier_get(st, a, sub, "10000000000001", &r), ST_NOTFOUND);
    assert_int_equal(st->ops->carrier_get(st, a, sub, "10000000000002", &r), ST_OK);
    assert_string_equal(r.sub_auth_id, "SA000000000000000001");
    assert_int_equal(r.reg_box_len, 3);
    assert_memory_equal(r.reg_box, "\x00\x01\xff", 3);
    assert_string_equal(r.reg_realm, "example.org");
    assert_int_equal(r.reg_expires, 600);
    assert_int_equal(r.ngw, 0);
    carrier_clear(&r);

    /* a number routed through Alpha: counted, renamed with it, and Alpha
     * cannot go while it is there */
    owned_number_t n = byoc_number("15005550001", a, c1.id, "77777777-7777-4777-8777-777777777777");
    snprintf(n.inv.carrier, sizeof n.inv.carrier, "Alpha");
    assert_int_equal(st->ops->number_insert_owned(st, &n), ST_OK);

    carrier_t rows[4];
    size_t nr = 0;
    int64_t total = 0;
    assert_int_equal(st->ops->carrier_list(st, a, 0, NULL, 4, 0, rows, &nr, &total), ST_OK);
    assert_int_equal(nr, 2);
    assert_int_equal(total, 2);
    assert_int_equal(rows[0].id, c1.id); /* in creation order */
    assert_int_equal(rows[0].nnumbers, 1);
    assert_int_equal(rows[0].ngw, 2);
    assert_int_equal(rows[1].nnumbers, 0);
    carrier_clear_rows(rows, nr);
    assert_int_equal(st->ops->carrier_list(st, a, 0, NULL, 1, 1, rows, &nr, &total), ST_OK);
    assert_int_equal(nr, 1);
    assert_int_equal(total, 2);
    assert_string_equal(rows[0].name, "Beta");
    carrier_clear_rows(rows, nr);
    assert_int_equal(st->ops->carrier_list(st, a, 0, "Beta", 4, 0, rows, &nr, &total), ST_OK);
    assert_int_equal(total, 1);
    carrier_clear_rows(rows, nr);
    assert_int_equal(st->ops->carrier_list(st, a, sub, NULL, 4, 0, rows, &nr, &total), ST_OK);
    assert_int_equal(total, 1);
    assert_string_equal(rows[0].name, "Beta");
    carrier_clear_rows(rows, nr);

    /* update: every field and the gateways replaced, the numbers renamed */
    gateway_t gw2[1] = {{.sid = "dddddddd-dddd-4ddd-8ddd-dddddddddd03", .address = "2001:db8::",
                         .port = 5060, .netmask = 32, .inbound = true, .outbound = true}};
    carrier_t u = c1;
    strcpy(u.name, "Beta"); /* the subaccount's name: names are per owner (issue 15) */
    u.gw = gw2;
    u.ngw = 1;
    assert_int_equal(st->ops->carrier_update(st, &u), ST_OK);
    strcpy(u.name, "Alpha Prime");
    u.trunk = TRUNK_STATIC_IP;
    u.in_user[0] = '\0';
    u.in_box_len = 0;
    u.updated_at = 1800000000;
    assert_int_equal(st->ops->carrier_update(st, &u), ST_OK);
    assert_int_equal(st->ops->carrier_get(st, a, 0, c1.uuid, &r), ST_OK);
    assert_string_equal(r.name, "Alpha Prime");
    assert_int_equal(r.trunk, TRUNK_STATIC_IP);
    assert_string_equal(r.in_user, "");
    assert_int_equal(r.in_box_len, 0);
    assert_int_equal(r.updated_at, 1800000000);
    assert_int_equal(r.ngw, 1);
    assert_string_equal(r.gw[0].address, "2001:db8::");
    carrier_clear(&r);
    owned_number_t o;
    assert_int_equal(st->ops->number_get_owned(st, a, 0, "15005550001", &o), ST_OK);
    assert_string_equal(o.inv.carrier, "Alpha Prime");
    assert_int_equal(o.carrier_id, c1.id);
    assert_string_equal(o.carrier_sid, c1.voip_sid);

    int64_t in_use = -1;
    assert_int_equal(st->ops->carrier_in_use(st, c1.id, &in_use), ST_OK);
    assert_int_equal(in_use, 1);
    in_use = -1;
    assert_int_equal(st->ops->carrier_delete(st, a, c1.id, &in_use), ST_CONFLICT);
    assert_int_equal(in_use, 1);
    assert_int_equal(st->ops->number_release(st, a, "15005550001", false), ST_OK);
    assert_int_equal(st->ops->carrier_delete(st, other, c1.id, &in_use), ST_NOTFOUND);
    assert_int_equal(st->ops->carrier_in_use(st, c1.id, &in_use), ST_OK);
    assert_int_equal(in_use, 0);
    assert_int_equal(st->ops->carrier_delete(st, a, c1.id, &in_use), ST_OK);
    assert_int_equal(in_use, 0);
    assert_int_equal(st->ops->carrier_delete(st, a, c1.id, &in_use), ST_NOTFOUND);
    assert_int_equal(st->ops->carrier_get(st, a, 0, c1.uuid, &r), ST_NOTFOUND);
    /* its gateways went with it: their sids are free again */
    carrier_t again = carrier(a, "Alpha", "10000000000005", gw2, 1);
    assert_int_equal(st->ops->carrier_insert(st, &again), ST_OK);
}

/* Upstream carriers (SIP.md §1): account_id 0 in the record, NULL in the
 * table; names unique among them, apart from customers' names; in use while
 * inventory rows name them; outbound credentials round-trip. */
static void test_upstream_carriers(void **state)
{
    store_t *st = ST_OF(state);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    gateway_t gw[1] = {{.sid = "dddddddd-dddd-4ddd-8ddd-dddddddddd11", .address = "203.0.113.0",
                        .port = 5060, .netmask = 24, .inbound = true, .outbound = true}};
    carrier_t up = carrier(0, "upstream-a", "20000000000001", gw, 1);
    strcpy(up.out_user, "trunk1");
    strcpy(up.out_realm, "sip.upstream.example");
    up.out_box_len = 5;
    memcpy(up.out_box, "\x01\x02\x03\x04\x05", 5);
    assert_int_equal(st->ops->carrier_insert(st, &up), ST_OK);
    carrier_t dup = carrier(0, "upstream-a", "20000000000002", NULL, 0);
    assert_int_equal(st->ops->carrier_insert(st, &dup), ST_CONFLICT);
    /* a customer may use the same name: another scope */
    carrier_t mine = carrier(a, "upstream-a", "20000000000003", NULL, 0);
    assert_int_equal(st->ops->carrier_insert(st, &mine), ST_OK);

    carrier_t r;
    assert_int_equal(st->ops->carrier_get(st, 0, 0, up.uuid, &r), ST_OK);
    assert_int_equal(r.id, up.id);
    assert_int_equal(r.account_id, 0);
    assert_string_equal(r.out_user, "trunk1");
    assert_string_equal(r.out_realm, "sip.upstream.example");
    assert_int_equal(r.out_box_len, 5);
    assert_memory_equal(r.out_box, up.out_box, 5);
    assert_int_equal(r.ngw, 1);
    carrier_clear(&r);
    /* not visible in an account's scope, nor the account's in the upstream scope */
    assert_int_equal(st->ops->carrier_get(st, a, 0, up.uuid, &r), ST_NOTFOUND);
    assert_int_equal(st->ops->carrier_get(st, 0, 0, mine.uuid, &r), ST_NOTFOUND);
    carrier_t rows[4];
    size_t n = 0;
    int64_t total = 0;
    assert_int_equal(st->ops->carrier_list(st, 0, 0, NULL, 4, 0, rows, &n, &total), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(total, 1);
    assert_int_equal(rows[0].id, up.id);
    carrier_clear_rows(rows, n);
    assert_int_equal(st->ops->carrier_list(st, 0, 0, "upstream-a", 4, 0, rows, &n, &total), ST_OK);
    assert_int_equal(n, 1);
    carrier_clear_rows(rows, n);

    /* update: credentials removed, gateways replaced */
    carrier_t u = up;
    u.out_user[0] = u.out_realm[0] = '\0';
    u.out_box_len = 0;
    u.ngw = 0;
    u.gw = NULL;
    u.updated_at = 1800000000;
    assert_int_equal(st->ops->carrier_update(st, &u), ST_OK);
    assert_int_equal(st->ops->carrier_get(st, 0, 0, up.uuid, &r), ST_OK);
    assert_string_equal(r.out_user, "");
    assert_int_equal(r.out_box_len, 0);
    assert_int_equal(r.ngw, 0);
    assert_int_equal(r.updated_at, 1800000000);
    carrier_clear(&r);

    /* in use while inventory rows name it (whatever their state) */
    inv_number_t rows_inv[] = {inv("15005559001", "US", "local", "local"),
                               inv("15005559002", "US", "local", "local"),
                               inv("15005559003", "US", "local", "local")};
    snprintf(rows_inv[0].carrier, sizeof rows_inv[0].carrier, "upstream-a");
    snprintf(rows_inv[1].carrier, sizeof rows_inv[1].carrier, "upstream-a");
    import_rows(st, rows_inv, ND_ARRAY_LEN(rows_inv));
    int64_t in_use = -1;
    assert_int_equal(st->ops->carrier_delete(st, 0, up.id, &in_use), ST_CONFLICT);
    assert_int_equal(in_use, 2);
    /* the customer's namesake is not in use: the rows are inventory rows */
    assert_int_equal(st->ops->carrier_delete(st, a, mine.id, &in_use), ST_OK);
    assert_int_equal(in_use, 0);
    carrier_t empty = carrier(0, "upstream-b", "20000000000004", NULL, 0);
    assert_int_equal(st->ops->carrier_insert(st, &empty), ST_OK);
    assert_int_equal(st->ops->carrier_delete(st, a, empty.id, &in_use), ST_NOTFOUND);
    assert_int_equal(st->ops->carrier_delete(st, 0, empty.id, &in_use), ST_OK);
    assert_int_equal(st->ops->carrier_get(st, 0, 0, empty.uuid, &r), ST_NOTFOUND);
}

/* ---- the SBC index's feed ----------------------------------------------------------------------- */

typedef struct {
    int accounts, apps, carriers, numbers;
    sbc_numrow_t num[8];
    int64_t carrier_ids[8];
    size_t carrier_ngw[8];
} sbc_seen_t;

static int seen_account(const account_t *a, void *ud) { (void)a; ((sbc_seen_t *)ud)->accounts++; return C_OK; }
static int seen_app(const app_t *a, void *ud) { (void)a; ((sbc_seen_t *)ud)->apps++; return C_OK; }
static int seen_carrier(const carrier_t *c, void *ud)
{
    sbc_seen_t *s = ud;
    if (s->carriers < 8) {
        s->carrier_ids[s->carriers] = c->id;
        s->carrier_ngw[s->carriers] = c->ngw;
    }
    s->carriers++;
    return C_OK;
}
static int seen_number(const sbc_numrow_t *n, void *ud)
{
    sbc_seen_t *s = ud;
    if (s->numbers < 8) s->num[s->numbers] = *n;
    s->numbers++;
    return C_OK;
}

typedef struct {
    int n;
    sbc_change_t ch[64];
} changes_t;
static int seen_change(const sbc_change_t *c, void *ud)
{
    changes_t *x = ud;
    if (x->n < 64) x->ch[x->n] = *c;
    x->n++;
    return C_OK;
}

static bool has_change(const changes_t *x, char kind, const char *key)
{
    for (int i = 0; i < x->n && i < 64; i++)
        if (x->ch[i].kind == kind && strcmp(x->ch[i].key, key) == 0) return true;
    return false;
}

static const sbc_numrow_t *num_of(const sbc_seen_t *s, const char *number)
{
    for (int i = 0; i < s->numbers && i < 8; i++)
        if (strcmp(s->num[i].number, number) == 0) return &s->num[i];
    return NULL;
}

static void test_sbc_feed(void **state)
{
    store_t *st = ST_OF(state);
    seed(st); /* inventory rows name carrier "numberd" */
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    app_t app = mk_app(a, 0, "10000000000000001", "alpha");
    assert_int_equal(st->ops->app_insert(st, &app), ST_OK);
    gateway_t gw[1] = {{.sid = "dddddddd-dddd-4ddd-8ddd-dddddddddd21", .address = "203.0.113.0",
                        .port = 5060, .netmask = 24, .inbound = true}};
    carrier_t mine = carrier(a, "Mine", "30000000000001", gw, 1);
    assert_int_equal(st->ops->carrier_insert(st, &mine), ST_OK);
    owned_number_t bn = byoc_number("15005550001", a, mine.id, "eeeeeeee-eeee-4eee-8eee-eeeeeeeeee01");
    assert_int_equal(st->ops->number_insert_owned(st, &bn), ST_OK);
    buy_row_t b = buy("14155550001", a, NUM_ACTIVE, "eeeeeeee-eeee-4eee-8eee-eeeeeeeeee02");
    b.app_id = "10000000000000001";
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);
    buy_row_t p = buy("14155560001", a, NUM_PENDING, "eeeeeeee-eeee-4eee-8eee-eeeeeeeeee03");
    assert_int_equal(st->ops->number_buy(st, &p), ST_OK); /* pending: not routed */

    store_sbc_load_t cb = {seen_account, seen_app, seen_carrier, seen_number, NULL};
    sbc_seen_t s;
    memset(&s, 0, sizeof s);
    cb.ud = &s;
    int64_t seq0 = -1;
    assert_int_equal(st->ops->sbc_load(st, &cb, &seq0), ST_OK);
    assert_true(seq0 > 0); /* the writes above were logged */
    assert_int_equal(s.accounts, 1);
    assert_int_equal(s.apps, 1);
    assert_int_equal(s.carriers, 1);
    assert_int_equal(s.carrier_ngw[0], 1);
    assert_int_equal(s.numbers, 2);
    const sbc_numrow_t *n1 = num_of(&s, "15005550001");
    assert_non_null(n1);
    assert_int_equal(n1->carrier_id, mine.id);
    assert_int_equal(n1->owner_id, a);
    assert_string_equal(n1->byoc_id, "eeeeeeee-eeee-4eee-8eee-eeeeeeeeee01");
    const sbc_numrow_t *n2 = num_of(&s, "14155550001");
    assert_non_null(n2);
    assert_int_equal(n2->carrier_id, 0); /* no upstream carrier "numberd" yet */
    assert_string_equal(n2->app_id, "10000000000000001");

    uint64_t v0 = 0, v1 = 0;
    assert_int_equal(st->ops->sbc_version(st, &v0), ST_OK);
    /* an upstream carrier named by the inventory: 'c' and 'u' logged, and the
     * bought number now resolves to it */
    carrier_t up = carrier(0, "numberd", "30000000000002", NULL, 0);
    assert_int_equal(st->ops->carrier_insert(st, &up), ST_OK);
    assert_int_equal(st->ops->sbc_version(st, &v1), ST_OK);
    assert_true(v1 != v0);
    changes_t x;
    memset(&x, 0, sizeof x);
    assert_int_equal(st->ops->sbc_changes(st, seq0, 100, seen_change, &x), ST_OK);
    char idtxt[24];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)up.id);
    assert_true(has_change(&x, 'c', idtxt));
    assert_true(has_change(&x, 'u', "numberd"));
    for (int i = 1; i < x.n; i++) assert_true(x.ch[i].seq > x.ch[i - 1].seq);
    int64_t seq1 = x.ch[x.n - 1].seq;
    /* the active ones among several, each once: pending and unknown left out */
    const char *asked[] = {"14155560001", "14155550001", "19999999999", "15005550001",
                           "a\"b\\c{}"};
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->sbc_numbers(st, asked, 5, seen_number, &s), ST_OK);
    assert_int_equal(s.numbers, 2);
    assert_non_null(num_of(&s, "15005550001"));
    assert_int_equal(num_of(&s, "15005550001")->carrier_id, mine.id);
    assert_non_null(num_of(&s, "14155550001"));
    assert_int_equal(num_of(&s, "14155550001")->carrier_id, up.id);
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->sbc_numbers(st, asked, 0, seen_number, &s), ST_OK);
    assert_int_equal(s.numbers, 0);
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->sbc_upstream_numbers(st, "numberd", seen_number, &s), ST_OK);
    assert_int_equal(s.numbers, 1);
    assert_string_equal(s.num[0].number, "14155550001");

    carrier_t rc;
    assert_int_equal(st->ops->sbc_carrier(st, mine.id, &rc), ST_OK);
    assert_string_equal(rc.name, "Mine");
    assert_int_equal(rc.ngw, 1);
    carrier_clear(&rc);
    assert_int_equal(st->ops->sbc_carrier(st, 999999, &rc), ST_NOTFOUND);
    app_t ra;
    assert_int_equal(st->ops->sbc_app(st, "10000000000000001", &ra), ST_OK);
    assert_string_equal(ra.app_name, "alpha");
    assert_int_equal(st->ops->sbc_app(st, "10000000000000009", &ra), ST_NOTFOUND);

    /* unrent: the number's change is logged; an import of available rows is not */
    assert_int_equal(st->ops->number_release(st, a, "14155550001", false), ST_OK);
    memset(&x, 0, sizeof x);
    assert_int_equal(st->ops->sbc_changes(st, seq1, 100, seen_change, &x), ST_OK);
    assert_true(has_change(&x, 'n', "14155550001"));
    int64_t seq2 = x.ch[x.n - 1].seq;
    inv_number_t more[] = {inv("15005557777", "US", "local", "local")};
    import_rows(st, more, 1);
    memset(&x, 0, sizeof x);
    assert_int_equal(st->ops->sbc_changes(st, seq2, 100, seen_change, &x), ST_OK);
    assert_int_equal(x.n, 0);

    /* pruning: a reader whose mark is below what was pruned must reload */
    assert_int_equal(st->ops->sbc_prune(st, INT64_MAX), ST_OK);
    assert_int_equal(st->ops->sbc_changes(st, seq0, 100, seen_change, &x), ST_NOTFOUND);
    assert_int_equal(st->ops->sbc_changes(st, seq2, 100, seen_change, &x), ST_OK);
    /* a full load after the whole log was pruned starts at the pruned mark,
     * not at 0: a mark of 0 is "pruned past" for ever, and the feed would
     * reload again and again (it did, on a database left idle past the
     * log's retention) */
    int64_t seq3 = -1;
    assert_int_equal(st->ops->sbc_load(st, &cb, &seq3), ST_OK);
    assert_true(seq3 >= seq2);
    memset(&x, 0, sizeof x);
    assert_int_equal(st->ops->sbc_changes(st, seq3, 100, seen_change, &x), ST_OK);
    assert_int_equal(x.n, 0);
}

/* ---- registrations (SIP.md §5) ------------------------------------------------------------------ */

static void test_registrations(void **state)
{
    store_t *st = ST_OF(state);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t other = mk_account(st, "MA000000000000000002", 0);
    gateway_t gw = {.sid = "dddddddd-dddd-4ddd-8ddd-dddddddddd07", .address = "sip.example.net",
                    .port = 5080, .netmask = 32, .outbound = true};
    carrier_t r1 = carrier(a, "Reg one", "10000000000011", &gw, 1);
    r1.trunk = TRUNK_REG;
    strcpy(r1.reg_user, "alice");
    strcpy(r1.reg_realm, "example.net");
    r1.reg_box_len = 40;
    memset(r1.reg_box, 0x33, r1.reg_box_len);
    r1.reg_expires = 600;
    carrier_t plain = carrier(a, "Static", "10000000000012", NULL, 0);
    carrier_t r2 = carrier(other, "Reg two", "10000000000013", NULL, 0);
    r2.trunk = TRUNK_REG;
    strcpy(r2.reg_user, "bob");
    assert_int_equal(st->ops->carrier_insert(st, &r1), ST_OK);
    assert_int_equal(st->ops->carrier_insert(st, &plain), ST_OK);
    assert_int_equal(st->ops->carrier_insert(st, &r2), ST_OK);

    /* the reg carriers of every account, in id order, paged by id */
    carrier_t rows[4];
    size_t n = 0;
    assert_int_equal(st->ops->carrier_reg_list(st, 0, 4, rows, &n), ST_OK);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].id, r1.id);
    assert_int_equal(rows[1].id, r2.id);
    assert_string_equal(rows[0].reg_user, "alice");
    assert_int_equal(rows[0].reg_box_len, 40);
    assert_int_equal(rows[0].reg_expires, 600);
    assert_int_equal(rows[0].ngw, 1);
    assert_string_equal(rows[0].gw[0].address, "sip.example.net");
    carrier_clear_rows(rows, n);
    assert_int_equal(st->ops->carrier_reg_list(st, r1.id, 1, rows, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].id, r2.id);
    carrier_clear_rows(rows, n);

    int64_t sig1[3], sig2[3];
    assert_int_equal(st->ops->carrier_reg_sig(st, sig1), ST_OK);
    assert_int_equal(sig1[0], 2);
    r2.updated_at += 5;
    assert_int_equal(st->ops->carrier_update(st, &r2), ST_OK);
    assert_int_equal(st->ops->carrier_reg_sig(st, sig2), ST_OK);
    assert_true(memcmp(sig1, sig2, sizeof sig1) != 0); /* an update changes the fingerprint */

    /* status: upsert, get, list with filters */
    reg_status_t g;
    assert_int_equal(st->ops->reg_status_get(st, r1.id, &g), ST_NOTFOUND);
    reg_status_t s1 = {.carrier_id = r1.id, .state = REG_REGISTERING, .updated_at = 10};
    strcpy(s1.node, "node-a");
    strcpy(s1.registrar_ip, "192.0.2.7");
    assert_int_equal(st->ops->reg_status_put(st, &s1), ST_OK);
    s1.state = REG_REGISTERED;
    s1.last_code = 200;
    strcpy(s1.reason, "OK");
    s1.expires_at = 1700003600;
    s1.failures = 0;
    assert_int_equal(st->ops->reg_status_put(st, &s1), ST_OK); /* replaces */
    assert_int_equal(st->ops->reg_status_get(st, r1.id, &g), ST_OK);
    assert_int_equal(g.state, REG_REGISTERED);
    assert_int_equal(g.last_code, 200);
    assert_string_equal(g.reason, "OK");
    assert_int_equal(g.expires_at, 1700003600);
    assert_string_equal(g.node, "node-a");
    assert_string_equal(g.registrar_ip, "192.0.2.7");
    assert_string_equal(g.carrier_uuid, r1.uuid);
    assert_string_equal(g.carrier_name, "Reg one");
    assert_string_equal(g.account_auth_id, "MA000000000000000001");
    reg_status_t s2 = {.carrier_id = r2.id, .state = REG_FAILED, .last_code = 403, .failures = 3,
                       .updated_at = 11};
    assert_int_equal(st->ops->reg_status_put(st, &s2), ST_OK);
    reg_status_t ghost = {.carrier_id = 999999, .state = REG_FAILED, .updated_at = 1};
    assert_int_equal(st->ops->reg_status_put(st, &ghost), ST_NOTFOUND);

    reg_status_t list[4];
    int64_t total = 0;
    reg_q_t q = {.state = -1, .account_id = 0, .limit = 4, .offset = 0};
    assert_int_equal(st->ops->reg_status_list(st, &q, list, &n, &total), ST_OK);
    assert_int_equal(n, 2);
    assert_int_equal(total, 2);
    q.state = REG_FAILED;
    assert_int_equal(st->ops->reg_status_list(st, &q, list, &n, &total), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].carrier_id, r2.id);
    assert_int_equal(list[0].failures, 3);
    q.state = -1;
    q.account_id = a;
    q.limit = 1;
    q.offset = 1;
    assert_int_equal(st->ops->reg_status_list(st, &q, list, &n, &total), ST_OK);
    assert_int_equal(n, 0);
    assert_int_equal(total, 1);

    /* expiry: a registered row whose binding expired at or before now,
     * and only such a row (r2 is failed), made unregistered with the reason */
    int64_t ids[4];
    assert_int_equal(st->ops->reg_expire(st, 1700003599, "gone", 4, ids, &n), ST_OK);
    assert_int_equal(n, 0); /* a second before its expiry */
    assert_int_equal(st->ops->reg_expire(st, 1700003600, "gone", 4, ids, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ids[0], r1.id);
    assert_int_equal(st->ops->reg_status_get(st, r1.id, &g), ST_OK);
    assert_int_equal(g.state, REG_UNREGISTERED);
    assert_int_equal(g.last_code, 0);
    assert_string_equal(g.reason, "gone");
    assert_int_equal(g.updated_at, 1700003600);
    assert_int_equal(g.expires_at, 1700003600);
    assert_int_equal(st->ops->reg_status_get(st, r2.id, &g), ST_OK);
    assert_int_equal(g.state, REG_FAILED);
    assert_int_equal(st->ops->reg_expire(st, 1800000000, "gone", 4, ids, &n), ST_OK);
    assert_int_equal(n, 0); /* once */
    assert_int_equal(st->ops->reg_status_put(st, &s1), ST_OK); /* registered again */

    /* the lock: granted, and taking it again is idempotent */
    bool got = false;
    assert_int_equal(st->ops->reg_lock_try(st, r1.id, &got), ST_OK);
    assert_true(got);
    assert_int_equal(st->ops->reg_lock_try(st, r1.id, &got), ST_OK);
    assert_true(got);
    assert_int_equal(st->ops->reg_unlock(st, r1.id), ST_OK);

    /* gateway health: opt-in, targets (outbound gateways only), states */
    int iv = -1;
    assert_int_equal(st->ops->probe_get(st, r1.id, &iv), ST_NOTFOUND);
    assert_int_equal(st->ops->probe_set(st, r1.id, 30), ST_OK);
    assert_int_equal(st->ops->probe_set(st, r1.id, 10), ST_OK); /* replaces */
    assert_int_equal(st->ops->probe_get(st, r1.id, &iv), ST_OK);
    assert_int_equal(iv, 10);
    assert_int_equal(st->ops->probe_set(st, 999999, 10), ST_NOTFOUND);
    assert_int_equal(st->ops->probe_set(st, plain.id, 30), ST_OK); /* no outbound gateway */
    probe_target_t tg[4];
    assert_int_equal(st->ops->probe_targets(st, 4, tg, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tg[0].carrier_id, r1.id);
    assert_int_equal(tg[0].interval, 10);
    assert_string_equal(tg[0].sid, gw.sid);
    assert_string_equal(tg[0].address, "sip.example.net");
    assert_int_equal(tg[0].port, 5080);
    gw_health_t h = {.carrier_id = r1.id, .state = GW_DOWN, .misses = 3, .last_probe_at = 5,
                     .updated_at = 5};
    strcpy(h.sid, gw.sid);
    assert_int_equal(st->ops->health_put(st, &h), ST_OK);
    h.state = GW_UP;
    h.misses = 0;
    h.last_code = 200;
    assert_int_equal(st->ops->health_put(st, &h), ST_OK);
    gw_health_t hl[4];
    /* a down no prober renewed: unknown after 3 intervals (10 s) + 120 s */
    h.state = GW_DOWN;
    h.misses = 3;
    h.last_probe_at = 1000;
    assert_int_equal(st->ops->health_put(st, &h), ST_OK);
    int64_t expired = -1;
    assert_int_equal(st->ops->health_expire(st, 1000 + 150, &expired), ST_OK);
    assert_int_equal(expired, 0);
    assert_int_equal(st->ops->health_list(st, r1.id, 4, hl, &n), ST_OK);
    assert_int_equal(hl[0].state, GW_DOWN);
    assert_int_equal(st->ops->health_expire(st, 1000 + 151, &expired), ST_OK);
    assert_int_equal(expired, 1);
    assert_int_equal(st->ops->health_list(st, r1.id, 4, hl, &n), ST_OK);
    assert_int_equal(hl[0].state, GW_UNKNOWN);
    assert_int_equal(hl[0].misses, 0);
    h.state = GW_UP;
    h.misses = 0;
    h.last_probe_at = 5;
    assert_int_equal(st->ops->health_put(st, &h), ST_OK);
    assert_int_equal(st->ops->health_list(st, r1.id, 4, hl, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(hl[0].state, GW_UP);
    assert_int_equal(hl[0].last_code, 200);
    assert_string_equal(hl[0].sid, gw.sid);
    assert_int_equal(st->ops->probe_set(st, plain.id, 0), ST_OK); /* off */
    assert_int_equal(st->ops->probe_get(st, plain.id, &iv), ST_NOTFOUND);

    /* the status goes with its carrier */
    int64_t in_use = 0;
    assert_int_equal(st->ops->carrier_delete(st, a, r1.id, &in_use), ST_OK);
    assert_int_equal(st->ops->reg_status_get(st, r1.id, &g), ST_NOTFOUND);
}

/* ---- inventory: import, stats, export --------------------------------------------------------- */

typedef struct {
    char numbers[8][E164_BUFSZ];
    int n, stop_after;
} walk_t;

static int walk_inv(const inv_number_t *v, void *ud)
{
    walk_t *w = ud;
    if (w->n < 8) strcpy(w->numbers[w->n], v->number);
    w->n++;
    return w->stop_after && w->n >= w->stop_after ? C_ERR : C_OK;
}

static int collect_stats(const stats_row_t *r, void *ud)
{
    char *out = ud;
    char line[64];
    snprintf(line, sizeof line, "%s/%s/%d=%lld;", r->country_iso, r->type, (int)r->state,
             (long long)r->count);
    strcat(out, line);
    return C_OK;
}

/* Stats over many groups: each seen once, in (country, type, state) order. */
typedef struct {
    int groups;
    int64_t total;
    stats_row_t last;
} stats_seen_t;

static int check_stats_order(const stats_row_t *r, void *ud)
{
    stats_seen_t *s = ud;
    if (s->groups) {
        int c = strcmp(s->last.country_iso, r->country_iso);
        if (!c) c = strcmp(s->last.type, r->type);
        if (!c) c = (int)s->last.state - (int)r->state;
        assert_true(c < 0);
    }
    s->last = *r;
    s->groups++;
    s->total += r->count;
    return C_OK;
}

static void test_stats_many_groups(void **state)
{
    store_t *st = ST_OF(state);
    static const char *const types[] = {"local", "mobile", "tollfree"};
    inv_number_t rows[150];
    size_t n = 0;
    /* 25 countries x 3 types, two numbers each, imported out of order */
    for (int k = 0; k < 2; k++)
        for (int c = 24; c >= 0; c--)
            for (int t = 0; t < 3; t++) {
                char num[16], cc[3] = {(char)('A' + c), (char)('Z' - c), 0};
                snprintf(num, sizeof num, "1%02d%d%d5550000", c, t, k);
                rows[n++] = inv(num, cc, types[t], types[t]);
            }
    import_rows(st, rows, n);
    stats_seen_t s = {0};
    assert_int_equal(st->ops->inventory_stats(st, check_stats_order, &s), ST_OK);
    assert_int_equal(s.groups, 75);
    assert_int_equal(s.total, 150);
}

static void test_import_stats_export(void **state)
{
    store_t *st = ST_OF(state);
    seed(st);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    buy_row_t b = buy("14155550001", a, NUM_ACTIVE, NULL);
    assert_int_equal(st->ops->number_buy(st, &b), ST_OK);

    store_import_t *im = NULL;
    import_outcome_t o;
    /* a dry run reports and writes nothing */
    inv_number_t nv = inv("14155570001", "US", "local", "local");
    assert_int_equal(st->ops->import_begin(st, true, &im), ST_OK);
    assert_int_equal(st->ops->import_row(im, &nv, &o), ST_OK);
    assert_int_equal(o, IMPORT_INSERTED);
    assert_int_equal(st->ops->import_end(im, true), ST_OK);
    inv_number_t v;
    assert_int_equal(st->ops->number_get_available(st, "14155570001", &v), ST_NOTFOUND);

    assert_int_equal(st->ops->import_begin(st, false, &im), ST_OK);
    assert_int_equal(st->ops->import_row(im, &nv, &o), ST_OK);
    assert_int_equal(o, IMPORT_INSERTED);
    strcpy(nv.city, "Oakland"); /* the same number again in the batch: the later row wins */
    assert_int_equal(st->ops->import_row(im, &nv, &o), ST_OK);
    assert_int_equal(o, IMPORT_UPDATED);
    assert_int_equal(st->ops->import_commit_batch(im), ST_OK);
    inv_number_t up = inv("12125550001", "US", "local", "local");
    up.monthly_rental_rate = 70000;
    assert_int_equal(st->ops->import_row(im, &up, &o), ST_OK);
    assert_int_equal(o, IMPORT_UPDATED);
    inv_number_t sold = inv("14155550001", "US", "local", "local");
    assert_int_equal(st->ops->import_row(im, &sold, &o), ST_OK);
    assert_int_equal(o, IMPORT_REFUSED); /* owned: the import leaves it alone */
    assert_int_equal(st->ops->import_end(im, true), ST_OK);
    assert_int_equal(st->ops->number_get_available(st, "14155570001", &v), ST_OK);
    assert_string_equal(v.city, "Oakland");
    assert_int_equal(st->ops->number_get_available(st, "12125550001", &v), ST_OK);
    assert_int_equal(v.monthly_rental_rate, 70000);
    assert_string_equal(v.rate_center, ""); /* an update replaces every column */

    /* rolled back: nothing */
    inv_number_t gone = inv("14155580001", "US", "local", "local");
    assert_int_equal(st->ops->import_begin(st, false, &im), ST_OK);
    assert_int_equal(st->ops->import_row(im, &gone, &o), ST_OK);
    assert_int_equal(st->ops->import_end(im, false), ST_OK);
    assert_int_equal(st->ops->number_get_available(st, "14155580001", &v), ST_NOTFOUND);

    char stats[512] = "";
    assert_int_equal(st->ops->inventory_stats(st, collect_stats, stats), ST_OK);
    assert_string_equal(stats, "GB/fixed/0=1;US/local/0=3;US/local/1=1;US/tollfree/0=1;");

    walk_t w = {0};
    assert_int_equal(st->ops->inventory_export(st, NULL, -1, walk_inv, &w), ST_OK);
    assert_int_equal(w.n, 6);
    assert_string_equal(w.numbers[0], "12125550001");
    assert_string_equal(w.numbers[5], "442071234567");
    memset(&w, 0, sizeof w);
    assert_int_equal(st->ops->inventory_export(st, "US", NUM_ACTIVE, walk_inv, &w), ST_OK);
    assert_int_equal(w.n, 1);
    assert_string_equal(w.numbers[0], "14155550001");
    memset(&w, 0, sizeof w);
    w.stop_after = 2; /* a callback that stops the walk is no failure */
    assert_int_equal(st->ops->inventory_export(st, "US", -1, walk_inv, &w), ST_OK);
    assert_int_equal(w.n, 2);
    /* a customer's number is no inventory */
    owned_number_t cn = byoc_number("15005550001", a, 0, "88888888-8888-4888-8888-888888888888");
    assert_int_equal(st->ops->number_insert_owned(st, &cn), ST_OK);
    memset(&w, 0, sizeof w);
    assert_int_equal(st->ops->inventory_export(st, "US", -1, walk_inv, &w), ST_OK);
    assert_int_equal(w.n, 5);
}

/* ---- idempotency, settings, transactions, operations ---------------------------------------- */

static void test_idempotency(void **state)
{
    store_t *st = ST_OF(state);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t b = mk_account(st, "MA000000000000000002", 0);
    idem_row_t row = {.status = 201, .body = "{\"ok\":true}", .created_at = 1700000000};
    memset(row.req_hash, 0x42, IDS_HASH_SZ);
    idem_row_t got;
    assert_int_equal(st->ops->idem_get(st, a, "k1", &got), ST_NOTFOUND);
    assert_int_equal(st->ops->idem_put(st, a, "k1", &row), ST_OK);
    assert_int_equal(st->ops->idem_get(st, a, "k1", &got), ST_OK);
    assert_int_equal(got.status, 201);
    assert_string_equal(got.body, "{\"ok\":true}");
    assert_memory_equal(got.req_hash, row.req_hash, IDS_HASH_SZ);
    assert_int_equal(got.created_at, 1700000000);
    free(got.body);
    assert_int_equal(st->ops->idem_get(st, b, "k1", &got), ST_NOTFOUND); /* per account */
    /* a second put replaces */
    row.status = 422;
    row.body = "";
    assert_int_equal(st->ops->idem_put(st, a, "k1", &row), ST_OK);
    assert_int_equal(st->ops->idem_get(st, a, "k1", &got), ST_OK);
    assert_int_equal(got.status, 422);
    assert_string_equal(got.body, "");
    free(got.body);
    /* the purge: oldest first, at most max, only those before the time */
    row.created_at = 1700000100;
    assert_int_equal(st->ops->idem_put(st, b, "k2", &row), ST_OK);
    row.created_at = 1700000200;
    assert_int_equal(st->ops->idem_put(st, a, "k3", &row), ST_OK);
    int64_t n = -1;
    assert_int_equal(st->ops->idem_purge(st, 1700000000, 10, &n), ST_OK);
    assert_int_equal(n, 0); /* strictly before */
    assert_int_equal(st->ops->idem_purge(st, 1700000200, 1, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(st->ops->idem_get(st, a, "k1", &got), ST_NOTFOUND); /* the oldest */
    assert_int_equal(st->ops->idem_get(st, b, "k2", &got), ST_OK);
    free(got.body);
    assert_int_equal(st->ops->idem_purge(st, 1700000200, 10, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(st->ops->idem_get(st, b, "k2", &got), ST_NOTFOUND);
    assert_int_equal(st->ops->idem_get(st, a, "k3", &got), ST_OK); /* not before the time */
    free(got.body);
}

static void test_settings(void **state)
{
    store_t *st = ST_OF(state);
    char out[64];
    assert_int_equal(st->ops->setting_get(st, "key_check", out, sizeof out), ST_NOTFOUND);
    assert_int_equal(st->ops->setting_put(st, "key_check", "v1"), ST_OK);
    assert_int_equal(st->ops->setting_get(st, "key_check", out, sizeof out), ST_OK);
    assert_string_equal(out, "v1");
    assert_int_equal(st->ops->setting_put(st, "key_check", "v2-longer"), ST_OK);
    assert_int_equal(st->ops->setting_get(st, "key_check", out, 4), ST_OK);
    assert_string_equal(out, "v2-"); /* truncated to the room given */
    /* insert-if-absent: the first value stays, the second call learns it */
    assert_int_equal(st->ops->setting_put_new(st, "fpr", "first", out, sizeof out), ST_OK);
    assert_string_equal(out, "first");
    assert_int_equal(st->ops->setting_put_new(st, "fpr", "second", out, sizeof out), ST_CONFLICT);
    assert_string_equal(out, "first");
    assert_int_equal(st->ops->setting_get(st, "fpr", out, sizeof out), ST_OK);
    assert_string_equal(out, "first");
    /* and over a value stored by the upsert */
    assert_int_equal(st->ops->setting_put_new(st, "key_check", "v3", out, sizeof out), ST_CONFLICT);
    assert_string_equal(out, "v2-longer");
    /* migrating again applies nothing */
    int applied = -1;
    assert_int_equal(st->ops->migrate(st, &applied), ST_OK);
    assert_int_equal(applied, 0);
    assert_int_equal(st->ops->ping(st), ST_OK);
}

/* read_version (the API's answer cache): equal while nothing is
 * committed, moved by any commit -- this connection's, or another
 * store's on the same database (another process, another node) -- and
 * never given inside a transaction.  On PostgreSQL it is a snapshot of the
 * cluster, which a commit of anything else in it (autovacuum's analyze)
 * also moves: "equal after a read" is asked until once true. */
static void test_read_version(void **state)
{
    store_t *st = ST_OF(state);
    db_version_t v1, v2, v3;
    bool equal = false;
    for (int i = 0; i < (g_backend == BK_PG ? 20 : 1) && !equal; i++) {
        assert_int_equal(st->ops->read_version(st, &v1), ST_OK);
        assert_int_not_equal(v1.conn, 0);
        char out[16];
        (void)st->ops->setting_get(st, "nothing", out, sizeof out); /* a read moves nothing */
        assert_int_equal(st->ops->read_version(st, &v2), ST_OK);
        equal = db_version_same(&v1, &v2);
    }
    assert_true(equal);
    assert_int_equal(st->ops->setting_put(st, "a", "1"), ST_OK);
    assert_int_equal(st->ops->read_version(st, &v3), ST_OK);
    assert_false(db_version_same(&v3, &v2));
    /* another store on the database (another process's commit) */
    store_t *other = NULL;
    char url[512], *err = NULL;
    const char *name = ((fixture_t *)*state)->name;
    if (g_backend == BK_PG)
        snprintf(url, sizeof url, "%s%s%s", g_pg, g_pg[strlen(g_pg) - 1] == '/' ? "" : "/", name);
    else
        snprintf(url, sizeof url, "%s", name);
    if (store_open(url, &other, &err) != C_OK) fail_msg("%s", err);
    assert_int_equal(other->ops->setting_put(other, "b", "2"), ST_OK);
    other->ops->close(other);
    assert_int_equal(st->ops->read_version(st, &v1), ST_OK);
    assert_false(db_version_same(&v1, &v3));
    /* inside a transaction: none */
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->read_version(st, &v2), ST_NOTFOUND);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    assert_int_equal(st->ops->tx_begin(st, false), ST_OK);
    assert_int_equal(st->ops->read_version(st, &v2), ST_NOTFOUND);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
}

static void test_transactions(void **state)
{
    store_t *st = ST_OF(state);
    char out[16];
    /* nested: only the outermost commit writes */
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "a", "1"), ST_OK);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "b", "2"), ST_OK);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    assert_int_equal(st->ops->setting_get(st, "b", out, sizeof out), ST_OK);

    /* an inner rollback makes the outer commit roll back */
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "c", "3"), ST_OK);
    assert_int_equal(st->ops->tx_begin(st, false), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "d", "4"), ST_OK);
    st->ops->tx_rollback(st);
    assert_int_equal(st->ops->tx_commit(st), ST_ERR);
    assert_int_equal(st->ops->setting_get(st, "c", out, sizeof out), ST_NOTFOUND);
    assert_int_equal(st->ops->setting_get(st, "d", out, sizeof out), ST_NOTFOUND);

    /* an outer rollback */
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "e", "5"), ST_OK);
    st->ops->tx_rollback(st);
    assert_int_equal(st->ops->setting_get(st, "e", out, sizeof out), ST_NOTFOUND);
    /* and the connection works on after all of it */
    assert_int_equal(st->ops->setting_put(st, "f", "6"), ST_OK);
    assert_int_equal(st->ops->setting_get(st, "f", out, sizeof out), ST_OK);
    assert_int_equal(st->ops->tx_commit(st), ST_ERR); /* nothing open */
}


/* ---- batches (store.h: batch_begin) ---- */

typedef struct {
    store_t *st;
    const char *name;
    int rc;            /* what the other thread's read or write returned */
    atomic_bool done;
} other_t;

/* Another thread's read of a setting, on its own connection. */
static void *other_read(void *arg)
{
    other_t *o = arg;
    char out[16];
    o->rc = o->st->ops->setting_get(o->st, o->name, out, sizeof out);
    atomic_store(&o->done, true);
    return NULL;
}

/* Another thread's write transaction: waits for the batch's end. */
static void *other_write(void *arg)
{
    other_t *o = arg;
    o->rc = o->st->ops->tx_begin(o->st, true);
    if (o->rc == ST_OK) {
        o->rc = o->st->ops->setting_put(o->st, o->name, "w");
        if (o->rc == ST_OK) o->rc = o->st->ops->tx_commit(o->st);
        else o->st->ops->tx_rollback(o->st);
    }
    atomic_store(&o->done, true);
    return NULL;
}

static int read_elsewhere(store_t *st, const char *name)
{
    other_t o = {.st = st, .name = name};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, other_read, &o), 0);
    pthread_join(th, NULL);
    return o.rc;
}

static void test_batches(void **state)
{
    store_t *st = ST_OF(state);
    char out[16];
    if (!st->ops->batches(st)) {
        /* SQLite ":memory:": none; each transaction commits by itself */
        assert_int_equal(st->ops->batch_begin(st), ST_NOTFOUND);
        return;
    }
    /* SQLite syncs after the commit (a ticket to wait on); PostgreSQL's
     * COMMIT returns once it is durable (ticket 0) */
    bool synced_after = g_backend == BK_SQLITE;
    /* not inside a transaction */
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->batch_begin(st), ST_ERR);
    st->ops->tx_rollback(st);

    uint64_t syncs = metrics_value(MET_DB_SYNCS);
    assert_int_equal(st->ops->batch_begin(st), ST_OK);
    /* a transaction of the batch: its commit keeps it, and this thread's
     * reads (outside any transaction) see it; other threads do not */
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "a", "1"), ST_OK);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    assert_int_equal(st->ops->setting_get(st, "a", out, sizeof out), ST_OK);
    assert_string_equal(out, "1");
    assert_int_equal(read_elsewhere(st, "a"), ST_NOTFOUND);
    /* each transaction still rolls back by itself, the others kept */
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "b", "2"), ST_OK);
    st->ops->tx_rollback(st);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "c", "3"), ST_OK);
    assert_int_equal(st->ops->tx_begin(st, false), ST_OK);
    st->ops->tx_rollback(st);
    assert_int_equal(st->ops->tx_commit(st), ST_ERR); /* an inner rollback */
    assert_int_equal(st->ops->setting_get(st, "b", out, sizeof out), ST_NOTFOUND);
    assert_int_equal(st->ops->setting_get(st, "c", out, sizeof out), ST_NOTFOUND);
    assert_int_equal(st->ops->setting_get(st, "a", out, sizeof out), ST_OK);
    /* a statement outside a transaction that fails (a key of no account:
     * its foreign key) fails alone: the batch goes on, and a write
     * outside a transaction is kept with it */
    apikey_t orphan;
    memset(&orphan, 0, sizeof orphan);
    orphan.account_id = 987654321;
    memset(orphan.hash, 0x7e, IDS_HASH_SZ);
    strcpy(orphan.prefix, "nd_live_orph");
    assert_int_not_equal(st->ops->apikey_create(st, &orphan), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "g", "7"), ST_OK);
    assert_int_equal(st->ops->setting_get(st, "a", out, sizeof out), ST_OK);
    /* another thread's write of the same row waits for the batch's end
     * (it is never done before it: a slow thread only makes this check
     * weaker) */
    other_t w = {.st = st, .name = "a"};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, other_write, &w), 0);
    struct timespec nap = {0, 50 * 1000 * 1000};
    nanosleep(&nap, NULL);
    assert_false(atomic_load(&w.done));
    /* a batch inside a batch is refused */
    assert_int_equal(st->ops->batch_begin(st), ST_ERR);
    uint64_t ticket = 0, ticket2 = 0;
    assert_int_equal(st->ops->batch_end(st, &ticket), ST_OK);
    /* committed; on SQLite its sync after it (conn.c): a ticket to wait on */
    assert_true(synced_after ? ticket > 0 : ticket == 0);
    pthread_join(th, NULL);
    assert_int_equal(w.rc, ST_OK);
    /* seen by every thread now; the other thread's write came after */
    assert_int_equal(read_elsewhere(st, "g"), ST_OK);
    assert_int_equal(read_elsewhere(st, "c"), ST_NOTFOUND);
    assert_int_equal(st->ops->setting_get(st, "a", out, sizeof out), ST_OK);
    assert_string_equal(out, "w");
    uint64_t none = 7;
    assert_int_equal(st->ops->batch_end(st, &none), ST_ERR);
    assert_true(none == 0);
    assert_int_equal(st->ops->durable_wait(st, ticket), ST_OK);
    /* the log was synced for it (here or by the other thread's commit,
     * which came after it) */
    if (synced_after) assert_true(metrics_value(MET_DB_SYNCS) > syncs);
    /* and the thread writes by itself again: its commit returns once a
     * sync of the log covers it */
    syncs = metrics_value(MET_DB_SYNCS);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "e", "5"), ST_OK);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    if (synced_after) assert_true(metrics_value(MET_DB_SYNCS) > syncs);
    assert_int_equal(read_elsewhere(st, "e"), ST_OK);
    /* the next batch's ticket is a later one; waiting on an old one
     * returns at once */
    assert_int_equal(st->ops->batch_begin(st), ST_OK);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "f", "6"), ST_OK);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    assert_int_equal(st->ops->batch_end(st, &ticket2), ST_OK);
    assert_true(synced_after ? ticket2 > ticket : ticket2 == 0);
    assert_int_equal(read_elsewhere(st, "f"), ST_OK);
    assert_int_equal(st->ops->durable_wait(st, ticket2), ST_OK);
    syncs = metrics_value(MET_DB_SYNCS);
    assert_int_equal(st->ops->durable_wait(st, ticket), ST_OK);
    assert_int_equal(st->ops->durable_wait(st, ticket2), ST_OK);
    assert_true(metrics_value(MET_DB_SYNCS) == syncs); /* covered: no sync */

    /* a transaction left open (a bug): the next one's commit is an inner
     * one, so nothing of the batch can be told kept -- the batch fails,
     * all of it, and the thread writes by itself afterwards */
    assert_int_equal(st->ops->batch_begin(st), ST_OK);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "x", "1"), ST_OK);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "y", "2"), ST_OK);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    assert_int_equal(st->ops->batch_end(st, &ticket), ST_ERR);
    assert_true(ticket == 0);
    assert_int_equal(read_elsewhere(st, "x"), ST_NOTFOUND);
    assert_int_equal(read_elsewhere(st, "y"), ST_NOTFOUND);
    assert_int_equal(st->ops->setting_get(st, "x", out, sizeof out), ST_NOTFOUND);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->setting_put(st, "z", "3"), ST_OK);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    assert_int_equal(read_elsewhere(st, "z"), ST_OK);
}


/* ---- the event log (issue 18) ---- */

typedef struct {
    int n;
    int64_t ids[16];
    event_t last;
} ev_seen_t;

static int ev_walk(const event_t *ev, void *ud)
{
    ev_seen_t *s = ud;
    if (s->n < 16) s->ids[s->n] = ev->id;
    s->n++;
    s->last = *ev;
    return C_OK;
}

/* An event of the given names and time, nothing else set. */
static void ev_make(event_t *ev, const char *type, const char *otype, const char *oid, const char *akind,
                    int64_t ts)
{
    memset(ev, 0, sizeof *ev);
    ev->ts = ts;
    snprintf(ev->type, sizeof ev->type, "%s", type);
    snprintf(ev->object_type, sizeof ev->object_type, "%s", otype);
    snprintf(ev->object_id, sizeof ev->object_id, "%s", oid);
    snprintf(ev->actor_kind, sizeof ev->actor_kind, "%s", akind);
}

static void ev_put(store_t *st, const char *type, int64_t account_id, const char *otype,
                   const char *oid, const char *akind, int64_t ts)
{
    event_t ev;
    ev_make(&ev, type, otype, oid, akind, ts);
    ev.account_id = account_id;
    snprintf(ev.actor_id, sizeof ev.actor_id, "%s", "MA000000000000000001");
    snprintf(ev.request_id, sizeof ev.request_id, "%s", "req-1");
    snprintf(ev.data, sizeof ev.data, "%s", "{\"after\":{\"alias\":\"x\"}}");
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->event_append(st, &ev), ST_OK);
    assert_true(ev.id >= 0); /* SQLite knows it now; PostgreSQL gives it after commit (0) */
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
}

#ifdef ND_HAVE_POSTGRES
/* One number from sql run on the fixture's own database (PostgreSQL). */
static long long pg_count(void **state, const char *sql)
{
    char url[512];
    snprintf(url, sizeof url, "%s%s%s", g_pg, g_pg[strlen(g_pg) - 1] == '/' ? "" : "/",
             ((fixture_t *)*state)->name);
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) fail_msg("cannot reach %s: %s", url, PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) fail_msg("%s: %s", sql, PQerrorMessage(c));
    long long n = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(c);
    return n;
}
#endif

/* A batch that logs more than one round gives ids to (10,000): the rest
 * get theirs from a round after its COMMIT, which must run outside any
 * transaction -- run as a statement of the batch, it began the batch's
 * next transaction and kept the rounds' lock until that one committed
 * (every other node's round waited; a helper's review, session 30). */
static void test_batch_big_round(void **state)
{
    store_t *st = ST_OF(state);
    if (!st->ops->batches(st) || g_backend != BK_PG) return;
#ifdef ND_HAVE_POSTGRES
    enum { N = 10050 };
    assert_int_equal(st->ops->batch_begin(st), ST_OK);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    for (int i = 0; i < N; i++) {
        event_t ev;
        char oid[24];
        snprintf(oid, sizeof oid, "1415555%04d", i % 1000);
        ev_make(&ev, "number.updated", "number", oid, "admin", 1000 + i);
        assert_int_equal(st->ops->event_append(st, &ev), ST_OK);
    }
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    uint64_t ticket = 1;
    assert_int_equal(st->ops->batch_end(st, &ticket), ST_OK);
    /* every event has its id, and nothing of the store is left open */
    assert_int_equal(pg_count(state, "SELECT count(*) FROM events WHERE id IS NULL"), 0);
    assert_int_equal(pg_count(state, "SELECT count(DISTINCT id) FROM events"), N);
    assert_int_equal(pg_count(state, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                     "current_database() AND state LIKE 'idle in transaction%'"),
                     0);
    assert_int_equal(pg_count(state, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                     "AND classid = 1853189474 AND objid = 4"),
                     0);
#else
    (void)state;
#endif
}

#ifdef ND_HAVE_POSTGRES
typedef struct {
    PGconn *c;
    int ms;
} late_commit_t;

static void *commit_later(void *arg)
{
    late_commit_t *l = arg;
    struct timespec ts = {l->ms / 1000, (long)(l->ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    PQclear(PQexec(l->c, "COMMIT"));
    return NULL;
}

/* A store of its own whose statements give up after 1 s (*st2), then the
 * import's lock, held 1.5 s by another session (imp, committed by the
 * thread *th): the store's writers time out behind the import.  The store
 * is opened first, so that its connecting does not eat into the 0.5 s
 * between its timeout and the lock's release.  l outlives a failed
 * assertion's jump (static in the caller): the thread reads it.  The
 * caller joins *th, closes *st2 and finishes imp. */
static PGconn *import_lock_held(void **state, late_commit_t *l, pthread_t *th, store_t **st2)
{
    char url[600], *err = NULL;
    const char *name = ((fixture_t *)*state)->name;
    const char *sep = g_pg[strlen(g_pg) - 1] == '/' ? "" : "/";
    snprintf(url, sizeof url, "%s%s%s?options=-c%%20statement_timeout%%3D1000", g_pg, sep, name);
    if (store_open(url, st2, &err) != C_OK) fail_msg("store_open %s: %s", url, err);
    snprintf(url, sizeof url, "%s%s%s", g_pg, sep, name);
    PGconn *imp = PQconnectdb(url);
    if (PQstatus(imp) != CONNECTION_OK) fail_msg("cannot reach %s: %s", url, PQerrorMessage(imp));
    PQclear(PQexec(imp, "BEGIN"));
    PGresult *r = PQexec(imp, "SELECT pg_advisory_xact_lock(1853189474, 2)");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
    *l = (late_commit_t){imp, 1500};
    assert_int_equal(pthread_create(th, NULL, commit_later, l), 0);
    return imp;
}
#endif

/* A batch whose BEGIN cannot take the inventory lock in time (an import
 * batch holds it past statement_timeout): its first statement, a write
 * outside a transaction, must fail, not commit by itself -- the round of
 * ids after such a commit began the batch's transaction and kept the
 * rounds' lock until the batch ended (every other node's round waited;
 * a helper's review, session 33). */
static void test_batch_begin_times_out(void **state)
{
    store_t *st = ST_OF(state);
    if (!st->ops->batches(st) || g_backend != BK_PG) return;
#ifdef ND_HAVE_POSTGRES
    static late_commit_t l;
    pthread_t th;
    store_t *st2 = NULL;
    PGconn *imp = import_lock_held(state, &l, &th, &st2);
    assert_int_equal(st2->ops->batch_begin(st2), ST_OK);
    assert_int_not_equal(st2->ops->setting_put(st2, "w", "1"), ST_OK);
    pthread_join(th, NULL);
    /* not committed by itself, and nothing of the batch holds a lock */
    assert_int_equal(pg_count(state, "SELECT count(*) FROM settings WHERE name = 'w'"), 0);
    assert_int_equal(pg_count(state, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                     "AND classid = 1853189474 AND objid = 4"),
                     0);
    assert_int_equal(pg_count(state, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                     "current_database() AND state LIKE 'idle in transaction%'"),
                     0);
    uint64_t ticket = 1;
    assert_int_equal(st2->ops->batch_end(st2, &ticket), ST_OK);
    /* the batch after it works */
    assert_int_equal(st2->ops->batch_begin(st2), ST_OK);
    assert_int_equal(st2->ops->setting_put(st2, "w", "2"), ST_OK);
    assert_int_equal(st2->ops->batch_end(st2, &ticket), ST_OK);
    assert_int_equal(pg_count(state, "SELECT count(*) FROM settings WHERE name = 'w' AND "
                                     "value = '2'"),
                     1);
    st2->ops->close(st2);
    PQfinish(imp);
#else
    (void)state;
#endif
}

/* A write begun inside a read transaction queues for the inventory lock
 * like any writer.  When that wait fails (here its statement timeout,
 * behind an import's lock), no level was entered: the outer end is the
 * transaction's own, and answers the failure.  Before, the failed level
 * stayed entered: the outer end only left it, answered OK, and sent
 * nothing -- the connection stayed idle in its aborted transaction, and
 * every later transaction of it nested into that one. */
static void test_nested_write_begin_fails(void **state)
{
    if (g_backend != BK_PG) return;
#ifdef ND_HAVE_POSTGRES
    static late_commit_t l;
    pthread_t th;
    store_t *st2 = NULL;
    PGconn *imp = import_lock_held(state, &l, &th, &st2);
    assert_int_equal(st2->ops->tx_begin(st2, false), ST_OK);
    assert_int_not_equal(st2->ops->tx_begin(st2, true), ST_OK);
    assert_int_not_equal(st2->ops->tx_commit(st2), ST_OK);
    pthread_join(th, NULL);
    assert_int_equal(pg_count(state, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                     "current_database() AND state LIKE 'idle in transaction%'"),
                     0);
    /* the connection's next transaction is one of its own, and commits */
    assert_int_equal(st2->ops->tx_begin(st2, true), ST_OK);
    assert_int_equal(st2->ops->setting_put(st2, "nested", "1"), ST_OK);
    assert_int_equal(st2->ops->tx_commit(st2), ST_OK);
    assert_int_equal(pg_count(state, "SELECT count(*) FROM settings WHERE name = 'nested'"), 1);
    st2->ops->close(st2);
    PQfinish(imp);
#else
    (void)state;
#endif
}

static void test_events(void **state)
{
    store_t *st = ST_OF(state);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t b = mk_account(st, "MA000000000000000002", 0);
    ev_put(st, "number.bought", a, "number", "14155550100", "account", 1000);
    ev_put(st, "number.updated", a, "number", "14155550100", "api_key", 2000);
    ev_put(st, "carrier.created", b, "carrier", "u-1", "account", 3000);
    ev_put(st, "inventory.imported", 0, "inventory", "import", "admin", 4000);

    /* a rolled-back event never appears */
    event_t ev;
    ev_make(&ev, "number.released", "number", "14155550100", "account", 5000);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->event_append(st, &ev), ST_OK);
    st->ops->tx_rollback(st);

    event_filter_t f;
    memset(&f, 0, sizeof f);
    f.limit = 10;
    ev_seen_t s = {0};
    assert_int_equal(st->ops->event_list(st, &f, ev_walk, &s), ST_OK);
    assert_int_equal(s.n, 4);
    for (int i = 1; i < 4; i++) assert_true(s.ids[i] > s.ids[i - 1]); /* ascending */
    assert_string_equal(s.last.type, "inventory.imported");
    assert_int_equal(s.last.account_id, 0);
    assert_string_equal(s.last.account_auth_id, "");
    int64_t first = s.ids[0], second = s.ids[1];

    /* the cursor and the limit */
    f.after_id = first;
    f.limit = 1;
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->event_list(st, &f, ev_walk, &s), ST_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.ids[0], second);
    assert_string_equal(s.last.actor_kind, "api_key");
    assert_string_equal(s.last.account_auth_id, "MA000000000000000001");
    assert_string_equal(s.last.request_id, "req-1");
    assert_string_equal(s.last.data, "{\"after\":{\"alias\":\"x\"}}");

    /* filters: object, account, operator-level, actor, type and its prefix, time */
    memset(&f, 0, sizeof f);
    f.limit = 10;
    snprintf(f.object_type, sizeof f.object_type, "number");
    snprintf(f.object_id, sizeof f.object_id, "14155550100");
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->event_list(st, &f, ev_walk, &s), ST_OK);
    assert_int_equal(s.n, 2);
    memset(&f, 0, sizeof f);
    f.limit = 10;
    f.account_id = b;
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->event_list(st, &f, ev_walk, &s), ST_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.last.type, "carrier.created");
    f.account_id = -1;
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->event_list(st, &f, ev_walk, &s), ST_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.last.type, "inventory.imported");
    memset(&f, 0, sizeof f);
    f.limit = 10;
    snprintf(f.actor_kind, sizeof f.actor_kind, "account");
    snprintf(f.actor_id, sizeof f.actor_id, "MA000000000000000001");
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->event_list(st, &f, ev_walk, &s), ST_OK);
    assert_int_equal(s.n, 2);
    memset(&f, 0, sizeof f);
    f.limit = 10;
    snprintf(f.type, sizeof f.type, "number.");
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->event_list(st, &f, ev_walk, &s), ST_OK);
    assert_int_equal(s.n, 2);
    snprintf(f.type, sizeof f.type, "number.updated");
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->event_list(st, &f, ev_walk, &s), ST_OK);
    assert_int_equal(s.n, 1);
    memset(&f, 0, sizeof f);
    f.limit = 10;
    f.since = 2000;
    f.until = 4000;
    f.has_since = f.has_until = true;
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->event_list(st, &f, ev_walk, &s), ST_OK);
    assert_int_equal(s.n, 2);

    /* purge: the oldest, in bounded batches; ids are never given again */
    int64_t n = 0;
    assert_int_equal(st->ops->event_purge(st, 3000, 1, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(st->ops->event_purge(st, 3000, 10, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(st->ops->event_purge(st, 10000, 10, &n), ST_OK);
    assert_int_equal(n, 2);
    ev_put(st, "account.created", a, "account", "MA000000000000000001", "admin", 6000);

    /* a carrier delete that finds nothing leaves an enclosing transaction
     * usable (the core asks it for a count inside its own, with an event) */
    gateway_t gw = {.port = 5060, .netmask = 32, .inbound = true};
    snprintf(gw.sid, sizeof gw.sid, "cccccccc-cccc-4ccc-8ccc-cccccccccccc");
    snprintf(gw.address, sizeof gw.address, "192.0.2.1");
    carrier_t cr = carrier(a, "ev-carrier", "10000000000042", &gw, 1);
    assert_int_equal(st->ops->carrier_insert(st, &cr), ST_OK);
    int64_t in_use = -1;
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->carrier_delete(st, -1, cr.id, &in_use), ST_NOTFOUND);
    assert_int_equal(in_use, 0);
    ev_put(st, "carrier.updated", a, "carrier", cr.uuid, "admin", 6001); /* nested: commits with it */
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    memset(&f, 0, sizeof f);
    f.limit = 10;
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->event_list(st, &f, ev_walk, &s), ST_OK);
    assert_int_equal(s.n, 2);
    assert_true(s.ids[0] > second + 2);
    assert_true(s.ids[1] > s.ids[0]);

    /* an event without data is stored with an empty object */
    int64_t last = s.ids[1];
    ev_make(&ev, "account.updated", "account", "MA000000000000000001", "admin", 7000);
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->event_append(st, &ev), ST_OK);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    memset(&f, 0, sizeof f);
    f.limit = 10;
    f.after_id = last;
    memset(&s, 0, sizeof s);
    assert_int_equal(st->ops->event_list(st, &f, ev_walk, &s), ST_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.last.type, "account.updated");
    assert_string_equal(s.last.data, "{}");
}

/* ---- webhooks --------------------------------------------------------------------------------- */

static wh_endpoint_t mk_ep(const char *uid, int64_t owner, int64_t account)
{
    wh_endpoint_t ep;
    memset(&ep, 0, sizeof ep);
    snprintf(ep.uid, sizeof ep.uid, "%s", uid);
    ep.owner_id = owner;
    ep.account_id = account;
    snprintf(ep.url, sizeof ep.url, "https://hooks.example.com/%s", uid);
    snprintf(ep.event_types, sizeof ep.event_types, "number.bought,carrier.*");
    ep.enabled = true;
    memset(ep.secret, 0xab, 72);
    ep.secret_len = 72;
    ep.created_at = ep.updated_at = 1700000000;
    return ep;
}

static wh_delivery_t mk_dl(int64_t ep, int64_t event, const char *object, int64_t next_ms)
{
    wh_delivery_t d;
    memset(&d, 0, sizeof d);
    d.endpoint_id = ep;
    d.event_id = event;
    snprintf(d.event_type, sizeof d.event_type, "number.updated");
    snprintf(d.object_key, sizeof d.object_key, "%s", object);
    d.next_at_ms = next_ms;
    d.created_at = 1700000000;
    return d;
}

static void test_webhooks(void **state)
{
    store_t *st = ST_OF(state);
    seed(st);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t b = mk_account(st, "MA000000000000000002", 0);

    /* endpoints: insert, read back (sealed secret bytes too), unique uid */
    wh_endpoint_t op = mk_ep("we_op", 0, 0), own = mk_ep("we_a", a, a), other = mk_ep("we_b", b, b);
    assert_int_equal(st->ops->wh_endpoint_insert(st, &op), ST_OK);
    assert_int_equal(st->ops->wh_endpoint_insert(st, &own), ST_OK);
    assert_int_equal(st->ops->wh_endpoint_insert(st, &other), ST_OK);
    assert_true(op.id > 0 && own.id > op.id && other.id > own.id);
    wh_endpoint_t dup = mk_ep("we_a", a, a);
    assert_int_equal(st->ops->wh_endpoint_insert(st, &dup), ST_CONFLICT);
    wh_endpoint_t got;
    assert_int_equal(st->ops->wh_endpoint_get(st, -1, "we_a", &got), ST_OK);
    assert_int_equal(got.id, own.id);
    assert_int_equal(got.owner_id, a);
    assert_int_equal(got.account_id, a);
    assert_string_equal(got.event_types, "number.bought,carrier.*");
    assert_int_equal(got.secret_len, 72);
    assert_memory_equal(got.secret, own.secret, 72);
    assert_int_equal(got.old_secret_len, 0);
    assert_true(got.enabled);
    /* the filter as of the fan-out starts as the endpoint's own (the
     * account's auth_id, "" for none) */
    assert_true(got.fan_enabled);
    assert_string_equal(got.fan_types, "number.bought,carrier.*");
    assert_string_equal(got.fan_account, "MA000000000000000001");
    /* an owner sees its own only */
    assert_int_equal(st->ops->wh_endpoint_get(st, a, "we_a", &got), ST_OK);
    assert_int_equal(st->ops->wh_endpoint_get(st, b, "we_a", &got), ST_NOTFOUND);
    assert_int_equal(st->ops->wh_endpoint_get(st, 0, "we_op", &got), ST_OK);
    assert_int_equal(got.account_id, 0);
    assert_string_equal(got.fan_account, "");
    assert_int_equal(st->ops->wh_endpoint_by_id(st, other.id, &got), ST_OK);
    assert_string_equal(got.uid, "we_b");
    wh_endpoint_t rows[4];
    size_t n = 0;
    int64_t total = 0;
    assert_int_equal(st->ops->wh_endpoint_list(st, -1, 2, 0, rows, &n, &total), ST_OK);
    assert_int_equal(n, 2);
    assert_int_equal(total, 3);
    assert_string_equal(rows[0].uid, "we_op");
    assert_int_equal(st->ops->wh_endpoint_list(st, a, 4, 0, rows, &n, &total), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(total, 1);

    /* the start event: set once; until then, the endpoint is listed for
     * the fan-out whatever its state */
    assert_int_equal(st->ops->wh_endpoint_start(st, own.id, 77), ST_OK);
    assert_int_equal(st->ops->wh_endpoint_start(st, own.id, 78), ST_NOTFOUND);
    assert_int_equal(st->ops->wh_endpoint_start(st, op.id, 70), ST_OK);
    assert_int_equal(st->ops->wh_endpoint_by_id(st, own.id, &got), ST_OK);
    assert_int_equal(got.start_event_id, 77);

    /* update: secrets rotated, disabled; the fan-out still reads it (so
     * that its cursor moves past what the disabled endpoint does not
     * want: re-enabled, it does not hear the events of its disabled time,
     * whether or not other endpoints exist; a helper's review, session 33) */
    own.old_secret_len = 72;
    memset(own.old_secret, 0xcd, 72);
    own.old_secret_until = 1700086400;
    own.enabled = false;
    snprintf(own.disabled_reason, sizeof own.disabled_reason, "by hand");
    assert_int_equal(st->ops->wh_endpoint_update(st, &own), ST_OK);
    assert_int_equal(st->ops->wh_endpoint_get(st, -1, "we_a", &got), ST_OK);
    assert_false(got.enabled);
    assert_int_equal(got.old_secret_len, 72);
    assert_int_equal(got.old_secret[0], 0xcd);
    assert_string_equal(got.disabled_reason, "by hand");
    assert_true(got.fan_enabled); /* an update leaves the fan-out's filter to the fan-out */
    /* the fan-out moves it */
    assert_int_equal(st->ops->wh_endpoint_fanned(st, own.id, false, "number.*", "MA000000000000000002"), ST_OK);
    assert_int_equal(st->ops->wh_endpoint_by_id(st, own.id, &got), ST_OK);
    assert_false(got.fan_enabled);
    assert_string_equal(got.fan_types, "number.*");
    assert_string_equal(got.fan_account, "MA000000000000000002");
    assert_string_equal(got.event_types, "number.bought,carrier.*");
    assert_int_equal(st->ops->wh_endpoint_fanned(st, 999999, true, "", ""), ST_NOTFOUND);
    assert_int_equal(st->ops->wh_endpoint_page(st, 0, 10, rows, &n), ST_OK);
    assert_int_equal(n, 3);
    assert_int_equal(rows[1].id, own.id);
    assert_false(rows[1].enabled);
    assert_int_equal(rows[2].id, other.id);
    assert_int_equal(st->ops->wh_endpoint_page(st, op.id, 10, rows, &n), ST_OK);
    assert_int_equal(n, 2);
    own.enabled = true;
    assert_int_equal(st->ops->wh_endpoint_update(st, &own), ST_OK);

    /* the failure run: counted, its start kept, reset by a success */
    int count = 0;
    int64_t since = 0;
    assert_int_equal(st->ops->wh_endpoint_outcome(st, own.id, false, 1700000100, &count, &since), ST_OK);
    assert_int_equal(count, 1);
    assert_int_equal(since, 1700000100);
    assert_int_equal(st->ops->wh_endpoint_outcome(st, own.id, false, 1700000200, &count, &since), ST_OK);
    assert_int_equal(count, 2);
    assert_int_equal(since, 1700000100);
    assert_int_equal(st->ops->wh_endpoint_outcome(st, own.id, true, 1700000300, &count, &since), ST_OK);
    assert_int_equal(count, 0);
    assert_int_equal(since, 0);
    /* disabled once: the second says it was not enabled */
    assert_int_equal(st->ops->wh_endpoint_disable(st, other.id, "dead", 1700000400), ST_OK);
    assert_int_equal(st->ops->wh_endpoint_disable(st, other.id, "dead", 1700000401), ST_NOTFOUND);

    /* the cursor */
    int64_t cur = -1;
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->wh_cursor_get(st, &cur), ST_OK);
    assert_int_equal(cur, 0);
    assert_int_equal(st->ops->wh_cursor_put(st, 41), ST_OK);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);
    assert_int_equal(st->ops->wh_cursor_get(st, &cur), ST_OK);
    assert_int_equal(cur, 41);

    /* deliveries: one per (endpoint, event); claims in order per object */
    wh_delivery_t d;
    d = mk_dl(own.id, 10, "number:1", 1000);
    assert_int_equal(st->ops->wh_delivery_insert(st, &d), ST_OK);
    assert_int_equal(st->ops->wh_delivery_insert(st, &d), ST_OK); /* again: kept, no second row */
    d = mk_dl(own.id, 11, "number:1", 1000);
    assert_int_equal(st->ops->wh_delivery_insert(st, &d), ST_OK);
    d = mk_dl(own.id, 12, "number:2", 1000);
    assert_int_equal(st->ops->wh_delivery_insert(st, &d), ST_OK);
    d = mk_dl(other.id, 10, "number:1", 1000);   /* a disabled endpoint's: never claimed */
    assert_int_equal(st->ops->wh_delivery_insert(st, &d), ST_OK);
    wh_delivery_t dl[8];
    assert_int_equal(st->ops->wh_delivery_list(st, own.id, -1, 8, 0, dl, &n, &total), ST_OK);
    assert_int_equal(n, 3);
    assert_int_equal(total, 3);
    assert_int_equal(dl[0].event_id, 12);         /* newest first */
    /* nothing due before 1000 */
    wh_delivery_t c1, c2, c3;
    bool due = true;
    assert_int_equal(st->ops->wh_delivery_due(st, 999, 2, &due), ST_OK);
    assert_false(due);
    assert_int_equal(st->ops->wh_delivery_due(st, 1000, 2, &due), ST_OK);
    assert_true(due);
    assert_int_equal(st->ops->wh_delivery_claim(st, 999, 5000, 2, &c1), ST_NOTFOUND);
    assert_int_equal(st->ops->wh_delivery_claim(st, 1000, 5000, 2, &c1), ST_OK);
    assert_int_equal(c1.event_id, 10);
    assert_int_equal(c1.leased_until_ms, 5000);
    /* one delivery of an endpoint in flight at a time: event 12 (number:2)
     * waits while 10 is sent, and 11 of number:1 waits behind 10 (order) */
    assert_int_equal(st->ops->wh_delivery_claim(st, 1001, 5001, 2, &c2), ST_NOTFOUND);
    assert_int_equal(st->ops->wh_delivery_due(st, 1002, 2, &due), ST_OK);
    assert_false(due);
    /* a lease that expires frees the row (a node killed mid-delivery) */
    assert_int_equal(st->ops->wh_delivery_claim(st, 5000, 9000, 2, &c3), ST_OK);
    assert_int_equal(c3.id, c1.id);
    /* the first worker, its lease gone, records nothing over the second's */
    wh_delivery_t stale = c1;
    stale.state = WHD_DELIVERED;
    stale.attempts = 1;
    stale.delivered_at = 1700000400;
    assert_int_equal(st->ops->wh_delivery_finish(st, &stale), ST_NOTFOUND);
    assert_int_equal(st->ops->wh_delivery_get(st, own.id, c1.id, &d), ST_OK);
    assert_int_equal(d.state, WHD_PENDING);
    assert_int_equal(d.leased_until_ms, 9000);
    /* 10 fails and waits for its retry: 11 still waits (order); the
     * endpoint is free again, and 12 goes */
    c3.attempts = 1;
    c3.state = WHD_PENDING;
    c3.next_at_ms = 20000;
    c3.last_status = 500;
    snprintf(c3.last_error, sizeof c3.last_error, "HTTP 500");
    c3.last_at = 1700000500;
    assert_int_equal(st->ops->wh_delivery_finish(st, &c3), ST_OK);
    assert_int_equal(st->ops->wh_delivery_claim(st, 6000, 11000, 2, &c2), ST_OK);
    assert_int_equal(c2.event_id, 12);
    c2.attempts = 1;
    c2.state = WHD_DELIVERED;
    c2.last_status = 200;
    c2.delivered_at = 1700000500;
    assert_int_equal(st->ops->wh_delivery_finish(st, &c2), ST_OK);
    assert_int_equal(st->ops->wh_delivery_claim(st, 10000, 15000, 2, &c3), ST_NOTFOUND);
    assert_int_equal(st->ops->wh_delivery_get(st, own.id, c1.id, &d), ST_OK);
    assert_int_equal(d.attempts, 1);
    assert_int_equal(d.last_status, 500);
    assert_string_equal(d.last_error, "HTTP 500");
    assert_int_equal(d.leased_until_ms, 0);
    assert_int_equal(d.next_at_ms, 20000);
    /* delivered: 10 goes, then 11 */
    assert_int_equal(st->ops->wh_delivery_claim(st, 20000, 25000, 2, &c3), ST_OK);
    assert_int_equal(c3.event_id, 10);
    c3.attempts = 2;
    c3.state = WHD_DELIVERED;
    c3.last_status = 204;
    c3.last_error[0] = '\0';
    assert_int_equal(st->ops->wh_delivery_finish(st, &c3), ST_OK);
    assert_int_equal(st->ops->wh_delivery_claim(st, 20001, 25001, 2, &c3), ST_OK);
    assert_int_equal(c3.event_id, 11);
    /* the log by state; manual redelivery makes a delivered row pending */
    assert_int_equal(st->ops->wh_delivery_list(st, own.id, WHD_DELIVERED, 8, 0, dl, &n, &total), ST_OK);
    assert_int_equal(total, 2);
    assert_int_equal(st->ops->wh_delivery_retry(st, own.id, c2.id, 30000), ST_OK);
    assert_int_equal(st->ops->wh_delivery_retry(st, other.id, c2.id, 30000), ST_NOTFOUND);
    assert_int_equal(st->ops->wh_delivery_get(st, own.id, c2.id, &d), ST_OK);
    assert_int_equal(d.state, WHD_PENDING);
    assert_int_equal(d.next_at_ms, 30000);
    assert_int_equal(st->ops->wh_delivery_get(st, other.id, c2.id, &d), ST_NOTFOUND);

    /* the purge: settled deliveries made before the time, and a disabled
     * endpoint's pending ones (nothing claims them), never an enabled
     * endpoint's pending one (10 is delivered; 11 leased and 12
     * redelivered are pending; the disabled endpoint's 10 is pending) */
    int64_t purged = -1;
    assert_int_equal(st->ops->wh_delivery_purge(st, 1700000000, 10, &purged), ST_OK);
    assert_int_equal(purged, 0); /* strictly before */
    assert_int_equal(st->ops->wh_delivery_purge(st, 1800000000, 10, &purged), ST_OK);
    assert_int_equal(purged, 2);
    assert_int_equal(st->ops->wh_delivery_get(st, own.id, c1.id, &d), ST_NOTFOUND);
    assert_int_equal(st->ops->wh_delivery_list(st, own.id, -1, 8, 0, dl, &n, &total), ST_OK);
    assert_int_equal(total, 2);
    assert_int_equal(st->ops->wh_delivery_list(st, other.id, -1, 8, 0, dl, &n, &total), ST_OK);
    assert_int_equal(total, 0);
    /* a failed one goes too, at most max a call */
    assert_int_equal(st->ops->wh_delivery_claim(st, 30000, 35000, 2, &c3), ST_OK);
    c3.state = WHD_FAILED;
    c3.attempts = 8;
    assert_int_equal(st->ops->wh_delivery_finish(st, &c3), ST_OK);
    assert_int_equal(st->ops->wh_delivery_purge(st, 1800000000, 10, &purged), ST_OK);
    assert_int_equal(purged, 1);
    assert_int_equal(st->ops->wh_delivery_get(st, own.id, c3.id, &d), ST_NOTFOUND);
    assert_int_equal(st->ops->wh_delivery_list(st, own.id, -1, 8, 0, dl, &n, &total), ST_OK);
    assert_int_equal(total, 1);

    /* delete: the endpoint and its deliveries */
    assert_int_equal(st->ops->wh_endpoint_delete(st, own.id), ST_OK);
    assert_int_equal(st->ops->wh_endpoint_delete(st, own.id), ST_NOTFOUND);
    assert_int_equal(st->ops->wh_delivery_list(st, own.id, -1, 8, 0, dl, &n, &total), ST_OK);
    assert_int_equal(total, 0);
}

/* The claim's fairness (a helper's audit, session 37): one delivery in
 * flight per endpoint, and a customer's endpoints together at most
 * owner_share in flight; the operator's are bounded per endpoint only. */
static void test_webhook_claim_fairness(void **state)
{
    store_t *st = ST_OF(state);
    seed(st);
    int64_t a = mk_account(st, "MA000000000000000001", 0);
    int64_t b = mk_account(st, "MA000000000000000002", 0);
    wh_endpoint_t a1 = mk_ep("we_a1", a, a), a2 = mk_ep("we_a2", a, a), a3 = mk_ep("we_a3", a, a);
    wh_endpoint_t b1 = mk_ep("we_b1", b, b), o1 = mk_ep("we_o1", 0, 0), o2 = mk_ep("we_o2", 0, 0);
    wh_endpoint_t *eps[] = {&a1, &a2, &a3, &b1, &o1, &o2};
    for (size_t i = 0; i < 6; i++) assert_int_equal(st->ops->wh_endpoint_insert(st, eps[i]), ST_OK);
    int64_t n = -1;
    assert_int_equal(st->ops->wh_endpoint_count(st, a, &n), ST_OK);
    assert_int_equal(n, 3);
    assert_int_equal(st->ops->wh_endpoint_count(st, b, &n), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(st->ops->wh_endpoint_count(st, 0, &n), ST_OK);
    assert_int_equal(n, 2);
    /* in a write transaction too (PostgreSQL: after the owner's turn) */
    assert_int_equal(st->ops->tx_begin(st, true), ST_OK);
    assert_int_equal(st->ops->wh_endpoint_count(st, a, &n), ST_OK);
    assert_int_equal(n, 3);
    assert_int_equal(st->ops->tx_commit(st), ST_OK);

    /* events 1..6, one to each endpoint (distinct objects), and 7 to a1 */
    for (int i = 0; i < 6; i++) {
        char obj[32];
        snprintf(obj, sizeof obj, "number:%d", i + 1);
        wh_delivery_t d = mk_dl(eps[i]->id, i + 1, obj, 1000);
        assert_int_equal(st->ops->wh_delivery_insert(st, &d), ST_OK);
    }
    wh_delivery_t d = mk_dl(a1.id, 7, "number:7", 1000);
    assert_int_equal(st->ops->wh_delivery_insert(st, &d), ST_OK);

    /* share 2: a's third endpoint waits while two of a's are in flight;
     * b's and the operator's go; a1's second (7) waits for its first */
    wh_delivery_t c[8];
    int64_t want[] = {1, 2, 4, 5, 6};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(st->ops->wh_delivery_claim(st, 1000 + i, 5000, 2, &c[i]), ST_OK);
        assert_int_equal(c[i].event_id, want[i]);
    }
    bool due = true;
    assert_int_equal(st->ops->wh_delivery_claim(st, 1010, 5000, 2, &c[5]), ST_NOTFOUND);
    assert_int_equal(st->ops->wh_delivery_due(st, 1010, 2, &due), ST_OK);
    assert_false(due);
    /* a larger share lets a3 go */
    assert_int_equal(st->ops->wh_delivery_due(st, 1010, 3, &due), ST_OK);
    assert_true(due);
    /* a1's first delivered: a has one in flight, and the first due of
     * a's (3, before 7) goes; then a is at its share again */
    c[0].state = WHD_DELIVERED;
    c[0].attempts = 1;
    c[0].last_status = 200;
    assert_int_equal(st->ops->wh_delivery_finish(st, &c[0]), ST_OK);
    assert_int_equal(st->ops->wh_delivery_claim(st, 1020, 5000, 2, &c[5]), ST_OK);
    assert_int_equal(c[5].event_id, 3);
    assert_int_equal(st->ops->wh_delivery_claim(st, 1021, 5000, 2, &c[6]), ST_NOTFOUND);
    /* leases that ran out hold nothing (a node killed mid-delivery) */
    assert_int_equal(st->ops->wh_delivery_claim(st, 5000, 9000, 2, &c[6]), ST_OK);
    assert_int_equal(c[6].event_id, 2);
}

/* ---- running ------------------------------------------------------------------------------------- */

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

static const struct CMUnitTest cases[] = {
    T(test_accounts_and_keys),
    T(test_import_stats_export),
    T(test_stats_many_groups),
    T(test_search_filters),
    T(test_search_local_calling_area),
    T(test_search_paging_and_cap),
    T(test_buy_approve_release_aging),
    T(test_number_list_state),
    T(test_owned_list_filters),
    T(test_owned_update_and_customer_numbers),
    T(test_subaccounts),
    T(test_credentials),
    T(test_applications),
    T(test_compliance),
    T(test_inventory_rates_and_restrictions),
    T(test_carriers),
    T(test_upstream_carriers),
    T(test_sbc_feed),
    T(test_registrations),
    T(test_idempotency),
    T(test_settings),
    T(test_transactions),
    T(test_batches),
    T(test_batch_big_round),
    T(test_batch_begin_times_out),
    T(test_nested_write_begin_fails),
    T(test_read_version),
    T(test_events),
    T(test_webhooks),
    T(test_webhook_claim_fairness),
};

int main(void)
{
    int failed = 0;
    snprintf(g_dir, sizeof g_dir, "/tmp/nd-conformance.XXXXXX");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 1;
    }
    g_backend = BK_SQLITE;
    failed += cmocka_run_group_tests_name("store conformance: sqlite", cases, NULL, NULL);
    rmdir(g_dir);

    g_pg = getenv("NUMBERD_TEST_PG");
    if (!g_pg || !*g_pg) {
        printf("store conformance: postgres SKIPPED: NUMBERD_TEST_PG is not set "
               "(scripts/test.sh sets it to a throwaway cluster)\n");
        return failed;
    }
#ifdef ND_HAVE_POSTGRES
    g_backend = BK_PG;
    failed += cmocka_run_group_tests_name("store conformance: postgres", cases, NULL, NULL);
#else
    printf("store conformance: NUMBERD_TEST_PG is set, but this build has no PostgreSQL "
           "backend (libpq was not found)\n");
    failed++;
#endif
    return failed;
}
