/* test_carriers.c -- the carrier model (core/carriers.c): the rules of a
 * whole carrier, Plivo's ip_set, the server key and sealed SIP passwords
 * at rest, a Plivo update of a carrier with an outbound gateway, and what
 * a read fault beside a carrier's (or a webhook endpoint's) record
 * answers, against a real SQLite store in a temporary directory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/accounts.h"
#include "core/carriers.h"
#include "core/registrations.h"
#include "core/webhooks.h"
#include "util/clock.h"
#include "core/core.h"
#include "core/secrets.h"
#include "store/store.h"
#include "util/log.h"

static struct {
    char dir[64];
    char path[128];
    store_t *st;
    core_t c;
    sec_key_t *key;
    account_t main;
} G;

static int setup(void **state)
{
    (void)state;
    char *err = NULL;
    bool created;
    acct_created_t ac;
    cerr_t e;
    log_set_level(LOG_OFF);
    if (ids_init() != C_OK) return -1;
    snprintf(G.dir, sizeof G.dir, "/tmp/nd_carriers_XXXXXX");
    if (mkdtemp(G.dir) == NULL) return -1;
    snprintf(G.path, sizeof G.path, "%s/test.db", G.dir);
    if (store_open(G.path, &G.st, &err) != C_OK) return -1;
    if (G.st->ops->migrate(G.st, NULL) != ST_OK) return -1;
    if (sec_key_load(NULL, NULL, &G.key, &created, &err) != C_OK) return -1;
    G.c.st = G.st;
    G.c.key = G.key;
    if (acct_create(&G.c, "Main", &ac, &e) != C_OK) return -1;
    if (G.st->ops->account_by_auth_id(G.st, ac.auth_id, &G.main) != ST_OK) return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[160];
    G.st->ops->close(G.st);
    sec_key_free(G.key);
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", G.path, sfx[i]);
        unlink(p);
    }
    rmdir(G.dir);
    return 0;
}

/* A valid static_ip carrier with one inbound+outbound gateway. */
static void base(carrier_t *cr, gateway_t *gw)
{
    memset(cr, 0, sizeof *cr);
    memset(gw, 0, sizeof *gw);
    snprintf(cr->name, sizeof cr->name, "My VoIP Provider");
    cr->trunk = TRUNK_STATIC_IP;
    cr->voice = cr->sms = true;
    snprintf(gw->address, sizeof gw->address, "203.0.113.10");
    gw->port = 5060;
    gw->netmask = 32;
    gw->inbound = gw->outbound = true;
    cr->gw = gw;
    cr->ngw = 1;
}

static bool has_fault(const faults_t *f, const char *path, const char *needle)
{
    for (size_t i = 0; i < f->n && i < FAULTS_MAX; i++)
        if (strcmp(f->f[i].path, path) == 0 && (!needle || strstr(f->f[i].msg, needle))) return true;
    return false;
}

static faults_t check(const carrier_t *cr)
{
    faults_t f;
    f.n = 0;
    carrier_check(cr, &f);
    return f;
}

static void test_valid_static_ip(void **state)
{
    (void)state;
    carrier_t cr;
    gateway_t gw;
    base(&cr, &gw);
    faults_t f = check(&cr);
    assert_int_equal(f.n, 0);
    gw.netmask = 24;                 /* an inbound range */
    snprintf(gw.address, sizeof gw.address, "203.0.113.0");
    gw.outbound = false;
    assert_int_equal(check(&cr).n, 0);
}

static void test_inbound_host_name_refused_with_the_fix(void **state)
{
    (void)state;
    carrier_t cr;
    gateway_t gw;
    base(&cr, &gw);
    snprintf(gw.address, sizeof gw.address, "sip.myprovider.com");
    faults_t f = check(&cr);
    assert_int_equal(f.n, 1);
    assert_true(has_fault(&f, "sip_gateway.ipv4", "set inbound to false"));
    gw.inbound = false;              /* outbound only: a host name is fine */
    assert_int_equal(check(&cr).n, 0);
    snprintf(gw.address, sizeof gw.address, "not a host!");
    assert_true(has_fault((f = check(&cr), &f), "sip_gateway.ipv4", "neither an IP address"));
}

static void test_gateway_rules_all_reported(void **state)
{
    (void)state;
    carrier_t cr;
    gateway_t gw;
    base(&cr, &gw);
    cr.name[0] = '\0';
    gw.port = 0;
    gw.netmask = 33;
    faults_t f = check(&cr);
    assert_int_equal(f.n, 3);
    assert_true(has_fault(&f, "carrier_name", NULL));
    assert_true(has_fault(&f, "sip_gateway.port", "1-65535"));
    assert_true(has_fault(&f, "sip_gateway.netmask", "1-32"));

    base(&cr, &gw);
    gw.port = 65536;
    gw.inbound = gw.outbound = false;
    f = check(&cr);
    assert_true(has_fault(&f, "sip_gateway.port", NULL));
    assert_true(has_fault(&f, "sip_gateway.inbound", "inbound, outbound or both"));

    base(&cr, &gw);
    gw.inbound = false;
    gw.netmask = 24;                 /* calls go to one address */
    assert_true(has_fault((f = check(&cr), &f), "sip_gateway.netmask", "must be 32"));

    base(&cr, &gw);
    snprintf(gw.address, sizeof gw.address, "2001:db8::1");
    gw.netmask = 128;
    assert_int_equal(check(&cr).n, 0);
    gw.netmask = 129;
    assert_true(has_fault((f = check(&cr), &f), "sip_gateway.netmask", "1-128"));
}

static void test_trunk_type_rules(void **state)
{
    (void)state;
    carrier_t cr;
    gateway_t gw;
    faults_t f;
    base(&cr, &gw);
    cr.trunk = TRUNK_AUTH;           /* needs inbound_auth */
    assert_true(has_fault((f = check(&cr), &f), "inbound_auth", "required"));
    snprintf(cr.in_user, sizeof cr.in_user, "alice");
    cr.in_box_len = 50;
    assert_int_equal(check(&cr).n, 0);
    cr.trunk = TRUNK_STATIC_IP;      /* refused where it does not belong */
    assert_true(has_fault((f = check(&cr), &f), "inbound_auth", "only allowed"));

    base(&cr, &gw);
    cr.trunk = TRUNK_REG;
    assert_true(has_fault((f = check(&cr), &f), "registration", "required"));
    snprintf(cr.reg_user, sizeof cr.reg_user, "bob");
    cr.reg_box_len = 50;
    snprintf(cr.reg_realm, sizeof cr.reg_realm, "sip.example.com");
    cr.reg_expires = 3600;
    assert_int_equal(check(&cr).n, 0);
    cr.reg_expires = 59;
    assert_true(has_fault((f = check(&cr), &f), "registration.expires", "60-86400"));
    cr.reg_expires = 86401;
    assert_true(has_fault((f = check(&cr), &f), "registration.expires", NULL));
    cr.reg_expires = 60;
    gw.outbound = false;             /* registration goes out to the carrier */
    assert_true(has_fault((f = check(&cr), &f), "sip_gateway.outbound", "must be outbound"));
    cr.trunk = TRUNK_AUTH;
    gw.outbound = true;
    f = check(&cr);
    assert_true(has_fault(&f, "inbound_auth", "required"));
    assert_true(has_fault(&f, "registration", "only allowed"));
}

static void test_duplicate_gateways(void **state)
{
    (void)state;
    carrier_t cr;
    gateway_t gw[2];
    base(&cr, &gw[0]);
    gw[1] = gw[0];
    cr.gw = gw;
    cr.ngw = 2;
    faults_t f = check(&cr);
    assert_int_equal(f.n, 1);
    assert_true(has_fault(&f, "sip_gateways[1].ipv4", "twice"));
    gw[1].port = 5080;               /* another port is another gateway */
    assert_int_equal(check(&cr).n, 0);
}

static void test_ip_set_parse_and_render(void **state)
{
    (void)state;
    gateway_t *gw = NULL;
    size_t n = 0;
    cerr_t e;
    assert_int_equal(carrier_parse_ip_set(" 1.2.3.4 ,10.0.0.0/24,\t2001:DB8:0:0:0:0:0:1, 1.2.3.4/32", &gw,
                                          &n, &e),
                     C_OK);
    assert_int_equal(n, 3);
    carrier_t cr;
    memset(&cr, 0, sizeof cr);
    cr.gw = gw;
    cr.ngw = n;
    char *s = carrier_ip_set(&cr);
    assert_string_equal(s, "1.2.3.4,10.0.0.0/24,2001:db8::1");
    free(s);
    for (size_t i = 0; i < n; i++) {
        assert_true(gw[i].inbound);
        assert_false(gw[i].outbound);
        assert_int_equal(gw[i].port, 5060);
    }
    free(gw);

    struct { const char *in, *msg; } bad[] = {
        {"", "entry 1 is empty"},
        {"1.2.3.4,", "entry 2 is empty"},
        {"01.2.3.4", "invalid ip_set entry 01.2.3.4"},
        {"1.2.3.256", "invalid ip_set entry 1.2.3.256"},
        {"10.0.0.5/24", "did you mean 10.0.0.0/24?"},
        {"0.0.0.0/0", "/0"},
        {"sip.example.com", "invalid ip_set entry sip.example.com"},
        {"1.2.3.4/33", "invalid ip_set entry 1.2.3.4/33"},
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(bad); i++) {
        gw = NULL;
        if (carrier_parse_ip_set(bad[i].in, &gw, &n, &e) == C_OK) fail_msg("accepted %s", bad[i].in);
        assert_null(gw);
        if (!strstr(e.msg, bad[i].msg)) fail_msg("%s: got \"%s\"", bad[i].in, e.msg);
        assert_int_equal(e.code, CE_INVALID);
    }

    /* 100 distinct entries are fine, 101 are not; duplicates do not count */
    char big[4096] = "";
    for (int i = 0; i < 100; i++)
        snprintf(big + strlen(big), sizeof big - strlen(big), "%s10.0.%d.1,10.0.%d.1", i ? "," : "", i, i);
    assert_int_equal(carrier_parse_ip_set(big, &gw, &n, &e), C_OK);
    assert_int_equal(n, 100);
    free(gw);
    snprintf(big + strlen(big), sizeof big - strlen(big), ",10.1.0.1");
    assert_int_equal(carrier_parse_ip_set(big, &gw, &n, &e), C_ERR);
    assert_non_null(strstr(e.msg, "at most 100"));
}

static void test_key_fingerprint_recorded_and_checked(void **state)
{
    (void)state;
    bool first = false;
    cerr_t e;
    assert_int_equal(core_key_check(&G.c, &first, &e), C_OK);
    assert_true(first);
    assert_int_equal(core_key_check(&G.c, &first, &e), C_OK);
    assert_false(first);
    /* another key is refused: its passwords could not be read */
    sec_key_t *other = NULL;
    char *err = NULL;
    bool created;
    assert_int_equal(sec_key_load(NULL, NULL, &other, &created, &err), C_OK);
    core_t c2 = G.c;
    c2.key = other;
    assert_int_equal(core_key_check(&c2, &first, &e), C_ERR);
    assert_int_equal(e.code, CE_CONFLICT);
    assert_non_null(strstr(e.msg, "not the one this database was written with"));
    sec_key_free(other);
}

/* Reads the whole database file (and its WAL) into memory. */
static size_t slurp(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    if (f) {
        n = fread(buf, 1, cap, f);
        fclose(f);
    }
    return n;
}

static bool contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(hay + i, needle, k) == 0) return true;
    return false;
}

static void test_password_sealed_at_rest(void **state)
{
    (void)state;
    static const char *pw = "Sup3r-Secret-SIP-Pa55word";
    carrier_t cr, back;
    gateway_t gw;
    cerr_t e;
    base(&cr, &gw);
    cr.account_id = G.main.id;
    cr.trunk = TRUNK_AUTH;
    snprintf(cr.in_user, sizeof cr.in_user, "alice");
    assert_int_equal(carrier_seal(&G.c, pw, cr.in_box, &cr.in_box_len, &e), C_OK);
    assert_int_equal(cr.in_box_len, 24 + 16 + strlen(pw));
    assert_int_equal(check(&cr).n, 0);
    ids_uuid_v4(cr.uuid);
    ids_uuid_v4(cr.voip_sid);
    ids_digits(cr.carrier_id, 14);
    ids_uuid_v4(gw.sid);
    cr.created_at = cr.updated_at = clock_now();
    assert_int_equal(G.st->ops->carrier_insert(G.st, &cr), ST_OK);

    /* the plain text is nowhere in the files */
    static char buf[4 << 20];
    char p[160];
    snprintf(p, sizeof p, "%s-wal", G.path);
    size_t n = slurp(p, buf, sizeof buf);
    assert_true(n > 0);
    assert_true(contains(buf, n, "alice"));   /* the user name is not secret: it is there */
    assert_false(contains(buf, n, pw));
    n = slurp(G.path, buf, sizeof buf);
    assert_false(contains(buf, n, pw));

    /* the box read back opens to the password, and only with the key */
    memset(&back, 0, sizeof back);
    assert_int_equal(G.st->ops->carrier_get(G.st, G.main.id, 0, cr.uuid, &back), ST_OK);
    assert_int_equal(back.in_box_len, cr.in_box_len);
    char plain[SEC_PLAIN_MAX + 1];
    size_t pn = 0;
    assert_int_equal(sec_open(G.key, back.in_box, back.in_box_len, plain, &pn), C_OK);
    assert_int_equal(pn, strlen(pw));
    assert_string_equal(plain, pw);
    assert_int_equal(back.ngw, 1);
    assert_string_equal(back.gw[0].sid, gw.sid);
    carrier_clear(&back);

    /* too long to seal */
    char longpw[200];
    memset(longpw, 'x', sizeof longpw - 1);
    longpw[sizeof longpw - 1] = '\0';
    assert_int_equal(carrier_seal(&G.c, longpw, cr.in_box, &cr.in_box_len, &e), C_ERR);
    core_t nokey = G.c;
    nokey.key = NULL;
    assert_int_equal(carrier_seal(&nokey, pw, cr.in_box, &cr.in_box_len, &e), C_ERR);
}

/* A Plivo ip_set update of a carrier whose gateway is inbound AND outbound
 * changes what is accepted inbound, never where calls are sent. */
static void test_plivo_update_keeps_outbound(void **state)
{
    (void)state;
    carrier_t cr, back;
    gateway_t gw;
    cerr_t e;
    base(&cr, &gw);
    snprintf(cr.name, sizeof cr.name, "both-ways");
    cr.account_id = G.main.id;
    ids_uuid_v4(cr.uuid);
    ids_uuid_v4(cr.voip_sid);
    ids_digits(cr.carrier_id, 14);
    ids_uuid_v4(gw.sid);
    cr.created_at = cr.updated_at = clock_now();
    assert_int_equal(G.st->ops->carrier_insert(G.st, &cr), ST_OK);

    carrier_plivo_in_t in = {.name = NULL, .ip_set = "198.51.100.0/24, 203.0.113.10", .voice = -1, .sms = 0};
    assert_int_equal(carrier_plivo_update(&G.c, &G.main, cr.carrier_id, &in, &e), C_OK);
    assert_int_equal(carrier_get(&G.c, &G.main, cr.carrier_id, &back, NULL, &e), C_OK);
    char *ips = carrier_ip_set(&back);
    assert_string_equal(ips, "198.51.100.0/24,203.0.113.10");
    free(ips);
    assert_int_equal(back.ngw, 2);
    /* the old gateway kept its id and its outbound role */
    assert_string_equal(back.gw[1].sid, gw.sid);
    assert_true(back.gw[1].outbound);
    assert_true(back.voice);
    assert_false(back.sms);
    carrier_clear(&back);

    /* dropping the address from the set leaves it outbound only */
    in.ip_set = "198.51.100.0/24";
    in.sms = -1;
    assert_int_equal(carrier_plivo_update(&G.c, &G.main, cr.carrier_id, &in, &e), C_OK);
    assert_int_equal(carrier_get(&G.c, &G.main, cr.carrier_id, &back, NULL, &e), C_OK);
    assert_int_equal(back.ngw, 2);
    assert_string_equal(back.gw[1].sid, gw.sid);
    assert_false(back.gw[1].inbound);
    assert_true(back.gw[1].outbound);
    ips = carrier_ip_set(&back);
    assert_string_equal(ips, "198.51.100.0/24");
    free(ips);
    carrier_clear(&back);
}

/* ---- a read fault beside the record is the request's fault ---------------- */

/* The store's ops with some of them failing as a database that went away
 * does (ST_ERR): which ones, by name. */
static store_ops_t g_faulty;
static const store_ops_t *g_real;
static int fail_reg_get(store_t *st, int64_t id, reg_status_t *out)
{
    (void)st, (void)id, (void)out;
    return ST_ERR;
}
static int fail_probe_get(store_t *st, int64_t id, int *interval)
{
    (void)st, (void)id, (void)interval;
    return ST_ERR;
}
static int fail_health_list(store_t *st, int64_t id, int max, gw_health_t *rows, size_t *n)
{
    (void)st, (void)id, (void)max, (void)rows, (void)n;
    return ST_ERR;
}
static int fail_account_by_id(store_t *st, int64_t id, account_t *out)
{
    (void)st, (void)id, (void)out;
    return ST_ERR;
}
static void faults_on(const char *which)
{
    g_real = G.st->ops;
    g_faulty = *g_real;
    if (strcmp(which, "reg") == 0) g_faulty.reg_status_get = fail_reg_get;
    if (strcmp(which, "probe") == 0) g_faulty.probe_get = fail_probe_get;
    if (strcmp(which, "health") == 0) g_faulty.health_list = fail_health_list;
    if (strcmp(which, "account") == 0) g_faulty.account_by_id = fail_account_by_id;
    G.st->ops = &g_faulty;
}
static void faults_off(void)
{
    G.st->ops = g_real;
}

static void sip_carrier(carrier_t *out)
{
    carrier_byoc_in_t in;
    faults_t f = {0};
    cerr_t e;
    memset(&in, 0, sizeof in);
    in.name = "Sip State";
    in.trunk = "static_ip";
    in.gw_given = 1;
    in.gw = (gw_in_t){.address = "203.0.113.20", .port = 5060, .netmask = 32, .inbound = 1,
                      .outbound = 1};
    in.in_auth = in.reg_expires = -1;
    in.trunk = "reg";
    in.reg = 1;
    in.reg_user = "alice";
    in.reg_pass = "Sup3r-Secret-Reg";
    in.reg_realm = "sip.example.com";
    if (carrier_byoc_create(&G.c, &G.main, &in, &f, out, &e) != C_OK)
        fail_msg("create: %s (%s: %s)", e.msg, f.n ? f.f[0].path : "", f.n ? f.f[0].msg : "");
}

/* A carrier's registration state and gateway health (carrier_sip_of) are
 * read by the core before an answer is rendered; a fault reading either is
 * CE_UNAVAILABLE (503), never a carrier shown unprobed or with
 * "registration_status": null.  An update whose read fails is undone. */
static void test_sip_state_fault_is_the_requests(void **state)
{
    (void)state;
    carrier_t cr, back;
    carrier_sip_t sip;
    cerr_t e;
    sip_carrier(&cr);
    assert_int_equal(health_set(&G.c, &G.main, cr.uuid, 30, &e), C_OK);

    assert_int_equal(carrier_sip_of(&G.c, &cr, &sip, &e), C_OK);
    assert_int_equal(sip.interval, 30);
    assert_false(sip.reg_found);
    carrier_sip_clear(&sip);

    /* a reg trunk's registration state, once the client stored one */
    carrier_t as_reg = cr;
    assert_int_equal(cr.trunk, TRUNK_REG);
    reg_status_t rs;
    memset(&rs, 0, sizeof rs);
    rs.carrier_id = cr.id;
    rs.state = REG_REGISTERED;
    rs.last_code = 200;
    rs.expires_at = clock_now() + 3600; /* past it, it is shown unregistered (reg_status_settle) */
    assert_int_equal(reg_status_save(&G.c, &rs, &e), C_OK);
    assert_int_equal(carrier_sip_of(&G.c, &as_reg, &sip, &e), C_OK);
    assert_true(sip.reg_found);
    assert_int_equal(sip.reg.state, REG_REGISTERED);
    assert_int_equal(sip.reg.last_code, 200);
    carrier_sip_clear(&sip);

    static const char *const which[] = {"reg", "probe", "health"};
    for (size_t i = 0; i < 3; i++) {
        faults_on(which[i]);
        memset(&e, 0, sizeof e);
        int rc = carrier_sip_of(&G.c, &as_reg, &sip, &e);
        faults_off();
        if (rc != C_ERR || e.code != CE_UNAVAILABLE) fail_msg("%s: rc %d code %d", which[i], rc, e.code);
        assert_null(sip.h);

        /* a list: the same, and nothing left to free */
        carrier_sip_t rows[2];
        carrier_t two[2] = {cr, as_reg};
        two[0].trunk = TRUNK_STATIC_IP;
        faults_on(which[i]);
        rc = carrier_sip_rows(&G.c, two, 2, rows, &e);
        faults_off();
        if (rc != C_ERR || e.code != CE_UNAVAILABLE) fail_msg("%s: rows rc %d", which[i], rc);

        /* what the handlers call: the carrier with its state, one or a page */
        faults_on(which[i]);
        rc = carrier_get(&G.c, &G.main, cr.uuid, &back, &sip, &e);
        faults_off();
        if (rc != C_ERR || e.code != CE_UNAVAILABLE) fail_msg("%s: get rc %d", which[i], rc);
        carrier_t page[4];
        carrier_sip_t psip[4];
        size_t n = 0;
        int64_t total = 0;
        faults_on(which[i]);
        rc = carrier_list(&G.c, &G.main, NULL, 4, 0, page, &n, &total, psip, &e);
        faults_off();
        carrier_clear_rows(page, n);
        if (rc != C_ERR || e.code != CE_UNAVAILABLE) fail_msg("%s: list rc %d", which[i], rc);
    }
    assert_int_equal(carrier_get(&G.c, &G.main, cr.uuid, &back, &sip, &e), C_OK);
    assert_int_equal(sip.interval, 30);
    assert_true(sip.reg_found);
    carrier_sip_clear(&sip);
    carrier_clear(&back);

    /* an update that cannot read the state it answers with changes nothing */
    carrier_byoc_in_t in;
    faults_t f = {0};
    memset(&in, 0, sizeof in);
    in.name = "Sip State Renamed";
    in.gw_given = in.in_auth = in.reg = in.reg_expires = -1;
    faults_on("probe");
    int rc = carrier_byoc_update(&G.c, &G.main, cr.uuid, &in, &f, &back, &sip, &e);
    faults_off();
    assert_int_equal(rc, C_ERR);
    assert_int_equal(e.code, CE_UNAVAILABLE);
    assert_int_equal(carrier_get(&G.c, &G.main, cr.uuid, &back, NULL, &e), C_OK);
    assert_string_equal(back.name, "Sip State");
    carrier_clear(&back);
    /* and without the fault it does, answered with the state */
    memset(&f, 0, sizeof f);
    assert_int_equal(carrier_byoc_update(&G.c, &G.main, cr.uuid, &in, &f, &back, &sip, &e), C_OK);
    assert_string_equal(back.name, "Sip State Renamed");
    assert_int_equal(sip.interval, 30);
    carrier_sip_clear(&sip);
    carrier_clear(&back);
    carrier_clear(&cr);
}

/* A webhook endpoint's account filter is read by the core with the
 * endpoint: a fault is CE_UNAVAILABLE, never "account": null (which says
 * "every account's events"); an update that cannot read it is undone. */
static void test_hook_account_fault_is_the_requests(void **state)
{
    (void)state;
    wh_endpoint_t ep, got, rows[4];
    char secret[HOOK_SECRET_SZ];
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;
    hook_in_t in = {.url = "https://hooks.example.com/numberd", .enabled = -1,
                    .account = G.main.auth_id};
    assert_int_equal(hook_endpoint_create(&G.c, HOOK_OPERATOR, &in, &ep, secret, &e), C_OK);
    assert_string_equal(ep.account_auth_id, G.main.auth_id);
    assert_int_equal(hook_endpoint_get(&G.c, -1, ep.uid, &got, &e), C_OK);
    assert_string_equal(got.account_auth_id, G.main.auth_id);
    assert_int_equal(hook_endpoint_list(&G.c, -1, 4, 0, rows, &n, &total, &e), C_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].account_auth_id, G.main.auth_id);

    faults_on("account");
    int get = hook_endpoint_get(&G.c, -1, ep.uid, &got, &e);
    cerr_t ge = e;
    int list = hook_endpoint_list(&G.c, -1, 4, 0, rows, &n, &total, &e);
    cerr_t le = e;
    hook_in_t up = {.description = "changed", .enabled = -1};
    int upd = hook_endpoint_update(&G.c, -1, ep.uid, &up, &got, &e);
    cerr_t ue = e;
    faults_off();
    assert_int_equal(get, C_ERR);
    assert_int_equal(ge.code, CE_UNAVAILABLE);
    assert_int_equal(list, C_ERR);
    assert_int_equal(le.code, CE_UNAVAILABLE);
    assert_int_equal(n, 0);
    assert_int_equal(upd, C_ERR);
    assert_int_equal(ue.code, CE_UNAVAILABLE);
    assert_int_equal(hook_endpoint_get(&G.c, -1, ep.uid, &got, &e), C_OK);
    assert_string_equal(got.description, "");

    /* every account's events: no account read, none shown */
    hook_in_t all = {.url = "https://hooks.example.com/all", .enabled = -1};
    faults_on("account");
    int mk = hook_endpoint_create(&G.c, HOOK_OPERATOR, &all, &ep, secret, &e);
    faults_off();
    assert_int_equal(mk, C_OK);
    assert_string_equal(ep.account_auth_id, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_static_ip),
        cmocka_unit_test(test_inbound_host_name_refused_with_the_fix),
        cmocka_unit_test(test_gateway_rules_all_reported),
        cmocka_unit_test(test_trunk_type_rules),
        cmocka_unit_test(test_duplicate_gateways),
        cmocka_unit_test(test_ip_set_parse_and_render),
        cmocka_unit_test(test_key_fingerprint_recorded_and_checked),
        cmocka_unit_test(test_password_sealed_at_rest),
        cmocka_unit_test(test_plivo_update_keeps_outbound),
        cmocka_unit_test(test_sip_state_fault_is_the_requests),
        cmocka_unit_test(test_hook_account_fault_is_the_requests),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
