/* clock.c -- see clock.h.  Lives in util/: the store stamps rows with it, and the store
 * must not call up into the core. */
#include "util/clock.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t clock_now(void)
{
    static int64_t fake = -1;
    if (fake == -1) {
        const char *f = getenv("NUMBERD_FAKE_NOW");
        fake = (f && *f) ? strtoll(f, NULL, 10) : 0;
    }
    if (fake > 0) return fake;
    return (int64_t)time(NULL);
}

/* Fixed-width decimal, so that no format can overflow the buffers. */
static char *put(char *o, int v, int width)
{
    if (v < 0) v = 0;
    for (int i = width - 1; i >= 0; i--) {
        o[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return o + width;
}

static void write_date(char *o, int y, int m, int d)
{
    o = put(o, y, 4);
    *o++ = '-';
    o = put(o, m, 2);
    *o++ = '-';
    o = put(o, d, 2);
    *o = '\0';
}

static void utc(int64_t t, struct tm *tm)
{
    time_t tt = (time_t)t;
    gmtime_r(&tt, tm);
}

void clock_date(int64_t t, char out[CLOCK_DATE_SZ])
{
    struct tm tm;
    utc(t, &tm);
    write_date(out, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void clock_ts(int64_t t, char out[CLOCK_TS_SZ])
{
    struct tm tm;
    utc(t, &tm);
    write_date(out, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    char *o = out + 10;
    *o++ = 'T';
    o = put(o, tm.tm_hour, 2);
    *o++ = ':';
    o = put(o, tm.tm_min, 2);
    *o++ = ':';
    o = put(o, tm.tm_sec, 2);
    *o++ = 'Z';
    *o = '\0';
}

static int days_in_month(int y, int m) /* m 1-12 */
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return d[m - 1];
}

void clock_date_plus_month(int64_t t, char out[CLOCK_DATE_SZ])
{
    struct tm tm;
    utc(t, &tm);
    int y = tm.tm_year + 1900, m = tm.tm_mon + 2, d = tm.tm_mday;
    if (m > 12) {
        m = 1;
        y++;
    }
    int dim = days_in_month(y, m);
    if (d > dim) d = dim;
    write_date(out, y, m, d);
}

int clock_next_renewal(const char *anchor, const char *today, char out[CLOCK_DATE_SZ])
{
    if (!anchor || !today || !clock_valid_date(anchor, strlen(anchor)) ||
        !clock_valid_date(today, strlen(today)))
        return C_ERR;
    int y = atoi(anchor), m = atoi(anchor + 5), d = atoi(anchor + 8);
    int ty = atoi(today), tm = atoi(today + 5);
    /* start at the month before today's (or the anchor's next): at most a
     * few steps, whatever the gap */
    int k = (ty - y) * 12 + (tm - m) - 1;
    if (k < 1) k = 1;
    for (;; k++) {
        int mm = m - 1 + k, yy = y + mm / 12;
        mm = mm % 12 + 1;
        int dd = d > days_in_month(yy, mm) ? days_in_month(yy, mm) : d;
        write_date(out, yy, mm, dd);
        if (strcmp(out, today) >= 0) return C_OK;
    }
}

bool clock_valid_date(const char *s, size_t n)
{
    if (n != 10 || s[4] != '-' || s[7] != '-') return false;
    if (!nd_all_digits(s, 4) || !nd_all_digits(s + 5, 2) || !nd_all_digits(s + 8, 2)) return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1 || m < 1 || m > 12 || d < 1) return false;
    return d <= days_in_month(y, m);
}

uint64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct timespec deadline(clockid_t which, long ms)
{
    struct timespec ts;
    clock_gettime(which, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

struct timespec clock_deadline_ms(long ms)
{
    return deadline(CLOCK_REALTIME, ms);
}

struct timespec clock_mono_deadline_ms(long ms)
{
    return deadline(CLOCK_MONOTONIC, ms);
}

void clock_cond_init_mono(pthread_cond_t *cv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cv, &ca);
    pthread_condattr_destroy(&ca);
}
