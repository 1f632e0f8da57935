/* Result printer of the command-line client. It never converts a value: numbers, booleans and
 * nested values are copied as the server's JSON text, strings are only unescaped. */
#include "cli/output.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

bool cli_out_parse_format(const char *name, enum cli_format *format)
{
	static const char *const names[] = {"table", "csv", "json", "ndjson"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i])) {
			*format = (enum cli_format)i;
			return true;
		}
	return false;
}

void cli_out_init(struct cli_out *o, enum cli_format format, FILE *f)
{
	memset(o, 0, sizeof(*o));
	o->format = format;
	o->f = f;
	buf_init(&o->names);
	buf_init(&o->held);
	buf_init(&o->cell);
}

static void reset_result(struct cli_out *o)
{
	o->lines = 0;
	o->ncols = 0;
	buf_reset(&o->names);
	free(o->name_at);
	o->name_at = NULL;
	o->nrows = 0;
	free(o->error);
	o->error = NULL;
	o->malformed = false;
	o->sized = false;
	free(o->width);
	o->width = NULL;
	buf_reset(&o->held);
	o->nheld = 0;
	o->discard = false;
}

void cli_out_free(struct cli_out *o)
{
	reset_result(o);
	buf_free(&o->names);
	buf_free(&o->held);
	buf_free(&o->cell);
	free(o->items);
}

void cli_out_begin(struct cli_out *o) { reset_result(o); }

static const char *col_name(const struct cli_out *o, size_t c) { return o->names.data + o->name_at[c]; }

/* Characters on screen, counted as UTF-8 code points. */
static size_t text_width(const char *s, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len; i++)
		w += ((unsigned char)s[i] & 0xC0) != 0x80;
	return w;
}

/* The text of a cell for the table (NULL shown) or CSV (NULL empty) into o->cell. */
static void cell_text(struct cli_out *o, const char *line, const struct cli_json_span *v)
{
	buf_reset(&o->cell);
	if (v->kind == CLI_JSON_NULL) {
		if (o->format == CLI_FORMAT_TABLE)
			buf_puts(&o->cell, "NULL");
	} else if (v->kind == CLI_JSON_STRING) {
		cli_json_unescape(line, v, &o->cell);
	} else {
		buf_append(&o->cell, line + v->start, v->len);
	}
}

static void put_csv_field(FILE *f, const char *s, size_t len)
{
	if (!memchr(s, ',', len) && !memchr(s, '"', len) && !memchr(s, '\r', len) && !memchr(s, '\n', len)) {
		fwrite(s, 1, len, f);
		return;
	}
	putc('"', f);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			putc('"', f);
		putc(s[i], f);
	}
	putc('"', f);
}

static void put_padded(FILE *f, const char *s, size_t len, size_t width)
{
	fwrite(s, 1, len, f);
	for (size_t w = text_width(s, len); w < width; w++)
		putc(' ', f);
}

static void print_table_header(struct cli_out *o)
{
	for (size_t c = 0; c < o->ncols; c++) {
		fputs(c ? " | " : " ", o->f);
		put_padded(o->f, col_name(o, c), strlen(col_name(o, c)), o->width[c]);
	}
	putc('\n', o->f);
	for (size_t c = 0; c < o->ncols; c++) {
		if (c)
			putc('+', o->f);
		for (size_t k = 0; k < o->width[c] + (c + 1 == o->ncols ? 1 : 2); k++)
			putc('-', o->f);
	}
	putc('\n', o->f);
}

/* Parses a row into o->items; false (and the result marked malformed) when it is not an array of
 * one value per column. */
static bool row_items(struct cli_out *o, const char *line, size_t len)
{
	long n = cli_json_array(line, len, &o->items, &o->items_cap);
	if (n < 0 || (size_t)n != o->ncols) {
		o->malformed = true;
		return false;
	}
	return true;
}

/* A later row wider than the sample keeps its whole text and pushes the rest of its line right. */
static void print_table_row(struct cli_out *o, const char *line, size_t len)
{
	if (!row_items(o, line, len))
		return;
	for (size_t c = 0; c < o->ncols; c++) {
		cell_text(o, line, &o->items[c]);
		fputs(c ? " | " : " ", o->f);
		put_padded(o->f, o->cell.data ? o->cell.data : "", o->cell.len, o->width[c]);
	}
	putc('\n', o->f);
}

static void flush_held(struct cli_out *o)
{
	print_table_header(o);
	for (size_t at = 0, k = 0; k < o->nheld; k++) {
		const char *row = o->held.data + at;
		size_t len = strlen(row);
		print_table_row(o, row, len);
		at += len + 1;
	}
	buf_reset(&o->held);
	o->nheld = 0;
	o->sized = true;
}

static void hold_row(struct cli_out *o, const char *line, size_t len)
{
	if (!row_items(o, line, len))
		return;
	for (size_t c = 0; c < o->ncols; c++) {
		cell_text(o, line, &o->items[c]);
		size_t w = text_width(o->cell.data ? o->cell.data : "", o->cell.len);
		if (w > o->width[c])
			o->width[c] = w;
	}
	/* A row is JSON text, so it holds no NUL byte and can be stored NUL-terminated. */
	buf_append(&o->held, line, len);
	buf_putc(&o->held, '\0');
	if (buf_failed(&o->held)) {
		o->malformed = true;
		return;
	}
	if (++o->nheld >= CLI_TABLE_SAMPLE_ROWS || o->held.len >= CLI_TABLE_SAMPLE_BYTES)
		flush_held(o);
}

/* One row as a JSON object {"column": value, …}, values copied as received. */
static void print_object_row(struct cli_out *o, const char *line, size_t len)
{
	if (!row_items(o, line, len))
		return;
	buf_reset(&o->cell);
	buf_putc(&o->cell, '{');
	for (size_t c = 0; c < o->ncols; c++) {
		if (c)
			buf_putc(&o->cell, ',');
		jw_cstring(&o->cell, col_name(o, c));
		buf_putc(&o->cell, ':');
		buf_append(&o->cell, line + o->items[c].start, o->items[c].len);
	}
	buf_putc(&o->cell, '}');
	if (o->format == CLI_FORMAT_JSON)
		fputs(o->nrows ? ",\n" : "[\n", o->f);
	fwrite(o->cell.data, 1, o->cell.len, o->f);
	if (o->format == CLI_FORMAT_NDJSON)
		putc('\n', o->f);
}

static void print_csv_row(struct cli_out *o, const char *line, size_t len)
{
	if (!row_items(o, line, len))
		return;
	for (size_t c = 0; c < o->ncols; c++) {
		if (c)
			putc(',', o->f);
		cell_text(o, line, &o->items[c]);
		put_csv_field(o->f, o->cell.data ? o->cell.data : "", o->cell.len);
	}
	putc('\n', o->f);
}

static void handle_row(struct cli_out *o, const char *line, size_t len)
{
	if (o->discard)
		return;
	switch (o->format) {
	case CLI_FORMAT_TABLE:
		if (o->sized)
			print_table_row(o, line, len);
		else
			hold_row(o, line, len);
		break;
	case CLI_FORMAT_CSV:
		print_csv_row(o, line, len);
		break;
	case CLI_FORMAT_JSON:
	case CLI_FORMAT_NDJSON:
		print_object_row(o, line, len);
		break;
	}
	o->nrows++;
}

static void handle_columns(struct cli_out *o, const char *line, size_t len)
{
	long n = cli_json_array(line, len, &o->items, &o->items_cap);
	if (n < 0) {
		o->malformed = true;
		return;
	}
	o->ncols = (size_t)n;
	o->name_at = calloc(o->ncols + 1, sizeof(size_t));
	o->width = calloc(o->ncols + 1, sizeof(size_t));
	if (!o->name_at || !o->width) {
		o->malformed = true;
		return;
	}
	for (size_t c = 0; c < o->ncols; c++) {
		if (o->items[c].kind != CLI_JSON_STRING) {
			o->malformed = true;
			return;
		}
		o->name_at[c] = o->names.len;
		buf_reset(&o->cell);
		cli_json_unescape(line, &o->items[c], &o->cell);
		/* A name with a NUL byte is cut there: names are kept as C strings. */
		size_t nlen = o->cell.len && o->cell.data ? strnlen(o->cell.data, o->cell.len) : 0;
		buf_append(&o->names, o->cell.data, nlen);
		buf_putc(&o->names, '\0');
		o->width[c] = text_width(o->cell.data ? o->cell.data : "", nlen);
	}
	if (buf_failed(&o->names)) {
		o->malformed = true;
		return;
	}
	if (o->format == CLI_FORMAT_CSV) {
		for (size_t c = 0; c < o->ncols; c++) {
			if (c)
				putc(',', o->f);
			put_csv_field(o->f, col_name(o, c), strlen(col_name(o, c)));
		}
		putc('\n', o->f);
	}
}

/* The message of an {"error": …} line (the line is a JSON object), or NULL when it has none. */
static char *error_message(const char *line, size_t len)
{
	json_t *v = json_loadb(line, len, 0, NULL);
	json_t *e = json_object_get(v, "error");
	char *msg = e ? strdup(json_is_string(e) ? json_string_value(e) : "query failed") : NULL;
	json_decref(v);
	return msg;
}

void cli_out_line(struct cli_out *o, const char *line, size_t len)
{
	if (o->malformed || o->error)
		return;
	int index = o->lines++;
	struct cli_json_span v;
	size_t end = cli_json_value(line, len, 0, &v);
	while (end && end < len && (line[end] == ' ' || line[end] == '\t' || line[end] == '\r'))
		end++;
	if (!end || end != len) {
		o->malformed = true;
		return;
	}
	if (index == 0) {
		o->malformed = v.kind != CLI_JSON_OBJECT;
	} else if (v.kind == CLI_JSON_OBJECT) {
		o->error = error_message(line, len);
		o->malformed = !o->error;
	} else if (v.kind != CLI_JSON_ARRAY) {
		o->malformed = true;
	} else if (index == 1) {
		handle_columns(o, line, len);
	} else {
		handle_row(o, line, len);
	}
}

void cli_out_end(struct cli_out *o)
{
	if (o->lines < 2 && !o->error)
		o->malformed = true;
	if (o->format == CLI_FORMAT_JSON && o->lines >= 2)
		fputs(o->nrows ? "\n]\n" : "[]\n", o->f);
	if (o->format == CLI_FORMAT_TABLE && o->name_at && !o->error && !o->malformed && !o->discard) {
		bool success_only = o->ncols == 1 && o->nrows == 0 && !strcmp(col_name(o, 0), "Success");
		if (!(success_only && o->quiet_success)) {
			if (!o->sized)
				flush_held(o);
			fprintf(o->f, "(%zu row%s)\n", o->nrows, o->nrows == 1 ? "" : "s");
		}
	}
	fflush(o->f);
}
