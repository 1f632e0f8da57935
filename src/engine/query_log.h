/* The query log: the last N queries with their timings, status and error, found by query id.
 * Entries are reference counted so a running query keeps its entry even after the ring moves on. */
#ifndef LAKEHOUSE_ENGINE_QUERY_LOG_H
#define LAKEHOUSE_ENGINE_QUERY_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "duckdb.h"
#include "storage/cache.h"
#include "util/buf.h"
#include "util/uuid.h"

struct qlog;

/* What a query measured; docs/USAGE.md says what each figure means to a user. */
struct qlog_usage {
	double percentage;       /* DuckDB's progress of the running statement (0-100), -1: none seen */
	uint64_t rows_processed; /* DuckDB's progress counters at that moment */
	uint64_t total_rows;
	int64_t memory_peak;     /* highest buffer memory of its worker sampled while it ran, -1: none */
	struct cache_use cache;  /* managed-table objects its binds found in the SSD cache or downloaded */
	uint64_t scan_files, scan_bytes, scan_rows; /* data files its scans of managed tables were given */
};

struct qlog_entry {
	char id[UUID_STR_LEN + 1];
	char session_id[UUID_STR_LEN + 1];
	char *user;
	char *query;
	char *client_interface;
	char *user_agent;
	char *requested_by;
	bool visible;
	int64_t start_us; /* wall clock, microseconds since the epoch */
	int64_t end_us;   /* 0 while running */
	char *error;
	uint64_t rows;
	/* while running: the connection to interrupt or ask for progress (under the log's lock) */
	duckdb_connection conn;
	int worker;     /* compute size of the worker it runs on */
	bool cancelled; /* set by a cancel, a client gone or shutdown; checked between statements */
	struct qlog_usage usage;
	/* log-private */
	int refs;
	struct qlog_entry *hnext;
	struct qlog_entry *rprev, *rnext; /* the running entries */
};

struct qlog *qlog_new(size_t capacity);
void qlog_free(struct qlog *l);
/* Adds a running entry (fields copied; query text kept up to a bound). Returns it with one
 * reference for the caller, or NULL when out of memory or when id is in use (*in_use): still
 * running, or another user's. */
struct qlog_entry *qlog_start(struct qlog *l, const char *id, const char *session_id, const char *user,
                              const char *query, const char *client_interface, const char *user_agent,
                              const char *requested_by, bool visible, duckdb_connection conn, int worker,
                              bool *in_use);
/* Marks the entry finished (error may be NULL) and drops the caller's reference; its progress is
 * read from the connection one last time first. Returns whether it had been cancelled. */
bool qlog_finish(struct qlog *l, struct qlog_entry *e, const char *error, uint64_t rows);
void qlog_add_rows(struct qlog *l, struct qlog_entry *e, uint64_t rows);
/* Records what the query's binds read of managed tables so far. */
void qlog_set_reads(struct qlog *l, struct qlog_entry *e, const struct cache_use *cache, uint64_t files,
                    uint64_t bytes, uint64_t rows);
/* Reads the progress of every running query from DuckDB (called periodically). */
void qlog_sample_progress(struct qlog *l);
/* Raises the memory peak of the queries running on worker to bytes when above it. */
void qlog_note_memory(struct qlog *l, int worker, int64_t bytes);
/* Interrupts the running entry with id if it belongs to session_id and user. Returns 0 when found
 * (sets *was_running), -1 when unknown. */
int qlog_interrupt(struct qlog *l, const char *id, const char *session_id, const char *user, bool *was_running);
/* Interrupts this entry if it still runs (client gone). */
void qlog_interrupt_entry(struct qlog *l, struct qlog_entry *e);
/* Interrupts again every running query that was cancelled (called periodically). */
void qlog_repeat_interrupts(struct qlog *l);
/* True once the entry was cancelled. */
bool qlog_cancelled(struct qlog *l, struct qlog_entry *e);
/* Writes the entry as the REST contract's JSON; -1 when unknown or another user's. */
int qlog_json(struct qlog *l, const char *id, const char *user, buf *out);
/* Interrupts every running query (shutdown); returns how many ran. */
int qlog_interrupt_all(struct qlog *l);

#endif
