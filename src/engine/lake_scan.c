/* Reading managed tables (ARCHITECTURE.md decision 4). A managed table is a view over a
 * placeholder relation, __lake_<catalog>_<table>; DuckDB asks the replacement scan registered
 * here for it while binding, on the thread that prepares the statement. That thread's current
 * session (set around prepare) says which snapshot to read and which uncommitted changes of its
 * own transaction to add; the scan becomes a call of one of the table macros below over the
 * local paths of the snapshot's files. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "util/log.h"

/* Data files are unioned by name (the physical column names are c<column id>, so renamed columns
 * still match and files written before a column was added read it as NULL); delete files list
 * (path, pos) of deleted rows, path being the data file's object key. */
static const char *const macros[][2] = {
	{"__lake_read(files)", " SELECT * FROM read_parquet(files, union_by_name = true)"},
	{"__lake_read_del(files, dels, prefix)",
	 " SELECT * EXCLUDE (filename, file_row_number)"
	 " FROM read_parquet(files, union_by_name = true, filename = true, file_row_number = true) d"
	 " ANTI JOIN (SELECT prefix || path AS p, pos FROM read_parquet(dels)) x"
	 " ON x.p = d.filename AND x.pos = d.file_row_number"},
	{"__lake_rows(files, prefix)",
	 " SELECT * EXCLUDE (filename, file_row_number), substr(filename, length(prefix) + 1) AS __lake_file,"
	 " file_row_number AS __lake_row"
	 " FROM read_parquet(files, union_by_name = true, filename = true, file_row_number = true)"},
	{"__lake_rows_del(files, dels, prefix)",
	 " SELECT * EXCLUDE (filename, file_row_number), substr(filename, length(prefix) + 1) AS __lake_file,"
	 " file_row_number AS __lake_row"
	 " FROM read_parquet(files, union_by_name = true, filename = true, file_row_number = true) d"
	 " ANTI JOIN (SELECT prefix || path AS p, pos FROM read_parquet(dels)) x"
	 " ON x.p = d.filename AND x.pos = d.file_row_number"},
};

int eng_lake_macros(duckdb_connection c, const char *database, char *msg, size_t msglen)
{
	buf sql;
	buf_init(&sql);
	for (size_t i = 0; i < sizeof(macros) / sizeof(macros[0]); i++) {
		if (database) {
			buf_puts(&sql, "CREATE OR REPLACE MACRO ");
			eng_quote(&sql, database, '"');
			buf_puts(&sql, ".main.");
		} else {
			buf_puts(&sql, "CREATE OR REPLACE TEMP MACRO ");
		}
		buf_printf(&sql, "%s AS TABLE%s;", macros[i][0], macros[i][1]);
	}
	buf_putc(&sql, '\0');
	int rc = 0;
	duckdb_result r;
	if (buf_failed(&sql)) {
		snprintf(msg, msglen, "cannot define the lake's table macros: out of memory");
		rc = -1;
	} else if (duckdb_query(c, sql.data, &r) == DuckDBError) {
		snprintf(msg, msglen, "cannot define the lake's table macros: %s", duckdb_result_error(&r));
		duckdb_destroy_result(&r);
		rc = -1;
	} else {
		duckdb_destroy_result(&r);
	}
	buf_free(&sql);
	return rc;
}

static _Thread_local struct eng_session *bound_session;
static _Thread_local struct worker *building_worker;

void eng_lake_build_begin(struct worker *w) { building_worker = w; }
void eng_lake_build_end(void) { building_worker = NULL; }
/* Objects pinned by binds outside any session's query (the server building views). */
static _Thread_local struct eng_pins unbound_pins;

void eng_lake_unbound_release(struct engine *e) { eng_pins_release(e, &unbound_pins); }

void eng_lake_bind_begin(struct eng_session *s) { bound_session = s; }
void eng_lake_bind_end(void) { bound_session = NULL; }

void eng_lake_statement_done(struct eng_session *s)
{
	if (s->lake.in_txn)
		return;
	free(s->lake.pins);
	s->lake.pins = NULL;
	s->lake.npins = 0;
}

static void pins_change(struct engine *e, const struct lake_head *heads, size_t n, int delta)
{
	pthread_mutex_lock(&e->pins_mu);
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < e->npinned && (e->pinned[k].catalog_id != heads[i].id || e->pinned[k].snapshot != heads[i].snapshot))
			k++;
		if (k == e->npinned) {
			if (delta < 0)
				continue;
			struct eng_pin *grown = realloc(e->pinned, (e->npinned + 1) * sizeof(*grown));
			if (!grown)
				continue; /* maintenance then merely keeps less; the retention period still holds */
			e->pinned = grown;
			e->pinned[e->npinned++] = (struct eng_pin){heads[i].id, heads[i].snapshot, 0};
		}
		e->pinned[k].refs += delta;
		if (e->pinned[k].refs <= 0)
			e->pinned[k] = e->pinned[--e->npinned];
	}
	pthread_mutex_unlock(&e->pins_mu);
}

int64_t eng_lake_oldest_pinned(struct engine *e, int64_t catalog_id)
{
	int64_t oldest = -1;
	pthread_mutex_lock(&e->pins_mu);
	for (size_t i = 0; i < e->npinned; i++)
		if (e->pinned[i].catalog_id == catalog_id && (oldest < 0 || e->pinned[i].snapshot < oldest))
			oldest = e->pinned[i].snapshot;
	pthread_mutex_unlock(&e->pins_mu);
	return oldest;
}

void eng_lake_release(struct eng_session *s, bool force)
{
	if (s->lake.in_txn && !force)
		return;
	pins_change(s->e, s->lake.held, s->lake.nheld, -1);
	free(s->lake.held);
	s->lake.held = NULL;
	s->lake.nheld = 0;
	eng_pins_release(s->e, &s->lake.objects);
}

int eng_lake_pin(struct eng_session *s, int64_t catalog_id, int64_t *snapshot, char *msg, size_t msglen)
{
	if (!s->lake.pins) {
		struct lake_head *heads = NULL;
		size_t n = 0;
		if (lake_heads(s->e->lake, &heads, &n, msg, msglen) != LAKE_OK)
			return -1;
		struct lake_head *held = realloc(s->lake.held, (s->lake.nheld + n) * sizeof(*held));
		if (!held && n) {
			free(heads);
			snprintf(msg, msglen, "Out of Memory Error: cannot pin the snapshot");
			return -1;
		}
		if (n) {
			memcpy(held + s->lake.nheld, heads, n * sizeof(*heads));
			s->lake.held = held;
			s->lake.nheld += n;
			pins_change(s->e, heads, n, +1);
		}
		s->lake.pins = heads;
		s->lake.npins = n;
	}
	for (size_t i = 0; i < s->lake.npins; i++)
		if (s->lake.pins[i].id == catalog_id) {
			*snapshot = s->lake.pins[i].snapshot;
			return 0;
		}
	snprintf(msg, msglen, "Catalog Error: the managed catalog was dropped");
	return -1;
}

/* A list of local paths: prefix + key for each key, after the path `first` when not NULL. */
static duckdb_value path_list(const char *prefix, const char *first, char *const *keys, size_t n,
                              char *const *more, size_t nmore)
{
	size_t total = (first ? 1 : 0) + n + nmore;
	duckdb_value *vals = calloc(total ? total : 1, sizeof(*vals));
	if (!vals)
		return NULL;
	size_t k = 0;
	char path[8192];
	if (first)
		vals[k++] = duckdb_create_varchar(first);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s%s", prefix, keys[i]);
		vals[k++] = duckdb_create_varchar(path);
	}
	for (size_t i = 0; i < nmore; i++) {
		snprintf(path, sizeof(path), "%s%s", prefix, more[i]);
		vals[k++] = duckdb_create_varchar(path);
	}
	duckdb_logical_type t = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
	duckdb_value list = duckdb_create_list_value(t, vals, k);
	duckdb_destroy_logical_type(&t);
	for (size_t i = 0; i < k; i++)
		duckdb_destroy_value(&vals[i]);
	free(vals);
	return list;
}

/* Keys the session's open transaction added to table (cid, tid): data files (deletes false) or
 * delete files. The caller frees the array, not the keys. */
static char **pending_keys(struct eng_session *s, int64_t cid, int64_t tid, bool deletes, size_t *n)
{
	*n = 0;
	char **keys = NULL;
	for (size_t i = 0; i < s->lake.npending; i++) {
		struct lake_changeset *cs = &s->lake.pending[i];
		if (cs->catalog_id != cid)
			continue;
		for (size_t c = 0; c < cs->n; c++) {
			struct lake_change *ch = &cs->items[c];
			if (ch->table_id != tid || ch->kind != (deletes ? LAKE_ADD_DELETES : LAKE_ADD_DATA))
				continue;
			char **grown = realloc(keys, (*n + 1) * sizeof(*keys));
			if (!grown)
				return keys;
			keys = grown;
			keys[(*n)++] = ch->key;
		}
	}
	return keys;
}

/* Placeholder names: __lake_<cid>_<tid> (the view's), __lake_<cid>_<tid>_v<snapshot> (time
 * travel) and __lakerows_<cid>_<tid> (rows with their file and position, for UPDATE/DELETE). */
static bool parse_placeholder(const char *name, bool *rows, int64_t *cid, int64_t *tid, int64_t *version)
{
	const char *p;
	*version = -1;
	if (!strncmp(name, "__lakerows_", 11)) {
		*rows = true;
		p = name + 11;
	} else if (!strncmp(name, "__lake_", 7)) {
		*rows = false;
		p = name + 7;
	} else {
		return false;
	}
	char *end;
	*cid = strtoll(p, &end, 10);
	if (end == p || *end != '_')
		return false;
	p = end + 1;
	*tid = strtoll(p, &end, 10);
	if (end == p)
		return false;
	if (*end == '_' && end[1] == 'v' && !*rows) {
		p = end + 2;
		*version = strtoll(p, &end, 10);
		if (end == p)
			return false;
	}
	return *end == '\0' && *cid > 0 && *tid > 0;
}

/* False when the query has counted this version of the table already. */
static bool first_read(struct eng_usage *u, int64_t catalog, int64_t table, int64_t snapshot)
{
	for (size_t i = 0; i < u->nread; i++)
		if (u->read[i].catalog == catalog && u->read[i].table == table && u->read[i].snapshot == snapshot)
			return false;
	if (u->nread < ENG_USAGE_TABLES) {
		u->read[u->nread].catalog = catalog;
		u->read[u->nread].table = table;
		u->read[u->nread].snapshot = snapshot;
		u->nread++;
	}
	return true;
}

static void resolve(duckdb_replacement_scan_info info, const char *name, void *data)
{
	struct engine *e = data;
	bool rows;
	int64_t cid, tid, version;
	if (!parse_placeholder(name, &rows, &cid, &tid, &version))
		return;
	struct eng_session *s = bound_session;
	char msg[1024] = "";
	int64_t snap = version;
	/* The catalog's bucket comes from the same read of the catalogs as its snapshot (the server
	 * may be building views with its catalog list locked). */
	char bucket[LAKE_NAME_MAX + 1] = "";
	if (s) {
		int64_t current;
		if (eng_lake_pin(s, cid, &current, msg, sizeof(msg)) < 0) {
			duckdb_replacement_scan_set_error(info, msg);
			return;
		}
		if (snap < 0)
			snap = current;
		for (size_t i = 0; i < s->lake.npins; i++)
			if (s->lake.pins[i].id == cid)
				snprintf(bucket, sizeof(bucket), "%s", s->lake.pins[i].bucket);
	} else {
		/* Binding outside a query (the server creating a view): the latest snapshot. */
		struct lake_head *heads = NULL;
		size_t n = 0;
		if (lake_heads(e->lake, &heads, &n, msg, sizeof(msg)) != LAKE_OK) {
			duckdb_replacement_scan_set_error(info, msg);
			return;
		}
		for (size_t i = 0; i < n; i++)
			if (heads[i].id == cid) {
				if (snap < 0)
					snap = heads[i].snapshot;
				snprintf(bucket, sizeof(bucket), "%s", heads[i].bucket);
			}
		free(heads);
	}
	if (s)
		s->lake.touched = true;
	struct lake_files f;
	int rc = lake_table_files(e->lake, cid, tid, snap, &f, msg, sizeof(msg));
	if (rc != LAKE_OK) {
		char full[1100];
		snprintf(full, sizeof(full), "%s: %s", rc == LAKE_NOT_FOUND ? "Catalog Error" : "IO Error", msg);
		duckdb_replacement_scan_set_error(info, full);
		return;
	}
	struct eng_bucket *b = eng_bucket_get(e, bucket, msg, sizeof(msg));
	if (!b) {
		duckdb_replacement_scan_set_error(info, msg);
		lake_files_free(&f);
		return;
	}
	size_t nmore = 0, nmoredel = 0;
	char **more = s && version < 0 ? pending_keys(s, cid, tid, false, &nmore) : NULL;
	char **moredel = s && version < 0 ? pending_keys(s, cid, tid, true, &nmoredel) : NULL;
	/* The server binding a view needs its columns only, which the schema file has. */
	size_t ndata = s ? f.ndata : 0, ndeletes = s ? f.ndeletes : 0;
	/* Objects of cached buckets become local before DuckDB opens them, pinned until the query
	 * (or its transaction) ends; an unbound bind keeps them until the view is built. */
	struct eng_pins *pins = s ? &s->lake.objects : &unbound_pins;
	/* The schema file is made locally from the metadata when views are built; the bucket's copy
	 * is only read for versions this worker has no view of (time travel across a change). */
	struct worker *w = s ? s->w : building_worker;
	/* What the query's scans bind counts towards its stats; binds outside a query do not. */
	struct cache_use *use = s && first_read(&s->lake.usage, cid, tid, snap)
	                            ? &s->lake.usage.cache : NULL;
	if (use) {
		s->lake.usage.files += ndata + nmore;
		s->lake.usage.rows += f.rows;
		for (size_t i = 0; i < ndata; i++)
			s->lake.usage.bytes += f.data_sizes[i];
	}
	char schema_path[8192];
	int frc = 0;
	if (!w || !eng_lake_local_schema(w, f.schema_file, schema_path, sizeof(schema_path))) {
		snprintf(schema_path, sizeof(schema_path), "%s%s", b->root, f.schema_file);
		frc = eng_bucket_fetch(e, b, f.schema_file, 0, pins, use, msg, sizeof(msg));
	}
	if (frc == 0)
		frc = eng_bucket_fetch_all(e, b, (const char *const *)f.data, f.data_sizes, ndata, pins, use, msg, sizeof(msg));
	if (frc == 0)
		frc = eng_bucket_fetch_all(e, b, (const char *const *)f.deletes, NULL, ndeletes, pins, use, msg, sizeof(msg));
	if (frc == 0)
		frc = eng_bucket_fetch_all(e, b, (const char *const *)more, NULL, nmore, pins, use, msg, sizeof(msg));
	if (frc == 0)
		frc = eng_bucket_fetch_all(e, b, (const char *const *)moredel, NULL, nmoredel, pins, use, msg, sizeof(msg));
	if (frc < 0) {
		duckdb_replacement_scan_set_error(info, msg);
		free(more);
		free(moredel);
		lake_files_free(&f);
		return;
	}
	bool dels = ndeletes + nmoredel > 0;
	const char *fn = rows ? (dels ? "__lake_rows_del" : "__lake_rows") : (dels ? "__lake_read_del" : "__lake_read");
	duckdb_replacement_scan_set_function_name(info, fn);
	/* The zero-row schema file comes first: the scan has every column even when no data file
	 * has it yet, and an empty table still has a file to read. */
	duckdb_value files = path_list(b->root, schema_path, f.data, ndata, more, nmore);
	duckdb_value delfiles = dels ? path_list(b->root, NULL, f.deletes, ndeletes, moredel, nmoredel) : NULL;
	duckdb_value prefix = duckdb_create_varchar(b->root);
	if (!files || (dels && !delfiles) || !prefix) {
		duckdb_replacement_scan_set_error(info, "Out of Memory Error: cannot list the table's files");
	} else {
		duckdb_replacement_scan_add_parameter(info, files);
		if (dels)
			duckdb_replacement_scan_add_parameter(info, delfiles);
		if (dels || rows)
			duckdb_replacement_scan_add_parameter(info, prefix);
	}
	if (files)
		duckdb_destroy_value(&files);
	if (delfiles)
		duckdb_destroy_value(&delfiles);
	if (prefix)
		duckdb_destroy_value(&prefix);
	free(more);
	free(moredel);
	lake_files_free(&f);
}

void eng_lake_register(struct engine *e, struct worker *w) { duckdb_add_replacement_scan(w->db, resolve, e, NULL); }

struct eng_session *eng_lake_bound(void) { return bound_session; }
