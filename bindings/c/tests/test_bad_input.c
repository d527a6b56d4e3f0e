/* Bad input gets a precise error, is logged once, and changes nothing:
   the stored state (as "list" shows it) is the same before and after. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static nudge_engine *e;

static char *snapshot(void) {
    char *list = NULL;
    nudge_admin(e, "{\"command\":\"list\",\"user\":\"juliet@example.net\"}", &list);
    return list;
}

static size_t count_logs(const tevents *ev, int min_level) {
    size_t n = 0;
    for (size_t i = 0; i < ev->count; i++)
        if (ev->items[i].kind == NUDGE_EVENT_LOG && ev->items[i].level >= min_level) n++;
    return n;
}

/* A stanza that cannot be read: a result code, and exactly one log line
   (at warn) that says why. */
static void unreadable(const char *what, const char *xml, size_t len, int want, const char *needle) {
    tevents ev = {0};
    harness_drain(e, &ev, 0, 50);
    harness_events_free(&ev);
    int rc = nudge_handle_stanza(e, xml, len);
    harness_checks++;
    if (rc != want) {
        harness_failures++;
        fprintf(stderr, "%s: got %d (%s), expected %d\n", what, rc, nudge_strerror(rc), want);
    }
    harness_drain(e, &ev, 1, 2000);
    harness_drain(e, &ev, 0, 100);
    harness_checks++;
    if (count_logs(&ev, NUDGE_LOG_WARN) != 1 || ev.count != 1 || !strstr(ev.items[0].data, needle)) {
        harness_failures++;
        fprintf(stderr, "%s: expected exactly one log line containing \"%s\", got:\n", what, needle);
        harness_print_events(&ev);
    }
    harness_events_free(&ev);
}

/* An iq the engine can read but must refuse: the precise XMPP error. */
static void refused(const char *what, const char *xml, const char *id, const char *type, const char *condition) {
    xnode *reply = harness_iq(e, xml, id, 3000);
    harness_checks++;
    const xnode *error = xpath(reply, "error");
    int ok = reply && xattr(reply, "type") && strcmp(xattr(reply, "type"), "error") == 0 && error &&
             strcmp(xattr(error, "type"), type) == 0 && xpath(error, condition) != NULL &&
             xpath(error, "text") != NULL && strlen(xpath(error, "text")->text) > 0;
    if (!ok) {
        harness_failures++;
        fprintf(stderr, "%s: expected a %s/%s error with a text\n", what, type, condition);
    }
    xfree(reply);
}

static void bad_config(const char *json, const char *needle) {
    nudge_engine *x = NULL;
    char *err = NULL;
    CHECK_RC(nudge_open(json, &x, &err), NUDGE_ECONFIG);
    CHECK(x == NULL);
    harness_checks++;
    if (!err || !strstr(err, needle)) {
        harness_failures++;
        fprintf(stderr, "config %s: message \"%s\" does not name \"%s\"\n", json, err ? err : "(null)", needle);
    }
    nudge_free(err);
    /* nudge_check_config() reports the same, without opening anything. */
    CHECK_RC(nudge_check_config(json, &err), NUDGE_ECONFIG);
    CHECK(err && strstr(err, needle));
    nudge_free(err);
}

int main(void) {
    /* Configuration: each message names the key. */
    bad_config("{", "not valid JSON");
    bad_config("[]", "expected an object");
    bad_config("{\"server\": {\"domains\": [\"example.net\"]}}", "store.path");
    bad_config("{\"store\": {\"path\": \"/tmp/x\"}}", "server.domains");
    bad_config("{\"store\": {\"path\": \"/tmp/x\"}, \"server\": {\"domains\": [\"example.net\"], \"coalesce_window_s\": \"x\"}}",
               "server.coalesce_window_s");
    bad_config("{\"store\": {\"path\": \"/tmp/x\"}, \"server\": {\"domains\": [\"example.net\"], \"notfy_on\": \"all\"}}",
               "server.notfy_on: unknown key");
    bad_config("{\"store\": {\"path\": \"/tmp/x\"}, \"server\": {\"domains\": [\"a b\"]}}", "server.domains[0]");
    bad_config("{\"store\": {\"path\": \"/tmp/x\"}, \"server\": {\"domains\": [\"example.net\"], \"notify_on\": \"some\"}}",
               "server.notify_on");
    bad_config("{\"store\": {\"path\": \"/tmp/x\"}, \"server\": {\"domains\": [\"example.net\"]}, \"log\": {\"level\": 3}}",
               "log.level");
    bad_config("{\"store\": {\"path\": \"/tmp/x\"}, \"server\": {\"domains\": [\"example.net\"]}, \"appserver\": "
               "{\"pubsub_host\": \"push.example.net\", \"backends\": [{\"type\": \"apns\", \"app\": \"a\", "
               "\"topic\": \"t\", \"key_file\": \"/nonexistent/AuthKey.p8\", \"key_id\": \"ABC123DEFG\", "
               "\"team_id\": \"DEF123GHIJ\"}]}}", "appserver.backends[0].key_file");
    CHECK_RC(nudge_open(NULL, &e, NULL), NUDGE_EINVAL);
    CHECK_RC(nudge_check_config(NULL, NULL), NUDGE_EINVAL);
    /* A good configuration passes the check, and the check opens nothing. */
    {
        char *unopened = harness_tempdir("check");
        char *store = NULL;
        if (asprintf(&store, "%s/store", unopened) < 0) abort();
        char *json = harness_config(store, "");
        char *err = (char *)1;
        CHECK_RC(nudge_check_config(json, &err), NUDGE_OK);
        CHECK(err == NULL);
        FILE *f = fopen(store, "r");
        CHECK(f == NULL);
        if (f) fclose(f);
        free(json);
        free(store);
        free(unopened);
    }

    char *dir = harness_tempdir("bad");
    e = harness_open(dir, "");
    /* a store already open elsewhere is refused, not shared */
    {
        char *json = harness_config(dir, "");
        nudge_engine *twin = NULL;
        char *err = NULL;
        CHECK_RC(nudge_open(json, &twin, &err), NUDGE_ELOCKED);
        CHECK(err && strstr(err, "in use"));
        nudge_free(err);
        free(json);
    }

    xnode *ok = harness_iq(e, "<iq type='set' id='e0' from='juliet@example.net/phone'>"
                              "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='n0'/></iq>", "e0", 3000);
    CHECK(ok && strcmp(xattr(ok, "type"), "result") == 0);
    xfree(ok);
    char *before = snapshot();
    CHECK(before && strstr(before, "\"node\":\"n0\""));

    /* Stanzas that cannot be read. */
    const char *malformed = "<iq type='set' id='x'><enable xmlns='urn:xmpp:push:0'></iq>";
    unreadable("malformed", malformed, strlen(malformed), NUDGE_EXML, "mismatched tag");
    const char *truncated = "<iq type='set' id='x'><enable";
    unreadable("truncated", truncated, strlen(truncated), NUDGE_EXML, "routed stanza refused");
    const char *doctype = "<!DOCTYPE iq [<!ENTITY a 'x'>]><iq type='set' id='x'/>";
    unreadable("doctype", doctype, strlen(doctype), NUDGE_EXML, "DOCTYPE");
    const char *laughs =
        "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>"
        "<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
        "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>]>"
        "<iq type='set' id='x'><enable xmlns='urn:xmpp:push:0' jid='&lol3;' node='n'/></iq>";
    unreadable("billion laughs", laughs, strlen(laughs), NUDGE_EXML, "DOCTYPE");
    const char *entity = "<iq type='set' id='x' from='&undefined;'/>";
    unreadable("undefined entity", entity, strlen(entity), NUDGE_EXML, "entity");
    {
        size_t n = 300 * 1024;
        char *big = malloc(n + 128);
        strcpy(big, "<iq type='set' id='x'><enable xmlns='urn:xmpp:push:0' jid='");
        size_t at = strlen(big);
        memset(big + at, 'a', n);
        strcpy(big + at + n, "'/></iq>");
        unreadable("oversized", big, strlen(big), NUDGE_ETOOBIG, "limit");
        free(big);
    }
    {
        char deep[2048] = "";
        for (int i = 0; i < 70; i++) strcat(deep, "<a>");
        for (int i = 0; i < 70; i++) strcat(deep, "</a>");
        unreadable("too deep", deep, strlen(deep), NUDGE_ELIMIT, "depth");
    }

    /* Invalid JIDs. */
    unsigned timeout = 7;
    CHECK_RC(nudge_session_pending(e, "juliet@@example.net/phone", &timeout), NUDGE_EJID);
    CHECK(timeout == 0);
    CHECK_RC(nudge_session_pending(e, "juliet@example.net", &timeout), NUDGE_EJID);   /* bare: no session */
    CHECK_RC(nudge_session_online(e, ""), NUDGE_EJID);
    CHECK_RC(nudge_session_online(e, NULL), NUDGE_EINVAL);
    const char *m = "<message from='romeo@example.org/x' id='1'><body>hi</body></message>";
    CHECK_RC(nudge_stanza_held(e, "ju<liet@example.net", m, strlen(m), NUDGE_HELD_OFFLINE), NUDGE_EJID);
    CHECK_RC(nudge_stanza_held(e, "juliet@example.net", m, strlen(m), NUDGE_HELD_QUEUED), NUDGE_EJID);
    CHECK_RC(nudge_stanza_held(e, "juliet@example.net", m, strlen(m), 0), NUDGE_EINVAL);
    CHECK_RC(nudge_stanza_held(e, "juliet@example.net", m, strlen(m), NUDGE_HELD_OFFLINE | NUDGE_HELD_ARCHIVED), NUDGE_EINVAL);
    const char *badfrom = "<iq type='set' id='j' from='a@b@c/d'><enable xmlns='urn:xmpp:push:0' jid='p' node='n'/></iq>";
    CHECK_RC(nudge_handle_stanza(e, badfrom, strlen(badfrom)), NUDGE_EJID);
    CHECK_RC(nudge_set_room_nick(e, "juliet@example.net", "not a room", "jul"), NUDGE_EJID);

    /* Requests the engine reads and refuses, each with its condition. */
    refused("another user's JID",
            "<iq type='set' id='r1' from='romeo@example.net/pc' to='juliet@example.net'>"
            "<enable xmlns='urn:xmpp:push:0' jid='push.evil.example' node='n'/></iq>", "r1", "auth", "forbidden");
    refused("another user's disable",
            "<iq type='set' id='r1b' from='romeo@example.net/pc' to='juliet@example.net'>"
            "<disable xmlns='urn:xmpp:push:0' jid='push.remote.example'/></iq>", "r1b", "auth", "forbidden");
    refused("a remote account",
            "<iq type='set' id='r2' from='juliet@elsewhere.example/phone'>"
            "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='n'/></iq>", "r2", "auth", "forbidden");
    refused("no jid", "<iq type='set' id='r3' from='juliet@example.net/phone'>"
                      "<enable xmlns='urn:xmpp:push:0' node='n'/></iq>", "r3", "modify", "bad-request");
    refused("no node", "<iq type='set' id='r4' from='juliet@example.net/phone'>"
                       "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example'/></iq>", "r4", "modify", "bad-request");
    refused("malformed app server JID", "<iq type='set' id='r5' from='juliet@example.net/phone'>"
                                        "<enable xmlns='urn:xmpp:push:0' jid='a@@b' node='n'/></iq>", "r5", "modify", "jid-malformed");
    refused("enable as get", "<iq type='get' id='r6' from='juliet@example.net/phone'>"
                             "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='n'/></iq>", "r6", "modify", "bad-request");
    refused("unknown namespace", "<iq type='get' id='r7' from='juliet@example.net/phone'>"
                                 "<query xmlns='urn:example:unknown'/></iq>", "r7", "cancel", "service-unavailable");
    refused("unknown push element", "<iq type='set' id='r8' from='juliet@example.net/phone'>"
                                    "<frob xmlns='urn:xmpp:push:0'/></iq>", "r8", "cancel", "feature-not-implemented");
    refused("bad option value", "<iq type='set' id='r9' from='juliet@example.net/phone'>"
                                "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='n9'>"
                                "<x xmlns='jabber:x:data' type='submit'>"
                                "<field var='FORM_TYPE'><value>urn:xmpp:push:options</value></field>"
                                "<field var='include-senders'><value>maybe</value></field></x></enable></iq>",
            "r9", "modify", "bad-request");
    refused("no child", "<iq type='set' id='r10' from='juliet@example.net/phone'/>", "r10", "modify", "bad-request");
    {
        char *xml = NULL;
        char node[601];
        memset(node, 'n', 600);
        node[600] = 0;
        if (asprintf(&xml, "<iq type='set' id='r11' from='juliet@example.net/phone'>"
                           "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='%s'/></iq>", node) < 0) abort();
        refused("key too long", xml, "r11", "modify", "bad-request");
        free(xml);
    }
    /* A refusal is logged once. */
    {
        tevents ev = {0};
        harness_drain(e, &ev, 0, 50);
        harness_events_free(&ev);
        const char *xml = "<iq type='set' id='r12' from='juliet@example.net/phone'><enable xmlns='urn:xmpp:push:0' node='n'/></iq>";
        CHECK_RC(nudge_handle_stanza(e, xml, strlen(xml)), NUDGE_OK);
        harness_drain(e, &ev, 2, 3000);
        harness_drain(e, &ev, 0, 100);
        CHECK(count_logs(&ev, NUDGE_LOG_DEBUG) == 1);
        CHECK(harness_count_stanzas(&ev, "iq", "error") == 1);
        harness_events_free(&ev);
    }

    /* Admin requests. */
    char *reply = NULL;
    CHECK_RC(nudge_admin(e, "not json", &reply), NUDGE_EINVAL);
    CHECK(reply && strstr(reply, "\"ok\":false"));
    nudge_free(reply);
    CHECK_RC(nudge_admin(e, "{\"command\":\"list\",\"user\":\"@@\"}", &reply), NUDGE_EJID);
    nudge_free(reply);

    /* Nothing above changed what is stored. */
    char *after = snapshot();
    CHECK(before && after && strcmp(before, after) == 0);
    if (before && after && strcmp(before, after) != 0) fprintf(stderr, "before: %s\nafter:  %s\n", before, after);
    nudge_free(before);
    nudge_free(after);

    nudge_close(e);
    free(dir);
    return harness_finish("test_bad_input");
}
