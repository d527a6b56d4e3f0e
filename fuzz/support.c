#define _GNU_SOURCE
#include "support.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

char *fuzz_tempdir(const char *tag) {
    const char *base = getenv("TMPDIR");
    char *dir = NULL;
    if (asprintf(&dir, "%s/nudge-fuzz-%s-XXXXXX", base && *base ? base : "/tmp", tag) < 0) abort();
    if (!mkdtemp(dir)) { perror("mkdtemp"); abort(); }
    return dir;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

void fuzz_rmtree(const char *dir) {
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int fuzz_closed_port(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t n = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(s, (struct sockaddr *)&a, &n) != 0) {
        perror("fuzz_closed_port");
        abort();
    }
    close(s);
    return ntohs(a.sin_port);
}

char *fuzz_engine_config(const char *dir) {
    char *json = NULL;
    if (asprintf(&json,
                 "{\"store\": {\"path\": \"%s\", \"map_size_mb\": 8, \"sync\": false},"
                 " \"server\": {\"domains\": [\"example.net\"], \"coalesce_window_s\": 1,"
                 "  \"include_senders\": true, \"include_message_bodies\": true},"
                 " \"appserver\": {\"pubsub_host\": \"push.example.net\", \"max_attempts\": 2,"
                 "  \"backends\": [{\"type\": \"ubuntu\", \"endpoint\": \"https://127.0.0.1:%d\"}]},"
                 " \"log\": {\"level\": \"debug\"}}",
                 dir, fuzz_closed_port()) < 0) abort();
    return json;
}

nudge_engine *fuzz_open(const char *json) {
    nudge_engine *e = NULL;
    char *err = NULL;
    int rc = nudge_open(json, &e, &err);
    if (rc != NUDGE_OK) {
        fprintf(stderr, "nudge_open: %s: %s\n", nudge_strerror(rc), err ? err : "");
        abort();
    }
    return e;
}

/* The value of attribute `name` on the root element of xml (either quote
   style), copied into out; 0 if absent or too long. */
static int root_attr(const char *xml, const char *name, char *out, size_t cap) {
    const char *end = strchr(xml, '>');
    size_t n = strlen(name);
    for (const char *p = xml; end && (p = strstr(p, name)) && p < end; p += n) {
        if (p[-1] != ' ' || p[n] != '=' || (p[n + 1] != '\'' && p[n + 1] != '"')) continue;
        const char *v = p + n + 2, *q = strchr(v, p[n + 1]);
        if (!q || (size_t)(q - v) >= cap) return 0;
        memcpy(out, v, (size_t)(q - v));
        out[q - v] = 0;
        return 1;
    }
    return 0;
}

/* A publish to the remote app server gets its result, as a remote app
   server would send it: otherwise every publish would time out, the
   retries would run out, and the engine would rightly disable juliet's
   push, ending the paths worth fuzzing after a few minutes. */
static void answer_publish(nudge_engine *e, const char *xml, const char *target) {
    char id[128], from[128], type[8];
    if (!target || strcmp(target, "push.remote.example") != 0 || strncmp(xml, "<iq", 3) != 0 ||
        !root_attr(xml, "type", type, sizeof type) || strcmp(type, "set") != 0 ||
        !root_attr(xml, "id", id, sizeof id) || !root_attr(xml, "from", from, sizeof from)) return;
    char reply[512];
    snprintf(reply, sizeof reply, "<iq type='result' id='%s' from='push.remote.example' to='%s'/>", id, from);
    nudge_handle_stanza(e, reply, strlen(reply));
}

size_t fuzz_drain(nudge_engine *e) {
    size_t n = 0;
    nudge_event *ev = NULL;
    while (nudge_next_event(e, &ev) == NUDGE_OK) {
        /* Read what a host reads, so the accessors run on every event. */
        size_t len = 0;
        const char *data = nudge_event_data(ev, &len);
        const char *target = nudge_event_target(ev);
        (void)nudge_event_level(ev);
        if (nudge_event_kind(ev) == NUDGE_EVENT_STANZA) answer_publish(e, data, target);
        nudge_event_free(ev);
        n++;
    }
    return n;
}

char *fuzz_exchange(nudge_engine *e, const char *xml, const char *needle, int timeout_ms) {
    int rc = nudge_handle_stanza(e, xml, strlen(xml));
    if (rc != NUDGE_OK) {
        fprintf(stderr, "setup stanza refused: %s\n%s\n", nudge_strerror(rc), xml);
        abort();
    }
    struct pollfd p = { .fd = nudge_event_fd(e), .events = POLLIN };
    for (int waited = 0; waited < timeout_ms; waited += 10) {
        nudge_event *ev = NULL;
        while (nudge_next_event(e, &ev) == NUDGE_OK) {
            const char *data = nudge_event_data(ev, NULL);
            char *found = strstr(data, needle) ? strdup(data) : NULL;
            nudge_event_free(ev);
            if (found) return found;
        }
        poll(&p, 1, 10);
    }
    return NULL;
}

/* The value of the data-form field `var` in xml (either quote style). */
static char *field_value(const char *xml, const char *var) {
    char pat[64];
    for (int q = 0; q < 2; q++) {
        snprintf(pat, sizeof pat, q ? "var=\"%s\"" : "var='%s'", var);
        const char *f = strstr(xml, pat);
        const char *v = f ? strstr(f, "<value>") : NULL;
        const char *end = v ? strstr(v, "</value>") : NULL;
        if (end) return strndup(v + 7, (size_t)(end - v - 7));
    }
    return NULL;
}

static void expect_result(nudge_engine *e, const char *xml, const char *id) {
    char needle[64];
    snprintf(needle, sizeof needle, "id='%s'", id);
    char *reply = fuzz_exchange(e, xml, needle, 10000);
    if (!reply || !strstr(reply, "type='result'")) {
        fprintf(stderr, "setup: %s got %s\n", id, reply ? reply : "no reply");
        abort();
    }
    free(reply);
}

/* romeo's registration at the built-in app server, for fuzz_substitute. */
static char *romeo_node, *romeo_secret;

void fuzz_enable_users(nudge_engine *e) {
    expect_result(e,
        "<iq type='set' id='en-juliet' from='juliet@example.net/phone' to='juliet@example.net'>"
        "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='node-1'>"
        "<x xmlns='jabber:x:data' type='submit'>"
        "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
        "<field var='secret'><value>s3cr3t-value</value></field></x></enable></iq>", "en-juliet");

    char *reply = fuzz_exchange(e,
        "<iq type='set' id='reg-romeo' from='romeo@example.net/pc' to='example.net'>"
        "<command xmlns='http://jabber.org/protocol/commands' node='register-push-ubuntu' action='execute'>"
        "<x xmlns='jabber:x:data' type='submit'>"
        "<field var='token'><value>fuzz-device-token-0123456789</value></field>"
        "<field var='application-id'><value>chatninja.example_chatninja</value></field>"
        "</x></command></iq>", "id='reg-romeo'", 10000);
    char *node = reply ? field_value(reply, "node") : NULL;
    char *secret = reply ? field_value(reply, "secret") : NULL;
    if (!node || !secret) {
        fprintf(stderr, "setup: registration got %s\n", reply ? reply : "no reply");
        abort();
    }
    char *enable = NULL;
    if (asprintf(&enable,
                 "<iq type='set' id='en-romeo' from='romeo@example.net/pc'>"
                 "<enable xmlns='urn:xmpp:push:0' jid='push.example.net' node='%s'>"
                 "<x xmlns='jabber:x:data' type='submit'>"
                 "<field var='FORM_TYPE'><value>http://jabber.org/protocol/pubsub#publish-options</value></field>"
                 "<field var='secret'><value>%s</value></field></x></enable></iq>", node, secret) < 0) abort();
    expect_result(e, enable, "en-romeo");
    free(enable);
    free(reply);
    free(romeo_node);
    free(romeo_secret);
    romeo_node = node;
    romeo_secret = secret;

    unsigned timeout = 0;
    if (nudge_session_pending(e, "juliet@example.net/phone", &timeout) != NUDGE_OK ||
        nudge_session_pending(e, "romeo@example.net/pc", &timeout) != NUDGE_OK) abort();
    fuzz_drain(e);
}

static nudge_engine *started;
static char *started_store;

static void stop_started(void) {
    nudge_close(started);
    fuzz_rmtree(started_store);
    free(started_store);
}

nudge_engine *fuzz_engine_start(const char *tag) {
    started_store = fuzz_tempdir(tag);
    char *json = fuzz_engine_config(started_store);
    started = fuzz_open(json);
    free(json);
    fuzz_enable_users(started);
    atexit(stop_started);
    return started;
}

char *fuzz_substitute(const uint8_t *data, size_t size, size_t *out_len) {
    static const char *tokens[] = { "@NODE@", "@SECRET@" };
    const char *values[] = { romeo_node ? romeo_node : "", romeo_secret ? romeo_secret : "" };
    if (!memmem(data, size, "@NODE@", 6) && !memmem(data, size, "@SECRET@", 8)) return NULL;
    char *out = NULL;
    FILE *f = open_memstream(&out, out_len);
    for (size_t i = 0; i < size;) {
        size_t t = 0;
        while (t < 2 && (size - i < strlen(tokens[t]) || memcmp(data + i, tokens[t], strlen(tokens[t])) != 0)) t++;
        if (t < 2) {
            fputs(values[t], f);
            i += strlen(tokens[t]);
        } else {
            fputc(data[i++], f);
        }
    }
    fclose(f);
    return out;
}
