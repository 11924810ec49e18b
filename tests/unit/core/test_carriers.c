/* test_carriers.c -- the carrier model (core/carriers.c): the rules of a
 * whole carrier, Plivo's ip_set, the server key and sealed SIP passwords
 * at rest, and a Plivo update of a carrier with an outbound gateway,
 * against a real SQLite store in a temporary directory. */
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
    assert_int_equal(carrier_get(&G.c, &G.main, cr.carrier_id, &back, &e), C_OK);
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
    assert_int_equal(carrier_get(&G.c, &G.main, cr.carrier_id, &back, &e), C_OK);
    assert_int_equal(back.ngw, 2);
    assert_string_equal(back.gw[1].sid, gw.sid);
    assert_false(back.gw[1].inbound);
    assert_true(back.gw[1].outbound);
    ips = carrier_ip_set(&back);
    assert_string_equal(ips, "198.51.100.0/24");
    free(ips);
    carrier_clear(&back);
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
