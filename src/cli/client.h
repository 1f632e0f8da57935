/* Where and as whom the command-line client talks to a server: --url, --user and --password, else
 * LAKEHOUSE_URL and the variables the Altertable SDKs read. */
#ifndef LAKEHOUSE_CLI_CLIENT_H
#define LAKEHOUSE_CLI_CLIENT_H

#include "util/buf.h"

struct cli_target {
	const char *url;
	const char *user;
	const char *password;
	const char *token; /* ALTERTABLE_BASIC_AUTH_TOKEN */
};

void cli_target_init(struct cli_target *t);
/* Takes --url/--user/--password at argv[*i] with its value; returns 1 when taken (and advances *i),
 * 0 when argv[*i] is another option, -1 when the value is missing. */
int cli_target_option(struct cli_target *t, int argc, char **argv, int *i);
/* "Authorization: Basic …" as a malloc'd header line, or NULL without credentials. */
char *cli_auth_header(const struct cli_target *t);
/* Sends one request with a JSON body (or none) and collects the response body. Returns the HTTP
 * status, or -1 with err filled when the server cannot be reached. */
long cli_request(const struct cli_target *t, const char *method, const char *path, const char *body, buf *out,
                 char *err, size_t errlen);

#define CLI_CREDENTIALS_HINT                                                                                        \
	"no credentials: use --user and --password, or set ALTERTABLE_LAKEHOUSE_USERNAME and "                          \
	"ALTERTABLE_LAKEHOUSE_PASSWORD"

#endif
