/* What the three fuzz targets share: a private temporary directory for
   stores, an engine opened on a fixed configuration, and draining events
   the way a host does (take each one, free it). */
#ifndef NUDGE_FUZZ_SUPPORT_H
#define NUDGE_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include "nudge.h"

/* A fresh directory under $TMPDIR (or /tmp); the caller frees the string.
   Aborts if none can be made: a fuzzer that cannot run must not pass. */
char *fuzz_tempdir(const char *tag);

/* Removes dir and everything below it. */
void fuzz_rmtree(const char *dir);

/* A loopback TCP port nothing listens on: bound, then closed, so a
   delivery to it fails at once with "connection refused". */
int fuzz_closed_port(void);

/* The realistic configuration of the stanza targets: server side on
   example.net, the built-in app server on push.example.net with one
   Ubuntu Push backend whose endpoint is fuzz_closed_port(), the store in
   dir. Caller frees. */
char *fuzz_engine_config(const char *dir);

/* nudge_open() on json; aborts with the error if it fails. */
nudge_engine *fuzz_open(const char *json);

/* Takes and frees every waiting event, answering publishes to the remote
   app server with a result. Returns how many events there were. */
size_t fuzz_drain(nudge_engine *e);

/* Sends one stanza (NUL-terminated), then waits up to timeout_ms until an
   event containing `needle` comes out and returns a copy of its data
   (caller frees); the other events are freed. NULL if none came. Used
   only to set up state before fuzzing starts. */
char *fuzz_exchange(nudge_engine *e, const char *xml, const char *needle, int timeout_ms);

/* The users the stanza targets find: juliet@example.net enabled push
   with a remote app server (publishes come out as stanza events), and
   romeo@example.net registered a device at the built-in app server and
   enabled push with it (publishes go to the closed Ubuntu Push port).
   Both have a pending session: juliet@example.net/phone and
   romeo@example.net/pc. Aborts if any step is refused. */
void fuzz_enable_users(nudge_engine *e);

/* The input with "@NODE@" and "@SECRET@" replaced by romeo's node and
   secret at the built-in app server, so that seeds can publish to a real
   registration (whose node and secret are random): a new buffer the
   caller frees, its length in *out_len; NULL if neither token is there. */
char *fuzz_substitute(const uint8_t *data, size_t size, size_t *out_len);

/* The engine of a stanza target: a store in a fresh directory named after
   tag, fuzz_engine_config(), fuzz_enable_users(). Closed, and its store
   removed, at exit, so that LeakSanitizer sees only what a closed engine
   really lost. */
nudge_engine *fuzz_engine_start(const char *tag);

#endif
