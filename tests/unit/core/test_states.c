/* test_states.c -- the number states of API.md §5 and the search rules of
 * §2.2, exercised through the core (core/inventory.c, numbers.c,
 * accounts.c) against a real SQLite store in a temporary directory.
 *
 * The tests of the group share one database and run in order: the import
 * fixture is loaded by the group setup, searches run while everything is
 * still available, then numbers are bought, approved and re-imported.
 * The clock is pinned with NUMBERD_FAKE_NOW so purchase dates are exact.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/accounts.h"
#include "util/buf.h"
#include "util/clock.h"
#include "core/core.h"
#include "core/idem.h"
#include "core/inventory.h"
#include "core/numbers.h"
#include "store/store.h"
#include "util/log.h"

#define FAKE_NOW "1795339916" /* 2026-11-22T09:31:56Z */

/* ---- fixture ------------------------------------------------------------ */

/* Line numbers matter: the header is line 1. */
static const char FIXTURE[] =
    "number,country_iso,type,sub_type,city,region,rate_center,lata,voice_enabled,sms_enabled,"
    "mms_enabled,monthly_rental_rate,restriction,carrier\n"
    /* 2 */ "14155550100,US,fixed,local,SAN FRANCISCO,CA,SNFC CNTRL,722,true,true,false,0.80000,,upstream-a\n"
    /* 3 */ "14155550101,US,fixed,local,San Francisco,CA,SNFC CNTRL,722,true,true,true,0.8,,\n"
    /* 4 */ "14155551200,US,fixed,local,SAN FRANCISCO,CA,SNFC CNTRL,722,true,false,false,0.8,,\n"
    /* 5 */ "12125550100,US,fixed,local,NEW YORK,NY,NWYRCYZN01,132,true,true,true,1,,\n"
    /* 6 */ "18005550100,US,tollfree,,,,,,1,1,0,2.00000,,\n"
    /* 7 */ "447911123456,GB,mobile,,LONDON,England,,,true,true,false,1.5,city-address,\n"
    /* 8 */ "4930123456,DE,fixed,local,BERLIN,,,,true,false,false,1,country-address,\n"
    /* 9 */ "4930123457,DE,fixed,local,BERLIN,,,,true,false,false,1,country-address,\n"
    /* 10 */ "4930123458,DE,fixed,local,BERLIN,,,,true,false,false,1,country-address,\n"
    /* 11 */ "12345,US,fixed,,,,,,,,,,,\n"
    /* 12 */ "14155559999,US,fixed\n"
    /* 13 */ "16135550123,CA,local,,\"OTTAWA, ON\",ON,OTTAWA,,true,false,false,,,\n"
    /* 14 */ "447911123457,US,mobile,,,,,,,,,,,\n";

static struct {
    char dir[64];
    char path[128];
    store_t *st;
    core_t c;
    account_t main, other, sub;
    inv_result_t first;   /* the result of importing FIXTURE */
    int first_rc;
    cerr_t first_err;
} G;

/* Feeds csv in chunks of `chunk` bytes (0: all at once); paced: as the
 * HTTP import does (rows written as they come, not sorted first). */
static int import_csv_as(const char *csv, bool dry_run, size_t chunk, bool paced, inv_result_t *res,
                         cerr_t *e)
{
    inv_import_t *im = NULL;
    memset(res, 0, sizeof *res);
    if (inv_import_begin(&G.c, dry_run, &im, e) != C_OK) return C_ERR;
    if (paced) inv_import_pace(im, 1000);
    size_t n = strlen(csv);
    if (chunk == 0) chunk = n ? n : 1;
    for (size_t o = 0; o < n; o += chunk) {
        size_t k = n - o < chunk ? n - o : chunk;
        if (inv_import_feed(im, csv + o, k, e) != C_OK) break;
    }
    return inv_import_end(im, res, e);
}

static int import_csv(const char *csv, bool dry_run, size_t chunk, inv_result_t *res, cerr_t *e)
{
    return import_csv_as(csv, dry_run, chunk, false, res, e);
}

static int get_account(const char *auth_id, account_t *out)
{
    return G.st->ops->account_by_auth_id(G.st, auth_id, out) == ST_OK ? 0 : -1;
}

static int group_setup(void **state)
{
    (void)state;
    char *err = NULL;
    cerr_t e;
    acct_created_t ac;

    log_set_level(LOG_OFF);
    setenv("NUMBERD_FAKE_NOW", FAKE_NOW, 1);
    if (ids_init() != C_OK) return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(G.dir, sizeof G.dir, "%s/nd_states_XXXXXX", tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
    if (mkdtemp(G.dir) == NULL) return -1;
    snprintf(G.path, sizeof G.path, "%s/test.db", G.dir);
    if (store_open(G.path, &G.st, &err) != C_OK) {
        fprintf(stderr, "store_open: %s\n", err);
        free(err);
        return -1;
    }
    int applied = 0;
    if (G.st->ops->migrate(G.st, &applied) != ST_OK || applied < 1) return -1;
    G.c.st = G.st;
    G.c.aging_days = 45;

    if (acct_create(&G.c, "Main Co", &ac, &e) != C_OK || get_account(ac.auth_id, &G.main)) return -1;
    if (acct_create(&G.c, "Other Co", &ac, &e) != C_OK || get_account(ac.auth_id, &G.other))
        return -1;
    memset(&G.sub, 0, sizeof G.sub);
    ids_auth_id("SA", G.sub.auth_id);
    G.sub.parent_id = G.main.id;
    snprintf(G.sub.name, sizeof G.sub.name, "sub of main");
    G.sub.enabled = true;
    G.sub.created_at = G.sub.modified_at = clock_now();
    if (G.st->ops->account_insert(G.st, &G.sub) != ST_OK || G.sub.id <= 0) return -1;

    /* the fixture, in odd-sized chunks so records straddle feeds */
    G.first_rc = import_csv(FIXTURE, false, 7, &G.first, &G.first_err);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    char p[160];
    inv_result_free(&G.first);
    if (G.st) G.st->ops->close(G.st);
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", G.path, sfx[i]);
        unlink(p);
    }
    rmdir(G.dir);
    return 0;
}

/* ---- direct look at a row, to check what the core wrote ------------------ */

typedef struct {
    bool found;
    int state;
    int64_t owner, sub;
    char added[16], renew[16], comp[40], cnam[16];
} dbrow_t;

static void col(sqlite3_stmt *s, int i, char *out, size_t sz)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(out, sz, "%s", t ? (const char *)t : "");
}

static dbrow_t db_row(const char *number)
{
    dbrow_t r;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    memset(&r, 0, sizeof r);
    assert_int_equal(sqlite3_open_v2(G.path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT state, COALESCE(owner_id, 0), COALESCE(sub_id, 0), "
                                        "added_on, renewal_date, compliance_id, cnam_lookup "
                                        "FROM numbers WHERE number = ?1",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, number, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        r.found = true;
        r.state = sqlite3_column_int(s, 0);
        r.owner = sqlite3_column_int64(s, 1);
        r.sub = sqlite3_column_int64(s, 2);
        col(s, 3, r.added, sizeof r.added);
        col(s, 4, r.renew, sizeof r.renew);
        col(s, 5, r.comp, sizeof r.comp);
        col(s, 6, r.cnam, sizeof r.cnam);
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    return r;
}

/* ---- search helpers ------------------------------------------------------ */

static inv_number_t g_rows[20];

static search_in_t sq(const char *iso)
{
    search_in_t s;
    memset(&s, 0, sizeof s);
    s.country_iso = iso;
    s.limit = 20;
    return s;
}

static int64_t total_of(const search_in_t *in)
{
    size_t nrows = 99;
    int64_t total = -1;
    cerr_t e = {0};
    if (num_search(&G.c, in, g_rows, &nrows, &total, &e) != C_OK)
        fail_msg("search failed: %s", e.msg);
    assert_true(nrows <= (size_t)in->limit);
    assert_true((int64_t)nrows <= total);
    return total;
}

static void search_invalid(const search_in_t *in, const char *msg)
{
    size_t nrows = 99;
    int64_t total = -1;
    cerr_t e = {0};
    assert_int_equal(num_search(&G.c, in, g_rows, &nrows, &total, &e), C_ERR);
    assert_int_equal(e.code, CE_INVALID);
    if (strncmp(e.msg, msg, strlen(msg)) != 0) fail_msg("message \"%s\", want \"%s...\"", e.msg, msg);
    assert_int_equal(nrows, 0);
    assert_int_equal(total, 0);
}

/* ---- stats ---------------------------------------------------------------- */

typedef struct {
    char text[512];
} stats_t;

static int stats_cb(const stats_row_t *r, void *ud)
{
    stats_t *s = ud;
    size_t n = strlen(s->text);
    snprintf(s->text + n, sizeof s->text - n, "%s/%s/%s=%lld;", r->country_iso, r->type,
             num_state_name(r->state), (long long)r->count);
    return C_OK;
}

static void stats_are(const char *want)
{
    stats_t s = {{0}};
    cerr_t e;
    assert_int_equal(inv_stats(&G.c, stats_cb, &s, &e), C_OK);
    assert_string_equal(s.text, want);
}

/* ---- buy helpers ---------------------------------------------------------- */

static buy_in_t buy_in(const account_t *caller, const char *number)
{
    buy_in_t b;
    memset(&b, 0, sizeof b);
    b.caller = caller;
    b.number = number;
    return b;
}

static num_state_t buy_ok(const buy_in_t *in, const char *want_number)
{
    buy_out_t out;
    cerr_t e = {0};
    memset(&out, 0, sizeof out);
    if (num_buy(&G.c, in, &out, &e) != C_OK) fail_msg("buy %s failed: %s", in->number, e.msg);
    assert_string_equal(out.number, want_number);
    return out.state;
}

static void buy_fails(const buy_in_t *in, ce_t code, const char *msg)
{
    buy_out_t out;
    cerr_t e = {0};
    assert_int_equal(num_buy(&G.c, in, &out, &e), C_ERR);
    assert_int_equal(e.code, code);
    if (strncmp(e.msg, msg, strlen(msg)) != 0) fail_msg("message \"%s\", want \"%s...\"", e.msg, msg);
}

static void approve_fails(const char *number, ce_t code, const char *msg)
{
    cerr_t e = {0};
    assert_int_equal(num_approve(&G.c, number, &e), C_ERR);
    assert_int_equal(e.code, code);
    assert_string_equal(e.msg, msg);
}

/* ======================================================================== */

static void test_fixture_import(void **state)
{
    (void)state;
    if (G.first_rc != C_OK) fail_msg("fixture import failed: %s", G.first_err.msg);
    assert_int_equal(G.first.imported, 10);
    assert_int_equal(G.first.updated, 0);
    assert_int_equal(G.first.rejected_count, 3);
    assert_int_equal(G.first.nrejected, 3);
    assert_int_equal(G.first.rejected[0].line, 11);
    assert_string_equal(G.first.rejected[0].error, "invalid number: 12345");
    assert_int_equal(G.first.rejected[1].line, 12);
    assert_string_equal(G.first.rejected[1].error, "expected 14 fields, found 3");
    assert_int_equal(G.first.rejected[2].line, 14);
    assert_string_equal(G.first.rejected[2].error,
                        "number 447911123457 is not a US number (country code 1)");
    stats_are("CA/local/available=1;DE/fixed/available=3;GB/mobile/available=1;"
              "US/fixed/available=4;US/tollfree/available=1;");
    dbrow_t r = db_row("14155550100");
    assert_true(r.found);
    assert_int_equal(r.state, NUM_AVAILABLE);
    assert_int_equal(r.owner, 0);
}

/* ---- small parsers ------------------------------------------------------- */

static void test_num_parse_type(void **state)
{
    (void)state;
    static const char *const ok[][2] = {
        {"local", "local"},       {"national", "national"}, {"mobile", "mobile"},
        {"tollfree", "tollfree"}, {"fixed", "fixed"},       {"LOCAL", "local"},
        {"TollFree", "tollfree"}, {"Mobile", "mobile"},     {"FIXED", "fixed"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *canon = NULL;
        assert_int_equal(num_parse_type(ok[i][0], &canon), C_OK);
        assert_string_equal(canon, ok[i][1]);
    }
    static const char *const bad[] = {"", "toll-free", "toll free", "loc", "locals", "local ",
                                      " local", "landline", "fixed,local", "geographic"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const char *canon = "untouched";
        if (num_parse_type(bad[i], &canon) != C_ERR) fail_msg("accepted type \"%s\"", bad[i]);
        assert_string_equal(canon, "untouched");
    }
}

static void test_num_state_name(void **state)
{
    (void)state;
    assert_string_equal(num_state_name(NUM_AVAILABLE), "available");
    assert_string_equal(num_state_name(NUM_ACTIVE), "active");
    assert_string_equal(num_state_name(NUM_PENDING), "pending");
    assert_string_equal(num_state_name(NUM_AGING), "aging");
    assert_string_equal(num_state_name((num_state_t)42), "unknown");
    /* stored values: never renumbered */
    assert_int_equal(NUM_AVAILABLE, 0);
    assert_int_equal(NUM_ACTIVE, 1);
    assert_int_equal(NUM_PENDING, 2);
    assert_int_equal(NUM_AGING, 3);
}

static void test_idem_key_valid(void **state)
{
    (void)state;
    char k[300];
    assert_true(idem_key_valid("abcdefgh"));                 /* 8: the minimum */
    assert_true(idem_key_valid("A1_b2-C3"));
    assert_true(idem_key_valid("550e8400-e29b-41d4-a716-446655440000"));
    assert_true(idem_key_valid("________"));
    assert_true(idem_key_valid("--------"));
    memset(k, 'k', 255);
    k[255] = '\0';
    assert_true(idem_key_valid(k));                          /* 255: the maximum */
    k[255] = 'k';
    k[256] = '\0';
    assert_false(idem_key_valid(k));                         /* 256 */
    assert_false(idem_key_valid("abcdefg"));                 /* 7 */
    assert_false(idem_key_valid(""));
    assert_false(idem_key_valid("abcd efgh"));
    assert_false(idem_key_valid("abcd.efgh"));
    assert_false(idem_key_valid("abcd/efgh"));
    assert_false(idem_key_valid("abcd+efgh"));
    assert_false(idem_key_valid("abcdefgh\n"));
    assert_false(idem_key_valid("abcdéfgh"));
}

static void test_acct_parse_scopes(void **state)
{
    (void)state;
    unsigned s;
    s = 99;
    assert_int_equal(acct_parse_scopes("phone_numbers:read", &s), C_OK);
    assert_int_equal(s, SCOPE_READ);
    assert_int_equal(acct_parse_scopes("phone_numbers:write", &s), C_OK);
    assert_int_equal(s, SCOPE_WRITE);
    assert_int_equal(acct_parse_scopes("phone_numbers:read,phone_numbers:write", &s), C_OK);
    assert_int_equal(s, SCOPE_READ | SCOPE_WRITE);
    assert_int_equal(acct_parse_scopes("phone_numbers:write,phone_numbers:read", &s), C_OK);
    assert_int_equal(s, SCOPE_READ | SCOPE_WRITE);
    assert_int_equal(acct_parse_scopes(" phone_numbers:read , phone_numbers:write ", &s), C_OK);
    assert_int_equal(s, SCOPE_READ | SCOPE_WRITE);
    assert_int_equal(acct_parse_scopes("phone_numbers:read,phone_numbers:read", &s), C_OK);
    assert_int_equal(s, SCOPE_READ);

    static const char *const bad[] = {
        "", " ", "phone_numbers:read,", ",phone_numbers:read",
        "phone_numbers:read,,phone_numbers:write", "phone_numbers:READ", "phone_numbers:admin",
        "phone_numbers", "read", "phone_numbers:read;phone_numbers:write",
        "phone_numbers:readx", "phone_numbers:read phone_numbers:write",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (acct_parse_scopes(bad[i], &s) != C_ERR) fail_msg("accepted scopes \"%s\"", bad[i]);
    assert_int_equal(acct_parse_scopes(NULL, &s), C_ERR);
}

/* ---- inv_validate_row ----------------------------------------------------- */

#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))

static void row_rejected(const char *col, const char *val, const char *want)
{
    const char *cols[4] = {"number", "country_iso", "type", col};
    const char *vals[4] = {"14155550100", "US", "fixed", val};
    inv_number_t r;
    char why[160] = "";
    if (inv_validate_row(cols, vals, 4, &r, why, sizeof why) != C_ERR)
        fail_msg("accepted %s=\"%s\"", col, val);
    assert_string_equal(why, want);
}

static void row_accepted(const char *col, const char *val, inv_number_t *r)
{
    const char *cols[4] = {"number", "country_iso", "type", col};
    const char *vals[4] = {"14155550100", "US", "fixed", val};
    char why[160] = "";
    if (inv_validate_row(cols, vals, 4, r, why, sizeof why) != C_OK)
        fail_msg("rejected %s=\"%s\": %s", col, val, why);
}

static void test_validate_row_defaults(void **state)
{
    (void)state;
    const char *cols[] = {"number", "country_iso", "type"};
    const char *vals[] = {"+14155550100", "us", "FIXED"};
    inv_number_t r;
    char why[160] = "";
    memset(&r, 0x55, sizeof r);
    assert_int_equal(inv_validate_row(cols, vals, 3, &r, why, sizeof why), C_OK);
    assert_string_equal(r.number, "14155550100");
    assert_string_equal(r.country_iso, "US");
    assert_string_equal(r.type, "fixed");
    assert_string_equal(r.sub_type, "fixed");   /* defaults to type */
    assert_string_equal(r.prefix, "415");       /* NANP: the NPA */
    assert_string_equal(r.city, "");
    assert_string_equal(r.region, "");
    assert_string_equal(r.rate_center, "");
    assert_int_equal(r.lata, -1);
    assert_true(r.voice);                       /* voice defaults on */
    assert_false(r.sms);
    assert_false(r.mms);
    assert_int_equal(r.setup_rate, -1);
    assert_int_equal(r.monthly_rental_rate, -1);
    assert_int_equal(r.voice_rate, -1);
    assert_int_equal(r.sms_rate, -1);
    assert_int_equal(r.mms_rate, -1);
    assert_string_equal(r.restriction, "");
    assert_string_equal(r.restriction_text, "");
    assert_string_equal(r.carrier, "numberd");

    /* outside NANP there is no default prefix */
    const char *gvals[] = {"447911123456", "GB", "mobile"};
    assert_int_equal(inv_validate_row(cols, gvals, 3, &r, why, sizeof why), C_OK);
    assert_string_equal(r.prefix, "");
    assert_string_equal(r.country_iso, "GB");
    /* RU and KZ share calling code 7 */
    const char *kz[] = {"77012345678", "kz", "mobile"};
    assert_int_equal(inv_validate_row(cols, kz, 3, &r, why, sizeof why), C_OK);
    assert_string_equal(r.country_iso, "KZ");
    /* CA is NANP too */
    const char *ca[] = {"16135550123", "CA", "local"};
    assert_int_equal(inv_validate_row(cols, ca, 3, &r, why, sizeof why), C_OK);
    assert_string_equal(r.prefix, "613");
}

/* The example row of CLI.md, column for column. */
static void test_validate_row_full(void **state)
{
    (void)state;
    const char *cols[] = {"number", "country_iso", "type", "sub_type", "prefix", "city", "region",
                          "rate_center", "lata", "voice_enabled", "sms_enabled", "mms_enabled",
                          "setup_rate", "monthly_rental_rate", "voice_rate", "sms_rate",
                          "mms_rate", "restriction", "restriction_text", "carrier"};
    const char *vals[] = {"14155559186", "US", "fixed", "local", "415", "SAN FRANCISCO",
                          "United States", "SNFC CNTRL", "722", "true", "true", "false",
                          "0.00000", "0.80000", "0.00500", "0.00800", "", "", "", "upstream-a"};
    inv_number_t r;
    char why[160] = "";
    assert_int_equal(NCOLS(cols), NCOLS(vals));
    assert_int_equal(inv_validate_row(cols, vals, NCOLS(cols), &r, why, sizeof why), C_OK);
    assert_string_equal(r.number, "14155559186");
    assert_string_equal(r.type, "fixed");
    assert_string_equal(r.sub_type, "local");
    assert_string_equal(r.prefix, "415");
    assert_string_equal(r.city, "SAN FRANCISCO");
    assert_string_equal(r.region, "United States");
    assert_string_equal(r.rate_center, "SNFC CNTRL");
    assert_int_equal(r.lata, 722);
    assert_true(r.voice);
    assert_true(r.sms);
    assert_false(r.mms);
    assert_int_equal(r.setup_rate, 0);
    assert_int_equal(r.monthly_rental_rate, 80000);
    assert_int_equal(r.voice_rate, 500);
    assert_int_equal(r.sms_rate, 800);
    assert_int_equal(r.mms_rate, -1);            /* empty: not set */
    assert_string_equal(r.restriction, "");
    assert_string_equal(r.carrier, "upstream-a");
}

static void test_validate_row_fields(void **state)
{
    (void)state;
    inv_number_t r;
    char s[300];

    row_accepted("voice_enabled", "0", &r);
    assert_false(r.voice);
    row_accepted("voice_enabled", "FALSE", &r);
    assert_false(r.voice);
    row_accepted("voice_enabled", "", &r);
    assert_true(r.voice);
    row_accepted("sms_enabled", "1", &r);
    assert_true(r.sms);
    row_accepted("mms_enabled", "True", &r);
    assert_true(r.mms);
    row_accepted("prefix", "4155", &r);
    assert_string_equal(r.prefix, "4155");
    row_accepted("prefix", "123456789012345", &r);           /* 15 digits */
    row_accepted("lata", "999999", &r);
    assert_int_equal(r.lata, 999999);
    row_accepted("lata", "0", &r);
    assert_int_equal(r.lata, 0);
    row_accepted("restriction", "city-address", &r);
    assert_string_equal(r.restriction, "city-address");
    row_accepted("restriction", "country-address", &r);
    row_accepted("restriction", "terms-and-conditions", &r);
    assert_string_equal(r.restriction, "terms-and-conditions");
    row_accepted("sub_type", "TollFree", &r);
    assert_string_equal(r.sub_type, "tollfree");
    row_accepted("setup_rate", "9999999999.99999", &r);
    assert_int_equal(r.setup_rate, INT64_C(999999999999999));
    row_accepted("carrier", "", &r);
    assert_string_equal(r.carrier, "numberd");
    row_accepted("city", "S\xc3\xa3o Paulo", &r);              /* UTF-8 */
    assert_string_equal(r.city, "S\xc3\xa3o Paulo");

    /* length limits, exactly at and one over */
    memset(s, 'c', 64);
    s[64] = '\0';
    row_accepted("city", s, &r);
    assert_int_equal(strlen(r.city), 64);
    row_accepted("region", s, &r);
    row_accepted("carrier", s, &r);
    assert_string_equal(r.carrier, s);
    s[64] = 'c';
    s[65] = '\0';
    row_rejected("city", s, "invalid city: at most 64 bytes, no control characters");
    row_rejected("region", s, "invalid region: at most 64 bytes, no control characters");
    row_rejected("carrier", s, "invalid carrier: at most 64 bytes, no control characters");
    s[32] = '\0';
    row_accepted("rate_center", s, &r);
    s[32] = 'c';
    s[33] = '\0';
    row_rejected("rate_center", s, "invalid rate_center: at most 32 bytes, no control characters");
    memset(s, 't', 257);
    s[256] = '\0';
    row_accepted("restriction_text", s, &r);
    assert_int_equal(strlen(r.restriction_text), 256);
    s[256] = 't';
    s[257] = '\0';
    row_rejected("restriction_text", s, "invalid restriction_text: at most 256 bytes, no control characters");
}

static void test_validate_row_rejects(void **state)
{
    (void)state;
    inv_number_t r;
    char why[160];

    /* country */
    {
        const char *cols[] = {"number", "type"};
        const char *vals[] = {"14155550100", "fixed"};
        assert_int_equal(inv_validate_row(cols, vals, 2, &r, why, sizeof why), C_ERR);
        assert_string_equal(why, "country_iso is empty");
    }
    static const struct { const char *number, *iso, *type, *why; } base[] = {
        {"14155550100", "", "fixed", "country_iso is empty"},
        {"14155550100", "XX", "fixed", "invalid country_iso: XX"},
        {"14155550100", "USA", "fixed", "invalid country_iso: USA"},
        {"14155550100", "BV", "fixed", "invalid country_iso: BV"},    /* no calling code */
        {"12345", "US", "fixed", "invalid number: 12345"},
        {"", "US", "fixed", "invalid number: "},
        {"1 4155550100", "US", "fixed", "invalid number: 1 4155550100"},
        {"14151550100", "US", "fixed", "invalid number: 14151550100"}, /* NXX 1xx */
        {"447911123456", "US", "mobile", "number 447911123456 is not a US number (country code 1)"},
        {"14155550100", "GB", "fixed", "number 14155550100 is not a GB number (country code 44)"},
        {"14155550100", "US", "phone",
         "invalid type: phone (want fixed, mobile, tollfree, local or national)"},
        {"14155550100", "US", "", "invalid type:  (want fixed, mobile, tollfree, local or national)"},
    };
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
        const char *cols[] = {"number", "country_iso", "type"};
        const char *vals[] = {base[i].number, base[i].iso, base[i].type};
        memset(why, 0, sizeof why);
        if (inv_validate_row(cols, vals, 3, &r, why, sizeof why) != C_ERR)
            fail_msg("accepted row %zu", i);
        assert_string_equal(why, base[i].why);
    }
    {   /* missing number column */
        const char *cols[] = {"country_iso", "type"};
        const char *vals[] = {"US", "fixed"};
        assert_int_equal(inv_validate_row(cols, vals, 2, &r, why, sizeof why), C_ERR);
        assert_string_equal(why, "invalid number: ");
    }
    {   /* an unknown column */
        const char *cols[] = {"number", "country_iso", "type", "colour"};
        const char *vals[] = {"14155550100", "US", "fixed", "red"};
        assert_int_equal(inv_validate_row(cols, vals, 4, &r, why, sizeof why), C_ERR);
        assert_string_equal(why, "unknown column: colour");
    }

    row_rejected("sub_type", "landline", "invalid sub_type: landline");
    row_rejected("prefix", "41a", "invalid prefix: digits only");
    row_rejected("prefix", "+415", "invalid prefix: digits only");
    row_rejected("prefix", "1234567890123456", "invalid prefix: digits only"); /* 16 */
    row_rejected("city", "SAN\nFRANCISCO", "invalid city: at most 64 bytes, no control characters");
    row_rejected("region", "a\tb", "invalid region: at most 64 bytes, no control characters");
    row_rejected("rate_center", "x\x7f", "invalid rate_center: at most 32 bytes, no control characters");
    row_rejected("lata", "abc", "invalid lata: abc");
    row_rejected("lata", "-1", "invalid lata: -1");
    row_rejected("lata", "1234567", "invalid lata: 1234567");
    row_rejected("lata", "72.5", "invalid lata: 72.5");
    row_rejected("voice_enabled", "yes", "invalid voice_enabled: want true/false/1/0");
    row_rejected("voice_enabled", "2", "invalid voice_enabled: want true/false/1/0");
    row_rejected("sms_enabled", "on", "invalid sms_enabled: want true/false/1/0");
    row_rejected("mms_enabled", "t", "invalid mms_enabled: want true/false/1/0");
    row_rejected("setup_rate", "1.123456", "invalid setup_rate: a decimal with at most 5 decimals");
    row_rejected("monthly_rental_rate", "-1",
                 "invalid monthly_rental_rate: a decimal with at most 5 decimals");
    row_rejected("voice_rate", "1e3", "invalid voice_rate: a decimal with at most 5 decimals");
    row_rejected("sms_rate", ".5", "invalid sms_rate: a decimal with at most 5 decimals");
    row_rejected("mms_rate", "1.", "invalid mms_rate: a decimal with at most 5 decimals");
    row_rejected("setup_rate", "10000000000", "invalid setup_rate: a decimal with at most 5 decimals");
    row_rejected("restriction", "none",
                 "invalid restriction: want city-address, country-address, terms-and-conditions "
                 "or empty");
    row_rejected("restriction", "City-Address",
                 "invalid restriction: want city-address, country-address, terms-and-conditions "
                 "or empty");
    row_rejected("restriction_text", "line\nbreak", "invalid restriction_text: at most 256 bytes, no control characters");
    row_rejected("carrier", "bad\x01", "invalid carrier: at most 64 bytes, no control characters");
    /* what the upstream carrier's name may not be (upstream_ensure's
     * rule): refused with the row, not after the file committed */
    const char *bad_name = "invalid carrier: all blanks, or a control or line-separator character";
    row_rejected("carrier", " ", bad_name);
    row_rejected("carrier", "   ", bad_name);
    row_rejected("carrier", "up\xc2\x85stream", bad_name);     /* U+0085, a C1 control */
    row_rejected("carrier", "up\xe2\x80\xa8stream", bad_name); /* U+2028 */
    row_rejected("carrier", "up\xe2\x80\xa9", bad_name);       /* U+2029 */
    inv_number_t ok;
    row_accepted("carrier", " upstream b ", &ok);            /* blanks around a name: kept */
    assert_string_equal(ok.carrier, " upstream b ");
    row_accepted("carrier", "S\xc3\xa3o Paulo \xe2\x80\x94 trunk", &ok); /* UTF-8, an em dash */
}

/* ---- search (everything still available) -------------------------------- */

static void test_search_all_and_paging(void **state)
{
    (void)state;
    search_in_t s = sq("US");
    size_t nrows;
    int64_t total;
    cerr_t e;

    assert_int_equal(num_search(&G.c, &s, g_rows, &nrows, &total, &e), C_OK);
    assert_int_equal(total, 5);
    assert_int_equal(nrows, 5);
    static const char *const order[] = {"12125550100", "14155550100", "14155550101",
                                        "14155551200", "18005550100"};
    for (size_t i = 0; i < 5; i++) assert_string_equal(g_rows[i].number, order[i]);

    /* the row of 14155550100, as imported */
    const inv_number_t *r = &g_rows[1];
    assert_string_equal(r->country_iso, "US");
    assert_string_equal(r->type, "fixed");
    assert_string_equal(r->sub_type, "local");
    assert_string_equal(r->prefix, "415");
    assert_string_equal(r->city, "SAN FRANCISCO");
    assert_string_equal(r->region, "CA");
    assert_string_equal(r->rate_center, "SNFC CNTRL");
    assert_int_equal(r->lata, 722);
    assert_true(r->voice);
    assert_true(r->sms);
    assert_false(r->mms);
    assert_int_equal(r->monthly_rental_rate, 80000);
    assert_int_equal(r->setup_rate, -1);
    assert_string_equal(r->restriction, "");
    assert_string_equal(r->carrier, "upstream-a");
    assert_string_equal(g_rows[2].carrier, "numberd");
    assert_string_equal(g_rows[4].type, "tollfree");
    assert_string_equal(g_rows[4].sub_type, "tollfree");
    assert_int_equal(g_rows[4].lata, -1);
    assert_int_equal(g_rows[4].monthly_rental_rate, 200000);

    s.limit = 2;
    assert_int_equal(num_search(&G.c, &s, g_rows, &nrows, &total, &e), C_OK);
    assert_int_equal(total, 5);
    assert_int_equal(nrows, 2);
    assert_string_equal(g_rows[0].number, "12125550100");
    assert_string_equal(g_rows[1].number, "14155550100");
    s.offset = 2;
    assert_int_equal(num_search(&G.c, &s, g_rows, &nrows, &total, &e), C_OK);
    assert_int_equal(nrows, 2);
    assert_string_equal(g_rows[0].number, "14155550101");
    assert_string_equal(g_rows[1].number, "14155551200");
    s.offset = 4;
    assert_int_equal(num_search(&G.c, &s, g_rows, &nrows, &total, &e), C_OK);
    assert_int_equal(nrows, 1);
    assert_int_equal(total, 5);
    assert_string_equal(g_rows[0].number, "18005550100");
    s.offset = 10;
    assert_int_equal(num_search(&G.c, &s, g_rows, &nrows, &total, &e), C_OK);
    assert_int_equal(nrows, 0);
    assert_int_equal(total, 5);

    /* other countries; the ISO code is case-insensitive */
    s = sq("us");
    assert_int_equal(total_of(&s), 5);
    s = sq("gb");
    assert_int_equal(total_of(&s), 1);
    s = sq("DE");
    assert_int_equal(total_of(&s), 3);
    s = sq("CA");
    assert_int_equal(total_of(&s), 1);
    assert_string_equal(g_rows[0].city, "OTTAWA, ON");  /* quoted CSV field */
    s = sq("FR");
    assert_int_equal(total_of(&s), 0);
}

static void test_search_pattern(void **state)
{
    (void)state;
    static const struct { const char *pattern; int64_t total; } cases[] = {
        {"415", 3},        {"4155551", 1},     {"4155550100", 1}, {"41555501000", 0},
        {"212", 1},        {"8", 1},           {"800", 1},        {"9", 0},
        {"1", 0},          /* the national number, not the country code */
        {"4*5", 3},        {"*12", 1},         {"*", 5},          {"**", 5},
        {"415555010*", 2}, {"4155550*0*", 2},  {"*1*", 4},        {"2*2", 1},
        {"415*******", 3}, /* a whole national number of wildcards */
        {"**********", 5}, {"***********", 0}, /* 11 national digits: none */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        search_in_t s = sq("US");
        s.pattern = cases[i].pattern;
        int64_t t = total_of(&s);
        if (t != cases[i].total)
            fail_msg("pattern %s: %lld, want %lld", cases[i].pattern, (long long)t,
                     (long long)cases[i].total);
    }
    search_in_t s = sq("GB");
    s.pattern = "7911";
    assert_int_equal(total_of(&s), 1);
    s.pattern = "44";                    /* the country code is not part of it */
    assert_int_equal(total_of(&s), 0);
    s = sq("DE");
    s.pattern = "30*2345*";
    assert_int_equal(total_of(&s), 3);
    s.pattern = "30123456";
    assert_int_equal(total_of(&s), 1);
    assert_string_equal(g_rows[0].number, "4930123456");
}

static void test_search_filters(void **state)
{
    (void)state;
    search_in_t s;

    /* type matches type or sub_type */
    static const struct { const char *type; int64_t total; } types[] = {
        {"tollfree", 1}, {"local", 4}, {"fixed", 4}, {"FIXED", 4}, {"mobile", 0}, {"national", 0},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        s = sq("US");
        s.type = types[i].type;
        assert_int_equal(total_of(&s), types[i].total);
    }
    s = sq("GB");
    s.type = "mobile";
    assert_int_equal(total_of(&s), 1);
    s = sq("CA");
    s.type = "local";
    assert_int_equal(total_of(&s), 1);

    /* services: the number has ALL of them */
    static const struct { const char *svc; int64_t total; } svcs[] = {
        {"voice", 5}, {"sms", 4}, {"mms", 2}, {"sms,mms", 2}, {"voice,sms,mms", 2},
        {" SMS , Voice ", 4}, {"mms,mms", 2},
    };
    for (size_t i = 0; i < sizeof svcs / sizeof svcs[0]; i++) {
        s = sq("US");
        s.services = svcs[i].svc;
        int64_t t = total_of(&s);
        if (t != svcs[i].total)
            fail_msg("services \"%s\": %lld, want %lld", svcs[i].svc, (long long)t,
                     (long long)svcs[i].total);
    }

    /* lata, city, region, rate_center (case-insensitive equality) */
    s = sq("US");
    s.lata = "722";
    assert_int_equal(total_of(&s), 3);
    s.lata = "132";
    assert_int_equal(total_of(&s), 1);
    s.lata = "999";
    assert_int_equal(total_of(&s), 0);
    s = sq("US");
    s.city = "san francisco";
    assert_int_equal(total_of(&s), 3);
    s.city = "SAN FRAN";
    assert_int_equal(total_of(&s), 0);
    s = sq("US");
    s.region = "ny";
    assert_int_equal(total_of(&s), 1);
    s = sq("US");
    s.rate_center = "Snfc Cntrl";
    assert_int_equal(total_of(&s), 3);
    s = sq("CA");
    s.city = "ottawa, on";
    assert_int_equal(total_of(&s), 1);

    /* npanxx, alone and with a pattern */
    s = sq("US");
    s.npanxx = "415555";
    assert_int_equal(total_of(&s), 3);
    s.npanxx = "212555";
    assert_int_equal(total_of(&s), 1);
    s.npanxx = "415556";
    assert_int_equal(total_of(&s), 0);
    s.npanxx = "415555";
    s.pattern = "4155551";          /* longer and consistent */
    assert_int_equal(total_of(&s), 1);
    s.pattern = "41";               /* shorter and consistent */
    assert_int_equal(total_of(&s), 3);
    s.pattern = "212";              /* disjoint: nothing, not an error */
    assert_int_equal(total_of(&s), 0);
    s = sq("CA");
    s.npanxx = "613555";
    assert_int_equal(total_of(&s), 1);

    /* local_calling_area widens npanxx to its rate center and LATA */
    s = sq("US");
    s.npanxx = "415555";
    s.local_calling_area = "true";
    assert_int_equal(total_of(&s), 3);
    s.npanxx = "212555";
    assert_int_equal(total_of(&s), 1);
    assert_string_equal(g_rows[0].number, "12125550100");
    s.npanxx = "415999";            /* an NPA-NXX with no inventory */
    assert_int_equal(total_of(&s), 0);
    s.npanxx = "415555";
    s.local_calling_area = "false";
    assert_int_equal(total_of(&s), 3);
    s = sq("US");
    s.local_calling_area = "FALSE"; /* false without npanxx is fine */
    assert_int_equal(total_of(&s), 5);

    /* combinations */
    s = sq("US");
    s.city = "SAN FRANCISCO";
    s.services = "mms";
    assert_int_equal(total_of(&s), 1);
    assert_string_equal(g_rows[0].number, "14155550101");
    s = sq("US");
    s.type = "local";
    s.services = "sms";
    s.pattern = "*1*";
    assert_int_equal(total_of(&s), 3);  /* 212…, 415…0100, 415…0101 */
}

static void test_search_validation(void **state)
{
    (void)state;
    search_in_t s;

    s = sq(NULL);
    search_invalid(&s, "missing required parameter: country_iso");
    static const char *const isos[] = {"XX", "USA", "", "U", "BV", "1"};
    for (size_t i = 0; i < sizeof isos / sizeof isos[0]; i++) {
        s = sq(isos[i]);
        search_invalid(&s, "invalid country ISO");
    }
    s = sq("XX");
    search_invalid(&s, "invalid country ISO: XX");

    static const char *const types[] = {"landline", "", "toll-free", "LOCAL "};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        s = sq("US");
        s.type = types[i];
        search_invalid(&s, "invalid type");
    }

    static const char *const patterns[] = {"", "41a", "+415", "415-555", "4 15", "?15",
                                           "1234567890123456"};
    for (size_t i = 0; i < sizeof patterns / sizeof patterns[0]; i++) {
        s = sq("US");
        s.pattern = patterns[i];
        search_invalid(&s, "invalid pattern");
    }

    s = sq("GB");
    s.npanxx = "415555";
    search_invalid(&s, "npanxx is only for US and CA numbers");
    s = sq("DE");
    s.npanxx = "301234";
    search_invalid(&s, "npanxx is only for US and CA numbers");
    static const char *const npanxx[] = {"41555", "4155550", "41555a", "", "415 55"};
    for (size_t i = 0; i < sizeof npanxx / sizeof npanxx[0]; i++) {
        s = sq("US");
        s.npanxx = npanxx[i];
        search_invalid(&s, "invalid npanxx: want 6 digits");
    }

    s = sq("US");
    s.local_calling_area = "true";
    search_invalid(&s, "local_calling_area needs npanxx");
    s.npanxx = "415555";
    s.local_calling_area = "yes";
    search_invalid(&s, "invalid local_calling_area: want true or false");
    s.local_calling_area = "2"; /* 1 and 0 are PHP's true and false */
    search_invalid(&s, "invalid local_calling_area");

    static const char *const svcs[] = {"", "fax", "voice,", ",voice", "voice,,sms", "voicemail",
                                       "voice;sms", "sms mms"};
    for (size_t i = 0; i < sizeof svcs / sizeof svcs[0]; i++) {
        s = sq("US");
        s.services = svcs[i];
        search_invalid(&s, "invalid services");
    }

    static const char *const latas[] = {"", "abc", "-1", "72.5", "1234567", " 722"};
    for (size_t i = 0; i < sizeof latas / sizeof latas[0]; i++) {
        s = sq("US");
        s.lata = latas[i];
        search_invalid(&s, "invalid lata: want an integer");
    }

    char long65[66];
    memset(long65, 'x', 65);
    long65[65] = '\0';
    s = sq("US");
    s.region = "";
    search_invalid(&s, "invalid region");
    s = sq("US");
    s.city = "SAN\nFRANCISCO";
    search_invalid(&s, "invalid city");
    s = sq("US");
    s.city = long65;
    search_invalid(&s, "invalid city");
    s = sq("US");
    s.rate_center = long65;
    search_invalid(&s, "invalid rate_center");
}

/* ---- imports that write nothing ------------------------------------------ */

static void test_dry_run(void **state)
{
    (void)state;
    inv_result_t res;
    cerr_t e;
    assert_int_equal(import_csv("number,country_iso,type,city\n"
                                "14155550199,US,fixed,DRY\n"
                                "18005550100,US,tollfree,DRY\n"
                                "bad,US,fixed,DRY\n",
                                true, 0, &res, &e),
                     C_OK);
    assert_int_equal(res.imported, 1);
    assert_int_equal(res.updated, 1);
    assert_int_equal(res.rejected_count, 1);
    assert_int_equal(res.rejected[0].line, 4);
    assert_string_equal(res.rejected[0].error, "invalid number: bad");
    inv_result_free(&res);
    /* nothing changed */
    assert_false(db_row("14155550199").found);
    search_in_t s = sq("US");
    s.city = "DRY";
    assert_int_equal(total_of(&s), 0);
}

static void import_fails(const char *csv, const char *msg)
{
    inv_result_t res;
    cerr_t e = {0};
    assert_int_equal(import_csv(csv, false, 0, &res, &e), C_ERR);
    assert_int_equal(e.code, CE_INVALID);
    assert_string_equal(e.msg, msg);
    assert_null(res.rejected);
}

static void test_import_header_errors(void **state)
{
    (void)state;
    import_fails("number,country_iso,colour\n14155550177,US,red\n",
                 "unknown column: colour (line 1)");
    import_fails("number,country_iso\n14155550177,US\n", "missing required column: type");
    import_fails("number,type,country_iso,number\n", "duplicate column: number");
    import_fails("", "empty file: want a header row naming the columns");
    /* none of those wrote anything */
    assert_false(db_row("14155550177").found);

    /* a header alone is a valid, empty import; CRLF is fine */
    inv_result_t res;
    cerr_t e;
    assert_int_equal(import_csv("type,number,country_iso\r\n", false, 0, &res, &e), C_OK);
    assert_int_equal(res.imported + res.updated + res.rejected_count, 0);
    inv_result_free(&res);
}

/* ---- §5: available -> active / pending -> active ------------------------- */

static void test_buy_available_to_active(void **state)
{
    (void)state;
    buy_in_t in = buy_in(&G.main, "14155550100");
    assert_int_equal(buy_ok(&in, "14155550100"), NUM_ACTIVE);
    dbrow_t r = db_row("14155550100");
    assert_int_equal(r.state, NUM_ACTIVE);
    assert_int_equal(r.owner, G.main.id);
    assert_int_equal(r.sub, 0);
    assert_string_equal(r.added, "2026-11-22");   /* today (NUMBERD_FAKE_NOW) */
    assert_string_equal(r.renew, "2026-12-22");   /* one month later */
    assert_string_equal(r.comp, "");

    /* no longer for sale */
    search_in_t s = sq("US");
    s.pattern = "415";
    assert_int_equal(total_of(&s), 2);

    /* buying it again, by anyone, in either form */
    buy_fails(&in, CE_NOTFOUND, "number not available");
    in = buy_in(&G.other, "+14155550100");
    buy_fails(&in, CE_NOTFOUND, "number not available");
    assert_int_equal(db_row("14155550100").owner, G.main.id);

    /* a valid number that is not in the inventory */
    in = buy_in(&G.main, "14155550000");
    buy_fails(&in, CE_NOTFOUND, "number not available");
    /* an invalid one */
    in = buy_in(&G.main, "+1415");
    buy_fails(&in, CE_INVALID, "invalid number: +1415");
    in = buy_in(&G.main, "10155550100");
    buy_fails(&in, CE_INVALID, "invalid number: 10155550100");

    /* '+' form, with cnam_lookup on a US number */
    in = buy_in(&G.main, "+14155551200");
    in.cnam_lookup = "enabled";
    assert_int_equal(buy_ok(&in, "14155551200"), NUM_ACTIVE);
    assert_string_equal(db_row("14155551200").cnam, "enabled");
}

static void test_buy_bad_options(void **state)
{
    (void)state;
    buy_in_t in;

    in = buy_in(&G.main, "16135550123");
    in.cnam_lookup = "maybe";
    buy_fails(&in, CE_INVALID, "invalid cnam_lookup: want enabled or disabled");
    in.cnam_lookup = "enabled";       /* CA is not US */
    buy_fails(&in, CE_INVALID, "cnam_lookup is only for US numbers");

    in = buy_in(&G.main, "16135550123");
    in.app_id = "12345678901234567";  /* well-formed, but no such application */
    buy_fails(&in, CE_INVALID, "invalid app_id: no application 12345678901234567 in this account");
    in.app_id = "abc";
    buy_fails(&in, CE_INVALID, "invalid app_id: abc");
    in.app_id = "123456789012345678"; /* 18 digits */
    buy_fails(&in, CE_INVALID, "invalid app_id");

    in = buy_in(&G.main, "16135550123");
    in.compliance_id = "not-a-uuid";
    buy_fails(&in, CE_INVALID, "invalid compliance_application_id: not-a-uuid");
    in.compliance_id = "123e4567-e89b-42d3-a456-426614174000"; /* nobody's */
    buy_fails(&in, CE_INVALID, "invalid compliance_application_id: no approved record");

    in = buy_in(&G.main, "16135550123");
    in.subaccount = "SA000000000000000000";                    /* no such subaccount */
    buy_fails(&in, CE_INVALID, "invalid subaccount: SA000000000000000000");
    in.subaccount = "nope";
    buy_fails(&in, CE_INVALID, "invalid subaccount: nope");
    in.subaccount = G.main.auth_id;                            /* not a subaccount */
    buy_fails(&in, CE_INVALID, "invalid subaccount");
    in = buy_in(&G.other, "16135550123");
    in.subaccount = G.sub.auth_id;                             /* somebody else's */
    buy_fails(&in, CE_INVALID, "invalid subaccount");

    /* every failure left the number for sale; now it sells */
    dbrow_t r = db_row("16135550123");
    assert_int_equal(r.state, NUM_AVAILABLE);
    assert_int_equal(r.owner, 0);
    in = buy_in(&G.main, "16135550123");
    assert_int_equal(buy_ok(&in, "16135550123"), NUM_ACTIVE);
}

static void test_buy_as_subaccount(void **state)
{
    (void)state;
    /* a subaccount caller cannot buy: 404 (seed 003) */
    buy_in_t in = buy_in(&G.sub, "12125550100");
    buy_fails(&in, CE_NOTFOUND, "not found");
    assert_int_equal(db_row("12125550100").state, NUM_AVAILABLE);
    search_in_t s = sq("US");
    s.pattern = "212";
    assert_int_equal(total_of(&s), 1);

    /* the main account buys it */
    in = buy_in(&G.main, "+12125550100");
    assert_int_equal(buy_ok(&in, "12125550100"), NUM_ACTIVE);
    assert_int_equal(total_of(&s), 0);

    /* buying for one of its subaccounts */
    in = buy_in(&G.main, "14155550101");
    in.subaccount = G.sub.auth_id;
    in.cnam_lookup = "disabled";
    assert_int_equal(buy_ok(&in, "14155550101"), NUM_ACTIVE);
    dbrow_t r = db_row("14155550101");
    assert_int_equal(r.owner, G.main.id);   /* owned by the main account */
    assert_int_equal(r.sub, G.sub.id);      /* assigned to the subaccount */
    assert_string_equal(r.cnam, "disabled");
}

static void test_restricted_pending_and_approve(void **state)
{
    (void)state;
    cerr_t e;

    /* restricted, no compliance record: bought pending */
    buy_in_t in = buy_in(&G.main, "447911123456");
    assert_int_equal(buy_ok(&in, "447911123456"), NUM_PENDING);
    dbrow_t r = db_row("447911123456");
    assert_int_equal(r.state, NUM_PENDING);
    assert_int_equal(r.owner, G.main.id);
    assert_string_equal(r.comp, "");
    /* pending is not for sale either */
    in = buy_in(&G.other, "447911123456");
    buy_fails(&in, CE_NOTFOUND, "number not available");
    search_in_t s = sq("GB");
    assert_int_equal(total_of(&s), 0);

    /* approve: pending -> active, once */
    assert_int_equal(num_approve(&G.c, "+447911123456", &e), C_OK);
    assert_int_equal(db_row("447911123456").state, NUM_ACTIVE);
    approve_fails("447911123456", CE_CONFLICT, "number 447911123456 is not pending");
    /* an active number that never was pending */
    approve_fails("14155550100", CE_CONFLICT, "number 14155550100 is not pending");
    /* unknown, and available (in the inventory but owned by nobody) */
    approve_fails("14155550000", CE_NOTFOUND, "number not found: 14155550000");
    approve_fails("18005550100", CE_NOTFOUND, "number not found: 18005550100");
    assert_int_equal(db_row("18005550100").state, NUM_AVAILABLE);
    /* invalid input */
    approve_fails("abc", CE_INVALID, "invalid number: abc");
    approve_fails("", CE_INVALID, "invalid number: ");
    approve_fails(NULL, CE_INVALID, "invalid number: ");
}

static void test_compliance(void **state)
{
    (void)state;
    cerr_t e;
    char fr[IDS_UUID_SZ], de[IDS_UUID_SZ], other_de[IDS_UUID_SZ], junk[IDS_UUID_SZ];

    /* compliance_create's own checks */
    assert_int_equal(compliance_create(&G.c, "nope", "DE", "local", junk, &e), C_ERR);
    assert_int_equal(e.code, CE_INVALID);
    assert_int_equal(compliance_create(&G.c, NULL, "DE", "local", junk, &e), C_ERR);
    assert_int_equal(e.code, CE_INVALID);
    assert_int_equal(compliance_create(&G.c, G.main.auth_id, "XX", "local", junk, &e), C_ERR);
    assert_int_equal(e.code, CE_INVALID);
    assert_int_equal(compliance_create(&G.c, G.main.auth_id, "DE", "landline", junk, &e), C_ERR);
    assert_int_equal(e.code, CE_INVALID);
    assert_int_equal(compliance_create(&G.c, "MA000000000000000000", "DE", "local", junk, &e), C_ERR);
    assert_int_equal(e.code, CE_NOTFOUND);
    assert_int_equal(compliance_create(&G.c, G.sub.auth_id, "DE", "local", junk, &e), C_ERR);
    assert_int_equal(e.code, CE_NOTFOUND);

    /* a record for another country does not help a DE number */
    assert_int_equal(compliance_create(&G.c, G.main.auth_id, "FR", "local", fr, &e), C_OK);
    assert_true(ids_is_uuid(fr, strlen(fr)));
    /* nor does another account's DE record */
    assert_int_equal(compliance_create(&G.c, G.other.auth_id, "de", "LOCAL", other_de, &e), C_OK);
    buy_in_t in = buy_in(&G.main, "4930123456");
    assert_int_equal(buy_ok(&in, "4930123456"), NUM_PENDING);
    assert_string_equal(db_row("4930123456").comp, "");

    /* naming a record that does not apply is an error, not pending */
    in = buy_in(&G.main, "4930123457");
    in.compliance_id = fr;
    buy_fails(&in, CE_INVALID,
              "invalid compliance_application_id: no approved record of this account for DE local "
              "numbers");
    in.compliance_id = other_de;
    buy_fails(&in, CE_INVALID, "invalid compliance_application_id: no approved record");
    assert_int_equal(db_row("4930123457").state, NUM_AVAILABLE);

    /* with a DE record for the sub_type (local), the most recent applies */
    assert_int_equal(compliance_create(&G.c, G.main.auth_id, "DE", "local", de, &e), C_OK);
    assert_string_not_equal(de, fr);
    in = buy_in(&G.main, "4930123457");
    assert_int_equal(buy_ok(&in, "4930123457"), NUM_ACTIVE);
    dbrow_t r = db_row("4930123457");
    assert_int_equal(r.state, NUM_ACTIVE);
    assert_string_equal(r.comp, de);

    /* named explicitly */
    in = buy_in(&G.main, "4930123458");
    in.compliance_id = de;
    assert_int_equal(buy_ok(&in, "4930123458"), NUM_ACTIVE);
    assert_string_equal(db_row("4930123458").comp, de);

    /* the earlier pending purchase stays pending until approved */
    assert_int_equal(db_row("4930123456").state, NUM_PENDING);
}

/* ---- re-import over sold / pending numbers -------------------------------- */

static void test_reimport(void **state)
{
    (void)state;
    inv_result_t res;
    cerr_t e;

    /* a sold number is refused, an available one is updated in place */
    assert_int_equal(import_csv("number,country_iso,type,city\n"
                                "14155550100,US,fixed,CHANGED\n"
                                "18005550100,US,tollfree,TOLL CITY\n",
                                false, 0, &res, &e),
                     C_OK);
    assert_int_equal(res.imported, 0);
    assert_int_equal(res.updated, 1);
    assert_int_equal(res.rejected_count, 1);
    assert_int_equal(res.nrejected, 1);
    assert_int_equal(res.rejected[0].line, 2);
    assert_string_equal(res.rejected[0].error,
                        "number 14155550100 is sold, held or aging: not updated");
    inv_result_free(&res);

    search_in_t s = sq("US");
    s.city = "toll city";
    assert_int_equal(total_of(&s), 1);
    assert_string_equal(g_rows[0].number, "18005550100");
    assert_false(g_rows[0].sms);                        /* the row was replaced */
    assert_int_equal(g_rows[0].monthly_rental_rate, -1);
    s.city = "CHANGED";
    assert_int_equal(total_of(&s), 0);
    dbrow_t r = db_row("14155550100");
    assert_int_equal(r.state, NUM_ACTIVE);
    assert_int_equal(r.owner, G.main.id);

    /* a pending number is refused too; a new one is inserted */
    assert_int_equal(import_csv("number,country_iso,type\n"
                                "4930123456,DE,fixed\n"
                                "14155550102,US,fixed\n",
                                false, 0, &res, &e),
                     C_OK);
    assert_int_equal(res.imported, 1);
    assert_int_equal(res.updated, 0);
    assert_int_equal(res.rejected_count, 1);
    assert_int_equal(res.rejected[0].line, 2);
    assert_string_equal(res.rejected[0].error,
                        "number 4930123456 is sold, held or aging: not updated");
    inv_result_free(&res);
    assert_int_equal(db_row("4930123456").state, NUM_PENDING);
    assert_int_equal(db_row("14155550102").state, NUM_AVAILABLE);

    /* Out of number order, refused rows, a bad row and one number twice:
     * the CLI's import (rows sorted by number before they are written) and
     * the HTTP one (paced: written as they come) say the same, and list
     * the rejected rows by line whatever order they were written in. */
    static const char mixed[] = "number,country_iso,type,city\n"
                                "4930123456,DE,fixed,\n"           /* 2: pending, refused */
                                "18005550100,US,tollfree,A\n"      /* 3: updated */
                                "123,US,fixed,\n"                  /* 4: invalid */
                                "14155550100,US,fixed,X\n"         /* 5: sold, refused */
                                "18005550199,US,tollfree,FIRST\n"  /* 6: inserted */
                                "18005550199,US,tollfree,SECOND\n" /* 7: then updated */
                                "14155550102,US,fixed,Y\n";        /* 8: updated */
    inv_result_t paced, sorted;
    for (int dry = 1; dry >= 0; dry--) {
        if (dry) {
            assert_int_equal(import_csv_as(mixed, true, 5, true, &paced, &e), C_OK);
            assert_int_equal(import_csv_as(mixed, true, 5, false, &sorted, &e), C_OK);
        } else {
            assert_int_equal(import_csv_as(mixed, false, 5, false, &sorted, &e), C_OK);
        }
        inv_result_t *rs[] = {&paced, &sorted};
        for (size_t k = dry ? 0 : 1; k < 2; k++) {
            inv_result_t *x = rs[k];
            assert_int_equal(x->imported, 1);
            assert_int_equal(x->updated, 3);
            assert_int_equal(x->rejected_count, 3);
            assert_int_equal(x->nrejected, 3);
            assert_int_equal(x->rejected[0].line, 2);
            assert_string_equal(x->rejected[0].error,
                                "number 4930123456 is sold, held or aging: not updated");
            assert_int_equal(x->rejected[1].line, 4);
            assert_int_equal(x->rejected[2].line, 5);
            assert_string_equal(x->rejected[2].error,
                                "number 14155550100 is sold, held or aging: not updated");
        }
        inv_result_free(&sorted);
        if (dry) inv_result_free(&paced);
    }
    s = sq("US");
    s.city = "SECOND";   /* the later row of one number wins */
    assert_int_equal(total_of(&s), 1);
    assert_string_equal(g_rows[0].number, "18005550199");
    s.city = "FIRST";
    assert_int_equal(total_of(&s), 0);
    assert_int_equal(db_row("14155550100").state, NUM_ACTIVE);
}

static void test_stats_after(void **state)
{
    (void)state;
    stats_are("CA/local/active=1;"
              "DE/fixed/active=2;DE/fixed/pending=1;"
              "GB/mobile/active=1;"
              "US/fixed/available=1;US/fixed/active=4;"
              "US/tollfree/available=2;");
}

/* More refused rows than are listed, in reverse number order, after a bad
 * row: the list is the INV_MAX_REJECTED_LISTED lowest lines, in line
 * order, whether the rows were written sorted (CLI) or as they came
 * (paced), and the count has them all.  (After test_stats_after: these
 * numbers are not in its counts.) */
static void test_refused_listed_by_line(void **state)
{
    (void)state;
    enum { N = 2500 };
    buf_t csv = BUF_INIT;
    buf_puts(&csv, "number,country_iso,type\n");
    for (int i = N - 1; i >= 0; i--) buf_printf(&csv, "1917666%04d,US,fixed\n", i);
    inv_result_t res;
    cerr_t e;
    assert_int_equal(import_csv(csv.data, false, 0, &res, &e), C_OK);
    assert_int_equal(res.imported, N);
    inv_result_free(&res);

    /* sold, all of them */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(G.path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char sql[160];
    snprintf(sql, sizeof sql, "UPDATE numbers SET state = 1, owner_id = %lld WHERE number LIKE '1917666%%'",
             (long long)G.main.id);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_changes(db), N);
    sqlite3_close(db);

    buf_reset(&csv);
    buf_puts(&csv, "number,country_iso,type\n12,US,fixed\n");   /* line 2: invalid */
    for (int i = N - 1; i >= 0; i--) buf_printf(&csv, "1917666%04d,US,fixed\n", i);
    for (int paced = 0; paced <= 1; paced++) {
        assert_int_equal(import_csv_as(csv.data, paced, 4096, paced, &res, &e), C_OK);
        assert_int_equal(res.imported + res.updated, 0);
        assert_int_equal(res.rejected_count, N + 1);
        assert_int_equal(res.nrejected, INV_MAX_REJECTED_LISTED);
        for (size_t k = 0; k < res.nrejected; k++) assert_int_equal(res.rejected[k].line, k + 2);
        /* line 3 holds the highest number */
        char want[80];
        snprintf(want, sizeof want, "number 1917666%04d is sold, held or aging: not updated", N - 1);
        assert_string_equal(res.rejected[1].error, want);
        inv_result_free(&res);
    }
    buf_free(&csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_import),
        cmocka_unit_test(test_num_parse_type),
        cmocka_unit_test(test_num_state_name),
        cmocka_unit_test(test_idem_key_valid),
        cmocka_unit_test(test_acct_parse_scopes),
        cmocka_unit_test(test_validate_row_defaults),
        cmocka_unit_test(test_validate_row_full),
        cmocka_unit_test(test_validate_row_fields),
        cmocka_unit_test(test_validate_row_rejects),
        cmocka_unit_test(test_search_all_and_paging),
        cmocka_unit_test(test_search_pattern),
        cmocka_unit_test(test_search_filters),
        cmocka_unit_test(test_search_validation),
        cmocka_unit_test(test_dry_run),
        cmocka_unit_test(test_import_header_errors),
        cmocka_unit_test(test_buy_available_to_active),
        cmocka_unit_test(test_buy_bad_options),
        cmocka_unit_test(test_buy_as_subaccount),
        cmocka_unit_test(test_restricted_pending_and_approve),
        cmocka_unit_test(test_compliance),
        cmocka_unit_test(test_reimport),
        cmocka_unit_test(test_stats_after),
        cmocka_unit_test(test_refused_listed_by_line),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
