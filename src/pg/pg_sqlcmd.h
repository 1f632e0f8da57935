/* Parsers of PostgreSQL's SQL commands for prepared statements and cursors, which this server
 * answers itself: PREPARE, EXECUTE, DEALLOCATE, DECLARE … CURSOR, FETCH, MOVE, CLOSE, DISCARD.
 * Pure functions over (text, length) that copy names into fixed buffers and point into the text
 * for the rest, so a fuzz target can call them directly. */
#ifndef LAKEHOUSE_PG_PG_SQLCMD_H
#define LAKEHOUSE_PG_PG_SQLCMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define PG_NAME_MAX 64 /* PostgreSQL's NAMEDATALEN */
#define PG_SQLCMD_MAX_ARGS 256

/* A statement's leading command word, for the commands of this file (PG_CMD_NONE otherwise). */
enum pg_cmd {
	PG_CMD_NONE,
	PG_CMD_PREPARE,
	PG_CMD_EXECUTE,
	PG_CMD_DEALLOCATE,
	PG_CMD_DECLARE,
	PG_CMD_FETCH,
	PG_CMD_MOVE,
	PG_CMD_CLOSE,
	PG_CMD_DISCARD,
};
enum pg_cmd pg_sqlcmd_kind(const char *sql, size_t len);

/* A span of the statement text. */
struct pg_span {
	size_t start, len;
};

/* PREPARE name [(type, …)] AS statement */
struct pg_prepare {
	char name[PG_NAME_MAX];
	bool transaction; /* PREPARE TRANSACTION, which is refused */
	struct pg_span types[PG_SQLCMD_MAX_ARGS];
	int ntypes;
	struct pg_span body;
};
/* EXECUTE name [(expr, …)] */
struct pg_execute {
	char name[PG_NAME_MAX];
	struct pg_span args[PG_SQLCMD_MAX_ARGS];
	int nargs;
};
/* DEALLOCATE [PREPARE] name | ALL; CLOSE name | ALL; DISCARD ALL | PLANS | SEQUENCES | TEMP */
struct pg_target {
	char name[PG_NAME_MAX];
	bool all;
};
/* DECLARE name [BINARY] [ASENSITIVE | INSENSITIVE] [[NO] SCROLL] CURSOR [{WITH | WITHOUT} HOLD] FOR query */
struct pg_declare {
	char name[PG_NAME_MAX];
	bool binary, no_scroll, hold;
	struct pg_span query;
};
/* FETCH / MOVE [direction] [FROM | IN] name, as one of PostgreSQL's four kinds of move: NEXT is
 * FORWARD 1, PRIOR BACKWARD 1, FIRST ABSOLUTE 1, LAST ABSOLUTE -1, a bare count FORWARD count;
 * a negative FORWARD or BACKWARD count is turned into the other direction. */
enum pg_fetch_dir { PG_FETCH_FORWARD, PG_FETCH_BACKWARD, PG_FETCH_ABSOLUTE, PG_FETCH_RELATIVE };
struct pg_fetch {
	char name[PG_NAME_MAX];
	enum pg_fetch_dir dir;
	bool all;      /* FORWARD / BACKWARD ALL */
	int64_t count; /* >= 0 for FORWARD and BACKWARD; any for ABSOLUTE and RELATIVE */
};

/* Each returns 0, or -1 with a PostgreSQL syntax error message in why. */
int pg_parse_prepare(const char *sql, size_t len, struct pg_prepare *out, char *why, size_t whylen);
int pg_parse_execute(const char *sql, size_t len, struct pg_execute *out, char *why, size_t whylen);
int pg_parse_deallocate(const char *sql, size_t len, struct pg_target *out, char *why, size_t whylen);
int pg_parse_close(const char *sql, size_t len, struct pg_target *out, char *why, size_t whylen);
/* name is ALL, PLANS, SEQUENCES or TEMP (TEMPORARY too) */
int pg_parse_discard(const char *sql, size_t len, struct pg_target *out, char *why, size_t whylen);
int pg_parse_declare(const char *sql, size_t len, struct pg_declare *out, char *why, size_t whylen);
int pg_parse_fetch(const char *sql, size_t len, struct pg_fetch *out, char *why, size_t whylen);

/* body with each $n outside literals replaced by (arg n) — CAST((arg n) AS types[n]) where the
 * prepared statement declared a type (types[n] not NULL) — appended to out; args are spans of
 * args_text. -1 with why when a $n has no argument. */
int pg_substitute_params(const char *body, size_t blen, const char *const *types, int ntypes, const char *args_text,
                         const struct pg_span *args, int nargs, buf *out, char *why, size_t whylen);

#endif
