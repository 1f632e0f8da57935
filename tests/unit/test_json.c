/* JSON writer and result encoder: every DuckDB type encodes to the exact text the REST contract
 * specifies. Results come from a real in-memory DuckDB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "duckdb.h"
#include "engine/result_json.h"
#include "util/json.h"

static duckdb_database db;
static duckdb_connection conn;

static int setup(void **state)
{
	(void)state;
	if (duckdb_open(NULL, &db) == DuckDBError || duckdb_connect(db, &conn) == DuckDBError)
		return -1;
	duckdb_result r;
	duckdb_query(conn, "SET TimeZone = 'UTC'", &r);
	duckdb_destroy_result(&r);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	duckdb_disconnect(&conn);
	duckdb_close(&db);
	return 0;
}

/* Runs sql and returns the encoded first row (without the newline), using zone for TIMESTAMPTZ. */
static char *encode_row(const char *sql, const char *zone, bool objects)
{
	duckdb_result r;
	if (duckdb_query(conn, sql, &r) == DuckDBError) {
		fail_msg("query failed: %s", duckdb_result_error(&r));
		return NULL;
	}
	idx_t n = duckdb_column_count(&r);
	duckdb_logical_type types[64];
	const char *names[64];
	for (idx_t i = 0; i < n; i++) {
		types[i] = duckdb_column_logical_type(&r, i);
		names[i] = duckdb_column_name(&r, i);
	}
	struct rj_encoder *enc = rj_encoder_new(types, n, zone);
	duckdb_data_chunk chunk = duckdb_fetch_chunk(r);
	buf out;
	buf_init(&out);
	rj_encode_rows(enc, chunk, 0, 1, objects ? names : NULL, &out);
	duckdb_destroy_data_chunk(&chunk);
	rj_encoder_free(enc);
	for (idx_t i = 0; i < n; i++)
		duckdb_destroy_logical_type(&types[i]);
	duckdb_destroy_result(&r);
	assert_false(buf_failed(&out));
	assert_true(out.len > 0 && out.data[out.len - 1] == '\n');
	out.len--;
	char *s = buf_strdup(&out);
	buf_free(&out);
	return s;
}

#define EXPECT_ROW(sql, expected)                                                                       \
	do {                                                                                                \
		char *got_ = encode_row(sql, NULL, false);                                                      \
		assert_string_equal(got_, expected);                                                            \
		free(got_);                                                                                     \
	} while (0)

static void test_strings(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	jw_string(&b, "a\"b\\c\n\t\x01\xC3\xA9", 10);
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "\"a\\\"b\\\\c\\n\\t\\u0001\xC3\xA9\"");
	buf_reset(&b);
	/* invalid UTF-8: a lone continuation byte, a truncated sequence, an overlong form, a surrogate */
	jw_string(&b, "\x80x\xE2\x82y\xC0\xAFz\xED\xA0\x80", 11);
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "\"\xEF\xBF\xBDx\xEF\xBF\xBD\xEF\xBF\xBDy\xEF\xBF\xBD\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
	buf_free(&b);
}

static void test_numbers(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	jw_double(&b, 0.1);
	buf_putc(&b, ' ');
	jw_double(&b, 1.0);
	buf_putc(&b, ' ');
	jw_double(&b, 1e300);
	buf_putc(&b, ' ');
	jw_float(&b, 3.14f);
	buf_putc(&b, ' ');
	jw_decimal(&b, -5, 3);
	buf_putc(&b, ' ');
	jw_int128(&b, -(((__int128)1) << 100));
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "0.1 1.0 1e+300 3.14 -0.005 -1267650600228229401496703205376");
	buf_free(&b);
}

/* Shortest round-trip doubles: every output reads back exactly and is never longer than the
 * fewest printf digits that do. */
static void test_double_shortest(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < 300000; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		double v;
		if (i % 3 == 0) {
			uint64_t bits = (x & ~(UINT64_C(0x7FF) << 52)) | ((uint64_t)(1023 - 70 + (int)(x % 140)) << 52);
			memcpy(&v, &bits, sizeof(v));
		} else if (i % 3 == 1) {
			v = (double)(x % 100000000) / (double)(1 + (x >> 40) % 1000);
		} else {
			v = (double)i / 3.0;
		}
		buf_reset(&b);
		jw_double(&b, v);
		buf_putc(&b, '\0');
		assert_true(strtod(b.data, NULL) == v);
		int fewest = 17;
		for (int p = 1; p <= 17; p++) {
			char t[40];
			snprintf(t, sizeof(t), "%.*g", p, v);
			if (strtod(t, NULL) == v) {
				fewest = p;
				break;
			}
		}
		int sig = 0, nz = 0;
		bool started = false;
		for (const char *c = b.data; *c && *c != 'e'; c++) {
			if (*c >= '1' && *c <= '9')
				started = true;
			if (started && *c >= '0' && *c <= '9') {
				sig++;
				nz = *c == '0' ? nz + 1 : 0;
			}
		}
		assert_true(sig - nz <= fewest);
	}
	buf_free(&b);
}

static void test_scalars(void **state)
{
	(void)state;
	EXPECT_ROW("SELECT true, 42::TINYINT, -7::SMALLINT, 2147483647, 9007199254740993::BIGINT, 255::UTINYINT, "
	           "18446744073709551615::UBIGINT",
	           "[true,42,-7,2147483647,9007199254740993,255,18446744073709551615]");
	EXPECT_ROW("SELECT (-170141183460469231731687303715884105728)::HUGEINT, 340282366920938463463374607431768211455::UHUGEINT",
	           "[-170141183460469231731687303715884105728,340282366920938463463374607431768211455]");
	EXPECT_ROW("SELECT 0.1::DOUBLE, 2::DOUBLE, 'nan'::DOUBLE, 'inf'::DOUBLE, '-inf'::FLOAT, 1.5::FLOAT",
	           "[0.1,2.0,\"NaN\",\"Infinity\",\"-Infinity\",1.5]");
	EXPECT_ROW("SELECT 1.5::DECIMAL(4,2), -0.001::DECIMAL(9,3), 123456789012.345678::DECIMAL(18,6), "
	           "-1.5::DECIMAL(38,10), 7::DECIMAL(3,0)",
	           "[1.50,-0.001,123456789012.345678,-1.5000000000,7]");
	EXPECT_ROW("SELECT 'it''s \"q\"', NULL, NULL::INTEGER", "[\"it's \\\"q\\\"\",null,null]");
	EXPECT_ROW("SELECT '11111111-2222-3333-4444-55555555AAAA'::UUID, '\\xAB\\x01'::BLOB, '101'::BIT, '00001111'::BIT",
	           "[\"11111111-2222-3333-4444-55555555aaaa\",\"ab01\",\"5\",\"0f\"]");
	EXPECT_ROW("SELECT 'b'::ENUM('a', 'b'), '{\"a\": [1, null]}'::JSON, 'null'::JSON",
	           "[\"b\",{\"a\": [1, null]},null]");
	EXPECT_ROW("SELECT (-12345678901234567890123)::BIGNUM, 0::BIGNUM", "[-12345678901234567890123,0]");
}

static void test_temporal(void **state)
{
	(void)state;
	EXPECT_ROW("SELECT DATE '2024-01-02', DATE '0044-03-15 (BC)', DATE 'infinity', TIME '01:02:03.5', TIME '23:59:59'",
	           "[\"2024-01-02\",\"0044-03-15 (BC)\",\"infinity\",\"01:02:03.5\",\"23:59:59\"]");
	EXPECT_ROW("SELECT TIMESTAMP '2024-01-02 03:04:05.123456', TIMESTAMP_S '2024-01-02 03:04:05', "
	           "TIMESTAMP_MS '1969-12-31 23:59:59.5', TIMESTAMP_NS '2024-01-02 03:04:05.000000001', TIMESTAMP '-infinity'",
	           "[\"2024-01-02T03:04:05.123456\",\"2024-01-02T03:04:05\",\"1969-12-31T23:59:59.5\","
	           "\"2024-01-02T03:04:05.000000001\",\"-infinity\"]");
	EXPECT_ROW("SELECT TIMESTAMPTZ '2024-01-02 03:04:05.5+00', TIMETZ '01:02:03+05:30'",
	           "[\"2024-01-02T03:04:05.5Z\",\"01:02:03+05:30\"]");
	EXPECT_ROW("SELECT INTERVAL '1 year 2 months 3 days 04:05:06.789', INTERVAL 0 DAY, INTERVAL '-1 month', "
	           "INTERVAL '-36 hours', INTERVAL 1 DAY",
	           "[\"1 year 2 months 3 days 04:05:06.789\",\"00:00:00\",\"-1 month\",\"-36:00:00\",\"1 day\"]");
	char *ny = encode_row("SELECT TIMESTAMPTZ '2024-07-02 03:04:05+00', TIMESTAMPTZ '2024-01-02 03:04:05+00', "
	                      "TIMESTAMPTZ '2090-07-01 12:00:00+00'",
	                      "America/New_York", false);
	assert_string_equal(ny, "[\"2024-07-01T23:04:05-04:00\",\"2024-01-01T22:04:05-05:00\",\"2090-07-01T08:00:00-04:00\"]");
	free(ny);
	char *kol = encode_row("SELECT TIMESTAMPTZ '2024-07-02 03:04:05+00'", "Asia/Kolkata", false);
	assert_string_equal(kol, "[\"2024-07-02T08:34:05+05:30\"]");
	free(kol);
}

static void test_nested(void **state)
{
	(void)state;
	EXPECT_ROW("SELECT [1, NULL, 3], []::INTEGER[], [1, 2]::INTEGER[2], [[1], [2, 3]]",
	           "[[1,null,3],[],[1,2],[[1],[2,3]]]");
	EXPECT_ROW("SELECT {'a': 1, 'b c': 'x'}, {'n': {'m': [true]}}", "[{\"a\":1,\"b c\":\"x\"},{\"n\":{\"m\":[true]}}]");
	EXPECT_ROW("SELECT MAP {'k': 1, 'j': NULL}, MAP {1: 'x'}, MAP {}::MAP(VARCHAR, INTEGER)",
	           "[{\"k\":1,\"j\":null},[{\"key\":1,\"value\":\"x\"}],{}]");
	EXPECT_ROW("SELECT union_value(s := 'x')::UNION(n INTEGER, s VARCHAR), union_value(n := 2)::UNION(n INTEGER, s VARCHAR)",
	           "[\"x\",2]");
	EXPECT_ROW("SELECT [{'a': [MAP {'k': [1]}]}]", "[[{\"a\":[{\"k\":[1]}]}]]");
}

static void test_object_rows(void **state)
{
	(void)state;
	char *got = encode_row("SELECT 1 AS \"a\"\"b\", 'x' AS c", NULL, true);
	assert_string_equal(got, "{\"a\\\"b\":1,\"c\":\"x\"}");
	free(got);
}

static void test_type_names(void **state)
{
	(void)state;
	duckdb_result r;
	assert_int_equal(duckdb_query(conn, "SELECT 1::INTEGER a, 1.5::DECIMAL(18,3) b, [1] c, {'a': 1, 'B': 'x'} d, "
	                                    "TIMESTAMPTZ '2024-01-01' e, [1,2]::INTEGER[2] f, MAP {'k': 1} g, '{}'::JSON h, "
	                                    "'a'::ENUM('a', 'it''s') i",
	                                &r),
	                 DuckDBSuccess);
	const char *expected[] = {"INTEGER", "DECIMAL(18,3)", "INTEGER[]", "STRUCT(a INTEGER, \"B\" VARCHAR)",
	                          "TIMESTAMP WITH TIME ZONE", "INTEGER[2]", "MAP(VARCHAR, INTEGER)", "JSON",
	                          "ENUM('a', 'it''s')"};
	for (idx_t i = 0; i < 9; i++) {
		duckdb_logical_type t = duckdb_column_logical_type(&r, i);
		buf b;
		buf_init(&b);
		rj_type_name(t, &b);
		buf_putc(&b, '\0');
		assert_string_equal(b.data, expected[i]);
		buf_free(&b);
		duckdb_destroy_logical_type(&t);
	}
	duckdb_destroy_result(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),  cmocka_unit_test(test_numbers),     cmocka_unit_test(test_double_shortest), cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_temporal), cmocka_unit_test(test_nested),      cmocka_unit_test(test_object_rows),
		cmocka_unit_test(test_type_names),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
