/* Column statistics of a data file, read back from the Parquet footer DuckDB just wrote: per
 * column the smallest and largest value over all row groups (compared in the column's type) and
 * the number of NULLs. Nested and text-stored columns get a NULL count only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"

static bool has_order(const char *type)
{
	return !strchr(type, '[') && strncmp(type, "STRUCT", 6) && strncmp(type, "MAP", 3) && strncmp(type, "UNION", 5) &&
	       strncmp(type, "LIST", 4) && eng_lake_type_exact(type);
}

int eng_lake_file_stats(duckdb_connection c, const char *path, const struct lake_column *cols, size_t ncols,
                        struct lake_column_stats **out, size_t *n, char *msg, size_t msglen)
{
	*out = NULL;
	*n = 0;
	if (ncols == 0)
		return 0;
	buf q;
	buf_init(&q);
	buf_puts(&q, "SELECT ");
	for (size_t i = 0; i < ncols; i++) {
		char name[32];
		snprintf(name, sizeof(name), "'c%lld'", (long long)cols[i].id);
		if (has_order(cols[i].type))
			buf_printf(&q,
			           "%sCAST(min(TRY_CAST(stats_min_value AS %s)) FILTER (WHERE path_in_schema = %s) AS VARCHAR),"
			           " CAST(max(TRY_CAST(stats_max_value AS %s)) FILTER (WHERE path_in_schema = %s) AS VARCHAR),",
			           i ? ", " : "", cols[i].type, name, cols[i].type, name);
		else
			buf_printf(&q, "%sNULL, NULL,", i ? ", " : "");
		/* Nested columns have one footer entry per leaf: count a column's NULLs at its first leaf. */
		buf_printf(&q, " sum(stats_null_count) FILTER (WHERE path_in_schema = %s OR path_in_schema LIKE 'c%lld, %%')",
		           name, (long long)cols[i].id);
	}
	buf_puts(&q, " FROM parquet_metadata(");
	eng_quote(&q, path, '\'');
	buf_puts(&q, ")");
	buf_putc(&q, '\0');
	if (buf_failed(&q)) {
		buf_free(&q);
		snprintf(msg, msglen, "Out of Memory Error: cannot read file statistics");
		return -1;
	}
	duckdb_result r;
	if (duckdb_query(c, q.data, &r) == DuckDBError) {
		snprintf(msg, msglen, "%s", duckdb_result_error(&r));
		duckdb_destroy_result(&r);
		buf_free(&q);
		return -1;
	}
	buf_free(&q);
	struct lake_column_stats *st = calloc(ncols, sizeof(*st));
	int rc = st ? 0 : -1;
	for (size_t i = 0; st && i < ncols; i++) {
		st[i].column_id = cols[i].id;
		char *mn = duckdb_value_varchar(&r, (idx_t)(3 * i), 0), *mx = duckdb_value_varchar(&r, (idx_t)(3 * i + 1), 0);
		st[i].min = mn ? strdup(mn) : NULL;
		st[i].max = mx ? strdup(mx) : NULL;
		if ((mn && !st[i].min) || (mx && !st[i].max))
			rc = -1;
		duckdb_free(mn);
		duckdb_free(mx);
		st[i].null_count = duckdb_value_int64(&r, (idx_t)(3 * i + 2), 0);
	}
	duckdb_destroy_result(&r);
	if (rc < 0) {
		for (size_t i = 0; st && i < ncols; i++) {
			free(st[i].min);
			free(st[i].max);
		}
		free(st);
		snprintf(msg, msglen, "Out of Memory Error: cannot read file statistics");
		return -1;
	}
	*out = st;
	*n = ncols;
	return 0;
}
