/* Result → JSON. A tree of rj_type mirrors the column types, with everything that can be worked out
 * ahead (enum labels and struct keys already escaped, decimal scale, map key kind) prepared once. */
#include "engine/result_json.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/timefmt.h"
#include "util/tz.h"

struct rj_type {
	duckdb_type id;
	bool is_json;            /* VARCHAR aliased JSON: embed the value itself */
	duckdb_type internal;    /* DECIMAL and ENUM storage */
	uint8_t scale;
	size_t nlabels;          /* ENUM labels / STRUCT and UNION keys, pre-escaped */
	buf *labels;
	size_t nchildren;
	struct rj_type *children;
	idx_t array_size;
	bool map_string_keys;
};

struct rj_encoder {
	idx_t ncols;
	struct rj_type *cols;
	const struct tz *zone;
	buf *keys; /* `"name":` per column for object rows, filled on first use */
	bool keys_ready;
};

struct vec {
	duckdb_vector v;
	void *data;
	uint64_t *validity;
};

static struct vec vec_of(duckdb_vector v)
{
	struct vec r = {v, duckdb_vector_get_data(v), duckdb_vector_get_validity(v)};
	return r;
}

static void type_free(struct rj_type *t)
{
	for (size_t i = 0; i < t->nlabels; i++)
		buf_free(&t->labels[i]);
	free(t->labels);
	for (size_t i = 0; i < t->nchildren; i++)
		type_free(&t->children[i]);
	free(t->children);
}

static void type_init(struct rj_type *t, duckdb_logical_type lt);

static void init_children(struct rj_type *t, size_t n)
{
	t->nchildren = n;
	t->children = calloc(n ? n : 1, sizeof(*t->children));
	t->labels = calloc(n ? n : 1, sizeof(*t->labels));
	t->nlabels = t->children && t->labels ? n : 0;
	if (!t->children || !t->labels)
		t->nchildren = 0;
}

static void type_init(struct rj_type *t, duckdb_logical_type lt)
{
	memset(t, 0, sizeof(*t));
	t->id = duckdb_get_type_id(lt);
	char *alias = duckdb_logical_type_get_alias(lt);
	if (alias) {
		t->is_json = t->id == DUCKDB_TYPE_VARCHAR && strcmp(alias, "JSON") == 0;
		duckdb_free(alias);
	}
	switch (t->id) {
	case DUCKDB_TYPE_DECIMAL:
		t->internal = duckdb_decimal_internal_type(lt);
		t->scale = duckdb_decimal_scale(lt);
		break;
	case DUCKDB_TYPE_ENUM: {
		t->internal = duckdb_enum_internal_type(lt);
		uint32_t n = duckdb_enum_dictionary_size(lt);
		t->labels = calloc(n ? n : 1, sizeof(*t->labels));
		if (!t->labels)
			break;
		t->nlabels = n;
		for (uint32_t i = 0; i < n; i++) {
			char *s = duckdb_enum_dictionary_value(lt, i);
			buf_init(&t->labels[i]);
			jw_cstring(&t->labels[i], s ? s : "");
			duckdb_free(s);
		}
		break;
	}
	case DUCKDB_TYPE_LIST:
	case DUCKDB_TYPE_ARRAY: {
		duckdb_logical_type child = t->id == DUCKDB_TYPE_LIST ? duckdb_list_type_child_type(lt)
		                                                      : duckdb_array_type_child_type(lt);
		if (t->id == DUCKDB_TYPE_ARRAY)
			t->array_size = duckdb_array_type_array_size(lt);
		init_children(t, 1);
		if (t->nchildren)
			type_init(&t->children[0], child);
		duckdb_destroy_logical_type(&child);
		break;
	}
	case DUCKDB_TYPE_MAP: {
		duckdb_logical_type k = duckdb_map_type_key_type(lt), v = duckdb_map_type_value_type(lt);
		init_children(t, 2);
		if (t->nchildren) {
			type_init(&t->children[0], k);
			type_init(&t->children[1], v);
			t->map_string_keys = t->children[0].id == DUCKDB_TYPE_VARCHAR && !t->children[0].is_json;
		}
		duckdb_destroy_logical_type(&k);
		duckdb_destroy_logical_type(&v);
		break;
	}
	case DUCKDB_TYPE_STRUCT:
	case DUCKDB_TYPE_UNION: {
		bool is_union = t->id == DUCKDB_TYPE_UNION;
		idx_t n = is_union ? duckdb_union_type_member_count(lt) : duckdb_struct_type_child_count(lt);
		init_children(t, n);
		for (idx_t i = 0; i < t->nchildren; i++) {
			char *name = is_union ? duckdb_union_type_member_name(lt, i) : duckdb_struct_type_child_name(lt, i);
			duckdb_logical_type ct = is_union ? duckdb_union_type_member_type(lt, i) : duckdb_struct_type_child_type(lt, i);
			buf_init(&t->labels[i]);
			jw_cstring(&t->labels[i], name ? name : "");
			buf_putc(&t->labels[i], ':');
			type_init(&t->children[i], ct);
			duckdb_free(name);
			duckdb_destroy_logical_type(&ct);
		}
		break;
	}
	default:
		break;
	}
}

static inline bool is_valid(const uint64_t *validity, idx_t row)
{
	return !validity || (validity[row >> 6] >> (row & 63)) & 1;
}

static inline void str_of(duckdb_string_t *s, const char **p, uint32_t *len)
{
	*len = s->value.inlined.length;
	*p = *len <= 12 ? s->value.inlined.inlined : s->value.pointer.ptr;
}

static __int128 hugeint_of(const duckdb_hugeint *h) { return (__int128)((unsigned __int128)(uint64_t)h->upper << 64 | h->lower); }

/* JSON column text is embedded as-is, made safe for one NDJSON line. */
static void put_raw_json(buf *out, const char *p, uint32_t len)
{
	if (len == 0) {
		buf_puts(out, "null");
		return;
	}
	if (!buf_reserve(out, len))
		return;
	for (uint32_t i = 0; i < len;) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20) {
			buf_putc(out, ' ');
			i++;
		} else if (c < 0x80) {
			buf_putc(out, (char)c);
			i++;
		} else {
			size_t n = utf8_valid_len((const unsigned char *)p + i, len - i);
			if (n) {
				buf_append(out, p + i, n);
				i += (uint32_t)n;
			} else {
				buf_append(out, "\xEF\xBF\xBD", 3);
				i++;
			}
		}
	}
}

/* BIT: DuckDB stores a padding-count byte then the bits; we render the bit string as hex,
 * left-padded with zero bits to whole nibbles. */
static void put_bits_hex(buf *out, const uint8_t *p, uint32_t len)
{
	static const char hex[] = "0123456789abcdef";
	if (len < 1) {
		buf_puts(out, "\"\"");
		return;
	}
	uint64_t nbits = (uint64_t)(len - 1) * 8 - p[0];
	if (p[0] > 7 || (uint64_t)(len - 1) * 8 < p[0])
		nbits = 0;
	buf_putc(out, '"');
	uint64_t lead = (4 - nbits % 4) % 4;
	unsigned acc = 0;
	uint64_t k = lead;
	for (uint64_t i = 0; i < nbits; i++) {
		uint64_t bit_index = p[0] + i;
		unsigned bit = (p[1 + bit_index / 8] >> (7 - bit_index % 8)) & 1;
		acc = (acc << 1) | bit;
		if (++k % 4 == 0) {
			buf_putc(out, hex[acc & 15]);
			acc = 0;
		}
	}
	buf_putc(out, '"');
}

/* BIGNUM: 3-byte header (top bit set = non-negative; negatives store everything inverted), then
 * the big-endian magnitude. Rendered as a JSON number with every digit. */
static void put_bignum(buf *out, const uint8_t *p, uint32_t len)
{
	if (len <= 3) {
		buf_putc(out, '0');
		return;
	}
	bool neg = !(p[0] & 0x80);
	size_t n = len - 3;
	uint8_t *mag = malloc(n);
	char *digits = malloc(n * 3 + 2);
	if (!mag || !digits) {
		free(mag);
		free(digits);
		out->failed = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		mag[i] = neg ? (uint8_t)~p[3 + i] : p[3 + i];
	size_t nd = 0, start = 0;
	while (start < n) {
		unsigned rem = 0;
		for (size_t i = start; i < n; i++) {
			unsigned cur = rem * 256 + mag[i];
			mag[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
		}
		digits[nd++] = (char)('0' + rem);
		while (start < n && mag[start] == 0)
			start++;
	}
	if (nd == 0)
		digits[nd++] = '0';
	if (neg && !(nd == 1 && digits[0] == '0'))
		buf_putc(out, '-');
	while (nd)
		buf_putc(out, digits[--nd]);
	free(mag);
	free(digits);
}

static void put_uuid(buf *out, const duckdb_hugeint *h)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t hi = (uint64_t)h->upper ^ (UINT64_C(1) << 63), lo = h->lower;
	char s[38];
	int k = 0;
	s[k++] = '"';
	for (int i = 0; i < 32; i++) {
		uint64_t word = i < 16 ? hi : lo;
		int shift = 60 - 4 * (i % 16);
		if (i == 8 || i == 12 || i == 16 || i == 20)
			s[k++] = '-';
		s[k++] = hex[(word >> shift) & 15];
	}
	s[k++] = '"';
	buf_append(out, s, (size_t)k);
}

static void put_special_or_ts(buf *out, int64_t v, int digits)
{
	if (v == INT64_MAX) {
		buf_puts(out, "\"infinity\"");
	} else if (v == -INT64_MAX) {
		buf_puts(out, "\"-infinity\"");
	} else {
		buf_putc(out, '"');
		fmt_timestamp(out, v, digits);
		buf_putc(out, '"');
	}
}

static void encode(const struct rj_encoder *enc, const struct rj_type *t, const struct vec *v, idx_t row, buf *out);

static void encode_list(const struct rj_encoder *enc, const struct rj_type *t, duckdb_vector child, idx_t off,
                        idx_t len, buf *out)
{
	struct vec cv = vec_of(child);
	buf_putc(out, '[');
	for (idx_t i = 0; i < len; i++) {
		if (i)
			buf_putc(out, ',');
		encode(enc, &t->children[0], &cv, off + i, out);
	}
	buf_putc(out, ']');
}

static void encode(const struct rj_encoder *enc, const struct rj_type *t, const struct vec *v, idx_t row, buf *out)
{
	if (!is_valid(v->validity, row)) {
		buf_append(out, "null", 4);
		return;
	}
	const char *sp;
	uint32_t slen;
	switch (t->id) {
	case DUCKDB_TYPE_BOOLEAN:
		if (((bool *)v->data)[row])
			buf_append(out, "true", 4);
		else
			buf_append(out, "false", 5);
		return;
	case DUCKDB_TYPE_TINYINT: jw_int64(out, ((int8_t *)v->data)[row]); return;
	case DUCKDB_TYPE_SMALLINT: jw_int64(out, ((int16_t *)v->data)[row]); return;
	case DUCKDB_TYPE_INTEGER: jw_int64(out, ((int32_t *)v->data)[row]); return;
	case DUCKDB_TYPE_BIGINT: jw_int64(out, ((int64_t *)v->data)[row]); return;
	case DUCKDB_TYPE_UTINYINT: jw_uint64(out, ((uint8_t *)v->data)[row]); return;
	case DUCKDB_TYPE_USMALLINT: jw_uint64(out, ((uint16_t *)v->data)[row]); return;
	case DUCKDB_TYPE_UINTEGER: jw_uint64(out, ((uint32_t *)v->data)[row]); return;
	case DUCKDB_TYPE_UBIGINT: jw_uint64(out, ((uint64_t *)v->data)[row]); return;
	case DUCKDB_TYPE_HUGEINT: jw_int128(out, hugeint_of(&((duckdb_hugeint *)v->data)[row])); return;
	case DUCKDB_TYPE_UHUGEINT: {
		duckdb_uhugeint h = ((duckdb_uhugeint *)v->data)[row];
		jw_uint128(out, (unsigned __int128)h.upper << 64 | h.lower);
		return;
	}
	case DUCKDB_TYPE_FLOAT: jw_float(out, ((float *)v->data)[row]); return;
	case DUCKDB_TYPE_DOUBLE: jw_double(out, ((double *)v->data)[row]); return;
	case DUCKDB_TYPE_DECIMAL: {
		__int128 u;
		switch (t->internal) {
		case DUCKDB_TYPE_SMALLINT: u = ((int16_t *)v->data)[row]; break;
		case DUCKDB_TYPE_INTEGER: u = ((int32_t *)v->data)[row]; break;
		case DUCKDB_TYPE_BIGINT: u = ((int64_t *)v->data)[row]; break;
		default: u = hugeint_of(&((duckdb_hugeint *)v->data)[row]); break;
		}
		jw_decimal(out, u, t->scale);
		return;
	}
	case DUCKDB_TYPE_VARCHAR:
		str_of(&((duckdb_string_t *)v->data)[row], &sp, &slen);
		if (t->is_json)
			put_raw_json(out, sp, slen);
		else
			jw_string(out, sp, slen);
		return;
	case DUCKDB_TYPE_BLOB:
		str_of(&((duckdb_string_t *)v->data)[row], &sp, &slen);
		jw_hex(out, (const uint8_t *)sp, slen);
		return;
	case DUCKDB_TYPE_BIT:
		str_of(&((duckdb_string_t *)v->data)[row], &sp, &slen);
		put_bits_hex(out, (const uint8_t *)sp, slen);
		return;
	case DUCKDB_TYPE_BIGNUM:
		str_of(&((duckdb_string_t *)v->data)[row], &sp, &slen);
		put_bignum(out, (const uint8_t *)sp, slen);
		return;
	case DUCKDB_TYPE_DATE: {
		int32_t d = ((int32_t *)v->data)[row];
		if (d == INT32_MAX || d == -INT32_MAX) {
			buf_puts(out, d > 0 ? "\"infinity\"" : "\"-infinity\"");
			return;
		}
		buf_putc(out, '"');
		fmt_date(out, d);
		buf_putc(out, '"');
		return;
	}
	case DUCKDB_TYPE_TIME: {
		int64_t us = ((int64_t *)v->data)[row];
		buf_putc(out, '"');
		fmt_clock(out, us / 1000000, us % 1000000, 6);
		buf_putc(out, '"');
		return;
	}
	case DUCKDB_TYPE_TIME_NS: {
		int64_t ns = ((int64_t *)v->data)[row];
		buf_putc(out, '"');
		fmt_clock(out, ns / 1000000000, ns % 1000000000, 9);
		buf_putc(out, '"');
		return;
	}
	case DUCKDB_TYPE_TIME_TZ: {
		duckdb_time_tz_struct tt = duckdb_from_time_tz(((duckdb_time_tz *)v->data)[row]);
		buf_putc(out, '"');
		fmt_clock(out, (int64_t)tt.time.hour * 3600 + tt.time.min * 60 + tt.time.sec, tt.time.micros, 6);
		fmt_offset(out, tt.offset, 0);
		buf_putc(out, '"');
		return;
	}
	case DUCKDB_TYPE_TIMESTAMP: put_special_or_ts(out, ((int64_t *)v->data)[row], 6); return;
	case DUCKDB_TYPE_TIMESTAMP_S: put_special_or_ts(out, ((int64_t *)v->data)[row], 0); return;
	case DUCKDB_TYPE_TIMESTAMP_MS: put_special_or_ts(out, ((int64_t *)v->data)[row], 3); return;
	case DUCKDB_TYPE_TIMESTAMP_NS: put_special_or_ts(out, ((int64_t *)v->data)[row], 9); return;
	case DUCKDB_TYPE_TIMESTAMP_TZ: {
		int64_t us = ((int64_t *)v->data)[row];
		if (us == INT64_MAX || us == -INT64_MAX) {
			put_special_or_ts(out, us, 6);
			return;
		}
		int64_t secs = us / 1000000 - (us % 1000000 < 0);
		int32_t off = tz_offset(enc->zone, secs);
		buf_putc(out, '"');
		fmt_timestamp(out, us + (int64_t)off * 1000000, 6);
		fmt_offset(out, off, 1);
		buf_putc(out, '"');
		return;
	}
	case DUCKDB_TYPE_INTERVAL: {
		duckdb_interval iv = ((duckdb_interval *)v->data)[row];
		buf_putc(out, '"');
		fmt_interval(out, iv.months, iv.days, iv.micros);
		buf_putc(out, '"');
		return;
	}
	case DUCKDB_TYPE_UUID: put_uuid(out, &((duckdb_hugeint *)v->data)[row]); return;
	case DUCKDB_TYPE_ENUM: {
		uint64_t i;
		switch (t->internal) {
		case DUCKDB_TYPE_UTINYINT: i = ((uint8_t *)v->data)[row]; break;
		case DUCKDB_TYPE_USMALLINT: i = ((uint16_t *)v->data)[row]; break;
		default: i = ((uint32_t *)v->data)[row]; break;
		}
		if (i < t->nlabels)
			buf_append(out, t->labels[i].data, t->labels[i].len);
		else
			buf_append(out, "null", 4);
		return;
	}
	case DUCKDB_TYPE_LIST: {
		duckdb_list_entry e = ((duckdb_list_entry *)v->data)[row];
		if (!t->nchildren) {
			buf_append(out, "[]", 2);
			return;
		}
		encode_list(enc, t, duckdb_list_vector_get_child(v->v), e.offset, e.length, out);
		return;
	}
	case DUCKDB_TYPE_ARRAY:
		if (!t->nchildren) {
			buf_append(out, "[]", 2);
			return;
		}
		encode_list(enc, t, duckdb_array_vector_get_child(v->v), row * t->array_size, t->array_size, out);
		return;
	case DUCKDB_TYPE_MAP: {
		duckdb_list_entry e = ((duckdb_list_entry *)v->data)[row];
		if (t->nchildren != 2) {
			buf_append(out, "{}", 2);
			return;
		}
		duckdb_vector entries = duckdb_list_vector_get_child(v->v);
		struct vec kv = vec_of(duckdb_struct_vector_get_child(entries, 0));
		struct vec vv = vec_of(duckdb_struct_vector_get_child(entries, 1));
		buf_putc(out, t->map_string_keys ? '{' : '[');
		for (idx_t i = 0; i < e.length; i++) {
			idx_t r = e.offset + i;
			if (i)
				buf_putc(out, ',');
			if (t->map_string_keys) {
				if (is_valid(kv.validity, r))
					encode(enc, &t->children[0], &kv, r, out);
				else
					buf_append(out, "\"\"", 2);
				buf_putc(out, ':');
				encode(enc, &t->children[1], &vv, r, out);
			} else {
				buf_puts(out, "{\"key\":");
				encode(enc, &t->children[0], &kv, r, out);
				buf_puts(out, ",\"value\":");
				encode(enc, &t->children[1], &vv, r, out);
				buf_putc(out, '}');
			}
		}
		buf_putc(out, t->map_string_keys ? '}' : ']');
		return;
	}
	case DUCKDB_TYPE_STRUCT:
		buf_putc(out, '{');
		for (size_t i = 0; i < t->nchildren; i++) {
			struct vec cv = vec_of(duckdb_struct_vector_get_child(v->v, i));
			if (i)
				buf_putc(out, ',');
			buf_append(out, t->labels[i].data, t->labels[i].len);
			encode(enc, &t->children[i], &cv, row, out);
		}
		buf_putc(out, '}');
		return;
	case DUCKDB_TYPE_UNION: {
		/* Storage: child 0 is the tag, child k+1 holds member k. */
		struct vec tag = vec_of(duckdb_struct_vector_get_child(v->v, 0));
		uint8_t k = ((uint8_t *)tag.data)[row];
		if (k >= t->nchildren) {
			buf_append(out, "null", 4);
			return;
		}
		struct vec mv = vec_of(duckdb_struct_vector_get_child(v->v, (idx_t)k + 1));
		encode(enc, &t->children[k], &mv, row, out);
		return;
	}
	default:
		/* A type this build does not know (newer DuckDB): null rather than a broken stream. */
		buf_append(out, "null", 4);
		return;
	}
}

struct rj_encoder *rj_encoder_new(duckdb_logical_type *types, idx_t ncols, const char *tz_name)
{
	struct rj_encoder *enc = calloc(1, sizeof(*enc));
	if (!enc)
		return NULL;
	enc->cols = calloc(ncols ? ncols : 1, sizeof(*enc->cols));
	enc->keys = calloc(ncols ? ncols : 1, sizeof(*enc->keys));
	if (!enc->cols || !enc->keys) {
		free(enc->cols);
		free(enc->keys);
		free(enc);
		return NULL;
	}
	enc->ncols = ncols;
	for (idx_t i = 0; i < ncols; i++)
		type_init(&enc->cols[i], types[i]);
	if (tz_name && strcmp(tz_name, "UTC") != 0 && strcmp(tz_name, "Etc/UTC") != 0)
		enc->zone = tz_get(tz_name);
	return enc;
}

void rj_encoder_free(struct rj_encoder *enc)
{
	if (!enc)
		return;
	for (idx_t i = 0; i < enc->ncols; i++) {
		type_free(&enc->cols[i]);
		buf_free(&enc->keys[i]);
	}
	free(enc->cols);
	free(enc->keys);
	free(enc);
}

void rj_encode_rows(struct rj_encoder *enc, duckdb_data_chunk chunk, idx_t from, idx_t to,
                    const char *const *names, buf *out)
{
	struct vec cols[64];
	struct vec *vs = enc->ncols <= 64 ? cols : malloc(enc->ncols * sizeof(*vs));
	if (!vs) {
		out->failed = true;
		return;
	}
	for (idx_t c = 0; c < enc->ncols; c++)
		vs[c] = vec_of(duckdb_data_chunk_get_vector(chunk, c));
	if (names && !enc->keys_ready) {
		for (idx_t c = 0; c < enc->ncols; c++) {
			jw_cstring(&enc->keys[c], names[c] ? names[c] : "");
			buf_putc(&enc->keys[c], ':');
		}
		enc->keys_ready = true;
	}
	for (idx_t r = from; r < to; r++) {
		buf_putc(out, names ? '{' : '[');
		for (idx_t c = 0; c < enc->ncols; c++) {
			if (c)
				buf_putc(out, ',');
			if (names)
				buf_append(out, enc->keys[c].data, enc->keys[c].len);
			encode(enc, &enc->cols[c], &vs[c], r, out);
		}
		buf_putc(out, names ? '}' : ']');
		buf_putc(out, '\n');
	}
	if (vs != cols)
		free(vs);
}

static void put_ident(buf *out, const char *name)
{
	bool plain = name[0] && !(name[0] >= '0' && name[0] <= '9');
	for (const char *c = name; *c && plain; c++)
		plain = (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_';
	if (plain) {
		buf_puts(out, name);
		return;
	}
	buf_putc(out, '"');
	for (const char *c = name; *c; c++) {
		if (*c == '"')
			buf_putc(out, '"');
		buf_putc(out, *c);
	}
	buf_putc(out, '"');
}

void rj_type_name(duckdb_logical_type lt, buf *out)
{
	static const struct {
		duckdb_type id;
		const char *name;
	} simple[] = {
		{DUCKDB_TYPE_BOOLEAN, "BOOLEAN"}, {DUCKDB_TYPE_TINYINT, "TINYINT"}, {DUCKDB_TYPE_SMALLINT, "SMALLINT"},
		{DUCKDB_TYPE_INTEGER, "INTEGER"}, {DUCKDB_TYPE_BIGINT, "BIGINT"}, {DUCKDB_TYPE_UTINYINT, "UTINYINT"},
		{DUCKDB_TYPE_USMALLINT, "USMALLINT"}, {DUCKDB_TYPE_UINTEGER, "UINTEGER"}, {DUCKDB_TYPE_UBIGINT, "UBIGINT"},
		{DUCKDB_TYPE_FLOAT, "FLOAT"}, {DUCKDB_TYPE_DOUBLE, "DOUBLE"}, {DUCKDB_TYPE_TIMESTAMP, "TIMESTAMP"},
		{DUCKDB_TYPE_DATE, "DATE"}, {DUCKDB_TYPE_TIME, "TIME"}, {DUCKDB_TYPE_INTERVAL, "INTERVAL"},
		{DUCKDB_TYPE_HUGEINT, "HUGEINT"}, {DUCKDB_TYPE_UHUGEINT, "UHUGEINT"}, {DUCKDB_TYPE_VARCHAR, "VARCHAR"},
		{DUCKDB_TYPE_BLOB, "BLOB"}, {DUCKDB_TYPE_TIMESTAMP_S, "TIMESTAMP_S"}, {DUCKDB_TYPE_TIMESTAMP_MS, "TIMESTAMP_MS"},
		{DUCKDB_TYPE_TIMESTAMP_NS, "TIMESTAMP_NS"}, {DUCKDB_TYPE_UUID, "UUID"}, {DUCKDB_TYPE_BIT, "BIT"},
		{DUCKDB_TYPE_TIME_TZ, "TIME WITH TIME ZONE"}, {DUCKDB_TYPE_TIMESTAMP_TZ, "TIMESTAMP WITH TIME ZONE"},
		{DUCKDB_TYPE_BIGNUM, "BIGNUM"}, {DUCKDB_TYPE_SQLNULL, "\"NULL\""}, {DUCKDB_TYPE_TIME_NS, "TIME_NS"},
	};
	duckdb_type id = duckdb_get_type_id(lt);
	char *alias = duckdb_logical_type_get_alias(lt);
	if (alias) {
		buf_puts(out, alias);
		duckdb_free(alias);
		return;
	}
	for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++)
		if (simple[i].id == id) {
			buf_puts(out, simple[i].name);
			return;
		}
	switch (id) {
	case DUCKDB_TYPE_DECIMAL:
		buf_printf(out, "DECIMAL(%u,%u)", duckdb_decimal_width(lt), duckdb_decimal_scale(lt));
		return;
	case DUCKDB_TYPE_ENUM: {
		buf_puts(out, "ENUM(");
		uint32_t n = duckdb_enum_dictionary_size(lt);
		for (uint32_t i = 0; i < n; i++) {
			char *s = duckdb_enum_dictionary_value(lt, i);
			buf_puts(out, i ? ", '" : "'");
			for (const char *c = s ? s : ""; *c; c++) {
				if (*c == '\'')
					buf_putc(out, '\'');
				buf_putc(out, *c);
			}
			buf_putc(out, '\'');
			duckdb_free(s);
		}
		buf_putc(out, ')');
		return;
	}
	case DUCKDB_TYPE_LIST:
	case DUCKDB_TYPE_ARRAY: {
		duckdb_logical_type c = id == DUCKDB_TYPE_LIST ? duckdb_list_type_child_type(lt) : duckdb_array_type_child_type(lt);
		rj_type_name(c, out);
		duckdb_destroy_logical_type(&c);
		if (id == DUCKDB_TYPE_LIST)
			buf_puts(out, "[]");
		else
			buf_printf(out, "[%llu]", (unsigned long long)duckdb_array_type_array_size(lt));
		return;
	}
	case DUCKDB_TYPE_MAP: {
		duckdb_logical_type k = duckdb_map_type_key_type(lt), v = duckdb_map_type_value_type(lt);
		buf_puts(out, "MAP(");
		rj_type_name(k, out);
		buf_puts(out, ", ");
		rj_type_name(v, out);
		buf_putc(out, ')');
		duckdb_destroy_logical_type(&k);
		duckdb_destroy_logical_type(&v);
		return;
	}
	case DUCKDB_TYPE_STRUCT:
	case DUCKDB_TYPE_UNION: {
		bool u = id == DUCKDB_TYPE_UNION;
		idx_t n = u ? duckdb_union_type_member_count(lt) : duckdb_struct_type_child_count(lt);
		buf_puts(out, u ? "UNION(" : "STRUCT(");
		for (idx_t i = 0; i < n; i++) {
			char *name = u ? duckdb_union_type_member_name(lt, i) : duckdb_struct_type_child_name(lt, i);
			duckdb_logical_type c = u ? duckdb_union_type_member_type(lt, i) : duckdb_struct_type_child_type(lt, i);
			if (i)
				buf_puts(out, ", ");
			put_ident(out, name ? name : "");
			buf_putc(out, ' ');
			rj_type_name(c, out);
			duckdb_free(name);
			duckdb_destroy_logical_type(&c);
		}
		buf_putc(out, ')');
		return;
	}
	default:
		buf_puts(out, "UNKNOWN");
		return;
	}
}
