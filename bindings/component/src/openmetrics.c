/* openmetrics.c: see openmetrics.h. */
#define _GNU_SOURCE
#include "openmetrics.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static void family(FILE *f, const char *name, const char *type, const char *help, double v) {
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s%s %.0f\n", name, help, name, type, name,
            type[0] == 'c' ? "_total" : "", v);
}

static void component_part(FILE *f, const struct link *l, const struct router *r) {
    family(f, "nudge_component_connected", "gauge", "1 while the stream to the XMPP server is up", l->state == LINK_READY);
    family(f, "nudge_component_queued", "gauge", "Stanzas waiting for the XMPP server", (double)l->queue->count);
    family(f, "nudge_component_stanzas_in", "counter", "Stanzas from the XMPP server", (double)r->in);
    family(f, "nudge_component_stanzas_out", "counter", "Stanzas to the XMPP server", (double)r->out);
    family(f, "nudge_component_stanzas_refused", "counter", "Stanzas from the XMPP server refused", (double)r->refused);
    family(f, "nudge_component_stanzas_dropped", "counter", "Stanzas not kept for the XMPP server (backlog full)",
           (double)l->queue->dropped);
}

char *openmetrics_render(void *ctx) {
    const struct openmetrics_source *src = ctx;
    char *engine = NULL;
    int rc = nudge_metrics_text(src->engine, &engine);
    if (rc != NUDGE_OK) {
        log_msg(NC_LOG_ERR, "nudge_metrics_text: %s", nudge_strerror(rc));
        return NULL;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        nudge_free(engine);
        return NULL;
    }
    fputs(engine, f);
    nudge_free(engine);
    component_part(f, src->link, src->router);
    fputs("# EOF\n", f);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
