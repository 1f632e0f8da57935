/* Statement splitter. Unterminated quotes or comments run to the end of the text (DuckDB then
 * reports the syntax error); the splitter itself never reads past len. */
#include "engine/sql_split.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

size_t sql_skip_space(const char *s, size_t len, size_t i)
{
	while (i < len) {
		if (isspace((unsigned char)s[i])) {
			i++;
		} else if (s[i] == '-' && i + 1 < len && s[i + 1] == '-') {
			while (i < len && s[i] != '\n')
				i++;
		} else if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
			int depth = 1;
			i += 2;
			while (i < len && depth) {
				if (s[i] == '/' && i + 1 < len && s[i + 1] == '*') {
					depth++;
					i += 2;
				} else if (s[i] == '*' && i + 1 < len && s[i + 1] == '/') {
					depth--;
					i += 2;
				} else {
					i++;
				}
			}
		} else {
			break;
		}
	}
	return i;
}

/* Length of a $tag$ opener at i (0 when it is not one, e.g. a $1 parameter). */
static size_t dollar_tag(const char *s, size_t len, size_t i)
{
	size_t j = i + 1;
	if (j < len && isdigit((unsigned char)s[j]))
		return 0;
	while (j < len && (isalnum((unsigned char)s[j]) || s[j] == '_'))
		j++;
	return j < len && s[j] == '$' ? j - i + 1 : 0;
}

size_t sql_next(const char *s, size_t len, size_t pos, struct sql_span *span)
{
	size_t start = sql_skip_space(s, len, pos);
	size_t i = start;
	while (i < len && s[i] != ';') {
		char c = s[i];
		size_t after = sql_skip_space(s, len, i);
		if (after != i) {
			i = after;
			continue;
		}
		if (c == '\'' || c == '"') {
			bool backslash = c == '\'' && i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') &&
			                 (i < 2 || !(isalnum((unsigned char)s[i - 2]) || s[i - 2] == '_'));
			i++;
			while (i < len) {
				if (backslash && s[i] == '\\' && i + 1 < len) {
					i += 2;
				} else if (s[i] == c) {
					if (i + 1 < len && s[i + 1] == c) {
						i += 2;
					} else {
						i++;
						break;
					}
				} else {
					i++;
				}
			}
		} else if (c == '$' && dollar_tag(s, len, i)) {
			size_t tl = dollar_tag(s, len, i);
			const char *tag = s + i;
			i += tl;
			while (i < len && !(s[i] == '$' && len - i >= tl && memcmp(s + i, tag, tl) == 0))
				i++;
			i = i < len ? i + tl : len;
		} else {
			i++;
		}
	}
	span->start = start;
	span->len = i > start ? i - start : 0;
	return i < len ? i + 1 : len;
}

size_t sql_split(const char *s, size_t len, struct sql_span *out, size_t max)
{
	size_t count = 0;
	size_t pos = 0;
	while (pos < len) {
		struct sql_span span;
		pos = sql_next(s, len, pos, &span);
		if (span.len) {
			if (count < max)
				out[count] = span;
			count++;
		}
	}
	return count;
}
