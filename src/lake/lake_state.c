/* Reading a snapshot: catalog heads, the schemas/tables/columns it holds, a table's files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/lake.h"
#include "lake/metadata_internal.h"

/* Visible at snapshot $2 (the catalog is $1). */
#define VISIBLE " catalog_id = $1 AND begin_snapshot <= $2 AND (end_snapshot IS NULL OR end_snapshot > $2)"

/* A growable array filled by row callbacks. */
struct rows {
	void *items;
	size_t n, cap, size;
	bool failed;
};

static void *rows_next(struct rows *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		void *p = realloc(r->items, cap * r->size);
		if (!p) {
			r->failed = true;
			return NULL;
		}
		r->items = p;
		r->cap = cap;
	}
	void *item = (char *)r->items + r->n++ * r->size;
	memset(item, 0, r->size);
	return item;
}

static int64_t num(const char *v) { return v ? strtoll(v, NULL, 10) : 0; }

static int heads_row(void *ctx, int ncols, const char *const *v)
{
	struct rows *r = ctx;
	if (ncols < 4)
		return 0;
	struct lake_head *h = rows_next(r);
	if (!h)
		return 1;
	h->id = num(v[0]);
	h->snapshot = num(v[1]);
	snprintf(h->name, sizeof(h->name), "%s", v[2] ? v[2] : "");
	snprintf(h->bucket, sizeof(h->bucket), "%s", v[3] ? v[3] : "");
	return 0;
}

int lake_heads(struct lake_meta *m, struct lake_head **out, size_t *n, char *err, size_t errlen)
{
	struct rows r = {.size = sizeof(struct lake_head)};
	pthread_mutex_lock(&m->mu);
	int rc = meta_exec(m->db, "SELECT catalog_id, snapshot_id, name, bucket FROM lake_catalog ORDER BY catalog_id", 0,
	                   NULL, heads_row, &r, err, errlen);
	pthread_mutex_unlock(&m->mu);
	if (rc != META_OK || r.failed) {
		if (r.failed)
			snprintf(err, errlen, "out of memory");
		free(r.items);
		return LAKE_ERROR;
	}
	*out = r.items;
	*n = r.n;
	return LAKE_OK;
}

static int schema_row(void *ctx, int ncols, const char *const *v)
{
	struct rows *r = ctx;
	if (ncols < 2)
		return 0;
	struct lake_schema *s = rows_next(r);
	if (!s)
		return 1;
	s->id = num(v[0]);
	snprintf(s->name, sizeof(s->name), "%s", v[1] ? v[1] : "");
	return 0;
}

static int table_row(void *ctx, int ncols, const char *const *v)
{
	struct rows *r = ctx;
	if (ncols < 5)
		return 0;
	struct lake_table *t = rows_next(r);
	if (!t)
		return 1;
	t->id = num(v[0]);
	t->schema_id = num(v[1]);
	snprintf(t->name, sizeof(t->name), "%s", v[2] ? v[2] : "");
	t->schema_file = strdup(v[3] ? v[3] : "");
	t->version = num(v[4]);
	if (!t->schema_file) {
		r->failed = true;
		return 1;
	}
	return 0;
}

struct column_ctx {
	struct lake_state *s;
	bool failed;
};

static struct lake_table *table_by_id(struct lake_state *s, int64_t id)
{
	for (size_t i = 0; i < s->ntables; i++)
		if (s->tables[i].id == id)
			return &s->tables[i];
	return NULL;
}

static int column_row(void *ctx, int ncols, const char *const *v)
{
	struct column_ctx *c = ctx;
	if (ncols < 6)
		return 0;
	struct lake_table *t = table_by_id(c->s, num(v[0]));
	if (!t)
		return 0;
	struct lake_column *grown = realloc(t->cols, (t->ncols + 1) * sizeof(*grown));
	if (!grown) {
		c->failed = true;
		return 1;
	}
	t->cols = grown;
	struct lake_column *col = &t->cols[t->ncols];
	memset(col, 0, sizeof(*col));
	col->id = num(v[1]);
	snprintf(col->name, sizeof(col->name), "%s", v[2] ? v[2] : "");
	col->type = strdup(v[3] ? v[3] : "");
	col->not_null = num(v[4]) != 0;
	col->default_expr = v[5] ? strdup(v[5]) : NULL;
	t->ncols++;
	if (!col->type || (v[5] && !col->default_expr)) {
		c->failed = true;
		return 1;
	}
	return 0;
}

int lake_state_load(struct lake_meta *m, int64_t catalog_id, int64_t snapshot, struct lake_state *out, char *err,
                    size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->catalog_id = catalog_id;
	out->snapshot = snapshot;
	char cid[24], snap[24];
	snprintf(cid, sizeof(cid), "%lld", (long long)catalog_id);
	snprintf(snap, sizeof(snap), "%lld", (long long)snapshot);
	const char *params[] = {cid, snap};
	struct rows schemas = {.size = sizeof(struct lake_schema)};
	struct rows tables = {.size = sizeof(struct lake_table)};
	struct column_ctx cols = {out, false};
	pthread_mutex_lock(&m->mu);
	int rc = meta_exec(m->db, "SELECT schema_id, name FROM lake_schema WHERE" VISIBLE " ORDER BY schema_id", 2,
	                   params, schema_row, &schemas, err, errlen);
	if (rc == META_OK)
		rc = meta_exec(m->db,
		               "SELECT table_id, schema_id, name, schema_file, begin_snapshot FROM lake_table WHERE" VISIBLE
		               " ORDER BY table_id",
		               2, params, table_row, &tables, err, errlen);
	out->schemas = schemas.items;
	out->nschemas = schemas.n;
	out->tables = tables.items;
	out->ntables = tables.n;
	if (rc == META_OK && !schemas.failed && !tables.failed)
		rc = meta_exec(m->db,
		               "SELECT table_id, column_id, name, type, not_null, default_expr FROM lake_column WHERE" VISIBLE
		               " ORDER BY table_id, position",
		               2, params, column_row, &cols, err, errlen);
	pthread_mutex_unlock(&m->mu);
	if (rc != META_OK || schemas.failed || tables.failed || cols.failed) {
		if (rc == META_OK)
			snprintf(err, errlen, "out of memory");
		lake_state_free(out);
		return LAKE_ERROR;
	}
	return LAKE_OK;
}

void lake_column_free(struct lake_column *c)
{
	free(c->type);
	free(c->default_expr);
	c->type = c->default_expr = NULL;
}

int lake_column_copy(struct lake_column *dst, const struct lake_column *src)
{
	*dst = *src;
	dst->type = strdup(src->type ? src->type : "");
	dst->default_expr = src->default_expr ? strdup(src->default_expr) : NULL;
	if (!dst->type || (src->default_expr && !dst->default_expr)) {
		lake_column_free(dst);
		return -1;
	}
	return 0;
}

void lake_state_free(struct lake_state *s)
{
	for (size_t i = 0; i < s->ntables; i++) {
		for (size_t c = 0; c < s->tables[i].ncols; c++)
			lake_column_free(&s->tables[i].cols[c]);
		free(s->tables[i].cols);
		free(s->tables[i].schema_file);
	}
	free(s->tables);
	free(s->schemas);
	memset(s, 0, sizeof(*s));
}

const struct lake_schema *lake_state_schema(const struct lake_state *s, const char *name)
{
	for (size_t i = 0; i < s->nschemas; i++)
		if (!strcmp(s->schemas[i].name, name))
			return &s->schemas[i];
	return NULL;
}

const struct lake_schema *lake_state_schema_by_id(const struct lake_state *s, int64_t id)
{
	for (size_t i = 0; i < s->nschemas; i++)
		if (s->schemas[i].id == id)
			return &s->schemas[i];
	return NULL;
}

const struct lake_table *lake_state_table(const struct lake_state *s, int64_t schema_id, const char *name)
{
	for (size_t i = 0; i < s->ntables; i++)
		if (s->tables[i].schema_id == schema_id && !strcmp(s->tables[i].name, name))
			return &s->tables[i];
	return NULL;
}

struct key_list {
	char **items;
	uint64_t *sizes; /* when the rows carry a third column, the object's size */
	size_t n, cap;
	uint64_t rows;
	bool failed;
};

static int key_row(void *ctx, int ncols, const char *const *v)
{
	struct key_list *l = ctx;
	if (ncols < 1 || !v[0])
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **p = realloc(l->items, cap * sizeof(*p));
		if (p)
			l->items = p;
		uint64_t *sz = p && ncols > 2 ? realloc(l->sizes, cap * sizeof(*sz)) : NULL;
		if (sz)
			l->sizes = sz;
		if (!p || (ncols > 2 && !sz)) {
			l->failed = true;
			return 1;
		}
		l->cap = cap;
	}
	if (ncols > 2)
		l->sizes[l->n] = v[2] ? (uint64_t)num(v[2]) : 0;
	if (!(l->items[l->n] = strdup(v[0]))) {
		l->failed = true;
		return 1;
	}
	l->n++;
	if (ncols > 1 && v[1])
		l->rows += (uint64_t)num(v[1]);
	return 0;
}

static void keys_free(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

int lake_table_files(struct lake_meta *m, int64_t catalog_id, int64_t table_id, int64_t snapshot,
                     struct lake_files *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	char cid[24], snap[24], tid[24];
	snprintf(cid, sizeof(cid), "%lld", (long long)catalog_id);
	snprintf(snap, sizeof(snap), "%lld", (long long)snapshot);
	snprintf(tid, sizeof(tid), "%lld", (long long)table_id);
	const char *params[] = {cid, snap, tid};
	struct key_list schema = {0}, data = {0}, dels = {0};
	pthread_mutex_lock(&m->mu);
	int rc = meta_exec(m->db, "SELECT schema_file FROM lake_table WHERE" VISIBLE " AND table_id = $3", 3, params,
	                   key_row, &schema, err, errlen);
	if (rc == META_OK && schema.n == 1)
		rc = meta_exec(m->db,
		               "SELECT path, row_count, size_bytes FROM lake_data_file WHERE" VISIBLE " AND table_id = $3 ORDER BY file_id",
		               3, params, key_row, &data, err, errlen);
	if (rc == META_OK && schema.n == 1)
		rc = meta_exec(m->db,
		               "SELECT DISTINCT path FROM lake_delete_file WHERE" VISIBLE " AND table_id = $3 ORDER BY path", 3,
		               params, key_row, &dels, err, errlen);
	pthread_mutex_unlock(&m->mu);
	int status = LAKE_OK;
	if (rc != META_OK) {
		status = LAKE_ERROR;
	} else if (schema.failed || data.failed || dels.failed) {
		snprintf(err, errlen, "out of memory");
		status = LAKE_ERROR;
	} else if (schema.n != 1) {
		snprintf(err, errlen, "table %lld does not exist at snapshot %lld", (long long)table_id, (long long)snapshot);
		status = LAKE_NOT_FOUND;
	}
	if (status != LAKE_OK) {
		keys_free(schema.items, schema.n);
		keys_free(data.items, data.n);
		free(data.sizes);
		keys_free(dels.items, dels.n);
		return status;
	}
	out->schema_file = schema.items[0];
	free(schema.items);
	out->data = data.items;
	out->data_sizes = data.sizes;
	out->ndata = data.n;
	out->rows = data.rows;
	out->deletes = dels.items;
	out->ndeletes = dels.n;
	return LAKE_OK;
}

void lake_files_free(struct lake_files *f)
{
	keys_free(f->data, f->ndata);
	free(f->data_sizes);
	keys_free(f->deletes, f->ndeletes);
	free(f->schema_file);
	memset(f, 0, sizeof(*f));
}

int lake_snapshot_at(struct lake_meta *m, int64_t catalog_id, const char *time_text, int64_t *out, char *err,
                     size_t errlen)
{
	char cid[24];
	snprintf(cid, sizeof(cid), "%lld", (long long)catalog_id);
	const char *params[] = {cid, time_text};
	int64_t snap = -1;
	pthread_mutex_lock(&m->mu);
	/* created_at is fixed-width ISO 8601 UTC, so text order is time order. */
	int rc = meta_exec(m->db,
	                   "SELECT COALESCE(MAX(snapshot_id), -1) FROM lake_snapshot WHERE catalog_id = $1 AND created_at <= $2",
	                   2, params, lake_read_int64, &snap, err, errlen);
	pthread_mutex_unlock(&m->mu);
	if (rc != META_OK)
		return LAKE_ERROR;
	if (snap < 0) {
		snprintf(err, errlen, "no snapshot at or before %s", time_text);
		return LAKE_NOT_FOUND;
	}
	*out = snap;
	return LAKE_OK;
}

int lake_snapshot_exists(struct lake_meta *m, int64_t catalog_id, int64_t snapshot, bool *exists, char *err,
                         size_t errlen)
{
	char cid[24], snap[24];
	snprintf(cid, sizeof(cid), "%lld", (long long)catalog_id);
	snprintf(snap, sizeof(snap), "%lld", (long long)snapshot);
	const char *params[] = {cid, snap};
	int64_t n = 0;
	pthread_mutex_lock(&m->mu);
	int rc = meta_exec(m->db, "SELECT COUNT(*) FROM lake_snapshot WHERE catalog_id = $1 AND snapshot_id = $2", 2, params,
	                   lake_read_int64, &n, err, errlen);
	pthread_mutex_unlock(&m->mu);
	*exists = n > 0;
	return rc == META_OK ? LAKE_OK : LAKE_ERROR;
}

int lake_ddl_version(struct lake_meta *m, int64_t catalog_id, int64_t *out, char *err, size_t errlen)
{
	char cid[24];
	snprintf(cid, sizeof(cid), "%lld", (long long)catalog_id);
	const char *params[] = {cid};
	*out = 0;
	pthread_mutex_lock(&m->mu);
	int rc = meta_exec(m->db,
	                   "SELECT MAX(v) FROM (SELECT MAX(begin_snapshot) AS v FROM lake_table WHERE catalog_id = $1"
	                   " UNION ALL SELECT MAX(end_snapshot) FROM lake_table WHERE catalog_id = $1"
	                   " UNION ALL SELECT MAX(begin_snapshot) FROM lake_schema WHERE catalog_id = $1"
	                   " UNION ALL SELECT MAX(end_snapshot) FROM lake_schema WHERE catalog_id = $1) AS versions",
	                   1, params, lake_read_int64, out, err, errlen);
	pthread_mutex_unlock(&m->mu);
	return rc == META_OK ? LAKE_OK : LAKE_ERROR;
}

struct snapshot_rows {
	struct lake_snapshot_info *items;
	size_t n, cap;
	bool failed;
};

static int snapshot_row(void *ctx, int ncols, const char *const *v)
{
	struct snapshot_rows *rows = ctx;
	if (ncols < 4)
		return 0;
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 32;
		struct lake_snapshot_info *p = realloc(rows->items, cap * sizeof(*p));
		if (!p) {
			rows->failed = true;
			return 1;
		}
		rows->items = p;
		rows->cap = cap;
	}
	struct lake_snapshot_info *x = &rows->items[rows->n];
	x->id = v[0] ? strtoll(v[0], NULL, 10) : 0;
	snprintf(x->created_at, sizeof(x->created_at), "%s", v[1] ? v[1] : "");
	snprintf(x->author, sizeof(x->author), "%s", v[2] ? v[2] : "");
	if (!(x->changes = strdup(v[3] ? v[3] : ""))) {
		rows->failed = true;
		return 1;
	}
	rows->n++;
	return 0;
}

int lake_snapshot_list(struct lake_meta *m, int64_t catalog_id, size_t limit, struct lake_snapshot_info **out,
                       size_t *n, char *err, size_t errlen)
{
	char cid[24], lim[24];
	snprintf(cid, sizeof(cid), "%lld", (long long)catalog_id);
	snprintf(lim, sizeof(lim), "%zu", limit);
	const char *params[] = {cid, lim};
	struct snapshot_rows rows = {0};
	pthread_mutex_lock(&m->mu);
	int rc = meta_exec(m->db,
	                   "SELECT snapshot_id, created_at, author, changes FROM lake_snapshot WHERE catalog_id = $1"
	                   " ORDER BY snapshot_id DESC LIMIT CAST($2 AS INTEGER)",
	                   2, params, snapshot_row, &rows, err, errlen);
	pthread_mutex_unlock(&m->mu);
	if (rc != META_OK || rows.failed) {
		if (rows.failed)
			snprintf(err, errlen, "out of memory");
		lake_snapshot_list_free(rows.items, rows.n);
		return LAKE_ERROR;
	}
	*out = rows.items;
	*n = rows.n;
	return LAKE_OK;
}

void lake_snapshot_list_free(struct lake_snapshot_info *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(items[i].changes);
	free(items);
}
