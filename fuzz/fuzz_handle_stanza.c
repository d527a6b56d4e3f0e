/* nudge_handle_stanza() on arbitrary bytes, as a host routes stanzas to
   the engine: one engine for the whole run (enable, registration and
   publish state accumulate as on a real server), every reply and log
   event drained and freed after each input. */
#include <stdint.h>
#include <stdlib.h>

#include "support.h"

static nudge_engine *engine;
static char *store;

static void shut(void) {
    nudge_close(engine);
    fuzz_rmtree(store);
    free(store);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    store = fuzz_tempdir("stanza");
    char *json = fuzz_engine_config(store);
    engine = fuzz_open(json);
    free(json);
    fuzz_enable_users(engine);
    /* Closing at exit lets LeakSanitizer see only what a closed engine
       really lost. */
    atexit(shut);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    nudge_handle_stanza(engine, (const char *)data, size);
    fuzz_drain(engine);
    return 0;
}
