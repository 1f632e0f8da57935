/* A connection to the metadata database, SQLite (embedded) or PostgreSQL (shared by several
 * servers). The metadata SQL is written once, in the dialect both accept, with $1..$n parameters
 * passed as text; each driver maps that onto its own library. Drivers do no locking: the metadata
 * layer serialises use of a connection. */
#ifndef LAKEHOUSE_LAKE_META_DB_H
#define LAKEHOUSE_LAKE_META_DB_H

#include <stdbool.h>
#include <stddef.h>

struct meta_db;

/* Called once per result row; values[i] is NULL for SQL NULL. Return non-zero to stop. */
typedef int (*meta_row_fn)(void *ctx, int ncols, const char *const *values);

/* Why a statement failed, as far as the caller needs to act on it. */
enum meta_status {
	META_OK = 0,
	META_ERROR = -1,
	META_CONFLICT = -2, /* a unique key taken */
	META_RETRY = -3,    /* a serialization failure, deadlock or busy store: the transaction may pass if run again */
};

struct meta_db_ops {
	const char *name;
	/* Runs one statement (several, separated by ';', when nparams is 0). */
	int (*exec)(struct meta_db *db, const char *sql, int nparams, const char *const *params, meta_row_fn row,
	            void *ctx, char *err, size_t errlen);
	/* Starts a write transaction (SQLite takes its write lock up front). */
	int (*begin)(struct meta_db *db, char *err, size_t errlen);
	void (*close)(struct meta_db *db);
};

struct meta_db {
	const struct meta_db_ops *ops;
	/* set when a statement failed with META_RETRY, until the caller clears it: the error reaches
	 * the transaction's owner through callers that only know "it failed" */
	bool retry;
};

/* "postgres://…" or "postgresql://…" (or a libpq "key=value" string with host=) opens PostgreSQL;
 * anything else is the path of an SQLite file. */
struct meta_db *meta_db_open(const char *target, char *err, size_t errlen);
struct meta_db *meta_sqlite_open(const char *path, char *err, size_t errlen);
struct meta_db *meta_postgres_open(const char *conninfo, char *err, size_t errlen);

static inline int meta_exec(struct meta_db *db, const char *sql, int nparams, const char *const *params,
                            meta_row_fn row, void *ctx, char *err, size_t errlen)
{
	int rc = db->ops->exec(db, sql, nparams, params, row, ctx, err, errlen);
	if (rc == META_RETRY)
		db->retry = true;
	return rc;
}

#endif
