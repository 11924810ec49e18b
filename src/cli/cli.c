/* cli.c -- subcommand dispatch, the options and output every command
 * shares, and the two smallest commands (migrate, routes).  Each command
 * group has its file: account.c (account, apikey), inventory.c,
 * number.c (compliance, number), carrier.c, serve.c. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "util/redact.h"
#include "core/accounts.h"
#include "core/credentials.h"
#include "util/clock.h"
#include "core/country.h"
#include "core/inventory.h"
#include "core/invgen.h"
#include "core/numbers.h"
#include "core/owned.h"
#include "core/secrets.h"
#include "util/buf.h"
#include "util/jw.h"
#include "util/log.h"

static const char *k_usage =
    "usage: numberd [--version] [--help] <command> [options]\n"
    "\n"
    "A self-hosted phone-number and carrier manager.\n"
    "\n"
    "commands:\n"
    "  serve                 run the HTTP server\n"
    "  account create|list|suspend|resume|close|rotate-token\n"
    "                        manage main accounts and their auth tokens\n"
    "  apikey create|list|revoke\n"
    "                        an account's BYOC API keys\n"
    "  inventory import|export|generate|stats\n"
    "                        load, save, synthesise or count the number inventory\n"
    "  compliance create     record an approved compliance record\n"
    "  number approve|set-status\n"
    "                        make a pending number active; record a number's\n"
    "                        10DLC, toll-free and caller-reputation statuses\n"
    "  carrier add|list|show|update|delete\n"
    "                        the operator's upstream carriers and their gateways\n"
    "  events                list (or --follow) the event log of every change\n"
    "  migrate               create or upgrade the database schema\n"
    "\n"
    "Every command takes --db URL (default numberd.db, or NUMBERD_DB): a path\n"
    "to an SQLite file, or a postgresql:// URL.  'numberd <command> --help'\n"
    "describes each command.\n";

void cli_err(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* an error may quote the --db URL (libpq echoes a malformed one):
     * never print its password (util/redact.h) */
    char *safe = redact_dup(msg);
    fprintf(stderr, "numberd: %s: %s\n", what, safe);
    free(safe);
}

int cli_open_core(const char *db, core_t *core)
{
    int applied = 0;
    return cli_open_core_applied(db, core, &applied);
}

int cli_open_core_applied(const char *db, core_t *core, int *nmig)
{
    int applied = 0;
    cerr_t e;
    memset(core, 0, sizeof *core);
    if (ids_init() != C_OK) {
        cli_err("init", "libsodium failed to initialise");
        return C_ERR;
    }
    if (core_open(core, db, &applied, &e) != C_OK) {
        cli_err("open database", "%s", e.msg);
        return C_ERR;
    }
    if (applied) log_msg(LOG_DEBUG, "applied %d migration(s) to %s", applied, db);
    *nmig = applied;
    return C_OK;
}

int cli_open_existing(const char *db, core_t *core)
{
    /* An SQLite path that names no file would be created by the open:
     * a mistyped --db must be an error, not a new empty database. */
    bool pg = core_url_is_postgres(db);
    if (!pg && strcmp(db, ":memory:") != 0) {
        struct stat sb;
        if (stat(db, &sb) != 0) {
            cli_err("open database", "%s: %s (this command never creates a database: check --db "
                                     "or NUMBERD_DB)", db, strerror(errno));
            return C_ERR;
        }
        if (!S_ISREG(sb.st_mode)) {
            cli_err("open database", "%s is not a database file", db);
            return C_ERR;
        }
    }
    return cli_open_core(db, core);
}

int cli_load_key(const char *db, const char *key_file, core_t *core)
{
    const char *env = getenv("NUMBERD_SECRET_KEY");
    char *path = NULL, *err = NULL;
    bool created = false, first = false;
    sec_key_t *key = NULL;
    cerr_t e;
    int ret = C_ERR;
    if (env && !*env) env = NULL;
    if (!env && !key_file) {
        if (core_url_is_postgres(db)) {
            cli_err("server key", "with PostgreSQL every node must share one key: set "
                                  "NUMBERD_SECRET_KEY, NUMBERD_SECRET_KEY_FILE or --secret-key-file");
            return C_ERR;
        }
        /* kept beside the database: backed up and moved together */
        if (strcmp(db, ":memory:") != 0) path = xasprintf("%s.key", db);
    }
    if (sec_key_load(env, env ? NULL : (key_file ? key_file : path), &key, &created, &err) != C_OK) {
        cli_err("server key", "%s", err);
        goto done;
    }
    core->key = key;
    if (core_key_check(core, &first, &e) != C_OK) {
        /* a key made just now for a database written with another
         * (CE_CONFLICT): not left beside it, where a restore of the right
         * one would meet a wrong one (and an operator told to back it up
         * would keep it).  Kept on a database error: it may be the key
         * being stored (a lost COMMIT reply) */
        const char *made = created && e.code == CE_CONFLICT ? (key_file ? key_file : path) : NULL;
        if (made && unlink(made) != 0) made = NULL;
        cli_err("server key", "%s%s%s%s", e.msg, made ? " (no key file was at " : "", made ? made : "",
                made ? ": the key made for it was not kept)" : "");
        core->key = NULL;
        sec_key_free(key);
        goto done;
    }
    if (created && (key_file || path))
        log_msg(LOG_INFO, "generated the server key %s (mode 0600): back it up with the database",
                key_file ? key_file : path);
    ret = C_OK;
done:
    free(err);
    free(path);
    return ret;
}

void cli_close_core(core_t *core)
{
    core_close(core);
    sec_key_free((sec_key_t *)core->key);
    core->key = NULL;
}

/* The environment variable of an option, unless unset or empty. */
static const char *env_of(const opt_t *o)
{
    const char *v = o->env ? getenv(o->env) : NULL;
    return v && *v ? v : NULL;
}

/* The string options this command took from the environment: a usage
 * error about one names its variable, not only its flag (the operator set
 * NUMBERD_EVENT_RETENTION, not --event-retention).  One command a process. */
static struct {
    const char *name, *env;
} g_from_env[40];
static size_t g_nfrom_env;

/* What the command line left unset: from the environment, else the
 * default.  C_ERR after a usage error. */
static int apply_env(const char *usage, opt_t *opts, size_t nopts)
{
    for (size_t i = 0; i < nopts; i++) {
        opt_t *o = &opts[i];
        const char *v = env_of(o);
        if (o->dst && !*o->dst) {
            *o->dst = v ? v : o->dflt;
            if (v && g_nfrom_env < sizeof g_from_env / sizeof g_from_env[0])
                g_from_env[g_nfrom_env].name = o->name, g_from_env[g_nfrom_env++].env = o->env;
        }
        if (o->flag && !*o->flag && v) {
            if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0) *o->flag = true;
            else if (strcmp(v, "0") != 0 && strcmp(v, "false") != 0) {
                usage_error(usage, "invalid %s %s: want 1 or true, 0 or false", o->env, v);
                return C_ERR;
            }
        }
    }
    return C_OK;
}

int cli_parse_opts(int argc, char **argv, const char *usage, opt_t *opts, size_t nopts,
                   const char **db)
{
    struct option lo[40];
    char shorts[2 * 13 + 2] = "h";
    size_t n = 0, ns = 1;
    opt_t dbo = {"db", required_argument, db, NULL, "NUMBERD_DB", "numberd.db"};
    if (nopts > 37) nd_panic("cli_parse_opts: too many options");
    for (size_t i = 0; i < nopts; i++) {
        if (opts[i].name[0] && opts[i].name[1] == '\0') {
            shorts[ns++] = opts[i].name[0];
            if (opts[i].has_arg == required_argument) shorts[ns++] = ':';
            continue;
        }
        lo[n++] = (struct option){opts[i].name, opts[i].has_arg, NULL, (int)(1000 + i)};
    }
    shorts[ns] = '\0';
    lo[n++] = (struct option){"db", required_argument, NULL, 'd'};
    lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
        for (size_t i = 0; i < nopts && c != 'h' && c < 1000; i++)
            if (opts[i].name[0] == c && opts[i].name[1] == '\0') c = (int)(1000 + i);
        if (c == 'h') {
            fputs(usage, stdout);
            return -1;
        } else if (c == 'd') {
            *db = optarg;
        } else if (c >= 1000 && (size_t)(c - 1000) < nopts) {
            opt_t *o = &opts[c - 1000];
            if (o->flag) *o->flag = true;
            if (o->dst) *o->dst = optarg;
        } else {
            const char *bad = argv[optind - 1];
            usage_error(usage, "unknown option or missing value: %s", bad ? bad : "");
            return -2;
        }
    }
    if (apply_env(usage, &dbo, 1) != C_OK || apply_env(usage, opts, nopts) != C_OK) return -2;
    return optind;
}

int usage_error(const char *usage, const char *fmt, ...)
{
    /* One line (CLI.md); the usage text is what --help prints. */
    ND_UNUSED(usage);
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "numberd: usage: %s", msg);
    for (size_t i = 0; i < g_nfrom_env; i++) {
        /* "--name" as a whole word of the message */
        const char *n = g_from_env[i].name;
        size_t nl = strlen(n);
        for (const char *p = strstr(msg, "--"); p; p = strstr(p + 2, "--")) {
            if (strncmp(p + 2, n, nl) == 0 && !nd_isalnum((unsigned char)p[2 + nl]) && p[2 + nl] != '-') {
                fprintf(stderr, " (--%s came from %s)", n, g_from_env[i].env);
                break;
            }
        }
    }
    fputs(" (see --help)\n", stderr);
    return EXIT_USAGE;
}

/* ---- output: every answer is one line of JSON, written with jw ---- */

jw_t *cli_json_begin(cli_json_t *l)
{
    l->b = (buf_t)BUF_INIT;
    jw_init(&l->w, &l->b);
    return &l->w;
}

void cli_json_end(cli_json_t *l, FILE *out)
{
    /* the line may hold a secret shown this once: wiped before it is freed */
    fprintf(out, "%s\n", l->b.data);
    ids_wipe(l->b.data, l->b.len);
    buf_free(&l->b);
}


static int cmd_migrate(int argc, char **argv)
{
    static const char *usage =
        "usage: numberd migrate [--db URL]\n"
        "\n"
        "Creates or upgrades the schema and exits (every command does this on\n"
        "first use too).\n";
    const char *db = NULL;
    PARSE_N(usage, NULL, 0, db);
    if (idx_ != argc) return usage_error(usage, "unexpected argument: %s", argv[idx_]);
    core_t core;
    int applied = 0, have = 0, known = 0;
    if (cli_open_core_applied(db, &core, &applied) != C_OK) return 1;
    cerr_t e;
    int rc = core_schema_version(&core, &have, &known, &e);
    cli_close_core(&core);
    if (rc != C_OK) {
        cli_err("migrate", "%s", e.msg);
        return 1;
    }
    if (have > known) {
        /* nothing applied, and not "up to date": an older binary */
        printf("the database's schema (version %d) is newer than this numberd's (%d): nothing "
               "applied; run the release that made it\n", have, known);
        return 0;
    }
    if (applied > 0) printf("schema upgraded: %d migration(s) applied, now version %d\n", applied, have);
    else printf("schema is up to date (version %d)\n", have);
    return 0;
}

/* Hidden (not in --help): the route table, one "METHOD PATTERN NAME" line
 * per route, admin routes included, so that the API tests compare the
 * OpenAPI document with the router itself rather than with a parse of
 * routes.c. */
static int cmd_routes(int argc, char **argv)
{
    ND_UNUSED(argv);
    if (argc > 1) {
        fputs("numberd: usage: routes takes no arguments\n", stderr);
        return EXIT_USAGE;
    }
    size_t n;
    const route_t *r = api_all_routes(&n);
    for (size_t i = 0; i < n; i++) {
        char method[64];
        router_allow_string(r[i].method, method, sizeof method);
        printf("%s %s %s\n", method, r[i].pattern, r[i].name);
    }
    return 0;
}

/* A command's status, and its output's fate: what it printed on standard
 * output must have reached it.  `account rotate-token > /dev/full` exited
 * 0 with the new token lost and the old one already refused; so did the
 * one-time secrets of account and apikey create, and every listing (a
 * helper's audit, session 38).  Now a write error, found when stdout is
 * flushed and closed, is a failure (1) that says what it means. */
static int stdout_written(int rc)
{
    errno = 0;
    bool bad = fflush(stdout) != 0 || ferror(stdout);
    int err = errno;
    /* (EBADF: started with stdout closed, and nothing written to it) */
    if (fclose(stdout) != 0 && !bad && errno != EBADF) {
        bad = true;
        err = errno;
    }
    if (!bad) return rc;
    fprintf(stderr, "numberd: standard output: %s: the command's output was lost (a token or key "
            "it showed is shown nowhere else: make another)\n", err ? strerror(err) : "write error");
    return rc == 0 ? 1 : rc;
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("numberd: usage: a command is needed (see numberd --help)\n", stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(k_usage, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("numberd %s\n", ND_VERSION);
        return 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        /* one command a line: each lives in its group's file (cli.h) */
        {"serve", cli_serve},
        {"account", cli_account},
        {"apikey", cli_apikey},
        {"inventory", cli_inventory},
        {"compliance", cli_compliance},
        {"number", cli_number},
        {"migrate", cmd_migrate},
        {"routes", cmd_routes},
        {"carrier", cli_carrier},
        {"events", cli_events},
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(cmds); i++)
        if (strcmp(cmd, cmds[i].name) == 0) {
            cli_actor_set(); /* the event log's actor of what this command changes */
            /* a one-shot command's log lines are read by a person, beside
             * its own "numberd: <what>: <why>" (cli_err): plain, not JSON */
            if (cmds[i].fn != cli_serve) log_set_plain(true);
            return stdout_written(cmds[i].fn(argc - 1, argv + 1));
        }
    fprintf(stderr, "numberd: usage: unknown command: %s (see numberd --help)\n", cmd);
    return EXIT_USAGE;
}
