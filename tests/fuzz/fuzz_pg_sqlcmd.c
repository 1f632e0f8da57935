/* libFuzzer target: the parsers of PostgreSQL's cursor and prepared-statement commands, the
 * substitution of EXECUTE's arguments and the statement log's summary, over arbitrary text. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pg/pg_sqlcmd.h"
#include "pg/pg_stmtlog.h"

static void span_inside(struct pg_span s, size_t size)
{
	if (s.start > size || s.len > size - s.start)
		__builtin_trap();
}

static void name_ok(const char *name)
{
	if (strnlen(name, PG_NAME_MAX) >= PG_NAME_MAX)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	char why[200];
	/* heap copies of the structs keep ASan watching their bounds */
	struct pg_prepare *pp = malloc(sizeof(*pp));
	struct pg_execute *ex = malloc(sizeof(*ex));
	if (!pp || !ex) {
		free(pp);
		free(ex);
		return 0;
	}
	(void)pg_sqlcmd_kind(s, size);
	if (pg_parse_prepare(s, size, pp, why, sizeof(why)) == 0) {
		name_ok(pp->name);
		span_inside(pp->body, size);
		for (int i = 0; i < pp->ntypes; i++)
			span_inside(pp->types[i], size);
	}
	if (pg_parse_execute(s, size, ex, why, sizeof(why)) == 0) {
		name_ok(ex->name);
		for (int i = 0; i < ex->nargs; i++)
			span_inside(ex->args[i], size);
		/* the input itself as a prepared body, its arguments as the values */
		const char *types[2] = {"INTEGER", NULL};
		buf out;
		buf_init(&out);
		pg_substitute_params(s, size, types, 2, s, ex->args, ex->nargs, &out, why, sizeof(why));
		buf_free(&out);
	}
	struct pg_target t;
	if (pg_parse_deallocate(s, size, &t, why, sizeof(why)) == 0)
		name_ok(t.name);
	if (pg_parse_close(s, size, &t, why, sizeof(why)) == 0)
		name_ok(t.name);
	if (pg_parse_discard(s, size, &t, why, sizeof(why)) == 0)
		name_ok(t.name);
	struct pg_declare d;
	if (pg_parse_declare(s, size, &d, why, sizeof(why)) == 0) {
		name_ok(d.name);
		span_inside(d.query, size);
	}
	struct pg_fetch f;
	if (pg_parse_fetch(s, size, &f, why, sizeof(why)) == 0) {
		name_ok(f.name);
		if ((f.dir == PG_FETCH_FORWARD || f.dir == PG_FETCH_BACKWARD) && f.count < 0)
			__builtin_trap();
	}
	char text[PG_STMTLOG_PREFIX + 8];
	pg_stmtlog_text(s, size, text);
	if (strlen(text) > PG_STMTLOG_PREFIX + 3 || strchr(text, '"') || strchr(text, '\n'))
		__builtin_trap();
	free(pp);
	free(ex);
	return 0;
}
