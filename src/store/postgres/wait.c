/* wait.c -- the PostgreSQL backend's bounds on waiting for the server:
 * the reply deadline on every result (a blackholed server is dropped, not
 * waited for), raw statements sent with that bound, and lifting and
 * restoring the bounds for long work.  conn.c connects and prepares with
 * these; pgInt.h declares them. */
#include "store/postgres/pgInt.h"
#include "util/clock.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include "util/log.h"
#include "util/metrics.h"

/* ---- bounds on waiting for the server --------------------------------------
 *
 * A request must not wait for PostgreSQL for ever: a partition, a hung
 * server or a proxy that accepts and forwards nothing (a blackhole) would
 * hold its worker thread, and the client, until TCP gives up -- never, on
 * a connection whose packets are acknowledged by something in between.
 * So (each overridable by the URL's own parameters, which libpq reads after
 * these defaults):
 *  - connect_timeout 3 s: a (re)connection gives up in 3 s;
 *  - TCP keepalives (idle 5 s, every 2 s, 3 probes) and tcp_user_timeout
 *    10 s: a peer that vanished from the network is noticed by the kernel,
 *    idle or not;
 *  - statement_timeout 5 s for the session, unless the URL (options=-c
 *    statement_timeout=...), the role, the database or the server's
 *    configuration sets one: a request's statements take milliseconds, and
 *    one that waits longer (a lock) is better answered 503 than held;
 *  - and numberd's own bound: no reply within statement_timeout + 1 s
 *    means no server is answering (a live one would have cancelled the
 *    statement and said so): the socket is shut, the connection counts as
 *    dead and the statement as failed, with an unknown outcome (never
 *    resent).  With statement_timeout=0 (no limit on the server) the
 *    bound is lock_timeout (15 s) + 1 s: a request's statement may wait
 *    that long for a lock, never for ever for a silent server.
 * Long work lifts statement_timeout and lengthens or lifts the reply bound
 * (pg_unbound): migrations (none), an import's own connection (2 min
 * without a byte; its final VACUUM none) and a stream of rows (pg_send_rows:
 * the SBC index's full load, an export; 2 min), so a partition can hold
 * those for that long -- never a request's statement. */
#define PG_REPLY_GRACE_MS 1000

int64_t pg_mono_ms(void)
{
    return (int64_t)(clock_mono_ns() / 1000000u);
}

/* Waits up to ms (0: no bound) until pg's next result is complete.  On
 * timeout the socket is shut down, so that libpq finds the connection
 * dead and PQgetResult returns its error at once; returns false then. */
static bool wait_reply(PGconn *pg, int ms)
{
    if (ms <= 0) return true;
    int64_t deadline = pg_mono_ms() + ms;
    while (PQisBusy(pg)) {
        int64_t left = deadline - pg_mono_ms();
        if (left <= 0) {
            shutdown(PQsocket(pg), SHUT_RDWR);
            return false;
        }
        struct pollfd p = {.fd = PQsocket(pg), .events = POLLIN};
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return true;                           /* libpq will find out */
        if (n > 0 && !PQconsumeInput(pg)) return true;    /* broken: PQgetResult says so */
    }
    return true;
}

/* PQgetResult bounded by ms; *timed_out set when the bound was hit. */
static PGresult *next_bounded(PGconn *pg, int ms, bool *timed_out)
{
    if (!wait_reply(pg, ms)) {
        *timed_out = true;
        metrics_count(MET_DB_ERRORS);
        log_msg(LOG_WARN, "postgres: no reply within %d ms: connection dropped", ms);
    }
    return PQgetResult(pg);
}

/* The results of what was just sent, as PQexec gives them: the last one,
 * or the first error; stops at COPY (the caller feeds or reads it).  With
 * rows (*rows NULL on entry), the first earlier result that returned rows
 * is handed there too (the caller PQclears it), not dropped. */
static PGresult *collect(PGconn *pg, int ms, bool *timed_out, PGresult **rows)
{
    PGresult *last = NULL, *r;
    while ((r = next_bounded(pg, ms, timed_out)) != NULL) {
        if (last && PQresultStatus(last) == PGRES_FATAL_ERROR) {
            PQclear(r);
            continue;
        }
        if (rows && !*rows && last && PQresultStatus(last) == PGRES_TUPLES_OK) *rows = last;
        else PQclear(last);
        last = r;
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_COPY_IN || s == PGRES_COPY_OUT || s == PGRES_COPY_BOTH ||
            PQstatus(pg) == CONNECTION_BAD)
            break;
    }
    return last;
}

PGresult *pg_exec_bounded(PGconn *pg, int ms, const char *sql)
{
    bool timed_out = false;
    if (!PQsendQuery(pg, sql)) return NULL;
    return collect(pg, ms, &timed_out, NULL);
}

int pg_reply_of(int stmt_ms)
{
    return stmt_ms > 0 ? stmt_ms + PG_REPLY_GRACE_MS : 0;
}

/* A reply that never came counts as a failed reconnect: the requests that
 * follow on this thread answer 503 at once for a moment (see conn_ensure)
 * instead of each waiting out a connect timeout first. */
static void note_timeout(conn_t *c)
{
    if (c->timed_out) c->reconnect_failed_ms = pg_mono_ms();
}

PGresult *pg_collect(conn_t *c)
{
    PGresult *r = collect(c->pg, c->reply_ms, &c->timed_out, NULL);
    note_timeout(c);
    return r;
}

PGresult *pg_exec_raw(conn_t *c, const char *sql)
{
    return pg_exec_raw_rows(c, sql, NULL);
}

PGresult *pg_exec_raw_rows(conn_t *c, const char *sql, PGresult **rows)
{
    if (rows) *rows = NULL;
    if (!PQsendQuery(c->pg, sql)) return NULL;
    PGresult *r = collect(c->pg, c->reply_ms, &c->timed_out, rows);
    note_timeout(c);
    return r;
}

PGresult *pg_next_result(conn_t *c)
{
    PGresult *r = next_bounded(c->pg, c->reply_ms, &c->timed_out);
    note_timeout(c);
    if (r == NULL && c->rebind_at_end) {
        c->rebind_at_end = false;
        pg_rebound(c);
    }
    return r;
}

int pg_unbound(conn_t *c, int reply_ms)
{
    if (c->stmt_ms > 0 && !c->unbound) {
        PGresult *r = pg_exec_raw(c, "SET statement_timeout = 0");
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) return ST_ERR;
        c->unbound = true;
    }
    c->reply_ms = reply_ms;
    return ST_OK;
}

void pg_rebound(conn_t *c)
{
    if (c->unbound && PQstatus(c->pg) == CONNECTION_OK) {
        char sql[64];
        snprintf(sql, sizeof sql, "SET statement_timeout = %d", c->stmt_ms);
        PGresult *r = pg_exec_raw(c, sql);
        /* inside a transaction that failed the SET fails too, and the
         * ROLLBACK to come undoes the lifting SET if it was made inside */
        PQclear(r);
    }
    c->unbound = false;
    c->reply_ms = pg_reply_of(c->stmt_ms);
}
