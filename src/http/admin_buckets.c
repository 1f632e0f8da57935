/* Admin handlers for buckets and the SSD cache. A bucket's secret and session token go
 * in sealed and never come out: listings say only whether the bucket has its own credentials. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/admin_api.h"
#include "http/lakehouse_api.h"
#include "engine/engine.h"
#include "lake/metadata.h"
#include "util/json.h"

static void bucket_error(struct http_response *res, int rc, const char *msg)
{
	switch (rc) {
	case LAKE_NOT_FOUND: http_error(res, 404, "bucket_not_found", msg); break;
	case LAKE_EXISTS: http_error(res, 409, "bucket_exists", msg); break;
	case LAKE_IN_USE: http_error(res, 409, "bucket_in_use", msg); break;
	case LAKE_INVALID: http_error(res, 400, "invalid_bucket", msg); break;
	default: http_error(res, 500, "bucket_error", msg); break;
	}
}

static void put_field(buf *b, const char *name, const char *value, bool *first)
{
	buf_printf(b, "%s\"%s\":", *first ? "" : ",", name);
	jw_cstring(b, value);
	*first = false;
}

static void put_bucket(buf *b, const struct lake_bucket *x)
{
	bool first = true;
	buf_putc(b, '{');
	put_field(b, "name", x->name, &first);
	put_field(b, "provider", x->provider, &first);
	if (strcmp(x->provider, "fs") != 0) {
		put_field(b, "endpoint", x->endpoint, &first);
		put_field(b, "region", x->region, &first);
		buf_printf(b, ",\"path_style\":%s", x->path_style ? "true" : "false");
	}
	put_field(b, "bucket", x->bucket, &first);
	put_field(b, "prefix", x->prefix, &first);
	if (strcmp(x->provider, "fs") != 0) {
		put_field(b, "access_key_id", x->access_key_id, &first);
		buf_printf(b, ",\"credentials\":\"%s\"", x->access_key_id[0] ? "bucket" : "environment");
		buf_printf(b, ",\"has_session_token\":%s", x->session_token[0] ? "true" : "false");
	}
	put_field(b, "created_at", x->created_at, &first);
	buf_putc(b, '}');
}

static void put_builtin(buf *b) { buf_puts(b, "{\"name\":\"default\",\"provider\":\"fs\",\"builtin\":true}"); }

void admin_buckets_list(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	struct lake_bucket *list = NULL;
	size_t n = 0;
	char err[512];
	int rc = lake_bucket_list(api->meta, &list, &n, err, sizeof(err));
	if (rc != LAKE_OK) {
		bucket_error(res, rc, err);
		return;
	}
	buf_puts(&res->body, "{\"buckets\":[");
	put_builtin(&res->body);
	for (size_t i = 0; i < n; i++) {
		buf_putc(&res->body, ',');
		put_bucket(&res->body, &list[i]);
	}
	buf_puts(&res->body, "]}");
	free(list);
}

void admin_bucket_get(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	const char *name = http_request_path_arg(req);
	if (!strcmp(name, "default")) {
		put_builtin(&res->body);
		return;
	}
	struct lake_bucket *b = malloc(sizeof(*b));
	char err[512] = "out of memory";
	int rc = b ? lake_bucket_get(api->meta, name, b, err, sizeof(err)) : LAKE_ERROR;
	if (rc == LAKE_OK)
		put_bucket(&res->body, b);
	else
		bucket_error(res, rc, err);
	free(b);
}

void admin_buckets_create(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	json_t *root = admin_parse_object(req, res);
	if (!root)
		return;
	struct eng_bucket_spec spec = {.path_style = -1};
	json_t *ps = json_object_get(root, "path_style");
	if (admin_string_field(root, "name", &spec.name, res) || admin_string_field(root, "provider", &spec.provider, res) ||
	    admin_string_field(root, "endpoint", &spec.endpoint, res) || admin_string_field(root, "bucket", &spec.bucket, res) ||
	    admin_string_field(root, "prefix", &spec.prefix, res) || admin_string_field(root, "region", &spec.region, res) ||
	    admin_string_field(root, "access_key_id", &spec.access_key_id, res) ||
	    admin_string_field(root, "secret_access_key", &spec.secret_access_key, res) ||
	    admin_string_field(root, "session_token", &spec.session_token, res)) {
		json_decref(root);
		return;
	}
	if (ps && !json_is_null(ps)) {
		if (!json_is_boolean(ps)) {
			http_error(res, 422, "invalid_field", "field 'path_style' must be true or false");
			json_decref(root);
			return;
		}
		spec.path_style = json_is_true(ps);
	}
	if (!spec.name) {
		http_error(res, 400, "missing_name", "field 'name' is required");
		json_decref(root);
		return;
	}
	struct lake_bucket *b = malloc(sizeof(*b));
	char err[600] = "out of memory";
	int rc = b ? engine_bucket_create(api->engine, &spec, b, err, sizeof(err)) : LAKE_ERROR;
	if (rc == LAKE_OK) {
		res->status = 201;
		put_bucket(&res->body, b);
	} else {
		bucket_error(res, rc, err);
	}
	free(b);
	/* the request's copy of the secret goes with the parsed body */
	json_t *secret = json_object_get(root, "secret_access_key");
	if (json_is_string(secret))
		json_string_set(secret, "");
	json_decref(root);
}

void admin_bucket_remove(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	const char *name = http_request_path_arg(req);
	char err[512];
	int rc = engine_bucket_remove(api->engine, name, err, sizeof(err));
	if (rc != LAKE_OK) {
		bucket_error(res, rc, err);
		return;
	}
	buf_puts(&res->body, "{\"removed\":true,\"name\":");
	jw_cstring(&res->body, name);
	buf_putc(&res->body, '}');
}

void admin_bucket_test(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	const char *name = http_request_path_arg(req);
	buf steps;
	buf_init(&steps);
	bool ok = false;
	char err[600];
	int rc = engine_bucket_test(api->engine, name, &ok, &steps, err, sizeof(err));
	if (rc != LAKE_OK) {
		buf_free(&steps);
		bucket_error(res, rc, err);
		return;
	}
	buf_puts(&res->body, "{\"name\":");
	jw_cstring(&res->body, name);
	buf_printf(&res->body, ",\"ok\":%s,\"steps\":[", ok ? "true" : "false");
	buf_append(&res->body, steps.data, steps.len);
	buf_puts(&res->body, "]}");
	buf_free(&steps);
}

void admin_cache_stats(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	struct cache_stats s;
	engine_cache_stats(api->engine, &s);
	buf_printf(&res->body,
	           "{\"hits\":%llu,\"misses\":%llu,\"waits\":%llu,\"bytes_fetched\":%llu,\"bytes_cached\":%llu,"
	           "\"objects\":%llu,\"evictions\":%llu,\"capacity\":%llu}",
	           (unsigned long long)s.hits, (unsigned long long)s.misses, (unsigned long long)s.waits,
	           (unsigned long long)s.bytes_fetched, (unsigned long long)s.bytes_cached, (unsigned long long)s.objects,
	           (unsigned long long)s.evictions, (unsigned long long)s.capacity);
}
