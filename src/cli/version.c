/* `lakehouse version`: our version and the DuckDB library it runs on. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "duckdb.h"

int cli_version_main(int argc, char **argv)
{
	if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
		printf("Usage: lakehouse version\n\nPrints the lakehouse version and the DuckDB version it embeds.\n");
		return 0;
	}
	printf("lakehouse %s (DuckDB %s)\n", LAKEHOUSE_VERSION, duckdb_library_version());
	return 0;
}
