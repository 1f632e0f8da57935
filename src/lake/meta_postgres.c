/* PostgreSQL metadata driver on libpq. Parameters go as untyped text so the server infers their
 * types from the statement; a broken connection is re-established once before giving up. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lake/meta_db.h"

struct meta_pg {
	struct meta_db base;
	PGconn *conn;
};

static void trim_message(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg ? msg : "unknown error");
	size_t n = strlen(err);
	while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
}

static int pg_exec(struct meta_db *base, const char *sql, int nparams, const char *const *params, meta_row_fn row,
                   void *ctx, char *err, size_t errlen)
{
	struct meta_pg *m = (struct meta_pg *)base;
	if (PQstatus(m->conn) != CONNECTION_OK)
		PQreset(m->conn);
	PGresult *res = nparams ? PQexecParams(m->conn, sql, nparams, NULL, params, NULL, NULL, 0) : PQexec(m->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int rc = META_OK;
	if (st == PGRES_TUPLES_OK && row) {
		int ncols = PQnfields(res) < 64 ? PQnfields(res) : 64;
		const char *values[64];
		for (int r = 0; r < PQntuples(res); r++) {
			for (int c = 0; c < ncols; c++)
				values[c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
			if (row(ctx, ncols, values))
				break;
		}
	} else if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		trim_message(err, errlen, res ? PQresultErrorMessage(res) : PQerrorMessage(m->conn));
		/* 23505 unique_violation; 40001 serialization_failure, 40P01 deadlock_detected */
		rc = !state                                                  ? META_ERROR
		     : !strcmp(state, "23505")                               ? META_CONFLICT
		     : !strcmp(state, "40001") || !strcmp(state, "40P01") ? META_RETRY
		                                                             : META_ERROR;
	}
	PQclear(res);
	return rc;
}

static int pg_begin(struct meta_db *base, char *err, size_t errlen)
{
	return pg_exec(base, "BEGIN ISOLATION LEVEL SERIALIZABLE", 0, NULL, NULL, NULL, err, errlen);
}

static void pg_close(struct meta_db *base)
{
	struct meta_pg *m = (struct meta_pg *)base;
	PQfinish(m->conn);
	free(m);
}

static const struct meta_db_ops pg_ops = {"postgres", pg_exec, pg_begin, pg_close};

struct meta_db *meta_postgres_open(const char *conninfo, char *err, size_t errlen)
{
	struct meta_pg *m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	m->base.ops = &pg_ops;
	m->conn = PQconnectdb(conninfo);
	if (PQstatus(m->conn) != CONNECTION_OK) {
		/* libpq's message names host and port, never the password */
		trim_message(err, errlen, PQerrorMessage(m->conn));
		pg_close(&m->base);
		return NULL;
	}
	if (pg_exec(&m->base, "SET client_min_messages = warning", 0, NULL, NULL, NULL, err, errlen) != META_OK) {
		pg_close(&m->base);
		return NULL;
	}
	return &m->base;
}
