/* sdnotify.h -- systemd's readiness protocol (sd_notify(3)), by hand.
 *
 * Under a unit with Type=notify, systemd passes NOTIFY_SOCKET: the name of
 * an AF_UNIX datagram socket, either a path ("/run/systemd/notify") or an
 * abstract name written with a leading '@'.  A service tells its state by
 * sending one datagram of newline-separated KEY=VALUE assignments to it:
 * "READY=1" once it answers requests (systemd then starts the units ordered
 * after it and `systemctl start` returns), "STOPPING=1" when it begins to
 * stop.  That is the whole protocol numberd needs, so it is written here in
 * a few lines instead of linking libsystemd.
 *
 * Without NOTIFY_SOCKET (started by hand, by another supervisor, or by a
 * Type=simple unit) nothing is sent and nothing fails.  Nothing here
 * allocates memory the caller must keep, except *err on failure.
 */
#ifndef ND_SDNOTIFY_H
#define ND_SDNOTIFY_H

#include "util/common.h"

/* The longest state string sent: far above what numberd sends, and far
 * below a datagram's size limit. */
#define SDNOTIFY_MAX_STATE 1024

/* Sends state (e.g. "READY=1") to the socket named socket_name ("/path" or
 * "@abstract").  C_OK when the datagram was sent; C_ERR with *err (caller
 * frees) when the name is not one of those forms, is too long, the state is
 * empty or too long, or the socket cannot be reached. */
int sdnotify_send(const char *socket_name, const char *state, char **err);

/* Sends state to $NOTIFY_SOCKET if it is set, and logs a warning if that
 * fails: readiness is advisory, a server that answers requests keeps
 * answering them even if its supervisor could not be told.  Sets *sent
 * (when not NULL) to whether a datagram went out. */
void sdnotify_state(const char *state, bool *sent);

#endif
