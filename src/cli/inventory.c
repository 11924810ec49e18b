/* inventory.c -- `numberd inventory import|export|generate|stats`: the
 * operator's number inventory (core/inventory.h, core/invgen.h), and the
 * streamed import serve's startup shares (cli_import_stream). */
#include "cli/cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/api.h"
#include "core/country.h"
#include "core/inventory.h"
#include "core/invgen.h"
#include "core/numbers.h"

/* ---- inventory ---- */

/* SIGINT and SIGTERM both go to fn (flags: sigaction's) while an import
 * or an export runs; what they did before is kept in old and given back
 * by signals_restore. */
typedef struct {
    struct sigaction intr, term;
} signals_t;

static void signals_set(void (*fn)(int), int flags, signals_t *old)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old->intr);
    sigaction(SIGTERM, &sa, &old->term);
}

static void signals_restore(const signals_t *old)
{
    sigaction(SIGINT, &old->intr, NULL);
    sigaction(SIGTERM, &old->term, NULL);
}

/* An import's stop flag (cli_import_stream's): set by SIGINT or SIGTERM. */
static volatile sig_atomic_t g_stop;

static void on_stop_signal(int sig)
{
    ND_UNUSED(sig);
    g_stop = 1;
}

typedef struct {
    uint64_t size;
    int last_pct;
    bool writing;                 /* the phase last drawn */
    uint64_t last_rows;
    unsigned spin;
} progress_t;

/* One line on stderr, redrawn: while the file is read, its bytes (a bar
 * when its size is known, else a spinner) and the valid rows so far; then,
 * while the rows held are written in number order, the rows written of
 * those -- the longer phase of a big import, which sat at "99%" with no
 * word before (a helper's audit, session 38). */
static void draw_progress(bool writing, uint64_t bytes, uint64_t rows, uint64_t of, void *ud)
{
    progress_t *p = ud;
    if (writing != p->writing) {
        p->writing = writing;
        p->last_pct = -1;
        p->last_rows = 0;
    }
    int pct;
    if (writing) {
        if (of == 0) { /* rows written as they come (paced): no total */
            if (rows - p->last_rows < 4096 && p->last_pct >= 0) return;
            p->last_rows = rows;
            p->last_pct = 0;
            fprintf(stderr, "\r\033[Kwriting  %llu rows", (unsigned long long)rows);
            fflush(stderr);
            return;
        }
        pct = (int)(rows * 100 / of);
    } else if (p->size == 0) {
        /* stdin or a pipe: no size, so no percentage -- a spinner, the
         * bytes and rows so far, redrawn every 4,096 rows */
        static const char spin[] = "|/-\\";
        if (rows - p->last_rows < 4096 && p->last_pct >= 0) return;
        p->last_rows = rows;
        p->last_pct = 0;
        fprintf(stderr, "\r\033[Kreading [%c] %8.1f MiB  %llu rows", spin[p->spin++ % 4],
                (double)bytes / (1024.0 * 1024.0), (unsigned long long)rows);
        fflush(stderr);
        return;
    } else {
        pct = (int)(bytes * 100 / p->size);
    }
    if (pct > 100) pct = 100;
    if (pct == p->last_pct && !(writing && rows == of) && !(!writing && bytes == p->size)) return;
    p->last_pct = pct;
    char bar[41];
    int fill = pct * 40 / 100;
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, ' ', (size_t)(40 - fill));
    bar[40] = '\0';
    if (writing)
        fprintf(stderr, "\r\033[Kwriting [%s] %3d%%  %llu of %llu rows", bar, pct,
                (unsigned long long)rows, (unsigned long long)of);
    else
        fprintf(stderr, "\r\033[Kreading [%s] %3d%%  %llu rows", bar, pct, (unsigned long long)rows);
    fflush(stderr);
}

int cli_import_stream(core_t *core, FILE *in, uint64_t size, bool dry_run, bool progress,
                      const volatile sig_atomic_t *stop, inv_result_t *res, cerr_t *e)
{
    inv_import_t *im;
    progress_t p = {.size = size, .last_pct = -1};
    if (inv_import_begin(core, dry_run, &im, e) != C_OK) return C_ERR;
    if (progress) inv_import_progress(im, draw_progress, &p);
    if (stop) inv_import_watch(im, stop);
    char *chunk = xmalloc(1 << 16);
    size_t n;
    int rc = C_OK;
    while (!(stop && *stop) && (n = fread(chunk, 1, 1 << 16, in)) > 0) {
        if (inv_import_feed(im, chunk, n, e) != C_OK) {
            rc = C_ERR;
            break;
        }
    }
    free(chunk);
    if (rc == C_OK && !(stop && *stop) && ferror(in)) {
        cerr(e, CE_INTERNAL, "read error: %s", strerror(errno));
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
    cli_json_t l;
    api_render_import_result(cli_json_begin(&l), res, dry_run);
    cli_json_end(&l, out);
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
    cli_jlist_t *jl = ud;
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

/* An export to a file interrupted (SIGINT, SIGTERM): its temporary file
 * is removed and the old file kept, said on stderr, exit 130 -- from the
 * handler, with async-signal-safe calls only (the export only reads, so
 * nothing is left half done).  Before, a 50 MB FILE.XXXXXX stayed behind
 * (a helper's audit, session 38). */
static char g_export_tmp[4096];

static void on_export_signal(int sig)
{
    ND_UNUSED(sig);
    if (g_export_tmp[0]) unlink(g_export_tmp);
    static const char msg[] = "numberd: inventory export: interrupted: nothing written (an "
                              "existing file is kept as it was)\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    _exit(EXIT_INTERRUPTED);
}

/* inventory export: CSV to stdout or to -o FILE.  A regular FILE (or a
 * new one) is written as a temporary file beside it, synced, and renamed
 * over it only when the export succeeded: a failed export (a full disk,
 * the database gone) leaves yesterday's backup as it was, never a half
 * file that looks like one.  The new file keeps the old one's mode and
 * owner; a symlink's target is what is replaced (the link stays).  Anything
 * else -o names (a FIFO, /dev/stdout), or a FILE in a directory where no
 * temporary file can be made, is written in place and never removed. */
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
    struct stat sb;
    /* what is replaced: FILE, or the file its symlink names */
    char *target = to_file ? realpath(out_s, NULL) : NULL;
    const char *path = target ? target : out_s;
    bool exists = to_file && stat(path, &sb) == 0;
    bool in_place = exists && !S_ISREG(sb.st_mode);
    core_t core;
    FILE *out = stdout;
    char *vbuf = NULL, *tmp = NULL;
    uint64_t rows = 0;
    cerr_t e;
    signals_t old_sig;
    if (cli_open_existing(db, &core) != C_OK) {
        free(target);
        return 1;
    }
    int fd = -1;
    if (to_file && !in_place) {
        tmp = xasprintf("%s.XXXXXX", path);
        /* the signals wait while the file is made and named to the handler:
         * installed after it, a Ctrl-C in between killed the export and
         * left FILE.XXXXXX behind (cli_behaves.test.js met it, session 40) */
        sigset_t stop, prev;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        sigprocmask(SIG_BLOCK, &stop, &prev);
        fd = mkstemp(tmp);
        if (fd >= 0 && strlen(tmp) < sizeof g_export_tmp) {
            memcpy(g_export_tmp, tmp, strlen(tmp) + 1);
            signals_set(on_export_signal, 0, &old_sig);
        }
        sigprocmask(SIG_SETMASK, &prev, NULL);
        if (fd < 0) {
            int err = errno;
            free(tmp);
            tmp = NULL;
            if (!(exists && (err == EACCES || err == EROFS || err == EPERM))) {
                cli_err("inventory export", "cannot create %s: %s", out_s, strerror(err));
                out = NULL;
                goto done;
            }
            in_place = true; /* no file can be made beside it, but it may be writable */
        }
    }
    if (to_file && in_place) {
        if ((out = fopen(out_s, "w")) == NULL) {
            cli_err("inventory export", "cannot open %s: %s", out_s, strerror(errno));
            goto done;
        }
    } else if (to_file) {
        /* the old file's mode and owner (an owner only root may give is
         * left as it is); a new file: the mode fopen would have given it
         * (mkstemp's is 0600) */
        mode_t um = umask(0);
        umask(um);
        mode_t mode = exists ? (sb.st_mode & 07777) : (0666 & ~um);
        if (exists && fchown(fd, sb.st_uid, sb.st_gid) != 0) { /* not ours to give */ }
        if (fchmod(fd, mode) != 0 || (out = fdopen(fd, "w")) == NULL) {
            cli_err("inventory export", "cannot create %s: %s", out_s, strerror(errno));
            close(fd);
            out = NULL;
            goto done;
        }
    }
    /* large writes: one syscall per MiB, not per row */
    vbuf = xmalloc(1 << 20);
    setvbuf(out, vbuf, _IOFBF, 1 << 20);
    if (inv_export(&core, ct ? ct->iso : NULL, state, out, &rows, &e) != C_OK) {
        int err = errno;
        bool io = ferror(out) != 0;
        cli_err("inventory export", "%s%s%s%s%s", e.msg, to_file ? " writing " : "",
                to_file ? out_s : "", io && err ? ": " : "", io && err ? strerror(err) : "");
        goto done;
    }
    ret = 0;
done:
    if (to_file && out) {
        /* flushed and on disk before it replaces anything */
        if (ret == 0 && (fflush(out) != 0 || (tmp && fsync(fileno(out)) != 0))) {
            cli_err("inventory export", "write error on %s: %s", out_s, strerror(errno));
            ret = 1;
        }
        if (fclose(out) != 0 && ret == 0) {
            cli_err("inventory export", "write error on %s: %s", out_s, strerror(errno));
            ret = 1;
        }
        if (tmp && ret == 0 && rename(tmp, path) != 0) {
            cli_err("inventory export", "cannot rename %s to %s: %s", tmp, path, strerror(errno));
            ret = 1;
        }
    } else if (out == stdout) {
        fflush(stdout);
        setvbuf(stdout, NULL, _IOLBF, 0); /* vbuf is freed below */
    }
    if (g_export_tmp[0]) { /* renamed or to be removed below: the handler's job is done */
        signals_restore(&old_sig);
        g_export_tmp[0] = '\0';
    }
    if (tmp && ret != 0) unlink(tmp);
    free(tmp);
    free(target);
    free(vbuf);
    cli_close_core(&core);
    if (ret == 0 && to_file) {
        cli_json_t l;
        jw_t *w = cli_json_begin(&l);
        jw_obj(w);
        jw_kint(w, "exported", (int64_t)rows);
        jw_obj_end(w);
        cli_json_end(&l, stdout);
    }
    return ret;
}

int cli_inventory(int argc, char **argv)
{
    static const char *usage =
        "usage: numberd inventory import FILE.csv [--dry-run] [--allow-rejected] [--db URL]\n"
        "       numberd inventory generate --count N [--country CC] [--seed S]\n"
        "       numberd inventory export [--country CC] [--state STATE] [-o FILE] [--db URL]\n"
        "       numberd inventory stats [--json] [--db URL]\n"
        "\n"
        "import    loads an inventory CSV (columns: numberd(1), INVENTORY CSV; '-'\n"
        "          reads stdin) in one streaming pass and prints {\"imported\" (new rows),\n"
        "          \"updated\" (rows already there, changed or not), \"rejected\" (a list:\n"
        "          each bad row's line and reason), \"rejected_count\", \"dry_run\"}; the\n"
        "          other rows are imported.\n"
        "          --dry-run validates without writing.  A progress bar is drawn on a\n"
        "          terminal: reading (for stdin: rows and bytes read), then writing.\n"
        "          Exit status 3 when rows were rejected (the others are in), unless\n"
        "          --allow-rejected.  Ctrl-C stops it keeping what it wrote (said, and\n"
        "          \"interrupted\": true; exit 130): the same file again finishes it.\n"
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
        "stats, export and import --dry-run never create a database: a --db naming no\n"
        "file is an error.  -o FILE is replaced only by a complete export (a failed one\n"
        "leaves the previous FILE).\n";
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
    /* an option of another subcommand is an error, never ignored: an
     * import given --country would otherwise load every country's rows */
    bool generating = strcmp(sub, "generate") == 0;
    if (!generating && (count_s || seed_s))
        return usage_error(usage, "--count and --seed belong to inventory generate");
    if (country && !generating && !exporting)
        return usage_error(usage, "--country belongs to inventory generate and export");
    if (dry && strcmp(sub, "import") != 0)
        return usage_error(usage, "--dry-run belongs to inventory import");

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
        cli_json_t l;
        cli_jlist_t jl = {NULL, 0};
        if (json) {
            jl.w = cli_json_begin(&l);
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
            if (rc == C_OK) cli_json_end(&l, stdout);
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
            cli_err("inventory import", "cannot open %s: %s", path, strerror(errno));
            return 1;
        }
        struct stat sb;
        uint64_t size = (fstat(fileno(in), &sb) == 0 && S_ISREG(sb.st_mode)) ? (uint64_t)sb.st_size : 0;
        core_t core;
        /* an SQLite file this import makes: removed again if the import
         * fails before writing a row (a wrong header into a mistyped --db
         * left a new empty database behind: a helper's audit, session 38) */
        struct stat dbs;
        bool made = !dry && !core_url_is_postgres(db) && strcmp(db, ":memory:") != 0 &&
                    stat(db, &dbs) != 0 && errno == ENOENT;
        /* a dry run writes nothing: not even a new database */
        if ((dry ? cli_open_existing(db, &core) : cli_open_core(db, &core)) != C_OK) {
            if (in != stdin) fclose(in);
            return 1;
        }
        inv_result_t res = {0};
        cerr_t e;
        /* Ctrl-C (or a TERM) stops the import where it is and keeps what
         * it wrote, with its carriers and its event; a second one ends the
         * process at once (SA_RESETHAND) */
        signals_t old_sig;
        g_stop = 0;
        signals_set(on_stop_signal, SA_RESETHAND, &old_sig);
        int rc = cli_import_stream(&core, in, size, dry, isatty(2) != 0, &g_stop, &res, &e);
        signals_restore(&old_sig);
        if (in != stdin) fclose(in);
        cli_close_core(&core);
        if (rc != C_OK) {
            /* only for the file's own fault (its header, an empty file):
             * nothing was written then; a fault after some batches
             * committed keeps them, as said */
            if (made && e.code == CE_INVALID && unlink(db) == 0)
                cli_err("inventory import", "%s (the new database %s was removed again)", e.msg, db);
            else
                cli_err("inventory import", "%s", e.msg);
            return 1;
        }
        cli_print_import_result(stdout, &res, dry);
        if (res.interrupted) {
            if (res.imported + res.updated == 0)
                cli_err("inventory import", "interrupted before any row was written: nothing changed");
            else
                cli_err("inventory import", "interrupted: %llu new and %llu updated row(s) were %s; "
                        "import the same file again to finish (its rows are then updated)",
                        (unsigned long long)res.imported, (unsigned long long)res.updated,
                        dry ? "counted (a dry run: nothing written)" : "committed");
            inv_result_free(&res);
            return EXIT_INTERRUPTED;
        }
        /* a script must notice rows that did not go in */
        int ret = res.rejected_count > 0 && !allow_rej ? EXIT_REJECTED : 0;
        if (ret) cli_err("inventory import", "%llu row(s) rejected (the first %zu in the result's "
                         "\"rejected\", with their lines; --allow-rejected exits 0 all the same)",
                         (unsigned long long)res.rejected_count, res.nrejected);
        inv_result_free(&res);
        return ret;
    }
    return usage_error(usage, "unknown inventory subcommand: %s", sub);
}

