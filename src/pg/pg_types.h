/* DuckDB values as PostgreSQL clients expect them: the type OID, length and modifier a column is
 * described with, and each value in the text or binary format of that type. Parameters arriving in
 * binary format are decoded into DuckDB values. Pure functions over DuckDB vectors and byte
 * buffers; nothing here talks to a socket. */
#ifndef LAKEHOUSE_PG_PG_TYPES_H
#define LAKEHOUSE_PG_PG_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "duckdb.h"
#include "util/buf.h"
#include "util/tz.h"

/* PostgreSQL type OIDs used here. */
enum {
	PG_OID_BOOL = 16, PG_OID_BYTEA = 17, PG_OID_INT8 = 20, PG_OID_INT2 = 21, PG_OID_INT4 = 23, PG_OID_TEXT = 25,
	PG_OID_OID = 26, PG_OID_JSON = 114, PG_OID_FLOAT4 = 700, PG_OID_FLOAT8 = 701, PG_OID_UNKNOWN = 705,
	PG_OID_BOOL_ARRAY = 1000, PG_OID_BYTEA_ARRAY = 1001, PG_OID_INT2_ARRAY = 1005, PG_OID_INT4_ARRAY = 1007,
	PG_OID_TEXT_ARRAY = 1009, PG_OID_VARCHAR_ARRAY = 1015, PG_OID_INT8_ARRAY = 1016, PG_OID_FLOAT4_ARRAY = 1021,
	PG_OID_FLOAT8_ARRAY = 1022, PG_OID_VARCHAR = 1043, PG_OID_DATE = 1082, PG_OID_TIME = 1083,
	PG_OID_TIMESTAMP = 1114, PG_OID_TIMESTAMP_ARRAY = 1115, PG_OID_DATE_ARRAY = 1182, PG_OID_TIME_ARRAY = 1183,
	PG_OID_TIMESTAMPTZ = 1184, PG_OID_TIMESTAMPTZ_ARRAY = 1185, PG_OID_INTERVAL = 1186,
	PG_OID_INTERVAL_ARRAY = 1187, PG_OID_NUMERIC_ARRAY = 1231, PG_OID_TIMETZ = 1266, PG_OID_NUMERIC = 1700,
	PG_OID_UUID = 2950, PG_OID_UUID_ARRAY = 2951, PG_OID_JSON_ARRAY = 199,
};

struct pg_codec;

/* A result column's description and its value encoder, prepared once per result. */
struct pg_column {
	int32_t oid;
	int16_t typlen; /* bytes of a fixed-size type, -1 for variable length */
	int32_t typmod; /* -1, or for numeric ((precision << 16) | scale) + 4 */
	struct pg_codec *codec;
};

/* Whether a DuckDB type has a PostgreSQL counterpart here. Columns of other types (STRUCT, MAP,
 * UNION, lists of those, BIT, VARINT, …) are to be handed over cast to VARCHAR, and described as
 * text. */
bool pg_type_supported(duckdb_logical_type t);

/* Prepares c for columns of type t (which pg_type_supported accepts). -1 when out of memory. */
int pg_column_init(struct pg_column *c, duckdb_logical_type t);
void pg_column_free(struct pg_column *c);

/* Appends one DataRow field: the 4-byte length then the bytes, or length -1 for NULL. format 0 is
 * PostgreSQL's text form (timestamptz shown in zone, which may be NULL for UTC), 1 its binary
 * form. */
void pg_column_value(buf *out, const struct pg_column *c, duckdb_vector v, idx_t row, int format,
                     const struct tz *zone);

/* The DuckDB value of a parameter sent as bytes [p, p + len) in format (0 text, 1 binary) for a
 * parameter declared as oid (0: not declared). Text values become VARCHAR values for DuckDB to
 * cast, except for the declared types that DuckDB would not cast implicitly (integers, floats,
 * booleans, numeric), which are parsed. NULL with err filled when the bytes are not a value of
 * that type. */
duckdb_value pg_param_value(int32_t oid, int format, const unsigned char *p, size_t len, char *err, size_t errlen);

/* The OID a parameter of DuckDB type id is described with (ParameterDescription). */
int32_t pg_oid_of_type_id(duckdb_type id);

#endif
