/* The admin REST API on the lakehouse port: catalogs (/admin/catalogs). Only users named by
 * --admins (every user when it is not set) may call it. */
#ifndef LAKEHOUSE_HTTP_ADMIN_API_H
#define LAKEHOUSE_HTTP_ADMIN_API_H

#include "http/http_server.h"

void admin_catalogs_list(struct http_request *req, struct http_response *res, void *app);
void admin_catalogs_create(struct http_request *req, struct http_response *res, void *app);
void admin_catalog_get(struct http_request *req, struct http_response *res, void *app);
void admin_catalog_update(struct http_request *req, struct http_response *res, void *app);
/* POST /admin/catalogs/{name}/maintenance: compaction, snapshot expiry and cleanup, now. */
void admin_catalog_maintain(struct http_request *req, struct http_response *res, void *app);
void admin_catalog_drop(struct http_request *req, struct http_response *res, void *app);

#endif
