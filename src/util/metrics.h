/* The server's own counters for /metrics: queries by door and outcome and their latency, errors by
 * SQLSTATE class, PostgreSQL connections, commits per managed catalog. Doors, the engine and the
 * lake count here with relaxed atomic adds on fixed tables (no lock, no allocation); state that
 * its owner already keeps (workers, sessions, the cache) is sampled by /metrics instead. */
#ifndef LAKEHOUSE_UTIL_METRICS_H
#define LAKEHOUSE_UTIL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* How a client reached the server (the `door` label). */
enum metrics_door { METRICS_REST, METRICS_POSTGRES, METRICS_DOORS };
enum metrics_outcome { METRICS_SUCCESS, METRICS_ERROR, METRICS_CANCELLED, METRICS_OUTCOMES };

/* A query ended after duration_us (from its start, the wait for a worker slot included). */
void metrics_query_done(enum metrics_door d, enum metrics_outcome o, int64_t duration_us);
/* A query waited wait_us for a worker slot (got one or gave up). */
void metrics_query_waited(enum metrics_door d, int64_t wait_us);
/* An error went to a client; counted by the class of its SQLSTATE (its first two characters). */
void metrics_error(enum metrics_door d, const char *sqlstate);
/* A PostgreSQL connection was accepted (+1) or closed (-1). */
void metrics_pg_connection(int delta);
/* The metadata store asked for a transaction again (a serialization failure). */
void metrics_metadata_retry(void);

/* Per managed catalog (by id): snapshots committed, commits refused for a concurrent change, and
 * autocommit statements run again after such a refusal. */
enum metrics_commit { METRICS_COMMITTED, METRICS_CONFLICT, METRICS_RETRY, METRICS_COMMIT_KINDS };
void metrics_catalog_count(int64_t catalog_id, enum metrics_commit what);
/* The catalog was dropped: its counters go, so the table only holds catalogs that exist. */
void metrics_catalog_forget(int64_t catalog_id);

/* Appends the families above (but the per-catalog ones) in the text exposition format. */
void metrics_write(buf *b);
/* Appends the per-catalog families for the catalogs that exist now (a catalog without counts
 * yet shows zeros), labelled by their names. */
struct metrics_catalog {
	int64_t id;
	const char *name;
};
void metrics_write_catalogs(buf *b, const struct metrics_catalog *cats, size_t n);

#endif
