/* libFuzzer target: statement splitting, statement heads and the SET guard over arbitrary text. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/sql_split.h"
#include "engine/statement_guard.h"
#include "engine/statement_head.h"

static bool never_global(const void *ctx, const char *name)
{
	(void)ctx;
	return name[0] == 't';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sql_span spans[16];
	size_t n = sql_split((const char *)data, size, spans, 16);
	for (size_t i = 0; i < n && i < 16; i++) {
		if (spans[i].start + spans[i].len > size)
			__builtin_trap();
		struct stmt_head h;
		if (stmt_head_parse((const char *)data + spans[i].start, spans[i].len, &h) == 0 && h.rest > spans[i].len)
			__builtin_trap();
	}
	char msg[128];
	guard_check_sql((const char *)data, size, never_global, NULL, msg, sizeof(msg));
	return 0;
}
