/* config.c: see config.h. Every error names the key, as the engine's own
 * configuration errors do, so an operator can fix the file without reading
 * code. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "credentials.h"
#include "log.h"

#define DEFAULT_PORT 5347              /* Prosody's and ejabberd's usual component port */
#define DEFAULT_MAX_STANZA 262144      /* the engine's limits.max_stanza_bytes default */
#define MAX_SECRET_BYTES 4096

static int fail(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(char **err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(err, fmt, ap) < 0) *err = NULL;
    va_end(ap);
    return -1;
}

static const char *type_name(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: case JSON_REAL: return "a number";
    case JSON_TRUE: case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* A required or optional non-empty string. */
static int get_string(json_t *obj, const char *key, int required, char **out, char **err) {
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required) return fail(err, "component.%s: required", key);
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) == 0)
        return fail(err, "component.%s: expected a non-empty string, got %s", key, type_name(v));
    *out = strdup(json_string_value(v));
    return 0;
}

/* An optional number within [min, max], scaled (seconds to ms). */
static int get_number(json_t *obj, const char *key, double min, double max, double scale, double *out, char **err) {
    json_t *v = json_object_get(obj, key);
    if (!v) return 0;
    if (!json_is_number(v)) return fail(err, "component.%s: expected a number, got %s", key, type_name(v));
    double d = json_number_value(v);
    if (!(d >= min && d <= max)) return fail(err, "component.%s: expected a number from %g to %g, got %g", key, min, max, d);
    *out = d * scale;
    return 0;
}

/* Reads the shared secret. The secret itself never appears in a message. */
static int read_secret(struct component_config *c, char **err) {
    int fd = open(c->secret_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(err, "component.secret_file: cannot read %s: %s", c->secret_file, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return fail(err, "component.secret_file: cannot read %s: not a regular file", c->secret_file);
    }
    if (st.st_mode & (S_IRGRP | S_IROTH))
        log_msg(NC_LOG_WARNING, "component.secret_file: %s is readable by %s (mode %04o); make it readable by this user only (chmod 600)",
                c->secret_file, (st.st_mode & S_IROTH) ? "everyone" : "its group", (unsigned)(st.st_mode & 07777));
    char buf[MAX_SECRET_BYTES + 1];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof buf - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            return fail(err, "component.secret_file: cannot read %s: %s", c->secret_file, strerror(e));
        }
        if (n == 0) break;
        len += (size_t)n;
        if (len == sizeof buf) {
            close(fd);
            return fail(err, "component.secret_file: %s is longer than %d bytes; it should hold the secret only", c->secret_file, MAX_SECRET_BYTES);
        }
    }
    close(fd);
    /* Editors add a final newline; the server's configuration has none. */
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' ' || buf[len - 1] == '\t')) len--;
    if (len == 0) return fail(err, "component.secret_file: %s is empty", c->secret_file);
    if (memchr(buf, '\0', len) || memchr(buf, '\n', len))
        return fail(err, "component.secret_file: %s must hold one line, the secret", c->secret_file);
    c->secret = strndup(buf, len);
    explicit_bzero(buf, sizeof buf);
    return 0;
}

/* appserver.pubsub_host and register_host must be the component's domain:
   the server routes only that domain to the component. Absent ones are
   filled in, so the usual file names the domain once. */
static int bind_host(json_t *root, const char *key, const char *domain, char **err) {
    json_t *app = json_object_get(root, "appserver");
    if (!app) {
        app = json_object();
        json_object_set_new(root, "appserver", app);
    }
    if (!json_is_object(app)) return fail(err, "appserver: expected an object, got %s", type_name(app));
    json_t *v = json_object_get(app, key);
    if (!v) return json_object_set_new(app, key, json_string(domain)) == 0 ? 0 : fail(err, "appserver.%s: out of memory", key);
    if (!json_is_string(v) || strcmp(json_string_value(v), domain) != 0)
        return fail(err, "appserver.%s: must be component.domain (\"%s\") or absent: the server routes only that domain to the component",
                    key, domain);
    return 0;
}

static int read_engine_keys(json_t *root, struct component_config *c, char **err) {
    c->max_stanza_bytes = DEFAULT_MAX_STANZA;
    json_t *limits = json_object_get(root, "limits");
    json_t *m = json_is_object(limits) ? json_object_get(limits, "max_stanza_bytes") : NULL;
    if (json_is_integer(m) && json_integer_value(m) > 0) c->max_stanza_bytes = (size_t)json_integer_value(m);
    /* Anything else there is the engine's to report, by its key. */
    c->log_priority = NC_LOG_INFO;
    json_t *logobj = json_object_get(root, "log");
    json_t *level = json_is_object(logobj) ? json_object_get(logobj, "level") : NULL;
    if (json_is_string(level)) {
        int p = log_priority_of_name(json_string_value(level));
        if (p < 0) return fail(err, "log.level: expected debug, info, warn or error, got \"%s\"", json_string_value(level));
        c->log_priority = p;
    }
    return 0;
}

static const char *const known_keys[] = {"server_host", "server_port", "domain", "secret_file", "reconnect_min_s",
                                          "reconnect_max_s", "stop_timeout_s", "max_backlog_bytes", "backup_dir", "metrics_address", NULL};

/* "127.0.0.1:9464" or "[::1]:9464": a numeric loopback address (no name to
   resolve at start) and a port. Only loopback: the endpoint has no
   authentication, and a proxy in front is where access is decided. */
static int read_metrics_address(json_t *comp, struct component_config *c, char **err) {
    if (!json_object_get(comp, "metrics_address")) return 0;
    if (get_string(comp, "metrics_address", 0, &c->metrics_address, err)) return -1;
    const char *text = c->metrics_address, *colon = strrchr(text, ':');
    char host[INET6_ADDRSTRLEN + 2] = "";
    size_t hlen = colon ? (size_t)(colon - text) : 0;
    int v6 = hlen >= 2 && text[0] == '[' && text[hlen - 1] == ']';
    if (v6) text++, hlen -= 2;
    if (!colon || hlen == 0 || hlen >= sizeof host)
        return fail(err, "component.metrics_address: expected \"ADDRESS:PORT\" (e.g. \"127.0.0.1:9464\" or \"[::1]:9464\"), got \"%s\"",
                    c->metrics_address);
    memcpy(host, text, hlen);
    char *end = NULL;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (!colon[1] || *end || errno || port < 1 || port > 65535 || colon[1] == '-' || colon[1] == '+')
        return fail(err, "component.metrics_address: expected a port from 1 to 65535 after the address, got \"%s\"", colon + 1);
    memset(&c->metrics_addr, 0, sizeof c->metrics_addr);
    struct sockaddr_in *in4 = (struct sockaddr_in *)&c->metrics_addr;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&c->metrics_addr;
    if (!v6 && inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        c->metrics_addr_len = sizeof *in4;
        if ((ntohl(in4->sin_addr.s_addr) >> 24) != 127) goto not_loopback;
    } else if (v6 && inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        c->metrics_addr_len = sizeof *in6;
        if (!IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) goto not_loopback;
    } else {
        return fail(err, "component.metrics_address: \"%s\" is not a numeric IP address (IPv6 in brackets)", host);
    }
    return 0;
not_loopback:
    return fail(err, "component.metrics_address: %s is not a loopback address (127.0.0.0/8 or ::1): the endpoint has no "
                     "authentication; put a proxy in front of a loopback address to publish it", host);
}

static int read_component(json_t *comp, struct component_config *c, char **err) {
    const char *key;
    json_t *value;
    json_object_foreach(comp, key, value) {
        int known = 0;
        for (const char *const *k = known_keys; *k; k++) known |= strcmp(*k, key) == 0;
        if (!known) return fail(err, "component.%s: unknown key", key);
    }
    if (get_string(comp, "server_host", 1, &c->server_host, err) || get_string(comp, "domain", 1, &c->domain, err) ||
        get_string(comp, "secret_file", 1, &c->secret_file, err) || get_string(comp, "backup_dir", 0, &c->backup_dir, err))
        return -1;
    double port = DEFAULT_PORT, rmin = 1000, rmax = 60000, stop = 10000, backlog = 16 << 20;
    if (get_number(comp, "server_port", 1, 65535, 1, &port, err) ||
        get_number(comp, "reconnect_min_s", 0.05, 3600, 1000, &rmin, err) ||
        get_number(comp, "reconnect_max_s", 0.05, 86400, 1000, &rmax, err) ||
        get_number(comp, "stop_timeout_s", 0, 3600, 1000, &stop, err) ||
        get_number(comp, "max_backlog_bytes", 65536, 1 << 30, 1, &backlog, err))
        return -1;
    if (read_metrics_address(comp, c, err)) return -1;
    if (port != floor(port)) return fail(err, "component.server_port: expected an integer, got %g", port);
    if (rmax < rmin) return fail(err, "component.reconnect_max_s: must be at least component.reconnect_min_s (%g)", rmin / 1000);
    if (strlen(c->domain) > 1023) return fail(err, "component.domain: longer than 1023 bytes (RFC 7622)");
    if (strchr(c->domain, '@') || strchr(c->domain, '/') || strchr(c->domain, '\'') || strchr(c->domain, '<') ||
        strchr(c->domain, '&'))
        return fail(err, "component.domain: expected a domain (no '@', '/', quote, '<' or '&'), got \"%s\"", c->domain);
    snprintf(c->server_port, sizeof c->server_port, "%u", (unsigned)port);
    c->reconnect_min_ms = (unsigned)rmin;
    c->reconnect_max_ms = (unsigned)rmax;
    c->stop_timeout_ms = (unsigned)stop;
    c->max_backlog_bytes = (size_t)backlog;
    return 0;
}

int config_load(const char *path, struct component_config *c, char **err) {
    memset(c, 0, sizeof *c);
    *err = NULL;
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (jerr.line <= 0) return fail(err, "%s: %s", path, jerr.text);
        return fail(err, "%s: line %d, column %d: %s", path, jerr.line, jerr.column, jerr.text);
    }
    int rc = -1;
    if (!json_is_object(root)) {
        fail(err, "%s: expected a JSON object", path);
        goto out;
    }
    json_t *comp = json_object_get(root, "component");
    if (!comp) {
        fail(err, "component: required: an object with server_host, server_port, domain and secret_file");
        goto out;
    }
    if (!json_is_object(comp)) {
        fail(err, "component: expected an object, got %s", type_name(comp));
        goto out;
    }
    if (read_component(comp, c, err) || read_engine_keys(root, c, err) || bind_host(root, "pubsub_host", c->domain, err) ||
        bind_host(root, "register_host", c->domain, err))
        goto out;
    char *dir = credentials_dir(path, err);
    if (!dir) goto out;
    char *secret_file = credentials_path(dir, c->secret_file);
    json_object_del(root, "component");
    int resolved = secret_file && credentials_resolve_files(root, dir) == 0;
    free(dir);
    if (!resolved) {
        free(secret_file);
        fail(err, "%s: out of memory", path);
        goto out;
    }
    free(c->secret_file);
    c->secret_file = secret_file;
    if (read_secret(c, err)) goto out;
    c->engine_json = json_dumps(root, JSON_COMPACT);
    if (!c->engine_json) {
        fail(err, "%s: out of memory", path);
        goto out;
    }
    rc = 0;
out:
    json_decref(root);
    if (rc != 0) config_free(c);
    return rc;
}

void config_free(struct component_config *c) {
    free(c->server_host);
    free(c->domain);
    free(c->secret_file);
    free(c->backup_dir);
    if (c->secret) explicit_bzero(c->secret, strlen(c->secret));
    free(c->secret);
    free(c->engine_json);
    free(c->metrics_address);
    memset(c, 0, sizeof *c);
}
