/* log.c: see log.h. Each line goes out in one write(2) so that lines of
 * the engine's threads (routed through the event queue, but written here)
 * and of the loop never interleave inside a line. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nudge.h"

#define LINE_MAX_BYTES 8192

static int max_priority = NC_LOG_INFO;

void log_set_max(int max) { max_priority = max; }

int log_enabled(int priority) { return priority <= max_priority; }

static void emit(char *line, size_t len) {
    if (len >= LINE_MAX_BYTES - 1) len = LINE_MAX_BYTES - 2;
    line[len++] = '\n';
    /* stderr may be a pipe to the journal; a short write there is not
       worth a retry loop that could block the event loop. */
    ssize_t ignored = write(STDERR_FILENO, line, len);
    (void)ignored;
}

void log_msg(int priority, const char *fmt, ...) {
    if (!log_enabled(priority)) return;
    char line[LINE_MAX_BYTES];
    int n = snprintf(line, sizeof line, "<%d>", priority);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2) len = sizeof line - 2;
    emit(line, len);
}

void log_text(int priority, const char *prefix, const char *text, size_t len) {
    if (!log_enabled(priority)) return;
    char line[LINE_MAX_BYTES];
    int n = snprintf(line, sizeof line, "<%d>%s", priority, prefix);
    size_t at = (size_t)n;
    for (size_t i = 0; i < len && at < sizeof line - 2; i++)
        line[at++] = (text[i] == '\n' || text[i] == '\r') ? ' ' : text[i];
    emit(line, at);
}

int log_priority_of_nudge_level(int level) {
    switch (level) {
    case NUDGE_LOG_DEBUG: return NC_LOG_DEBUG;
    case NUDGE_LOG_INFO: return NC_LOG_INFO;
    case NUDGE_LOG_WARN: return NC_LOG_WARNING;
    default: return NC_LOG_ERR;
    }
}

int log_priority_of_name(const char *name) {
    if (strcmp(name, "debug") == 0) return NC_LOG_DEBUG;
    if (strcmp(name, "info") == 0) return NC_LOG_INFO;
    if (strcmp(name, "warn") == 0) return NC_LOG_WARNING;
    if (strcmp(name, "error") == 0) return NC_LOG_ERR;
    return -1;
}
