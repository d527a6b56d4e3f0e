/* stream.h: the incoming half of a XEP-0114 component stream.
 *
 * Bytes from the server go in as they arrive (xstream_feed); expat parses
 * them incrementally and the callbacks get the stream header's id, the
 * server's <handshake/>, <stream:error/>, the end of the stream, and each
 * complete top-level stanza as the exact bytes the server sent (no
 * re-serialisation: the engine parses them itself, with its own limits). */
#ifndef NC_STREAM_H
#define NC_STREAM_H

#include <stddef.h>

/* The top-level element's name and routing attributes, for replies the
   component makes itself (a stanza the engine could not read). NULL when
   absent. */
struct stanza_head {
    const char *name;
    const char *type;
    const char *id;
    const char *from;
    const char *to;
};

struct xstream_callbacks {
    void (*opened)(void *ctx, const char *stream_id);  /* stream_id NULL if the header had none */
    void (*handshake)(void *ctx);                      /* <handshake/>: authenticated */
    void (*stream_error)(void *ctx, const char *condition, const char *text);
    void (*stanza)(void *ctx, const char *xml, size_t len, const struct stanza_head *head);
    void (*too_big)(void *ctx, const struct stanza_head *head);  /* skipped, longer than max */
    void (*closed)(void *ctx);                         /* </stream:stream> */
};

struct xstream;

struct xstream *xstream_new(const struct xstream_callbacks *cb, void *ctx, size_t max_stanza_bytes);
void xstream_free(struct xstream *s);

/* Parses more bytes. Returns 0, or -1 when the stream is not XML the
   component accepts (then *why, static or owned by s, says why; the
   connection must be dropped). Callbacks run inside this call. */
int xstream_feed(struct xstream *s, const char *data, size_t len, const char **why);

#endif
