/* JSON text writer. Output is always valid JSON and valid UTF-8 whatever bytes come in. */
#include "util/json.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t utf8_valid_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	uint32_t cp;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3F);
	}
	/* Reject overlong forms, surrogates and code points past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

void jw_string(buf *b, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	if (!buf_reserve(b, len + 2))
		return;
	buf_putc(b, '"');
	size_t run = 0; /* start of the pending run of bytes that need no escaping */
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		size_t n = c < 0x80 ? 1 : utf8_valid_len(s + i, len - i);
		if (n > 1) {
			i += n;
			continue;
		}
		buf_append(b, s + run, i - run);
		switch (c) {
		case '"': buf_append(b, "\\\"", 2); break;
		case '\\': buf_append(b, "\\\\", 2); break;
		case '\n': buf_append(b, "\\n", 2); break;
		case '\r': buf_append(b, "\\r", 2); break;
		case '\t': buf_append(b, "\\t", 2); break;
		case '\b': buf_append(b, "\\b", 2); break;
		case '\f': buf_append(b, "\\f", 2); break;
		default:
			if (c < 0x20) {
				char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
				buf_append(b, esc, 6);
			} else {
				buf_append(b, "\xEF\xBF\xBD", 3); /* U+FFFD for a byte that starts no valid sequence */
			}
		}
		i++;
		run = i;
	}
	buf_append(b, s + run, len - run);
	buf_putc(b, '"');
}

static void put_digits_u64(buf *b, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	if (!buf_reserve(b, n))
		return;
	while (n)
		b->data[b->len++] = tmp[--n];
}

/* 128-bit values print as a 64-bit head followed by zero-padded 19-digit groups, so the digit loop
 * runs on 64-bit divisions only. */
static void put_digits_u128(buf *b, unsigned __int128 v)
{
	const uint64_t group = UINT64_C(10000000000000000000); /* 10^19 */
	if (v <= UINT64_MAX) {
		put_digits_u64(b, (uint64_t)v);
		return;
	}
	put_digits_u128(b, v / group);
	uint64_t low = (uint64_t)(v % group);
	char tmp[19];
	for (int i = 18; i >= 0; i--) {
		tmp[i] = (char)('0' + (int)(low % 10));
		low /= 10;
	}
	buf_append(b, tmp, sizeof(tmp));
}

void jw_uint64(buf *b, uint64_t v) { put_digits_u64(b, v); }

void jw_int64(buf *b, int64_t v)
{
	if (v < 0) {
		buf_putc(b, '-');
		put_digits_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		put_digits_u64(b, (uint64_t)v);
	}
}

void jw_uint128(buf *b, unsigned __int128 v) { put_digits_u128(b, v); }

void jw_int128(buf *b, __int128 v)
{
	if (v < 0) {
		buf_putc(b, '-');
		put_digits_u128(b, (unsigned __int128)0 - (unsigned __int128)v);
	} else {
		put_digits_u128(b, (unsigned __int128)v);
	}
}

/* Shortest decimal digits inside the rounding interval of m * 2^e, by exact integer
 * arithmetic on a 64.64 fixed-point form of the interval bounds. Fills digits (no leading or
 * trailing zeros) and returns their count, with *point such that value = 0.d1d2... * 10^point.
 * Returns 0 outside the fast range (values below about 1e-3 or from 2^63 up); callers fall back. */
static int shortest_digits(uint64_t m, int e, bool asym, char *digits, int *point)
{
	if (e < -62)
		return 0;
	uint64_t mv = m << 2, ml = mv - (asym ? 1 : 2), mh = mv + 2; /* value * 2^(2-e) */
	uint64_t il, iv, ih, fl, fv, fh;
	if (e - 2 >= 0) {
		int shift = e - 2;
		if (shift >= 63 || (mh >> (63 - shift)) != 0)
			return 0;
		il = ml << shift, iv = mv << shift, ih = mh << shift;
		fl = fv = fh = 0;
	} else {
		int sh = 2 - e; /* 1..64 */
		il = sh == 64 ? 0 : ml >> sh;
		iv = sh == 64 ? 0 : mv >> sh;
		ih = sh == 64 ? 0 : mh >> sh;
		fl = sh == 64 ? ml : ml << (64 - sh);
		fv = sh == 64 ? mv : mv << (64 - sh);
		fh = sh == 64 ? mh : mh << (64 - sh);
	}
	/* IEEE round-half-even: the bounds themselves read back to this value when m is even. */
	bool incl = (m & 1) == 0;
	int n = 0;
	uint64_t first_int = (incl && fl == 0) ? il : il + 1; /* smallest integer in the interval from below */
	if (first_int < ih || (first_int == ih && (fh > 0 || incl))) {
		/* An integer lies inside: the shortest is the multiple of the largest power of ten there,
		 * the one nearest the value. */
		uint64_t p = 1;
		int k = 0;
		while (p <= UINT64_MAX / 10) {
			uint64_t np = p * 10, c = (incl && fl == 0 && il % np == 0) ? il / np : il / np + 1;
			if (c > UINT64_MAX / np)
				break;
			uint64_t cp = c * np;
			if (!(cp < ih || (cp == ih && (fh > 0 || incl))))
				break;
			p = np;
			k++;
		}
		uint64_t q = iv / p, rem = iv - q * p;
		uint64_t half = UINT64_C(1) << 63;
		/* nearest, ties to even; the fraction fv only matters when rem is exactly half of p */
		bool up = p == 1 ? (fv > half || (fv == half && (q & 1)))
		                 : (rem > p - rem || (rem == p - rem && (fv > 0 || (q & 1))));
		if (up)
			q++;
		if (!(q * p > il || (incl && q * p == il && fl == 0)))
			q++;
		if (!(q * p < ih || (q * p == ih && (fh > 0 || incl))))
			q--;
		char tmp[24];
		int t = 0;
		do {
			tmp[t++] = (char)('0' + q % 10);
			q /= 10;
		} while (q);
		while (t > 1 && tmp[0] == '0') { /* trailing zeros of q move into the exponent */
			memmove(tmp, tmp + 1, (size_t)--t);
			k++;
		}
		for (int i = t - 1; i >= 0; i--)
			digits[n++] = tmp[i];
		*point = t + k;
		return n;
	}
	/* No integer inside: the integer part is fixed, then fractional digits until the interval
	 * admits a digit of its own. */
	unsigned __int128 one = (unsigned __int128)1 << 64;
	unsigned __int128 rl = fl, rv = fv, rh = ih == il ? fh : one;
	int intdigits = 0;
	if (il > 0) {
		char tmp[24];
		uint64_t q = il;
		while (q) {
			tmp[intdigits++] = (char)('0' + q % 10);
			q /= 10;
		}
		for (int i = intdigits - 1; i >= 0; i--)
			digits[n++] = tmp[i];
	}
	int lead = 0; /* zeros right after the point while there is no integer part */
	for (int step = 0; step < 40; step++) {
		unsigned __int128 tl = rl * 10, th = rh * 10, tv = rv * 10;
		unsigned dl = (unsigned)(tl >> 64), dh = (unsigned)(th >> 64), dv = (unsigned)(tv >> 64);
		rl = (uint64_t)tl, rh = (uint64_t)th, rv = (uint64_t)tv;
		unsigned dmin = (incl && rl == 0) ? dl : dl + 1, dmax = (rh > 0 || incl) ? dh : dh - 1;
		if (dmax > 9)
			dmax = 9;
		if (dmin <= dmax) {
			unsigned d = dv;
			uint64_t half = UINT64_C(1) << 63;
			if ((uint64_t)rv > half || ((uint64_t)rv == half && (d & 1)))
				d++;
			if (d < dmin)
				d = dmin;
			if (d > dmax)
				d = dmax;
			digits[n++] = (char)('0' + d);
			*point = il > 0 ? intdigits : -lead;
			return n;
		}
		if (dh != dl)
			rh = one;
		if (n == 0 && dl == 0)
			lead++;
		else
			digits[n++] = (char)('0' + dl);
	}
	return 0;
}

static void put_digits(buf *b, const char *d, int n, int point)
{
	int x = point - 1; /* exponent of the first digit */
	if (x < -4 || x >= 17) {
		buf_putc(b, d[0]);
		if (n > 1) {
			buf_putc(b, '.');
			buf_append(b, d + 1, (size_t)(n - 1));
		}
		buf_printf(b, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
		return;
	}
	if (point <= 0) {
		buf_append(b, "0.", 2);
		for (int i = 0; i < -point; i++)
			buf_putc(b, '0');
		buf_append(b, d, (size_t)n);
	} else if (point < n) {
		buf_append(b, d, (size_t)point);
		buf_putc(b, '.');
		buf_append(b, d + point, (size_t)(n - point));
	} else {
		buf_append(b, d, (size_t)n);
		for (int i = n; i < point; i++)
			buf_putc(b, '0');
		buf_append(b, ".0", 2);
	}
}

/* The slow, always-correct path: the fewest printf digits that read back to the same value. */
static void put_shortest_printf(buf *b, int lo, int hi, double v, bool as_float)
{
	char tmp[40] = "";
	int n = 0;
	for (int prec = lo; prec <= hi; prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		double back = strtod(tmp, NULL);
		if (as_float ? (float)back == (float)v : back == v)
			break;
	}
	buf_append(b, tmp, (size_t)n);
	if (!memchr(tmp, '.', (size_t)n) && !memchr(tmp, 'e', (size_t)n))
		buf_append(b, ".0", 2);
}

static bool put_special(buf *b, double v)
{
	if (isnan(v)) {
		buf_puts(b, "\"NaN\"");
		return true;
	}
	if (isinf(v)) {
		buf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
		return true;
	}
	return false;
}

void jw_double(buf *b, double v)
{
	if (put_special(b, v))
		return;
	uint64_t bits;
	memcpy(&bits, &v, sizeof(bits));
	int be = (int)((bits >> 52) & 0x7FF);
	uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
	char d[40];
	int point, n = 0;
	if (be != 0)
		n = shortest_digits(frac | (UINT64_C(1) << 52), be - 1075, frac == 0 && be > 1, d, &point);
	if (n == 0) {
		if (v == 0)
			buf_puts(b, signbit(v) ? "-0.0" : "0.0");
		else
			put_shortest_printf(b, 1, 17, v, false);
		return;
	}
	if (bits >> 63)
		buf_putc(b, '-');
	put_digits(b, d, n, point);
}

void jw_float(buf *b, float v)
{
	if (put_special(b, v))
		return;
	uint32_t bits;
	memcpy(&bits, &v, sizeof(bits));
	int be = (int)((bits >> 23) & 0xFF);
	uint32_t frac = bits & ((1u << 23) - 1);
	char d[40];
	int point, n = 0;
	if (be != 0)
		n = shortest_digits(frac | (1u << 23), be - 150, frac == 0 && be > 1, d, &point);
	if (n == 0) {
		if (v == 0)
			buf_puts(b, signbit(v) ? "-0.0" : "0.0");
		else
			put_shortest_printf(b, 1, 9, v, true);
		return;
	}
	if (bits >> 31)
		buf_putc(b, '-');
	put_digits(b, d, n, point);
}

void jw_decimal(buf *b, __int128 unscaled, unsigned scale)
{
	unsigned __int128 mag = unscaled < 0 ? (unsigned __int128)0 - (unsigned __int128)unscaled
	                                     : (unsigned __int128)unscaled;
	char tmp[48];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + (int)(mag % 10));
		mag /= 10;
	} while (mag);
	while (n <= scale) /* at least one digit before the point */
		tmp[n++] = '0';
	if (!buf_reserve(b, n + 2))
		return;
	if (unscaled < 0)
		b->data[b->len++] = '-';
	while (n) {
		if (n == scale)
			b->data[b->len++] = '.';
		b->data[b->len++] = tmp[--n];
	}
}

void jw_hex(buf *b, const uint8_t *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	if (!buf_reserve(b, len * 2 + 2))
		return;
	b->data[b->len++] = '"';
	for (size_t i = 0; i < len; i++) {
		b->data[b->len++] = hex[p[i] >> 4];
		b->data[b->len++] = hex[p[i] & 15];
	}
	b->data[b->len++] = '"';
}
