/* The PostgreSQL protocol's pure parts: message framing both ways, and the SCRAM-SHA-256 server
 * exchange checked against RFC 7677's example, with wrong passwords, tampered messages and
 * channel-binding downgrades refused; the lexical pass that points clients' pg_catalog names at
 * the compatibility views, leaving strings, quoted names and comments alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pg/pg_rewrite.h"
#include "pg/pg_scram.h"
#include "pg/pg_wire.h"
#include "util/base64.h"

static void test_framing(void **state)
{
	(void)state;
	buf b;
	buf_init(&b);
	size_t m = pgw_begin(&b, 'Z');
	pgw_byte(&b, 'I');
	pgw_end(&b, m);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "Z\0\0\0\5I", 6);
	buf_reset(&b);
	m = pgw_begin(&b, 'T');
	pgw_int16(&b, -2);
	pgw_int32(&b, 0x01020304);
	pgw_int64(&b, -1);
	pgw_str(&b, "ab");
	pgw_end(&b, m);
	struct pgr r;
	pgr_init(&r, b.data + 1, b.len - 1);
	assert_int_equal(pgr_int32(&r), (int32_t)b.len - 1);
	assert_int_equal(pgr_int16(&r), -2);
	assert_int_equal(pgr_int32(&r), 0x01020304);
	assert_int_equal(pgr_int64(&r), -1);
	assert_string_equal(pgr_str(&r), "ab");
	assert_true(pgr_done(&r));
	/* short reads are remembered and return nothing */
	assert_int_equal(pgr_int32(&r), 0);
	assert_true(r.bad);
	pgr_init(&r, "abc", 3);
	assert_string_equal(pgr_str(&r), "");
	assert_true(r.bad);
	pgr_init(&r, "\1", 1);
	assert_null(pgr_bytes(&r, 2));
	buf_free(&b);
}

#define CLIENT_FIRST "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
#define SERVER_NONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define CLIENT_FINAL \
	"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="

static void rfc_salted(const char *password, unsigned char salted[SCRAM_KEY_LEN], unsigned char **salt, size_t *len)
{
	*salt = (unsigned char *)base64_decode("W22ZaJ0SNY7soEsUEjb6gQ==", 24, len);
	assert_int_equal(pg_scram_salt_password(password, *salt, *len, 4096, salted), 0);
}

static void test_scram_rfc7677(void **state)
{
	(void)state;
	unsigned char salted[SCRAM_KEY_LEN], *salt;
	size_t salt_len;
	rfc_salted("pencil", salted, &salt, &salt_len);
	struct pg_scram s;
	buf out;
	buf_init(&out);
	char why[128];
	assert_int_equal(pg_scram_first(&s, "SCRAM-SHA-256", false, NULL, 0, salted, salt, salt_len, 4096, SERVER_NONCE,
	                                CLIENT_FIRST, strlen(CLIENT_FIRST), &out, why, sizeof(why)),
	                 0);
	buf_putc(&out, '\0');
	assert_string_equal(out.data, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
	buf_reset(&out);
	struct pg_scram copy = s;
	assert_int_equal(pg_scram_final(&s, CLIENT_FINAL, strlen(CLIENT_FINAL), &out, why, sizeof(why)), 0);
	buf_putc(&out, '\0');
	assert_string_equal(out.data, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");

	/* another password: the same proof is wrong */
	unsigned char other[SCRAM_KEY_LEN], *salt2;
	size_t l2;
	rfc_salted("pencil2", other, &salt2, &l2);
	s = copy;
	memcpy(s.salted, other, SCRAM_KEY_LEN);
	buf_reset(&out);
	assert_int_equal(pg_scram_final(&s, CLIENT_FINAL, strlen(CLIENT_FINAL), &out, why, sizeof(why)), -1);
	/* a tampered nonce or channel binding, a missing proof */
	const char *bad[] = {
		"c=biws,r=rOprNGfwEbeRWgbNEkqOXXX,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		"c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
		"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=short",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = copy;
		assert_int_equal(pg_scram_final(&s, bad[i], strlen(bad[i]), &out, why, sizeof(why)), -2);
	}
	free(salt);
	free(salt2);
	buf_free(&out);
}

static void test_scram_channel_binding(void **state)
{
	(void)state;
	unsigned char salted[SCRAM_KEY_LEN], *salt;
	size_t salt_len;
	rfc_salted("pencil", salted, &salt, &salt_len);
	unsigned char cb[32];
	memset(cb, 7, sizeof(cb));
	struct pg_scram s;
	buf out;
	buf_init(&out);
	char why[128];
	/* "y" while the server offers -PLUS: a downgrade */
	const char *y = "y,,n=,r=abc";
	assert_int_equal(pg_scram_first(&s, "SCRAM-SHA-256", true, cb, 32, salted, salt, salt_len, 4096, "xyz", y,
	                                strlen(y), &out, why, sizeof(why)),
	                 -2);
	assert_non_null(strstr(why, "downgrade"));
	/* -PLUS needs the p= flag, and the final message must carry the channel's data */
	const char *n = "n,,n=,r=abc";
	assert_int_equal(pg_scram_first(&s, "SCRAM-SHA-256-PLUS", true, cb, 32, salted, salt, salt_len, 4096, "xyz", n,
	                                strlen(n), &out, why, sizeof(why)),
	                 -2);
	const char *p = "p=tls-server-end-point,,n=,r=abc";
	assert_int_equal(pg_scram_first(&s, "SCRAM-SHA-256-PLUS", true, cb, 32, salted, salt, salt_len, 4096, "xyz", p,
	                                strlen(p), &out, why, sizeof(why)),
	                 0);
	/* the binding of plain SCRAM (biws) does not pass for -PLUS */
	const char *fin = "c=biws,r=abcxyz,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
	assert_int_equal(pg_scram_final(&s, fin, strlen(fin), &out, why, sizeof(why)), -2);
	assert_non_null(strstr(why, "channel binding"));
	assert_int_equal(pg_scram_first(&s, "SCRAM-SHA-1", false, NULL, 0, salted, salt, salt_len, 4096, "xyz", n,
	                                strlen(n), &out, why, sizeof(why)),
	                 -2);
	const char *authz = "n,a=admin,n=,r=abc";
	assert_int_equal(pg_scram_first(&s, "SCRAM-SHA-256", false, NULL, 0, salted, salt, salt_len, 4096, "xyz", authz,
	                                strlen(authz), &out, why, sizeof(why)),
	                 -2);
	free(salt);
	buf_free(&out);
}

static void expect_rewrite(const char *in, const char *want)
{
	char *got = pg_compat_rewrite(in, strlen(in));
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void test_compat_rewrite(void **state)
{
	(void)state;
	expect_rewrite("SELECT 1", NULL);
	expect_rewrite("SELECT c.relname FROM pg_catalog.pg_class c", "SELECT c.relname FROM pg_class c");
	expect_rewrite("SELECT \"pg_catalog\".format_type(1, 2)", "SELECT format_type(1, 2)");
	expect_rewrite("SELECT x::pg_catalog.text, PG_CATALOG . pg_get_userbyid(10)", "SELECT x::text, pg_get_userbyid(10)");
	expect_rewrite("WHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default",
	               "WHERE c.relname  ~  '^(t)$' ");
	expect_rewrite("SELECT (information_schema._pg_expandarray(i.indkey)).n", "SELECT (_pg_expandarray(i.indkey)).n");
	/* not qualifiers: strings, quoted names, comments, longer names, DuckDB's information_schema */
	expect_rewrite("SELECT 'pg_catalog.pg_class', \"pg_catalog.x\", my_pg_catalog.t -- pg_catalog.x", NULL);
	expect_rewrite("SELECT $q$ pg_catalog.x $q$, E'\\' pg_catalog.y'", NULL);
	expect_rewrite("SELECT * FROM information_schema.tables /* pg_catalog.t */", NULL);
	expect_rewrite("SELECT a COLLATE nocase", NULL);
	/* unterminated input ends the pass without reading past it */
	expect_rewrite("SELECT 'pg_catalog.", NULL);
	expect_rewrite("SELECT pg_catalog", NULL);
	expect_rewrite("SELECT pg_catalog.", "SELECT ");
	expect_rewrite("SELECT a COLLATE", NULL);
	expect_rewrite("LEFT JOIN pg_attribute a ON t.oid = a.attrelid AND a.attnum = ANY ( ix.indkey ) WHERE x",
	               "LEFT JOIN pg_attribute a ON t.oid = a.attrelid AND pgcat_any_eq(a.attnum, ix.indkey) WHERE x");
	expect_rewrite("WHERE (k=any(arr)) OR NOT x.y = ANY(z.w)", "WHERE (pgcat_any_eq(k, arr)) OR NOT pgcat_any_eq(x.y, z.w)");
	/* not two column references, or an operand of something else */
	expect_rewrite("WHERE 1 = ANY(arr) OR k = ANY(ARRAY[1]) OR k = ANY(f(x)) OR k = ANY(SELECT 1) OR k = ANYX(a)", NULL);
	expect_rewrite("WHERE j + k = ANY(arr) OR 'k' || k = ANY(arr) OR s.k = ANY(arr)[1] OR k >= ANY(a) OR k == ANY(a)", NULL);
	expect_rewrite("SELECT a OPERATOR(", NULL);
}

static void expect_list(const char *pg, const char *list)
{
	buf b;
	buf_init(&b);
	bool ok = pg_array_text_to_list(pg, strlen(pg), &b);
	buf_putc(&b, '\0');
	if (list)
		assert_string_equal(b.data, list);
	else
		assert_int_equal(b.len, 1);
	assert_int_equal(ok, list != NULL);
	buf_free(&b);
}

static void test_array_literals(void **state)
{
	(void)state;
	expect_list("{1, 2 ,3}", "[\"1\",\"2\",\"3\"]");
	expect_list(" {} ", "[]");
	expect_list("{{1,2},{3}}", "[[\"1\",\"2\"],[\"3\"]]");
	expect_list("{\"a,b\",\"q\\\"r\",NULL,\"NULL\",null,\\NULL, x\\,y ,it's}",
	            "[\"a,b\",\"q\\\"r\",NULL,\"NULL\",NULL,\"NULL\",\"x,y\",\"it's\"]");
	expect_list("[1,2]", NULL);
	expect_list("{1,2", NULL);
	expect_list("{1,,2}", NULL);
	expect_list("{1} x", NULL);
	expect_list("{\"open}", NULL);
	expect_list("{{{{{{{{1}}}}}}}}", NULL);
	/* in statements: only a plain literal cast to an array type */
	expect_rewrite("SELECT '{a,b}'::text[], 'x' <> ALL ('{1}' :: numeric(10, 2) [ ])",
	               "SELECT '[\"a\",\"b\"]'::text[], 'x' <> ALL ('[\"1\"]' :: numeric(10, 2) [ ])");
	expect_rewrite("SELECT '{it''s}'::varchar[]", "SELECT '[\"it''s\"]'::varchar[]");
	expect_rewrite("SELECT '{a}'::text, '{a}', E'{a}'::text[], '{a'::text[], '{a}'::text, x[1]", NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_scram_rfc7677),
		cmocka_unit_test(test_scram_channel_binding),
		cmocka_unit_test(test_compat_rewrite),
		cmocka_unit_test(test_array_literals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
