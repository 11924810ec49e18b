/* fuzz_form.c -- application/x-www-form-urlencoded bodies
 * (http_parse_urlencoded).
 *
 * Properties: an accepted body gives an object of at most HTTP_MAX_PARAMS
 * string members; a refused one leaves *out alone and says why; and what
 * was accepted survives a round trip: encoding the object again and
 * parsing that gives the same object. */
#include "fuzz.h"

#include <string.h>

#include "http/http.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *obj = NULL;
    char err[160] = "";
    if (http_parse_urlencoded((const char *)data, size, &obj, err, sizeof err) != C_OK) {
        FUZZ_CHECK(obj == NULL);
        FUZZ_CHECK(err[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(json_is_object(obj));
    FUZZ_CHECK(json_object_size(obj) <= HTTP_MAX_PARAMS);

    buf_t b = BUF_INIT;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        FUZZ_CHECK(json_is_string(v));
        FUZZ_CHECK(k[0] != '\0');
        if (b.len) buf_putc(&b, '&');
        buf_urlenc(&b, k);
        buf_putc(&b, '=');
        buf_urlenc(&b, json_string_value(v));
    }
    json_t *again = NULL;
    FUZZ_CHECK(http_parse_urlencoded(b.data ? b.data : "", b.len, &again, err, sizeof err) == C_OK);
    FUZZ_CHECK(json_equal(obj, again));
    json_decref(again);
    buf_free(&b);
    json_decref(obj);
    return 0;
}
