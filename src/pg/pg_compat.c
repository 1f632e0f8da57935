/* The installation of the PostgreSQL compatibility objects in a worker and a session. */
#include "pg/pg_compat.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"

extern const char pg_catalog_sql[]; /* pg/pg_catalog.sql, built into the binary */

/* --- installation -------------------------------------------------------------------------------- */

/* 'pg_class'::regclass and '16384'::regclass: PostgreSQL's fixed oids of the catalog tables
 * clients name, a number as it is; anything else is NULL (a cast cannot look tables up). */
static const struct {
	const char *name;
	int64_t oid;
} regclasses[] = {
	{"pg_class", 1259}, {"pg_namespace", 2615}, {"pg_type", 1247}, {"pg_proc", 1255}, {"pg_constraint", 2606},
	{"pg_database", 1262}, {"pg_attribute", 1249}, {"pg_index", 2610}, {"pg_description", 2609},
	{"pg_trigger", 2620}, {"pg_am", 2601}, {"pg_attrdef", 2604}, {"pg_authid", 1260}, {"pg_collation", 3456},
	{"pg_tablespace", 1213}, {"pg_rewrite", 2618}, {"pg_operator", 2617}, {"pg_opclass", 2616},
	{"pg_extension", 3079}, {"pg_sequence", 2224}, {"pg_inherits", 2611}, {"pg_policy", 3256},
};

static bool to_regclass(duckdb_function_info info, idx_t count, duckdb_vector input, duckdb_vector output)
{
	(void)info;
	duckdb_string_t *in = duckdb_vector_get_data(input);
	int64_t *out = duckdb_vector_get_data(output);
	uint64_t *valid = duckdb_vector_get_validity(input);
	duckdb_vector_ensure_validity_writable(output);
	uint64_t *out_valid = duckdb_vector_get_validity(output);
	for (idx_t r = 0; r < count; r++) {
		if (valid && !duckdb_validity_row_is_valid(valid, r)) {
			duckdb_validity_set_row_invalid(out_valid, r);
			continue;
		}
		const char *p = duckdb_string_t_data(&in[r]);
		uint32_t n = duckdb_string_t_length(in[r]);
		if (n > 11 && !strncmp(p, "pg_catalog.", 11)) {
			p += 11;
			n -= 11;
		}
		bool digits = n > 0 && n < 19;
		int64_t v = 0;
		for (uint32_t k = 0; k < n && digits; k++) {
			digits = isdigit((unsigned char)p[k]);
			v = v * 10 + (p[k] - '0');
		}
		bool found = digits;
		for (size_t k = 0; !found && k < sizeof(regclasses) / sizeof(regclasses[0]); k++)
			if (strlen(regclasses[k].name) == n && !memcmp(regclasses[k].name, p, n)) {
				v = regclasses[k].oid;
				found = true;
			}
		if (found)
			out[r] = v;
		else
			duckdb_validity_set_row_invalid(out_valid, r);
	}
	return true;
}

/* The regclass type and its cast live in the worker's database: registered once per instance
 * (later registrations fail harmlessly). */
static void register_regclass(duckdb_connection c)
{
	duckdb_logical_type t = duckdb_create_logical_type(DUCKDB_TYPE_BIGINT);
	duckdb_logical_type_set_alias(t, "regclass");
	if (duckdb_register_logical_type(c, t, NULL) == DuckDBSuccess) {
		duckdb_cast_function cf = duckdb_create_cast_function();
		duckdb_logical_type src = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
		duckdb_cast_function_set_source_type(cf, src);
		duckdb_cast_function_set_target_type(cf, t);
		duckdb_cast_function_set_implicit_cast_cost(cf, -1);
		duckdb_cast_function_set_function(cf, to_regclass);
		if (duckdb_register_cast_function(c, cf) == DuckDBError)
			log_warn("cannot register the regclass cast", "%s", "");
		duckdb_destroy_cast_function(&cf);
		duckdb_destroy_logical_type(&src);
	}
	duckdb_destroy_logical_type(&t);
}

static pthread_mutex_t install_mu = PTHREAD_MUTEX_INITIALIZER;

static int exec(duckdb_connection c, const char *sql, char *err, size_t errlen)
{
	duckdb_result r;
	int rc = 0;
	if (duckdb_query(c, sql, &r) == DuckDBError) {
		snprintf(err, errlen, "%s", duckdb_result_error(&r));
		rc = -1;
	}
	duckdb_destroy_result(&r);
	return rc;
}

static bool has_compat_db(duckdb_connection c)
{
	duckdb_result r;
	bool found = false;
	if (duckdb_query(c, "SELECT count(*) FROM duckdb_databases() WHERE database_name = '__pgcompat'", &r) == DuckDBSuccess)
		found = duckdb_value_int64(&r, 0, 0) > 0;
	duckdb_destroy_result(&r);
	return found;
}

int pg_compat_search_path(duckdb_connection c, char *err, size_t errlen)
{
	duckdb_result r;
	if (duckdb_query(c, "SELECT current_setting('search_path'), current_database(), current_schema()", &r) == DuckDBError) {
		snprintf(err, errlen, "%s", duckdb_result_error(&r));
		duckdb_destroy_result(&r);
		return -1;
	}
	char *path = duckdb_value_varchar(&r, 0, 0), *db = duckdb_value_varchar(&r, 1, 0), *schema = duckdb_value_varchar(&r, 2, 0);
	duckdb_destroy_result(&r);
	int rc = 0;
	if (!path || !strstr(path, "__pgcompat.main")) {
		buf sql;
		buf_init(&sql);
		buf_puts(&sql, "SET search_path = '");
		const char *head = path && *path ? path : NULL;
		if (head) {
			for (const char *p = head; *p; p++)
				if (*p != '\'')
					buf_putc(&sql, *p);
		} else {
			/* DuckDB's default: the current schema; kept first */
			buf_printf(&sql, "\"%s\".\"%s\"", db ? db : "memory", schema ? schema : "main");
		}
		buf_puts(&sql, ",__pgcompat.main'");
		buf_putc(&sql, '\0');
		rc = buf_failed(&sql) ? -1 : exec(c, sql.data, err, errlen);
		buf_free(&sql);
	}
	duckdb_free(path);
	duckdb_free(db);
	duckdb_free(schema);
	return rc;
}

int pg_compat_install(duckdb_connection c, const char *user, char *err, size_t errlen)
{
	/* once per worker: the database and its objects are the instance's, shared by its sessions */
	pthread_mutex_lock(&install_mu);
	int rc = 0;
	if (!has_compat_db(c)) {
		register_regclass(c);
		/* the objects name each other unqualified: the installing session must find them */
		if (exec(c, "ATTACH ':memory:' AS __pgcompat", err, errlen) < 0 || pg_compat_search_path(c, err, errlen) < 0 ||
		    exec(c, pg_catalog_sql, err, errlen) < 0) {
			exec(c, "DETACH DATABASE IF EXISTS __pgcompat", (char[256]){0}, 256);
			rc = -1;
		}
	}
	pthread_mutex_unlock(&install_mu);
	if (rc < 0)
		return -1;
	buf setup;
	buf_init(&setup);
	buf_puts(&setup, "SET VARIABLE pgcat_user = '");
	for (const char *p = user; *p; p++) {
		if (*p == '\'')
			buf_putc(&setup, '\'');
		buf_putc(&setup, *p);
	}
	buf_puts(&setup, "'");
	buf_putc(&setup, '\0');
	rc = buf_failed(&setup) ? -1 : exec(c, setup.data, err, errlen);
	buf_free(&setup);
	return rc < 0 ? -1 : pg_compat_search_path(c, err, errlen);
}
