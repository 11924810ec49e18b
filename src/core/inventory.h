/* inventory.h -- the operator's inventory: the streaming CSV import, the
 * export in the same format, and counts (inventory.c). */
#ifndef ND_INVENTORY_H
#define ND_INVENTORY_H

#include <signal.h>
#include <stdio.h>

#include "core/core.h"

#define INV_MAX_REJECTED_LISTED 1000

typedef struct {
    uint64_t line;
    char error[160];
} inv_reject_t;

/* Named: api.h renders it without including this header. */
typedef struct inv_result {
    uint64_t imported, updated, rejected_count;
    inv_reject_t *rejected;  /* first INV_MAX_REJECTED_LISTED, owned: inv_result_free */
    size_t nrejected;
    bool interrupted;        /* stopped by inv_import_watch's flag: the counts are what it kept */
} inv_result_t;

typedef struct inv_import inv_import_t;
/* writing false: bytes read, rows the valid rows read so far (of 0);
 * writing true: an unpaced import writes the rows it held, in number
 * order -- rows written so far of the `of` it is writing now (a file of
 * over SORT_MAX_ROWS rows reads and writes in turns). */
typedef void (*inv_progress_cb)(bool writing, uint64_t bytes, uint64_t rows, uint64_t of, void *ud);

/* Unpaced (no inv_import_pace), valid rows are held in a sort buffer (up
 * to 1,048,576 rows / 192 MiB) and written in number order when the file
 * ends or the buffer fills; the outcome of every row is the same as in
 * file order (inventory.c). */
int inv_import_begin(core_t *c, bool dry_run, inv_import_t **out, cerr_t *e);
/* cb (inv_progress_cb) every 4,096 rows read and written, and once at
 * the end; paced, only as rows are written (of 0). */
void inv_import_progress(inv_import_t *im, inv_progress_cb cb, void *ud);
/* A flag (a signal handler's) the import looks at before each row it
 * reads or writes: once set it stops there, and inv_import_end commits
 * what it wrote, makes the carriers and the event of those rows, and says
 * res->interrupted (the CLI's Ctrl-C: before, the rows of the batches
 * committed stayed, naming carriers never made, with no event and no
 * word of what was kept -- a helper's audit, session 38). */
void inv_import_watch(inv_import_t *im, const volatile sig_atomic_t *stop);
/* Short, server-paced transactions for an import that runs beside live
 * traffic: commit a batch once its rows have taken budget_ms to read (or
 * at 100,000 rows; writing them at the commit takes about as long again)
 * and, after each commit, rest half as long as the batch took (2-100 ms),
 * so that writers queued behind the write lock (purchases, on every node)
 * get it between batches.  Call before the first feed. */
void inv_import_pace(inv_import_t *im, unsigned budget_ms);
/* Feeds CSV bytes.  C_ERR (with e) stops the import: a header error or a
 * database failure; bad rows are not errors, they are listed. */
int inv_import_feed(inv_import_t *im, const char *data, size_t n, cerr_t *e);
/* Finishes (commit unless dry run or failed) and frees im. */
int inv_import_end(inv_import_t *im, inv_result_t *res, cerr_t *e);
void inv_import_abort(inv_import_t *im);
void inv_result_free(inv_result_t *r);
/* Validates one CSV row given by column name -> value. (exposed for tests) */
int inv_validate_row(const char *const *cols, const char *const *vals, size_t n,
                     inv_number_t *out, char *why, size_t whysz);

/* Counts by country, type and state, one callback per row. */
typedef int (*inv_stats_cb)(const stats_row_t *r, void *ud);
int inv_stats(core_t *c, inv_stats_cb cb, void *ud, cerr_t *e);
/* Writes the inventory to out as CSV in the import format (CLI.md): a
 * header naming every column, then one row per inventory number in number
 * order, each field as the import reads it back (so export -> import ->
 * export gives the same bytes).  Streams: memory does not grow with the
 * inventory.  country_iso NULL: every country; state -1: every state (the
 * owner of a sold number is not part of the inventory and is not
 * exported).  *rows gets the number of rows written.  C_ERR with
 * CE_INTERNAL on a database or write error (out then holds a partial file). */
int inv_export(core_t *c, const char *country_iso, int state, FILE *out, uint64_t *rows,
               cerr_t *e);

#endif
