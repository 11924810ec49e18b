/* test_events.c -- the event log's core (core/events.h) against a real
 * SQLite store: the before/after data names only what changed and never a
 * secret's value; an event emitted in a transaction that rolls back is
 * gone with it; the actor comes from the thread's context; ev_list's
 * cursor and limit; the filters' parsers; retention in batches. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/core.h"
#include "core/core_int.h"
#include "core/events.h"
#include "core/registrations.h"

static char g_dir[64], g_path[96];
static core_t g_core;

static int setup(void **state)
{
    (void)state;
    cerr_t e;
    snprintf(g_dir, sizeof g_dir, "/tmp/nd-events.XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    snprintf(g_path, sizeof g_path, "%s/t.db", g_dir);
    if (core_open(&g_core, g_path, NULL, &e) != C_OK) return -1;
    ev_actor_clear();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    core_close(&g_core);
    static const char *const ext[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        char p[128];
        snprintf(p, sizeof p, "%s%s", g_path, ext[i]);
        unlink(p);
    }
    rmdir(g_dir);
    return 0;
}

typedef struct {
    int n;
    event_t last;
    int64_t ids[8];
} seen_t;

static int walk(const event_t *ev, void *ud)
{
    seen_t *s = ud;
    if (s->n < 8) s->ids[s->n] = ev->id;
    s->n++;
    s->last = *ev;
    return C_OK;
}

static void list_all(seen_t *s)
{
    event_filter_t f;
    int64_t next = 0;
    cerr_t e;
    memset(&f, 0, sizeof f);
    memset(s, 0, sizeof *s);
    assert_int_equal(ev_list(&g_core, &f, walk, s, &next, &e), C_OK);
}

static void test_data_names_what_changed(void **state)
{
    (void)state;
    cerr_t e;
    ev_data_t d;
    ev_data_init(&d);
    ev_data_str(&d, "alias", "a", "a");          /* unchanged: left out */
    ev_data_str(&d, "app_id", "", "123");        /* set */
    ev_data_str(&d, "cnam", "OLD", NULL);        /* removed */
    ev_data_bool(&d, "voice", true, true);
    ev_data_int(&d, "port", 5060, 5070);
    ev_data_secret(&d, "inbound_password");
    ev_data_str(&d, "answer_url", NULL, "https://user:hunter2@example.com/a");
    ev_actor_set("api_key", "7", "req-1");
    assert_int_equal(core_begin(&g_core, &e), C_OK);
    assert_int_equal(ev_emit(&g_core, "carrier.updated", 0, "carrier", "u-1", &d, &e), C_OK);
    assert_int_equal(core_end(&g_core, C_OK, &e), C_OK);
    seen_t s;
    list_all(&s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.last.data,
                        "{\"before\":{\"app_id\":null,\"cnam\":\"OLD\",\"port\":5060,\"answer_url\":null},"
                        "\"after\":{\"app_id\":\"123\",\"cnam\":null,\"port\":5070,"
                        "\"inbound_password\":\"[changed]\","
                        "\"answer_url\":\"https://user:***@example.com/a\"}}");
    assert_null(strstr(s.last.data, "hunter2"));
    assert_string_equal(s.last.actor_kind, "api_key");
    assert_string_equal(s.last.actor_id, "7");
    assert_string_equal(s.last.request_id, "req-1");
    ev_actor_clear();
}

static void test_rolled_back_event_is_gone(void **state)
{
    (void)state;
    cerr_t e;
    assert_int_equal(core_begin(&g_core, &e), C_OK);
    assert_int_equal(ev_emit(&g_core, "number.bought", 0, "number", "14155550100", NULL, &e), C_OK);
    /* a nested failure makes the whole transaction roll back */
    assert_int_equal(core_begin(&g_core, &e), C_OK);
    core_rollback(&g_core);
    assert_int_equal(core_end(&g_core, C_OK, &e), C_ERR);
    seen_t s;
    list_all(&s);
    assert_int_equal(s.n, 0);
    /* no actor set: "system", no request id */
    assert_int_equal(core_begin(&g_core, &e), C_OK);
    assert_int_equal(ev_emit(&g_core, "number.aged", 0, "number", "14155550100", NULL, &e), C_OK);
    assert_int_equal(core_end(&g_core, C_OK, &e), C_OK);
    list_all(&s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.last.actor_kind, "system");
    assert_string_equal(s.last.request_id, "");
    assert_string_equal(s.last.data, "{}");
}

static void test_list_cursor_and_limit(void **state)
{
    (void)state;
    cerr_t e;
    for (int i = 0; i < 5; i++) {
        char id[8];
        snprintf(id, sizeof id, "a%d", i);
        assert_int_equal(core_begin(&g_core, &e), C_OK);
        assert_int_equal(ev_emit(&g_core, "application.created", 0, "application", id, NULL, &e), C_OK);
        assert_int_equal(core_end(&g_core, C_OK, &e), C_OK);
    }
    event_filter_t f;
    memset(&f, 0, sizeof f);
    f.limit = 2;
    seen_t s = {0};
    int64_t next = 0;
    assert_int_equal(ev_list(&g_core, &f, walk, &s, &next, &e), C_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(next, s.ids[1]);      /* more: the cursor is the last id handed out */
    f.after_id = next;
    f.limit = 3;
    memset(&s, 0, sizeof s);
    assert_int_equal(ev_list(&g_core, &f, walk, &s, &next, &e), C_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(next, 0);             /* exactly the rest: no next page */
    f.limit = EV_LIST_MAX + 1;
    assert_int_equal(ev_list(&g_core, &f, walk, &s, &next, &e), C_ERR);
    assert_int_equal(e.code, CE_INVALID);
}

static void test_parsers(void **state)
{
    (void)state;
    cerr_t e;
    int64_t t = 0;
    assert_int_equal(ev_parse_time("since", "1700000000", &t, &e), C_OK);
    assert_int_equal(t, 1700000000);
    assert_int_equal(ev_parse_time("since", "2026-01-02", &t, &e), C_OK);
    assert_int_equal(t, 1767312000);
    assert_int_equal(ev_parse_time("since", "2026-01-02T03:04:05Z", &t, &e), C_OK);
    assert_int_equal(t, 1767312000 + 3 * 3600 + 4 * 60 + 5);
    const char *bad[] = {"", "yesterday", "2026-13-01", "2026-01-02T25:00:00Z", "2026-01-02T03:04:05",
                         "2026-01-02 03:04:05Z", "-5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(ev_parse_time("since", bad[i], &t, &e), C_ERR);
    event_filter_t f;
    memset(&f, 0, sizeof f);
    assert_int_equal(ev_filter_actor("actor", "api_key:12", &f, &e), C_OK);
    assert_string_equal(f.actor_kind, "api_key");
    assert_string_equal(f.actor_id, "12");
    assert_int_equal(ev_filter_actor("actor", "admin", &f, &e), C_OK);
    assert_string_equal(f.actor_id, "");
    assert_int_equal(ev_filter_actor("actor", "robot", &f, &e), C_ERR);
    assert_int_equal(ev_filter_actor("actor", "accountx:1", &f, &e), C_ERR);
    char out[8];
    assert_int_equal(ev_filter_text("type", "a b", out, sizeof out, &e), C_ERR);
    assert_int_equal(ev_filter_text("type", "12345678", out, sizeof out, &e), C_ERR);
    assert_int_equal(ev_filter_text("type", NULL, out, sizeof out, &e), C_OK);
    assert_string_equal(out, "");
}

static void test_retention(void **state)
{
    (void)state;
    cerr_t e;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(core_begin(&g_core, &e), C_OK);
        assert_int_equal(ev_emit(&g_core, "number.updated", 0, "number", "1", NULL, &e), C_OK);
        assert_int_equal(core_end(&g_core, C_OK, &e), C_OK);
    }
    int64_t n = -1;
    assert_int_equal(ev_retention_run(&g_core, 0, 10, &n, &e), C_OK); /* 0: keep */
    assert_int_equal(n, 0);
    assert_int_equal(ev_retention_run(&g_core, 1, 10, &n, &e), C_OK); /* all are new */
    assert_int_equal(n, 0);
    /* 2,500 old events: two batches a run, so two runs */
    assert_int_equal(core_begin(&g_core, &e), C_OK);
    for (int i = 0; i < 2500; i++) {
        event_t ev;
        memset(&ev, 0, sizeof ev);
        ev.ts = 1000 + i;
        snprintf(ev.type, sizeof ev.type, "number.aged");
        snprintf(ev.object_type, sizeof ev.object_type, "number");
        snprintf(ev.object_id, sizeof ev.object_id, "%d", i);
        snprintf(ev.actor_kind, sizeof ev.actor_kind, "system");
        assert_int_equal(g_core.st->ops->event_append(g_core.st, &ev), ST_OK);
    }
    assert_int_equal(core_end(&g_core, C_OK, &e), C_OK);
    assert_int_equal(ev_retention_run(&g_core, 1, 2, &n, &e), C_OK);
    assert_int_equal(n, 2 * EV_PURGE_BATCH);
    assert_int_equal(ev_retention_run(&g_core, 1, 2, &n, &e), C_OK);
    assert_int_equal(n, 500);
    seen_t s;
    list_all(&s);
    assert_int_equal(s.n, 3);
}

static int g_hooked, g_settled;
static void hook(void) { g_hooked++; }
static void settled(void) { g_settled++; }

static void test_commit_hook(void **state)
{
    (void)state;
    cerr_t e;
    ev_set_commit_hook(hook);
    g_hooked = 0;
    /* committed with two events (nested): once, after the outermost commit */
    assert_int_equal(core_begin(&g_core, &e), C_OK);
    assert_int_equal(ev_emit(&g_core, "number.updated", 0, "number", "1", NULL, &e), C_OK);
    assert_int_equal(core_begin(&g_core, &e), C_OK);
    assert_int_equal(ev_emit(&g_core, "number.updated", 0, "number", "2", NULL, &e), C_OK);
    assert_int_equal(core_end(&g_core, C_OK, &e), C_OK);
    assert_int_equal(g_hooked, 0);
    assert_int_equal(core_end(&g_core, C_OK, &e), C_OK);
    assert_int_equal(g_hooked, 1);
    /* rolled back: never */
    assert_int_equal(core_begin(&g_core, &e), C_OK);
    assert_int_equal(ev_emit(&g_core, "number.updated", 0, "number", "3", NULL, &e), C_OK);
    assert_int_equal(core_end(&g_core, C_ERR, &e), C_ERR);
    /* a transaction without events: never */
    assert_int_equal(core_begin(&g_core, &e), C_OK);
    assert_int_equal(core_end(&g_core, C_OK, &e), C_OK);
    assert_int_equal(g_hooked, 1);
    ev_set_commit_hook(NULL);
}

/* In a batch (core_batch_begin), what tells other threads to read --
 * the commit hook, the write generation, the registrar's kick -- and the
 * counters held for its commits wait for the batch to be durable
 * (core_batch_durable): until then they would read nothing new. */
static void test_batch_defers_to_durable(void **state)
{
    (void)state;
    cerr_t e;
    ev_set_commit_hook(hook);
    g_hooked = 0;
    assert_true(core_batches(&g_core));
    uint64_t gen = core_write_generation(), kick = reg_kick_seq();
    uint64_t bought = metrics_value(MET_PURCHASES);
    g_settled = 0;
    assert_int_equal(core_batch_begin(&g_core), C_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(core_begin(&g_core, &e), C_OK);
        assert_int_equal(ev_emit(&g_core, "number.updated", 0, "number", "1", NULL, &e), C_OK);
        core_count_on_commit(MET_PURCHASES);
        assert_int_equal(core_end(&g_core, C_OK, &e), C_OK);
        reg_kick();
    }
    core_on_settled(settled);
    /* a transaction of the batch that rolls back keeps the others */
    assert_int_equal(core_begin(&g_core, &e), C_OK);
    assert_int_equal(ev_emit(&g_core, "number.updated", 0, "number", "2", NULL, &e), C_OK);
    assert_int_equal(core_end(&g_core, C_ERR, &e), C_ERR);
    assert_int_equal(g_hooked, 0);
    assert_true(core_write_generation() == gen);
    assert_true(reg_kick_seq() == kick);
    /* a batch in a batch: refused */
    assert_int_equal(core_batch_begin(&g_core), C_ERR);
    core_after_t *after = NULL;
    assert_int_equal(core_batch_end(&g_core, &after, &e), C_OK);
    /* committed, not yet synced (store/sqlite/conn.c): nothing told nor
     * counted yet -- but what must forget the batch's reads already has */
    assert_non_null(after);
    assert_int_equal(g_hooked, 0);
    assert_true(core_write_generation() == gen);
    assert_true(reg_kick_seq() == kick);
    assert_true(metrics_value(MET_PURCHASES) == bought);
    assert_int_equal(g_settled, 1);
    core_batch_durable(&g_core, after);
    /* once each, once durable; the counters held for the commits too */
    assert_int_equal(g_settled, 1);
    assert_true(metrics_value(MET_PURCHASES) == bought + 3);
    assert_int_equal(g_hooked, 1);
    assert_true(core_write_generation() == gen + 1);
    assert_true(reg_kick_seq() == kick + 1);
    seen_t s;
    list_all(&s);
    assert_int_equal(s.n, 3);
    /* and outside a batch, at once again */
    reg_kick();
    assert_true(reg_kick_seq() == kick + 2);
    assert_int_equal(core_batch_end(&g_core, &after, &e), C_ERR); /* none open */
    assert_null(after);

    /* a transaction left open in a batch (a bug): the batch fails, its
     * events are gone, and nothing is told -- but what core_on_settled
     * asked for (a cache to forget what the batch wrote) still runs */
    g_hooked = 0;
    g_settled = 0;
    kick = reg_kick_seq();
    assert_int_equal(core_batch_begin(&g_core), C_OK);
    assert_int_equal(core_begin(&g_core, &e), C_OK);
    assert_int_equal(ev_emit(&g_core, "number.updated", 0, "number", "9", NULL, &e), C_OK);
    reg_kick();
    core_on_settled(settled);
    assert_int_equal(g_settled, 0);
    assert_int_equal(core_batch_end(&g_core, &after, &e), C_ERR);
    assert_null(after);
    assert_int_equal(e.code, CE_UNAVAILABLE);
    assert_int_equal(g_hooked, 0);
    assert_int_equal(g_settled, 1);
    assert_true(reg_kick_seq() == kick);
    assert_int_equal(core_tx_depth(), 0);
    list_all(&s);
    assert_int_equal(s.n, 3);
    /* and the thread works on by itself */
    assert_int_equal(core_begin(&g_core, &e), C_OK);
    assert_int_equal(ev_emit(&g_core, "number.updated", 0, "number", "10", NULL, &e), C_OK);
    assert_int_equal(core_end(&g_core, C_OK, &e), C_OK);
    assert_int_equal(g_hooked, 1);
    ev_set_commit_hook(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_data_names_what_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rolled_back_event_is_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_cursor_and_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parsers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
        cmocka_unit_test_setup_teardown(test_commit_hook, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_defers_to_durable, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
