/* registrations.c -- the registration client's stored state (SIP.md §5),
 * and the advisory lock that makes exactly one node register a carrier.
 *
 * The lock is a session lock on the registering thread's own connection:
 * when that node dies, PostgreSQL ends its session and the lock is free for
 * the next node's try.  pg_try_advisory_lock stacks (taking it twice needs
 * two unlocks), so the try first asks pg_locks whether this session already
 * holds it: a try is then idempotent and can be repeated every cycle, which
 * is also how a node notices it lost the lock with a reset connection. */
#include "store/postgres/pgInt.h"

/* the state as shown (core/registrations.c reg_status_settle): registered
 * with its binding expired at $5 is unregistered */
#define REG_WHERE                                                                            \
    "WHERE ($1::int < 0 OR (CASE WHEN r.state = 1 AND r.expires_at <= $5::bigint THEN 3 "    \
    "ELSE r.state END) = $1) AND ($2::bigint = 0 OR c.account_id = $2)"

/* Takes the session lock (NS, KEY) unless this session holds it already:
 * pg_try_advisory_lock stacks (see above), so asking pg_locks first makes
 * the try idempotent.  NS and KEY are SQL text (KEY a literal or $n). */
#define TRY_LOCK(NS, KEY)                                                                     \
    "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND "       \
    "pid = pg_backend_pid() AND classid = " NS "::bigint::oid AND "                          \
    "objid = " KEY "::bigint::oid AND objsubid = 2) THEN true "                              \
    "ELSE pg_try_advisory_lock(" NS ", " KEY "::int) END"

const char *const pg_sql_registrations[Q__COUNT] = {
    /* nothing is written for a carrier deleted meanwhile */
    [Q_REG_PUT] =
        "INSERT INTO registrations(carrier_id, state, last_code, reason, expires_at, "
        "last_attempt_at, next_attempt_at, failures, node, updated_at, registrar_ip) "
        "SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 WHERE EXISTS "
        "(SELECT 1 FROM carriers WHERE id = $1) "
        "ON CONFLICT (carrier_id) DO UPDATE SET state = EXCLUDED.state, "
        "last_code = EXCLUDED.last_code, reason = EXCLUDED.reason, "
        "expires_at = EXCLUDED.expires_at, last_attempt_at = EXCLUDED.last_attempt_at, "
        "next_attempt_at = EXCLUDED.next_attempt_at, failures = EXCLUDED.failures, "
        "node = EXCLUDED.node, updated_at = EXCLUDED.updated_at, registrar_ip = EXCLUDED.registrar_ip",
    [Q_REG_LIST] = PAGE("FROM registrations r JOIN carriers c ON c.id = r.carrier_id " REG_WHERE,
                        SQLS_REG_SELECT REG_WHERE " ORDER BY r.carrier_id LIMIT $3 OFFSET $4"),
    [Q_REG_LOCK] = TRY_LOCK(LOCK_NS_REG_BUCKET, "$1"),
    [Q_REG_UNLOCK] = "SELECT pg_advisory_unlock(" LOCK_NS_REG_BUCKET ", $1::int)",
    [Q_PROBE_LOCK] = TRY_LOCK(LOCK_NS, LOCK_PROBE),
    [Q_PROBE_SET] =
        "INSERT INTO carrier_probes(carrier_id, interval_s) SELECT $1, $2 "
        "WHERE EXISTS (SELECT 1 FROM carriers WHERE id = $1) "
        "ON CONFLICT (carrier_id) DO UPDATE SET interval_s = EXCLUDED.interval_s",
    [Q_PROBE_TARGETS] =
        "SELECT p.carrier_id, p.interval_s, g.sid, g.address, g.port, g.transport, "
        "COALESCE((SELECT c.account_id FROM carriers c WHERE c.id = p.carrier_id), 0) "
        "FROM carrier_probes p JOIN carrier_gateways g ON g.carrier = p.carrier_id AND g.outbound "
        "ORDER BY p.carrier_id, g.pos LIMIT $1",
    [Q_HEALTH_PUT] =
        "INSERT INTO gateway_health(sid, carrier_id, state, misses, last_code, last_probe_at, "
        "updated_at) SELECT $1, $2, $3, $4, $5, $6, $7 "
        "WHERE EXISTS (SELECT 1 FROM carriers WHERE id = $2) "
        "ON CONFLICT (sid) DO UPDATE SET carrier_id = EXCLUDED.carrier_id, state = EXCLUDED.state, "
        "misses = EXCLUDED.misses, last_code = EXCLUDED.last_code, "
        "last_probe_at = EXCLUDED.last_probe_at, updated_at = EXCLUDED.updated_at",
    /* SQLite's Q_HEALTH_EXPIRE */
    [Q_HEALTH_EXPIRE] =
        "UPDATE gateway_health h SET state = 0, misses = 0, updated_at = $1 WHERE h.state = 2 AND "
        "h.last_probe_at < $1::bigint - $3::bigint - $2::bigint * (SELECT p.interval_s FROM "
        "carrier_probes p WHERE p.carrier_id = h.carrier_id)",
};

int pg_reg_status_put(store_t *st, const reg_status_t *r)
{
    return pg_write1(pg_conn(st), Q_REG_PUT,
                     PG_V(v_int(r->carrier_id), v_int(r->state), v_int(r->last_code),
                          v_text(r->reason), v_int(r->expires_at), v_int(r->last_attempt_at),
                          v_int(r->next_attempt_at), v_int(r->failures), v_text(r->node),
                          v_int(r->updated_at), v_text(r->registrar_ip)));
}

int pg_reg_status_get(store_t *st, int64_t carrier_id, reg_status_t *out)
{
    return pg_one_row(pg_conn(st), Q_REG_GET, PG_V(v_int(carrier_id)), sqls_rd_reg, out);
}

int pg_reg_status_list(store_t *st, const reg_q_t *q, reg_status_t *rows, size_t *nrows,
                       int64_t *total)
{
    return pg_page(pg_conn(st), Q_REG_LIST,
                   PG_V(v_int(q->state), v_int(q->account_id), v_int(q->limit), v_int(q->offset),
                        v_int(q->now)),
                   q->limit, sqls_rd_reg, rows, nrows, total);
}

static void rd_bool(sqls_row_t *d, void *out, size_t i)
{
    (void)i;
    *(bool *)out = d->ops->boolean(d);
}

int pg_reg_lock_try(store_t *st, int64_t bucket, bool *got)
{
    *got = false;
    if (bucket < 0 || bucket > 0x7fffffff) return ST_ERR; /* the second key is an int4 */
    return pg_one_row(pg_conn(st), Q_REG_LOCK, PG_V(v_int(bucket)), rd_bool, got);
}

int pg_probe_lock_try(store_t *st, bool *got)
{
    *got = false;
    return pg_one_row(pg_conn(st), Q_PROBE_LOCK, PG_NONE, rd_bool, got);
}

int pg_reg_unlock(store_t *st, int64_t bucket)
{
    if (bucket < 0 || bucket > 0x7fffffff) return ST_ERR;
    bool was = false;
    return pg_one_row(pg_conn(st), Q_REG_UNLOCK, PG_V(v_int(bucket)), rd_bool, &was);
}

/* ---- gateway health (SIP.md §6) --------------------------------------------- */

int pg_probe_set(store_t *st, int64_t carrier_id, int interval)
{
    if (interval <= 0) return pg_exec(pg_conn(st), Q_PROBE_DEL, PG_V(v_int(carrier_id)), NULL, NULL);
    return pg_write1(pg_conn(st), Q_PROBE_SET, PG_V(v_int(carrier_id), v_int(interval)));
}

int pg_probe_get(store_t *st, int64_t carrier_id, int *interval)
{
    return pg_one_row(pg_conn(st), Q_PROBE_GET, PG_V(v_int(carrier_id)), sqls_rd_int,
                      interval);
}

int pg_probe_targets(store_t *st, int max, probe_target_t *rows, size_t *nrows)
{
    return pg_rows(pg_conn(st), Q_PROBE_TARGETS, PG_V(v_int(max)), max, sqls_rd_probe_target,
                   rows, nrows);
}

int pg_health_put(store_t *st, const gw_health_t *h)
{
    return pg_write1(pg_conn(st), Q_HEALTH_PUT,
                     PG_V(v_text(h->sid), v_int(h->carrier_id), v_int(h->state), v_int(h->misses),
                          v_int(h->last_code), v_int(h->last_probe_at), v_int(h->updated_at)));
}

int pg_reg_expire_due(store_t *st, int64_t now, bool *any)
{
    int64_t n = 0;
    int rc = pg_one_row(pg_conn(st), Q_REG_EXPIRE_DUE, PG_V(v_int(now)), pg_rd_i64, &n);
    *any = rc == ST_OK && n > 0;
    return rc;
}

int pg_reg_expire(store_t *st, int64_t now, const char *reason, size_t max, int64_t *ids,
                  size_t *n)
{
    sqls_ids_walk_t w = {ids, 0, max};
    int rc = pg_each(pg_conn(st), Q_REG_EXPIRE, PG_V(v_int(now), v_text(reason), v_int((int64_t)max)),
                     sqls_each_id, &w);
    *n = rc == ST_OK ? w.n : 0;
    return rc;
}

int pg_health_expire(store_t *st, int64_t now, int64_t *n)
{
    *n = 0;
    return pg_exec(pg_conn(st), Q_HEALTH_EXPIRE,
                   PG_V(v_int(now), v_int(HEALTH_STALE_PROBES), v_int(HEALTH_STALE_SLACK_S)), NULL, n);
}

int pg_health_list(store_t *st, int64_t carrier_id, int max, gw_health_t *rows, size_t *nrows)
{
    return pg_rows(pg_conn(st), Q_HEALTH_LIST, PG_V(v_int(carrier_id), v_int(max)), max,
                   sqls_rd_health, rows, nrows);
}
