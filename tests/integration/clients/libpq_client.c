/* A libpq client for the integration tests: the extended protocol with typed parameters, binary
 * results, a prepared statement run many times, and cancelling a running query with PQcancel.
 * Prints one line per check; exits non-zero at the first failure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <unistd.h>

#include <libpq-fe.h>

static int fail(PGconn *c, const char *what)
{
	fprintf(stderr, "FAIL %s: %s\n", what, PQerrorMessage(c));
	return 1;
}

static PGconn *conn;

static void *cancel_later(void *arg)
{
	(void)arg;
	usleep(400000);
	PGcancel *cn = PQgetCancel(conn);
	char err[256];
	if (!cn || !PQcancel(cn, err, sizeof(err)))
		fprintf(stderr, "cancel failed: %s\n", err);
	PQfreeCancel(cn);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s conninfo\n", argv[0]);
		return 2;
	}
	conn = PQconnectdb(argv[1]);
	if (PQstatus(conn) != CONNECTION_OK)
		return fail(conn, "connect");
	printf("ssl %s\n", PQsslInUse(conn) ? "on" : "off");

	/* typed parameters (int4, text), binary results */
	const char *values[2] = {"41", "hello"};
	Oid types[2] = {23, 25};
	PGresult *r = PQexecParams(conn, "SELECT $1::INT + 1 AS n, upper($2) AS s, 2.5::DOUBLE AS d, 10000000000::BIGINT AS b",
	                           2, types, values, NULL, NULL, 1);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		return fail(conn, "exec params");
	uint32_t n;
	memcpy(&n, PQgetvalue(r, 0, 0), 4);
	uint64_t bits, big;
	memcpy(&bits, PQgetvalue(r, 0, 2), 8);
	memcpy(&big, PQgetvalue(r, 0, 3), 8);
	bits = be64toh(bits);
	double d;
	memcpy(&d, &bits, 8);
	printf("binary n=%u s=%.*s d=%g b=%lld types=%u,%u,%u,%u\n", ntohl(n), PQgetlength(r, 0, 1), PQgetvalue(r, 0, 1), d,
	       (long long)be64toh(big), PQftype(r, 0), PQftype(r, 1), PQftype(r, 2), PQftype(r, 3));
	PQclear(r);

	/* a prepared statement, many times */
	r = PQexec(conn, "CREATE TEMP TABLE kv (k INT, v VARCHAR)");
	PQclear(r);
	r = PQprepare(conn, "ins", "INSERT INTO kv VALUES ($1, $2)", 2, types);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		return fail(conn, "prepare");
	PQclear(r);
	for (int i = 0; i < 100; i++) {
		char k[16], v[16];
		snprintf(k, sizeof(k), "%d", i);
		snprintf(v, sizeof(v), "v%d", i);
		const char *vals[2] = {k, v};
		r = PQexecPrepared(conn, "ins", 2, vals, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_COMMAND_OK || strcmp(PQcmdTuples(r), "1") != 0)
			return fail(conn, "exec prepared");
		PQclear(r);
	}
	r = PQexec(conn, "SELECT count(*), sum(k) FROM kv");
	printf("prepared count=%s sum=%s\n", PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
	PQclear(r);

	/* NULL parameters and an error with its SQLSTATE */
	const char *nulls[1] = {NULL};
	r = PQexecParams(conn, "SELECT $1::INT IS NULL", 1, NULL, nulls, NULL, NULL, 0);
	printf("null param %s\n", PQgetvalue(r, 0, 0));
	PQclear(r);
	r = PQexec(conn, "SELECT * FROM no_such_table");
	printf("error %s\n", PQresultErrorField(r, PG_DIAG_SQLSTATE));
	PQclear(r);

	/* cancel a running query */
	pthread_t t;
	pthread_create(&t, NULL, cancel_later, NULL);
	r = PQexec(conn, "SELECT count(*) FROM range(100000000000)");
	pthread_join(t, NULL);
	printf("cancelled %s\n", PQresultErrorField(r, PG_DIAG_SQLSTATE) ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : "no");
	PQclear(r);
	r = PQexec(conn, "SELECT 'alive'");
	printf("after cancel %s\n", PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(conn);
	return 0;
}
