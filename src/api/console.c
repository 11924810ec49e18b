/* console.c -- GET /console/...: the web console's files (issue 19).
 *
 * The console is a set of static files (console/: HTML, CSS, ES modules)
 * that signs in with the public APIs like any other client; this handler
 * only hands the files out.  They are compiled in by
 * cmake/embed_dir.cmake, so there is still one binary and nothing to find
 * on disk at run time.
 *
 * Every answer carries a strict Content-Security-Policy: scripts, styles
 * and fetches from this origin only, no inline script or style, no
 * plugins, no framing, no form posts (the console's forms are handled by
 * its scripts; a form that somehow submitted would put a secret in a URL),
 * and Trusted Types required, so that no string can become markup.
 *
 * Caching: every file is revalidated (Cache-Control: no-cache) against its
 * ETag, the SHA-256 of its bytes computed at build time.  An unchanged file
 * costs a 304 without a body; a new binary is seen at the next load,
 * never mixed with files of the old one.
 */
#include "api/console.h"

#include <string.h>

#include "api/api.h"

#define CONSOLE_PREFIX "/console"

/* The policy of every console answer (see above). */
static const char k_csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; "
    "trusted-types 'none'";

static const struct {
    const char *ext;
    const char *type;
} k_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".webmanifest", "application/manifest+json"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *content_type(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < ND_ARRAY_LEN(k_types); i++)
            if (strcmp(dot, k_types[i].ext) == 0) return k_types[i].type;
    /* CMake embeds only the kinds above (embed_dir.cmake refuses others) */
    return "application/octet-stream";
}

/* The table is sorted by path (the generator sorts it): binary search. */
static const console_asset_t *find(const char *path, size_t n)
{
    size_t lo = 0, hi = nd_console_nassets;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *p = nd_console_assets[mid].path;
        int c = strncmp(p, path, n);
        if (c == 0 && p[n] != '\0') c = 1; /* p is longer: it sorts after */
        if (c == 0) return &nd_console_assets[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* The console's pages are paths without a dot in their last segment
 * (/console/numbers, /console/admin/accounts); files always have one. */
static bool is_page(const char *path, size_t n)
{
    size_t i = n;
    while (i > 0 && path[i - 1] != '/') i--;
    return memchr(path + i, '.', n - i) == NULL;
}

/* If-None-Match holds our ETag (a list, W/ prefixes and * included:
 * RFC 9110 §13.1.2 compares weakly for GET). */
static bool not_modified(http_req_t *req, const char *etag)
{
    const char *inm = http_header(req, "If-None-Match");
    if (inm == NULL) return false;
    if (strcmp(inm, "*") == 0) return true;
    return strstr(inm, etag) != NULL;
}

static void security_headers(http_resp_t *resp)
{
    http_resp_header(resp, "Content-Security-Policy", k_csp);
    http_resp_header(resp, "X-Content-Type-Options", "nosniff");
    http_resp_header(resp, "Referrer-Policy", "no-referrer");
    http_resp_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
}

void h_console(http_req_t *req, http_resp_t *resp)
{
    /* the route table sends only /console and paths below it here */
    const char *rel = req->path + strlen(CONSOLE_PREFIX);
    if (*rel == '\0') {
        /* /console without its slash: the page's relative URLs need it */
        resp->status = 301;
        resp->content_type = "text/plain; charset=utf-8";
        buf_reset(&resp->body);
        buf_puts(&resp->body, "moved to /console/\n");
        http_resp_header(resp, "Location", CONSOLE_PREFIX "/");
        return;
    }
    rel++; /* the '/' */
    size_t n = strlen(rel);
    if (n > 0 && rel[n - 1] == '/') n--;

    const console_asset_t *a = n ? find(rel, n) : NULL;
    if (a == NULL && is_page(rel, n)) a = find("index.html", strlen("index.html"));
    security_headers(resp);
    if (a == NULL) {
        api_error(req, resp, 404, "not found");
        return;
    }
    http_resp_header(resp, "ETag", a->etag);
    http_resp_header(resp, "Cache-Control", "no-cache");
    resp->content_type = content_type(a->path);
    buf_reset(&resp->body);
    if (not_modified(req, a->etag)) {
        resp->status = 304;
        return;
    }
    resp->status = 200;
    buf_append(&resp->body, a->data, a->len);
}
