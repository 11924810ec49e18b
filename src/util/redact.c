/* redact.c -- see redact.h. */
#include "util/redact.h"

#include <string.h>
#include <strings.h>

#include "util/common.h"

/* Characters that end a URL's authority (and a bare key=value value). */
static bool authority_end(char ch)
{
    return ch == '\0' || ch == '/' || ch == '?' || ch == '#' || ch == ' ' || ch == '\t' ||
           ch == '\n' || ch == '"' || ch == '\'' || ch == '<' || ch == '>';
}

/* The names whose value is a secret in key=value text (libpq's
 * password=, and a URL's query parameters: a webhook endpoint's URL
 * with ?token=... was kept whole in its events, where every key that
 * may read the account's events read it -- a helper's audit, session
 * 38).  Matched whole, in any case, followed by '=' (spaces allowed).
 * The offset just past that '=' when one is at p, else 0. */
static size_t secret_key_at(const char *p)
{
    static const char *const names[] = {"password", "passwd", "pwd", "secret", "client_secret",
                                        "token", "access_token", "auth_token", "api_key", "apikey",
                                        "key", "sig", "signature"};
    /* the word here, then '=' after it: most words are followed by none,
     * and cost their length only (every log line passes here) */
    size_t len = 0;
    while (nd_isalnum(p[len]) || p[len] == '_') len++;
    size_t k = len;
    while (p[k] == ' ') k++;
    if (len == 0 || p[k] != '=') return 0;
    for (size_t n = 0; n < ND_ARRAY_LEN(names); n++)
        if (strlen(names[n]) == len && strncasecmp(p, names[n], len) == 0) return k + 1;
    return 0;
}

/* Finds the next secret in s at or after *i: its bytes are s[*start,
 * *end); scanning resumes at *end.  One rule for what a secret is, used
 * both to hide secrets in text and to learn the one a URL carries. */
static bool next_secret(const char *s, size_t i, size_t *start, size_t *end)
{
    for (; s[i]; i++) {
        if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
            /* the LAST '@' of the authority ends the userinfo (a
             * hand-written password may hold an unescaped '@') */
            size_t last_at = 0, colon = 0;
            for (size_t k = i + 3; !authority_end(s[k]); k++)
                if (s[k] == '@') last_at = k;
            for (size_t k = i + 3; last_at && k < last_at; k++)
                if (s[k] == ':') { colon = k; break; }
            if (colon) {
                *start = colon + 1;
                *end = last_at;
                return true;
            }
        }
        size_t past = (i == 0 || !nd_isalnum(s[i - 1])) ? secret_key_at(s + i) : 0;
        if (past) {
            size_t k = i + past;
            while (s[k] == ' ') k++;
            *start = k;
            if (s[k] == '\'') { /* libpq quoting: '...' with \' and \\ escapes */
                k++;
                while (s[k] && s[k] != '\'') k += (s[k] == '\\' && s[k + 1]) ? 2 : 1;
                if (s[k]) k++;
            } else {
                while (!authority_end(s[k]) && s[k] != '&' && s[k] != ',' && s[k] != ';') k++;
            }
            *end = k;
            return true;
        }
    }
    return false;
}

void redact_append(buf_t *b, const char *s)
{
    size_t run = 0, start, end;
    while (next_secret(s, run, &start, &end)) {
        buf_append(b, s + run, start - run);
        buf_append(b, "***", 3);
        run = end;
    }
    buf_puts(b, s + run);
}

char *redact_dup(const char *s)
{
    buf_t b = BUF_INIT;
    redact_append(&b, s);
    buf_reserve(&b, 0); /* "" still gets its NUL */
    return buf_steal(&b);
}

char *redact_dup_url(const char *s, const char *url)
{
    size_t start, end;
    buf_t b = BUF_INIT;
    if (url && next_secret(url, 0, &start, &end) && end > start) {
        /* the password as written in url (quotes, %-escapes and all), bare
         * wherever a library quoted it */
        const char *secret = url + start;
        size_t n = end - start;
        const char *p = s;
        for (const char *hit; (hit = memmem(p, strlen(p), secret, n)) != NULL; p = hit + n) {
            buf_append(&b, p, (size_t)(hit - p));
            buf_append(&b, "***", 3);
        }
        buf_puts(&b, p);
    } else {
        buf_puts(&b, s);
    }
    buf_reserve(&b, 0);
    char *out = redact_dup(b.data);
    buf_free(&b);
    return out;
}
