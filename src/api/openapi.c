/* openapi.c -- GET /openapi.json: the OpenAPI document of every endpoint.
 *
 * The bytes are docs/openapi.json, compiled in by cmake/embed_file.cmake:
 * what a client downloads is the file the API tests check against this
 * very server, so the two cannot drift. */
#include "api/api.h"

void h_openapi(http_req_t *req, http_resp_t *resp)
{
    /* No parameters, but an unknown one is still an error, as everywhere. */
    json_t *q = NULL;
    if (api_query(req, resp, api_no_fields, NULL, &q) != C_OK) return;
    json_decref(q);
    buf_reset(&resp->body);
    buf_append(&resp->body, nd_openapi_json, nd_openapi_json_len);
    resp->status = 200;
    resp->content_type = "application/json";
}
