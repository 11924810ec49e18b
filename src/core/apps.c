/* apps.c -- applications that numbers point at (API.md §2.6). */
#include "core/apps.h"
#include "core/core_int.h"
#include "core/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"

static int set_url(const char *in, const char *param, char *out, cerr_t *e)
{
    if (in[0] && !core_http_url_ok(in))
        return cerr(e, CE_INVALID, "invalid %s: want an absolute http(s) URL", param);
    snprintf(out, MODEL_URL_SZ, "%s", in);
    return C_OK;
}

/* Applies the given fields of in to a (validated); a->account_id is set. */
static int apply(core_t *c, const account_t *caller, app_t *a, const app_in_t *in, cerr_t *e)
{
    if (in->app_name) {
        if (!core_text_fits(in->app_name, 64, MODEL_NAME_SZ))
            return cerr(e, CE_INVALID, "invalid app_name: 1-64 characters, no control characters");
        snprintf(a->app_name, sizeof a->app_name, "%s", in->app_name);
    }
    if (in->answer_url) {
        if (in->answer_url[0] == '\0') return cerr(e, CE_INVALID, "invalid answer_url: required");
        if (set_url(in->answer_url, "answer_url", a->answer_url, e) != C_OK) return C_ERR;
    }
    struct { const char *v, *name; char *dst; } urls[] = {
        {in->hangup_url, "hangup_url", a->hangup_url},
        {in->fallback_answer_url, "fallback_answer_url", a->fallback_answer_url},
        {in->message_url, "message_url", a->message_url},
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(urls); i++)
        if (urls[i].v && set_url(urls[i].v, urls[i].name, urls[i].dst, e) != C_OK) return C_ERR;
    struct { const char *v, *name; char *dst; } methods[] = {
        {in->answer_method, "answer_method", a->answer_method},
        {in->hangup_method, "hangup_method", a->hangup_method},
        {in->fallback_method, "fallback_method", a->fallback_method},
        {in->message_method, "message_method", a->message_method},
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(methods); i++)
        if (methods[i].v && core_parse_method(methods[i].v, methods[i].name, methods[i].dst, e) != C_OK) return C_ERR;
    if (in->default_number_app >= 0) {
        /* the default is the main account's: its purchases use it */
        if (caller->parent_id && in->default_number_app)
            return cerr(e, CE_FORBIDDEN, "only the main account can set default_number_app");
        a->default_number_app = in->default_number_app;
    }
    if (in->default_endpoint_app >= 0) a->default_endpoint_app = in->default_endpoint_app;
    if (in->public_uri >= 0) a->public_uri = in->public_uri;
    if (in->log_incoming_messages >= 0) a->log_incoming_messages = in->log_incoming_messages;
    if (in->is_voice_request >= 0) a->is_voice_request = in->is_voice_request;
    if (in->subaccount) {
        if (caller->parent_id)
            return cerr(e, CE_FORBIDDEN, "a subaccount cannot assign applications to subaccounts");
        /* sub_auth_id with sub_id: the event's diff reads it */
        if (in->subaccount[0] == '\0') {
            a->sub_id = 0;
        } else if (core_resolve_sub(c, caller, in->subaccount, &a->sub_id, "subaccount", e) != C_OK) {
            return C_ERR;
        }
        snprintf(a->sub_auth_id, sizeof a->sub_auth_id, "%s", in->subaccount);
    }
    return C_OK;
}

/* Writes a (insert or update) inside the caller's write transaction,
 * clearing the previous default application first when a is the default
 * -- a change of that application too, with its own application.updated
 * (it had none: a helper's audit, session 38). */
static int save(core_t *c, app_t *a, bool insert, cerr_t *e)
{
    store_t *st = c->st;
    if (a->default_number_app) {
        char was[MODEL_APP_ID_SZ] = "";
        int rc = st->ops->app_default(st, a->account_id, was);
        if (rc != ST_OK && rc != ST_NOTFOUND) return core_st(e, rc, NULL);
        if (rc == ST_OK && was[0] && strcmp(was, a->app_id) != 0) {
            ev_data_t d;
            ev_data_init(&d);
            ev_data_bool(&d, "default_number_app", true, false);
            if (ev_emit(c, "application.updated", a->account_id, "application", was, &d, e) != C_OK)
                return C_ERR;
        }
        if (st->ops->app_clear_default(st, a->account_id) != ST_OK) return core_st(e, ST_ERR, NULL);
    }
    int rc = insert ? st->ops->app_insert(st, a) : st->ops->app_update(st, a);
    if (rc == ST_CONFLICT)
        return cerr(e, CE_CONFLICT, "an application named %s already exists", a->app_name);
    return core_st(e, rc, NULL);
}

/* The fields of an application that changed between a and b. */
static void app_diff(ev_data_t *d, const app_t *a, const app_t *b)
{
    ev_data_str(d, "app_name", a->app_name, b->app_name);
    ev_data_str(d, "subaccount", a->sub_auth_id, b->sub_auth_id);
    ev_data_str(d, "answer_url", a->answer_url, b->answer_url);
    ev_data_str(d, "answer_method", a->answer_method, b->answer_method);
    ev_data_str(d, "hangup_url", a->hangup_url, b->hangup_url);
    ev_data_str(d, "hangup_method", a->hangup_method, b->hangup_method);
    ev_data_str(d, "fallback_answer_url", a->fallback_answer_url, b->fallback_answer_url);
    ev_data_str(d, "fallback_method", a->fallback_method, b->fallback_method);
    ev_data_str(d, "message_url", a->message_url, b->message_url);
    ev_data_str(d, "message_method", a->message_method, b->message_method);
    ev_data_bool(d, "is_voice_request", a->is_voice_request, b->is_voice_request);
    ev_data_bool(d, "default_number_app", a->default_number_app, b->default_number_app);
    ev_data_bool(d, "default_endpoint_app", a->default_endpoint_app, b->default_endpoint_app);
    ev_data_bool(d, "public_uri", a->public_uri, b->public_uri);
    ev_data_bool(d, "log_incoming_messages", a->log_incoming_messages, b->log_incoming_messages);
}

int app_create(core_t *c, const account_t *caller, const app_in_t *in, app_t *out, cerr_t *e)
{
    store_t *st = c->st;
    memset(out, 0, sizeof *out);
    if (!in->app_name) return cerr(e, CE_INVALID, "missing required parameter: app_name");
    if (!in->answer_url) return cerr(e, CE_INVALID, "missing required parameter: answer_url");
    out->account_id = core_owner_id(caller);
    out->sub_id = core_sub_id(caller);
    if (caller->parent_id) snprintf(out->sub_auth_id, sizeof out->sub_auth_id, "%s", caller->auth_id);
    memcpy(out->answer_method, "POST", 5);
    memcpy(out->hangup_method, "POST", 5);
    memcpy(out->fallback_method, "POST", 5);
    memcpy(out->message_method, "POST", 5);
    out->log_incoming_messages = true;
    out->created_at = out->modified_at = clock_now();
    if (apply(c, caller, out, in, e) != C_OK) return C_ERR;
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = C_ERR;
    for (int tries = 0; tries < 5; tries++) {
        ids_digits(out->app_id, 17);
        rc = save(c, out, true, e);
        /* a name conflict is final; an id collision (astronomically rare) retries */
        if (rc == C_OK || e->code != CE_CONFLICT) break;
        app_t same;
        int g = st->ops->app_get(st, out->account_id, 0, out->app_id, &same);
        /* the database failed while telling the two apart: a fault, not
         * the name conflict e says */
        if (g == ST_ERR) {
            rc = core_st(e, ST_ERR, NULL);
            break;
        }
        if (g != ST_OK) break;
    }
    if (rc == C_OK) {
        app_t none;
        memset(&none, 0, sizeof none);
        ev_data_t d;
        ev_data_init(&d);
        app_diff(&d, &none, out);
        ev_data_drop_before(&d);
        rc = ev_emit(c, "application.created", out->account_id, "application", out->app_id, &d, e);
    }
    return core_end(c, rc, e);
}

int app_list(core_t *c, const account_t *caller, const char *app_name, const char *subaccount,
             int limit, int offset, app_t *rows, size_t *nrows, int64_t *total, cerr_t *e)
{
    int64_t sub_id = core_sub_id(caller);
    if (app_name && !core_text_ok(app_name, 64)) return cerr(e, CE_INVALID, "invalid app_name");
    if (subaccount) {
        if (caller->parent_id) {
            /* a subaccount sees only its own applications anyway */
            if (strcmp(subaccount, caller->auth_id) != 0)
                return cerr(e, CE_INVALID, "invalid subaccount: %.32s", subaccount);
        } else if (core_resolve_sub(c, caller, subaccount, &sub_id, "subaccount", e) != C_OK) {
            return C_ERR;
        }
    }
    return core_st(e, c->st->ops->app_list(c->st, core_owner_id(caller), sub_id, app_name, limit,
                                           offset, rows, nrows, total), NULL);
}

static int load(core_t *c, const account_t *caller, const char *app_id, app_t *out, cerr_t *e)
{
    size_t n = strlen(app_id);
    if (n == 0 || n >= MODEL_APP_ID_SZ || !nd_all_digits(app_id, n)) return cerr(e, CE_NOTFOUND, "not found");
    int rc = c->st->ops->app_get(c->st, core_owner_id(caller), core_sub_id(caller), app_id, out);
    return core_st(e, rc, NULL); /* ST_NOTFOUND: "not found" */
}

int app_get(core_t *c, const account_t *caller, const char *app_id, app_t *out, cerr_t *e)
{
    return load(c, caller, app_id, out, e);
}

static int app_update_once(core_t *c, const account_t *caller, const char *app_id,
                           const app_in_t *in, cerr_t *e)
{
    app_t a;
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = load(c, caller, app_id, &a, e);
    app_t was = a;
    if (rc == C_OK) rc = apply(c, caller, &a, in, e);
    if (rc == C_OK) {
        a.modified_at = clock_now();
        rc = save(c, &a, false, e);
    }
    if (rc == C_OK) {
        ev_data_t d;
        ev_data_init(&d);
        app_diff(&d, &was, &a);
        if (d.na || d.nb)
            rc = ev_emit(c, "application.updated", a.account_id, "application", a.app_id, &d, e);
        else
            ev_data_free(&d); /* nothing changed: no event */
    }
    return core_end(c, rc, e);
}

/* It locks the application, then the subaccount it moves it to; a
 * number's update takes them the other way (core/owned.c, lock_refs). */
int app_update(core_t *c, const account_t *caller, const char *app_id, const app_in_t *in,
               cerr_t *e)
{
    int r, tries = 0;
    do r = app_update_once(c, caller, app_id, in, e);
    while (r != C_OK && core_retry(c, &tries, e));
    return r;
}

int app_unlinked_add(const char *number, void *ud)
{
    core_numset_t *s = ud;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->nums = xrealloc(s->nums, s->cap * sizeof *s->nums);
    }
    snprintf(s->nums[s->n++], E164_BUFSZ, "%s", number);
    return C_OK;
}

void core_numset_free(core_numset_t *s)
{
    free(s->nums);
    memset(s, 0, sizeof *s);
}

int app_unlinked_events(core_t *c, int64_t account_id, const char *app_id,
                        const core_numset_t *s, cerr_t *e)
{
    for (size_t i = 0; i < s->n; i++) {
        ev_data_t d;
        ev_data_init(&d);
        ev_data_str(&d, "app_id", app_id, NULL);
        if (ev_emit(c, "number.updated", account_id, "number", s->nums[i], &d, e) != C_OK)
            return C_ERR;
    }
    return C_OK;
}

static int app_delete_once(core_t *c, const account_t *caller, const char *app_id, cerr_t *e)
{
    app_t a;
    core_numset_t unlinked = {0};
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = load(c, caller, app_id, &a, e);
    if (rc == C_OK &&
        c->st->ops->app_delete(c->st, a.account_id, a.app_id, app_unlinked_add, &unlinked) != ST_OK)
        rc = core_st(e, ST_ERR, NULL);
    /* the numbers it leaves change too: number.updated each */
    if (rc == C_OK) rc = app_unlinked_events(c, a.account_id, a.app_id, &unlinked, e);
    core_numset_free(&unlinked);
    if (rc == C_OK) {
        ev_data_t d;
        ev_data_init(&d);
        ev_data_before_str(&d, "app_name", a.app_name);
        rc = ev_emit(c, "application.deleted", a.account_id, "application", a.app_id, &d, e);
    }
    return core_end(c, rc, e);
}

/* It locks the application, then its numbers: a number's update that
 * took them the other way (before lock_refs, core/owned.c) or a
 * subaccount's delete may meet it, and PostgreSQL aborts one of them. */
int app_delete(core_t *c, const account_t *caller, const char *app_id, cerr_t *e)
{
    int r, tries = 0;
    do r = app_delete_once(c, caller, app_id, e);
    while (r != C_OK && core_retry(c, &tries, e));
    return r;
}
