/* webhooks.c -- webhook endpoints: policy, URLs and the SSRF address
 * check, secrets and Standard Webhooks signatures, the endpoints' CRUD and
 * the delivery log (webhooks.h).  The delivery side (fan-out, claim,
 * outcome) is whdeliver.c. */
#include "core/webhooks.h"
#include "core/core_int.h"
#include "core/events.h"
#include "core/secrets.h"

#include <math.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/clock.h"

/* ---- policy ------------------------------------------------------------------ */

int64_t hook_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static atomic_bool g_allow_private;

void hook_set_allow_private(bool allow)
{
    atomic_store(&g_allow_private, allow);
}

bool hook_allow_private(void)
{
    return atomic_load(&g_allow_private);
}

double hook_backoff_scale(void)
{
    static _Atomic double scale = 0; /* 0: not read yet */
    double s = atomic_load(&scale);
    if (s > 0) return s;
    s = 1;
    const char *v = getenv("NUMBERD_WEBHOOK_BACKOFF_SCALE");
    if (v && *v) {
        char *end = NULL;
        double d = strtod(v, &end);
        if (end && *end == '\0' && d > 0 && d <= 1) s = d;
    }
    atomic_store(&scale, s);
    return s;
}

/* Seconds to wait after failed attempt n (1-based): 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 14 h -- 31 h 35 min in all, over 25 h even with every
 * jitter at -20 %, so a receiver that is down for a whole day still gets
 * every event once it is back. */
static const int64_t k_backoff[HOOK_ATTEMPTS_MAX - 1] = {5, 300, 1800, 7200, 18000, 36000, 50400};

int64_t hook_backoff_ms(int attempt)
{
    if (attempt < 1 || attempt >= HOOK_ATTEMPTS_MAX) return -1;
    double ms = (double)k_backoff[attempt - 1] * 1000.0 * hook_backoff_scale();
    /* +-20 %: receivers that failed together do not get their retries
     * together */
    double jitter = 0.8 + 0.4 * ((double)randombytes_uniform(10001) / 10000.0);
    int64_t v = (int64_t)llround(ms * jitter);
    return v < 1 ? 1 : v;
}

/* ---- URLs and addresses --------------------------------------------------------- */

static int bad_url(cerr_t *e, const char *why)
{
    return cerr(e, CE_INVALID, "invalid url: %s", why);
}

/* Whether a host that is not a dotted quad would still be read as an IPv4
 * address: by a URL parser (WHATWG: a host whose last label is a number,
 * decimal or 0x hex, is an IPv4 address) and by inet_aton(), which
 * getaddrinfo() tries before any DNS and which reads "0x7f000001",
 * "0177.0.0.1", "127.1" and "2130706433" as 127.0.0.1.  Such a host is
 * refused at registration: judged as a name, it passed the address check
 * and reached a private address (found by a helper's audit, session 37). */
static bool ipv4_other_form(const char *h, size_t n)
{
    if (n > 0 && h[n - 1] == '.') n--;   /* "127.0.0.1." is one too */
    size_t start = n;
    while (start > 0 && h[start - 1] != '.') start--;
    const char *l = h + start;
    size_t ln = n - start;
    if (ln == 0) return false;
    if (ln >= 2 && l[0] == '0' && (l[1] == 'x' || l[1] == 'X')) {
        for (size_t i = 2; i < ln; i++) {
            int c = (unsigned char)l[i];
            if (!nd_isdigit(c) && !((c | 0x20) >= 'a' && (c | 0x20) <= 'f')) return false;
        }
        return true;
    }
    return nd_all_digits(l, ln);
}

int hook_url_parse(const char *url, hook_url_t *out, cerr_t *e)
{
    memset(out, 0, sizeof *out);
    if (url == NULL || !core_http_url_ok(url))
        return bad_url(e, "want an absolute http or https URL of at most 512 characters");
    const char *p = url;
    /* a scheme is case-insensitive (RFC 3986 3.1): HTTP:// is http:// */
    if (strncasecmp(p, "https://", 8) == 0) {
        out->https = true;
        p += 8;
    } else if (strncasecmp(p, "http://", 7) == 0) {
        p += 7;
    } else {
        return bad_url(e, "want an http or https URL");
    }
    size_t alen = strcspn(p, "/?#");
    if (memchr(p, '@', alen)) return bad_url(e, "no user name or password in the URL");
    const char *host = p, *hend, *port = NULL;
    if (*p == '[') {
        const char *rb = memchr(p, ']', alen);
        if (!rb) return bad_url(e, "unclosed [ in the host");
        host = p + 1;
        hend = rb;
        if (rb + 1 < p + alen) {
            if (rb[1] != ':') return bad_url(e, "junk after the IPv6 address");
            port = rb + 2;
        }
        if (net_parse_ipv6(host, (size_t)(hend - host), &out->ip, NULL) != C_OK)
            return bad_url(e, "not an IPv6 address in [ ]");
        out->host_is_ip = true;
    } else {
        const char *colon = memchr(p, ':', alen);
        hend = colon ? colon : p + alen;
        if (colon) port = colon + 1;
        if (hend == host) return bad_url(e, "no host");
        if (net_parse_ipv4(host, (size_t)(hend - host), &out->ip, NULL) == C_OK) {
            out->host_is_ip = true;
        } else if (ipv4_other_form(host, (size_t)(hend - host))) {
            return cerr(e, CE_INVALID,
                        "invalid url: %.200s: its host %.*s would be read as an IPv4 address "
                        "but is not written a.b.c.d (four decimal numbers 0-255; hex, octal "
                        "and short forms are refused)",
                        url, (int)(hend - host) > 100 ? 100 : (int)(hend - host), host);
        } else if (!net_hostname_ok(host, (size_t)(hend - host), NULL)) {
            return bad_url(e, "the host is neither a host name nor an IP address");
        }
    }
    size_t hn = (size_t)(hend - host);
    if (hn >= sizeof out->host) return bad_url(e, "host too long");
    for (size_t i = 0; i < hn; i++) out->host[i] = (char)nd_tolower((unsigned char)host[i]);
    out->host[hn] = '\0';
    out->port = out->https ? 443 : 80;
    if (port) {
        size_t pn = (size_t)(p + alen - port);
        unsigned v = 0;
        if (pn == 0 || pn > 5 || !nd_all_digits(port, pn)) return bad_url(e, "invalid port");
        for (size_t i = 0; i < pn; i++) v = v * 10 + (unsigned)(port[i] - '0');
        if (v < 1 || v > 65535) return bad_url(e, "invalid port");
        out->port = v;
    }
    return C_OK;
}

/* At registration: what can be judged without a resolver (an address
 * literal, localhost); names are judged at each delivery. */
static int url_check(const char *url, hook_url_t *u, cerr_t *e)
{
    if (hook_url_parse(url, u, e) != C_OK) return C_ERR;
    if (hook_allow_private()) return C_OK;
    const char *why = u->host_is_ip ? net_ip_internal(&u->ip) : NULL;
    size_t hn = strlen(u->host);
    if (!why && (strcmp(u->host, "localhost") == 0 ||
                 (hn > 10 && strcmp(u->host + hn - 10, ".localhost") == 0)))
        why = "a loopback address";
    if (why)
        return cerr(e, CE_INVALID,
                    "invalid url: %s is %s; webhooks to private networks are refused "
                    "(the operator may allow them: serve --webhook-allow-private)",
                    u->host, why);
    return C_OK;
}

/* ---- secrets and signatures ---------------------------------------------------------- */

#define SECRET_LEAD "whsec_"

void hook_secret_new(char out[HOOK_SECRET_SZ])
{
    uint8_t key[HOOK_KEY_BYTES];
    randombytes_buf(key, sizeof key);
    memcpy(out, SECRET_LEAD, sizeof SECRET_LEAD - 1);
    sodium_bin2base64(out + sizeof SECRET_LEAD - 1, HOOK_SECRET_SZ - (sizeof SECRET_LEAD - 1), key,
                      sizeof key, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof key);
}

int hook_sign(const char *secret, const char *msg_id, int64_t ts, const char *body, size_t n,
              char out[HOOK_SIG_SZ])
{
    uint8_t key[64];
    size_t klen = 0;
    int rc = C_ERR;
    crypto_auth_hmacsha256_state st;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    char head[64];
    out[0] = '\0';
    if (strncmp(secret, SECRET_LEAD, sizeof SECRET_LEAD - 1) != 0) goto done;
    const char *b64 = secret + sizeof SECRET_LEAD - 1;
    if (sodium_base642bin(key, sizeof key, b64, strlen(b64), NULL, &klen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        klen == 0)
        goto done;
    int hn = snprintf(head, sizeof head, "%s.%lld.", msg_id, (long long)ts);
    if (hn < 0 || (size_t)hn >= sizeof head) goto done;
    crypto_auth_hmacsha256_init(&st, key, klen);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)head, (size_t)hn);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)body, n);
    crypto_auth_hmacsha256_final(&st, mac);
    memcpy(out, "v1,", 3);
    sodium_bin2base64(out + 3, HOOK_SIG_SZ - 3, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    rc = C_OK;
done:
    sodium_memzero(key, sizeof key);
    sodium_memzero(&st, sizeof st);
    return rc;
}

/* ---- endpoints ------------------------------------------------------------------------ */

/* An endpoint's change in the event log, in the caller's transaction: a
 * customer's endpoint belongs to its account (it hears of its own
 * changes), the operator's to no account (never shown to a customer). */
static int emit(core_t *c, const char *type, const wh_endpoint_t *before, const wh_endpoint_t *after,
                bool secret_changed, cerr_t *e)
{
    const wh_endpoint_t *ep = after ? after : before;
    ev_data_t d;
    ev_data_init(&d);
    if (before && after) {
        ev_data_str(&d, "url", before->url, after->url);
        ev_data_str(&d, "description", before->description, after->description);
        ev_data_str(&d, "event_types", before->event_types, after->event_types);
        ev_data_bool(&d, "enabled", before->enabled, after->enabled);
        /* the account as the API shows it (both filled by the caller),
         * never the row's internal id */
        ev_data_str(&d, "account", before->account_auth_id, after->account_auth_id);
        if (d.na == 0 && d.nb == 0 && !secret_changed) {
            /* an update that changes nothing is no change of state (EVENTS.md) */
            ev_data_free(&d);
            return C_OK;
        }
    } else if (after) {
        ev_data_after_str(&d, "url", after->url);
        ev_data_after_str(&d, "event_types", after->event_types);
    } else {
        ev_data_before_str(&d, "url", before->url);
    }
    if (secret_changed) ev_data_secret(&d, "secret");
    return ev_emit(c, type, ep->owner_id, "webhook_endpoint", ep->uid, &d, e);
}

static int seal(core_t *c, const char *secret, uint8_t box[MODEL_BOX_SZ], size_t *len, cerr_t *e)
{
    if (c->key == NULL || sec_seal(c->key, secret, strlen(secret), box, len) != C_OK)
        return cerr(e, CE_INTERNAL, "webhook secrets need the server key");
    return C_OK;
}

/* "number.bought", "number.*": an object, a dot, a word or '*'. */
static bool type_ok(const char *s, size_t n)
{
    const char *dot = memchr(s, '.', n);
    if (n == 0 || n > HOOK_TYPE_LEN_MAX || !dot || dot == s || dot == s + n - 1) return false;
    for (const char *p = s; p < s + n; p++) {
        if (p == dot) continue;
        if (p == dot + 1 && *p == '*' && p == s + n - 1) continue;
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return false;
    }
    return true;
}

static int types_of(const hook_in_t *in, char out[MODEL_WH_TYPES_SZ], cerr_t *e)
{
    size_t len = 0;
    out[0] = '\0';
    if (in->ntypes > HOOK_TYPES_MAX)
        return cerr(e, CE_INVALID, "invalid event_types: at most %d", HOOK_TYPES_MAX);
    for (size_t i = 0; i < in->ntypes; i++) {
        const char *t = in->types[i];
        size_t n = t ? strlen(t) : 0;
        if (!t || !type_ok(t, n))
            return cerr(e, CE_INVALID,
                        "invalid event_types[%zu]: want object.event or object.* "
                        "(a-z, 0-9, _; e.g. number.bought)",
                        i);
        /* a typo ("number.boguht") was kept, and the endpoint heard
         * nothing for ever (a helper's audit, session 40) */
        if (!ev_type_known(t, n, ".*"))
            return cerr(e, CE_INVALID,
                        "invalid event_types[%zu]: %.40s is no event type (want one of docs/EVENTS.md, "
                        "e.g. number.bought, or object.* for every type of one object)",
                        i, t);
        if (len + n + 2 > MODEL_WH_TYPES_SZ) return cerr(e, CE_INVALID, "invalid event_types: too long");
        if (len) out[len++] = ',';
        memcpy(out + len, t, n);
        len += n;
        out[len] = '\0';
    }
    return C_OK;
}

void hook_types_each(const wh_endpoint_t *ep, void (*fn)(const char *type, size_t n, void *ud),
                     void *ud)
{
    const char *p = ep->event_types;
    while (*p) {
        size_t n = strcspn(p, ",");
        fn(p, n, ud);
        p += n;
        if (*p == ',') p++;
    }
}

/* The in's fields that are given, checked and written into ep (which holds
 * the current values on an update). */
static int apply(core_t *c, int64_t owner, const hook_in_t *in, wh_endpoint_t *ep, cerr_t *e)
{
    hook_url_t u;
    if (in->url) {
        if (url_check(in->url, &u, e) != C_OK) return C_ERR;
        snprintf(ep->url, sizeof ep->url, "%s", in->url);
    }
    if (in->description) {
        if (*in->description && !core_text_ok(in->description, HOOK_DESC_MAX))
            return cerr(e, CE_INVALID, "invalid description: at most %d characters, no control characters",
                        HOOK_DESC_MAX);
        snprintf(ep->description, sizeof ep->description, "%s", in->description);
    }
    if (in->types && types_of(in, ep->event_types, e) != C_OK) return C_ERR;
    if (in->enabled >= 0) {
        bool on = in->enabled != 0;
        if (on && !ep->enabled) {
            /* enabled again by a person: a fresh start */
            ep->fail_count = 0;
            ep->fail_since = 0;
            ep->disabled_reason[0] = '\0';
        }
        if (!on && ep->enabled) snprintf(ep->disabled_reason, sizeof ep->disabled_reason, "disabled by its owner");
        ep->enabled = on;
    }
    if (in->account) {
        if (owner != HOOK_OPERATOR)
            return cerr(e, CE_INVALID, "unknown parameter: account");
        if (*in->account == '\0') {
            ep->account_id = 0;
        } else {
            account_t a;
            int rc = ids_is_auth_id(in->account, strlen(in->account))
                         ? c->st->ops->account_by_auth_id(c->st, in->account, &a)
                         : ST_NOTFOUND;
            if (rc == ST_NOTFOUND || (rc == ST_OK && a.parent_id != 0))
                return cerr(e, CE_INVALID, "invalid account: no main account %.32s", in->account);
            if (core_st(e, rc, NULL) != C_OK) return C_ERR;
            ep->account_id = a.id;
        }
    }
    return C_OK;
}

/* ep's account_auth_id, read by the core before any answer is rendered: a
 * fault reading it is the request's fault (503), never an endpoint shown
 * as hearing every account's events ("account": null).  An account gone
 * (accounts are closed, not deleted) shows as none. */
static int fill_account(core_t *c, wh_endpoint_t *ep, cerr_t *e)
{
    account_t a;
    ep->account_auth_id[0] = '\0';
    if (ep->account_id == 0) return C_OK;
    int rc = c->st->ops->account_by_id(c->st, ep->account_id, &a);
    if (rc == ST_NOTFOUND) return C_OK;
    if (core_st(e, rc, "webhook endpoint's account") != C_OK) return C_ERR;
    snprintf(ep->account_auth_id, sizeof ep->account_auth_id, "%s", a.auth_id);
    return C_OK;
}

int hook_endpoint_create(core_t *c, int64_t owner, const hook_in_t *in, wh_endpoint_t *out,
                         char secret[HOOK_SECRET_SZ], cerr_t *e)
{
    wh_endpoint_t *ep = out;
    uint8_t rnd[16];
    memset(ep, 0, sizeof *ep);
    secret[0] = '\0';
    if (in->url == NULL) return cerr(e, CE_INVALID, "missing url");
    ep->owner_id = owner;
    ep->account_id = owner; /* a customer's endpoint: its own events */
    ep->enabled = true;
    if (apply(c, owner, in, ep, e) != C_OK) return C_ERR;
    randombytes_buf(rnd, sizeof rnd);
    memcpy(ep->uid, "we_", 3);
    sodium_bin2hex(ep->uid + 3, sizeof ep->uid - 3, rnd, sizeof rnd);
    ep->created_at = ep->updated_at = clock_now();
    hook_secret_new(secret);
    if (seal(c, secret, ep->secret, &ep->secret_len, e) != C_OK) goto fail;
    if (core_begin(c, e) != C_OK) goto fail;
    /* a cap per owner: every endpoint is one more delivery of each event
     * (and one more receiver that may hang); counted in the creating
     * transaction, after the owner's turn (wh_endpoint_count) */
    int64_t have = 0;
    int64_t cap = owner == HOOK_OPERATOR ? HOOK_OPERATOR_ENDPOINTS_MAX : HOOK_ENDPOINTS_MAX;
    int rc = core_st(e, c->st->ops->wh_endpoint_count(c->st, owner, &have), "webhook endpoints");
    if (rc == C_OK && have >= cap)
        rc = cerr(e, CE_CONFLICT,
                  "too many webhook endpoints: %s has %lld, at most %lld; delete one first",
                  owner == HOOK_OPERATOR ? "the operator" : "this account", (long long)have,
                  (long long)cap);
    if (rc == C_OK) rc = core_st(e, c->st->ops->wh_endpoint_insert(c->st, ep), "webhook endpoint");
    if (rc == C_OK) rc = emit(c, "webhook_endpoint.created", NULL, ep, false, e);
    if (rc == C_OK) rc = fill_account(c, ep, e);
    if (core_end(c, rc, e) != C_OK) goto fail;
    core_on_durable(hook_endpoints_changed);
    return C_OK;
fail:
    ids_wipe(secret, HOOK_SECRET_SZ);
    return C_ERR;
}

/* "we_" and 32 lowercase hex digits (hook_endpoint_create): anything else
 * is no endpoint's, and never reaches the store (a path's bytes may be
 * invalid UTF-8, which PostgreSQL refuses as a fault) */
static bool uid_ok(const char *uid)
{
    if (uid == NULL || strlen(uid) != 3 + 32 || memcmp(uid, "we_", 3) != 0) return false;
    for (const char *p = uid + 3; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return false;
    return true;
}

/* The endpoint's record (account_auth_id not filled: load_shown) */
static int load(core_t *c, int64_t owner, const char *uid, wh_endpoint_t *out, cerr_t *e)
{
    if (!uid_ok(uid)) return cerr(e, CE_NOTFOUND, "no such webhook endpoint");
    int rc = c->st->ops->wh_endpoint_get(c->st, owner, uid, out);
    /* the same words for another owner's and for none (existence does not leak) */
    if (rc == ST_NOTFOUND) return cerr(e, CE_NOTFOUND, "no such webhook endpoint");
    return core_st(e, rc, NULL);
}

/* The endpoint as an answer shows it: with its account's auth_id */
static int load_shown(core_t *c, int64_t owner, const char *uid, wh_endpoint_t *out, cerr_t *e)
{
    if (load(c, owner, uid, out, e) != C_OK) return C_ERR;
    return fill_account(c, out, e);
}

int hook_endpoint_get(core_t *c, int64_t owner, const char *uid, wh_endpoint_t *out, cerr_t *e)
{
    return load_shown(c, owner, uid, out, e);
}

int hook_endpoint_list(core_t *c, int64_t owner, int limit, int offset, wh_endpoint_t *rows,
                       size_t *nrows, int64_t *total, cerr_t *e)
{
    *nrows = 0;
    *total = 0;
    if (limit < 1 || limit > HOOK_LIST_MAX || offset < 0)
        return cerr(e, CE_INVALID, "invalid paging");
    if (core_st(e, c->st->ops->wh_endpoint_list(c->st, owner, limit, offset, rows, nrows, total),
                NULL) != C_OK)
        return C_ERR;
    for (size_t i = 0; i < *nrows; i++) {
        if (fill_account(c, &rows[i], e) != C_OK) {
            *nrows = 0;
            *total = 0;
            return C_ERR;
        }
    }
    return C_OK;
}

static int update_once(core_t *c, int64_t owner, const char *uid, const hook_in_t *in,
                       wh_endpoint_t *out, cerr_t *e)
{
    wh_endpoint_t *before = xmalloc(sizeof *before);
    if (core_begin(c, e) != C_OK) {
        free(before);
        return C_ERR;
    }
    int rc = load(c, owner, uid, out, e);
    if (rc == C_OK) {
        *before = *out;
        rc = apply(c, out->owner_id, in, out, e);
    }
    /* an update that changes nothing (a PATCH of {}, or of the values it
     * has) writes nothing: its updated_at stays (it moved while no event
     * said why).  The endpoint is a flat record, copied whole above, and
     * apply writes only what it was given */
    bool changed = rc == C_OK && memcmp(before, out, sizeof *out) != 0;
    if (changed) {
        out->updated_at = clock_now();
        rc = core_st(e, c->st->ops->wh_endpoint_update(c->st, out), "webhook endpoint");
    }
    if (rc == C_OK) rc = fill_account(c, before, e);
    if (rc == C_OK) rc = fill_account(c, out, e);
    if (rc == C_OK && changed) rc = emit(c, "webhook_endpoint.updated", before, out, false, e);
    ids_wipe(before, sizeof *before);
    free(before);
    rc = core_end(c, rc, e);
    if (rc == C_OK) core_on_durable(hook_endpoints_changed);
    return rc;
}

/* An endpoint's update, deletion and rotation lock its row, then write
 * an event; the fan-out's transaction (PostgreSQL) takes the delivery
 * cursor, inserts deliveries and moves the same row's filter: the two can
 * meet in a deadlock, and PostgreSQL aborts one of them -- seen once as a
 * DELETE answered 503 in a full run (session 38).  Run again, as the
 * other writes that can meet so are (core_retry). */
int hook_endpoint_update(core_t *c, int64_t owner, const char *uid, const hook_in_t *in,
                         wh_endpoint_t *out, cerr_t *e)
{
    int r, tries = 0;
    do r = update_once(c, owner, uid, in, out, e);
    while (r != C_OK && core_retry(c, &tries, e));
    return r;
}

static int delete_once(core_t *c, int64_t owner, const char *uid, cerr_t *e)
{
    wh_endpoint_t ep;
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = load(c, owner, uid, &ep, e);
    if (rc == C_OK) rc = core_st(e, c->st->ops->wh_endpoint_delete(c->st, ep.id), "webhook endpoint");
    if (rc == C_OK) rc = emit(c, "webhook_endpoint.deleted", &ep, NULL, false, e);
    return core_end(c, rc, e);
}

int hook_endpoint_delete(core_t *c, int64_t owner, const char *uid, cerr_t *e)
{
    int r, tries = 0;
    do r = delete_once(c, owner, uid, e);
    while (r != C_OK && core_retry(c, &tries, e));
    return r;
}

static int rotate_once(core_t *c, int64_t owner, const char *uid, int64_t grace,
                       wh_endpoint_t *out, char secret[HOOK_SECRET_SZ], cerr_t *e)
{
    secret[0] = '\0';
    if (grace < 0 || grace > HOOK_GRACE_MAX)
        return cerr(e, CE_INVALID, "invalid grace_period: at most 7 days");
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = load_shown(c, owner, uid, out, e);
    if (rc == C_OK) {
        int64_t now = clock_now();
        if (grace > 0) {
            memcpy(out->old_secret, out->secret, out->secret_len);
            out->old_secret_len = out->secret_len;
            out->old_secret_until = now + grace;
        } else {
            out->old_secret_len = 0;
            out->old_secret_until = 0;
        }
        hook_secret_new(secret);
        rc = seal(c, secret, out->secret, &out->secret_len, e);
        out->updated_at = now;
    }
    if (rc == C_OK) rc = core_st(e, c->st->ops->wh_endpoint_update(c->st, out), "webhook endpoint");
    if (rc == C_OK) rc = emit(c, "webhook_endpoint.secret_rotated", NULL, out, true, e);
    rc = core_end(c, rc, e);
    if (rc != C_OK) ids_wipe(secret, HOOK_SECRET_SZ);
    else core_on_durable(hook_endpoints_changed);
    return rc;
}

int hook_endpoint_rotate(core_t *c, int64_t owner, const char *uid, int64_t grace,
                         wh_endpoint_t *out, char secret[HOOK_SECRET_SZ], cerr_t *e)
{
    int r, tries = 0;
    do r = rotate_once(c, owner, uid, grace, out, secret, e);
    while (r != C_OK && core_retry(c, &tries, e));
    return r;
}


/* ---- the delivery log --------------------------------------------------------------------- */

const char *hook_state_name(whd_state_t s)
{
    switch (s) {
    case WHD_DELIVERED: return "delivered";
    case WHD_FAILED: return "failed";
    default: return "pending";
    }
}

int hook_delivery_list(core_t *c, int64_t owner, const char *uid, int state, int limit,
                       int offset, wh_delivery_t *rows, size_t *nrows, int64_t *total, cerr_t *e)
{
    wh_endpoint_t ep;
    *nrows = 0;
    *total = 0;
    if (limit < 1 || limit > HOOK_LIST_MAX || offset < 0)
        return cerr(e, CE_INVALID, "invalid paging");
    if (load(c, owner, uid, &ep, e) != C_OK) return C_ERR;
    return core_st(e, c->st->ops->wh_delivery_list(c->st, ep.id, state, limit, offset, rows, nrows,
                                                   total),
                   NULL);
}

int hook_delivery_retry(core_t *c, int64_t owner, const char *uid, const char *delivery_id,
                        wh_delivery_t *out, cerr_t *e)
{
    wh_endpoint_t ep;
    int64_t id = 0;
    size_t n = delivery_id ? strlen(delivery_id) : 0;
    if (n == 0 || n > 18 || !nd_all_digits(delivery_id, n))
        return cerr(e, CE_NOTFOUND, "no such delivery");
    for (size_t i = 0; i < n; i++) id = id * 10 + (delivery_id[i] - '0');
    if (core_begin(c, e) != C_OK) return C_ERR;
    int rc = load(c, owner, uid, &ep, e);
    if (rc == C_OK && !ep.enabled)
        rc = cerr(e, CE_CONFLICT, "webhook endpoint %s is disabled: enable it first", ep.uid);
    if (rc == C_OK) {
        int st = c->st->ops->wh_delivery_retry(c->st, ep.id, id, hook_now_ms());
        rc = st == ST_NOTFOUND ? cerr(e, CE_NOTFOUND, "no such delivery")
                               : core_st(e, st, "webhook delivery");
    }
    if (rc == C_OK)
        rc = core_st(e, c->st->ops->wh_delivery_get(c->st, ep.id, id, out), "webhook delivery");
    return core_end(c, rc, e);
}
