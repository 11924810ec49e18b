/* number.c -- `numberd compliance create` and `numberd number
 * approve|set-status`: the operator's actions on compliance records and
 * owned numbers (core/owned.h, core/numbers.h). */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/accounts.h"
#include "core/e164.h"
#include "core/numbers.h"
#include "core/owned.h"
#include "util/jw.h"

/* ---- compliance, number ---- */

int cli_compliance(int argc, char **argv)
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
    if (cli_open_existing(db, &core) != C_OK) return 1;
    char id[IDS_UUID_SZ];
    cerr_t e;
    int rc = compliance_create(&core, account, country, type, id, &e);
    cli_close_core(&core);
    if (rc != C_OK) {
        cli_err("compliance create", "%s", e.msg);
        return e.code == CE_INVALID ? EXIT_USAGE : 1;
    }
    cli_json_t l;
    jw_t *w = cli_json_begin(&l);
    jw_obj(w);
    jw_kstr(w, "compliance_id", id);
    jw_obj_end(w);
    cli_json_end(&l, stdout);
    return 0;
}

int cli_number(int argc, char **argv)
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
    if (cli_open_existing(db, &core) != C_OK) return 1;
    cerr_t e;
    owned_number_t *n = xmalloc(sizeof *n);
    int rc = approve ? num_approve(&core, argv[idx_], &e)
                     : num_set_status(&core, argv[idx_], &st_in, n, NULL, &e);
    cli_close_core(&core);
    if (rc != C_OK) {
        free(n);
        cli_err(approve ? "number approve" : "number set-status", "%s", e.msg);
        return e.code == CE_INVALID ? EXIT_USAGE : 1;
    }
    cli_json_t l;
    jw_t *w = cli_json_begin(&l);
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
    cli_json_end(&l, stdout);
    free(n);
    return 0;
}
