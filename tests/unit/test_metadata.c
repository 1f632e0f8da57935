/* The metadata store on SQLite: migrations, catalog create/list/rename/drop, name rules, and that
 * everything survives closing and reopening the file. (The PostgreSQL driver runs the same
 * operations in the integration suite against a real server.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lake/metadata.h"

static char path[256];

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/lakehouse-meta-test-%d.sqlite", (int)getpid());
	unlink(path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char p[300];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	return 0;
}

static void test_names(void **state)
{
	(void)state;
	char why[128];
	assert_true(lake_name_valid("acme_lakehouse", why, sizeof(why)));
	assert_true(lake_name_valid("_x1", why, sizeof(why)));
	assert_false(lake_name_valid("", why, sizeof(why)));
	assert_false(lake_name_valid("1abc", why, sizeof(why)));
	assert_false(lake_name_valid("Acme", why, sizeof(why)));
	assert_false(lake_name_valid("a-b", why, sizeof(why)));
	assert_false(lake_name_valid("x\"; DROP TABLE lake_catalog; --", why, sizeof(why)));
	assert_false(lake_name_valid("memory", why, sizeof(why)));
	assert_false(lake_name_valid("product_analytics", why, sizeof(why)));
	char longname[80];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_false(lake_name_valid(longname, why, sizeof(why)));
}

static void test_catalog_lifecycle(void **state)
{
	(void)state;
	char err[512];
	struct lake_meta *m = lake_meta_open(path, err, sizeof(err));
	assert_non_null(m);
	assert_string_equal(lake_meta_driver(m), "sqlite");
	assert_int_equal(lake_meta_schema_version(m), 4);
	struct lake_catalog c;
	assert_int_equal(lake_catalog_create(m, "acme", NULL, &c, err, sizeof(err)), LAKE_OK);
	assert_string_equal(c.name, "acme");
	assert_string_equal(c.bucket, "default");
	assert_true(strlen(c.created_at) > 10);
	assert_int_equal(lake_catalog_create(m, "acme", NULL, &c, err, sizeof(err)), LAKE_EXISTS);
	assert_int_equal(lake_catalog_create(m, "beta", "default", &c, err, sizeof(err)), LAKE_OK);
	assert_int_equal(lake_catalog_create(m, "gamma", "nope", &c, err, sizeof(err)), LAKE_INVALID);
	assert_int_equal(lake_catalog_create(m, "Bad Name", NULL, &c, err, sizeof(err)), LAKE_INVALID);
	assert_int_equal(lake_catalog_rename(m, "beta", "acme", &c, err, sizeof(err)), LAKE_EXISTS);
	assert_int_equal(lake_catalog_rename(m, "nope", "zeta", &c, err, sizeof(err)), LAKE_NOT_FOUND);
	assert_int_equal(lake_catalog_rename(m, "beta", "alpha", &c, err, sizeof(err)), LAKE_OK);
	assert_string_equal(c.name, "alpha");
	assert_int_equal(lake_catalog_drop(m, "nope", err, sizeof(err)), LAKE_NOT_FOUND);
	lake_meta_close(m);

	/* reopened: the same catalogs, no migration run twice */
	m = lake_meta_open(path, err, sizeof(err));
	assert_non_null(m);
	assert_int_equal(lake_meta_schema_version(m), 4);
	struct lake_catalog *list;
	size_t n;
	assert_int_equal(lake_catalog_list(m, &list, &n, err, sizeof(err)), LAKE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].name, "acme");
	assert_string_equal(list[1].name, "alpha");
	free(list);
	assert_int_equal(lake_catalog_drop(m, "acme", err, sizeof(err)), LAKE_OK);
	assert_int_equal(lake_catalog_get(m, "acme", &c, err, sizeof(err)), LAKE_NOT_FOUND);
	assert_int_equal(lake_catalog_get(m, "alpha", &c, err, sizeof(err)), LAKE_OK);
	lake_meta_close(m);
}

static void test_buckets(void **state)
{
	(void)state;
	char err[512];
	struct lake_meta *m = lake_meta_open(path, err, sizeof(err));
	assert_non_null(m);
	struct lake_bucket *b = calloc(1, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "lake");
	snprintf(b->uid, sizeof(b->uid), "0b5e6d5e-7a47-4b8a-9d55-0d1c2f1d3a11");
	snprintf(b->provider, sizeof(b->provider), "s3");
	snprintf(b->endpoint, sizeof(b->endpoint), "http://127.0.0.1:9");
	snprintf(b->bucket, sizeof(b->bucket), "data");
	snprintf(b->region, sizeof(b->region), "us-east-1");
	b->path_style = true;
	snprintf(b->access_key_id, sizeof(b->access_key_id), "AKID");
	snprintf(b->secret, sizeof(b->secret), "v1:sealed");
	assert_int_equal(lake_bucket_create(m, b, err, sizeof(err)), LAKE_OK);
	assert_true(strlen(b->created_at) > 10);
	assert_int_equal(lake_bucket_create(m, b, err, sizeof(err)), LAKE_EXISTS);
	snprintf(b->name, sizeof(b->name), "default");
	assert_int_equal(lake_bucket_create(m, b, err, sizeof(err)), LAKE_INVALID);
	snprintf(b->name, sizeof(b->name), "x'; DROP TABLE lake_bucket; --");
	assert_int_equal(lake_bucket_create(m, b, err, sizeof(err)), LAKE_INVALID);

	struct lake_bucket *got = calloc(1, sizeof(*got));
	assert_int_equal(lake_bucket_get(m, "lake", got, err, sizeof(err)), LAKE_OK);
	assert_string_equal(got->provider, "s3");
	assert_true(got->path_style);
	assert_string_equal(got->secret, "v1:sealed");
	assert_string_equal(got->session_token, "");
	assert_int_equal(lake_bucket_get(m, "nope", got, err, sizeof(err)), LAKE_NOT_FOUND);

	/* a catalog in it keeps it */
	struct lake_catalog c;
	assert_int_equal(lake_catalog_create(m, "in_lake", "lake", &c, err, sizeof(err)), LAKE_OK);
	assert_string_equal(c.bucket, "lake");
	assert_int_equal(lake_bucket_delete(m, "lake", err, sizeof(err)), LAKE_IN_USE);
	assert_non_null(strstr(err, "1 catalog"));
	assert_int_equal(lake_catalog_drop(m, "in_lake", err, sizeof(err)), LAKE_OK);
	assert_int_equal(lake_bucket_delete(m, "lake", err, sizeof(err)), LAKE_OK);
	assert_int_equal(lake_bucket_delete(m, "lake", err, sizeof(err)), LAKE_NOT_FOUND);
	struct lake_bucket *list;
	size_t n;
	assert_int_equal(lake_bucket_list(m, &list, &n, err, sizeof(err)), LAKE_OK);
	assert_int_equal(n, 0);
	free(list);
	free(b);
	free(got);
	lake_meta_close(m);
}

static void test_bad_targets(void **state)
{
	(void)state;
	char err[512];
	assert_null(lake_meta_open("/nonexistent-dir/x/meta.sqlite", err, sizeof(err)));
	assert_true(strlen(err) > 0);
	assert_null(lake_meta_open("postgres://nobody@127.0.0.1:1/none?connect_timeout=2", err, sizeof(err)));
	assert_true(strlen(err) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_catalog_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_buckets, setup, teardown),
		cmocka_unit_test(test_bad_targets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
