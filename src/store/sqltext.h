/* sqltext.h -- the fixed statements of the SQL backends (sqlite/, postgres/):
 * one list of names for both, and the text of the statements both run as
 * written.
 *
 * Every fixed statement has its name below, grouped by the resource (the
 * backend file) it belongs to, in store.h's order.  Its text is in exactly
 * one place per backend:
 *  - sqltext.c, when both backends run the same SQL.  It is written with
 *    SQLite's ?N placeholders; the PostgreSQL backend turns them into $N
 *    once, when it loads the texts (pg_sql), so each statement is still
 *    prepared once per connection and cached.
 *  - the table at the top of the backend's resource file (sqlite/<file>.c,
 *    postgres/<file>.c), when the dialects differ: upserts and conflict
 *    clauses, boolean and type spellings, PostgreSQL's locking reads (FOR
 *    UPDATE / FOR SHARE) and its page-and-count statements (PAGE()).
 * A name only one backend uses has no text in the other (marked below).
 * So a reviewer reads a resource's statements in two places: its section
 * of sqltext.c, and the backend file's table for what is dialect.
 */
#ifndef ND_SQLTEXT_H
#define ND_SQLTEXT_H

enum {
    /* conn.c */
    Q_PING,
    Q_READ_VERSION,                                                       /* PostgreSQL only */
    /* settings.c */
    Q_SETTING_GET, Q_SETTING_PUT, Q_SETTING_PUT_NEW,
    Q_MIGRATE_VERSION, Q_MIGRATE_RECORD,                                  /* PostgreSQL only */
    /* accounts.c */
    Q_ACCOUNT_INSERT, Q_ACCOUNT_BY_AUTH_ID, Q_ACCOUNT_BY_ID,
    Q_ACCOUNT_LIST, Q_ACCOUNT_COUNT, Q_APIKEY_INSERT, Q_APIKEY_LOOKUP,
    Q_ACCOUNT_BY_AUTH_ID_LOCK,                                            /* PostgreSQL only */
    Q_ACCOUNT_STATUS_HELD,
    /* inventory.c */
    Q_STATS, Q_EXPORT, Q_INV_RATES, Q_INV_RESTRICTIONS,
    Q_IMPORT_PREFETCH, Q_IMPORT_UPSERT,                                   /* PostgreSQL only */
    Q_IMPORT_SELECT, Q_IMPORT_INSERT, Q_IMPORT_UPDATE,                    /* SQLite only */
    /* numbers.c */
    Q_NUMBER_GET_AVAILABLE, Q_NUMBER_BUY, Q_NUMBER_STATE,
    Q_NUMBER_APPROVE, Q_NUMBER_LOOKUP, Q_RENEWAL_DUE, Q_RENEWAL_SET,
    Q_NUMBER_GET_AVAILABLE_LOCK,                                          /* PostgreSQL only */
    /* owned.c */
    Q_OWNED_GET, Q_OWNED_GET_BYOC, Q_OWNED_GET_ANY, Q_OWNED_LIST_STATE, Q_OWNED_UPDATE,
    Q_RELEASE_INVENTORY, Q_RELEASE_CUSTOMER, Q_NUMBER_INSERT_OWNED,
    Q_AGING_SWEEP,
    Q_OWNED_GET_LOCK, Q_OWNED_GET_BYOC_LOCK, Q_OWNED_GET_ANY_LOCK,        /* PostgreSQL only */
    Q_NUMBER_ADD_TURN,                                                    /* PostgreSQL only */
    /* subaccounts.c */
    Q_SUB_LIST, Q_ACCOUNT_UPDATE, Q_SUB_MOVE_NUMBERS, Q_SUB_MOVE_APPS,
    Q_SUB_MOVE_CARRIERS, Q_SUB_DELETE_IDEM, Q_SUB_DELETE,
    Q_SUB_COUNT,                                                          /* SQLite only */
    /* apps.c */
    Q_APP_EXISTS, Q_APP_DEFAULT, Q_APP_INSERT, Q_APP_GET, Q_APP_LIST,
    Q_APP_UPDATE, Q_APP_UNLINK, Q_APP_DELETE, Q_APP_CLEAR_DEFAULT,
    Q_APP_EXISTS_LOCK, Q_APP_DEFAULT_LOCK, Q_APP_GET_LOCK, Q_APP_LOCK,    /* PostgreSQL only */
    Q_APP_COUNT,                                                          /* SQLite only */
    /* compliance.c */
    Q_COMPLIANCE_INSERT, Q_COMPLIANCE_GET, Q_COMPLIANCE_LATEST,
    Q_COMPLIANCE_LIST, Q_COMPLIANCE_NUMBERS,
    /* carriers.c */
    Q_CARRIER_INSERT, Q_CARRIER_GET, Q_CARRIER_LIST, Q_CARRIER_UPDATE,
    Q_CARRIER_RENAME_NUMBERS, Q_CARRIER_IN_USE, Q_CARRIER_DELETE,
    Q_GW_INSERT, Q_GW_DELETE, Q_CARRIER_REG_LIST, Q_CARRIER_REG_SIG,
    Q_CARRIER_GET_LOCK, Q_CARRIER_HEAD_LOCK, Q_CARRIER_LOCK,              /* PostgreSQL only */
    Q_CARRIER_COUNT, Q_GW_READ,                                           /* SQLite only */
    /* registrations.c */
    Q_REG_PUT, Q_REG_GET, Q_REG_LIST, Q_PROBE_SET, Q_PROBE_DEL,
    Q_PROBE_GET, Q_PROBE_TARGETS, Q_HEALTH_PUT, Q_HEALTH_LIST, Q_HEALTH_EXPIRE, Q_REG_EXPIRE, Q_REG_EXPIRE_DUE,
    Q_REG_LOCK, Q_REG_UNLOCK, Q_PROBE_LOCK,                               /* PostgreSQL only */
    Q_REG_COUNT,                                                          /* SQLite only */
    /* idem.c */
    Q_IDEM_GET, Q_IDEM_PUT, Q_IDEM_PURGE,
    Q_IDEM_LOCK,                                                          /* PostgreSQL only */
    /* sbc.c */
    Q_SBC_SEQ, Q_SBC_ACCOUNTS, Q_SBC_APPS, Q_SBC_CARRIERS,
    Q_SBC_NUMBERS, Q_SBC_CHANGES, Q_SBC_PRUNED, Q_SBC_NUMBER, Q_SBC_NUMBERS_IN,
    Q_SBC_CARRIER, Q_SBC_APP, Q_SBC_UPSTREAM_NUMBERS, Q_SBC_PRUNE_MARK,
    Q_SBC_PRUNE, Q_SBC_UNSEQUENCED,                                       /* PostgreSQL only */
    /* credentials.c */
    Q_APIKEY_CREATE, Q_APIKEY_BY_HASH, Q_APIKEY_LIST, Q_APIKEY_REVOKE,
    Q_APIKEY_REVOKE_ALL, Q_APIKEY_TOUCH, Q_ACCOUNT_SET_STATUS,
    Q_ACCOUNT_SET_TOKEN, Q_RELEASE_ALL_INVENTORY,
    Q_RELEASE_ALL_CUSTOMER, Q_CRED_EPOCH_GET, Q_CRED_EPOCH_BUMP,
    Q_APIKEY_COUNT,                                                       /* SQLite only */
    /* events.c */
    Q_EVENT_APPEND, Q_EVENT_PURGE,
    Q_EVENT_SEQUENCE,                                                     /* PostgreSQL only */
    /* webhooks.c */
    Q_WH_EP_INSERT, Q_WH_EP_GET, Q_WH_EP_BY_ID, Q_WH_EP_LIST, Q_WH_EP_PAGE, Q_WH_EP_UPDATE,
    Q_WH_EP_DELETE, Q_WH_EP_OUTCOME, Q_WH_EP_START, Q_WH_EP_DISABLE, Q_WH_CURSOR_GET,
    Q_WH_CURSOR_PUT, Q_WH_DL_INSERT, Q_WH_DL_CLAIM, Q_WH_DL_DUE, Q_WH_DL_FINISH, Q_WH_DL_GET,
    Q_WH_DL_LIST, Q_WH_DL_RETRY, Q_WH_DL_PURGE,
    Q_WH_EP_OWNED, Q_WH_EP_FANNED,
    Q_WH_CURSOR_LOCK, Q_WH_EP_GET_LOCK, Q_WH_EP_OWNED_TURN, Q_WH_DL_CLAIM_TURN, /* PostgreSQL only */
    Q_WH_EP_COUNT, Q_WH_EP_DELETE_DELIVERIES, Q_WH_DL_COUNT,              /* SQLite only */
    Q__COUNT
};

/* The statements both backends run as written (?N placeholders), indexed
 * by the enum; NULL where a backend file has its own text. */
extern const char *const sqlt_text[Q__COUNT];

#endif
