/* log.c -- JSON-lines logging, or plain lines for the one-shot commands (see log.h). */
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/redact.h"

static log_level_t g_level = LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error", "off"};
/* The descriptor lines go to.  It changes only in log_open_file() (before
 * threads start); log_reopen() swaps the file behind it with dup2(). */
static int g_fd = STDERR_FILENO;
static char *g_path;
static bool g_plain;

void log_set_level(log_level_t lvl) { g_level = lvl; }
void log_set_plain(bool on) { g_plain = on; }
log_level_t log_get_level(void) { return g_level; }
bool log_enabled(log_level_t lvl) { return lvl >= g_level && lvl < LOG_OFF; }
const char *log_file_path(void) { return g_path; }

int log_parse_level(const char *s, log_level_t *out)
{
    for (int i = 0; i <= LOG_OFF; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (log_level_t)i;
            return C_OK;
        }
    }
    return C_ERR;
}

static int open_log(const char *path, int *out, char **err)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
    if (fd < 0) {
        *err = xasprintf("cannot open log file %s: %s", path, strerror(errno));
        return C_ERR;
    }
    *out = fd;
    return C_OK;
}

int log_open_file(const char *path, char **err)
{
    int fd;
    if (open_log(path, &fd, err) != C_OK) return C_ERR;
    if (g_fd == STDERR_FILENO) {
        g_fd = fd;
    } else {
        dup2(fd, g_fd);
        close(fd);
    }
    free(g_path);
    g_path = xstrdup(path);
    return C_OK;
}

int log_reopen(char **err)
{
    int fd;
    if (g_path == NULL) return C_OK;
    if (open_log(g_path, &fd, err) != C_OK) return C_ERR;
    /* dup2 replaces the file atomically: a concurrent write goes wholly to
     * the old file or wholly to the new one, never to a closed descriptor. */
    int rc = dup2(fd, g_fd) < 0 ? C_ERR : C_OK;
    if (rc != C_OK) *err = xasprintf("cannot reopen log file %s: %s", g_path, strerror(errno));
    close(fd);
    return rc;
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(g_fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return; /* nowhere left to report it */
        p += w;
        n -= (size_t)w;
    }
}

/* {"time":"2026-11-22T09:31:56.123Z","level":"info","msg": -- the seconds
 * part is formatted once per second per thread, not once per line. */
static void line_start(buf_t *b, log_level_t lvl)
{
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[64];
    struct timeval tv;
    gettimeofday(&tv, NULL);
    if (tv.tv_sec != cached_sec) {
        struct tm tm;
        time_t t = tv.tv_sec;
        gmtime_r(&t, &tm);
        snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached_sec = tv.tv_sec;
    }
    buf_printf(b, "{\"time\":\"%s.%03dZ\",\"level\":\"%s\",\"msg\":", cached,
               (int)(tv.tv_usec / 1000), names[lvl]);
}

void log_msg(log_level_t lvl, const char *fmt, ...)
{
    if (!log_enabled(lvl)) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    /* every message loses its credentials here, whoever wrote it: a
     * database URL reaches messages in too many ways to trust each caller
     * (util/redact.h) */
    buf_t r = BUF_INIT;
    redact_append(&r, msg);
    buf_t b = BUF_INIT;
    if (g_plain) {
        static const char *const tag[] = {"debug: ", "", "warning: ", "error: "};
        buf_printf(&b, "numberd: %s", tag[lvl]);
        if (r.len) buf_append(&b, r.data, r.len);
        buf_putc(&b, '\n');
    } else {
        line_start(&b, lvl);
        buf_json_str(&b, r.data ? r.data : "", r.len);
        buf_puts(&b, "}\n");
    }
    buf_free(&r);
    write_all(b.data, b.len);
    buf_free(&b);
}

void log_fields(log_level_t lvl, const char *msg, const char *fields, size_t n)
{
    if (!log_enabled(lvl)) return;
    buf_t b = BUF_INIT;
    buf_reserve(&b, 160 + n);
    if (g_plain) {
        buf_printf(&b, "numberd: %s", msg);
        if (n) {
            buf_puts(&b, " {");
            buf_append(&b, fields, n);
            buf_putc(&b, '}');
        }
        buf_putc(&b, '\n');
    } else {
        line_start(&b, lvl);
        buf_json_str(&b, msg, strlen(msg));
        if (n) {
            buf_putc(&b, ',');
            buf_append(&b, fields, n);
        }
        buf_puts(&b, "}\n");
    }
    write_all(b.data, b.len);
    buf_free(&b);
}

/* ---- faults that repeat (log.h) --------------------------------------- */

static int64_t mono_ms(void)
{
    return (int64_t)(clock_mono_ns() / 1000000);
}

void log_fault(log_fault_t *f, log_level_t lvl, const char *fmt, ...)
{
    char msg[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!f) {
        log_msg(lvl, "%s", msg);
        return;
    }
    int64_t now = mono_ms();
    pthread_mutex_lock(&f->mu);
    bool write = false;
    uint64_t held = 0;
    int64_t over_s = 0;
    if (!atomic_load(&f->on)) {
        atomic_store(&f->on, true);
        f->since_ms = f->last_line_ms = now;
        f->total = 1;
        f->held = 0;
        write = true;
    } else {
        f->total++;
        if (now - f->last_line_ms >= LOG_FAULT_EVERY_MS) {
            held = f->held;
            over_s = (now - f->last_line_ms) / 1000;
            f->held = 0;
            f->last_line_ms = now;
            write = true;
        } else {
            f->held++;
        }
    }
    f->last_ms = now;
    pthread_mutex_unlock(&f->mu);
    if (!write) return;
    if (held) log_msg(lvl, "%s (and %llu more like it in the last %lld s)", msg, (unsigned long long)held,
                      (long long)over_s);
    else log_msg(lvl, "%s", msg);
}

void log_fault_over(log_fault_t *f, const char *what)
{
    if (!atomic_load_explicit(&f->on, memory_order_relaxed)) return;
    int64_t now = mono_ms();
    pthread_mutex_lock(&f->mu);
    bool said = false;
    uint64_t total = f->total;
    int64_t lasted = now - f->since_ms; /* from its first error to the success that ends it */
    if (atomic_load(&f->on) && now - f->last_ms >= 1000) {
        atomic_store(&f->on, false);
        said = total > 1;
    }
    pthread_mutex_unlock(&f->mu);
    if (said)
        log_msg(LOG_WARN, "%s after %lld s of errors (%llu of them)", what, (long long)((lasted + 500) / 1000),
                (unsigned long long)total);
}
