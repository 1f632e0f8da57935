/* Configuration layers: defaults < config file < environment < flags. Values are validated when
 * read; a bad value stops the start with a message naming the option and where it came from. */
#include "server/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "server/budget.h"
#include "util/log.h"

const char *const compute_size_names[COMPUTE_SIZES] = {"XS", "S", "M", "L", "XL"};

int compute_size_parse(const char *s)
{
	for (int i = 0; i < COMPUTE_SIZES; i++)
		if (strcasecmp(s, compute_size_names[i]) == 0)
			return i;
	return -1;
}

enum opt_kind { OPT_STR, OPT_PORT, OPT_INT, OPT_BYTES, OPT_USERS, OPT_LEVEL, OPT_SIZE };

struct opt {
	const char *name;
	enum opt_kind kind;
	size_t offset;
	const char *help;
};

#define OFF(field) offsetof(struct config, field)
#define WORKER_OPTS(i, lower)                                                                       \
	{"worker-memory-" lower, OPT_BYTES, OFF(workers[i].memory_bytes), "memory limit of the " lower " worker"}, \
	{"worker-threads-" lower, OPT_INT, OFF(workers[i].threads), "threads of the " lower " worker"},            \
	{"worker-slots-" lower, OPT_INT, OFF(workers[i].slots), "queries the " lower " worker runs at once"},        \
	{"worker-spill-" lower, OPT_BYTES, OFF(workers[i].spill_bytes), "spill space of the " lower " worker on disk"}

static const struct opt opts[] = {
	{"bind", OPT_STR, OFF(bind), "address to listen on (default 127.0.0.1)"},
	{"lakehouse-port", OPT_PORT, OFF(lakehouse_port), "Lakehouse REST API port (default 15000)"},
	{"analytics-port", OPT_PORT, OFF(analytics_port), "product analytics REST port (default 15001)"},
	{"flight-port", OPT_PORT, OFF(flight_port), "Arrow Flight SQL port (default 15002)"},
	{"pg-port", OPT_PORT, OFF(pg_port), "PostgreSQL wire port (default 15432; 0: off)"},
	{"data", OPT_STR, OFF(data_dir), "data directory (default ./data)"},
	{"metadata", OPT_STR, OFF(metadata), "metadata store: SQLite file or postgres://… URL (default DATA/metadata.sqlite)"},
	{"admins", OPT_STR, OFF(admins), "users allowed the admin API, comma-separated (default: every user)"},
	{"user", OPT_USERS, OFF(users), "name:password, repeatable (also LAKEHOUSE_USERS=a:b,c:d)"},
	{"users", OPT_USERS, OFF(users), "name:password[,name:password...]"},
	{"log-level", OPT_LEVEL, OFF(log_level), "debug, info, warn or error (default info)"},
	{"statement-max", OPT_BYTES, OFF(statement_max), "largest SQL text accepted (default 1MiB)"},
	{"body-max", OPT_BYTES, OFF(body_max), "largest JSON request body (default 2MiB)"},
	{"max-connections", OPT_INT, OFF(max_connections), "HTTP connections at once (default 256)"},
	{"idle-timeout-seconds", OPT_INT, OFF(idle_timeout_seconds), "close HTTP connections idle this long (default 300)"},
	{"header-timeout-seconds", OPT_INT, OFF(header_timeout_seconds),
	 "an HTTP connection without valid credentials must send a whole request header within this (default 10)"},
	{"max-unauthenticated-per-ip", OPT_INT, OFF(max_unauthenticated_per_ip),
	 "HTTP connections one client address may hold before sending valid credentials (default 32)"},
	{"maintenance-interval-seconds", OPT_INT, OFF(maintenance_interval_seconds),
	 "compact small files, expire snapshots and delete unreferenced objects this often (default 60; 0: only by hand)"},
	{"snapshot-retention-seconds", OPT_INT, OFF(snapshot_retention_seconds),
	 "keep snapshots this long for time travel (default 604800, a week)"},
	{"gc-grace-seconds", OPT_INT, OFF(gc_grace_seconds),
	 "delete objects no snapshot needs only after this long (default 600)"},
	{"cache-dir", OPT_STR, OFF(cache_dir), "SSD cache of bucket objects (default DATA/cache)"},
	{"cache-size", OPT_BYTES, OFF(cache_size), "size bound of the SSD cache (default 10GiB)"},
	{"secret-key", OPT_STR, OFF(secret_key),
	 "key sealing bucket secrets at rest: 64 hex digits or base64 of 32 bytes (prefer LAKEHOUSE_SECRET_KEY)"},
	{"secret-key-file", OPT_STR, OFF(secret_key_file), "file holding that key, made on first start (default DATA/secret.key)"},
	{"s3-attempts", OPT_INT, OFF(s3_attempts), "tries per S3 request, retries included (default 6)"},
	{"s3-connect-timeout-ms", OPT_INT, OFF(s3_connect_timeout_ms), "S3 connection timeout (default 10000)"},
	{"s3-stall-timeout-ms", OPT_INT, OFF(s3_stall_timeout_ms),
	 "an S3 transfer moving no byte this long is retried (default 30000)"},
	{"s3-backoff-ms", OPT_INT, OFF(s3_backoff_ms), "first S3 retry delay, doubling with jitter (default 100)"},
	{"s3-multipart-threshold", OPT_BYTES, OFF(s3_multipart_threshold), "S3 uploads from this size go in parts (default 64MiB)"},
	{"s3-part-size", OPT_BYTES, OFF(s3_part_size), "size of one S3 upload part, at least 5MiB (default 16MiB)"},
	{"pg-tls", OPT_STR, OFF(pg_tls), "PostgreSQL port TLS: require, prefer or off (default prefer)"},
	{"pg-tls-cert", OPT_STR, OFF(pg_tls_cert), "PEM certificate for the PostgreSQL port (default: self-signed, made in DATA)"},
	{"pg-tls-key", OPT_STR, OFF(pg_tls_key), "PEM private key of that certificate"},
	{"pg-auth", OPT_STR, OFF(pg_auth),
	 "PostgreSQL authentication: scram, password (cleartext over TLS only) or password-insecure (default scram)"},
	{"pg-max-connections", OPT_INT, OFF(pg_max_connections), "PostgreSQL connections at once (default 100)"},
	{"pg-threads", OPT_INT, OFF(pg_threads), "threads running PostgreSQL requests (default 32)"},
	{"pg-idle-timeout-seconds", OPT_INT, OFF(pg_idle_timeout_seconds),
	 "close PostgreSQL connections idle this long (default 0: never)"},
	{"pg-write-timeout-seconds", OPT_INT, OFF(pg_write_timeout_seconds),
	 "close PostgreSQL connections whose client reads nothing of an answer this long (default 60)"},
	{"pg-statement-timeout-ms", OPT_INT, OFF(pg_statement_timeout_ms),
	 "default statement_timeout of PostgreSQL sessions (default 0: none)"},
	{"pg-max-message", OPT_BYTES, OFF(pg_max_message), "largest PostgreSQL message accepted (default 64MiB)"},
	{"session-idle-seconds", OPT_INT, OFF(session_idle_seconds), "idle HTTP sessions close after (default 14400)"},
	{"max-sessions", OPT_INT, OFF(max_sessions), "open sessions at once (default 1024)"},
	{"queue-max", OPT_INT, OFF(queue_max), "queries waiting per worker before 503 (default 256)"},
	{"queue-timeout-ms", OPT_INT, OFF(queue_timeout_ms), "longest wait for a query slot (default 30000)"},
	{"shutdown-grace-seconds", OPT_INT, OFF(shutdown_grace_seconds), "running queries may finish for (default 10)"},
	{"query-log-size", OPT_INT, OFF(query_log_size), "queries remembered for GET /query/{id} (default 10000)"},
	{"memory-budget", OPT_BYTES, OFF(memory_budget),
	 "memory the whole server may use, shared by the workers (default: the machine's memory or its cgroup limit)"},
	{"compute-size", OPT_SIZE, OFF(default_compute_size), "default compute size XS|S|M|L|XL (default M)"},
	WORKER_OPTS(0, "xs"),
	WORKER_OPTS(1, "s"),
	WORKER_OPTS(2, "m"),
	WORKER_OPTS(3, "l"),
	WORKER_OPTS(4, "xl"),
};

static void set_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->bind = strdup("127.0.0.1");
	cfg->lakehouse_port = 15000;
	cfg->analytics_port = 15001;
	cfg->flight_port = 15002;
	cfg->pg_port = 15432;
	cfg->data_dir = strdup("./data");
	cfg->log_level = LOG_INFO;
	cfg->statement_max = 1 << 20;
	cfg->body_max = 2 << 20;
	cfg->max_connections = 256;
	cfg->idle_timeout_seconds = 300;
	cfg->header_timeout_seconds = 10;
	cfg->max_unauthenticated_per_ip = 32;
	cfg->maintenance_interval_seconds = 60;
	cfg->snapshot_retention_seconds = 604800;
	cfg->gc_grace_seconds = 600;
	cfg->cache_size = 10LL << 30;
	cfg->pg_tls = strdup("prefer");
	cfg->pg_auth = strdup("scram");
	cfg->pg_max_connections = 100;
	cfg->pg_threads = 32;
	cfg->pg_write_timeout_seconds = 60;
	cfg->pg_max_message = 64LL << 20;
	cfg->s3_attempts = 6;
	cfg->s3_connect_timeout_ms = 10000;
	cfg->s3_stall_timeout_ms = 30000;
	cfg->s3_backoff_ms = 100;
	cfg->s3_multipart_threshold = 64LL << 20;
	cfg->s3_part_size = 16LL << 20;
	cfg->session_idle_seconds = 4 * 3600;
	cfg->max_sessions = 1024;
	cfg->queue_max = 256;
	cfg->queue_timeout_ms = 30000;
	cfg->shutdown_grace_seconds = 10;
	cfg->query_log_size = 10000;
	cfg->default_compute_size = 2;
	static const int threads[COMPUTE_SIZES] = {1, 2, 4, 8, 16}, slots[COMPUTE_SIZES] = {2, 4, 8, 16, 32};
	for (int i = 0; i < COMPUTE_SIZES; i++)
		cfg->workers[i] = (struct config_worker){.memory_bytes = -1, .threads = threads[i], .slots = slots[i],
		                                         .spill_bytes = -1};
	cfg->memory_budget = -1;
	/* More DuckDB threads than processors only adds scheduling work to every query, so the
	 * default thread counts stop at the machine's processor count (explicit values are kept). */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	for (int i = 0; i < COMPUTE_SIZES; i++)
		if (ncpu > 0 && cfg->workers[i].threads > ncpu)
			cfg->workers[i].threads = (int)ncpu;
}

static void free_users(struct config *cfg)
{
	for (size_t i = 0; i < cfg->n_users; i++) {
		free(cfg->users[i].name);
		free(cfg->users[i].password);
	}
	free(cfg->users);
	cfg->users = NULL;
	cfg->n_users = 0;
}

void config_free(struct config *cfg)
{
	free(cfg->bind);
	free(cfg->data_dir);
	free(cfg->metadata);
	free(cfg->admins);
	free(cfg->cache_dir);
	free(cfg->pg_tls);
	free(cfg->pg_tls_cert);
	free(cfg->pg_tls_key);
	free(cfg->pg_auth);
	if (cfg->secret_key)
		memset(cfg->secret_key, 0, strlen(cfg->secret_key));
	free(cfg->secret_key);
	free(cfg->secret_key_file);
	free_users(cfg);
	memset(cfg, 0, sizeof(*cfg));
}

static int parse_bytes(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	while (*end == ' ')
		end++;
	double mult = 1;
	if (!*end || !strcasecmp(end, "b")) mult = 1;
	else if (!strcasecmp(end, "k") || !strcasecmp(end, "kb") || !strcasecmp(end, "kib")) mult = 1024.0;
	else if (!strcasecmp(end, "m") || !strcasecmp(end, "mb") || !strcasecmp(end, "mib")) mult = 1024.0 * 1024;
	else if (!strcasecmp(end, "g") || !strcasecmp(end, "gb") || !strcasecmp(end, "gib")) mult = 1024.0 * 1024 * 1024;
	else if (!strcasecmp(end, "t") || !strcasecmp(end, "tb") || !strcasecmp(end, "tib")) mult = 1024.0 * 1024 * 1024 * 1024;
	else return -1;
	v *= mult;
	if (v > 9.0e18)
		return -1;
	*out = (int64_t)v;
	return 0;
}

/* A list of name:password pairs separated by commas; replaces earlier users of a lower layer.
 * `append` keeps users given earlier in the same layer (repeated --user flags). */
static int parse_users(struct config *cfg, const char *s, bool append)
{
	if (!append)
		free_users(cfg);
	const char *p = s;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		const char *colon = memchr(p, ':', len);
		if (!colon || colon == p)
			return -1;
		struct config_user *u = realloc(cfg->users, (cfg->n_users + 1) * sizeof(*u));
		if (!u)
			return -1;
		cfg->users = u;
		u[cfg->n_users].name = strndup(p, (size_t)(colon - p));
		u[cfg->n_users].password = strndup(colon + 1, len - (size_t)(colon - p) - 1);
		cfg->n_users++;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int set_opt(struct config *cfg, const struct opt *o, const char *val, bool same_layer_repeat)
{
	char *field = (char *)cfg + o->offset;
	char *end;
	long v;
	switch (o->kind) {
	case OPT_STR:
		free(*(char **)field);
		*(char **)field = strdup(val);
		return 0;
	case OPT_PORT:
	case OPT_INT:
		errno = 0;
		v = strtol(val, &end, 10);
		if (errno || *end || end == val || v < 0 || v > (o->kind == OPT_PORT ? 65535 : 1000000000))
			return -1;
		*(int *)field = (int)v;
		return 0;
	case OPT_BYTES:
		return parse_bytes(val, (int64_t *)field);
	case OPT_USERS:
		return parse_users(cfg, val, same_layer_repeat);
	case OPT_LEVEL:
		v = log_level_parse(val);
		if (v < 0)
			return -1;
		*(int *)field = (int)v;
		return 0;
	case OPT_SIZE:
		v = compute_size_parse(val);
		if (v < 0)
			return -1;
		*(int *)field = (int)v;
		return 0;
	}
	return -1;
}

static const struct opt *find_opt(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		const char *n = opts[i].name;
		if (strlen(n) != len)
			continue;
		size_t k = 0;
		/* file and environment spellings use '_' where flags use '-' */
		while (k < len && (tolower((unsigned char)name[k]) == n[k] || (name[k] == '_' && n[k] == '-')))
			k++;
		if (k == len)
			return &opts[i];
	}
	return NULL;
}

static int load_file(struct config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot open config file %s: %s", path, strerror(errno));
		return -1;
	}
	char line[4096];
	int lineno = 0;
	bool seen_users = false;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *p = line;
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		char *eq = strchr(p, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected name = value", path, lineno);
			goto fail;
		}
		char *name_end = eq;
		while (name_end > p && isspace((unsigned char)name_end[-1]))
			name_end--;
		char *val = eq + 1;
		while (isspace((unsigned char)*val))
			val++;
		size_t vlen = strlen(val);
		while (vlen && isspace((unsigned char)val[vlen - 1]))
			val[--vlen] = '\0';
		if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') && val[vlen - 1] == val[0]) {
			val[vlen - 1] = '\0';
			val++;
		}
		const struct opt *o = find_opt(p, (size_t)(name_end - p));
		if (!o) {
			snprintf(err, errlen, "%s:%d: unknown option %.*s", path, lineno, (int)(name_end - p), p);
			goto fail;
		}
		bool repeat = o->kind == OPT_USERS && seen_users;
		if (set_opt(cfg, o, val, repeat) < 0) {
			snprintf(err, errlen, "%s:%d: invalid value for %s", path, lineno, o->name);
			goto fail;
		}
		if (o->kind == OPT_USERS)
			seen_users = true;
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	return -1;
}

/* Environment: LAKEHOUSE_<NAME>, plus the mock server's variables for drop-in compatibility. */
static int load_env(struct config *cfg, char *err, size_t errlen)
{
	static const struct {
		const char *var;
		const char *opt;
	} aliases[] = {
		{"ALTERTABLE_MOCK_USERS", "users"},
		{"ALTERTABLE_MOCK_LAKEHOUSE_PORT", "lakehouse-port"},
		{"ALTERTABLE_MOCK_ANALYTICS_PORT", "analytics-port"},
		{"ALTERTABLE_MOCK_FLIGHT_PORT", "flight-port"},
	};
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		const char *v = getenv(aliases[i].var);
		if (v && *v && set_opt(cfg, find_opt(aliases[i].opt, strlen(aliases[i].opt)), v, false) < 0) {
			snprintf(err, errlen, "invalid value in %s", aliases[i].var);
			return -1;
		}
	}
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		char var[64] = "LAKEHOUSE_";
		size_t n = strlen(var);
		for (const char *c = opts[i].name; *c && n < sizeof(var) - 1; c++)
			var[n++] = *c == '-' ? '_' : (char)toupper((unsigned char)*c);
		var[n] = '\0';
		const char *v = getenv(var);
		if (v && *v && set_opt(cfg, &opts[i], v, false) < 0) {
			snprintf(err, errlen, "invalid value in %s", var);
			return -1;
		}
	}
	return 0;
}

void config_print_help(const char *prog)
{
	printf("Usage: %s serve [options]\n\nStarts the lakehouse server.\n\nOptions (also LAKEHOUSE_<NAME> "
	       "variables and `name = value` lines in --config FILE; flags win):\n",
	       prog);
	printf("  --%-24s %s\n", "config FILE", "read options from FILE (also LAKEHOUSE_CONFIG)");
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		printf("  --%-24s %s\n", opts[i].name, opts[i].help);
	printf("  --%-24s %s\n", "help", "show this help");
	printf("\nWorker defaults: XS 1 thread, S 2, M 4, L 8, XL 16, stopping at the number of processors unless set\n"
	       "explicitly. Memory: the budget less a fifth kept for the server, shared by all five sizes in\n"
	       "proportions 1:2:8:16:32; spill space: half the free disk, in the same proportions.\n");
}

bool config_user_is_admin(const struct config *cfg, const char *user)
{
	if (!cfg->admins)
		return true;
	size_t n = strlen(user);
	for (const char *p = cfg->admins; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == n && strncmp(p, user, n) == 0)
			return true;
		p += len;
		if (*p == ',')
			p++;
	}
	return false;
}

/* The budget is the machine's memory or the cgroup's limit, whichever is smaller, unless the
 * operator names one; the workers' defaults are shares of it. */
static int derive_memory(struct config *cfg, char *err, size_t errlen)
{
	struct budget_machine m;
	budget_probe(cfg->data_dir, &m);
	cfg->machine_ram = m.ram;
	cfg->machine_cgroup = m.cgroup;
	cfg->memory_budget_explicit = cfg->memory_budget >= 0;
	if (!cfg->memory_budget_explicit) {
		cfg->memory_budget = m.ram;
		if (m.cgroup > 0 && (m.ram <= 0 || m.cgroup < m.ram))
			cfg->memory_budget = m.cgroup;
		if (cfg->memory_budget <= 0) {
			snprintf(err, errlen, "cannot tell how much memory this machine has: set memory-budget");
			return -1;
		}
	}
	return budget_split(cfg->memory_budget, m.disk_free, cfg->workers, err, errlen);
}

int config_load(struct config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	set_defaults(cfg);
	const char *file = getenv("LAKEHOUSE_CONFIG");
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return 1;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			file = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			file = argv[i] + 9;
	}
	if (file && *file && load_file(cfg, file, err, errlen) < 0)
		return -1;
	if (load_env(cfg, err, errlen) < 0)
		return -1;
	bool flag_users = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0) {
			snprintf(err, errlen, "unexpected argument: %s", a);
			return -1;
		}
		const char *name = a + 2;
		const char *eq = strchr(name, '=');
		size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
		const char *val;
		if (nlen == 6 && !strncmp(name, "config", 6)) {
			i += eq ? 0 : 1;
			continue;
		}
		const struct opt *o = find_opt(name, nlen);
		if (!o) {
			snprintf(err, errlen, "unknown option: --%.*s (see --help)", (int)nlen, name);
			return -1;
		}
		if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			snprintf(err, errlen, "--%s needs a value", o->name);
			return -1;
		}
		if (set_opt(cfg, o, val, o->kind == OPT_USERS && flag_users) < 0) {
			snprintf(err, errlen, "invalid value for --%s", o->name);
			return -1;
		}
		if (o->kind == OPT_USERS)
			flag_users = true;
	}
	for (int i = 0; i < COMPUTE_SIZES; i++) {
		struct config_worker *w = &cfg->workers[i];
		w->memory_explicit = w->memory_bytes >= 0;
		w->spill_explicit = w->spill_bytes >= 0;
		if (w->threads < 1 || w->slots < 1 || (w->memory_explicit && w->memory_bytes < BUDGET_WORKER_MIN)) {
			snprintf(err, errlen, "worker %s needs at least 1 thread, 1 slot and 64MiB", compute_size_names[i]);
			return -1;
		}
	}
	if (derive_memory(cfg, err, errlen) < 0)
		return -1;
	if (strcmp(cfg->pg_tls, "require") && strcmp(cfg->pg_tls, "prefer") && strcmp(cfg->pg_tls, "off")) {
		snprintf(err, errlen, "pg-tls must be require, prefer or off");
		return -1;
	}
	if (strcmp(cfg->pg_auth, "scram") && strcmp(cfg->pg_auth, "password") && strcmp(cfg->pg_auth, "password-insecure")) {
		snprintf(err, errlen, "pg-auth must be scram, password or password-insecure");
		return -1;
	}
	if (!cfg->pg_tls_cert != !cfg->pg_tls_key) {
		snprintf(err, errlen, "pg-tls-cert and pg-tls-key go together");
		return -1;
	}
	if (cfg->pg_max_connections < 1 || cfg->pg_threads < 1 || cfg->pg_write_timeout_seconds < 1 ||
	    cfg->pg_max_message < 1024) {
		snprintf(err, errlen, "pg-max-connections, pg-threads and pg-write-timeout-seconds must be at least 1, "
		                      "pg-max-message at least 1KiB");
		return -1;
	}
	if (!cfg->metadata) {
		size_t n = strlen(cfg->data_dir) + sizeof("/metadata.sqlite");
		if (!(cfg->metadata = malloc(n))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		snprintf(cfg->metadata, n, "%s/metadata.sqlite", cfg->data_dir);
	}
	if (cfg->max_sessions < 1 || cfg->max_connections < 1 || cfg->query_log_size < 1 ||
	    cfg->header_timeout_seconds < 1 || cfg->max_unauthenticated_per_ip < 1) {
		snprintf(err, errlen, "max-sessions, max-connections, query-log-size, header-timeout-seconds and "
		                      "max-unauthenticated-per-ip must be at least 1");
		return -1;
	}
	return 0;
}
