/* csv and parquet results: the last statement's result written to a file by DuckDB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine_internal.h"
#include "engine/sql_split.h"

static int export_statements(struct eng_query *q, const char *format, int64_t limit, int64_t offset, char *path,
                             size_t pathlen, struct sql_span last, struct eng_error *err);

int engine_query_export(struct eng_query *q, const char *format, int64_t limit, int64_t offset, char *path,
                        size_t pathlen, struct eng_error *err)
{
	struct eng_session *s = q->s;
	size_t len = strlen(q->sql);
	struct sql_span last = {0, 0};
	size_t pos = 0, count = 0;
	while (pos < len) {
		struct sql_span span;
		pos = sql_next(q->sql, len, pos, &span);
		if (span.len) {
			last = span;
			count++;
		}
	}
	if (count == 0) {
		eng_fail(err, "Parser Error: no statement to execute", q);
		return -1;
	}
	if (eng_txn_refuses(s, q->sql, len, err))
		return -1;
	bool routed = false;
	if (eng_classify(q, &routed, err) < 0)
		return -1;
	if (routed) {
		eng_fail(err, "Not implemented Error: csv and parquet results cannot follow writes to managed catalogs or"
		              " transaction control in the same request; send those first", q);
		return -1;
	}
	eng_lake_bind_begin(s);
	int rc = export_statements(q, format, limit, offset, path, pathlen, last, err);
	eng_lake_bind_end();
	eng_lake_statement_done(s);
	if (rc < 0)
		eng_txn_statement_failed(s);
	return rc;
}

static int export_statements(struct eng_query *q, const char *format, int64_t limit, int64_t offset, char *path,
                             size_t pathlen, struct sql_span last, struct eng_error *err)
{
	struct eng_session *s = q->s;
	size_t len = strlen(q->sql);
	(void)len;
	/* Everything before the last statement runs as usual. */
	if (last.start > 0) {
		char *lead = strndup(q->sql, last.start);
		if (!lead) {
			eng_set_error(err, ENG_INTERNAL, "out of memory");
			return -1;
		}
		const char *saved = q->sql;
		q->sql = lead;
		duckdb_extracted_statements stmts = NULL;
		idx_t n = duckdb_extract_statements(s->conn, lead, &stmts);
		duckdb_prepared_statement prep = NULL;
		int rc = n ? eng_run_leading(q, stmts, n, &prep, err) : 0;
		if (rc == 0 && prep) {
			duckdb_result r;
			if (duckdb_execute_prepared(prep, &r) == DuckDBError) {
				eng_fail(err, duckdb_result_error(&r), q);
				rc = -1;
			}
			duckdb_destroy_result(&r);
		} else if (n == 0 && duckdb_extract_statements_error(stmts)) {
			eng_fail(err, duckdb_extract_statements_error(stmts), q);
			rc = -1;
		}
		if (prep)
			duckdb_destroy_prepare(&prep);
		duckdb_destroy_extracted(&stmts);
		q->sql = saved;
		free(lead);
		if (rc < 0)
			return -1;
	}
	snprintf(path, pathlen, "%s/tmp/export-%s.%s", s->w->dir, q->log->id, format);
	buf sql;
	buf_init(&sql);
	buf_puts(&sql, "COPY (SELECT * FROM (");
	buf_append(&sql, q->sql + last.start, last.len);
	buf_puts(&sql, "\n) AS result");
	if (limit >= 0)
		buf_printf(&sql, " LIMIT %lld", (long long)limit);
	if (offset >= 0)
		buf_printf(&sql, " OFFSET %lld", (long long)offset);
	buf_puts(&sql, ") TO ");
	eng_quote(&sql, path, '\'');
	buf_puts(&sql, strcmp(format, "csv") == 0 ? " (FORMAT csv, HEADER true)" : " (FORMAT parquet)");
	buf_putc(&sql, '\0');
	if (buf_failed(&sql)) {
		buf_free(&sql);
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		return -1;
	}
	eng_cache_clear(s);
	duckdb_result r;
	int rc = 0;
	if (duckdb_query(s->conn, sql.data, &r) == DuckDBError) {
		eng_fail(err, duckdb_result_error(&r), q);
		unlink(path);
		rc = -1;
	}
	duckdb_destroy_result(&r);
	buf_free(&sql);
	return rc;
}
