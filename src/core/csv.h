/* csv.h -- a streaming (push) RFC 4180 CSV parser.
 *
 * Bytes are fed in arbitrary chunks (a chunk boundary may fall anywhere,
 * even inside a quoted field or between CR and LF); each complete record is
 * delivered to a callback.  Memory use is bounded by the largest record,
 * which is capped (CSV_MAX_RECORD bytes, CSV_MAX_FIELDS fields).
 *
 * Rules: fields separated by ','; records end with LF, CRLF or a lone CR
 * (outside quotes; a CRLF split across two feeds is still one record end);
 * a field that starts with '"' is quoted: '""' inside means one '"', and
 * commas, CR and LF inside are data; after the closing quote only ',' or a
 * record end may follow (else error "text after closing quote").  A '"'
 * inside an unquoted field is an error ("unexpected quote in unquoted
 * field").  ",," is three empty fields; a trailing ',' gives an empty last
 * field.  A file ending without a final newline still yields its last
 * record at csv_finish().  A UTF-8 BOM (EF BB BF) at the very start of the
 * input is skipped, even if split across feeds.  Empty lines (a record of
 * one empty field coming from an empty line) are skipped, not delivered;
 * a line holding only "" (a quoted empty field) or spaces is delivered.
 *
 * Line numbers: record->line is the 1-based physical line on which the
 * record STARTS; LF, CRLF and lone CR are one line break each, including
 * those inside quoted fields (so quoted newlines advance the count).
 *
 * Errors in one record (bad quoting, too long, too many fields, a NUL byte,
 * EOF inside quotes) do not stop the parser: the record is delivered with
 * rec.error set to a static message and rec.nfields = 0, and parsing
 * resumes at the next record end outside quotes.  The messages are:
 *   "unterminated quoted field"           EOF (csv_finish) inside quotes
 *   "unexpected quote in unquoted field"  '"' not at the start of a field
 *   "text after closing quote"            e.g. "ab"c
 *   "record too long"                     > CSV_MAX_RECORD bytes, counted
 *                                         as decoded field bytes plus one
 *                                         per separating ','
 *   "too many fields"                     > CSV_MAX_FIELDS fields
 *   "NUL byte in record"                  a 0x00 byte anywhere in it
 * The first error found in a record is the one reported.  "Outside quotes"
 * during recovery means: the rest of the broken record is still lexed with
 * the rules above (a field starting with '"' is quoted, so its CR/LF are
 * data; a stray '"' elsewhere is ignored), so e.g. a too-long quoted field
 * with newlines inside is skipped whole.
 *
 * Ownership: the record and its field pointers are valid only during the
 * callback (they point into the parser's buffer).
 *
 * Stopping: once the callback returns C_ERR, the parser is stopped and
 * every later csv_feed()/csv_finish() returns C_ERR; csv_bytes() then
 * counts up to and including the byte that ended the stopping record.
 * Call csv_finish() once, after the last csv_feed(); csv_feed() after
 * csv_finish() returns C_ERR.
 */
#ifndef ND_CSV_H
#define ND_CSV_H

#include "util/buf.h"
#include "util/common.h"

#define CSV_MAX_RECORD (64 * 1024)
#define CSV_MAX_FIELDS 64

typedef struct {
    uint64_t line;                 /* first physical line of the record */
    size_t nfields;
    const char *field[CSV_MAX_FIELDS]; /* NUL-terminated field texts */
    size_t len[CSV_MAX_FIELDS];    /* their lengths; a NUL byte in a record is an error */
    const char *error;             /* NULL, or why this record is broken */
} csv_record_t;

/* Return C_OK to continue, C_ERR to stop parsing (csv_feed returns C_ERR). */
typedef int (*csv_cb)(const csv_record_t *rec, void *ud);

typedef struct csv_parser csv_parser_t;

csv_parser_t *csv_new(csv_cb cb, void *ud);       /* caller frees with csv_free */
int csv_feed(csv_parser_t *p, const char *data, size_t n);  /* C_ERR if cb stopped */
int csv_finish(csv_parser_t *p);                  /* flush the last record; C_ERR if cb stopped */
void csv_free(csv_parser_t *p);
uint64_t csv_bytes(const csv_parser_t *p);        /* bytes consumed so far */

/* Writing: appends s (n bytes) to b as one field that this parser reads
 * back unchanged -- quoted (with '"' doubled) when it holds ',', '"', CR
 * or LF, as is otherwise.  The caller adds the ',' and the line end. */
void csv_put_field(buf_t *b, const char *s, size_t n);

#endif
