/* Committing changes as a catalog's next snapshot. The first statement of a commit bumps the
 * catalog's snapshot counter, which takes the store's write lock on that row (SQLite: the whole
 * database; PostgreSQL: the row until commit), so commits to one catalog are serialised everywhere
 * and each checks its changes against everything committed since the snapshot it read. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/lake.h"
#include "lake/metadata_internal.h"
#include "util/buf.h"
#include "util/metrics.h"

struct num {
	char s[24];
};

static struct num N(int64_t v)
{
	struct num n;
	snprintf(n.s, sizeof(n.s), "%lld", (long long)v);
	return n;
}

struct commit_ctx {
	struct lake_changeset *sets;
	size_t nsets;
	const char *author;
	int64_t *snapshots;
	int64_t new_table;
	char now[40];
	size_t at;       /* the changeset being applied */
	bool conflicted; /* the checks of sets[at] found a conflict */
};

/* Runs sql with the given text parameters (at most 8). */
static int run(struct lake_meta *m, meta_row_fn row, void *ctx, char *err, size_t errlen, const char *sql, int n, ...)
{
	const char *params[8];
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < n && i < 8; i++)
		params[i] = va_arg(ap, const char *);
	va_end(ap);
	return meta_exec(m->db, sql, n, params, row, ctx, err, errlen) == META_OK ? LAKE_OK : LAKE_ERROR;
}

/* The first column of the first row as a number (-1 when there is no row). */
static int scalar(struct lake_meta *m, int64_t *out, char *err, size_t errlen, const char *sql, int n, const char *a,
                  const char *b, const char *c)
{
	*out = -1;
	return run(m, lake_read_int64, out, err, errlen, sql, n, a, b, c);
}

static int read_name(void *ctx, int ncols, const char *const *values)
{
	if (ncols > 0 && values[0])
		snprintf(ctx, LAKE_NAME_MAX + 1, "%s", values[0]);
	return 1;
}

static int conflict(struct lake_meta *m, const char *cid, const char *tid, char *err, size_t errlen, const char *what)
{
	char name[LAKE_NAME_MAX + 1] = "";
	char ignored[256];
	run(m, read_name, name, ignored, sizeof(ignored),
	    "SELECT name FROM lake_table WHERE catalog_id = $1 AND table_id = $2 ORDER BY begin_snapshot DESC", 2, cid, tid);
	snprintf(err, errlen,
	         "could not serialize access: table %s was %s by a concurrent transaction; retry the transaction",
	         name[0] ? name : tid, what);
	return LAKE_CONFLICT;
}

/* Checks that table t may take change c, given what other commits did after base (this commit's
 * own earlier changes carry snapshot snap and do not count). */
static int check_table(struct lake_meta *m, const struct lake_changeset *cs, const struct lake_change *c,
                       const char *snap, char *err, size_t errlen)
{
	struct num cid = N(cs->catalog_id), tid = N(c->table_id), base = N(cs->base);
	int64_t count = -1;
	if (run(m, lake_read_int64, &count, err, errlen,
	        "SELECT COUNT(*) FROM lake_table WHERE catalog_id = $1 AND table_id = $2 AND end_snapshot IS NULL"
	        " AND (begin_snapshot <= $3 OR begin_snapshot = $4)",
	        4, cid.s, tid.s, base.s, snap) != LAKE_OK)
		return LAKE_ERROR;
	if (count != 1)
		return conflict(m, cid.s, tid.s, err, errlen, "altered or dropped");
	/* Appends never conflict with other writes; deletes only with ones of the same rows, which
	 * apply() checks file by file. */
	if (c->kind == LAKE_ADD_DATA || c->kind == LAKE_ADD_DELETES)
		return LAKE_OK;
	if (run(m, lake_read_int64, &count, err, errlen,
	        "SELECT COUNT(*) FROM lake_delete_file WHERE catalog_id = $1 AND table_id = $2 AND begin_snapshot > $3"
	        " AND begin_snapshot < $4",
	        4, cid.s, tid.s, base.s, snap) != LAKE_OK)
		return LAKE_ERROR;
	if (count > 0)
		return conflict(m, cid.s, tid.s, err, errlen, "updated or deleted from");
	const char *files_changed =
		"SELECT COUNT(*) FROM lake_data_file WHERE catalog_id = $1 AND table_id = $2"
		" AND ((begin_snapshot > $3 AND begin_snapshot < $4) OR (end_snapshot > $3 AND end_snapshot < $4))";
	count = -1;
	if (run(m, lake_read_int64, &count, err, errlen, files_changed, 4, cid.s, tid.s, base.s, snap) != LAKE_OK)
		return LAKE_ERROR;
	if (count > 0)
		return conflict(m, cid.s, tid.s, err, errlen, "written");
	return LAKE_OK;
}

struct overlap_ctx {
	const char *mine;
	bool overlap;
};

static int read_overlap(void *ctx, int ncols, const char *const *values)
{
	struct overlap_ctx *o = ctx;
	if (lake_ranges_overlap(o->mine, ncols > 0 ? values[0] : NULL))
		o->overlap = true;
	return o->overlap;
}

/* Whether a delete committed after base (by someone else) removed any of the rows t removes from
 * data file fid. */
static int rows_taken(struct lake_meta *m, const char *cid, const char *fid, const struct lake_changeset *cs,
                      const char *snap, const struct lake_delete_target *t, bool *overlap, char *err, size_t errlen)
{
	struct overlap_ctx o = {t->positions, false};
	struct num base = N(cs->base);
	const char *params[] = {cid, fid, base.s, snap};
	if (meta_exec(m->db,
	              "SELECT positions FROM lake_delete_file WHERE catalog_id = $1 AND file_id = $2 AND begin_snapshot > $3"
	              " AND begin_snapshot < $4",
	              4, params, read_overlap, &o, err, errlen) != META_OK)
		return LAKE_ERROR;
	*overlap = o.overlap;
	return LAKE_OK;
}

static int end_table(struct lake_meta *m, const char *cid, const char *tid, const char *snap, bool data_only, char *err,
                     size_t errlen)
{
	static const char *const sql[] = {
		"UPDATE lake_data_file SET end_snapshot = $3 WHERE catalog_id = $1 AND table_id = $2 AND end_snapshot IS NULL",
		"UPDATE lake_delete_file SET end_snapshot = $3 WHERE catalog_id = $1 AND table_id = $2 AND end_snapshot IS NULL",
		"UPDATE lake_column SET end_snapshot = $3 WHERE catalog_id = $1 AND table_id = $2 AND end_snapshot IS NULL",
		"UPDATE lake_table SET end_snapshot = $3 WHERE catalog_id = $1 AND table_id = $2 AND end_snapshot IS NULL",
	};
	for (size_t i = 0; i < (data_only ? 2 : 4); i++)
		if (run(m, NULL, NULL, err, errlen, sql[i], 3, cid, tid, snap) != LAKE_OK)
			return LAKE_ERROR;
	return LAKE_OK;
}

static int insert_columns(struct lake_meta *m, const char *cid, const char *tid, const char *snap,
                          struct lake_column *cols, size_t ncols, char *err, size_t errlen)
{
	int64_t next;
	if (scalar(m, &next, err, errlen,
	           "SELECT COALESCE(MAX(column_id), 0) + 1 FROM lake_column WHERE catalog_id = $1 AND table_id = $2", 2, cid,
	           tid, NULL) != LAKE_OK)
		return LAKE_ERROR;
	for (size_t i = 0; i < ncols; i++) {
		if (cols[i].id <= 0)
			cols[i].id = next++;
		char id[24], pos[24];
		snprintf(id, sizeof(id), "%lld", (long long)cols[i].id);
		snprintf(pos, sizeof(pos), "%zu", i);
		const char *params[] = {cid, tid, id, pos, cols[i].name, cols[i].type, cols[i].not_null ? "1" : "0",
		                        cols[i].default_expr, snap};
		if (meta_exec(m->db,
		              "INSERT INTO lake_column (catalog_id, table_id, column_id, position, name, type, not_null,"
		              " default_expr, begin_snapshot, end_snapshot) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL)",
		              9, params, NULL, NULL, err, errlen) != META_OK)
			return LAKE_ERROR;
	}
	return LAKE_OK;
}

static int insert_stats(struct lake_meta *m, const char *cid, const char *fid, const struct lake_change *c, char *err,
                        size_t errlen)
{
	for (size_t i = 0; i < c->nstats; i++) {
		char col[24], nulls[24];
		snprintf(col, sizeof(col), "%lld", (long long)c->stats[i].column_id);
		snprintf(nulls, sizeof(nulls), "%lld", (long long)c->stats[i].null_count);
		const char *params[] = {cid, fid, col, c->stats[i].min, c->stats[i].max, nulls};
		if (meta_exec(m->db,
		              "INSERT INTO lake_file_column_stats (catalog_id, file_id, column_id, min_value, max_value,"
		              " null_count) VALUES ($1, $2, $3, $4, $5, $6)",
		              6, params, NULL, NULL, err, errlen) != META_OK)
			return LAKE_ERROR;
	}
	return LAKE_OK;
}

static int name_taken(struct lake_meta *m, const char *cid, const char *sid, const char *name, int64_t except,
                      char *err, size_t errlen)
{
	int64_t count = -1;
	char ex[24];
	snprintf(ex, sizeof(ex), "%lld", (long long)except);
	const char *params[] = {cid, sid, name, ex};
	count = -1;
	if (meta_exec(m->db,
	              "SELECT COUNT(*) FROM lake_table WHERE catalog_id = $1 AND schema_id = $2 AND name = $3"
	              " AND end_snapshot IS NULL AND table_id <> $4",
	              4, params, lake_read_int64, &count, err, errlen) != META_OK)
		return -1;
	return count > 0;
}

static int apply(struct lake_meta *m, struct commit_ctx *x, struct lake_changeset *cs, struct lake_change *c,
                 const char *snap, buf *summary, char *err, size_t errlen)
{
	char cid[24], tid[24], sid[24];
	snprintf(cid, sizeof(cid), "%lld", (long long)cs->catalog_id);
	int64_t table_id = c->table_id == LAKE_NEW_TABLE ? x->new_table : c->table_id;
	snprintf(tid, sizeof(tid), "%lld", (long long)table_id);
	snprintf(sid, sizeof(sid), "%lld", (long long)c->schema_id);
	int64_t v;
	bool existing = c->table_id != LAKE_NEW_TABLE;
	switch (c->kind) {
	case LAKE_CREATE_SCHEMA:
		if (scalar(m, &v, err, errlen,
		           "SELECT COUNT(*) FROM lake_schema WHERE catalog_id = $1 AND name = $2 AND end_snapshot IS NULL", 2,
		           cid, c->name, NULL) != LAKE_OK)
			return LAKE_ERROR;
		if (v > 0) {
			snprintf(err, errlen, "schema \"%s\" already exists", c->name);
			return LAKE_EXISTS;
		}
		if (scalar(m, &v, err, errlen, "SELECT COALESCE(MAX(schema_id), 0) + 1 FROM lake_schema WHERE catalog_id = $1",
		           1, cid, NULL, NULL) != LAKE_OK ||
		    run(m, NULL, NULL, err, errlen,
		        "INSERT INTO lake_schema (catalog_id, schema_id, name, begin_snapshot, end_snapshot)"
		        " VALUES ($1, $2, $3, $4, NULL)",
		        4, cid, N(v).s, c->name, snap) != LAKE_OK)
			return LAKE_ERROR;
		buf_printf(summary, "create schema %s; ", c->name);
		return LAKE_OK;
	case LAKE_DROP_SCHEMA: {
		if (scalar(m, &v, err, errlen,
		           "SELECT COUNT(*) FROM lake_schema WHERE catalog_id = $1 AND schema_id = $2 AND end_snapshot IS NULL",
		           2, cid, sid, NULL) != LAKE_OK)
			return LAKE_ERROR;
		if (v != 1) {
			snprintf(err, errlen, "schema was dropped by a concurrent transaction");
			return LAKE_CONFLICT;
		}
		if (scalar(m, &v, err, errlen,
		           "SELECT COUNT(*) FROM lake_table WHERE catalog_id = $1 AND schema_id = $2 AND end_snapshot IS NULL",
		           2, cid, sid, NULL) != LAKE_OK)
			return LAKE_ERROR;
		if (v > 0 && !c->cascade) {
			snprintf(err, errlen, "cannot drop schema \"%s\" because other objects depend on it (it holds %lld table%s);"
			                      " use DROP SCHEMA ... CASCADE",
			         c->name, (long long)v, v == 1 ? "" : "s");
			return LAKE_INVALID;
		}
		if (v > 0) {
			static const char *const sql[] = {
				"UPDATE lake_data_file SET end_snapshot = $3 WHERE catalog_id = $1 AND end_snapshot IS NULL AND table_id IN"
				" (SELECT table_id FROM lake_table WHERE catalog_id = $1 AND schema_id = $2 AND end_snapshot IS NULL)",
				"UPDATE lake_delete_file SET end_snapshot = $3 WHERE catalog_id = $1 AND end_snapshot IS NULL AND table_id IN"
				" (SELECT table_id FROM lake_table WHERE catalog_id = $1 AND schema_id = $2 AND end_snapshot IS NULL)",
				"UPDATE lake_column SET end_snapshot = $3 WHERE catalog_id = $1 AND end_snapshot IS NULL AND table_id IN"
				" (SELECT table_id FROM lake_table WHERE catalog_id = $1 AND schema_id = $2 AND end_snapshot IS NULL)",
				"UPDATE lake_table SET end_snapshot = $3 WHERE catalog_id = $1 AND schema_id = $2 AND end_snapshot IS NULL",
			};
			for (size_t i = 0; i < 4; i++)
				if (run(m, NULL, NULL, err, errlen, sql[i], 3, cid, sid, snap) != LAKE_OK)
					return LAKE_ERROR;
		}
		if (run(m, NULL, NULL, err, errlen,
		        "UPDATE lake_schema SET end_snapshot = $3 WHERE catalog_id = $1 AND schema_id = $2 AND end_snapshot IS NULL",
		        3, cid, sid, snap) != LAKE_OK)
			return LAKE_ERROR;
		buf_printf(summary, "drop schema %s; ", c->name);
		return LAKE_OK;
	}
	case LAKE_CREATE_TABLE: {
		if (scalar(m, &v, err, errlen,
		           "SELECT COUNT(*) FROM lake_schema WHERE catalog_id = $1 AND schema_id = $2 AND end_snapshot IS NULL",
		           2, cid, sid, NULL) != LAKE_OK)
			return LAKE_ERROR;
		if (v != 1) {
			snprintf(err, errlen, "the schema of table \"%s\" was dropped by a concurrent transaction", c->name);
			return LAKE_CONFLICT;
		}
		int taken = name_taken(m, cid, sid, c->name, -1, err, errlen);
		if (taken < 0)
			return LAKE_ERROR;
		if (taken) {
			snprintf(err, errlen, "table \"%s\" already exists", c->name);
			return LAKE_EXISTS;
		}
		if (scalar(m, &v, err, errlen, "SELECT COALESCE(MAX(table_id), 0) + 1 FROM lake_table WHERE catalog_id = $1",
		           1, cid, NULL, NULL) != LAKE_OK)
			return LAKE_ERROR;
		x->new_table = v;
		snprintf(tid, sizeof(tid), "%lld", (long long)v);
		if (run(m, NULL, NULL, err, errlen,
		        "INSERT INTO lake_table (catalog_id, table_id, schema_id, name, schema_file, begin_snapshot, end_snapshot)"
		        " VALUES ($1, $2, $3, $4, $5, $6, NULL)",
		        6, cid, tid, sid, c->name, c->key, snap) != LAKE_OK ||
		    insert_columns(m, cid, tid, snap, c->cols, c->ncols, err, errlen) != LAKE_OK)
			return LAKE_ERROR;
		buf_printf(summary, "create table %s (%lld); ", c->name, (long long)v);
		return LAKE_OK;
	}
	case LAKE_DROP_TABLE:
		if (existing) {
			int rc = check_table(m, cs, c, snap, err, errlen);
			if (rc != LAKE_OK)
				return rc;
		}
		buf_printf(summary, "drop table %s; ", tid);
		return end_table(m, cid, tid, snap, false, err, errlen);
	case LAKE_TRUNCATE:
		if (existing) {
			int rc = check_table(m, cs, c, snap, err, errlen);
			if (rc != LAKE_OK)
				return rc;
		}
		buf_printf(summary, "truncate %s; ", tid);
		return end_table(m, cid, tid, snap, true, err, errlen);
	case LAKE_ALTER_TABLE: {
		if (existing) {
			int rc = check_table(m, cs, c, snap, err, errlen);
			if (rc != LAKE_OK)
				return rc;
		}
		int64_t schema_id = -1;
		if (scalar(m, &schema_id, err, errlen,
		           "SELECT schema_id FROM lake_table WHERE catalog_id = $1 AND table_id = $2 AND end_snapshot IS NULL", 2,
		           cid, tid, NULL) != LAKE_OK)
			return LAKE_ERROR;
		snprintf(sid, sizeof(sid), "%lld", (long long)schema_id);
		int taken = name_taken(m, cid, sid, c->name, table_id, err, errlen);
		if (taken < 0)
			return LAKE_ERROR;
		if (taken) {
			snprintf(err, errlen, "table \"%s\" already exists", c->name);
			return LAKE_EXISTS;
		}
		if (run(m, NULL, NULL, err, errlen,
		        "UPDATE lake_column SET end_snapshot = $3 WHERE catalog_id = $1 AND table_id = $2 AND end_snapshot IS NULL",
		        3, cid, tid, snap) != LAKE_OK ||
		    run(m, NULL, NULL, err, errlen,
		        "UPDATE lake_table SET end_snapshot = $3 WHERE catalog_id = $1 AND table_id = $2 AND end_snapshot IS NULL",
		        3, cid, tid, snap) != LAKE_OK ||
		    run(m, NULL, NULL, err, errlen,
		        "INSERT INTO lake_table (catalog_id, table_id, schema_id, name, schema_file, begin_snapshot, end_snapshot)"
		        " VALUES ($1, $2, $3, $4, $5, $6, NULL)",
		        6, cid, tid, sid, c->name, c->key, snap) != LAKE_OK ||
		    insert_columns(m, cid, tid, snap, c->cols, c->ncols, err, errlen) != LAKE_OK)
			return LAKE_ERROR;
		buf_printf(summary, "alter table %s; ", tid);
		return LAKE_OK;
	}
	case LAKE_ADD_DATA:
		if (existing) {
			int rc = check_table(m, cs, c, snap, err, errlen);
			if (rc != LAKE_OK)
				return rc;
		}
		if (scalar(m, &v, err, errlen, "SELECT COALESCE(MAX(file_id), 0) + 1 FROM lake_data_file WHERE catalog_id = $1",
		           1, cid, NULL, NULL) != LAKE_OK)
			return LAKE_ERROR;
		{
			char fid[24], rows[24], bytes[24];
			snprintf(fid, sizeof(fid), "%lld", (long long)v);
			snprintf(rows, sizeof(rows), "%lld", (long long)c->rows);
			snprintf(bytes, sizeof(bytes), "%lld", (long long)c->bytes);
			if (run(m, NULL, NULL, err, errlen,
			        "INSERT INTO lake_data_file (catalog_id, file_id, table_id, path, size_bytes, row_count,"
			        " begin_snapshot, end_snapshot) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
			        7, cid, fid, tid, c->key, bytes, rows, snap) != LAKE_OK ||
			    insert_stats(m, cid, fid, c, err, errlen) != LAKE_OK)
				return LAKE_ERROR;
		}
		buf_printf(summary, "insert %lld rows into %s; ", (long long)c->rows, tid);
		return LAKE_OK;
	case LAKE_REWRITE: {
		/* Compaction: the replaced files must all be live and have gained no deletes since base. */
		if (scalar(m, &v, err, errlen,
		           "SELECT COUNT(*) FROM lake_table WHERE catalog_id = $1 AND table_id = $2 AND end_snapshot IS NULL", 2,
		           cid, tid, NULL) != LAKE_OK)
			return LAKE_ERROR;
		if (v != 1)
			return conflict(m, cid, tid, err, errlen, "dropped");
		for (size_t i = 0; i < c->ntargets; i++) {
			int64_t fid = -1;
			const char *params[] = {cid, tid, c->targets[i].data_path};
			if (meta_exec(m->db,
			              "SELECT file_id FROM lake_data_file WHERE catalog_id = $1 AND table_id = $2 AND path = $3"
			              " AND end_snapshot IS NULL",
			              3, params, lake_read_int64, &fid, err, errlen) != META_OK)
				return LAKE_ERROR;
			if (fid < 0)
				return conflict(m, cid, tid, err, errlen, "rewritten");
			char fids[24], base[24];
			snprintf(fids, sizeof(fids), "%lld", (long long)fid);
			snprintf(base, sizeof(base), "%lld", (long long)cs->base);
			if (scalar(m, &v, err, errlen,
			           "SELECT COUNT(*) FROM lake_delete_file WHERE catalog_id = $1 AND file_id = $2 AND begin_snapshot > $3",
			           3, cid, fids, base) != LAKE_OK)
				return LAKE_ERROR;
			if (v > 0)
				return conflict(m, cid, tid, err, errlen, "deleted from");
			if (run(m, NULL, NULL, err, errlen,
			        "UPDATE lake_data_file SET end_snapshot = $3 WHERE catalog_id = $1 AND file_id = $2", 3, cid, fids,
			        snap) != LAKE_OK ||
			    run(m, NULL, NULL, err, errlen,
			        "UPDATE lake_delete_file SET end_snapshot = $3 WHERE catalog_id = $1 AND file_id = $2"
			        " AND end_snapshot IS NULL",
			        3, cid, fids, snap) != LAKE_OK)
				return LAKE_ERROR;
		}
		if (scalar(m, &v, err, errlen, "SELECT COALESCE(MAX(file_id), 0) + 1 FROM lake_data_file WHERE catalog_id = $1",
		           1, cid, NULL, NULL) != LAKE_OK)
			return LAKE_ERROR;
		char fid[24], rows[24], bytes[24];
		snprintf(fid, sizeof(fid), "%lld", (long long)v);
		snprintf(rows, sizeof(rows), "%lld", (long long)c->rows);
		snprintf(bytes, sizeof(bytes), "%lld", (long long)c->bytes);
		if (c->rows > 0 && (run(m, NULL, NULL, err, errlen,
		                        "INSERT INTO lake_data_file (catalog_id, file_id, table_id, path, size_bytes, row_count,"
		                        " begin_snapshot, end_snapshot) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)",
		                        7, cid, fid, tid, c->key, bytes, rows, snap) != LAKE_OK ||
		                    insert_stats(m, cid, fid, c, err, errlen) != LAKE_OK))
			return LAKE_ERROR;
		buf_printf(summary, "compact %zu files of %s; ", c->ntargets, tid);
		return LAKE_OK;
	}
	case LAKE_ADD_DELETES: {
		if (existing) {
			int rc = check_table(m, cs, c, snap, err, errlen);
			if (rc != LAKE_OK)
				return rc;
		}
		int64_t did;
		if (scalar(m, &did, err, errlen,
		           "SELECT COALESCE(MAX(delete_id), 0) + 1 FROM lake_delete_file WHERE catalog_id = $1", 1, cid, NULL,
		           NULL) != LAKE_OK)
			return LAKE_ERROR;
		char dids[24];
		snprintf(dids, sizeof(dids), "%lld", (long long)did);
		int64_t total = 0;
		for (size_t i = 0; i < c->ntargets; i++) {
			int64_t fid = -1;
			const char *params[] = {cid, tid, c->targets[i].data_path};
			if (meta_exec(m->db,
			              "SELECT file_id FROM lake_data_file WHERE catalog_id = $1 AND table_id = $2 AND path = $3"
			              " AND end_snapshot IS NULL",
			              3, params, lake_read_int64, &fid, err, errlen) != META_OK)
				return LAKE_ERROR;
			if (fid < 0)
				return conflict(m, cid, tid, err, errlen, "rewritten");
			char fids[24], count[24];
			snprintf(fids, sizeof(fids), "%lld", (long long)fid);
			snprintf(count, sizeof(count), "%lld", (long long)c->targets[i].count);
			bool overlap = false;
			if (existing && rows_taken(m, cid, fids, cs, snap, &c->targets[i], &overlap, err, errlen) != LAKE_OK)
				return LAKE_ERROR;
			if (overlap)
				return conflict(m, cid, tid, err, errlen, "updated or deleted from (the same rows)");
			if (run(m, NULL, NULL, err, errlen,
			        "INSERT INTO lake_delete_file (catalog_id, delete_id, table_id, file_id, path, delete_count,"
			        " begin_snapshot, end_snapshot, positions) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)",
			        8, cid, dids, tid, fids, c->key, count, snap, c->targets[i].positions) != LAKE_OK)
				return LAKE_ERROR;
			total += c->targets[i].count;
		}
		buf_printf(summary, "delete %lld rows from %s; ", (long long)total, tid);
		return LAKE_OK;
	}
	}
	return LAKE_ERROR;
}

static int do_commit(struct lake_meta *m, void *arg, char *err, size_t errlen)
{
	struct commit_ctx *x = arg;
	x->new_table = 0;
	x->conflicted = false;
	for (size_t i = 0; i < x->nsets; i++) {
		struct lake_changeset *cs = &x->sets[i];
		x->at = i;
		char cid[24];
		snprintf(cid, sizeof(cid), "%lld", (long long)cs->catalog_id);
		int64_t snap;
		if (run(m, NULL, NULL, err, errlen, "UPDATE lake_catalog SET snapshot_id = snapshot_id + 1 WHERE catalog_id = $1",
		        1, cid) != LAKE_OK ||
		    scalar(m, &snap, err, errlen, "SELECT snapshot_id FROM lake_catalog WHERE catalog_id = $1", 1, cid, NULL,
		           NULL) != LAKE_OK)
			return LAKE_ERROR;
		if (snap < 0) {
			snprintf(err, errlen, "the catalog was dropped");
			return LAKE_NOT_FOUND;
		}
		char snaps[24];
		snprintf(snaps, sizeof(snaps), "%lld", (long long)snap);
		buf summary;
		buf_init(&summary);
		int rc = LAKE_OK;
		for (size_t c = 0; c < cs->n && rc == LAKE_OK; c++)
			rc = apply(m, x, cs, &cs->items[c], snaps, &summary, err, errlen);
		x->conflicted = rc == LAKE_CONFLICT;
		if (rc == LAKE_OK) {
			if (summary.len >= 2)
				summary.len -= 2; /* the last "; " */
			buf_putc(&summary, '\0');
			if (buf_failed(&summary)) {
				snprintf(err, errlen, "out of memory");
				rc = LAKE_ERROR;
			} else {
				rc = run(m, NULL, NULL, err, errlen,
				         "INSERT INTO lake_snapshot (catalog_id, snapshot_id, created_at, author, changes)"
				         " VALUES ($1, $2, $3, $4, $5)",
				         5, cid, snaps, x->now, x->author ? x->author : "", summary.data);
			}
		}
		buf_free(&summary);
		if (rc != LAKE_OK)
			return rc;
		x->snapshots[i] = snap;
	}
	return LAKE_OK;
}

int lake_commit(struct lake_meta *m, struct lake_changeset *sets, size_t nsets, const char *author,
                int64_t *snapshots, int64_t *new_table, char *err, size_t errlen)
{
	/* Catalog rows are locked in id order, so two commits never wait on each other in a cycle. */
	for (size_t i = 1; i < nsets; i++)
		for (size_t j = i; j > 0 && sets[j - 1].catalog_id > sets[j].catalog_id; j--) {
			struct lake_changeset t = sets[j];
			sets[j] = sets[j - 1];
			sets[j - 1] = t;
		}
	struct commit_ctx x = {sets, nsets, author, snapshots, 0, "", 0, false};
	lake_now_text(x.now, sizeof(x.now));
	int rc = lake_in_transaction(m, do_commit, &x, err, errlen);
	/* A conflict the checks found belongs to the changeset they were applying; a transaction the
	 * store kept refusing to serialise, to every catalog of the commit. */
	for (size_t i = 0; i < nsets; i++)
		if (rc == LAKE_OK)
			metrics_catalog_count(sets[i].catalog_id, METRICS_COMMITTED);
		else if (rc == LAKE_CONFLICT && (!x.conflicted || i == x.at))
			metrics_catalog_count(sets[i].catalog_id, METRICS_CONFLICT);
	if (new_table)
		*new_table = rc == LAKE_OK ? x.new_table : 0;
	return rc;
}

struct lake_change *lake_changeset_add(struct lake_changeset *cs, enum lake_change_kind kind)
{
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 4;
		struct lake_change *p = realloc(cs->items, cap * sizeof(*p));
		if (!p)
			return NULL;
		cs->items = p;
		cs->cap = cap;
	}
	struct lake_change *c = &cs->items[cs->n++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	return c;
}

void lake_changeset_free(struct lake_changeset *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		struct lake_change *c = &cs->items[i];
		free(c->key);
		for (size_t k = 0; k < c->ncols; k++)
			lake_column_free(&c->cols[k]);
		free(c->cols);
		for (size_t k = 0; k < c->ntargets; k++) {
			free(c->targets[k].data_path);
			free(c->targets[k].positions);
		}
		free(c->targets);
		for (size_t k = 0; k < c->nstats; k++) {
			free(c->stats[k].min);
			free(c->stats[k].max);
		}
		free(c->stats);
	}
	free(cs->items);
	cs->items = NULL;
	cs->n = cs->cap = 0;
}

size_t lake_changeset_keys(const struct lake_changeset *cs, const char **keys, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < cs->n; i++)
		if (cs->items[i].key && n < max)
			keys[n++] = cs->items[i].key;
	return n;
}
