/* sdnotify.c -- systemd's readiness protocol (see sdnotify.h). */
#include "util/sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"

/* Fills *sa from "/path" or "@abstract".  An abstract name has no file: its
 * sun_path starts with a NUL byte and the address length, not a trailing
 * NUL, says where it ends. */
static int make_addr(const char *name, struct sockaddr_un *sa, socklen_t *len, char **err)
{
    size_t n = strlen(name);
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (n < 2 || (name[0] != '/' && name[0] != '@')) {
        /* newer systemd may also pass "vsock:…" (a VM's host): not for us */
        *err = xasprintf("NOTIFY_SOCKET %s is neither an absolute path nor an @abstract name",
                         n ? name : "(empty)");
        return C_ERR;
    }
    if (n >= sizeof sa->sun_path) {
        *err = xasprintf("NOTIFY_SOCKET is too long (%zu bytes; at most %zu)", n,
                         sizeof sa->sun_path - 1);
        return C_ERR;
    }
    memcpy(sa->sun_path, name, n);
    if (name[0] == '@') {
        sa->sun_path[0] = '\0';
        *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    } else {
        *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    }
    return C_OK;
}

int sdnotify_send(const char *socket_name, const char *state, char **err)
{
    int rc = C_ERR;
    int fd = -1;
    struct sockaddr_un sa;
    socklen_t len = 0;
    size_t n = state ? strlen(state) : 0;
    if (n == 0 || n > SDNOTIFY_MAX_STATE) {
        *err = xasprintf("sd_notify state must be 1 to %d bytes", SDNOTIFY_MAX_STATE);
        goto done;
    }
    if (make_addr(socket_name ? socket_name : "", &sa, &len, err) != C_OK) goto done;
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = xasprintf("sd_notify: socket: %s", strerror(errno));
        goto done;
    }
    ssize_t w;
    do {
        w = sendto(fd, state, n, MSG_NOSIGNAL, (const struct sockaddr *)&sa, len);
    } while (w < 0 && errno == EINTR);
    if (w < 0) {
        *err = xasprintf("sd_notify to %s: %s", socket_name, strerror(errno));
        goto done;
    }
    /* a datagram is sent whole or not at all */
    rc = C_OK;
done:
    if (fd >= 0) close(fd);
    return rc;
}

void sdnotify_state(const char *state, bool *sent)
{
    const char *name = getenv("NOTIFY_SOCKET");
    if (sent) *sent = false;
    if (!name || !*name) return;
    char *err = NULL;
    if (sdnotify_send(name, state, &err) != C_OK) {
        log_msg(LOG_WARN, "could not tell systemd %s: %s", state, err);
        free(err);
        return;
    }
    if (sent) *sent = true;
}
