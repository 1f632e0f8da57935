/* Clocks and deadlines shared by every thread that waits or measures: monotonic for durations and
 * timeouts, the wall clock only for timestamps shown to people. */
#ifndef LAKEHOUSE_UTIL_CLOCK_H
#define LAKEHOUSE_UTIL_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

int64_t clock_mono_us(void);
int64_t clock_wall_us(void);
/* The monotonic instant ms milliseconds from now, for pthread_cond_timedwait on a condition made
 * with cond_init_monotonic. */
struct timespec clock_deadline_ms(int64_t ms);
void cond_init_monotonic(pthread_cond_t *cv);

/* FNV-1a of a NUL-terminated string, for the small hash tables keyed by ids. */
static inline size_t hash_str(const char *s)
{
	size_t h = (size_t)1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h;
}

#endif
