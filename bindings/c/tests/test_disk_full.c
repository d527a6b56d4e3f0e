/* A full disk: enables that cannot be stored are refused with
   resource-constraint, nothing acknowledged is lost, and the engine works
   again once there is room. Runs the store on a small tmpfs, so it needs
   root (CI runs as root); without mount rights it says so and skips. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/mount.h>
#include <unistd.h>

#include "harness.h"

static xnode *enable(nudge_engine *e, int i, size_t secret_len) {
    char *secret = malloc(secret_len + 1);
    memset(secret, 'x', secret_len);
    secret[secret_len] = 0;
    char *xml = NULL, id[32];
    snprintf(id, sizeof id, "e%d", i);
    if (asprintf(&xml, "<iq type='set' id='%s' from='user%d@example.net/phone'>"
                       "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='n%d'>"
                       "<x xmlns='jabber:x:data' type='submit'>"
                       "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
                       "<field var='secret'><value>%s</value></field></x></enable></iq>", id, i, i, secret) < 0) abort();
    xnode *reply = harness_iq(e, xml, id, 5000);
    free(xml);
    free(secret);
    return reply;
}

int main(void) {
    char *dir = harness_tempdir("full");
    if (mount("tmpfs", dir, "tmpfs", 0, "size=256k") != 0) {
        printf("test_disk_full: skipped: cannot mount a tmpfs (needs root): %s\n", strerror(errno));
        rmdir(dir);
        return 0;
    }
    nudge_engine *e = harness_open(dir, "");
    int stored = 0, refused = 0;
    for (int i = 0; i < 400 && refused == 0; i++) {
        xnode *reply = enable(e, i, 4000);
        CHECK(reply != NULL);
        if (reply && strcmp(xattr(reply, "type"), "result") == 0) {
            stored++;
        } else if (reply) {
            const xnode *error = xpath(reply, "error");
            CHECK_STR(xattr(error, "type"), "wait");
            CHECK(xpath(error, "resource-constraint") != NULL);
            refused++;
        }
        xfree(reply);
    }
    printf("test_disk_full: %d enables stored, then the disk was full\n", stored);
    CHECK(stored > 0);
    CHECK(refused == 1);

    /* Every acknowledged enable is there. */
    int missing = 0;
    for (int i = 0; i < stored; i++) {
        char request[128];
        snprintf(request, sizeof request, "{\"command\":\"list\",\"user\":\"user%d@example.net\"}", i);
        char *reply = NULL;
        nudge_admin(e, request, &reply);
        if (!reply || !strstr(reply, "\"node\":\"n")) missing++;
        nudge_free(reply);
    }
    CHECK(missing == 0);
    char *stats = NULL;
    nudge_stats_json(e, &stats);
    CHECK(stats && strstr(stats, "\"store_full\":1"));
    nudge_free(stats);

    /* Room again: the same engine takes writes again. */
    CHECK(mount("tmpfs", dir, "tmpfs", MS_REMOUNT, "size=16m") == 0);
    xnode *reply = enable(e, 1000, 100);
    CHECK(reply && strcmp(xattr(reply, "type"), "result") == 0);
    xfree(reply);

    nudge_close(e);
    umount(dir);
    rmdir(dir);
    free(dir);
    return harness_finish("test_disk_full");
}
