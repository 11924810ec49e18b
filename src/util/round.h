/* round.h -- callers that share one piece of work done after they arrived.
 *
 * Why: some answers need "a query that began after I asked" -- the logs'
 * ids after a writer's COMMIT (store/postgres/tx.c), the database's
 * version before a kept answer is given again (store/postgres/conn.c).
 * One such query serves every caller that was waiting when it began, so a
 * process runs them one at a time, each for everyone queued, instead of
 * one each: the work then costs per round, not per caller.
 *
 * A caller:
 *     pthread_mutex_lock(&r->mu);
 *     ... note what it needs in the caller's shared state ...
 *     uint64_t need = round_need(r);
 *     while (round_turn(r, need)) {
 *         ... take the shared state, unlock, do the work, lock ...
 *         ... store the result in the shared state ...
 *         round_end(r);
 *     }
 *     ... read the result (from a round that began after it asked) ...
 *     pthread_mutex_unlock(&r->mu);
 * The round_t owns nothing; the caller's state is guarded by r->mu. */
#ifndef ND_ROUND_H
#define ND_ROUND_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint64_t begun, done; /* rounds begun, ended (one at a time, in order) */
    bool running;
} round_t;

#define ROUND_INIT {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, false}

/* With r->mu held: the round a caller arriving now needs (the next one to
 * begin: one running began before it). */
static inline uint64_t round_need(const round_t *r)
{
    return r->begun + 1;
}

/* With r->mu held (and held again on return): false when round need has
 * ended; true when the caller is to run the next round itself (it is
 * marked begun; the caller ends it with round_end).  Waits in between. */
bool round_turn(round_t *r, uint64_t need);

/* With r->mu held: the round this caller ran has ended; wakes the others. */
void round_end(round_t *r);

#endif
