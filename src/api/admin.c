/* admin.c -- /admin/v1/... (API.md §4): the operator's API.  Errors are
 * RFC 7807 problem+json; authentication is the admin Bearer token. */
#include "api/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/events.h"
#include "core/accounts.h"
#include "core/credentials.h"
#include "util/clock.h"
#include "core/inventory.h"
#include "core/numbers.h"
#include "core/owned.h"

void api_render_account_created(jw_t *w, const acct_created_t *a)
{
    jw_obj(w);
    jw_kstr(w, "auth_id", a->auth_id);
    jw_kstr(w, "auth_token", a->auth_token);
    jw_kstr(w, "api_key", a->api_key);
    jw_kstr(w, "name", a->name);
    jw_obj_end(w);
}

void api_render_import_result(jw_t *w, const inv_result_t *res, bool dry_run)
{
    jw_obj(w);
    jw_kint(w, "imported", (int64_t)res->imported);
    jw_kint(w, "updated", (int64_t)res->updated);
    jw_key(w, "rejected");
    jw_arr(w);
    for (size_t i = 0; i < res->nrejected; i++) {
        jw_obj(w);
        jw_kint(w, "line", (int64_t)res->rejected[i].line);
        jw_kstr(w, "error", res->rejected[i].error);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_kint(w, "rejected_count", (int64_t)res->rejected_count);
    jw_kbool(w, "dry_run", dry_run);
    /* the CLI's interrupted import (the HTTP import is never interrupted
     * so: a client that goes away is a failed request) */
    if (res->interrupted) jw_kbool(w, "interrupted", true);
    jw_obj_end(w);
}

typedef struct {
    const char *name;
} account_in_t;

void h_admin_account_create(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_FIELD(account_in_t, name, API_STR), API_FIELDS_END};
    api_ctx_t *ctx = req->app;
    json_t *b = NULL;
    account_in_t in = {0};
    acct_created_t a;
    cerr_t e;
    jw_t w;

    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_body(req, resp, fields, &in, &b) != C_OK) goto done;
    if (in.name == NULL) {
        api_error(req, resp, 400, "missing required parameter: name");
        goto done;
    }
    if (acct_create(&ctx->core, in.name, &a, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    api_json_begin(resp, &w, 201);
    api_render_account_created(&w, &a);
    ids_wipe(&a, sizeof a);
done:
    json_decref(b);
}

#define ACCT_LIST_MAX_LIMIT 1000

typedef struct {
    jw_t *w;
    int64_t n;       /* accounts seen: the total */
    int limit;       /* 0: every account; else a page of at most limit */
    int offset;
    const char *find; /* NULL, or only the accounts whose name or auth_id contains it */
} list_ctx_t;

static int list_one(const account_t *a, void *ud)
{
    list_ctx_t *lc = ud;
    if (lc->find && !strcasestr(a->name, lc->find) && !strcasestr(a->auth_id, lc->find)) return C_OK;
    /* a page (limit given): the accounts before offset and after the page
     * are counted, not written */
    if (lc->limit > 0 && (lc->n < lc->offset || lc->n >= (int64_t)lc->offset + lc->limit)) {
        lc->n++;
        return C_OK;
    }
    char ts[CLOCK_TS_SZ];
    clock_ts(a->created_at, ts);
    jw_obj(lc->w);
    jw_kstr(lc->w, "auth_id", a->auth_id);
    jw_kstr(lc->w, "name", a->name);
    jw_kbool(lc->w, "enabled", a->enabled);
    jw_kstr(lc->w, "status", cred_status_name(a->status));
    jw_kstr(lc->w, "created_at", ts);
    jw_obj_end(lc->w);
    lc->n++;
    return C_OK;
}

typedef struct {
    const char *find;
} acct_list_in_t;

/* Every account, or with limit (and offset) a page of them: an operator
 * with thousands of accounts had the console fetch them all, at every
 * sign-in and page turn (a helper's audit, session 38).  Without limit,
 * every account, as before. */
void h_admin_account_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {API_FIELD(acct_list_in_t, find, API_STR), API_PAGING,
                                         API_FIELDS_END};
    api_ctx_t *ctx = req->app;
    json_t *q = NULL;
    acct_list_in_t in = {NULL};
    cerr_t e;
    list_ctx_t lc = {NULL, 0, 0, 0, NULL};
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    /* (core_text_ok refuses an empty one; 64 bytes at most, as well) */
    if (in.find && (strlen(in.find) > 64 || !core_text_ok(in.find, 64))) {
        api_error(req, resp, 400, "invalid find: 1 to 64 characters, no control characters");
        goto done;
    }
    lc.find = in.find;
    if (json_object_get(q, "limit") || json_object_get(q, "offset")) {
        if (api_paging(req, resp, q, ACCT_LIST_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &lc.limit,
                       &lc.offset) != C_OK)
            goto done;
    }
    jw_t w;
    api_json_begin(resp, &w, 200);
    lc.w = &w;
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    if (acct_list(&ctx->core, list_one, &lc, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    jw_arr_end(&w);
    jw_kint(&w, "total", lc.n);
    if (lc.limit > 0) {
        jw_kint(&w, "limit", lc.limit);
        jw_kint(&w, "offset", lc.offset);
    }
    jw_obj_end(&w);
done:
    json_decref(q);
}

/* ---- inventory stats ---- */

typedef struct {
    jw_t *w;
    char country[3], type[MODEL_TYPE_SZ];
    bool open_country, open_type;
    int64_t total;
} stats_ctx_t;

static int stats_row(const stats_row_t *r, void *ud)
{
    stats_ctx_t *s = ud;
    if (!s->open_country || strcmp(s->country, r->country_iso) != 0) {
        if (s->open_type) jw_obj_end(s->w);
        if (s->open_country) jw_obj_end(s->w);
        jw_key(s->w, r->country_iso);
        jw_obj(s->w);
        memcpy(s->country, r->country_iso, 3);
        s->open_country = true;
        s->open_type = false;
    }
    if (!s->open_type || strcmp(s->type, r->type) != 0) {
        if (s->open_type) jw_obj_end(s->w);
        jw_key(s->w, r->type);
        jw_obj(s->w);
        snprintf(s->type, sizeof s->type, "%s", r->type);
        s->open_type = true;
    }
    jw_kint(s->w, num_state_name(r->state), r->count);
    s->total += r->count;
    return C_OK;
}

void h_admin_inventory_stats(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    cerr_t e;
    jw_t w;
    if (api_admin_read_begin(req, resp, &w) != C_OK) return;
    stats_ctx_t s = {.w = &w};
    jw_obj(&w);
    jw_key(&w, "counts");
    jw_obj(&w);
    if (inv_stats(&ctx->core, stats_row, &s, &e) != C_OK) {
        api_core_error(req, resp, &e);
        return;
    }
    if (s.open_type) jw_obj_end(&w);
    if (s.open_country) jw_obj_end(&w);
    jw_obj_end(&w);
    jw_kint(&w, "total", s.total);
    jw_obj_end(&w);
}

typedef struct {
    const char *account, *country_iso, *number_type;
} compliance_in_t;

void h_admin_compliance_create(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD(compliance_in_t, account, API_STR),
        API_FIELD(compliance_in_t, country_iso, API_STR),
        API_FIELD(compliance_in_t, number_type, API_STR),
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    json_t *b = NULL;
    compliance_in_t in = {0};
    char id[IDS_UUID_SZ];
    cerr_t e;
    jw_t w;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_body(req, resp, fields, &in, &b) != C_OK) goto done;
    if (!in.account || !in.country_iso || !in.number_type) {
        api_error(req, resp, 400, "missing required parameter: account, country_iso and number_type are required");
        goto done;
    }
    if (compliance_create(&ctx->core, in.account, in.country_iso, in.number_type, id, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    api_json_begin(resp, &w, 201);
    jw_obj(&w);
    jw_kstr(&w, "compliance_id", id);
    jw_obj_end(&w);
done:
    json_decref(b);
}

void h_admin_number_approve(http_req_t *req, http_resp_t *resp)
{
    api_ctx_t *ctx = req->app;
    json_t *b = NULL;
    const char *given = http_param(req, "number");
    cerr_t e;
    jw_t w;
    char number[E164_BUFSZ];
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_body(req, resp, api_no_fields, NULL, &b) != C_OK) goto done;
    if (num_approve(&ctx->core, given, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    e164_parse(given, number, NULL);
    api_json_begin(resp, &w, 200);
    jw_obj(&w);
    jw_kstr(&w, "number", number);
    jw_kstr(&w, "status", "active");
    jw_obj_end(&w);
done:
    json_decref(b);
}

/* GET /admin/v1/numbers?status=pending: the numbers waiting for the
 * operator (or, with status=active, the numbers in use), every account's,
 * a page at a time by keyset: next_cursor is the last number of the page,
 * null on the last one.  Not an offset: approvals move numbers out of the
 * list while the operator pages through it. */
typedef struct {
    admnum_in_t in;
} admnum_query_t;

static void render_admin_number(jw_t *w, const admin_number_t *a)
{
    const owned_number_t *n = &a->n;
    jw_obj(w);
    jw_kstr(w, "number", n->inv.number);
    jw_kstr(w, "account", a->owner_auth_id);
    jw_kstr(w, "account_name", a->owner_name);
    jw_kstr_or_null(w, "sub_account", n->sub_auth_id);
    jw_kstr(w, "status", num_state_name(n->state));
    jw_kstr(w, "country_iso", n->inv.country_iso);
    jw_kstr(w, "type", n->inv.type);
    jw_kstr(w, "number_type", n->inv.sub_type);
    jw_kstr_or_null(w, "restriction", n->inv.restriction);
    jw_kstr_or_null(w, "restriction_text", n->inv.restriction_text);
    jw_kstr_or_null(w, "compliance_id", n->compliance_id);
    jw_kstr_or_null(w, "added_on", n->added_on);
    jw_obj_end(w);
}

void h_admin_number_list(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD_AS("status", admnum_query_t, in.status, API_STR),
        API_FIELD_AS("account", admnum_query_t, in.account, API_STR),
        API_FIELD_AS("cursor", admnum_query_t, in.cursor, API_STR),
        {"limit", API_KNOWN, 0, NULL},
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    admnum_query_t in = {0};
    json_t *q = NULL;
    admin_number_t *rows = NULL;
    size_t n = 0;
    int offset;
    char next[E164_BUFSZ];
    cerr_t e;
    jw_t w;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    /* offset is not a field here: api_paging reads none */
    if (api_paging(req, resp, q, NUM_ADMIN_MAX_LIMIT, API_BYOC_DEFAULT_LIMIT, &in.in.limit,
                   &offset) != C_OK)
        goto done;
    rows = xcalloc((size_t)in.in.limit + 1, sizeof *rows);
    if (num_admin_list(&ctx->core, &in.in, rows, &n, next, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    api_json_begin(resp, &w, 200);
    jw_obj(&w);
    jw_key(&w, "data");
    jw_arr(&w);
    for (size_t i = 0; i < n; i++) render_admin_number(&w, &rows[i]);
    jw_arr_end(&w);
    jw_kint(&w, "limit", in.in.limit);
    jw_kstr_or_null(&w, "next_cursor", next);
    jw_obj_end(&w);
done:
    free(rows);
    json_decref(q);
}

/* Operator actions: statuses that outside processes (10DLC registration,
 * toll-free verification, caller reputation) set on an owned number. */
void h_admin_number_status(http_req_t *req, http_resp_t *resp)
{
    static const api_field_t fields[] = {
        API_FIELD(numstatus_in_t, tendlc_registration_status, API_STR),
        API_FIELD(numstatus_in_t, tendlc_campaign_id, API_STR),
        API_FIELD(numstatus_in_t, toll_free_sms_verification, API_STR),
        API_FIELD(numstatus_in_t, caller_reputation_status, API_STR),
        API_FIELDS_END,
    };
    api_ctx_t *ctx = req->app;
    json_t *b = NULL;
    numstatus_in_t in = {0};
    owned_number_t *n = xmalloc(sizeof *n);
    char owner[IDS_AUTH_ID_SZ];
    cerr_t e;
    jw_t w;
    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_body(req, resp, fields, &in, &b) != C_OK) goto done;
    if (num_set_status(&ctx->core, http_param(req, "number"), &in, n, owner, &e) != C_OK) {
        api_core_error(req, resp, &e);
        goto done;
    }
    api_json_begin(resp, &w, 200);
    jw_obj(&w);
    jw_kstr(&w, "account", owner);
    api_render_account_number(&w, owner, n);
    jw_obj_end(&w);
done:
    free(n);
    json_decref(b);
}

/* ---- inventory import: staged, then applied at the server's pace ----
 *
 * The body is written to an anonymous temporary file as it arrives, and
 * only once it is complete is it imported, in batches of bounded time with
 * a rest between them (inv_import_pace).  Importing as the bytes came would hold
 * the write lock (SQLite's, PostgreSQL's inventory lock) at the client's
 * upload speed: one slow uploader would stop every purchase on every node.
 * Staging costs disk, not memory: up to the streamed-body cap (1 GiB) in
 * $TMPDIR (default /tmp), freed when the request ends, whatever happens. */

#define IMPORT_BATCH_MS 100   /* a batch's reading time, then as long to write it */
#define IMPORT_CHUNK 65536

typedef struct {
    FILE *spool;
    bool dry_run;
    bool failed;
    cerr_t err;
} import_state_t;

typedef struct {
    const char *dry_run;
} import_in_t;

/* An unlinked temporary file (mode 0600), gone when closed. */
static FILE *spool_open(cerr_t *e)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    if (dir == NULL || *dir == '\0' || strlen(dir) > sizeof path - 32) dir = "/tmp";
    snprintf(path, sizeof path, "%s/numberd-import.XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        cerr(e, CE_UNAVAILABLE, "cannot stage the upload in %s: %s", dir, strerror(errno));
        return NULL;
    }
    unlink(path);
    FILE *f = fdopen(fd, "w+b");
    if (f == NULL) {
        cerr(e, CE_UNAVAILABLE, "cannot stage the upload: %s", strerror(errno));
        close(fd);
    }
    return f;
}

static int import_open(http_req_t *req, http_resp_t *resp, void **state)
{
    static const api_field_t fields[] = {API_FIELD(import_in_t, dry_run, API_STR), API_FIELDS_END};
    json_t *q = NULL;
    import_in_t in = {0};
    int ret = C_ERR;

    if (api_auth_admin(req, resp) != C_OK) goto done;
    if (api_query(req, resp, fields, &in, &q) != C_OK) goto done;
    const char *dry = in.dry_run;
    if (dry && strcmp(dry, "true") != 0 && strcmp(dry, "false") != 0) {
        api_error(req, resp, 400, "invalid dry_run: want true or false");
        goto done;
    }
    const char *ct = req->content_type;
    if (ct == NULL || strncasecmp(ct, "text/csv", 8) != 0 || (ct[8] != '\0' && ct[8] != ';')) {
        api_error(req, resp, 415, "unsupported content type: want text/csv");
        goto done;
    }
    import_state_t *s = xcalloc(1, sizeof *s);
    s->dry_run = dry && strcmp(dry, "true") == 0;
    if ((s->spool = spool_open(&s->err)) == NULL) {
        api_core_error(req, resp, &s->err);
        free(s);
        goto done;
    }
    *state = s;
    ret = C_OK;
done:
    json_decref(q);
    return ret;
}

static int import_data(void *state, const char *data, size_t n)
{
    import_state_t *s = state;
    if (s->failed) return C_ERR;
    if (fwrite(data, 1, n, s->spool) != n) {
        cerr(&s->err, CE_UNAVAILABLE, "cannot stage the upload: %s", strerror(errno));
        s->failed = true;
    }
    return s->failed ? C_ERR : C_OK;
}

/* Imports the staged body; C_ERR with e. */
static int import_apply(api_ctx_t *ctx, import_state_t *s, inv_result_t *res, cerr_t *e)
{
    inv_import_t *im = NULL;
    char *chunk = NULL;
    int rc = C_ERR;
    if (fflush(s->spool) != 0 || fseek(s->spool, 0, SEEK_SET) != 0) {
        cerr(e, CE_UNAVAILABLE, "cannot stage the upload: %s", strerror(errno));
        goto done;
    }
    if (inv_import_begin(&ctx->core, s->dry_run, &im, e) != C_OK) goto done;
    inv_import_pace(im, IMPORT_BATCH_MS);
    chunk = xmalloc(IMPORT_CHUNK);
    size_t n;
    while ((n = fread(chunk, 1, IMPORT_CHUNK, s->spool)) > 0) {
        if (inv_import_feed(im, chunk, n, e) != C_OK) goto done;
    }
    if (ferror(s->spool)) {
        cerr(e, CE_UNAVAILABLE, "cannot read the staged upload");
        goto done;
    }
    rc = inv_import_end(im, res, e);
    im = NULL; /* freed by inv_import_end */
done:
    if (im) inv_import_abort(im);
    free(chunk);
    return rc;
}

static void import_close(void *state, http_req_t *req, http_resp_t *resp, bool aborted)
{
    import_state_t *s = state;
    inv_result_t res = {0};
    jw_t w;
    if (aborted) goto done; /* nothing was written: the upload never ended */
    /* close() runs on a thread of its own: the actor open() authenticated
     * (the admin token) is named again here, for the import's event */
    ev_actor_set("admin", "admin", api_request_id(req));
    if (s->failed || import_apply(req->app, s, &res, &s->err) != C_OK) {
        api_core_error(req, resp, &s->err);
        goto done;
    }
    api_json_begin(resp, &w, 200);
    api_render_import_result(&w, &res, s->dry_run);
    inv_result_free(&res);
done:
    fclose(s->spool);
    free(s);
}

const http_stream_ops_t admin_inventory_import_ops = {
    .open = import_open,
    .data = import_data,
    .close = import_close,
};
