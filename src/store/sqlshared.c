/* sqlshared.c -- see sqlshared.h. */
#include "store/sqlshared.h"

#include <stdio.h>
#include <string.h>

void sqls_prefix_hi(const char *p, char *out, size_t sz)
{
    snprintf(out, sz, "%s:", p);
}

int sqls_caps(const inv_number_t *v)
{
    return (v->voice ? 1 : 0) | (v->sms ? 2 : 0) | (v->mms ? 4 : 0);
}

/* ---- reading rows ---------------------------------------------------------------- */

#define TXT(r, field) (r)->ops->text((r), (field), sizeof(field))
#define I64(r) (r)->ops->i64((r), 0)
#define BOOL(r) (r)->ops->boolean(r)

void sqls_read_account(sqls_row_t *r, account_t *a)
{
    memset(a, 0, sizeof *a);
    a->id = I64(r);
    TXT(r, a->auth_id);
    a->parent_id = I64(r);
    TXT(r, a->name);
    a->enabled = BOOL(r);
    size_t n = 0;
    r->ops->blob(r, a->token_hash, sizeof a->token_hash, &n);
    if (n != IDS_HASH_SZ) memset(a->token_hash, 0, sizeof a->token_hash);
    a->created_at = I64(r);
    a->modified_at = I64(r);
    a->status = (int)I64(r);
    n = 0;
    r->ops->blob(r, a->old_token_hash, sizeof a->old_token_hash, &n);
    if (n != IDS_HASH_SZ) memset(a->old_token_hash, 0, sizeof a->old_token_hash);
    a->old_token_until = I64(r);
}

void sqls_read_apikey(sqls_row_t *r, apikey_t *k)
{
    memset(k, 0, sizeof *k);
    k->id = I64(r);
    k->account_id = I64(r);
    size_t n = 0;
    r->ops->blob(r, k->hash, sizeof k->hash, &n);
    if (n != IDS_HASH_SZ) memset(k->hash, 0, sizeof k->hash);
    TXT(r, k->prefix);
    TXT(r, k->label);
    k->scopes = (unsigned)I64(r);
    k->created_at = I64(r);
    k->expires_at = I64(r);
    k->last_used_at = I64(r);
    k->revoked_at = I64(r);
}

void sqls_read_event(sqls_row_t *r, event_t *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->id = I64(r);
    ev->ts = I64(r);
    TXT(r, ev->type);
    ev->account_id = I64(r);
    TXT(r, ev->account_auth_id);
    TXT(r, ev->object_type);
    TXT(r, ev->object_id);
    TXT(r, ev->actor_kind);
    TXT(r, ev->actor_id);
    TXT(r, ev->request_id);
    TXT(r, ev->data);
}

void sqls_read_inv(sqls_row_t *r, inv_number_t *v)
{
    memset(v, 0, sizeof *v);
    TXT(r, v->number);
    TXT(r, v->country_iso);
    TXT(r, v->type);
    TXT(r, v->sub_type);
    TXT(r, v->prefix);
    TXT(r, v->city);
    TXT(r, v->region);
    TXT(r, v->rate_center);
    v->lata = (int32_t)r->ops->i64(r, -1);
    v->voice = BOOL(r);
    v->sms = BOOL(r);
    v->mms = BOOL(r);
    /* money: NULL is "not set", -1 */
    v->setup_rate = r->ops->i64(r, -1);
    v->monthly_rental_rate = r->ops->i64(r, -1);
    v->voice_rate = r->ops->i64(r, -1);
    v->sms_rate = r->ops->i64(r, -1);
    v->mms_rate = r->ops->i64(r, -1);
    TXT(r, v->restriction);
    TXT(r, v->restriction_text);
    TXT(r, v->carrier);
}

void sqls_read_owned(sqls_row_t *r, owned_number_t *o)
{
    memset(o, 0, sizeof *o);
    sqls_read_inv(r, &o->inv);
    o->state = (num_state_t)I64(r);
    o->source = (num_source_t)I64(r);
    o->owner_id = I64(r);
    o->sub_id = I64(r);
    TXT(r, o->sub_auth_id);
    TXT(r, o->app_id);
    TXT(r, o->alias);
    TXT(r, o->added_on);
    TXT(r, o->renewal_date);
    TXT(r, o->compliance_id);
    TXT(r, o->cnam_lookup);
    TXT(r, o->cnam);
    TXT(r, o->cnam_callback_url);
    TXT(r, o->cnam_callback_method);
    TXT(r, o->caller_reputation_status);
    TXT(r, o->profile_uuid);
    TXT(r, o->cr_callback_url);
    TXT(r, o->cr_callback_method);
    TXT(r, o->tendlc_registration_status);
    TXT(r, o->tendlc_campaign_id);
    TXT(r, o->toll_free_sms_verification);
    o->carrier_id = I64(r);
    o->created_at = I64(r);
    o->updated_at = I64(r);
    TXT(r, o->byoc_id);
    TXT(r, o->label);
    TXT(r, o->carrier_sid);
    TXT(r, o->sub_name);
}

void sqls_read_app(sqls_row_t *r, app_t *a)
{
    memset(a, 0, sizeof *a);
    TXT(r, a->app_id);
    a->account_id = I64(r);
    a->sub_id = I64(r);
    TXT(r, a->sub_auth_id);
    TXT(r, a->app_name);
    TXT(r, a->answer_url);
    TXT(r, a->answer_method);
    TXT(r, a->hangup_url);
    TXT(r, a->hangup_method);
    TXT(r, a->fallback_answer_url);
    TXT(r, a->fallback_method);
    TXT(r, a->message_url);
    TXT(r, a->message_method);
    a->default_number_app = BOOL(r);
    a->default_endpoint_app = BOOL(r);
    a->public_uri = BOOL(r);
    a->log_incoming_messages = BOOL(r);
    a->created_at = I64(r);
    a->modified_at = I64(r);
    a->is_voice_request = BOOL(r);
}

void sqls_read_compliance(sqls_row_t *r, compliance_t *c)
{
    memset(c, 0, sizeof *c);
    TXT(r, c->id);
    c->account_id = I64(r);
    TXT(r, c->country_iso);
    TXT(r, c->number_type);
    c->approved = BOOL(r);
    c->created_at = I64(r);
}

void sqls_read_carrier(sqls_row_t *r, carrier_t *c)
{
    memset(c, 0, sizeof *c);
    c->id = I64(r);
    TXT(r, c->uuid);
    TXT(r, c->voip_sid);
    TXT(r, c->carrier_id);
    c->account_id = I64(r);
    c->sub_id = I64(r);
    TXT(r, c->sub_auth_id);
    TXT(r, c->name);
    c->trunk = (trunk_type_t)I64(r);
    c->voice = BOOL(r);
    c->sms = BOOL(r);
    TXT(r, c->in_user);
    r->ops->blob(r, c->in_box, sizeof c->in_box, &c->in_box_len);
    TXT(r, c->reg_user);
    r->ops->blob(r, c->reg_box, sizeof c->reg_box, &c->reg_box_len);
    TXT(r, c->reg_realm);
    TXT(r, c->reg_from_user);
    TXT(r, c->reg_from_domain);
    c->reg_expires = (int)I64(r);
    c->created_at = I64(r);
    c->updated_at = I64(r);
    c->nnumbers = I64(r);
    TXT(r, c->out_user);
    r->ops->blob(r, c->out_box, sizeof c->out_box, &c->out_box_len);
    TXT(r, c->out_realm);
}

void sqls_read_stats(sqls_row_t *r, stats_row_t *s)
{
    memset(s, 0, sizeof *s);
    TXT(r, s->country_iso);
    TXT(r, s->type);
    s->state = (num_state_t)I64(r);
    s->count = I64(r);
}

int sqls_each_rate(sqls_row_t *r, void *arg)
{
    sqls_rate_walk_t *w = arg;
    char type[MODEL_TYPE_SZ];
    TXT(r, type);
    int64_t rate = r->ops->i64(r, -1);
    return w->cb(type, rate, w->ud);
}

int sqls_each_restriction(sqls_row_t *r, void *arg)
{
    sqls_restriction_walk_t *w = arg;
    char r1[MODEL_RESTRICTION_SZ], r2[MODEL_RESTRICTION_TEXT_SZ];
    TXT(r, r1);
    TXT(r, r2);
    return w->cb(r1, r2, w->ud);
}

/* Row i of an array of T, read by sqls_read_T. */
#define ROWS_READER(T, type)                                    \
    void sqls_rd_##T(sqls_row_t *r, void *rows, size_t i)       \
    {                                                           \
        sqls_read_##T(r, &((type *)rows)[i]);                   \
    }

ROWS_READER(account, account_t)
ROWS_READER(inv, inv_number_t)
ROWS_READER(owned, owned_number_t)
ROWS_READER(app, app_t)
ROWS_READER(compliance, compliance_t)
ROWS_READER(carrier, carrier_t)

void sqls_rd_admin_number(sqls_row_t *r, void *rows, size_t i)
{
    admin_number_t *a = &((admin_number_t *)rows)[i];
    sqls_read_owned(r, &a->n);
    TXT(r, a->owner_auth_id);
    TXT(r, a->owner_name);
}

void sqls_rd_reg(sqls_row_t *r, void *rows, size_t i)
{
    reg_status_t *g = &((reg_status_t *)rows)[i];
    memset(g, 0, sizeof *g);
    g->carrier_id = I64(r);
    g->state = (reg_state_t)I64(r);
    g->last_code = (int)I64(r);
    TXT(r, g->reason);
    g->expires_at = I64(r);
    g->last_attempt_at = I64(r);
    g->next_attempt_at = I64(r);
    g->failures = (int)I64(r);
    TXT(r, g->node);
    g->updated_at = I64(r);
    TXT(r, g->carrier_uuid);
    TXT(r, g->carrier_name);
    TXT(r, g->account_auth_id);
    TXT(r, g->registrar_ip);
}
ROWS_READER(apikey, apikey_t)
