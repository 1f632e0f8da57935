/* SQL-level prepared statements and cursors for PostgreSQL clients: PREPARE / EXECUTE /
 * DEALLOCATE share the namespace of protocol-level statements (Parse), DECLARE … CURSOR makes a
 * named portal that FETCH, MOVE and CLOSE (and the protocol's Execute and Close) use, and DISCARD
 * forgets what a pooled connection should not carry over. A cursor's query runs to the end at
 * DECLARE into a materialized result (docs/DECISIONS.md 37), so the session's other statements
 * leave it readable and it holds no worker slot while the client waits between fetches. */
#include "pg/pg_cursor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/statement_head.h"
#include "pg/pg_settings.h"
#include "pg/pg_sqlcmd.h"
#include "pg/pg_wire.h"
#include "util/buf.h"
#include "util/tz.h"

static void fail(struct pg_conn *c, bool *failed, const char *state, const char *fmt, const char *name)
{
	char msg[300];
	snprintf(msg, sizeof(msg), fmt, name);
	pg_send_error(c, "ERROR", state, msg, NULL, NULL, 0);
	*failed = true;
}

/* --- prepared statements ----------------------------------------------------------------------- */

static void prepare(struct pg_conn *c, const char *sql, size_t len, bool *failed)
{
	struct pg_prepare pp;
	char why[200];
	if (pg_parse_prepare(sql, len, &pp, why, sizeof(why)) < 0) {
		fail(c, failed, strstr(why, "TRANSACTION") ? "0A000" : "42601", "%s", why);
		return;
	}
	if (*pg_find_stmt(c, pp.name)) {
		fail(c, failed, "42P05", "prepared statement \"%s\" already exists", pp.name);
		return;
	}
	struct pg_stmt *st = calloc(1, sizeof(*st));
	bool ok = st && (st->name = strdup(pp.name)) && (st->sql = strndup(sql + pp.body.start, pp.body.len)) &&
	          (st->oids = calloc(1, sizeof(*st->oids))) &&
	          (st->types = calloc(pp.ntypes ? (size_t)pp.ntypes : 1, sizeof(*st->types)));
	for (int i = 0; ok && i < pp.ntypes; i++, st->ntypes++)
		ok = (st->types[i] = strndup(sql + pp.types[i].start, pp.types[i].len)) != NULL;
	if (!ok) {
		if (st)
			pg_stmt_free(st);
		fail(c, failed, "53200", "%s", "out of memory");
		return;
	}
	*pg_find_stmt(c, pp.name) = st;
	pg_command_complete(c, "PREPARE");
}

char *pg_cursor_expand_execute(struct pg_conn *c, const char *sql, char state[6], char *msg, size_t msglen)
{
	size_t len = strlen(sql);
	struct pg_execute ex;
	if (pg_parse_execute(sql, len, &ex, msg, msglen) < 0) {
		snprintf(state, 6, "42601");
		return NULL;
	}
	struct pg_stmt *st = *pg_find_stmt(c, ex.name);
	if (!st || !ex.name[0]) {
		snprintf(state, 6, "26000");
		snprintf(msg, msglen, "prepared statement \"%s\" does not exist", ex.name);
		return NULL;
	}
	if (st->types && ex.nargs != st->ntypes) {
		snprintf(state, 6, "42601");
		snprintf(msg, msglen, "wrong number of parameters for prepared statement \"%s\": expected %d, got %d",
		         ex.name, st->ntypes, ex.nargs);
		return NULL;
	}
	buf out;
	buf_init(&out);
	if (pg_substitute_params(st->sql, strlen(st->sql), (const char *const *)st->types, st->ntypes, sql, ex.args,
	                         ex.nargs, &out, msg, msglen) < 0) {
		buf_free(&out);
		snprintf(state, 6, "42P02");
		return NULL;
	}
	char *text = buf_strdup(&out);
	buf_free(&out);
	if (!text) {
		snprintf(state, 6, "53200");
		snprintf(msg, msglen, "out of memory");
	}
	return text;
}

static void deallocate(struct pg_conn *c, const char *sql, size_t len, bool *failed)
{
	struct pg_target t;
	char why[200];
	if (pg_parse_deallocate(sql, len, &t, why, sizeof(why)) < 0) {
		fail(c, failed, "42601", "%s", why);
		return;
	}
	if (t.all) {
		/* the named ones; the unnamed statement is the protocol's own */
		for (struct pg_stmt **slot = &c->stmts; *slot;) {
			struct pg_stmt *st = *slot;
			if (st->name[0]) {
				*slot = st->next;
				pg_stmt_free(st);
			} else {
				slot = &st->next;
			}
		}
		pg_command_complete(c, "DEALLOCATE ALL");
		return;
	}
	struct pg_stmt **slot = pg_find_stmt(c, t.name);
	if (!*slot) {
		fail(c, failed, "26000", "prepared statement \"%s\" does not exist", t.name);
		return;
	}
	struct pg_stmt *st = *slot;
	*slot = st->next;
	pg_stmt_free(st);
	pg_command_complete(c, "DEALLOCATE");
}

/* --- cursors ------------------------------------------------------------------------------------ */

static void drop_portal(struct pg_conn *c, struct pg_portal *p)
{
	for (struct pg_portal **slot = &c->portals; *slot; slot = &(*slot)->next)
		if (*slot == p) {
			*slot = p->next;
			pg_portal_free(c, p);
			return;
		}
}

static bool query_statement(const char *q, size_t len)
{
	struct stmt_head h;
	return stmt_head_parse(q, len, &h) == 0 && h.kind == STMT_SELECT;
}

static void declare(struct pg_conn *c, const char *sql, size_t len, struct pg_portal *via, bool *failed)
{
	struct pg_declare d;
	char why[200];
	if (pg_parse_declare(sql, len, &d, why, sizeof(why)) < 0) {
		fail(c, failed, "42601", "%s", why);
		return;
	}
	if (!d.hold && c->txn == 'I') {
		fail(c, failed, "25P01", "%s", "DECLARE CURSOR can only be used in transaction blocks");
		return;
	}
	if (*pg_find_portal(c, d.name)) {
		fail(c, failed, "42P03", "cursor \"%s\" already exists", d.name);
		return;
	}
	if (!query_statement(sql + d.query.start, d.query.len)) {
		fail(c, failed, "42601", "%s", "a cursor's statement must be a query (SELECT, VALUES, …)");
		return;
	}
	struct pg_portal *p = calloc(1, sizeof(*p));
	if (!p || !(p->name = strdup(d.name)) || !(p->sql = strndup(sql + d.query.start, d.query.len)) ||
	    !(p->formats = calloc(1, sizeof(*p->formats)))) {
		if (p) {
			free(p->name);
			free(p->sql);
			free(p);
		}
		fail(c, failed, "53200", "%s", "out of memory");
		return;
	}
	p->cursor = true;
	p->hold = d.hold;
	p->new_in_txn = c->txn != 'I';
	if (d.binary) {
		p->formats[0] = 1;
		p->nformats = 1;
	}
	if (via) { /* the parameters of the DECLARE are the query's */
		p->params = via->params;
		p->nparams = via->nparams;
		via->params = NULL;
		via->nparams = 0;
	}
	struct eng_error err = {0};
	p->q = pg_begin_query(c, p->sql, p->params, p->nparams, true, &err);
	if (!p->q) {
		pg_query_error(c, &err, p->sql);
		pg_portal_free(c, p);
		*failed = true;
		return;
	}
	if (engine_query_result_type(p->q) != DUCKDB_RESULT_TYPE_QUERY_RESULT ||
	    pg_query_row_description(c, p->q, NULL, 0, &p->cols, false) < 0) {
		pg_portal_free(c, p);
		fail(c, failed, "42P11", "%s", "cannot open this statement as a cursor");
		return;
	}
	pg_set_running(c, NULL);
	engine_query_settle(p->q);
	p->ncols = engine_query_column_count(p->q);
	p->started = true;
	p->next = c->portals;
	c->portals = p;
	pg_command_complete(c, "DECLARE CURSOR");
}

static struct pg_portal *find_cursor(struct pg_conn *c, const char *name)
{
	struct pg_portal *p = *pg_find_portal(c, name);
	return p && p->cursor ? p : NULL;
}

/* Moves past up to max rows (0: all) without sending them; the number moved in *moved. */
static int skip_rows(struct pg_portal *p, uint64_t max, uint64_t *moved, struct eng_error *err)
{
	*moved = 0;
	while (!max || *moved < max) {
		if (!p->chunk) {
			p->chunk = engine_query_fetch(p->q, err);
			p->chunk_row = 0;
			if (!p->chunk)
				return err->message[0] ? -1 : 0;
		}
		idx_t n = duckdb_data_chunk_get_size(p->chunk);
		idx_t take = n - p->chunk_row;
		if (max && take > max - *moved)
			take = (idx_t)(max - *moved);
		p->chunk_row += take;
		p->rows += take;
		*moved += take;
		if (p->chunk_row >= n)
			duckdb_destroy_data_chunk(&p->chunk);
	}
	return 0;
}

static void fetch(struct pg_conn *c, const char *sql, size_t len, struct pg_portal *via, bool move, bool *failed)
{
	struct pg_fetch f;
	char why[200];
	if (pg_parse_fetch(sql, len, &f, why, sizeof(why)) < 0) {
		fail(c, failed, "42601", "%s", why);
		return;
	}
	struct pg_portal *p = find_cursor(c, f.name);
	if (!p) {
		fail(c, failed, "34000", "cursor \"%s\" does not exist", f.name);
		return;
	}
	/* ABSOLUTE n ahead of the cursor and RELATIVE n > 0 move forward: skip, then one row */
	uint64_t skip = 0, want = f.all ? 0 : (uint64_t)f.count;
	if (f.absolute && !f.backward && (uint64_t)f.count > p->rows) {
		skip = (uint64_t)f.count - p->rows - 1;
		want = 1;
	} else if (f.absolute) {
		f.backward = true;
	} else if (f.relative && !f.backward) {
		skip = (uint64_t)f.count - 1;
		want = 1;
	}
	if (f.backward) {
		pg_send_error(c, "ERROR", "55000", "cursor can only scan forward", NULL,
		              "This server's cursors move forward only: FETCH NEXT, FORWARD n or ALL.", 0);
		*failed = true;
		return;
	}
	struct eng_error err = {0};
	uint64_t moved = 0;
	int rc = skip ? skip_rows(p, skip, &moved, &err) : 0;
	char tag[48];
	if (move) {
		uint64_t more = 0;
		if (rc == 0 && moved == skip)
			rc = skip_rows(p, want, &more, &err);
		snprintf(tag, sizeof(tag), "MOVE %llu", (unsigned long long)more);
	} else {
		/* the result formats: the Bind of this FETCH in the extended protocol, else the cursor's */
		int16_t *formats = p->formats;
		int nformats = p->nformats;
		if (via) {
			p->formats = via->formats;
			p->nformats = via->nformats;
		}
		if (!c->extended)
			pg_query_row_description(c, p->q, p->formats, p->nformats, NULL, true);
		uint64_t before = p->rows;
		bool more = false;
		if (rc == 0 && moved == skip)
			rc = pg_send_rows(c, p, tz_get(engine_session_timezone(c->s)), want, &more, &err);
		p->formats = formats;
		p->nformats = nformats;
		snprintf(tag, sizeof(tag), "FETCH %llu", (unsigned long long)(p->rows - before));
	}
	if (rc < 0) {
		pg_query_error(c, &err, p->sql);
		drop_portal(c, p);
		*failed = true;
		return;
	}
	pg_command_complete(c, tag);
}

bool pg_cursor_describe(struct pg_conn *c, const char *sql, const int16_t *formats, int nformats)
{
	size_t len = strlen(sql);
	struct pg_fetch f;
	char why[200];
	if (pg_sqlcmd_kind(sql, len) != PG_CMD_FETCH || pg_parse_fetch(sql, len, &f, why, sizeof(why)) < 0)
		return false;
	struct pg_portal *p = find_cursor(c, f.name);
	if (!p)
		return false;
	return pg_query_row_description(c, p->q, formats, nformats, NULL, true) == 0;
}

static void close_cursor(struct pg_conn *c, const char *sql, size_t len, bool *failed)
{
	struct pg_target t;
	char why[200];
	if (pg_parse_close(sql, len, &t, why, sizeof(why)) < 0) {
		fail(c, failed, "42601", "%s", why);
		return;
	}
	if (t.all) {
		for (struct pg_portal **slot = &c->portals; *slot;) {
			struct pg_portal *p = *slot;
			if (p->cursor) {
				*slot = p->next;
				pg_portal_free(c, p);
			} else {
				slot = &p->next;
			}
		}
		pg_command_complete(c, "CLOSE CURSOR ALL");
		return;
	}
	struct pg_portal *p = find_cursor(c, t.name);
	if (!p) {
		fail(c, failed, "34000", "cursor \"%s\" does not exist", t.name);
		return;
	}
	drop_portal(c, p);
	pg_command_complete(c, "CLOSE CURSOR");
}

void pg_cursors_txn_end(struct pg_conn *c, bool committed)
{
	for (struct pg_portal **slot = &c->portals; *slot;) {
		struct pg_portal *p = *slot;
		bool keep = !p->cursor || (p->hold && (committed || !p->new_in_txn));
		if (keep) {
			if (p->cursor)
				p->new_in_txn = false;
			slot = &p->next;
		} else {
			*slot = p->next;
			pg_portal_free(c, p);
		}
	}
}

/* --- DISCARD ------------------------------------------------------------------------------------ */

/* The session's temporary objects, dependants first. */
static void drop_temp(struct pg_conn *c)
{
	static const char *const list =
	    "SELECT kind, name FROM ("
	    " SELECT 1 AS o, 'VIEW' AS kind, view_name AS name FROM duckdb_views() WHERE database_name = 'temp' AND NOT internal"
	    " UNION ALL SELECT 2, CASE WHEN function_type = 'table_macro' THEN 'MACRO TABLE' ELSE 'MACRO' END, function_name"
	    "  FROM duckdb_functions() WHERE database_name = 'temp' AND function_type IN ('macro', 'table_macro')"
	    " UNION ALL SELECT 3, 'TABLE', table_name FROM duckdb_tables() WHERE database_name = 'temp'"
	    " UNION ALL SELECT 4, 'SEQUENCE', sequence_name FROM duckdb_sequences() WHERE database_name = 'temp'"
	    ") ORDER BY o";
	duckdb_result r;
	if (duckdb_query(engine_session_connection(c->s), list, &r) == DuckDBError) {
		duckdb_destroy_result(&r);
		return;
	}
	idx_t n = duckdb_row_count(&r);
	for (idx_t i = 0; i < n; i++) {
		char *kind = duckdb_value_varchar(&r, 0, i), *name = duckdb_value_varchar(&r, 1, i);
		buf sql;
		buf_init(&sql);
		buf_printf(&sql, "DROP %s IF EXISTS temp.main.\"", kind ? kind : "TABLE");
		for (const char *k = name ? name : ""; *k; k++) {
			if (*k == '"')
				buf_putc(&sql, '"');
			buf_putc(&sql, *k);
		}
		buf_putc(&sql, '"');
		buf_putc(&sql, '\0');
		char msg[300];
		if (!buf_failed(&sql) && name)
			pg_session_exec(c, sql.data, msg, sizeof(msg));
		buf_free(&sql);
		duckdb_free(kind);
		duckdb_free(name);
	}
	duckdb_destroy_result(&r);
}

static void discard(struct pg_conn *c, const char *sql, size_t len, struct pg_portal *via, bool *failed)
{
	struct pg_target t;
	char why[200];
	if (pg_parse_discard(sql, len, &t, why, sizeof(why)) < 0) {
		fail(c, failed, "42601", "%s", why);
		return;
	}
	if (t.all) {
		if (c->txn != 'I') {
			fail(c, failed, "25001", "%s", "DISCARD ALL cannot run inside a transaction block");
			return;
		}
		for (struct pg_portal **slot = &c->portals; *slot;) {
			struct pg_portal *p = *slot;
			if (p != via) {
				*slot = p->next;
				pg_portal_free(c, p);
			} else {
				slot = &p->next;
			}
		}
		for (struct pg_stmt **slot = &c->stmts; *slot;) {
			struct pg_stmt *st = *slot;
			if (st->name[0]) {
				*slot = st->next;
				pg_stmt_free(st);
			} else {
				slot = &st->next;
			}
		}
		pg_settings_reset_all(c);
	}
	if (t.all || !strcmp(t.name, "TEMP"))
		drop_temp(c);
	char tag[80];
	snprintf(tag, sizeof(tag), "DISCARD %s", t.name);
	pg_command_complete(c, tag);
}

bool pg_cursor_command(struct pg_conn *c, const char *sql, size_t len, struct pg_portal *via, bool *failed)
{
	*failed = false;
	switch (pg_sqlcmd_kind(sql, len)) {
	case PG_CMD_PREPARE: prepare(c, sql, len, failed); return true;
	case PG_CMD_DEALLOCATE: deallocate(c, sql, len, failed); return true;
	case PG_CMD_DECLARE: declare(c, sql, len, via, failed); return true;
	case PG_CMD_FETCH: fetch(c, sql, len, via, false, failed); return true;
	case PG_CMD_MOVE: fetch(c, sql, len, via, true, failed); return true;
	case PG_CMD_CLOSE: close_cursor(c, sql, len, failed); return true;
	case PG_CMD_DISCARD: discard(c, sql, len, via, failed); return true;
	default: return false;
	}
}
