/* The options `lakehouse query` and `lakehouse shell` share: server and credentials, output format,
 * session settings, and for `query` the SQL itself or the file holding it. */
#ifndef LAKEHOUSE_CLI_ARGS_H
#define LAKEHOUSE_CLI_ARGS_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/client.h"
#include "cli/conn.h"
#include "cli/output.h"

struct cli_args {
	struct cli_target target;
	enum cli_format format;
	const char *session_id, *catalog, *schema, *compute_size, *timezone;
	const char *sql;  /* the SQL argument */
	const char *file; /* -f FILE ("-": standard input) */
};

/* Parses argv into *a. `who` prefixes messages ("lakehouse query"); with_sql accepts the SQL
 * argument and -f. Returns -1 when parsing went well, else the exit status to end with: 0 after
 * --help, 2 after a usage error (usage prints the help to the stream it is given). */
int cli_args_parse(struct cli_args *a, const char *who, bool with_sql, int argc, char **argv,
                   void (*usage)(FILE *f));
/* Applies the session options to an open connection. */
void cli_args_apply(const struct cli_args *a, struct cli_conn *c);

#define CLI_ARGS_HELP                                                                                             \
	"  --url URL            server (default $LAKEHOUSE_URL or http://127.0.0.1:15000)\n"                          \
	"  --user NAME          user (default $ALTERTABLE_LAKEHOUSE_USERNAME)\n"                                      \
	"  --password PASS      password (default $ALTERTABLE_LAKEHOUSE_PASSWORD)\n"                                  \
	"                       ($ALTERTABLE_BASIC_AUTH_TOKEN is used when no user is given)\n"                       \
	"  --format FMT         table (default), csv, json or ndjson\n"                                               \
	"  --session-id UUID    run in this session (default: a new one)\n"                                           \
	"  --catalog NAME       default catalog\n"                                                                    \
	"  --schema NAME        default schema\n"                                                                     \
	"  --compute-size SIZE  XS, S, M, L or XL\n"                                                                  \
	"  --timezone ZONE      session time zone\n"                                                                  \
	"  --help               show this help\n"

#endif
