/* events.c -- the event log in SQLite (migration 0008_events): append
 * inside the caller's write transaction, list with filters past a cursor,
 * purge the oldest in bounded batches.  One writer at a time (BEGIN
 * IMMEDIATE and the process's writer mutex), so the AUTOINCREMENT rowid is
 * commit order: a reader that saw id n never later sees a lower id appear. */
#include "store/sqlite/sqliteInt.h"

static const char *const sql_text[Q__COUNT] = {
    /* Q_EVENT_APPEND: sqltext.c */
    /* in events_ts order: ORDER BY id walked the whole log in id order
     * looking for old rows, every sweep and before every start-up
     * (0.09 s at 500,000 events, none old); the index range stops at once */
    [Q_EVENT_PURGE] = "DELETE FROM events WHERE id IN "
                      "(SELECT id FROM events WHERE ts < ?1 ORDER BY ts LIMIT ?2)",
};

int sq_event_append(store_t *st, event_t *ev)
{
    ev->id = 0;
    return SQ_INSERT(st, Q_EVENT_APPEND, &ev->id, SQ_I(ev->ts), SQ_T(ev->type),
                     SQ_ID(ev->account_id), SQ_T(ev->object_type), SQ_T(ev->object_id),
                     SQ_T(ev->actor_kind), SQ_T(ev->actor_id), SQ_T(ev->request_id),
                     SQ_T(ev->data));
}

/* sqlwhere's walk runner: the builder's statement, from the connection's
 * cache of such statements (sq_stmt_dyn). */
static int each_dyn(void *conn, const sqlw_t *w, const char *sql,
                    int (*fn)(sqls_row_t *r, void *arg), void *arg)
{
    conn_t *c = conn;
    sqlite3_stmt *q = c ? sq_stmt_dyn(c, sql) : NULL;
    if (!q) return ST_ERR;
    sq_bind_vals(q, w);
    return sq_each(c, q, fn, arg, "event list");
}

int sq_event_list(store_t *st, const event_filter_t *f, store_event_cb cb, void *ud)
{
    return sqlw_event_list_run(&sqlw_sqlite, f, each_dyn, CONN(st), cb, ud);
}

int sq_event_purge(store_t *st, int64_t before_ts, int max, int64_t *n)
{
    int changes = 0;
    int rc = SQ_RUN(st, Q_EVENT_PURGE, &changes, SQ_I(before_ts), SQ_I(max));
    *n = rc == ST_OK ? changes : 0;
    return rc;
}
