/* link.c: see link.h. */
#define _GNU_SOURCE
#include "link.h"

#include <errno.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

#define SETUP_TIMEOUT_MS 30000   /* TCP connect plus stream open plus handshake */
#define READ_CHUNK 65536

static void on_opened(void *ctx, const char *id);
static void on_handshake(void *ctx);
static void on_stream_error(void *ctx, const char *condition, const char *text);
static void on_stanza(void *ctx, const char *xml, size_t len, const struct stanza_head *head);
static void on_too_big(void *ctx, const struct stanza_head *head);
static void on_closed(void *ctx);

static const struct xstream_callbacks callbacks = {on_opened, on_handshake, on_stream_error, on_stanza, on_too_big, on_closed};

void link_init(struct link *l, const struct component_config *cfg, struct outq *q, struct link_hooks hooks, void *ctx) {
    memset(l, 0, sizeof *l);
    l->cfg = cfg;
    l->queue = q;
    l->hooks = hooks;
    l->ctx = ctx;
    l->fd = -1;
    l->reading = 1;
    l->backoff_ms = cfg->reconnect_min_ms;
    l->state = LINK_IDLE;
}

static void teardown(struct link *l) {
    if (l->fd >= 0) close(l->fd);
    l->fd = -1;
    xstream_free(l->xs);
    l->xs = NULL;
    l->ctl_len = l->ctl_sent = 0;
    l->drop_why = NULL;
    outq_rewind(l->queue);
}

void link_free(struct link *l) {
    teardown(l);
    conn_target_free(&l->target);
}

/* Lost or refused: back to IDLE, and try again after the backoff (with a
   quarter of jitter, so that many components do not return in step). */
static void drop(struct link *l, int64_t now, const char *what, const char *detail) {
    int was_ready = l->state == LINK_READY;
    teardown(l);
    l->state = LINK_IDLE;
    if (l->fatal) return;
    unsigned wait = l->backoff_ms - l->backoff_ms / 4 + (unsigned)(random() % (l->backoff_ms / 2 + 1));
    l->retry_at_ms = now + wait;
    log_msg(was_ready ? NC_LOG_WARNING : NC_LOG_NOTICE, "%s %s:%s: %s; retrying in %.1f s", what,
            l->cfg->server_host, l->cfg->server_port, detail, wait / 1000.0);
    char status[700];
    snprintf(status, sizeof status, "STATUS=not connected: %s %s:%s: %s", what, l->cfg->server_host, l->cfg->server_port,
             detail);
    notify_send(status);
    l->backoff_ms = l->backoff_ms * 2 > l->cfg->reconnect_max_ms ? l->cfg->reconnect_max_ms : l->backoff_ms * 2;
}

static void ctl_append(struct link *l, const char *text) {
    size_t n = strlen(text);
    if (l->ctl_len + n > sizeof l->ctl) return;   /* cannot happen: the texts are short and sent before the next */
    memcpy(l->ctl + l->ctl_len, text, n);
    l->ctl_len += n;
}

void link_tick(struct link *l, int64_t now) {
    if (l->state == LINK_IDLE && !l->fatal && l->reading && now >= l->retry_at_ms) {
        const char *why = NULL;
        if (!l->target.next && conn_resolve(&l->target, l->cfg->server_host, l->cfg->server_port, &why) != 0)
            return drop(l, now, "cannot resolve", why);
        l->fd = conn_start(&l->target);
        if (l->fd < 0) return drop(l, now, "cannot connect to", strerror(errno));
        l->state = LINK_CONNECTING;
        l->deadline_ms = now + SETUP_TIMEOUT_MS;
    } else if ((l->state != LINK_IDLE && l->state != LINK_READY) && now >= l->deadline_ms) {
        if (l->state == LINK_CLOSING) {
            teardown(l);
            l->state = LINK_IDLE;
            return;
        }
        drop(l, now, "no answer from", l->state == LINK_CONNECTING ? "connect timed out" : "stream setup timed out");
    }
}

int link_fd(const struct link *l, short *events) {
    *events = 0;
    if (l->fd < 0) return -1;
    if (l->state == LINK_CONNECTING) {
        *events = POLLOUT;
        return l->fd;
    }
    if (l->reading || l->state == LINK_CLOSING) *events |= POLLIN;
    if (l->ctl_sent < l->ctl_len || (l->state == LINK_READY && !outq_empty(l->queue))) *events |= POLLOUT;
    return l->fd;
}

int link_timeout_ms(const struct link *l, int64_t now) {
    int64_t at;
    if (l->state == LINK_IDLE) {
        if (l->fatal || !l->reading) return -1;
        at = l->retry_at_ms;
    } else if (l->state == LINK_READY) {
        return -1;
    } else {
        at = l->deadline_ms;
    }
    return at <= now ? 0 : (int)(at - now);
}

static void connected(struct link *l, int64_t now) {
    if (conn_finished(l->fd) != 0) {
        int e = errno;
        /* Try the host's other addresses at once; then back off. */
        if (l->target.next) {
            close(l->fd);
            l->fd = conn_start(&l->target);
            if (l->fd >= 0) return;
        }
        conn_target_free(&l->target);
        return drop(l, now, "cannot connect to", strerror(e));
    }
    conn_target_free(&l->target);
    conn_peer(l->fd, l->peer, sizeof l->peer);
    l->xs = xstream_new(&callbacks, l, l->cfg->max_stanza_bytes);
    if (!l->xs) return drop(l, now, "cannot talk to", "out of memory");
    char header[sizeof l->ctl];
    snprintf(header, sizeof header,
             "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
             "xmlns:stream='http://etherx.jabber.org/streams' to='%s'>", l->cfg->domain);
    ctl_append(l, header);
    l->state = LINK_OPENING;
    log_msg(NC_LOG_DEBUG, "connected to %s, opening the stream for %s", l->peer, l->cfg->domain);
}

/* XEP-0114 §3: the handshake is the lowercase hex SHA-1 of the stream id
   followed by the shared secret. */
static int handshake_digest(const char *id, const char *secret, char hex[41]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestInit_ex(c, EVP_sha1(), NULL) && EVP_DigestUpdate(c, id, strlen(id)) &&
             EVP_DigestUpdate(c, secret, strlen(secret)) && EVP_DigestFinal_ex(c, md, &mdlen) && mdlen == 20;
    EVP_MD_CTX_free(c);
    if (!ok) return -1;
    for (unsigned i = 0; i < 20; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    return 0;
}

static void on_opened(void *ctx, const char *id) {
    struct link *l = ctx;
    if (l->state != LINK_OPENING) return;
    if (!id || !*id) {
        l->drop_why = "the server's stream header has no id";
        return;
    }
    char hex[41];
    if (handshake_digest(id, l->cfg->secret, hex) != 0) {
        l->drop_why = "cannot compute the handshake (libcrypto's SHA-1)";
        return;
    }
    char element[64];
    snprintf(element, sizeof element, "<handshake>%s</handshake>", hex);
    explicit_bzero(hex, sizeof hex);
    ctl_append(l, element);
    explicit_bzero(element, sizeof element);
    l->state = LINK_AUTHENTICATING;
}

static void on_handshake(void *ctx) {
    struct link *l = ctx;
    if (l->state != LINK_AUTHENTICATING) {
        l->drop_why = "the server sent <handshake/> before we did";
        return;
    }
    l->state = LINK_READY;
    l->backoff_ms = l->cfg->reconnect_min_ms;
    l->sessions++;
    log_msg(NC_LOG_NOTICE, "%s %s as %s (%zu stanza%s waiting)", l->sessions > 1 ? "reconnected to" : "connected to",
            l->peer, l->cfg->domain, l->queue->count, l->queue->count == 1 ? "" : "s");
    char status[200];
    snprintf(status, sizeof status, "STATUS=connected to %s as %s", l->peer, l->cfg->domain);
    notify_send(status);
}

static void on_stream_error(void *ctx, const char *condition, const char *text) {
    struct link *l = ctx;
    const char *hint = "";
    if (l->state == LINK_AUTHENTICATING || l->state == LINK_OPENING) {
        if (strcmp(condition, "not-authorized") == 0) {
            hint = " (check component.secret_file against the server's secret for this component)";
            l->fatal = EXIT_REFUSED;
        } else if (strcmp(condition, "host-unknown") == 0 || strcmp(condition, "improper-addressing") == 0) {
            hint = " (check component.domain: the server has no external component by that name)";
            l->fatal = EXIT_REFUSED;
        }
    }
    snprintf(l->drop_detail, sizeof l->drop_detail, "stream error %s%s%s%s", condition, *text ? ": " : "", text, hint);
    l->drop_why = l->drop_detail;
    if (l->fatal) {
        log_msg(NC_LOG_ERR, "%s:%s refused the component: %s", l->cfg->server_host, l->cfg->server_port, l->drop_detail);
        char status[700];
        snprintf(status, sizeof status, "STATUS=refused by the server: %s", l->drop_detail);
        notify_send(status);
    }
}

static void on_stanza(void *ctx, const char *xml, size_t len, const struct stanza_head *head) {
    struct link *l = ctx;
    if (l->state != LINK_READY) {
        l->drop_why = "the server sent a stanza before the handshake";
        return;
    }
    l->hooks.stanza(l->ctx, xml, len, head);
}

static void on_too_big(void *ctx, const struct stanza_head *head) {
    struct link *l = ctx;
    l->hooks.too_big(l->ctx, head);
}

static void on_closed(void *ctx) {
    struct link *l = ctx;
    if (!l->drop_why) l->drop_why = "the server closed the stream";
}

static void readable(struct link *l, int64_t now) {
    char buf[READ_CHUNK];
    ssize_t n = recv(l->fd, buf, sizeof buf, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
        return drop(l, now, "lost the connection to", strerror(errno));
    }
    if (n == 0) {
        if (l->state == LINK_CLOSING) {
            teardown(l);
            l->state = LINK_IDLE;
            return;
        }
        return drop(l, now, "lost the connection to", "the server closed the connection");
    }
    const char *why = NULL;
    if (xstream_feed(l->xs, buf, (size_t)n, &why) != 0 && !l->drop_why) {
        snprintf(l->drop_detail, sizeof l->drop_detail, "unreadable stream: %s", why);
        l->drop_why = l->drop_detail;
    }
    if (l->drop_why) {
        if (l->state == LINK_CLOSING) {
            teardown(l);
            l->state = LINK_IDLE;
            return;
        }
        char detail[sizeof l->drop_detail];
        snprintf(detail, sizeof detail, "%s", l->drop_why);
        drop(l, now, "lost the connection to", detail);
    }
}

void link_flush(struct link *l, int64_t now) {
    if (l->fd < 0 || l->state == LINK_CONNECTING) return;
    while (l->ctl_sent < l->ctl_len) {
        ssize_t n = send(l->fd, l->ctl + l->ctl_sent, l->ctl_len - l->ctl_sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            return drop(l, now, "lost the connection to", strerror(errno));
        }
        l->ctl_sent += (size_t)n;
    }
    l->ctl_len = l->ctl_sent = 0;
    if (l->state == LINK_READY && outq_write(l->queue, l->fd) != 0)
        drop(l, now, "lost the connection to", strerror(errno));
}

void link_io(struct link *l, short revents, int64_t now) {
    if (l->fd < 0) return;
    if (l->state == LINK_CONNECTING) {
        if (revents & (POLLOUT | POLLERR | POLLHUP)) connected(l, now);
        return;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR)) readable(l, now);
    if (l->fd >= 0 && (revents & POLLOUT)) link_flush(l, now);
}

void link_close_stream(struct link *l, int64_t now, unsigned wait_ms) {
    l->reading = 0;
    if (l->state == LINK_IDLE) return;
    if (l->state != LINK_READY) {
        teardown(l);
        l->state = LINK_IDLE;
        return;
    }
    ctl_append(l, "</stream:stream>");
    l->state = LINK_CLOSING;
    l->deadline_ms = now + wait_ms;
    link_flush(l, now);
}
