/* credentials.c: see credentials.h. */
#define _GNU_SOURCE
#include "credentials.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *credentials_dir(const char *config_path, char **err) {
    const char *systemd = getenv("CREDENTIALS_DIRECTORY");
    if (systemd && *systemd) return strdup(systemd);
    char resolved[PATH_MAX];
    if (!realpath(config_path, resolved)) {
        if (asprintf(err, "%s: cannot resolve its directory: %s", config_path, strerror(errno)) < 0) *err = NULL;
        return NULL;
    }
    char *slash = strrchr(resolved, '/');
    if (slash == resolved) slash[1] = '\0';    /* a file in / */
    else *slash = '\0';
    return strdup(resolved);
}

char *credentials_path(const char *dir, const char *name) {
    if (name[0] == '/') return strdup(name);
    char *path;
    const char *sep = dir[strlen(dir) - 1] == '/' ? "" : "/";
    if (asprintf(&path, "%s%s%s", dir, sep, name) < 0) return NULL;
    return path;
}

static int ends_with_file(const char *key) {
    size_t n = strlen(key);
    return n >= 5 && strcmp(key + n - 5, "_file") == 0;
}

int credentials_resolve_files(json_t *document, const char *dir) {
    if (json_is_array(document)) {
        size_t i;
        json_t *item;
        json_array_foreach(document, i, item)
            if (credentials_resolve_files(item, dir)) return -1;
        return 0;
    }
    if (!json_is_object(document)) return 0;
    const char *key;
    json_t *value;
    json_object_foreach(document, key, value) {
        if (json_is_string(value) && ends_with_file(key)) {
            const char *name = json_string_value(value);
            /* An empty or absolute name is left to the engine's own checks. */
            if (!name[0] || name[0] == '/') continue;
            char *path = credentials_path(dir, name);
            if (!path || json_string_set(value, path)) {
                free(path);
                return -1;
            }
            free(path);
        } else if (credentials_resolve_files(value, dir)) {
            return -1;
        }
    }
    return 0;
}
