/* Metadata schema and catalog operations, in SQL both drivers accept. Migrations only ever move
 * forward; each runs in its own transaction together with the version bump, so a crash leaves the
 * schema at one version or the next, never between. */
#include "lake/metadata.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lake/meta_db.h"
#include "lake/lake.h"
#include "lake/metadata_internal.h"
#include "util/clock.h"
#include "util/metrics.h"
#include "util/timefmt.h"


/* Migration n brings the schema from version n to n + 1. Append only; never edit a released one. */
static const char *const migrations[] = {
	"CREATE TABLE lake_catalog ("
	" catalog_id BIGINT PRIMARY KEY,"
	" name TEXT NOT NULL UNIQUE,"
	" bucket TEXT NOT NULL,"
	" created_at TEXT NOT NULL)",

	/* Snapshots and the objects they see. A row is visible at snapshot s when
	 * begin_snapshot <= s and (end_snapshot IS NULL or end_snapshot > s); a change ends rows
	 * and adds new ones, so every older snapshot stays readable until it is expired. */
	"ALTER TABLE lake_catalog ADD COLUMN snapshot_id BIGINT NOT NULL DEFAULT 0;"
	"CREATE TABLE lake_snapshot ("
	" catalog_id BIGINT NOT NULL, snapshot_id BIGINT NOT NULL, created_at TEXT NOT NULL,"
	" author TEXT NOT NULL, changes TEXT NOT NULL, PRIMARY KEY (catalog_id, snapshot_id));"
	"CREATE TABLE lake_schema ("
	" catalog_id BIGINT NOT NULL, schema_id BIGINT NOT NULL, name TEXT NOT NULL,"
	" begin_snapshot BIGINT NOT NULL, end_snapshot BIGINT,"
	" PRIMARY KEY (catalog_id, schema_id, begin_snapshot));"
	"CREATE TABLE lake_table ("
	" catalog_id BIGINT NOT NULL, table_id BIGINT NOT NULL, schema_id BIGINT NOT NULL, name TEXT NOT NULL,"
	" schema_file TEXT NOT NULL, begin_snapshot BIGINT NOT NULL, end_snapshot BIGINT,"
	" PRIMARY KEY (catalog_id, table_id, begin_snapshot));"
	"CREATE TABLE lake_column ("
	" catalog_id BIGINT NOT NULL, table_id BIGINT NOT NULL, column_id BIGINT NOT NULL,"
	" position INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL, not_null INTEGER NOT NULL,"
	" default_expr TEXT, begin_snapshot BIGINT NOT NULL, end_snapshot BIGINT,"
	" PRIMARY KEY (catalog_id, table_id, column_id, begin_snapshot));"
	"CREATE TABLE lake_data_file ("
	" catalog_id BIGINT NOT NULL, file_id BIGINT NOT NULL, table_id BIGINT NOT NULL, path TEXT NOT NULL,"
	" size_bytes BIGINT NOT NULL, row_count BIGINT NOT NULL, begin_snapshot BIGINT NOT NULL,"
	" end_snapshot BIGINT, PRIMARY KEY (catalog_id, file_id));"
	"CREATE INDEX lake_data_file_by_table ON lake_data_file (catalog_id, table_id);"
	"CREATE TABLE lake_file_column_stats ("
	" catalog_id BIGINT NOT NULL, file_id BIGINT NOT NULL, column_id BIGINT NOT NULL,"
	" min_value TEXT, max_value TEXT, null_count BIGINT, PRIMARY KEY (catalog_id, file_id, column_id));"
	"CREATE TABLE lake_delete_file ("
	" catalog_id BIGINT NOT NULL, delete_id BIGINT NOT NULL, table_id BIGINT NOT NULL,"
	" file_id BIGINT NOT NULL, path TEXT NOT NULL, delete_count BIGINT NOT NULL,"
	" begin_snapshot BIGINT NOT NULL, end_snapshot BIGINT, PRIMARY KEY (catalog_id, delete_id, file_id));"
	"CREATE INDEX lake_delete_file_by_table ON lake_delete_file (catalog_id, table_id);"
	/* Objects no snapshot needs any more, deleted from the bucket once nothing can read them. */
	"CREATE TABLE lake_garbage ("
	" bucket TEXT NOT NULL, path TEXT NOT NULL, since TEXT NOT NULL, PRIMARY KEY (bucket, path));"
	"INSERT INTO lake_snapshot (catalog_id, snapshot_id, created_at, author, changes)"
	" SELECT catalog_id, 0, created_at, '', 'created catalog' FROM lake_catalog;"
	"INSERT INTO lake_schema (catalog_id, schema_id, name, begin_snapshot, end_snapshot)"
	" SELECT catalog_id, 1, 'main', 0, NULL FROM lake_catalog",

	/* Buckets besides the built-in one. uid names the bucket's objects in the SSD cache and never
	 * changes; secret and session_token are sealed (util/secret_box.c), '' when the credentials
	 * come from the environment. */
	"CREATE TABLE lake_bucket ("
	" name TEXT PRIMARY KEY, uid TEXT NOT NULL UNIQUE, provider TEXT NOT NULL, endpoint TEXT NOT NULL,"
	" bucket TEXT NOT NULL, prefix TEXT NOT NULL, region TEXT NOT NULL, path_style INTEGER NOT NULL,"
	" access_key_id TEXT NOT NULL, secret TEXT NOT NULL, session_token TEXT NOT NULL, created_at TEXT NOT NULL)",

	/* The rows each delete file removes from its data file (lake_ranges.c), so that concurrent
	 * deletes and updates conflict only when they touch the same rows; NULL: not listed. */
	"ALTER TABLE lake_delete_file ADD COLUMN positions TEXT",
};
#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

static const char *const reserved_names[] = {
	"memory", "system", "temp", "main", "information_schema", "pg_catalog", "product_analytics",
	"default", "duckdb", "sqlite", "postgres",
};

bool lake_name_valid(const char *name, char *why, size_t whylen)
{
	size_t n = strlen(name);
	if (n == 0 || n > LAKE_NAME_MAX) {
		snprintf(why, whylen, "a name has 1 to %d characters", LAKE_NAME_MAX);
		return false;
	}
	if (name[0] >= '0' && name[0] <= '9') {
		snprintf(why, whylen, "a name cannot start with a digit");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
			snprintf(why, whylen, "a name holds only lower-case letters, digits and '_'");
			return false;
		}
	}
	for (size_t i = 0; i < sizeof(reserved_names) / sizeof(reserved_names[0]); i++) {
		if (!strcmp(name, reserved_names[i])) {
			snprintf(why, whylen, "'%s' is a reserved name", name);
			return false;
		}
	}
	return true;
}

void lake_now_text(char *out, size_t outlen) { lake_time_text(clock_wall_us(), out, outlen); }

void lake_time_text(int64_t unix_us, char *out, size_t outlen)
{
	buf t;
	buf_init(&t);
	fmt_timestamp(&t, unix_us, 6);
	snprintf(out, outlen, "%.*sZ", (int)(t.len < 38 ? t.len : 38), t.data ? t.data : "");
	buf_free(&t);
}

int lake_read_int64(void *ctx, int ncols, const char *const *values)
{
	if (ncols > 0 && values[0])
		*(int64_t *)ctx = strtoll(values[0], NULL, 10);
	return 0;
}

static int read_int(void *ctx, int ncols, const char *const *values)
{
	if (ncols > 0 && values[0])
		*(int *)ctx = atoi(values[0]);
	return 0;
}

void lake_rollback(struct lake_meta *m)
{
	char ignored[256];
	meta_exec(m->db, "ROLLBACK", 0, NULL, NULL, NULL, ignored, sizeof(ignored));
}

static int migrate(struct lake_meta *m, char *err, size_t errlen)
{
	/* Several servers may start at once on one PostgreSQL store: a migration that loses the race
	 * fails, rolls back, and the next attempt finds it done. */
	for (int attempt = 0; attempt < 5; attempt++) {
		if (meta_exec(m->db, "CREATE TABLE IF NOT EXISTS lake_schema_version (version INTEGER NOT NULL)", 0, NULL,
		              NULL, NULL, err, errlen) != META_OK)
			continue;
		int rc = META_OK;
		for (;;) {
			if ((rc = m->db->ops->begin(m->db, err, errlen)) != META_OK)
				break;
			int version = -1;
			rc = meta_exec(m->db, "SELECT max(version) FROM lake_schema_version", 0, NULL, read_int, &version, err,
			               errlen);
			if (rc != META_OK)
				break;
			if (version < 0) {
				rc = meta_exec(m->db, "INSERT INTO lake_schema_version (version) VALUES (0)", 0, NULL, NULL, NULL,
				               err, errlen);
				version = 0;
				if (rc != META_OK)
					break;
			}
			if (version > NMIGRATIONS) {
				lake_rollback(m);
				snprintf(err, errlen, "the metadata schema is at version %d, newer than this server knows (%d)",
				         version, NMIGRATIONS);
				return -1;
			}
			if (version == NMIGRATIONS) {
				m->version = version;
				return meta_exec(m->db, "COMMIT", 0, NULL, NULL, NULL, err, errlen) == META_OK ? 0 : -1;
			}
			char next[16];
			snprintf(next, sizeof(next), "%d", version + 1);
			const char *params[] = {next};
			if ((rc = meta_exec(m->db, migrations[version], 0, NULL, NULL, NULL, err, errlen)) != META_OK ||
			    (rc = meta_exec(m->db, "UPDATE lake_schema_version SET version = $1", 1, params, NULL, NULL, err,
			                    errlen)) != META_OK ||
			    (rc = meta_exec(m->db, "COMMIT", 0, NULL, NULL, NULL, err, errlen)) != META_OK)
				break;
		}
		lake_rollback(m);
	}
	return -1;
}

struct lake_meta *lake_meta_open(const char *target, char *err, size_t errlen)
{
	struct lake_meta *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->db = meta_db_open(target, err, errlen);
	if (!m->db) {
		free(m);
		return NULL;
	}
	char why[512] = "";
	if (migrate(m, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "metadata migration failed: %s", why);
		m->db->ops->close(m->db);
		free(m);
		return NULL;
	}
	pthread_mutex_init(&m->mu, NULL);
	return m;
}

void lake_meta_close(struct lake_meta *m)
{
	if (!m)
		return;
	m->db->ops->close(m->db);
	pthread_mutex_destroy(&m->mu);
	free(m);
}

const char *lake_meta_driver(const struct lake_meta *m) { return m->db->ops->name; }
int lake_meta_schema_version(struct lake_meta *m) { return m->version; }

struct catalog_rows {
	struct lake_catalog *items;
	size_t n, cap;
	bool failed;
};

static int collect_catalog(void *ctx, int ncols, const char *const *v)
{
	struct catalog_rows *rows = ctx;
	if (ncols < 3)
		return 0;
	if (rows->n == rows->cap) {
		size_t cap = rows->cap ? rows->cap * 2 : 8;
		struct lake_catalog *p = realloc(rows->items, cap * sizeof(*p));
		if (!p) {
			rows->failed = true;
			return 1;
		}
		rows->items = p;
		rows->cap = cap;
	}
	struct lake_catalog *c = &rows->items[rows->n++];
	snprintf(c->name, sizeof(c->name), "%s", v[0] ? v[0] : "");
	snprintf(c->bucket, sizeof(c->bucket), "%s", v[1] ? v[1] : "");
	snprintf(c->created_at, sizeof(c->created_at), "%s", v[2] ? v[2] : "");
	return 0;
}

static int fetch_catalogs(struct lake_meta *m, const char *name, struct catalog_rows *rows, char *err, size_t errlen)
{
	const char *params[] = {name};
	int rc = name ? meta_exec(m->db, "SELECT name, bucket, created_at FROM lake_catalog WHERE name = $1", 1, params,
	                          collect_catalog, rows, err, errlen)
	              : meta_exec(m->db, "SELECT name, bucket, created_at FROM lake_catalog ORDER BY name", 0, NULL,
	                          collect_catalog, rows, err, errlen);
	if (rows->failed) {
		snprintf(err, errlen, "out of memory");
		return LAKE_ERROR;
	}
	return rc == META_OK ? LAKE_OK : LAKE_ERROR;
}

int lake_catalog_list(struct lake_meta *m, struct lake_catalog **out, size_t *n, char *err, size_t errlen)
{
	struct catalog_rows rows = {0};
	pthread_mutex_lock(&m->mu);
	int rc = fetch_catalogs(m, NULL, &rows, err, errlen);
	pthread_mutex_unlock(&m->mu);
	if (rc != LAKE_OK) {
		free(rows.items);
		return rc;
	}
	*out = rows.items;
	*n = rows.n;
	return LAKE_OK;
}

static int get_locked(struct lake_meta *m, const char *name, struct lake_catalog *out, char *err, size_t errlen)
{
	struct catalog_rows rows = {0};
	int rc = fetch_catalogs(m, name, &rows, err, errlen);
	if (rc == LAKE_OK && rows.n == 0) {
		snprintf(err, errlen, "catalog '%s' does not exist", name);
		rc = LAKE_NOT_FOUND;
	}
	if (rc == LAKE_OK && out)
		*out = rows.items[0];
	free(rows.items);
	return rc;
}

int lake_catalog_get(struct lake_meta *m, const char *name, struct lake_catalog *out, char *err, size_t errlen)
{
	pthread_mutex_lock(&m->mu);
	int rc = get_locked(m, name, out, err, errlen);
	pthread_mutex_unlock(&m->mu);
	return rc;
}

static bool check_name(const char *name, char *err, size_t errlen)
{
	char why[128];
	if (lake_name_valid(name, why, sizeof(why)))
		return true;
	snprintf(err, errlen, "invalid catalog name: %s", why);
	return false;
}

/* Runs fn inside one metadata transaction, retrying a few times when the store reports a
 * conflict with a concurrent writer (another server on the same PostgreSQL store). */
/* A serialization failure is the store asking for the transaction again: with servers sharing a
 * PostgreSQL store, commits to one catalog meet on its row all the time. Retries back off with
 * jitter, and with the connection's lock released, so the winner's peers here are not held up. */
#define TXN_ATTEMPTS 60

static void back_off(struct lake_meta *m, int attempt)
{
	unsigned ms = 1u << (attempt < 5 ? attempt : 5);
	pthread_mutex_unlock(&m->mu);
	usleep((useconds_t)(ms * 500 + (unsigned)rand() % (ms * 1000)));
	pthread_mutex_lock(&m->mu);
}

int lake_in_transaction(struct lake_meta *m, int (*fn)(struct lake_meta *, void *, char *, size_t), void *arg,
                        char *err, size_t errlen)
{
	int rc = LAKE_ERROR;
	pthread_mutex_lock(&m->mu);
	for (int attempt = 0;; attempt++) {
		m->db->retry = false;
		if (m->db->ops->begin(m->db, err, errlen) != META_OK) {
			rc = LAKE_ERROR;
		} else if ((rc = fn(m, arg, err, errlen)) != LAKE_OK) {
			lake_rollback(m);
		} else {
			int c = meta_exec(m->db, "COMMIT", 0, NULL, NULL, NULL, err, errlen);
			if (c == META_OK)
				break;
			lake_rollback(m);
			rc = LAKE_ERROR;
		}
		if (!m->db->retry)
			break;
		if (attempt + 1 == TXN_ATTEMPTS) {
			snprintf(err, errlen, "could not serialize access: the metadata store kept refusing the transaction"
			                      " for concurrent updates; retry the transaction");
			rc = LAKE_CONFLICT;
			break;
		}
		metrics_metadata_retry();
		back_off(m, attempt);
	}
	m->db->retry = false;
	pthread_mutex_unlock(&m->mu);
	return rc;
}

struct create_args {
	const char *name, *bucket;
	struct lake_catalog *out;
};

static int do_create(struct lake_meta *m, void *arg, char *err, size_t errlen)
{
	struct create_args *a = arg;
	if (strcmp(a->bucket, "default") != 0) {
		int64_t known = 0;
		const char *bparams[] = {a->bucket};
		if (meta_exec(m->db, "SELECT count(*) FROM lake_bucket WHERE name = $1", 1, bparams, lake_read_int64, &known,
		              err, errlen) != META_OK)
			return LAKE_ERROR;
		if (!known) {
			snprintf(err, errlen, "bucket '%s' does not exist", a->bucket);
			return LAKE_INVALID;
		}
	}
	if (get_locked(m, a->name, NULL, err, errlen) == LAKE_OK) {
		snprintf(err, errlen, "catalog '%s' already exists", a->name);
		return LAKE_EXISTS;
	}
	char now[40];
	lake_now_text(now, sizeof(now));
	const char *params[] = {a->name, a->bucket, now};
	int rc = meta_exec(m->db,
	                   "INSERT INTO lake_catalog (catalog_id, name, bucket, created_at) "
	                   "SELECT COALESCE(MAX(catalog_id), 0) + 1, $1, $2, $3 FROM lake_catalog",
	                   3, params, NULL, NULL, err, errlen);
	if (rc == META_CONFLICT) {
		snprintf(err, errlen, "catalog '%s' already exists", a->name);
		return LAKE_EXISTS;
	}
	if (rc != META_OK)
		return LAKE_ERROR;
	/* Snapshot 0 of a catalog holds its schema main. */
	const char *cparams[] = {a->name, now};
	if (meta_exec(m->db,
	              "INSERT INTO lake_snapshot (catalog_id, snapshot_id, created_at, author, changes)"
	              " SELECT catalog_id, 0, $2, '', 'created catalog' FROM lake_catalog WHERE name = $1",
	              2, cparams, NULL, NULL, err, errlen) != META_OK ||
	    meta_exec(m->db,
	              "INSERT INTO lake_schema (catalog_id, schema_id, name, begin_snapshot, end_snapshot)"
	              " SELECT catalog_id, 1, 'main', 0, NULL FROM lake_catalog WHERE name = $1",
	              1, cparams, NULL, NULL, err, errlen) != META_OK)
		return LAKE_ERROR;
	return get_locked(m, a->name, a->out, err, errlen);
}

int lake_catalog_create(struct lake_meta *m, const char *name, const char *bucket, struct lake_catalog *out,
                        char *err, size_t errlen)
{
	if (!check_name(name, err, errlen))
		return LAKE_INVALID;
	if (!bucket)
		bucket = "default";
	struct create_args a = {name, bucket, out};
	return lake_in_transaction(m, do_create, &a, err, errlen);
}

struct rename_args {
	const char *name, *new_name;
	struct lake_catalog *out;
};

static int do_rename(struct lake_meta *m, void *arg, char *err, size_t errlen)
{
	struct rename_args *a = arg;
	int rc = get_locked(m, a->name, NULL, err, errlen);
	if (rc != LAKE_OK)
		return rc;
	if (strcmp(a->name, a->new_name) != 0 && get_locked(m, a->new_name, NULL, err, errlen) == LAKE_OK) {
		snprintf(err, errlen, "catalog '%s' already exists", a->new_name);
		return LAKE_EXISTS;
	}
	const char *params[] = {a->new_name, a->name};
	rc = meta_exec(m->db, "UPDATE lake_catalog SET name = $1 WHERE name = $2", 2, params, NULL, NULL, err, errlen);
	if (rc == META_CONFLICT) {
		snprintf(err, errlen, "catalog '%s' already exists", a->new_name);
		return LAKE_EXISTS;
	}
	return rc == META_OK ? get_locked(m, a->new_name, a->out, err, errlen) : LAKE_ERROR;
}

int lake_catalog_rename(struct lake_meta *m, const char *name, const char *new_name, struct lake_catalog *out,
                        char *err, size_t errlen)
{
	if (!check_name(new_name, err, errlen))
		return LAKE_INVALID;
	struct rename_args a = {name, new_name, out};
	return lake_in_transaction(m, do_rename, &a, err, errlen);
}

static int do_drop(struct lake_meta *m, void *arg, char *err, size_t errlen)
{
	const char *name = arg;
	int rc = get_locked(m, name, NULL, err, errlen);
	if (rc != LAKE_OK)
		return rc;
	const char *params[] = {name};
	/* Its objects stay in the bucket; the garbage list lets maintenance remove them. */
	static const char *const cleanup[] = {
		"INSERT INTO lake_garbage (bucket, path, since) SELECT DISTINCT c.bucket, f.path, $2 FROM lake_data_file f"
		" JOIN lake_catalog c ON c.catalog_id = f.catalog_id WHERE c.name = $1",
		"INSERT INTO lake_garbage (bucket, path, since) SELECT DISTINCT c.bucket, f.path, $2 FROM lake_delete_file f"
		" JOIN lake_catalog c ON c.catalog_id = f.catalog_id WHERE c.name = $1",
		"INSERT INTO lake_garbage (bucket, path, since) SELECT DISTINCT c.bucket, t.schema_file, $2 FROM lake_table t"
		" JOIN lake_catalog c ON c.catalog_id = t.catalog_id WHERE c.name = $1",
		"DELETE FROM lake_file_column_stats WHERE catalog_id = (SELECT catalog_id FROM lake_catalog WHERE name = $1)",
		"DELETE FROM lake_delete_file WHERE catalog_id = (SELECT catalog_id FROM lake_catalog WHERE name = $1)",
		"DELETE FROM lake_data_file WHERE catalog_id = (SELECT catalog_id FROM lake_catalog WHERE name = $1)",
		"DELETE FROM lake_column WHERE catalog_id = (SELECT catalog_id FROM lake_catalog WHERE name = $1)",
		"DELETE FROM lake_table WHERE catalog_id = (SELECT catalog_id FROM lake_catalog WHERE name = $1)",
		"DELETE FROM lake_schema WHERE catalog_id = (SELECT catalog_id FROM lake_catalog WHERE name = $1)",
		"DELETE FROM lake_snapshot WHERE catalog_id = (SELECT catalog_id FROM lake_catalog WHERE name = $1)",
		"DELETE FROM lake_catalog WHERE name = $1",
	};
	char now[40];
	lake_now_text(now, sizeof(now));
	const char *dparams[] = {name, now};
	for (size_t i = 0; i < sizeof(cleanup) / sizeof(cleanup[0]); i++)
		if (meta_exec(m->db, cleanup[i], i < 3 ? 2 : 1, i < 3 ? dparams : params, NULL, NULL, err, errlen) != META_OK)
			return LAKE_ERROR;
	return LAKE_OK;
}

int lake_catalog_drop(struct lake_meta *m, const char *name, char *err, size_t errlen)
{
	return lake_in_transaction(m, do_drop, (void *)name, err, errlen);
}
