/* round.c -- shared rounds of work (round.h). */
#include "util/round.h"

bool round_turn(round_t *r, uint64_t need)
{
    while (r->done < need) {
        if (!r->running) {
            r->running = true;
            r->begun++;
            return true;
        }
        pthread_cond_wait(&r->cv, &r->mu);
    }
    return false;
}

void round_end(round_t *r)
{
    r->done = r->begun;
    r->running = false;
    pthread_cond_broadcast(&r->cv);
}
