/* inventory.c -- importing the operator's inventory from CSV (CLI.md).
 *
 * One streaming pass: bytes go through the push parser, each row is
 * validated and upserted, and the transaction is committed every
 * IMPORT_BATCH rows so that a long import neither holds the write lock for
 * its whole length nor costs one fsync per row.  The write lock is held
 * only while rows are fed, so the feeder must feed at its own pace, never
 * at a client's: the HTTP import stages the upload first (api/admin.c) and
 * asks for batches of bounded time with a rest between them
 * (inv_import_pace).  A bad row is listed with
 * its line and reason and the others go on; a bad header stops everything
 * before any row is written.
 *
 * Unpaced (the CLI's import, the demo's inventory), valid rows are not handed to
 * the store as they come: they wait, packed, in a sort buffer (up to
 * SORT_MAX_ROWS rows or SORT_MAX_BYTES), and are handed over in number
 * order, by (number, line), when the file ends or the buffer is full.  A
 * row lands in indexes ordered by number (store/sqlite/inventory.c): a file in
 * random order then writes each batch into one narrow range of every
 * index (into an empty inventory: appends) instead of all over it --
 * 1,000,000 random-order rows import in about half the time
 * (docs/PERFORMANCE.md).  What a row does is the same in either order:
 * its outcome is decided when it reaches the store, rows of one number
 * still come in file order, and the refused rows (sold, held, aging) are
 * listed by line with the invalid ones (merge_refused).  Transactions keep
 * their size (IMPORT_BATCH rows): the write lock is held no longer than
 * before.
 */
#include "core/inventory.h"
#include "core/upstream.h"
#include "core/core_int.h"
#include "core/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/country.h"
#include "core/csv.h"
#include "core/money.h"
#include "core/numbers.h"
#include "util/utf8.h"

#define IMPORT_BATCH 100000
/* Unpaced (the CLI's import): a batch also ends after 1 s of writing, and
 * after each second of writing the import rests 100 ms with the lock free.
 * SQLite's waiters poll for the lock every 100 ms once they have waited a
 * while; back-to-back batches left them no gap, and a server on the same
 * file, whose writes wait 3 s for another process's lock (serve.c), then
 * answered 503 through the import's whole writing phase (a review, session
 * 40).  1,000,000 rows: about 0.3 s more. */
#define SORTED_BATCH_NS 1000000000LL
#define SORTED_REST_NS 100000000L

/* The sort buffer's bounds (about 150 bytes a row): past either, what it
 * holds is written and it starts again. */
#define SORT_MAX_ROWS 1048576
#define SORT_MAX_BYTES ((size_t)192 << 20)

enum {
    COL_NUMBER, COL_COUNTRY_ISO, COL_TYPE, COL_SUB_TYPE, COL_PREFIX, COL_CITY, COL_REGION,
    COL_RATE_CENTER, COL_LATA, COL_VOICE, COL_SMS, COL_MMS, COL_SETUP_RATE, COL_MONTHLY_RATE,
    COL_VOICE_RATE, COL_SMS_RATE, COL_MMS_RATE, COL_RESTRICTION, COL_RESTRICTION_TEXT,
    COL_CARRIER, COL__N
};

static const char *const k_cols[COL__N] = {
    "number", "country_iso", "type", "sub_type", "prefix", "city", "region", "rate_center",
    "lata", "voice_enabled", "sms_enabled", "mms_enabled", "setup_rate", "monthly_rental_rate",
    "voice_rate", "sms_rate", "mms_rate", "restriction", "restriction_text", "carrier",
};

struct inv_import {
    core_t *c;
    store_import_t *sim;
    csv_parser_t *csv;
    bool dry_run;
    bool have_header;
    bool failed;
    int col_of[CSV_MAX_FIELDS];  /* field index -> COL_ or -1 */
    size_t ncols;
    uint64_t rows, since_commit;
    uint64_t kept_new, kept_updated; /* counted at the last batch's commit */
    bool noted;                      /* note_kept said them */
    uint64_t batch;              /* rows per transaction, at most */
    int64_t budget_ns;           /* paced (inv_import_pace): a batch's time, at most; 0: not paced */
    struct timespec batch_start; /* paced: the batch's start; unpaced: the last rest's end */
    inv_result_t res;
    cerr_t err;
    inv_progress_cb progress;
    void *progress_ud;
    const volatile sig_atomic_t *stop; /* inv_import_watch */
    bool interrupted;                  /* it was set: stopped, not failed */
    /* the distinct carrier names of accepted rows: each becomes an upstream
     * carrier at the end unless it exists (SIP.md §1) */
    /* the distinct carrier names of the file's valid rows (the cap), and
     * of those written, not refused (the upstream carriers to make: a
     * carrier named only by refused rows -- sold numbers -- was made all
     * the same, a helper's audit, session 37) */
    char (*named)[MODEL_CARRIER_SZ];
    size_t nnamed;
    char (*carriers)[MODEL_CARRIER_SZ];
    size_t ncarriers;
    /* unpaced: valid rows waiting to be written in number order */
    bool sorted;
    uint64_t nread;              /* valid rows read */
    char *sarena;                /* packed rows (pack_row) */
    size_t salen, sacap;
    struct sort_ent *sent;       /* each row's sort key and where it starts in sarena */
    size_t sn, scap;
    bool skey_text;              /* a number that is no key: this batch sorts by text */
    /* rows the store refused while written in number order: listed by
     * line with the others at the end (merge_refused), the
     * INV_MAX_REJECTED_LISTED lowest lines kept */
    inv_reject_t *refused;
    size_t nrefused;
    /* a dry run: the numbers it counted as inserted (a set of their
     * number_key, dry_seen), so that a repeat in a later batch counts as
     * the update the real import makes of it */
    uint64_t *seen;
    size_t seen_cap, seen_n;
};

/* Past this many distinct carriers in one file a row is refused: a real
 * inventory names a handful, and the list is searched per row. */
#define IMPORT_MAX_CARRIERS 1024

/* Adds name to a set of at most IMPORT_MAX_CARRIERS names (*set
 * allocated on first use); C_ERR when it is full. */
static int name_add(char (**set)[MODEL_CARRIER_SZ], size_t *n, const char *name)
{
    /* rows come in runs of one carrier: look at the last one first */
    for (size_t i = *n; i-- > 0;)
        if (strcmp((*set)[i], name) == 0) return C_OK;
    if (*n == IMPORT_MAX_CARRIERS) return C_ERR;
    if (!*set) *set = xcalloc(IMPORT_MAX_CARRIERS, sizeof **set);
    snprintf((*set)[(*n)++], MODEL_CARRIER_SZ, "%s", name);
    return C_OK;
}

/* A valid row's carrier: C_ERR when the file names too many. */
static int note_carrier(inv_import_t *im, const char *name)
{
    return name_add(&im->named, &im->nnamed, name);
}

static int parse_bool(const char *s, bool dflt, bool *out)
{
    if (s == NULL || *s == '\0') *out = dflt;
    else if (nd_strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0) *out = true;
    else if (nd_strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0) *out = false;
    else return C_ERR;
    return C_OK;
}

static int copy_text(const char *s, char *out, size_t sz)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= sz) return C_ERR;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return C_ERR;
    if (n) memcpy(out, s, n);
    out[n] = '\0';
    return C_OK;
}

static int parse_rate(const char *s, int64_t *out)
{
    if (s == NULL || *s == '\0') {
        *out = -1;
        return C_OK;
    }
    return money_parse(s, strlen(s), out);
}

/* v[COL_x] is the value of column x, NULL when the file has no such column. */
static int validate(const char *const v[COL__N], inv_number_t *r, char *why, size_t whysz)
{
    const country_t *ct;
    const char *t;
    unsigned cc;
    memset(r, 0, sizeof *r);

#define FAIL(...) do { snprintf(why, whysz, __VA_ARGS__); return C_ERR; } while (0)
    if (v[COL_COUNTRY_ISO] == NULL || *v[COL_COUNTRY_ISO] == '\0') FAIL("country_iso is empty");
    if (country_by_iso(v[COL_COUNTRY_ISO], &ct) != C_OK || ct->calling_code == 0)
        FAIL("invalid country_iso: %.16s", v[COL_COUNTRY_ISO]);
    memcpy(r->country_iso, ct->iso, 3);
    if (v[COL_NUMBER] == NULL || e164_parse(v[COL_NUMBER], r->number, &cc) != C_OK)
        FAIL("invalid number: %.20s", v[COL_NUMBER] ? v[COL_NUMBER] : "");
    if (cc != ct->calling_code)
        FAIL("number %s is not a %s number (country code %u)", r->number, ct->iso, ct->calling_code);
    if (v[COL_TYPE] == NULL || num_parse_type(v[COL_TYPE], &t) != C_OK)
        FAIL("invalid type: %.16s (want fixed, mobile, tollfree, local or national)",
             v[COL_TYPE] ? v[COL_TYPE] : "");
    snprintf(r->type, sizeof r->type, "%s", t);
    if (v[COL_SUB_TYPE] && *v[COL_SUB_TYPE]) {
        if (num_parse_type(v[COL_SUB_TYPE], &t) != C_OK) FAIL("invalid sub_type: %.16s", v[COL_SUB_TYPE]);
        snprintf(r->sub_type, sizeof r->sub_type, "%s", t);
    } else {
        snprintf(r->sub_type, sizeof r->sub_type, "%s", r->type);
    }
    if (v[COL_PREFIX] && *v[COL_PREFIX]) {
        size_t n = strlen(v[COL_PREFIX]);
        if (n >= MODEL_PREFIX_SZ || !nd_all_digits(v[COL_PREFIX], n)) FAIL("invalid prefix: digits only");
        memcpy(r->prefix, v[COL_PREFIX], n + 1);
    } else if (cc == 1) {
        memcpy(r->prefix, r->number + 1, 3); /* the NPA */
        r->prefix[3] = '\0';
    }
    if (copy_text(v[COL_CITY], r->city, sizeof r->city) != C_OK) FAIL("invalid city: at most 64 bytes, no control characters");
    if (copy_text(v[COL_REGION], r->region, sizeof r->region) != C_OK) FAIL("invalid region: at most 64 bytes, no control characters");
    if (copy_text(v[COL_RATE_CENTER], r->rate_center, sizeof r->rate_center) != C_OK)
        FAIL("invalid rate_center: at most 32 bytes, no control characters");
    r->lata = -1;
    if (v[COL_LATA] && *v[COL_LATA]) {
        size_t n = strlen(v[COL_LATA]);
        if (n > 6 || !nd_all_digits(v[COL_LATA], n)) FAIL("invalid lata: %.16s", v[COL_LATA]);
        r->lata = atoi(v[COL_LATA]);
    }
    if (parse_bool(v[COL_VOICE], true, &r->voice) != C_OK) FAIL("invalid voice_enabled: want true/false/1/0");
    if (parse_bool(v[COL_SMS], false, &r->sms) != C_OK) FAIL("invalid sms_enabled: want true/false/1/0");
    if (parse_bool(v[COL_MMS], false, &r->mms) != C_OK) FAIL("invalid mms_enabled: want true/false/1/0");
    static const struct { int col; size_t off; } rates[] = {
        {COL_SETUP_RATE, offsetof(inv_number_t, setup_rate)},
        {COL_MONTHLY_RATE, offsetof(inv_number_t, monthly_rental_rate)},
        {COL_VOICE_RATE, offsetof(inv_number_t, voice_rate)},
        {COL_SMS_RATE, offsetof(inv_number_t, sms_rate)},
        {COL_MMS_RATE, offsetof(inv_number_t, mms_rate)},
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(rates); i++) {
        int64_t *dst = (int64_t *)(void *)((char *)r + rates[i].off);
        if (parse_rate(v[rates[i].col], dst) != C_OK)
            FAIL("invalid %s: a decimal with at most 5 decimals", k_cols[rates[i].col]);
    }
    const char *rs = v[COL_RESTRICTION];
    if (rs && *rs) {
        if (strcmp(rs, "city-address") != 0 && strcmp(rs, "country-address") != 0 &&
            strcmp(rs, "terms-and-conditions") != 0)
            FAIL("invalid restriction: want city-address, country-address, terms-and-conditions or empty");
        snprintf(r->restriction, sizeof r->restriction, "%s", rs);
    }
    if (copy_text(v[COL_RESTRICTION_TEXT], r->restriction_text, sizeof r->restriction_text) != C_OK)
        FAIL("invalid restriction_text: at most 256 bytes, no control characters");
    if (v[COL_CARRIER] && *v[COL_CARRIER]) {
        if (copy_text(v[COL_CARRIER], r->carrier, 65) != C_OK) /* CLI.md: 64 bytes */
            FAIL("invalid carrier: at most 64 bytes, no control characters");
        /* the name of the upstream carrier the import then makes
         * (upstream_ensure), checked by its rule here: a name it refuses
         * (all blanks, a C1 control, a line separator) is this row's
         * fault.  Refused there, it was a 400 for the whole file after
         * every row had committed, naming a carrier that never came. */
        if (!upstream_name_ok(r->carrier))
            FAIL("invalid carrier: all blanks, or a control or line-separator character");
    } else {
        memcpy(r->carrier, "numberd", 8);
    }
#undef FAIL
    return C_OK;
}

int inv_validate_row(const char *const *cols, const char *const *vals, size_t n,
                     inv_number_t *out, char *why, size_t whysz)
{
    const char *v[COL__N] = {0};
    for (size_t i = 0; i < n; i++) {
        size_t k;
        for (k = 0; k < COL__N && strcmp(cols[i], k_cols[k]) != 0; k++) {}
        if (k == COL__N) {
            snprintf(why, whysz, "unknown column: %s", cols[i]);
            return C_ERR;
        }
        v[k] = vals[i];
    }
    return validate(v, out, why, whysz);
}

static void reject(inv_import_t *im, uint64_t line, const char *why)
{
    im->res.rejected_count++;
    if (im->res.nrejected >= INV_MAX_REJECTED_LISTED) return;
    if (im->res.rejected == NULL)
        im->res.rejected = xcalloc(INV_MAX_REJECTED_LISTED, sizeof *im->res.rejected);
    inv_reject_t *r = &im->res.rejected[im->res.nrejected++];
    r->line = line;
    snprintf(r->error, sizeof r->error, "%s", why);
}

static int on_header(inv_import_t *im, const csv_record_t *rec)
{
    bool seen[COL__N] = {0};
    if (rec->error) {
        cerr(&im->err, CE_INVALID, "line %llu: header: %s", (unsigned long long)rec->line, rec->error);
        return C_ERR;
    }
    for (size_t i = 0; i < rec->nfields; i++) {
        size_t k;
        for (k = 0; k < COL__N && strcmp(rec->field[i], k_cols[k]) != 0; k++) {}
        if (k == COL__N) {
            /* a name that is not UTF-8 is said so, with its first bad byte:
             * quoted raw, the message was cut at that byte ("unknown
             * column: numb", no line: a helper's audit, session 38) */
            size_t bad = 0, n = strlen(rec->field[i]);
            if (!utf8_valid(rec->field[i], n, &bad))
                cerr(&im->err, CE_INVALID, "column %zu's name is not UTF-8: byte 0x%02X at offset %zu "
                     "(line %llu)", i + 1, (unsigned char)rec->field[i][bad], bad,
                     (unsigned long long)rec->line);
            else
                cerr(&im->err, CE_INVALID, "unknown column: %.64s (line %llu)", rec->field[i],
                     (unsigned long long)rec->line);
            return C_ERR;
        }
        if (seen[k]) {
            cerr(&im->err, CE_INVALID, "duplicate column: %s", k_cols[k]);
            return C_ERR;
        }
        seen[k] = true;
        im->col_of[i] = (int)k;
    }
    static const int required[] = {COL_NUMBER, COL_COUNTRY_ISO, COL_TYPE};
    for (size_t i = 0; i < ND_ARRAY_LEN(required); i++) {
        if (!seen[required[i]]) {
            cerr(&im->err, CE_INVALID, "missing required column: %s", k_cols[required[i]]);
            return C_ERR;
        }
    }
    im->ncols = rec->nfields;
    im->have_header = true;
    return C_OK;
}

/* Nanoseconds the current batch has run. */
static int64_t batch_ns(const inv_import_t *im)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - im->batch_start.tv_sec) * 1000000000 +
           (now.tv_nsec - im->batch_start.tv_nsec);
}

/* Is the batch due for its commit?  Paced: once it has run its time
 * budget (checked every 64 rows; the clock is cheap, not free). */
static bool batch_due(const inv_import_t *im)
{
    if (im->since_commit >= im->batch) return true;
    if ((im->since_commit & 63) != 0) return false;
    if (im->budget_ns > 0) return batch_ns(im) >= im->budget_ns;
    return !im->dry_run && batch_ns(im) >= SORTED_BATCH_NS;
}

/* Sleeps ns with the lock free, then times the next batch from there. */
static void rest_for(inv_import_t *im, int64_t ns)
{
    struct timespec rest = {.tv_sec = 0, .tv_nsec = (long)ns};
    nanosleep(&rest, NULL);
    clock_gettime(CLOCK_MONOTONIC, &im->batch_start);
}

/* Unpaced, after a commit: a second of writing since the last rest, and
 * the lock is left free for SORTED_REST_NS. */
static void sorted_rest(inv_import_t *im)
{
    if (!im->dry_run && batch_ns(im) >= SORTED_BATCH_NS) rest_for(im, SORTED_REST_NS);
}

/* Rests after a paced batch half as long as the batch held the write lock
 * (2-100 ms), then starts timing the next one.  Between batches the lock
 * is free; SQLite's waiters poll for it (the busy handler sleeps up to
 * 100 ms between tries), so an importer that took it back at once could
 * keep a purchase waiting for many batches. */
static void batch_rest(inv_import_t *im)
{
    int64_t ns = batch_ns(im) / 2;
    if (ns < 2000000) ns = 2000000;
    if (ns > 100000000) ns = 100000000;
    rest_for(im, ns);
}

/* ---- the sort buffer (unpaced imports) ---- */

static int write_row(inv_import_t *im, const inv_number_t *row, uint64_t line);

/* A row in the sort buffer: this head, then its texts, each ending in NUL,
 * in k_texts order (number first: the sort key). */
typedef struct {
    uint64_t line;
    int64_t rates[5];
    int32_t lata;
    uint8_t voice, sms, mms;
} sort_head_t;

#define SORT_TEXTS(r) {(r)->number, (r)->country_iso, (r)->type, (r)->sub_type, (r)->prefix, \
                       (r)->city, (r)->region, (r)->rate_center, (r)->restriction,           \
                       (r)->restriction_text, (r)->carrier}

static void sort_put(inv_import_t *im, const void *p, size_t n)
{
    if (im->salen + n > im->sacap) {
        im->sacap = (im->sacap ? im->sacap * 2 : (size_t)1 << 20) + n;
        im->sarena = xrealloc(im->sarena, im->sacap);
    }
    memcpy(im->sarena + im->salen, p, n);
    im->salen += n;
}

static void sort_unpack(const char *p, inv_number_t *r, uint64_t *line)
{
    sort_head_t h;
    memcpy(&h, p, sizeof h);
    *line = h.line;
    r->lata = h.lata;
    r->voice = h.voice;
    r->sms = h.sms;
    r->mms = h.mms;
    r->setup_rate = h.rates[0];
    r->monthly_rental_rate = h.rates[1];
    r->voice_rate = h.rates[2];
    r->sms_rate = h.rates[3];
    r->mms_rate = h.rates[4];
    p += sizeof h;
    char *t[] = SORT_TEXTS(r);
    for (size_t i = 0; i < ND_ARRAY_LEN(t); i++) {
        size_t n = strlen(p) + 1;   /* packed from a row of the same type: fits */
        memcpy(t[i], p, n);
        p += n;
    }
}

/* A row of the sort buffer as the sort sees it: its number as an integer
 * (number_key) and its place in the arena.  Rows are packed in file
 * order, so the place orders rows of one number by line: the later one
 * wins, as when written as they came. */
typedef struct sort_ent {
    uint64_t key;
    size_t off;
} sort_ent_t;

/* A number of up to 16 digits as an integer that orders as strcmp orders
 * the digit strings: 16 places of base 11, a digit d as d + 1 and each
 * place past the end as 0 ("14" < "140" < "4"); 11^16 < 2^64.  false for
 * anything else.  The sort compared the texts through the arena: 15 % of
 * an import of 1,000,000 rows (perf), most of it cache misses. */
static bool number_key(const char *s, uint64_t *out)
{
    uint64_t k = 0;
    size_t i = 0;
    for (; i < 16 && s[i]; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        k = k * 11 + (uint64_t)(s[i] - '0' + 1);
    }
    if (s[i]) return false;
    for (; i < 16; i++) k *= 11;
    *out = k;
    return true;
}

/* At most this many numbers a dry run remembers (a 64 MiB table at its
 * fullest); past it a repeat further apart than one batch may count as
 * inserted twice (a dry run's counts only: nothing is written). */
#define DRY_SEEN_MAX (4u << 20)

/* The slot of key in a set of t[cap] (cap a power of two, 0: empty): the
 * one holding it, or the empty one where it goes. */
static uint64_t *seen_slot(uint64_t *t, size_t cap, uint64_t key)
{
    size_t j = (size_t)(key * UINT64_C(0x9e3779b97f4a7c15) >> 20) & (cap - 1);
    while (t[j] && t[j] != key) j = (j + 1) & (cap - 1);
    return &t[j];
}

/* Was number already counted as inserted by this dry run?  Remembers it. */
static bool dry_seen(inv_import_t *im, const char *number)
{
    uint64_t k;
    if (!number_key(number, &k)) return false; /* never 0: each digit counts at least 1 */
    if (im->seen_n * 2 >= im->seen_cap) {
        if (im->seen_n >= DRY_SEEN_MAX) return false;
        size_t cap = im->seen_cap ? im->seen_cap * 2 : 1u << 16;
        uint64_t *t = xcalloc(cap, sizeof *t);
        for (size_t i = 0; i < im->seen_cap; i++)
            if (im->seen[i]) *seen_slot(t, cap, im->seen[i]) = im->seen[i];
        free(im->seen);
        im->seen = t;
        im->seen_cap = cap;
    }
    uint64_t *slot = seen_slot(im->seen, im->seen_cap, k);
    if (*slot == k) return true;
    *slot = k;
    im->seen_n++;
    return false;
}

static int sort_cmp_key(const void *a, const void *b)
{
    const sort_ent_t *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* The same order by the numbers' texts (a batch with a number that has no
 * key). */
static int sort_cmp_text(const void *a, const void *b, void *ud)
{
    const char *arena = ud;
    const sort_ent_t *x = a, *y = b;
    int c = strcmp(arena + x->off + sizeof(sort_head_t), arena + y->off + sizeof(sort_head_t));
    if (c) return c;
    return x->off < y->off ? -1 : x->off > y->off;
}

/* How many rows ahead sort_flush asks for a row's place in the arena. */
#define SORT_PREFETCH 8

/* Writes what the sort buffer holds, in number order, and empties it. */
static int sort_flush(inv_import_t *im)
{
    int rc = C_OK;
    if (im->sn == 0) return C_OK;
    if (im->skey_text) qsort_r(im->sent, im->sn, sizeof *im->sent, sort_cmp_text, im->sarena);
    else qsort(im->sent, im->sn, sizeof *im->sent, sort_cmp_key);
    inv_number_t *row = xmalloc(sizeof *row);   /* 1.6 KB: not on the stack */
    memset(row, 0, sizeof *row);
    clock_gettime(CLOCK_MONOTONIC, &im->batch_start); /* writing starts: sorted_rest counts from here */
    for (size_t i = 0; i < im->sn && rc == C_OK; i++) {
        uint64_t line;
        if (im->progress && (i & 4095) == 0)
            im->progress(true, csv_bytes(im->csv), i, im->sn, im->progress_ud);
        /* the sorted rows lie all over the arena: ask for one a few
         * rows ahead while this one is written */
        if (i + SORT_PREFETCH < im->sn) __builtin_prefetch(im->sarena + im->sent[i + SORT_PREFETCH].off);
        sort_unpack(im->sarena + im->sent[i].off, row, &line);
        rc = write_row(im, row, line);
    }
    free(row);
    im->sn = 0;
    im->salen = 0;
    im->skey_text = false;
    return rc;
}

static int sort_add(inv_import_t *im, const inv_number_t *r, uint64_t line)
{
    if (im->sn == im->scap) {
        im->scap = im->scap ? im->scap * 2 : 65536;
        im->sent = xrealloc(im->sent, im->scap * sizeof *im->sent);
    }
    sort_ent_t *e = &im->sent[im->sn++];
    e->off = im->salen;
    e->key = 0;
    if (!number_key(r->number, &e->key)) im->skey_text = true;
    sort_head_t h = {line, {r->setup_rate, r->monthly_rental_rate, r->voice_rate, r->sms_rate,
                            r->mms_rate}, r->lata, r->voice, r->sms, r->mms};
    sort_put(im, &h, sizeof h);
    const char *t[] = SORT_TEXTS(r);
    for (size_t i = 0; i < ND_ARRAY_LEN(t); i++) sort_put(im, t[i], strlen(t[i]) + 1);
    if (im->sn >= SORT_MAX_ROWS || im->salen >= SORT_MAX_BYTES) return sort_flush(im);
    return C_OK;
}

static int reject_cmp(const void *a, const void *b)
{
    uint64_t la = ((const inv_reject_t *)a)->line, lb = ((const inv_reject_t *)b)->line;
    return la < lb ? -1 : la > lb;
}

/* A row refused while written in number order: counted now, listed at the
 * end by line.  Only the INV_MAX_REJECTED_LISTED lowest lines can be
 * listed, so the list is cut back to them whenever it doubles. */
static void refuse_sorted(inv_import_t *im, uint64_t line, const char *why)
{
    im->res.rejected_count++;
    if (im->nrefused == 2 * INV_MAX_REJECTED_LISTED) {
        qsort(im->refused, im->nrefused, sizeof *im->refused, reject_cmp);
        im->nrefused = INV_MAX_REJECTED_LISTED;
    }
    if (im->refused == NULL) im->refused = xcalloc(2 * INV_MAX_REJECTED_LISTED, sizeof *im->refused);
    inv_reject_t *r = &im->refused[im->nrefused++];
    r->line = line;
    snprintf(r->error, sizeof r->error, "%s", why);
}

/* The listed rejections: the invalid rows (listed as read, in line order)
 * and the refused ones, by line, the first INV_MAX_REJECTED_LISTED -- the
 * list an import in file order makes. */
static void merge_refused(inv_import_t *im)
{
    if (im->nrefused == 0) return;
    size_t n = im->res.nrejected + im->nrefused;
    inv_reject_t *all = xcalloc(n, sizeof *all);
    if (im->res.nrejected) memcpy(all, im->res.rejected, im->res.nrejected * sizeof *all);
    memcpy(all + im->res.nrejected, im->refused, im->nrefused * sizeof *all);
    qsort(all, n, sizeof *all, reject_cmp);
    if (n > INV_MAX_REJECTED_LISTED) n = INV_MAX_REJECTED_LISTED;
    free(im->res.rejected);
    im->res.rejected = xrealloc(all, INV_MAX_REJECTED_LISTED * sizeof *all);
    im->res.nrejected = n;
    im->nrefused = 0;
}

/* Whether the watched flag says stop (then the import stops: C_ERR up
 * the parser or the sorted writes, im->interrupted telling it apart). */
static bool stopping(inv_import_t *im)
{
    if (!im->interrupted && im->stop && *im->stop) im->interrupted = true;
    return im->interrupted;
}

static int on_record(const csv_record_t *rec, void *ud)
{
    inv_import_t *im = ud;
    if (stopping(im)) return C_ERR;
    if (!im->have_header) return on_header(im, rec);

    char why[160];
    if (rec->error) {
        reject(im, rec->line, rec->error);
        return C_OK;
    }
    if (rec->nfields != im->ncols) {
        snprintf(why, sizeof why, "expected %zu fields, found %zu", im->ncols, rec->nfields);
        reject(im, rec->line, why);
        return C_OK;
    }
    const char *v[COL__N] = {0};
    for (size_t i = 0; i < rec->nfields; i++) {
        if (!utf8_valid(rec->field[i], rec->len[i], NULL)) {
            snprintf(why, sizeof why, "invalid UTF-8 in column %s", k_cols[im->col_of[i]]);
            reject(im, rec->line, why);
            return C_OK;
        }
        v[im->col_of[i]] = rec->field[i];
    }
    inv_number_t row;
    if (validate(v, &row, why, sizeof why) != C_OK) {
        reject(im, rec->line, why);
        return C_OK;
    }
    if (note_carrier(im, row.carrier) != C_OK) {
        snprintf(why, sizeof why, "more than %d distinct carriers in one file", IMPORT_MAX_CARRIERS);
        reject(im, rec->line, why);
        return C_OK;
    }
    if (im->sorted) {
        /* progress as the file is read; the writes follow at its end */
        if (im->progress && (++im->nread & 4095) == 0)
            im->progress(false, csv_bytes(im->csv), im->nread, 0, im->progress_ud);
        return sort_add(im, &row, rec->line);
    }
    return write_row(im, &row, rec->line);
}

/* Hands one valid row to the store and counts what it did; commits the
 * batch when due. */
static int write_row(inv_import_t *im, const inv_number_t *row, uint64_t line)
{
    import_outcome_t out;
    store_t *st = im->c->st;
    if (stopping(im)) return C_ERR;
    if (st->ops->import_row(im->sim, row, &out) != ST_OK) {
        char at[48];
        snprintf(at, sizeof at, "line %llu", (unsigned long long)line);
        return core_st(&im->err, ST_ERR, at);
    }
    /* a dry run writes nothing, so a number inserted in an earlier batch
     * is new again to the store: counted as the real import counts it */
    if (im->dry_run && out == IMPORT_INSERTED && dry_seen(im, row->number)) out = IMPORT_UPDATED;
    /* a subset of the named ones: never full where that set was not */
    if (out != IMPORT_REFUSED) (void)name_add(&im->carriers, &im->ncarriers, row->carrier);
    switch (out) {
    case IMPORT_INSERTED: im->res.imported++; break;
    case IMPORT_UPDATED: im->res.updated++; break;
    case IMPORT_REFUSED: {
        char why[160];
        snprintf(why, sizeof why, "number %s is sold, held or aging: not updated", row->number);
        if (im->sorted) refuse_sorted(im, line, why);
        else reject(im, line, why);
        break;
    }
    }
    im->rows++;
    ++im->since_commit;
    if (batch_due(im)) {
        im->since_commit = 0;
        if (st->ops->import_commit_batch(im->sim) != ST_OK) return core_st(&im->err, ST_ERR, "commit");
        im->kept_new = im->res.imported;
        im->kept_updated = im->res.updated;
        if (im->budget_ns > 0) batch_rest(im);
        else sorted_rest(im);
    }
    if (!im->sorted && im->progress && (im->rows & 4095) == 0)
        im->progress(true, csv_bytes(im->csv), im->rows, 0, im->progress_ud);
    return C_OK;
}

int inv_import_begin(core_t *c, bool dry_run, inv_import_t **out, cerr_t *e)
{
    inv_import_t *im = xcalloc(1, sizeof *im);
    im->c = c;
    im->dry_run = dry_run;
    im->batch = IMPORT_BATCH;
    im->sorted = true;
    if (c->st->ops->import_begin(c->st, dry_run, &im->sim) != ST_OK) {
        free(im);
        return core_st(e, ST_ERR, "begin import");
    }
    im->csv = csv_new(on_record, im);
    *out = im;
    return C_OK;
}

void inv_import_pace(inv_import_t *im, unsigned budget_ms)
{
    /* A paced import writes rows as they come: a batch's time is spent on
     * its own rows, and a server holds no sort buffer. */
    im->sorted = false;
    im->budget_ns = (int64_t)(budget_ms ? budget_ms : 1) * 1000000;
    clock_gettime(CLOCK_MONOTONIC, &im->batch_start);
}

void inv_import_progress(inv_import_t *im, inv_progress_cb cb, void *ud)
{
    im->progress = cb;
    im->progress_ud = ud;
}

void inv_import_watch(inv_import_t *im, const volatile sig_atomic_t *stop)
{
    im->stop = stop;
}

/* A fault after some batches committed: said with what they kept, or a
 * 503 reads as an import that did nothing (193,664 of 200,000 rows were
 * on sale after one: a helper's audit, session 37). */
static void note_kept(inv_import_t *im, cerr_t *e)
{
    if (im->noted || im->dry_run || (im->kept_new == 0 && im->kept_updated == 0) ||
        e->code == CE_INVALID)
        return;
    im->noted = true;
    char why[sizeof e->msg];
    snprintf(why, sizeof why, "%s", e->msg);
    cerr(e, e->code, "%s; %llu new and %llu updated rows were committed before it: send the same "
         "file again to finish the import (those rows are then updated)", why,
         (unsigned long long)im->kept_new, (unsigned long long)im->kept_updated);
}

int inv_import_feed(inv_import_t *im, const char *data, size_t n, cerr_t *e)
{
    if (im->interrupted) return C_OK; /* the rest is not read: inv_import_end */
    if (im->failed) {
        *e = im->err;
        return C_ERR;
    }
    if (csv_feed(im->csv, data, n) != C_OK) {
        if (im->interrupted) return C_OK;
        im->failed = true;
        note_kept(im, &im->err);
        *e = im->err;
        return C_ERR;
    }
    return C_OK;
}

static void import_free(inv_import_t *im, bool commit, int *rc)
{
    int r = im->c->st->ops->import_end(im->sim, commit);
    if (rc) *rc = r;
    if (commit) core_note_write(); /* its batches committed on their own connection */
    csv_free(im->csv);
    inv_result_free(&im->res);
    free(im->carriers);
    free(im->named);
    free(im->sarena);
    free(im->sent);
    free(im->refused);
    free(im->seen);
    free(im);
}

void inv_import_abort(inv_import_t *im)
{
    if (im) import_free(im, false, NULL);
}

int inv_import_end(inv_import_t *im, inv_result_t *res, cerr_t *e)
{
    /* interrupted: neither the rest of the file nor the held rows are
     * read or written; what was written is committed below */
    if (!im->failed && !stopping(im) && csv_finish(im->csv) != C_OK) im->failed = !im->interrupted;
    if (!im->failed && !im->interrupted && !im->have_header) {
        im->failed = true;
        cerr(&im->err, CE_INVALID, "empty file: want a header row naming the columns");
    }
    if (!im->failed && !stopping(im) && sort_flush(im) != C_OK) im->failed = !im->interrupted;
    if (!im->failed) merge_refused(im);
    if (im->failed) {
        note_kept(im, &im->err);
        *e = im->err;
        import_free(im, false, NULL);
        return C_ERR;
    }
    if (im->progress) im->progress(true, csv_bytes(im->csv), im->rows, im->rows, im->progress_ud);
    *res = im->res;
    memset(&im->res, 0, sizeof im->res);
    res->interrupted = im->interrupted;
    core_t *c = im->c;
    bool dry = im->dry_run;
    char (*carriers)[MODEL_CARRIER_SZ] = im->carriers;
    size_t ncarriers = im->ncarriers;
    im->carriers = NULL;
    int rc;
    import_free(im, true, &rc);
    if (rc != ST_OK) {
        inv_result_free(res);
        free(carriers);
        return core_st(e, ST_ERR, "commit");
    }
    /* After the rows' commit: a crash in between leaves rows naming a
     * carrier that does not exist yet, which the next import (or the
     * operator) creates; their calls are refused meanwhile, never
     * misrouted. */
    if (dry || (res->interrupted && res->imported == 0 && res->updated == 0)) {
        free(carriers); /* (interrupted before its first row was written: nothing to say) */
        return C_OK;
    }
    /* The upstream carriers the file named (each in a transaction of its
     * own: two imports may race to make one), then one event
     * inventory.imported (the counts, never the rows).  The rows
     * themselves committed batch by batch on the import's own connection
     * (a 1,000,000-row file is not one transaction), so this event follows
     * their last commit rather than sharing it: a crash in between loses
     * the event, never invents one (docs/EVENTS.md). */
    int r = C_OK;
    for (size_t i = 0; r == C_OK && i < ncarriers; i++) r = upstream_ensure(c, carriers[i], NULL, e);
    if (r == C_OK && core_begin(c, e) != C_OK) r = C_ERR;
    else if (r == C_OK) {
        ev_data_t d;
        ev_data_init(&d);
        ev_data_after_int(&d, "inserted", (int64_t)res->imported);
        ev_data_after_int(&d, "updated", (int64_t)res->updated);
        ev_data_after_int(&d, "rejected", (int64_t)res->rejected_count);
        if (res->interrupted) ev_data_after_bool(&d, "interrupted", true);
        r = core_end(c, ev_emit(c, "inventory.imported", 0, "inventory", "import", &d, e), e);
    }
    free(carriers);
    if (r != C_OK) {
        /* the rows are in (their batches committed): say so, or the
         * operator reads the failure as an import that did nothing */
        char why[sizeof e->msg];
        snprintf(why, sizeof why, "%s", e->msg);
        cerr(e, e->code, "the rows are imported (%llu new, %llu updated), but what follows them "
             "failed: %s; run the same import again to finish it (its rows are then updated)",
             (unsigned long long)res->imported, (unsigned long long)res->updated, why);
        inv_result_free(res);
    }
    return r;
}

void inv_result_free(inv_result_t *r)
{
    free(r->rejected);
    r->rejected = NULL;
    r->nrejected = 0;
}

/* ---- export ---- */

typedef struct {
    FILE *out;
    buf_t line;
    uint64_t rows;
    bool write_failed;
} export_t;

static void put_text(buf_t *b, const char *s) { csv_put_field(b, s, strlen(s)); }

static void put_rate(buf_t *b, int64_t v)
{
    if (v < 0) return; /* not set: an empty field, read back as not set */
    char m[MONEY_STRSZ];
    buf_append(b, m, money_format(v, m));
}

/* One inventory row in k_cols order; every value in the form validate()
 * reads back to the same row. */
static int export_row(const inv_number_t *n, void *ud)
{
    export_t *x = ud;
    buf_t *b = &x->line;
    buf_reset(b);
    put_text(b, n->number);
    buf_putc(b, ',');
    put_text(b, n->country_iso);
    buf_putc(b, ',');
    put_text(b, n->type);
    buf_putc(b, ',');
    put_text(b, n->sub_type);
    buf_putc(b, ',');
    put_text(b, n->prefix);
    buf_putc(b, ',');
    put_text(b, n->city);
    buf_putc(b, ',');
    put_text(b, n->region);
    buf_putc(b, ',');
    put_text(b, n->rate_center);
    buf_putc(b, ',');
    if (n->lata >= 0) buf_printf(b, "%d", (int)n->lata);
    buf_printf(b, ",%s,%s,%s,", n->voice ? "true" : "false", n->sms ? "true" : "false",
               n->mms ? "true" : "false");
    put_rate(b, n->setup_rate);
    buf_putc(b, ',');
    put_rate(b, n->monthly_rental_rate);
    buf_putc(b, ',');
    put_rate(b, n->voice_rate);
    buf_putc(b, ',');
    put_rate(b, n->sms_rate);
    buf_putc(b, ',');
    put_rate(b, n->mms_rate);
    buf_putc(b, ',');
    put_text(b, n->restriction);
    buf_putc(b, ',');
    put_text(b, n->restriction_text);
    buf_putc(b, ',');
    put_text(b, n->carrier);
    buf_putc(b, '\n');
    if (fwrite(b->data, 1, b->len, x->out) != b->len) {
        x->write_failed = true;
        return C_ERR; /* stops the walk */
    }
    x->rows++;
    return C_OK;
}

int inv_export(core_t *c, const char *country_iso, int state, FILE *out, uint64_t *rows,
               cerr_t *e)
{
    export_t x = {.out = out, .line = BUF_INIT};
    int ret = C_ERR;
    *rows = 0;
    /* a backend that predates the op (NULL in its table) */
    if (c->st->ops->inventory_export == NULL)
        return cerr(e, CE_INTERNAL, "the %s backend cannot export the inventory yet",
                    c->st->ops->name);
    for (size_t i = 0; i < COL__N; i++) {
        if (i) fputc(',', out);
        fputs(k_cols[i], out);
    }
    fputc('\n', out);
    if (c->st->ops->inventory_export(c->st, country_iso, state, export_row, &x) != ST_OK) {
        core_st(e, ST_ERR, NULL);
        goto done;
    }
    if (x.write_failed || fflush(out) != 0 || ferror(out)) {
        cerr(e, CE_INTERNAL, "write error");
        goto done;
    }
    ret = C_OK;
done:
    *rows = x.rows;
    buf_free(&x.line);
    return ret;
}

int inv_stats(core_t *c, inv_stats_cb cb, void *ud, cerr_t *e)
{
    return core_st(e, c->st->ops->inventory_stats(c->st, cb, ud), NULL);
}
