/* fuzz_sbc_lpm.c -- the sbc index's longest-prefix match (src/sbc/lpm.h)
 * against a brute-force scan.
 *
 * The input is a program: each op is a few bytes (kind, family, prefix
 * length, a base address chosen from 4 per family plus a bit to flip, so
 * that prefixes nest and fork, carrier and gateway numbers).  Ops add or
 * remove a (prefix, reference) or query an address; after every op the
 * trie's answers (longest match of any carrier, longest match of one
 * carrier and its lowest gateway) must equal a scan over a plain list, the
 * reference count must match, and the trie must never hold more than
 * 2n - 1 nodes.  At the end everything is removed and no node may remain
 * (LeakSanitizer catches the rest). */
#include "fuzz.h"

#include <string.h>

#include "sbc/lpm.h"

#define MAXE 256

typedef struct {
    uint8_t key[16];
    int plen;
    sbc_gwref_t ref;
} ent_t;

typedef struct {
    sbc_lpm_t *t;
    int bits;
    ent_t e[MAXE];
    size_t n;
} fam_t;

static const uint8_t BASE[2][4][16] = {
    {{10, 0, 0, 0}, {10, 1, 2, 3}, {192, 168, 1, 128}, {255, 255, 255, 255}},
    {{0x20, 0x01, 0x0d, 0xb8},
     {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
     {0xfe, 0x80},
     {0x20, 0x01, 0x0d, 0xb9, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34}}};

static bool contains(const uint8_t *key, int plen, const uint8_t *a)
{
    for (int i = 0; i < plen; i++) {
        int b = 7 - (i & 7);
        if (((key[i >> 3] >> b) & 1) != ((a[i >> 3] >> b) & 1)) return false;
    }
    return true;
}

static void mask(uint8_t *k, int plen, int bits)
{
    for (int i = plen; i < bits; i++) k[i >> 3] &= (uint8_t)~(1u << (7 - (i & 7)));
}

static void query(const fam_t *f, const uint8_t *a, uint32_t carrier)
{
    int best = -1;
    size_t cnt = 0;
    for (size_t i = 0; i < f->n; i++)
        if (contains(f->e[i].key, f->e[i].plen, a) && f->e[i].plen > best) best = f->e[i].plen;
    for (size_t i = 0; i < f->n; i++)
        if (f->e[i].plen == best && contains(f->e[i].key, best, a)) cnt++;
    const sbc_gwref_t *refs = NULL;
    size_t rn = 0;
    int plen = -1;
    bool got = sbc_lpm_match(f->t, a, &refs, &rn, &plen);
    FUZZ_CHECK(got == (best >= 0));
    if (got) {
        FUZZ_CHECK(plen == best);
        FUZZ_CHECK(rn == cnt);
        for (size_t i = 1; i < rn; i++)
            FUZZ_CHECK(refs[i - 1].carrier < refs[i].carrier ||
                       (refs[i - 1].carrier == refs[i].carrier && refs[i - 1].gw < refs[i].gw));
    }
    int bc = -1;
    uint32_t bg = UINT32_MAX;
    for (size_t i = 0; i < f->n; i++) {
        if (f->e[i].ref.carrier != carrier || !contains(f->e[i].key, f->e[i].plen, a)) continue;
        if (f->e[i].plen > bc) {
            bc = f->e[i].plen;
            bg = f->e[i].ref.gw;
        } else if (f->e[i].plen == bc && f->e[i].ref.gw < bg) {
            bg = f->e[i].ref.gw;
        }
    }
    sbc_gwref_t r = {0, 0};
    got = sbc_lpm_match_carrier(f->t, a, carrier, &r, &plen);
    FUZZ_CHECK(got == (bc >= 0));
    if (got) {
        FUZZ_CHECK(plen == bc);
        FUZZ_CHECK(r.carrier == carrier && r.gw == bg);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fam_t fams[2];
    fams[0].t = sbc_lpm_new(32);
    fams[0].bits = 32;
    fams[0].n = 0;
    fams[1].t = sbc_lpm_new(128);
    fams[1].bits = 128;
    fams[1].n = 0;
    /* op: [kind|family] [plen] [base|flip hi] [flip lo] [carrier] [gw] */
    for (size_t p = 0; p + 6 <= size; p += 6) {
        const uint8_t *op = data + p;
        fam_t *f = &fams[op[0] & 1];
        int kind = (op[0] >> 1) % 4;
        int plen = op[1] % (f->bits + 1);
        uint8_t k[16];
        memcpy(k, BASE[op[0] & 1][op[2] & 3], 16);
        int flip = ((op[2] >> 2) << 8 | op[3]) % (f->bits + 8);
        if (flip < f->bits) k[flip >> 3] ^= (uint8_t)(1u << (7 - (flip & 7)));
        sbc_gwref_t ref = {(uint32_t)(op[4] % 8) + 1, (uint32_t)(op[5] % 4)};
        if (kind == 0 || kind == 1) {
            mask(k, plen, f->bits);
            bool dup = false;
            for (size_t i = 0; i < f->n; i++)
                if (f->e[i].plen == plen && memcmp(f->e[i].key, k, 16) == 0 &&
                    f->e[i].ref.carrier == ref.carrier && f->e[i].ref.gw == ref.gw)
                    dup = true;
            if (!dup && f->n == MAXE) continue;
            FUZZ_CHECK(sbc_lpm_add(f->t, k, plen, ref, NULL) == C_OK);
            if (!dup) {
                memcpy(f->e[f->n].key, k, 16);
                f->e[f->n].plen = plen;
                f->e[f->n].ref = ref;
                f->n++;
            }
        } else if (kind == 2) {
            /* remove entry #(op[4]) if there is one, else a missing one */
            if (f->n > 0) {
                size_t i = op[4] % f->n;
                FUZZ_CHECK(sbc_lpm_del(f->t, f->e[i].key, f->e[i].plen, f->e[i].ref, NULL) == C_OK);
                f->e[i] = f->e[--f->n];
            } else {
                const char *why = NULL;
                mask(k, plen, f->bits);
                FUZZ_CHECK(sbc_lpm_del(f->t, k, plen, ref, &why) == C_ERR && why != NULL);
            }
        } else {
            query(f, k, ref.carrier);
        }
        FUZZ_CHECK(sbc_lpm_refs(f->t) == f->n);
        FUZZ_CHECK(sbc_lpm_nodes(f->t) <= (f->n ? 2 * f->n - 1 : 0));
    }
    for (int fi = 0; fi < 2; fi++) {
        fam_t *f = &fams[fi];
        while (f->n > 0) {
            f->n--;
            FUZZ_CHECK(sbc_lpm_del(f->t, f->e[f->n].key, f->e[f->n].plen, f->e[f->n].ref, NULL) == C_OK);
        }
        FUZZ_CHECK(sbc_lpm_nodes(f->t) == 0);
        sbc_lpm_free(f->t);
        f->t = NULL;
    }
    return 0;
}
