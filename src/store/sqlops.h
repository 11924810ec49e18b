/* sqlops.h -- the ops of store_ops_t (store.h) as one list, for the SQL
 * backends (sqlite/, postgres/): each declares its functions and fills its
 * ops table from this list, with its own prefix.
 *
 * Why: every op was written out four times besides store.h (a prototype in
 * sqliteInt.h and in pgInt.h, a line in each ops table), and the two
 * prototype lists were the same text.  Here each op is one line; a
 * backend writes
 *
 *     SQL_STORE_OPS(SQL_OP_DECL, sq_)         in sqliteInt.h: sq_close ... sq_ping
 *     static const store_ops_t sqlite_ops = {           in conn.c: the table
 *         .name = "sqlite", SQL_STORE_OPS(SQL_OP_SLOT, sq_)};
 *
 * The compiler checks this list against store.h: a signature that differs
 * from store_ops_t's member is an incompatible-pointer error in the ops
 * table (-Werror), a name that is not a member does not compile, and an
 * op of store.h missing here fails the size check at the end.
 *
 * A new store op: its member in store.h, its line here (same group, same
 * order), its function in the resource file of both backends, a
 * conformance case.  The comments name each group's resource file.
 *
 * Pure declarations: nothing is owned.
 */
#ifndef ND_SQLOPS_H
#define ND_SQLOPS_H

#include "store/store.h"
#include <stddef.h>

/* X(P, return type, op, (parameters)) for each op of store_ops_t, in its
 * order; P is passed through (the backend's prefix). */
#define SQL_STORE_OPS(X, P)                                                                        \
    /* lifecycle (conn.c, settings.c: migrate) */                                                  \
    X(P, void, close, (store_t *st))                                                               \
    X(P, int, migrate, (store_t *st, int *applied))                                                \
    X(P, int, schema_version, (store_t *st, int *db, int *known))                                  \
    X(P, int, tx_begin, (store_t *st, bool write))                                                 \
    X(P, void, tx_nowait, (store_t *st, bool on))                                                  \
    X(P, void, thread_release, (store_t *st))                                                      \
    X(P, int, tx_commit, (store_t *st))                                                            \
    X(P, void, tx_rollback, (store_t *st))                                                         \
    X(P, bool, tx_retryable, (store_t *st))                                                        \
    X(P, bool, batches, (store_t *st))                                                             \
    X(P, int, batch_begin, (store_t *st))                                                          \
    X(P, int, batch_end, (store_t *st, uint64_t *ticket))                                          \
    X(P, int, durable_wait, (store_t *st, uint64_t ticket))                                        \
    /* settings (settings.c) */                                                                    \
    X(P, int, setting_get, (store_t *st, const char *name, char *out, size_t outsz))               \
    X(P, int, setting_put, (store_t *st, const char *name, const char *value))                     \
    X(P, int, setting_put_new,                                                                     \
      (store_t *st, const char *name, const char *value, char *out, size_t outsz))                 \
    /* accounts and API keys (accounts.c) */                                                       \
    X(P, int, account_insert, (store_t *st, account_t *a))                                         \
    X(P, int, account_by_auth_id, (store_t *st, const char *auth_id, account_t *out))              \
    X(P, int, account_by_id, (store_t *st, int64_t id, account_t *out))                            \
    X(P, int, account_status_held, (store_t *st, int64_t id, int *status))                         \
    X(P, int, account_list, (store_t *st, store_account_cb cb, void *ud))                          \
    X(P, int64_t, account_count, (store_t *st))                                                    \
    X(P, int, apikey_insert,                                                                       \
      (store_t *st, int64_t account_id, const uint8_t hash[IDS_HASH_SZ], unsigned scopes))         \
    X(P, int, apikey_lookup,                                                                       \
      (store_t *st, const uint8_t hash[IDS_HASH_SZ], int64_t *account_id, unsigned *scopes))       \
    /* the credential lifecycle (credentials.c) */                                                 \
    X(P, int, apikey_create, (store_t *st, apikey_t *k))                                           \
    X(P, int, apikey_by_hash, (store_t *st, const uint8_t hash[IDS_HASH_SZ], apikey_t *out))       \
    X(P, int, apikey_list,                                                                         \
      (store_t *st, int64_t account_id, int limit, int offset, apikey_t *rows, size_t *nrows,      \
       int64_t *total))                                                                            \
    X(P, int, apikey_revoke,                                                                       \
      (store_t *st, int64_t account_id, int64_t key_id, int64_t now, apikey_t *out))               \
    X(P, int, apikey_revoke_all, (store_t *st, int64_t account_id, int64_t now))                   \
    X(P, int, apikey_touch, (store_t *st, int64_t key_id, int64_t now))                            \
    X(P, int, account_set_status, (store_t *st, int64_t id, int status, int64_t now))              \
    X(P, int, account_set_token,                                                                   \
      (store_t *st, int64_t id, const uint8_t hash[IDS_HASH_SZ], const uint8_t *old_hash,          \
       int64_t old_until, int64_t now))                                                            \
    X(P, int, number_release_all,                                                                  \
      (store_t *st, int64_t owner_id, bool to_available, int64_t *released))                       \
    X(P, int, renewal_due,                                                                         \
      (store_t *st, const char *today, const char *after, size_t max, renewal_row_t *rows,        \
       size_t *n))                                                                                 \
    X(P, int, renewal_set, (store_t *st, const char *number, const char *was, const char *next))  \
    X(P, int, cred_epoch_get, (store_t *st, int64_t *epoch))                                       \
    X(P, int, cred_epoch_bump, (store_t *st))                                                      \
    /* inventory: import, stats, export (inventory.c) */                                           \
    X(P, int, import_begin, (store_t *st, bool dry_run, store_import_t **out))                     \
    X(P, int, import_row, (store_import_t *im, const inv_number_t *row, import_outcome_t *out))    \
    X(P, int, import_commit_batch, (store_import_t *im))                                           \
    X(P, int, import_end, (store_import_t *im, bool commit))                                       \
    X(P, int, inventory_stats, (store_t *st, store_stats_cb cb, void *ud))                         \
    X(P, int, inventory_export,                                                                    \
      (store_t *st, const char *country_iso, int state, store_inv_cb cb, void *ud))                \
    X(P, int, inventory_rates,                                                                     \
      (store_t *st, const char *country_iso, store_rate_cb cb, void *ud))                          \
    X(P, int, inventory_restrictions,                                                              \
      (store_t *st, const char *country_iso, const char *type, store_restriction_cb cb,            \
       void *ud))                                                                                  \
    /* numbers: search and purchase (numbers.c) */                                                 \
    X(P, int, search_index_start, (store_t *st))                                                   \
    X(P, int, read_anchor_start, (store_t *st))                                                    \
    X(P, int, search_index_stats, (store_t *st, search_index_stats_t *out))                        \
    X(P, int, number_search,                                                                       \
      (store_t *st, const search_q_t *q, inv_number_t *rows, size_t *nrows, int64_t *total))       \
    X(P, int, number_get_available, (store_t *st, const char *number, inv_number_t *out))          \
    X(P, int, number_buy, (store_t *st, const buy_row_t *b))                                       \
    X(P, int, number_approve, (store_t *st, const char *number))                                   \
    X(P, int, number_lookup,                                                                       \
      (store_t *st, const char *number, num_state_t *state, num_source_t *source,                  \
       int64_t *owner_id))                                                                         \
    /* owned numbers (owned.c) */                                                                  \
    X(P, int, number_list,                                                                         \
      (store_t *st, const numlist_q_t *q, owned_number_t *rows, size_t *nrows, int64_t *total))    \
    X(P, int, number_get_owned,                                                                    \
      (store_t *st, int64_t owner_id, int64_t sub_id, const char *number, owned_number_t *out))    \
    X(P, int, number_update_owned, (store_t *st, const owned_number_t *n))                         \
    X(P, int, number_release,                                                                      \
      (store_t *st, int64_t owner_id, const char *number, bool to_available))                      \
    X(P, int, number_get_byoc,                                                                     \
      (store_t *st, int64_t owner_id, const char *byoc_id, owned_number_t *out))                   \
    X(P, int, number_get_any, (store_t *st, const char *number, owned_number_t *out))              \
    X(P, int, number_list_state,                                                                   \
      (store_t *st, const admnum_q_t *q, admin_number_t *rows, size_t *nrows))                     \
    X(P, int, number_insert_owned, (store_t *st, const owned_number_t *n))                         \
    X(P, int, aging_sweep,                                                                         \
      (store_t *st, int64_t cutoff, int max, store_text_cb cb, void *ud, int64_t *returned))       \
    /* subaccounts (subaccounts.c) */                                                              \
    X(P, int, sub_list,                                                                            \
      (store_t *st, int64_t parent_id, int limit, int offset, account_t *rows, size_t *nrows,      \
       int64_t *total))                                                                            \
    X(P, int, account_update, (store_t *st, const account_t *a))                                   \
    X(P, int, sub_delete, (store_t *st, int64_t parent_id, int64_t sub_id))                        \
    /* applications (apps.c) */                                                                    \
    X(P, int, app_exists, (store_t *st, int64_t account_id, const char *app_id))                   \
    X(P, int, app_default, (store_t *st, int64_t account_id, char out[MODEL_APP_ID_SZ]))           \
    X(P, int, app_insert, (store_t *st, const app_t *a))                                           \
    X(P, int, app_get,                                                                             \
      (store_t *st, int64_t account_id, int64_t sub_id, const char *app_id, app_t *out))           \
    X(P, int, app_list,                                                                            \
      (store_t *st, int64_t account_id, int64_t sub_id, const char *app_name, int limit,           \
       int offset, app_t *rows, size_t *nrows, int64_t *total))                                    \
    X(P, int, app_update, (store_t *st, const app_t *a))                                           \
    X(P, int, app_delete, (store_t *st, int64_t account_id, const char *app_id, store_text_cb cb, void *ud)) \
    X(P, int, app_clear_default, (store_t *st, int64_t account_id))                                \
    /* compliance (compliance.c) */                                                                \
    X(P, int, compliance_insert, (store_t *st, const compliance_t *c))                             \
    X(P, int, compliance_get,                                                                      \
      (store_t *st, int64_t account_id, const char *id, compliance_t *out))                        \
    X(P, int, compliance_latest,                                                                   \
      (store_t *st, int64_t account_id, const char *country_iso, const char *type,                 \
       const char *sub_type, compliance_t *out))                                                   \
    X(P, int, compliance_list,                                                                     \
      (store_t *st, int64_t account_id, store_compliance_cb cb, void *ud))                         \
    X(P, int, compliance_numbers,                                                                  \
      (store_t *st, int64_t account_id, const char *id, store_inv_cb cb, void *ud))                \
    /* the SBC index's feed (sbc.c) */                                                             \
    X(P, int, sbc_load, (store_t *st, const store_sbc_load_t *cb, int64_t *seq))                   \
    X(P, int, sbc_changes,                                                                         \
      (store_t *st, int64_t after, int limit, store_sbc_change_cb cb, void *ud))                   \
    X(P, int, sbc_numbers,                                                                         \
      (store_t *st, const char *const *numbers, size_t n, store_sbc_num_cb cb, void *ud))          \
    X(P, int, sbc_carrier, (store_t *st, int64_t id, carrier_t *out))                              \
    X(P, int, sbc_app, (store_t *st, const char *app_id, app_t *out))                              \
    X(P, int, sbc_upstream_numbers,                                                                \
      (store_t *st, const char *name, store_sbc_num_cb cb, void *ud))                              \
    X(P, int, sbc_prune, (store_t *st, int64_t before))                                            \
    X(P, int, sbc_version, (store_t *st, uint64_t *out))                                           \
    X(P, int, sbc_wait, (store_t *st, int timeout_ms, bool *changed))                              \
    /* carriers (carriers.c) */                                                                    \
    X(P, int, carrier_insert, (store_t *st, carrier_t *c))                                         \
    X(P, int, carrier_get,                                                                         \
      (store_t *st, int64_t account_id, int64_t sub_id, const char *ref, carrier_t *out))          \
    X(P, int, carrier_head,                                                                        \
      (store_t *st, int64_t account_id, int64_t sub_id, const char *ref, carrier_t *out))          \
    X(P, int, carrier_list,                                                                        \
      (store_t *st, int64_t account_id, int64_t sub_id, const char *name, int limit, int offset,   \
       carrier_t *rows, size_t *nrows, int64_t *total))                                            \
    X(P, int, carrier_update, (store_t *st, const carrier_t *c))                                   \
    X(P, int, carrier_delete, (store_t *st, int64_t account_id, int64_t id, int64_t *in_use))      \
    X(P, int, carrier_in_use, (store_t *st, int64_t id, int64_t *n))                               \
    /* registrations and gateway health (registrations.c) */                                       \
    X(P, int, carrier_reg_list,                                                                    \
      (store_t *st, int64_t after_id, int limit, carrier_t *rows, size_t *nrows))                  \
    X(P, int, carrier_reg_sig, (store_t *st, int64_t sig[3]))                                      \
    X(P, int, reg_status_put, (store_t *st, const reg_status_t *r))                                \
    X(P, int, reg_status_get, (store_t *st, int64_t carrier_id, reg_status_t *out))                \
    X(P, int, reg_status_list,                                                                     \
      (store_t *st, const reg_q_t *q, reg_status_t *rows, size_t *nrows, int64_t *total))          \
    X(P, int, reg_lock_try, (store_t *st, int64_t carrier_id, bool *got))                          \
    X(P, int, reg_unlock, (store_t *st, int64_t carrier_id))                                       \
    X(P, int, probe_lock_try, (store_t *st, bool *got))                                            \
    X(P, int, probe_set, (store_t *st, int64_t carrier_id, int interval))                          \
    X(P, int, probe_get, (store_t *st, int64_t carrier_id, int *interval))                         \
    X(P, int, probe_targets, (store_t *st, int max, probe_target_t *rows, size_t *nrows))          \
    X(P, int, health_put, (store_t *st, const gw_health_t *h))                                     \
    X(P, int, health_expire, (store_t *st, int64_t now, int64_t *n))                               \
    X(P, int, reg_expire,                                                                          \
      (store_t *st, int64_t now, const char *reason, size_t max, int64_t *ids, size_t *n))         \
    X(P, int, reg_expire_due, (store_t *st, int64_t now, bool *any))                               \
    X(P, int, health_list,                                                                         \
      (store_t *st, int64_t carrier_id, int max, gw_health_t *rows, size_t *nrows))                \
    /* webhooks (webhooks.c) */                                                                    \
    X(P, int, wh_endpoint_insert, (store_t *st, wh_endpoint_t *ep))                                \
    X(P, int, wh_endpoint_get,                                                                     \
      (store_t *st, int64_t owner_id, const char *uid, wh_endpoint_t *out))                        \
    X(P, int, wh_endpoint_by_id, (store_t *st, int64_t id, wh_endpoint_t *out))                    \
    X(P, int, wh_endpoint_list,                                                                    \
      (store_t *st, int64_t owner_id, int limit, int offset, wh_endpoint_t *rows, size_t *nrows,   \
       int64_t *total))                                                                            \
    X(P, int, wh_endpoint_page,                                                                    \
      (store_t *st, int64_t after_id, int limit, wh_endpoint_t *rows, size_t *nrows))              \
    X(P, int, wh_endpoint_update, (store_t *st, const wh_endpoint_t *ep))                          \
    X(P, int, wh_endpoint_delete, (store_t *st, int64_t id))                                       \
    X(P, int, wh_endpoint_count, (store_t *st, int64_t owner_id, int64_t *n))                      \
    X(P, int, wh_endpoint_outcome,                                                                 \
      (store_t *st, int64_t id, bool ok, int64_t now, int *fail_count, int64_t *fail_since))       \
    X(P, int, wh_endpoint_start, (store_t *st, int64_t id, int64_t event_id))                      \
    X(P, int, wh_endpoint_fanned,                                                                  \
      (store_t *st, int64_t id, bool enabled, const char *types, const char *account))             \
    X(P, int, wh_endpoint_disable, (store_t *st, int64_t id, const char *reason, int64_t now))     \
    X(P, int, wh_cursor_get, (store_t *st, int64_t *event_id))                                     \
    X(P, int, wh_cursor_put, (store_t *st, int64_t event_id))                                      \
    X(P, int, wh_delivery_insert, (store_t *st, const wh_delivery_t *d))                           \
    X(P, int, wh_delivery_claim,                                                                   \
      (store_t *st, int64_t now_ms, int64_t lease_until_ms, int owner_share, wh_delivery_t *out))  \
    X(P, int, wh_delivery_due, (store_t *st, int64_t now_ms, int owner_share, bool *any))          \
    X(P, int, wh_delivery_finish, (store_t *st, const wh_delivery_t *d))                           \
    X(P, int, wh_delivery_get,                                                                     \
      (store_t *st, int64_t endpoint_id, int64_t id, wh_delivery_t *out))                          \
    X(P, int, wh_delivery_list,                                                                    \
      (store_t *st, int64_t endpoint_id, int state, int limit, int offset, wh_delivery_t *rows,    \
       size_t *nrows, int64_t *total))                                                             \
    X(P, int, wh_delivery_retry,                                                                   \
      (store_t *st, int64_t endpoint_id, int64_t id, int64_t now_ms))                              \
    X(P, int, wh_delivery_purge, (store_t *st, int64_t before_ts, int max, int64_t *n))            \
    /* idempotency keys (idem.c) */                                                                \
    X(P, int, idem_get, (store_t *st, int64_t account_id, const char *key, idem_row_t *out))       \
    X(P, int, idem_put,                                                                            \
      (store_t *st, int64_t account_id, const char *key, const idem_row_t *row))                   \
    X(P, int, idem_purge, (store_t *st, int64_t before_ts, int max, int64_t *n))                   \
    /* the event log (events.c) */                                                                \
    X(P, int, event_append, (store_t *st, event_t *ev))                                            \
    X(P, int, event_list, (store_t *st, const event_filter_t *f, store_event_cb cb, void *ud))     \
    X(P, int, event_purge, (store_t *st, int64_t before_ts, int max, int64_t *n))                  \
    /* read versions (conn.c) */                                                                   \
    X(P, int, read_version, (store_t *st, db_version_t *out))                                      \
    /* operations (conn.c) */                                                                      \
    X(P, int, ping, (store_t *st))

/* What a backend instantiates the list with (P: its prefix, e.g. sq_):
 * SQL_OP_DECL declares P<op>, SQL_OP_SLOT is the ops table's ".op = P<op>,". */
#define SQL_OP_DECL(P, ret, op, params) ret P##op params;
#define SQL_OP_SLOT(P, ret, op, params) .op = P##op,

/* Every member of store_ops_t is on the list: store_ops_t is its name, its
 * caps and one function pointer per op, so an op added to store.h and not
 * here (its pointer would stay NULL in both backends) stops the build here. */
#define SQL_OP_COUNT(P, ret, op, params) +1
struct sql_ops_head { const char *name; unsigned caps; }; /* store_ops_t's members before its ops */
_Static_assert(offsetof(store_ops_t, close) == sizeof(struct sql_ops_head) &&
                   sizeof(store_ops_t) == sizeof(struct sql_ops_head) +
                                              (0 SQL_STORE_OPS(SQL_OP_COUNT, _)) * sizeof(void (*)(void)),
               "store_ops_t and SQL_STORE_OPS (store/sqlops.h) list different ops");

#endif
