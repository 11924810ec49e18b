/* render.c -- what answers share: the api_id, money, the Plivo object and
 * list envelopes (with their paging links), the BYOC list envelope. */
#include "api/api.h"

#include <stdio.h>
#include <string.h>

#include "core/money.h"

void api_new_api_id(const http_resp_t *resp, char out[IDS_UUID_SZ])
{
    _Static_assert(HTTP_REQ_ID_SZ == IDS_UUID_SZ, "a request id is a UUID");
    if (resp && resp->request_id && resp->request_id[0]) memcpy(out, resp->request_id, IDS_UUID_SZ);
    else ids_uuid_v4(out);
}

void api_json_begin(http_resp_t *resp, jw_t *w, int status)
{
    resp->status = status;
    buf_reset(&resp->body);
    jw_init(w, &resp->body);
}

void api_kmoney(jw_t *w, const char *key, int64_t v)
{
    jw_key(w, key);
    if (v < 0) {
        jw_null(w);
        return;
    }
    char m[MONEY_STRSZ];
    size_t n = money_format(v, m);
    jw_strn(w, m, n);
}

void api_plivo_obj_begin(http_resp_t *resp, jw_t *w, int status)
{
    char api_id[IDS_UUID_SZ];
    api_new_api_id(resp, api_id);
    api_json_begin(resp, w, status);
    jw_obj(w);
    jw_kstr(w, "api_id", api_id);
}

void api_plivo_created(http_resp_t *resp, const char *key, const char *id)
{
    jw_t w;
    api_plivo_obj_begin(resp, &w, 201);
    jw_kstr(&w, key, id);
    jw_kstr(&w, "message", "created");
    jw_obj_end(&w);
}

void api_plivo_changed(http_resp_t *resp)
{
    jw_t w;
    api_plivo_obj_begin(resp, &w, 202);
    jw_kstr(&w, "message", "changed");
    jw_obj_end(&w);
}

static void page_link(jw_t *w, const char *key, const char *base, json_t *query, int limit,
                      int offset)
{
    buf_t u = BUF_INIT;
    buf_printf(&u, "%s?limit=%d&offset=%d", base, limit, offset);
    const char *k;
    json_t *v;
    json_object_foreach(query, k, v) {
        if (strcmp(k, "limit") == 0 || strcmp(k, "offset") == 0 || !json_is_string(v)) continue;
        buf_putc(&u, '&');
        buf_urlenc(&u, k);
        buf_putc(&u, '=');
        buf_urlenc(&u, json_string_value(v));
    }
    jw_kstr(w, key, u.data);
    buf_free(&u);
}

static void plivo_meta(jw_t *w, const char *base_path, json_t *query, int limit, int offset,
                       int64_t total)
{
    jw_key(w, "meta");
    jw_obj(w);
    jw_kint(w, "limit", limit);
    if ((int64_t)offset + limit < total) page_link(w, "next", base_path, query, limit, offset + limit);
    else jw_knull(w, "next");
    jw_kint(w, "offset", offset);
    if (offset > 0) page_link(w, "previous", base_path, query, limit, offset > limit ? offset - limit : 0);
    else jw_knull(w, "previous");
    jw_kint(w, "total_count", total);
    jw_obj_end(w);
}

void api_plivo_list_begin(http_resp_t *resp, jw_t *w, const char *auth_id, const char *resource,
                          json_t *query, int limit, int offset, int64_t total)
{
    api_plivo_list_begin_key(resp, w, auth_id, resource, "objects", query, limit, offset, total);
}

void api_plivo_list_begin_key(http_resp_t *resp, jw_t *w, const char *auth_id, const char *resource,
                              const char *key, json_t *query, int limit, int offset, int64_t total)
{
    char base[96];
    snprintf(base, sizeof base, "/v1/Account/%s/%s/", auth_id, resource);
    api_plivo_obj_begin(resp, w, 200);
    plivo_meta(w, base, query, limit, offset, total);
    jw_key(w, key);
    jw_arr(w);
}

void api_plivo_list_end(jw_t *w)
{
    jw_arr_end(w);
    jw_obj_end(w);
}

void api_byoc_list_begin(http_resp_t *resp, jw_t *w)
{
    api_json_begin(resp, w, 200);
    jw_obj(w);
    jw_key(w, "data");
    jw_arr(w);
}

void api_byoc_list_end(jw_t *w, int64_t total, int limit, int offset)
{
    jw_arr_end(w);
    jw_kint(w, "total", total);
    jw_kint(w, "limit", limit);
    jw_kint(w, "offset", offset);
    jw_obj_end(w);
}
