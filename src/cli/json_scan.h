/* Reads the server's JSON text without converting it: where a value starts and ends and what kind
 * it is, the items of an array, a string's decoded bytes. Numbers are never parsed, so they are
 * printed with exactly the digits the server sent. Pure functions over a buffer with an explicit
 * length: they never read past it, and a fuzz target calls them directly. */
#ifndef LAKEHOUSE_CLI_JSON_SCAN_H
#define LAKEHOUSE_CLI_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Deeper nesting than this is refused rather than followed (the scanner recurses). */
#define CLI_JSON_MAX_DEPTH 256

enum cli_json_kind { CLI_JSON_NULL, CLI_JSON_BOOL, CLI_JSON_NUMBER, CLI_JSON_STRING, CLI_JSON_ARRAY, CLI_JSON_OBJECT };

struct cli_json_span {
	size_t start;
	size_t len;
	enum cli_json_kind kind;
};

/* Scans one value at pos (leading whitespace skipped) and fills *v with its extent (a string's
 * includes its quotes). Returns the position after the value, or 0 when the text there is not valid
 * JSON. */
size_t cli_json_value(const char *s, size_t len, size_t pos, struct cli_json_span *v);

/* When s[0..len) is exactly one JSON array (whitespace around it allowed), fills *items (grown as
 * needed, *cap its capacity) with its items and returns their number; -1 when it is not, or when
 * memory runs out. */
long cli_json_array(const char *s, size_t len, struct cli_json_span **items, size_t *cap);

/* Appends the decoded bytes of a string value that cli_json_value accepted (the span with its
 * quotes) to out: escapes resolved, \u sequences as UTF-8, an unpaired surrogate as U+FFFD. */
void cli_json_unescape(const char *s, const struct cli_json_span *v, buf *out);

#endif
