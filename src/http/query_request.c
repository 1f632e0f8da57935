/* Request body validation. Unknown fields are ignored; a present field of the wrong type is a 422;
 * a missing statement, an unknown compute size or format is a 400; an oversized statement a 413. */
#include "http/query_request.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const size_names[] = {"XS", "S", "M", "L", "XL"};

static int fail(struct qr_error *err, int status, const char *code, const char *fmt, const char *arg)
{
	err->http_status = status;
	err->code = code;
	snprintf(err->message, sizeof(err->message), fmt, arg);
	return -1;
}

/* A string field: absent or null leaves *out NULL; anything but a string is a type error. */
static int opt_string(json_t *root, const char *key, char **out, size_t max, struct qr_error *err)
{
	json_t *v = json_object_get(root, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return fail(err, 422, "invalid_field", "field '%s' must be a string", key);
	if (json_string_length(v) > max)
		return fail(err, 422, "invalid_field", "field '%s' is too long", key);
	if (memchr(json_string_value(v), '\0', json_string_length(v)))
		return fail(err, 422, "invalid_field", "field '%s' must not contain NUL characters", key);
	*out = strdup(json_string_value(v));
	if (!*out)
		return fail(err, 500, "internal", "out of memory%s", "");
	return 0;
}

static int opt_bool(json_t *root, const char *key, bool *out, struct qr_error *err)
{
	json_t *v = json_object_get(root, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return fail(err, 422, "invalid_field", "field '%s' must be a boolean", key);
	*out = json_is_true(v);
	return 0;
}

static int opt_count(json_t *root, const char *key, int64_t *out, struct qr_error *err)
{
	json_t *v = json_object_get(root, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return fail(err, 422, "invalid_field", "field '%s' must be a non-negative integer", key);
	*out = json_integer_value(v);
	return 0;
}

static int opt_uuid(json_t *root, const char *key, bool *has, char *out, struct qr_error *err)
{
	json_t *v = json_object_get(root, key);
	*has = false;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || !uuid_parse(json_string_value(v), out))
		return fail(err, 422, "invalid_field", "field '%s' must be a UUID", key);
	*has = true;
	return 0;
}

void query_request_free(struct query_request *r)
{
	free(r->statement);
	free(r->catalog);
	free(r->schema);
	free(r->timezone);
	free(r->requested_by);
	memset(r, 0, sizeof(*r));
}

int query_request_parse(const char *body, size_t len, size_t statement_max, struct query_request *out,
                        struct qr_error *err)
{
	memset(out, 0, sizeof(*out));
	out->compute_size = -1;
	out->limit = -1;
	out->offset = -1;
	out->visible = true;
	out->max_suggestions = 20;
	err->http_status = 200;
	err->code = NULL;
	err->message[0] = '\0';

	json_error_t jerr;
	/* JSON_REJECT_DUPLICATES: two "statement" keys would make which one runs ambiguous. */
	json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!root) {
		err->http_status = 400;
		err->code = "invalid_json";
		snprintf(err->message, sizeof(err->message), "malformed JSON body: %s", jerr.text);
		return -1;
	}
	int rc = -1;
	if (!json_is_object(root)) {
		fail(err, 422, "invalid_body", "the request body must be a JSON object%s", "");
		goto done;
	}
	json_t *st = json_object_get(root, "statement");
	if (!st || json_is_null(st)) {
		fail(err, 400, "missing_statement", "field 'statement' is required%s", "");
		goto done;
	}
	if (!json_is_string(st)) {
		fail(err, 422, "invalid_field", "field '%s' must be a string", "statement");
		goto done;
	}
	if (json_string_length(st) > statement_max) {
		err->http_status = 413;
		err->code = "statement_too_large";
		snprintf(err->message, sizeof(err->message), "statement is %zu bytes; the limit is %zu bytes",
		         json_string_length(st), statement_max);
		goto done;
	}
	if (memchr(json_string_value(st), '\0', json_string_length(st))) {
		fail(err, 422, "invalid_field", "field '%s' must not contain NUL characters", "statement");
		goto done;
	}
	if (!(out->statement = strdup(json_string_value(st)))) {
		fail(err, 500, "internal", "out of memory%s", "");
		goto done;
	}
	char *size = NULL, *format = NULL;
	if (opt_uuid(root, "session_id", &out->has_session_id, out->session_id, err) < 0 ||
	    opt_uuid(root, "query_id", &out->has_query_id, out->query_id, err) < 0 ||
	    opt_string(root, "catalog", &out->catalog, 1024, err) < 0 ||
	    opt_string(root, "schema", &out->schema, 1024, err) < 0 ||
	    opt_string(root, "timezone", &out->timezone, 128, err) < 0 ||
	    opt_string(root, "requested_by", &out->requested_by, 1024, err) < 0 ||
	    opt_count(root, "limit", &out->limit, err) < 0 || opt_count(root, "offset", &out->offset, err) < 0 ||
	    opt_bool(root, "visible", &out->visible, err) < 0 ||
	    opt_bool(root, "column_types", &out->column_types, err) < 0)
		goto done;
	bool ignored = false; /* accepted for compatibility; they change nothing here */
	if (opt_bool(root, "sanitize", &ignored, err) < 0 || opt_bool(root, "ephemeral", &ignored, err) < 0 ||
	    opt_bool(root, "cache", &ignored, err) < 0)
		goto done;
	int64_t max_sugg = -1;
	if (opt_count(root, "max_suggestions", &max_sugg, err) < 0)
		goto done;
	if (max_sugg >= 0)
		out->max_suggestions = max_sugg > 1000 ? 1000 : (int)max_sugg;
	if (opt_string(root, "compute_size", &size, 16, err) < 0)
		goto done;
	if (size) {
		for (int i = 0; i < 5; i++)
			if (strcasecmp(size, size_names[i]) == 0)
				out->compute_size = i;
		if (out->compute_size < 0) {
			fail(err, 400, "invalid_compute_size", "unknown compute_size '%s' (expected XS, S, M, L or XL)", size);
			free(size);
			goto done;
		}
		free(size);
	}
	if (opt_string(root, "format", &format, 64, err) < 0)
		goto done;
	if (format) {
		if (!strcmp(format, "jsonl"))
			out->format = QR_FORMAT_JSONL;
		else if (!strcmp(format, "csv"))
			out->format = QR_FORMAT_CSV;
		else if (!strcmp(format, "parquet"))
			out->format = QR_FORMAT_PARQUET;
		else {
			fail(err, 400, "unsupported_format", "Unsupported query format: %s", format);
			free(format);
			goto done;
		}
		free(format);
	}
	rc = 0;
done:
	json_decref(root);
	if (rc < 0)
		query_request_free(out);
	return rc;
}
