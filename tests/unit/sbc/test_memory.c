/* test_memory.c -- the sbc index's memory at the sizes of issue 16:
 * 5,000,000 active numbers and 100,000 inbound gateways (SBC_MEM_NUMBERS
 * and SBC_MEM_GATEWAYS override them).  Prints the index's own count of
 * bytes and the allocator's (mallinfo2: what malloc really holds, its
 * overhead included), per number; checks the whole stays under 1 GiB and
 * under 64 bytes a number; and times single-threaded lookups.
 *
 * The load is what a phase-2 loader does: reserve the table for the
 * count, then batches of SBC_MAX_BATCH deltas.  Numbers come in blocks of
 * 10,000 consecutive numbers, as inventory does; gateways are 20,000
 * carriers of 5 each, a mix of IPv4 hosts and /24-/29 ranges and IPv6 /64s
 * and hosts, with 1 outbound gateway each. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sbc/sbc.h"

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t env_size(const char *name, size_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? (size_t)strtoull(v, NULL, 10) : dflt;
}

static size_t heap_bytes(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t number_at(size_t i)
{
    /* block b of 10,000: a NANP 1-NPA-NXX-x0000 prefix drawn from b */
    size_t b = i / 10000;
    uint64_t npa = 201 + (b * 7) % 790, nxx = 200 + (b * 13) % 790;
    return 10000000000ull + npa * 10000000ull + nxx * 10000ull + (uint64_t)(i % 10000);
}

static void t_memory(void **state)
{
    (void)state;
    size_t nnum = env_size("SBC_MEM_NUMBERS", 5000000);
    size_t ngw = env_size("SBC_MEM_GATEWAYS", 100000);
    size_t per = 5, ncar = (ngw + per - 1) / per;
    size_t before = heap_bytes();
    double t0 = now();

    sbc_index_t *idx = sbc_index_new();
    sbc_index_reserve(idx, nnum);
    sbc_write_t *w;
    const char *why = NULL;

    /* carriers and gateways */
    sbc_gw_in_t *in = calloc(per, sizeof *in);
    char host[64];
    sbc_gw_out_t out = {.host = host, .port = 5060};
    assert_int_equal(sbc_write_begin(idx, &w), C_OK);
    size_t made = 0;
    for (size_t c = 0; c < ncar; c++) {
        uint16_t k = 0;
        for (; k < per && made < ngw; k++, made++) {
            sbc_gw_in_t *g = &in[k];
            memset(g, 0, sizeof *g);
            uint64_t r = next();
            if (r % 5 == 0) {
                g->addr.family = 6;
                g->addr.addr[0] = 0x20;
                g->addr.addr[1] = 0x01;
                for (int i = 2; i < 16; i++) g->addr.addr[i] = (uint8_t)next();
                g->plen = r % 2 ? 128 : 64;
                if (g->plen == 64) memset(g->addr.addr + 8, 0, 8);
            } else {
                g->addr.family = 4;
                uint32_t a = (uint32_t)next();
                g->plen = r % 3 ? 32 : 24 + (int)(r % 6);
                a &= g->plen == 32 ? 0xFFFFFFFFu : ~(0xFFFFFFFFu >> g->plen);
                g->addr.addr[0] = (uint8_t)(a >> 24);
                g->addr.addr[1] = (uint8_t)(a >> 16);
                g->addr.addr[2] = (uint8_t)(a >> 8);
                g->addr.addr[3] = (uint8_t)a;
            }
            g->port = 5060;
            snprintf(g->sid, sizeof g->sid, "%08x-0000-4000-8000-%012x", (unsigned)c, (unsigned)made);
        }
        snprintf(host, sizeof host, "sip%zu.carrier.example.net", c);
        snprintf(out.sid, sizeof out.sid, "%08x-1111-4111-8111-%012x", (unsigned)c, (unsigned)c);
        char name[32], pub[40];
        snprintf(name, sizeof name, "carrier-%zu", c);
        snprintf(pub, sizeof pub, "%08x-2222-4222-8222-%012x", (unsigned)c, (unsigned)c);
        sbc_carrier_t car = {.id = (uint32_t)c + 1, .kind = c % 50 ? SBC_KIND_BYOC : SBC_KIND_UPSTREAM,
                             .account = c % 50 ? (uint32_t)(c % 50000) + 1 : 0, .name = name,
                             .pub_id = pub, .in = in, .n_in = k, .out = &out, .n_out = 1};
        if (sbc_w_carrier_put(w, &car, &why) != C_OK) fail_msg("carrier: %s", why);
    }
    for (uint32_t a = 1; a <= 50000; a++) {
        sbc_account_t acc = {.id = a};
        snprintf(acc.auth_id, sizeof acc.auth_id, "MA%018u", a);
        if (sbc_w_account_put(w, &acc, &why) != C_OK) fail_msg("account: %s", why);
        sbc_app_t app = {.app_id = 10000000000000000ull + a, .account = a, .answer_method = "POST",
                         .answer_url = "https://voice.example.com/answer/handler"};
        snprintf(app.app_id_text, sizeof app.app_id_text, "%llu", 10000000000000000ull + a);
        if (sbc_w_app_put(w, &app, &why) != C_OK) fail_msg("app: %s", why);
    }
    if (sbc_write_commit(w, &why) != C_OK) fail_msg("commit: %s", why);
    free(in);

    /* numbers, in batches */
    assert_int_equal(sbc_write_begin(idx, &w), C_OK);
    for (size_t i = 0; i < nnum; i++) {
        sbc_number_t n = {.number = number_at(i), .state = 1, .owner = (uint32_t)(i % 50000) + 1,
                          .sub = 0, .carrier = (uint32_t)(i % ncar) + 1,
                          .app = i % 2 ? 10000000000000000ull + i % 50000 + 1 : 0};
        for (int b = 0; b < 16; b++) n.sid[b] = (uint8_t)next();
        if (sbc_w_number_put(w, &n, &why) != C_OK) fail_msg("number: %s", why);
        if (sbc_write_staged(w) == SBC_MAX_BATCH) {
            if (sbc_write_commit(w, &why) != C_OK) fail_msg("commit: %s", why);
            assert_int_equal(sbc_write_begin(idx, &w), C_OK);
        }
    }
    if (sbc_write_commit(w, &why) != C_OK) fail_msg("commit: %s", why);
    sbc_index_set_current(idx, true);
    double t_load = now() - t0;
    size_t after = heap_bytes();

    sbc_stats_t s;
    sbc_index_stats(idx, &s);
    assert_int_equal(s.numbers, nnum);
    assert_int_equal(s.prefixes, ngw);
    size_t heap = after - before;
    printf("sbc index: %zu numbers, %zu carriers, %zu inbound gateways, %zu accounts, %zu apps\n",
           s.numbers, s.carriers, s.prefixes, s.accounts, s.apps);
    printf("  numbers   %12zu bytes (%.1f bytes/number)\n", s.bytes_numbers,
           (double)s.bytes_numbers / (double)(nnum ? nnum : 1));
    printf("  lpm       %12zu bytes (%.1f bytes/gateway)\n", s.bytes_lpm,
           (double)s.bytes_lpm / (double)(ngw ? ngw : 1));
    printf("  carriers  %12zu bytes\n", s.bytes_carriers);
    printf("  other     %12zu bytes (accounts, apps)\n", s.bytes_other);
    printf("  total     %12zu bytes = %.1f MiB (index's count)\n", s.bytes_total,
           (double)s.bytes_total / 1048576.0);
    printf("  malloc    %12zu bytes = %.1f MiB (mallinfo2, allocator overhead included)\n", heap,
           (double)heap / 1048576.0);
    printf("  load      %.2f s\n", t_load);

    /* single-threaded lookups: a number and its carrier's gateway */
    sbc_read_t r;
    size_t hits = 0, lookups = 1000000;
    double t1 = now();
    for (size_t i = 0; i < lookups; i++) {
        sbc_number_t n;
        sbc_addr_t src = {.family = 4};
        uint32_t a = (uint32_t)next();
        memcpy(src.addr, &a, 4);
        assert_int_equal(sbc_read_begin(idx, &r), C_OK);
        if (sbc_r_number(&r, number_at((size_t)(next() % (nnum ? nnum : 1))), &n)) {
            sbc_gwref_t ref;
            int plen;
            hits += sbc_r_source_of(&r, &src, n.carrier, &ref, &plen) ? 0 : 1;
            hits += sbc_r_carrier(&r, n.carrier) != NULL;
        }
        sbc_read_end(&r);
    }
    double t_look = now() - t1;
    printf("  lookups   %.0f ns each (number + carrier + LPM in one read section, 1 thread)\n",
           t_look / (double)lookups * 1e9);
    assert_true(nnum == 0 || hits > 0);

    assert_true(s.bytes_total < (size_t)1 << 30);
    assert_true(heap < (size_t)1 << 30);
    if (nnum >= 1000000) assert_true(s.bytes_numbers / nnum <= 64);
    sbc_index_free(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(t_memory)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
