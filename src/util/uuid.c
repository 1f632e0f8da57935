/* Random UUIDs from getrandom(2); parsing accepts either case and normalises to lower case. */
#include "util/uuid.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

void uuid_v4(char out[UUID_STR_LEN + 1])
{
	uint8_t r[16];
	size_t got = 0;
	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
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
