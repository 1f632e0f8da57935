/* libFuzzer target: the POST /query body parser must accept or reject any bytes without crashing,
 * leaking or reading out of bounds. */
#include <stddef.h>
#include <stdint.h>

#include "http/query_request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct query_request r;
	struct qr_error e;
	if (query_request_parse((const char *)data, size, 1 << 20, &r, &e) == 0)
		query_request_free(&r);
	return 0;
}
