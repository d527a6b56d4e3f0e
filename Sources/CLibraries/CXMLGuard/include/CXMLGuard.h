/*
 * CXMLGuard: expat parsers whose heap use is capped.
 *
 * expat's own limits stop entity amplification but not a document that is
 * simply expensive to hold (long names, many attributes, deep nesting
 * before our handlers can refuse it). Every allocation of a guarded parser
 * is charged to an account; past the account's limit the allocator
 * returns NULL and expat fails the parse with XML_ERROR_NO_MEMORY.
 */
#ifndef CXMLGUARD_H
#define CXMLGUARD_H

#include <expat.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The bytes a parser may hold at once, and what it holds now. */
typedef struct nudge_xml_account {
    size_t limit;
    size_t used;
} nudge_xml_account;

/*
 * A parser without namespace processing, input encoding UTF-8, whose
 * allocations are charged to `account`, with billion-laughs protection
 * tightened and its hash tables salted without a system call. NULL when
 * even the parser itself does not fit in the account (or malloc fails).
 */
XML_Parser nudge_xml_parser_create(nudge_xml_account *account);

/*
 * XML_Parse, with allocations made during the call charged to `account`.
 * Parsing must go through this wrapper (an allocation made during a bare
 * XML_Parse would simply not be charged); frees are always credited to the
 * account that paid.
 */
enum XML_Status nudge_xml_parse(XML_Parser parser, nudge_xml_account *account,
                                const char *bytes, int length, int is_final);

/* XML_ParserFree, crediting each block to the account that paid for it. */
void nudge_xml_parser_free(XML_Parser parser);

#ifdef __cplusplus
}
#endif

#endif
