/* inventory.c -- the inventory: import (read-ahead picture, COPY + one
 * upsert per flush, under the inventory lock), stats, and the export
 * (single-row mode). */
#include "store/postgres/pgInt.h"

#include "util/clock.h"
#include "util/log.h"

const char *const pg_sql_inventory[Q__COUNT] = {
    [Q_IMPORT_PREFETCH] =
        "SELECT number, state, source FROM numbers WHERE number >= $1 AND number < $2 LIMIT $3",
    /* the rows of one flush, all new or updatable (the import checked);
     * the WHERE clause is a safety net, checked by counting */
    [Q_IMPORT_UPSERT] =
        "INSERT INTO numbers(" SQLS_INV_COLS ", caps, created_at, updated_at) "
        "SELECT " SQLS_INV_COLS ", caps, $1::bigint, $1::bigint FROM nd_import ORDER BY number "
        "ON CONFLICT (number) DO UPDATE SET country_iso = EXCLUDED.country_iso, "
        "type = EXCLUDED.type, sub_type = EXCLUDED.sub_type, prefix = EXCLUDED.prefix, "
        "city = EXCLUDED.city, region = EXCLUDED.region, rate_center = EXCLUDED.rate_center, "
        "lata = EXCLUDED.lata, voice_enabled = EXCLUDED.voice_enabled, "
        "sms_enabled = EXCLUDED.sms_enabled, mms_enabled = EXCLUDED.mms_enabled, "
        "setup_rate = EXCLUDED.setup_rate, monthly_rental_rate = EXCLUDED.monthly_rental_rate, "
        "voice_rate = EXCLUDED.voice_rate, sms_rate = EXCLUDED.sms_rate, "
        "mms_rate = EXCLUDED.mms_rate, restriction = EXCLUDED.restriction, "
        "restriction_text = EXCLUDED.restriction_text, carrier = EXCLUDED.carrier, "
        "caps = EXCLUDED.caps, updated_at = EXCLUDED.updated_at "
        "WHERE numbers.state = 0 AND numbers.source = 0",
    /* the unique index on number gives the order without a sort */
    [Q_EXPORT] =
        "SELECT " SQLS_INV_COLS " FROM numbers WHERE source = 0 AND ($1::text IS NULL OR country_iso = $1) "
        "AND ($2::int < 0 OR state = $2) ORDER BY number",
};

/* ---- inventory import --------------------------------------------------- */

/* What the import knows about one number in the database (or about to be
 * in it).  While its row waits for the next flush, gen is the flush
 * generation and line its line in the COPY buffer. */
typedef struct {
    char num[E164_BUFSZ]; /* "" = free slot */
    uint8_t state, source;
    uint32_t gen;         /* 0: not waiting */
    uint32_t line;
} known_t;

/* A row waiting for the next flush: one line of the COPY buffer. */
typedef struct {
    size_t off;           /* where the line starts in the buffer */
    bool dead;            /* replaced by a later row of the same number */
} pending_t;

/* An open-addressing hash map from digit strings to known_t. */
typedef struct {
    known_t *slot;
    size_t cap, n;
} kmap_t;

#define KNOWN_MAX 4000000     /* forget the picture beyond this many numbers */
#define FLUSH_ROWS 100000     /* rows per COPY + upsert (a core batch) */
#define RANGE_MAX 8192        /* numbers one read-ahead may bring */
#define RANGE_PREFIX 4        /* first read-ahead: numbers starting with 4 digits */

struct store_import {
    pg_store_t *s;
    conn_t *c;
    bool dry_run;
    bool open;            /* a batch's transaction is open */
    int64_t now;
    /* The picture: the numbers the import knows, and the prefixes it has
     * read whole (every number of the database starting with a covered
     * prefix is in `known`). */
    kmap_t known, covered;
    int plen;             /* prefix length of the next read-ahead */
    /* rows waiting for the next flush, as lines of COPY text */
    buf_t copy;
    pending_t *pend;
    size_t npend, pcap, nlive;
    uint32_t gen;
};

static uint64_t str_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* The entry of s[0..n), or NULL. */
static known_t *kmap_find(const kmap_t *m, const char *s, size_t n)
{
    if (m->cap == 0) return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = str_hash(s, n) & mask;; i = (i + 1) & mask) {
        const char *k = m->slot[i].num;
        if (k[0] == '\0') return NULL;
        if (strncmp(k, s, n) == 0 && k[n] == '\0') return &m->slot[i];
    }
}

/* The entry of s[0..n), added (zeroed) if missing. */
static known_t *kmap_put(kmap_t *m, const char *s, size_t n)
{
    if ((m->n + 1) * 10 >= m->cap * 7) {
        kmap_t bigger = {xcalloc(m->cap ? m->cap * 2 : 4096, sizeof(known_t)),
                         m->cap ? m->cap * 2 : 4096, 0};
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->slot[i].num[0]) continue;
            *kmap_put(&bigger, m->slot[i].num, strlen(m->slot[i].num)) = m->slot[i];
        }
        free(m->slot);
        *m = bigger;
    }
    size_t mask = m->cap - 1;
    size_t i = str_hash(s, n) & mask;
    while (m->slot[i].num[0] && !(strncmp(m->slot[i].num, s, n) == 0 && m->slot[i].num[n] == '\0'))
        i = (i + 1) & mask;
    if (!m->slot[i].num[0]) {
        if (n >= sizeof m->slot[i].num) n = sizeof m->slot[i].num - 1;
        memcpy(m->slot[i].num, s, n);
        m->slot[i].num[n] = '\0';
        m->n++;
    }
    return &m->slot[i];
}

static void kmap_free(kmap_t *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

static void import_forget(store_import_t *im)
{
    kmap_free(&im->known);
    kmap_free(&im->covered);
}

static bool is_covered(const store_import_t *im, const char *num)
{
    size_t len = strlen(num);
    for (size_t n = 1; n <= len; n++)
        if (kmap_find(&im->covered, num, n)) return true;
    return false;
}

/* Reads ahead around num: every number of the database that starts with
 * num's first plen digits, so that the numbers near it in the file (sorted
 * files, and files grouped by area code) are answered without a query.
 * A prefix holding more than RANGE_MAX numbers is too dense: the prefix
 * grows by a digit, for this and every later read-ahead. */
static int read_ahead(store_import_t *im, const char *num)
{
    size_t len = strlen(num);
    for (;;) {
        size_t plen = (size_t)im->plen < len ? (size_t)im->plen : len;
        char lo[E164_BUFSZ], hi[E164_BUFSZ + 1];
        snprintf(lo, sizeof lo, "%.*s", (int)plen, num);
        sqls_prefix_hi(lo, hi, sizeof hi);
        PGresult *r = NULL;
        int rc = pg_exec(im->c, Q_IMPORT_PREFETCH,
                         PG_V(v_text(lo), v_text(hi), v_int(RANGE_MAX + 1)), &r, NULL);
        if (rc != ST_OK) return rc;
        int n = PQntuples(r);
        if (n > RANGE_MAX && plen < len) {
            PQclear(r);
            im->plen++;
            continue;
        }
        for (int i = 0; i < n; i++) {
            sqls_row_t d = pg_row(r, i, 0);
            const char *v = rd_val(&d);
            if (!v) continue;
            known_t *k = kmap_find(&im->known, v, strlen(v));
            if (k) continue; /* what the import wrote is newer */
            k = kmap_put(&im->known, v, strlen(v));
            k->state = (uint8_t)rd_int(&d);
            k->source = (uint8_t)rd_int(&d);
            k->gen = 0;
        }
        PQclear(r);
        kmap_put(&im->covered, lo, plen);
        return ST_OK;
    }
}

/* COPY text format: tab-separated, \N for NULL, backslash escapes. */
static void copy_text(buf_t *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\': buf_puts(b, "\\\\"); break;
        case '\t': buf_puts(b, "\\t"); break;
        case '\n': buf_puts(b, "\\n"); break;
        case '\r': buf_puts(b, "\\r"); break;
        default: buf_putc(b, *s);
        }
    }
    buf_putc(b, '\t');
}

static void copy_money(buf_t *b, int64_t v)
{
    if (v < 0) buf_puts(b, "\\N\t");
    else buf_printf(b, "%lld\t", (long long)v);
}

static void copy_row(buf_t *b, const inv_number_t *r)
{
    /* the columns of SQLS_INV_COLS, in order, then caps */
    const char *place[] = {r->number, r->country_iso, r->type,   r->sub_type,
                           r->prefix, r->city,        r->region, r->rate_center};
    const bool services[] = {r->voice, r->sms, r->mms};
    const int64_t rates[] = {r->setup_rate, r->monthly_rental_rate, r->voice_rate, r->sms_rate,
                             r->mms_rate};
    const char *restriction[] = {r->restriction, r->restriction_text, r->carrier};
    for (size_t i = 0; i < ND_ARRAY_LEN(place); i++) copy_text(b, place[i]);
    copy_money(b, r->lata);
    for (size_t i = 0; i < ND_ARRAY_LEN(services); i++) buf_puts(b, services[i] ? "t\t" : "f\t");
    for (size_t i = 0; i < ND_ARRAY_LEN(rates); i++) copy_money(b, rates[i]);
    for (size_t i = 0; i < ND_ARRAY_LEN(restriction); i++) copy_text(b, restriction[i]);
    buf_printf(b, "%d\n", sqls_caps(r));
}

/* Writes the buffered rows: COPY into the session's temporary table, then
 * one upsert into numbers. */
static int import_flush(store_import_t *im)
{
    conn_t *c = im->c;
    int rc = ST_OK;
    if (im->nlive == 0) return ST_OK;
    PGresult *r = pg_exec_raw(c, "COPY nd_import FROM STDIN");
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        rc = pg_status(c, r, "import COPY");
        PQclear(r);
        return rc == ST_OK ? ST_ERR : rc;
    }
    PQclear(r);
    /* the live lines, in runs between dead ones */
    for (size_t i = 0, run = 0; rc == ST_OK && i <= im->npend; i++) {
        if (i < im->npend && !im->pend[i].dead) continue;
        size_t end = i < im->npend ? im->pend[i].off : im->copy.len;
        size_t start = run < im->npend ? im->pend[run].off : end;
        if (end > start && PQputCopyData(c->pg, im->copy.data + start, (int)(end - start)) != 1)
            rc = ST_ERR;
        run = i + 1;
    }
    if (PQputCopyEnd(c->pg, rc == ST_OK ? NULL : "client failed") != 1) rc = ST_ERR;
    if (rc != ST_OK) log_msg(LOG_ERROR, "postgres: import COPY: %s", PQerrorMessage(c->pg));
    while ((r = pg_next_result(c)) != NULL) {
        if (pg_status(c, r, "import COPY") != ST_OK) rc = ST_ERR;
        PQclear(r);
    }
    int64_t n = 0;
    if (rc == ST_OK) {
        rc = pg_exec(c, Q_IMPORT_UPSERT, PG_V(v_int(im->now)), NULL, &n);
    }
    if (rc == ST_OK && n != (int64_t)im->nlive) {
        /* cannot happen while the inventory lock is held */
        log_msg(LOG_ERROR, "postgres: import wrote %lld of %zu rows", (long long)n, im->nlive);
        rc = ST_ERR;
    }
    if (rc == ST_OK) rc = pg_simple(c, "TRUNCATE nd_import");
    buf_reset(&im->copy);
    im->npend = im->nlive = 0;
    im->gen++;
    return rc == ST_OK ? ST_OK : ST_ERR;
}

/* Opens the batch transaction: the inventory lock, exclusive, before the
 * first read (separate statements: the reads must see what the writers we
 * waited for committed). */
static int import_tx_begin(store_import_t *im)
{
    if (im->dry_run) return pg_simple(im->c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (pg_simple(im->c, "BEGIN") != ST_OK) return ST_ERR;
    return pg_simple(im->c, "SELECT pg_advisory_xact_lock(" LOCK_NS ", " LOCK_INVENTORY ")");
}

/* An import runs on a connection of its own: a streamed HTTP import spans
 * many calls on a worker thread, and requests that thread serves meanwhile
 * must not land inside the import's transaction. */
int pg_import_begin(store_t *st, bool dry_run, store_import_t **out)
{
    pg_store_t *s = (pg_store_t *)st;
    conn_t *c = pg_conn_open(s->sql.target, NULL);
    if (!c) return ST_ERR;
    /* a CLI batch of 100,000 rows may take seconds: no statement timeout
     * on the import's own connection, a long reply bound (conn.c) */
    if (pg_unbound(c, PG_LONG_REPLY_MS) != ST_OK) {
        pg_conn_close(c);
        return ST_ERR;
    }
    store_import_t *im = xmalloc(sizeof *im);
    *im = (store_import_t){
        .s = s, .c = c, .dry_run = dry_run, .now = clock_now(), .plen = RANGE_PREFIX, .gen = 1};
    /* the transaction spans calls: never reconnect silently inside it */
    c->depth = 1;
    c->tx_write = !dry_run;
    /* the read-ahead's range is planned for its values every time: the
     * table grows under it, from empty */
    int rc = pg_simple(c, "SET plan_cache_mode = force_custom_plan");
    if (rc == ST_OK && !dry_run)
        rc = pg_simple(c, "CREATE TEMP TABLE nd_import (number text, country_iso text, type text, "
                          "sub_type text, prefix text, city text, region text, rate_center text, "
                          "lata integer, voice_enabled boolean, sms_enabled boolean, "
                          "mms_enabled boolean, setup_rate bigint, monthly_rental_rate bigint, "
                          "voice_rate bigint, sms_rate bigint, mms_rate bigint, restriction text, "
                          "restriction_text text, carrier text, caps integer) "
                          "ON COMMIT DELETE ROWS");
    /* No transaction yet: the first row opens it (pg_import_row), with
     * the inventory lock that every writer waits for -- not held while the
     * rows come at a client's pace (a slow pipe into `inventory import -`) */
    if (rc != ST_OK) {
        pg_conn_close(c);
        free(im);
        return ST_ERR;
    }
    im->open = false;
    *out = im;
    return ST_OK;
}

int pg_import_row(store_import_t *im, const inv_number_t *row, import_outcome_t *out)
{
    size_t len = strlen(row->number);
    /* the next batch's transaction, opened by its first row (the caller
     * may have rested since the last commit, holding no lock) */
    if (!im->open) {
        if (import_tx_begin(im) != ST_OK) return ST_ERR;
        im->open = true;
    }
    known_t *k = kmap_find(&im->known, row->number, len);
    if (!k && !is_covered(im, row->number)) {
        if (read_ahead(im, row->number) != ST_OK) return ST_ERR;
        k = kmap_find(&im->known, row->number, len);
    }
    if (k && !(k->state == NUM_AVAILABLE && k->source == SRC_INVENTORY)) {
        *out = IMPORT_REFUSED;
        return ST_OK;
    }
    *out = k ? IMPORT_UPDATED : IMPORT_INSERTED;
    /* one upsert cannot touch a row twice: a number already waiting has
     * its line replaced by this one (the later row wins, as if the first
     * had been written and then updated, as in the SQLite backend) */
    if (!im->dry_run && k && k->gen == im->gen) {
        im->pend[k->line].dead = true;
        im->nlive--;
    }
    /* from now on the number is an available inventory number: written,
     * or in a dry run as good as written until the batch ends */
    k = kmap_put(&im->known, row->number, len);
    k->state = NUM_AVAILABLE;
    k->source = SRC_INVENTORY;
    k->gen = 0;
    if (im->dry_run) return ST_OK;
    if (im->npend == im->pcap) {
        im->pcap = im->pcap ? im->pcap * 2 : 4096;
        im->pend = xrealloc(im->pend, im->pcap * sizeof *im->pend);
    }
    k->gen = im->gen;
    k->line = (uint32_t)im->npend;
    pending_t *pl = &im->pend[im->npend++];
    pl->off = im->copy.len;
    pl->dead = false;
    copy_row(&im->copy, row);
    im->nlive++;
    if (im->npend >= FLUSH_ROWS && import_flush(im) != ST_OK) return ST_ERR;
    if (im->known.n > KNOWN_MAX) {
        /* everything written: the database alone holds the picture now */
        if (import_flush(im) != ST_OK) return ST_ERR;
        import_forget(im);
    }
    return ST_OK;
}

int pg_import_commit_batch(store_import_t *im)
{
    if (im->dry_run) {
        /* nothing was written: the batch's numbers are forgotten, as in
         * the SQLite backend (the snapshot still holds everything else) */
        import_forget(im);
        return ST_OK;
    }
    if (!im->open) return ST_OK;
    if (import_flush(im) != ST_OK || pg_commit_checked(im->c, "import COMMIT", false) != ST_OK)
        return ST_ERR;
    im->open = false;
    /* between batches other writers run: what the import knew may be stale */
    import_forget(im);
    return ST_OK;
}

int pg_import_end(store_import_t *im, bool commit)
{
    conn_t *c = im->c;
    int rc = ST_OK;
    if (im->open && commit && !im->dry_run) {
        rc = import_flush(im);
        if (rc == ST_OK) rc = pg_commit_checked(c, "import COMMIT", false);
    }
    if (im->open && (rc != ST_OK || !commit || im->dry_run)) {
        PGresult *r = pg_exec_raw(c, "ROLLBACK");
        PQclear(r);
    }
    /* Fresh statistics for the planner, as the SQLite backend's ANALYZE;
     * and the new rows marked all-visible, so that counts (search, lists) are
     * answered from the indexes alone (index-only scans).
     * VACUUM skips pages already all-visible: a small import into a large
     * table costs little. */
    if (rc == ST_OK && commit && !im->dry_run) {
        pg_tx_reset(c);
        /* may take minutes on a large table: no reply bound either (the
         * connection is the import's own, closed below) */
        c->reply_ms = 0;
        pg_simple(c, "VACUUM (ANALYZE) numbers");
    }
    pg_conn_close(c);
    import_forget(im);
    buf_free(&im->copy);
    free(im->pend);
    free(im);
    return rc;
}

int pg_inventory_stats(store_t *st, store_stats_cb cb, void *ud)
{
    sqls_walk_stats_t w = {cb, ud};
    return pg_each(pg_conn(st), Q_STATS, PG_NONE, sqls_walk_stats, &w);
}

/* One statement (one snapshot), its rows fetched one at a time (libpq's
 * single-row mode), so a million-row inventory never sits in memory.  A
 * callback that stops the walk cancels the rest on the server. */

int pg_inventory_export(store_t *st, const char *country_iso, int state, store_inv_cb cb,
                        void *ud)
{
    sqls_walk_inv_t w = {cb, ud};
    return pg_stream(pg_conn(st), Q_EXPORT, PG_V(v_text(country_iso), v_int(state)), sqls_walk_inv,
                     &w, "export", NULL);
}

int pg_inventory_rates(store_t *st, const char *country_iso, store_rate_cb cb, void *ud)
{
    sqls_rate_walk_t w = {cb, ud};
    return pg_each(pg_conn(st), Q_INV_RATES, PG_V(v_text(country_iso)), sqls_each_rate, &w);
}

int pg_inventory_restrictions(store_t *st, const char *country_iso, const char *type,
                              store_restriction_cb cb, void *ud)
{
    sqls_restriction_walk_t w = {cb, ud};
    return pg_each(pg_conn(st), Q_INV_RESTRICTIONS, PG_V(v_text(country_iso), v_text(type)),
                   sqls_each_restriction, &w);
}
