/* Records are a 4-byte length then the bytes. A mark every PG_ROWSTORE_MARK records bounds a
 * random read to that many steps; reading the record after the last one read is one step, so a
 * cursor read forward or backward by its client costs what the rows cost. */
#include "pg/pg_rowstore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PG_ROWSTORE_MARK 256
#define PG_ROWSTORE_WINDOW (256u << 10)

void pg_rowstore_init(struct pg_rowstore *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	s->fd = -1;
	buf_init(&s->tail);
	buf_init(&s->rd);
	s->last_row = UINT64_MAX;
}

uint64_t pg_rowstore_bytes(const struct pg_rowstore *s) { return s->flushed + s->tail.len; }

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The tail goes to the file, which is made (and unlinked at once) the first time. */
static int spill(struct pg_rowstore *s)
{
	if (s->fd < 0) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/pg-cursor-XXXXXX", s->dir);
		s->fd = mkstemp(path);
		if (s->fd < 0)
			return -1;
		unlink(path);
	}
	if (write_all(s->fd, s->tail.data, s->tail.len) < 0)
		return -1;
	s->flushed += s->tail.len;
	buf_reset(&s->tail);
	return 0;
}

int pg_rowstore_append(struct pg_rowstore *s, const void *rec, size_t len)
{
	if (len > UINT32_MAX) {
		errno = EFBIG;
		return -1;
	}
	if (s->nrows % PG_ROWSTORE_MARK == 0) {
		if (s->nmarks == s->capmarks) {
			size_t cap = s->capmarks ? s->capmarks * 2 : 16;
			uint64_t *grown = realloc(s->marks, cap * sizeof(*grown));
			if (!grown) {
				errno = ENOMEM;
				return -1;
			}
			s->marks = grown;
			s->capmarks = cap;
		}
		s->marks[s->nmarks++] = pg_rowstore_bytes(s);
	}
	unsigned char n[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16), (unsigned char)(len >> 8),
	                      (unsigned char)len};
	buf_append(&s->tail, n, 4);
	buf_append(&s->tail, rec, len);
	if (buf_failed(&s->tail)) {
		errno = ENOMEM;
		return -1;
	}
	s->nrows++;
	return s->tail.len >= PG_ROWSTORE_MEMORY ? spill(s) : 0;
}

/* n bytes at offset off of the store; NULL when they cannot be read. */
static const unsigned char *bytes_at(struct pg_rowstore *s, uint64_t off, size_t n)
{
	if (off >= s->flushed) /* records never straddle the file and the tail */
		return (const unsigned char *)s->tail.data + (off - s->flushed);
	if (off >= s->rd_off && off + n <= s->rd_off + s->rd.len)
		return (const unsigned char *)s->rd.data + (off - s->rd_off);
	size_t want = n > PG_ROWSTORE_WINDOW ? n : PG_ROWSTORE_WINDOW;
	if (want > s->flushed - off)
		want = (size_t)(s->flushed - off);
	buf_reset(&s->rd);
	if (!buf_reserve(&s->rd, want)) {
		errno = ENOMEM;
		return NULL;
	}
	size_t got = 0;
	while (got < want) {
		ssize_t r = pread(s->fd, s->rd.data + got, want - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			s->rd.len = 0;
			return NULL;
		}
		got += (size_t)r;
	}
	s->rd.len = got;
	s->rd_off = off;
	return got >= n ? (const unsigned char *)s->rd.data : NULL;
}

const unsigned char *pg_rowstore_get(struct pg_rowstore *s, uint64_t i, size_t *len)
{
	uint64_t row, off;
	if (s->last_row != UINT64_MAX && i > s->last_row && i - s->last_row <= PG_ROWSTORE_MARK) {
		row = s->last_row + 1;
		off = s->last_off;
	} else {
		row = i / PG_ROWSTORE_MARK * PG_ROWSTORE_MARK;
		off = s->marks[i / PG_ROWSTORE_MARK];
	}
	for (;;) {
		const unsigned char *h = bytes_at(s, off, 4);
		if (!h)
			return NULL;
		size_t n = (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
		if (row == i) {
			const unsigned char *rec = bytes_at(s, off, 4 + n);
			if (!rec)
				return NULL;
			s->last_row = row;
			s->last_off = off + 4 + n;
			*len = n;
			return rec + 4;
		}
		off += 4 + n;
		row++;
	}
}

void pg_rowstore_free(struct pg_rowstore *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	buf_free(&s->tail);
	buf_free(&s->rd);
	free(s->marks);
	s->marks = NULL;
	s->nmarks = s->capmarks = 0;
	s->nrows = 0;
}
