/* The REST connection table: unauthenticated connections are bounded per address once past their
 * grace and held to the header deadline; at the connection bound waiting and idle ones give way,
 * busy ones never. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http/http_conns.h"

#define G HTTP_CONN_GRACE_US

static struct sockaddr_in v4(const char *ip)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static struct sockaddr_in6 v6(const char *ip)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6};
	inet_pton(AF_INET6, ip, &a.sin6_addr);
	return a;
}

static void add4(struct http_conns *t, struct http_conn *c, const char *ip, int64_t now)
{
	struct sockaddr_in a = v4(ip);
	http_conns_add(t, c, -1, (const struct sockaddr *)&a, now);
}

static void test_per_address_bound_evicts_oldest_waiting(void **state)
{
	(void)state;
	struct http_conns t;
	http_conns_init(&t, 100, 2, 10);
	struct http_conn c[4];
	add4(&t, &c[0], "10.0.0.1", 1);
	add4(&t, &c[1], "10.0.0.1", 2);
	add4(&t, &c[2], "10.0.0.2", 3); /* another address does not count */
	assert_false(c[0].closing);
	add4(&t, &c[3], "10.0.0.1", G + 2);
	assert_true(c[0].closing);
	assert_false(c[1].closing || c[2].closing || c[3].closing);
	struct http_conns_stats s;
	http_conns_stats(&t, &s);
	assert_int_equal(s.open, 3);
	assert_int_equal(s.counters.per_ip_evictions, 1);
	for (int i = 0; i < 4; i++)
		http_conns_remove(&t, &c[i]);
	http_conns_stats(&t, &s);
	assert_int_equal(s.open, 0);
	http_conns_destroy(&t);
}

static void test_busy_unauthenticated_connection_neither_counts_nor_goes(void **state)
{
	(void)state;
	struct http_conns t;
	http_conns_init(&t, 100, 1, 10);
	struct http_conn a, b;
	add4(&t, &a, "10.0.0.1", 1);
	http_conns_set_state(&t, &a, HTTP_CONN_ACTIVE, 2);
	add4(&t, &b, "10.0.0.1", 2 * G);
	http_conns_sweep(&t, 3 * G);
	assert_false(a.closing || b.closing);
	struct http_conns_stats s;
	http_conns_stats(&t, &s);
	assert_int_equal(s.counters.refused + s.counters.per_ip_evictions, 0);
	http_conns_remove(&t, &a);
	http_conns_remove(&t, &b);
	http_conns_destroy(&t);
}

/* 64 connections of one client opened at once all get their chance to send a request; those
 * that send none are cut to the bound once their grace is over (the newest kept), and one that
 * had a request without credentials counts at once. */
static void test_connections_opened_together_pass_their_grace_first(void **state)
{
	(void)state;
	struct http_conns t;
	http_conns_init(&t, 100, 4, 10);
	struct http_conn c[64];
	for (int i = 0; i < 64; i++)
		add4(&t, &c[i], "10.0.0.1", i);
	http_conns_sweep(&t, G - 1);
	for (int i = 0; i < 64; i++)
		assert_false(c[i].closing);
	for (int i = 0; i < 60; i++) { /* the first 60 send a request with valid credentials */
		http_conns_set_state(&t, &c[i], HTTP_CONN_ACTIVE, 100);
		http_conns_set_authenticated(&t, &c[i]);
		http_conns_set_state(&t, &c[i], HTTP_CONN_IDLE, 200);
	}
	struct http_conn d[3];
	for (int i = 0; i < 3; i++)
		add4(&t, &d[i], "10.0.0.1", 300 + i);
	/* a request without credentials: answered 401, idle, and counted at once */
	http_conns_set_state(&t, &d[0], HTTP_CONN_ACTIVE, 400);
	http_conns_set_state(&t, &d[0], HTTP_CONN_IDLE, 500);
	http_conns_sweep(&t, G + 100);
	/* c[60..63] are past their grace, d[0] was served: five suspects, the oldest goes */
	assert_true(c[60].closing);
	for (int i = 61; i < 64; i++)
		assert_false(c[i].closing);
	for (int i = 0; i < 60; i++)
		assert_false(c[i].closing);
	assert_false(d[0].closing || d[1].closing || d[2].closing);
	http_conns_sweep(&t, G + 400);
	/* d[1] and d[2] too: the newest four of seven are kept */
	assert_true(c[61].closing && c[62].closing);
	assert_false(c[63].closing || d[0].closing || d[1].closing || d[2].closing);
	struct http_conns_stats s;
	http_conns_stats(&t, &s);
	assert_int_equal(s.counters.per_ip_evictions, 3);
	assert_int_equal(s.open, 64);
	for (int i = 0; i < 64; i++)
		http_conns_remove(&t, &c[i]);
	for (int i = 0; i < 3; i++)
		http_conns_remove(&t, &d[i]);
	http_conns_destroy(&t);
}

static void test_authenticated_connections_are_not_counted_per_address(void **state)
{
	(void)state;
	struct http_conns t;
	http_conns_init(&t, 100, 1, 10);
	struct http_conn a, b;
	add4(&t, &a, "10.0.0.1", 1);
	http_conns_set_authenticated(&t, &a);
	http_conns_set_state(&t, &a, HTTP_CONN_IDLE, 2);
	add4(&t, &b, "10.0.0.1", 3);
	assert_false(a.closing || b.closing);
	http_conns_remove(&t, &a);
	http_conns_remove(&t, &b);
	http_conns_destroy(&t);
}

static void test_ipv6_counts_by_64_prefix(void **state)
{
	(void)state;
	struct http_conns t;
	http_conns_init(&t, 100, 1, 10);
	struct http_conn a, b, c;
	struct sockaddr_in6 x = v6("2001:db8:1:2::1"), y = v6("2001:db8:1:2::ffff"), z = v6("2001:db8:1:3::1");
	http_conns_add(&t, &a, -1, (const struct sockaddr *)&x, 1);
	http_conns_add(&t, &b, -1, (const struct sockaddr *)&z, 2);
	assert_false(a.closing || b.closing);
	http_conns_add(&t, &c, -1, (const struct sockaddr *)&y, G + 1);
	assert_true(a.closing);
	assert_false(b.closing || c.closing);
	http_conns_remove(&t, &a);
	http_conns_remove(&t, &b);
	http_conns_remove(&t, &c);
	http_conns_destroy(&t);
}

static void test_connection_bound_prefers_unauthenticated_then_idle(void **state)
{
	(void)state;
	struct http_conns t;
	http_conns_init(&t, 3, 10, 10);
	struct http_conn busy, idle, waiting, n1, n2, n3;
	add4(&t, &busy, "10.0.0.1", 1);
	http_conns_set_authenticated(&t, &busy);
	http_conns_set_state(&t, &busy, HTTP_CONN_ACTIVE, 1);
	add4(&t, &idle, "10.0.0.2", 2);
	http_conns_set_authenticated(&t, &idle);
	http_conns_set_state(&t, &idle, HTTP_CONN_IDLE, 2);
	add4(&t, &waiting, "10.0.0.3", 3);
	add4(&t, &n1, "10.0.0.4", 4); /* the waiting one goes first, although the idle one is older */
	assert_true(waiting.closing);
	assert_false(idle.closing || busy.closing || n1.closing);
	http_conns_set_authenticated(&t, &n1);
	http_conns_set_state(&t, &n1, HTTP_CONN_ACTIVE, 4);
	add4(&t, &n2, "10.0.0.5", 5); /* then the idle keep-alive connection */
	assert_true(idle.closing);
	assert_false(busy.closing || n2.closing);
	http_conns_set_state(&t, &n2, HTTP_CONN_ACTIVE, 5);
	add4(&t, &n3, "10.0.0.6", 6); /* every other one is busy: the newcomer is turned away */
	assert_true(n3.closing);
	struct http_conns_stats s;
	http_conns_stats(&t, &s);
	assert_int_equal(s.open, 3);
	assert_int_equal(s.counters.bound_evictions, 2);
	assert_int_equal(s.counters.refused, 1);
	struct http_conn *all[] = {&busy, &idle, &waiting, &n1, &n2, &n3};
	for (size_t i = 0; i < 6; i++)
		http_conns_remove(&t, all[i]);
	http_conns_destroy(&t);
}

static void test_header_deadline_spares_busy_and_authenticated(void **state)
{
	(void)state;
	struct http_conns t;
	http_conns_init(&t, 100, 10, 1);
	struct http_conn waiting, idle_anon, idle_auth, active;
	add4(&t, &waiting, "10.0.0.1", 0);
	add4(&t, &idle_anon, "10.0.0.1", 0);
	http_conns_set_state(&t, &idle_anon, HTTP_CONN_IDLE, 500000);
	add4(&t, &idle_auth, "10.0.0.1", 0);
	http_conns_set_authenticated(&t, &idle_auth);
	http_conns_set_state(&t, &idle_auth, HTTP_CONN_IDLE, 0);
	add4(&t, &active, "10.0.0.1", 0);
	http_conns_set_state(&t, &active, HTTP_CONN_ACTIVE, 0);
	http_conns_sweep(&t, 1000000); /* not yet overdue: exactly at the deadline */
	assert_false(waiting.closing);
	http_conns_sweep(&t, 1200000);
	assert_true(waiting.closing);
	assert_false(idle_anon.closing); /* its deadline runs from the end of its last request */
	http_conns_sweep(&t, 1600000);
	assert_true(idle_anon.closing);
	http_conns_sweep(&t, 100000000);
	assert_false(idle_auth.closing || active.closing);
	struct http_conns_stats s;
	http_conns_stats(&t, &s);
	assert_int_equal(s.counters.header_timeouts, 2);
	assert_int_equal(s.active, 1);
	assert_int_equal(s.idle, 1);
	struct http_conn *all[] = {&waiting, &idle_anon, &idle_auth, &active};
	for (size_t i = 0; i < 4; i++)
		http_conns_remove(&t, all[i]);
	http_conns_destroy(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_address_bound_evicts_oldest_waiting),
		cmocka_unit_test(test_busy_unauthenticated_connection_neither_counts_nor_goes),
		cmocka_unit_test(test_connections_opened_together_pass_their_grace_first),
		cmocka_unit_test(test_authenticated_connections_are_not_counted_per_address),
		cmocka_unit_test(test_ipv6_counts_by_64_prefix),
		cmocka_unit_test(test_connection_bound_prefers_unauthenticated_then_idle),
		cmocka_unit_test(test_header_deadline_spares_busy_and_authenticated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
