/* `lakehouse admin catalog create|list|rename|drop|maintain`: the admin REST API from the command
 * line. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
	        "Usage: %s admin catalog <command> [options]\n\n"
	        "Manages catalogs on a running server (admin users only).\n\n"
	        "Commands:\n"
	        "  create NAME [--bucket BUCKET]   create a catalog (bucket defaults to the built-in 'default')\n"
	        "  list                            list catalogs\n"
	        "  rename NAME NEW_NAME            rename a catalog\n"
	        "  drop NAME                       drop a catalog\n"
	        "  maintain NAME                   compact small files, expire old snapshots, delete unused files\n\n"
	        "Options:\n"
	        "  --url URL            server (default $LAKEHOUSE_URL or http://127.0.0.1:15000)\n"
	        "  --user NAME          user (default $ALTERTABLE_LAKEHOUSE_USERNAME)\n"
	        "  --password PASS      password (default $ALTERTABLE_LAKEHOUSE_PASSWORD)\n"
	        "  --help               show this help\n",
	        prog);
}

static void print_catalog(json_t *c)
{
	printf("%s\tbucket=%s\tcreated_at=%s\n", json_string_value(json_object_get(c, "name")),
	       json_string_value(json_object_get(c, "bucket")), json_string_value(json_object_get(c, "created_at")));
}

/* Prints the answer: the catalog(s) on success, the server's error otherwise. */
static int report(const char *prog, long status, buf *out, const char *err)
{
	if (status < 0) {
		fprintf(stderr, "%s admin: %s\n", prog, err);
		return 3;
	}
	json_t *v = json_loadb(out->data ? out->data : "", out->len, 0, NULL);
	int rc = 0;
	if (status >= 400) {
		json_t *m = v ? json_object_get(v, "error") : NULL;
		fprintf(stderr, "%s admin: HTTP %ld: %s\n", prog, status, json_is_string(m) ? json_string_value(m) : "request failed");
		rc = 1;
	} else if (json_is_array(json_object_get(v, "catalogs"))) {
		json_t *list = json_object_get(v, "catalogs");
		for (size_t i = 0; i < json_array_size(list); i++)
			print_catalog(json_array_get(list, i));
	} else if (json_is_integer(json_object_get(v, "files_compacted"))) {
		printf("%s\ttables_compacted=%lld\tfiles_compacted=%lld\tsnapshots_expired=%lld\tobjects_deleted=%lld\n",
		       json_string_value(json_object_get(v, "name")),
		       (long long)json_integer_value(json_object_get(v, "tables_compacted")),
		       (long long)json_integer_value(json_object_get(v, "files_compacted")),
		       (long long)json_integer_value(json_object_get(v, "snapshots_expired")),
		       (long long)json_integer_value(json_object_get(v, "objects_deleted")));
	} else if (json_is_true(json_object_get(v, "dropped"))) {
		printf("dropped %s\n", json_string_value(json_object_get(v, "name")));
	} else if (v) {
		print_catalog(v);
	}
	json_decref(v);
	return rc;
}

int cli_admin_main(const char *prog, int argc, char **argv)
{
	struct cli_target target;
	cli_target_init(&target);
	const char *words[4] = {0};
	int nwords = 0;
	const char *bucket = NULL;
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout, prog);
			return 0;
		}
		int taken = cli_target_option(&target, argc, argv, &i);
		if (taken < 0) {
			fprintf(stderr, "%s admin: %s needs a value\n", prog, argv[i]);
			return 2;
		}
		if (taken)
			continue;
		if (!strcmp(argv[i], "--bucket") && i + 1 < argc) {
			bucket = argv[++i];
		} else if (!strncmp(argv[i], "--", 2)) {
			fprintf(stderr, "%s admin: unknown option %s (see --help)\n", prog, argv[i]);
			return 2;
		} else if (nwords < 4) {
			words[nwords++] = argv[i];
		} else {
			usage(stderr, prog);
			return 2;
		}
	}
	if (nwords < 2 || strcmp(words[0], "catalog") != 0) {
		usage(stderr, prog);
		return 2;
	}
	const char *cmd = words[1];
	char path[512], err[512];
	char *body = NULL;
	const char *method;
	if (!strcmp(cmd, "list") && nwords == 2) {
		method = "GET";
		snprintf(path, sizeof(path), "/admin/catalogs");
	} else if (!strcmp(cmd, "create") && nwords == 3) {
		method = "POST";
		snprintf(path, sizeof(path), "/admin/catalogs");
		json_t *j = json_pack("{s:s}", "name", words[2]);
		if (bucket)
			json_object_set_new(j, "bucket", json_string(bucket));
		body = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	} else if (!strcmp(cmd, "rename") && nwords == 4) {
		method = "PATCH";
		snprintf(path, sizeof(path), "/admin/catalogs/%s", words[2]);
		json_t *j = json_pack("{s:s}", "name", words[3]);
		body = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	} else if (!strcmp(cmd, "drop") && nwords == 3) {
		method = "DELETE";
		snprintf(path, sizeof(path), "/admin/catalogs/%s", words[2]);
	} else if (!strcmp(cmd, "maintain") && nwords == 3) {
		method = "POST";
		snprintf(path, sizeof(path), "/admin/catalogs/%s/maintenance", words[2]);
	} else {
		usage(stderr, prog);
		return 2;
	}
	if (nwords > 2 && strpbrk(words[2], "/?#%")) {
		fprintf(stderr, "%s admin: invalid catalog name '%s'\n", prog, words[2]);
		free(body);
		return 2;
	}
	buf out;
	buf_init(&out);
	long status = cli_request(&target, method, path, body, &out, err, sizeof(err));
	int rc = report(prog, status, &out, err);
	if (status < 0 && strstr(err, "credentials"))
		rc = 2;
	buf_free(&out);
	free(body);
	return rc;
}
