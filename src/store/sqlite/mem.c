/* mem.c -- SQLite's allocator, with the sub-journal's chunks kept for reuse
 * (issue 20 item 4).
 *
 * Every write of the server runs inside a SAVEPOINT of its own (group
 * commit, conn.c), and its UPDATE fires triggers, so SQLite copies each
 * page it first changes into the sub-journal, which lives in memory
 * (temp_store=MEMORY) as a list of 1,024-byte chunks: ~70 of them a
 * purchase, each malloc'd as the page is copied and all freed when the
 * savepoint is released.  glibc keeps only seven freed blocks of a size
 * for quick reuse, so most of those went through its slower bins: ~500
 * instructions a chunk, allocated and freed, 8 % of a purchase
 * (bench/instr, callgrind).  Here blocks of that size are kept on a list
 * of SQ_MEM_KEEP when freed and handed out again; every other size, and
 * every block once the list is full, is SQLite's default allocator's.
 * Not in the sanitizers' builds (ASan must see each free).
 *
 * The blocks are the default allocator's own (it is what makes them), so
 * its size and realloc work on them unchanged.  One list for the process,
 * under a mutex: the chunks of a savepoint are made and freed by one writer
 * at a time (under the write lock), so the mutex is rarely contended, and
 * a list a thread would not hold blocks other threads want. */
#include "store/sqlite/sqliteInt.h"

#include <pthread.h>

/* GCC says ASan is on with __SANITIZE_ADDRESS__; clang 14 only through
 * __has_feature */
#if defined(__SANITIZE_ADDRESS__)
#define SQ_MEM_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SQ_MEM_ASAN 1
#endif
#endif

/* The memory journal's chunk: what it asks sqlite3_malloc for (8 bytes of
 * link and 1,016 of data in SQLite 3.40). */
#define SQ_MEM_CHUNK 1024
/* Blocks kept: a purchase's sub-journal with room to spare (~70), and at
 * most 256 KiB held that nothing uses. */
#define SQ_MEM_KEEP 256

#if !defined(SQ_MEM_ASAN)
static sqlite3_mem_methods g_def;
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static void *g_free; /* a list through each block's first bytes */
static unsigned g_nfree;
/* what the default allocator's xSize says of a block of SQ_MEM_CHUNK
 * (SQLite's own: the size asked, rounded up to 8; a build that measures
 * with malloc_usable_size says more), found once at install */
static int g_chunk_size;

static void *mem_malloc(int n)
{
    if (n == SQ_MEM_CHUNK) {
        pthread_mutex_lock(&g_mu);
        void *p = g_free;
        if (p) {
            g_free = *(void **)p;
            g_nfree--;
        }
        pthread_mutex_unlock(&g_mu);
        if (p) return p;
    }
    return g_def.xMalloc(n);
}

static void mem_free(void *p)
{
    if (!p) return; /* (sqlite3_free never passes NULL on; the default would not take it) */
    if (g_def.xSize(p) == g_chunk_size) {
        pthread_mutex_lock(&g_mu);
        bool kept = g_nfree < SQ_MEM_KEEP;
        if (kept) {
            *(void **)p = g_free;
            g_free = p;
            g_nfree++;
        }
        pthread_mutex_unlock(&g_mu);
        if (kept) return;
    }
    g_def.xFree(p);
}
#endif

int sq_mem_install(void)
{
#if defined(SQ_MEM_ASAN)
    /* the sanitizers' builds keep SQLite's frees visible to ASan: a block
     * on this list would hide a use after free or a double free */
    return ST_OK;
#else
    sqlite3_mem_methods m;
    if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &g_def) != SQLITE_OK) return ST_ERR;
    void *probe = g_def.xMalloc(SQ_MEM_CHUNK);
    if (!probe) return ST_ERR;
    g_chunk_size = g_def.xSize(probe);
    g_def.xFree(probe);
    m = g_def;
    m.xMalloc = mem_malloc;
    m.xFree = mem_free;
    /* xRealloc, xSize, xRoundup: the default's, on its own blocks */
    return sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK ? ST_OK : ST_ERR;
#endif
}
