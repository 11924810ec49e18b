/* test_redact.c -- util/redact: credentials never reach a message
 * (issue 15: the --db URL with its password was logged). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/redact.h"

static void check(const char *in, const char *want)
{
    char *got = redact_dup(in);
    if (strcmp(got, want) != 0) print_error("in:   %s\nwant: %s\ngot:  %s\n", in, want, got);
    assert_string_equal(got, want);
    free(got);
}

static void test_urls(void **state)
{
    (void)state;
    check("applied 1 migration(s) to postgresql://numberd:s3cr3t@db.example:5432/nd",
          "applied 1 migration(s) to postgresql://numberd:***@db.example:5432/nd");
    check("postgres://u:p@h/d", "postgres://u:***@h/d");
    /* an unescaped '@' in the password: the last '@' ends the userinfo */
    check("postgresql://u:p@ss@h/d?sslmode=require", "postgresql://u:***@h/d?sslmode=require");
    /* two URLs in one message */
    check("a http://x:1@h b https://y:2@k/", "a http://x:***@h b https://y:***@k/");
    /* quoted, as libpq quotes a bad connection string */
    check("invalid URI: \"postgresql://u:pw@h:x/d\"", "invalid URI: \"postgresql://u:***@h:x/d\"");
}

static void test_keywords(void **state)
{
    (void)state;
    check("host=h password=secret dbname=d", "host=h password=*** dbname=d");
    check("host=h password = 'it\\'s a \\\\ x' dbname=d", "host=h password = *** dbname=d");
    check("postgresql://u@h/d?password=secret&sslmode=require",
          "postgresql://u@h/d?password=***&sslmode=require");
    check("PASSWORD=x", "PASSWORD=***");
    check("sslpassword=x", "sslpassword=x"); /* not a word of its own: untouched (a key file's, not ours) */
    /* a URL's query parameters that carry credentials (a webhook
     * endpoint's URL in its events: session 38) */
    check("https://h/hook?token=abc123&x=1", "https://h/hook?token=***&x=1");
    check("https://h/hook?a=1&access_token=Zz9", "https://h/hook?a=1&access_token=***");
    check("https://h/h?api_key=k1&apikey=k2&key=k3", "https://h/h?api_key=***&apikey=***&key=***");
    check("https://h/h?sig=s1&signature=s2&secret=s3", "https://h/h?sig=***&signature=***&secret=***");
    check("https://h/h?auth_token=t&client_secret=c&pwd=p", "https://h/h?auth_token=***&client_secret=***&pwd=***");
    check("https://h/h?TOKEN=t#frag", "https://h/h?TOKEN=***#frag");
    /* other names that contain one are not it */
    check("https://h/h?tokens=1&monkey=2&keyword=3&design=4", "https://h/h?tokens=1&monkey=2&keyword=3&design=4");
}

static void test_untouched(void **state)
{
    (void)state;
    const char *same[] = {
        "", "numberd.db", "/var/lib/numberd/numberd.db", "postgresql://u@h/d",
        "postgresql:///d?host=/run/postgresql", "http://127.0.0.1:8080/v1/",
        "user@example.com: not a URL", "the password is not logged", "a:b@c without scheme",
        "file://x:y", /* no '@': no userinfo */
    };
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) check(same[i], same[i]);
}

static void test_url_secret(void **state)
{
    (void)state;
    const char *url = "postgresql://numberd:S3CRET%zz@127.0.0.1:1/x";
    char *got = redact_dup_url("cannot connect: invalid percent-encoded token: \"S3CRET%zz\"", url);
    assert_string_equal(got, "cannot connect: invalid percent-encoded token: \"***\"");
    free(got);
    got = redact_dup_url("host=h password='pw x' failed", "host=h password='pw x'");
    assert_string_equal(got, "host=h password=*** failed");
    free(got);
    got = redact_dup_url("no secret here", "postgresql://u@h/d");
    assert_string_equal(got, "no secret here");
    free(got);
    got = redact_dup_url("x", NULL);
    assert_string_equal(got, "x");
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_untouched),
        cmocka_unit_test(test_url_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
