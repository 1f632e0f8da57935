/* SQLite metadata driver. The file is opened in WAL mode with synchronous=FULL: a commit that
 * returned is on disk. $n parameters are SQLite's own "$AAAA" form, bound by name. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/meta_db.h"

struct meta_sqlite {
	struct meta_db base;
	sqlite3 *db;
};

static int status_of(int rc)
{
	int primary = rc & 0xFF;
	return primary == SQLITE_CONSTRAINT ? META_CONFLICT : primary == SQLITE_BUSY ? META_RETRY : META_ERROR;
}

static int run_one(sqlite3 *db, const char *sql, const char **tail, int nparams, const char *const *params,
                   meta_row_fn row, void *ctx, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, tail);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return status_of(rc);
	}
	if (!st) /* only whitespace or a comment */
		return META_OK;
	for (int i = 0; i < nparams; i++) {
		char name[16];
		snprintf(name, sizeof(name), "$%d", i + 1);
		int idx = sqlite3_bind_parameter_index(st, name);
		if (idx > 0)
			sqlite3_bind_text(st, idx, params[i], params[i] ? -1 : 0, SQLITE_TRANSIENT);
	}
	int ncols = sqlite3_column_count(st);
	const char *values[64];
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!row)
			continue;
		int n = ncols < 64 ? ncols : 64;
		for (int c = 0; c < n; c++)
			values[c] = (const char *)sqlite3_column_text(st, c);
		if (row(ctx, n, values))
			break;
	}
	int result = META_OK;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		result = status_of(rc);
	}
	sqlite3_finalize(st);
	return result;
}

static int sq_exec(struct meta_db *base, const char *sql, int nparams, const char *const *params, meta_row_fn row,
                   void *ctx, char *err, size_t errlen)
{
	struct meta_sqlite *m = (struct meta_sqlite *)base;
	const char *tail = sql;
	do {
		int rc = run_one(m->db, tail, &tail, nparams, params, row, ctx, err, errlen);
		if (rc != META_OK)
			return rc;
	} while (nparams == 0 && tail && *tail);
	return META_OK;
}

static int sq_begin(struct meta_db *base, char *err, size_t errlen)
{
	return sq_exec(base, "BEGIN IMMEDIATE", 0, NULL, NULL, NULL, err, errlen);
}

static void sq_close(struct meta_db *base)
{
	struct meta_sqlite *m = (struct meta_sqlite *)base;
	sqlite3_close(m->db);
	free(m);
}

static const struct meta_db_ops sqlite_ops = {"sqlite", sq_exec, sq_begin, sq_close};

struct meta_db *meta_sqlite_open(const char *path, char *err, size_t errlen)
{
	struct meta_sqlite *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->base.ops = &sqlite_ops;
	if (sqlite3_open_v2(path, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "cannot open metadata file %s: %s", path, m->db ? sqlite3_errmsg(m->db) : "out of memory");
		sqlite3_close(m->db);
		free(m);
		return NULL;
	}
	sqlite3_busy_timeout(m->db, 5000);
	if (sq_exec(&m->base, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", 0, NULL,
	            NULL, NULL, err, errlen) != META_OK) {
		sq_close(&m->base);
		return NULL;
	}
	return &m->base;
}
