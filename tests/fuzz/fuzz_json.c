/* fuzz_json.c -- request bodies as handlers receive them
 * (http_body_params: the 64 KiB cap is the server's, the rest is here).
 *
 * Input: one byte choosing the method, the Content-Type and whether form
 * bodies are allowed (the Plivo dialect), then the body.  Properties: an
 * accepted body is a JSON object nested at most HTTP_MAX_JSON_DEPTH deep
 * whose strings are valid UTF-8 without NUL (jansson's loader keeps them
 * so; our check runs first), and it survives a dump/load round trip; a
 * refused one is a 400 or a 415 with a message. */
#include "fuzz.h"

#include <string.h>

#include "http/http.h"
#include "util/utf8.h"

static const char *const k_types[] = {
    NULL,
    "application/json",
    "application/json; charset=utf-8",
    "APPLICATION/JSON",
    "application/x-www-form-urlencoded",
    "text/csv",
    "application/jsonx",
    "multipart/form-data; boundary=x",
};

static int depth(const json_t *v)
{
    int d = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m) {
            FUZZ_CHECK(utf8_valid(k, strlen(k), NULL));
            int c = depth(m);
            if (c > d) d = c;
        }
        return d + 1;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            int c = depth(json_array_get(v, i));
            if (c > d) d = c;
        }
        return d + 1;
    }
    if (json_is_string(v))
        FUZZ_CHECK(utf8_valid(json_string_value(v), json_string_length(v), NULL));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size - 1 > HTTP_MAX_BODY) return 0;
    static const http_method_t methods[] = {HTTP_POST, HTTP_PATCH, HTTP_PUT, HTTP_GET};
    http_req_t req;
    memset(&req, 0, sizeof req);
    req.method = methods[data[0] & 3];
    req.content_type = k_types[(data[0] >> 2) & 7];
    bool allow_form = (data[0] & 0x20) != 0;
    req.path = (char *)"/v1/fuzz";
    buf_append(&req.body, data + 1, size - 1);

    json_t *obj = NULL;
    int status = 0;
    char err[256] = "";
    if (http_body_params(&req, allow_form, &obj, &status, err, sizeof err) != C_OK) {
        FUZZ_CHECK(status == 400 || status == 415);
        FUZZ_CHECK(err[0] != '\0');
        FUZZ_CHECK(obj == NULL);
    } else {
        FUZZ_CHECK(json_is_object(obj));
        FUZZ_CHECK(depth(obj) <= HTTP_MAX_JSON_DEPTH);
        char *text = json_dumps(obj, JSON_COMPACT | JSON_ENCODE_ANY);
        FUZZ_CHECK(text != NULL);
        json_error_t je;
        json_t *again = json_loads(text, JSON_REJECT_DUPLICATES, &je);
        FUZZ_CHECK(again != NULL && json_equal(obj, again));
        json_decref(again);
        free(text);
        json_decref(obj);
    }
    buf_free(&req.body);
    return 0;
}
