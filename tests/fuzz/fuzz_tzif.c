/* libFuzzer target: TZif parsing of untrusted bytes, and offsets from whatever parses. */
#include <stddef.h>
#include <stdint.h>

#include "util/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tz *z = tz_parse(data, size);
	if (z) {
		for (int64_t t = -4000000000LL; t < 8000000000LL; t += 123456789)
			(void)tz_offset(z, t);
		tz_free(z);
	}
	return 0;
}
