/* HTTP plumbing on libmicrohttpd: listening, routing by method and path, request bodies with a size
 * bound, HTTP Basic authentication, JSON error bodies, streamed responses and one log line per
 * request. API modules register routes; they never touch libmicrohttpd themselves. */
#ifndef LAKEHOUSE_HTTP_HTTP_SERVER_H
#define LAKEHOUSE_HTTP_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "server/config.h"
#include "util/buf.h"

struct http_server;
struct http_request;

/* What a handler hands back: a complete body, an open file, or a stream whose `read` fills up to max
 * bytes and returns how many, 0 at the end or -1 to abort the connection. */
struct http_response {
	int status;
	const char *content_type;
	buf body;
	int file_fd;        /* >= 0: send this open file (file_size bytes) instead of body; closed after */
	uint64_t file_size;
	const char *allow; /* for 405 */
	ssize_t (*read)(void *ctx, char *out, size_t max);
	void (*free)(void *ctx);
	void *ctx;
};

typedef void (*http_handler)(struct http_request *req, struct http_response *res, void *app);

struct http_route {
	const char *method;
	const char *path; /* exact, or ending in "/{}" for one trailing segment */
	bool public_route; /* no authentication */
	http_handler handler;
};

struct http_server *http_server_start(const struct config *cfg, int port, const struct http_route *routes,
                                      size_t nroutes, void *app, char *err, size_t errlen);
/* Stops accepting new connections (existing ones finish). */
void http_server_quiesce(struct http_server *s);
void http_server_stop(struct http_server *s);

const char *http_request_method(const struct http_request *r);
const char *http_request_path(const struct http_request *r);
/* The trailing segment of a "/{}" route. */
const char *http_request_path_arg(const struct http_request *r);
const char *http_request_body(const struct http_request *r, size_t *len);
const char *http_request_header(const struct http_request *r, const char *name);
const char *http_request_query(const struct http_request *r, const char *name);
const char *http_request_user(const struct http_request *r);
int64_t http_request_start_us(const struct http_request *r);
/* How many connections the request's server holds and why it closed others (for /metrics). */
struct http_conns_stats;
void http_request_server_conns(const struct http_request *r, struct http_conns_stats *out);
/* Lets the request log name the query this request ran. */
void http_request_set_query_id(struct http_request *r, const char *query_id);

/* Watches a client connection while a stream blocks in long work (running a query): on_gone is
 * called from the server's watcher thread if the client disconnects meanwhile, and the idle timeout
 * is suspended (a silent query is not an idle client). A watch may only be started inside the
 * stream's read callback or the handler and must be stopped before that returns, so the connection
 * is known to be open the whole time. */
struct http_watch {
	struct http_server *server;
	void *conn; /* the libmicrohttpd connection */
	int fd;
	void (*on_gone)(void *ctx);
	void *ctx;
	bool fired;
	struct http_watch *next;
};
void http_watch_init(struct http_watch *w, struct http_request *r, void (*on_gone)(void *ctx), void *ctx);
void http_watch_start(struct http_watch *w);
void http_watch_stop(struct http_watch *w);

/* Fills res with {"error": message, "code": code}. */
void http_error(struct http_response *res, int status, const char *code, const char *message);

#endif
