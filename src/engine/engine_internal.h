/* What the engine's files share and nobody else sees: the structures behind the public handles,
 * and the helpers the engine's parts call across files. Only the engine's own files include this. */
#ifndef LAKEHOUSE_ENGINE_ENGINE_INTERNAL_H
#define LAKEHOUSE_ENGINE_ENGINE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "duckdb.h"
#include "engine/engine.h"
#include "engine/query_log.h"
#include "engine/session_registry.h"
#include "engine/worker.h"
#include "util/buf.h"

/* Longest catalog name the gate compares (the lake allows 63 bytes). */
#define LAKE_CATALOG_NAME_MAX 255

#define STMT_CACHE_SIZE 8
#define STMT_CACHE_SQL_MAX 65536

struct stmt_cache_entry {
	char *sql;
	duckdb_prepared_statement prep;
};

struct eng_session {
	struct engine *e;
	struct worker *w;
	duckdb_connection conn;
	struct sess_entry *entry;
	char timezone[128];
	bool timezone_stale;
	bool broken;
	struct stmt_cache_entry cache[STMT_CACHE_SIZE];
	int cache_next;
};

struct engine {
	const struct config *cfg;
	struct worker workers[COMPUTE_SIZES];
	pthread_mutex_t open_mu; /* guards opening workers and the catalog list */
	char **catalogs;         /* managed catalog names */
	size_t ncatalogs;
	struct sess_registry *sessions;
	struct qlog *log;
	atomic_bool draining;
	atomic_int active;
	pthread_t reaper;
	pthread_mutex_t reaper_mu;
	pthread_cond_t reaper_cv;
	bool stop;
};

struct eng_query {
	struct eng_session *s;
	const char *sql; /* the caller's, alive until engine_query_end */
	struct qlog_entry *log;
	duckdb_result result;
	bool has_result;
	idx_t ncols;
	duckdb_logical_type *types;
	bool ended;
};

/* Fills err (status, message, SQLSTATE from the message's head). */
void eng_set_error(struct eng_error *err, enum eng_status st, const char *msg);
/* A SQL error of query q (q may be NULL): DuckDB's message, "Interrupted" when it was cancelled. */
void eng_fail(struct eng_error *err, const char *msg, struct eng_query *q);
/* Appends s quoted with q (doubling any q inside). */
void eng_quote(buf *b, const char *s, char q);
bool eng_cancelled(struct eng_query *q);
/* Runs statements 0..n-2 and prepares the last into *last. */
int eng_run_leading(struct eng_query *q, duckdb_extracted_statements stmts, idx_t n, duckdb_prepared_statement *last,
                    struct eng_error *err);

/* stmt_cache.c */
duckdb_prepared_statement eng_cache_take(struct eng_session *s, const char *sql);
void eng_cache_put(struct eng_session *s, const char *sql, duckdb_prepared_statement *prep);
void eng_cache_clear(struct eng_session *s);

/* catalogs.c; called with open_mu held */
int eng_attach_all(struct engine *e, struct worker *w, char *msg, size_t msglen);
int eng_check_catalog_access(struct eng_query *q, struct eng_error *err);

#endif
