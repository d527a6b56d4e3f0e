/* metrics.h: the OpenMetrics endpoint (component.metrics_address).
 *
 * A minimal HTTP/1.x server inside the poll loop: GET /metrics answers
 * the counters as OpenMetrics text (openmetrics.h); other paths get 404,
 * other methods 405. One connection at a time, non-blocking, with a
 * bounded request and a deadline, so a slow or silent client costs the
 * loop nothing and holds the endpoint for METRICS_CLIENT_TIMEOUT_MS at
 * most; the next ones wait in the listen backlog. */
#ifndef NC_METRICS_H
#define NC_METRICS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define METRICS_MAX_REQUEST 4096        /* request line and headers; a scrape needs a few hundred bytes */
#define METRICS_CLIENT_TIMEOUT_MS 5000

/* Renders the page; returns a malloc'd NUL-terminated text, or NULL. */
typedef char *(*metrics_render_fn)(void *ctx);

struct metrics {
    int listen_fd;              /* -1: the endpoint is off */
    int client_fd;              /* -1: no client */
    char request[METRICS_MAX_REQUEST];
    size_t request_len;
    char *response;             /* once the request is read: what is being sent */
    size_t response_len, response_sent;
    int draining;               /* answered: reading what the client still sends until it closes, so
                                   that closing with unread data does not reset the answer away */
    int64_t deadline;
    metrics_render_fn render;
    void *ctx;
};

/* Listens on cfg->metrics_address if it is set (a no-op otherwise).
   Returns 0, or -1 with *err (malloc'd) naming the key. */
int metrics_open(struct metrics *m, const struct component_config *cfg, metrics_render_fn render, void *ctx, char **err);

/* The two descriptors to poll: the listening socket (only while no
   client is served) and the client's. Unused ones get fd -1. */
void metrics_fds(const struct metrics *m, struct pollfd fds[2]);

/* Handles what poll reported on metrics_fds()'s descriptors, and drops a
   client past its deadline. Never blocks. */
void metrics_io(struct metrics *m, const struct pollfd fds[2], int64_t now);

/* Milliseconds until the client's deadline, or -1 with no client. */
int metrics_timeout_ms(const struct metrics *m, int64_t now);

void metrics_close(struct metrics *m);

#endif
