/* libmicrohttpd glue. One thread per connection (bounded a little above max-connections) so a
 * handler or stream may block on DuckDB without stalling other clients; bodies are bounded by
 * body-max; credentials are compared in constant time and never logged; who may hold a connection
 * is http_conns.c's call. */
#include "http/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/http_conns.h"
#include "util/base64.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/log.h"

enum { CONNECTION_MARGIN = 32 };

struct http_server {
	struct MHD_Daemon *daemon;
	const struct config *cfg;
	const struct http_route *routes;
	size_t nroutes;
	void *app;
	int port;
	pthread_mutex_t watch_mu;
	struct http_watch *watches;
	pthread_t watcher;
	bool stop;
	struct http_conns conns;
};

struct http_request {
	struct http_server *server;
	struct MHD_Connection *conn;
	struct http_conn *hc; /* its entry in the connection table */
	char method[16];
	char *path;
	char path_arg[256];
	const struct http_route *route;
	buf body;
	bool too_large;
	char *user;
	int64_t start_us;
	int status;
	char query_id[40];
};

void http_error(struct http_response *res, int status, const char *code, const char *message)
{
	res->status = status;
	res->content_type = "application/json";
	buf_reset(&res->body);
	buf_puts(&res->body, "{\"error\":");
	jw_cstring(&res->body, message);
	buf_puts(&res->body, ",\"code\":");
	jw_cstring(&res->body, code);
	buf_puts(&res->body, "}");
}

const char *http_request_method(const struct http_request *r) { return r->method; }
const char *http_request_path(const struct http_request *r) { return r->path; }
const char *http_request_path_arg(const struct http_request *r) { return r->path_arg; }
const char *http_request_user(const struct http_request *r) { return r->user; }
int64_t http_request_start_us(const struct http_request *r) { return r->start_us; }

void http_request_server_conns(const struct http_request *r, struct http_conns_stats *out)
{
	http_conns_stats(&r->server->conns, out);
}

const char *http_request_body(const struct http_request *r, size_t *len)
{
	*len = r->body.len;
	return r->body.data ? r->body.data : "";
}

const char *http_request_header(const struct http_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_request_query(const struct http_request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

void http_request_set_query_id(struct http_request *r, const char *id)
{
	snprintf(r->query_id, sizeof(r->query_id), "%s", id);
}

void http_watch_init(struct http_watch *w, struct http_request *r, void (*on_gone)(void *ctx), void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->server = r->server;
	w->conn = r->conn;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	w->fd = ci ? ci->connect_fd : -1;
	w->on_gone = on_gone;
	w->ctx = ctx;
}

void http_watch_start(struct http_watch *w)
{
	MHD_set_connection_option(w->conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)0);
	if (w->fd < 0)
		return;
	pthread_mutex_lock(&w->server->watch_mu);
	w->next = w->server->watches;
	w->server->watches = w;
	pthread_mutex_unlock(&w->server->watch_mu);
}

void http_watch_stop(struct http_watch *w)
{
	/* Setting a timeout after none restarts the idle timer from now. */
	MHD_set_connection_option(w->conn, MHD_CONNECTION_OPTION_TIMEOUT, (unsigned)w->server->cfg->idle_timeout_seconds);
	if (w->fd < 0)
		return;
	pthread_mutex_lock(&w->server->watch_mu);
	for (struct http_watch **p = &w->server->watches; *p; p = &(*p)->next)
		if (*p == w) {
			*p = w->next;
			break;
		}
	w->next = NULL;
	pthread_mutex_unlock(&w->server->watch_mu);
}

/* Polls watched connections for a peer hang-up, and closes connections whose request header is
 * overdue. Polling happens under the lock, so every fd polled is one whose owner is blocked inside
 * a read callback and therefore still open. */
static void *watcher_main(void *arg)
{
	struct http_server *s = arg;
	for (;;) {
		usleep(100000);
		pthread_mutex_lock(&s->watch_mu);
		if (s->stop) {
			pthread_mutex_unlock(&s->watch_mu);
			return NULL;
		}
		for (struct http_watch *w = s->watches; w; w = w->next) {
			if (w->fired)
				continue;
			struct pollfd p = {.fd = w->fd, .events = POLLRDHUP};
			if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR))) {
				w->fired = true;
				w->on_gone(w->ctx);
			}
		}
		pthread_mutex_unlock(&s->watch_mu);
		http_conns_sweep(&s->conns, clock_mono_us());
	}
}

static bool equal_const_time(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char diff = (unsigned char)(alen != blen);
	size_t n = alen < blen ? alen : blen;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/* Returns the authenticated user name (malloc'd) or NULL. */
static char *authenticate(struct http_server *s, struct MHD_Connection *conn)
{
	const char *h = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Basic ", 6) != 0)
		return NULL;
	h += 6;
	while (*h == ' ')
		h++;
	size_t hlen = strlen(h);
	while (hlen && h[hlen - 1] == ' ')
		hlen--;
	if (hlen > 4096)
		return NULL;
	size_t dlen;
	char *dec = base64_decode(h, hlen, &dlen);
	if (!dec)
		return NULL;
	char *colon = memchr(dec, ':', dlen);
	char *user = NULL;
	if (colon) {
		size_t ulen = (size_t)(colon - dec), plen = dlen - ulen - 1;
		bool ok = false;
		for (size_t i = 0; i < s->cfg->n_users; i++) {
			const struct config_user *u = &s->cfg->users[i];
			bool name_ok = equal_const_time(dec, ulen, u->name, strlen(u->name));
			bool pass_ok = equal_const_time(colon + 1, plen, u->password, strlen(u->password));
			ok |= name_ok && pass_ok;
		}
		if (ok)
			user = strndup(dec, ulen);
	}
	explicit_bzero(dec, dlen);
	free(dec);
	return user;
}

/* A pattern may hold one "{}" standing for a whole non-empty path segment, copied into arg. */
static bool path_matches(const char *pattern, const char *path, char *arg, size_t arglen)
{
	const char *hole = strstr(pattern, "{}");
	if (!hole)
		return strcmp(pattern, path) == 0;
	size_t pre = (size_t)(hole - pattern), post = strlen(hole + 2), len = strlen(path);
	if (len <= pre + post || strncmp(path, pattern, pre) != 0 || strcmp(path + len - post, hole + 2) != 0)
		return false;
	size_t n = len - pre - post;
	if (n >= arglen || memchr(path + pre, '/', n))
		return false;
	memcpy(arg, path + pre, n);
	arg[n] = '\0';
	return true;
}

struct stream_ctx {
	struct http_response res;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	(void)pos;
	struct stream_ctx *sc = cls;
	ssize_t n = sc->res.read(sc->res.ctx, out, max);
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n;
}

static void stream_free(void *cls)
{
	struct stream_ctx *sc = cls;
	if (sc->res.free)
		sc->res.free(sc->res.ctx);
	free(sc);
}

static enum MHD_Result send_response(struct http_request *req, struct http_response *res)
{
	struct MHD_Response *r;
	struct stream_ctx *sc = NULL;
	if (res->read) {
		sc = malloc(sizeof(*sc));
		if (!sc) {
			if (res->free)
				res->free(res->ctx);
			return MHD_NO;
		}
		sc->res = *res;
		buf_init(&sc->res.body);
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_read, sc, stream_free);
		if (!r) {
			stream_free(sc);
			return MHD_NO;
		}
	} else if (res->file_fd >= 0) {
		r = MHD_create_response_from_fd64(res->file_size, res->file_fd);
		if (!r) {
			close(res->file_fd);
			return MHD_NO;
		}
	} else {
		r = MHD_create_response_from_buffer(res->body.len, res->body.data ? res->body.data : (void *)"",
		                                    MHD_RESPMEM_MUST_COPY);
		if (!r)
			return MHD_NO;
	}
	if (res->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
	if (res->status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Basic realm=\"lakehouse\"");
	if (res->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, res->allow);
	if (req->query_id[0])
		MHD_add_response_header(r, "X-Query-Id", req->query_id);
	req->status = res->status;
	enum MHD_Result ret = MHD_queue_response(req->conn, (unsigned)res->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_error(struct http_request *req, int status, const char *code, const char *msg)
{
	struct http_response res = {0};
	res.file_fd = -1;
	http_error(&res, status, code, msg);
	enum MHD_Result ret = send_response(req, &res);
	buf_free(&res.body);
	return ret;
}

static enum MHD_Result dispatch(struct http_request *req)
{
	struct http_server *s = req->server;
	const struct http_route *found = NULL;
	char allow[128] = "";
	for (size_t i = 0; i < s->nroutes; i++) {
		char arg[sizeof(req->path_arg)];
		if (!path_matches(s->routes[i].path, req->path, arg, sizeof(arg)))
			continue;
		if (strcmp(s->routes[i].method, req->method) == 0 ||
		    (strcmp(req->method, "HEAD") == 0 && strcmp(s->routes[i].method, "GET") == 0)) {
			found = &s->routes[i];
			memcpy(req->path_arg, arg, sizeof(arg));
			break;
		}
		if (strlen(allow) + strlen(s->routes[i].method) + 3 < sizeof(allow)) {
			if (allow[0])
				strcat(allow, ", ");
			strcat(allow, s->routes[i].method);
		}
	}
	if (!found || !found->public_route) {
		req->user = authenticate(s, req->conn);
		if (!req->user)
			return respond_error(req, 401, "unauthorized", "missing or invalid credentials");
		if (req->hc)
			http_conns_set_authenticated(&s->conns, req->hc);
	}
	if (!found) {
		if (allow[0]) {
			struct http_response res = {0};
			res.file_fd = -1;
			http_error(&res, 405, "method_not_allowed", "method not allowed for this path");
			res.allow = allow;
			enum MHD_Result ret = send_response(req, &res);
			buf_free(&res.body);
			return ret;
		}
		return respond_error(req, 404, "not_found", "no such endpoint");
	}
	struct http_response res = {0};
	res.status = 200;
	res.content_type = "application/json";
	res.file_fd = -1;
	found->handler(req, &res, s->app);
	if (buf_failed(&res.body)) {
		if (res.free)
			res.free(res.ctx);
		if (res.file_fd >= 0)
			close(res.file_fd);
		buf_free(&res.body);
		return respond_error(req, 500, "internal", "out of memory");
	}
	enum MHD_Result ret = send_response(req, &res);
	buf_free(&res.body);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct http_server *s = cls;
	struct http_request *req = *con_cls;
	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->server = s;
		req->conn = conn;
		req->start_us = clock_mono_us();
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		req->hc = ci ? ci->socket_context : NULL;
		if (req->hc)
			http_conns_set_state(&s->conns, req->hc, HTTP_CONN_ACTIVE, req->start_us);
		snprintf(req->method, sizeof(req->method), "%s", method);
		req->path = strdup(url);
		buf_init(&req->body);
		*con_cls = req;
		if (!req->path)
			return MHD_NO;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!req->too_large && req->body.len + *upload_size > (size_t)s->cfg->body_max) {
			req->too_large = true;
			buf_free(&req->body);
		}
		if (!req->too_large)
			buf_append(&req->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->status)
		return MHD_YES;
	if (req->too_large) {
		char msg[128];
		snprintf(msg, sizeof(msg), "request body exceeds the limit of %lld bytes", (long long)s->cfg->body_max);
		return respond_error(req, 413, "body_too_large", msg);
	}
	if (buf_failed(&req->body))
		return respond_error(req, 500, "internal", "out of memory");
	return dispatch(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	(void)conn;
	struct http_request *req = *con_cls;
	if (!req)
		return;
	if (req->hc)
		http_conns_set_state(&s->conns, req->hc, HTTP_CONN_IDLE, clock_mono_us());
	const char *how = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "ok"
	                  : toe == MHD_REQUEST_TERMINATED_CLIENT_ABORT ? "client_gone"
	                  : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? "timeout"
	                  : "aborted";
	log_info("request", "method=%s path=\"%s\" status=%d duration_ms=%.3f query_id=%s user=%s end=%s", req->method,
	         req->path ? req->path : "", req->status, (double)(clock_mono_us() - req->start_us) / 1000.0,
	         req->query_id[0] ? req->query_id : "-", req->user ? req->user : "-", how);
	free(req->path);
	free(req->user);
	buf_free(&req->body);
	free(req);
	*con_cls = NULL;
}

/* Runs on the daemon's thread: at accept (before the connection's thread starts) and after that
 * thread ended, before the socket is closed. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
	struct http_server *s = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		struct http_conn *c = malloc(sizeof(*c));
		if (!c) {
			*socket_context = NULL;
			return;
		}
		const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *addr = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		http_conns_add(&s->conns, c, fd ? fd->connect_fd : -1, addr ? addr->client_addr : NULL, clock_mono_us());
		*socket_context = c;
	} else if (*socket_context) {
		http_conns_remove(&s->conns, *socket_context);
		free(*socket_context);
		*socket_context = NULL;
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	size_t n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	for (char *c = msg; *c; c++)
		if (*c == '"')
			*c = '\'';
	log_debug("http", "detail=\"%s\"", msg);
}

struct http_server *http_server_start(const struct config *cfg, int port, const struct http_route *routes,
                                      size_t nroutes, void *app, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST};
	struct addrinfo *ai = NULL;
	char portstr[16];
	snprintf(portstr, sizeof(portstr), "%d", port);
	if (getaddrinfo(cfg->bind, portstr, &hints, &ai) != 0 || !ai) {
		snprintf(err, errlen, "invalid bind address %s (expected a numeric IPv4 or IPv6 address)", cfg->bind);
		return NULL;
	}
	struct http_server *s = calloc(1, sizeof(*s));
	if (!s) {
		freeaddrinfo(ai);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = cfg;
	s->routes = routes;
	s->nroutes = nroutes;
	s->app = app;
	s->port = port;
	pthread_mutex_init(&s->watch_mu, NULL);
	http_conns_init(&s->conns, (size_t)cfg->max_connections, (size_t)cfg->max_unauthenticated_per_ip,
	                cfg->header_timeout_seconds);
	/* libmicrohttpd stops accepting at its own limit, so it gets a margin above ours: connections
	 * beyond max-connections are still accepted, to make room by closing waiting or idle ones, or to
	 * be turned away at once. */
	unsigned mhd_limit = (unsigned)cfg->max_connections + CONNECTION_MARGIN;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
	                 MHD_USE_ERROR_LOG | MHD_USE_ITC;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->daemon = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, s,
	                             MHD_OPTION_SOCK_ADDR, ai->ai_addr,
	                             MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
	                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->idle_timeout_seconds,
	                             MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	                             MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	                             MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
	                             MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
	                             MHD_OPTION_END);
	freeaddrinfo(ai);
	if (!s->daemon) {
		snprintf(err, errlen, "cannot listen on %s:%d (in use, or not allowed)", cfg->bind, port);
		pthread_mutex_destroy(&s->watch_mu);
		http_conns_destroy(&s->conns);
		free(s);
		return NULL;
	}
	if (pthread_create(&s->watcher, NULL, watcher_main, s) != 0) {
		MHD_stop_daemon(s->daemon);
		pthread_mutex_destroy(&s->watch_mu);
		http_conns_destroy(&s->conns);
		free(s);
		snprintf(err, errlen, "cannot start the connection watcher");
		return NULL;
	}
	return s;
}

void http_server_quiesce(struct http_server *s)
{
	if (s && s->daemon) {
		MHD_socket fd = MHD_quiesce_daemon(s->daemon);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
}

void http_server_stop(struct http_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->daemon);
	pthread_mutex_lock(&s->watch_mu);
	s->stop = true;
	pthread_mutex_unlock(&s->watch_mu);
	pthread_join(s->watcher, NULL);
	pthread_mutex_destroy(&s->watch_mu);
	http_conns_destroy(&s->conns);
	free(s);
}
