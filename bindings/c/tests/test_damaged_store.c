/* A damaged store never takes the host down. A store with real
   enablements is closed, then damaged in each of the ways the issue
   measured (truncation, random 64-byte corruptions, an emptied or deleted
   data.mdb), and opened in a CHILD process: the child must exit normally
   having either got NUDGE_ESTORE with a message naming data.mdb, or
   opened the store with every enablement intact. Also: a backup opens
   with the same data, and verify passes on a sound store. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define USERS 300

/* What a child found, written through a pipe. */
typedef struct {
    int rc;            /* nudge_open's result */
    int intact;        /* on NUDGE_OK: every enablement is there, verify passed */
    char msg[400];     /* on failure: errmsg */
} outcome;

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

/* The damaged copies are many; each is removed once checked. */
static void discard(char *dir) {
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static char *path2(const char *dir, const char *name) {
    char *p;
    if (asprintf(&p, "%s/%s", dir, name) < 0) abort();
    return p;
}

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(1); }
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    rewind(f);
    unsigned char *b = malloc(*len ? *len : 1);
    if (fread(b, 1, *len, f) != *len) { perror(path); exit(1); }
    fclose(f);
    return b;
}

static void spill(const char *path, const unsigned char *b, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b, 1, len, f) != len) { perror(path); exit(1); }
    fclose(f);
}

static char *admin(nudge_engine *e, const char *request, int *rc) {
    char *reply = NULL;
    *rc = nudge_admin(e, request, &reply);
    return reply;
}

/* Every user has exactly its one enablement, and verify passes. */
static int all_intact(nudge_engine *e) {
    char request[256], want[64];
    int rc;
    for (int i = 0; i < USERS; i++) {
        snprintf(request, sizeof request, "{\"command\":\"list\",\"user\":\"user%d@example.net\"}", i);
        snprintf(want, sizeof want, "\"node\":\"node-%d\"", i);
        char *reply = admin(e, request, &rc);
        int ok = rc == NUDGE_OK && reply && strstr(reply, want);
        nudge_free(reply);
        if (!ok) return 0;
    }
    nudge_free(admin(e, "{\"command\":\"verify\"}", &rc));
    return rc == NUDGE_OK;
}

static void populate(const char *dir) {
    nudge_engine *e = harness_open(dir, "");
    char xml[512], id[16];
    for (int i = 0; i < USERS; i++) {
        snprintf(xml, sizeof xml, "<iq type='set' id='%d' from='user%d@example.net/phone'>"
                 "<enable xmlns='urn:xmpp:push:0' jid='push.remote.example' node='node-%d'/></iq>", i, i, i);
        snprintf(id, sizeof id, "%d", i);
        xnode *reply = harness_iq(e, xml, id, 5000);
        CHECK(reply && xattr(reply, "type") && strcmp(xattr(reply, "type"), "result") == 0);
        xfree(reply);
    }
    nudge_close(e);
}

/* Opens dir in a child; returns 0 when the child died (a crash). */
static int open_in_child(const char *dir, outcome *out) {
    int fds[2];
    if (pipe(fds) != 0) { perror("pipe"); exit(1); }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        outcome o;
        memset(&o, 0, sizeof o);
        char *json = harness_config(dir, "");
        nudge_engine *e = NULL;
        char *err = NULL;
        o.rc = nudge_open(json, &e, &err);
        if (err) snprintf(o.msg, sizeof o.msg, "%s", err);
        if (o.rc == NUDGE_OK) {
            o.intact = all_intact(e);
            nudge_close(e);
        }
        if (write(fds[1], &o, sizeof o) != sizeof o) _exit(3);
        _exit(0);
    }
    close(fds[1]);
    memset(out, 0, sizeof *out);
    ssize_t n = read(fds[0], out, sizeof *out);
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || n != sizeof *out) {
        fprintf(stderr, "  child %s: %s %d\n", dir, WIFSIGNALED(status) ? "killed by signal" : "exited with",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        return 0;
    }
    return 1;
}

/* A fresh copy of the store with data.mdb replaced by data[0..len). */
static char *damaged_copy(const char *tag, const unsigned char *data, size_t len, const unsigned char *marker,
                          size_t marker_len) {
    char *dir = harness_tempdir(tag);
    char *p = path2(dir, "nudge-store");
    if (marker) spill(p, marker, marker_len);
    free(p);
    if (data) {
        p = path2(dir, "data.mdb");
        spill(p, data, len);
        free(p);
    }
    return dir;
}

/* How the damaged copies fared. */
typedef struct {
    int refused, intact, changed, crashed;
} tally;

/* 64 random bytes over data at `at`, opened in a child: it must survive,
   and a refusal must be NUDGE_ESTORE. */
static void corrupt_and_open(tally *t, const char *what, const unsigned char *data, size_t len, size_t at,
                             const unsigned char *marker, size_t marker_len) {
    unsigned char *copy = malloc(len);
    memcpy(copy, data, len);
    for (int k = 0; k < 64; k++) copy[at + k] = (unsigned char)rand();
    char *d = damaged_copy("random", copy, len, marker, marker_len);
    free(copy);
    outcome o;
    int survived = open_in_child(d, &o);
    CHECK(survived);
    if (!survived) {
        t->crashed++;
        fprintf(stderr, "  %s at byte %zu crashed the host\n", what, at);
    } else if (o.rc != NUDGE_OK) {
        t->refused++;
        CHECK_RC(o.rc, NUDGE_ESTORE);
        CHECK(strstr(o.msg, "data.mdb") != NULL);
        fprintf(stderr, "  %s at byte %zu: %s\n", what, at, o.msg);
    } else if (o.intact) {
        t->intact++;
    } else {
        t->changed++;
        fprintf(stderr, "  %s at byte %zu: opened, a record changed\n", what, at);
    }
    discard(d);
}

/* The damage must be refused with a message naming data.mdb and `words`. */
static void expect_refused(const char *what, const char *dir, const char *words) {
    outcome o;
    int survived = open_in_child(dir, &o);
    CHECK(survived);
    if (!survived) { fprintf(stderr, "  %s crashed the host\n", what); return; }
    fprintf(stderr, "  %s: %s\n", what, o.rc == NUDGE_OK ? "opened" : o.msg);
    CHECK_RC(o.rc, NUDGE_ESTORE);
    CHECK(strstr(o.msg, "data.mdb") != NULL);
    CHECK(strstr(o.msg, words) != NULL);
}

int main(void) {
    char *dir = harness_tempdir("sound");
    populate(dir);
    char *data_path = path2(dir, "data.mdb"), *marker_path = path2(dir, "nudge-store");
    size_t len, marker_len;
    unsigned char *data = slurp(data_path, &len);
    CHECK(access(marker_path, F_OK) == 0);
    unsigned char *marker = access(marker_path, F_OK) == 0 ? slurp(marker_path, &marker_len) : NULL;
    fprintf(stderr, "store of %d enablements: data.mdb is %zu bytes\n", USERS, len);

    /* The sound store opens intact (this is what the damaged ones are compared with). */
    outcome o;
    CHECK(open_in_child(dir, &o));
    CHECK_RC(o.rc, NUDGE_OK);
    CHECK(o.intact);

    /* Truncations: LMDB would map past the end of the file (SIGBUS). */
    size_t cuts[3] = {8192, len / 2, len - 4096};
    const char *names[3] = {"truncated to 8 KiB", "truncated to half", "truncated to size - 4 KiB"};
    for (int i = 0; i < 3; i++) {
        char *d = damaged_copy("cut", data, cuts[i], marker, marker_len);
        expect_refused(names[i], d, "was truncated");
        discard(d);
    }

    /* An emptied or deleted data.mdb with the marker: the loss is named. */
    char *d = damaged_copy("empty", data, 0, marker, marker_len);
    expect_refused("zero-length data.mdb", d, "is empty");
    discard(d);
    d = damaged_copy("missing", NULL, 0, marker, marker_len);
    expect_refused("deleted data.mdb", d, "is missing");
    discard(d);

    /* Seeded random 64-byte corruptions anywhere in the file. Without
       checksums LMDB cannot notice a changed byte inside a key or value,
       so such a store may open with that record changed; what may never
       happen is a crash, or an open that reports success on data it
       cannot read. Then the two meta pages, which a uniform offset rarely
       hits: 64 random bytes within the first 256 of page 0 or 1. */
    srand(20261202);
    tally t = {0};
    for (int i = 0; i < 24; i++) corrupt_and_open(&t, "corruption", data, len, (size_t)rand() % (len - 64), marker, marker_len);
    for (int i = 0; i < 16; i++)
        corrupt_and_open(&t, "meta corruption", data, len, (size_t)(i % 2) * 4096 + (size_t)rand() % 192, marker, marker_len);
    fprintf(stderr, "random corruptions: %d refused, %d intact, %d opened with a record changed, %d crashed\n",
            t.refused, t.intact, t.changed, t.crashed);

    /* A store from before markers opens with its data, gets a marker, and
       says so once. */
    d = damaged_copy("old", data, len, NULL, 0);
    nudge_engine *old = harness_open(d, "");
    tevents ev = {0};
    harness_drain(old, &ev, 0, 200);
    int said = 0;
    for (size_t i = 0; i < ev.count; i++)
        said += ev.items[i].kind == NUDGE_EVENT_LOG && strstr(ev.items[i].data, "had no nudge-store marker") != NULL;
    CHECK(said == 1);
    CHECK(all_intact(old));
    harness_events_free(&ev);
    nudge_close(old);
    char *old_marker = path2(d, "nudge-store");
    CHECK(access(old_marker, F_OK) == 0);
    free(old_marker);
    discard(d);

    /* Backup: a compacted copy with its own marker opens with the same data. */
    nudge_engine *e = harness_open(dir, "");
    char *target = path2(dir, "backup"), request[512];
    int rc;
    snprintf(request, sizeof request, "{\"command\":\"backup\",\"path\":\"%s\"}", target);
    char *reply = admin(e, request, &rc);
    CHECK_RC(rc, NUDGE_OK);
    CHECK(reply && strstr(reply, "\"ok\":true"));
    nudge_free(reply);
    /* A backup never overwrites. */
    reply = admin(e, request, &rc);
    CHECK_RC(rc, NUDGE_EINVAL);
    CHECK(reply && strstr(reply, "is not empty"));
    nudge_free(reply);
    reply = admin(e, "{\"command\":\"backup\"}", &rc);
    CHECK_RC(rc, NUDGE_EINVAL);
    CHECK(reply && strstr(reply, "path: required"));
    nudge_free(reply);
    nudge_close(e);
    CHECK(open_in_child(target, &o));
    CHECK_RC(o.rc, NUDGE_OK);
    CHECK(o.intact);
    char *backup_marker = path2(target, "nudge-store");
    CHECK(access(backup_marker, F_OK) == 0);

    free(backup_marker);
    free(target);
    free(data);
    free(marker);
    free(data_path);
    free(marker_path);
    discard(dir);
    return harness_finish("test_damaged_store");
}
