/* libpq, the PostgreSQL client library (libpq-dev; headers in
   /usr/include/postgresql, found through pkg-config libpq). */
#include <libpq-fe.h>
