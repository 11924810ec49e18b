/* log.h -- one-line log messages, as JSON lines.
 *
 * Every line is one JSON object ({"time","level","msg", ...}) written with
 * a single write(2), so that lines from several threads never interleave
 * and log shippers can parse them.  Never pass a secret, a header value or
 * a request body here.
 *
 * Destination: stderr, or the file given to log_open_file(), which
 * log_reopen() opens again by name (SIGHUP after a rotation): the new file
 * takes the place of the old one under the same descriptor, so a thread
 * writing at that moment writes whole lines to one file or the other.
 *
 * Threads: set the level and the destination before starting threads;
 * log_reopen() may then run at any time on any thread.
 */
#ifndef ND_LOG_H
#define ND_LOG_H

#include "util/common.h"

#include <pthread.h>
#include <stdatomic.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3, LOG_OFF = 4 } log_level_t;

void log_set_level(log_level_t lvl);
/* Plain lines instead of JSON: "numberd: [warning: |error: ]msg" -- for the
 * one-shot commands, whose messages a person reads beside the command's own
 * one-line error (serve keeps JSON lines for log shippers).  Set before
 * threads start. */
void log_set_plain(bool on);
log_level_t log_get_level(void);
/* Whether a line of level lvl would be written (skip formatting if not). */
bool log_enabled(log_level_t lvl);
/* Parses "debug", "info", "warn", "error", "off". */
int log_parse_level(const char *s, log_level_t *out);
void log_msg(log_level_t lvl, const char *fmt, ...) ND_PRINTF(2, 3);
/* A line with more members after "msg": fields holds n bytes of encoded
 * JSON object members without braces ("\"status\":200,\"route\":\"x\""). */
void log_fields(log_level_t lvl, const char *msg, const char *fields, size_t n);

/* A fault that repeats with every request -- the database down, its disk
 * full -- is one line, not one a request (an outage at 100 requests/s
 * wrote 1,148 error lines in 10 s, and none said when it ended: a helper's
 * audit, session 40).  log_fault writes a fault's first line, then at most
 * one a minute, saying how many like it it left out; log_fault_over,
 * called on a success, says once that it ended, how long it lasted and
 * how many errors it had -- when it had more than one, and none in the
 * last second (a success among failures, some connections working and
 * others not, ends nothing).  One log_fault_t a source, static,
 * LOG_FAULT_INIT; any thread.  log_fault_over costs one atomic load when
 * no fault is on. */
typedef struct {
    pthread_mutex_t mu;
    _Atomic bool on;
    int64_t since_ms, last_line_ms, last_ms; /* CLOCK_MONOTONIC */
    uint64_t total, held;                    /* errors in it; not written since the last line */
} log_fault_t;
#define LOG_FAULT_INIT {PTHREAD_MUTEX_INITIALIZER, false, 0, 0, 0, 0, 0}
#define LOG_FAULT_EVERY_MS 60000
/* f NULL: the line is no fault's, written as log_msg writes it (a caller
 * that tells an outage from another error passes its fault or NULL) */
void log_fault(log_fault_t *f, log_level_t lvl, const char *fmt, ...) ND_PRINTF(3, 4);
/* what: the source's words for it ("postgres: the database answers again") */
void log_fault_over(log_fault_t *f, const char *what);

/* Sends the log to path (appending; created with mode 0640).  C_ERR with
 * *err (caller frees) if it cannot be opened; the destination is then
 * unchanged. */
int log_open_file(const char *path, char **err);
/* Opens the log file again by its name (after logrotate moved it).  Does
 * nothing when logging to stderr.  On failure keeps the old file and
 * returns C_ERR with *err (caller frees). */
int log_reopen(char **err);
/* The path given to log_open_file(), or NULL for stderr. */
const char *log_file_path(void);

#endif
