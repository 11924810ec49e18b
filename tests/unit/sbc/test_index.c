/* test_index.c -- the sbc index as a whole (sbc/sbc.h): carriers and their
 * gateways, numbers, accounts, apps, batches, caps, staleness, replace, and
 * readers racing a writer (a batch is seen whole or not at all). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbc/sbc.h"

static sbc_addr_t A(const char *s)
{
    sbc_addr_t a = {0};
    if (strchr(s, ':')) {
        a.family = 6;
        assert_int_equal(inet_pton(AF_INET6, s, a.addr), 1);
    } else {
        a.family = 4;
        assert_int_equal(inet_pton(AF_INET, s, a.addr), 1);
    }
    return a;
}

static sbc_gw_in_t GI(const char *addr, int plen, const char *sid)
{
    sbc_gw_in_t g = {0};
    g.addr = A(addr);
    g.plen = plen;
    g.port = 5060;
    snprintf(g.sid, sizeof g.sid, "%s", sid);
    return g;
}

static sbc_carrier_t C(uint32_t id, uint8_t kind, uint32_t account, const char *name,
                       const sbc_gw_in_t *in, uint16_t n_in)
{
    sbc_carrier_t c = {0};
    c.id = id;
    c.kind = kind;
    c.account = account;
    c.trunk = SBC_TRUNK_STATIC_IP;
    c.name = name;
    c.pub_id = "b5c6a1a4-6f5e-4a0e-9d2b-2f4d3c2b1a00";
    c.in = in;
    c.n_in = n_in;
    return c;
}

static void commit(sbc_write_t *w)
{
    const char *why = NULL;
    if (sbc_write_commit(w, &why) != C_OK) fail_msg("commit: %s", why);
}

static sbc_index_t *fixture(void)
{
    sbc_index_t *idx = sbc_index_new();
    sbc_write_t *w;
    assert_int_equal(sbc_write_begin(idx, &w), C_OK);
    sbc_gw_in_t byoc_in[2] = {GI("203.0.113.0", 24, "11111111-1111-4111-8111-111111111111"),
                              GI("2001:db8::", 32, "22222222-2222-4222-8222-222222222222")};
    sbc_gw_out_t byoc_out[1] = {{.host = "sip.example.net", .port = 5080, .transport = SBC_TP_TCP,
                                 .sid = "33333333-3333-4333-8333-333333333333"}};
    sbc_carrier_t byoc = C(10, SBC_KIND_BYOC, 1, "Acme trunk", byoc_in, 2);
    byoc.out = byoc_out;
    byoc.n_out = 1;
    byoc.trunk = SBC_TRUNK_AUTH;
    byoc.in_user = "acme";
    static const uint8_t box[40] = {1, 2, 3};
    byoc.in_box = box;
    byoc.in_box_len = sizeof box;
    assert_int_equal(sbc_w_carrier_put(w, &byoc, NULL), C_OK);
    /* a second customer's carrier on a more specific part of the same range */
    sbc_gw_in_t other_in[1] = {GI("203.0.113.128", 25, "44444444-4444-4444-8444-444444444444")};
    sbc_carrier_t other = C(11, SBC_KIND_INCOMING, 2, "other", other_in, 1);
    assert_int_equal(sbc_w_carrier_put(w, &other, NULL), C_OK);
    sbc_gw_in_t up_in[1] = {GI("198.51.100.7", 32, "55555555-5555-4555-8555-555555555555")};
    sbc_carrier_t up = C(12, SBC_KIND_UPSTREAM, 0, "wholesale", up_in, 1);
    assert_int_equal(sbc_w_carrier_put(w, &up, NULL), C_OK);

    sbc_account_t a1 = {.id = 1, .status = SBC_ACCT_ACTIVE, .auth_id = "MAAAAAAAAAAAAAAAAAA1"};
    sbc_account_t s1 = {.id = 3, .parent = 1, .status = SBC_ACCT_SUSPENDED,
                        .auth_id = "SAAAAAAAAAAAAAAAAAA3"};
    assert_int_equal(sbc_w_account_put(w, &a1, NULL), C_OK);
    assert_int_equal(sbc_w_account_put(w, &s1, NULL), C_OK);
    sbc_app_t app = {.app_id = 12345678901234567ull, .account = 1, .app_id_text = "12345678901234567",
                     .answer_method = "POST", .answer_url = "https://app.example.com/answer"};
    assert_int_equal(sbc_w_app_put(w, &app, NULL), C_OK);
    sbc_number_t n = {.number = 14155550100ull, .state = 1, .owner = 1, .sub = 3, .carrier = 10,
                      .app = 12345678901234567ull};
    assert_int_equal(sbc_uuid_parse("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff", 36, n.sid), C_OK);
    assert_int_equal(sbc_w_number_put(w, &n, NULL), C_OK);
    sbc_number_t m = {.number = 4930123456, .state = 1, .owner = 1, .carrier = 12};
    assert_int_equal(sbc_w_number_put(w, &m, NULL), C_OK);
    assert_int_equal(sbc_write_staged(w), 8);
    commit(w);
    sbc_index_set_current(idx, true);
    return idx;
}

static void t_lookups(void **state)
{
    (void)state;
    sbc_index_t *idx = fixture();
    sbc_read_t r;
    assert_int_equal(sbc_read_begin(idx, &r), C_OK);

    sbc_number_t n;
    assert_true(sbc_r_number(&r, 14155550100ull, &n));
    assert_int_equal(n.owner, 1);
    assert_int_equal(n.sub, 3);
    assert_int_equal(n.carrier, 10);
    char sid[SBC_SID_SZ];
    sbc_uuid_text(n.sid, sid);
    assert_string_equal(sid, "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff");
    assert_false(sbc_r_number(&r, 14155550101ull, &n));
    assert_false(sbc_r_number(&r, 0, &n));

    const sbc_carrier_t *c = sbc_r_carrier(&r, 10);
    assert_non_null(c);
    assert_string_equal(c->name, "Acme trunk");
    assert_string_equal(c->in_user, "acme");
    assert_int_equal(c->in_box_len, 40);
    assert_int_equal(c->in_box[1], 2);
    assert_int_equal(c->n_out, 1);
    assert_string_equal(c->out[0].host, "sip.example.net");
    assert_int_equal(c->out[0].port, 5080);
    assert_string_equal(c->out_user, "");
    assert_null(sbc_r_carrier(&r, 99));

    /* any carrier: 203.0.113.200 is inside both; the /25 of carrier 11 wins */
    sbc_addr_t src = A("203.0.113.200");
    const sbc_gwref_t *refs;
    size_t nr;
    int plen;
    assert_true(sbc_r_source(&r, &src, &refs, &nr, &plen));
    assert_int_equal(plen, 25);
    assert_int_equal(nr, 1);
    assert_int_equal(refs[0].carrier, 11);
    /* restricted to the number's carrier: its /24, gateway 0 */
    sbc_gwref_t ref;
    assert_true(sbc_r_source_of(&r, &src, 10, &ref, &plen));
    assert_int_equal(plen, 24);
    assert_int_equal(ref.gw, 0);
    assert_string_equal(c->in[ref.gw].sid, "11111111-1111-4111-8111-111111111111");
    src = A("198.51.100.7");
    assert_false(sbc_r_source_of(&r, &src, 10, &ref, &plen));
    assert_true(sbc_r_source_of(&r, &src, 12, &ref, &plen));
    /* IPv6, and IPv4-mapped IPv6 looked up as IPv4 */
    src = A("2001:db8:ffff::1");
    assert_true(sbc_r_source_of(&r, &src, 10, &ref, &plen));
    assert_int_equal(ref.gw, 1);
    src = A("::ffff:203.0.113.5");
    assert_true(sbc_r_source_of(&r, &src, 10, &ref, &plen));
    assert_int_equal(plen, 24);
    src = A("192.0.2.1");
    assert_false(sbc_r_source(&r, &src, &refs, &nr, &plen));
    sbc_addr_t bad = {.family = 5};
    assert_false(sbc_r_source(&r, &bad, &refs, &nr, &plen));

    const sbc_account_t *sa = sbc_r_account(&r, 3);
    assert_non_null(sa);
    assert_int_equal(sa->status, SBC_ACCT_SUSPENDED);
    assert_int_equal(sa->parent, 1);
    /* by auth_id: the same records; an unknown or NULL auth_id: none */
    assert_ptr_equal(sbc_r_account_by_auth(&r, "SAAAAAAAAAAAAAAAAAA3"), sa);
    assert_ptr_equal(sbc_r_account_by_auth(&r, "MAAAAAAAAAAAAAAAAAA1"), sbc_r_account(&r, 1));
    assert_null(sbc_r_account_by_auth(&r, "MAAAAAAAAAAAAAAAAAA2"));
    assert_null(sbc_r_account_by_auth(&r, ""));
    assert_null(sbc_r_account_by_auth(&r, NULL));
    const sbc_app_t *app = sbc_r_app(&r, n.app);
    assert_non_null(app);
    assert_string_equal(app->answer_url, "https://app.example.com/answer");
    assert_string_equal(app->sip_uri, "");

    const uint32_t *ids;
    size_t nid;
    sbc_r_account_carriers(&r, 1, &ids, &nid);
    assert_int_equal(nid, 1);
    assert_int_equal(ids[0], 10);
    sbc_r_account_carriers(&r, 2, &ids, &nid);
    assert_int_equal(nid, 1);
    sbc_r_account_carriers(&r, 77, &ids, &nid);
    assert_int_equal(nid, 0);
    sbc_r_upstream_carriers(&r, &ids, &nid);
    assert_int_equal(nid, 1);
    assert_int_equal(ids[0], 12);
    sbc_read_end(&r);
    sbc_index_free(idx);
}

static void t_updates(void **state)
{
    (void)state;
    sbc_index_t *idx = fixture();
    uint64_t gen = sbc_index_generation(idx);
    sbc_write_t *w;
    /* carrier 10 moves to another range; carrier 11 goes; the number moves */
    sbc_gw_in_t in[1] = {GI("192.0.2.0", 24, "66666666-6666-4666-8666-666666666666")};
    sbc_carrier_t c = C(10, SBC_KIND_BYOC, 1, "Acme renamed", in, 1);
    assert_int_equal(sbc_write_begin(idx, &w), C_OK);
    assert_int_equal(sbc_w_carrier_put(w, &c, NULL), C_OK);
    assert_int_equal(sbc_w_carrier_del(w, 11, NULL), C_OK);
    assert_int_equal(sbc_w_carrier_del(w, 999, NULL), C_OK); /* absent: fine */
    assert_int_equal(sbc_w_number_del(w, 4930123456ull, NULL), C_OK);
    assert_int_equal(sbc_w_account_del(w, 3, NULL), C_OK);
    assert_int_equal(sbc_w_app_del(w, 12345678901234567ull, NULL), C_OK);
    commit(w);
    assert_true(sbc_index_generation(idx) > gen);

    sbc_read_t r;
    assert_int_equal(sbc_read_begin(idx, &r), C_OK);
    sbc_addr_t src = A("203.0.113.200");
    const sbc_gwref_t *refs;
    size_t nr;
    int plen;
    sbc_gwref_t ref;
    assert_false(sbc_r_source(&r, &src, &refs, &nr, &plen));
    src = A("192.0.2.9");
    assert_true(sbc_r_source_of(&r, &src, 10, &ref, &plen));
    assert_string_equal(sbc_r_carrier(&r, 10)->name, "Acme renamed");
    assert_null(sbc_r_carrier(&r, 11));
    assert_false(sbc_r_number(&r, 4930123456ull, NULL));
    assert_null(sbc_r_account(&r, 3));
    assert_null(sbc_r_account_by_auth(&r, "SAAAAAAAAAAAAAAAAAA3"));
    assert_non_null(sbc_r_account_by_auth(&r, "MAAAAAAAAAAAAAAAAAA1"));
    assert_null(sbc_r_app(&r, 12345678901234567ull));
    const uint32_t *ids;
    size_t nid;
    sbc_r_account_carriers(&r, 2, &ids, &nid);
    assert_int_equal(nid, 0);
    sbc_read_end(&r);

    sbc_stats_t s;
    sbc_index_stats(idx, &s);
    assert_int_equal(s.numbers, 1);
    assert_int_equal(s.carriers, 2);
    assert_int_equal(s.prefixes, 2);
    assert_int_equal(s.accounts, 1);
    assert_int_equal(s.apps, 0);
    assert_true(s.bytes_total > s.bytes_numbers);

    /* aborting a batch changes nothing */
    assert_int_equal(sbc_write_begin(idx, &w), C_OK);
    assert_int_equal(sbc_w_carrier_del(w, 10, NULL), C_OK);
    sbc_write_abort(w);
    assert_int_equal(sbc_read_begin(idx, &r), C_OK);
    assert_non_null(sbc_r_carrier(&r, 10));
    sbc_read_end(&r);
    sbc_index_free(idx);
}

static void t_bad_input(void **state)
{
    (void)state;
    sbc_index_t *idx = sbc_index_new();
    sbc_write_t *w;
    const char *why;
    assert_int_equal(sbc_write_begin(idx, &w), C_OK);
    sbc_number_t n = {.number = 0, .owner = 1};
    why = NULL;
    assert_int_equal(sbc_w_number_put(w, &n, &why), C_ERR);
    assert_non_null(why);
    n.number = 1000000000000000ull; /* 16 digits */
    assert_int_equal(sbc_w_number_put(w, &n, &why), C_ERR);
    n.number = 14155550100ull;
    n.owner = 0;
    assert_int_equal(sbc_w_number_put(w, &n, &why), C_ERR);

    sbc_gw_in_t in[1] = {GI("203.0.113.1", 24, "")}; /* host bits set */
    sbc_carrier_t c = C(1, SBC_KIND_BYOC, 1, "x", in, 1);
    why = NULL;
    assert_int_equal(sbc_w_carrier_put(w, &c, &why), C_ERR);
    assert_string_equal(why, "host bits set");
    in[0] = GI("203.0.113.0", 33, "");
    assert_int_equal(sbc_w_carrier_put(w, &c, &why), C_ERR);
    in[0] = GI("203.0.113.0", 24, "");
    c.kind = SBC_KIND_UPSTREAM; /* upstream with an account */
    assert_int_equal(sbc_w_carrier_put(w, &c, &why), C_ERR);
    c.kind = SBC_KIND_BYOC;
    c.account = 0;
    assert_int_equal(sbc_w_carrier_put(w, &c, &why), C_ERR);
    c.account = 1;
    char big[SBC_NAME_MAX + 2];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    c.name = big;
    why = NULL;
    assert_int_equal(sbc_w_carrier_put(w, &c, &why), C_ERR);
    assert_string_equal(why, "carrier name too long");
    c.name = "x";
    c.n_in = SBC_MAX_GW_IN + 1;
    assert_int_equal(sbc_w_carrier_put(w, &c, &why), C_ERR);
    c.n_in = 1;
    c.in_box_len = 10; /* no box */
    assert_int_equal(sbc_w_carrier_put(w, &c, &why), C_ERR);
    c.in_box_len = 0;
    sbc_gw_out_t out[1] = {{.host = "", .port = 5060}};
    c.out = out;
    c.n_out = 1;
    assert_int_equal(sbc_w_carrier_put(w, &c, &why), C_ERR);
    out[0].host = "ok.example";
    out[0].transport = 9;
    assert_int_equal(sbc_w_carrier_put(w, &c, &why), C_ERR);
    out[0].transport = SBC_TP_UDP;
    assert_int_equal(sbc_w_carrier_put(w, &c, &why), C_OK);

    sbc_account_t a = {.id = 0};
    assert_int_equal(sbc_w_account_put(w, &a, &why), C_ERR);
    a.id = 5;
    a.parent = 5;
    assert_int_equal(sbc_w_account_put(w, &a, &why), C_ERR);
    a.parent = 0;
    a.status = 9;
    assert_int_equal(sbc_w_account_put(w, &a, &why), C_ERR);
    memset(a.auth_id, 'M', sizeof a.auth_id); /* no NUL */
    a.status = 0;
    assert_int_equal(sbc_w_account_put(w, &a, &why), C_ERR);
    sbc_app_t app = {.app_id = 0};
    assert_int_equal(sbc_w_app_put(w, &app, &why), C_ERR);
    /* only the good carrier was staged */
    assert_int_equal(sbc_write_staged(w), 1);
    commit(w);

    /* not current: reads fail (503), stats still work */
    sbc_read_t r;
    assert_int_equal(sbc_read_begin(idx, &r), C_ERR);
    sbc_stats_t s;
    sbc_index_stats(idx, &s);
    assert_int_equal(s.carriers, 1);
    sbc_index_set_current(idx, true);
    assert_int_equal(sbc_read_begin(idx, &r), C_OK);
    sbc_read_end(&r);
    sbc_index_set_current(idx, false);
    assert_int_equal(sbc_read_begin(idx, &r), C_ERR);
    sbc_index_free(idx);
}

static void t_helpers(void **state)
{
    (void)state;
    uint64_t k;
    char txt[16];
    assert_int_equal(sbc_number_key("14155550100", 11, &k), C_OK);
    assert_int_equal(k, 14155550100ull);
    sbc_number_text(k, txt);
    assert_string_equal(txt, "14155550100");
    assert_int_equal(sbc_number_key("999999999999999", 15, &k), C_OK);
    assert_int_equal(sbc_number_key("1234567890123456", 16, &k), C_ERR);
    assert_int_equal(sbc_number_key("0415", 4, &k), C_ERR);
    assert_int_equal(sbc_number_key("+1415", 5, &k), C_ERR);
    assert_int_equal(sbc_number_key("14a5", 4, &k), C_ERR);
    assert_int_equal(sbc_number_key("", 0, &k), C_ERR);
    sbc_number_text(0, txt);
    assert_string_equal(txt, "");
    uint8_t u[16];
    char back[SBC_SID_SZ];
    assert_int_equal(sbc_uuid_parse("0F1E2D3C-4B5A-4978-8695-A4B3C2D1E0FF", 36, u), C_OK);
    sbc_uuid_text(u, back);
    assert_string_equal(back, "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0ff");
    assert_int_equal(sbc_uuid_parse("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f", 35, u), C_ERR);
    assert_int_equal(sbc_uuid_parse("0f1e2d3c04b5a-4978-8695-a4b3c2d1e0ff", 36, u), C_ERR);
    assert_int_equal(sbc_uuid_parse("0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0fg", 36, u), C_ERR);
}

static void t_replace(void **state)
{
    (void)state;
    sbc_index_t *idx = fixture();
    sbc_index_t *fresh = sbc_index_new();
    sbc_write_t *w;
    assert_int_equal(sbc_write_begin(fresh, &w), C_OK);
    sbc_number_t n = {.number = 33123456789ull, .state = 1, .owner = 9};
    assert_int_equal(sbc_w_number_put(w, &n, NULL), C_OK);
    commit(w);
    sbc_index_set_current(fresh, true);
    sbc_index_set_mark(fresh, 42);
    sbc_index_replace(idx, fresh);
    assert_int_equal(sbc_index_mark(idx), 42);
    sbc_read_t r;
    assert_int_equal(sbc_read_begin(idx, &r), C_OK);
    assert_true(sbc_r_number(&r, 33123456789ull, NULL));
    assert_false(sbc_r_number(&r, 14155550100ull, NULL));
    assert_null(sbc_r_carrier(&r, 10));
    sbc_read_end(&r);
    sbc_index_free(idx);
}

/* ---- readers racing a writer ---- */

typedef struct {
    sbc_index_t *idx;
    atomic_bool stop;
    atomic_long checks, torn;
} race_t;

static void *reader(void *arg)
{
    race_t *x = arg;
    sbc_addr_t src = A("10.9.8.7");
    while (!atomic_load(&x->stop)) {
        sbc_read_t r;
        if (sbc_read_begin(x->idx, &r) != C_OK) continue;
        sbc_number_t n;
        sbc_gwref_t ref;
        int plen;
        /* every batch moves the number and the gateway together: the
         * number's carrier always owns 10.0.0.0/8 */
        if (!sbc_r_number(&r, 14155550100ull, &n) || !sbc_r_source_of(&r, &src, n.carrier, &ref, &plen) ||
            sbc_r_carrier(&r, n.carrier) == NULL)
            atomic_fetch_add(&x->torn, 1);
        sbc_read_end(&r);
        atomic_fetch_add(&x->checks, 1);
    }
    return NULL;
}

static void t_race(void **state)
{
    (void)state;
    race_t x = {.idx = sbc_index_new()};
    sbc_gw_in_t on[1] = {GI("10.0.0.0", 8, "")}, off[1] = {GI("172.16.0.0", 12, "")};
    sbc_write_t *w;
    assert_int_equal(sbc_write_begin(x.idx, &w), C_OK);
    sbc_carrier_t c1 = C(1, SBC_KIND_BYOC, 1, "one", on, 1), c2 = C(2, SBC_KIND_BYOC, 1, "two", off, 1);
    sbc_number_t n = {.number = 14155550100ull, .state = 1, .owner = 1, .carrier = 1};
    sbc_w_carrier_put(w, &c1, NULL);
    sbc_w_carrier_put(w, &c2, NULL);
    sbc_w_number_put(w, &n, NULL);
    commit(w);
    sbc_index_set_current(x.idx, true);
    pthread_t th[3];
    for (int i = 0; i < 3; i++) pthread_create(&th[i], NULL, reader, &x);
    for (int round = 0; round < 3000; round++) {
        uint32_t to = round % 2 ? 1 : 2, from = 3 - to;
        assert_int_equal(sbc_write_begin(x.idx, &w), C_OK);
        sbc_carrier_t a = C(from, SBC_KIND_BYOC, 1, "from", off, 1);
        sbc_carrier_t b = C(to, SBC_KIND_BYOC, 1, "to", on, 1);
        n.carrier = to;
        /* deliberately ordered so that a half-applied batch is wrong */
        sbc_w_carrier_put(w, &a, NULL);
        /* grow the number table now and then, inside a batch */
        for (int k = 0; k < (round % 100 == 0 ? 5000 : 1); k++) {
            sbc_number_t filler = {.number = 20000000000ull + (uint64_t)round * 5000 + (uint64_t)k,
                                   .owner = 2};
            sbc_w_number_put(w, &filler, NULL);
        }
        sbc_w_number_put(w, &n, NULL);
        sbc_w_carrier_put(w, &b, NULL);
        commit(w);
    }
    atomic_store(&x.stop, true);
    for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
    assert_true(atomic_load(&x.checks) > 0);
    assert_int_equal(atomic_load(&x.torn), 0);
    sbc_index_free(x.idx);
}

/* SIP.md §6: outbound gateways marked down are counted (the
 * numberd_sbc_outbound_gateways_down gauge), re-puts and deletes keep the
 * count right. */
static void t_gateways_down(void **state)
{
    (void)state;
    sbc_index_t *idx = sbc_index_new();
    sbc_write_t *w;
    sbc_gw_out_t out[2] = {{.host = "192.0.2.1", .port = 5060, .down = true, .sid = "a"},
                           {.host = "192.0.2.2", .port = 5060, .sid = "b"}};
    sbc_carrier_t c = C(7, SBC_KIND_BYOC, 1, "probed", NULL, 0);
    c.out = out;
    c.n_out = 2;
    sbc_account_t acct = {.id = 1, .status = SBC_ACCT_ACTIVE, .auth_id = "MA0000000000000000AA"};
    assert_int_equal(sbc_write_begin(idx, &w), C_OK);
    assert_int_equal(sbc_w_account_put(w, &acct, NULL), C_OK);
    assert_int_equal(sbc_w_carrier_put(w, &c, NULL), C_OK);
    commit(w);
    sbc_stats_t s;
    sbc_index_stats(idx, &s);
    assert_int_equal(s.gateways_out, 2);
    assert_int_equal(s.gateways_down, 1);
    out[0].down = false;
    assert_int_equal(sbc_write_begin(idx, &w), C_OK);
    assert_int_equal(sbc_w_carrier_put(w, &c, NULL), C_OK);
    commit(w);
    sbc_index_stats(idx, &s);
    assert_int_equal(s.gateways_out, 2);
    assert_int_equal(s.gateways_down, 0);
    out[1].down = true;
    assert_int_equal(sbc_write_begin(idx, &w), C_OK);
    assert_int_equal(sbc_w_carrier_put(w, &c, NULL), C_OK);
    commit(w);
    sbc_index_stats(idx, &s);
    assert_int_equal(s.gateways_down, 1);
    assert_int_equal(sbc_write_begin(idx, &w), C_OK);
    assert_int_equal(sbc_w_carrier_del(w, 7, NULL), C_OK);
    commit(w);
    sbc_index_stats(idx, &s);
    assert_int_equal(s.gateways_out, 0);
    assert_int_equal(s.gateways_down, 0);
    sbc_index_free(idx);
}

/* The auth_id map follows every put and delete: a changed auth_id (token
 * rotation keeps it, but nothing forbids a store from changing it) drops
 * the old name; many accounts (the map grows) all resolve. */
static void t_auth_map(void **state)
{
    (void)state;
    sbc_index_t *idx = sbc_index_new();
    sbc_index_set_current(idx, true);
    sbc_write_t *w;
    char name[SBC_AUTH_ID_SZ];
    assert_int_equal(sbc_write_begin(idx, &w), C_OK);
    for (uint32_t i = 1; i <= 5000; i++) {
        sbc_account_t a = {.id = i, .status = SBC_ACCT_ACTIVE};
        snprintf(a.auth_id, sizeof a.auth_id, "MA%018u", i);
        assert_int_equal(sbc_w_account_put(w, &a, NULL), C_OK);
    }
    commit(w);
    assert_int_equal(sbc_write_begin(idx, &w), C_OK);
    sbc_account_t moved = {.id = 7, .status = SBC_ACCT_SUSPENDED, .auth_id = "MAMOVEDMOVEDMOVED007"};
    assert_int_equal(sbc_w_account_put(w, &moved, NULL), C_OK);
    assert_int_equal(sbc_w_account_del(w, 8, NULL), C_OK);
    commit(w);
    sbc_read_t r;
    assert_int_equal(sbc_read_begin(idx, &r), C_OK);
    for (uint32_t i = 1; i <= 5000; i++) {
        snprintf(name, sizeof name, "MA%018u", i);
        const sbc_account_t *a = sbc_r_account_by_auth(&r, name);
        if (i == 7 || i == 8) {
            assert_null(a);
        } else {
            assert_non_null(a);
            assert_int_equal(a->id, i);
        }
    }
    const sbc_account_t *m = sbc_r_account_by_auth(&r, "MAMOVEDMOVEDMOVED007");
    assert_non_null(m);
    assert_int_equal(m->id, 7);
    assert_int_equal(m->status, SBC_ACCT_SUSPENDED);
    sbc_read_end(&r);
    sbc_index_free(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_lookups), cmocka_unit_test(t_updates), cmocka_unit_test(t_bad_input),
        cmocka_unit_test(t_helpers), cmocka_unit_test(t_replace), cmocka_unit_test(t_race),
        cmocka_unit_test(t_gateways_down),
        cmocka_unit_test(t_auth_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
