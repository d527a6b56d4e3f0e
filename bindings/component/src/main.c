/* nudge-component: the Nudge app server as a XEP-0114 external component.
 *
 *   nudge-component [--check] CONFIG.json
 *   nudge-component --verify CONFIG.json | --backup DIR CONFIG.json
 *
 * One thread runs one poll loop over three descriptors: the socket to the
 * XMPP server, the engine's event fd, and a signalfd (and, with
 * component.metrics_address, the metrics endpoint's). Stanzas from the
 * server go to the engine; the engine's events go to the server (queued
 * while it is away) and to the log. SIGTERM/SIGINT stop gracefully,
 * SIGUSR1 logs the counters, SIGUSR2 verifies the store (and backs it up
 * into component.backup_dir if set; see maintenance.h). Exit codes: 0
 * after a stop, 64 usage, 75 --verify/--backup while a component holds
 * the store, 77 the server refused the secret or domain, 78
 * configuration, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "link.h"
#include "log.h"
#include "maintenance.h"
#include "metrics.h"
#include "notify.h"
#include "nudge.h"
#include "openmetrics.h"
#include "outq.h"
#include "router.h"
#include "signals.h"
#include "stats.h"

#define EXIT_USAGE 64     /* sysexits EX_USAGE */
#define EXIT_CONFIG 78    /* sysexits EX_CONFIG; systemd shows it as "CONFIG" */
#define DRAIN_POLL_MS 50  /* how often a stop checks whether the engine settled */
#define CLOSE_WAIT_MS 2000

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *to) {
    fprintf(to, "usage: nudge-component [--check] CONFIG.json\n"
                "       nudge-component --verify CONFIG.json\n"
                "       nudge-component --backup DIR CONFIG.json\n"
                "       nudge-component --version\n"
                "  --check   read and check the configuration, the secret file and the key files, then exit\n"
                "  --verify  check every page and record of the store, print the result (JSON), exit\n"
                "  --backup  write a compacted copy of the store into DIR (new or empty), exit\n"
                "  (while the component runs, SIGUSR2 verifies and backs up into component.backup_dir)\n");
}

enum phase { RUNNING, DRAINING, CLOSING };

struct app {
    struct component_config cfg;
    nudge_engine *engine;
    struct outq queue;
    struct router router;
    struct link link;
    struct metrics metrics;
    struct openmetrics_source metrics_source;
    int sigfd;
    enum phase phase;
    int64_t stop_deadline;
};

static void hook_stanza(void *ctx, const char *xml, size_t len, const struct stanza_head *head) {
    router_inbound(&((struct app *)ctx)->router, xml, len, head);
}

static void hook_too_big(void *ctx, const struct stanza_head *head) { router_too_big(&((struct app *)ctx)->router, head); }

static void begin_stop(struct app *a, int sig, int64_t now) {
    if (a->phase != RUNNING) {
        log_msg(NC_LOG_NOTICE, "SIG%s again: stopping now", sigabbrev_np(sig));
        a->stop_deadline = now;
        return;
    }
    a->phase = DRAINING;
    a->stop_deadline = now + a->cfg.stop_timeout_ms;
    notify_send("STOPPING=1\nSTATUS=stopping: sending the replies due, then closing the engine");
    /* No new work from the server; what was taken is answered first. */
    a->link.reading = 0;
    log_msg(NC_LOG_NOTICE, "SIG%s: stopping (sending the replies due, at most %.1f s, then closing the engine)", sigabbrev_np(sig),
            a->cfg.stop_timeout_ms / 1000.0);
}

static void handle_signals(struct app *a, int64_t now) {
    for (int sig; (sig = signals_next(a->sigfd)) != 0;) {
        switch (sig) {
        case SIGTERM:
        case SIGINT: begin_stop(a, sig, now); break;
        case SIGUSR1: stats_log(a->engine, &a->link, &a->router); break;
        case SIGUSR2: maintenance_live(a->engine, &a->cfg); break;
        case SIGHUP: log_msg(NC_LOG_NOTICE, "SIGHUP ignored: restart the service to read a changed configuration"); break;
        }
    }
}

/* The stop's progress: drain, then close the stream, then leave. */
static int stop_step(struct app *a, int64_t now) {
    if (a->phase == DRAINING) {
        int out = outq_empty(&a->queue) || a->link.state != LINK_READY;
        if ((out && stats_engine_settled(a->engine)) || now >= a->stop_deadline) {
            a->phase = CLOSING;
            int64_t left = a->stop_deadline - now;
            link_close_stream(&a->link, now, left < CLOSE_WAIT_MS ? (left > 0 ? (unsigned)left : 0) : CLOSE_WAIT_MS);
        }
    }
    return a->phase == CLOSING && (a->link.state == LINK_IDLE || now >= a->stop_deadline + CLOSE_WAIT_MS);
}

static int poll_timeout(const struct app *a, int64_t now) {
    int t = link_timeout_ms(&a->link, now), m = metrics_timeout_ms(&a->metrics, now);
    if (m >= 0 && (t < 0 || m < t)) t = m;
    if (a->phase != RUNNING && (t < 0 || t > DRAIN_POLL_MS)) t = DRAIN_POLL_MS;
    return t;
}

static int run(struct app *a) {
    struct pollfd fds[5] = {{.fd = a->sigfd, .events = POLLIN}, {.fd = nudge_event_fd(a->engine), .events = POLLIN}, {.fd = -1}};
    for (;;) {
        int64_t now = now_ms();
        link_tick(&a->link, now);
        if (a->link.fatal) return a->link.fatal;
        router_drain_events(&a->router);
        link_flush(&a->link, now);
        if (a->phase != RUNNING && stop_step(a, now)) return 0;
        fds[2].fd = link_fd(&a->link, &fds[2].events);
        fds[2].revents = 0;
        metrics_fds(&a->metrics, &fds[3]);
        int n = poll(fds, 5, poll_timeout(a, now));
        if (n < 0 && errno != EINTR) {
            log_msg(NC_LOG_ERR, "poll: %s", strerror(errno));
            return 1;
        }
        now = now_ms();
        if (n > 0 && (fds[0].revents & POLLIN)) handle_signals(a, now);
        if (n > 0 && fds[2].fd >= 0 && fds[2].revents) link_io(&a->link, fds[2].revents, now);
        if (n >= 0) metrics_io(&a->metrics, &fds[3], now);
        /* The event fd needs no handling of its own: events are drained at
           the top of every turn, and after every stanza handed in. */
    }
}

int main(int argc, char **argv) {
    int check = 0, verify = 0;
    const char *path = NULL, *backup = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0) check = 1;
        else if (strcmp(argv[i], "--verify") == 0) verify = 1;
        else if (strcmp(argv[i], "--backup") == 0 && i + 1 < argc && argv[i + 1][0] && !backup) backup = argv[++i];
        else if (strcmp(argv[i], "--version") == 0) {
            printf("nudge-component %d.%d.%d (libnudge %s)\n", NUDGE_VERSION_MAJOR, NUDGE_VERSION_MINOR, NUDGE_VERSION_PATCH,
                   nudge_version(NULL, NULL, NULL));
            return 0;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' || path) {
            usage(stderr);
            return EXIT_USAGE;
        } else path = argv[i];
    }
    if (!path || check + verify + (backup != NULL) > 1) {
        usage(stderr);
        return EXIT_USAGE;
    }

    static struct app a;
    char *err = NULL;
    if (config_load(path, &a.cfg, &err) != 0) {
        log_msg(NC_LOG_ERR, "configuration error: %s", err ? err : "out of memory");
        free(err);
        return EXIT_CONFIG;
    }
    log_set_max(a.cfg.log_priority);
    if (check) {
        /* The engine's keys too (its key files included), without opening
         * the store, which a running component may hold. */
        char *cerr = NULL;
        int crc = nudge_check_config(a.cfg.engine_json, &cerr);
        if (crc != NUDGE_OK)
            log_msg(NC_LOG_ERR, "configuration error: %s", cerr ? cerr : nudge_strerror(crc));
        else
            log_msg(NC_LOG_NOTICE, "configuration OK: %s via %s:%s", a.cfg.domain, a.cfg.server_host, a.cfg.server_port);
        nudge_free(cerr);
        config_free(&a.cfg);
        return crc == NUDGE_OK ? 0 : crc == NUDGE_ECONFIG ? EXIT_CONFIG : 1;
    }
    if (verify || backup) {
        int code = maintenance_offline(&a.cfg, backup);
        config_free(&a.cfg);
        return code;
    }
    srandom((unsigned)(now_ms() ^ getpid()));
    a.sigfd = signals_open();
    if (a.sigfd < 0) {
        log_msg(NC_LOG_ERR, "signalfd: %s", strerror(errno));
        return 1;
    }

    char *nerr = NULL;
    int rc = nudge_open(a.cfg.engine_json, &a.engine, &nerr);
    if (rc != NUDGE_OK) {
        log_msg(NC_LOG_ERR, "%s: %s", rc == NUDGE_ECONFIG ? "configuration error" : "cannot open the engine",
                nerr ? nerr : nudge_strerror(rc));
        nudge_free(nerr);
        config_free(&a.cfg);
        return rc == NUDGE_ECONFIG ? EXIT_CONFIG : 1;
    }
    outq_init(&a.queue, a.cfg.max_backlog_bytes);
    a.router = (struct router){.engine = a.engine, .queue = &a.queue, .domain = a.cfg.domain};
    link_init(&a.link, &a.cfg, &a.queue, (struct link_hooks){hook_stanza, hook_too_big}, &a);
    a.metrics_source = (struct openmetrics_source){.engine = a.engine, .link = &a.link, .router = &a.router};
    if (metrics_open(&a.metrics, &a.cfg, openmetrics_render, &a.metrics_source, &err) != 0) {
        log_msg(NC_LOG_ERR, "configuration error: %s", err ? err : "out of memory");
        free(err);
        link_free(&a.link);
        nudge_close(a.engine);
        outq_free(&a.queue);
        config_free(&a.cfg);
        return EXIT_CONFIG;
    }
    log_msg(NC_LOG_NOTICE, "nudge-component %d.%d.%d (libnudge %s) serving %s through %s:%s", NUDGE_VERSION_MAJOR,
            NUDGE_VERSION_MINOR, NUDGE_VERSION_PATCH, nudge_version(NULL, NULL, NULL), a.cfg.domain, a.cfg.server_host,
            a.cfg.server_port);

    /* Ready once the store is open: the server may come up later, and
       meanwhile the component already keeps and delivers its work. */
    char status[300];
    snprintf(status, sizeof status, "READY=1\nSTATUS=connecting to %s:%s as %s", a.cfg.server_host, a.cfg.server_port,
             a.cfg.domain);
    notify_send(status);

    int code = run(&a);

    link_close_stream(&a.link, now_ms(), 0);
    link_free(&a.link);
    metrics_close(&a.metrics);
    router_drain_events(&a.router);
    /* nudge_close lets deliveries in flight finish (the engine's own
       deadline) and keeps the rest in the store for the next start. */
    nudge_close(a.engine);
    if (!outq_empty(&a.queue))
        log_msg(NC_LOG_WARNING, "%zu stanza%s to the server not sent (the server had gone)", a.queue.count,
                a.queue.count == 1 ? "" : "s");
    outq_free(&a.queue);
    log_msg(code == 0 ? NC_LOG_NOTICE : NC_LOG_ERR, "stopped%s", code == 0 ? "" : " (the server refused the component)");
    config_free(&a.cfg);
    close(a.sigfd);
    return code;
}
