/* Built by the Makefile to learn whether expat's header declares, and its
   library defines, XML_SetReparseDeferralEnabled (Expat 2.6 and
   backports). Never installed. */
#include <expat.h>

int main(void) {
    XML_Parser p = XML_ParserCreate(NULL);
    XML_Bool ok = XML_SetReparseDeferralEnabled(p, XML_FALSE);
    XML_ParserFree(p);
    return ok == XML_TRUE ? 0 : 1;
}
