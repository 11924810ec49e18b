/* sipmsg.c -- parsing and building SIP messages (sipmsg.h).  The parser is
 * a single forward pass over the caller's bytes: no allocation, no copy,
 * every length checked before it is used (fuzzed: tests/fuzz/fuzz_sip_msg.c). */
#include "sip/sipmsg.h"

#include <string.h>

#include "util/common.h"

bool sip_str_ieq(sip_str_t s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.n != n) return false;
    for (size_t i = 0; i < n; i++)
        if (nd_tolower((unsigned char)s.p[i]) != nd_tolower((unsigned char)lit[i])) return false;
    return true;
}

static bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static sip_str_t trim(sip_str_t s)
{
    while (s.n && is_ws(s.p[0])) { s.p++; s.n--; }
    while (s.n && is_ws(s.p[s.n - 1])) s.n--;
    return s;
}

/* RFC 3261 token characters (header names, methods). */
static bool is_token(char c)
{
    return nd_isalnum((unsigned char)c) || strchr("-.!%*_+`'~", c) != NULL;
}

/* Leading decimal digits of s as a value <= max.  rest_ok: what may follow
 * the digits (Retry-After allows a comment and parameters). */
static int parse_uint(sip_str_t s, uint64_t max, bool rest_ok, uint64_t *out)
{
    s = trim(s);
    size_t i = 0;
    uint64_t v = 0;
    while (i < s.n && nd_isdigit((unsigned char)s.p[i])) {
        v = v * 10 + (uint64_t)(s.p[i] - '0');
        if (v > max) return C_ERR;
        i++;
    }
    if (i == 0) return C_ERR;
    if (i < s.n && !rest_ok) return C_ERR;
    if (i < s.n && !(is_ws(s.p[i]) || s.p[i] == ';' || s.p[i] == '(')) return C_ERR;
    *out = v;
    return C_OK;
}

/* Full name of a compact header form (RFC 3261 §7.3.3), else NULL. */
static const char *compact_name(char c)
{
    switch (nd_tolower((unsigned char)c)) {
    case 'i': return "call-id";
    case 'f': return "from";
    case 't': return "to";
    case 'v': return "via";
    case 'm': return "contact";
    case 'l': return "content-length";
    case 'c': return "content-type";
    case 'k': return "supported";
    case 'e': return "content-encoding";
    case 's': return "subject";
    default: return NULL;
    }
}

static bool name_is(sip_str_t name, const char *full)
{
    if (name.n == 1) {
        const char *f = compact_name(name.p[0]);
        return f && nd_strcasecmp(f, full) == 0;
    }
    return sip_str_ieq(name, full);
}

const sip_str_t *sip_msg_header(const sip_msg_t *m, const char *name)
{
    for (size_t i = 0; i < m->nhdr; i++)
        if (name_is(m->hdr[i].name, name)) return &m->hdr[i].value;
    return NULL;
}

/* Next line of buf from *pos: [start, end) without its CRLF (a bare LF is
 * tolerated).  false at the end of the buffer without a line end. */
static bool next_line(const char *buf, size_t n, size_t *pos, sip_str_t *line)
{
    size_t i = *pos;
    const char *lf = memchr(buf + i, '\n', n - i);
    if (!lf) return false;
    size_t end = (size_t)(lf - buf);
    line->p = buf + i;
    line->n = end - i;
    if (line->n && line->p[line->n - 1] == '\r') line->n--;
    *pos = end + 1;
    return true;
}

static int parse_start(sip_str_t l, sip_msg_t *m, const char **why)
{
    static const char ver[] = "SIP/2.0";
    if (l.n >= 8 && memcmp(l.p, ver, 7) == 0 && l.p[7] == ' ') {
        /* SIP/2.0 SP 3DIGIT SP reason */
        if (l.n < 11 || !nd_isdigit((unsigned char)l.p[8]) || !nd_isdigit((unsigned char)l.p[9]) ||
            !nd_isdigit((unsigned char)l.p[10]) || (l.n > 11 && l.p[11] != ' ')) {
            *why = "bad status line";
            return C_ERR;
        }
        m->response = true;
        m->status = (l.p[8] - '0') * 100 + (l.p[9] - '0') * 10 + (l.p[10] - '0');
        if (m->status < 100 || m->status > 699) {
            *why = "status code out of range";
            return C_ERR;
        }
        m->reason.p = l.n > 12 ? l.p + 12 : l.p + l.n;
        m->reason.n = l.n > 12 ? l.n - 12 : 0;
        return C_OK;
    }
    /* Method SP Request-URI SP SIP/2.0 */
    size_t i = 0;
    while (i < l.n && is_token(l.p[i])) i++;
    if (i == 0 || i >= l.n || l.p[i] != ' ') {
        *why = "bad request line";
        return C_ERR;
    }
    m->method = (sip_str_t){l.p, i};
    const char *sp = memchr(l.p + i + 1, ' ', l.n - i - 1);
    if (!sp || sp == l.p + i + 1) {
        *why = "bad request line";
        return C_ERR;
    }
    m->ruri = (sip_str_t){l.p + i + 1, (size_t)(sp - (l.p + i + 1))};
    sip_str_t v = {sp + 1, l.n - (size_t)(sp + 1 - l.p)};
    if (!sip_str_ieq(v, ver)) {
        *why = "not SIP/2.0";
        return C_ERR;
    }
    return C_OK;
}

/* Reads the headers a client needs from the header table. */
static int index_headers(sip_msg_t *m, const char **why)
{
    bool have_cseq = false;
    for (size_t i = 0; i < m->nhdr; i++) {
        sip_str_t nm = m->hdr[i].name, v = m->hdr[i].value;
        uint64_t u;
        if (name_is(nm, "call-id")) {
            if (m->call_id.p) { *why = "repeated Call-ID"; return C_ERR; }
            if (v.n == 0) { *why = "empty Call-ID"; return C_ERR; }
            m->call_id = v;
        } else if (name_is(nm, "cseq")) {
            if (have_cseq) { *why = "repeated CSeq"; return C_ERR; }
            size_t k = 0;
            while (k < v.n && nd_isdigit((unsigned char)v.p[k])) k++;
            if (k == 0 || k >= v.n || !is_ws(v.p[k]) ||
                parse_uint((sip_str_t){v.p, k}, 0x7fffffffu, false, &u) != C_OK) {
                *why = "bad CSeq";
                return C_ERR;
            }
            m->cseq = (uint32_t)u;
            m->cseq_method = trim((sip_str_t){v.p + k, v.n - k});
            if (m->cseq_method.n == 0) { *why = "bad CSeq"; return C_ERR; }
            for (size_t j = 0; j < m->cseq_method.n; j++)
                if (!is_token(m->cseq_method.p[j])) { *why = "bad CSeq"; return C_ERR; }
            have_cseq = true;
        } else if (name_is(nm, "via")) {
            if (!m->via.p) m->via = v;
        } else if (name_is(nm, "from")) {
            if (m->from.p) { *why = "repeated From"; return C_ERR; }
            m->from = v;
        } else if (name_is(nm, "to")) {
            if (m->to.p) { *why = "repeated To"; return C_ERR; }
            m->to = v;
        } else if (name_is(nm, "contact")) {
            if (!m->contact_all.p) m->contact_all = v;
            m->ncontact++;
        } else if (name_is(nm, "expires")) {
            if (parse_uint(v, 0xffffffffu, false, &u) != C_OK) { *why = "bad Expires"; return C_ERR; }
            m->expires = (int64_t)u;
        } else if (name_is(nm, "min-expires")) {
            if (parse_uint(v, 0xffffffffu, false, &u) != C_OK) {
                *why = "bad Min-Expires";
                return C_ERR;
            }
            m->min_expires = (int64_t)u;
        } else if (name_is(nm, "retry-after")) {
            if (parse_uint(v, 0xffffffffu, true, &u) != C_OK) {
                *why = "bad Retry-After";
                return C_ERR;
            }
            m->retry_after = (int64_t)u;
        } else if (name_is(nm, "www-authenticate")) {
            if (m->nwww < SIP_CHAL_MAX) m->www_auth[m->nwww++] = v;
        } else if (name_is(nm, "proxy-authenticate")) {
            if (m->nproxy < SIP_CHAL_MAX) m->proxy_auth[m->nproxy++] = v;
        }
    }
    if (!m->call_id.p || !have_cseq) {
        *why = "missing Call-ID or CSeq";
        return C_ERR;
    }
    if (!m->via.p || !m->from.p || !m->to.p) {
        *why = "missing Via, From or To";
        return C_ERR;
    }
    return C_OK;
}

int sip_msg_parse(const char *buf, size_t n, sip_msg_t *m, const char **why)
{
    memset(m, 0, sizeof *m);
    m->expires = m->min_expires = m->retry_after = -1;
    *why = NULL;
    if (n == 0 || n > SIP_MSG_MAX) {
        *why = n ? "message too large" : "empty message";
        return C_ERR;
    }
    if (memchr(buf, '\0', n)) {
        /* NUL is not valid in the header block; in a body we do not read it
         * either (REGISTER / OPTIONS answers carry none we use) */
        const char *z = memchr(buf, '\0', n);
        const char *hend = NULL;
        for (size_t i = 0; i + 3 < n; i++)
            if (memcmp(buf + i, "\r\n\r\n", 4) == 0) { hend = buf + i; break; }
        if (!hend || z < hend) {
            *why = "NUL in header";
            return C_ERR;
        }
    }
    size_t pos = 0;
    sip_str_t line;
    /* RFC 3261 §7.5: ignore empty lines before the start line (keepalives) */
    do {
        if (!next_line(buf, n, &pos, &line)) {
            *why = "no start line";
            return C_ERR;
        }
    } while (line.n == 0);
    if (line.n > SIP_LINE_MAX) {
        *why = "start line too long";
        return C_ERR;
    }
    if (parse_start(line, m, why) != C_OK) return C_ERR;

    bool ended = false;
    while (next_line(buf, n, &pos, &line)) {
        if (line.n == 0) {
            ended = true;
            break;
        }
        if (line.p[0] == ' ' || line.p[0] == '\t') {
            /* folding: extends the previous header's value */
            if (m->nhdr == 0) {
                *why = "continuation without a header";
                return C_ERR;
            }
            sip_hdr_t *h = &m->hdr[m->nhdr - 1];
            size_t newlen = (size_t)(line.p + line.n - h->value.p);
            if (h->value.n == 0) h->value.p = line.p, newlen = line.n;
            if (newlen > SIP_LINE_MAX) {
                *why = "header too long";
                return C_ERR;
            }
            h->value.n = newlen;
            h->value = trim(h->value);
            continue;
        }
        if (line.n > SIP_LINE_MAX) {
            *why = "header too long";
            return C_ERR;
        }
        if (m->nhdr == SIP_HDR_MAX) {
            *why = "too many headers";
            return C_ERR;
        }
        size_t i = 0;
        while (i < line.n && is_token(line.p[i])) i++;
        size_t nend = i;
        while (i < line.n && (line.p[i] == ' ' || line.p[i] == '\t')) i++;
        if (nend == 0 || i >= line.n || line.p[i] != ':') {
            *why = "bad header line";
            return C_ERR;
        }
        sip_hdr_t *h = &m->hdr[m->nhdr++];
        h->name = (sip_str_t){line.p, nend};
        h->value = trim((sip_str_t){line.p + i + 1, line.n - i - 1});
        if (h->value.n == 0) h->value.p = line.p + i + 1;
    }
    if (!ended) {
        *why = "header block not terminated";
        return C_ERR;
    }
    if (index_headers(m, why) != C_OK) return C_ERR;
    m->body = (sip_str_t){buf + pos, n - pos};
    const sip_str_t *cl = sip_msg_header(m, "content-length");
    if (cl) {
        uint64_t len;
        if (parse_uint(*cl, SIP_MSG_MAX, false, &len) != C_OK) {
            *why = "bad Content-Length";
            return C_ERR;
        }
        if (len > m->body.n) {
            *why = "body shorter than Content-Length";
            return C_ERR;
        }
        m->body.n = (size_t)len;
    }
    return C_OK;
}

/* Scans the parameter part of v starting at i for ";name[=value]". */
static bool scan_params(sip_str_t v, size_t i, const char *name, sip_str_t *val)
{
    size_t nl = strlen(name);
    while (i < v.n) {
        if (v.p[i] == '"') {
            /* skip a quoted string (a display name or a quoted value) */
            i++;
            while (i < v.n && v.p[i] != '"') i += (v.p[i] == '\\' && i + 1 < v.n) ? 2 : 1;
            i++;
            continue;
        }
        if (v.p[i] != ';') {
            i++;
            continue;
        }
        i++;
        while (i < v.n && is_ws(v.p[i])) i++;
        size_t s = i;
        while (i < v.n && is_token(v.p[i])) i++;
        sip_str_t pn = {v.p + s, i - s};
        while (i < v.n && is_ws(v.p[i])) i++;
        sip_str_t pv = {v.p + i, 0};
        if (i < v.n && v.p[i] == '=') {
            i++;
            while (i < v.n && is_ws(v.p[i])) i++;
            if (i < v.n && v.p[i] == '"') {
                size_t q = ++i;
                while (i < v.n && v.p[i] != '"') i += (v.p[i] == '\\' && i + 1 < v.n) ? 2 : 1;
                pv = (sip_str_t){v.p + q, (i < v.n ? i : v.n) - q};
                if (i < v.n) i++;
            } else {
                size_t q = i;
                while (i < v.n && v.p[i] != ';' && v.p[i] != ',' && !is_ws(v.p[i])) i++;
                pv = (sip_str_t){v.p + q, i - q};
            }
        }
        if (pn.n == nl && sip_str_ieq(pn, name)) {
            *val = pv;
            return true;
        }
    }
    return false;
}

bool sip_param(sip_str_t value, const char *name, sip_str_t *val)
{
    /* parameters of a name-addr follow its '>' (those inside <> belong to the URI) */
    size_t i = 0;
    const char *gt = NULL;
    for (size_t k = 0; k < value.n; k++) {
        if (value.p[k] == '"') {
            k++;
            while (k < value.n && value.p[k] != '"') k += (value.p[k] == '\\' && k + 1 < value.n) ? 2 : 1;
            continue;
        }
        if (value.p[k] == '<') {
            const char *e = memchr(value.p + k, '>', value.n - k);
            if (e) gt = e;
            break;
        }
    }
    if (gt) i = (size_t)(gt - value.p) + 1;
    return scan_params(value, i, name, val);
}

/* Splits a Contact value into its comma-separated contacts, respecting
 * quotes and <>; calls fn for each until it returns true. */
static bool each_contact(sip_str_t v, bool (*fn)(sip_str_t c, void *arg), void *arg)
{
    size_t s = 0, i = 0;
    bool inq = false, inangle = false;
    for (; i <= v.n; i++) {
        char c = i < v.n ? v.p[i] : ',';
        if (inq) {
            if (c == '\\') i++;
            else if (c == '"') inq = false;
            continue;
        }
        if (c == '"') inq = true;
        else if (c == '<') inangle = true;
        else if (c == '>') inangle = false;
        else if (c == ',' && !inangle) {
            sip_str_t one = trim((sip_str_t){v.p + s, i - s});
            if (one.n && fn(one, arg)) return true;
            s = i + 1;
        }
    }
    return false;
}

typedef struct {
    const char *uri;
    int64_t exp;
} contact_find_t;

/* Whether h holds needle ("@host:port") as a whole: not followed by what
 * would make it another host or port ("@10.0.0.1:5060" is not in
 * "<sip:u@10.0.0.1:50600>", another binding of the same address of
 * record). */
static bool contains_whole(sip_str_t h, const char *needle)
{
    size_t nl = strlen(needle);
    if (nl == 0 || nl > h.n) return false;
    for (size_t i = 0; i + nl <= h.n; i++) {
        size_t k = 0;
        while (k < nl && nd_tolower((unsigned char)h.p[i + k]) == nd_tolower((unsigned char)needle[k])) k++;
        if (k == nl && (i + nl == h.n || strchr(";>,? \t", h.p[i + nl]) != NULL)) return true;
    }
    return false;
}

static bool contact_match(sip_str_t c, void *arg)
{
    contact_find_t *f = arg;
    if (!contains_whole(c, f->uri)) return false;
    sip_str_t v;
    uint64_t u;
    if (sip_param(c, "expires", &v) && parse_uint(v, 0xffffffffu, false, &u) == C_OK) {
        f->exp = (int64_t)u;
        return true;
    }
    return false;
}

int64_t sip_granted_expires(const sip_msg_t *m, const char *contact_uri)
{
    contact_find_t f = {contact_uri, -1};
    for (size_t i = 0; i < m->nhdr; i++)
        if (name_is(m->hdr[i].name, "contact") && each_contact(m->hdr[i].value, contact_match, &f))
            return f.exp;
    return m->expires;
}

static bool clean(const char *s)
{
    return s && !strpbrk(s, "\r\n");
}

int sip_build_request(const sip_req_t *r, buf_t *out)
{
    if (!clean(r->method) || !clean(r->uri) || !clean(r->transport) || !clean(r->via_host) ||
        !clean(r->branch) || !clean(r->from) || !clean(r->from_tag) || !clean(r->to) ||
        !clean(r->call_id))
        return C_ERR;
    if ((r->contact && !clean(r->contact)) || (r->route && !clean(r->route)) ||
        (r->auth && !clean(r->auth)) || (r->auth2 && !clean(r->auth2)) ||
        (r->user_agent && !clean(r->user_agent)))
        return C_ERR;
    buf_printf(out, "%s %s SIP/2.0\r\n", r->method, r->uri);
    buf_printf(out, "Via: SIP/2.0/%s %s;branch=z9hG4bK%s;rport\r\n", r->transport, r->via_host,
               r->branch);
    buf_puts(out, "Max-Forwards: 70\r\n");
    if (r->route) buf_printf(out, "Route: %s\r\n", r->route);
    buf_printf(out, "From: %s;tag=%s\r\n", r->from, r->from_tag);
    buf_printf(out, "To: %s\r\n", r->to);
    buf_printf(out, "Call-ID: %s\r\n", r->call_id);
    buf_printf(out, "CSeq: %u %s\r\n", (unsigned)r->cseq, r->method);
    if (r->contact) buf_printf(out, "Contact: %s\r\n", r->contact);
    if (r->expires >= 0) buf_printf(out, "Expires: %lld\r\n", (long long)r->expires);
    if (r->auth) buf_printf(out, "%s\r\n", r->auth);
    if (r->auth2) buf_printf(out, "%s\r\n", r->auth2);
    if (r->user_agent) buf_printf(out, "User-Agent: %s\r\n", r->user_agent);
    buf_puts(out, "Content-Length: 0\r\n\r\n");
    return C_OK;
}

/* ---- framing on a stream ---------------------------------------------- */

/* Content-Length of the header block hdr[0..n): -1 absent or malformed,
 * -2 repeated. */
static long stream_clen(const char *hdr, size_t n)
{
    const char *p = hdr, *end = hdr + n;
    long found = -1;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        /* a folded line (leading blank) continues the previous header */
        if (colon && p < eol && *p != ' ' && *p != '\t') {
            size_t kl = (size_t)(colon - p);
            while (kl > 0 && (p[kl - 1] == ' ' || p[kl - 1] == '\t')) kl--;
            if (name_is((sip_str_t){p, kl}, "content-length")) {
                if (found >= 0) return -2;
                long v = 0;
                const char *q = colon + 1;
                while (q < eol && (*q == ' ' || *q == '\t')) q++;
                if (q == eol || !nd_isdigit((unsigned char)*q)) return -1;
                for (; q < eol && nd_isdigit((unsigned char)*q); q++) {
                    v = v * 10 + (*q - '0');
                    if (v > SIP_MSG_MAX) return -1;
                }
                while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
                if (q != eol) return -1;
                found = v;
            }
        }
        p = eol + 1;
    }
    return found;
}

int sip_stream_frame(const char *buf, size_t n, size_t *skip, size_t *whole, const char **why)
{
    size_t s = 0;
    *whole = 0;
    while (s < n && (buf[s] == '\r' || buf[s] == '\n')) s++;
    *skip = s;
    const char *p = buf + s;
    size_t left = n - s;
    const char *he = left >= 4 ? memmem(p, left, "\r\n\r\n", 4) : NULL;
    if (!he) {
        if (left > SIP_MSG_MAX) {
            *why = "no end of headers within the size cap";
            return C_ERR;
        }
        return C_OK;
    }
    size_t hlen = (size_t)(he - p) + 4;
    long clen = stream_clen(p, hlen);
    if (clen == -2) {
        *why = "Content-Length repeated";
        return C_ERR;
    }
    if (clen < 0) {
        *why = "no usable Content-Length (required on a stream)";
        return C_ERR;
    }
    if (hlen + (size_t)clen > SIP_MSG_MAX) {
        *why = "message over the size cap";
        return C_ERR;
    }
    if (left >= hlen + (size_t)clen) *whole = hlen + (size_t)clen;
    return C_OK;
}
