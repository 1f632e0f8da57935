/* Shared client plumbing for the CLI commands. Credentials are never printed. */
#include "cli/client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/base64.h"

void cli_target_init(struct cli_target *t)
{
	t->url = getenv("LAKEHOUSE_URL");
	if (!t->url || !*t->url)
		t->url = "http://127.0.0.1:15000";
	t->user = getenv("ALTERTABLE_LAKEHOUSE_USERNAME");
	t->password = getenv("ALTERTABLE_LAKEHOUSE_PASSWORD");
	if (!t->user || !t->password) {
		t->user = getenv("ALTERTABLE_USERNAME");
		t->password = getenv("ALTERTABLE_PASSWORD");
	}
	t->token = getenv("ALTERTABLE_BASIC_AUTH_TOKEN");
}

int cli_target_option(struct cli_target *t, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	const char **slot = !strcmp(a, "--url") ? &t->url : !strcmp(a, "--user") ? &t->user
	                  : !strcmp(a, "--password") ? &t->password : NULL;
	if (!slot)
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*slot = argv[++*i];
	return 1;
}

char *cli_auth_header(const struct cli_target *t)
{
	char *cred = NULL;
	if (t->user && t->password) {
		size_t n = strlen(t->user) + strlen(t->password) + 2;
		char *pair = malloc(n);
		if (!pair)
			return NULL;
		snprintf(pair, n, "%s:%s", t->user, t->password);
		cred = base64_encode((const unsigned char *)pair, strlen(pair));
		free(pair);
	} else if (t->token && *t->token) {
		cred = strdup(t->token);
	}
	if (!cred)
		return NULL;
	size_t n = strlen(cred) + sizeof("Authorization: Basic ");
	char *header = malloc(n);
	if (header)
		snprintf(header, n, "Authorization: Basic %s", cred);
	free(cred);
	return header;
}

static size_t collect(char *data, size_t size, size_t nmemb, void *ctx)
{
	buf_append(ctx, data, size * nmemb);
	return buf_failed(ctx) ? 0 : size * nmemb;
}

long cli_request(const struct cli_target *t, const char *method, const char *path, const char *body, buf *out,
                 char *err, size_t errlen)
{
	char *auth = cli_auth_header(t);
	if (!auth) {
		snprintf(err, errlen, CLI_CREDENTIALS_HINT);
		return -1;
	}
	char url[2048];
	snprintf(url, sizeof(url), "%s%s", t->url, path);
	CURL *curl = curl_easy_init();
	struct curl_slist *headers = curl_slist_append(NULL, auth);
	headers = curl_slist_append(headers, "Content-Type: application/json");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	if (body)
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "lakehouse-cli/" LAKEHOUSE_VERSION);
	long status = -1;
	CURLcode cc = curl_easy_perform(curl);
	if (cc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errlen, "cannot reach %s: %s", t->url, curl_easy_strerror(cc));
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	free(auth);
	return status;
}
