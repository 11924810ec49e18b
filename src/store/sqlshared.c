/* sqlshared.c -- see sqlshared.h. */
#include "store/sqlshared.h"

#include <stddef.h>
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

int sqls_setting_put_new_end(store_t *st, int rc, int64_t inserted, const char *name,
                             const char *value, char *out, size_t outsz)
{
    if (rc != ST_OK) return rc;
    if (inserted == 1) {
        snprintf(out, outsz, "%s", value);
        return ST_OK;
    }
    rc = st->ops->setting_get(st, name, out, outsz);
    return rc == ST_OK ? ST_CONFLICT : ST_ERR;
}

/* ---- reading rows ---------------------------------------------------------------- */

#define TXT(r, field) (r)->ops->text((r), (field), sizeof(field))
#define I64(r) (r)->ops->i64((r), 0)

/* A record is read by a table of its fields, one per column in the order
 * of its column list: the table says where each value goes and how it is
 * read, and one loop (sqls_read_fields) reads every record type. */
typedef enum {
    F_TEXT,         /* text, truncated to the member's size; NULL: "" */
    F_INT,          /* an integer of the member's size (int64_t, int, an enum); NULL: 0 */
    F_INT_OR_NONE,  /* the same, NULL: -1 (money not set, no LATA) */
    F_BOOL,         /* a bool member */
    F_HASH,         /* IDS_HASH_SZ bytes; all zero when NULL or another size */
    F_BLOB,         /* bytes, their length in the size_t member at len */
    F_INV,          /* an inv_number_t: the columns of SQLS_INV_COLS */
} field_kind_t;

typedef struct {
    field_kind_t kind;
    size_t off, sz;
    size_t len;     /* F_BLOB: offset of the length member */
} sqls_field_t;

/* The entries of a table of the record type REC (RECORD_READER's), by
 * member name. */
#define MEMBER_SZ(m) sizeof(((REC *)0)->m)
#define TEXT(m) {F_TEXT, offsetof(REC, m), MEMBER_SZ(m), 0}
#define INT(m) {F_INT, offsetof(REC, m), MEMBER_SZ(m), 0}
#define INT_OR_NONE(m) {F_INT_OR_NONE, offsetof(REC, m), MEMBER_SZ(m), 0}
#define BOOL(m) {F_BOOL, offsetof(REC, m), MEMBER_SZ(m), 0}
#define HASH(m) {F_HASH, offsetof(REC, m), MEMBER_SZ(m), 0}
#define BLOB(m, len) {F_BLOB, offsetof(REC, m), MEMBER_SZ(m), offsetof(REC, len)}
#define INV(m) {F_INV, offsetof(REC, m), MEMBER_SZ(m), 0}

/* An integer into a member of sz bytes (the sizes of the record types'
 * integer members; a table naming another stops numberd at its first row). */
static void put_int(void *p, size_t sz, int64_t v)
{
    switch (sz) {
    case 8: *(int64_t *)p = v; break;
    case 4: *(int32_t *)p = (int32_t)v; break;
    default: nd_panic("sqlshared: an integer member of %zu bytes", sz);
    }
}

/* One copy for every reader (noinline): inlined into each RECORD_READER,
 * GCC 12 at -O3 (Release) follows the F_INV branch into records that have
 * no such member and stops the build with a false -Warray-bounds. */
__attribute__((noinline)) static void sqls_read_fields(sqls_row_t *r, void *rec, const sqls_field_t *f,
                                                       size_t n)
{
    char *base = rec;
    for (size_t i = 0; i < n; i++) {
        char *p = base + f[i].off;
        size_t got = 0;
        switch (f[i].kind) {
        case F_TEXT: r->ops->text(r, p, f[i].sz); break;
        case F_INT: put_int(p, f[i].sz, r->ops->i64(r, 0)); break;
        case F_INT_OR_NONE: put_int(p, f[i].sz, r->ops->i64(r, -1)); break;
        case F_BOOL: *(bool *)p = r->ops->boolean(r); break;
        case F_HASH:
            r->ops->blob(r, (uint8_t *)p, f[i].sz, &got);
            if (got != IDS_HASH_SZ) memset(p, 0, f[i].sz);
            break;
        case F_BLOB: r->ops->blob(r, (uint8_t *)p, f[i].sz, (size_t *)(base + f[i].len)); break;
        case F_INV: sqls_read_inv(r, (inv_number_t *)p); break;
        }
    }
}

/* Defines sqls_read_<name>(r, T *rec): rec zeroed, then filled by its
 * fields, the variadic arguments (TEXT(member), INT(member), ...), in the
 * order of the record's column list. */
#define RECORD_READER(name, T, ...)                                     \
    void sqls_read_##name(sqls_row_t *r, T *rec)                        \
    {                                                                   \
        typedef T REC;                                                  \
        static const sqls_field_t fields[] = {__VA_ARGS__};             \
        memset(rec, 0, sizeof *rec);                                    \
        sqls_read_fields(r, rec, fields, ND_ARRAY_LEN(fields));         \
    }

RECORD_READER(account, account_t,
    INT(id), TEXT(auth_id), INT(parent_id), TEXT(name), BOOL(enabled), HASH(token_hash),
    INT(created_at), INT(modified_at), INT(status), HASH(old_token_hash), INT(old_token_until))

RECORD_READER(event, event_t,
    INT(id), INT(ts), TEXT(type), INT(account_id), TEXT(account_auth_id), TEXT(object_type),
    TEXT(object_id), TEXT(actor_kind), TEXT(actor_id), TEXT(request_id), TEXT(data))

RECORD_READER(apikey, apikey_t,
    INT(id), INT(account_id), HASH(hash), TEXT(prefix), TEXT(label), INT(scopes), INT(created_at),
    INT(expires_at), INT(last_used_at), INT(revoked_at))

RECORD_READER(inv, inv_number_t,
    TEXT(number), TEXT(country_iso), TEXT(type), TEXT(sub_type), TEXT(prefix), TEXT(city),
    TEXT(region), TEXT(rate_center), INT_OR_NONE(lata), BOOL(voice), BOOL(sms), BOOL(mms),
    INT_OR_NONE(setup_rate), INT_OR_NONE(monthly_rental_rate), INT_OR_NONE(voice_rate),
    INT_OR_NONE(sms_rate), INT_OR_NONE(mms_rate), TEXT(restriction), TEXT(restriction_text),
    TEXT(carrier))

RECORD_READER(owned, owned_number_t,
    INV(inv), INT(state), INT(source), INT(owner_id), INT(sub_id), TEXT(sub_auth_id), TEXT(app_id),
    TEXT(alias), TEXT(added_on), TEXT(renewal_date), TEXT(compliance_id), TEXT(cnam_lookup),
    TEXT(cnam), TEXT(cnam_callback_url), TEXT(cnam_callback_method),
    TEXT(caller_reputation_status), TEXT(profile_uuid), TEXT(cr_callback_url),
    TEXT(cr_callback_method), TEXT(tendlc_registration_status), TEXT(tendlc_campaign_id),
    TEXT(toll_free_sms_verification), INT(carrier_id), INT(created_at), INT(updated_at),
    TEXT(byoc_id), TEXT(label), TEXT(carrier_sid), TEXT(sub_name), TEXT(app_auth_id))

RECORD_READER(owned_brief, owned_number_t,
    INV(inv), INT(state), TEXT(sub_auth_id), TEXT(app_id), TEXT(alias), TEXT(added_on),
    TEXT(renewal_date), TEXT(compliance_id), TEXT(cnam_lookup), TEXT(cnam),
    TEXT(caller_reputation_status), TEXT(profile_uuid), TEXT(tendlc_registration_status),
    TEXT(tendlc_campaign_id), TEXT(toll_free_sms_verification), TEXT(sub_name), TEXT(app_auth_id))

RECORD_READER(app, app_t,
    TEXT(app_id), INT(account_id), INT(sub_id), TEXT(sub_auth_id), TEXT(app_name),
    TEXT(answer_url), TEXT(answer_method), TEXT(hangup_url), TEXT(hangup_method),
    TEXT(fallback_answer_url), TEXT(fallback_method), TEXT(message_url), TEXT(message_method),
    BOOL(default_number_app), BOOL(default_endpoint_app), BOOL(public_uri),
    BOOL(log_incoming_messages), INT(created_at), INT(modified_at), BOOL(is_voice_request))

RECORD_READER(compliance, compliance_t,
    TEXT(id), INT(account_id), TEXT(country_iso), TEXT(number_type), BOOL(approved),
    INT(created_at))

RECORD_READER(carrier, carrier_t,
    INT(id), TEXT(uuid), TEXT(voip_sid), TEXT(carrier_id), INT(account_id), INT(sub_id),
    TEXT(sub_auth_id), TEXT(name), INT(trunk), BOOL(voice), BOOL(sms), TEXT(in_user),
    BLOB(in_box, in_box_len), TEXT(reg_user), BLOB(reg_box, reg_box_len), TEXT(reg_realm),
    TEXT(reg_from_user), TEXT(reg_from_domain), INT(reg_expires), INT(created_at), INT(updated_at),
    INT(nnumbers), TEXT(out_user), BLOB(out_box, out_box_len), TEXT(out_realm), BOOL(incoming),
    TEXT(registrar_ip))

RECORD_READER(sbc_num, sbc_numrow_t,
    TEXT(number), INT(owner_id), INT(sub_id), INT(carrier_id), TEXT(app_id), TEXT(byoc_id),
    BOOL(voice))

void sqls_read_sbc_change(sqls_row_t *r, sbc_change_t *ch)
{
    char kind[4];
    memset(ch, 0, sizeof *ch);
    ch->seq = I64(r);
    TXT(r, kind);
    ch->kind = kind[0] ? kind[0] : '?';
    TXT(r, ch->key);
}

RECORD_READER(stats, stats_row_t,
    TEXT(country_iso), TEXT(type), INT(state), INT(count))

#define SQLS_WALKER_DEF(name, rec_t, read)             \
    int sqls_walk_##name(sqls_row_t *r, void *arg)     \
    {                                                  \
        sqls_walk_##name##_t *w = arg;                 \
        rec_t rec;                                     \
        read(r, &rec);                                 \
        return w->cb(&rec, w->ud);                     \
    }
SQLS_WALKER_DEF(account, account_t, sqls_read_account)
SQLS_WALKER_DEF(compliance, compliance_t, sqls_read_compliance)
SQLS_WALKER_DEF(inv, inv_number_t, sqls_read_inv)
SQLS_WALKER_DEF(stats, stats_row_t, sqls_read_stats)
SQLS_WALKER_DEF(app, app_t, sqls_read_app)
SQLS_WALKER_DEF(sbc_num, sbc_numrow_t, sqls_read_sbc_num)
SQLS_WALKER_DEF(sbc_change, sbc_change_t, sqls_read_sbc_change)
SQLS_WALKER_DEF(event, event_t, sqls_read_event)

int sqls_each_carrier(sqls_row_t *r, void *arg)
{
    sqls_carrier_walk_t *w = arg;
    carrier_t c;
    w->rd(r, &c, 0);
    w->rc = (!w->gateways || w->gateways(w->ctx, &c) == ST_OK) ? w->cb(&c, w->ud) : C_ERR;
    carrier_clear(&c);
    return w->rc;
}

int sqls_each_rate(sqls_row_t *r, void *arg)
{
    sqls_rate_walk_t *w = arg;
    char type[MODEL_TYPE_SZ];
    TXT(r, type);
    int64_t rate = r->ops->i64(r, -1);
    return w->cb(type, rate, w->ud);
}

int sqls_each_row(sqls_row_t *r, void *arg)
{
    sqls_rows_walk_t *w = arg;
    if (w->n >= w->max) return C_ERR;
    w->rd(r, w->rows, w->n++);
    return C_OK;
}

int sqls_each_id(sqls_row_t *r, void *arg)
{
    sqls_ids_walk_t *w = arg;
    if (w->n >= w->max) return C_ERR;
    w->ids[w->n++] = I64(r);
    return C_OK;
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
ROWS_READER(owned_brief, owned_number_t)
ROWS_READER(app, app_t)
ROWS_READER(compliance, compliance_t)
ROWS_READER(carrier, carrier_t)
ROWS_READER(sbc_num, sbc_numrow_t)

/* The operator's number list: an owned number, then its owner's auth_id
 * and name (SQLS_ADMNUM_SELECT). */
void sqls_rd_admin_number(sqls_row_t *r, void *rows, size_t i)
{
    admin_number_t *a = &((admin_number_t *)rows)[i];
    sqls_read_owned(r, &a->n);
    TXT(r, a->owner_auth_id);
    TXT(r, a->owner_name);
}

RECORD_READER(reg, reg_status_t,
    INT(carrier_id), INT(state), INT(last_code), TEXT(reason), INT(expires_at),
    INT(last_attempt_at), INT(next_attempt_at), INT(failures), TEXT(node), INT(updated_at),
    TEXT(carrier_uuid), TEXT(carrier_name), TEXT(account_auth_id), TEXT(registrar_ip))
ROWS_READER(reg, reg_status_t)
ROWS_READER(apikey, apikey_t)

RECORD_READER(renewal, renewal_row_t, TEXT(number), TEXT(added_on), TEXT(renewal_date),
              INT(owner_id))
ROWS_READER(renewal, renewal_row_t)

RECORD_READER(probe_target, probe_target_t,
    INT(carrier_id), INT(interval), TEXT(sid), TEXT(address), INT(port), INT(transport),
    INT(account_id))
RECORD_READER(health, gw_health_t,
    TEXT(sid), INT(carrier_id), INT(state), INT(misses), INT(last_code), INT(last_probe_at),
    INT(updated_at))
ROWS_READER(health, gw_health_t)

void sqls_rd_probe_target(sqls_row_t *r, void *rows, size_t i)
{
    probe_target_t *t = (probe_target_t *)rows + i;
    sqls_read_probe_target(r, t);
    /* a code this release does not know probes over the default */
    if (t->transport != GW_TP_TCP) t->transport = GW_TP_UDP;
}

void sqls_rd_int(sqls_row_t *r, void *rows, size_t i)
{
    ((int *)rows)[i] = (int)I64(r);
}

void sqls_rd_wh_endpoint(sqls_row_t *r, void *rows, size_t i)
{
    wh_endpoint_t *ep = &((wh_endpoint_t *)rows)[i];
    memset(ep, 0, sizeof *ep);
    ep->id = I64(r);
    TXT(r, ep->uid);
    ep->owner_id = I64(r);
    ep->account_id = I64(r);
    TXT(r, ep->url);
    TXT(r, ep->description);
    TXT(r, ep->event_types);
    ep->enabled = I64(r) != 0;
    TXT(r, ep->disabled_reason);
    r->ops->blob(r, ep->secret, sizeof ep->secret, &ep->secret_len);
    r->ops->blob(r, ep->old_secret, sizeof ep->old_secret, &ep->old_secret_len);
    ep->old_secret_until = I64(r);
    ep->fail_count = (int)I64(r);
    ep->fail_since = I64(r);
    ep->created_at = I64(r);
    ep->updated_at = I64(r);
    ep->start_event_id = I64(r);
    ep->fan_enabled = I64(r) != 0;
    TXT(r, ep->fan_types);
    TXT(r, ep->fan_account);
}

void sqls_rd_wh_delivery(sqls_row_t *r, void *rows, size_t i)
{
    wh_delivery_t *d = &((wh_delivery_t *)rows)[i];
    memset(d, 0, sizeof *d);
    d->id = I64(r);
    d->endpoint_id = I64(r);
    d->event_id = I64(r);
    TXT(r, d->event_type);
    TXT(r, d->object_key);
    d->state = (whd_state_t)I64(r);
    d->attempts = (int)I64(r);
    d->next_at_ms = I64(r);
    d->leased_until_ms = I64(r);
    d->last_status = (int)I64(r);
    TXT(r, d->last_error);
    d->last_at = I64(r);
    d->created_at = I64(r);
    d->delivered_at = I64(r);
}

int sqls_fill(sqls_row_t *r, void *arg)
{
    sqls_fill_t *f = arg;
    if (f->n >= f->max) return C_ERR;
    f->rd(r, f->rows, f->n++);
    return C_OK;
}

int sqls_each_number(sqls_row_t *r, void *arg)
{
    sqls_number_walk_t *w = arg;
    char number[E164_BUFSZ];
    r->ops->text(r, number, sizeof number);
    w->n++;
    int rc = w->cb ? w->cb(number, w->ud) : C_OK;
    return w->every ? C_OK : rc;
}

void sqls_rd_wh_run(sqls_row_t *r, void *rows, size_t i)
{
    sqls_wh_run_t *o = (sqls_wh_run_t *)rows + i;
    o->count = (int)r->ops->i64(r, 0);
    o->since = r->ops->i64(r, 0);
}
