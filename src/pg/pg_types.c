/* DuckDB values in PostgreSQL's text and binary wire formats, and Bind parameters back into DuckDB
 * values. Encoding runs for every value of every row, so it appends straight into the caller's
 * buffer and never allocates; decoding reads bytes off the network, so it checks every length. */
#include "pg/pg_types.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hex.h"
#include "util/json.h"
#include "util/timefmt.h"

/* PostgreSQL's _timetz, absent from the header's list because nothing else needs it. */
#define PG_OID_TIMETZ_ARRAY 1270
/* PostgreSQL counts dates and timestamps from 2000-01-01, DuckDB from 1970-01-01. */
#define PG_EPOCH_DAYS 10957
#define PG_EPOCH_MICROS (INT64_C(946684800) * 1000000)
#define MICROS_PER_DAY (INT64_C(86400) * 1000000)
/* The largest zone displacement either side keeps (PostgreSQL allows ±15:59:59, DuckDB the same). */
#define MAX_TZ_DISPLACEMENT (16 * 3600 - 1)

struct pg_codec {
	duckdb_type id;
	duckdb_type internal; /* storage of DECIMAL and ENUM */
	uint8_t scale;
	int32_t oid;          /* of the value; 0 when it has no encoder here */
	uint32_t nlabels;     /* ENUM labels, back to back in labels, label_off[i]..label_off[i + 1] */
	uint32_t *label_off;
	buf labels;
	struct pg_codec *elem; /* LIST and ARRAY */
	idx_t array_size;
};

/* ---- type mapping ---- */

static bool is_json_type(duckdb_logical_type t)
{
	char *alias = duckdb_logical_type_get_alias(t);
	bool json = alias && strcmp(alias, "JSON") == 0;
	duckdb_free(alias);
	return json;
}

/* The OID of a scalar type, 0 when there is none here. */
static int32_t scalar_oid(duckdb_type id, bool json)
{
	switch (id) {
	case DUCKDB_TYPE_BOOLEAN: return PG_OID_BOOL;
	case DUCKDB_TYPE_TINYINT:
	case DUCKDB_TYPE_SMALLINT:
	case DUCKDB_TYPE_UTINYINT: return PG_OID_INT2;
	case DUCKDB_TYPE_INTEGER:
	case DUCKDB_TYPE_USMALLINT: return PG_OID_INT4;
	case DUCKDB_TYPE_BIGINT:
	case DUCKDB_TYPE_UINTEGER: return PG_OID_INT8;
	case DUCKDB_TYPE_UBIGINT:
	case DUCKDB_TYPE_HUGEINT:
	case DUCKDB_TYPE_UHUGEINT:
	case DUCKDB_TYPE_DECIMAL: return PG_OID_NUMERIC;
	case DUCKDB_TYPE_FLOAT: return PG_OID_FLOAT4;
	case DUCKDB_TYPE_DOUBLE: return PG_OID_FLOAT8;
	case DUCKDB_TYPE_VARCHAR: return json ? PG_OID_JSON : PG_OID_TEXT;
	case DUCKDB_TYPE_ENUM: return PG_OID_TEXT;
	case DUCKDB_TYPE_BLOB: return PG_OID_BYTEA;
	case DUCKDB_TYPE_DATE: return PG_OID_DATE;
	case DUCKDB_TYPE_TIME: return PG_OID_TIME;
	case DUCKDB_TYPE_TIME_TZ: return PG_OID_TIMETZ;
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS: return PG_OID_TIMESTAMP;
	case DUCKDB_TYPE_TIMESTAMP_TZ: return PG_OID_TIMESTAMPTZ;
	case DUCKDB_TYPE_INTERVAL: return PG_OID_INTERVAL;
	case DUCKDB_TYPE_UUID: return PG_OID_UUID;
	default: return 0;
	}
}

static int32_t array_oid(int32_t elem)
{
	switch (elem) {
	case PG_OID_BOOL: return PG_OID_BOOL_ARRAY;
	case PG_OID_BYTEA: return PG_OID_BYTEA_ARRAY;
	case PG_OID_INT2: return PG_OID_INT2_ARRAY;
	case PG_OID_INT4: return PG_OID_INT4_ARRAY;
	case PG_OID_INT8: return PG_OID_INT8_ARRAY;
	case PG_OID_TEXT: return PG_OID_TEXT_ARRAY;
	case PG_OID_JSON: return PG_OID_JSON_ARRAY;
	case PG_OID_FLOAT4: return PG_OID_FLOAT4_ARRAY;
	case PG_OID_FLOAT8: return PG_OID_FLOAT8_ARRAY;
	case PG_OID_NUMERIC: return PG_OID_NUMERIC_ARRAY;
	case PG_OID_DATE: return PG_OID_DATE_ARRAY;
	case PG_OID_TIME: return PG_OID_TIME_ARRAY;
	case PG_OID_TIMETZ: return PG_OID_TIMETZ_ARRAY;
	case PG_OID_TIMESTAMP: return PG_OID_TIMESTAMP_ARRAY;
	case PG_OID_TIMESTAMPTZ: return PG_OID_TIMESTAMPTZ_ARRAY;
	case PG_OID_INTERVAL: return PG_OID_INTERVAL_ARRAY;
	case PG_OID_UUID: return PG_OID_UUID_ARRAY;
	default: return 0;
	}
}

static int16_t typlen_of(int32_t oid)
{
	switch (oid) {
	case PG_OID_BOOL: return 1;
	case PG_OID_INT2: return 2;
	case PG_OID_INT4:
	case PG_OID_FLOAT4:
	case PG_OID_DATE: return 4;
	case PG_OID_INT8:
	case PG_OID_FLOAT8:
	case PG_OID_TIME:
	case PG_OID_TIMESTAMP:
	case PG_OID_TIMESTAMPTZ: return 8;
	case PG_OID_TIMETZ: return 12;
	case PG_OID_INTERVAL:
	case PG_OID_UUID: return 16;
	default: return -1;
	}
}

static bool is_list(duckdb_type id) { return id == DUCKDB_TYPE_LIST || id == DUCKDB_TYPE_ARRAY; }

static duckdb_logical_type child_type(duckdb_logical_type t)
{
	return duckdb_get_type_id(t) == DUCKDB_TYPE_LIST ? duckdb_list_type_child_type(t) : duckdb_array_type_child_type(t);
}

/* The OID of t, 0 when unsupported: lists only of scalars, since PostgreSQL arrays of arrays are
 * rectangular and DuckDB's nested lists are not. */
static int32_t oid_of(duckdb_logical_type t)
{
	duckdb_type id = duckdb_get_type_id(t);
	if (!is_list(id))
		return scalar_oid(id, id == DUCKDB_TYPE_VARCHAR && is_json_type(t));
	duckdb_logical_type c = child_type(t);
	duckdb_type cid = duckdb_get_type_id(c);
	int32_t elem = is_list(cid) ? 0 : scalar_oid(cid, cid == DUCKDB_TYPE_VARCHAR && is_json_type(c));
	duckdb_destroy_logical_type(&c);
	return array_oid(elem);
}

bool pg_type_supported(duckdb_logical_type t) { return oid_of(t) != 0; }

int32_t pg_oid_of_type_id(duckdb_type id)
{
	if (is_list(id))
		return PG_OID_TEXT_ARRAY;
	int32_t oid = scalar_oid(id, false);
	return oid ? oid : PG_OID_TEXT;
}

/* ---- codecs ---- */

static void codec_free(struct pg_codec *k)
{
	if (!k)
		return;
	codec_free(k->elem);
	free(k->label_off);
	buf_free(&k->labels);
	free(k);
}

static int enum_labels(struct pg_codec *k, duckdb_logical_type t)
{
	uint32_t n = duckdb_enum_dictionary_size(t);
	k->label_off = malloc(((size_t)n + 1) * sizeof(*k->label_off));
	if (!k->label_off)
		return -1;
	k->label_off[0] = 0;
	for (uint32_t i = 0; i < n; i++) {
		char *s = duckdb_enum_dictionary_value(t, i);
		buf_puts(&k->labels, s ? s : "");
		duckdb_free(s);
		if (k->labels.len > UINT32_MAX)
			k->labels.failed = true;
		k->label_off[i + 1] = (uint32_t)k->labels.len;
	}
	if (buf_failed(&k->labels))
		return -1;
	k->nlabels = n;
	return 0;
}

static struct pg_codec *codec_new(duckdb_logical_type t)
{
	struct pg_codec *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->id = duckdb_get_type_id(t);
	k->oid = scalar_oid(k->id, k->id == DUCKDB_TYPE_VARCHAR && is_json_type(t));
	if (k->id == DUCKDB_TYPE_DECIMAL) {
		k->internal = duckdb_decimal_internal_type(t);
		k->scale = duckdb_decimal_scale(t);
	} else if (k->id == DUCKDB_TYPE_ENUM) {
		k->internal = duckdb_enum_internal_type(t);
		if (enum_labels(k, t) != 0)
			goto fail;
	} else if (is_list(k->id)) {
		duckdb_logical_type c = child_type(t);
		if (k->id == DUCKDB_TYPE_ARRAY)
			k->array_size = duckdb_array_type_array_size(t);
		k->elem = codec_new(c);
		duckdb_destroy_logical_type(&c);
		if (!k->elem)
			goto fail;
		k->oid = array_oid(k->elem->oid); /* 0 for lists of lists: those are not encoded */
	}
	return k;
fail:
	codec_free(k);
	return NULL;
}

int pg_column_init(struct pg_column *c, duckdb_logical_type t)
{
	memset(c, 0, sizeof(*c));
	c->oid = oid_of(t);
	if (c->oid == 0)
		c->oid = PG_OID_TEXT; /* not expected (see pg_type_supported); such values go out as NULL */
	c->typlen = typlen_of(c->oid);
	c->typmod = -1;
	if (duckdb_get_type_id(t) == DUCKDB_TYPE_DECIMAL)
		c->typmod = (int32_t)(((uint32_t)duckdb_decimal_width(t) << 16) | duckdb_decimal_scale(t)) + 4;
	c->codec = codec_new(t);
	return c->codec ? 0 : -1;
}

void pg_column_free(struct pg_column *c)
{
	codec_free(c->codec);
	c->codec = NULL;
}

/* ---- small writers ---- */

static void put_be16(buf *out, uint16_t v)
{
	unsigned char b[2] = {(unsigned char)(v >> 8), (unsigned char)v};
	buf_append(out, b, 2);
}

static void put_be32(buf *out, uint32_t v)
{
	unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
	buf_append(out, b, 4);
}

static void put_be64(buf *out, uint64_t v)
{
	put_be32(out, (uint32_t)(v >> 32));
	put_be32(out, (uint32_t)v);
}

static void put2(buf *out, unsigned v)
{
	char t[2] = {(char)('0' + v / 10 % 10), (char)('0' + v % 10)};
	buf_append(out, t, 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static inline bool is_valid(const uint64_t *validity, idx_t row)
{
	return !validity || (validity[row >> 6] >> (row & 63)) & 1;
}

static inline void str_of(const duckdb_string_t *s, const char **p, uint32_t *len)
{
	*len = s->value.inlined.length;
	*p = *len <= 12 ? s->value.inlined.inlined : s->value.pointer.ptr;
}

static __int128 hugeint_of(const duckdb_hugeint *h)
{
	return (__int128)((unsigned __int128)(uint64_t)h->upper << 64 | h->lower);
}

static __int128 decimal_unscaled(const struct pg_codec *k, const void *data, idx_t row)
{
	switch (k->internal) {
	case DUCKDB_TYPE_SMALLINT: return ((const int16_t *)data)[row];
	case DUCKDB_TYPE_INTEGER: return ((const int32_t *)data)[row];
	case DUCKDB_TYPE_BIGINT: return ((const int64_t *)data)[row];
	default: return hugeint_of(&((const duckdb_hugeint *)data)[row]);
	}
}

/* Any TIMESTAMP flavour as microseconds (nanoseconds truncated, as PostgreSQL keeps no more);
 * the infinities stay INT64_MAX and -INT64_MAX. */
static int64_t ts_micros(duckdb_type id, int64_t v)
{
	if (v == INT64_MAX || v == -INT64_MAX)
		return v;
	int64_t us;
	switch (id) {
	case DUCKDB_TYPE_TIMESTAMP_S:
		if (__builtin_mul_overflow(v, 1000000, &us))
			return v < 0 ? -INT64_MAX : INT64_MAX;
		return us;
	case DUCKDB_TYPE_TIMESTAMP_MS:
		if (__builtin_mul_overflow(v, 1000, &us))
			return v < 0 ? -INT64_MAX : INT64_MAX;
		return us;
	case DUCKDB_TYPE_TIMESTAMP_NS: return floor_div(v, 1000);
	default: return v;
	}
}

/* ---- text forms ---- */

/* Float text as PostgreSQL 12+ prints it: the shortest round-trip digits (taken from jw_double /
 * jw_float, which compute them), fixed notation for decimal exponents -4..digits-1 (digits being
 * 15 for float8, 6 for float4, as printf's %g would), else d.ddde+XX; no ".0" on whole values. */
static void put_float_text(buf *out, double v, bool single)
{
	if (isnan(v)) {
		buf_puts(out, "NaN");
		return;
	}
	if (isinf(v)) {
		buf_puts(out, v > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (v == 0) {
		buf_puts(out, signbit(v) ? "-0" : "0");
		return;
	}
	size_t at = out->len;
	if (single)
		jw_float(out, (float)v);
	else
		jw_double(out, v);
	if (buf_failed(out) || out->len - at >= 48)
		return;
	char s[48];
	size_t n = out->len - at;
	memcpy(s, out->data + at, n);
	s[n] = '\0';
	out->len = at;
	/* Read back digits and exponent: value = 0.d1d2… × 10^point. */
	char d[40];
	int nd = 0, point = 0;
	bool seen_point = false;
	const char *c = s;
	if (*c == '-')
		c++;
	for (; *c && *c != 'e' && *c != 'E'; c++) {
		if (*c == '.') {
			seen_point = true;
		} else if (nd == 0 && *c == '0') {
			if (seen_point)
				point--;
		} else if (nd < (int)sizeof(d)) {
			d[nd++] = *c;
			if (!seen_point)
				point++;
		}
	}
	if (*c)
		point += atoi(c + 1);
	while (nd > 1 && d[nd - 1] == '0')
		nd--;
	if (signbit(v))
		buf_putc(out, '-');
	int x = point - 1;
	if (x < -4 || x >= (single ? 6 : 15)) {
		buf_putc(out, d[0]);
		if (nd > 1) {
			buf_putc(out, '.');
			buf_append(out, d + 1, (size_t)(nd - 1));
		}
		buf_putc(out, 'e');
		buf_putc(out, x < 0 ? '-' : '+');
		int ax = x < 0 ? -x : x;
		if (ax >= 100)
			buf_putc(out, (char)('0' + ax / 100));
		put2(out, (unsigned)ax);
	} else if (point <= 0) {
		buf_append(out, "0.", 2);
		for (int i = 0; i < -point; i++)
			buf_putc(out, '0');
		buf_append(out, d, (size_t)nd);
	} else if (point < nd) {
		buf_append(out, d, (size_t)point);
		buf_putc(out, '.');
		buf_append(out, d + point, (size_t)(nd - point));
	} else {
		buf_append(out, d, (size_t)nd);
		for (int i = nd; i < point; i++)
			buf_putc(out, '0');
	}
}

static void put_hex_text(buf *out, const uint8_t *p, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	if (!buf_reserve(out, len * 2 + 2))
		return;
	out->data[out->len++] = '\\';
	out->data[out->len++] = 'x';
	for (size_t i = 0; i < len; i++) {
		out->data[out->len++] = hex[p[i] >> 4];
		out->data[out->len++] = hex[p[i] & 15];
	}
}

static void uuid_halves(const duckdb_hugeint *h, uint64_t *hi, uint64_t *lo)
{
	*hi = (uint64_t)h->upper ^ (UINT64_C(1) << 63); /* DuckDB flips the top bit so UUIDs sort as signed */
	*lo = h->lower;
}

static void put_uuid_text(buf *out, const duckdb_hugeint *h)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t hi, lo;
	uuid_halves(h, &hi, &lo);
	char s[36];
	int k = 0;
	for (int i = 0; i < 32; i++) {
		uint64_t word = i < 16 ? hi : lo;
		if (i == 8 || i == 12 || i == 16 || i == 20)
			s[k++] = '-';
		s[k++] = hex[(word >> (60 - 4 * (i % 16))) & 15];
	}
	buf_append(out, s, sizeof(s));
}

/* "2024-01-02"; returns whether the year is BC, for the caller to add " BC" where PostgreSQL puts
 * it (after the time and the zone). */
static bool put_date_text(buf *out, int64_t days)
{
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	bool bc = y <= 0; /* proleptic year 0 is 1 BC */
	int64_t shown = bc ? 1 - y : y;
	if (shown < 10000) {
		char t[4] = {(char)('0' + shown / 1000), (char)('0' + shown / 100 % 10), (char)('0' + shown / 10 % 10),
		             (char)('0' + shown % 10)};
		buf_append(out, t, 4);
	} else {
		jw_int64(out, shown);
	}
	buf_putc(out, '-');
	put2(out, m);
	buf_putc(out, '-');
	put2(out, d);
	return bc;
}

/* PostgreSQL's zone display: "+02", "-05:30", "+00:53:28" (seconds east of UTC in). */
static void put_offset_text(buf *out, int32_t off)
{
	buf_putc(out, off < 0 ? '-' : '+');
	uint32_t a = off < 0 ? (uint32_t)0 - (uint32_t)off : (uint32_t)off;
	put2(out, a / 3600);
	if (a % 3600) {
		buf_putc(out, ':');
		put2(out, a / 60 % 60);
	}
	if (a % 60) {
		buf_putc(out, ':');
		put2(out, a % 60);
	}
}

/* "2024-01-02 03:04:05.123456" for local microseconds, zone offset when with_zone, then " BC". */
static void put_timestamp_text(buf *out, int64_t us, bool with_zone, int32_t off)
{
	if (us == INT64_MAX || us == -INT64_MAX) {
		buf_puts(out, us > 0 ? "infinity" : "-infinity");
		return;
	}
	int64_t secs = floor_div(us, 1000000);
	int64_t days = floor_div(secs, 86400);
	bool bc = put_date_text(out, days);
	buf_putc(out, ' ');
	fmt_clock(out, secs - days * 86400, us - secs * 1000000, 6);
	if (with_zone)
		put_offset_text(out, off);
	if (bc)
		buf_puts(out, " BC");
}

static void put_timestamptz_text(buf *out, int64_t us, const struct tz *zone)
{
	int64_t local;
	int32_t off = 0;
	if (us != INT64_MAX && us != -INT64_MAX) {
		off = tz_offset(zone, floor_div(us, 1000000));
		if (__builtin_add_overflow(us, (int64_t)off * 1000000, &local))
			local = us, off = 0; /* within hours of the end of time: show it in UTC */
	} else {
		local = us;
	}
	put_timestamp_text(out, local, true, off);
}

static void put_interval_part(buf *out, int64_t v, const char *unit, bool *is_zero, bool *is_before)
{
	if (v == 0)
		return;
	if (!*is_zero)
		buf_putc(out, ' ');
	if (*is_before && v > 0)
		buf_putc(out, '+');
	jw_int64(out, v);
	buf_putc(out, ' ');
	buf_puts(out, unit);
	if (v != 1)
		buf_putc(out, 's');
	/* As PostgreSQL does: each nonzero field decides whether the next positive one shows a '+'. */
	*is_before = v < 0;
	*is_zero = false;
}

/* IntervalStyle postgres, exactly as PostgreSQL 15's EncodeInterval writes it. */
static void put_interval_text(buf *out, const duckdb_interval *iv)
{
	bool is_zero = true, is_before = false;
	put_interval_part(out, iv->months / 12, "year", &is_zero, &is_before);
	put_interval_part(out, iv->months % 12, "mon", &is_zero, &is_before);
	put_interval_part(out, iv->days, "day", &is_zero, &is_before);
	if (!is_zero && iv->micros == 0)
		return;
	if (!is_zero)
		buf_putc(out, ' ');
	if (iv->micros < 0)
		buf_putc(out, '-');
	else if (is_before)
		buf_putc(out, '+');
	uint64_t mag = iv->micros < 0 ? (uint64_t)0 - (uint64_t)iv->micros : (uint64_t)iv->micros;
	uint64_t secs = mag / 1000000, hours = secs / 3600;
	if (hours < 10)
		buf_putc(out, '0');
	jw_uint64(out, hours);
	buf_putc(out, ':');
	put2(out, (unsigned)(secs / 60 % 60));
	buf_putc(out, ':');
	put2(out, (unsigned)(secs % 60));
	uint64_t sub = mag % 1000000;
	if (sub) {
		char frac[6];
		for (int i = 5; i >= 0; i--, sub /= 10)
			frac[i] = (char)('0' + sub % 10);
		int n = 6;
		while (frac[n - 1] == '0')
			n--;
		buf_putc(out, '.');
		buf_append(out, frac, (size_t)n);
	}
}

static void put_enum_text(buf *out, const struct pg_codec *k, const void *data, idx_t row)
{
	uint64_t i;
	switch (k->internal) {
	case DUCKDB_TYPE_UTINYINT: i = ((const uint8_t *)data)[row]; break;
	case DUCKDB_TYPE_USMALLINT: i = ((const uint16_t *)data)[row]; break;
	default: i = ((const uint32_t *)data)[row]; break;
	}
	if (i < k->nlabels)
		buf_append(out, k->labels.data + k->label_off[i], k->label_off[i + 1] - k->label_off[i]);
}

static void put_time_tz_parts(duckdb_time_tz t, int64_t *micros, int32_t *offset)
{
	duckdb_time_tz_struct s = duckdb_from_time_tz(t);
	*micros = (((int64_t)s.time.hour * 60 + s.time.min) * 60 + s.time.sec) * 1000000 + s.time.micros;
	*offset = s.offset;
}

static void put_text(buf *out, const struct pg_codec *k, duckdb_vector v, idx_t row, const struct tz *zone);

/* Array elements are quoted when PostgreSQL's array_out would: empty, NULL-like, or holding
 * {},"\ or white space. The element was written at out[at..]; it is quoted in place, from the
 * back, so no copy of it is needed. */
static void quote_element(buf *out, size_t at)
{
	if (buf_failed(out))
		return;
	const char *s = out->data + at;
	size_t n = out->len - at, esc = 0;
	bool need = n == 0 || (n == 4 && strncasecmp(s, "NULL", 4) == 0);
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '"' || ch == '\\')
			esc++;
		if (ch == '{' || ch == '}' || ch == ',' || ch == '"' || ch == '\\' || ch == ' ' || ch == '\t' ||
		    ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f')
			need = true;
	}
	if (!need || !buf_reserve(out, 2 + esc))
		return;
	char *d = out->data + at;
	size_t w = n + 2 + esc;
	d[--w] = '"';
	for (size_t i = n; i-- > 0;) {
		d[--w] = d[i];
		if (d[i] == '"' || d[i] == '\\')
			d[--w] = '\\';
	}
	d[0] = '"';
	out->len = at + n + 2 + esc;
}

static void put_array_text(buf *out, const struct pg_codec *k, duckdb_vector child, idx_t off, idx_t len,
                           const struct tz *zone)
{
	const uint64_t *validity = duckdb_vector_get_validity(child);
	buf_putc(out, '{');
	for (idx_t i = 0; i < len; i++) {
		if (i)
			buf_putc(out, ',');
		if (!is_valid(validity, off + i)) {
			buf_append(out, "NULL", 4);
			continue;
		}
		size_t at = out->len;
		put_text(out, k->elem, child, off + i, zone);
		quote_element(out, at);
	}
	buf_putc(out, '}');
}

static void put_text(buf *out, const struct pg_codec *k, duckdb_vector v, idx_t row, const struct tz *zone)
{
	const void *data = duckdb_vector_get_data(v);
	const char *sp;
	uint32_t slen;
	switch (k->id) {
	case DUCKDB_TYPE_BOOLEAN: buf_putc(out, ((const bool *)data)[row] ? 't' : 'f'); return;
	case DUCKDB_TYPE_TINYINT: jw_int64(out, ((const int8_t *)data)[row]); return;
	case DUCKDB_TYPE_SMALLINT: jw_int64(out, ((const int16_t *)data)[row]); return;
	case DUCKDB_TYPE_INTEGER: jw_int64(out, ((const int32_t *)data)[row]); return;
	case DUCKDB_TYPE_BIGINT: jw_int64(out, ((const int64_t *)data)[row]); return;
	case DUCKDB_TYPE_UTINYINT: jw_uint64(out, ((const uint8_t *)data)[row]); return;
	case DUCKDB_TYPE_USMALLINT: jw_uint64(out, ((const uint16_t *)data)[row]); return;
	case DUCKDB_TYPE_UINTEGER: jw_uint64(out, ((const uint32_t *)data)[row]); return;
	case DUCKDB_TYPE_UBIGINT: jw_uint64(out, ((const uint64_t *)data)[row]); return;
	case DUCKDB_TYPE_HUGEINT: jw_int128(out, hugeint_of(&((const duckdb_hugeint *)data)[row])); return;
	case DUCKDB_TYPE_UHUGEINT: {
		duckdb_uhugeint h = ((const duckdb_uhugeint *)data)[row];
		jw_uint128(out, (unsigned __int128)h.upper << 64 | h.lower);
		return;
	}
	case DUCKDB_TYPE_DECIMAL: jw_decimal(out, decimal_unscaled(k, data, row), k->scale); return;
	case DUCKDB_TYPE_FLOAT: put_float_text(out, ((const float *)data)[row], true); return;
	case DUCKDB_TYPE_DOUBLE: put_float_text(out, ((const double *)data)[row], false); return;
	case DUCKDB_TYPE_VARCHAR:
		str_of(&((const duckdb_string_t *)data)[row], &sp, &slen);
		buf_append(out, sp, slen);
		return;
	case DUCKDB_TYPE_BLOB:
		str_of(&((const duckdb_string_t *)data)[row], &sp, &slen);
		put_hex_text(out, (const uint8_t *)sp, slen);
		return;
	case DUCKDB_TYPE_ENUM: put_enum_text(out, k, data, row); return;
	case DUCKDB_TYPE_UUID: put_uuid_text(out, &((const duckdb_hugeint *)data)[row]); return;
	case DUCKDB_TYPE_DATE: {
		int32_t d = ((const int32_t *)data)[row];
		if (d == INT32_MAX || d == -INT32_MAX)
			buf_puts(out, d > 0 ? "infinity" : "-infinity");
		else if (put_date_text(out, d))
			buf_puts(out, " BC");
		return;
	}
	case DUCKDB_TYPE_TIME: {
		int64_t us = ((const int64_t *)data)[row];
		fmt_clock(out, us / 1000000, us % 1000000, 6);
		return;
	}
	case DUCKDB_TYPE_TIME_TZ: {
		int64_t us;
		int32_t off;
		put_time_tz_parts(((const duckdb_time_tz *)data)[row], &us, &off);
		fmt_clock(out, us / 1000000, us % 1000000, 6);
		put_offset_text(out, off);
		return;
	}
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS:
		put_timestamp_text(out, ts_micros(k->id, ((const int64_t *)data)[row]), false, 0);
		return;
	case DUCKDB_TYPE_TIMESTAMP_TZ: put_timestamptz_text(out, ((const int64_t *)data)[row], zone); return;
	case DUCKDB_TYPE_INTERVAL: put_interval_text(out, &((const duckdb_interval *)data)[row]); return;
	case DUCKDB_TYPE_LIST: {
		duckdb_list_entry e = ((const duckdb_list_entry *)data)[row];
		put_array_text(out, k, duckdb_list_vector_get_child(v), e.offset, e.length, zone);
		return;
	}
	case DUCKDB_TYPE_ARRAY:
		put_array_text(out, k, duckdb_array_vector_get_child(v), row * k->array_size, k->array_size, zone);
		return;
	default: return;
	}
}

/* ---- binary forms ---- */

static size_t u128_digits(unsigned __int128 v, char *d)
{
	char tmp[40];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		d[i] = tmp[n - 1 - i];
	return n;
}

/* numeric_send: base-10000 digits grouped from the decimal point, leading and trailing zero
 * groups dropped (weight says where the first kept group sits), then dscale. */
static void put_numeric_binary(buf *out, bool neg, unsigned __int128 mag, unsigned scale)
{
	char d[40];
	size_t n = u128_digits(mag, d);
	size_t intdigits = n > scale ? n - scale : 0;
	size_t intg = (intdigits + 3) / 4, fracg = (scale + 3) / 4;
	char s[24 * 4];
	memset(s, '0', sizeof(s));
	if (intdigits)
		memcpy(s + intg * 4 - intdigits, d, intdigits);
	/* The last `scale` digits are the fraction, zero-padded on the left when the value is short. */
	size_t fd = n - intdigits;
	memcpy(s + intg * 4 + (scale - fd), d + intdigits, fd);
	uint16_t groups[24];
	size_t ng = intg + fracg;
	for (size_t g = 0; g < ng; g++) {
		const char *q = s + g * 4;
		groups[g] = (uint16_t)((q[0] - '0') * 1000 + (q[1] - '0') * 100 + (q[2] - '0') * 10 + (q[3] - '0'));
	}
	int weight = (int)intg - 1;
	size_t first = 0, last = ng;
	while (first < last && groups[first] == 0) {
		first++;
		weight--;
	}
	while (last > first && groups[last - 1] == 0)
		last--;
	if (first == last) {
		weight = 0;
		neg = false;
	}
	put_be16(out, (uint16_t)(last - first));
	put_be16(out, (uint16_t)(int16_t)weight);
	put_be16(out, neg ? 0x4000 : 0x0000);
	put_be16(out, (uint16_t)scale);
	for (size_t g = first; g < last; g++)
		put_be16(out, groups[g]);
}

static void put_signed_numeric(buf *out, __int128 v, unsigned scale)
{
	unsigned __int128 mag = v < 0 ? (unsigned __int128)0 - (unsigned __int128)v : (unsigned __int128)v;
	put_numeric_binary(out, v < 0, mag, scale);
}

static int64_t pg_timestamp_of(int64_t us)
{
	if (us == INT64_MAX)
		return INT64_MAX;
	if (us == -INT64_MAX)
		return INT64_MIN;
	int64_t r;
	if (__builtin_sub_overflow(us, PG_EPOCH_MICROS, &r))
		return INT64_MIN + 1; /* before anything PostgreSQL can hold anyway */
	return r;
}

static void put_field(buf *out, const struct pg_codec *k, duckdb_vector v, idx_t row, int format,
                      const struct tz *zone);

static void put_array_binary(buf *out, const struct pg_codec *k, duckdb_vector child, idx_t off, idx_t len)
{
	const uint64_t *validity = duckdb_vector_get_validity(child);
	if (len > INT32_MAX) {
		out->failed = true;
		return;
	}
	bool nulls = false;
	for (idx_t i = 0; i < len && !nulls; i++)
		nulls = !is_valid(validity, off + i);
	put_be32(out, len ? 1 : 0);
	put_be32(out, nulls);
	put_be32(out, (uint32_t)k->elem->oid);
	if (len) {
		put_be32(out, (uint32_t)len);
		put_be32(out, 1);
	}
	for (idx_t i = 0; i < len; i++) {
		if (!is_valid(validity, off + i))
			put_be32(out, UINT32_MAX);
		else
			put_field(out, k->elem, child, off + i, 1, NULL);
	}
}

static void put_binary(buf *out, const struct pg_codec *k, duckdb_vector v, idx_t row)
{
	const void *data = duckdb_vector_get_data(v);
	const char *sp;
	uint32_t slen;
	switch (k->id) {
	case DUCKDB_TYPE_BOOLEAN: buf_putc(out, ((const bool *)data)[row] ? 1 : 0); return;
	case DUCKDB_TYPE_TINYINT: put_be16(out, (uint16_t)((const int8_t *)data)[row]); return;
	case DUCKDB_TYPE_UTINYINT: put_be16(out, ((const uint8_t *)data)[row]); return;
	case DUCKDB_TYPE_SMALLINT: put_be16(out, (uint16_t)((const int16_t *)data)[row]); return;
	case DUCKDB_TYPE_USMALLINT: put_be32(out, ((const uint16_t *)data)[row]); return;
	case DUCKDB_TYPE_INTEGER: put_be32(out, (uint32_t)((const int32_t *)data)[row]); return;
	case DUCKDB_TYPE_UINTEGER: put_be64(out, ((const uint32_t *)data)[row]); return;
	case DUCKDB_TYPE_BIGINT: put_be64(out, (uint64_t)((const int64_t *)data)[row]); return;
	case DUCKDB_TYPE_UBIGINT: put_numeric_binary(out, false, ((const uint64_t *)data)[row], 0); return;
	case DUCKDB_TYPE_HUGEINT: put_signed_numeric(out, hugeint_of(&((const duckdb_hugeint *)data)[row]), 0); return;
	case DUCKDB_TYPE_UHUGEINT: {
		duckdb_uhugeint h = ((const duckdb_uhugeint *)data)[row];
		put_numeric_binary(out, false, (unsigned __int128)h.upper << 64 | h.lower, 0);
		return;
	}
	case DUCKDB_TYPE_DECIMAL: put_signed_numeric(out, decimal_unscaled(k, data, row), k->scale); return;
	case DUCKDB_TYPE_FLOAT: {
		uint32_t bits;
		memcpy(&bits, &((const float *)data)[row], 4);
		put_be32(out, bits);
		return;
	}
	case DUCKDB_TYPE_DOUBLE: {
		uint64_t bits;
		memcpy(&bits, &((const double *)data)[row], 8);
		put_be64(out, bits);
		return;
	}
	case DUCKDB_TYPE_VARCHAR:
	case DUCKDB_TYPE_BLOB:
		str_of(&((const duckdb_string_t *)data)[row], &sp, &slen);
		buf_append(out, sp, slen);
		return;
	case DUCKDB_TYPE_ENUM: put_enum_text(out, k, data, row); return;
	case DUCKDB_TYPE_UUID: {
		uint64_t hi, lo;
		uuid_halves(&((const duckdb_hugeint *)data)[row], &hi, &lo);
		put_be64(out, hi);
		put_be64(out, lo);
		return;
	}
	case DUCKDB_TYPE_DATE: {
		int32_t d = ((const int32_t *)data)[row];
		put_be32(out, (uint32_t)(d == INT32_MAX ? INT32_MAX : d == -INT32_MAX ? INT32_MIN : d - PG_EPOCH_DAYS));
		return;
	}
	case DUCKDB_TYPE_TIME: put_be64(out, (uint64_t)((const int64_t *)data)[row]); return;
	case DUCKDB_TYPE_TIME_TZ: {
		int64_t us;
		int32_t off;
		put_time_tz_parts(((const duckdb_time_tz *)data)[row], &us, &off);
		put_be64(out, (uint64_t)us);
		put_be32(out, (uint32_t)-off); /* PostgreSQL counts seconds west of UTC */
		return;
	}
	case DUCKDB_TYPE_TIMESTAMP:
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS:
	case DUCKDB_TYPE_TIMESTAMP_TZ:
		put_be64(out, (uint64_t)pg_timestamp_of(ts_micros(k->id, ((const int64_t *)data)[row])));
		return;
	case DUCKDB_TYPE_INTERVAL: {
		duckdb_interval iv = ((const duckdb_interval *)data)[row];
		put_be64(out, (uint64_t)iv.micros);
		put_be32(out, (uint32_t)iv.days);
		put_be32(out, (uint32_t)iv.months);
		return;
	}
	case DUCKDB_TYPE_LIST: {
		duckdb_list_entry e = ((const duckdb_list_entry *)data)[row];
		put_array_binary(out, k, duckdb_list_vector_get_child(v), e.offset, e.length);
		return;
	}
	case DUCKDB_TYPE_ARRAY:
		put_array_binary(out, k, duckdb_array_vector_get_child(v), row * k->array_size, k->array_size);
		return;
	default: return;
	}
}

/* A length-prefixed field: the length is patched in once the value is written. */
static void put_field(buf *out, const struct pg_codec *k, duckdb_vector v, idx_t row, int format,
                      const struct tz *zone)
{
	if (!k || k->oid == 0) {
		put_be32(out, UINT32_MAX); /* a type without an encoder here: NULL rather than a broken row */
		return;
	}
	size_t at = out->len;
	put_be32(out, 0);
	if (format == 1)
		put_binary(out, k, v, row);
	else
		put_text(out, k, v, row, zone);
	if (buf_failed(out))
		return;
	size_t n = out->len - at - 4;
	if (n > INT32_MAX) {
		out->failed = true;
		return;
	}
	unsigned char *p = (unsigned char *)out->data + at;
	p[0] = (unsigned char)(n >> 24), p[1] = (unsigned char)(n >> 16), p[2] = (unsigned char)(n >> 8), p[3] = (unsigned char)n;
}

void pg_column_value(buf *out, const struct pg_column *c, duckdb_vector v, idx_t row, int format,
                     const struct tz *zone)
{
	if (!is_valid(duckdb_vector_get_validity(v), row)) {
		put_be32(out, UINT32_MAX);
		return;
	}
	put_field(out, c->codec, v, row, format, zone);
}

/* ---- parameters ---- */

static duckdb_value fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static duckdb_value fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

/* The input as it may appear inside an error message: at most 64 bytes, anything that is not
 * printable ASCII or valid UTF-8 shown as '?', so the message itself stays valid UTF-8. */
static void shown_input(char *dst, size_t cap, const unsigned char *p, size_t len)
{
	size_t w = 0;
	for (size_t i = 0; i < len && w + 5 < cap;) {
		size_t n = p[i] >= 0x80 ? utf8_valid_len(p + i, len - i) : 1;
		if (w >= 64) {
			memcpy(dst + w, "...", 3);
			w += 3;
			break;
		}
		if (p[i] < 0x20 || p[i] == 0x7F || n == 0) {
			dst[w++] = '?';
			i++;
		} else {
			memcpy(dst + w, p + i, n);
			w += n;
			i += n;
		}
	}
	dst[w] = '\0';
}

static duckdb_value bad_syntax(char *err, size_t errlen, const char *type, const unsigned char *p, size_t len)
{
	char s[80];
	shown_input(s, sizeof(s), p, len);
	return fail(err, errlen, "invalid input syntax for type %s: \"%s\"", type, s);
}

static duckdb_value out_of_range(char *err, size_t errlen, const char *type, const unsigned char *p, size_t len,
                                 bool quoted_value)
{
	char s[80];
	shown_input(s, sizeof(s), p, len);
	/* PostgreSQL words integer and float range errors differently; both are kept. */
	if (quoted_value)
		return fail(err, errlen, "value \"%s\" is out of range for type %s", s, type);
	return fail(err, errlen, "\"%s\" is out of range for type %s", s, type);
}

static bool pg_isspace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static void trim(const unsigned char **p, size_t *len)
{
	while (*len && pg_isspace(**p))
		(*p)++, (*len)--;
	while (*len && pg_isspace((*p)[*len - 1]))
		(*len)--;
}

/* Text of a declared type DuckDB must receive as it is: valid UTF-8 without NUL bytes, as
 * PostgreSQL itself insists on for every text value. */
static duckdb_value varchar_value(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	for (size_t i = 0; i < len;) {
		size_t n = p[i] == 0 ? 0 : p[i] < 0x80 ? 1 : utf8_valid_len(p + i, len - i);
		if (n == 0) {
			size_t want = p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : p[i] >= 0xC0 ? 2 : 1;
			char hex[20] = "";
			for (size_t j = 0; j < want && i + j < len; j++)
				snprintf(hex + strlen(hex), sizeof(hex) - strlen(hex), "%s0x%02x", j ? " " : "", p[i + j]);
			return fail(err, errlen, "invalid byte sequence for encoding \"UTF8\": %s", hex);
		}
		i += n;
	}
	duckdb_value v = duckdb_create_varchar_length((const char *)p, len);
	return v ? v : fail(err, errlen, "out of memory");
}

static duckdb_value int_text(int32_t oid, const unsigned char *p0, size_t len0, char *err, size_t errlen)
{
	const char *type = oid == PG_OID_INT2 ? "smallint" : oid == PG_OID_INT4 ? "integer" : "bigint";
	const unsigned char *p = p0;
	size_t len = len0;
	trim(&p, &len);
	bool neg = len && p[0] == '-';
	if (len && (p[0] == '-' || p[0] == '+'))
		p++, len--;
	if (len == 0)
		return bad_syntax(err, errlen, type, p0, len0);
	uint64_t mag = 0;
	bool over = false;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return bad_syntax(err, errlen, type, p0, len0);
		if (mag > (UINT64_MAX - 9) / 10)
			over = true;
		else
			mag = mag * 10 + (uint64_t)(p[i] - '0');
	}
	int64_t max = oid == PG_OID_INT2 ? INT16_MAX : oid == PG_OID_INT4 ? INT32_MAX : INT64_MAX;
	if (over || mag > (uint64_t)max + (neg ? 1 : 0))
		return out_of_range(err, errlen, type, p0, len0, true);
	int64_t v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return duckdb_create_int64(v);
}

static duckdb_value float_text(int32_t oid, const unsigned char *p0, size_t len0, char *err, size_t errlen)
{
	const char *type = oid == PG_OID_FLOAT4 ? "real" : "double precision";
	const unsigned char *p = p0;
	size_t len = len0;
	trim(&p, &len);
	if (len == 0 || memchr(p, '\0', len))
		return bad_syntax(err, errlen, type, p0, len0);
	char small[128], *s = len < sizeof(small) ? small : malloc(len + 1);
	if (!s)
		return fail(err, errlen, "out of memory");
	memcpy(s, p, len);
	s[len] = '\0';
	char *end;
	errno = 0;
	double v;
	bool range = false;
	if (oid == PG_OID_FLOAT4) {
		float f = strtof(s, &end);
		range = errno == ERANGE && (f == 0 || isinf(f));
		v = f;
	} else {
		v = strtod(s, &end);
		range = errno == ERANGE && (v == 0 || isinf(v));
	}
	bool whole = end == s + len && end != s;
	if (s != small)
		free(s);
	if (!whole)
		return bad_syntax(err, errlen, type, p0, len0);
	if (range)
		return out_of_range(err, errlen, type, p0, len0, false);
	return duckdb_create_double(v);
}

/* PostgreSQL's parse_bool: any unambiguous prefix of true/false/yes/no, on/off, 1/0. */
static duckdb_value bool_text(const unsigned char *p0, size_t len0, char *err, size_t errlen)
{
	const unsigned char *p = p0;
	size_t len = len0;
	trim(&p, &len);
	static const struct {
		const char *word;
		size_t min;
		bool value;
	} words[] = {{"true", 1, true}, {"false", 1, false}, {"yes", 1, true}, {"no", 1, false},
	             {"on", 2, true},   {"off", 2, false},   {"1", 1, true},   {"0", 1, false}};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (len >= words[i].min && len <= strlen(words[i].word) &&
		    strncasecmp((const char *)p, words[i].word, len) == 0)
			return duckdb_create_bool(words[i].value);
	return bad_syntax(err, errlen, "boolean", p0, len0);
}

static bool word_is(const unsigned char *p, size_t len, const char *w)
{
	return len == strlen(w) && strncasecmp((const char *)p, w, len) == 0;
}

/* numeric_in's syntax, checked so a malformed value fails with PostgreSQL's message; DuckDB then
 * casts the text, which keeps every digit. */
static duckdb_value numeric_text(const unsigned char *p0, size_t len0, char *err, size_t errlen)
{
	const unsigned char *p = p0;
	size_t len = len0;
	trim(&p, &len);
	static const char *const specials[] = {"NaN", "Infinity", "+Infinity", "-Infinity", "inf", "+inf", "-inf"};
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++)
		if (word_is(p, len, specials[i]))
			return varchar_value(p, len, err, errlen);
	size_t i = 0, digits = 0;
	if (i < len && (p[i] == '+' || p[i] == '-'))
		i++;
	for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
		digits++;
	if (i < len && p[i] == '.')
		for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++)
			digits++;
	if (digits && i < len && (p[i] == 'e' || p[i] == 'E')) {
		size_t e = 0;
		i++;
		if (i < len && (p[i] == '+' || p[i] == '-'))
			i++;
		for (; i < len && p[i] >= '0' && p[i] <= '9'; i++)
			e++;
		if (!e)
			digits = 0;
	}
	if (!digits || i != len)
		return bad_syntax(err, errlen, "numeric", p0, len0);
	return varchar_value(p, len, err, errlen);
}

/* byteain: "\x" then hex pairs (white space between pairs allowed), or the escape form where
 * "\\" is a backslash and "\ooo" an octal byte. Decoded here because DuckDB's own text form of
 * BLOB reads "\x01" as one byte per escape and would take PostgreSQL's hex form apart. */
static duckdb_value bytea_text(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	uint8_t *b = malloc(len ? len : 1);
	if (!b)
		return fail(err, errlen, "out of memory");
	size_t n = 0;
	duckdb_value v = NULL;
	if (len >= 2 && p[0] == '\\' && p[1] == 'x') {
		for (size_t i = 2; i < len;) {
			if (pg_isspace(p[i]) && p[i] != '\v' && p[i] != '\f') {
				i++;
				continue;
			}
			int hi = hex_value(p[i]);
			if (hi < 0) {
				fail(err, errlen, "invalid hexadecimal digit: \"%c\"", p[i] < 0x80 && p[i] >= 0x20 ? p[i] : '?');
				goto done;
			}
			if (i + 1 >= len) {
				fail(err, errlen, "invalid hexadecimal data: odd number of digits");
				goto done;
			}
			int lo = hex_value(p[i + 1]);
			if (lo < 0) {
				fail(err, errlen, "invalid hexadecimal digit: \"%c\"",
				     p[i + 1] < 0x80 && p[i + 1] >= 0x20 ? p[i + 1] : '?');
				goto done;
			}
			b[n++] = (uint8_t)(hi << 4 | lo);
			i += 2;
		}
	} else {
		for (size_t i = 0; i < len;) {
			if (p[i] != '\\') {
				b[n++] = p[i++];
			} else if (i + 1 < len && p[i + 1] == '\\') {
				b[n++] = '\\';
				i += 2;
			} else if (i + 3 < len && p[i + 1] >= '0' && p[i + 1] <= '3' && p[i + 2] >= '0' && p[i + 2] <= '7' &&
			           p[i + 3] >= '0' && p[i + 3] <= '7') {
				b[n++] = (uint8_t)((p[i + 1] - '0') << 6 | (p[i + 2] - '0') << 3 | (p[i + 3] - '0'));
				i += 4;
			} else {
				bad_syntax(err, errlen, "bytea", p, len);
				goto done;
			}
		}
	}
	v = duckdb_create_blob(b, n);
	if (!v)
		fail(err, errlen, "out of memory");
done:
	free(b);
	return v;
}

static uint16_t rd16(const unsigned char *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t rd32(const unsigned char *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint64_t rd64(const unsigned char *p) { return (uint64_t)rd32(p) << 32 | rd32(p + 4); }

/* numeric_recv, to the decimal text DuckDB casts: every base-10000 digit checked, dscale digits
 * after the point as get_str_from_var prints them. */
static duckdb_value numeric_binary(const unsigned char *p, size_t len, char *err, size_t errlen)
{
	if (len < 8)
		return fail(err, errlen, "incorrect binary data format for type numeric: %zu bytes", len);
	int ndigits = (int16_t)rd16(p), weight = (int16_t)rd16(p + 2);
	uint16_t sign = rd16(p + 4);
	int dscale = (int16_t)rd16(p + 6);
	if (ndigits < 0 || len != 8 + (size_t)ndigits * 2)
		return fail(err, errlen, "incorrect binary data format for type numeric: %zu bytes for %d digits", len, ndigits);
	if (sign == 0xC000)
		return duckdb_create_varchar("NaN");
	if (sign == 0xD000)
		return duckdb_create_varchar("Infinity");
	if (sign == 0xF000)
		return duckdb_create_varchar("-Infinity");
	if (sign != 0x0000 && sign != 0x4000)
		return fail(err, errlen, "invalid sign in external \"numeric\" value");
	if (dscale < 0 || dscale > 0x3FFF)
		return fail(err, errlen, "invalid scale in external \"numeric\" value");
	for (int i = 0; i < ndigits; i++)
		if (rd16(p + 8 + 2 * i) >= 10000)
			return fail(err, errlen, "invalid digit in external \"numeric\" value");
	buf s;
	buf_init(&s);
	if (sign == 0x4000)
		buf_putc(&s, '-');
	int d;
	if (weight < 0) {
		d = weight + 1;
		buf_putc(&s, '0');
	} else {
		for (d = 0; d <= weight; d++) {
			unsigned dig = d < ndigits ? rd16(p + 8 + 2 * d) : 0;
			char g[4] = {(char)('0' + dig / 1000), (char)('0' + dig / 100 % 10), (char)('0' + dig / 10 % 10),
			             (char)('0' + dig % 10)};
			size_t skip = 0;
			while (d == 0 && skip < 3 && g[skip] == '0')
				skip++;
			buf_append(&s, g + skip, 4 - skip);
		}
	}
	if (dscale > 0) {
		buf_putc(&s, '.');
		for (int i = 0; i < dscale; d++, i += 4) {
			unsigned dig = d >= 0 && d < ndigits ? rd16(p + 8 + 2 * d) : 0;
			char g[4] = {(char)('0' + dig / 1000), (char)('0' + dig / 100 % 10), (char)('0' + dig / 10 % 10),
			             (char)('0' + dig % 10)};
			buf_append(&s, g, (size_t)(dscale - i < 4 ? dscale - i : 4));
		}
	}
	duckdb_value v = buf_failed(&s) ? NULL : duckdb_create_varchar_length(s.data, s.len);
	buf_free(&s);
	return v ? v : fail(err, errlen, "out of memory");
}

static const char *type_name(int32_t oid)
{
	switch (oid) {
	case PG_OID_BOOL: return "boolean";
	case PG_OID_INT2: return "smallint";
	case PG_OID_INT4: return "integer";
	case PG_OID_INT8: return "bigint";
	case PG_OID_FLOAT4: return "real";
	case PG_OID_FLOAT8: return "double precision";
	case PG_OID_DATE: return "date";
	case PG_OID_TIME: return "time without time zone";
	case PG_OID_TIMETZ: return "time with time zone";
	case PG_OID_TIMESTAMP: return "timestamp without time zone";
	case PG_OID_TIMESTAMPTZ: return "timestamp with time zone";
	case PG_OID_INTERVAL: return "interval";
	case PG_OID_UUID: return "uuid";
	default: return "unknown";
	}
}

/* The fixed size of a binary value of oid, 0 when it is not fixed. */
static size_t binary_size(int32_t oid)
{
	int16_t n = typlen_of(oid);
	return n > 0 ? (size_t)n : 0;
}

static duckdb_value timestamp_binary(int32_t oid, int64_t v, char *err, size_t errlen)
{
	duckdb_timestamp ts;
	if (v == INT64_MAX)
		ts.micros = INT64_MAX;
	else if (v == INT64_MIN)
		ts.micros = -INT64_MAX;
	else if (__builtin_add_overflow(v, PG_EPOCH_MICROS, &ts.micros) || ts.micros == INT64_MAX ||
	         ts.micros == -INT64_MAX)
		return fail(err, errlen, "timestamp out of range");
	return oid == PG_OID_TIMESTAMPTZ ? duckdb_create_timestamp_tz(ts) : duckdb_create_timestamp(ts);
}

static duckdb_value fixed_binary(int32_t oid, const unsigned char *p, char *err, size_t errlen)
{
	switch (oid) {
	case PG_OID_BOOL: return duckdb_create_bool(p[0] != 0);
	case PG_OID_INT2: return duckdb_create_int64((int16_t)rd16(p));
	case PG_OID_INT4: return duckdb_create_int64((int32_t)rd32(p));
	case PG_OID_INT8: return duckdb_create_int64((int64_t)rd64(p));
	case PG_OID_FLOAT4: {
		uint32_t bits = rd32(p);
		float f;
		memcpy(&f, &bits, 4);
		return duckdb_create_double(f);
	}
	case PG_OID_FLOAT8: {
		uint64_t bits = rd64(p);
		double f;
		memcpy(&f, &bits, 8);
		return duckdb_create_double(f);
	}
	case PG_OID_DATE: {
		int32_t v = (int32_t)rd32(p);
		int64_t days = v == INT32_MAX ? INT32_MAX : v == INT32_MIN ? -INT32_MAX : (int64_t)v + PG_EPOCH_DAYS;
		if ((v != INT32_MAX && v != INT32_MIN) && (days >= INT32_MAX || days <= -INT32_MAX))
			return fail(err, errlen, "date out of range");
		duckdb_date d = {(int32_t)days};
		return duckdb_create_date(d);
	}
	case PG_OID_TIME: {
		int64_t us = (int64_t)rd64(p);
		if (us < 0 || us > MICROS_PER_DAY)
			return fail(err, errlen, "time out of range");
		duckdb_time t = {us};
		return duckdb_create_time(t);
	}
	case PG_OID_TIMETZ: {
		int64_t us = (int64_t)rd64(p);
		int32_t west = (int32_t)rd32(p + 8);
		if (us < 0 || us > MICROS_PER_DAY)
			return fail(err, errlen, "time out of range");
		if (west < -MAX_TZ_DISPLACEMENT || west > MAX_TZ_DISPLACEMENT)
			return fail(err, errlen, "time zone displacement out of range");
		return duckdb_create_time_tz_value(duckdb_create_time_tz(us, -west));
	}
	case PG_OID_TIMESTAMP:
	case PG_OID_TIMESTAMPTZ: return timestamp_binary(oid, (int64_t)rd64(p), err, errlen);
	case PG_OID_INTERVAL: {
		duckdb_interval iv = {(int32_t)rd32(p + 12), (int32_t)rd32(p + 8), (int64_t)rd64(p)};
		return duckdb_create_interval(iv);
	}
	case PG_OID_UUID: {
		duckdb_uhugeint u = {rd64(p + 8), rd64(p)};
		return duckdb_create_uuid(u);
	}
	default: return fail(err, errlen, "unsupported binary format for parameter type %d", oid);
	}
}

static duckdb_value binary_param(int32_t oid, const unsigned char *p, size_t len, char *err, size_t errlen)
{
	switch (oid) {
	case PG_OID_TEXT:
	case PG_OID_VARCHAR:
	case PG_OID_JSON:
	case PG_OID_UNKNOWN: return varchar_value(p, len, err, errlen);
	case 0: /* untyped bytes in binary format: clients send raw buffers this way (node-postgres) */
	case PG_OID_BYTEA: {
		duckdb_value v = duckdb_create_blob(p, len);
		return v ? v : fail(err, errlen, "out of memory");
	}
	case PG_OID_NUMERIC: return numeric_binary(p, len, err, errlen);
	default: break;
	}
	size_t want = binary_size(oid);
	if (want == 0 || oid == PG_OID_OID)
		return fail(err, errlen, "unsupported binary format for parameter type %d", oid);
	if (len != want)
		return fail(err, errlen, "incorrect binary data format for type %s: expected %zu bytes, got %zu",
		            type_name(oid), want, len);
	return fixed_binary(oid, p, err, errlen);
}

duckdb_value pg_param_value(int32_t oid, int format, const unsigned char *p, size_t len, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	static const unsigned char none[1] = {0};
	if (!p)
		p = none, len = 0;
	if (format == 1)
		return binary_param(oid, p, len, err, errlen);
	if (format != 0)
		return fail(err, errlen, "unsupported format code: %d", format);
	switch (oid) {
	case PG_OID_INT2:
	case PG_OID_INT4:
	case PG_OID_INT8: return int_text(oid, p, len, err, errlen);
	case PG_OID_FLOAT4:
	case PG_OID_FLOAT8: return float_text(oid, p, len, err, errlen);
	case PG_OID_BOOL: return bool_text(p, len, err, errlen);
	case PG_OID_NUMERIC: return numeric_text(p, len, err, errlen);
	case PG_OID_BYTEA: return bytea_text(p, len, err, errlen);
	default: return varchar_value(p, len, err, errlen);
	}
}
