/* libFuzzer target: the command-line client's JSON scanner over arbitrary server lines. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "cli/json_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct cli_json_span *items = NULL;
	size_t cap = 0;
	long n = cli_json_array(s, size, &items, &cap);
	buf out;
	buf_init(&out);
	for (long i = 0; i < n; i++) {
		if (items[i].start + items[i].len > size)
			__builtin_trap();
		if (items[i].kind == CLI_JSON_STRING)
			cli_json_unescape(s, &items[i], &out);
	}
	struct cli_json_span v;
	size_t end = cli_json_value(s, size, 0, &v);
	if (end > size || (end && v.start + v.len != end))
		__builtin_trap();
	buf_free(&out);
	free(items);
	return 0;
}
