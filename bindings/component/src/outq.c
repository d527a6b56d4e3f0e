/* outq.c: see outq.h. A linked list of copies: stanzas are small and few
   (replies to the server's iqs), so simplicity wins over a ring buffer. */
#include "outq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct outq_item {
    struct outq_item *next;
    size_t len;
    char data[];
};

void outq_init(struct outq *q, size_t limit) {
    memset(q, 0, sizeof *q);
    q->limit = limit;
}

static void pop(struct outq *q) {
    struct outq_item *it = q->head;
    q->head = it->next;
    if (!q->head) q->tail = NULL;
    q->count--;
    q->bytes -= it->len;
    q->head_sent = 0;
    free(it);
}

void outq_free(struct outq *q) {
    while (q->head) pop(q);
}

int outq_push(struct outq *q, const char *data, size_t len) {
    struct outq_item *it = malloc(sizeof *it + len);
    if (!it) return -1;
    it->next = NULL;
    it->len = len;
    memcpy(it->data, data, len);
    if (q->tail) q->tail->next = it;
    else q->head = it;
    q->tail = it;
    q->count++;
    q->bytes += len;
    /* Never drop the stanza just added, nor the one half on the wire. */
    int dropped = 0;
    while (q->bytes > q->limit && q->head != it && q->head_sent == 0) {
        pop(q);
        dropped++;
    }
    q->dropped += (size_t)dropped;
    return dropped;
}

int outq_write(struct outq *q, int fd) {
    while (q->head) {
        struct outq_item *it = q->head;
        ssize_t n = send(fd, it->data + q->head_sent, it->len - q->head_sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            return -1;
        }
        q->head_sent += (size_t)n;
        if (q->head_sent == it->len) pop(q);
    }
    return 0;
}

void outq_rewind(struct outq *q) { q->head_sent = 0; }
