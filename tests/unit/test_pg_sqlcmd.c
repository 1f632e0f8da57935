/* The PostgreSQL port's own SQL commands: the parsers of PREPARE, EXECUTE, DEALLOCATE, DECLARE,
 * FETCH/MOVE, CLOSE and DISCARD (names folded or quoted, every FETCH direction, syntax errors),
 * EXECUTE's argument substitution that leaves literals alone, the statement log's summary, and
 * the row store read back in any order once it has spilled to its file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pg/pg_rowstore.h"
#include "pg/pg_sqlcmd.h"
#include "pg/pg_stmtlog.h"

static struct pg_fetch fetch(const char *sql)
{
	struct pg_fetch f;
	char why[200];
	assert_int_equal(pg_parse_fetch(sql, strlen(sql), &f, why, sizeof(why)), 0);
	return f;
}

static void test_fetch_directions(void **state)
{
	(void)state;
	static const struct {
		const char *sql;
		enum pg_fetch_dir dir;
		bool all;
		int64_t count;
	} cases[] = {
	    {"FETCH c", PG_FETCH_FORWARD, false, 1},
	    {"FETCH NEXT FROM c", PG_FETCH_FORWARD, false, 1},
	    {"FETCH PRIOR IN c", PG_FETCH_BACKWARD, false, 1},
	    {"FETCH FIRST c", PG_FETCH_ABSOLUTE, false, 1},
	    {"fetch last c;", PG_FETCH_ABSOLUTE, false, -1},
	    {"FETCH ABSOLUTE -3 c", PG_FETCH_ABSOLUTE, false, -3},
	    {"FETCH RELATIVE 0 c", PG_FETCH_RELATIVE, false, 0},
	    {"FETCH 5 c", PG_FETCH_FORWARD, false, 5},
	    {"FETCH -2 c", PG_FETCH_BACKWARD, false, 2},
	    {"FETCH ALL c", PG_FETCH_FORWARD, true, 1},
	    {"FETCH FORWARD c", PG_FETCH_FORWARD, false, 1},
	    {"FETCH FORWARD 10 FROM _psql_cursor", PG_FETCH_FORWARD, false, 10},
	    {"FETCH FORWARD -4 c", PG_FETCH_BACKWARD, false, 4},
	    {"FETCH BACKWARD ALL c", PG_FETCH_BACKWARD, true, 1},
	    {"MOVE BACKWARD 3 /* c */ c", PG_FETCH_BACKWARD, false, 3},
	    {"MOVE BACKWARD -3 c", PG_FETCH_FORWARD, false, 3},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pg_fetch f = fetch(cases[i].sql);
		assert_int_equal(f.dir, cases[i].dir);
		assert_int_equal(f.all, cases[i].all);
		assert_int_equal(f.count, cases[i].count);
		assert_true(!strcmp(f.name, "c") || !strcmp(f.name, "_psql_cursor"));
	}
	struct pg_fetch f = fetch("FETCH FORWARD 2 FROM \"My \"\"Cursor\"\"\"");
	assert_string_equal(f.name, "My \"Cursor\"");
	assert_string_equal(fetch("FETCH ALL FROM MyCursor").name, "mycursor");
	char why[200];
	const char *bad[] = {"FETCH", "FETCH NEXT", "FETCH 5", "FETCH c d", "FETCH ABSOLUTE c", "FETCH \"\"",
	                     "FETCH 99999999999999999999 c"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pg_parse_fetch(bad[i], strlen(bad[i]), &f, why, sizeof(why)), -1);
	assert_string_equal((pg_parse_fetch("FETCH c d", 9, &f, why, sizeof(why)), why), "syntax error at or near \"d\"");
}

static void test_declare(void **state)
{
	(void)state;
	struct pg_declare d;
	char why[200];
	const char *sql = "DECLARE \"sc\" BINARY NO SCROLL CURSOR WITH HOLD FOR SELECT 1 ;  ";
	assert_int_equal(pg_parse_declare(sql, strlen(sql), &d, why, sizeof(why)), 0);
	assert_string_equal(d.name, "sc");
	assert_true(d.binary && d.no_scroll && d.hold);
	assert_int_equal(d.query.len, 8);
	assert_memory_equal(sql + d.query.start, "SELECT 1", 8);
	sql = "declare c scroll cursor without hold for values (1)";
	assert_int_equal(pg_parse_declare(sql, strlen(sql), &d, why, sizeof(why)), 0);
	assert_true(!d.binary && !d.no_scroll && !d.hold);
	const char *bad[] = {"DECLARE c FOR SELECT 1", "DECLARE c CURSOR WITH SELECT 1", "DECLARE c CURSOR FOR ;",
	                     "DECLARE c NO CURSOR FOR SELECT 1"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pg_parse_declare(bad[i], strlen(bad[i]), &d, why, sizeof(why)), -1);
}

static void test_prepare_execute(void **state)
{
	(void)state;
	static struct pg_prepare pp;
	static struct pg_execute ex;
	char why[200];
	const char *sql = "PREPARE q (int, varchar(10), numeric(5, 2)) AS SELECT $1, $2 || '$1', $3, $10";
	assert_int_equal(pg_parse_prepare(sql, strlen(sql), &pp, why, sizeof(why)), 0);
	assert_string_equal(pp.name, "q");
	assert_int_equal(pp.ntypes, 3);
	assert_memory_equal(sql + pp.types[2].start, "numeric(5, 2)", pp.types[2].len);
	assert_int_equal(pg_parse_prepare("PREPARE TRANSACTION 'x'", 23, &pp, why, sizeof(why)), -1);
	assert_true(pp.transaction);
	const char *call = "EXECUTE q (41, 'a, b', f(1, 2))";
	assert_int_equal(pg_parse_execute(call, strlen(call), &ex, why, sizeof(why)), 0);
	assert_int_equal(ex.nargs, 3);
	const char *body = "SELECT $1 + 1, '$2', $2, \"$3\", $3";
	const char *types[3] = {"INTEGER", NULL, NULL};
	buf out;
	buf_init(&out);
	assert_int_equal(pg_substitute_params(body, strlen(body), types, 3, call, ex.args, ex.nargs, &out, why, sizeof(why)),
	                 0);
	buf_putc(&out, '\0');
	assert_string_equal(out.data, "SELECT CAST((41) AS INTEGER) + 1, '$2', ('a, b'), \"$3\", (f(1, 2))");
	buf_reset(&out);
	assert_int_equal(pg_substitute_params("SELECT $4", 9, types, 3, call, ex.args, ex.nargs, &out, why, sizeof(why)),
	                 -1);
	assert_string_equal(why, "there is no parameter $4");
	buf_free(&out);
	assert_int_equal(pg_parse_execute("EXECUTE q (1,)", 14, &ex, why, sizeof(why)), -1);
	assert_int_equal(pg_parse_execute("EXECUTE q ()", 12, &ex, why, sizeof(why)), 0);
	assert_int_equal(ex.nargs, 0);
}

static void test_targets(void **state)
{
	(void)state;
	struct pg_target t;
	char why[200];
	assert_int_equal(pg_parse_deallocate("DEALLOCATE ALL", 14, &t, why, sizeof(why)), 0);
	assert_true(t.all);
	assert_int_equal(pg_parse_deallocate("deallocate prepare _pg3_0", 25, &t, why, sizeof(why)), 0);
	assert_string_equal(t.name, "_pg3_0");
	assert_int_equal(pg_parse_close("CLOSE ALL", 9, &t, why, sizeof(why)), 0);
	assert_true(t.all);
	assert_int_equal(pg_parse_discard("DISCARD TEMPORARY", 17, &t, why, sizeof(why)), 0);
	assert_string_equal(t.name, "TEMP");
	assert_int_equal(pg_parse_discard("DISCARD EVERYTHING", 18, &t, why, sizeof(why)), -1);
	assert_int_equal(pg_sqlcmd_kind("  -- x\n fetch 1 c", 17), PG_CMD_FETCH);
	assert_int_equal(pg_sqlcmd_kind("EXECUTEX", 8), PG_CMD_NONE);
}

static void test_log_text(void **state)
{
	(void)state;
	char out[PG_STMTLOG_PREFIX + 8];
	const char *sql = "  SELECT  'it''s secret',\n\t\"Col\" FROM t WHERE a = 'x'";
	pg_stmtlog_text(sql, strlen(sql), out);
	assert_string_equal(out, "SELECT '\xe2\x80\xa6', 'Col' FROM t WHERE a = '\xe2\x80\xa6'");
	char longer[300];
	memset(longer, 'x', sizeof(longer));
	pg_stmtlog_text(longer, sizeof(longer), out);
	assert_int_equal(strlen(out), PG_STMTLOG_PREFIX + 3);
	pg_stmtlog_text("'unterminated", 13, out);
	assert_string_equal(out, "'\xe2\x80\xa6'");
}

static void test_rowstore(void **state)
{
	(void)state;
	struct pg_rowstore s;
	pg_rowstore_init(&s, "/tmp");
	char rec[600];
	enum { N = 5000 }; /* about 3 MB: past the memory part */
	for (int i = 0; i < N; i++) {
		int n = snprintf(rec, sizeof(rec), "row %d ", i);
		memset(rec + n, 'a' + i % 26, (size_t)(i % 500));
		assert_int_equal(pg_rowstore_append(&s, rec, (size_t)n + (size_t)(i % 500)), 0);
	}
	assert_true(s.fd >= 0);
	assert_int_equal(s.nrows, N);
	const int order[] = {0, 1, 2, 4999, 4998, 2500, 255, 256, 257, 3000, 0, 4999};
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		int i = order[k];
		size_t len;
		const unsigned char *r = pg_rowstore_get(&s, (uint64_t)i, &len);
		assert_non_null(r);
		int n = snprintf(rec, sizeof(rec), "row %d ", i);
		assert_int_equal(len, (size_t)n + (size_t)(i % 500));
		assert_memory_equal(r, rec, (size_t)n);
		if (i % 500)
			assert_int_equal(r[len - 1], 'a' + i % 26);
	}
	for (int i = N - 1; i >= 0; i -= 7) { /* backward, as FETCH BACKWARD reads */
		size_t len;
		assert_non_null(pg_rowstore_get(&s, (uint64_t)i, &len));
	}
	pg_rowstore_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch_directions),
		cmocka_unit_test(test_declare),
		cmocka_unit_test(test_prepare_execute),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_log_text),
		cmocka_unit_test(test_rowstore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
