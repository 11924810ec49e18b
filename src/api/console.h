/* console.h -- the web console's files (console/), compiled into the
 * binary, and the handler that serves them under /console/.
 *
 * The table is generated at build time by cmake/embed_dir.cmake from the
 * files of console/ as they are (no build step of their own): every entry,
 * its bytes and its ETag are static and owned by nobody (never freed).
 */
#ifndef ND_API_CONSOLE_H
#define ND_API_CONSOLE_H

#include <stddef.h>

#include "http/http.h"

typedef struct {
    const char *path;          /* relative to console/: "index.html", "js/app.js" */
    const unsigned char *data;
    size_t len;
    const char *etag;          /* a quoted strong ETag: the first 16 hex digits of the SHA-256 */
} console_asset_t;

/* The generated table (console_assets.c), sorted by path. */
extern const console_asset_t nd_console_assets[];
extern const size_t nd_console_nassets;

/* GET /console, /console/, /console/{p1}, /console/{p1}/{p2}: an asset, or
 * index.html for any path of the console's own pages (no dot in the last
 * segment), so that a reload or a bookmark of /console/numbers works.
 * Unauthenticated (the files hold no secret; the console signs in with the
 * public APIs).  Query strings are the console's own state: ignored. */
void h_console(http_req_t *req, http_resp_t *resp);

#endif
