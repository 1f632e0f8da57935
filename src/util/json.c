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

static void put_digits_u128(buf *b, unsigned __int128 v)
{
	char tmp[40];
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

static void put_shortest(buf *b, int lo, int hi, double v, bool as_float)
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
	if (!put_special(b, v))
		put_shortest(b, 15, 17, v, false);
}

void jw_float(buf *b, float v)
{
	if (!put_special(b, v))
		put_shortest(b, 6, 9, v, true);
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
