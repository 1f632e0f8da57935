/* The lake's metadata: one schema in the metadata database (SQLite or PostgreSQL), brought up to
 * date by forward migrations when opened, and the operations on it. Every change is one metadata
 * transaction; calls are serialised per process. */
#ifndef LAKEHOUSE_LAKE_METADATA_H
#define LAKEHOUSE_LAKE_METADATA_H

#include <stdbool.h>
#include <stddef.h>

struct lake_meta;

enum lake_status {
	LAKE_OK = 0,
	LAKE_NOT_FOUND, /* no such catalog */
	LAKE_EXISTS,    /* the name is taken */
	LAKE_INVALID,   /* a name or value the lake does not accept */
	LAKE_ERROR,     /* the metadata database failed */
	LAKE_CONFLICT,  /* a concurrent commit changed what this one depends on */
	LAKE_IN_USE,    /* still needed by something else (a bucket that holds catalogs) */
};

#define LAKE_NAME_MAX 63

struct lake_catalog {
	char name[LAKE_NAME_MAX + 1];
	char bucket[LAKE_NAME_MAX + 1];
	char created_at[40];
};

/* Opens the metadata database (see meta_db_open for target) and applies pending migrations. */
struct lake_meta *lake_meta_open(const char *target, char *err, size_t errlen);
void lake_meta_close(struct lake_meta *m);
/* Which driver and schema version are in use, for logs. */
const char *lake_meta_driver(const struct lake_meta *m);
int lake_meta_schema_version(struct lake_meta *m);

/* Names of catalogs, schemas and tables: lower-case letters, digits and '_', not starting with a
 * digit, at most LAKE_NAME_MAX bytes, and not a name DuckDB or the server reserves. */
bool lake_name_valid(const char *name, char *why, size_t whylen);

int lake_catalog_create(struct lake_meta *m, const char *name, const char *bucket, struct lake_catalog *out,
                        char *err, size_t errlen);
/* All catalogs by name; the caller frees *out. */
int lake_catalog_list(struct lake_meta *m, struct lake_catalog **out, size_t *n, char *err, size_t errlen);
int lake_catalog_get(struct lake_meta *m, const char *name, struct lake_catalog *out, char *err, size_t errlen);
int lake_catalog_rename(struct lake_meta *m, const char *name, const char *new_name, struct lake_catalog *out,
                        char *err, size_t errlen);
int lake_catalog_drop(struct lake_meta *m, const char *name, char *err, size_t errlen);

/* A bucket besides the built-in `default`. Secrets arrive and leave sealed; this layer never
 * sees them in the clear. */
struct lake_bucket {
	char name[LAKE_NAME_MAX + 1];
	char uid[40];
	char provider[8]; /* fs, s3, r2, gcs */
	char endpoint[512];
	char bucket[1024]; /* the S3 bucket, or the folder of an fs bucket */
	char prefix[512];
	char region[64];
	bool path_style;
	char access_key_id[256];
	char secret[1024];        /* sealed, or "" */
	char session_token[8192]; /* sealed, or "" */
	char created_at[40];
};

/* LAKE_EXISTS when the name is taken; the name follows lake_name_valid. Fills b->created_at. */
int lake_bucket_create(struct lake_meta *m, struct lake_bucket *b, char *err, size_t errlen);
/* All buckets by name; the caller frees *out. */
int lake_bucket_list(struct lake_meta *m, struct lake_bucket **out, size_t *n, char *err, size_t errlen);
int lake_bucket_get(struct lake_meta *m, const char *name, struct lake_bucket *out, char *err, size_t errlen);
/* LAKE_IN_USE while a catalog lives in it. Objects of dropped catalogs not yet collected stay in
 * the bucket. */
int lake_bucket_delete(struct lake_meta *m, const char *name, char *err, size_t errlen);

#endif
