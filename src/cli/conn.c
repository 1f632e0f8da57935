/* Statement runner of the command-line client: streams POST /query into the result printer line
 * by line, and turns Ctrl-C into a cancel through the API. It must never hold a whole result. */
#include "cli/conn.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/clock.h"
#include "util/json.h"

static volatile sig_atomic_t running;
static volatile sig_atomic_t interrupts;
static int wake_fd = -1;

static void on_sigint(int sig)
{
	if (running) {
		interrupts++;
	} else if (wake_fd >= 0) {
		int saved = errno;
		if (write(wake_fd, "", 1) < 0) {
			/* a full pipe already holds a wake-up */
		}
		errno = saved;
	} else {
		signal(sig, SIG_DFL);
		raise(sig);
	}
}

void cli_interrupt_init(int fd)
{
	wake_fd = fd;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
}

int cli_conn_open(struct cli_conn *c, const struct cli_target *t, const char *session_id)
{
	memset(c, 0, sizeof(*c));
	c->target = *t;
	c->auth = cli_auth_header(t);
	if (!c->auth)
		return -1;
	if (session_id)
		snprintf(c->session_id, sizeof(c->session_id), "%s", session_id);
	else
		uuid_v4(c->session_id);
	c->curl = curl_easy_init();
	c->headers = curl_slist_append(NULL, c->auth);
	c->headers = curl_slist_append(c->headers, "Content-Type: application/json");
	c->headers = curl_slist_append(c->headers, "Accept: application/x-ndjson");
	if (!c->curl || !c->headers) {
		cli_conn_close(c);
		return -1;
	}
	return 0;
}

void cli_conn_close(struct cli_conn *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	free(c->auth);
	c->curl = NULL;
	c->headers = NULL;
	c->auth = NULL;
}

/* One statement in flight. */
struct run {
	struct cli_conn *conn;
	struct cli_out *out;
	char query_id[UUID_STR_LEN + 1];
	buf line;          /* the response line being received */
	bool too_long;
	long status;       /* HTTP status once known */
	/* cancelling */
	int64_t first_try_us, last_try_us;
	bool cancelled;    /* the server confirmed the cancel */
	bool gave_up;      /* the transfer was dropped to stop the statement */
};

static size_t on_data(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct run *r = ctx;
	size_t n = size * nmemb;
	if (!r->status)
		curl_easy_getinfo(r->conn->curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->status != 200) {
		/* an error body outside the stream: keep its first 64 KiB for the message */
		size_t room = r->line.len < 65536 ? 65536 - r->line.len : 0;
		buf_append(&r->line, data, n < room ? n : room);
		return n;
	}
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (data[i] != '\n')
			continue;
		if (r->line.len) {
			buf_append(&r->line, data + start, i - start);
			cli_out_line(r->out, r->line.data, r->line.len);
			buf_reset(&r->line);
		} else {
			cli_out_line(r->out, data + start, i - start);
		}
		start = i + 1;
	}
	if (r->out->malformed)
		return 0; /* reading on would not make it valid */
	if (r->line.len + (n - start) > CLI_MAX_LINE) {
		r->too_long = true;
		return 0;
	}
	buf_append(&r->line, data + start, n - start);
	return buf_failed(&r->line) ? 0 : n;
}

/* Asks the server to cancel the statement; true once it says it did. */
static bool send_cancel(struct run *r)
{
	char path[160], err[256];
	snprintf(path, sizeof(path), "/query/%s?session_id=%s", r->query_id, r->conn->session_id);
	buf answer;
	buf_init(&answer);
	long status = cli_request(&r->conn->target, "DELETE", path, NULL, &answer, err, sizeof(err));
	buf_putc(&answer, '\0');
	bool ok = status == 200 && !buf_failed(&answer) && strstr(answer.data, "\"cancelled\":true");
	buf_free(&answer);
	return ok;
}

/* While the server has not confirmed a cancel it is asked again every 200 ms (the request may not
 * have reached it yet); after 3 s, or at a second Ctrl-C, the connection is dropped instead, which
 * the server also takes as a cancel. */
static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	struct run *r = ctx;
	if (!interrupts)
		return 0;
	r->out->discard = true;
	int64_t now = clock_mono_us();
	if (!r->first_try_us)
		r->first_try_us = now;
	if (interrupts > 1 || (!r->cancelled && now - r->first_try_us > 3000000) ||
	    (r->cancelled && now - r->last_try_us > 10000000)) {
		r->gave_up = true;
		return 1;
	}
	if (!r->cancelled && (!r->last_try_us || now - r->last_try_us >= 200000)) {
		r->cancelled = send_cancel(r);
		r->last_try_us = clock_mono_us();
	}
	return 0;
}

static void request_body(struct cli_conn *c, const char *query_id, const char *sql, size_t len, buf *b)
{
	buf_puts(b, "{\"statement\":");
	jw_string(b, sql, len);
	buf_puts(b, ",\"session_id\":");
	jw_cstring(b, c->session_id);
	buf_puts(b, ",\"query_id\":");
	jw_cstring(b, query_id);
	const char *keys[] = {"catalog", "schema", "compute_size", "timezone"};
	const char *vals[] = {c->catalog, c->schema, c->compute_size, c->timezone};
	for (size_t k = 0; k < 4; k++) {
		if (!vals[k])
			continue;
		buf_printf(b, ",\"%s\":", keys[k]);
		jw_cstring(b, vals[k]);
	}
	buf_putc(b, '}');
}

/* The "error" of a JSON error body, else a generic text. */
static void http_error(const buf *body, long status, char *err, size_t errlen)
{
	json_t *v = body->len ? json_loadb(body->data, body->len, 0, NULL) : NULL;
	json_t *m = json_object_get(v, "error");
	snprintf(err, errlen, "HTTP %ld: %s", status, json_is_string(m) ? json_string_value(m) : "request failed");
	json_decref(v);
}

int cli_conn_run(struct cli_conn *c, const char *sql, size_t len, struct cli_out *out, char *err, size_t errlen)
{
	struct run r = {.conn = c, .out = out};
	uuid_v4(r.query_id);
	buf body, url;
	buf_init(&body);
	buf_init(&url);
	buf_init(&r.line);
	request_body(c, r.query_id, sql, len, &body);
	buf_printf(&url, "%s/query", c->target.url);
	buf_putc(&url, '\0');
	if (buf_failed(&body) || buf_failed(&url)) {
		snprintf(err, errlen, "out of memory");
		buf_free(&body);
		buf_free(&url);
		return CLI_ERR_SERVER;
	}
	cli_out_begin(out);
	curl_easy_setopt(c->curl, CURLOPT_URL, url.data);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body.data);
	curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, &r);
	curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "lakehouse-cli/" LAKEHOUSE_VERSION);
	interrupts = 0;
	running = 1;
	CURLcode cc = curl_easy_perform(c->curl);
	running = 0;
	c->interrupts = interrupts;
	interrupts = 0;
	long status = 0;
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	int rc = CLI_OK;
	if (r.gave_up) {
		rc = CLI_ERR_SQL;
		free(out->error);
		out->error = strdup("query cancelled (connection closed)");
	} else if (r.too_long) {
		snprintf(err, errlen, "the server sent a malformed response (a line longer than %u MiB)", CLI_MAX_LINE >> 20);
		rc = CLI_ERR_SERVER;
	} else if (out->malformed && status == 200) {
		snprintf(err, errlen, "the server sent a malformed response");
		rc = CLI_ERR_SERVER;
	} else if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s %s: %s", status ? "lost the connection to" : "cannot reach", c->target.url,
		         curl_easy_strerror(cc));
		rc = CLI_ERR_SERVER;
	} else if (status != 200) {
		http_error(&r.line, status, err, errlen);
		rc = CLI_ERR_SERVER;
	} else {
		if (r.line.len)
			cli_out_line(out, r.line.data, r.line.len);
		if (out->error) {
			rc = CLI_ERR_SQL;
		} else if (out->malformed || out->lines < 2) {
			snprintf(err, errlen, "the server sent a malformed response");
			rc = CLI_ERR_SERVER;
		}
	}
	cli_out_end(out);
	if (rc == CLI_ERR_SQL && !out->error)
		out->error = strdup("query failed");
	buf_free(&r.line);
	buf_free(&body);
	buf_free(&url);
	return rc;
}
