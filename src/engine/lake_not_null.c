/* NOT NULL and defaults of managed tables' columns. A managed table is a view to DuckDB, and a
 * view's columns are all nullable and without defaults in DuckDB's catalog, so each worker keeps
 * the list itself (refreshed with the catalog's views) and serves it as the table function
 * lakehouse_managed_columns(), which the PostgreSQL catalog views read for pg_attribute.attnotnull
 * and pg_attrdef. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "util/log.h"

struct nn_column {
	char *catalog, *schema, *table, *column;
	bool not_null;
	char *default_expr; /* NULL: none */
};

struct lake_not_null {
	pthread_mutex_t mu;
	struct nn_column *cols;
	size_t n;
};

/* What one scan returns: a copy taken when it starts. */
struct nn_scan {
	struct nn_column *cols;
	size_t n, next;
};

static void column_free(struct nn_column *c)
{
	free(c->catalog);
	free(c->schema);
	free(c->table);
	free(c->column);
	free(c->default_expr);
}

static bool column_dup(struct nn_column *to, const char *catalog, const char *schema, const char *table,
                       const char *column, bool not_null, const char *default_expr)
{
	to->catalog = strdup(catalog);
	to->schema = strdup(schema);
	to->table = strdup(table);
	to->column = strdup(column);
	to->not_null = not_null;
	to->default_expr = default_expr ? strdup(default_expr) : NULL;
	if (to->catalog && to->schema && to->table && to->column && (!default_expr || to->default_expr))
		return true;
	column_free(to);
	return false;
}

static void scan_free(void *p)
{
	struct nn_scan *s = p;
	for (size_t i = 0; i < s->n; i++)
		column_free(&s->cols[i]);
	free(s->cols);
	free(s);
}

static void list_free(void *p)
{
	struct lake_not_null *l = p;
	for (size_t i = 0; i < l->n; i++)
		column_free(&l->cols[i]);
	free(l->cols);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

static const char *const column_names[] = {"database_name", "schema_name", "table_name", "column_name",
                                           "not_null", "column_default"};

static void nn_bind(duckdb_bind_info info)
{
	duckdb_logical_type t = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
	duckdb_logical_type b = duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN);
	for (size_t i = 0; i < 6; i++)
		duckdb_bind_add_result_column(info, column_names[i], i == 4 ? b : t);
	duckdb_destroy_logical_type(&t);
	duckdb_destroy_logical_type(&b);
}

static void nn_init(duckdb_init_info info)
{
	struct lake_not_null *l = duckdb_init_get_extra_info(info);
	struct nn_scan *s = calloc(1, sizeof(*s));
	if (!s) {
		duckdb_init_set_error(info, "out of memory");
		return;
	}
	pthread_mutex_lock(&l->mu);
	s->cols = calloc(l->n ? l->n : 1, sizeof(*s->cols));
	for (size_t i = 0; s->cols && i < l->n; i++) {
		const struct nn_column *c = &l->cols[i];
		if (!column_dup(&s->cols[s->n], c->catalog, c->schema, c->table, c->column, c->not_null, c->default_expr))
			break;
		s->n++;
	}
	bool complete = s->cols && s->n == l->n;
	pthread_mutex_unlock(&l->mu);
	if (!complete) {
		scan_free(s);
		duckdb_init_set_error(info, "out of memory");
		return;
	}
	duckdb_init_set_max_threads(info, 1);
	duckdb_init_set_init_data(info, s, scan_free);
}

static void nn_function(duckdb_function_info info, duckdb_data_chunk out)
{
	struct nn_scan *s = duckdb_function_get_init_data(info);
	idx_t room = duckdb_vector_size(), rows = 0;
	duckdb_vector v[6];
	for (idx_t k = 0; k < 6; k++)
		v[k] = duckdb_data_chunk_get_vector(out, k);
	duckdb_vector_ensure_validity_writable(v[5]);
	uint64_t *valid = duckdb_vector_get_validity(v[5]);
	for (; rows < room && s->next < s->n; rows++, s->next++) {
		const struct nn_column *c = &s->cols[s->next];
		duckdb_vector_assign_string_element(v[0], rows, c->catalog);
		duckdb_vector_assign_string_element(v[1], rows, c->schema);
		duckdb_vector_assign_string_element(v[2], rows, c->table);
		duckdb_vector_assign_string_element(v[3], rows, c->column);
		((bool *)duckdb_vector_get_data(v[4]))[rows] = c->not_null;
		if (c->default_expr)
			duckdb_vector_assign_string_element(v[5], rows, c->default_expr);
		else
			duckdb_validity_set_row_invalid(valid, rows);
	}
	duckdb_data_chunk_set_size(out, rows);
}

int eng_not_null_register(struct worker *w, char *msg, size_t msglen)
{
	struct lake_not_null *l = calloc(1, sizeof(*l));
	if (!l) {
		snprintf(msg, msglen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&l->mu, NULL);
	duckdb_table_function tf = duckdb_create_table_function();
	duckdb_table_function_set_name(tf, "lakehouse_managed_columns");
	duckdb_table_function_set_extra_info(tf, l, list_free); /* DuckDB frees it with the function */
	duckdb_table_function_set_bind(tf, nn_bind);
	duckdb_table_function_set_init(tf, nn_init);
	duckdb_table_function_set_function(tf, nn_function);
	pthread_mutex_lock(&w->admin_mu);
	duckdb_state st = duckdb_register_table_function(w->admin, tf);
	pthread_mutex_unlock(&w->admin_mu);
	duckdb_destroy_table_function(&tf);
	if (st == DuckDBError) {
		snprintf(msg, msglen, "cannot register lakehouse_managed_columns()");
		return -1;
	}
	w->not_null = l;
	return 0;
}

void eng_not_null_set(struct worker *w, const char *catalog, const struct lake_state *st)
{
	struct lake_not_null *l = w->not_null;
	if (!l)
		return;
	pthread_mutex_lock(&l->mu);
	size_t kept = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (!strcmp(l->cols[i].catalog, catalog))
			column_free(&l->cols[i]);
		else
			l->cols[kept++] = l->cols[i];
	}
	l->n = kept;
	size_t more = 0;
	for (size_t i = 0; st && i < st->ntables; i++)
		for (size_t c = 0; c < st->tables[i].ncols; c++)
			more += st->tables[i].cols[c].not_null || st->tables[i].cols[c].default_expr;
	if (more) {
		struct nn_column *grown = realloc(l->cols, (kept + more) * sizeof(*grown));
		if (grown) {
			l->cols = grown;
		} else {
			log_warn("cannot list the managed columns of a catalog", "catalog=%s", catalog);
			more = 0;
		}
	}
	for (size_t i = 0; more && i < st->ntables; i++) {
		const struct lake_table *t = &st->tables[i];
		const struct lake_schema *schema = lake_state_schema_by_id(st, t->schema_id);
		for (size_t c = 0; schema && c < t->ncols; c++)
			if (t->cols[c].not_null || t->cols[c].default_expr) {
				if (column_dup(&l->cols[l->n], catalog, schema->name, t->name, t->cols[c].name, t->cols[c].not_null,
				               t->cols[c].default_expr))
					l->n++;
				else
					log_warn("cannot list a managed column", "catalog=%s table=%s", catalog, t->name);
			}
	}
	pthread_mutex_unlock(&l->mu);
}
