/* nudge_handle_stanza() on arbitrary bytes, as a host routes stanzas to
   the engine: one engine for the whole run (enable, registration and
   publish state accumulate as on a real server), every reply and log
   event drained and freed after each input. "@NODE@" and "@SECRET@" in
   an input stand for the node and secret of romeo's device at the
   built-in app server (fuzz_substitute), so publishes can reach it. */
#include <stdint.h>
#include <stdlib.h>

#include "support.h"

static nudge_engine *engine;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    engine = fuzz_engine_start("stanza");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t len = 0;
    char *substituted = fuzz_substitute(data, size, &len);
    if (substituted) nudge_handle_stanza(engine, substituted, len);
    else nudge_handle_stanza(engine, (const char *)data, size);
    free(substituted);
    fuzz_drain(engine);
    return 0;
}
