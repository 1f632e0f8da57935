/* Statement splitting, the worker-setting guard and SQLSTATE mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "engine/sql_split.h"
#include "engine/sqlstate.h"
#include "engine/statement_guard.h"

static size_t split(const char *sql, struct sql_span *spans, size_t max)
{
	return sql_split(sql, strlen(sql), spans, max);
}

static void expect_span(const char *sql, const struct sql_span *s, const char *text)
{
	assert_int_equal(s->len, strlen(text));
	assert_memory_equal(sql + s->start, text, s->len);
}

static void test_split(void **state)
{
	(void)state;
	struct sql_span s[8];
	const char *a = "SELECT 1; SELECT ';' ; -- c;\n SELECT \"x;y\" ;;  /* a; /* nested; */ b; */ ";
	assert_int_equal(split(a, s, 8), 3);
	expect_span(a, &s[0], "SELECT 1");
	expect_span(a, &s[1], "SELECT ';' ");
	expect_span(a, &s[2], "SELECT \"x;y\" ");
	const char *b = "SELECT $$a;b$$; SELECT $tag$ ; $x$ $tag$; SELECT E'\\';'; SELECT 'it''s;'";
	assert_int_equal(split(b, s, 8), 4);
	expect_span(b, &s[0], "SELECT $$a;b$$");
	expect_span(b, &s[1], "SELECT $tag$ ; $x$ $tag$");
	expect_span(b, &s[2], "SELECT E'\\';'");
	expect_span(b, &s[3], "SELECT 'it''s;'");
	assert_int_equal(split("   ", s, 8), 0);
	assert_int_equal(split("-- only a comment", s, 8), 0);
	const char *c = "SELECT 'unterminated; SELECT 2";
	assert_int_equal(split(c, s, 8), 1);
	assert_int_equal(split("SELECT $1; SELECT 2", s, 8), 2);
	/* more statements than room: the count is still exact */
	assert_int_equal(split("a;b;c;d", s, 2), 4);
}

static bool is_global(const void *ctx, const char *name)
{
	(void)ctx;
	return !strcasecmp(name, "memory_limit") || !strcasecmp(name, "threads");
}

static int guard(const char *sql)
{
	char msg[256];
	return guard_check_sql(sql, strlen(sql), is_global, NULL, msg, sizeof(msg));
}

static void test_guard(void **state)
{
	(void)state;
	assert_int_equal(guard("SET TimeZone = 'UTC'"), 0);
	assert_int_equal(guard("SET SESSION search_path = 'x'"), 0);
	assert_int_equal(guard("SET VARIABLE memory_limit = 1"), 0);
	assert_int_equal(guard("SELECT 1; PRAGMA memory_limit"), 0);
	assert_int_equal(guard("SET memory_limit = '1GB'"), -1);
	assert_int_equal(guard("set Memory_Limit to '1GB'"), -1);
	assert_int_equal(guard("SET \"threads\" = 1"), -1);
	assert_int_equal(guard("/* hi */ RESET threads"), -1);
	assert_int_equal(guard("SET GLOBAL TimeZone = 'UTC'"), -1);
	assert_int_equal(guard("SET LOCAL threads = 4"), -1);
	assert_int_equal(guard("SELECT 1; PRAGMA threads = 4"), -1);
	assert_int_equal(guard("SELECT 'SET threads = 1'"), 0);
}

static void test_sqlstate(void **state)
{
	(void)state;
	assert_string_equal(sqlstate_for_message("Parser Error: syntax error at or near \"x\""), "42601");
	assert_string_equal(sqlstate_for_message("Catalog Error: Table with name x does not exist!"), "42P01");
	assert_string_equal(sqlstate_for_message("Catalog Error: Table with name x already exists!"), "42P07");
	assert_string_equal(sqlstate_for_message("Binder Error: Referenced column \"y\" not found"), "42703");
	assert_string_equal(sqlstate_for_message("Out of Range Error: Overflow"), "22003");
	assert_string_equal(sqlstate_for_message("INTERRUPT Error: Interrupted!"), "57014");
	assert_string_equal(sqlstate_for_message("Constraint Error: NOT NULL constraint failed"), "23502");
	assert_string_equal(sqlstate_for_message("something else"), "XX000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_sqlstate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
