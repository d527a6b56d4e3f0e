/* stream.c: see stream.h.
 *
 * expat runs without namespace processing: the component needs element
 * names and byte positions, not namespaces, and the stanza's bytes go to
 * the engine unchanged. A top-level stanza's bytes are found by position:
 * every chunk fed is appended to `buf`, whose first byte is at stream
 * offset `base`; expat reports the offsets of each start and end tag
 * (XML_GetCurrentByteIndex), so a stanza is buf[start - base, end - base).
 * Bytes before the first one that may still be needed (`keep`) are dropped
 * after each chunk, so the buffer holds at most one stanza plus a chunk.
 */
#include "stream.h"

#include <expat.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ATTR_MAX 3072      /* one routing attribute: a JID is at most 3071 bytes (RFC 7622) */
#define ERRTEXT_MAX 512

struct xstream {
    XML_Parser p;
    const struct xstream_callbacks *cb;
    void *ctx;
    size_t max;
    int depth;
    const char *why;       /* set by a handler that stops the parser */

    char *buf;
    size_t len, cap;
    int64_t base;          /* stream offset of buf[0] */
    int64_t keep;          /* first stream offset still needed */

    /* The top-level element being read. */
    int64_t start, start_end;
    int skipping;          /* longer than max: its bytes are not kept */
    int is_error;          /* <stream:error> */
    char name[64], type[16], id[ATTR_MAX], from[ATTR_MAX], to[ATTR_MAX];
    int has_type, has_id, has_from, has_to;
    char condition[64];
    char text[ERRTEXT_MAX];
    size_t text_len;
    int in_text;
};

static void stop(struct xstream *s, const char *why) {
    if (!s->why) s->why = why;
    XML_StopParser(s->p, XML_FALSE);
}

static const char *local_name(const char *qname) {
    const char *colon = strrchr(qname, ':');
    return colon ? colon + 1 : qname;
}

/* A value too long to be a JID or an id is treated as absent: a reply
   must never go to a truncated address. */
static void copy_attr(char *dst, size_t cap, int *has, const char *value) {
    size_t n = strlen(value);
    *has = n < cap;
    if (!*has) return;
    memcpy(dst, value, n + 1);
}

static struct stanza_head head_of(const struct xstream *s) {
    return (struct stanza_head){.name = s->name,
                                .type = s->has_type ? s->type : NULL,
                                .id = s->has_id ? s->id : NULL,
                                .from = s->has_from ? s->from : NULL,
                                .to = s->has_to ? s->to : NULL};
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs) {
    struct xstream *s = ud;
    int64_t at = XML_GetCurrentByteIndex(s->p);
    int64_t count = XML_GetCurrentByteCount(s->p);
    if (s->depth == 0) {
        if (strcmp(local_name(name), "stream") != 0) return stop(s, "the server's stream does not start with <stream:stream>");
        const char *id = NULL;
        for (const XML_Char **a = attrs; *a; a += 2)
            if (strcmp(a[0], "id") == 0) id = a[1];
        s->keep = at + count;
        s->depth = 1;
        s->cb->opened(s->ctx, id);
        return;
    }
    if (s->depth == 1) {
        s->start = at;
        s->start_end = at + count;
        s->keep = at;
        s->skipping = 0;
        s->has_type = s->has_id = s->has_from = s->has_to = 0;
        s->condition[0] = '\0';
        s->text_len = 0;
        size_t n = strlen(name);
        if (n >= sizeof s->name) n = sizeof s->name - 1;
        memcpy(s->name, name, n);
        s->name[n] = '\0';
        s->is_error = strcmp(local_name(name), "error") == 0 && strchr(name, ':') != NULL;
        for (const XML_Char **a = attrs; *a; a += 2) {
            if (strcmp(a[0], "type") == 0) copy_attr(s->type, sizeof s->type, &s->has_type, a[1]);
            else if (strcmp(a[0], "id") == 0) copy_attr(s->id, sizeof s->id, &s->has_id, a[1]);
            else if (strcmp(a[0], "from") == 0) copy_attr(s->from, sizeof s->from, &s->has_from, a[1]);
            else if (strcmp(a[0], "to") == 0) copy_attr(s->to, sizeof s->to, &s->has_to, a[1]);
        }
    } else if (s->depth == 2 && s->is_error) {
        if (strcmp(name, "text") == 0) s->in_text = 1;
        else if (!s->condition[0]) {
            size_t n = strlen(name);
            if (n >= sizeof s->condition) n = sizeof s->condition - 1;
            memcpy(s->condition, name, n);
            s->condition[n] = '\0';
        }
    }
    s->depth++;
}

static void XMLCALL on_end(void *ud, const XML_Char *name) {
    struct xstream *s = ud;
    s->depth--;
    if (s->depth == 2 && s->is_error) s->in_text = 0;
    if (s->depth == 0) {
        s->cb->closed(s->ctx);
        return;
    }
    if (s->depth != 1) return;
    int64_t count = XML_GetCurrentByteCount(s->p);
    /* An empty-element tag (<handshake/>) has no end tag of its own:
       expat reports a zero count, and the start tag is the whole element. */
    int64_t end = count > 0 ? XML_GetCurrentByteIndex(s->p) + count : s->start_end;
    s->keep = end;
    struct stanza_head head = head_of(s);
    if (s->is_error) {
        s->text[s->text_len] = '\0';
        s->cb->stream_error(s->ctx, s->condition[0] ? s->condition : "undefined-condition", s->text);
    } else if (strcmp(name, "handshake") == 0) {
        s->cb->handshake(s->ctx);
    } else if (s->skipping || end - s->start > (int64_t)s->max) {
        s->cb->too_big(s->ctx, &head);
    } else {
        s->cb->stanza(s->ctx, s->buf + (s->start - s->base), (size_t)(end - s->start), &head);
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *text, int len) {
    struct xstream *s = ud;
    if (s->depth == 1) {
        /* Whitespace between stanzas (keepalives) is not kept. */
        s->keep = XML_GetCurrentByteIndex(s->p) + XML_GetCurrentByteCount(s->p);
    } else if (s->in_text) {
        size_t n = (size_t)len;
        if (n > sizeof s->text - 1 - s->text_len) n = sizeof s->text - 1 - s->text_len;
        memcpy(s->text + s->text_len, text, n);
        s->text_len += n;
    }
}

/* XMPP forbids these (RFC 6120 §11.1); a DTD could also declare entities. */
static void XMLCALL on_doctype(void *ud, const XML_Char *n, const XML_Char *sys, const XML_Char *pub, int internal) {
    (void)n, (void)sys, (void)pub, (void)internal;
    stop(ud, "the server sent a DOCTYPE, which XMPP forbids");
}

static void XMLCALL on_comment(void *ud, const XML_Char *data) {
    (void)data;
    stop(ud, "the server sent an XML comment, which XMPP forbids");
}

static void XMLCALL on_pi(void *ud, const XML_Char *target, const XML_Char *data) {
    (void)target, (void)data;
    stop(ud, "the server sent a processing instruction, which XMPP forbids");
}

struct xstream *xstream_new(const struct xstream_callbacks *cb, void *ctx, size_t max_stanza_bytes) {
    struct xstream *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->p = XML_ParserCreate("UTF-8");
    if (!s->p) {
        free(s);
        return NULL;
    }
    s->cb = cb;
    s->ctx = ctx;
    s->max = max_stanza_bytes;
    XML_SetUserData(s->p, s);
    XML_SetElementHandler(s->p, on_start, on_end);
    XML_SetCharacterDataHandler(s->p, on_text);
    XML_SetStartDoctypeDeclHandler(s->p, on_doctype);
    XML_SetCommentHandler(s->p, on_comment);
    XML_SetProcessingInstructionHandler(s->p, on_pi);
    /* Expat 2.6 (and Debian 12's 2.5.0+deb12u1, which backports it)
       defers parsing a token that arrived in pieces until "enough" new
       bytes follow. On a stream that means a stanza whose last TCP
       segment is small waits for the server's next bytes, which may be
       minutes away. The deferral guards against quadratic reparsing of
       huge tokens; here a token is bounded by max_stanza_bytes and comes
       from the server the component trusts with its secret. */
    XML_SetReparseDeferralEnabled(s->p, XML_FALSE);
    return s;
}

void xstream_free(struct xstream *s) {
    if (!s) return;
    XML_ParserFree(s->p);
    free(s->buf);
    free(s);
}

/* Drops what no stanza needs any more. A stanza over the limit stops
   being kept: its end is still parsed, and reported as too big. */
static int trim(struct xstream *s) {
    int64_t end = s->base + (int64_t)s->len;
    if (s->depth == 0 && s->len > s->max) return -1;   /* a stream header that never ends */
    int64_t from = s->keep;
    if (s->depth >= 2 && end - s->start > (int64_t)s->max) {
        s->skipping = 1;
        from = end;
    }
    if (from > end) from = end;
    if (from <= s->base) return 0;
    size_t drop = (size_t)(from - s->base);
    memmove(s->buf, s->buf + drop, s->len - drop);
    s->len -= drop;
    s->base = from;
    return 0;
}

int xstream_feed(struct xstream *s, const char *data, size_t len, const char **why) {
    if (s->len + len > s->cap) {
        size_t cap = s->cap ? s->cap : 65536;
        while (cap < s->len + len) cap *= 2;
        char *b = realloc(s->buf, cap);
        if (!b) {
            *why = "out of memory";
            return -1;
        }
        s->buf = b;
        s->cap = cap;
    }
    if (s->skipping) {
        /* Nothing of this stanza is kept: the chunk is parsed only. */
        s->base += (int64_t)s->len;
        s->len = 0;
    }
    memcpy(s->buf + s->len, data, len);
    s->len += len;
    if (XML_Parse(s->p, data, (int)len, XML_FALSE) == XML_STATUS_ERROR) {
        *why = s->why ? s->why : XML_ErrorString(XML_GetErrorCode(s->p));
        return -1;
    }
    if (trim(s) != 0) {
        *why = "the server's stream header is longer than limits.max_stanza_bytes";
        return -1;
    }
    return 0;
}
