#include "core/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>

/* Open addressing with linear probing; entries from past windows are free
 * to reuse, so the table never needs deleting and never grows past its
 * size.  When it is full of current-window entries (more than RL_SLOTS / 2
 * accounts active in one window) the request is allowed: failing open
 * keeps a burst of new accounts from being refused by bookkeeping. */
#define RL_SLOTS 65536
#define RL_PROBE 64

typedef struct {
    int64_t key;
    int64_t window;
    unsigned count;
} slot_t;

struct ratelimit {
    unsigned n, seconds;
    pthread_mutex_t lock;
    slot_t *slots;
};

ratelimit_t *rl_new(unsigned n, unsigned seconds)
{
    if (n == 0 || seconds == 0) return NULL;
    ratelimit_t *rl = xcalloc(1, sizeof *rl);
    rl->n = n;
    rl->seconds = seconds;
    pthread_mutex_init(&rl->lock, NULL);
    rl->slots = xcalloc(RL_SLOTS, sizeof *rl->slots);
    for (size_t i = 0; i < RL_SLOTS; i++) rl->slots[i].window = -1;
    return rl;
}

void rl_free(ratelimit_t *rl)
{
    if (!rl) return;
    pthread_mutex_destroy(&rl->lock);
    free(rl->slots);
    free(rl);
}

static size_t hash(int64_t key)
{
    uint64_t x = (uint64_t)key * 0x9e3779b97f4a7c15ull;
    return (size_t)(x >> 48) & (RL_SLOTS - 1);
}

bool rl_check(ratelimit_t *rl, int64_t key, int64_t now, unsigned *retry_after)
{
    if (rl == NULL) return true;
    int64_t window = now / rl->seconds;
    bool allowed = true;
    pthread_mutex_lock(&rl->lock);
    size_t h = hash(key);
    for (size_t i = 0; i < RL_PROBE; i++) {
        slot_t *s = &rl->slots[(h + i) & (RL_SLOTS - 1)];
        if (s->window == window && s->key != key) continue;
        if (s->window != window) {
            s->key = key;
            s->window = window;
            s->count = 0;
        }
        if (s->count >= rl->n) {
            allowed = false;
            *retry_after = (unsigned)((window + 1) * rl->seconds - now);
            if (*retry_after == 0) *retry_after = 1;
        } else {
            s->count++;
        }
        break;
    }
    pthread_mutex_unlock(&rl->lock);
    return allowed;
}
