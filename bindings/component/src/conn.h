/* conn.h: a non-blocking TCP connection to the server, so that connecting
 * never stalls the loop that routes the engine's events. */
#ifndef NC_CONN_H
#define NC_CONN_H

struct addrinfo;

struct conn_target {
    struct addrinfo *addrs;   /* from getaddrinfo, tried in order */
    struct addrinfo *next;    /* the next one to try */
};

/* Resolves host and port (getaddrinfo blocks, but only on reconnects and
   normally for a name in /etc/hosts or a literal). Returns 0, or -1 with
   *why set to a static or gai_strerror text. */
int conn_resolve(struct conn_target *t, const char *host, const char *port, const char **why);
void conn_target_free(struct conn_target *t);

/* Starts connecting to the next address. Returns the socket (connecting;
   wait for POLLOUT then call conn_finished), or -1 when no address is
   left (errno from the last one). */
int conn_start(struct conn_target *t);

/* After POLLOUT: 0 when connected, or -1 with errno. */
int conn_finished(int fd);

/* A printable form of the address the socket is connected to. */
void conn_peer(int fd, char *out, unsigned cap);

#endif
