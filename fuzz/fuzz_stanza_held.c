/* nudge_stanza_held() as a host calls it for a user whose session cannot
   take a stanza. The input is three parts separated by newlines:

     <F><user JID>      F: 'q' NUDGE_HELD_QUEUED, 'o' NUDGE_HELD_OFFLINE,
                        'a' NUDGE_HELD_ARCHIVED; any other byte is passed
                        as the where value itself (the invalid ones)
     <room/nick>        if not empty, nudge_set_room_nick(user, room, nick)
                        first, so that group-chat mentions are recognised
     <stanza>           the rest, passed as it is (may hold newlines)

   juliet@example.net/phone and romeo@example.net/pc are enabled and
   pending (fuzz_enable_users), so the classifier, the summary and the
   publish paths run, not only the "no push for this user" shortcut. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static nudge_engine *engine;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    engine = fuzz_engine_start("held");
    return 0;
}

/* The next newline-terminated part of [*p, end) as a NUL-terminated copy,
   or NULL when there is no newline left. */
static char *part(const uint8_t **p, const uint8_t *end) {
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (!nl) return NULL;
    char *s = strndup((const char *)*p, (size_t)(nl - *p));
    *p = nl + 1;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *p = data, *end = data + size;
    char *user = part(&p, end);
    char *room = user ? part(&p, end) : NULL;
    if (!room || !*user) {
        free(user);
        free(room);
        return -1;   /* not in the input format: keep it out of the corpus */
    }
    /* Any other byte reaches the engine as it is: values outside the enum must be refused. */
    nudge_held_where where = user[0] == 'q' ? NUDGE_HELD_QUEUED : user[0] == 'o' ? NUDGE_HELD_OFFLINE
                           : user[0] == 'a' ? NUDGE_HELD_ARCHIVED : (nudge_held_where)(unsigned char)user[0];
    const char *jid = user + 1;
    if (*room) {
        char *slash = strchr(room, '/');
        if (slash) *slash = 0;
        nudge_set_room_nick(engine, jid, room, slash ? slash + 1 : NULL);
    }
    nudge_stanza_held(engine, jid, (const char *)p, (size_t)(end - p), where);
    fuzz_drain(engine);
    free(user);
    free(room);
    return 0;
}
