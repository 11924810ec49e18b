#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "util/buf.h"

static log_level_t g_level = LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error", "off"};

void log_set_level(log_level_t lvl) { g_level = lvl; }
log_level_t log_get_level(void) { return g_level; }

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

void log_msg(log_level_t lvl, const char *fmt, ...)
{
    if (lvl < g_level || lvl >= LOG_OFF) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    time_t t = tv.tv_sec;
    gmtime_r(&t, &tm);
    buf_t b = BUF_INIT;
    buf_printf(&b, "{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\",\"level\":\"%s\",\"msg\":",
               tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
               (int)(tv.tv_usec / 1000), names[lvl]);
    buf_json_str(&b, msg, strlen(msg));
    buf_puts(&b, "}\n");
    /* one write: lines from several threads do not interleave */
    fwrite(b.data, 1, b.len, stderr);
    buf_free(&b);
}
