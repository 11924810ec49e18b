/* test_export.c -- `inventory export` (core/inventory.c inv_export and the
 * CSV writer csv_put_field): the file is the import format, and export ->
 * import -> export gives the same bytes, against real SQLite stores. */
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

#include "core/core.h"
#include "core/csv.h"
#include "core/inventory.h"
#include "store/store.h"
#include "util/log.h"

/* Every kind of value: quotes, commas, UTF-8, empty and absent optional
 * columns, rates with fewer decimals, a '+' number, lower-case country. */
static const char FIXTURE[] =
    "number,country_iso,type,sub_type,city,region,rate_center,lata,voice_enabled,sms_enabled,"
    "mms_enabled,setup_rate,monthly_rental_rate,restriction,restriction_text,carrier\n"
    "14155550100,US,fixed,local,\"SAN FRANCISCO, CA\",CA,SNFC CNTRL,722,true,true,false,0,0.8,,,"
    "upstream-a\n"
    "+447911123456,gb,mobile,,LONDON,England,,,1,0,0,,1.5,city-address,"
    "\"needs \"\"proof\"\" of address, in London\",\n"
    "4930123456,DE,fixed,local,K\xc3\x96LN,,,,false,false,false,,,country-address,,\"quote\"\"d\"\n"
    "18005550100,US,tollfree,,,,,,,,,,2.00001,,,\n";

static const char HEADER[] =
    "number,country_iso,type,sub_type,prefix,city,region,rate_center,lata,voice_enabled,"
    "sms_enabled,mms_enabled,setup_rate,monthly_rental_rate,voice_rate,sms_rate,mms_rate,"
    "restriction,restriction_text,carrier\n";

typedef struct {
    char path[128];
    store_t *st;
    core_t c;
} db_t;

static char g_dir[64];
static db_t g_a, g_b;

static int open_db(db_t *d, const char *name)
{
    char *err = NULL;
    int applied;
    snprintf(d->path, sizeof d->path, "%s/%s", g_dir, name);
    if (store_open(d->path, &d->st, &err) != C_OK) return -1;
    if (d->st->ops->migrate(d->st, &applied) != ST_OK) return -1;
    d->c.st = d->st;
    d->c.aging_days = 45;
    return 0;
}

static void close_db(db_t *d)
{
    static const char *const sfx[] = {"", "-wal", "-shm"};
    char p[160];
    if (d->st) d->st->ops->close(d->st);
    d->st = NULL;
    for (size_t i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", d->path, sfx[i]);
        unlink(p);
    }
}

static void import_text(db_t *d, const char *csv, size_t len, uint64_t want)
{
    inv_import_t *im;
    inv_result_t res = {0};
    cerr_t e;
    assert_int_equal(inv_import_begin(&d->c, false, &im, &e), C_OK);
    assert_int_equal(inv_import_feed(im, csv, len, &e), C_OK);
    assert_int_equal(inv_import_end(im, &res, &e), C_OK);
    if (res.rejected_count) fail_msg("rejected line %llu: %s", (unsigned long long)res.rejected[0].line,
                                     res.rejected[0].error);
    assert_int_equal(res.imported, want);
    inv_result_free(&res);
}

/* The export as a string (caller frees). */
static char *export_text(db_t *d, const char *country, int state, uint64_t *rows)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    cerr_t e;
    assert_int_equal(inv_export(&d->c, country, state, f, rows, &e), C_OK);
    fclose(f);
    return s;
}

static int setup(void **state)
{
    (void)state;
    log_set_level(LOG_OFF);
    if (ids_init() != C_OK) return -1;
    snprintf(g_dir, sizeof g_dir, "/tmp/nd_export_XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    if (open_db(&g_a, "a.db") || open_db(&g_b, "b.db")) return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    close_db(&g_a);
    close_db(&g_b);
    rmdir(g_dir);
    return 0;
}

static void put(const char *in, const char *want)
{
    buf_t b = BUF_INIT;
    csv_put_field(&b, in, strlen(in));
    assert_string_equal(b.data ? b.data : "", want);
    buf_free(&b);
}

static void test_put_field(void **state)
{
    (void)state;
    put("", "");
    put("plain text", "plain text");
    put("a,b", "\"a,b\"");
    put("say \"hi\"", "\"say \"\"hi\"\"\"");
    put("two\nlines", "\"two\nlines\"");
    put("cr\r", "\"cr\r\"");
    put("K\xc3\x96LN", "K\xc3\x96LN");
}

static void test_round_trip(void **state)
{
    (void)state;
    uint64_t rows;
    import_text(&g_a, FIXTURE, strlen(FIXTURE), 4);
    char *first = export_text(&g_a, NULL, -1, &rows);
    assert_int_equal(rows, 4);
    /* the import format: the full header, then rows in number order */
    assert_memory_equal(first, HEADER, strlen(HEADER));
    const char *want =
        "14155550100,US,fixed,local,415,\"SAN FRANCISCO, CA\",CA,SNFC CNTRL,722,true,true,false,"
        "0.00000,0.80000,,,,,,upstream-a\n"
        "18005550100,US,tollfree,tollfree,800,,,,,true,false,false,,2.00001,,,,,,numberd\n"
        "447911123456,GB,mobile,mobile,,LONDON,England,,,true,false,false,,1.50000,,,,"
        "city-address,\"needs \"\"proof\"\" of address, in London\",numberd\n"
        "4930123456,DE,fixed,local,,K\xc3\x96LN,,,,false,false,false,,,,,,country-address,,"
        "\"quote\"\"d\"\n";
    assert_string_equal(first + strlen(HEADER), want);

    /* into a fresh database and out again: the same bytes */
    import_text(&g_b, first, strlen(first), 4);
    char *second = export_text(&g_b, NULL, -1, &rows);
    assert_string_equal(first, second);
    free(first);
    free(second);
}

static void test_filters(void **state)
{
    (void)state;
    uint64_t rows;
    char *s = export_text(&g_a, "GB", -1, &rows);
    assert_int_equal(rows, 1);
    assert_non_null(strstr(s, "\n447911123456,GB,"));
    free(s);

    /* put one number in state aging behind the core's back */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(g_a.path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, "UPDATE numbers SET state = 3, released_at = 1 "
                                      "WHERE number = '4930123456'", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    s = export_text(&g_a, NULL, NUM_AGING, &rows);
    assert_int_equal(rows, 1);
    assert_memory_equal(s, HEADER, strlen(HEADER));
    assert_non_null(strstr(s, "\n4930123456,DE,"));
    free(s);
    s = export_text(&g_a, NULL, NUM_AVAILABLE, &rows);
    assert_int_equal(rows, 3);
    assert_null(strstr(s, "4930123456"));
    free(s);
    s = export_text(&g_a, "US", NUM_ACTIVE, &rows);
    assert_int_equal(rows, 0);
    assert_string_equal(s, HEADER); /* an empty inventory is still a valid file */
    free(s);
}

/* An unpaced import writes its rows sorted by number (an integer key of
 * the digits, core/inventory.c number_key): of rows with the same number,
 * among numbers of other lengths and countries, the later line wins, as
 * when written as they came. */
static void test_sorted_import_keeps_file_order_per_number(void **state)
{
    (void)state;
    db_t d = {0};
    assert_int_equal(open_db(&d, "c.db"), 0);
    static const char CSV[] =
        "number,country_iso,type,city\n"
        "4930123456,DE,fixed,FIRST\n"
        "447911123456,GB,mobile,X\n"
        "14155550100,US,fixed,A1\n"
        "4930123456,DE,fixed,SECOND\n"
        "18005550100,US,tollfree,T\n"
        "14155550100,US,fixed,A2\n"
        "4930123456,DE,fixed,THIRD\n"
        "33612345678,FR,mobile,P\n";
    import_text(&d, CSV, strlen(CSV), 5); /* rows of one number count once */
    uint64_t rows;
    char *s = export_text(&d, NULL, -1, &rows);
    assert_int_equal(rows, 5);
    assert_non_null(strstr(s, ",THIRD,"));
    assert_null(strstr(s, ",FIRST,"));
    assert_null(strstr(s, ",SECOND,"));
    assert_non_null(strstr(s, ",A2,"));
    assert_null(strstr(s, ",A1,"));
    free(s);
    close_db(&d);
}

/* A write error (a full disk) is an error, not a short file that looks fine. */
static void test_write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f) skip();
    uint64_t rows;
    cerr_t e;
    setvbuf(f, NULL, _IONBF, 0);
    assert_int_equal(inv_export(&g_a.c, NULL, -1, f, &rows, &e), C_ERR);
    assert_int_equal(e.code, CE_INTERNAL);
    assert_string_equal(e.msg, "write error");
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_field),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_sorted_import_keeps_file_order_per_number),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
