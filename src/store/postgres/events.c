/* events.c -- the event log in PostgreSQL (migration 0007_events): append
 * inside the caller's write transaction, list with filters past a cursor,
 * purge the oldest in bounded batches.
 *
 * Several nodes, one ordered log: an event's id is not drawn at INSERT
 * but after its transaction's COMMIT, by a round of numberd_sequence()
 * (migration 0014_sequencer, tx.c; a batch runs its round inside it, just
 * before its COMMIT, holding the round's lock through it), which gives the SBC change log's seqs
 * too: rounds take turns on an advisory lock and each gives ids above the
 * last round's to the rows of the committed transactions it names, so a
 * reader polling "after_id" skips nothing.  Until then an event's id
 * is NULL, which event_list's "e.id > $1" leaves out; event_append
 * therefore answers id 0. */
#include "store/postgres/pgInt.h"

const char *const pg_sql_events[Q__COUNT] = {
    /* Q_EVENT_APPEND: sqltext.c */
    [Q_EVENT_PURGE] = "DELETE FROM events WHERE rid IN (SELECT rid FROM events WHERE ts < $1 "
                      "AND id IS NOT NULL ORDER BY id LIMIT $2)",
    /* one round: ids and seqs for the rows of the committed transactions
     * named ($1: their xids), or with NULL for every row without them;
     * its own transaction (tx.c) */
    [Q_EVENT_SEQUENCE] = "SELECT numberd_sequence($1::xid8[])",
};

int pg_event_append(store_t *st, event_t *ev)
{
    ev->id = 0;
    return pg_exec(pg_conn(st), Q_EVENT_APPEND,
                   PG_V(v_int(ev->ts), v_text(ev->type), v_id(ev->account_id),
                        v_text(ev->object_type), v_text(ev->object_id), v_text(ev->actor_kind),
                        v_text(ev->actor_id), v_text(ev->request_id),
                        v_text(ev->data)),
                   NULL, NULL);
}

/* sqlwhere's walk runner (pg_each_dyn: its errors name the statement) */
static int each_dyn(void *conn, const sqlw_t *w, const char *sql,
                    int (*fn)(sqls_row_t *r, void *arg), void *arg)
{
    return pg_each_dyn(conn, sql, w, fn, arg);
}

int pg_event_list(store_t *st, const event_filter_t *f, store_event_cb cb, void *ud)
{
    return sqlw_event_list_run(&sqlw_postgres, f, each_dyn, pg_conn(st), cb, ud);
}

int pg_event_purge(store_t *st, int64_t before_ts, int max, int64_t *n)
{
    *n = 0;
    return pg_exec(pg_conn(st), Q_EVENT_PURGE, PG_V(v_int(before_ts), v_int(max)), NULL, n);
}
