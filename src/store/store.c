/* store.c -- choosing a backend from the --db URL (CLI.md). */
#include "store/store.h"

#include <string.h>

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
