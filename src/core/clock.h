/* core/clock.h -- TRANSITIONAL forwarding header: the clock moved down to
 * util/clock.h (issue 13: the store must not include core service
 * headers).  Kept only so that src/store/postgres.c, which another branch
 * is splitting into src/store/postgres/, builds until that split includes
 * util/clock.h.  Delete this file once `grep -rn core/clock.h src` finds
 * nothing else. */
#ifndef ND_CORE_CLOCK_H
#define ND_CORE_CLOCK_H
#include "util/clock.h"
#endif
