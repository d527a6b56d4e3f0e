/* metrics.c: see metrics.h. */
#define _GNU_SOURCE
#include "metrics.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

static int fail(char **err, const char *what, const char *address) {
    if (asprintf(err, "component.metrics_address: cannot %s %s: %s", what, address, strerror(errno)) < 0) *err = NULL;
    return -1;
}

int metrics_open(struct metrics *m, const struct component_config *cfg, metrics_render_fn render, void *ctx, char **err) {
    *m = (struct metrics){.listen_fd = -1, .client_fd = -1, .render = render, .ctx = ctx};
    if (!cfg->metrics_address) return 0;
    int fd = socket(cfg->metrics_addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(err, "open a socket for", cfg->metrics_address);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *)&cfg->metrics_addr, cfg->metrics_addr_len) != 0 || listen(fd, 8) != 0) {
        fail(err, "listen on", cfg->metrics_address);
        close(fd);
        return -1;
    }
    m->listen_fd = fd;
    log_msg(NC_LOG_INFO, "metrics: serving GET /metrics on %s", cfg->metrics_address);
    return 0;
}

static void drop_client(struct metrics *m) {
    if (m->client_fd >= 0) close(m->client_fd);
    free(m->response);
    m->client_fd = -1;
    m->response = NULL;
    m->request_len = m->response_len = m->response_sent = 0;
    m->draining = 0;
}

void metrics_fds(const struct metrics *m, struct pollfd fds[2]) {
    fds[0] = (struct pollfd){.fd = m->client_fd < 0 ? m->listen_fd : -1, .events = POLLIN};
    fds[1] = (struct pollfd){.fd = m->client_fd, .events = m->response && !m->draining ? POLLOUT : POLLIN};
}

static void respond(struct metrics *m, const char *status, const char *extra_headers, const char *type, const char *body) {
    int n = asprintf(&m->response,
                     "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\nCache-Control: no-store\r\n\r\n%s",
                     status, type, strlen(body), extra_headers, body);
    if (n < 0) {
        m->response = NULL;
        drop_client(m);
        return;
    }
    m->response_len = (size_t)n;
}

static const char *const TEXT = "text/plain; charset=utf-8";

/* The request is complete (its headers have ended): choose the answer. */
static void answer(struct metrics *m) {
    char method[16], target[256];
    if (sscanf(m->request, "%15s %255s HTTP/1.%*c", method, target) != 2) {
        respond(m, "400 Bad Request", "", TEXT, "expected an HTTP/1.x request line\n");
        return;
    }
    size_t path_len = strcspn(target, "?");
    if (strncmp(target, "/metrics", path_len) != 0 || path_len != strlen("/metrics")) {
        respond(m, "404 Not Found", "", TEXT, "the metrics are at /metrics\n");
    } else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        respond(m, "405 Method Not Allowed", "Allow: GET, HEAD\r\n", TEXT, "only GET\n");
    } else {
        char *page = m->render(m->ctx);
        if (!page) {
            respond(m, "500 Internal Server Error", "", TEXT, "the engine's counters could not be read (see the log)\n");
            return;
        }
        respond(m, "200 OK", "", "application/openmetrics-text; version=1.0.0; charset=utf-8", page);
        if (m->response && strcmp(method, "HEAD") == 0) m->response_len = (size_t)(strstr(m->response, "\r\n\r\n") + 4 - m->response);
        free(page);
    }
}

static void read_request(struct metrics *m) {
    for (;;) {
        size_t room = sizeof m->request - 1 - m->request_len;
        if (room == 0) {
            respond(m, "431 Request Header Fields Too Large", "", TEXT, "request too large\n");
            return;
        }
        ssize_t n = recv(m->client_fd, m->request + m->request_len, room, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        if (n <= 0) {   /* gone before asking, or an error: nothing to answer */
            drop_client(m);
            return;
        }
        m->request_len += (size_t)n;
        m->request[m->request_len] = '\0';
        if (strstr(m->request, "\r\n\r\n") || strstr(m->request, "\n\n")) {
            answer(m);
            return;
        }
    }
}

static void write_response(struct metrics *m) {
    while (m->response_sent < m->response_len) {
        ssize_t n = send(m->client_fd, m->response + m->response_sent, m->response_len - m->response_sent, MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        if (n < 0) {
            drop_client(m);
            return;
        }
        m->response_sent += (size_t)n;
    }
    shutdown(m->client_fd, SHUT_WR);
    m->draining = 1;
}

static void drain(struct metrics *m) {
    char sink[4096];
    for (;;) {
        ssize_t n = recv(m->client_fd, sink, sizeof sink, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
        if (n <= 0) break;
    }
    drop_client(m);
}

void metrics_io(struct metrics *m, const struct pollfd fds[2], int64_t now) {
    if (m->client_fd >= 0 && now >= m->deadline) drop_client(m);
    if (m->client_fd >= 0 && fds[1].fd == m->client_fd && fds[1].revents) {
        if (m->draining) drain(m);
        else {
            if (!m->response) read_request(m);
            if (m->response) write_response(m);
        }
    } else if (m->client_fd < 0 && fds[0].fd >= 0 && (fds[0].revents & POLLIN)) {
        int fd = accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                log_msg(NC_LOG_WARNING, "metrics: accept: %s", strerror(errno));
            return;
        }
        m->client_fd = fd;
        m->deadline = now + METRICS_CLIENT_TIMEOUT_MS;
    }
}

int metrics_timeout_ms(const struct metrics *m, int64_t now) {
    if (m->client_fd < 0) return -1;
    return m->deadline > now ? (int)(m->deadline - now) : 0;
}

void metrics_close(struct metrics *m) {
    drop_client(m);
    if (m->listen_fd >= 0) close(m->listen_fd);
    m->listen_fd = -1;
}
