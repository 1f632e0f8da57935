/* Random UUIDs from getrandom(2); parsing accepts either case and normalises to lower case. */
#include "util/uuid.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

/* Random bytes come from the kernel in batches kept per thread: one getrandom(2) call serves
 * sixteen UUIDs. */
static void random_bytes(uint8_t *out, size_t len)
{
	static _Thread_local uint8_t pool[256];
	static _Thread_local size_t left;
	while (len) {
		if (left == 0) {
			size_t got = 0;
			while (got < sizeof(pool)) {
				ssize_t n = getrandom(pool + got, sizeof(pool) - got, 0);
				if (n > 0)
					got += (size_t)n;
			}
			left = sizeof(pool);
		}
		size_t take = len < left ? len : left;
		memcpy(out, pool + sizeof(pool) - left, take);
		explicit_bzero(pool + sizeof(pool) - left, take);
		left -= take;
		out += take;
		len -= take;
	}
}

void uuid_v4(char out[UUID_STR_LEN + 1])
{
	uint8_t r[16];
	random_bytes(r, sizeof(r));
	r[6] = (uint8_t)((r[6] & 0x0F) | 0x40);
	r[8] = (uint8_t)((r[8] & 0x3F) | 0x80);
	snprintf(out, UUID_STR_LEN + 1,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2],
	         r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
}

bool uuid_parse(const char *s, char out[UUID_STR_LEN + 1])
{
	if (!s || strlen(s) != UUID_STR_LEN)
		return false;
	for (int i = 0; i < UUID_STR_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[UUID_STR_LEN] = '\0';
	return true;
}
