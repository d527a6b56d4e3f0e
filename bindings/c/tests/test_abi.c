/* The C ABI as a host uses it: open an engine, enable push for a user,
   let the session go pending, hold messages, drain events, check the
   publish stanza field by field, answer it, close, reopen and find
   everything intact. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static const char *ENABLE =
    "<iq type='set' id='en1' from='juliet@example.net/phone' to='juliet@example.net'>"
    "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='node-1'>"
    "<x xmlns='jabber:x:data' type='submit'>"
    "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
    "<field var='secret'><value>s3cr3t-value</value></field></x>"
    "<x xmlns='jabber:x:data' type='submit'>"
    "<field var='FORM_TYPE'><value>urn:xmpp:push:options</value></field>"
    "<field var='include-senders'><value>1</value></field>"
    "<field var='include-message-bodies'><value>true</value></field></x>"
    "</enable></iq>";

static int held(nudge_engine *e, const char *user, const char *xml, nudge_held_where where) {
    return nudge_stanza_held(e, user, xml, strlen(xml), where);
}

static char *message(int n) {
    char *xml = NULL;
    if (asprintf(&xml, "<message from='romeo@example.org/orchard' to='juliet@example.net' type='chat' id='m%d'>"
                       "<body>Message %d &amp; more</body></message>", n, n) < 0) abort();
    return xml;
}

/* The publish must be exactly what XEP-0357 §5 describes. */
static void check_publish(const char *data, const char *count, const char *body) {
    xnode *iq = xparse(data, strlen(data));
    CHECK(iq != NULL);
    if (!iq) return;
    CHECK_STR(iq->name, "iq");
    CHECK_STR(xattr(iq, "type"), "set");
    CHECK_STR(xattr(iq, "from"), "juliet@example.net");
    CHECK_STR(xattr(iq, "to"), "push.remote.example");
    CHECK(xattr(iq, "id") != NULL && strncmp(xattr(iq, "id"), "nudge-", 6) == 0);
    const xnode *pubsub = xpath(iq, "pubsub");
    CHECK_STR(xattr(pubsub, "xmlns"), "http://jabber.org/protocol/pubsub");
    CHECK_STR(xattr(xpath(iq, "pubsub/publish"), "node"), "node-1");
    const xnode *notification = xpath(iq, "pubsub/publish/item/notification");
    CHECK_STR(xattr(notification, "xmlns"), "urn:xmpp:push:0");
    const xnode *form = xpath(notification, "x");
    CHECK_STR(xattr(form, "xmlns"), "jabber:x:data");
    CHECK_STR(xfield(form, "FORM_TYPE"), "urn:xmpp:push:summary");
    CHECK_STR(xfield(form, "message-count"), count);
    CHECK_STR(xfield(form, "pending-subscription-count"), "0");
    CHECK_STR(xfield(form, "last-message-sender"), "romeo@example.org");
    CHECK_STR(xfield(form, "last-message-body"), body);
    CHECK_STR(xfield(form, "last-message-priority"), "normal");
    const xnode *options = xpath(iq, "pubsub/publish-options/x");
    CHECK_STR(xfield(options, "FORM_TYPE"), "http://jabber.org/protocol/pubsub#publish-options");
    CHECK_STR(xfield(options, "secret"), "s3cr3t-value");
    xfree(iq);
}

static void answer(nudge_engine *e, const char *publish, const char *type, const char *error) {
    xnode *iq = xparse(publish, strlen(publish));
    char *xml = NULL;
    if (asprintf(&xml, "<iq type='%s' id='%s' from='push.remote.example' to='juliet@example.net'>%s</iq>",
                 type, xattr(iq, "id"), error ? error : "") < 0) abort();
    CHECK_RC(nudge_handle_stanza(e, xml, strlen(xml)), NUDGE_OK);
    free(xml);
    xfree(iq);
}

int main(void) {
    int major = -1;
    CHECK_STR(nudge_version(&major, NULL, NULL), "0.1.0");
    CHECK(major == NUDGE_VERSION_MAJOR);
    CHECK_STR(nudge_strerror(NUDGE_EJID), "malformed JID, or bare where a full JID is required");
    CHECK(nudge_strerror(12345) != NULL);
    /* Every code of the header has its own description, and only those. */
    const char *unknown = nudge_strerror(12345);
    for (int code = NUDGE_LAST_ERRCODE; code <= NUDGE_EMPTY; code++)
        CHECK(strcmp(nudge_strerror(code), unknown) != 0);
    CHECK_STR(nudge_strerror(NUDGE_LAST_ERRCODE - 1), unknown);

    /* The configuration's schema needs no engine; the caller frees it. */
    CHECK_RC(nudge_config_schema(NULL), NUDGE_EINVAL);
    char *schema = NULL;
    CHECK_RC(nudge_config_schema(&schema), NUDGE_OK);
    const char *first = "{\"keys\":[{\"key\":\"store.backend\",";
    CHECK(schema != NULL && strncmp(schema, first, strlen(first)) == 0);
    CHECK(schema != NULL && strstr(schema, "\"key\":\"server.max_enablements_per_user\"") != NULL);
    nudge_free(schema);

    char *dir = harness_tempdir("abi");
    nudge_engine *e = harness_open(dir, "\"coalesce_window_s\": 1");
    CHECK(nudge_event_fd(e) >= 0);

    /* enable, with in-band options: the reply carries the accepted values */
    xnode *reply = harness_iq(e, ENABLE, "en1", 5000);
    CHECK(reply != NULL);
    CHECK_STR(xattr(reply, "type"), "result");
    CHECK_STR(xattr(reply, "to"), "juliet@example.net/phone");
    const xnode *accepted = xpath(reply, "enable/x");
    CHECK_STR(xfield(accepted, "include-senders"), "1");
    CHECK_STR(xfield(accepted, "include-message-bodies"), "1");
    CHECK_STR(xfield(accepted, "include-message-count"), "1");
    xfree(reply);

    /* disco#info on the account shows the feature and the options */
    reply = harness_iq(e, "<iq type='get' id='d1' from='juliet@example.net/phone' to='juliet@example.net'>"
                          "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>", "d1", 5000);
    CHECK(reply != NULL);
    int has_push_feature = 0;
    const xnode *query = xpath(reply, "query");
    for (size_t i = 0; query && i < query->nkids; i++)
        if (xattr(query->kids[i], "var") && strcmp(xattr(query->kids[i], "var"), "urn:xmpp:push:0") == 0) has_push_feature = 1;
    CHECK(has_push_feature);
    CHECK_STR(xfield(xpath(reply, "query/x"), "FORM_TYPE"), "urn:xmpp:push:options");
    xfree(reply);

    /* the session goes pending: the host is told to keep it long */
    unsigned timeout = 0;
    CHECK_RC(nudge_session_pending(e, "juliet@example.net/phone", &timeout), NUDGE_OK);
    CHECK(timeout == 259200);
    CHECK_RC(nudge_session_pending(e, "romeo@example.net/pc", &timeout), NUDGE_OK);
    CHECK(timeout == 0);

    /* first message: one publish at once */
    tevents ev = {0};
    char *m1 = message(1);
    CHECK_RC(held(e, "juliet@example.net/phone", m1, NUDGE_HELD_QUEUED), NUDGE_OK);
    harness_drain(e, &ev, 1, 5000);
    harness_drain(e, &ev, 0, 200);
    CHECK(harness_count_stanzas(&ev, "iq", "set") == 1);
    long p1 = harness_find_stanza(&ev, 0, "iq", "set");
    if (p1 >= 0) {
        CHECK_STR(ev.items[p1].target, "push.remote.example");
        check_publish(ev.items[p1].data, "1", "Message 1 & more");
        answer(e, ev.items[p1].data, "result", NULL);
    }
    /* the same stanza again (offline copy, archive copy): no second push */
    CHECK_RC(held(e, "juliet@example.net/phone", m1, NUDGE_HELD_QUEUED), NUDGE_OK);
    free(m1);
    /* chat states and receipts never wake a phone */
    CHECK_RC(held(e, "juliet@example.net/phone",
                  "<message from='romeo@example.org/orchard' type='chat' id='cs1'>"
                  "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>", NUDGE_HELD_QUEUED), NUDGE_OK);
    CHECK_RC(held(e, "juliet@example.net/phone",
                  "<message from='romeo@example.org/orchard' id='r1'><received xmlns='urn:xmpp:receipts' id='m1'/></message>",
                  NUDGE_HELD_QUEUED), NUDGE_OK);
    /* three more within the window: one follow-up, after the window */
    for (int i = 2; i <= 4; i++) {
        char *m = message(i);
        CHECK_RC(held(e, "juliet@example.net/phone", m, NUDGE_HELD_QUEUED), NUDGE_OK);
        free(m);
    }
    size_t before = ev.count;
    harness_drain(e, &ev, 0, 300);
    CHECK(harness_count_stanzas(&ev, "iq", "set") == 1);
    harness_drain(e, &ev, 1, 3000);
    harness_drain(e, &ev, 0, 300);
    CHECK(harness_count_stanzas(&ev, "iq", "set") == 2);
    long p2 = harness_find_stanza(&ev, before, "iq", "set");
    if (p2 >= 0) {
        check_publish(ev.items[p2].data, "4", "Message 4 & more");
        answer(e, ev.items[p2].data, "result", NULL);
    }

    /* resume: the summary starts over, so the next message counts 1 */
    CHECK_RC(nudge_session_resumed(e, "juliet@example.net/phone"), NUDGE_OK);
    CHECK_RC(nudge_session_pending(e, "juliet@example.net/phone", &timeout), NUDGE_OK);
    char *m5 = message(5);
    CHECK_RC(held(e, "juliet@example.net/phone", m5, NUDGE_HELD_QUEUED), NUDGE_OK);
    free(m5);
    before = ev.count;
    harness_drain(e, &ev, 1, 5000);
    long p3 = harness_find_stanza(&ev, before, "iq", "set");
    CHECK(p3 >= 0);
    if (p3 >= 0) check_publish(ev.items[p3].data, "1", "Message 5 & more");

    /* stats count what happened */
    char *stats = NULL;
    CHECK_RC(nudge_stats_json(e, &stats), NUDGE_OK);
    CHECK(stats && strstr(stats, "\"users_enabled\":1") != NULL);
    CHECK(stats && strstr(stats, "\"sessions_pending\":1") != NULL);
    CHECK(stats && strstr(stats, "\"message\":2") != NULL);
    CHECK(stats && strstr(stats, "\"follow-up\":1") != NULL);
    CHECK(stats && strstr(stats, "\"duplicate\":1") != NULL);
    nudge_free(stats);

    /* the same figures as OpenMetrics families, for the host to end */
    char *metrics = NULL;
    CHECK_RC(nudge_metrics_text(e, NULL), NUDGE_EINVAL);
    CHECK_RC(nudge_metrics_text(e, &metrics), NUDGE_OK);
    CHECK(metrics && strstr(metrics, "# TYPE nudge_users_enabled gauge\nnudge_users_enabled 1\n") != NULL);
    CHECK(metrics && strstr(metrics, "nudge_pushes_total{reason=\"message\"} 2\n") != NULL);
    CHECK(metrics && strstr(metrics, "nudge_held_stanzas_judged_total{outcome=\"duplicate\"} 1\n") != NULL);
    CHECK(metrics && strstr(metrics, "# EOF") == NULL);
    nudge_free(metrics);

    /* secrets never reach the log */
    for (size_t i = 0; i < ev.count; i++)
        if (ev.items[i].kind == NUDGE_EVENT_LOG) CHECK(strstr(ev.items[i].data, "s3cr3t") == NULL);

    /* the app server refuses for good: push is disabled and the host told */
    if (p3 >= 0) {
        before = ev.count;
        answer(e, ev.items[p3].data, "error",
               "<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");
        harness_drain(e, &ev, 1, 5000);
        int disabled = 0;
        for (size_t i = before; i < ev.count; i++) {
            if (ev.items[i].kind != NUDGE_EVENT_DISABLED) continue;
            disabled++;
            CHECK_STR(ev.items[i].target, "juliet@example.net");
            CHECK(strstr(ev.items[i].data, "\"node\":\"node-1\"") != NULL);
            CHECK(strstr(ev.items[i].data, "item-not-found") != NULL);
        }
        CHECK(disabled == 1);
    }
    /* an answer nobody waits for is not the engine's */
    const char *stray = "<iq type='result' id='nope' from='push.remote.example' to='juliet@example.net'/>";
    CHECK_RC(nudge_handle_stanza(e, stray, strlen(stray)), NUDGE_ENOTFOR);
    const char *msg = "<message to='juliet@example.net'><body>hi</body></message>";
    CHECK_RC(nudge_handle_stanza(e, msg, strlen(msg)), NUDGE_ENOTFOR);

    /* enable again, close, reopen: everything is still there */
    reply = harness_iq(e, ENABLE, "en1", 5000);
    CHECK(reply && strcmp(xattr(reply, "type"), "result") == 0);
    xfree(reply);
    harness_events_free(&ev);
    nudge_close(e);

    e = harness_open(dir, "\"coalesce_window_s\": 1");
    char *list = NULL;
    CHECK_RC(nudge_admin(e, "{\"command\":\"list\",\"user\":\"juliet@example.net\"}", &list), NUDGE_OK);
    CHECK(list && strstr(list, "\"jid\":\"push.remote.example\"") != NULL);
    CHECK(list && strstr(list, "\"node\":\"node-1\"") != NULL);
    CHECK(list && strstr(list, "\"resource\":\"phone\"") != NULL);
    CHECK(list && strstr(list, "\"include-senders\":true") != NULL);
    nudge_free(list);

    /* the session was pending at close: it gets one restart wake */
    harness_drain(e, &ev, 1, 5000);
    harness_drain(e, &ev, 0, 300);
    CHECK(harness_count_stanzas(&ev, "iq", "set") == 1);
    long w = harness_find_stanza(&ev, 0, "iq", "set");
    if (w >= 0) {
        xnode *iq = xparse(ev.items[w].data, strlen(ev.items[w].data));
        CHECK_STR(xfield(xpath(iq, "pubsub/publish/item/notification/x"), "wake-reason"), "restart");
        xfree(iq);
    }

    /* admin: test push, remove, remove again */
    char *out = NULL;
    CHECK_RC(nudge_admin(e, "{\"command\":\"test-push\",\"user\":\"juliet@example.net\"}", &out), NUDGE_OK);
    CHECK(out && strstr(out, "\"queued\":1") != NULL);
    nudge_free(out);
    CHECK_RC(nudge_admin(e, "{\"command\":\"remove\",\"user\":\"juliet@example.net\",\"jid\":\"push.remote.example\",\"node\":\"node-1\"}", &out), NUDGE_OK);
    nudge_free(out);
    CHECK_RC(nudge_admin(e, "{\"command\":\"remove\",\"user\":\"juliet@example.net\",\"jid\":\"push.remote.example\",\"node\":\"node-1\"}", &out), NUDGE_ENOTFOUND);
    CHECK(out && strstr(out, "\"ok\":false") != NULL);
    nudge_free(out);
    CHECK_RC(nudge_admin(e, "{\"command\":\"frobnicate\"}", &out), NUDGE_EINVAL);
    nudge_free(out);

    harness_events_free(&ev);
    nudge_close(e);
    nudge_close(NULL);
    free(dir);
    return harness_finish("test_abi");
}
