/* fork(): a child gets a copy of the parent's engine but none of its
   threads, and may get its locks copied held. Every call on the parent's
   engine must then return NUDGE_EFORKED at once (a hang here is the bug:
   a daemon that opened the engine before forking never answered), close
   must return without freeing, a new engine opened in the child must
   work, and the parent's engine must be untouched. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define ENABLE(user, id) "<iq type='set' id='" id "' from='" user "@example.net/phone'>" \
    "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='node-" id "'/></iq>"

static int is_result(xnode *reply) {
    int ok = reply && xattr(reply, "type") && strcmp(xattr(reply, "type"), "result") == 0;
    xfree(reply);
    return ok;
}

/* In the child: every function that takes the parent's engine. */
static void child_calls(nudge_engine *parent) {
    const char *iq = ENABLE("romeo", "c1");
    const char *msg = "<message to='juliet@example.net' type='chat'><body>hi</body></message>";
    unsigned timeout = 7;
    nudge_event *ev = (nudge_event *)1;
    char *out = (char *)1;

    CHECK_RC(nudge_handle_stanza(parent, iq, strlen(iq)), NUDGE_EFORKED);
    CHECK_RC(nudge_session_online(parent, "juliet@example.net/phone"), NUDGE_EFORKED);
    CHECK_RC(nudge_session_pending(parent, "juliet@example.net/phone", &timeout), NUDGE_EFORKED);
    CHECK(timeout == 0);
    CHECK_RC(nudge_session_resumed(parent, "juliet@example.net/phone"), NUDGE_EFORKED);
    CHECK_RC(nudge_session_closed(parent, "juliet@example.net/phone"), NUDGE_EFORKED);
    CHECK_RC(nudge_set_room_nick(parent, "juliet@example.net", "room@muc.example.net", "jule"), NUDGE_EFORKED);
    CHECK_RC(nudge_stanza_held(parent, "juliet@example.net", msg, strlen(msg), NUDGE_HELD_OFFLINE), NUDGE_EFORKED);
    CHECK_RC(nudge_event_fd(parent), NUDGE_EFORKED);
    CHECK_RC(nudge_next_event(parent, &ev), NUDGE_EFORKED);
    CHECK(ev == NULL);
    CHECK_RC(nudge_stats_json(parent, &out), NUDGE_EFORKED);
    CHECK(out == NULL);
    out = (char *)1;
    CHECK_RC(nudge_admin(parent, "{\"command\":\"test-push\",\"user\":\"juliet@example.net\"}", &out), NUDGE_EFORKED);
    CHECK(out == NULL);
    CHECK_RC(nudge_user_removed(parent, "juliet@example.net"), NUDGE_EFORKED);
    out = (char *)1;
    CHECK_RC(nudge_account_disco(parent, "juliet@example.net", "juliet@example.net/phone", &out), NUDGE_EFORKED);
    CHECK(out == NULL);
    CHECK_STR(nudge_strerror(NUDGE_EFORKED),
              "the engine was opened in another process; open a new one after fork");
    /* Returns at once; the parent's engine is not the child's to free. */
    nudge_close(parent);

    /* The way out the error names: an engine of the child's own. */
    char *dir = harness_tempdir("fork-child");
    nudge_engine *own = harness_open(dir, "");
    CHECK(is_result(harness_iq(own, ENABLE("romeo", "c2"), "c2", 5000)));
    nudge_close(own);
    free(dir);
}

int main(void) {
    char *dir = harness_tempdir("fork");
    nudge_engine *e = harness_open(dir, "");
    CHECK(is_result(harness_iq(e, ENABLE("juliet", "p1"), "p1", 5000)));

    pid_t pid = fork();
    if (pid == 0) {
        alarm(20); /* a hang is the failure this test is about */
        child_calls(e);
        int rc = harness_finish("test_fork (child)");
        fflush(stdout);
        _exit(rc);
    }
    CHECK(pid > 0);
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status)) fprintf(stderr, "test_fork: child killed by signal %d\n", WTERMSIG(status));
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* The parent's engine still works, with what it had before the fork. */
    CHECK(is_result(harness_iq(e, ENABLE("romeo", "p2"), "p2", 5000)));
    char *reply = NULL;
    CHECK_RC(nudge_admin(e, "{\"command\":\"list\",\"user\":\"juliet@example.net\"}", &reply), NUDGE_OK);
    CHECK(reply && strstr(reply, "node-p1") != NULL);
    nudge_free(reply);
    nudge_close(e);
    free(dir);
    return harness_finish("test_fork");
}
