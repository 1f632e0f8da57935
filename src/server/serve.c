/* Server lifecycle. Signals are blocked in every thread and taken synchronously by sigwait in the
 * main thread, so shutdown runs as ordinary code: stop accepting, let queries finish within the
 * grace period, interrupt the rest, free everything. */
#include "server/serve.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "http/http_server.h"
#include "http/lakehouse_api.h"
#include "lake/metadata.h"
#include "pg/pg_server.h"
#include "server/budget.h"
#include "server/config.h"
#include "util/log.h"

static bool is_loopback(const char *addr)
{
	return !strncmp(addr, "127.", 4) || !strcmp(addr, "::1") || !strcmp(addr, "localhost");
}

/* Without configured users a loopback-only server gets one well-known user, so the first run
 * works out of the box; anything reachable from elsewhere must name its users. */
static int ensure_users(struct config *cfg)
{
	if (cfg->n_users)
		return 0;
	if (!is_loopback(cfg->bind)) {
		fprintf(stderr, "lakehouse: refusing to listen on %s without users: pass --user name:password "
		                "or set LAKEHOUSE_USERS\n", cfg->bind);
		return -1;
	}
	cfg->users = calloc(1, sizeof(*cfg->users));
	if (!cfg->users)
		return -1;
	cfg->users[0].name = strdup("lakehouse");
	cfg->users[0].password = strdup("lakehouse");
	cfg->n_users = 1;
	log_warn("no users configured: accepting lakehouse:lakehouse on loopback only", "%s", "");
	return 0;
}

static long long mib(int64_t bytes)
{
	return (long long)(bytes >> 20);
}

/* The effective limits, so an operator sees what each compute size got and from what. */
static void log_memory(const struct config *cfg)
{
	const char *from = cfg->memory_budget_explicit ? "memory-budget"
	                   : cfg->machine_cgroup > 0 && cfg->memory_budget == cfg->machine_cgroup ? "cgroup"
	                                                                                       : "ram";
	log_info("memory budget", "budget_mib=%lld from=%s ram_mib=%lld cgroup_mib=%lld reserved_mib=%lld",
	         mib(cfg->memory_budget), from, mib(cfg->machine_ram), mib(cfg->machine_cgroup),
	         mib(budget_reserve(cfg->memory_budget)));
	int64_t machine = cfg->machine_cgroup > 0 && cfg->machine_cgroup < cfg->machine_ram ? cfg->machine_cgroup
	                                                                                  : cfg->machine_ram;
	if (cfg->memory_budget_explicit && machine > 0 && cfg->memory_budget > machine)
		log_warn("memory-budget is more than this machine has: a query load that uses it may get the server "
		         "killed",
		         "budget_mib=%lld machine_mib=%lld", mib(cfg->memory_budget), mib(machine));
	for (int i = 0; i < COMPUTE_SIZES; i++) {
		const struct config_worker *w = &cfg->workers[i];
		log_info("compute size",
		         "size=%s memory_limit_mib=%lld memory=%s threads=%d slots=%d allocator_flush_mib=%lld "
		         "footprint_mib=%lld spill_mib=%lld spill=%s",
		         compute_size_names[i], mib(w->memory_bytes), w->memory_explicit ? "explicit" : "derived", w->threads,
		         w->slots, mib(w->flush_bytes), mib(budget_footprint(w)), mib(w->spill_bytes),
		         w->spill_explicit ? "explicit" : "derived");
	}
}

int serve_main(const char *prog, int argc, char **argv)
{
	struct config cfg;
	char err[512] = "";
	int rc = config_load(&cfg, argc, argv, err, sizeof(err));
	if (rc == 1) {
		config_print_help(prog);
		config_free(&cfg);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "lakehouse serve: %s\n", err);
		config_free(&cfg);
		return 2;
	}
	log_set_level((enum log_level)cfg.log_level);
	log_memory(&cfg);
	if (ensure_users(&cfg) < 0) {
		config_free(&cfg);
		return 2;
	}
	if (mkdir(cfg.data_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "lakehouse serve: cannot create data directory %s: %s\n", cfg.data_dir, strerror(errno));
		config_free(&cfg);
		return 1;
	}
	/* One server per data folder: its workers' scratch space is cleared at start as leftovers of
	 * a dead process, which must not be another live server's. The lock goes with the process. */
	char lock_path[4200];
	snprintf(lock_path, sizeof(lock_path), "%s/lock", cfg.data_dir);
	int lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "lakehouse serve: data directory %s is in use by another server (%s)\n", cfg.data_dir,
		        strerror(errno));
		if (lock_fd >= 0)
			close(lock_fd);
		config_free(&cfg);
		return 1;
	}

	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct lake_meta *meta = lake_meta_open(cfg.metadata, err, sizeof(err));
	if (!meta) {
		fprintf(stderr, "lakehouse serve: metadata store: %s\n", err);
		config_free(&cfg);
		return 1;
	}
	log_info("metadata store open", "driver=%s schema_version=%d", lake_meta_driver(meta), lake_meta_schema_version(meta));
	/* Every catalog in the metadata store appears in the workers from the start. */
	struct eng_error eerr = {0};
	struct engine *engine = engine_open(&cfg, meta, &eerr);
	if (!engine) {
		fprintf(stderr, "lakehouse serve: %s\n", eerr.message);
		lake_meta_close(meta);
		config_free(&cfg);
		return 1;
	}
	struct lakehouse_api api = {engine, meta, &cfg};
	struct http_server *http = http_server_start(&cfg, cfg.lakehouse_port, lakehouse_routes, lakehouse_nroutes,
	                                             &api, err, sizeof(err));
	if (!http) {
		fprintf(stderr, "lakehouse serve: lakehouse port: %s\n", err);
		lake_meta_close(meta);
		engine_close(engine);
		config_free(&cfg);
		return 1;
	}
	struct pg_server *pg = NULL;
	if (cfg.pg_port > 0 && !(pg = pg_server_start(&cfg, engine, meta, err, sizeof(err)))) {
		fprintf(stderr, "lakehouse serve: PostgreSQL port: %s\n", err);
		http_server_stop(http);
		engine_close(engine);
		lake_meta_close(meta);
		config_free(&cfg);
		return 1;
	}
	const char *host_fmt = strchr(cfg.bind, ':') ? "[%s]:%d" : "%s:%d";
	char where[128], pg_where[128] = "off";
	snprintf(where, sizeof(where), host_fmt, cfg.bind, cfg.lakehouse_port);
	if (pg)
		snprintf(pg_where, sizeof(pg_where), host_fmt, cfg.bind, cfg.pg_port);
	printf("Starting Lakehouse HTTP server on %s\n", where);
	fflush(stdout);
	log_info("server started", "lakehouse=%s postgres=%s data=\"%s\" users=%zu", where, pg_where, cfg.data_dir,
	         cfg.n_users);

	int sig = 0;
	sigwait(&sigs, &sig);
	log_info("shutting down", "signal=%s grace_seconds=%d", sig == SIGINT ? "SIGINT" : "SIGTERM",
	         cfg.shutdown_grace_seconds);
	http_server_quiesce(http);
	pg_server_quiesce(pg);
	engine_drain(engine, cfg.shutdown_grace_seconds * 1000);
	http_server_stop(http);
	pg_server_stop(pg);
	engine_close(engine);
	lake_meta_close(meta);
	log_info("stopped", "%s", "");
	config_free(&cfg);
	return 0;
}
