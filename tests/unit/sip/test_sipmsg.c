/* test_sipmsg.c -- the SIP message layer (sip/sipmsg.c) and the digest
 * client (sip/digest.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/digest.h"
#include "sip/sipmsg.h"
#include "util/common.h"

#define R401                                                                        \
    "SIP/2.0 401 Unauthorized\r\n"                                                  \
    "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKabc;rport=5099\r\n"              \
    "From: <sip:alice@example.com>;tag=f1\r\n"                                      \
    "To: <sip:alice@example.com>;tag=t9\r\n"                                        \
    "Call-ID: c1@127.0.0.1\r\n"                                                     \
    "CSeq: 1 REGISTER\r\n"                                                          \
    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n0nce\", qop=\"auth\"\r\n" \
    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n1\",\r\n"             \
    " algorithm=SHA-256, qop=\"auth,auth-int\", opaque=\"op\"\r\n"                  \
    "Content-Length: 0\r\n\r\n"

static int parse(const char *s, sip_msg_t *m, const char **why)
{
    return sip_msg_parse(s, strlen(s), m, why);
}

static void test_response(void **state)
{
    (void)state;
    sip_msg_t m;
    const char *why;
    assert_int_equal(parse(R401, &m, &why), C_OK);
    assert_true(m.response);
    assert_int_equal(m.status, 401);
    assert_true(sip_str_ieq(m.reason, "unauthorized"));
    assert_true(sip_str_ieq(m.call_id, "c1@127.0.0.1"));
    assert_int_equal(m.cseq, 1);
    assert_true(sip_str_ieq(m.cseq_method, "REGISTER"));
    assert_int_equal(m.nwww, 2);
    assert_int_equal(m.expires, -1);
    sip_str_t tag;
    assert_true(sip_param(m.to, "tag", &tag));
    assert_true(sip_str_ieq(tag, "t9"));

    dig_chal_t c;
    assert_int_equal(dig_chal_pick(m.www_auth, m.nwww, &c), C_OK);
    assert_int_equal(c.alg, DIGEST_SHA256); /* the stronger one wins */
    assert_true(sip_str_ieq(c.nonce, "n1"));
    assert_true(sip_str_ieq(c.opaque, "op"));
    assert_true(c.qop_auth);
}

static void test_compact_and_expires(void **state)
{
    (void)state;
    const char *s = "SIP/2.0 200 OK\r\n"
                    "v: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKx\r\n"
                    "f: <sip:a@b>;tag=1\r\nt: <sip:a@b>;tag=2\r\ni: xyz\r\nCSeq: 7 REGISTER\r\n"
                    "m: <sip:other@10.0.0.1>;expires=3600, \"N, x\" <sip:a@127.0.0.1:5099;transport=udp>"
                    ";expires=120\r\n"
                    "Expires: 300\r\nl: 0\r\n\r\n";
    sip_msg_t m;
    const char *why;
    assert_int_equal(parse(s, &m, &why), C_OK);
    assert_int_equal(m.cseq, 7);
    assert_int_equal(m.expires, 300);
    assert_int_equal(sip_granted_expires(&m, "a@127.0.0.1:5099"), 120);
    assert_int_equal(sip_granted_expires(&m, "nobody@1.2.3.4"), 300);
}

/* Our Contact is "@host:port" as a whole: a binding of the same address
 * of record on a port that starts with ours is another's (a helper's
 * review, session 33: 3600 was read for ours, which the registrar gave
 * 60). */
static void test_granted_expires_whole_contact(void **state)
{
    (void)state;
    const char *s = "SIP/2.0 200 OK\r\n"
                    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx\r\n"
                    "From: <sip:u@ex>;tag=a\r\nTo: <sip:u@ex>;tag=b\r\nCall-ID: c\r\n"
                    "CSeq: 2 REGISTER\r\n"
                    "Contact: <sip:u@10.0.0.1:50600;transport=udp>;expires=3600, "
                    "<sip:u@10.0.0.1:5060;transport=udp>;expires=60\r\n"
                    "Content-Length: 0\r\n\r\n";
    sip_msg_t m;
    const char *why;
    assert_int_equal(parse(s, &m, &why), C_OK);
    assert_int_equal(sip_granted_expires(&m, "@10.0.0.1:5060"), 60);
    assert_int_equal(sip_granted_expires(&m, "@10.0.0.1:50600"), 3600);
    assert_int_equal(sip_granted_expires(&m, "@10.0.0.1:506"), -1);
}

static void test_423_retry(void **state)
{
    (void)state;
    const char *s = "SIP/2.0 423 Interval Too Brief\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n"
                    "From: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: x\r\nCSeq: 2 REGISTER\r\n"
                    "Min-Expires: 1800\r\nRetry-After: 120 (busy);duration=60\r\n\r\n";
    sip_msg_t m;
    const char *why;
    assert_int_equal(parse(s, &m, &why), C_OK);
    assert_int_equal(m.min_expires, 1800);
    assert_int_equal(m.retry_after, 120);
    assert_int_equal(m.body.n, 0);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "SIP/2.0 99 Low\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 R\r\n\r\n",
        "SIP/2.0 200 OK\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCSeq: 1 R\r\n\r\n",          /* no Call-ID */
        "SIP/2.0 200 OK\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCall-ID: d\r\nCSeq: 1 R\r\n\r\n",
        "SIP/2.0 200 OK\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: x R\r\n\r\n",
        "SIP/2.0 200 OK\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 99999999999 R\r\n\r\n",
        "SIP/2.0 200 OK\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 R\r\n",  /* no end */
        "SIP/2.0 200 OK\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 R\r\nExpires: -1\r\n\r\n",
        "SIP/2.0 200 OK\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 R\r\nContent-Length: 5\r\n\r\nab",
        "SIP/2.0 200 OK\r\nno colon here\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\n",
        "REGISTER sip:x SIP/3.0\r\n\r\n",
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(bad); i++) {
        sip_msg_t m;
        const char *why = NULL;
        assert_int_equal(parse(bad[i], &m, &why), C_ERR);
        assert_non_null(why);
    }
    /* too many headers */
    buf_t b = BUF_INIT;
    buf_puts(&b, "SIP/2.0 200 OK\r\nVia: x\r\nFrom: a\r\nTo: b\r\nCall-ID: c\r\nCSeq: 1 R\r\n");
    for (int i = 0; i < SIP_HDR_MAX; i++) buf_puts(&b, "X: y\r\n");
    buf_puts(&b, "\r\n");
    sip_msg_t m;
    const char *why;
    assert_int_equal(sip_msg_parse(b.data, b.len, &m, &why), C_ERR);
    assert_string_equal(why, "too many headers");
    buf_free(&b);
}

static void test_request_and_build(void **state)
{
    (void)state;
    sip_req_t r = {.method = "REGISTER", .uri = "sip:example.com", .transport = "UDP",
                   .via_host = "127.0.0.1:5099", .branch = "b1", .from = "<sip:a@example.com>",
                   .from_tag = "t1", .to = "<sip:a@example.com>", .call_id = "cid", .cseq = 3,
                   .contact = "<sip:a@127.0.0.1:5099>", .expires = 600};
    buf_t b = BUF_INIT;
    assert_int_equal(sip_build_request(&r, &b), C_OK);
    sip_msg_t m;
    const char *why;
    assert_int_equal(sip_msg_parse(b.data, b.len, &m, &why), C_OK);
    assert_false(m.response);
    assert_true(sip_str_ieq(m.method, "REGISTER"));
    assert_true(sip_str_ieq(m.ruri, "sip:example.com"));
    assert_int_equal(m.cseq, 3);
    assert_int_equal(m.expires, 600);
    buf_free(&b);
    /* header injection refused */
    r.call_id = "x\r\nEvil: 1";
    assert_int_equal(sip_build_request(&r, &b), C_ERR);
    buf_free(&b);
}

/* RFC 2617 §3.5's example, with SIP's method and uri: the response is
 * recomputed from its definition (RFC 2617 §3.2.2.1) through the shared
 * hash, and RFC 7616 §3.9.1's SHA-256 example checks the SHA-256 path. */
static void test_digest_rfc7616(void **state)
{
    (void)state;
    const char *v = "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "
                    "algorithm=SHA-256, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
                    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
    dig_chal_t c;
    assert_int_equal(dig_chal_parse((sip_str_t){v, strlen(v)}, &c), C_OK);
    assert_int_equal(c.alg, DIGEST_SHA256);
    buf_t b = BUF_INIT;
    assert_int_equal(dig_answer(&c, "Mufasa", "Circle of Life", "GET", "/dir/index.html", 1,
                                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", &b),
                     C_OK);
    assert_non_null(strstr(b.data, "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""));
    assert_non_null(strstr(b.data, "algorithm=SHA-256"));
    assert_non_null(strstr(b.data, "nc=00000001"));
    buf_free(&b);

    const char *m5 = "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", "
                     "algorithm=MD5, nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
                     "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"";
    assert_int_equal(dig_chal_parse((sip_str_t){m5, strlen(m5)}, &c), C_OK);
    assert_int_equal(dig_answer(&c, "Mufasa", "Circle of Life", "GET", "/dir/index.html", 1,
                                "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", &b),
                     C_OK);
    assert_non_null(strstr(b.data, "response=\"8ca523f5e9506fed4657c9700eebdbec\""));
    buf_free(&b);
}

static void test_digest_refused(void **state)
{
    (void)state;
    static const char *bad[] = {
        "Basic realm=\"x\"",
        "Digest nonce=\"n\"",                              /* no realm */
        "Digest realm=\"r\"",                              /* no nonce */
        "Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess",
        "Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256",
        "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"",
        "Digest realm=\"r, nonce=\"n\"",                   /* unterminated */
    };
    for (size_t i = 0; i < ND_ARRAY_LEN(bad); i++) {
        dig_chal_t c;
        assert_int_equal(dig_chal_parse((sip_str_t){bad[i], strlen(bad[i])}, &c), C_ERR);
    }
    /* no qop: RFC 2069 response, no nc / cnonce */
    const char *v = "Digest realm=\"r\", nonce=\"n\"";
    dig_chal_t c;
    assert_int_equal(dig_chal_parse((sip_str_t){v, strlen(v)}, &c), C_OK);
    buf_t b = BUF_INIT;
    assert_int_equal(dig_answer(&c, "u", "p", "REGISTER", "sip:r", 1, "abcdefgh", &b), C_OK);
    assert_null(strstr(b.data, "cnonce"));
    buf_free(&b);
    /* a username that could break out of the quotes */
    assert_int_equal(dig_answer(&c, "u\"x", "p", "REGISTER", "sip:r", 1, "abcdefgh", &b), C_ERR);
    buf_free(&b);
}

/* TCP framing (RFC 3261 §18.3): messages split and joined anywhere. */
static void test_stream_frame(void **state)
{
    (void)state;
    size_t skip, whole;
    const char *why = NULL;
    const char *one = R401;
    size_t n1 = strlen(one);
    /* whole, with keep-alive CRLFs before it and the next one's start after */
    char buf[4096];
    snprintf(buf, sizeof buf, "\r\n\r\n%sSIP/2.0 200", one);
    assert_int_equal(sip_stream_frame(buf, strlen(buf), &skip, &whole, &why), C_OK);
    assert_int_equal(skip, 4);
    assert_int_equal(whole, n1);
    sip_msg_t m;
    assert_int_equal(sip_msg_parse(buf + skip, whole, &m, &why), C_OK);
    assert_int_equal(m.status, 401);
    /* every cut short of the end: more bytes needed, never an error */
    for (size_t cut = 0; cut < n1; cut++) {
        assert_int_equal(sip_stream_frame(one, cut, &skip, &whole, &why), C_OK);
        assert_int_equal(whole, 0);
    }
    /* a body: exactly Content-Length bytes (compact name) */
    const char *b = "SIP/2.0 200 OK\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nl: 5\r\n\r\nhelloSIP";
    assert_int_equal(sip_stream_frame(b, strlen(b), &skip, &whole, &why), C_OK);
    assert_int_equal(whole, strlen(b) - 3);
    assert_int_equal(sip_stream_frame(b, strlen(b) - 5, &skip, &whole, &why), C_OK);
    assert_int_equal(whole, 0);
    /* refused: no Content-Length, a bad one, a repeated one, over the cap */
    const char *bad[] = {
        "SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n",
        "SIP/2.0 200 OK\r\nContent-Length: x1\r\n\r\n",
        "SIP/2.0 200 OK\r\nContent-Length: 1 2\r\n\r\n",
        "SIP/2.0 200 OK\r\nContent-Length: 0\r\nl: 0\r\n\r\n",
        "SIP/2.0 200 OK\r\nContent-Length: 99999999\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        why = NULL;
        assert_int_equal(sip_stream_frame(bad[i], strlen(bad[i]), &skip, &whole, &why), C_ERR);
        assert_non_null(why);
    }
    /* no end of headers within the cap */
    char *big = malloc(SIP_MSG_MAX + 10);
    memset(big, 'a', SIP_MSG_MAX + 10);
    assert_int_equal(sip_stream_frame(big, SIP_MSG_MAX + 10, &skip, &whole, &why), C_ERR);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_response),         cmocka_unit_test(test_compact_and_expires),
        cmocka_unit_test(test_granted_expires_whole_contact),
        cmocka_unit_test(test_423_retry),        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_request_and_build), cmocka_unit_test(test_digest_rfc7616),
        cmocka_unit_test(test_digest_refused),   cmocka_unit_test(test_stream_frame),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
