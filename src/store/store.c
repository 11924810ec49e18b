/* store.c -- choosing a backend from the --db URL (CLI.md); the lock wait. */
#include "store/store.h"

#include <stdatomic.h>
#include <string.h>

/* atomic: a thread a migration's commit started (the checkpointer) may
 * open its connection while serve sets it (a review, session 40) */
static _Atomic int g_lock_wait_ms = STORE_LOCK_WAIT_MS;

void store_lock_wait_set(int ms) { atomic_store_explicit(&g_lock_wait_ms, ms, memory_order_relaxed); }
int store_lock_wait_ms(void) { return atomic_load_explicit(&g_lock_wait_ms, memory_order_relaxed); }

bool store_url_is_postgres(const char *url)
{
    return strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0;
}

int store_open(const char *url, store_t **out, char **err)
{
    if (store_url_is_postgres(url)) {
#ifdef ND_HAVE_POSTGRES
        return store_pg_open(url, out, err);
#else
        (void)out;
        *err = xstrdup("this numberd was built without PostgreSQL support (libpq was not found)");
        return C_ERR;
#endif
    }
    return store_sqlite_open(url, out, err);
}
