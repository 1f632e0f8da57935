/* Engine: lazily opened workers, the session registry, the query log and query execution.
 * A query holds its session (one request at a time per DuckDB connection) and one worker slot
 * from begin to end; everything it takes is given back in engine_query_end. */
#include "engine/engine.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_internal.h"
#include "engine/error_text.h"
#include "engine/query_log.h"
#include "engine/session_registry.h"
#include "engine/sql_split.h"
#include "engine/sqlstate.h"
#include "engine/statement_guard.h"
#include "engine/statement_head.h"
#include "engine/worker.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/tz.h"


void eng_set_error(struct eng_error *err, enum eng_status st, const char *msg)
{
	if (!err)
		return;
	err->status = st;
	snprintf(err->message, sizeof(err->message), "%s", msg ? msg : "unknown error");
	const char *state = st == ENG_OVERLOADED ? "53300" : st == ENG_SHUTTING_DOWN ? "57P01" : sqlstate_for_message(msg);
	memcpy(err->sqlstate, state, 6);
}

static int refresh_timezone(struct eng_session *s);

static void session_destroy(void *payload)
{
	struct eng_session *s = payload;
	if (!s)
		return;
	eng_cache_clear(s);
	eng_lake_abandon(s);
	duckdb_disconnect(&s->conn);
	free(s->user);
	free(s);
}

/* A closing session's connection may serve a later one (session_spares.c). */
static void session_retire(void *payload)
{
	struct eng_session *s = payload;
	if (s)
		session_destroy(eng_spare_offer(s->e, s));
}

/* Progress and memory of running queries, for the query log: DuckDB forgets a statement's progress
 * when it ends, so what a failed or cancelled query had done is the last sample. Memory is the
 * worker's, read only while it has queries running. */
static void sample_running(struct engine *e)
{
	qlog_sample_progress(e->log);
	/* A worker being opened holds open_mu for a while: its memory can wait for the next tick.
	 * Workers close only after this thread stopped. */
	bool open[COMPUTE_SIZES] = {false};
	if (pthread_mutex_trylock(&e->open_mu) != 0)
		return;
	for (int i = 0; i < COMPUTE_SIZES; i++)
		open[i] = e->workers[i].open;
	pthread_mutex_unlock(&e->open_mu);
	for (int i = 0; i < COMPUTE_SIZES; i++) {
		struct worker *w = &e->workers[i];
		if (!open[i])
			continue;
		pthread_mutex_lock(&w->mu);
		bool busy = w->running > 0;
		pthread_mutex_unlock(&w->mu);
		int64_t bytes = busy ? worker_memory_used(w, false) : -1;
		if (bytes >= 0)
			qlog_note_memory(e->log, i, bytes);
	}
}

static void *reaper_main(void *arg)
{
	struct engine *e = arg;
	unsigned tick = 0;
	pthread_mutex_lock(&e->reaper_mu);
	while (!e->stop) {
		struct timespec ts = clock_deadline_ms(100);
		pthread_cond_timedwait(&e->reaper_cv, &e->reaper_mu, &ts);
		if (e->stop)
			break;
		pthread_mutex_unlock(&e->reaper_mu);
		qlog_repeat_interrupts(e->log);
		sample_running(e);
		if (++tick % 10 != 0) {
			pthread_mutex_lock(&e->reaper_mu);
			continue;
		}
		if (e->lake) {
			eng_buckets_refresh(e);
			eng_catalogs_refresh(e);
		}
		void *expired[64];
		size_t n;
		do {
			n = sess_registry_expire(e->sessions, sess_now_ms(), expired, 64);
			for (size_t i = 0; i < n; i++)
				session_retire(expired[i]);
			if (n)
				log_debug("sessions expired", "count=%zu", n);
		} while (n == 64);
		pthread_mutex_lock(&e->reaper_mu);
	}
	pthread_mutex_unlock(&e->reaper_mu);
	return NULL;
}

struct engine *engine_open(const struct config *cfg, struct lake_meta *lake, struct eng_error *err)
{
	struct engine *e = calloc(1, sizeof(*e));
	if (!e) {
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		return NULL;
	}
	e->cfg = cfg;
	e->lake = lake;
	char msg[1024] = "";
	if (eng_buckets_open(e, msg, sizeof(msg)) < 0 || lake_heads(lake, &e->catalogs, &e->ncatalogs, msg, sizeof(msg)) != LAKE_OK) {
		if (e->buckets || e->cache)
			eng_buckets_close(e);
		eng_set_error(err, ENG_INTERNAL, msg);
		free(e);
		return NULL;
	}
	e->sessions = sess_registry_new((size_t)cfg->max_sessions, (int64_t)cfg->session_idle_seconds * 1000);
	e->log = qlog_new((size_t)cfg->query_log_size);
	if (!e->sessions || !e->log) {
		sess_registry_free(e->sessions, NULL);
		qlog_free(e->log);
		eng_buckets_close(e);
		free(e->catalogs);
		free(e);
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		return NULL;
	}
	eng_spares_init(e);
	pthread_mutex_init(&e->open_mu, NULL);
	pthread_mutex_init(&e->pins_mu, NULL);
	for (int i = 0; i < ENG_RETRY_LANES; i++)
		pthread_mutex_init(&e->retry_lanes[i], NULL);
	pthread_mutex_init(&e->reaper_mu, NULL);
	cond_init_monotonic(&e->reaper_cv);
	/* The default worker starts now so a broken setup fails at start, not on the first query. */
	struct worker *w = &e->workers[cfg->default_compute_size];
	if (worker_open(w, cfg->default_compute_size, cfg, cache_objects_dir(e->cache), msg, sizeof(msg)) < 0 ||
	    eng_attach_all(e, w, msg, sizeof(msg)) < 0 || pthread_create(&e->reaper, NULL, reaper_main, e) != 0) {
		worker_close(w);
		eng_set_error(err, ENG_INTERNAL, msg[0] ? msg : "cannot start the session reaper");
		sess_registry_free(e->sessions, NULL);
		qlog_free(e->log);
		eng_buckets_close(e);
		free(e->catalogs);
		free(e);
		return NULL;
	}
	if (eng_maintenance_start(e) < 0)
		log_warn("cannot start the maintenance thread; maintenance runs only by hand", "%s", "");
	return e;
}

void engine_drain(struct engine *e, int grace_ms)
{
	atomic_store(&e->draining, true);
	for (int waited = 0; atomic_load(&e->active) > 0 && waited < grace_ms; waited += 20)
		usleep(20000);
	if (atomic_load(&e->active) > 0) {
		int n = qlog_interrupt_all(e->log);
		log_warn("interrupting queries still running at shutdown", "count=%d", n);
		for (int waited = 0; atomic_load(&e->active) > 0 && waited < 5000; waited += 20)
			usleep(20000);
	}
}

void engine_close(struct engine *e)
{
	if (!e)
		return;
	pthread_mutex_lock(&e->reaper_mu);
	e->stop = true;
	pthread_cond_broadcast(&e->reaper_cv);
	pthread_mutex_unlock(&e->reaper_mu);
	pthread_join(e->reaper, NULL);
	eng_maintenance_stop(e);
	sess_registry_free(e->sessions, session_destroy);
	eng_spares_free(e, session_destroy);
	qlog_free(e->log);
	for (int i = 0; i < COMPUTE_SIZES; i++)
		worker_close(&e->workers[i]);
	free(e->catalogs);
	free(e->pinned);
	pthread_mutex_destroy(&e->pins_mu);
	for (int i = 0; i < ENG_RETRY_LANES; i++)
		pthread_mutex_destroy(&e->retry_lanes[i]);
	eng_buckets_close(e);
	pthread_mutex_destroy(&e->open_mu);
	pthread_mutex_destroy(&e->reaper_mu);
	pthread_cond_destroy(&e->reaper_cv);
	tz_cache_clear();
	free(e);
}

static struct worker *worker_for(struct engine *e, int size, struct eng_error *err)
{
	struct worker *w = &e->workers[size];
	pthread_mutex_lock(&e->open_mu);
	if (!w->open) {
		char msg[512] = "";
		if (worker_open(w, size, e->cfg, cache_objects_dir(e->cache), msg, sizeof(msg)) < 0 || eng_attach_all(e, w, msg, sizeof(msg)) < 0) {
			worker_close(w);
			pthread_mutex_unlock(&e->open_mu);
			log_error("worker failed to start", "size=%s error=\"%s\"", compute_size_names[size], msg);
			eng_set_error(err, ENG_INTERNAL, msg);
			return NULL;
		}
		log_info("worker started", "worker=%s", w->slug);
	}
	pthread_mutex_unlock(&e->open_mu);
	return w;
}

static int exec_simple(duckdb_connection c, const char *sql, struct eng_error *err)
{
	duckdb_result r;
	int rc = 0;
	if (duckdb_query(c, sql, &r) == DuckDBError) {
		eng_set_error(err, ENG_INVALID, duckdb_result_error(&r));
		rc = -1;
	}
	duckdb_destroy_result(&r);
	return rc;
}

/* DuckDB tracks a statement's progress only for connections that ask for it (it cannot be set for
 * the whole instance), and would then also draw a progress bar on the server's terminal. */
static int enable_progress(duckdb_connection c, char *msg, size_t msglen)
{
	duckdb_result r;
	int rc = 0;
	if (duckdb_query(c, "SET enable_progress_bar = true; SET enable_progress_bar_print = false", &r) == DuckDBError) {
		snprintf(msg, msglen, "cannot turn on progress tracking: %s", duckdb_result_error(&r));
		rc = -1;
	}
	duckdb_destroy_result(&r);
	return rc;
}

static struct eng_session *session_new(struct engine *e, struct worker *w, const char *user, struct eng_error *err)
{
	struct eng_session *s = calloc(1, sizeof(*s));
	if (!s || !(s->user = strdup(user))) {
		free(s);
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		return NULL;
	}
	s->e = e;
	s->w = w;
	if (duckdb_connect(w->db, &s->conn) == DuckDBError) {
		free(s->user);
		free(s);
		eng_set_error(err, ENG_INTERNAL, "cannot open a DuckDB connection");
		return NULL;
	}
	char msg[512];
	if (enable_progress(s->conn, msg, sizeof(msg)) < 0) {
		duckdb_disconnect(&s->conn);
		free(s->user);
		free(s);
		eng_set_error(err, ENG_INTERNAL, msg);
		return NULL;
	}
	/* The worker's default zone is UTC (see worker_open), so a new session needs no SET. */
	snprintf(s->timezone, sizeof(s->timezone), "UTC");
	return s;
}

int engine_session_acquire(struct engine *e, const char *session_id, int size, const char *user,
                           struct eng_session **out, struct eng_error *err)
{
	if (atomic_load(&e->draining)) {
		eng_set_error(err, ENG_SHUTTING_DOWN, "the server is shutting down");
		return -1;
	}
	if (session_id) {
		struct sess_entry *entry;
		int rc = sess_registry_acquire(e->sessions, session_id, user, e->cfg->queue_timeout_ms, &entry);
		if (rc == SESS_OK) {
			struct eng_session *s = entry->payload;
			s->entry = entry;
			*out = s;
			return 0;
		}
		if (rc != SESS_NOT_FOUND) {
			eng_set_error(err, ENG_OVERLOADED, "the session is busy with another request");
			return -1;
		}
		/* Unknown id: the session is created on first use, under the id the client chose. */
	}
	struct worker *w = worker_for(e, size < 0 ? e->cfg->default_compute_size : size, err);
	if (!w)
		return -1;
	struct eng_session *s = eng_spare_take(e, w, user);
	if (!s && !(s = session_new(e, w, user, err)))
		return -1;
	void *evicted = NULL;
	int rc = sess_registry_insert(e->sessions, session_id, user, s, &s->entry, &evicted);
	session_retire(evicted);
	if (rc != SESS_OK) {
		session_retire(s);
		/* SESS_EXISTS: the id belongs to another user (or was created a moment ago). */
		eng_set_error(err, rc == SESS_FULL ? ENG_OVERLOADED : rc == SESS_EXISTS ? ENG_NOT_FOUND : ENG_INTERNAL,
		          rc == SESS_FULL ? "too many open sessions" : rc == SESS_EXISTS ? "session not found" : "out of memory");
		return -1;
	}
	*out = s;
	return 0;
}

void engine_session_release(struct eng_session *s)
{
	if (s->broken)
		session_destroy(sess_registry_remove(s->e->sessions, s->entry));
	else
		sess_registry_release(s->e->sessions, s->entry);
}

void engine_session_close(struct eng_session *s)
{
	session_retire(sess_registry_remove(s->e->sessions, s->entry));
}

const char *engine_session_id(const struct eng_session *s) { return s->entry->id; }
const char *engine_session_worker_slug(const struct eng_session *s) { return s->w->slug; }
duckdb_connection engine_session_connection(struct eng_session *s)
{
	s->altered = true; /* what the caller runs on it is out of sight */
	return s->conn;
}
const char *engine_session_staging_dir(const struct eng_session *s) { return s->w->tmpdir; }

const char *engine_session_timezone(struct eng_session *s)
{
	if (s->timezone_stale || !s->timezone[0])
		refresh_timezone(s);
	return s->timezone[0] ? s->timezone : "UTC";
}

void eng_quote(buf *b, const char *s, char q)
{
	buf_putc(b, q);
	for (; *s; s++) {
		if (*s == q)
			buf_putc(b, q);
		buf_putc(b, *s);
	}
	buf_putc(b, q);
}

int eng_session_macros(struct eng_session *s, struct eng_error *err)
{
	if (s->own_macros)
		return 0;
	char msg[512];
	if (eng_lake_macros(s->conn, NULL, msg, sizeof(msg)) < 0) {
		eng_set_error(err, ENG_INTERNAL, msg);
		return -1;
	}
	s->own_macros = true;
	return 0;
}

int engine_session_apply(struct eng_session *s, const struct eng_settings *set, struct eng_error *err)
{
	if (set->catalog && strcmp(set->catalog, "memory") && !eng_catalog_lookup(s->e, set->catalog, NULL) &&
	    eng_session_macros(s, err) < 0)
		return -1;
	buf sql;
	buf_init(&sql);
	int rc = 0;
	if (set->catalog || set->schema) {
		buf_puts(&sql, "USE ");
		if (set->catalog)
			eng_quote(&sql, set->catalog, '"');
		if (set->catalog && set->schema)
			buf_putc(&sql, '.');
		if (set->schema)
			eng_quote(&sql, set->schema, '"');
		buf_putc(&sql, ';');
	}
	if (set->timezone) {
		buf_puts(&sql, "SET TimeZone = ");
		eng_quote(&sql, set->timezone, '\'');
		buf_putc(&sql, ';');
	}
	if (sql.len) {
		eng_cache_clear(s);
		s->altered = true;
		buf_putc(&sql, '\0');
		if (buf_failed(&sql)) {
			eng_set_error(err, ENG_INTERNAL, "out of memory");
			rc = -1;
		} else {
			rc = exec_simple(s->conn, sql.data, err);
		}
		if (set->timezone)
			s->timezone_stale = true;
	}
	buf_free(&sql);
	return rc;
}

static bool setting_is_global(const void *ctx, const char *name) { return worker_setting_is_global(ctx, name); }

int engine_query_begin(struct eng_session *s, const struct eng_query_opts *o, struct eng_query **out,
                       struct eng_error *err)
{
	struct engine *e = s->e;
	char id[UUID_STR_LEN + 1];
	if (o->query_id)
		memcpy(id, o->query_id, sizeof(id));
	else
		uuid_v4(id);
	struct eng_query *q = calloc(1, sizeof(*q));
	if (!q) {
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		return -1;
	}
	q->s = s;
	q->sql = o->sql;
	q->door = o->door;
	q->start_us = clock_mono_us();
	q->params = o->params;
	q->nparams = o->nparams;
	q->column_as_text = o->column_as_text;
	q->list_param = o->list_param;
	bool in_use;
	q->log = qlog_start(e->log, id, s->entry->id, o->user, o->sql, o->client_interface, o->user_agent,
	                    o->requested_by, o->visible, s->conn, s->w->size, &in_use);
	if (!q->log) {
		free(q);
		eng_set_error(err, in_use ? ENG_INVALID : ENG_INTERNAL, in_use ? "query_id is already in use" : "out of memory");
		return -1;
	}
	atomic_fetch_add(&e->active, 1);
	if (atomic_load(&e->draining)) {
		eng_set_error(err, ENG_SHUTTING_DOWN, "the server is shutting down");
		goto fail;
	}
	int slot = worker_slot_acquire(s->w, e->cfg->queue_timeout_ms);
	metrics_query_waited(q->door, clock_mono_us() - q->start_us);
	if (slot < 0) {
		eng_set_error(err, ENG_OVERLOADED, "the worker is overloaded: too many queries waiting");
		goto fail;
	}
	memset(&s->lake.usage, 0, sizeof(s->lake.usage));
	*out = q;
	return 0;
fail:
	qlog_finish(e->log, q->log, err->message, 0);
	metrics_query_done(q->door, METRICS_ERROR, clock_mono_us() - q->start_us);
	atomic_fetch_sub(&e->active, 1);
	free(q);
	return -1;
}

const char *engine_query_id(const struct eng_query *q) { return q->log->id; }

static int refresh_timezone(struct eng_session *s)
{
	duckdb_result r;
	if (duckdb_query(s->conn, "SELECT current_setting('TimeZone')", &r) == DuckDBError) {
		duckdb_destroy_result(&r);
		return -1;
	}
	char *tz = duckdb_value_varchar(&r, 0, 0);
	snprintf(s->timezone, sizeof(s->timezone), "%s", tz ? tz : "UTC");
	duckdb_free(tz);
	duckdb_destroy_result(&r);
	s->timezone_stale = false;
	return 0;
}

bool eng_cancelled(struct eng_query *q) { return q->log && qlog_cancelled(q->s->e->log, q->log); }

void eng_fail(struct eng_error *err, const char *msg, struct eng_query *q)
{
	/* An interrupt caused by a cancel reads as DuckDB's own message whatever DuckDB said. */
	if (q && eng_cancelled(q) && (!msg || !*msg))
		msg = "INTERRUPT Error: Interrupted!";
	/* DuckDB reports what the lake's replacement scan refused as a binder error about the scan;
	 * the user's error is the lake's own (a bucket that cannot be read, a dropped catalog). */
	static const char wrapped[] = "Binder Error: Error in replacement scan: ";
	if (msg && !strncmp(msg, wrapped, sizeof(wrapped) - 1))
		msg += sizeof(wrapped) - 1;
	eng_set_error(err, ENG_OK, msg && *msg ? msg : "Unknown Error: statement failed");
	err->status = ENG_OK;
	error_text_polish(err->message, sizeof(err->message), q ? compute_size_names[q->s->w->size] : NULL);
	size_t n = strlen(err->message);
	while (n && (err->message[n - 1] == '\n' || err->message[n - 1] == ' '))
		err->message[--n] = '\0';
}

void eng_fail_state(struct eng_error *err, const char *sqlstate, const char *msg)
{
	eng_set_error(err, ENG_OK, msg);
	memcpy(err->sqlstate, sqlstate, 5);
	err->sqlstate[5] = '\0';
}

/* One rule for every door, PostgreSQL's: a statement that fails inside a transaction block aborts
 * the transaction, and until it ends every statement but COMMIT and ROLLBACK (both of which then
 * roll it back) is refused. */
void eng_txn_statement_failed(struct eng_session *s)
{
	if (s->lake.in_txn)
		s->lake.txn_failed = true;
}

bool eng_txn_refuses(struct eng_session *s, const char *sql, size_t len, struct eng_error *err)
{
	if (!s->lake.txn_failed)
		return false;
	struct stmt_head h;
	if (stmt_head_parse(sql, len, &h) == 0 && (h.kind == STMT_COMMIT || h.kind == STMT_ROLLBACK))
		return false;
	eng_fail_state(err, "25P02", "Transaction Error: current transaction is aborted, commands ignored until end of"
	                             " transaction block (a statement in it failed; ROLLBACK ends it)");
	return true;
}

int engine_session_txn(const struct eng_session *s)
{
	return s->lake.txn_failed ? ENG_TXN_FAILED : s->lake.in_txn ? ENG_TXN_OPEN : ENG_TXN_IDLE;
}

/* Runs statements 0..n-2 of stmts and prepares the last into *last. */
int eng_run_leading(struct eng_query *q, duckdb_extracted_statements stmts, idx_t n,
                       duckdb_prepared_statement *last, struct eng_error *err)
{
	struct eng_session *s = q->s;
	bool guard_checked = false;
	for (idx_t i = 0; i < n; i++) {
		duckdb_prepared_statement prep = NULL;
		if (eng_cancelled(q)) {
			eng_fail(err, "INTERRUPT Error: Interrupted!", q);
			return -1;
		}
		if (duckdb_prepare_extracted_statement(s->conn, stmts, i, &prep) == DuckDBError) {
			eng_fail(err, duckdb_prepare_error(prep), q);
			duckdb_destroy_prepare(&prep);
			return -1;
		}
		duckdb_statement_type type = duckdb_prepared_statement_type(prep);
		if (type != DUCKDB_STATEMENT_TYPE_SELECT) {
			eng_cache_clear(s);
			s->altered = true;
		}
		if (type == DUCKDB_STATEMENT_TYPE_SET) {
			char msg[512];
			if (!guard_checked &&
			    guard_check_sql(q->sql, strlen(q->sql), setting_is_global, s->w, msg, sizeof(msg)) < 0) {
				eng_fail(err, msg, q);
				duckdb_destroy_prepare(&prep);
				return -1;
			}
			guard_checked = true;
			s->timezone_stale = true;
		}
		if (i + 1 == n) {
			*last = prep;
			return 0;
		}
		duckdb_result r;
		bool failed = duckdb_execute_prepared(prep, &r) == DuckDBError;
		if (failed)
			eng_fail(err, duckdb_result_error(&r), q);
		duckdb_destroy_result(&r);
		duckdb_destroy_prepare(&prep);
		eng_lake_statement_done(s);
		if (failed)
			return -1;
	}
	return -1;
}

/* VARIANT (DuckDB 1.5) is not in the 1.4 header this build uses; its values are stored in an
 * internal layout, so they are handed out through DuckDB's own cast to JSON. */
#define TYPE_ID_VARIANT 41

static bool type_has_variant(duckdb_logical_type t)
{
	duckdb_type id = duckdb_get_type_id(t);
	if ((int)id == TYPE_ID_VARIANT)
		return true;
	bool found = false;
	if (id == DUCKDB_TYPE_LIST || id == DUCKDB_TYPE_ARRAY || id == DUCKDB_TYPE_MAP) {
		duckdb_logical_type c = id == DUCKDB_TYPE_LIST  ? duckdb_list_type_child_type(t)
		                        : id == DUCKDB_TYPE_ARRAY ? duckdb_array_type_child_type(t)
		                                                  : duckdb_map_type_value_type(t);
		found = type_has_variant(c);
		duckdb_destroy_logical_type(&c);
	} else if (id == DUCKDB_TYPE_STRUCT || id == DUCKDB_TYPE_UNION) {
		idx_t n = id == DUCKDB_TYPE_STRUCT ? duckdb_struct_type_child_count(t) : duckdb_union_type_member_count(t);
		for (idx_t i = 0; i < n && !found; i++) {
			duckdb_logical_type c = id == DUCKDB_TYPE_STRUCT ? duckdb_struct_type_child_type(t, i)
			                                                 : duckdb_union_type_member_type(t, i);
			found = type_has_variant(c);
			duckdb_destroy_logical_type(&c);
		}
	}
	return found;
}

/* When the last statement's result holds VARIANT values, or values the front-end asks for as text,
 * prepares it again wrapped so those columns come out as JSON or VARCHAR (positional references
 * keep duplicate column names intact). Leaves *prep as it was when there is nothing to do or the
 * wrapping cannot be built. */
enum { KEEP = 0, AS_JSON = 1, AS_TEXT = 2 };

/* The wrapping statement: each column of sql's last statement as it is, as JSON or as VARCHAR, under
 * its name. NULL when there is nothing to wrap (or no memory). */
static char *wrapped_text(const char *sql, idx_t n, const unsigned char *how, const char *const *names)
{
	bool any = false;
	for (idx_t c = 0; c < n; c++)
		any |= how[c] != KEEP;
	struct sql_span last = {0, 0};
	size_t len = strlen(sql), pos = 0;
	while (any && pos < len) {
		struct sql_span span;
		pos = sql_next(sql, len, pos, &span);
		if (span.len)
			last = span;
	}
	if (!any || !last.len)
		return NULL;
	buf w;
	buf_init(&w);
	buf_puts(&w, "SELECT ");
	for (idx_t c = 0; c < n; c++) {
		buf_printf(&w, "%s#%llu%s AS ", c ? ", " : "", (unsigned long long)c + 1,
		           how[c] == AS_JSON ? "::JSON" : how[c] == AS_TEXT ? "::VARCHAR" : "");
		eng_quote(&w, names[c] ? names[c] : "", '"');
	}
	buf_puts(&w, " FROM (");
	buf_append(&w, sql + last.start, last.len);
	buf_puts(&w, "\n) AS result");
	buf_putc(&w, '\0');
	char *text = buf_failed(&w) ? NULL : w.data;
	if (!text)
		buf_free(&w);
	return text;
}

static unsigned char wrap_kind(duckdb_logical_type t, bool (*as_text)(duckdb_logical_type))
{
	return type_has_variant(t) ? AS_JSON : as_text && as_text(t) ? AS_TEXT : KEEP;
}

/* A statement whose parameters DuckDB could not type has no reliable columns before it runs. */
static bool params_unresolved(duckdb_prepared_statement prep)
{
	idx_t n = duckdb_nparams(prep);
	for (idx_t i = 1; i <= n; i++)
		if (duckdb_param_type(prep, i) == DUCKDB_TYPE_INVALID)
			return true;
	return false;
}

static void wrap_columns(struct eng_session *s, const char *sql, duckdb_prepared_statement *prep,
                         bool (*as_text)(duckdb_logical_type))
{
	if (duckdb_prepared_statement_type(*prep) != DUCKDB_STATEMENT_TYPE_SELECT || params_unresolved(*prep))
		return;
	idx_t n = duckdb_prepared_statement_column_count(*prep);
	unsigned char *how = calloc(n ? n : 1, 1);
	const char **names = calloc(n ? n : 1, sizeof(*names));
	for (idx_t c = 0; how && names && c < n; c++) {
		duckdb_logical_type t = duckdb_prepared_statement_column_logical_type(*prep, c);
		how[c] = wrap_kind(t, as_text);
		duckdb_destroy_logical_type(&t);
		names[c] = duckdb_prepared_statement_column_name(*prep, c); /* ours to free */
	}
	char *text = how && names ? wrapped_text(sql, n, how, names) : NULL;
	duckdb_prepared_statement wrapped = NULL;
	/* the wrapping binds the same tables again: they are read once */
	struct eng_usage usage = s->lake.usage;
	if (text && duckdb_prepare(s->conn, text, &wrapped) == DuckDBSuccess) {
		duckdb_destroy_prepare(prep);
		*prep = wrapped;
	} else {
		duckdb_destroy_prepare(&wrapped);
	}
	s->lake.usage = usage;
	free(text);
	for (idx_t c = 0; names && c < n; c++)
		duckdb_free((void *)names[c]);
	free(names);
	free(how);
}

/* After a run whose columns were not known beforehand: when some must be wrapped, the statement
 * is prepared wrapped and run again (its result so far is thrown away). 1 when it was rerun. */
static int rewrap_result(struct eng_query *q, duckdb_prepared_statement *prep, struct eng_error *err);


/* Prepares every statement of text, runs all but the last and leaves the last in *last. */
static int prepare_text(struct eng_query *q, const char *text, duckdb_prepared_statement *last, idx_t *count,
                        struct eng_error *err)
{
	duckdb_extracted_statements stmts = NULL;
	idx_t n = duckdb_extract_statements(q->s->conn, text, &stmts);
	if (n == 0) {
		const char *msg = duckdb_extract_statements_error(stmts);
		eng_fail(err, msg ? msg : "Parser Error: no statement to execute", q);
	}
	int rc = n ? eng_run_leading(q, stmts, n, last, err) : -1;
	duckdb_destroy_extracted(&stmts);
	*count = n;
	return rc;
}

/* Runs the request one statement at a time, the lake router taking the statements it owns; the
 * last statement (or, when the router took it, a statement reporting its outcome) is prepared
 * into *last. */
static int run_routed(struct eng_query *q, duckdb_prepared_statement *last, struct eng_error *err)
{
	struct eng_session *s = q->s;
	size_t len = strlen(q->sql);
	size_t n = sql_split(q->sql, len, NULL, 0);
	struct sql_span *spans = calloc(n ? n : 1, sizeof(*spans));
	if (!spans) {
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		return -1;
	}
	sql_split(q->sql, len, spans, n);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		bool is_last = i + 1 == n;
		if (eng_cancelled(q)) {
			eng_fail(err, "INTERRUPT Error: Interrupted!", q);
			rc = -1;
			break;
		}
		if (eng_txn_refuses(s, q->sql + spans[i].start, spans[i].len, err)) {
			rc = -1;
			break;
		}
		int64_t count = -1;
		char *rewritten = NULL;
		int routed = eng_lake_route(q, q->sql + spans[i].start, spans[i].len, &count, &rewritten, err);
		if (routed < 0) {
			rc = -1;
		} else if (routed == 0) {
			if (is_last) {
				char sql[96];
				q->nothing = count < 0;
				if (count < 0)
					snprintf(sql, sizeof(sql), "SELECT true AS \"Success\" WHERE false");
				else
					snprintf(sql, sizeof(sql), "SELECT CAST(%lld AS BIGINT) AS \"Count\"", (long long)count);
				if (duckdb_prepare(s->conn, sql, last) == DuckDBError) {
					eng_fail(err, duckdb_prepare_error(*last), q);
					rc = -1;
				}
			}
		} else {
			char *text = rewritten ? rewritten : strndup(q->sql + spans[i].start, spans[i].len);
			duckdb_prepared_statement prep = NULL;
			idx_t count_in_text = 0;
			if (!text) {
				eng_set_error(err, ENG_INTERNAL, "out of memory");
				rc = -1;
			} else if (prepare_text(q, text, &prep, &count_in_text, err) < 0) {
				rc = -1;
			} else if (is_last) {
				*last = prep;
				prep = NULL;
			} else {
				duckdb_result r;
				if (duckdb_execute_prepared(prep, &r) == DuckDBError) {
					eng_fail(err, duckdb_result_error(&r), q);
					rc = -1;
				}
				duckdb_destroy_result(&r);
			}
			if (prep)
				duckdb_destroy_prepare(&prep);
			free(text);
		}
		eng_lake_statement_done(s);
	}
	free(spans);
	return rc;
}

/* Binds the caller's $1..$n to the statement about to run. */
static int bind_params(struct eng_query *q, duckdb_prepared_statement prep, struct eng_error *err)
{
	idx_t want = duckdb_nparams(prep);
	if (!q->nparams && !want)
		return 0;
	if (want != q->nparams) {
		char msg[160];
		snprintf(msg, sizeof(msg), "Invalid Input Error: %zu parameters were given but the statement takes %llu",
		         q->nparams, (unsigned long long)want);
		eng_fail(err, msg, q);
		return -1;
	}
	duckdb_clear_bindings(prep);
	for (size_t i = 0; i < q->nparams; i++) {
		duckdb_value adapted = NULL;
		if (q->params[i] && q->list_param &&
		    duckdb_get_type_id(duckdb_get_value_type(q->params[i])) == DUCKDB_TYPE_VARCHAR) {
			duckdb_logical_type ptype = duckdb_param_logical_type(prep, (idx_t)i + 1);
			duckdb_type id = ptype ? duckdb_get_type_id(ptype) : DUCKDB_TYPE_INVALID;
			if (id == DUCKDB_TYPE_LIST || id == DUCKDB_TYPE_ARRAY)
				adapted = q->list_param(q->params[i]);
			if (ptype)
				duckdb_destroy_logical_type(&ptype);
		}
		duckdb_state st = adapted       ? duckdb_bind_value(prep, (idx_t)i + 1, adapted)
		                  : q->params[i] ? duckdb_bind_value(prep, (idx_t)i + 1, q->params[i])
		                                 : duckdb_bind_null(prep, (idx_t)i + 1);
		if (adapted)
			duckdb_destroy_value(&adapted);
		if (st == DuckDBError) {
			char msg[160];
			snprintf(msg, sizeof(msg), "Invalid Input Error: cannot bind parameter $%zu", i + 1);
			eng_fail(err, msg, q);
			return -1;
		}
	}
	return 0;
}

/* The statement with $1..$n replaced by SQL literals of the parameters' values (outside quotes and
 * comments), for statements the lake router takes apart itself. */
static char *substitute_params(struct eng_query *q, struct eng_error *err)
{
	const char *s = q->sql;
	size_t len = strlen(s);
	buf b;
	buf_init(&b);
	for (size_t i = 0; i < len;) {
		size_t skip = sql_skip_space(s, len, i);
		if (skip != i) { /* comments and space as they are */
			buf_append(&b, s + i, skip - i);
			i = skip;
			continue;
		}
		char c = s[i];
		if (c == '\'' || c == '"') {
			size_t j = i + 1;
			while (j < len && !(s[j] == c && (j + 1 >= len || s[j + 1] != c)))
				j += s[j] == c ? 2 : 1;
			j = j < len ? j + 1 : len;
			buf_append(&b, s + i, j - i);
			i = j;
			continue;
		}
		if (c == '$' && i + 1 < len && s[i + 1] >= '1' && s[i + 1] <= '9' && (i == 0 || !isalnum((unsigned char)s[i - 1]))) {
			size_t j = i + 1, n = 0;
			while (j < len && s[j] >= '0' && s[j] <= '9' && n < 100000)
				n = n * 10 + (size_t)(s[j++] - '0');
			if (n < 1 || n > q->nparams) {
				buf_free(&b);
				char msg[96];
				snprintf(msg, sizeof(msg), "Invalid Input Error: no value for parameter $%zu", n);
				eng_fail(err, msg, q);
				return NULL;
			}
			duckdb_value v = q->params[n - 1];
			char *text = v ? duckdb_get_varchar(v) : NULL;
			if (!v) {
				buf_puts(&b, "NULL");
			} else if (!text) {
				buf_free(&b);
				eng_fail(err, "Invalid Input Error: cannot write a parameter into the statement", q);
				return NULL;
			} else {
				/* a typed literal keeps the value's type: CAST('…' AS type); the value owns its type */
				duckdb_logical_type t = duckdb_get_value_type(v);
				duckdb_type id = t ? duckdb_get_type_id(t) : DUCKDB_TYPE_VARCHAR;
				/* a VARCHAR stays a bare string literal, which DuckDB types from its use */
				if (id != DUCKDB_TYPE_VARCHAR)
					buf_puts(&b, "CAST(");
				eng_quote(&b, text, '\'');
				buf_puts(&b, id == DUCKDB_TYPE_VARCHAR ? ""
				             : id == DUCKDB_TYPE_BIGINT ? " AS BIGINT)"
				             : id == DUCKDB_TYPE_DOUBLE ? " AS DOUBLE)"
				             : id == DUCKDB_TYPE_BOOLEAN ? " AS BOOLEAN)"
				             : id == DUCKDB_TYPE_BLOB ? " AS BLOB)"
				             : id == DUCKDB_TYPE_DATE ? " AS DATE)"
				             : id == DUCKDB_TYPE_TIMESTAMP ? " AS TIMESTAMP)"
				             : id == DUCKDB_TYPE_TIMESTAMP_TZ ? " AS TIMESTAMPTZ)"
				             : id == DUCKDB_TYPE_TIME ? " AS TIME)"
				             : id == DUCKDB_TYPE_INTERVAL ? " AS INTERVAL)"
				             : id == DUCKDB_TYPE_UUID ? " AS UUID)"
				                                      : " AS VARCHAR)");
				duckdb_free(text);
			}
			i = j;
			continue;
		}
		buf_putc(&b, c);
		i++;
	}
	buf_putc(&b, '\0');
	if (buf_failed(&b)) {
		buf_free(&b);
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		return NULL;
	}
	return b.data;
}

static int rewrap_result(struct eng_query *q, duckdb_prepared_statement *prep, struct eng_error *err)
{
	if (duckdb_result_return_type(q->result) != DUCKDB_RESULT_TYPE_QUERY_RESULT)
		return 0;
	idx_t n = duckdb_column_count(&q->result);
	unsigned char *how = calloc(n ? n : 1, 1);
	const char **names = calloc(n ? n : 1, sizeof(*names));
	for (idx_t c = 0; how && names && c < n; c++) {
		duckdb_logical_type t = duckdb_column_logical_type(&q->result, c);
		how[c] = wrap_kind(t, q->column_as_text);
		duckdb_destroy_logical_type(&t);
		names[c] = duckdb_column_name(&q->result, c); /* the result's */
	}
	char *text = how && names ? wrapped_text(q->sql, n, how, names) : NULL;
	free(names);
	free(how);
	if (!text)
		return 0;
	duckdb_prepared_statement wrapped = NULL;
	duckdb_pending_result pending = NULL;
	int rc = -1;
	if (duckdb_prepare(q->s->conn, text, &wrapped) == DuckDBError) {
		eng_fail(err, duckdb_prepare_error(wrapped), q);
	} else if (bind_params(q, wrapped, err) == 0) {
		duckdb_destroy_result(&q->result);
		q->has_result = false;
		if (duckdb_pending_prepared_streaming(wrapped, &pending) == DuckDBError) {
			eng_fail(err, duckdb_pending_error(pending), q);
		} else if (duckdb_execute_pending(pending, &q->result) == DuckDBError) {
			eng_fail(err, duckdb_result_error(&q->result), q);
			duckdb_destroy_result(&q->result);
		} else {
			q->has_result = true;
			rc = 1;
		}
	}
	if (pending)
		duckdb_destroy_pending(&pending);
	free(text);
	if (wrapped) {
		duckdb_destroy_prepare(prep);
		*prep = wrapped;
	}
	return rc;
}

/* What the query's binds read of managed tables so far goes to its log entry. */
static void report_reads(struct eng_query *q)
{
	const struct eng_usage *u = &q->s->lake.usage;
	qlog_set_reads(q->s->e->log, q->log, &u->cache, u->files, u->bytes, u->rows);
}

int engine_query_execute(struct eng_query *q, struct eng_error *err)
{
	struct eng_session *s = q->s;
	if (eng_cancelled(q)) {
		eng_fail(err, "INTERRUPT Error: Interrupted!", q);
		eng_txn_statement_failed(s);
		return -1;
	}
	eng_lake_bind_begin(s);
	s->lake.touched = false;
	/* An aborted transaction takes the routed path, which refuses statement by statement. */
	duckdb_prepared_statement prep = s->lake.txn_failed ? NULL : eng_cache_take(s, q->sql);
	duckdb_pending_result pending = NULL;
	bool single = prep != NULL;
	int rc = -1;
	if (!prep) {
		bool routed = false;
		if (eng_classify(q, &routed, err) < 0)
			goto done;
		routed |= s->lake.txn_failed;
		/* setseed() is a query that changes the connection: its random numbers */
		if (routed || strcasestr(q->sql, "setseed"))
			s->altered = true;
		if (routed && q->nparams) {
			/* the router builds statements of its own from the text: the values go into it */
			if (!(q->substituted = substitute_params(q, err)))
				goto done;
			q->sql = q->substituted;
			q->nparams = 0;
		}
		idx_t n = 0;
		if (routed ? run_routed(q, &prep, err) < 0 : prepare_text(q, q->sql, &prep, &n, err) < 0)
			goto done;
		single = n == 1;
		wrap_columns(s, q->sql, &prep, q->column_as_text);
	}
	if (duckdb_prepared_statement_type(prep) != DUCKDB_STATEMENT_TYPE_SELECT)
		s->altered = true;
	if (bind_params(q, prep, err) < 0)
		goto done;
	/* The zone is read before the last statement runs (its result must not be disturbed); a SET
	 * that is itself the last statement changes it only by running, so it is read next time. */
	bool sets = duckdb_prepared_statement_type(prep) == DUCKDB_STATEMENT_TYPE_SET;
	if (s->timezone_stale && !sets && refresh_timezone(s) < 0) {
		eng_fail(err, "Internal Error: cannot read the session time zone", q);
		goto done;
	}
	report_reads(q); /* the last statement is bound: a long run shows what it reads */
	if (duckdb_pending_prepared_streaming(prep, &pending) == DuckDBError) {
		eng_fail(err, duckdb_pending_error(pending), q);
		goto done;
	}
	if (duckdb_execute_pending(pending, &q->result) == DuckDBError) {
		eng_fail(err, duckdb_result_error(&q->result), q);
		duckdb_destroy_result(&q->result);
		goto done;
	}
	q->has_result = true;
	if (sets)
		s->timezone_stale = true;
	if (params_unresolved(prep) && rewrap_result(q, &prep, err) < 0)
		goto done;
	q->ncols = duckdb_column_count(&q->result);
	q->types = calloc(q->ncols ? q->ncols : 1, sizeof(*q->types));
	if (!q->types) {
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		goto done;
	}
	for (idx_t c = 0; c < q->ncols; c++)
		q->types[c] = duckdb_column_logical_type(&q->result, c);
	/* A statement that read managed tables bound one snapshot's files: it is not reused. */
	if (single && !s->lake.touched && duckdb_prepared_statement_type(prep) == DUCKDB_STATEMENT_TYPE_SELECT)
		eng_cache_put(s, q->sql, &prep);
	rc = 0;
done:
	eng_lake_bind_end();
	eng_lake_statement_done(s);
	report_reads(q);
	if (rc < 0)
		eng_txn_statement_failed(s);
	if (pending)
		duckdb_destroy_pending(&pending);
	if (prep)
		duckdb_destroy_prepare(&prep);
	return rc;
}

/* The highest $n in the text (outside quotes), for statements DuckDB does not prepare. */
static idx_t count_params(const char *sql, size_t len)
{
	idx_t most = 0;
	for (size_t i = 0; i < len; i++) {
		char c = sql[i];
		if (c == '\'' || c == '"') {
			for (i++; i < len && sql[i] != c; i++)
				;
			continue;
		}
		if (c == '$' && i + 1 < len && sql[i + 1] >= '1' && sql[i + 1] <= '9') {
			idx_t n = 0;
			while (i + 1 < len && sql[i + 1] >= '0' && sql[i + 1] <= '9' && n < 100000)
				n = n * 10 + (idx_t)(sql[++i] - '0');
			if (n > most)
				most = n;
		}
	}
	return most;
}

int engine_describe(struct eng_session *s, const char *sql, struct eng_description *out, struct eng_error *err)
{
	memset(out, 0, sizeof(*out));
	size_t len = strlen(sql);
	if (sql_split(sql, len, NULL, 0) > 1) {
		eng_set_error(err, ENG_OK, "Parser Error: cannot insert multiple commands into a prepared statement");
		return -1;
	}
	struct eng_query probe = {.s = s, .sql = sql};
	bool routed = false;
	if (eng_classify(&probe, &routed, err) < 0)
		return -1;
	if (routed) {
		out->nparams = count_params(sql, len);
		out->param_types = calloc(out->nparams ? out->nparams : 1, sizeof(*out->param_types));
		if (!out->param_types) {
			eng_set_error(err, ENG_INTERNAL, "out of memory");
			return -1;
		}
		for (idx_t i = 0; i < out->nparams; i++)
			out->param_types[i] = DUCKDB_TYPE_VARCHAR;
		return 0;
	}
	duckdb_prepared_statement prep = NULL;
	eng_lake_bind_begin(s);
	duckdb_state st = duckdb_prepare(s->conn, sql, &prep);
	eng_lake_bind_end();
	eng_lake_statement_done(s);
	eng_lake_release(s, false);
	if (st == DuckDBError) {
		eng_fail(err, duckdb_prepare_error(prep), NULL);
		duckdb_destroy_prepare(&prep);
		return -1;
	}
	out->nparams = duckdb_nparams(prep);
	duckdb_statement_type type = duckdb_prepared_statement_type(prep);
	bool rows = type == DUCKDB_STATEMENT_TYPE_SELECT || type == DUCKDB_STATEMENT_TYPE_EXPLAIN ||
	            type == DUCKDB_STATEMENT_TYPE_PRAGMA || type == DUCKDB_STATEMENT_TYPE_CALL ||
	            type == DUCKDB_STATEMENT_TYPE_RELATION;
	out->ncols = rows ? duckdb_prepared_statement_column_count(prep) : 0;
	out->param_types = calloc(out->nparams ? out->nparams : 1, sizeof(*out->param_types));
	out->names = calloc(out->ncols ? out->ncols : 1, sizeof(*out->names));
	out->types = calloc(out->ncols ? out->ncols : 1, sizeof(*out->types));
	int rc = 0;
	if (!out->param_types || !out->names || !out->types) {
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		rc = -1;
	}
	for (idx_t i = 0; rc == 0 && i < out->nparams; i++)
		out->param_types[i] = duckdb_param_type(prep, i + 1);
	for (idx_t c = 0; rc == 0 && c < out->ncols; c++) {
		const char *name = duckdb_prepared_statement_column_name(prep, c);
		out->names[c] = strdup(name ? name : "");
		duckdb_free((void *)name);
		duckdb_logical_type t = duckdb_prepared_statement_column_logical_type(prep, c);
		if (type_has_variant(t)) { /* handed out as JSON text */
			duckdb_destroy_logical_type(&t);
			t = duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR);
		}
		out->types[c] = t;
		if (!out->names[c]) {
			eng_set_error(err, ENG_INTERNAL, "out of memory");
			rc = -1;
		}
	}
	duckdb_destroy_prepare(&prep);
	if (rc < 0)
		engine_description_free(out);
	return rc;
}

void engine_description_free(struct eng_description *d)
{
	for (idx_t c = 0; c < d->ncols; c++) {
		if (d->names)
			free(d->names[c]);
		if (d->types && d->types[c])
			duckdb_destroy_logical_type(&d->types[c]);
	}
	free(d->names);
	free(d->types);
	free(d->param_types);
	memset(d, 0, sizeof(*d));
}

duckdb_result_type engine_query_result_type(struct eng_query *q)
{
	if (q->nothing)
		return DUCKDB_RESULT_TYPE_NOTHING;
	return q->has_result ? duckdb_result_return_type(q->result) : DUCKDB_RESULT_TYPE_INVALID;
}

idx_t engine_query_column_count(struct eng_query *q) { return q->ncols; }
const char *engine_query_column_name(struct eng_query *q, idx_t col) { return duckdb_column_name(&q->result, col); }
duckdb_logical_type engine_query_column_type(struct eng_query *q, idx_t col) { return q->types[col]; }
const char *engine_query_timezone(const struct eng_query *q) { return q->s->timezone; }

duckdb_data_chunk engine_query_fetch(struct eng_query *q, struct eng_error *err)
{
	if (!q->has_result)
		return NULL;
	if (eng_cancelled(q)) {
		eng_fail(err, "INTERRUPT Error: Interrupted!", q);
		eng_txn_statement_failed(q->s);
		return NULL;
	}
	duckdb_data_chunk chunk = duckdb_fetch_chunk(q->result);
	if (!chunk) {
		const char *msg = duckdb_result_error(&q->result);
		if ((msg && *msg) || eng_cancelled(q)) {
			eng_fail(err, msg, q);
			eng_txn_statement_failed(q->s);
		} else {
			err->message[0] = '\0';
		}
	}
	return chunk;
}

void engine_query_add_rows(struct eng_query *q, uint64_t rows) { qlog_add_rows(q->s->e->log, q->log, rows); }

void engine_query_interrupt(struct eng_query *q) { qlog_interrupt_entry(q->s->e->log, q->log); }

void engine_query_end(struct eng_query *q, const char *error)
{
	struct engine *e = q->s->e;
	report_reads(q);
	/* The log forgets the connection before anything else can close it. */
	bool cancelled = qlog_finish(e->log, q->log, error, 0);
	metrics_query_done(q->door, !error ? METRICS_SUCCESS : cancelled ? METRICS_CANCELLED : METRICS_ERROR,
	                   clock_mono_us() - q->start_us);
	if (q->has_result)
		duckdb_destroy_result(&q->result);
	for (idx_t c = 0; q->types && c < q->ncols; c++)
		duckdb_destroy_logical_type(&q->types[c]);
	free(q->types);
	free(q->substituted);
	eng_lake_release(q->s, false);
	worker_slot_release(q->s->w);
	atomic_fetch_sub(&e->active, 1);
	free(q);
}

int engine_cancel(struct engine *e, const char *query_id, const char *session_id, const char *user,
                  bool *was_cancelled, char *message, size_t message_len)
{
	struct sess_entry *probe;
	*was_cancelled = false;
	/* The session must exist for this user; a zero timeout never waits on a busy one. */
	int rc = sess_registry_acquire(e->sessions, session_id, user, 0, &probe);
	if (rc == SESS_NOT_FOUND) {
		snprintf(message, message_len, "session %s not found", session_id);
		return ENG_NOT_FOUND;
	}
	if (rc == SESS_OK)
		sess_registry_release(e->sessions, probe);
	bool running = false;
	if (qlog_interrupt(e->log, query_id, session_id, user, &running) < 0)
		snprintf(message, message_len, "query %s is not known in session %s", query_id, session_id);
	else if (!running)
		snprintf(message, message_len, "query %s is not running", query_id);
	else
		snprintf(message, message_len, "query %s cancelled", query_id);
	*was_cancelled = running;
	return ENG_OK;
}

int engine_query_log_json(struct engine *e, const char *query_id, const char *user, struct buf *out)
{
	return qlog_json(e->log, query_id, user, out) < 0 ? ENG_NOT_FOUND : ENG_OK;
}

static void validate_text(struct eng_session *s, const char *sql, bool *valid, struct eng_error *err)
{
	duckdb_extracted_statements stmts = NULL;
	idx_t n = duckdb_extract_statements(s->conn, sql, &stmts);
	if (n == 0) {
		const char *msg = duckdb_extract_statements_error(stmts);
		eng_fail(err, msg ? msg : "Parser Error: no statement to execute", NULL);
		*valid = false;
	}
	for (idx_t i = 0; i < n && *valid; i++) {
		duckdb_prepared_statement prep = NULL;
		if (duckdb_prepare_extracted_statement(s->conn, stmts, i, &prep) == DuckDBError) {
			eng_fail(err, duckdb_prepare_error(prep), NULL);
			*valid = false;
		}
		duckdb_destroy_prepare(&prep);
	}
	duckdb_destroy_extracted(&stmts);
}

int engine_validate(struct eng_session *s, const char *sql, bool *valid, struct eng_error *err)
{
	*valid = true;
	size_t len = strlen(sql), n = sql_split(sql, len, NULL, 0);
	if (n == 0 || s->e->ncatalogs == 0) {
		validate_text(s, sql, valid, err);
		return 0;
	}
	struct sql_span *spans = calloc(n, sizeof(*spans));
	if (!spans) {
		eng_set_error(err, ENG_INTERNAL, "out of memory");
		return -1;
	}
	sql_split(sql, len, spans, n);
	/* Statements that write managed tables are checked by the router, the others by DuckDB. */
	eng_lake_bind_begin(s);
	for (size_t i = 0; i < n && *valid; i++) {
		char *rewritten = NULL;
		int rc = eng_lake_validate(s, sql + spans[i].start, spans[i].len, &rewritten, err);
		if (rc < 0) {
			*valid = false;
		} else if (rc == 1) {
			char *text = rewritten ? rewritten : strndup(sql + spans[i].start, spans[i].len);
			if (!text) {
				eng_fail(err, "Out of Memory Error: cannot validate", NULL);
				*valid = false;
			} else {
				validate_text(s, text, valid, err);
			}
			free(text);
		}
		eng_lake_statement_done(s);
	}
	eng_lake_bind_end();
	eng_lake_release(s, false);
	free(spans);
	return 0;
}

static char *dup_value(duckdb_result *r, idx_t col, idx_t row)
{
	if (col >= duckdb_column_count(r) || duckdb_value_is_null(r, col, row))
		return NULL;
	char *v = duckdb_value_varchar(r, col, row);
	char *out = v ? strdup(v) : NULL;
	duckdb_free(v);
	return out;
}

int engine_autocomplete(struct eng_session *s, const char *sql, int max, struct eng_suggestion **out, size_t *n,
                        struct eng_error *err)
{
	duckdb_prepared_statement prep = NULL;
	duckdb_result r;
	*out = NULL;
	*n = 0;
	if (duckdb_prepare(s->conn, "SELECT * FROM sql_auto_complete(?) LIMIT ?", &prep) == DuckDBError) {
		eng_set_error(err, ENG_INTERNAL, duckdb_prepare_error(prep));
		duckdb_destroy_prepare(&prep);
		return -1;
	}
	duckdb_bind_varchar(prep, 1, sql);
	duckdb_bind_int64(prep, 2, max);
	if (duckdb_execute_prepared(prep, &r) == DuckDBError) {
		eng_set_error(err, ENG_INVALID, duckdb_result_error(&r));
		duckdb_destroy_result(&r);
		duckdb_destroy_prepare(&prep);
		return -1;
	}
	duckdb_destroy_prepare(&prep);
	idx_t rows = duckdb_row_count(&r);
	idx_t cols = duckdb_column_count(&r);
	int col_text = -1, col_start = -1, col_type = -1, col_score = -1, col_extra = -1;
	for (idx_t c = 0; c < cols; c++) {
		const char *name = duckdb_column_name(&r, c);
		if (!strcmp(name, "suggestion")) col_text = (int)c;
		else if (!strcmp(name, "suggestion_start")) col_start = (int)c;
		else if (!strcmp(name, "suggestion_type")) col_type = (int)c;
		else if (!strcmp(name, "suggestion_score")) col_score = (int)c;
		else if (!strcmp(name, "extra_char")) col_extra = (int)c;
	}
	struct eng_suggestion *sugg = calloc(rows ? rows : 1, sizeof(*sugg));
	if (!sugg || col_text < 0) {
		free(sugg);
		duckdb_destroy_result(&r);
		eng_set_error(err, ENG_INTERNAL, sugg ? "autocomplete returned no suggestion column" : "out of memory");
		return -1;
	}
	for (idx_t i = 0; i < rows; i++) {
		sugg[i].text = dup_value(&r, (idx_t)col_text, i);
		sugg[i].start = col_start >= 0 ? duckdb_value_int64(&r, (idx_t)col_start, i) : 0;
		sugg[i].type = col_type >= 0 ? dup_value(&r, (idx_t)col_type, i) : NULL;
		sugg[i].score = col_score >= 0 ? duckdb_value_double(&r, (idx_t)col_score, i) : 0;
		sugg[i].extra_char = col_extra >= 0 ? dup_value(&r, (idx_t)col_extra, i) : NULL;
	}
	duckdb_destroy_result(&r);
	*out = sugg;
	*n = rows;
	return 0;
}

void engine_suggestions_free(struct eng_suggestion *sugg, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(sugg[i].text);
		free(sugg[i].type);
		free(sugg[i].extra_char);
	}
	free(sugg);
}
