/* fuzz_sip_msg.c -- what numberd reads from the network on its SIP socket:
 * sip_msg_parse, the Contact/parameter scanners and the Digest challenge
 * reader (sip/sipmsg.c, sip/digest.c).
 *
 * Properties: a parsed message's strings lie inside the input; a status is
 * 100-699; every challenge that parses has a realm and a nonce inside the
 * input and answers without error (its fields are quotable or refused);
 * a granted expiry is -1 or fits 32 bits; the TCP framer
 * (sip_stream_frame) frames within the input and a framed message is what
 * the parser is then given. */
#include "fuzz.h"

#include <string.h>

#include "sip/digest.h"
#include "sip/sipmsg.h"

static const uint8_t *g_lo, *g_hi;

static void in_input(sip_str_t s)
{
    if (!s.p) return;
    FUZZ_CHECK((const uint8_t *)s.p >= g_lo && (const uint8_t *)s.p + s.n <= g_hi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sip_msg_t m;
    const char *why = NULL;
    g_lo = data;
    g_hi = data + size;
    size_t skip = 0, whole = 0;
    const char *fwhy = NULL;
    if (sip_stream_frame((const char *)data, size, &skip, &whole, &fwhy) == C_OK) {
        FUZZ_CHECK(skip <= size && whole <= size - skip);
        if (whole) {
            sip_msg_t fm;
            const char *w2 = NULL;
            (void)sip_msg_parse((const char *)data + skip, whole, &fm, &w2);
        }
    } else {
        FUZZ_CHECK(fwhy != NULL);
    }
    if (sip_msg_parse((const char *)data, size, &m, &why) != C_OK) {
        FUZZ_CHECK(why != NULL);
        return 0;
    }
    FUZZ_CHECK(!m.response || (m.status >= 100 && m.status <= 699));
    in_input(m.call_id);
    in_input(m.via);
    in_input(m.from);
    in_input(m.to);
    in_input(m.body);
    for (size_t i = 0; i < m.nhdr; i++) {
        in_input(m.hdr[i].name);
        in_input(m.hdr[i].value);
    }
    sip_str_t tag;
    if (sip_param(m.to, "tag", &tag)) in_input(tag);
    int64_t ex = sip_granted_expires(&m, "u@127.0.0.1:5099");
    FUZZ_CHECK(ex >= -1 && ex <= 0xffffffffLL);
    for (size_t i = 0; i < m.nwww; i++) {
        dig_chal_t c;
        if (dig_chal_parse(m.www_auth[i], &c) != C_OK) continue;
        in_input(c.realm);
        in_input(c.nonce);
        in_input(c.opaque);
        buf_t b = BUF_INIT;
        (void)dig_answer(&c, "user", "pass", "REGISTER", "sip:example.com", 1, "abcdef0123", &b);
        buf_free(&b);
    }
    dig_chal_t pick;
    (void)dig_chal_pick(m.proxy_auth, m.nproxy, &pick);
    return 0;
}
