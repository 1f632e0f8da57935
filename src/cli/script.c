/* Statement gathering and the backslash commands of the shell. The catalog helpers are plain SQL
 * on information_schema and duckdb_databases(), run in the user's session so that its temporary
 * tables and USE show. */
#include "cli/script.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/sql_split.h"
#include "util/clock.h"

/* Catalogs whose names start with "__" are the server's own, and "system" is DuckDB's: listings
 * leave them out. */
static const char SQL_CATALOGS[] =
	"SELECT database_name AS catalog, readonly FROM duckdb_databases() "
	"WHERE NOT internal AND database_name NOT LIKE '\\_\\_%' ESCAPE '\\' ORDER BY 1";
static const char SQL_SCHEMAS[] =
	"SELECT catalog_name AS catalog, schema_name AS schema FROM information_schema.schemata "
	"WHERE catalog_name NOT IN ('system', 'temp') AND catalog_name NOT LIKE '\\_\\_%' ESCAPE '\\' "
	"AND schema_name NOT IN ('information_schema', 'pg_catalog') ORDER BY 1, 2";
static const char SQL_TABLES[] =
	"SELECT table_catalog AS catalog, table_schema AS schema, table_name AS name, table_type AS type "
	"FROM information_schema.tables WHERE table_catalog <> 'system' "
	"AND table_catalog NOT LIKE '\\_\\_%' ESCAPE '\\' ORDER BY 1, 2, 3";

static const char HELP[] =
	"Statements end with ';' and may span lines. Commands:\n"
	"  \\l                 list catalogs\n"
	"  \\dn                list schemas\n"
	"  \\d, \\dt            list tables and views\n"
	"  \\d NAME            describe a table or view (its columns and types)\n"
	"  \\timing [on|off]   show how long each statement takes\n"
	"  \\format FMT        output as table, csv, json or ndjson\n"
	"  \\q                 quit (or Ctrl-D)\n"
	"  \\?                 this help\n"
	"Ctrl-C cancels the running statement, or clears the line being typed.\n";

void cli_script_init(struct cli_script *s, struct cli_conn *conn, struct cli_out *out, const char *who)
{
	memset(s, 0, sizeof(*s));
	s->conn = conn;
	s->out = out;
	s->who = who;
	buf_init(&s->text);
}

void cli_script_free(struct cli_script *s) { buf_free(&s->text); }

bool cli_script_pending(const struct cli_script *s)
{
	return s->text.len && sql_skip_space(s->text.data, s->text.len, 0) < s->text.len;
}

void cli_script_clear(struct cli_script *s) { buf_reset(&s->text); }

/* Runs one statement and reports its outcome; returns its status. */
static int run_sql(struct cli_script *s, const char *sql, size_t len)
{
	char err[512] = "";
	int64_t t0 = clock_mono_us();
	int rc = cli_conn_run(s->conn, sql, len, s->out, err, sizeof(err));
	int64_t us = clock_mono_us() - t0;
	if (rc == CLI_ERR_SQL)
		fprintf(stderr, "Error: %s\n", s->out->error);
	else if (rc != CLI_OK)
		fprintf(stderr, "%s: %s\n", s->who, err);
	if (s->timing)
		printf("Time: %.3f ms\n", (double)us / 1000.0);
	fflush(stdout);
	if (rc > s->status)
		s->status = rc;
	return rc;
}

static int run_cstr(struct cli_script *s, const char *sql) { return run_sql(s, sql, strlen(sql)); }

/* A backslash command line: the command word and its argument (trailing spaces and one ';' cut). */
static void meta(struct cli_script *s, const char *line, size_t len)
{
	while (len && (isspace((unsigned char)line[len - 1]) || line[len - 1] == ';'))
		len--;
	size_t i = 0;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	size_t cmd = ++i; /* after the backslash */
	while (i < len && !isspace((unsigned char)line[i]))
		i++;
	size_t cmd_len = i - cmd;
	while (i < len && isspace((unsigned char)line[i]))
		i++;
	const char *arg = line + i;
	size_t arg_len = len - i;
	char word[16];
	snprintf(word, sizeof(word), "%.*s", (int)(cmd_len < sizeof(word) - 1 ? cmd_len : sizeof(word) - 1), line + cmd);
	if (cmd_len >= sizeof(word) - 1)
		word[0] = '!';

	if (!strcmp(word, "q") || !strcmp(word, "quit")) {
		s->quit = true;
	} else if (!strcmp(word, "?") || !strcmp(word, "help")) {
		fputs(HELP, stdout);
	} else if (!strcmp(word, "timing")) {
		if (arg_len == 0)
			s->timing = !s->timing;
		else if (arg_len == 2 && !strncmp(arg, "on", 2))
			s->timing = true;
		else if (arg_len == 3 && !strncmp(arg, "off", 3))
			s->timing = false;
		else {
			fprintf(stderr, "%s: \\timing takes on or off\n", s->who);
			return;
		}
		printf("Timing is %s.\n", s->timing ? "on" : "off");
	} else if (!strcmp(word, "format")) {
		char name[16];
		snprintf(name, sizeof(name), "%.*s", (int)(arg_len < 15 ? arg_len : 15), arg);
		if (arg_len >= 15 || !cli_out_parse_format(name, &s->out->format))
			fprintf(stderr, "%s: \\format takes table, csv, json or ndjson\n", s->who);
	} else if (!strcmp(word, "l")) {
		run_cstr(s, SQL_CATALOGS);
	} else if (!strcmp(word, "dn")) {
		run_cstr(s, SQL_SCHEMAS);
	} else if ((!strcmp(word, "d") || !strcmp(word, "dt")) && arg_len == 0) {
		run_cstr(s, SQL_TABLES);
	} else if (!strcmp(word, "d")) {
		buf sql;
		buf_init(&sql);
		buf_puts(&sql, "DESCRIBE ");
		buf_append(&sql, arg, arg_len);
		if (!buf_failed(&sql))
			run_sql(s, sql.data, sql.len);
		buf_free(&sql);
	} else {
		fprintf(stderr, "%s: unknown command \\%.*s (\\? lists them)\n", s->who, (int)cmd_len, line + cmd);
	}
}

/* Runs every statement that the gathered text ends; keeps the unfinished rest. */
static bool run_complete(struct cli_script *s)
{
	size_t pos = 0;
	bool go_on = true;
	while (pos < s->text.len) {
		struct sql_span span;
		size_t next = sql_next(s->text.data, s->text.len, pos, &span);
		if (span.start + span.len >= s->text.len)
			break; /* no semicolon yet */
		pos = next;
		if (!span.len)
			continue;
		int rc = run_sql(s, s->text.data + span.start, span.len);
		if (s->conn->interrupts) {
			/* Ctrl-C stops the statements that were to follow on the same line too. */
			pos = s->text.len;
			break;
		}
		if (rc != CLI_OK && s->stop_on_error) {
			go_on = false;
			break;
		}
	}
	buf_consume(&s->text, pos);
	if (!cli_script_pending(s))
		buf_reset(&s->text);
	return go_on;
}

bool cli_script_line(struct cli_script *s, const char *line, size_t len)
{
	if (!cli_script_pending(s)) {
		size_t i = 0;
		while (i < len && isspace((unsigned char)line[i]))
			i++;
		if (i < len && line[i] == '\\') {
			buf_reset(&s->text);
			meta(s, line, len);
			return !s->quit;
		}
	}
	buf_append(&s->text, line, len);
	buf_putc(&s->text, '\n');
	if (buf_failed(&s->text)) {
		fprintf(stderr, "%s: out of memory\n", s->who);
		s->status = CLI_ERR_SERVER;
		return false;
	}
	return run_complete(s);
}

void cli_script_finish(struct cli_script *s)
{
	if (cli_script_pending(s)) {
		size_t start = sql_skip_space(s->text.data, s->text.len, 0);
		run_sql(s, s->text.data + start, s->text.len - start);
	}
	buf_reset(&s->text);
}
