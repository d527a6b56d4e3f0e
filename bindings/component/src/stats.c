/* stats.c: see stats.h. */
#include "stats.h"

#include <jansson.h>
#include <stdlib.h>

#include "log.h"

const char *stats_state_name(enum link_state s) {
    switch (s) {
    case LINK_IDLE: return "disconnected";
    case LINK_CONNECTING: return "connecting";
    case LINK_OPENING: return "opening";
    case LINK_AUTHENTICATING: return "authenticating";
    case LINK_READY: return "connected";
    case LINK_CLOSING: return "closing";
    }
    return "?";
}

json_t *stats_engine_json(nudge_engine *e) {
    char *text = NULL;
    int rc = nudge_stats_json(e, &text);
    if (rc != NUDGE_OK) {
        log_msg(NC_LOG_ERR, "nudge_stats_json: %s", nudge_strerror(rc));
        return NULL;
    }
    json_t *obj = json_loads(text, 0, NULL);
    nudge_free(text);
    return json_is_object(obj) ? obj : (json_decref(obj), NULL);
}

void stats_log(nudge_engine *e, const struct link *l, const struct router *r) {
    json_t *obj = stats_engine_json(e);
    if (!obj) return;
    json_object_set_new(obj, "component",
                        json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "state", stats_state_name(l->state), "connections",
                                  (json_int_t)l->sessions, "queued", (json_int_t)l->queue->count, "queued_bytes",
                                  (json_int_t)l->queue->bytes, "dropped", (json_int_t)l->queue->dropped, "stanzas_in",
                                  (json_int_t)r->in, "stanzas_out", (json_int_t)r->out, "refused", (json_int_t)r->refused));
    char *line = json_dumps(obj, JSON_COMPACT);
    json_decref(obj);
    if (line) log_msg(NC_LOG_INFO, "stats: %s", line);
    free(line);
}

int stats_engine_settled(nudge_engine *e) {
    json_t *obj = stats_engine_json(e);
    if (!obj) return 1;   /* nothing to wait on that can be known */
    /* The engine writes its gauges as JSON numbers that may have a fraction. */
    double writer = json_number_value(json_object_get(obj, "writer_queue"));
    double events = json_number_value(json_object_get(obj, "events_waiting"));
    json_decref(obj);
    return writer == 0 && events == 0;
}
