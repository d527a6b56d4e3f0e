/* log.h: log lines on stderr in the form journald reads (sd-daemon(3)):
 * one line per write, prefixed with the syslog priority "<N>", no time
 * stamp (the journal adds its own). */
#ifndef NC_LOG_H
#define NC_LOG_H

#include <stddef.h>

#define NC_LOG_ERR     3
#define NC_LOG_WARNING 4
#define NC_LOG_NOTICE  5
#define NC_LOG_INFO    6
#define NC_LOG_DEBUG   7

/* Lines of a lower priority (a higher number) than max are not written. */
void log_set_max(int max);
int log_enabled(int priority);

/* A printf-style line. */
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A line of text the engine produced: newlines inside are folded into
   spaces so that one event stays one journal entry. */
void log_text(int priority, const char *prefix, const char *text, size_t len);

/* The syslog priority of a NUDGE_LOG_* level. */
int log_priority_of_nudge_level(int level);

/* The syslog priority of the engine's log.level name ("debug", …), or -1. */
int log_priority_of_name(const char *name);

#endif
