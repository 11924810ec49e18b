/* account.c -- `numberd account` and `numberd apikey`: main accounts and
 * their credentials, through core/accounts.h and core/credentials.h (the
 * same functions as the admin API and /v1/phone-numbers/api-keys). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/accounts.h"
#include "core/credentials.h"
#include "util/clock.h"

/* ---- account ---- */

static int print_account_line(const account_t *a, void *ud)
{
    ND_UNUSED(ud);
    char ts[CLOCK_TS_SZ];
    clock_ts(a->created_at, ts);
    printf("%-20s  %-9s  %-20s  %s\n", a->auth_id, cred_status_name(a->status), ts, a->name);
    return C_OK;
}

static int json_account(const account_t *a, void *ud)
{
    cli_jlist_t *jl = ud;
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

int cli_account(int argc, char **argv)
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
        cli_json_t l;
        api_render_account_created(cli_json_begin(&l), &a);
        cli_json_end(&l, stdout);
        ids_wipe(&a, sizeof a);
        return 0;
    }
    if (listing) {
        if (idx_ != argc) return usage_error(usage, "unexpected argument: %s", argv[idx_]);
        if (cli_open_existing(db, &core) != C_OK) return 1;
        int64_t n = 0;
        if (json) {
            cli_json_t l;
            jw_t *w = cli_json_begin(&l);
            jw_obj(w);
            jw_key(w, "data");
            jw_arr(w);
            cli_jlist_t jl = {w, 0};
            rc = acct_list(&core, json_account, &jl, &e);
            n = jl.n;
            jw_arr_end(w);
            jw_kint(w, "total", n);
            jw_obj_end(w);
            if (rc == C_OK) cli_json_end(&l, stdout);
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
    cli_json_t l;
    jw_t *w = cli_json_begin(&l);
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
    cli_json_end(&l, stdout);
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
    if (k->scopes & SCOPE_WEBHOOKS) strcat(scopes, "h");
    printf("%-6lld %-13s %-8s %-4s %-20s %-20s %-20s %s\n", (long long)k->id,
           k->prefix[0] ? k->prefix : "-", state, scopes, c, x, u, k->label);
}

int cli_apikey(int argc, char **argv)
{
    static const char *usage =
        "usage: numberd apikey create --account AUTH_ID [--scopes SCOPES] [--label TEXT]\n"
        "                             [--expires-in DURATION] [--db URL]\n"
        "       numberd apikey list --account AUTH_ID [--json] [--db URL]\n"
        "       numberd apikey revoke --account AUTH_ID KEY_ID [--db URL]\n"
        "\n"
        "create  prints {\"api_key\", \"id\", \"prefix\", \"label\", \"scopes\", ...}: the key\n"
        "        is shown only this once (only its hash is stored).  SCOPES: a comma\n"
        "        list of phone_numbers:read, phone_numbers:write, api_keys:manage,\n"
        "        webhooks:manage (default the first two).  DURATION: seconds, or a\n"
        "        number with s, m, h or d (30d); without it the key never expires.\n"
        "list    the account's keys, newest first, revoked ones included: id,\n"
        "        prefix, state, scopes (r, w, k, h: read, write, keys, webhooks),\n"
        "        created, expires, last used, label.  --json prints {\"data\": [...],\n"
        "        \"total\"} instead.\n"
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
        /* a key needs its account: a mistyped --db is an error, not a new database */
        if (cli_open_existing(db, &core) != C_OK) return 1;
        char key[IDS_APIKEY_SZ];
        apikey_t k;
        rc = cred_key_create(&core, account, scopes, label, expires_in, 0, &k, key, &e);
        cli_close_core(&core);
        if (rc != C_OK) {
            cli_err("apikey create", "%s", e.msg);
            return e.code == CE_INVALID ? EXIT_USAGE : 1;
        }
        cli_json_t l;
        api_render_apikey(cli_json_begin(&l), &k, key);
        cli_json_end(&l, stdout);
        ids_wipe(key, sizeof key);
        return 0;
    }
    if (cli_open_existing(db, &core) != C_OK) return 1;
    if (revoking) {
        rc = cred_key_revoke(&core, account, argv[idx_], SCOPE_ALL, &e);
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
    cli_json_t l;
    jw_t *w = NULL;
    if (json) {
        w = cli_json_begin(&l);
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
        if (rc == C_OK) cli_json_end(&l, stdout);
        else buf_free(&l.b);
    }
    if (rc != C_OK) {
        cli_err("apikey list", "%s", e.msg);
        return 1;
    }
    return 0;
}

