/* test_server.c -- the server's versions read ahead (http/server.c,
 * http_app_t.version_*): a kept answer may only be given with a version
 * read after its request arrived, so a request that arrives while a read
 * is under way waits for the next one; the handler gets the version on
 * its own thread; a route that wants none is not held behind a read. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"
#include "util/log.h"

/* The reads: g_reads counts them; while g_hold is set, a read waits until
 * it is cleared (the test holds the first read open); g_fail makes them
 * fail.  g_asked counts version_wanted's calls: two a request read ahead
 * (its first final call is let pass, server.c off_thread_ready), the
 * second just before it is queued. */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_reads, g_hold, g_in_read, g_fail, g_asked;
static _Thread_local int t_given = -1; /* the version given to this thread, -1 none */
static http_server_t *g_srv;

static void h_version(http_req_t *req, http_resp_t *resp)
{
    (void)req;
    buf_printf(&resp->body, "{\"version\":%d}", t_given);
    t_given = -1;
}

static void h_plain(http_req_t *req, http_resp_t *resp)
{
    (void)req;
    buf_printf(&resp->body, "{\"version\":%d}", t_given);
}

/* wants a version and does not use it */
static void h_unused(http_req_t *req, http_resp_t *resp)
{
    (void)req;
    buf_puts(&resp->body, "{}");
}

static const route_t k_routes[] = {
    {HTTP_GET, "/kept", h_version, NULL, "kept", 1},
    {HTTP_GET, "/plain", h_plain, NULL, "plain", 0},
    {HTTP_GET, "/unused", h_unused, NULL, "unused", 1},
};

static void app_error(http_req_t *req, http_resp_t *resp, int status, const char *msg)
{
    (void)req;
    resp->status = status;
    buf_printf(&resp->body, "{\"error\":\"%s\"}", msg);
}

static void app_done(void) { t_given = -1; }

static bool app_wanted(const http_req_t *req)
{
    pthread_mutex_lock(&g_mu);
    g_asked++;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    return req->route->tag == 1;
}

static int app_read(void *ud, void *out)
{
    (void)ud;
    pthread_mutex_lock(&g_mu);
    int v = ++g_reads, fail = g_fail;
    g_in_read = 1;
    pthread_cond_broadcast(&g_cv);
    while (g_hold) pthread_cond_wait(&g_cv, &g_mu);
    g_in_read = 0;
    pthread_mutex_unlock(&g_mu);
    if (fail) return C_ERR;
    memcpy(out, &v, sizeof v);
    return C_OK;
}

static void app_give(void *ud, const void *v)
{
    (void)ud;
    memcpy(&t_given, v, sizeof t_given);
}

static void release(void)
{
    pthread_mutex_lock(&g_mu);
    g_hold = 0;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
}

/* Waits (at most 10 s) until version_wanted was called n times in all. */
static void wait_asked(int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&g_mu);
    while (g_asked < n && pthread_cond_timedwait(&g_cv, &g_mu, &until) == 0) {}
    int got = g_asked;
    pthread_mutex_unlock(&g_mu);
    assert_true(got >= n);
}

/* Waits for the first read to be under way. */
static void wait_in_read(void)
{
    pthread_mutex_lock(&g_mu);
    while (!g_in_read) pthread_cond_wait(&g_cv, &g_mu);
    pthread_mutex_unlock(&g_mu);
}

typedef struct {
    unsigned port;
    const char *path;
    char answer[512];
    pthread_t th;
} get_t;

/* One GET on a connection of its own; the answer's body in g->answer. */
static void *get_main(void *arg)
{
    get_t *g = arg;
    g->answer[0] = '\0';
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {10, 0}; /* a lost answer fails the test, not hangs it */
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
        connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        goto done;
    char req[128];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", g->path);
    if (write(fd, req, (size_t)n) != n) goto done;
    size_t got = 0;
    ssize_t r;
    while (got < sizeof g->answer - 1 && (r = read(fd, g->answer + got, sizeof g->answer - 1 - got)) > 0)
        got += (size_t)r;
    g->answer[got] = '\0';
done:
    if (fd >= 0) close(fd);
    return NULL;
}

static void get_start(get_t *g, unsigned port, const char *path)
{
    g->port = port;
    g->path = path;
    assert_int_equal(pthread_create(&g->th, NULL, get_main, g), 0);
}

static const char *get_body(get_t *g)
{
    pthread_join(g->th, NULL);
    const char *b = strstr(g->answer, "\r\n\r\n");
    return b ? b + 4 : "";
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Each test starts one server (threads: its HTTP threads) with reads held. */
static http_server_t *start_n(unsigned threads)
{
    http_app_t app = {.routes = k_routes,
                      .nroutes = sizeof k_routes / sizeof k_routes[0],
                      .error = app_error,
                      .request_done = app_done,
                      .version_wanted = app_wanted,
                      .version_read = app_read,
                      .version_give = app_give};
    http_config_t cfg = {.host = "127.0.0.1", .port = 0, .threads = threads, .drain_seconds = 2};
    char *err = NULL;
    pthread_mutex_lock(&g_mu);
    g_reads = g_in_read = g_fail = g_asked = 0;
    g_hold = 1;
    pthread_mutex_unlock(&g_mu);
    assert_int_equal(http_server_start(&cfg, &app, &g_srv, &err), C_OK);
    return g_srv;
}

/* Until the version thread made its first read (server.c vwarm), a
 * request reads the version itself (here: none given); the first asks for
 * that read.  Then the counts start again, the reads held. */
static void warm(http_server_t *s)
{
    unsigned port = http_server_port(s);
    release();
    bool ready = false;
    for (int i = 0; i < 1000 && !ready; i++) {
        get_t g;
        get_start(&g, port, "/kept");
        ready = strcmp(get_body(&g), "{\"version\":-1}") != 0;
        if (!ready) sleep_ms(5);
    }
    assert_true(ready);
    pthread_mutex_lock(&g_mu);
    g_reads = g_in_read = g_fail = g_asked = 0;
    g_hold = 1;
    pthread_mutex_unlock(&g_mu);
}

static http_server_t *start(void)
{
    http_server_t *s = start_n(2);
    warm(s);
    return s;
}

/* After each test, a failed one too: no read stays held, the server stops. */
static int teardown(void **state)
{
    (void)state;
    release();
    http_server_stop(g_srv);
    g_srv = NULL;
    return 0;
}

/* A request that arrives while a read is under way is answered with the
 * next read's version, never with the one under way (which may have
 * begun before the request's write was committed). */
static void test_arrived_during_a_read_waits_for_the_next(void **state)
{
    (void)state;
    unsigned port = http_server_port(start());
    get_t a, b, p;
    get_start(&a, port, "/kept");
    wait_in_read();
    /* read 1 is under way (held): b arrives now */
    get_start(&b, port, "/kept");
    /* a route that wants no version is answered meanwhile, with none */
    get_start(&p, port, "/plain");
    assert_string_equal(get_body(&p), "{\"version\":-1}");
    wait_asked(2 + 2 + 1); /* a, b (queued), p */
    release();
    assert_string_equal(get_body(&a), "{\"version\":1}");
    assert_string_equal(get_body(&b), "{\"version\":2}");
}

/* Requests waiting together share one read, each answered with it. */
static void test_waiting_requests_share_one_read(void **state)
{
    (void)state;
    unsigned port = http_server_port(start());
    get_t first, rest[6];
    get_start(&first, port, "/kept");
    wait_in_read();
    for (int i = 0; i < 6; i++) get_start(&rest[i], port, "/kept");
    wait_asked(2 + 6 * 2);
    sleep_ms(50); /* from the last call of version_wanted to the queue */
    release();
    assert_string_equal(get_body(&first), "{\"version\":1}");
    for (int i = 0; i < 6; i++) assert_string_equal(get_body(&rest[i]), "{\"version\":2}");
    pthread_mutex_lock(&g_mu);
    int reads = g_reads;
    pthread_mutex_unlock(&g_mu);
    assert_int_equal(reads, 2);
}

/* A version its handler did not use is not given to the next request the
 * same thread answers (one HTTP thread); a failed read gives none. */
static void test_an_unused_or_failed_version_is_given_to_nobody(void **state)
{
    (void)state;
    http_server_t *s = start_n(1);
    warm(s);
    unsigned port = http_server_port(s);
    release();
    get_t u, p, k;
    get_start(&u, port, "/unused");
    assert_string_equal(get_body(&u), "{}");
    get_start(&p, port, "/plain");
    assert_string_equal(get_body(&p), "{\"version\":-1}");
    pthread_mutex_lock(&g_mu);
    g_fail = 1;
    pthread_mutex_unlock(&g_mu);
    get_start(&k, port, "/kept");
    assert_string_equal(get_body(&k), "{\"version\":-1}");
}

/* A node's first kept read does not wait for the version thread's first
 * read (its connection to open): it is answered at once, without a
 * version given, even while that read is held. */
static void test_the_first_reads_do_not_wait_for_the_first_read(void **state)
{
    (void)state;
    http_server_t *s = start_n(2); /* reads held */
    unsigned port = http_server_port(s);
    for (int i = 0; i < 3; i++) {
        get_t g;
        get_start(&g, port, "/kept");
        assert_string_equal(get_body(&g), "{\"version\":-1}");
    }
    wait_in_read(); /* the first asked for it */
    release();
}

/* Stopping while requests wait for a held read: they are answered, and
 * the stop returns. */
static void *stop_main(void *arg)
{
    http_server_stop(arg);
    return NULL;
}

static void test_stop_answers_the_waiting(void **state)
{
    (void)state;
    http_server_t *s = start();
    unsigned port = http_server_port(s);
    get_t a, b;
    get_start(&a, port, "/kept");
    wait_in_read();
    get_start(&b, port, "/kept");
    wait_asked(4);
    sleep_ms(50); /* from the last call of version_wanted to the queue */
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, stop_main, s), 0);
    g_srv = NULL; /* stopped by stop_main */
    sleep_ms(100);
    release();
    assert_string_equal(get_body(&a), "{\"version\":1}");
    /* queued, b waits for read 2; should the stop have come first (a
     * loaded machine), b is answered on its own thread, unsuspended
     * (server.c suspend_for), without a version */
    const char *bb = get_body(&b);
    if (strcmp(bb, "{\"version\":-1}") != 0) assert_string_equal(bb, "{\"version\":2}");
    pthread_join(th, NULL);
}

int main(void)
{
    log_set_level(LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_arrived_during_a_read_waits_for_the_next, teardown),
        cmocka_unit_test_teardown(test_waiting_requests_share_one_read, teardown),
        cmocka_unit_test_teardown(test_an_unused_or_failed_version_is_given_to_nobody, teardown),
        cmocka_unit_test_teardown(test_stop_answers_the_waiting, teardown),
        cmocka_unit_test_teardown(test_the_first_reads_do_not_wait_for_the_first_read, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
