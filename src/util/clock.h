/* clock.h -- wall-clock time and the date formats of API.md §0.
 * All dates are UTC.  NUMBERD_FAKE_NOW (unix seconds) overrides the clock,
 * for tests of aging and renewal dates only. */
#ifndef ND_CLOCK_H
#define ND_CLOCK_H

#include <pthread.h>
#include <time.h>

#include "util/common.h"

#define CLOCK_DATE_SZ 11  /* YYYY-MM-DD */
#define CLOCK_TS_SZ 21    /* YYYY-MM-DDTHH:MM:SSZ */

int64_t clock_now(void);  /* unix seconds */
void clock_date(int64_t t, char out[CLOCK_DATE_SZ]);
void clock_ts(int64_t t, char out[CLOCK_TS_SZ]);
/* Same day of the next month, clamped to that month's last day. */
void clock_date_plus_month(int64_t t, char out[CLOCK_DATE_SZ]);
/* The first date on or after today ("YYYY-MM-DD") of the form anchor + k
 * months, k >= 1, each clamped to its month's last day (a number bought
 * on the 31st renews on the 28th/29th, 30th or 31st): its next renewal.
 * C_ERR when anchor or today is not a valid date. */
int clock_next_renewal(const char *anchor, const char *today, char out[CLOCK_DATE_SZ]);
/* The CLOCK_REALTIME instant ms milliseconds from now, as
 * pthread_cond_timedwait wants its deadline (the real clock, not the fake). */
struct timespec clock_deadline_ms(long ms);
/* The same on CLOCK_MONOTONIC, for a condition variable initialized with
 * pthread_condattr_setclock(CLOCK_MONOTONIC): a wait that must not last
 * longer when the system clock is set back. */
struct timespec clock_mono_deadline_ms(long ms);
/* Initializes cv to wait on CLOCK_MONOTONIC (clock_mono_deadline_ms's). */
void clock_cond_init_mono(pthread_cond_t *cv);
/* CLOCK_MONOTONIC in nanoseconds: durations and timeouts, never dates. */
uint64_t clock_mono_ns(void);
/* Strict YYYY-MM-DD with a real calendar date. */
bool clock_valid_date(const char *s, size_t n);

#endif
