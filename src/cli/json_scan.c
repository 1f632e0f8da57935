/* JSON scanner for the command-line client (RFC 8259 grammar). It validates while it scans, so a
 * line it accepts can be copied to output unchanged and still be JSON. */
#include "cli/json_scan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Position after the string starting at s[i] == '"', or 0. */
static size_t scan_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"')
			return i + 1;
		if (c < 0x20)
			return 0;
		if (c != '\\')
			continue;
		if (++i >= len)
			return 0;
		switch (s[i]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			break;
		case 'u':
			if (len - i < 5)
				return 0;
			for (int k = 1; k <= 4; k++)
				if (hex_val(s[i + k]) < 0)
					return 0;
			i += 4;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

static size_t scan_number(const char *s, size_t len, size_t i)
{
	if (i < len && s[i] == '-')
		i++;
	if (i >= len || !is_digit(s[i]))
		return 0;
	if (s[i] == '0')
		i++;
	else
		while (i < len && is_digit(s[i]))
			i++;
	if (i < len && s[i] == '.') {
		if (++i >= len || !is_digit(s[i]))
			return 0;
		while (i < len && is_digit(s[i]))
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || !is_digit(s[i]))
			return 0;
		while (i < len && is_digit(s[i]))
			i++;
	}
	return i;
}

static size_t scan_word(const char *s, size_t len, size_t i, const char *word)
{
	size_t n = strlen(word);
	return len - i >= n && memcmp(s + i, word, n) == 0 ? i + n : 0;
}

static size_t scan_value(const char *s, size_t len, size_t i, int depth, struct cli_json_span *v);

/* An array or object at s[i]; close is ']' or '}'. */
static size_t scan_container(const char *s, size_t len, size_t i, int depth, char close)
{
	if (depth >= CLI_JSON_MAX_DEPTH)
		return 0;
	i = skip_ws(s, len, i + 1);
	if (i < len && s[i] == close)
		return i + 1;
	for (;;) {
		struct cli_json_span item;
		if (close == '}') {
			if (i >= len || s[i] != '"' || !(i = scan_string(s, len, i)))
				return 0;
			i = skip_ws(s, len, i);
			if (i >= len || s[i] != ':')
				return 0;
			i++;
		}
		if (!(i = scan_value(s, len, i, depth + 1, &item)))
			return 0;
		i = skip_ws(s, len, i);
		if (i < len && s[i] == close)
			return i + 1;
		if (i >= len || s[i] != ',')
			return 0;
		i = skip_ws(s, len, i + 1);
	}
}

static size_t scan_value(const char *s, size_t len, size_t i, int depth, struct cli_json_span *v)
{
	i = skip_ws(s, len, i);
	if (i >= len)
		return 0;
	size_t end;
	switch (s[i]) {
	case '"': v->kind = CLI_JSON_STRING; end = scan_string(s, len, i); break;
	case '[': v->kind = CLI_JSON_ARRAY; end = scan_container(s, len, i, depth, ']'); break;
	case '{': v->kind = CLI_JSON_OBJECT; end = scan_container(s, len, i, depth, '}'); break;
	case 't': v->kind = CLI_JSON_BOOL; end = scan_word(s, len, i, "true"); break;
	case 'f': v->kind = CLI_JSON_BOOL; end = scan_word(s, len, i, "false"); break;
	case 'n': v->kind = CLI_JSON_NULL; end = scan_word(s, len, i, "null"); break;
	default: v->kind = CLI_JSON_NUMBER; end = scan_number(s, len, i); break;
	}
	if (!end)
		return 0;
	v->start = i;
	v->len = end - i;
	return end;
}

size_t cli_json_value(const char *s, size_t len, size_t pos, struct cli_json_span *v)
{
	return scan_value(s, len, pos, 0, v);
}

static bool push_item(struct cli_json_span **items, size_t *cap, size_t n, const struct cli_json_span *v)
{
	if (n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct cli_json_span *p = realloc(*items, ncap * sizeof(*p));
		if (!p)
			return false;
		*items = p;
		*cap = ncap;
	}
	(*items)[n] = *v;
	return true;
}

long cli_json_array(const char *s, size_t len, struct cli_json_span **items, size_t *cap)
{
	size_t i = skip_ws(s, len, 0);
	if (i >= len || s[i] != '[')
		return -1;
	size_t n = 0;
	i = skip_ws(s, len, i + 1);
	if (i < len && s[i] == ']') {
		i++;
	} else {
		for (;;) {
			struct cli_json_span v;
			if (!(i = scan_value(s, len, i, 1, &v)) || !push_item(items, cap, n, &v))
				return -1;
			n++;
			i = skip_ws(s, len, i);
			if (i < len && s[i] == ']') {
				i++;
				break;
			}
			if (i >= len || s[i] != ',')
				return -1;
			i++;
		}
	}
	return skip_ws(s, len, i) == len ? (long)n : -1;
}

static void put_utf8(buf *out, uint32_t cp)
{
	char u[4];
	if (cp < 0x80) {
		buf_putc(out, (char)cp);
		return;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		buf_append(out, u, 2);
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		buf_append(out, u, 3);
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		buf_append(out, u, 4);
	}
}

/* The four hex digits at p (validated by the scanner). */
static uint32_t hex4(const char *p)
{
	return (uint32_t)(hex_val(p[0]) << 12 | hex_val(p[1]) << 8 | hex_val(p[2]) << 4 | hex_val(p[3]));
}

void cli_json_unescape(const char *s, const struct cli_json_span *v, buf *out)
{
	size_t i = v->start + 1, end = v->start + v->len - 1;
	while (i < end) {
		size_t run = i;
		while (run < end && s[run] != '\\')
			run++;
		buf_append(out, s + i, run - i);
		if (run >= end)
			break;
		char e = s[run + 1];
		i = run + 2;
		switch (e) {
		case 'b': buf_putc(out, '\b'); break;
		case 'f': buf_putc(out, '\f'); break;
		case 'n': buf_putc(out, '\n'); break;
		case 'r': buf_putc(out, '\r'); break;
		case 't': buf_putc(out, '\t'); break;
		case 'u': {
			uint32_t cp = hex4(s + i);
			i += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && end - i >= 6 && s[i] == '\\' && s[i + 1] == 'u') {
				uint32_t lo = hex4(s + i + 2);
				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					i += 6;
				}
			}
			put_utf8(out, cp >= 0xD800 && cp < 0xE000 ? 0xFFFD : cp);
			break;
		}
		default: buf_putc(out, e); break; /* " \ / */
		}
	}
}
