/* Managed catalogs as the engine sees them: what a snapshot holds (schemas, tables, columns,
 * files) and how a set of changes becomes the next snapshot. Reads name a snapshot; a commit
 * names the snapshot its changes were computed against and fails with LAKE_CONFLICT when a
 * concurrent commit makes them wrong (optimistic concurrency). */
#ifndef LAKEHOUSE_LAKE_LAKE_H
#define LAKEHOUSE_LAKE_LAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lake/metadata.h"

/* A catalog and its latest committed snapshot. */
struct lake_head {
	int64_t id;
	int64_t snapshot;
	int64_t ddl_version; /* left 0 by lake_heads; see lake_ddl_version */
	char name[LAKE_NAME_MAX + 1];
	char bucket[LAKE_NAME_MAX + 1];
};

/* All catalogs, read in one statement so the snapshots are consistent with each other. */
int lake_heads(struct lake_meta *m, struct lake_head **out, size_t *n, char *err, size_t errlen);
/* The last snapshot that changed the catalog's schemas or tables (what its views depend on). */
int lake_ddl_version(struct lake_meta *m, int64_t catalog_id, int64_t *out, char *err, size_t errlen);

struct lake_column {
	int64_t id; /* stable across renames; the data files name the column c<id> */
	char name[LAKE_NAME_MAX + 1];
	char *type;         /* DuckDB type text */
	bool not_null;
	char *default_expr; /* SQL expression or NULL */
};

struct lake_table {
	int64_t id;
	int64_t schema_id;
	int64_t version; /* snapshot of the table's last DDL change */
	char name[LAKE_NAME_MAX + 1];
	char *schema_file; /* object key of a zero-row Parquet file with the columns' physical names */
	struct lake_column *cols;
	size_t ncols;
};

struct lake_schema {
	int64_t id;
	char name[LAKE_NAME_MAX + 1];
};

/* What one snapshot of a catalog holds, less its files. */
struct lake_state {
	int64_t catalog_id;
	int64_t snapshot;
	struct lake_schema *schemas;
	size_t nschemas;
	struct lake_table *tables;
	size_t ntables;
};

int lake_state_load(struct lake_meta *m, int64_t catalog_id, int64_t snapshot, struct lake_state *out, char *err,
                    size_t errlen);
void lake_state_free(struct lake_state *s);
const struct lake_schema *lake_state_schema(const struct lake_state *s, const char *name);
const struct lake_schema *lake_state_schema_by_id(const struct lake_state *s, int64_t id);
const struct lake_table *lake_state_table(const struct lake_state *s, int64_t schema_id, const char *name);

/* The objects a read of one table at a snapshot needs. */
struct lake_files {
	char **data; /* data file keys, oldest first */
	uint64_t *data_sizes; /* their sizes in bytes */
	size_t ndata;
	char **deletes; /* delete file keys (each lists (path, pos) of deleted rows) */
	size_t ndeletes;
	char *schema_file;
	uint64_t rows; /* rows in the data files, before deletes */
};

/* LAKE_NOT_FOUND when the table does not exist at that snapshot. */
int lake_table_files(struct lake_meta *m, int64_t catalog_id, int64_t table_id, int64_t snapshot,
                     struct lake_files *out, char *err, size_t errlen);
void lake_files_free(struct lake_files *f);
/* One snapshot of a catalog, as listed for time travel. */
struct lake_snapshot_info {
	int64_t id;
	char created_at[40];
	char author[64];
	char *changes; /* what the commit did, in words */
};
/* The catalog's kept snapshots, newest first, at most limit. */
int lake_snapshot_list(struct lake_meta *m, int64_t catalog_id, size_t limit, struct lake_snapshot_info **out,
                       size_t *n, char *err, size_t errlen);
void lake_snapshot_list_free(struct lake_snapshot_info *items, size_t n);
/* Latest snapshot committed at or before time_text (ISO 8601), LAKE_NOT_FOUND when none. */
int lake_snapshot_at(struct lake_meta *m, int64_t catalog_id, const char *time_text, int64_t *out, char *err,
                     size_t errlen);

/* Changes, applied in order by one commit. Tables created by the same commit are named by
 * LAKE_NEW_TABLE in later changes. */
#define LAKE_NEW_TABLE (-1)

enum lake_change_kind {
	LAKE_CREATE_SCHEMA, /* name */
	LAKE_DROP_SCHEMA,   /* schema_id; cascade drops its tables */
	LAKE_CREATE_TABLE,  /* schema_id, name, cols, key (schema file) */
	LAKE_DROP_TABLE,    /* table_id */
	LAKE_ALTER_TABLE,   /* table_id, name, cols (id 0 = new column), key (schema file) */
	LAKE_TRUNCATE,      /* table_id */
	LAKE_ADD_DATA,      /* table_id, key, rows, bytes */
	LAKE_ADD_DELETES,   /* table_id, key, targets */
	LAKE_REWRITE,       /* table_id, key, rows, bytes: one file replacing targets' data files (compaction) */
};

struct lake_delete_target {
	char *data_path; /* the data file whose rows the delete file lists */
	int64_t count;
	char *positions; /* those rows as ascending ranges ("0-5,9"), NULL when too many to list */
};

/* Whether two position lists share a row; a NULL or malformed list overlaps everything. */
bool lake_ranges_overlap(const char *a, const char *b);

/* Per-column statistics of one data file (min/max as text in the column's type; NULL: unknown). */
struct lake_column_stats {
	int64_t column_id;
	char *min;
	char *max;
	int64_t null_count;
};

struct lake_change {
	enum lake_change_kind kind;
	int64_t schema_id;
	int64_t table_id;
	bool cascade;
	char name[LAKE_NAME_MAX + 1];
	char *key;
	int64_t rows, bytes;
	struct lake_column *cols;
	size_t ncols;
	struct lake_delete_target *targets;
	size_t ntargets;
	struct lake_column_stats *stats; /* ADD_DATA, REWRITE */
	size_t nstats;
};

/* Changes to one catalog, computed against snapshot `base`. */
struct lake_changeset {
	int64_t catalog_id;
	int64_t base;
	struct lake_change *items;
	size_t n, cap;
};

/* Appends a zeroed change of that kind; NULL when out of memory. */
struct lake_change *lake_changeset_add(struct lake_changeset *cs, enum lake_change_kind kind);
void lake_changeset_free(struct lake_changeset *cs);
/* Every object key a changeset brought into the bucket (to delete when it is abandoned). */
size_t lake_changeset_keys(const struct lake_changeset *cs, const char **keys, size_t max);

/* Commits the changesets (one per catalog) in one metadata transaction, each as its catalog's
 * next snapshot. LAKE_CONFLICT: a commit since `base` touched what these changes depend on;
 * LAKE_EXISTS / LAKE_NOT_FOUND / LAKE_INVALID: a name taken, missing or not allowed at commit
 * time. snapshots[i] receives the new snapshot of sets[i]; *new_table the id given to
 * LAKE_NEW_TABLE (0 when none). */
int lake_commit(struct lake_meta *m, struct lake_changeset *sets, size_t nsets, const char *author,
                int64_t *snapshots, int64_t *new_table, char *err, size_t errlen);

/* Maintenance (lake_maintain.c). */
struct lake_compaction {
	int64_t table_id;
	char **paths; /* small data files of the table, oldest first */
	size_t n;
	int64_t rows;
};
/* Tables with at least min_files data files under small_bytes at snapshot. */
int lake_compaction_candidates(struct lake_meta *m, int64_t catalog_id, int64_t snapshot, int64_t small_bytes,
                               size_t min_files, struct lake_compaction **out, size_t *n, char *err, size_t errlen);
void lake_compactions_free(struct lake_compaction *c, size_t n);
/* Forgets snapshots older than the newest one committed at or before cutoff (ISO 8601), keeping
 * keep_max and newer when keep_max >= 0; objects only they needed go to the garbage list. */
int lake_expire(struct lake_meta *m, int64_t catalog_id, const char *cutoff, int64_t keep_max, int64_t *expired,
                char *err, size_t errlen);
/* Garbage of bucket listed at or before `before`; lake_garbage_forget once the object is gone. */
int lake_garbage_due(struct lake_meta *m, const char *bucket, const char *before, char ***out, size_t *n, char *err,
                     size_t errlen);
int lake_garbage_forget(struct lake_meta *m, const char *bucket, const char *path, char *err, size_t errlen);
/* Every object key of bucket the metadata knows (sorted), garbage included. */
int lake_referenced_paths(struct lake_meta *m, const char *bucket, char ***out, size_t *n, char *err, size_t errlen);
void lake_paths_free(char **paths, size_t n);
/* Whether catalog_id still has snapshot (not expired, not in the future). */
int lake_snapshot_exists(struct lake_meta *m, int64_t catalog_id, int64_t snapshot, bool *exists, char *err,
                         size_t errlen);

/* A time as the metadata stores it (ISO 8601 UTC, microseconds), from microseconds since 1970. */
void lake_time_text(int64_t unix_us, char *out, size_t outlen);

void lake_column_free(struct lake_column *c);
int lake_column_copy(struct lake_column *dst, const struct lake_column *src);

#endif
