/* The SSD cache's index over a real fs bucket: one download per object however many readers ask
 * at once, hits after that, the size bound with least-recently-used eviction that never takes a
 * pinned object, write-through adoption, forgetting, refusing copies of the wrong size, failures
 * not cached, and the index found again after a restart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include <cmocka.h>

#include "storage/cache.h"
#include "storage/store.h"

static char root[256], bucket_dir[300], cache_dir[300];

/* The fs driver, with downloads counted and slowed so concurrent readers overlap. */
struct counting_store {
	struct store base;
	struct store *inner;
	int downloads;
	pthread_mutex_t mu;
};

static int counted_get_file(struct store *s, const char *key, int fd, struct store_object *out, struct store_error *err)
{
	struct counting_store *c = (struct counting_store *)s;
	pthread_mutex_lock(&c->mu);
	c->downloads++;
	pthread_mutex_unlock(&c->mu);
	usleep(50000);
	return c->inner->ops->get_file(c->inner, key, fd, out, err);
}

static struct store_ops counting_ops;

static struct counting_store *open_source(void)
{
	struct store_error err;
	struct counting_store *c = calloc(1, sizeof(*c));
	c->inner = store_fs_open(bucket_dir, &err);
	assert_non_null(c->inner);
	counting_ops = *c->inner->ops;
	counting_ops.get_file = counted_get_file;
	c->base.ops = &counting_ops;
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

static void close_source(struct counting_store *c)
{
	c->inner->ops->close(c->inner);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static void put_object(struct counting_store *c, const char *key, size_t size)
{
	char *data = malloc(size);
	memset(data, key[strlen(key) - 1], size);
	struct store_error err;
	assert_int_equal(c->inner->ops->put(c->inner, key, data, size, &err), STORE_OK);
	free(data);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/lakehouse-cache-test-%d", (int)getpid());
	snprintf(bucket_dir, sizeof(bucket_dir), "%s/bucket", root);
	snprintf(cache_dir, sizeof(cache_dir), "%s/cache", root);
	mkdir(root, 0700);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static struct cache *open_cache(uint64_t max)
{
	char err[256] = "";
	struct cache *c = cache_open(cache_dir, max, err, sizeof(err));
	assert_non_null(c);
	return c;
}

static void test_hit_after_miss(void **state)
{
	(void)state;
	struct counting_store *src = open_source();
	put_object(src, "1/data-a", 1000);
	struct cache *c = open_cache(1 << 20);
	struct cache_entry *pin;
	struct store_error err;
	struct cache_use use = {0};
	assert_int_equal(cache_acquire(c, &src->base, "b1", "1/data-a", 1000, &pin, &use, &err), STORE_OK);
	assert_int_equal(use.misses, 1);
	assert_int_equal(use.miss_bytes, 1000);
	char path[4200];
	cache_space_root(c, "b1", path, sizeof(path));
	strcat(path, "1/data-a");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 1000);
	cache_release(c, pin);
	assert_int_equal(cache_acquire(c, &src->base, "b1", "1/data-a", 0, &pin, &use, &err), STORE_OK);
	cache_release(c, pin);
	assert_int_equal(use.hits, 1);
	assert_int_equal(use.hit_bytes, 1000);
	assert_int_equal(use.misses, 1);
	struct cache_stats s;
	cache_get_stats(c, &s);
	assert_int_equal(s.misses, 1);
	assert_int_equal(s.hits, 1);
	assert_int_equal(s.bytes_fetched, 1000);
	assert_int_equal(s.bytes_cached, 1000);
	assert_int_equal(s.objects, 1);
	assert_int_equal(src->downloads, 1);

	/* a missing object is an error, and is not remembered */
	assert_int_equal(cache_acquire(c, &src->base, "b1", "1/missing", 0, &pin, NULL, &err), STORE_NOT_FOUND);
	assert_null(pin);
	put_object(src, "1/missing", 10);
	assert_int_equal(cache_acquire(c, &src->base, "b1", "1/missing", 0, &pin, NULL, &err), STORE_OK);
	cache_release(c, pin);
	/* the metadata's size must match the bucket's object */
	put_object(src, "1/data-b", 100);
	assert_int_equal(cache_acquire(c, &src->base, "b1", "1/data-b", 99, &pin, NULL, &err), STORE_ERROR);
	assert_non_null(strstr(err.message, "metadata"));
	/* bad keys and spaces */
	assert_int_equal(cache_acquire(c, &src->base, "b1", "../x", 0, &pin, NULL, &err), STORE_INVALID);
	assert_int_equal(cache_acquire(c, &src->base, "a/b", "x", 0, &pin, NULL, &err), STORE_INVALID);
	cache_close(c);
	close_source(src);
}

struct reader {
	struct cache *c;
	struct counting_store *src;
	int rc;
};

static void *read_one(void *arg)
{
	struct reader *r = arg;
	struct cache_entry *pin;
	struct store_error err;
	r->rc = cache_acquire(r->c, &r->src->base, "b2", "1/shared", 5000, &pin, NULL, &err);
	if (r->rc == STORE_OK)
		cache_release(r->c, pin);
	return NULL;
}

static void test_one_download_for_concurrent_readers(void **state)
{
	(void)state;
	struct counting_store *src = open_source();
	put_object(src, "1/shared", 5000);
	struct cache *c = open_cache(1 << 20);
	pthread_t t[16];
	struct reader r[16];
	for (int i = 0; i < 16; i++) {
		r[i] = (struct reader){c, src, -1};
		pthread_create(&t[i], NULL, read_one, &r[i]);
	}
	for (int i = 0; i < 16; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(r[i].rc, STORE_OK);
	}
	assert_int_equal(src->downloads, 1);
	struct cache_stats s;
	cache_get_stats(c, &s);
	assert_int_equal(s.misses, 1);
	assert_int_equal(s.hits, 15); /* the others found it local, most after waiting for the download */
	assert_true(s.waits > 0);
	assert_int_equal(s.bytes_fetched, 5000);
	cache_close(c);
	close_source(src);
}

static void test_size_bound_and_pins(void **state)
{
	(void)state;
	struct counting_store *src = open_source();
	char key[32];
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "2/obj-%d", i);
		put_object(src, key, 1000);
	}
	struct cache *c = open_cache(3500);
	struct cache_entry *pins[10];
	struct store_error err;
	/* four pinned at once: the bound gives way to readers, never the other way round */
	for (int i = 0; i < 4; i++) {
		snprintf(key, sizeof(key), "2/obj-%d", i);
		assert_int_equal(cache_acquire(c, &src->base, "b3", key, 1000, &pins[i], NULL, &err), STORE_OK);
	}
	struct cache_stats s;
	cache_get_stats(c, &s);
	assert_int_equal(s.bytes_cached, 4000);
	assert_int_equal(s.evictions, 0);
	for (int i = 0; i < 4; i++)
		cache_release(c, pins[i]);
	cache_get_stats(c, &s);
	assert_true(s.bytes_cached <= 3500);
	/* object 0 was the least recently used: it went first */
	char path[4200];
	cache_space_root(c, "b3", path, sizeof(path));
	strcat(path, "2/obj-0");
	assert_int_not_equal(access(path, F_OK), 0);
	/* a workload larger than the cache stays within the bound throughout */
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 10; i++) {
			snprintf(key, sizeof(key), "2/obj-%d", i);
			assert_int_equal(cache_acquire(c, &src->base, "b3", key, 1000, &pins[0], NULL, &err), STORE_OK);
			cache_release(c, pins[0]);
			cache_get_stats(c, &s);
			assert_true(s.bytes_cached <= 3500);
		}
	/* the most recent one is a hit, and touching it keeps it over older ones */
	int before = src->downloads;
	assert_int_equal(cache_acquire(c, &src->base, "b3", "2/obj-9", 1000, &pins[0], NULL, &err), STORE_OK);
	cache_release(c, pins[0]);
	assert_int_equal(src->downloads, before);
	cache_close(c);
	close_source(src);
}

static void test_adopt_forget_restart(void **state)
{
	(void)state;
	struct counting_store *src = open_source();
	char tmp[400];
	snprintf(tmp, sizeof(tmp), "%s/staged", root);
	FILE *f = fopen(tmp, "w");
	fputs("written through", f);
	fclose(f);
	struct cache *c = open_cache(1 << 20);
	cache_adopt(c, "b4", "3/new", tmp);
	assert_int_not_equal(access(tmp, F_OK), 0); /* consumed */
	struct cache_entry *pin;
	struct store_error err;
	/* found without the bucket ever being asked */
	assert_int_equal(cache_acquire(c, &src->base, "b4", "3/new", 15, &pin, NULL, &err), STORE_OK);
	assert_int_equal(src->downloads, 0);
	/* forgotten while read: the file stays until its reader is done */
	char path[4200];
	cache_space_root(c, "b4", path, sizeof(path));
	strcat(path, "3/new");
	cache_forget(c, "b4", "3/new");
	assert_int_equal(access(path, F_OK), 0);
	cache_release(c, pin);
	assert_int_not_equal(access(path, F_OK), 0);

	put_object(src, "3/kept", 300);
	assert_int_equal(cache_acquire(c, &src->base, "b4", "3/kept", 300, &pin, NULL, &err), STORE_OK);
	cache_release(c, pin);
	cache_close(c);

	/* a leftover temporary file and a restart: the cached object is found, the leftover is gone */
	char leftover[400];
	snprintf(leftover, sizeof(leftover), "%s/tmp/partial", cache_dir);
	f = fopen(leftover, "w");
	fputs("half", f);
	fclose(f);
	c = open_cache(1 << 20);
	assert_int_not_equal(access(leftover, F_OK), 0);
	struct cache_stats s;
	cache_get_stats(c, &s);
	assert_int_equal(s.objects, 1);
	assert_int_equal(s.bytes_cached, 300);
	int before = src->downloads;
	assert_int_equal(cache_acquire(c, &src->base, "b4", "3/kept", 300, &pin, NULL, &err), STORE_OK);
	cache_release(c, pin);
	assert_int_equal(src->downloads, before);
	cache_forget_space(c, "b4");
	cache_get_stats(c, &s);
	assert_int_equal(s.objects, 0);
	cache_close(c);
	/* a smaller bound at the next start evicts what no longer fits */
	put_object(src, "3/a", 600);
	put_object(src, "3/b", 600);
	c = open_cache(1 << 20);
	assert_int_equal(cache_acquire(c, &src->base, "b4", "3/a", 600, &pin, NULL, &err), STORE_OK);
	cache_release(c, pin);
	assert_int_equal(cache_acquire(c, &src->base, "b4", "3/b", 600, &pin, NULL, &err), STORE_OK);
	cache_release(c, pin);
	cache_close(c);
	c = open_cache(700);
	cache_get_stats(c, &s);
	assert_int_equal(s.objects, 1);
	assert_true(s.bytes_cached <= 700);
	cache_close(c);
	close_source(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hit_after_miss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_download_for_concurrent_readers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_bound_and_pins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt_forget_restart, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
