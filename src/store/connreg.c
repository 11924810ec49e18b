/* connreg.c -- see connreg.h. */
#include "store/connreg.h"

#include <stdlib.h>

#include "util/common.h"

struct connreg_node {
    void *conn;
    connreg_node_t *next;
};

void connreg_init(connreg_t *r)
{
    r->all = NULL;
    pthread_mutex_init(&r->lock, NULL);
    /* no destructor: a thread's connection outlives the thread, and is
     * closed with the others at connreg_close */
    pthread_key_create(&r->key, NULL);
}

void *connreg_get(connreg_t *r)
{
    return pthread_getspecific(r->key);
}

void connreg_add(connreg_t *r, void *conn)
{
    connreg_node_t *n = xmalloc(sizeof *n);
    n->conn = conn;
    pthread_setspecific(r->key, conn);
    pthread_mutex_lock(&r->lock);
    n->next = r->all;
    r->all = n;
    pthread_mutex_unlock(&r->lock);
}

void connreg_store_init(connreg_store_t *s, const store_ops_t *ops, const char *target)
{
    s->base.ops = ops;
    s->target = xstrdup(target);
    connreg_init(&s->conns);
}

void connreg_store_close(store_t *st, void (*own_close)(store_t *st),
                         void (*close_fn)(void *conn))
{
    connreg_store_t *s = (connreg_store_t *)st;
    if (!s) return;
    own_close(st);
    connreg_close(&s->conns, close_fn);
    free(s->target);
    free(s);
}

void connreg_release(connreg_t *r, void (*close_fn)(void *conn))
{
    void *conn = pthread_getspecific(r->key);
    if (!conn) return;
    pthread_mutex_lock(&r->lock);
    for (connreg_node_t **p = &r->all; *p; p = &(*p)->next) {
        if ((*p)->conn != conn) continue;
        connreg_node_t *n = *p;
        *p = n->next;
        free(n);
        break;
    }
    pthread_mutex_unlock(&r->lock);
    pthread_setspecific(r->key, NULL);
    close_fn(conn);
}

void connreg_close(connreg_t *r, void (*close_fn)(void *conn))
{
    pthread_mutex_lock(&r->lock);
    connreg_node_t *n = r->all;
    while (n) {
        connreg_node_t *next = n->next;
        close_fn(n->conn);
        free(n);
        n = next;
    }
    r->all = NULL;
    pthread_mutex_unlock(&r->lock);
    pthread_setspecific(r->key, NULL);
    pthread_key_delete(r->key);
    pthread_mutex_destroy(&r->lock);
}
