/* carriers.c -- carriers and their SIP gateways in SQLite.  A carrier's
 * gateways are rows of carrier_gateways (by position), read and written
 * with the carrier in one transaction. */
#include "store/sqlite/sqliteInt.h"

#include <string.h>

#define CARRIER_SELECT "SELECT " SQLS_CARRIER_COLS " " SQLS_CARRIER_FROM
/* ?1 account, ?2 sub (0: any), ?3 name (NULL: any) */
#define CARRIER_SCOPE \
    "WHERE coalesce(c.account_id, 0) = ?1 AND (?2 = 0 OR c.sub_id = ?2) AND (?3 IS NULL OR c.name = ?3)"

static const char *const sql_text[Q__COUNT] = {
    [Q_CARRIER_INSERT] =
        "INSERT INTO carriers(uuid, voip_sid, carrier_id, account_id, sub_id, name, trunk_type, "
        "voice, sms, in_username, in_password, reg_username, reg_password, reg_realm, "
        "reg_from_user, reg_from_domain, reg_expires, created_at, updated_at, out_username, "
        "out_password, out_realm, incoming) VALUES (?1, ?2, ?3, NULLIF(?4, 0), ?5, ?6, ?7, ?8, ?9, "
        "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?24)",
    /* ref is one of the three public ids; their shapes never collide */
    [Q_CARRIER_GET] = CARRIER_SELECT
        "WHERE coalesce(c.account_id, 0) = ?1 AND (?2 = 0 OR c.sub_id = ?2) "
        "AND (c.carrier_id = ?3 OR c.uuid = ?3 OR c.voip_sid = ?3)",
    [Q_CARRIER_LIST] = CARRIER_SELECT CARRIER_SCOPE " ORDER BY c.id LIMIT ?4 OFFSET ?5",
    [Q_CARRIER_COUNT] = "SELECT count(*) FROM carriers c " CARRIER_SCOPE,
    [Q_CARRIER_UPDATE] =
        "UPDATE carriers SET sub_id = ?5, name = ?6, trunk_type = ?7, voice = ?8, sms = ?9, "
        "in_username = ?10, in_password = ?11, reg_username = ?12, reg_password = ?13, "
        "reg_realm = ?14, reg_from_user = ?15, reg_from_domain = ?16, reg_expires = ?17, "
        "updated_at = ?19, out_username = ?20, out_password = ?21, out_realm = ?22 "
        "WHERE id = ?23 AND coalesce(account_id, 0) = ?4",
    [Q_CARRIER_RENAME_NUMBERS] =
        "UPDATE numbers SET carrier = ?2, updated_at = ?3 WHERE carrier_id = ?1 AND carrier != ?2",
    [Q_CARRIER_DELETE] = "DELETE FROM carriers WHERE id = ?1 AND coalesce(account_id, 0) = ?2",
    [Q_GW_INSERT] =
        "INSERT INTO carrier_gateways(carrier, pos, sid, address, port, netmask, inbound, outbound, "
        "transport) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [Q_GW_READ] =
        "SELECT g.sid, g.address, g.port, g.netmask, g.inbound, g.outbound, " SQLS_GW_DOWN
        ", g.transport FROM carrier_gateways g WHERE g.carrier = ?1 ORDER BY g.pos",
    /* every account's `reg` carriers, by id (the registration client) */
    [Q_CARRIER_REG_LIST] = CARRIER_SELECT "WHERE c.trunk_type = 2 AND " SQLS_REG_LIVE
                                          " AND c.id > ?1 ORDER BY c.id LIMIT ?2",
};

/* Q_CARRIER_INSERT takes ?1-?22 and ?24 (incoming) of these;
 * Q_CARRIER_UPDATE the first 23 (?23: the row id). */
#define CARRIER_ARGS 24
static void carrier_args(const carrier_t *c, sq_arg_t a[CARRIER_ARGS])
{
    const sq_arg_t v[CARRIER_ARGS] = {
        SQ_T(c->uuid), SQ_T(c->voip_sid), SQ_T(c->carrier_id), SQ_I(c->account_id),
        SQ_ID(c->sub_id), SQ_T(c->name), SQ_I(c->trunk), SQ_I(c->voice), SQ_I(c->sms),
        SQ_TN(c->in_user), SQ_B(c->in_box, c->in_box_len), SQ_TN(c->reg_user),
        SQ_B(c->reg_box, c->reg_box_len), SQ_TN(c->reg_realm), SQ_TN(c->reg_from_user),
        SQ_TN(c->reg_from_domain), SQ_ID(c->reg_expires), SQ_I(c->created_at),
        SQ_I(c->updated_at), SQ_TN(c->out_user), SQ_B(c->out_box, c->out_box_len),
        SQ_TN(c->out_realm), SQ_I(c->id), SQ_I(c->incoming),
    };
    memcpy(a, v, sizeof v);
}

static int gw_write(conn_t *c, const carrier_t *cr)
{
    sqlite3_stmt *q = STMT(c, Q_GW_INSERT);
    if (!q) return ST_ERR;
    for (size_t i = 0; i < cr->ngw; i++) {
        const gateway_t *g = &cr->gw[i];
        sq_bind_args(q, SQ_ARGS(SQ_I(cr->id), SQ_I(i), SQ_T(g->sid), SQ_T(g->address),
                                SQ_I(g->port), SQ_I(g->netmask), SQ_I(g->inbound),
                                SQ_I(g->outbound), SQ_I(g->transport)));
        int rc = sq_run(c, q, "gateway insert", NULL);
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

int sq_carrier_gateways(void *conn, carrier_t *cr)
{
    conn_t *c = conn;
    sqlite3_stmt *q = STMT(c, Q_GW_READ);
    if (!q) return ST_ERR;
    size_t cap = 0;
    int rc;
    sqlite3_bind_int64(q, 1, cr->id);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (cr->ngw == cap) {
            cap = cap ? cap * 2 : 2;
            cr->gw = xrealloc(cr->gw, cap * sizeof *cr->gw);
        }
        gateway_t *g = &cr->gw[cr->ngw++];
        memset(g, 0, sizeof *g);
        sq_col_text(q, 0, g->sid, sizeof g->sid);
        sq_col_text(q, 1, g->address, sizeof g->address);
        g->port = sqlite3_column_int(q, 2);
        g->netmask = sqlite3_column_int(q, 3);
        g->inbound = sqlite3_column_int(q, 4) != 0;
        g->outbound = sqlite3_column_int(q, 5) != 0;
        g->down = sqlite3_column_int(q, 6) != 0;
        g->transport = sqlite3_column_int(q, 7) == GW_TP_TCP ? GW_TP_TCP : GW_TP_UDP;
    }
    sq_done(q);
    if (rc != SQLITE_DONE) {
        sq_log_error(c->db, "gateway read");
        return ST_ERR;
    }
    return ST_OK;
}

/* Ends a write transaction begun by the caller: commit on ST_OK, else roll
 * back and return rc. */
static int tx_end(store_t *st, int rc)
{
    if (rc != ST_OK) {
        sq_tx_rollback(st);
        return rc;
    }
    return sq_tx_commit(st);
}

/* The write ops below take their connection AFTER sq_tx_begin: a write
 * transaction runs on the store's group connection (conn.c, group
 * commit), not on the thread's own. */
int sq_carrier_insert(store_t *st, carrier_t *cr)
{
    if (sq_tx_begin(st, true) != ST_OK) return ST_ERR;
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_CARRIER_INSERT) : NULL;
    if (!q) return tx_end(st, ST_ERR);
    sq_arg_t a[CARRIER_ARGS];
    carrier_args(cr, a);
    sq_bind_args(q, a, CARRIER_ARGS);
    int rc = sq_step(c, q, "carrier insert");
    sq_done(q);
    if (rc == ST_OK) {
        cr->id = sqlite3_last_insert_rowid(c->db);
        rc = gw_write(c, cr);
    }
    return tx_end(st, rc);
}

int sq_carrier_one(store_t *st, int which, const char *sql, carrier_t *out, const char *what,
                   const sq_arg_t *a, size_t n)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? sq_stmt(c, which, sql) : NULL;
    if (!q) return ST_ERR;
    /* one snapshot for the carrier and its gateways */
    if (sq_tx_begin(st, false) != ST_OK) return ST_ERR;
    sq_bind_args(q, a, n);
    int rc = sq_one_row(c, q, sqls_rd_carrier, out, what);
    bool filled = rc == ST_OK;
    if (rc == ST_OK && sq_carrier_gateways(c, out) != ST_OK) rc = ST_ERR;
    if (sq_tx_commit(st) != ST_OK && rc == ST_OK) rc = ST_ERR;
    if (filled && rc != ST_OK) carrier_clear(out);
    return rc;
}

int sq_carrier_head(store_t *st, int64_t account_id, int64_t sub_id, const char *ref,
                    carrier_t *out)
{
    /* the row alone: one statement, its own snapshot (the gateways' read,
     * left out, was a third of reading a carrier) */
    return SQ_ONE(st, Q_CARRIER_GET, sqls_rd_carrier, out, SQ_I(account_id), SQ_I(sub_id), SQ_T(ref));
}

int sq_carrier_get(store_t *st, int64_t account_id, int64_t sub_id, const char *ref,
                   carrier_t *out)
{
    return SQ_CARRIER_ONE(st, Q_CARRIER_GET, out, "carrier get", SQ_I(account_id), SQ_I(sub_id),
                          SQ_T(ref));
}

int sq_carrier_list(store_t *st, int64_t account_id, int64_t sub_id, const char *name, int limit,
                    int offset, carrier_t *rows, size_t *nrows, int64_t *total)
{
    conn_t *c = CONN(st);
    if (!c) return ST_ERR;
    *nrows = 0;
    /* the page, its count and the page's gateways in one snapshot */
    if (sq_tx_begin(st, false) != ST_OK) return ST_ERR;
    int rc = SQ_PAGE_SCOPED(st, Q_CARRIER_LIST, Q_CARRIER_COUNT, account_id, sub_id, name, limit,
                            offset, sqls_rd_carrier, rows, nrows, total, "carrier list");
    for (size_t i = 0; rc == ST_OK && i < *nrows; i++) rc = sq_carrier_gateways(c, &rows[i]);
    if (sq_tx_commit(st) != ST_OK) rc = ST_ERR;
    if (rc != ST_OK) {
        carrier_clear_rows(rows, *nrows);
        *nrows = 0;
    }
    return rc;
}

int sq_carrier_update(store_t *st, const carrier_t *cr)
{
    if (sq_tx_begin(st, true) != ST_OK) return ST_ERR;
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_CARRIER_UPDATE) : NULL;
    sqlite3_stmt *r = c ? STMT(c, Q_CARRIER_RENAME_NUMBERS) : NULL;
    if (!q || !r) return tx_end(st, ST_ERR);
    sq_arg_t a[CARRIER_ARGS];
    carrier_args(cr, a);
    sq_bind_args(q, a, CARRIER_ARGS - 1);
    int rc = sq_run1(c, q, "carrier update");
    if (rc == ST_OK) rc = SQ_RUN(st, Q_GW_DELETE, NULL, SQ_I(cr->id));
    if (rc == ST_OK) rc = gw_write(c, cr);
    if (rc == ST_OK) {
        /* numbers show the carrier's name: keep them in step with a rename */
        sq_bind_args(r, SQ_ARGS(SQ_I(cr->id), SQ_T(cr->name), SQ_I(cr->updated_at)));
        rc = sq_run(c, r, "carrier rename numbers", NULL);
    }
    return tx_end(st, rc);
}

int sq_carrier_delete(store_t *st, int64_t account_id, int64_t id, int64_t *in_use)
{
    *in_use = 0;
    /* the count and the delete under one write lock: a number added in
     * between cannot end up pointing at a deleted carrier */
    if (sq_tx_begin(st, true) != ST_OK) return ST_ERR;
    conn_t *c = CONN(st);
    sqlite3_stmt *u = c ? STMT(c, Q_CARRIER_IN_USE) : NULL;
    if (!u) return tx_end(st, ST_ERR);
    sqlite3_bind_int64(u, 1, id);
    int rc = sq_step_row(c, u, "carrier in use");
    if (rc == ST_OK) *in_use = sqlite3_column_int64(u, 0);
    else rc = ST_ERR; /* a count always has its row */
    sq_done(u);
    if (rc == ST_OK && *in_use > 0) rc = ST_CONFLICT;
    if (rc == ST_OK) rc = SQ_RUN1(st, Q_CARRIER_DELETE, SQ_I(id), SQ_I(account_id));
    /* not found wrote nothing: commit, so that a caller's enclosing
     * transaction (the core's, with its event) is not made to roll back
     * (an upstream rename asks for the count with an id that cannot match) */
    if (rc == ST_NOTFOUND) return sq_tx_commit(st) == ST_OK ? ST_NOTFOUND : ST_ERR;
    return tx_end(st, rc);
}

int sq_carrier_in_use(store_t *st, int64_t id, int64_t *n)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *u = c ? STMT(c, Q_CARRIER_IN_USE) : NULL;
    *n = 0;
    if (!u) return ST_ERR;
    sqlite3_bind_int64(u, 1, id);
    int rc = sq_step_row(c, u, "carrier in use");
    if (rc == ST_OK) *n = sqlite3_column_int64(u, 0);
    else rc = ST_ERR; /* a count always has its row */
    sq_done(u);
    return rc;
}

int sq_carrier_reg_list(store_t *st, int64_t after_id, int limit, carrier_t *rows, size_t *nrows)
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_CARRIER_REG_LIST) : NULL;
    if (!q) return ST_ERR;
    *nrows = 0;
    if (sq_tx_begin(st, false) != ST_OK) return ST_ERR;
    sq_bind_args(q, SQ_ARGS(SQ_I(after_id), SQ_I(limit)));
    int rc = ST_OK, s;
    while ((int)*nrows < limit && (s = sqlite3_step(q)) == SQLITE_ROW) {
        sqls_row_t r = sq_row(q);
        sqls_rd_carrier(&r, rows, *nrows);
        (*nrows)++;
    }
    if ((int)*nrows < limit && s != SQLITE_DONE) {
        sq_log_error(c->db, "carrier reg list");
        rc = ST_ERR;
    }
    sq_done(q);
    for (size_t i = 0; rc == ST_OK && i < *nrows; i++) rc = sq_carrier_gateways(c, &rows[i]);
    if (sq_tx_commit(st) != ST_OK) rc = ST_ERR;
    if (rc != ST_OK) {
        carrier_clear_rows(rows, *nrows);
        *nrows = 0;
    }
    return rc;
}

int sq_carrier_reg_sig(store_t *st, int64_t sig[3])
{
    conn_t *c = CONN(st);
    sqlite3_stmt *q = c ? STMT(c, Q_CARRIER_REG_SIG) : NULL;
    if (!q) return ST_ERR;
    int rc = sq_step_row(c, q, "carrier reg sig");
    if (rc == ST_OK)
        for (int i = 0; i < 3; i++) sig[i] = sqlite3_column_int64(q, i);
    sq_done(q);
    return rc == ST_OK ? ST_OK : ST_ERR;
}
