/* openmetrics.c: see openmetrics.h. */
#define _GNU_SOURCE
#include "openmetrics.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static const struct { const char *key, *help; } GAUGES[] = {
    {"users_enabled", "Users with push enabled"},
    {"enablements", "Push enablements (one per device and account)"},
    {"sessions_pending", "Push-enabled sessions pending (hibernating)"},
    {"publishes_in_flight", "Publishes awaiting the app server's answer"},
    {"events_waiting", "Engine events not yet drained by the component"},
    {"writer_queue", "Changes waiting for the engine's next disk commit"},
    {"registrations", "Devices registered at the built-in app server"},
    {"outbox", "Deliveries to vendors not yet done (waiting or in flight)"},
};
/* The engine's key, the metric's name, its label and its help. */
static const struct { const char *key, *name, *label, *help; } LABELLED[] = {
    {"pushes", "pushes", "reason", "Pushes published, by reason"},
    {"errors", "errors", "kind", "Errors, by kind"},
    {"held", "held_stanzas_judged", "outcome", "Stanzas held for pending users, by outcome"},
    {"retries", "retries", "kind", "Deliveries and publishes to be tried again, by kind"},
};

static void meta(FILE *f, const char *family, const char *type, const char *unit, const char *help) {
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", family, help, family, type);
    if (unit) fprintf(f, "# UNIT %s %s\n", family, unit);
}

/* The engine's label values come from fixed sets; escaped all the same. */
static void label(FILE *f, const char *key, const char *value) {
    fprintf(f, "%s=\"", key);
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '"') fputc('\\', f);
        if (*p == '\n') fputs("\\n", f);
        else fputc(*p, f);
    }
    fputc('"', f);
}

static void value(FILE *f, double v) {
    if (v == floor(v) && fabs(v) < 1e15) fprintf(f, " %.0f\n", v);
    else fprintf(f, " %.17g\n", v);
}

static double number(json_t *obj, const char *key) { return json_number_value(json_object_get(obj, key)); }

static void latency(FILE *f, json_t *h) {
    json_t *bounds = json_object_get(h, "bounds_ms"), *buckets = json_object_get(h, "buckets");
    if (!json_is_array(bounds) || !json_is_array(buckets) || json_array_size(bounds) != json_array_size(buckets)) return;
    const char *family = "nudge_stanza_to_vendor_latency_seconds";
    meta(f, family, "histogram", "seconds", "From the stanza behind a push reaching the engine to the vendor's acceptance");
    for (size_t i = 0; i < json_array_size(bounds); i++) {
        fprintf(f, "%s_bucket{le=\"%.14g\"}", family, json_number_value(json_array_get(bounds, i)) / 1000);
        value(f, json_number_value(json_array_get(buckets, i)));
    }
    fprintf(f, "%s_bucket{le=\"+Inf\"}", family);
    value(f, number(h, "count"));
    fprintf(f, "%s_count", family);
    value(f, number(h, "count"));
    fprintf(f, "%s_sum", family);
    value(f, number(h, "sum_ms") / 1000);
}

static void engine_part(FILE *f, json_t *s) {
    char family[64];
    for (size_t i = 0; i < sizeof GAUGES / sizeof *GAUGES; i++) {
        snprintf(family, sizeof family, "nudge_%s", GAUGES[i].key);
        meta(f, family, "gauge", NULL, GAUGES[i].help);
        fputs(family, f);
        value(f, number(s, GAUGES[i].key));
    }
    json_t *store = json_object_get(s, "store");
    meta(f, "nudge_store_bytes", "gauge", "bytes", "The engine's LMDB store");
    fputs("nudge_store_bytes{kind=\"used\"}", f);
    value(f, number(store, "used_bytes"));
    fputs("nudge_store_bytes{kind=\"map\"}", f);
    value(f, number(store, "map_bytes"));
    meta(f, "nudge_deliveries", "counter", NULL, "Pushes delivered to a vendor");
    fputs("nudge_deliveries_total", f);
    value(f, number(s, "deliveries"));
    for (size_t i = 0; i < sizeof LABELLED / sizeof *LABELLED; i++) {
        snprintf(family, sizeof family, "nudge_%s", LABELLED[i].name);
        meta(f, family, "counter", NULL, LABELLED[i].help);
        const char *key;
        json_t *n;
        json_object_foreach(json_object_get(s, LABELLED[i].key), key, n) {
            fprintf(f, "%s_total{", family);
            label(f, LABELLED[i].label, key);
            fputc('}', f);
            value(f, json_number_value(n));
        }
    }
    meta(f, "nudge_vendor_answers", "counter", NULL,
         "Vendor answers (and transport failures), by vendor, verdict and HTTP status");
    const char *vendor, *verdict, *status;
    json_t *verdicts, *statuses, *n;
    json_object_foreach(json_object_get(s, "vendor_answers"), vendor, verdicts) {
        json_object_foreach(verdicts, verdict, statuses) {
            json_object_foreach(statuses, status, n) {
                fputs("nudge_vendor_answers_total{", f);
                label(f, "vendor", vendor);
                fputc(',', f);
                label(f, "verdict", verdict);
                fputc(',', f);
                label(f, "status", status);
                fputc('}', f);
                value(f, json_number_value(n));
            }
        }
    }
    latency(f, json_object_get(s, "stanza_to_vendor_latency"));
}

static void component_part(FILE *f, const struct link *l, const struct router *r) {
    meta(f, "nudge_component_connected", "gauge", NULL, "1 while the stream to the XMPP server is up");
    fputs("nudge_component_connected", f);
    value(f, l->state == LINK_READY);
    meta(f, "nudge_component_queued", "gauge", NULL, "Stanzas waiting for the XMPP server");
    fputs("nudge_component_queued", f);
    value(f, (double)l->queue->count);
    const struct { const char *name, *help; double v; } counters[] = {
        {"nudge_component_stanzas_in", "Stanzas from the XMPP server", (double)r->in},
        {"nudge_component_stanzas_out", "Stanzas to the XMPP server", (double)r->out},
        {"nudge_component_stanzas_refused", "Stanzas from the XMPP server refused", (double)r->refused},
        {"nudge_component_stanzas_dropped", "Stanzas not kept for the XMPP server (backlog full)", (double)l->queue->dropped},
    };
    for (size_t i = 0; i < sizeof counters / sizeof *counters; i++) {
        meta(f, counters[i].name, "counter", NULL, counters[i].help);
        fprintf(f, "%s_total", counters[i].name);
        value(f, counters[i].v);
    }
}

char *openmetrics_render(void *ctx) {
    const struct openmetrics_source *src = ctx;
    json_t *s = stats_engine_json(src->engine);
    if (!s) return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        json_decref(s);
        return NULL;
    }
    engine_part(f, s);
    component_part(f, src->link, src->router);
    fputs("# EOF\n", f);
    json_decref(s);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
