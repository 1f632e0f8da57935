/* The Lakehouse REST API (port 15000): /query (NDJSON streaming), the query log, cancellation,
 * /validate, /autocomplete, / and /health — exactly as ../shared/API.md states — and the admin API
 * (admin_api.c). */
#ifndef LAKEHOUSE_HTTP_LAKEHOUSE_API_H
#define LAKEHOUSE_HTTP_LAKEHOUSE_API_H

#include <stddef.h>

#include "http/http_server.h"

struct engine;
struct lake_meta;

struct lakehouse_api {
	struct engine *engine;
	struct lake_meta *meta;
	const struct config *cfg;
};

extern const struct http_route lakehouse_routes[];
extern const size_t lakehouse_nroutes;

#endif
