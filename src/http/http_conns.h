/* The table of open HTTP connections and who may keep one: a connection that has not presented
 * valid credentials must send each request header within a deadline, one client address may hold
 * only so many of those once they had time to send one, and at the connection bound waiting and
 * idle connections make room for new ones. This module decides whom to close and shuts their sockets; it never frees them (the
 * connection's own thread closes the socket once it sees the shutdown). */
#ifndef LAKEHOUSE_HTTP_HTTP_CONNS_H
#define LAKEHOUSE_HTTP_HTTP_CONNS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

enum http_conn_state {
	HTTP_CONN_WAITING, /* accepted, no request header yet */
	HTTP_CONN_ACTIVE,  /* a request is being served */
	HTTP_CONN_IDLE,    /* between requests (keep-alive) */
};

struct http_conn {
	int fd;
	unsigned char addr[16]; /* client address: IPv4 as IPv4-mapped IPv6, IPv6 as its /64 */
	enum http_conn_state state;
	bool authenticated; /* a request on it carried valid credentials */
	bool served;        /* a request header arrived on it */
	bool closing;       /* shut down by us; its thread will close it */
	int64_t since_us;   /* when it entered its state (monotonic) */
	struct http_conn *prev, *next;
};

/* Why connections were closed by the table, for /metrics. */
struct http_conns_counters {
	uint64_t header_timeouts; /* no complete request header within the deadline */
	uint64_t per_ip_evictions; /* one address held too many unauthenticated connections */
	uint64_t bound_evictions;  /* made room at the connection bound */
	uint64_t refused;          /* new connections turned away: every other one was busy */
};

struct http_conns {
	pthread_mutex_t mu;
	struct http_conn *head, *tail; /* oldest first */
	size_t open;                   /* connections not closing */
	size_t max_open;
	size_t max_unauthenticated_per_ip;
	int64_t header_timeout_us;
	struct http_conns_counters counters;
};

void http_conns_init(struct http_conns *t, size_t max_open, size_t max_unauthenticated_per_ip,
                     int header_timeout_seconds);
/* Every connection must have been removed. */
void http_conns_destroy(struct http_conns *t);

/* A new connection has this long to send its first request header before it counts against its
 * address's bound: a client opening many connections at once (a pool, an office behind one address)
 * is not mistaken for one holding them without credentials. */
#define HTTP_CONN_GRACE_US 1000000

/* Fills c for a new connection and admits it, closing others to make room when a bound is reached;
 * c itself is shut down (and counted as refused) when nobody else can give way. now_us is monotonic. */
void http_conns_add(struct http_conns *t, struct http_conn *c, int fd, const struct sockaddr *addr, int64_t now_us);
void http_conns_remove(struct http_conns *t, struct http_conn *c);
void http_conns_set_state(struct http_conns *t, struct http_conn *c, enum http_conn_state state, int64_t now_us);
void http_conns_set_authenticated(struct http_conns *t, struct http_conn *c);
/* Shuts down unauthenticated connections whose request header is overdue, and the oldest of an
 * address's unauthenticated connections beyond its bound (those past their grace). */
void http_conns_sweep(struct http_conns *t, int64_t now_us);

struct http_conns_stats {
	size_t open, waiting, active, idle;
	struct http_conns_counters counters;
};
void http_conns_stats(struct http_conns *t, struct http_conns_stats *out);

#endif
