/* One client session against a server: a kept-alive connection, one session_id for every statement
 * (so SET, USE, temporary tables and transactions carry over), and a query_id chosen for each
 * statement so that Ctrl-C can cancel it through DELETE /query/{id}. */
#ifndef LAKEHOUSE_CLI_CONN_H
#define LAKEHOUSE_CLI_CONN_H

#include <curl/curl.h>
#include <stddef.h>

#include "cli/client.h"
#include "cli/output.h"
#include "util/uuid.h"

/* Exit statuses of the client commands. */
enum { CLI_OK = 0, CLI_ERR_SQL = 1, CLI_ERR_USAGE = 2, CLI_ERR_SERVER = 3 };

/* A response line (one row) longer than this is refused as malformed. */
#define CLI_MAX_LINE (256u << 20)

struct cli_conn {
	struct cli_target target;
	char *auth;
	CURL *curl;
	struct curl_slist *headers;
	char session_id[UUID_STR_LEN + 1];
	/* request fields sent with every statement when set (not owned) */
	const char *catalog, *schema, *compute_size, *timezone;
	/* Ctrl-C presses seen during the last cli_conn_run */
	int interrupts;
};

/* Ctrl-C during cli_conn_run cancels the statement; outside it, a byte is written to wake_fd so a
 * prompt can clear its line, or, when wake_fd is -1, the program ends as SIGINT would end it. */
void cli_interrupt_init(int wake_fd);

/* Ready to run statements in the session session_id (a new one when NULL). Returns -1 without
 * credentials. Needs curl_global_init. */
int cli_conn_open(struct cli_conn *c, const struct cli_target *t, const char *session_id);
void cli_conn_close(struct cli_conn *c);
/* Runs sql (one request: several statements run in order, the last one's result is printed) and
 * prints its result through out. Returns CLI_OK, CLI_ERR_SQL (out->error holds the message) or
 * CLI_ERR_SERVER (err holds why). */
int cli_conn_run(struct cli_conn *c, const char *sql, size_t len, struct cli_out *out, char *err, size_t errlen);

#endif
