/* PostgreSQL catalog compatibility for PostgreSQL clients' sessions. DuckDB resolves every
 * pg_catalog.x to its own read-only pg_catalog, which SQL cannot extend, so statements from
 * PostgreSQL clients lose that qualifier (and the PostgreSQL-only spellings around it:
 * OPERATOR(pg_catalog.~), COLLATE pg_catalog.default) before DuckDB parses them; the names then
 * find the views and macros of pg/pg_catalog.sql (in the database __pgcompat, at the end of the
 * session's search path) before DuckDB's own pg_catalog. */
#ifndef LAKEHOUSE_PG_PG_COMPAT_H
#define LAKEHOUSE_PG_PG_COMPAT_H

#include <stdbool.h>
#include <stddef.h>

#include "duckdb.h"

/* Makes the compatibility objects in the session's worker when they are not there yet (database
 * __pgcompat), and points the session at them (user: what pg_roles and the owners show). -1 with
 * err when that fails. */
int pg_compat_install(duckdb_connection c, const char *user, char *err, size_t errlen);
/* Puts __pgcompat.main back at the end of the session's search path (after USE or SET). */
int pg_compat_search_path(duckdb_connection c, char *err, size_t errlen);

#endif
