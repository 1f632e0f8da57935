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
#include "lake/lake.h"
#include "storage/cache.h"
#include "storage/store.h"
#include "util/secret_box.h"
#include "util/buf.h"

/* Longest catalog name the gate compares (the lake allows 63 bytes). */
#define LAKE_CATALOG_NAME_MAX 255

#define ENG_RETRY_LANES 32

#define STMT_CACHE_SIZE 8
#define STMT_CACHE_SQL_MAX 65536

struct stmt_cache_entry {
	char *sql;
	duckdb_prepared_statement prep;
};

/* Cached objects a query (or open transaction) reads: pinned so no eviction takes them. */
struct eng_pins {
	struct cache_entry **v;
	size_t n, cap;
};

/* A bucket as the engine uses it; valid until the engine closes (a removed one is only retired). */
struct eng_bucket {
	char name[LAKE_NAME_MAX + 1];
	char uid[40];        /* its space in the SSD cache; "" for the built-in bucket */
	struct store *store;
	bool cached;         /* read through the SSD cache (every bucket but the built-in one) */
	bool retired;        /* removed: not found by name any more */
	char root[4200];     /* local path of an object = root + key */
	struct eng_bucket *next;
};

/* What one query's binds read of managed tables, for its stats: the SSD cache's answers, and the
 * data files its scans were given (before DuckDB skips row groups by their statistics). DuckDB may
 * bind a statement more than once, so each table version counts once per query (the first
 * ENG_USAGE_TABLES of them are remembered; beyond, every bind counts). */
#define ENG_USAGE_TABLES 32
struct eng_usage {
	struct cache_use cache;
	uint64_t files, bytes, rows;
	struct {
		int64_t catalog, table, snapshot;
	} read[ENG_USAGE_TABLES];
	size_t nread;
};

/* A session's view of the lake: the snapshots its statement (or open transaction) reads, and the
 * changes its open transaction has made but not committed (one changeset per catalog). */
struct eng_lake_session {
	bool in_txn;
	bool txn_failed; /* a statement failed inside the transaction: COMMIT must not commit */
	bool touched;    /* the current statement read a managed table */
	struct lake_head *pins;
	size_t npins;
	struct lake_head *held; /* snapshots registered as in use until the query (or transaction) ends */
	size_t nheld;
	struct lake_changeset *pending;
	size_t npending;
	struct eng_pins objects; /* cached objects read, released with the held snapshots */
	struct eng_usage usage;  /* what the running query's binds read */
};

struct eng_session {
	struct engine *e;
	struct worker *w;
	duckdb_connection conn;
	struct sess_entry *entry;
	char *user;
	/* something other than a query ran, or the connection was handed out: its state may differ
	 * from a new connection's, so it is never given to another session (session_spares.c) */
	bool altered;
	char timezone[128];
	bool timezone_stale;
	bool own_macros; /* eng_session_macros ran */
	bool broken;
	struct stmt_cache_entry cache[STMT_CACHE_SIZE];
	int cache_next;
	struct eng_lake_session lake;
};

/* Connections of closed sessions that only ran queries, kept for new sessions of the same user. */
#define ENG_SPARES 16
struct eng_spares {
	pthread_mutex_t mu;
	struct eng_session *v[ENG_SPARES]; /* oldest first */
	size_t n;
};

struct eng_pin {
	int64_t catalog_id;
	int64_t snapshot;
	int refs;
};

struct engine {
	const struct config *cfg;
	struct worker workers[COMPUTE_SIZES];
	struct eng_spares spares[COMPUTE_SIZES];
	pthread_mutex_t open_mu; /* guards opening workers and the catalog list */
	struct lake_head *catalogs; /* managed catalogs attached to the workers */
	size_t ncatalogs;
	struct lake_meta *lake;
	pthread_mutex_t buckets_mu;
	struct eng_bucket *buckets; /* opened so far; the built-in bucket first opened, last in the list */
	struct cache *cache;
	unsigned char secret_key[SECRET_KEY_LEN];
	struct sess_registry *sessions;
	struct qlog *log;
	atomic_bool draining;
	atomic_int active;
	/* An autocommit statement that lost a race runs again holding its table's lane, so the
	 * statements of this server retrying on one hot table take turns instead of colliding. */
	pthread_mutex_t retry_lanes[ENG_RETRY_LANES];
	pthread_mutex_t pins_mu; /* snapshots running queries read: maintenance keeps them */
	struct eng_pin *pinned;
	size_t npinned;
	pthread_t maintainer;
	bool maintainer_started;
	pthread_t reaper;
	pthread_mutex_t reaper_mu;
	pthread_cond_t reaper_cv;
	bool stop;
};

struct eng_query {
	struct eng_session *s;
	const char *sql; /* the caller's, alive until engine_query_end */
	enum metrics_door door;
	int64_t start_us; /* monotonic */
	struct qlog_entry *log;
	duckdb_result result;
	bool has_result;
	idx_t ncols;
	duckdb_logical_type *types;
	bool ended;
	bool nothing; /* the last statement was routed DDL: report no result set */
	const duckdb_value *params;
	size_t nparams;
	bool (*column_as_text)(duckdb_logical_type t);
	duckdb_value (*list_param)(duckdb_value text);
	char *substituted; /* the text with parameters written in, for statements the router takes */
};

/* Fills err (status, message, SQLSTATE from the message's head). */
void eng_set_error(struct eng_error *err, enum eng_status st, const char *msg);
/* A SQL error of query q (q may be NULL): DuckDB's message, "Interrupted" when it was cancelled. */
void eng_fail(struct eng_error *err, const char *msg, struct eng_query *q);
/* A SQL error with a SQLSTATE of our own choosing. */
void eng_fail_state(struct eng_error *err, const char *sqlstate, const char *msg);
/* A statement of the session failed: an open transaction is aborted. */
void eng_txn_statement_failed(struct eng_session *s);
/* True (err filled, 25P02) when the session's transaction is aborted and sql[0..len) is not the
 * COMMIT or ROLLBACK that ends it. */
bool eng_txn_refuses(struct eng_session *s, const char *sql, size_t len, struct eng_error *err);
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

/* catalogs.c */
/* Attaches every managed catalog to a worker being opened (open_mu held). */
int eng_attach_all(struct engine *e, struct worker *w, char *msg, size_t msglen);
/* Reads the statement heads of q: refuses ATTACH/DETACH; *routed says whether any statement
 * writes into a managed catalog or controls a transaction, so must go through the lake router. */
int eng_classify(struct eng_query *q, bool *routed, struct eng_error *err);
/* Follows catalogs and schema changes made by other servers on the same metadata store. */
void eng_catalogs_refresh(struct engine *e);
/* The managed catalog called name, when there is one. */
bool eng_catalog_lookup(struct engine *e, const char *name, struct lake_head *out);

/* lake_scan.c */
/* Defines the table macros managed tables' placeholders become, in database.main (NULL: as TEMP
 * macros of connection c). Every worker has them in memory.main and in each managed catalog, where
 * DuckDB finds them for views and for sessions whose current database is one of those. */
int eng_lake_macros(duckdb_connection c, const char *database, char *msg, size_t msglen);
/* Gives session s macros of its own once its search path may leave the databases that have them
 * (a USE of another catalog, SET search_path or schema). */
int eng_session_macros(struct eng_session *s, struct eng_error *err);

/* session_spares.c. Takes a kept session of user on worker w (its entry unset), or NULL. */
struct eng_session *eng_spare_take(struct engine *e, struct worker *w, const char *user);
/* Offers a closing session: returns the session the caller must destroy — none (NULL) when s was
 * kept, s itself when it cannot be, or the oldest kept one it displaced. */
struct eng_session *eng_spare_offer(struct engine *e, struct eng_session *s);
void eng_spares_init(struct engine *e);
/* Empties the pools, handing each kept session to destroy. */
void eng_spares_free(struct engine *e, void (*destroy)(void *session));
void eng_lake_register(struct engine *e, struct worker *w);
/* The session whose statement this thread is preparing (what the replacement scan reads for). */
void eng_lake_bind_begin(struct eng_session *s);
void eng_lake_bind_end(void);
struct eng_session *eng_lake_bound(void);
/* Gives back what binds outside a session pinned on this thread (after building views). */
void eng_lake_unbound_release(struct engine *e);
/* Forgets the statement's snapshots (kept while a transaction is open). */
void eng_lake_statement_done(struct eng_session *s);
/* The snapshot of catalog_id the session reads now (fixed at first use per statement/transaction). */
int eng_lake_pin(struct eng_session *s, int64_t catalog_id, int64_t *snapshot, char *msg, size_t msglen);

/* Gives back the snapshots the session's query held (kept while its transaction is open). */
void eng_lake_release(struct eng_session *s, bool force);
/* The oldest snapshot of catalog_id a running query or open transaction reads, or -1. */
int64_t eng_lake_oldest_pinned(struct engine *e, int64_t catalog_id);

/* buckets.c */
/* Loads the secret key, opens the SSD cache and the built-in bucket. */
int eng_buckets_open(struct engine *e, char *msg, size_t msglen);
void eng_buckets_close(struct engine *e);
/* The bucket called name (opened from the metadata store on first use), or NULL with msg. */
struct eng_bucket *eng_bucket_get(struct engine *e, const char *name, char *msg, size_t msglen);
struct eng_bucket *eng_bucket_of_catalog(struct engine *e, int64_t catalog_id, char *msg, size_t msglen);
/* Forgets buckets that other servers removed or replaced. */
void eng_buckets_refresh(struct engine *e);
/* Stores the local file at path as key; the file is consumed on success. */
int eng_bucket_put(struct engine *e, struct eng_bucket *b, const char *key, const char *path, char *msg,
                   size_t msglen);
int eng_bucket_delete(struct engine *e, struct eng_bucket *b, const char *key, char *msg, size_t msglen);
/* Makes key readable at b->root + key (size: what it weighs, 0 when unknown), pinned in pins;
 * use (may be NULL) counts what the SSD cache had and what it downloaded. -2 when the bucket has
 * no such object, -1 on other errors (msg says which). */
int eng_bucket_fetch(struct engine *e, struct eng_bucket *b, const char *key, uint64_t size, struct eng_pins *pins,
                     struct cache_use *use, char *msg, size_t msglen);
/* The same for n objects at once, fetched in parallel. */
int eng_bucket_fetch_all(struct engine *e, struct eng_bucket *b, const char *const *keys, const uint64_t *sizes,
                         size_t n, struct eng_pins *pins, struct cache_use *use, char *msg, size_t msglen);
void eng_pins_release(struct engine *e, struct eng_pins *pins);

/* lake_maintenance.c */
int eng_maintenance_start(struct engine *e);
void eng_maintenance_stop(struct engine *e);

/* lake_views.c */
/* lake_types.c: the type data files store for a declared column type, appended to out; *changed
 * when it differs (then values are cast to it on write and back by the view), *union_text when a
 * UNION member would need text storage (not storable). -1 for a type text it cannot read (then
 * the declared text is used). */
int eng_lake_physical_type(const char *declared, buf *out, bool *changed, bool *union_text);
/* True when files store the declared type as it is. */
bool eng_lake_type_exact(const char *declared);
/* The zero-row SELECT of a table's physical columns (c<id> in their stored types): the content of
 * its schema file. */
void eng_lake_schema_select(buf *b, const struct lake_column *cols, size_t ncols);
/* The local copy of schema file `key` in worker w's folder (lake_views.c makes it from the
 * metadata when views are built): true and its path when it exists. */
bool eng_lake_local_schema(const struct worker *w, const char *key, char *path, size_t pathlen);
/* The worker whose views this thread is building (binds outside any session), or NULL. */
void eng_lake_build_begin(struct worker *w);
void eng_lake_build_end(void);
/* SELECT of the table's columns (declared names and types) from its placeholder. */
void eng_lake_view_select(buf *b, const struct lake_table *t, int64_t catalog_id, const char *placeholder_suffix);
int eng_lake_sync_worker(struct engine *e, struct worker *w, const struct lake_head *h, char *msg, size_t msglen);

/* lake_not_null.c: the table function lakehouse_managed_columns() of worker w, and the NOT NULL
 * columns and defaults it lists for a catalog (replaced by those of st; none when st is NULL). */
int eng_not_null_register(struct worker *w, char *msg, size_t msglen);
void eng_not_null_set(struct worker *w, const char *catalog, const struct lake_state *st);
/* Rebuilds catalog_id's schemas and views in every open worker from its latest snapshot, unless
 * its schema version is still if_ddl_not (-1: always). */
void eng_lake_sync_catalog(struct engine *e, int64_t catalog_id, int64_t if_ddl_not);

/* lake_stats.c: per-column statistics of the data file at path (physical columns c<id>). */
int eng_lake_file_stats(duckdb_connection c, const char *path, const struct lake_column *cols, size_t ncols,
                        struct lake_column_stats **out, size_t *n, char *msg, size_t msglen);

/* lake_router.c */
/* Runs one statement sql[0..len) when the router takes it (a write into a managed catalog or
 * transaction control): returns 0 and *count, the changed row count (-1 for DDL and transaction
 * control). Returns 1 for a statement DuckDB runs itself, in *rewritten (caller frees) when time
 * travel had to be rewritten; -1 on error. */
int eng_lake_route(struct eng_query *q, const char *sql, size_t len, int64_t *count, char **rewritten,
                   struct eng_error *err);
/* Checks one statement the router would take, without running it: 0 valid, -1 invalid (err
 * says why), 1 for DuckDB to check (in *rewritten, caller frees, when time travel was rewritten). */
int eng_lake_validate(struct eng_session *s, const char *sql, size_t len, char **rewritten, struct eng_error *err);
/* Whether the text may hold `AT (VERSION => …)` / `AT (TIMESTAMP => …)` (a cheap test). */
bool lake_time_travel_possible(const char *sql, size_t len);
/* Throws away the session's uncommitted lake changes (session closing, ROLLBACK). */
void eng_lake_abandon(struct eng_session *s);

#endif
