/* log.h -- one-line log messages on stderr.
 *
 * Operational messages are JSON lines ({"time","level","msg"}) so that log
 * shippers can parse them.  Never pass a secret or a request body here.
 */
#ifndef ND_LOG_H
#define ND_LOG_H

#include "util/common.h"

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3, LOG_OFF = 4 } log_level_t;

void log_set_level(log_level_t lvl);
log_level_t log_get_level(void);
/* Parses "debug", "info", "warn", "error", "off". */
int log_parse_level(const char *s, log_level_t *out);
void log_msg(log_level_t lvl, const char *fmt, ...) ND_PRINTF(2, 3);

#endif
