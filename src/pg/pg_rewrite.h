/* The lexical pass that makes PostgreSQL clients' statements DuckDB's: the pg_catalog qualifier
 * and its PostgreSQL-only companions go (see pg_compat.h), and literals in PostgreSQL's array
 * syntax cast to an array type ('{1,2}'::int[]) become DuckDB's list text. */
#ifndef LAKEHOUSE_PG_PG_REWRITE_H
#define LAKEHOUSE_PG_PG_REWRITE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* PostgreSQL's array input syntax ({a,"b c",NULL}, nested) as DuckDB's list text
 * (["a","b c",NULL]) appended to out; false, out unchanged, when s is not such an array. */
bool pg_array_text_to_list(const char *s, size_t len, buf *out);
/* End of the string, quoted name, comment or dollar-quoted text starting at s[i]; i when none
 * starts there. */
size_t pg_skip_literal(const char *s, size_t len, size_t i);
/* The statement as DuckDB should see it (malloc'd), or NULL when it needs no change. */
char *pg_compat_rewrite(const char *sql, size_t len);

#endif
