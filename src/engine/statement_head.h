/* Reads the head of one SQL statement: what kind of statement it is and which object it writes
 * (catalog.schema.name as written), plus where the rest of the statement starts. The statement
 * router uses it to send writes to managed tables down the lake's write path and to refuse what a
 * session may not do; the guard uses it for SET/RESET/PRAGMA. A pure function over a buffer: it
 * never reads past len and never allocates. */
#ifndef LAKEHOUSE_ENGINE_STATEMENT_HEAD_H
#define LAKEHOUSE_ENGINE_STATEMENT_HEAD_H

#include <stdbool.h>
#include <stddef.h>

enum stmt_kind {
	STMT_OTHER = 0,
	STMT_SELECT, /* SELECT, FROM-first, VALUES, TABLE, WITH … SELECT, SHOW, DESCRIBE, EXPLAIN … */
	STMT_INSERT,
	STMT_UPDATE,
	STMT_DELETE,
	STMT_MERGE,
	STMT_TRUNCATE,
	STMT_COPY_FROM, /* COPY table FROM … */
	STMT_COPY_TO,   /* COPY table|(query) TO … */
	STMT_CREATE_TABLE,
	STMT_CREATE_TABLE_AS,
	STMT_CREATE_SCHEMA,
	STMT_CREATE_VIEW,
	STMT_CREATE_OTHER, /* macro, sequence, type, index (target: its table), secret, … */
	STMT_DROP_TABLE,
	STMT_DROP_SCHEMA,
	STMT_DROP_VIEW,
	STMT_DROP_OTHER,
	STMT_ALTER_TABLE,
	STMT_ALTER_OTHER, /* ALTER VIEW/SEQUENCE …, COMMENT ON … (target: the object commented on) */
	STMT_COPY_DATABASE, /* COPY FROM DATABASE a TO b (target: b) */
	STMT_SET,
	STMT_RESET,
	STMT_PRAGMA,
	STMT_ATTACH,
	STMT_DETACH,
	STMT_USE,
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
};

enum stmt_scope { SCOPE_DEFAULT = 0, SCOPE_GLOBAL, SCOPE_SESSION, SCOPE_LOCAL };

#define STMT_NAME_MAX 255

/* A possibly qualified name: parts[0..nparts) as written, unquoted parts folded to lower case. */
struct stmt_name {
	int nparts;
	char parts[3][STMT_NAME_MAX + 1];
	bool quoted[3];
};

struct stmt_head {
	enum stmt_kind kind;
	bool or_replace;       /* CREATE OR REPLACE, INSERT OR REPLACE / OR IGNORE */
	bool temporary;
	bool if_exists;
	bool if_not_exists;
	bool cascade;          /* DROP … CASCADE */
	bool variable;         /* SET VARIABLE */
	enum stmt_scope scope; /* SET/RESET */
	struct stmt_name target; /* the object written (nparts 0: none named), or the setting of SET/RESET/PRAGMA */
	size_t rest;             /* offset of what follows the target name */
	size_t with_start, with_len; /* a leading WITH … clause (with_len 0: none) */
};

/* Parses sql[0..len). Returns 0, or -1 when the head is not understood (the kind is then
 * STMT_OTHER and nothing else is set). A name part longer than STMT_NAME_MAX is an error. */
int stmt_head_parse(const char *sql, size_t len, struct stmt_head *out);

#endif
