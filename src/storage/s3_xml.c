/* A bounded scanner for S3's XML answers: it finds elements by name, never builds a tree, and
 * decodes the five predefined entities and numeric character references in text. */
#include "storage/s3_xml.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The span of the next <tag ...>content</tag> inside [p, end): the content's bounds. Tags that
 * share a prefix (Key, KeyCount) are told apart by the character after the name. */
static bool find_element(const char *p, const char *end, const char *tag, const char **cstart, const char **cend,
                         const char **after)
{
	size_t tl = strlen(tag);
	while (p < end) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt || (size_t)(end - lt) < tl + 2)
			return false;
		const char *name = lt + 1;
		if (!memcmp(name, tag, tl) && (name[tl] == '>' || name[tl] == ' ' || name[tl] == '/')) {
			const char *gt = memchr(name + tl, '>', (size_t)(end - (name + tl)));
			if (!gt)
				return false;
			if (gt[-1] == '/') { /* <Tag/>: empty */
				*cstart = *cend = gt + 1;
				*after = gt + 1;
				return true;
			}
			const char *q = gt + 1;
			/* the matching close tag; S3's documents never nest an element in one of its name */
			while (q < end) {
				const char *c = memchr(q, '<', (size_t)(end - q));
				if (!c || (size_t)(end - c) < tl + 3)
					return false;
				if (c[1] == '/' && !memcmp(c + 2, tag, tl) && c[2 + tl] == '>') {
					*cstart = gt + 1;
					*cend = c;
					*after = c + 3 + tl;
					return true;
				}
				q = c + 1;
			}
			return false;
		}
		p = lt + 1;
	}
	return false;
}

static int put_utf8(char *out, size_t outlen, size_t *o, uint32_t cp)
{
	unsigned char tmp[4];
	size_t n;
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	if (cp < 0x80) {
		tmp[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		tmp[0] = (unsigned char)(0xC0 | (cp >> 6));
		tmp[1] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		tmp[0] = (unsigned char)(0xE0 | (cp >> 12));
		tmp[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[2] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		tmp[0] = (unsigned char)(0xF0 | (cp >> 18));
		tmp[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		tmp[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		tmp[3] = (unsigned char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	if (*o + n >= outlen)
		return -1;
	memcpy(out + *o, tmp, n);
	*o += n;
	return 0;
}

static bool decode(const char *p, const char *end, char *out, size_t outlen)
{
	size_t o = 0;
	if (outlen == 0)
		return false;
	while (p < end) {
		if (*p != '&') {
			if (o + 1 >= outlen)
				return false;
			out[o++] = *p++;
			continue;
		}
		const char *semi = memchr(p, ';', (size_t)(end - p) < 12 ? (size_t)(end - p) : 12);
		if (!semi)
			return false;
		size_t n = (size_t)(semi - p - 1);
		const char *ent = p + 1;
		char c = 0;
		if (n == 3 && !memcmp(ent, "amp", 3))
			c = '&';
		else if (n == 2 && !memcmp(ent, "lt", 2))
			c = '<';
		else if (n == 2 && !memcmp(ent, "gt", 2))
			c = '>';
		else if (n == 4 && !memcmp(ent, "quot", 4))
			c = '"';
		else if (n == 4 && !memcmp(ent, "apos", 4))
			c = '\'';
		if (c) {
			if (o + 1 >= outlen)
				return false;
			out[o++] = c;
		} else if (n >= 2 && ent[0] == '#') {
			bool hex = ent[1] == 'x';
			uint32_t cp = 0;
			size_t i = hex ? 2 : 1;
			if (i >= n)
				return false;
			for (; i < n; i++) {
				char d = ent[i];
				int v = d >= '0' && d <= '9' ? d - '0'
				        : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
				        : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10
				                                      : -1;
				if (v < 0 || cp > 0x10FFFF)
					return false;
				cp = cp * (hex ? 16 : 10) + (uint32_t)v;
			}
			if (put_utf8(out, outlen, &o, cp) != 0)
				return false;
		} else {
			return false;
		}
		p = semi + 1;
	}
	out[o] = '\0';
	return true;
}

bool s3_xml_text(const char *xml, size_t len, const char *tag, char *out, size_t outlen)
{
	const char *cs, *ce, *after;
	if (!find_element(xml, xml + len, tag, &cs, &ce, &after))
		return false;
	return decode(cs, ce, out, outlen);
}

long long s3_parse_time_us(const char *s)
{
	int y, mo, d, h, mi, sec, n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 || n != 19)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	long long frac = 0;
	const char *p = s + 19;
	if (*p == '.') {
		long long scale = 100000;
		for (p++; *p >= '0' && *p <= '9'; p++) {
			frac += (*p - '0') * scale;
			scale /= 10;
		}
	}
	if (*p != 'Z' || p[1])
		return -1;
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = sec};
	return (long long)timegm(&tm) * 1000000 + frac;
}

int s3_xml_list(const char *xml, size_t len, struct s3_list_page *page)
{
	const char *end = xml + len, *cs, *ce, *after;
	page->n = 0;
	page->truncated = false;
	page->next_token[0] = '\0';
	if (!find_element(xml, end, "ListBucketResult", &cs, &ce, &after))
		return -1;
	char text[64];
	if (s3_xml_text(cs, (size_t)(ce - cs), "IsTruncated", text, sizeof(text)))
		page->truncated = !strcmp(text, "true");
	if (!s3_xml_text(cs, (size_t)(ce - cs), "NextContinuationToken", page->next_token, sizeof(page->next_token)))
		page->next_token[0] = '\0';
	const char *p = cs, *is, *ie;
	while (find_element(p, ce, "Contents", &is, &ie, &after)) {
		p = after;
		struct store_object o = {0};
		char size[32], mtime[64];
		if (!s3_xml_text(is, (size_t)(ie - is), "Key", o.key, sizeof(o.key)) ||
		    !s3_xml_text(is, (size_t)(ie - is), "Size", size, sizeof(size)))
			continue;
		char *e;
		unsigned long long sz = strtoull(size, &e, 10);
		if (e == size || *e || size[0] == '-')
			continue;
		o.size = sz;
		o.mtime_us = s3_xml_text(is, (size_t)(ie - is), "LastModified", mtime, sizeof(mtime)) ? s3_parse_time_us(mtime)
		                                                                                     : -1;
		if (page->n == page->max) {
			page->truncated = true;
			break;
		}
		page->objects[page->n++] = o;
	}
	return 0;
}
