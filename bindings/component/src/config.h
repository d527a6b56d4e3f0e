/* config.h: the component's configuration file.
 *
 * One JSON document: the engine's configuration (README "Configuration",
 * passed to nudge_open() as it is) plus one object of the component's own,
 * "component", which is taken out before the engine sees the document
 * (the engine rejects keys it does not know). */
#ifndef NC_CONFIG_H
#define NC_CONFIG_H

#include <stddef.h>
#include <sys/socket.h>

struct component_config {
    char *server_host;          /* component.server_host */
    char server_port[8];        /* component.server_port, as getaddrinfo wants it */
    char *domain;               /* component.domain: the pubsub and register host */
    char *secret_file;          /* component.secret_file, resolved (credentials.h) */
    char *secret;               /* its content, trailing whitespace removed */
    unsigned reconnect_min_ms;  /* component.reconnect_min_s */
    unsigned reconnect_max_ms;  /* component.reconnect_max_s */
    unsigned stop_timeout_ms;   /* component.stop_timeout_s */
    size_t max_backlog_bytes;   /* component.max_backlog_bytes */
    char *backup_dir;           /* component.backup_dir, or NULL: where SIGUSR2 backs up */
    size_t max_stanza_bytes;    /* the engine's limits.max_stanza_bytes */
    int log_priority;           /* from the engine's log.level */
    char *engine_json;          /* the document for nudge_open() */
    char *metrics_address;      /* component.metrics_address, or NULL: no metrics endpoint */
    struct sockaddr_storage metrics_addr;   /* its loopback address and port */
    socklen_t metrics_addr_len;
};

/*
 * Reads and checks the file. Returns 0, or -1 with *err (malloc'd, the
 * caller frees it) naming the key at fault, e.g.
 * "component.secret_file: cannot read /etc/nudge/secret: No such file or directory".
 * Warnings (a secret file others can read) are logged, not errors.
 */
int config_load(const char *path, struct component_config *out, char **err);

void config_free(struct component_config *c);

#endif
