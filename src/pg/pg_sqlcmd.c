/* The prepared-statement and cursor commands of PostgreSQL's SQL, read word by word with the
 * lexical rules of pg_rewrite.c (strings, quoted names and comments are never looked into).
 * Names follow PostgreSQL: a bare name is folded to lower case, a quoted one kept as written. */
#include "pg/pg_sqlcmd.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pg/pg_rewrite.h"

static size_t skip_space(const char *s, size_t len, size_t i)
{
	for (;;) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		/* comments count as space */
		if (i + 1 < len && ((s[i] == '-' && s[i + 1] == '-') || (s[i] == '/' && s[i + 1] == '*'))) {
			i = pg_skip_literal(s, len, i);
			continue;
		}
		return i;
	}
}

static bool word_char(char c) { return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80; }

/* The keyword at *i (case-insensitive, whole word): consumed when it is kw. */
static bool keyword(const char *s, size_t len, size_t *i, const char *kw)
{
	size_t p = skip_space(s, len, *i), n = strlen(kw);
	if (len - p < n || strncasecmp(s + p, kw, n) != 0 || (p + n < len && word_char(s[p + n])))
		return false;
	*i = p + n;
	return true;
}

/* A name at *i, bare (folded to lower case) or quoted; false when none, or too long. */
static bool name(const char *s, size_t len, size_t *i, char out[PG_NAME_MAX])
{
	size_t p = skip_space(s, len, *i), n = 0;
	if (p < len && s[p] == '"') {
		for (p++; p < len; p++) {
			if (s[p] == '"') {
				if (p + 1 < len && s[p + 1] == '"')
					p++;
				else
					break;
			}
			if (n + 1 >= PG_NAME_MAX)
				return false;
			out[n++] = s[p];
		}
		if (p >= len || n == 0)
			return false;
		p++;
	} else {
		if (p >= len || !(isalpha((unsigned char)s[p]) || s[p] == '_' || (unsigned char)s[p] >= 0x80))
			return false;
		for (; p < len && (word_char(s[p]) || s[p] == '$'); p++) {
			if (n + 1 >= PG_NAME_MAX)
				return false;
			out[n++] = (char)tolower((unsigned char)s[p]);
		}
	}
	out[n] = '\0';
	*i = p;
	return true;
}

/* Nothing but space and one ';' left after i. */
static bool at_end(const char *s, size_t len, size_t i)
{
	i = skip_space(s, len, i);
	if (i < len && s[i] == ';')
		i = skip_space(s, len, i + 1);
	return i >= len;
}

static int syntax(char *why, size_t whylen, const char *s, size_t len, size_t i)
{
	i = skip_space(s, len, i);
	if (i >= len)
		snprintf(why, whylen, "syntax error at end of input");
	else
		snprintf(why, whylen, "syntax error at or near \"%.*s\"", (int)(len - i > 20 ? 20 : len - i), s + i);
	return -1;
}

enum pg_cmd pg_sqlcmd_kind(const char *sql, size_t len)
{
	static const struct {
		const char *word;
		enum pg_cmd cmd;
	} words[] = {{"PREPARE", PG_CMD_PREPARE}, {"EXECUTE", PG_CMD_EXECUTE}, {"DEALLOCATE", PG_CMD_DEALLOCATE},
	             {"DECLARE", PG_CMD_DECLARE}, {"FETCH", PG_CMD_FETCH},     {"MOVE", PG_CMD_MOVE},
	             {"CLOSE", PG_CMD_CLOSE},     {"DISCARD", PG_CMD_DISCARD}};
	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		size_t i = 0;
		if (keyword(sql, len, &i, words[k].word))
			return words[k].cmd;
	}
	return PG_CMD_NONE;
}

/* A parenthesised list of expressions at *i, split at its top-level commas. */
static int list(const char *s, size_t len, size_t *i, struct pg_span *items, int *n, char *why, size_t whylen)
{
	size_t p = skip_space(s, len, *i);
	*n = 0;
	if (p >= len || s[p] != '(')
		return 0;
	int depth = 0;
	size_t start = p + 1;
	for (p++; p < len; p++) {
		size_t lit = pg_skip_literal(s, len, p);
		if (lit != p) {
			p = lit - 1;
			continue;
		}
		char ch = s[p];
		if (ch == '(' || ch == '[') {
			depth++;
		} else if ((ch == ')' || ch == ']') && depth > 0) {
			depth--;
		} else if ((ch == ',' && depth == 0) || ch == ')') {
			size_t a = skip_space(s, len, start), e = p;
			while (e > a && isspace((unsigned char)s[e - 1]))
				e--;
			if (e == a) {
				if (ch == ')' && *n == 0)
					break; /* () */
				return syntax(why, whylen, s, len, p);
			}
			if (*n >= PG_SQLCMD_MAX_ARGS) {
				snprintf(why, whylen, "too many parameters (at most %d)", PG_SQLCMD_MAX_ARGS);
				return -1;
			}
			items[*n].start = a;
			items[(*n)++].len = e - a;
			start = p + 1;
			if (ch == ')')
				break;
		}
	}
	if (p >= len)
		return syntax(why, whylen, s, len, p);
	*i = p + 1;
	return 0;
}

int pg_parse_prepare(const char *sql, size_t len, struct pg_prepare *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	size_t i = 0;
	if (!keyword(sql, len, &i, "PREPARE"))
		return syntax(why, whylen, sql, len, 0);
	if (keyword(sql, len, &(size_t){i}, "TRANSACTION")) {
		out->transaction = true;
		snprintf(why, whylen, "PREPARE TRANSACTION is not supported");
		return -1;
	}
	if (!name(sql, len, &i, out->name))
		return syntax(why, whylen, sql, len, i);
	if (list(sql, len, &i, out->types, &out->ntypes, why, whylen) < 0)
		return -1;
	if (!keyword(sql, len, &i, "AS"))
		return syntax(why, whylen, sql, len, i);
	i = skip_space(sql, len, i);
	size_t e = len;
	while (e > i && (isspace((unsigned char)sql[e - 1]) || sql[e - 1] == ';'))
		e--;
	if (e == i)
		return syntax(why, whylen, sql, len, i);
	out->body.start = i;
	out->body.len = e - i;
	return 0;
}

int pg_parse_execute(const char *sql, size_t len, struct pg_execute *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	size_t i = 0;
	if (!keyword(sql, len, &i, "EXECUTE") || !name(sql, len, &i, out->name))
		return syntax(why, whylen, sql, len, i);
	if (list(sql, len, &i, out->args, &out->nargs, why, whylen) < 0)
		return -1;
	return at_end(sql, len, i) ? 0 : syntax(why, whylen, sql, len, i);
}

static int target(const char *sql, size_t len, size_t i, struct pg_target *out, char *why, size_t whylen)
{
	if (keyword(sql, len, &i, "ALL"))
		out->all = true;
	else if (!name(sql, len, &i, out->name))
		return syntax(why, whylen, sql, len, i);
	return at_end(sql, len, i) ? 0 : syntax(why, whylen, sql, len, i);
}

int pg_parse_deallocate(const char *sql, size_t len, struct pg_target *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	size_t i = 0;
	if (!keyword(sql, len, &i, "DEALLOCATE"))
		return syntax(why, whylen, sql, len, 0);
	keyword(sql, len, &i, "PREPARE");
	return target(sql, len, i, out, why, whylen);
}

int pg_parse_close(const char *sql, size_t len, struct pg_target *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	size_t i = 0;
	if (!keyword(sql, len, &i, "CLOSE"))
		return syntax(why, whylen, sql, len, 0);
	return target(sql, len, i, out, why, whylen);
}

int pg_parse_discard(const char *sql, size_t len, struct pg_target *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	size_t i = 0;
	if (!keyword(sql, len, &i, "DISCARD"))
		return syntax(why, whylen, sql, len, 0);
	static const char *const what[] = {"ALL", "PLANS", "SEQUENCES", "TEMPORARY", "TEMP"};
	for (size_t k = 0; k < sizeof(what) / sizeof(what[0]); k++)
		if (keyword(sql, len, &i, what[k])) {
			snprintf(out->name, sizeof(out->name), "%s", k == 3 ? "TEMP" : what[k]);
			out->all = k == 0;
			return at_end(sql, len, i) ? 0 : syntax(why, whylen, sql, len, i);
		}
	return syntax(why, whylen, sql, len, i);
}

int pg_parse_declare(const char *sql, size_t len, struct pg_declare *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	size_t i = 0;
	if (!keyword(sql, len, &i, "DECLARE") || !name(sql, len, &i, out->name))
		return syntax(why, whylen, sql, len, i);
	for (;;) {
		if (keyword(sql, len, &i, "BINARY"))
			out->binary = true;
		else if (keyword(sql, len, &i, "ASENSITIVE") || keyword(sql, len, &i, "INSENSITIVE"))
			continue;
		else if (keyword(sql, len, &i, "SCROLL"))
			out->no_scroll = false;
		else if (keyword(sql, len, &i, "NO")) {
			if (!keyword(sql, len, &i, "SCROLL"))
				return syntax(why, whylen, sql, len, i);
			out->no_scroll = true;
		} else
			break;
	}
	if (!keyword(sql, len, &i, "CURSOR"))
		return syntax(why, whylen, sql, len, i);
	if (keyword(sql, len, &i, "WITH")) {
		if (!keyword(sql, len, &i, "HOLD"))
			return syntax(why, whylen, sql, len, i);
		out->hold = true;
	} else if (keyword(sql, len, &i, "WITHOUT")) {
		if (!keyword(sql, len, &i, "HOLD"))
			return syntax(why, whylen, sql, len, i);
	}
	if (!keyword(sql, len, &i, "FOR"))
		return syntax(why, whylen, sql, len, i);
	i = skip_space(sql, len, i);
	size_t e = len;
	while (e > i && (isspace((unsigned char)sql[e - 1]) || sql[e - 1] == ';'))
		e--;
	if (e == i)
		return syntax(why, whylen, sql, len, i);
	out->query.start = i;
	out->query.len = e - i;
	return 0;
}

/* A signed count at *i (digits, optional sign); false when none. */
static bool count(const char *s, size_t len, size_t *i, int64_t *out)
{
	size_t p = skip_space(s, len, *i);
	bool neg = false;
	if (p < len && (s[p] == '-' || s[p] == '+'))
		neg = s[p++] == '-';
	size_t d = p;
	int64_t n = 0;
	while (p < len && isdigit((unsigned char)s[p])) {
		if (n > (INT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (s[p++] - '0');
	}
	if (p == d || (p < len && word_char(s[p])))
		return false;
	*out = neg ? -n : n;
	*i = p;
	return true;
}

int pg_parse_fetch(const char *sql, size_t len, struct pg_fetch *out, char *why, size_t whylen)
{
	memset(out, 0, sizeof(*out));
	out->dir = PG_FETCH_FORWARD;
	out->count = 1;
	size_t i = 0;
	if (!keyword(sql, len, &i, "FETCH") && !keyword(sql, len, &i, "MOVE"))
		return syntax(why, whylen, sql, len, 0);
	int64_t n;
	bool k;
	if (keyword(sql, len, &i, "NEXT")) {
	} else if (keyword(sql, len, &i, "PRIOR")) {
		out->dir = PG_FETCH_BACKWARD;
	} else if (keyword(sql, len, &i, "FIRST")) {
		out->dir = PG_FETCH_ABSOLUTE;
	} else if (keyword(sql, len, &i, "LAST")) {
		out->dir = PG_FETCH_ABSOLUTE;
		out->count = -1;
	} else if ((k = keyword(sql, len, &i, "ABSOLUTE")) || keyword(sql, len, &i, "RELATIVE")) {
		out->dir = k ? PG_FETCH_ABSOLUTE : PG_FETCH_RELATIVE;
		if (!count(sql, len, &i, &out->count))
			return syntax(why, whylen, sql, len, i);
	} else if (keyword(sql, len, &i, "ALL")) {
		out->all = true;
	} else if ((k = keyword(sql, len, &i, "BACKWARD")) || keyword(sql, len, &i, "FORWARD")) {
		out->dir = k ? PG_FETCH_BACKWARD : PG_FETCH_FORWARD;
		if (keyword(sql, len, &i, "ALL"))
			out->all = true;
		else if (count(sql, len, &i, &n))
			out->count = n;
	} else if (count(sql, len, &i, &n)) {
		out->count = n;
	}
	if (!out->all && out->count < 0 && (out->dir == PG_FETCH_FORWARD || out->dir == PG_FETCH_BACKWARD)) {
		out->dir = out->dir == PG_FETCH_FORWARD ? PG_FETCH_BACKWARD : PG_FETCH_FORWARD;
		out->count = -out->count;
	}
	if (!keyword(sql, len, &i, "FROM"))
		keyword(sql, len, &i, "IN");
	if (!name(sql, len, &i, out->name))
		return syntax(why, whylen, sql, len, i);
	return at_end(sql, len, i) ? 0 : syntax(why, whylen, sql, len, i);
}

int pg_substitute_params(const char *body, size_t blen, const char *const *types, int ntypes, const char *args_text,
                         const struct pg_span *args, int nargs, buf *out, char *why, size_t whylen)
{
	size_t copied = 0;
	for (size_t i = 0; i < blen;) {
		size_t lit = pg_skip_literal(body, blen, i);
		if (lit != i) {
			i = lit;
			continue;
		}
		bool param = body[i] == '$' && i + 1 < blen && isdigit((unsigned char)body[i + 1]) &&
		             (i == 0 || !word_char(body[i - 1]));
		if (!param) {
			i++;
			continue;
		}
		size_t e = i + 1;
		long n = 0;
		while (e < blen && isdigit((unsigned char)body[e]) && n < 100000)
			n = n * 10 + (body[e++] - '0');
		if (n < 1 || n > nargs) {
			snprintf(why, whylen, "there is no parameter $%ld", n);
			return -1;
		}
		buf_append(out, body + copied, i - copied);
		const struct pg_span *a = &args[n - 1];
		if (n <= ntypes && types[n - 1]) {
			buf_puts(out, "CAST((");
			buf_append(out, args_text + a->start, a->len);
			buf_puts(out, ") AS ");
			buf_puts(out, types[n - 1]);
			buf_putc(out, ')');
		} else {
			buf_putc(out, '(');
			buf_append(out, args_text + a->start, a->len);
			buf_putc(out, ')');
		}
		i = copied = e;
	}
	buf_append(out, body + copied, blen - copied);
	return 0;
}
