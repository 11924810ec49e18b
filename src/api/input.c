/* input.c -- reading a request's parameters through the handler's field
 * table: unknown names refused, each known one read into the handler's
 * input struct with its kind; paging; the Idempotency-Key header. */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const api_field_t api_no_fields[] = {API_FIELDS_END};

static int check_known(http_req_t *req, http_resp_t *resp, json_t *obj, const api_field_t *fields)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        const api_field_t *f = fields;
        while (f->name && strcmp(f->name, key) != 0) f++;
        if (!f->name) {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown parameter: %.64s", key);
            api_error(req, resp, 400, msg);
            return C_ERR;
        }
    }
    return C_OK;
}

/* Reads every field of the table, in its order, into in. */
static int read_fields(http_req_t *req, http_resp_t *resp, json_t *obj, const api_field_t *fields,
                       void *in)
{
    for (const api_field_t *f = fields; f->name; f++) {
        void *dst = (char *)in + f->off;
        int rc = C_OK;
        switch (f->kind) {
        case API_STR: rc = api_str(req, resp, obj, f->name, (const char **)dst); break;
        case API_STR_CLEAR: rc = api_str_or_clear(req, resp, obj, f->name, (const char **)dst); break;
        case API_BOOL: rc = api_bool(req, resp, obj, f->name, (int *)dst); break;
        case API_READ: rc = f->read(req, resp, obj, f->name, dst); break;
        case API_KNOWN: break;
        }
        if (rc != C_OK) return C_ERR;
    }
    return C_OK;
}

/* Checks obj against fields and reads them into in (in NULL: check only). */
static int take(http_req_t *req, http_resp_t *resp, const api_field_t *fields, void *in,
                json_t **obj)
{
    if (fields && (check_known(req, resp, *obj, fields) != C_OK ||
                   (in && read_fields(req, resp, *obj, fields, in) != C_OK))) {
        json_decref(*obj);
        *obj = NULL;
        return C_ERR;
    }
    return C_OK;
}

int api_query(http_req_t *req, http_resp_t *resp, const api_field_t *fields, void *in,
              json_t **out)
{
    char msg[160];
    *out = NULL;
    if (http_query_params(req, out, msg, sizeof msg) != C_OK) {
        api_error(req, resp, 400, msg);
        return C_ERR;
    }
    return take(req, resp, fields ? fields : api_no_fields, in, out);
}

int api_body(http_req_t *req, http_resp_t *resp, const api_field_t *fields, void *in,
             json_t **out)
{
    char msg[256];
    int status;
    *out = NULL;
    bool form = api_dialect(req) == DIALECT_PLIVO;
    /* Parameters of a POST go in its body; one in the query string would be
     * silently ignored, so it is an error like any unknown parameter. */
    json_t *q = NULL;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) return C_ERR;
    json_decref(q);
    if (http_body_params(req, form, out, &status, msg, sizeof msg) != C_OK) {
        api_error(req, resp, status, msg);
        return C_ERR;
    }
    return take(req, resp, fields, in, out);
}

int api_str(http_req_t *req, http_resp_t *resp, json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (v == NULL || json_is_null(v)) return C_OK;
    if (json_is_integer(v)) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%lld", (long long)json_integer_value(v));
        json_object_set_new(obj, key, json_string(tmp));
        v = json_object_get(obj, key);
    }
    if (!json_is_string(v)) {
        char msg[128];
        snprintf(msg, sizeof msg, "invalid %.64s: want a string", key);
        api_error(req, resp, 400, msg);
        return C_ERR;
    }
    *out = json_string_value(v);
    return C_OK;
}

int api_str_or_clear(http_req_t *req, http_resp_t *resp, json_t *obj, const char *key,
                     const char **out)
{
    json_t *v = json_object_get(obj, key);
    if (v && json_is_null(v)) {
        *out = "";
        return C_OK;
    }
    return api_str(req, resp, obj, key, out);
}

int api_bool(http_req_t *req, http_resp_t *resp, json_t *obj, const char *key, int *out)
{
    json_t *v = json_object_get(obj, key);
    *out = -1;
    if (v == NULL || json_is_null(v)) return C_OK;
    if (json_is_boolean(v)) {
        *out = json_is_true(v) ? 1 : 0;
        return C_OK;
    }
    bool b;
    if (json_is_string(v) && core_parse_bool(json_string_value(v), &b) == C_OK) *out = b ? 1 : 0;
    if (*out < 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "invalid %.64s: want true or false", key);
        api_error(req, resp, 400, msg);
        return C_ERR;
    }
    return C_OK;
}

int api_same_id(http_req_t *req, http_resp_t *resp, const char *name, const char *given,
                const char *path_value, bool number)
{
    char a[E164_BUFSZ], b[E164_BUFSZ];
    if (given == NULL) return C_OK;
    /* an invalid path number is the core's to refuse (400 invalid number) */
    if (number && e164_parse(path_value, b, NULL) != C_OK) return C_OK;
    bool same = number ? e164_parse(given, a, NULL) == C_OK &&
                             e164_parse(path_value, b, NULL) == C_OK && strcmp(a, b) == 0
                       : strcmp(given, path_value) == 0;
    if (same) return C_OK;
    char msg[200];
    snprintf(msg, sizeof msg, "%s %.40s does not match the path's %.40s", name, given, path_value);
    api_error(req, resp, 400, msg);
    return C_ERR;
}

static int parse_uint(const char *s, int max, int *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 9 || !nd_all_digits(s, n)) return C_ERR;
    long v = strtol(s, NULL, 10);
    if (v > max) return C_ERR;
    *out = (int)v;
    return C_OK;
}

int api_paging(http_req_t *req, http_resp_t *resp, json_t *q, int max, int dflt, int *limit,
               int *offset)
{
    const char *l, *o;
    char msg[96];
    *limit = dflt;
    *offset = 0;
    if (api_str(req, resp, q, "limit", &l) != C_OK || api_str(req, resp, q, "offset", &o) != C_OK)
        return C_ERR;
    if (l && (parse_uint(l, max, limit) != C_OK || *limit < 1)) {
        snprintf(msg, sizeof msg, "invalid limit: want an integer from 1 to %d", max);
        api_error(req, resp, 400, msg);
        return C_ERR;
    }
    if (o && parse_uint(o, 1000000000, offset) != C_OK) {
        api_error(req, resp, 400, "invalid offset: want an integer from 0 to 999999999");
        return C_ERR;
    }
    return C_OK;
}

int api_idem_key(http_req_t *req, http_resp_t *resp, const char **key)
{
    *key = http_header(req, "Idempotency-Key");
    if (*key && !idem_key_valid(*key)) {
        api_error(req, resp, 400, "invalid Idempotency-Key: want 8-255 of [A-Za-z0-9_-]");
        return C_ERR;
    }
    return C_OK;
}

int api_plivo_list_query(http_req_t *req, http_resp_t *resp, const api_field_t *fields, void *in,
                         account_t *who, json_t **q, int *limit, int *offset)
{
    if (api_auth_plivo(req, resp, who) != C_OK) return C_ERR;
    if (api_query(req, resp, fields, in, q) != C_OK) return C_ERR;
    return api_paging(req, resp, *q, API_PLIVO_MAX_LIMIT, API_PLIVO_MAX_LIMIT, limit, offset);
}
