/* What the PostgreSQL front-end's files share: a connection's state, and the calls between the
 * event loop (pg_server.c), the protocol (pg_conn.c) and query execution (pg_query.c). Only
 * src/pg includes this. */
#ifndef LAKEHOUSE_PG_PG_CONN_H
#define LAKEHOUSE_PG_PG_CONN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/ssl.h>

#include "duckdb.h"
#include "engine/engine.h"
#include "pg/pg_scram.h"
#include "pg/pg_tls.h"
#include "pg/pg_types.h"
#include "server/config.h"
#include "util/buf.h"

enum pg_phase {
	PG_STARTUP,   /* waiting for SSLRequest, CancelRequest or the startup packet */
	PG_HANDSHAKE, /* TLS handshake, stepped by the pool thread that gets the socket ready */
	PG_AUTH,      /* password or SASL exchange */
	PG_READY,     /* queries */
	PG_COPY_IN,   /* COPY … FROM STDIN: CopyData until CopyDone or CopyFail */
	PG_CLOSING,   /* answer sent (or not); close when it is out */
};

/* Options of a COPY … TO STDOUT / FROM STDIN. */
struct pg_copy_opts {
	enum { PG_COPY_TEXT, PG_COPY_CSV, PG_COPY_BINARY } format;
	bool header;
	char delim;
	char null_text[32];
	char quote;
};

/* A prepared statement (Parse). */
struct pg_stmt {
	char *name;
	char *sql;
	int32_t *oids; /* parameter types the client declared (0: unspecified) */
	int noids;
	bool described;
	struct eng_description desc;
	bool sql_level; /* made by SQL PREPARE name(type, …), which declared ntypes types */
	char **types;
	int ntypes;
	struct pg_stmt *next;
};

/* A portal (Bind): a statement with its parameters, and once executed, its running query. */
struct pg_portal {
	char *name;
	char *sql;
	duckdb_value *params;
	size_t nparams;
	int16_t *formats; /* result column formats as sent: 0, 1 (all) or one per column */
	int nformats;
	int64_t bound_us; /* when Bind made it, until its first Execute (the statement may run at Describe) */
	bool describe_sent;
	/* execution, kept across Execute calls with a row limit */
	struct eng_query *q;
	struct pg_column *cols;
	idx_t ncols;
	duckdb_data_chunk chunk;
	idx_t chunk_row;
	uint64_t rows;
	bool started;  /* the statement ran (rows may still be coming) */
	bool done;
	char tag[64];  /* CommandComplete of a statement without rows, sent by Execute */
	struct pg_cursor *cursor; /* a cursor's portal (SQL DECLARE, pg_cursor.c) */
	struct pg_portal *next;
};

struct pg_server;
struct pg_cursor;

/* Why the loop closes an idle connection. */
enum { KILL_IDLE = 1, KILL_AUTH };

struct pg_conn {
	struct pg_server *srv;
	int fd;
	SSL *ssl;
	int32_t pid, secret; /* BackendKeyData */
	enum pg_phase phase;
	buf in;        /* bytes read, not yet handled (from in_off) */
	size_t in_off;
	buf out;       /* bytes to send */
	atomic_bool busy; /* a pool thread has it */
	atomic_bool gone; /* the client hung up */
	atomic_int kill;  /* KILL_*: the loop wants it closed (its reading side is shut) */
	atomic_bool retired; /* closed, its memory not yet freed */
	bool ssl_failed;     /* the TLS session broke: no close_notify */
	int64_t last_active_ms;
	int64_t auth_deadline_ms;
	int64_t close_at_ms; /* > 0: send out and close then (a failed login's delay) */

	/* authentication */
	char user[256];
	char database[256];
	char application_name[256];
	struct pg_scram scram;
	bool scram_started;
	bool user_known;

	/* session */
	struct eng_session *s;
	char txn;         /* 'I', 'T' or 'E' for ReadyForQuery */
	bool skip_to_sync; /* an extended-protocol error: ignore messages until Sync */
	bool extended;     /* running an Execute: RowDescription only comes from Describe */
	struct pg_stmt *stmts;
	struct pg_portal *portals;
	int statement_timeout_ms;
	struct pg_settings *settings; /* pg_settings.c */
	uint64_t cursor_bytes;        /* what its cursors keep (pg_cursor.c bounds it) */
	char last_tag[64];            /* the last CommandComplete and error sent, for pg_stmtlog.c */
	char last_sqlstate[6];
	buf startup_settings;         /* name\0value\0 pairs of the startup packet, applied at login */
	char *startup_options;        /* its options parameter */

	/* the running query, for CancelRequest and timeouts (under mu) */
	pthread_mutex_t mu;
	struct eng_query *running;
	int64_t deadline_ms;
	bool timed_out;

	/* COPY … FROM STDIN */
	FILE *copy_file;
	char copy_path[4200];
	char *copy_target; /* the INSERT … SELECT that loads the file */
	char *copy_read;   /* the read_csv(…) call over the file */
	uint64_t copy_bytes;
	struct pg_copy_opts copy_opts;

	struct pg_conn *next; /* the server's list */
};

/* pg_server.c */
const struct config *pg_server_config(const struct pg_server *s);
struct engine *pg_server_engine(const struct pg_server *s);
struct pg_tls *pg_server_tls(const struct pg_server *s);
/* Interrupts the query of the connection with this key (CancelRequest); false when none matches. */
bool pg_server_cancel(struct pg_server *s, int32_t pid, int32_t secret);
/* The salted password and salt of a configured user for SCRAM (a decoy for an unknown user). */
void pg_server_scram_secret(struct pg_server *s, const char *user, unsigned char salted[SCRAM_KEY_LEN],
                            unsigned char salt[16], bool *known);
/* The longest message c may send now: small before login, so that no one unauthenticated makes
 * the server hold much. */
size_t pg_message_max(const struct pg_conn *c);
/* Sends what is in c->out; -1 when the client is gone. Blocks while the socket is full, for at
 * most pg-write-timeout-seconds without the client reading anything (then it counts as gone). */
int pg_flush(struct pg_conn *c);
/* A statement of some connection must be interrupted at deadline_ms (the monotonic clock, in
 * ms): the loop wakes then, not at its next round. */
void pg_server_deadline(struct pg_server *s, int64_t deadline_ms);
/* The folder where the connection's COPY data is staged. */
const char *pg_server_spool_dir(const struct pg_server *s);

/* pg_conn.c */
/* Handles every complete message in c->in; returns false when the connection is to close. */
bool pg_conn_handle(struct pg_conn *c);
/* Frees the connection's protocol state (statements, portals, session). */
void pg_conn_release(struct pg_conn *c);
/* ErrorResponse with severity ERROR or FATAL. */
void pg_send_error(struct pg_conn *c, const char *severity, const char *sqlstate, const char *message,
                   const char *detail, const char *hint, int position);
/* An engine error as an ErrorResponse: DuckDB's message split into message, detail and position. */
void pg_send_engine_error(struct pg_conn *c, const struct eng_error *err, const char *sql);
void pg_send_ready(struct pg_conn *c);

/* Statements and portals of the connection by name (a slot, *slot NULL when none), and freeing
 * one taken out of its list. */
struct pg_stmt **pg_find_stmt(struct pg_conn *c, const char *name);
struct pg_portal **pg_find_portal(struct pg_conn *c, const char *name);
void pg_stmt_free(struct pg_stmt *st);
void pg_portal_free(struct pg_conn *c, struct pg_portal *p);

/* pg_query.c */
/* Starts sql on the engine as the connection's running query (NULL with err on failure). */
struct eng_query *pg_begin_query(struct pg_conn *c, const char *sql, const duckdb_value *params, size_t nparams,
                                 struct eng_error *err);
void pg_end_query(struct pg_conn *c, struct eng_query *q, const char *error);
/* Publishes q as the running query (for cancel and statement_timeout); NULL: none runs. */
void pg_set_running(struct pg_conn *c, struct eng_query *q);
/* The error of a failed query, with PostgreSQL's SQLSTATE for a cancel or timeout. */
void pg_query_error(struct pg_conn *c, struct eng_error *err, const char *sql);
/* RowDescription of q's columns (sent when send), and their encoders in *cols when asked. */
int pg_query_row_description(struct pg_conn *c, struct eng_query *q, const int16_t *formats, int nformats,
                             struct pg_column **cols, bool send);
/* DataRows of the portal's query, at most max (0: all); *more when rows are left. */
int pg_send_rows(struct pg_conn *c, struct pg_portal *p, const struct tz *zone, uint64_t max, bool *more,
                 struct eng_error *err);
/* The text DuckDB runs for a statement from the client (pg_compat.h), the catalog compatibility
 * objects created first when it needs them. NULL when out of memory. */
char *pg_statement_text(struct pg_conn *c, const char *sql, size_t len);
/* CommandComplete with its tag. */
void pg_command_complete(struct pg_conn *c, const char *tag);
/* A result of text columns: RowDescription (unless an Execute runs: Describe sent it), then nrows
 * DataRows of ncols values each (row-major, NULL entries are SQL NULL). */
void pg_send_text_rows(struct pg_conn *c, int ncols, const char *const *names, int nrows, const char *const *values);
/* Runs SQL on the session's DuckDB connection directly, outside the query log (settings). */
int pg_session_exec(struct pg_conn *c, const char *sql, char *msg, size_t msglen);
/* Runs a simple-protocol Query message. */
void pg_simple_query(struct pg_conn *c, const char *sql);
/* Extended protocol: the statement named in Describe, and Execute of a portal. */
void pg_describe_statement(struct pg_conn *c, struct pg_stmt *st);
void pg_describe_portal(struct pg_conn *c, struct pg_portal *p);
void pg_execute_portal(struct pg_conn *c, struct pg_portal *p, int32_t max_rows);
void pg_portal_close(struct pg_conn *c, struct pg_portal *p);
/* COPY … FROM STDIN messages. */
void pg_copy_data(struct pg_conn *c, const unsigned char *data, size_t len);
void pg_copy_done(struct pg_conn *c);
void pg_copy_fail(struct pg_conn *c, const char *why);

#endif
