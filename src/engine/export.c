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

/* What a statement without rows reports, as a query the COPY below can write: the rows it changed
 * (INSERT, UPDATE, DELETE) or nothing but the "Success" column, as the json format shows them. */
static char *status_query(duckdb_result *r)
{
	char *out = NULL;
	if (duckdb_result_return_type(*r) == DUCKDB_RESULT_TYPE_CHANGED_ROWS) {
		if (asprintf(&out, "SELECT CAST(%llu AS BIGINT) AS \"Count\"", (unsigned long long)duckdb_rows_changed(r)) < 0)
			out = NULL;
		return out;
	}
	return strdup("SELECT true AS \"Success\" WHERE false");
}

static bool writes_rows_only_as_text(duckdb_statement_type t)
{
	return t == DUCKDB_STATEMENT_TYPE_EXPLAIN || t == DUCKDB_STATEMENT_TYPE_PRAGMA || t == DUCKDB_STATEMENT_TYPE_CALL ||
	       t == DUCKDB_STATEMENT_TYPE_EXECUTE || t == DUCKDB_STATEMENT_TYPE_RELATION;
}

/* Runs every statement before the last and prepares the last on its own, so an error names the
 * user's statement, not the COPY around it. A query's rows are then written by COPY; a statement
 * without rows runs, and its status is written instead. */
static int export_statements(struct eng_query *q, const char *format, int64_t limit, int64_t offset, char *path,
                             size_t pathlen, struct sql_span last, struct eng_error *err)
{
	struct eng_session *s = q->s;
	duckdb_extracted_statements stmts = NULL;
	idx_t n = duckdb_extract_statements(s->conn, q->sql, &stmts);
	duckdb_prepared_statement prep = NULL;
	int rc = 0;
	if (n == 0) {
		const char *msg = duckdb_extract_statements_error(stmts);
		eng_fail(err, msg ? msg : "Parser Error: no statement to execute", q);
		rc = -1;
	} else {
		rc = eng_run_leading(q, stmts, n, &prep, err);
	}
	duckdb_destroy_extracted(&stmts);
	if (rc < 0) {
		if (prep)
			duckdb_destroy_prepare(&prep);
		return -1;
	}
	duckdb_statement_type type = duckdb_prepared_statement_type(prep);
	char *status = NULL;
	if (type != DUCKDB_STATEMENT_TYPE_SELECT) {
		if (writes_rows_only_as_text(type)) {
			eng_fail(err, "Not implemented Error: csv and parquet results hold the rows of a query (SELECT, FROM, "
			              "SHOW, DESCRIBE…); this statement's rows come with format json", q);
			duckdb_destroy_prepare(&prep);
			return -1;
		}
		duckdb_result r;
		if (duckdb_execute_prepared(prep, &r) == DuckDBError) {
			eng_fail(err, duckdb_result_error(&r), q);
			rc = -1;
		} else if (!(status = status_query(&r))) {
			eng_set_error(err, ENG_INTERNAL, "out of memory");
			rc = -1;
		}
		duckdb_destroy_result(&r);
	}
	duckdb_destroy_prepare(&prep);
	if (rc < 0)
		return -1;
	snprintf(path, pathlen, "%s/tmp/export-%s.%s", s->w->dir, q->log->id, format);
	buf sql;
	buf_init(&sql);
	buf_puts(&sql, "COPY (SELECT * FROM (");
	if (status)
		buf_puts(&sql, status);
	else
		buf_append(&sql, q->sql + last.start, last.len);
	free(status);
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
	if (duckdb_query(s->conn, sql.data, &r) == DuckDBError) {
		eng_fail(err, duckdb_result_error(&r), q);
		unlink(path);
		rc = -1;
	}
	duckdb_destroy_result(&r);
	buf_free(&sql);
	return rc;
}
