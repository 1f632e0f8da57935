/* The lexical pass over PostgreSQL clients' statements: it only touches identifiers and literals
 * outside strings, quoted names and comments, never reading past the statement. */
#include "pg/pg_rewrite.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80; }

size_t pg_skip_literal(const char *s, size_t len, size_t i)
{
	char c = s[i];
	if (c == '\'' || c == '"') {
		bool backslash = c == '\'' && i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') &&
		                 (i < 2 || !ident_char(s[i - 2]));
		for (size_t j = i + 1; j < len; j++) {
			if (backslash && s[j] == '\\') {
				j++;
				continue;
			}
			if (s[j] == c) {
				if (j + 1 < len && s[j + 1] == c) {
					j++;
					continue;
				}
				return j + 1;
			}
		}
		return len;
	}
	if (c == '-' && i + 1 < len && s[i + 1] == '-') {
		const char *nl = memchr(s + i, '\n', len - i);
		return nl ? (size_t)(nl - s) : len;
	}
	if (c == '/' && i + 1 < len && s[i + 1] == '*') {
		for (size_t j = i + 2; j + 1 < len; j++)
			if (s[j] == '*' && s[j + 1] == '/')
				return j + 2;
		return len;
	}
	if (c == '$' && (i == 0 || !ident_char(s[i - 1]))) {
		size_t t = i + 1;
		while (t < len && (isalnum((unsigned char)s[t]) || s[t] == '_'))
			t++;
		if (t < len && s[t] == '$') {
			size_t tag = t + 1 - i;
			for (size_t k = t + 1; k + tag <= len; k++)
				if (!memcmp(s + k, s + i, tag))
					return k + tag;
			return len;
		}
	}
	return i;
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	return i;
}

/* A pg_catalog qualifier at i (pg_catalog or "pg_catalog", then '.'): where the name after it starts. */
static size_t qualifier_end(const char *s, size_t len, size_t i)
{
	size_t e;
	if (i >= len)
		return 0;
	if (s[i] == '"') {
		if (len - i < 12 || strncmp(s + i, "\"pg_catalog\"", 12) != 0)
			return 0;
		e = i + 12;
	} else {
		if (len - i < 10 || strncasecmp(s + i, "pg_catalog", 10) != 0 || (i + 10 < len && ident_char(s[i + 10])))
			return 0;
		e = i + 10;
	}
	e = skip_space(s, len, e);
	if (e >= len || s[e] != '.')
		return 0;
	return skip_space(s, len, e + 1);
}

/* One array (at s[*i] == '{') of PostgreSQL's array input syntax, as DuckDB's list text (elem:
 * scratch space for one element). */
static bool array_text(const char *s, size_t len, size_t *i, buf *out, buf *elem, int depth)
{
	if (depth > 6)
		return false;
	buf_putc(out, '[');
	size_t k = skip_space(s, len, *i + 1);
	if (k < len && s[k] == '}') {
		buf_putc(out, ']');
		*i = k + 1;
		return true;
	}
	for (;;) {
		k = skip_space(s, len, k);
		if (k >= len)
			return false;
		if (s[k] == '{') {
			if (!array_text(s, len, &k, out, elem, depth + 1))
				return false;
		} else if (s[k] == '"') {
			/* DuckDB reads \" and \\ inside quotes as PostgreSQL does */
			buf_putc(out, '"');
			for (k++; k < len && s[k] != '"'; k++) {
				if (s[k] == '\\' && k + 1 < len)
					buf_putc(out, s[k++]);
				buf_putc(out, s[k]);
			}
			if (k >= len)
				return false;
			buf_putc(out, '"');
			k++;
		} else {
			size_t start = k, end = 0;
			buf_reset(elem);
			for (; k < len && s[k] != ',' && s[k] != '}' && s[k] != '{' && s[k] != '"'; k++) {
				if (s[k] == '\\' && k + 1 < len)
					k++;
				buf_putc(elem, s[k]);
				if (!isspace((unsigned char)s[k]) || s[k - 1] == '\\')
					end = elem->len;
			}
			elem->len = end;
			bool null = elem->len == 4 && !strncasecmp(elem->data, "NULL", 4) && s[start] != '\\';
			if (elem->len == 0 || buf_failed(elem))
				return false;
			if (null) {
				buf_puts(out, "NULL");
			} else {
				buf_putc(out, '"');
				for (size_t m = 0; m < elem->len; m++) {
					if (elem->data[m] == '"' || elem->data[m] == '\\')
						buf_putc(out, '\\');
					buf_putc(out, elem->data[m]);
				}
				buf_putc(out, '"');
			}
		}
		k = skip_space(s, len, k);
		if (k < len && s[k] == ',') {
			buf_putc(out, ',');
			k++;
			continue;
		}
		if (k < len && s[k] == '}') {
			buf_putc(out, ']');
			*i = k + 1;
			return true;
		}
		return false;
	}
}

bool pg_array_text_to_list(const char *s, size_t len, buf *out)
{
	size_t i = skip_space(s, len, 0);
	if (i >= len || s[i] != '{')
		return false;
	size_t mark = out->len;
	buf elem;
	buf_init(&elem);
	bool ok = array_text(s, len, &i, out, &elem, 0) && skip_space(s, len, i) == len && !buf_failed(out);
	buf_free(&elem);
	if (!ok)
		out->len = mark;
	return ok;
}

/* Whether what follows a string literal ending before i is a cast to an array type: ::type[] */
static bool array_cast_follows(const char *s, size_t len, size_t i)
{
	i = skip_space(s, len, i);
	if (len - i < 2 || s[i] != ':' || s[i + 1] != ':')
		return false;
	i = skip_space(s, len, i + 2);
	int parens = 0;
	for (size_t n = 0; i < len && n < 80; i++, n++) {
		char c = s[i];
		if (c == '(')
			parens++;
		else if (c == ')' && parens > 0)
			parens--;
		else if (!(ident_char(c) || c == ' ' || c == '.' || c == '"' || (c == ',' && parens > 0) || c == ')'))
			break;
	}
	if (i >= len || s[i] != '[' || parens)
		return false;
	i = skip_space(s, len, i + 1);
	return i < len && s[i] == ']';
}

/* The literal 'x' (s[i..end)) spelled as PostgreSQL's array syntax, rewritten as DuckDB's list
 * text into b; false when it is not one. */
static bool array_literal(const char *s, size_t i, size_t end, buf *b)
{
	buf text;
	buf_init(&text);
	for (size_t k = i + 1; k + 1 < end; k++) {
		buf_putc(&text, s[k]);
		if (s[k] == '\'')
			k++; /* '' */
	}
	buf list;
	buf_init(&list);
	bool ok = !buf_failed(&text) && pg_array_text_to_list(text.data ? text.data : "", text.len, &list);
	if (ok) {
		buf_putc(b, '\'');
		for (size_t k = 0; k < list.len; k++) {
			if (list.data[k] == '\'')
				buf_putc(b, '\'');
			buf_putc(b, list.data[k]);
		}
		buf_putc(b, '\'');
	}
	buf_free(&text);
	buf_free(&list);
	return ok;
}

/* End of the column reference (name, or names joined by dots) at i; i when none starts there. */
static size_t colref_end(const char *s, size_t len, size_t i)
{
	size_t e = i;
	for (;;) {
		if (e >= len || !(isalpha((unsigned char)s[e]) || s[e] == '_'))
			return e == i ? i : 0;
		while (e < len && ident_char(s[e]))
			e++;
		if (e + 1 < len && s[e] == '.' && (isalpha((unsigned char)s[e + 1]) || s[e + 1] == '_'))
			e++;
		else
			return e;
	}
}

/* Whether what precedes i leaves a comparison starting at i whole: a comparison cannot be an
 * operand of anything but these (and, or, not, a parenthesis, a comma, a clause keyword). */
static bool comparison_may_start(const char *s, size_t i)
{
	while (i > 0 && isspace((unsigned char)s[i - 1]))
		i--;
	if (i == 0 || s[i - 1] == '(' || s[i - 1] == ',')
		return true;
	size_t w = i;
	while (w > 0 && ident_char(s[w - 1]))
		w--;
	static const char *const words[] = {"AND", "OR", "NOT", "ON", "WHERE", "WHEN", "THEN", "ELSE", "SELECT", "HAVING"};
	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (strlen(words[k]) == i - w && !strncasecmp(s + w, words[k], i - w))
			return true;
	return false;
}

/* a.x = ANY(b.arr) between two column references (how pgJDBC and SQLAlchemy match index keys):
 * DuckDB plans ANY over a list as a subquery, which a LEFT JOIN condition cannot hold, so it
 * becomes the macro pgcat_any_eq(a.x, b.arr) of the same meaning. Where it ends, 0 when the text
 * at i is not that; the operands' spans in l and r. */
static size_t any_eq_end(const char *s, size_t len, size_t i, size_t l[2], size_t r[2])
{
	size_t e = colref_end(s, len, i);
	if (e == i || e == 0)
		return 0;
	l[0] = i;
	l[1] = e;
	size_t k = skip_space(s, len, e);
	if (k >= len || s[k] != '=' || (k + 1 < len && (s[k + 1] == '=' || s[k + 1] == '>')))
		return 0;
	k = skip_space(s, len, k + 1);
	if (len - k < 3 || strncasecmp(s + k, "ANY", 3) != 0 || (k + 3 < len && ident_char(s[k + 3])))
		return 0;
	k = skip_space(s, len, k + 3);
	if (k >= len || s[k] != '(')
		return 0;
	k = skip_space(s, len, k + 1);
	size_t re = colref_end(s, len, k);
	if (re == k || re == 0)
		return 0;
	r[0] = k;
	r[1] = re;
	k = skip_space(s, len, re);
	if (k >= len || s[k] != ')' || !comparison_may_start(s, i))
		return 0;
	size_t after = skip_space(s, len, k + 1);
	if (after < len && (s[after] == '[' || s[after] == '.' || s[after] == ':'))
		return 0;
	return k + 1;
}

/* Start of the word that ends at i (after skipping spaces back), and its length in *n; *n is 0
 * when no word ends there. A quoted name counts as a word. */
static size_t word_before(const char *s, size_t i, size_t *n)
{
	while (i > 0 && isspace((unsigned char)s[i - 1]))
		i--;
	size_t w = i;
	if (i > 0 && s[i - 1] == '"') {
		w = i - 1;
		while (w > 0 && s[w - 1] != '"')
			w--;
		if (w == 0) {
			*n = 0;
			return i;
		}
		w--;
	} else {
		while (w > 0 && ident_char(s[w - 1]))
			w--;
	}
	*n = i - w;
	return w;
}

static bool word_is(const char *s, size_t w, size_t n, const char *kw)
{
	return n == strlen(kw) && !strncasecmp(s + w, kw, n);
}

/* Whether the word jsonb at s[i..e) names a type: after ::, in CAST(x AS jsonb), after TYPE,
 * before a literal (jsonb '{}'), or in a column definition (name jsonb, then a constraint, a
 * comma, a parenthesis or the end). A column named jsonb is left alone. */
static bool jsonb_type_at(const char *s, size_t len, size_t i, size_t e)
{
	size_t b = i;
	while (b > 0 && isspace((unsigned char)s[b - 1]))
		b--;
	if (b >= 2 && s[b - 1] == ':' && s[b - 2] == ':')
		return true;
	size_t after = skip_space(s, len, e);
	char next = after < len ? s[after] : '\0';
	if (next == '\'')
		return true;
	size_t n, w = word_before(s, i, &n);
	if (n && (word_is(s, w, n, "TYPE") || (word_is(s, w, n, "AS") && (next == ')' || next == '['))))
		return true;
	if (!n || s[w] == '\'')
		return false;
	size_t n2, w2 = word_before(s, w, &n2);
	bool starts = word_is(s, w2, n2, "COLUMN") || word_is(s, w2, n2, "ADD");
	if (!n2) { /* a column list: the name follows '(' or ',' */
		size_t k = w;
		while (k > 0 && isspace((unsigned char)s[k - 1]))
			k--;
		starts = k > 0 && (s[k - 1] == '(' || s[k - 1] == ',');
	}
	if (!starts)
		return false;
	if (next == '\0' || next == ',' || next == ')' || next == '[' || next == ';')
		return true;
	static const char *const follow[] = {"NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES",
	                                     "CONSTRAINT", "COLLATE", "GENERATED"};
	size_t fe = after;
	while (fe < len && ident_char(s[fe]))
		fe++;
	for (size_t k = 0; k < sizeof(follow) / sizeof(follow[0]); k++)
		if (word_is(s, after, fe - after, follow[k]))
			return true;
	return false;
}

char *pg_compat_rewrite(const char *s, size_t len)
{
	buf b;
	buf_init(&b);
	bool changed = false;
	size_t i = 0, copied = 0;
	while (i < len) {
		size_t lit = pg_skip_literal(s, len, i);
		if (lit != i) {
			/* "pg_catalog". is a qualifier too, not a literal to keep */
			if (s[i] == '"') {
				size_t q = qualifier_end(s, len, i);
				if (q) {
					buf_append(&b, s + copied, i - copied);
					i = copied = q;
					changed = true;
					continue;
				}
			}
			/* '{1,2}'::int[]: PostgreSQL's array syntax, which DuckDB's cast does not read (not in E'') */
			bool plain = s[i] == '\'' && (i == 0 || !ident_char(s[i - 1]));
			if (plain && lit - i > 2 && s[lit - 1] == '\'' && array_cast_follows(s, len, lit)) {
				size_t mark = b.len;
				buf_append(&b, s + copied, i - copied);
				if (array_literal(s, i, lit, &b)) {
					copied = lit;
					changed = true;
				} else {
					b.len = mark;
				}
			}
			i = lit;
			continue;
		}
		if (!ident_char(s[i]) || (i > 0 && ident_char(s[i - 1]))) {
			i++;
			continue;
		}
		size_t e = i;
		while (e < len && ident_char(s[e]))
			e++;
		size_t q = qualifier_end(s, len, i);
		if (!q && e - i == 18 && !strncasecmp(s + i, "information_schema", 18)) {
			/* PostgreSQL's helpers there (_pg_expandarray, …) are ours too; its views are DuckDB's */
			size_t d = skip_space(s, len, e);
			if (d < len && s[d] == '.') {
				size_t n = skip_space(s, len, d + 1);
				if (len - n > 4 && !strncasecmp(s + n, "_pg_", 4))
					q = n;
			}
		}
		if (q) {
			buf_append(&b, s + copied, i - copied);
			i = copied = q;
			changed = true;
			continue;
		}
		size_t l[2], r[2], any = any_eq_end(s, len, i, l, r);
		if (any) {
			buf_append(&b, s + copied, i - copied);
			buf_puts(&b, "pgcat_any_eq(");
			buf_append(&b, s + l[0], l[1] - l[0]);
			buf_puts(&b, ", ");
			buf_append(&b, s + r[0], r[1] - r[0]);
			buf_putc(&b, ')');
			i = copied = any;
			changed = true;
			continue;
		}
		if (e - i == 5 && !strncasecmp(s + i, "jsonb", 5) && jsonb_type_at(s, len, i, e)) {
			/* PostgreSQL's binary JSON is DuckDB's JSON */
			buf_append(&b, s + copied, i - copied);
			buf_puts(&b, "JSON");
			i = copied = e;
			changed = true;
			continue;
		}
		if (e - i == 8 && !strncasecmp(s + i, "OPERATOR", 8)) {
			/* OPERATOR(pg_catalog.~) and OPERATOR(~): the operator itself */
			size_t p = skip_space(s, len, e);
			if (p < len && s[p] == '(') {
				size_t op = skip_space(s, len, p + 1), q2 = qualifier_end(s, len, op);
				if (q2)
					op = q2;
				size_t end = op;
				while (end < len && s[end] != ')' && !isspace((unsigned char)s[end]))
					end++;
				size_t close = skip_space(s, len, end);
				if (end > op && close < len && s[close] == ')') {
					buf_append(&b, s + copied, i - copied);
					buf_putc(&b, ' ');
					buf_append(&b, s + op, end - op);
					buf_putc(&b, ' ');
					i = copied = close + 1;
					changed = true;
					continue;
				}
			}
		}
		if (e - i == 7 && !strncasecmp(s + i, "COLLATE", 7)) {
			/* PostgreSQL's default and C collations mean DuckDB's binary comparison: dropped */
			size_t p = skip_space(s, len, e), q2 = qualifier_end(s, len, p);
			if (q2)
				p = q2;
			static const char *const plain[] = {"default", "\"default\"", "\"C\"", "C", "\"POSIX\"", "POSIX"};
			bool dropped = false;
			for (size_t k = 0; k < sizeof(plain) / sizeof(plain[0]) && !dropped; k++) {
				size_t n = strlen(plain[k]);
				if (len - p >= n && !strncasecmp(s + p, plain[k], n) && (p + n >= len || !ident_char(s[p + n]))) {
					buf_append(&b, s + copied, i - copied);
					i = copied = p + n;
					changed = dropped = true;
				}
			}
			if (dropped)
				continue;
		}
		i = e;
	}
	if (!changed) {
		buf_free(&b);
		return NULL;
	}
	buf_append(&b, s + copied, len - copied);
	buf_putc(&b, '\0');
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return b.data;
}

