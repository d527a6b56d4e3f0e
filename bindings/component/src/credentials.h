/* credentials.h: where the configuration's file names are found.
 *
 * Under systemd the unit hands the secret and the vendor keys over with
 * LoadCredential=, as private copies in $CREDENTIALS_DIRECTORY, so that
 * they stay root's mode-0600 files in /etc/nudge and the service's dynamic
 * user can still read them. Started by hand there is no such directory,
 * and the same files are beside the configuration. So a relative file name
 * ("component.secret", "AuthKey_ABC123DEFG.p8") means the credential of
 * that name: in $CREDENTIALS_DIRECTORY when it is set, else in the
 * configuration file's directory. One configuration serves both ways of
 * starting the component. An absolute path is taken as it is. */
#ifndef NC_CREDENTIALS_H
#define NC_CREDENTIALS_H

#include <jansson.h>

/* The directory relative file names are looked up in, for the
 * configuration file `config_path`: $CREDENTIALS_DIRECTORY if set and not
 * empty, else the file's directory (made absolute). Returns a malloc'd
 * string, or NULL with *err (malloc'd) when the directory cannot be told. */
char *credentials_dir(const char *config_path, char **err);

/* `name` resolved against `dir`: a malloc'd copy of an absolute `name`,
 * else "dir/name". NULL only when out of memory. */
char *credentials_path(const char *dir, const char *name);

/* Resolves, in place, every string value of `document` (nested objects and
 * arrays included) whose key ends in "_file" (the engine's key_file,
 * service_account_file, ca_file, …), so that the engine, which knows
 * nothing of credentials, gets absolute paths. Returns 0, or -1 when out
 * of memory. */
int credentials_resolve_files(json_t *document, const char *dir);

#endif
