/* test_sdnotify.c -- util/sdnotify: the datagram that tells systemd
 * READY=1 reaches a real AF_UNIX socket, by path and by abstract name, and
 * every malformed NOTIFY_SOCKET is refused with a reason. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"
#include "util/sdnotify.h"

static char g_dir[64], g_path[128], g_abstract[64];

/* A datagram socket bound to name ("/path" or "@abstract"), as systemd's. */
static int listen_on(const char *name)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n = strlen(name);
    memcpy(sa.sun_path, name, n);
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    if (name[0] == '@') {
        sa.sun_path[0] = '\0';
        len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    }
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, len), 0);
    return fd;
}

/* The next datagram, without waiting (a Unix datagram is queued by the
 * time sendto returns); "" if there is none. */
static void next_datagram(int fd, char *out, size_t cap)
{
    ssize_t n = recv(fd, out, cap - 1, MSG_DONTWAIT);
    out[n > 0 ? n : 0] = '\0';
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/nd_sdn_XXXXXX");
    if (!mkdtemp(g_dir)) return -1;
    snprintf(g_path, sizeof g_path, "%s/notify", g_dir);
    snprintf(g_abstract, sizeof g_abstract, "@numberd-test-sdnotify-%ld", (long)getpid());
    log_set_level(LOG_OFF); /* the failure cases log warnings */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(g_path);
    rmdir(g_dir);
    unsetenv("NOTIFY_SOCKET");
    return 0;
}

static void test_path_socket(void **state)
{
    (void)state;
    int fd = listen_on(g_path);
    char *err = NULL;
    char got[256];
    assert_int_equal(sdnotify_send(g_path, "READY=1", &err), C_OK);
    next_datagram(fd, got, sizeof got);
    assert_string_equal(got, "READY=1");
    assert_int_equal(sdnotify_send(g_path, "STOPPING=1\nSTATUS=draining", &err), C_OK);
    next_datagram(fd, got, sizeof got);
    assert_string_equal(got, "STOPPING=1\nSTATUS=draining");
    close(fd);
    unlink(g_path);
}

static void test_abstract_socket(void **state)
{
    (void)state;
    int fd = listen_on(g_abstract);
    char *err = NULL;
    char got[256];
    assert_int_equal(sdnotify_send(g_abstract, "READY=1", &err), C_OK);
    next_datagram(fd, got, sizeof got);
    assert_string_equal(got, "READY=1");
    close(fd);
}

/* What `numberd serve` calls: reads $NOTIFY_SOCKET; without it, a no-op. */
static void test_state_from_environment(void **state)
{
    (void)state;
    int fd = listen_on(g_path);
    char got[256];
    bool sent = true;
    unsetenv("NOTIFY_SOCKET");
    sdnotify_state("READY=1", &sent);
    assert_false(sent);
    next_datagram(fd, got, sizeof got);
    assert_string_equal(got, "");

    setenv("NOTIFY_SOCKET", g_path, 1);
    sdnotify_state("READY=1", &sent);
    assert_true(sent);
    next_datagram(fd, got, sizeof got);
    assert_string_equal(got, "READY=1");
    close(fd);
    unlink(g_path);

    /* the socket is gone: a warning, not a crash, and nothing "sent" */
    sdnotify_state("STOPPING=1", &sent);
    assert_false(sent);
    unsetenv("NOTIFY_SOCKET");
}

static void expect_refused(const char *name, const char *st, const char *why)
{
    char *err = NULL;
    assert_int_equal(sdnotify_send(name, st, &err), C_ERR);
    assert_non_null(err);
    if (!strstr(err, why)) fail_msg("error for %s: \"%s\" lacks \"%s\"", name ? name : "NULL", err, why);
    free(err);
}

static void test_refusals(void **state)
{
    (void)state;
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[0] = '/';
    longname[sizeof longname - 1] = '\0';
    char longstate[SDNOTIFY_MAX_STATE + 2];
    memset(longstate, 'A', sizeof longstate - 1);
    longstate[sizeof longstate - 1] = '\0';

    expect_refused("run/notify", "READY=1", "neither an absolute path nor an @abstract name");
    expect_refused("vsock:2:1234", "READY=1", "neither an absolute path");
    expect_refused("", "READY=1", "(empty)");
    expect_refused("@", "READY=1", "neither");
    expect_refused(NULL, "READY=1", "(empty)");
    expect_refused(longname, "READY=1", "too long");
    expect_refused(g_path, "", "1 to");
    expect_refused(g_path, longstate, "1 to");
    /* well formed, but nobody listens there */
    expect_refused(g_path, "READY=1", g_path);
    expect_refused("@numberd-test-nobody-listens-here", "READY=1", "@numberd-test-nobody");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_path_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abstract_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_from_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
