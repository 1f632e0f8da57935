/* SET / RESET / PRAGMA head parser. It reads only the statement head (keyword, scope, name) and
 * errs on the side of refusing: a GLOBAL scope or an instance-wide name is refused outright. */
#include "engine/statement_guard.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/sql_split.h"

/* Reads an identifier or "quoted identifier" at *i into out (lower-cased when unquoted). */
static size_t read_word(const char *s, size_t len, size_t *i, char *out, size_t outlen)
{
	size_t n = 0;
	*i = sql_skip_space(s, len, *i);
	if (*i < len && s[*i] == '"') {
		(*i)++;
		while (*i < len) {
			if (s[*i] == '"') {
				if (*i + 1 < len && s[*i + 1] == '"') {
					(*i)++;
				} else {
					(*i)++;
					break;
				}
			}
			if (n + 1 < outlen)
				out[n++] = s[*i];
			(*i)++;
		}
	} else {
		while (*i < len && (isalnum((unsigned char)s[*i]) || s[*i] == '_' || s[*i] == '.')) {
			if (n + 1 < outlen)
				out[n++] = (char)tolower((unsigned char)s[*i]);
			(*i)++;
		}
	}
	out[n] = '\0';
	return n;
}

int guard_check_statement(const char *s, size_t len, guard_is_global_fn is_global, const void *ctx, char *msg,
                          size_t msglen)
{
	char word[256];
	size_t i = 0;
	if (!read_word(s, len, &i, word, sizeof(word)))
		return 0;
	bool set = !strcmp(word, "set"), reset = !strcmp(word, "reset"), pragma = !strcmp(word, "pragma");
	if (!set && !reset && !pragma)
		return 0;
	if (!read_word(s, len, &i, word, sizeof(word)))
		return 0;
	if (!pragma) {
		if (!strcmp(word, "global")) {
			snprintf(msg, msglen, "Permission Error: SET GLOBAL is not allowed: settings of the whole worker "
			                      "are fixed by the server configuration");
			return -1;
		}
		if (!strcmp(word, "session") || !strcmp(word, "local")) {
			if (!read_word(s, len, &i, word, sizeof(word)))
				return 0;
		}
		if (!strcmp(word, "variable"))
			return 0;
	} else {
		/* PRAGMA name = value is a SET; PRAGMA name or name(...) calls a pragma function */
		size_t j = sql_skip_space(s, len, i);
		if (j >= len || s[j] != '=')
			return 0;
	}
	if (is_global(ctx, word)) {
		snprintf(msg, msglen, "Permission Error: setting \"%s\" applies to the whole worker and cannot be "
		                      "changed from a session",
		         word);
		return -1;
	}
	return 0;
}

int guard_check_sql(const char *sql, size_t len, guard_is_global_fn is_global, const void *ctx, char *msg,
                    size_t msglen)
{
	size_t pos = 0;
	while (pos < len) {
		struct sql_span span;
		pos = sql_next(sql, len, pos, &span);
		if (span.len && guard_check_statement(sql + span.start, span.len, is_global, ctx, msg, msglen) < 0)
			return -1;
	}
	return 0;
}
