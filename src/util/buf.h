/* A growable byte buffer: the one type used wherever output is assembled (JSON, NDJSON rows,
 * HTTP bodies). Growth failures are sticky: once an append fails, buf_failed() stays true and
 * further appends are no-ops, so callers check once at the end instead of after every append. */
#ifndef LAKEHOUSE_UTIL_BUF_H
#define LAKEHOUSE_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct buf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;
} buf;

void buf_init(buf *b);
void buf_free(buf *b);
void buf_reset(buf *b);
bool buf_reserve(buf *b, size_t extra);
void buf_append(buf *b, const void *data, size_t len);
void buf_puts(buf *b, const char *s);
void buf_putc(buf *b, char c);
void buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Drops the first n bytes, keeping the rest. */
void buf_consume(buf *b, size_t n);
/* Returns a NUL-terminated copy owned by the caller, or NULL when the buffer failed. */
char *buf_strdup(const buf *b);
static inline bool buf_failed(const buf *b) { return b->failed; }

#endif
