/* store.h -- the storage seam: a table of function pointers.
 *
 * Everything above this line (core, api, cli) talks to storage only through
 * store_t.  A backend (src/store/sqlite/, src/store/postgres/) fills in the
 * table; the table is grouped by resource, as the backends' files are.
 *
 * Threads: a store_t is shared by all threads; each backend keeps one
 * database connection per thread internally (opened lazily on a thread's
 * first call), so callers never pass connections around.
 *
 * Transactions: tx_begin/tx_commit/tx_rollback act on the calling thread's
 * connection and nest by counting: only the outermost pair talks to the
 * database; a rollback at any depth makes the outermost commit roll back.
 * A write transaction (write=true) takes the write lock at once, so two
 * writers serialise at BEGIN instead of failing later on lock upgrade.
 *
 * Status: every function returns ST_OK or one of the ST_ codes below.
 * Strings in results are copied into caller-provided structs; callbacks'
 * arguments are valid only during the call.
 */
#ifndef ND_STORE_H
#define ND_STORE_H

#include "core/model.h"
#include "util/buf.h"

#define ST_OK 0
#define ST_ERR (-1)       /* database failure (logged by the backend) */
#define ST_NOTFOUND (-2)
#define ST_CONFLICT (-3)  /* unique constraint / wrong state */

typedef struct store store_t;

#define SEARCH_COUNT_CAP 1000
typedef struct store_import store_import_t;

typedef int (*store_account_cb)(const account_t *a, void *ud);
typedef int (*store_stats_cb)(const stats_row_t *r, void *ud);
typedef int (*store_inv_cb)(const inv_number_t *n, void *ud);
typedef int (*store_compliance_cb)(const compliance_t *c, void *ud);
/* one number type of a country's inventory: its lowest monthly rental */
typedef int (*store_rate_cb)(const char *sub_type, int64_t min_rental, void *ud);
/* one restriction of a country's inventory, with its text */
typedef int (*store_restriction_cb)(const char *restriction, const char *text, void *ud);
typedef int (*store_sbc_num_cb)(const sbc_numrow_t *n, void *ud);
/* sbc_numbers' most numbers a call (the SBC feed's run of the log) */
#define STORE_SBC_NUMBERS_MAX 1000
typedef int (*store_sbc_change_cb)(const sbc_change_t *ch, void *ud);
/* one text value of a walk (a number) */
typedef int (*store_text_cb)(const char *s, void *ud);
/* one event of the log (a return other than C_OK stops the walk: no failure) */
typedef int (*store_event_cb)(const event_t *ev, void *ud);
/* The rows of a full SBC load, one callback per kind (a return other than
 * C_OK stops the load with ST_ERR). */
typedef struct {
    int (*account)(const account_t *a, void *ud);          /* every account, subaccounts too */
    int (*app)(const app_t *a, void *ud);
    int (*carrier)(const carrier_t *c, void *ud);          /* with its gateways */
    int (*number)(const sbc_numrow_t *n, void *ud);        /* active numbers */
    void *ud;
} store_sbc_load_t;

/* What a backend is like, where the core's rules must differ (store_ops_t
 * caps): asked through the table, never by the backend's name. */
/* read_version is a query to the database server (a round trip shared by
 * the threads waiting for one), not a read of shared memory: the HTTP
 * server then reads it ahead, once for many requests (api/routes.c). */
#define STORE_CAP_VERSION_QUERY 0x1u
/* Writers of different rows run at once, and a transaction keeps every
 * version of a row it updates (PostgreSQL's MVCC): long writes interleaved
 * cost more than they share, so large number adds take turns and end a
 * batch (core/numadd.c).  Without it (SQLite) one writer runs at a time. */
#define STORE_CAP_ROW_WRITERS 0x2u

typedef struct store_ops {
    const char *name;
    unsigned caps;              /* STORE_CAP_* */

    /* ---- lifecycle: connections, schema, transactions ---- */
    void (*close)(store_t *st);
    int (*migrate)(store_t *st, int *applied);
    /* The database's schema version (the last migration applied) and the
     * last this binary knows: *db > *known is a newer release's database. */
    int (*schema_version)(store_t *st, int *db, int *known);
    int (*tx_begin)(store_t *st, bool write);
    /* on: the calling thread's next write transactions wait for no lock
     * (a best-effort write, on a thread that answers reads: a key's
     * last_used_at).  SQLite: the process's write lock for 200 ms at most,
     * the database's not at all -- another process holding it made each
     * such write, and the reads its thread had to answer, wait 15 s.
     * PostgreSQL: nothing (its writes wait for the rows they touch only). */
    void (*tx_nowait)(store_t *st, bool on);
    /* The calling thread is done with the store: its connection (if any)
     * is closed now, not at close -- a short-lived thread's (a streamed
     * request's close) was kept, one more for every import. */
    void (*thread_release)(store_t *st);
    int (*tx_commit)(store_t *st);
    void (*tx_rollback)(store_t *st);
    /* Whether the calling thread's last outermost transaction was aborted
     * by the database for a reason that running it again may not meet:
     * PostgreSQL broke a deadlock or a serialization conflict by aborting
     * it (SQLSTATE 40P01, 40001, raised inside the transaction).  Cleared
     * by the next outermost tx_begin; never opens a connection.  SQLite:
     * never (one writer at a time). */
    bool (*tx_retryable)(store_t *st);
    /* A batch: the calling thread's transactions until batch_end share one
     * database transaction.  Each still nests and rolls back by itself
     * (a savepoint), and the thread's reads see what the batch wrote, but
     * tx_commit returns before anything is durable: batch_end makes it all
     * durable at once (ST_OK) or none of it (ST_ERR: every transaction of
     * the batch is lost, and must be answered as failed; on PostgreSQL a
     * part committed before the end -- a deadlock's loser run again, a
     * stream -- may be kept all the same: an unknown outcome, as a COMMIT
     * whose reply was lost, never a write answered kept that was not).
     * Other threads' writers wait meanwhile (SQLite: all of them;
     * PostgreSQL: those of the rows the batch wrote).  batch_begin: ST_OK; ST_NOTFOUND when the
     * backend has no batches (SQLite ":memory:", NUMBERD_NO_BATCHES set), ST_ERR on a
     * fault or inside a transaction.
     * batch_end's ST_OK may come before the commit is on disk: *ticket is
     * then not 0, and the batch is durable once durable_wait(ticket)
     * returned (readers of other threads may see it before: see conn.c,
     * "The log's sync, after the commit").  *ticket 0: durable already. */
    bool (*batches)(store_t *st);   /* does batch_begin ever succeed? */
    int (*batch_begin)(store_t *st);
    int (*batch_end)(store_t *st, uint64_t *ticket);
    /* Waits until the commit ticket named is on disk (and every commit
     * before it): ST_OK.  A sync that fails stops the process (it never
     * returns then: what was committed is in the page cache, readers may
     * have seen it, and whether it reached the disk cannot be known). */
    int (*durable_wait)(store_t *st, uint64_t ticket);

    /* ---- settings: server settings (name -> text) ---- */
    int (*setting_get)(store_t *st, const char *name, char *out, size_t outsz);
    int (*setting_put)(store_t *st, const char *name, const char *value);
    /* Stores name = value unless name has a value already, atomically (two
     * processes racing: one value wins, both learn it).  out[outsz] gets
     * the stored value: ST_OK when it is value (inserted now), ST_CONFLICT
     * when another was there first (out holds it), ST_ERR on a fault. */
    int (*setting_put_new)(store_t *st, const char *name, const char *value, char *out,
                           size_t outsz);

    /* ---- accounts and API keys ---- */
    int (*account_insert)(store_t *st, account_t *a);      /* sets a->id */
    int (*account_by_auth_id)(store_t *st, const char *auth_id, account_t *out);
    int (*account_by_id)(store_t *st, int64_t id, account_t *out);
    /* The account's status, in the caller's write transaction and held
     * there (PostgreSQL: FOR SHARE, which a close's UPDATE waits for;
     * SQLite: its write lock): a purchase or an add that read "active"
     * commits before any close of the account begins. */
    int (*account_status_held)(store_t *st, int64_t id, int *status);
    /* main accounts, by id */
    int (*account_list)(store_t *st, store_account_cb cb, void *ud);
    int64_t (*account_count)(store_t *st);                  /* -1 on failure */
    int (*apikey_insert)(store_t *st, int64_t account_id, const uint8_t hash[IDS_HASH_SZ],
                         unsigned scopes);
    int (*apikey_lookup)(store_t *st, const uint8_t hash[IDS_HASH_SZ], int64_t *account_id,
                         unsigned *scopes);

    /* ---- the credential lifecycle (credentials.c of each backend) ---- */
    /* sets k->id; ST_CONFLICT: the hash exists */
    int (*apikey_create)(store_t *st, apikey_t *k);
    /* any key, revoked or expired too (the caller judges), by its hash */
    int (*apikey_by_hash)(store_t *st, const uint8_t hash[IDS_HASH_SZ], apikey_t *out);
    /* an account's keys, newest first, revoked ones included */
    int (*apikey_list)(store_t *st, int64_t account_id, int limit, int offset, apikey_t *rows,
                       size_t *nrows, int64_t *total);
    /* ST_NOTFOUND unless the account has that key, not yet revoked; the
     * key as it was revoked in *out (for its event) */
    int (*apikey_revoke)(store_t *st, int64_t account_id, int64_t key_id, int64_t now,
                         apikey_t *out);
    /* every key of the account not yet revoked */
    int (*apikey_revoke_all)(store_t *st, int64_t account_id, int64_t now);
    /* last_used_at = now (only forwards) */
    int (*apikey_touch)(store_t *st, int64_t key_id, int64_t now);
    /* the status of account id and of its subaccounts; ST_NOTFOUND: no such account */
    int (*account_set_status)(store_t *st, int64_t id, int status, int64_t now);
    /* a new token hash; old_hash (NULL: none) stays valid until old_until */
    int (*account_set_token)(store_t *st, int64_t id, const uint8_t hash[IDS_HASH_SZ],
                             const uint8_t *old_hash, int64_t old_until, int64_t now);
    /* number_release of every number owner_id owns (its subaccounts'
     * included); *released: how many */
    int (*number_release_all)(store_t *st, int64_t owner_id, bool to_available,
                              int64_t *released);
    /* up to max owned numbers (active or pending) after number after ("":
     * from the first) whose renewal_date is before today ("YYYY-MM-DD"),
     * by number; and one's renewal_date moved from was to next
     * (ST_NOTFOUND: it changed meanwhile) */
    int (*renewal_due)(store_t *st, const char *today, const char *after, size_t max,
                       renewal_row_t *rows, size_t *n);
    int (*renewal_set)(store_t *st, const char *number, const char *was, const char *next);
    /* the credential epoch: one counter, bumped in the transaction of every
     * revocation, rotation and status change, polled by every node */
    int (*cred_epoch_get)(store_t *st, int64_t *epoch);
    int (*cred_epoch_bump)(store_t *st);

    /* ---- inventory: import, stats, export ---- */
    /* import: begin opens a write transaction that import_end commits (or
     * rolls back); import_commit_batch commits, and the next import_row
     * opens the next one, so a long import does not hold the write lock for
     * its whole length, and holds none at all between a commit and its next
     * row (the caller may rest there: inv_import_pace).  dry_run:
     * import_row only reports what it would do. */
    int (*import_begin)(store_t *st, bool dry_run, store_import_t **out);
    int (*import_row)(store_import_t *im, const inv_number_t *row, import_outcome_t *out);
    int (*import_commit_batch)(store_import_t *im);
    int (*import_end)(store_import_t *im, bool commit);    /* frees im */
    int (*inventory_stats)(store_t *st, store_stats_cb cb, void *ud);
    /* Every inventory number (source inventory, whatever its state), in
     * number order, one callback per row, from one read snapshot, without
     * holding the rows in memory.  country_iso NULL: every country; state
     * -1: every state.  A callback returning C_ERR stops the walk (the
     * call then returns ST_OK: the caller knows why it stopped). */
    int (*inventory_export)(store_t *st, const char *country_iso, int state, store_inv_cb cb,
                            void *ud);
    /* The Plivo Pricing read: for each number type (sub_type) of the
     * available inventory numbers of a country, the lowest monthly rental
     * rate, in type order.  Reads every available row of the country
     * (no index on rates): a rare read. */
    int (*inventory_rates)(store_t *st, const char *country_iso, store_rate_cb cb, void *ud);
    /* The compliance-requirement read: each distinct non-empty
     * (restriction, restriction_text) of the inventory numbers (any state)
     * of a country whose type or sub_type is type, in restriction order. */
    int (*inventory_restrictions)(store_t *st, const char *country_iso, const char *type,
                                  store_restriction_cb cb, void *ud);

    /* ---- numbers: search and purchase ---- */
    /* search: rows has room for q->limit entries.  *total is exact up to
     * SEARCH_COUNT_CAP matches (or offset + limit + 1, if larger: enough to
     * know whether there is a next page); a broader search reports the
     * cap.  That keeps a search's cost independent of the inventory's size
     * (docs/PERFORMANCE.md). */
    int (*number_search)(store_t *st, const search_q_t *q, inv_number_t *rows, size_t *nrows,
                         int64_t *total);
    /* Keeps an in-memory index of the available numbers for searches'
     * counts, from now on (serve calls it before its first write; a
     * backend without one does nothing).  Exact: see src/store/sqlite/avail.c. */
    int (*search_index_start)(store_t *st);
    /* Keeps, from now on, what makes this process's reads cheaper while
     * it serves (SQLite: a read transaction held for the readers' slot
     * locks, src/store/sqlite/anchor.c; a backend without one does
     * nothing).  serve calls it once. */
    int (*read_anchor_start)(store_t *st);
    int (*search_index_stats)(store_t *st, search_index_stats_t *out);
    /* an inventory number in state available (ST_NOTFOUND otherwise) */
    int (*number_get_available)(store_t *st, const char *number, inv_number_t *out);
    /* the conditional update: ST_NOTFOUND unless the number was available */
    int (*number_buy)(store_t *st, const buy_row_t *b);
    /* pending -> active; ST_NOTFOUND if no owned number, ST_CONFLICT if not pending */
    int (*number_approve)(store_t *st, const char *number);
    /* any row for number, whatever its state: ST_NOTFOUND when none */
    int (*number_lookup)(store_t *st, const char *number, num_state_t *state,
                         num_source_t *source, int64_t *owner_id);

    /* ---- owned numbers (active or pending) ---- */
    int (*number_list)(store_t *st, const numlist_q_t *q, owned_number_t *rows, size_t *nrows,
                       int64_t *total);
    /* ST_NOTFOUND unless owner_id owns it (and, with sub_id > 0, it is that
     * subaccount's) */
    int (*number_get_owned)(store_t *st, int64_t owner_id, int64_t sub_id, const char *number,
                            owned_number_t *out);
    /* writes the mutable fields (sub, app, alias, compliance, CNAM, caller
     * reputation, statuses) of an owned number */
    int (*number_update_owned)(store_t *st, const owned_number_t *n);
    /* unrent: an inventory number goes to aging (or straight to available),
     * its features cleared; a customer's number is deleted.  ST_NOTFOUND
     * unless owned. */
    int (*number_release)(store_t *st, int64_t owner_id, const char *number, bool to_available);
    /* an owned number by its BYOC id */
    int (*number_get_byoc)(store_t *st, int64_t owner_id, const char *byoc_id, owned_number_t *out);
    /* any account's owned number (operator actions) */
    int (*number_get_any)(store_t *st, const char *number, owned_number_t *out);
    /* the operator's list: owned numbers in state q->state (of q->owner_id
     * only when > 0) after q->after, in number order, up to q->limit rows,
     * each with its main account's auth_id and name */
    int (*number_list_state)(store_t *st, const admnum_q_t *q, admin_number_t *rows,
                             size_t *nrows);
    /* a customer's own number (source byoc or manual), owned from the start;
     * ST_CONFLICT when the number exists */
    int (*number_insert_owned)(store_t *st, const owned_number_t *n);
    /* aging -> available for up to max numbers released at or before
     * cutoff; cb (may be NULL) gets each number returned (the event log's
     * number.aged), *returned how many (fewer than max: none is left) */
    int (*aging_sweep)(store_t *st, int64_t cutoff, int max, store_text_cb cb, void *ud,
                       int64_t *returned);

    /* ---- subaccounts ---- */
    int (*sub_list)(store_t *st, int64_t parent_id, int limit, int offset, account_t *rows,
                    size_t *nrows, int64_t *total);
    /* name, enabled, modified_at of an existing account */
    int (*account_update)(store_t *st, const account_t *a);
    /* moves the subaccount's numbers, applications and carriers to its parent, then
     * deletes it (call inside a write transaction).  ST_CONFLICT: an
     * application or carrier of the subaccount has the name of one of the
     * parent's own (names are unique per owner); nothing is moved then, as
     * the caller rolls back */
    int (*sub_delete)(store_t *st, int64_t parent_id, int64_t sub_id);

    /* ---- applications.  sub_id > 0 restricts to that subaccount's. ---- */
    int (*app_exists)(store_t *st, int64_t account_id, const char *app_id);
    int (*app_default)(store_t *st, int64_t account_id, char out[MODEL_APP_ID_SZ]);
    int (*app_insert)(store_t *st, const app_t *a);          /* ST_CONFLICT: id or name taken */
    int (*app_get)(store_t *st, int64_t account_id, int64_t sub_id, const char *app_id,
                   app_t *out);
    int (*app_list)(store_t *st, int64_t account_id, int64_t sub_id, const char *app_name,
                    int limit, int offset, app_t *rows, size_t *nrows, int64_t *total);
    int (*app_update)(store_t *st, const app_t *a);          /* ST_CONFLICT: name taken */
    /* deletes and unlinks the numbers that pointed at it */
    /* unlinks the numbers that used it (each handed to cb, may be NULL: their
     * events), then deletes it */
    int (*app_delete)(store_t *st, int64_t account_id, const char *app_id, store_text_cb cb,
                      void *ud);
    /* default_number_app = 0 on every application of the account */
    int (*app_clear_default)(store_t *st, int64_t account_id);

    /* ---- compliance ---- */
    int (*compliance_insert)(store_t *st, const compliance_t *c);
    int (*compliance_get)(store_t *st, int64_t account_id, const char *id, compliance_t *out);
    /* most recent approved record for (country, one of two types) */
    int (*compliance_latest)(store_t *st, int64_t account_id, const char *country_iso,
                             const char *type, const char *sub_type, compliance_t *out);
    /* every record of the account, oldest first */
    int (*compliance_list)(store_t *st, int64_t account_id, store_compliance_cb cb, void *ud);
    /* the owned numbers (active or pending) of the account linked to the
     * record id, in number order */
    int (*compliance_numbers)(store_t *st, int64_t account_id, const char *id, store_inv_cb cb,
                              void *ud);

    /* ---- carriers.  sub_id > 0 restricts to that subaccount's.  Results
     * carry their gateways (owned by the record: carrier_clear). ---- */
    int (*carrier_insert)(store_t *st, carrier_t *c);       /* sets c->id; ST_CONFLICT: name taken */
    /* ref is a Plivo carrier_id (14 digits) or a BYOC id / voip_carrier_sid */
    int (*carrier_get)(store_t *st, int64_t account_id, int64_t sub_id, const char *ref,
                       carrier_t *out);
    /* carrier_get, for a caller that needs the carrier's own fields only
     * (a number add): the gateways may be left out, and inside a write
     * transaction on PostgreSQL the number count (0) and registrar ("")
     * too, and its subaccount's auth_id may be stale; there it locks the
     * row FOR SHARE
     * (adders do not wait for each other; carrier_get's FOR UPDATE, a
     * carrier's update or delete, waits for them, and they for it) */
    int (*carrier_head)(store_t *st, int64_t account_id, int64_t sub_id, const char *ref,
                        carrier_t *out);
    /* rows has room for limit entries; name NULL: any */
    int (*carrier_list)(store_t *st, int64_t account_id, int64_t sub_id, const char *name,
                        int limit, int offset, carrier_t *rows, size_t *nrows, int64_t *total);
    /* replaces every field and the gateways of c (by c->id), and renames the
     * carrier on its numbers; ST_CONFLICT: name taken */
    int (*carrier_update)(store_t *st, const carrier_t *c);
    /* ST_CONFLICT when numbers still use it (their count in *in_use) */
    int (*carrier_delete)(store_t *st, int64_t account_id, int64_t id, int64_t *in_use);
    /* *n = how many numbers use carrier id (as carrier_delete counts them);
     * a read, for a rename inside the caller's write transaction (whose
     * lock keeps the count true until its commit) */
    int (*carrier_in_use)(store_t *st, int64_t id, int64_t *n);

    /* ---- the SBC index's feed (core/sbcfeed.c, SIP.md §3).  Triggers (the
     * migration "sbc") log every change of what the index holds in
     * sbc_changes, in the writing transaction. ---- */
    /* *seq gets the log's last seq, read before the rows: a change committed
     * during the load is applied again afterwards (re-reads are idempotent)
     * instead of being missed. */
    int (*sbc_load)(store_t *st, const store_sbc_load_t *cb, int64_t *seq);
    /* The log past after, ascending, at most limit rows.  ST_NOTFOUND when
     * pruning removed rows past after (the caller reloads); cb may have
     * been handed rows before that answer (PostgreSQL reads the prune mark
     * after the rows), so it only collects them. */
    int (*sbc_changes)(store_t *st, int64_t after, int limit, store_sbc_change_cb cb, void *ud);
    /* The active numbers among numbers[0..n), n <= STORE_SBC_NUMBERS_MAX,
     * each once, in no set order (a number not active is left out): the
     * rows of a run of the log in one statement -- on PostgreSQL one round
     * trip, where a read a number took a PostgreSQL wake-up each on the
     * writers' core */
    int (*sbc_numbers)(store_t *st, const char *const *numbers, size_t n,
                       store_sbc_num_cb cb, void *ud);
    /* any carrier by row id, with its gateways (carrier_clear) */
    int (*sbc_carrier)(store_t *st, int64_t id, carrier_t *out);
    int (*sbc_app)(store_t *st, const char *app_id, app_t *out);
    /* the active inventory numbers whose carrier column is name */
    int (*sbc_upstream_numbers)(store_t *st, const char *name, store_sbc_num_cb cb, void *ud);
    /* deletes log rows written before the unix time `before` */
    int (*sbc_prune)(store_t *st, int64_t before);
    /* A value that changes whenever this process committed (an atomic
     * read: it is called before every lookup): the count of its commits.
     * Other processes' and nodes' commits arrive through sbc_wait. */
    int (*sbc_version)(store_t *st, uint64_t *out);
    /* Waits up to timeout_ms for a change by anyone: *changed true when one
     * may have happened.  PostgreSQL: a NOTIFY on a LISTEN connection of its
     * own (opened, or reopened after a loss, by the call: *changed is then
     * true, since notifications may have been missed; ST_ERR while it cannot
     * connect).  SQLite: PRAGMA data_version polled every 50 ms on a connection
     * of its own (any connection's commit, another process's included).
     * One thread calls it. */
    int (*sbc_wait)(store_t *st, int timeout_ms, bool *changed);
    /* ---- registrations (SIP.md §5): the `reg` carriers the registration
     * client serves, and its stored state ---- */
    /* every `reg` carrier of any account with id > after_id, by id, at most
     * limit (rows has room), with gateways and sealed password */
    int (*carrier_reg_list)(store_t *st, int64_t after_id, int limit, carrier_t *rows,
                            size_t *nrows);
    /* a cheap fingerprint of the set of `reg` carriers (count, ids,
     * updated_at): unchanged means no reload is needed */
    int (*carrier_reg_sig)(store_t *st, int64_t sig[3]);
    /* inserts or replaces by carrier_id (ST_NOTFOUND: no such carrier) */
    int (*reg_status_put)(store_t *st, const reg_status_t *r);
    int (*reg_status_get)(store_t *st, int64_t carrier_id, reg_status_t *out);
    int (*reg_status_list)(store_t *st, const reg_q_t *q, reg_status_t *rows, size_t *nrows,
                           int64_t *total);
    /* Several nodes: try to take (or keep) registration bucket's lock (0
     * to REG_LOCK_BUCKETS - 1, core/registrations.h) on the calling
     * thread's session; *got false when another node holds it.  A backend
     * without sessions shared between nodes (SQLite) grants it. */
    int (*reg_lock_try)(store_t *st, int64_t bucket, bool *got);
    int (*reg_unlock)(store_t *st, int64_t bucket);
    /* The same for probing every gateway: one lock, so that one node
     * probes (several probing every gateway each flipped its stored state
     * between their views, and multiplied the OPTIONS).  One, not one a
     * carrier: a session's advisory locks take PostgreSQL's shared lock
     * table (64 a connection by default), which 10,000 carriers fill. */
    int (*probe_lock_try)(store_t *st, bool *got);
    /* gateway health (SIP.md §6): a carrier's opt-in (interval 0 removes
     * it; ST_NOTFOUND: no such carrier), the targets (every outbound
     * gateway of every opted-in carrier, at most max, by carrier), and the
     * stored states */
    int (*probe_set)(store_t *st, int64_t carrier_id, int interval);
    int (*probe_get)(store_t *st, int64_t carrier_id, int *interval);
    int (*probe_targets)(store_t *st, int max, probe_target_t *rows, size_t *nrows);
    int (*health_put)(store_t *st, const gw_health_t *h);
    /* every stored `down` that no prober has renewed for HEALTH_STALE_PROBES
     * of its carrier's intervals plus HEALTH_STALE_SLACK_S seconds before
     * now back to unknown, misses 0; *n how many */
    int (*health_expire)(store_t *st, int64_t now, int64_t *n);
    /* up to max registrations stored registered whose binding expired at
     * or before now made unregistered with reason (last_code 0), in the
     * caller's transaction; ids gets their carrier ids, *n how many.  A
     * row its registering node renewed meanwhile is left alone. */
    int (*reg_expire)(store_t *st, int64_t now, const char *reason, size_t max, int64_t *ids,
                      size_t *n);
    /* whether reg_expire would find a row (a read: no write transaction
     * for a sweep with nothing to do) */
    int (*reg_expire_due)(store_t *st, int64_t now, bool *any);
    /* the stored states of a carrier's current gateways, at most max */
    int (*health_list)(store_t *st, int64_t carrier_id, int max, gw_health_t *rows, size_t *nrows);

    /* ---- webhooks (webhooks.c of each backend; the migration "webhooks"
     * says what each column means).  Endpoints carry their secrets sealed;
     * deliveries are one row per (endpoint, event). ---- */
    /* sets ep->id; ST_CONFLICT: the uid exists */
    int (*wh_endpoint_insert)(store_t *st, wh_endpoint_t *ep);
    /* by its uid; owner_id -1: any owner's, else only that owner's */
    int (*wh_endpoint_get)(store_t *st, int64_t owner_id, const char *uid, wh_endpoint_t *out);
    int (*wh_endpoint_by_id)(store_t *st, int64_t id, wh_endpoint_t *out);
    /* owner_id -1: every endpoint; by id; rows has room for limit */
    int (*wh_endpoint_list)(store_t *st, int64_t owner_id, int limit, int offset,
                            wh_endpoint_t *rows, size_t *nrows, int64_t *total);
    /* every endpoint, enabled or not, with id > after_id, by id, at most
     * limit (the fan-out reads them all, a page at a time, and matches
     * each page with its events: a disabled endpoint wants none) */
    int (*wh_endpoint_page)(store_t *st, int64_t after_id, int limit, wh_endpoint_t *rows,
                            size_t *nrows);
    /* writes url, description, event_types, account_id, enabled,
     * disabled_reason, secrets, fail_count, fail_since, updated_at by ep->id */
    int (*wh_endpoint_update)(store_t *st, const wh_endpoint_t *ep);
    /* deletes the endpoint and its deliveries; ST_NOTFOUND when none */
    int (*wh_endpoint_delete)(store_t *st, int64_t id);
    /* *n: how many endpoints owner_id has.  Inside a write transaction
     * it first takes the owner's turn (PostgreSQL: an advisory lock held
     * to the end), so that two creations at once cannot both pass a cap
     * the core checks with it. */
    int (*wh_endpoint_count)(store_t *st, int64_t owner_id, int64_t *n);
    /* An attempt's outcome on the endpoint's run of failures, in one
     * statement (several workers and nodes report at once): ok resets it,
     * a failure counts it (fail_since set by the first).  The run after
     * the change in *fail_count, *fail_since. */
    int (*wh_endpoint_outcome)(store_t *st, int64_t id, bool ok, int64_t now, int *fail_count,
                               int64_t *fail_since);
    /* start_event_id = event_id unless already set (ST_NOTFOUND then) */
    int (*wh_endpoint_start)(store_t *st, int64_t id, int64_t event_id);
    /* the endpoint's filter as of the fan-out's cursor (fan_enabled,
     * fan_types, fan_account: wh_endpoint_t); an insert sets them to the
     * endpoint's own, the fan-out moves them; ST_NOTFOUND: no such id */
    int (*wh_endpoint_fanned)(store_t *st, int64_t id, bool enabled, const char *types,
                              const char *account);
    /* enabled -> disabled with reason; ST_NOTFOUND when it was not enabled
     * (so that of several nodes one reports it) */
    int (*wh_endpoint_disable)(store_t *st, int64_t id, const char *reason, int64_t now);
    /* the fan-out's cursor (the last event id made into deliveries); inside
     * a write transaction, get locks it until the end (PostgreSQL: FOR
     * UPDATE), so two nodes never fan out the same events at once */
    int (*wh_cursor_get)(store_t *st, int64_t *event_id);
    int (*wh_cursor_put)(store_t *st, int64_t event_id);
    /* a pending delivery; one that exists for (endpoint, event) is kept
     * (ST_OK either way: a fan-out run twice makes no duplicate) */
    int (*wh_delivery_insert)(store_t *st, const wh_delivery_t *d);
    /* Claims one due delivery, the first by (next_at, id) that is:
     * pending, next_at <= now_ms, its lease expired, its endpoint enabled;
     * no earlier (smaller event id) pending delivery of the same object to
     * the same endpoint (the order per object); no other delivery of its
     * endpoint in flight (a lease after now_ms: one at a time per
     * endpoint); and, for a customer's endpoint (owner_id > 0), fewer than
     * owner_share deliveries of that owner's endpoints in flight.  Its
     * lease is set to lease_until_ms and *out filled.  ST_NOTFOUND: none.
     * In a write transaction; PostgreSQL: the claims of every node take
     * turns (an advisory lock to the end of the transaction), so that
     * two at once cannot both find an endpoint free. */
    int (*wh_delivery_claim)(store_t *st, int64_t now_ms, int64_t lease_until_ms, int owner_share,
                             wh_delivery_t *out);
    /* whether wh_delivery_claim would find a row now, by a read only (so
     * that an idle worker polls without write transactions) */
    int (*wh_delivery_due)(store_t *st, int64_t now_ms, int owner_share, bool *any);
    /* writes an attempt's outcome by d->id: state, attempts, next_at,
     * last_status, last_error, last_at, delivered_at; the lease is cleared.
     * Only while the row still holds the lease d->leased_until_ms (the
     * claim's): ST_NOTFOUND when it expired and was taken by another */
    int (*wh_delivery_finish)(store_t *st, const wh_delivery_t *d);
    /* ST_NOTFOUND unless endpoint_id has delivery id */
    int (*wh_delivery_get)(store_t *st, int64_t endpoint_id, int64_t id, wh_delivery_t *out);
    /* an endpoint's deliveries, newest first; state -1: any */
    int (*wh_delivery_list)(store_t *st, int64_t endpoint_id, int state, int limit, int offset,
                            wh_delivery_t *rows, size_t *nrows, int64_t *total);
    /* pending again, due at now_ms (manual redelivery); a lease still
     * running is kept (its worker's result is written when it ends);
     * ST_NOTFOUND unless endpoint_id has delivery id */
    int (*wh_delivery_retry)(store_t *st, int64_t endpoint_id, int64_t id, int64_t now_ms);
    /* Deletes up to max deliveries created before before_ts (unix
     * seconds), oldest first: settled ones (delivered or failed) and the
     * pending ones of a disabled endpoint; *n gets how many (fewer than
     * max: nothing older is left). */
    int (*wh_delivery_purge)(store_t *st, int64_t before_ts, int max, int64_t *n);

    /* ---- idempotency keys (scope: account id + key) ---- */
    int (*idem_get)(store_t *st, int64_t account_id, const char *key, idem_row_t *out);
    /* inserts or replaces */
    int (*idem_put)(store_t *st, int64_t account_id, const char *key, const idem_row_t *row);
    /* Deletes up to max records with created_at < before_ts, oldest first;
     * *n gets how many (fewer than max: nothing older is left). */
    int (*idem_purge)(store_t *st, int64_t before_ts, int max, int64_t *n);

    /* ---- the event log (issue 18: core/events.h) ---- */
    /* Appends ev inside the caller's open write transaction (the change it
     * records commits or rolls back with it).  ev->id: the event's id when
     * the backend knows it before the commit (SQLite: the rowid, which the
     * write lock makes commit order), else 0 (PostgreSQL: the id is given
     * after COMMIT, by a round under an advisory lock, so that no id ever
     * appears below one a reader saw, across nodes: store/postgres/tx.c).
     * ev->ts and every text are the caller's. */
    int (*event_append)(store_t *st, event_t *ev);
    /* The events matching f in ascending id (after f->after_id, at most
     * f->limit), each handed to cb; account_auth_id is filled. */
    int (*event_list)(store_t *st, const event_filter_t *f, store_event_cb cb, void *ud);
    /* Deletes up to max events with ts < before_ts, oldest first; *n gets
     * how many (fewer than max: nothing older is left). */
    int (*event_purge)(store_t *st, int64_t before_ts, int max, int64_t *n);

    /* ---- read versions (the API's answer cache) ---- */
    /* The database's version, the same for every thread: equal on two
     * calls only if no commit (this process's or another's) happened in
     * between.  PostgreSQL: the snapshot a statement would take now, by
     * a query that serves every thread waiting for one (postgres/conn.c).
     * ST_NOTFOUND when the backend cannot tell (PostgreSQL: more than two
     * transactions in progress, or the query failed) or the thread is
     * inside a transaction: the caller then caches nothing. */
    int (*read_version)(store_t *st, db_version_t *out);

    /* ---- operations (GET /readyz) ---- */
    /* A trivial query that reads the schema: ST_OK when the database
     * answers on this thread's connection. */
    int (*ping)(store_t *st);
} store_ops_t;

struct store {
    const store_ops_t *ops;
};

/* Whether url names a PostgreSQL database (postgres:// or postgresql://),
 * not an SQLite file. */
bool store_url_is_postgres(const char *url);
/* Opens the store named by url (CLI.md --db): postgres URLs select the
 * PostgreSQL backend, anything else is an SQLite path.  On failure returns
 * C_ERR with *err set to a message the caller frees. */
int store_open(const char *url, store_t **out, char **err);

/* SQLite: how long a statement waits for another process's lock on the
 * database (its busy timeout) before it fails (ST_ERR; a request then
 * answers 503).  STORE_LOCK_WAIT_MS unless set; serve sets a shorter one
 * for the connections its threads open afterwards (a client waiting
 * longer than that has given up: the official SDKs' timeouts are 5-10 s).
 * Set before the threads that use the store start; a connection already
 * open keeps the wait it was opened with.  PostgreSQL keeps its sessions'
 * lock_timeout (15 s), which a request's statement_timeout (5 s) ends
 * first (postgres/wait.c). */
#define STORE_LOCK_WAIT_MS 15000
void store_lock_wait_set(int ms);
int store_lock_wait_ms(void);

/* Backend constructors (used by store_open). */
int store_sqlite_open(const char *path, store_t **out, char **err);
/* url: a libpq connection URL (postgresql://...); only when built with
 * libpq (ND_HAVE_POSTGRES). */
int store_pg_open(const char *url, store_t **out, char **err);

#endif
