/* The POST /query request parser: accepted fields, defaults, and the status of every bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/query_request.h"

static int parse(const char *body, struct query_request *r, struct qr_error *e)
{
	return query_request_parse(body, strlen(body), 64, r, e);
}

static void test_full_request(void **state)
{
	(void)state;
	struct query_request r;
	struct qr_error e;
	assert_int_equal(parse("{\"statement\":\"SELECT 1\",\"session_id\":\"AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee\","
	                       "\"query_id\":null,\"catalog\":\"c\",\"schema\":\"s\",\"compute_size\":\"xl\",\"limit\":10,"
	                       "\"offset\":5,\"timezone\":\"Europe/Paris\",\"sanitize\":true,\"visible\":false,"
	                       "\"ephemeral\":false,\"requested_by\":\"me\",\"cache\":true,\"unknown\":[1,{}],"
	                       "\"column_types\":true}",
	                       &r, &e),
	                 0);
	assert_string_equal(r.statement, "SELECT 1");
	assert_true(r.has_session_id);
	assert_string_equal(r.session_id, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee");
	assert_false(r.has_query_id);
	assert_string_equal(r.catalog, "c");
	assert_string_equal(r.schema, "s");
	assert_int_equal(r.compute_size, 4);
	assert_int_equal(r.limit, 10);
	assert_int_equal(r.offset, 5);
	assert_string_equal(r.timezone, "Europe/Paris");
	assert_false(r.visible);
	assert_true(r.column_types);
	assert_int_equal(r.format, QR_FORMAT_DEFAULT);
	query_request_free(&r);
}

static void test_defaults(void **state)
{
	(void)state;
	struct query_request r;
	struct qr_error e;
	assert_int_equal(parse("{\"statement\":\"\"}", &r, &e), 0);
	assert_int_equal(r.compute_size, -1);
	assert_int_equal(r.limit, -1);
	assert_int_equal(r.offset, -1);
	assert_true(r.visible);
	assert_null(r.catalog);
	query_request_free(&r);
}

static void expect_error(const char *body, int status, const char *code)
{
	struct query_request r;
	struct qr_error e;
	assert_int_equal(parse(body, &r, &e), -1);
	assert_int_equal(e.http_status, status);
	assert_string_equal(e.code, code);
	assert_true(strlen(e.message) > 0);
}

static void test_bad_inputs(void **state)
{
	(void)state;
	expect_error("", 400, "invalid_json");
	expect_error("{\"statement\":", 400, "invalid_json");
	expect_error("{\"statement\":\"a\",\"statement\":\"b\"}", 400, "invalid_json");
	expect_error("{}", 400, "missing_statement");
	expect_error("{\"statement\":null}", 400, "missing_statement");
	expect_error("[\"SELECT 1\"]", 422, "invalid_body");
	expect_error("\"SELECT 1\"", 422, "invalid_body");
	expect_error("{\"statement\":42}", 422, "invalid_field");
	expect_error("{\"statement\":\"x\",\"limit\":\"10\"}", 422, "invalid_field");
	expect_error("{\"statement\":\"x\",\"limit\":-1}", 422, "invalid_field");
	expect_error("{\"statement\":\"x\",\"offset\":1.5}", 422, "invalid_field");
	expect_error("{\"statement\":\"x\",\"visible\":\"yes\"}", 422, "invalid_field");
	expect_error("{\"statement\":\"x\",\"session_id\":\"not-a-uuid\"}", 422, "invalid_field");
	expect_error("{\"statement\":\"x\",\"catalog\":[]}", 422, "invalid_field");
	expect_error("{\"statement\":\"x\",\"compute_size\":\"XXL\"}", 400, "invalid_compute_size");
	expect_error("{\"statement\":\"x\",\"compute_size\":3}", 422, "invalid_field");
	expect_error("{\"statement\":\"x\",\"format\":\"xml\"}", 400, "unsupported_format");
	expect_error("{\"statement\":\"a\\u0000b\"}", 422, "invalid_field");
	expect_error("{\"statement\":\"SELECT 1234567890123456789012345678901234567890123456789012345678901234567890\"}", 413,
	             "statement_too_large");
}

static void test_formats(void **state)
{
	(void)state;
	struct query_request r;
	struct qr_error e;
	assert_int_equal(parse("{\"statement\":\"x\",\"format\":\"jsonl\"}", &r, &e), 0);
	assert_int_equal(r.format, QR_FORMAT_JSONL);
	query_request_free(&r);
	assert_int_equal(parse("{\"statement\":\"x\",\"format\":\"csv\"}", &r, &e), 0);
	assert_int_equal(r.format, QR_FORMAT_CSV);
	query_request_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_request), cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad_inputs), cmocka_unit_test(test_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
