/* Keeping managed catalogs lean: compaction rewrites a table's small files (with their deleted
 * rows dropped) as one file, expiry forgets snapshots past the retention period, and the
 * garbage collector deletes objects no kept snapshot needs once a grace period has passed —
 * never one a running query or open transaction reads (their snapshots are pinned), nor a fresh
 * one a transaction has staged but not committed yet (the grace period covers those). Runs in a
 * background thread and by hand through the admin API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine_internal.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/uuid.h"

/* Files under this size are small; a table with at least this many of them gets compacted. */
#define SMALL_FILE_BYTES (32LL << 20)
#define COMPACT_MIN_FILES 8

static struct worker *maintenance_worker(struct engine *e)
{
	struct worker *w = &e->workers[e->cfg->default_compute_size];
	return w->open ? w : NULL;
}

static void list_literal(buf *b, const char *prefix, const char *first, char *const *keys, size_t n)
{
	buf_putc(b, '[');
	size_t k = 0;
	char path[8192];
	if (first) {
		snprintf(path, sizeof(path), "%s%s", prefix, first);
		eng_quote(b, path, '\'');
		k++;
	}
	for (size_t i = 0; i < n; i++, k++) {
		buf_puts(b, k ? ", " : "");
		snprintf(path, sizeof(path), "%s%s", prefix, keys[i]);
		eng_quote(b, path, '\'');
	}
	buf_putc(b, ']');
}

/* Rewrites one table's small files as one; returns files replaced (0 when it lost a race). */
static int compact_table(struct engine *e, struct worker *w, const struct lake_head *h, const struct lake_state *st,
                         const struct lake_compaction *c, char *msg, size_t msglen)
{
	const struct lake_table *t = NULL;
	for (size_t i = 0; i < st->ntables; i++)
		if (st->tables[i].id == c->table_id)
			t = &st->tables[i];
	if (!t)
		return 0;
	struct eng_bucket *b = eng_bucket_get(e, h->bucket, msg, msglen);
	if (!b)
		return -1;
	struct lake_files f;
	if (lake_table_files(e->lake, h->id, t->id, h->snapshot, &f, msg, msglen) != LAKE_OK)
		return -1;
	/* the files to merge are read locally, pinned in the cache until the merged file is written */
	struct eng_pins pins = {0};
	int frc = eng_bucket_fetch(e, b, t->schema_file, 0, &pins, NULL, msg, msglen);
	if (frc == 0)
		frc = eng_bucket_fetch_all(e, b, (const char *const *)c->paths, NULL, c->n, &pins, NULL, msg, msglen);
	if (frc == 0)
		frc = eng_bucket_fetch_all(e, b, (const char *const *)f.deletes, NULL, f.ndeletes, &pins, NULL, msg, msglen);
	if (frc < 0) {
		eng_pins_release(e, &pins);
		lake_files_free(&f);
		return -1;
	}
	char id[UUID_STR_LEN + 1], key[256], path[4400];
	uuid_v4(id);
	snprintf(key, sizeof(key), "%lld/data-%s.parquet", (long long)h->id, id);
	snprintf(path, sizeof(path), "%s/tmp/lake-compact-%s.parquet", w->dir, id);
	buf q;
	buf_init(&q);
	buf_puts(&q, "COPY (SELECT ");
	for (size_t i = 0; i < t->ncols; i++) {
		bool changed, union_text;
		buf_printf(&q, "%sCAST(\"c%lld\" AS ", i ? ", " : "", (long long)t->cols[i].id);
		eng_lake_physical_type(t->cols[i].type, &q, &changed, &union_text);
		buf_printf(&q, ") AS \"c%lld\"", (long long)t->cols[i].id);
	}
	buf_puts(&q, f.ndeletes ? " FROM __lake_read_del(" : " FROM __lake_read(");
	list_literal(&q, b->root, t->schema_file, c->paths, c->n);
	if (f.ndeletes) {
		buf_puts(&q, ", ");
		list_literal(&q, b->root, NULL, f.deletes, f.ndeletes);
		buf_puts(&q, ", ");
		eng_quote(&q, b->root, '\'');
	}
	buf_puts(&q, ")) TO ");
	eng_quote(&q, path, '\'');
	buf_puts(&q, " (FORMAT parquet)");
	buf_putc(&q, '\0');
	lake_files_free(&f);
	int64_t rows = 0;
	int rc = 0;
	struct lake_column_stats *stats = NULL;
	size_t nstats = 0;
	if (buf_failed(&q)) {
		snprintf(msg, msglen, "out of memory");
		rc = -1;
	} else {
		duckdb_result r;
		pthread_mutex_lock(&w->admin_mu);
		if (duckdb_query(w->admin, q.data, &r) == DuckDBError) {
			snprintf(msg, msglen, "%s", duckdb_result_error(&r));
			rc = -1;
		} else {
			rows = duckdb_value_int64(&r, 0, 0);
		}
		duckdb_destroy_result(&r);
		if (rc == 0 && rows > 0 && eng_lake_file_stats(w->admin, path, t->cols, t->ncols, &stats, &nstats, msg, msglen) < 0)
			rc = -1;
		pthread_mutex_unlock(&w->admin_mu);
	}
	eng_pins_release(e, &pins);
	buf_free(&q);
	int64_t bytes = 0;
	if (rc == 0 && rows > 0) {
		FILE *fp = fopen(path, "rb");
		if (fp && fseek(fp, 0, SEEK_END) == 0)
			bytes = ftell(fp);
		if (fp)
			fclose(fp);
		char why[600];
		if (eng_bucket_put(e, b, key, path, why, sizeof(why)) < 0) {
			snprintf(msg, msglen, "cannot write %s: %s", key, why);
			rc = -1;
		}
	}
	unlink(path);
	struct lake_changeset cs = {h->id, h->snapshot, NULL, 0, 0};
	struct lake_change *ch = rc == 0 ? lake_changeset_add(&cs, LAKE_REWRITE) : NULL;
	if (!ch) {
		for (size_t i = 0; i < nstats; i++) {
			free(stats[i].min);
			free(stats[i].max);
		}
		free(stats);
		if (rc == 0)
			snprintf(msg, msglen, "out of memory");
		return -1;
	}
	ch->stats = stats;
	ch->nstats = nstats;
	bool ok = true;
	if (ok) {
		ch->table_id = t->id;
		ch->key = rows > 0 ? strdup(key) : NULL;
		ch->rows = rows;
		ch->bytes = bytes;
		ch->targets = calloc(c->n, sizeof(*ch->targets));
		ok = ch->targets && (rows == 0 || ch->key);
		for (size_t i = 0; ok && i < c->n; i++, ch->ntargets++)
			ok = (ch->targets[i].data_path = strdup(c->paths[i])) != NULL;
	}
	int64_t snap = 0;
	int crc = ok ? lake_commit(e->lake, &cs, 1, "maintenance", &snap, NULL, msg, msglen) : LAKE_ERROR;
	lake_changeset_free(&cs);
	if (crc != LAKE_OK) {
		if (rows > 0)
			eng_bucket_delete(e, b, key, (char[600]){0}, 600);
		if (crc == LAKE_CONFLICT)
			return 0; /* a writer got there first; the next round tries again */
		if (!ok)
			snprintf(msg, msglen, "out of memory");
		return -1;
	}
	return (int)c->n;
}

static int compact_catalog(struct engine *e, const struct lake_head *h, size_t min_files, struct eng_maintenance *rep,
                           char *msg, size_t msglen)
{
	struct worker *w = maintenance_worker(e);
	if (!w)
		return 0;
	struct lake_compaction *cands = NULL;
	size_t n = 0;
	if (lake_compaction_candidates(e->lake, h->id, h->snapshot, SMALL_FILE_BYTES, min_files, &cands, &n, msg,
	                               msglen) != LAKE_OK)
		return -1;
	if (n == 0) {
		free(cands);
		return 0;
	}
	struct lake_state st;
	if (lake_state_load(e->lake, h->id, h->snapshot, &st, msg, msglen) != LAKE_OK) {
		lake_compactions_free(cands, n);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		int done = compact_table(e, w, h, &st, &cands[i], msg, msglen);
		if (done < 0) {
			rc = -1;
		} else if (done > 0) {
			rep->files_compacted += done;
			rep->tables_compacted++;
		}
	}
	lake_state_free(&st);
	lake_compactions_free(cands, n);
	return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Deletes the bucket's garbage whose grace period has passed (also that of dropped catalogs). */
static int collect_garbage(struct engine *e, const char *bucket, int grace_seconds, struct eng_maintenance *rep,
                           char *msg, size_t msglen)
{
	struct eng_bucket *b = eng_bucket_get(e, bucket, msg, msglen);
	if (!b)
		return -1;
	char before[40];
	lake_time_text(clock_wall_us() - (int64_t)grace_seconds * 1000000, before, sizeof(before));
	char **due = NULL;
	size_t ndue = 0;
	if (lake_garbage_due(e->lake, bucket, before, &due, &ndue, msg, msglen) != LAKE_OK)
		return -1;
	int rc = 0;
	for (size_t i = 0; i < ndue; i++) {
		char why[600];
		if (eng_bucket_delete(e, b, due[i], why, sizeof(why)) < 0) {
			log_warn("cannot delete an unreferenced object", "key=%s error=\"%s\"", due[i], why);
			continue;
		}
		if (lake_garbage_forget(e->lake, bucket, due[i], msg, msglen) != LAKE_OK) {
			rc = -1;
			break;
		}
		rep->objects_deleted++;
	}
	lake_paths_free(due, ndue);
	return rc;
}

/* Deletes objects under the catalog's folder that no metadata row knows (left by a crash between
 * writing a file and committing it) once they are older than the grace period. */
static int collect(struct engine *e, const struct lake_head *h, int grace_seconds, struct eng_maintenance *rep,
                   char *msg, size_t msglen)
{
	struct eng_bucket *b = eng_bucket_get(e, h->bucket, msg, msglen);
	if (!b)
		return -1;
	char **known = NULL;
	size_t nknown = 0;
	if (lake_referenced_paths(e->lake, h->bucket, &known, &nknown, msg, msglen) != LAKE_OK)
		return -1;
	qsort(known, nknown, sizeof(*known), cmp_str);
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "%lld/", (long long)h->id);
	int64_t oldest_us = clock_wall_us() - (int64_t)grace_seconds * 1000000;
	struct store_object page[256];
	char after[STORE_KEY_MAX + 1] = "";
	for (;;) {
		size_t n = 0;
		struct store_error serr = {0};
		if (b->store->ops->list(b->store, prefix, after[0] ? after : NULL, page, 256, &n, &serr) != STORE_OK) {
			snprintf(msg, msglen, "cannot list the bucket: %s", serr.message);
			lake_paths_free(known, nknown);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			const char *key = page[i].key;
			if (page[i].mtime_us > oldest_us || bsearch(&key, known, nknown, sizeof(*known), cmp_str))
				continue;
			if (eng_bucket_delete(e, b, key, (char[600]){0}, 600) == 0)
				rep->objects_deleted++;
		}
		if (n < 256)
			break;
		memcpy(after, page[n - 1].key, sizeof(after));
	}
	lake_paths_free(known, nknown);
	return 0;
}

static int maintain_catalog(struct engine *e, const struct lake_head *h, size_t min_files, struct eng_maintenance *rep,
                            char *msg, size_t msglen)
{
	if (compact_catalog(e, h, min_files, rep, msg, msglen) < 0)
		return -1;
	char cutoff[40];
	lake_time_text(clock_wall_us() - (int64_t)e->cfg->snapshot_retention_seconds * 1000000, cutoff, sizeof(cutoff));
	int64_t expired = 0;
	/* Compaction just committed; read the pins after it. */
	if (lake_expire(e->lake, h->id, cutoff, eng_lake_oldest_pinned(e, h->id), &expired, msg, msglen) != LAKE_OK)
		return -1;
	rep->snapshots_expired += expired;
	if (collect_garbage(e, h->bucket, e->cfg->gc_grace_seconds, rep, msg, msglen) < 0)
		return -1;
	return collect(e, h, e->cfg->gc_grace_seconds, rep, msg, msglen);
}

int engine_lake_maintain(struct engine *e, const char *catalog, struct eng_maintenance *rep, struct eng_error *err)
{
	memset(rep, 0, sizeof(*rep));
	char msg[1024] = "";
	struct lake_head *heads = NULL;
	size_t n = 0;
	if (lake_heads(e->lake, &heads, &n, msg, sizeof(msg)) != LAKE_OK) {
		eng_set_error(err, ENG_INTERNAL, msg);
		return -1;
	}
	int rc = 0;
	bool found = false;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (catalog && strcmp(heads[i].name, catalog) != 0)
			continue;
		found = true;
		/* By hand, any two small files are worth merging. */
		rc = maintain_catalog(e, &heads[i], catalog ? 2 : COMPACT_MIN_FILES, rep, msg, sizeof(msg));
	}
	free(heads);
	/* Garbage of dropped catalogs has no catalog left to be collected with. */
	if (rc == 0 && !catalog) {
		rc = collect_garbage(e, "default", e->cfg->gc_grace_seconds, rep, msg, sizeof(msg));
		struct lake_bucket *buckets = NULL;
		size_t nb = 0;
		if (rc == 0 && lake_bucket_list(e->lake, &buckets, &nb, msg, sizeof(msg)) != LAKE_OK)
			rc = -1;
		for (size_t i = 0; rc == 0 && i < nb; i++)
			if (collect_garbage(e, buckets[i].name, e->cfg->gc_grace_seconds, rep, msg, sizeof(msg)) < 0)
				log_warn("cannot collect a bucket's garbage", "bucket=%s error=\"%s\"", buckets[i].name, msg);
		free(buckets);
	}
	if (rc < 0) {
		eng_set_error(err, ENG_INTERNAL, msg);
		return -1;
	}
	if (catalog && !found) {
		eng_set_error(err, ENG_NOT_FOUND, "no such catalog");
		return -1;
	}
	return 0;
}

static void *maintenance_main(void *arg)
{
	struct engine *e = arg;
	pthread_mutex_lock(&e->reaper_mu);
	while (!e->stop) {
		struct timespec ts = clock_deadline_ms(e->cfg->maintenance_interval_seconds * 1000);
		pthread_cond_timedwait(&e->reaper_cv, &e->reaper_mu, &ts);
		if (e->stop)
			break;
		pthread_mutex_unlock(&e->reaper_mu);
		struct eng_maintenance rep;
		struct eng_error err = {0};
		if (engine_lake_maintain(e, NULL, &rep, &err) < 0)
			log_warn("lake maintenance failed", "error=\"%s\"", err.message);
		else if (rep.files_compacted || rep.snapshots_expired || rep.objects_deleted)
			log_info("lake maintenance", "files_compacted=%lld snapshots_expired=%lld objects_deleted=%lld",
			         (long long)rep.files_compacted, (long long)rep.snapshots_expired, (long long)rep.objects_deleted);
		pthread_mutex_lock(&e->reaper_mu);
	}
	pthread_mutex_unlock(&e->reaper_mu);
	return NULL;
}

int eng_maintenance_start(struct engine *e)
{
	if (e->cfg->maintenance_interval_seconds <= 0)
		return 0;
	if (pthread_create(&e->maintainer, NULL, maintenance_main, e) != 0)
		return -1;
	e->maintainer_started = true;
	return 0;
}

void eng_maintenance_stop(struct engine *e)
{
	if (!e->maintainer_started)
		return;
	pthread_mutex_lock(&e->reaper_mu);
	e->stop = true;
	pthread_cond_broadcast(&e->reaper_cv);
	pthread_mutex_unlock(&e->reaper_mu);
	pthread_join(e->maintainer, NULL);
	e->maintainer_started = false;
}
