/* carriers.c -- carriers and their gateways (read with the carrier in one
 * statement, as a JSON array). */
#include <jansson.h>

#include "store/postgres/pgInt.h"

#include "util/log.h"

/* A carrier with its subaccount's auth_id, the count of its numbers and
 * its gateways (a JSON array of [sid, address, port, netmask, inbound,
 * outbound], in order): one statement, so one snapshot, and one round
 * trip.  Column order is read_carrier()'s. */
#define CARRIER_SELECT                                                                        \
    "SELECT c.id, c.uuid, c.voip_sid, c.carrier_id, c.account_id, COALESCE(c.sub_id, 0), "   \
    "COALESCE(s.auth_id, ''), c.name, c.trunk_type, c.voice, c.sms, c.in_username, "          \
    "c.in_password, c.reg_username, c.reg_password, c.reg_realm, c.reg_from_user, "           \
    "c.reg_from_domain, COALESCE(c.reg_expires, 0), c.created_at, c.updated_at, "             \
    "(SELECT count(*) FROM numbers n WHERE n.carrier_id = c.id), "                            \
    "(SELECT json_agg(json_build_array(g.sid, g.address, g.port, g.netmask, g.inbound, "      \
    "g.outbound) ORDER BY g.pos) FROM carrier_gateways g WHERE g.carrier = c.id) "            \
    "FROM carriers c LEFT JOIN accounts s ON s.id = c.sub_id "

#define CARRIER_WHERE \
    "WHERE c.account_id = $1 AND ($2::bigint = 0 OR c.sub_id = $2) AND ($3::text IS NULL OR c.name = $3)"

const char *const pg_sql_carriers[Q__COUNT] = {
    [Q_CARRIER_INSERT] =
        "INSERT INTO carriers(uuid, voip_sid, carrier_id, account_id, sub_id, name, trunk_type, "
        "voice, sms, in_username, in_password, reg_username, reg_password, reg_realm, "
        "reg_from_user, reg_from_domain, reg_expires, created_at, updated_at) VALUES ($1, $2, "
        "$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) "
        "ON CONFLICT DO NOTHING RETURNING id",
    /* ref is one of the three public ids; their shapes never collide */
    [Q_CARRIER_GET] = CARRIER_SELECT
        "WHERE c.account_id = $1 AND ($2::bigint = 0 OR c.sub_id = $2) "
        "AND (c.carrier_id = $3 OR c.uuid = $3 OR c.voip_sid = $3)",
    [Q_CARRIER_GET_LOCK] = CARRIER_SELECT
        "WHERE c.account_id = $1 AND ($2::bigint = 0 OR c.sub_id = $2) "
        "AND (c.carrier_id = $3 OR c.uuid = $3 OR c.voip_sid = $3) FOR UPDATE OF c",
    [Q_CARRIER_LIST] = PAGE("FROM carriers c " CARRIER_WHERE,
                            CARRIER_SELECT CARRIER_WHERE " ORDER BY c.id LIMIT $4 OFFSET $5"),
    [Q_CARRIER_UPDATE] =
        "UPDATE carriers SET sub_id = $3, name = $4, trunk_type = $5, voice = $6, sms = $7, "
        "in_username = $8, in_password = $9, reg_username = $10, reg_password = $11, "
        "reg_realm = $12, reg_from_user = $13, reg_from_domain = $14, reg_expires = $15, "
        "updated_at = $16 WHERE id = $1 AND account_id = $2",
    [Q_CARRIER_RENAME_NUMBERS] =
        "UPDATE numbers SET carrier = $2, updated_at = $3 WHERE carrier_id = $1 AND carrier <> $2",
    [Q_CARRIER_LOCK] = "SELECT 1 FROM carriers WHERE id = $1 FOR UPDATE",
    [Q_CARRIER_IN_USE] = "SELECT count(*) FROM numbers WHERE carrier_id = $1",
    [Q_CARRIER_DELETE] = "DELETE FROM carriers WHERE id = $1 AND account_id = $2",
    [Q_GW_INSERT] =
        "INSERT INTO carrier_gateways(carrier, pos, sid, address, port, netmask, inbound, "
        "outbound) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    [Q_GW_DELETE] = "DELETE FROM carrier_gateways WHERE carrier = $1",
};

/* ---- carriers ---------------------------------------------------------- */

static void gw_str(json_t *v, char *out, size_t sz)
{
    snprintf(out, sz, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* The gateways column of CARRIER_SELECT: NULL (none) or a JSON array of
 * [sid, address, port, netmask, inbound, outbound] made by the query
 * itself; anything else would be a bug, logged. */
static void rd_gateways(rd_t *d, carrier_t *c)
{
    const char *v = rd_val(d);
    if (!v) return;
    json_error_t err;
    json_t *a = json_loads(v, 0, &err);
    if (!json_is_array(a)) {
        log_msg(LOG_ERROR, "postgres: gateways of carrier %lld: %s", (long long)c->id, err.text);
        json_decref(a);
        return;
    }
    size_t n = json_array_size(a);
    c->gw = xcalloc(n ? n : 1, sizeof *c->gw);
    for (size_t i = 0; i < n; i++) {
        json_t *g = json_array_get(a, i);
        gateway_t *w = &c->gw[c->ngw++];
        gw_str(json_array_get(g, 0), w->sid, sizeof w->sid);
        gw_str(json_array_get(g, 1), w->address, sizeof w->address);
        w->port = (int)json_integer_value(json_array_get(g, 2));
        w->netmask = (int)json_integer_value(json_array_get(g, 3));
        w->inbound = json_is_true(json_array_get(g, 4));
        w->outbound = json_is_true(json_array_get(g, 5));
    }
    json_decref(a);
}

static void read_carrier(rd_t *d, carrier_t *c)
{
    memset(c, 0, sizeof *c);
    c->id = rd_i64(d);
    rd_copy(d, c->uuid, sizeof c->uuid);
    rd_copy(d, c->voip_sid, sizeof c->voip_sid);
    rd_copy(d, c->carrier_id, sizeof c->carrier_id);
    c->account_id = rd_i64(d);
    c->sub_id = rd_i64(d);
    rd_copy(d, c->sub_auth_id, sizeof c->sub_auth_id);
    rd_copy(d, c->name, sizeof c->name);
    c->trunk = (trunk_type_t)rd_int(d);
    c->voice = rd_bool(d);
    c->sms = rd_bool(d);
    rd_copy(d, c->in_user, sizeof c->in_user);
    pg_rd_blob(d, c->in_box, sizeof c->in_box, &c->in_box_len);
    rd_copy(d, c->reg_user, sizeof c->reg_user);
    pg_rd_blob(d, c->reg_box, sizeof c->reg_box, &c->reg_box_len);
    rd_copy(d, c->reg_realm, sizeof c->reg_realm);
    rd_copy(d, c->reg_from_user, sizeof c->reg_from_user);
    rd_copy(d, c->reg_from_domain, sizeof c->reg_from_domain);
    c->reg_expires = rd_int(d);
    c->created_at = rd_i64(d);
    c->updated_at = rd_i64(d);
    c->nnumbers = rd_i64(d);
    rd_gateways(d, c);
}

static void rd_carrier(rd_t *d, void *rows, size_t i)
{
    read_carrier(d, &((carrier_t *)rows)[i]);
}

/* The carrier's fields from sub_id to reg_expires, in the order of both
 * Q_CARRIER_INSERT ($5..$17) and Q_CARRIER_UPDATE ($3..$15). */
static void p_carrier_fields(params_t *p, const carrier_t *c)
{
    p_id(p, c->sub_id);
    p_text(p, c->name);
    p_i64(p, (int64_t)c->trunk);
    p_bool(p, c->voice);
    p_bool(p, c->sms);
    p_text_or_null(p, c->in_user);
    p_blob(p, c->in_box, c->in_box_len);
    p_text_or_null(p, c->reg_user);
    p_blob(p, c->reg_box, c->reg_box_len);
    p_text_or_null(p, c->reg_realm);
    p_text_or_null(p, c->reg_from_user);
    p_text_or_null(p, c->reg_from_domain);
    if (c->reg_expires) p_i64(p, c->reg_expires);
    else p_text(p, NULL);
}

static int gw_write(conn_t *c, const carrier_t *cr)
{
    for (size_t i = 0; i < cr->ngw; i++) {
        const gateway_t *g = &cr->gw[i];
        params_t p = {0};
        p_i64(&p, cr->id);
        p_i64(&p, (int64_t)i);
        p_text(&p, g->sid);
        p_text(&p, g->address);
        p_i64(&p, g->port);
        p_i64(&p, g->netmask);
        p_bool(&p, g->inbound);
        p_bool(&p, g->outbound);
        int rc = pg_write1(c, Q_GW_INSERT, &p);
        if (rc != ST_OK) return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
    }
    return ST_OK;
}

int pg_carrier_insert(store_t *st, carrier_t *cr)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_text(&p, cr->uuid);
    p_text(&p, cr->voip_sid);
    p_text(&p, cr->carrier_id);
    p_i64(&p, cr->account_id);
    p_carrier_fields(&p, cr);
    p_i64(&p, cr->created_at);
    p_i64(&p, cr->updated_at);
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    PGresult *r = NULL;
    int rc = pg_exec(c, Q_CARRIER_INSERT, &p, &r, NULL);
    if (rc == ST_OK) {
        if (PQntuples(r) == 1) cr->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        else rc = ST_CONFLICT;
        PQclear(r);
    }
    if (rc == ST_OK) rc = gw_write(c, cr);
    if (rc != ST_OK) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st);
}

int pg_carrier_get(store_t *st, int64_t account_id, int64_t sub_id, const char *ref,
                   carrier_t *out)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, account_id);
    p_i64(&p, sub_id);
    p_text(&p, ref);
    /* the carrier and its gateways come in one statement: one snapshot */
    return pg_one_row(c, pg_locking(c) ? Q_CARRIER_GET_LOCK : Q_CARRIER_GET, &p, rd_carrier, out);
}

int pg_carrier_list(store_t *st, int64_t account_id, int64_t sub_id, const char *name,
                    int limit, int offset, carrier_t *rows, size_t *nrows, int64_t *total)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    *nrows = 0;
    params_t p = {0};
    p_i64(&p, account_id);
    p_i64(&p, sub_id);
    p_text(&p, name);
    p_i64(&p, limit);
    p_i64(&p, offset);
    /* the page, its count and the page's gateways in one statement */
    return pg_page(c, Q_CARRIER_LIST, &p, limit, rd_carrier, rows, nrows, total);
}

int pg_carrier_update(store_t *st, const carrier_t *cr)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    params_t p = {0};
    p_i64(&p, cr->id);
    p_i64(&p, cr->account_id);
    p_carrier_fields(&p, cr);
    p_i64(&p, cr->updated_at);
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_write1(c, Q_CARRIER_UPDATE, &p);
    if (rc == ST_OK) {
        params_t g = {0};
        p_i64(&g, cr->id);
        rc = pg_exec(c, Q_GW_DELETE, &g, NULL, NULL);
    }
    if (rc == ST_OK) rc = gw_write(c, cr);
    if (rc == ST_OK) {
        /* numbers show the carrier's name: keep them in step with a rename
         * (the UPDATE above holds the carrier's row: numbers being added
         * to it on another node are committed before this reads) */
        params_t n = {0};
        p_i64(&n, cr->id);
        p_text(&n, cr->name);
        p_i64(&n, cr->updated_at);
        rc = pg_exec(c, Q_CARRIER_RENAME_NUMBERS, &n, NULL, NULL);
    }
    if (rc != ST_OK) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st);
}

int pg_carrier_delete(store_t *st, int64_t account_id, int64_t id, int64_t *in_use)
{
    conn_t *c = pg_conn(st);
    if (!c) return ST_ERR;
    *in_use = 0;
    params_t k = {0}, d = {0};
    p_i64(&k, id);
    p_i64(&d, id);
    p_i64(&d, account_id);
    /* lock the carrier, then count, then delete: a number added on another
     * node is either committed before the count (in use) or waits for the
     * delete and then finds no carrier */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    PGresult *r = NULL;
    int rc = pg_exec(c, Q_CARRIER_LOCK, &k, NULL, NULL);
    if (rc == ST_OK) rc = pg_exec(c, Q_CARRIER_IN_USE, &k, &r, NULL);
    if (rc == ST_OK) {
        *in_use = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        if (*in_use > 0) rc = ST_CONFLICT;
    }
    if (rc == ST_OK) rc = pg_write1(c, Q_CARRIER_DELETE, &d);
    if (rc != ST_OK) {
        pg_tx_rollback(st);
        return rc;
    }
    return pg_tx_commit(st);
}
