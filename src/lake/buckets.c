/* Buckets in the metadata store: one row each, so every server sharing the store knows them. The
 * built-in bucket `default` has no row (its name is reserved). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/metadata.h"
#include "lake/metadata_internal.h"

#define BUCKET_COLUMNS                                                                                         \
	"name, uid, provider, endpoint, bucket, prefix, region, path_style, access_key_id, secret, session_token," \
	" created_at"

struct bucket_rows {
	struct lake_bucket *items;
	size_t n, cap;
	bool failed;
};

static int collect_bucket(void *ctx, int ncols, const char *const *v)
{
	struct bucket_rows *rows = ctx;
	if (ncols < 12)
		return 0;
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 4;
		struct lake_bucket *p = realloc(rows->items, cap * sizeof(*p));
		if (!p) {
			rows->failed = true;
			return 1;
		}
		rows->items = p;
		rows->cap = cap;
	}
	struct lake_bucket *b = &rows->items[rows->n++];
	memset(b, 0, sizeof(*b));
#define COPY(field, i) snprintf(b->field, sizeof(b->field), "%s", v[i] ? v[i] : "")
	COPY(name, 0);
	COPY(uid, 1);
	COPY(provider, 2);
	COPY(endpoint, 3);
	COPY(bucket, 4);
	COPY(prefix, 5);
	COPY(region, 6);
	b->path_style = v[7] && atoi(v[7]) != 0;
	COPY(access_key_id, 8);
	COPY(secret, 9);
	COPY(session_token, 10);
	COPY(created_at, 11);
#undef COPY
	return 0;
}

static int fetch(struct lake_meta *m, const char *name, struct bucket_rows *rows, char *err, size_t errlen)
{
	const char *params[] = {name};
	int rc = name ? meta_exec(m->db, "SELECT " BUCKET_COLUMNS " FROM lake_bucket WHERE name = $1", 1, params,
	                          collect_bucket, rows, err, errlen)
	              : meta_exec(m->db, "SELECT " BUCKET_COLUMNS " FROM lake_bucket ORDER BY name", 0, NULL,
	                          collect_bucket, rows, err, errlen);
	if (rows->failed) {
		snprintf(err, errlen, "out of memory");
		return LAKE_ERROR;
	}
	return rc == META_OK ? LAKE_OK : LAKE_ERROR;
}

int lake_bucket_list(struct lake_meta *m, struct lake_bucket **out, size_t *n, char *err, size_t errlen)
{
	struct bucket_rows rows = {0};
	pthread_mutex_lock(&m->mu);
	int rc = fetch(m, NULL, &rows, err, errlen);
	pthread_mutex_unlock(&m->mu);
	if (rc != LAKE_OK) {
		free(rows.items);
		return rc;
	}
	*out = rows.items;
	*n = rows.n;
	return LAKE_OK;
}

static int get_locked(struct lake_meta *m, const char *name, struct lake_bucket *out, char *err, size_t errlen)
{
	struct bucket_rows rows = {0};
	int rc = fetch(m, name, &rows, err, errlen);
	if (rc == LAKE_OK && rows.n == 0) {
		snprintf(err, errlen, "bucket '%s' does not exist", name);
		rc = LAKE_NOT_FOUND;
	}
	if (rc == LAKE_OK && out)
		*out = rows.items[0];
	free(rows.items);
	return rc;
}

int lake_bucket_get(struct lake_meta *m, const char *name, struct lake_bucket *out, char *err, size_t errlen)
{
	pthread_mutex_lock(&m->mu);
	int rc = get_locked(m, name, out, err, errlen);
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static int do_create(struct lake_meta *m, void *arg, char *err, size_t errlen)
{
	struct lake_bucket *b = arg;
	if (get_locked(m, b->name, NULL, err, errlen) == LAKE_OK) {
		snprintf(err, errlen, "bucket '%s' already exists", b->name);
		return LAKE_EXISTS;
	}
	char now[40];
	lake_now_text(now, sizeof(now));
	snprintf(b->created_at, sizeof(b->created_at), "%s", now);
	const char *params[] = {b->name, b->uid, b->provider, b->endpoint, b->bucket, b->prefix, b->region,
	                        b->path_style ? "1" : "0", b->access_key_id, b->secret, b->session_token, now};
	int rc = meta_exec(m->db,
	                   "INSERT INTO lake_bucket (" BUCKET_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, "
	                   "CAST($8 AS INTEGER), $9, $10, $11, $12)",
	                   12, params, NULL, NULL, err, errlen);
	if (rc == META_CONFLICT) {
		snprintf(err, errlen, "bucket '%s' already exists", b->name);
		return LAKE_EXISTS;
	}
	return rc == META_OK ? LAKE_OK : LAKE_ERROR;
}

int lake_bucket_create(struct lake_meta *m, struct lake_bucket *b, char *err, size_t errlen)
{
	char why[128];
	if (!lake_name_valid(b->name, why, sizeof(why))) {
		snprintf(err, errlen, "invalid bucket name: %s", why);
		return LAKE_INVALID;
	}
	return lake_in_transaction(m, do_create, b, err, errlen);
}

static int do_delete(struct lake_meta *m, void *arg, char *err, size_t errlen)
{
	const char *name = arg;
	int rc = get_locked(m, name, NULL, err, errlen);
	if (rc != LAKE_OK)
		return rc;
	const char *params[] = {name};
	int64_t used = 0;
	if (meta_exec(m->db, "SELECT count(*) FROM lake_catalog WHERE bucket = $1", 1, params, lake_read_int64, &used,
	              err, errlen) != META_OK)
		return LAKE_ERROR;
	if (used) {
		snprintf(err, errlen, "bucket '%s' holds %lld catalog%s; drop %s first", name, (long long)used,
		         used == 1 ? "" : "s", used == 1 ? "it" : "them");
		return LAKE_IN_USE;
	}
	if (meta_exec(m->db, "DELETE FROM lake_garbage WHERE bucket = $1", 1, params, NULL, NULL, err, errlen) != META_OK ||
	    meta_exec(m->db, "DELETE FROM lake_bucket WHERE name = $1", 1, params, NULL, NULL, err, errlen) != META_OK)
		return LAKE_ERROR;
	return LAKE_OK;
}

int lake_bucket_delete(struct lake_meta *m, const char *name, char *err, size_t errlen)
{
	return lake_in_transaction(m, do_delete, (void *)name, err, errlen);
}
