/* UUIDs as the 36-character lower-case text form used on every wire. */
#ifndef LAKEHOUSE_UTIL_UUID_H
#define LAKEHOUSE_UTIL_UUID_H

#include <stdbool.h>

#define UUID_STR_LEN 36

/* Fills out (UUID_STR_LEN + 1 bytes) with a random version-4 UUID. */
void uuid_v4(char out[UUID_STR_LEN + 1]);
/* True when s is a UUID in 8-4-4-4-12 hex form; out gets its lower-case form. */
bool uuid_parse(const char *s, char out[UUID_STR_LEN + 1]);

#endif
