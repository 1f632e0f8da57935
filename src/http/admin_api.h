/* The admin REST API on the lakehouse port: catalogs (/admin/catalogs), buckets (/admin/buckets),
 * the SSD cache (/admin/cache) and /metrics. Only users named by --admins (every user when it is
 * not set) may call it. */
#ifndef LAKEHOUSE_HTTP_ADMIN_API_H
#define LAKEHOUSE_HTTP_ADMIN_API_H

#include <jansson.h>
#include <stdbool.h>

#include "http/http_server.h"

struct lakehouse_api;
/* False (with a 403 answered) unless the caller may use the admin API. */
bool admin_allowed(struct http_request *req, struct http_response *res, struct lakehouse_api *api);
/* The request body as a JSON object, or NULL with a 400/422 answered. */
json_t *admin_parse_object(struct http_request *req, struct http_response *res);
/* An optional string field (NULL when absent or null); -1 with a 422 answered when not a string. */
int admin_string_field(json_t *root, const char *key, const char **out, struct http_response *res);

void admin_catalogs_list(struct http_request *req, struct http_response *res, void *app);
void admin_catalogs_create(struct http_request *req, struct http_response *res, void *app);
void admin_catalog_get(struct http_request *req, struct http_response *res, void *app);
void admin_catalog_update(struct http_request *req, struct http_response *res, void *app);
/* POST /admin/catalogs/{name}/maintenance: compaction, snapshot expiry and cleanup, now. */
void admin_catalog_maintain(struct http_request *req, struct http_response *res, void *app);
void admin_catalog_drop(struct http_request *req, struct http_response *res, void *app);
/* GET /admin/catalogs/{name}/snapshots: the kept snapshots, newest first (versions for time travel). */
void admin_catalog_snapshots(struct http_request *req, struct http_response *res, void *app);


void admin_buckets_list(struct http_request *req, struct http_response *res, void *app);
void admin_buckets_create(struct http_request *req, struct http_response *res, void *app);
void admin_bucket_get(struct http_request *req, struct http_response *res, void *app);
/* POST /admin/buckets/{name}/test: can this server write, read, list and delete there? */
void admin_bucket_test(struct http_request *req, struct http_response *res, void *app);
void admin_bucket_remove(struct http_request *req, struct http_response *res, void *app);
void admin_cache_stats(struct http_request *req, struct http_response *res, void *app);
/* GET /metrics: Prometheus text format. */
void admin_metrics(struct http_request *req, struct http_response *res, void *app);

#endif
