/* events.c -- `numberd events`: the event log (core/events.h), read-only,
 * and the CLI's actor for the events its other commands write.
 *
 * It never creates a database (cli_open_existing: a mistyped --db is an
 * error).  --follow polls the log past the last id it printed, so it sees
 * every event once, in id order, on both backends (no id ever appears
 * below one already seen: docs/EVENTS.md). */
#include "cli/cli.h"

#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/events.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/jw.h"

static const char *k_usage =
    "usage: numberd events [options]\n"
    "\n"
    "Lists the event log (every change of state, oldest first) and, with\n"
    "--follow, waits for new events.  Read-only: never creates a database.\n"
    "\n"
    "options:\n"
    "  --db URL                 SQLite file or postgresql:// URL      NUMBERD_DB (numberd.db)\n"
    "  --object-type T          number, carrier, gateway, application, subaccount, account,\n"
    "                           api_key, compliance, inventory, webhook_endpoint\n"
    "  --object-id ID           the object's id as the API shows it (a number: its digits)\n"
    "  --account MA...          the events of one main account (its subaccounts' included)\n"
    "  --actor KIND[:ID]        admin, cli, system, account:MA..., subaccount:SA..., api_key:ID\n"
    "  --type T                 number.bought, or number. for every number event\n"
    "  --since TIME, --until TIME  unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC);\n"
    "                           since is inclusive, until exclusive\n"
    "  --after ID               events after this id (the cursor)\n"
    "  --limit N                at most N events (1-1000, default 100; not with --follow)\n"
    "  --json                   JSON: {\"data\":[...],\"next\":ID|null}; with --follow one\n"
    "                           event object per line\n"
    "  --follow                 keep printing new events as they commit (Ctrl-C stops)\n"
    "  --interval MS            --follow's polling interval (100-60000, default 1000)\n";

void cli_actor_set(void)
{
    /* the login name of the user running the command: the operator with
     * direct database access */
    const struct passwd *pw = getpwuid(geteuid());
    const char *who = pw && pw->pw_name ? pw->pw_name : getenv("USER");
    ev_actor_set("cli", who ? who : "", NULL);
}

typedef struct {
    bool json, follow;
    bool first;           /* no event written yet (the JSON array's comma) */
    int64_t last;         /* the last id printed */
    buf_t out;
    jw_t w;
} print_t;

static void print_human(const event_t *ev)
{
    char ts[CLOCK_TS_SZ];
    clock_ts(ev->ts, ts);
    printf("%-8lld %s  %-28s %s/%s  %s%s%s  %s  %s\n", (long long)ev->id, ts, ev->type,
           ev->object_type, ev->object_id, ev->actor_kind, ev->actor_id[0] ? ":" : "",
           ev->actor_id, ev->account_auth_id[0] ? ev->account_auth_id : "-",
           ev->data[0] ? ev->data : "{}");
}

static int print_one(const event_t *ev, void *ud)
{
    print_t *p = ud;
    p->last = ev->id;
    if (!p->json) {
        print_human(ev);
    } else if (p->follow) {
        buf_t b = BUF_INIT;
        jw_t w;
        jw_init(&w, &b);
        ev_render(ev, &w);
        printf("%s\n", b.data);
        buf_free(&b);
    } else {
        ev_render(ev, &p->w);
    }
    return C_OK;
}

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

int cli_events(int argc, char **argv)
{
    const char *db = NULL, *otype = NULL, *oid = NULL, *account = NULL, *actor = NULL,
               *type = NULL, *since = NULL, *until = NULL, *after = NULL, *limit_s = NULL,
               *interval_s = NULL;
    bool json = false, follow = false;
    opt_t opts[] = {
        CLI_OPT("object-type", &otype, NULL, NULL), CLI_OPT("object-id", &oid, NULL, NULL),
        CLI_OPT("account", &account, NULL, NULL),   CLI_OPT("actor", &actor, NULL, NULL),
        CLI_OPT("type", &type, NULL, NULL),         CLI_OPT("since", &since, NULL, NULL),
        CLI_OPT("until", &until, NULL, NULL),       CLI_OPT("after", &after, NULL, NULL),
        CLI_OPT("limit", &limit_s, NULL, NULL),     CLI_OPT("interval", &interval_s, NULL, NULL),
        CLI_FLAG("json", &json, NULL),              CLI_FLAG("follow", &follow, NULL),
    };
    int idx = cli_parse_opts(argc, argv, k_usage, opts, ND_ARRAY_LEN(opts), &db);
    if (idx == -1) return 0;
    if (idx == -2) return EXIT_USAGE;
    if (idx < argc) return usage_error(k_usage, "unexpected argument: %s", argv[idx]);

    event_filter_t f;
    memset(&f, 0, sizeof f);
    cerr_t e;
    int interval = 1000;
    if (ev_filter_object_type("--object-type", otype, f.object_type, sizeof f.object_type, &e) != C_OK ||
        ev_filter_text("--object-id", oid, f.object_id, sizeof f.object_id, &e) != C_OK ||
        ev_filter_type("--type", type, f.type, sizeof f.type, &e) != C_OK ||
        (actor && ev_filter_actor("--actor", actor, &f, &e) != C_OK) ||
        ev_filter_time("--since", since, false, &f, &e) != C_OK ||
        ev_filter_time("--until", until, true, &f, &e) != C_OK)
        return usage_error(k_usage, "%s", e.msg);
    if (after) {
        char *end = NULL;
        long long v = strtoll(after, &end, 10);
        if (!*after || *end || v < 0) return usage_error(k_usage, "invalid --after %s: want an event id", after);
        f.after_id = v;
    }
    if (limit_s) {
        char *end = NULL;
        long v = strtol(limit_s, &end, 10);
        if (!*limit_s || *end || v < 1 || v > EV_LIST_MAX)
            return usage_error(k_usage, "invalid --limit %s: want 1-%d", limit_s, EV_LIST_MAX);
        if (follow) return usage_error(k_usage, "--limit does not go with --follow");
        f.limit = (int)v;
    }
    if (interval_s) {
        char *end = NULL;
        long v = strtol(interval_s, &end, 10);
        if (!*interval_s || *end || v < 100 || v > 60000)
            return usage_error(k_usage, "invalid --interval %s: want 100-60000 (ms)", interval_s);
        interval = (int)v;
    }

    core_t core;
    if (cli_open_existing(db, &core) != C_OK) return 1;
    /* after the open: a bad --account is a usage error, an unknown one too */
    if (account && ev_filter_account(&core, "--account", account, &f, &e) != C_OK) {
        cli_close_core(&core);
        if (e.code == CE_INVALID || e.code == CE_NOTFOUND) return usage_error(k_usage, "%s", e.msg);
        cli_err("events", "%s", e.msg); /* a fault: not the caller's mistake */
        return 1;
    }

    int rc = 0;
    print_t p = {.json = json, .follow = follow, .first = true, .last = f.after_id,
                 .out = BUF_INIT};
    if (!follow) {
        int64_t next = 0;
        if (json) {
            jw_init(&p.w, &p.out);
            jw_obj(&p.w);
            jw_key(&p.w, "data");
            jw_arr(&p.w);
        }
        if (ev_list(&core, &f, print_one, &p, &next, &e) != C_OK) {
            cli_err("events", "%s", e.msg);
            rc = 1;
        } else if (json) {
            jw_arr_end(&p.w);
            jw_key(&p.w, "next");
            if (next) jw_int(&p.w, next);
            else jw_null(&p.w);
            jw_obj_end(&p.w);
            printf("%s\n", p.out.data);
        } else if (next) {
            fprintf(stderr, "numberd: more events: --after %lld\n", (long long)next);
        }
        buf_free(&p.out);
        cli_close_core(&core);
        return rc;
    }

    /* --follow: pages until the log is read, then a poll every interval */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    setvbuf(stdout, NULL, _IOLBF, 0);
    f.limit = EV_LIST_MAX;
    while (!g_stop) {
        int64_t next = 0;
        f.after_id = p.last;
        if (ev_list(&core, &f, print_one, &p, &next, &e) != C_OK) {
            /* a passing database fault: say so, and try again */
            cli_err("events", "%s", e.msg);
        }
        fflush(stdout);
        if (next) continue; /* more right now */
        struct timespec ts = {interval / 1000, (long)(interval % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    cli_close_core(&core);
    return 0;
}
