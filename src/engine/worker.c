/* Worker instances. The sandbox is set before any user connection exists: external access off
 * (DuckDB refuses to turn it back on), only the worker's own folder allowed, no extension loading.
 * lock_configuration is not used because it would also lock session settings such as TimeZone;
 * instance-wide settings are refused per statement instead (see statement_guard.c). */
#include "engine/worker.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "util/clock.h"
#include "util/fs.h"
#include "util/log.h"

static int run(duckdb_connection c, const char *sql, char *err, size_t errlen)
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

/* duckdb_settings() tells where a value currently comes from, not where it may be set, so ask DuckDB
 * directly: a setting that refuses RESET SESSION belongs to the whole instance. */
static int load_global_settings(struct worker *w, duckdb_connection c)
{
	duckdb_result r;
	if (duckdb_query(c, "SELECT name FROM duckdb_settings()", &r) == DuckDBError) {
		duckdb_destroy_result(&r);
		return -1;
	}
	idx_t n = duckdb_row_count(&r);
	w->global_settings = calloc(n ? n : 1, sizeof(char *));
	if (!w->global_settings) {
		duckdb_destroy_result(&r);
		return -1;
	}
	for (idx_t i = 0; i < n; i++) {
		char *name = duckdb_value_varchar(&r, 0, i);
		if (!name)
			continue;
		char sql[512];
		size_t k = (size_t)snprintf(sql, sizeof(sql), "RESET SESSION \"");
		for (const char *p = name; *p && k < sizeof(sql) - 4; p++) {
			if (*p == '"')
				sql[k++] = '"';
			sql[k++] = *p;
		}
		sql[k++] = '"';
		sql[k] = '\0';
		duckdb_result probe;
		if (duckdb_query(c, sql, &probe) == DuckDBError)
			w->global_settings[w->n_global_settings++] = strdup(name);
		duckdb_destroy_result(&probe);
		duckdb_free(name);
	}
	duckdb_destroy_result(&r);
	return 0;
}

/* Progress tracking is on in every session (GET /query/{id} reads it) and its terminal display is
 * off (it would write to the server's output). */
static const char *const server_owned[] = {"enable_progress_bar", "enable_progress_bar_print", "progress_bar_time"};

bool worker_setting_is_global(const struct worker *w, const char *name)
{
	for (size_t i = 0; i < sizeof(server_owned) / sizeof(server_owned[0]); i++)
		if (strcasecmp(server_owned[i], name) == 0)
			return true;
	for (size_t i = 0; i < w->n_global_settings; i++)
		if (w->global_settings[i] && strcasecmp(w->global_settings[i], name) == 0)
			return true;
	return false;
}

int worker_open(struct worker *w, int size, const struct config *cfg, const char *read_dir, char *err, size_t errlen)
{
	const struct config_worker *wc = &cfg->workers[size];
	char *tmpdir = w->tmpdir;
	w->size = size;
	snprintf(w->slug, sizeof(w->slug), "worker-%s-1", compute_size_names[size]);
	for (char *p = w->slug; *p; p++)
		*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
	char *real = realpath(cfg->data_dir, NULL);
	if (!real) {
		snprintf(err, errlen, "data directory %s: %s", cfg->data_dir, strerror(errno));
		return -1;
	}
	snprintf(w->dir, sizeof(w->dir), "%s/workers/%s", real, compute_size_names[size]);
	char buckets[4200];
	snprintf(buckets, sizeof(buckets), "%s/buckets", real);
	free(real);
	snprintf(w->tmpdir, sizeof(w->tmpdir), "%.4090s/tmp", w->dir);
	snprintf(w->schemadir, sizeof(w->schemadir), "%.4090s/schemas", w->dir);
	if (fs_mkdir_p(tmpdir) != 0 || fs_mkdir_p(w->schemadir) != 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmpdir, strerror(errno));
		return -1;
	}
	/* The data folder is this server's alone (serve.c locks it), so whatever its scratch space
	 * holds now was left by a process that died: staged files of writes that never committed,
	 * DuckDB's spill files, spooled COPY input. Schema files are made again as views are built. */
	long left = fs_empty_dir(tmpdir);
	if (left > 0)
		log_info("removed files a previous run left in a worker's scratch folder", "worker=%s files=%ld", w->slug, left);
	fs_empty_dir(w->schemadir);
	duckdb_config dc;
	if (duckdb_create_config(&dc) == DuckDBError) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	char mem[32], threads[16];
	snprintf(mem, sizeof(mem), "%lldB", (long long)wc->memory_bytes);
	snprintf(threads, sizeof(threads), "%d", wc->threads);
	const char *settings[][2] = {
		{"memory_limit", mem},
		{"threads", threads},
		{"temp_directory", tmpdir},
		{"autoload_known_extensions", "false"},
		{"autoinstall_known_extensions", "false"},
		{"allow_community_extensions", "false"},
	};
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		if (duckdb_set_config(dc, settings[i][0], settings[i][1]) == DuckDBError) {
			snprintf(err, errlen, "cannot set DuckDB's %s to %s", settings[i][0], settings[i][1]);
			duckdb_destroy_config(&dc);
			return -1;
		}
	}
	char *open_err = NULL;
	if (duckdb_open_ext(NULL, &w->db, dc, &open_err) == DuckDBError) {
		snprintf(err, errlen, "cannot start DuckDB: %s", open_err ? open_err : "unknown error");
		duckdb_free(open_err);
		duckdb_destroy_config(&dc);
		return -1;
	}
	duckdb_destroy_config(&dc);
	duckdb_connection c;
	if (duckdb_connect(w->db, &c) == DuckDBError) {
		snprintf(err, errlen, "cannot connect to DuckDB");
		duckdb_close(&w->db);
		return -1;
	}
	/* The worker's own folder, the built-in bucket's folder and the SSD cache, where managed
	 * tables' files are read from. The names are ours (data dir + fixed parts, or the operator's
	 * cache folder), but quote them as SQL all the same. */
	{
		char sql[20000];
		const char *dirs[] = {w->dir, buckets, read_dir};
		size_t ndirs = read_dir ? 3 : 2;
		size_t n = (size_t)snprintf(sql, sizeof(sql), "SET allowed_directories = [");
		for (size_t d = 0; d < ndirs; d++) {
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s'", d ? ", " : "");
			for (const char *p = dirs[d]; *p && n < sizeof(sql) - 8; p++) {
				if (*p == '\'')
					sql[n++] = '\'';
				sql[n++] = *p;
			}
			sql[n++] = '\'';
		}
		snprintf(sql + n, sizeof(sql) - n, "]");
		if (run(c, sql, err, errlen) < 0)
			goto fail;
	}
	/* DuckDB's default spill bound is 90% of the free disk for each instance; ours are shares
	 * of half of it (server/budget.c), so the workers together cannot fill the disk. Given in
	 * the open config, DuckDB 1.5 reports this bound but does not enforce it, so it is SET.
	 * Freed memory a thread's allocator cache keeps lies outside memory_limit; the budget counts
	 * threads x allocator_flush_threshold on top of the limit. */
	{
		char sql[160];
		snprintf(sql, sizeof(sql), "SET max_temp_directory_size = '%lldB'; SET allocator_flush_threshold = '%lldB'",
		         (long long)wc->spill_bytes, (long long)wc->flush_bytes);
		if (run(c, sql, err, errlen) < 0)
			goto fail;
	}
	/* Sessions start in UTC whatever the host's zone: results must not depend on the machine. */
	if (run(c, "SET GLOBAL TimeZone = 'UTC'", err, errlen) < 0 ||
	    run(c, "SET enable_external_access = false", err, errlen) < 0 || load_global_settings(w, c) < 0)
		goto fail;
	w->admin = c;
	pthread_mutex_init(&w->admin_mu, NULL);
	pthread_mutex_init(&w->mu, NULL);
	cond_init_monotonic(&w->cv);
	w->slots = wc->slots;
	w->queue_max = cfg->queue_max;
	w->open = true;
	return 0;
fail:
	if (!*err)
		snprintf(err, errlen, "worker setup failed");
	duckdb_disconnect(&c);
	duckdb_close(&w->db);
	return -1;
}

void worker_close(struct worker *w)
{
	if (!w->open)
		return;
	duckdb_disconnect(&w->admin);
	pthread_mutex_destroy(&w->admin_mu);
	duckdb_close(&w->db);
	for (size_t i = 0; i < w->n_global_settings; i++)
		free(w->global_settings[i]);
	free(w->global_settings);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	w->open = false;
}

int worker_admin_exec(struct worker *w, const char *sql, char *err, size_t errlen)
{
	pthread_mutex_lock(&w->admin_mu);
	int rc = run(w->admin, sql, err, errlen);
	pthread_mutex_unlock(&w->admin_mu);
	return rc;
}

int64_t worker_memory_used(struct worker *w, bool wait)
{
	if (wait)
		pthread_mutex_lock(&w->admin_mu);
	else if (pthread_mutex_trylock(&w->admin_mu) != 0)
		return -1;
	duckdb_result r;
	int64_t bytes = -1;
	if (duckdb_query(w->admin, "SELECT sum(memory_usage_bytes)::BIGINT FROM duckdb_memory()", &r) == DuckDBSuccess)
		bytes = duckdb_value_int64(&r, 0, 0);
	duckdb_destroy_result(&r);
	pthread_mutex_unlock(&w->admin_mu);
	return bytes;
}

int worker_memory_sample(struct worker *w, int64_t *used, int64_t *temp)
{
	*used = *temp = -1;
	duckdb_connection c;
	if (duckdb_connect(w->db, &c) == DuckDBError)
		return -1;
	duckdb_result r;
	int rc = -1;
	if (duckdb_query(c,
	                 "SELECT sum(memory_usage_bytes)::BIGINT, sum(temporary_storage_bytes)::BIGINT FROM duckdb_memory()",
	                 &r) == DuckDBSuccess) {
		*used = duckdb_value_int64(&r, 0, 0);
		*temp = duckdb_value_int64(&r, 1, 0);
		rc = 0;
	}
	duckdb_destroy_result(&r);
	duckdb_disconnect(&c);
	return rc;
}

int worker_slot_acquire(struct worker *w, int timeout_ms)
{
	struct timespec deadline = clock_deadline_ms(timeout_ms);
	pthread_mutex_lock(&w->mu);
	if (w->running >= w->slots && w->waiting >= w->queue_max) {
		pthread_mutex_unlock(&w->mu);
		return -1;
	}
	w->waiting++;
	while (w->running >= w->slots) {
		if (pthread_cond_timedwait(&w->cv, &w->mu, &deadline) == ETIMEDOUT && w->running >= w->slots) {
			w->waiting--;
			pthread_mutex_unlock(&w->mu);
			return -1;
		}
	}
	w->waiting--;
	w->running++;
	pthread_mutex_unlock(&w->mu);
	return 0;
}

void worker_slot_release(struct worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->running--;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void worker_slot_counts(struct worker *w, int *running, int *waiting)
{
	pthread_mutex_lock(&w->mu);
	*running = w->running;
	*waiting = w->waiting;
	pthread_mutex_unlock(&w->mu);
}
