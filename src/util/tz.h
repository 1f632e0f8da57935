/* Time zones from the system's TZif files (/usr/share/zoneinfo), for rendering TIMESTAMPTZ in a
 * session's zone without touching libc's process-wide TZ state. Zones are loaded once and kept. */
#ifndef LAKEHOUSE_UTIL_TZ_H
#define LAKEHOUSE_UTIL_TZ_H

#include <stddef.h>
#include <stdint.h>

struct tz;

/* The zone by IANA name ("Europe/Paris", "UTC"); NULL when unknown. Never freed by the caller. */
const struct tz *tz_get(const char *name);
/* Seconds east of UTC in effect at utc_seconds. A NULL zone is UTC. */
int32_t tz_offset(const struct tz *z, int64_t utc_seconds);
/* Parses TZif bytes (exposed for tests and fuzzing); NULL when malformed. */
struct tz *tz_parse(const unsigned char *p, size_t len);
void tz_free(struct tz *z);
/* Frees every cached zone (at exit). */
void tz_cache_clear(void);

#endif
