/* link.h: the component's connection to its server (XEP-0114).
 *
 *   IDLE ──(retry time)──▶ CONNECTING ──(TCP up; our header sent)──▶ OPENING
 *   OPENING ──(server header with id; <handshake>sha1</handshake> sent)──▶ AUTHENTICATING
 *   AUTHENTICATING ──(<handshake/>)──▶ READY ──(</stream:stream> sent on stop)──▶ CLOSING
 *   any ──(error, EOF, stream error)──▶ IDLE, after a backoff that doubles
 *   from component.reconnect_min_s to reconnect_max_s and resets once READY.
 *
 * A refused handshake (not-authorized, host-unknown) is not retried: the
 * configuration is wrong, and `fatal` carries the exit code. */
#ifndef NC_LINK_H
#define NC_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "conn.h"
#include "outq.h"
#include "stream.h"

#define EXIT_REFUSED 77   /* sysexits EX_NOPERM: the server refused our secret or domain */

enum link_state { LINK_IDLE, LINK_CONNECTING, LINK_OPENING, LINK_AUTHENTICATING, LINK_READY, LINK_CLOSING };

struct link_hooks {
    void (*stanza)(void *ctx, const char *xml, size_t len, const struct stanza_head *head);
    void (*too_big)(void *ctx, const struct stanza_head *head);
};

struct link {
    const struct component_config *cfg;
    struct outq *queue;
    struct link_hooks hooks;
    void *ctx;

    enum link_state state;
    int fd;
    struct conn_target target;
    struct xstream *xs;
    char peer[64];
    char ctl[2048];            /* stream header (domain <= 1023 bytes), handshake, stream close */
    size_t ctl_len, ctl_sent;
    int64_t retry_at_ms;       /* IDLE: when to connect */
    int64_t deadline_ms;       /* CONNECTING … AUTHENTICATING, CLOSING: give up then */
    unsigned backoff_ms;
    int reading;               /* 0 while stopping: no new work is taken */
    int fatal;                 /* nonzero: exit with this code */
    unsigned sessions;         /* authenticated connections so far */

    /* Set by parser callbacks, acted on after the parser returns. */
    const char *drop_why;
    char drop_detail[600];
};

void link_init(struct link *l, const struct component_config *cfg, struct outq *q, struct link_hooks hooks, void *ctx);
void link_free(struct link *l);

/* Starts a connection when one is due. */
void link_tick(struct link *l, int64_t now_ms);

/* The fd to poll (or -1) and the events wanted. */
int link_fd(const struct link *l, short *events);

/* Milliseconds until link_tick has something to do, or -1. */
int link_timeout_ms(const struct link *l, int64_t now_ms);

/* Handles readiness of link_fd. */
void link_io(struct link *l, short revents, int64_t now_ms);

/* Writes what is queued, if the stream is ready for it. */
void link_flush(struct link *l, int64_t now_ms);

/* Ends the stream politely (</stream:stream>); the link then waits for the
   server's close or the deadline. */
void link_close_stream(struct link *l, int64_t now_ms, unsigned wait_ms);

#endif
