/* migrate.h -- schema migrations compiled into the binary (cmake/embed_sql.cmake
 * turns src/store/migrations/<backend>/NNNN_name.sql into these tables). */
#ifndef ND_MIGRATE_H
#define ND_MIGRATE_H

#include <stddef.h>

typedef struct {
    int version;       /* NNNN from the file name; strictly increasing */
    const char *name;  /* file name, for logs */
    const char *sql;   /* whole file; may hold several statements */
} nd_migration_t;

extern const nd_migration_t sqlite_migrations[];
extern const size_t sqlite_migrations_len;

/* present when the PostgreSQL backend is built (ND_HAVE_POSTGRES) */
extern const nd_migration_t postgres_migrations[];
extern const size_t postgres_migrations_len;

#endif
