/* inventory.c -- the inventory in SQLite: import, stats, export. */
#include "store/sqlite/sqliteInt.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"

static const char *const sql_text[Q__COUNT] = {
    /* every row's group, counted in C (sq_inventory_stats) */
    [Q_STATS] = "SELECT country_iso, type, state FROM numbers WHERE source = 0",
    [Q_IMPORT_SELECT] = "SELECT state, source FROM numbers WHERE number = ?1",
    [Q_IMPORT_INSERT] =
        "INSERT OR FAIL INTO numbers(" SQLS_INV_COLS ", caps, created_at, updated_at) VALUES "
        "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
        "?20, ?22, ?21, ?21)",
    [Q_IMPORT_UPDATE] =
        "UPDATE OR FAIL numbers SET country_iso=?2, type=?3, sub_type=?4, prefix=?5, city=?6, "
        "region=?7, rate_center=?8, lata=?9, voice_enabled=?10, sms_enabled=?11, "
        "mms_enabled=?12, setup_rate=?13, monthly_rental_rate=?14, voice_rate=?15, "
        "sms_rate=?16, mms_rate=?17, restriction=?18, restriction_text=?19, carrier=?20, "
        "caps=?22, updated_at=?21 WHERE number=?1 AND state=0 AND source=0",
    /* the unique index on number gives the order without a sort */
    [Q_EXPORT] =
        "SELECT " SQLS_INV_COLS " FROM numbers WHERE source = 0 AND (?1 IS NULL OR country_iso = ?1) "
        "AND (?2 < 0 OR state = ?2) ORDER BY number",
};

/* A write the import has decided on but not yet made (see import_flush). */
typedef struct {
    size_t off;          /* the packed row in the arena */
    bool update;
} pend_t;

struct store_import {
    sqlite_store_t *s;
    conn_t *c;
    bool dry_run;
    bool open;            /* a batch's transaction is open */
    int64_t now;
    /* this batch's writes, made in number order at the batch's end */
    char *arena;
    size_t alen, acap;
    pend_t *pend;
    size_t npend, pcap;
    /* numbers pending in this batch: open addressing, index+1 into pend */
    uint32_t *slots;
    size_t nslots;
    sqlite3_stmt *multi;  /* multi_insert(), owned by the connection */
    bool no_triggers;     /* the connection's triggers are off (triggers_off) */
    bool triggers_checked; /* triggers_off has run (at the first row) */
};

/* The triggers on `numbers` (migrations 0003, 0010, 0013, 0015), every one
 * of which the import has been checked against.  For the rows an import
 * writes -- inventory numbers, available, with no owner and no carrier,
 * inserted, or updated without touching state, owner or carrier -- only
 * avail_gen_ins and avail_gen_upd do anything: each adds one to the
 * search index's generation (avail.c), as its own trigger program run for
 * every row (~6 % of an import of 1,000,000 rows).  So the import's
 * connection runs with triggers off and adds one to the generation itself,
 * once a batch, in the batch's transaction: what another process's search
 * index needs to know is only that the available set changed.
 *
 * A trigger this list does not name (a later migration's) leaves them on,
 * and the import is only slower: add it here once it is checked that it
 * does nothing for the rows above, or that the batch does it in bulk. */
static const char *const import_checked_triggers[] = {
    "sbc_numbers_ins", "sbc_numbers_upd", "sbc_numbers_del", "cnt_carrier_ins", "cnt_carrier_del",
    "cnt_carrier_upd", "cnt_owner_ins",   "cnt_owner_del",   "cnt_owner_upd",   "avail_gen_ins",
    "avail_gen_upd",   "avail_gen_del",
};

/* Turns the connection's triggers off when every trigger on `numbers` is
 * one the import was checked against; true when it did. */
static bool triggers_off(sqlite3 *db)
{
    sqlite3_stmt *q = NULL;
    bool known = sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                        "AND tbl_name = 'numbers'", -1, &q, NULL) == SQLITE_OK;
    int rc;
    while (known && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(q, 0);
        bool found = false;
        for (size_t i = 0; name && i < ND_ARRAY_LEN(import_checked_triggers); i++)
            if (strcmp(name, import_checked_triggers[i]) == 0) found = true;
        if (!found) {
            log_msg(LOG_WARN, "inventory import: trigger %.64s on numbers is not one the import knows; "
                              "importing with triggers on (slower)", name ? name : "");
            known = false;
        }
    }
    if (known && rc != SQLITE_DONE) known = false;
    sqlite3_finalize(q);
    int off = -1;
    return known && sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, &off) == SQLITE_OK &&
           off == 0;
}

/* ---- import: writes in number order ----------------------------------
 *
 * An available inventory row lands in the table and in one index, the
 * unique one on its number (the others are partial and leave it out,
 * migrations 0016-0017).  Written in file order (often random), every
 * insert descends to a different leaf page of that index; written in
 * number order, consecutive inserts hit the same or the next leaf.  So a batch's
 * outcomes are decided row by row as they come (the line numbers of
 * refused rows are reported), but its writes are buffered, packed, and
 * made sorted by number when the batch ends: 2.4x faster on a
 * 1,000,000-row random-order file (docs/PERFORMANCE.md). */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    while (*s) h = (h ^ (uint8_t)*s++) * 1099511628211ull;
    return h;
}

static void arena_put(store_import_t *im, const void *p, size_t n)
{
    if (im->alen + n > im->acap) {
        im->acap = (im->acap ? im->acap * 2 : 1 << 20) + n;
        im->arena = xrealloc(im->arena, im->acap);
    }
    memcpy(im->arena + im->alen, p, n);
    im->alen += n;
}

typedef struct {
    int32_t lata;
    uint8_t voice, sms, mms, caps;
    int64_t rates[5];
} packed_head_t;

static size_t pack_row(store_import_t *im, const inv_number_t *r)
{
    size_t off = im->alen;
    packed_head_t h = {r->lata, r->voice, r->sms, r->mms, (uint8_t)sqls_caps(r),
                       {r->setup_rate, r->monthly_rental_rate, r->voice_rate, r->sms_rate, r->mms_rate}};
    arena_put(im, &h, sizeof h);
    const char *s[] = {r->number, r->country_iso, r->type, r->sub_type, r->prefix, r->city,
                       r->region, r->rate_center, r->restriction, r->restriction_text, r->carrier};
    for (size_t i = 0; i < ND_ARRAY_LEN(s); i++) arena_put(im, s[i], strlen(s[i]) + 1);
    return off;
}

/* The packed row at p bound to ?base+1 .. ?base+22: ?+1-?+20 the inventory
 * columns (SQLS_INV_COLS), ?+21 the time, ?+22 caps -- Q_IMPORT_UPDATE's
 * and each row of the multi-row insert.  Texts are bound from the arena
 * without a copy: it does not move while a batch is written. */
static void bind_packed(sqlite3_stmt *q, int base, const char *p, int64_t now)
{
    packed_head_t h;
    memcpy(&h, p, sizeof h);
    const char *s[11];
    p += sizeof h;
    for (size_t i = 0; i < ND_ARRAY_LEN(s); i++) {
        s[i] = p;
        p += strlen(p) + 1;
    }
    /* s[]: number, country_iso, type, sub_type, prefix, city, region,
     * rate_center, restriction, restriction_text, carrier (pack_row) */
    sq_bind_args_at(q, base + 1,
                    SQ_ARGS(SQ_T(s[0]), SQ_T(s[1]), SQ_T(s[2]), SQ_T(s[3]), SQ_T(s[4]),
                            SQ_T(s[5]), SQ_T(s[6]), SQ_T(s[7]), SQ_M(h.lata), SQ_I(h.voice),
                            SQ_I(h.sms), SQ_I(h.mms), SQ_M(h.rates[0]), SQ_M(h.rates[1]),
                            SQ_M(h.rates[2]), SQ_M(h.rates[3]), SQ_M(h.rates[4]), SQ_T(s[8]),
                            SQ_T(s[9]), SQ_T(s[10]), SQ_I(now), SQ_I(h.caps)));
}

/* The pending write for number, or NULL. */
static pend_t *pend_find(store_import_t *im, const char *number, size_t *slot)
{
    *slot = 0;
    if (!im->nslots) return NULL;
    size_t i = hash_str(number) & (im->nslots - 1);
    for (; im->slots[i]; i = (i + 1) & (im->nslots - 1)) {
        pend_t *p = &im->pend[im->slots[i] - 1];
        const packed_head_t *h = (const void *)(im->arena + p->off);
        if (strcmp((const char *)(h + 1), number) == 0) {
            *slot = i;
            return p;
        }
    }
    *slot = i;
    return NULL;
}

static void pend_add(store_import_t *im, const inv_number_t *row, bool update)
{
    size_t slot = 0;
    if (im->npend * 2 >= im->nslots) {
        /* grow the table (and rehash) before it is half full */
        size_t n = im->nslots ? im->nslots * 2 : 1 << 16;
        free(im->slots);
        im->slots = xcalloc(n, sizeof *im->slots);
        im->nslots = n;
        for (size_t k = 0; k < im->npend; k++) {
            const packed_head_t *h = (const void *)(im->arena + im->pend[k].off);
            pend_find(im, (const char *)(h + 1), &slot);
            im->slots[slot] = (uint32_t)(k + 1);
        }
    }
    pend_t *p = pend_find(im, row->number, &slot);
    if (p) {
        /* the same number twice in a batch: the later row wins, as if the
         * first had been written and then updated */
        p->off = pack_row(im, row);
        return;
    }
    if (im->npend == im->pcap) {
        im->pcap = im->pcap ? im->pcap * 2 : 4096;
        im->pend = xrealloc(im->pend, im->pcap * sizeof *im->pend);
    }
    im->pend[im->npend] = (pend_t){pack_row(im, row), update};
    im->slots[slot] = (uint32_t)(++im->npend);
}

typedef struct {
    const char *number;  /* in the arena, which no longer moves */
    const pend_t *p;
} sort_key_t;

static int key_cmp(const void *a, const void *b)
{
    return strcmp(((const sort_key_t *)a)->number, ((const sort_key_t *)b)->number);
}

/* Rows per INSERT statement: a statement's fixed cost (opening a cursor on
 * the table and each of its indexes, the trigger programs' set-up, the
 * statement's end) is paid once for this many rows instead of for each. */
#define IMPORT_ROWS_PER_INSERT 64
#define IMPORT_PARAMS_PER_ROW 22

/* The multi-row insert: IMPORT_ROWS_PER_INSERT rows of Q_IMPORT_INSERT's
 * values, row j's parameters numbered from 22 j + 1 (bind_packed). */
static sqlite3_stmt *multi_insert(store_import_t *im)
{
    if (im->multi) return im->multi;
    buf_t b = BUF_INIT;
    buf_puts(&b, "INSERT OR FAIL INTO numbers(" SQLS_INV_COLS ", caps, created_at, updated_at) VALUES ");
    for (int j = 0; j < IMPORT_ROWS_PER_INSERT; j++) {
        int base = j * IMPORT_PARAMS_PER_ROW;
        buf_puts(&b, j ? ",(" : "(");
        for (int k = 1; k <= 20; k++) buf_printf(&b, "?%d,", base + k);
        buf_printf(&b, "?%d,?%d,?%d)", base + 22, base + 21, base + 21);
    }
    im->multi = sq_stmt_dyn(im->c, b.data);
    buf_free(&b);
    return im->multi;
}

/* Makes the batch's writes, in number order, and empties it: the inserts
 * IMPORT_ROWS_PER_INSERT at a time (the last few one by one), then the
 * updates. */
static int import_flush(store_import_t *im)
{
    conn_t *c = im->c;
    int rc = ST_OK;
    sort_key_t *keys = xmalloc((im->npend + 1) * sizeof *keys);
    for (size_t i = 0; i < im->npend; i++)
        keys[i] = (sort_key_t){im->arena + im->pend[i].off + sizeof(packed_head_t), &im->pend[i]};
    qsort(keys, im->npend, sizeof *keys, key_cmp);
    const pend_t *run[IMPORT_ROWS_PER_INSERT];
    size_t nrun = 0;
    sqlite3_stmt *multi = multi_insert(im);
    sqlite3_stmt *one = STMT(c, Q_IMPORT_INSERT);
    sqlite3_stmt *upd = STMT(c, Q_IMPORT_UPDATE);
    if (!multi || !one || !upd) rc = ST_ERR;
    for (size_t i = 0; i <= im->npend && rc == ST_OK; i++) {
        bool last = i == im->npend;
        if (!last && keys[i].p->update) continue;
        if (!last) run[nrun++] = keys[i].p;
        if (nrun == IMPORT_ROWS_PER_INSERT) {
            for (size_t j = 0; j < nrun; j++)
                bind_packed(multi, (int)j * IMPORT_PARAMS_PER_ROW, im->arena + run[j]->off, im->now);
            rc = sq_step(c, multi, "import write");
            sq_done(multi);
            nrun = 0;
        } else if (last) {
            for (size_t j = 0; j < nrun && rc == ST_OK; j++) {
                bind_packed(one, 0, im->arena + run[j]->off, im->now);
                rc = sq_step(c, one, "import write");
                sq_done(one);
            }
        }
    }
    for (size_t i = 0; i < im->npend && rc == ST_OK; i++) {
        if (!keys[i].p->update) continue;
        bind_packed(upd, 0, im->arena + keys[i].p->off, im->now);
        rc = sq_step(c, upd, "import write");
        sq_done(upd);
    }
    /* what avail_gen_ins/upd would have done, once (import_checked_triggers) */
    if (rc == ST_OK && im->no_triggers && im->npend > 0)
        rc = sq_exec(c->db, "UPDATE avail_gen SET n = n + 1 WHERE id = 1");
    free(keys);
    im->npend = 0;
    im->alen = 0;
    if (im->slots) memset(im->slots, 0, im->nslots * sizeof *im->slots);
    return rc;
}

/* An import runs on a connection of its own: a streamed HTTP import spans
 * many calls on a worker thread, and requests that thread serves meanwhile
 * must not land inside the import's transaction. */
int sq_import_begin(store_t *st, bool dry_run, store_import_t **out)
{
    sqlite_store_t *s = (sqlite_store_t *)st;
    conn_t *c = xcalloc(1, sizeof *c);
    if (sq_open_db(s, &c->db) != ST_OK) {
        free(c);
        return ST_ERR;
    }
    /* A large page cache keeps the index pages that random-order inserts
     * touch in memory for the length of the import. */
    if (sq_exec(c->db, "PRAGMA cache_size=-262144; PRAGMA foreign_keys=OFF") != ST_OK) {
        sq_conn_close(c);
        return ST_ERR;
    }
    /* No transaction yet: the first row opens it (sq_import_row).  The
     * rows may come at a client's pace (`numberd inventory import -` fed
     * by a slow pipe, an HTTP upload), and the write lock taken here was
     * held through that wait: every purchase of the server behind it
     * waited, and answered 503 after the busy timeout. */
    store_import_t *im = xcalloc(1, sizeof *im);
    im->s = s;
    im->c = c;
    im->dry_run = dry_run;
    im->open = false;
    im->now = clock_now();
    *out = im;
    return ST_OK;
}

int sq_import_row(store_import_t *im, const inv_number_t *row, import_outcome_t *out)
{
    conn_t *c = im->c;
    /* the next batch's transaction, opened by its first row (the caller
     * may have rested since the last commit, holding no lock) */
    if (!im->open) {
        if (sq_exec(c->db, im->dry_run ? "BEGIN" : "BEGIN IMMEDIATE") != ST_OK) return ST_ERR;
        im->open = true;
        /* read inside the first transaction: no migration can come in
         * between (the connection's setting then holds for every batch) */
        if (!im->triggers_checked) {
            im->no_triggers = !im->dry_run && triggers_off(c->db);
            im->triggers_checked = true;
        }
    }
    sqlite3_stmt *sel = STMT(c, Q_IMPORT_SELECT);
    if (!sel) return ST_ERR;
    sq_bind_args(sel, SQ_ARGS(SQ_T(row->number)));
    int rc = sqlite3_step(sel);
    bool exists = rc == SQLITE_ROW;
    bool updatable = exists && sqlite3_column_int(sel, 0) == NUM_AVAILABLE &&
                     sqlite3_column_int(sel, 1) == SRC_INVENTORY;
    sq_done(sel);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sq_log_error(c->db, "import select");
        return ST_ERR;
    }
    size_t slot;
    if (!exists && pend_find(im, row->number, &slot)) {
        /* earlier in this batch: written (in the dry run: would be) by now */
        exists = updatable = true;
    }
    if (exists && !updatable) {
        *out = IMPORT_REFUSED;
        return ST_OK;
    }
    *out = exists ? IMPORT_UPDATED : IMPORT_INSERTED;
    pend_add(im, row, exists);
    return ST_OK;
}

static void import_free(store_import_t *im)
{
    sq_conn_close(im->c);
    free(im->arena);
    free(im->pend);
    free(im->slots);
    free(im);
}

int sq_import_commit_batch(store_import_t *im)
{
    if (im->dry_run) {
        /* nothing is written: forget the batch, keep memory bounded */
        im->npend = im->alen = 0;
        if (im->slots) memset(im->slots, 0, im->nslots * sizeof *im->slots);
        return ST_OK;
    }
    if (!im->open) return ST_OK;
    if (import_flush(im) != ST_OK) return ST_ERR;
    if (sq_exec(im->c->db, "COMMIT") != ST_OK) return ST_ERR;
    im->open = false;
    /* The batch's pages are in the WAL; copy them back now, on the
     * importer's time.  Left to the automatic checkpoint, the copy is made
     * by whichever connection commits next -- a purchase, which would then
     * take seconds.  PASSIVE: it waits for no one and blocks no writer. */
    sq_checkpoint_passive(im->s, im->c->db, NULL);
    return ST_OK;
}

int sq_import_end(store_import_t *im, bool commit)
{
    int rc = ST_OK;
    if (im->open && commit && !im->dry_run) rc = import_flush(im);
    if (im->open && rc == ST_OK && commit && !im->dry_run) rc = sq_exec(im->c->db, "COMMIT");
    if (im->open && (rc != ST_OK || !commit || im->dry_run)) sq_exec(im->c->db, "ROLLBACK");
    /* Fresh statistics let the planner pick the most selective search
     * index; a sampled ANALYZE costs milliseconds, not a table scan. */
    if (rc == ST_OK && commit && !im->dry_run)
        sq_exec(im->c->db, "PRAGMA analysis_limit=1000; ANALYZE;");
    import_free(im);
    return rc;
}

/* The inventory's counts by (country, type, state), counted here rather
 * than by SQL's GROUP BY: SQLite sorts every row for that (a temporary
 * b-tree of the whole table, 38 MB at 1,000,000 rows), and the freed
 * sorter stayed in the server's heap -- one /metrics scrape took its RSS
 * from 35 to 92 MB.  The groups are few (countries x types x states): an
 * open-addressed table of them, grown by doubling, then sorted.  The scan
 * reads the whole table: on a connection of its own, closed after it, so
 * that its page cache (6 MB once full) is not kept by a request thread. */
typedef struct {
    stats_row_t *g;      /* the groups; count 0: an empty slot */
    size_t cap, n;       /* slots (a power of two), groups */
} stats_tab_t;

static size_t stats_hash(const stats_row_t *k)
{
    size_t h = 2166136261u;
    for (const char *p = k->country_iso; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    for (const char *p = k->type; *p; p++) h = (h ^ (unsigned char)*p) * 16777619u;
    return (h ^ (size_t)k->state) * 16777619u;
}

static stats_row_t *stats_slot(stats_row_t *g, size_t cap, const stats_row_t *k)
{
    size_t i = stats_hash(k) & (cap - 1);
    while (g[i].count && (g[i].state != k->state || strcmp(g[i].country_iso, k->country_iso) != 0 ||
                          strcmp(g[i].type, k->type) != 0))
        i = (i + 1) & (cap - 1);
    return &g[i];
}

static int stats_row(sqls_row_t *r, void *ud)
{
    stats_tab_t *t = ud;
    stats_row_t k;
    memset(&k, 0, sizeof k);
    r->ops->text(r, k.country_iso, sizeof k.country_iso);
    r->ops->text(r, k.type, sizeof k.type);
    k.state = (num_state_t)r->ops->i64(r, 0);
    if (2 * (t->n + 1) > t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        stats_row_t *g = xcalloc(cap, sizeof *g);
        for (size_t i = 0; i < t->cap; i++)
            if (t->g[i].count) *stats_slot(g, cap, &t->g[i]) = t->g[i];
        free(t->g);
        t->g = g;
        t->cap = cap;
    }
    stats_row_t *s = stats_slot(t->g, t->cap, &k);
    if (!s->count) {
        *s = k;
        t->n++;
    }
    s->count++;
    return C_OK;
}

static int stats_cmp(const void *a, const void *b)
{
    const stats_row_t *x = a, *y = b;
    int c = strcmp(x->country_iso, y->country_iso);
    if (!c) c = strcmp(x->type, y->type);
    if (!c) c = (x->state > y->state) - (x->state < y->state);
    return c;
}

int sq_inventory_stats(store_t *st, store_stats_cb cb, void *ud)
{
    stats_tab_t t = {0};
    conn_t own = {0};
    sqlite3_stmt *q = NULL;
    int rc = sq_open_db((sqlite_store_t *)st, &own.db);
    if (rc == ST_OK && sqlite3_prepare_v2(own.db, SQ_SQL(Q_STATS), -1, &q, NULL) != SQLITE_OK) {
        sq_log_error(own.db, "inventory stats");
        rc = ST_ERR;
    }
    if (rc == ST_OK) rc = sq_each(&own, q, stats_row, &t, "inventory stats");
    sqlite3_finalize(q);
    if (own.db) sqlite3_close_v2(own.db);
    nd_malloc_trim();  /* the closed connection's pages, back to the system */
    if (rc == ST_OK && t.n) {
        /* the groups to the front, in the order GROUP BY ... ORDER BY gave */
        size_t n = 0;
        for (size_t i = 0; i < t.cap; i++)
            if (t.g[i].count) t.g[n++] = t.g[i];
        qsort(t.g, n, sizeof *t.g, stats_cmp);
        for (size_t i = 0; i < n && rc == ST_OK; i++)
            if (cb(&t.g[i], ud) != C_OK) break;
    }
    free(t.g);
    return rc;
}

typedef struct {
    store_inv_cb cb;
    void *ud;
    inv_number_t *row;   /* on the heap: 1.6 KB, not on every walk's stack */
} export_walk_t;

static int export_row(sqls_row_t *r, void *ud)
{
    export_walk_t *w = ud;
    sqls_read_inv(r, w->row);
    return w->cb(w->row, w->ud);
}

int sq_inventory_export(store_t *st, const char *country_iso, int state, store_inv_cb cb,
                        void *ud)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_EXPORT) : NULL;
    if (!q) return ST_ERR;
    sq_bind_args(q, SQ_ARGS(SQ_T(country_iso), SQ_I(state)));
    /* one read transaction: the file is one snapshot even while the
     * server sells numbers meanwhile */
    if (sq_tx_begin(st, false) != ST_OK) {
        sq_done(q);
        return ST_ERR;
    }
    export_walk_t w = {cb, ud, xmalloc(sizeof(inv_number_t))};
    int rc = sq_each(c, q, export_row, &w, "export");
    free(w.row);
    if (rc != ST_OK) {
        sq_tx_rollback(st);
        return rc;
    }
    return sq_tx_commit(st);
}

int sq_inventory_rates(store_t *st, const char *country_iso, store_rate_cb cb, void *ud)
{
    sqls_rate_walk_t w = {cb, ud};
    return SQ_EACH_V(st, Q_INV_RATES, sqls_each_rate, &w, SQ_T(country_iso));
}

int sq_inventory_restrictions(store_t *st, const char *country_iso, const char *type,
                              store_restriction_cb cb, void *ud)
{
    sqls_restriction_walk_t w = {cb, ud};
    return SQ_EACH_V(st, Q_INV_RESTRICTIONS, sqls_each_restriction, &w, SQ_T(country_iso),
                     SQ_T(type));
}
