/* Baseline driver: runs a query on embedded DuckDB (the same libduckdb the server uses, configured
 * like the default M worker) and reports the best wall time of N runs, pulling every chunk. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "duckdb.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s SQL [runs]\n", argv[0]);
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	duckdb_config cfg;
	duckdb_create_config(&cfg);
	char threads[16];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	snprintf(threads, sizeof(threads), "%ld", ncpu > 0 && ncpu < 4 ? ncpu : 4);
	duckdb_set_config(cfg, "threads", threads);
	duckdb_set_config(cfg, "memory_limit", "4GB");
	duckdb_database db;
	char *err = NULL;
	if (duckdb_open_ext(NULL, &db, cfg, &err) == DuckDBError) {
		fprintf(stderr, "open: %s\n", err);
		return 1;
	}
	duckdb_destroy_config(&cfg);
	duckdb_connection c;
	duckdb_connect(db, &c);
	double best = 1e9;
	unsigned long long rows = 0;
	for (int r = 0; r < runs; r++) {
		double t0 = now();
		duckdb_prepared_statement p;
		duckdb_pending_result pend;
		duckdb_result res;
		if (duckdb_prepare(c, argv[1], &p) == DuckDBError || duckdb_pending_prepared_streaming(p, &pend) == DuckDBError ||
		    duckdb_execute_pending(pend, &res) == DuckDBError) {
			fprintf(stderr, "query failed\n");
			return 1;
		}
		rows = 0;
		duckdb_data_chunk chunk;
		while ((chunk = duckdb_fetch_chunk(res))) {
			rows += duckdb_data_chunk_get_size(chunk);
			duckdb_destroy_data_chunk(&chunk);
		}
		duckdb_destroy_result(&res);
		duckdb_destroy_pending(&pend);
		duckdb_destroy_prepare(&p);
		double t = now() - t0;
		if (t < best)
			best = t;
	}
	printf("%.6f %llu\n", best, rows);
	duckdb_disconnect(&c);
	duckdb_close(&db);
	return 0;
}
