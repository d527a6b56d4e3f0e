/* Durability: a child enables many users and is killed with SIGKILL in
   the middle of the burst. Every enable whose reply the child had seen
   (and reported through a pipe) must be in the store after reopening. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define USERS 4000
#define KILL_AFTER 600

/* Reports every enable reply the host would have routed to a client. */
static void report_replies(nudge_engine *e, int ack_fd) {
    nudge_event *ev;
    while (nudge_next_event(e, &ev) == NUDGE_OK) {
        if (nudge_event_kind(ev) == NUDGE_EVENT_STANZA) {
            const char *data = nudge_event_data(ev, NULL);
            xnode *n = xparse(data, strlen(data));
            if (n && xattr(n, "type") && strcmp(xattr(n, "type"), "result") == 0) {
                int id = atoi(xattr(n, "id"));
                if (write(ack_fd, &id, sizeof id) != sizeof id) _exit(4);
            }
            xfree(n);
        }
        nudge_event_free(ev);
    }
}

static void child(const char *dir, int ack_fd) {
    nudge_engine *e = harness_open(dir, "");
    char xml[512];
    for (int i = 0; i < USERS; i++) {
        snprintf(xml, sizeof xml, "<iq type='set' id='%d' from='user%d@example.net/phone'>"
                 "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='node-%d'/></iq>", i, i, i);
        if (nudge_handle_stanza(e, xml, strlen(xml)) != NUDGE_OK) _exit(3);
        report_replies(e, ack_fd);
    }
    /* Keep reporting until the parent kills us. */
    for (;;) {
        report_replies(e, ack_fd);
        usleep(1000);
    }
}

int main(void) {
    char *dir = harness_tempdir("crash");
    int fds[2];
    if (pipe(fds) != 0) { perror("pipe"); return 1; }
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        child(dir, fds[1]);
        _exit(0);
    }
    close(fds[1]);
    static char acked[USERS];
    int acks = 0, id;
    while (acks < KILL_AFTER && read(fds[0], &id, sizeof id) == sizeof id) {
        if (id >= 0 && id < USERS && !acked[id]) { acked[id] = 1; acks++; }
    }
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* Replies written before the kill are still in the pipe. */
    while (read(fds[0], &id, sizeof id) == sizeof id) {
        if (id >= 0 && id < USERS && !acked[id]) { acked[id] = 1; acks++; }
    }
    close(fds[0]);
    CHECK(acks >= KILL_AFTER);

    nudge_engine *e = harness_open(dir, "");
    int missing = 0, present_unacked = 0;
    char request[256];
    for (int i = 0; i < USERS; i++) {
        snprintf(request, sizeof request, "{\"command\":\"list\",\"user\":\"user%d@example.net\"}", i);
        char *reply = NULL;
        nudge_admin(e, request, &reply);
        int present = reply && strstr(reply, "\"resource\":\"phone\"") != NULL;
        nudge_free(reply);
        if (acked[i] && !present) missing++;
        if (!acked[i] && present) present_unacked++;
    }
    printf("test_crash: %d enables acknowledged before SIGKILL, %d missing after reopening, "
           "%d more committed without their reply seen\n", acks, missing, present_unacked);
    CHECK(missing == 0);

    /* The engine knows the previous run did not stop cleanly. */
    tevents ev = {0};
    harness_drain(e, &ev, 0, 200);
    int warned = 0;
    for (size_t i = 0; i < ev.count; i++)
        if (ev.items[i].kind == NUDGE_EVENT_LOG && strstr(ev.items[i].data, "did not stop cleanly")) warned = 1;
    CHECK(warned);
    harness_events_free(&ev);

    /* The store the killed writer left passed the walk at open, and a
       verify of every table (pages and records) passes too. */
    char *reply = NULL;
    CHECK_RC(nudge_admin(e, "{\"command\":\"verify\"}", &reply), NUDGE_OK);
    CHECK(reply && strstr(reply, "\"enable\":") != NULL);
    nudge_free(reply);
    nudge_close(e);
    free(dir);
    return harness_finish("test_crash");
}
