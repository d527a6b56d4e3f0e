/* reparse.h: switching off expat's reparse deferral where the expat in
 * use has it.
 *
 * Expat 2.6 (and distributions' backports of it, such as Debian 12's
 * later security updates of 2.5.0) defers parsing a token that arrived in
 * pieces until "enough" new bytes follow. On a stream that means a stanza
 * whose last TCP segment is small waits for the server's next bytes, which
 * may be minutes away. Older expat (Debian 12's 2.5.0-1+deb12u1) has no
 * deferral, and no function to switch it off. */
#ifndef NC_REPARSE_H
#define NC_REPARSE_H

#include <expat.h>

/* Switches the deferral off on `p` if the expat the process runs has it.
   Returns 1 if it was switched off, 0 if this expat has no deferral. */
int xml_disable_reparse_deferral(XML_Parser p);

#endif
