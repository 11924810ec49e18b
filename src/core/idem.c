/* idem.c -- Idempotency-Key: replay, refuse, or act once. */
#include "core/idem.h"
#include "core/core_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/metrics.h"
#include "util/clock.h"
#include "core/secrets.h"

bool idem_key_valid(const char *key)
{
    size_t n = strlen(key);
    if (n < 8 || n > 255) return false;
    for (size_t i = 0; i < n; i++)
        if (!nd_isalnum((unsigned char)key[i]) && key[i] != '_' && key[i] != '-') return false;
    return true;
}

void idem_hash(const core_t *c, const char *action, const char *resource, const char *params,
               size_t n, uint8_t out[IDS_HASH_SZ])
{
    crypto_generichash_state s;
    uint8_t key[SEC_SUBKEY_SZ];
    bool keyed = c && c->key;
    if (keyed) sec_key_derive(c->key, "numberd idempotency v1", key);
    crypto_generichash_init(&s, keyed ? key : NULL, keyed ? sizeof key : 0, IDS_HASH_SZ);
    ids_wipe(key, sizeof key);
    crypto_generichash_update(&s, (const unsigned char *)action, strlen(action));
    crypto_generichash_update(&s, (const unsigned char *)"\n", 1);
    crypto_generichash_update(&s, (const unsigned char *)resource, strlen(resource));
    crypto_generichash_update(&s, (const unsigned char *)"\n", 1);
    if (n) crypto_generichash_update(&s, (const unsigned char *)params, n);
    crypto_generichash_final(&s, out, IDS_HASH_SZ);
}

static int idem_run_once(core_t *c, int64_t account_id, const char *key,
                         const uint8_t hash[IDS_HASH_SZ], idem_action_fn fn, void *ud,
                         idem_answer_t *ans, bool *replayed, cerr_t *e)
{
    store_t *st = c->st;
    *replayed = false;
    ans->replayable = false;
    ans->stored = NULL;
    if (key == NULL) return fn(c, ud, ans, e);

    /* A write transaction from the start: a concurrent request with the
     * same key waits here and then sees the first one's stored answer. */
    if (core_begin(c, e) != C_OK) return C_ERR;
    idem_row_t row = {0};
    int rc = st->ops->idem_get(st, account_id, key, &row);
    if (rc == ST_ERR) goto db_fail;
    if (rc == ST_OK && row.created_at + IDEM_TTL_SECONDS > clock_now()) {
        bool same = ids_hash_equal(row.req_hash, hash);
        if (same) {
            ans->code = row.status;
            ans->replayable = true;
            buf_reset(ans->body);
            buf_puts(ans->body, row.body);
            *replayed = true;
            metrics_count(MET_IDEM_REPLAYS);
        }
        free(row.body);
        core_rollback(c);
        if (!same)
            return cerr(e, CE_KEY_REUSED,
                        "Idempotency-Key was already used with a different request");
        return C_OK;
    }
    free(row.body);

    if (fn(c, ud, ans, e) != C_OK) {
        core_rollback(c);
        return C_ERR;
    }
    if (ans->replayable) {
        char *text = ans->stored ? ans->stored : ans->body->data;
        idem_row_t put = {.status = ans->code, .body = text ? text : "", .created_at = clock_now()};
        memcpy(put.req_hash, hash, IDS_HASH_SZ);
        if (st->ops->idem_put(st, account_id, key, &put) != ST_OK) goto db_fail;
    }
    return core_commit(c, e);
db_fail:
    core_rollback(c);
    return core_st(e, ST_ERR, NULL);
}

/* The whole of it runs again when the database aborted it to break a
 * deadlock (core_retry): the key's lock, the action and the stored answer
 * are one transaction, so nothing of the aborted run remains. */
int idem_run(core_t *c, int64_t account_id, const char *key, const uint8_t hash[IDS_HASH_SZ],
             idem_action_fn fn, void *ud, idem_answer_t *ans, bool *replayed, cerr_t *e)
{
    int r, tries = 0;
    do r = idem_run_once(c, account_id, key, hash, fn, ud, ans, replayed, e);
    while (r != C_OK && core_retry(c, &tries, e));
    return r;
}

/* ---- retention ----------------------------------------------------------------- */

int idem_retention_run(core_t *c, int max_batches, int64_t *purged, cerr_t *e)
{
    return core_purge(c, c->st->ops->idem_purge,
                      clock_now() - IDEM_TTL_SECONDS - IDEM_PURGE_GRACE_SECONDS, IDEM_PURGE_BATCH,
                      max_batches, "idempotency purge", purged, e);
}
