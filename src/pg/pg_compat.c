/* The lexical pass over PostgreSQL clients' statements and the installation of the compatibility
 * objects. The pass only touches identifiers outside strings, quoted names and comments. */
#include "pg/pg_compat.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/log.h"

extern const char pg_catalog_sql[]; /* pg/pg_catalog.sql, built into the binary */

/* --- the lexical pass ---------------------------------------------------------------------------- */

static bool ident_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80; }

/* End of the string, quoted name, comment or dollar-quoted text starting at i; i when none starts. */
static size_t skip_literal(const char *s, size_t len, size_t i)
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

char *pg_compat_rewrite(const char *s, size_t len)
{
	buf b;
	buf_init(&b);
	bool changed = false;
	size_t i = 0, copied = 0;
	while (i < len) {
		size_t lit = skip_literal(s, len, i);
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

/* --- installation -------------------------------------------------------------------------------- */

/* 'pg_class'::regclass and '16384'::regclass: PostgreSQL's fixed oids of the catalog tables
 * clients name, a number as it is; anything else is NULL (a cast cannot look tables up). */
static const struct {
	const char *name;
	int64_t oid;
} regclasses[] = {
	{"pg_class", 1259}, {"pg_namespace", 2615}, {"pg_type", 1247}, {"pg_proc", 1255}, {"pg_constraint", 2606},
	{"pg_database", 1262}, {"pg_attribute", 1249}, {"pg_index", 2610}, {"pg_description", 2609},
	{"pg_trigger", 2620}, {"pg_am", 2601}, {"pg_attrdef", 2604}, {"pg_authid", 1260}, {"pg_collation", 3456},
	{"pg_tablespace", 1213}, {"pg_rewrite", 2618}, {"pg_operator", 2617}, {"pg_opclass", 2616},
	{"pg_extension", 3079}, {"pg_sequence", 2224}, {"pg_inherits", 2611}, {"pg_policy", 3256},
};

static bool to_regclass(duckdb_function_info info, idx_t count, duckdb_vector input, duckdb_vector output)
{
	(void)info;
	duckdb_string_t *in = duckdb_vector_get_data(input);
	int64_t *out = duckdb_vector_get_data(output);
	uint64_t *valid = duckdb_vector_get_validity(input);
	duckdb_vector_ensure_validity_writable(output);
	uint64_t *out_valid = duckdb_vector_get_validity(output);
	for (idx_t r = 0; r < count; r++) {
		if (valid && !duckdb_validity_row_is_valid(valid, r)) {
			duckdb_validity_set_row_invalid(out_valid, r);
			continue;
		}
		const char *p = duckdb_string_t_data(&in[r]);
		uint32_t n = duckdb_string_t_length(in[r]);
		if (n > 11 && !strncmp(p, "pg_catalog.", 11)) {
			p += 11;
			n -= 11;
		}
		bool digits = n > 0 && n < 19;
		int64_t v = 0;
		for (uint32_t k = 0; k < n && digits; k++) {
			digits = isdigit((unsigned char)p[k]);
			v = v * 10 + (p[k] - '0');
		}
		bool found = digits;
		for (size_t k = 0; !found && k < sizeof(regclasses) / sizeof(regclasses[0]); k++)
			if (strlen(regclasses[k].name) == n && !memcmp(regclasses[k].name, p, n)) {
				v = regclasses[k].oid;
				found = true;
			}
		if (found)
			out[r] = v;
		else
			duckdb_validity_set_row_invalid(out_valid, r);
	}
	return true;
}

/* The regclass type and its cast live in the worker's database: registered once per instance
 * (later registrations fail harmlessly). */
static void register_regclass(duckdb_connection c)
{
	duckdb_logical_type t = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
	duckdb_logical_type_set_alias(t, "regclass");
	if (duckdb_register_logical_type(c, t, NULL) == DuckDBSuccess) {
		duckdb_cast_function cf = duckdb_create_cast_function();
		duckdb_logical_type src = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
		duckdb_cast_function_set_source_type(cf, src);
		duckdb_cast_function_set_target_type(cf, t);
		duckdb_cast_function_set_implicit_cast_cost(cf, -1);
		duckdb_cast_function_set_function(cf, to_regclass);
		if (duckdb_register_cast_function(c, cf) == DuckDBError)
			log_warn("cannot register the regclass cast", "%s", "");
		duckdb_destroy_cast_function(&cf);
		duckdb_destroy_logical_type(&src);
	}
	duckdb_destroy_logical_type(&t);
}

static pthread_mutex_t install_mu = PTHREAD_MUTEX_INITIALIZER;

static int exec(duckdb_connection c, const char *sql, char *err, size_t errlen)
{
	duckdb_result r;
	int rc = 0;
	if (duckdb_query(c, sql, &r) == DuckDBError) {
		snprintf(err, errlen, "%s", duckdb_result_error(&r));
		rc = -1;
	}
	duckdb_destroy_result(&r);
	return rc;
}

static bool has_compat_db(duckdb_connection c)
{
	duckdb_result r;
	bool found = false;
	if (duckdb_query(c, "SELECT count(*) FROM duckdb_databases() WHERE database_name = '__pgcompat'", &r) == DuckDBSuccess)
		found = duckdb_value_int64(&r, 0, 0) > 0;
	duckdb_destroy_result(&r);
	return found;
}

int pg_compat_search_path(duckdb_connection c, char *err, size_t errlen)
{
	duckdb_result r;
	if (duckdb_query(c, "SELECT current_setting('search_path'), current_database(), current_schema()", &r) == DuckDBError) {
		snprintf(err, errlen, "%s", duckdb_result_error(&r));
		duckdb_destroy_result(&r);
		return -1;
	}
	char *path = duckdb_value_varchar(&r, 0, 0), *db = duckdb_value_varchar(&r, 1, 0), *schema = duckdb_value_varchar(&r, 2, 0);
	duckdb_destroy_result(&r);
	int rc = 0;
	if (!path || !strstr(path, "__pgcompat.main")) {
		buf sql;
		buf_init(&sql);
		buf_puts(&sql, "SET search_path = '");
		const char *head = path && *path ? path : NULL;
		if (head) {
			for (const char *p = head; *p; p++)
				if (*p != '\'')
					buf_putc(&sql, *p);
		} else {
			/* DuckDB's default: the current schema; kept first */
			buf_printf(&sql, "\"%s\".\"%s\"", db ? db : "memory", schema ? schema : "main");
		}
		buf_puts(&sql, ",__pgcompat.main'");
		buf_putc(&sql, '\0');
		rc = buf_failed(&sql) ? -1 : exec(c, sql.data, err, errlen);
		buf_free(&sql);
	}
	duckdb_free(path);
	duckdb_free(db);
	duckdb_free(schema);
	return rc;
}

int pg_compat_install(duckdb_connection c, const char *user, char *err, size_t errlen)
{
	/* once per worker: the database and its objects are the instance's, shared by its sessions */
	pthread_mutex_lock(&install_mu);
	int rc = 0;
	if (!has_compat_db(c)) {
		register_regclass(c);
		/* the objects name each other unqualified: the installing session must find them */
		if (exec(c, "ATTACH ':memory:' AS __pgcompat", err, errlen) < 0 || pg_compat_search_path(c, err, errlen) < 0 ||
		    exec(c, pg_catalog_sql, err, errlen) < 0) {
			exec(c, "DETACH DATABASE IF EXISTS __pgcompat", (char[256]){0}, 256);
			rc = -1;
		}
	}
	pthread_mutex_unlock(&install_mu);
	if (rc < 0)
		return -1;
	buf setup;
	buf_init(&setup);
	buf_puts(&setup, "SET VARIABLE pgcat_user = '");
	for (const char *p = user; *p; p++) {
		if (*p == '\'')
			buf_putc(&setup, '\'');
		buf_putc(&setup, *p);
	}
	buf_puts(&setup, "'");
	buf_putc(&setup, '\0');
	rc = buf_failed(&setup) ? -1 : exec(c, setup.data, err, errlen);
	buf_free(&setup);
	return rc < 0 ? -1 : pg_compat_search_path(c, err, errlen);
}
