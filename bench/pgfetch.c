/* Benchmark driver over libpq: runs a query (text or binary results, rows taken one at a time so
 * the client holds none of them) or a COPY … TO STDOUT, counts rows, and prints the best wall
 * time of N runs. Usage: pgfetch CONNINFO query|copy text|binary SQL [runs] */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: %s conninfo query|copy text|binary SQL [runs]\n", argv[0]);
		return 2;
	}
	PGconn *c = PQconnectdb(argv[1]);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "connect: %s", PQerrorMessage(c));
		return 1;
	}
	bool copy = !strcmp(argv[2], "copy");
	int binary = !strcmp(argv[3], "binary");
	int runs = argc > 5 ? atoi(argv[5]) : 3;
	double best = 1e9;
	long long rows = 0;
	for (int i = 0; i < runs; i++) {
		double t0 = now();
		rows = 0;
		if (copy) {
			PGresult *r = PQexec(c, argv[4]);
			if (PQresultStatus(r) != PGRES_COPY_OUT) {
				fprintf(stderr, "copy: %s", PQerrorMessage(c));
				return 1;
			}
			PQclear(r);
			char *line;
			int n;
			while ((n = PQgetCopyData(c, &line, 0)) > 0) {
				rows++;
				PQfreemem(line);
			}
			while ((r = PQgetResult(c)))
				PQclear(r);
			if (binary)
				rows -= 2; /* the header and the trailer */
		} else {
			if (!PQsendQueryParams(c, argv[4], 0, NULL, NULL, NULL, NULL, binary) || !PQsetSingleRowMode(c)) {
				fprintf(stderr, "send: %s", PQerrorMessage(c));
				return 1;
			}
			PGresult *r;
			while ((r = PQgetResult(c))) {
				ExecStatusType st = PQresultStatus(r);
				if (st == PGRES_SINGLE_TUPLE)
					rows++;
				else if (st != PGRES_TUPLES_OK) {
					fprintf(stderr, "query: %s", PQerrorMessage(c));
					return 1;
				}
				PQclear(r);
			}
		}
		double t = now() - t0;
		if (t < best)
			best = t;
	}
	printf("%.3f %lld\n", best, rows);
	PQfinish(c);
	return 0;
}
