/* Splits SQL text into statements at top-level semicolons, skipping quoted text, dollar-quoted
 * bodies and comments. A pure function over a buffer, shared by every layer that must look at
 * statements one by one. */
#ifndef LAKEHOUSE_ENGINE_SQL_SPLIT_H
#define LAKEHOUSE_ENGINE_SQL_SPLIT_H

#include <stddef.h>

struct sql_span {
	size_t start;
	size_t len;
};

/* Fills up to max spans of non-empty statements (whitespace and comments alone do not count) and
 * returns how many there are in all, which may exceed max. */
size_t sql_split(const char *sql, size_t len, struct sql_span *out, size_t max);
/* Reads the statement that starts at pos: its span (len 0 when empty) and the position after its
 * semicolon, which is len at the end of the text. */
size_t sql_next(const char *sql, size_t len, size_t pos, struct sql_span *span);
/* Index of the first byte that is not whitespace or part of a comment, from pos. */
size_t sql_skip_space(const char *sql, size_t len, size_t pos);

#endif
