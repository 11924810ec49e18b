/* test_log.c -- util/log: JSON lines, plain lines, levels, the log file and its reopening
 * after a rotation (what SIGHUP does in `numberd serve`). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"

static char g_dir[64], g_path[128], g_rotated[128];

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return strdup("");
    char *s = calloc(1, 1 << 16);
    size_t n = fread(s, 1, (1 << 16) - 1, f);
    s[n] = '\0';
    fclose(f);
    return s;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* The last line of the file, parsed (caller decrefs). */
static json_t *last_line(const char *path)
{
    char *s = slurp(path);
    size_t len = strlen(s);
    assert_true(len > 0 && s[len - 1] == '\n');
    s[len - 1] = '\0';
    char *l = strrchr(s, '\n');
    json_error_t err;
    json_t *j = json_loads(l ? l + 1 : s, JSON_REJECT_DUPLICATES, &err);
    if (!j) fail_msg("not JSON: %s (%s)", l ? l + 1 : s, err.text);
    free(s);
    return j;
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/nd_log_XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    snprintf(g_path, sizeof g_path, "%s/numberd.log", g_dir);
    snprintf(g_rotated, sizeof g_rotated, "%s/numberd.log.1", g_dir);
    char *err = NULL;
    if (log_open_file(g_path, &err) != C_OK) return -1;
    log_set_level(LOG_INFO);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(g_path);
    unlink(g_rotated);
    rmdir(g_path); /* test_reopen_failure leaves a directory there */
    rmdir(g_dir);
    return 0;
}

static void test_json_line(void **state)
{
    (void)state;
    assert_string_equal(log_file_path(), g_path);
    log_msg(LOG_INFO, "hello \"quoted\" \\ and\nnewline %d", 42);
    json_t *j = last_line(g_path);
    assert_string_equal(json_string_value(json_object_get(j, "level")), "info");
    assert_string_equal(json_string_value(json_object_get(j, "msg")),
                        "hello \"quoted\" \\ and\nnewline 42");
    const char *t = json_string_value(json_object_get(j, "time"));
    assert_non_null(t);
    /* 2026-11-22T09:31:56.123Z */
    assert_int_equal(strlen(t), 24);
    assert_true(t[4] == '-' && t[10] == 'T' && t[19] == '.' && t[23] == 'Z');
    json_decref(j);
}

static void test_levels(void **state)
{
    (void)state;
    char *before = slurp(g_path);
    log_msg(LOG_DEBUG, "not at info");
    assert_false(log_enabled(LOG_DEBUG));
    assert_true(log_enabled(LOG_INFO));
    char *after = slurp(g_path);
    assert_string_equal(before, after);
    log_set_level(LOG_OFF);
    assert_false(log_enabled(LOG_ERROR));
    log_msg(LOG_ERROR, "not when off");
    free(after);
    after = slurp(g_path);
    assert_string_equal(before, after);
    log_set_level(LOG_INFO);
    log_level_t l;
    assert_int_equal(log_parse_level("warn", &l), C_OK);
    assert_int_equal(l, LOG_WARN);
    assert_int_equal(log_parse_level("verbose", &l), C_ERR);
    free(before);
    free(after);
}

static void test_fields(void **state)
{
    (void)state;
    const char f[] = "\"status\":201,\"route\":\"plivo.number.add\",\"account\":null";
    log_fields(LOG_INFO, "request", f, strlen(f));
    json_t *j = last_line(g_path);
    assert_string_equal(json_string_value(json_object_get(j, "msg")), "request");
    assert_int_equal(json_integer_value(json_object_get(j, "status")), 201);
    assert_string_equal(json_string_value(json_object_get(j, "route")), "plivo.number.add");
    assert_true(json_is_null(json_object_get(j, "account")));
    json_decref(j);
}

/* The one-shot commands' plain lines: a tag by level, nothing of JSON, the
 * same redaction; back to JSON when turned off. */
static void test_plain(void **state)
{
    (void)state;
    char *before = slurp(g_path);
    size_t off = strlen(before);
    free(before);
    log_set_plain(true);
    log_msg(LOG_ERROR, "sqlite: %s", "database is locked");
    log_msg(LOG_WARN, "open postgresql://nd:hunter2@db.example/nd failed");
    log_msg(LOG_INFO, "generated the server key");
    log_msg(LOG_DEBUG, "not at info");
    log_fields(LOG_INFO, "request", "\"status\":200", 12);
    log_set_plain(false);
    char *s = slurp(g_path);
    assert_string_equal(s + off, "numberd: error: sqlite: database is locked\n"
                                 "numberd: warning: open postgresql://nd:***@db.example/nd failed\n"
                                 "numberd: generated the server key\n"
                                 "numberd: request {\"status\":200}\n");
    free(s);
    log_msg(LOG_INFO, "json again");
    json_t *j = last_line(g_path);
    assert_string_equal(json_string_value(json_object_get(j, "msg")), "json again");
    json_decref(j);
}

static size_t count_sub(const char *s, const char *sub)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, sub)) != NULL; p += strlen(sub)) n++;
    return n;
}

/* A fault that repeats: its first line, the rest held (counted); a
 * success within a second of the last error ends nothing; one after it
 * says how long and how many; a fault of one error ends silently. */
static void test_fault(void **state)
{
    (void)state;
    static log_fault_t f = LOG_FAULT_INIT;
    char *before = slurp(g_path);
    size_t off = strlen(before);
    free(before);
    for (int i = 0; i < 50; i++) log_fault(&f, LOG_ERROR, "db: down %d", i);
    log_fault_over(&f, "db: back"); /* the last error was just now */
    char *s = slurp(g_path);
    assert_int_equal(count_sub(s + off, "db: down"), 1);
    assert_int_equal(count_sub(s + off, "db: down 0"), 1);
    assert_int_equal(count_sub(s + off, "db: back"), 0);
    free(s);
    usleep(1100 * 1000);
    log_fault_over(&f, "db: back");
    log_fault_over(&f, "db: back"); /* once */
    s = slurp(g_path);
    assert_int_equal(count_sub(s + off, "db: back after "), 1);
    assert_int_equal(count_sub(s + off, " s of errors (50 of them)"), 1);
    free(s);
    json_t *j = last_line(g_path);
    assert_string_equal(json_string_value(json_object_get(j, "level")), "warn");
    json_decref(j);
    /* a new fault starts with its own first line; one error ends silently */
    log_fault(&f, LOG_ERROR, "db: once");
    usleep(1100 * 1000);
    log_fault_over(&f, "db: back again");
    s = slurp(g_path);
    assert_int_equal(count_sub(s + off, "db: once"), 1);
    assert_int_equal(count_sub(s + off, "db: back again"), 0);
    free(s);
    /* no fault: every line written, as log_msg writes it */
    log_fault(NULL, LOG_ERROR, "db: not a fault");
    log_fault(NULL, LOG_ERROR, "db: not a fault");
    s = slurp(g_path);
    assert_int_equal(count_sub(s + off, "db: not a fault"), 2);
    free(s);
}

/* logrotate renames the file, then SIGHUP: new lines go to a new file of
 * the old name, nothing more to the renamed one. */
static void test_reopen_after_rotation(void **state)
{
    (void)state;
    log_msg(LOG_INFO, "before rotation");
    assert_int_equal(rename(g_path, g_rotated), 0);
    log_msg(LOG_INFO, "still the old file");
    char *err = NULL;
    assert_int_equal(log_reopen(&err), C_OK);
    log_msg(LOG_INFO, "after rotation");
    char *old = slurp(g_rotated), *cur = slurp(g_path);
    assert_non_null(strstr(old, "before rotation"));
    assert_non_null(strstr(old, "still the old file"));
    assert_null(strstr(old, "after rotation"));
    assert_non_null(strstr(cur, "after rotation"));
    assert_int_equal(count_lines(cur), 1);
    struct stat sb;
    assert_int_equal(stat(g_path, &sb), 0);
    assert_int_equal(sb.st_mode & 0077 & ~0040, 0); /* 0640 at most */
    free(old);
    free(cur);
}

/* A reopen that fails keeps writing to the file it had. */
static void test_reopen_failure(void **state)
{
    (void)state;
    assert_int_equal(rename(g_path, g_rotated), 0);
    assert_int_equal(mkdir(g_path, 0700), 0); /* the name is taken by a directory */
    char *err = NULL;
    assert_int_equal(log_reopen(&err), C_ERR);
    assert_non_null(err);
    assert_non_null(strstr(err, g_path));
    free(err);
    log_msg(LOG_INFO, "kept going");
    char *old = slurp(g_rotated);
    assert_non_null(strstr(old, "kept going"));
    free(old);
}

static void test_open_failure(void **state)
{
    (void)state;
    char *err = NULL;
    assert_int_equal(log_open_file("/nonexistent-dir/x.log", &err), C_ERR);
    assert_non_null(strstr(err, "/nonexistent-dir/x.log"));
    free(err);
    assert_string_equal(log_file_path(), g_path); /* unchanged */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_line),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_fault),
        cmocka_unit_test(test_reopen_after_rotation),
        cmocka_unit_test(test_reopen_failure),
        cmocka_unit_test(test_open_failure),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
