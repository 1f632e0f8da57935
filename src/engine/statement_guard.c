/* SET / RESET / PRAGMA checks on top of the statement head reader: a GLOBAL scope or an
 * instance-wide setting name is refused outright. */
#include "engine/statement_guard.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/sql_split.h"
#include "engine/statement_head.h"

int guard_check_statement(const char *s, size_t len, guard_is_global_fn is_global, const void *ctx, char *msg,
                          size_t msglen)
{
	struct stmt_head h;
	if (stmt_head_parse(s, len, &h) < 0)
		return 0;
	if (h.kind != STMT_SET && h.kind != STMT_RESET && h.kind != STMT_PRAGMA)
		return 0;
	if (h.scope == SCOPE_GLOBAL) {
		snprintf(msg, msglen, "Permission Error: SET GLOBAL is not allowed: settings of the whole worker "
		                      "are fixed by the server configuration");
		return -1;
	}
	if (h.variable)
		return 0;
	/* PRAGMA name = value is a SET; PRAGMA name or name(...) calls a pragma function */
	if (h.kind == STMT_PRAGMA && (h.rest >= len || s[h.rest] != '='))
		return 0;
	char name[3 * (STMT_NAME_MAX + 1)] = "";
	for (int i = 0; i < h.target.nparts; i++) {
		if (i)
			strcat(name, ".");
		strcat(name, h.target.parts[i]);
	}
	if (is_global(ctx, name)) {
		snprintf(msg, msglen, "Permission Error: setting \"%s\" applies to the whole worker and cannot be "
		                      "changed from a session",
		         name);
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
