/* DuckDB's error texts as a user of this server should read them. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "engine/error_text.h"

#define NAME_MAX_COMPARED 64

/* Edit distance of two short names, case-insensitive. */
static size_t distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t row[NAME_MAX_COMPARED + 1];
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			size_t best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[nb];
}

/* The last dotted part of a name as DuckDB prints it (pg_catalog.pg_enum → pg_enum). */
static void last_part(const char **s, size_t *n)
{
	for (size_t i = *n; i-- > 0;)
		if ((*s)[i] == '.') {
			*s += i + 1;
			*n -= i + 1;
			return;
		}
}

/* DuckDB offers the closest name in every schema on the path however far it is, so a typo in a
 * table name got "Did you mean "pg_enum"?" — a catalog view of the server's PostgreSQL support. A
 * suggestion is kept only when it is a plausible spelling of what was typed. */
static void drop_far_suggestion(char *msg)
{
	static const char lead[] = "\nDid you mean \"";
	char *hint = strstr(msg, lead);
	if (!hint)
		return;
	const char *sugg = hint + sizeof(lead) - 1;
	const char *sugg_end = strstr(sugg, "\"?");
	const char *named = strstr(msg, " with name ");
	if (!sugg_end || !named || named > hint)
		return;
	named += strlen(" with name ");
	const char *named_end = strstr(named, " does not exist");
	if (!named_end || named_end > hint)
		return;
	size_t nn = (size_t)(named_end - named), ns = (size_t)(sugg_end - sugg);
	last_part(&named, &nn);
	last_part(&sugg, &ns);
	if (nn > NAME_MAX_COMPARED || ns > NAME_MAX_COMPARED)
		return;
	size_t allowed = nn / 3 > 2 ? nn / 3 : 2;
	if (distance(named, nn, sugg, ns) <= allowed)
		return;
	const char *after = sugg_end + 2;
	memmove(hint, after, strlen(after) + 1);
}

/* DuckDB's advice for a query out of memory is to SET threads or memory_limit, which belong to the
 * whole worker here and are refused; what a session can do instead is said in its place. */
static void memory_hint(char *msg, size_t cap, const char *compute_size)
{
	static const char oom[] = "Out of Memory Error:";
	static const char solutions[] = "\n\nPossible solutions:";
	if (strncmp(msg, oom, sizeof(oom) - 1))
		return;
	char *tail = strstr(msg, solutions);
	if (!tail)
		return;
	size_t room = cap - (size_t)(tail - msg);
	snprintf(tail, room,
	         "\n\nThe query needs more memory than the %s%sworker it ran on may use. Possible solutions:\n"
	         "* Running it on a larger compute size (compute_size \"L\" or \"XL\" in the request)\n"
	         "* Disabling insertion-order preservation (SET preserve_insertion_order = false)\n"
	         "* Holding less at once: fewer columns, a narrower filter, an aggregate instead of a list",
	         compute_size ? compute_size : "", compute_size ? " " : "");
}

void error_text_polish(char *msg, size_t cap, const char *compute_size)
{
	if (!msg || !cap)
		return;
	drop_far_suggestion(msg);
	memory_hint(msg, cap, compute_size);
}
