/* signals.h: signals as readable events of the poll loop (signalfd), so
 * that no work happens in a signal handler. */
#ifndef NC_SIGNALS_H
#define NC_SIGNALS_H

/* Blocks SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGUSR2 and returns a signalfd for
   them (-1 with errno on failure); SIGPIPE is ignored (writes use
   MSG_NOSIGNAL anyway, this covers stderr on a closed pipe). */
int signals_open(void);

/* The next pending signal number, or 0 when none is waiting. */
int signals_next(int fd);

#endif
