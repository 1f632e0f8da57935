/* Row positions a delete file removes from one data file, kept in the metadata store as text
 * ("0-5,9,12-40": ascending, disjoint ranges) so that a commit can tell whether two concurrent
 * deletes or updates touched the same rows. Unknown or unreadable lists always overlap: a wrong
 * "no overlap" would lose an update, a wrong "overlap" only costs a retry. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "lake/lake.h"

struct cursor {
	const char *p;
	int64_t lo, hi;
	bool done, bad;
};

static bool read_number(const char **p, int64_t *out)
{
	const char *s = *p;
	if (*s < '0' || *s > '9')
		return false;
	int64_t v = 0;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	*p = s;
	return true;
}

/* Moves to the next range; ranges must ascend strictly, without touching the previous one. */
static void next_range(struct cursor *c, bool first)
{
	if (!*c->p) {
		c->done = true;
		return;
	}
	if (!first) {
		if (*c->p != ',') {
			c->bad = true;
			return;
		}
		c->p++;
	}
	int64_t lo, hi;
	if (!read_number(&c->p, &lo)) {
		c->bad = true;
		return;
	}
	hi = lo;
	if (*c->p == '-') {
		c->p++;
		if (!read_number(&c->p, &hi) || hi < lo) {
			c->bad = true;
			return;
		}
	}
	if (!first && lo <= c->hi) {
		c->bad = true;
		return;
	}
	c->lo = lo;
	c->hi = hi;
}

bool lake_ranges_overlap(const char *a, const char *b)
{
	if (!a || !b)
		return true;
	struct cursor x = {.p = a}, y = {.p = b};
	next_range(&x, true);
	next_range(&y, true);
	while (!x.bad && !y.bad && !x.done && !y.done) {
		if (x.hi < y.lo)
			next_range(&x, false);
		else if (y.hi < x.lo)
			next_range(&y, false);
		else
			return true;
	}
	return x.bad || y.bad;
}
