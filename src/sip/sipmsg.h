/* sipmsg.h -- the small SIP message layer numberd needs (RFC 3261 §7, §20):
 * parse what a registrar or a gateway sends back (responses, and requests
 * well enough to refuse them), and build REGISTER / OPTIONS requests.
 *
 * Why our own and not libre / sofia-sip / osip2: docs/SIP-REGISTRATION.md.
 *
 * Ownership: sip_msg_parse() does not allocate or copy; every sip_str_t in
 * a sip_msg_t points into the caller's buffer, which must outlive it.  The
 * builders append to the caller's buf_t.
 *
 * Caps: a message is at most SIP_MSG_MAX bytes, at most SIP_HDR_MAX header
 * lines, each header line (after unfolding) at most SIP_LINE_MAX bytes.
 * Anything beyond is refused with a reason, never truncated silently. */
#ifndef ND_SIPMSG_H
#define ND_SIPMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define SIP_MSG_MAX 65535
#define SIP_HDR_MAX 96
#define SIP_LINE_MAX 8192
#define SIP_CHAL_MAX 4     /* WWW-/Proxy-Authenticate headers kept */

typedef struct {
    const char *p;
    size_t n;
} sip_str_t;

typedef struct {
    sip_str_t name, value;  /* value without surrounding blanks; may hold folded CRLFs */
} sip_hdr_t;

typedef struct {
    bool response;
    int status;              /* responses: 100-699 */
    sip_str_t reason;        /* responses */
    sip_str_t method, ruri;  /* requests */
    sip_hdr_t hdr[SIP_HDR_MAX];
    size_t nhdr;
    /* the headers a client reads, found once */
    sip_str_t via, from, to, call_id, cseq_method, contact_all;
    uint32_t cseq;
    int64_t expires, min_expires, retry_after;  /* -1: absent */
    sip_str_t www_auth[SIP_CHAL_MAX], proxy_auth[SIP_CHAL_MAX];
    size_t nwww, nproxy;
    size_t ncontact;         /* Contact header lines */
    sip_str_t body;
} sip_msg_t;

/* Parses buf[0..n).  C_ERR with *why (a static string) for anything that is
 * not one well-formed SIP/2.0 message within the caps: a missing or
 * repeated Call-ID / CSeq, a bad status line, a Content-Length that does
 * not match (UDP: the datagram is the message). */
int sip_msg_parse(const char *buf, size_t n, sip_msg_t *m, const char **why);

/* Framing on a stream (TCP, RFC 3261 §18.3): buf[0..n) holds what was read.
 * *skip: leading CRLFs to drop first (keep-alives between messages);
 * *whole: the length of the first whole message after them (its header
 * block, the blank line, then exactly Content-Length bytes), 0 when more
 * bytes are needed.  C_ERR with *why (static) when the stream cannot be
 * framed: a header block without Content-Length or with a bad one, or a
 * message that would pass SIP_MSG_MAX; the connection must then be
 * closed. */
int sip_stream_frame(const char *buf, size_t n, size_t *skip, size_t *whole, const char **why);

/* Header lookup by full or compact name (case-insensitive); the first, or
 * NULL. */
const sip_str_t *sip_msg_header(const sip_msg_t *m, const char *name);

/* Looks for param `name` (case-insensitive) in a header value's parameter
 * part (";name=value" after the first '>' or the URI).  Quotes removed.
 * true when found; *val may be empty for a flag parameter. */
bool sip_param(sip_str_t value, const char *name, sip_str_t *val);

/* The expiry the registrar granted for our contact: the Contact whose URI
 * contains `contact_uri` (the user@host:port part we sent) and its
 * ";expires=", else the Expires header.  -1: none found.  Walks every
 * Contact header and every comma-separated contact within (quotes and <>
 * respected). */
int64_t sip_granted_expires(const sip_msg_t *m, const char *contact_uri);

/* Equal ignoring ASCII case. */
bool sip_str_ieq(sip_str_t s, const char *lit);

/* What a client request needs.  uri is the Request-URI; to / from are
 * full name-addr values ("<sip:user@domain>"); via_host the sent-by
 * host:port; transport "UDP" or "TCP".  auth: a full header line
 * ("Authorization: Digest ...") or NULL.  expires < 0: no Expires header
 * (OPTIONS). */
typedef struct {
    const char *method, *uri, *transport, *via_host, *branch;
    const char *from, *from_tag, *to, *call_id;
    uint32_t cseq;
    const char *contact;     /* "<sip:...>" or NULL */
    int64_t expires;
    const char *route;       /* "<sip:proxy;lr>" or NULL */
    const char *auth;
    const char *auth2;       /* a second line (a proxy's and the registrar's) or NULL */
    const char *user_agent;
} sip_req_t;

/* Appends the request, header block and an empty body to out.  C_ERR when
 * a field holds CR, LF or NUL (header injection) or is missing. */
int sip_build_request(const sip_req_t *r, buf_t *out);

#endif
