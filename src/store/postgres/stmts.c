/* stmts.c -- the PostgreSQL backend's statement texts (its files' own
 * tables and the shared sqltext.c, whose ?N placeholders it reads as $N),
 * loaded once per process, and which statements may be sent twice. */
#include "store/postgres/pgInt.h"

/* ---- the statement tables ------------------------------------------------ */

static const char *const *const sql_tables[] = {
    pg_sql_conn,  pg_sql_settings,    pg_sql_accounts, pg_sql_inventory,  pg_sql_numbers,
    pg_sql_owned, pg_sql_subaccounts, pg_sql_apps,     pg_sql_compliance, pg_sql_carriers,
    pg_sql_idem,  pg_sql_sbc,       pg_sql_credentials, pg_sql_registrations,
    pg_sql_events, pg_sql_webhooks,
};
#define NTABLES (sizeof sql_tables / sizeof sql_tables[0])

/* The statements' texts, loaded once per process (pg_stmts_init): a
 * backend file's own, else the shared one (sqltext.c) with its ?N
 * placeholders read as $N.  NULL: a statement only SQLite has. */
static const char *g_sql[Q__COUNT];
static pthread_once_t g_sql_once = PTHREAD_ONCE_INIT;

/* sqltext.c's ?N as PostgreSQL's $N (outside quoted literals); a "?" that
 * is no placeholder there would be an operator of PostgreSQL's jsonb,
 * which no shared statement may use: refused at start. */
static char *sql_dollars(const char *sql, int which)
{
    char *out = xstrdup(sql);
    bool quoted = false;
    for (char *p = out; *p; p++) {
        if (*p == '\'') quoted = !quoted;
        else if (*p == '?' && !quoted) {
            if (p[1] < '0' || p[1] > '9')
                nd_panic("postgres: shared statement %d has a ? that is no placeholder", which);
            *p = '$';
        }
    }
    return out;
}

/* Every statement has at most one text: a file's own and the shared one
 * both (or two files' own) stops numberd at start, not at the first
 * request that needs it. */
static void sql_load(void)
{
    for (int q = 0; q < Q__COUNT; q++) {
        int n = sqlt_text[q] != NULL;
        for (size_t t = 0; t < NTABLES; t++)
            if (sql_tables[t][q]) {
                g_sql[q] = sql_tables[t][q];
                n++;
            }
        if (n > 1) nd_panic("postgres: statement %d has %d SQL texts", q, n);
        if (sqlt_text[q]) g_sql[q] = sql_dollars(sqlt_text[q], q);
    }
}

const char *pg_sql(int which)
{
    pthread_once(&g_sql_once, sql_load);
    if (!g_sql[which]) nd_panic("postgres: statement %d has no SQL text", which);
    return g_sql[which];
}

/* ---- which statements may be sent twice ----------------------------------
 *
 * A statement whose connection died before its answer arrived has an
 * unknown outcome: the server may have run it, and committed it (outside
 * a transaction every statement commits by itself), before the connection
 * was lost.  Sending it again on a fresh connection is right only when
 * running it twice is the same as running it once: reads, and the few
 * writes that are idempotent.  Every other statement fails with its
 * connection (ST_ERR: 503 to the client, who may look and retry), so that
 * a write whose reply was lost never runs twice -- a second subaccount, an
 * approve answered 409.  A statement added later is not retried until it
 * is listed here: the safe default. */
static const int retry_safe_reads[] = {
    Q_PING, Q_READ_VERSION, Q_MIGRATE_VERSION, Q_SETTING_GET,
    Q_ACCOUNT_BY_AUTH_ID, Q_ACCOUNT_BY_ID, Q_ACCOUNT_LIST, Q_ACCOUNT_COUNT, Q_APIKEY_LOOKUP,
    Q_STATS, Q_EXPORT,
    Q_NUMBER_GET_AVAILABLE, Q_NUMBER_STATE, Q_NUMBER_LOOKUP,
    Q_OWNED_GET, Q_OWNED_GET_BYOC, Q_OWNED_GET_ANY, Q_OWNED_LIST_STATE,
    Q_SUB_LIST,
    Q_APP_GET, Q_APP_LIST, Q_APP_EXISTS, Q_APP_DEFAULT,
    Q_COMPLIANCE_GET, Q_COMPLIANCE_LATEST,
    Q_CARRIER_GET, Q_CARRIER_LIST, Q_CARRIER_IN_USE,
    Q_IDEM_GET,
    /* the plain reads left off this list until session 38 (a helper's
     * audit): after a routine reconnect (a restart of PostgreSQL, a
     * failover, idle_session_timeout, a pooler's idle cut) each failed
     * once with 503 on a healthy database -- a Bearer key's lookup, the
     * webhooks' and registrations' lists, the SBC feed's reads.  (Not
     * the *_LOCK reads, which run inside a transaction, where nothing is
     * resent; nor the advisory locks' tries, a session's state.) */
    Q_APIKEY_BY_HASH, Q_APIKEY_LIST, Q_CRED_EPOCH_GET,
    Q_INV_RATES, Q_INV_RESTRICTIONS, Q_RENEWAL_DUE,
    Q_COMPLIANCE_LIST, Q_COMPLIANCE_NUMBERS,
    Q_CARRIER_REG_LIST, Q_CARRIER_REG_SIG,
    Q_REG_GET, Q_REG_LIST, Q_REG_EXPIRE_DUE, Q_PROBE_GET, Q_PROBE_TARGETS, Q_HEALTH_LIST,
    Q_SBC_SEQ, Q_SBC_ACCOUNTS, Q_SBC_APPS, Q_SBC_CARRIERS, Q_SBC_CHANGES, Q_SBC_PRUNED,
    Q_SBC_NUMBER, Q_SBC_NUMBERS_IN, Q_SBC_CARRIER, Q_SBC_APP, Q_SBC_UPSTREAM_NUMBERS,
    Q_SBC_UNSEQUENCED,
    Q_WH_EP_GET, Q_WH_EP_BY_ID, Q_WH_EP_LIST, Q_WH_EP_PAGE, Q_WH_EP_OWNED, Q_WH_CURSOR_GET,
    Q_WH_DL_DUE, Q_WH_DL_GET, Q_WH_DL_LIST,
};
/* idempotent writes: the same values written again change nothing (an
 * upsert of one setting; the aging sweep's conditional UPDATE; an
 * insert-if-absent, whose second run meets the first's row and reports
 * it: the caller compares values, and they are its own) */
static const int retry_safe_writes[] = {
    Q_SETTING_PUT, Q_AGING_SWEEP, Q_SETTING_PUT_NEW,
    /* a round of the logs' ids (tx.c): a second run gives what the first
     * did not */
    Q_EVENT_SEQUENCE,
};
static bool g_retry_safe[Q__COUNT];

/* Is sql a plain read?  (SELECT, no data-changing statement, no lock that
 * outlives it.)  Checks the list above at start, and decides for the
 * statements whose text varies (search and list filters). */
static bool sql_is_read(const char *sql)
{
    static const char *const writes[] = {"INSERT", "DELETE", "TRUNCATE", "pg_advisory", "nextval"};
    while (*sql == ' ' || *sql == '(') sql++;
    if (strncmp(sql, "SELECT", 6) != 0) return false;
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++)
        if (strstr(sql, writes[i])) return false;
    /* "UPDATE" only as a row lock (FOR UPDATE), which ends with the statement */
    for (const char *u = strstr(sql, "UPDATE"); u; u = strstr(u + 6, "UPDATE"))
        if (u - sql < 4 || strncmp(u - 4, "FOR ", 4) != 0) return false;
    return true;
}

static void retry_check(void)
{
    for (size_t i = 0; i < sizeof retry_safe_reads / sizeof retry_safe_reads[0]; i++) {
        int q = retry_safe_reads[i];
        if (!sql_is_read(pg_sql(q)))
            nd_panic("postgres: statement %d is listed as safe to retry but is not a read", q);
        g_retry_safe[q] = true;
    }
    for (size_t i = 0; i < sizeof retry_safe_writes / sizeof retry_safe_writes[0]; i++)
        g_retry_safe[retry_safe_writes[i]] = true;
}

bool pg_retry_safe(int which, const char *sql)
{
    return which >= 0 ? g_retry_safe[which] : sql_is_read(sql);
}

void pg_stmts_init(void)
{
    pthread_once(&g_sql_once, sql_load);
    retry_check();
}
