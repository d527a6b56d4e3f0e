/* router.h: between the stream and the engine.
 *
 * Inbound, each stanza the server routed to the component's domain goes
 * to nudge_handle_stanza(); an iq the engine could not read at all gets an
 * error reply here, so its sender is not left waiting. Outbound, every
 * engine event is routed: stanzas into the queue for the server, log lines
 * to the log, disabled registrations to the log. */
#ifndef NC_ROUTER_H
#define NC_ROUTER_H

#include <stddef.h>

#include "nudge.h"
#include "outq.h"
#include "stream.h"

struct router {
    nudge_engine *engine;
    struct outq *queue;
    const char *domain;
    unsigned long in, out, refused;
};

void router_inbound(struct router *r, const char *xml, size_t len, const struct stanza_head *head);
void router_too_big(struct router *r, const struct stanza_head *head);

/* Drains the engine's event queue. Returns the number of events. */
size_t router_drain_events(struct router *r);

#endif
