/* fuzz_csv.c -- the streaming CSV parser (csv.h) and inventory row
 * validation (inv_validate_row).
 *
 * Input: one byte seeding the chunk sizes, then the CSV text.
 * Properties: the records do not depend on how the bytes are chunked (one
 * feed, chunks of pseudo-random sizes, and, for small inputs, one byte at
 * a time all give the same records); a record either has an error and no
 * fields or fields whose lengths are right and which hold no NUL; line
 * numbers never go down; csv_bytes() counts every byte fed.  Then the
 * first good record is taken as a header and every later one is validated
 * as an inventory row: an accepted row has a valid E.164 number, a
 * refused one says why. */
#include "fuzz.h"

#include <string.h>

#include "core/core.h"
#include "core/csv.h"
#include "core/e164.h"
#include "core/inventory.h"
#include "util/buf.h"

typedef struct {
    buf_t digest;          /* every record, serialised */
    uint64_t last_line;
    /* the header and rows, for the inventory check (first pass only) */
    bool keep;
    char **hdr;
    size_t nhdr;
} rec_ctx_t;

static void check_row(rec_ctx_t *c, const csv_record_t *rec)
{
    if (rec->error || rec->nfields == 0) return;
    if (c->hdr == NULL) {
        c->hdr = calloc(rec->nfields, sizeof *c->hdr);
        if (c->hdr == NULL) abort();
        for (size_t i = 0; i < rec->nfields; i++) c->hdr[i] = strdup(rec->field[i]);
        c->nhdr = rec->nfields;
        return;
    }
    size_t n = rec->nfields < c->nhdr ? rec->nfields : c->nhdr;
    inv_number_t out;
    char why[160] = "";
    if (inv_validate_row((const char *const *)c->hdr, rec->field, n, &out, why, sizeof why) == C_OK) {
        char canon[E164_BUFSZ];
        FUZZ_CHECK(e164_parse(out.number, canon, NULL) == C_OK && strcmp(canon, out.number) == 0);
        FUZZ_CHECK(strlen(out.country_iso) == 2);
    } else {
        FUZZ_CHECK(why[0] != '\0');
    }
}

static int on_record(const csv_record_t *rec, void *ud)
{
    rec_ctx_t *c = ud;
    FUZZ_CHECK(rec->line >= 1 && rec->line >= c->last_line);
    c->last_line = rec->line;
    buf_printf(&c->digest, "L%llu E%s N%zu:", (unsigned long long)rec->line,
               rec->error ? rec->error : "-", rec->nfields);
    if (rec->error) FUZZ_CHECK(rec->nfields == 0);
    FUZZ_CHECK(rec->nfields <= CSV_MAX_FIELDS);
    for (size_t i = 0; i < rec->nfields; i++) {
        FUZZ_CHECK(strlen(rec->field[i]) == rec->len[i]);
        buf_printf(&c->digest, "%zu=", rec->len[i]);
        buf_append(&c->digest, rec->field[i], rec->len[i]);
        buf_putc(&c->digest, ';');
    }
    buf_putc(&c->digest, '\n');
    if (c->keep) check_row(c, rec);
    return C_OK;
}

/* Parses data in chunks whose sizes come from a small generator seeded by
 * seed (0: one feed; 1: one byte at a time). */
static void parse(const uint8_t *data, size_t size, unsigned seed, rec_ctx_t *c)
{
    csv_parser_t *p = csv_new(on_record, c);
    size_t off = 0;
    uint32_t x = seed * 2654435761u + 1;
    while (off < size) {
        size_t n = size - off;
        if (seed == 1) n = 1;
        else if (seed > 1) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            size_t want = 1 + x % 17;
            if (want < n) n = want;
        }
        FUZZ_CHECK(csv_feed(p, (const char *)data + off, n) == C_OK);
        off += n;
    }
    FUZZ_CHECK(csv_finish(p) == C_OK);
    FUZZ_CHECK(csv_bytes(p) == size);
    csv_free(p);
}

static bool same(const buf_t *a, const buf_t *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    unsigned seed = 2 + data[0];
    data++;
    size--;
    rec_ctx_t whole = {.keep = true}, chunked = {0}, bytes = {0};
    parse(data, size, 0, &whole);
    parse(data, size, seed, &chunked);
    FUZZ_CHECK(same(&whole.digest, &chunked.digest));
    if (size <= 4096) {
        parse(data, size, 1, &bytes);
        FUZZ_CHECK(same(&whole.digest, &bytes.digest));
    }
    for (size_t i = 0; i < whole.nhdr; i++) free(whole.hdr[i]);
    free(whole.hdr);
    buf_free(&whole.digest);
    buf_free(&chunked.digest);
    buf_free(&bytes.digest);
    return 0;
}
