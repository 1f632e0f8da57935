/* The lake's write path (ARCHITECTURE.md decision 5). A statement that writes into a managed
 * catalog never reaches DuckDB as written: the router reads its head, lets DuckDB compute the
 * rows to add (or the positions to delete) on the session's connection, has DuckDB write them
 * as Parquet into the worker's folder, moves the file into the bucket and commits a changeset —
 * at once (autocommit) or at COMMIT of the session's transaction. Data files name columns
 * c<column id>; delete files hold (path, pos) pairs. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine_internal.h"
#include "engine/sql_split.h"
#include "engine/statement_head.h"
#include "util/log.h"
#include "util/metrics.h"
#include "util/uuid.h"

/* What a routed statement works on. */
struct route {
	struct eng_query *q;
	struct eng_session *s;
	struct engine *e;
	struct stmt_head h;
	const char *sql;
	size_t len;
	struct lake_head cat;
	int64_t snapshot;
	struct lake_state state;
	char schema[STMT_NAME_MAX + 1];
	char table[STMT_NAME_MAX + 1];
	struct eng_error *err;
	bool conflict; /* its autocommit lost to a concurrent commit */
	/* files staged in the worker's folder or put into the bucket by this statement */
	char staged[4][4400];
	int nstaged;
};

static int fail(struct route *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct route *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	eng_fail(r->err, msg, r->q);
	return -1;
}

static int oom(struct route *r) { return fail(r, "Out of Memory Error: cannot build the statement"); }

/* DuckDB's message with the scratch tables' names replaced by the table the user named. */
static void user_message(struct route *r, const char *msg, char *out, size_t outlen)
{
	static const char *const scratch[] = {"temp.main.__lake_w", "temp.main.__lake_def", "__lake_w", "__lake_def"};
	size_t n = 0;
	while (*msg && n + 1 < outlen) {
		/* DuckDB quotes the statement it ran after the message: ours, not the user's */
		if (!strncmp(msg, "\nLINE ", 6) || !strncmp(msg, "\n\nLINE ", 7))
			break;
		bool replaced = false;
		/* placeholders of the table's files: __lake_<catalog>_<table>[_v<n>], __lakerows_… */
		const char *ph = !strncmp(msg, "__lakerows_", 11) ? msg + 11 : !strncmp(msg, "__lake_", 7) ? msg + 7 : NULL;
		if (ph && r->table[0] && *ph >= '0' && *ph <= '9') {
			const char *p = ph;
			while ((*p >= '0' && *p <= '9') || *p == '_' || *p == 'v')
				p++;
			n += (size_t)snprintf(out + n, outlen - n, "%s", r->table);
			msg = p;
			replaced = true;
		}
		for (size_t i = 0; !replaced && i < sizeof(scratch) / sizeof(scratch[0]) && r->table[0]; i++) {
			size_t k = strlen(scratch[i]);
			if (!strncmp(msg, scratch[i], k)) {
				n += (size_t)snprintf(out + n, outlen - n, "%s", r->table);
				msg += k;
				replaced = true;
				break;
			}
		}
		if (n >= outlen) {
			n = outlen - 1;
			break;
		}
		if (!replaced)
			out[n++] = *msg++;
	}
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		n--;
	out[n] = '\0';
	/* NOT NULL checks on the direct INSERT path raise error(); report them as DuckDB would. */
	static const char head[] = "Invalid Input Error: NOT NULL constraint failed";
	if (!strncmp(out, head, sizeof(head) - 1)) {
		char tail[2048];
		snprintf(tail, sizeof(tail), "Constraint Error: %s", out + strlen("Invalid Input Error: "));
		snprintf(out, outlen, "%s", tail);
	}
}

/* Runs sql on the session's connection; the result, when wanted, is the caller's to destroy. */
static int run(struct route *r, const char *sql, duckdb_result *out)
{
	duckdb_result res;
	if (duckdb_query(r->s->conn, sql, &res) == DuckDBError) {
		char msg[2048];
		user_message(r, duckdb_result_error(&res) ? duckdb_result_error(&res) : "", msg, sizeof(msg));
		eng_fail(r->err, msg, r->q);
		duckdb_destroy_result(&res);
		return -1;
	}
	if (out)
		*out = res;
	else
		duckdb_destroy_result(&res);
	return 0;
}

static int run_buf(struct route *r, buf *b, duckdb_result *out)
{
	buf_putc(b, '\0');
	if (buf_failed(b))
		return oom(r);
	return run(r, b->data, out);
}

/* --- reading the statement text ------------------------------------------------------------ */

/* Index after the quoted text that starts at pos (a quote character q). */
static size_t skip_quoted(const char *s, size_t len, size_t pos, char q)
{
	for (pos++; pos < len; pos++)
		if (s[pos] == q) {
			if (pos + 1 < len && s[pos + 1] == q)
				pos++;
			else
				return pos + 1;
		}
	return len;
}

static bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
	       (unsigned char)c >= 0x80;
}

/* Index after one token at pos (pos must not be whitespace or a comment). */
static size_t token_end(const char *s, size_t len, size_t pos)
{
	char c = s[pos];
	if (c == '\'' || c == '"')
		return skip_quoted(s, len, pos, c);
	if (c == '$') {
		size_t t = pos + 1;
		while (t < len && word_char(s[t]) && s[t] != '$')
			t++;
		if (t < len && s[t] == '$') {
			size_t tag = t + 1 - pos;
			for (size_t k = t + 1; k + tag <= len; k++)
				if (!memcmp(s + k, s + pos, tag))
					return k + tag;
			return len;
		}
	}
	if (word_char(c)) {
		while (pos < len && word_char(s[pos]))
			pos++;
		return pos;
	}
	return pos + 1;
}

static bool is_word(const char *s, size_t start, size_t end, const char *w)
{
	return end - start == strlen(w) && !strncasecmp(s + start, w, end - start);
}

/* From pos, the first top-level (outside brackets) ',' when commas is set, or word in stop (NULL
 * terminated); len when none. *which is the stop word's index, -1 for a comma or the end. */
static size_t scan_top(const char *s, size_t len, size_t pos, bool commas, const char *const *stop, int *which)
{
	int depth = 0;
	*which = -1;
	while ((pos = sql_skip_space(s, len, pos)) < len) {
		char c = s[pos];
		if (c == '(' || c == '[' || c == '{')
			depth++;
		else if (c == ')' || c == ']' || c == '}')
			depth--;
		else if (depth == 0 && c == ',' && commas)
			return pos;
		size_t end = token_end(s, len, pos);
		if (depth == 0 && word_char(c))
			for (int i = 0; stop && stop[i]; i++)
				if (is_word(s, pos, end, stop[i])) {
					*which = i;
					return pos;
				}
		pos = end;
	}
	return len;
}

/* An identifier at pos (quoted or not; unquoted folded to lower case) into out; returns the
 * index after it, or pos when there is none. */
static size_t read_ident(const char *s, size_t len, size_t pos, char *out, size_t outlen)
{
	pos = sql_skip_space(s, len, pos);
	if (pos >= len)
		return pos;
	size_t end = token_end(s, len, pos), n = 0;
	if (s[pos] == '"') {
		for (size_t i = pos + 1; i + 1 < end && n + 1 < outlen; i++) {
			out[n++] = s[i];
			if (s[i] == '"')
				i++;
		}
	} else if (word_char(s[pos]) && !(s[pos] >= '0' && s[pos] <= '9')) {
		for (size_t i = pos; i < end && n + 1 < outlen; i++)
			out[n++] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	} else {
		return pos;
	}
	out[n] = '\0';
	return end;
}

/* Reads an optional table alias ([AS] name) at pos that is not one of the given keywords. */
static size_t read_alias(const char *s, size_t len, size_t pos, const char *const *keywords, char *alias, size_t alen)
{
	size_t p = sql_skip_space(s, len, pos);
	if (p >= len)
		return p;
	size_t end = token_end(s, len, p);
	if (is_word(s, p, end, "AS"))
		return read_ident(s, len, end, alias, alen);
	if (s[p] != '"')
		for (int i = 0; keywords[i]; i++)
			if (is_word(s, p, end, keywords[i]))
				return p;
	return read_ident(s, len, p, alias, alen);
}

static bool has_top_word(const char *s, size_t len, size_t pos, const char *word)
{
	const char *stop[] = {word, NULL};
	int which;
	return scan_top(s, len, pos, false, stop, &which) < len;
}

/* The statement's leading WITH clause, for the statements built from it. */
static void put_with(struct route *r, buf *b)
{
	if (r->h.with_len) {
		buf_append(b, r->sql + r->h.with_start, r->h.with_len);
		buf_putc(b, ' ');
	}
}

/* Column options managed tables cannot keep: generated columns (… AS (expr), GENERATED ALWAYS)
 * and collations (Parquet stores neither, and the scratch table would turn the first into a
 * default). Column definitions sit at depth 1 of CREATE TABLE (…) and depth 0 of ALTER … ADD. */
static int refuse_column_options(struct route *r, size_t pos, int depth_of_defs)
{
	const char *s = r->sql;
	size_t len = r->len;
	int depth = 0;
	while ((pos = sql_skip_space(s, len, pos)) < len) {
		char c = s[pos];
		size_t e = token_end(s, len, pos);
		if (c == '(')
			depth++;
		else if (c == ')')
			depth--;
		else if (depth == depth_of_defs) {
			size_t next = sql_skip_space(s, len, e);
			if (is_word(s, pos, e, "GENERATED") || (is_word(s, pos, e, "AS") && next < len && s[next] == '('))
				return fail(r, "Not implemented Error: generated columns are not supported on managed tables");
			if (is_word(s, pos, e, "COLLATE"))
				return fail(r, "Not implemented Error: COLLATE is not supported on managed table columns; compare"
				               " with collate() or lower() in queries instead");
		}
		pos = e > pos ? e : pos + 1;
	}
	return 0;
}

/* Fails unless only space follows pos (after CASCADE or RESTRICT, when drop): DuckDB would
 * refuse the rest, so the router must not act on the head alone. */
static int expect_end(struct route *r, size_t pos, bool drop)
{
	const char *s = r->sql;
	size_t len = r->len;
	pos = sql_skip_space(s, len, pos);
	if (drop && pos < len) {
		size_t e = token_end(s, len, pos);
		if (is_word(s, pos, e, "CASCADE") || is_word(s, pos, e, "RESTRICT"))
			pos = sql_skip_space(s, len, e);
	}
	if (pos >= len)
		return 0;
	if (s[pos] == ',' && drop)
		return fail(r, "Parser Error: Can only drop one object at a time");
	size_t e = s[pos] == ',' ? pos + 1 : token_end(s, len, pos);
	return fail(r, "Parser Error: syntax error at or near \"%.*s\"", (int)(e - pos > 64 ? 64 : e - pos), s + pos);
}

bool lake_time_travel_possible(const char *sql, size_t len)
{
	bool arrow = false, word = false;
	for (size_t i = 0; i + 1 < len; i++) {
		if (sql[i] == '=' && sql[i + 1] == '>')
			arrow = true;
		if ((sql[i] == 'V' || sql[i] == 'v') && i + 7 <= len && !strncasecmp(sql + i, "VERSION", 7))
			word = true;
		if ((sql[i] == 'T' || sql[i] == 't') && i + 9 <= len && !strncasecmp(sql + i, "TIMESTAMP", 9))
			word = true;
	}
	return arrow && word;
}

/* --- names ------------------------------------------------------------------------------- */

static void current_names(struct eng_session *s, char *db, size_t dblen, char *schema, size_t schemalen)
{
	duckdb_result r;
	db[0] = schema[0] = '\0';
	if (duckdb_query(s->conn, "SELECT current_database(), current_schema()", &r) == DuckDBSuccess) {
		char *a = duckdb_value_varchar(&r, 0, 0), *b = duckdb_value_varchar(&r, 1, 0);
		snprintf(db, dblen, "%s", a ? a : "");
		snprintf(schema, schemalen, "%s", b ? b : "");
		duckdb_free(a);
		duckdb_free(b);
	}
	duckdb_destroy_result(&r);
}

/* Works out catalog, schema and table of the statement's target. Returns 1 when the target is not
 * in a managed catalog (DuckDB takes the statement), 0 when it is, -1 on error. */
static int resolve_target(struct route *r)
{
	const struct stmt_name *n = &r->h.target;
	char db[STMT_NAME_MAX + 1], cur_schema[STMT_NAME_MAX + 1];
	current_names(r->s, db, sizeof(db), cur_schema, sizeof(cur_schema));
	bool schema_stmt = r->h.kind == STMT_CREATE_SCHEMA || r->h.kind == STMT_DROP_SCHEMA;
	const char *catalog = db;
	r->table[0] = '\0';
	if (schema_stmt) {
		if (n->nparts == 2)
			catalog = n->parts[0];
		snprintf(r->schema, sizeof(r->schema), "%s", n->parts[n->nparts - 1]);
	} else if (n->nparts == 3) {
		catalog = n->parts[0];
		snprintf(r->schema, sizeof(r->schema), "%s", n->parts[1]);
		snprintf(r->table, sizeof(r->table), "%s", n->parts[2]);
	} else if (n->nparts == 2) {
		/* schema.table in the current catalog, unless that schema is not there and the first part
		 * names a managed catalog (then it is catalog.table in schema main), as DuckDB reads it. */
		struct lake_head h;
		bool first_is_catalog = eng_catalog_lookup(r->e, n->parts[0], &h);
		bool first_is_schema = false;
		if (first_is_catalog) {
			buf q;
			buf_init(&q);
			buf_puts(&q, "SELECT count(*) FROM duckdb_schemas() WHERE database_name = ");
			eng_quote(&q, db, '\'');
			buf_puts(&q, " AND schema_name = ");
			eng_quote(&q, n->parts[0], '\'');
			duckdb_result res;
			if (run_buf(r, &q, &res) == 0) {
				first_is_schema = duckdb_value_int64(&res, 0, 0) > 0;
				duckdb_destroy_result(&res);
			}
			buf_free(&q);
		}
		if (first_is_catalog && !first_is_schema) {
			catalog = n->parts[0];
			snprintf(r->schema, sizeof(r->schema), "main");
		} else {
			snprintf(r->schema, sizeof(r->schema), "%s", n->parts[0]);
		}
		snprintf(r->table, sizeof(r->table), "%s", n->parts[1]);
	} else {
		snprintf(r->schema, sizeof(r->schema), "%s", cur_schema);
		snprintf(r->table, sizeof(r->table), "%s", n->parts[0]);
		/* a bare name finds the session's temporary table first, as DuckDB resolves it */
		if (r->h.kind != STMT_CREATE_TABLE && r->h.kind != STMT_CREATE_TABLE_AS) {
			buf q;
			buf_init(&q);
			buf_puts(&q, "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'temp' AND table_name = ");
			eng_quote(&q, n->parts[0], '\'');
			duckdb_result res;
			bool temp = false;
			if (run_buf(r, &q, &res) == 0) {
				temp = duckdb_value_int64(&res, 0, 0) > 0;
				duckdb_destroy_result(&res);
			}
			buf_free(&q);
			if (temp)
				return 1;
		}
	}
	if (!eng_catalog_lookup(r->e, catalog, &r->cat))
		return 1;
	char msg[1024];
	if (eng_lake_pin(r->s, r->cat.id, &r->snapshot, msg, sizeof(msg)) < 0)
		return fail(r, "%s", msg);
	if (lake_state_load(r->e->lake, r->cat.id, r->snapshot, &r->state, msg, sizeof(msg)) != LAKE_OK)
		return fail(r, "IO Error: cannot read the catalog's metadata: %s", msg);
	return 0;
}

static const struct lake_schema *find_schema(struct route *r, bool must)
{
	const struct lake_schema *sc = lake_state_schema(&r->state, r->schema);
	if (!sc && must)
		fail(r, "Catalog Error: Schema with name %s does not exist!", r->schema);
	return sc;
}

static const struct lake_table *find_table(struct route *r, bool must)
{
	const struct lake_schema *sc = find_schema(r, must);
	if (!sc)
		return NULL;
	const struct lake_table *t = lake_state_table(&r->state, sc->id, r->table);
	if (!t && must)
		fail(r, "Catalog Error: Table with name %s does not exist!", r->table);
	return t;
}

static bool check_name(struct route *r, const char *what, const char *name)
{
	char why[128];
	if (lake_name_valid(name, why, sizeof(why)))
		return true;
	fail(r, "Invalid Input Error: invalid %s name \"%s\": %s", what, name, why);
	return false;
}

/* --- files --------------------------------------------------------------------------------- */

/* A new staging path in the worker's folder and the object key it will have. */
static const char *stage_path(struct route *r, const char *kind, char *key, size_t keylen)
{
	if (r->nstaged >= 4)
		return NULL;
	char id[UUID_STR_LEN + 1];
	uuid_v4(id);
	snprintf(key, keylen, "%lld/%s-%s.parquet", (long long)r->cat.id, kind, id);
	char *path = r->staged[r->nstaged++];
	snprintf(path, sizeof(r->staged[0]), "%s/tmp/lake-%s-%s.parquet", r->s->w->dir, kind, id);
	return path;
}

static void unstage(struct route *r)
{
	for (int i = 0; i < r->nstaged; i++)
		unlink(r->staged[i]);
	r->nstaged = 0;
}

/* COPY (select) TO path as Parquet; *rows receives the row count. */
static int copy_out(struct route *r, const char *select, size_t select_len, const char *path, int64_t *rows)
{
	buf q;
	buf_init(&q);
	buf_puts(&q, "COPY (");
	buf_append(&q, select, select_len);
	buf_puts(&q, ") TO ");
	eng_quote(&q, path, '\'');
	buf_puts(&q, " (FORMAT parquet)");
	duckdb_result res;
	int rc = run_buf(r, &q, &res);
	buf_free(&q);
	if (rc < 0)
		return -1;
	*rows = duckdb_value_int64(&res, 0, 0);
	duckdb_destroy_result(&res);
	return 0;
}

/* Moves a staged file into the bucket under key. */
static int publish(struct route *r, const char *path, const char *key, int64_t *bytes)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return fail(r, "IO Error: staged file %s is missing", path);
	*bytes = st.st_size;
	char msg[800];
	struct eng_bucket *b = eng_bucket_of_catalog(r->e, r->cat.id, msg, sizeof(msg));
	if (!b || eng_bucket_put(r->e, b, key, path, msg, sizeof(msg)) < 0)
		return fail(r, "IO Error: cannot write %s to the bucket: %s", key, msg);
	return 0;
}

/* Removes an object this statement put into the bucket but will not commit. */
static void unpublish(struct route *r, const char *key)
{
	char msg[800];
	struct eng_bucket *b = eng_bucket_of_catalog(r->e, r->cat.id, msg, sizeof(msg));
	if (!b || eng_bucket_delete(r->e, b, key, msg, sizeof(msg)) < 0)
		log_warn("cannot remove an uncommitted object", "key=%s error=\"%s\"", key, msg);
}

static void delete_keys(struct engine *e, const struct lake_changeset *cs)
{
	const char *keys[64];
	size_t n = lake_changeset_keys(cs, keys, 64);
	char msg[800];
	struct eng_bucket *b = n ? eng_bucket_of_catalog(e, cs->catalog_id, msg, sizeof(msg)) : NULL;
	for (size_t i = 0; i < n; i++) {
		if (!b || eng_bucket_delete(e, b, keys[i], msg, sizeof(msg)) < 0)
			log_warn("cannot remove an uncommitted object", "key=%s error=\"%s\"", keys[i], msg);
	}
}

/* A zero-row Parquet file with the table's physical columns. */
static int write_schema_file(struct route *r, const struct lake_column *cols, size_t ncols, char **key_out)
{
	char key[256];
	const char *path = stage_path(r, "schema", key, sizeof(key));
	buf q;
	buf_init(&q);
	eng_lake_schema_select(&q, cols, ncols);
	int64_t rows, bytes;
	int rc = buf_failed(&q) ? oom(r) : copy_out(r, q.data, q.len, path, &rows);
	buf_free(&q);
	if (rc < 0 || publish(r, path, key, &bytes) < 0)
		return -1;
	if (!(*key_out = strdup(key)))
		return oom(r);
	return 0;
}

/* SELECT list turning declared columns (of relation alias, or bare when alias is NULL) into the
 * physical c<id> columns of a data file. */
static void physical_select(buf *b, const struct lake_column *cols, size_t ncols, const char *alias)
{
	buf_puts(b, "SELECT ");
	for (size_t i = 0; i < ncols; i++) {
		buf_puts(b, i ? ", " : "");
		bool text = !eng_lake_type_exact(cols[i].type);
		if (text)
			buf_puts(b, "CAST(");
		if (alias) {
			eng_quote(b, alias, '"');
			buf_putc(b, '.');
		}
		eng_quote(b, cols[i].name, '"');
		if (text) {
			bool changed, union_text;
			buf_puts(b, " AS ");
			eng_lake_physical_type(cols[i].type, b, &changed, &union_text);
			buf_putc(b, ')');
		}
		buf_printf(b, " AS \"c%lld\"", (long long)cols[i].id);
	}
}

/* Column definitions (name type [NOT NULL] [DEFAULT …]) for a scratch table. */
static void column_defs(buf *b, const struct lake_column *cols, size_t ncols)
{
	for (size_t i = 0; i < ncols; i++) {
		buf_puts(b, i ? ", " : "");
		eng_quote(b, cols[i].name, '"');
		buf_printf(b, " %s", cols[i].type);
		if (cols[i].not_null)
			buf_puts(b, " NOT NULL");
		if (cols[i].default_expr)
			buf_printf(b, " DEFAULT (%s)", cols[i].default_expr);
	}
}

/* Stages the rows of `select` (declared columns) as a data file and adds it to cs. */
static int stage_rows(struct route *r, struct lake_changeset *cs, int64_t table_id, const struct lake_column *cols,
                      size_t ncols, const char *from, int64_t *rows)
{
	char key[256];
	const char *path = stage_path(r, "data", key, sizeof(key));
	buf q;
	buf_init(&q);
	physical_select(&q, cols, ncols, NULL);
	buf_printf(&q, " FROM %s", from);
	int rc = buf_failed(&q) ? oom(r) : copy_out(r, q.data, q.len, path, rows);
	buf_free(&q);
	if (rc < 0)
		return -1;
	if (*rows == 0) {
		unstage(r);
		return 0;
	}
	struct lake_column_stats *stats = NULL;
	size_t nstats = 0;
	char msg[1024];
	if (eng_lake_file_stats(r->s->conn, path, cols, ncols, &stats, &nstats, msg, sizeof(msg)) < 0)
		return fail(r, "%s", msg);
	int64_t bytes;
	struct lake_change *c = lake_changeset_add(cs, LAKE_ADD_DATA);
	if (!c) {
		for (size_t i = 0; i < nstats; i++) {
			free(stats[i].min);
			free(stats[i].max);
		}
		free(stats);
		return oom(r);
	}
	c->table_id = table_id;
	c->rows = *rows;
	c->stats = stats;
	c->nstats = nstats;
	if (publish(r, path, key, &bytes) < 0)
		return -1;
	if (!(c->key = strdup(key))) {
		unpublish(r, key);
		return oom(r);
	}
	c->bytes = bytes;
	return 0;
}

/* How often an autocommit statement runs before a lost race is reported as 40001. */
#define AUTOCOMMIT_ATTEMPTS 30

/* Beyond this many ranges of rows per data file a delete is not listed row by row: it then
 * conflicts with any concurrent delete from the same file. */
#define DELETE_RANGES_MAX "4096"

/* Stages the (path, pos) pairs of `select` as a delete file and adds it to cs. */
static int stage_deletes(struct route *r, struct lake_changeset *cs, int64_t table_id, const char *select,
                         int64_t *rows)
{
	char key[256];
	const char *path = stage_path(r, "delete", key, sizeof(key));
	if (copy_out(r, select, strlen(select), path, rows) < 0)
		return -1;
	if (*rows == 0) {
		unstage(r);
		return 0;
	}
	/* Which data files lose rows: how many each, and which ones as ranges of positions (for the
	 * commit's row-level conflict check), unless there are too many ranges to list. */
	buf q;
	buf_init(&q);
	buf_puts(&q, "SELECT path, sum(hi - lo + 1)::BIGINT, CASE WHEN count(*) <= " DELETE_RANGES_MAX " THEN"
	             " string_agg(CASE WHEN lo = hi THEN lo::VARCHAR ELSE lo::VARCHAR || '-' || hi::VARCHAR END, ','"
	             " ORDER BY lo) END FROM (SELECT path, min(pos) AS lo, max(pos) AS hi FROM (SELECT path, pos,"
	             " pos - row_number() OVER (PARTITION BY path ORDER BY pos) AS island FROM (SELECT DISTINCT path, pos"
	             " FROM read_parquet(");
	eng_quote(&q, path, '\'');
	buf_puts(&q, "))) GROUP BY path, island) GROUP BY path");
	duckdb_result res;
	if (run_buf(r, &q, &res) < 0) {
		buf_free(&q);
		return -1;
	}
	buf_free(&q);
	idx_t n = duckdb_row_count(&res);
	struct lake_delete_target *targets = calloc(n ? n : 1, sizeof(*targets));
	bool ok = targets != NULL;
	/* DuckDB's strings are freed with duckdb_free; the changeset frees with free. */
	for (idx_t i = 0; ok && i < n; i++) {
		char *p = duckdb_value_varchar(&res, 0, i);
		targets[i].data_path = p ? strdup(p) : NULL;
		duckdb_free(p);
		targets[i].count = duckdb_value_int64(&res, 1, i);
		if (!duckdb_value_is_null(&res, 2, i)) {
			char *ranges = duckdb_value_varchar(&res, 2, i);
			targets[i].positions = ranges ? strdup(ranges) : NULL;
			ok = targets[i].positions != NULL;
			duckdb_free(ranges);
		}
		ok = ok && targets[i].data_path != NULL;
	}
	duckdb_destroy_result(&res);
	int64_t bytes;
	struct lake_change *c = ok ? lake_changeset_add(cs, LAKE_ADD_DELETES) : NULL;
	if (!c) {
		for (idx_t i = 0; targets && i < n; i++) {
			free(targets[i].data_path);
			free(targets[i].positions);
		}
		free(targets);
		return oom(r);
	}
	/* The change owns the targets from here on, whatever happens next. */
	c->targets = targets;
	c->ntargets = n;
	c->table_id = table_id;
	c->rows = *rows;
	if (publish(r, path, key, &bytes) < 0)
		return -1;
	if (!(c->key = strdup(key))) {
		unpublish(r, key);
		return oom(r);
	}
	return 0;
}

/* --- commits ------------------------------------------------------------------------------ */

static int report_commit_error(struct route *r, int rc, const char *msg)
{
	switch (rc) {
	case LAKE_CONFLICT: return fail(r, "Serialization Error: %s", msg);
	case LAKE_EXISTS: return fail(r, "Catalog Error: %s", msg);
	case LAKE_NOT_FOUND: return fail(r, "Catalog Error: %s", msg);
	case LAKE_INVALID: return fail(r, "Dependency Error: %s", msg);
	default: return fail(r, "IO Error: cannot commit to the metadata store: %s", msg);
	}
}

/* Commits cs now (autocommit) or keeps it for the session's COMMIT. Takes cs either way. */
static int finish(struct route *r, struct lake_changeset *cs, bool ddl)
{
	struct eng_session *s = r->s;
	if (cs->n == 0) {
		lake_changeset_free(cs);
		return 0;
	}
	if (s->lake.in_txn) {
		for (size_t i = 0; i < s->lake.npending; i++)
			if (s->lake.pending[i].catalog_id == cs->catalog_id) {
				struct lake_changeset *p = &s->lake.pending[i];
				for (size_t k = 0; k < cs->n; k++) {
					struct lake_change *c = lake_changeset_add(p, cs->items[k].kind);
					if (!c) {
						delete_keys(r->e, cs);
						lake_changeset_free(cs);
						return oom(r);
					}
					*c = cs->items[k];
				}
				free(cs->items);
				return 0;
			}
		struct lake_changeset *grown = realloc(s->lake.pending, (s->lake.npending + 1) * sizeof(*grown));
		if (!grown) {
			delete_keys(r->e, cs);
			lake_changeset_free(cs);
			return oom(r);
		}
		s->lake.pending = grown;
		s->lake.pending[s->lake.npending++] = *cs;
		return 0;
	}
	char msg[1024] = "";
	int64_t snap = 0;
	int rc = lake_commit(r->e->lake, cs, 1, r->q->log->user, &snap, NULL, msg, sizeof(msg));
	r->conflict = rc == LAKE_CONFLICT;
	if (rc != LAKE_OK)
		delete_keys(r->e, cs);
	lake_changeset_free(cs);
	if (rc != LAKE_OK)
		return report_commit_error(r, rc, msg);
	if (ddl)
		eng_lake_sync_catalog(r->e, r->cat.id, -1);
	return 0;
}

/* --- statements --------------------------------------------------------------------------- */

static int create_schema(struct route *r)
{
	if (expect_end(r, r->h.rest, false) < 0)
		return -1;
	if (find_schema(r, false)) {
		if (r->h.if_not_exists)
			return 0;
		return fail(r, "Catalog Error: Schema with name \"%s\" already exists!", r->schema);
	}
	if (!check_name(r, "schema", r->schema))
		return -1;
	struct lake_changeset cs = {r->cat.id, r->snapshot, NULL, 0, 0};
	struct lake_change *c = lake_changeset_add(&cs, LAKE_CREATE_SCHEMA);
	if (!c)
		return oom(r);
	snprintf(c->name, sizeof(c->name), "%.*s", LAKE_NAME_MAX, r->schema);
	return finish(r, &cs, true);
}

static int drop_schema(struct route *r)
{
	if (expect_end(r, r->h.rest, true) < 0)
		return -1;
	const struct lake_schema *sc = find_schema(r, false);
	if (!sc) {
		if (r->h.if_exists)
			return 0;
		return fail(r, "Catalog Error: Schema with name %s does not exist!", r->schema);
	}
	if (!strcmp(sc->name, "main"))
		return fail(r, "Catalog Error: cannot drop schema \"main\" of a managed catalog");
	struct lake_changeset cs = {r->cat.id, r->snapshot, NULL, 0, 0};
	struct lake_change *c = lake_changeset_add(&cs, LAKE_DROP_SCHEMA);
	if (!c)
		return oom(r);
	c->schema_id = sc->id;
	c->cascade = r->h.cascade;
	snprintf(c->name, sizeof(c->name), "%s", sc->name);
	return finish(r, &cs, true);
}

/* Reads the columns of the scratch table temp.main.__lake_def into cols (ids 1..n). */
static int scratch_columns(struct route *r, struct lake_column **cols, size_t *ncols)
{
	duckdb_result res;
	if (run(r,
	        "SELECT constraint_type FROM duckdb_constraints() WHERE database_name = 'temp' AND table_name = '__lake_def'"
	        " AND constraint_type NOT IN ('NOT NULL')",
	        &res) < 0)
		return -1;
	if (duckdb_row_count(&res) > 0) {
		char *kind = duckdb_value_varchar(&res, 0, 0);
		fail(r, "Not implemented Error: %s constraints are not supported on managed tables", kind ? kind : "these");
		duckdb_free(kind);
		duckdb_destroy_result(&res);
		return -1;
	}
	duckdb_destroy_result(&res);
	if (run(r,
	        "SELECT column_name, data_type, NOT is_nullable, column_default FROM duckdb_columns()"
	        " WHERE database_name = 'temp' AND table_name = '__lake_def' ORDER BY column_index",
	        &res) < 0)
		return -1;
	idx_t n = duckdb_row_count(&res);
	*cols = calloc(n ? n : 1, sizeof(**cols));
	*ncols = 0;
	int rc = *cols ? 0 : oom(r);
	for (idx_t i = 0; rc == 0 && i < n; i++) {
		struct lake_column *c = &(*cols)[i];
		char *name = duckdb_value_varchar(&res, 0, i);
		c->id = (int64_t)i + 1;
		if (!name || strlen(name) > LAKE_NAME_MAX || !*name) {
			rc = fail(r, "Invalid Input Error: column names have 1 to %d bytes", LAKE_NAME_MAX);
		} else {
			snprintf(c->name, sizeof(c->name), "%s", name);
			char *type = duckdb_value_varchar(&res, 1, i);
			c->type = type ? strdup(type) : NULL;
			duckdb_free(type);
			bool changed = false, union_text = false;
			buf phys;
			buf_init(&phys);
			if (c->type)
				eng_lake_physical_type(c->type, &phys, &changed, &union_text);
			buf_free(&phys);
			if (union_text) {
				rc = fail(r, "Not implemented Error: column %s: a UNION cannot hold HUGEINT, UHUGEINT, INTERVAL or"
				             " TIME WITH TIME ZONE members in a managed table (Parquet has no exact form for them)", c->name);
				(*ncols)++;
				duckdb_free(name);
				break;
			}
			c->not_null = duckdb_value_boolean(&res, 2, i);
			char *def = duckdb_value_varchar(&res, 3, i);
			c->default_expr = def ? strdup(def) : NULL;
			(*ncols)++;
			if (!c->type || (def && !c->default_expr))
				rc = oom(r);
			duckdb_free(def);
		}
		duckdb_free(name);
	}
	duckdb_destroy_result(&res);
	run(r, "DROP TABLE IF EXISTS temp.main.__lake_def", NULL);
	if (rc < 0) {
		for (size_t i = 0; *cols && i < *ncols; i++)
			lake_column_free(&(*cols)[i]);
		free(*cols);
		*cols = NULL;
		*ncols = 0;
	}
	return rc;
}

static void free_columns(struct lake_column *cols, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lake_column_free(&cols[i]);
	free(cols);
}

/* CREATE TABLE (…) and CREATE TABLE … AS query. */
static int create_table(struct route *r)
{
	const struct lake_schema *sc = find_schema(r, true);
	if (!sc)
		return -1;
	const struct lake_table *old = lake_state_table(&r->state, sc->id, r->table);
	if (old && r->h.if_not_exists)
		return 0;
	if (old && !r->h.or_replace)
		return fail(r, "Catalog Error: Table with name \"%s\" already exists!", r->table);
	if (!check_name(r, "table", r->table))
		return -1;
	bool as = r->h.kind == STMT_CREATE_TABLE_AS;
	const char *rest = r->sql + r->h.rest;
	size_t rest_len = r->len - r->h.rest;
	buf q;
	buf_init(&q);
	if (as) {
		buf_puts(&q, "CREATE OR REPLACE TEMP TABLE __lake_def AS SELECT * FROM (");
		buf_append(&q, rest, rest_len);
		buf_puts(&q, "\n) AS __lake_q LIMIT 0");
	} else {
		if (refuse_column_options(r, r->h.rest, 1) < 0) {
			buf_free(&q);
			return -1;
		}
		buf_puts(&q, "CREATE OR REPLACE TEMP TABLE __lake_def ");
		buf_append(&q, rest, rest_len);
	}
	int rc = run_buf(r, &q, NULL);
	buf_free(&q);
	struct lake_column *cols = NULL;
	size_t ncols = 0;
	if (rc < 0 || scratch_columns(r, &cols, &ncols) < 0)
		return -1;
	struct lake_changeset cs = {r->cat.id, r->snapshot, NULL, 0, 0};
	if (old) {
		struct lake_change *d = lake_changeset_add(&cs, LAKE_DROP_TABLE);
		if (!d) {
			free_columns(cols, ncols);
			return oom(r);
		}
		d->table_id = old->id;
	}
	struct lake_change *c = lake_changeset_add(&cs, LAKE_CREATE_TABLE);
	if (!c) {
		free_columns(cols, ncols);
		lake_changeset_free(&cs);
		return oom(r);
	}
	c->schema_id = sc->id;
	snprintf(c->name, sizeof(c->name), "%.*s", LAKE_NAME_MAX, r->table);
	c->cols = cols;
	c->ncols = ncols;
	if (write_schema_file(r, cols, ncols, &c->key) < 0) {
		delete_keys(r->e, &cs);
		lake_changeset_free(&cs);
		return -1;
	}
	if (as) {
		/* The query runs once more, now for its rows; columns are taken by position. */
		buf from;
		buf_init(&from);
		buf_puts(&from, "(");
		buf_append(&from, rest, rest_len);
		buf_puts(&from, "\n) AS __lake_q(");
		for (size_t i = 0; i < ncols; i++) {
			buf_puts(&from, i ? ", " : "");
			eng_quote(&from, cols[i].name, '"');
		}
		buf_puts(&from, ")");
		buf_putc(&from, '\0');
		int64_t rows = 0;
		rc = buf_failed(&from) ? oom(r) : stage_rows(r, &cs, LAKE_NEW_TABLE, cols, ncols, from.data, &rows);
		buf_free(&from);
		if (rc < 0) {
			delete_keys(r->e, &cs);
			lake_changeset_free(&cs);
			return -1;
		}
	}
	/* Like DuckDB, CREATE TABLE … AS reports no row count. */
	return finish(r, &cs, true);
}

static int drop_table(struct route *r)
{
	if (expect_end(r, r->h.rest, true) < 0)
		return -1;
	const struct lake_table *t = find_table(r, !r->h.if_exists);
	if (!t)
		return r->h.if_exists ? 0 : -1;
	struct lake_changeset cs = {r->cat.id, r->snapshot, NULL, 0, 0};
	struct lake_change *c = lake_changeset_add(&cs, LAKE_DROP_TABLE);
	if (!c)
		return oom(r);
	c->table_id = t->id;
	return finish(r, &cs, true);
}

static int truncate_table(struct route *r, int64_t *count)
{
	if (expect_end(r, r->h.rest, false) < 0)
		return -1;
	const struct lake_table *t = find_table(r, true);
	if (!t)
		return -1;
	buf q;
	buf_init(&q);
	buf_printf(&q, "SELECT count(*) FROM __lake_%lld_%lld", (long long)r->cat.id, (long long)t->id);
	duckdb_result res;
	if (run_buf(r, &q, &res) < 0) {
		buf_free(&q);
		return -1;
	}
	buf_free(&q);
	*count = duckdb_value_int64(&res, 0, 0);
	duckdb_destroy_result(&res);
	struct lake_changeset cs = {r->cat.id, r->snapshot, NULL, 0, 0};
	struct lake_change *c = lake_changeset_add(&cs, LAKE_TRUNCATE);
	if (!c)
		return oom(r);
	c->table_id = t->id;
	return finish(r, &cs, false);
}

/* The rows of t with their file and position, as relation `alias`, for UPDATE and DELETE. */
static void rows_relation(buf *b, struct route *r, const struct lake_table *t, const char *alias)
{
	buf_puts(b, "(");
	eng_lake_view_select(b, t, r->cat.id, NULL);
	/* The view's select names the placeholder; ask for the rows form instead. */
	char view_from[96], rows_from[96];
	snprintf(view_from, sizeof(view_from), " FROM __lake_%lld_%lld", (long long)r->cat.id, (long long)t->id);
	snprintf(rows_from, sizeof(rows_from), ", __lake_file, __lake_row FROM __lakerows_%lld_%lld", (long long)r->cat.id,
	         (long long)t->id);
	if (!buf_failed(b) && b->len >= strlen(view_from)) {
		b->len -= strlen(view_from);
		buf_puts(b, rows_from);
	}
	buf_puts(b, ") AS ");
	eng_quote(b, alias, '"');
}

/* INSERT INTO t <query> with no column list: the query's rows go straight into the data file,
 * cast to the columns' types by position, NOT NULL checked on the way (no scratch table). Returns
 * 1 when the statement has another shape. */
static int insert_query(struct route *r, const struct lake_table *t, struct lake_changeset *cs, int64_t *count)
{
	const char *s = r->sql;
	size_t len = r->len, pos = sql_skip_space(s, len, r->h.rest);
	if (pos >= len)
		return 1;
	size_t word = pos;
	/* "(" opens a column list unless a query follows it */
	while (word < len && s[word] == '(')
		word = sql_skip_space(s, len, word + 1);
	if (word >= len)
		return 1;
	size_t end = token_end(s, len, word);
	bool query = is_word(s, word, end, "SELECT") || is_word(s, word, end, "FROM") || is_word(s, word, end, "WITH");
	/* VALUES lists too, unless they may name DEFAULT (only the scratch table knows defaults). */
	if (!query && word == pos && is_word(s, word, end, "VALUES")) {
		query = true;
		for (size_t i = pos; i + 7 <= len && query; i++)
			if (!strncasecmp(s + i, "DEFAULT", 7))
				query = false;
	}
	if (!query)
		return 1;
	buf q;
	buf_init(&q);
	put_with(r, &q);
	buf_puts(&q, "SELECT * FROM (");
	buf_append(&q, s + pos, len - pos);
	buf_puts(&q, "\n) AS __lake_q");
	buf_putc(&q, '\0');
	if (buf_failed(&q)) {
		buf_free(&q);
		return oom(r);
	}
	duckdb_prepared_statement prep = NULL;
	int rc = 0;
	if (duckdb_prepare(r->s->conn, q.data, &prep) == DuckDBError) {
		char msg[2048];
		user_message(r, duckdb_prepare_error(prep) ? duckdb_prepare_error(prep) : "", msg, sizeof(msg));
		eng_fail(r->err, msg, r->q);
		rc = -1;
	} else if (duckdb_prepared_statement_column_count(prep) != t->ncols) {
		rc = fail(r, "Binder Error: table %s has %zu columns but %llu values were supplied", t->name, t->ncols,
		          (unsigned long long)duckdb_prepared_statement_column_count(prep));
	}
	duckdb_destroy_prepare(&prep);
	buf_reset(&q);
	if (rc < 0) {
		buf_free(&q);
		return -1;
	}
	buf_putc(&q, '(');
	put_with(r, &q);
	buf_puts(&q, "SELECT ");
	for (size_t i = 0; i < t->ncols; i++) {
		const struct lake_column *c = &t->cols[i];
		buf_puts(&q, i ? ", " : "");
		if (c->not_null) {
			buf_printf(&q, "CASE WHEN __lake_q.\"%zu\" IS NULL THEN error(", i + 1);
			buf tmsg;
			buf_init(&tmsg);
			buf_printf(&tmsg, "NOT NULL constraint failed: %s.%s", t->name, c->name);
			buf_putc(&tmsg, '\0');
			eng_quote(&q, buf_failed(&tmsg) ? "NOT NULL constraint failed" : tmsg.data, '\'');
			buf_free(&tmsg);
			buf_puts(&q, ") ELSE ");
		}
		buf_printf(&q, "CAST(__lake_q.\"%zu\" AS %s)", i + 1, c->type);
		if (c->not_null)
			buf_puts(&q, " END");
		buf_puts(&q, " AS ");
		eng_quote(&q, c->name, '"');
	}
	buf_puts(&q, " FROM (");
	buf_append(&q, s + pos, len - pos);
	buf_puts(&q, "\n) AS __lake_q(");
	for (size_t i = 0; i < t->ncols; i++)
		buf_printf(&q, "%s\"%zu\"", i ? ", " : "", i + 1);
	buf_puts(&q, "))");
	buf_putc(&q, '\0');
	rc = buf_failed(&q) ? oom(r) : stage_rows(r, cs, t->id, t->cols, t->ncols, q.data, count);
	buf_free(&q);
	return rc;
}

static int insert_rows(struct route *r, int64_t *count)
{
	const struct lake_table *t = find_table(r, true);
	if (!t)
		return -1;
	if (r->h.or_replace)
		return fail(r, "Not implemented Error: INSERT OR REPLACE / OR IGNORE need keys, which managed tables do not have");
	if (has_top_word(r->sql, r->len, r->h.rest, "RETURNING"))
		return fail(r, "Not implemented Error: RETURNING is not supported on managed tables yet");
	if (has_top_word(r->sql, r->len, r->h.rest, "CONFLICT"))
		return fail(r, "Not implemented Error: INSERT … ON CONFLICT needs keys, which managed tables do not have");
	struct lake_changeset cs = {r->cat.id, r->snapshot, NULL, 0, 0};
	int fast = insert_query(r, t, &cs, count);
	if (fast <= 0) {
		if (fast < 0) {
			delete_keys(r->e, &cs);
			lake_changeset_free(&cs);
			return -1;
		}
		return finish(r, &cs, false);
	}
	/* Any other shape: DuckDB applies the statement's column list, BY NAME, defaults, casts and
	 * NOT NULL to a scratch table of the same shape; its rows become the data file. */
	buf q;
	buf_init(&q);
	buf_puts(&q, "CREATE OR REPLACE TEMP TABLE __lake_w (");
	column_defs(&q, t->cols, t->ncols);
	buf_puts(&q, ")");
	int rc = run_buf(r, &q, NULL);
	buf_reset(&q);
	if (rc == 0) {
		put_with(r, &q);
		buf_puts(&q, "INSERT INTO temp.main.__lake_w ");
		buf_append(&q, r->sql + r->h.rest, r->len - r->h.rest);
		rc = run_buf(r, &q, NULL);
	}
	buf_free(&q);
	if (rc == 0)
		rc = stage_rows(r, &cs, t->id, t->cols, t->ncols, "temp.main.__lake_w", count);
	run(r, "DROP TABLE IF EXISTS temp.main.__lake_w", NULL);
	if (rc < 0) {
		delete_keys(r->e, &cs);
		lake_changeset_free(&cs);
		return -1;
	}
	return finish(r, &cs, false);
}

static const char *const alias_stop[] = {"USING", "WHERE", "RETURNING", "SET", "FROM", NULL};

static int delete_rows(struct route *r, int64_t *count)
{
	const struct lake_table *t = find_table(r, true);
	if (!t)
		return -1;
	if (has_top_word(r->sql, r->len, r->h.rest, "RETURNING"))
		return fail(r, "Not implemented Error: RETURNING is not supported on managed tables yet");
	char alias[STMT_NAME_MAX + 1];
	snprintf(alias, sizeof(alias), "%s", t->name);
	size_t pos = read_alias(r->sql, r->len, r->h.rest, alias_stop, alias, sizeof(alias));
	pos = sql_skip_space(r->sql, r->len, pos);
	bool using = pos < r->len && is_word(r->sql, pos, token_end(r->sql, r->len, pos), "USING");
	buf q;
	buf_init(&q);
	put_with(r, &q);
	buf_puts(&q, "SELECT DISTINCT ");
	eng_quote(&q, alias, '"');
	buf_puts(&q, ".__lake_file AS path, ");
	eng_quote(&q, alias, '"');
	buf_puts(&q, ".__lake_row AS pos FROM ");
	rows_relation(&q, r, t, alias);
	if (using) {
		buf_puts(&q, ", ");
		pos = token_end(r->sql, r->len, pos);
	} else {
		buf_putc(&q, ' ');
	}
	buf_append(&q, r->sql + pos, r->len - pos);
	buf_putc(&q, '\0');
	struct lake_changeset cs = {r->cat.id, r->snapshot, NULL, 0, 0};
	int rc = buf_failed(&q) ? oom(r) : stage_deletes(r, &cs, t->id, q.data, count);
	buf_free(&q);
	if (rc < 0) {
		delete_keys(r->e, &cs);
		lake_changeset_free(&cs);
		return -1;
	}
	return finish(r, &cs, false);
}

static int update_rows(struct route *r, int64_t *count)
{
	const struct lake_table *t = find_table(r, true);
	if (!t)
		return -1;
	const char *s = r->sql;
	size_t len = r->len;
	if (has_top_word(s, len, r->h.rest, "RETURNING"))
		return fail(r, "Not implemented Error: RETURNING is not supported on managed tables yet");
	char alias[STMT_NAME_MAX + 1];
	snprintf(alias, sizeof(alias), "%s", t->name);
	size_t pos = read_alias(s, len, r->h.rest, alias_stop, alias, sizeof(alias));
	pos = sql_skip_space(s, len, pos);
	if (pos >= len || !is_word(s, pos, token_end(s, len, pos), "SET"))
		return fail(r, "Parser Error: syntax error in UPDATE: expected SET");
	pos = token_end(s, len, pos);
	/* SET col = expr, … up to FROM / WHERE / the end. */
	size_t *expr_start = calloc(t->ncols, sizeof(size_t)), *expr_end = calloc(t->ncols, sizeof(size_t));
	if (!expr_start || !expr_end) {
		free(expr_start);
		free(expr_end);
		return oom(r);
	}
	static const char *const set_stop[] = {"FROM", "WHERE", NULL};
	int which = -1, rc = 0;
	for (;;) {
		char col[STMT_NAME_MAX + 1] = "";
		size_t p = read_ident(s, len, pos, col, sizeof(col));
		p = sql_skip_space(s, len, p);
		if (p == pos || p >= len || s[p] != '=') {
			rc = fail(r, "Parser Error: syntax error in UPDATE: expected column = expression");
			break;
		}
		size_t k = 0;
		while (k < t->ncols && strcmp(t->cols[k].name, col) != 0)
			k++;
		if (k == t->ncols) {
			rc = fail(r, "Binder Error: Referenced update column %s not found in table!", col);
			break;
		}
		expr_start[k] = p + 1;
		size_t end = scan_top(s, len, p + 1, true, set_stop, &which);
		expr_end[k] = end;
		pos = end;
		if (end < len && s[end] == ',') {
			pos = end + 1;
			continue;
		}
		break;
	}
	buf q;
	buf_init(&q);
	if (rc == 0) {
		buf_puts(&q, "CREATE OR REPLACE TEMP TABLE __lake_w (__lake_file VARCHAR, __lake_row BIGINT, ");
		column_defs(&q, t->cols, t->ncols);
		buf_puts(&q, ")");
		rc = run_buf(r, &q, NULL);
		buf_reset(&q);
	}
	if (rc == 0) {
		/* A row matched several times (UPDATE … FROM) is updated once. */
		put_with(r, &q);
		buf_puts(&q, "INSERT INTO temp.main.__lake_w SELECT DISTINCT ON (");
		eng_quote(&q, alias, '"');
		buf_puts(&q, ".__lake_file, ");
		eng_quote(&q, alias, '"');
		buf_puts(&q, ".__lake_row) ");
		eng_quote(&q, alias, '"');
		buf_puts(&q, ".__lake_file, ");
		eng_quote(&q, alias, '"');
		buf_puts(&q, ".__lake_row");
		for (size_t k = 0; k < t->ncols; k++) {
			buf_puts(&q, ", ");
			if (expr_start[k]) {
				buf_putc(&q, '(');
				buf_append(&q, s + expr_start[k], expr_end[k] - expr_start[k]);
				buf_putc(&q, ')');
			} else {
				eng_quote(&q, alias, '"');
				buf_putc(&q, '.');
				eng_quote(&q, t->cols[k].name, '"');
			}
		}
		buf_puts(&q, " FROM ");
		rows_relation(&q, r, t, alias);
		pos = sql_skip_space(s, len, pos);
		if (which == 0) { /* FROM list: joined to the table */
			buf_puts(&q, ", ");
			pos = token_end(s, len, pos);
		} else {
			buf_putc(&q, ' ');
		}
		buf_append(&q, s + pos, len - pos);
		rc = run_buf(r, &q, NULL);
	}
	buf_free(&q);
	free(expr_start);
	free(expr_end);
	struct lake_changeset cs = {r->cat.id, r->snapshot, NULL, 0, 0};
	int64_t deleted = 0, added = 0;
	if (rc == 0)
		rc = stage_deletes(r, &cs, t->id, "SELECT __lake_file AS path, __lake_row AS pos FROM temp.main.__lake_w",
		                   &deleted);
	if (rc == 0 && deleted > 0)
		rc = stage_rows(r, &cs, t->id, t->cols, t->ncols, "temp.main.__lake_w", &added);
	run(r, "DROP TABLE IF EXISTS temp.main.__lake_w", NULL);
	if (rc < 0) {
		delete_keys(r->e, &cs);
		lake_changeset_free(&cs);
		return -1;
	}
	*count = deleted;
	return finish(r, &cs, false);
}

/* COPY table [(columns)] FROM 'key' [(options)]: the file is an object of the built-in bucket,
 * named by its key; DuckDB reads it into a scratch table of the table's shape. */
static int copy_from(struct route *r, int64_t *count)
{
	const struct lake_table *t = find_table(r, true);
	if (!t)
		return -1;
	const char *s = r->sql;
	size_t len = r->len;
	static const char *const from_word[] = {"FROM", NULL};
	int which;
	size_t from = scan_top(s, len, r->h.rest, false, from_word, &which);
	size_t lit = from < len ? sql_skip_space(s, len, token_end(s, len, from)) : len;
	if (lit >= len || s[lit] != '\'')
		return fail(r, "Not implemented Error: COPY into a managed table reads a file of the bucket named by a string"
		               " literal, e.g. COPY t FROM 'imports/t.csv'");
	size_t lit_end = skip_quoted(s, len, lit, '\'');
	char key[STORE_KEY_MAX + 1];
	size_t n = 0;
	for (size_t i = lit + 1; i + 1 < lit_end && n < STORE_KEY_MAX; i++) {
		key[n++] = s[i];
		if (s[i] == '\'')
			i++;
	}
	key[n] = '\0';
	if (!store_key_valid(key))
		return fail(r, "Invalid Input Error: '%s' is not a key in the bucket (a relative path without '.' or '..'"
		               " segments)", key);
	char msg[800];
	struct eng_bucket *b = eng_bucket_of_catalog(r->e, r->cat.id, msg, sizeof(msg));
	if (!b)
		return fail(r, "IO Error: %s", msg);
	/* read locally: fetched into the cache (pinned for the statement) unless the bucket is a folder */
	int frc = eng_bucket_fetch(r->e, b, key, 0, &r->s->lake.objects, &r->s->lake.usage.cache, msg, sizeof(msg));
	if (frc == -2)
		return fail(r, "IO Error: no object '%s' in the catalog's bucket", key);
	if (frc < 0)
		return fail(r, "%s", msg);
	char local[8192];
	snprintf(local, sizeof(local), "%s%s", b->root, key);
	if (access(local, R_OK) != 0)
		return fail(r, "IO Error: no object '%s' in the catalog's bucket", key);
	buf q;
	buf_init(&q);
	buf_puts(&q, "CREATE OR REPLACE TEMP TABLE __lake_w (");
	column_defs(&q, t->cols, t->ncols);
	buf_puts(&q, ")");
	int rc = run_buf(r, &q, NULL);
	buf_reset(&q);
	if (rc == 0) {
		buf_puts(&q, "COPY temp.main.__lake_w ");
		buf_append(&q, s + r->h.rest, from - r->h.rest);
		buf_puts(&q, "FROM ");
		eng_quote(&q, local, '\'');
		buf_append(&q, s + lit_end, len - lit_end);
		rc = run_buf(r, &q, NULL);
	}
	buf_free(&q);
	struct lake_changeset cs = {r->cat.id, r->snapshot, NULL, 0, 0};
	if (rc == 0)
		rc = stage_rows(r, &cs, t->id, t->cols, t->ncols, "temp.main.__lake_w", count);
	run(r, "DROP TABLE IF EXISTS temp.main.__lake_w", NULL);
	if (rc < 0) {
		delete_keys(r->e, &cs);
		lake_changeset_free(&cs);
		return -1;
	}
	return finish(r, &cs, false);
}

/* MERGE INTO: DuckDB merges into a scratch copy of the table's rows (with their file and
 * position); rows that disappeared or changed become deletes, changed and new rows a data file. */
static int merge_into(struct route *r, int64_t *count)
{
	const struct lake_table *t = find_table(r, true);
	if (!t)
		return -1;
	const char *s = r->sql;
	size_t len = r->len;
	if (has_top_word(s, len, r->h.rest, "RETURNING"))
		return fail(r, "Not implemented Error: RETURNING is not supported on managed tables yet");
	static const char *const using_word[] = {"USING", NULL};
	char alias[STMT_NAME_MAX + 1] = "";
	size_t after_alias = read_alias(s, len, r->h.rest, using_word, alias, sizeof(alias));
	buf q;
	buf_init(&q);
	buf_puts(&q, "CREATE OR REPLACE TEMP TABLE __lake_w (__lake_file VARCHAR, __lake_row BIGINT, ");
	column_defs(&q, t->cols, t->ncols);
	buf_puts(&q, ")");
	int rc = run_buf(r, &q, NULL);
	buf_reset(&q);
	if (rc == 0) {
		buf_puts(&q, "INSERT INTO temp.main.__lake_w SELECT __lake_file, __lake_row");
		for (size_t i = 0; i < t->ncols; i++) {
			buf_puts(&q, ", ");
			eng_quote(&q, t->cols[i].name, '"');
		}
		buf_puts(&q, " FROM ");
		rows_relation(&q, r, t, "__lake_t");
		rc = run_buf(r, &q, NULL);
		buf_reset(&q);
	}
	if (rc == 0) {
		put_with(r, &q);
		buf_puts(&q, "MERGE INTO temp.main.__lake_w AS ");
		eng_quote(&q, alias[0] ? alias : t->name, '"');
		buf_putc(&q, ' ');
		/* INSERT VALUES without a column list means the table's columns, not the scratch
		 * table's (which has the file and position first): name them. */
		size_t from = alias[0] ? after_alias : r->h.rest, p = from, copied = from;
		bool then = false, insert = false;
		int depth = 0;
		while ((p = sql_skip_space(s, len, p)) < len) {
			size_t e = token_end(s, len, p);
			if (s[p] == '(')
				depth++;
			else if (s[p] == ')')
				depth--;
			if (depth == 0 && insert && is_word(s, p, e, "VALUES")) {
				buf_append(&q, s + copied, p - copied);
				buf_putc(&q, '(');
				for (size_t i = 0; i < t->ncols; i++) {
					buf_puts(&q, i ? ", " : "");
					eng_quote(&q, t->cols[i].name, '"');
				}
				buf_puts(&q, ") ");
				copied = p;
			}
			insert = depth == 0 && then && is_word(s, p, e, "INSERT");
			then = depth == 0 && is_word(s, p, e, "THEN");
			p = e;
		}
		buf_append(&q, s + copied, len - copied);
		duckdb_result res;
		rc = run_buf(r, &q, &res);
		if (rc == 0) {
			*count = duckdb_value_int64(&res, 0, 0);
			duckdb_destroy_result(&res);
		}
		buf_reset(&q);
	}
	/* Rows of the snapshot that are gone or differ now. */
	if (rc == 0) {
		buf_puts(&q, "CREATE OR REPLACE TEMP TABLE __lake_gone AS SELECT o.__lake_file AS path, o.__lake_row AS pos FROM ");
		rows_relation(&q, r, t, "o");
		buf_puts(&q, " LEFT JOIN temp.main.__lake_w n ON n.__lake_file = o.__lake_file AND n.__lake_row = o.__lake_row"
		             " WHERE n.__lake_file IS NULL");
		for (size_t i = 0; i < t->ncols; i++) {
			buf_puts(&q, " OR n.");
			eng_quote(&q, t->cols[i].name, '"');
			buf_puts(&q, " IS DISTINCT FROM o.");
			eng_quote(&q, t->cols[i].name, '"');
		}
		rc = run_buf(r, &q, NULL);
	}
	buf_free(&q);
	struct lake_changeset cs = {r->cat.id, r->snapshot, NULL, 0, 0};
	int64_t deleted = 0, added = 0;
	if (rc == 0)
		rc = stage_deletes(r, &cs, t->id, "SELECT path, pos FROM temp.main.__lake_gone", &deleted);
	if (rc == 0)
		rc = stage_rows(r, &cs, t->id, t->cols, t->ncols,
		                "(SELECT * FROM temp.main.__lake_w WHERE __lake_file IS NULL OR (__lake_file, __lake_row) IN"
		                " (SELECT (path, pos) FROM temp.main.__lake_gone))",
		                &added);
	run(r, "DROP TABLE IF EXISTS temp.main.__lake_w; DROP TABLE IF EXISTS temp.main.__lake_gone", NULL);
	if (rc < 0) {
		delete_keys(r->e, &cs);
		lake_changeset_free(&cs);
		return -1;
	}
	return finish(r, &cs, false);
}

/* Rows of table t's snapshot matching condition, for checks on existing data. */
static int count_where(struct route *r, const struct lake_table *t, const char *condition, int64_t *n)
{
	buf q;
	buf_init(&q);
	buf_puts(&q, "SELECT count(*) FROM (");
	eng_lake_view_select(&q, t, r->cat.id, NULL);
	buf_puts(&q, ") AS __lake_t WHERE ");
	buf_puts(&q, condition);
	duckdb_result res;
	int rc = run_buf(r, &q, &res);
	buf_free(&q);
	if (rc == 0) {
		*n = duckdb_value_int64(&res, 0, 0);
		duckdb_destroy_result(&res);
	}
	return rc;
}

/* ALTER TABLE: DuckDB applies the action to a scratch table of the same shape, which checks it
 * and spells the resulting types; columns keep their ids by name (and across RENAME COLUMN). */
static int alter_table(struct route *r)
{
	const struct lake_table *t = find_table(r, !r->h.if_exists);
	if (!t)
		return r->h.if_exists ? 0 : -1;
	const char *s = r->sql;
	size_t len = r->len, pos = sql_skip_space(s, len, r->h.rest);
	size_t end = pos < len ? token_end(s, len, pos) : pos;
	struct lake_changeset cs = {r->cat.id, r->snapshot, NULL, 0, 0};
	struct lake_change *c = lake_changeset_add(&cs, LAKE_ALTER_TABLE);
	if (!c)
		return oom(r);
	c->table_id = t->id;
	snprintf(c->name, sizeof(c->name), "%s", t->name);
	char from[STMT_NAME_MAX + 1] = "", to[STMT_NAME_MAX + 1] = "";
	if (is_word(s, pos, end, "RENAME")) {
		size_t p = sql_skip_space(s, len, end);
		size_t e2 = p < len ? token_end(s, len, p) : p;
		if (is_word(s, p, e2, "TO")) {
			size_t after = read_ident(s, len, e2, to, sizeof(to));
			if (!after || !to[0]) {
				lake_changeset_free(&cs);
				return fail(r, "Parser Error: syntax error in ALTER TABLE … RENAME TO");
			}
			if (expect_end(r, after, false) < 0) {
				lake_changeset_free(&cs);
				return -1;
			}
			if (!check_name(r, "table", to)) {
				lake_changeset_free(&cs);
				return -1;
			}
			snprintf(c->name, sizeof(c->name), "%.*s", LAKE_NAME_MAX, to);
			c->cols = calloc(t->ncols, sizeof(*c->cols));
			c->key = strdup(t->schema_file);
			for (size_t i = 0; c->cols && i < t->ncols; i++, c->ncols++)
				if (lake_column_copy(&c->cols[i], &t->cols[i]) < 0)
					break;
			if (!c->cols || !c->key || c->ncols != t->ncols) {
				lake_changeset_free(&cs);
				return oom(r);
			}
			return finish(r, &cs, true);
		}
		if (is_word(s, p, e2, "COLUMN"))
			p = e2;
		p = read_ident(s, len, p, from, sizeof(from));
		p = sql_skip_space(s, len, p);
		e2 = p < len ? token_end(s, len, p) : p;
		size_t after = from[0] && is_word(s, p, e2, "TO") ? read_ident(s, len, e2, to, sizeof(to)) : 0;
		if (!after || !to[0]) {
			lake_changeset_free(&cs);
			return fail(r, "Parser Error: syntax error in ALTER TABLE … RENAME COLUMN");
		}
		if (expect_end(r, after, false) < 0) {
			lake_changeset_free(&cs);
			return -1;
		}
	} else if (!is_word(s, pos, end, "ADD") && !is_word(s, pos, end, "DROP") && !is_word(s, pos, end, "ALTER")) {
		lake_changeset_free(&cs);
		return fail(r, "Not implemented Error: this ALTER TABLE action is not supported on managed tables");
	}
	if (has_top_word(s, len, pos, "USING")) {
		lake_changeset_free(&cs);
		return fail(r, "Not implemented Error: ALTER … TYPE … USING is not supported on managed tables; the data must"
		               " convert by a plain cast");
	}
	if (refuse_column_options(r, pos, 0) < 0) {
		lake_changeset_free(&cs);
		return -1;
	}
	buf q;
	buf_init(&q);
	buf_puts(&q, "CREATE OR REPLACE TEMP TABLE __lake_def (");
	column_defs(&q, t->cols, t->ncols);
	buf_puts(&q, ")");
	int rc = run_buf(r, &q, NULL);
	buf_reset(&q);
	if (rc == 0) {
		buf_puts(&q, "ALTER TABLE temp.main.__lake_def ");
		buf_append(&q, s + pos, len - pos);
		rc = run_buf(r, &q, NULL);
	}
	buf_free(&q);
	struct lake_column *cols = NULL;
	size_t ncols = 0;
	if (rc < 0 || scratch_columns(r, &cols, &ncols) < 0) {
		run(r, "DROP TABLE IF EXISTS temp.main.__lake_def", NULL);
		lake_changeset_free(&cs);
		return -1;
	}
	c->cols = cols;
	c->ncols = ncols;
	int64_t next_id = 1;
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].id >= next_id)
			next_id = t->cols[i].id + 1;
	bool added_default = false;
	for (size_t i = 0; i < ncols && rc == 0; i++) {
		const char *old_name = from[0] && !strcmp(cols[i].name, to) ? from : cols[i].name;
		const struct lake_column *old = NULL;
		for (size_t k = 0; k < t->ncols; k++)
			if (!strcmp(t->cols[k].name, old_name))
				old = &t->cols[k];
		if (!old) {
			cols[i].id = next_id++;
			added_default = added_default || cols[i].default_expr;
			continue;
		}
		cols[i].id = old->id;
		/* Existing rows must fit a new type or a new NOT NULL. */
		char cond[1024];
		int64_t bad = 0;
		buf name;
		buf_init(&name);
		eng_quote(&name, old->name, '"');
		buf_putc(&name, '\0');
		if (strcmp(old->type, cols[i].type) != 0) {
			snprintf(cond, sizeof(cond), "%s IS NOT NULL AND TRY_CAST(%s AS %s) IS NULL", name.data, name.data,
			         cols[i].type);
			rc = count_where(r, t, cond, &bad);
			if (rc == 0 && bad > 0)
				rc = fail(r, "Conversion Error: cannot change column \"%s\" to %s: %lld values do not convert",
				          old->name, cols[i].type, (long long)bad);
		}
		if (rc == 0 && cols[i].not_null && !old->not_null) {
			snprintf(cond, sizeof(cond), "%s IS NULL", name.data);
			rc = count_where(r, t, cond, &bad);
			if (rc == 0 && bad > 0)
				rc = fail(r, "Constraint Error: cannot set NOT NULL on column \"%s\": %lld rows hold NULL", old->name,
				          (long long)bad);
		}
		buf_free(&name);
	}
	if (rc == 0)
		rc = write_schema_file(r, cols, ncols, &c->key);
	if (rc == 0 && added_default) {
		/* Existing rows take the new column's default, as DuckDB gives them: the table's rows
		 * are rewritten once with it. */
		buf fromq;
		buf_init(&fromq);
		buf_puts(&fromq, "(SELECT ");
		for (size_t i = 0; i < ncols; i++) {
			const struct lake_column *old = NULL;
			for (size_t k = 0; k < t->ncols; k++)
				if (t->cols[k].id == cols[i].id)
					old = &t->cols[k];
			buf_puts(&fromq, i ? ", " : "");
			if (old) {
				buf_printf(&fromq, "CAST(");
				eng_quote(&fromq, old->name, '"');
				buf_printf(&fromq, " AS %s)", cols[i].type);
			} else {
				buf_printf(&fromq, "CAST(%s AS %s)", cols[i].default_expr ? cols[i].default_expr : "NULL", cols[i].type);
			}
			buf_puts(&fromq, " AS ");
			eng_quote(&fromq, cols[i].name, '"');
		}
		buf_puts(&fromq, " FROM (");
		eng_lake_view_select(&fromq, t, r->cat.id, NULL);
		buf_puts(&fromq, ") AS __lake_t)");
		buf_putc(&fromq, '\0');
		struct lake_change *tr = lake_changeset_add(&cs, LAKE_TRUNCATE);
		c = &cs.items[0];
		int64_t rows = 0;
		if (!tr || buf_failed(&fromq)) {
			rc = oom(r);
		} else {
			tr->table_id = t->id;
			rc = stage_rows(r, &cs, t->id, cols, ncols, fromq.data, &rows);
		}
		buf_free(&fromq);
		/* The table's definition changes last: the rewrite is checked against the old one. */
		if (rc == 0) {
			struct lake_change alter = cs.items[0];
			memmove(&cs.items[0], &cs.items[1], (cs.n - 1) * sizeof(cs.items[0]));
			cs.items[cs.n - 1] = alter;
		}
	}
	if (rc < 0) {
		delete_keys(r->e, &cs);
		lake_changeset_free(&cs);
		return -1;
	}
	return finish(r, &cs, true);
}

/* --- time travel ----------------------------------------------------------------------------- */

/* Keywords that may follow a table reference where an alias could stand. */
static const char *const not_alias[] = {
	"WHERE", "JOIN", "LEFT", "RIGHT", "INNER", "FULL", "CROSS", "NATURAL", "ON", "USING", "GROUP", "ORDER", "LIMIT",
	"OFFSET", "UNION", "EXCEPT", "INTERSECT", "WINDOW", "HAVING", "QUALIFY", "SAMPLE", "TABLESAMPLE", "POSITIONAL",
	"ASOF", "ANTI", "SEMI", "RETURNING", "SET", "WHEN", "LATERAL", NULL};

struct tok {
	size_t start, end;
};

static bool tok_is(const char *s, const struct tok *t, const char *w) { return is_word(s, t->start, t->end, w); }

/* The snapshot `name AT (VERSION => n | TIMESTAMP => expr)` names, for catalog cid. */
static int travel_snapshot(struct route *r, bool by_version, const char *expr, size_t expr_len, int64_t *snap)
{
	char msg[1024];
	buf q;
	buf_init(&q);
	if (by_version) {
		buf_puts(&q, "SELECT CAST((");
		buf_append(&q, expr, expr_len);
		buf_puts(&q, ") AS BIGINT)");
	} else {
		buf_puts(&q, "SELECT strftime(CAST((");
		buf_append(&q, expr, expr_len);
		buf_puts(&q, ") AS TIMESTAMPTZ) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ')");
	}
	duckdb_result res;
	int rc = run_buf(r, &q, &res);
	buf_free(&q);
	if (rc < 0)
		return -1;
	if (by_version) {
		*snap = duckdb_value_int64(&res, 0, 0);
		duckdb_destroy_result(&res);
		bool exists = false;
		if (*snap >= 0 && *snap <= r->snapshot &&
		    lake_snapshot_exists(r->e->lake, r->cat.id, *snap, &exists, msg, sizeof(msg)) != LAKE_OK)
			return fail(r, "IO Error: %s", msg);
		if (!exists)
			return fail(r, "Invalid Input Error: catalog \"%s\" has no snapshot %lld (the latest is %lld; older ones"
			               " expire after the retention period)", r->cat.name,
			            (long long)*snap, (long long)r->snapshot);
		return 0;
	}
	char *when = duckdb_value_varchar(&res, 0, 0);
	duckdb_destroy_result(&res);
	if (!when)
		return fail(r, "Invalid Input Error: AT (TIMESTAMP => …) needs a timestamp");
	rc = lake_snapshot_at(r->e->lake, r->cat.id, when, snap, msg, sizeof(msg));
	duckdb_free(when);
	if (rc == LAKE_NOT_FOUND)
		return fail(r, "Invalid Input Error: catalog \"%s\" has no snapshot that old: %s", r->cat.name, msg);
	if (rc != LAKE_OK)
		return fail(r, "IO Error: %s", msg);
	return 0;
}

/* Rewrites every `name AT (VERSION => n)` / `name AT (TIMESTAMP => ts)` that names a managed table
 * into a subquery over that snapshot's files. *out is NULL when the text has none. */
static int rewrite_time_travel(struct route *r, char **out)
{
	const char *s = r->sql;
	size_t len = r->len, n = 0, cap = 64;
	struct tok *toks = malloc(cap * sizeof(*toks));
	*out = NULL;
	if (!toks)
		return oom(r);
	for (size_t p = 0; (p = sql_skip_space(s, len, p)) < len;) {
		if (n == cap) {
			struct tok *g = realloc(toks, (cap *= 2) * sizeof(*toks));
			if (!g) {
				free(toks);
				return oom(r);
			}
			toks = g;
		}
		toks[n].start = p;
		toks[n].end = p = token_end(s, len, p);
		/* "=>" is one token here */
		if (s[toks[n].start] == '=' && p < len && s[p] == '>')
			toks[n].end = ++p;
		n++;
	}
	buf b;
	buf_init(&b);
	size_t copied = 0;
	int rc = 0;
	for (size_t i = 0; i + 4 < n && rc == 0; i++) {
		if (!tok_is(s, &toks[i], "AT") || s[toks[i + 1].start] != '(' ||
		    !(tok_is(s, &toks[i + 2], "VERSION") || tok_is(s, &toks[i + 2], "TIMESTAMP")) ||
		    toks[i + 3].end - toks[i + 3].start != 2 || strncmp(s + toks[i + 3].start, "=>", 2) != 0 || i == 0)
			continue;
		/* the name: up to three parts joined by '.' just before AT */
		size_t first = i - 1;
		struct stmt_name name = {0};
		while (first >= 2 && s[toks[first - 1].start] == '.' && toks[first - 1].end - toks[first - 1].start == 1)
			first -= 2;
		for (size_t k = first; k < i && name.nparts < 3; k += 2)
			if (read_ident(s, len, toks[k].start, name.parts[name.nparts], sizeof(name.parts[0])) != toks[k].start)
				name.nparts++;
		if (name.nparts == 0 || name.nparts != (int)((i - first + 1) / 2))
			continue;
		/* the expression runs to the matching ')' */
		size_t close = i + 4;
		int depth = 1;
		for (; close < n; close++) {
			char c = s[toks[close].start];
			if (c == '(')
				depth++;
			else if (c == ')' && --depth == 0)
				break;
		}
		if (close >= n)
			break;
		struct route sub = *r;
		memset(&sub.state, 0, sizeof(sub.state));
		sub.h.kind = STMT_SELECT;
		sub.h.target = name;
		int found = resolve_target(&sub);
		if (found < 0) {
			rc = -1;
			break;
		}
		if (found == 1)
			continue; /* not a managed table: DuckDB has its say */
		int64_t snap = 0;
		struct lake_state at;
		memset(&at, 0, sizeof(at));
		char msg[1024];
		const struct lake_schema *sc = NULL;
		const struct lake_table *t = NULL;
		bool by_version = tok_is(s, &toks[i + 2], "VERSION");
		size_t expr = toks[i + 4].start, expr_end = toks[close].start;
		if (travel_snapshot(&sub, by_version, s + expr, expr_end - expr, &snap) < 0) {
			rc = -1;
		} else if (lake_state_load(r->e->lake, sub.cat.id, snap, &at, msg, sizeof(msg)) != LAKE_OK) {
			rc = fail(r, "IO Error: cannot read the catalog's metadata: %s", msg);
		} else if (!(sc = lake_state_schema(&at, sub.schema)) || !(t = lake_state_table(&at, sc->id, sub.table))) {
			rc = fail(r, "Catalog Error: Table with name %s does not exist at snapshot %lld!", sub.table, (long long)snap);
		} else {
			char suffix[32];
			snprintf(suffix, sizeof(suffix), "_v%lld", (long long)snap);
			buf_append(&b, s + copied, toks[first].start - copied);
			buf_puts(&b, "(");
			eng_lake_view_select(&b, t, sub.cat.id, suffix);
			buf_puts(&b, ")");
			bool alias = close + 1 < n && (tok_is(s, &toks[close + 1], "AS") ||
			                               (word_char(s[toks[close + 1].start]) || s[toks[close + 1].start] == '"'));
			for (int k = 0; alias && not_alias[k]; k++)
				if (tok_is(s, &toks[close + 1], not_alias[k]))
					alias = false;
			if (!alias) {
				buf_puts(&b, " AS ");
				eng_quote(&b, sub.table, '"');
			}
			copied = toks[close].end;
			i = close;
		}
		lake_state_free(&at);
		lake_state_free(&sub.state);
	}
	free(toks);
	if (rc == 0 && copied > 0) {
		buf_append(&b, s + copied, len - copied);
		buf_putc(&b, '\0');
		if (buf_failed(&b))
			rc = oom(r);
		else
			*out = b.data, b.data = NULL;
	}
	buf_free(&b);
	return rc;
}

/* --- transactions -------------------------------------------------------------------------- */

void eng_lake_abandon(struct eng_session *s)
{
	for (size_t i = 0; i < s->lake.npending; i++) {
		delete_keys(s->e, &s->lake.pending[i]);
		lake_changeset_free(&s->lake.pending[i]);
	}
	free(s->lake.pending);
	s->lake.pending = NULL;
	s->lake.npending = 0;
	s->lake.in_txn = false;
	s->lake.txn_failed = false;
	free(s->lake.pins);
	s->lake.pins = NULL;
	s->lake.npins = 0;
	eng_lake_release(s, true);
}

/* Sequences, macros, types, indexes, comments and whole-database copies aimed at a managed
 * catalog: they would live only in the workers' memory (and be lost on restart, or hide tables),
 * so they are refused; DuckDB takes them when they aim elsewhere. */
static int refuse_other(struct route *r)
{
	if (r->h.kind == STMT_COPY_DATABASE) {
		struct lake_head h;
		if (!eng_catalog_lookup(r->e, r->h.target.parts[0], &h))
			return 1;
		return fail(r, "Not implemented Error: COPY FROM DATABASE cannot write into the managed catalog \"%s\"; copy"
		               " tables one by one with CREATE TABLE … AS SELECT", h.name);
	}
	/* The name resolves like a table's (an index names its table). */
	int rc = resolve_target(r);
	if (rc != 0)
		return rc;
	return fail(r, "Not implemented Error: the managed catalog \"%s\" holds schemas and tables only; create sequences,"
	               " macros, types and indexes, and comments, in memory (the session's default database)", r->cat.name);
}

/* Runs a transaction-control statement on DuckDB as written. */
static int pass(struct route *r)
{
	char *text = strndup(r->sql, r->len);
	if (!text)
		return oom(r);
	int rc = run(r, text, NULL);
	free(text);
	return rc;
}

static int transaction_control(struct route *r)
{
	struct eng_session *s = r->s;
	switch (r->h.kind) {
	case STMT_BEGIN:
		/* Already in a transaction block: PostgreSQL warns and goes on, so nothing is lost. */
		if (s->lake.in_txn)
			return 0;
		if (pass(r) < 0)
			return -1;
		eng_lake_abandon(s);
		s->lake.in_txn = true;
		return 0;
	case STMT_ROLLBACK:
		eng_lake_abandon(s);
		return pass(r);
	default: /* COMMIT */
		break;
	}
	if (s->lake.txn_failed) {
		/* Some of its statements did not happen: committing the others would be a partial commit. */
		eng_lake_abandon(s);
		run(r, "ROLLBACK", NULL);
		eng_fail_state(r->err, "25P02", "Transaction Error: the transaction was rolled back, not committed: a statement"
		                                " in it failed");
		return -1;
	}
	if (!s->lake.in_txn || s->lake.npending == 0) {
		/* Nothing of ours to commit. */
		eng_lake_abandon(s);
		return pass(r);
	}
	char msg[1024] = "";
	int64_t *snaps = calloc(s->lake.npending, sizeof(*snaps));
	if (!snaps)
		return oom(r);
	int rc = lake_commit(s->e->lake, s->lake.pending, s->lake.npending, r->q->log->user, snaps, NULL, msg,
	                     sizeof(msg));
	free(snaps);
	if (rc != LAKE_OK) {
		eng_lake_abandon(s);
		run(r, "ROLLBACK", NULL);
		return report_commit_error(r, rc, msg);
	}
	/* Committed: the files now belong to the lake. */
	for (size_t i = 0; i < s->lake.npending; i++)
		lake_changeset_free(&s->lake.pending[i]);
	s->lake.npending = 0;
	eng_lake_abandon(s);
	return pass(r);
}

/* --- entry -------------------------------------------------------------------------------- */

int eng_lake_route(struct eng_query *q, const char *sql, size_t len, int64_t *count, char **rewritten,
                   struct eng_error *err)
{
	*rewritten = NULL;
	struct route *r = calloc(1, sizeof(*r));
	if (!r) {
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		return -1;
	}
	r->q = q;
	r->s = q->s;
	r->e = q->s->e;
	r->sql = sql;
	r->len = len;
	r->err = err;
	*count = -1;
	int rc = 1;
	char *traveled = NULL;
	if (stmt_head_parse(sql, len, &r->h) < 0) {
		if (lake_time_travel_possible(sql, len))
			rc = rewrite_time_travel(r, rewritten) < 0 ? -1 : 1;
		goto out;
	}
	switch (r->h.kind) {
	case STMT_BEGIN: case STMT_COMMIT: case STMT_ROLLBACK:
		rc = transaction_control(r);
		goto out;
	case STMT_INSERT: case STMT_UPDATE: case STMT_DELETE: case STMT_MERGE: case STMT_TRUNCATE:
	case STMT_COPY_FROM: case STMT_CREATE_TABLE: case STMT_CREATE_TABLE_AS: case STMT_CREATE_SCHEMA:
	case STMT_CREATE_VIEW: case STMT_DROP_TABLE: case STMT_DROP_SCHEMA: case STMT_DROP_VIEW: case STMT_ALTER_TABLE:
		break;
	case STMT_CREATE_OTHER: case STMT_DROP_OTHER: case STMT_ALTER_OTHER: case STMT_COPY_DATABASE:
		if (r->h.temporary || r->h.target.nparts == 0)
			goto out;
		rc = refuse_other(r);
		goto out;
	default:
		/* A read: only time travel needs the router. */
		if (lake_time_travel_possible(sql, len))
			rc = rewrite_time_travel(r, rewritten) < 0 ? -1 : 1;
		goto out;
	}
	if (r->h.temporary)
		goto out;
	/* A write may read older snapshots (INSERT … SELECT … AT (VERSION => n)): rewrite those
	 * reads first, then route the rewritten statement. */
	if (lake_time_travel_possible(sql, len)) {
		if (rewrite_time_travel(r, &traveled) < 0) {
			rc = -1;
			goto out;
		}
		if (traveled) {
			r->sql = traveled;
			r->len = strlen(traveled);
			if (stmt_head_parse(r->sql, r->len, &r->h) < 0) {
				rc = fail(r, "Parser Error: syntax error");
				goto out;
			}
		}
	}
	bool ddl = r->h.kind != STMT_INSERT && r->h.kind != STMT_UPDATE && r->h.kind != STMT_DELETE &&
	           r->h.kind != STMT_MERGE && r->h.kind != STMT_COPY_FROM;
	pthread_mutex_t *lane = NULL;
	for (int attempt = 1;; attempt++) {
		rc = resolve_target(r);
		if (rc != 0)
			break;
		if (r->h.with_len && (ddl || r->h.kind == STMT_COPY_FROM)) {
			rc = fail(r, "Parser Error: syntax error: WITH must be followed by SELECT, INSERT, UPDATE, DELETE or MERGE");
			break;
		}
		if (ddl && r->q->s->lake.in_txn) {
			rc = fail(r, "Not implemented Error: schema changes to managed catalogs cannot run inside a transaction block;"
			             " run them outside BEGIN … COMMIT");
			break;
		}
		switch (r->h.kind) {
		case STMT_CREATE_SCHEMA: rc = create_schema(r); break;
		case STMT_DROP_SCHEMA: rc = drop_schema(r); break;
		case STMT_CREATE_TABLE: case STMT_CREATE_TABLE_AS: rc = create_table(r); break;
		case STMT_DROP_TABLE: rc = drop_table(r); break;
		case STMT_TRUNCATE: rc = truncate_table(r, count); break;
		case STMT_INSERT: rc = insert_rows(r, count); break;
		case STMT_DELETE: rc = delete_rows(r, count); break;
		case STMT_UPDATE: rc = update_rows(r, count); break;
		case STMT_ALTER_TABLE: rc = alter_table(r); break;
		case STMT_COPY_FROM: rc = copy_from(r, count); break;
		case STMT_MERGE: rc = merge_into(r, count); break;
		case STMT_CREATE_VIEW: case STMT_DROP_VIEW:
			rc = fail(r, "Not implemented Error: views cannot be stored in the managed catalog \"%s\"; create them in"
			             " memory (the session's default database) instead", r->cat.name);
			break;
		default:
			rc = fail(r, "Not implemented Error: this statement is not supported on managed tables yet");
			break;
		}
		if (rc == 0 || !r->conflict || attempt == AUTOCOMMIT_ATTEMPTS || eng_cancelled(q))
			break;
		/* An autocommit statement that lost a race runs again on the newer snapshot, as PostgreSQL
		 * re-evaluates an UPDATE whose row changed under it. */
		log_debug("autocommit statement runs again after losing a race", "attempt=%d table=%s", attempt + 1, r->table);
		metrics_catalog_count(r->cat.id, METRICS_RETRY);
		if (!lane) {
			uint64_t h = (uint64_t)r->cat.id * 1099511628211u;
			for (const char *c = r->table; *c; c++)
				h = (h ^ (unsigned char)*c) * 1099511628211u;
			lane = &r->e->retry_lanes[h % ENG_RETRY_LANES];
			pthread_mutex_lock(lane);
		}
		r->conflict = false;
		unstage(r);
		lake_state_free(&r->state);
		memset(&r->state, 0, sizeof(r->state));
		eng_lake_statement_done(r->s);
		*count = -1;
		unsigned most_us = 1000u << (attempt < 6 ? attempt : 6);
		usleep((useconds_t)((unsigned)rand() % most_us));
	}
	if (lane)
		pthread_mutex_unlock(lane);
	if (rc == 0 && *count < 0 && !ddl)
		*count = 0;
out:
	if (rc == 1 && traveled) { /* not a managed target: DuckDB runs the rewritten statement */
		*rewritten = traveled;
		traveled = NULL;
	}
	unstage(r);
	lake_state_free(&r->state);
	free(r);
	free(traveled);
	return rc;
}

/* --- validation --------------------------------------------------------------------------- */

/* Binds a write into a managed table against a scratch table of the same shape, without running
 * it; schema statements are checked as far as their head and names go. Returns 1 for a statement
 * DuckDB validates itself (in *rewritten when time travel had to be rewritten). */
int eng_lake_validate(struct eng_session *s, const char *sql, size_t len, char **rewritten, struct eng_error *err)
{
	*rewritten = NULL;
	struct route *r = calloc(1, sizeof(*r));
	if (!r) {
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		return -1;
	}
	r->s = s;
	r->e = s->e;
	r->sql = sql;
	r->len = len;
	r->err = err;
	int rc = 1;
	char *traveled = NULL;
	if (stmt_head_parse(sql, len, &r->h) < 0 || r->h.temporary) {
		if (lake_time_travel_possible(sql, len))
			rc = rewrite_time_travel(r, rewritten) < 0 ? -1 : 1;
		goto out;
	}
	bool dml = r->h.kind == STMT_INSERT || r->h.kind == STMT_UPDATE || r->h.kind == STMT_DELETE || r->h.kind == STMT_MERGE;
	switch (r->h.kind) {
	case STMT_INSERT: case STMT_UPDATE: case STMT_DELETE: case STMT_MERGE: case STMT_TRUNCATE:
	case STMT_COPY_FROM: case STMT_CREATE_TABLE: case STMT_CREATE_TABLE_AS: case STMT_CREATE_SCHEMA:
	case STMT_CREATE_VIEW: case STMT_DROP_TABLE: case STMT_DROP_SCHEMA: case STMT_DROP_VIEW: case STMT_ALTER_TABLE:
		break;
	case STMT_CREATE_OTHER: case STMT_DROP_OTHER: case STMT_ALTER_OTHER: case STMT_COPY_DATABASE:
		if (r->h.target.nparts > 0)
			rc = refuse_other(r);
		goto out;
	default:
		if (lake_time_travel_possible(sql, len))
			rc = rewrite_time_travel(r, rewritten) < 0 ? -1 : 1;
		goto out;
	}
	if (lake_time_travel_possible(sql, len)) {
		if (rewrite_time_travel(r, &traveled) < 0) {
			rc = -1;
			goto out;
		}
		if (traveled) {
			r->sql = sql = traveled;
			r->len = len = strlen(traveled);
			if (stmt_head_parse(sql, len, &r->h) < 0) {
				rc = fail(r, "Parser Error: syntax error");
				goto out;
			}
		}
	}
	if ((rc = resolve_target(r)) != 0)
		goto out;
	bool schema_stmt = r->h.kind == STMT_CREATE_SCHEMA || r->h.kind == STMT_DROP_SCHEMA;
	bool creates = r->h.kind == STMT_CREATE_TABLE || r->h.kind == STMT_CREATE_TABLE_AS || schema_stmt;
	if (r->h.kind == STMT_CREATE_VIEW || r->h.kind == STMT_DROP_VIEW) {
		rc = fail(r, "Not implemented Error: views cannot be stored in the managed catalog \"%s\"", r->cat.name);
		goto out;
	}
	if (!creates && !find_table(r, !r->h.if_exists)) {
		rc = r->h.if_exists ? 0 : -1;
		goto out;
	}
	if (creates && !schema_stmt && !find_schema(r, true)) {
		rc = -1;
		goto out;
	}
	if (!dml) {
		rc = 0;
		goto out;
	}
	const struct lake_table *t = find_table(r, true);
	buf q;
	buf_init(&q);
	buf_puts(&q, "CREATE OR REPLACE TEMP TABLE __lake_w (");
	column_defs(&q, t->cols, t->ncols);
	buf_puts(&q, ")");
	rc = run_buf(r, &q, NULL);
	buf_reset(&q);
	if (rc == 0) {
		static const char *const heads[] = {[STMT_INSERT] = "INSERT INTO", [STMT_UPDATE] = "UPDATE",
		                                    [STMT_DELETE] = "DELETE FROM", [STMT_MERGE] = "MERGE INTO"};
		static const char *const stop[] = {"USING", "WHERE", "RETURNING", "SET", "FROM", "BY", "VALUES", "SELECT",
		                                   "DEFAULT", "WITH", "ON", "OR", NULL};
		char alias[STMT_NAME_MAX + 1] = "";
		if (r->h.kind != STMT_INSERT)
			read_alias(sql, len, r->h.rest, stop, alias, sizeof(alias));
		put_with(r, &q);
		buf_printf(&q, "%s temp.main.__lake_w ", heads[r->h.kind]);
		if (!alias[0] && r->h.kind != STMT_INSERT) {
			buf_puts(&q, "AS ");
			eng_quote(&q, t->name, '"');
			buf_putc(&q, ' ');
		}
		buf_append(&q, sql + r->h.rest, len - r->h.rest);
		buf_putc(&q, '\0');
		duckdb_prepared_statement prep = NULL;
		if (buf_failed(&q)) {
			rc = oom(r);
		} else if (duckdb_prepare(s->conn, q.data, &prep) == DuckDBError) {
			char msg[2048];
			user_message(r, duckdb_prepare_error(prep) ? duckdb_prepare_error(prep) : "", msg, sizeof(msg));
			eng_fail(err, msg, NULL);
			rc = -1;
		}
		duckdb_destroy_prepare(&prep);
	}
	buf_free(&q);
	run(r, "DROP TABLE IF EXISTS temp.main.__lake_w", NULL);
out:
	if (rc == 1 && traveled) {
		*rewritten = traveled;
		traveled = NULL;
	}
	lake_state_free(&r->state);
	free(r);
	free(traveled);
	return rc;
}
