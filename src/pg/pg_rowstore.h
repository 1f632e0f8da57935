/* A cursor's rows, encoded once and read back in any order: records appended in memory until
 * they pass PG_ROWSTORE_MEMORY bytes, then in an unlinked file of the worker's scratch folder,
 * so a cursor holds a bounded amount of memory whatever its size. Only src/pg includes this. */
#ifndef LAKEHOUSE_PG_PG_ROWSTORE_H
#define LAKEHOUSE_PG_PG_ROWSTORE_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define PG_ROWSTORE_MEMORY (1u << 20)

struct pg_rowstore {
	char dir[4096];
	int fd;           /* -1 until the rows outgrow memory */
	buf tail;         /* records not yet in the file (all of them while fd is -1) */
	uint64_t flushed; /* bytes in the file */
	uint64_t nrows;
	uint64_t *marks; /* offset of every PG_ROWSTORE_MARK-th record */
	size_t nmarks, capmarks;
	uint64_t last_row, last_off; /* the record read last, where the next one starts */
	buf rd;                      /* a window of the file: bytes [rd_off, rd_off + rd.len) */
	uint64_t rd_off;
};

void pg_rowstore_init(struct pg_rowstore *s, const char *dir);
/* Appends one record; -1 with errno when it cannot be kept. */
int pg_rowstore_append(struct pg_rowstore *s, const void *rec, size_t len);
/* Bytes used so far. */
uint64_t pg_rowstore_bytes(const struct pg_rowstore *s);
/* Record i (0-based, < nrows): a pointer valid until the next call, its length in *len; NULL with
 * errno when the file cannot be read. */
const unsigned char *pg_rowstore_get(struct pg_rowstore *s, uint64_t i, size_t *len);
void pg_rowstore_free(struct pg_rowstore *s);

#endif
