/* anscache.c -- answers kept for reads asked again before anything changed.
 *
 * Why: an account's list of numbers is the call users make most (a console
 * refreshing, a provisioning system polling), and nearly all of its cost is
 * reading 20 rows of 48 columns and rendering them (docs/PERFORMANCE.md).
 * Asked again with nothing committed since, it is the same answer but for
 * its api_id.
 *
 * Exactness: an answer is kept with the database's version read before it
 * was computed (core_db_version: the PRAGMA data_version of a connection
 * that never writes, which every other connection's commit moves), and
 * given again only while the version read for the new request is equal --
 * no commit by anyone, this process, another process (the CLI) or another
 * thread, in between.  What the
 * answer shows then is what a fresh read would show.  The version is read
 * before the answer's own reads: a commit that lands between them makes
 * the kept answer newer than its version, and the next request, which sees
 * the commit, misses.  PostgreSQL has no such version (another node's
 * commit is invisible without a query): nothing is kept there.
 *
 * The answers are the process's, under one lock held for a lookup and a
 * copy (~18 KB: a page of 20 numbers), not while an answer is computed.
 * The key is the caller, the resource and the parsed query in its order
 * (the paging links repeat it in that order).  Only 200 answers are kept,
 * their bytes after the api_id; the least recently used one makes room.
 */
#include "api/api.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 32                 /* answers kept */
#define MAX_TAIL (256 * 1024)    /* a larger answer is not kept */
#define MAX_KEY 4096             /* a longer key (a long query) is not kept */

typedef struct {
    char *key;                   /* NUL-terminated (owned) */
    db_version_t v;
    char *tail;                  /* the answer after its api_id (owned) */
    size_t tlen;
    uint64_t used;               /* g_tick at its last use */
} slot_t;

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static slot_t g_slots[SLOTS];
static uint64_t g_tick;
static atomic_uint_fast64_t g_hits, g_misses;

static bool same_version(const db_version_t *a, const db_version_t *b)
{
    return a->conn == b->conn && a->data == b->data;
}

/* {"api_id":"<36 characters>" -- what every Plivo object answer starts with
 * (api_plivo_obj_begin) */
#define HEAD "{\"api_id\":\""
#define HEAD_LEN (sizeof HEAD - 1 + IDS_UUID_SZ - 1 + 1)

void api_cache_key(buf_t *key, const char *what, const account_t *who, json_t *q)
{
    buf_reset(key);
    buf_printf(key, "%s\n%lld\n", what, (long long)who->id);
    char *qs = q ? json_dumps(q, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (qs) buf_append(key, qs, strlen(qs));
    free(qs);
}

bool api_cache_answer(api_ctx_t *ctx, http_resp_t *resp, const buf_t *key, db_version_t *v)
{
    /* conn 0 (no connection has it): "no version", and keep keeps nothing */
    memset(v, 0, sizeof *v);
    if (!ctx->answer_cache || key->len == 0 || key->len > MAX_KEY) return false;
    if (!core_db_version(&ctx->core, v)) {
        memset(v, 0, sizeof *v);
        return false;
    }
    pthread_mutex_lock(&g_mu);
    for (size_t i = 0; i < SLOTS; i++) {
        slot_t *s = &g_slots[i];
        if (!s->key || !same_version(&s->v, v) || strcmp(s->key, key->data) != 0) continue;
        char api_id[IDS_UUID_SZ];
        api_new_api_id(resp, api_id);
        jw_t w;
        api_json_begin(resp, &w, 200);
        buf_reserve(&resp->body, HEAD_LEN + s->tlen);
        buf_append(&resp->body, HEAD, sizeof HEAD - 1);
        buf_append(&resp->body, api_id, IDS_UUID_SZ - 1);
        buf_putc(&resp->body, '"');
        buf_append(&resp->body, s->tail, s->tlen);
        s->used = ++g_tick;
        pthread_mutex_unlock(&g_mu);
        atomic_fetch_add_explicit(&g_hits, 1, memory_order_relaxed);
        return true;
    }
    pthread_mutex_unlock(&g_mu);
    atomic_fetch_add_explicit(&g_misses, 1, memory_order_relaxed);
    return false;
}

void api_cache_keep(api_ctx_t *ctx, const http_resp_t *resp, const buf_t *key,
                    const db_version_t *v)
{
    if (!ctx->answer_cache || v->conn == 0 || resp->status != 200 || key->len == 0 ||
        key->len > MAX_KEY)
        return;
    const buf_t *b = &resp->body;
    /* only an answer that starts as api_plivo_obj_begin writes it */
    if (b->len < HEAD_LEN || b->len - HEAD_LEN > MAX_TAIL || memcmp(b->data, HEAD, sizeof HEAD - 1) != 0 ||
        b->data[HEAD_LEN - 1] != '"')
        return;
    /* copied outside the lock; the old one freed outside it too */
    size_t tlen = b->len - HEAD_LEN;
    char *nkey = xstrndup(key->data, key->len), *ntail = xmalloc(tlen ? tlen : 1);
    memcpy(ntail, b->data + HEAD_LEN, tlen);
    pthread_mutex_lock(&g_mu);
    slot_t *s = &g_slots[0];
    for (size_t i = 0; i < SLOTS; i++) {
        slot_t *c = &g_slots[i];
        if (c->key && strcmp(c->key, key->data) == 0) {
            s = c;  /* one answer a key: the one kept last */
            break;
        }
        if (!c->key || c->used < s->used) s = c;
    }
    char *okey = s->key, *otail = s->tail;
    s->key = nkey;
    s->tail = ntail;
    s->tlen = tlen;
    s->v = *v;
    s->used = ++g_tick;
    pthread_mutex_unlock(&g_mu);
    free(okey);
    free(otail);
}

void api_cache_counts(uint64_t *hits, uint64_t *misses)
{
    *hits = atomic_load_explicit(&g_hits, memory_order_relaxed);
    *misses = atomic_load_explicit(&g_misses, memory_order_relaxed);
}
