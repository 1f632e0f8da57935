/* The command-line client's JSON scanner: values keep the server's exact text, strings decode to
 * UTF-8, and anything that is not JSON is refused without reading past the buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/json_scan.h"

/* The items of a row as "kind:text" joined by spaces, or "invalid". */
static char *items_of(const char *row)
{
	struct cli_json_span *items = NULL;
	size_t cap = 0;
	long n = cli_json_array(row, strlen(row), &items, &cap);
	buf b;
	buf_init(&b);
	if (n < 0)
		buf_puts(&b, "invalid");
	for (long i = 0; i < n; i++)
		buf_printf(&b, "%s%d:%.*s", i ? " " : "", items[i].kind, (int)items[i].len, row + items[i].start);
	buf_putc(&b, '\0');
	free(items);
	return b.data;
}

static void test_exact_numbers(void **state)
{
	(void)state;
	char *s = items_of("[586.36,0.1,18446744073709551615,-170141183460469231731687303715884105728,1e+300,-0.0E-7]");
	assert_string_equal(s, "2:586.36 2:0.1 2:18446744073709551615 2:-170141183460469231731687303715884105728 2:1e+300 2:-0.0E-7");
	free(s);
}

static void test_kinds_and_nesting(void **state)
{
	(void)state;
	char *s = items_of(" [ null , true,false,\"a\\\"b\" , [1,[2]] , {\"k\":{\"x\":[]}} , {} ] ");
	assert_string_equal(s, "0:null 1:true 1:false 3:\"a\\\"b\" 4:[1,[2]] 5:{\"k\":{\"x\":[]}} 5:{}");
	free(s);
	s = items_of("[]");
	assert_string_equal(s, "");
	free(s);
}

static void test_invalid(void **state)
{
	(void)state;
	const char *bad[] = {"", "[", "[1,]", "[01]", "[1.]", "[.5]", "[1e]", "[-]", "[tru]", "[\"a]", "[\"\\x\"]",
	                     "[\"\\u12g4\"]", "[\"tab\there\"]", "[1] 2", "{\"a\":1}", "[{\"a\" 1}]", "[{1:2}]", "[NaN]",
	                     "[1 2]", "[[1]"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *s = items_of(bad[i]);
		if (strcmp(s, "invalid") != 0)
			fail_msg("accepted %s as %s", bad[i], s);
		free(s);
	}
	/* nesting is bounded */
	char deep[2 * CLI_JSON_MAX_DEPTH + 8];
	size_t n = 0;
	for (int i = 0; i < CLI_JSON_MAX_DEPTH + 2; i++)
		deep[n++] = '[';
	for (int i = 0; i < CLI_JSON_MAX_DEPTH + 2; i++)
		deep[n++] = ']';
	deep[n] = '\0';
	char *s = items_of(deep);
	assert_string_equal(s, "invalid");
	free(s);
}

static char *decoded(const char *json)
{
	struct cli_json_span v;
	size_t end = cli_json_value(json, strlen(json), 0, &v);
	assert_int_equal(end, strlen(json));
	buf b;
	buf_init(&b);
	cli_json_unescape(json, &v, &b);
	buf_putc(&b, '\0');
	return b.data;
}

static void test_unescape(void **state)
{
	(void)state;
	char *s = decoded("\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\\u20ac\\ud83d\\ude00é\"");
	assert_string_equal(s, "a\"b\\c/d\n\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc3\xa9");
	free(s);
	s = decoded("\"lone \\ud800 and \\udc00\"");
	assert_string_equal(s, "lone \xef\xbf\xbd and \xef\xbf\xbd");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_numbers),
		cmocka_unit_test(test_kinds_and_nesting),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_unescape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
