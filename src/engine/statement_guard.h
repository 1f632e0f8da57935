/* Refuses statements that would change a worker-wide DuckDB setting (memory_limit, threads,
 * temp_directory …) from inside one session. Session settings (TimeZone, search_path …) pass. */
#ifndef LAKEHOUSE_ENGINE_STATEMENT_GUARD_H
#define LAKEHOUSE_ENGINE_STATEMENT_GUARD_H

#include <stdbool.h>
#include <stddef.h>

typedef bool (*guard_is_global_fn)(const void *ctx, const char *name);

/* Checks one statement's text. Returns 0 when allowed; -1 with a message otherwise. */
int guard_check_statement(const char *sql, size_t len, guard_is_global_fn is_global, const void *ctx,
                          char *msg, size_t msglen);
/* Checks every statement of a request. */
int guard_check_sql(const char *sql, size_t len, guard_is_global_fn is_global, const void *ctx,
                    char *msg, size_t msglen);

#endif
