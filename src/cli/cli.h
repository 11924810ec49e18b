/* cli.h -- the numberd command line (CLI.md).  Exit status: 0 success,
 * 1 runtime failure, 2 usage error, 3 rows rejected by an import; errors are one line on stderr:
 * "numberd: <what failed>: <why>". */
#ifndef ND_CLI_H
#define ND_CLI_H

#include <getopt.h> /* required_argument, no_argument in option tables */
#include <signal.h>
#include <stdio.h>

#include "core/inventory.h"
#include "util/buf.h"
#include "util/jw.h"

#define EXIT_USAGE 2
#define EXIT_REJECTED 3   /* inventory import: some rows were rejected */
#define EXIT_INTERRUPTED 130 /* inventory import stopped by SIGINT/SIGTERM: what it wrote kept */

int cli_main(int argc, char **argv);

/* Shared by subcommands (cli.c). */
void cli_err(const char *what, const char *fmt, ...) ND_PRINTF(2, 3);
/* Opens the store named by db (--db, NUMBERD_DB or its default: what
 * cli_parse_opts gives) and applies migrations. */
int cli_open_core(const char *db, core_t *core);
/* cli_open_core, and how many migrations it applied in *nmig. */
int cli_open_core_applied(const char *db, core_t *core, int *nmig);
/* The same for a command that reads or changes what exists: an SQLite
 * file that does not exist is an error (never created). */
int cli_open_existing(const char *db, core_t *core);
/* Loads the server key (NUMBERD_SECRET_KEY, else key_file, else the file
 * "<db>.key", generated on first start) into core->key and checks it
 * against the database's fingerprint.  cli_close_core frees it. */
int cli_load_key(const char *db, const char *key_file, core_t *core);
void cli_close_core(core_t *core);
/* Streams a CSV file (or "-" for stdin) through an import; progress on a
 * terminal.  Prints nothing; fills res.  stop (NULL: none): a signal
 * handler's flag; once set, the import stops and keeps what it wrote
 * (res->interrupted: inv_import_watch). */
int cli_import_stream(core_t *core, FILE *in, uint64_t size, bool dry_run, bool progress,
                      const volatile sig_atomic_t *stop, inv_result_t *res, cerr_t *e);
void cli_print_import_result(FILE *out, const inv_result_t *res, bool dry_run);

/* Options: --db and --help are always known; an option whose name is one
 * letter ("o") is the short option -o.  Each option is named once, in its
 * table entry, with where its value goes, the environment variable read
 * when it is not given and the default when neither is: a string option
 * takes the variable's value (unless empty), a flag "1"/"true" or
 * "0"/"false" (anything else is a usage error).  --db is NUMBERD_DB, then
 * numberd.db; *db always gets a value.  Returns the index of the first
 * operand, -1 after printing --help, -2 after a usage error. */
typedef struct {
    const char *name;
    int has_arg;        /* no_argument / required_argument (getopt.h) */
    const char **dst;   /* string option */
    bool *flag;         /* flag option */
    const char *env;    /* NULL: none */
    const char *dflt;   /* string options; NULL: none */
} opt_t;
/* A string option (env and dflt may be NULL), a flag option. */
#define CLI_OPT(n, d, e, def) {.name = n, .has_arg = required_argument, .dst = d, .env = e, .dflt = def}
#define CLI_FLAG(n, f, e) {.name = n, .has_arg = no_argument, .flag = f, .env = e}
int cli_parse_opts(int argc, char **argv, const char *usage, opt_t *opts, size_t nopts,
                   const char **db);
/* Prints "numberd: usage: ..." and the usage text; returns EXIT_USAGE. */
int usage_error(const char *usage, const char *fmt, ...) ND_PRINTF(2, 3);
/* The usual start of a command: parse argc/argv with opts into the
 * command's variables and db; returns from the command after --help (0) or
 * a usage error (EXIT_USAGE); else idx_ is the index of the first operand. */
#define PARSE_N(usage, opts, nopts, db)                                                          \
    int idx_ = cli_parse_opts(argc, argv, usage, opts, nopts, &(db));                          \
    if (idx_ == -1) return 0;                                                                  \
    if (idx_ == -2) return EXIT_USAGE;
#define PARSE(usage, opts, db) PARSE_N(usage, opts, ND_ARRAY_LEN(opts), db)

/* Output: every answer is one line of JSON, written with jw into a buffer
 * of the caller's cli_json_t.  cli_json_end prints it and a newline on
 * out, then wipes it (it may hold a secret shown this once) and frees it;
 * after a failure, buf_free(&l.b) drops it unprinted. */
typedef struct {
    buf_t b;
    jw_t w;
} cli_json_t;
jw_t *cli_json_begin(cli_json_t *l);
void cli_json_end(cli_json_t *l, FILE *out);
/* A JSON list being written by a row callback: n counts what it wrote. */
typedef struct {
    jw_t *w;
    int64_t n;
} cli_jlist_t;

/* account, apikey (account.c) */
int cli_account(int argc, char **argv);
int cli_apikey(int argc, char **argv);

/* inventory import|export|generate|stats (inventory.c) */
int cli_inventory(int argc, char **argv);

/* compliance create, number approve|set-status (number.c) */
int cli_compliance(int argc, char **argv);
int cli_number(int argc, char **argv);

/* carrier add|list|show|update|delete (carrier.c) */
int cli_carrier(int argc, char **argv);

/* events: the event log, read-only, --follow polls (events.c) */
int cli_events(int argc, char **argv);
/* Names the calling user ("cli", the login name) as the event log's actor
 * of what a command changes (events.c). */
void cli_actor_set(void);

/* serve (serve.c) */
int cli_serve(int argc, char **argv);

#endif
