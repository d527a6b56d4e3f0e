/* bench_push2: the work of one Push 2.0 notification with the encrypted
 * send profile (sce+rfc8291+rfc8292: the stanza cut to fit, RFC 8291
 * encryption, an ES256 JWT), from nudge_stanza_held() to the notification
 * event, for USERS users who each enabled it and each get one message.
 * Run it under callgrind with two USERS counts: the difference of the
 * instruction counts over the difference of the users is the cost of one
 * user's enable and one push, without the engine's start and stop
 * (bench/run_push2.sh, bench/README.md).
 *
 *   bench_push2 USERS UA_PUBLIC AUTH_SECRET JWT_KEY     (standard base64:
 *       a P-256 point, 16 bytes, a PKCS#8 P-256 key; bench/run_push2.sh
 *       makes them with openssl)
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nudge.h"

/* Drains the queue; returns how many Push 2.0 notifications it held. */
static long drain(nudge_engine *e) {
    long n = 0;
    nudge_event *ev;
    while (nudge_next_event(e, &ev) == NUDGE_OK) {
        if (nudge_event_kind(ev) == NUDGE_EVENT_STANZA && strstr(nudge_event_data(ev, NULL), "<notification")) n++;
        nudge_event_free(ev);
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc != 5) { fprintf(stderr, "usage: bench_push2 USERS UA_PUBLIC AUTH_SECRET JWT_KEY\n"); return 2; }
    long users = atol(argv[1]);
    char dir[] = "/tmp/nudge-bench-push2-XXXXXX";
    if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
    char config[1024];
    snprintf(config, sizeof config,
             "{\"store\": {\"path\": \"%s\", \"map_size_mb\": 64}, \"server\": {\"domains\": [\"example.net\"]},"
             " \"log\": {\"level\": \"warn\"}}", dir);
    nudge_engine *e;
    char *err = NULL;
    if (nudge_open(config, &e, &err) != NUDGE_OK) { fprintf(stderr, "open: %s\n", err); return 1; }
    static char xml[8192];
    for (long i = 0; i < users; i++) {
        snprintf(xml, sizeof xml,
                 "<iq type='set' id='e%ld' from='user%ld@example.net/phone'><enable xmlns='urn:xmpp:push2:0'>"
                 "<service>push.example.org</service><client>https://updates.push.example.org/wpush/v2/%ld</client>"
                 "<match profile='urn:xmpp:push2:match:important'><send xmlns='urn:xmpp:push2:send:sce+rfc8291+rfc8292:0'>"
                 "<ua-public>%s</ua-public><auth-secret>%s</auth-secret><jwt-alg>ES256</jwt-alg><jwt-key>%s</jwt-key>"
                 "<jwt-claim name='aud'>https://updates.push.example.org</jwt-claim></send></match></enable></iq>",
                 i, i, i, argv[2], argv[3], argv[4]);
        if (nudge_handle_stanza(e, xml, strlen(xml)) != NUDGE_OK) { fprintf(stderr, "enable %ld refused\n", i); return 1; }
    }
    /* Every enable's reply out: each user's registration is in the index. */
    long replies = 0;
    nudge_event *ev;
    while (replies < users) {
        struct pollfd p = {.fd = nudge_event_fd(e), .events = POLLIN};
        poll(&p, 1, 100);
        while (nudge_next_event(e, &ev) == NUDGE_OK) {
            if (nudge_event_kind(ev) == NUDGE_EVENT_STANZA && strstr(nudge_event_data(ev, NULL), "type='result'")) replies++;
            nudge_event_free(ev);
        }
    }
    for (long i = 0; i < users; i++) {
        snprintf(xml, sizeof xml,
                 "<message from='romeo@example.org/orchard' to='user%ld@example.net' type='chat' id='m%ld'>"
                 "<body>Wherefore art thou, Romeo? Deny thy father and refuse thy name.</body>"
                 "<stanza-id xmlns='urn:xmpp:sid:0' by='user%ld@example.net' id='mam-%ld'/></message>", i, i, i, i);
        char user[64];
        snprintf(user, sizeof user, "user%ld@example.net", i);
        if (nudge_stanza_held(e, user, xml, strlen(xml), NUDGE_HELD_OFFLINE) != NUDGE_OK) { fprintf(stderr, "held %ld refused\n", i); return 1; }
    }
    long pushed = 0;
    while (pushed < users) {
        struct pollfd p = {.fd = nudge_event_fd(e), .events = POLLIN};
        poll(&p, 1, 100);
        pushed += drain(e);
    }
    printf("%ld Push 2.0 notifications (encrypted, with a JWT) for %ld users\n", pushed, users);
    nudge_close(e);
    return 0;
}
