/* PostgreSQL type mapping and value encoding: every DuckDB type a result can hold, read from a
 * real in-memory DuckDB, must come out byte for byte as PostgreSQL 15 would send it (text and
 * binary), and Bind parameters must decode or fail with PostgreSQL's message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "duckdb.h"
#include "pg/pg_types.h"
#include "util/tz.h"

static duckdb_database db;
static duckdb_connection conn;

static int setup(void **state)
{
	(void)state;
	if (duckdb_open(NULL, &db) == DuckDBError || duckdb_connect(db, &conn) == DuckDBError)
		return -1;
	const char *init[] = {"SET TimeZone = 'UTC'", "CREATE TYPE mood AS ENUM ('sad', 'happy', 'so-so ok')"};
	for (size_t i = 0; i < sizeof(init) / sizeof(init[0]); i++) {
		duckdb_result r;
		duckdb_state st = duckdb_query(conn, init[i], &r);
		duckdb_destroy_result(&r);
		if (st == DuckDBError)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	duckdb_disconnect(&conn);
	duckdb_close(&db);
	return 0;
}

/* One query's first chunk with a pg_column per result column. */
struct q {
	duckdb_result r;
	duckdb_data_chunk chunk;
	idx_t ncols;
	struct pg_column cols[48];
};

static void q_open(struct q *q, const char *sql)
{
	memset(q, 0, sizeof(*q));
	if (duckdb_query(conn, sql, &q->r) == DuckDBError)
		fail_msg("query failed: %s: %s", sql, duckdb_result_error(&q->r));
	q->ncols = duckdb_column_count(&q->r);
	assert_true(q->ncols <= 48);
	for (idx_t i = 0; i < q->ncols; i++) {
		duckdb_logical_type t = duckdb_column_logical_type(&q->r, i);
		assert_int_equal(pg_column_init(&q->cols[i], t), 0);
		duckdb_destroy_logical_type(&t);
	}
	q->chunk = duckdb_fetch_chunk(q->r);
	assert_non_null(q->chunk);
}

static void q_close(struct q *q)
{
	for (idx_t i = 0; i < q->ncols; i++)
		pg_column_free(&q->cols[i]);
	duckdb_destroy_data_chunk(&q->chunk);
	duckdb_destroy_result(&q->r);
}

/* The field of column col, row 0: checks the length prefix, returns the body as hex (binary) or
 * as a C string (text); "NULL" for length -1. */
static char *field(struct q *q, idx_t col, int format, const struct tz *zone)
{
	buf out;
	buf_init(&out);
	pg_column_value(&out, &q->cols[col], duckdb_data_chunk_get_vector(q->chunk, col), 0, format, zone);
	assert_false(buf_failed(&out));
	assert_true(out.len >= 4);
	const unsigned char *p = (const unsigned char *)out.data;
	int32_t len = (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
	char *s;
	if (len == -1) {
		assert_int_equal(out.len, 4);
		s = strdup("NULL");
	} else {
		assert_int_equal((size_t)len, out.len - 4);
		s = malloc((size_t)len * 2 + 1);
		if (format == 1) {
			for (int32_t i = 0; i < len; i++)
				snprintf(s + 2 * i, 3, "%02x", p[4 + i]);
			s[2 * len] = '\0';
		} else {
			memcpy(s, p + 4, (size_t)len);
			s[len] = '\0';
		}
	}
	buf_free(&out);
	return s;
}

static void check_field(struct q *q, idx_t col, int format, const struct tz *zone, const char *want, const char *file,
                        int line)
{
	char *got = field(q, col, format, zone);
	_assert_string_equal(got, want, file, line);
	free(got);
}

#define TEXT(q, col, want) check_field(q, col, 0, NULL, want, __FILE__, __LINE__)
#define TEXT_TZ(q, col, zone, want) check_field(q, col, 0, zone, want, __FILE__, __LINE__)
#define BIN(q, col, hex) check_field(q, col, 1, NULL, hex, __FILE__, __LINE__)

/* Text of every column of a one-row query, in order. */
static void check_texts(const char *sql, const char *const *want, size_t n, const char *file, int line)
{
	struct q q;
	q_open(&q, sql);
	_assert_int_equal(q.ncols, n, file, line);
	for (idx_t i = 0; i < n; i++)
		check_field(&q, i, 0, NULL, want[i], file, line);
	q_close(&q);
}

#define TEXTS(sql, ...)                                                                                        \
	do {                                                                                                       \
		const char *const want_[] = {__VA_ARGS__};                                                             \
		check_texts(sql, want_, sizeof(want_) / sizeof(want_[0]), __FILE__, __LINE__);                       \
	} while (0)

static void check_bins(const char *sql, const char *const *want, size_t n, const char *file, int line)
{
	struct q q;
	q_open(&q, sql);
	_assert_int_equal(q.ncols, n, file, line);
	for (idx_t i = 0; i < n; i++)
		check_field(&q, i, 1, NULL, want[i], file, line);
	q_close(&q);
}

#define BINS(sql, ...)                                                                                         \
	do {                                                                                                       \
		const char *const want_[] = {__VA_ARGS__};                                                             \
		check_bins(sql, want_, sizeof(want_) / sizeof(want_[0]), __FILE__, __LINE__);                         \
	} while (0)

static void test_type_mapping(void **state)
{
	(void)state;
	static const struct {
		int32_t oid;
		int16_t typlen;
		int32_t typmod;
	} want[] = {
		{16, 1, -1},     {21, 2, -1},   {21, 2, -1},     {21, 2, -1},     {23, 4, -1},     {23, 4, -1},
		{20, 8, -1},     {20, 8, -1},   {1700, -1, -1},  {1700, -1, -1},  {1700, -1, -1},  {700, 4, -1},
		{701, 8, -1},    {1700, -1, (10 << 16 | 2) + 4}, {25, -1, -1},    {114, -1, -1},   {25, -1, -1},
		{17, -1, -1},    {1082, 4, -1}, {1083, 8, -1},   {1266, 12, -1},  {1114, 8, -1},   {1114, 8, -1},
		{1114, 8, -1},   {1114, 8, -1}, {1184, 8, -1},   {1186, 16, -1},  {2950, 16, -1},  {1007, -1, -1},
		{1009, -1, -1},  {1231, -1, -1}, {199, -1, -1},  {1007, -1, -1},  {1009, -1, -1},  {1000, -1, -1},
		{1185, -1, -1},  {1022, -1, -1},
	};
	struct q q;
	q_open(&q, "SELECT true, 1::TINYINT, 1::SMALLINT, 1::UTINYINT, 1::INTEGER, 1::USMALLINT, 1::BIGINT, "
	           "1::UINTEGER, 1::UBIGINT, 1::HUGEINT, 1::UHUGEINT, 1::FLOAT, 1::DOUBLE, 1.5::DECIMAL(10,2), 'x', "
	           "'{}'::JSON, 'sad'::mood, ''::BLOB, DATE '2024-01-02', TIME '01:02:03', '01:02:03+01'::TIMETZ, "
	           "TIMESTAMP '2024-01-02', TIMESTAMP_S '2024-01-02', TIMESTAMP_MS '2024-01-02', "
	           "TIMESTAMP_NS '2024-01-02', TIMESTAMPTZ '2024-01-02', INTERVAL '1 day', "
	           "'550e8400-e29b-41d4-a716-446655440000'::UUID, [1], ['a'], [1.5::DECIMAL(4,1)], ['{}'::JSON], "
	           "[1, 2]::INTEGER[2], ['sad'::mood], [true], [TIMESTAMPTZ '2024-01-02'], [1.5::DOUBLE]");
	assert_int_equal(q.ncols, sizeof(want) / sizeof(want[0]));
	for (idx_t i = 0; i < q.ncols; i++) {
		duckdb_logical_type t = duckdb_column_logical_type(&q.r, i);
		assert_true(pg_type_supported(t));
		duckdb_destroy_logical_type(&t);
		assert_int_equal(q.cols[i].oid, want[i].oid);
		assert_int_equal(q.cols[i].typlen, want[i].typlen);
		assert_int_equal(q.cols[i].typmod, want[i].typmod);
	}
	q_close(&q);

	duckdb_result r;
	assert_int_equal(duckdb_query(conn, "SELECT {'a': 1}, MAP {'k': 1}, union_value(n := 1), '101'::BIT, "
	                                    "1::VARINT, [[1]], [{'a': 1}], [[1, 2]::INTEGER[2]], [MAP {'k': 1}], "
	                                    "[[1]]::INTEGER[1][1], '01:02:03'::TIME_NS", &r),
	                 DuckDBSuccess);
	for (idx_t i = 0; i < duckdb_column_count(&r); i++) {
		duckdb_logical_type t = duckdb_column_logical_type(&r, i);
		if (pg_type_supported(t))
			fail_msg("column %llu should be unsupported", (unsigned long long)i);
		duckdb_destroy_logical_type(&t);
	}
	duckdb_destroy_result(&r);

	assert_int_equal(pg_oid_of_type_id(DUCKDB_TYPE_INTEGER), 23);
	assert_int_equal(pg_oid_of_type_id(DUCKDB_TYPE_UTINYINT), 21);
	assert_int_equal(pg_oid_of_type_id(DUCKDB_TYPE_UBIGINT), 1700);
	assert_int_equal(pg_oid_of_type_id(DUCKDB_TYPE_DECIMAL), 1700);
	assert_int_equal(pg_oid_of_type_id(DUCKDB_TYPE_VARCHAR), 25);
	assert_int_equal(pg_oid_of_type_id(DUCKDB_TYPE_TIMESTAMP_TZ), 1184);
	assert_int_equal(pg_oid_of_type_id(DUCKDB_TYPE_LIST), 1009);
	assert_int_equal(pg_oid_of_type_id(DUCKDB_TYPE_ARRAY), 1009);
	assert_int_equal(pg_oid_of_type_id(DUCKDB_TYPE_INVALID), 25);
	assert_int_equal(pg_oid_of_type_id(DUCKDB_TYPE_ANY), 25);
	assert_int_equal(pg_oid_of_type_id(DUCKDB_TYPE_STRUCT), 25);
	assert_int_equal(pg_oid_of_type_id((duckdb_type)999), 25);
}

static void test_text_scalars(void **state)
{
	(void)state;
	TEXTS("SELECT true, false, (-128)::TINYINT, (-32768)::SMALLINT, 255::UTINYINT, 65535::USMALLINT, "
	      "(-2147483648)::INTEGER, 4294967295::UINTEGER, (-9223372036854775808)::BIGINT, "
	      "18446744073709551615::UBIGINT, (-170141183460469231731687303715884105728)::HUGEINT, "
	      "340282366920938463463374607431768211455::UHUGEINT",
	      "t", "f", "-128", "-32768", "255", "65535", "-2147483648", "4294967295", "-9223372036854775808",
	      "18446744073709551615", "-170141183460469231731687303715884105728",
	      "340282366920938463463374607431768211455");
	TEXTS("SELECT 123.45::DECIMAL(10,2), 1::DECIMAL(10,3), -0.5::DECIMAL(2,1), 0::DECIMAL(4,2), "
	      "12345678901234567890.1234567890::DECIMAL(38,10), 7::DECIMAL(3,0), -0.001::DECIMAL(18,3)",
	      "123.45", "1.000", "-0.5", "0.00", "12345678901234567890.1234567890", "7", "-0.001");
	TEXTS("SELECT 'x', '', 'a \"b\" \\ {c}', '{\"a\": [1, 2]}'::JSON, 'so-so ok'::mood, '\\xAB\\x01z'::BLOB, "
	      "''::BLOB, '550E8400-E29B-41D4-A716-446655440000'::UUID, '00000000-0000-0000-0000-000000000000'::UUID, "
	      "'ffffffff-ffff-ffff-ffff-ffffffffffff'::UUID",
	      "x", "", "a \"b\" \\ {c}", "{\"a\": [1, 2]}", "so-so ok", "\\xab017a", "\\x",
	      "550e8400-e29b-41d4-a716-446655440000", "00000000-0000-0000-0000-000000000000",
	      "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

static void test_float_text(void **state)
{
	(void)state;
	TEXTS("SELECT 1.5::DOUBLE, 100::DOUBLE, 1e20::DOUBLE, 0.0001::DOUBLE, 0.00001::DOUBLE, 'NaN'::DOUBLE, "
	      "'Infinity'::DOUBLE, '-Infinity'::DOUBLE, '-0'::DOUBLE, 0::DOUBLE, 0.1::DOUBLE + 0.2::DOUBLE, "
	      "1e15::DOUBLE, 123456789012345::DOUBLE, 1.7976931348623157e308::DOUBLE, 5e-324::DOUBLE, "
	      "1e100::DOUBLE, -2.5::DOUBLE, 0.001::DOUBLE, 1e-300::DOUBLE, 2.2250738585072014e-308::DOUBLE, "
	      "-1.25e-7::DOUBLE, 9007199254740993::DOUBLE, 1e22::DOUBLE",
	      "1.5", "100", "1e+20", "0.0001", "1e-05", "NaN", "Infinity", "-Infinity", "-0", "0",
	      "0.30000000000000004", "1e+15", "123456789012345", "1.7976931348623157e+308", "5e-324", "1e+100",
	      "-2.5", "0.001", "1e-300", "2.2250738585072014e-308", "-1.25e-07", "9.007199254740992e+15", "1e+22");
	TEXTS("SELECT 0.1::FLOAT, 1234567::FLOAT, 100000::FLOAT, 1e6::FLOAT, 3.4028235e38::FLOAT, 1.5::FLOAT, "
	      "'NaN'::FLOAT, '-Infinity'::FLOAT, 1e-5::FLOAT, 0.3::FLOAT, 16777216::FLOAT, 1e-45::FLOAT",
	      "0.1", "1.234567e+06", "100000", "1e+06", "3.4028235e+38", "1.5", "NaN", "-Infinity", "1e-05", "0.3",
	      "1.6777216e+07", "1e-45");
}

static void test_datetime_text(void **state)
{
	(void)state;
	TEXTS("SELECT DATE '2024-01-02', make_date(-43, 3, 15), DATE '0001-01-01', make_date(0, 12, 31), "
	      "DATE 'infinity', DATE '-infinity', DATE '12345-06-07'",
	      "2024-01-02", "0044-03-15 BC", "0001-01-01", "0001-12-31 BC", "infinity", "-infinity", "12345-06-07");
	TEXTS("SELECT TIME '12:34:56', TIME '12:34:56.789', TIME '00:00:00.000001', TIME '24:00:00', "
	      "'12:34:56+02'::TIMETZ, '12:34:56.5-05:30'::TIMETZ, '00:00:00+00'::TIMETZ, '23:59:59.123456-15:59:59'::TIMETZ",
	      "12:34:56", "12:34:56.789", "00:00:00.000001", "24:00:00", "12:34:56+02", "12:34:56.5-05:30",
	      "00:00:00+00", "23:59:59.123456-15:59:59");
	TEXTS("SELECT TIMESTAMP '2024-01-02 03:04:05.123456', TIMESTAMP '2024-01-02 03:04:05', "
	      "TIMESTAMP_S '2024-01-02 03:04:05', TIMESTAMP_MS '2024-01-02 03:04:05.120', "
	      "TIMESTAMP_NS '2024-01-02 03:04:05.123456789', TIMESTAMP_NS '1969-12-31 23:59:59.999999999', "
	      "TIMESTAMP 'infinity', TIMESTAMP '-infinity', make_timestamp(-43, 3, 15, 10, 0, 0.25), "
	      "TIMESTAMP '1969-12-31 23:59:59.5'",
	      "2024-01-02 03:04:05.123456", "2024-01-02 03:04:05", "2024-01-02 03:04:05", "2024-01-02 03:04:05.12",
	      "2024-01-02 03:04:05.123456", "1969-12-31 23:59:59.999999", "infinity", "-infinity",
	      "0044-03-15 10:00:00.25 BC", "1969-12-31 23:59:59.5");
}

static void test_timestamptz_zones(void **state)
{
	(void)state;
	const struct tz *paris = tz_get("Europe/Paris"), *kolkata = tz_get("Asia/Kolkata"),
	                *st_johns = tz_get("America/St_Johns");
	assert_non_null(paris);
	assert_non_null(kolkata);
	assert_non_null(st_johns);
	struct q q;
	q_open(&q, "SELECT TIMESTAMPTZ '2024-01-02 03:04:05.123+00', TIMESTAMPTZ '2024-07-02 03:04:05+00', "
	           "TIMESTAMPTZ 'infinity', TIMESTAMPTZ '2024-01-01 23:30:00+00', TIMESTAMPTZ '-infinity'");
	TEXT(&q, 0, "2024-01-02 03:04:05.123+00");
	TEXT_TZ(&q, 0, paris, "2024-01-02 04:04:05.123+01");
	TEXT_TZ(&q, 1, paris, "2024-07-02 05:04:05+02");
	TEXT_TZ(&q, 0, kolkata, "2024-01-02 08:34:05.123+05:30");
	TEXT_TZ(&q, 0, st_johns, "2024-01-01 23:34:05.123-03:30");
	TEXT_TZ(&q, 1, st_johns, "2024-07-02 00:34:05-02:30");
	TEXT_TZ(&q, 2, paris, "infinity");
	TEXT_TZ(&q, 4, paris, "-infinity");
	TEXT_TZ(&q, 3, paris, "2024-01-02 00:30:00+01"); /* the zone moves the date too */
	/* Binary is the instant itself, whatever the zone. */
	BIN(&q, 0, "0002b0ec8517d3b8");
	BIN(&q, 2, "7fffffffffffffff");
	BIN(&q, 4, "8000000000000000");
	q_close(&q);
}

static void test_interval_text(void **state)
{
	(void)state;
	TEXTS("SELECT INTERVAL '1 year 2 months 3 days 04:05:06.5', to_months(-14) + to_days(3) + to_hours(-1), "
	      "to_days(-1) + to_hours(2), INTERVAL '0 seconds', INTERVAL '1 day', INTERVAL '1 month', "
	      "INTERVAL '2 months', to_hours(100), to_microseconds(-1500000), to_days(1) + to_hours(-1), "
	      "to_months(-1) + to_hours(1), to_months(-1) + to_days(-1), to_years(-1) + to_days(5), INTERVAL '2 days', "
	      "to_months(24), to_microseconds(1)",
	      "1 year 2 mons 3 days 04:05:06.5", "-1 years -2 mons +3 days -01:00:00", "-1 days +02:00:00", "00:00:00",
	      "1 day", "1 mon", "2 mons", "100:00:00", "-00:00:01.5", "1 day -01:00:00", "-1 mons +01:00:00",
	      "-1 mons -1 days", "-1 years +5 days", "2 days", "2 years", "00:00:00.000001");
}

static void test_array_text(void **state)
{
	(void)state;
	TEXTS("SELECT [1, NULL, 3], []::INTEGER[], ['a', '', 'NULL', 'a b', 'q\"\\', '{x}', 'null', 'x,y', 'tab\there', "
	      "NULL], [1, 2]::INTEGER[2], NULL::INTEGER[], [TIMESTAMP '2024-01-02 03:04:05'], ['\\x01'::BLOB], "
	      "[1.5::DECIMAL(4,2), -1], ['sad'::mood, 'so-so ok'::mood], ['{\"a\":1}'::JSON], [true, false], "
	      "[1.5::DOUBLE, 'NaN'::DOUBLE], [INTERVAL '1 day']",
	      "{1,NULL,3}", "{}", "{a,\"\",\"NULL\",\"a b\",\"q\\\"\\\\\",\"{x}\",\"null\",\"x,y\",\"tab\there\",NULL}",
	      "{1,2}", "NULL", "{\"2024-01-02 03:04:05\"}", "{\"\\\\x01\"}", "{1.50,-1.00}", "{sad,\"so-so ok\"}",
	      "{\"{\\\"a\\\":1}\"}", "{t,f}", "{1.5,NaN}", "{\"1 day\"}");
	/* Rows past the first use the list offsets, not just the first entry. */
	struct q q;
	q_open(&q, "SELECT * FROM (VALUES ([1, 2]), ([]), (NULL), ([3, NULL])) t(l)");
	const char *want[] = {"{1,2}", "{}", "NULL", "{3,NULL}"};
	for (idx_t row = 0; row < 4; row++) {
		buf out;
		buf_init(&out);
		pg_column_value(&out, &q.cols[0], duckdb_data_chunk_get_vector(q.chunk, 0), row, 0, NULL);
		if (row == 2) {
			assert_memory_equal(out.data, "\xff\xff\xff\xff", 4);
		} else {
			assert_int_equal(out.len, 4 + strlen(want[row]));
			assert_memory_equal(out.data + 4, want[row], strlen(want[row]));
		}
		buf_free(&out);
	}
	q_close(&q);
}

static void test_binary_scalars(void **state)
{
	(void)state;
	BINS("SELECT true, false, -2::TINYINT, 255::UTINYINT, -2::SMALLINT, 65535::USMALLINT, 256::INTEGER, "
	     "4294967295::UINTEGER, -1::BIGINT, 1.5::FLOAT, 1.5::DOUBLE, 'hé', '{}'::JSON, 'happy'::mood, "
	     "'\\x00\\xFF'::BLOB, '550e8400-e29b-41d4-a716-446655440000'::UUID, NULL::INTEGER, NULL::VARCHAR",
	     "01", "00", "fffe", "00ff", "fffe", "0000ffff", "00000100", "00000000ffffffff", "ffffffffffffffff",
	     "3fc00000", "3ff8000000000000", "68c3a9", "7b7d", "6861707079", "00ff", "550e8400e29b41d4a716446655440000",
	     "NULL", "NULL");
	BINS("SELECT DATE '2024-01-02', DATE '1999-12-31', DATE 'infinity', DATE '-infinity', TIME '12:34:56.789', "
	     "'12:34:56+02'::TIMETZ, '12:34:56.5-05:30'::TIMETZ, TIMESTAMP '2024-01-02 03:04:05.123456', "
	     "TIMESTAMP_S '2000-01-01 00:00:01', TIMESTAMP_MS '1999-12-31 23:59:59.999', "
	     "TIMESTAMP_NS '2000-01-01 00:00:00.000001999', TIMESTAMP 'infinity', TIMESTAMP '-infinity', "
	     "INTERVAL '1 year 2 months 3 days 04:05:06.5', to_months(-1) + to_days(-2) + to_microseconds(-3)",
	     "0000223f", "ffffffff", "7fffffff", "80000000", "0000000a8be62608", "0000000a8bda1c00ffffe3e0",
	     "0000000a8be1bd2000004d58", "0002b0ec8517d580", "00000000000f4240", "fffffffffffffc18", "0000000000000001",
	     "7fffffffffffffff", "8000000000000000", "000000036c9361a0000000030000000e",
	     "fffffffffffffffdfffffffeffffffff");
}

static void test_numeric_binary(void **state)
{
	(void)state;
	BINS("SELECT 0::DECIMAL(4,2), 0::HUGEINT, -123.45::DECIMAL(10,2), 0.001::DECIMAL(10,3), 10000::HUGEINT, "
	     "170141183460469231731687303715884105727::HUGEINT, (-170141183460469231731687303715884105728)::HUGEINT, "
	     "18446744073709551615::UBIGINT, 12345678901234567890.1234567890::DECIMAL(38,10), -0.5::DECIMAL(2,1), "
	     "340282366920938463463374607431768211455::UHUGEINT, 1.5::DECIMAL(4,1), 100000000::DECIMAL(18,0)",
	     "0000000000000002", "0000000000000000", "0002000040000002007b1194", "0001ffff00000003000a",
	     "00010001000000000001", "000a00090000000000aa0583209a01d5090d0c601c871bf620da165f",
	     "000a00094000000000aa0583209a01d5090d0c601c871bf620da1660", "000500040000000007341a5802e103bb064f",
	     "000800040000000a04d2162e23340d801ed204d2162e2328", "0001ffff400000011388",
	     "000a00090000000001540b071a2403aa121a18c111ff10dd1aa505af", "000200000000000100011388", "0001000200000000" "0001");
}

static void test_array_binary(void **state)
{
	(void)state;
	BINS("SELECT [1, NULL, 3], []::INTEGER[], [1, 2]::INTEGER[2], ['ab', ''], [NULL]::VARCHAR[], "
	     "[1.5::DECIMAL(2,1)], [TIMESTAMPTZ 'infinity'], ['{}'::JSON]",
	     "000000010000000100000017" "0000000300000001" "0000000400000001" "ffffffff" "0000000400000003",
	     "000000000000000000000017", "000000010000000000000017" "0000000200000001" "0000000400000001" "0000000400000002",
	     "000000010000000000000019" "0000000200000001" "000000026162" "00000000",
	     "000000010000000100000019" "0000000100000001" "ffffffff",
	     "0000000100000000000006a4" "0000000100000001" "0000000c" "000200000000000100011388",
	     "0000000100000000000004a0" "0000000100000001" "00000008" "7fffffffffffffff",
	     "000000010000000000000072" "0000000100000001" "00000002" "7b7d");
}

/* A parameter's DuckDB value as "TYPE:text", or "ERR:message". */
static char *param(int32_t oid, int format, const void *p, size_t len)
{
	char err[200] = "x";
	duckdb_value v = pg_param_value(oid, format, p, len, err, sizeof(err));
	char out[400];
	if (!v) {
		assert_true(err[0] != '\0' && strcmp(err, "x") != 0);
		snprintf(out, sizeof(out), "ERR:%s", err);
		return strdup(out);
	}
	duckdb_logical_type t = duckdb_get_value_type(v);
	duckdb_type id = duckdb_get_type_id(t);
	const char *name = id == DUCKDB_TYPE_BOOLEAN ? "BOOLEAN" : id == DUCKDB_TYPE_BIGINT ? "BIGINT"
	                   : id == DUCKDB_TYPE_DOUBLE ? "DOUBLE" : id == DUCKDB_TYPE_VARCHAR ? "VARCHAR"
	                   : id == DUCKDB_TYPE_BLOB ? "BLOB" : id == DUCKDB_TYPE_DATE ? "DATE"
	                   : id == DUCKDB_TYPE_TIME ? "TIME" : id == DUCKDB_TYPE_TIME_TZ ? "TIMETZ"
	                   : id == DUCKDB_TYPE_TIMESTAMP ? "TIMESTAMP" : id == DUCKDB_TYPE_TIMESTAMP_TZ ? "TIMESTAMPTZ"
	                   : id == DUCKDB_TYPE_INTERVAL ? "INTERVAL" : id == DUCKDB_TYPE_UUID ? "UUID" : "OTHER";
	if (id == DUCKDB_TYPE_BLOB) {
		duckdb_blob b = duckdb_get_blob(v);
		int k = snprintf(out, sizeof(out), "BLOB:");
		for (idx_t i = 0; i < b.size && k < 390; i++)
			k += snprintf(out + k, sizeof(out) - (size_t)k, "%02x", ((unsigned char *)b.data)[i]);
		duckdb_free(b.data);
	} else {
		char *s = duckdb_get_varchar(v);
		snprintf(out, sizeof(out), "%s:%s", name, s);
		duckdb_free(s);
	}
	duckdb_destroy_value(&v); /* t belongs to v */
	return strdup(out);
}

static void check_param(int32_t oid, int format, const void *p, size_t len, const char *want, const char *file,
                        int line)
{
	char *got = param(oid, format, p, len);
	_assert_string_equal(got, want, file, line);
	free(got);
}

#define PARAM_TEXT(oid, s, want) check_param(oid, 0, s, strlen(s), want, __FILE__, __LINE__)
#define PARAM_BIN(oid, bytes, want) check_param(oid, 1, bytes, sizeof(bytes) - 1, want, __FILE__, __LINE__)

static void test_param_text(void **state)
{
	(void)state;
	PARAM_TEXT(PG_OID_INT4, " 42 ", "BIGINT:42");
	PARAM_TEXT(PG_OID_INT4, "+5", "BIGINT:5");
	PARAM_TEXT(PG_OID_INT4, "abc", "ERR:invalid input syntax for type integer: \"abc\"");
	PARAM_TEXT(PG_OID_INT4, "", "ERR:invalid input syntax for type integer: \"\"");
	PARAM_TEXT(PG_OID_INT4, "-", "ERR:invalid input syntax for type integer: \"-\"");
	PARAM_TEXT(PG_OID_INT4, "1 2", "ERR:invalid input syntax for type integer: \"1 2\"");
	PARAM_TEXT(PG_OID_INT4, "12a", "ERR:invalid input syntax for type integer: \"12a\"");
	PARAM_TEXT(PG_OID_INT4, "1.5", "ERR:invalid input syntax for type integer: \"1.5\"");
	PARAM_TEXT(PG_OID_INT4, "3000000000", "ERR:value \"3000000000\" is out of range for type integer");
	PARAM_TEXT(PG_OID_INT4, "-2147483648", "BIGINT:-2147483648");
	PARAM_TEXT(PG_OID_INT2, "-32768", "BIGINT:-32768");
	PARAM_TEXT(PG_OID_INT2, "32768", "ERR:value \"32768\" is out of range for type smallint");
	PARAM_TEXT(PG_OID_INT8, "-9223372036854775808", "BIGINT:-9223372036854775808");
	PARAM_TEXT(PG_OID_INT8, "9223372036854775808", "ERR:value \"9223372036854775808\" is out of range for type bigint");
	PARAM_TEXT(PG_OID_INT8, "99999999999999999999999", "ERR:value \"99999999999999999999999\" is out of range for type bigint");
	check_param(PG_OID_INT4, 0, "1\0002", 3, "ERR:invalid input syntax for type integer: \"1?2\"", __FILE__, __LINE__);

	PARAM_TEXT(PG_OID_FLOAT8, "1.5", "DOUBLE:1.5");
	PARAM_TEXT(PG_OID_FLOAT8, " NaN ", "DOUBLE:nan");
	PARAM_TEXT(PG_OID_FLOAT8, "Infinity", "DOUBLE:inf");
	PARAM_TEXT(PG_OID_FLOAT8, "-Infinity", "DOUBLE:-inf");
	PARAM_TEXT(PG_OID_FLOAT8, "-1e-3", "DOUBLE:-0.001");
	PARAM_TEXT(PG_OID_FLOAT8, "1e400", "ERR:\"1e400\" is out of range for type double precision");
	PARAM_TEXT(PG_OID_FLOAT8, "abc", "ERR:invalid input syntax for type double precision: \"abc\"");
	PARAM_TEXT(PG_OID_FLOAT8, "", "ERR:invalid input syntax for type double precision: \"\"");
	PARAM_TEXT(PG_OID_FLOAT8, "1.5x", "ERR:invalid input syntax for type double precision: \"1.5x\"");
	PARAM_TEXT(PG_OID_FLOAT4, "0.5", "DOUBLE:0.5");
	PARAM_TEXT(PG_OID_FLOAT4, "1e40", "ERR:\"1e40\" is out of range for type real");

	const char *yes[] = {"t", "TRUE", "tru", "yes", "Y", "on", "1", "  true  "};
	const char *no[] = {"f", "false", "FALSE", "no", "n", "off", "of", "0"};
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		PARAM_TEXT(PG_OID_BOOL, yes[i], "BOOLEAN:true");
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		PARAM_TEXT(PG_OID_BOOL, no[i], "BOOLEAN:false");
	PARAM_TEXT(PG_OID_BOOL, "o", "ERR:invalid input syntax for type boolean: \"o\"");
	PARAM_TEXT(PG_OID_BOOL, "maybe", "ERR:invalid input syntax for type boolean: \"maybe\"");
	PARAM_TEXT(PG_OID_BOOL, "truer", "ERR:invalid input syntax for type boolean: \"truer\"");
	PARAM_TEXT(PG_OID_BOOL, "", "ERR:invalid input syntax for type boolean: \"\"");

	PARAM_TEXT(PG_OID_NUMERIC, "123.45", "VARCHAR:123.45");
	PARAM_TEXT(PG_OID_NUMERIC, " -1.5e3 ", "VARCHAR:-1.5e3");
	PARAM_TEXT(PG_OID_NUMERIC, ".5", "VARCHAR:.5");
	PARAM_TEXT(PG_OID_NUMERIC, "NaN", "VARCHAR:NaN");
	PARAM_TEXT(PG_OID_NUMERIC, "1.2.3", "ERR:invalid input syntax for type numeric: \"1.2.3\"");
	PARAM_TEXT(PG_OID_NUMERIC, ".", "ERR:invalid input syntax for type numeric: \".\"");
	PARAM_TEXT(PG_OID_NUMERIC, "1e", "ERR:invalid input syntax for type numeric: \"1e\"");

	PARAM_TEXT(PG_OID_BYTEA, "\\x0102fF", "BLOB:0102ff");
	PARAM_TEXT(PG_OID_BYTEA, "\\x01 02", "BLOB:0102");
	PARAM_TEXT(PG_OID_BYTEA, "\\x", "BLOB:");
	PARAM_TEXT(PG_OID_BYTEA, "\\x0", "ERR:invalid hexadecimal data: odd number of digits");
	PARAM_TEXT(PG_OID_BYTEA, "\\xzz", "ERR:invalid hexadecimal digit: \"z\"");
	PARAM_TEXT(PG_OID_BYTEA, "a\\\\b\\001", "BLOB:615c6201");
	PARAM_TEXT(PG_OID_BYTEA, "\\9", "ERR:invalid input syntax for type bytea: \"\\9\"");

	PARAM_TEXT(0, "hello", "VARCHAR:hello");
	PARAM_TEXT(PG_OID_DATE, "2024-01-02", "VARCHAR:2024-01-02");
	PARAM_TEXT(PG_OID_TEXT, "h\xc3\xa9", "VARCHAR:h\xc3\xa9");
	PARAM_TEXT(PG_OID_TEXT, "a\xff", "ERR:invalid byte sequence for encoding \"UTF8\": 0xff");
	PARAM_TEXT(PG_OID_TEXT, "a\xe2\x82", "ERR:invalid byte sequence for encoding \"UTF8\": 0xe2 0x82");
	check_param(PG_OID_TEXT, 0, "a\0b", 3, "ERR:invalid byte sequence for encoding \"UTF8\": 0x00", __FILE__, __LINE__);
	check_param(PG_OID_TEXT, 0, NULL, 0, "VARCHAR:", __FILE__, __LINE__);
	PARAM_TEXT(PG_OID_INT4, "1", "BIGINT:1");
	check_param(PG_OID_INT4, 2, "1", 1, "ERR:unsupported format code: 2", __FILE__, __LINE__);
}

static void test_param_binary(void **state)
{
	(void)state;
	PARAM_BIN(PG_OID_BOOL, "\x01", "BOOLEAN:true");
	PARAM_BIN(PG_OID_BOOL, "\x00", "BOOLEAN:false");
	PARAM_BIN(PG_OID_BOOL, "\x01\x00", "ERR:incorrect binary data format for type boolean: expected 1 bytes, got 2");
	PARAM_BIN(PG_OID_INT2, "\xff\xfe", "BIGINT:-2");
	PARAM_BIN(PG_OID_INT2, "\xff", "ERR:incorrect binary data format for type smallint: expected 2 bytes, got 1");
	PARAM_BIN(PG_OID_INT4, "\x00\x00\x01\x00", "BIGINT:256");
	PARAM_BIN(PG_OID_INT4, "\x00\x00\x01", "ERR:incorrect binary data format for type integer: expected 4 bytes, got 3");
	PARAM_BIN(PG_OID_INT8, "\x80\x00\x00\x00\x00\x00\x00\x00", "BIGINT:-9223372036854775808");
	PARAM_BIN(PG_OID_INT8, "", "ERR:incorrect binary data format for type bigint: expected 8 bytes, got 0");
	PARAM_BIN(PG_OID_FLOAT4, "\x3f\xc0\x00\x00", "DOUBLE:1.5");
	PARAM_BIN(PG_OID_FLOAT8, "\x3f\xf8\x00\x00\x00\x00\x00\x00", "DOUBLE:1.5");
	PARAM_BIN(PG_OID_FLOAT8, "\x3f\xf8\x00\x00", "ERR:incorrect binary data format for type double precision: expected 8 bytes, got 4");

	PARAM_BIN(PG_OID_NUMERIC, "\x00\x02\x00\x00\x40\x00\x00\x02\x00\x7b\x11\x94", "VARCHAR:-123.45");
	PARAM_BIN(PG_OID_NUMERIC, "\x00\x01\xff\xff\x00\x00\x00\x03\x00\x0a", "VARCHAR:0.001");
	PARAM_BIN(PG_OID_NUMERIC, "\x00\x00\x00\x00\x00\x00\x00\x02", "VARCHAR:0.00");
	PARAM_BIN(PG_OID_NUMERIC, "\x00\x00\x00\x00\x00\x00\x00\x00", "VARCHAR:0");
	PARAM_BIN(PG_OID_NUMERIC, "\x00\x01\x00\x01\x00\x00\x00\x00\x00\x01", "VARCHAR:10000");
	PARAM_BIN(PG_OID_NUMERIC, "\x00\x02\x00\x01\x00\x00\x00\x01\x00\x0c\x0d\x80", "VARCHAR:123456.0");
	PARAM_BIN(PG_OID_NUMERIC, "\x00\x01\x00\x00\x00\x00\x00\x05\x00\x07", "VARCHAR:7.00000");
	PARAM_BIN(PG_OID_NUMERIC, "\x00\x00\x00\x00\xc0\x00\x00\x00", "VARCHAR:NaN");
	PARAM_BIN(PG_OID_NUMERIC, "\x00\x00\x00\x00\x00\x00\x00", "ERR:incorrect binary data format for type numeric: 7 bytes");
	PARAM_BIN(PG_OID_NUMERIC, "\x00\x02\x00\x00\x00\x00\x00\x00\x00\x01",
	          "ERR:incorrect binary data format for type numeric: 10 bytes for 2 digits");
	PARAM_BIN(PG_OID_NUMERIC, "\xff\xff\x00\x00\x00\x00\x00\x00",
	          "ERR:incorrect binary data format for type numeric: 8 bytes for -1 digits");
	PARAM_BIN(PG_OID_NUMERIC, "\x00\x01\x00\x00\x00\x00\x00\x00\x27\x10", "ERR:invalid digit in external \"numeric\" value");
	PARAM_BIN(PG_OID_NUMERIC, "\x00\x00\x00\x00\x12\x34\x00\x00", "ERR:invalid sign in external \"numeric\" value");
	PARAM_BIN(PG_OID_NUMERIC, "\x00\x00\x00\x00\x00\x00\xff\xff", "ERR:invalid scale in external \"numeric\" value");

	PARAM_BIN(PG_OID_TEXT, "h\xc3\xa9", "VARCHAR:h\xc3\xa9");
	PARAM_BIN(PG_OID_VARCHAR, "v", "VARCHAR:v");
	PARAM_BIN(PG_OID_JSON, "{}", "VARCHAR:{}");
	PARAM_BIN(PG_OID_UNKNOWN, "u", "VARCHAR:u");
	PARAM_BIN(PG_OID_TEXT, "\xc3", "ERR:invalid byte sequence for encoding \"UTF8\": 0xc3");
	PARAM_BIN(PG_OID_BYTEA, "\x00\xff\\", "BLOB:00ff5c");
	PARAM_BIN(PG_OID_BYTEA, "", "BLOB:");

	PARAM_BIN(PG_OID_DATE, "\x00\x00\x22\x3f", "DATE:2024-01-02");
	PARAM_BIN(PG_OID_DATE, "\xff\xff\xff\xff", "DATE:1999-12-31");
	PARAM_BIN(PG_OID_DATE, "\x7f\xff\xff\xff", "DATE:infinity");
	PARAM_BIN(PG_OID_DATE, "\x80\x00\x00\x00", "DATE:-infinity");
	PARAM_BIN(PG_OID_DATE, "\x7f\xff\xff\xfe", "ERR:date out of range");
	PARAM_BIN(PG_OID_DATE, "\x00\x22\x3f", "ERR:incorrect binary data format for type date: expected 4 bytes, got 3");
	PARAM_BIN(PG_OID_TIMESTAMP, "\x00\x02\xb0\xec\x85\x17\xd5\x80", "TIMESTAMP:2024-01-02 03:04:05.123456");
	PARAM_BIN(PG_OID_TIMESTAMP, "\x7f\xff\xff\xff\xff\xff\xff\xff", "TIMESTAMP:infinity");
	PARAM_BIN(PG_OID_TIMESTAMP, "\x7f\xff\xff\xff\xff\xff\xff\xfe", "ERR:timestamp out of range");
	PARAM_BIN(PG_OID_TIMESTAMPTZ, "\x00\x02\xb0\xec\x85\x17\xd5\x80", "TIMESTAMPTZ:2024-01-02 03:04:05.123456+00");
	PARAM_BIN(PG_OID_TIMESTAMPTZ, "\x00\x02\xb0\xec\x85\x17\xd5",
	          "ERR:incorrect binary data format for type timestamp with time zone: expected 8 bytes, got 7");
	PARAM_BIN(PG_OID_TIME, "\x00\x00\x00\x0a\x8b\xe6\x26\x08", "TIME:12:34:56.789");
	PARAM_BIN(PG_OID_TIME, "\xff\xff\xff\xff\xff\xff\xff\xff", "ERR:time out of range");
	PARAM_BIN(PG_OID_TIMETZ, "\x00\x00\x00\x0a\x8b\xe1\xbd\x20\x00\x00\x4d\x58", "TIMETZ:12:34:56.5-05:30");
	PARAM_BIN(PG_OID_TIMETZ, "\x00\x00\x00\x0a\x8b\xe1\xbd\x20\x00\x01\x4d\x58", "ERR:time zone displacement out of range");
	PARAM_BIN(PG_OID_INTERVAL, "\x00\x00\x00\x03\x6c\x93\x61\xa0\x00\x00\x00\x03\x00\x00\x00\x0e",
	          "INTERVAL:1 year 2 months 3 days 04:05:06.5");
	PARAM_BIN(PG_OID_INTERVAL, "\x00\x00\x00\x03\x6c\x93\x61\xa0\x00\x00\x00\x03\x00\x00\x00",
	          "ERR:incorrect binary data format for type interval: expected 16 bytes, got 15");
	PARAM_BIN(PG_OID_UUID, "\x55\x0e\x84\x00\xe2\x9b\x41\xd4\xa7\x16\x44\x66\x55\x44\x00\x00",
	          "UUID:550e8400-e29b-41d4-a716-446655440000");
	PARAM_BIN(PG_OID_UUID, "\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x01",
	          "UUID:ffffffff-ffff-ffff-0000-000000000001");
	PARAM_BIN(PG_OID_UUID, "\x55\x0e", "ERR:incorrect binary data format for type uuid: expected 16 bytes, got 2");
	PARAM_BIN(0, "\x00\x00\x00\x01", "BLOB:00000001"); /* untyped binary: raw bytes */
	PARAM_BIN(PG_OID_OID, "\x00\x00\x00\x01", "ERR:unsupported binary format for parameter type 26");
	PARAM_BIN(PG_OID_INT4_ARRAY, "\x00", "ERR:unsupported binary format for parameter type 1007");
}

/* A UUID sent in binary reads back as the same bytes through a real query. */
static void test_param_uuid_roundtrip(void **state)
{
	(void)state;
	const unsigned char raw[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	                               0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
	char err[200];
	duckdb_value v = pg_param_value(PG_OID_UUID, 1, raw, sizeof(raw), err, sizeof(err));
	assert_non_null(v);
	duckdb_prepared_statement ps;
	assert_int_equal(duckdb_prepare(conn, "SELECT $1::UUID", &ps), DuckDBSuccess);
	assert_int_equal(duckdb_bind_value(ps, 1, v), DuckDBSuccess);
	duckdb_destroy_value(&v);
	struct q q;
	memset(&q, 0, sizeof(q));
	assert_int_equal(duckdb_execute_prepared(ps, &q.r), DuckDBSuccess);
	duckdb_destroy_prepare(&ps);
	q.ncols = 1;
	duckdb_logical_type t = duckdb_column_logical_type(&q.r, 0);
	assert_int_equal(pg_column_init(&q.cols[0], t), 0);
	duckdb_destroy_logical_type(&t);
	q.chunk = duckdb_fetch_chunk(q.r);
	BIN(&q, 0, "00112233445566778899aabbccddeeff");
	TEXT(&q, 0, "00112233-4455-6677-8899-aabbccddeeff");
	q_close(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_type_mapping),    cmocka_unit_test(test_text_scalars),
		cmocka_unit_test(test_float_text),      cmocka_unit_test(test_datetime_text),
		cmocka_unit_test(test_timestamptz_zones), cmocka_unit_test(test_interval_text),
		cmocka_unit_test(test_array_text),      cmocka_unit_test(test_binary_scalars),
		cmocka_unit_test(test_numeric_binary),  cmocka_unit_test(test_array_binary),
		cmocka_unit_test(test_param_text),      cmocka_unit_test(test_param_binary),
		cmocka_unit_test(test_param_uuid_roundtrip),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	tz_cache_clear();
	return rc;
}
