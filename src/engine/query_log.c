/* Query log: a fixed ring of entry pointers plus a chained hash by id, under one mutex. */
#include "engine/query_log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "util/json.h"
#include "util/timefmt.h"

/* Query text kept per entry: enough to recognise a statement, bounded so the log's memory is too. */
#define QUERY_TEXT_MAX 8192
#define ERROR_TEXT_MAX 4096

struct qlog {
	pthread_mutex_t mu;
	size_t cap;
	size_t next; /* ring slot to fill next */
	struct qlog_entry **ring;
	size_t nbuckets;
	struct qlog_entry **buckets;
	struct qlog_entry *running; /* entries with a connection, newest first */
	int running_cancelled; /* running entries with a cancel, for qlog_repeat_interrupts */
};


struct qlog *qlog_new(size_t capacity)
{
	struct qlog *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->cap = capacity;
	l->nbuckets = 64;
	while (l->nbuckets < capacity)
		l->nbuckets *= 2;
	l->ring = calloc(capacity, sizeof(*l->ring));
	l->buckets = calloc(l->nbuckets, sizeof(*l->buckets));
	if (!l->ring || !l->buckets) {
		free(l->ring);
		free(l->buckets);
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->mu, NULL);
	return l;
}

static void entry_free(struct qlog_entry *e)
{
	free(e->user);
	free(e->query);
	free(e->client_interface);
	free(e->user_agent);
	free(e->requested_by);
	free(e->error);
	free(e);
}

static void unref(struct qlog_entry *e)
{
	if (--e->refs == 0)
		entry_free(e);
}

void qlog_free(struct qlog *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->cap; i++)
		if (l->ring[i])
			unref(l->ring[i]);
	pthread_mutex_destroy(&l->mu);
	free(l->ring);
	free(l->buckets);
	free(l);
}

static struct qlog_entry **slot_of(struct qlog *l, const char *id)
{
	struct qlog_entry **p = &l->buckets[hash_str(id) & (l->nbuckets - 1)];
	while (*p && strcmp((*p)->id, id) != 0)
		p = &(*p)->hnext;
	return p;
}

static void unlink_entry(struct qlog *l, struct qlog_entry *e)
{
	struct qlog_entry **p = &l->buckets[hash_str(e->id) & (l->nbuckets - 1)];
	while (*p && *p != e)
		p = &(*p)->hnext;
	if (*p)
		*p = e->hnext;
	e->hnext = NULL;
}

static char *dup_bounded(const char *s, size_t max)
{
	if (!s)
		return NULL;
	size_t n = strnlen(s, max);
	/* never cut inside a UTF-8 sequence */
	while (n > 0 && n < strlen(s) && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return strndup(s, n);
}

struct qlog_entry *qlog_start(struct qlog *l, const char *id, const char *session_id, const char *user,
                              const char *query, const char *client_interface, const char *user_agent,
                              const char *requested_by, bool visible, duckdb_connection conn, int worker,
                              bool *in_use)
{
	*in_use = false;
	struct qlog_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	memcpy(e->id, id, UUID_STR_LEN + 1);
	memcpy(e->session_id, session_id, UUID_STR_LEN + 1);
	e->user = strdup(user);
	e->query = dup_bounded(query, QUERY_TEXT_MAX);
	e->client_interface = strdup(client_interface);
	e->user_agent = dup_bounded(user_agent, 512);
	e->requested_by = dup_bounded(requested_by, 512);
	if (!e->user || !e->query || !e->client_interface || (user_agent && !e->user_agent) ||
	    (requested_by && !e->requested_by)) {
		entry_free(e);
		return NULL;
	}
	e->visible = visible;
	e->start_us = clock_wall_us();
	e->conn = conn;
	e->worker = worker;
	e->usage.percentage = -1;
	e->usage.memory_peak = -1;
	e->refs = 2; /* the ring's and the caller's */
	pthread_mutex_lock(&l->mu);
	struct qlog_entry **dup = slot_of(l, id);
	if (*dup && ((*dup)->conn || strcmp((*dup)->user, user) != 0)) {
		/* An id still running, or another user's, is not taken over. */
		pthread_mutex_unlock(&l->mu);
		entry_free(e);
		*in_use = true;
		return NULL;
	}
	if (*dup) /* a user reusing one of their finished ids: the newest query owns it */
		unlink_entry(l, *dup);
	struct qlog_entry *old = l->ring[l->next];
	if (old) {
		unlink_entry(l, old);
		unref(old);
	}
	l->ring[l->next] = e;
	l->next = (l->next + 1) % l->cap;
	struct qlog_entry **slot = slot_of(l, id);
	*slot = e;
	if (conn) {
		e->rnext = l->running;
		if (l->running)
			l->running->rprev = e;
		l->running = e;
	}
	pthread_mutex_unlock(&l->mu);
	return e;
}

/* Takes the connection's progress when DuckDB has one (it has none before a statement starts,
 * after it ends and for sources that cannot tell). Under the log's lock. */
static void sample_locked(struct qlog_entry *e)
{
	if (!e->conn)
		return;
	duckdb_query_progress_type p = duckdb_query_progress(e->conn);
	if (p.percentage < 0)
		return;
	e->usage.percentage = p.percentage > 100 ? 100 : p.percentage;
	e->usage.rows_processed = p.rows_processed;
	e->usage.total_rows = p.total_rows_to_process;
}

/* Interrupts a running entry; the cancel is remembered so it can be repeated should DuckDB not
 * have started the statement yet (an interrupt before the start is not kept by DuckDB). */
static void cancel_locked(struct qlog *l, struct qlog_entry *e)
{
	if (!e->conn)
		return;
	if (!e->cancelled) {
		e->cancelled = true;
		l->running_cancelled++;
	}
	duckdb_interrupt(e->conn);
}

bool qlog_finish(struct qlog *l, struct qlog_entry *e, const char *error, uint64_t rows)
{
	char *err = error ? dup_bounded(error, ERROR_TEXT_MAX) : NULL;
	pthread_mutex_lock(&l->mu);
	sample_locked(e);
	e->end_us = clock_wall_us();
	if (e->end_us <= e->start_us)
		e->end_us = e->start_us + 1;
	e->error = err;
	e->rows += rows;
	if (e->conn) {
		if (e->cancelled)
			l->running_cancelled--;
		if (e->rprev)
			e->rprev->rnext = e->rnext;
		else
			l->running = e->rnext;
		if (e->rnext)
			e->rnext->rprev = e->rprev;
		e->rprev = e->rnext = NULL;
	}
	/* A query that ran to its end did all its work, whatever the last sample said. */
	if (!e->error) {
		e->usage.percentage = 100;
		if (e->usage.rows_processed < e->usage.total_rows)
			e->usage.rows_processed = e->usage.total_rows;
	}
	e->conn = NULL;
	bool cancelled = e->cancelled;
	unref(e);
	pthread_mutex_unlock(&l->mu);
	return cancelled;
}

void qlog_set_reads(struct qlog *l, struct qlog_entry *e, const struct cache_use *cache, uint64_t files,
                    uint64_t bytes, uint64_t rows)
{
	pthread_mutex_lock(&l->mu);
	e->usage.cache = *cache;
	e->usage.scan_files = files;
	e->usage.scan_bytes = bytes;
	e->usage.scan_rows = rows;
	pthread_mutex_unlock(&l->mu);
}

void qlog_sample_progress(struct qlog *l)
{
	pthread_mutex_lock(&l->mu);
	for (struct qlog_entry *e = l->running; e; e = e->rnext)
		sample_locked(e);
	pthread_mutex_unlock(&l->mu);
}

void qlog_note_memory(struct qlog *l, int worker, int64_t bytes)
{
	pthread_mutex_lock(&l->mu);
	for (struct qlog_entry *e = l->running; e; e = e->rnext)
		if (e->worker == worker && bytes > e->usage.memory_peak)
			e->usage.memory_peak = bytes;
	pthread_mutex_unlock(&l->mu);
}

void qlog_add_rows(struct qlog *l, struct qlog_entry *e, uint64_t rows)
{
	pthread_mutex_lock(&l->mu);
	e->rows += rows;
	pthread_mutex_unlock(&l->mu);
}

int qlog_interrupt(struct qlog *l, const char *id, const char *session_id, const char *user, bool *was_running)
{
	pthread_mutex_lock(&l->mu);
	struct qlog_entry *e = *slot_of(l, id);
	if (!e || strcmp(e->session_id, session_id) != 0 || strcmp(e->user, user) != 0) {
		pthread_mutex_unlock(&l->mu);
		return -1;
	}
	*was_running = e->conn != NULL;
	cancel_locked(l, e);
	pthread_mutex_unlock(&l->mu);
	return 0;
}

int qlog_interrupt_all(struct qlog *l)
{
	int n = 0;
	pthread_mutex_lock(&l->mu);
	for (struct qlog_entry *e = l->running; e; e = e->rnext) {
		cancel_locked(l, e);
		n++;
	}
	pthread_mutex_unlock(&l->mu);
	return n;
}

void qlog_interrupt_entry(struct qlog *l, struct qlog_entry *e)
{
	pthread_mutex_lock(&l->mu);
	cancel_locked(l, e);
	pthread_mutex_unlock(&l->mu);
}

void qlog_repeat_interrupts(struct qlog *l)
{
	pthread_mutex_lock(&l->mu);
	for (struct qlog_entry *e = l->running; l->running_cancelled > 0 && e; e = e->rnext)
		if (e->cancelled)
			duckdb_interrupt(e->conn);
	pthread_mutex_unlock(&l->mu);
}

bool qlog_cancelled(struct qlog *l, struct qlog_entry *e)
{
	pthread_mutex_lock(&l->mu);
	bool c = e->cancelled;
	pthread_mutex_unlock(&l->mu);
	return c;
}

static void put_time(buf *out, int64_t us)
{
	buf_putc(out, '"');
	fmt_timestamp(out, us, 6);
	buf_puts(out, "Z\"");
}

static void put_opt_string(buf *out, const char *s)
{
	if (s)
		jw_cstring(out, s);
	else
		buf_puts(out, "null");
}

/* The figures of the contract's stats object; see docs/USAGE.md for their meaning. */
static void put_stats(buf *out, const struct qlog_entry *e)
{
	const struct qlog_usage *u = &e->usage;
	buf_printf(out,
	           "{\"caching\":{\"data_hits\":%llu,\"data_misses\":%llu,\"data_bytes_hits\":%llu,"
	           "\"data_bytes_misses\":%llu,\"filehandle_hits\":0,\"filehandle_misses\":0,\"metadata_hits\":0,"
	           "\"metadata_misses\":0}",
	           (unsigned long long)u->cache.hits, (unsigned long long)u->cache.misses,
	           (unsigned long long)u->cache.hit_bytes, (unsigned long long)u->cache.miss_bytes);
	buf_puts(out, ",\"memory\":");
	if (u->memory_peak >= 0)
		buf_printf(out, "{\"total_usage_bytes\":%lld}", (long long)u->memory_peak);
	else
		buf_puts(out, "null");
	buf_printf(out,
	           ",\"scan\":{\"estimated_scanned_rows\":%llu,\"estimated_result_rows\":%llu,"
	           "\"scanned_files_estimate\":%llu,\"scanned_bytes_estimate\":%llu}}",
	           (unsigned long long)(u->total_rows ? u->total_rows : u->scan_rows),
	           (unsigned long long)e->rows, (unsigned long long)u->scan_files, (unsigned long long)u->scan_bytes);
}

static void put_progress(buf *out, const struct qlog_entry *e)
{
	const struct qlog_usage *u = &e->usage;
	double pct = u->percentage < 0 ? 0 : u->percentage;
	buf_puts(out, "{\"percentage\":");
	jw_double(out, pct);
	buf_printf(out, ",\"rows_processed\":%llu,\"total_rows\":%llu,\"bytes_processed\":%llu,\"total_bytes\":%llu}",
	           (unsigned long long)u->rows_processed, (unsigned long long)u->total_rows,
	           (unsigned long long)((double)u->scan_bytes * pct / 100.0), (unsigned long long)u->scan_bytes);
}

int qlog_json(struct qlog *l, const char *id, const char *user, buf *out)
{
	pthread_mutex_lock(&l->mu);
	struct qlog_entry *e = *slot_of(l, id);
	if (!e || strcmp(e->user, user) != 0) {
		pthread_mutex_unlock(&l->mu);
		return -1;
	}
	sample_locked(e);
	int64_t end = e->end_us ? e->end_us : clock_wall_us();
	buf_puts(out, "{\"uuid\":");
	jw_cstring(out, e->id);
	buf_puts(out, ",\"start_time\":");
	put_time(out, e->start_us);
	buf_puts(out, ",\"end_time\":");
	if (e->end_us)
		put_time(out, e->end_us);
	else
		buf_puts(out, "null");
	buf_printf(out, ",\"duration_ms\":%lld", (long long)((end - e->start_us) / 1000));
	buf_puts(out, ",\"query\":");
	jw_cstring(out, e->query);
	buf_puts(out, ",\"session_id\":");
	jw_cstring(out, e->session_id);
	buf_puts(out, ",\"client_interface\":");
	jw_cstring(out, e->client_interface);
	buf_puts(out, ",\"error\":");
	put_opt_string(out, e->error);
	const char *status = !e->end_us ? "running" : !e->error ? "succeeded" : e->cancelled ? "cancelled" : "failed";
	buf_printf(out, ",\"status\":\"%s\"", status);
	buf_printf(out, ",\"rows\":%llu", (unsigned long long)e->rows);
	buf_puts(out, ",\"stats\":");
	put_stats(out, e);
	/* The progress object is what the SDKs read; its three DuckDB figures are repeated at the
	 * top level, where the JavaScript SDK reads them. */
	buf_puts(out, ",\"progress\":");
	put_progress(out, e);
	buf_puts(out, ",\"percentage\":");
	jw_double(out, e->usage.percentage < 0 ? 0 : e->usage.percentage);
	buf_printf(out, ",\"rows_processed\":%llu,\"total_rows\":%llu", (unsigned long long)e->usage.rows_processed,
	           (unsigned long long)e->usage.total_rows);
	buf_printf(out, ",\"visible\":%s", e->visible ? "true" : "false");
	buf_puts(out, ",\"requested_by\":");
	put_opt_string(out, e->requested_by);
	buf_puts(out, ",\"user_agent\":");
	put_opt_string(out, e->user_agent);
	buf_putc(out, '}');
	pthread_mutex_unlock(&l->mu);
	return 0;
}
