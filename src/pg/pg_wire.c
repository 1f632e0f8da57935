/* Big-endian integers and strings on PostgreSQL's wire. */
#include "pg/pg_wire.h"

#include <string.h>

size_t pgw_begin(buf *b, char t)
{
	if (t)
		buf_putc(b, t);
	size_t start = b->len;
	buf_append(b, "\0\0\0\0", 4);
	return start;
}

void pgw_end(buf *b, size_t start)
{
	if (buf_failed(b) || start + 4 > b->len)
		return;
	uint32_t n = (uint32_t)(b->len - start);
	unsigned char *p = (unsigned char *)b->data + start;
	p[0] = (unsigned char)(n >> 24);
	p[1] = (unsigned char)(n >> 16);
	p[2] = (unsigned char)(n >> 8);
	p[3] = (unsigned char)n;
}

void pgw_byte(buf *b, uint8_t v) { buf_putc(b, (char)v); }

int16_t pgw_format_of(const int16_t *formats, int nformats, size_t col)
{
	if (nformats <= 0)
		return 0;
	if (nformats == 1)
		return formats[0];
	return col < (size_t)nformats ? formats[col] : 0;
}

void pgw_int16(buf *b, int16_t v)
{
	unsigned char p[2] = {(unsigned char)((uint16_t)v >> 8), (unsigned char)v};
	buf_append(b, p, 2);
}

void pgw_int32(buf *b, int32_t v)
{
	uint32_t u = (uint32_t)v;
	unsigned char p[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16), (unsigned char)(u >> 8), (unsigned char)u};
	buf_append(b, p, 4);
}

void pgw_int64(buf *b, int64_t v)
{
	pgw_int32(b, (int32_t)((uint64_t)v >> 32));
	pgw_int32(b, (int32_t)(uint32_t)v);
}

void pgw_str(buf *b, const char *s) { buf_append(b, s, strlen(s) + 1); }

void pgw_bytes(buf *b, const void *p, size_t n) { buf_append(b, p, n); }

void pgr_init(struct pgr *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->bad = false;
}

static bool have(struct pgr *r, size_t n)
{
	if (r->bad || r->len - r->pos < n) {
		r->bad = true;
		return false;
	}
	return true;
}

uint8_t pgr_byte(struct pgr *r) { return have(r, 1) ? r->p[r->pos++] : 0; }

int16_t pgr_int16(struct pgr *r)
{
	if (!have(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
	r->pos += 2;
	return (int16_t)v;
}

int32_t pgr_int32(struct pgr *r)
{
	if (!have(r, 4))
		return 0;
	const unsigned char *p = r->p + r->pos;
	uint32_t v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	r->pos += 4;
	return (int32_t)v;
}

int64_t pgr_int64(struct pgr *r)
{
	uint64_t hi = (uint32_t)pgr_int32(r), lo = (uint32_t)pgr_int32(r);
	return (int64_t)(hi << 32 | lo);
}

const char *pgr_str(struct pgr *r)
{
	if (r->bad)
		return "";
	const unsigned char *nul = memchr(r->p + r->pos, 0, r->len - r->pos);
	if (!nul) {
		r->bad = true;
		return "";
	}
	const char *s = (const char *)r->p + r->pos;
	r->pos = (size_t)(nul - r->p) + 1;
	return s;
}

const unsigned char *pgr_bytes(struct pgr *r, size_t n)
{
	if (!have(r, n))
		return NULL;
	const unsigned char *p = r->p + r->pos;
	r->pos += n;
	return p;
}
