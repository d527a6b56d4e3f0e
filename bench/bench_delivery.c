/* bench_delivery: deliveries per second, and CPU seconds per 10,000
 * deliveries, through the whole app server: N devices register by ad-hoc
 * command, a remote server publishes once to each, and the engine delivers
 * each publish over HTTP/2 + TLS to a sink. Run by bench/run_apns.sh and
 * bench/run_webpush.sh, which start the sink.
 *
 *   bench_delivery apns    SINK CA_FILE P8_FILE    [N]
 *   bench_delivery webpush SINK CA_FILE VAPID_PEM  [N] P256DH AUTH
 *
 * For Web Push every device subscribes at SINK/push/<i> with the same user
 * agent keys (the sink does not decrypt); each message is still encrypted
 * with its own sender key, which is the cost being measured.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "nudge.h"

/* Under `valgrind --tool=callgrind --instr-atstart=no` only the delivery
   phase is counted, on every thread (registration is not per push);
   elsewhere these are no-ops. */
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#else
#define CALLGRIND_START_INSTRUMENTATION
#define CALLGRIND_STOP_INSTRUMENTATION
#endif

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + (double)u.ru_utime.tv_usec / 1e6 + (double)u.ru_stime.tv_sec +
           (double)u.ru_stime.tv_usec / 1e6;
}

/* Drains events; copies the reply with id `want` (if any) into found. */
static int drain(nudge_engine *e, const char *want, char *found, size_t cap) {
    int got = 0;
    nudge_event *ev;
    while (nudge_next_event(e, &ev) == NUDGE_OK) {
        const char *d = nudge_event_data(ev, NULL);
        if (nudge_event_kind(ev) == NUDGE_EVENT_LOG && nudge_event_level(ev) >= NUDGE_LOG_WARN) fprintf(stderr, "log: %s\n", d);
        if (want && nudge_event_kind(ev) == NUDGE_EVENT_STANZA && strstr(d, want)) {
            snprintf(found, cap, "%s", d);
            got = 1;
        }
        nudge_event_free(ev);
    }
    return got;
}

static long deliveries(nudge_engine *e) {
    char *json = NULL;
    nudge_stats_json(e, &json);
    const char *p = json ? strstr(json, "\"deliveries\":") : NULL;
    long n = p ? atol(p + 13) : -1;
    nudge_free(json);
    return n;
}

/* The value of a result field in a command reply: <field var='node'><value>X</value>. */
static int field(const char *xml, const char *var, char *out, size_t cap) {
    char pat[64];
    snprintf(pat, sizeof pat, "var='%s'><value>", var);
    const char *p = strstr(xml, pat);
    if (!p) return 0;
    p += strlen(pat);
    const char *end = strstr(p, "</value>");
    if (!end || (size_t)(end - p) >= cap) return 0;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = 0;
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "usage: bench_delivery apns|webpush SINK CA_FILE KEY_FILE [N] [P256DH AUTH]\n"); return 2; }
    const char *vendor = argv[1], *sink = argv[2], *ca = argv[3], *key = argv[4];
    long n = argc > 5 ? atol(argv[5]) : 10000;
    int webpush = strcmp(vendor, "webpush") == 0;
    if (webpush && argc < 8) { fprintf(stderr, "webpush needs P256DH and AUTH\n"); return 2; }
    char backend[1024];
    if (webpush)
        snprintf(backend, sizeof backend,
                 "{\"type\": \"webpush\", \"vapid_private_key_file\": \"%s\", \"subject\": \"mailto:bench@example.net\","
                 " \"ca_file\": \"%s\", \"allow_private_addresses\": true}", key, ca);
    else
        snprintf(backend, sizeof backend,
                 "{\"type\": \"apns\", \"app\": \"bench\", \"topic\": \"net.example.bench\","
                 " \"key_file\": \"%s\", \"key_id\": \"ABC123DEFG\", \"team_id\": \"DEF123GHIJ\","
                 " \"endpoint\": \"%s\", \"ca_file\": \"%s\"}", key, sink, ca);
    char dir[] = "/tmp/nudge-bench-apns-XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    char config[2048];
    snprintf(config, sizeof config,
             "{\"store\": {\"path\": \"%s\", \"map_size_mb\": 256},"
             " \"server\": {\"domains\": [\"example.net\"]},"
             " \"appserver\": {\"pubsub_host\": \"push.example.net\", \"registrations_per_hour\": 1000000,"
             "   \"backends\": [%s]},"
             " \"limits\": {\"max_queue\": 1048576}, \"log\": {\"level\": \"warn\"}}",
             dir, backend);
    nudge_engine *e = NULL;
    char *err = NULL;
    if (nudge_open(config, &e, &err) != NUDGE_OK) { fprintf(stderr, "open: %s\n", err); return 1; }

    /* Register N devices; remember node and secret. */
    char (*nodes)[64] = calloc((size_t)n, 64), (*secrets)[64] = calloc((size_t)n, 64);
    char xml[2048], reply[4096], id[32], fields[1024];
    for (long i = 0; i < n; i++) {
        snprintf(id, sizeof id, "id='r%ld'", i);
        if (webpush)
            snprintf(fields, sizeof fields,
                     "<field var='endpoint'><value>%s/push/%ld</value></field>"
                     "<field var='p256dh'><value>%s</value></field><field var='auth'><value>%s</value></field>",
                     sink, i, argv[6], argv[7]);
        else
            snprintf(fields, sizeof fields, "<field var='token'><value>%064lx</value></field>", i);
        snprintf(xml, sizeof xml,
                 "<iq type='set' id='r%ld' from='user%ld@example.net/phone' to='example.net'>"
                 "<command xmlns='http://jabber.org/protocol/commands' node='register-push-%s' action='execute'>"
                 "<x xmlns='jabber:x:data' type='submit'>%s</x></command></iq>", i, i, vendor, fields);
        if (nudge_handle_stanza(e, xml, strlen(xml)) != NUDGE_OK) { fprintf(stderr, "register %ld refused\n", i); return 1; }
        struct pollfd p = {.fd = nudge_event_fd(e), .events = POLLIN};
        while (!drain(e, id, reply, sizeof reply)) poll(&p, 1, 100);
        if (!field(reply, "node", nodes[i], 64) || !field(reply, "secret", secrets[i], 64)) {
            fprintf(stderr, "registration %ld failed: %s\n", i, reply);
            return 1;
        }
    }

    /* Publish once to each node, as remote servers would, and wait until
       the sink has accepted every delivery. */
    CALLGRIND_START_INSTRUMENTATION;
    double t0 = now_s(), c0 = cpu_s();
    for (long i = 0; i < n; i++) {
        snprintf(xml, sizeof xml,
                 "<iq type='set' id='p%ld' from='user%ld@remote.example' to='push.example.net'>"
                 "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='%s'><item>"
                 "<notification xmlns='urn:xmpp:push:0'><x xmlns='jabber:x:data' type='submit'>"
                 "<field var='FORM_TYPE'><value>urn:xmpp:push:summary</value></field>"
                 "<field var='message-count'><value>1</value></field></x></notification></item></publish>"
                 "<publish-options><x xmlns='jabber:x:data' type='submit'>"
                 "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
                 "<field var='secret'><value>%s</value></field></x></publish-options></pubsub></iq>",
                 i, i, nodes[i], secrets[i]);
        if (nudge_handle_stanza(e, xml, strlen(xml)) != NUDGE_OK) { fprintf(stderr, "publish %ld refused\n", i); return 1; }
        if (i % 256 == 0) drain(e, NULL, NULL, 0);
    }
    long done = 0;
    double deadline = now_s() + 60;
    while ((done = deliveries(e)) < n && now_s() < deadline) {
        drain(e, NULL, NULL, 0);
        usleep(10000);   /* polling the stats is the bench's cost, not the engine's: rarely */
    }
    double t1 = now_s(), c1 = cpu_s();
    CALLGRIND_STOP_INSTRUMENTATION;
    if (done < n) {
        char *json = NULL;
        nudge_stats_json(e, &json);
        fprintf(stderr, "incomplete after %.0f s: %s\n", t1 - t0, json);
        nudge_free(json);
    }
    printf("nudge (%s): %ld deliveries in %.3f s = %.0f deliveries/s; CPU %.3f s = %.3f CPU s per 10,000 deliveries\n",
           vendor, done, t1 - t0, done / (t1 - t0), c1 - c0, (c1 - c0) * 10000.0 / (double)done);
    nudge_close(e);
    return done == n ? 0 : 1;
}
