/*
 * expat.h declares the billion-laughs settings only under XML_DTD, a macro
 * of expat's own build that its installed header does not carry. Builds
 * of libexpat have DTD support by default, and only with it can entities
 * amplify at all, so the declarations are wanted here.
 */
#ifndef XML_DTD
#define XML_DTD 1
#endif
#include "CXMLGuard.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

/*
 * expat's memory suite has no user-data argument, so the allocator learns
 * which account to charge from a thread-local. That is sound because expat
 * allocates only inside the calls the wrappers below make, and each of
 * those runs start to finish on the calling thread: while a wrapper runs,
 * `current_account` on this thread names exactly the parser being driven.
 *
 * Frees and reallocs do not consult the thread-local: every block carries
 * the account it was charged to in a header, so memory is always credited
 * back to the right account even if a parser is freed on another thread.
 */
static _Thread_local nudge_xml_account *current_account;

typedef struct block_header {
    alignas(max_align_t) nudge_xml_account *account;
    size_t size;
} block_header;

static int account_can_take(const nudge_xml_account *account, size_t size) {
    return account == NULL || (account->used <= account->limit &&
                               size <= account->limit - account->used);
}

static void *guarded_malloc(size_t size) {
    nudge_xml_account *account = current_account;
    if (size > SIZE_MAX - sizeof(block_header) || !account_can_take(account, size))
        return NULL;
    block_header *header = malloc(sizeof(block_header) + size);
    if (header == NULL)
        return NULL;
    header->account = account;
    header->size = size;
    if (account != NULL)
        account->used += size;
    return header + 1;
}

static void guarded_free(void *pointer) {
    if (pointer == NULL)
        return;
    block_header *header = (block_header *)pointer - 1;
    if (header->account != NULL)
        header->account->used -= header->size;
    free(header);
}

static void *guarded_realloc(void *pointer, size_t size) {
    if (pointer == NULL)
        return guarded_malloc(size);
    block_header *header = (block_header *)pointer - 1;
    nudge_xml_account *account = header->account;
    size_t old_size = header->size;
    if (size > SIZE_MAX - sizeof(block_header))
        return NULL;
    if (size > old_size && !account_can_take(account, size - old_size))
        return NULL;
    block_header *moved = realloc(header, sizeof(block_header) + size);
    if (moved == NULL)
        return NULL;
    moved->size = size;
    if (account != NULL)
        account->used = account->used - old_size + size;
    return moved + 1;
}

static const XML_Memory_Handling_Suite guarded_suite = {
    guarded_malloc, guarded_realloc, guarded_free,
};

/*
 * expat salts its hash tables (against collision flooding) with a fresh
 * getrandom() call per parse, a system call that costs more than parsing a
 * small stanza. Each thread instead draws a secret seed once and derives a
 * distinct salt per parse from it (SplitMix64); salts never leave the
 * process, so they stay as unpredictable as the seed. Without a seed, expat
 * is left to salt for itself.
 */
static _Thread_local uint64_t salt_state;
static _Thread_local int salt_seeded;

static void salt_hash_tables(XML_Parser parser) {
    if (!salt_seeded) {
        if (getrandom(&salt_state, sizeof salt_state, GRND_NONBLOCK) != (ssize_t)sizeof salt_state)
            return;
        salt_seeded = 1;
    }
    uint64_t z = (salt_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    z ^= z >> 31;
    /* Zero would mean "not set" to expat. */
    XML_SetHashSalt(parser, (unsigned long)(z | 1));
}

/*
 * A stanza has no business expanding entities at all, and the engine
 * refuses any DTD before an entity could be declared; these limits are
 * defence in depth, far below expat's defaults (100x past 8 MiB).
 */
static void protect_against_amplification(XML_Parser parser) {
    XML_SetBillionLaughsAttackProtectionMaximumAmplification(parser, 10.0f);
    XML_SetBillionLaughsAttackProtectionActivationThreshold(parser, 65536);
}

XML_Parser nudge_xml_parser_create(nudge_xml_account *account) {
    nudge_xml_account *outer = current_account;
    current_account = account;
    XML_Parser parser = XML_ParserCreate_MM("UTF-8", &guarded_suite, NULL);
    current_account = outer;
    if (parser != NULL) {
        protect_against_amplification(parser);
        salt_hash_tables(parser);
    }
    return parser;
}

enum XML_Status nudge_xml_parse(XML_Parser parser, nudge_xml_account *account,
                                const char *bytes, int length, int is_final) {
    nudge_xml_account *outer = current_account;
    current_account = account;
    enum XML_Status status = XML_Parse(parser, bytes, length, is_final);
    current_account = outer;
    return status;
}

void nudge_xml_parser_free(XML_Parser parser) {
    XML_ParserFree(parser);
}
