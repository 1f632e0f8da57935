/* The per-session cache of prepared SELECTs (see DECISIONS.md, decision 10). */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

/* Prepared SELECTs kept per session, keyed by their exact text, so a session repeating a query
 * skips DuckDB's parse and plan. DuckDB rebinds a cached statement itself when the catalog changed;
 * what it cannot see (bind-time constants such as current_setting() or current_schema()) only
 * changes through statements of this session, so any statement other than a SELECT clears the cache. */
duckdb_prepared_statement eng_cache_take(struct eng_session *s, const char *sql)
{
	for (int i = 0; i < STMT_CACHE_SIZE; i++) {
		if (s->cache[i].sql && strcmp(s->cache[i].sql, sql) == 0) {
			duckdb_prepared_statement p = s->cache[i].prep;
			free(s->cache[i].sql);
			s->cache[i].sql = NULL;
			s->cache[i].prep = NULL;
			return p;
		}
	}
	return NULL;
}

void eng_cache_put(struct eng_session *s, const char *sql, duckdb_prepared_statement *prep)
{
	if (strlen(sql) > STMT_CACHE_SQL_MAX)
		return;
	char *copy = strdup(sql);
	if (!copy)
		return;
	struct stmt_cache_entry *e = &s->cache[s->cache_next];
	s->cache_next = (s->cache_next + 1) % STMT_CACHE_SIZE;
	free(e->sql);
	if (e->prep)
		duckdb_destroy_prepare(&e->prep);
	e->sql = copy;
	e->prep = *prep;
	*prep = NULL;
}

void eng_cache_clear(struct eng_session *s)
{
	for (int i = 0; i < STMT_CACHE_SIZE; i++) {
		free(s->cache[i].sql);
		s->cache[i].sql = NULL;
		if (s->cache[i].prep)
			duckdb_destroy_prepare(&s->cache[i].prep);
	}
}
