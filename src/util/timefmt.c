/* Date/time text. Pure arithmetic on integers: no libc time zone state, safe on any thread. */
#include "util/timefmt.h"

#include <stdio.h>

/* Howard Hinnant's days_from_civil / civil_from_days algorithms. */
void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void put2(buf *b, unsigned v)
{
	char t[2] = {(char)('0' + v / 10 % 10), (char)('0' + v % 10)};
	buf_append(b, t, 2);
}

static void put_date_parts(buf *b, int64_t y, unsigned m, unsigned d, int *bc)
{
	*bc = y <= 0;
	int64_t shown = *bc ? 1 - y : y;
	if (shown < 10000) {
		char t[4] = {(char)('0' + shown / 1000), (char)('0' + shown / 100 % 10), (char)('0' + shown / 10 % 10),
		             (char)('0' + shown % 10)};
		buf_append(b, t, 4);
	} else {
		buf_printf(b, "%lld", (long long)shown);
	}
	buf_putc(b, '-');
	put2(b, m);
	buf_putc(b, '-');
	put2(b, d);
}

void fmt_date(buf *b, int64_t days)
{
	int64_t y;
	unsigned m, d;
	int bc;
	civil_from_days(days, &y, &m, &d);
	put_date_parts(b, y, m, d, &bc);
	if (bc)
		buf_puts(b, " (BC)");
}

void fmt_clock(buf *b, int64_t sod, int64_t sub, int digits)
{
	put2(b, (unsigned)(sod / 3600));
	buf_putc(b, ':');
	put2(b, (unsigned)(sod / 60 % 60));
	buf_putc(b, ':');
	put2(b, (unsigned)(sod % 60));
	if (sub == 0 || digits == 0)
		return;
	char frac[10];
	for (int i = digits - 1; i >= 0; i--) {
		frac[i] = (char)('0' + sub % 10);
		sub /= 10;
	}
	int n = digits;
	while (n > 0 && frac[n - 1] == '0')
		n--;
	buf_putc(b, '.');
	buf_append(b, frac, (size_t)n);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

void fmt_timestamp(buf *b, int64_t value, int digits)
{
	int64_t unit = 1;
	for (int i = 0; i < digits; i++)
		unit *= 10;
	int64_t secs = floor_div(value, unit);
	int64_t sub = value - secs * unit;
	int64_t days = floor_div(secs, 86400);
	int64_t sod = secs - days * 86400;
	int64_t y;
	unsigned m, d;
	int bc;
	civil_from_days(days, &y, &m, &d);
	put_date_parts(b, y, m, d, &bc);
	buf_putc(b, 'T');
	fmt_clock(b, sod, sub, digits);
	if (bc)
		buf_puts(b, " (BC)");
}

void fmt_offset(buf *b, int32_t off, int z_for_utc)
{
	if (off == 0 && z_for_utc) {
		buf_putc(b, 'Z');
		return;
	}
	buf_putc(b, off < 0 ? '-' : '+');
	if (off < 0)
		off = -off;
	put2(b, (unsigned)(off / 3600));
	buf_putc(b, ':');
	put2(b, (unsigned)(off / 60 % 60));
	if (off % 60) {
		buf_putc(b, ':');
		put2(b, (unsigned)(off % 60));
	}
}

static void put_part(buf *b, int64_t v, const char *unit, int *any)
{
	if (*any)
		buf_putc(b, ' ');
	buf_printf(b, "%lld %s%s", (long long)v, unit, (v == 1 || v == -1) ? "" : "s");
	*any = 1;
}

void fmt_interval(buf *b, int32_t months, int32_t days, int64_t micros)
{
	int any = 0;
	int32_t years = months / 12;
	months -= years * 12;
	if (years)
		put_part(b, years, "year", &any);
	if (months)
		put_part(b, months, "month", &any);
	if (days)
		put_part(b, days, "day", &any);
	if (micros || !any) {
		if (any)
			buf_putc(b, ' ');
		uint64_t mag = micros < 0 ? (uint64_t)0 - (uint64_t)micros : (uint64_t)micros;
		if (micros < 0)
			buf_putc(b, '-');
		uint64_t secs = mag / 1000000;
		uint64_t hours = secs / 3600;
		if (hours < 100)
			put2(b, (unsigned)hours);
		else
			buf_printf(b, "%llu", (unsigned long long)hours);
		buf_putc(b, ':');
		put2(b, (unsigned)(secs / 60 % 60));
		buf_putc(b, ':');
		put2(b, (unsigned)(secs % 60));
		if (mag % 1000000) {
			char frac[6];
			uint64_t sub = mag % 1000000;
			for (int i = 5; i >= 0; i--) {
				frac[i] = (char)('0' + sub % 10);
				sub /= 10;
			}
			int n = 6;
			while (n > 0 && frac[n - 1] == '0')
				n--;
			buf_putc(b, '.');
			buf_append(b, frac, (size_t)n);
		}
	}
}
