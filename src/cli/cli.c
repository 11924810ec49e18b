/* cli.c -- subcommand dispatch and the small subcommands. */
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
    "  account create|list   manage main accounts\n"
    "  apikey create         create a BYOC API key for an account\n"
    "  inventory import|export|generate|stats\n"
    "                        load, save, synthesise or count the number inventory\n"
    "  compliance create     record an approved compliance record\n"
    "  number approve        make a pending number active\n"
    "  carrier add|list|show|update|delete\n"
    "                        the operator's upstream carriers and their gateways\n"
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
    return C_OK;
}

int cli_open_existing(const char *db, core_t *core)
{
    /* An SQLite path that names no file would be created by the open:
     * a mistyped --db must be an error, not a new empty database. */
    bool pg = strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0;
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
        if (strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0) {
            cli_err("server key", "with PostgreSQL every node must share one key: set "
                                  "NUMBERD_SECRET_KEY or --secret-key-file");
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
        cli_err("server key", "%s", e.msg);
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

/* What the command line left unset: from the environment, else the
 * default.  C_ERR after a usage error. */
static int apply_env(const char *usage, opt_t *opts, size_t nopts)
{
    for (size_t i = 0; i < nopts; i++) {
        opt_t *o = &opts[i];
        const char *v = env_of(o);
        if (o->dst && !*o->dst) *o->dst = v ? v : o->dflt;
        if (o->flag && !*o->flag && v) {
            if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0) *o->flag = true;
            else if (strcmp(v, "0") != 0 && strcmp(v, "false") != 0) {
                usage_error(usage, "invalid %s %s: want 1 or 0", o->env, v);
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

#define PARSE_N(usage, opts, nopts, db)                                                        \
    int idx_ = cli_parse_opts(argc, argv, usage, opts, nopts, &(db));                                \
    if (idx_ == -1) return 0;                                                                    \
    if (idx_ == -2) return EXIT_USAGE;
#define PARSE(usage, opts, db) PARSE_N(usage, opts, ND_ARRAY_LEN(opts), db)

int usage_error(const char *usage, const char *fmt, ...)
{
    /* One line (CLI.md); the usage text is what --help prints. */
    ND_UNUSED(usage);
    va_list ap;
    va_start(ap, fmt);
    fputs("numberd: usage: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see --help)\n", stderr);
    va_end(ap);
    return EXIT_USAGE;
}

/* ---- output: every answer is one line of JSON, written with jw ---- */

typedef struct {
    buf_t b;
    jw_t w;
} json_line_t;

static jw_t *json_begin(json_line_t *l)
{
    l->b = (buf_t)BUF_INIT;
    jw_init(&l->w, &l->b);
    return &l->w;
}

/* Prints the line and a newline on out, then wipes it (it may hold a
 * secret shown this once) and frees it. */
static void json_end(json_line_t *l, FILE *out)
{
    fprintf(out, "%s\n", l->b.data);
    ids_wipe(l->b.data, l->b.len);
    buf_free(&l->b);
}

/* ---- account ---- */

static int print_account_line(const account_t *a, void *ud)
{
    ND_UNUSED(ud);
    char ts[CLOCK_TS_SZ];
    clock_ts(a->created_at, ts);
    printf("%-20s  %-9s  %-20s  %s\n", a->auth_id, cred_status_name(a->status), ts, a->name);
    return C_OK;
}

typedef struct {
    jw_t *w;
    int64_t n;
} json_list_t;

static int json_account(const account_t *a, void *ud)
{
    json_list_t *jl = ud;
    jw_t *w = jl->w;
    jl->n++;
    char ts[CLOCK_TS_SZ];
    clock_ts(a->created_at, ts);
    jw_obj(w);
    jw_kstr(w, "auth_id", a->auth_id);
    jw_kstr(w, "name", a->name);
    jw_kbool(w, "enabled", a->enabled);
    jw_kstr(w, "status", cred_status_name(a->status));
    jw_kstr(w, "created_at", ts);
    jw_obj_end(w);
    return C_OK;
}

static int cmd_account(int argc, char **argv)
{
    static const char *usage =
        "usage: numberd account create --name NAME [--db URL]\n"
        "       numberd account list [--json] [--db URL]\n"
        "       numberd account suspend|resume|close AUTH_ID [--db URL]\n"
        "       numberd account rotate-token AUTH_ID [--grace DURATION] [--db URL]\n"
        "\n"
        "create        prints {\"auth_id\", \"auth_token\", \"api_key\", \"name\"} as JSON:\n"
        "              the token and key are shown only this once (only their\n"
        "              hashes are stored).\n"
        "list          one line per main account: auth_id, status, created, name;\n"
        "              --json prints {\"data\": [...], \"total\"} instead.\n"
        "suspend       every credential of the account and of its subaccounts\n"
        "              answers 403 \"account suspended\"; its numbers stay its own.\n"
        "resume        lifts a suspension.\n"
        "close         releases every number of the account (into aging, as an\n"
        "              unrent), revokes its API keys and refuses its credentials\n"
        "              for good; its records are kept.\n"
        "rotate-token  a new auth token for a main account or a subaccount, shown\n"
        "              once; with --grace (seconds, or a number with s, m, h or d,\n"
        "              at most 30d) the old token keeps working that long.\n"
        "Each change is refused on every node of the database within a second.\n";
    const char *db = NULL, *name = NULL, *grace_s = NULL;
    bool json = false;
    opt_t opts[] = {CLI_OPT("name", &name, NULL, NULL), CLI_OPT("grace", &grace_s, NULL, NULL),
                    CLI_FLAG("json", &json, NULL)};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc >= 2) { fputs(usage, stdout); return 0; }
        return usage_error(usage, "account needs a subcommand: create, list, suspend, resume, "
                                  "close or rotate-token");
    }
    const char *sub = argv[1];
    argc--;
    argv++;
    PARSE(usage, opts, db);
    core_t core;
    cerr_t e;
    int rc;
    bool creating = strcmp(sub, "create") == 0, listing = strcmp(sub, "list") == 0;
    if (name && !creating) return usage_error(usage, "--name belongs to account create");
    if (json && !listing) return usage_error(usage, "--json belongs to account list");
    if (grace_s && strcmp(sub, "rotate-token") != 0)
        return usage_error(usage, "--grace belongs to account rotate-token");
    if (creating) {
        if (idx_ != argc) return usage_error(usage, "unexpected argument: %s", argv[idx_]);
        if (!name) return usage_error(usage, "account create needs --name");
        if (cli_open_core(db, &core) != C_OK) return 1;
        acct_created_t a;
        rc = acct_create(&core, name, &a, &e);
        cli_close_core(&core);
        if (rc != C_OK) {
            cli_err("account create", "%s", e.msg);
            return e.code == CE_INVALID ? EXIT_USAGE : 1;
        }
        json_line_t l;
        api_render_account_created(json_begin(&l), &a);
        json_end(&l, stdout);
        ids_wipe(&a, sizeof a);
        return 0;
    }
    if (listing) {
        if (idx_ != argc) return usage_error(usage, "unexpected argument: %s", argv[idx_]);
        if (cli_open_existing(db, &core) != C_OK) return 1;
        int64_t n = 0;
        if (json) {
            json_line_t l;
            jw_t *w = json_begin(&l);
            jw_obj(w);
            jw_key(w, "data");
            jw_arr(w);
            json_list_t jl = {w, 0};
            rc = acct_list(&core, json_account, &jl, &e);
            n = jl.n;
            jw_arr_end(w);
            jw_kint(w, "total", n);
            jw_obj_end(w);
            if (rc == C_OK) json_end(&l, stdout);
            else buf_free(&l.b);
        } else {
            printf("%-20s  %-9s  %-20s  %s\n", "auth_id", "status", "created", "name");
            rc = acct_list(&core, print_account_line, NULL, &e);
        }
        cli_close_core(&core);
        if (rc != C_OK) {
            cli_err("account list", "%s", e.msg);
            return 1;
        }
        return 0;
    }
    bool suspend = strcmp(sub, "suspend") == 0, resume = strcmp(sub, "resume") == 0,
         close_ = strcmp(sub, "close") == 0, rotate = strcmp(sub, "rotate-token") == 0;
    if (!suspend && !resume && !close_ && !rotate)
        return usage_error(usage, "unknown account subcommand: %s", sub);
    if (idx_ + 1 != argc) return usage_error(usage, "account %s needs exactly one AUTH_ID", sub);
    const char *auth_id = argv[idx_];
    int64_t grace = 0;
    if (grace_s && strcmp(grace_s, "0") != 0 &&
        cred_parse_duration(grace_s, CRED_GRACE_MAX, &grace) != C_OK)
        return usage_error(usage, "invalid --grace %s: seconds, or a number with s, m, h or d (at most 30d)",
                           grace_s);
    if (cli_open_existing(db, &core) != C_OK) return 1;
    json_line_t l;
    jw_t *w = json_begin(&l);
    if (rotate) {
        char token[IDS_TOKEN_SZ];
        int64_t until = 0;
        rc = cred_token_rotate(&core, auth_id, grace, token, &until, &e);
        if (rc == C_OK) api_render_rotated(w, auth_id, token, until);
        ids_wipe(token, sizeof token);
    } else {
        int64_t released = 0;
        rc = suspend  ? cred_account_suspend(&core, auth_id, &e)
             : resume ? cred_account_resume(&core, auth_id, &e)
                      : cred_account_close(&core, auth_id, &released, &e);
        if (rc == C_OK) {
            jw_obj(w);
            jw_kstr(w, "auth_id", auth_id);
            jw_kstr(w, "status", suspend ? "suspended" : resume ? "active" : "closed");
            if (close_) jw_kint(w, "numbers_released", released);
            jw_obj_end(w);
        }
    }
    cli_close_core(&core);
    if (rc != C_OK) {
        buf_free(&l.b);
        char what[32];
        snprintf(what, sizeof what, "account %s", sub);
        cli_err(what, "%s", e.msg);
        return 1;
    }
    json_end(&l, stdout);
    return 0;
}

/* ---- apikey ---- */

static void print_key_row(const apikey_t *k)
{
    char c[CLOCK_TS_SZ] = "-", x[CLOCK_TS_SZ] = "-", u[CLOCK_TS_SZ] = "-";
    if (k->created_at) clock_ts(k->created_at, c);
    if (k->expires_at) clock_ts(k->expires_at, x);
    if (k->last_used_at) clock_ts(k->last_used_at, u);
    const char *state = k->revoked_at                                   ? "revoked"
                        : k->expires_at && k->expires_at <= clock_now() ? "expired"
                                                                         : "active";
    char scopes[64] = "";
    if (k->scopes & SCOPE_READ) strcat(scopes, "r");
    if (k->scopes & SCOPE_WRITE) strcat(scopes, "w");
    if (k->scopes & SCOPE_KEYS) strcat(scopes, "k");
    printf("%-6lld %-13s %-8s %-4s %-20s %-20s %-20s %s\n", (long long)k->id,
           k->prefix[0] ? k->prefix : "-", state, scopes, c, x, u, k->label);
}

static int cmd_apikey(int argc, char **argv)
{
    static const char *usage =
        "usage: numberd apikey create --account AUTH_ID [--scopes SCOPES] [--label TEXT]\n"
        "                             [--expires-in DURATION] [--db URL]\n"
        "       numberd apikey list --account AUTH_ID [--json] [--db URL]\n"
        "       numberd apikey revoke --account AUTH_ID KEY_ID [--db URL]\n"
        "\n"
        "create  prints {\"api_key\", \"id\", \"prefix\", \"label\", \"scopes\", ...}: the key\n"
        "        is shown only this once (only its hash is stored).  SCOPES: a comma\n"
        "        list of phone_numbers:read, phone_numbers:write, api_keys:manage\n"
        "        (default the first two).  DURATION: seconds, or a number with s, m,\n"
        "        h or d (30d); without it the key never expires.\n"
        "list    the account's keys, newest first, revoked ones included: id,\n"
        "        prefix, state, scopes (r, w, k), created, expires, last used,\n"
        "        label.  --json prints {\"data\": [...], \"total\"} instead.\n"
        "revoke  revokes key KEY_ID (its id in the list): refused at once on this\n"
        "        database's every node (within a second).\n";
    const char *db = NULL, *account = NULL, *scopes_s = NULL, *label = NULL, *exp_s = NULL;
    bool json = false;
    opt_t opts[] = {CLI_OPT("account", &account, NULL, NULL),
                    CLI_OPT("scopes", &scopes_s, NULL, NULL),
                    CLI_OPT("label", &label, NULL, NULL),
                    CLI_OPT("expires-in", &exp_s, NULL, NULL),
                    CLI_FLAG("json", &json, NULL)};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc >= 2) { fputs(usage, stdout); return 0; }
        return usage_error(usage, "apikey needs a subcommand: create, list or revoke");
    }
    const char *sub = argv[1];
    argc--;
    argv++;
    PARSE(usage, opts, db);
    bool creating = strcmp(sub, "create") == 0, listing = strcmp(sub, "list") == 0,
         revoking = strcmp(sub, "revoke") == 0;
    if (!creating && !listing && !revoking)
        return usage_error(usage, "unknown apikey subcommand: %s", sub);
    if (idx_ + (revoking ? 1 : 0) != argc)
        return revoking ? usage_error(usage, "apikey revoke needs exactly one KEY_ID")
                        : usage_error(usage, "unexpected argument: %s", argv[idx_]);
    if (!account) return usage_error(usage, "apikey %s needs --account", sub);
    if (!creating && (scopes_s || label || exp_s))
        return usage_error(usage, "--scopes, --label and --expires-in belong to apikey create");
    if (!listing && json) return usage_error(usage, "--json belongs to apikey list");
    core_t core;
    cerr_t e;
    int rc;
    if (creating) {
        unsigned scopes = SCOPE_READ | SCOPE_WRITE;
        int64_t expires_in = 0;
        if (scopes_s && acct_parse_scopes(scopes_s, &scopes) != C_OK)
            return usage_error(usage, "invalid --scopes: %s", scopes_s);
        if (exp_s && cred_parse_duration(exp_s, CRED_EXPIRY_MAX, &expires_in) != C_OK)
            return usage_error(usage, "invalid --expires-in %s: seconds, or a number with s, m, h or d",
                               exp_s);
        if (cli_open_core(db, &core) != C_OK) return 1;
        char key[IDS_APIKEY_SZ];
        apikey_t k;
        rc = cred_key_create(&core, account, scopes, label, expires_in, &k, key, &e);
        cli_close_core(&core);
        if (rc != C_OK) {
            cli_err("apikey create", "%s", e.msg);
            return e.code == CE_INVALID ? EXIT_USAGE : 1;
        }
        json_line_t l;
        api_render_apikey(json_begin(&l), &k, key);
        json_end(&l, stdout);
        ids_wipe(key, sizeof key);
        return 0;
    }
    if (cli_open_existing(db, &core) != C_OK) return 1;
    if (revoking) {
        rc = cred_key_revoke(&core, account, argv[idx_], &e);
        cli_close_core(&core);
        if (rc != C_OK) {
            cli_err("apikey revoke", "%s", e.msg);
            return 1;
        }
        printf("{\"revoked\":true}\n");
        return 0;
    }
    /* list: every key, a page at a time */
    apikey_t *rows = xcalloc(CRED_KEYS_MAX_LIMIT, sizeof *rows);
    size_t n = 0;
    int64_t total = 0, seen = 0;
    json_line_t l;
    jw_t *w = NULL;
    if (json) {
        w = json_begin(&l);
        jw_obj(w);
        jw_key(w, "data");
        jw_arr(w);
    } else {
        printf("%-6s %-13s %-8s %-4s %-20s %-20s %-20s %s\n", "id", "prefix", "state", "scp",
               "created", "expires", "last_used", "label");
    }
    do {
        rc = cred_key_list(&core, account, CRED_KEYS_MAX_LIMIT, (int)seen, rows, &n, &total, &e);
        for (size_t i = 0; rc == C_OK && i < n; i++) {
            if (json) api_render_apikey(w, &rows[i], NULL);
            else print_key_row(&rows[i]);
        }
        seen += (int64_t)n;
    } while (rc == C_OK && n > 0 && seen < total);
    free(rows);
    cli_close_core(&core);
    if (json) {
        jw_arr_end(w);
        jw_kint(w, "total", total);
        jw_obj_end(w);
        if (rc == C_OK) json_end(&l, stdout);
        else buf_free(&l.b);
    }
    if (rc != C_OK) {
        cli_err("apikey list", "%s", e.msg);
        return 1;
    }
    return 0;
}

/* ---- inventory ---- */

typedef struct {
    uint64_t size;
    int last_pct;
    int64_t last_draw;
    uint64_t last_rows;
    unsigned spin;
} progress_t;

static void draw_progress(uint64_t bytes, uint64_t rows, void *ud)
{
    progress_t *p = ud;
    if (p->size == 0) {
        /* stdin or a pipe: no size, so no percentage -- a spinner, the
         * bytes and rows so far, redrawn every 4,096 rows */
        static const char spin[] = "|/-\\";
        if (rows - p->last_rows < 4096 && p->last_pct >= 0) return;
        p->last_rows = rows;
        p->last_pct = 0;
        fprintf(stderr, "\r[%c] %8.1f MiB  %llu rows", spin[p->spin++ % 4],
                (double)bytes / (1024.0 * 1024.0), (unsigned long long)rows);
        fflush(stderr);
        return;
    }
    int pct = p->size ? (int)(bytes * 100 / p->size) : 0;
    if (pct > 100) pct = 100;
    if (pct == p->last_pct && bytes != p->size) return;
    p->last_pct = pct;
    char bar[41];
    int fill = pct * 40 / 100;
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, ' ', (size_t)(40 - fill));
    bar[40] = '\0';
    fprintf(stderr, "\r[%s] %3d%%  %llu rows", bar, pct, (unsigned long long)rows);
    fflush(stderr);
}

int cli_import_stream(core_t *core, FILE *in, uint64_t size, bool dry_run, bool progress,
                      inv_result_t *res, cerr_t *e)
{
    inv_import_t *im;
    progress_t p = {.size = size, .last_pct = -1};
    if (inv_import_begin(core, dry_run, &im, e) != C_OK) return C_ERR;
    if (progress) inv_import_progress(im, draw_progress, &p);
    char *chunk = xmalloc(1 << 16);
    size_t n;
    int rc = C_OK;
    while ((n = fread(chunk, 1, 1 << 16, in)) > 0) {
        if (inv_import_feed(im, chunk, n, e) != C_OK) {
            rc = C_ERR;
            break;
        }
    }
    free(chunk);
    if (rc == C_OK && ferror(in)) {
        cerr(e, CE_INTERNAL, "read error");
        rc = C_ERR;
    }
    if (rc != C_OK) {
        inv_import_abort(im);
    } else {
        rc = inv_import_end(im, res, e);
    }
    if (progress) fputc('\n', stderr);
    return rc;
}

void cli_print_import_result(FILE *out, const inv_result_t *res, bool dry_run)
{
    json_line_t l;
    api_render_import_result(json_begin(&l), res, dry_run);
    json_end(&l, out);
}

static int print_stats_row(const stats_row_t *r, void *ud)
{
    ND_UNUSED(ud);
    printf("%s\t%s\t%s\t%lld\n", r->country_iso, r->type, num_state_name(r->state),
           (long long)r->count);
    return C_OK;
}

/* {"country_iso", "type", "state", "count"}; total: the numbers counted */
static int json_stats_row(const stats_row_t *r, void *ud)
{
    json_list_t *jl = ud;
    jw_obj(jl->w);
    jw_kstr(jl->w, "country_iso", r->country_iso);
    jw_kstr(jl->w, "type", r->type);
    jw_kstr(jl->w, "state", num_state_name(r->state));
    jw_kint(jl->w, "count", r->count);
    jw_obj_end(jl->w);
    jl->n += r->count;
    return C_OK;
}

static int parse_u64(const char *s, uint64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18 || !nd_all_digits(s, n)) return C_ERR;
    *out = strtoull(s, NULL, 10);
    return C_OK;
}

/* inventory export: CSV to stdout or to -o FILE (removed again if the
 * export fails, so a half file never looks like a backup). */
static int inventory_export(const char *db, const char *country, const char *state_s,
                            const char *out_s, const char *usage)
{
    const country_t *ct = NULL;
    int state = -1, ret = 1;
    if (country && (country_by_iso(country, &ct) != C_OK || ct->calling_code == 0))
        return usage_error(usage, "invalid --country %s: want an ISO 3166 alpha-2 code", country);
    if (state_s) {
        for (int s = NUM_AVAILABLE; s <= NUM_AGING && state < 0; s++)
            if (strcmp(state_s, num_state_name((num_state_t)s)) == 0) state = s;
        if (state < 0)
            return usage_error(usage, "invalid --state %s: want available, active, pending or aging",
                               state_s);
    }
    bool to_file = out_s && strcmp(out_s, "-") != 0;
    core_t core;
    FILE *out = stdout;
    char *vbuf = NULL;
    uint64_t rows = 0;
    cerr_t e;
    if (cli_open_existing(db, &core) != C_OK) return 1;
    if (to_file && (out = fopen(out_s, "w")) == NULL) {
        cli_err("inventory export", "cannot create %s: %s", out_s, strerror(errno));
        goto done;
    }
    /* large writes: one syscall per MiB, not per row */
    vbuf = xmalloc(1 << 20);
    setvbuf(out, vbuf, _IOFBF, 1 << 20);
    if (inv_export(&core, ct ? ct->iso : NULL, state, out, &rows, &e) != C_OK) {
        cli_err("inventory export", "%s%s%s", e.msg, to_file ? " writing " : "",
                to_file ? out_s : "");
        goto done;
    }
    ret = 0;
done:
    if (to_file && out) {
        if (fclose(out) != 0 && ret == 0) {
            cli_err("inventory export", "write error on %s: %s", out_s, strerror(errno));
            ret = 1;
        }
        if (ret != 0) unlink(out_s);
    } else if (out == stdout) {
        fflush(stdout);
        setvbuf(stdout, NULL, _IOLBF, 0); /* vbuf is freed below */
    }
    free(vbuf);
    cli_close_core(&core);
    if (ret == 0 && to_file) {
        json_line_t l;
        jw_t *w = json_begin(&l);
        jw_obj(w);
        jw_kint(w, "exported", (int64_t)rows);
        jw_obj_end(w);
        json_end(&l, stdout);
    }
    return ret;
}

static int cmd_inventory(int argc, char **argv)
{
    static const char *usage =
        "usage: numberd inventory import FILE.csv [--dry-run] [--allow-rejected] [--db URL]\n"
        "       numberd inventory generate --count N [--country CC] [--seed S]\n"
        "       numberd inventory export [--country CC] [--state STATE] [-o FILE] [--db URL]\n"
        "       numberd inventory stats [--json] [--db URL]\n"
        "\n"
        "import    loads an inventory CSV (columns in CLI.md; '-' reads stdin) in one\n"
        "          streaming pass and prints {\"imported\",\"updated\",\"rejected\"}; bad rows\n"
        "          are listed with their line and reason, the others are imported.\n"
        "          --dry-run validates without writing.  A progress bar is drawn on a\n"
        "          terminal (for stdin: rows and bytes read).  Exit status 3 when rows\n"
        "          were rejected (the others are in), unless --allow-rejected.\n"
        "generate  writes a realistic synthetic inventory CSV to stdout: real NANP\n"
        "          area codes, cities, LATAs and rate centers for US/CA; valid national\n"
        "          numbering for GB, DE, FR, NL, AU.  Without --country: a mix.\n"
        "export    writes the inventory as CSV in the import format (every column),\n"
        "          in number order, streaming: 'export | import' into another database\n"
        "          gives the same inventory.  Every state unless --state (available,\n"
        "          active, pending, aging); every country unless --country.  Who owns a\n"
        "          sold number is not exported (an import makes every row available).\n"
        "          -o FILE writes FILE (else stdout) and then prints {\"exported\": N}.\n"
        "stats     prints counts by country, type and state (tab-separated); --json\n"
        "          prints {\"data\": [{\"country_iso\",\"type\",\"state\",\"count\"}], \"total\"}.\n"
        "stats and export never create a database: a --db naming no file is an error.\n";
    const char *db = NULL, *count_s = NULL, *country = NULL, *seed_s = NULL, *state_s = NULL,
               *out_s = NULL;
    bool dry = false, allow_rej = false, json = false;
    opt_t opts[] = {CLI_FLAG("dry-run", &dry, NULL),
                    CLI_FLAG("allow-rejected", &allow_rej, NULL),
                    CLI_FLAG("json", &json, NULL),
                    CLI_OPT("count", &count_s, NULL, NULL),
                    CLI_OPT("country", &country, NULL, NULL),
                    CLI_OPT("seed", &seed_s, NULL, NULL),
                    CLI_OPT("state", &state_s, NULL, NULL),
                    CLI_OPT("o", &out_s, NULL, NULL),
                    CLI_OPT("output", &out_s, NULL, NULL)};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc >= 2) { fputs(usage, stdout); return 0; }
        return usage_error(usage, "inventory needs a subcommand: import, export, generate or stats");
    }
    const char *sub = argv[1];
    argc--;
    argv++;
    PARSE(usage, opts, db);
    bool exporting = strcmp(sub, "export") == 0;
    if (!exporting && (state_s || out_s))
        return usage_error(usage, "--state and -o belong to inventory export");
    if (allow_rej && strcmp(sub, "import") != 0)
        return usage_error(usage, "--allow-rejected belongs to inventory import");
    if (json && strcmp(sub, "stats") != 0)
        return usage_error(usage, "--json belongs to inventory stats");

    if (exporting) {
        if (idx_ != argc) return usage_error(usage, "unexpected argument: %s", argv[idx_]);
        if (dry || count_s || seed_s)
            return usage_error(usage, "export takes --country, --state and -o only");
        return inventory_export(db, country, state_s, out_s, usage);
    }

    if (strcmp(sub, "generate") == 0) {
        if (idx_ != argc) return usage_error(usage, "unexpected argument: %s", argv[idx_]);
        uint64_t count, seed = 1;
        if (!count_s || parse_u64(count_s, &count) != C_OK || count == 0)
            return usage_error(usage, "generate needs --count N (N >= 1)");
        if (seed_s && parse_u64(seed_s, &seed) != C_OK)
            return usage_error(usage, "invalid --seed: %s", seed_s);
        const char *err;
        if (invgen_write(stdout, country, count, seed, &err) != C_OK) {
            cli_err("inventory generate", "%s", err);
            return country ? EXIT_USAGE : 1;
        }
        if (fflush(stdout) != 0) {
            cli_err("inventory generate", "write error");
            return 1;
        }
        return 0;
    }
    if (strcmp(sub, "stats") == 0) {
        if (idx_ != argc) return usage_error(usage, "unexpected argument: %s", argv[idx_]);
        core_t core;
        cerr_t e;
        if (cli_open_existing(db, &core) != C_OK) return 1;
        json_line_t l;
        json_list_t jl = {NULL, 0};
        if (json) {
            jl.w = json_begin(&l);
            jw_obj(jl.w);
            jw_key(jl.w, "data");
            jw_arr(jl.w);
        } else {
            printf("country\ttype\tstate\tcount\n");
        }
        int rc = inv_stats(&core, json ? json_stats_row : print_stats_row, json ? &jl : NULL, &e);
        cli_close_core(&core);
        if (json) {
            jw_arr_end(jl.w);
            jw_kint(jl.w, "total", jl.n);
            jw_obj_end(jl.w);
            if (rc == C_OK) json_end(&l, stdout);
            else buf_free(&l.b);
        }
        if (rc != C_OK) {
            cli_err("inventory stats", "%s", e.msg);
            return 1;
        }
        return 0;
    }
    if (strcmp(sub, "import") == 0) {
        if (idx_ + 1 != argc) return usage_error(usage, "import needs exactly one FILE.csv");
        const char *path = argv[idx_];
        FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
        if (!in) {
            cli_err("inventory import", "cannot open %s", path);
            return 1;
        }
        struct stat sb;
        uint64_t size = (fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode)) ? (uint64_t)sb.st_size : 0;
        core_t core;
        if (cli_open_core(db, &core) != C_OK) {
            if (in != stdin) fclose(in);
            return 1;
        }
        inv_result_t res = {0};
        cerr_t e;
        int rc = cli_import_stream(&core, in, size, dry, isatty(2) != 0, &res, &e);
        if (in != stdin) fclose(in);
        cli_close_core(&core);
        if (rc != C_OK) {
            cli_err("inventory import", "%s", e.msg);
            return 1;
        }
        cli_print_import_result(stdout, &res, dry);
        /* a script must notice rows that did not go in */
        int ret = res.rejected_count > 0 && !allow_rej ? EXIT_REJECTED : 0;
        if (ret) cli_err("inventory import", "%llu row(s) rejected (listed above; "
                         "--allow-rejected exits 0 all the same)",
                         (unsigned long long)res.rejected_count);
        inv_result_free(&res);
        return ret;
    }
    return usage_error(usage, "unknown inventory subcommand: %s", sub);
}

/* ---- compliance, number ---- */

static int cmd_compliance(int argc, char **argv)
{
    static const char *usage =
        "usage: numberd compliance create --account AUTH_ID --country CC --type TYPE [--db URL]\n"
        "\n"
        "Records an approved compliance record (TYPE: local, national, mobile,\n"
        "tollfree, fixed) and prints {\"compliance_id\"}.  Numbers with a\n"
        "restriction are bought active when their account has one.\n";
    const char *db = NULL, *account = NULL, *country = NULL, *type = NULL;
    opt_t opts[] = {CLI_OPT("account", &account, NULL, NULL),
                    CLI_OPT("country", &country, NULL, NULL),
                    CLI_OPT("type", &type, NULL, NULL)};
    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            fputs(usage, stdout);
            return 0;
        }
        return usage_error(usage, "compliance needs the subcommand create");
    }
    argc--;
    argv++;
    PARSE(usage, opts, db);
    if (idx_ != argc) return usage_error(usage, "unexpected argument: %s", argv[idx_]);
    if (!account || !country || !type)
        return usage_error(usage, "compliance create needs --account, --country and --type");
    core_t core;
    if (cli_open_core(db, &core) != C_OK) return 1;
    char id[IDS_UUID_SZ];
    cerr_t e;
    int rc = compliance_create(&core, account, country, type, id, &e);
    cli_close_core(&core);
    if (rc != C_OK) {
        cli_err("compliance create", "%s", e.msg);
        return e.code == CE_INVALID ? EXIT_USAGE : 1;
    }
    json_line_t l;
    jw_t *w = json_begin(&l);
    jw_obj(w);
    jw_kstr(w, "compliance_id", id);
    jw_obj_end(w);
    json_end(&l, stdout);
    return 0;
}

static int cmd_number(int argc, char **argv)
{
    static const char *usage =
        "usage: numberd number approve NUMBER [--db URL]\n"
        "       numberd number set-status NUMBER [--tendlc-status S] [--tendlc-campaign ID]\n"
        "                             [--tf-verification S] [--caller-reputation S] [--db URL]\n"
        "\n"
        "approve     makes a pending number (bought without an approved compliance\n"
        "            record) active.\n"
        "set-status  records statuses that outside processes report for an owned\n"
        "            number (an empty value clears one):\n"
        "              --tendlc-status      UNREGISTERED, PROCESSING, COMPLETED\n"
        "              --tendlc-campaign    the 10DLC campaign id\n"
        "              --tf-verification    UNVERIFIED, PENDING_VERIFICATION, VERIFIED\n"
        "              --caller-reputation  PENDING, ACTIVE, FAILED, NOT_ENROLLED\n";
    const char *db = NULL;
    numstatus_in_t st_in = {0};
    opt_t opts[] = {CLI_OPT("tendlc-status", &st_in.tendlc_registration_status, NULL, NULL),
                    CLI_OPT("tendlc-campaign", &st_in.tendlc_campaign_id, NULL, NULL),
                    CLI_OPT("tf-verification", &st_in.toll_free_sms_verification, NULL, NULL),
                    CLI_OPT("caller-reputation", &st_in.caller_reputation_status, NULL, NULL)};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc >= 2) { fputs(usage, stdout); return 0; }
        return usage_error(usage, "number needs a subcommand: approve or set-status");
    }
    const char *sub = argv[1];
    bool approve = strcmp(sub, "approve") == 0;
    if (!approve && strcmp(sub, "set-status") != 0)
        return usage_error(usage, "unknown number subcommand: %s", sub);
    argc--;
    argv++;
    PARSE_N(usage, opts, approve ? 0 : ND_ARRAY_LEN(opts), db);
    if (idx_ + 1 != argc) return usage_error(usage, "number %s needs exactly one NUMBER", sub);
    if (!approve && !st_in.tendlc_registration_status && !st_in.tendlc_campaign_id &&
        !st_in.toll_free_sms_verification && !st_in.caller_reputation_status)
        return usage_error(usage, "set-status needs at least one status option");
    core_t core;
    if (cli_open_core(db, &core) != C_OK) return 1;
    cerr_t e;
    owned_number_t *n = xmalloc(sizeof *n);
    int rc = approve ? num_approve(&core, argv[idx_], &e) : num_set_status(&core, argv[idx_], &st_in, n, &e);
    cli_close_core(&core);
    if (rc != C_OK) {
        free(n);
        cli_err(approve ? "number approve" : "number set-status", "%s", e.msg);
        return e.code == CE_INVALID ? EXIT_USAGE : 1;
    }
    json_line_t l;
    jw_t *w = json_begin(&l);
    jw_obj(w);
    if (approve) {
        char number[E164_BUFSZ];
        e164_parse(argv[idx_], number, NULL); /* num_approve accepted it */
        jw_kstr(w, "number", number);
        jw_kstr(w, "status", "active");
    } else {
        jw_kstr_or_null(w, "number", n->inv.number);
        jw_kstr_or_null(w, "tendlc_registration_status", n->tendlc_registration_status);
        jw_kstr_or_null(w, "tendlc_campaign_id", n->tendlc_campaign_id);
        jw_kstr_or_null(w, "toll_free_sms_verification", n->toll_free_sms_verification);
        jw_kstr_or_null(w, "caller_reputation_status", n->caller_reputation_status);
    }
    jw_obj_end(w);
    json_end(&l, stdout);
    free(n);
    return 0;
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
    if (cli_open_core(db, &core) != C_OK) return 1;
    cli_close_core(&core);
    printf("schema is up to date\n");
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
    } cmds[] = {{"serve", cli_serve},         {"account", cmd_account},
                {"apikey", cmd_apikey},       {"inventory", cmd_inventory},
                {"compliance", cmd_compliance}, {"number", cmd_number},
                {"migrate", cmd_migrate},     {"routes", cmd_routes},
                {"carrier", cli_carrier},     {"events", cli_events}};
    for (size_t i = 0; i < ND_ARRAY_LEN(cmds); i++)
        if (strcmp(cmd, cmds[i].name) == 0) {
            cli_actor_set(); /* the event log's actor of what this command changes */
            return cmds[i].fn(argc - 1, argv + 1);
        }
    fprintf(stderr, "numberd: usage: unknown command: %s (see numberd --help)\n", cmd);
    return EXIT_USAGE;
}
