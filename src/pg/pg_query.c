/* Running statements for PostgreSQL clients: the simple query protocol (each statement's rows
 * and command tag in turn), extended-protocol Describe and Execute (with row limits that suspend
 * a portal), transaction status, the settings PostgreSQL clients set and show that DuckDB does
 * not have, and COPY … TO STDOUT / FROM STDIN. Statements go through the engine like every other
 * front-end's, so managed catalogs, the sandbox and the query log apply. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engine/sql_split.h"
#include "engine/statement_head.h"
#include "pg/pg_compat.h"
#include "pg/pg_rewrite.h"
#include "pg/pg_conn.h"
#include "pg/pg_cursor.h"
#include "pg/pg_prepare.h"
#include "pg/pg_sqlcmd.h"
#include "pg/pg_settings.h"
#include "pg/pg_stmtlog.h"
#include "pg/pg_wire.h"
#include "util/clock.h"
#include "util/hex.h"
#include "util/log.h"
#include "util/tz.h"
#include "util/uuid.h"

static bool column_as_text(duckdb_logical_type t) { return !pg_type_supported(t); }

/* --- statement heads -------------------------------------------------------------------------- */

static size_t skip_ws(const char *s, size_t len, size_t i) { return sql_skip_space(s, len, i); }

/* The next word at i, upper-cased into out; returns the position after it. */
static size_t word(const char *s, size_t len, size_t i, char *out, size_t outlen)
{
	i = skip_ws(s, len, i);
	size_t n = 0;
	while (i < len && (isalnum((unsigned char)s[i]) || s[i] == '_')) {
		if (n + 1 < outlen)
			out[n++] = (char)toupper((unsigned char)s[i]);
		i++;
	}
	out[n] = '\0';
	return i;
}

/* The CommandComplete tag of a statement that returns no rows. */
static void ddl_tag(const char *sql, size_t len, char *tag, size_t taglen)
{
	char w1[32], w2[32], w3[32];
	size_t p = word(sql, len, 0, w1, sizeof(w1));
	if (!strcmp(w1, "BEGIN") || !strcmp(w1, "START")) {
		snprintf(tag, taglen, "BEGIN");
		return;
	}
	if (!strcmp(w1, "COMMIT") || !strcmp(w1, "END")) {
		snprintf(tag, taglen, "COMMIT");
		return;
	}
	if (!strcmp(w1, "ROLLBACK") || !strcmp(w1, "ABORT")) {
		snprintf(tag, taglen, "ROLLBACK");
		return;
	}
	if (!strcmp(w1, "CREATE") || !strcmp(w1, "DROP") || !strcmp(w1, "ALTER")) {
		p = word(sql, len, p, w2, sizeof(w2));
		/* CREATE OR REPLACE / TEMP / UNIQUE … TABLE: the object word */
		while (!strcmp(w2, "OR") || !strcmp(w2, "REPLACE") || !strcmp(w2, "TEMP") || !strcmp(w2, "TEMPORARY") ||
		       !strcmp(w2, "UNIQUE") || !strcmp(w2, "PERSISTENT"))
			p = word(sql, len, p, w2, sizeof(w2));
		if (!strcmp(w2, "MACRO")) {
			word(sql, len, p, w3, sizeof(w3));
			snprintf(tag, taglen, "%s FUNCTION", w1);
			return;
		}
		snprintf(tag, taglen, "%s %s", w1, w2);
		return;
	}
	if (!strcmp(w1, "USE") || !strcmp(w1, "RESET")) {
		snprintf(tag, taglen, "%s", !strcmp(w1, "USE") ? "SET" : "RESET");
		return;
	}
	if (!strcmp(w1, "TRUNCATE")) {
		snprintf(tag, taglen, "TRUNCATE TABLE");
		return;
	}
	snprintf(tag, taglen, "%s", w1[0] ? w1 : "SELECT");
}

void pg_command_complete(struct pg_conn *c, const char *tag)
{
	snprintf(c->last_tag, sizeof(c->last_tag), "%s", tag);
	size_t m = pgw_begin(&c->out, 'C');
	pgw_str(&c->out, tag);
	pgw_end(&c->out, m);
}

/* --- transaction status ------------------------------------------------------------------------ */

static void after_statement(struct pg_conn *c, const struct stmt_head *h, bool ok)
{
	if (!ok) {
		if (c->txn == 'T')
			c->txn = 'E';
		return;
	}
	if (h->kind == STMT_USE) { /* DuckDB's USE sets the search path: the catalog views go back at its end */
		char err[256];
		if (pg_compat_search_path(engine_session_connection(c->s), err, sizeof(err)) < 0)
			log_warn("cannot set the search path", "error=\"%s\"", err);
	}
	if (h->kind == STMT_BEGIN) {
		c->txn = 'T';
	} else if (h->kind == STMT_COMMIT || h->kind == STMT_ROLLBACK) {
		bool committed = h->kind == STMT_COMMIT && c->txn == 'T';
		c->txn = 'I';
		pg_cursors_txn_end(c, committed);
	}
}

/* --- results ---------------------------------------------------------------------------------- */

/* RowDescription from names and types; cols get their encoders when asked for. */
static int row_description(struct pg_conn *c, idx_t ncols, const char *const *names, const duckdb_logical_type *types,
                           const int16_t *formats, int nformats, struct pg_column **cols_out, bool send)
{
	struct pg_column *cols = calloc(ncols ? ncols : 1, sizeof(*cols));
	if (!cols)
		return -1;
	size_t m = send ? pgw_begin(&c->out, 'T') : 0;
	if (send)
		pgw_int16(&c->out, (int16_t)ncols);
	for (idx_t i = 0; i < ncols; i++) {
		duckdb_logical_type t = types[i];
		duckdb_logical_type text = NULL;
		if (!pg_type_supported(t)) /* handed out cast to VARCHAR */
			t = text = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
		int rc = pg_column_init(&cols[i], t);
		if (text)
			duckdb_destroy_logical_type(&text);
		if (rc < 0) {
			for (idx_t k = 0; k < i; k++)
				pg_column_free(&cols[k]);
			free(cols);
			return -1;
		}
		if (send) {
			pgw_str(&c->out, names[i] ? names[i] : "?column?");
			pgw_int32(&c->out, 0); /* table OID */
			pgw_int16(&c->out, 0); /* column number */
			pgw_int32(&c->out, cols[i].oid);
			pgw_int16(&c->out, cols[i].typlen);
			pgw_int32(&c->out, cols[i].typmod);
			pgw_int16(&c->out, pgw_format_of(formats, nformats, i));
		}
	}
	if (send)
		pgw_end(&c->out, m);
	if (cols_out)
		*cols_out = cols;
	else {
		for (idx_t k = 0; k < ncols; k++)
			pg_column_free(&cols[k]);
		free(cols);
	}
	return 0;
}

int pg_query_row_description(struct pg_conn *c, struct eng_query *q, const int16_t *formats, int nformats,
                                 struct pg_column **cols, bool send)
{
	idx_t n = engine_query_column_count(q);
	const char **names = calloc(n ? n : 1, sizeof(*names));
	duckdb_logical_type *types = calloc(n ? n : 1, sizeof(*types));
	int rc = -1;
	if (names && types) {
		for (idx_t i = 0; i < n; i++) {
			names[i] = engine_query_column_name(q, i);
			types[i] = engine_query_column_type(q, i);
		}
		rc = row_description(c, n, names, types, formats, nformats, cols, send);
	}
	free(names);
	free(types);
	return rc;
}

/* DataRows from the running query, at most max (0: all); *more when rows are left. */
int pg_send_rows(struct pg_conn *c, struct pg_portal *p, const struct tz *zone, uint64_t max, bool *more,
                     struct eng_error *err)
{
	*more = false;
	uint64_t sent = 0;
	for (;;) {
		if (!p->chunk) {
			p->chunk = engine_query_fetch(p->q, err);
			p->chunk_row = 0;
			if (!p->chunk)
				return err->message[0] ? -1 : 0;
		}
		idx_t n = duckdb_data_chunk_get_size(p->chunk);
		duckdb_vector *vecs = NULL;
		duckdb_vector stack[64];
		vecs = p->ncols <= 64 ? stack : calloc(p->ncols, sizeof(*vecs));
		if (!vecs)
			return -1;
		for (idx_t col = 0; col < p->ncols; col++)
			vecs[col] = duckdb_data_chunk_get_vector(p->chunk, col);
		while (p->chunk_row < n) {
			if (max && sent == max) {
				*more = true;
				if (vecs != stack)
					free(vecs);
				return 0;
			}
			size_t m = pgw_begin(&c->out, 'D');
			pgw_int16(&c->out, (int16_t)p->ncols);
			for (idx_t col = 0; col < p->ncols; col++)
				pg_column_value(&c->out, &p->cols[col], vecs[col], p->chunk_row,
				                pgw_format_of(p->formats, p->nformats, col), zone);
			pgw_end(&c->out, m);
			p->chunk_row++;
			sent++;
			p->rows++;
			if (c->out.len > (1u << 18) && pg_flush(c) < 0) {
				if (vecs != stack)
					free(vecs);
				snprintf(err->message, sizeof(err->message), "client gone");
				return -1;
			}
		}
		if (vecs != stack)
			free(vecs);
		engine_query_add_rows(p->q, n);
		duckdb_destroy_data_chunk(&p->chunk);
		p->chunk = NULL;
	}
}

/* A DML statement's changed-row count: the one value of its result. */
static int64_t changed_rows(struct eng_query *q, struct eng_error *err)
{
	duckdb_data_chunk ch = engine_query_fetch(q, err);
	int64_t n = 0;
	if (ch) {
		if (duckdb_data_chunk_get_size(ch) > 0 && duckdb_data_chunk_get_column_count(ch) > 0) {
			duckdb_vector v = duckdb_data_chunk_get_vector(ch, 0);
			n = ((int64_t *)duckdb_vector_get_data(v))[0];
		}
		duckdb_destroy_data_chunk(&ch);
	}
	return n;
}

void pg_set_running(struct pg_conn *c, struct eng_query *q)
{
	pthread_mutex_lock(&c->mu);
	c->running = q;
	if (q) /* a new statement; the outcome of the last one stays readable until then */
		c->timed_out = false;
	c->deadline_ms = q && c->statement_timeout_ms > 0 ? clock_mono_us() / 1000 + c->statement_timeout_ms : 0;
	if (c->deadline_ms)
		pg_server_deadline(c->srv, c->deadline_ms);
	/* a hang-up seen before the query was published here interrupts it now (both sides hold mu) */
	if (q && atomic_load(&c->gone))
		engine_query_interrupt(q);
	pthread_mutex_unlock(&c->mu);
}

/* The error of a failed query, with the SQLSTATE a cancel or timeout has in PostgreSQL. */
void pg_query_error(struct pg_conn *c, struct eng_error *err, const char *sql)
{
	if (strstr(err->message, "INTERRUPT Error") || strstr(err->message, "Interrupted")) {
		bool timed_out;
		pthread_mutex_lock(&c->mu);
		timed_out = c->timed_out;
		pthread_mutex_unlock(&c->mu);
		pg_send_error(c, "ERROR", "57014",
		              timed_out ? "canceling statement due to statement timeout" : "canceling statement due to user request",
		              NULL, NULL, 0);
		return;
	}
	if (err->status == ENG_OVERLOADED) {
		pg_send_error(c, "ERROR", "53300", err->message, NULL, NULL, 0);
		return;
	}
	if (err->status == ENG_SHUTTING_DOWN) {
		pg_send_error(c, "FATAL", "57P01", "terminating connection due to administrator command", NULL, NULL, 0);
		return;
	}
	pg_send_engine_error(c, err, sql);
}

static bool is_dml(enum stmt_kind k)
{
	return k == STMT_INSERT || k == STMT_UPDATE || k == STMT_DELETE || k == STMT_MERGE || k == STMT_COPY_FROM;
}

static void dml_tag(enum stmt_kind k, int64_t n, char *tag, size_t taglen)
{
	switch (k) {
	case STMT_INSERT: snprintf(tag, taglen, "INSERT 0 %lld", (long long)n); break;
	case STMT_UPDATE: snprintf(tag, taglen, "UPDATE %lld", (long long)n); break;
	case STMT_DELETE: snprintf(tag, taglen, "DELETE %lld", (long long)n); break;
	case STMT_MERGE: snprintf(tag, taglen, "MERGE %lld", (long long)n); break;
	default: snprintf(tag, taglen, "COPY %lld", (long long)n); break;
	}
}

/* A parameter sent as text in PostgreSQL's array syntax ('{1,2}'), for a list parameter. */
static duckdb_value list_param(duckdb_value text)
{
	char *s = duckdb_get_varchar(text);
	if (!s)
		return NULL;
	buf list;
	buf_init(&list);
	duckdb_value v = NULL;
	if (pg_array_text_to_list(s, strlen(s), &list)) {
		buf_putc(&list, '\0');
		if (!buf_failed(&list))
			v = duckdb_create_varchar(list.data);
	}
	buf_free(&list);
	duckdb_free(s);
	return v;
}

/* Starts sql on the engine. */
struct eng_query *pg_begin_query(struct pg_conn *c, const char *sql, const duckdb_value *params, size_t nparams,
                                 struct eng_error *err)
{
	struct eng_query_opts o = {
		.sql = sql,
		.user = c->user,
		.client_interface = "Postgres",
		.door = METRICS_POSTGRES,
		.user_agent = c->application_name,
		.visible = true,
		.params = params,
		.nparams = nparams,
		.column_as_text = column_as_text,
		.list_param = list_param,
	};
	struct eng_query *q = NULL;
	if (engine_query_begin(c->s, &o, &q, err) < 0)
		return NULL;
	pg_set_running(c, q);
	if (engine_query_execute(q, err) < 0) {
		pg_set_running(c, NULL);
		engine_query_end(q, err->message);
		return NULL;
	}
	return q;
}

void pg_end_query(struct pg_conn *c, struct eng_query *q, const char *error)
{
	pg_set_running(c, NULL);
	engine_query_end(q, error);
}

/* --- helpers of the other files ---------------------------------------------------------------- */

int pg_session_exec(struct pg_conn *c, const char *sql, char *msg, size_t msglen)
{
	duckdb_result r;
	int rc = 0;
	if (duckdb_query(engine_session_connection(c->s), sql, &r) == DuckDBError) {
		snprintf(msg, msglen, "%s", duckdb_result_error(&r));
		rc = -1;
	}
	duckdb_destroy_result(&r);
	return rc;
}

void pg_send_text_rows(struct pg_conn *c, int ncols, const char *const *names, int nrows, const char *const *values)
{
	duckdb_logical_type vt = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
	duckdb_logical_type types[8];
	for (int i = 0; i < ncols && i < 8; i++)
		types[i] = vt;
	row_description(c, (idx_t)ncols, names, types, NULL, 0, NULL, !c->extended);
	duckdb_destroy_logical_type(&vt);
	for (int r = 0; r < nrows; r++) {
		size_t m = pgw_begin(&c->out, 'D');
		pgw_int16(&c->out, (int16_t)ncols);
		for (int k = 0; k < ncols; k++) {
			const char *v = values[r * ncols + k];
			pgw_int32(&c->out, v ? (int32_t)strlen(v) : -1);
			if (v)
				pgw_bytes(&c->out, v, strlen(v));
		}
		pgw_end(&c->out, m);
	}
}

/* --- COPY -------------------------------------------------------------------------------------- */


/* Options after STDOUT / STDIN: (FORMAT csv, HEADER, DELIMITER ',', NULL '…') or the old
 * spellings (CSV HEADER, BINARY, DELIMITER ','). */
static int copy_options(const char *s, size_t len, size_t pos, struct pg_copy_opts *o, char *why, size_t whylen)
{
	memset(o, 0, sizeof(*o));
	o->format = PG_COPY_TEXT;
	o->delim = '\t';
	o->quote = '"';
	snprintf(o->null_text, sizeof(o->null_text), "\\N");
	bool null_set = false, delim_set = false;
	for (;;) {
		pos = skip_ws(s, len, pos);
		while (pos < len && (s[pos] == '(' || s[pos] == ')' || s[pos] == ','))
			pos = skip_ws(s, len, pos + 1);
		if (pos >= len || s[pos] == ';')
			break;
		char w[32];
		size_t after = word(s, len, pos, w, sizeof(w));
		if (after == pos) {
			snprintf(why, whylen, "syntax error in COPY options near \"%.20s\"", s + pos);
			return -1;
		}
		pos = after;
		if (!strcmp(w, "WITH"))
			continue;
		char arg[64] = "";
		bool has_arg = false;
		size_t q = skip_ws(s, len, pos);
		if (q < len && s[q] == '\'') { /* a quoted argument */
			size_t e = q + 1, n = 0;
			while (e < len && !(s[e] == '\'' && (e + 1 >= len || s[e + 1] != '\''))) {
				if (s[e] == '\'' )
					e++;
				if (n + 1 < sizeof(arg))
					arg[n++] = s[e];
				e++;
			}
			arg[n] = '\0';
			pos = e < len ? e + 1 : len;
			has_arg = true;
		} else if (!strcmp(w, "FORMAT") || !strcmp(w, "HEADER") || !strcmp(w, "ENCODING")) {
			size_t a = word(s, len, pos, arg, sizeof(arg));
			if (a != skip_ws(s, len, pos)) {
				pos = a;
				has_arg = true;
			}
		}
		if (!strcmp(w, "FORMAT")) {
			if (!strcmp(arg, "CSV"))
				o->format = PG_COPY_CSV;
			else if (!strcmp(arg, "BINARY"))
				o->format = PG_COPY_BINARY;
			else if (!strcmp(arg, "TEXT"))
				o->format = PG_COPY_TEXT;
			else {
				snprintf(why, whylen, "COPY format \"%s\" not recognized", arg);
				return -1;
			}
		} else if (!strcmp(w, "CSV")) {
			o->format = PG_COPY_CSV;
		} else if (!strcmp(w, "BINARY")) {
			o->format = PG_COPY_BINARY;
		} else if (!strcmp(w, "HEADER")) {
			o->header = !has_arg || !strcmp(arg, "TRUE") || !strcmp(arg, "ON") || !strcmp(arg, "1") || !strcmp(arg, "MATCH");
		} else if (!strcmp(w, "DELIMITER")) {
			if (!has_arg || strlen(arg) != 1) {
				snprintf(why, whylen, "COPY delimiter must be a single one-byte character");
				return -1;
			}
			o->delim = arg[0];
			delim_set = true;
		} else if (!strcmp(w, "NULL")) {
			snprintf(o->null_text, sizeof(o->null_text), "%.31s", arg);
			null_set = true;
		} else if (!strcmp(w, "QUOTE")) {
			if (!has_arg || strlen(arg) != 1) {
				snprintf(why, whylen, "COPY quote must be a single one-byte character");
				return -1;
			}
			o->quote = arg[0];
		} else if (!strcmp(w, "ENCODING")) {
			if (strcasecmp(arg, "UTF8") && strcasecmp(arg, "UTF-8")) {
				snprintf(why, whylen, "COPY encoding must be UTF8");
				return -1;
			}
		} else if (!strcmp(w, "FREEZE") || !strcmp(w, "ESCAPE") || !strcmp(w, "FORCE_QUOTE") ||
		           !strcmp(w, "FORCE_NOT_NULL") || !strcmp(w, "FORCE_NULL")) {
			/* accepted and without effect here */
		} else {
			snprintf(why, whylen, "option \"%s\" not recognized", w);
			return -1;
		}
	}
	if (o->format == PG_COPY_CSV) {
		if (!delim_set)
			o->delim = ',';
		if (!null_set)
			o->null_text[0] = '\0';
	}
	return 0;
}

/* The escape of a byte in a text-format field (PostgreSQL's: backslash and the control characters
 * with a letter), or NULL; the delimiter is escaped too, as a backslash before it. */
static const char *text_escape(char ch)
{
	switch (ch) {
	case '\\': return "\\\\";
	case '\b': return "\\b";
	case '\f': return "\\f";
	case '\n': return "\\n";
	case '\r': return "\\r";
	case '\t': return "\\t";
	case '\v': return "\\v";
	default: return NULL;
	}
}

static bool text_needs_escape(const char *p, size_t n, char delim)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == delim || ((unsigned char)p[i] < 0x20 && text_escape(p[i])) || p[i] == '\\')
			return true;
	return false;
}

/* A PostgreSQL text-format field with its escapes. */
static void text_field(buf *b, const char *p, size_t n, char delim)
{
	size_t run = 0; /* start of the bytes not yet copied */
	for (size_t i = 0; i < n; i++) {
		const char *esc = text_escape(p[i]);
		if (!esc && p[i] != delim)
			continue;
		buf_append(b, p + run, i - run);
		if (esc) {
			buf_puts(b, esc);
		} else {
			buf_putc(b, '\\');
			buf_putc(b, p[i]);
		}
		run = i + 1;
	}
	buf_append(b, p + run, n - run);
}

static bool csv_needs_quote(const char *p, size_t n, const struct pg_copy_opts *o)
{
	if (n == 0 || (o->null_text[0] && strlen(o->null_text) == n && !memcmp(p, o->null_text, n)))
		return true;
	for (size_t i = 0; i < n; i++)
		if (p[i] == o->delim || p[i] == o->quote || p[i] == '\n' || p[i] == '\r')
			return true;
	return false;
}

static void csv_field(buf *b, const char *p, size_t n, const struct pg_copy_opts *o)
{
	if (!csv_needs_quote(p, n, o)) {
		buf_append(b, p, n);
		return;
	}
	buf_putc(b, o->quote);
	size_t run = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] == o->quote) {
			buf_append(b, p + run, i + 1 - run); /* the quote, then its double below */
			run = i;
		}
	buf_append(b, p + run, n - run);
	buf_putc(b, o->quote);
}

/* Appends one text or CSV field to out. The value is encoded in place (length word, then bytes)
 * and shifted over its length word; only a value that needs escapes or quotes is copied again. */
static void copy_text_value(buf *out, buf *scratch, const struct pg_column *col, duckdb_vector v, idx_t r,
                            const struct tz *zone, const struct pg_copy_opts *o)
{
	size_t at = out->len;
	pg_column_value(out, col, v, r, 0, zone);
	if (buf_failed(out) || out->len < at + 4)
		return;
	const unsigned char *vb = (const unsigned char *)out->data + at;
	int32_t vlen = (int32_t)((uint32_t)vb[0] << 24 | (uint32_t)vb[1] << 16 | (uint32_t)vb[2] << 8 | vb[3]);
	if (vlen < 0) {
		out->len = at;
		buf_puts(out, o->null_text);
		return;
	}
	char *text = out->data + at + 4;
	bool special = o->format == PG_COPY_CSV ? csv_needs_quote(text, (size_t)vlen, o)
	                                         : text_needs_escape(text, (size_t)vlen, o->delim);
	if (!special) {
		memmove(out->data + at, text, (size_t)vlen);
		out->len = at + (size_t)vlen;
		return;
	}
	buf_reset(scratch);
	buf_append(scratch, text, (size_t)vlen);
	out->len = at;
	if (buf_failed(scratch))
		return;
	if (o->format == PG_COPY_CSV)
		csv_field(out, scratch->data, scratch->len, o);
	else
		text_field(out, scratch->data, scratch->len, o->delim);
}

/* The signature, flags and header extension length that open binary COPY data. */
static void copy_binary_header(buf *out)
{
	pgw_bytes(out, "PGCOPY\n\377\r\n\0", 11);
	pgw_int32(out, 0);
	pgw_int32(out, 0);
}

/* COPY … TO STDOUT: runs the query and streams its rows as CopyData. */
static void copy_out(struct pg_conn *c, const char *query, const struct pg_copy_opts *o, const char *sql)
{
	struct eng_error err = {0};
	struct eng_query *q = pg_begin_query(c, query, NULL, 0, &err);
	if (!q) {
		pg_query_error(c, &err, sql);
		if (c->txn == 'T')
			c->txn = 'E';
		return;
	}
	struct pg_portal p = {0};
	p.q = q;
	p.ncols = engine_query_column_count(q);
	int16_t fmt = o->format == PG_COPY_BINARY ? 1 : 0;
	p.formats = &fmt;
	p.nformats = 1;
	if (pg_query_row_description(c, q, &fmt, 1, &p.cols, false) < 0) {
		pg_end_query(c, q, "out of memory");
		pg_send_error(c, "ERROR", "53200", "out of memory", NULL, NULL, 0);
		return;
	}
	size_t m = pgw_begin(&c->out, 'H');
	pgw_byte(&c->out, (uint8_t)fmt);
	pgw_int16(&c->out, (int16_t)p.ncols);
	for (idx_t i = 0; i < p.ncols; i++)
		pgw_int16(&c->out, fmt);
	pgw_end(&c->out, m);
	const struct tz *zone = tz_get(engine_session_timezone(c->s));
	buf row, value;
	buf_init(&row);
	buf_init(&value);
	/* PostgreSQL sends the binary header in the CopyData of the first row (with the trailer when
	 * there is none), and clients that read row by row expect it there */
	bool binary_header = o->format == PG_COPY_BINARY;
	if (o->format != PG_COPY_BINARY && o->header) {
		for (idx_t i = 0; i < p.ncols; i++) {
			if (i)
				buf_putc(&row, o->delim);
			const char *name = engine_query_column_name(q, i);
			if (o->format == PG_COPY_CSV)
				csv_field(&row, name, strlen(name), o);
			else
				text_field(&row, name, strlen(name), o->delim);
		}
		buf_putc(&row, '\n');
		m = pgw_begin(&c->out, 'd');
		pgw_bytes(&c->out, row.data, row.len);
		pgw_end(&c->out, m);
	}
	int rc = 0;
	for (;;) {
		duckdb_data_chunk ch = engine_query_fetch(q, &err);
		if (!ch) {
			rc = err.message[0] ? -1 : 0;
			break;
		}
		idx_t n = duckdb_data_chunk_get_size(ch);
		duckdb_vector stack[64], *vecs = p.ncols <= 64 ? stack : calloc(p.ncols, sizeof(*vecs));
		if (!vecs) {
			duckdb_destroy_data_chunk(&ch);
			snprintf(err.message, sizeof(err.message), "out of memory");
			rc = -1;
			break;
		}
		for (idx_t col = 0; col < p.ncols; col++)
			vecs[col] = duckdb_data_chunk_get_vector(ch, col);
		for (idx_t r = 0; r < n && rc == 0; r++) {
			m = pgw_begin(&c->out, 'd');
			if (binary_header) {
				copy_binary_header(&c->out);
				binary_header = false;
			}
			if (o->format == PG_COPY_BINARY) {
				pgw_int16(&c->out, (int16_t)p.ncols);
				for (idx_t col = 0; col < p.ncols; col++)
					pg_column_value(&c->out, &p.cols[col], vecs[col], r, 1, zone);
			} else {
				for (idx_t col = 0; col < p.ncols; col++) {
					if (col)
						buf_putc(&c->out, o->delim);
					copy_text_value(&c->out, &value, &p.cols[col], vecs[col], r, zone, o);
				}
				buf_putc(&c->out, '\n');
			}
			pgw_end(&c->out, m);
			if (buf_failed(&c->out)) {
				snprintf(err.message, sizeof(err.message), "out of memory");
				rc = -1;
			}
			p.rows++;
			if (c->out.len > (1u << 18) && pg_flush(c) < 0)
				rc = -1;
		}
		if (vecs != stack)
			free(vecs);
		engine_query_add_rows(q, n);
		duckdb_destroy_data_chunk(&ch);
		if (rc < 0)
			break;
	}
	if (rc == 0 && o->format == PG_COPY_BINARY) {
		m = pgw_begin(&c->out, 'd');
		if (binary_header)
			copy_binary_header(&c->out);
		pgw_int16(&c->out, -1);
		pgw_end(&c->out, m);
	}
	buf_free(&row);
	buf_free(&value);
	for (idx_t i = 0; i < p.ncols; i++)
		pg_column_free(&p.cols[i]);
	free(p.cols);
	pg_end_query(c, q, rc < 0 ? err.message : NULL);
	if (rc < 0) {
		/* after CopyOutResponse an error ends the copy */
		pg_query_error(c, &err, sql);
		if (c->txn == 'T')
			c->txn = 'E';
		return;
	}
	m = pgw_begin(&c->out, 'c');
	pgw_end(&c->out, m);
	char tag[48];
	snprintf(tag, sizeof(tag), "COPY %llu", (unsigned long long)p.rows);
	pg_command_complete(c, tag);
}

/* COPY t [(cols)] FROM STDIN: data is spooled as CSV into the worker's staging folder, then loaded
 * with one INSERT … SELECT from read_csv (managed tables included). */
static void copy_in_start(struct pg_conn *c, const char *target, size_t target_len, const struct pg_copy_opts *o)
{
	if (o->format == PG_COPY_BINARY) {
		pg_send_error(c, "ERROR", "0A000", "COPY FROM STDIN in binary format is not supported; use text or csv",
		              NULL, NULL, 0);
		return;
	}
	char id[UUID_STR_LEN + 1];
	uuid_v4(id);
	snprintf(c->copy_path, sizeof(c->copy_path), "%.4000s/pg-copy-%s.csv", engine_session_staging_dir(c->s), id);
	c->copy_file = fopen(c->copy_path, "w");
	if (!c->copy_file) {
		pg_send_error(c, "ERROR", "58030", "cannot stage COPY data", strerror(errno), NULL, 0);
		return;
	}
	buf t;
	buf_init(&t);
	buf_puts(&t, "INSERT INTO ");
	buf_append(&t, target, target_len);
	buf_puts(&t, " SELECT * FROM ");
	buf_putc(&t, '\0');
	buf r;
	buf_init(&r);
	/* what we write: CSV with ',' and '"', NULL as an unquoted empty field */
	buf_puts(&r, "read_csv('");
	for (const char *k = c->copy_path; *k; k++) {
		if (*k == '\'')
			buf_putc(&r, '\'');
		buf_putc(&r, *k);
	}
	buf_puts(&r, "', delim = ',', quote = '\"', escape = '\"', header = false, all_varchar = true, allow_quoted_nulls = false");
	c->copy_target = buf_strdup(&t);
	buf_free(&t);
	c->copy_read = buf_strdup(&r);
	buf_free(&r);
	c->copy_bytes = 0;
	c->copy_opts = *o;
	if (!c->copy_target || !c->copy_read) {
		fclose(c->copy_file);
		c->copy_file = NULL;
		unlink(c->copy_path);
		pg_send_error(c, "ERROR", "53200", "out of memory", NULL, NULL, 0);
		return;
	}
	c->phase = PG_COPY_IN;
	size_t m = pgw_begin(&c->out, 'G');
	pgw_byte(&c->out, 0);
	pgw_int16(&c->out, 0);
	pgw_end(&c->out, m);
}

void pg_copy_data(struct pg_conn *c, const unsigned char *data, size_t len)
{
	if (!c->copy_file)
		return;
	c->copy_bytes += len;
	if (fwrite(data, 1, len, c->copy_file) != len) {
		fclose(c->copy_file);
		c->copy_file = NULL;
	}
}

static void copy_in_end(struct pg_conn *c)
{
	if (c->copy_file) {
		fclose(c->copy_file);
		c->copy_file = NULL;
	}
	unlink(c->copy_path);
	free(c->copy_target);
	free(c->copy_read);
	c->copy_target = c->copy_read = NULL;
	c->phase = PG_READY;
}

void pg_copy_fail(struct pg_conn *c, const char *why)
{
	char msg[400];
	snprintf(msg, sizeof(msg), "COPY from stdin failed: %s", why ? why : "");
	copy_in_end(c);
	pg_send_error(c, "ERROR", "57014", msg, NULL, NULL, 0);
	if (c->txn == 'T')
		c->txn = 'E';
	pg_send_ready(c);
}

/* Decodes the escape whose letter is at s[i] (after the backslash) of PostgreSQL's text format,
 * octal \ooo and hex \xhh included, into field; returns the position after it, or 0 for a zero
 * byte, which no text value may hold. */
static size_t text_unescape(const char *s, size_t len, size_t i, buf *field)
{
	char e = s[i];
	if (e >= '0' && e <= '7') {
		int v = 0;
		size_t end = i + 3 < len ? i + 3 : len;
		for (; i < end && s[i] >= '0' && s[i] <= '7'; i++)
			v = v * 8 + (s[i] - '0');
		buf_putc(field, (char)(v & 0xFF));
		return v & 0xFF ? i : 0;
	}
	if (e == 'x' && i + 1 < len && hex_value((unsigned char)s[i + 1]) >= 0) {
		int v = hex_value((unsigned char)s[++i]);
		if (++i < len && hex_value((unsigned char)s[i]) >= 0)
			v = v * 16 + hex_value((unsigned char)s[i++]);
		buf_putc(field, (char)v);
		return v ? i : 0;
	}
	buf_putc(field, e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b'
	                 : e == 'f' ? '\f' : e == 'v' ? '\v' : e);
	return i + 1;
}

/* Rewrites the spooled PostgreSQL text or CSV data into the CSV read_csv is told to expect. */
static int normalise_copy(const char *path, const struct pg_copy_opts *o, uint64_t *rows, char *state, char *why,
                          size_t whylen)
{
	char tmp[4300];
	snprintf(tmp, sizeof(tmp), "%.4200s.norm", path);
	FILE *in = fopen(path, "r"), *out = fopen(tmp, "w");
	if (!in || !out) {
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		snprintf(why, whylen, "cannot stage COPY data");
		return -1;
	}
	buf line, field;
	buf_init(&line);
	buf_init(&field);
	int rc = 0;
	bool first = true;
	*rows = 0;
	char *l = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&l, &cap, in)) >= 0) {
		/* a CSV line may continue inside quotes */
		buf_reset(&line);
		buf_append(&line, l, (size_t)n);
		if (o->format == PG_COPY_CSV) {
			bool inq = false;
			for (;;) {
				inq = false;
				for (size_t i = 0; i < line.len; i++)
					if (line.data[i] == o->quote)
						inq = !inq;
				if (!inq)
					break;
				if ((n = getline(&l, &cap, in)) < 0)
					break;
				buf_append(&line, l, (size_t)n);
			}
		}
		while (line.len && (line.data[line.len - 1] == '\n' || line.data[line.len - 1] == '\r'))
			line.len--;
		if (o->format == PG_COPY_TEXT && line.len == 2 && !memcmp(line.data, "\\.", 2))
			break;
		if (first && o->header) {
			first = false;
			continue;
		}
		first = false;
		size_t i = 0;
		bool first_field = true;
		for (;;) {
			buf_reset(&field);
			bool is_null = false, quoted = false;
			if (o->format == PG_COPY_TEXT) {
				size_t start = i;
				while (i < line.len && line.data[i] != o->delim) {
					char ch = line.data[i];
					if (ch == '\\' && i + 1 < line.len) {
						if (!(i = text_unescape(line.data, line.len, i + 1, &field))) {
							snprintf(state, 6, "22021");
							snprintf(why, whylen, "invalid byte sequence for encoding \"UTF8\": 0x00 (line %llu)",
							         (unsigned long long)*rows + 1 + (o->header ? 1 : 0));
							rc = -1;
							goto done;
						}
						continue;
					}
					buf_putc(&field, ch);
					i++;
				}
				is_null = i - start == strlen(o->null_text) && !memcmp(line.data + start, o->null_text, i - start);
			} else {
				if (i < line.len && line.data[i] == o->quote) {
					quoted = true;
					i++;
					while (i < line.len) {
						if (line.data[i] == o->quote) {
							if (i + 1 < line.len && line.data[i + 1] == o->quote) {
								buf_putc(&field, o->quote);
								i += 2;
								continue;
							}
							i++;
							break;
						}
						buf_putc(&field, line.data[i++]);
					}
				}
				while (i < line.len && line.data[i] != o->delim)
					buf_putc(&field, line.data[i++]);
				is_null = !quoted && field.len == strlen(o->null_text) && !memcmp(field.data, o->null_text, field.len);
			}
			if (!first_field)
				fputc(',', out);
			first_field = false;
			if (!is_null) {
				fputc('"', out);
				for (size_t k = 0; k < field.len; k++) {
					if (field.data[k] == '"')
						fputc('"', out);
					fputc(field.data[k], out);
				}
				fputc('"', out);
			}
			if (i >= line.len)
				break;
			i++; /* the delimiter */
		}
		fputc('\n', out);
		(*rows)++;
	}
done:
	free(l);
	buf_free(&line);
	buf_free(&field);
	fclose(in);
	if (fclose(out) != 0 && rc == 0) {
		snprintf(why, whylen, "cannot stage COPY data");
		rc = -1;
	}
	if (rc == 0 && rename(tmp, path) != 0) {
		snprintf(why, whylen, "cannot stage COPY data");
		rc = -1;
	}
	if (rc < 0)
		unlink(tmp);
	return rc;
}

void pg_copy_done(struct pg_conn *c)
{
	if (!c->copy_file) {
		copy_in_end(c);
		pg_send_error(c, "ERROR", "58030", "could not write the COPY data", NULL, NULL, 0);
		pg_send_ready(c);
		return;
	}
	fclose(c->copy_file);
	c->copy_file = NULL;
	char why[300], state[6] = "58030";
	uint64_t rows = 0;
	if (normalise_copy(c->copy_path, &c->copy_opts, &rows, state, why, sizeof(why)) < 0) {
		copy_in_end(c);
		pg_send_error(c, "ERROR", state, why, NULL, NULL, 0);
		pg_send_ready(c);
		return;
	}
	buf sql;
	buf_init(&sql);
	buf_puts(&sql, c->copy_target);
	buf_puts(&sql, c->copy_read);
	buf_puts(&sql, ")");
	buf_putc(&sql, '\0');
	struct eng_error err = {0};
	struct eng_query *q = rows && !buf_failed(&sql) ? pg_begin_query(c, sql.data, NULL, 0, &err) : NULL;
	if (rows && !q) {
		pg_query_error(c, &err, NULL);
		if (c->txn == 'T')
			c->txn = 'E';
	} else {
		if (q)
			pg_end_query(c, q, NULL);
		char tag[48];
		snprintf(tag, sizeof(tag), "COPY %llu", (unsigned long long)rows);
		pg_command_complete(c, tag);
	}
	buf_free(&sql);
	copy_in_end(c);
	pg_send_ready(c);
}

/* COPY … TO STDOUT and COPY … FROM STDIN; other COPY statements go to the engine as they are.
 * Returns true when handled here. */
static bool pg_copy(struct pg_conn *c, const char *sql, size_t len, bool *failed)
{
	*failed = false;
	char w[16];
	size_t p = word(sql, len, 0, w, sizeof(w));
	if (strcmp(w, "COPY") != 0)
		return false;
	p = skip_ws(sql, len, p);
	size_t src_start = p, src_end;
	if (p < len && sql[p] == '(') { /* (query) */
		int depth = 0;
		size_t i = p;
		for (; i < len; i++) {
			if (sql[i] == '\'' || sql[i] == '"') {
				char q = sql[i];
				for (i++; i < len && sql[i] != q; i++)
					;
				continue;
			}
			if (sql[i] == '(')
				depth++;
			else if (sql[i] == ')' && --depth == 0)
				break;
		}
		if (i >= len)
			return false;
		src_end = i + 1;
	} else {
		/* table [(columns)] */
		size_t i = p;
		while (i < len && (isalnum((unsigned char)sql[i]) || sql[i] == '_' || sql[i] == '.' || sql[i] == '"'))
			i++;
		i = skip_ws(sql, len, i);
		if (i < len && sql[i] == '(') {
			while (i < len && sql[i] != ')')
				i++;
			i++;
		}
		src_end = i;
	}
	char dir[8], where[8];
	size_t q = word(sql, len, src_end, dir, sizeof(dir));
	q = word(sql, len, q, where, sizeof(where));
	bool to = !strcmp(dir, "TO") && !strcmp(where, "STDOUT");
	bool from = !strcmp(dir, "FROM") && !strcmp(where, "STDIN");
	if (!to && !from)
		return false;
	struct pg_copy_opts o;
	char why[200];
	if (copy_options(sql, len, q, &o, why, sizeof(why)) < 0) {
		pg_send_error(c, "ERROR", "42601", why, NULL, NULL, 0);
		*failed = true;
		return true;
	}
	if (from) {
		if (sql[src_start] == '(') {
			pg_send_error(c, "ERROR", "42601", "COPY FROM STDIN needs a table, not a query", NULL, NULL, 0);
			*failed = true;
			return true;
		}
		copy_in_start(c, sql + src_start, src_end - src_start, &o);
		*failed = c->phase != PG_COPY_IN;
		return true;
	}
	buf query;
	buf_init(&query);
	if (sql[src_start] == '(') {
		buf_append(&query, sql + src_start + 1, src_end - src_start - 2);
	} else {
		/* table (a, b) → SELECT a, b FROM table */
		const char *paren = memchr(sql + src_start, '(', src_end - src_start);
		buf_puts(&query, "SELECT ");
		if (paren)
			buf_append(&query, paren + 1, (size_t)(sql + src_end - 1 - paren - 1));
		else
			buf_putc(&query, '*');
		buf_puts(&query, " FROM ");
		buf_append(&query, sql + src_start, paren ? (size_t)(paren - sql - src_start) : src_end - src_start);
	}
	buf_putc(&query, '\0');
	if (!buf_failed(&query))
		copy_out(c, query.data, &o, sql);
	buf_free(&query);
	return true;
}

/* --- simple query ------------------------------------------------------------------------------ */

/* Statements handled here rather than by the engine; true when handled (ok or not). */
static bool intercept(struct pg_conn *c, const char *sql, size_t len, struct pg_portal *via, bool *failed)
{
	*failed = false;
	char w1[32];
	word(sql, len, 0, w1, sizeof(w1));
	if (!strcmp(w1, "SET") || !strcmp(w1, "RESET"))
		return pg_settings_statement(c, sql, len, failed);
	if (!strcmp(w1, "SHOW"))
		return pg_settings_show(c, sql, len, failed);
	if (!strcmp(w1, "COPY"))
		return pg_copy(c, sql, len, failed);
	switch (pg_sqlcmd_kind(sql, len)) {
	case PG_CMD_PREPARE: pg_prepare_statement(c, sql, len, failed); return true;
	case PG_CMD_DEALLOCATE: pg_deallocate(c, sql, len, failed); return true;
	case PG_CMD_DISCARD: pg_discard(c, sql, len, via, failed); return true;
	case PG_CMD_DECLARE: pg_cursor_declare(c, sql, len, via, failed); return true;
	case PG_CMD_FETCH: pg_cursor_fetch(c, sql, len, via, false, failed); return true;
	case PG_CMD_MOVE: pg_cursor_fetch(c, sql, len, via, true, failed); return true;
	case PG_CMD_CLOSE: pg_cursor_close(c, sql, len, failed); return true;
	case PG_CMD_EXECUTE: /* expanded before */
	case PG_CMD_NONE: break;
	}
	if (!strcmp(w1, "LISTEN") || !strcmp(w1, "UNLISTEN") || !strcmp(w1, "NOTIFY")) {
		pg_send_error(c, "ERROR", "0A000", "LISTEN and NOTIFY are not supported", NULL, NULL, 0);
		*failed = true;
		return true;
	}
	return false;
}

/* BEGIN [ISOLATION LEVEL …] [READ WRITE | READ ONLY] as DuckDB takes it. */
static bool plain_begin(const char *sql, size_t len, char *out, size_t outlen)
{
	char w1[32], w2[32];
	size_t p = word(sql, len, 0, w1, sizeof(w1));
	if (strcmp(w1, "BEGIN") != 0 && strcmp(w1, "START") != 0)
		return false;
	p = word(sql, len, p, w2, sizeof(w2));
	if (!strcmp(w1, "START") && strcmp(w2, "TRANSACTION") != 0)
		return false;
	snprintf(out, outlen, "BEGIN TRANSACTION");
	return true;
}

char *pg_statement_text(struct pg_conn *c, const char *sql, size_t len)
{
	(void)c;
	char *text = pg_compat_rewrite(sql, len);
	return text ? text : strndup(sql, len);
}

/* One statement of a simple Query: true when it succeeded. */
static bool run_simple_statement(struct pg_conn *c, const char *text, size_t len)
{
	struct stmt_head h;
	bool parsed = stmt_head_parse(text, len, &h) == 0;
	if (!parsed)
		memset(&h, 0, sizeof(h));
	if (c->txn == 'E' && !(parsed && (h.kind == STMT_COMMIT || h.kind == STMT_ROLLBACK))) {
		pg_send_error(c, "ERROR", "25P02", "current transaction is aborted, commands ignored until end of transaction block",
		              NULL, NULL, 0);
		return false;
	}
	char *sql = pg_statement_text(c, text, len);
	if (!sql) {
		pg_send_error(c, "ERROR", "53200", "out of memory", NULL, NULL, 0);
		return false;
	}
	len = strlen(sql);
	if (pg_sqlcmd_kind(sql, len) == PG_CMD_EXECUTE) {
		/* EXECUTE name(args): the prepared statement runs in its place */
		char state[6], msg[300];
		char *expanded = pg_prepare_expand(c, sql, state, msg, sizeof(msg));
		free(sql);
		if (!expanded) {
			pg_send_error(c, "ERROR", state, msg, NULL, NULL, 0);
			after_statement(c, &h, false);
			return false;
		}
		sql = expanded;
		len = strlen(sql);
		parsed = stmt_head_parse(sql, len, &h) == 0;
		if (!parsed)
			memset(&h, 0, sizeof(h));
	}
	bool failed = false;
	if (intercept(c, sql, len, NULL, &failed)) {
		free(sql);
		after_statement(c, &h, !failed);
		return !failed;
	}
	char begin[32];
	bool rolled_back_commit = false;
	if (plain_begin(sql, len, begin, sizeof(begin))) {
		free(sql);
		sql = strdup(begin);
	} else if (c->txn == 'E' && h.kind == STMT_COMMIT) {
		/* COMMIT of a failed transaction rolls it back, as PostgreSQL does */
		free(sql);
		sql = strdup("ROLLBACK");
		rolled_back_commit = true;
	}
	if (!sql) {
		pg_send_error(c, "ERROR", "53200", "out of memory", NULL, NULL, 0);
		return false;
	}
	struct eng_error err = {0};
	struct eng_query *q = pg_begin_query(c, sql, NULL, 0, &err);
	if (!q) {
		pg_query_error(c, &err, sql);
		after_statement(c, &h, false);
		free(sql);
		return false;
	}
	char tag[64];
	bool ok = true;
	duckdb_result_type rt = engine_query_result_type(q);
	if (parsed && is_dml(h.kind)) {
		int64_t n = changed_rows(q, &err);
		dml_tag(h.kind, n, tag, sizeof(tag));
	} else if (rt == DUCKDB_RESULT_TYPE_QUERY_RESULT && !(parsed && h.kind == STMT_CREATE_TABLE_AS)) {
		struct pg_portal p = {0};
		p.q = q;
		p.ncols = engine_query_column_count(q);
		if (pg_query_row_description(c, q, NULL, 0, &p.cols, true) < 0) {
			err.status = ENG_INTERNAL;
			snprintf(err.message, sizeof(err.message), "out of memory");
			ok = false;
		}
		bool more = false;
		const struct tz *zone = tz_get(engine_session_timezone(c->s));
		if (ok && pg_send_rows(c, &p, zone, 0, &more, &err) < 0)
			ok = false;
		if (p.chunk)
			duckdb_destroy_data_chunk(&p.chunk);
		for (idx_t i = 0; p.cols && i < p.ncols; i++)
			pg_column_free(&p.cols[i]);
		free(p.cols);
		snprintf(tag, sizeof(tag), "SELECT %llu", (unsigned long long)p.rows);
	} else if (parsed && h.kind == STMT_CREATE_TABLE_AS) {
		snprintf(tag, sizeof(tag), "SELECT 0");
	} else {
		ddl_tag(sql, strlen(sql), tag, sizeof(tag));
	}
	pg_end_query(c, q, ok ? NULL : err.message);
	if (!ok) {
		pg_query_error(c, &err, sql);
		after_statement(c, &h, false);
		free(sql);
		return false;
	}
	pg_command_complete(c, rolled_back_commit ? "ROLLBACK" : tag);
	after_statement(c, &h, true);
	free(sql);
	return true;
}

static bool simple_statement(struct pg_conn *c, const char *text, size_t len)
{
	char what[PG_STMTLOG_PREFIX + 8];
	pg_stmtlog_text(text, len, what);
	int64_t start = clock_mono_us();
	pg_stmtlog_begin(c);
	bool ok = run_simple_statement(c, text, len);
	pg_stmtlog_end(c, "simple", what, start);
	return ok;
}

void pg_simple_query(struct pg_conn *c, const char *sql)
{
	size_t len = strlen(sql);
	size_t n = sql_split(sql, len, NULL, 0);
	struct sql_span stack[16];
	struct sql_span *spans = n <= 16 ? stack : calloc(n, sizeof(*spans));
	if (!spans) {
		pg_send_error(c, "ERROR", "53200", "out of memory", NULL, NULL, 0);
		pg_send_ready(c);
		return;
	}
	sql_split(sql, len, spans, n);
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if (!spans[i].len)
			continue;
		any = true;
		if (!simple_statement(c, sql + spans[i].start, spans[i].len) || c->phase == PG_COPY_IN)
			break;
	}
	if (spans != stack)
		free(spans);
	if (!any) {
		size_t m = pgw_begin(&c->out, 'I');
		pgw_end(&c->out, m);
	}
	if (c->phase != PG_COPY_IN)
		pg_send_ready(c);
}

/* --- extended protocol ------------------------------------------------------------------------- */

static int ensure_described(struct pg_conn *c, struct pg_stmt *st)
{
	if (st->described)
		return 0;
	struct eng_error err = {0};
	/* SET/SHOW/COPY and the like are handled here: they describe as returning nothing (SHOW: one
	 * text column) */
	char w1[16];
	word(st->sql, strlen(st->sql), 0, w1, sizeof(w1));
	enum pg_cmd cmd = pg_sqlcmd_kind(st->sql, strlen(st->sql));
	if (!strcmp(w1, "SET") || !strcmp(w1, "RESET") || !strcmp(w1, "COPY") || !strcmp(w1, "BEGIN") ||
	    !strcmp(w1, "START") || !strcmp(w1, "COMMIT") || !strcmp(w1, "ROLLBACK") || !strcmp(w1, "END") ||
	    !strcmp(w1, "ABORT") || (cmd != PG_CMD_NONE && cmd != PG_CMD_EXECUTE && cmd != PG_CMD_FETCH)) {
		st->described = true;
		return 0;
	}
	const char *show[3];
	int nshow = pg_settings_show_columns(st->sql, strlen(st->sql), show, 3);
	if (nshow > 0) {
		st->desc.ncols = (idx_t)nshow;
		st->desc.names = calloc((size_t)nshow, sizeof(char *));
		st->desc.types = calloc((size_t)nshow, sizeof(duckdb_logical_type));
		if (!st->desc.names || !st->desc.types)
			return -1;
		for (int i = 0; i < nshow; i++) {
			st->desc.names[i] = strdup(show[i]);
			st->desc.types[i] = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
		}
		st->described = true;
		return 0;
	}
	if (cmd == PG_CMD_FETCH) { /* described from the cursor when the statement is */
		st->described = true;
		return 0;
	}
	char *expanded = NULL;
	if (cmd == PG_CMD_EXECUTE) {
		char state[6], msg[300];
		if (!(expanded = pg_prepare_expand(c, st->sql, state, msg, sizeof(msg)))) {
			pg_send_error(c, "ERROR", state, msg, NULL, NULL, 0);
			c->skip_to_sync = true;
			if (c->txn == 'T')
				c->txn = 'E';
			return -1;
		}
	}
	int drc = engine_describe(c->s, expanded ? expanded : st->sql, &st->desc, &err);
	free(expanded);
	if (drc < 0) {
		pg_send_engine_error(c, &err, st->sql);
		c->skip_to_sync = true;
		if (c->txn == 'T')
			c->txn = 'E';
		return -1;
	}
	st->described = true;
	return 0;
}

void pg_describe_statement(struct pg_conn *c, struct pg_stmt *st)
{
	if (ensure_described(c, st) < 0)
		return;
	size_t m = pgw_begin(&c->out, 't');
	idx_t n = st->desc.nparams > (idx_t)st->noids ? st->desc.nparams : (idx_t)st->noids;
	pgw_int16(&c->out, (int16_t)n);
	for (idx_t i = 0; i < n; i++) {
		int32_t oid = i < (idx_t)st->noids && st->oids[i] ? st->oids[i]
		              : i < st->desc.nparams ? pg_oid_of_type_id(st->desc.param_types[i])
		                                     : PG_OID_TEXT;
		pgw_int32(&c->out, oid);
	}
	pgw_end(&c->out, m);
	if (st->desc.ncols == 0 && !pg_cursor_describe_fetch(c, st->sql, NULL, 0)) {
		m = pgw_begin(&c->out, 'n');
		pgw_end(&c->out, m);
		return;
	}
	row_description(c, st->desc.ncols, (const char *const *)st->desc.names, st->desc.types, NULL, 0, NULL, true);
}

void pg_portal_close(struct pg_conn *c, struct pg_portal *p)
{
	if (p->chunk)
		duckdb_destroy_data_chunk(&p->chunk);
	p->chunk = NULL;
	for (idx_t i = 0; p->cols && i < p->ncols; i++)
		pg_column_free(&p->cols[i]);
	free(p->cols);
	p->cols = NULL;
	if (p->q) {
		pg_end_query(c, p->q, NULL);
		p->q = NULL;
	}
}

static void portal_fail(struct pg_conn *c, struct pg_portal *p, struct eng_error *err, const char *sql)
{
	pg_portal_close(c, p);
	pg_query_error(c, err, sql);
	c->skip_to_sync = true;
	if (c->txn == 'T')
		c->txn = 'E';
	p->done = true;
}

/* Statements answered here rather than by the engine (SET, SHOW, COPY, …). */
static bool intercepted(const char *sql)
{
	char w1[16];
	size_t len = strlen(sql);
	word(sql, len, 0, w1, sizeof(w1));
	const char *show[3];
	enum pg_cmd cmd = pg_sqlcmd_kind(sql, len);
	if (cmd != PG_CMD_NONE && cmd != PG_CMD_EXECUTE)
		return true;
	return !strcmp(w1, "SET") || !strcmp(w1, "RESET") || !strcmp(w1, "COPY") ||
	       (!strcmp(w1, "SHOW") && pg_settings_show_columns(sql, len, show, 3) > 0) ||
	       !strcmp(w1, "LISTEN") || !strcmp(w1, "UNLISTEN") || !strcmp(w1, "NOTIFY");
}

/* Runs the portal's statement: a query stays open for its rows; anything else finishes and leaves
 * its CommandComplete tag for Execute. -1 after an error was sent. */
static int portal_start(struct pg_conn *c, struct pg_portal *p)
{
	struct stmt_head h;
	bool parsed = stmt_head_parse(p->sql, strlen(p->sql), &h) == 0;
	if (!parsed)
		memset(&h, 0, sizeof(h));
	p->started = true;
	if (c->txn == 'E' && !(parsed && (h.kind == STMT_COMMIT || h.kind == STMT_ROLLBACK))) {
		pg_send_error(c, "ERROR", "25P02", "current transaction is aborted, commands ignored until end of transaction block",
		              NULL, NULL, 0);
		c->skip_to_sync = true;
		p->done = true;
		return -1;
	}
	size_t len = strlen(p->sql);
	char begin[32];
	const char *sql = plain_begin(p->sql, len, begin, sizeof(begin)) ? begin : p->sql;
	bool rolled = false;
	if (c->txn == 'E' && h.kind == STMT_COMMIT) {
		sql = "ROLLBACK";
		rolled = true;
	}
	struct eng_error err = {0};
	p->q = pg_begin_query(c, sql, p->params, p->nparams, &err);
	if (!p->q) {
		pg_query_error(c, &err, p->sql);
		after_statement(c, &h, false);
		c->skip_to_sync = true;
		p->done = true;
		return -1;
	}
	duckdb_result_type rt = engine_query_result_type(p->q);
	if (parsed && is_dml(h.kind)) {
		dml_tag(h.kind, changed_rows(p->q, &err), p->tag, sizeof(p->tag));
		pg_portal_close(c, p);
		after_statement(c, &h, true);
		return 0;
	}
	if (rt != DUCKDB_RESULT_TYPE_QUERY_RESULT || (parsed && h.kind == STMT_CREATE_TABLE_AS)) {
		if (parsed && h.kind == STMT_CREATE_TABLE_AS)
			snprintf(p->tag, sizeof(p->tag), "SELECT 0");
		else
			ddl_tag(sql, strlen(sql), p->tag, sizeof(p->tag));
		if (rolled)
			snprintf(p->tag, sizeof(p->tag), "ROLLBACK");
		pg_portal_close(c, p);
		after_statement(c, &h, true);
		return 0;
	}
	p->ncols = engine_query_column_count(p->q);
	if (pg_query_row_description(c, p->q, p->formats, p->nformats, &p->cols, false) < 0) {
		struct eng_error oom = {.status = ENG_INTERNAL};
		snprintf(oom.message, sizeof(oom.message), "out of memory");
		portal_fail(c, p, &oom, NULL);
		return -1;
	}
	pg_set_running(c, NULL); /* runs again while its rows are sent */
	return 0;
}

void pg_describe_portal(struct pg_conn *c, struct pg_portal *p)
{
	if (p->cursor) {
		pg_cursor_describe_portal(c, p);
		p->describe_sent = true;
		return;
	}
	if (!p->started && intercepted(p->sql)) {
		if (pg_cursor_describe_fetch(c, p->sql, p->formats, p->nformats)) {
			p->describe_sent = true;
			return;
		}
		struct pg_stmt st = {.sql = p->sql};
		if (ensure_described(c, &st) < 0)
			return;
		if (st.desc.ncols == 0) {
			size_t m = pgw_begin(&c->out, 'n');
			pgw_end(&c->out, m);
		} else {
			row_description(c, st.desc.ncols, (const char *const *)st.desc.names, st.desc.types, p->formats,
			                p->nformats, NULL, true);
		}
		engine_description_free(&st.desc);
		p->describe_sent = true;
		return;
	}
	/* DuckDB settles a result's columns only once the parameters are known: the statement runs
	 * now, and Execute sends what it produced */
	if (!p->started && portal_start(c, p) < 0)
		return;
	if (p->q) {
		pg_query_row_description(c, p->q, p->formats, p->nformats, NULL, true);
	} else {
		size_t m = pgw_begin(&c->out, 'n');
		pgw_end(&c->out, m);
	}
	p->describe_sent = true;
}

static void execute_portal(struct pg_conn *c, struct pg_portal *p, int32_t max_rows)
{
	bool own = p->cursor || (!p->started && intercepted(p->sql)); /* answered here, not by the engine */
	if (own && c->txn == 'E') {
		pg_send_error(c, "ERROR", "25P02", "current transaction is aborted, commands ignored until end of transaction block",
		              NULL, NULL, 0);
		c->skip_to_sync = true;
		p->started = p->done = true;
		return;
	}
	if (p->cursor) {
		pg_cursor_execute(c, p, max_rows);
		return;
	}
	if (own) {
		struct stmt_head h;
		bool parsed = stmt_head_parse(p->sql, strlen(p->sql), &h) == 0;
		if (!parsed)
			memset(&h, 0, sizeof(h));
		bool failed = false;
		c->extended = true;
		bool handled = intercept(c, p->sql, strlen(p->sql), p, &failed);
		c->extended = false;
		if (handled) {
			p->started = p->done = true;
			after_statement(c, &h, !failed);
			if (failed)
				c->skip_to_sync = true;
			return;
		}
	}
	if (!p->started && portal_start(c, p) < 0)
		return;
	if (p->done && !p->q && !p->tag[0])
		return; /* failed before: the error was sent */
	if (!p->q) {
		if (p->tag[0]) {
			pg_command_complete(c, p->tag);
			p->tag[0] = '\0';
		} else {
			pg_command_complete(c, "SELECT 0");
		}
		p->done = true;
		return;
	}
	struct eng_error err = {0};
	bool more = false;
	const struct tz *zone = tz_get(engine_session_timezone(c->s));
	pg_set_running(c, p->q);
	int rc = pg_send_rows(c, p, zone, max_rows > 0 ? (uint64_t)max_rows : 0, &more, &err);
	if (rc < 0) {
		portal_fail(c, p, &err, p->sql);
		return;
	}
	if (more) {
		size_t m = pgw_begin(&c->out, 's');
		pgw_end(&c->out, m);
		pg_set_running(c, NULL);
		return;
	}
	char tag[48];
	snprintf(tag, sizeof(tag), "SELECT %llu", (unsigned long long)p->rows);
	pg_portal_close(c, p);
	p->done = true;
	pg_command_complete(c, tag);
}

void pg_execute_portal(struct pg_conn *c, struct pg_portal *p, int32_t max_rows)
{
	char what[PG_STMTLOG_PREFIX + 8];
	pg_stmtlog_text(p->sql, strlen(p->sql), what);
	int64_t start = p->bound_us ? p->bound_us : clock_mono_us();
	p->bound_us = 0;
	pg_stmtlog_begin(c);
	execute_portal(c, p, max_rows); /* may free p */
	pg_stmtlog_end(c, "extended", what, start);
}
