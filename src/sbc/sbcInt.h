/* sbcInt.h -- private to src/sbc/sbc.c and sbc_write.c: the index's state
 * and locks (the reasoning is at the top of sbc.h). */
#ifndef ND_SBC_INT_H
#define ND_SBC_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "sbc/lpm.h"
#include "sbc/map.h"
#include "sbc/numtab.h"
#include "sbc/sbc.h"

#define NUMBER_MAX UINT64_C(999999999999999) /* 15 digits */

/* ---- the state: everything a reader sees ---------------------------------- */
typedef struct {
    sbc_ntab_t *nums;
    sbc_lpm_t *v4, *v6;
    sbc_map_t carriers;       /* id -> sbc_carrier_t* (one block each: carrier_pack) */
    sbc_map_t accounts;       /* id -> sbc_account_t* */
    sbc_map_t acct_auth;      /* sbc_auth_key(auth_id) -> the same sbc_account_t* (borrowed) */
    sbc_map_t apps;           /* app_id -> sbc_app_t* (one block each) */
    sbc_map_t acct_carriers;  /* main account id -> sbc_idlist_t* */
    sbc_idlist_t upstream;
    size_t carrier_bytes, app_bytes;
    size_t gw_out, gw_out_down;  /* outbound gateways, those marked down (SIP.md §6) */
} state_t;

/* ---- the index and its locks ------------------------------------------------ */
typedef struct {
    pthread_rwlock_t lock;
    char pad[64 - sizeof(pthread_rwlock_t) % 64];
} slot_t;

struct sbc_index {
    slot_t slots[SBC_READ_SLOTS];   /* each on its own cache line(s) */
    pthread_mutex_t writer;         /* writers queue here */
    state_t *st;                    /* changed only inside the exclusive section */
    _Atomic bool current;
    _Atomic uint64_t mark, gen;
};

/* The exclusive section (sbc.c): the caller holds idx->writer. */
/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is that IPv4 address: a
 * source is looked up so (trie_for) and a gateway filed so (carrier_pack),
 * or one written either way would never meet the other (sbc.c). */
bool sbc_addr_mapped(const sbc_addr_t *a);
void sbc_excl_enter(sbc_index_t *idx);
void sbc_excl_leave(sbc_index_t *idx);

#endif
