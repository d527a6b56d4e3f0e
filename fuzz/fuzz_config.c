/* nudge_open() on the input as its configuration JSON, each open on a
   fresh store in a private temporary directory, closed at once.

   The store must not be the input's to choose: a mutated "path" would
   create LMDB stores anywhere on the machine, or open a store another
   process is using. So the harness adds "store" as the first member of
   the input's top-level object; the parser rejects duplicate keys
   (however they are escaped), so an input cannot name its own. Inputs
   that are not an object go in as they are when they contain no '{' at
   all (no object anywhere, so nothing can open), and are skipped
   otherwise. The rest of the document (server, appserver, backends,
   limits, log) is the fuzzer's. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static char *base;

static void shut(void) {
    fuzz_rmtree(base);
    free(base);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc; (void)argv;
    base = fuzz_tempdir("config");
    atexit(shut);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static unsigned long n;
    size_t i = 0;
    while (i < size && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r')) i++;
    int object = i < size && data[i] == '{';
    if (!object && memchr(data, '{', size)) return -1;

    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%lu", base, n++);
    char *json = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&json, &len);
    if (object)
        fprintf(f, "{\"store\": {\"path\": \"%s\", \"sync\": false, \"map_size_mb\": 1},", dir);
    fwrite(data + (object ? i + 1 : 0), 1, size - (object ? i + 1 : 0), f);
    fclose(f);

    nudge_engine *e = NULL;
    char *err = NULL;
    if (nudge_open(json, &e, &err) == NUDGE_OK) {
        fuzz_drain(e);
        nudge_close(e);
    }
    nudge_free(err);
    free(json);
    fuzz_rmtree(dir);
    return 0;
}
