/* admin_registrations.c -- GET /admin/v1/registrations (SIP.md §5): the
 * registration state of every `reg` carrier, as stored by whichever node
 * registers it.  Filters: state, account_id (a main account's auth_id). */
#include "api/api.h"

#include <stdlib.h>

#include "core/registrations.h"
#include "util/clock.h"

typedef struct {
    const char *state, *account_id;
} reg_list_in_t;

static void ts_or_null(jw_t *w, const char *k, int64_t t)
{
    char ts[CLOCK_TS_SZ];
    jw_key(w, k);
    if (t > 0) {
        clock_ts(t, ts);
        jw_str(w, ts);
    } else {
        jw_null(w);
    }
}

void h_admin_registration_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD(reg_list_in_t, state, API_STR),
        API_FIELD(reg_list_in_t, account_id, API_STR),
        API_PAGING,
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    reg_list_in_t in = {0};
    json_t *q = NULL;
    int limit, offset;
    reg_status_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    cerr_t e;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    if (api_paging(req, resp, q, API_BYOC_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &limit, &offset) != C_OK)
        goto done;
    rows = xcalloc((size_t)limit, sizeof *rows);
    if (reg_status_list(&ctx->core, in.state, in.account_id, limit, offset, rows, &n, &total, &e) !=
        C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_t w;
    api_json_begin(resp, &w, 200);
    jw_obj(&w);
    jw_key(&w, "registrations");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++) {
        const reg_status_t *r = &rows[i];
        jw_obj(&w);
        jw_kstr(&w, "carrier_id", r->carrier_uuid);
        jw_kstr(&w, "carrier_name", r->carrier_name);
        jw_kstr(&w, "account_id", r->account_auth_id);
        jw_kstr(&w, "state", reg_state_name(r->state));
        jw_key(&w, "last_code");
        if (r->last_code) jw_int(&w, r->last_code);
        else jw_null(&w);
        jw_kstr_or_null(&w, "reason", r->reason);
        ts_or_null(&w, "expires_at", r->expires_at);
        ts_or_null(&w, "last_attempt_at", r->last_attempt_at);
        ts_or_null(&w, "next_attempt_at", r->next_attempt_at);
        jw_kint(&w, "failures", r->failures);
        jw_kstr_or_null(&w, "node", r->node);
        jw_kstr_or_null(&w, "registrar_ip", r->registrar_ip);
        ts_or_null(&w, "updated_at", r->updated_at);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_kint(&w, "total_count", total);
    jw_kint(&w, "limit", limit);
    jw_kint(&w, "offset", offset);
    jw_obj_end(&w);
done:
    free(rows);
    json_decref(q);
}
