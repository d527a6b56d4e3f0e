/* openmetrics.h: the counters as OpenMetrics text, for GET /metrics.
 *
 * The engine's figures (nudge_stats_json) under the names ejabberd's
 * `ejabberdctl nudge_metrics` uses (nudge_…, README "Metrics"), and the
 * component's own (nudge_component_…). Label values come only from the
 * engine's fixed sets. */
#ifndef NC_OPENMETRICS_H
#define NC_OPENMETRICS_H

#include "link.h"
#include "nudge.h"
#include "router.h"

struct openmetrics_source {
    nudge_engine *engine;
    const struct link *link;
    const struct router *router;
};

/* The page, ending with "# EOF\n"; malloc'd, or NULL (logged). ctx is a
   struct openmetrics_source. Fits metrics_render_fn. */
char *openmetrics_render(void *ctx);

#endif
