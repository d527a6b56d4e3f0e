#include <sys/eventfd.h>

/* A non-blocking, close-on-exec eventfd: the engine's "events waiting" signal. */
static inline int nudge_platform_eventfd(void) {
    return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

#include <pthread.h>
/* glibc declares this only under _GNU_SOURCE, which Swift's Glibc module
   is not built with; naming the writer thread helps anyone reading top(1)
   or a core dump. */
int pthread_setname_np(pthread_t thread, const char *name);
