/* Writing JSON text into a buf (prefix jw_, clear of jansson's json_ names): strings (with UTF-8 repair), numbers exactly as given. These are
 * the hot path of result encoding, so they never allocate beyond growing the buffer. */
#ifndef LAKEHOUSE_UTIL_JSON_H
#define LAKEHOUSE_UTIL_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Writes "..." with JSON escapes; invalid UTF-8 sequences become U+FFFD. */
void jw_string(buf *b, const char *s, size_t len);
static inline void jw_cstring(buf *b, const char *s) { jw_string(b, s, __builtin_strlen(s)); }
void jw_int64(buf *b, int64_t v);
void jw_uint64(buf *b, uint64_t v);
void jw_int128(buf *b, __int128 v);
void jw_uint128(buf *b, unsigned __int128 v);
/* Shortest text that reads back to the same double; whole values get ".0"; NaN and the
 * infinities become the strings "NaN", "Infinity", "-Infinity". */
void jw_double(buf *b, double v);
void jw_float(buf *b, float v);
/* A fixed-point number: `digits` is the unscaled integer, `scale` digits go after the point. */
void jw_decimal(buf *b, __int128 unscaled, unsigned scale);
/* Lower-case hex of raw bytes, quoted. */
void jw_hex(buf *b, const uint8_t *p, size_t len);

/* Length of the valid UTF-8 sequence starting at s (1..4), or 0 if it is not valid. */
size_t utf8_valid_len(const unsigned char *s, size_t avail);

#endif
