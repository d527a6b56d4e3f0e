/* reparse.c: see reparse.h.
 *
 * The Makefile probes whether expat's header and library have
 * XML_SetReparseDeferralEnabled (NC_HAVE_REPARSE_DEFERRAL). Built against
 * an expat without it, the binary still looks the function up when it
 * starts: a security update of libexpat1 may bring the deferral (on by
 * default) under a binary built before it, and the deferral would then
 * hold stanzas back with nothing to switch it off. */
#define _GNU_SOURCE   /* RTLD_DEFAULT */
#include "reparse.h"

#if !NC_HAVE_REPARSE_DEFERRAL
#include <dlfcn.h>
#endif

int xml_disable_reparse_deferral(XML_Parser p) {
#if NC_HAVE_REPARSE_DEFERRAL
    return XML_SetReparseDeferralEnabled(p, XML_FALSE) == XML_TRUE;
#else
    typedef XML_Bool (*set_deferral_fn)(XML_Parser, XML_Bool);
    static set_deferral_fn set_deferral;
    static int looked_up;
    if (!looked_up) {
        /* A function pointer through void *: POSIX guarantees dlsym's
           result converts. */
        *(void **)&set_deferral = dlsym(RTLD_DEFAULT, "XML_SetReparseDeferralEnabled");
        looked_up = 1;
    }
    return set_deferral && set_deferral(p, XML_FALSE) == XML_TRUE;
#endif
}
