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
 * it is cleared (the test holds the first read open). */
static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_cv = PTHREAD_COND_INITIALIZER;
static int g_reads, g_hold, g_in_read;
static _Thread_local int t_given = -1; /* the version given to this thread, -1 none */

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

static const route_t k_routes[] = {
    {HTTP_GET, "/kept", h_version, NULL, "kept", 1},
    {HTTP_GET, "/plain", h_plain, NULL, "plain", 0},
};

static void app_error(http_req_t *req, http_resp_t *resp, int status, const char *msg)
{
    (void)req;
    resp->status = status;
    buf_printf(&resp->body, "{\"error\":\"%s\"}", msg);
}

static void app_done(void) { t_given = -1; }

static bool app_wanted(const http_req_t *req) { return req->route->tag == 1; }

static bool app_read(void *ud, void *out)
{
    (void)ud;
    pthread_mutex_lock(&g_mu);
    int v = ++g_reads;
    g_in_read = 1;
    pthread_cond_broadcast(&g_cv);
    while (g_hold) pthread_cond_wait(&g_cv, &g_mu);
    g_in_read = 0;
    pthread_mutex_unlock(&g_mu);
    memcpy(out, &v, sizeof v);
    return true;
}

static void app_give(void *ud, const void *v)
{
    (void)ud;
    memcpy(&t_given, v, sizeof t_given);
}

static http_server_t *start(void)
{
    http_app_t app = {.routes = k_routes,
                      .nroutes = sizeof k_routes / sizeof k_routes[0],
                      .error = app_error,
                      .request_done = app_done,
                      .version_wanted = app_wanted,
                      .version_read = app_read,
                      .version_give = app_give};
    http_config_t cfg = {.host = "127.0.0.1", .port = 0, .threads = 2, .drain_seconds = 2};
    http_server_t *s = NULL;
    char *err = NULL;
    assert_int_equal(http_server_start(&cfg, &app, &s, &err), C_OK);
    return s;
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
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) goto done;
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

/* A request that arrives while a read is under way is answered with the
 * next read's version, never with the one under way (which may have
 * begun before the request's write was committed). */
static void test_arrived_during_a_read_waits_for_the_next(void **state)
{
    (void)state;
    g_reads = 0;
    g_hold = 1;
    http_server_t *s = start();
    unsigned port = http_server_port(s);
    get_t a, b, p;
    get_start(&a, port, "/kept");
    pthread_mutex_lock(&g_mu);
    while (!g_in_read) pthread_cond_wait(&g_cv, &g_mu);
    pthread_mutex_unlock(&g_mu);
    /* read 1 is under way (held): b arrives now */
    get_start(&b, port, "/kept");
    /* a route that wants no version is answered meanwhile, with none */
    get_start(&p, port, "/plain");
    assert_string_equal(get_body(&p), "{\"version\":-1}");
    sleep_ms(100); /* b is read and queued by now */
    pthread_mutex_lock(&g_mu);
    g_hold = 0;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    assert_string_equal(get_body(&a), "{\"version\":1}");
    assert_string_equal(get_body(&b), "{\"version\":2}");
    http_server_stop(s);
}

/* Requests waiting together share one read, each answered with it. */
static void test_waiting_requests_share_one_read(void **state)
{
    (void)state;
    g_reads = 0;
    g_hold = 1;
    http_server_t *s = start();
    unsigned port = http_server_port(s);
    get_t first, rest[6];
    get_start(&first, port, "/kept");
    pthread_mutex_lock(&g_mu);
    while (!g_in_read) pthread_cond_wait(&g_cv, &g_mu);
    pthread_mutex_unlock(&g_mu);
    for (int i = 0; i < 6; i++) get_start(&rest[i], port, "/kept");
    sleep_ms(150);
    pthread_mutex_lock(&g_mu);
    g_hold = 0;
    pthread_cond_broadcast(&g_cv);
    pthread_mutex_unlock(&g_mu);
    assert_string_equal(get_body(&first), "{\"version\":1}");
    for (int i = 0; i < 6; i++) assert_string_equal(get_body(&rest[i]), "{\"version\":2}");
    assert_int_equal(g_reads, 2);
    http_server_stop(s);
}

int main(void)
{
    log_set_level(LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arrived_during_a_read_waits_for_the_next),
        cmocka_unit_test(test_waiting_requests_share_one_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
