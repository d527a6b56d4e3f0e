/* notify.h: the service manager's readiness protocol (sd_notify(3)),
 * spoken directly: one datagram to $NOTIFY_SOCKET, so that no libsystemd
 * is needed and nothing happens when the variable is unset. */
#ifndef NC_NOTIFY_H
#define NC_NOTIFY_H

/* Sends e.g. "READY=1\nSTATUS=connected to …". Failures are ignored: a
   service manager that cannot be told is no reason to stop serving. */
void notify_send(const char *state);

#endif
