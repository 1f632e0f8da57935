/* SQL as it is typed or read from a file: lines gather until a semicolon outside quotes, dollar
 * quotes and comments ends a statement, which then runs in the connection's session; a line that
 * starts with a backslash between statements is a shell command (\d, \timing, \q, …). Shared by
 * `lakehouse shell` and by `lakehouse query` reading a file or standard input. */
#ifndef LAKEHOUSE_CLI_SCRIPT_H
#define LAKEHOUSE_CLI_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/conn.h"
#include "cli/output.h"
#include "util/buf.h"

struct cli_script {
	struct cli_conn *conn;
	struct cli_out *out;
	const char *who;     /* prefix of messages, e.g. "lakehouse shell" */
	bool stop_on_error;  /* a failed statement ends the script */
	bool timing;         /* \timing: print each statement's duration */
	bool quit;           /* \q was given */
	int status;          /* the worst exit status so far (CLI_OK, CLI_ERR_SQL, CLI_ERR_SERVER) */
	buf text;            /* input that does not end a statement yet */
};

void cli_script_init(struct cli_script *s, struct cli_conn *conn, struct cli_out *out, const char *who);
void cli_script_free(struct cli_script *s);
/* Takes one line of input (without its newline) and runs the statements it completes. Returns false
 * when reading should stop: \q, or a failed statement with stop_on_error. */
bool cli_script_line(struct cli_script *s, const char *line, size_t len);
/* End of input: runs a last statement left without its semicolon. */
void cli_script_finish(struct cli_script *s);
/* True while a statement has begun but not ended (the prompt shows a continuation). */
bool cli_script_pending(const struct cli_script *s);
/* Forgets the unfinished statement (Ctrl-C at the prompt). */
void cli_script_clear(struct cli_script *s);

#endif
