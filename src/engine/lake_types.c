/* How managed tables' column types are stored. Parquet has no 128-bit integers (DuckDB would write
 * HUGEINT as DOUBLE and lose digits), keeps TIME WITH TIME ZONE only as UTC (the offset is lost)
 * and INTERVAL in milliseconds (microseconds are lost), so those are stored as text wherever they
 * appear — at the top level or inside lists,
 * arrays, structs and maps — and cast back by the table's view. A UNION holding one cannot be cast
 * member-wise, so such a type is refused when the table is created. The type text parsed here is
 * DuckDB's own spelling (from duckdb_columns()), not user input. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/engine_internal.h"

struct type_reader {
	const char *s;
	size_t pos, len;
	buf *out;
	bool changed;
	bool in_union;   /* inside a UNION's members */
	bool union_text; /* a UNION member needs text storage */
	int depth;
};

static void skip_space(struct type_reader *r)
{
	while (r->pos < r->len && isspace((unsigned char)r->s[r->pos]))
		r->pos++;
}

/* Copies a quoted run ('…' or "…", doubled quotes inside) verbatim. */
static int copy_quoted(struct type_reader *r)
{
	char q = r->s[r->pos];
	size_t start = r->pos++;
	while (r->pos < r->len) {
		if (r->s[r->pos] == q) {
			if (r->pos + 1 < r->len && r->s[r->pos + 1] == q) {
				r->pos += 2;
				continue;
			}
			r->pos++;
			buf_append(r->out, r->s + start, r->pos - start);
			return 0;
		}
		r->pos++;
	}
	return -1;
}

/* A parenthesised group copied as it is (DECIMAL(18,3), ENUM('a', 'b')). */
static int copy_group(struct type_reader *r)
{
	int depth = 0;
	while (r->pos < r->len) {
		char c = r->s[r->pos];
		if (c == '\'' || c == '"') {
			if (copy_quoted(r) < 0)
				return -1;
			continue;
		}
		buf_putc(r->out, c);
		r->pos++;
		if (c == '(')
			depth++;
		else if (c == ')' && --depth == 0)
			return 0;
	}
	return -1;
}

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '_'; }

static int read_type(struct type_reader *r);

/* name type, for STRUCT fields and UNION members. */
static int read_field(struct type_reader *r)
{
	skip_space(r);
	if (r->pos >= r->len)
		return -1;
	if (r->s[r->pos] == '"') {
		if (copy_quoted(r) < 0)
			return -1;
	} else {
		size_t start = r->pos;
		while (r->pos < r->len && word_char(r->s[r->pos]))
			r->pos++;
		if (r->pos == start)
			return -1;
		buf_append(r->out, r->s + start, r->pos - start);
	}
	buf_putc(r->out, ' ');
	return read_type(r);
}

/* (item, item, …) where each item is a field (named) or a type. */
static int read_list(struct type_reader *r, bool named)
{
	skip_space(r);
	if (r->pos >= r->len || r->s[r->pos] != '(')
		return -1;
	r->pos++;
	buf_putc(r->out, '(');
	for (;;) {
		if ((named ? read_field(r) : read_type(r)) < 0)
			return -1;
		skip_space(r);
		if (r->pos >= r->len)
			return -1;
		char c = r->s[r->pos++];
		if (c == ')') {
			buf_putc(r->out, ')');
			return 0;
		}
		if (c != ',')
			return -1;
		buf_puts(r->out, ", ");
	}
}

static int read_type(struct type_reader *r)
{
	if (++r->depth > 64)
		return -1;
	skip_space(r);
	/* the base type's words, up to a delimiter */
	char words[128];
	size_t n = 0;
	while (r->pos < r->len) {
		char c = r->s[r->pos];
		if (c == '(' || c == ')' || c == '[' || c == ']' || c == ',')
			break;
		if (isspace((unsigned char)c)) {
			/* keep one space between words, none at the end */
			skip_space(r);
			if (r->pos < r->len && word_char(r->s[r->pos]) && n && n + 1 < sizeof(words))
				words[n++] = ' ';
			continue;
		}
		if (!word_char(c) || n + 1 >= sizeof(words))
			return -1;
		words[n++] = c;
		r->pos++;
	}
	words[n] = '\0';
	if (!n)
		return -1;
	bool paren = r->pos < r->len && r->s[r->pos] == '(';
	if (!strcasecmp(words, "STRUCT") && paren) {
		buf_puts(r->out, "STRUCT");
		if (read_list(r, true) < 0)
			return -1;
	} else if (!strcasecmp(words, "UNION") && paren) {
		buf_puts(r->out, "UNION");
		bool outer = r->in_union;
		r->in_union = true;
		if (read_list(r, true) < 0)
			return -1;
		r->in_union = outer;
	} else if (!strcasecmp(words, "MAP") && paren) {
		buf_puts(r->out, "MAP");
		if (read_list(r, false) < 0)
			return -1;
	} else if (!strcasecmp(words, "HUGEINT") || !strcasecmp(words, "UHUGEINT") || !strcasecmp(words, "INT128") ||
	           !strcasecmp(words, "UINT128") || !strcasecmp(words, "TIMETZ") ||
	           !strcasecmp(words, "TIME WITH TIME ZONE") || !strcasecmp(words, "INTERVAL")) {
		buf_puts(r->out, "VARCHAR");
		r->changed = true;
		if (r->in_union)
			r->union_text = true;
	} else {
		buf_puts(r->out, words);
		if (paren && copy_group(r) < 0)
			return -1;
	}
	/* list and array suffixes: [] and [n] */
	for (;;) {
		skip_space(r);
		if (r->pos >= r->len || r->s[r->pos] != '[')
			break;
		size_t close = r->pos;
		while (close < r->len && r->s[close] != ']')
			close++;
		if (close >= r->len)
			return -1;
		buf_append(r->out, r->s + r->pos, close + 1 - r->pos);
		r->pos = close + 1;
	}
	r->depth--;
	return 0;
}

int eng_lake_physical_type(const char *declared, buf *out, bool *changed, bool *union_text)
{
	struct type_reader r = {declared, 0, strlen(declared), out, false, false, false, 0};
	size_t start = out->len;
	int rc = read_type(&r);
	skip_space(&r);
	if (rc < 0 || r.pos != r.len || buf_failed(out)) {
		/* not a type text we know how to read: store it as DuckDB writes it */
		out->len = start;
		buf_puts(out, declared);
		*changed = *union_text = false;
		return -1;
	}
	*changed = r.changed;
	*union_text = r.union_text;
	return 0;
}

bool eng_lake_type_exact(const char *declared)
{
	buf b;
	buf_init(&b);
	bool changed = false, union_text = false;
	eng_lake_physical_type(declared, &b, &changed, &union_text);
	buf_free(&b);
	return !changed;
}

void eng_lake_schema_select(buf *b, const struct lake_column *cols, size_t ncols)
{
	buf_puts(b, "SELECT ");
	for (size_t i = 0; i < ncols; i++) {
		bool changed, union_text;
		buf_printf(b, "%sCAST(NULL AS ", i ? ", " : "");
		eng_lake_physical_type(cols[i].type, b, &changed, &union_text);
		buf_printf(b, ") AS \"c%lld\"", (long long)cols[i].id);
	}
	buf_puts(b, " LIMIT 0");
}
