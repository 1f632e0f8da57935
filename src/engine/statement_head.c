/* Statement head reader: a tiny cursor over the text, keywords matched case-insensitively at word
 * boundaries, names read as DuckDB reads them (unquoted parts folded to lower case, "quoted" parts
 * kept with "" unescaped). Anything it does not recognise is STMT_OTHER, never a guess. */
#include "engine/statement_head.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "engine/sql_split.h"

struct cursor {
	const char *s;
	size_t len;
	size_t pos;
};

static void skip(struct cursor *c) { c->pos = sql_skip_space(c->s, c->len, c->pos); }

static bool is_word_char(char ch) { return isalnum((unsigned char)ch) || ch == '_' || ch == '$'; }

/* Consumes keyword kw when it is the next word. */
static bool accept(struct cursor *c, const char *kw)
{
	skip(c);
	size_t n = strlen(kw);
	if (c->len - c->pos < n || strncasecmp(c->s + c->pos, kw, n) != 0)
		return false;
	if (c->pos + n < c->len && is_word_char(c->s[c->pos + n]))
		return false;
	c->pos += n;
	return true;
}

static bool peek_char(struct cursor *c, char ch)
{
	skip(c);
	return c->pos < c->len && c->s[c->pos] == ch;
}

/* Reads one name part into out. */
static int read_part(struct cursor *c, char *out, bool *quoted)
{
	skip(c);
	size_t n = 0;
	if (c->pos < c->len && c->s[c->pos] == '"') {
		c->pos++;
		for (;;) {
			if (c->pos >= c->len)
				return -1;
			char ch = c->s[c->pos++];
			if (ch == '"') {
				if (c->pos < c->len && c->s[c->pos] == '"')
					c->pos++;
				else
					break;
			}
			if (n >= STMT_NAME_MAX)
				return -1;
			out[n++] = ch;
		}
		if (n == 0)
			return -1;
		*quoted = true;
	} else {
		if (c->pos >= c->len || !(isalpha((unsigned char)c->s[c->pos]) || c->s[c->pos] == '_' ||
		                           (unsigned char)c->s[c->pos] >= 0x80))
			return -1;
		while (c->pos < c->len && (is_word_char(c->s[c->pos]) || (unsigned char)c->s[c->pos] >= 0x80)) {
			if (n >= STMT_NAME_MAX)
				return -1;
			out[n++] = (char)tolower((unsigned char)c->s[c->pos++]);
		}
		*quoted = false;
	}
	out[n] = '\0';
	return 0;
}

static int read_name(struct cursor *c, struct stmt_name *name)
{
	memset(name, 0, sizeof(*name));
	for (;;) {
		if (name->nparts == 3 || read_part(c, name->parts[name->nparts], &name->quoted[name->nparts]) < 0)
			return -1;
		name->nparts++;
		skip(c);
		if (c->pos < c->len && c->s[c->pos] == '.')
			c->pos++;
		else
			return 0;
	}
}

/* Skips one balanced parenthesised group starting at the cursor, quotes and comments included. */
static int skip_parens(struct cursor *c)
{
	if (!peek_char(c, '('))
		return -1;
	int depth = 0;
	while (c->pos < c->len) {
		size_t after = sql_skip_space(c->s, c->len, c->pos);
		if (after != c->pos) {
			c->pos = after;
			continue;
		}
		char ch = c->s[c->pos];
		if (ch == '\'' || ch == '"') {
			c->pos++;
			while (c->pos < c->len) {
				if (c->s[c->pos] == ch) {
					if (c->pos + 1 < c->len && c->s[c->pos + 1] == ch) {
						c->pos += 2;
						continue;
					}
					break;
				}
				c->pos++;
			}
			if (c->pos >= c->len)
				return -1;
		} else if (ch == '(') {
			depth++;
		} else if (ch == ')') {
			if (--depth == 0) {
				c->pos++;
				return 0;
			}
		}
		c->pos++;
	}
	return -1;
}

static int skip_ctes(struct cursor *c)
{
	accept(c, "RECURSIVE");
	do {
		struct stmt_name ignored;
		if (read_name(c, &ignored) < 0)
			return -1;
		if (peek_char(c, '(') && skip_parens(c) < 0)
			return -1;
		if (!accept(c, "AS"))
			return -1;
		accept(c, "NOT");
		accept(c, "MATERIALIZED");
		if (skip_parens(c) < 0)
			return -1;
		skip(c);
	} while (c->pos < c->len && c->s[c->pos] == ',' && (c->pos++, true));
	return 0;
}

static int target(struct cursor *c, struct stmt_head *h, enum stmt_kind kind)
{
	if (read_name(c, &h->target) < 0)
		return -1;
	h->kind = kind;
	skip(c);
	h->rest = c->pos;
	return 0;
}

static int parse_create(struct cursor *c, struct stmt_head *h)
{
	if (accept(c, "OR")) {
		if (!accept(c, "REPLACE"))
			return -1;
		h->or_replace = true;
	}
	if (accept(c, "TEMP") || accept(c, "TEMPORARY"))
		h->temporary = true;
	else
		accept(c, "PERSISTENT");
	if (accept(c, "TABLE")) {
		if (accept(c, "IF")) {
			if (!accept(c, "NOT") || !accept(c, "EXISTS"))
				return -1;
			h->if_not_exists = true;
		}
		if (target(c, h, STMT_CREATE_TABLE) < 0)
			return -1;
		struct cursor probe = *c;
		if (accept(&probe, "AS")) {
			h->kind = STMT_CREATE_TABLE_AS;
			skip(&probe);
			h->rest = probe.pos;
		}
		return 0;
	}
	bool schema = accept(c, "SCHEMA");
	bool view = !schema && accept(c, "VIEW");
	if (!schema && !view) {
		h->kind = STMT_CREATE_OTHER;
		bool index = (accept(c, "UNIQUE"), accept(c, "INDEX"));
		if (!index && !accept(c, "SEQUENCE") && !accept(c, "MACRO") && !accept(c, "FUNCTION") && !accept(c, "TYPE"))
			return 0; /* secrets and the like live outside catalogs */
		if (accept(c, "IF") && (!accept(c, "NOT") || !accept(c, "EXISTS")))
			return -1;
		if (index) { /* the index's own name, then ON table */
			struct stmt_name idx;
			if (read_name(c, &idx) < 0 || !accept(c, "ON"))
				return -1;
		}
		return target(c, h, STMT_CREATE_OTHER);
	}
	if (accept(c, "IF")) {
		if (!accept(c, "NOT") || !accept(c, "EXISTS"))
			return -1;
		h->if_not_exists = true;
	}
	return target(c, h, schema ? STMT_CREATE_SCHEMA : STMT_CREATE_VIEW);
}

static int parse_drop_or_alter(struct cursor *c, struct stmt_head *h, bool drop)
{
	enum stmt_kind kind;
	if (accept(c, "TABLE"))
		kind = drop ? STMT_DROP_TABLE : STMT_ALTER_TABLE;
	else if (drop && accept(c, "SCHEMA"))
		kind = STMT_DROP_SCHEMA;
	else if (accept(c, "VIEW"))
		kind = drop ? STMT_DROP_VIEW : STMT_ALTER_OTHER;
	else if (accept(c, "SEQUENCE") || accept(c, "INDEX") || accept(c, "TYPE") || accept(c, "FUNCTION") ||
	         (accept(c, "MACRO") && (accept(c, "TABLE"), true)))
		kind = drop ? STMT_DROP_OTHER : STMT_ALTER_OTHER;
	else {
		h->kind = drop ? STMT_DROP_OTHER : STMT_ALTER_OTHER;
		return 0;
	}
	if (accept(c, "IF")) {
		if (!accept(c, "EXISTS"))
			return -1;
		h->if_exists = true;
	}
	if (target(c, h, kind) < 0)
		return -1;
	if (drop) {
		struct cursor probe = *c;
		h->cascade = accept(&probe, "CASCADE");
	}
	return 0;
}

static int parse_set(struct cursor *c, struct stmt_head *h, enum stmt_kind kind)
{
	if (accept(c, "GLOBAL"))
		h->scope = SCOPE_GLOBAL;
	else if (accept(c, "SESSION"))
		h->scope = SCOPE_SESSION;
	else if (accept(c, "LOCAL"))
		h->scope = SCOPE_LOCAL;
	h->variable = accept(c, "VARIABLE");
	return target(c, h, kind);
}

/* COMMENT ON kind name IS …: the object commented on (a column's table). */
static int parse_comment(struct cursor *c, struct stmt_head *h)
{
	if (!accept(c, "ON"))
		return -1;
	bool column = accept(c, "COLUMN");
	if (!column && !accept(c, "TABLE") && !accept(c, "VIEW") && !accept(c, "SCHEMA") && !accept(c, "SEQUENCE") &&
	    !accept(c, "INDEX") && !accept(c, "TYPE") && !accept(c, "MACRO") && !accept(c, "FUNCTION") &&
	    !accept(c, "DATABASE"))
		return -1;
	accept(c, "TABLE"); /* MACRO TABLE */
	if (!column)
		return target(c, h, STMT_ALTER_OTHER);
	/* [catalog.][schema.]table.column: up to four parts, of which the table's are kept */
	struct stmt_name parts[4];
	int n = 0;
	for (;;) {
		if (n == 4 || read_part(c, parts[n].parts[0], &parts[n].quoted[0]) < 0)
			return -1;
		n++;
		skip(c);
		if (c->pos < c->len && c->s[c->pos] == '.')
			c->pos++;
		else
			break;
	}
	if (n < 2)
		return -1;
	memset(&h->target, 0, sizeof(h->target));
	for (int i = 0; i < n - 1; i++) {
		memcpy(h->target.parts[i], parts[i].parts[0], sizeof(h->target.parts[i]));
		h->target.quoted[i] = parts[i].quoted[0];
	}
	h->target.nparts = n - 1;
	h->kind = STMT_ALTER_OTHER;
	h->rest = c->pos;
	return 0;
}

static int parse(struct cursor *c, struct stmt_head *h)
{
	skip(c);
	size_t with_at = c->pos;
	if (accept(c, "WITH")) {
		if (skip_ctes(c) < 0)
			return -1;
		h->with_start = with_at;
		h->with_len = c->pos - with_at;
	}
	if (peek_char(c, '(')) {
		h->kind = STMT_SELECT;
		return 0;
	}
	static const char *const reads[] = {"SELECT", "FROM", "VALUES", "TABLE", "SHOW", "DESCRIBE", "DESC",
	                                    "SUMMARIZE", "EXPLAIN", "PIVOT", "UNPIVOT", "CALL"};
	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		if (accept(c, reads[i])) {
			h->kind = STMT_SELECT;
			return 0;
		}
	}
	if (accept(c, "INSERT")) {
		if (accept(c, "OR")) {
			if (!accept(c, "REPLACE") && !accept(c, "IGNORE"))
				return -1;
			h->or_replace = true;
		}
		return accept(c, "INTO") ? target(c, h, STMT_INSERT) : -1;
	}
	if (accept(c, "UPDATE"))
		return target(c, h, STMT_UPDATE);
	if (accept(c, "DELETE"))
		return accept(c, "FROM") ? target(c, h, STMT_DELETE) : -1;
	if (accept(c, "MERGE"))
		return accept(c, "INTO") ? target(c, h, STMT_MERGE) : -1;
	if (accept(c, "TRUNCATE")) {
		accept(c, "TABLE");
		return target(c, h, STMT_TRUNCATE);
	}
	if (accept(c, "COMMENT"))
		return parse_comment(c, h);
	if (accept(c, "COPY")) {
		struct cursor probe = *c;
		if (accept(&probe, "FROM") && accept(&probe, "DATABASE")) {
			struct stmt_name source;
			*c = probe;
			if (read_name(c, &source) < 0 || !accept(c, "TO"))
				return -1;
			return target(c, h, STMT_COPY_DATABASE);
		}
		if (peek_char(c, '(')) {
			h->kind = STMT_COPY_TO;
			return 0;
		}
		if (target(c, h, STMT_COPY_TO) < 0)
			return -1;
		if (peek_char(c, '(') && skip_parens(c) < 0)
			return -1;
		if (accept(c, "FROM"))
			h->kind = STMT_COPY_FROM;
		else if (!accept(c, "TO"))
			return -1;
		return 0;
	}
	if (accept(c, "CREATE"))
		return parse_create(c, h);
	if (accept(c, "DROP"))
		return parse_drop_or_alter(c, h, true);
	if (accept(c, "ALTER"))
		return parse_drop_or_alter(c, h, false);
	if (accept(c, "SET"))
		return parse_set(c, h, STMT_SET);
	if (accept(c, "RESET"))
		return parse_set(c, h, STMT_RESET);
	if (accept(c, "PRAGMA"))
		return target(c, h, STMT_PRAGMA);
	if (accept(c, "ATTACH")) {
		h->kind = STMT_ATTACH;
		return 0;
	}
	if (accept(c, "DETACH")) {
		accept(c, "DATABASE");
		if (accept(c, "IF")) {
			if (!accept(c, "EXISTS"))
				return -1;
			h->if_exists = true;
		}
		return target(c, h, STMT_DETACH);
	}
	if (accept(c, "USE"))
		return target(c, h, STMT_USE);
	if (accept(c, "BEGIN") || (accept(c, "START") && accept(c, "TRANSACTION"))) {
		h->kind = STMT_BEGIN;
		return 0;
	}
	if (accept(c, "COMMIT") || accept(c, "END")) {
		h->kind = STMT_COMMIT;
		return 0;
	}
	if (accept(c, "ROLLBACK") || accept(c, "ABORT")) {
		h->kind = STMT_ROLLBACK;
		return 0;
	}
	return -1;
}

int stmt_head_parse(const char *sql, size_t len, struct stmt_head *out)
{
	memset(out, 0, sizeof(*out));
	struct cursor c = {sql, len, 0};
	if (parse(&c, out) < 0) {
		memset(out, 0, sizeof(*out));
		return -1;
	}
	if (out->rest == 0)
		out->rest = sql_skip_space(sql, len, c.pos);
	return 0;
}
