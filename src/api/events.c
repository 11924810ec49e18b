/* events.c -- the audit API (issue 18 item 3): the event log
 * (core/events.h) for the operator, GET /admin/v1/events, and for a
 * customer, its own account's events in both dialects:
 * GET /v1/Account/{auth_id}/Event/ (Plivo envelope) and
 * GET /v1/phone-numbers/events (BYOC list shape).
 *
 * Paging is by cursor, never by offset: a log that grows while it is read
 * would shift offsets under the reader.  `after` is the last id seen; the
 * answer's next cursor (and next URL) is given when there is more.
 *
 * Who sees what: the operator every event; a main account (Basic, or an
 * API key with phone_numbers:read) the events of its account, its
 * subaccounts' included; a subaccount only the events it made itself (the
 * log does not record which subaccount an object belonged to when it
 * changed, and a subaccount must never see its parent's or siblings'
 * resources). */
#include "api/api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/events.h"
#include "util/buf.h"
#include "util/jw.h"

typedef struct {
    const char *object_type, *object_id, *account, *actor, *type, *since, *until, *after, *limit;
} ev_in_t;

#define EV_FIELDS_COMMON                                                                          \
    API_FIELD(ev_in_t, object_type, API_STR), API_FIELD(ev_in_t, object_id, API_STR),            \
        API_FIELD(ev_in_t, type, API_STR), API_FIELD(ev_in_t, since, API_STR),                   \
        API_FIELD(ev_in_t, until, API_STR), API_FIELD(ev_in_t, after, API_STR),                  \
        API_FIELD(ev_in_t, limit, API_STR)

/* The filters every route shares into f; C_ERR after writing a 400.  max
 * and dflt: the dialect's page size. */
static int read_filters(http_req_t *req, http_resp_t *resp, const ev_in_t *in, int max, int dflt,
                        event_filter_t *f)
{
    cerr_t e;
    memset(f, 0, sizeof *f);
    if (ev_filter_object_type("object_type", in->object_type, f->object_type, sizeof f->object_type, &e) != C_OK ||
        ev_filter_text("object_id", in->object_id, f->object_id, sizeof f->object_id, &e) != C_OK ||
        ev_filter_type("type", in->type, f->type, sizeof f->type, &e) != C_OK ||
        ev_filter_time("since", in->since, false, f, &e) != C_OK ||
        ev_filter_time("until", in->until, true, f, &e) != C_OK) {
        api_error(req, resp, 400, e.msg);
        return C_ERR;
    }
    if (in->after) {
        size_t n = strlen(in->after);
        if (n == 0 || n > 18 || !nd_all_digits(in->after, n)) {
            api_error(req, resp, 400, "invalid after: want an event id");
            return C_ERR;
        }
        f->after_id = strtoll(in->after, NULL, 10);
    }
    f->limit = dflt;
    if (in->limit) {
        size_t n = strlen(in->limit);
        long v = n > 0 && n <= 4 && nd_all_digits(in->limit, n) ? strtol(in->limit, NULL, 10) : 0;
        if (v < 1 || v > max) {
            char msg[64];
            snprintf(msg, sizeof msg, "invalid limit: 1 to %d", max);
            api_error(req, resp, 400, msg);
            return C_ERR;
        }
        f->limit = (int)v;
    }
    return C_OK;
}

/* path?<the query, after replaced>&after=next: the next page's URL */
static void next_url(buf_t *b, const char *path, json_t *q, int64_t next)
{
    const char *k;
    json_t *v;
    buf_puts(b, path);
    buf_putc(b, '?');
    json_object_foreach(q, k, v)
    {
        if (strcmp(k, "after") == 0 || !json_is_string(v)) continue;
        buf_urlenc(b, k);
        buf_putc(b, '=');
        buf_urlenc(b, json_string_value(v));
        buf_putc(b, '&');
    }
    buf_printf(b, "after=%lld", (long long)next);
}

static int render_one(const event_t *ev, void *ud)
{
    ev_render(ev, ud);
    return C_OK;
}

typedef enum { SHAPE_ADMIN, SHAPE_PLIVO, SHAPE_BYOC } shape_t;

/* Lists f and answers in the dialect's shape. */
static void answer(http_req_t *req, http_resp_t *resp, shape_t shape, const char *path,
                   const event_filter_t *f, json_t *q)
{
    api_ctx_t *ctx = req->app;
    cerr_t e;
    int64_t next = 0;
    jw_t w;
    /* rendered into a buffer of its own first: a database fault half-way
     * must answer 503, not half a list */
    buf_t items = BUF_INIT;
    jw_t iw;
    jw_init(&iw, &items);
    jw_arr(&iw);
    if (ev_list(&ctx->core, f, render_one, &iw, &next, &e) != C_OK) {
        buf_free(&items);
        api_core_error(req, resp, &e);
        return;
    }
    jw_arr_end(&iw);
    buf_t url = BUF_INIT;
    if (next) next_url(&url, path, q, next);
    if (shape == SHAPE_PLIVO) {
        api_plivo_obj_begin(resp, &w, 200);
        jw_key(&w, "meta");
        jw_obj(&w);
        jw_kint(&w, "limit", f->limit);
        jw_kstr_or_null(&w, "next", next ? url.data : NULL);
        jw_key(&w, "next_after");
        if (next) jw_int(&w, next);
        else jw_null(&w);
        jw_knull(&w, "previous");
        jw_obj_end(&w);
        jw_key(&w, "objects");
    } else {
        api_json_begin(resp, &w, 200);
        jw_obj(&w);
        jw_key(&w, "data");
    }
    jw_raw(&w, items.data, items.len);
    if (shape != SHAPE_PLIVO) {
        jw_kint(&w, "limit", f->limit);
        jw_key(&w, "next_after");
        if (next) jw_int(&w, next);
        else jw_null(&w);
        jw_kstr_or_null(&w, "next", next ? url.data : NULL);
    }
    jw_obj_end(&w);
    buf_free(&url);
    buf_free(&items);
}

void h_admin_event_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {EV_FIELDS_COMMON, API_FIELD(ev_in_t, account, API_STR),
                                         API_FIELD(ev_in_t, actor, API_STR), API_FIELDS_END};
    api_ctx_t *ctx = req->app;
    ev_in_t in = {0};
    json_t *q = NULL;
    event_filter_t f;
    cerr_t e;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    if (read_filters(req, resp, &in, EV_LIST_MAX, EV_LIST_DEFAULT, &f) != C_OK) goto done;
    if (in.actor && ev_filter_actor("actor", in.actor, &f, &e) != C_OK) {
        api_error(req, resp, 400, e.msg);
        goto done;
    }
    if (in.account) {
        /* "operator": the operator-level events (upstream carriers,
         * imports) */
        if (strcmp(in.account, "operator") == 0) f.account_id = -1;
        else if (ev_filter_account(&ctx->core, "account", in.account, &f, &e) != C_OK) {
            api_core_error(req, resp, &e);
            goto done;
        }
    }
    answer(req, resp, SHAPE_ADMIN, "/admin/v1/events", &f, q);
done:
    json_decref(q);
}

/* The customer's own: the main account's events, or a subaccount's own
 * actions (the top of this file says why). */
static void own_scope(const account_t *who, event_filter_t *f)
{
    if (who->parent_id) {
        f->account_id = who->parent_id;
        snprintf(f->actor_kind, sizeof f->actor_kind, "subaccount");
        snprintf(f->actor_id, sizeof f->actor_id, "%s", who->auth_id);
    } else {
        f->account_id = who->id;
    }
}

void h_event_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {EV_FIELDS_COMMON, API_FIELDS_END};
    account_t who;
    ev_in_t in = {0};
    json_t *q = NULL;
    event_filter_t f;
    char path[96];
    if (api_auth_plivo(req, resp, &who) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    if (read_filters(req, resp, &in, API_PLIVO_MAX_LIMIT, API_PLIVO_MAX_LIMIT, &f) != C_OK) goto done;
    own_scope(&who, &f);
    snprintf(path, sizeof path, "/v1/Account/%s/Event/", who.auth_id);
    answer(req, resp, SHAPE_PLIVO, path, &f, q);
done:
    json_decref(q);
}

void h_byoc_event_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {EV_FIELDS_COMMON, API_FIELDS_END};
    account_t who;
    ev_in_t in = {0};
    json_t *q = NULL;
    event_filter_t f;
    if (api_auth_byoc(req, resp, SCOPE_READ, &who) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    if (read_filters(req, resp, &in, API_BYOC_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &f) != C_OK) goto done;
    own_scope(&who, &f);
    answer(req, resp, SHAPE_BYOC, "/v1/phone-numbers/events", &f, q);
done:
    json_decref(q);
}
