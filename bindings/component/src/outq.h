/* outq.h: stanzas waiting for the server.
 *
 * The engine's events come out whether or not the server is connected;
 * the queue keeps whole stanzas until a connection is authenticated and
 * the socket takes them. A stanza cut off by a lost connection is sent
 * again whole on the next one (the server drops a partial stanza). */
#ifndef NC_OUTQ_H
#define NC_OUTQ_H

#include <stddef.h>

struct outq_item;

struct outq {
    struct outq_item *head, *tail;
    size_t count, bytes;
    size_t head_sent;     /* bytes of head already written */
    size_t limit;         /* bytes kept at the most */
    size_t dropped;       /* stanzas dropped for the limit, ever */
};

void outq_init(struct outq *q, size_t limit);
void outq_free(struct outq *q);

/* Copies a stanza in. Past the limit the oldest stanzas are dropped
   (returns how many, so the caller can log it); -1 if out of memory. */
int outq_push(struct outq *q, const char *data, size_t len);

/* Writes as much as the non-blocking socket takes. Returns 0 (all
   written, or the socket is full: check outq_empty), or -1 with errno. */
int outq_write(struct outq *q, int fd);

/* The connection is gone: a stanza partly written goes out whole later. */
void outq_rewind(struct outq *q);

static inline int outq_empty(const struct outq *q) { return q->head == NULL; }

#endif
