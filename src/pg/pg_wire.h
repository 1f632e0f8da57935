/* PostgreSQL protocol 3.0 framing: a builder for backend messages (type byte, length, fields) and a
 * bounds-checked cursor for frontend messages. A read past the end never happens: the cursor
 * remembers that the message was short and every later read returns zero. */
#ifndef LAKEHOUSE_PG_PG_WIRE_H
#define LAKEHOUSE_PG_PG_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Starts a message of type t (0: a message without a type byte, the startup reply); returns where
 * its length goes, for pgw_end. */
size_t pgw_begin(buf *b, char t);
void pgw_end(buf *b, size_t start);
void pgw_byte(buf *b, uint8_t v);
void pgw_int16(buf *b, int16_t v);
void pgw_int32(buf *b, int32_t v);
void pgw_int64(buf *b, int64_t v);
/* A NUL-terminated string. */
void pgw_str(buf *b, const char *s);
void pgw_bytes(buf *b, const void *p, size_t n);
/* The format code of result column col under a Bind's list of them: none means text, one applies
 * to every column, otherwise one per column. */
int16_t pgw_format_of(const int16_t *formats, int nformats, size_t col);

struct pgr {
	const unsigned char *p;
	size_t len, pos;
	bool bad; /* a read went past the end, or a string had no terminator */
};

void pgr_init(struct pgr *r, const void *p, size_t len);
uint8_t pgr_byte(struct pgr *r);
int16_t pgr_int16(struct pgr *r);
int32_t pgr_int32(struct pgr *r);
int64_t pgr_int64(struct pgr *r);
/* A NUL-terminated string inside the message ("" when bad). */
const char *pgr_str(struct pgr *r);
/* n bytes inside the message (NULL when bad). */
const unsigned char *pgr_bytes(struct pgr *r, size_t n);
static inline size_t pgr_left(const struct pgr *r) { return r->bad ? 0 : r->len - r->pos; }
/* True when the whole message was read and nothing was short. */
static inline bool pgr_done(const struct pgr *r) { return !r->bad && r->pos == r->len; }

#endif
