/* The metrics registry and its text exposition: label values escaped, histogram buckets cumulative
 * and ending in +Inf equal to _count, SQLSTATE classes, and per-catalog counters that survive
 * concurrent updates, forget dropped catalogs and never run out of slots while catalogs come and go. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/metrics.h"
#include "util/prom.h"

/* The value of the sample line that starts with `series ` in text, or -1. */
static long long sample(const char *text, const char *series)
{
	size_t n = strlen(series);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, series, n) && p[n] == ' ')
			return atoll(p + n + 1);
	return -1;
}

static char *text_of(buf *b)
{
	buf_putc(b, '\0');
	assert_false(buf_failed(b));
	return b->data;
}

static void test_label_values_are_escaped(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	prom_family(&b, "x_total", "counter", "a \\ and\na newline");
	struct prom_label l[] = {{"a", "q\"b\\s\nn"}, {"b", ""}};
	prom_u64(&b, "x_total", l, 2, 7);
	assert_string_equal(text_of(&b), "# HELP x_total a \\\\ and\\na newline\n# TYPE x_total counter\n"
	                                 "x_total{a=\"q\\\"b\\\\s\\nn\",b=\"\"} 7\n");
	buf_free(&b);
}

static void test_histogram_is_cumulative(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	const char *bounds[] = {"0.1", "1"};
	const uint64_t counts[] = {2, 0, 3};
	prom_histogram(&b, "h_seconds", &(struct prom_label){"door", "rest"}, 1, bounds, 2, counts, 4500001);
	assert_string_equal(text_of(&b), "h_seconds_bucket{door=\"rest\",le=\"0.1\"} 2\n"
	                                 "h_seconds_bucket{door=\"rest\",le=\"1\"} 2\n"
	                                 "h_seconds_bucket{door=\"rest\",le=\"+Inf\"} 5\n"
	                                 "h_seconds_sum{door=\"rest\"} 4.500001\n"
	                                 "h_seconds_count{door=\"rest\"} 5\n");
	buf_free(&b);
}

static void test_queries_errors_and_latency(void **state)
{
	(void)state;
	metrics_query_done(METRICS_POSTGRES, METRICS_CANCELLED, 2000000); /* 2 s */
	metrics_query_done(METRICS_POSTGRES, METRICS_SUCCESS, 1000);      /* exactly on a bound */
	metrics_error(METRICS_POSTGRES, "42P01");
	metrics_error(METRICS_POSTGRES, "42601");
	metrics_error(METRICS_REST, "40001");
	metrics_error(METRICS_REST, "bad");
	metrics_error(METRICS_REST, NULL);
	buf b;
	buf_init(&b);
	metrics_write(&b);
	const char *t = text_of(&b);
	assert_int_equal(sample(t, "lakehouse_queries_total{door=\"postgres\",outcome=\"cancelled\"}"), 1);
	assert_int_equal(sample(t, "lakehouse_queries_total{door=\"rest\",outcome=\"success\"}"), 0);
	assert_int_equal(sample(t, "lakehouse_query_duration_seconds_bucket{door=\"postgres\",le=\"0.001\"}"), 1);
	assert_int_equal(sample(t, "lakehouse_query_duration_seconds_bucket{door=\"postgres\",le=\"1\"}"), 1);
	assert_int_equal(sample(t, "lakehouse_query_duration_seconds_bucket{door=\"postgres\",le=\"2.5\"}"), 2);
	assert_int_equal(sample(t, "lakehouse_query_duration_seconds_bucket{door=\"postgres\",le=\"+Inf\"}"), 2);
	assert_int_equal(sample(t, "lakehouse_query_duration_seconds_count{door=\"postgres\"}"), 2);
	assert_non_null(strstr(t, "lakehouse_query_duration_seconds_sum{door=\"postgres\"} 2.001000\n"));
	assert_int_equal(sample(t, "lakehouse_errors_total{door=\"postgres\",class=\"42\"}"), 2);
	assert_int_equal(sample(t, "lakehouse_errors_total{door=\"rest\",class=\"40\"}"), 1);
	/* codes that are not SQLSTATEs count as internal errors */
	assert_int_equal(sample(t, "lakehouse_errors_total{door=\"rest\",class=\"XX\"}"), 2);
	/* classes never seen are not listed */
	assert_null(strstr(t, "class=\"22\""));
	buf_free(&b);
}

static long long catalog_value(const char *family, const char *name, int64_t id)
{
	buf b;
	buf_init(&b);
	struct metrics_catalog c = {id, name};
	metrics_write_catalogs(&b, &c, 1);
	char series[128];
	snprintf(series, sizeof(series), "%s{catalog=\"%s\"}", family, name);
	long long v = sample(text_of(&b), series);
	buf_free(&b);
	return v;
}

static void *commit_many(void *arg)
{
	int64_t id = (int64_t)(intptr_t)arg;
	for (int i = 0; i < 10000; i++)
		metrics_catalog_count(id, METRICS_COMMITTED);
	return NULL;
}

static void test_catalog_counters(void **state)
{
	(void)state;
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, commit_many, (void *)(intptr_t)(i % 2 ? 7 : 8));
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	metrics_catalog_count(7, METRICS_CONFLICT);
	metrics_catalog_count(7, METRICS_RETRY);
	assert_int_equal(catalog_value("lakehouse_catalog_commits_total", "seven", 7), 20000);
	assert_int_equal(catalog_value("lakehouse_catalog_commits_total", "eight", 8), 20000);
	assert_int_equal(catalog_value("lakehouse_catalog_commit_conflicts_total", "seven", 7), 1);
	assert_int_equal(catalog_value("lakehouse_catalog_commit_retries_total", "seven", 7), 1);
	/* a catalog without counts shows zeros; a dropped one starts again from nothing */
	assert_int_equal(catalog_value("lakehouse_catalog_commits_total", "new", 9), 0);
	metrics_catalog_forget(7);
	assert_int_equal(catalog_value("lakehouse_catalog_commits_total", "seven", 7), 0);
	assert_int_equal(catalog_value("lakehouse_catalog_commits_total", "eight", 8), 20000);
	/* catalogs created and dropped many times over the table's size keep being counted */
	for (int64_t id = 100; id < 5100; id++) {
		metrics_catalog_count(id, METRICS_COMMITTED);
		metrics_catalog_count(id, METRICS_COMMITTED);
		assert_int_equal(catalog_value("lakehouse_catalog_commits_total", "c", id), 2);
		metrics_catalog_forget(id);
	}
	assert_int_equal(catalog_value("lakehouse_catalog_commits_total", "eight", 8), 20000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_values_are_escaped),
		cmocka_unit_test(test_histogram_is_cumulative),
		cmocka_unit_test(test_queries_errors_and_latency),
		cmocka_unit_test(test_catalog_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
