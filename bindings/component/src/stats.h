/* stats.h: the engine's counters (nudge_stats_json) with the component's
 * own, for the SIGUSR1 log line, and the gauges a graceful stop waits on. */
#ifndef NC_STATS_H
#define NC_STATS_H

#include <jansson.h>

#include "link.h"
#include "nudge.h"
#include "router.h"

/* Logs one line "stats: {…}": the engine's JSON object with a "component"
   object added (connection state, stanzas queued, in, out, refused). */
void stats_log(nudge_engine *e, const struct link *l, const struct router *r);

/* nudge_stats_json()'s object (a new reference), or NULL with the error
   logged. */
json_t *stats_engine_json(nudge_engine *e);

/* The link's state as the stats show it: "connected", "connecting", … */
const char *stats_state_name(enum link_state s);

/* 1 when the engine's writer has committed everything it accepted and no
   event waits: the replies a stop should still send are all out. */
int stats_engine_settled(nudge_engine *e);

#endif
