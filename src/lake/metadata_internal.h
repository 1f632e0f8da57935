/* What the lake's metadata files share: the handle's insides and the transaction helper. Only
 * files in src/lake include this. */
#ifndef LAKEHOUSE_LAKE_METADATA_INTERNAL_H
#define LAKEHOUSE_LAKE_METADATA_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "lake/meta_db.h"
#include "lake/metadata.h"

struct lake_meta {
	pthread_mutex_t mu; /* one metadata connection, used by one caller at a time */
	struct meta_db *db;
	int version;
};

/* Runs fn inside one metadata transaction with mu held; fn returning anything but LAKE_OK rolls
 * back. A transaction the store refuses for concurrent updates (a serialization failure at any
 * statement, or at COMMIT) runs fn again, with backoff; when that keeps happening the result is
 * LAKE_CONFLICT, never an I/O error. */
int lake_in_transaction(struct lake_meta *m, int (*fn)(struct lake_meta *, void *, char *, size_t), void *arg,
                        char *err, size_t errlen);
void lake_rollback(struct lake_meta *m);
/* The current time as the metadata stores it: ISO 8601 UTC with microseconds. */
void lake_now_text(char *out, size_t outlen);
/* Row callback storing the first column of the first row as int64 (ctx: int64_t *). */
int lake_read_int64(void *ctx, int ncols, const char *const *values);

#endif
