/* router.c: see router.h. Stanzas carry registration secrets and device
 * tokens, so they are never logged: only their kind, type and addresses. */
#include "router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static const char *or_dash(const char *s) { return s ? s : "-"; }

/* Appends text escaped for a single-quoted XML attribute. */
static size_t escape_attr(char *out, size_t cap, size_t at, const char *text) {
    for (; *text && at + 7 < cap; text++) {
        const char *rep = NULL;
        switch (*text) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '\'': rep = "&apos;"; break;
        case '"': rep = "&quot;"; break;
        }
        if (rep) {
            size_t n = strlen(rep);
            memcpy(out + at, rep, n);
            at += n;
        } else {
            out[at++] = *text;
        }
    }
    out[at] = '\0';
    return at;
}

/* An iq error the component makes itself, for an iq the engine never saw
   whole. Attributes come from expat, already unescaped, so they are
   escaped again here. */
static void reply_error(struct router *r, const struct stanza_head *h, const char *type, const char *condition) {
    if (strcmp(h->name, "iq") != 0 || !h->type || (strcmp(h->type, "get") != 0 && strcmp(h->type, "set") != 0) || !h->from)
        return;
    char xml[8192];
    size_t at = (size_t)snprintf(xml, sizeof xml, "<iq type='error' to='");
    at = escape_attr(xml, sizeof xml, at, h->from);
    at += (size_t)snprintf(xml + at, sizeof xml - at, "' from='");
    at = escape_attr(xml, sizeof xml, at, h->to ? h->to : r->domain);
    if (h->id) {
        at += (size_t)snprintf(xml + at, sizeof xml - at, "' id='");
        at = escape_attr(xml, sizeof xml, at, h->id);
    }
    at += (size_t)snprintf(xml + at, sizeof xml - at,
                           "'><error type='%s'><%s xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>", type, condition);
    if (at < sizeof xml - 1 && outq_push(r->queue, xml, at) < 0) log_msg(NC_LOG_ERR, "out of memory queueing an error reply");
}

void router_inbound(struct router *r, const char *xml, size_t len, const struct stanza_head *h) {
    r->in++;
    int rc = nudge_handle_stanza(r->engine, xml, len);
    switch (rc) {
    case NUDGE_OK:
        log_msg(NC_LOG_DEBUG, "in: <%s type=%s> from %s", h->name, or_dash(h->type), or_dash(h->from));
        return;
    case NUDGE_ENOTFOR:
        /* A message or presence to the app server, or a late iq result:
           nothing to do, as for any service that does not use them. */
        log_msg(NC_LOG_DEBUG, "ignored <%s type=%s> from %s: not for the push engine", h->name, or_dash(h->type), or_dash(h->from));
        return;
    case NUDGE_EBUSY:
        /* The engine answered an iq with resource-constraint already. */
        r->refused++;
        log_msg(NC_LOG_WARNING, "the engine is busy; refused <%s type=%s> from %s", h->name, or_dash(h->type), or_dash(h->from));
        return;
    case NUDGE_EXML:
    case NUDGE_ELIMIT:
    case NUDGE_ETOOBIG:
        /* The engine logged the details as one event, and answered an iq
           get or set itself (nudge_handle_stanza). */
        r->refused++;
        return;
    default:
        r->refused++;
        log_msg(NC_LOG_WARNING, "refused <%s type=%s> from %s: %s", h->name, or_dash(h->type), or_dash(h->from), nudge_strerror(rc));
        return;
    }
}

/* A stanza the stream reader dropped before the engine saw it: larger
   than limits.max_stanza_bytes, which bounds the reader's buffer too. The
   answer is the engine's for the same case (nudge_handle_stanza). */
void router_too_big(struct router *r, const struct stanza_head *h) {
    r->refused++;
    log_msg(NC_LOG_WARNING, "refused <%s type=%s> from %s: larger than limits.max_stanza_bytes", h->name, or_dash(h->type),
            or_dash(h->from));
    reply_error(r, h, "modify", "policy-violation");
}

size_t router_drain_events(struct router *r) {
    size_t n = 0;
    nudge_event *ev;
    while (nudge_next_event(r->engine, &ev) == NUDGE_OK) {
        n++;
        size_t len;
        const char *data = nudge_event_data(ev, &len);
        switch (nudge_event_kind(ev)) {
        case NUDGE_EVENT_STANZA: {
            int dropped = outq_push(r->queue, data, len);
            if (dropped < 0) log_msg(NC_LOG_ERR, "out of memory: a stanza to %s is lost", or_dash(nudge_event_target(ev)));
            else if (dropped > 0)
                log_msg(NC_LOG_ERR, "%d stanza%s dropped: more than component.max_backlog_bytes waiting for the server", dropped,
                        dropped == 1 ? "" : "s");
            r->out++;
            break;
        }
        case NUDGE_EVENT_DISABLED:
            /* The engine removed a registration (the vendor said the token
               is gone); the data names the node, which is not logged. */
            log_msg(NC_LOG_INFO, "push disabled for %s", or_dash(nudge_event_target(ev)));
            break;
        case NUDGE_EVENT_LOG:
            log_text(log_priority_of_nudge_level(nudge_event_level(ev)), "", data, len);
            break;
        default:
            log_msg(NC_LOG_DEBUG, "event of unknown kind %d ignored", nudge_event_kind(ev));
            break;
        }
        nudge_event_free(ev);
    }
    return n;
}
