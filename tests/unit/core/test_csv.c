/* test_csv.c -- unit tests for the streaming CSV parser (core/csv.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"

/* ---- a collector that copies every record it is given ------------------ */

typedef struct {
    uint64_t line;
    const char *error;
    size_t nfields;
    char *field[CSV_MAX_FIELDS];
    size_t len[CSV_MAX_FIELDS];
} rec_copy_t;

typedef struct {
    rec_copy_t *recs;
    size_t n, cap;
    size_t stop_after; /* return C_ERR from the n-th call (1-based); 0 = never */
} coll_t;

static int collect_cb(const csv_record_t *rec, void *ud)
{
    coll_t *c = ud;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->recs = xrealloc(c->recs, c->cap * sizeof *c->recs);
    }
    rec_copy_t *r = &c->recs[c->n++];
    memset(r, 0, sizeof *r);
    r->line = rec->line;
    r->error = rec->error;
    r->nfields = rec->nfields;
    if (rec->error != NULL) assert_int_equal(rec->nfields, 0);
    assert_true(rec->nfields <= CSV_MAX_FIELDS);
    for (size_t i = 0; i < rec->nfields; i++) {
        /* fields are NUL-terminated C strings without inner NULs */
        assert_int_equal(rec->field[i][rec->len[i]], '\0');
        assert_int_equal(strlen(rec->field[i]), rec->len[i]);
        r->field[i] = xstrndup(rec->field[i], rec->len[i]);
        r->len[i] = rec->len[i];
    }
    if (c->stop_after != 0 && c->n == c->stop_after) return C_ERR;
    return C_OK;
}

static void coll_free(coll_t *c)
{
    for (size_t i = 0; i < c->n; i++)
        for (size_t j = 0; j < c->recs[i].nfields; j++) free(c->recs[i].field[j]);
    free(c->recs);
    memset(c, 0, sizeof *c);
}

/* Unambiguous text form of everything collected (for comparisons). */
static char *coll_serialize(const coll_t *c)
{
    size_t cap = 64, len = 0;
    char *out = xmalloc(cap);
    out[0] = '\0';
    for (size_t i = 0; i < c->n; i++) {
        const rec_copy_t *r = &c->recs[i];
        size_t need = 64 + (r->error ? strlen(r->error) : 0);
        for (size_t j = 0; j < r->nfields; j++) need += r->len[j] + 24;
        while (len + need + 1 > cap) cap *= 2;
        out = xrealloc(out, cap);
        len += (size_t)sprintf(out + len, "L%llu ", (unsigned long long)r->line);
        if (r->error) {
            len += (size_t)sprintf(out + len, "ERR[%s]\n", r->error);
            continue;
        }
        len += (size_t)sprintf(out + len, "%zu:", r->nfields);
        for (size_t j = 0; j < r->nfields; j++) {
            len += (size_t)sprintf(out + len, " %zu=", r->len[j]);
            memcpy(out + len, r->field[j], r->len[j]);
            len += r->len[j];
        }
        out[len++] = '\n';
        out[len] = '\0';
    }
    return out;
}

/* Parse n bytes in chunks given by cuts[] (ascending offsets), then finish.
 * Checks the return codes and csv_bytes(). */
static void parse_cuts(coll_t *c, const char *s, size_t n, const size_t *cuts, size_t ncuts)
{
    csv_parser_t *p = csv_new(collect_cb, c);
    size_t pos = 0;
    for (size_t k = 0; k <= ncuts; k++) {
        size_t end = k < ncuts ? cuts[k] : n;
        assert_int_equal(csv_feed(p, s + pos, end - pos), C_OK);
        pos = end;
        assert_int_equal(csv_bytes(p), pos);
    }
    assert_int_equal(csv_finish(p), C_OK);
    assert_int_equal(csv_bytes(p), n);
    csv_free(p);
}

static void parse_mem(coll_t *c, const char *s, size_t n)
{
    parse_cuts(c, s, n, NULL, 0);
}

static void parse_str(coll_t *c, const char *s)
{
    parse_mem(c, s, strlen(s));
}

static void check_rec(const coll_t *c, size_t i, uint64_t line, const char *const *f, size_t nf)
{
    assert_true(i < c->n);
    const rec_copy_t *r = &c->recs[i];
    if (r->error != NULL) fail_msg("record %zu: unexpected error '%s'", i, r->error);
    assert_int_equal(r->line, line);
    assert_int_equal(r->nfields, nf);
    for (size_t j = 0; j < nf; j++) {
        assert_int_equal(r->len[j], strlen(f[j]));
        assert_memory_equal(r->field[j], f[j], r->len[j]);
    }
}

static void check_err(const coll_t *c, size_t i, uint64_t line, const char *msg)
{
    assert_true(i < c->n);
    const rec_copy_t *r = &c->recs[i];
    assert_non_null(r->error);
    assert_string_equal(r->error, msg);
    assert_int_equal(r->line, line);
    assert_int_equal(r->nfields, 0);
}

#define FIELDS(...) ((const char *const[]){ __VA_ARGS__ })
#define NFIELDS(...) (sizeof(FIELDS(__VA_ARGS__)) / sizeof(const char *))
#define EXPECT(c, i, line, ...) check_rec((c), (i), (line), FIELDS(__VA_ARGS__), NFIELDS(__VA_ARGS__))

/* ---- basic records ---------------------------------------------------- */

static void test_simple(void **state)
{
    (void)state;
    coll_t c = { 0 };
    parse_str(&c, "a,b,c\n1,2,3\nhello world,+15551234567,x\n");
    assert_int_equal(c.n, 3);
    EXPECT(&c, 0, 1, "a", "b", "c");
    EXPECT(&c, 1, 2, "1", "2", "3");
    EXPECT(&c, 2, 3, "hello world", "+15551234567", "x");
    coll_free(&c);

    parse_str(&c, "single\n");
    assert_int_equal(c.n, 1);
    EXPECT(&c, 0, 1, "single");
    coll_free(&c);

    parse_str(&c, "");
    assert_int_equal(c.n, 0);
    coll_free(&c);
}

static void test_quoted(void **state)
{
    (void)state;
    coll_t c = { 0 };
    parse_str(&c, "\"a,b\",\"line1\nline2\",\"say \"\"hi\"\"\",\"\",x\n"
                  "\"\"\"\",\"\"\"\"\"\",\"cr\r\nlf\"\n");
    assert_int_equal(c.n, 2);
    EXPECT(&c, 0, 1, "a,b", "line1\nline2", "say \"hi\"", "", "x");
    EXPECT(&c, 1, 3, "\"", "\"\"", "cr\r\nlf");
    coll_free(&c);

    /* quoted field at end of input, no newline */
    parse_str(&c, "a,\"b\"");
    assert_int_equal(c.n, 1);
    EXPECT(&c, 0, 1, "a", "b");
    coll_free(&c);

    /* a line holding only "" is a real record with one empty field */
    parse_str(&c, "\"\"\nx\n");
    assert_int_equal(c.n, 2);
    EXPECT(&c, 0, 1, "");
    EXPECT(&c, 1, 2, "x");
    coll_free(&c);
}

static void test_crlf(void **state)
{
    (void)state;
    coll_t c = { 0 };
    parse_str(&c, "a,b\r\nc,d\r\n\"e\"\r\nf,\r\n");
    assert_int_equal(c.n, 4);
    EXPECT(&c, 0, 1, "a", "b");
    EXPECT(&c, 1, 2, "c", "d");
    EXPECT(&c, 2, 3, "e");
    EXPECT(&c, 3, 4, "f", "");
    coll_free(&c);

    /* CR, then LF in the next feed: one record end, one line */
    const char *s = "a,b\r\nc\r\n";
    size_t cut[] = { 4 };
    parse_cuts(&c, s, strlen(s), cut, 1);
    assert_int_equal(c.n, 2);
    EXPECT(&c, 0, 1, "a", "b");
    EXPECT(&c, 1, 2, "c");
    coll_free(&c);
}

static void test_lone_cr(void **state)
{
    (void)state;
    coll_t c = { 0 };
    parse_str(&c, "a\rb,c\r\"d\"\re");
    assert_int_equal(c.n, 4);
    EXPECT(&c, 0, 1, "a");
    EXPECT(&c, 1, 2, "b", "c");
    EXPECT(&c, 2, 3, "d");
    EXPECT(&c, 3, 4, "e");
    coll_free(&c);

    /* mixed terminators */
    parse_str(&c, "a\nb\r\nc\rd\n");
    assert_int_equal(c.n, 4);
    EXPECT(&c, 0, 1, "a");
    EXPECT(&c, 1, 2, "b");
    EXPECT(&c, 2, 3, "c");
    EXPECT(&c, 3, 4, "d");
    coll_free(&c);
}

static void test_no_final_newline(void **state)
{
    (void)state;
    coll_t c = { 0 };
    csv_parser_t *p = csv_new(collect_cb, &c);
    assert_int_equal(csv_feed(p, "a,b\nc,d", 7), C_OK);
    assert_int_equal(c.n, 1); /* the last record waits for csv_finish */
    assert_int_equal(csv_finish(p), C_OK);
    assert_int_equal(c.n, 2);
    EXPECT(&c, 0, 1, "a", "b");
    EXPECT(&c, 1, 2, "c", "d");
    /* finishing twice is harmless; feeding after finish is refused */
    assert_int_equal(csv_finish(p), C_OK);
    assert_int_equal(c.n, 2);
    assert_int_equal(csv_feed(p, "x\n", 2), C_ERR);
    assert_int_equal(c.n, 2);
    csv_free(p);
    coll_free(&c);
}

static void test_empty_fields(void **state)
{
    (void)state;
    coll_t c = { 0 };
    parse_str(&c, ",,\na,\n,b\n,\n\"\",\"\"\n,");
    assert_int_equal(c.n, 6);
    EXPECT(&c, 0, 1, "", "", "");
    EXPECT(&c, 1, 2, "a", "");
    EXPECT(&c, 2, 3, "", "b");
    EXPECT(&c, 3, 4, "", "");
    EXPECT(&c, 4, 5, "", "");
    EXPECT(&c, 5, 6, "", "");
    coll_free(&c);
}

static void test_empty_lines(void **state)
{
    (void)state;
    coll_t c = { 0 };
    /* lines: 1 "", 2 "", 3 a, 4 "" (CRLF), 5 "" (CR), 6 b, 7 "" */
    parse_str(&c, "\n\na\n\r\n\rb\n\n");
    assert_int_equal(c.n, 2);
    EXPECT(&c, 0, 3, "a");
    EXPECT(&c, 1, 6, "b");
    coll_free(&c);

    /* a line of spaces is not empty */
    parse_str(&c, " \n");
    assert_int_equal(c.n, 1);
    EXPECT(&c, 0, 1, " ");
    coll_free(&c);

    parse_str(&c, "\r\n\r\n\n\r");
    assert_int_equal(c.n, 0);
    coll_free(&c);
}

static void test_bom(void **state)
{
    (void)state;
    coll_t c = { 0 };
    parse_str(&c, "\xEF\xBB\xBF" "a,b\n");
    assert_int_equal(c.n, 1);
    EXPECT(&c, 0, 1, "a", "b");
    coll_free(&c);

    /* BOM split over three feeds */
    const char *s = "\xEF\xBB\xBF\"q\",b\n";
    size_t cuts[] = { 1, 2 };
    parse_cuts(&c, s, strlen(s), cuts, 2);
    assert_int_equal(c.n, 1);
    EXPECT(&c, 0, 1, "q", "b");
    coll_free(&c);

    /* BOM then an empty line */
    parse_str(&c, "\xEF\xBB\xBF\nx\n");
    assert_int_equal(c.n, 1);
    EXPECT(&c, 0, 2, "x");
    coll_free(&c);

    /* only a BOM */
    parse_str(&c, "\xEF\xBB\xBF");
    assert_int_equal(c.n, 0);
    coll_free(&c);

    /* an incomplete BOM is data */
    parse_str(&c, "\xEF\xBBx,y\n");
    assert_int_equal(c.n, 1);
    EXPECT(&c, 0, 1, "\xEF\xBBx", "y");
    coll_free(&c);

    parse_str(&c, "\xEF");
    assert_int_equal(c.n, 1);
    EXPECT(&c, 0, 1, "\xEF");
    coll_free(&c);

    parse_str(&c, "\xEF\xBB\n");
    assert_int_equal(c.n, 1);
    EXPECT(&c, 0, 1, "\xEF\xBB");
    coll_free(&c);

    /* a BOM prefix followed by a quote: the quote is then mid-field */
    parse_str(&c, "\xEF\"\nz\n");
    assert_int_equal(c.n, 2);
    check_err(&c, 0, 1, "unexpected quote in unquoted field");
    EXPECT(&c, 1, 2, "z");
    coll_free(&c);

    /* a BOM later in the input is data */
    parse_str(&c, "a\n\xEF\xBB\xBF" "b\n");
    assert_int_equal(c.n, 2);
    EXPECT(&c, 0, 1, "a");
    EXPECT(&c, 1, 2, "\xEF\xBB\xBF" "b");
    coll_free(&c);

    /* two BOMs: only the first is skipped */
    parse_str(&c, "\xEF\xBB\xBF\xEF\xBB\xBF\n");
    assert_int_equal(c.n, 1);
    EXPECT(&c, 0, 1, "\xEF\xBB\xBF");
    coll_free(&c);
}

static void test_line_numbers(void **state)
{
    (void)state;
    coll_t c = { 0 };
    /* 1: a | 2-4: "x\ny\r\nz",b | 5: c | 6: empty (lone CR) | 7: d
     * | 8-11: "p\rq\r\r" (lone CRs inside quotes) | 12: e */
    parse_str(&c, "a\n\"x\ny\r\nz\",b\nc\r\rd\n\"p\rq\r\r\"\ne\n");
    assert_int_equal(c.n, 6);
    EXPECT(&c, 0, 1, "a");
    EXPECT(&c, 1, 2, "x\ny\r\nz", "b");
    EXPECT(&c, 2, 5, "c");
    EXPECT(&c, 3, 7, "d");
    EXPECT(&c, 4, 8, "p\rq\r\r");
    EXPECT(&c, 5, 12, "e");
    coll_free(&c);

    /* a CRLF inside quotes split between feeds counts once */
    const char *s = "\"a\r\nb\",c\nd\n";
    size_t cut[] = { 3 };
    parse_cuts(&c, s, strlen(s), cut, 1);
    assert_int_equal(c.n, 2);
    EXPECT(&c, 0, 1, "a\r\nb", "c");
    EXPECT(&c, 1, 3, "d");
    coll_free(&c);
}

/* ---- errors and recovery ---------------------------------------------- */

static void test_err_unterminated(void **state)
{
    (void)state;
    coll_t c = { 0 };
    csv_parser_t *p = csv_new(collect_cb, &c);
    const char *s = "a\n\"abc\ndef,\"\"\n";
    assert_int_equal(csv_feed(p, s, strlen(s)), C_OK);
    assert_int_equal(c.n, 1);
    assert_int_equal(csv_finish(p), C_OK);
    assert_int_equal(c.n, 2);
    EXPECT(&c, 0, 1, "a");
    check_err(&c, 1, 2, "unterminated quoted field");
    csv_free(p);
    coll_free(&c);

    /* a lone opening quote */
    parse_str(&c, "x,\"");
    assert_int_equal(c.n, 1);
    check_err(&c, 0, 1, "unterminated quoted field");
    coll_free(&c);
}

static void test_err_unexpected_quote(void **state)
{
    (void)state;
    coll_t c = { 0 };
    parse_str(&c, "ab\"c,d\nx\n1,2\"\r\ny\n");
    assert_int_equal(c.n, 4);
    check_err(&c, 0, 1, "unexpected quote in unquoted field");
    EXPECT(&c, 1, 2, "x");
    check_err(&c, 2, 3, "unexpected quote in unquoted field");
    EXPECT(&c, 3, 4, "y");
    coll_free(&c);

    /* a stray quote does not open a quoted section: the LF ends the record */
    parse_str(&c, "a\"b\nc\"\nd\n");
    assert_int_equal(c.n, 3);
    check_err(&c, 0, 1, "unexpected quote in unquoted field");
    check_err(&c, 1, 2, "unexpected quote in unquoted field");
    EXPECT(&c, 2, 3, "d");
    coll_free(&c);
}

static void test_err_after_quote(void **state)
{
    (void)state;
    coll_t c = { 0 };
    parse_str(&c, "\"ab\"c,d\nx\n\"a\" ,b\ny\n");
    assert_int_equal(c.n, 4);
    check_err(&c, 0, 1, "text after closing quote");
    EXPECT(&c, 1, 2, "x");
    check_err(&c, 2, 3, "text after closing quote");
    EXPECT(&c, 3, 4, "y");
    coll_free(&c);

    /* recovery still honours a later quoted field with a newline inside */
    parse_str(&c, "\"ab\"c,\"q\nq\"\nx\n");
    assert_int_equal(c.n, 2);
    check_err(&c, 0, 1, "text after closing quote");
    EXPECT(&c, 1, 3, "x");
    coll_free(&c);
}

static char *repeat_char(char ch, size_t n)
{
    char *s = xmalloc(n + 1);
    memset(s, ch, n);
    s[n] = '\0';
    return s;
}

static void test_err_too_long(void **state)
{
    (void)state;
    coll_t c = { 0 };

    /* exactly CSV_MAX_RECORD bytes in one field: accepted */
    char *f = repeat_char('x', CSV_MAX_RECORD);
    char *s = xasprintf("%s\nok\n", f);
    parse_str(&c, s);
    assert_int_equal(c.n, 2);
    assert_null(c.recs[0].error);
    assert_int_equal(c.recs[0].len[0], CSV_MAX_RECORD);
    EXPECT(&c, 1, 2, "ok");
    coll_free(&c);
    free(s);

    /* one more byte: rejected, and the next record is fine */
    s = xasprintf("%sy\nok\n", f);
    parse_str(&c, s);
    assert_int_equal(c.n, 2);
    check_err(&c, 0, 1, "record too long");
    EXPECT(&c, 1, 2, "ok");
    coll_free(&c);
    free(s);
    free(f);

    /* the separating commas count: two fields of MAX/2 bytes are one too many */
    char *h = repeat_char('h', CSV_MAX_RECORD / 2);
    s = xasprintf("%s,%s\n%s,%s\nz\n", h, h, h, h + 1);
    parse_str(&c, s);
    assert_int_equal(c.n, 3);
    check_err(&c, 0, 1, "record too long");
    assert_null(c.recs[1].error);
    assert_int_equal(c.recs[1].nfields, 2);
    assert_int_equal(c.recs[1].len[0] + c.recs[1].len[1] + 1, CSV_MAX_RECORD);
    EXPECT(&c, 2, 3, "z");
    coll_free(&c);
    free(s);

    /* a too-long quoted field with newlines inside is skipped whole;
     * the line count still follows the skipped newlines */
    f = repeat_char('q', CSV_MAX_RECORD);
    s = xasprintf("a\n\"%s\n,\"\"\n%s\",x\nb\n", f, f);
    parse_str(&c, s);
    assert_int_equal(c.n, 3);
    EXPECT(&c, 0, 1, "a");
    check_err(&c, 1, 2, "record too long");
    EXPECT(&c, 2, 5, "b");
    coll_free(&c);

    /* same, fed byte by byte */
    size_t n = strlen(s);
    csv_parser_t *p = csv_new(collect_cb, &c);
    for (size_t i = 0; i < n; i++) assert_int_equal(csv_feed(p, s + i, 1), C_OK);
    assert_int_equal(csv_finish(p), C_OK);
    csv_free(p);
    assert_int_equal(c.n, 3);
    check_err(&c, 1, 2, "record too long");
    EXPECT(&c, 2, 5, "b");
    coll_free(&c);
    free(s);
    free(f);
    free(h);
}

static void test_err_too_many_fields(void **state)
{
    (void)state;
    coll_t c = { 0 };
    char buf[4 * CSV_MAX_FIELDS + 64];
    size_t len = 0;

    /* CSV_MAX_FIELDS fields: fine */
    for (int i = 0; i < CSV_MAX_FIELDS; i++)
        len += (size_t)sprintf(buf + len, "%s%d", i ? "," : "", i);
    buf[len++] = '\n';
    /* CSV_MAX_FIELDS + 1 fields (the last one empty): too many */
    for (int i = 0; i < CSV_MAX_FIELDS; i++) buf[len++] = ',';
    buf[len++] = '\n';
    len += (size_t)sprintf(buf + len, "next,\"\"\n");
    parse_mem(&c, buf, len);
    assert_int_equal(c.n, 3);
    assert_null(c.recs[0].error);
    assert_int_equal(c.recs[0].nfields, CSV_MAX_FIELDS);
    assert_string_equal(c.recs[0].field[CSV_MAX_FIELDS - 1], "63");
    check_err(&c, 1, 2, "too many fields");
    EXPECT(&c, 2, 3, "next", "");
    coll_free(&c);
}

static void test_err_nul(void **state)
{
    (void)state;
    coll_t c = { 0 };
    static const char s[] = "a\0b,c\nd\n\"x\0y\"\ne\n\"q\"\0\nf\n\0\ng";
    parse_mem(&c, s, sizeof s - 1);
    assert_int_equal(c.n, 8);
    check_err(&c, 0, 1, "NUL byte in record");
    EXPECT(&c, 1, 2, "d");
    check_err(&c, 2, 3, "NUL byte in record");
    EXPECT(&c, 3, 4, "e");
    check_err(&c, 4, 5, "NUL byte in record");
    EXPECT(&c, 5, 6, "f");
    check_err(&c, 6, 7, "NUL byte in record");
    EXPECT(&c, 7, 8, "g");
    coll_free(&c);
}

static void test_err_first_wins(void **state)
{
    (void)state;
    coll_t c = { 0 };
    static const char s[] = "a\"b,\"c\"d,\0\n\"e\"x,\"\nz";
    parse_mem(&c, s, sizeof s - 1);
    assert_int_equal(c.n, 2);
    check_err(&c, 0, 1, "unexpected quote in unquoted field");
    check_err(&c, 1, 2, "text after closing quote");
    coll_free(&c);
}

/* ---- callback stop ----------------------------------------------------- */

static void test_callback_stop(void **state)
{
    (void)state;
    coll_t c = { .stop_after = 2 };
    csv_parser_t *p = csv_new(collect_cb, &c);
    assert_int_equal(csv_feed(p, "a\r\nb\r\nc\r\n", 9), C_ERR);
    assert_int_equal(c.n, 2);
    EXPECT(&c, 1, 2, "b");
    /* consumed up to the CR that ended "b" */
    assert_int_equal(csv_bytes(p), 5);
    assert_int_equal(csv_feed(p, "d\n", 2), C_ERR);
    assert_int_equal(csv_finish(p), C_ERR);
    assert_int_equal(c.n, 2);
    assert_int_equal(csv_bytes(p), 5);
    csv_free(p);
    coll_free(&c);

    /* stopping on an error record works the same */
    c = (coll_t){ .stop_after = 1 };
    p = csv_new(collect_cb, &c);
    assert_int_equal(csv_feed(p, "x\"\ny\n", 5), C_ERR);
    assert_int_equal(c.n, 1);
    assert_int_equal(csv_bytes(p), 3);
    csv_free(p);
    coll_free(&c);

    /* stop on the record flushed by csv_finish */
    c = (coll_t){ .stop_after = 1 };
    p = csv_new(collect_cb, &c);
    assert_int_equal(csv_feed(p, "last", 4), C_OK);
    assert_int_equal(csv_finish(p), C_ERR);
    assert_int_equal(c.n, 1);
    EXPECT(&c, 0, 1, "last");
    assert_int_equal(csv_finish(p), C_ERR);
    csv_free(p);
    coll_free(&c);
}

/* ---- chunking property ------------------------------------------------- */

static char *serialize_parse(const char *s, size_t n, const size_t *cuts, size_t ncuts)
{
    coll_t c = { 0 };
    parse_cuts(&c, s, n, cuts, ncuts);
    char *out = coll_serialize(&c);
    coll_free(&c);
    return out;
}

static void check_chunking(const char *s, size_t n)
{
    char *whole = serialize_parse(s, n, NULL, 0);

    /* every two-chunk split (including empty first/last chunks) */
    for (size_t k = 0; k <= n; k++) {
        size_t cut = k;
        char *got = serialize_parse(s, n, &cut, 1);
        if (strcmp(whole, got) != 0)
            fail_msg("split at %zu of %zu differs:\nwhole:\n%s\nsplit:\n%s", k, n, whole, got);
        free(got);
    }

    /* byte by byte */
    if (n > 0) {
        size_t *cuts = xmalloc(n * sizeof *cuts);
        for (size_t k = 0; k < n; k++) cuts[k] = k + 1;
        char *got = serialize_parse(s, n, cuts, n - 1);
        if (strcmp(whole, got) != 0)
            fail_msg("byte-by-byte differs:\nwhole:\n%s\nbytes:\n%s", whole, got);
        free(got);
        free(cuts);
    }
    free(whole);
}

#define TRICKY(s) { s, sizeof(s) - 1 }

static void test_chunking_property(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
    } cases[] = {
        TRICKY("a,b,c\n1,2,3\n"),
        TRICKY("a,b\r\nc,d\r\n"),
        TRICKY("a\rb\r\rc\r"),
        TRICKY("a\r\n\r\nb\r\n\n\rc"),
        TRICKY("\"a,b\",\"x\"\"y\",\"\"\"\"\n\"\"\r\n"),
        TRICKY("\"l1\r\nl2\rl3\nl4\",z\r\nnext\r"),
        TRICKY("\"\"\"\"\"\"\r\"\r\"\r\n"),
        TRICKY(",,\n,\n\",\"\n,a,\r\n"),
        TRICKY("\xEF\xBB\xBF" "a,b\r\n\"c\"\r\n"),
        TRICKY("\xEF\xBB\xBF\r\n\xEF\xBB\xBF\r\n"),
        TRICKY("\xEF\xBBz\n"),
        TRICKY("\xEF\xBB\"\r\n"),
        TRICKY("\xEF"),
        TRICKY("no newline at end"),
        TRICKY("\"unterminated\r\nquoted,field"),
        TRICKY("ab\"c,d\r\nx\r\n\"ab\"c,\"q\r\nq\"\r\ny"),
        TRICKY("\"a\"\r\"b\"\n\"c\"\r\n\"d\""),
        TRICKY("a\0b\r\n\"\0\"\r\n\"x\"\0\r\nok\r\n"),
        TRICKY(",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\r\n"
               "\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\","
               "\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\",\","
               "\",\",\",\",\",\",\",\",\",\",\",\",\"\r\n\"\"\"\r\n\"\r\nok"),
        TRICKY("\r\n\r\n\r\n"),
        TRICKY("\n\r\n\r\r\n\n\r\"\"\r"),
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(cases); i++) check_chunking(cases[i].s, cases[i].n);

    /* a record bigger than the parser's initial buffer, with quoting */
    size_t n = 0, cap = 8192;
    char *big = xmalloc(cap);
    n += (size_t)sprintf(big + n, "first,\"");
    for (int i = 0; i < 700; i++) n += (size_t)sprintf(big + n, "%d\"\",\r\n", i % 10);
    n += (size_t)sprintf(big + n, "\",tail\r\nlast\r");
    assert_true(n < cap);
    check_chunking(big, n);
    free(big);
}

/* ---- many rows ----------------------------------------------------------- */

typedef struct {
    size_t records; /* including the header */
    size_t bad;
} bulk_t;

static int bulk_cb(const csv_record_t *rec, void *ud)
{
    bulk_t *b = ud;
    if (b->records++ == 0) {
        /* header on line 1 */
        if (rec->error != NULL || rec->nfields != 5 || rec->line != 1 ||
            strcmp(rec->field[0], "id") != 0 || strcmp(rec->field[4], "empty") != 0)
            b->bad++;
        return C_OK;
    }
    size_t i = b->records - 2; /* data row index; row i is on line i + 2 */
    char want[64];
    if (rec->error != NULL || rec->nfields != 5 || rec->line != i + 2) {
        b->bad++;
        return C_OK;
    }
    snprintf(want, sizeof want, "%zu", i);
    if (strcmp(rec->field[0], want) != 0) b->bad++;
    snprintf(want, sizeof want, "+1555%07zu", i);
    if (strcmp(rec->field[2], want) != 0) b->bad++;
    if (i % 3 == 0)
        snprintf(want, sizeof want, "Name %zu, \"Jr.\"", i);
    else
        snprintf(want, sizeof want, "Name %zu", i);
    if (strcmp(rec->field[1], want) != 0) b->bad++;
    if (rec->len[4] != 0) b->bad++;
    return C_OK;
}

static void test_many_rows(void **state)
{
    (void)state;
    enum { ROWS = 200000 };
    size_t cap = (size_t)ROWS * 96 + 128, n = 0;
    char *s = xmalloc(cap);
    n += (size_t)sprintf(s + n, "\xEF\xBB\xBFid,name,phone,note,empty\r\n");
    for (size_t i = 0; i < ROWS; i++) {
        if (i % 3 == 0)
            n += (size_t)sprintf(s + n, "%zu,\"Name %zu, \"\"Jr.\"\"\",+1555%07zu,some note text,\r\n",
                                 i, i, i);
        else
            n += (size_t)sprintf(s + n, "%zu,Name %zu,+1555%07zu,other note,\r\n", i, i, i);
    }
    assert_true(n < cap);

    /* fed in odd-sized chunks, so boundaries land everywhere in rows */
    bulk_t b = { 0 };
    csv_parser_t *p = csv_new(bulk_cb, &b);
    const size_t chunk = 65521;
    for (size_t pos = 0; pos < n; pos += chunk) {
        size_t k = n - pos < chunk ? n - pos : chunk;
        assert_int_equal(csv_feed(p, s + pos, k), C_OK);
    }
    assert_int_equal(csv_finish(p), C_OK);
    assert_int_equal(csv_bytes(p), n);
    csv_free(p);
    assert_int_equal(b.records, ROWS + 1);
    assert_int_equal(b.bad, 0);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_lone_cr),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_empty_lines),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_line_numbers),
        cmocka_unit_test(test_err_unterminated),
        cmocka_unit_test(test_err_unexpected_quote),
        cmocka_unit_test(test_err_after_quote),
        cmocka_unit_test(test_err_too_long),
        cmocka_unit_test(test_err_too_many_fields),
        cmocka_unit_test(test_err_nul),
        cmocka_unit_test(test_err_first_wins),
        cmocka_unit_test(test_callback_stop),
        cmocka_unit_test(test_chunking_property),
        cmocka_unit_test(test_many_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
