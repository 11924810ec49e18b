/* fuzz_query.c -- query strings, as libmicrohttpd splits and decodes them
 * and http_query_params turns them into a JSON object.
 *
 * The input is the query string of "GET /q?<input> HTTP/1.1", sent through
 * the real server code (mhd_harness.h) to a route whose handler reads the
 * parameters.  Properties: accepted parameters are at most
 * HTTP_MAX_PARAMS strings of valid UTF-8; a refused query says why; the
 * server answers every request, and never with a 5xx. */
#include "fuzz.h"

#include <string.h>

#include "mhd_harness.h"
#include "util/log.h"
#include "util/utf8.h"

static void h_query(http_req_t *req, http_resp_t *resp)
{
    json_t *q = NULL;
    char err[160] = "";
    if (http_query_params(req, &q, err, sizeof err) != C_OK) {
        FUZZ_CHECK(q == NULL && err[0] != '\0');
        resp->status = 400;
        buf_puts(&resp->body, "{}");
        return;
    }
    FUZZ_CHECK(json_is_object(q) && json_object_size(q) <= HTTP_MAX_PARAMS);
    const char *k;
    json_t *v;
    json_object_foreach(q, k, v) {
        FUZZ_CHECK(json_is_string(v));
        FUZZ_CHECK(utf8_valid(k, strlen(k), NULL));
        FUZZ_CHECK(utf8_valid(json_string_value(v), json_string_length(v), NULL));
    }
    json_decref(q);
    resp->status = 200;
    buf_puts(&resp->body, "{}");
}

static void on_error(http_req_t *req, http_resp_t *resp, int status, const char *msg)
{
    ND_UNUSED(req);
    ND_UNUSED(msg);
    resp->status = status;
    buf_puts(&resp->body, "{}");
}

static const route_t k_routes[] = {{HTTP_GET, "/q", h_query, NULL, "q", 0}};
static fz_http_t *g_http;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    ND_UNUSED(argc);
    ND_UNUSED(argv);
    log_set_level(LOG_OFF);
    http_app_t app = {.routes = k_routes, .nroutes = 1, .error = on_error, .ud = NULL};
    g_http = fz_http_new(&app);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192) return 0;
    buf_t req = BUF_INIT, resp = BUF_INIT;
    buf_puts(&req, "GET /q?");
    buf_append(&req, data, size);
    buf_puts(&req, " HTTP/1.1\r\nHost: fuzz\r\n\r\n");
    fz_http_exchange(g_http, req.data, req.len, &resp);
    FUZZ_CHECK(!fz_http_has_5xx(&resp));
    buf_free(&req);
    buf_free(&resp);
    return 0;
}
