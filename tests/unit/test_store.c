/* The object store interface on the fs driver: key rules, put/get/head/delete, ranges, listing
 * order and pagination, and that temporary files never show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "storage/store.h"

static char root[128];

static int setup(void **state)
{
	snprintf(root, sizeof(root), "/tmp/lakehouse-store-test-%d", (int)getpid());
	struct store_error err;
	struct store *s = store_fs_open(root, &err);
	if (!s)
		return -1;
	*state = s;
	return 0;
}

static int teardown(void **state)
{
	struct store *s = *state;
	s->ops->close(s);
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_keys(void **state)
{
	(void)state;
	assert_true(store_key_valid("a"));
	assert_true(store_key_valid("cat/main/t/data-0001.parquet"));
	assert_false(store_key_valid(""));
	assert_false(store_key_valid("/abs"));
	assert_false(store_key_valid("a//b"));
	assert_false(store_key_valid("a/"));
	assert_false(store_key_valid("../etc/passwd"));
	assert_false(store_key_valid("a/../../b"));
	assert_false(store_key_valid("a/./b"));
	assert_false(store_key_valid("a/.hidden"));
	assert_false(store_key_valid("a\\b"));
	assert_false(store_key_valid("a\nb"));
	char longkey[STORE_KEY_MAX + 2];
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_false(store_key_valid(longkey));
}

static void test_put_get_head_delete(void **state)
{
	struct store *s = *state;
	struct store_error err;
	buf b;
	buf_init(&b);
	assert_int_equal(s->ops->put(s, "x/y/obj", "hello world", 11, &err), STORE_OK);
	assert_int_equal(s->ops->get_range(s, "x/y/obj", 0, UINT64_MAX, &b, &err), STORE_OK);
	assert_int_equal(b.len, 11);
	assert_memory_equal(b.data, "hello world", 11);
	buf_reset(&b);
	assert_int_equal(s->ops->get_range(s, "x/y/obj", 6, 3, &b, &err), STORE_OK);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "wor", 3);
	buf_reset(&b);
	assert_int_equal(s->ops->get_range(s, "x/y/obj", 100, 5, &b, &err), STORE_OK);
	assert_int_equal(b.len, 0);
	struct store_object o;
	assert_int_equal(s->ops->head(s, "x/y/obj", &o, &err), STORE_OK);
	assert_int_equal(o.size, 11);
	assert_string_equal(o.key, "x/y/obj");
	/* overwrite replaces the whole object */
	assert_int_equal(s->ops->put(s, "x/y/obj", "bye", 3, &err), STORE_OK);
	buf_reset(&b);
	assert_int_equal(s->ops->get_range(s, "x/y/obj", 0, UINT64_MAX, &b, &err), STORE_OK);
	assert_int_equal(b.len, 3);
	assert_int_equal(s->ops->del(s, "x/y/obj", &err), STORE_OK);
	assert_int_equal(s->ops->del(s, "x/y/obj", &err), STORE_OK);
	assert_int_equal(s->ops->head(s, "x/y/obj", &o, &err), STORE_NOT_FOUND);
	assert_int_equal(s->ops->get_range(s, "x/y/obj", 0, 1, &b, &err), STORE_NOT_FOUND);
	assert_int_equal(s->ops->put(s, "../escape", "no", 2, &err), STORE_INVALID);
	assert_int_equal(s->ops->get_range(s, "x/../../etc/passwd", 0, 1, &b, &err), STORE_INVALID);
	assert_int_equal(s->ops->head(s, "x", &o, &err), STORE_NOT_FOUND); /* a folder is not an object */
	buf_free(&b);
}

static void test_put_file(void **state)
{
	struct store *s = *state;
	struct store_error err;
	char local[160];
	snprintf(local, sizeof(local), "%s-local", root);
	FILE *f = fopen(local, "wb");
	assert_non_null(f);
	for (int i = 0; i < 100000; i++)
		fputc('a' + i % 26, f);
	fclose(f);
	assert_int_equal(s->ops->put_file(s, "files/big.bin", local, &err), STORE_OK);
	struct store_object o;
	assert_int_equal(s->ops->head(s, "files/big.bin", &o, &err), STORE_OK);
	assert_int_equal(o.size, 100000);
	buf b;
	buf_init(&b);
	assert_int_equal(s->ops->get_range(s, "files/big.bin", 99998, 10, &b, &err), STORE_OK);
	assert_int_equal(b.len, 2);
	assert_memory_equal(b.data, "cd", 2); /* 99998 % 26 = 2 -> 'c' */
	buf_free(&b);
	unlink(local);
	assert_int_equal(s->ops->put_file(s, "files/missing", "/nonexistent/file", &err), STORE_ERROR);
	assert_int_equal(s->ops->head(s, "files/missing", &o, &err), STORE_NOT_FOUND);
}

static void test_list(void **state)
{
	struct store *s = *state;
	struct store_error err;
	const char *keys[] = {"l/b/2", "l/a", "l/b/1", "l/c", "m/x", "l/bb", "la"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_int_equal(s->ops->put(s, keys[i], "v", 1, &err), STORE_OK);
	struct store_object page[3];
	size_t n;
	assert_int_equal(s->ops->list(s, "l/", NULL, page, 3, &n, &err), STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(page[0].key, "l/a");
	assert_string_equal(page[1].key, "l/b/1");
	assert_string_equal(page[2].key, "l/b/2");
	assert_int_equal(s->ops->list(s, "l/", page[2].key, page, 3, &n, &err), STORE_OK);
	assert_int_equal(n, 2);
	assert_string_equal(page[0].key, "l/bb");
	assert_string_equal(page[1].key, "l/c");
	assert_int_equal(s->ops->list(s, "l/", "l/c", page, 3, &n, &err), STORE_OK);
	assert_int_equal(n, 0);
	/* a prefix that is not a folder boundary */
	assert_int_equal(s->ops->list(s, "l/b", NULL, page, 3, &n, &err), STORE_OK);
	assert_int_equal(n, 3);
	assert_string_equal(page[2].key, "l/bb");
	assert_int_equal(s->ops->list(s, "nothing/", NULL, page, 3, &n, &err), STORE_OK);
	assert_int_equal(n, 0);
	/* a leftover temporary file is never listed */
	char tmp[256];
	snprintf(tmp, sizeof(tmp), "%s/l/.tmp-leftover", root);
	FILE *f = fopen(tmp, "w");
	assert_non_null(f);
	fclose(f);
	struct store_object all[16];
	assert_int_equal(s->ops->list(s, "", NULL, all, 16, &n, &err), STORE_OK);
	assert_int_equal(n, 7);
	assert_string_equal(all[0].key, "l/a");
	assert_string_equal(all[6].key, "m/x");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test_setup_teardown(test_put_get_head_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
