/* connreg.h -- the per-thread connection registry of an SQL backend
 * (sqlite/, postgres/): each thread of the process gets its own connection,
 * opened on its first call, and the store closes all of them at the end.
 *
 * Why a registry of its own: both backends keep one connection per thread
 * (a connection is not shared between threads, and a thread never waits
 * for another's), and both must find every connection again at close,
 * including those of threads that have ended.  The bookkeeping is the
 * same whatever a connection is, so it is written once here; what a
 * connection is, and how it is opened and closed, stays in the backend.
 *
 * Ownership: the registry owns the connections added to it from
 * connreg_add until connreg_close, which closes each with the backend's
 * close function.  Nothing else frees them.
 */
#ifndef ND_CONNREG_H
#define ND_CONNREG_H

#include <pthread.h>

#include "store/store.h"

typedef struct connreg_node connreg_node_t;

typedef struct {
    pthread_key_t key;      /* the calling thread's connection */
    pthread_mutex_t lock;   /* guards all */
    connreg_node_t *all;    /* every connection added, for connreg_close */
} connreg_t;

void connreg_init(connreg_t *r);
/* The calling thread's connection, or NULL when it has none yet. */
void *connreg_get(connreg_t *r);
/* Makes conn the calling thread's connection and the registry's to close. */
void connreg_add(connreg_t *r, void *conn);
/* Closes the calling thread's connection (close_fn), if it has one, and
 * forgets it: for a short-lived thread, whose connection was otherwise
 * kept until connreg_close (one PostgreSQL connection more for every
 * inventory import's thread, for ever: a helper's audit, session 37). */
void connreg_release(connreg_t *r, void (*close_fn)(void *conn));
/* Closes every connection added (close_fn on each), then releases the
 * registry itself.  Called once, when no other thread uses the store. */
void connreg_close(connreg_t *r, void (*close_fn)(void *conn));

/* What a backend's store is besides its own state, the same in both: the
 * store_t (first, so that the backend's struct is one), what it was opened
 * on (a file path or a URL, copied), and its connections. */
typedef struct {
    store_t base;
    char *target;
    connreg_t conns;
} connreg_store_t;
void connreg_store_init(connreg_store_t *s, const store_ops_t *ops, const char *target);
/* A backend's close: nothing for NULL; else the backend's own state
 * (own_close), then every connection (close_fn on each), the target and
 * the store (st is the start of the backend's struct, calloc'ed whole). */
void connreg_store_close(store_t *st, void (*own_close)(store_t *st),
                         void (*close_fn)(void *conn));

#endif
