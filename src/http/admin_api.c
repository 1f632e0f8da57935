/* Admin handlers for catalogs. Request bodies follow the same rules as the query API: malformed
 * JSON is a 400, a well-formed body of the wrong shape a 422, unknown fields are ignored. */
#include "http/admin_api.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/lakehouse_api.h"
#include "engine/engine.h"
#include "lake/lake.h"
#include "lake/metadata.h"
#include "util/log.h"
#include "util/json.h"

bool admin_allowed(struct http_request *req, struct http_response *res, struct lakehouse_api *api)
{
	if (config_user_is_admin(api->cfg, http_request_user(req)))
		return true;
	http_error(res, 403, "forbidden", "this user may not use the admin API");
	return false;
}

static void lake_error(struct http_response *res, int rc, const char *msg)
{
	switch (rc) {
	case LAKE_NOT_FOUND: http_error(res, 404, "catalog_not_found", msg); break;
	case LAKE_EXISTS: http_error(res, 409, "catalog_exists", msg); break;
	case LAKE_INVALID: http_error(res, 400, "invalid_catalog", msg); break;
	default: http_error(res, 500, "metadata_error", msg); break;
	}
}

static void put_catalog(buf *b, const struct lake_catalog *c)
{
	buf_puts(b, "{\"name\":");
	jw_cstring(b, c->name);
	buf_puts(b, ",\"bucket\":");
	jw_cstring(b, c->bucket);
	buf_puts(b, ",\"created_at\":");
	jw_cstring(b, c->created_at);
	buf_putc(b, '}');
}

json_t *admin_parse_object(struct http_request *req, struct http_response *res)
{
	size_t len;
	const char *body = http_request_body(req, &len);
	json_error_t jerr;
	json_t *root = json_loadb(body, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		char msg[256];
		snprintf(msg, sizeof(msg), "malformed JSON body: %s", jerr.text);
		http_error(res, 400, "invalid_json", msg);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		http_error(res, 422, "invalid_body", "the request body must be a JSON object");
		return NULL;
	}
	return root;
}

int admin_string_field(json_t *root, const char *key, const char **out, struct http_response *res)
{
	json_t *v = json_object_get(root, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > 1024 || strlen(json_string_value(v)) != json_string_length(v)) {
		char msg[128];
		snprintf(msg, sizeof(msg), "field '%s' must be a string", key);
		http_error(res, 422, "invalid_field", msg);
		return -1;
	}
	*out = json_string_value(v);
	return 0;
}

void admin_catalogs_list(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	struct lake_catalog *list = NULL;
	size_t n = 0;
	char err[512];
	int rc = lake_catalog_list(api->meta, &list, &n, err, sizeof(err));
	if (rc != LAKE_OK) {
		lake_error(res, rc, err);
		return;
	}
	buf_puts(&res->body, "{\"catalogs\":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(&res->body, ',');
		put_catalog(&res->body, &list[i]);
	}
	buf_puts(&res->body, "]}");
	free(list);
}

void admin_catalogs_create(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	json_t *root = admin_parse_object(req, res);
	if (!root)
		return;
	const char *name, *bucket;
	if (admin_string_field(root, "name", &name, res) == 0 && admin_string_field(root, "bucket", &bucket, res) == 0) {
		if (!name) {
			http_error(res, 400, "missing_name", "field 'name' is required");
		} else {
			struct lake_catalog c;
			char err[512];
			int rc = lake_catalog_create(api->meta, name, bucket, &c, err, sizeof(err));
			struct eng_error eerr = {0};
			if (rc == LAKE_OK && engine_catalog_attach(api->engine, c.name, &eerr) < 0) {
				/* the metadata holds it; the next start attaches it */
				log_error("catalog created but not attached", "catalog=%s error=\"%s\"", c.name, eerr.message);
			}
			if (rc == LAKE_OK) {
				res->status = 201;
				put_catalog(&res->body, &c);
			} else {
				lake_error(res, rc, err);
			}
		}
	}
	json_decref(root);
}

void admin_catalog_get(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	struct lake_catalog c;
	char err[512];
	int rc = lake_catalog_get(api->meta, http_request_path_arg(req), &c, err, sizeof(err));
	if (rc == LAKE_OK)
		put_catalog(&res->body, &c);
	else
		lake_error(res, rc, err);
}

void admin_catalog_update(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	json_t *root = admin_parse_object(req, res);
	if (!root)
		return;
	const char *name, *bucket;
	const char *current = http_request_path_arg(req);
	if (admin_string_field(root, "name", &name, res) == 0 && admin_string_field(root, "bucket", &bucket, res) == 0) {
		struct lake_catalog c;
		char err[512];
		int rc = lake_catalog_get(api->meta, current, &c, err, sizeof(err));
		if (rc == LAKE_OK && bucket && strcmp(bucket, c.bucket) != 0) {
			snprintf(err, sizeof(err), "the bucket of a catalog cannot be changed (it holds the catalog's files)");
			rc = LAKE_INVALID;
		}
		if (rc == LAKE_OK && name && strcmp(name, current) != 0) {
			rc = lake_catalog_rename(api->meta, current, name, &c, err, sizeof(err));
			struct eng_error eerr = {0};
			if (rc == LAKE_OK && engine_catalog_rename(api->engine, current, c.name, &eerr) < 0)
				log_error("catalog renamed but not re-attached", "catalog=%s error=\"%s\"", c.name, eerr.message);
		}
		if (rc == LAKE_OK)
			put_catalog(&res->body, &c);
		else
			lake_error(res, rc, err);
	}
	json_decref(root);
}

void admin_catalog_drop(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	char err[512];
	const char *name = http_request_path_arg(req);
	int rc = lake_catalog_drop(api->meta, name, err, sizeof(err));
	if (rc != LAKE_OK) {
		lake_error(res, rc, err);
		return;
	}
	struct eng_error eerr = {0};
	if (engine_catalog_detach(api->engine, name, &eerr) < 0)
		log_error("catalog dropped but not detached", "catalog=%s error=\"%s\"", name, eerr.message);
	buf_puts(&res->body, "{\"dropped\":true,\"name\":");
	jw_cstring(&res->body, name);
	buf_putc(&res->body, '}');
}

void admin_catalog_maintain(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	struct eng_maintenance rep;
	struct eng_error eerr = {0};
	const char *name = http_request_path_arg(req);
	if (engine_lake_maintain(api->engine, name, &rep, &eerr) < 0) {
		if (eerr.status == ENG_NOT_FOUND) {
			char msg[320];
			snprintf(msg, sizeof(msg), "catalog '%s' does not exist", name);
			http_error(res, 404, "catalog_not_found", msg);
		} else {
			http_error(res, 500, "maintenance_failed", eerr.message);
		}
		return;
	}
	buf_puts(&res->body, "{\"name\":");
	jw_cstring(&res->body, name);
	buf_printf(&res->body,
	           ",\"tables_compacted\":%lld,\"files_compacted\":%lld,\"snapshots_expired\":%lld,\"objects_deleted\":%lld}",
	           (long long)rep.tables_compacted, (long long)rep.files_compacted, (long long)rep.snapshots_expired,
	           (long long)rep.objects_deleted);
}

void admin_catalog_snapshots(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	const char *name = http_request_path_arg(req);
	char err[512];
	struct lake_head *heads = NULL;
	size_t nheads = 0;
	if (lake_heads(api->meta, &heads, &nheads, err, sizeof(err)) != LAKE_OK) {
		lake_error(res, LAKE_ERROR, err);
		return;
	}
	int64_t id = -1;
	for (size_t i = 0; i < nheads; i++)
		if (!strcmp(heads[i].name, name))
			id = heads[i].id;
	free(heads);
	if (id < 0) {
		snprintf(err, sizeof(err), "catalog '%s' does not exist", name);
		lake_error(res, LAKE_NOT_FOUND, err);
		return;
	}
	struct lake_snapshot_info *list = NULL;
	size_t n = 0;
	if (lake_snapshot_list(api->meta, id, 1000, &list, &n, err, sizeof(err)) != LAKE_OK) {
		lake_error(res, LAKE_ERROR, err);
		return;
	}
	buf_puts(&res->body, "{\"name\":");
	jw_cstring(&res->body, name);
	buf_puts(&res->body, ",\"snapshots\":[");
	for (size_t i = 0; i < n; i++) {
		buf_printf(&res->body, "%s{\"version\":%lld,\"created_at\":", i ? "," : "", (long long)list[i].id);
		jw_cstring(&res->body, list[i].created_at);
		buf_puts(&res->body, ",\"author\":");
		jw_cstring(&res->body, list[i].author);
		buf_puts(&res->body, ",\"changes\":");
		jw_cstring(&res->body, list[i].changes);
		buf_putc(&res->body, '}');
	}
	buf_puts(&res->body, "]}");
	lake_snapshot_list_free(list, n);
}
