/* TZif (RFC 8536) reader with the POSIX-TZ footer rule for instants past the last transition.
 * Every read is bounds-checked: a malformed file yields NULL, never a read past its end. */
#include "util/tz.h"

#include <ctype.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timefmt.h"

struct rule_date {
	char kind; /* 'J' (1..365, no leap day), 'N' (0..365), 'M' (month.week.day) */
	int a, b, c;
	int32_t time; /* seconds after local midnight */
};

struct tz {
	char *name;
	size_t ntrans;
	int64_t *trans;
	uint8_t *idx;
	size_t ntypes;
	int32_t *utoff;
	int32_t first_std; /* offset before the first transition */
	bool has_rule;
	int32_t std_off, dst_off; /* seconds east of UTC */
	bool has_dst;
	struct rule_date start, end;
	struct tz *next;
};

static uint32_t be32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static int64_t be64(const unsigned char *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

static const char *parse_name(const char *s)
{
	if (*s == '<') {
		const char *e = strchr(s, '>');
		return e ? e + 1 : NULL;
	}
	const char *p = s;
	while (isalpha((unsigned char)*p))
		p++;
	return p - s >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] into seconds; POSIX offsets count west, the caller negates. */
static const char *parse_hms(const char *s, int32_t *out)
{
	int sign = 1;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1 : 1;
	if (!isdigit((unsigned char)*s))
		return NULL;
	int32_t v = 0, part = 0;
	for (int field = 0; field < 3; field++) {
		part = 0;
		int nd = 0;
		while (isdigit((unsigned char)*s) && nd < 3) {
			part = part * 10 + (*s++ - '0');
			nd++;
		}
		if (!nd)
			return NULL;
		v += part * (field == 0 ? 3600 : field == 1 ? 60 : 1);
		if (*s != ':')
			break;
		s++;
	}
	*out = sign * v;
	return s;
}

static const char *parse_rule_date(const char *s, struct rule_date *r)
{
	char *end;
	if (*s == 'M') {
		r->kind = 'M';
		r->a = (int)strtol(s + 1, &end, 10);
		if (*end != '.')
			return NULL;
		r->b = (int)strtol(end + 1, &end, 10);
		if (*end != '.')
			return NULL;
		r->c = (int)strtol(end + 1, &end, 10);
		if (r->a < 1 || r->a > 12 || r->b < 1 || r->b > 5 || r->c < 0 || r->c > 6)
			return NULL;
	} else {
		r->kind = *s == 'J' ? 'J' : 'N';
		if (*s == 'J')
			s++;
		if (!isdigit((unsigned char)*s))
			return NULL;
		r->a = (int)strtol(s, &end, 10);
		if (r->a < 0 || r->a > 365)
			return NULL;
	}
	s = end;
	r->time = 7200;
	if (*s == '/')
		s = parse_hms(s + 1, &r->time);
	return s;
}

static bool parse_posix(struct tz *z, const char *s)
{
	int32_t off;
	if (!(s = parse_name(s)) || !(s = parse_hms(s, &off)))
		return false;
	z->std_off = -off;
	z->dst_off = z->std_off + 3600;
	if (!*s)
		return true;
	if (!(s = parse_name(s)))
		return false;
	z->has_dst = true;
	if (*s && *s != ',') {
		if (!(s = parse_hms(s, &off)))
			return false;
		z->dst_off = -off;
	}
	if (*s != ',')
		return false; /* a DST zone without rules: not produced by current tzdata */
	if (!(s = parse_rule_date(s + 1, &z->start)) || *s != ',')
		return false;
	if (!(s = parse_rule_date(s + 1, &z->end)))
		return false;
	return *s == '\0';
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

/* Local day number (days since epoch) of a rule's date in year y. */
static int64_t rule_day(const struct rule_date *r, int64_t y)
{
	int64_t jan1 = days_from_civil(y, 1, 1);
	if (r->kind == 'J')
		return jan1 + r->a - 1 + (is_leap(y) && r->a >= 60);
	if (r->kind == 'N')
		return jan1 + r->a;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t first = days_from_civil(y, (unsigned)r->a, 1);
	int64_t wd = ((first % 7) + 7 + 4) % 7; /* 1970-01-01 was a Thursday */
	int64_t d = first + (r->c - wd + 7) % 7 + (int64_t)(r->b - 1) * 7;
	int len = mdays[r->a - 1] + (r->a == 2 && is_leap(y));
	while (d >= first + len)
		d -= 7;
	return d;
}

static int32_t rule_offset(const struct tz *z, int64_t t)
{
	if (!z->has_dst)
		return z->std_off;
	int64_t y;
	unsigned m, d;
	civil_from_days((t + z->std_off) / 86400 - ((t + z->std_off) % 86400 < 0), &y, &m, &d);
	int64_t start = rule_day(&z->start, y) * 86400 + z->start.time - z->std_off;
	int64_t end = rule_day(&z->end, y) * 86400 + z->end.time - z->dst_off;
	bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
	return dst ? z->dst_off : z->std_off;
}

int32_t tz_offset(const struct tz *z, int64_t t)
{
	if (!z)
		return 0;
	if (z->ntrans == 0 || t < z->trans[0])
		return z->ntrans == 0 && z->has_rule ? rule_offset(z, t) : z->first_std;
	if (t >= z->trans[z->ntrans - 1] && z->has_rule)
		return rule_offset(z, t);
	size_t lo = 0, hi = z->ntrans; /* last transition <= t */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (z->trans[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return z->utoff[z->idx[lo]];
}

void tz_free(struct tz *z)
{
	if (!z)
		return;
	free(z->name);
	free(z->trans);
	free(z->idx);
	free(z->utoff);
	free(z);
}

struct tz *tz_parse(const unsigned char *p, size_t len)
{
	if (len < 44 || memcmp(p, "TZif", 4) != 0)
		return NULL;
	bool v2 = p[4] >= '2';
	size_t off = 0;
	uint32_t c[6];
	int tsize = 4;
	for (int pass = 0; pass < (v2 ? 2 : 1); pass++) {
		if (len - off < 44 || memcmp(p + off, "TZif", 4) != 0)
			return NULL;
		for (int i = 0; i < 6; i++)
			c[i] = be32(p + off + 20 + 4 * i);
		/* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
		if (c[3] > 100000 || c[4] == 0 || c[4] > 256 || c[5] > 100000 || c[2] > 100000 || c[0] > 256 || c[1] > 256)
			return NULL;
		tsize = pass == 0 && v2 ? 4 : (v2 ? 8 : 4);
		size_t body = (size_t)c[3] * (size_t)tsize + c[3] + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * (size_t)(tsize + 4) + c[1] + c[0];
		if (pass == 0 && v2) {
			if (len - off - 44 < body)
				return NULL;
			off += 44 + body;
			continue;
		}
		if (len - off - 44 < body)
			return NULL;
		off += 44;
		break;
	}
	struct tz *z = calloc(1, sizeof(*z));
	if (!z)
		return NULL;
	z->ntrans = c[3];
	z->ntypes = c[4];
	z->trans = malloc((z->ntrans + 1) * sizeof(int64_t));
	z->idx = malloc(z->ntrans + 1);
	z->utoff = malloc(z->ntypes * sizeof(int32_t));
	if (!z->trans || !z->idx || !z->utoff)
		goto fail;
	const unsigned char *q = p + off;
	for (size_t i = 0; i < z->ntrans; i++, q += tsize)
		z->trans[i] = tsize == 8 ? be64(q) : (int32_t)be32(q);
	for (size_t i = 0; i < z->ntrans; i++, q++) {
		if (*q >= z->ntypes)
			goto fail;
		z->idx[i] = *q;
	}
	z->first_std = 0;
	bool found_std = false;
	for (size_t i = 0; i < z->ntypes; i++, q += 6) {
		z->utoff[i] = (int32_t)be32(q);
		if (!found_std && q[4] == 0) {
			z->first_std = z->utoff[i];
			found_std = true;
		}
	}
	if (!found_std)
		z->first_std = z->utoff[0];
	for (size_t i = 1; i < z->ntrans; i++)
		if (z->trans[i] < z->trans[i - 1])
			goto fail;
	q += c[5] + (size_t)c[2] * (size_t)(tsize + 4) + c[1] + c[0];
	if (v2 && q < p + len && *q == '\n') {
		const unsigned char *e = memchr(q + 1, '\n', (size_t)(p + len - q - 1));
		if (e && e - q - 1 < 128) {
			char footer[128];
			memcpy(footer, q + 1, (size_t)(e - q - 1));
			footer[e - q - 1] = '\0';
			if (footer[0])
				z->has_rule = parse_posix(z, footer);
		}
	}
	return z;
fail:
	tz_free(z);
	return NULL;
}

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tz *cache;

static bool name_ok(const char *name)
{
	if (!*name || strlen(name) > 128 || name[0] == '/' || strstr(name, ".."))
		return false;
	for (const char *c = name; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("/_+-", *c))
			return false;
	return true;
}

static struct tz *load_file(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	unsigned char data[1 << 16];
	size_t n = fread(data, 1, sizeof(data), f);
	fclose(f);
	return tz_parse(data, n);
}

const struct tz *tz_get(const char *name)
{
	if (!name_ok(name))
		return NULL;
	pthread_mutex_lock(&cache_mu);
	struct tz *z = cache;
	while (z && strcmp(z->name, name) != 0)
		z = z->next;
	if (!z && (z = load_file(name))) {
		if ((z->name = strdup(name))) {
			z->next = cache;
			cache = z;
		} else {
			tz_free(z);
			z = NULL;
		}
	}
	pthread_mutex_unlock(&cache_mu);
	return z;
}

void tz_cache_clear(void)
{
	pthread_mutex_lock(&cache_mu);
	while (cache) {
		struct tz *next = cache->next;
		tz_free(cache);
		cache = next;
	}
	pthread_mutex_unlock(&cache_mu);
}
