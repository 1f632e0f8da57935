/* `lakehouse query`: runs SQL on a running server and prints the result as an aligned table, CSV,
 * a JSON array or NDJSON. The SQL is one argument, sent as one request. Credentials are never
 * printed. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/conn.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: lakehouse query [options] \"SQL\"\n\n"
	        "Runs SQL on a lakehouse server and prints the result (several statements run in order,\n"
	        "the last one's result is printed).\n\n"
	        "Options:\n" CLI_ARGS_HELP
	        "\nExit status: 0 success, 1 SQL error, 2 usage, 3 server unreachable or HTTP/protocol error.\n");
}

int cli_query_main(const char *prog, int argc, char **argv)
{
	(void)prog;
	const char *who = "lakehouse query";
	struct cli_args a;
	int rc = cli_args_parse(&a, who, true, argc, argv, usage);
	if (rc >= 0)
		return rc;
	if (!a.sql || a.file) {
		usage(stderr);
		return CLI_ERR_USAGE;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct cli_conn conn;
	if (cli_conn_open(&conn, &a.target, a.session_id) < 0) {
		fprintf(stderr, "%s: %s\n", who, CLI_CREDENTIALS_HINT);
		rc = CLI_ERR_USAGE;
		goto done;
	}
	cli_args_apply(&a, &conn);
	cli_interrupt_init(-1);
	struct cli_out out;
	cli_out_init(&out, a.format, stdout);
	char err[512] = "";
	rc = cli_conn_run(&conn, a.sql, strlen(a.sql), &out, err, sizeof(err));
	if (rc == CLI_ERR_SQL)
		fprintf(stderr, "Error: %s\n", out.error);
	else if (rc != CLI_OK)
		fprintf(stderr, "%s: %s\n", who, err);
	cli_out_free(&out);
	cli_conn_close(&conn);
done:
	curl_global_cleanup();
	return rc;
}
