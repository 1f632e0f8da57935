/* Admission and eviction of HTTP connections (see http_conns.h). Only sockets of connections still
 * in the table are shut down, and a connection leaves the table before libmicrohttpd closes its
 * socket, so a descriptor shut down here is always the one the table means. */
#include "http/http_conns.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

void http_conns_init(struct http_conns *t, size_t max_open, size_t max_unauthenticated_per_ip,
                     int header_timeout_seconds)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->mu, NULL);
	t->max_open = max_open;
	t->max_unauthenticated_per_ip = max_unauthenticated_per_ip;
	t->header_timeout_us = (int64_t)header_timeout_seconds * 1000000;
}

void http_conns_destroy(struct http_conns *t)
{
	pthread_mutex_destroy(&t->mu);
}

static void close_conn(struct http_conns *t, struct http_conn *c)
{
	c->closing = true;
	t->open--;
	if (c->fd >= 0)
		shutdown(c->fd, SHUT_RDWR);
}

/* Waiting for a header, or idle without ever having authenticated: such a connection costs its
 * client nothing to hold, so it is the first to go. */
static bool unauthenticated_idle(const struct http_conn *c)
{
	return !c->closing && !c->authenticated && c->state != HTTP_CONN_ACTIVE;
}

/* The oldest connection other than except that may give way: unauthenticated ones first (of addr
 * only, when addr is given), then, without addr, idle keep-alive connections of authenticated
 * clients. */
static struct http_conn *victim(struct http_conns *t, const struct http_conn *except, const unsigned char *addr)
{
	for (struct http_conn *c = t->head; c; c = c->next)
		if (c != except && unauthenticated_idle(c) && (!addr || !memcmp(c->addr, addr, sizeof(c->addr))))
			return c;
	if (addr)
		return NULL;
	for (struct http_conn *c = t->head; c; c = c->next)
		if (c != except && !c->closing && c->authenticated && c->state == HTTP_CONN_IDLE)
			return c;
	return NULL;
}

static void read_addr(unsigned char out[16], const struct sockaddr *sa)
{
	memset(out, 0, 16);
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &in->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		/* One IPv6 client commonly holds a whole /64, so that is what counts as one address
		 * (IPv4-mapped addresses stay whole). */
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		memcpy(out, &in6->sin6_addr, IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) ? 16 : 8);
	}
}

void http_conns_add(struct http_conns *t, struct http_conn *c, int fd, const struct sockaddr *addr, int64_t now_us)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->state = HTTP_CONN_WAITING;
	c->since_us = now_us;
	read_addr(c->addr, addr);
	pthread_mutex_lock(&t->mu);
	c->prev = t->tail;
	if (t->tail)
		t->tail->next = c;
	else
		t->head = c;
	t->tail = c;
	t->open++;

	size_t same = 0;
	for (struct http_conn *o = t->head; o; o = o->next)
		if (!o->closing && !o->authenticated && !memcmp(o->addr, c->addr, sizeof(c->addr)))
			same++;
	if (same > t->max_unauthenticated_per_ip) {
		struct http_conn *v = victim(t, c, c->addr);
		if (v) {
			close_conn(t, v);
			t->counters.per_ip_evictions++;
		} else {
			close_conn(t, c);
			t->counters.refused++;
		}
	}
	if (!c->closing && t->open > t->max_open) {
		struct http_conn *v = victim(t, c, NULL);
		if (v) {
			close_conn(t, v);
			t->counters.bound_evictions++;
		} else {
			close_conn(t, c);
			t->counters.refused++;
		}
	}
	pthread_mutex_unlock(&t->mu);
}

void http_conns_remove(struct http_conns *t, struct http_conn *c)
{
	pthread_mutex_lock(&t->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		t->tail = c->prev;
	if (!c->closing)
		t->open--;
	c->prev = c->next = NULL;
	pthread_mutex_unlock(&t->mu);
}

void http_conns_set_state(struct http_conns *t, struct http_conn *c, enum http_conn_state state, int64_t now_us)
{
	pthread_mutex_lock(&t->mu);
	c->state = state;
	c->since_us = now_us;
	pthread_mutex_unlock(&t->mu);
}

void http_conns_set_authenticated(struct http_conns *t, struct http_conn *c)
{
	pthread_mutex_lock(&t->mu);
	c->authenticated = true;
	pthread_mutex_unlock(&t->mu);
}

void http_conns_sweep(struct http_conns *t, int64_t now_us)
{
	pthread_mutex_lock(&t->mu);
	for (struct http_conn *c = t->head; c; c = c->next)
		if (unauthenticated_idle(c) && now_us - c->since_us > t->header_timeout_us) {
			close_conn(t, c);
			t->counters.header_timeouts++;
		}
	pthread_mutex_unlock(&t->mu);
}

void http_conns_stats(struct http_conns *t, struct http_conns_stats *out)
{
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&t->mu);
	for (struct http_conn *c = t->head; c; c = c->next) {
		if (c->closing)
			continue;
		out->open++;
		if (c->state == HTTP_CONN_WAITING)
			out->waiting++;
		else if (c->state == HTTP_CONN_ACTIVE)
			out->active++;
		else
			out->idle++;
	}
	out->counters = t->counters;
	pthread_mutex_unlock(&t->mu);
}
