/* Command-line client commands: `query`, `shell` and `admin` (over the REST API) and `version`. */
#ifndef LAKEHOUSE_CLI_CLI_H
#define LAKEHOUSE_CLI_CLI_H

#define LAKEHOUSE_VERSION "0.1.0"

int cli_query_main(const char *prog, int argc, char **argv);
int cli_shell_main(const char *prog, int argc, char **argv);
int cli_admin_main(const char *prog, int argc, char **argv);
int cli_version_main(int argc, char **argv);

#endif
