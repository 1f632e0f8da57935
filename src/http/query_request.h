/* Parses and validates the JSON body of POST /query, /validate and /autocomplete. A pure function
 * over a buffer (no engine, no I/O) so the fuzz target can drive it directly. */
#ifndef LAKEHOUSE_HTTP_QUERY_REQUEST_H
#define LAKEHOUSE_HTTP_QUERY_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/uuid.h"

enum qr_format { QR_FORMAT_DEFAULT, QR_FORMAT_JSONL, QR_FORMAT_CSV, QR_FORMAT_PARQUET };

struct query_request {
	char *statement;
	bool has_session_id;
	char session_id[UUID_STR_LEN + 1];
	bool has_query_id;
	char query_id[UUID_STR_LEN + 1];
	char *catalog;
	char *schema;
	char *timezone;
	char *requested_by;
	int compute_size; /* -1 when not given */
	int64_t limit;    /* -1 when not given */
	int64_t offset;   /* -1 when not given */
	bool visible;
	bool column_types;
	int max_suggestions;
	enum qr_format format;
};

/* Outcome of parsing: an HTTP status (200 when fine) and, otherwise, a short code and message. */
struct qr_error {
	int http_status;
	const char *code;
	char message[256];
};

/* Parses body[0..len). statement_max bounds the SQL text. On failure returns -1 with err filled
 * and nothing left to free. */
int query_request_parse(const char *body, size_t len, size_t statement_max, struct query_request *out,
                        struct qr_error *err);
void query_request_free(struct query_request *r);

#endif
