/* Option parsing shared by the SQL commands of the command-line client. */
#include "cli/args.h"

#include <string.h>

#include "util/uuid.h"

int cli_args_parse(struct cli_args *a, const char *who, bool with_sql, int argc, char **argv,
                   void (*usage)(FILE *f))
{
	memset(a, 0, sizeof(*a));
	cli_target_init(&a->target);
	a->format = CLI_FORMAT_TABLE;
	static const char *const flags[] = {"--session-id", "--catalog", "--schema", "--compute-size", "--timezone", "-f", "--file"};
	const char **slots[] = {&a->session_id, &a->catalog, &a->schema, &a->compute_size, &a->timezone, &a->file, &a->file};
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			return 0;
		}
		if (arg[0] != '-' || !arg[1]) {
			if (!with_sql) {
				fprintf(stderr, "%s: unexpected argument '%s' (see --help)\n", who, arg);
				return 2;
			}
			if (a->sql) {
				fprintf(stderr, "%s: only one SQL argument is allowed (quote it)\n", who);
				return 2;
			}
			a->sql = arg;
			continue;
		}
		int taken = cli_target_option(&a->target, argc, argv, &i);
		if (taken < 0) {
			fprintf(stderr, "%s: %s needs a value\n", who, arg);
			return 2;
		}
		if (taken)
			continue;
		const char *value = i + 1 < argc ? argv[i + 1] : NULL;
		size_t k = 0;
		while (k < sizeof(flags) / sizeof(flags[0]) && strcmp(arg, flags[k]) != 0)
			k++;
		bool is_format = !strcmp(arg, "--format");
		if (k == sizeof(flags) / sizeof(flags[0]) && !is_format) {
			fprintf(stderr, "%s: unknown option %s (see --help)\n", who, arg);
			return 2;
		}
		if (!value) {
			fprintf(stderr, "%s: %s needs a value\n", who, arg);
			return 2;
		}
		i++;
		if (is_format) {
			if (!cli_out_parse_format(value, &a->format)) {
				fprintf(stderr, "%s: unknown format '%s' (table, csv, json, ndjson)\n", who, value);
				return 2;
			}
		} else if (slots[k] == &a->file && !with_sql) {
			fprintf(stderr, "%s: unknown option %s (see --help)\n", who, arg);
			return 2;
		} else {
			*slots[k] = value;
		}
	}
	char canonical[UUID_STR_LEN + 1];
	if (a->session_id && !uuid_parse(a->session_id, canonical)) {
		fprintf(stderr, "%s: --session-id takes a UUID\n", who);
		return 2;
	}
	if (a->sql && a->file) {
		fprintf(stderr, "%s: give the SQL as an argument or with -f, not both\n", who);
		return 2;
	}
	return -1;
}

void cli_args_apply(const struct cli_args *a, struct cli_conn *c)
{
	c->catalog = a->catalog;
	c->schema = a->schema;
	c->compute_size = a->compute_size;
	c->timezone = a->timezone;
}
