/* Server configuration: defaults, then an optional config file, then environment variables, then
 * command-line flags (each layer overrides the one before). Every option has one name used in all
 * three places: flag `--name`, file line `name = value`, variable `LAKEHOUSE_NAME` (upper case,
 * dashes as underscores). */
#ifndef LAKEHOUSE_SERVER_CONFIG_H
#define LAKEHOUSE_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COMPUTE_SIZES 5

struct config_user {
	char *name;
	char *password;
};

struct config_worker {
	int64_t memory_bytes; /* DuckDB memory_limit; -1 until derived from the memory budget */
	int threads;          /* DuckDB threads */
	int slots;            /* queries running at once; more wait in the queue */
	int64_t spill_bytes;  /* DuckDB max_temp_directory_size; -1 until derived from free disk */
	int64_t flush_bytes;  /* DuckDB allocator_flush_threshold, derived (see server/budget.c) */
	bool memory_explicit, spill_explicit; /* given by the operator, not derived */
};

struct config {
	char *bind;
	int lakehouse_port;
	int analytics_port;
	int flight_port;
	int pg_port;
	char *data_dir;
	char *metadata;            /* metadata store: SQLite file path or postgres:// URL */
	char *admins;              /* comma-separated users allowed the admin API; NULL: every user */
	struct config_user *users;
	size_t n_users;
	int log_level;
	int64_t statement_max;     /* bytes of SQL in one request */
	int64_t body_max;          /* bytes of one JSON request body */
	int max_connections;       /* HTTP connections at once */
	int idle_timeout_seconds;  /* an HTTP connection with no traffic this long is closed */
	int header_timeout_seconds; /* an unauthenticated HTTP connection must send a request header within this */
	int max_unauthenticated_per_ip; /* HTTP connections one address may hold without credentials */
	int session_idle_seconds;  /* HTTP sessions close after this long unused */
	int max_sessions;          /* open sessions at once, all workers */
	int queue_max;             /* queries waiting for a slot, per worker */
	int queue_timeout_ms;      /* how long a query may wait for a slot */
	int shutdown_grace_seconds;
	int query_log_size;        /* query log entries kept for GET /query/{id} */
	int default_compute_size;  /* index into compute_size_names */
	int maintenance_interval_seconds; /* background compaction/expiry/cleanup period; 0: by hand only */
	int snapshot_retention_seconds;     /* snapshots younger than this stay readable (time travel) */
	int gc_grace_seconds;      /* unreferenced objects are deleted this long after they became so */
	char *cache_dir;           /* SSD cache; NULL: DATA/cache */
	int64_t cache_size;        /* its size bound in bytes */
	char *secret_key;          /* sealing key for bucket secrets, as text; NULL: from secret_key_file */
	char *secret_key_file;     /* NULL: DATA/secret.key */
	char *pg_tls;              /* require | prefer | off */
	char *pg_tls_cert, *pg_tls_key;
	char *pg_auth;             /* scram | password | password-insecure */
	int pg_max_connections;
	int pg_threads;
	int pg_idle_timeout_seconds;
	int pg_write_timeout_seconds;
	int pg_statement_timeout_ms;
	int64_t pg_max_message;
	int s3_attempts;
	int s3_connect_timeout_ms;
	int s3_stall_timeout_ms;
	int s3_backoff_ms;
	int64_t s3_multipart_threshold;
	int64_t s3_part_size;
	struct config_worker workers[COMPUTE_SIZES];
	int64_t memory_budget;     /* bytes all of the server may use; -1 until taken from the machine */
	bool memory_budget_explicit;
	int64_t machine_ram, machine_cgroup; /* what the machine said (0: unknown, no limit) */
};

extern const char *const compute_size_names[COMPUTE_SIZES];
/* Index of "XS".."XL" (any case), or -1. */
int compute_size_parse(const char *s);

/* Parses argv (after the command name) over the environment and the config file. On failure
 * returns -1 and puts a message in err. Returns 1 when --help was printed. */
int config_load(struct config *cfg, int argc, char **argv, char *err, size_t errlen);
/* True when user may call the admin API. */
bool config_user_is_admin(const struct config *cfg, const char *user);
void config_free(struct config *cfg);
void config_print_help(const char *prog);

#endif
