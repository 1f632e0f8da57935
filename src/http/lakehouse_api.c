/* Lakehouse REST handlers. A /query response is a stream that owns its session and query: it runs
 * the statements on the first read, then encodes one DuckDB chunk at a time, so memory stays bounded
 * by one chunk whatever the result size and a slow reader slows the query instead of filling RAM. */
#include "http/lakehouse_api.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/result_json.h"
#include "http/admin_api.h"
#include "http/query_request.h"
#include "util/clock.h"
#include "util/json.h"
#include "util/metrics.h"
#include "util/uuid.h"

static int engine_http_status(enum eng_status st)
{
	switch (st) {
	case ENG_NOT_FOUND: return 404;
	case ENG_OVERLOADED: return 503;
	case ENG_SHUTTING_DOWN: return 503;
	case ENG_INVALID: return 400;
	default: return 500;
	}
}

static const char *engine_error_code(enum eng_status st)
{
	switch (st) {
	case ENG_NOT_FOUND: return "session_not_found";
	case ENG_OVERLOADED: return "overloaded";
	case ENG_SHUTTING_DOWN: return "shutting_down";
	case ENG_INVALID: return "invalid_request";
	default: return "internal";
	}
}

static void engine_error(struct http_response *res, const struct eng_error *err)
{
	metrics_error(METRICS_REST, err->sqlstate);
	http_error(res, engine_http_status(err->status), engine_error_code(err->status), err->message);
}

/* Parses the body and opens (or finds) the session the request names. */
static int open_session(struct http_request *req, struct http_response *res, struct lakehouse_api *api,
                        struct query_request *qr, struct eng_session **s)
{
	size_t len;
	const char *body = http_request_body(req, &len);
	struct qr_error qerr;
	if (query_request_parse(body, len, (size_t)api->cfg->statement_max, qr, &qerr) < 0) {
		http_error(res, qerr.http_status, qerr.code, qerr.message);
		return -1;
	}
	struct eng_error err = {0};
	if (engine_session_acquire(api->engine, qr->has_session_id ? qr->session_id : NULL, qr->compute_size,
	                           http_request_user(req), s, &err) < 0) {
		engine_error(res, &err);
		query_request_free(qr);
		return -1;
	}
	return 0;
}

enum stream_phase { PHASE_START, PHASE_ROWS, PHASE_FLUSH, PHASE_DONE };

struct query_stream {
	struct lakehouse_api *api;
	struct query_request qr;
	struct eng_session *session;
	struct eng_query *query;
	struct rj_encoder *enc;
	const char **names;
	struct http_watch watch;
	enum stream_phase phase;
	buf out;
	size_t out_pos;
	int64_t request_start_us;
	int64_t skip;      /* rows still to skip for offset */
	int64_t remaining; /* rows still allowed by limit, -1 unlimited */
	uint64_t rows_sent;
	char *error;
};

static void on_client_gone(void *ctx)
{
	struct query_stream *st = ctx;
	engine_query_interrupt(st->query);
}

/* The query's outcome goes to the log as soon as its last line is produced, before that line is
 * sent, so a client that reads the end of the stream and asks GET /query/{id} sees it finished. */
static void end_stream(struct query_stream *st)
{
	st->phase = PHASE_FLUSH;
	if (st->query) {
		engine_query_end(st->query, st->error);
		st->query = NULL;
	}
}

static void put_error_line(struct query_stream *st, const char *sqlstate, const char *msg)
{
	metrics_error(METRICS_REST, sqlstate);
	buf_puts(&st->out, "{\"error\":");
	jw_cstring(&st->out, msg);
	buf_puts(&st->out, "}\n");
	free(st->error);
	st->error = strdup(msg);
}

static void put_metadata(struct query_stream *st)
{
	buf *o = &st->out;
	int64_t init_ms = (clock_mono_us() - st->request_start_us) / 1000;
	buf_puts(o, "{\"statement\":");
	jw_cstring(o, st->qr.statement);
	buf_puts(o, ",\"rows_limit\":");
	if (st->qr.limit >= 0)
		jw_int64(o, st->qr.limit);
	else
		buf_puts(o, "null");
	buf_puts(o, ",\"rows_offset\":");
	if (st->qr.offset >= 0)
		jw_int64(o, st->qr.offset);
	else
		buf_puts(o, "null");
	buf_printf(o, ",\"init_time_ms\":%lld", (long long)(init_ms < 1 ? 1 : init_ms));
	buf_puts(o, ",\"connections_errors\":{},\"session_id\":");
	jw_cstring(o, engine_session_id(st->session));
	buf_puts(o, ",\"query_id\":");
	jw_cstring(o, engine_query_id(st->query));
	buf_puts(o, ",\"worker_slug\":");
	jw_cstring(o, engine_session_worker_slug(st->session));
	buf_puts(o, "}\n");
}

static void put_columns(struct query_stream *st)
{
	buf *o = &st->out;
	if (engine_query_result_type(st->query) == DUCKDB_RESULT_TYPE_NOTHING) {
		/* DDL has no result set; the contract names it Success. */
		buf_puts(o, st->qr.column_types ? "[{\"name\":\"Success\",\"type\":\"BOOLEAN\"}]\n" : "[\"Success\"]\n");
		return;
	}
	idx_t n = engine_query_column_count(st->query);
	buf_putc(o, '[');
	for (idx_t c = 0; c < n; c++) {
		if (c)
			buf_putc(o, ',');
		const char *name = engine_query_column_name(st->query, c);
		if (st->qr.column_types) {
			buf_puts(o, "{\"name\":");
			jw_cstring(o, name ? name : "");
			buf_puts(o, ",\"type\":");
			buf tn;
			buf_init(&tn);
			rj_type_name(engine_query_column_type(st->query, c), &tn);
			jw_string(o, tn.data ? tn.data : "", tn.len);
			buf_free(&tn);
			buf_putc(o, '}');
		} else {
			jw_cstring(o, name ? name : "");
		}
	}
	buf_puts(o, "]\n");
}

/* Runs the statements and prepares the encoder; the metadata line goes out first either way. */
static void start_query(struct query_stream *st)
{
	struct eng_error err = {0};
	struct eng_settings set = {st->qr.catalog, st->qr.schema, st->qr.timezone};
	bool default_format = st->qr.format == QR_FORMAT_DEFAULT;
	if (default_format)
		put_metadata(st);
	http_watch_start(&st->watch);
	int rc = engine_session_apply(st->session, &set, &err);
	if (rc == 0)
		rc = engine_query_execute(st->query, &err);
	http_watch_stop(&st->watch);
	if (rc < 0) {
		put_error_line(st, err.sqlstate, err.message);
		end_stream(st);
		return;
	}
	idx_t n = engine_query_column_count(st->query);
	duckdb_logical_type *types = calloc(n ? n : 1, sizeof(*types));
	st->names = calloc(n ? n : 1, sizeof(*st->names));
	if (!types || !st->names) {
		free(types);
		put_error_line(st, "53200", "Out of Memory Error: cannot encode the result");
		end_stream(st);
		return;
	}
	for (idx_t c = 0; c < n; c++) {
		types[c] = engine_query_column_type(st->query, c);
		st->names[c] = engine_query_column_name(st->query, c);
	}
	st->enc = rj_encoder_new(types, n, engine_query_timezone(st->query));
	free(types);
	if (!st->enc) {
		put_error_line(st, "53200", "Out of Memory Error: cannot encode the result");
		end_stream(st);
		return;
	}
	if (default_format)
		put_columns(st);
	/* DDL reports no rows, whatever DuckDB's internal count chunk says. */
	if (engine_query_result_type(st->query) == DUCKDB_RESULT_TYPE_NOTHING)
		end_stream(st);
	else
		st->phase = PHASE_ROWS;
}

/* Encodes the next chunk into st->out, applying offset and limit. */
static void next_rows(struct query_stream *st)
{
	if (st->remaining == 0) {
		end_stream(st);
		return;
	}
	struct eng_error err = {0};
	http_watch_start(&st->watch);
	duckdb_data_chunk chunk = engine_query_fetch(st->query, &err);
	http_watch_stop(&st->watch);
	if (!chunk) {
		if (err.message[0])
			put_error_line(st, err.sqlstate, err.message);
		end_stream(st);
		return;
	}
	idx_t size = duckdb_data_chunk_get_size(chunk);
	idx_t from = 0, to = size;
	if (st->skip > 0) {
		idx_t s = (uint64_t)st->skip < size ? (idx_t)st->skip : size;
		from = s;
		st->skip -= (int64_t)s;
	}
	if (st->remaining >= 0 && (int64_t)(to - from) > st->remaining)
		to = from + (idx_t)st->remaining;
	if (to > from) {
		rj_encode_rows(st->enc, chunk, from, to, st->qr.format == QR_FORMAT_JSONL ? st->names : NULL, &st->out);
		st->rows_sent += to - from;
		engine_query_add_rows(st->query, to - from);
		if (st->remaining >= 0)
			st->remaining -= (int64_t)(to - from);
	}
	duckdb_destroy_data_chunk(&chunk);
}

/* Output is gathered up to this size before it goes out, so a small result leaves in one write;
 * small enough that rows of a slow query still reach the client promptly. */
#define STREAM_GATHER 16384

/* Produces output until STREAM_GATHER bytes are waiting or the stream has said everything. */
static void gather(struct query_stream *st)
{
	while (st->out.len < STREAM_GATHER && (st->phase == PHASE_START || st->phase == PHASE_ROWS)) {
		if (st->phase == PHASE_START)
			start_query(st);
		else
			next_rows(st);
	}
}

static ssize_t query_stream_read(void *ctx, char *dst, size_t max)
{
	struct query_stream *st = ctx;
	if (st->out_pos >= st->out.len) {
		buf_reset(&st->out);
		st->out_pos = 0;
		gather(st);
		if (buf_failed(&st->out))
			return -1;
		if (st->out.len == 0) {
			st->phase = PHASE_DONE;
			return 0;
		}
	}
	size_t n = st->out.len - st->out_pos;
	if (n > max)
		n = max;
	memcpy(dst, st->out.data + st->out_pos, n);
	st->out_pos += n;
	return (ssize_t)n;
}

static void query_stream_free(void *ctx)
{
	struct query_stream *st = ctx;
	/* A stream that stops before its end (client gone) still ends its query cleanly. */
	if (st->query) {
		if (!st->error)
			st->error = strdup("INTERRUPT Error: the client closed the connection");
		engine_query_end(st->query, st->error);
	}
	engine_session_release(st->session);
	rj_encoder_free(st->enc);
	free(st->names);
	free(st->error);
	buf_free(&st->out);
	query_request_free(&st->qr);
	free(st);
}

/* csv and parquet: the whole result is written to a file by DuckDB first, so an execution error
 * can still be a 500 with the plain message, then the file is sent and removed. */
static void export_result(struct http_request *req, struct http_response *res, struct query_stream *st)
{
	struct eng_error err = {0};
	struct eng_settings set = {st->qr.catalog, st->qr.schema, st->qr.timezone};
	char path[4608];
	bool csv = st->qr.format == QR_FORMAT_CSV;
	http_watch_init(&st->watch, req, on_client_gone, st);
	http_watch_start(&st->watch);
	int rc = engine_session_apply(st->session, &set, &err);
	if (rc == 0)
		rc = engine_query_export(st->query, csv ? "csv" : "parquet", st->qr.limit, st->qr.offset, path, sizeof(path),
		                         &err);
	http_watch_stop(&st->watch);
	int fd = -1;
	struct stat sb;
	if (rc == 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		unlink(path);
		if (fd < 0 || fstat(fd, &sb) != 0) {
			snprintf(err.message, sizeof(err.message), "IO Error: cannot read the exported result");
			memcpy(err.sqlstate, "58030", sizeof(err.sqlstate));
			rc = -1;
		}
	}
	engine_query_end(st->query, rc < 0 ? err.message : NULL);
	engine_session_release(st->session);
	query_request_free(&st->qr);
	free(st);
	if (rc < 0) {
		if (fd >= 0)
			close(fd);
		metrics_error(METRICS_REST, err.sqlstate);
		res->status = 500;
		res->content_type = csv ? "text/csv" : "text/plain";
		buf_reset(&res->body);
		buf_puts(&res->body, err.message);
		return;
	}
	res->status = 200;
	res->content_type = csv ? "text/csv" : "application/parquet";
	res->file_fd = fd;
	res->file_size = (uint64_t)sb.st_size;
}

static void handle_query(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	struct query_stream *st = calloc(1, sizeof(*st));
	if (!st) {
		http_error(res, 500, "internal", "out of memory");
		return;
	}
	st->api = api;
	st->request_start_us = http_request_start_us(req);
	if (open_session(req, res, api, &st->qr, &st->session) < 0) {
		free(st);
		return;
	}
	struct eng_query_opts o = {
		.sql = st->qr.statement,
		.query_id = st->qr.has_query_id ? st->qr.query_id : NULL,
		.user = http_request_user(req),
		.client_interface = "HttpQuery",
		.door = METRICS_REST,
		.user_agent = http_request_header(req, "User-Agent"),
		.requested_by = st->qr.requested_by,
		.visible = st->qr.visible,
	};
	struct eng_error err = {0};
	if (engine_query_begin(st->session, &o, &st->query, &err) < 0) {
		engine_error(res, &err);
		engine_session_release(st->session);
		query_request_free(&st->qr);
		free(st);
		return;
	}
	http_request_set_query_id(req, engine_query_id(st->query));
	if (st->qr.format == QR_FORMAT_CSV || st->qr.format == QR_FORMAT_PARQUET) {
		export_result(req, res, st);
		return;
	}
	buf_init(&st->out);
	st->skip = st->qr.offset > 0 ? st->qr.offset : 0;
	st->remaining = st->qr.limit;
	http_watch_init(&st->watch, req, on_client_gone, st);
	res->status = 200;
	res->content_type = st->qr.format == QR_FORMAT_JSONL ? "application/jsonl" : "application/x-ndjson";
	/* The response starts before the statement runs: the client has its headers at once, however
	 * long the query takes (clients time out waiting for headers, not for a body). */
	res->read = query_stream_read;
	res->free = query_stream_free;
	res->ctx = st;
}

static void handle_query_log(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	char id[UUID_STR_LEN + 1];
	if (!uuid_parse(http_request_path_arg(req), id)) {
		http_error(res, 404, "query_not_found", "query not found");
		return;
	}
	if (engine_query_log_json(api->engine, id, http_request_user(req), &res->body) != ENG_OK)
		http_error(res, 404, "query_not_found", "query not found");
}

static void handle_cancel(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	char id[UUID_STR_LEN + 1], sid[UUID_STR_LEN + 1];
	const char *session = http_request_query(req, "session_id");
	if (!session || !*session) {
		http_error(res, 400, "missing_session_id", "query parameter 'session_id' is required");
		return;
	}
	if (!uuid_parse(session, sid)) {
		http_error(res, 404, "session_not_found", "session not found");
		return;
	}
	if (!uuid_parse(http_request_path_arg(req), id)) {
		http_error(res, 404, "query_not_found", "query not found");
		return;
	}
	bool cancelled = false;
	char msg[256];
	if (engine_cancel(api->engine, id, sid, http_request_user(req), &cancelled, msg, sizeof(msg)) == ENG_NOT_FOUND) {
		http_error(res, 404, "session_not_found", msg);
		return;
	}
	buf_printf(&res->body, "{\"cancelled\":%s,\"message\":", cancelled ? "true" : "false");
	jw_cstring(&res->body, msg);
	buf_putc(&res->body, '}');
}

/* Opens the request's session and applies its catalog, schema and timezone; *applied says whether
 * that worked (err holds why not). Returns -1 when res already holds the HTTP error. */
static int open_applied_session(struct http_request *req, struct http_response *res, struct lakehouse_api *api,
                                struct query_request *qr, struct eng_session **s, bool *applied, struct eng_error *err)
{
	if (open_session(req, res, api, qr, s) < 0)
		return -1;
	struct eng_settings set = {qr->catalog, qr->schema, qr->timezone};
	*applied = engine_session_apply(*s, &set, err) == 0;
	return 0;
}

static void handle_validate(struct http_request *req, struct http_response *res, void *app)
{
	struct query_request qr;
	struct eng_session *s;
	struct eng_error err = {0};
	bool applied, valid = false;
	if (open_applied_session(req, res, app, &qr, &s, &applied, &err) < 0)
		return;
	if (applied)
		engine_validate(s, qr.statement, &valid, &err);
	engine_session_release(s);
	buf_printf(&res->body, "{\"valid\":%s,\"statement\":", valid ? "true" : "false");
	jw_cstring(&res->body, qr.statement);
	buf_puts(&res->body, ",\"connections_errors\":{}");
	if (!valid) {
		buf_puts(&res->body, ",\"error\":");
		jw_cstring(&res->body, err.message);
	}
	buf_putc(&res->body, '}');
	query_request_free(&qr);
}

static void handle_autocomplete(struct http_request *req, struct http_response *res, void *app)
{
	struct query_request qr;
	struct eng_session *s;
	struct eng_error err = {0};
	struct eng_suggestion *sugg = NULL;
	size_t n = 0;
	bool applied;
	if (open_applied_session(req, res, app, &qr, &s, &applied, &err) < 0)
		return;
	int rc = applied ? engine_autocomplete(s, qr.statement, qr.max_suggestions, &sugg, &n, &err) : -1;
	engine_session_release(s);
	if (rc < 0) {
		metrics_error(METRICS_REST, err.sqlstate);
		http_error(res, 400, "autocomplete_failed", err.message);
		query_request_free(&qr);
		return;
	}
	buf *o = &res->body;
	buf_puts(o, "{\"suggestions\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(o, ',');
		buf_puts(o, "{\"suggestion\":");
		jw_cstring(o, sugg[i].text ? sugg[i].text : "");
		buf_puts(o, ",\"suggestion_start\":");
		jw_int64(o, sugg[i].start);
		buf_puts(o, ",\"suggestion_type\":");
		jw_cstring(o, sugg[i].type ? sugg[i].type : "keyword");
		buf_puts(o, ",\"suggestion_score\":");
		jw_double(o, sugg[i].score);
		if (sugg[i].extra_char) {
			buf_puts(o, ",\"extra_char\":");
			jw_cstring(o, sugg[i].extra_char);
		}
		buf_putc(o, '}');
	}
	buf_puts(o, "],\"statement\":");
	jw_cstring(o, qr.statement);
	buf_puts(o, ",\"connections_errors\":{}}");
	engine_suggestions_free(sugg, n);
	query_request_free(&qr);
}

static void handle_health(struct http_request *req, struct http_response *res, void *app)
{
	(void)req;
	(void)app;
	buf_puts(&res->body, "{\"status\":\"ok\"}");
}

const struct http_route lakehouse_routes[] = {
	{"GET", "/", true, handle_health},
	{"GET", "/health", true, handle_health},
	{"POST", "/query", false, handle_query},
	{"GET", "/query/{}", false, handle_query_log},
	{"DELETE", "/query/{}", false, handle_cancel},
	{"POST", "/validate", false, handle_validate},
	{"POST", "/autocomplete", false, handle_autocomplete},
	{"GET", "/admin/catalogs", false, admin_catalogs_list},
	{"POST", "/admin/catalogs", false, admin_catalogs_create},
	{"GET", "/admin/catalogs/{}", false, admin_catalog_get},
	{"PATCH", "/admin/catalogs/{}", false, admin_catalog_update},
	{"DELETE", "/admin/catalogs/{}", false, admin_catalog_drop},
	{"POST", "/admin/catalogs/{}/maintenance", false, admin_catalog_maintain},
	{"GET", "/admin/catalogs/{}/snapshots", false, admin_catalog_snapshots},
	{"GET", "/admin/buckets", false, admin_buckets_list},
	{"POST", "/admin/buckets", false, admin_buckets_create},
	{"GET", "/admin/buckets/{}", false, admin_bucket_get},
	{"DELETE", "/admin/buckets/{}", false, admin_bucket_remove},
	{"POST", "/admin/buckets/{}/test", false, admin_bucket_test},
	{"GET", "/admin/cache", false, admin_cache_stats},
	{"GET", "/metrics", false, admin_metrics},
};
const size_t lakehouse_nroutes = sizeof(lakehouse_routes) / sizeof(lakehouse_routes[0]);
