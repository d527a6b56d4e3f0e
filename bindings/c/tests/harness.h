/* A small harness for the C tests: checks that report file and line,
   engines on temporary stores, events drained into a list, and a tiny XML
   tree (on expat) so stanzas are checked field by field, not by strstr. */
#ifndef NUDGE_TEST_HARNESS_H
#define NUDGE_TEST_HARNESS_H

#include <stddef.h>
#include "nudge.h"

extern int harness_failures;
extern int harness_checks;

#define CHECK(cond) do { harness_checks++; if (!(cond)) { harness_failures++; \
    fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_RC(expr, want) do { int rc_ = (expr); harness_checks++; if (rc_ != (want)) { harness_failures++; \
    fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s)\n", __FILE__, __LINE__, #expr, \
            rc_, nudge_strerror(rc_), (want), nudge_strerror(want)); } } while (0)
#define CHECK_STR(got, want) do { const char *g_ = (got), *w_ = (want); harness_checks++; \
    if (!g_ || strcmp(g_, w_) != 0) { harness_failures++; \
    fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_); } } while (0)

/* Prints "N passed, M failed" and returns the process exit code. */
int harness_finish(const char *name);

/* A fresh directory under /tmp; the caller frees the string. */
char *harness_tempdir(const char *tag);
/* The configuration JSON for a store at dir; extra is spliced into
   "server" (e.g. "\"coalesce_window_s\": 1"), may be "". Caller frees. */
char *harness_config(const char *dir, const char *server_extra);
nudge_engine *harness_open(const char *dir, const char *server_extra);

/* ---- XML tree ---- */
typedef struct xnode {
    char *name;
    char **attrs;            /* name, value, name, value, ..., NULL */
    char *text;              /* concatenated direct text */
    struct xnode **kids;
    size_t nkids;
} xnode;

xnode *xparse(const char *xml, size_t len);   /* NULL if not well-formed */
void xfree(xnode *n);
const char *xattr(const xnode *n, const char *name);
/* First descendant along a path of element names, e.g. "pubsub/publish/item". */
const xnode *xpath(const xnode *n, const char *path);
/* The value of a data form field (<field var=…><value>…</value>). */
const char *xfield(const xnode *form, const char *var);

/* ---- events ---- */
typedef struct {
    int kind;
    int level;
    char *data;
    char *target;
} tevent;

typedef struct {
    tevent *items;
    size_t count;
} tevents;

/* Waits up to timeout_ms for at least `want` events (0: just drain what is
   there after a short settle), appending everything to out. */
void harness_drain(nudge_engine *e, tevents *out, size_t want, int timeout_ms);
void harness_events_free(tevents *ev);
/* Index of the first stanza event whose root is `name` with attribute
   type=`type` (NULL: any), from `start`; -1 if none. */
long harness_find_stanza(const tevents *ev, size_t start, const char *name, const char *type);
size_t harness_count_stanzas(const tevents *ev, const char *name, const char *type);
void harness_print_events(const tevents *ev);

/* Sends an iq to the engine and waits for its reply (matched by id);
   returns the reply's parsed tree or NULL. */
xnode *harness_iq(nudge_engine *e, const char *xml, const char *id, int timeout_ms);

#endif
