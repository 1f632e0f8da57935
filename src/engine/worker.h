/* A worker: one sandboxed DuckDB instance of a compute size, with a bounded number of query slots
 * and a bounded queue in front of them. */
#ifndef LAKEHOUSE_ENGINE_WORKER_H
#define LAKEHOUSE_ENGINE_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "duckdb.h"
#include "server/config.h"

struct worker {
	int size;
	char slug[16];
	char dir[4096];
	char tmpdir[4200]; /* dir/tmp: DuckDB's spill space and the server's staged files */
	char schemadir[4200]; /* dir/schemas: zero-row schema files of managed tables, made from metadata */
	duckdb_database db;
	duckdb_connection admin; /* the server's own connection: attaches managed catalogs */
	pthread_mutex_t admin_mu;
	bool open;
	/* settings a session may not change: they belong to the whole instance */
	char **global_settings;
	size_t n_global_settings;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int slots;
	int running;
	int waiting;
	int queue_max;
	struct lake_not_null *not_null; /* engine/lake_not_null.c; DuckDB owns it */
};

/* Opens the DuckDB instance under data_dir/workers/<size>, sandboxed. */
/* read_dir: a further folder sessions may read (the SSD cache of bucket objects), or NULL. */
int worker_open(struct worker *w, int size, const struct config *cfg, const char *read_dir, char *err, size_t errlen);
void worker_close(struct worker *w);
/* Waits for a query slot; returns 0, or -1 when the queue is full or timeout_ms passes. */
int worker_slot_acquire(struct worker *w, int timeout_ms);
void worker_slot_release(struct worker *w);
/* Queries holding a slot and queries waiting for one, now. */
void worker_slot_counts(struct worker *w, int *running, int *waiting);
/* Runs sql on the worker's own connection. */
int worker_admin_exec(struct worker *w, const char *sql, char *err, size_t errlen);
/* Bytes DuckDB's buffer manager holds in memory now (all sessions of the worker), or -1 when the
 * worker's own connection is busy (when not waiting for it) or the question fails. */
int64_t worker_memory_used(struct worker *w, bool wait);
/* The same and the bytes spilled to the worker's temporary files, asked on a connection of its
 * own so that a busy admin connection never holds it up (for /metrics). -1 when DuckDB fails. */
int worker_memory_sample(struct worker *w, int64_t *used, int64_t *temp);
/* True when `name` is an instance-wide DuckDB setting (case-insensitive), or one the server keeps
 * the same in every session. */
bool worker_setting_is_global(const struct worker *w, const char *name);

#endif
