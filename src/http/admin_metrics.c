/* GET /metrics: every series the server exports, in the Prometheus text format. Counters the doors
 * and the engine keep come from util/metrics.c; the rest is sampled now from its owner (SSD cache,
 * S3 driver, REST connections, workers, sessions), so a scrape never blocks a query. */
#include "http/admin_api.h"
#include "http/http_conns.h"
#include "http/lakehouse_api.h"
#include "engine/engine.h"
#include "storage/store.h"
#include "util/metrics.h"
#include "util/prom.h"

static void cache_and_s3(buf *b, struct engine *engine)
{
	struct cache_stats s;
	engine_cache_stats(engine, &s);
	uint64_t requests, retries;
	store_s3_counters(&requests, &retries);
	static const struct {
		const char *name, *type, *help;
	} m[] = {
		{"lakehouse_cache_hits_total", "counter", "Reads of bucket objects found in the SSD cache."},
		{"lakehouse_cache_misses_total", "counter", "Reads of bucket objects that downloaded them."},
		{"lakehouse_cache_waits_total", "counter", "Reads that waited for another read's download of the same object."},
		{"lakehouse_cache_fetched_bytes_total", "counter", "Bytes downloaded from buckets into the SSD cache."},
		{"lakehouse_cache_evictions_total", "counter", "Objects evicted from the SSD cache."},
		{"lakehouse_cache_bytes", "gauge", "Bytes held by the SSD cache."},
		{"lakehouse_cache_objects", "gauge", "Objects held by the SSD cache."},
		{"lakehouse_cache_capacity_bytes", "gauge", "Size bound of the SSD cache."},
		{"lakehouse_s3_requests_total", "counter", "Requests sent to S3-compatible buckets, retries included."},
		{"lakehouse_s3_retries_total", "counter", "S3 requests retried after throttling, errors or stalls."},
	};
	const uint64_t v[] = {s.hits, s.misses, s.waits, s.bytes_fetched, s.evictions, s.bytes_cached, s.objects,
	                      s.capacity, requests, retries};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		prom_family(b, m[i].name, m[i].type, m[i].help);
		prom_u64(b, m[i].name, NULL, 0, v[i]);
	}
}

static void http_connections(buf *b, struct http_request *req)
{
	struct http_conns_stats cs;
	http_request_server_conns(req, &cs);
	prom_family(b, "lakehouse_http_connections", "gauge", "Open REST connections by what they are doing.");
	const struct {
		const char *state;
		size_t n;
	} st[] = {{"waiting", cs.waiting}, {"active", cs.active}, {"idle", cs.idle}};
	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		prom_u64(b, "lakehouse_http_connections", &(struct prom_label){"state", st[i].state}, 1, st[i].n);
	prom_family(b, "lakehouse_http_connections_closed_total", "counter",
	            "REST connections the server closed or refused to make room.");
	const struct {
		const char *reason;
		uint64_t n;
	} cl[] = {{"header_timeout", cs.counters.header_timeouts},
	          {"per_address", cs.counters.per_ip_evictions},
	          {"connection_bound", cs.counters.bound_evictions},
	          {"refused", cs.counters.refused}};
	for (size_t i = 0; i < sizeof(cl) / sizeof(cl[0]); i++)
		prom_u64(b, "lakehouse_http_connections_closed_total", &(struct prom_label){"reason", cl[i].reason}, 1,
		         cl[i].n);
}

/* One gauge family with a sample per open worker, left out where DuckDB could not tell (-1). */
static void worker_family(buf *b, const struct eng_sample *s, const char *name, const char *help,
                          int64_t (*value)(const struct eng_worker_sample *w))
{
	prom_family(b, name, "gauge", help);
	for (int i = 0; i < COMPUTE_SIZES; i++) {
		const struct eng_worker_sample *w = &s->workers[i];
		int64_t v = w->slug ? value(w) : -1;
		if (v >= 0)
			prom_i64(b, name, &(struct prom_label){"worker", w->slug}, 1, v);
	}
}

static int64_t running(const struct eng_worker_sample *w) { return w->running; }
static int64_t queued(const struct eng_worker_sample *w) { return w->waiting; }
static int64_t slots(const struct eng_worker_sample *w) { return w->slots; }
static int64_t memory(const struct eng_worker_sample *w) { return w->memory_bytes; }
static int64_t temp(const struct eng_worker_sample *w) { return w->temp_bytes; }
static int64_t memory_limit(const struct eng_worker_sample *w) { return w->memory_limit; }

static void engine_state(buf *b, const struct eng_sample *s)
{
	worker_family(b, s, "lakehouse_queries_running", "Queries holding a slot of the worker.", running);
	worker_family(b, s, "lakehouse_queries_queued", "Queries waiting for a slot of the worker.", queued);
	worker_family(b, s, "lakehouse_worker_slots", "Queries the worker runs at once.", slots);
	worker_family(b, s, "lakehouse_worker_memory_bytes", "Memory DuckDB's buffer manager holds for the worker.",
	              memory);
	worker_family(b, s, "lakehouse_worker_temp_storage_bytes",
	              "Bytes the worker spilled to its temporary files.", temp);
	worker_family(b, s, "lakehouse_worker_memory_limit_bytes", "The worker's memory limit.", memory_limit);
	prom_family(b, "lakehouse_sessions", "gauge", "Open sessions, every worker and door.");
	prom_u64(b, "lakehouse_sessions", NULL, 0, s->sessions);
	prom_family(b, "lakehouse_sessions_limit", "gauge", "Sessions open at once before the least recently used idle one closes.");
	prom_u64(b, "lakehouse_sessions_limit", NULL, 0, s->sessions_max);
}

void admin_metrics(struct http_request *req, struct http_response *res, void *app)
{
	struct lakehouse_api *api = app;
	if (!admin_allowed(req, res, api))
		return;
	struct eng_sample s;
	if (engine_sample(api->engine, &s) < 0) {
		http_error(res, 500, "internal", "out of memory");
		return;
	}
	buf *b = &res->body;
	cache_and_s3(b, api->engine);
	http_connections(b, req);
	metrics_write(b);
	engine_state(b, &s);
	metrics_write_catalogs(b, s.catalogs, s.ncatalogs);
	engine_sample_free(&s);
	if (buf_failed(b)) {
		http_error(res, 500, "internal", "out of memory");
		return;
	}
	res->content_type = PROM_CONTENT_TYPE;
}
