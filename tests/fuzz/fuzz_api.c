/* fuzz_api.c -- whole HTTP requests against the whole application: the
 * real route table and handlers of every dialect (so every resource's
 * body reader), the core and a SQLite store, through the real server code
 * (mhd_harness.h).
 *
 * Input: raw bytes of one or more HTTP/1.1 requests.  So that the fuzzer
 * can get past authentication, these placeholders are replaced before
 * sending (the seeds in corpus/api use them):
 *   @A@  account A's auth_id          @a@  base64 of A's "auth_id:token"
 *   @S@  A's subaccount's auth_id     @s@  base64 of the subaccount's
 *   @K@  A's API key                  @T@  the admin token
 *   @C@  A's carrier's carrier_id     @U@  the same carrier's BYOC id
 *   @P@  A's application's app_id
 *
 * Properties: the server never answers with a 5xx (but 505, see
 * mhd_harness.h); and, as an isolation oracle, no answer to a request
 * that does not carry the admin token contains an identifier or name of
 * account B (its auth_id, number, carrier, application: random per world,
 * in no seed) that neither it nor an earlier successful write of the same
 * world sent, however encoded (an error message may echo what the client
 * sent, and A may name its own carrier after B's number, then list it; the
 * fuzzer can learn B's strings from the comparisons it watches, so it may
 * well send them).  A crash of this property may so need the inputs run
 * before it: the log's last inputs, not the crash file alone.
 *
 * The world (database in /dev/shm when it exists, else $TMPDIR) is made
 * afresh every WORLD_RUNS executions, so that what the fuzzer buys and
 * creates does not pile up.
 */
#include "fuzz.h"

#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "cli/cli.h"
#include "core/accounts.h"
#include "core/apps.h"
#include "core/carriers.h"
#include "core/numbers.h"
#include "core/secrets.h"
#include "core/subaccounts.h"
#include "mhd_harness.h"
#include "util/log.h"

#define WORLD_RUNS 5000
#define ADMIN_TOKEN "fuzz-admin-token-0123456789abcdef"

/* The inventory every world starts with (the seeds buy from it). */
static const char k_inventory[] =
    "number,country_iso,type,sub_type,city,region,rate_center,lata,voice_enabled,sms_enabled,"
    "monthly_rental_rate,restriction,carrier\n"
    "14155550100,US,fixed,local,SAN FRANCISCO,CALIFORNIA,SNFC,722,true,true,0.80000,,up-a\n"
    "14155550101,US,fixed,local,SAN FRANCISCO,CALIFORNIA,SNFC,722,true,true,0.80000,,up-a\n"
    "14155550102,US,fixed,local,SAN FRANCISCO,CALIFORNIA,SNFC,722,true,false,0.80000,,up-a\n"
    "14155550103,US,fixed,local,SAN FRANCISCO,CALIFORNIA,SNFC,722,true,true,0.80000,,up-a\n"
    "12125550104,US,fixed,local,NEW YORK,NEW YORK,NYCMNH,132,true,true,0.80000,,up-b\n"
    "18005550105,US,tollfree,tollfree,,,,,true,true,1.00000,,up-b\n"
    "447700900106,GB,mobile,mobile,LONDON,ENGLAND,,,true,true,1.20000,city-address,up-c\n"
    "4930555107,DE,fixed,local,BERLIN,BERLIN,,,true,false,1.00000,,up-c\n";

typedef struct {
    char path[256];
    api_ctx_t ctx;
    fz_http_t *http;
    acct_created_t a, b;
    char a_basic[128], s_basic[128];
    char s_auth_id[IDS_AUTH_ID_SZ];
    char a_carrier_id[MODEL_CARRIER_ID_SZ], a_carrier_uuid[IDS_UUID_SZ], a_app_id[MODEL_APP_ID_SZ];
    /* B's identifiers: what A must never see */
    char b_number[E164_BUFSZ], b_carrier[32], b_app[32];
    /* which of B's strings (in oracle order) a successful write of this
     * world has already sent: it may have stored it in A's own things (a
     * carrier named after it, say), and a later list shows it back */
    bool sent[4];
} world_t;

static world_t g_w;
static unsigned g_runs;

static void die(const char *what, const cerr_t *e)
{
    fprintf(stderr, "fuzz_api: %s: %s\n", what, e ? e->msg : "failed");
    abort();
}

static void basic_of(const char *id, const char *token, char out[128])
{
    char plain[80];
    snprintf(plain, sizeof plain, "%s:%s", id, token);
    sodium_bin2base64(out, 128, (const unsigned char *)plain, strlen(plain),
                      sodium_base64_VARIANT_ORIGINAL);
}

static void random_hex(char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t r[32];
    randombytes_buf(r, sizeof r);
    for (size_t i = 0; i + 1 < n && i < sizeof r; i++) out[i] = hex[r[i] & 15];
    out[n - 1] = '\0';
}

static void import_csv(core_t *core, const char *csv, size_t n)
{
    FILE *in = fmemopen((void *)csv, n, "r");
    inv_result_t res = {0};
    cerr_t e;
    if (!in || cli_import_stream(core, in, n, false, false, NULL, &res, &e) != C_OK) die("import", &e);
    fclose(in);
    if (res.rejected_count) die("import: rows rejected", NULL);
    inv_result_free(&res);
}

static void world_unlink(const world_t *w)
{
    char p[300];
    unlink(w->path);
    snprintf(p, sizeof p, "%s-wal", w->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", w->path);
    unlink(p);
}

static void world_close(world_t *w)
{
    fz_http_free(w->http);
    cli_close_core(&w->ctx.core);
    world_unlink(w);
}

/* libFuzzer ends with exit(): the last world's files go with it. */
static void at_exit(void) { world_unlink(&g_w); }

static void world_open(world_t *w)
{
    cerr_t e;
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    snprintf(w->path, sizeof w->path, "%s/numberd-fuzz-api-%ld.db", dir, (long)getpid());
    unlink(w->path);
    memset(&w->ctx, 0, sizeof w->ctx);
    memset(w->sent, 0, sizeof w->sent);
    if (cli_open_core(w->path, &w->ctx.core) != C_OK) die("open", NULL);
    if (cli_load_key(w->path, NULL, &w->ctx.core) != C_OK) die("key", NULL);
    w->ctx.admin_enabled = true;
    ids_hash_secret(ADMIN_TOKEN, strlen(ADMIN_TOKEN), w->ctx.admin_hash);
    import_csv(&w->ctx.core, k_inventory, sizeof k_inventory - 1);

    account_t a, b;
    sub_created_t sc;
    if (acct_create(&w->ctx.core, "fuzz-a", &w->a, &e) != C_OK) die("account A", &e);
    if (acct_create(&w->ctx.core, "fuzz-b", &w->b, &e) != C_OK) die("account B", &e);
    if (acct_auth_basic(&w->ctx.core, w->a.auth_id, w->a.auth_token, &a) != C_OK ||
        acct_auth_basic(&w->ctx.core, w->b.auth_id, w->b.auth_token, &b) != C_OK)
        die("auth", NULL);
    if (sub_create(&w->ctx.core, &a, "fuzz-sub", true, &sc, &e) != C_OK) die("subaccount", &e);
    memcpy(w->s_auth_id, sc.auth_id, sizeof w->s_auth_id);
    basic_of(w->a.auth_id, w->a.auth_token, w->a_basic);
    basic_of(sc.auth_id, sc.auth_token, w->s_basic);

    /* A's carrier and application, for the seeds that name them */
    carrier_t cr;
    memset(&cr, 0, sizeof cr);
    carrier_plivo_in_t aci = {.name = "a-carrier", .ip_set = "203.0.113.5", .voice = -1, .sms = -1};
    if (carrier_plivo_create(&w->ctx.core, &a, &aci, &cr, &e) != C_OK) die("A's carrier", &e);
    memcpy(w->a_carrier_id, cr.carrier_id, sizeof w->a_carrier_id);
    memcpy(w->a_carrier_uuid, cr.uuid, sizeof w->a_carrier_uuid);
    carrier_clear(&cr);
    app_in_t ai;
    memset(&ai, 0, sizeof ai);
    ai.app_name = "a-app";
    ai.answer_url = "https://a.example/answer";
    ai.default_number_app = ai.default_endpoint_app = ai.public_uri = ai.log_incoming_messages =
        ai.is_voice_request = -1;
    app_t app;
    if (app_create(&w->ctx.core, &a, &ai, &app, &e) != C_OK) die("A's application", &e);
    memcpy(w->a_app_id, app.app_id, sizeof w->a_app_id);

    /* B's own things, with names nobody can guess */
    char hex[12];
    random_hex(hex, sizeof hex);
    snprintf(w->b_carrier, sizeof w->b_carrier, "bc-%s", hex);
    random_hex(hex, sizeof hex);
    snprintf(w->b_app, sizeof w->b_app, "ba-%s", hex);
    uint32_t r = randombytes_uniform(8000000);
    snprintf(w->b_number, sizeof w->b_number, "1929%07u", 2000000 + (unsigned)r);
    char row[256];
    int n = snprintf(row, sizeof row, "number,country_iso,type\n%s,US,fixed\n", w->b_number);
    import_csv(&w->ctx.core, row, (size_t)n);
    buy_in_t bi = {.caller = &b, .number = w->b_number};
    buy_out_t bo;
    if (num_buy(&w->ctx.core, &bi, &bo, &e) != C_OK) die("B buys", &e);
    memset(&cr, 0, sizeof cr);
    carrier_plivo_in_t ci = {.name = w->b_carrier, .ip_set = "198.51.100.7", .voice = -1, .sms = -1};
    if (carrier_plivo_create(&w->ctx.core, &b, &ci, &cr, &e) != C_OK) die("B's carrier", &e);
    carrier_clear(&cr);
    ai.app_name = w->b_app;
    ai.answer_url = "https://b.example/answer";
    if (app_create(&w->ctx.core, &b, &ai, &app, &e) != C_OK) die("B's application", &e);

    http_app_t happ;
    api_app(&w->ctx, &happ);
    w->http = fz_http_new(&happ);
}

/* Replaces the placeholders (see the top of the file). */
static void expand(const world_t *w, const uint8_t *data, size_t size, buf_t *out, bool *admin)
{
    *admin = false;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '@' && i + 2 < size && data[i + 2] == '@') {
            const char *rep = NULL;
            switch (data[i + 1]) {
            case 'A': rep = w->a.auth_id; break;
            case 'a': rep = w->a_basic; break;
            case 'S': rep = w->s_auth_id; break;
            case 's': rep = w->s_basic; break;
            case 'K': rep = w->a.api_key; break;
            case 'T': rep = ADMIN_TOKEN; *admin = true; break;
            case 'C': rep = w->a_carrier_id; break;
            case 'U': rep = w->a_carrier_uuid; break;
            case 'P': rep = w->a_app_id; break;
            default: break;
            }
            if (rep) {
                buf_puts(out, rep);
                i += 2;
                continue;
            }
        }
        buf_putc(out, (char)data[i]);
    }
}

static bool contains(const char *hay, size_t n, const char *s)
{
    return n && memmem(hay, n, s, strlen(s)) != NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A request after undoing the encodings the server decodes (%XX, JSON's
 * \u00XX): what it may store or echo, so that "%31929..." reads as the
 * number it spells.  Caller frees out. */
static void decoded_of(const char *p, size_t n, buf_t *out)
{
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)p[i];
        if (c == '%' && i + 2 < n && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
            c = hexval(p[i + 1]) * 16 + hexval(p[i + 2]);
            i += 2;
        } else if (c == '\\' && i + 5 < n && p[i + 1] == 'u' && p[i + 2] == '0' && p[i + 3] == '0' &&
                   hexval(p[i + 4]) >= 0 && hexval(p[i + 5]) >= 0) {
            c = hexval(p[i + 4]) * 16 + hexval(p[i + 5]);
            i += 5;
        }
        buf_putc(out, (char)c);
    }
}

/* Could the request have stored something: a write method, answered with
 * a 2xx (an input may hold several requests: any of each is enough). */
static bool may_store(const buf_t *req, const buf_t *resp)
{
    bool write = contains(req->data, req->len, "POST ") || contains(req->data, req->len, "PUT ") ||
                 contains(req->data, req->len, "PATCH ") || contains(req->data, req->len, "DELETE ");
    return write && fz_http_has_2xx(resp);
}

/* s in the answer though neither this request nor an earlier write of the
 * world that succeeded sent it (however encoded): B's data reached A.
 * A request that names s is excused its own answer (an error may echo
 * it); only one that may have stored it (A's carrier named after B's
 * number, listed later) excuses the rest of the world. */
static bool leaked(bool *sent, const buf_t *req_dec, bool stores, const buf_t *resp, const char *s)
{
    bool names = contains(req_dec->data, req_dec->len, s);
    if (names && stores) *sent = true;
    return !*sent && !names && contains(resp->data, resp->len, s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ND_UNUSED(argc);
    ND_UNUSED(argv);
    log_set_level(LOG_OFF);
    /* a fixed server key: no key file next to the database */
    setenv("NUMBERD_SECRET_KEY", "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 1);
    unsetenv("NUMBERD_FAKE_NOW");
    world_open(&g_w);
    atexit(at_exit);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 96 * 1024) return 0;
    if (++g_runs % WORLD_RUNS == 0) {
        world_close(&g_w);
        world_open(&g_w);
    }
    buf_t req = BUF_INIT, resp = BUF_INIT, req_dec = BUF_INIT;
    bool admin;
    expand(&g_w, data, size, &req, &admin);
    fz_http_exchange(g_w.http, req.data ? req.data : "", req.len, &resp);
    FUZZ_CHECK(!fz_http_has_5xx(&resp));
    decoded_of(req.data ? req.data : "", req.len, &req_dec);
    bool stores = may_store(&req, &resp);
    bool *sent = g_w.sent;
    if (admin) {
        /* the operator may do anything with B's things once a write of its
         * names one (close B, so its number is back on sale): from then
         * on A may see them all */
        if (stores && (contains(req_dec.data, req_dec.len, g_w.b.auth_id) ||
                       contains(req_dec.data, req_dec.len, g_w.b_number) ||
                       contains(req_dec.data, req_dec.len, g_w.b_carrier) ||
                       contains(req_dec.data, req_dec.len, g_w.b_app)))
            sent[0] = sent[1] = sent[2] = sent[3] = true;
    } else {
        FUZZ_CHECK(!leaked(&sent[0], &req_dec, stores, &resp, g_w.b.auth_id));
        FUZZ_CHECK(!leaked(&sent[1], &req_dec, stores, &resp, g_w.b_number));
        FUZZ_CHECK(!leaked(&sent[2], &req_dec, stores, &resp, g_w.b_carrier));
        FUZZ_CHECK(!leaked(&sent[3], &req_dec, stores, &resp, g_w.b_app));
    }
    buf_free(&req_dec);
    buf_free(&req);
    buf_free(&resp);
    return 0;
}
