/* openapi.c -- GET /openapi.json: the OpenAPI document of every endpoint.
 *
 * The bytes are docs/openapi.json, compiled in by cmake/embed_file.cmake:
 * what a client downloads is the file the API tests check against this
 * very server, so the two cannot drift. */
#include "api/api.h"

int h_openapi(http_req_t *req, http_resp_t *resp)
{
    /* No parameters, but an unknown one is still an error, as everywhere. */
    static const char *const known[] = {NULL};
    json_t *q = NULL;
    if (api_query(req, resp, known, &q) != C_OK) return C_OK;
    json_decref(q);
    buf_reset(&resp->body);
    buf_append(&resp->body, nd_openapi_json, nd_openapi_json_len);
    resp->status = 200;
    resp->content_type = "application/json";
    return C_OK;
}
