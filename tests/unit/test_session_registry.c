/* Session registry: find by id and owner, one holder at a time, LRU eviction at the cap, expiry. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/session_registry.h"

static int payloads[16];

static void test_insert_acquire_release(void **state)
{
	(void)state;
	struct sess_registry *r = sess_registry_new(4, 60000);
	struct sess_entry *e, *again;
	void *evicted;
	assert_int_equal(sess_registry_insert(r, NULL, "alice", &payloads[0], &e, &evicted), SESS_OK);
	assert_null(evicted);
	assert_int_equal(strlen(e->id), UUID_STR_LEN);
	/* held: a second acquire times out */
	assert_int_equal(sess_registry_acquire(r, e->id, "alice", 50, &again), SESS_TIMEOUT);
	sess_registry_release(r, e);
	assert_int_equal(sess_registry_acquire(r, e->id, "alice", 50, &again), SESS_OK);
	assert_ptr_equal(again, e);
	assert_ptr_equal(again->payload, &payloads[0]);
	sess_registry_release(r, again);
	/* another user never sees it */
	assert_int_equal(sess_registry_acquire(r, e->id, "bob", 50, &again), SESS_NOT_FOUND);
	assert_int_equal(sess_registry_acquire(r, "00000000-0000-0000-0000-000000000000", "alice", 50, &again),
	                 SESS_NOT_FOUND);
	sess_registry_free(r, NULL);
}

static void test_chosen_id(void **state)
{
	(void)state;
	struct sess_registry *r = sess_registry_new(4, 60000);
	struct sess_entry *e;
	void *evicted;
	const char *id = "11111111-2222-3333-4444-555555555555";
	assert_int_equal(sess_registry_insert(r, id, "alice", &payloads[0], &e, &evicted), SESS_OK);
	assert_string_equal(e->id, id);
	sess_registry_release(r, e);
	assert_int_equal(sess_registry_insert(r, id, "bob", &payloads[1], &e, &evicted), SESS_EXISTS);
	sess_registry_free(r, NULL);
}

static void test_cap_evicts_lru_idle(void **state)
{
	(void)state;
	struct sess_registry *r = sess_registry_new(2, 60000);
	struct sess_entry *a, *b, *c, *d, *tmp;
	void *evicted;
	assert_int_equal(sess_registry_insert(r, NULL, "u", &payloads[0], &a, &evicted), SESS_OK);
	assert_int_equal(sess_registry_insert(r, NULL, "u", &payloads[1], &b, &evicted), SESS_OK);
	/* both held: nothing can be evicted */
	assert_int_equal(sess_registry_insert(r, NULL, "u", &payloads[2], &c, &evicted), SESS_FULL);
	char a_id[UUID_STR_LEN + 1];
	memcpy(a_id, a->id, sizeof(a_id));
	sess_registry_release(r, a);
	sess_registry_release(r, b);
	/* touch a so b is the least recently used */
	assert_int_equal(sess_registry_acquire(r, a_id, "u", 10, &tmp), SESS_OK);
	sess_registry_release(r, tmp);
	assert_int_equal(sess_registry_insert(r, NULL, "u", &payloads[2], &c, &evicted), SESS_OK);
	assert_ptr_equal(evicted, &payloads[1]);
	assert_int_equal(sess_registry_count(r), 2);
	assert_int_equal(sess_registry_acquire(r, a_id, "u", 10, &d), SESS_OK);
	sess_registry_release(r, d);
	sess_registry_release(r, c);
	sess_registry_free(r, NULL);
}

static void test_expiry_skips_held(void **state)
{
	(void)state;
	struct sess_registry *r = sess_registry_new(8, 20);
	struct sess_entry *a, *b;
	void *evicted, *out[8];
	assert_int_equal(sess_registry_insert(r, NULL, "u", &payloads[0], &a, &evicted), SESS_OK);
	assert_int_equal(sess_registry_insert(r, NULL, "u", &payloads[1], &b, &evicted), SESS_OK);
	sess_registry_release(r, a);
	usleep(40000);
	size_t n = sess_registry_expire(r, sess_now_ms(), out, 8);
	assert_int_equal(n, 1);
	assert_ptr_equal(out[0], &payloads[0]);
	assert_int_equal(sess_registry_count(r), 1);
	assert_ptr_equal(sess_registry_remove(r, b), &payloads[1]);
	assert_int_equal(sess_registry_count(r), 0);
	sess_registry_free(r, NULL);
}

struct waiter {
	struct sess_registry *r;
	char id[UUID_STR_LEN + 1];
	int rc;
};

static void *wait_for_session(void *arg)
{
	struct waiter *w = arg;
	struct sess_entry *e;
	w->rc = sess_registry_acquire(w->r, w->id, "u", 2000, &e);
	if (w->rc == SESS_OK)
		sess_registry_release(w->r, e);
	return NULL;
}

static void test_waiter_gets_session_after_release(void **state)
{
	(void)state;
	struct sess_registry *r = sess_registry_new(2, 60000);
	struct sess_entry *a;
	void *evicted;
	assert_int_equal(sess_registry_insert(r, NULL, "u", &payloads[0], &a, &evicted), SESS_OK);
	struct waiter w = {.r = r, .rc = -1};
	memcpy(w.id, a->id, sizeof(w.id));
	pthread_t t;
	pthread_create(&t, NULL, wait_for_session, &w);
	usleep(50000);
	sess_registry_release(r, a);
	pthread_join(t, NULL);
	assert_int_equal(w.rc, SESS_OK);
	sess_registry_free(r, NULL);
}

static int destroyed;
static void count_destroy(void *p)
{
	(void)p;
	destroyed++;
}

static void test_free_destroys_payloads(void **state)
{
	(void)state;
	struct sess_registry *r = sess_registry_new(4, 60000);
	struct sess_entry *e;
	void *evicted;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sess_registry_insert(r, NULL, "u", &payloads[i], &e, &evicted), SESS_OK);
		sess_registry_release(r, e);
	}
	destroyed = 0;
	sess_registry_free(r, count_destroy);
	assert_int_equal(destroyed, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_acquire_release),
		cmocka_unit_test(test_chosen_id),
		cmocka_unit_test(test_cap_evicts_lru_idle),
		cmocka_unit_test(test_expiry_skips_held),
		cmocka_unit_test(test_waiter_gets_session_after_release),
		cmocka_unit_test(test_free_destroys_payloads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
