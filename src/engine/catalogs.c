/* Managed catalogs in the workers and the gate in front of DuckDB (DECISIONS.md, decision 17). */
#include <stdio.h>
#include <stdlib.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#include "engine/engine_internal.h"
#include "engine/sql_split.h"
#include "engine/statement_head.h"
#include "util/log.h"
#include "util/metrics.h"

/* ATTACH / DETACH of one managed catalog on one worker. */
static int catalog_sql(struct worker *w, const char *verb, const char *name, char *msg, size_t msglen)
{
	buf sql;
	buf_init(&sql);
	buf_puts(&sql, verb);
	eng_quote(&sql, name, '"');
	buf_putc(&sql, '\0');
	int rc = buf_failed(&sql) ? -1 : worker_admin_exec(w, sql.data, msg, msglen);
	buf_free(&sql);
	return rc;
}

/* Attaches catalog h to worker w and builds its schemas and views. */
static int attach_one(struct engine *e, struct worker *w, const struct lake_head *h, char *msg, size_t msglen)
{
	if (catalog_sql(w, "ATTACH ':memory:' AS ", h->name, msg, msglen) < 0)
		return -1;
	pthread_mutex_lock(&w->admin_mu);
	int rc = eng_lake_macros(w->admin, h->name, msg, msglen);
	pthread_mutex_unlock(&w->admin_mu);
	if (rc < 0 || eng_lake_sync_worker(e, w, h, msg, msglen) < 0) {
		catalog_sql(w, "DETACH DATABASE IF EXISTS ", h->name, (char[256]){0}, 256);
		eng_not_null_set(w, h->name, NULL);
		return -1;
	}
	return 0;
}

int eng_attach_all(struct engine *e, struct worker *w, char *msg, size_t msglen)
{
	eng_lake_register(e, w);
	if (eng_not_null_register(w, msg, msglen) < 0)
		return -1;
	pthread_mutex_lock(&w->admin_mu);
	int rc = eng_lake_macros(w->admin, "memory", msg, msglen);
	pthread_mutex_unlock(&w->admin_mu);
	for (size_t i = 0; i < e->ncatalogs && rc == 0; i++)
		rc = attach_one(e, w, &e->catalogs[i], msg, msglen);
	return rc;
}

static ssize_t catalog_index(struct engine *e, const char *name)
{
	for (size_t i = 0; i < e->ncatalogs; i++)
		if (!strcmp(e->catalogs[i].name, name))
			return (ssize_t)i;
	return -1;
}

bool eng_catalog_lookup(struct engine *e, const char *name, struct lake_head *out)
{
	pthread_mutex_lock(&e->open_mu);
	ssize_t i = catalog_index(e, name);
	if (i >= 0 && out)
		*out = e->catalogs[i];
	pthread_mutex_unlock(&e->open_mu);
	return i >= 0;
}

int engine_catalog_attach(struct engine *e, const char *name, struct eng_error *err)
{
	char msg[1024] = "";
	struct lake_head *heads = NULL, h;
	size_t nheads = 0;
	if (lake_heads(e->lake, &heads, &nheads, msg, sizeof(msg)) != LAKE_OK) {
		eng_set_error(err, ENG_INTERNAL, msg);
		return -1;
	}
	bool found = false;
	for (size_t i = 0; i < nheads; i++)
		if (!strcmp(heads[i].name, name)) {
			h = heads[i];
			found = true;
		}
	free(heads);
	if (!found) {
		eng_set_error(err, ENG_NOT_FOUND, "no such catalog");
		return -1;
	}
	pthread_mutex_lock(&e->open_mu);
	if (catalog_index(e, name) >= 0) {
		pthread_mutex_unlock(&e->open_mu);
		return 0;
	}
	struct lake_head *grown = realloc(e->catalogs, (e->ncatalogs + 1) * sizeof(*grown));
	if (!grown) {
		pthread_mutex_unlock(&e->open_mu);
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		return -1;
	}
	e->catalogs = grown;
	int rc = 0;
	for (int i = 0; i < COMPUTE_SIZES && rc == 0; i++)
		if (e->workers[i].open)
			rc = attach_one(e, &e->workers[i], &h, msg, sizeof(msg));
	if (rc == 0) {
		e->catalogs[e->ncatalogs++] = h;
	} else {
		for (int i = 0; i < COMPUTE_SIZES; i++) /* undo where it worked */
			if (e->workers[i].open) {
				catalog_sql(&e->workers[i], "DETACH DATABASE IF EXISTS ", name, (char[256]){0}, 256);
				eng_not_null_set(&e->workers[i], name, NULL);
			}
		eng_set_error(err, ENG_INTERNAL, msg);
	}
	pthread_mutex_unlock(&e->open_mu);
	return rc;
}

/* Takes the catalog out of every worker; a drop (not a rename) also forgets its counters. */
static int detach(struct engine *e, const char *name, bool dropped, struct eng_error *err)
{
	char msg[512] = "";
	int rc = 0;
	pthread_mutex_lock(&e->open_mu);
	ssize_t idx = catalog_index(e, name);
	if (idx >= 0) {
		for (int i = 0; i < COMPUTE_SIZES; i++) {
			if (e->workers[i].open && catalog_sql(&e->workers[i], "DETACH DATABASE IF EXISTS ", name, msg, sizeof(msg)) < 0)
				rc = -1;
			eng_not_null_set(&e->workers[i], name, NULL);
		}
		if (dropped)
			metrics_catalog_forget(e->catalogs[idx].id);
		e->catalogs[idx] = e->catalogs[--e->ncatalogs];
	}
	pthread_mutex_unlock(&e->open_mu);
	if (rc < 0)
		eng_set_error(err, ENG_INTERNAL, msg);
	return rc;
}

int engine_catalog_detach(struct engine *e, const char *name, struct eng_error *err)
{
	return detach(e, name, true, err);
}

/* Follows changes other servers sharing the metadata store made: catalogs created, renamed or
 * dropped, and schema changes that need the views rebuilt. */
void eng_catalogs_refresh(struct engine *e)
{
	char msg[1024] = "";
	struct lake_head *heads = NULL;
	size_t n = 0;
	if (lake_heads(e->lake, &heads, &n, msg, sizeof(msg)) != LAKE_OK) {
		log_warn("cannot read the catalogs", "error=\"%s\"", msg);
		return;
	}
	struct eng_error err = {0};
	for (size_t i = 0; i < n; i++) {
		struct lake_head known;
		bool found = false;
		pthread_mutex_lock(&e->open_mu);
		for (size_t k = 0; k < e->ncatalogs; k++)
			if (e->catalogs[k].id == heads[i].id) {
				known = e->catalogs[k];
				found = true;
			}
		pthread_mutex_unlock(&e->open_mu);
		if (!found) {
			if (engine_catalog_attach(e, heads[i].name, &err) < 0)
				log_warn("cannot attach a catalog", "catalog=%s error=\"%s\"", heads[i].name, err.message);
			continue;
		}
		if (strcmp(known.name, heads[i].name) != 0) {
			if (engine_catalog_rename(e, known.name, heads[i].name, &err) < 0)
				log_warn("cannot rename a catalog", "catalog=%s error=\"%s\"", heads[i].name, err.message);
			continue;
		}
		if (known.snapshot != heads[i].snapshot)
			eng_lake_sync_catalog(e, heads[i].id, known.ddl_version);
	}
	pthread_mutex_lock(&e->open_mu);
	char gone[64][LAKE_NAME_MAX + 1];
	size_t ngone = 0;
	for (size_t k = 0; k < e->ncatalogs && ngone < 64; k++) {
		bool present = false;
		for (size_t i = 0; i < n; i++)
			present = present || heads[i].id == e->catalogs[k].id;
		if (!present)
			snprintf(gone[ngone++], sizeof(gone[0]), "%s", e->catalogs[k].name);
	}
	pthread_mutex_unlock(&e->open_mu);
	for (size_t k = 0; k < ngone; k++)
		engine_catalog_detach(e, gone[k], &err);
	free(heads);
}

int engine_catalog_rename(struct engine *e, const char *name, const char *new_name, struct eng_error *err)
{
	if (detach(e, name, false, err) < 0)
		return -1;
	return engine_catalog_attach(e, new_name, err);
}

static bool is_write(enum stmt_kind k)
{
	switch (k) {
	case STMT_INSERT: case STMT_UPDATE: case STMT_DELETE: case STMT_MERGE: case STMT_TRUNCATE:
	case STMT_COPY_FROM: case STMT_CREATE_TABLE: case STMT_CREATE_TABLE_AS: case STMT_CREATE_SCHEMA:
	case STMT_CREATE_VIEW: case STMT_DROP_TABLE: case STMT_DROP_SCHEMA: case STMT_DROP_VIEW:
	case STMT_ALTER_TABLE: case STMT_CREATE_OTHER: case STMT_DROP_OTHER: case STMT_ALTER_OTHER: case STMT_COPY_DATABASE:
		return true;
	default:
		return false;
	}
}

/* The session's current database, or "" when it cannot be read. */
static void current_database(struct eng_session *s, char *out, size_t outlen)
{
	duckdb_result r;
	out[0] = '\0';
	if (duckdb_query(s->conn, "SELECT current_database()", &r) == DuckDBSuccess) {
		char *v = duckdb_value_varchar(&r, 0, 0);
		snprintf(out, outlen, "%s", v ? v : "");
		duckdb_free(v);
	}
	duckdb_destroy_result(&r);
}

/* The gate in front of DuckDB: no ATTACH/DETACH from sessions; writes into a managed catalog
 * (named, or the current database for names with fewer parts) and transaction control go to the
 * lake router. When a name could be read either way (schema.table or catalog.schema), the
 * reading that routes wins: the router resolves it exactly. */
int eng_classify(struct eng_query *q, bool *routed, struct eng_error *err)
{
	struct eng_session *s = q->s;
	struct engine *e = s->e;
	size_t len = strlen(q->sql), pos = 0;
	char current[LAKE_CATALOG_NAME_MAX + 2] = "";
	bool have_current = false, path_leaves = false;
	*routed = false;
	pthread_mutex_lock(&e->open_mu);
	while (pos < len) {
		struct sql_span span;
		struct stmt_head h;
		pos = sql_next(q->sql, len, pos, &span);
		if (!span.len || stmt_head_parse(q->sql + span.start, span.len, &h) < 0)
			continue;
		if (h.kind == STMT_ATTACH || h.kind == STMT_DETACH) {
			pthread_mutex_unlock(&e->open_mu);
			eng_fail(err, "Permission Error: databases are attached by the server; manage catalogs with the admin API", q);
			return -1;
		}
		/* Files are written by the server alone: a session's COPY … TO could overwrite the
		 * bucket's objects, which the workers can reach (decision 24). */
		size_t w = sql_skip_space(q->sql, span.start + span.len, span.start);
		if (h.kind == STMT_COPY_TO || (span.start + span.len - w >= 6 && !strncasecmp(q->sql + w, "EXPORT", 6) &&
		                               (span.start + span.len - w == 6 || !isalnum((unsigned char)q->sql[w + 6])))) {
			pthread_mutex_unlock(&e->open_mu);
			eng_fail(err, "Permission Error: sessions cannot write files; ask for the result as csv or parquet"
			              " (the format field of POST /query) instead", q);
			return -1;
		}
		/* the PostgreSQL catalog views every session of the worker reads (pg/pg_compat.h) */
		if ((h.kind == STMT_USE || (is_write(h.kind) && h.target.nparts >= 2)) &&
		    !strcasecmp(h.target.parts[0], "__pgcompat")) {
			pthread_mutex_unlock(&e->open_mu);
			eng_fail(err, "Permission Error: __pgcompat holds the server's PostgreSQL catalog views and is read-only", q);
			return -1;
		}
		/* the table macros every session of the worker reads managed tables through, and the
		 * placeholders they stand for */
		if (is_write(h.kind) && h.target.nparts > 0 && !strncasecmp(h.target.parts[h.target.nparts - 1], "__lake", 6)) {
			pthread_mutex_unlock(&e->open_mu);
			eng_fail(err, "Permission Error: names beginning with __lake are reserved for the server", q);
			return -1;
		}
		if ((h.kind == STMT_USE && h.target.nparts > 0 && strcmp(h.target.parts[0], "memory") &&
		     catalog_index(e, h.target.parts[0]) < 0) ||
		    (h.kind == STMT_SET && h.target.nparts == 1 &&
		     (!strcmp(h.target.parts[0], "search_path") || !strcmp(h.target.parts[0], "schema"))))
			path_leaves = true;
		if (*routed)
			continue; /* the other checks still apply to every statement */
		if (h.kind == STMT_BEGIN || h.kind == STMT_COMMIT || h.kind == STMT_ROLLBACK ||
		    (e->ncatalogs > 0 && lake_time_travel_possible(q->sql + span.start, span.len))) {
			*routed = true;
			continue;
		}
		if (!is_write(h.kind) || e->ncatalogs == 0 || h.target.nparts == 0)
			continue;
		if (h.kind == STMT_COPY_DATABASE) { /* its target is a database */
			if (catalog_index(e, h.target.parts[0]) >= 0) {
				*routed = true;
				continue;
			}
			continue;
		}
		int first_as_catalog = h.kind == STMT_CREATE_SCHEMA || h.kind == STMT_DROP_SCHEMA ? 2 : 3;
		if (h.target.nparts >= first_as_catalog - 1 && h.target.nparts >= 2 && catalog_index(e, h.target.parts[0]) >= 0) {
			*routed = true;
			continue;
		}
		if (h.target.nparts < first_as_catalog) {
			if (!have_current) {
				pthread_mutex_unlock(&e->open_mu);
				current_database(s, current, sizeof(current));
				pthread_mutex_lock(&e->open_mu);
				have_current = true;
			}
			if (catalog_index(e, current) >= 0) {
				*routed = true;
				continue;
			}
		}
	}
	pthread_mutex_unlock(&e->open_mu);
	return path_leaves ? eng_session_macros(s, err) : 0;
}
