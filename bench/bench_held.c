/* bench_held: the two numbers that matter on the server side.
 *
 *  1. enable: requests per second with durable replies (each reply leaves
 *     only after the fsync'd commit that holds it), and the latency from
 *     nudge_handle_stanza() to the reply event, with many requests in
 *     flight as on a busy server.
 *  2. nudge_stanza_held(): calls per second and per-call latency (p50,
 *     p99, max) on the host's thread, for pending push users, with
 *     100,000 users enabled. This is the hot path: it must never wait on
 *     disk or network.
 *
 * A second thread drains the event queue as a host's event loop would.
 *
 *   bench_held [USERS] [HELD_CALLS]     (defaults: 100000 and 1000000)
 *
 * With NUDGE_BENCH_POSTGRESQL_URL set (a libpq URI; `make bench-postgresql`
 * starts a private server), the store is that PostgreSQL database instead
 * of an LMDB directory in /tmp. NUDGE_BENCH_NODE_ID makes the engine that
 * node of the database (store.node_id) and its users "<node>-user<N>", so
 * that several bench_held processes run as nodes of one database, each
 * with users of its own.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nudge.h"

static nudge_engine *e;
static atomic_long replies;
static atomic_long publishes;
static atomic_int stop_draining;
static double *reply_at;      /* per enable id: when its reply was seen */

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void *drain(void *arg) {
    (void)arg;
    struct pollfd p = {.fd = nudge_event_fd(e), .events = POLLIN};
    while (!atomic_load(&stop_draining)) {
        if (poll(&p, 1, 20) <= 0) continue;
        nudge_event *ev;
        while (nudge_next_event(e, &ev) == NUDGE_OK) {
            if (nudge_event_kind(ev) == NUDGE_EVENT_STANZA) {
                const char *d = nudge_event_data(ev, NULL);
                if (strstr(d, "type='result'")) {
                    const char *id = strstr(d, "id='b");
                    if (id) reply_at[atol(id + 5)] = now_us();
                    atomic_fetch_add(&replies, 1);
                } else if (strstr(d, "type='set'")) {
                    atomic_fetch_add(&publishes, 1);
                }
            }
            nudge_event_free(ev);
        }
    }
    return NULL;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void percentiles(const char *what, double *v, long n) {
    qsort(v, (size_t)n, sizeof *v, cmp);
    printf("  %-28s p50 %8.2f us   p99 %8.2f us   p99.9 %8.2f us   max %8.2f us\n", what,
           v[n / 2], v[(long)(n * 0.99)], v[(long)(n * 0.999)], v[n - 1]);
}

int main(int argc, char **argv) {
    long users = argc > 1 ? atol(argv[1]) : 100000;
    long calls = argc > 2 ? atol(argv[2]) : 1000000;
    char dir[] = "/tmp/nudge-bench-XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    const char *pg = getenv("NUDGE_BENCH_POSTGRESQL_URL");
    const char *node = getenv("NUDGE_BENCH_NODE_ID");
    char who[80];
    snprintf(who, sizeof who, "%s%suser", node && *node ? node : "", node && *node ? "-" : "");
    char store[512];
    if (pg && *pg && node && *node)
        snprintf(store, sizeof store, "{\"backend\": \"postgresql\", \"url\": \"%s\", \"node_id\": \"%s\"}", pg, node);
    else if (pg && *pg)
        snprintf(store, sizeof store, "{\"backend\": \"postgresql\", \"url\": \"%s\"}", pg);
    else
        snprintf(store, sizeof store, "{\"path\": \"%s\", \"map_size_mb\": 256}", dir);
    char config[1024];
    snprintf(config, sizeof config,
             "{\"store\": %s,"
             " \"server\": {\"domains\": [\"example.net\"]},"
             " \"limits\": {\"max_queue\": 1048576}, \"log\": {\"level\": \"warn\"}}", store);
    char *err = NULL;
    if (nudge_open(config, &e, &err) != NUDGE_OK) { fprintf(stderr, "open: %s\n", err); return 1; }
    reply_at = calloc((size_t)users, sizeof *reply_at);
    double *sent_at = calloc((size_t)users, sizeof *sent_at);
    pthread_t drainer;
    pthread_create(&drainer, NULL, drain, NULL);

    printf("nudge %s bench: %ld users enabled, %ld held stanzas, %ld cores online, store: %s\n",
           nudge_version(NULL, NULL, NULL), users, calls, sysconf(_SC_NPROCESSORS_ONLN),
           pg && *pg ? "PostgreSQL" : "LMDB");

    /* 1. enable, durable replies, everything in flight at once. */
    char xml[512];
    double t0 = now_us();
    for (long i = 0; i < users; i++) {
        snprintf(xml, sizeof xml, "<iq type='set' id='b%ld' from='%s%ld@example.net/phone'>"
                 "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='node-%ld'>"
                 "<x xmlns='jabber:x:data' type='submit'>"
                 "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
                 "<field var='secret'><value>0123456789abcdef0123456789abcdef</value></field></x>"
                 "</enable></iq>", i, who, i, i);
        sent_at[i] = now_us();
        if (nudge_handle_stanza(e, xml, strlen(xml)) != NUDGE_OK) { fprintf(stderr, "enable %ld refused\n", i); return 1; }
    }
    while (atomic_load(&replies) < users) usleep(1000);
    double t1 = now_us();
    printf("enable (durable reply after commit):\n");
    printf("  %-28s %10.0f /s   (%ld sent at once, all replied in %.2f s)\n", "burst throughput",
           users / ((t1 - t0) / 1e6), users, (t1 - t0) / 1e6);

    /* The same with 64 requests in flight, as from many clients: now the
       latency is the commit's, not the queue's. Users are re-enabled. */
    long window = 64, sample = users < 20000 ? users : 20000;
    long base = atomic_load(&replies);
    t0 = now_us();
    for (long i = 0; i < sample; i++) {
        while (i - (atomic_load(&replies) - base) >= window) usleep(20);
        snprintf(xml, sizeof xml, "<iq type='set' id='b%ld' from='%s%ld@example.net/phone'>"
                 "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='node-%ld'/></iq>", i, who, i, i);
        sent_at[i] = now_us();
        if (nudge_handle_stanza(e, xml, strlen(xml)) != NUDGE_OK) { fprintf(stderr, "enable %ld refused\n", i); return 1; }
    }
    while (atomic_load(&replies) - base < sample) usleep(100);
    t1 = now_us();
    printf("  %-28s %10.0f /s   (%ld requests, %ld in flight)\n", "throughput", sample / ((t1 - t0) / 1e6), sample, window);
    for (long i = 0; i < sample; i++) sent_at[i] = reply_at[i] - sent_at[i];
    percentiles("call to durable reply", sent_at, sample);

    /* 2. nudge_stanza_held for pending users. */
    long pending = users < 10000 ? users : 10000;
    for (long i = 0; i < pending; i++) {
        snprintf(xml, sizeof xml, "%s%ld@example.net/phone", who, i);
        nudge_session_pending(e, xml, NULL);
    }
    double *lat = malloc((size_t)calls * sizeof *lat);
    long before = atomic_load(&publishes);
    t0 = now_us();
    for (long i = 0; i < calls; i++) {
        char user[160];
        long u = i % pending;
        snprintf(user, sizeof user, "%s%ld@example.net/phone", who, u);
        int n = snprintf(xml, sizeof xml, "<message from='romeo@example.org/orchard' to='%s%ld@example.net' type='chat' "
                         "id='m%ld'><body>Message number %ld</body></message>", who, u, i, i);
        double a = now_us();
        int rc = nudge_stanza_held(e, user, xml, (size_t)n, NUDGE_HELD_QUEUED);
        lat[i] = now_us() - a;
        if (rc != NUDGE_OK) { fprintf(stderr, "held %ld: %s\n", i, nudge_strerror(rc)); return 1; }
    }
    t1 = now_us();
    printf("nudge_stanza_held (pending push user, message with body):\n");
    printf("  %-28s %10.0f /s   (%ld calls in %.2f s, one host thread)\n", "throughput", calls / ((t1 - t0) / 1e6), calls, (t1 - t0) / 1e6);
    /* How far behind the writer is when the host stops calling: the time
       until its queue is empty, i.e. every summary is committed. */
    char *probe = NULL;
    double deadline = now_us() + 120e6;
    long backlog = -1;
    for (;;) {
        nudge_stats_json(e, &probe);
        const char *q = strstr(probe, "\"writer_queue\":");
        long n = q ? atol(q + 15) : 0;
        if (backlog < 0) backlog = n;
        nudge_free(probe);
        if (n == 0 || now_us() > deadline) break;
        usleep(1000);
    }
    double drained = now_us();
    printf("  %-28s %ld commands queued when the calls ended, all committed %.2f s later\n", "writer backlog",
           backlog, (drained - t1) / 1e6);
    printf("  %-28s %ld first pushes routed (one per pending user)\n", "publishes", atomic_load(&publishes) - before);
    percentiles("call latency", lat, calls);

    char *stats = NULL;
    nudge_stats_json(e, &stats);
    printf("stats: %s\n", stats);
    nudge_free(stats);
    atomic_store(&stop_draining, 1);
    pthread_join(drainer, NULL);
    nudge_close(e);
    return 0;
}
