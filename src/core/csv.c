/* csv.c -- streaming (push) RFC 4180 CSV parser; see csv.h for the rules.
 *
 * Design: one state machine driven byte-range by byte-range.  Runs of
 * ordinary bytes (the common case) are found with a table-driven scan and
 * copied into the record buffer with one memcpy; only the special bytes
 * (',', '"', CR, LF, NUL) go through the switch.  All state lives in the
 * parser, so a chunk may end anywhere.
 *
 * The record buffer holds the decoded fields back to back, each followed
 * by a NUL (the ',' that separated them is replaced by that NUL).  It is
 * reused for every record and grows by doubling, never beyond
 * CSV_MAX_RECORD + 1 bytes.
 *
 * Errors: once a record has an error, its bytes are no longer stored, but
 * the rest of the record is still lexed with the normal rules so that the
 * record ends where a correct parser would end it (a field starting with
 * '"' is still a quoted field whose CR/LF are data; a stray '"' elsewhere
 * is ignored).  This also applies to records that are too long or have
 * too many fields.  The first error found in a record is the one reported.
 *
 * Line breaks: LF, CRLF and lone CR count as one break each, inside quotes
 * too.  A CR counts when seen; an LF counts unless the byte before it was a
 * CR (p->prev_cr remembers the last byte of the previous chunk for that).
 */
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

#define CSV_E_UNTERM "unterminated quoted field"
#define CSV_E_QUOTE "unexpected quote in unquoted field"
#define CSV_E_AFTER "text after closing quote"
#define CSV_E_LONG "record too long"
#define CSV_E_FIELDS "too many fields"
#define CSV_E_NUL "NUL byte in record"

#define CSV_INITIAL_CAP 1024

enum {
    ST_BOM,   /* very start of input: matching a UTF-8 BOM */
    ST_REC,   /* between records: empty lines are skipped here */
    ST_FIELD, /* at the start of a field (after ',' or a record start) */
    ST_UNQ,   /* inside an unquoted field */
    ST_Q,     /* inside a quoted field */
    ST_QQ     /* inside a quoted field, just after a '"' */
};

static const unsigned char bom[3] = { 0xEF, 0xBB, 0xBF };

/* Bytes that end a run in an unquoted / quoted field. */
static const unsigned char stop_unq[256] = {
    [0] = 1, [','] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1,
};
static const unsigned char stop_q[256] = {
    [0] = 1, ['"'] = 1, ['\r'] = 1, ['\n'] = 1,
};

struct csv_parser {
    csv_cb cb;
    void *ud;

    char *buf;          /* decoded fields, NUL-separated */
    size_t cap;         /* allocated size of buf */
    size_t len;         /* bytes used in buf */
    size_t fstart;      /* offset of the field in progress */
    size_t nf;          /* completed fields in the current record */
    size_t off[CSV_MAX_FIELDS];
    const char *err;    /* first error in the current record, or NULL */

    int state;
    unsigned bom_len;   /* BOM bytes matched so far (state ST_BOM) */
    bool prev_cr;       /* last byte of the previous chunk was CR */
    bool stopped;       /* the callback returned C_ERR */
    bool finished;      /* csv_finish() was called */

    uint64_t line;      /* current physical line (1-based) */
    uint64_t rec_line;  /* line on which the current record started */
    uint64_t consumed;  /* bytes consumed */

    csv_record_t rec;
};

csv_parser_t *csv_new(csv_cb cb, void *ud)
{
    csv_parser_t *p = xcalloc(1, sizeof *p);
    p->cb = cb;
    p->ud = ud;
    p->cap = CSV_INITIAL_CAP;
    p->buf = xmalloc(p->cap);
    p->state = ST_BOM;
    p->line = 1;
    p->rec_line = 1;
    return p;
}

void csv_free(csv_parser_t *p)
{
    if (p == NULL) return;
    free(p->buf);
    free(p);
}

void csv_put_field(buf_t *b, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        buf_append(b, s, n);
        return;
    }
    buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') buf_putc(b, '"');
        buf_putc(b, s[i]);
    }
    buf_putc(b, '"');
}

uint64_t csv_bytes(const csv_parser_t *p)
{
    return p->consumed;
}

static inline void set_err(csv_parser_t *p, const char *msg)
{
    if (p->err == NULL) p->err = msg;
}

static void grow(csv_parser_t *p, size_t need)
{
    size_t ncap = p->cap;
    while (ncap < need) ncap *= 2;
    if (ncap > CSV_MAX_RECORD + 1) ncap = CSV_MAX_RECORD + 1;
    p->buf = xrealloc(p->buf, ncap);
    p->cap = ncap;
}

/* Append field data.  The decoded record (field bytes plus one byte per
 * separating ',') may not exceed CSV_MAX_RECORD bytes. */
static inline void append(csv_parser_t *p, const unsigned char *s, size_t n)
{
    if (p->err != NULL) return;
    if (n > CSV_MAX_RECORD - p->len) {
        p->err = CSV_E_LONG;
        return;
    }
    if (p->len + n > p->cap) grow(p, p->len + n);
    memcpy(p->buf + p->len, s, n);
    p->len += n;
}

/* End the field in progress; more = a ',' follows, so another field will. */
static inline void field_end(csv_parser_t *p, bool more)
{
    if (p->err != NULL) return;
    if (more) {
        if (p->nf + 1 >= CSV_MAX_FIELDS) {
            p->err = CSV_E_FIELDS;
            return;
        }
        if (p->len + 1 > CSV_MAX_RECORD) {
            p->err = CSV_E_LONG;
            return;
        }
    }
    /* len <= CSV_MAX_RECORD here, so this never exceeds the cap. */
    if (p->len + 1 > p->cap) grow(p, p->len + 1);
    p->rec.len[p->nf] = p->len - p->fstart;
    p->off[p->nf] = p->fstart;
    p->nf++;
    p->buf[p->len++] = '\0';
    p->fstart = p->len;
}

/* Finish the current record, hand it to the callback, reset for the next. */
static int deliver(csv_parser_t *p)
{
    csv_record_t *r = &p->rec;
    field_end(p, false);
    r->line = p->rec_line;
    if (p->err != NULL) {
        r->nfields = 0;
        r->error = p->err;
    } else {
        r->nfields = p->nf;
        r->error = NULL;
        for (size_t i = 0; i < p->nf; i++) r->field[i] = p->buf + p->off[i];
    }
    p->len = 0;
    p->fstart = 0;
    p->nf = 0;
    p->err = NULL;
    int rc = p->cb(r, p->ud);
    if (rc != C_OK) {
        p->stopped = true;
        return C_ERR;
    }
    return C_OK;
}

/* Run the state machine over d[0..n).  On a callback stop, *stop_at is the
 * index just after the byte that ended the stopping record. */
static int run(csv_parser_t *p, const unsigned char *d, size_t n, size_t *stop_at)
{
    size_t i = 0;
    int st = p->state;

#define PREV_IS_CR(i) ((i) > 0 ? d[(i) - 1] == '\r' : p->prev_cr)
#define END_RECORD()                                                \
    do {                                                            \
        p->line++;                                                  \
        i++;                                                        \
        st = ST_REC;                                                \
        if (deliver(p) != C_OK) {                                   \
            p->state = st;                                          \
            *stop_at = i;                                           \
            return C_ERR;                                           \
        }                                                           \
    } while (0)

    while (i < n) {
        unsigned char c;
        size_t s;
        switch (st) {
        case ST_REC:
            c = d[i];
            if (c == '\n') {
                /* an LF right after a CR is the rest of a CRLF */
                if (!PREV_IS_CR(i)) p->line++;
                i++;
                continue;
            }
            if (c == '\r') {
                p->line++;
                i++;
                continue;
            }
            p->rec_line = p->line;
            st = ST_FIELD;
            /* fallthrough */
        case ST_FIELD:
            c = d[i];
            if (c == '"') {
                st = ST_Q;
                i++;
                continue;
            }
            if (c == ',') {
                field_end(p, true);
                i++;
                continue;
            }
            if (c == '\r' || c == '\n') {
                END_RECORD();
                continue;
            }
            st = ST_UNQ;
            /* fallthrough */
        case ST_UNQ:
            s = i;
            while (i < n && !stop_unq[d[i]]) i++;
            if (i > s) append(p, d + s, i - s);
            if (i == n) continue;
            c = d[i];
            if (c == ',') {
                field_end(p, true);
                st = ST_FIELD;
                i++;
            } else if (c == '\r' || c == '\n') {
                END_RECORD();
            } else {
                /* a stray '"' is ignored after reporting it */
                set_err(p, c == '"' ? CSV_E_QUOTE : CSV_E_NUL);
                i++;
            }
            continue;
        case ST_Q:
            s = i;
            while (i < n && !stop_q[d[i]]) i++;
            if (i > s) append(p, d + s, i - s);
            if (i == n) continue;
            c = d[i];
            if (c == '"') {
                st = ST_QQ;
            } else if (c == '\r') {
                p->line++;
                append(p, d + i, 1);
            } else if (c == '\n') {
                if (!PREV_IS_CR(i)) p->line++;
                append(p, d + i, 1);
            } else {
                set_err(p, CSV_E_NUL);
            }
            i++;
            continue;
        case ST_QQ:
            c = d[i];
            if (c == '"') {
                append(p, d + i, 1);
                st = ST_Q;
                i++;
            } else if (c == ',') {
                field_end(p, true);
                st = ST_FIELD;
                i++;
            } else if (c == '\r' || c == '\n') {
                END_RECORD();
            } else {
                /* the rest of the field is lexed as unquoted text; a NUL
                 * is reported as such by ST_UNQ */
                if (c != 0) set_err(p, CSV_E_AFTER);
                st = ST_UNQ;
            }
            continue;
        default:
            nd_panic("csv: bad parser state %d", st);
        }
    }
#undef PREV_IS_CR
#undef END_RECORD

    p->state = st;
    if (n > 0) p->prev_cr = d[n - 1] == '\r';
    return C_OK;
}

/* Leave ST_BOM: the matched BOM prefix (if any, and not the whole BOM)
 * turned out to be data, so run it through the parser.  It holds no
 * record end, so it cannot stop the parser. */
static void bom_mismatch(csv_parser_t *p)
{
    size_t dummy = 0;
    p->state = ST_REC;
    if (p->bom_len > 0) (void)run(p, bom, p->bom_len, &dummy);
    p->bom_len = 0;
}

int csv_feed(csv_parser_t *p, const char *data, size_t n)
{
    const unsigned char *d = (const unsigned char *)data;
    size_t i = 0, stop_at = 0;

    if (p->stopped || p->finished) return C_ERR;
    while (p->state == ST_BOM && i < n) {
        if (d[i] == bom[p->bom_len]) {
            i++;
            if (++p->bom_len == sizeof bom) {
                p->state = ST_REC;
                p->bom_len = 0;
            }
        } else {
            bom_mismatch(p);
        }
    }
    if (i == n) {
        p->consumed += n;
        return C_OK;
    }
    if (run(p, d + i, n - i, &stop_at) != C_OK) {
        p->consumed += i + stop_at;
        return C_ERR;
    }
    p->consumed += n;
    return C_OK;
}

int csv_finish(csv_parser_t *p)
{
    if (p->stopped) return C_ERR;
    if (p->finished) return C_OK;
    p->finished = true;
    if (p->state == ST_BOM) bom_mismatch(p);
    switch (p->state) {
    case ST_REC:
        return C_OK;
    case ST_Q:
        set_err(p, CSV_E_UNTERM);
        break;
    default:
        break;
    }
    p->state = ST_REC;
    return deliver(p);
}
