/* The engine: DuckDB workers (one instance per compute size), sessions on them, the query log and
 * query execution with streamed results. It knows nothing of HTTP, PostgreSQL or Flight; front-ends
 * ask it for a session, start a query, pull chunks and encode them in their own protocol. */
#ifndef LAKEHOUSE_ENGINE_ENGINE_H
#define LAKEHOUSE_ENGINE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "duckdb.h"
#include "server/config.h"
#include "storage/cache.h"
#include "util/buf.h"
#include "util/metrics.h"
#include "util/uuid.h"

struct engine;
struct eng_session;
struct eng_query;

/* Why an engine call failed, for the front-end to map onto its protocol. */
enum eng_status {
	ENG_OK = 0,
	ENG_NOT_FOUND,  /* no such session or query (for this user) */
	ENG_OVERLOADED, /* no worker slot or session could be had in time */
	ENG_INVALID,    /* a request value the engine cannot use (e.g. unknown time zone) */
	ENG_INTERNAL,   /* DuckDB or the system failed */
	ENG_SHUTTING_DOWN,
};

struct eng_error {
	enum eng_status status;
	char sqlstate[6];
	char message[1024];
};

struct lake_meta;
/* Opens the default worker with every managed catalog of the lake attached; the lake's metadata
 * store stays the caller's and must outlive the engine. */
struct engine *engine_open(const struct config *cfg, struct lake_meta *lake, struct eng_error *err);
/* Interrupts running queries, closes sessions and workers. */
void engine_close(struct engine *e);
/* Stops new queries; returns once running ones finish or grace_ms passes, then interrupts them. */
void engine_drain(struct engine *e, int grace_ms);

/* Session settings a request may carry; NULL fields leave the session as it is. */
struct eng_settings {
	const char *catalog;
	const char *schema;
	const char *timezone;
};

/* Finds session_id (owned by user) or opens a new session (under session_id when given: sessions
 * are created on first use) on the worker of compute size `size` (-1: the default). The session
 * is held for this caller until released; a second caller waits for it. */
int engine_session_acquire(struct engine *e, const char *session_id, int size, const char *user,
                           struct eng_session **out, struct eng_error *err);
void engine_session_release(struct eng_session *s);
/* Closes a held session for good (a front-end's connection ended): its transaction is rolled
 * back and its temporary objects dropped. */
void engine_session_close(struct eng_session *s);
const char *engine_session_id(const struct eng_session *s);
const char *engine_session_worker_slug(const struct eng_session *s);
duckdb_connection engine_session_connection(struct eng_session *s);
/* A folder of the session's worker where the front-end may stage files for the session to read
 * (COPY … FROM STDIN); sessions can read it, nothing else of the server's. */
const char *engine_session_staging_dir(const struct eng_session *s);
/* The session's time zone as DuckDB has it now (after SET TimeZone). */
const char *engine_session_timezone(struct eng_session *s);
/* Where the session's transaction stands. Every door follows one rule (PostgreSQL's): a statement
 * that fails inside a transaction block aborts it; until COMMIT or ROLLBACK (both roll it back)
 * the engine refuses every other statement with 25P02. */
enum eng_txn_state { ENG_TXN_IDLE, ENG_TXN_OPEN, ENG_TXN_FAILED };
int engine_session_txn(const struct eng_session *s);
/* Applies catalog/schema/timezone; they persist for later requests of the session. */
int engine_session_apply(struct eng_session *s, const struct eng_settings *set, struct eng_error *err);

struct eng_query_opts {
	const char *sql;
	const char *query_id;  /* caller-chosen UUID or NULL for a fresh one */
	const char *user;
	const char *client_interface; /* "HttpQuery", "Postgres", ... */
	enum metrics_door door;       /* which door's queries it counts among (util/metrics.h) */
	const char *user_agent;
	const char *requested_by;
	bool visible;
	/* values of $1..$n for a single statement (NULL entries are SQL NULL); the engine copies
	 * nothing, they stay the caller's until engine_query_end */
	const duckdb_value *params;
	size_t nparams;
	/* columns of the last statement whose type this returns true for are handed out cast to
	 * VARCHAR (a front-end that cannot encode them) */
	bool (*column_as_text)(duckdb_logical_type t);
	/* for a VARCHAR value bound to a parameter DuckDB types as a list: the value to bind instead
	 * (the engine destroys it), or NULL to bind it as it is (a front-end's own array syntax) */
	duckdb_value (*list_param)(duckdb_value text);
};

/* Registers the query in the log and waits for a worker slot. On success *out is running state
 * to pass to engine_query_execute. Fails only for the engine's own reasons (overload, shutdown). */
int engine_query_begin(struct eng_session *s, const struct eng_query_opts *o, struct eng_query **out,
                       struct eng_error *err);
const char *engine_query_id(const struct eng_query *q);
/* Runs every statement; the last one's result is left to fetch. On a SQL error returns -1 with
 * the DuckDB message and its SQLSTATE in err (err->status stays ENG_OK: it is not an engine fault). */
int engine_query_execute(struct eng_query *q, struct eng_error *err);
/* What the last statement returns: rows, a changed-row count, or nothing (DDL). */
duckdb_result_type engine_query_result_type(struct eng_query *q);
/* Runs the statements like engine_query_execute, but writes the last one's result (a query) to a
 * file in the worker's folder as "csv" (with a header) or "parquet", applying limit/offset when
 * not negative. On success path holds the file's name; the caller deletes it. */
int engine_query_export(struct eng_query *q, const char *format, int64_t limit, int64_t offset, char *path,
                        size_t pathlen, struct eng_error *err);
/* Column count, names and types of the last statement's result (after a successful execute). */
idx_t engine_query_column_count(struct eng_query *q);
const char *engine_query_column_name(struct eng_query *q, idx_t col);
duckdb_logical_type engine_query_column_type(struct eng_query *q, idx_t col);
/* The next chunk (caller destroys it), or NULL at the end or on error (then err is filled). */
duckdb_data_chunk engine_query_fetch(struct eng_query *q, struct eng_error *err);
/* Counts rows that reached the client, for the query log. */
void engine_query_add_rows(struct eng_query *q, uint64_t rows);
/* Stops the query from another thread (client gone, cancel request). Safe at any time. */
void engine_query_interrupt(struct eng_query *q);
/* Records the outcome in the log and the metrics (an error of a cancelled query counts as
 * cancelled), frees the result and gives the slot back. */
void engine_query_end(struct eng_query *q, const char *error);

/* Cancels query_id if it runs in session_id for this user. Returns ENG_NOT_FOUND when the session
 * is unknown; *cancelled says whether a running statement was interrupted. */
int engine_cancel(struct engine *e, const char *query_id, const char *session_id, const char *user,
                  bool *cancelled, char *message, size_t message_len);

/* Writes the query log entry of query_id as a JSON object into out (util/buf). Returns ENG_OK or
 * ENG_NOT_FOUND (also for another user's query). */
struct buf;
int engine_query_log_json(struct engine *e, const char *query_id, const char *user, struct buf *out);

/* Managed catalogs: each appears in every worker (now and when a worker starts later) as an
 * attached database that sessions may read; writes into it are refused until the lake's write
 * path takes them, and sessions may not ATTACH or DETACH databases themselves. */
int engine_catalog_attach(struct engine *e, const char *name, struct eng_error *err);
int engine_catalog_detach(struct engine *e, const char *name, struct eng_error *err);
int engine_catalog_rename(struct engine *e, const char *name, const char *new_name, struct eng_error *err);

/* What one maintenance run did. */
struct eng_maintenance {
	int64_t tables_compacted;
	int64_t files_compacted;
	int64_t snapshots_expired;
	int64_t objects_deleted;
};
/* Compacts small files, expires snapshots past the retention period and deletes objects no kept
 * snapshot needs, for one catalog (NULL: all). ENG_NOT_FOUND for an unknown catalog. */
int engine_lake_maintain(struct engine *e, const char *catalog, struct eng_maintenance *report,
                         struct eng_error *err);

/* Buckets besides the built-in one. Strings may be NULL (defaults apply); path_style -1: the
 * provider's default. Returns a lake_status (LAKE_INVALID, LAKE_EXISTS, …) with msg. */
struct eng_bucket_spec {
	const char *name, *provider, *endpoint, *bucket, *prefix, *region;
	int path_style;
	const char *access_key_id, *secret_access_key, *session_token;
};
struct lake_bucket;
int engine_bucket_create(struct engine *e, const struct eng_bucket_spec *spec, struct lake_bucket *out, char *msg,
                         size_t msglen);
/* LAKE_IN_USE while catalogs live in it. */
int engine_bucket_remove(struct engine *e, const char *name, char *msg, size_t msglen);
/* Writes, reads back, lists and deletes a probe object; each step as a JSON object appended to
 * steps ({"step","ok","ms","error"}), *ok when all passed. LAKE_NOT_FOUND for an unknown bucket. */
int engine_bucket_test(struct engine *e, const char *name, bool *ok, buf *steps, char *msg, size_t msglen);
void engine_cache_stats(struct engine *e, struct cache_stats *out);

/* What /metrics reads of the engine when it is scraped: each open worker's slots and memory, the
 * sessions, and the managed catalogs (their ids and names, for the per-catalog counters). */
struct eng_worker_sample {
	const char *slug; /* NULL: the worker was never opened */
	int running, waiting, slots;
	int64_t memory_bytes, temp_bytes; /* -1 when DuckDB could not tell */
	int64_t memory_limit;
};
struct eng_sample {
	struct eng_worker_sample workers[COMPUTE_SIZES];
	size_t sessions, sessions_max;
	struct metrics_catalog *catalogs; /* names belong to the sample */
	size_t ncatalogs;
};
int engine_sample(struct engine *e, struct eng_sample *out);
void engine_sample_free(struct eng_sample *s);

/* What one statement takes and returns, without running it (extended-protocol Describe). */
struct eng_description {
	idx_t nparams;
	duckdb_type *param_types; /* DUCKDB_TYPE_INVALID where DuckDB cannot tell */
	idx_t ncols;              /* 0 for statements that return no rows */
	char **names;
	duckdb_logical_type *types;
};
/* Describes sql (exactly one statement): -1 with err when it does not prepare. A write into a
 * managed table reports its $n parameters as VARCHAR and no columns. */
int engine_describe(struct eng_session *s, const char *sql, struct eng_description *out, struct eng_error *err);
void engine_description_free(struct eng_description *d);

/* Binds statement without running it; *valid and err tell the outcome. */
int engine_validate(struct eng_session *s, const char *sql, bool *valid, struct eng_error *err);

struct eng_suggestion {
	char *text;
	int64_t start;
	char *type;
	double score;
	char *extra_char;
};
/* Completions for the text so far; the caller frees them with engine_suggestions_free. */
int engine_autocomplete(struct eng_session *s, const char *sql, int max, struct eng_suggestion **out, size_t *n,
                        struct eng_error *err);
void engine_suggestions_free(struct eng_suggestion *sugg, size_t n);

/* The session's time zone for TIMESTAMPTZ values of the current query (after execute). */
const char *engine_query_timezone(const struct eng_query *q);

#endif
