/* PREPARE keeps the statement's text beside the protocol's prepared statements; EXECUTE runs it
 * with each $n replaced by its argument (cast to the declared type), so it goes through the
 * compatibility rewrite, the router and the query log like any statement. */
#include "pg/pg_prepare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg/pg_cursor.h"
#include "pg/pg_settings.h"
#include "pg/pg_sqlcmd.h"
#include "util/buf.h"

static void fail(struct pg_conn *c, bool *failed, const char *state, const char *fmt, const char *arg)
{
	char msg[300];
	snprintf(msg, sizeof(msg), fmt, arg);
	pg_send_error(c, "ERROR", state, msg, NULL, NULL, 0);
	*failed = true;
}

void pg_prepare_statement(struct pg_conn *c, const char *sql, size_t len, bool *failed)
{
	struct pg_prepare pp;
	char why[200];
	if (pg_parse_prepare(sql, len, &pp, why, sizeof(why)) < 0) {
		fail(c, failed, pp.transaction ? "0A000" : "42601", "%s", why);
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
	st->sql_level = true;
	*pg_find_stmt(c, pp.name) = st;
	pg_command_complete(c, "PREPARE");
}

char *pg_prepare_expand(struct pg_conn *c, const char *sql, char state[6], char *msg, size_t msglen)
{
	size_t len = strlen(sql);
	struct pg_execute ex;
	if (pg_parse_execute(sql, len, &ex, msg, msglen) < 0) {
		snprintf(state, 6, "42601");
		return NULL;
	}
	struct pg_stmt *st = *pg_find_stmt(c, ex.name);
	if (!st) {
		snprintf(state, 6, "26000");
		snprintf(msg, msglen, "prepared statement \"%s\" does not exist", ex.name);
		return NULL;
	}
	if (st->sql_level && ex.nargs != st->ntypes) {
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

/* The named statements, SQL-level and protocol-level alike; the unnamed one is the protocol's
 * own scratch statement. */
static void deallocate_all(struct pg_conn *c)
{
	for (struct pg_stmt **slot = &c->stmts; *slot;) {
		struct pg_stmt *st = *slot;
		if (st->name[0]) {
			*slot = st->next;
			pg_stmt_free(st);
		} else {
			slot = &st->next;
		}
	}
}

void pg_deallocate(struct pg_conn *c, const char *sql, size_t len, bool *failed)
{
	struct pg_target t;
	char why[200];
	if (pg_parse_deallocate(sql, len, &t, why, sizeof(why)) < 0) {
		fail(c, failed, "42601", "%s", why);
		return;
	}
	if (t.all) {
		deallocate_all(c);
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

/* The session's temporary objects, dependants first; the server's own (__lake…) stay. */
static void drop_temp(struct pg_conn *c)
{
	static const char *const list =
	    "SELECT kind, name FROM ("
	    " SELECT 1 AS o, 'VIEW' AS kind, view_name AS name FROM duckdb_views() WHERE database_name = 'temp' AND NOT internal"
	    " UNION ALL SELECT 2, CASE WHEN function_type = 'table_macro' THEN 'MACRO TABLE' ELSE 'MACRO' END, function_name"
	    "  FROM duckdb_functions() WHERE database_name = 'temp' AND function_type IN ('macro', 'table_macro')"
	    " UNION ALL SELECT 3, 'TABLE', table_name FROM duckdb_tables() WHERE database_name = 'temp'"
	    " UNION ALL SELECT 4, 'SEQUENCE', sequence_name FROM duckdb_sequences() WHERE database_name = 'temp'"
	    ") WHERE NOT starts_with(name, '__lake') ORDER BY o";
	duckdb_result r;
	if (duckdb_query(engine_session_connection(c->s), list, &r) == DuckDBError) {
		duckdb_destroy_result(&r);
		return;
	}
	idx_t n = duckdb_row_count(&r);
	buf sql;
	buf_init(&sql);
	for (idx_t i = 0; i < n; i++) {
		char *kind = duckdb_value_varchar(&r, 0, i), *name = duckdb_value_varchar(&r, 1, i);
		buf_reset(&sql);
		buf_printf(&sql, "DROP %s IF EXISTS temp.main.\"", kind ? kind : "TABLE");
		for (const char *k = name ? name : ""; *k; k++) {
			if (*k == '"')
				buf_putc(&sql, '"');
			buf_putc(&sql, *k);
		}
		buf_puts(&sql, "\"");
		buf_putc(&sql, '\0');
		char msg[300];
		if (!buf_failed(&sql) && name)
			pg_session_exec(c, sql.data, msg, sizeof(msg));
		duckdb_free(kind);
		duckdb_free(name);
	}
	buf_free(&sql);
	duckdb_destroy_result(&r);
}

void pg_discard(struct pg_conn *c, const char *sql, size_t len, struct pg_portal *via, bool *failed)
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
		deallocate_all(c);
		pg_settings_reset_all(c);
	}
	if (t.all || !strcmp(t.name, "TEMP"))
		drop_temp(c);
	char tag[80];
	snprintf(tag, sizeof(tag), "DISCARD %s", t.name);
	pg_command_complete(c, tag);
}
