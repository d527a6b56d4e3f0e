/* example_host: a minimal XMPP-server-shaped host for libnudge.
 *
 * It shows the whole contract of nudge.h from a host's side: open an
 * engine, route a client's <enable/>, report the session going pending,
 * hand over stanzas the session cannot take, watch the event fd in a
 * poll() loop and route every event. A real server routes the stanzas; this
 * host prints them, with the time each step took.
 *
 *   example_host [STORE_DIR]     (default: a fresh temporary directory)
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nudge.h"

static struct timespec started;

static double elapsed_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - started.tv_sec) * 1e3 + (double)(now.tv_nsec - started.tv_nsec) / 1e6;
}

static void say(const char *what) { printf("\n[%8.1f ms] %s\n", elapsed_ms(), what); }

/* The host's side of the event queue: route stanzas, log log lines. */
static int route_events(nudge_engine *e) {
    static const char *levels[] = {"debug", "info", "warn", "error"};
    int routed = 0;
    nudge_event *ev;
    while (nudge_next_event(e, &ev) == NUDGE_OK) {
        size_t len;
        const char *data = nudge_event_data(ev, &len);
        switch (nudge_event_kind(ev)) {
        case NUDGE_EVENT_STANZA:
            printf("[%8.1f ms]   route to %s:\n               %.*s\n", elapsed_ms(), nudge_event_target(ev), (int)len, data);
            routed++;
            break;
        case NUDGE_EVENT_DISABLED:
            printf("[%8.1f ms]   push disabled for %s: %s\n", elapsed_ms(), nudge_event_target(ev), data);
            break;
        case NUDGE_EVENT_LOG:
            printf("[%8.1f ms]   log %s: %s\n", elapsed_ms(), levels[nudge_event_level(ev) & 3], data);
            break;
        }
        nudge_event_free(ev);
    }
    return routed;
}

/* One turn of the host's event loop, as net.server or an Erlang thread
   would do it: wait for the fd, then drain. */
static void loop_for(nudge_engine *e, int ms) {
    struct pollfd p = {.fd = nudge_event_fd(e), .events = POLLIN};
    double until = elapsed_ms() + ms;
    for (double left = ms; left > 0; left = until - elapsed_ms()) {
        if (poll(&p, 1, (int)left) > 0) route_events(e);
    }
}

static void must(int rc, const char *what) {
    if (rc != NUDGE_OK) {
        fprintf(stderr, "%s: %s\n", what, nudge_strerror(rc));
        exit(1);
    }
}

int main(int argc, char **argv) {
    clock_gettime(CLOCK_MONOTONIC, &started);
    char tmp[] = "/tmp/nudge-demo-XXXXXX";
    const char *dir = argc > 1 ? argv[1] : mkdtemp(tmp);
    char config[1024];
    snprintf(config, sizeof config,
             "{\"store\": {\"path\": \"%s\"},"
             " \"server\": {\"domains\": [\"example.net\"], \"include_senders\": true, \"coalesce_window_s\": 2},"
             " \"log\": {\"level\": \"info\"}}", dir);

    printf("libnudge %s, store in %s\n", nudge_version(NULL, NULL, NULL), dir);
    nudge_engine *e = NULL;
    char *err = NULL;
    if (nudge_open(config, &e, &err) != NUDGE_OK) {
        fprintf(stderr, "nudge_open: %s\n", err);
        return 1;
    }
    loop_for(e, 50);

    say("juliet's phone enables push at her app server push.chatninja.example (the reply waits for the commit)");
    const char *enable =
        "<iq type='set' id='enable-1' from='juliet@example.net/phone'>"
        "<enable xmlns='urn:xmpp:push:0' jid='push.chatninja.example' node='yxs32uqsflafdk3iuqo'>"
        "<x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
        "<field var='secret'><value>eruio234vzxc2kla-91</value></field></x></enable></iq>";
    must(nudge_handle_stanza(e, enable, strlen(enable)), "enable");
    loop_for(e, 100);

    say("the phone goes to the background: TCP drops without </stream>, the session is pending");
    unsigned timeout = 0;
    must(nudge_session_pending(e, "juliet@example.net/phone", &timeout), "pending");
    printf("               keep the session for %u s (server.pending_timeout_s)\n", timeout);

    say("romeo is typing: a chat state never wakes a phone");
    const char *composing = "<message from='romeo@example.org/orchard' to='juliet@example.net' type='chat' id='c1'>"
                            "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>";
    must(nudge_stanza_held(e, "juliet@example.net/phone", composing, strlen(composing), NUDGE_HELD_QUEUED), "held");
    loop_for(e, 100);

    say("romeo's message arrives: one publish to the app server at once");
    const char *m1 = "<message from='romeo@example.org/orchard' to='juliet@example.net' type='chat' id='m1'>"
                     "<body>Wherefore art thou?</body></message>";
    must(nudge_stanza_held(e, "juliet@example.net/phone", m1, strlen(m1), NUDGE_HELD_QUEUED), "held");
    loop_for(e, 200);

    say("three more within the 2 s coalescing window: no push now, one follow-up when it ends");
    for (int i = 2; i <= 4; i++) {
        char m[256];
        snprintf(m, sizeof m, "<message from='romeo@example.org/orchard' to='juliet@example.net' type='chat' id='m%d'>"
                              "<body>Message %d</body></message>", i, i);
        must(nudge_stanza_held(e, "juliet@example.net/phone", m, strlen(m), NUDGE_HELD_QUEUED), "held");
    }
    loop_for(e, 2200);

    say("juliet opens the app: the session resumes and her summary starts over");
    must(nudge_session_resumed(e, "juliet@example.net/phone"), "resumed");
    loop_for(e, 100);

    char *stats = NULL;
    must(nudge_stats_json(e, &stats), "stats");
    say("stats:");
    printf("               %s\n", stats);
    nudge_free(stats);

    nudge_close(e);
    say("closed; everything acknowledged is in the store");
    return 0;
}
