/* params.c -- query strings and request bodies into JSON objects.
 *
 * Every input shape a handler sees is a JSON object: query parameters and
 * form fields become string members, a JSON body is itself.  Handlers then
 * validate one shape.  Limits are checked here, before any parser runs:
 * body size (by the server), parameter count, JSON nesting depth.
 */
#include "http/http.h"

#include "util/utf8.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct {
    json_t *obj;
    int n;
    bool failed;
    char *errbuf;
    size_t errsz;
} qctx_t;

static int add_param(qctx_t *q, const char *key, size_t klen, const char *value, size_t vlen)
{
    if (++q->n > HTTP_MAX_PARAMS) {
        snprintf(q->errbuf, q->errsz, "too many parameters (at most %d)", HTTP_MAX_PARAMS);
        return C_ERR;
    }
    /* a NUL would cut the name or value short when read as a C string */
    if (memchr(key, '\0', klen) || memchr(value, '\0', vlen)) {
        snprintf(q->errbuf, q->errsz, "invalid parameters: NUL byte");
        return C_ERR;
    }
    if (!utf8_valid(key, klen, NULL) || !utf8_valid(value, vlen, NULL)) {
        snprintf(q->errbuf, q->errsz, "invalid UTF-8 in parameters");
        return C_ERR;
    }
    if (json_object_get(q->obj, key)) {
        snprintf(q->errbuf, q->errsz, "repeated parameter: %.64s", key);
        return C_ERR;
    }
    json_object_set_new(q->obj, key, json_stringn(value, vlen));
    return C_OK;
}

/* The _n iterator gives the decoded lengths, so that a NUL inside a name
 * or value is seen rather than taken for its end. */
static enum MHD_Result query_it(void *cls, enum MHD_ValueKind kind, const char *key,
                                size_t key_size, const char *value, size_t value_size)
{
    ND_UNUSED(kind);
    qctx_t *q = cls;
    if (q->failed) return MHD_NO;
    if (add_param(q, key, key_size, value ? value : "", value ? value_size : 0) != C_OK) {
        q->failed = true;
        return MHD_NO;
    }
    return MHD_YES;
}

int http_query_params(http_req_t *req, json_t **out, char *errbuf, size_t errsz)
{
    qctx_t q = {.obj = json_object(), .errbuf = errbuf, .errsz = errsz};
    if (req->src) {
        for (size_t i = 0; i < req->src->nargs && !q.failed; i++) {
            const http_kv_t *a = &req->src->args[i];
            if (add_param(&q, a->name, a->name_len, a->value, a->value_len) != C_OK) q.failed = true;
        }
    } else {
        MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, query_it, &q);
    }
    if (q.failed) {
        json_decref(q.obj);
        return C_ERR;
    }
    *out = q.obj;
    return C_OK;
}

const char *http_header(http_req_t *req, const char *name)
{
    if (req->src) {
        for (size_t i = 0; i < req->src->nheaders; i++)
            if (strcasecmp(req->src->headers[i].name, name) == 0) return req->src->headers[i].value;
        return NULL;
    }
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

/* ---- form bodies ---- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Decodes application/x-www-form-urlencoded text into out (n + 1 bytes):
 * '+' is a space, %XX a byte.  Returns the decoded length, -1 if bad. */
static long form_decode(const char *s, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%') {
            if (i + 2 >= n) return -1;
            int h = hexval((unsigned char)s[i + 1]), l = hexval((unsigned char)s[i + 2]);
            if (h < 0 || l < 0) return -1;
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return (long)o;
}

int http_parse_urlencoded(const char *body, size_t n, json_t **out, char *errbuf, size_t errsz)
{
    qctx_t q = {.obj = json_object(), .errbuf = errbuf, .errsz = errsz};
    char *key = xmalloc(n + 1), *val = xmalloc(n + 1);
    int ret = C_ERR;
    size_t i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && body[e] != '&') e++;
        if (e > i) {
            const char *eq = memchr(body + i, '=', e - i);
            size_t klen = eq ? (size_t)(eq - (body + i)) : e - i;
            long kl = form_decode(body + i, klen, key);
            long vl = eq ? form_decode(eq + 1, (size_t)(body + e - (eq + 1)), val) : 0;
            if (!eq) val[0] = '\0';
            if (kl <= 0 || vl < 0 || memchr(key, '\0', (size_t)kl) || memchr(val, '\0', (size_t)vl)) {
                snprintf(errbuf, errsz, "malformed form body");
                goto done;
            }
            if (add_param(&q, key, (size_t)kl, val, (size_t)vl) != C_OK) goto done;
        }
        i = e + 1;
    }
    *out = q.obj;
    q.obj = NULL;
    ret = C_OK;
done:
    json_decref(q.obj);
    free(key);
    free(val);
    return ret;
}

/* ---- JSON bodies ---- */

/* Nesting depth outside strings, checked before jansson sees the text. */
static bool json_depth_ok(const char *s, size_t n, int max)
{
    int depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\') i++;
            else if (c == '"') in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max) return false;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return true;
}

static bool ct_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    if (strncasecmp(ct, want, n) != 0) return false;
    return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

int http_body_params(http_req_t *req, bool allow_form, json_t **out, int *status, char *errbuf,
                     size_t errsz)
{
    const char *body = req->body.data ? req->body.data : "";
    size_t n = req->body.len;
    const char *ct = req->content_type;
    *status = 400;

    /* Only POST/PUT/PATCH carry parameters; GET and DELETE ignore their
     * body (the Plivo Node SDK sends '""' with DELETE). */
    if (!(req->method & (HTTP_POST | HTTP_PUT | HTTP_PATCH)) || n == 0) {
        *out = json_object();
        return C_OK;
    }
    if (ct == NULL || ct_is(ct, "application/json")) {
        if (!json_depth_ok(body, n, HTTP_MAX_JSON_DEPTH)) {
            snprintf(errbuf, errsz, "invalid JSON: nesting deeper than %d", HTTP_MAX_JSON_DEPTH);
            return C_ERR;
        }
        size_t bad;
        if (!utf8_valid(body, n, &bad)) {
            snprintf(errbuf, errsz, "invalid JSON: invalid UTF-8 (or a NUL byte) at byte %zu", bad);
            return C_ERR;
        }
        json_error_t je;
        json_t *j = json_loadb(body, n, JSON_REJECT_DUPLICATES, &je);
        if (j == NULL) {
            /* jansson's text quotes the body where it stopped ("invalid
             * escape near '\"MySecretP4ss\\q'"): a password's first
             * characters in the answer, and in any log of it.  The
             * position is enough to find the mistake. */
            char what[sizeof je.text];
            snprintf(what, sizeof what, "%s", je.text);
            char *near = strstr(what, " near '");
            if (near) *near = '\0';
            if (strstr(what, "JSON_ALLOW_NUL")) snprintf(what, sizeof what, "\\u0000 is not allowed");
            snprintf(errbuf, errsz, "invalid JSON: %s at line %d column %d", what, je.line, je.column);
            return C_ERR;
        }
        if (!json_is_object(j)) {
            json_decref(j);
            snprintf(errbuf, errsz, "invalid JSON: the body must be a JSON object");
            return C_ERR;
        }
        *out = j;
        return C_OK;
    }
    if (allow_form && ct_is(ct, "application/x-www-form-urlencoded"))
        return http_parse_urlencoded(body, n, out, errbuf, errsz);
    *status = 415;
    snprintf(errbuf, errsz, "unsupported content type: %.64s (use application/json%s)", ct,
             allow_form ? " or application/x-www-form-urlencoded" : "");
    return C_ERR;
}

void http_resp_header(http_resp_t *resp, const char *name, const char *value)
{
    if (resp->nheaders == ND_ARRAY_LEN(resp->headers)) nd_panic("too many response headers");
    http_header_t *h = &resp->headers[resp->nheaders++];
    size_t nl = strlen(name) + 1, vl = strlen(value) + 1;
    if (resp->hused + nl + vl <= sizeof resp->hspace) {
        h->name = memcpy(resp->hspace + resp->hused, name, nl);
        h->value = memcpy(resp->hspace + resp->hused + nl, value, vl);
        resp->hused += nl + vl;
        h->heap = false;
    } else {
        h->name = xstrdup(name);
        h->value = xstrdup(value);
        h->heap = true;
    }
}

void http_resp_move(http_resp_t *dst, http_resp_t *src)
{
    *dst = *src;
    /* header text kept inline moves with the struct: point at the copy */
    for (size_t i = 0; i < dst->nheaders; i++) {
        if (dst->headers[i].heap) continue;
        dst->headers[i].name = dst->hspace + (src->headers[i].name - src->hspace);
        dst->headers[i].value = dst->hspace + (src->headers[i].value - src->hspace);
    }
    memset(src, 0, sizeof *src);
}

void http_resp_free(http_resp_t *resp)
{
    for (size_t i = 0; i < resp->nheaders; i++) {
        if (!resp->headers[i].heap) continue;
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    resp->nheaders = 0;
    resp->hused = 0;
    buf_free(&resp->body);
}
