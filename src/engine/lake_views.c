/* The managed catalogs' objects in every worker: each catalog is an attached in-memory database
 * holding its schemas and one view per table over the table's placeholder (lake_scan.c). After
 * a DDL commit, every open worker rebuilds that catalog in one DuckDB transaction, so a query
 * sees either the old set of views or the new one. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine_internal.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/uuid.h"

void eng_lake_view_select(buf *b, const struct lake_table *t, int64_t catalog_id, const char *placeholder_suffix)
{
	buf_puts(b, "SELECT ");
	for (size_t c = 0; c < t->ncols; c++) {
		const struct lake_column *col = &t->cols[c];
		buf_printf(b, "%sCAST(\"c%lld\" AS %s) AS ", c ? ", " : "", (long long)col->id, col->type);
		eng_quote(b, col->name, '"');
	}
	buf_printf(b, " FROM __lake_%lld_%lld%s", (long long)catalog_id, (long long)t->id,
	           placeholder_suffix ? placeholder_suffix : "");
}

static int admin_run(struct worker *w, const char *sql, char *msg, size_t msglen)
{
	duckdb_result r;
	int rc = 0;
	if (duckdb_query(w->admin, sql, &r) == DuckDBError) {
		snprintf(msg, msglen, "%s", duckdb_result_error(&r));
		rc = -1;
	}
	duckdb_destroy_result(&r);
	return rc;
}

/* Drops every schema (main: every view) the catalog has in this worker. */
static int clear_catalog(struct worker *w, const char *name, char *msg, size_t msglen)
{
	buf sql;
	buf_init(&sql);
	buf_puts(&sql, "SELECT schema_name, NULL FROM duckdb_schemas() WHERE database_name = ");
	eng_quote(&sql, name, '\'');
	buf_puts(&sql, " AND schema_name <> 'main' UNION ALL SELECT 'main', view_name FROM duckdb_views() WHERE"
	               " database_name = ");
	eng_quote(&sql, name, '\'');
	buf_puts(&sql, " AND schema_name = 'main'");
	buf_putc(&sql, '\0');
	duckdb_result r;
	if (buf_failed(&sql) || duckdb_query(w->admin, sql.data, &r) == DuckDBError) {
		snprintf(msg, msglen, "%s", buf_failed(&sql) ? "out of memory" : duckdb_result_error(&r));
		if (!buf_failed(&sql))
			duckdb_destroy_result(&r);
		buf_free(&sql);
		return -1;
	}
	buf drop;
	buf_init(&drop);
	idx_t n = duckdb_row_count(&r);
	for (idx_t i = 0; i < n; i++) {
		char *schema = duckdb_value_varchar(&r, 0, i);
		char *view = duckdb_value_varchar(&r, 1, i);
		buf_puts(&drop, view ? "DROP VIEW " : "DROP SCHEMA ");
		eng_quote(&drop, name, '"');
		buf_putc(&drop, '.');
		eng_quote(&drop, schema ? schema : "", '"');
		if (view) {
			buf_putc(&drop, '.');
			eng_quote(&drop, view, '"');
		} else {
			buf_puts(&drop, " CASCADE");
		}
		buf_puts(&drop, ";\n");
		duckdb_free(schema);
		duckdb_free(view);
	}
	duckdb_destroy_result(&r);
	buf_putc(&drop, '\0');
	int rc = 0;
	if (buf_failed(&drop)) {
		snprintf(msg, msglen, "out of memory");
		rc = -1;
	} else if (n > 0) {
		rc = admin_run(w, drop.data, msg, msglen);
	}
	buf_free(&drop);
	buf_free(&sql);
	return rc;
}

/* A table's view body. One that does not bind (a table this server cannot read) becomes a view
 * that fails with the reason when queried, so one bad table never takes its catalog down. The
 * check runs outside the rebuild's transaction, which a failed statement would abort. */
static void view_body(struct worker *w, const char *catalog, const struct lake_table *t, int64_t catalog_id, buf *out)
{
	buf sel;
	buf_init(&sel);
	eng_lake_view_select(&sel, t, catalog_id, NULL);
	buf_putc(&sel, '\0');
	duckdb_prepared_statement prep = NULL;
	bool ok = !buf_failed(&sel) && duckdb_prepare(w->admin, sel.data, &prep) == DuckDBSuccess;
	if (ok) {
		buf_append(out, sel.data, sel.len - 1);
	} else {
		const char *why = prep && duckdb_prepare_error(prep) ? duckdb_prepare_error(prep) : "out of memory";
		log_error("a managed table cannot be read", "catalog=%s table=%s error=\"%s\"", catalog, t->name, why);
		buf msg;
		buf_init(&msg);
		buf_printf(&msg, "IO Error: managed table %s cannot be read: %s", t->name, why);
		buf_putc(&msg, '\0');
		buf_puts(out, "SELECT error(");
		eng_quote(out, buf_failed(&msg) ? "IO Error: managed table cannot be read" : msg.data, '\'');
		buf_puts(out, ") AS error");
		buf_free(&msg);
	}
	duckdb_destroy_prepare(&prep);
	buf_free(&sel);
}

bool eng_lake_local_schema(const struct worker *w, const char *key, char *path, size_t pathlen)
{
	/* keys are ours ("<catalog id>/schema-<uuid>.parquet"); anything else is not a local name */
	if (!key || !*key || key[0] == '/' || strstr(key, ".."))
		return false;
	if ((size_t)snprintf(path, pathlen, "%s/%s", w->schemadir, key) >= pathlen)
		return false;
	return access(path, R_OK) == 0;
}

/* Makes the table's schema file in the worker's own folder from the metadata: it holds only the
 * columns' ids and stored types, so views and scans never need the bucket for it, and a bucket
 * that is down at start-up cannot leave a table unreadable once it is back (admin_mu held). */
static void make_local_schema(struct worker *w, const char *catalog, const struct lake_table *t)
{
	char path[4600], tmp[4700], msg[1024];
	if (eng_lake_local_schema(w, t->schema_file, path, sizeof(path)) || !t->schema_file || strstr(t->schema_file, ".."))
		return;
	char *slash = strrchr(path, '/');
	*slash = '\0';
	int made = fs_mkdir_p(path);
	*slash = '/';
	char id[UUID_STR_LEN + 1];
	uuid_v4(id);
	snprintf(tmp, sizeof(tmp), "%s/tmp/lake-schema-%s.parquet", w->dir, id);
	buf q;
	buf_init(&q);
	buf_puts(&q, "COPY (");
	eng_lake_schema_select(&q, t->cols, t->ncols);
	buf_puts(&q, ") TO ");
	eng_quote(&q, tmp, '\'');
	buf_puts(&q, " (FORMAT parquet)");
	buf_putc(&q, '\0');
	if (made != 0 || buf_failed(&q) || admin_run(w, q.data, msg, sizeof(msg)) < 0 || rename(tmp, path) != 0) {
		/* the scan falls back to the bucket's copy */
		log_warn("cannot make a table's schema file locally", "catalog=%s table=%s error=\"%s\"", catalog, t->name,
		         made != 0 ? strerror(errno) : buf_failed(&q) ? "out of memory" : msg);
		unlink(tmp);
	}
	buf_free(&q);
}

/* The statements creating the catalog's schemas and views (admin_mu held). */
static int catalog_sql(struct worker *w, const char *name, const struct lake_state *st, buf *sql, char *msg,
                       size_t msglen)
{
	for (size_t i = 0; i < st->nschemas; i++) {
		if (!strcmp(st->schemas[i].name, "main"))
			continue;
		buf_puts(sql, "CREATE SCHEMA ");
		eng_quote(sql, name, '"');
		buf_putc(sql, '.');
		eng_quote(sql, st->schemas[i].name, '"');
		buf_puts(sql, ";\n");
	}
	for (size_t i = 0; i < st->ntables; i++) {
		const struct lake_table *t = &st->tables[i];
		const struct lake_schema *schema = lake_state_schema_by_id(st, t->schema_id);
		if (!schema)
			continue;
		make_local_schema(w, name, t);
		buf_puts(sql, "CREATE VIEW ");
		eng_quote(sql, name, '"');
		buf_putc(sql, '.');
		eng_quote(sql, schema->name, '"');
		buf_putc(sql, '.');
		eng_quote(sql, t->name, '"');
		buf_puts(sql, " AS ");
		view_body(w, name, t, st->catalog_id, sql);
		buf_puts(sql, ";\n");
	}
	buf_putc(sql, '\0');
	if (buf_failed(sql)) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	return 0;
}

int eng_lake_sync_worker(struct engine *e, struct worker *w, const struct lake_head *h, char *msg, size_t msglen)
{
	struct lake_state st;
	if (lake_state_load(e->lake, h->id, h->snapshot, &st, msg, msglen) != LAKE_OK)
		return -1;
	/* Views bind while they are created; that must read the latest snapshot, not the snapshot of
	 * whichever session's statement led here. */
	struct eng_session *bound = eng_lake_bound();
	eng_lake_bind_end();
	pthread_mutex_lock(&w->admin_mu);
	eng_lake_build_begin(w);
	buf sql;
	buf_init(&sql);
	int rc = catalog_sql(w, h->name, &st, &sql, msg, msglen);
	if (rc == 0)
		rc = admin_run(w, "BEGIN", msg, msglen);
	if (rc == 0) {
		if (clear_catalog(w, h->name, msg, msglen) < 0 || (sql.len > 1 && admin_run(w, sql.data, msg, msglen) < 0))
			rc = -1;
		if (rc == 0)
			rc = admin_run(w, "COMMIT", msg, msglen);
		else
			admin_run(w, "ROLLBACK", (char[256]){0}, 256);
	}
	if (rc == 0)
		eng_not_null_set(w, h->name, &st);
	buf_free(&sql);
	eng_lake_build_end();
	pthread_mutex_unlock(&w->admin_mu);
	eng_lake_unbound_release(e);
	eng_lake_bind_begin(bound);
	lake_state_free(&st);
	return rc;
}

void eng_lake_sync_catalog(struct engine *e, int64_t catalog_id, int64_t if_ddl_not)
{
	char msg[1024] = "";
	struct lake_head *heads = NULL;
	size_t n = 0;
	pthread_mutex_lock(&e->open_mu);
	if (lake_heads(e->lake, &heads, &n, msg, sizeof(msg)) == LAKE_OK) {
		for (size_t i = 0; i < n; i++) {
			if (heads[i].id != catalog_id)
				continue;
			int64_t ddl = 0;
			if (lake_ddl_version(e->lake, catalog_id, &ddl, msg, sizeof(msg)) != LAKE_OK) {
				log_error("cannot read a catalog's schema version", "catalog=%s error=\"%s\"", heads[i].name, msg);
				break;
			}
			bool rebuild = if_ddl_not < 0 || ddl != if_ddl_not;
			for (int k = 0; rebuild && k < COMPUTE_SIZES; k++)
				if (e->workers[k].open && eng_lake_sync_worker(e, &e->workers[k], &heads[i], msg, sizeof(msg)) < 0)
					log_error("cannot refresh a managed catalog in a worker", "catalog=%s worker=%s error=\"%s\"",
					          heads[i].name, e->workers[k].slug, msg);
			/* Remember what the workers now show, so other servers' changes can be told apart. */
			for (size_t k = 0; k < e->ncatalogs; k++)
				if (e->catalogs[k].id == catalog_id) {
					e->catalogs[k].snapshot = heads[i].snapshot;
					e->catalogs[k].ddl_version = ddl;
				}
		}
	} else {
		log_error("cannot read the catalogs", "error=\"%s\"", msg);
	}
	pthread_mutex_unlock(&e->open_mu);
	free(heads);
}
