/* Prints one streamed query result (the NDJSON lines of POST /query) as an aligned table, CSV, a
 * JSON array or NDJSON objects, in bounded memory: rows are printed as they arrive, except that the
 * table format holds back its first rows (at most CLI_TABLE_SAMPLE_ROWS rows or _BYTES bytes) to
 * size its columns. Values are printed as the server wrote them: numbers keep every digit. */
#ifndef LAKEHOUSE_CLI_OUTPUT_H
#define LAKEHOUSE_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/json_scan.h"
#include "util/buf.h"

#define CLI_TABLE_SAMPLE_ROWS 1000
#define CLI_TABLE_SAMPLE_BYTES (16u << 20)

enum cli_format { CLI_FORMAT_TABLE, CLI_FORMAT_CSV, CLI_FORMAT_JSON, CLI_FORMAT_NDJSON };

struct cli_out {
	enum cli_format format;
	FILE *f;
	bool quiet_success; /* print nothing for a statement that answers only "Success" (DDL, SET) */
	bool discard;       /* drop rows that arrive from now on (the statement is being cancelled) */

	/* the result being read */
	int lines;
	size_t ncols;
	buf names;          /* decoded column names, each followed by a NUL */
	size_t *name_at;    /* offset of each name in names */
	size_t nrows;
	char *error;        /* the server's {"error": …} */
	bool malformed;

	/* table format */
	bool sized;         /* the header is out and the widths are fixed */
	size_t *width;
	buf held;           /* rows held back to size the columns, each followed by a NUL */
	size_t nheld;

	/* scratch, kept between rows */
	struct cli_json_span *items;
	size_t items_cap;
	buf cell;
};

bool cli_out_parse_format(const char *name, enum cli_format *format);
void cli_out_init(struct cli_out *o, enum cli_format format, FILE *f);
void cli_out_free(struct cli_out *o);
/* Starts a new result. */
void cli_out_begin(struct cli_out *o);
/* One line of the stream, without its newline. */
void cli_out_line(struct cli_out *o, const char *line, size_t len);
/* The stream ended: prints what is held back and the table's row count (not after an error). */
void cli_out_end(struct cli_out *o);

#endif
