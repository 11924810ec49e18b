/* carriers.c -- carriers and their gateways (read with the carrier in one
 * statement, as a JSON array). */
#include <jansson.h>

#include "store/postgres/pgInt.h"

#include "util/log.h"

/* A carrier (SQLS_CARRIER_COLS: with its subaccount's auth_id and the
 * count of its numbers) and its gateways (a JSON array of [sid, address,
 * port, netmask, inbound, outbound, down, transport], in order): one statement, so one
 * snapshot, and one round trip.  Column order is rd_carrier()'s. */
#define CARRIER_SELECT PG_CARRIER_SELECT

#define CARRIER_WHERE \
    "WHERE COALESCE(c.account_id, 0) = $1 AND ($2::bigint = 0 OR c.sub_id = $2) AND ($3::text IS NULL OR c.name = $3)"

/* A carrier's advisory lock (pg_advisory_xact_lock or its _shared form,
 * mode), one key formula for every statement that takes it: id is the
 * carrier's id (SQL) */
#define CARRIER_TURN(mode, id) \
    "pg_advisory_xact_lock" mode "(" LOCK_NS_CARRIER ", ((" id ")::bigint & 2147483647)::int)"

const char *const pg_sql_carriers[Q__COUNT] = {
    [Q_CARRIER_INSERT] =
        "INSERT INTO carriers(uuid, voip_sid, carrier_id, account_id, sub_id, name, trunk_type, "
        "voice, sms, in_username, in_password, reg_username, reg_password, reg_realm, "
        "reg_from_user, reg_from_domain, reg_expires, created_at, updated_at, out_username, "
        "out_password, out_realm, incoming) VALUES ($1, $2, $3, NULLIF($4::bigint, 0), $5, $6, $7, "
        "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23) "
        "ON CONFLICT DO NOTHING RETURNING id",
    /* ref is one of the three public ids; their shapes never collide */
    [Q_CARRIER_GET] = CARRIER_SELECT
        "WHERE COALESCE(c.account_id, 0) = $1 AND ($2::bigint = 0 OR c.sub_id = $2) "
        "AND (c.carrier_id = $3 OR c.uuid = $3 OR c.voip_sid = $3)",
    /* locks the row only: the read follows in a statement of its own
     * (pg_carrier_get says why) */
    /* The carrier's advisory lock (CARRIER_TURN), then its row's (the
     * target list is computed below the row locking).  Adders (carrier_head) hold the row
     * FOR SHARE, and do not wait for each other; a new FOR SHARE locker
     * does not queue behind a FOR UPDATE that waits for the ones before
     * it, so under a stream of adds an update or a delete could wait
     * until its statement timeout.  The advisory lock queues them in
     * order: adders take it shared, writers exclusive, before the row. */
    [Q_CARRIER_GET_LOCK] = "SELECT c.id, " CARRIER_TURN("", "c.id") " FROM carriers c "
        "WHERE COALESCE(c.account_id, 0) = $1 AND ($2::bigint = 0 OR c.sub_id = $2) "
        "AND (c.carrier_id = $3 OR c.uuid = $3 OR c.voip_sid = $3) FOR UPDATE OF c",
    /* the same, shared, for numbers added through a carrier
     * (carrier_head), and with the row's own fields: what an add copies
     * comes with the lock, in one statement (pg_carrier_head says why that
     * is safe here) */
    [Q_CARRIER_HEAD_LOCK] = "SELECT " SQLS_CARRIER_HEAD_COLS ", NULL, " CARRIER_TURN("_shared", "c.id")
        " " SQLS_CARRIER_FROM
        "WHERE COALESCE(c.account_id, 0) = $1 AND ($2::bigint = 0 OR c.sub_id = $2) "
        "AND (c.carrier_id = $3 OR c.uuid = $3 OR c.voip_sid = $3) FOR SHARE OF c",
    [Q_CARRIER_LIST] = PAGE("FROM carriers c " CARRIER_WHERE,
                            CARRIER_SELECT CARRIER_WHERE " ORDER BY c.id LIMIT $4 OFFSET $5"),
    [Q_CARRIER_UPDATE] =
        "UPDATE carriers SET sub_id = $3, name = $4, trunk_type = $5, voice = $6, sms = $7, "
        "in_username = $8, in_password = $9, reg_username = $10, reg_password = $11, "
        "reg_realm = $12, reg_from_user = $13, reg_from_domain = $14, reg_expires = $15, "
        "updated_at = $16, out_username = $17, out_password = $18, out_realm = $19 "
        "WHERE id = $1 AND COALESCE(account_id, 0) = $2",
    [Q_CARRIER_RENAME_NUMBERS] =
        "UPDATE numbers SET carrier = $2, updated_at = $3 WHERE carrier_id = $1 AND carrier <> $2",
    [Q_CARRIER_LOCK] = "SELECT " CARRIER_TURN("", "$1") " FROM carriers WHERE id = $1 FOR UPDATE",
    [Q_CARRIER_DELETE] = "DELETE FROM carriers WHERE id = $1 AND COALESCE(account_id, 0) = $2",
    [Q_GW_INSERT] =
        "INSERT INTO carrier_gateways(carrier, pos, sid, address, port, netmask, inbound, "
        "outbound, transport) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
    /* every account's `reg` carriers, by id (the registration client) */
    [Q_CARRIER_REG_LIST] = CARRIER_SELECT "WHERE c.trunk_type = 2 AND " SQLS_REG_LIVE
                                          " AND c.id > $1 ORDER BY c.id LIMIT $2",
};

/* ---- carriers ---------------------------------------------------------- */

static void gw_str(json_t *v, char *out, size_t sz)
{
    snprintf(out, sz, "%s", json_is_string(v) ? json_string_value(v) : "");
}

/* The gateways column of CARRIER_SELECT: NULL (none) or a JSON array of
 * [sid, address, port, netmask, inbound, outbound, down, transport] made by the query
 * itself; anything else would be a bug, logged. */
static void rd_gateways(sqls_row_t *d, carrier_t *c)
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
        w->down = json_is_true(json_array_get(g, 6));
        w->transport = json_integer_value(json_array_get(g, 7)) == GW_TP_TCP ? GW_TP_TCP : GW_TP_UDP;
    }
    json_decref(a);
}

/* SQLS_CARRIER_COLS (the shared reader), then the gateways */
void pg_rd_carrier(sqls_row_t *d, void *rows, size_t i)
{
    carrier_t *c = &((carrier_t *)rows)[i];
    sqls_read_carrier(d, c);
    rd_gateways(d, c);
}

/* The carrier's fields from sub_id to reg_expires, in the order of both
 * Q_CARRIER_INSERT ($5..$17) and Q_CARRIER_UPDATE ($3..$15). */
#define CARRIER_FIELDS(c)                                                                     \
    v_id((c)->sub_id), v_text((c)->name), v_int((c)->trunk), v_bool((c)->voice),              \
        v_bool((c)->sms), v_textn((c)->in_user), v_blob((c)->in_box, (c)->in_box_len),        \
        v_textn((c)->reg_user), v_blob((c)->reg_box, (c)->reg_box_len),                       \
        v_textn((c)->reg_realm), v_textn((c)->reg_from_user), v_textn((c)->reg_from_domain), \
        v_id((c)->reg_expires)

/* The outbound credentials: Q_CARRIER_INSERT $20..$22, Q_CARRIER_UPDATE $17..$19. */
#define OUT_FIELDS(c) \
    v_textn((c)->out_user), v_blob((c)->out_box, (c)->out_box_len), v_textn((c)->out_realm)

static int gw_write(conn_t *c, const carrier_t *cr)
{
    for (size_t i = 0; i < cr->ngw; i++) {
        const gateway_t *g = &cr->gw[i];
        int rc = pg_write1(c, Q_GW_INSERT,
                           PG_V(v_int(cr->id), v_int((int64_t)i), v_text(g->sid),
                                v_text(g->address), v_int(g->port), v_int(g->netmask),
                                v_bool(g->inbound), v_bool(g->outbound), v_int(g->transport)));
        if (rc != ST_OK) return rc == ST_NOTFOUND ? ST_CONFLICT : rc;
    }
    return ST_OK;
}

int pg_carrier_insert(store_t *st, carrier_t *cr)
{
    conn_t *c = pg_conn(st);
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    /* ON CONFLICT DO NOTHING RETURNING id: no row is a taken name or id */
    int rc = pg_one_row(c, Q_CARRIER_INSERT,
                        PG_V(v_text(cr->uuid), v_text(cr->voip_sid), v_text(cr->carrier_id),
                             v_int(cr->account_id), CARRIER_FIELDS(cr), v_int(cr->created_at),
                             v_int(cr->updated_at), OUT_FIELDS(cr), v_bool(cr->incoming)),
                        pg_rd_i64, &cr->id);
    if (rc == ST_NOTFOUND) rc = ST_CONFLICT;
    if (rc == ST_OK) rc = gw_write(c, cr);
    return pg_tx_end(st, rc, false);
}

/* lock: the statement that locks the row inside a write transaction */
static int carrier_read(store_t *st, int lock, int64_t account_id, int64_t sub_id,
                        const char *ref, carrier_t *out)
{
    conn_t *c = pg_conn(st);
    /* Inside a write transaction, lock the carrier's row first and read it
     * in a second statement.  Under READ COMMITTED, a SELECT ... FOR UPDATE
     * that waits for another writer re-reads the locked row after the wait
     * but takes the rest (the gateways subquery) from the snapshot it began
     * with: a rename racing a gateway change then wrote the old gateways
     * back (issue 15, tests/api/rmw_races.test.js).  The second statement
     * takes a snapshot after the wait, so it sees the other writer's
     * commit in full. */
    if (pg_lockq(c, Q_CARRIER_GET, lock) == lock) {
        int64_t id = 0;
        int rc = pg_one_row(c, lock, PG_V(v_int(account_id), v_int(sub_id), v_text(ref)),
                            pg_rd_i64, &id);
        if (rc != ST_OK) return rc;
    }
    /* the carrier and its gateways come in one statement: one snapshot */
    return pg_one_row(c, Q_CARRIER_GET, PG_V(v_int(account_id), v_int(sub_id), v_text(ref)),
                      pg_rd_carrier, out);
}

int pg_carrier_get(store_t *st, int64_t account_id, int64_t sub_id, const char *ref,
                   carrier_t *out)
{
    return carrier_read(st, Q_CARRIER_GET_LOCK, account_id, sub_id, ref, out);
}

int pg_carrier_head(store_t *st, int64_t account_id, int64_t sub_id, const char *ref,
                    carrier_t *out)
{
    /* Inside a write transaction the row is locked FOR SHARE: numbers
     * added through a carrier keep it from changing or going until they
     * commit (what they copied from it stays true), and do not wait for
     * each other -- they did, one COMMIT after another, when it was FOR
     * UPDATE (docs/PERFORMANCE.md, session 28).  A carrier's update or
     * delete locks it FOR UPDATE and waits for them.
     *
     * One statement, not carrier_read's two: what a locking read returns
     * after waiting for another writer is the row's new version, re-read
     * -- only a subquery's rows, and a joined table's that is not locked,
     * come from the snapshot it began with: here no count, registrar or
     * gateways (none is read), and the subaccount's auth_id (which may
     * then be stale).  An add copies none of them.  The full read cost
     * an add 53 us of PostgreSQL's time, a fifth of it (session 30). */
    /* (the head's gateways column is NULL: pg_rd_carrier reads none) */
    return pg_one_locking(st, Q_CARRIER_GET, Q_CARRIER_HEAD_LOCK,
                          PG_V(v_int(account_id), v_int(sub_id), v_text(ref)), pg_rd_carrier, out);
}

int pg_carrier_list(store_t *st, int64_t account_id, int64_t sub_id, const char *name, int limit,
                    int offset, carrier_t *rows, size_t *nrows, int64_t *total)
{
    /* the page, its count and the page's gateways in one statement */
    return pg_page(pg_conn(st), Q_CARRIER_LIST,
                   PG_V(v_int(account_id), v_int(sub_id), v_text(name), v_int(limit),
                        v_int(offset)),
                   limit, pg_rd_carrier, rows, nrows, total);
}

int pg_carrier_update(store_t *st, const carrier_t *cr)
{
    conn_t *c = pg_conn(st);
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_write1(c, Q_CARRIER_UPDATE,
                       PG_V(v_int(cr->id), v_int(cr->account_id), CARRIER_FIELDS(cr),
                            v_int(cr->updated_at), OUT_FIELDS(cr)));
    if (rc == ST_OK) rc = pg_exec(c, Q_GW_DELETE, PG_V(v_int(cr->id)), NULL, NULL);
    if (rc == ST_OK) rc = gw_write(c, cr);
    /* numbers show the carrier's name: keep them in step with a rename
     * (the UPDATE above holds the carrier's row: numbers being added to it
     * on another node are committed before this reads) */
    if (rc == ST_OK)
        rc = pg_exec(c, Q_CARRIER_RENAME_NUMBERS,
                     PG_V(v_int(cr->id), v_text(cr->name), v_int(cr->updated_at)), NULL, NULL);
    return pg_tx_end(st, rc, false);
}

int pg_carrier_delete(store_t *st, int64_t account_id, int64_t id, int64_t *in_use)
{
    conn_t *c = pg_conn(st);
    *in_use = 0;
    /* lock the carrier, then count, then delete: a number added on another
     * node is either committed before the count (in use) or waits for the
     * delete and then finds no carrier */
    if (pg_tx_begin(st, true) != ST_OK) return ST_ERR;
    int rc = pg_exec(c, Q_CARRIER_LOCK, PG_V(v_int(id)), NULL, NULL);
    if (rc == ST_OK) rc = pg_one_row(c, Q_CARRIER_IN_USE, PG_V(v_int(id)), pg_rd_i64, in_use);
    if (rc == ST_OK && *in_use > 0) rc = ST_CONFLICT;
    if (rc == ST_OK) rc = pg_write1(c, Q_CARRIER_DELETE, PG_V(v_int(id), v_int(account_id)));
    /* not found wrote nothing: an enclosing transaction goes on (sqlite/carriers.c) */
    return pg_tx_end(st, rc, true);
}

int pg_carrier_in_use(store_t *st, int64_t id, int64_t *n)
{
    *n = 0;
    return pg_one_row(pg_conn(st), Q_CARRIER_IN_USE, PG_V(v_int(id)), pg_rd_i64, n);
}

int pg_carrier_reg_list(store_t *st, int64_t after_id, int limit, carrier_t *rows, size_t *nrows)
{
    /* carriers and their gateways in one statement: one snapshot */
    return pg_rows(pg_conn(st), Q_CARRIER_REG_LIST, PG_V(v_int(after_id), v_int(limit)), limit,
                   pg_rd_carrier, rows, nrows);
}

static void rd_sig(sqls_row_t *d, void *out, size_t i)
{
    (void)i;
    int64_t *sig = out;
    for (int k = 0; k < 3; k++) sig[k] = rd_i64(d);
}

int pg_carrier_reg_sig(store_t *st, int64_t sig[3])
{
    return pg_one_row(pg_conn(st), Q_CARRIER_REG_SIG, PG_NONE, rd_sig, sig);
}
