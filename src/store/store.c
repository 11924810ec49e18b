/* store.c -- choosing a backend from the --db URL (CLI.md). */
#include "store/store.h"

#include <string.h>

int store_open(const char *url, store_t **out, char **err)
{
    if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        *err = xstrdup("the PostgreSQL backend is not built into this version yet");
        return C_ERR;
    }
    return store_sqlite_open(url, out, err);
}
