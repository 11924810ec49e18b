/* test_metrics.c -- util/metrics: the event counters, the sharded HTTP
 * table, and the Prometheus text format 0.0.4 it renders. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/metrics.h"

static const char *const k_methods[METRICS_METHODS] = {"GET",    "POST", "PUT",     "PATCH",
                                                       "DELETE", "HEAD", "OPTIONS", "OTHER"};

static char *render(void)
{
    buf_t b = BUF_INIT;
    metrics_render(&b);
    return buf_steal(&b);
}

/* The whole line "name{labels} value" must be in text. */
static void assert_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++) {
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0')) return;
    }
    fail_msg("missing line: %s\n--- in ---\n%s", line, text);
}

/* Every line is a comment or "name{...} value" with a numeric value, and
 * every sample's family has a # TYPE line before it. */
static void assert_well_formed(const char *text)
{
    char *copy = strdup(text), *save = NULL;
    char types[64][80];
    size_t ntypes = 0;
    for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, "# TYPE ", 7) == 0) {
            assert_true(ntypes < 64);
            sscanf(l + 7, "%79s", types[ntypes++]);
            continue;
        }
        if (l[0] == '#') {
            assert_true(strncmp(l, "# HELP ", 7) == 0);
            continue;
        }
        char *sp = strrchr(l, ' ');
        assert_non_null(sp);
        char *end = NULL;
        strtod(sp + 1, &end);
        assert_true(end && *end == '\0' && end > sp + 1);
        size_t nl = strcspn(l, "{ ");
        bool typed = false;
        for (size_t i = 0; i < ntypes && !typed; i++) {
            size_t tl = strlen(types[i]);
            if (nl < tl || strncmp(l, types[i], tl) != 0) continue;
            /* the family itself, or a histogram's _bucket, _sum, _count */
            static const char *const sfx[] = {"", "_bucket", "_sum", "_count"};
            for (size_t k = 0; k < 4 && !typed; k++)
                typed = nl - tl == strlen(sfx[k]) && strncmp(l + tl, sfx[k], nl - tl) == 0;
        }
        if (!typed) fail_msg("sample without # TYPE: %s", l);
    }
    free(copy);
}

static void test_event_counters(void **state)
{
    (void)state;
    uint64_t before = metrics_value(MET_PURCHASES);
    metrics_count(MET_PURCHASES);
    metrics_count(MET_PURCHASES);
    metrics_count(MET_RATE_LIMITED);
    assert_int_equal(metrics_value(MET_PURCHASES), before + 2);
    char *t = render();
    char line[96];
    snprintf(line, sizeof line, "numberd_purchases_total %llu", (unsigned long long)(before + 2));
    assert_line(t, line);
    assert_non_null(strstr(t, "# TYPE numberd_db_errors_total counter\n"));
    assert_non_null(strstr(t, "# TYPE numberd_idempotent_replays_total counter\n"));
    assert_non_null(strstr(t, "# TYPE numberd_rate_limited_total counter\n"));
    assert_well_formed(t);
    free(t);
}

static void test_http_table(void **state)
{
    (void)state;
    static const char *const routes[] = {"plivo.number.get", "plivo.number.add"};
    assert_int_equal(metrics_http_init(routes, 2, k_methods), C_OK);
    metrics_http_observe(0, 0, 200, 300000);      /* 0.3 ms */
    metrics_http_observe(0, 0, 200, 500000);      /* exactly on a bound: le="0.0005" */
    metrics_http_observe(0, 5, 200, 100000);      /* HEAD of a GET route */
    metrics_http_observe(0, 0, 404, 3000000);     /* 3 ms */
    metrics_http_observe(1, 1, 202, 30000000000); /* 30 s: only +Inf */
    metrics_http_observe(2, 7, 404, 1000);        /* unmatched, a made-up method */
    metrics_http_observe(2, 0, 418, 1000);        /* no slot of its own: its class */
    metrics_http_observe(2, 0, 99, 1000);         /* not an HTTP status at all */
    metrics_http_observe(99, 99, 200, 1000);      /* out of range: clamped to unmatched/OTHER */
    char *t = render();
    assert_line(t, "numberd_http_requests_total{route=\"plivo.number.get\",method=\"GET\",status=\"200\"} 2");
    assert_line(t, "numberd_http_requests_total{route=\"plivo.number.get\",method=\"HEAD\",status=\"200\"} 1");
    assert_line(t, "numberd_http_requests_total{route=\"plivo.number.get\",method=\"GET\",status=\"404\"} 1");
    assert_line(t, "numberd_http_requests_total{route=\"plivo.number.add\",method=\"POST\",status=\"202\"} 1");
    assert_line(t, "numberd_http_requests_total{route=\"unmatched\",method=\"OTHER\",status=\"404\"} 1");
    assert_line(t, "numberd_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"4xx\"} 1");
    assert_line(t, "numberd_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"other\"} 1");
    assert_line(t, "numberd_http_requests_total{route=\"unmatched\",method=\"OTHER\",status=\"200\"} 1");
    /* cumulative buckets */
    assert_line(t, "numberd_http_request_duration_seconds_bucket{route=\"plivo.number.get\",le=\"0.0005\"} 3");
    assert_line(t, "numberd_http_request_duration_seconds_bucket{route=\"plivo.number.get\",le=\"0.0025\"} 3");
    assert_line(t, "numberd_http_request_duration_seconds_bucket{route=\"plivo.number.get\",le=\"0.005\"} 4");
    assert_line(t, "numberd_http_request_duration_seconds_bucket{route=\"plivo.number.get\",le=\"+Inf\"} 4");
    assert_line(t, "numberd_http_request_duration_seconds_sum{route=\"plivo.number.get\"} 0.003900000");
    assert_line(t, "numberd_http_request_duration_seconds_count{route=\"plivo.number.get\"} 4");
    assert_line(t, "numberd_http_request_duration_seconds_bucket{route=\"plivo.number.add\",le=\"2.5\"} 0");
    assert_line(t, "numberd_http_request_duration_seconds_bucket{route=\"plivo.number.add\",le=\"+Inf\"} 1");
    assert_line(t, "numberd_http_request_duration_seconds_sum{route=\"plivo.number.add\"} 30.000000000");
    assert_line(t, "numberd_http_request_duration_seconds_count{route=\"unmatched\"} 4");
    /* every bound, in order, once per observed route */
    size_t nb;
    const double *b = metrics_buckets(&nb);
    assert_int_equal(nb, 12);
    assert_true(b[0] == 0.0005 && b[11] == 2.5);
    assert_non_null(strstr(t, "# TYPE numberd_http_request_duration_seconds histogram\n"));
    assert_non_null(strstr(t, "numberd_process_start_time_seconds "));
    assert_well_formed(t);
    free(t);

    /* a second init starts from zero */
    metrics_http_init(routes, 2, k_methods);
    t = render();
    assert_null(strstr(t, "numberd_http_requests_total{"));
    assert_null(strstr(t, "_bucket{"));
    free(t);
}

static void test_label_escaping(void **state)
{
    (void)state;
    static const char *const routes[] = {"we\"ird\\name\nx"};
    metrics_http_init(routes, 1, k_methods);
    metrics_http_observe(0, 0, 200, 1);
    char *t = render();
    assert_non_null(strstr(t, "{route=\"we\\\"ird\\\\name\\nx\",method=\"GET\",status=\"200\"} 1\n"));
    free(t);
}

/* Threads write to their own shards; a scrape sums them all. */
#define NTHREADS 24 /* more than the shards: some share one */
#define PER_THREAD 20000

static void *hammer(void *arg)
{
    size_t route = (size_t)(uintptr_t)arg % 2;
    for (int i = 0; i < PER_THREAD; i++) metrics_http_observe(route, 0, 200, 1000);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    static const char *const routes[] = {"r0", "r1"};
    metrics_http_init(routes, 2, k_methods);
    pthread_t th[NTHREADS];
    for (uintptr_t i = 0; i < NTHREADS; i++) pthread_create(&th[i], NULL, hammer, (void *)i);
    for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
    char *t = render();
    char line[128];
    snprintf(line, sizeof line, "numberd_http_requests_total{route=\"r0\",method=\"GET\",status=\"200\"} %d",
             NTHREADS / 2 * PER_THREAD);
    assert_line(t, line);
    snprintf(line, sizeof line, "numberd_http_request_duration_seconds_count{route=\"r1\"} %d",
             NTHREADS / 2 * PER_THREAD);
    assert_line(t, line);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_counters),
        cmocka_unit_test(test_http_table),
        cmocka_unit_test(test_label_escaping),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
