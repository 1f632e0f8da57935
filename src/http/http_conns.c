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

/* An unauthenticated connection that counts against its address: it had a request without
 * credentials, or its grace to send the first one is over. */
static bool suspect(const struct http_conn *c, int64_t now_us)
{
	return unauthenticated_idle(c) && (c->served || now_us - c->since_us >= HTTP_CONN_GRACE_US);
}

static bool same_addr(const struct http_conn *a, const struct http_conn *b)
{
	return !memcmp(a->addr, b->addr, sizeof(a->addr));
}

/* The oldest connection other than except that may give way: with addr, that address's oldest
 * suspect one; without, the oldest unauthenticated one, then the oldest idle keep-alive connection
 * of an authenticated client. */
static struct http_conn *victim(struct http_conns *t, const struct http_conn *except, const unsigned char *addr,
                                int64_t now_us)
{
	for (struct http_conn *c = t->head; c; c = c->next)
		if (c != except && (addr ? !memcmp(c->addr, addr, sizeof(c->addr)) && suspect(c, now_us)
		                         : unauthenticated_idle(c)))
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

	/* The newcomer is within its grace, so it is admitted; it makes room for itself when its
	 * address already holds its bound of suspect connections. */
	size_t same = 0;
	for (struct http_conn *o = t->head; o; o = o->next)
		if (o != c && same_addr(o, c) && suspect(o, now_us))
			same++;
	if (same >= t->max_unauthenticated_per_ip) {
		struct http_conn *v = victim(t, c, c->addr, now_us);
		if (v) {
			close_conn(t, v);
			t->counters.per_ip_evictions++;
		}
	}
	if (t->open > t->max_open) {
		struct http_conn *v = victim(t, c, NULL, now_us);
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
	if (state == HTTP_CONN_ACTIVE)
		c->served = true;
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
	size_t suspects = 0;
	for (struct http_conn *c = t->head; c; c = c->next) {
		if (unauthenticated_idle(c) && now_us - c->since_us > t->header_timeout_us) {
			close_conn(t, c);
			t->counters.header_timeouts++;
		}
		suspects += suspect(c, now_us);
	}
	/* Connections opened together pass their grace together: an address left with more suspect
	 * ones than its bound keeps the newest. Quadratic, but only while the whole table holds more
	 * suspects than one address may (the table itself is bounded). */
	for (struct http_conn *c = t->head; c && suspects > t->max_unauthenticated_per_ip; c = c->next) {
		if (!suspect(c, now_us))
			continue;
		size_t newer = 0;
		for (struct http_conn *o = c->next; o && newer < t->max_unauthenticated_per_ip; o = o->next)
			newer += same_addr(o, c) && suspect(o, now_us);
		if (newer >= t->max_unauthenticated_per_ip) {
			close_conn(t, c);
			t->counters.per_ip_evictions++;
			suspects--;
		}
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
