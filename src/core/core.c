/* core.c -- what every service shares: errors, text checks, the store's
 * lifetime and transactions, the server key's fingerprint, and the few
 * validators more than one service applies. */
#include "core/core_int.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/secrets.h"
#include "util/log.h"
#include "util/utf8.h"

int cerr(cerr_t *e, ce_t code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        e->code = code;
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        /* a message quoting its input with %.32s, or cut to fit e->msg,
         * may end in half a character: never answer invalid UTF-8 */
        utf8_clip_invalid(e->msg);
    }
    return C_ERR;
}

int core_parse_bool(const char *s, bool *out)
{
    if (nd_strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0) *out = true;
    else if (nd_strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0) *out = false;
    else return C_ERR;
    return C_OK;
}

/* The length of the blank character at s[i] (n bytes in all), 0 if it is
 * none: an ASCII space, or a Unicode space (U+00A0, U+1680, U+2000..U+200A,
 * U+202F, U+205F, U+3000) or zero-width one (U+200B, U+FEFF) -- what shows
 * as nothing, so that a name of them alone reads as no name. */
static size_t blank_len(const unsigned char *s, size_t i, size_t n)
{
    if (s[i] == ' ') return 1;
    if (s[i] == 0xc2 && i + 1 < n && s[i + 1] == 0xa0) return 2;
    if (i + 2 >= n) return 0;
    unsigned a = s[i], b = s[i + 1], c = s[i + 2];
    if ((a == 0xe1 && b == 0x9a && c == 0x80) || (a == 0xe2 && b == 0x80 && c <= 0x8b) ||
        (a == 0xe2 && b == 0x80 && c == 0xaf) || (a == 0xe2 && b == 0x81 && c == 0x9f) ||
        (a == 0xe3 && b == 0x80 && c == 0x80) || (a == 0xef && b == 0xbb && c == 0xbf))
        return 3;
    return 0;
}

bool core_text_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    bool visible = false;
    if (n == 0 || n > max * 4 || !utf8_valid(s, n, NULL) || utf8_len(s, n) > max) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f) return false;
        /* C1 controls U+0080..U+009F are 0xC2 0x80..0x9F in UTF-8 */
        if (ch == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] <= 0x9f) return false;
        /* U+2028 / U+2029, line and paragraph separators: E2 80 A8/A9 */
        if (ch == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
            ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9))
            return false;
        size_t bl = visible ? 0 : blank_len((const unsigned char *)s, i, n);
        if (bl > 1) i += bl - 1;
        else if (bl == 0) visible = true;
    }
    return visible; /* all blanks is not a name */
}

bool core_text_fits(const char *s, size_t max, size_t bufsz)
{
    return strlen(s) < bufsz && core_text_ok(s, max);
}

/* ---- the store seam (core_store.h) ---- */

int core_st(cerr_t *e, int st, const char *what)
{
    switch (st) {
    case ST_OK: return C_OK;
    case ST_NOTFOUND: return cerr(e, CE_NOTFOUND, "not found");
    case ST_CONFLICT: return cerr(e, CE_CONFLICT, "conflict");
    default:
        /* ST_ERR, or a status this core does not know: the server's fault,
         * and a passing one as far as the client can tell (503, retry) */
        if (what) return cerr(e, CE_UNAVAILABLE, "database unavailable (%s)", what);
        return cerr(e, CE_UNAVAILABLE, "database unavailable");
    }
}

/* Transaction depth of this thread, as the core opened them, and the
 * counters held back until the outermost commit.  (The store counts depth
 * per connection; the core's transactions all run on the calling thread's
 * connection, so the two depths move together.) */
static _Thread_local int t_depth;
static _Thread_local uint32_t t_held[MET__COUNT];

/* Counts what held holds (count) or drops it, and empties it. */
static void held_settle_in(uint32_t held[MET__COUNT], bool count)
{
    for (int m = 0; m < MET__COUNT; m++) {
        if (count)
            for (uint32_t i = 0; i < held[m]; i++) metrics_count((metric_t)m);
        held[m] = 0;
    }
}

static void held_settle(bool count) { held_settle_in(t_held, count); }

int core_begin(core_t *c, cerr_t *e)
{
    if (c->st->ops->tx_begin(c->st, true) != ST_OK) return core_st(e, ST_ERR, NULL);
    t_depth++;
    return C_OK;
}

/* Bumped by every committed outermost write transaction of this process
 * (and every import batch): /metrics recounts its inventory gauges only
 * when it moved (api/ops.c). */
static atomic_uint_fast64_t g_write_gen;

uint64_t core_write_generation(void) { return atomic_load_explicit(&g_write_gen, memory_order_relaxed); }

void core_note_write(void) { atomic_fetch_add_explicit(&g_write_gen, 1, memory_order_relaxed); }

/* ---- batches (core_int.h: core_batch_begin) ---- */

/* The thread runs a batch: its commits are kept only at core_batch_end,
 * and durable once core_batch_durable returned (or at the end, when the
 * store syncs inside its commit); what follows a commit -- its held
 * counters, the hooks that tell other threads to look at the database --
 * waits for that. */
static _Thread_local bool t_batch;
static _Thread_local uint32_t t_batch_held[MET__COUNT];
#define CORE_DURABLE_MAX 8
static _Thread_local struct {
    void (*fn)(void);
    bool settled;  /* core_on_settled's: called at the commit, or the failure */
    bool durable;  /* core_on_durable's: called once the commit is durable */
} t_durable[CORE_DURABLE_MAX];
static _Thread_local int t_ndurable;

static void at_batch_end(void (*fn)(void), bool always)
{
    if (!fn) return;
    if (!t_batch) {
        fn();
        return;
    }
    for (int i = 0; i < t_ndurable; i++)
        if (t_durable[i].fn == fn) {
            t_durable[i].settled |= always;
            t_durable[i].durable |= !always;
            return;
        }
    /* more kinds than slots (none today): told now, early -- a thread
     * told too early reads the old state and is told again at the end */
    if (t_ndurable == CORE_DURABLE_MAX) {
        fn();
        return;
    }
    t_durable[t_ndurable].fn = fn;
    t_durable[t_ndurable].settled = always;
    t_durable[t_ndurable++].durable = !always;
}

void core_on_durable(void (*fn)(void)) { at_batch_end(fn, false); }

void core_on_settled(void (*fn)(void)) { at_batch_end(fn, true); }

bool core_in_batch(void) { return t_batch; }

static _Thread_local bool t_batch_full;

void core_batch_end_soon(void)
{
    if (t_batch) t_batch_full = true;
}

bool core_batch_full(void) { return t_batch && t_batch_full; }

bool core_batches(core_t *c) { return c->st->ops->batches && c->st->ops->batches(c->st); }

int core_batch_begin(core_t *c)
{
    if (t_batch || t_depth != 0 || !c->st->ops->batch_begin) return C_ERR;
    if (c->st->ops->batch_begin(c->st) != ST_OK) return C_ERR;
    t_batch = true;
    t_batch_full = false;
    t_ndurable = 0;
    memset(t_batch_held, 0, sizeof t_batch_held);
    return C_OK;
}

/* A committed batch's counters and calls, waiting for its sync. */
struct core_after {
    uint64_t ticket;             /* the store's (durable_wait) */
    uint32_t held[MET__COUNT];
    void (*fn[CORE_DURABLE_MAX])(void);
    int nfn;
};

/* Counts the counters and makes the calls a durable batch owes. */
static void after_run(uint32_t held[MET__COUNT], void (*const *fn)(void), int nfn)
{
    held_settle_in(held, true);
    for (int i = 0; i < nfn; i++) fn[i]();
}

int core_batch_durable(core_t *c, core_after_t *after)
{
    if (!after) return C_OK;
    /* returns once synced; not durable: the commit is still what every
     * thread reads, so what follows it runs all the same */
    int rc = c->st->ops->durable_wait(c->st, after->ticket) == ST_OK ? C_OK : C_ERR;
    after_run(after->held, after->fn, after->nfn);
    free(after);
    return rc;
}

int core_batch_end(core_t *c, core_after_t **after, cerr_t *e)
{
    *after = NULL;
    if (!t_batch) return cerr(e, CE_INTERNAL, "no batch");
    bool leaked = t_depth != 0;
    if (leaked) {
        /* a request left a transaction open (a bug): what it did, and
         * whatever the requests after it did inside it, cannot be told
         * apart -- the store fails the whole batch */
        log_msg(LOG_ERROR, "core: a transaction was left open in a batch; the batch fails");
        t_depth = 0;
        held_settle(false);
        ev_tx_end(false);
    }
    uint64_t ticket = 0;
    int rc = c->st->ops->batch_end(c->st, &ticket);
    if (leaked) rc = ST_ERR;
    t_batch = false;
    int n = t_ndurable;
    t_ndurable = 0;
    /* forgetting what was read (core_on_settled) cannot wait for the
     * sync: other threads already see the commit */
    void (*owed[CORE_DURABLE_MAX])(void);
    int nowed = 0;
    for (int i = 0; i < n; i++) {
        if (t_durable[i].settled) t_durable[i].fn();
        if (t_durable[i].durable && rc == ST_OK) owed[nowed++] = t_durable[i].fn;
    }
    if (rc != ST_OK) {
        held_settle_in(t_batch_held, false);
        return core_st(e, ST_ERR, "commit");
    }
    if (ticket == 0) {
        after_run(t_batch_held, owed, nowed);
        return C_OK;
    }
    core_after_t *a = xmalloc(sizeof *a);
    a->ticket = ticket;
    memcpy(a->held, t_batch_held, sizeof a->held);
    memset(t_batch_held, 0, sizeof t_batch_held);
    memcpy(a->fn, owed, sizeof owed[0] * (size_t)nowed);
    a->nfn = nowed;
    *after = a;
    return C_OK;
}

int core_commit(core_t *c, cerr_t *e)
{
    int rc = c->st->ops->tx_commit(c->st);
    if (t_depth > 0 && --t_depth == 0) {
        if (t_batch && rc == ST_OK) {
            /* kept by the batch: counted if the batch's commit is durable */
            for (int m = 0; m < MET__COUNT; m++) {
                t_batch_held[m] += t_held[m];
                t_held[m] = 0;
            }
        } else {
            held_settle(rc == ST_OK);
        }
        if (rc == ST_OK) core_on_durable(core_note_write);
        ev_tx_end(rc == ST_OK);
    }
    return rc == ST_OK ? C_OK : core_st(e, ST_ERR, "commit");
}

void core_rollback(core_t *c)
{
    c->st->ops->tx_rollback(c->st);
    if (t_depth > 0 && --t_depth == 0) {
        held_settle(false);
        ev_tx_end(false);
    }
}

int core_end(core_t *c, int rc, cerr_t *e)
{
    if (rc == C_OK) return core_commit(c, e);
    core_rollback(c);
    return C_ERR;
}

int core_purge(core_t *c, core_purge_fn purge, int64_t before, int batch, int max_batches,
               const char *what, int64_t *purged, cerr_t *e)
{
    if (purged) *purged = 0;
    for (int i = 0; i < max_batches; i++) {
        int64_t n = 0;
        if (core_begin(c, e) != C_OK) return C_ERR;
        if (core_end(c, core_st(e, purge(c->st, before, batch, &n), what), e) != C_OK) return C_ERR;
        if (purged) *purged += n;
        if (n < batch) break;
    }
    return C_OK;
}

int core_tx_depth(void) { return t_depth; }

bool core_retry(core_t *c, int *tries, cerr_t *e)
{
    if (++*tries >= CORE_TX_TRIES || t_depth != 0 || e->code != CE_UNAVAILABLE ||
        !c->st->ops->tx_retryable(c->st))
        return false;
    metrics_count(MET_DB_TX_RETRIES);
    log_msg(LOG_WARN, "a write was aborted by the database to break a deadlock (or a serialization "
                      "conflict); running it again (try %d of %d)", *tries + 1, CORE_TX_TRIES);
    e->code = CE_OK;
    e->msg[0] = '\0';
    return true;
}

void core_count_on_commit(metric_t m)
{
    if (t_depth != 0) t_held[m]++;
    else if (t_batch) t_batch_held[m]++;
    else metrics_count(m);
}

/* ---- the store's lifetime ---- */

bool core_url_is_postgres(const char *url)
{
    return store_url_is_postgres(url);
}

int core_open(core_t *c, const char *url, int *applied, cerr_t *e)
{
    char *err = NULL;
    int n = 0;
    memset(c, 0, sizeof *c);
    c->aging_days = 45;
    if (applied) *applied = 0;
    if (store_open(url, &c->st, &err) != C_OK) {
        cerr(e, CE_INTERNAL, "%s", err ? err : "cannot open the database");
        free(err);
        return C_ERR;
    }
    if (c->st->ops->migrate(c->st, &n) != ST_OK) {
        core_close(c);
        return cerr(e, CE_INTERNAL, "schema migration failed on %s", url);
    }
    if (applied) *applied = n;
    return C_OK;
}

void core_lock_wait_set(int ms)
{
    store_lock_wait_set(ms);
}

void core_thread_done(core_t *c)
{
    if (c->st) c->st->ops->thread_release(c->st);
}

int core_owner_open(core_t *c, const account_t *who, cerr_t *e)
{
    int status = ACCT_ACTIVE;
    int rc = c->st->ops->account_status_held(c->st, core_owner_id(who), &status);
    if (rc == ST_NOTFOUND) return cerr(e, CE_UNAVAILABLE, "the caller's account was not found");
    if (core_st(e, rc, "account status") != C_OK) return C_ERR;
    if (status == ACCT_CLOSED) return cerr(e, CE_FORBIDDEN, "account closed");
    if (status != ACCT_ACTIVE) return cerr(e, CE_FORBIDDEN, "account suspended");
    return C_OK;
}

int core_schema_version(core_t *c, int *db, int *known, cerr_t *e)
{
    return core_st(e, c->st->ops->schema_version(c->st, db, known), "schema version");
}

void core_close(core_t *c)
{
    if (c->st) c->st->ops->close(c->st);
    c->st = NULL;
}

bool core_ready(core_t *c)
{
    store_t *st = c->st;
    /* a backend that predates ping: any cheap read will do */
    if (st->ops->ping) return st->ops->ping(st) == ST_OK;
    return st->ops->account_count(st) >= 0;
}

/* The version read ahead for this thread's request (core_db_version_give) */
static _Thread_local struct {
    bool set;
    db_version_t v;
} t_given;

void core_db_version_give(const db_version_t *v)
{
    t_given.set = v != NULL;
    if (v) t_given.v = *v;
}

bool core_db_version(core_t *c, db_version_t *out)
{
    if (t_given.set) {
        t_given.set = false;
        /* inside a transaction (or a batch) the version must be the
         * store's own reading (store.h: none), not one from before */
        if (t_depth == 0 && !t_batch) {
            *out = t_given.v;
            return true;
        }
    }
    return c->st->ops->read_version(c->st, out) == ST_OK;
}

bool core_db_version_queried(const core_t *c)
{
    return (c->st->ops->caps & STORE_CAP_VERSION_QUERY) != 0;
}

int core_read_anchor_start(core_t *c, cerr_t *e)
{
    return core_st(e, c->st->ops->read_anchor_start(c->st), NULL);
}

const char *core_backend(const core_t *c)
{
    return c->st->ops->name;
}

int core_key_check(core_t *c, bool *first, cerr_t *e)
{
    char have[SEC_FPR_SZ], want[SEC_FPR_SZ];
    *first = false;
    if (!c->key) return cerr(e, CE_INTERNAL, "no server key");
    sec_key_fingerprint(c->key, have);
    /* Insert-if-absent, not read-then-write: two nodes starting at once on
     * a fresh database, each with a key of its own (a key file created on
     * each), would both find no fingerprint and both store theirs, the
     * last one winning and the other node sealing passwords no one else
     * can open.  Now one fingerprint is stored and the other node meets
     * it below. */
    int rc = c->st->ops->setting_put_new(c->st, "secret_key_fingerprint", have, want, sizeof want);
    if (rc == ST_OK) {
        *first = true;
        return C_OK;
    }
    if (rc != ST_CONFLICT) return core_st(e, ST_ERR, NULL);
    if (strcmp(have, want) != 0)
        return cerr(e, CE_CONFLICT,
                    "the server key (fingerprint %s) is not the one this database was written "
                    "with (fingerprint %s): the SIP passwords it holds could not be read.  Restore "
                    "the original key file or NUMBERD_SECRET_KEY",
                    have, want);
    return C_OK;
}

/* ---- validators more than one service applies ---- */

int core_resolve_sub(core_t *c, const account_t *main_acct, const char *auth_id, int64_t *sub_id,
                     const char *param, cerr_t *e)
{
    account_t sub;
    int rc = (ids_is_auth_id(auth_id, strlen(auth_id)) && auth_id[0] == 'S')
                 ? c->st->ops->account_by_auth_id(c->st, auth_id, &sub) : ST_NOTFOUND;
    if (rc == ST_ERR) return core_st(e, rc, NULL);
    if (rc != ST_OK || sub.parent_id != main_acct->id)
        return cerr(e, CE_INVALID, "invalid %s: %.32s is not one of your subaccounts", param, auth_id);
    *sub_id = sub.id;
    return C_OK;
}

int core_parse_number(const char *in, char out[E164_BUFSZ], cerr_t *e)
{
    if (in == NULL || e164_parse(in, out, NULL) != C_OK)
        return cerr(e, CE_INVALID, "invalid number: %.32s", in ? in : "");
    return C_OK;
}

int core_parse_method(const char *in, const char *param, char out[MODEL_METHOD_SZ], cerr_t *e)
{
    if (nd_strcasecmp(in, "GET") == 0) memcpy(out, "GET", 4);
    else if (nd_strcasecmp(in, "POST") == 0) memcpy(out, "POST", 5);
    else return cerr(e, CE_INVALID, "invalid %s: want GET or POST", param);
    return C_OK;
}

int core_parse_services(const char *s, int *caps)
{
    const char *p = s;
    *caps = 0;
    if (*s == '\0') return C_ERR;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n && *p == ' ') { p++; n--; }
        while (n && p[n - 1] == ' ') n--;
        if (n == 5 && strncasecmp(p, "voice", 5) == 0) *caps |= 1;
        else if (n == 3 && strncasecmp(p, "sms", 3) == 0) *caps |= 2;
        else if (n == 3 && strncasecmp(p, "mms", 3) == 0) *caps |= 4;
        else return C_ERR;
        if (!end) return C_OK;
        p = end + 1;
    }
}

bool core_http_url_ok(const char *s)
{
    size_t n = strlen(s);
    size_t skip;
    if (n > MODEL_URL_SZ - 1) return false;
    if (strncasecmp(s, "http://", 7) == 0) skip = 7;
    else if (strncasecmp(s, "https://", 8) == 0) skip = 8;
    else return false;
    if (n == skip || s[skip] == '/' || s[skip] == ':' || s[skip] == '?') return false; /* no host */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) return false;
    return true;
}
