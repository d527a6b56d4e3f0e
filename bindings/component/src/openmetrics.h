/* openmetrics.h: the counters as OpenMetrics text, for GET /metrics.
 *
 * The engine's families as the engine renders them (nudge_metrics_text:
 * the names ejabberd's `ejabberdctl nudge_metrics` shows too, README
 * "Metrics"), then the component's own (nudge_component_…). */
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
