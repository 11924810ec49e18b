/* authfail.c -- see authfail.h.
 *
 * Open addressing over a fixed table, probed from a SipHash of the address
 * under a random per-process key, so that an attacker cannot choose
 * addresses that all land in one probe run and push a victim's entry out.
 * A free slot is one never used or whose counting period and block are
 * both over.  When the probe run has no free slot, the least recently
 * active entry that is not blocked is replaced; when every entry in the
 * run is blocked the failure is not recorded (the table stays bounded and
 * the blocked addresses stay blocked).
 */
#include "core/authfail.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/net.h"

#define AF_SLOTS 8192
#define AF_PROBE 32

typedef struct {
    uint8_t key[17];   /* family (4 or 6), then the address (/64 for IPv6) */
    bool used;
    unsigned count;    /* failures since start */
    int64_t start;     /* first failure of the counting period */
    int64_t until;     /* blocked while now < until */
    int64_t last;      /* last failure, for replacement */
} af_slot_t;

struct authfail {
    unsigned max, seconds;
    pthread_mutex_t lock;
    uint8_t seed[crypto_shorthash_KEYBYTES];
    af_slot_t *slots;
};

authfail_t *af_new(unsigned max, unsigned seconds)
{
    if (max == 0 || seconds == 0) return NULL;
    authfail_t *af = xcalloc(1, sizeof *af);
    af->max = max;
    af->seconds = seconds;
    pthread_mutex_init(&af->lock, NULL);
    randombytes_buf(af->seed, sizeof af->seed);
    af->slots = xcalloc(AF_SLOTS, sizeof *af->slots);
    return af;
}

void af_free(authfail_t *af)
{
    if (!af) return;
    pthread_mutex_destroy(&af->lock);
    free(af->slots);
    free(af);
}

/* The counting key of an address; C_ERR if it is not an address. */
static int addr_key(const char *addr, uint8_t key[17])
{
    net_ip_t ip;
    if (addr == NULL || net_parse_ip(addr, strlen(addr), &ip, NULL) != C_OK) return C_ERR;
    memset(key, 0, 17);
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (ip.family == 6 && memcmp(ip.addr, mapped, sizeof mapped) == 0) {
        /* an IPv4 client on a dual-stack socket: the same key as IPv4 */
        key[0] = 4;
        memcpy(key + 1, ip.addr + 12, 4);
    } else if (ip.family == 6) {
        key[0] = 6;
        memcpy(key + 1, ip.addr, 8);
    } else {
        key[0] = 4;
        memcpy(key + 1, ip.addr, 4);
    }
    return C_OK;
}

static size_t slot_hash(const authfail_t *af, const uint8_t key[17])
{
    uint8_t h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key, 17, af->seed);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    return (size_t)(v & (AF_SLOTS - 1));
}

static bool slot_free(const authfail_t *af, const af_slot_t *s, int64_t now)
{
    return !s->used || (s->until <= now && now - s->start >= (int64_t)af->seconds);
}

/* The slot holding key, or NULL.  Caller holds the lock. */
static af_slot_t *find(authfail_t *af, const uint8_t key[17], size_t h)
{
    for (size_t i = 0; i < AF_PROBE; i++) {
        af_slot_t *s = &af->slots[(h + i) & (AF_SLOTS - 1)];
        if (s->used && memcmp(s->key, key, 17) == 0) return s;
    }
    return NULL;
}

bool af_blocked(authfail_t *af, const char *addr, int64_t now, unsigned *retry_after)
{
    uint8_t key[17];
    bool blocked = false;
    if (af == NULL || addr_key(addr, key) != C_OK) return false;
    size_t h = slot_hash(af, key);
    pthread_mutex_lock(&af->lock);
    af_slot_t *s = find(af, key, h);
    if (s && s->until > now) {
        blocked = true;
        *retry_after = (unsigned)(s->until - now);
    }
    pthread_mutex_unlock(&af->lock);
    return blocked;
}

void af_failure(authfail_t *af, const char *addr, int64_t now)
{
    uint8_t key[17];
    if (af == NULL || addr_key(addr, key) != C_OK) return;
    size_t h = slot_hash(af, key);
    pthread_mutex_lock(&af->lock);
    af_slot_t *s = find(af, key, h);
    if (s == NULL) {
        af_slot_t *victim = NULL;
        for (size_t i = 0; i < AF_PROBE; i++) {
            af_slot_t *c = &af->slots[(h + i) & (AF_SLOTS - 1)];
            if (slot_free(af, c, now)) {
                victim = c;
                break;
            }
            if (c->until <= now && (victim == NULL || c->last < victim->last)) victim = c;
        }
        if (victim) {
            memset(victim, 0, sizeof *victim);
            memcpy(victim->key, key, 17);
            victim->used = true;
            victim->start = now;
        }
        s = victim;
    }
    if (s) {
        /* a new counting period once the last one is over */
        if (now - s->start >= (int64_t)af->seconds) {
            s->start = now;
            s->count = 0;
        }
        s->last = now;
        if (s->count < af->max) s->count++;
        if (s->count >= af->max && s->until <= now) s->until = now + af->seconds;
    }
    pthread_mutex_unlock(&af->lock);
}
