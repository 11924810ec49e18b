/* anscache.c -- answers kept for reads asked again before anything changed.
 *
 * Why: an account's list of numbers is the call users make most (a console
 * refreshing, a provisioning system polling), and nearly all of its cost is
 * reading 20 rows of 48 columns and rendering them (docs/PERFORMANCE.md).
 * Asked again with nothing committed since, it is the same answer but for
 * its api_id.  The GET of one number or one carrier is the same story at a
 * smaller scale: a console's detail view, a provisioning system checking a
 * number it just configured.  Its statement (48 columns, two joins) and its
 * rendering are ~35 % of the request's CPU (perf, session 26).
 *
 * Exactness: an answer is kept with the database's version read before it
 * was computed (core_db_version: on SQLite the log's header in shared
 * memory, which every commit of every connection and process moves;
 * sq_read_version), and
 * given again only while the version read for the new request is equal --
 * no commit by anyone, this process, another process (the CLI) or another
 * thread, in between.  What the
 * answer shows then is what a fresh read would show.  The version is read
 * before the answer's own reads: a commit that lands between them makes
 * the kept answer newer than its version, and the next request, which sees
 * the commit, misses.  On PostgreSQL, where another node's commit is seen
 * only by a query, the version is the snapshot a statement would take,
 * read by one query for every request waiting (pg_read_version): a hit
 * costs a share of that round trip instead of a statement and its rows.
 * Only answers made of the database alone may be kept: nothing read from
 * the clock or from a subsystem's memory (gateway health, registration
 * state).
 *
 * The answers are the process's, in two pools, each under its own lock
 * held for a lookup and a copy, not while an answer is computed:
 *   pages   (lists, searches): 32 answers of up to 256 KiB (~18 KB: a
 *           page of 20 numbers), the least recently used one makes room;
 *   objects (one number, one carrier): 512 answers of up to 4 KiB, in 128
 *           sets of 4 by a hash of the key, so that a poller of many
 *           numbers cannot push the pages out, and a lookup reads 4 keys.
 * The key is the caller, the resource, the object's id and the parsed
 * query in its order (the paging links repeat it in that order).  What is
 * kept is the answer's bytes after the api_id. */
#include "api/api.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEY 4096             /* a longer key (a long query) is not kept */

typedef struct {
    char *key;                   /* NUL-terminated (owned) */
    db_version_t v;
    char *tail;                  /* the answer after its api_id (owned) */
    size_t tlen;
    uint64_t used;               /* the pool's tick at its last use */
} slot_t;

typedef struct {
    pthread_mutex_t mu;
    size_t sets, ways;           /* slots[set * ways .. + ways) */
    size_t max_tail;             /* a larger answer is not kept */
    slot_t *slots;
    uint64_t tick;
} pool_t;

#define PAGE_SETS 1
#define PAGE_WAYS 32
#define OBJ_SETS 128
#define OBJ_WAYS 4
static slot_t g_page_slots[PAGE_SETS * PAGE_WAYS], g_obj_slots[OBJ_SETS * OBJ_WAYS];
static pool_t g_pools[] = {
    [API_CACHE_PAGE] = {PTHREAD_MUTEX_INITIALIZER, PAGE_SETS, PAGE_WAYS, 256 * 1024, g_page_slots, 0},
    [API_CACHE_OBJECT] = {PTHREAD_MUTEX_INITIALIZER, OBJ_SETS, OBJ_WAYS, 4096, g_obj_slots, 0},
};
static atomic_uint_fast64_t g_hits, g_misses;

/* The first of the ways of key's set (FNV-1a of the key). */
static slot_t *set_of(pool_t *p, const buf_t *key)
{
    return &p->slots[(nd_fnv1a(key->data, key->len) % p->sets) * p->ways];
}

/* {"api_id":"<36 characters>" -- what every Plivo object answer starts with
 * (api_plivo_obj_begin) */
#define HEAD "{\"api_id\":\""
#define HEAD_LEN (sizeof HEAD - 1 + IDS_UUID_SZ - 1 + 1)

void api_cache_key(buf_t *key, const char *what, const char *id, const account_t *who, json_t *q)
{
    /* built without printf: every cacheable read makes one, hit or miss,
     * and printf and json_dumps of an empty query were ~3,700 instructions
     * of a GET Number/{n}/ (callgrind, session 26) */
    buf_reset(key);
    buf_puts(key, what);
    buf_putc(key, '\n');
    if (id) buf_puts(key, id);
    buf_putc(key, '\n');
    buf_put_i64(key, who->id);
    buf_putc(key, '\n');
    /* an empty query adds nothing: "{}" would be the same for every key */
    if (!q || json_object_size(q) == 0) return;
    char *qs = json_dumps(q, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (qs) buf_append(key, qs, strlen(qs));
    free(qs);
}

bool api_cache_answer(api_ctx_t *ctx, api_cache_pool_t pool, http_resp_t *resp,
                      const buf_t *key, db_version_t *v)
{
    /* conn 0 (no connection has it): "no version", and keep keeps nothing */
    memset(v, 0, sizeof *v);
    if (!ctx->answer_cache || key->len == 0 || key->len > MAX_KEY) return false;
    if (!core_db_version(&ctx->core, v)) {
        memset(v, 0, sizeof *v);
        return false;
    }
    pool_t *p = &g_pools[pool];
    slot_t *set = set_of(p, key);
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->ways; i++) {
        slot_t *s = &set[i];
        if (!s->key || !db_version_same(&s->v, v) || strcmp(s->key, key->data) != 0) continue;
        char api_id[IDS_UUID_SZ];
        api_new_api_id(resp, api_id);
        jw_t w;
        api_json_begin(resp, &w, 200);
        buf_reserve(&resp->body, HEAD_LEN + s->tlen);
        buf_append(&resp->body, HEAD, sizeof HEAD - 1);
        buf_append(&resp->body, api_id, IDS_UUID_SZ - 1);
        buf_putc(&resp->body, '"');
        buf_append(&resp->body, s->tail, s->tlen);
        s->used = ++p->tick;
        pthread_mutex_unlock(&p->mu);
        atomic_fetch_add_explicit(&g_hits, 1, memory_order_relaxed);
        return true;
    }
    pthread_mutex_unlock(&p->mu);
    atomic_fetch_add_explicit(&g_misses, 1, memory_order_relaxed);
    return false;
}

void api_cache_keep(api_ctx_t *ctx, api_cache_pool_t pool, const http_resp_t *resp,
                    const buf_t *key, const db_version_t *v)
{
    pool_t *p = &g_pools[pool];
    if (!ctx->answer_cache || v->conn == 0 || resp->status != 200 || key->len == 0 ||
        key->len > MAX_KEY)
        return;
    const buf_t *b = &resp->body;
    /* only an answer that starts as api_plivo_obj_begin writes it */
    if (b->len < HEAD_LEN || b->len - HEAD_LEN > p->max_tail ||
        memcmp(b->data, HEAD, sizeof HEAD - 1) != 0 || b->data[HEAD_LEN - 1] != '"')
        return;
    /* copied outside the lock; the old one freed outside it too */
    size_t tlen = b->len - HEAD_LEN;
    char *nkey = xstrndup(key->data, key->len), *ntail = xmalloc(tlen ? tlen : 1);
    memcpy(ntail, b->data + HEAD_LEN, tlen);
    slot_t *set = set_of(p, key);
    pthread_mutex_lock(&p->mu);
    slot_t *s = &set[0];
    for (size_t i = 0; i < p->ways; i++) {
        slot_t *c = &set[i];
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
    s->used = ++p->tick;
    pthread_mutex_unlock(&p->mu);
    free(okey);
    free(otail);
}

void api_cache_counts(uint64_t *hits, uint64_t *misses)
{
    *hits = atomic_load_explicit(&g_hits, memory_order_relaxed);
    *misses = atomic_load_explicit(&g_misses, memory_order_relaxed);
}
