/* redact.h -- credentials out of text that is about to be logged or shown.
 *
 * A database URL (postgresql://user:password@host/db) reaches messages in
 * more ways than one can list: numberd's own ("applied 1 migration(s) to
 * <url>"), and libpq's, which quotes a malformed connection string back.
 * So the log writer (util/log.c) and the CLI's error printer pass every
 * message through here instead of each caller remembering to (issue 15).
 *
 * What is hidden:
 *   - the password of a URL's userinfo: "scheme://user:SECRET@" becomes
 *     "scheme://user:***@" (the user name stays: it helps debugging and is
 *     not a secret);
 *   - the value of a password key: "password=SECRET" (libpq key=value
 *     connection strings, and URL query parameters) becomes "password=***",
 *     a quoted value ('...') included; so do the other names that carry
 *     credentials in URLs' queries (token, access_token, api_key, key,
 *     secret, sig, ...: secret_key_at in redact.c).
 */
#ifndef ND_REDACT_H
#define ND_REDACT_H

#include "util/buf.h"

/* Appends s, redacted, to b. */
void redact_append(buf_t *b, const char *s);
/* s redacted, in a new string (the caller frees it). */
char *redact_dup(const char *s);
/* s redacted, and every occurrence of the password that url carries (in a
 * URL's userinfo, or as a password= keyword) replaced by "***" as well: a
 * library's message about url may quote the password bare ('invalid
 * percent-encoded token: "..."'), where no pattern can recognise it.  In
 * a new string (the caller frees it). */
char *redact_dup_url(const char *s, const char *url);

#endif
