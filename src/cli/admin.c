/* `lakehouse admin catalog|bucket|cache …`: the admin REST API from the command line. Secrets
 * given as "-" are read from standard input, so they need not appear in a process listing. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
	        "Usage: %s admin <catalog|bucket|cache> <command> [options]\n\n"
	        "Manages a running server (admin users only).\n\n"
	        "Catalogs:\n"
	        "  catalog create NAME [--bucket BUCKET]  create a catalog (bucket defaults to the built-in 'default')\n"
	        "  catalog list                           list catalogs\n"
	        "  catalog rename NAME NEW_NAME           rename a catalog\n"
	        "  catalog drop NAME                      drop a catalog\n"
	        "  catalog maintain NAME                  compact small files, expire old snapshots, delete unused files\n"
	        "  catalog snapshots NAME                 list kept snapshots (versions for AT (VERSION => n))\n\n"
	        "Buckets:\n"
	        "  bucket add NAME --bucket B [--provider s3|r2|gcs|fs] [--endpoint URL] [--region R] [--prefix P]\n"
	        "             [--path-style|--virtual-hosted] [--access-key-id ID --secret-access-key SECRET|-]\n"
	        "             [--session-token TOKEN|-]\n"
	        "                                         add a bucket (without keys: the server's AWS_* variables)\n"
	        "  bucket list                            list buckets (secrets are never shown)\n"
	        "  bucket test NAME                       write, read, list and delete a probe object there\n"
	        "  bucket remove NAME                     remove a bucket that holds no catalog\n\n"
	        "Cache:\n"
	        "  cache stats                            hits, misses, bytes fetched and cached, evictions\n\n"
	        "Options:\n"
	        "  --url URL            server (default $LAKEHOUSE_URL or http://127.0.0.1:15000)\n"
	        "  --user NAME          user (default $ALTERTABLE_LAKEHOUSE_USERNAME)\n"
	        "  --password PASS      password (default $ALTERTABLE_LAKEHOUSE_PASSWORD)\n"
	        "  --help               show this help\n",
	        prog);
}

static const char *str(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

static void print_catalog(json_t *c)
{
	printf("%s\tbucket=%s\tcreated_at=%s\n", str(c, "name"), str(c, "bucket"), str(c, "created_at"));
}

static void print_bucket(json_t *b)
{
	if (json_is_true(json_object_get(b, "builtin"))) {
		printf("%s\tprovider=fs\tbuilt-in\n", str(b, "name"));
		return;
	}
	printf("%s\tprovider=%s\tbucket=%s", str(b, "name"), str(b, "provider"), str(b, "bucket"));
	if (*str(b, "prefix"))
		printf("\tprefix=%s", str(b, "prefix"));
	if (strcmp(str(b, "provider"), "fs") != 0)
		printf("\tendpoint=%s\tregion=%s\tpath_style=%s\tcredentials=%s", str(b, "endpoint"), str(b, "region"),
		       json_is_true(json_object_get(b, "path_style")) ? "true" : "false", str(b, "credentials"));
	printf("\n");
}

static int print_answer(json_t *v)
{
	int rc = 0;
	json_t *list;
	if (json_is_array(list = json_object_get(v, "catalogs"))) {
		for (size_t i = 0; i < json_array_size(list); i++)
			print_catalog(json_array_get(list, i));
	} else if (json_is_array(list = json_object_get(v, "buckets"))) {
		for (size_t i = 0; i < json_array_size(list); i++)
			print_bucket(json_array_get(list, i));
	} else if (json_is_array(list = json_object_get(v, "snapshots"))) {
		for (size_t i = 0; i < json_array_size(list); i++) {
			json_t *x = json_array_get(list, i);
			printf("%lld\t%s\t%s\t%s\n", (long long)json_integer_value(json_object_get(x, "version")),
			       str(x, "created_at"), str(x, "author"), str(x, "changes"));
		}
	} else if (json_is_array(list = json_object_get(v, "steps"))) {
		for (size_t i = 0; i < json_array_size(list); i++) {
			json_t *s = json_array_get(list, i);
			printf("%-7s %s\t%.1f ms%s%s\n", str(s, "step"), json_is_true(json_object_get(s, "ok")) ? "ok" : "FAILED",
			       json_number_value(json_object_get(s, "ms")), *str(s, "error") ? "\t" : "", str(s, "error"));
		}
		bool ok = json_is_true(json_object_get(v, "ok"));
		printf("bucket %s: %s\n", str(v, "name"), ok ? "ok" : "FAILED");
		rc = ok ? 0 : 1;
	} else if (json_is_integer(json_object_get(v, "files_compacted"))) {
		printf("%s\ttables_compacted=%lld\tfiles_compacted=%lld\tsnapshots_expired=%lld\tobjects_deleted=%lld\n",
		       str(v, "name"), (long long)json_integer_value(json_object_get(v, "tables_compacted")),
		       (long long)json_integer_value(json_object_get(v, "files_compacted")),
		       (long long)json_integer_value(json_object_get(v, "snapshots_expired")),
		       (long long)json_integer_value(json_object_get(v, "objects_deleted")));
	} else if (json_is_integer(json_object_get(v, "capacity"))) {
		static const char *const keys[] = {"hits", "misses", "waits", "bytes_fetched", "bytes_cached", "objects",
		                                   "evictions", "capacity"};
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			printf("%s\t%lld\n", keys[i], (long long)json_integer_value(json_object_get(v, keys[i])));
	} else if (json_is_true(json_object_get(v, "dropped"))) {
		printf("dropped %s\n", str(v, "name"));
	} else if (json_is_true(json_object_get(v, "removed"))) {
		printf("removed %s\n", str(v, "name"));
	} else if (json_object_get(v, "provider")) {
		print_bucket(v);
	} else if (v) {
		print_catalog(v);
	}
	return rc;
}

/* Prints the answer, or the server's error. */
static int report(const char *prog, long status, buf *out, const char *err)
{
	if (status < 0) {
		fprintf(stderr, "%s admin: %s\n", prog, err);
		return 3;
	}
	json_t *v = json_loadb(out->data ? out->data : "", out->len, 0, NULL);
	int rc;
	if (status >= 400) {
		json_t *m = v ? json_object_get(v, "error") : NULL;
		fprintf(stderr, "%s admin: HTTP %ld: %s\n", prog, status, json_is_string(m) ? json_string_value(m) : "request failed");
		rc = 1;
	} else {
		rc = print_answer(v);
	}
	json_decref(v);
	return rc;
}

/* Options of `bucket add`, each a JSON field of the request. */
static const struct {
	const char *flag, *field;
} bucket_opts[] = {
	{"--provider", "provider"},           {"--endpoint", "endpoint"},   {"--bucket", "bucket"},
	{"--prefix", "prefix"},               {"--region", "region"},       {"--access-key-id", "access_key_id"},
	{"--secret-access-key", "secret_access_key"}, {"--session-token", "session_token"},
};

/* A secret given as "-": the first line of standard input. */
static char *read_secret_line(void)
{
	char line[8192];
	if (!fgets(line, sizeof(line), stdin))
		return NULL;
	line[strcspn(line, "\r\n")] = '\0';
	return strdup(line);
}

int cli_admin_main(const char *prog, int argc, char **argv)
{
	struct cli_target target;
	cli_target_init(&target);
	const char *words[4] = {0};
	int nwords = 0;
	json_t *fields = json_object();
	int path_style = -1;
	int rc = 2;
	char *body = NULL;
	buf out;
	buf_init(&out);
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout, prog);
			rc = 0;
			goto done;
		}
		int taken = cli_target_option(&target, argc, argv, &i);
		if (taken < 0) {
			fprintf(stderr, "%s admin: %s needs a value\n", prog, argv[i]);
			goto done;
		}
		if (taken)
			continue;
		bool matched = false;
		for (size_t k = 0; k < sizeof(bucket_opts) / sizeof(bucket_opts[0]); k++) {
			if (strcmp(argv[i], bucket_opts[k].flag) != 0)
				continue;
			if (i + 1 >= argc) {
				fprintf(stderr, "%s admin: %s needs a value\n", prog, argv[i]);
				goto done;
			}
			const char *v = argv[++i];
			bool secret = !strcmp(bucket_opts[k].field, "secret_access_key") || !strcmp(bucket_opts[k].field, "session_token");
			if (secret && !strcmp(v, "-")) {
				char *line = read_secret_line();
				if (!line) {
					fprintf(stderr, "%s admin: %s -: nothing on standard input\n", prog, bucket_opts[k].flag);
					goto done;
				}
				json_object_set_new(fields, bucket_opts[k].field, json_string(line));
				memset(line, 0, strlen(line));
				free(line);
			} else {
				json_object_set_new(fields, bucket_opts[k].field, json_string(v));
			}
			matched = true;
			break;
		}
		if (matched)
			continue;
		if (!strcmp(argv[i], "--path-style")) {
			path_style = 1;
		} else if (!strcmp(argv[i], "--virtual-hosted")) {
			path_style = 0;
		} else if (!strncmp(argv[i], "--", 2)) {
			fprintf(stderr, "%s admin: unknown option %s (see --help)\n", prog, argv[i]);
			goto done;
		} else if (nwords < 4) {
			words[nwords++] = argv[i];
		} else {
			usage(stderr, prog);
			goto done;
		}
	}
	if (nwords < 2) {
		usage(stderr, prog);
		goto done;
	}
	const char *subject = words[0], *cmd = words[1];
	char path[512], err[512];
	const char *method = NULL;
	json_t *j = NULL;
	if (!strcmp(subject, "catalog")) {
		if (!strcmp(cmd, "list") && nwords == 2) {
			method = "GET";
			snprintf(path, sizeof(path), "/admin/catalogs");
		} else if (!strcmp(cmd, "create") && nwords == 3) {
			method = "POST";
			snprintf(path, sizeof(path), "/admin/catalogs");
			j = json_pack("{s:s}", "name", words[2]);
			json_t *b = json_object_get(fields, "bucket");
			if (b)
				json_object_set(j, "bucket", b);
		} else if (!strcmp(cmd, "rename") && nwords == 4) {
			method = "PATCH";
			snprintf(path, sizeof(path), "/admin/catalogs/%s", words[2]);
			j = json_pack("{s:s}", "name", words[3]);
		} else if (!strcmp(cmd, "drop") && nwords == 3) {
			method = "DELETE";
			snprintf(path, sizeof(path), "/admin/catalogs/%s", words[2]);
		} else if (!strcmp(cmd, "maintain") && nwords == 3) {
			method = "POST";
			snprintf(path, sizeof(path), "/admin/catalogs/%s/maintenance", words[2]);
		} else if (!strcmp(cmd, "snapshots") && nwords == 3) {
			method = "GET";
			snprintf(path, sizeof(path), "/admin/catalogs/%s/snapshots", words[2]);
		}
	} else if (!strcmp(subject, "bucket")) {
		if (!strcmp(cmd, "list") && nwords == 2) {
			method = "GET";
			snprintf(path, sizeof(path), "/admin/buckets");
		} else if (!strcmp(cmd, "add") && nwords == 3) {
			method = "POST";
			snprintf(path, sizeof(path), "/admin/buckets");
			j = json_deep_copy(fields);
			json_object_set_new(j, "name", json_string(words[2]));
			if (path_style >= 0)
				json_object_set_new(j, "path_style", json_boolean(path_style));
		} else if (!strcmp(cmd, "test") && nwords == 3) {
			method = "POST";
			snprintf(path, sizeof(path), "/admin/buckets/%s/test", words[2]);
		} else if (!strcmp(cmd, "remove") && nwords == 3) {
			method = "DELETE";
			snprintf(path, sizeof(path), "/admin/buckets/%s", words[2]);
		}
	} else if (!strcmp(subject, "cache") && !strcmp(cmd, "stats") && nwords == 2) {
		method = "GET";
		snprintf(path, sizeof(path), "/admin/cache");
	}
	if (!method) {
		usage(stderr, prog);
		json_decref(j);
		goto done;
	}
	if (j) {
		body = json_dumps(j, JSON_COMPACT);
		json_decref(j);
	}
	if (nwords > 2 && strpbrk(words[2], "/?#%")) {
		fprintf(stderr, "%s admin: invalid name '%s'\n", prog, words[2]);
		goto done;
	}
	long status = cli_request(&target, method, path, body, &out, err, sizeof(err));
	rc = report(prog, status, &out, err);
	if (status < 0 && strstr(err, "credentials"))
		rc = 2;
done:
	if (body) {
		memset(body, 0, strlen(body));
		free(body);
	}
	json_decref(fields);
	buf_free(&out);
	return rc;
}
