/* libFuzzer target: decoding of HTTP Basic credentials (network input) and the encode/decode
 * round trip. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n;
	char *dec = base64_decode((const char *)data, size, &n);
	if (dec) {
		char *enc = base64_encode((const unsigned char *)dec, n);
		/* a decodable input is canonical only when its padding bits are zero; the round trip
		 * must at least give back the same length */
		if (!enc || strlen(enc) != size)
			__builtin_trap();
		free(enc);
		free(dec);
	}
	char *enc = base64_encode(data, size);
	if (enc) {
		char *back = base64_decode(enc, strlen(enc), &n);
		if (!back || n != size || memcmp(back, data, size) != 0)
			__builtin_trap();
		free(back);
		free(enc);
	}
	return 0;
}
