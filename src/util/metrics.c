/* The counters behind util/metrics.h. Everything is a fixed table of atomics updated with relaxed
 * order: a scrape may see a query counted a moment before its latency, never a torn value. Label
 * cardinality is bounded by construction: doors and outcomes are enums, SQLSTATE classes are two
 * characters of [0-9A-Z], catalogs are the ones that exist. */
#include "util/metrics.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "util/prom.h"

/* Latency bounds in seconds, from a point lookup to a long analytical query. */
#define NBOUNDS 16
static const char *const bound_text[NBOUNDS] = {"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
                                                "0.1",   "0.25",   "0.5",   "1",    "2.5",   "5",
                                                "10",    "30",     "60",    "300"};
static const int64_t bound_us[NBOUNDS] = {1000,    2500,    5000,    10000,    25000,    50000,    100000,   250000,
                                          500000,  1000000, 2500000, 5000000,  10000000, 30000000, 60000000, 300000000};

struct histogram {
	atomic_uint_fast64_t counts[NBOUNDS + 1]; /* per bucket, not cumulative; the last: above 300 s */
	atomic_uint_fast64_t sum_us;
};

/* SQLSTATE class characters: 0-9 then A-Z. */
#define CLASS_CHARS 36
#define CLASSES (CLASS_CHARS * CLASS_CHARS)

/* Catalog ids are positive; a slot is FREE until first claimed and GONE once its catalog was
 * dropped (then claimable again). */
#define CATALOG_SLOTS 1024
#define SLOT_FREE 0
#define SLOT_GONE (-1)
struct catalog_slot {
	atomic_int_fast64_t id;
	atomic_uint_fast64_t n[METRICS_COMMIT_KINDS];
};

static struct {
	atomic_uint_fast64_t queries[METRICS_DOORS][METRICS_OUTCOMES];
	struct histogram duration[METRICS_DOORS];
	struct histogram wait[METRICS_DOORS];
	atomic_uint_fast64_t errors[METRICS_DOORS][CLASSES];
	atomic_int_fast64_t pg_connections;
	atomic_uint_fast64_t pg_accepted;
	atomic_uint_fast64_t metadata_retries;
	struct catalog_slot catalogs[CATALOG_SLOTS];
} reg;

static const char *const door_name[METRICS_DOORS] = {"rest", "postgres"};
static const char *const outcome_name[METRICS_OUTCOMES] = {"success", "error", "cancelled"};

static void add(atomic_uint_fast64_t *c, uint64_t v) { atomic_fetch_add_explicit(c, v, memory_order_relaxed); }
static uint64_t get(atomic_uint_fast64_t *c) { return atomic_load_explicit(c, memory_order_relaxed); }

static void observe(struct histogram *h, int64_t us)
{
	if (us < 0)
		us = 0;
	size_t i = 0;
	while (i < NBOUNDS && us > bound_us[i])
		i++;
	add(&h->counts[i], 1);
	add(&h->sum_us, (uint64_t)us);
}

void metrics_query_done(enum metrics_door d, enum metrics_outcome o, int64_t duration_us)
{
	if ((unsigned)d >= METRICS_DOORS || (unsigned)o >= METRICS_OUTCOMES)
		return;
	add(&reg.queries[d][o], 1);
	observe(&reg.duration[d], duration_us);
}

void metrics_query_waited(enum metrics_door d, int64_t wait_us)
{
	if ((unsigned)d < METRICS_DOORS)
		observe(&reg.wait[d], wait_us);
}

static int class_char(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return -1;
}

void metrics_error(enum metrics_door d, const char *sqlstate)
{
	if ((unsigned)d >= METRICS_DOORS)
		return;
	int hi = sqlstate ? class_char(sqlstate[0]) : -1;
	int lo = hi >= 0 ? class_char(sqlstate[1]) : -1;
	/* A code that is not one (it should not happen) counts as XX, internal error. */
	if (hi < 0 || lo < 0) {
		hi = class_char('X');
		lo = hi;
	}
	add(&reg.errors[d][hi * CLASS_CHARS + lo], 1);
}

void metrics_pg_connection(int delta)
{
	atomic_fetch_add_explicit(&reg.pg_connections, delta, memory_order_relaxed);
	if (delta > 0)
		add(&reg.pg_accepted, (uint64_t)delta);
}

void metrics_metadata_retry(void) { add(&reg.metadata_retries, 1); }

/* --- catalogs: a lock-free open-addressing table keyed by catalog id ----------------------- */

static size_t slot_of(int64_t id) { return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15u) >> 54) % CATALOG_SLOTS; }

/* The slot counting catalog id, claimed when it has none (NULL when the table is full). Two
 * threads claiming for the same id while a drop frees a slot in between may each take one: the
 * scrape sums every slot of an id, so nothing is lost. */
static struct catalog_slot *find_slot(int64_t id, bool claim)
{
	size_t h = slot_of(id);
	for (;;) {
		struct catalog_slot *free_slot = NULL;
		for (size_t i = 0; i < CATALOG_SLOTS; i++) {
			struct catalog_slot *s = &reg.catalogs[(h + i) % CATALOG_SLOTS];
			int64_t k = atomic_load_explicit(&s->id, memory_order_acquire);
			if (k == id)
				return s;
			if (k == SLOT_GONE && !free_slot)
				free_slot = s;
			if (k == SLOT_FREE) {
				if (!free_slot)
					free_slot = s;
				break;
			}
		}
		if (!claim || !free_slot)
			return NULL;
		int_fast64_t expect = atomic_load_explicit(&free_slot->id, memory_order_acquire);
		if ((expect == SLOT_FREE || expect == SLOT_GONE) &&
		    atomic_compare_exchange_strong_explicit(&free_slot->id, &expect, id, memory_order_acq_rel,
		                                            memory_order_acquire))
			return free_slot;
		/* another catalog took it first: look again */
	}
}

void metrics_catalog_count(int64_t catalog_id, enum metrics_commit what)
{
	if (catalog_id <= 0 || (unsigned)what >= METRICS_COMMIT_KINDS)
		return;
	struct catalog_slot *s = find_slot(catalog_id, true);
	if (s)
		add(&s->n[what], 1);
}

void metrics_catalog_forget(int64_t catalog_id)
{
	if (catalog_id <= 0)
		return;
	/* Counters are cleared before the slot is given up, so the next catalog to claim it starts
	 * at zero (a commit of the dropped catalog finishing at this very moment may still land). */
	for (size_t i = 0; i < CATALOG_SLOTS; i++) {
		struct catalog_slot *s = &reg.catalogs[i];
		if (atomic_load_explicit(&s->id, memory_order_acquire) != catalog_id)
			continue;
		for (int k = 0; k < METRICS_COMMIT_KINDS; k++)
			atomic_store_explicit(&s->n[k], 0, memory_order_relaxed);
		atomic_store_explicit(&s->id, SLOT_GONE, memory_order_release);
	}
}

/* --- exposition --------------------------------------------------------------------------- */

static void histogram_family(buf *b, const char *name, const char *help, struct histogram *h)
{
	prom_family(b, name, "histogram", help);
	for (int d = 0; d < METRICS_DOORS; d++) {
		uint64_t counts[NBOUNDS + 1];
		for (int i = 0; i <= NBOUNDS; i++)
			counts[i] = get(&h[d].counts[i]);
		struct prom_label l = {"door", door_name[d]};
		prom_histogram(b, name, &l, 1, bound_text, NBOUNDS, counts, get(&h[d].sum_us));
	}
}

void metrics_write(buf *b)
{
	prom_family(b, "lakehouse_queries_total", "counter", "Queries ended, by door and outcome.");
	for (int d = 0; d < METRICS_DOORS; d++)
		for (int o = 0; o < METRICS_OUTCOMES; o++) {
			struct prom_label l[] = {{"door", door_name[d]}, {"outcome", outcome_name[o]}};
			prom_u64(b, "lakehouse_queries_total", l, 2, get(&reg.queries[d][o]));
		}
	histogram_family(b, "lakehouse_query_duration_seconds",
	                 "Time from a query's start to its end, the wait for a worker slot included.", reg.duration);
	histogram_family(b, "lakehouse_query_queue_wait_seconds", "Time queries waited for a worker slot.", reg.wait);
	prom_family(b, "lakehouse_errors_total", "counter", "Errors sent to clients, by door and SQLSTATE class.");
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
	for (int d = 0; d < METRICS_DOORS; d++)
		for (int c = 0; c < CLASSES; c++) {
			uint64_t v = get(&reg.errors[d][c]);
			if (!v)
				continue;
			char cls[3] = {digits[c / CLASS_CHARS], digits[c % CLASS_CHARS], '\0'};
			struct prom_label l[] = {{"door", door_name[d]}, {"class", cls}};
			prom_u64(b, "lakehouse_errors_total", l, 2, v);
		}
	prom_family(b, "lakehouse_pg_connections", "gauge", "Open PostgreSQL connections.");
	prom_i64(b, "lakehouse_pg_connections", NULL, 0,
	         (int64_t)atomic_load_explicit(&reg.pg_connections, memory_order_relaxed));
	prom_family(b, "lakehouse_pg_connections_accepted_total", "counter", "PostgreSQL connections accepted.");
	prom_u64(b, "lakehouse_pg_connections_accepted_total", NULL, 0, get(&reg.pg_accepted));
	prom_family(b, "lakehouse_metadata_retries_total", "counter",
	            "Metadata store transactions run again after a serialization failure.");
	prom_u64(b, "lakehouse_metadata_retries_total", NULL, 0, get(&reg.metadata_retries));
}

/* What every slot of catalog id holds (duplicates lie on its probe chain, before a FREE slot). */
static void catalog_sums(int64_t id, uint64_t out[METRICS_COMMIT_KINDS])
{
	for (int k = 0; k < METRICS_COMMIT_KINDS; k++)
		out[k] = 0;
	size_t h = slot_of(id);
	for (size_t i = 0; i < CATALOG_SLOTS; i++) {
		struct catalog_slot *s = &reg.catalogs[(h + i) % CATALOG_SLOTS];
		int64_t k = atomic_load_explicit(&s->id, memory_order_acquire);
		if (k == SLOT_FREE)
			break;
		if (k == id)
			for (int c = 0; c < METRICS_COMMIT_KINDS; c++)
				out[c] += get(&s->n[c]);
	}
}

void metrics_write_catalogs(buf *b, const struct metrics_catalog *cats, size_t n)
{
	static const struct {
		const char *name, *help;
	} fam[METRICS_COMMIT_KINDS] = {
		{"lakehouse_catalog_commits_total", "Snapshots committed to the managed catalog."},
		{"lakehouse_catalog_commit_conflicts_total",
		 "Commits to the managed catalog refused because a concurrent commit changed what they depend on."},
		{"lakehouse_catalog_commit_retries_total",
		 "Autocommit statements on the managed catalog run again after a refused commit."},
	};
	for (int k = 0; k < METRICS_COMMIT_KINDS; k++) {
		prom_family(b, fam[k].name, "counter", fam[k].help);
		for (size_t i = 0; i < n; i++) {
			uint64_t v[METRICS_COMMIT_KINDS];
			catalog_sums(cats[i].id, v);
			struct prom_label l = {"catalog", cats[i].name};
			prom_u64(b, fam[k].name, &l, 1, v[k]);
		}
	}
}
