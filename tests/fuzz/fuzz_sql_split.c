/* libFuzzer target: statement splitting and the SET guard over arbitrary text. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/sql_split.h"
#include "engine/statement_guard.h"

static bool never_global(const void *ctx, const char *name)
{
	(void)ctx;
	return name[0] == 't';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sql_span spans[16];
	size_t n = sql_split((const char *)data, size, spans, 16);
	for (size_t i = 0; i < n && i < 16; i++)
		if (spans[i].start + spans[i].len > size)
			__builtin_trap();
	char msg[128];
	guard_check_sql((const char *)data, size, never_global, NULL, msg, sizeof(msg));
	return 0;
}
