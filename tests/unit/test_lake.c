/* Snapshots on the SQLite store: a commit's changes become the next snapshot, older snapshots
 * stay readable, and a commit computed against an old snapshot conflicts only when a commit in
 * between touched what it depends on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lake/lake.h"

static char path[256];
static char err[512];

static int setup(void **state)
{
	snprintf(path, sizeof(path), "/tmp/lakehouse-lake-test-%d.sqlite", (int)getpid());
	unlink(path);
	struct lake_meta *m = lake_meta_open(path, err, sizeof(err));
	if (!m || lake_catalog_create(m, "acme", NULL, NULL, err, sizeof(err)) != LAKE_OK)
		return -1;
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	lake_meta_close(*state);
	char p[300];
	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	return 0;
}

static struct lake_head head(struct lake_meta *m)
{
	struct lake_head *heads = NULL, h = {0};
	size_t n = 0;
	assert_int_equal(lake_heads(m, &heads, &n, err, sizeof(err)), LAKE_OK);
	assert_int_equal(n, 1);
	h = heads[0];
	free(heads);
	return h;
}

static void add_column(struct lake_change *c, const char *name, const char *type, bool not_null)
{
	c->cols = realloc(c->cols, (c->ncols + 1) * sizeof(*c->cols));
	assert_non_null(c->cols);
	struct lake_column *col = &c->cols[c->ncols++];
	memset(col, 0, sizeof(*col));
	snprintf(col->name, sizeof(col->name), "%s", name);
	col->type = strdup(type);
	col->not_null = not_null;
}

/* Commits one change to catalog h; returns the status. */
static int commit_one(struct lake_meta *m, struct lake_changeset *cs, int64_t *snap, int64_t *table)
{
	int64_t s = 0, t = 0;
	int rc = lake_commit(m, cs, 1, "alice", &s, &t, err, sizeof(err));
	if (snap)
		*snap = s;
	if (table)
		*table = t;
	lake_changeset_free(cs);
	return rc;
}

static int64_t create_users(struct lake_meta *m, int64_t *snap)
{
	struct lake_head h = head(m);
	struct lake_changeset cs = {h.id, h.snapshot, NULL, 0, 0};
	struct lake_change *c = lake_changeset_add(&cs, LAKE_CREATE_TABLE);
	c->schema_id = 1;
	snprintf(c->name, sizeof(c->name), "users");
	c->key = strdup("1/schema-a.parquet");
	add_column(c, "id", "BIGINT", true);
	add_column(c, "name", "VARCHAR", false);
	int64_t table = 0;
	assert_int_equal(commit_one(m, &cs, snap, &table), LAKE_OK);
	return table;
}

static void add_data(struct lake_meta *m, int64_t base, int64_t table, const char *key, int expect)
{
	struct lake_head h = head(m);
	struct lake_changeset cs = {h.id, base, NULL, 0, 0};
	struct lake_change *c = lake_changeset_add(&cs, LAKE_ADD_DATA);
	c->table_id = table;
	c->key = strdup(key);
	c->rows = 10;
	c->bytes = 100;
	assert_int_equal(commit_one(m, &cs, NULL, NULL), expect);
}

static int delete_rows(struct lake_meta *m, int64_t base, int64_t table, const char *data_key, const char *key,
                       const char *positions)
{
	struct lake_head h = head(m);
	struct lake_changeset cs = {h.id, base, NULL, 0, 0};
	struct lake_change *c = lake_changeset_add(&cs, LAKE_ADD_DELETES);
	c->table_id = table;
	c->key = strdup(key);
	c->targets = calloc(1, sizeof(*c->targets));
	c->targets[0].data_path = strdup(data_key);
	c->targets[0].count = 2;
	c->targets[0].positions = positions ? strdup(positions) : NULL;
	c->ntargets = 1;
	return commit_one(m, &cs, NULL, NULL);
}

static int delete_from(struct lake_meta *m, int64_t base, int64_t table, const char *data_key, const char *key)
{
	return delete_rows(m, base, table, data_key, key, NULL);
}

static void test_create_and_read(void **state)
{
	struct lake_meta *m = *state;
	int64_t snap = 0;
	int64_t table = create_users(m, &snap);
	assert_true(table > 0);
	assert_int_equal(snap, 1);
	struct lake_state st;
	assert_int_equal(lake_state_load(m, head(m).id, snap, &st, err, sizeof(err)), LAKE_OK);
	const struct lake_schema *main_schema = lake_state_schema(&st, "main");
	assert_non_null(main_schema);
	const struct lake_table *t = lake_state_table(&st, main_schema->id, "users");
	assert_non_null(t);
	assert_int_equal(t->ncols, 2);
	assert_string_equal(t->cols[0].name, "id");
	assert_true(t->cols[0].not_null);
	assert_string_equal(t->cols[1].type, "VARCHAR");
	lake_state_free(&st);
	/* Snapshot 0 does not have the table. */
	assert_int_equal(lake_state_load(m, head(m).id, 0, &st, err, sizeof(err)), LAKE_OK);
	assert_int_equal(st.ntables, 0);
	lake_state_free(&st);

	add_data(m, snap, table, "1/1/a.parquet", LAKE_OK);
	add_data(m, snap, table, "1/1/b.parquet", LAKE_OK); /* concurrent appends both commit */
	struct lake_files f;
	assert_int_equal(lake_table_files(m, head(m).id, table, head(m).snapshot, &f, err, sizeof(err)), LAKE_OK);
	assert_int_equal(f.ndata, 2);
	assert_int_equal(f.rows, 20);
	assert_string_equal(f.schema_file, "1/schema-a.parquet");
	lake_files_free(&f);
	assert_int_equal(lake_table_files(m, head(m).id, table, snap, &f, err, sizeof(err)), LAKE_OK);
	assert_int_equal(f.ndata, 0);
	lake_files_free(&f);
}

static void test_conflicts(void **state)
{
	struct lake_meta *m = *state;
	int64_t snap = 0;
	int64_t table = create_users(m, &snap);
	add_data(m, snap, table, "1/1/a.parquet", LAKE_OK);
	int64_t base = head(m).snapshot;
	assert_int_equal(delete_from(m, base, table, "1/1/a.parquet", "1/1/d1.parquet"), LAKE_OK);
	/* A second delete computed against the same snapshot conflicts and leaves no trace. */
	int64_t before = head(m).snapshot;
	assert_int_equal(delete_from(m, base, table, "1/1/a.parquet", "1/1/d2.parquet"), LAKE_CONFLICT);
	assert_non_null(strstr(err, "concurrent"));
	assert_int_equal(head(m).snapshot, before);
	struct lake_files f;
	assert_int_equal(lake_table_files(m, head(m).id, table, head(m).snapshot, &f, err, sizeof(err)), LAKE_OK);
	assert_int_equal(f.ndeletes, 1);
	assert_string_equal(f.deletes[0], "1/1/d1.parquet");
	lake_files_free(&f);
	/* An append computed before the delete still commits. */
	add_data(m, base, table, "1/1/c.parquet", LAKE_OK);
	/* After a drop, an append computed earlier conflicts. */
	base = head(m).snapshot;
	struct lake_changeset cs = {head(m).id, base, NULL, 0, 0};
	lake_changeset_add(&cs, LAKE_DROP_TABLE)->table_id = table;
	assert_int_equal(commit_one(m, &cs, NULL, NULL), LAKE_OK);
	add_data(m, base, table, "1/1/e.parquet", LAKE_CONFLICT);
	assert_int_equal(lake_table_files(m, head(m).id, table, head(m).snapshot, &f, err, sizeof(err)), LAKE_NOT_FOUND);
	/* The dropped table is still readable at its older snapshot. */
	assert_int_equal(lake_table_files(m, head(m).id, table, base, &f, err, sizeof(err)), LAKE_OK);
	assert_int_equal(f.ndata, 2);
	lake_files_free(&f);
}

/* Deletes and updates conflict only when they remove the same rows of the same file. */
static void test_row_conflicts(void **state)
{
	struct lake_meta *m = *state;
	int64_t snap = 0;
	int64_t table = create_users(m, &snap);
	add_data(m, snap, table, "1/1/a.parquet", LAKE_OK);
	add_data(m, snap, table, "1/1/b.parquet", LAKE_OK);
	int64_t base = head(m).snapshot;
	assert_int_equal(delete_rows(m, base, table, "1/1/a.parquet", "1/1/d1.parquet", "0-1,5"), LAKE_OK);
	assert_int_equal(delete_rows(m, base, table, "1/1/a.parquet", "1/1/d2.parquet", "2-4,6"), LAKE_OK);
	assert_int_equal(delete_rows(m, base, table, "1/1/b.parquet", "1/1/d3.parquet", "5"), LAKE_OK);
	assert_int_equal(delete_rows(m, base, table, "1/1/a.parquet", "1/1/d4.parquet", "7,9"), LAKE_OK);
	/* the same row, a row list too long to keep, and one that was never listed all conflict */
	assert_int_equal(delete_rows(m, base, table, "1/1/a.parquet", "1/1/d5.parquet", "8-9"), LAKE_CONFLICT);
	assert_int_equal(delete_rows(m, base, table, "1/1/b.parquet", "1/1/d6.parquet", NULL), LAKE_CONFLICT);
	/* from the newer snapshot, the remaining rows are free again */
	base = head(m).snapshot;
	assert_int_equal(delete_rows(m, base, table, "1/1/a.parquet", "1/1/d7.parquet", "8"), LAKE_OK);
	struct lake_files f;
	assert_int_equal(lake_table_files(m, head(m).id, table, head(m).snapshot, &f, err, sizeof(err)), LAKE_OK);
	assert_int_equal(f.ndeletes, 5);
	lake_files_free(&f);
}

static void test_ranges(void **state)
{
	(void)state;
	assert_false(lake_ranges_overlap("0-5,9", "6-8,10-12"));
	assert_true(lake_ranges_overlap("0-5,9", "7-9"));
	assert_true(lake_ranges_overlap("3", "0-100"));
	assert_false(lake_ranges_overlap("", "1"));
	assert_true(lake_ranges_overlap(NULL, "1"));
	assert_true(lake_ranges_overlap("1", NULL));
	/* what cannot be read overlaps: out of order, touching, malformed, overflowing */
	assert_true(lake_ranges_overlap("5,3", "100"));
	assert_true(lake_ranges_overlap("1-2,2-3", "100"));
	assert_true(lake_ranges_overlap("4-2", "100"));
	assert_true(lake_ranges_overlap("1,,2", "100"));
	assert_true(lake_ranges_overlap("1-", "100"));
	assert_true(lake_ranges_overlap("99999999999999999999", "1"));
	assert_false(lake_ranges_overlap("9223372036854775807", "1-9223372036854775806"));
}

static void test_schemas(void **state)
{
	struct lake_meta *m = *state;
	struct lake_changeset cs = {head(m).id, head(m).snapshot, NULL, 0, 0};
	snprintf(lake_changeset_add(&cs, LAKE_CREATE_SCHEMA)->name, LAKE_NAME_MAX, "staging");
	assert_int_equal(commit_one(m, &cs, NULL, NULL), LAKE_OK);
	cs = (struct lake_changeset){head(m).id, head(m).snapshot, NULL, 0, 0};
	snprintf(lake_changeset_add(&cs, LAKE_CREATE_SCHEMA)->name, LAKE_NAME_MAX, "staging");
	assert_int_equal(commit_one(m, &cs, NULL, NULL), LAKE_EXISTS);
	create_users(m, NULL);
	cs = (struct lake_changeset){head(m).id, head(m).snapshot, NULL, 0, 0};
	struct lake_change *c = lake_changeset_add(&cs, LAKE_DROP_SCHEMA);
	c->schema_id = 1;
	snprintf(c->name, sizeof(c->name), "main");
	assert_int_equal(commit_one(m, &cs, NULL, NULL), LAKE_INVALID);
	assert_non_null(strstr(err, "CASCADE"));
	cs = (struct lake_changeset){head(m).id, head(m).snapshot, NULL, 0, 0};
	c = lake_changeset_add(&cs, LAKE_DROP_SCHEMA);
	c->schema_id = 1;
	c->cascade = true;
	assert_int_equal(commit_one(m, &cs, NULL, NULL), LAKE_OK);
	struct lake_state st;
	assert_int_equal(lake_state_load(m, head(m).id, head(m).snapshot, &st, err, sizeof(err)), LAKE_OK);
	assert_int_equal(st.nschemas, 1);
	assert_string_equal(st.schemas[0].name, "staging");
	assert_int_equal(st.ntables, 0);
	lake_state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_conflicts, setup, teardown),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test_setup_teardown(test_schemas, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
