/* lakehouse: one binary for the server and its command-line client. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "server/serve.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
	        "Usage: %s <command> [options]\n\n"
	        "Commands:\n"
	        "  serve     start the server (REST API on port 15000)\n"
	        "  query     run SQL on a running server and print the result\n"
	        "  shell     interactive SQL shell on a running server\n"
	        "  admin     manage catalogs, buckets and the cache of a running server\n"
	        "  version   print the version\n"
	        "  help      show this help\n\n"
	        "Run '%s <command> --help' for a command's options.\n",
	        prog, prog);
}

int main(int argc, char **argv)
{
	const char *prog = "lakehouse";
	if (argc < 2) {
		usage(stderr, prog);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "serve"))
		return serve_main(prog, argc - 2, argv + 2);
	if (!strcmp(cmd, "query"))
		return cli_query_main(prog, argc - 2, argv + 2);
	if (!strcmp(cmd, "shell"))
		return cli_shell_main(prog, argc - 2, argv + 2);
	if (!strcmp(cmd, "admin"))
		return cli_admin_main(prog, argc - 2, argv + 2);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version"))
		return cli_version_main(argc - 2, argv + 2);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout, prog);
		return 0;
	}
	fprintf(stderr, "%s: unknown command '%s'\n\n", prog, cmd);
	usage(stderr, prog);
	return 2;
}
