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
} field_kind_t;

typedef struct {
    field_kind_t kind;
    size_t off, sz;
    size_t len;     /* F_BLOB: offset of the length member */
} sqls_field_t;

#define MEMBER_SZ(T, m) sizeof(((T *)0)->m)
#define SQLS_F_TEXT(T, m) {F_TEXT, offsetof(T, m), MEMBER_SZ(T, m), 0}
#define SQLS_F_INT(T, m) {F_INT, offsetof(T, m), MEMBER_SZ(T, m), 0}
#define SQLS_F_INT_OR_NONE(T, m) {F_INT_OR_NONE, offsetof(T, m), MEMBER_SZ(T, m), 0}
#define SQLS_F_BOOL(T, m) {F_BOOL, offsetof(T, m), MEMBER_SZ(T, m), 0}
#define SQLS_F_HASH(T, m) {F_HASH, offsetof(T, m), MEMBER_SZ(T, m), 0}
#define SQLS_F_BLOB(T, m, len) {F_BLOB, offsetof(T, m), MEMBER_SZ(T, m), offsetof(T, len)}

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

static void sqls_read_fields(sqls_row_t *r, void *rec, const sqls_field_t *f, size_t n)
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
        }
    }
}

static const sqls_field_t k_account[] = {
    SQLS_F_INT(account_t, id),
    SQLS_F_TEXT(account_t, auth_id),
    SQLS_F_INT(account_t, parent_id),
    SQLS_F_TEXT(account_t, name),
    SQLS_F_BOOL(account_t, enabled),
    SQLS_F_HASH(account_t, token_hash),
    SQLS_F_INT(account_t, created_at),
    SQLS_F_INT(account_t, modified_at),
    SQLS_F_INT(account_t, status),
    SQLS_F_HASH(account_t, old_token_hash),
    SQLS_F_INT(account_t, old_token_until),
};

void sqls_read_account(sqls_row_t *r, account_t *a)
{
    memset(a, 0, sizeof *a);
    sqls_read_fields(r, a, k_account, ND_ARRAY_LEN(k_account));
}

static const sqls_field_t k_apikey[] = {
    SQLS_F_INT(apikey_t, id),
    SQLS_F_INT(apikey_t, account_id),
    SQLS_F_HASH(apikey_t, hash),
    SQLS_F_TEXT(apikey_t, prefix),
    SQLS_F_TEXT(apikey_t, label),
    SQLS_F_INT(apikey_t, scopes),
    SQLS_F_INT(apikey_t, created_at),
    SQLS_F_INT(apikey_t, expires_at),
    SQLS_F_INT(apikey_t, last_used_at),
    SQLS_F_INT(apikey_t, revoked_at),
};

void sqls_read_apikey(sqls_row_t *r, apikey_t *k)
{
    memset(k, 0, sizeof *k);
    sqls_read_fields(r, k, k_apikey, ND_ARRAY_LEN(k_apikey));
}

static const sqls_field_t k_inv[] = {
    SQLS_F_TEXT(inv_number_t, number),
    SQLS_F_TEXT(inv_number_t, country_iso),
    SQLS_F_TEXT(inv_number_t, type),
    SQLS_F_TEXT(inv_number_t, sub_type),
    SQLS_F_TEXT(inv_number_t, prefix),
    SQLS_F_TEXT(inv_number_t, city),
    SQLS_F_TEXT(inv_number_t, region),
    SQLS_F_TEXT(inv_number_t, rate_center),
    SQLS_F_INT_OR_NONE(inv_number_t, lata),
    SQLS_F_BOOL(inv_number_t, voice),
    SQLS_F_BOOL(inv_number_t, sms),
    SQLS_F_BOOL(inv_number_t, mms),
    SQLS_F_INT_OR_NONE(inv_number_t, setup_rate),
    SQLS_F_INT_OR_NONE(inv_number_t, monthly_rental_rate),
    SQLS_F_INT_OR_NONE(inv_number_t, voice_rate),
    SQLS_F_INT_OR_NONE(inv_number_t, sms_rate),
    SQLS_F_INT_OR_NONE(inv_number_t, mms_rate),
    SQLS_F_TEXT(inv_number_t, restriction),
    SQLS_F_TEXT(inv_number_t, restriction_text),
    SQLS_F_TEXT(inv_number_t, carrier),
};

void sqls_read_inv(sqls_row_t *r, inv_number_t *v)
{
    memset(v, 0, sizeof *v);
    sqls_read_fields(r, v, k_inv, ND_ARRAY_LEN(k_inv));
}

static const sqls_field_t k_owned[] = {
    SQLS_F_INT(owned_number_t, state),
    SQLS_F_INT(owned_number_t, source),
    SQLS_F_INT(owned_number_t, owner_id),
    SQLS_F_INT(owned_number_t, sub_id),
    SQLS_F_TEXT(owned_number_t, sub_auth_id),
    SQLS_F_TEXT(owned_number_t, app_id),
    SQLS_F_TEXT(owned_number_t, alias),
    SQLS_F_TEXT(owned_number_t, added_on),
    SQLS_F_TEXT(owned_number_t, renewal_date),
    SQLS_F_TEXT(owned_number_t, compliance_id),
    SQLS_F_TEXT(owned_number_t, cnam_lookup),
    SQLS_F_TEXT(owned_number_t, cnam),
    SQLS_F_TEXT(owned_number_t, cnam_callback_url),
    SQLS_F_TEXT(owned_number_t, cnam_callback_method),
    SQLS_F_TEXT(owned_number_t, caller_reputation_status),
    SQLS_F_TEXT(owned_number_t, profile_uuid),
    SQLS_F_TEXT(owned_number_t, cr_callback_url),
    SQLS_F_TEXT(owned_number_t, cr_callback_method),
    SQLS_F_TEXT(owned_number_t, tendlc_registration_status),
    SQLS_F_TEXT(owned_number_t, tendlc_campaign_id),
    SQLS_F_TEXT(owned_number_t, toll_free_sms_verification),
    SQLS_F_INT(owned_number_t, carrier_id),
    SQLS_F_INT(owned_number_t, created_at),
    SQLS_F_INT(owned_number_t, updated_at),
    SQLS_F_TEXT(owned_number_t, byoc_id),
    SQLS_F_TEXT(owned_number_t, label),
    SQLS_F_TEXT(owned_number_t, carrier_sid),
    SQLS_F_TEXT(owned_number_t, sub_name),
};

void sqls_read_owned(sqls_row_t *r, owned_number_t *o)
{
    memset(o, 0, sizeof *o);
    sqls_read_inv(r, &o->inv);
    sqls_read_fields(r, o, k_owned, ND_ARRAY_LEN(k_owned));
}

static const sqls_field_t k_app[] = {
    SQLS_F_TEXT(app_t, app_id),
    SQLS_F_INT(app_t, account_id),
    SQLS_F_INT(app_t, sub_id),
    SQLS_F_TEXT(app_t, sub_auth_id),
    SQLS_F_TEXT(app_t, app_name),
    SQLS_F_TEXT(app_t, answer_url),
    SQLS_F_TEXT(app_t, answer_method),
    SQLS_F_TEXT(app_t, hangup_url),
    SQLS_F_TEXT(app_t, hangup_method),
    SQLS_F_TEXT(app_t, fallback_answer_url),
    SQLS_F_TEXT(app_t, fallback_method),
    SQLS_F_TEXT(app_t, message_url),
    SQLS_F_TEXT(app_t, message_method),
    SQLS_F_BOOL(app_t, default_number_app),
    SQLS_F_BOOL(app_t, default_endpoint_app),
    SQLS_F_BOOL(app_t, public_uri),
    SQLS_F_BOOL(app_t, log_incoming_messages),
    SQLS_F_INT(app_t, created_at),
    SQLS_F_INT(app_t, modified_at),
    SQLS_F_BOOL(app_t, is_voice_request),
};

void sqls_read_app(sqls_row_t *r, app_t *a)
{
    memset(a, 0, sizeof *a);
    sqls_read_fields(r, a, k_app, ND_ARRAY_LEN(k_app));
}

static const sqls_field_t k_compliance[] = {
    SQLS_F_TEXT(compliance_t, id),
    SQLS_F_INT(compliance_t, account_id),
    SQLS_F_TEXT(compliance_t, country_iso),
    SQLS_F_TEXT(compliance_t, number_type),
    SQLS_F_BOOL(compliance_t, approved),
    SQLS_F_INT(compliance_t, created_at),
};

void sqls_read_compliance(sqls_row_t *r, compliance_t *c)
{
    memset(c, 0, sizeof *c);
    sqls_read_fields(r, c, k_compliance, ND_ARRAY_LEN(k_compliance));
}

static const sqls_field_t k_carrier[] = {
    SQLS_F_INT(carrier_t, id),
    SQLS_F_TEXT(carrier_t, uuid),
    SQLS_F_TEXT(carrier_t, voip_sid),
    SQLS_F_TEXT(carrier_t, carrier_id),
    SQLS_F_INT(carrier_t, account_id),
    SQLS_F_INT(carrier_t, sub_id),
    SQLS_F_TEXT(carrier_t, sub_auth_id),
    SQLS_F_TEXT(carrier_t, name),
    SQLS_F_INT(carrier_t, trunk),
    SQLS_F_BOOL(carrier_t, voice),
    SQLS_F_BOOL(carrier_t, sms),
    SQLS_F_TEXT(carrier_t, in_user),
    SQLS_F_BLOB(carrier_t, in_box, in_box_len),
    SQLS_F_TEXT(carrier_t, reg_user),
    SQLS_F_BLOB(carrier_t, reg_box, reg_box_len),
    SQLS_F_TEXT(carrier_t, reg_realm),
    SQLS_F_TEXT(carrier_t, reg_from_user),
    SQLS_F_TEXT(carrier_t, reg_from_domain),
    SQLS_F_INT(carrier_t, reg_expires),
    SQLS_F_INT(carrier_t, created_at),
    SQLS_F_INT(carrier_t, updated_at),
    SQLS_F_INT(carrier_t, nnumbers),
    SQLS_F_TEXT(carrier_t, out_user),
    SQLS_F_BLOB(carrier_t, out_box, out_box_len),
    SQLS_F_TEXT(carrier_t, out_realm),
};

void sqls_read_carrier(sqls_row_t *r, carrier_t *c)
{
    memset(c, 0, sizeof *c);
    sqls_read_fields(r, c, k_carrier, ND_ARRAY_LEN(k_carrier));
}

static const sqls_field_t k_sbc_num[] = {
    SQLS_F_TEXT(sbc_numrow_t, number),
    SQLS_F_INT(sbc_numrow_t, owner_id),
    SQLS_F_INT(sbc_numrow_t, sub_id),
    SQLS_F_INT(sbc_numrow_t, carrier_id),
    SQLS_F_TEXT(sbc_numrow_t, app_id),
    SQLS_F_TEXT(sbc_numrow_t, byoc_id),
};

void sqls_read_sbc_num(sqls_row_t *r, sbc_numrow_t *n)
{
    memset(n, 0, sizeof *n);
    sqls_read_fields(r, n, k_sbc_num, ND_ARRAY_LEN(k_sbc_num));
}

void sqls_read_sbc_change(sqls_row_t *r, sbc_change_t *ch)
{
    char kind[4];
    memset(ch, 0, sizeof *ch);
    ch->seq = I64(r);
    TXT(r, kind);
    ch->kind = kind[0] ? kind[0] : '?';
    TXT(r, ch->key);
}

static const sqls_field_t k_stats[] = {
    SQLS_F_TEXT(stats_row_t, country_iso),
    SQLS_F_TEXT(stats_row_t, type),
    SQLS_F_INT(stats_row_t, state),
    SQLS_F_INT(stats_row_t, count),
};

void sqls_read_stats(sqls_row_t *r, stats_row_t *s)
{
    memset(s, 0, sizeof *s);
    sqls_read_fields(r, s, k_stats, ND_ARRAY_LEN(k_stats));
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
ROWS_READER(sbc_num, sbc_numrow_t)

static const sqls_field_t k_reg[] = {
    SQLS_F_INT(reg_status_t, carrier_id),
    SQLS_F_INT(reg_status_t, state),
    SQLS_F_INT(reg_status_t, last_code),
    SQLS_F_TEXT(reg_status_t, reason),
    SQLS_F_INT(reg_status_t, expires_at),
    SQLS_F_INT(reg_status_t, last_attempt_at),
    SQLS_F_INT(reg_status_t, next_attempt_at),
    SQLS_F_INT(reg_status_t, failures),
    SQLS_F_TEXT(reg_status_t, node),
    SQLS_F_INT(reg_status_t, updated_at),
    SQLS_F_TEXT(reg_status_t, carrier_uuid),
    SQLS_F_TEXT(reg_status_t, carrier_name),
    SQLS_F_TEXT(reg_status_t, account_auth_id),
    SQLS_F_TEXT(reg_status_t, registrar_ip),
};

void sqls_rd_reg(sqls_row_t *r, void *rows, size_t i)
{
    reg_status_t *g = &((reg_status_t *)rows)[i];
    memset(g, 0, sizeof *g);
    sqls_read_fields(r, g, k_reg, ND_ARRAY_LEN(k_reg));
}
ROWS_READER(apikey, apikey_t)
