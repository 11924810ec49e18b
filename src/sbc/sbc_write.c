/* sbc_write.c -- writing the SBC index (sbc.h "writing"): deltas are
 * checked and staged (carrier blocks built) while lookups run; a commit
 * prepares what may grow, then applies the whole batch in one exclusive
 * section, and frees what it replaced after it. */
#include "sbc/sbcInt.h"

#include <stdlib.h>
#include <string.h>

/* ---- writing ------------------------------------------------------------------ */
typedef enum {
    D_NUM_PUT, D_NUM_DEL, D_CAR_PUT, D_CAR_DEL, D_ACC_PUT, D_ACC_DEL, D_APP_PUT, D_APP_DEL
} dop_t;

typedef struct {
    dop_t op;
    uint64_t key;
    sbc_number_t num;  /* D_NUM_PUT */
    void *obj;         /* D_CAR_PUT, D_ACC_PUT, D_APP_PUT: the final block */
    size_t obj_bytes;
} delta_t;

struct sbc_write {
    sbc_index_t *idx;
    delta_t *d;
    size_t n, cap;
};

int sbc_write_begin(sbc_index_t *idx, sbc_write_t **out)
{
    sbc_write_t *w = xcalloc(1, sizeof *w);
    w->idx = idx;
    pthread_mutex_lock(&idx->writer);
    *out = w;
    return C_OK;
}

size_t sbc_write_staged(const sbc_write_t *w) { return w->n; }

static int fail(const char **why, const char *reason)
{
    if (why) *why = reason;
    return C_ERR;
}

static delta_t *stage(sbc_write_t *w, const char **why)
{
    if (w->n >= SBC_MAX_BATCH) {
        fail(why, "too many changes in one batch");
        return NULL;
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 64;
        w->d = xrealloc(w->d, w->cap * sizeof *w->d);
    }
    delta_t *d = &w->d[w->n];
    memset(d, 0, sizeof *d);
    return d;
}

int sbc_w_number_put(sbc_write_t *w, const sbc_number_t *n, const char **why)
{
    if (n->number == 0 || n->number > NUMBER_MAX) return fail(why, "number out of range");
    if (n->owner == 0) return fail(why, "number without owner");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    d->op = D_NUM_PUT;
    d->key = n->number;
    d->num = *n;
    w->n++;
    return C_OK;
}

int sbc_w_number_del(sbc_write_t *w, uint64_t number, const char **why)
{
    if (number == 0 || number > NUMBER_MAX) return fail(why, "number out of range");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    d->op = D_NUM_DEL;
    d->key = number;
    w->n++;
    return C_OK;
}

/* strlen with a cap: false when s is longer than max */
static bool len_ok(const char *s, size_t max, size_t *len)
{
    size_t n = s ? strnlen(s, max + 1) : 0;
    if (n > max) return false;
    *len = n;
    return true;
}

static bool sid_ok(const char sid[SBC_SID_SZ])
{
    return memchr(sid, '\0', SBC_SID_SZ) != NULL;
}

/* Copies s (len bytes) to *at and NUL-terminates it; returns the copy. */
static const char *put_str(char **at, const char *s, size_t len)
{
    char *p = *at;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    *at = p + len + 1;
    return p;
}

/* Checks c and copies it into one block (struct, outbound gateways,
 * inbound gateways, strings, boxes), so a carrier is one allocation that a
 * put replaces and a delete frees whole. */
static int carrier_pack(const sbc_carrier_t *c, sbc_carrier_t **out, size_t *bytes,
                        const char **why)
{
    size_t l_name, l_pub, l_sid, l_num, l_iu, l_ou, l_or;
    if (c->id == 0) return fail(why, "carrier id 0");
    if (c->kind > SBC_KIND_BYOC) return fail(why, "bad carrier kind");
    if (c->trunk > SBC_TRUNK_REG) return fail(why, "bad trunk type");
    if ((c->kind == SBC_KIND_UPSTREAM) != (c->account == 0))
        return fail(why, "an upstream carrier and only it has no account");
    if (c->kind == SBC_KIND_UPSTREAM && c->sub != 0) return fail(why, "upstream carrier with a subaccount");
    if (!len_ok(c->name, SBC_NAME_MAX, &l_name)) return fail(why, "carrier name too long");
    if (!len_ok(c->pub_id, SBC_PUBID_MAX, &l_pub) || !len_ok(c->pub_sid, SBC_PUBID_MAX, &l_sid) ||
        !len_ok(c->pub_num, SBC_PUBID_MAX, &l_num))
        return fail(why, "carrier id text too long");
    if (!len_ok(c->in_user, SBC_USER_MAX, &l_iu)) return fail(why, "inbound username too long");
    if (!len_ok(c->out_user, SBC_USER_MAX, &l_ou)) return fail(why, "outbound username too long");
    if (!len_ok(c->out_realm, SBC_HOST_MAX, &l_or)) return fail(why, "outbound realm too long");
    if (c->in_box_len > SBC_BOX_MAX || c->out_box_len > SBC_BOX_MAX)
        return fail(why, "sealed password too long");
    if ((c->in_box_len && !c->in_box) || (c->out_box_len && !c->out_box))
        return fail(why, "sealed password missing");
    if (c->n_in > SBC_MAX_GW_IN) return fail(why, "too many inbound gateways");
    if (c->n_out > SBC_MAX_GW_OUT) return fail(why, "too many outbound gateways");
    if ((c->n_in && !c->in) || (c->n_out && !c->out)) return fail(why, "gateways missing");

    size_t strings = l_name + l_pub + l_sid + l_num + l_iu + l_ou + l_or + 7;
    for (size_t i = 0; i < c->n_in; i++) {
        const sbc_gw_in_t *g = &c->in[i];
        int bits = g->addr.family == 4 ? 32 : g->addr.family == 6 ? 128 : 0;
        if (bits == 0) return fail(why, "bad address family");
        if (g->plen < 0 || g->plen > bits) return fail(why, "prefix length out of range");
        for (int b = g->plen; b < bits; b++)
            if ((g->addr.addr[b >> 3] >> (7 - (b & 7))) & 1) return fail(why, "host bits set");
        if (!sid_ok(g->sid)) return fail(why, "gateway sid too long");
    }
    for (size_t i = 0; i < c->n_out; i++) {
        const sbc_gw_out_t *g = &c->out[i];
        size_t l;
        if (!len_ok(g->host, SBC_HOST_MAX, &l)) return fail(why, "gateway host too long");
        if (l == 0) return fail(why, "gateway host empty");
        if (g->transport > SBC_TP_TLS) return fail(why, "bad transport");
        if (!sid_ok(g->sid)) return fail(why, "gateway sid too long");
        strings += l + 1;
    }
    size_t sz = sizeof(sbc_carrier_t) + c->n_out * sizeof(sbc_gw_out_t) +
                c->n_in * sizeof(sbc_gw_in_t) + c->in_box_len + c->out_box_len + strings;
    sbc_carrier_t *p = xmalloc(sz);
    *p = *c;
    char *at = (char *)(p + 1);
    sbc_gw_out_t *go = (sbc_gw_out_t *)at;
    at += c->n_out * sizeof *go;
    sbc_gw_in_t *gi = (sbc_gw_in_t *)at;
    at += c->n_in * sizeof *gi;
    if (c->n_in) memcpy(gi, c->in, c->n_in * sizeof *gi);
    for (size_t i = 0; i < c->n_in; i++) {
        /* ::ffff:a.b.c.d/96 or longer: filed as a.b.c.d, where a lookup
         * of a mapped source looks (sbc_addr_mapped) */
        if (gi[i].plen >= 96 && sbc_addr_mapped(&gi[i].addr)) {
            memmove(gi[i].addr.addr, gi[i].addr.addr + 12, 4);
            memset(gi[i].addr.addr + 4, 0, 12);
            gi[i].addr.family = 4;
            gi[i].plen -= 96;
        }
    }
    uint8_t *boxes = (uint8_t *)at;
    if (c->in_box_len) memcpy(boxes, c->in_box, c->in_box_len);
    if (c->out_box_len) memcpy(boxes + c->in_box_len, c->out_box, c->out_box_len);
    p->in_box = c->in_box_len ? boxes : NULL;
    p->out_box = c->out_box_len ? boxes + c->in_box_len : NULL;
    at += c->in_box_len + c->out_box_len;
    p->name = put_str(&at, c->name, l_name);
    p->pub_id = put_str(&at, c->pub_id, l_pub);
    p->pub_sid = put_str(&at, c->pub_sid, l_sid);
    p->pub_num = put_str(&at, c->pub_num, l_num);
    p->in_user = put_str(&at, c->in_user, l_iu);
    p->out_user = put_str(&at, c->out_user, l_ou);
    p->out_realm = put_str(&at, c->out_realm, l_or);
    for (size_t i = 0; i < c->n_out; i++) {
        go[i] = c->out[i];
        go[i].host = put_str(&at, c->out[i].host, strlen(c->out[i].host));
    }
    p->in = c->n_in ? gi : NULL;
    p->out = c->n_out ? go : NULL;
    *out = p;
    *bytes = sz;
    return C_OK;
}

int sbc_w_carrier_put(sbc_write_t *w, const sbc_carrier_t *c, const char **why)
{
    sbc_carrier_t *p;
    size_t bytes;
    if (carrier_pack(c, &p, &bytes, why) != C_OK) return C_ERR;
    delta_t *d = stage(w, why);
    if (d == NULL) {
        free(p);
        return C_ERR;
    }
    d->op = D_CAR_PUT;
    d->key = c->id;
    d->obj = p;
    d->obj_bytes = bytes;
    w->n++;
    return C_OK;
}

int sbc_w_carrier_del(sbc_write_t *w, uint32_t id, const char **why)
{
    if (id == 0) return fail(why, "carrier id 0");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    d->op = D_CAR_DEL;
    d->key = id;
    w->n++;
    return C_OK;
}

int sbc_w_account_put(sbc_write_t *w, const sbc_account_t *a, const char **why)
{
    if (a->id == 0) return fail(why, "account id 0");
    if (a->parent == a->id) return fail(why, "account is its own parent");
    if (a->status > SBC_ACCT_DISABLED) return fail(why, "bad account status");
    if (memchr(a->auth_id, '\0', sizeof a->auth_id) == NULL) return fail(why, "auth_id too long");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    sbc_account_t *p = xmalloc(sizeof *p);
    *p = *a;
    d->op = D_ACC_PUT;
    d->key = a->id;
    d->obj = p;
    d->obj_bytes = sizeof *p;
    w->n++;
    return C_OK;
}

int sbc_w_account_del(sbc_write_t *w, uint32_t id, const char **why)
{
    if (id == 0) return fail(why, "account id 0");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    d->op = D_ACC_DEL;
    d->key = id;
    w->n++;
    return C_OK;
}

int sbc_w_app_put(sbc_write_t *w, const sbc_app_t *app, const char **why)
{
    size_t lu, ls;
    if (app->app_id == 0) return fail(why, "app id 0");
    if (!len_ok(app->answer_url, SBC_URL_MAX, &lu)) return fail(why, "answer url too long");
    if (!len_ok(app->sip_uri, SBC_URL_MAX, &ls)) return fail(why, "sip uri too long");
    if (memchr(app->app_id_text, '\0', sizeof app->app_id_text) == NULL ||
        memchr(app->answer_method, '\0', sizeof app->answer_method) == NULL)
        return fail(why, "app field too long");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    size_t sz = sizeof(sbc_app_t) + lu + ls + 2;
    sbc_app_t *p = xmalloc(sz);
    *p = *app;
    char *at = (char *)(p + 1);
    p->answer_url = put_str(&at, app->answer_url, lu);
    p->sip_uri = put_str(&at, app->sip_uri, ls);
    d->op = D_APP_PUT;
    d->key = app->app_id;
    d->obj = p;
    d->obj_bytes = sz;
    w->n++;
    return C_OK;
}

int sbc_w_app_del(sbc_write_t *w, uint64_t app_id, const char **why)
{
    if (app_id == 0) return fail(why, "app id 0");
    delta_t *d = stage(w, why);
    if (d == NULL) return C_ERR;
    d->op = D_APP_DEL;
    d->key = app_id;
    w->n++;
    return C_OK;
}

static void write_free(sbc_write_t *w)
{
    pthread_mutex_unlock(&w->idx->writer);
    free(w->d);
    free(w);
}

void sbc_write_abort(sbc_write_t *w)
{
    if (w == NULL) return;
    for (size_t i = 0; i < w->n; i++) free(w->d[i].obj);
    write_free(w);
}

/* ---- applying a batch (inside the exclusive section) ---- */

typedef struct {
    void **p;
    size_t n, cap;
} garbage_t;

static void trash(garbage_t *g, void *p)
{
    if (p == NULL) return;
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->p = xrealloc(g->p, g->cap * sizeof *g->p);
    }
    g->p[g->n++] = p;
}

static sbc_lpm_t *trie_of(state_t *st, const sbc_gw_in_t *g)
{
    return g->addr.family == 4 ? st->v4 : st->v6;
}

static size_t carrier_block_bytes(const sbc_carrier_t *c)
{
    size_t sz = sizeof *c + c->n_out * sizeof(sbc_gw_out_t) + c->n_in * sizeof(sbc_gw_in_t) +
                c->in_box_len + c->out_box_len + strlen(c->name) + strlen(c->pub_id) +
                strlen(c->pub_sid) + strlen(c->pub_num) + strlen(c->in_user) + strlen(c->out_user) +
                strlen(c->out_realm) + 7;
    for (size_t i = 0; i < c->n_out; i++) sz += strlen(c->out[i].host) + 1;
    return sz;
}

/* The list a carrier is in: its main account's, or the upstream list. */
static sbc_idlist_t *carrier_list(state_t *st, const sbc_carrier_t *c, bool create)
{
    if (c->kind == SBC_KIND_UPSTREAM) return &st->upstream;
    sbc_idlist_t *l = sbc_map_get(&st->acct_carriers, c->account);
    if (l == NULL && create) {
        l = xcalloc(1, sizeof *l);
        sbc_map_put(&st->acct_carriers, c->account, l);
    }
    return l;
}

static void carrier_unlink(state_t *st, sbc_carrier_t *c, garbage_t *g)
{
    for (uint32_t i = 0; i < c->n_in; i++) {
        sbc_gwref_t ref = {c->id, i};
        /* cannot fail: every inbound gateway was added with its carrier */
        (void)sbc_lpm_del(trie_of(st, &c->in[i]), c->in[i].addr.addr, c->in[i].plen, ref, NULL);
    }
    sbc_idlist_t *l = carrier_list(st, c, false);
    if (l) {
        sbc_idl_del(l, c->id);
        if (l->n == 0 && l != &st->upstream) {
            sbc_map_del(&st->acct_carriers, c->account);
            trash(g, l->ids);
            trash(g, l);
        }
    }
    st->carrier_bytes -= carrier_block_bytes(c);
    st->gw_out -= c->n_out;
    for (uint16_t i = 0; i < c->n_out; i++) st->gw_out_down -= c->out[i].down;
    trash(g, c);
}

static void carrier_link(state_t *st, sbc_carrier_t *c)
{
    for (uint32_t i = 0; i < c->n_in; i++) {
        sbc_gwref_t ref = {c->id, i};
        (void)sbc_lpm_add(trie_of(st, &c->in[i]), c->in[i].addr.addr, c->in[i].plen, ref, NULL);
    }
    sbc_idl_add(carrier_list(st, c, true), c->id);
    st->carrier_bytes += carrier_block_bytes(c);
    st->gw_out += c->n_out;
    for (uint16_t i = 0; i < c->n_out; i++) st->gw_out_down += c->out[i].down;
}

/* Removes an account's auth_id entry if it is that account's (on a hash
 * collision the entry may be another account's: it stays). */
static void auth_unlink(state_t *st, const sbc_account_t *old)
{
    uint64_t k = sbc_auth_key(old->auth_id);
    if (sbc_map_get(&st->acct_auth, k) == old) (void)sbc_map_del(&st->acct_auth, k);
}

static void apply(state_t *st, const delta_t *d, garbage_t *g)
{
    switch (d->op) {
    case D_NUM_PUT:
        sbc_ntab_put(st->nums, &d->num);
        break;
    case D_NUM_DEL:
        (void)sbc_ntab_del(st->nums, d->key);
        break;
    case D_CAR_PUT: {
        sbc_carrier_t *old = sbc_map_get(&st->carriers, d->key);
        if (old) carrier_unlink(st, old, g);
        sbc_map_put(&st->carriers, d->key, d->obj);
        carrier_link(st, d->obj);
        break;
    }
    case D_CAR_DEL: {
        sbc_carrier_t *old = sbc_map_del(&st->carriers, d->key);
        if (old) carrier_unlink(st, old, g);
        break;
    }
    case D_ACC_PUT: {
        sbc_account_t *old = sbc_map_put(&st->accounts, d->key, d->obj);
        if (old) auth_unlink(st, old);
        sbc_map_put(&st->acct_auth, sbc_auth_key(((const sbc_account_t *)d->obj)->auth_id), d->obj);
        trash(g, old);
        break;
    }
    case D_ACC_DEL: {
        sbc_account_t *old = sbc_map_del(&st->accounts, d->key);
        if (old) auth_unlink(st, old);
        trash(g, old);
        break;
    }
    case D_APP_PUT: {
        sbc_app_t *old = sbc_map_put(&st->apps, d->key, d->obj);
        if (old) {
            st->app_bytes -= sizeof *old + strlen(old->answer_url) + strlen(old->sip_uri) + 2;
            trash(g, old);
        }
        st->app_bytes += d->obj_bytes;
        break;
    }
    case D_APP_DEL: {
        sbc_app_t *old = sbc_map_del(&st->apps, d->key);
        if (old) {
            st->app_bytes -= sizeof *old + strlen(old->answer_url) + strlen(old->sip_uri) + 2;
            trash(g, old);
        }
        break;
    }
    }
}

/* Grows a map outside the exclusive section if `extra` puts might not fit;
 * *fresh is then the map to swap in (else left empty). */
static void prepare_map(const sbc_map_t *m, size_t extra, sbc_map_t *fresh)
{
    memset(fresh, 0, sizeof *fresh);
    if (!sbc_map_fits(m, extra)) sbc_map_grown(m, extra, fresh);
}

int sbc_write_commit(sbc_write_t *w, const char **why)
{
    sbc_index_t *idx = w->idx;
    state_t *st = idx->st; /* only writers change it, and we hold the writer mutex */
    int rc = C_ERR;
    size_t new_nums = 0, car_puts = 0, acc_puts = 0, app_puts = 0, list_puts = 0, refs_added = 0;
    sbc_ntab_t *nums_grown = NULL, *nums_old = NULL;
    sbc_map_t car_m, acc_m, auth_m, app_m, list_m;
    garbage_t g = {0};

    /* 1. with readers running: count, check the caps, grow what must grow */
    for (size_t i = 0; i < w->n; i++) {
        const delta_t *d = &w->d[i];
        switch (d->op) {
        case D_NUM_PUT:
            if (!sbc_ntab_get(st->nums, d->key, NULL)) new_nums++;
            break;
        case D_CAR_PUT:
            car_puts++;
            list_puts++;
            refs_added += ((const sbc_carrier_t *)d->obj)->n_in;
            break;
        case D_ACC_PUT: acc_puts++; break;
        case D_APP_PUT: app_puts++; break;
        default: break;
        }
    }
    if (sbc_ntab_count(st->nums) + new_nums > SBC_MAX_NUMBERS) {
        fail(why, "too many numbers");
        goto done;
    }
    if (st->carriers.count + car_puts > SBC_MAX_CARRIERS) {
        fail(why, "too many carriers");
        goto done;
    }
    if (sbc_lpm_refs(st->v4) + sbc_lpm_refs(st->v6) + refs_added > SBC_MAX_PREFIXES) {
        fail(why, "too many inbound gateways");
        goto done;
    }
    if (st->accounts.count + acc_puts > SBC_MAX_ACCOUNTS) {
        fail(why, "too many accounts");
        goto done;
    }
    if (st->apps.count + app_puts > SBC_MAX_APPS) {
        fail(why, "too many applications");
        goto done;
    }
    if (!sbc_ntab_fits(st->nums, new_nums)) nums_grown = sbc_ntab_grown(st->nums, new_nums);
    prepare_map(&st->carriers, car_puts, &car_m);
    prepare_map(&st->accounts, acc_puts, &acc_m);
    prepare_map(&st->acct_auth, acc_puts, &auth_m);
    prepare_map(&st->apps, app_puts, &app_m);
    prepare_map(&st->acct_carriers, list_puts, &list_m);

    /* 2. exclusive: swap in the grown tables, apply every delta in order */
    sbc_excl_enter(idx);
    if (nums_grown) {
        nums_old = st->nums;
        st->nums = nums_grown;
    }
    sbc_map_t *mine[] = {&st->carriers, &st->accounts, &st->acct_auth, &st->apps, &st->acct_carriers};
    sbc_map_t *grown[] = {&car_m, &acc_m, &auth_m, &app_m, &list_m};
    for (size_t k = 0; k < ND_ARRAY_LEN(mine); k++) {
        if (grown[k]->cap == 0) continue;
        trash(&g, mine[k]->keys);
        trash(&g, mine[k]->vals);
        *mine[k] = *grown[k];
    }
    for (size_t i = 0; i < w->n; i++) {
        apply(st, &w->d[i], &g);
        w->d[i].obj = NULL; /* the state owns it now */
    }
    atomic_fetch_add(&idx->gen, 1);
    sbc_excl_leave(idx);

    /* 3. readers running again: free what the batch replaced */
    for (size_t i = 0; i < g.n; i++) free(g.p[i]);
    sbc_ntab_free(nums_old);
    rc = C_OK;
done:
    free(g.p);
    if (rc != C_OK) {
        sbc_write_abort(w);
        return C_ERR;
    }
    write_free(w);
    return C_OK;
}

