/* Maintenance on the metadata: which files to compact, expiring old snapshots (their no longer
 * needed objects move to the garbage list), and the garbage list itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/lake.h"
#include "lake/metadata_internal.h"

#define VISIBLE " catalog_id = $1 AND begin_snapshot <= $2 AND (end_snapshot IS NULL OR end_snapshot > $2)"

struct candidate_rows {
	struct lake_compaction *items;
	size_t n, cap;
	bool failed;
};

static int candidate_row(void *ctx, int ncols, const char *const *v)
{
	struct candidate_rows *r = ctx;
	if (ncols < 3 || !v[0] || !v[1])
		return 0;
	int64_t table = strtoll(v[0], NULL, 10);
	struct lake_compaction *c = r->n ? &r->items[r->n - 1] : NULL;
	if (!c || c->table_id != table) {
		if (r->n == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 4;
			struct lake_compaction *p = realloc(r->items, cap * sizeof(*p));
			if (!p) {
				r->failed = true;
				return 1;
			}
			r->items = p;
			r->cap = cap;
		}
		c = &r->items[r->n++];
		memset(c, 0, sizeof(*c));
		c->table_id = table;
	}
	char **grown = realloc(c->paths, (c->n + 1) * sizeof(*grown));
	if (!grown || !(grown[c->n] = strdup(v[1]))) {
		if (grown)
			c->paths = grown;
		r->failed = true;
		return 1;
	}
	c->paths = grown;
	c->n++;
	c->rows += v[2] ? strtoll(v[2], NULL, 10) : 0;
	return 0;
}

void lake_compactions_free(struct lake_compaction *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < c[i].n; k++)
			free(c[i].paths[k]);
		free(c[i].paths);
	}
	free(c);
}

int lake_compaction_candidates(struct lake_meta *m, int64_t catalog_id, int64_t snapshot, int64_t small_bytes,
                               size_t min_files, struct lake_compaction **out, size_t *n, char *err, size_t errlen)
{
	char cid[24], snap[24], small[24];
	snprintf(cid, sizeof(cid), "%lld", (long long)catalog_id);
	snprintf(snap, sizeof(snap), "%lld", (long long)snapshot);
	snprintf(small, sizeof(small), "%lld", (long long)small_bytes);
	const char *params[] = {cid, snap, small};
	struct candidate_rows r = {0};
	pthread_mutex_lock(&m->mu);
	int rc = meta_exec(m->db,
	                   "SELECT table_id, path, row_count FROM lake_data_file WHERE" VISIBLE " AND size_bytes < $3"
	                   " ORDER BY table_id, file_id",
	                   3, params, candidate_row, &r, err, errlen);
	pthread_mutex_unlock(&m->mu);
	if (rc != META_OK || r.failed) {
		if (r.failed)
			snprintf(err, errlen, "out of memory");
		lake_compactions_free(r.items, r.n);
		return LAKE_ERROR;
	}
	/* Only tables with enough small files are worth a rewrite. */
	size_t kept = 0;
	for (size_t i = 0; i < r.n; i++) {
		if (r.items[i].n >= min_files) {
			r.items[kept++] = r.items[i];
		} else {
			for (size_t k = 0; k < r.items[i].n; k++)
				free(r.items[i].paths[k]);
			free(r.items[i].paths);
		}
	}
	*out = r.items;
	*n = kept;
	return LAKE_OK;
}

struct expire_args {
	int64_t catalog_id;
	const char *cutoff;
	int64_t keep_max;
	const char *now;
	int64_t expired;
};

/* Runs sql with $1 = a, $2 = b and, when it names $3, $3 = c (PostgreSQL refuses extra ones). */
static int exec2(struct lake_meta *m, const char *sql, const char *a, const char *b, const char *c, char *err,
                 size_t errlen)
{
	const char *params[] = {a, b, c};
	int n = strstr(sql, "$3") ? 3 : 2;
	return meta_exec(m->db, sql, n, params, NULL, NULL, err, errlen) == META_OK ? LAKE_OK : LAKE_ERROR;
}

static int do_expire(struct lake_meta *m, void *arg, char *err, size_t errlen)
{
	struct expire_args *a = arg;
	char cid[24], cutoff_keep[24];
	snprintf(cid, sizeof(cid), "%lld", (long long)a->catalog_id);
	const char *params[] = {cid, a->cutoff};
	int64_t keep = -1;
	/* The oldest snapshot still kept: the newest one at or before the cutoff (readers of times
	 * after the cutoff need it), and none a running query still reads. */
	if (meta_exec(m->db,
	              "SELECT COALESCE(MAX(snapshot_id), -1) FROM lake_snapshot WHERE catalog_id = $1 AND created_at <= $2",
	              2, params, lake_read_int64, &keep, err, errlen) != META_OK)
		return LAKE_ERROR;
	if (a->keep_max >= 0 && keep > a->keep_max)
		keep = a->keep_max;
	a->expired = 0;
	if (keep <= 0)
		return LAKE_OK;
	snprintf(cutoff_keep, sizeof(cutoff_keep), "%lld", (long long)keep);
	int64_t count = 0;
	const char *cparams[] = {cid, cutoff_keep};
	if (meta_exec(m->db, "SELECT COUNT(*) FROM lake_snapshot WHERE catalog_id = $1 AND snapshot_id < $2", 2, cparams,
	              lake_read_int64, &count, err, errlen) != META_OK)
		return LAKE_ERROR;
	a->expired = count;
	if (count == 0)
		return LAKE_OK;
	/* Objects only rows ended at or before `keep` refer to are garbage now. */
	static const char *const garbage[] = {
		"INSERT INTO lake_garbage (bucket, path, since) SELECT DISTINCT c.bucket, f.path, $3 FROM lake_data_file f"
		" JOIN lake_catalog c ON c.catalog_id = f.catalog_id WHERE f.catalog_id = $1 AND f.end_snapshot <= $2"
		" AND NOT EXISTS (SELECT 1 FROM lake_garbage g WHERE g.bucket = c.bucket AND g.path = f.path)",
		"INSERT INTO lake_garbage (bucket, path, since) SELECT DISTINCT c.bucket, d.path, $3 FROM lake_delete_file d"
		" JOIN lake_catalog c ON c.catalog_id = d.catalog_id WHERE d.catalog_id = $1 AND d.end_snapshot <= $2"
		" AND NOT EXISTS (SELECT 1 FROM lake_delete_file d2 WHERE d2.catalog_id = d.catalog_id AND d2.path = d.path"
		" AND (d2.end_snapshot IS NULL OR d2.end_snapshot > $2))"
		" AND NOT EXISTS (SELECT 1 FROM lake_garbage g WHERE g.bucket = c.bucket AND g.path = d.path)",
		"INSERT INTO lake_garbage (bucket, path, since) SELECT DISTINCT c.bucket, t.schema_file, $3 FROM lake_table t"
		" JOIN lake_catalog c ON c.catalog_id = t.catalog_id WHERE t.catalog_id = $1 AND t.end_snapshot <= $2"
		" AND NOT EXISTS (SELECT 1 FROM lake_table t2 WHERE t2.catalog_id = t.catalog_id"
		" AND t2.schema_file = t.schema_file AND (t2.end_snapshot IS NULL OR t2.end_snapshot > $2))"
		" AND NOT EXISTS (SELECT 1 FROM lake_garbage g WHERE g.bucket = c.bucket AND g.path = t.schema_file)",
		"DELETE FROM lake_file_column_stats WHERE catalog_id = $1 AND file_id IN"
		" (SELECT file_id FROM lake_data_file WHERE catalog_id = $1 AND end_snapshot <= $2)",
		"DELETE FROM lake_data_file WHERE catalog_id = $1 AND end_snapshot <= $2",
		"DELETE FROM lake_delete_file WHERE catalog_id = $1 AND end_snapshot <= $2",
		"DELETE FROM lake_column WHERE catalog_id = $1 AND end_snapshot <= $2",
		"DELETE FROM lake_table WHERE catalog_id = $1 AND end_snapshot <= $2",
		"DELETE FROM lake_schema WHERE catalog_id = $1 AND end_snapshot <= $2",
		"DELETE FROM lake_snapshot WHERE catalog_id = $1 AND snapshot_id < $2",
	};
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++)
		if (exec2(m, garbage[i], cid, cutoff_keep, a->now, err, errlen) != LAKE_OK)
			return LAKE_ERROR;
	return LAKE_OK;
}

int lake_expire(struct lake_meta *m, int64_t catalog_id, const char *cutoff, int64_t keep_max, int64_t *expired,
                char *err, size_t errlen)
{
	char now[40];
	lake_now_text(now, sizeof(now));
	struct expire_args a = {catalog_id, cutoff, keep_max, now, 0};
	int rc = lake_in_transaction(m, do_expire, &a, err, errlen);
	*expired = rc == LAKE_OK ? a.expired : 0;
	return rc;
}

struct path_rows {
	char **items;
	size_t n, cap;
	bool failed;
};

static int path_row(void *ctx, int ncols, const char *const *v)
{
	struct path_rows *r = ctx;
	if (ncols < 1 || !v[0])
		return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 32;
		char **p = realloc(r->items, cap * sizeof(*p));
		if (!p) {
			r->failed = true;
			return 1;
		}
		r->items = p;
		r->cap = cap;
	}
	if (!(r->items[r->n] = strdup(v[0]))) {
		r->failed = true;
		return 1;
	}
	r->n++;
	return 0;
}

static int collect_paths(struct lake_meta *m, const char *sql, int nparams, const char *const *params, char ***out,
                         size_t *n, char *err, size_t errlen)
{
	struct path_rows r = {0};
	pthread_mutex_lock(&m->mu);
	int rc = meta_exec(m->db, sql, nparams, params, path_row, &r, err, errlen);
	pthread_mutex_unlock(&m->mu);
	if (rc != META_OK || r.failed) {
		if (r.failed)
			snprintf(err, errlen, "out of memory");
		lake_paths_free(r.items, r.n);
		return LAKE_ERROR;
	}
	*out = r.items;
	*n = r.n;
	return LAKE_OK;
}

void lake_paths_free(char **paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(paths[i]);
	free(paths);
}

int lake_garbage_due(struct lake_meta *m, const char *bucket, const char *before, char ***out, size_t *n, char *err,
                     size_t errlen)
{
	const char *params[] = {bucket, before};
	return collect_paths(m, "SELECT path FROM lake_garbage WHERE bucket = $1 AND since <= $2 ORDER BY path LIMIT 10000",
	                     2, params, out, n, err, errlen);
}

int lake_garbage_forget(struct lake_meta *m, const char *bucket, const char *path, char *err, size_t errlen)
{
	const char *params[] = {bucket, path};
	pthread_mutex_lock(&m->mu);
	int rc = meta_exec(m->db, "DELETE FROM lake_garbage WHERE bucket = $1 AND path = $2", 2, params, NULL, NULL, err,
	                   errlen);
	pthread_mutex_unlock(&m->mu);
	return rc == META_OK ? LAKE_OK : LAKE_ERROR;
}

int lake_referenced_paths(struct lake_meta *m, const char *bucket, char ***out, size_t *n, char *err, size_t errlen)
{
	const char *params[] = {bucket};
	return collect_paths(m,
	                     "SELECT f.path FROM lake_data_file f JOIN lake_catalog c ON c.catalog_id = f.catalog_id"
	                     " WHERE c.bucket = $1"
	                     " UNION SELECT d.path FROM lake_delete_file d JOIN lake_catalog c ON c.catalog_id = d.catalog_id"
	                     " WHERE c.bucket = $1"
	                     " UNION SELECT t.schema_file FROM lake_table t JOIN lake_catalog c ON c.catalog_id = t.catalog_id"
	                     " WHERE c.bucket = $1"
	                     " UNION SELECT path FROM lake_garbage WHERE bucket = $1 ORDER BY 1",
	                     1, params, out, n, err, errlen);
}
