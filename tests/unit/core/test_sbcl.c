/* test_sbcl.c -- the called-number forms an SBC may pass (core/sbc.c,
 * SIP.md §3: "+", a leading "00", visual separators, tel: and sip: URIs). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/sbc.h"

static void is(const char *in, const char *want)
{
    char out[E164_BUFSZ];
    if (!want) {
        assert_int_equal(sbcl_number(in, out), C_ERR);
        return;
    }
    assert_int_equal(sbcl_number(in, out), C_OK);
    assert_string_equal(out, want);
}

static void test_forms(void **st)
{
    (void)st;
    is("14155550100", "14155550100");
    is("+14155550100", "14155550100");
    is("0014155550100", "14155550100");
    is("+1 (415) 555-0100", "14155550100");
    is("1.415.555.0100", "14155550100");
    is("tel:+1-415-555-0100", "14155550100");
    is("sip:+14155550100@sbc.example;user=phone", "14155550100");
    is("SIPS:0044 20 7183 8750@x", "442071838750");
    is("sip:14155550100;npdi@host", "14155550100");
    is("442071838750", "442071838750");
}

static void test_refused(void **st)
{
    (void)st;
    is(NULL, NULL);
    is("", NULL);
    is("alice", NULL);
    is("sip:alice@example.com", NULL);
    is("++14155550100", NULL);
    is("1415555010a", NULL);
    is("1234567890123456", NULL);   /* 16 digits */
    is("123", NULL);                /* too short for E.164 */
    is("+1415\n5550100", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
