#define _GNU_SOURCE
#include "harness.h"

#include <expat.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int harness_failures = 0;
int harness_checks = 0;

int harness_finish(const char *name) {
    printf("%s: %d passed, %d failed\n", name, harness_checks - harness_failures, harness_failures);
    return harness_failures == 0 ? 0 : 1;
}

char *harness_tempdir(const char *tag) {
    char *path = NULL;
    if (asprintf(&path, "/tmp/nudge-test-%s-XXXXXX", tag) < 0) abort();
    if (!mkdtemp(path)) { perror("mkdtemp"); abort(); }
    return path;
}

char *harness_config(const char *dir, const char *server_extra) {
    char *json = NULL;
    if (asprintf(&json,
                 "{\"store\": {\"path\": \"%s\", \"map_size_mb\": 4},"
                 " \"server\": {\"domains\": [\"example.net\"]%s%s},"
                 " \"appserver\": {\"pubsub_host\": \"push.example.net\"},"
                 " \"log\": {\"level\": \"debug\"}}",
                 dir, server_extra && *server_extra ? ", " : "", server_extra ? server_extra : "") < 0) abort();
    return json;
}

nudge_engine *harness_open(const char *dir, const char *server_extra) {
    char *json = harness_config(dir, server_extra);
    nudge_engine *e = NULL;
    char *err = NULL;
    int rc = nudge_open(json, &e, &err);
    if (rc != NUDGE_OK) {
        fprintf(stderr, "nudge_open failed: %s: %s\n", nudge_strerror(rc), err ? err : "");
        abort();
    }
    nudge_free(err);
    free(json);
    return e;
}

/* ---- XML tree ---- */

typedef struct {
    xnode *root;
    xnode *stack[128];
    int depth;
} builder;

static char *dupn(const char *s, size_t n) {
    char *d = malloc(n + 1);
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

static void on_start(void *ud, const XML_Char *name, const XML_Char **atts) {
    builder *b = ud;
    xnode *n = calloc(1, sizeof *n);
    n->name = strdup(name);
    size_t na = 0;
    while (atts[na]) na++;
    n->attrs = calloc(na + 1, sizeof(char *));
    for (size_t i = 0; i < na; i++) n->attrs[i] = strdup(atts[i]);
    n->text = strdup("");
    if (b->depth > 0) {
        xnode *p = b->stack[b->depth - 1];
        p->kids = realloc(p->kids, (p->nkids + 1) * sizeof *p->kids);
        p->kids[p->nkids++] = n;
    } else {
        b->root = n;
    }
    if (b->depth < 127) b->stack[b->depth++] = n;
}

static void on_end(void *ud, const XML_Char *name) {
    (void)name;
    builder *b = ud;
    if (b->depth > 0) b->depth--;
}

static void on_text(void *ud, const XML_Char *s, int len) {
    builder *b = ud;
    if (b->depth == 0) return;
    xnode *n = b->stack[b->depth - 1];
    size_t old = strlen(n->text);
    n->text = realloc(n->text, old + (size_t)len + 1);
    memcpy(n->text + old, s, (size_t)len);
    n->text[old + (size_t)len] = 0;
}

xnode *xparse(const char *xml, size_t len) {
    builder b = {0};
    XML_Parser p = XML_ParserCreate("UTF-8");
    XML_SetUserData(p, &b);
    XML_SetElementHandler(p, on_start, on_end);
    XML_SetCharacterDataHandler(p, on_text);
    int ok = XML_Parse(p, xml, (int)len, 1) == XML_STATUS_OK;
    XML_ParserFree(p);
    if (!ok) { xfree(b.root); return NULL; }
    return b.root;
}

void xfree(xnode *n) {
    if (!n) return;
    for (size_t i = 0; i < n->nkids; i++) xfree(n->kids[i]);
    for (char **a = n->attrs; a && *a; a++) free(*a);
    free(n->attrs);
    free(n->kids);
    free(n->name);
    free(n->text);
    free(n);
}

const char *xattr(const xnode *n, const char *name) {
    if (!n) return NULL;
    for (char **a = n->attrs; a && a[0]; a += 2)
        if (strcmp(a[0], name) == 0) return a[1];
    return NULL;
}

const xnode *xpath(const xnode *n, const char *path) {
    if (!n) return NULL;
    const char *slash = strchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : strlen(path);
    for (size_t i = 0; i < n->nkids; i++) {
        if (strlen(n->kids[i]->name) == len && strncmp(n->kids[i]->name, path, len) == 0)
            return slash ? xpath(n->kids[i], slash + 1) : n->kids[i];
    }
    return NULL;
}

const char *xfield(const xnode *form, const char *var) {
    if (!form) return NULL;
    for (size_t i = 0; i < form->nkids; i++) {
        const xnode *f = form->kids[i];
        const char *v = xattr(f, "var");
        if (strcmp(f->name, "field") == 0 && v && strcmp(v, var) == 0) {
            const xnode *value = xpath(f, "value");
            return value ? value->text : "";
        }
    }
    return NULL;
}

/* ---- events ---- */

static long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void take_all(nudge_engine *e, tevents *out) {
    nudge_event *ev;
    while (nudge_next_event(e, &ev) == NUDGE_OK) {
        size_t len = 0;
        const char *data = nudge_event_data(ev, &len);
        const char *target = nudge_event_target(ev);
        out->items = realloc(out->items, (out->count + 1) * sizeof *out->items);
        tevent *t = &out->items[out->count++];
        t->kind = nudge_event_kind(ev);
        t->level = nudge_event_level(ev);
        t->data = dupn(data, len);
        t->target = target ? strdup(target) : NULL;
        if (getenv("NUDGE_TEST_VERBOSE")) fprintf(stderr, "  event %d: %s\n", t->kind, t->data);
        nudge_event_free(ev);
    }
}

void harness_drain(nudge_engine *e, tevents *out, size_t want, int timeout_ms) {
    size_t start = out->count;
    long deadline = now_ms() + timeout_ms;
    int fd = nudge_event_fd(e);
    for (;;) {
        take_all(e, out);
        if (want > 0 && out->count - start >= want) return;
        long left = deadline - now_ms();
        if (left <= 0) return;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        poll(&p, 1, (int)(want == 0 && left > 50 ? 50 : left));
        if (want == 0 && !(p.revents & POLLIN)) { take_all(e, out); return; }
    }
}

void harness_events_free(tevents *ev) {
    for (size_t i = 0; i < ev->count; i++) { free(ev->items[i].data); free(ev->items[i].target); }
    free(ev->items);
    ev->items = NULL;
    ev->count = 0;
}

long harness_find_stanza(const tevents *ev, size_t start, const char *name, const char *type) {
    for (size_t i = start; i < ev->count; i++) {
        if (ev->items[i].kind != NUDGE_EVENT_STANZA) continue;
        xnode *n = xparse(ev->items[i].data, strlen(ev->items[i].data));
        int match = n && strcmp(n->name, name) == 0 && (!type || (xattr(n, "type") && strcmp(xattr(n, "type"), type) == 0));
        xfree(n);
        if (match) return (long)i;
    }
    return -1;
}

size_t harness_count_stanzas(const tevents *ev, const char *name, const char *type) {
    size_t count = 0;
    long i = -1;
    while ((i = harness_find_stanza(ev, (size_t)(i + 1), name, type)) >= 0) count++;
    return count;
}

void harness_print_events(const tevents *ev) {
    for (size_t i = 0; i < ev->count; i++)
        fprintf(stderr, "  [%zu] kind %d: %s\n", i, ev->items[i].kind, ev->items[i].data);
}

xnode *harness_iq(nudge_engine *e, const char *xml, const char *id, int timeout_ms) {
    int rc = nudge_handle_stanza(e, xml, strlen(xml));
    if (rc != NUDGE_OK) {
        fprintf(stderr, "nudge_handle_stanza: %s\n", nudge_strerror(rc));
        return NULL;
    }
    tevents ev = {0};
    long deadline = now_ms() + timeout_ms;
    xnode *reply = NULL;
    while (!reply && now_ms() < deadline) {
        size_t before = ev.count;
        harness_drain(e, &ev, 1, (int)(deadline - now_ms()));
        for (size_t i = before; i < ev.count && !reply; i++) {
            if (ev.items[i].kind != NUDGE_EVENT_STANZA) continue;
            xnode *n = xparse(ev.items[i].data, strlen(ev.items[i].data));
            if (n && strcmp(n->name, "iq") == 0 && xattr(n, "id") && strcmp(xattr(n, "id"), id) == 0) reply = n;
            else xfree(n);
        }
    }
    harness_events_free(&ev);
    return reply;
}
