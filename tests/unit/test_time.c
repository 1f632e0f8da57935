/* Calendar text and time zones: civil dates both ways, TZif parsing (real system zones and
 * malformed bytes), POSIX rules past the last transition. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/timefmt.h"
#include "util/tz.h"

static void test_civil_roundtrip(void **state)
{
	(void)state;
	for (int64_t d = -800000; d <= 800000; d += 997) {
		int64_t y;
		unsigned m, dd;
		civil_from_days(d, &y, &m, &dd);
		assert_true(days_from_civil(y, m, dd) == d);
	}
	assert_true(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28) == 2);
}

static void test_intervals(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	fmt_interval(&b, 14, -3, 3723000001LL);
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "1 year 2 months -3 days 01:02:03.000001");
	buf_free(&b);
}

static void test_zones(void **state)
{
	(void)state;
	const struct tz *paris = tz_get("Europe/Paris");
	assert_non_null(paris);
	assert_int_equal(tz_offset(paris, 1704067200), 3600);   /* 2024-01-01 */
	assert_int_equal(tz_offset(paris, 1719792000), 7200);   /* 2024-07-01 */
	assert_int_equal(tz_offset(paris, 4102444800LL + 180 * 86400), 7200); /* 2100, from the rule */
	const struct tz *sydney = tz_get("Australia/Sydney");
	assert_non_null(sydney);
	assert_int_equal(tz_offset(sydney, 4102444800LL), 11 * 3600); /* January 2100: southern summer */
	assert_int_equal(tz_offset(sydney, 4102444800LL + 180 * 86400), 10 * 3600);
	assert_null(tz_get("../etc/passwd"));
	assert_null(tz_get("No/Such_Zone"));
	assert_int_equal(tz_offset(NULL, 0), 0);
}

static void test_malformed_tzif(void **state)
{
	(void)state;
	unsigned char bytes[64] = "TZif2";
	assert_null(tz_parse(bytes, 10));
	assert_null(tz_parse(bytes, sizeof(bytes)));
	memset(bytes + 20, 0xFF, 24); /* absurd counts */
	assert_null(tz_parse(bytes, sizeof(bytes)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil_roundtrip),
		cmocka_unit_test(test_intervals),
		cmocka_unit_test(test_zones),
		cmocka_unit_test(test_malformed_tzif),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tz_cache_clear();
	return rc;
}
