/* stats.h: the engine's counters (nudge_stats_json) with the component's
 * own, for the SIGUSR1 log line, and the gauges a graceful stop waits on. */
#ifndef NC_STATS_H
#define NC_STATS_H

#include "link.h"
#include "nudge.h"
#include "router.h"

/* Logs one line "stats: {…}": the engine's JSON object with a "component"
   object added (connection state, stanzas queued, in, out, refused). */
void stats_log(nudge_engine *e, const struct link *l, const struct router *r);

/* 1 when the engine's writer has committed everything it accepted and no
   event waits: the replies a stop should still send are all out. */
int stats_engine_settled(nudge_engine *e);

#endif
