/* carrier.c -- `numberd carrier add|list|show|update|delete`: the
 * operator's upstream carriers (SIP.md §1), through core/upstream.c like
 * /admin/v1/carriers, printed as that API shows them (one JSON line each).
 *
 * Gateways are given as two lists, the way an operator reads a carrier's
 * interconnection sheet: --inbound (addresses or CIDR ranges calls come
 * from) and --outbound (where calls go: host or IP, optional port).  An
 * address in both lists with the same port is one gateway, both ways. */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "core/registrations.h"
#include "core/upstream.h"
#include "util/buf.h"
#include "util/jw.h"

static const char *k_usage =
    "usage: numberd carrier add NAME [--inbound LIST] [--outbound LIST]\n"
    "                           [--out-user U --out-password-file F [--out-realm R]] [--db URL]\n"
    "       numberd carrier list [--db URL]\n"
    "       numberd carrier show ID|NAME [--db URL]\n"
    "       numberd carrier update ID|NAME [--name NAME] [--inbound LIST] [--outbound LIST]\n"
    "                           [--out-user U] [--out-password-file F] [--out-realm R]\n"
    "                           [--no-outbound-auth] [--db URL]\n"
    "       numberd carrier delete ID|NAME [--db URL]\n"
    "\n"
    "The operator's upstream carriers: the inventory CSV's carrier column names\n"
    "them (an import creates a missing one, without gateways).\n"
    "  --inbound LIST    comma-separated addresses or CIDR ranges the carrier's calls\n"
    "                    come from (203.0.113.0/24,2001:db8::/48)\n"
    "  --outbound LIST   comma-separated HOST[:PORT] to send calls to ([v6]:port)\n"
    "                    On update, giving either list replaces all the gateways.\n"
    "  --out-user, --out-password-file, --out-realm\n"
    "                    digest credentials for calls sent to the carrier; the\n"
    "                    password is read from the file's first line (never argv)\n"
    "                    and sealed with the server key (--secret-key-file or\n"
    "                    NUMBERD_SECRET_KEY, as serve).\n"
    "Each prints the carrier as JSON (list: one line per carrier); delete prints\n"
    "nothing and is refused while inventory numbers name the carrier.\n";

/* "host[:port]" / "[v6]:port" / "v6" / "a.b.c.d/len" into address and port
 * (-1: not given); the strings point into buf. */
static int split_port(char *item, const char **addr, int *port)
{
    *port = -1;
    char *colon;
    if (item[0] == '[') {
        char *end = strchr(item, ']');
        if (!end) return C_ERR;
        *end = '\0';
        *addr = item + 1;
        if (end[1] == '\0') return C_OK;
        if (end[1] != ':') return C_ERR;
        colon = end + 1;
    } else {
        colon = strchr(item, ':');
        if (colon && strchr(colon + 1, ':')) { /* a bare IPv6 address */
            *addr = item;
            return C_OK;
        }
        *addr = item;
        if (!colon) return C_OK;
        *colon = '\0';
    }
    char *endp;
    long p = strtol(colon + 1, &endp, 10);
    if (*endp || p < 1 || p > 65535 || colon[1] == '\0') return C_ERR;
    *port = (int)p;
    return C_OK;
}

/* Builds the gateway list from the two options (gw: caller frees; it
 * points into copies in *bufs, caller frees too). */
static int gateways(const char *inbound, const char *outbound, upstream_gw_in_t **gw, size_t *n,
                    char **bufs)
{
    size_t cap = CARRIER_MAX_GATEWAYS + 1;
    *gw = xcalloc(cap, sizeof **gw);
    *n = 0;
    bufs[0] = inbound ? xstrdup(inbound) : NULL;
    bufs[1] = outbound ? xstrdup(outbound) : NULL;
    for (int dir = 0; dir < 2; dir++) {
        char *save = NULL;
        for (char *it = bufs[dir] ? strtok_r(bufs[dir], ",", &save) : NULL; it;
             it = strtok_r(NULL, ",", &save)) {
            while (*it == ' ') it++;
            const char *addr;
            int port = -1;
            if (dir == 0) {
                addr = it; /* a range has no port: calls come from any port */
            } else if (split_port(it, &addr, &port) != C_OK) {
                cli_err("carrier", "invalid --outbound entry %s: want HOST[:PORT]", it);
                return C_ERR;
            }
            size_t i = 0;
            while (i < *n && !(strcmp((*gw)[i].address, addr) == 0 &&
                               ((*gw)[i].port == port || (port == -1 && (*gw)[i].port == 5060) ||
                                ((*gw)[i].port == -1 && port == 5060))))
                i++;
            if (i == *n) {
                if (*n == cap) {
                    cli_err("carrier", "at most %d gateways", CARRIER_MAX_GATEWAYS);
                    return C_ERR;
                }
                (*gw)[i] = (upstream_gw_in_t){.address = addr, .port = port, .inbound = 0, .outbound = 0};
                (*n)++;
            }
            if (dir == 0) (*gw)[i].inbound = 1;
            else {
                (*gw)[i].outbound = 1;
                if (port != -1) (*gw)[i].port = port;
            }
        }
    }
    return C_OK;
}

static char *read_password(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    char line[256];
    char *r = fgets(line, sizeof line, f) ? xstrdup(line) : NULL;
    fclose(f);
    explicit_bzero(line, sizeof line);
    if (r) r[strcspn(r, "\r\n")] = '\0';
    return r;
}

/* as the admin API shows it, with its gateways' health (s) */
static void print_carrier(const carrier_t *cr, const carrier_sip_t *s)
{
    buf_t b = BUF_INIT;
    jw_t w;
    jw_init(&w, &b);
    api_render_upstream(&w, cr, s);
    printf("%s\n", b.data);
    buf_free(&b);
}

static void print_faults(const char *what, const cerr_t *e, const faults_t *f)
{
    if (e->code == CE_INVALID && f->n > 1) {
        for (size_t i = 0; i < f->n && i < FAULTS_MAX; i++)
            cli_err(what, "%s: %s", f->f[i].path, f->f[i].msg);
    } else {
        cli_err(what, "%s", e->msg);
    }
}

int cli_carrier(int argc, char **argv)
{
    const char *db = NULL, *name = NULL, *in_s = NULL, *out_s = NULL, *user = NULL, *pass_file = NULL,
               *realm = NULL, *key_file = NULL;
    bool no_auth = false;
    opt_t opts[] = {CLI_OPT("name", &name, NULL, NULL),
                    CLI_OPT("inbound", &in_s, NULL, NULL),
                    CLI_OPT("outbound", &out_s, NULL, NULL),
                    CLI_OPT("out-user", &user, NULL, NULL),
                    CLI_OPT("out-password-file", &pass_file, NULL, NULL),
                    CLI_OPT("out-realm", &realm, NULL, NULL),
                    CLI_OPT("secret-key-file", &key_file, "NUMBERD_SECRET_KEY_FILE", NULL),
                    CLI_FLAG("no-outbound-auth", &no_auth, NULL)};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc >= 2) { fputs(k_usage, stdout); return 0; }
        return usage_error(k_usage, "carrier needs a subcommand: add, list, show, update or delete");
    }
    const char *sub = argv[1];
    argc--;
    argv++;
    int idx_ = cli_parse_opts(argc, argv, k_usage, opts, ND_ARRAY_LEN(opts), &db);
    if (idx_ == -1) return 0;
    if (idx_ == -2) return EXIT_USAGE;
    bool add = !strcmp(sub, "add"), list = !strcmp(sub, "list"), show = !strcmp(sub, "show"),
         upd = !strcmp(sub, "update"), del = !strcmp(sub, "delete");
    if (!add && !list && !show && !upd && !del)
        return usage_error(k_usage, "unknown carrier subcommand: %s", sub);
    if (idx_ + (list ? 0 : 1) != argc)
        return usage_error(k_usage, list ? "carrier list takes no argument"
                                         : "carrier %s needs exactly one %s", sub, add ? "NAME" : "ID|NAME");
    bool writes = name || in_s || out_s || user || pass_file || realm || no_auth;
    if ((list || show || del) && writes) return usage_error(k_usage, "carrier %s takes only --db", sub);
    if (add && (name || no_auth)) return usage_error(k_usage, "carrier add takes the name as its argument");
    if (no_auth && (user || pass_file || realm))
        return usage_error(k_usage, "--no-outbound-auth removes the credentials: give no --out-* option");
    if (add && user && !pass_file) return usage_error(k_usage, "--out-user needs --out-password-file");

    core_t core;
    /* only `add` may start a database (an operator's first setup step);
     * the others act on a carrier that must be there */
    if ((add ? cli_open_core(db, &core) : cli_open_existing(db, &core)) != C_OK) return 1;
    int ret = 1;
    cerr_t e;
    carrier_t cr;
    carrier_sip_t sip; /* a new carrier's: probed by nobody yet */
    memset(&cr, 0, sizeof cr);
    memset(&sip, 0, sizeof sip);
    upstream_gw_in_t *gw = NULL;
    char *bufs[2] = {NULL, NULL}, *pass = NULL;
    faults_t *f = xcalloc(1, sizeof *f);

    if (list) {
        int offset = 0;
        for (;;) {
            carrier_t rows[50];
            carrier_sip_t sips[50];
            size_t n = 0;
            int64_t total = 0;
            if (upstream_list(&core, NULL, 50, offset, rows, &n, &total, sips, &e) != C_OK) {
                carrier_clear_rows(rows, n);
                cli_err("carrier list", "%s", e.msg);
                goto done;
            }
            for (size_t i = 0; i < n; i++) print_carrier(&rows[i], &sips[i]);
            carrier_sip_clear_rows(sips, n);
            carrier_clear_rows(rows, n);
            offset += (int)n;
            if (n < 50 || offset >= total) break;
        }
        ret = 0;
        goto done;
    }
    const char *ref = argv[idx_];
    if (show || del) {
        int rc = show ? upstream_get(&core, ref, &cr, &sip, &e) : upstream_delete(&core, ref, &e);
        if (rc != C_OK) {
            cli_err(show ? "carrier show" : "carrier delete", "%s", e.msg);
            ret = e.code == CE_INVALID ? EXIT_USAGE : 1;
            goto done;
        }
        if (show) print_carrier(&cr, &sip);
        ret = 0;
        goto done;
    }
    upstream_in_t in;
    memset(&in, 0, sizeof in);
    in.gws_given = in.out_auth = -1;
    in.name = add ? ref : name;
    if (in_s || out_s) {
        if (gateways(in_s, out_s, &gw, &in.ngw, bufs) != C_OK) {
            ret = EXIT_USAGE;
            goto done;
        }
        in.gws_given = 1;
        in.gw = gw;
    }
    if (no_auth) in.out_auth = 0;
    if (user || pass_file || realm) {
        in.out_auth = 1;
        in.out_user = user;
        in.out_realm = realm;
        if (pass_file) {
            if (!(pass = read_password(pass_file))) {
                cli_err("carrier", "cannot read --out-password-file %s", pass_file);
                goto done;
            }
            in.out_pass = pass;
            if (cli_load_key(db, key_file, &core) != C_OK) goto done;
        }
    }
    int rc = add ? upstream_create(&core, &in, f, &cr, &e) : upstream_update(&core, ref, &in, f, &cr, &sip, &e);
    if (rc != C_OK) {
        print_faults(add ? "carrier add" : "carrier update", &e, f);
        ret = e.code == CE_INVALID ? EXIT_USAGE : 1;
        goto done;
    }
    print_carrier(&cr, &sip);
    ret = 0;
done:
    carrier_sip_clear(&sip);
    if (pass) {
        explicit_bzero(pass, strlen(pass));
        free(pass);
    }
    carrier_clear(&cr);
    free(gw);
    free(bufs[0]);
    free(bufs[1]);
    free(f);
    cli_close_core(&core);
    return ret;
}
