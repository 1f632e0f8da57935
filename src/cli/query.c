/* `lakehouse query`: runs SQL on a running server and prints the result as an aligned table, CSV,
 * a JSON array or NDJSON. The SQL comes as one argument (one request, as the API runs it), or as a
 * script from a file or standard input, run statement by statement in one session until the first
 * error. Credentials are never printed. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/conn.h"
#include "cli/script.h"

static void usage(FILE *f)
{
	fprintf(f,
	        "Usage: lakehouse query [options] \"SQL\"\n"
	        "       lakehouse query [options] -f FILE\n"
	        "       lakehouse query [options] < FILE\n\n"
	        "Runs SQL on a lakehouse server and prints the result. An argument is sent as one request\n"
	        "(several statements run in order, the last one's result is printed); a file or standard\n"
	        "input is a script: each statement runs in turn in one session and prints its result, and\n"
	        "the first failing statement ends it.\n\n"
	        "Options:\n"
	        "  -f, --file FILE      read the SQL from FILE ('-': standard input)\n" CLI_ARGS_HELP
	        "\nExit status: 0 success, 1 SQL error, 2 usage, 3 server unreachable or HTTP/protocol error.\n");
}

/* Feeds a file to the script line by line; returns false when it could not be read. */
static bool run_file(struct cli_script *s, FILE *in)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool go_on = true;
	while (go_on && (n = getline(&line, &cap, in)) >= 0) {
		if (n && line[n - 1] == '\n')
			n--;
		go_on = cli_script_line(s, line, (size_t)n);
	}
	free(line);
	if (go_on)
		cli_script_finish(s);
	return !ferror(in);
}

int cli_query_main(const char *prog, int argc, char **argv)
{
	(void)prog;
	const char *who = "lakehouse query";
	struct cli_args a;
	int rc = cli_args_parse(&a, who, true, argc, argv, usage);
	if (rc >= 0)
		return rc;
	FILE *in = NULL;
	if (!a.sql) {
		if (!a.file && isatty(STDIN_FILENO)) {
			usage(stderr);
			fprintf(stderr, "\n%s: no SQL given (an argument, -f FILE or standard input; 'lakehouse shell' is interactive)\n", who);
			return CLI_ERR_USAGE;
		}
		in = !a.file || !strcmp(a.file, "-") ? stdin : fopen(a.file, "r");
		if (!in) {
			fprintf(stderr, "%s: cannot open %s: %m\n", who, a.file);
			return CLI_ERR_USAGE;
		}
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
	if (a.sql) {
		char err[512] = "";
		rc = cli_conn_run(&conn, a.sql, strlen(a.sql), &out, err, sizeof(err));
		if (rc == CLI_ERR_SQL)
			fprintf(stderr, "Error: %s\n", out.error);
		else if (rc != CLI_OK)
			fprintf(stderr, "%s: %s\n", who, err);
	} else {
		struct cli_script s;
		cli_script_init(&s, &conn, &out, who);
		s.stop_on_error = true;
		bool read_ok = run_file(&s, in);
		rc = s.status;
		if (!read_ok) {
			fprintf(stderr, "%s: cannot read %s\n", who, a.file ? a.file : "standard input");
			rc = CLI_ERR_USAGE;
		}
		cli_script_free(&s);
	}
	cli_out_free(&out);
	cli_conn_close(&conn);
done:
	if (in && in != stdin)
		fclose(in);
	curl_global_cleanup();
	return rc;
}
