/* sqlwhere.h -- the one builder of the WHERE clauses of number_search and
 * number_list, for every SQL backend.
 *
 * Why: a filter written twice (once per backend, and once more in each
 * backend's hand-written bind loop that must repeat the builder's order)
 * drifts.  Here every condition appends its SQL text with a placeholder AND
 * records the value for that placeholder in the same call, so the SQL and
 * its values cannot disagree; the backend then binds vals[0..n) in one loop,
 * value i to parameter i + 1.
 *
 * What differs between backends is a parameter, sqlw_dialect_t:
 *   - the placeholder style: ?N (SQLite) or $N (PostgreSQL), numbered from 1
 *     in the order the values were recorded;
 *   - case-insensitive equality (city, region, rate center): SQLite's
 *     columns are COLLATE NOCASE, so a plain "=" folds ASCII; PostgreSQL
 *     compares lower() of both sides under the C collation, which matches
 *     the lower() indexes of its schema and folds ASCII only, like NOCASE;
 *   - the number pattern: SQLite matches the GLOB as given; PostgreSQL
 *     rewrites it as an anchored POSIX regular expression (sqlw_glob_regex)
 *     and matches it with "~";
 * Integer values need no cast in either: a placeholder compared with a
 * column takes the column's type (PostgreSQL infers the type of an untyped
 * libpq parameter from its context).
 * Both dialects are defined here (sqlw_sqlite, sqlw_postgres): a backend
 * only names its own.
 *
 * Use (SQLite shown; PostgreSQL is the same with &sqlw_postgres):
 *
 *     sqlw_t w;
 *     sqlw_init(&w, &sqlw_sqlite);
 *     sqlw_search(&w, q, &lca);               w.sql: "WHERE state = 0 AND ..."
 *     buf_t rows = BUF_INIT;
 *     buf_printf(&rows, "SELECT ... FROM numbers %s ORDER BY number", w.sql.data);
 *     sqlw_limit_offset(&w, &rows, q->limit, q->offset);   " LIMIT ?7 OFFSET ?8", recorded
 *     ...prepare; for (i = 0; i < w.n; i++) bind w.v[i] to parameter i + 1...
 *     sqlw_free(&w);
 *
 * Values recorded after the WHERE clause (sqlw_param, sqlw_limit_offset:
 * LIMIT, OFFSET, a count cap) continue the numbering, so several
 * statements can share one builder: each statement uses the placeholders
 * it needs, and a backend whose statements may leave a number unused
 * (SQLite allows gaps: ?1, ?2, ?4) binds only up to its statement's
 * highest parameter.
 *
 * Ownership: the builder owns w.sql and a copy of every text value; both
 * stay valid until sqlw_free(), so a backend may bind them without copying
 * (SQLITE_STATIC) as long as it resets the statement before sqlw_free().
 *
 * Literals: only closed sets are ever written into the SQL text, never a
 * caller's string: a number type (one of five lower-case words, written as
 * a literal so the planner can match the partial index of that type; a
 * word that is not plain [a-z] is bound instead), the services bit mask,
 * state and source codes, and a row id.  These keep the statement text (and
 * so the statement caches) to a few shapes per filter combination.
 */
#ifndef ND_SQLWHERE_H
#define ND_SQLWHERE_H

#include "store/sqlshared.h"
#include "store/store.h"
#include "util/buf.h"

/* The few SQL differences between backends (see the top of this file). */
typedef struct sqlw_dialect {
    char ph;               /* placeholder lead character: '?' or '$' */
    /* printf format of a case-insensitive equality: the first %s is the
     * column, the second the placeholder ("?3" / "$3"). */
    const char *ci_eq;
    /* printf format of a number pattern match: column, placeholder. */
    const char *glob;
    /* the value bound for a GLOB g: g itself (SQLite), or what the
     * dialect's operator reads (PostgreSQL: sqlw_glob_regex) */
    void (*glob_value)(const char *g, buf_t *out);
} sqlw_dialect_t;

extern const sqlw_dialect_t sqlw_sqlite;
extern const sqlw_dialect_t sqlw_postgres;

typedef enum { SQLW_TEXT, SQLW_INT } sqlw_kind_t;

/* One recorded value: parameter number (index + 1) in the SQL. */
typedef struct {
    sqlw_kind_t kind;
    const char *text;      /* SQLW_TEXT: owned by the builder, never NULL */
    int64_t i;             /* SQLW_INT */
} sqlw_val_t;

/* More than any statement here needs (number_list: 16); passing it is a
 * programming error (nd_panic), not an input error: every filter is capped
 * by the core before it reaches the store. */
#define SQLW_MAX_VALS 32

/* The local calling area of an NPA-NXX (search_q_t.lca_prefix): the rate
 * center and LATA of an inventory number that starts with it. */
typedef struct {
    char rc[MODEL_RATE_CENTER_SZ];
    int32_t lata;          /* -1: none */
    bool have;             /* false: the prefix is unknown, so nothing is in its area */
} sqlw_lca_t;

typedef struct {
    const sqlw_dialect_t *d;
    buf_t sql;             /* the clause so far ("WHERE ..."); owned */
    size_t n;              /* values recorded */
    sqlw_val_t v[SQLW_MAX_VALS];
    bool any;              /* a condition was written: the next one starts " AND " */
    sqlw_lca_t lca;        /* sqlw_search_begin's local calling area (the search index's too) */
} sqlw_t;


void sqlw_init(sqlw_t *w, const sqlw_dialect_t *d);
void sqlw_free(sqlw_t *w);

/* ---- whole clauses -------------------------------------------------------- */

/* number_search (API.md §2.2) over table numbers without an alias:
 * "WHERE state = 0 AND country_iso = ?1 ..." in this order: country,
 * prefix range, pattern, type, region, city, rate center, LATA, local
 * calling area (lca may be NULL or !have: no condition), services. */
void sqlw_search(sqlw_t *w, const search_q_t *q, const sqlw_lca_t *lca);

/* number_list (API.md §2.3) over "numbers n": "WHERE n.owner_id = ?1 AND
 * n.state IN (1, 2) ..." in this order: subaccount, type, prefix range,
 * alias, services, CNAM lookup, renewal dates (=, >, >=, <, <=), 10DLC
 * status and campaign, toll-free verification, carrier, source, state. */
void sqlw_numlist(sqlw_t *w, const numlist_q_t *q);
/* sqlw_numlist with another text for its "n.state IN (1, 2)" (the same
 * rows, written so that a plan may use it otherwise: store/postgres's
 * owned.c) */
void sqlw_numlist_as(sqlw_t *w, const numlist_q_t *q, const char *listed);

/* number_list's total_count from the per-owner counters (owner_counts,
 * kept by triggers: migrations sqlite/0010, postgres/0009) instead of a
 * count of the account's numbers, when q filters by nothing those
 * counters are not kept by: subaccount, type, source and state only.
 * Then appends to out a whole statement, "SELECT CAST(coalesce(sum(c.n),
 * 0) AS BIGINT) FROM owner_counts c WHERE ...", recording its values in w
 * after those already there (so it shares w with the page's statement,
 * whose placeholders it leaves alone), and returns true.  Otherwise
 * returns false and changes nothing: the caller counts the rows. */
bool sqlw_numlist_count(sqlw_t *w, const numlist_q_t *q, buf_t *out);
/* Whether sqlw_numlist_count (and _range) would write q's count. */
bool sqlw_numlist_counted(const numlist_q_t *q);

/* sqlw_numlist_count with a second column: the listed numbers of the
 * range an index scan of the page walks (the owner's, or the owner's
 * subaccount's), beside the first, filtered as sqlw_numlist_count's is
 * ("SELECT CAST(coalesce(sum(c.n) FILTER (WHERE ...), 0) AS BIGINT),
 * CAST(coalesce(sum(c.n), 0) AS BIGINT) FROM owner_counts c WHERE
 * c.owner_id = ?N ..."): how many of the rows walked the filters keep.
 * Same conditions and return as sqlw_numlist_count. */
bool sqlw_numlist_count_range(sqlw_t *w, const numlist_q_t *q, buf_t *out);

/* event_list (issue 18) over "events e": "WHERE e.id > ?1 ..." in this
 * order: after_id, object type, object id, account (-1: IS NULL), actor
 * kind, actor id, type (a trailing '.' is a prefix: a range), since,
 * until.  The caller appends ORDER BY e.id and the LIMIT (sqlw_param). */
void sqlw_events(sqlw_t *w, const event_filter_t *f);
/* The whole statement of event_list, written once for both backends:
 * appends to out "SELECT <event columns> FROM events e ... WHERE ... ORDER
 * BY e.id LIMIT ?n" (f->limit, 100 when not positive), its values recorded
 * in w (initialized, empty). */
void sqlw_event_list(sqlw_t *w, const event_filter_t *f, buf_t *out);

/* Runs the statement sql, its values recorded in w, and hands each row to
 * fn (C_OK: go on), as the backend's walks do: ST_OK, or ST_ERR (logged
 * by the backend).  conn is the backend's connection. */
typedef int (*sqlw_each_fn)(void *conn, const sqlw_t *w, const char *sql,
                            int (*fn)(sqls_row_t *r, void *arg), void *arg);

/* A whole event_list, for both backends: sqlw_event_list's statement run
 * by each on conn (NULL, no connection: ST_ERR), each row read as an
 * event and handed to cb. */
int sqlw_event_list_run(const sqlw_dialect_t *d, const event_filter_t *f, sqlw_each_fn each,
                        void *conn, store_event_cb cb, void *ud);

/* The whole statement (not only a WHERE) that resolves q->lca_prefix:
 * one row (rate_center TEXT, lata INTEGER or NULL), or none when no
 * inventory number of the country starts with the prefix.  The backend
 * runs it and fills a sqlw_lca_t from the row. */
void sqlw_lca_lookup(sqlw_t *w, const search_q_t *q);

/* ---- conditions: each appends " AND " (or "WHERE ") and its text ---------- */

/* col op <text placeholder>; v copied. */
void sqlw_text(sqlw_t *w, const char *col, const char *op, const char *v);
/* col op <int placeholder>. */
void sqlw_int(sqlw_t *w, const char *col, const char *op, int64_t v);
/* case-insensitive col = v (dialect ci_eq). */
void sqlw_text_ci(sqlw_t *w, const char *col, const char *v);
/* col matches the GLOB g ('*', '?', [...]) as the dialect writes it. */
void sqlw_glob(sqlw_t *w, const char *col, const char *g);
/* col >= p AND col < p':' : "starts with the digits p" as an index range. */
void sqlw_prefix(sqlw_t *w, const char *col, const char *p);
/* v >= 0: col = v; v < 0: col IS NULL. */
void sqlw_int_or_null(sqlw_t *w, const char *col, int64_t v);
/* (col1 = 'word' OR col2 = 'word'), the word as a literal when it is
 * 1-16 characters of [a-z] (a number type), else bound as two values. */
void sqlw_either(sqlw_t *w, const char *col1, const char *col2, const char *word);
/* (col & caps) = caps, caps a literal. */
void sqlw_caps(sqlw_t *w, const char *col, int caps);
/* A condition with no value, written as given (a literal the caller owns
 * the safety of: state lists, codes). */
void sqlw_raw(sqlw_t *w, const char *sql);

/* ---- values outside the clause -------------------------------------------- */

/* Appends one integer placeholder to out, e.g. after " LIMIT ",
 * and records v; returns its parameter number. */
int sqlw_param(sqlw_t *w, buf_t *out, int64_t v);
/* Appends " LIMIT <p> OFFSET <p>" to out and records limit, then offset:
 * the end of every page statement. */
void sqlw_limit_offset(sqlw_t *w, buf_t *out, int64_t limit, int64_t offset);
/* The same, but a first page (offset 0) is " LIMIT <limit>" with the
 * limit written as a literal and nothing recorded.  For PostgreSQL: a
 * prepared statement's generic plan prices "LIMIT $n" as if it asked for
 * a tenth of the rows, finds itself dearer than the custom plans, and
 * PostgreSQL then plans every execution anew (0.4-0.5 ms for 0.1 ms of
 * work, the account list); with the first page's limit in the text, the
 * generic plan costs what the custom ones do and is kept.  Deeper pages
 * keep their placeholders (one statement text for all offsets). */
void sqlw_limit_offset_lit0(sqlw_t *w, buf_t *out, int64_t limit, int64_t offset);

/* ---- number_search, start to end of the WHERE clause --------------------- */

/* Runs the statement a builder holds (w->sql with its values) and reads
 * its first row with rd into out: ST_OK, ST_NOTFOUND (no row), ST_ERR
 * (logged by the backend).  conn is the backend's connection. */
typedef int (*sqlw_one_fn)(void *conn, const sqlw_t *w, sqls_reader_fn rd, void *out);

/* The start of every backend's number_search: initialises w for d,
 * resolves q->lca_prefix (when given) through the backend's one (the
 * statement of sqlw_lca_lookup), and writes the search's WHERE clause
 * (sqlw_search).  ST_OK: w holds the clause; ST_NOTFOUND: the NPA-NXX is
 * unknown, so nothing is in its area (the answer is an empty page);
 * ST_ERR.  w is initialised in every case: the caller sqlw_free()s it. */
int sqlw_search_begin(sqlw_t *w, const sqlw_dialect_t *d, const search_q_t *q, sqlw_one_fn one,
                      void *conn);

/* Builds and runs the page and the (capped) count of a search around the
 * WHERE clause w holds (its values recorded in w), reading up to q->limit
 * rows into rows: the backend's half of number_search. */
typedef int (*sqlw_page_fn)(void *conn, sqlw_t *w, const search_q_t *q, inv_number_t *rows,
                            size_t *nrows, int64_t *total);

/* A whole number_search, for both backends: sqlw_search_begin, then
 * page; an unknown NPA-NXX is an empty page.  *nrows and *total are 0
 * unless page fills them. */
int sqlw_search_run(const sqlw_dialect_t *d, const search_q_t *q, sqlw_one_fn one,
                    sqlw_page_fn page, void *conn, inv_number_t *rows, size_t *nrows,
                    int64_t *total);

/* Where a search's count stops (store.h's SEARCH_COUNT_CAP, raised to
 * cover the page asked for): counting every match of a broad search is
 * O(matches), and search must cost the same at 10,000 and at 5,000,000
 * numbers. */
int64_t sqlw_count_cap(const search_q_t *q);

/* ---- helpers ---------------------------------------------------------------- */

/* SQLite's GLOB as an anchored POSIX regular expression: '*' any run, '?'
 * one character, [...] a class ([!...] or [^...] negated, a leading ']'
 * literal), anything else literal.  Appends to out. */
void sqlw_glob_regex(const char *g, buf_t *out);

#endif
