/* `lakehouse query "SQL"`: posts the statement to a running server and prints the streamed result
 * as an aligned table, CSV, a JSON array or NDJSON. Credentials come from flags or the variables
 * the Altertable SDKs read; they are never printed. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/client.h"
#include "util/buf.h"

enum out_format { OUT_TABLE, OUT_CSV, OUT_JSON, OUT_NDJSON };

struct reader {
	buf line;
	int lines;
	enum out_format format;
	json_t *columns;  /* array of names */
	json_t *rows;     /* table format keeps rows to size the columns */
	size_t nrows;
	char *error;
	bool protocol_error;
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
	        "Usage: %s query [options] \"SQL\"\n\n"
	        "Runs SQL on a lakehouse server and prints the result.\n\n"
	        "Options:\n"
	        "  --url URL            server (default $LAKEHOUSE_URL or http://127.0.0.1:15000)\n"
	        "  --user NAME          user (default $ALTERTABLE_LAKEHOUSE_USERNAME)\n"
	        "  --password PASS      password (default $ALTERTABLE_LAKEHOUSE_PASSWORD)\n"
	        "                       ($ALTERTABLE_BASIC_AUTH_TOKEN is used when no user is given)\n"
	        "  --format FMT         table (default), csv, json or ndjson\n"
	        "  --session-id ID      run in an existing session\n"
	        "  --catalog NAME       default catalog\n"
	        "  --schema NAME        default schema\n"
	        "  --compute-size SIZE  XS, S, M, L or XL\n"
	        "  --timezone ZONE      session time zone\n"
	        "  --help               show this help\n",
	        prog);
}

/* Text of one JSON value for table and CSV output. */
static char *cell_text(json_t *v)
{
	if (json_is_null(v))
		return strdup("NULL");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

static void print_csv_field(const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static json_t *row_object(struct reader *r, json_t *row)
{
	json_t *obj = json_object();
	for (size_t i = 0; i < json_array_size(r->columns); i++)
		json_object_set(obj, json_string_value(json_array_get(r->columns, i)), json_array_get(row, i));
	return obj;
}

static void handle_row(struct reader *r, json_t *row)
{
	switch (r->format) {
	case OUT_TABLE:
		json_array_append(r->rows, row);
		break;
	case OUT_CSV:
		for (size_t i = 0; i < json_array_size(row); i++) {
			if (i)
				putchar(',');
			json_t *v = json_array_get(row, i);
			if (!json_is_null(v)) {
				char *t = cell_text(v);
				print_csv_field(t ? t : "");
				free(t);
			}
		}
		putchar('\n');
		break;
	case OUT_JSON:
	case OUT_NDJSON: {
		json_t *obj = row_object(r, row);
		if (r->format == OUT_JSON)
			fputs(r->nrows ? ",\n" : "[\n", stdout);
		json_dumpf(obj, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (r->format == OUT_NDJSON)
			putchar('\n');
		json_decref(obj);
		break;
	}
	}
	r->nrows++;
}

static void handle_line(struct reader *r, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *v = json_loadb(line, len, JSON_DECODE_ANY, &jerr);
	int index = r->lines++;
	if (!v) {
		r->protocol_error = true;
		return;
	}
	json_t *err = json_is_object(v) ? json_object_get(v, "error") : NULL;
	if (index >= 1 && err) {
		free(r->error);
		r->error = strdup(json_is_string(err) ? json_string_value(err) : "query failed");
	} else if (index == 1 && json_is_array(v)) {
		r->columns = json_array();
		for (size_t i = 0; i < json_array_size(v); i++) {
			json_t *c = json_array_get(v, i);
			json_array_append_new(r->columns, json_string(json_is_string(c) ? json_string_value(c) : ""));
		}
		if (r->format == OUT_CSV) {
			for (size_t i = 0; i < json_array_size(r->columns); i++) {
				if (i)
					putchar(',');
				print_csv_field(json_string_value(json_array_get(r->columns, i)));
			}
			putchar('\n');
		}
	} else if (index >= 2 && json_is_array(v) && r->columns) {
		handle_row(r, v);
	}
	json_decref(v);
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct reader *r = ctx;
	size_t n = size * nmemb;
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			handle_line(r, r->line.data ? r->line.data : "", r->line.len);
			buf_reset(&r->line);
		} else {
			buf_putc(&r->line, data[i]);
		}
	}
	return buf_failed(&r->line) ? 0 : n;
}

static void print_table(struct reader *r)
{
	size_t ncols = json_array_size(r->columns);
	size_t *width = calloc(ncols ? ncols : 1, sizeof(size_t));
	char **cells = calloc(r->nrows * ncols + 1, sizeof(char *));
	if (!width || !cells) {
		free(width);
		free(cells);
		return;
	}
	for (size_t c = 0; c < ncols; c++)
		width[c] = strlen(json_string_value(json_array_get(r->columns, c)));
	for (size_t i = 0; i < r->nrows; i++)
		for (size_t c = 0; c < ncols; c++) {
			char *t = cell_text(json_array_get(json_array_get(r->rows, i), c));
			cells[i * ncols + c] = t;
			if (t && strlen(t) > width[c])
				width[c] = strlen(t);
		}
	for (size_t c = 0; c < ncols; c++)
		printf("%s %-*s", c ? " |" : "", (int)width[c], json_string_value(json_array_get(r->columns, c)));
	putchar('\n');
	for (size_t c = 0; c < ncols; c++) {
		if (c)
			putchar('+');
		for (size_t k = 0; k < width[c] + (c + 1 == ncols ? 1 : 2); k++)
			putchar('-');
	}
	putchar('\n');
	for (size_t i = 0; i < r->nrows; i++) {
		for (size_t c = 0; c < ncols; c++)
			printf("%s %-*s", c ? " |" : "", (int)width[c], cells[i * ncols + c] ? cells[i * ncols + c] : "");
		putchar('\n');
	}
	printf("(%zu row%s)\n", r->nrows, r->nrows == 1 ? "" : "s");
	for (size_t i = 0; i < r->nrows * ncols; i++)
		free(cells[i]);
	free(cells);
	free(width);
}

int cli_query_main(const char *prog, int argc, char **argv)
{
	struct cli_target target;
	cli_target_init(&target);
	const char *sql = NULL;
	const char *opt_keys[] = {"session_id", "catalog", "schema", "compute_size", "timezone"};
	const char *opt_vals[5] = {0};
	enum out_format format = OUT_TABLE;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout, prog);
			return 0;
		}
		if (strncmp(a, "--", 2) != 0) {
			if (sql) {
				fprintf(stderr, "%s query: only one SQL argument is allowed (quote it)\n", prog);
				return 2;
			}
			sql = a;
			continue;
		}
		int taken = cli_target_option(&target, argc, argv, &i);
		if (!v || taken < 0) {
			fprintf(stderr, "%s query: %s needs a value\n", prog, a);
			return 2;
		}
		if (taken)
			continue;
		i++;
		if (!strcmp(a, "--format")) {
			if (!strcmp(v, "table")) format = OUT_TABLE;
			else if (!strcmp(v, "csv")) format = OUT_CSV;
			else if (!strcmp(v, "json")) format = OUT_JSON;
			else if (!strcmp(v, "ndjson")) format = OUT_NDJSON;
			else {
				fprintf(stderr, "%s query: unknown format '%s' (table, csv, json, ndjson)\n", prog, v);
				return 2;
			}
		} else if (!strcmp(a, "--session-id")) opt_vals[0] = v;
		else if (!strcmp(a, "--catalog")) opt_vals[1] = v;
		else if (!strcmp(a, "--schema")) opt_vals[2] = v;
		else if (!strcmp(a, "--compute-size")) opt_vals[3] = v;
		else if (!strcmp(a, "--timezone")) opt_vals[4] = v;
		else {
			fprintf(stderr, "%s query: unknown option %s (see --help)\n", prog, a);
			return 2;
		}
	}
	if (!sql) {
		usage(stderr, prog);
		return 2;
	}
	char *header = cli_auth_header(&target);
	if (!header) {
		fprintf(stderr, "%s query: %s\n", prog, CLI_CREDENTIALS_HINT);
		return 2;
	}
	json_t *body = json_pack("{s:s}", "statement", sql);
	for (int k = 0; k < 5; k++)
		if (opt_vals[k])
			json_object_set_new(body, opt_keys[k], json_string(opt_vals[k]));
	char *payload = json_dumps(body, JSON_COMPACT);
	json_decref(body);

	struct reader r = {.format = format, .rows = json_array()};
	buf_init(&r.line);
	char endpoint[2048];
	snprintf(endpoint, sizeof(endpoint), "%s/query", target.url);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *curl = curl_easy_init();
	struct curl_slist *headers = curl_slist_append(NULL, header);
	headers = curl_slist_append(headers, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Accept: application/x-ndjson");
	curl_easy_setopt(curl, CURLOPT_URL, endpoint);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "lakehouse-cli/" LAKEHOUSE_VERSION);
	CURLcode cc = curl_easy_perform(curl);
	long status = 0;
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	int rc = 0;
	if (cc != CURLE_OK) {
		fprintf(stderr, "%s query: cannot reach %s: %s\n", prog, target.url, curl_easy_strerror(cc));
		rc = 3;
	} else if (status != 200) {
		if (r.line.len) {
			json_t *e = json_loadb(r.line.data, r.line.len, 0, NULL);
			json_t *m = e ? json_object_get(e, "error") : NULL;
			fprintf(stderr, "%s query: HTTP %ld: %s\n", prog, status, json_is_string(m) ? json_string_value(m) : "request failed");
			json_decref(e);
		} else {
			fprintf(stderr, "%s query: HTTP %ld\n", prog, status);
		}
		rc = 3;
	} else {
		if (r.line.len)
			handle_line(&r, r.line.data, r.line.len);
		if (r.format == OUT_TABLE && r.columns && !r.error)
			print_table(&r);
		if (r.format == OUT_JSON)
			fputs(r.nrows ? "\n]\n" : "[]\n", stdout);
		if (r.error) {
			fprintf(stderr, "Error: %s\n", r.error);
			rc = 1;
		} else if (r.protocol_error || r.lines < 2) {
			fprintf(stderr, "%s query: the server sent a malformed response\n", prog);
			rc = 3;
		}
	}
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	curl_global_cleanup();
	free(payload);
	free(header);
	buf_free(&r.line);
	free(r.error);
	json_decref(r.columns);
	json_decref(r.rows);
	return rc;
}
