/* Statement splitting, the worker-setting guard, SQLSTATE mapping and error texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "engine/error_text.h"
#include "engine/sql_split.h"
#include "engine/statement_head.h"
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

static struct stmt_head head(const char *sql)
{
	struct stmt_head h;
	stmt_head_parse(sql, strlen(sql), &h);
	return h;
}

static void expect_target(const struct stmt_head *h, int nparts, const char *a, const char *b, const char *c)
{
	assert_int_equal(h->target.nparts, nparts);
	const char *want[3] = {a, b, c};
	for (int i = 0; i < nparts; i++)
		assert_string_equal(h->target.parts[i], want[i]);
}

static void test_heads(void **state)
{
	(void)state;
	struct stmt_head h = head("SELECT 1");
	assert_int_equal(h.kind, STMT_SELECT);
	assert_int_equal(head("FROM t SELECT a").kind, STMT_SELECT);
	assert_int_equal(head("  (SELECT 1) UNION ALL (SELECT 2)").kind, STMT_SELECT);
	assert_int_equal(head("WITH a AS (SELECT ')' AS x), b(c) AS MATERIALIZED (SELECT 1) SELECT * FROM a").kind,
	                 STMT_SELECT);

	const char *ins = "insert or replace into Acme.\"Main\".\"My \"\"T\"\"\" (a, b) SELECT 1, 2";
	h = head(ins);
	assert_int_equal(h.kind, STMT_INSERT);
	expect_target(&h, 3, "acme", "Main", "My \"T\"");
	assert_true(h.target.quoted[1]);
	assert_false(h.target.quoted[0]);
	assert_string_equal(ins + h.rest, "(a, b) SELECT 1, 2");

	const char *with = "  WITH src AS (SELECT * FROM x) INSERT INTO t BY NAME SELECT * FROM src";
	h = head(with);
	assert_int_equal(h.kind, STMT_INSERT);
	expect_target(&h, 1, "t", NULL, NULL);
	assert_int_equal(h.with_start, 2);
	assert_int_equal(h.with_len, strlen("WITH src AS (SELECT * FROM x) "));
	assert_int_equal(head("INSERT INTO t VALUES (1)").with_len, 0);

	/* objects other than tables, by the name they live under */
	h = head("CREATE SEQUENCE IF NOT EXISTS acme.main.seq START 1");
	assert_int_equal(h.kind, STMT_CREATE_OTHER);
	expect_target(&h, 3, "acme", "main", "seq");
	h = head("CREATE UNIQUE INDEX idx ON acme.main.t (a)");
	assert_int_equal(h.kind, STMT_CREATE_OTHER);
	expect_target(&h, 3, "acme", "main", "t");
	h = head("create or replace macro m(x) as x + 1");
	expect_target(&h, 1, "m", NULL, NULL);
	assert_int_equal(head("CREATE SECRET s (TYPE s3)").target.nparts, 0);
	h = head("DROP MACRO TABLE IF EXISTS acme.mt");
	assert_int_equal(h.kind, STMT_DROP_OTHER);
	expect_target(&h, 2, "acme", "mt", NULL);
	h = head("ALTER VIEW acme.main.v RENAME TO w");
	assert_int_equal(h.kind, STMT_ALTER_OTHER);
	expect_target(&h, 3, "acme", "main", "v");
	h = head("COMMENT ON COLUMN acme.main.t.c IS 'x'");
	assert_int_equal(h.kind, STMT_ALTER_OTHER);
	expect_target(&h, 3, "acme", "main", "t");
	h = head("COMMENT ON TABLE t IS 'x'");
	expect_target(&h, 1, "t", NULL, NULL);
	h = head("COPY FROM DATABASE memory TO acme");
	assert_int_equal(h.kind, STMT_COPY_DATABASE);
	expect_target(&h, 1, "acme", NULL, NULL);
	struct stmt_head bad;
	assert_int_equal(stmt_head_parse("COMMENT ON COLUMN t IS 'x'", 26, &bad), -1);
	assert_int_equal(stmt_head_parse("COPY FROM DATABASE memory acme", 30, &bad), -1);

	h = head("UPDATE s.t SET a = 1");
	assert_int_equal(h.kind, STMT_UPDATE);
	expect_target(&h, 2, "s", "t", NULL);
	assert_int_equal(head("DELETE FROM t WHERE id IN (1, 2)").kind, STMT_DELETE);
	assert_int_equal(head("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE").kind, STMT_MERGE);
	assert_int_equal(head("TRUNCATE TABLE t").kind, STMT_TRUNCATE);
	assert_int_equal(head("TRUNCATE t").kind, STMT_TRUNCATE);
	assert_int_equal(head("COPY t FROM 'x.csv'").kind, STMT_COPY_FROM);
	assert_int_equal(head("COPY t (a, b) FROM 'x.csv' (HEADER)").kind, STMT_COPY_FROM);
	assert_int_equal(head("COPY t TO 'x.csv'").kind, STMT_COPY_TO);
	assert_int_equal(head("COPY (SELECT 1) TO 'x.csv'").kind, STMT_COPY_TO);

	h = head("CREATE OR REPLACE TABLE c.s.t AS SELECT 1");
	assert_int_equal(h.kind, STMT_CREATE_TABLE_AS);
	assert_true(h.or_replace);
	expect_target(&h, 3, "c", "s", "t");
	assert_string_equal("CREATE OR REPLACE TABLE c.s.t AS SELECT 1" + h.rest, "SELECT 1");
	h = head("create temp table if not exists t (a INTEGER NOT NULL DEFAULT 3)");
	assert_int_equal(h.kind, STMT_CREATE_TABLE);
	assert_true(h.temporary);
	assert_true(h.if_not_exists);
	h = head("CREATE SCHEMA IF NOT EXISTS acme.staging");
	assert_int_equal(h.kind, STMT_CREATE_SCHEMA);
	expect_target(&h, 2, "acme", "staging", NULL);
	assert_int_equal(head("CREATE VIEW v AS SELECT 1").kind, STMT_CREATE_VIEW);
	assert_int_equal(head("CREATE MACRO m(a) AS a + 1").kind, STMT_CREATE_OTHER);

	h = head("DROP TABLE IF EXISTS s.t CASCADE");
	assert_int_equal(h.kind, STMT_DROP_TABLE);
	assert_true(h.if_exists);
	assert_true(h.cascade);
	assert_int_equal(head("DROP SCHEMA s").kind, STMT_DROP_SCHEMA);
	assert_int_equal(head("DROP MACRO m").kind, STMT_DROP_OTHER);
	assert_int_equal(head("ALTER TABLE t ADD COLUMN c INTEGER").kind, STMT_ALTER_TABLE);
	assert_int_equal(head("ALTER VIEW v RENAME TO w").kind, STMT_ALTER_OTHER);

	h = head("SET SESSION TimeZone = 'UTC'");
	assert_int_equal(h.kind, STMT_SET);
	assert_int_equal(h.scope, SCOPE_SESSION);
	expect_target(&h, 1, "timezone", NULL, NULL);
	assert_true(head("SET VARIABLE x = 1").variable);
	assert_int_equal(head("RESET GLOBAL threads").scope, SCOPE_GLOBAL);
	assert_int_equal(head("PRAGMA threads = 4").kind, STMT_PRAGMA);
	assert_int_equal(head("ATTACH 'x.db' AS x").kind, STMT_ATTACH);
	h = head("DETACH DATABASE IF EXISTS acme");
	assert_int_equal(h.kind, STMT_DETACH);
	expect_target(&h, 1, "acme", NULL, NULL);
	assert_int_equal(head("USE acme.main").kind, STMT_USE);
	assert_int_equal(head("BEGIN TRANSACTION").kind, STMT_BEGIN);
	assert_int_equal(head("START TRANSACTION").kind, STMT_BEGIN);
	assert_int_equal(head("COMMIT").kind, STMT_COMMIT);
	assert_int_equal(head("ROLLBACK").kind, STMT_ROLLBACK);

	/* not understood: other, never a guess */
	struct stmt_head o;
	assert_int_equal(stmt_head_parse("INSERT t VALUES (1)", 19, &o), -1);
	assert_int_equal(o.kind, STMT_OTHER);
	assert_int_equal(stmt_head_parse("UPDATE \"unterminated", 20, &o), -1);
	assert_int_equal(stmt_head_parse("WITH a AS (SELECT 1", 19, &o), -1);
	assert_int_equal(stmt_head_parse("UPDATE a.b.c.d SET x = 1", 24, &o), -1);
	assert_int_equal(stmt_head_parse("", 0, &o), -1);
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

static void polished(const char *in, const char *size, const char *want)
{
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s", in);
	error_text_polish(msg, sizeof(msg), size);
	assert_string_equal(msg, want);
}

static void test_error_text(void **state)
{
	(void)state;
	polished("Catalog Error: Table with name nope does not exist!\nDid you mean \"pg_enum\"?\n\nLINE 1: SELECT * FROM nope",
	         NULL, "Catalog Error: Table with name nope does not exist!\n\nLINE 1: SELECT * FROM nope");
	polished("Catalog Error: Table with name nope does not exist!\nDid you mean \"pg_catalog.pg_enum\"?", NULL,
	         "Catalog Error: Table with name nope does not exist!");
	polished("Catalog Error: Scalar Function with name nopefn does not exist!\nDid you mean \"encode\"?", NULL,
	         "Catalog Error: Scalar Function with name nopefn does not exist!");
	/* near misses keep their suggestion, qualified or not */
	const char *near[] = {
		"Catalog Error: Table with name tabels does not exist!\nDid you mean \"tables\"?",
		"Catalog Error: Table with name pg_enm does not exist!\nDid you mean \"pg_enum\"?",
		"Catalog Error: Table with name acme.main.ordrs does not exist!\nDid you mean \"acme.main.orders\"?",
		"Catalog Error: Table Function with name duckdb_tabless does not exist!\nDid you mean \"duckdb_tables\"?",
		"Binder Error: Referenced column \"nme\" not found in FROM clause!\nCandidate bindings: \"name\"",
	};
	for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++)
		polished(near[i], NULL, near[i]);
	polished("Out of Memory Error: failed to allocate data of size 16.0 MiB (498.2 MiB/512.0 MiB used)\n\nPossible "
	         "solutions:\n* Reducing the number of threads (SET threads=X)\n* Increasing the memory limit (SET "
	         "memory_limit='...GB')\n\nSee also https://duckdb.org/docs",
	         "XS",
	         "Out of Memory Error: failed to allocate data of size 16.0 MiB (498.2 MiB/512.0 MiB used)\n\nThe query "
	         "needs more memory than the XS worker it ran on may use. Possible solutions:\n* Running it on a larger "
	         "compute size (compute_size \"L\" or \"XL\" in the request)\n* Disabling insertion-order preservation (SET "
	         "preserve_insertion_order = false)\n* Holding less at once: fewer columns, a narrower filter, an aggregate "
	         "instead of a list");
	char small[64] = "Out of Memory Error: x\n\nPossible solutions:\n* SET threads";
	error_text_polish(small, sizeof(small), "M");
	assert_true(strlen(small) < sizeof(small));
	assert_null(strstr(small, "SET threads"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_heads),
		cmocka_unit_test(test_sqlstate),
		cmocka_unit_test(test_error_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
